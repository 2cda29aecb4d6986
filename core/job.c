/* timeweave: a run: sources in parallel -> one sorted timeline -> analyzers -> exports. */
#include "private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct _ChunkedFile ChunkedFile;

typedef struct {
  TwSource source;
  TwJob *job;
  guint index;  /* in the order the sources were given */
  TwSink *sink; /* while reading; guarded by the job's progress lock */
  guint64 events;
  guint64 chunk_events; /* of the chunks read so far, while reading in chunks */
  guint64 warnings;
  GError *error;
  ChunkedFile *chunked; /* when the file is read in chunks */
} SourceRun;

typedef struct {
  TwExporter exporter;
  char *path;
} ExportRun;

struct _TwJob {
  TwRegistry *registry;
  char *title;
  gboolean has_range;
  gint64 from, to;
  gboolean strict;
  guint threads;
  gboolean progress;
  guint64 memory_limit;
  GTimeZone *output_zone;
  GPtrArray *sources;   /* SourceRun */
  GPtrArray *analyzers; /* TwAnalyzer */
  GPtrArray *exports;   /* ExportRun */
  TwTimeline *timeline;
  gboolean partial;
  GMutex progress_lock;
  char *phase;
  gboolean done;
  char *stats_phase; /* TW_STATS: the phase being timed */
  gint64 stats_wall, stats_cpu;
};

static void
source_run_free(SourceRun *run)
{
  g_free(run->source.name);
  g_free(run->source.path);
  tw_options_free(run->source.options);
  g_clear_error(&run->error);
  g_free(run);
}

static void
analyzer_free(TwAnalyzer *a)
{
  g_free(a->name);
  g_free(a->base_dir);
  tw_options_free(a->options);
  g_free(a);
}

static void
export_run_free(ExportRun *e)
{
  g_free(e->exporter.name);
  tw_options_free(e->exporter.options);
  g_free(e->path);
  g_free(e);
}

TwJob *
tw_job_new(TwRegistry *registry)
{
  TwJob *job = g_new0(TwJob, 1);
  job->registry = registry;
  job->threads = MAX(1, g_get_num_processors());
  job->sources = g_ptr_array_new_with_free_func((GDestroyNotify)source_run_free);
  job->analyzers = g_ptr_array_new_with_free_func((GDestroyNotify)analyzer_free);
  job->exports = g_ptr_array_new_with_free_func((GDestroyNotify)export_run_free);
  g_mutex_init(&job->progress_lock);
  return job;
}

void
tw_job_free(TwJob *job)
{
  if (!job)
    return;
  g_ptr_array_unref(job->sources);
  g_ptr_array_unref(job->analyzers);
  g_ptr_array_unref(job->exports);
  tw_timeline_free(job->timeline);
  if (job->output_zone)
    g_time_zone_unref(job->output_zone);
  g_mutex_clear(&job->progress_lock);
  g_free(job->phase);
  g_free(job->stats_phase);
  g_free(job->title);
  g_free(job);
}

void
tw_job_set_title(TwJob *job, const char *title)
{
  g_free(job->title);
  /* Exports carry the title: a command-line argument may be any bytes. */
  job->title = title ? g_utf8_make_valid(title, -1) : NULL;
}

void
tw_job_set_range(TwJob *job, gint64 from, gint64 to)
{
  job->has_range = TRUE;
  job->from = from;
  job->to = to;
}

gboolean
tw_job_get_range(const TwJob *job, gint64 *from, gint64 *to)
{
  if (!job->has_range)
    return FALSE;
  *from = job->from;
  *to = job->to;
  return TRUE;
}

void
tw_job_set_strict(TwJob *job, gboolean strict)
{
  job->strict = strict;
}

void
tw_job_set_threads(TwJob *job, guint threads)
{
  job->threads = MAX(1, threads);
}

void
tw_job_set_progress(TwJob *job, gboolean progress)
{
  job->progress = progress;
}

void
tw_job_set_memory_limit(TwJob *job, guint64 bytes)
{
  job->memory_limit = bytes;
}

gboolean
tw_parse_size(const char *text, guint64 *bytes, GError **error)
{
  char *end = NULL;
  double value = text ? g_ascii_strtod(text, &end) : 0;
  static const struct {
    const char *unit;
    guint shift;
  } units[] = {{"", 0},     {"b", 0},   {"k", 10},   {"kb", 10}, {"kib", 10},
               {"m", 20},   {"mb", 20}, {"mib", 20}, {"g", 30},  {"gb", 30},
               {"gib", 30}, {"t", 40},  {"tb", 40},  {"tib", 40}};
  if (text && end != text && value >= 0 && isfinite(value)) {
    const char *unit = end;
    while (*unit == ' ')
      unit++;
    for (guint i = 0; i < G_N_ELEMENTS(units); i++)
      if (g_ascii_strcasecmp(unit, units[i].unit) == 0) {
        double scaled = value * (double)((guint64)1 << units[i].shift);
        if (scaled < 1.8e19) {
          *bytes = (guint64)scaled;
          return TRUE;
        }
      }
  }
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
              "'%s' is not a size (a number of bytes, or with K, M, G or T: 512M, 2G)",
              text ? text : "");
  return FALSE;
}

gboolean
tw_job_get_spill(const TwJob *job, guint *n_runs, guint64 *n_bytes)
{
  guint runs = 0;
  guint64 bytes = 0;
  gboolean spilled = job->timeline && _tw_timeline_get_spill(job->timeline, &runs, &bytes);
  if (n_runs)
    *n_runs = runs;
  if (n_bytes)
    *n_bytes = bytes;
  return spilled;
}

void
tw_job_set_output_zone(TwJob *job, GTimeZone *zone)
{
  if (job->output_zone)
    g_time_zone_unref(job->output_zone);
  job->output_zone = zone ? g_time_zone_ref(zone) : NULL;
}

/* "a.json" -> "a"; "-" -> "stdin"; made unique among the job's sources ("a", "a-2"). */
static char *
derive_name(TwJob *job, const char *path)
{
  g_autofree char *base = NULL;
  if (strcmp(path, "-") == 0) {
    base = g_strdup("stdin");
  } else {
    base = g_path_get_basename(path);
    /* `git:.` names the folder it is in, not "." */
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
      g_autofree char *absolute = g_canonicalize_filename(path, NULL);
      g_free(base);
      base = g_path_get_basename(absolute);
    }
    /* `git:project/.git` (a repository given by its git folder) names the project */
    if (strcmp(base, ".git") == 0) {
      g_autofree char *absolute = g_canonicalize_filename(path, NULL);
      g_autofree char *parent = g_path_get_dirname(absolute);
      g_free(base);
      base = g_path_get_basename(parent);
    }
    char *dot = strchr(base + (base[0] == '.'), '.');
    if (dot && dot != base)
      *dot = '\0';
  }
  char *valid = g_utf8_make_valid(base, -1);
  g_free(base);
  base = valid;
  char *name = g_strdup(base);
  for (guint n = 2;; n++) {
    gboolean taken = FALSE;
    for (guint i = 0; i < job->sources->len; i++)
      if (strcmp(((SourceRun *)g_ptr_array_index(job->sources, i))->source.name, name) == 0)
        taken = TRUE;
    if (!taken)
      return name;
    g_free(name);
    name = g_strdup_printf("%s-%u", base, n);
  }
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  /* g_ptr_array_sort() passes pointers to the elements. */
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *
available_names(const TwRegistry *registry, const char *kind)
{
  GPtrArray *names = g_ptr_array_new();
  for (guint p = 0; p < tw_registry_get_n_plugins(registry); p++) {
    const TwPluginInfo *info = tw_registry_get_plugin(registry, p);
    gconstpointer const *list = strcmp(kind, "source") == 0 ? (gconstpointer const *)info->sources
                                : strcmp(kind, "analyzer") == 0
                                    ? (gconstpointer const *)info->analyzers
                                    : (gconstpointer const *)info->exporters;
    for (guint i = 0; list && list[i]; i++)
      g_ptr_array_add(names, *(char **)list[i]);
  }
  g_ptr_array_sort(names, compare_names);
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(names, i));
  g_ptr_array_unref(names);
  if (s->len == 0)
    g_string_append(s, "none loaded");
  return g_string_free(s, FALSE);
}

static void
set_not_found(GError **error, const TwRegistry *registry, const char *kind, const char *name)
{
  g_autofree char *names = available_names(registry, kind);
  /* The name may come from a spec value, which may hold a line break (found by tests/fuzz). */
  g_autofree char *quoted = _tw_quote_text(name);
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NOT_FOUND, "no %s named '%s' (available: %s)",
              kind, quoted, names);
}

/* Validates a component's options. The key `name` is the job's own (the instance name): it is
 * taken out into @name, so the component never sees it. */
static TwOptions *
component_options(const char *plugin, const TwOptionSpec *table, const char *base_dir,
                  const char *const *keys, const char *const *values, const char **name,
                  GError **error)
{
  g_autoptr(GPtrArray) k = g_ptr_array_new();
  g_autoptr(GPtrArray) v = g_ptr_array_new();
  for (guint i = 0; keys && keys[i]; i++) {
    if (strcmp(keys[i], "name") == 0) {
      *name = values[i];
      continue;
    }
    g_ptr_array_add(k, (gpointer)keys[i]);
    g_ptr_array_add(v, (gpointer)values[i]);
  }
  g_ptr_array_add(k, NULL);
  g_ptr_array_add(v, NULL);
  return tw_options_new(plugin, table, base_dir, (const char *const *)k->pdata,
                        (const char *const *)v->pdata, error);
}

/* Runs the check of the @kind @component on its option values (TwComponentCheck); frees
 * @options when it fails. A check that refuses without an error is a plugin's bug, but the
 * caller still gets a message (the CLI printed error->message of NULL and crashed). */
static gboolean
check_component(const char *kind, const char *component, TwComponentCheck check, TwOptions *options,
                GError **error)
{
  g_autoptr(GError) inner = NULL;
  if (check == NULL || check(options, &inner))
    return TRUE;
  tw_options_free(options);
  if (inner == NULL) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "%s '%s' refused its options without saying why", kind, component);
  } else {
    /* The message quotes the value, which may hold a line break (writing-plugins.md's own
     * example refuses one): made one line, as every message is. */
    g_autofree char *quoted = _tw_quote_text(inner->message);
    g_set_error_literal(error, inner->domain, inner->code, quoted);
  }
  return FALSE;
}

gboolean
tw_job_add_source(TwJob *job, const char *plugin, const char *name, const char *path,
                  const char *base_dir, const char *const *keys, const char *const *values,
                  GError **error)
{
  const TwSourceInfo *info = tw_registry_find_source(job->registry, plugin);
  if (!info) {
    set_not_found(error, job->registry, "source", plugin);
    return FALSE;
  }
  /* Sources are read at once, each on its thread: two readers of one standard input would each
   * get some of its blocks, and neither a whole record. */
  for (guint i = 0; strcmp(path, "-") == 0 && i < job->sources->len; i++) {
    const SourceRun *other = g_ptr_array_index(job->sources, i);
    if (strcmp(other->source.path, "-") == 0) {
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                  "standard input (-) can be read by one source only, and source '%s' reads it",
                  other->source.name);
      return FALSE;
    }
  }
  TwOptions *options =
      component_options(plugin, info->options, base_dir, keys, values, &name, error);
  if (!options || !check_component("source", plugin, info->check, options, error))
    return FALSE;
  /* A name is the source's identity: ids without a native one are hashes of the source's name
   * and the record (a line number for logs and CSV rows), and events of one source with one id
   * are merged as one happening. Two files given one name (name=app twice, or name=auth after
   * auth.jsonl) thus lost the second file's rows without a word, and dedup took them for one
   * source. Derived names are made unique; a given one must be. */
  /* The name becomes every event's source: a file name or a spec section may be any bytes. */
  g_autofree char *given = name ? g_utf8_make_valid(name, -1) : NULL;
  if (given != NULL) {
    for (guint i = 0; i < job->sources->len; i++) {
      const SourceRun *other = g_ptr_array_index(job->sources, i);
      if (strcmp(other->source.name, given) == 0) {
        g_autofree char *quoted = _tw_quote_text(given);
        g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                    "two sources named '%s': give each its own name (the 'name' option)", quoted);
        tw_options_free(options);
        return FALSE;
      }
    }
  }
  SourceRun *run = g_new0(SourceRun, 1);
  run->job = job;
  run->source.info = info;
  run->source.options = options;
  run->source.path = _tw_resolve_path(base_dir, path);
  run->source.name = given ? g_steal_pointer(&given) : derive_name(job, run->source.path);
  g_ptr_array_add(job->sources, run);
  return TRUE;
}

gboolean
tw_job_add_analyzer(TwJob *job, const char *plugin, const char *name, const char *base_dir,
                    const char *const *keys, const char *const *values, GError **error)
{
  const TwAnalyzerInfo *info = tw_registry_find_analyzer(job->registry, plugin);
  if (!info) {
    set_not_found(error, job->registry, "analyzer", plugin);
    return FALSE;
  }
  TwOptions *options =
      component_options(plugin, info->options, base_dir, keys, values, &name, error);
  if (!options || !check_component("analyzer", plugin, info->check, options, error))
    return FALSE;
  TwAnalyzer *a = g_new0(TwAnalyzer, 1);
  a->info = info;
  a->options = options;
  a->name = g_utf8_make_valid(name ? name : plugin, -1);
  a->base_dir = g_strdup(base_dir ? base_dir : ".");
  g_ptr_array_add(job->analyzers, a);
  return TRUE;
}

gboolean
tw_job_add_export(TwJob *job, const char *format, const char *path, const char *const *keys,
                  const char *const *values, GError **error)
{
  const TwExporterInfo *info = tw_registry_find_exporter(job->registry, format);
  if (!info) {
    set_not_found(error, job->registry, "format", format);
    return FALSE;
  }
  TwOptions *options = tw_options_new(format, info->options, NULL, keys, values, error);
  if (!options || !check_component("format", format, info->check, options, error))
    return FALSE;
  ExportRun *e = g_new0(ExportRun, 1);
  e->exporter.info = info;
  e->exporter.name = g_strdup(format);
  e->exporter.options = options;
  e->path = g_strdup(path);
  g_ptr_array_add(job->exports, e);
  return TRUE;
}

static gboolean
export_path_taken(const TwJob *job, const char *path)
{
  for (guint i = 0; i < job->exports->len; i++)
    if (strcmp(((const ExportRun *)g_ptr_array_index(job->exports, i))->path, path) == 0)
      return TRUE;
  return FALSE;
}

gboolean
tw_job_add_export_to_dir(TwJob *job, const char *format, const char *dir, const char *stem,
                         const char *const *keys, const char *const *values, GError **error)
{
  const TwExporterInfo *info = tw_registry_find_exporter(job->registry, format);
  if (!info) {
    set_not_found(error, job->registry, "format", format);
    return FALSE;
  }
  const char *extension = info->extension ? info->extension : format;
  g_autofree char *file = g_strdup_printf("%s.%s", stem, extension);
  g_autofree char *path = g_build_filename(dir, file, NULL);
  if (export_path_taken(job, path)) {
    /* Two formats with one extension (jsonl and timesketch): the later is named after its
     * format too, rather than overwriting the earlier's file. */
    g_free(path);
    g_free(file);
    file = g_strdup_printf("%s.%s.%s", stem, format, extension);
    path = g_build_filename(dir, file, NULL);
  }
  return tw_job_add_export(job, format, path, keys, values, error);
}

/* ---------------------------------------------------------------- progress */

/* TW_STATS=1: each phase's wall and CPU time and the memory at its end, on stderr (for
 * bench/ and docs/performance.md; not an interface). */
static void
stats_phase(TwJob *job, const char *next)
{
  static gboolean checked, enabled;
  if (!checked) {
    enabled = g_getenv("TW_STATS") != NULL;
    checked = TRUE;
  }
  if (!enabled)
    return;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  gint64 now = g_get_monotonic_time();
  gint64 cpu = (gint64)ru.ru_utime.tv_sec * G_USEC_PER_SEC + ru.ru_utime.tv_usec +
               (gint64)ru.ru_stime.tv_sec * G_USEC_PER_SEC + ru.ru_stime.tv_usec;
  long rss_pages = 0;
  FILE *statm = fopen("/proc/self/statm", "r");
  if (statm) {
    long size;
    if (fscanf(statm, "%ld %ld", &size, &rss_pages) != 2)
      rss_pages = 0;
    fclose(statm);
  }
  if (job->stats_phase)
    fprintf(stderr,
            "timeweave: stats: %-14s %7.2f s wall %7.2f s cpu  rss %6.0f MiB  peak %6.0f MiB\n",
            job->stats_phase, (now - job->stats_wall) / 1e6, (cpu - job->stats_cpu) / 1e6,
            rss_pages * (double)sysconf(_SC_PAGESIZE) / 1048576.0, ru.ru_maxrss / 1024.0);
  if (job->stats_phase && !next && job->timeline)
    fprintf(stderr, "timeweave: stats: %u events, %" G_GSIZE_FORMAT " bytes stored\n",
            tw_timeline_get_n_events(job->timeline), _tw_timeline_get_memory(job->timeline));
  g_free(job->stats_phase);
  job->stats_phase = g_strdup(next);
  job->stats_wall = now;
  job->stats_cpu = cpu;
}

static void
set_phase(TwJob *job, const char *phase)
{
  stats_phase(job, phase);
  g_mutex_lock(&job->progress_lock);
  g_free(job->phase);
  job->phase = g_strdup(phase);
  g_mutex_unlock(&job->progress_lock);
}

/* Rewrites one status line on stderr a few times a second; only on a terminal. */
static gpointer
progress_thread(gpointer data)
{
  TwJob *job = data;
  gboolean printed = FALSE;
  for (;;) {
    g_usleep(200000);
    g_mutex_lock(&job->progress_lock);
    if (job->done) {
      g_mutex_unlock(&job->progress_lock);
      break;
    }
    GString *line = g_string_new(job->phase);
    if (g_strcmp0(job->phase, "reading") == 0) {
      for (guint i = 0; i < job->sources->len; i++) {
        SourceRun *run = g_ptr_array_index(job->sources, i);
        guint64 n = run->sink      ? tw_sink_get_n_committed(run->sink)
                    : run->chunked ? __atomic_load_n(&run->chunk_events, __ATOMIC_RELAXED)
                                   : run->events;
        g_string_append_printf(line, "%s %s %" G_GUINT64_FORMAT, i ? "," : ":", run->source.name,
                               n);
      }
    }
    g_mutex_unlock(&job->progress_lock);
    if (line->len > 200)
      g_string_truncate(line, 200);
    fprintf(stderr, "\r\033[Ktimeweave: %s", line->str);
    fflush(stderr);
    printed = TRUE;
    g_string_free(line, TRUE);
  }
  if (printed) {
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
  }
  return NULL;
}

/* ---------------------------------------------------------------- the run */

static void
read_source(SourceRun *run)
{
  TwJob *job = run->job;
  TwSink *sink = tw_timeline_open_sink(job->timeline, run->source.name, job->strict);
  /* After the orders of the file's chunks, should it be read whole after all. */
  _tw_sink_set_order(sink, (guint64)run->index << 32 | G_MAXUINT32);
  g_mutex_lock(&job->progress_lock);
  run->sink = sink;
  g_mutex_unlock(&job->progress_lock);

  gboolean ok = run->source.info->read(&run->source, sink, &run->error);
  if (!ok && !run->error)
    g_set_error(&run->error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "%s: source '%s' failed without saying why", run->source.path,
                run->source.info->name);
  /* An empty input reads without a word from any source: say so, as a warning (fatal under
   * --strict), so that a wrong or truncated input, or a producer that failed at the other end
   * of a pipe, does not go unnoticed. */
  struct stat st;
  gboolean is_stdin = strcmp(run->source.path, "-") == 0;
  if (ok && tw_sink_get_n_committed(sink) == 0 && tw_sink_get_n_warnings(sink) == 0 &&
      (run->source.input_empty ||
       (!is_stdin && stat(run->source.path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)))
    ok = tw_sink_warn(sink, is_stdin ? "<stdin>" : run->source.path, 0, &run->error,
                      is_stdin ? "standard input is empty: no events"
                               : "the file is empty: no events");

  g_mutex_lock(&job->progress_lock);
  run->events = tw_sink_get_n_committed(sink);
  run->warnings = tw_sink_get_n_warnings(sink);
  run->sink = NULL;
  g_mutex_unlock(&job->progress_lock);
  /* A source that failed after giving events keeps them (outside --strict): the run decides
   * below whether the timeline goes on as partial. */
  if (ok || (!job->strict && run->events > 0))
    tw_sink_close(sink);
  else
    tw_sink_free(sink);
}

/* ------------------------------------------------- large files in chunks, on several threads
 *
 * A source with read_lines reads a large regular file in chunks of about chunk_size bytes, each
 * on a thread of the pool with a sink of its own. Chunk k holds the lines that begin in
 * [k * size, (k + 1) * size): it starts after the first newline at or after k * size - 1. Its
 * first line's number is one more than the newlines of the chunks before it, so each chunk
 * counts its own newlines first, publishes the count, and waits for those before it (which have
 * begun earlier, the pool being first-in first-out). Warnings are held per chunk and printed in
 * the file's order; a failure in chunk k drops the chunks after it, as reading the file from its
 * start would have stopped there. */

#define DEFAULT_CHUNK_SIZE ((gsize)16 << 20)

typedef struct {
  ChunkedFile *file;
  guint index;
  TwSink *sink;
  gboolean ok;
  GError *error;
  gboolean loaded; /* its newlines are counted and published */
} ChunkRun;

struct _ChunkedFile {
  SourceRun *run;
  goffset size;
  gsize chunk_size;
  guint n_chunks;
  ChunkRun *chunks;
  GMutex lock;
  GCond cond;
  guint64 *newlines; /* of each chunk, once counted */
  gboolean *counted;
  guint n_counted; /* chunks counted from the first without a gap */
  guint64 lines_before;
  gboolean abandoned; /* a chunk failed to load or asked for @read: waiting chunks give up */
  gint whole;         /* read the file with @read after all (atomic) */
};

/* The size chunks are read in: TW_CHUNK_SIZE (bytes) lets tests make them small. */
static gsize
chunk_size(void)
{
  const char *env = g_getenv("TW_CHUNK_SIZE");
  if (env && *env) {
    guint64 n = g_ascii_strtoull(env, NULL, 10);
    if (n > 0)
      return (gsize)n;
  }
  return DEFAULT_CHUNK_SIZE;
}

/* The size of @path when it is a regular file, not compressed: the files that can be read in
 * chunks. */
static gboolean
splittable_file(const char *path, goffset *size)
{
  struct stat st;
  /* stat() before open(): opening a FIFO would wait for its writer. */
  if (strcmp(path, "-") == 0 || strstr(path, "://") || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return FALSE;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return FALSE;
  guchar magic[2] = {0, 0};
  gboolean ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pread(fd, magic, 2, 0) == 2 &&
                !(magic[0] == 0x1f && magic[1] == 0x8b);
  close(fd);
  *size = ok ? st.st_size : 0;
  return ok;
}

/* Reads @length bytes at @offset; FALSE with errno set. */
static gboolean
pread_all(int fd, char *buf, gsize length, goffset offset)
{
  while (length > 0) {
    gssize n = pread(fd, buf, length, offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO; /* the file shrank while it was read */
      return FALSE;
    }
    buf += n;
    length -= (gsize)n;
    offset += n;
  }
  return TRUE;
}

/* The offset just after the first newline at or after @pos (or @end when there is none). */
static gboolean
line_start_after(int fd, goffset pos, goffset end, goffset *out)
{
  char buf[64 * 1024];
  while (pos < end) {
    gsize want = (gsize)MIN((goffset)sizeof buf, end - pos);
    if (!pread_all(fd, buf, want, pos))
      return FALSE;
    const char *nl = memchr(buf, '\n', want);
    if (nl) {
      *out = pos + (nl - buf) + 1;
      return TRUE;
    }
    pos += (goffset)want;
  }
  *out = end;
  return TRUE;
}

/* Publishes chunk @c's count of newlines (or gives up on the file) under the lock. */
static void
publish_count(ChunkRun *c, guint64 newlines, gboolean abandon)
{
  ChunkedFile *f = c->file;
  g_mutex_lock(&f->lock);
  c->loaded = TRUE;
  if (abandon)
    f->abandoned = TRUE;
  f->newlines[c->index] = newlines;
  f->counted[c->index] = TRUE;
  while (f->n_counted < f->n_chunks && f->counted[f->n_counted])
    f->lines_before += f->newlines[f->n_counted++];
  g_cond_broadcast(&f->cond);
  g_mutex_unlock(&f->lock);
}

static gboolean
load_chunk(gpointer data, char **bytes, gsize *length, guint *first_line, GError **error)
{
  ChunkRun *c = data;
  ChunkedFile *f = c->file;
  const char *path = f->run->source.path;
  goffset begin = 0, end = f->size;
  char *buf = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  gboolean read_ok =
      fd >= 0 &&
      (c->index == 0 ||
       line_start_after(fd, (goffset)c->index * (goffset)f->chunk_size - 1, f->size, &begin)) &&
      (c->index + 1 == f->n_chunks ||
       line_start_after(fd, (goffset)(c->index + 1) * (goffset)f->chunk_size - 1, f->size, &end));
  if (read_ok && end - begin > (goffset)(f->chunk_size + TW_READER_MAX_LINE)) {
    /* A line longer than a line may be: @read says so with the right line number. */
    if (fd >= 0)
      close(fd);
    publish_count(c, 0, TRUE);
    g_atomic_int_set(&f->whole, TRUE);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s: a line too long to split at",
                path);
    return FALSE;
  }
  if (read_ok) {
    buf = _tw_big_alloc((gsize)(end - begin) + 1);
    read_ok = pread_all(fd, buf, (gsize)(end - begin), begin);
  }
  if (!read_ok) {
    int errsv = errno;
    if (fd >= 0)
      close(fd);
    _tw_big_free(buf, (gsize)(end - begin) + 1);
    publish_count(c, 0, TRUE);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "%s: cannot read: %s", path,
                g_strerror(errsv));
    return FALSE;
  }
  close(fd);

  guint64 newlines = 0;
  for (const char *p = buf, *e = buf + (end - begin); (p = memchr(p, '\n', (gsize)(e - p))); p++)
    newlines++;
  publish_count(c, newlines, FALSE);

  g_mutex_lock(&f->lock);
  while (!f->abandoned && f->n_counted < c->index)
    g_cond_wait(&f->cond, &f->lock);
  gboolean abandoned = f->abandoned && f->n_counted < c->index;
  guint64 before = 0;
  for (guint k = 0; !abandoned && k < c->index; k++)
    before += f->newlines[k];
  g_mutex_unlock(&f->lock);
  if (abandoned) {
    _tw_big_free(buf, (gsize)(end - begin) + 1);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s: not read (an earlier part failed)",
                path);
    return FALSE;
  }
  *bytes = buf;
  *length = (gsize)(end - begin);
  *first_line = (guint)MIN(before + 1, G_MAXUINT);
  return TRUE;
}

static void
read_chunk(ChunkRun *c)
{
  ChunkedFile *f = c->file;
  SourceRun *run = f->run;
  TwJob *job = run->job;
  c->sink = tw_timeline_open_sink(job->timeline, run->source.name, job->strict);
  _tw_sink_set_order(c->sink, (guint64)run->index << 32 | c->index);
  _tw_sink_hold_warnings(c->sink);
  TwReader *reader = _tw_reader_new_chunk(run->source.path, c->index, load_chunk, c);
  c->ok = run->source.info->read_lines(&run->source, c->sink, reader, &c->error);
  if (!c->ok && !c->error)
    g_set_error(&c->error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "%s: source '%s' failed without saying why", run->source.path,
                run->source.info->name);
  if (!c->ok && g_error_matches(c->error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    g_atomic_int_set(&f->whole, TRUE);
  if (!c->loaded) {
    /* The source gave up without reading its lines, or read none: the chunks after it must
     * not wait for a count that never comes. */
    publish_count(c, 0, TRUE);
    if (c->ok)
      g_atomic_int_set(&f->whole, TRUE);
  }
  tw_reader_free(reader);
  __atomic_fetch_add(&run->chunk_events, tw_sink_get_n_committed(c->sink), __ATOMIC_RELAXED);
  /* Its events wait for the chunks before it: under a memory limit they may go to disk. */
  _tw_sink_park(c->sink);
}

static ChunkedFile *
chunked_file_new(SourceRun *run, goffset size, gsize chunk)
{
  ChunkedFile *f = g_new0(ChunkedFile, 1);
  f->run = run;
  f->size = size;
  f->chunk_size = chunk;
  f->n_chunks = (guint)((size + (goffset)chunk - 1) / (goffset)chunk);
  f->chunks = g_new0(ChunkRun, f->n_chunks);
  f->newlines = g_new0(guint64, f->n_chunks);
  f->counted = g_new0(gboolean, f->n_chunks);
  g_mutex_init(&f->lock);
  g_cond_init(&f->cond);
  for (guint k = 0; k < f->n_chunks; k++) {
    f->chunks[k].file = f;
    f->chunks[k].index = k;
  }
  _tw_big_expect(f->n_chunks);
  return f;
}

static void
chunked_file_free(ChunkedFile *f)
{
  for (guint k = 0; k < f->n_chunks; k++) {
    tw_sink_free(f->chunks[k].sink);
    g_clear_error(&f->chunks[k].error);
  }
  g_free(f->chunks);
  g_free(f->newlines);
  g_free(f->counted);
  g_mutex_clear(&f->lock);
  g_cond_clear(&f->cond);
  g_free(f);
}

/* Puts the chunks' results together as one read of the file would have given them. FALSE when
 * the file must be read whole after all. */
static gboolean
finish_chunks(SourceRun *run)
{
  ChunkedFile *f = run->chunked;
  TwJob *job = run->job;
  if (g_atomic_int_get(&f->whole))
    return FALSE;
  guint last = f->n_chunks; /* the chunks kept: up to and including a failed one */
  guint64 events = 0, warnings = 0;
  for (guint k = 0; k < f->n_chunks; k++) {
    ChunkRun *c = &f->chunks[k];
    _tw_sink_print_held_warnings(c->sink);
    events += tw_sink_get_n_committed(c->sink);
    warnings += tw_sink_get_n_warnings(c->sink);
    if (!c->ok) {
      run->error = g_steal_pointer(&c->error);
      last = k + 1;
      break;
    }
  }
  /* The progress thread reads them (once run->chunked is cleared). */
  g_mutex_lock(&job->progress_lock);
  run->events = events;
  run->warnings = warnings;
  g_mutex_unlock(&job->progress_lock);
  gboolean keep = !run->error || (!job->strict && run->events > 0);
  for (guint k = 0; keep && k < last; k++) {
    tw_sink_close(f->chunks[k].sink);
    f->chunks[k].sink = NULL;
  }
  return TRUE;
}

typedef struct {
  SourceRun *run;
  ChunkRun *chunk; /* NULL: the whole source */
} ReadTask;

static void
run_read_task(gpointer data, gpointer user_data)
{
  ReadTask *task = data;
  if (task->chunk)
    read_chunk(task->chunk);
  else
    read_source(task->run);
}

static void
run_tasks(GArray *tasks, guint threads)
{
  threads = MIN(threads, MAX(1, tasks->len));
  if (threads <= 1) {
    for (guint i = 0; i < tasks->len; i++)
      run_read_task(&g_array_index(tasks, ReadTask, i), NULL);
    return;
  }
  GThreadPool *pool = g_thread_pool_new(run_read_task, NULL, (gint)threads, TRUE, NULL);
  for (guint i = 0; i < tasks->len; i++)
    g_thread_pool_push(pool, &g_array_index(tasks, ReadTask, i), NULL);
  g_thread_pool_free(pool, FALSE, TRUE);
}

static gboolean
read_sources(TwJob *job, GError **error)
{
  gsize chunk = chunk_size();
  g_autoptr(GArray) tasks = g_array_new(FALSE, FALSE, sizeof(ReadTask));
  for (guint i = 0; i < job->sources->len; i++) {
    SourceRun *run = g_ptr_array_index(job->sources, i);
    run->index = i;
    run->source.has_range = job->has_range;
    run->source.from = job->from;
    run->source.to = job->to;
    goffset size;
    if (job->threads > 1 && run->source.info->read_lines &&
        splittable_file(run->source.path, &size) && size > (goffset)chunk) {
      /* (The progress thread, already running, reads run->chunked under the lock.) */
      ChunkedFile *chunked = chunked_file_new(run, size, chunk);
      g_mutex_lock(&job->progress_lock);
      run->chunked = chunked;
      g_mutex_unlock(&job->progress_lock);
      for (guint k = 0; k < run->chunked->n_chunks; k++) {
        ReadTask task = {run, &run->chunked->chunks[k]};
        g_array_append_val(tasks, task);
      }
    } else {
      ReadTask task = {run, NULL};
      g_array_append_val(tasks, task);
    }
  }
  run_tasks(tasks, job->threads);

  /* Files that turned out not to split are read whole now. */
  g_array_set_size(tasks, 0);
  for (guint i = 0; i < job->sources->len; i++) {
    SourceRun *run = g_ptr_array_index(job->sources, i);
    if (!run->chunked)
      continue;
    if (!finish_chunks(run)) {
      ReadTask task = {run, NULL};
      g_array_append_val(tasks, task);
    }
    g_mutex_lock(&job->progress_lock);
    ChunkedFile *chunked = g_steal_pointer(&run->chunked);
    g_mutex_unlock(&job->progress_lock);
    chunked_file_free(chunked);
  }
  run_tasks(tasks, job->threads);

  /* A source that could not be read at all, or any failure under --strict, fails the run: the
   * first in the order the sources were given, whatever the threads did. A source that failed
   * mid-stream (after giving events) leaves a partial timeline that is still exported. */
  for (guint i = 0; i < job->sources->len; i++) {
    SourceRun *run = g_ptr_array_index(job->sources, i);
    if (run->error && (job->strict || run->events == 0)) {
      g_propagate_error(error, g_error_copy(run->error));
      return FALSE;
    }
  }
  for (guint i = 0; i < job->sources->len; i++) {
    SourceRun *run = g_ptr_array_index(job->sources, i);
    if (run->error) {
      job->partial = TRUE;
      g_printerr("timeweave: %s (source '%s' stopped after %" G_GUINT64_FORMAT
                 " events: the timeline is partial)\n",
                 run->error->message, run->source.name, run->events);
    }
  }
  return TRUE;
}

/* @bytes as --memory-limit takes it (`512K`, `2G`): the largest unit that divides it exactly. */
static char *
format_size_option(guint64 bytes)
{
  static const char units[] = "KMGT";
  int unit = -1;
  while (unit + 1 < 4 && bytes && bytes % (G_GUINT64_CONSTANT(1024) << (10 * (unit + 1))) == 0)
    unit++;
  if (unit < 0)
    return g_strdup_printf("%" G_GUINT64_FORMAT, bytes);
  return g_strdup_printf("%" G_GUINT64_FORMAT "%c", bytes >> (10 * (unit + 1)), units[unit]);
}

/* Adds to @made (which owns them) the folders on the way to @dir that do not exist yet. */
static void
note_missing_folders(const char *dir, GPtrArray *made)
{
  char *folder = g_strdup(dir);
  while (!g_file_test(folder, G_FILE_TEST_EXISTS)) {
    char *parent = g_path_get_dirname(folder);
    g_ptr_array_add(made, folder);
    if (strcmp(parent, folder) == 0) {
      g_free(parent);
      return;
    }
    folder = parent;
  }
  g_free(folder);
}

static gint
compare_longer_first(gconstpointer a, gconstpointer b)
{
  gsize la = strlen(*(const char *const *)a), lb = strlen(*(const char *const *)b);
  return la < lb ? 1 : la > lb ? -1 : 0;
}

/* Every export, and every file an exporter writes beside its own, is written and synced under a
 * temporary name first, and renamed into place only once all of them were written: a run that
 * fails at its third format (a full disk) keeps the older files of the first two as well,
 * rather than leaving this run's json beside the last run's csv, and a run that fails changes
 * nothing. */
static gboolean
write_exports(TwJob *job, GError **error)
{
  gint64 generated = _tw_generation_time();
  /* Freeing an output that was written but not renamed removes its temporary file. */
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func((GDestroyNotify)tw_output_free);
  /* The folders this run made for its exports: a failed run removes them too, so that it
   * leaves nothing behind (they are empty then: only rmdir()ed). */
  g_autoptr(GPtrArray) made = g_ptr_array_new_with_free_func(g_free);
  /* Files of earlier exports that this run's replace (TwExporter.obsolete). */
  g_autoptr(GPtrArray) obsolete = g_ptr_array_new_with_free_func(g_free);
  gboolean ok = TRUE;

  for (guint i = 0; ok && i < job->exports->len; i++) {
    ExportRun *e = g_ptr_array_index(job->exports, i);
    g_autofree char *phase = g_strdup_printf("writing %s", e->exporter.name);
    set_phase(job, phase);
    e->exporter.output_zone = job->output_zone;
    e->exporter.generation_time = generated;
    e->exporter.threads = job->threads;
    if (strcmp(e->path, "-") != 0) {
      g_autofree char *dir = g_path_get_dirname(e->path);
      note_missing_folders(dir, made);
      if (g_mkdir_with_parents(dir, 0777) != 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "%s: cannot create the folder: %s", dir, g_strerror(errno));
        ok = FALSE;
        break;
      }
    }
    g_autoptr(TwOutput) out = tw_output_open(e->path, error);
    if (!out) {
      ok = FALSE;
      break;
    }
    e->exporter.companions = written;
    e->exporter.obsolete = obsolete;
    ok = e->exporter.info->write(&e->exporter, job->timeline, out, error) &&
         _tw_timeline_check(job->timeline, error) && _tw_output_finish(out, error);
    e->exporter.companions = NULL;
    e->exporter.obsolete = NULL;
    if (ok)
      g_ptr_array_add(written, g_steal_pointer(&out));
  }
  /* A signal now would leave some exports new and the others old: it waits for the renames. */
  sigset_t saved;
  _tw_output_commit_begin(&saved);
  for (guint i = 0; ok && i < written->len; i++)
    ok = tw_output_close(g_ptr_array_index(written, i), error);
  for (guint i = 0; ok && i < obsolete->len; i++) {
    const char *path = g_ptr_array_index(obsolete, i);
    if (g_remove(path) != 0 && errno != ENOENT) {
      int errsv = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                  "%s: cannot remove this part of an earlier export: %s", path, g_strerror(errsv));
      ok = FALSE;
    }
  }
  _tw_output_commit_end(&saved);
  if (!ok) {
    g_ptr_array_set_size(written, 0); /* their temporary files go first */
    /* A folder's path is longer than its parent's: the deepest are removed first. */
    g_ptr_array_sort(made, compare_longer_first);
    for (guint i = 0; i < made->len; i++)
      g_rmdir(g_ptr_array_index(made, i));
  }
  return ok;
}

gboolean
tw_job_run(TwJob *job, GError **error)
{
  g_return_val_if_fail(job->timeline == NULL, FALSE);
  job->timeline = tw_timeline_new(job->title ? job->title : "timeline");
  _tw_timeline_set_threads(job->timeline, job->threads);
  if (job->has_range)
    tw_timeline_set_range(job->timeline, job->from, job->to);
  _tw_timeline_set_memory_limit(job->timeline, job->memory_limit);
  tw_timeline_set_output_zone(job->timeline, job->output_zone);

  GThread *progress = NULL;
  set_phase(job, "reading");
  if (job->progress)
    progress = g_thread_new("tw-progress", progress_thread, job);

  /* (Not under a memory limit: the pool is memory the limit does not count.) */
  gboolean pool = job->memory_limit == 0;
  if (pool)
    _tw_shard_pool_hold();
  gboolean ok = read_sources(job, error);
  if (pool)
    _tw_shard_pool_release();
  _tw_big_trim();
  if (ok) {
    set_phase(job, "sorting");
    tw_timeline_finish(job->timeline);
    ok = _tw_timeline_check(job->timeline, error);
    if (ok && job->analyzers->len > 0 && _tw_timeline_is_spilled(job->timeline)) {
      g_autofree char *limit = format_size_option(job->memory_limit);
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                  "the events do not fit in --memory-limit (%s) and went to temporary files, "
                  "but analyzers need them in memory: raise the limit, or leave the analyzers "
                  "out",
                  limit);
      ok = FALSE;
    }
    for (guint i = 0; ok && i < job->analyzers->len; i++) {
      TwAnalyzer *a = g_ptr_array_index(job->analyzers, i);
      g_autofree char *phase = g_strdup_printf("analyzing: %s", a->name);
      set_phase(job, phase);
      ok = a->info->run(a, job->timeline, error);
      if (!ok && error && !*error)
        g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                    "analyzer '%s' failed without saying why", a->name);
      tw_timeline_compact(job->timeline);
    }
  }
  if (ok)
    ok = write_exports(job, error);

  stats_phase(job, NULL);
  if (progress) {
    g_mutex_lock(&job->progress_lock);
    job->done = TRUE;
    g_mutex_unlock(&job->progress_lock);
    g_thread_join(progress);
  }
  return ok;
}

gboolean
tw_job_is_partial(const TwJob *job)
{
  return job->partial;
}

const char *
tw_job_get_source_error(const TwJob *job, guint index)
{
  const SourceRun *run = g_ptr_array_index(job->sources, index);
  return run->error ? run->error->message : NULL;
}

const TwTimeline *
tw_job_get_timeline(const TwJob *job)
{
  return job->timeline;
}

guint
tw_job_get_n_sources(const TwJob *job)
{
  return job->sources->len;
}

const char *
tw_job_get_source_name(const TwJob *job, guint index)
{
  return ((SourceRun *)g_ptr_array_index(job->sources, index))->source.name;
}

guint64
tw_job_get_source_events(const TwJob *job, guint index)
{
  return ((SourceRun *)g_ptr_array_index(job->sources, index))->events;
}

guint64
tw_job_get_source_warnings(const TwJob *job, guint index)
{
  return ((SourceRun *)g_ptr_array_index(job->sources, index))->warnings;
}

guint
tw_job_get_n_exports(const TwJob *job)
{
  return job->exports->len;
}

const char *
tw_job_get_export_format(const TwJob *job, guint index)
{
  return ((ExportRun *)g_ptr_array_index(job->exports, index))->exporter.name;
}

const char *
tw_job_get_export_path(const TwJob *job, guint index)
{
  return ((ExportRun *)g_ptr_array_index(job->exports, index))->path;
}

/* ---------------------------------------------------------------- component accessors */

const char *
tw_source_get_name(const TwSource *source)
{
  return source->name;
}

const char *
tw_source_get_path(const TwSource *source)
{
  return source->path;
}

const TwOptions *
tw_source_get_options(const TwSource *source)
{
  return source->options;
}

gboolean
tw_source_get_range(const TwSource *source, gint64 *from, gint64 *to)
{
  if (!source->has_range)
    return FALSE;
  if (from)
    *from = source->from;
  if (to)
    *to = source->to;
  return TRUE;
}

TwReader *
tw_source_open(const TwSource *source, GError **error)
{
  TwReader *reader = tw_reader_open(source->path, error);
  if (reader && _tw_reader_was_empty(reader))
    ((TwSource *)source)->input_empty = TRUE; /* (the job's own record, for read_source()) */
  return reader;
}

const char *
tw_analyzer_get_name(const TwAnalyzer *analyzer)
{
  return analyzer->name;
}

const TwOptions *
tw_analyzer_get_options(const TwAnalyzer *analyzer)
{
  return analyzer->options;
}

const char *
tw_analyzer_get_base_dir(const TwAnalyzer *analyzer)
{
  return analyzer->base_dir;
}

const char *
tw_exporter_get_name(const TwExporter *exporter)
{
  return exporter->name;
}

const TwOptions *
tw_exporter_get_options(const TwExporter *exporter)
{
  return exporter->options;
}

GTimeZone *
tw_exporter_get_output_zone(const TwExporter *exporter)
{
  return exporter->output_zone;
}

gint64
tw_exporter_get_generation_time(const TwExporter *exporter)
{
  return exporter->generation_time ? exporter->generation_time : _tw_generation_time();
}
