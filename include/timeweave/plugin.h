/* timeweave: the plugin ABI. Everything a plugin author needs is reachable from here. */
#pragma once

#include <timeweave/version.h>
#include <timeweave/date.h>
#include <timeweave/event.h>
#include <timeweave/sink.h>
#include <timeweave/timeline.h>
#include <timeweave/options.h>
#include <timeweave/reader.h>
#include <timeweave/output.h>
#include <timeweave/selector.h>

G_BEGIN_DECLS

/* Handles the core passes to component callbacks (opaque, owned by the core). */
typedef struct _TwSource TwSource;
typedef struct _TwAnalyzer TwAnalyzer;
typedef struct _TwExporter TwExporter;

/**
 * TwComponentCheck:
 * @options: the component's options, each already checked against its declared type
 * @error: a #TW_OPTION_ERROR_VALUE whose message names the option in quotes, as the core's own
 *   checks do: `option 'delimiter' of csv: ':' is not one of ...`
 *
 * Checks the option values that their types let through but the component cannot use (a
 * delimiter outside a few characters, a regular expression that does not compile or lacks a
 * group it needs), when the component is added to a job: before anything is read, so that a
 * bad value is a usage error on the command line and names its line in a spec, like a value of
 * the wrong type. Called from the thread that adds the component, with nothing else of the run
 * set up; the component's callbacks may still check again. Optional (%NULL: nothing to check).
 *
 * Returns: whether the values are usable.
 */
typedef gboolean (*TwComponentCheck)(const TwOptions *options, GError **error);

/**
 * TwSourceInfo:
 * A source reads one input (a file, a folder, a repository: @path) and pushes its events into a
 * sink. Sources of one run may be called in parallel from different threads, each with its own
 * #TwSource and #TwSink; a source keeps no global mutable state.
 *
 * @read: reads everything; returns %FALSE with @error set (its message should carry the place,
 *   `FILE:LINE: what`) when the input cannot be read at all or a warning was fatal under
 *   --strict. Records it can skip are reported with tw_sink_warn() instead.
 * @read_lines: (nullable): reads one chunk of a large file whose records are lines, so that
 *   the chunks of one file are read on several threads. @chunk gives the lines of a part of the
 *   file that begins and ends at line ends, numbered as in the whole file; tw_reader_get_chunk()
 *   says which part (0: the file's beginning). The core calls it, instead of @read, for a
 *   regular uncompressed file larger than a chunk, from several threads at once, each chunk
 *   with a sink of its own (tw_source_open() still opens the whole file, to read a header).
 *   The events and warnings of the chunks are kept in the file's order, so the timeline is the
 *   one @read gives; like @read it returns %FALSE with @error set on failure, and a failure in
 *   one chunk drops the chunks after it. Return %FALSE with #G_IO_ERROR_NOT_SUPPORTED when this
 *   input cannot be read in pieces (a JSON document, a record spanning lines at a chunk's end):
 *   the core then reads the whole file with @read and drops what the chunks gave.
 * @check: (nullable): checks what the option types cannot (see #TwComponentCheck).
 *
 * New fields are only ever added at the end, in place of @reserved, with a new ABI minor; the
 * core reads only the fields that the plugin's declared struct size covers.
 */
typedef struct {
  const char *name;            /* unique among sources: "json" */
  const char *summary;         /* one line */
  const char *description;     /* nullable: a paragraph for `timeweave plugins NAME` */
  const TwOptionSpec *options; /* nullable: ended by a row with a NULL name */
  gboolean (*read)(TwSource *source, TwSink *sink, GError **error);
  gboolean (*read_lines)(TwSource *source, TwSink *sink, TwReader *chunk, GError **error);
  TwComponentCheck check;
  gpointer reserved[6];
} TwSourceInfo;

/**
 * TwAnalyzerInfo:
 * An analyzer reads the sorted timeline and adds links, findings and tags. Analyzers run one at a
 * time in the order the user gave; @run may use threads of its own but must give results that do
 * not depend on their number.
 */
typedef struct {
  const char *name;
  const char *summary;
  const char *description;
  const TwOptionSpec *options;
  gboolean (*run)(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error);
  TwComponentCheck check; /* nullable: see #TwComponentCheck */
  gpointer reserved[7];
} TwAnalyzerInfo;

/**
 * TwExporterInfo:
 * An exporter streams the timeline into @out (never closes it). It must be deterministic: the
 * same timeline and options give the same bytes (use tw_exporter_get_generation_time() rather
 * than the clock).
 */
typedef struct {
  const char *name; /* the format name for `-f`: "csv" */
  const char *summary;
  const char *description;
  const TwOptionSpec *options;
  const char *extension; /* the file name extension, without the dot: "csv" */
  gboolean (*write)(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out,
                    GError **error);
  TwComponentCheck check; /* nullable: see #TwComponentCheck */
  gpointer reserved[7];
} TwExporterInfo;

/**
 * TwPluginInfo:
 * The descriptor a plugin's entry point returns. It begins with the ABI version and the sizes
 * of the structs as the plugin was compiled, so that the core never reads past what the plugin
 * has (GStreamer's plugin descriptor, SQLite's extension entry point). Fill it with
 * TW_PLUGIN_DEFINE(), never by hand.
 *
 * @init: (nullable): called once after loading; a failure refuses the plugin with its message.
 * @sources, @analyzers, @exporters: (nullable): %NULL-terminated arrays of pointers.
 */
typedef struct {
  guint32 abi_major;
  guint32 abi_minor;
  guint32 plugin_info_size;
  guint32 source_info_size;
  guint32 analyzer_info_size;
  guint32 exporter_info_size;
  guint32 option_spec_size;
  guint32 reserved_sizes[5];
  const char *name;
  const char *version;
  const char *summary;
  gboolean (*init)(GError **error);
  const TwSourceInfo *const *sources;
  const TwAnalyzerInfo *const *analyzers;
  const TwExporterInfo *const *exporters;
  gpointer reserved[8];
} TwPluginInfo;

/* The one symbol a plugin exports. */
#define TW_PLUGIN_ENTRY_POINT "timeweave_plugin"
typedef const TwPluginInfo *(*TwPluginEntryFunc)(void);

#if defined(_WIN32)
#define TW_PLUGIN_EXPORT __declspec(dllexport)
#else
#define TW_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/**
 * TW_PLUGIN_DEFINE:
 * @name: the plugin's name (a string)
 * @version: its version (a string)
 * @summary: one line
 * @init: (nullable): a `gboolean (*)(GError **)`
 * @sources, @analyzers, @exporters: %NULL-terminated `const TwSourceInfo *const[]` and so on,
 *   or %NULL
 *
 * Defines the plugin's entry point with the ABI version and struct sizes of the headers it is
 * compiled against.
 */
#define TW_PLUGIN_DEFINE(name_, version_, summary_, init_, sources_, analyzers_, exporters_)       \
  TW_PLUGIN_EXPORT const TwPluginInfo *timeweave_plugin(void);                                     \
  TW_PLUGIN_EXPORT const TwPluginInfo *timeweave_plugin(void)                                      \
  {                                                                                                \
    static const TwPluginInfo info = {                                                             \
        .abi_major = TW_ABI_MAJOR,                                                                 \
        .abi_minor = TW_ABI_MINOR,                                                                 \
        .plugin_info_size = sizeof(TwPluginInfo),                                                  \
        .source_info_size = sizeof(TwSourceInfo),                                                  \
        .analyzer_info_size = sizeof(TwAnalyzerInfo),                                              \
        .exporter_info_size = sizeof(TwExporterInfo),                                              \
        .option_spec_size = sizeof(TwOptionSpec),                                                  \
        .name = (name_),                                                                           \
        .version = (version_),                                                                     \
        .summary = (summary_),                                                                     \
        .init = (init_),                                                                           \
        .sources = (sources_),                                                                     \
        .analyzers = (analyzers_),                                                                 \
        .exporters = (exporters_),                                                                 \
    };                                                                                             \
    return &info;                                                                                  \
  }

/* -- what a component instance can ask the core -- */

/* The instance's name: `[source events]` gives "events"; `-s json:a.json` gives "a". */
const char *tw_source_get_name(const TwSource *source);
/* The input: a path (absolute or as given), `-`, or a resource URI. */
const char *tw_source_get_path(const TwSource *source);
const TwOptions *tw_source_get_options(const TwSource *source);
/* The run's --from/--to, so a source can skip early (the core filters anyway): %FALSE when
 * neither was given; with only one, the other bound is %TW_TIME_MIN (@from) or %TW_TIME_MAX
 * (@to, exclusive). */
gboolean tw_source_get_range(const TwSource *source, gint64 *from, gint64 *to);
/* Opens the source's input for reading (see tw_reader_open()). */
TwReader *tw_source_open(const TwSource *source, GError **error);

const char *tw_analyzer_get_name(const TwAnalyzer *analyzer);
const TwOptions *tw_analyzer_get_options(const TwAnalyzer *analyzer);
/* The folder that relative paths in this analyzer's configuration are taken from. */
const char *tw_analyzer_get_base_dir(const TwAnalyzer *analyzer);

const char *tw_exporter_get_name(const TwExporter *exporter);
const TwOptions *tw_exporter_get_options(const TwExporter *exporter);
/* The zone for exact times (--output-zone); %NULL means UTC with `Z`. */
GTimeZone *tw_exporter_get_output_zone(const TwExporter *exporter);
/* SOURCE_DATE_EPOCH if set, else the run's start: microseconds since the epoch. */
gint64 tw_exporter_get_generation_time(const TwExporter *exporter);

/**
 * TW_PLUGIN_ERROR:
 * Why the loader refused a plugin, or a component failed. Each message is one line naming the
 * plugin file.
 */
#define TW_PLUGIN_ERROR (tw_plugin_error_quark())
typedef enum {
  TW_PLUGIN_ERROR_NOT_A_PLUGIN,   /* `FILE: not a plugin: <dlerror>` */
  TW_PLUGIN_ERROR_NO_ENTRY_POINT, /* `FILE: no timeweave_plugin entry point: <dlerror>` */
  TW_PLUGIN_ERROR_ABI_MISMATCH,   /* `FILE: built for plugin ABI 2.0, this timeweave has 1.0
                                   * (the major version must match: rebuild the plugin ...)` */
  TW_PLUGIN_ERROR_BAD_DESCRIPTOR, /* a NULL name, a struct size too small, a missing callback */
  TW_PLUGIN_ERROR_DUPLICATE_NAME, /* `FILE: source 'json' is already provided by OTHERFILE` */
  TW_PLUGIN_ERROR_INIT_FAILED,    /* `FILE: init failed: <message>` */
  TW_PLUGIN_ERROR_NOT_FOUND,      /* `no source named 'x' (available: a, b)` */
  TW_PLUGIN_ERROR_FAILED,         /* a component failed at run time */
} TwPluginError;
GQuark tw_plugin_error_quark(void);

G_END_DECLS
