/* timeweave tests: the selector language (include/timeweave/selector.h).
 *
 * Three events built through a real sink are matched against selectors of every term form,
 * operator and precedence; tw_selector_to_string() shows how each text was understood; every
 * mistake is refused with the column the header promises. */
#include <string.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwTimeline *timeline;

static void
add_event(TwSink *sink, const char *id, const char *date_text, const char *title, const char *kind,
          const char *const *tags, const char *const *actors, const char *const *attributes,
          const char *description, const char *location)
{
  TwDate date;
  g_autoptr(GError) error = NULL;
  g_assert_true(tw_date_parse(date_text, NULL, &date, &error));
  g_assert_no_error(error);
  TwEventBuilder *builder = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(builder, &date);
  tw_event_builder_set_id(builder, id);
  tw_event_builder_set_title(builder, title);
  if (kind)
    tw_event_builder_set_kind(builder, kind);
  if (description)
    tw_event_builder_set_description(builder, description);
  if (location)
    tw_event_builder_set_location(builder, location);
  for (guint i = 0; tags && tags[i]; i++)
    tw_event_builder_add_tag(builder, tags[i]);
  for (guint i = 0; actors && actors[i]; i++)
    tw_event_builder_add_actor(builder, actors[i]);
  for (guint i = 0; attributes && attributes[i]; i += 2)
    tw_event_builder_set_attribute(builder, attributes[i], attributes[i + 1]);
  g_assert_true(tw_sink_commit(sink, &error));
  g_assert_no_error(error);
}

static void
build_timeline(void)
{
  timeline = tw_timeline_new("selector tests");
  TwSink *events = tw_timeline_open_sink(timeline, "events", FALSE);
  add_event(events, "e1", "2026-02-13T10:30:00Z", "ByteDance launches Seedream 5.0 Lite", "launch",
            (const char *[]){"model-launch", "bytedance", NULL},
            (const char *[]){"ByteDance", NULL},
            (const char *[]){"host", "db1", "resolution", "2K", NULL}, NULL, NULL);
  add_event(events, "e2", "early 2025", "US bans H20 (rumour)", "export-control",
            (const char *[]){"export-control", "us", NULL},
            (const char *[]){"US government", "NVIDIA", NULL}, NULL, "The H20 may not be sold",
            "Washington");
  tw_sink_close(events);
  TwSink *other = tw_timeline_open_sink(timeline, "other", FALSE);
  add_event(other, "e3", "2026", "Plain \"quoted\" title", NULL, NULL, NULL,
            (const char *[]){"host", "db2", NULL}, NULL, NULL);
  tw_sink_close(other);
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
}

/* Which of e1, e2, e3 the selector matches, as "1" and "0": "101". */
static char *
matches(const TwSelector *selector)
{
  static const char *const ids[] = {"e1", "e2", "e3"};
  char *out = g_malloc0(4);
  for (guint i = 0; i < 3; i++) {
    gint index = tw_timeline_find_event(timeline, ids[i]);
    g_assert_cmpint(index, >=, 0);
    out[i] = tw_selector_matches(selector, tw_timeline_get_event(timeline, index)) ? '1' : '0';
  }
  return out;
}

static void
test_match(void)
{
  static const struct {
    const char *text;
    const char *expected;
  } cases[] = {
      {"*", "111"},
      {"tag:us", "010"},
      {"tag=us", "010"},
      {"tags:bytedance", "100"},
      {"tag!=us", "101"},
      {"tag~^model-", "100"},
      {"kind:launch", "100"},
      {"kind=export-control", "010"},
      {"kind!=launch", "011"}, /* e3 has no kind */
      {"kind!~launch", "011"},
      {"source:events", "110"},
      {"source=other", "001"},
      {"actor:NVIDIA", "010"},
      {"actor:\"US government\"", "010"},
      {"actors~^US", "010"},
      {"actor:US", "000"}, /* equality, not a prefix */
      {"title~H20", "010"},
      {"title~h20", "000"}, /* case matters */
      {"title~\"(?i)h20\"", "010"},
      {"title~\"\\(rumou?r\\)$\"", "010"},
      {"title~\"\\d\\.\\d\"", "100"},
      {"title=\"Plain \\\"quoted\\\" title\"", "001"},
      {"title=\"US bans H20 (rumour)\"", "010"},
      {"host=db1", "100"},
      {"attributes.host=db2", "001"},
      {"attributes.host~^db", "101"},
      {"host!=db1", "011"},
      {"resolution=2K", "100"},
      {"description~sold", "010"},
      {"description!~.", "101"},
      {"location=Washington", "010"},
      {"id=e3", "001"},
      {"precision=year", "011"},
      {"precision=exact", "100"},
      {"qualifier=early", "010"},
      {"qualifier=none", "101"},
      {"start=2026-02-13T10:30:00Z", "100"},
      {"start~^2025-01-01T00:00:00$", "010"}, /* floating: no zone */
      {"end=2027-01-01T00:00:00", "001"},
      {"tag:us and not kind:launch", "010"},
      {"tag:us or kind:launch", "110"},
      {"tag:us or kind:launch and source:other", "010"}, /* and binds tighter */
      {"(tag:us or kind:launch) and source:events", "110"},
      {"not tag:us and not kind:launch", "001"},
      {"NOT tag:us", "101"},
      {"tag:us OR kind:launch", "110"},
      {"not not tag:us", "010"},
      {"not (tag:us or host=db1)", "001"},
      {"tag:and", "000"}, /* after an operator, a keyword is a value */
      {"  tag:us  ", "010"},
      {"(tag:us)or(kind:launch)", "110"},
      {"not(tag:us)", "101"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(TwSelector) selector = tw_selector_compile(cases[i].text, &error);
    if (error)
      g_error("%s: %s", cases[i].text, error->message);
    g_autofree char *got = matches(selector);
    if (strcmp(got, cases[i].expected) != 0)
      g_error("selector '%s' matches %s, expected %s", cases[i].text, got, cases[i].expected);
    g_assert_cmpstr(tw_selector_get_text(selector), ==, cases[i].text);
  }
}

static void
test_to_string(void)
{
  static const struct {
    const char *text;
    const char *expected;
  } cases[] = {
      {"tag:a or b=1 and not c~x", "(tag:a or (attributes.b=1 and not attributes.c~x))"},
      {"a=1 and b=2 and c=3", "(attributes.a=1 and attributes.b=2 and attributes.c=3)"},
      {"a=1 or b=2 or c=3 and d=4",
       "(attributes.a=1 or attributes.b=2 or (attributes.c=3 and attributes.d=4))"},
      {"((tag:a))", "tag:a"},
      {"tags=x", "tag=x"},
      {"actors:x", "actor:x"},
      {"title=\"x y\"", "title=\"x y\""},
      {"title=\"say \\\"hi\\\"\"", "title=\"say \\\"hi\\\"\""},
      {"title~\"\\d+\"", "title~\\d+"},
      {"title~\"(a)\"", "title~\"(a)\""},
      {"title!=x", "title!=x"},
      {"attributes.kind=x", "attributes.kind=x"},
      {"*", "*"},
      {"not *", "not *"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(TwSelector) selector = tw_selector_compile(cases[i].text, &error);
    g_assert_no_error(error);
    g_autofree char *got = tw_selector_to_string(selector);
    g_assert_cmpstr(got, ==, cases[i].expected);
    /* The canonical form reads back to itself. */
    g_autoptr(TwSelector) again = tw_selector_compile(got, &error);
    g_assert_no_error(error);
    g_autofree char *round = tw_selector_to_string(again);
    g_assert_cmpstr(round, ==, got);
  }
}

static void
test_errors(void)
{
  static const struct {
    const char *text;
    TwSelectorError code;
    const char *message;
  } cases[] = {
      {"tag:x and (", TW_SELECTOR_ERROR_SYNTAX, "column 12: expected a term"},
      {"", TW_SELECTOR_ERROR_SYNTAX, "column 1: expected a term"},
      {"   ", TW_SELECTOR_ERROR_SYNTAX, "column 4: expected a term"},
      {"and", TW_SELECTOR_ERROR_SYNTAX, "column 1: expected a term"},
      {"not", TW_SELECTOR_ERROR_SYNTAX, "column 4: expected a term"},
      {"tag:a and or tag:b", TW_SELECTOR_ERROR_SYNTAX, "column 11: expected a term"},
      {"tag:a or", TW_SELECTOR_ERROR_SYNTAX, "column 9: expected a term"},
      {"()", TW_SELECTOR_ERROR_SYNTAX, "column 2: expected a term"},
      {"tag:", TW_SELECTOR_ERROR_SYNTAX, "column 5: expected a value after 'tag:'"},
      {"kind= x", TW_SELECTOR_ERROR_SYNTAX, "column 6: expected a value after 'kind='"},
      {"tag:a tag:b", TW_SELECTOR_ERROR_SYNTAX, "column 7: expected 'and', 'or' or the end"},
      {"tag:a )", TW_SELECTOR_ERROR_SYNTAX, "column 7: unmatched ')'"},
      {"(tag:a", TW_SELECTOR_ERROR_SYNTAX, "column 7: expected ')' to close the '(' at column 1"},
      {"x=1 and ((y=2)", TW_SELECTOR_ERROR_SYNTAX,
       "column 15: expected ')' to close the '(' at column 9"},
      {"foo", TW_SELECTOR_ERROR_SYNTAX,
       "column 4: expected ':', '=', '!=', '~' or '!~' after 'foo'"},
      {"foo!bar", TW_SELECTOR_ERROR_SYNTAX,
       "column 4: expected ':', '=', '!=', '~' or '!~' after 'foo'"},
      {"=x", TW_SELECTOR_ERROR_SYNTAX, "column 1: expected a term"},
      {"title=\"abc", TW_SELECTOR_ERROR_SYNTAX, "column 7: unterminated quoted value"},
      {"title:x", TW_SELECTOR_ERROR_FIELD,
       "column 1: unknown prefix 'title:' (prefixes are tag:, actor:, kind:, source:; use "
       "'title=' or 'title~')"},
      {"tag:a and host:x", TW_SELECTOR_ERROR_FIELD,
       "column 11: unknown prefix 'host:' (prefixes are tag:, actor:, kind:, source:; use "
       "'host=' or 'host~')"},
      {"attributes.=x", TW_SELECTOR_ERROR_FIELD, "column 1: empty attribute name"},
      /* Columns count characters, not bytes. */
      {"tag:é and (", TW_SELECTOR_ERROR_SYNTAX, "column 12: expected a term"},
      {"tag:\xff", TW_SELECTOR_ERROR_SYNTAX, "column 5: not valid UTF-8"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(TwSelector) selector = tw_selector_compile(cases[i].text, &error);
    g_assert_null(selector);
    g_assert_error(error, TW_SELECTOR_ERROR, (gint)cases[i].code);
    g_autofree char *shown = g_utf8_make_valid(cases[i].text, -1);
    g_autofree char *expected = g_strdup_printf("selector '%s' %s", shown, cases[i].message);
    g_assert_cmpstr(error->message, ==, expected);
  }

  /* A bad regular expression is refused at the column of its value, with GRegex's reason. */
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSelector) selector = tw_selector_compile("tag:a and title~\"(x\"", &error);
  g_assert_null(selector);
  g_assert_error(error, TW_SELECTOR_ERROR, TW_SELECTOR_ERROR_REGEX);
  g_assert_true(g_str_has_prefix(error->message,
                                 "selector 'tag:a and title~\"(x\"' column 17: bad regular "
                                 "expression: "));
}

/* Long chains are n-ary (no deep recursion); deep nesting is refused, not a stack overflow. */
static void
test_limits(void)
{
  GString *chain = g_string_new("tag:none0");
  for (guint i = 1; i < 100000; i++)
    g_string_append_printf(chain, " or tag:none%u", i);
  g_string_append(chain, " or tag:us");
  g_autoptr(GError) error = NULL;
  g_autoptr(TwSelector) selector = tw_selector_compile(chain->str, &error);
  g_assert_no_error(error);
  g_autofree char *got = matches(selector);
  g_assert_cmpstr(got, ==, "010");
  g_string_free(chain, TRUE);

  GString *nested = g_string_new(NULL);
  for (guint i = 0; i < 100; i++)
    g_string_append(nested, "not (");
  g_string_append(nested, "tag:us");
  for (guint i = 0; i < 100; i++)
    g_string_append_c(nested, ')');
  g_autoptr(TwSelector) deep = tw_selector_compile(nested->str, &error);
  g_assert_no_error(error);
  g_autofree char *even = matches(deep);
  g_assert_cmpstr(even, ==, "010"); /* 100 negations */
  g_string_free(nested, TRUE);

  g_autofree char *too_deep = g_strnfill(100000, '(');
  g_autoptr(TwSelector) refused = tw_selector_compile(too_deep, &error);
  g_assert_null(refused);
  g_assert_error(error, TW_SELECTOR_ERROR, TW_SELECTOR_ERROR_SYNTAX);
  g_assert_true(strstr(error->message, ": nested too deeply") != NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  build_timeline();
  g_test_add_func("/selector/match", test_match);
  g_test_add_func("/selector/to-string", test_to_string);
  g_test_add_func("/selector/errors", test_errors);
  g_test_add_func("/selector/limits", test_limits);
  int status = g_test_run();
  tw_timeline_free(timeline);
  return status;
}
