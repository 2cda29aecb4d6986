/* skeleton: the "skeleton-gaps" analyzer reports quiet periods, stretches of at least `min-gap`
 * in which none of the selected events happens, as findings.
 *
 * What every analyzer does, shown small: it runs once per instance, after the sources, on the
 * sorted timeline (the same order on every run); it reads events with the accessors of event.h,
 * selects them with the selector language every analyzer shares, and adds findings (and here a
 * tag) that the exporters write. Everything it allocates is its own to free. */
#include "skeleton.h"

static const TwOptionSpec gaps_options[] = {
    {.name = "min-gap",
     .type = TW_OPTION_DURATION,
     .default_value = "30d",
     .help = "The shortest quiet period that is reported (90d, 12h, 1h30m)."},
    {.name = "select",
     .type = TW_OPTION_STRING,
     .default_value = "*",
     .help = "Which events count, in the selector language (tag:release and not kind:rumour)."},
    {.name = "tag",
     .type = TW_OPTION_STRING,
     .help = "Also tag the event that ends each quiet period with this tag."},
    {.name = NULL},
};

static char *
date_text(const TwEvent *event)
{
  TwDate date;
  tw_event_get_date(event, &date);
  return tw_date_format(&date);
}

static void
report_gap(TwAnalyzer *analyzer, TwTimeline *timeline, guint before, guint after, gint64 gap)
{
  const TwEvent *a = tw_timeline_get_event(timeline, before);
  const TwEvent *b = tw_timeline_get_event(timeline, after);
  g_autofree char *length = tw_duration_format(gap);
  g_autofree char *a_date = date_text(a);
  g_autofree char *b_date = date_text(b);
  g_autofree char *summary =
      g_strdup_printf("%s without events between %s (%s) and %s (%s)", length,
                      tw_event_get_title(a), a_date, tw_event_get_title(b), b_date);

  /* The timeline owns the finding and copies every string given to it. */
  TwFinding *finding =
      tw_timeline_add_finding(timeline, tw_analyzer_get_name(analyzer), "gap", "gap", summary);
  tw_finding_add_event(finding, timeline, before);
  tw_finding_add_event(finding, timeline, after);
  tw_finding_set_attribute(finding, "gap", length);
  char from[TW_TIME_FORMAT_SIZE], to[TW_TIME_FORMAT_SIZE];
  tw_time_format(tw_event_get_end(a), NULL, tw_event_is_floating(a), from);
  tw_time_format(tw_event_get_start(b), NULL, tw_event_is_floating(b), to);
  tw_finding_set_attribute(finding, "from", from);
  tw_finding_set_attribute(finding, "to", to);
}

/* Options are checked against their types before the run; a selector's syntax is ours to
 * check, and its error says where the mistake is and names the option in quotes (so that a
 * spec's error points at its line). */
static TwSelector *
compile_select(const TwOptions *options, GError **error)
{
  TwSelector *select = tw_selector_compile(tw_options_get_string(options, "select"), error);
  if (!select)
    g_prefix_error(error, "skeleton-gaps: option 'select': ");
  return select;
}

/* TwComponentCheck: the selector is refused when the analyzer is added, before any source is
 * read, rather than after. */
static gboolean
gaps_check(const TwOptions *options, GError **error)
{
  g_autoptr(TwSelector) select = compile_select(options, error);
  return select != NULL;
}

static gboolean
gaps_run(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  const TwOptions *options = tw_analyzer_get_options(analyzer);
  gint64 min_gap = tw_options_get_duration(options, "min-gap");
  const char *tag = tw_options_get_string(options, "tag");
  g_autoptr(TwSelector) select = compile_select(options, error);
  if (!select)
    return FALSE;

  /* Events are sorted by start (then end): a quiet period begins when the latest end so far is
   * passed. Fuzzy dates count with their whole interval, so "early 2026-02" keeps the first ten
   * days of February busy. */
  gboolean seen = FALSE;
  guint latest = 0; /* the selected event that ends last so far */
  gint64 latest_end = 0;
  guint n = tw_timeline_get_n_events(timeline);
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    if (!tw_selector_matches(select, event))
      continue;
    gint64 start = tw_event_get_start(event);
    /* An exact instant has end == start: it still occupies its moment. */
    gint64 end = MAX(tw_event_get_end(event), start);
    if (seen && start - latest_end >= min_gap) {
      report_gap(analyzer, timeline, latest, i, start - latest_end);
      if (tag)
        tw_timeline_add_tag(timeline, i, tag);
    }
    if (!seen || end > latest_end) {
      latest = i;
      latest_end = end;
    }
    seen = TRUE;
  }
  return TRUE;
}

const TwAnalyzerInfo skeleton_gaps_analyzer = {
    .name = "skeleton-gaps",
    .summary = "Quiet periods: no selected event for at least min-gap",
    .description =
        "Walks the sorted timeline and reports each stretch of at least min-gap in which none of "
        "the selected events happens, as a finding of kind gap that names the event before and "
        "the event after it, with the gap's length and bounds as attributes. Fuzzy dates count "
        "with their whole interval.",
    .options = gaps_options,
    .run = gaps_run,
    .check = gaps_check,
};
