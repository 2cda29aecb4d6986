/* timeweave correlate analyzer: runs each rule of a rules file over the sorted timeline and
 * writes its links and findings (docs/analyzers.md). */
#include "correlate.h"

#include <stdlib.h>
#include <string.h>

static void
set_duration(TwFinding *finding, const char *key, gint64 usec)
{
  g_autofree char *text = tw_duration_format(usec);
  tw_finding_set_attribute(finding, key, text);
}

static void
set_number(TwFinding *finding, const char *key, guint64 value)
{
  char text[32];
  g_snprintf(text, sizeof text, "%" G_GUINT64_FORMAT, value);
  tw_finding_set_attribute(finding, key, text);
}

static char *
event_date(const TwTimeline *timeline, guint index)
{
  TwDate date;
  tw_event_get_date(tw_timeline_get_event(timeline, index), &date);
  return tw_date_format(&date);
}

static int
compare_gint64(gconstpointer x, gconstpointer y)
{
  gint64 a = *(const gint64 *)x, b = *(const gint64 *)y;
  return a < b ? -1 : a > b;
}

static int
compare_guint(gconstpointer x, gconstpointer y)
{
  guint a = *(const guint *)x, b = *(const guint *)y;
  return a < b ? -1 : a > b;
}

static void
set_common(TwFinding *finding, const Rule *rule)
{
  if (rule->description)
    tw_finding_set_attribute(finding, "description", rule->description);
  if (rule->a)
    tw_finding_set_attribute(finding, "a", tw_selector_get_text(rule->a));
  if (rule->b)
    tw_finding_set_attribute(finding, "b", tw_selector_get_text(rule->b));
  if (rule->n_selectors > 0) {
    GString *list = g_string_new(NULL);
    for (guint i = 0; i < rule->n_selectors; i++)
      g_string_append_printf(list, "%s%s", i ? "; " : "", tw_selector_get_text(rule->selectors[i]));
    tw_finding_set_attribute(finding, "selectors", list->str);
    g_string_free(list, TRUE);
  }
  if (rule->field.kind != FIELD_NONE)
    tw_finding_set_attribute(finding, "field", rule->field.name);
  set_duration(finding, "within", rule->within);
  if (rule->relation != RELATION_NONE)
    tw_finding_set_attribute(finding, "relation", _tw_correlate_relation_name(rule->relation));
  if (rule->by.kind != FIELD_NONE)
    tw_finding_set_attribute(finding, "by", rule->by.name);
  if (rule->certain)
    tw_finding_set_attribute(finding, "certain", "true");
}

/* " with A before B" and the like, for summaries. */
static const char *
relation_phrase(Relation relation)
{
  static const char *const phrases[] = {
      [RELATION_NONE] = "",
      [RELATION_BEFORE] = ", A ending before B starts",
      [RELATION_MEETS] = ", A ending as B starts",
      [RELATION_OVERLAPS] = ", A overlapping the start of B",
      [RELATION_DURING] = ", A during B",
      [RELATION_STARTS] = ", A starting B",
      [RELATION_FINISHES] = ", A finishing B",
      [RELATION_EQUALS] = ", A equal to B",
  };
  return phrases[relation];
}

static void
write_sequence(TwAnalyzer *analyzer, TwTimeline *timeline, const Rule *rule, const Results *results)
{
  const GArray *matches = results->matches;
  guint n_certain = 0;
  for (guint i = 0; i < matches->len; i++) {
    const Match *match = &g_array_index(matches, Match, i);
    tw_timeline_add_link(timeline, match->from, match->to, rule->name, match->lag_min,
                         match->lag_max, match->certainty);
    n_certain += match->certainty == TW_CERTAINTY_CERTAIN;
  }

  g_autofree char *within = tw_duration_format(rule->within);
  g_autoptr(GString) summary = g_string_new(NULL);
  g_string_append_printf(summary,
                         "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                         " A events followed by B within %s%s%s",
                         results->n_a_followed, results->n_a, within,
                         rule->by.kind != FIELD_NONE ? " with the same " : "",
                         rule->by.kind != FIELD_NONE ? rule->by.name : "");
  g_string_append(summary, relation_phrase(rule->relation));
  g_string_append_printf(summary, ": %u link%s (%u certain, %u possible)", matches->len,
                         matches->len == 1 ? "" : "s", n_certain, matches->len - n_certain);

  gint64 lag_min = 0, lag_max = 0, lag_median = 0;
  if (matches->len > 0) {
    g_autoptr(GArray) middles = g_array_sized_new(FALSE, FALSE, sizeof(gint64), matches->len);
    lag_min = G_MAXINT64;
    lag_max = G_MININT64;
    for (guint i = 0; i < matches->len; i++) {
      const Match *match = &g_array_index(matches, Match, i);
      lag_min = MIN(lag_min, match->lag_min);
      lag_max = MAX(lag_max, match->lag_max);
      gint64 middle = match->lag_min + (match->lag_max - match->lag_min) / 2;
      g_array_append_val(middles, middle);
    }
    g_array_sort(middles, compare_gint64);
    guint half = middles->len / 2;
    if (middles->len % 2)
      lag_median = g_array_index(middles, gint64, half);
    else
      lag_median =
          g_array_index(middles, gint64, half - 1) +
          (g_array_index(middles, gint64, half) - g_array_index(middles, gint64, half - 1)) / 2;
    g_autofree char *min_text = tw_duration_format(lag_min);
    g_autofree char *median_text = tw_duration_format(lag_median);
    g_autofree char *max_text = tw_duration_format(lag_max);
    g_string_append_printf(summary, "; lag min %s, median %s, max %s", min_text, median_text,
                           max_text);
  }

  TwFinding *finding = tw_timeline_add_finding(timeline, tw_analyzer_get_name(analyzer), rule->name,
                                               "sequence", summary->str);
  g_autoptr(GArray) indices = g_array_sized_new(FALSE, FALSE, sizeof(guint), 2 * matches->len);
  for (guint i = 0; i < matches->len; i++) {
    const Match *match = &g_array_index(matches, Match, i);
    g_array_append_val(indices, match->from);
    g_array_append_val(indices, match->to);
  }
  g_array_sort(indices, compare_guint);
  for (guint i = 0; i < indices->len; i++) {
    guint index = g_array_index(indices, guint, i);
    if (i == 0 || index != g_array_index(indices, guint, i - 1))
      tw_finding_add_event(finding, timeline, index);
  }

  set_common(finding, rule);
  tw_finding_set_attribute(finding, "link", rule->link == LINK_FIRST ? "first" : "all");
  set_number(finding, "a_events", results->n_a);
  set_number(finding, "followed", results->n_a_followed);
  set_number(finding, "links", matches->len);
  set_number(finding, "certain_links", n_certain);
  set_number(finding, "possible_links", matches->len - n_certain);
  if (matches->len > 0) {
    set_duration(finding, "lag_min", lag_min);
    set_duration(finding, "lag_median", lag_median);
    set_duration(finding, "lag_max", lag_max);
  }
}

static void
write_absence(TwAnalyzer *analyzer, TwTimeline *timeline, const Rule *rule, const Results *results)
{
  g_autofree char *within = tw_duration_format(rule->within);
  for (guint i = 0; i < results->unanswered->len; i++) {
    const Unanswered *item = &g_array_index(results->unanswered, Unanswered, i);
    const TwEvent *event = tw_timeline_get_event(timeline, item->index);
    g_autofree char *date = event_date(timeline, item->index);
    g_autoptr(GString) summary = g_string_new(NULL);
    g_string_append_printf(summary, "'%s' (%s): no B%s%s within %s%s", tw_event_get_title(event),
                           date, rule->by.kind != FIELD_NONE ? " with the same " : "",
                           rule->by.kind != FIELD_NONE ? rule->by.name : "", within,
                           relation_phrase(rule->relation));
    if (item->certainty == TW_CERTAINTY_POSSIBLE)
      g_string_append(summary, " for certain (only possible ones)");
    if (item->truncated)
      g_string_append(summary, " before the end of the range");
    TwFinding *finding = tw_timeline_add_finding(timeline, tw_analyzer_get_name(analyzer),
                                                 rule->name, "absence", summary->str);
    tw_finding_add_event(finding, timeline, item->index);
    set_common(finding, rule);
    tw_finding_set_attribute(finding, "certainty", tw_certainty_to_string(item->certainty));
    if (item->truncated)
      tw_finding_set_attribute(finding, "truncated", "true");
  }
}

static void
write_bursts(TwAnalyzer *analyzer, TwTimeline *timeline, const Rule *rule, const Results *results)
{
  g_autofree char *within = tw_duration_format(rule->within);
  for (guint i = 0; i < results->bursts->len; i++) {
    const Burst *burst = results->bursts->pdata[i];
    guint n = burst->indices->len;
    g_autofree char *first = event_date(timeline, g_array_index(burst->indices, guint, 0));
    g_autofree char *last = event_date(timeline, g_array_index(burst->indices, guint, n - 1));
    g_autoptr(GString) summary = g_string_new(NULL);
    switch (rule->type) {
    case RULE_THRESHOLD:
      g_string_append_printf(summary,
                             "burst of %u A events, at least %" G_GUINT64_FORMAT " within %s", n,
                             rule->count, within);
      break;
    case RULE_DISTINCT:
      g_string_append_printf(
          summary, "%u distinct %s values in %u A events, at least %" G_GUINT64_FORMAT " within %s",
          burst->values->len, rule->field.name, n, rule->count, within);
      break;
    case RULE_TOGETHER:
      g_string_append_printf(summary, "all %u selectors within %s%s, in %u events",
                             rule->n_selectors, within, rule->ordered ? " in order" : "", n);
      break;
    case RULE_SEQUENCE:
    case RULE_ABSENCE:
      g_assert_not_reached();
    }
    if (strcmp(first, last) == 0)
      g_string_append_printf(summary, ", on %s", first);
    else
      g_string_append_printf(summary, ", from %s to %s", first, last);
    if (burst->group)
      g_string_append_printf(summary, " for %s %s", rule->by.name, burst->group);
    if (!burst->certain)
      g_string_append(summary, " (possible)");

    TwFinding *finding =
        tw_timeline_add_finding(timeline, tw_analyzer_get_name(analyzer), rule->name,
                                _tw_correlate_type_name(rule->type), summary->str);
    for (guint k = 0; k < n; k++)
      tw_finding_add_event(finding, timeline, g_array_index(burst->indices, guint, k));
    set_common(finding, rule);
    if (rule->type == RULE_TOGETHER)
      tw_finding_set_attribute(finding, "ordered", rule->ordered ? "true" : "false");
    else
      set_number(finding, "count", rule->count);
    if (burst->group)
      tw_finding_set_attribute(finding, "group", burst->group);
    set_number(finding, "events", n);
    if (rule->type == RULE_DISTINCT) {
      set_number(finding, "distinct", burst->values->len);
      g_autoptr(GString) values = g_string_new(NULL);
      for (guint k = 0; k < burst->values->len; k++)
        g_string_append_printf(values, "%s%s", k ? "; " : "", (char *)burst->values->pdata[k]);
      tw_finding_set_attribute(finding, "values", values->str);
    }
    tw_finding_set_attribute(finding, "first", first);
    tw_finding_set_attribute(finding, "last", last);
    tw_finding_set_attribute(
        finding, "certainty",
        tw_certainty_to_string(burst->certain ? TW_CERTAINTY_CERTAIN : TW_CERTAINTY_POSSIBLE));
  }
}

static gboolean
correlate_run(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  const TwOptions *options = tw_analyzer_get_options(analyzer);
  const char *path = tw_options_get_path(options, "rules");
  if (path == NULL) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "analyzer %s: correlate needs a rules file: give rules=FILE",
                tw_analyzer_get_name(analyzer));
    return FALSE;
  }
  g_autoptr(GPtrArray) rules = _tw_correlate_load_rules(path, error);
  if (rules == NULL)
    return FALSE;

  for (guint r = 0; r < rules->len; r++) {
    const Rule *rule = rules->pdata[r];
    Results results = {0};
    results.matches = g_array_new(FALSE, FALSE, sizeof(Match));
    results.unanswered = g_array_new(FALSE, FALSE, sizeof(Unanswered));
    results.bursts = g_ptr_array_new_with_free_func((GDestroyNotify)_tw_correlate_burst_free);
    switch (rule->type) {
    case RULE_SEQUENCE:
      _tw_correlate_run_sequence(rule, timeline, &results);
      write_sequence(analyzer, timeline, rule, &results);
      break;
    case RULE_ABSENCE:
      _tw_correlate_run_sequence(rule, timeline, &results);
      write_absence(analyzer, timeline, rule, &results);
      break;
    case RULE_THRESHOLD:
    case RULE_DISTINCT:
    case RULE_TOGETHER:
      _tw_correlate_run_burst(rule, timeline, &results);
      write_bursts(analyzer, timeline, rule, &results);
      break;
    }
    g_array_free(results.matches, TRUE);
    g_array_free(results.unanswered, TRUE);
    g_ptr_array_free(results.bursts, TRUE);
  }
  return TRUE;
}

static const TwOptionSpec correlate_options[] = {
    {.name = "rules",
     .type = TW_OPTION_PATH,
     .help = "The rules file: one [rule NAME] section per rule (sequence, absence, threshold, "
             "distinct, together); see docs/analyzers.md."},
    {.name = NULL},
};

static const TwAnalyzerInfo correlate_analyzer = {
    .name = "correlate",
    .summary = "Links and findings from rules: sequences, absences, bursts, co-occurrences",
    .description =
        "Reads rules from a GKeyFile (rules=FILE) and runs each over the sorted timeline. A "
        "sequence links each event matching `a` to the event matching `b` that follows it within "
        "`within` (optionally `by` a shared field, with one of Allen's relations), and reports "
        "the count and the minimum, median and maximum lag; an absence reports each `a` that no "
        "`b` follows; threshold, distinct and together report maximal bursts of events within "
        "the window. Fuzzy dates are honest: a match that holds for every reading of both dates "
        "is certain, one that holds for some reading is possible.",
    .options = correlate_options,
    .run = correlate_run,
};

static const TwAnalyzerInfo *const correlate_analyzers[] = {
    &correlate_analyzer, &_tw_analyzer_tag, &_tw_analyzer_sessionize, &_tw_analyzer_dedup, NULL};

TW_PLUGIN_DEFINE("correlate", TW_VERSION,
                 "Analyzers: correlation rules, tags, sessions and deduplication", NULL, NULL,
                 correlate_analyzers, NULL)
