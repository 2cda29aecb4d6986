/* A valid plugin loaded next to the broken ones: one source that emits three fixed events, one
 * analyzer that tags them and one exporter that writes them as lines, each with an option
 * table. The registry tests check that loading the whole folder still loads it and that its
 * components run. */
#include <timeweave/plugin.h>

static const char *const good_dates[] = {"2026-01-15", "2026-02", "2026-03-01T10:30:00Z"};

static gboolean
good_read(TwSource *source, TwSink *sink, GError **error)
{
  const char *prefix = tw_options_get_string(tw_source_get_options(source), "prefix");

  for (guint i = 0; i < G_N_ELEMENTS(good_dates); i++) {
    TwDate date;
    if (!tw_date_parse(good_dates[i], NULL, &date, error))
      return FALSE;
    TwEventBuilder *builder = tw_sink_begin(sink, tw_source_get_path(source), i + 1);
    g_autofree char *id = g_strdup_printf("good-%u", i + 1);
    g_autofree char *title = g_strdup_printf("%s %u", prefix, i + 1);
    tw_event_builder_set_date(builder, &date);
    tw_event_builder_set_id(builder, id);
    tw_event_builder_set_title(builder, title);
    if (!tw_sink_commit(sink, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
good_tag(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  const char *tag = tw_options_get_string(tw_analyzer_get_options(analyzer), "tag");
  guint n = tw_timeline_get_n_events(timeline);

  for (guint i = 0; i < n; i++)
    tw_timeline_add_tag(timeline, i, tag);
  return TRUE;
}

static gboolean
good_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  guint n = tw_timeline_get_n_events(timeline);

  if (tw_options_get_bool(tw_exporter_get_options(exporter), "header"))
    tw_output_printf(out, "# %s\n", tw_timeline_get_title(timeline));
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    TwDate date;
    tw_event_get_date(event, &date);
    g_autofree char *date_text = tw_date_format(&date);
    tw_output_printf(out, "%s\t%s\t%s\t", tw_event_get_id(event), date_text,
                     tw_event_get_title(event));
    for (guint t = 0; t < tw_event_get_n_tags(event); t++)
      tw_output_printf(out, "%s%s", t > 0 ? ";" : "", tw_event_get_tag(event, t));
    tw_output_putc(out, '\n');
  }
  return TRUE;
}

static const TwOptionSpec good_source_options[] = {
    {.name = "prefix",
     .type = TW_OPTION_STRING,
     .default_value = "good event",
     .help = "The beginning of each event's title."},
    {.name = NULL},
};

static const TwOptionSpec good_analyzer_options[] = {
    {.name = "tag",
     .type = TW_OPTION_STRING,
     .default_value = "good",
     .help = "The tag added to every event."},
    {.name = NULL},
};

static const TwOptionSpec good_exporter_options[] = {
    {.name = "header",
     .type = TW_OPTION_BOOL,
     .default_value = "false",
     .help = "Whether to begin with a line holding the title."},
    {.name = NULL},
};

static const TwSourceInfo good_source = {
    .name = "good",
    .summary = "Emits three fixed events",
    .description = "A test source: whatever its path, it emits good-1, good-2 and good-3.",
    .options = good_source_options,
    .read = good_read,
};

static const TwAnalyzerInfo good_analyzer = {
    .name = "good-tagger",
    .summary = "Tags every event",
    .options = good_analyzer_options,
    .run = good_tag,
};

static const TwExporterInfo good_exporter = {
    .name = "good-lines",
    .summary = "One tab-separated line per event",
    .options = good_exporter_options,
    .extension = "txt",
    .write = good_write,
};

static const TwSourceInfo *const sources[] = {&good_source, NULL};
static const TwAnalyzerInfo *const analyzers[] = {&good_analyzer, NULL};
static const TwExporterInfo *const exporters[] = {&good_exporter, NULL};

TW_PLUGIN_DEFINE("good", "1.0", "A valid plugin next to the broken ones", NULL, sources, analyzers,
                 exporters)
