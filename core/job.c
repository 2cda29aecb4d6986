/* timeweave: a run: sources in parallel -> one sorted timeline -> analyzers -> exports. */
#include "private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  TwSource source;
  TwJob *job;
  TwSink *sink; /* while reading; guarded by the job's progress lock */
  guint64 events;
  guint64 warnings;
  GError *error;
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
  GTimeZone *output_zone;
  GPtrArray *sources;   /* SourceRun */
  GPtrArray *analyzers; /* TwAnalyzer */
  GPtrArray *exports;   /* ExportRun */
  TwTimeline *timeline;
  gboolean partial;
  GMutex progress_lock;
  char *phase;
  gboolean done;
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
  g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
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
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NOT_FOUND, "no %s named '%s' (available: %s)",
              kind, name, names);
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
  TwOptions *options =
      component_options(plugin, info->options, base_dir, keys, values, &name, error);
  if (!options)
    return FALSE;
  SourceRun *run = g_new0(SourceRun, 1);
  run->job = job;
  run->source.info = info;
  run->source.options = options;
  run->source.path = _tw_resolve_path(base_dir, path);
  /* The name becomes every event's source: a file name or a spec section may be any bytes. */
  run->source.name = name ? g_utf8_make_valid(name, -1) : derive_name(job, path);
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
  if (!options)
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
  if (!options)
    return FALSE;
  ExportRun *e = g_new0(ExportRun, 1);
  e->exporter.info = info;
  e->exporter.name = g_strdup(format);
  e->exporter.options = options;
  e->path = g_strdup(path);
  g_ptr_array_add(job->exports, e);
  return TRUE;
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
  g_autofree char *file =
      g_strdup_printf("%s.%s", stem, info->extension ? info->extension : format);
  g_autofree char *path = g_build_filename(dir, file, NULL);
  return tw_job_add_export(job, format, path, keys, values, error);
}

/* ---------------------------------------------------------------- progress */

static void
set_phase(TwJob *job, const char *phase)
{
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
        guint64 n = run->sink ? tw_sink_get_n_committed(run->sink) : run->events;
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
read_source(gpointer data, gpointer user_data)
{
  SourceRun *run = data;
  TwJob *job = run->job;
  run->source.has_range = job->has_range;
  run->source.from = job->from;
  run->source.to = job->to;
  TwSink *sink = tw_timeline_open_sink(job->timeline, run->source.name, job->strict);
  g_mutex_lock(&job->progress_lock);
  run->sink = sink;
  g_mutex_unlock(&job->progress_lock);

  gboolean ok = run->source.info->read(&run->source, sink, &run->error);
  if (!ok && !run->error)
    g_set_error(&run->error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "%s: source '%s' failed without saying why", run->source.path,
                run->source.info->name);

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

static gboolean
read_sources(TwJob *job, GError **error)
{
  guint threads = MIN(job->threads, MAX(1, job->sources->len));
  if (threads <= 1) {
    for (guint i = 0; i < job->sources->len; i++)
      read_source(g_ptr_array_index(job->sources, i), NULL);
  } else {
    GThreadPool *pool = g_thread_pool_new(read_source, NULL, (gint)threads, TRUE, NULL);
    for (guint i = 0; i < job->sources->len; i++)
      g_thread_pool_push(pool, g_ptr_array_index(job->sources, i), NULL);
    g_thread_pool_free(pool, FALSE, TRUE);
  }
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

static gboolean
write_exports(TwJob *job, GError **error)
{
  gint64 generated = _tw_generation_time();
  for (guint i = 0; i < job->exports->len; i++) {
    ExportRun *e = g_ptr_array_index(job->exports, i);
    g_autofree char *phase = g_strdup_printf("writing %s", e->exporter.name);
    set_phase(job, phase);
    e->exporter.output_zone = job->output_zone;
    e->exporter.generation_time = generated;
    if (strcmp(e->path, "-") != 0) {
      g_autofree char *dir = g_path_get_dirname(e->path);
      if (g_mkdir_with_parents(dir, 0777) != 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "%s: cannot create the "
                    "folder: %s",
                    dir, g_strerror(errno));
        return FALSE;
      }
    }
    g_autoptr(TwOutput) out = tw_output_open(e->path, error);
    if (!out)
      return FALSE;
    if (!e->exporter.info->write(&e->exporter, job->timeline, out, error)) {
      tw_output_abort(out);
      return FALSE;
    }
    if (!tw_output_close(out, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
tw_job_run(TwJob *job, GError **error)
{
  g_return_val_if_fail(job->timeline == NULL, FALSE);
  job->timeline = tw_timeline_new(job->title ? job->title : "timeline");
  if (job->has_range)
    tw_timeline_set_range(job->timeline, job->from, job->to);

  GThread *progress = NULL;
  set_phase(job, "reading");
  if (job->progress)
    progress = g_thread_new("tw-progress", progress_thread, job);

  gboolean ok = read_sources(job, error);
  if (ok) {
    set_phase(job, "sorting");
    tw_timeline_finish(job->timeline);
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
  return tw_reader_open(source->path, error);
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
