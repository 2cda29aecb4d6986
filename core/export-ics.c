/* STUB: being written; replaced by the real exporter. */
#include "private.h"

static gboolean
stub_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "the ics exporter is not written yet");
  return FALSE;
}

const TwExporterInfo _tw_exporter_ics = {
  .name = "ics", .summary = "stub", .extension = "ics", .write = stub_write,
};
