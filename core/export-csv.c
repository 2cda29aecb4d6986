/* STUB: being written; replaced by the real exporter. */
#include "private.h"

static gboolean
stub_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "the csv exporter is not written yet");
  return FALSE;
}

const TwExporterInfo _tw_exporter_csv = {
  .name = "csv", .summary = "stub", .extension = "csv", .write = stub_write,
};
