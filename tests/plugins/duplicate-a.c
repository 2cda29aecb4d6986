/* The first of two plugins that both provide a source named "dup": this one loads. */
#include <timeweave/plugin.h>

static gboolean
dup_read(TwSource *source, TwSink *sink, GError **error)
{
  return TRUE;
}

static const TwSourceInfo dup_source = {
    .name = "dup",
    .summary = "The first source named dup",
    .read = dup_read,
};

static const TwSourceInfo *const sources[] = {&dup_source, NULL};

TW_PLUGIN_DEFINE("duplicate-a", "1.0", "Provides the source dup", NULL, sources, NULL, NULL)
