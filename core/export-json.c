/* STUB: being written; replaced by the real exporter. */
#include "private.h"

static gboolean
stub_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "the json exporter is not written yet");
  return FALSE;
}

const TwExporterInfo _tw_exporter_json = {
  .name = "json", .summary = "stub", .extension = "json", .write = stub_write,
};
const TwExporterInfo _tw_exporter_jsonl = {
  .name = "jsonl", .summary = "stub", .extension = "jsonl", .write = stub_write,
};
