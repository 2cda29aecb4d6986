/* timeweave: option tables, validated before any component runs. */
#include "private.h"

#include <errno.h>
#include <string.h>

typedef struct {
  gboolean given; /* set by the user, not by the default */
  gboolean has_value;
  char *text;
  gint64 integer; /* INT, DURATION */
  double number;
  gboolean boolean;
  TwDate date;
  char **list;
  GTimeZone *zone;
} OptionValue;

struct _TwOptions {
  char *component;
  const TwOptionSpec *table;
  guint n;
  OptionValue *values;
};

/* The quark name is stringified, spaces and all: keep clang-format away from it. */
/* clang-format off */
G_DEFINE_QUARK(tw-option-error-quark, tw_option_error)
/* clang-format on */

const char *
tw_option_type_to_string(TwOptionType type)
{
  switch (type) {
  case TW_OPTION_STRING:
    return "string";
  case TW_OPTION_INT:
    return "int";
  case TW_OPTION_BOOL:
    return "bool";
  case TW_OPTION_DOUBLE:
    return "double";
  case TW_OPTION_DURATION:
    return "duration";
  case TW_OPTION_DATE:
    return "date";
  case TW_OPTION_LIST:
    return "list";
  case TW_OPTION_ZONE:
    return "zone";
  case TW_OPTION_CHOICE:
    return "choice";
  case TW_OPTION_PATH:
    return "path";
  }
  return "?";
}

static gboolean
parse_bool(const char *text, gboolean *out)
{
  static const char *const yes[] = {"true", "yes", "on", "1", NULL};
  static const char *const no[] = {"false", "no", "off", "0", NULL};
  for (guint i = 0; yes[i]; i++)
    if (g_ascii_strcasecmp(text, yes[i]) == 0) {
      *out = TRUE;
      return TRUE;
    }
  for (guint i = 0; no[i]; i++)
    if (g_ascii_strcasecmp(text, no[i]) == 0) {
      *out = FALSE;
      return TRUE;
    }
  return FALSE;
}

static gboolean
choice_allowed(const char *choices, const char *text)
{
  g_auto(GStrv) words = g_strsplit(choices ? choices : "", "|", -1);
  return g_strv_contains((const char *const *)words, text);
}

/* Parses @text as @spec's type into @v. On failure sets @error saying what the value is not. */
static gboolean
parse_value(const char *component, const TwOptionSpec *spec, const char *base_dir, const char *text,
            OptionValue *v, GError **error)
{
  g_autoptr(GError) inner = NULL;
  const char *what = NULL;
  v->text = g_strdup(text);
  v->has_value = TRUE;
  switch (spec->type) {
  case TW_OPTION_STRING:
    return TRUE;
  case TW_OPTION_INT: {
    char *end = NULL;
    errno = 0;
    v->integer = g_ascii_strtoll(text, &end, 10);
    if (*text && end && *end == '\0' && errno == 0)
      return TRUE;
    what = "is not an integer";
    break;
  }
  case TW_OPTION_BOOL:
    if (parse_bool(text, &v->boolean))
      return TRUE;
    what = "is not a boolean (true or false)";
    break;
  case TW_OPTION_DOUBLE: {
    char *end = NULL;
    errno = 0;
    v->number = g_ascii_strtod(text, &end);
    if (*text && end && *end == '\0' && errno == 0)
      return TRUE;
    what = "is not a number";
    break;
  }
  case TW_OPTION_DURATION:
    if (tw_duration_parse(text, &v->integer, &inner))
      return TRUE;
    what = "is not a duration (like 90d, 12h, 1h30m)";
    break;
  case TW_OPTION_DATE:
    if (tw_date_parse(text, NULL, &v->date, &inner))
      return TRUE;
    what = "is not a date";
    break;
  case TW_OPTION_LIST: {
    v->list = g_strsplit(text, ";", -1);
    /* Empty items (a trailing `;`) mean nothing: drop them. */
    guint w = 0;
    for (guint r = 0; v->list[r]; r++) {
      g_strstrip(v->list[r]);
      if (*v->list[r])
        v->list[w++] = v->list[r];
      else
        g_free(v->list[r]);
    }
    v->list[w] = NULL;
    return TRUE;
  }
  case TW_OPTION_ZONE:
    v->zone = tw_zone_new(text, &inner);
    if (v->zone)
      return TRUE;
    what = "is not a time zone (an IANA name like Europe/Berlin, or an offset like +01:00)";
    break;
  case TW_OPTION_CHOICE:
    if (choice_allowed(spec->choices, text))
      return TRUE;
    {
      g_autofree char *alts = g_strdup(spec->choices ? spec->choices : "");
      g_strdelimit(alts, "|", ',');
      g_autofree char *quoted = _tw_quote_text(text);
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                  "option '%s' of %s: '%s' is not one of: %s", spec->name, component, quoted, alts);
      return FALSE;
    }
  case TW_OPTION_PATH:
    if (*text == '\0') {
      what = "is not a file name";
      break;
    }
    g_free(v->text);
    v->text = _tw_resolve_path(base_dir, text);
    return TRUE;
  }
  /* A value may hold a line break (a command-line argument; GKeyFile reads a spec's \n as one):
   * quoted, the message stays one line. */
  g_autofree char *quoted = _tw_quote_text(text);
  g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE, "option '%s' of %s: '%s' %s",
              spec->name, component, quoted, what ? what : "is not valid");
  return FALSE;
}

static void
value_clear(OptionValue *v)
{
  g_free(v->text);
  g_strfreev(v->list);
  if (v->zone)
    g_time_zone_unref(v->zone);
  memset(v, 0, sizeof *v);
}

void
tw_options_free(TwOptions *options)
{
  if (!options)
    return;
  for (guint i = 0; i < options->n; i++)
    value_clear(&options->values[i]);
  g_free(options->values);
  g_free(options->component);
  g_free(options);
}

static char *
known_names(const TwOptionSpec *table)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; table && table[i].name; i++) {
    if (i)
      g_string_append(s, ", ");
    g_string_append(s, table[i].name);
  }
  if (s->len == 0)
    g_string_append(s, "it takes no options");
  return g_string_free(s, FALSE);
}

TwOptions *
tw_options_new(const char *component, const TwOptionSpec *table, const char *base_dir,
               const char *const *keys, const char *const *values, GError **error)
{
  TwOptions *o = g_new0(TwOptions, 1);
  o->component = g_strdup(component);
  o->table = table;
  while (table && table[o->n].name)
    o->n++;
  o->values = g_new0(OptionValue, MAX(o->n, 1));

  for (guint k = 0; keys && keys[k]; k++) {
    guint i;
    for (i = 0; i < o->n; i++)
      if (strcmp(table[i].name, keys[k]) == 0)
        break;
    if (i == o->n) {
      g_autofree char *known = known_names(table);
      g_autofree char *quoted = _tw_quote_text(keys[k]);
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_UNKNOWN,
                  "unknown option '%s' for %s (known: %s)", quoted, component, known);
      tw_options_free(o);
      return NULL;
    }
    value_clear(&o->values[i]);
    if (!parse_value(component, &table[i], base_dir, values[k], &o->values[i], error)) {
      tw_options_free(o);
      return NULL;
    }
    o->values[i].given = TRUE;
  }
  for (guint i = 0; i < o->n; i++) {
    if (o->values[i].given || !table[i].default_value)
      continue;
    g_autoptr(GError) bad_default = NULL;
    if (!parse_value(component, &table[i], base_dir, table[i].default_value, &o->values[i],
                     &bad_default)) {
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE, "%s declares a bad default: %s",
                  component, bad_default->message);
      tw_options_free(o);
      return NULL;
    }
  }
  return o;
}

static const OptionValue *
lookup(const TwOptions *options, const char *name, TwOptionType type)
{
  g_return_val_if_fail(options != NULL, NULL);
  for (guint i = 0; i < options->n; i++)
    if (strcmp(options->table[i].name, name) == 0) {
      if (options->table[i].type != type)
        g_critical("%s: option '%s' is a %s, read as a %s", options->component, name,
                   tw_option_type_to_string(options->table[i].type),
                   tw_option_type_to_string(type));
      return options->values[i].has_value ? &options->values[i] : NULL;
    }
  g_critical("%s: no option named '%s' in its table", options->component, name);
  return NULL;
}

gboolean
tw_options_is_set(const TwOptions *options, const char *name)
{
  g_return_val_if_fail(options != NULL, FALSE);
  for (guint i = 0; i < options->n; i++)
    if (strcmp(options->table[i].name, name) == 0)
      return options->values[i].given;
  g_critical("%s: no option named '%s' in its table", options->component, name);
  return FALSE;
}

const char *
tw_options_get_string(const TwOptions *options, const char *name)
{
  /* Any option can be read as its text; only type-check the typed getters. */
  g_return_val_if_fail(options != NULL, NULL);
  for (guint i = 0; i < options->n; i++)
    if (strcmp(options->table[i].name, name) == 0)
      return options->values[i].has_value ? options->values[i].text : NULL;
  g_critical("%s: no option named '%s' in its table", options->component, name);
  return NULL;
}

gint64
tw_options_get_int(const TwOptions *options, const char *name)
{
  const OptionValue *v = lookup(options, name, TW_OPTION_INT);
  return v ? v->integer : 0;
}

gboolean
tw_options_get_bool(const TwOptions *options, const char *name)
{
  const OptionValue *v = lookup(options, name, TW_OPTION_BOOL);
  return v ? v->boolean : FALSE;
}

double
tw_options_get_double(const TwOptions *options, const char *name)
{
  const OptionValue *v = lookup(options, name, TW_OPTION_DOUBLE);
  return v ? v->number : 0.0;
}

gint64
tw_options_get_duration(const TwOptions *options, const char *name)
{
  const OptionValue *v = lookup(options, name, TW_OPTION_DURATION);
  return v ? v->integer : 0;
}

gboolean
tw_options_get_date(const TwOptions *options, const char *name, TwDate *out)
{
  const OptionValue *v = lookup(options, name, TW_OPTION_DATE);
  if (!v)
    return FALSE;
  *out = v->date;
  return TRUE;
}

const char *const *
tw_options_get_list(const TwOptions *options, const char *name)
{
  static const char *const empty[] = {NULL};
  const OptionValue *v = lookup(options, name, TW_OPTION_LIST);
  return v && v->list ? (const char *const *)v->list : empty;
}

GTimeZone *
tw_options_get_zone(const TwOptions *options, const char *name)
{
  const OptionValue *v = lookup(options, name, TW_OPTION_ZONE);
  return v ? v->zone : NULL;
}

const char *
tw_options_get_path(const TwOptions *options, const char *name)
{
  const OptionValue *v = lookup(options, name, TW_OPTION_PATH);
  return v ? v->text : NULL;
}
