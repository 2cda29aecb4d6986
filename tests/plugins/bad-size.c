/* A plugin whose declared TwSourceInfo size does not even cover the @read callback: the core
 * cannot use its sources and must refuse it with TW_PLUGIN_ERROR_BAD_DESCRIPTOR rather than
 * read past the struct. */
#include <stddef.h>
#include <timeweave/plugin.h>

/* Only the text fields: too small for any ABI. */
typedef struct {
  const char *name;
  const char *summary;
  const char *description;
} TruncatedSourceInfo;

static const TruncatedSourceInfo truncated_source = {
    .name = "truncated",
    .summary = "A source descriptor cut before its callback",
};

static const TwSourceInfo *const sources[] = {(const TwSourceInfo *)&truncated_source, NULL};

TW_PLUGIN_EXPORT const TwPluginInfo *timeweave_plugin(void);

TW_PLUGIN_EXPORT const TwPluginInfo *
timeweave_plugin(void)
{
  static const TwPluginInfo info = {
      .abi_major = TW_ABI_MAJOR,
      .abi_minor = TW_ABI_MINOR,
      .plugin_info_size = sizeof(TwPluginInfo),
      .source_info_size = sizeof(TruncatedSourceInfo),
      .analyzer_info_size = sizeof(TwAnalyzerInfo),
      .exporter_info_size = sizeof(TwExporterInfo),
      .option_spec_size = sizeof(TwOptionSpec),
      .name = "bad-size",
      .version = "1.0",
      .summary = "A plugin whose source descriptor is too small",
      .sources = sources,
  };
  return &info;
}
