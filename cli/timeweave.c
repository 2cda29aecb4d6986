/* timeweave: the command line. Thin: it parses arguments and drives the engine (core/). */
#include <timeweave/timeweave.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* The exports were written, but a source failed mid-stream: the timeline is partial. */
#define EXIT_PARTIAL 3

/* The embedded default timeline (timelines/, compiled in as a GResource). */
#define DEFAULT_SPEC "resource:///org/timeweave/timelines/ai-chip-race/ai-chip-race.timeline"

static gboolean opt_quiet;
static gboolean opt_strict;
static char **opt_plugin_dirs;
static char *opt_output_zone;
/* -j's value; JOBS_UNSET when it is not given (0 is a value, and a wrong one). */
#define JOBS_UNSET G_MININT
static int opt_jobs = JOBS_UNSET;
static char *opt_from;
static char *opt_to;
static char *opt_output;
static char *opt_memory_limit;

static const GOptionEntry common_entries[] = {
    {"quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet,
     "No progress and no summary (run prints it on stdout, build on a terminal's stderr)", NULL},
    {"strict", 0, 0, G_OPTION_ARG_NONE, &opt_strict,
     "Treat every warning (a broken record) as a failure", NULL},
    {"plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_plugin_dirs,
     "Also load plugins from DIR (repeatable; after TIMEWEAVE_PLUGIN_PATH)", "DIR"},
    {"output-zone", 0, 0, G_OPTION_ARG_STRING, &opt_output_zone,
     "Write exact times (events', findings', the html page's) in ZONE (IANA name or offset), "
     "not UTC",
     "ZONE"},
    {"from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
     "Keep events that overlap DATE or later (any date form: 2025, 2025-03, early 2025)", "DATE"},
    {"to", 0, 0, G_OPTION_ARG_STRING, &opt_to,
     "Keep events that overlap DATE or earlier (inclusive of DATE's whole period)", "DATE"},
    {"jobs", 'j', 0, G_OPTION_ARG_INT, &opt_jobs,
     "Read at most N sources at once (default: the number of processors)", "N"},
    {"memory-limit", 0, 0, G_OPTION_ARG_STRING, &opt_memory_limit,
     "Keep at most about SIZE of events in memory (512M, 2G); beyond it, sorted runs go to "
     "temporary files in $TMPDIR and are merged on export",
     "SIZE"},
    {NULL},
};

static void G_GNUC_PRINTF(1, 2) say_error(const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  g_autofree char *msg = g_strdup_vprintf(format, ap);
  va_end(ap);
  fprintf(stderr, "timeweave: %s\n", msg);
}

static int
usage_error(const char *command, const char *message)
{
  say_error("%s (see 'timeweave %s%s--help')", message, command ? command : "", command ? " " : "");
  return EXIT_USAGE;
}

/* ---------------------------------------------------------------- option values */

/* The entry of @tables (each ending with {NULL}) for the short option @c, or for the long one
 * @arg names (`--name` or `--name=...`); NULL for none. */
static const GOptionEntry *
find_entry(const GOptionEntry *const *tables, char c, const char *arg)
{
  for (guint t = 0; tables[t]; t++) {
    for (const GOptionEntry *e = tables[t]; e->long_name; e++) {
      if (c && e->short_name == c)
        return e;
      gsize n = arg ? strlen(e->long_name) : 0;
      if (arg && strncmp(arg + 2, e->long_name, n) == 0 &&
          (arg[2 + n] == '\0' || arg[2 + n] == '='))
        return e;
    }
  }
  return NULL;
}

/* GOption takes a short option's value only as the next argument (`-j 2`), and read `-j2`, as
 * make and sort take it, as -j with the argument after it for its value. This gives @argv
 * with each value attached to a short option that takes one (`-j2`, `-fcsv`, `-qj2` after flags)
 * split off into an argument of its own; values given as the next argument, and everything
 * after `--`, are left as they are. The split parts go into @owned. Returns: (transfer
 * container) the new argv, NULL-terminated, with *@argc its length; NULL when an option's value
 * is missing, with *@missing (transfer full) saying so. */
static char **
split_attached_values(int *argc, char **argv, const GOptionEntry *const *tables, GPtrArray *owned,
                      char **missing)
{
  GPtrArray *out = g_ptr_array_new();
  for (int i = 0; i < *argc; i++) {
    const char *arg = argv[i];
    g_ptr_array_add(out, argv[i]);
    if (i == 0 || arg[0] != '-' || arg[1] == '\0')
      continue;
    if (strcmp(arg, "--") == 0) {
      while (++i < *argc)
        g_ptr_array_add(out, argv[i]);
      break;
    }
    gboolean value_next = FALSE;
    if (arg[1] == '-') {
      const GOptionEntry *e = find_entry(tables, 0, arg);
      value_next = e && e->arg != G_OPTION_ARG_NONE && !strchr(arg, '=');
    } else {
      /* A group of short options: flags, then perhaps one that takes a value, which is the rest
       * of the group or else the next argument. */
      for (gsize k = 1; arg[k]; k++) {
        const GOptionEntry *e = find_entry(tables, arg[k], NULL);
        if (!e)
          break; /* (GOption says what is wrong with it) */
        if (e->arg == G_OPTION_ARG_NONE)
          continue;
        if (arg[k + 1] == '\0') {
          value_next = TRUE;
        } else {
          char *option = g_strndup(arg, k + 1), *value = g_strdup(arg + k + 1);
          g_ptr_array_add(owned, option);
          g_ptr_array_add(owned, value);
          out->pdata[out->len - 1] = option;
          g_ptr_array_add(out, value);
        }
        break;
      }
    }
    /* That argument is the value, whatever it looks like (`-s -` is standard input,
     * `--output-zone -05:00` an offset), unless it is one of the command's own options: then
     * the value was left out (`--from -o -`), and GOption would take `-o` for it and complain
     * about the `-` after it. */
    if (value_next && i + 1 < *argc) {
      const char *next = argv[i + 1];
      gboolean is_option =
          next[0] == '-' && ((next[1] == '-' && next[2] != '\0' && find_entry(tables, 0, next)) ||
                             (next[1] != '-' && next[1] != '\0' && next[2] == '\0' &&
                              find_entry(tables, next[1], NULL)));
      if (is_option) {
        *missing = g_strdup_printf("%s needs a value, and '%s' after it is an option", arg, next);
        g_ptr_array_free(out, TRUE);
        return NULL;
      }
      g_ptr_array_add(out, argv[++i]);
    }
  }
  *argc = (int)out->len;
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

/* ---------------------------------------------------------------- component arguments */

/* Splits `A,B\,C,D` at unescaped commas; `\,` becomes `,` and `\\` becomes `\`. */
static char **
split_escaped(const char *text)
{
  GPtrArray *parts = g_ptr_array_new();
  GString *cur = g_string_new(NULL);
  for (const char *p = text; *p; p++) {
    if (*p == '\\' && (p[1] == ',' || p[1] == '\\')) {
      g_string_append_c(cur, *++p);
    } else if (*p == ',') {
      g_ptr_array_add(parts, g_string_free(cur, FALSE));
      cur = g_string_new(NULL);
    } else {
      g_string_append_c(cur, *p);
    }
  }
  g_ptr_array_add(parts, g_string_free(cur, FALSE));
  g_ptr_array_add(parts, NULL);
  return (char **)g_ptr_array_free(parts, FALSE);
}

typedef struct {
  char *component;
  char *path; /* sources only */
  GPtrArray *keys;
  GPtrArray *values;
} ComponentArg;

static void
component_arg_clear(ComponentArg *arg)
{
  g_free(arg->component);
  g_free(arg->path);
  if (arg->keys)
    g_ptr_array_unref(arg->keys);
  if (arg->values)
    g_ptr_array_unref(arg->values);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ComponentArg, component_arg_clear)

/* Parses `NAME[:FIRST][,KEY=VALUE...]`; with @with_path, FIRST is a path and required. */
static gboolean
parse_component_arg(const char *flag, const char *text, gboolean with_path, ComponentArg *out,
                    GError **error)
{
  const char *colon = strchr(text, ':');
  out->keys = g_ptr_array_new_with_free_func(g_free);
  out->values = g_ptr_array_new_with_free_func(g_free);
  if (with_path && !colon) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "%s needs PLUGIN:PATH[,KEY=VALUE...], got '%s'", flag, text);
    return FALSE;
  }
  out->component = colon ? g_strndup(text, (gsize)(colon - text)) : g_strdup(text);
  if (!*out->component) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s '%s' names no plugin", flag,
                text);
    return FALSE;
  }
  g_auto(GStrv) parts = colon ? split_escaped(colon + 1) : g_new0(char *, 1);
  guint first = 0;
  if (with_path) {
    out->path = g_strdup(parts[0]);
    first = 1;
    if (!*out->path) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s '%s' names no path", flag,
                  text);
      return FALSE;
    }
  }
  for (guint i = first; parts[i]; i++) {
    if (!*parts[i] && !parts[i + 1] && i > first)
      continue; /* a trailing comma */
    const char *eq = strchr(parts[i], '=');
    if (!eq || eq == parts[i]) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "%s '%s': '%s' is not KEY=VALUE (a comma in a value is written \\,)", flag, text,
                  parts[i]);
      return FALSE;
    }
    g_ptr_array_add(out->keys, g_strndup(parts[i], (gsize)(eq - parts[i])));
    g_ptr_array_add(out->values, g_strdup(eq + 1));
  }
  g_ptr_array_add(out->keys, NULL);
  g_ptr_array_add(out->values, NULL);
  return TRUE;
}

/* ---------------------------------------------------------------- shared set-up */

static TwRegistry *
load_registry(gboolean report_refusals, GPtrArray **refusals_out)
{
  TwRegistry *registry = tw_registry_new();
  GPtrArray *refusals = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
  tw_registry_load_default(registry, refusals);
  for (guint i = 0; opt_plugin_dirs && opt_plugin_dirs[i]; i++) {
    if (!g_file_test(opt_plugin_dirs[i], G_FILE_TEST_IS_DIR))
      say_error("warning: --plugin-dir %s: not a folder", opt_plugin_dirs[i]);
    tw_registry_load_dir(registry, opt_plugin_dirs[i], refusals);
  }
  if (report_refusals)
    for (guint i = 0; i < refusals->len; i++)
      say_error("warning: %s", ((GError *)g_ptr_array_index(refusals, i))->message);
  if (refusals_out)
    *refusals_out = refusals;
  else
    g_ptr_array_unref(refusals);
  return registry;
}

/* Applies the options common to run and build (after a spec is loaded: --from and --to amend
 * its range). */
static gboolean
apply_common(TwJob *job, const char *command, int *exit_code)
{
  tw_job_set_strict(job, opt_strict);
  /* GOption takes any integer: -j 0 or -j -2 ran with the default number of threads, as if the
   * value had been understood. A bound on the sources read at once is at least 1. */
  if (opt_jobs != JOBS_UNSET && opt_jobs < 1) {
    g_autofree char *message =
        g_strdup_printf("-j %d: give the number of sources to read at once, 1 or more", opt_jobs);
    *exit_code = usage_error(command, message);
    return FALSE;
  }
  if (opt_jobs > 0)
    tw_job_set_threads(job, (guint)opt_jobs);
  tw_job_set_progress(job, !opt_quiet && isatty(STDERR_FILENO));
  g_autoptr(GError) error = NULL;
  if (opt_memory_limit) {
    guint64 bytes;
    if (!tw_parse_size(opt_memory_limit, &bytes, &error)) {
      *exit_code = usage_error(command, error->message);
      return FALSE;
    }
    tw_job_set_memory_limit(job, bytes);
  }
  if (opt_output_zone) {
    GTimeZone *zone = tw_zone_new(opt_output_zone, &error);
    if (!zone) {
      *exit_code = usage_error(command, error->message);
      return FALSE;
    }
    tw_job_set_output_zone(job, zone);
    g_time_zone_unref(zone);
  }
  if (opt_from || opt_to) {
    TwDate from, to;
    if (opt_from && !tw_date_parse(opt_from, NULL, &from, &error)) {
      *exit_code = usage_error(command, error->message);
      return FALSE;
    }
    if (opt_to && !tw_date_parse(opt_to, NULL, &to, &error)) {
      *exit_code = usage_error(command, error->message);
      return FALSE;
    }
    /* A spec's bound that the command line does not replace stays: `run case.timeline --from
     * 2026-03-02T09:00` narrows the start of the spec's range, it does not drop its end. */
    gint64 f = TW_TIME_MIN, t = TW_TIME_MAX;
    tw_job_get_range(job, &f, &t);
    if (opt_from)
      f = from.start;
    if (opt_to)
      t = tw_date_range_end(&to);
    if (t <= f) {
      *exit_code = usage_error(command, opt_from && opt_to ? "--to is before --from"
                                        : opt_from         ? "--from is after the spec's to"
                                                           : "--to is before the spec's from");
      return FALSE;
    }
    tw_job_set_range(job, f, t);
  }
  return TRUE;
}

static char *
format_count(guint64 n, const char *one, const char *many)
{
  return g_strdup_printf("%" G_GUINT64_FORMAT " %s", n, n == 1 ? one : many);
}

/* The summary: events per source, links, findings, and where each export went. */
static void
print_summary(FILE *to, const TwJob *job)
{
  const TwTimeline *tl = tw_job_get_timeline(job);
  g_autofree char *events = format_count(tw_timeline_get_n_events(tl), "event", "events");
  g_autofree char *links = format_count(tw_timeline_get_n_links(tl), "link", "links");
  g_autofree char *findings = format_count(tw_timeline_get_n_findings(tl), "finding", "findings");
  fprintf(to, "%s: %s, %s, %s\n", tw_timeline_get_title(tl), events, links, findings);
  for (guint i = 0; i < tw_job_get_n_sources(job); i++) {
    guint64 w = tw_job_get_source_warnings(job, i);
    guint64 n = tw_job_get_source_events(job, i);
    fprintf(to, "  source %-12s %8" G_GUINT64_FORMAT " %s", tw_job_get_source_name(job, i), n,
            n == 1 ? "event" : "events");
    if (w)
      fprintf(to, ", %" G_GUINT64_FORMAT " %s skipped (see the warnings above)", w,
              w == 1 ? "record" : "records");
    if (tw_job_get_source_error(job, i))
      fprintf(to, ", FAILED mid-stream: the timeline is partial");
    fputc('\n', to);
  }
  guint64 merged = tw_timeline_get_n_merged(tl);
  if (merged)
    fprintf(to, "  %" G_GUINT64_FORMAT " %s merged into an event of the same id\n", merged,
            merged == 1 ? "record" : "records");
  guint runs;
  guint64 bytes;
  if (tw_job_get_spill(job, &runs, &bytes))
    fprintf(to, "  %u sorted runs (%.1f MiB) merged from temporary files (--memory-limit)\n", runs,
            (double)bytes / (1 << 20));
  for (guint i = 0; i < tw_job_get_n_exports(job); i++) {
    const char *path = tw_job_get_export_path(job, i);
    if (strcmp(path, "-") == 0)
      continue;
    fprintf(to, "  %-5s -> %s\n", tw_job_get_export_format(job, i), path);
  }
}

/* Runs @job. A component that finds a bad option value only when it runs (a plugin without a
 * TwComponentCheck, which would have refused it when it was added) fails with a
 * TW_OPTION_ERROR: from `build` that value was on the command line, a usage error as the
 * core's own option checks make it (@command: the command to point at, %NULL when the options
 * came from a spec, which is input). */
static int
run_job(TwJob *job, const char *command, gboolean summary_to_stdout)
{
  g_autoptr(GError) error = NULL;
  if (!tw_job_run(job, &error)) {
    if (command && error->domain == TW_OPTION_ERROR)
      return usage_error(command, error->message);
    say_error("%s", error->message);
    return 1;
  }
  if (summary_to_stdout)
    print_summary(stdout, job);
  else if (!opt_quiet && isatty(STDERR_FILENO))
    print_summary(stderr, job);
  return tw_job_is_partial(job) ? EXIT_PARTIAL : 0;
}

/* ---------------------------------------------------------------- commands */

static int
cmd_build(int argc, char **argv)
{
  g_auto(GStrv) sources = NULL;
  g_auto(GStrv) analyzers = NULL;
  g_auto(GStrv) formats = NULL;
  g_autofree char *title = NULL;
  const GOptionEntry entries[] = {
      {"source", 's', 0, G_OPTION_ARG_STRING_ARRAY, &sources,
       "Add a source: PLUGIN:PATH[,KEY=VALUE...] (repeatable; PATH - is standard input)",
       "PLUGIN:PATH"},
      {"analyzer", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &analyzers,
       "Add an analyzer: NAME[:KEY=VALUE,...] (repeatable; run in the order given)", "NAME"},
      {"format", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &formats,
       "Export format: json, jsonl, csv, ics, html... [:KEY=VALUE,...] (repeatable)", "FORMAT"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
       "Write to FILE (- for standard output); with several formats, or when PATH ends in / or "
       "is a folder, into that folder",
       "PATH"},
      {"title", 0, 0, G_OPTION_ARG_STRING, &title, "The timeline's title", "TEXT"},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- weave sources into one timeline");
  g_option_context_set_summary(
      ctx, "Reads every source, sorts the events into one timeline, runs the analyzers in order\n"
           "and writes the export. Options of a component follow it after commas:\n"
           "  -s json:events.json,timezone=Europe/Berlin   -f csv:delimiter=;\n"
           "`timeweave plugins NAME` lists a component's options.");
  g_option_context_set_description(
      ctx, "Examples:\n"
           "  timeweave build -s json:a.json -s json:b.jsonl -f csv -o timeline.csv\n"
           "  timeweave build -s json:a.json --from 2025-01-01 --to 2026-06-30 -f json -o -\n"
           "  timeweave build -s json:a.json -f json -f ics -f html -o out/\n\n"
           "A short option's value may follow it directly: -j2, -fcsv, -o-.\n\n"
           "Exit status: 0 success, 1 a failure (bad input, unreadable file), 2 a usage error,\n"
           "3 exports written but a source failed mid-stream (the timeline is partial).\n");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_main_entries(ctx, common_entries, NULL);
  const GOptionEntry *const tables[] = {entries, common_entries, NULL};
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *missing = NULL;
  g_autofree char **args = split_attached_values(&argc, argv, tables, owned, &missing);
  if (args == NULL)
    return usage_error("build", missing);
  argv = args;
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return usage_error("build", error->message);
  if (argc > 1)
    return usage_error("build", g_strdup_printf("unexpected argument '%s'", argv[1]));
  if (!sources)
    return usage_error("build", "no source: add one with -s PLUGIN:PATH");
  /* (Found by the export, after every source had been read, as a failure: exit 1.) */
  if (opt_output && !*opt_output)
    return usage_error("build", "-o needs a file name, a folder or - (standard output)");
  if (!formats)
    formats = g_strsplit("json", ",", -1);

  g_autoptr(GPtrArray) refusals = NULL;
  TwRegistry *registry = load_registry(TRUE, &refusals);
  TwJob *job = tw_job_new(registry);
  int code = 0;
  tw_job_set_title(job, title ? title : "timeline");
  if (!apply_common(job, "build", &code))
    goto out;

  for (guint i = 0; sources[i]; i++) {
    g_auto(ComponentArg) arg = {0};
    if (!parse_component_arg("-s", sources[i], TRUE, &arg, &error) ||
        !tw_job_add_source(job, arg.component, NULL, arg.path, NULL,
                           (const char *const *)arg.keys->pdata,
                           (const char *const *)arg.values->pdata, &error)) {
      code = usage_error("build", error->message);
      goto out;
    }
  }
  for (guint i = 0; analyzers && analyzers[i]; i++) {
    g_auto(ComponentArg) arg = {0};
    if (!parse_component_arg("-a", analyzers[i], FALSE, &arg, &error) ||
        !tw_job_add_analyzer(job, arg.component, NULL, NULL, (const char *const *)arg.keys->pdata,
                             (const char *const *)arg.values->pdata, &error)) {
      code = usage_error("build", error->message);
      goto out;
    }
  }
  guint n_formats = g_strv_length(formats);
  const char *output = opt_output ? opt_output : n_formats > 1 ? "." : "-";
  if (n_formats > 1 && strcmp(output, "-") == 0) {
    code = usage_error("build", "several formats need -o FOLDER, not standard output");
    goto out;
  }
  /* `-o out/` (or a folder that exists) with one format means that folder, as it does with
   * several: taken as a file name, the folder was made (the missing parents of a file are) and
   * then refused as "Is a directory", once every source had been read. */
  gboolean into_folder =
      n_formats > 1 || (strcmp(output, "-") != 0 && (g_str_has_suffix(output, G_DIR_SEPARATOR_S) ||
                                                     g_file_test(output, G_FILE_TEST_IS_DIR)));
  for (guint i = 0; formats[i]; i++) {
    g_auto(ComponentArg) arg = {0};
    if (!parse_component_arg("-f", formats[i], FALSE, &arg, &error)) {
      code = usage_error("build", error->message);
      goto out;
    }
    gboolean ok =
        into_folder
            ? tw_job_add_export_to_dir(job, arg.component, output, "timeline",
                                       (const char *const *)arg.keys->pdata,
                                       (const char *const *)arg.values->pdata, &error)
            : tw_job_add_export(job, arg.component, output, (const char *const *)arg.keys->pdata,
                                (const char *const *)arg.values->pdata, &error);
    if (!ok) {
      code = usage_error("build", error->message);
      goto out;
    }
  }
  code = run_job(job, "build", FALSE);
out:
  tw_job_free(job);
  tw_registry_free(registry);
  return code;
}

static int
cmd_run(int argc, char **argv)
{
  const GOptionEntry entries[] = {
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output,
       "Write the exports into DIR (default: the spec's [export] directory, else out/)", "DIR"},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("[SPEC.timeline] - run a timeline spec");
  g_option_context_set_summary(
      ctx, "Runs a .timeline spec: its sources, analyzers and exports. Without SPEC, runs the\n"
           "embedded default timeline (the AI chip race, 2022-2027) and writes every format to\n"
           "out/. Source paths in a spec are relative to the spec's folder; the export folder\n"
           "is relative to the working directory. docs/formats.md describes the spec format.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_main_entries(ctx, common_entries, NULL);
  const GOptionEntry *const tables[] = {entries, common_entries, NULL};
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
  g_autofree char *missing = NULL;
  g_autofree char **args = split_attached_values(&argc, argv, tables, owned, &missing);
  if (args == NULL)
    return usage_error("run", missing);
  argv = args;
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return usage_error("run", error->message);
  if (argc > 2)
    return usage_error("run", "give at most one spec");
  if (opt_output && !*opt_output)
    return usage_error("run", "-o needs a folder");
  const char *spec = argc == 2 ? argv[1] : DEFAULT_SPEC;

  TwRegistry *registry = load_registry(TRUE, NULL);
  TwJob *job = tw_job_new(registry);
  int code = 0;
  if (!tw_job_load_spec(job, spec, opt_output, &error)) {
    say_error("%s", error->message);
    code = 1;
  } else if (apply_common(job, "run", &code)) {
    code = run_job(job, NULL, !opt_quiet);
  }
  tw_job_free(job);
  tw_registry_free(registry);
  return code;
}

/* ---------------------------------------------------------------- plugins */

typedef enum { KIND_SOURCE, KIND_ANALYZER, KIND_EXPORTER } Kind;
static const char *const kind_names[] = {"source", "analyzer", "exporter"};

/* Component infos share their first four members: name, summary, description, options. */
typedef struct {
  const char *name;
  const char *summary;
  const char *description;
  const TwOptionSpec *options;
} ComponentHead;

static gconstpointer const *
components_of(const TwPluginInfo *info, Kind kind)
{
  return kind == KIND_SOURCE     ? (gconstpointer const *)info->sources
         : kind == KIND_ANALYZER ? (gconstpointer const *)info->analyzers
                                 : (gconstpointer const *)info->exporters;
}

/* Prints @text wrapped at @width columns, each line indented by @indent spaces. */
static void
print_wrapped(const char *text, int indent, int width)
{
  g_auto(GStrv) words = g_strsplit_set(text, " \n", -1);
  int col = 0;
  for (guint i = 0; words[i]; i++) {
    if (!*words[i])
      continue;
    int len = (int)g_utf8_strlen(words[i], -1);
    if (col > 0 && col + 1 + len > width) {
      putchar('\n');
      col = 0;
    }
    if (col == 0) {
      printf("%*s%s", indent, "", words[i]);
      col = indent + len;
    } else {
      printf(" %s", words[i]);
      col += 1 + len;
    }
  }
  if (col)
    putchar('\n');
}

static void
print_options_table(const TwOptionSpec *options)
{
  if (!options || !options[0].name) {
    printf("  (no options)\n");
    return;
  }
  /* One line per option (name, type, default), its help wrapped below it: help texts are
   * sentences, and a table column would squeeze them. */
  int name_width = 4, type_width = 4;
  for (guint i = 0; options[i].name; i++) {
    const TwOptionSpec *o = &options[i];
    name_width = MAX(name_width, (int)strlen(o->name));
    const char *type =
        o->type == TW_OPTION_CHOICE && o->choices ? o->choices : tw_option_type_to_string(o->type);
    type_width = MAX(type_width, (int)strlen(type));
  }
  printf("  %-*s  %-*s  %s\n", name_width, "NAME", type_width, "TYPE", "DEFAULT");
  for (guint i = 0; options[i].name; i++) {
    const TwOptionSpec *o = &options[i];
    const char *type =
        o->type == TW_OPTION_CHOICE && o->choices ? o->choices : tw_option_type_to_string(o->type);
    printf("  %-*s  %-*s  %s\n", name_width, o->name, type_width, type,
           o->default_value ? (*o->default_value ? o->default_value : "\"\"") : "-");
    print_wrapped(o->help, 6, 96);
  }
}

static void
json_member(JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name(b, name);
  if (value)
    json_builder_add_string_value(b, value);
  else
    json_builder_add_null_value(b);
}

/* Whether `plugins NAME` shows component @c of plugin @info: NAME is either's name (%NULL: all). */
static gboolean
component_named(const TwPluginInfo *info, const ComponentHead *c, const char *name)
{
  return name == NULL || strcmp(c->name, name) == 0 || strcmp(info->name, name) == 0;
}

/* `plugins --json`, and `plugins NAME --json`: the plugins that have a component of that name
 * (or are so named), each with those components only, as `plugins NAME` shows them; NAME used
 * to be ignored, the whole list printed and a name that matches nothing exit 0. */
static int
plugins_json(TwRegistry *registry, GPtrArray *refusals, const char *name)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "plugins");
  json_builder_begin_array(b);
  guint found = 0;
  for (guint p = 0; p < tw_registry_get_n_plugins(registry); p++) {
    const TwPluginInfo *info = tw_registry_get_plugin(registry, p);
    guint matching = 0;
    for (Kind k = KIND_SOURCE; k <= KIND_EXPORTER; k++) {
      gconstpointer const *list = components_of(info, k);
      for (guint i = 0; list && list[i]; i++)
        matching += component_named(info, list[i], name);
    }
    if (name != NULL && matching == 0)
      continue;
    found += matching;
    json_builder_begin_object(b);
    json_member(b, "name", info->name);
    json_member(b, "version", info->version);
    json_member(b, "summary", info->summary);
    json_member(b, "file", tw_registry_get_plugin_path(registry, p));
    json_builder_set_member_name(b, "abi");
    g_autofree char *abi = g_strdup_printf("%u.%u", info->abi_major, info->abi_minor);
    json_builder_add_string_value(b, abi);
    json_builder_set_member_name(b, "components");
    json_builder_begin_array(b);
    for (Kind k = KIND_SOURCE; k <= KIND_EXPORTER; k++) {
      gconstpointer const *list = components_of(info, k);
      for (guint i = 0; list && list[i]; i++) {
        const ComponentHead *c = list[i];
        if (!component_named(info, c, name))
          continue;
        json_builder_begin_object(b);
        json_member(b, "kind", kind_names[k]);
        json_member(b, "name", c->name);
        json_member(b, "summary", c->summary);
        json_member(b, "description", c->description);
        json_builder_set_member_name(b, "options");
        json_builder_begin_array(b);
        for (guint o = 0; c->options && c->options[o].name; o++) {
          json_builder_begin_object(b);
          json_member(b, "name", c->options[o].name);
          json_member(b, "type", tw_option_type_to_string(c->options[o].type));
          json_member(b, "default", c->options[o].default_value);
          json_member(b, "help", c->options[o].help);
          if (c->options[o].choices)
            json_member(b, "choices", c->options[o].choices);
          json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
      }
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "refused");
  json_builder_begin_array(b);
  for (guint i = 0; i < refusals->len; i++)
    json_builder_add_string_value(b, ((GError *)g_ptr_array_index(refusals, i))->message);
  json_builder_end_array(b);
  json_builder_end_object(b);
  if (name != NULL && found == 0) {
    say_error("no plugin or component named '%s' (see 'timeweave plugins')", name);
    return EXIT_USAGE; /* as an unknown -s, -a or -f name is */
  }
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  json_generator_set_pretty(gen, TRUE);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  printf("%s\n", text);
  return 0;
}

static int
cmd_plugins(int argc, char **argv)
{
  gboolean as_json = FALSE;
  const GOptionEntry entries[] = {
      {"json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print the list as JSON (for tools)", NULL},
      {"plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_plugin_dirs,
       "Also load plugins from DIR (repeatable)", "DIR"},
      {NULL},
  };
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("[NAME] - list plugins, or describe one component and its options");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return usage_error("plugins", error->message);
  if (argc > 2)
    return usage_error("plugins", "give at most one NAME");

  g_autoptr(GPtrArray) refusals = NULL;
  TwRegistry *registry = load_registry(FALSE, &refusals);
  int code = 0;
  if (as_json) {
    code = plugins_json(registry, refusals, argc == 2 ? argv[1] : NULL);
  } else if (argc == 2) {
    /* A name may be a source, an analyzer and an exporter at once (ics): show each. */
    guint found = 0;
    for (guint p = 0; p < tw_registry_get_n_plugins(registry); p++) {
      const TwPluginInfo *info = tw_registry_get_plugin(registry, p);
      for (Kind k = KIND_SOURCE; k <= KIND_EXPORTER; k++) {
        gconstpointer const *list = components_of(info, k);
        for (guint i = 0; list && list[i]; i++) {
          const ComponentHead *c = list[i];
          if (!component_named(info, c, argv[1]))
            continue;
          if (found++)
            printf("\n");
          printf("%s %s: %s\n", kind_names[k], c->name, c->summary ? c->summary : "");
          printf("  from plugin %s %s (%s)\n", info->name, info->version ? info->version : "",
                 tw_registry_get_plugin_path(registry, p));
          if (c->description) {
            putchar('\n');
            print_wrapped(c->description, 0, 96);
          }
          printf("\nOptions:\n");
          print_options_table(c->options);
          if (k == KIND_SOURCE)
            printf("\nUse: timeweave build -s %s:PATH[,KEY=VALUE...]   (name=NAME sets the "
                   "source's name)\n",
                   c->name);
          else if (k == KIND_ANALYZER)
            printf("\nUse: timeweave build ... -a %s[:KEY=VALUE,...]\n", c->name);
          else {
            const TwExporterInfo *exporter = (const TwExporterInfo *)c;
            const char *extension = exporter->extension ? exporter->extension : c->name;
            printf("\nUse: timeweave build ... -f %s[:KEY=VALUE,...] -o FILE\n"
                   "     (with several formats, -o DIR writes DIR/timeline.%s; DIR/timeline.%s.%s "
                   "when another format has that name)\n",
                   c->name, extension, c->name, extension);
          }
        }
      }
    }
    if (!found) {
      say_error("no plugin or component named '%s' (see 'timeweave plugins')", argv[1]);
      code = EXIT_USAGE;
    }
  } else {
    for (guint p = 0; p < tw_registry_get_n_plugins(registry); p++) {
      const TwPluginInfo *info = tw_registry_get_plugin(registry, p);
      printf("%s %s  %s\n    %s\n", info->name, info->version ? info->version : "",
             info->summary ? info->summary : "", tw_registry_get_plugin_path(registry, p));
      for (Kind k = KIND_SOURCE; k <= KIND_EXPORTER; k++) {
        gconstpointer const *list = components_of(info, k);
        for (guint i = 0; list && list[i]; i++) {
          const ComponentHead *c = list[i];
          printf("  %-9s %-12s %s\n", kind_names[k], c->name, c->summary ? c->summary : "");
        }
      }
    }
    for (guint i = 0; i < refusals->len; i++)
      printf("refused: %s\n", ((GError *)g_ptr_array_index(refusals, i))->message);
  }
  tw_registry_free(registry);
  return code;
}

/* ---------------------------------------------------------------- main */

static void
on_signal(int sig)
{
  /* Never leave a temporary export behind: remove them, then die of the same signal. */
  tw_output_abort_all_from_signal();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void
print_help(FILE *to)
{
  fprintf(to, "Usage: timeweave COMMAND [OPTIONS]\n"
              "\n"
              "Weave dated events from many sources into one timeline, correlate them, and export\n"
              "JSON, CSV, iCalendar and HTML.\n"
              "\n"
              "Commands:\n"
              "  run [SPEC]       Run a .timeline spec (without SPEC: the embedded AI chip race\n"
              "                   timeline, exported in every format to out/)\n"
              "  build            Build a timeline from -s sources, -a analyzers and -f formats\n"
              "  plugins [NAME]   List plugins, or show one component's description and options\n"
              "\n"
              "Options:\n"
              "  -h, --help       Show help (also 'timeweave COMMAND --help')\n"
              "  --version        Show the version and the plugin ABI\n"
              "\n"
              "Examples:\n"
              "  timeweave run\n"
              "  timeweave build -s json:a.json -s json:b.jsonl -f csv -o timeline.csv\n"
              "  timeweave plugins json\n"
              "\n"
              "Environment: TIMEWEAVE_PLUGIN_PATH (more plugin folders, ':'-separated),\n"
              "SOURCE_DATE_EPOCH (pins generation times in exports).\n"
              "Exit status: 0 success, 1 a failure, 2 a usage error, 3 exports written from a\n"
              "partial timeline (a source failed mid-stream; not with --strict).\n");
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGHUP, on_signal);
  /* Past RLIMIT_FSIZE a write then fails with EFBIG, which the run reports (and removes its
   * temporary files, exit 1), instead of killing the process with the temporary file left. */
  signal(SIGXFSZ, SIG_IGN);

  if (argc < 2) {
    print_help(stderr);
    return EXIT_USAGE;
  }
  const char *command = argv[1];
  if (strcmp(command, "--version") == 0 || strcmp(command, "-V") == 0) {
    printf("timeweave %s (plugin ABI %d.%d)\n", TW_VERSION, TW_ABI_MAJOR, TW_ABI_MINOR);
    return 0;
  }
  if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
      strcmp(command, "help") == 0) {
    print_help(stdout);
    return 0;
  }
  /* The subcommand sees argv without the program name: argv[1] becomes its argv[0]. */
  g_autofree char *prog = g_strdup_printf("timeweave %s", command);
  char **sub_argv = argv + 1;
  int sub_argc = argc - 1;
  g_set_prgname(prog);
  if (strcmp(command, "build") == 0)
    return cmd_build(sub_argc, sub_argv);
  if (strcmp(command, "run") == 0)
    return cmd_run(sub_argc, sub_argv);
  if (strcmp(command, "plugins") == 0)
    return cmd_plugins(sub_argc, sub_argv);
  /* `timeweave --plugin-dir DIR build ...`: the options belong to the command. */
  if (command[0] == '-') {
    say_error("'%s' comes after the command: timeweave run|build|plugins %s ... (see 'timeweave "
              "--help')",
              command, command);
    return EXIT_USAGE;
  }
  say_error("unknown command '%s' (commands: run, build, plugins; see 'timeweave --help')",
            command);
  return EXIT_USAGE;
}
