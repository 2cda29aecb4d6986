/* timeweave tests: the correlate analyzer (plugins/correlate, docs/analyzers.md).
 *
 * Each test builds a timeline in process through real sinks, loads the built plugin through a
 * registry, runs it with a rules file and compares the links and findings with values worked
 * out by hand (the comments show the arithmetic). A brute-force check compares the sliding
 * window with every pair of a few thousand generated events, and the same events given in
 * other orders and split over several sources must give the same results. */
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <timeweave/timeweave.h>

#include "private.h"
#include "tw-test.h"

static TwRegistry *registry;
static const TwAnalyzerInfo *correlate;
static char *tmp_dir;

/* -- building timelines -- */

/* One event: @date is any tw_date_parse() form; @end (optional) an explicit exclusive end;
 * tags, actors and attributes ("k=v") are `;`-separated. */
typedef struct {
  const char *id;
  const char *date;
  const char *end;
  const char *tags;
  const char *actors;
  const char *attributes;
  const char *kind;
} Ev;

static gint64
instant(const char *text)
{
  TwDate date;
  g_autoptr(GError) error = NULL;
  if (!tw_date_parse(text, NULL, &date, &error))
    g_error("%s", error->message);
  return date.start;
}

static void
add_ev(TwSink *sink, const Ev *ev)
{
  TwDate date;
  g_autoptr(GError) error = NULL;
  if (!tw_date_parse(ev->date, NULL, &date, &error))
    g_error("%s: %s", ev->id, error->message);
  TwEventBuilder *builder = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(builder, &date);
  if (ev->end)
    tw_event_builder_set_end(builder, instant(ev->end));
  tw_event_builder_set_id(builder, ev->id);
  tw_event_builder_set_title(builder, ev->id);
  if (ev->kind)
    tw_event_builder_set_kind(builder, ev->kind);
  g_auto(GStrv) tags = g_strsplit(ev->tags ? ev->tags : "", ";", -1);
  for (guint i = 0; tags[i]; i++)
    if (tags[i][0])
      tw_event_builder_add_tag(builder, tags[i]);
  g_auto(GStrv) actors = g_strsplit(ev->actors ? ev->actors : "", ";", -1);
  for (guint i = 0; actors[i]; i++)
    if (actors[i][0])
      tw_event_builder_add_actor(builder, actors[i]);
  g_auto(GStrv) attributes = g_strsplit(ev->attributes ? ev->attributes : "", ";", -1);
  for (guint i = 0; attributes[i]; i++) {
    if (!attributes[i][0])
      continue;
    g_auto(GStrv) kv = g_strsplit(attributes[i], "=", 2);
    tw_event_builder_set_attribute(builder, kv[0], kv[1]);
  }
  if (!tw_sink_commit(sink, &error))
    g_error("%s: %s", ev->id, error->message);
}

static TwTimeline *
build(const Ev *events, guint n)
{
  TwTimeline *timeline = tw_timeline_new("correlate tests");
  TwSink *sink = tw_timeline_open_sink(timeline, "events", FALSE);
  for (guint i = 0; i < n; i++)
    add_ev(sink, &events[i]);
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  return timeline;
}

/* -- running the analyzer -- */

static char *
write_rules(const char *text)
{
  static guint counter;
  char *path = g_strdup_printf("%s/rules-%u.rules", tmp_dir, ++counter);
  g_autoptr(GError) error = NULL;
  if (!g_file_set_contents(path, text, -1, &error))
    g_error("%s", error->message);
  return path;
}

/* Runs analyzer @name (loaded from the plugin) with options; the findings name it "test". */
static gboolean
run_analyzer(TwTimeline *timeline, const char *name, const char *const *keys,
             const char *const *values, GError **error)
{
  const TwAnalyzerInfo *info = tw_registry_find_analyzer(registry, name);
  g_assert_nonnull(info);
  TwOptions *options = tw_options_new(name, info->options, tmp_dir, keys, values, error);
  if (options == NULL)
    return FALSE;
  struct _TwAnalyzer analyzer = {
      .info = info, .name = (char *)"test", .base_dir = tmp_dir, .options = options};
  gboolean ok = info->run(&analyzer, timeline, error);
  tw_options_free(options);
  return ok;
}

static gboolean
run_rules_file(TwTimeline *timeline, const char *path, GError **error)
{
  const char *keys[] = {"rules", NULL};
  const char *values[] = {path, NULL};
  return run_analyzer(timeline, "correlate", keys, values, error);
}

static void
run_rules(TwTimeline *timeline, const char *rules)
{
  g_autofree char *path = write_rules(rules);
  g_autoptr(GError) error = NULL;
  if (!run_rules_file(timeline, path, &error))
    g_error("%s", error->message);
}

/* -- reading results -- */

/* Every link as "FROM>TO LAGMIN..LAGMAX CERTAINTY", one per line, for rule @rule (or all). */
static char *
links_text(const TwTimeline *timeline, const char *rule)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < tw_timeline_get_n_links(timeline); i++) {
    const TwLink *link = tw_timeline_get_link(timeline, i);
    if (rule && strcmp(tw_link_get_rule(link), rule) != 0)
      continue;
    g_autofree char *lo = tw_duration_format(tw_link_get_lag_min(link));
    g_autofree char *hi = tw_duration_format(tw_link_get_lag_max(link));
    g_string_append_printf(out, "%s>%s %s..%s %s\n", tw_link_get_from(link), tw_link_get_to(link),
                           lo, hi, tw_certainty_to_string(tw_link_get_certainty(link)));
  }
  return g_string_free(out, FALSE);
}

static const char *
finding_attr(const TwFinding *finding, const char *key)
{
  for (guint i = 0; i < tw_finding_get_n_attributes(finding); i++) {
    const TwAttribute *attribute = tw_finding_get_attribute(finding, i);
    if (strcmp(attribute->key, key) == 0)
      return attribute->value;
  }
  return NULL;
}

static char *
finding_events(const TwFinding *finding)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < tw_finding_get_n_events(finding); i++)
    g_string_append_printf(out, "%s%s", i ? " " : "", tw_finding_get_event(finding, i));
  return g_string_free(out, FALSE);
}

/* The findings of @rule, as "KIND [EVENTS] key=value ..." with the given attributes. */
static char *
findings_text(const TwTimeline *timeline, const char *rule, const char *const *attributes)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
    const TwFinding *finding = tw_timeline_get_finding(timeline, i);
    if (strcmp(tw_finding_get_rule(finding), rule) != 0)
      continue;
    g_assert_cmpstr(tw_finding_get_analyzer(finding), ==, "test");
    g_autofree char *events = finding_events(finding);
    g_string_append_printf(out, "%s [%s]", tw_finding_get_kind(finding), events);
    for (guint k = 0; attributes && attributes[k]; k++) {
      const char *value = finding_attr(finding, attributes[k]);
      g_string_append_printf(out, " %s=%s", attributes[k], value ? value : "-");
    }
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}

static const TwFinding *
only_finding(const TwTimeline *timeline, const char *rule)
{
  const TwFinding *found = NULL;
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
    const TwFinding *finding = tw_timeline_get_finding(timeline, i);
    if (strcmp(tw_finding_get_rule(finding), rule) == 0) {
      g_assert_null(found);
      found = finding;
    }
  }
  g_assert_nonnull(found);
  return found;
}

#define SEQ_ATTRS                                                                                  \
  ((const char *const[]){"a_events", "followed", "links", "certain_links", "possible_links",       \
                         "lag_min", "lag_median", "lag_max", NULL})

/* -- sequence and absence with exact dates -- */

static void
test_sequence_window_edge(void)
{
  /* b1 is exactly 10d after a1: in. b2 is 10d and 1us after a2: out. a3 has no B at all. */
  const Ev events[] = {
      {"a1", "2026-01-01T00:00:00Z", .tags = "a"},
      {"b1", "2026-01-11T00:00:00Z", .tags = "b"},
      {"a2", "2026-02-01T00:00:00Z", .tags = "a"},
      {"b2", "2026-02-11T00:00:00.000001Z", .tags = "b"},
      {"a3", "2026-03-01T00:00:00Z", .tags = "a"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule seq]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=10d\n"
                      "[rule gone]\ntype=absence\na=tag:a\nb=tag:b\nwithin=10d\n");
  g_autofree char *links = links_text(timeline, NULL);
  g_assert_cmpstr(links, ==, "a1>b1 10d..10d certain\n");

  g_autofree char *seq = findings_text(timeline, "seq", SEQ_ATTRS);
  g_assert_cmpstr(seq, ==,
                  "sequence [a1 b1] a_events=3 followed=1 links=1 certain_links=1 "
                  "possible_links=0 lag_min=10d lag_median=10d lag_max=10d\n");
  g_assert_cmpstr(tw_finding_get_summary(only_finding(timeline, "seq")), ==,
                  "1 of 3 A events followed by B within 10d: 1 link (1 certain, 0 possible); "
                  "lag min 10d, median 10d, max 10d");

  g_autofree char *gone =
      findings_text(timeline, "gone", (const char *const[]){"certainty", "within", NULL});
  g_assert_cmpstr(gone, ==,
                  "absence [a2] certainty=certain within=10d\n"
                  "absence [a3] certainty=certain within=10d\n");
  tw_timeline_free(timeline);
}

static void
test_sequence_link_modes(void)
{
  /* a1 at 0, b1 at 1h, a2 at 1h30m, b2 at 2h; within 3h. */
  const Ev events[] = {
      {"a1", "2026-01-01T00:00:00Z", .tags = "a"},
      {"b1", "2026-01-01T01:00:00Z", .tags = "b"},
      {"a2", "2026-01-01T01:30:00Z", .tags = "a"},
      {"b2", "2026-01-01T02:00:00Z", .tags = "b"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule first]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=3h\n"
                      "[rule all]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=3h\nlink=all\n");
  /* first: each A to its first B; both As may share... here a1>b1 (1h), a2>b2 (30m). */
  g_autofree char *first = links_text(timeline, "first");
  g_assert_cmpstr(first, ==, "a1>b1 1h..1h certain\na2>b2 30m..30m certain\n");
  /* median of 1h and 30m is their mean, 45m. */
  g_autofree char *first_finding = findings_text(timeline, "first", SEQ_ATTRS);
  g_assert_cmpstr(first_finding, ==,
                  "sequence [a1 b1 a2 b2] a_events=2 followed=2 links=2 certain_links=2 "
                  "possible_links=0 lag_min=30m lag_median=45m lag_max=1h\n");
  /* all: every B in the window, ordered by A then B: lags 1h, 2h, 30m; median 1h. */
  g_autofree char *all = links_text(timeline, "all");
  g_assert_cmpstr(all, ==, "a1>b1 1h..1h certain\na1>b2 2h..2h certain\na2>b2 30m..30m certain\n");
  g_autofree char *all_finding = findings_text(timeline, "all", SEQ_ATTRS);
  g_assert_cmpstr(all_finding, ==,
                  "sequence [a1 b1 a2 b2] a_events=2 followed=2 links=3 certain_links=3 "
                  "possible_links=0 lag_min=30m lag_median=1h lag_max=2h\n");
  tw_timeline_free(timeline);
}

static void
test_sequence_same_selector(void)
{
  /* Events that are both A and B: never linked to themselves; a B at the same instant counts
   * (lag 0), a B before A does not. x1 and x2 share an instant, x3 is a minute later. */
  const Ev events[] = {
      {"x1", "2026-01-01T00:00:00Z", .tags = "x"},
      {"x2", "2026-01-01T00:00:00Z", .tags = "x"},
      {"x3", "2026-01-01T00:01:00Z", .tags = "x"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule self]\ntype=sequence\na=tag:x\nb=tag:x\nwithin=1h\nlink=all\n");
  g_autofree char *links = links_text(timeline, NULL);
  g_assert_cmpstr(links, ==,
                  "x1>x2 0s..0s certain\nx1>x3 1m..1m certain\n"
                  "x2>x1 0s..0s certain\nx2>x3 1m..1m certain\n");
  tw_timeline_free(timeline);
}

static void
test_sequence_by(void)
{
  /* by=actor: an A links only to a B that shares one of its actors; an A without actors is not
   * counted; a4 and b2 share two actors and are linked once. */
  const Ev events[] = {
      {"a1", "2026-01-01T00:00:00Z", .tags = "a", .actors = "alice"},
      {"a2", "2026-01-01T00:00:00Z", .tags = "a", .actors = "bob"},
      {"a3", "2026-01-01T00:10:00Z", .tags = "a"},
      {"a4", "2026-01-01T00:30:00Z", .tags = "a", .actors = "alice;carol"},
      {"b1", "2026-01-01T01:00:00Z", .tags = "b", .actors = "bob"},
      {"b2", "2026-01-01T02:00:00Z", .tags = "b", .actors = "carol;alice"},
      {"b3", "2026-01-01T02:30:00Z", .tags = "b", .actors = "dave"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline,
            "[rule by-actor]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=3h\nby=actor\nlink=all\n"
            "[rule by-first]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=3h\nby=actor\n"
            "[rule by-kind]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=3h\nby=kind\n"
            "[rule lonely]\ntype=absence\na=tag:a\nb=tag:b\nwithin=1h30m\nby=actors\n");
  g_autofree char *all = links_text(timeline, "by-actor");
  g_assert_cmpstr(all, ==,
                  "a1>b2 2h..2h certain\na2>b1 1h..1h certain\na4>b2 1h30m..1h30m certain\n");
  g_autofree char *first = links_text(timeline, "by-first");
  g_assert_cmpstr(first, ==, all);
  g_assert_cmpstr(finding_attr(only_finding(timeline, "by-actor"), "a_events"), ==, "3");
  /* No event has a kind: nothing is in any group. */
  g_autofree char *by_kind = links_text(timeline, "by-kind");
  g_assert_cmpstr(by_kind, ==, "");
  g_assert_cmpstr(finding_attr(only_finding(timeline, "by-kind"), "a_events"), ==, "0");
  /* Within 1h30m: a1 (alice) waits 2h for b2; a2 gets b1 after 1h; a4 gets b2 after 1h30m. */
  g_autofree char *lonely = findings_text(timeline, "lonely", (const char *const[]){"by", NULL});
  g_assert_cmpstr(lonely, ==, "absence [a1] by=actors\n");
  tw_timeline_free(timeline);
}

/* -- Allen's relations on definite intervals -- */

static void
test_relations(void)
{
  /* A lasts 10:00-11:00. Each B stands in one relation to it. */
  const Ev events[] = {
      {"a", "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", .tags = "a"},
      {"b-before", "2026-01-01T11:30:00Z", "2026-01-01T12:00:00Z", .tags = "b"},
      {"b-meets", "2026-01-01T11:00:00Z", "2026-01-01T12:00:00Z", .tags = "b"},
      {"b-overlaps", "2026-01-01T10:30:00Z", "2026-01-01T11:30:00Z", .tags = "b"},
      {"b-starts", "2026-01-01T10:00:00Z", "2026-01-01T12:00:00Z", .tags = "b"},
      {"b-during", "2026-01-01T09:00:00Z", "2026-01-01T12:00:00Z", .tags = "b"},
      {"b-finishes", "2026-01-01T09:00:00Z", "2026-01-01T11:00:00Z", .tags = "b"},
      {"b-equals", "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z", .tags = "b"},
      {"b-instant", "2026-01-01T10:15:00Z", .tags = "b"},
  };
  static const struct {
    const char *relation;
    const char *links;
  } cases[] = {
      /* before: B starts 1h30m after A starts, after A ends */
      {"before", "a>b-before 1h30m..1h30m certain\n"},
      {"meets", "a>b-meets 1h..1h certain\n"},
      /* overlaps: B starts inside A (30m) and ends after it */
      {"overlaps", "a>b-overlaps 30m..30m certain\n"},
      {"starts", "a>b-starts 0s..0s certain\n"},
      /* during and finishes: B started an hour earlier */
      {"during", "a>b-during -1h..-1h certain\n"},
      {"finishes", "a>b-finishes -1h..-1h certain\n"},
      {"equals", "a>b-equals 0s..0s certain\n"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
    g_autofree char *rules = g_strdup_printf(
        "[rule r]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=3h\nrelation=%s\nlink=all\n",
        cases[i].relation);
    run_rules(timeline, rules);
    g_autofree char *links = links_text(timeline, NULL);
    if (strcmp(links, cases[i].links) != 0)
      g_error("relation %s: got\n%sexpected\n%s", cases[i].relation, links, cases[i].links);
    g_assert_cmpstr(finding_attr(only_finding(timeline, "r"), "relation"), ==, cases[i].relation);
    tw_timeline_free(timeline);
  }

  /* An instant inside A: A is "during"-ed by nothing, but the instant is during A. */
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule r]\ntype=sequence\na=id=b-instant\nb=id=a\nwithin=3h\n"
                      "relation=during\n");
  g_autofree char *links = links_text(timeline, NULL);
  g_assert_cmpstr(links, ==, "b-instant>a -15m..-15m certain\n");
  tw_timeline_free(timeline);

  /* The window bounds the lag both ways: B-during started 1h before A. */
  timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule in]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=1h\nrelation=during\n"
                      "[rule out]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=59m59s\n"
                      "relation=during\n");
  g_autofree char *in = links_text(timeline, "in");
  g_assert_cmpstr(in, ==, "a>b-during -1h..-1h certain\n");
  g_autofree char *out = links_text(timeline, "out");
  g_assert_cmpstr(out, ==, "");
  tw_timeline_free(timeline);
}

/* -- fuzzy dates -- */

static void
test_fuzzy(void)
{
  static const struct {
    const char *a, *b, *within, *relation;
    const char *a_end, *b_end;
    const char *links;
  } cases[] = {
      /* The issue's example: early 2025 is Jan 1 - May 1; 2025-03 is Mar 1 - Apr 1. Lags range
       * from Mar 1 - May 1 = -61d to Apr 1 - Jan 1 = 90d; those that follow within 90d are
       * 0s..90d: possible. */
      {"early 2025", "2025-03", "90d", NULL, NULL, NULL, "a>b 0s..90d possible\n"},
      /* January then March: 28d (Mar 1 - Feb 1) to 90d (Apr 1 - Jan 1), every reading. */
      {"2025-01", "2025-03", "90d", NULL, NULL, NULL, "a>b 28d..90d certain\n"},
      /* ... and one day less: some readings fall outside. */
      {"2025-01", "2025-03", "89d", NULL, NULL, NULL, "a>b 28d..89d possible\n"},
      /* ... and every lag is above 28d (A's instant is before Feb 1): a 28d window never
       * holds, a 29d one may. */
      {"2025-01", "2025-03", "28d", NULL, NULL, NULL, ""},
      {"2025-01", "2025-03", "29d", NULL, NULL, NULL, "a>b 28d..29d possible\n"},
      /* A day, then an instant at its noon: -12h..12h, the half that follows is possible. */
      {"2026-02-13", "2026-02-13T12:00:00", "12h", NULL, NULL, NULL, "a>b 0s..12h possible\n"},
      /* An instant, then the next day: 1h (Feb 13 - 23:00) to 25h (Feb 14 - 23:00, never
       * reached): certain within 25h, possible within 24h. */
      {"2026-02-12T23:00:00", "2026-02-13", "25h", NULL, NULL, NULL, "a>b 1h..1d1h certain\n"},
      {"2026-02-12T23:00:00", "2026-02-13", "24h", NULL, NULL, NULL, "a>b 1h..1d possible\n"},
      /* B (the whole year) sorts before A (a day in it) yet may follow it. */
      {"2025-03-10", "2025", "30d", NULL, NULL, NULL, "a>b 0s..30d possible\n"},
      /* B (a day) sorts before A (the next day): lags from -2d to 0, never reached. */
      {"2025-03-10", "2025-03-09", "30d", NULL, NULL, NULL, ""},
      /* A month that lies inside B's exact interval (Jan 15 - Mar 15) is certainly during it:
       * lags Jan 15 - Mar 1 = -45d to Jan 15 - Feb 1 = -17d. */
      {"2026-02", "2026-01-15T00:00:00", "60d", "during", NULL, "2026-03-15T00:00:00",
       "a>b -45d..-17d certain\n"},
      /* If B starts Feb 10, the month may or may not be during it: -19d..0s. */
      {"2026-02", "2026-02-10T00:00:00", "60d", "during", NULL, "2026-03-15T00:00:00",
       "a>b -19d..0s possible\n"},
      /* A month is an instant somewhere in it: it never lasts, so B cannot be during it. */
      {"2026-01-15T00:00:00", "2026-02", "60d", "during", "2026-03-15T00:00:00", NULL, ""},
      /* Two fuzzy events are possibly equal (the same instant), never certainly. */
      {"2026-02", "2026-02-10", "60d", "equals", NULL, NULL, "a>b 0s..0s possible\n"},
      /* An exact interval meets a day that starts at its end: possible (the day's event may be
       * later in the day). */
      {"2026-02-09T18:00:00", "2026-02-10", "1d", "meets", "2026-02-10T00:00:00", NULL,
       "a>b 6h..6h possible\n"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const Ev events[] = {
        {"a", cases[i].a, cases[i].a_end, .tags = "a"},
        {"b", cases[i].b, cases[i].b_end, .tags = "b"},
    };
    TwTimeline *timeline = build(events, 2);
    g_autofree char *rules = g_strdup_printf(
        "[rule r]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=%s\n%s%s%s"
        "[rule sure]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=%s\ncertain=true\n%s%s%s",
        cases[i].within, cases[i].relation ? "relation=" : "",
        cases[i].relation ? cases[i].relation : "", cases[i].relation ? "\n" : "", cases[i].within,
        cases[i].relation ? "relation=" : "", cases[i].relation ? cases[i].relation : "",
        cases[i].relation ? "\n" : "");
    run_rules(timeline, rules);
    g_autofree char *links = links_text(timeline, "r");
    if (strcmp(links, cases[i].links) != 0)
      g_error("case %u (%s, %s, %s): got '%s', expected '%s'", i, cases[i].a, cases[i].b,
              cases[i].within, links, cases[i].links);
    /* certain=true keeps only the certain links. */
    g_autofree char *sure = links_text(timeline, "sure");
    if (strstr(cases[i].links, "certain"))
      g_assert_cmpstr(sure, ==, cases[i].links);
    else
      g_assert_cmpstr(sure, ==, "");
    tw_timeline_free(timeline);
  }
}

static void
test_absence_fuzzy(void)
{
  /* a1 (early 2025) is only possibly answered by b1 (2025-03); a2 (2025-06) not at all within
   * 30d; a3 (2025-09-01) certainly by b3 (2025-09-10). Without certain=true only a2 is
   * reported; with it a1 too, as possibly unanswered. */
  const Ev events[] = {
      {"a1", "early 2025", .tags = "a"}, {"b1", "2025-03", .tags = "b"},
      {"a2", "2025-06", .tags = "a"},    {"a3", "2025-09-01", .tags = "a"},
      {"b3", "2025-09-10", .tags = "b"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule any]\ntype=absence\na=tag:a\nb=tag:b\nwithin=30d\n"
                      "[rule sure]\ntype=absence\na=tag:a\nb=tag:b\nwithin=30d\ncertain=true\n");
  const char *const attrs[] = {"certainty", NULL};
  g_autofree char *any = findings_text(timeline, "any", attrs);
  g_assert_cmpstr(any, ==, "absence [a2] certainty=certain\n");
  g_autofree char *sure = findings_text(timeline, "sure", attrs);
  g_assert_cmpstr(sure, ==, "absence [a1] certainty=possible\nabsence [a2] certainty=certain\n");
  g_assert_cmpstr(tw_finding_get_summary(tw_timeline_get_finding(timeline, 1)), ==,
                  "'a1' (early 2025): no B within 30d for certain (only possible ones)");
  tw_timeline_free(timeline);

  /* With a range, an A whose window reaches past its end is marked: the answer may lie
   * outside. */
  timeline = tw_timeline_new("range");
  tw_timeline_set_range(timeline, instant("2025-01-01"), instant("2025-07-01"));
  TwSink *sink = tw_timeline_open_sink(timeline, "events", FALSE);
  for (guint i = 0; i < G_N_ELEMENTS(events); i++)
    add_ev(sink, &events[i]);
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  run_rules(timeline, "[rule any]\ntype=absence\na=tag:a\nb=tag:b\nwithin=30d\n");
  g_autofree char *ranged =
      findings_text(timeline, "any", (const char *const[]){"truncated", NULL});
  g_assert_cmpstr(ranged, ==, "absence [a2] truncated=true\n");
  tw_timeline_free(timeline);

  /* A range that ends at the deadline: a B there would follow the exact A (7 days after it)
   * but not the day before it (whose instant is before February 1), whose window lies inside
   * the range. */
  const Ev edge[] = {
      {"day", "2025-01-31", .tags = "a"},
      {"exact", "2025-02-01T00:00:00Z", .tags = "a"},
  };
  timeline = tw_timeline_new("range");
  tw_timeline_set_range(timeline, instant("2025-01-01"), instant("2025-02-08"));
  sink = tw_timeline_open_sink(timeline, "events", FALSE);
  for (guint i = 0; i < G_N_ELEMENTS(edge); i++)
    add_ev(sink, &edge[i]);
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  run_rules(timeline, "[rule any]\ntype=absence\na=tag:a\nb=tag:b\nwithin=7d\n");
  g_autofree char *edged = findings_text(timeline, "any", (const char *const[]){"truncated", NULL});
  g_assert_cmpstr(edged, ==, "absence [day] truncated=-\nabsence [exact] truncated=true\n");
  tw_timeline_free(timeline);

  /* With a relation, a B that answers starts no later than the relation lets it (meets: as
   * the hour-long A ends; during: before A starts), however long the window: a range that ends
   * after that and before the window's end truncates nothing. It still truncates an A whose
   * answer could start past the range's end (the A that ends after it), and a fuzzy A, which
   * nothing meets, never. */
  const Ev hour[] = {
      {"hour", "2025-02-01T00:00:00Z", "2025-02-01T01:00:00Z", .tags = "a"},
      {"late", "2025-02-02T23:30:00Z", "2025-02-03T00:30:00Z", .tags = "a"},
      {"fuzzy", "2025-02-01", .tags = "a"},
  };
  static const struct {
    const char *relation;
    const char *expected;
  } relations[] = {
      {"meets", "absence [hour] truncated=-\nabsence [fuzzy] truncated=-\nabsence [late] "
                "truncated=true\n"},
      {"during", "absence [hour] truncated=-\nabsence [fuzzy] truncated=-\nabsence [late] "
                 "truncated=-\n"},
      {"before", "absence [hour] truncated=true\nabsence [fuzzy] truncated=true\nabsence [late] "
                 "truncated=true\n"},
  };
  for (guint r = 0; r < G_N_ELEMENTS(relations); r++) {
    timeline = tw_timeline_new("range");
    tw_timeline_set_range(timeline, instant("2025-01-01"), instant("2025-02-03"));
    sink = tw_timeline_open_sink(timeline, "events", FALSE);
    for (guint i = 0; i < G_N_ELEMENTS(hour); i++)
      add_ev(sink, &hour[i]);
    tw_sink_close(sink);
    tw_timeline_finish(timeline);
    g_autofree char *rules =
        g_strdup_printf("[rule any]\ntype=absence\na=tag:a\nb=tag:b\nwithin=7d\nrelation=%s\n",
                        relations[r].relation);
    run_rules(timeline, rules);
    g_autofree char *text =
        findings_text(timeline, "any", (const char *const[]){"truncated", NULL});
    g_assert_cmpstr(text, ==, relations[r].expected);
    tw_timeline_free(timeline);
  }
}

/* -- bursts -- */

static void
test_threshold(void)
{
  const Ev events[] = {
      {"al0", "2026-01-01T00:00:00Z", .tags = "login", .actors = "alice"},
      {"al1", "2026-01-01T00:01:00Z", .tags = "login", .actors = "alice"},
      {"bo1", "2026-01-01T00:01:30Z", .tags = "login", .actors = "bob"},
      {"al2", "2026-01-01T00:02:00Z", .tags = "login", .actors = "alice"},
      {"bo2", "2026-01-01T00:02:30Z", .tags = "login", .actors = "bob"},
      {"al3", "2026-01-01T00:03:00Z", .tags = "login", .actors = "alice"},
      {"al20", "2026-01-01T00:20:00Z", .tags = "login", .actors = "alice"},
      {"al21", "2026-01-01T00:21:00Z", .tags = "login", .actors = "alice"},
      {"al22", "2026-01-01T00:22:00.000001Z", .tags = "login", .actors = "alice"},
      {"other", "2026-01-01T00:02:10Z", .tags = "logout", .actors = "alice"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule per-user]\ntype=threshold\na=tag:login\ncount=3\nwithin=2m\nby=actor\n"
                      "[rule everyone]\ntype=threshold\na=tag:login\ncount=3\nwithin=2m\n");
  const char *const attrs[] = {"group", "events", "first", "last", "certainty", NULL};
  /* alice: 0-1-2m (exactly 2m: in) and 1-2-3m; 20-21-22m+1us is 1us too long. bob: 2 only. */
  g_autofree char *per_user = findings_text(timeline, "per-user", attrs);
  g_assert_cmpstr(per_user, ==,
                  "threshold [al0 al1 al2 al3] group=alice events=4 first=2026-01-01T00:00:00Z "
                  "last=2026-01-01T00:03:00Z certainty=certain\n");
  /* Everyone: the six logins of the first minutes form one burst; the late ones stay out. */
  g_autofree char *everyone = findings_text(timeline, "everyone", attrs);
  g_assert_cmpstr(everyone, ==,
                  "threshold [al0 al1 bo1 al2 bo2 al3] group=- events=6 "
                  "first=2026-01-01T00:00:00Z last=2026-01-01T00:03:00Z certainty=certain\n");
  g_assert_cmpstr(tw_finding_get_summary(only_finding(timeline, "everyone")), ==,
                  "burst of 6 A events, at least 3 within 2m, from 2026-01-01T00:00:00Z to "
                  "2026-01-01T00:03:00Z");
  tw_timeline_free(timeline);

  /* Fuzzy: a day, its noon and 06:00 the next day. Possibly within 18h (the day's event at
   * 12:00 or later), certainly only within 30h (from the day's start to 06:00 next day). */
  const Ev fuzzy[] = {
      {"day", "2026-02-13", .tags = "x"},
      {"noon", "2026-02-13T12:00:00", .tags = "x"},
      {"next", "2026-02-14T06:00:00", .tags = "x"},
  };
  static const struct {
    const char *within;
    const char *expected;
  } cases[] = {
      {"17h59m", ""},
      {"18h", "threshold [day noon next] certainty=possible\n"},
      {"29h", "threshold [day noon next] certainty=possible\n"},
      {"30h", "threshold [day noon next] certainty=certain\n"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    timeline = build(fuzzy, G_N_ELEMENTS(fuzzy));
    g_autofree char *rules =
        g_strdup_printf("[rule t]\ntype=threshold\na=tag:x\ncount=3\nwithin=%s\n"
                        "[rule sure]\ntype=threshold\na=tag:x\ncount=3\nwithin=%s\ncertain=true\n",
                        cases[i].within, cases[i].within);
    run_rules(timeline, rules);
    g_autofree char *got = findings_text(timeline, "t", (const char *const[]){"certainty", NULL});
    g_assert_cmpstr(got, ==, cases[i].expected);
    g_autofree char *sure =
        findings_text(timeline, "sure", (const char *const[]){"certainty", NULL});
    g_assert_cmpstr(sure, ==, strstr(cases[i].expected, "=certain") ? cases[i].expected : "");
    tw_timeline_free(timeline);
  }
}

static const TwEvent *
finding_event(const TwTimeline *timeline, const TwFinding *finding, guint index)
{
  gint found = tw_timeline_find_event(timeline, tw_finding_get_event(finding, index));
  g_assert_cmpint(found, >=, 0);
  return tw_timeline_get_event(timeline, (guint)found);
}

/* Whether some 3 of @finding's events (with 3 distinct hosts when @distinct) are certainly
 * within @within: for some earliest start L, they start at L or later and certainly end by L +
 * within (an event of exact precision at its start, a coarser one at the end of its period).
 * Every subset's L is one of their starts. */
static gboolean
three_certainly_within(const TwTimeline *timeline, const TwFinding *finding, gint64 within,
                       gboolean distinct)
{
  guint n = tw_finding_get_n_events(finding);
  for (guint a = 0; a < n; a++) {
    const TwEvent *anchor = finding_event(timeline, finding, a);
    gint64 from = tw_event_get_start(anchor);
    g_autoptr(GHashTable) hosts = g_hash_table_new(g_str_hash, g_str_equal);
    guint inside = 0;
    for (guint k = 0; k < n; k++) {
      const TwEvent *e = finding_event(timeline, finding, k);
      gint64 latest = tw_event_get_precision(e) == TW_PRECISION_EXACT ? tw_event_get_start(e)
                                                                      : tw_event_get_end(e);
      if (tw_event_get_start(e) >= from && latest <= from + within) {
        inside++;
        g_hash_table_add(hosts, (gpointer)tw_event_lookup_attribute(e, "host"));
      }
    }
    if ((distinct ? g_hash_table_size(hosts) : inside) >= 3)
      return TRUE;
  }
  return FALSE;
}

/* A coarse-dated event among fine ones: the pass's certain windows are runs of consecutive
 * events, which the day's event ends (its latest instant is a day away), but the events on either
 * side of it are certainly within the window, and the burst says so. */
static void
test_burst_coarse_inside(void)
{
  const Ev events[] = {
      {"m0", "2026-01-01T00:00:00Z", .tags = "x", .attributes = "host=h1"},
      {"day", "2026-01-01", .tags = "x", .attributes = "host=h9"},
      {"m10", "2026-01-01T00:10:00Z", .tags = "x", .attributes = "host=h2"},
      {"m20", "2026-01-01T00:20:00Z", .tags = "x", .attributes = "host=h3"},
  };
  const char *rules = "[rule t]\ntype=threshold\na=tag:x\ncount=3\nwithin=1h\n"
                      "[rule d]\ntype=distinct\na=tag:x\nfield=host\ncount=3\nwithin=1h\n"
                      "[rule near]\ntype=threshold\na=tag:x\ncount=3\nwithin=15m\n";
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, rules);
  const char *const attrs[] = {"certainty", NULL};
  g_autofree char *t = findings_text(timeline, "t", attrs);
  g_assert_cmpstr(t, ==, "threshold [m0 day m10 m20] certainty=certain\n");
  g_autofree char *d = findings_text(timeline, "d", attrs);
  g_assert_cmpstr(d, ==, "distinct [m0 day m10 m20] certainty=certain\n");
  /* Within 15m, three of them only possibly: m0 and m10, or m10 and m20, with the day's event
   * read as an instant between them; no three are certainly within 15m. */
  g_autofree char *near = findings_text(timeline, "near", attrs);
  g_assert_cmpstr(near, ==, "threshold [m0 day m10 m20] certainty=possible\n");
  tw_timeline_free(timeline);

  /* Against every anchor, on random timelines of seconds, minutes, hours and days. */
  static const char *const windows[] = {"10m", "1h", "3h"};
  static const gint64 window_us[] = {G_GINT64_CONSTANT(600000000), G_GINT64_CONSTANT(3600000000),
                                     G_GINT64_CONSTANT(10800000000)};
  guint certain = 0, possible = 0;
  for (guint trial = 0; trial < 300; trial++) {
    g_autoptr(GRand) rand = g_rand_new_with_seed(trial);
    Ev random[10];
    char ids[10][8], dates[10][32];
    static const char *const hosts[] = {"host=h1", "host=h2", "host=h3", "host=h4"};
    for (guint i = 0; i < G_N_ELEMENTS(random); i++) {
      guint minute = (guint)g_rand_int_range(rand, 0, 6 * 60);
      guint second = (guint)g_rand_int_range(rand, 0, 60);
      gint32 kind = g_rand_int_range(rand, 0, 10);
      g_snprintf(ids[i], sizeof ids[i], "e%u", i);
      if (kind < 6)
        g_snprintf(dates[i], sizeof dates[i], "2026-01-01T%02u:%02u:%02uZ", minute / 60,
                   minute % 60, second);
      else if (kind < 8)
        g_snprintf(dates[i], sizeof dates[i], "2026-01-01T%02u:%02uZ", minute / 60, minute % 60);
      else if (kind < 9)
        g_snprintf(dates[i], sizeof dates[i], "2026-01-01T%02uZ", minute / 60);
      else
        g_snprintf(dates[i], sizeof dates[i], "2026-01-01");
      random[i] = (Ev){ids[i], dates[i], .tags = "x",
                       .attributes = hosts[g_rand_int_range(rand, 0, G_N_ELEMENTS(hosts))]};
    }
    guint w = trial % G_N_ELEMENTS(windows);
    timeline = build(random, G_N_ELEMENTS(random));
    g_autofree char *rule =
        g_strdup_printf("[rule t]\ntype=threshold\na=tag:x\ncount=3\nwithin=%s\n"
                        "[rule d]\ntype=distinct\na=tag:x\nfield=host\ncount=3\nwithin=%s\n",
                        windows[w], windows[w]);
    run_rules(timeline, rule);
    for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
      const TwFinding *finding = tw_timeline_get_finding(timeline, i);
      gboolean distinct = strcmp(tw_finding_get_rule(finding), "d") == 0;
      gboolean want = three_certainly_within(timeline, finding, window_us[w], distinct);
      g_assert_cmpstr(finding_attr(finding, "certainty"), ==, want ? "certain" : "possible");
      certain += want;
      possible += !want;
    }
    tw_timeline_free(timeline);
  }
  /* Both answers were reached. */
  g_assert_cmpuint(certain, >, 20);
  g_assert_cmpuint(possible, >, 20);
}

static void
test_distinct(void)
{
  const Ev events[] = {
      {"l0", "2026-01-01T00:00:00Z", .kind = "login", .actors = "alice", .attributes = "host=h1"},
      {"l1", "2026-01-01T00:01:00Z", .kind = "login", .actors = "alice", .attributes = "host=h2"},
      {"m1", "2026-01-01T00:01:00Z", .kind = "login", .actors = "bob", .attributes = "host=h9"},
      {"l2", "2026-01-01T00:02:00Z", .kind = "login", .actors = "alice", .attributes = "host=h1"},
      {"l3", "2026-01-01T00:03:00Z", .kind = "login", .actors = "alice", .attributes = "host=h3"},
      {"nohost", "2026-01-01T00:03:30Z", .kind = "login", .actors = "alice"},
      {"l9", "2026-01-01T00:09:00Z", .kind = "login", .actors = "alice", .attributes = "host=h4"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule wide]\ntype=distinct\na=kind:login\nfield=host\ncount=3\nwithin=5m\n"
                      "by=actor\n"
                      "[rule narrow]\ntype=distinct\na=kind:login\nfield=host\ncount=3\n"
                      "within=2m\nby=actor\n");
  const char *const attrs[] = {"group", "distinct", "values", "events", NULL};
  /* Within 5m alice reaches h1, h2, h3 (the h4 login is 6m after l3, 9m after l0: the window
   * l3..l9 has only h3 and h4). */
  g_autofree char *wide = findings_text(timeline, "wide", attrs);
  g_assert_cmpstr(wide, ==,
                  "distinct [l0 l1 l2 l3] group=alice distinct=3 values=h1; h2; h3 events=4\n");
  /* Within 2m, 0-2m has h1 and h2 only; 1m-3m has h2, h1, h3. */
  g_autofree char *narrow = findings_text(timeline, "narrow", attrs);
  g_assert_cmpstr(narrow, ==,
                  "distinct [l1 l2 l3] group=alice distinct=3 values=h2; h1; h3 events=3\n");
  tw_timeline_free(timeline);
}

static void
test_together(void)
{
  const Ev events[] = {
      {"x0", "2026-01-01T00:00:00Z", .tags = "x"},   {"y5", "2026-01-01T00:05:00Z", .tags = "y"},
      {"z8", "2026-01-01T00:08:00Z", .tags = "z"},   {"z30", "2026-01-01T00:30:00Z", .tags = "z"},
      {"y35", "2026-01-01T00:35:00Z", .tags = "y"},  {"x50", "2026-01-01T00:50:00Z", .tags = "x"},
      {"z100", "2026-01-01T01:40:00Z", .tags = "z"}, {"y103", "2026-01-01T01:43:00Z", .tags = "y"},
      {"x105", "2026-01-01T01:45:00Z", .tags = "x"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  run_rules(timeline, "[rule any]\ntype=together\nselectors=tag:x;tag:y;tag:z\nwithin=10m\n"
                      "[rule ordered]\ntype=together\nselectors=tag:x; tag:y; tag:z\nwithin=10m\n"
                      "ordered=true\n"
                      "[rule tight]\ntype=together\nselectors=tag:x;tag:y;tag:z\nwithin=8m\n"
                      "[rule short]\ntype=together\nselectors=tag:x;tag:y;tag:z\nwithin=7m59s\n");
  const char *const attrs[] = {"ordered", "certainty", NULL};
  /* z30, y35 and x50 span 20m: no. */
  g_autofree char *any = findings_text(timeline, "any", attrs);
  g_assert_cmpstr(any, ==,
                  "together [x0 y5 z8] ordered=false certainty=certain\n"
                  "together [z100 y103 x105] ordered=false certainty=certain\n");
  g_autofree char *ordered = findings_text(timeline, "ordered", attrs);
  g_assert_cmpstr(ordered, ==, "together [x0 y5 z8] ordered=true certainty=certain\n");
  /* x0..z8 is exactly 8m; z100..x105 is 5m. */
  g_autofree char *tight = findings_text(timeline, "tight", NULL);
  g_assert_cmpstr(tight, ==, "together [x0 y5 z8]\ntogether [z100 y103 x105]\n");
  g_autofree char *in_short = findings_text(timeline, "short", NULL);
  g_assert_cmpstr(in_short, ==, "together [z100 y103 x105]\n");
  tw_timeline_free(timeline);

  /* Fuzzy order: a month, then a day in it, then the next month. In order possibly (the month's
   * event may come before the day), never certainly; in any order certainly within 59d (Jan 1 to
   * Mar 1). */
  const Ev fuzzy[] = {
      {"month", "2026-01", .tags = "x"},
      {"day", "2026-01-20", .tags = "y"},
      {"next", "2026-02", .tags = "z"},
  };
  timeline = build(fuzzy, G_N_ELEMENTS(fuzzy));
  run_rules(timeline, "[rule any]\ntype=together\nselectors=tag:x;tag:y;tag:z\nwithin=59d\n"
                      "[rule ordered]\ntype=together\nselectors=tag:x;tag:y;tag:z\nwithin=59d\n"
                      "ordered=true\n"
                      "[rule reversed]\ntype=together\nselectors=tag:z;tag:y;tag:x\nwithin=59d\n"
                      "ordered=true\n");
  g_autofree char *f_any = findings_text(timeline, "any", attrs);
  g_assert_cmpstr(f_any, ==, "together [month day next] ordered=false certainty=certain\n");
  g_autofree char *f_ordered = findings_text(timeline, "ordered", attrs);
  g_assert_cmpstr(f_ordered, ==, "together [month day next] ordered=true certainty=possible\n");
  g_autofree char *f_reversed = findings_text(timeline, "reversed", attrs);
  g_assert_cmpstr(f_reversed, ==, "");
  tw_timeline_free(timeline);
}

/* -- rules files -- */

static void
test_rules_errors(void)
{
  static const struct {
    const char *text;
    const char *message; /* after "PATH:" */
  } cases[] = {
      {"", "1: no rules: add a [rule NAME] section"},
      {"# nothing\n", "1: no rules: add a [rule NAME] section"},
      {"[rule r]\na=*\n",
       "1: rule 'r': missing key 'type' (sequence, absence, threshold, distinct or together)"},
      {"# c\n[rule r]\ntype=sequence\na=*\nb=*\n", "2: rule 'r': missing key 'within'"},
      {"[rule r]\ntype=sequel\n",
       "2: rule 'r': unknown type 'sequel' (sequence, absence, threshold, distinct or together)"},
      {"[rule r]\ntype=sequence\na=tag:x and (\nb=*\nwithin=1d\n",
       "3: rule 'r': a: selector 'tag:x and (' column 12: expected a term"},
      {"[rule r]\ntype=sequence\na=*\nb=*\nwithin=4 months\n",
       "5: rule 'r': within: '4 months' is not a duration: "},
      {"[rule r]\ntype=sequence\na=*\nb=*\nwithin=-1d\n", "5: rule 'r': within: '-1d' is negative"},
      {"[rule r]\ntype=sequence\na=*\n\nb=*\nwithin=1d\ncount=3\n",
       "7: rule 'r': unknown key 'count' for sequence rules (known: type, description, a, b, "
       "within, by, relation, certain, link)"},
      {"[rule r]\ntype=sequence\na=*\nb=*\nwithin=1d\nrelation=after\n",
       "6: rule 'r': relation: 'after' is not one of before, meets, overlaps, during, starts, "
       "finishes, equals"},
      {"[rule r]\ntype=sequence\na=*\nb=*\nwithin=1d\nlink=best\n",
       "6: rule 'r': link: 'best' is not 'first' or 'all'"},
      {"[rule r]\ntype=absence\na=*\nb=*\nwithin=1d\ncertain=maybe\n",
       "6: rule 'r': certain: 'maybe' is not true or false"},
      {"[rule r]\ntype=threshold\na=*\nwithin=1d\ncount=0\n",
       "5: rule 'r': count: '0' is not a whole number of at least 1"},
      {"[rule r]\ntype=distinct\na=*\nwithin=1d\ncount=2\nfield=a b\n",
       "6: rule 'r': field: 'a b' is not a field name"},
      {"[rule r]\ntype=distinct\na=*\nwithin=1d\ncount=2\nfield=start\n",
       "6: rule 'r': field: 'start' cannot be counted (use a threshold rule)"},
      {"[rule r]\ntype=together\nselectors=tag:x\nwithin=1d\n",
       "3: rule 'r': selectors: give 2 to 64 selectors separated by ';' (got 1)"},
      {"[rule r]\ntype=together\nwithin=1d\nselectors=tag:x;tag:y and\n",
       "4: rule 'r': selectors: selector 'tag:y and' column 10: expected a term"},
      {"[rule r]\ntype=threshold\na=*\ncount=2\nwithin=1d\n[rule r]\n",
       "6: section [rule r] is given twice (first at line 1)"},
      {"[rule r]\ntype=threshold\na=*\na=x\n",
       "4: key 'a' is given twice in [rule r] (first at line 3)"},
      {"[rules]\ntype=threshold\n", "1: section [rules]: rules are sections named [rule NAME]"},
      {"[rule  ]\ntype=threshold\n", "1: section [rule  ]: rules are sections named [rule NAME]"},
      {"type=threshold\n", "1: a key before the first [rule NAME] section"},
      {"[rule r]\ntype threshold\n", "2: expected KEY=VALUE, a [section] or a # comment"},
      {"[rule r\n", "1: a section header must end with ']'"},
      /* A Latin-1 byte is named at its line, as the other mistakes are. */
      {"[rule r]\ntype=threshold\n# caf\xe9\ndescription=x\n",
       "3: not a rules file (not UTF-8 text)"},
      /* What GKeyFile refuses beyond these is named at its line too. */
      {"[rule r]\ntype=threshold\n=*\n", "3: "},
      {"# c\n[rule r]]\ntype=threshold\n", "2: "},
      {"[rule r]\ntype=threshold\n[rule [x]\n", "3: "},
      /* A byte order mark is skipped, as in a spec: the mistake is the one after it. */
      {"\xef\xbb\xbf[rule r]\ntype=threshold\na=*\ncount=1\nwithin=1q\n",
       "5: rule 'r': within: '1q' is not a duration"},
  };
  const Ev events[] = {{"e", "2026-01-01", .tags = "x"}};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    TwTimeline *timeline = build(events, 1);
    g_autofree char *path = write_rules(cases[i].text);
    g_autoptr(GError) error = NULL;
    g_assert_false(run_rules_file(timeline, path, &error));
    g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED);
    g_autofree char *expected = g_strdup_printf("%s:%s", path, cases[i].message);
    if (!g_str_has_prefix(error->message, expected))
      g_error("case %u: got '%s', expected '%s'", i, error->message, expected);
    g_assert_null(strchr(error->message, '\n'));
    /* Nothing was added. */
    g_assert_cmpuint(tw_timeline_get_n_links(timeline), ==, 0);
    g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, 0);
    tw_timeline_free(timeline);
  }

  /* A missing file is refused by the reader with its path; a relative path is taken from the
   * base folder (the spec's), which the core resolves. */
  TwTimeline *timeline = build(events, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename(tmp_dir, "missing.rules", NULL);
  g_assert_false(run_rules_file(timeline, missing, &error));
  g_assert_true(g_str_has_prefix(error->message, missing));
  g_clear_error(&error);
  g_autofree char *relative = write_rules("[rule r]\ntype=threshold\na=*\ncount=1\nwithin=1s\n");
  g_autofree char *base = g_path_get_basename(relative);
  g_assert_true(run_rules_file(timeline, base, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, 1);
  /* A rules file saved as "UTF-8 with BOM" runs as the same file without it. */
  g_autofree char *bom =
      write_rules("\xef\xbb\xbf[rule r2]\ntype=threshold\na=*\ncount=1\nwithin=1s\n");
  g_assert_true(run_rules_file(timeline, bom, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, 2);
  /* One event is one event, not "1 A events". */
  g_assert_true(g_str_has_prefix(tw_finding_get_summary(tw_timeline_get_finding(timeline, 0)),
                                 "burst of 1 A event, at least 1 within 1s"));
  tw_timeline_free(timeline);

  /* Escapes of GKeyFile are not applied to selectors: regular expressions keep `\d`; `\;`
   * is a literal `;` in a list; comments and blank lines are fine anywhere. */
  const Ev titled[] = {{"e", "2026-01-01", .tags = "v1;x;y"}, {"f", "2026-01-01", .tags = "a;b"}};
  timeline = build(titled, 2);
  run_rules(timeline, "# rules\n\n[rule digits]\n# a comment\ntype=threshold\n"
                      "a=tag~\"^v\\d$\"\ncount=1\nwithin=1s\n"
                      "[rule semicolon]\ntype=together\nselectors=tag:x\\;y ; tag:a\\;b\n"
                      "within=1s\n");
  g_autofree char *digits = findings_text(timeline, "digits", NULL);
  g_assert_cmpstr(digits, ==, "threshold [e]\n");
  g_autofree char *semicolon =
      findings_text(timeline, "semicolon", (const char *const[]){"selectors", NULL});
  g_assert_cmpstr(semicolon, ==, "");
  tw_timeline_free(timeline);
}

/* -- against brute force, and independent of input order -- */

/* A small deterministic generator (the tests must not depend on GLib's PRNG across versions). */
static guint64 rng_state;

static guint32
rng(void)
{
  rng_state =
      rng_state * G_GUINT64_CONSTANT(6364136223846793005) + G_GUINT64_CONSTANT(1442695040888963407);
  return (guint32)(rng_state >> 33);
}

typedef struct {
  char id[16];
  char date[64];
  char actors[32];
  char tags[16];
} GenEvent;

static GenEvent *
generate(guint n)
{
  GenEvent *events = g_new0(GenEvent, n);
  rng_state = 42;
  for (guint i = 0; i < n; i++) {
    int month = 1 + (int)(rng() % 12), day = 1 + (int)(rng() % 28);
    int hour = (int)(rng() % 24), minute = (int)(rng() % 60);
    char *date = events[i].date;
    gsize size = sizeof events[i].date;
    g_snprintf(events[i].id, sizeof events[i].id, "g%05u", i);
    /* Half the events exact, the others an hour, a day, a month or a third of one. */
    switch (rng() % 10) {
    case 0:
      g_snprintf(date, size, "2025-%02d-%02dT%02d:00", month, day, hour);
      break;
    case 1:
      g_snprintf(date, size, "2025-%02d-%02d", month, day);
      break;
    case 2:
      g_snprintf(date, size, "2025-%02d", month);
      break;
    case 3:
      g_snprintf(date, size, "early 2025-%02d", month);
      break;
    case 4:
      g_snprintf(date, size, "late 2025-%02d", month);
      break;
    default:
      g_snprintf(date, size, "2025-%02d-%02dT%02d:%02d:00Z", month, day, hour, minute);
      break;
    }
    guint actor = rng() % 40;
    if (rng() % 4 == 0)
      g_snprintf(events[i].actors, sizeof events[i].actors, "u%u;u%u", actor, (actor + 7) % 40);
    else
      g_snprintf(events[i].actors, sizeof events[i].actors, "u%u", actor);
    guint kind = rng() % 3;
    g_strlcpy(events[i].tags, kind == 0 ? "a" : kind == 1 ? "b" : "a;b", sizeof events[i].tags);
  }
  return events;
}

/* Builds the generated events in the order @order gives, over @n_sinks sinks (each event goes
 * to sink i % n_sinks, all named "events", so that the timeline is the same). */
static TwTimeline *
build_generated(const GenEvent *events, const guint *order, guint n, guint n_sinks)
{
  TwTimeline *timeline = tw_timeline_new("generated");
  TwSink **sinks = g_new(TwSink *, n_sinks);
  for (guint s = 0; s < n_sinks; s++)
    sinks[s] = tw_timeline_open_sink(timeline, "events", FALSE);
  for (guint i = 0; i < n; i++) {
    const GenEvent *event = &events[order[i]];
    Ev ev = {event->id, event->date, NULL, event->tags, event->actors, NULL, NULL};
    add_ev(sinks[i % n_sinks], &ev);
  }
  for (guint s = 0; s < n_sinks; s++)
    tw_sink_close(sinks[n_sinks - 1 - s]);
  g_free(sinks);
  tw_timeline_finish(timeline);
  return timeline;
}

static char *
everything_text(const TwTimeline *timeline)
{
  GString *out = g_string_new(NULL);
  g_autofree char *links = links_text(timeline, NULL);
  g_string_append(out, links);
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
    const TwFinding *finding = tw_timeline_get_finding(timeline, i);
    g_autofree char *events = finding_events(finding);
    g_string_append_printf(out, "%s %s %s [%s]", tw_finding_get_rule(finding),
                           tw_finding_get_kind(finding), tw_finding_get_summary(finding), events);
    for (guint k = 0; k < tw_finding_get_n_attributes(finding); k++) {
      const TwAttribute *attribute = tw_finding_get_attribute(finding, k);
      g_string_append_printf(out, " %s=%s", attribute->key, attribute->value);
    }
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}

/* The expected links of a sequence rule (relation none, link=all, by=actor), from every pair,
 * with the definitions of docs/analyzers.md written out plainly: each event started at an
 * instant in [start, end) (at start when exact); a pair is possible when some lag in [0, W] is
 * one of its readings, certain when all are. */
static char *
brute_force(const TwTimeline *timeline, gint64 within)
{
  GString *out = g_string_new(NULL);
  guint n = tw_timeline_get_n_events(timeline);
  g_autofree gboolean *is_a = g_new(gboolean, n);
  g_autofree gboolean *is_b = g_new(gboolean, n);
  g_autofree gboolean *exact = g_new(gboolean, n);
  g_autofree gint64 *start = g_new(gint64, n);
  g_autofree gint64 *latest = g_new(gint64, n);
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    is_a[i] = tw_event_has_tag(event, "a");
    is_b[i] = tw_event_has_tag(event, "b");
    exact[i] = tw_event_get_precision(event) == TW_PRECISION_EXACT;
    start[i] = tw_event_get_start(event);
    latest[i] = exact[i] ? start[i] : tw_event_get_end(event);
  }
  /* The generated spans are at most a month: a B more than 32 days before A, or more than
   * the window and 32 days after it, cannot match; the timeline is sorted by start. */
  const gint64 slack = 32 * TW_USEC_PER_DAY;
  guint first_j = 0;
  for (guint i = 0; i < n; i++) {
    if (!is_a[i])
      continue;
    while (start[first_j] < start[i] - slack)
      first_j++;
    const TwEvent *a = tw_timeline_get_event(timeline, i);
    for (guint j = first_j; j < n && start[j] <= start[i] + within + slack; j++) {
      if (j == i || !is_b[j])
        continue;
      /* Readings' lags: from lo (reached only if A is exact) to hi (reached only if B is).
       * Do they meet [0, within]? */
      gint64 lo = start[j] - latest[i];
      gint64 hi = latest[j] - start[i];
      gboolean meets_low = hi > 0 || (hi == 0 && exact[j]);
      gboolean meets_high = lo < within || (lo == within && exact[i]);
      if (!meets_low || !meets_high)
        continue;
      const TwEvent *b = tw_timeline_get_event(timeline, j);
      gboolean shared = FALSE;
      for (guint x = 0; x < tw_event_get_n_actors(a); x++)
        for (guint y = 0; y < tw_event_get_n_actors(b); y++)
          shared |= strcmp(tw_event_get_actor(a, x), tw_event_get_actor(b, y)) == 0;
      if (!shared)
        continue;
      gboolean certain = lo >= 0 && hi <= within;
      g_autofree char *lag_min = tw_duration_format(MAX(lo, 0));
      g_autofree char *lag_max = tw_duration_format(MIN(hi, within));
      g_string_append_printf(out, "%s>%s %s..%s %s\n", tw_event_get_id(a), tw_event_get_id(b),
                             lag_min, lag_max, certain ? "certain" : "possible");
    }
  }
  return g_string_free(out, FALSE);
}

static void
test_brute_force_and_order(void)
{
  const guint n = 8000;
  g_autofree GenEvent *events = generate(n);
  g_autofree guint *order = g_new(guint, n);
  for (guint i = 0; i < n; i++)
    order[i] = i;
  TwTimeline *timeline = build_generated(events, order, n, 1);

  static const char *const windows[] = {"1h", "2d", "12d"};
  for (guint w = 0; w < G_N_ELEMENTS(windows); w++) {
    TwTimeline *copy = build_generated(events, order, n, 1);
    g_autofree char *rules = g_strdup_printf(
        "[rule r]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=%s\nby=actor\nlink=all\n", windows[w]);
    run_rules(copy, rules);
    gint64 within;
    g_assert_true(tw_duration_parse(windows[w], &within, NULL));
    g_autofree char *expected = brute_force(copy, within);
    g_autofree char *got = links_text(copy, NULL);
    g_assert_cmpuint(strlen(expected), >, 0);
    g_assert_cmpstr(got, ==, expected);
    tw_timeline_free(copy);
  }
  tw_timeline_free(timeline);

  /* Thousands of small groups, most never seen again: the queues of finished groups must be
   * swept away (memory bounded by the window) without losing a link. Pair k is an A at minute
   * 2k and a B one minute later, with actor u<k>; every fifth B comes a microsecond late. */
  const guint pairs = 5000;
  timeline = tw_timeline_new("groups");
  TwSink *sink = tw_timeline_open_sink(timeline, "events", FALSE);
  GString *expected = g_string_new(NULL);
  for (guint k = 0; k < pairs; k++) {
    gint64 t = instant("2026-01-01T00:00:00Z") + (gint64)k * 120 * TW_USEC_PER_SEC;
    gint64 late = k % 5 == 0 ? 1 : 0;
    g_autofree char *actor = g_strdup_printf("u%u", k);
    g_autofree char *a_id = g_strdup_printf("a%05u", k);
    g_autofree char *b_id = g_strdup_printf("b%05u", k);
    TwDate date;
    tw_date_from_unix_usec(t, &date);
    TwEventBuilder *builder = tw_sink_begin(sink, NULL, 0);
    tw_event_builder_set_date(builder, &date);
    tw_event_builder_set_id(builder, a_id);
    tw_event_builder_set_title(builder, a_id);
    tw_event_builder_add_tag(builder, "a");
    tw_event_builder_add_actor(builder, actor);
    g_assert_true(tw_sink_commit(sink, NULL));
    tw_date_from_unix_usec(t + 60 * TW_USEC_PER_SEC + late, &date);
    builder = tw_sink_begin(sink, NULL, 0);
    tw_event_builder_set_date(builder, &date);
    tw_event_builder_set_id(builder, b_id);
    tw_event_builder_set_title(builder, b_id);
    tw_event_builder_add_tag(builder, "b");
    tw_event_builder_add_actor(builder, actor);
    g_assert_true(tw_sink_commit(sink, NULL));
    if (!late)
      g_string_append_printf(expected, "%s>%s 1m..1m certain\n", a_id, b_id);
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  run_rules(timeline, "[rule r]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=1m\nby=actor\n"
                      "[rule gone]\ntype=absence\na=tag:a\nb=tag:b\nwithin=1m\nby=actor\n"
                      "[rule pair]\ntype=threshold\na=*\ncount=2\nwithin=1m\nby=actor\n");
  g_autofree char *group_links = links_text(timeline, "r");
  g_assert_cmpstr(group_links, ==, expected->str);
  g_string_free(expected, TRUE);
  g_autofree char *gone = findings_text(timeline, "gone", NULL);
  g_assert_cmpuint(strlen(gone), ==, (pairs / 5) * strlen("absence [a00000]\n"));
  g_assert_true(g_str_has_prefix(gone, "absence [a00000]\nabsence [a00005]\n"));
  guint bursts = 0;
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++)
    bursts += strcmp(tw_finding_get_rule(tw_timeline_get_finding(timeline, i)), "pair") == 0;
  g_assert_cmpuint(bursts, ==, pairs - pairs / 5);
  tw_timeline_free(timeline);

  /* Every rule type, on the same events given forward, backward and shuffled over 3 sources. */
  const char *rules =
      "[rule seq]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=3d\nby=actor\n"
      "[rule seq-all]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=6h\nlink=all\nby=actor\n"
      "[rule during]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=20d\n"
      "relation=during\nby=actor\n"
      "[rule gone]\ntype=absence\na=tag:a\nb=tag:b\nwithin=2h\nby=actor\n"
      "[rule burst]\ntype=threshold\na=tag:a\ncount=4\nwithin=5d\nby=actor\n"
      "[rule hosts]\ntype=distinct\na=tag:b\nfield=actor\ncount=6\nwithin=2d\n"
      "[rule trio]\ntype=together\nselectors=tag:a and not tag:b;tag:b and not "
      "tag:a;tag:a and tag:b\nwithin=1d\nordered=true\nby=actor\n";
  g_autofree char *reference = NULL;
  for (guint variant = 0; variant < 3; variant++) {
    for (guint i = 0; i < n; i++)
      order[i] = variant == 1 ? n - 1 - i : i;
    if (variant == 2) {
      rng_state = 7;
      for (guint i = n - 1; i > 0; i--) {
        guint j = rng() % (i + 1);
        guint swap = order[i];
        order[i] = order[j];
        order[j] = swap;
      }
    }
    timeline = build_generated(events, order, n, variant == 2 ? 3 : 1);
    run_rules(timeline, rules);
    g_autofree char *text = everything_text(timeline);
    if (reference == NULL) {
      reference = g_steal_pointer(&text);
      /* Every rule produced something. */
      static const char *const names[] = {"seq",   "seq-all", "during", "gone",
                                          "burst", "hosts",   "trio"};
      for (guint r = 0; r < G_N_ELEMENTS(names); r++) {
        g_autofree char *needle = g_strdup_printf("\n%s ", names[r]);
        if (strstr(reference, needle) == NULL)
          g_error("rule %s found nothing", names[r]);
      }
    } else {
      g_assert_cmpstr(text, ==, reference);
    }
    tw_timeline_free(timeline);
  }
}

/* -- tag -- */

static char *
tags_text(const TwTimeline *timeline)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    g_string_append_printf(out, "%s:", tw_event_get_id(event));
    for (guint t = 0; t < tw_event_get_n_tags(event); t++)
      g_string_append_printf(out, " %s", tw_event_get_tag(event, t));
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}

static void
test_tag(void)
{
  const Ev events[] = {
      {"e1", "2025-01", .tags = "us;export-control"},
      {"e2", "2025-02", .kind = "launch"},
      {"e3", "2025-03", .tags = "domestic-chip"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  g_autofree char *rules = write_rules("[tag response]\nselect=tag:domestic-chip\n"
                                       "[tag answered]\ndescription=both sides\n"
                                       "select=tag:restriction or tag:response\ntags=story\n");
  /* select= and tag= first, then the file's rules in order: the last sees both. */
  const char *keys[] = {"select", "tag", "rules", NULL};
  const char *values[] = {"tag:us and tag:export-control", "restriction;policy", rules, NULL};
  g_autoptr(GError) error = NULL;
  g_assert_true(run_analyzer(timeline, "tag", keys, values, &error));
  g_assert_no_error(error);
  g_autofree char *tags = tags_text(timeline);
  g_assert_cmpstr(tags, ==,
                  "e1: us export-control restriction policy story\ne2:\n"
                  "e3: domestic-chip response story\n");
  const char *const attrs[] = {"select", "tags", "events", NULL};
  g_autofree char *first = findings_text(timeline, "test", attrs);
  g_assert_cmpstr(first, ==,
                  "tag [] select=tag:us and tag:export-control tags=restriction; policy "
                  "events=1\n");
  g_autofree char *answered = findings_text(timeline, "answered", attrs);
  g_assert_cmpstr(answered, ==,
                  "tag [] select=tag:restriction or tag:response tags=story events=2\n");
  g_assert_cmpstr(tw_finding_get_summary(only_finding(timeline, "answered")), ==,
                  "tagged 2 events with story");
  tw_timeline_free(timeline);

  static const struct {
    const char *select, *tag, *rules; /* rules: the file's text */
    const char *message;              /* after "analyzer test: " or "PATH:" */
  } errors[] = {
      {NULL, NULL, NULL, "analyzer test: tag needs select=SELECTOR and tag=TAG, or rules=FILE"},
      {"*", NULL, NULL,
       "analyzer test: option 'select' of tag: give both select=SELECTOR and tag=TAG"},
      {"tag:", "x", NULL,
       "analyzer test: option 'select' of tag: selector 'tag:' column 5: expected a value "
       "after 'tag:'"},
      {NULL, NULL, "[tag x]\nselect=*\nwhat=1\n",
       "3: tag 'x': unknown key 'what' (known: select, tags, description)"},
      {NULL, NULL, "[tag x]\ntags=a\n", "1: tag 'x': missing key 'select'"},
      {NULL, NULL, "[tag x]\n\nselect=(kind:a\n",
       "3: tag 'x': select: selector '(kind:a' column 8: expected ')' to close the '(' at "
       "column 1"},
      {NULL, NULL, "[tag x]\nselect=*\ntags=;\n", "3: tag 'x': tags: no tag"},
      {NULL, NULL, "[tag x]\nselect=*\n[tag  x]\nselect=kind:a\n", "3: tag 'x' is given twice"},
      {NULL, NULL, "[rule x]\nselect=*\n",
       "1: section [rule x]: tags are sections named [tag NAME]"},
      {NULL, NULL, "select=*\n", "1: a key before the first [tag NAME] section"},
      {NULL, NULL, "# empty\n", "1: no tag rules: add a [tag NAME] section"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(errors); i++) {
    timeline = build(events, G_N_ELEMENTS(events));
    const char *k[4], *v[4];
    guint n = 0;
    g_autofree char *path = errors[i].rules ? write_rules(errors[i].rules) : NULL;
    if (errors[i].select) {
      k[n] = "select";
      v[n++] = errors[i].select;
    }
    if (errors[i].tag) {
      k[n] = "tag";
      v[n++] = errors[i].tag;
    }
    if (path) {
      k[n] = "rules";
      v[n++] = path;
    }
    k[n] = v[n] = NULL;
    g_clear_error(&error);
    g_assert_false(run_analyzer(timeline, "tag", k, v, &error));
    g_autofree char *expected =
        path ? g_strdup_printf("%s:%s", path, errors[i].message) : g_strdup(errors[i].message);
    g_assert_cmpstr(error->message, ==, expected);
    g_autofree char *untouched = tags_text(timeline);
    g_assert_cmpstr(untouched, ==, "e1: us export-control\ne2:\ne3: domestic-chip\n");
    tw_timeline_free(timeline);
  }
}

/* -- the output zone -- */

/* Under --output-zone the findings' dates read as the exported events' do: a burst's and an
 * absence's exact times and a session's are written in the zone, with a qualifier kept; a day
 * and a floating time are wall-clock dates and stay as they are. */
static void
test_findings_output_zone(void)
{
  const Ev events[] = {
      {"l0", "2026-01-01T23:30:00Z", .tags = "login", .actors = "alice"},
      {"l1", "about 2026-01-01T23:40:00Z", .tags = "login", .actors = "alice"},
      {"l2", "2026-01-01T23:50:00.5Z", .tags = "login", .actors = "alice"},
      {"d0", "2026-03-02", .tags = "deploy"},
      {"d1", "2026-03-02", .tags = "deploy"},
      {"f0", "2026-04-01T10:00", .tags = "float"},
      {"f1", "2026-04-01T10:05", .tags = "float"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  GTimeZone *tokyo = tw_zone_new("Asia/Tokyo", NULL);
  g_assert_nonnull(tokyo);
  tw_timeline_set_output_zone(timeline, tokyo);
  g_time_zone_unref(tokyo);
  g_assert_nonnull(tw_timeline_get_output_zone(timeline));
  run_rules(timeline, "[rule logins]\ntype=threshold\na=tag:login\ncount=3\nwithin=1h\n"
                      "[rule deploys]\ntype=threshold\na=tag:deploy\ncount=2\nwithin=1h\n"
                      "[rule floats]\ntype=threshold\na=tag:float\ncount=2\nwithin=1h\n"
                      "[rule unanswered]\ntype=absence\na=id=l0\nb=tag:never\nwithin=1h\n");
  const char *const attrs[] = {"first", "last", NULL};
  g_autofree char *logins = findings_text(timeline, "logins", attrs);
  g_assert_cmpstr(logins, ==,
                  "threshold [l0 l1 l2] first=2026-01-02T08:30:00+09:00 "
                  "last=2026-01-02T08:50:00.500000+09:00\n");
  g_assert_cmpstr(tw_finding_get_summary(only_finding(timeline, "logins")), ==,
                  "burst of 3 A events, at least 3 within 1h, from 2026-01-02T08:30:00+09:00 to "
                  "2026-01-02T08:50:00.500000+09:00");
  g_autofree char *deploys = findings_text(timeline, "deploys", attrs);
  g_assert_cmpstr(deploys, ==, "threshold [d0 d1] first=2026-03-02 last=2026-03-02\n");
  g_autofree char *floats = findings_text(timeline, "floats", attrs);
  g_assert_cmpstr(floats, ==, "threshold [f0 f1] first=2026-04-01T10:00 last=2026-04-01T10:05\n");
  g_assert_nonnull(strstr(tw_finding_get_summary(only_finding(timeline, "unanswered")),
                          "2026-01-02T08:30:00+09:00"));

  /* A session's first and last, and a qualified instant in the zone. */
  const char *keys[] = {"gap", NULL};
  const char *values[] = {"30m", NULL};
  g_autoptr(GError) error = NULL;
  g_assert_true(run_analyzer(timeline, "sessionize", keys, values, &error));
  g_assert_no_error(error);
  gboolean found = FALSE;
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
    const TwFinding *finding = tw_timeline_get_finding(timeline, i);
    if (strcmp(tw_finding_get_kind(finding), "session") != 0 ||
        g_strcmp0(finding_attr(finding, "first"), "2026-01-02T08:30:00+09:00") != 0)
      continue;
    g_assert_cmpstr(finding_attr(finding, "last"), ==, "2026-01-02T08:50:00.500000+09:00");
    found = TRUE;
  }
  g_assert_true(found);
  tw_timeline_free(timeline);
}

/* -- sessionize -- */

static void
test_sessionize(void)
{
  /* gap 30m, by actor. alice: 0, 10m, 25m, 55m (exactly 30m later: same session), then
   * 85m and 1us (more than 30m: a new one). bob: 5m, then 50m (45m later: new). n52 has
   * no actor and takes no part; dave's event is not selected. */
  const Ev events[] = {
      {"a0", "2026-01-01T00:00:00Z", .tags = "x", .actors = "alice"},
      {"b5", "2026-01-01T00:05:00Z", .tags = "x", .actors = "bob"},
      {"a10", "2026-01-01T00:10:00Z", .tags = "x", .actors = "alice"},
      {"a25", "2026-01-01T00:25:00Z", .tags = "x", .actors = "alice"},
      {"d30", "2026-01-01T00:30:00Z", .tags = "y", .actors = "dave"},
      {"b50", "2026-01-01T00:50:00Z", .tags = "x", .actors = "bob"},
      {"n52", "2026-01-01T00:52:00Z", .tags = "x"},
      {"a55", "2026-01-01T00:55:00Z", .tags = "x", .actors = "alice"},
      {"a85", "2026-01-01T01:25:00.000001Z", .tags = "x", .actors = "alice"},
  };
  TwTimeline *timeline = build(events, G_N_ELEMENTS(events));
  const char *keys[] = {"gap", "select", "by", NULL};
  const char *values[] = {"30m", "tag:x", "actor", NULL};
  g_autoptr(GError) error = NULL;
  g_assert_true(run_analyzer(timeline, "sessionize", keys, values, &error));
  g_assert_no_error(error);
  GString *got = g_string_new(NULL);
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
    const TwFinding *finding = tw_timeline_get_finding(timeline, i);
    g_autofree char *ids = finding_events(finding);
    g_string_append_printf(got, "%s %s [%s] %s\n", tw_finding_get_rule(finding),
                           tw_finding_get_kind(finding), ids, finding_attr(finding, "group"));
  }
  g_assert_cmpstr(got->str, ==,
                  "session-1 session [a0 a10 a25 a55] alice\n"
                  "session-2 session [b5] bob\n"
                  "session-3 session [b50] bob\n"
                  "session-4 session [a85] alice\n");
  g_string_free(got, TRUE);
  g_assert_cmpstr(tw_finding_get_summary(tw_timeline_get_finding(timeline, 0)), ==,
                  "session-1: 4 events, from 2026-01-01T00:00:00Z to 2026-01-01T00:55:00Z for "
                  "actor alice");
  g_autofree char *tags = tags_text(timeline);
  g_assert_cmpstr(tags, ==,
                  "a0: x session-1\nb5: x session-2\na10: x session-1\na25: x session-1\n"
                  "d30: y\nb50: x session-3\nn52: x\na55: x session-1\na85: x session-4\n");
  tw_timeline_free(timeline);

  /* min-events drops the short sessions; the numbering counts only the ones kept. */
  timeline = build(events, G_N_ELEMENTS(events));
  const char *keys2[] = {"gap", "select", "by", "min-events", "tag", NULL};
  const char *values2[] = {"30m", "tag:x", "actor", "2", "visit", NULL};
  g_assert_true(run_analyzer(timeline, "sessionize", keys2, values2, &error));
  g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, 1);
  g_assert_cmpstr(tw_finding_get_rule(tw_timeline_get_finding(timeline, 0)), ==, "visit-1");
  tw_timeline_free(timeline);

  /* Fuzzy: the day's event happened before midnight, so an event at 00:30 the next day is
   * certainly more than 30m later (a new session), not certainly more than 31m (the same). */
  const Ev fuzzy[] = {
      {"day", "2026-02-13", .tags = NULL},
      {"after", "2026-02-14T00:30:00", .tags = NULL},
  };
  static const struct {
    const char *gap;
    guint sessions;
  } cases[] = {{"30m", 2}, {"31m", 1}};
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    timeline = build(fuzzy, G_N_ELEMENTS(fuzzy));
    const char *k[] = {"gap", NULL};
    const char *v[] = {cases[i].gap, NULL};
    g_assert_true(run_analyzer(timeline, "sessionize", k, v, &error));
    g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, cases[i].sessions);
    tw_timeline_free(timeline);
  }

  /* A bad selector is refused before anything changes. */
  timeline = build(fuzzy, G_N_ELEMENTS(fuzzy));
  const char *k[] = {"select", NULL};
  const char *v[] = {"tag:x or", NULL};
  g_assert_false(run_analyzer(timeline, "sessionize", k, v, &error));
  g_assert_cmpstr(error->message, ==,
                  "analyzer test: option 'select' of sessionize: selector 'tag:x or' column 9: "
                  "expected a term");
  g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, 0);
  tw_timeline_free(timeline);
}

/* -- long timelines: rules read the timeline in chunks (CHUNK_EVENTS in correlate.h) and run
 * each chunk group by group; these results are worked out from how the events were made -- */

static void
test_chunks(void)
{
  /* 1200 actors, 60 steps a minute apart (actor g's event of step t at t minutes plus g
   * milliseconds), tagged a, b, c by step modulo 3 and with host h<t mod 4>; the even actors
   * skip step 30. 71,400 events: every rule below reads more than one chunk, and each actor's
   * events lie in both. */
  const guint actors = 1200, steps = 60;
  TwTimeline *timeline = tw_timeline_new("chunks");
  TwSink *sink = tw_timeline_open_sink(timeline, "events", FALSE);
  gint64 base = instant("2026-01-01T00:00:00Z");
  for (guint g = 0; g < actors; g++) {
    char actor[16];
    g_snprintf(actor, sizeof actor, "u%04u", g);
    for (guint t = 0; t < steps; t++) {
      if (t == 30 && g % 2 == 0)
        continue;
      TwDate date = {.precision = TW_PRECISION_EXACT};
      date.start = date.end = base + (gint64)t * 60 * TW_USEC_PER_SEC + (gint64)g * 1000;
      char id[16], host[4];
      g_snprintf(id, sizeof id, "g%04u-t%02u", g, t);
      g_snprintf(host, sizeof host, "h%u", t % 4);
      TwEventBuilder *builder = tw_sink_begin(sink, NULL, 0);
      tw_event_builder_set_date(builder, &date);
      tw_event_builder_set_id(builder, id);
      tw_event_builder_set_title(builder, id);
      tw_event_builder_add_tag(builder, t % 3 == 0 ? "a" : t % 3 == 1 ? "b" : "c");
      tw_event_builder_add_actor(builder, actor);
      tw_event_builder_set_attribute(builder, "host", host);
      gboolean committed = tw_sink_commit(sink, NULL);
      g_assert_true(committed);
    }
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 71400);

  run_rules(timeline, "[rule seq]\ntype=sequence\na=tag:a\nb=tag:b\nwithin=90s\nby=actor\n"
                      "[rule abs]\ntype=absence\na=tag:c\nb=tag:a\nwithin=90s\nby=actor\n"
                      "[rule burst]\ntype=threshold\na=*\ncount=4\nwithin=3m\nby=actor\n"
                      "[rule hosts]\ntype=distinct\na=*\nfield=host\ncount=4\nwithin=3m\n"
                      "by=actor\n"
                      "[rule any]\ntype=together\nselectors=tag:a;tag:b;tag:c\nwithin=2m\n"
                      "by=actor\n"
                      "[rule abc]\ntype=together\nselectors=tag:a;tag:b;tag:c\nwithin=2m\n"
                      "by=actor\nordered=true\n");

  /* Each a (steps 0, 3, ..., 57; the even actors lack 30) is followed by its b a minute later:
   * 20 * 600 + 19 * 600 links. */
  const TwFinding *seq = only_finding(timeline, "seq");
  GString *attrs = g_string_new(NULL);
  for (guint k = 0; SEQ_ATTRS[k]; k++)
    g_string_append_printf(attrs, " %s=%s", SEQ_ATTRS[k], finding_attr(seq, SEQ_ATTRS[k]));
  g_assert_cmpstr(attrs->str, ==,
                  " a_events=23400 followed=23400 links=23400 certain_links=23400 "
                  "possible_links=0 lag_min=1m lag_median=1m lag_max=1m");
  g_string_free(attrs, TRUE);
  g_assert_cmpuint(tw_finding_get_n_events(seq), ==, 46800);
  guint links = 0;
  for (guint i = 0; i < tw_timeline_get_n_links(timeline); i++) {
    const TwLink *link = tw_timeline_get_link(timeline, i);
    g_assert_cmpint(tw_link_get_lag_min(link), ==, 60 * TW_USEC_PER_SEC);
    g_assert_cmpint(tw_link_get_certainty(link), ==, TW_CERTAINTY_CERTAIN);
    links++;
  }
  g_assert_cmpuint(links, ==, 23400);

  /* Per kind: how many findings, how many events in them, and what the first says. */
  static const struct {
    const char *rule;
    guint findings, events;
  } expected[] = {
      /* Every c is answered by the next a a minute later, but the last one (step 59) and, for
       * the even actors, the c of step 29 (the next a is at step 33). */
      {"abs", 1800, 1800},
      /* Four events a minute apart lie within 3m: one burst an actor, two for the even ones,
       * split at the gap (steps 27..31 span 4 minutes). Hosts: the same, 4 distinct. */
      {"burst", 1800, 71400},
      {"hosts", 1800, 71400},
      /* In any order, consecutive windows share events: the same bursts. */
      {"any", 1800, 71400},
      /* In order, each a-b-c triple is a window of its own: 20 (19) an actor. */
      {"abc", 23400, 70200},
  };
  for (guint e = 0; e < G_N_ELEMENTS(expected); e++) {
    guint findings = 0, events = 0;
    for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
      const TwFinding *finding = tw_timeline_get_finding(timeline, i);
      if (strcmp(tw_finding_get_rule(finding), expected[e].rule) != 0)
        continue;
      findings++;
      events += tw_finding_get_n_events(finding);
    }
    if (findings != expected[e].findings || events != expected[e].events)
      g_error("%s: %u findings with %u events", expected[e].rule, findings, events);
  }
  const char *const first_attrs[] = {"group", "events", "first", "last", "certainty", NULL};
  GString *firsts = g_string_new(NULL);
  static const char *const rules[] = {"abs", "burst", "hosts", "any", "abc"};
  for (guint r = 0; r < G_N_ELEMENTS(rules); r++) {
    for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
      const TwFinding *finding = tw_timeline_get_finding(timeline, i);
      if (strcmp(tw_finding_get_rule(finding), rules[r]) != 0)
        continue;
      g_autofree char *ids = finding_events(finding);
      if (strlen(ids) > 40)
        strcpy(ids + 37, "...");
      g_string_append_printf(firsts, "%s [%s]", rules[r], ids);
      for (guint k = 0; first_attrs[k]; k++) {
        const char *value = finding_attr(finding, first_attrs[k]);
        if (value)
          g_string_append_printf(firsts, " %s=%s", first_attrs[k], value);
      }
      g_string_append_c(firsts, '\n');
      break;
    }
  }
  /* Findings come in the order of their first event: actor u0000's (at 0 ms of each minute).
   * Its absence is the c of step 29; its first burst runs from step 0 to step 29. */
  g_assert_cmpstr(firsts->str, ==,
                  "abs [g0000-t29] certainty=certain\n"
                  "burst [g0000-t00 g0000-t01 g0000-t02 g0000-t...] group=u0000 events=30 "
                  "first=2026-01-01T00:00:00Z last=2026-01-01T00:29:00Z certainty=certain\n"
                  "hosts [g0000-t00 g0000-t01 g0000-t02 g0000-t...] group=u0000 events=30 "
                  "first=2026-01-01T00:00:00Z last=2026-01-01T00:29:00Z certainty=certain\n"
                  "any [g0000-t00 g0000-t01 g0000-t02 g0000-t...] group=u0000 events=30 "
                  "first=2026-01-01T00:00:00Z last=2026-01-01T00:29:00Z certainty=certain\n"
                  "abc [g0000-t00 g0000-t01 g0000-t02] group=u0000 events=3 "
                  "first=2026-01-01T00:00:00Z last=2026-01-01T00:02:00Z certainty=certain\n");
  g_string_free(firsts, TRUE);
  tw_timeline_free(timeline);
}

/* -- dedup -- */

/* One report: @source is the sink it comes through; @date any tw_date_parse() form; lists and
 * attributes as for Ev, but attributes are separated by `|`. */
typedef struct {
  const char *source;
  const char *id;
  const char *date;
  const char *title;
  const char *description;
  const char *kind;
  const char *tags;
  const char *actors;
  const char *attributes;
  const char *location;
  gboolean geo;
} Report;

static void
add_report(TwSink *sink, const Report *report)
{
  TwDate date;
  g_autoptr(GError) error = NULL;
  if (!tw_date_parse(report->date, NULL, &date, &error))
    g_error("%s: %s", report->id, error->message);
  TwEventBuilder *builder = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(builder, &date);
  tw_event_builder_set_id(builder, report->id);
  tw_event_builder_set_title(builder, report->title);
  if (report->description)
    tw_event_builder_set_description(builder, report->description);
  if (report->kind)
    tw_event_builder_set_kind(builder, report->kind);
  if (report->location)
    tw_event_builder_set_location(builder, report->location);
  if (report->geo)
    tw_event_builder_set_geo(builder, 39.9, 116.4);
  g_auto(GStrv) tags = g_strsplit(report->tags ? report->tags : "", ";", -1);
  for (guint i = 0; tags[i]; i++)
    if (tags[i][0])
      tw_event_builder_add_tag(builder, tags[i]);
  g_auto(GStrv) actors = g_strsplit(report->actors ? report->actors : "", ";", -1);
  for (guint i = 0; actors[i]; i++)
    if (actors[i][0])
      tw_event_builder_add_actor(builder, actors[i]);
  g_auto(GStrv) attributes = g_strsplit(report->attributes ? report->attributes : "", "|", -1);
  for (guint i = 0; attributes[i]; i++) {
    if (!attributes[i][0])
      continue;
    g_auto(GStrv) kv = g_strsplit(attributes[i], "=", 2);
    tw_event_builder_set_attribute(builder, kv[0], kv[1]);
  }
  if (!tw_sink_commit(sink, &error))
    g_error("%s: %s", report->id, error->message);
}

/* A timeline of @reports, given in the order of @order (all of them when %NULL), each through a
 * sink of its source; sinks are closed in the order their sources first appear. */
static TwTimeline *
build_reports(const Report *reports, guint n, const guint *order)
{
  TwTimeline *timeline = tw_timeline_new("dedup tests");
  g_autoptr(GHashTable) sinks = g_hash_table_new(g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) opened = g_ptr_array_new();
  for (guint k = 0; k < n; k++) {
    const Report *report = &reports[order ? order[k] : k];
    TwSink *sink = g_hash_table_lookup(sinks, report->source);
    if (sink == NULL) {
      sink = tw_timeline_open_sink(timeline, report->source, FALSE);
      g_hash_table_insert(sinks, (gpointer)report->source, sink);
      g_ptr_array_add(opened, sink);
    }
    add_report(sink, report);
  }
  for (guint i = 0; i < opened->len; i++)
    tw_sink_close(opened->pdata[i]);
  tw_timeline_finish(timeline);
  return timeline;
}

/* Runs dedup with KEY=VALUE options and applies its removals as the engine does. */
static gboolean
run_dedup(TwTimeline *timeline, const char *const *options, GError **error)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; options && options[i]; i++) {
    const char *equals = strchr(options[i], '=');
    g_ptr_array_add(keys, g_strndup(options[i], equals - options[i]));
    g_ptr_array_add(values, g_strdup(equals + 1));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
  gboolean ok = run_analyzer(timeline, "dedup", (const char *const *)keys->pdata,
                             (const char *const *)values->pdata, error);
  tw_timeline_compact(timeline);
  return ok;
}

/* Every event, one per line: "ID SOURCE DATE 'TITLE' [description] kind= location= geo
 * tags=... actors=... KEY=VALUE..." (ids shortened to what the tests gave). */
static char *
reports_text(const TwTimeline *timeline)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    TwDate date;
    tw_event_get_date(event, &date);
    g_autofree char *when = tw_date_format(&date);
    g_string_append_printf(out, "%s %s %s '%s'", tw_event_get_id(event), tw_event_get_source(event),
                           when, tw_event_get_title(event));
    if (tw_event_get_description(event))
      g_string_append_printf(out, " [%s]", tw_event_get_description(event));
    if (tw_event_get_kind(event))
      g_string_append_printf(out, " kind=%s", tw_event_get_kind(event));
    if (tw_event_get_location(event))
      g_string_append_printf(out, " location=%s", tw_event_get_location(event));
    double latitude, longitude;
    if (tw_event_get_geo(event, &latitude, &longitude))
      g_string_append_printf(out, " geo=%g,%g", latitude, longitude);
    g_string_append(out, " tags=");
    for (guint t = 0; t < tw_event_get_n_tags(event); t++)
      g_string_append_printf(out, "%s%s", t ? "," : "", tw_event_get_tag(event, t));
    g_string_append(out, " actors=");
    for (guint a = 0; a < tw_event_get_n_actors(event); a++)
      g_string_append_printf(out, "%s%s", a ? "," : "", tw_event_get_actor(event, a));
    for (guint a = 0; a < tw_event_get_n_attributes(event); a++) {
      const TwAttribute *attribute = tw_event_get_attribute(event, a);
      g_string_append_printf(out, " %s=%s", attribute->key, attribute->value);
    }
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}

static const char *const DEDUP_ATTRS[] = {"selected", "merged_events", "removed", "identical",
                                          NULL};

static void
test_dedup_fields(void)
{
  /* One happening, three reports. Every pair overlaps: the exact 10:30 instant lies in the day,
   * and both in the month. Every pair has kind policy. The survivor is beta's (exact is the
   * finest precision): its id, date and title stay; the description is alpha's (34 characters
   * against 6); beta has no location, and in rank order (beta, alpha, gamma) alpha is the first
   * that has one, while gamma alone has a position; tags and actors are united in rank order;
   * `wire` is beta's (it ranks first), gamma's `desk` is new. */
  const Report reports[] = {
      {"alpha", "a1", "2026-02-13", .title = "US bans Nvidia H20 exports to China",
       "The Commerce Department bans H20.", "policy", "us", "US government", "page=3",
       "Washington"},
      {"beta", "b1", "2026-02-13T10:30:00Z", .title = "US bans H20 exports", "Short.", "policy",
       "export-control;us", "Nvidia", "wire=reuters"},
      {"gamma", "g1", "2026-02", .title = "H20 export ban", NULL, "policy", "chips", NULL,
       "wire=ap|desk=asia", NULL, TRUE},
      {"gamma", "g2", "2026-03-01", .title = "Unrelated", NULL, "policy"},
  };
  const char *expected =
      "b1 beta 2026-02-13T10:30:00Z 'US bans H20 exports' [The Commerce Department bans H20.] "
      "kind=policy location=Washington geo=39.9,116.4 tags=export-control,us,chips "
      "actors=Nvidia,US government wire=reuters page=3 desk=asia sources=alpha; beta; gamma "
      "merged=a1; g1\n"
      "g2 gamma 2026-03-01 'Unrelated' kind=policy tags= actors=\n";
  /* Whatever order the reports come in and the sinks close in, the result is the same. */
  static const guint orders[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}};
  for (guint o = 0; o < G_N_ELEMENTS(orders); o++) {
    TwTimeline *timeline = build_reports(reports, G_N_ELEMENTS(reports), orders[o]);
    g_autoptr(GError) error = NULL;
    g_assert_true(run_dedup(timeline, NULL, &error));
    g_autofree char *got = reports_text(timeline);
    g_assert_cmpstr(got, ==, expected);
    g_autofree char *finding = findings_text(timeline, "test", DEDUP_ATTRS);
    g_assert_cmpstr(finding, ==, "dedup [b1] selected=4 merged_events=1 removed=2 identical=0\n");
    g_assert_cmpstr(tw_finding_get_summary(only_finding(timeline, "test")), ==,
                    "3 reports merged into 1 event, 2 removed (0 identical)");
    /* A second run finds nothing more to merge. */
    g_assert_true(run_dedup(timeline, NULL, &error));
    g_autofree char *again = reports_text(timeline);
    g_assert_cmpstr(again, ==, expected);
    tw_timeline_free(timeline);
  }

  /* Ties in precision and width: a zoned date wins over a floating one, then the source's
   * name. The floating 10:30 (alpha) and the zoned one (beta) overlap as instants (floating
   * times read as UTC); the zoned one wins although alpha sorts first. */
  const Report ties[] = {
      {"alpha", "a1", "2026-02-13T10:30:00", .title = "Launch", "one"},
      {"beta", "b1", "2026-02-13T10:30:00Z", .title = "Launch", "two"},
      {"gamma", "c1", "2026-02-13T10:30:00Z", .title = "Launch", "six"},
  };
  TwTimeline *timeline = build_reports(ties, G_N_ELEMENTS(ties), NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(run_dedup(timeline, NULL, &error));
  g_autofree char *got = reports_text(timeline);
  /* Descriptions of equal length: the first in rank order (beta, gamma, alpha) wins. */
  g_assert_cmpstr(got, ==,
                  "b1 beta 2026-02-13T10:30:00Z 'Launch' [two] tags= actors= "
                  "sources=alpha; beta; gamma merged=a1; c1\n");
  tw_timeline_free(timeline);

  /* An event that an earlier dedup merged keeps its sources and merged ids. */
  const Report again[] = {
      {"alpha", "a1", "2026-02-13", .title = "Launch", .attributes = "sources=alpha; x|merged=old"},
      {"beta", "b1", "2026-02-13T09:00:00Z", .title = "Launch"},
  };
  timeline = build_reports(again, G_N_ELEMENTS(again), NULL);
  g_assert_true(run_dedup(timeline, NULL, &error));
  g_autofree char *kept = reports_text(timeline);
  g_assert_cmpstr(kept, ==,
                  "b1 beta 2026-02-13T09:00:00Z 'Launch' tags= actors= sources=alpha; beta; x "
                  "merged=a1; old\n");
  tw_timeline_free(timeline);
}

/* Links that name a report merged away move to its survivor, once: a link that would join the
 * survivor to itself, or repeat one already there, is not made; none is left naming a removed
 * id, nor is a finding (an earlier analyzer's link or finding, or one a source carried). */
static void
test_dedup_links(void)
{
  const Report reports[] = {
      {"alpha", "a1", "2026-02-13", .title = "US bans Nvidia H20 exports to China", NULL, "policy"},
      {"beta", "b1", "2026-02-13T10:30:00Z", .title = "US bans H20 exports", NULL, "policy"},
      {"gamma", "g1", "2026-02", .title = "H20 export ban", NULL, "policy"},
      {"gamma", "g2", "2026-03-01", .title = "Unrelated", NULL, "policy"},
  };
  TwTimeline *timeline = build_reports(reports, G_N_ELEMENTS(reports), NULL);
  static const char *const links[][3] = {
      {"a1", "g2", "r"}, {"b1", "g2", "r"}, {"g2", "g1", "s"}, {"a1", "b1", "t"}, {"g1", "g2", "u"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(links); i++) {
    gint from = tw_timeline_find_event(timeline, links[i][0]);
    gint to = tw_timeline_find_event(timeline, links[i][1]);
    g_assert_cmpint(from, >=, 0);
    g_assert_cmpint(to, >=, 0);
    tw_timeline_add_link(timeline, (guint)from, (guint)to, links[i][2], 0,
                         (gint64)86400 * G_USEC_PER_SEC, TW_CERTAINTY_CERTAIN);
  }
  TwFinding *finding = tw_timeline_add_finding(timeline, "test", "earlier", "sequence", "a1, g2");
  tw_finding_add_event(finding, timeline, (guint)tw_timeline_find_event(timeline, "a1"));
  tw_finding_add_event(finding, timeline, (guint)tw_timeline_find_event(timeline, "g2"));

  g_autoptr(GError) error = NULL;
  g_assert_true(run_dedup(timeline, NULL, &error));
  g_assert_cmpint(tw_timeline_find_event(timeline, "a1"), ==, -1);
  g_assert_cmpint(tw_timeline_find_event(timeline, "g1"), ==, -1);
  GString *got = g_string_new(NULL);
  for (guint i = 0; i < tw_timeline_get_n_links(timeline); i++) {
    const TwLink *link = tw_timeline_get_link(timeline, i);
    g_string_append_printf(got, "%s>%s:%s %" G_GINT64_FORMAT "\n", tw_link_get_from(link),
                           tw_link_get_to(link), tw_link_get_rule(link), tw_link_get_lag_max(link));
  }
  g_assert_cmpstr(got->str, ==,
                  "b1>g2:r 86400000000\n"
                  "g2>b1:s 86400000000\n"
                  "b1>g2:u 86400000000\n");
  g_string_free(got, TRUE);
  /* The finding keeps the event that is still there. */
  g_autofree char *earlier = findings_text(timeline, "earlier", NULL);
  g_assert_cmpstr(earlier, ==, "sequence [g2]\n");
  tw_timeline_free(timeline);
}

static void
test_dedup_similarity(void)
{
  /* Words: "Disk full on DB-01" is {disk, full, on, db, 01}; "db-01 disk FULL" is {db, 01,
   * disk, full}: 4 in common of 5, a similarity of 0.8 exactly. "Zoë's ﬁle" (with the fi
   * ligature) and "ZOË'S FILE" are {zoë, s, file} after NFKC and casefolding: 1. Without a
   * kind, only the title can match (and with kind-and-title nothing does). */
  const Report reports[] = {
      {"alpha", "a1", "2026-02-13T10:00:00Z", .title = "Disk full on DB-01"},
      {"beta", "b1", "2026-02-13T10:00:00Z", .title = "db-01 disk FULL"},
      {"alpha", "a2", "2026-02-13T11:00:00Z", .title = "Zo\xc3\xab's \xef\xac\x81le"},
      {"beta", "b2", "2026-02-13T11:00:00Z", .title = "ZO\xc3\x8b'S FILE"},
  };
  static const struct {
    const char *options[3];
    const char *ids; /* the events left */
  } cases[] = {
      {{"similarity=0.8", NULL}, "a1 a2"},
      {{"similarity=.80", "match=title", NULL}, "a1 a2"},
      {{"similarity=0.800000001", NULL}, "a1 b1 a2"},
      {{"similarity=1", NULL}, "a1 b1 a2"},
      {{"similarity=0", "match=kind-and-title", NULL}, "a1 b1 a2 b2"},
  };
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    TwTimeline *timeline = build_reports(reports, G_N_ELEMENTS(reports), NULL);
    g_autoptr(GError) error = NULL;
    g_assert_true(run_dedup(timeline, cases[c].options, &error));
    GString *ids = g_string_new(NULL);
    for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
      g_string_append_printf(ids, "%s%s", i ? " " : "",
                             tw_event_get_id(tw_timeline_get_event(timeline, i)));
    g_assert_cmpstr(ids->str, ==, cases[c].ids);
    g_string_free(ids, TRUE);
    tw_timeline_free(timeline);
  }
}

static void
test_dedup_times(void)
{
  /* Times overlap when some instant lies in both: the day 2026-02-13 (floating) holds every
   * instant up to 23:59:59.999999, so an exact report at midnight is 1us away. A tolerance
   * lets reports that far apart overlap: 2s joins reports 2s apart, not 2.000001s. */
  static const struct {
    const char *a, *b, *tolerance;
    gboolean merged;
  } cases[] = {
      {"2026-02-13", "2026-02-13T23:59:59.999999Z", "0s", TRUE},
      {"2026-02-13", "2026-02-14T00:00:00Z", "0s", FALSE},
      {"2026-02-13", "2026-02-14T00:00:00Z", "1us", TRUE},
      {"2026-02-13T10:00:00Z", "2026-02-13T10:00:00Z", "0s", TRUE},
      {"2026-02-13T10:00:00Z", "2026-02-13T10:00:00.000001Z", "0s", FALSE},
      {"2026-02-13T10:00:00Z", "2026-02-13T10:00:02Z", "2s", TRUE},
      {"2026-02-13T10:00:00Z", "2026-02-13T10:00:02.000001Z", "2s", FALSE},
      {"2026-02-13T10:00", "2026-02-13T10:00:59.999999Z", "0s", TRUE},
      {"2026-02-13T10:00", "2026-02-13T10:01:00Z", "0s", FALSE},
      {"early 2026", "2026-04-30", "0s", TRUE},
      {"early 2026", "2026-05-01", "0s", FALSE},
      {"2026-W07", "2026-02-15", "0s", TRUE},
      {"2026-W07", "2026-02-16", "0s", FALSE},
  };
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    const Report reports[] = {
        {"alpha", "a", cases[c].a, .title = "Outage", .kind = "incident"},
        {"beta", "b", cases[c].b, .title = "Something else", .kind = "incident"},
    };
    TwTimeline *timeline = build_reports(reports, G_N_ELEMENTS(reports), NULL);
    g_autofree char *tolerance = g_strdup_printf("tolerance=%s", cases[c].tolerance);
    const char *options[] = {tolerance, NULL};
    g_autoptr(GError) error = NULL;
    g_assert_true(run_dedup(timeline, options, &error));
    if (tw_timeline_get_n_events(timeline) != (cases[c].merged ? 1u : 2u))
      g_error("%s and %s with tolerance %s: %u events", cases[c].a, cases[c].b, cases[c].tolerance,
              tw_timeline_get_n_events(timeline));
    tw_timeline_free(timeline);
  }
}

static void
test_dedup_groups(void)
{
  /* Identical reports are dropped whatever their source; reports of one source that are not
   * identical are never merged (two failed logins in one second are two). Alpha's two logins
   * and beta's line all have kind auth; beta's line is most like bob's (4 words of 8: 0.5,
   * against 3 of 9 for alice's), so it joins bob's, and alice's cannot join that group (it is
   * not a duplicate of bob's, from the same source). */
  const Report reports[] = {
      {"alpha", "alice", "2026-02-13T10:00:00Z", .title = "Failed password for alice",
       .kind = "auth"},
      {"alpha", "bob", "2026-02-13T10:00:00Z", .title = "Failed password for bob", .kind = "auth"},
      {"beta", "bob2", "2026-02-13T10:00:00Z", .title = "Failed password for bob from 10.0.0.1",
       .kind = "auth"},
      {"alpha", "dup1", "2026-02-13T11:00:00Z", .title = "Backup done", "nightly", "backup", "b",
       "cron", "size=3"},
      {"alpha", "dup2", "2026-02-13T11:00:00Z", .title = "Backup done", "nightly", "backup", "b",
       "cron", "size=3"},
      {"gamma", "dup3", "2026-02-13T11:00:00Z", .title = "Backup done", "nightly", "backup", "b",
       "cron", "size=3"},
      {"gamma", "near", "2026-02-13T11:00:00Z", .title = "Backup done", "nightly", "backup", "b",
       "cron", "size=4"},
  };
  static const guint orders[][7] = {
      {0, 1, 2, 3, 4, 5, 6}, {6, 5, 4, 3, 2, 1, 0}, {2, 6, 0, 4, 1, 5, 3}};
  for (guint o = 0; o < G_N_ELEMENTS(orders); o++) {
    TwTimeline *timeline = build_reports(reports, G_N_ELEMENTS(reports), orders[o]);
    g_autoptr(GError) error = NULL;
    g_assert_true(run_dedup(timeline, NULL, &error));
    g_autofree char *got = reports_text(timeline);
    /* At 11:00, dup1, dup2 and dup3 are identical; `near` (gamma) differs from dup3 (gamma
     * too) in an attribute, so it stays apart. dup1 ranks first (alpha, then its id). */
    g_assert_cmpstr(got, ==,
                    "alice alpha 2026-02-13T10:00:00Z 'Failed password for alice' kind=auth "
                    "tags= actors=\n"
                    "bob alpha 2026-02-13T10:00:00Z 'Failed password for bob' kind=auth tags= "
                    "actors= sources=alpha; beta merged=bob2\n"
                    "dup1 alpha 2026-02-13T11:00:00Z 'Backup done' [nightly] kind=backup tags=b "
                    "actors=cron size=3 sources=alpha; gamma merged=dup2; dup3\n"
                    "near gamma 2026-02-13T11:00:00Z 'Backup done' [nightly] kind=backup tags=b "
                    "actors=cron size=4\n");
    g_autofree char *finding = findings_text(timeline, "test", DEDUP_ATTRS);
    g_assert_cmpstr(finding, ==,
                    "dedup [bob dup1] selected=7 merged_events=2 removed=3 identical=2\n");
    tw_timeline_free(timeline);
  }

  /* Groups hold only reports that are all duplicates of each other, best pairs first. With
   * similarity 0.4: red green xenon (alpha) ~ red green yellow purple (beta): 2 of 5; beta ~
   * yellow purple green (gamma): 3 of 4; alpha and gamma share 1 of 5. Beta joins gamma
   * first; alpha, no duplicate of gamma, stays alone (a transitive closure would merge all
   * three). */
  const Report chain[] = {
      {"alpha", "a", "2026-02-13T10:00:00Z", .title = "red green xenon"},
      {"beta", "b", "2026-02-13T10:00:00Z", .title = "red green yellow purple"},
      {"gamma", "c", "2026-02-13T10:00:00Z", .title = "yellow purple green"},
  };
  TwTimeline *timeline = build_reports(chain, G_N_ELEMENTS(chain), NULL);
  g_autoptr(GError) error = NULL;
  const char *options[] = {"similarity=0.4", NULL};
  g_assert_true(run_dedup(timeline, options, &error));
  g_autofree char *got = reports_text(timeline);
  g_assert_cmpstr(got, ==,
                  "a alpha 2026-02-13T10:00:00Z 'red green xenon' tags= actors=\n"
                  "b beta 2026-02-13T10:00:00Z 'red green yellow purple' tags= actors= "
                  "sources=beta; gamma merged=c\n");
  tw_timeline_free(timeline);

  /* select= limits who takes part. */
  timeline = build_reports(chain, G_N_ELEMENTS(chain), NULL);
  const char *only[] = {"similarity=0.4", "select=not source:gamma", NULL};
  g_assert_true(run_dedup(timeline, only, &error));
  g_autofree char *selected = reports_text(timeline);
  g_assert_cmpstr(selected, ==,
                  "a alpha 2026-02-13T10:00:00Z 'red green xenon' tags= actors= "
                  "sources=alpha; beta merged=b\n"
                  "c gamma 2026-02-13T10:00:00Z 'yellow purple green' tags= actors=\n");
  g_autofree char *none = findings_text(timeline, "test", DEDUP_ATTRS);
  g_assert_cmpstr(none, ==, "dedup [a] selected=2 merged_events=1 removed=1 identical=0\n");
  tw_timeline_free(timeline);
}

static void
test_dedup_errors(void)
{
  const Report reports[] = {
      {"alpha", "a", "2026-02-13T10:00:00Z", .title = "x"},
      {"beta", "b", "2026-02-13T10:00:00Z", .title = "x"},
  };
  static const struct {
    const char *option;
    const char *message;
  } cases[] = {
      {"similarity=1.5",
       "analyzer test: option 'similarity' of dedup: '1.5' is not a number from 0 to 1 (at most 9 "
       "decimals)"},
      {"similarity=half",
       "analyzer test: option 'similarity' of dedup: 'half' is not a number from 0 to 1 (at most "
       "9 decimals)"},
      {"similarity=0.1234567891",
       "analyzer test: option 'similarity' of dedup: '0.1234567891' is not a number from 0 to 1 "
       "(at most 9 decimals)"},
      {"select=tag:x and", "analyzer test: option 'select' of dedup: selector 'tag:x and' column "
                           "10: expected a term"},
  };
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    TwTimeline *timeline = build_reports(reports, G_N_ELEMENTS(reports), NULL);
    const char *options[] = {cases[c].option, NULL};
    g_autoptr(GError) error = NULL;
    g_assert_false(run_dedup(timeline, options, &error));
    g_assert_cmpstr(error->message, ==, cases[c].message);
    g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 2);
    g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, 0);
    tw_timeline_free(timeline);
  }

  /* The core's setters that dedup uses refuse what they cannot set. */
  TwTimeline *timeline = build_reports(reports, G_N_ELEMENTS(reports), NULL);
  g_assert_false(tw_timeline_set_field(timeline, 0, "id", "x"));
  g_assert_false(tw_timeline_set_field(timeline, 0, "title", NULL));
  g_assert_true(tw_timeline_set_field(timeline, 0, "kind", "k"));
  g_assert_cmpstr(tw_event_get_kind(tw_timeline_get_event(timeline, 0)), ==, "k");
  g_assert_true(tw_timeline_set_field(timeline, 0, "kind", NULL));
  g_assert_null(tw_event_get_kind(tw_timeline_get_event(timeline, 0)));
  tw_timeline_add_actor(timeline, 0, "x");
  tw_timeline_add_actor(timeline, 0, "x");
  g_assert_cmpuint(tw_event_get_n_actors(tw_timeline_get_event(timeline, 0)), ==, 1);
  tw_timeline_free(timeline);
}

/* -- through a job: the json source, a relative rules path, the json export -- */

static void
test_job(void)
{
  g_autofree char *fixtures = tw_test_fixture("correlate");
  g_autoptr(GError) error = NULL;
  TwJob *job = tw_job_new(registry);
  tw_job_set_threads(job, 1);
  g_assert_true(
      tw_job_add_source(job, "json", "events", "events.json", fixtures, NULL, NULL, &error));
  g_assert_no_error(error);
  const char *keys[] = {"rules", NULL};
  const char *values[] = {"tickets.rules", NULL};
  g_assert_true(tw_job_add_analyzer(job, "correlate", "tickets", fixtures, keys, values, &error));
  g_assert_no_error(error);
  g_autofree char *out = g_build_filename(tmp_dir, "tickets.json", NULL);
  g_assert_true(tw_job_add_export(job, "json", out, NULL, NULL, &error));
  g_assert_no_error(error);
  if (!tw_job_run(job, &error))
    g_error("%s", error->message);
  tw_job_free(job);

  g_autoptr(JsonParser) got = json_parser_new();
  g_assert_true(json_parser_load_from_file(got, out, &error));
  g_autoptr(JsonParser) expected = json_parser_new();
  g_autofree char *expected_path = g_build_filename(fixtures, "expected.json", NULL);
  g_assert_true(json_parser_load_from_file(expected, expected_path, &error));
  JsonObject *got_root = json_node_get_object(json_parser_get_root(got));
  JsonObject *expected_root = json_node_get_object(json_parser_get_root(expected));
  static const char *const members[] = {"links", "findings"};
  for (guint i = 0; i < G_N_ELEMENTS(members); i++) {
    JsonNode *got_member = json_object_get_member(got_root, members[i]);
    JsonNode *expected_member = json_object_get_member(expected_root, members[i]);
    g_assert_nonnull(got_member);
    if (!json_node_equal(got_member, expected_member)) {
      g_autofree char *text = json_to_string(got_member, TRUE);
      g_error("%s differ from expected.json:\n%s", members[i], text);
    }
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  const char *build_root = g_getenv("TW_BUILD_ROOT");
  if (build_root == NULL)
    g_error("TW_BUILD_ROOT is not set (run through meson test)");
  registry = tw_registry_new();
  g_autoptr(GError) error = NULL;
  static const char *const plugins[] = {"correlate", "json"};
  for (guint i = 0; i < G_N_ELEMENTS(plugins); i++) {
    g_autofree char *file = g_strdup_printf("libtw-%s.so", plugins[i]);
    g_autofree char *plugin = g_build_filename(build_root, "plugins", plugins[i], file, NULL);
    if (!tw_registry_load_file(registry, plugin, &error))
      g_error("%s", error->message);
  }
  correlate = tw_registry_find_analyzer(registry, "correlate");
  g_assert_nonnull(correlate);
  tmp_dir = g_dir_make_tmp("tw-correlate-XXXXXX", &error);
  g_assert_no_error(error);

  g_test_add_func("/correlate/sequence/window-edge", test_sequence_window_edge);
  g_test_add_func("/correlate/sequence/link-modes", test_sequence_link_modes);
  g_test_add_func("/correlate/sequence/same-selector", test_sequence_same_selector);
  g_test_add_func("/correlate/sequence/by", test_sequence_by);
  g_test_add_func("/correlate/sequence/relations", test_relations);
  g_test_add_func("/correlate/sequence/fuzzy", test_fuzzy);
  g_test_add_func("/correlate/absence/fuzzy", test_absence_fuzzy);
  g_test_add_func("/correlate/threshold", test_threshold);
  g_test_add_func("/correlate/findings-output-zone", test_findings_output_zone);
  g_test_add_func("/correlate/burst/coarse-inside", test_burst_coarse_inside);
  g_test_add_func("/correlate/distinct", test_distinct);
  g_test_add_func("/correlate/together", test_together);
  g_test_add_func("/correlate/rules-errors", test_rules_errors);
  g_test_add_func("/correlate/brute-force-and-order", test_brute_force_and_order);
  g_test_add_func("/correlate/chunks", test_chunks);
  g_test_add_func("/correlate/job", test_job);
  g_test_add_func("/correlate/tag", test_tag);
  g_test_add_func("/correlate/sessionize", test_sessionize);
  g_test_add_func("/correlate/dedup/fields", test_dedup_fields);
  g_test_add_func("/correlate/dedup/links", test_dedup_links);
  g_test_add_func("/correlate/dedup/similarity", test_dedup_similarity);
  g_test_add_func("/correlate/dedup/times", test_dedup_times);
  g_test_add_func("/correlate/dedup/groups", test_dedup_groups);
  g_test_add_func("/correlate/dedup/errors", test_dedup_errors);
  int status = g_test_run();

  g_autoptr(GDir) dir = g_dir_open(tmp_dir, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *path = g_build_filename(tmp_dir, name, NULL);
    g_unlink(path);
  }
  g_rmdir(tmp_dir);
  g_free(tmp_dir);
  tw_registry_free(registry);
  return status;
}
