/* A plugin whose init refuses to start: the loader must refuse it with
 * TW_PLUGIN_ERROR_INIT_FAILED and the init's own message, and register none of its
 * components. */
#include <timeweave/plugin.h>

static gboolean
init_fails_read(TwSource *source, TwSink *sink, GError **error)
{
  return TRUE;
}

static gboolean
init_fails_init(GError **error)
{
  g_set_error_literal(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                      "the test plugin refuses to start");
  return FALSE;
}

static const TwSourceInfo init_fails_source = {
    .name = "init-fails",
    .summary = "Never registered: its plugin's init fails",
    .read = init_fails_read,
};

static const TwSourceInfo *const sources[] = {&init_fails_source, NULL};

TW_PLUGIN_DEFINE("init-fails", "1.0", "A plugin whose init fails", init_fails_init, sources, NULL,
                 NULL)
