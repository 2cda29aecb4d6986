/* A shared object whose `timeweave_plugin` is a variable, not a function (a descriptor written
 * by hand instead of with TW_PLUGIN_DEFINE()): calling it would jump into data, so the loader
 * must refuse it with TW_PLUGIN_ERROR_NO_ENTRY_POINT. */
#include <timeweave/plugin.h>

TW_PLUGIN_EXPORT extern const TwPluginInfo timeweave_plugin;

TW_PLUGIN_EXPORT const TwPluginInfo timeweave_plugin = {
    .abi_major = TW_ABI_MAJOR,
    .abi_minor = TW_ABI_MINOR,
    .plugin_info_size = sizeof(TwPluginInfo),
    .source_info_size = sizeof(TwSourceInfo),
    .analyzer_info_size = sizeof(TwAnalyzerInfo),
    .exporter_info_size = sizeof(TwExporterInfo),
    .option_spec_size = sizeof(TwOptionSpec),
    .name = "data-entry",
    .version = "1.0",
    .summary = "A descriptor where the entry point function belongs",
};
