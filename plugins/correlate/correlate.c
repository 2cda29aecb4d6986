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

/* @value in decimal, in @buffer (at least 21 bytes). Findings are written by the hundred
 * thousand: no printf for them (GString's allocates on every call). */
static const char *
format_number(char *buffer, guint64 value)
{
  char *p = buffer + 20;
  *p = '\0';
  do {
    *--p = (char)('0' + value % 10);
    value /= 10;
  } while (value > 0);
  return p;
}

static void
append_number(GString *out, guint64 value)
{
  char buffer[21];
  g_string_append(out, format_number(buffer, value));
}

static void
set_number(TwFinding *finding, const char *key, guint64 value)
{
  char buffer[21];
  tw_finding_set_attribute(finding, key, format_number(buffer, value));
}

static char *
event_date(const TwTimeline *timeline, guint index)
{
  TwDate date;
  tw_event_get_date(tw_timeline_get_event(timeline, index), &date);
  return tw_date_format_in_zone(&date, tw_timeline_get_output_zone(timeline));
}

/* A rule's text that every finding of it repeats, made once. */
typedef struct {
  char *within;    /* tw_duration_format() of the window */
  char *selectors; /* together: the selectors joined by "; " */
} RuleText;

static void
rule_text_init(RuleText *text, const Rule *rule)
{
  text->within = tw_duration_format(rule->within);
  text->selectors = NULL;
  if (rule->n_selectors > 0) {
    GString *list = g_string_new(NULL);
    for (guint i = 0; i < rule->n_selectors; i++) {
      if (i)
        g_string_append(list, "; ");
      g_string_append(list, tw_selector_get_text(rule->selectors[i]));
    }
    text->selectors = g_string_free(list, FALSE);
  }
}

static void
set_common(TwFinding *finding, const Rule *rule, const RuleText *text)
{
  if (rule->description)
    tw_finding_set_attribute(finding, "description", rule->description);
  if (rule->a)
    tw_finding_set_attribute(finding, "a", tw_selector_get_text(rule->a));
  if (rule->b)
    tw_finding_set_attribute(finding, "b", tw_selector_get_text(rule->b));
  if (text->selectors)
    tw_finding_set_attribute(finding, "selectors", text->selectors);
  if (rule->field.kind != FIELD_NONE)
    tw_finding_set_attribute(finding, "field", rule->field.name);
  tw_finding_set_attribute(finding, "within", text->within);
  if (rule->relation != RELATION_NONE)
    tw_finding_set_attribute(finding, "relation", _tw_correlate_relation_name(rule->relation));
  if (rule->by.kind != FIELD_NONE)
    tw_finding_set_attribute(finding, "by", rule->by.name);
  if (rule->certain)
    tw_finding_set_attribute(finding, "certain", "true");
}

/* The value that would be at @k (below @n) if @values were sorted; rearranges them so that those
 * before @k are no greater (quickselect, median-of-three pivots). */
static gint64
select_nth(gint64 *values, gsize n, gsize k)
{
  gsize lo = 0, hi = n - 1;
  while (lo < hi) {
    gint64 a = values[lo], b = values[lo + (hi - lo) / 2], c = values[hi];
    gint64 pivot = MAX(MIN(a, b), MIN(MAX(a, b), c));
    gsize i = lo, j = hi;
    while (i <= j) {
      while (values[i] < pivot)
        i++;
      while (values[j] > pivot)
        j--;
      if (i <= j) {
        gint64 swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i++;
        if (j == 0)
          break;
        j--;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      break;
  }
  return values[k];
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
write_sequence(TwAnalyzer *analyzer, TwTimeline *timeline, const Rule *rule, const RuleText *text,
               const Results *results)
{
  const GArray *matches = results->matches;
  guint n_certain = 0;
  for (guint i = 0; i < matches->len; i++) {
    const Match *match = &g_array_index(matches, Match, i);
    tw_timeline_add_link(timeline, match->from, match->to, rule->name, match->lag_min,
                         match->lag_max, match->certainty);
    n_certain += match->certainty == TW_CERTAINTY_CERTAIN;
  }

  const char *within = text->within;
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
    g_autofree gint64 *middles = g_new(gint64, matches->len);
    lag_min = G_MAXINT64;
    lag_max = G_MININT64;
    for (guint i = 0; i < matches->len; i++) {
      const Match *match = &g_array_index(matches, Match, i);
      lag_min = MIN(lag_min, match->lag_min);
      lag_max = MAX(lag_max, match->lag_max);
      middles[i] = match->lag_min + (match->lag_max - match->lag_min) / 2;
    }
    guint half = matches->len / 2;
    lag_median = select_nth(middles, matches->len, half);
    if (matches->len % 2 == 0) {
      /* The lower middle is the largest of the values select_nth() left before @half. */
      gint64 lower = middles[0];
      for (guint i = 1; i < half; i++)
        lower = MAX(lower, middles[i]);
      lag_median = lower + (lag_median - lower) / 2;
    }
    g_autofree char *min_text = tw_duration_format(lag_min);
    g_autofree char *median_text = tw_duration_format(lag_median);
    g_autofree char *max_text = tw_duration_format(lag_max);
    g_string_append_printf(summary, "; lag min %s, median %s, max %s", min_text, median_text,
                           max_text);
  }

  TwFinding *finding = tw_timeline_add_finding(timeline, tw_analyzer_get_name(analyzer), rule->name,
                                               "sequence", summary->str);
  /* The linked events in timeline order, each once: a bitmap over the indices they span. */
  if (matches->len > 0) {
    guint low = G_MAXUINT, high = 0;
    for (guint i = 0; i < matches->len; i++) {
      const Match *match = &g_array_index(matches, Match, i);
      low = MIN(low, MIN(match->from, match->to));
      high = MAX(high, MAX(match->from, match->to));
    }
    gsize words = (high - low) / 64 + 1;
    g_autofree guint64 *linked = g_new0(guint64, words);
    for (guint i = 0; i < matches->len; i++) {
      const Match *match = &g_array_index(matches, Match, i);
      linked[(match->from - low) / 64] |= G_GUINT64_CONSTANT(1) << ((match->from - low) % 64);
      linked[(match->to - low) / 64] |= G_GUINT64_CONSTANT(1) << ((match->to - low) % 64);
    }
    for (gsize w = 0; w < words; w++)
      for (guint64 bits = linked[w]; bits; bits &= bits - 1)
        tw_finding_add_event(finding, timeline,
                             low + (guint)(64 * w) + (guint)__builtin_ctzll(bits));
  }

  set_common(finding, rule, text);
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
write_absence(TwAnalyzer *analyzer, TwTimeline *timeline, const Rule *rule, const RuleText *text,
              const Results *results)
{
  const char *within = text->within;
  g_autoptr(GString) summary = g_string_new(NULL);
  for (guint i = 0; i < results->unanswered->len; i++) {
    const Unanswered *item = &g_array_index(results->unanswered, Unanswered, i);
    const TwEvent *event = tw_timeline_get_event(timeline, item->index);
    g_autofree char *date = event_date(timeline, item->index);
    g_string_truncate(summary, 0);
    g_string_append_c(summary, '\'');
    g_string_append(summary, tw_event_get_title(event));
    g_string_append(summary, "' (");
    g_string_append(summary, date);
    g_string_append(summary, "): no B");
    if (rule->by.kind != FIELD_NONE) {
      g_string_append(summary, " with the same ");
      g_string_append(summary, rule->by.name);
    }
    g_string_append(summary, " within ");
    g_string_append(summary, within);
    g_string_append(summary, relation_phrase(rule->relation));
    if (item->certainty == TW_CERTAINTY_POSSIBLE)
      g_string_append(summary, " for certain (only possible ones)");
    if (item->truncated)
      g_string_append(summary, " before the end of the range");
    TwFinding *finding = tw_timeline_add_finding(timeline, tw_analyzer_get_name(analyzer),
                                                 rule->name, "absence", summary->str);
    tw_finding_add_event(finding, timeline, item->index);
    set_common(finding, rule, text);
    tw_finding_set_attribute(finding, "certainty", tw_certainty_to_string(item->certainty));
    if (item->truncated)
      tw_finding_set_attribute(finding, "truncated", "true");
  }
}

static void
write_bursts(TwAnalyzer *analyzer, TwTimeline *timeline, const Rule *rule, const RuleText *text,
             const Results *results)
{
  const char *within = text->within;
  g_autoptr(GString) summary = g_string_new(NULL);
  g_autoptr(GString) values = g_string_new(NULL);
  for (guint i = 0; i < results->bursts->len; i++) {
    const Burst *burst = results->bursts->pdata[i];
    guint n = burst->n_indices;
    g_autofree char *first = event_date(timeline, burst->indices[0]);
    g_autofree char *last = event_date(timeline, burst->indices[n - 1]);
    g_string_truncate(summary, 0);
    switch (rule->type) {
    case RULE_THRESHOLD:
      /* "burst of N A events, at least COUNT within W" */
      g_string_append(summary, "burst of ");
      append_number(summary, n);
      g_string_append(summary, n == 1 ? " A event, at least " : " A events, at least ");
      append_number(summary, rule->count);
      g_string_append(summary, " within ");
      g_string_append(summary, within);
      break;
    case RULE_DISTINCT:
      /* "D distinct FIELD values in N A events, at least COUNT within W" */
      append_number(summary, burst->values->len);
      g_string_append(summary, " distinct ");
      g_string_append(summary, rule->field.name);
      g_string_append(summary, burst->values->len == 1 ? " value in " : " values in ");
      append_number(summary, n);
      g_string_append(summary, n == 1 ? " A event, at least " : " A events, at least ");
      append_number(summary, rule->count);
      g_string_append(summary, " within ");
      g_string_append(summary, within);
      break;
    case RULE_TOGETHER:
      /* "all M selectors within W[ in order], in N events" */
      g_string_append(summary, "all ");
      append_number(summary, rule->n_selectors);
      g_string_append(summary, " selectors within ");
      g_string_append(summary, within);
      g_string_append(summary, rule->ordered ? " in order, in " : ", in ");
      append_number(summary, n);
      g_string_append(summary, n == 1 ? " event" : " events");
      break;
    case RULE_SEQUENCE:
    case RULE_ABSENCE:
      g_assert_not_reached();
    }
    if (strcmp(first, last) == 0) {
      g_string_append(summary, ", on ");
      g_string_append(summary, first);
    } else {
      g_string_append(summary, ", from ");
      g_string_append(summary, first);
      g_string_append(summary, " to ");
      g_string_append(summary, last);
    }
    if (burst->group) {
      g_string_append(summary, " for ");
      g_string_append(summary, rule->by.name);
      g_string_append_c(summary, ' ');
      g_string_append(summary, burst->group);
    }
    if (!burst->certain)
      g_string_append(summary, " (possible)");

    TwFinding *finding =
        tw_timeline_add_finding(timeline, tw_analyzer_get_name(analyzer), rule->name,
                                _tw_correlate_type_name(rule->type), summary->str);
    for (guint k = 0; k < n; k++)
      tw_finding_add_event(finding, timeline, burst->indices[k]);
    set_common(finding, rule, text);
    if (rule->type == RULE_TOGETHER)
      tw_finding_set_attribute(finding, "ordered", rule->ordered ? "true" : "false");
    else
      set_number(finding, "count", rule->count);
    if (burst->group)
      tw_finding_set_attribute(finding, "group", burst->group);
    set_number(finding, "events", n);
    if (rule->type == RULE_DISTINCT) {
      set_number(finding, "distinct", burst->values->len);
      g_string_truncate(values, 0);
      for (guint k = 0; k < burst->values->len; k++) {
        if (k)
          g_string_append(values, "; ");
        g_string_append(values, burst->values->pdata[k]);
      }
      tw_finding_set_attribute(finding, "values", values->str);
    }
    tw_finding_set_attribute(finding, "first", first);
    tw_finding_set_attribute(finding, "last", last);
    tw_finding_set_attribute(
        finding, "certainty",
        tw_certainty_to_string(burst->certain ? TW_CERTAINTY_CERTAIN : TW_CERTAINTY_POSSIBLE));
  }
}

/* TwComponentCheck: a correlate analyzer without rules is refused when it is added, before any
 * source is read (a usage error from `build`); correlate_run makes the same check for callers
 * that run it without adding it. The rules file itself is input: it is read, and its mistakes
 * reported as RULES:LINE, when the analyzer runs. */
static gboolean
correlate_check(const TwOptions *options, GError **error)
{
  if (tw_options_get_path(options, "rules") != NULL)
    return TRUE;
  g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
              "correlate needs a rules file: give rules=FILE");
  return FALSE;
}

gboolean
_tw_correlate_check_run(TwAnalyzer *analyzer, TwComponentCheck check, GError **error)
{
  if (check(tw_analyzer_get_options(analyzer), error))
    return TRUE;
  g_prefix_error(error, "analyzer %s: ", tw_analyzer_get_name(analyzer));
  return FALSE;
}

static gboolean
correlate_run(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  if (!_tw_correlate_check_run(analyzer, correlate_check, error))
    return FALSE;
  const char *path = tw_options_get_path(tw_analyzer_get_options(analyzer), "rules");
  g_autoptr(GPtrArray) rules = _tw_correlate_load_rules(path, error);
  if (rules == NULL)
    return FALSE;

  for (guint r = 0; r < rules->len; r++) {
    const Rule *rule = rules->pdata[r];
    RuleText text;
    rule_text_init(&text, rule);
    Results results = {0};
    results.matches = g_array_new(FALSE, FALSE, sizeof(Match));
    results.unanswered = g_array_new(FALSE, FALSE, sizeof(Unanswered));
    results.bursts = g_ptr_array_new_with_free_func((GDestroyNotify)_tw_correlate_burst_free);
    switch (rule->type) {
    case RULE_SEQUENCE:
      _tw_correlate_run_sequence(rule, timeline, &results);
      write_sequence(analyzer, timeline, rule, &text, &results);
      break;
    case RULE_ABSENCE:
      _tw_correlate_run_sequence(rule, timeline, &results);
      write_absence(analyzer, timeline, rule, &text, &results);
      break;
    case RULE_THRESHOLD:
    case RULE_DISTINCT:
    case RULE_TOGETHER:
      _tw_correlate_run_burst(rule, timeline, &results);
      write_bursts(analyzer, timeline, rule, &text, &results);
      break;
    }
    g_array_free(results.matches, TRUE);
    g_array_free(results.unanswered, TRUE);
    g_ptr_array_free(results.bursts, TRUE);
    g_free(text.within);
    g_free(text.selectors);
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
    .check = correlate_check,
};

static const TwAnalyzerInfo *const correlate_analyzers[] = {
    &correlate_analyzer, &_tw_analyzer_tag, &_tw_analyzer_sessionize, &_tw_analyzer_dedup, NULL};

TW_PLUGIN_DEFINE("correlate", TW_VERSION,
                 "Analyzers: correlation rules, tags, sessions and deduplication", NULL, NULL,
                 correlate_analyzers, NULL)
