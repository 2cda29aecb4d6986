/* A plugin compiled against the public headers as they were at plugin ABI 1.0 (tests/abi/include,
 * a frozen copy), loaded by the current core: the "previous minor" test of the ABI policy
 * (docs/writing-plugins.md). It uses each kind of component and an option of most types, so that
 * the core reads its descriptors with the sizes and the TwOptionSpec stride of ABI 1.0; the
 * structs it fills and the functions it calls are those of 1.0, whatever the current headers add.
 *
 *   source "abi10":         lines `DATE TITLE`; options prefix (string), priority (int),
 *                           mode (choice keep|upper), keep-empty (bool)
 *   analyzer "abi10-count": tags every event with `tag` and adds one finding with the count
 *   exporter "abi10-lines": one tab-separated line per event, then one per finding */
#include <string.h>
#include <timeweave/plugin.h>

/* Compiled against the frozen copy, not the current headers. */
G_STATIC_ASSERT(TW_ABI_MAJOR == 1 && TW_ABI_MINOR == 0);

static const TwOptionSpec abi10_source_options[] = {
    {.name = "prefix", .type = TW_OPTION_STRING, .default_value = "", .help = "Title prefix."},
    {.name = "priority", .type = TW_OPTION_INT, .default_value = "3", .help = "An attribute."},
    {.name = "mode",
     .type = TW_OPTION_CHOICE,
     .default_value = "keep",
     .choices = "keep|upper",
     .help = "upper: upper-case titles."},
    {.name = "keep-empty",
     .type = TW_OPTION_BOOL,
     .default_value = "false",
     .help = "Keep a line with a date and no title, titled (untitled)."},
    {.name = NULL},
};

static gboolean
abi10_read(TwSource *source, TwSink *sink, GError **error)
{
  const TwOptions *options = tw_source_get_options(source);
  const char *prefix = tw_options_get_string(options, "prefix");
  gint64 priority = tw_options_get_int(options, "priority");
  gboolean upper = strcmp(tw_options_get_string(options, "mode"), "upper") == 0;
  gboolean keep_empty = tw_options_get_bool(options, "keep-empty");
  const char *file = tw_source_get_path(source);
  g_autoptr(TwReader) in = tw_source_open(source, error);
  if (!in)
    return FALSE;

  g_autoptr(GError) io = NULL;
  const char *line;
  gsize length;
  while ((line = tw_reader_read_line(in, &length, &io))) {
    guint n = tw_reader_get_line_number(in);
    const char *space = strchr(line, ' ');
    g_autofree char *date_text = space ? g_strndup(line, (gsize)(space - line)) : g_strdup(line);
    const char *title = space ? space + 1 : "";
    TwDate date;
    g_autoptr(GError) bad = NULL;
    if (!tw_date_parse(date_text, NULL, &date, &bad)) {
      if (!tw_sink_warn(sink, file, n, error, "%s", bad->message))
        return FALSE;
      continue;
    }
    if (!*title && !keep_empty) {
      if (!tw_sink_warn(sink, file, n, error, "no title"))
        return FALSE;
      continue;
    }
    g_autofree char *full = g_strconcat(prefix, *title ? title : "(untitled)", NULL);
    g_autofree char *shown = upper ? g_utf8_strup(full, -1) : g_strdup(full);
    char number[32];
    g_snprintf(number, sizeof number, "%" G_GINT64_FORMAT, priority);

    TwEventBuilder *ev = tw_sink_begin(sink, file, n);
    tw_event_builder_set_date(ev, &date);
    tw_event_builder_set_title(ev, shown);
    tw_event_builder_set_attribute(ev, "priority", number);
    if (!tw_sink_commit(sink, &bad) && !tw_sink_warn_error(sink, bad, error))
      return FALSE;
  }
  if (io) {
    g_propagate_error(error, g_steal_pointer(&io));
    return FALSE;
  }
  return TRUE;
}

static const TwOptionSpec abi10_count_options[] = {
    {.name = "tag", .type = TW_OPTION_STRING, .default_value = "seen", .help = "The tag to add."},
    {.name = NULL},
};

static gboolean
abi10_count(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  const char *tag = tw_options_get_string(tw_analyzer_get_options(analyzer), "tag");
  guint n = tw_timeline_get_n_events(timeline);
  for (guint i = 0; i < n; i++)
    tw_timeline_add_tag(timeline, i, tag);
  g_autofree char *summary = g_strdup_printf("counted %u events", n);
  TwFinding *finding = tw_timeline_add_finding(timeline, tw_analyzer_get_name(analyzer), "count",
                                               "threshold", summary);
  for (guint i = 0; i < n; i++)
    tw_finding_add_event(finding, timeline, i);
  char count[16];
  g_snprintf(count, sizeof count, "%u", n);
  tw_finding_set_attribute(finding, "count", count);
  return TRUE;
}

static gboolean
abi10_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    TwDate date;
    tw_event_get_date(event, &date);
    g_autofree char *text = tw_date_format(&date);
    tw_output_printf(out, "%s\t%s\t%s\t", text, tw_event_get_title(event),
                     tw_event_get_source(event));
    for (guint t = 0; t < tw_event_get_n_tags(event); t++)
      tw_output_printf(out, "%s%s", t ? "," : "", tw_event_get_tag(event, t));
    for (guint a = 0; a < tw_event_get_n_attributes(event); a++) {
      const TwAttribute *attribute = tw_event_get_attribute(event, a);
      tw_output_printf(out, "\t%s=%s", attribute->key, attribute->value);
    }
    tw_output_putc(out, '\n');
  }
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
    const TwFinding *finding = tw_timeline_get_finding(timeline, i);
    tw_output_printf(out, "finding\t%s\t%s\t%s\t%u events\n", tw_finding_get_analyzer(finding),
                     tw_finding_get_kind(finding), tw_finding_get_summary(finding),
                     tw_finding_get_n_events(finding));
  }
  return TRUE;
}

static const TwSourceInfo abi10_source = {
    .name = "abi10",
    .summary = "Lines `DATE TITLE`, from a plugin built for ABI 1.0",
    .options = abi10_source_options,
    .read = abi10_read,
};
static const TwAnalyzerInfo abi10_analyzer = {
    .name = "abi10-count",
    .summary = "Tags and counts every event (ABI 1.0)",
    .options = abi10_count_options,
    .run = abi10_count,
};
static const TwExporterInfo abi10_exporter = {
    .name = "abi10-lines",
    .summary = "One tab-separated line per event and per finding (ABI 1.0)",
    .extension = "txt",
    .write = abi10_write,
};
static const TwSourceInfo *const sources[] = {&abi10_source, NULL};
static const TwAnalyzerInfo *const analyzers[] = {&abi10_analyzer, NULL};
static const TwExporterInfo *const exporters[] = {&abi10_exporter, NULL};

TW_PLUGIN_DEFINE("abi-1.0", "1.0", "A plugin built against the ABI 1.0 headers", NULL, sources,
                 analyzers, exporters)
