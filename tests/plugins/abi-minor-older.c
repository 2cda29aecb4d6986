/* A plugin as if compiled against an older ABI minor whose TwSourceInfo had no reserved tail:
 * its source descriptor is a smaller struct, and it declares that smaller size. The core must
 * load it and read only the bytes the declared size covers (under AddressSanitizer, reading
 * past the end of `older_source` is a global-buffer-overflow). */
#include <stddef.h>
#include <timeweave/plugin.h>

/* TwSourceInfo up to and including @read, without the optional fields and the reserved ones. */
typedef struct {
  const char *name;
  const char *summary;
  const char *description;
  const TwOptionSpec *options;
  gboolean (*read)(TwSource *source, TwSink *sink, GError **error);
} OlderSourceInfo;

G_STATIC_ASSERT(sizeof(OlderSourceInfo) == offsetof(TwSourceInfo, read_lines));

static gboolean
older_read(TwSource *source, TwSink *sink, GError **error)
{
  return TRUE;
}

static const OlderSourceInfo older_source = {
    .name = "older",
    .summary = "A source with the smaller descriptor of an older ABI minor",
    .read = older_read,
};

/* The core gets the smaller struct through the public type and must trust the declared size. */
static const TwSourceInfo *const sources[] = {(const TwSourceInfo *)&older_source, NULL};

TW_PLUGIN_EXPORT const TwPluginInfo *timeweave_plugin(void);

TW_PLUGIN_EXPORT const TwPluginInfo *
timeweave_plugin(void)
{
  static const TwPluginInfo info = {
      .abi_major = TW_ABI_MAJOR,
      .abi_minor = TW_ABI_MINOR,
      .plugin_info_size = sizeof(TwPluginInfo),
      .source_info_size = sizeof(OlderSourceInfo),
      .analyzer_info_size = sizeof(TwAnalyzerInfo),
      .exporter_info_size = sizeof(TwExporterInfo),
      .option_spec_size = sizeof(TwOptionSpec),
      .name = "abi-minor-older",
      .version = "1.0",
      .summary = "A plugin with a smaller source descriptor",
      .sources = sources,
  };
  return &info;
}
