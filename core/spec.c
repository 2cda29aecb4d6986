/* timeweave: .timeline specs (GKeyFile): sources, analyzers and exports in a file. */
#include "private.h"

#include <string.h>

/* GKeyFile reports no line numbers: find them in the text so errors say `SPEC:LINE: what`. */
static guint
line_of(const char *text, const char *group, const char *key)
{
  guint line = 0, group_line = 0;
  gboolean in_group = FALSE;
  const char *p = text;
  while (*p) {
    line++;
    const char *eol = strchr(p, '\n');
    gsize len = eol ? (gsize)(eol - p) : strlen(p);
    g_autofree char *l = g_strstrip(g_strndup(p, len));
    if (l[0] == '[') {
      g_autofree char *want = g_strdup_printf("[%s]", group);
      in_group = strcmp(l, want) == 0;
      if (in_group)
        group_line = line;
    } else if (in_group && key) {
      gsize kl = strlen(key);
      if (strncmp(l, key, kl) == 0 && (l[kl] == '=' || l[kl] == ' ' || l[kl] == '\t'))
        return line;
    }
    if (!eol)
      break;
    p = eol + 1;
  }
  return group_line;
}

typedef struct {
  const char *path;
  const char *text;
} SpecContext;

/* Sets @error to `PATH:LINE: what` (`PATH: what` when @line is 0), with @text quoted: a spec
 * value may hold a line break (GKeyFile reads \n as one), and the messages of the options,
 * plugins and dates it reaches quote values, so escaped here every spec error stays one line
 * (found by tests/fuzz, twice). Returns FALSE. */
static gboolean
set_spec_error(GError **error, gint code, const char *path, guint line, const char *text)
{
  g_autofree char *msg = _tw_quote_text(text);
  if (line)
    g_set_error(error, G_KEY_FILE_ERROR, code, "%s:%u: %s", path, line, msg);
  else
    g_set_error(error, G_KEY_FILE_ERROR, code, "%s: %s", path, msg);
  return FALSE;
}

/* A bad value: the error names the line of @key in @group (of @group when @key is NULL). */
static gboolean G_GNUC_PRINTF(5, 6) fail(GError **error, const SpecContext *ctx, const char *group,
                                         const char *key, const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  g_autofree char *text = g_strdup_vprintf(format, ap);
  va_end(ap);
  return set_spec_error(error, G_KEY_FILE_ERROR_INVALID_VALUE, ctx->path,
                        line_of(ctx->text, group, key), text);
}

/* A spec's own problem at @line (its form, not a value). */
static gboolean G_GNUC_PRINTF(4, 5)
    set_line_error(GError **error, const char *path, guint line, const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  g_autofree char *text = g_strdup_vprintf(format, ap);
  va_end(ap);
  return set_spec_error(error, G_KEY_FILE_ERROR_PARSE, path, line, text);
}

/* Re-tags an error from the job (a bad option, an unknown plugin) with the spec's place: the
 * line of the key the message quotes, else of @key. */
static gboolean
fail_from(GError **error, const SpecContext *ctx, GKeyFile *kf, const char *group, const char *key,
          GError *inner)
{
  g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
  for (guint i = 0; keys && keys[i]; i++) {
    g_autofree char *quoted = g_strdup_printf("'%s'", keys[i]);
    if (strstr(inner->message, quoted)) {
      key = keys[i];
      break;
    }
  }
  gboolean r = fail(error, ctx, group, key, "[%s]: %s", group, inner->message);
  g_error_free(inner);
  return r;
}

static gboolean
parse_date_key(GKeyFile *kf, const SpecContext *ctx, const char *group, const char *key,
               gboolean *has, TwDate *out, GError **error)
{
  g_autofree char *text = g_key_file_get_string(kf, group, key, NULL);
  *has = text != NULL;
  if (!text)
    return TRUE;
  g_autoptr(GError) inner = NULL;
  if (!tw_date_parse(text, NULL, out, &inner))
    return fail(error, ctx, group, key, "%s: %s", key, inner->message);
  return TRUE;
}

/* Collects the keys of @group except @skip as option keys and values. */
static void
collect_options(GKeyFile *kf, const char *group, const char *const *skip, GPtrArray *keys,
                GPtrArray *values)
{
  g_auto(GStrv) all = g_key_file_get_keys(kf, group, NULL, NULL);
  for (guint i = 0; all && all[i]; i++) {
    if (skip && g_strv_contains(skip, all[i]))
      continue;
    g_ptr_array_add(keys, g_strdup(all[i]));
    g_ptr_array_add(values, g_key_file_get_string(kf, group, all[i], NULL));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
}

/* GKeyFile merges a section given twice into one and keeps the last value of a key given twice
 * in a section, without a word: a spec's second [source a], or a second path= in it, would
 * silently replace what the first said. Both are refused with their lines. The lines are read as
 * GKeyFile reads them: white space at the start skipped, `#` a comment, `[` a section up to its
 * `]`, else a key up to its `=` without the white space before it. (A line GKeyFile refuses is
 * left to it.) */
static gboolean
check_repeats(const SpecContext *ctx, gsize length, GError **error)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  guint line = 0;
  for (const char *p = ctx->text; p < ctx->text + length;) {
    line++;
    const char *eol = memchr(p, '\n', (gsize)(ctx->text + length - p));
    const char *end = eol ? eol : ctx->text + length;
    while (p < end && g_ascii_isspace(*p))
      p++;
    if (p < end && *p == '[') {
      const char *close = memchr(p, ']', (gsize)(end - p));
      if (close) {
        g_free(group);
        group = g_strndup(p + 1, (gsize)(close - p - 1));
        guint first = GPOINTER_TO_UINT(g_hash_table_lookup(groups, group));
        if (first)
          return set_line_error(error, ctx->path, line,
                                "section [%s] is given twice (first on line %u)", group, first);
        g_hash_table_insert(groups, g_strdup(group), GUINT_TO_POINTER(line));
        g_hash_table_remove_all(keys);
      }
    } else if (p < end && *p != '#' && group) {
      const char *equals = memchr(p, '=', (gsize)(end - p));
      const char *key_end = equals;
      while (key_end && key_end > p && g_ascii_isspace(key_end[-1]))
        key_end--;
      if (key_end && key_end > p) {
        g_autofree char *key = g_strndup(p, (gsize)(key_end - p));
        guint first = GPOINTER_TO_UINT(g_hash_table_lookup(keys, key));
        if (first)
          return set_line_error(error, ctx->path, line,
                                "[%s]: key '%s' is given twice (first on line %u)", group, key,
                                first);
        g_hash_table_insert(keys, g_steal_pointer(&key), GUINT_TO_POINTER(line));
      }
    }
    p = eol ? eol + 1 : end;
  }
  return TRUE;
}

static char *
spec_stem(const char *path)
{
  g_autofree char *base = g_path_get_basename(path);
  if (g_str_has_suffix(base, ".timeline"))
    base[strlen(base) - strlen(".timeline")] = '\0';
  return g_strdup(base);
}

gboolean
tw_job_load_spec(TwJob *job, const char *path, const char *export_dir, GError **error)
{
  g_autoptr(GFile) file =
      strstr(path, "://") ? g_file_new_for_uri(path) : g_file_new_for_path(path);
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) inner = NULL;
  if (!g_file_load_contents(file, NULL, &contents, &length, NULL, &inner)) {
    g_set_error(error, G_IO_ERROR, inner->code, "%s: %s", path, _tw_io_reason(inner));
    return FALSE;
  }
  /* A UTF-8 byte order mark (Notepad's "UTF-8 with BOM") is not text of the first line: GKeyFile
   * would refuse '[timeline]' behind it. Lines are counted as before, the mark being on line 1. */
  char *text = contents;
  if (length >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    length -= 3;
  }
  SpecContext ctx = {path, text};
  /* GKeyFile wants UTF-8, and a value it cannot read (bad UTF-8, a bad escape) would come back
   * as NULL from g_key_file_get_string(), as if the key were absent: refuse both, with a line. */
  const char *bad;
  if (!g_utf8_validate(text, (gssize)length, &bad)) {
    guint line = 1;
    for (const char *p = text; p < bad; p++)
      line += *p == '\n';
    return set_spec_error(error, G_KEY_FILE_ERROR_PARSE, path, line,
                          *bad ? "not UTF-8 text" : "not UTF-8 text (a NUL byte)");
  }
  g_autoptr(GKeyFile) kf = g_key_file_new();
  guint refused;
  if (!tw_key_file_load_text(kf, text, length, &refused, &inner)) {
    g_autofree char *message = g_strconcat("not a timeline spec: ", inner->message, NULL);
    return set_spec_error(error, inner->code, path, refused, message);
  }
  if (!check_repeats(&ctx, length, error))
    return FALSE;
  g_auto(GStrv) all_groups = g_key_file_get_groups(kf, NULL);
  for (guint g = 0; all_groups[g]; g++) {
    g_auto(GStrv) keys = g_key_file_get_keys(kf, all_groups[g], NULL, NULL);
    for (guint k = 0; keys && keys[k]; k++) {
      g_autofree char *value = g_key_file_get_string(kf, all_groups[g], keys[k], &inner);
      if (!value)
        return fail(error, &ctx, all_groups[g], keys[k], "[%s] %s: %s", all_groups[g], keys[k],
                    inner->message);
    }
  }

  /* Relative paths in a spec are taken from the spec's folder. */
  g_autofree char *base_dir = NULL;
  if (strstr(path, "://")) {
    const char *slash = strrchr(path, '/');
    base_dir = g_strndup(path, (gsize)(slash - path));
  } else {
    g_autofree char *dir = g_path_get_dirname(path);
    base_dir = g_canonicalize_filename(dir, NULL);
  }

  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  if (!g_key_file_has_group(kf, "timeline"))
    return fail(error, &ctx, "timeline", NULL,
                "no [timeline] section (a spec needs one, even empty, and a [source NAME])");

  /* [timeline] */
  static const char *const timeline_keys[] = {"title", "from", "to", "output-zone", NULL};
  g_auto(GStrv) tkeys = g_key_file_get_keys(kf, "timeline", NULL, NULL);
  for (guint i = 0; tkeys[i]; i++)
    if (!g_strv_contains(timeline_keys, tkeys[i]))
      return fail(error, &ctx, "timeline", tkeys[i],
                  "unknown key '%s' in [timeline] (known: title, from, to, output-zone)", tkeys[i]);
  g_autofree char *title = g_key_file_get_string(kf, "timeline", "title", NULL);
  if (title)
    tw_job_set_title(job, title);
  else {
    g_autofree char *stem = spec_stem(path);
    tw_job_set_title(job, stem);
  }
  TwDate from, to;
  gboolean has_from, has_to;
  if (!parse_date_key(kf, &ctx, "timeline", "from", &has_from, &from, error) ||
      !parse_date_key(kf, &ctx, "timeline", "to", &has_to, &to, error))
    return FALSE;
  if (has_from || has_to) {
    /* `to` is inclusive of its whole period, as --to is: to=2027-12-31 keeps that day, and an
     * exact time the second it names (or the instant itself when it has a fraction). */
    gint64 f = has_from ? from.start : TW_TIME_MIN;
    gint64 t = has_to ? tw_date_range_end(&to) : TW_TIME_MAX;
    if (t <= f)
      return fail(error, &ctx, "timeline", "to", "to is before from");
    tw_job_set_range(job, f, t);
  }
  g_autofree char *zone_name = g_key_file_get_string(kf, "timeline", "output-zone", NULL);
  if (zone_name) {
    GTimeZone *zone = tw_zone_new(zone_name, &inner);
    if (!zone)
      return fail(error, &ctx, "timeline", "output-zone", "output-zone: %s", inner->message);
    tw_job_set_output_zone(job, zone);
    g_time_zone_unref(zone);
  }

  g_auto(GStrv) formats = NULL;
  g_autofree char *directory = NULL;
  g_autofree char *name = NULL;
  guint n_sources = 0;
  for (guint g = 0; groups[g]; g++) {
    const char *group = groups[g];
    if (strcmp(group, "timeline") == 0)
      continue;
    if (g_str_has_prefix(group, "source ") || g_str_has_prefix(group, "analyzer ")) {
      gboolean is_source = group[0] == 's';
      n_sources += is_source;
      const char *instance = strchr(group, ' ') + 1;
      g_autofree char *plugin = g_key_file_get_string(kf, group, "plugin", NULL);
      if (!plugin)
        return fail(error, &ctx, group, NULL, "[%s] has no plugin= key", group);
      static const char *const source_skip[] = {"plugin", "path", NULL};
      static const char *const analyzer_skip[] = {"plugin", NULL};
      g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
      g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
      collect_options(kf, group, is_source ? source_skip : analyzer_skip, keys, values);
      GError *job_error = NULL;
      if (is_source) {
        g_autofree char *src_path = g_key_file_get_string(kf, group, "path", NULL);
        if (!src_path)
          return fail(error, &ctx, group, NULL, "[%s] has no path= key", group);
        /* (Resolved against the spec's folder, an empty path would name the folder itself.) The
         * path itself keeps its spaces: `\s` gives a name that begins or ends with one. */
        g_autofree char *stripped = g_strstrip(g_strdup(src_path));
        if (!*stripped)
          return fail(error, &ctx, group, "path", "[%s] path= is empty: give the source's file",
                      group);
        if (!tw_job_add_source(job, plugin, instance, src_path, base_dir,
                               (const char *const *)keys->pdata, (const char *const *)values->pdata,
                               &job_error))
          return fail_from(error, &ctx, kf, group, "plugin", job_error);
      } else if (!tw_job_add_analyzer(job, plugin, instance, base_dir,
                                      (const char *const *)keys->pdata,
                                      (const char *const *)values->pdata, &job_error)) {
        return fail_from(error, &ctx, kf, group, "plugin", job_error);
      }
    } else if (strcmp(group, "export") == 0) {
      static const char *const export_keys[] = {"formats", "directory", "name", NULL};
      g_auto(GStrv) ekeys = g_key_file_get_keys(kf, group, NULL, NULL);
      for (guint i = 0; ekeys[i]; i++)
        if (!g_strv_contains(export_keys, ekeys[i]))
          return fail(error, &ctx, group, ekeys[i],
                      "unknown key '%s' in [export] (known: formats, directory, name)", ekeys[i]);
      g_autofree char *list = g_key_file_get_string(kf, group, "formats", NULL);
      if (list) {
        g_strdelimit(list, ";", ',');
        formats = g_strsplit(list, ",", -1);
      }
      directory = g_key_file_get_string(kf, group, "directory", NULL);
      name = g_key_file_get_string(kf, group, "name", NULL);
      /* The files are DIRECTORY/NAME.EXT: a name with a slash would put them in another folder
       * than the one the user gave with -o (name=../../x writes above it), and an empty one
       * writes hidden files (.json). */
      if (name &&
          (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
        return fail(error, &ctx, group, "name",
                    "[export] name: '%s' is not a file name (the files are DIRECTORY/NAME.EXT; "
                    "give the folder with directory=)",
                    name);
    } else if (g_str_has_prefix(group, "export ")) {
      continue; /* per-format options, read below */
    } else {
      return fail(error, &ctx, group, NULL,
                  "unknown section [%s] (known: [timeline], [source NAME], [analyzer NAME], "
                  "[export], [export FORMAT])",
                  group);
    }
  }

  if (!formats)
    formats = g_strsplit("json", ",", -1);
  guint n_formats = 0;
  for (guint i = 0; formats[i]; i++)
    n_formats += *g_strstrip(formats[i]) != '\0';
  /* `formats=` with nothing in it ran the sources and analyzers and wrote nothing, exit 0: the
   * run's only results are its exports. */
  if (n_formats == 0)
    return fail(error, &ctx, "export", "formats",
                "[export] formats: no format given (json, jsonl, csv, ics, html, ...)");
  /* An [export FORMAT] section only gives options to a format the run writes: one for another
   * format (a typo, [export cvs], or a format left out of formats=) would be dropped without a
   * word, and the user would look for options that never applied. */
  for (guint g = 0; groups[g]; g++) {
    if (!g_str_has_prefix(groups[g], "export "))
      continue;
    const char *format = groups[g] + strlen("export ");
    if (!*format || !g_strv_contains((const char *const *)formats, format)) {
      g_autoptr(GString) list = g_string_new(NULL);
      for (guint i = 0; formats[i]; i++)
        if (*formats[i])
          g_string_append_printf(list, "%s%s", list->len ? "," : "", formats[i]);
      return fail(error, &ctx, groups[g], NULL,
                  "[%s] gives options to '%s', which is not among the formats written "
                  "(formats=%s)",
                  groups[g], format, list->str);
    }
  }
  /* As build without -s is a usage error: a spec without sources is a mistake, not a request
   * for empty exports. */
  if (n_sources == 0)
    return fail(error, &ctx, "timeline", NULL,
                "no [source NAME] section: a timeline needs at least one source");
  /* Exports go to a folder relative to the working directory: the user names where results
   * land, the spec only suggests a folder name. */
  const char *dir = export_dir ? export_dir : directory ? directory : "out";
  g_autofree char *stem = name ? g_strdup(name) : spec_stem(path);
  for (guint i = 0; formats[i]; i++) {
    if (!*formats[i])
      continue;
    g_autofree char *fgroup = g_strdup_printf("export %s", formats[i]);
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
    if (g_key_file_has_group(kf, fgroup))
      collect_options(kf, fgroup, NULL, keys, values);
    else {
      g_ptr_array_add(keys, NULL);
      g_ptr_array_add(values, NULL);
    }
    GError *job_error = NULL;
    if (!tw_job_add_export_to_dir(job, formats[i], dir, stem, (const char *const *)keys->pdata,
                                  (const char *const *)values->pdata, &job_error))
      return fail_from(error, &ctx, kf, g_key_file_has_group(kf, fgroup) ? fgroup : "export",
                       g_key_file_has_group(kf, fgroup) ? NULL : "formats", job_error);
  }
  return TRUE;
}
