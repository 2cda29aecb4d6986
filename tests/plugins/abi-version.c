/* A plugin that claims another plugin ABI than the core's: built twice, as abi-major.so
 * (TW_ABI_MAJOR + 1) and abi-minor-newer.so (TW_ABI_MINOR + 1), through TEST_ABI_MAJOR_DELTA and
 * TEST_ABI_MINOR_DELTA. The descriptor is written by hand, since TW_PLUGIN_DEFINE() always
 * records the headers' own version. Everything else is valid, so the version is the only reason
 * to refuse it (TW_PLUGIN_ERROR_ABI_MISMATCH). */
#include <timeweave/plugin.h>

#ifndef TEST_ABI_MAJOR_DELTA
#define TEST_ABI_MAJOR_DELTA 0
#endif
#ifndef TEST_ABI_MINOR_DELTA
#define TEST_ABI_MINOR_DELTA 0
#endif

static gboolean
abi_read(TwSource *source, TwSink *sink, GError **error)
{
  return TRUE;
}

static const TwSourceInfo abi_source = {
    .name = TEST_SOURCE_NAME,
    .summary = "A source from a plugin built for another ABI",
    .read = abi_read,
};

static const TwSourceInfo *const sources[] = {&abi_source, NULL};

TW_PLUGIN_EXPORT const TwPluginInfo *timeweave_plugin(void);

TW_PLUGIN_EXPORT const TwPluginInfo *
timeweave_plugin(void)
{
  static const TwPluginInfo info = {
      .abi_major = TW_ABI_MAJOR + TEST_ABI_MAJOR_DELTA,
      .abi_minor = TW_ABI_MINOR + TEST_ABI_MINOR_DELTA,
      .plugin_info_size = sizeof(TwPluginInfo),
      .source_info_size = sizeof(TwSourceInfo),
      .analyzer_info_size = sizeof(TwAnalyzerInfo),
      .exporter_info_size = sizeof(TwExporterInfo),
      .option_spec_size = sizeof(TwOptionSpec),
      .name = TEST_SOURCE_NAME,
      .version = "1.0",
      .summary = "A plugin built for another plugin ABI",
      .sources = sources,
  };
  return &info;
}
