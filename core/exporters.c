/* timeweave: the exporters built into the core, registered like any plugin's. */
#include "private.h"

static const TwExporterInfo *const builtin_exporters[] = {
    &_tw_exporter_json, &_tw_exporter_jsonl,      &_tw_exporter_csv,        &_tw_exporter_ics,
    &_tw_exporter_html, &_tw_exporter_timesketch, &_tw_exporter_opensearch, NULL,
};

const TwPluginInfo _tw_builtin_exporters = {
    .abi_major = TW_ABI_MAJOR,
    .abi_minor = TW_ABI_MINOR,
    .plugin_info_size = sizeof(TwPluginInfo),
    .source_info_size = sizeof(TwSourceInfo),
    .analyzer_info_size = sizeof(TwAnalyzerInfo),
    .exporter_info_size = sizeof(TwExporterInfo),
    .option_spec_size = sizeof(TwOptionSpec),
    .name = "core",
    .version = TW_VERSION,
    .summary = "timeweave's own exporters",
    .exporters = builtin_exporters,
};
