/* An otherwise valid plugin that calls a function no library defines. It links (shared modules
 * may leave symbols undefined) but dlopen() with RTLD_NOW fails, naming the symbol: the loader
 * must refuse it with TW_PLUGIN_ERROR_NOT_A_PLUGIN and dlerror()'s text. */
#include <timeweave/plugin.h>

/* Defined nowhere, on purpose. */
extern gboolean timeweave_test_undefined_function(TwSink *sink);

static gboolean
missing_read(TwSource *source, TwSink *sink, GError **error)
{
  return timeweave_test_undefined_function(sink);
}

static const TwSourceInfo missing_source = {
    .name = "missing-symbol",
    .summary = "Calls a function that does not exist",
    .read = missing_read,
};

static const TwSourceInfo *const sources[] = {&missing_source, NULL};

TW_PLUGIN_DEFINE("missing-symbol", "1.0", "A plugin with an unresolvable symbol", NULL, sources,
                 NULL, NULL)
