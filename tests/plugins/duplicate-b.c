/* The second plugin providing a source named "dup": loaded after duplicate-a.so, it must be
 * refused with TW_PLUGIN_ERROR_DUPLICATE_NAME naming both files, and its other component (the
 * analyzer "dup-b-only", whose name is free) must not be registered either: a plugin is
 * accepted or refused as a whole. */
#include <timeweave/plugin.h>

static gboolean
dup_read(TwSource *source, TwSink *sink, GError **error)
{
  return TRUE;
}

static gboolean
dup_run(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  return TRUE;
}

static const TwAnalyzerInfo dup_b_analyzer = {
    .name = "dup-b-only",
    .summary = "An analyzer that only duplicate-b.so provides",
    .run = dup_run,
};

static const TwSourceInfo dup_source = {
    .name = "dup",
    .summary = "The second source named dup",
    .read = dup_read,
};

static const TwSourceInfo *const sources[] = {&dup_source, NULL};
static const TwAnalyzerInfo *const analyzers[] = {&dup_b_analyzer, NULL};

TW_PLUGIN_DEFINE("duplicate-b", "1.0", "Provides the source dup again", NULL, sources, analyzers,
                 NULL)
