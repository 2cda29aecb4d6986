/* timeweave correlate analyzer: reading the rules file, and the arithmetic of fuzzy lags. */
#include "correlate.h"

#include <string.h>

#define RULES_MAX_BYTES (16 * 1024 * 1024)

/* Windows beyond the representable time range behave like it; clamping keeps sums in range. */
#define MAX_WITHIN (TW_TIME_MAX - TW_TIME_MIN)

static const char *const type_names[] = {
    [RULE_SEQUENCE] = "sequence", [RULE_ABSENCE] = "absence",   [RULE_THRESHOLD] = "threshold",
    [RULE_DISTINCT] = "distinct", [RULE_TOGETHER] = "together",
};

static const char *const relation_names[] = {
    [RELATION_NONE] = "none",         [RELATION_BEFORE] = "before", [RELATION_MEETS] = "meets",
    [RELATION_OVERLAPS] = "overlaps", [RELATION_DURING] = "during", [RELATION_STARTS] = "starts",
    [RELATION_FINISHES] = "finishes", [RELATION_EQUALS] = "equals",
};

/* Keys each rule type takes, besides `type` and `description`; the required ones first. */
static const struct {
  const char *const keys[8];
  guint n_required;
} type_keys[] = {
    [RULE_SEQUENCE] = {{"a", "b", "within", "by", "relation", "certain", "link", NULL}, 3},
    [RULE_ABSENCE] = {{"a", "b", "within", "by", "relation", "certain", NULL}, 3},
    [RULE_THRESHOLD] = {{"a", "count", "within", "by", "certain", NULL}, 3},
    [RULE_DISTINCT] = {{"a", "field", "count", "within", "by", "certain", NULL}, 4},
    [RULE_TOGETHER] = {{"selectors", "within", "by", "ordered", "certain", NULL}, 2},
};

const char *
_tw_correlate_type_name(RuleType type)
{
  return type_names[type];
}

const char *
_tw_correlate_relation_name(Relation relation)
{
  return relation_names[relation];
}

void
_tw_correlate_rule_free(Rule *rule)
{
  if (rule == NULL)
    return;
  g_free(rule->name);
  g_free(rule->description);
  g_clear_pointer(&rule->a, tw_selector_free);
  g_clear_pointer(&rule->b, tw_selector_free);
  for (guint i = 0; i < rule->n_selectors; i++)
    tw_selector_free(rule->selectors[i]);
  g_free(rule->selectors);
  g_free(rule->by.name);
  g_free(rule->field.name);
  g_free(rule);
}

/* -- rules files: GKeyFile, with the line of each section and key for messages -- */

static guint
place_line(const RulesFile *places, const char *group, const char *key)
{
  g_autofree char *id = key ? g_strdup_printf("%s\n%s", group, key) : g_strdup(group);
  return GPOINTER_TO_UINT(g_hash_table_lookup(places->lines, id));
}

gboolean
_tw_correlate_rules_file_fail(const RulesFile *places, const char *group, const char *key,
                              GError **error, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *what = g_strdup_vprintf(format, args);
  va_end(args);
  guint line = place_line(places, group, key);
  if (line == 0 && key != NULL)
    line = place_line(places, group, NULL);
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "%s:%u: %s", places->path, line,
              what);
  return FALSE;
}

/* Records the line of every section and key, and refuses what GKeyFile would refuse (or would
 * silently merge: a section or key given twice) with its line. */
static gboolean
scan_places(RulesFile *places, const char *text, GError **error)
{
  g_autofree char *group = NULL;
  guint line = 0;
  const char *p = text;
  while (*p != '\0') {
    line++;
    const char *eol = strchr(p, '\n');
    gsize len = eol ? (gsize)(eol - p) : strlen(p);
    g_autofree char *content = g_strstrip(g_strndup(p, len));
    p = eol ? eol + 1 : p + len;

    if (content[0] == '\0' || content[0] == '#')
      continue;
    if (content[0] == '[') {
      gsize n = strlen(content);
      if (content[n - 1] != ']') {
        g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                    "%s:%u: a section header must end with ']'", places->path, line);
        return FALSE;
      }
      g_free(group);
      group = g_strndup(content + 1, n - 2);
      if (g_hash_table_contains(places->lines, group)) {
        g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                    "%s:%u: section [%s] is given twice (first at line %u)", places->path, line,
                    group, place_line(places, group, NULL));
        return FALSE;
      }
      g_hash_table_insert(places->lines, g_strdup(group), GUINT_TO_POINTER(line));
      continue;
    }
    const char *equals = strchr(content, '=');
    if (equals == NULL) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                  "%s:%u: expected KEY=VALUE, a [section] or a # comment", places->path, line);
      return FALSE;
    }
    if (group == NULL) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                  "%s:%u: a key before the first [%s NAME] section", places->path, line,
                  places->section);
      return FALSE;
    }
    g_autofree char *key = g_strstrip(g_strndup(content, equals - content));
    g_autofree char *id = g_strdup_printf("%s\n%s", group, key);
    if (g_hash_table_contains(places->lines, id)) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                  "%s:%u: key '%s' is given twice in [%s] (first at line %u)", places->path, line,
                  key, group, GPOINTER_TO_UINT(g_hash_table_lookup(places->lines, id)));
      return FALSE;
    }
    g_hash_table_insert(places->lines, g_steal_pointer(&id), GUINT_TO_POINTER(line));
  }
  return TRUE;
}

/* -- values -- */

static char *
get_value(const RulesFile *file, const char *group, const char *key)
{
  return _tw_correlate_rules_file_get(file, group, key);
}

char *
_tw_correlate_rules_file_get(const RulesFile *file, const char *group, const char *key)
{
  char *value = g_key_file_get_value(file->keys, group, key, NULL);
  return value ? g_strstrip(value) : NULL;
}

static gboolean
parse_bool(const char *text, gboolean *out)
{
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (guint i = 0; i < G_N_ELEMENTS(yes); i++) {
    if (g_ascii_strcasecmp(text, yes[i]) == 0) {
      *out = TRUE;
      return TRUE;
    }
    if (g_ascii_strcasecmp(text, no[i]) == 0) {
      *out = FALSE;
      return TRUE;
    }
  }
  return FALSE;
}

void
_tw_correlate_parse_field(const char *text, FieldRef *out)
{
  static const char *const scalars[] = {
      "id",   "title",     "description", "source", "kind", "location", "url",
      "zone", "precision", "qualifier",   "start",  "end",  NULL};
  out->name = g_strdup(text);
  if (strcmp(text, "actor") == 0 || strcmp(text, "actors") == 0) {
    out->kind = FIELD_ACTORS;
  } else if (strcmp(text, "tag") == 0 || strcmp(text, "tags") == 0) {
    out->kind = FIELD_TAGS;
  } else if (g_strv_contains(scalars, text)) {
    out->kind = FIELD_SCALAR;
    out->transient = strcmp(text, "start") == 0 || strcmp(text, "end") == 0;
  } else {
    /* As tw_event_get_field(): `attributes.KEY`, or a bare name that is no field. */
    out->kind = FIELD_ATTRIBUTE;
    out->key =
        g_str_has_prefix(out->name, "attributes.") ? out->name + strlen("attributes.") : out->name;
  }
}

/* Splits a `;`-separated list where `\;` is a literal `;`; empty items are dropped. */
static GPtrArray *
split_list(const char *text)
{
  GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
  GString *item = g_string_new(NULL);
  for (const char *p = text;; p++) {
    if (*p == '\\' && p[1] == ';') {
      g_string_append_c(item, ';');
      p++;
    } else if (*p == ';' || *p == '\0') {
      g_strstrip(item->str);
      item->len = strlen(item->str);
      if (item->len > 0)
        g_ptr_array_add(items, g_strdup(item->str));
      g_string_truncate(item, 0);
      if (*p == '\0')
        break;
    } else {
      g_string_append_c(item, *p);
    }
  }
  g_string_free(item, TRUE);
  return items;
}

static gboolean
compile_selector(const RulesFile *places, const char *group, const char *key, const char *rule,
                 const char *text, TwSelector **out, GError **error)
{
  g_autoptr(GError) local = NULL;
  *out = tw_selector_compile(text, &local);
  if (*out == NULL)
    return _tw_correlate_rules_file_fail(places, group, key, error, "rule '%s': %s: %s", rule, key,
                                         local->message);
  return TRUE;
}

static gboolean
parse_rule(const RulesFile *places, const char *group, Rule *rule, GError **error)
{
  const char *name = rule->name;
  g_autofree char *type = get_value(places, group, "type");
  if (type == NULL)
    return _tw_correlate_rules_file_fail(
        places, group, NULL, error,
        "rule '%s': missing key 'type' (sequence, absence, threshold, distinct or "
        "together)",
        name);
  gboolean known = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(type_names); i++) {
    if (strcmp(type, type_names[i]) == 0) {
      rule->type = (RuleType)i;
      known = TRUE;
    }
  }
  if (!known)
    return _tw_correlate_rules_file_fail(
        places, group, "type", error,
        "rule '%s': unknown type '%s' (sequence, absence, threshold, distinct or "
        "together)",
        name, type);

  const char *const *allowed = type_keys[rule->type].keys;
  g_auto(GStrv) given = g_key_file_get_keys(places->keys, group, NULL, NULL);
  for (guint i = 0; given && given[i]; i++) {
    if (strcmp(given[i], "type") == 0 || strcmp(given[i], "description") == 0)
      continue;
    if (!g_strv_contains(allowed, given[i])) {
      g_autofree char *list = g_strjoinv(", ", (char **)allowed);
      return _tw_correlate_rules_file_fail(
          places, group, given[i], error,
          "rule '%s': unknown key '%s' for %s rules (known: type, description, %s)", name, given[i],
          type, list);
    }
  }
  for (guint i = 0; i < type_keys[rule->type].n_required; i++) {
    if (!g_key_file_has_key(places->keys, group, allowed[i], NULL))
      return _tw_correlate_rules_file_fail(places, group, NULL, error,
                                           "rule '%s': missing key '%s'", name, allowed[i]);
  }

  rule->description = get_value(places, group, "description");

  g_autofree char *a = get_value(places, group, "a");
  if (a && !compile_selector(places, group, "a", name, a, &rule->a, error))
    return FALSE;
  g_autofree char *b = get_value(places, group, "b");
  if (b && !compile_selector(places, group, "b", name, b, &rule->b, error))
    return FALSE;

  g_autofree char *selectors = get_value(places, group, "selectors");
  if (selectors) {
    g_autoptr(GPtrArray) items = split_list(selectors);
    if (items->len < 2 || items->len > MAX_TOGETHER)
      return _tw_correlate_rules_file_fail(
          places, group, "selectors", error,
          "rule '%s': selectors: give 2 to %d selectors separated by ';' (got %u)", name,
          MAX_TOGETHER, items->len);
    rule->selectors = g_new0(TwSelector *, items->len);
    for (guint i = 0; i < items->len; i++) {
      if (!compile_selector(places, group, "selectors", name, items->pdata[i], &rule->selectors[i],
                            error))
        return FALSE;
      rule->n_selectors++;
    }
  }

  g_autofree char *within = get_value(places, group, "within");
  if (within) {
    g_autoptr(GError) local = NULL;
    if (!tw_duration_parse(within, &rule->within, &local))
      return _tw_correlate_rules_file_fail(places, group, "within", error, "rule '%s': within: %s",
                                           name, local->message);
    if (rule->within < 0)
      return _tw_correlate_rules_file_fail(places, group, "within", error,
                                           "rule '%s': within: '%s' is negative", name, within);
    rule->within = MIN(rule->within, MAX_WITHIN);
  }

  g_autofree char *count = get_value(places, group, "count");
  if (count) {
    guint64 n;
    if (!g_ascii_string_to_unsigned(count, 10, 1, G_MAXUINT32, &n, NULL))
      return _tw_correlate_rules_file_fail(
          places, group, "count", error,
          "rule '%s': count: '%s' is not a whole number of at least 1", name, count);
    rule->count = n;
  }

  static const char *const field_keys[] = {"by", "field"};
  for (guint i = 0; i < G_N_ELEMENTS(field_keys); i++) {
    g_autofree char *value = get_value(places, group, field_keys[i]);
    if (value == NULL)
      continue;
    if (value[0] == '\0' || strpbrk(value, " \t") != NULL)
      return _tw_correlate_rules_file_fail(places, group, field_keys[i], error,
                                           "rule '%s': %s: '%s' is not a field name", name,
                                           field_keys[i], value);
    if (i == 1 && (strcmp(value, "start") == 0 || strcmp(value, "end") == 0))
      return _tw_correlate_rules_file_fail(
          places, group, "field", error,
          "rule '%s': field: '%s' cannot be counted (use a threshold rule)", name, value);
    _tw_correlate_parse_field(value, i == 0 ? &rule->by : &rule->field);
  }

  g_autofree char *relation = get_value(places, group, "relation");
  if (relation) {
    known = FALSE;
    for (guint i = 1; i < G_N_ELEMENTS(relation_names); i++) {
      if (strcmp(relation, relation_names[i]) == 0) {
        rule->relation = (Relation)i;
        known = TRUE;
      }
    }
    if (!known)
      return _tw_correlate_rules_file_fail(
          places, group, "relation", error,
          "rule '%s': relation: '%s' is not one of before, meets, overlaps, during, "
          "starts, finishes, equals",
          name, relation);
  }

  g_autofree char *link = get_value(places, group, "link");
  if (link) {
    if (strcmp(link, "first") == 0)
      rule->link = LINK_FIRST;
    else if (strcmp(link, "all") == 0)
      rule->link = LINK_ALL;
    else
      return _tw_correlate_rules_file_fail(places, group, "link", error,
                                           "rule '%s': link: '%s' is not 'first' or 'all'", name,
                                           link);
  }

  static const char *const bool_keys[] = {"certain", "ordered"};
  for (guint i = 0; i < G_N_ELEMENTS(bool_keys); i++) {
    g_autofree char *value = get_value(places, group, bool_keys[i]);
    if (value && !parse_bool(value, i == 0 ? &rule->certain : &rule->ordered))
      return _tw_correlate_rules_file_fail(places, group, bool_keys[i], error,
                                           "rule '%s': %s: '%s' is not true or false", name,
                                           bool_keys[i], value);
  }
  return TRUE;
}

void
_tw_correlate_rules_file_free(RulesFile *file)
{
  if (file == NULL)
    return;
  g_free(file->path);
  g_free(file->section);
  g_clear_pointer(&file->lines, g_hash_table_destroy);
  g_clear_pointer(&file->keys, g_key_file_free);
  g_free(file);
}

RulesFile *
_tw_correlate_rules_file_load(const char *path, const char *section, GError **error)
{
  g_autoptr(TwReader) reader = tw_reader_open(path, error);
  if (reader == NULL)
    return NULL;
  g_autoptr(GBytes) bytes = tw_reader_read_all(reader, RULES_MAX_BYTES, error);
  if (bytes == NULL)
    return NULL;
  gsize size;
  const char *text = g_bytes_get_data(bytes, &size);
  if (text == NULL)
    text = "";
  /* A UTF-8 byte order mark (Notepad's "UTF-8 with BOM") is not text of the first line, as in a
   * spec: GKeyFile would refuse the '[rule NAME]' behind it. Lines are counted as before. */
  if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    size -= 3;
  }
  const char *bad = memchr(text, '\0', size);
  const char *invalid;
  if (!g_utf8_validate(text, size, &invalid) && (bad == NULL || invalid < bad))
    bad = invalid;
  if (bad != NULL) {
    /* Named at its line, as every other mistake in the file is (RULES:LINE: what): a stray
     * Latin-1 byte in a description is then found without a hex editor. */
    guint line = 1;
    for (const char *p = text; p < bad; p++)
      line += *p == '\n';
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "%s:%u: not a rules file (not UTF-8 text%s)", path, line,
                *bad == '\0' ? ": a NUL byte" : "");
    return NULL;
  }

  g_autoptr(RulesFile) file = g_new0(RulesFile, 1);
  file->path = g_strdup(path);
  file->section = g_strdup(section);
  file->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  if (!scan_places(file, text, error))
    return NULL;
  file->keys = g_key_file_new();
  g_autoptr(GError) local = NULL;
  guint refused;
  if (!tw_key_file_load_text(file->keys, text, size, &refused, &local)) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "%s:%u: %s", path, refused,
                local->message);
    return NULL;
  }
  return g_steal_pointer(&file);
}

char *
_tw_correlate_rules_file_name(const RulesFile *file, const char *group, GError **error)
{
  gsize prefix = strlen(file->section);
  g_autofree char *name = strncmp(group, file->section, prefix) == 0 && group[prefix] == ' '
                              ? g_strstrip(g_strdup(group + prefix + 1))
                              : NULL;
  if (name == NULL || name[0] == '\0') {
    _tw_correlate_rules_file_fail(file, group, NULL, error,
                                  "section [%s]: %ss are sections named [%s NAME]", group,
                                  file->section, file->section);
    return NULL;
  }
  return g_steal_pointer(&name);
}

GPtrArray *
_tw_correlate_load_rules(const char *path, GError **error)
{
  g_autoptr(RulesFile) places = _tw_correlate_rules_file_load(path, "rule", error);
  if (places == NULL)
    return NULL;
  g_autoptr(GPtrArray) rules =
      g_ptr_array_new_with_free_func((GDestroyNotify)_tw_correlate_rule_free);
  g_auto(GStrv) groups = g_key_file_get_groups(places->keys, NULL);
  for (guint i = 0; groups[i]; i++) {
    const char *group = groups[i];
    g_autoptr(Rule) rule = g_new0(Rule, 1);
    rule->name = _tw_correlate_rules_file_name(places, group, error);
    if (rule->name == NULL)
      return NULL;
    for (guint j = 0; j < rules->len; j++) {
      const Rule *other = rules->pdata[j];
      if (strcmp(other->name, rule->name) == 0) {
        _tw_correlate_rules_file_fail(places, group, NULL, error, "rule '%s' is given twice",
                                      rule->name);
        return NULL;
      }
    }
    if (!parse_rule(places, group, rule, error))
      return NULL;
    g_ptr_array_add(rules, g_steal_pointer(&rule));
  }
  if (rules->len == 0) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "%s:1: no rules: add a [rule NAME] section", path);
    return NULL;
  }
  return g_steal_pointer(&rules);
}

/* -- fuzzy lags -- */

void
_tw_correlate_span(const TwEvent *event, Span *out)
{
  out->s = tw_event_get_start(event);
  gint64 end = tw_event_get_end(event);
  if (tw_event_get_precision(event) == TW_PRECISION_EXACT || end <= out->s) {
    out->definite = TRUE;
    out->sup = out->s;
    out->dur = MAX(end - out->s, 0);
  } else {
    out->definite = FALSE;
    out->sup = end;
    out->dur = 0;
  }
}

static gint64
floor_half(gint64 v)
{
  return v >= 0 ? v / 2 : -((1 - v) / 2);
}

static gint64
ceil_half(gint64 v)
{
  return -floor_half(-v);
}

/* The doubled lags (B's start minus A's start) that the relation and the window allow, for
 * readings where A lasts @da and B lasts @db. */
static gboolean
allowed_lags(const Rule *rule, gint64 da, gint64 db, gint64 *lo, gint64 *hi)
{
  gint64 w2 = 2 * rule->within;
  *lo = 1;
  *hi = 0;
  switch (rule->relation) {
  case RELATION_NONE: /* B does not start before A */
    *lo = 0;
    *hi = w2;
    break;
  case RELATION_BEFORE: /* A ends before B starts: L > da */
    *lo = 2 * da + 1;
    *hi = w2;
    break;
  case RELATION_MEETS: /* A ends as B starts, A not an instant: L == da > 0 */
    if (da <= 0)
      return FALSE;
    *lo = *hi = 2 * da;
    break;
  case RELATION_OVERLAPS: /* A starts first, B starts inside A and ends after it */
    *lo = 2 * MAX(0, da - db) + 1;
    *hi = 2 * da - 1;
    break;
  case RELATION_DURING: /* A strictly inside B: db - da > -L > 0 */
    *lo = 2 * (da - db) + 1;
    *hi = -1;
    break;
  case RELATION_STARTS: /* same start, A ends first */
    if (da >= db)
      return FALSE;
    *lo = *hi = 0;
    break;
  case RELATION_FINISHES: /* same end, A starts later */
    if (da >= db)
      return FALSE;
    *lo = *hi = 2 * (da - db);
    break;
  case RELATION_EQUALS:
    if (da != db)
      return FALSE;
    *lo = *hi = 0;
    break;
  }
  *lo = MAX(*lo, -w2);
  *hi = MIN(*hi, w2);
  return *lo <= *hi;
}

gint64
_tw_correlate_min_lag2(const Rule *rule)
{
  if (rule->relation == RELATION_DURING || rule->relation == RELATION_FINISHES)
    return -2 * rule->within;
  return 0;
}

PairResult
_tw_correlate_test_pair(const Rule *rule, const Span *a, const Span *b, gint64 *lag_min,
                        gint64 *lag_max)
{
  /* Every reading's lag lies between these (doubled, open ends shifted inward). */
  gint64 lo = 2 * (b->s - a->sup) + (a->definite ? 0 : 1);
  gint64 hi = 2 * (b->sup - a->s) - (b->definite ? 0 : 1);
  gint64 allowed_lo, allowed_hi;
  if (!allowed_lags(rule, a->dur, b->dur, &allowed_lo, &allowed_hi))
    return PAIR_NONE;
  gint64 both_lo = MAX(lo, allowed_lo);
  gint64 both_hi = MIN(hi, allowed_hi);
  if (both_lo > both_hi)
    return PAIR_NONE;
  *lag_min = floor_half(both_lo);
  *lag_max = ceil_half(both_hi);
  return allowed_lo <= lo && hi <= allowed_hi ? PAIR_CERTAIN : PAIR_POSSIBLE;
}

/* -- fields -- */

guint
_tw_correlate_field_begin(const FieldRef *ref, const TwEvent *event, const char **scalar)
{
  *scalar = NULL;
  switch (ref->kind) {
  case FIELD_NONE:
    return 1;
  case FIELD_ACTORS:
    return tw_event_get_n_actors(event);
  case FIELD_TAGS:
    return tw_event_get_n_tags(event);
  case FIELD_SCALAR:
    *scalar = tw_event_get_field(event, ref->name);
    return *scalar != NULL;
  case FIELD_ATTRIBUTE:
    *scalar = tw_event_lookup_attribute(event, ref->key);
    return *scalar != NULL;
  }
  return 0;
}

const char *
_tw_correlate_field_at(const FieldRef *ref, const TwEvent *event, const char *scalar, guint i)
{
  switch (ref->kind) {
  case FIELD_ACTORS:
    return tw_event_get_actor(event, i);
  case FIELD_TAGS:
    return tw_event_get_tag(event, i);
  case FIELD_NONE:
  case FIELD_SCALAR:
  case FIELD_ATTRIBUTE:
    break;
  }
  return scalar;
}

/* -- groups -- */

static void
map_place(MapSlot *slots, guint mask, const MapSlot *entry)
{
  guint i = entry->hash & mask;
  while (slots[i].key != NULL)
    i = (i + 1) & mask;
  slots[i] = *entry;
}

static void
map_resize(GroupMap *map, guint size)
{
  MapSlot *slots = g_new0(MapSlot, size);
  for (guint i = 0; map->slots && i <= map->mask; i++)
    if (map->slots[i].key != NULL)
      map_place(slots, size - 1, &map->slots[i]);
  g_free(map->slots);
  map->slots = slots;
  map->mask = size - 1;
}

void
_tw_correlate_map_insert(GroupMap *map, const char *key, guint32 hash, gpointer value)
{
  /* At most half full, so that probes stay short. */
  if (map->slots == NULL || 2 * (map->len + 1) > map->mask + 1)
    map_resize(map, map->slots ? 2 * (map->mask + 1) : 64);
  MapSlot entry = {key, hash, value};
  map_place(map->slots, map->mask, &entry);
  map->len++;
}

void
_tw_correlate_map_filter(GroupMap *map, gboolean (*keep)(gpointer value, gpointer data),
                         gpointer data)
{
  if (map->slots == NULL)
    return;
  guint mask = map->mask;
  MapSlot *slots = map->slots;
  /* Walk from an empty slot: a deletion shifts back only slots that the walk has yet to see
   * (those of the same run of occupied slots, which ends before the empty one). */
  guint start = 0;
  while (slots[start].key != NULL)
    start = (start + 1) & mask;
  guint i = (start + 1) & mask;
  for (guint seen = 0; seen <= mask;) {
    if (slots[i].key == NULL || keep(slots[i].value, data)) {
      i = (i + 1) & mask;
      seen++;
      continue;
    }
    /* Delete slot i (Knuth's algorithm R): move back each later slot of the run that may
     * live in the hole, then look at slot i again. */
    map->len--;
    guint hole = i;
    for (guint j = (i + 1) & mask; slots[j].key != NULL; j = (j + 1) & mask) {
      guint home = slots[j].hash & mask;
      gboolean stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole].key = NULL;
  }
  /* Shrink when mostly empty, so that sweeps over the slots cost what the groups do. */
  guint wanted = 64;
  while (wanted < 4 * map->len)
    wanted *= 2;
  if (wanted < mask + 1)
    map_resize(map, wanted);
}

void
_tw_correlate_map_clear(GroupMap *map)
{
  g_clear_pointer(&map->slots, g_free);
  map->mask = 0;
  map->len = 0;
}

/* -- sorting results: least significant digit radix sorts, skipping digits all keys share -- */

/* Sorts @keys (and @order along) by bytes, least significant first: one pass counts every
 * byte's values, then each byte that not all keys share moves the keys between two buffers. */
void
_tw_correlate_radix_sort(guint64 *keys, guint32 *order, gsize n)
{
  g_autofree gsize *counts = g_new0(gsize, 8 * 256);
  for (gsize i = 0; i < n; i++)
    for (guint d = 0; d < 8; d++)
      counts[d * 256 + ((keys[i] >> (8 * d)) & 0xff)]++;
  g_autofree guint64 *keys2 = g_new(guint64, n);
  g_autofree guint32 *order2 = g_new(guint32, n);
  guint64 *from_keys = keys, *to_keys = keys2;
  guint32 *from_order = order, *to_order = order2;
  for (guint d = 0; d < 8; d++) {
    gsize *count = counts + d * 256;
    guint shift = 8 * d;
    if (count[(keys[0] >> shift) & 0xff] == n)
      continue;
    gsize total = 0;
    for (guint b = 0; b < 256; b++) {
      gsize c = count[b];
      count[b] = total;
      total += c;
    }
    for (gsize i = 0; i < n; i++) {
      gsize at = count[(from_keys[i] >> shift) & 0xff]++;
      to_keys[at] = from_keys[i];
      to_order[at] = from_order[i];
    }
    guint64 *swap_keys = from_keys;
    from_keys = to_keys;
    to_keys = swap_keys;
    guint32 *swap_order = from_order;
    from_order = to_order;
    to_order = swap_order;
  }
  if (from_keys != keys) {
    memcpy(keys, from_keys, n * sizeof *keys);
    memcpy(order, from_order, n * sizeof *order);
  }
}

/* Sorts @array (elements of @size bytes) by the keys @key_of gives, stably. */
static void
sort_by_key(GArray *array, gsize size, guint64 (*key_of)(gconstpointer element))
{
  gsize n = array->len;
  if (n < 2)
    return;
  gboolean sorted = TRUE;
  g_autofree guint64 *keys = g_new(guint64, n);
  g_autofree guint32 *order = g_new(guint32, n);
  for (gsize i = 0; i < n; i++) {
    keys[i] = key_of(array->data + i * size);
    order[i] = (guint32)i;
    sorted = sorted && (i == 0 || keys[i - 1] <= keys[i]);
  }
  if (sorted)
    return;
  _tw_correlate_radix_sort(keys, order, n);
  g_autofree char *copy = g_memdup2(array->data, n * size);
  for (gsize i = 0; i < n; i++)
    memcpy(array->data + i * size, copy + (gsize)order[i] * size, size);
}

static guint64
match_key(gconstpointer element)
{
  const Match *match = element;
  return (guint64)match->from << 32 | match->to;
}

static guint64
unanswered_key(gconstpointer element)
{
  return ((const Unanswered *)element)->index;
}

void
_tw_correlate_sort_matches(GArray *matches)
{
  sort_by_key(matches, sizeof(Match), match_key);
}

void
_tw_correlate_sort_unanswered(GArray *unanswered)
{
  sort_by_key(unanswered, sizeof(Unanswered), unanswered_key);
}

/* -- chunks -- */

#define CHUNK_BUCKETS 4096

void
_tw_correlate_chunk_sort(const ChunkItem *items, guint n_items, ChunkItem *sorted)
{
  guint counts[CHUNK_BUCKETS] = {0};
  for (guint k = 0; k < n_items; k++)
    counts[items[k].hash & (CHUNK_BUCKETS - 1)]++;
  guint total = 0;
  for (guint b = 0; b < CHUNK_BUCKETS; b++) {
    guint count = counts[b];
    counts[b] = total;
    total += count;
  }
  for (guint k = 0; k < n_items; k++)
    sorted[counts[items[k].hash & (CHUNK_BUCKETS - 1)]++] = items[k];
}
