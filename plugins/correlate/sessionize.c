/* timeweave analyzers: sessionize, which splits events into sessions at pauses longer than a
 * gap, per group (docs/analyzers.md). */
#include "correlate.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  char *group;     /* nullable: the `by` value */
  GArray *indices; /* guint, in timeline order */
} Session;

typedef struct {
  Session *open;
  gint64 max_supkey; /* the latest instant of the open session, doubled (see Span) */
} Group;

typedef struct {
  gint64 gap;
  GPtrArray *sessions; /* Session: closed ones */
  GHashTable *groups;  /* value -> Group */
  Group single;
  gint64 now;
  gsize sweep_at;
} Run;

static void
session_free(gpointer data)
{
  Session *session = data;
  g_free(session->group);
  g_array_free(session->indices, TRUE);
  g_free(session);
}

static void
close_session(Run *run, Group *group)
{
  if (group->open != NULL)
    g_ptr_array_add(run->sessions, group->open);
  group->open = NULL;
}

static void
group_free(gpointer data)
{
  Group *group = data;
  if (group->open)
    session_free(group->open);
  g_free(group);
}

static void
add(Run *run, Group *group, const char *key, guint index, const Span *span)
{
  gint64 supkey = 2 * span->sup - (span->definite ? 0 : 1);
  /* A new session when this event certainly starts more than the gap after every event of
   * the open one: its start minus the gap is no earlier than their latest instant. */
  if (group->open && 2 * (span->s - run->gap) > group->max_supkey)
    close_session(run, group);
  if (group->open == NULL) {
    group->open = g_new0(Session, 1);
    group->open->group = g_strdup(key);
    group->open->indices = g_array_new(FALSE, FALSE, sizeof(guint));
    group->max_supkey = supkey;
  }
  g_array_append_val(group->open->indices, index);
  group->max_supkey = MAX(group->max_supkey, supkey);
}

/* Closes the sessions no later event can join and forgets their groups. */
static void
sweep(Run *run)
{
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, run->groups);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    Group *group = value;
    if (2 * (run->now - run->gap) > group->max_supkey) {
      close_session(run, group);
      g_hash_table_iter_remove(&iter);
    }
  }
  run->sweep_at = MAX(4096, 2 * g_hash_table_size(run->groups));
}

static int
compare_sessions(gconstpointer x, gconstpointer y)
{
  const Session *a = *(Session *const *)x, *b = *(Session *const *)y;
  guint a_first = g_array_index(a->indices, guint, 0);
  guint b_first = g_array_index(b->indices, guint, 0);
  if (a_first != b_first)
    return a_first < b_first ? -1 : 1;
  return g_strcmp0(a->group, b->group);
}

static char *
event_date(const TwTimeline *timeline, guint index)
{
  TwDate date;
  tw_event_get_date(tw_timeline_get_event(timeline, index), &date);
  return tw_date_format_in_zone(&date, tw_timeline_get_output_zone(timeline));
}

/* TwComponentCheck: a bad selector, `by`, gap, min-events or tag is refused when the analyzer is
 * added, before any source is read; the messages name the option in quotes, so that `build` makes
 * them a usage error and a spec's error names its line. sessionize_run calls it too, for callers
 * that run the analyzer without adding it to a job. */
static gboolean
sessionize_check(const TwOptions *options, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(TwSelector) select =
      tw_selector_compile(tw_options_get_string(options, "select"), &local);
  if (select == NULL) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE, "option 'select' of sessionize: %s",
                local->message);
    return FALSE;
  }
  const char *by_name = tw_options_get_string(options, "by");
  if (by_name != NULL && (by_name[0] == '\0' || strpbrk(by_name, " \t") != NULL)) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'by' of sessionize: '%s' is not a field name", by_name);
    return FALSE;
  }
  if (tw_options_get_duration(options, "gap") < 0) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'gap' of sessionize: a pause cannot be negative");
    return FALSE;
  }
  /* A session holds an event at least: 0 or less would say "every session" in a way that
   * reads as a mistake. */
  if (tw_options_get_int(options, "min-events") < 1) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'min-events' of sessionize: %" G_GINT64_FORMAT
                " is not a count of events (1 or more)",
                tw_options_get_int(options, "min-events"));
    return FALSE;
  }
  /* The prefix makes tags (session-3): empty, the tags would be -1, -2 ... */
  const char *prefix = tw_options_get_string(options, "tag");
  if (prefix == NULL || prefix[0] == '\0' || strpbrk(prefix, ";, \t") != NULL) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'tag' of sessionize: '%s' is not a tag prefix (a word such as session)",
                prefix ? prefix : "");
    return FALSE;
  }
  return TRUE;
}

static gboolean
sessionize_run(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  if (!_tw_correlate_check_run(analyzer, sessionize_check, error))
    return FALSE;
  const TwOptions *options = tw_analyzer_get_options(analyzer);
  const char *name = tw_analyzer_get_name(analyzer);
  g_autoptr(TwSelector) select =
      tw_selector_compile(tw_options_get_string(options, "select"), NULL);
  FieldRef by = {.kind = FIELD_NONE};
  const char *by_name = tw_options_get_string(options, "by");
  if (by_name != NULL)
    _tw_correlate_parse_field(by_name, &by);
  const char *prefix = tw_options_get_string(options, "tag");
  gint64 min_events = tw_options_get_int(options, "min-events");
  Run run = {.gap = MIN(tw_options_get_duration(options, "gap"), TW_TIME_MAX - TW_TIME_MIN),
             .sweep_at = 4096};
  run.sessions = g_ptr_array_new_with_free_func(session_free);
  run.groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, group_free);

  guint n = tw_timeline_get_n_events(timeline);
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    if (!tw_selector_matches(select, event))
      continue;
    Span span;
    _tw_correlate_span(event, &span);
    run.now = span.s;
    if (by.kind == FIELD_NONE) {
      add(&run, &run.single, NULL, i, &span);
      continue;
    }
    const char *scalar;
    guint n_groups = _tw_correlate_field_begin(&by, event, &scalar);
    for (guint k = 0; k < n_groups; k++) {
      const char *value = _tw_correlate_field_at(&by, event, scalar, k);
      Group *group = g_hash_table_lookup(run.groups, value);
      if (group == NULL) {
        group = g_new0(Group, 1);
        g_hash_table_insert(run.groups, g_strdup(value), group);
      }
      add(&run, group, value, i, &span);
    }
    if (g_hash_table_size(run.groups) > run.sweep_at)
      sweep(&run);
  }
  close_session(&run, &run.single);
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, run.groups);
  while (g_hash_table_iter_next(&iter, NULL, &value))
    close_session(&run, value);
  g_hash_table_destroy(run.groups);

  /* Sessions are numbered in the order they begin (then by group), whatever order they
   * closed in. */
  g_ptr_array_sort(run.sessions, compare_sessions);
  g_autofree char *gap = tw_duration_format(run.gap);
  guint number = 0;
  for (guint s = 0; s < run.sessions->len; s++) {
    const Session *session = run.sessions->pdata[s];
    guint count = session->indices->len;
    if ((gint64)count < min_events)
      continue;
    g_autofree char *id = g_strdup_printf("%s-%u", prefix, ++number);
    g_autofree char *first = event_date(timeline, g_array_index(session->indices, guint, 0));
    g_autofree char *last = event_date(timeline, g_array_index(session->indices, guint, count - 1));
    g_autoptr(GString) summary = g_string_new(NULL);
    g_string_append_printf(summary, "%s: %u event%s", id, count, count == 1 ? "" : "s");
    if (strcmp(first, last) == 0)
      g_string_append_printf(summary, ", on %s", first);
    else
      g_string_append_printf(summary, ", from %s to %s", first, last);
    if (session->group)
      g_string_append_printf(summary, " for %s %s", by.name, session->group);
    TwFinding *finding = tw_timeline_add_finding(timeline, name, id, "session", summary->str);
    for (guint k = 0; k < count; k++) {
      guint index = g_array_index(session->indices, guint, k);
      tw_timeline_add_tag(timeline, index, id);
      tw_finding_add_event(finding, timeline, index);
    }
    tw_finding_set_attribute(finding, "session", id);
    if (session->group) {
      tw_finding_set_attribute(finding, "by", by.name);
      tw_finding_set_attribute(finding, "group", session->group);
    }
    g_autofree char *events = g_strdup_printf("%u", count);
    tw_finding_set_attribute(finding, "events", events);
    tw_finding_set_attribute(finding, "first", first);
    tw_finding_set_attribute(finding, "last", last);
    tw_finding_set_attribute(finding, "gap", gap);
  }
  g_ptr_array_free(run.sessions, TRUE);
  g_free(by.name);
  return TRUE;
}

static const TwOptionSpec sessionize_options[] = {
    {"gap",
     TW_OPTION_DURATION,
     "30m",
     "The longest pause within a session: an event that certainly starts more than this after "
     "every event of the session begins a new one.",
     NULL,
     {NULL}},
    {"select",
     TW_OPTION_STRING,
     "*",
     "A selector (docs/analyzers.md): the events to split into sessions.",
     NULL,
     {NULL}},
    {"by",
     TW_OPTION_STRING,
     NULL,
     "Sessions per value of this field (actor, host, kind, ...); events without it take no "
     "part. By default one series of sessions for all events.",
     NULL,
     {NULL}},
    {"tag",
     TW_OPTION_STRING,
     "session",
     "The prefix of session names: the events of the third session get the tag session-3 (a "
     "word, without spaces, commas or semicolons).",
     NULL,
     {NULL}},
    {"min-events",
     TW_OPTION_INT,
     "1",
     "Sessions with fewer events (1 or more) are not reported nor tagged.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

const TwAnalyzerInfo _tw_analyzer_sessionize = {
    .name = "sessionize",
    .summary = "Splits events into sessions at pauses longer than a gap, per group",
    .description =
        "Walks the selected events in timeline order, per `by` group, and starts a new session "
        "when an event certainly begins more than `gap` after every event of the open session "
        "(for fuzzy dates: after their latest instant). Sessions are numbered in the order they "
        "begin; each session's events get its name as a tag (session-1, session-2, ...) and "
        "each session is a finding with its events, first and last dates.",
    .options = sessionize_options,
    .run = sessionize_run,
    .check = sessionize_check,
};
