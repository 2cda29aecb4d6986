/* A plugin with a source that has no read callback: the loader must refuse it with
 * TW_PLUGIN_ERROR_BAD_DESCRIPTOR instead of crashing when the source runs. */
#include <timeweave/plugin.h>

static const TwSourceInfo no_read_source = {
    .name = "no-read",
    .summary = "A source without a read callback",
    .read = NULL,
};

static const TwSourceInfo *const sources[] = {&no_read_source, NULL};

TW_PLUGIN_DEFINE("bad-descriptor", "1.0", "A plugin with a source missing its callback", NULL,
                 sources, NULL, NULL)
