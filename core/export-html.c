/* STUB: being written; replaced by the real exporter. */
#include "private.h"

static gboolean
stub_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "the html exporter is not written yet");
  return FALSE;
}

const TwExporterInfo _tw_exporter_html = {
  .name = "html", .summary = "stub", .extension = "html", .write = stub_write,
};
