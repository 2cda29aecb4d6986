/* timeweave: the engine that the CLI drives; also for programs that embed timeweave. */
#pragma once

#include <timeweave/plugin.h>

G_BEGIN_DECLS

/* -- building timelines by hand (the engine does this for a run; tests and embedders too) -- */

/* Returns: (transfer full): an empty timeline; tw_timeline_free() it. */
TwTimeline *tw_timeline_new(const char *title);
void tw_timeline_free(TwTimeline *timeline);
void tw_timeline_set_title(TwTimeline *timeline, const char *title);
/* Keeps only events that overlap [@from, @to) (precision-aware: a month overlaps its days). */
void tw_timeline_set_range(TwTimeline *timeline, gint64 from, gint64 to);
/* The zone the run writes times in (`--output-zone`; %NULL: UTC), for the analyzers'
 * findings (tw_timeline_get_output_zone()); the timeline takes a reference. */
void tw_timeline_set_output_zone(TwTimeline *timeline, GTimeZone *zone);

/**
 * tw_timeline_open_sink:
 * @source_name: the name events get as their source
 * @strict: whether tw_sink_warn() fails
 *
 * Opens a sink whose events are stored in a shard of their own; tw_sink_close() hands them to
 * @timeline. Sinks of one timeline may be used from different threads at the same time.
 * Returns: (transfer full): the sink.
 */
TwSink *tw_timeline_open_sink(TwTimeline *timeline, const char *source_name, gboolean strict);
/* Hands the sink's events to its timeline and frees the sink. Thread-safe. */
void tw_sink_close(TwSink *sink);
/* Frees the sink and drops its events (a source that failed under --strict). */
void tw_sink_free(TwSink *sink);
guint64 tw_sink_get_n_warnings(const TwSink *sink);

/**
 * tw_timeline_finish:
 * Sorts the events into the total order, merges events that one source gave twice with the same
 * id, applies the range and adds the links that sinks recorded. Call once every sink is closed,
 * before analyzers and exporters; after more sinks close, call it again (events merge with those
 * already there, and links added before are not added twice). A job's timeline kept under a
 * memory limit (on disk) is finished once, by the job.
 */
void tw_timeline_finish(TwTimeline *timeline);
/* Applies tw_timeline_remove_event() marks (the engine calls it after each analyzer). */
void tw_timeline_compact(TwTimeline *timeline);
/* Events that one source gave twice and were merged by tw_timeline_finish(). */
guint64 tw_timeline_get_n_merged(const TwTimeline *timeline);

/* -- the registry of loaded plugins and their components -- */

typedef struct _TwRegistry TwRegistry;

/* Returns: (transfer full): a registry holding the core's own exporters (json, jsonl, csv...). */
TwRegistry *tw_registry_new(void);
void tw_registry_free(TwRegistry *registry);

/**
 * tw_registry_load_file:
 * Loads one plugin file (dlopen with RTLD_NOW | RTLD_LOCAL; it stays resident). A file that
 * @registry already loaded, by this path or another, is not loaded again: %TRUE, nothing added.
 * @error: a #TW_PLUGIN_ERROR whose message names @path and says why it was refused.
 */
gboolean tw_registry_load_file(TwRegistry *registry, const char *path, GError **error);

/**
 * tw_registry_load_dir:
 * Loads every `*.so` in @dir (not recursive) in name order. A plugin that is refused does not
 * stop the others: each refusal is appended to @refusals (a #GPtrArray of #GError, free with
 * g_error_free) and loading goes on. A missing folder is no error.
 * Returns: how many plugins were loaded (not counting files @registry already held).
 */
guint tw_registry_load_dir(TwRegistry *registry, const char *dir, GPtrArray *refusals);

/**
 * tw_plugin_search_path:
 * The folders plugins are loaded from, in order: the bundled plugins (BUILD/plugins/<name>/ when
 * this program runs from its build tree, else the installed plugindir), the per-user folder
 * ($XDG_DATA_HOME/timeweave/plugins), then each folder of TIMEWEAVE_PLUGIN_PATH (`:`-separated).
 * Never the working directory.
 * Returns: (transfer full): a %NULL-terminated array; g_strfreev() it.
 */
char **tw_plugin_search_path(void);

/* Loads every folder of tw_plugin_search_path() (see tw_registry_load_dir()). */
guint tw_registry_load_default(TwRegistry *registry, GPtrArray *refusals);

/* Registers a plugin compiled into the program (@origin names it in messages). */
gboolean tw_registry_add_plugin(TwRegistry *registry, const TwPluginInfo *info, const char *origin,
                                GError **error);

const TwSourceInfo *tw_registry_find_source(const TwRegistry *registry, const char *name);
const TwAnalyzerInfo *tw_registry_find_analyzer(const TwRegistry *registry, const char *name);
const TwExporterInfo *tw_registry_find_exporter(const TwRegistry *registry, const char *name);

/* Loaded plugins, in load order: their descriptors and the files they came from. */
guint tw_registry_get_n_plugins(const TwRegistry *registry);
const TwPluginInfo *tw_registry_get_plugin(const TwRegistry *registry, guint index);
const char *tw_registry_get_plugin_path(const TwRegistry *registry, guint index);

/* -- options given as text -- */

/**
 * tw_options_new:
 * @component: the component's name, for messages
 * @table: (nullable): its option table
 * @base_dir: (nullable): the folder relative TW_OPTION_PATH values are taken from
 * @keys, @values: (nullable): the given options (%NULL-terminated, same length)
 * @error: #TW_OPTION_ERROR for an unknown name or a bad value
 * Returns: (transfer full): validated options; tw_options_free() them.
 */
TwOptions *tw_options_new(const char *component, const TwOptionSpec *table, const char *base_dir,
                          const char *const *keys, const char *const *values, GError **error);
void tw_options_free(TwOptions *options);

/* -- a run: sources -> sorted timeline -> analyzers -> exports -- */

typedef struct _TwJob TwJob;

/* Returns: (transfer full): an empty job using @registry (borrowed, must outlive the job). */
TwJob *tw_job_new(TwRegistry *registry);
void tw_job_free(TwJob *job);

void tw_job_set_title(TwJob *job, const char *title);
/* Keeps the events that overlap [@from, @to): @to is exclusive (tw_date_range_end()). */
void tw_job_set_range(TwJob *job, gint64 from, gint64 to);
/* The range tw_job_set_range() (or a spec) gave, into @from and @to (an exclusive end); %FALSE,
 * and both left as they were, when there is none. */
gboolean tw_job_get_range(const TwJob *job, gint64 *from, gint64 *to);
void tw_job_set_strict(TwJob *job, gboolean strict);
/* How many sources read at once (default: the number of processors). */
void tw_job_set_threads(TwJob *job, guint threads);
/* Progress on stderr (phase, events per source); the CLI enables it only on a terminal. */
void tw_job_set_progress(TwJob *job, gboolean progress);
/* Zone for exact times in exports (transfer none: the job takes a reference). */
void tw_job_set_output_zone(TwJob *job, GTimeZone *zone);

/**
 * tw_job_set_memory_limit:
 * @bytes: about how much memory the run's stored events may take; 0 (the default): no limit
 *
 * When the events read would take more than half of @bytes, they are sorted in runs that go to
 * anonymous temporary files in $TMPDIR (removed however the run ends) and merged when they are
 * exported, with the same output as a run in memory. Analyzers need the timeline in memory: a
 * run with analyzers whose events do not fit fails with #TW_PLUGIN_ERROR_FAILED.
 */
void tw_job_set_memory_limit(TwJob *job, guint64 bytes);

/**
 * tw_job_get_spill:
 * @n_runs, @n_bytes: (out) (optional): the number of sorted runs written to temporary files
 *   and their size in bytes (0 when none)
 * Returns: whether the run's events went to temporary files (see tw_job_set_memory_limit()).
 */
gboolean tw_job_get_spill(const TwJob *job, guint *n_runs, guint64 *n_bytes);

/**
 * tw_parse_size:
 * @text: a number of bytes with an optional unit: K, M, G or T (powers of 1024; KiB, MB and so
 *   on are read the same), e.g. `512M`, `2G`, `1.5G`
 * @error: a #G_OPTION_ERROR_BAD_VALUE with a one-line message
 * Returns: whether @text is a size; *@bytes is set then.
 */
gboolean tw_parse_size(const char *text, guint64 *bytes, GError **error);

/**
 * tw_job_add_source:
 * @plugin: a source component name ("json")
 * @name: (nullable): the instance name; %NULL derives it from @path's basename without its
 *   extension, made unique ("a", "a-2")
 * @path: the input, relative to @base_dir unless absolute, `-` or a URI
 * @keys, @values: options (see tw_options_new())
 * @error: #TW_PLUGIN_ERROR_NOT_FOUND or a #TW_OPTION_ERROR (also for a second source of `-`:
 *   standard input can be read once)
 */
gboolean tw_job_add_source(TwJob *job, const char *plugin, const char *name, const char *path,
                           const char *base_dir, const char *const *keys, const char *const *values,
                           GError **error);
gboolean tw_job_add_analyzer(TwJob *job, const char *plugin, const char *name, const char *base_dir,
                             const char *const *keys, const char *const *values, GError **error);
/* Adds an export of @format to @path (`-` for standard output). */
gboolean tw_job_add_export(TwJob *job, const char *format, const char *path,
                           const char *const *keys, const char *const *values, GError **error);

/**
 * tw_job_add_export_to_dir:
 * Adds an export of @format to `DIR/STEM.EXT`, EXT being the format's file extension; when an
 * export of the job already writes that file (jsonl and timesketch share `jsonl`), to
 * `DIR/STEM.FORMAT.EXT` instead.
 */
gboolean tw_job_add_export_to_dir(TwJob *job, const char *format, const char *dir, const char *stem,
                                  const char *const *keys, const char *const *values,
                                  GError **error);

/**
 * tw_job_run:
 * Reads every source (in parallel), builds the timeline, runs the analyzers in order and writes
 * every export atomically.
 * @error: the first failure: `FILE:LINE: what` for input, `PATH: reason` for output.
 * Returns: %FALSE on failure; exports are then left as they were.
 */
gboolean tw_job_run(TwJob *job, GError **error);

/**
 * tw_job_is_partial:
 * After a successful tw_job_run(): whether a source failed mid-stream (after giving events).
 * Outside --strict such a run still exports what was read, and says so: the source's error is
 * printed as `timeweave: FILE:LINE: what (source 'NAME' stopped after N events: the timeline is
 * partial)` and the CLI exits with status 3. A source that gives no event before failing, and
 * any failure under --strict, fails the run instead.
 */
gboolean tw_job_is_partial(const TwJob *job);
/* The error of source @index, or %NULL when it read to the end. */
const char *tw_job_get_source_error(const TwJob *job, guint index);

/* After tw_job_run(): the timeline (transfer none). */
const TwTimeline *tw_job_get_timeline(const TwJob *job);
/* After tw_job_run(): per-source counts and the outputs, for the summary. */
guint tw_job_get_n_sources(const TwJob *job);
const char *tw_job_get_source_name(const TwJob *job, guint index);
guint64 tw_job_get_source_events(const TwJob *job, guint index);
guint64 tw_job_get_source_warnings(const TwJob *job, guint index);
guint tw_job_get_n_exports(const TwJob *job);
const char *tw_job_get_export_format(const TwJob *job, guint index);
const char *tw_job_get_export_path(const TwJob *job, guint index);

/**
 * tw_job_load_spec:
 * Configures @job from a `.timeline` spec (GKeyFile): `[timeline]` title, from, to,
 * output-zone; `[source NAME]` plugin, path and options; `[analyzer NAME]` plugin and options
 * (run in file order); `[export]` formats, directory (relative to the working directory, not to
 * the spec's folder; `out` when not given), name.
 * @path: a file or a `resource://` URI; relative source paths are taken from its folder
 * @export_dir: (nullable): overrides `[export] directory`
 * @error: `SPEC:LINE: what` (unknown section or key, bad value, unknown plugin)
 */
gboolean tw_job_load_spec(TwJob *job, const char *path, const char *export_dir, GError **error);

G_END_DECLS
