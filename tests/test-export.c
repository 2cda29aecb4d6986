/* Tests of the core's json, jsonl, csv and html exporters on timelines built in-process. */
#include "export-common.h"
#include "private.h"
#include "tw-test.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

/* A local name for the autoptr cleanup, so that it cannot clash with one engine.h may add. */
typedef TwTimeline TestTimeline;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestTimeline, tw_timeline_free)

#define GENERATION_TIME (G_GINT64_CONSTANT(1767225600) * TW_USEC_PER_SEC)

/* -- the timeline under test -- */

/* An event of the "events" source: one date form each, and what the export must say of it
 * (UTC output). */
typedef struct {
  const char *id;
  const char *text;       /* the date as a source read it */
  const char *naive_zone; /* the source's zone for naive times, or NULL */
  const char *zone;       /* the zone the event states, or NULL */
  const char *date;
  const char *start;
  const char *end;
  const char *precision;
  const char *qualifier; /* NULL for none */
  gboolean floating;
} DateCase;

static const DateCase date_cases[] = {
    {"exact", "2026-02-13T10:30:00Z", NULL, NULL, "2026-02-13T10:30:00Z", "2026-02-13T10:30:00Z",
     "2026-02-13T10:30:00Z", "exact", NULL, FALSE},
    {"exact-usec", "2026-02-13T10:30:00.25+01:00", NULL, "+01:00", "2026-02-13T09:30:00.250000Z",
     "2026-02-13T09:30:00.250000Z", "2026-02-13T09:30:00.250000Z", "exact", NULL, FALSE},
    {"exact-summer", "2026-07-01T12:00:00Z", NULL, NULL, "2026-07-01T12:00:00Z",
     "2026-07-01T12:00:00Z", "2026-07-01T12:00:00Z", "exact", NULL, FALSE},
    {"minute-floating", "2026-02-13T10:30", NULL, NULL, "2026-02-13T10:30", "2026-02-13T10:30:00",
     "2026-02-13T10:31:00", "minute", NULL, TRUE},
    {"minute", "2026-02-13 10:30", "Europe/Berlin", "Europe/Berlin", "2026-02-13T09:30Z",
     "2026-02-13T09:30:00Z", "2026-02-13T09:31:00Z", "minute", NULL, FALSE},
    {"hour-kolkata", "2026-02-13T10", "Asia/Kolkata", "Asia/Kolkata", "2026-02-13T10+05:30",
     "2026-02-13T04:30:00Z", "2026-02-13T05:30:00Z", "hour", NULL, FALSE},
    {"day", "2026-02-13", NULL, NULL, "2026-02-13", "2026-02-13T00:00:00", "2026-02-14T00:00:00",
     "day", NULL, TRUE},
    {"week", "2026-W07", NULL, NULL, "2026-W07", "2026-02-09T00:00:00", "2026-02-16T00:00:00",
     "week", NULL, TRUE},
    {"month", "2026-02", NULL, NULL, "2026-02", "2026-02-01T00:00:00", "2026-03-01T00:00:00",
     "month", NULL, TRUE},
    {"quarter", "2026-Q1", NULL, NULL, "2026-Q1", "2026-01-01T00:00:00", "2026-04-01T00:00:00",
     "quarter", NULL, TRUE},
    {"half", "2025-H2", NULL, NULL, "2025-H2", "2025-07-01T00:00:00", "2026-01-01T00:00:00", "half",
     NULL, TRUE},
    {"season", "2025-SU", NULL, NULL, "2025-SU", "2025-06-01T00:00:00", "2025-09-01T00:00:00",
     "season", NULL, TRUE},
    {"year", "2026", NULL, NULL, "2026", "2026-01-01T00:00:00", "2027-01-01T00:00:00", "year", NULL,
     TRUE},
    {"decade", "2020s", NULL, NULL, "2020s", "2020-01-01T00:00:00", "2030-01-01T00:00:00", "decade",
     NULL, TRUE},
    {"century", "20XX", NULL, NULL, "20XX", "2000-01-01T00:00:00", "2100-01-01T00:00:00", "century",
     NULL, TRUE},
    {"early", "early 2025", NULL, NULL, "early 2025", "2025-01-01T00:00:00", "2025-05-01T00:00:00",
     "year", "early", TRUE},
    {"mid", "mid 2026", NULL, NULL, "mid 2026", "2026-05-01T00:00:00", "2026-09-01T00:00:00",
     "year", "mid", TRUE},
    {"late", "the end of 2026-03", NULL, NULL, "late 2026-03", "2026-03-21T00:00:00",
     "2026-04-01T00:00:00", "month", "late", TRUE},
    {"approx", "circa 2029", NULL, NULL, "about 2029", "2029-01-01T00:00:00", "2030-01-01T00:00:00",
     "year", "approx", TRUE},
    {"before", "by 2027", NULL, NULL, "before 2027", "2027-01-01T00:00:00", "2028-01-01T00:00:00",
     "year", "before", TRUE},
    {"after", "since 2022", NULL, NULL, "after 2022", "2022-01-01T00:00:00", "2023-01-01T00:00:00",
     "year", "after", TRUE},
    {"approx-exact", "~2026-02-13T10:30:00Z", NULL, NULL, "about 2026-02-13T10:30:00Z",
     "2026-02-13T10:30:00Z", "2026-02-13T10:30:00Z", "exact", "approx", FALSE},
};

#define RICH_TITLE "Z\xc3\xbcrich launch \xf0\x9f\x9a\x80 \"go\"\tnow \x01"
#define RICH_DESCRIPTION "line one\nline two\r\n\ttabbed \x01\x1f\x7f end \\ back"
#define RICH_URL "https://example.org/a?b=c&d=\"e\""

static void
parse_date(const char *text, const char *naive_zone, TwDate *date)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimeZone) zone = NULL;

  if (naive_zone != NULL) {
    zone = tw_zone_new(naive_zone, &error);
    g_assert_no_error(error);
  }
  g_assert_true(tw_date_parse(text, zone, date, &error));
  g_assert_no_error(error);
}

static void
commit(TwSink *sink)
{
  g_autoptr(GError) error = NULL;

  g_assert_true(tw_sink_commit(sink, &error));
  g_assert_no_error(error);
}

static void
add_date_case(TwSink *sink, const DateCase *c)
{
  TwEventBuilder *b = tw_sink_begin(sink, "events.json", 1);
  g_autofree char *title = g_strdup_printf("Event %s", c->id);
  TwDate date;

  parse_date(c->text, c->naive_zone, &date);
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_id(b, c->id);
  tw_event_builder_set_title(b, title);
  if (c->zone != NULL)
    tw_event_builder_set_zone(b, c->zone);
  commit(sink);
}

/* The "people" source: text that exercises escaping, quoting and formula injection. */
static void
add_people_event(TwSink *sink, guint which)
{
  TwEventBuilder *b = tw_sink_begin(sink, "people.json", which + 1);
  TwDate date;

  switch (which) {
  case 0:
    parse_date("2026-02-13T08:00:00Z", NULL, &date);
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_id(b, "rich");
    tw_event_builder_set_title(b, RICH_TITLE);
    tw_event_builder_set_description(b, RICH_DESCRIPTION);
    tw_event_builder_set_kind(b, "launch");
    tw_event_builder_add_tag(b, "b-tag");
    tw_event_builder_add_tag(b, "a-tag");
    tw_event_builder_add_tag(b, "b-tag");
    tw_event_builder_add_actor(b, "Ada Lovelace");
    tw_event_builder_add_actor(b, "Grace, Hopper");
    tw_event_builder_set_location(b, "Z\xc3\xbcrich, CH");
    tw_event_builder_set_url(b, RICH_URL);
    tw_event_builder_set_zone(b, "Europe/Zurich");
    tw_event_builder_set_geo(b, 47.3769, 8.5417);
    tw_event_builder_set_attribute(b, "z-key", "1");
    tw_event_builder_set_attribute(b, "a-key", "-5");
    tw_event_builder_set_attribute(b, "ctrl", "bell\x07");
    tw_event_builder_set_attribute(b, "json", "{\"x\": [1]}");
    tw_event_builder_set_attribute(b, "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x8e\x89");
    break;
  case 1:
    parse_date("2026-02-13", NULL, &date);
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_id(b, "formula");
    tw_event_builder_set_title(b, "=SUM(A1:A2)");
    tw_event_builder_set_description(b, "+cmd|' /C calc'!A0");
    tw_event_builder_set_kind(b, "-5");
    tw_event_builder_set_location(b, "@home");
    tw_event_builder_add_tag(b, "=tag");
    tw_event_builder_add_actor(b, "\tTabbed");
    tw_event_builder_set_url(b, "\rcarriage");
    break;
  case 2:
    parse_date("2026-02", NULL, &date);
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_id(b, "spaces");
    tw_event_builder_set_title(b, "Spaces");
    tw_event_builder_set_location(b, " leading and trailing ");
    tw_event_builder_set_description(b, "a,b;c|d\te");
    tw_event_builder_add_tag(b, "x y");
    tw_event_builder_set_geo(b, -33.8688, 151.2093);
    break;
  case 3:
    parse_date("2026", NULL, &date);
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_id(b, "numbers");
    tw_event_builder_set_title(b, "Numbers");
    tw_event_builder_set_geo(b, 0.1 + 0.2, 1e-7);
    break;
  default:
    g_assert_not_reached();
  }
  commit(sink);
}

#define N_PEOPLE 4

static guint
find(const TwTimeline *timeline, const char *id)
{
  gint index = tw_timeline_find_event(timeline, id);

  g_assert_cmpint(index, >=, 0);
  return (guint)index;
}

/* Builds the timeline; @reversed commits every event and closes the sinks in the opposite
 * order, which must not change a byte of any export. */
static TwTimeline *
build_timeline(gboolean reversed)
{
  TwTimeline *timeline = tw_timeline_new("Export \"test\" \xe2\x80\x94 timeline");
  TwSink *events = tw_timeline_open_sink(timeline, "events", FALSE);
  TwSink *people = tw_timeline_open_sink(timeline, "people", FALSE);
  guint n = G_N_ELEMENTS(date_cases);
  TwFinding *finding;

  for (guint i = 0; i < n; i++)
    add_date_case(events, &date_cases[reversed ? n - 1 - i : i]);
  for (guint i = 0; i < N_PEOPLE; i++)
    add_people_event(people, reversed ? N_PEOPLE - 1 - i : i);
  if (reversed) {
    tw_sink_close(people);
    tw_sink_close(events);
  } else {
    tw_sink_close(events);
    tw_sink_close(people);
  }
  tw_timeline_finish(timeline);

  tw_timeline_add_link(timeline, find(timeline, "exact"), find(timeline, "rich"), "follows",
                       30 * TW_USEC_PER_DAY, 45 * TW_USEC_PER_DAY, TW_CERTAINTY_POSSIBLE);
  tw_timeline_add_link(timeline, find(timeline, "exact"), find(timeline, "day"), "same-day", 0, 0,
                       TW_CERTAINTY_CERTAIN);
  tw_timeline_add_link(timeline, find(timeline, "exact"), find(timeline, "rich"), "again",
                       90 * 60 * TW_USEC_PER_SEC, 90 * 60 * TW_USEC_PER_SEC, TW_CERTAINTY_CERTAIN);
  finding = tw_timeline_add_finding(timeline, "correlate", "follows", "sequence",
                                    "launch after \"exact\", within 45d");
  tw_finding_add_event(finding, timeline, find(timeline, "exact"));
  tw_finding_add_event(finding, timeline, find(timeline, "rich"));
  tw_finding_set_attribute(finding, "window", "45d");
  tw_finding_set_attribute(finding, "note", "=1+1");
  return timeline;
}

/* -- running an exporter into a temporary file -- */

static char *
make_temp_dir(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("tw-export-XXXXXX", &error);

  g_assert_no_error(error);
  return dir;
}

static void
remove_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_assert_cmpint(g_unlink(path), ==, 0);
  }
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* Exports @timeline with @info into @path; FALSE with @error when the exporter refuses. */
static gboolean
export_to(const TwExporterInfo *info, const TwTimeline *timeline, const char *zone,
          const char *const *keys, const char *const *values, const char *path, GError **error)
{
  g_autoptr(TwOutput) out = NULL;
  TwExporter exporter = {0};
  gboolean ok;

  exporter.info = info;
  exporter.name = g_strdup(info->name);
  exporter.generation_time = GENERATION_TIME;
  exporter.options = tw_options_new(info->name, info->options, NULL, keys, values, error);
  g_assert_nonnull(exporter.options);
  if (zone != NULL) {
    exporter.output_zone = tw_zone_new(zone, error);
    g_assert_nonnull(exporter.output_zone);
  }
  out = tw_output_open(path, error);
  g_assert_nonnull(out);
  ok = info->write(&exporter, timeline, out, error);
  if (ok)
    ok = tw_output_close(out, error);
  else
    tw_output_abort(out);
  tw_options_free(exporter.options);
  g_clear_pointer(&exporter.output_zone, g_time_zone_unref);
  g_free(exporter.name);
  return ok;
}

/* Exports into a fresh file and returns its bytes (transfer full). */
static char *
export_string(const TwExporterInfo *info, const TwTimeline *timeline, const char *zone,
              const char *const *keys, const char *const *values, gsize *length)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *name = g_strdup_printf("export.%s", info->extension);
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true(export_to(info, timeline, zone, keys, values, path, &error));
  g_assert_no_error(error);
  g_file_get_contents(path, &contents, length, &error);
  g_assert_no_error(error);
  remove_dir(dir);
  return contents;
}

static JsonNode *
parse_json(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data(parser, text, -1, &error);
  g_assert_no_error(error);
  return json_node_copy(json_parser_get_root(parser));
}

/* The member names of @object, in document order, joined with spaces. */
static char *
member_names(JsonObject *object)
{
  g_autoptr(GString) names = g_string_new(NULL);
  GList *members = json_object_get_members(object);

  for (GList *l = members; l != NULL; l = l->next)
    g_string_append_printf(names, "%s%s", names->len ? " " : "", (const char *)l->data);
  g_list_free(members);
  return g_string_free(g_steal_pointer(&names), FALSE);
}

static JsonObject *
find_event_object(JsonArray *events, const char *id)
{
  for (guint i = 0; i < json_array_get_length(events); i++) {
    JsonObject *object = json_array_get_object_element(events, i);

    if (g_strcmp0(json_object_get_string_member(object, "id"), id) == 0)
      return object;
  }
  g_assert_not_reached();
  return NULL;
}

static char *
string_array_text(JsonArray *array)
{
  g_autoptr(GString) text = g_string_new(NULL);

  for (guint i = 0; i < json_array_get_length(array); i++)
    g_string_append_printf(text, "%s%s", i ? "|" : "", json_array_get_string_element(array, i));
  return g_string_free(g_steal_pointer(&text), FALSE);
}

/* -- json -- */

static void
check_date_case_object(JsonObject *object, const DateCase *c)
{
  g_autoptr(GString) expected = g_string_new("id date start end precision");
  g_autofree char *names = member_names(object);
  g_autofree char *title = g_strdup_printf("Event %s", c->id);

  if (c->qualifier != NULL)
    g_string_append(expected, " qualifier");
  if (c->floating)
    g_string_append(expected, " floating");
  if (c->zone != NULL)
    g_string_append(expected, " zone");
  g_string_append(expected, " title source tags");
  g_assert_cmpstr(names, ==, expected->str);

  g_assert_cmpstr(json_object_get_string_member(object, "date"), ==, c->date);
  g_assert_cmpstr(json_object_get_string_member(object, "start"), ==, c->start);
  g_assert_cmpstr(json_object_get_string_member(object, "end"), ==, c->end);
  g_assert_cmpstr(json_object_get_string_member(object, "precision"), ==, c->precision);
  if (c->qualifier != NULL)
    g_assert_cmpstr(json_object_get_string_member(object, "qualifier"), ==, c->qualifier);
  if (c->floating)
    g_assert_true(json_object_get_boolean_member(object, "floating"));
  if (c->zone != NULL)
    g_assert_cmpstr(json_object_get_string_member(object, "zone"), ==, c->zone);
  g_assert_cmpstr(json_object_get_string_member(object, "title"), ==, title);
  g_assert_cmpstr(json_object_get_string_member(object, "source"), ==, "events");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(object, "tags")), ==, 0);
}

/* Every "date" the export writes reads back as the event's own span. */
static void
check_dates_read_back(JsonArray *events, const TwTimeline *timeline)
{
  for (guint i = 0; i < json_array_get_length(events); i++) {
    JsonObject *object = json_array_get_object_element(events, i);
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    g_autoptr(GError) error = NULL;
    TwDate date;

    g_assert_cmpstr(json_object_get_string_member(object, "id"), ==, tw_event_get_id(event));
    g_assert_true(
        tw_date_parse(json_object_get_string_member(object, "date"), NULL, &date, &error));
    g_assert_no_error(error);
    g_assert_cmpint(date.start, ==, tw_event_get_start(event));
    g_assert_cmpint(date.end, ==, tw_event_get_end(event));
    g_assert_cmpint(date.precision, ==, tw_event_get_precision(event));
    g_assert_cmpint(date.qualifier, ==, tw_event_get_qualifier(event));
    g_assert_cmpint(date.floating, ==, tw_event_is_floating(event));
  }
}

static void
test_json_schema(void)
{
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);
  g_autofree char *text = export_string(&_tw_exporter_json, timeline, NULL, NULL, NULL, NULL);
  g_autoptr(JsonNode) root = parse_json(text);
  JsonObject *document = json_node_get_object(root);
  g_autofree char *names = member_names(document);
  JsonArray *events = json_object_get_array_member(document, "events");
  JsonArray *links = json_object_get_array_member(document, "links");
  JsonArray *findings = json_object_get_array_member(document, "findings");
  JsonObject *object;

  g_assert_cmpstr(names, ==, "timeweave title events links findings");
  g_assert_cmpstr(json_object_get_string_member(document, "timeweave"), ==, TW_VERSION);
  g_assert_cmpstr(json_object_get_string_member(document, "title"), ==,
                  "Export \"test\" \xe2\x80\x94 timeline");
  g_assert_cmpuint(json_array_get_length(events), ==, G_N_ELEMENTS(date_cases) + N_PEOPLE);
  g_assert_cmpuint(json_array_get_length(events), ==, tw_timeline_get_n_events(timeline));

  for (guint i = 0; i < G_N_ELEMENTS(date_cases); i++)
    check_date_case_object(find_event_object(events, date_cases[i].id), &date_cases[i]);
  check_dates_read_back(events, timeline);

  /* The rich event: every optional member, in the fixed order. */
  object = find_event_object(events, "rich");
  g_clear_pointer(&names, g_free);
  names = member_names(object);
  g_assert_cmpstr(names, ==,
                  "id date start end precision zone title description source kind tags actors "
                  "location url geo attributes");
  g_assert_cmpstr(json_object_get_string_member(object, "date"), ==, "2026-02-13T08:00:00Z");
  g_assert_cmpstr(json_object_get_string_member(object, "zone"), ==, "Europe/Zurich");
  g_assert_cmpstr(json_object_get_string_member(object, "title"), ==, RICH_TITLE);
  g_assert_cmpstr(json_object_get_string_member(object, "description"), ==, RICH_DESCRIPTION);
  g_assert_cmpstr(json_object_get_string_member(object, "source"), ==, "people");
  g_assert_cmpstr(json_object_get_string_member(object, "kind"), ==, "launch");
  {
    g_autofree char *tags = string_array_text(json_object_get_array_member(object, "tags"));
    g_autofree char *actors = string_array_text(json_object_get_array_member(object, "actors"));

    g_assert_cmpstr(tags, ==, "b-tag|a-tag");
    g_assert_cmpstr(actors, ==, "Ada Lovelace|Grace, Hopper");
  }
  g_assert_cmpstr(json_object_get_string_member(object, "location"), ==, "Z\xc3\xbcrich, CH");
  g_assert_cmpstr(json_object_get_string_member(object, "url"), ==, RICH_URL);
  {
    JsonObject *geo = json_object_get_object_member(object, "geo");
    g_autofree char *geo_names = member_names(geo);

    g_assert_cmpstr(geo_names, ==, "lat lon");
    g_assert_cmpfloat(json_object_get_double_member(geo, "lat"), ==, 47.3769);
    g_assert_cmpfloat(json_object_get_double_member(geo, "lon"), ==, 8.5417);
  }
  {
    JsonObject *attributes = json_object_get_object_member(object, "attributes");
    g_autofree char *attribute_names = member_names(attributes);

    g_assert_cmpstr(attribute_names, ==, "z-key a-key ctrl json \xe6\x97\xa5\xe6\x9c\xac");
    g_assert_cmpstr(json_object_get_string_member(attributes, "z-key"), ==, "1");
    g_assert_cmpstr(json_object_get_string_member(attributes, "a-key"), ==, "-5");
    g_assert_cmpstr(json_object_get_string_member(attributes, "ctrl"), ==, "bell\x07");
    g_assert_cmpstr(json_object_get_string_member(attributes, "json"), ==, "{\"x\": [1]}");
    g_assert_cmpstr(json_object_get_string_member(attributes, "\xe6\x97\xa5\xe6\x9c\xac"), ==,
                    "\xf0\x9f\x8e\x89");
  }

  /* Formula-like text is left alone in JSON. */
  object = find_event_object(events, "formula");
  g_assert_cmpstr(json_object_get_string_member(object, "title"), ==, "=SUM(A1:A2)");
  g_assert_cmpstr(json_object_get_string_member(object, "kind"), ==, "-5");

  /* Numbers: the shortest text that reads back exactly. */
  g_assert_nonnull(strstr(text, "\"geo\": {\"lat\": 47.3769, \"lon\": 8.5417}"));
  g_assert_nonnull(strstr(text, "\"geo\": {\"lat\": -33.8688, \"lon\": 151.2093}"));
  g_assert_nonnull(strstr(text, "\"geo\": {\"lat\": 0.30000000000000004, \"lon\": 1e-07}"));
  object = find_event_object(events, "numbers");
  g_assert_cmpfloat(
      json_object_get_double_member(json_object_get_object_member(object, "geo"), "lat"), ==,
      0.1 + 0.2);

  /* No raw control character anywhere: they are escaped. */
  for (const char *p = text; *p != '\0'; p++)
    g_assert_true((unsigned char)*p >= 0x20 || *p == '\n');
  g_assert_nonnull(strstr(text, "\\t"));
  g_assert_nonnull(strstr(text, "\\u0001"));
  g_assert_nonnull(strstr(text, "\\u0007"));
  g_assert_nonnull(strstr(text, "\xf0\x9f\x9a\x80")); /* UTF-8 kept as is */

  /* Links and findings. */
  g_assert_cmpuint(json_array_get_length(links), ==, 3);
  object = json_array_get_object_element(links, 0);
  g_clear_pointer(&names, g_free);
  names = member_names(object);
  g_assert_cmpstr(names, ==, "from to rule lag_min lag_max certainty");
  g_assert_cmpstr(json_object_get_string_member(object, "from"), ==, "exact");
  g_assert_cmpstr(json_object_get_string_member(object, "to"), ==, "rich");
  g_assert_cmpstr(json_object_get_string_member(object, "rule"), ==, "follows");
  g_assert_cmpstr(json_object_get_string_member(object, "lag_min"), ==, "30d");
  g_assert_cmpstr(json_object_get_string_member(object, "lag_max"), ==, "45d");
  g_assert_cmpstr(json_object_get_string_member(object, "certainty"), ==, "possible");
  object = json_array_get_object_element(links, 1);
  g_assert_cmpstr(json_object_get_string_member(object, "to"), ==, "day");
  g_assert_cmpstr(json_object_get_string_member(object, "lag_min"), ==, "0s");
  g_assert_cmpstr(json_object_get_string_member(object, "certainty"), ==, "certain");
  object = json_array_get_object_element(links, 2);
  g_assert_cmpstr(json_object_get_string_member(object, "lag_max"), ==, "1h30m");

  g_assert_cmpuint(json_array_get_length(findings), ==, 1);
  object = json_array_get_object_element(findings, 0);
  g_clear_pointer(&names, g_free);
  names = member_names(object);
  g_assert_cmpstr(names, ==, "analyzer rule kind summary events attributes");
  g_assert_cmpstr(json_object_get_string_member(object, "analyzer"), ==, "correlate");
  g_assert_cmpstr(json_object_get_string_member(object, "kind"), ==, "sequence");
  g_assert_cmpstr(json_object_get_string_member(object, "summary"), ==,
                  "launch after \"exact\", within 45d");
  {
    g_autofree char *ids = string_array_text(json_object_get_array_member(object, "events"));
    JsonObject *attributes = json_object_get_object_member(object, "attributes");

    g_assert_cmpstr(ids, ==, "exact|rich");
    g_assert_cmpstr(json_object_get_string_member(attributes, "window"), ==, "45d");
    g_assert_cmpstr(json_object_get_string_member(attributes, "note"), ==, "=1+1");
  }

  /* Pretty layout: two-space indentation, one member per line, a final newline. */
  g_assert_true(g_str_has_prefix(text, "{\n  \"timeweave\": \"" TW_VERSION "\",\n  \"title\": "));
  g_assert_nonnull(strstr(text, "\n  \"events\": [\n    {\n      \"id\": \""));
  g_assert_true(g_str_has_suffix(text, "\n  ]\n}\n"));
}

/* --output-zone: exact instants of zoned events in the zone's offset, floating dates as they
 * are; every date still reads back as the same span. */
static void
test_json_output_zone(void)
{
  static const struct {
    const char *zone;
    const char *id;
    const char *date;
    const char *start;
    const char *end;
  } cases[] = {
      {"Europe/Berlin", "exact", "2026-02-13T11:30:00+01:00", "2026-02-13T11:30:00+01:00",
       "2026-02-13T11:30:00+01:00"},
      {"Europe/Berlin", "exact-usec", "2026-02-13T10:30:00.250000+01:00",
       "2026-02-13T10:30:00.250000+01:00", "2026-02-13T10:30:00.250000+01:00"},
      {"Europe/Berlin", "exact-summer", "2026-07-01T14:00:00+02:00", "2026-07-01T14:00:00+02:00",
       "2026-07-01T14:00:00+02:00"},
      {"Europe/Berlin", "approx-exact", "about 2026-02-13T11:30:00+01:00",
       "2026-02-13T11:30:00+01:00", "2026-02-13T11:30:00+01:00"},
      {"Europe/Berlin", "minute", "2026-02-13T09:30Z", "2026-02-13T10:30:00+01:00",
       "2026-02-13T10:31:00+01:00"},
      {"Europe/Berlin", "hour-kolkata", "2026-02-13T10+05:30", "2026-02-13T05:30:00+01:00",
       "2026-02-13T06:30:00+01:00"},
      {"Europe/Berlin", "minute-floating", "2026-02-13T10:30", "2026-02-13T10:30:00",
       "2026-02-13T10:31:00"},
      {"Europe/Berlin", "day", "2026-02-13", "2026-02-13T00:00:00", "2026-02-14T00:00:00"},
      {"Asia/Kolkata", "exact", "2026-02-13T16:00:00+05:30", "2026-02-13T16:00:00+05:30",
       "2026-02-13T16:00:00+05:30"},
      {"Asia/Kolkata", "hour-kolkata", "2026-02-13T10+05:30", "2026-02-13T10:00:00+05:30",
       "2026-02-13T11:00:00+05:30"},
      {"America/New_York", "exact-summer", "2026-07-01T08:00:00-04:00", "2026-07-01T08:00:00-04:00",
       "2026-07-01T08:00:00-04:00"},
      {"+05:45", "rich", "2026-02-13T13:45:00+05:45", "2026-02-13T13:45:00+05:45",
       "2026-02-13T13:45:00+05:45"},
  };
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *text =
        export_string(&_tw_exporter_json, timeline, cases[i].zone, NULL, NULL, NULL);
    g_autoptr(JsonNode) root = parse_json(text);
    JsonArray *events = json_object_get_array_member(json_node_get_object(root), "events");
    JsonObject *object = find_event_object(events, cases[i].id);

    g_test_message("%s in %s", cases[i].id, cases[i].zone);
    g_assert_cmpstr(json_object_get_string_member(object, "date"), ==, cases[i].date);
    g_assert_cmpstr(json_object_get_string_member(object, "start"), ==, cases[i].start);
    g_assert_cmpstr(json_object_get_string_member(object, "end"), ==, cases[i].end);
    check_dates_read_back(events, timeline);
  }

  /* UTC by name is the same as no zone: `Z`, byte for byte. */
  {
    g_autofree char *plain = export_string(&_tw_exporter_json, timeline, NULL, NULL, NULL, NULL);
    g_autofree char *utc = export_string(&_tw_exporter_json, timeline, "UTC", NULL, NULL, NULL);

    g_assert_cmpstr(plain, ==, utc);
  }
}

static void
test_json_range_and_empty(void)
{
  g_autoptr(TestTimeline) empty = tw_timeline_new("empty");
  g_autoptr(TestTimeline) ranged = tw_timeline_new("ranged");
  g_autofree char *text = NULL;
  g_autofree char *names = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *range;
  TwEventBuilder *b;
  TwSink *sink;
  TwDate date;

  tw_timeline_finish(empty);
  text = export_string(&_tw_exporter_json, empty, NULL, NULL, NULL, NULL);
  g_assert_cmpstr(text, ==,
                  "{\n  \"timeweave\": \"" TW_VERSION "\",\n  \"title\": \"empty\",\n"
                  "  \"events\": [],\n  \"links\": [],\n  \"findings\": []\n}\n");
  g_clear_pointer(&text, g_free);
  text = export_string(&_tw_exporter_jsonl, empty, NULL, NULL, NULL, NULL);
  g_assert_cmpstr(text, ==, "");
  g_clear_pointer(&text, g_free);

  tw_timeline_set_range(ranged, tw_civil_to_usec(2026, 1, 1, 0, 0, 0),
                        tw_civil_to_usec(2026, 7, 1, 0, 0, 0));
  sink = tw_timeline_open_sink(ranged, "s", FALSE);
  parse_date("2026-02", NULL, &date);
  b = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_title(b, "In range");
  commit(sink);
  tw_sink_close(sink);
  tw_timeline_finish(ranged);
  text = export_string(&_tw_exporter_json, ranged, "Europe/Berlin", NULL, NULL, NULL);
  root = parse_json(text);
  names = member_names(json_node_get_object(root));
  g_assert_cmpstr(names, ==, "timeweave title range events links findings");
  range = json_object_get_object_member(json_node_get_object(root), "range");
  g_assert_cmpstr(json_object_get_string_member(range, "from"), ==, "2026-01-01T01:00:00+01:00");
  g_assert_cmpstr(json_object_get_string_member(range, "to"), ==, "2026-07-01T02:00:00+02:00");
  g_assert_nonnull(strstr(text, "\"range\": {\"from\": \"2026-01-01T01:00:00+01:00\", \"to\": "
                                "\"2026-07-01T02:00:00+02:00\"},\n"));
}

/* pretty=false and jsonl carry exactly the same values as the pretty document. */
static void
test_json_compact_and_jsonl(void)
{
  static const char *const keys[] = {"pretty", NULL};
  static const char *const values[] = {"false", NULL};
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);
  g_autofree char *pretty = export_string(&_tw_exporter_json, timeline, NULL, NULL, NULL, NULL);
  g_autofree char *compact = export_string(&_tw_exporter_json, timeline, NULL, keys, values, NULL);
  g_autofree char *lines = export_string(&_tw_exporter_jsonl, timeline, NULL, NULL, NULL, NULL);
  g_autoptr(JsonNode) pretty_root = parse_json(pretty);
  g_autoptr(JsonNode) compact_root = parse_json(compact);
  g_auto(GStrv) rows = NULL;
  JsonArray *events;
  guint n_rows;

  g_assert_true(json_node_equal(pretty_root, compact_root));
  g_assert_true(g_str_has_suffix(compact, "}\n"));
  g_assert_true(strchr(compact, '\n') == compact + strlen(compact) - 1); /* one line */
  g_assert_true(g_str_has_prefix(compact, "{\"timeweave\":\"" TW_VERSION "\",\"title\":\"Export"));
  g_assert_nonnull(strstr(compact, "],\"links\":[{\"from\":\"exact\",\"to\":\"rich\",\"rule\":"));

  events = json_object_get_array_member(json_node_get_object(pretty_root), "events");
  g_assert_true(g_str_has_suffix(lines, "\n"));
  rows = g_strsplit(lines, "\n", -1);
  n_rows = g_strv_length(rows) - 1; /* the text after the last newline is empty */
  g_assert_cmpstr(rows[n_rows], ==, "");
  g_assert_cmpuint(n_rows, ==, json_array_get_length(events));
  for (guint i = 0; i < n_rows; i++) {
    g_autoptr(JsonNode) line = parse_json(rows[i]);

    g_assert_true(g_str_has_prefix(rows[i], "{\"id\":\""));
    g_assert_true(json_node_equal(line, json_array_get_element(events, i)));
  }
}

/* -- csv -- */

/* A strict RFC 4180 reader: records end with CRLF, quoted cells may hold anything with `""`
 * for a quote; a stray quote, CR or LF fails the test. Returns rows of cells. */
static GPtrArray *
read_csv(const char *data, gsize length, char delimiter)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  GPtrArray *row = NULL;
  g_autoptr(GString) cell = g_string_new(NULL);
  gsize i = 0;

  if (length >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  while (i < length) {
    if (row == NULL)
      row = g_ptr_array_new_with_free_func(g_free);
    g_string_truncate(cell, 0);
    if (data[i] == '"') {
      for (i++;; i++) {
        g_assert_cmpuint(i, <, length); /* an unterminated quote */
        if (data[i] == '"') {
          if (i + 1 < length && data[i + 1] == '"') {
            g_string_append_c(cell, '"');
            i++;
          } else {
            i++;
            break;
          }
        } else {
          g_string_append_c(cell, data[i]);
        }
      }
    } else {
      while (i < length && data[i] != delimiter && data[i] != '\r' && data[i] != '\n') {
        g_assert_cmpint(data[i], !=, '"'); /* a quote inside an unquoted cell */
        g_string_append_c(cell, data[i++]);
      }
    }
    g_ptr_array_add(row, g_strdup(cell->str));
    g_assert_cmpuint(i, <, length); /* the last record ends with CRLF too */
    if (data[i] == delimiter) {
      i++;
      continue;
    }
    g_assert_cmpint(data[i], ==, '\r');
    g_assert_cmpuint(i + 1, <, length);
    g_assert_cmpint(data[i + 1], ==, '\n');
    i += 2;
    g_ptr_array_add(rows, g_steal_pointer(&row));
  }
  g_assert_null(row);
  return rows;
}

/* The same file read by Python's csv module (an independent reader), as rows of cells. */
static GPtrArray *
read_csv_python(const char *path, const char *delimiter)
{
  g_autofree char *script = tw_test_fixture("export/csv-rows.py");
  const char *argv[] = {"/usr/bin/python3", script, path, delimiter, NULL};
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  GPtrArray *rows;
  JsonArray *array;
  int status;

  if (!g_file_test(argv[0], G_FILE_TEST_IS_EXECUTABLE))
    return NULL;
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, &error))
    g_error("csv-rows.py failed: %s: %s", error->message, err);
  root = parse_json(out);
  array = json_node_get_array(root);
  rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  for (guint i = 0; i < json_array_get_length(array); i++) {
    JsonArray *cells = json_array_get_array_element(array, i);
    GPtrArray *row = g_ptr_array_new_with_free_func(g_free);

    for (guint j = 0; j < json_array_get_length(cells); j++)
      g_ptr_array_add(row, g_strdup(json_array_get_string_element(cells, j)));
    g_ptr_array_add(rows, row);
  }
  return rows;
}

static void
assert_same_rows(GPtrArray *a, GPtrArray *b)
{
  g_assert_cmpuint(a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++) {
    GPtrArray *ra = a->pdata[i];
    GPtrArray *rb = b->pdata[i];

    g_assert_cmpuint(ra->len, ==, rb->len);
    for (guint j = 0; j < ra->len; j++)
      g_assert_cmpstr(ra->pdata[j], ==, rb->pdata[j]);
  }
}

typedef struct {
  char *text;
  gsize length;
  GPtrArray *rows; /* by our reader; checked equal to Python's */
} CsvExport;

static void
csv_export_free(CsvExport *e)
{
  g_free(e->text);
  g_ptr_array_unref(e->rows);
  g_free(e);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CsvExport, csv_export_free)

/* Exports CSV, reads it back with both readers, and checks they agree. */
static CsvExport *
export_csv(const TwTimeline *timeline, const char *zone, const char *const *keys,
           const char *const *values, char delimiter, const char *python_delimiter)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *path = g_build_filename(dir, "export.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) python_rows = NULL;
  CsvExport *e = g_new0(CsvExport, 1);

  g_assert_true(export_to(&_tw_exporter_csv, timeline, zone, keys, values, path, &error));
  g_assert_no_error(error);
  g_file_get_contents(path, &e->text, &e->length, &error);
  g_assert_no_error(error);
  e->rows = read_csv(e->text, e->length, delimiter);
  python_rows = read_csv_python(path, python_delimiter);
  if (python_rows == NULL)
    tw_test_skip("/usr/bin/python3 is missing: CSV not checked by Python's csv module");
  else
    assert_same_rows(e->rows, python_rows);
  remove_dir(dir);
  return e;
}

static GPtrArray *
csv_row_of(GPtrArray *rows, const char *id)
{
  for (guint i = 1; i < rows->len; i++) {
    GPtrArray *row = rows->pdata[i];

    if (strcmp(row->pdata[0], id) == 0)
      return row;
  }
  g_assert_not_reached();
  return NULL;
}

enum {
  COL_ID,
  COL_START,
  COL_END,
  COL_PRECISION,
  COL_TITLE,
  COL_SOURCE,
  COL_KIND,
  COL_TAGS,
  COL_QUALIFIER,
  COL_DATE,
  COL_DESCRIPTION,
  COL_ACTORS,
  COL_LOCATION,
  COL_URL,
  COL_ZONE,
  COL_ATTRIBUTES,
  COL_LINKS,
  N_COLUMNS
};

#define CSV_HEADER                                                                                 \
  "id,start,end,precision,title,source,kind,tags,qualifier,date,description,actors,location,"      \
  "url,zone,attributes,links\r\n"

static void
test_csv_rows(void)
{
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);
  g_autoptr(CsvExport) e = export_csv(timeline, NULL, NULL, NULL, ',', ",");
  GPtrArray *row;

  g_assert_true(g_str_has_prefix(e->text, CSV_HEADER));
  g_assert_true(g_str_has_suffix(e->text, "\r\n"));
  g_assert_cmpuint(e->rows->len, ==, tw_timeline_get_n_events(timeline) + 1);
  for (guint i = 0; i < e->rows->len; i++) {
    GPtrArray *r = e->rows->pdata[i];

    g_assert_cmpuint(r->len, ==, N_COLUMNS);
    if (i > 0)
      g_assert_cmpstr(r->pdata[COL_ID], ==,
                      tw_event_get_id(tw_timeline_get_event(timeline, i - 1)));
  }

  for (guint i = 0; i < G_N_ELEMENTS(date_cases); i++) {
    const DateCase *c = &date_cases[i];
    g_autofree char *title = g_strdup_printf("Event %s", c->id);

    row = csv_row_of(e->rows, c->id);
    g_assert_cmpstr(row->pdata[COL_START], ==, c->start);
    g_assert_cmpstr(row->pdata[COL_END], ==, c->end);
    g_assert_cmpstr(row->pdata[COL_PRECISION], ==, c->precision);
    g_assert_cmpstr(row->pdata[COL_TITLE], ==, title);
    g_assert_cmpstr(row->pdata[COL_SOURCE], ==, "events");
    g_assert_cmpstr(row->pdata[COL_QUALIFIER], ==, c->qualifier ? c->qualifier : "");
    g_assert_cmpstr(row->pdata[COL_DATE], ==, c->date);
    /* A zone offset begins with + or -: formula-escaped like any such cell. */
    if (c->zone != NULL && (c->zone[0] == '+' || c->zone[0] == '-')) {
      g_autofree char *escaped = g_strconcat("'", c->zone, NULL);

      g_assert_cmpstr(row->pdata[COL_ZONE], ==, escaped);
    } else {
      g_assert_cmpstr(row->pdata[COL_ZONE], ==, c->zone ? c->zone : "");
    }
    g_assert_cmpstr(row->pdata[COL_ATTRIBUTES], ==, "");
  }

  row = csv_row_of(e->rows, "rich");
  g_assert_cmpstr(row->pdata[COL_TITLE], ==, RICH_TITLE);
  g_assert_cmpstr(row->pdata[COL_DESCRIPTION], ==, RICH_DESCRIPTION); /* CR and LF inside */
  g_assert_cmpstr(row->pdata[COL_TAGS], ==, "b-tag;a-tag");
  g_assert_cmpstr(row->pdata[COL_ACTORS], ==, "Ada Lovelace;Grace, Hopper");
  g_assert_cmpstr(row->pdata[COL_LOCATION], ==, "Z\xc3\xbcrich, CH");
  g_assert_cmpstr(row->pdata[COL_URL], ==, RICH_URL);
  g_assert_cmpstr(
      row->pdata[COL_ATTRIBUTES], ==,
      "{\"z-key\":\"1\",\"a-key\":\"-5\",\"ctrl\":\"bell\\u0007\",\"json\":\"{\\\"x\\\": "
      "[1]}\",\"\xe6\x97\xa5\xe6\x9c\xac\":\"\xf0\x9f\x8e\x89\"}");
  {
    g_autoptr(JsonNode) attributes = parse_json(row->pdata[COL_ATTRIBUTES]);
    JsonObject *object = json_node_get_object(attributes);

    g_assert_cmpstr(json_object_get_string_member(object, "ctrl"), ==, "bell\x07");
    g_assert_cmpstr(json_object_get_string_member(object, "json"), ==, "{\"x\": [1]}");
  }
  row = csv_row_of(e->rows, "exact");
  g_assert_cmpstr(row->pdata[COL_LINKS], ==, "rich;day"); /* each linked-to event once */
  row = csv_row_of(e->rows, "rich");
  g_assert_cmpstr(row->pdata[COL_LINKS], ==, "");

  /* Quoting on the wire: only where needed; quotes doubled. */
  g_assert_nonnull(strstr(e->text, ",\" leading and trailing \","));
  g_assert_nonnull(strstr(e->text, ",\"a,b;c|d\te\","));
  g_assert_nonnull(strstr(e->text, ",\"" RICH_DESCRIPTION "\",")); /* raw CR/LF inside */
  g_assert_nonnull(strstr(e->text, ",\"https://example.org/a?b=c&d=\"\"e\"\"\","));
  g_assert_nonnull(strstr(e->text,
                          "\r\nexact,2026-02-13T10:30:00Z,2026-02-13T10:30:00Z,exact,"
                          "Event exact,events,,,,2026-02-13T10:30:00Z,,,,,,,rich;day\r\n"));
  g_assert_false(g_str_has_prefix(e->text, "\xef\xbb\xbf"));
}

static void
test_csv_formula_escape(void)
{
  static const char *const off_keys[] = {"formula-escape", NULL};
  static const char *const off_values[] = {"false", NULL};
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);
  g_autoptr(CsvExport) on = export_csv(timeline, NULL, NULL, NULL, ',', ",");
  g_autoptr(CsvExport) off = export_csv(timeline, NULL, off_keys, off_values, ',', ",");
  GPtrArray *row;

  row = csv_row_of(on->rows, "formula");
  g_assert_cmpstr(row->pdata[COL_TITLE], ==, "'=SUM(A1:A2)");
  g_assert_cmpstr(row->pdata[COL_DESCRIPTION], ==, "'+cmd|' /C calc'!A0");
  g_assert_cmpstr(row->pdata[COL_KIND], ==, "'-5");
  g_assert_cmpstr(row->pdata[COL_LOCATION], ==, "'@home");
  g_assert_cmpstr(row->pdata[COL_TAGS], ==, "'=tag");
  row = csv_row_of(on->rows, "rich");
  g_assert_cmpstr(row->pdata[COL_DESCRIPTION], ==, RICH_DESCRIPTION); /* begins with a letter */
  /* The attributes cell is a JSON object: it begins with `{`, so "-5" inside stays as is. */
  g_assert_cmpstr(row->pdata[COL_ATTRIBUTES], ==,
                  ((GPtrArray *)csv_row_of(off->rows, "rich"))->pdata[COL_ATTRIBUTES]);
  g_assert_nonnull(strstr(on->text, ",'=SUM(A1:A2),"));
  /* A cell that begins with TAB or CR is escaped too (and quoted for the CR). */
  row = csv_row_of(on->rows, "formula");
  g_assert_cmpstr(row->pdata[COL_ACTORS], ==, "'\tTabbed");
  g_assert_cmpstr(row->pdata[COL_URL], ==, "'\rcarriage");
  g_assert_nonnull(strstr(on->text, ",'\tTabbed,"));
  g_assert_nonnull(strstr(on->text, ",\"'\rcarriage\","));

  row = csv_row_of(off->rows, "formula");
  g_assert_cmpstr(row->pdata[COL_TITLE], ==, "=SUM(A1:A2)");
  g_assert_cmpstr(row->pdata[COL_DESCRIPTION], ==, "+cmd|' /C calc'!A0");
  g_assert_cmpstr(row->pdata[COL_KIND], ==, "-5");
  g_assert_cmpstr(row->pdata[COL_LOCATION], ==, "@home");
  g_assert_nonnull(strstr(off->text, ",=SUM(A1:A2),"));
  /* Nothing else differs. */
  for (guint i = 0; i < on->rows->len; i++) {
    GPtrArray *a = on->rows->pdata[i];
    GPtrArray *b = off->rows->pdata[i];

    for (guint j = 0; j < a->len; j++) {
      const char *x = a->pdata[j];
      const char *y = b->pdata[j];

      if (strcmp(x, y) != 0) {
        g_assert_cmpint(x[0], ==, '\'');
        g_assert_cmpstr(x + 1, ==, y);
        g_assert_nonnull(strchr("=+-@\t\r", y[0]));
      }
    }
  }
}

static void
test_csv_options(void)
{
  static const struct {
    const char *value;
    char delimiter;
    const char *python;
  } delimiters[] = {
      {";", ';', ";"},     {"tab", '\t', "tab"},    {"|", '|', "|"},
      {"comma", ',', ","}, {"semicolon", ';', ";"}, {"pipe", '|', "|"},
  };
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);
  g_autoptr(CsvExport) plain = export_csv(timeline, NULL, NULL, NULL, ',', ",");

  for (guint i = 0; i < G_N_ELEMENTS(delimiters); i++) {
    const char *keys[] = {"delimiter", NULL};
    const char *values[] = {delimiters[i].value, NULL};
    g_autoptr(CsvExport) e =
        export_csv(timeline, NULL, keys, values, delimiters[i].delimiter, delimiters[i].python);

    g_test_message("delimiter %s", delimiters[i].value);
    assert_same_rows(plain->rows, e->rows);
    g_assert_cmpint(e->text[2], ==, delimiters[i].delimiter); /* "id" then the delimiter */
  }
  {
    const char *keys[] = {"delimiter", NULL};
    const char *values[] = {";", NULL};
    g_autoptr(CsvExport) e = export_csv(timeline, NULL, keys, values, ';', ";");

    /* With `;` the comma needs no quotes, the semicolon does. */
    g_assert_null(strstr(e->text, ";Ada Lovelace;Grace, Hopper;"));
    g_assert_nonnull(strstr(e->text, ";\"Ada Lovelace;Grace, Hopper\";"));
    g_assert_nonnull(strstr(e->text, ";Z\xc3\xbcrich, CH;"));
  }

  /* bom=true: Excel's UTF-8 mark first; Python reads the same rows (utf-8-sig). */
  {
    const char *keys[] = {"bom", NULL};
    const char *values[] = {"true", NULL};
    g_autoptr(CsvExport) e = export_csv(timeline, NULL, keys, values, ',', ",");

    g_assert_true(g_str_has_prefix(e->text, "\xef\xbb\xbf" CSV_HEADER));
    assert_same_rows(plain->rows, e->rows);
  }

  /* A delimiter that is none of the four is refused before anything is written. */
  {
    const char *keys[] = {"delimiter", NULL};
    const char *values[] = {"x", NULL};
    g_autofree char *dir = make_temp_dir();
    g_autofree char *path = g_build_filename(dir, "bad.csv", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false(export_to(&_tw_exporter_csv, timeline, NULL, keys, values, path, &error));
    g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
    g_assert_cmpstr(error->message, ==,
                    "option 'delimiter' of csv: 'x' is not one of , ; | tab (or comma, "
                    "semicolon, pipe)");
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    remove_dir(dir);
  }
}

static void
test_csv_output_zone(void)
{
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);
  g_autoptr(CsvExport) e = export_csv(timeline, "Europe/Berlin", NULL, NULL, ',', ",");
  GPtrArray *row;

  row = csv_row_of(e->rows, "exact");
  g_assert_cmpstr(row->pdata[COL_START], ==, "2026-02-13T11:30:00+01:00");
  g_assert_cmpstr(row->pdata[COL_DATE], ==, "2026-02-13T11:30:00+01:00");
  row = csv_row_of(e->rows, "exact-summer");
  g_assert_cmpstr(row->pdata[COL_END], ==, "2026-07-01T14:00:00+02:00");
  row = csv_row_of(e->rows, "day");
  g_assert_cmpstr(row->pdata[COL_START], ==, "2026-02-13T00:00:00");
  g_assert_cmpstr(row->pdata[COL_DATE], ==, "2026-02-13");
}

static void
test_csv_findings(void)
{
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);
  g_autofree char *dir = make_temp_dir();
  g_autofree char *findings = g_build_filename(dir, "findings.csv", NULL);
  g_autofree char *path = g_build_filename(dir, "events.csv", NULL);
  const char *keys[] = {"findings", NULL};
  const char *values[] = {findings, NULL};
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) python_rows = NULL;
  g_autofree char *text = NULL;
  gsize length;
  GPtrArray *row;

  g_assert_true(export_to(&_tw_exporter_csv, timeline, NULL, keys, values, path, &error));
  g_assert_no_error(error);
  g_file_get_contents(findings, &text, &length, &error);
  g_assert_no_error(error);
  g_assert_true(g_str_has_prefix(text, "analyzer,rule,kind,summary,events,attributes\r\n"));
  rows = read_csv(text, length, ',');
  g_assert_cmpuint(rows->len, ==, 2);
  row = rows->pdata[1];
  g_assert_cmpstr(row->pdata[0], ==, "correlate");
  g_assert_cmpstr(row->pdata[1], ==, "follows");
  g_assert_cmpstr(row->pdata[2], ==, "sequence");
  g_assert_cmpstr(row->pdata[3], ==, "launch after \"exact\", within 45d");
  g_assert_cmpstr(row->pdata[4], ==, "exact;rich");
  g_assert_cmpstr(row->pdata[5], ==, "{\"window\":\"45d\",\"note\":\"=1+1\"}");
  python_rows = read_csv_python(findings, ",");
  if (python_rows != NULL)
    assert_same_rows(rows, python_rows);

  /* A findings file that cannot be written fails the export with its path. */
  {
    g_autofree char *bad = g_build_filename(dir, "missing", "findings.csv", NULL);
    const char *bad_values[] = {bad, NULL};
    g_autofree char *expected = g_strdup_printf("%s: %s", bad, g_strerror(ENOENT));

    g_clear_error(&error);
    g_assert_false(export_to(&_tw_exporter_csv, timeline, NULL, keys, bad_values, path, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_cmpstr(error->message, ==, expected);
  }
  remove_dir(dir);
}

/* -- determinism -- */

static void
test_byte_identical(void)
{
  static const TwExporterInfo *const infos[] = {&_tw_exporter_json, &_tw_exporter_jsonl,
                                                &_tw_exporter_csv, &_tw_exporter_html};
  g_autoptr(TestTimeline) forward = build_timeline(FALSE);
  g_autoptr(TestTimeline) again = build_timeline(FALSE);
  g_autoptr(TestTimeline) reversed = build_timeline(TRUE);

  for (guint i = 0; i < G_N_ELEMENTS(infos); i++) {
    for (guint z = 0; z < 2; z++) {
      const char *zone = z == 0 ? NULL : "Europe/Berlin";
      gsize la, lb, lc, ld;
      g_autofree char *a = export_string(infos[i], forward, zone, NULL, NULL, &la);
      g_autofree char *b = export_string(infos[i], forward, zone, NULL, NULL, &lb);
      g_autofree char *c = export_string(infos[i], again, zone, NULL, NULL, &lc);
      g_autofree char *d = export_string(infos[i], reversed, zone, NULL, NULL, &ld);

      g_test_message("%s, zone %s", infos[i]->name, zone ? zone : "UTC");
      g_assert_cmpuint(la, >, 0);
      g_assert_cmpmem(a, la, b, lb);
      g_assert_cmpmem(a, la, c, lc);
      g_assert_cmpmem(a, la, d, ld);
    }
  }
}

/* The text of the html table's "When" cell of event @id, up to the next tag. (transfer full) */
static char *
html_when_cell(const char *page, const char *id)
{
  g_autofree char *row = g_strdup_printf("data-id=\"%s\"><td class=\"tw-when\">", id);
  const char *p = strstr(page, row);

  g_assert_nonnull(p);
  p += strlen(row);
  return g_strndup(p, strcspn(p, "<"));
}

/* The array of event @id in the html data block, up to its end (the text after its id). */
static char *
html_data_row(const char *page, const char *id)
{
  g_autofree char *start = g_strdup_printf("\n[\"%s\",", id);
  const char *p = strstr(page, start);

  g_assert_nonnull(p);
  p += strlen(start);
  return g_strndup(p, strcspn(p, "\n"));
}

#define FLOATING G_MININT

/* --output-zone in the html page: exact times in the zone (the table, the data the chart and
 * the details draw from: the zone's wall clock and the offsets), the zone named; floating times
 * and days as they are. Without a zone, or with UTC by name, the page is in UTC. */
static void
test_html_output_zone(void)
{
  static const struct {
    const char *zone;
    const char *label;
    const char *id;
    const char *when;
    const char *wall; /* the wall-clock start, read as UTC */
    int offset;       /* FLOATING: no offsets in the data */
  } cases[] = {
      {"Europe/Berlin", "Europe/Berlin", "exact", "2026-02-13T11:30:00+01:00",
       "2026-02-13T11:30:00Z", 3600},
      {"Europe/Berlin", "Europe/Berlin", "exact-summer", "2026-07-01T14:00:00+02:00",
       "2026-07-01T14:00:00Z", 7200},
      {"Europe/Berlin", "Europe/Berlin", "minute", "2026-02-13T10:30+01:00", "2026-02-13T10:30:00Z",
       3600},
      {"Europe/Berlin", "Europe/Berlin", "approx-exact", "about 2026-02-13T11:30:00+01:00",
       "2026-02-13T11:30:00Z", 3600},
      {"Europe/Berlin", "Europe/Berlin", "minute-floating", "2026-02-13T10:30",
       "2026-02-13T10:30:00Z", FLOATING},
      {"Europe/Berlin", "Europe/Berlin", "day", "2026-02-13", "2026-02-13T00:00:00Z", FLOATING},
      {"Europe/Berlin", "Europe/Berlin", "early", "early 2025", "2025-01-01T00:00:00Z", FLOATING},
      {"Asia/Kathmandu", "Asia/Kathmandu", "exact", "2026-02-13T16:15:00+05:45",
       "2026-02-13T16:15:00Z", 20700},
      {"+05:45", "UTC+05:45", "exact", "2026-02-13T16:15:00+05:45", "2026-02-13T16:15:00Z", 20700},
      {"+05:45", "UTC+05:45", "day", "2026-02-13", "2026-02-13T00:00:00Z", FLOATING},
      {"America/New_York", "America/New_York", "exact-summer", "2026-07-01T08:00:00-04:00",
       "2026-07-01T08:00:00Z", -14400},
      {"America/New_York", "America/New_York", "exact", "2026-02-13T05:30:00-05:00",
       "2026-02-13T05:30:00Z", -18000},
  };
  g_autoptr(TestTimeline) timeline = build_timeline(FALSE);

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *page =
        export_string(&_tw_exporter_html, timeline, cases[i].zone, NULL, NULL, NULL);
    g_autofree char *when = html_when_cell(page, cases[i].id);
    g_autofree char *row = html_data_row(page, cases[i].id);
    g_autofree char *label =
        g_strdup_printf(" \u00b7 times in <span id=\"tw-zone\">%s</span> \u00b7 ", cases[i].label);
    g_autofree char *data_label = g_strdup_printf(",\"zone\":\"%s\",", cases[i].label);
    g_autofree char *wall_text = NULL;
    g_autofree char *offsets = NULL;
    TwDate wall;

    g_test_message("%s in %s", cases[i].id, cases[i].zone);
    g_assert_cmpstr(when, ==, cases[i].when);
    g_assert_nonnull(strstr(page, label));
    g_assert_nonnull(strstr(page, data_label));
    /* the script names the zone at the axis, not UTC */
    g_assert_null(strstr(page, "'times in UTC'"));
    g_assert_nonnull(strstr(page, "ctx.fillText(zoneLabel(), 12, AXIS_H - 13);"));
    parse_date(cases[i].wall, NULL, &wall);
    wall_text = g_strdup_printf("%" G_GINT64_FORMAT ",", wall.start / 1000);
    g_assert_true(g_str_has_prefix(row, wall_text));
    /* after the attributes (none here), the offsets at start and end of a zoned time */
    if (cases[i].offset == FLOATING)
      offsets = g_strdup(",[]]");
    else
      offsets = g_strdup_printf(",[],%d,%d]", cases[i].offset, cases[i].offset);
    g_assert_nonnull(strstr(row, offsets));
  }

  /* Without a zone: UTC, as before; UTC by name is the same page, byte for byte. */
  {
    g_autofree char *plain = export_string(&_tw_exporter_html, timeline, NULL, NULL, NULL, NULL);
    g_autofree char *utc = export_string(&_tw_exporter_html, timeline, "Etc/UTC", NULL, NULL, NULL);
    g_autofree char *when = html_when_cell(plain, "exact");
    g_autofree char *row = html_data_row(plain, "exact");

    g_assert_cmpstr(plain, ==, utc);
    g_assert_cmpstr(when, ==, "2026-02-13T10:30:00Z");
    g_assert_true(g_str_has_prefix(row, "1770978600000,1770978600000,0,0,0,"));
    g_assert_null(strstr(plain, "tw-zone"));
    g_assert_null(strstr(plain, "zoneLabel"));
    g_assert_nonnull(strstr(plain, "ctx.fillText('times in UTC', 12, AXIS_H - 13);"));
  }
}

/* The exact bytes of a small timeline (tests/fixtures/export/small.*), so that any change of
 * layout shows up in review. */
static void
test_golden(void)
{
  static const struct {
    const TwExporterInfo *info;
    const char *fixture;
  } goldens[] = {
      {&_tw_exporter_json, "export/small.json"},
      {&_tw_exporter_jsonl, "export/small.jsonl"},
      {&_tw_exporter_csv, "export/small.csv"},
  };
  g_autoptr(TestTimeline) timeline = tw_timeline_new("Small");
  TwSink *sink = tw_timeline_open_sink(timeline, "small", FALSE);
  TwEventBuilder *b;
  TwFinding *finding;
  TwDate date;

  b = tw_sink_begin(sink, NULL, 0);
  parse_date("2026-02-13T10:30:00+01:00", NULL, &date);
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_id(b, "launch");
  tw_event_builder_set_title(b, "Launch, \"v1\"");
  tw_event_builder_set_kind(b, "release");
  tw_event_builder_add_tag(b, "product");
  tw_event_builder_add_tag(b, "public");
  tw_event_builder_add_actor(b, "Ada");
  tw_event_builder_set_zone(b, "+01:00");
  tw_event_builder_set_geo(b, 52.52, 13.405);
  tw_event_builder_set_attribute(b, "version", "1.0");
  tw_event_builder_set_attribute(b, "delta", "-5");
  commit(sink);
  b = tw_sink_begin(sink, NULL, 0);
  parse_date("early 2026-03", NULL, &date);
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_id(b, "review");
  tw_event_builder_set_title(b, "Review");
  tw_event_builder_set_description(b, "First line\nsecond line");
  commit(sink);
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  tw_timeline_add_link(timeline, 0, 1, "followed-by", 16 * TW_USEC_PER_DAY, 26 * TW_USEC_PER_DAY,
                       TW_CERTAINTY_POSSIBLE);
  finding = tw_timeline_add_finding(timeline, "check", "review-after-launch", "sequence",
                                    "a review followed the launch");
  tw_finding_add_event(finding, timeline, 0);
  tw_finding_add_event(finding, timeline, 1);

  for (guint i = 0; i < G_N_ELEMENTS(goldens); i++) {
    g_autofree char *path = tw_test_fixture(goldens[i].fixture);
    g_autofree char *expected = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(GError) error = NULL;
    gsize expected_length, actual_length;

    actual = export_string(goldens[i].info, timeline, NULL, NULL, NULL, &actual_length);
    /* TW_UPDATE_GOLDEN=1 rewrites the fixtures; review the diff before committing it. */
    if (g_strcmp0(g_getenv("TW_UPDATE_GOLDEN"), "1") == 0) {
      g_file_set_contents(path, actual, (gssize)actual_length, &error);
      g_assert_no_error(error);
    }
    g_file_get_contents(path, &expected, &expected_length, &error);
    g_assert_no_error(error);
    if (expected_length != actual_length || memcmp(expected, actual, actual_length) != 0)
      g_test_message("%s differs; this run wrote:\n%s", goldens[i].fixture, actual);
    g_assert_cmpmem(actual, actual_length, expected, expected_length);
  }
}

static void
test_descriptors(void)
{
  static const TwExporterInfo *const infos[] = {&_tw_exporter_json, &_tw_exporter_jsonl,
                                                &_tw_exporter_csv};
  static const char *const names[] = {"json", "jsonl", "csv"};

  for (guint i = 0; i < G_N_ELEMENTS(infos); i++) {
    g_assert_cmpstr(infos[i]->name, ==, names[i]);
    g_assert_cmpstr(infos[i]->extension, ==, names[i]);
    g_assert_nonnull(infos[i]->summary);
    g_assert_nonnull(infos[i]->description);
    g_assert_nonnull(infos[i]->options);
    g_assert_nonnull(infos[i]->write);
    for (const TwOptionSpec *spec = infos[i]->options; spec->name != NULL; spec++) {
      g_assert_nonnull(spec->help);
      g_assert_cmpuint(strlen(spec->help), >, 20);
    }
  }
  g_assert_nonnull(strstr(_tw_exporter_csv.description, "links lists the ids"));
  g_assert_nonnull(strstr(_tw_exporter_csv.description, "-5"));
}

/* -- the store (here because this test reaches core internals) -- */

/* Begins event @i of a store test: "an event", @i seconds after the epoch. */
static TwEventBuilder *
begin_numbered_event(TwSink *sink, guint i)
{
  TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
  TwDate date = {.start = (gint64)i * TW_USEC_PER_SEC, .precision = TW_PRECISION_EXACT};
  date.end = date.start;
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_title(b, "an event");
  return b;
}

/* The memory a timeline of @n events takes, each with the tags @lists[i % @n_lists] (NULL: none),
 * and that each event kept its own tags. */
static gsize
tagged_timeline_memory(guint n, const char *const *const *lists, guint n_lists)
{
  g_autoptr(TestTimeline) timeline = tw_timeline_new("t");
  TwSink *sink = tw_timeline_open_sink(timeline, "src", FALSE);
  for (guint i = 0; i < n; i++) {
    TwEventBuilder *b = begin_numbered_event(sink, i);
    for (const char *const *tag = lists[i % n_lists]; tag && *tag; tag++)
      tw_event_builder_add_tag(b, *tag);
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, n);
  for (guint i = 0; i < n; i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    const char *const *tags = lists[i % n_lists];
    guint n_tags = tags ? g_strv_length((char **)tags) : 0;
    g_assert_cmpuint(tw_event_get_n_tags(e), ==, n_tags);
    for (guint t = 0; t < n_tags; t++)
      g_assert_cmpstr(tw_event_get_tag(e, t), ==, tags[t]);
  }
  return _tw_timeline_get_memory(timeline);
}

/* Events with the same list of tags share one stored list wherever they lie, not only when one
 * follows the other: 200,000 events going round three lists (two of them the same tags in
 * another order) take at most an arena block (1 MiB) more than the same events without tags,
 * where a list each would take 3.2 MB. */
static void
test_store_tag_lists(void)
{
  static const char *const ssh[] = {"ssh", "login", NULL};
  static const char *const http[] = {"http", "login", NULL};
  static const char *const login_ssh[] = {"login", "ssh", NULL};
  static const char *const *const tagged[] = {ssh, http, login_ssh};
  static const char *const *const untagged[] = {NULL};
  gsize with_tags = tagged_timeline_memory(200000, tagged, G_N_ELEMENTS(tagged));
  gsize without = tagged_timeline_memory(200000, untagged, 1);
  g_assert_cmpuint(with_tags, <=, without + (1 << 20) + 64 * 1024);
}

/* The memory a timeline of @n events takes, each with the attributes host, user and pid (three
 * values going round, so that no event stores what the one before it did) or none, and that
 * each event kept them. */
static gsize
attributed_timeline_memory(guint n, gboolean with_attributes)
{
  static const char *const hosts[] = {"web-01", "db-02", "mail-01"};
  static const char *const users[] = {"alice", "bob", "carol"};
  static const char *const pids[] = {"100", "2000", "30000"};
  g_autoptr(TestTimeline) timeline = tw_timeline_new("t");
  TwSink *sink = tw_timeline_open_sink(timeline, "src", FALSE);
  for (guint i = 0; i < n; i++) {
    TwEventBuilder *b = begin_numbered_event(sink, i);
    if (with_attributes) {
      tw_event_builder_set_attribute(b, "host", hosts[i % 3]);
      tw_event_builder_set_attribute(b, "user", users[i % 3]);
      tw_event_builder_set_attribute(b, "pid", pids[i % 3]);
    }
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  for (guint i = 0; i < n; i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    g_assert_cmpuint(tw_event_get_n_attributes(e), ==, with_attributes ? 3 : 0);
    if (with_attributes) {
      g_assert_cmpstr(tw_event_get_field(e, "host"), ==, hosts[i % 3]);
      g_assert_cmpstr(tw_event_get_field(e, "user"), ==, users[i % 3]);
      g_assert_cmpstr(tw_event_get_field(e, "pid"), ==, pids[i % 3]);
    }
  }
  return _tw_timeline_get_memory(timeline);
}

/* An event keeps the values of its attributes alone, 8 bytes each; the keys are one list for
 * the source's events: 200,000 events with three attributes take at most 24 bytes each and an
 * arena block (1 MiB) more than without, where pairs would take 48 bytes each (9.6 MB). */
static void
test_store_attribute_values(void)
{
  const guint n = 200000;
  gsize with_attributes = attributed_timeline_memory(n, TRUE);
  gsize without = attributed_timeline_memory(n, FALSE);
  g_test_message("%zu bytes with attributes, %zu without", with_attributes, without);
  g_assert_cmpuint(with_attributes, <=, without + n * 3 * sizeof(char *) + (1 << 20));
}

/* A source whose lists of keys never repeat (a field of its own in every record) does not
 * store a list and shared names for each event: past 1024 lists a shard, events whose keys it
 * has no list for keep pairs (private.h), and every event keeps its attributes either way. */
static void
test_store_attribute_key_lists(void)
{
  const guint n = 3000;
  g_autoptr(TestTimeline) timeline = tw_timeline_new("t");
  TwSink *sink = tw_timeline_open_sink(timeline, "src", FALSE);
  for (guint i = 0; i < n; i++) {
    TwEventBuilder *b = begin_numbered_event(sink, i);
    g_autofree char *key = g_strdup_printf("field-%u", i);
    tw_event_builder_set_attribute(b, "host", "web-01");
    tw_event_builder_set_attribute(b, key, "x");
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  guint n_values = 0;
  for (guint i = 0; i < n; i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    g_autofree char *key = g_strdup_printf("field-%u", i);
    g_assert_cmpuint(tw_event_get_n_attributes(e), ==, 2);
    g_assert_cmpstr(_tw_event_attribute_key(e, 0), ==, "host");
    g_assert_cmpstr(_tw_event_attribute_key(e, 1), ==, key);
    g_assert_cmpstr(tw_event_lookup_attribute(e, key), ==, "x");
    n_values += ((guintptr)e->attributes & TW_ATTRIBUTES_VALUES) != 0;
    if (i >= 1024)
      g_assert_false((guintptr)e->attributes & TW_ATTRIBUTES_VALUES);
  }
  g_assert_cmpuint(n_values, ==, 1024);
}

/* The hash of ids and interned names, as it was first written: byte by byte. */
static guint64
reference_mix(guint64 x)
{
  x ^= x >> 33;
  x *= G_GUINT64_CONSTANT(0xff51afd7ed558ccd);
  x ^= x >> 33;
  x *= G_GUINT64_CONSTANT(0xc4ceb9fe1a85ec53);
  x ^= x >> 33;
  return x;
}

static guint64
reference_hash(const guint8 *p, gsize length, guint64 seed)
{
  guint64 h = seed ^ (length * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15));
  for (; length >= 8; p += 8, length -= 8) {
    guint64 word = 0;
    for (guint i = 0; i < 8; i++)
      word |= (guint64)p[i] << (8 * i);
    h = reference_mix(h ^ word) * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
  }
  guint64 tail = 0;
  for (gsize i = 0; i < length; i++)
    tail |= (guint64)p[i] << (8 * i);
  return reference_mix(reference_mix(h ^ tail ^ ((guint64)length << 56)));
}

/* A timeline kept on disk under a memory limit is finished once: a second finish is refused
 * with a critical, and leaves the events, links and merges as the first made them. */
static void
test_spilled_finish_once(void)
{
  TwTimeline *timeline = tw_timeline_new("spilled");
  _tw_timeline_set_memory_limit(timeline, 64 * 1024);
  TwSink *sink = tw_timeline_open_sink(timeline, "s", FALSE);
  for (guint i = 0; i < 2000; i++) {
    TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
    TwDate date = {.start = (gint64)(i % 1000) * TW_USEC_PER_SEC};
    date.end = date.start;
    tw_event_builder_set_date(b, &date);
    g_autofree char *id = g_strdup_printf("e%u", i % 1500);
    tw_event_builder_set_id(b, id);
    tw_event_builder_set_title(b, "an event of a timeline that goes to disk");
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_add_link(sink, "e1", "e2", "r", 0, 0, TW_CERTAINTY_CERTAIN);
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_true(_tw_timeline_is_spilled(timeline));
  guint n_events = tw_timeline_get_n_events(timeline);
  guint64 n_merged = tw_timeline_get_n_merged(timeline);
  g_assert_cmpuint(n_events, ==, 1500);
  g_assert_cmpuint(n_merged, ==, 500);
  g_assert_cmpuint(tw_timeline_get_n_links(timeline), ==, 1);
  g_test_expect_message("timeweave", G_LOG_LEVEL_CRITICAL, "*spill_finished*");
  tw_timeline_finish(timeline);
  g_test_assert_expected_messages();
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, n_events);
  g_assert_cmpuint(tw_timeline_get_n_merged(timeline), ==, n_merged);
  g_assert_cmpuint(tw_timeline_get_n_links(timeline), ==, 1);
  tw_timeline_free(timeline);
}

/* A JSON string literal written byte by byte (RFC 8259: the quote, the backslash and control
 * characters escaped, the short forms where there are some); @in_csv: every quote doubled. */
static void
reference_json_string(GString *out, const char *text, gboolean in_csv)
{
  const char *quote = in_csv ? "\"\"" : "\"";
  g_string_append(out, quote);
  for (const guchar *p = (const guchar *)text; *p; p++) {
    const char *shorts = strchr("\"\\\b\f\n\r\t", *p);
    if (*p == '"')
      g_string_append_printf(out, "\\%s", quote);
    else if (shorts)
      g_string_append_printf(out, "\\%c", "\"\\bfnrt"[shorts - "\"\\\b\f\n\r\t"]);
    else if (*p < 0x20)
      g_string_append_printf(out, "\\u%04x", *p);
    else
      g_string_append_c(out, (char)*p);
  }
  g_string_append(out, quote);
}

/* The JSON strings of every export: texts of 0 to 40 bytes with a byte to escape (or a
 * non-ASCII character) at each place, appended to a buffer with 1 to 48 bytes of room and with
 * plenty, for JSON and for JSON inside a CSV cell. Short texts take a byte loop that stops at
 * the NUL, longer ones a scan of sixteen bytes at a time: each must write what a byte-by-byte
 * escape writes, after the buffer's text. */
static void
test_json_string_every_place(void)
{
  static const char *const marks[] = {"\"", "\\", "\n", "\x01", "\x1f", "\xc3\xa9", NULL};
  for (guint length = 0; length <= 40; length++) {
    for (guint place = 0; place <= length; place++) {
      for (guint m = 0; m < G_N_ELEMENTS(marks); m++) {
        if ((marks[m] == NULL) != (place == length))
          continue; /* (no mark: once per length) */
        g_autoptr(GString) text = g_string_new(NULL);
        for (guint i = 0; i < length; i++)
          g_string_append_c(text, (char)('a' + i % 26));
        if (marks[m]) {
          g_string_erase(text, place, 1);
          g_string_insert(text, place, marks[m]);
        }
        for (guint in_csv = 0; in_csv < 2; in_csv++) {
          g_autoptr(GString) expected = g_string_new(NULL);
          reference_json_string(expected, text->str, in_csv);
          for (guint room = 1; room <= 49; room++) {
            /* A buffer with @room bytes left after its text (49: plenty). */
            g_autoptr(GString) buffer = g_string_sized_new(100);
            gsize before = room == 49 ? 0 : buffer->allocated_len - room;
            for (gsize i = 0; i < before; i++)
              g_string_append_c(buffer, 'x');
            if (in_csv)
              _tw_export_json_string_in_csv(buffer, text->str);
            else
              _tw_export_json_string(buffer, text->str);
            g_assert_cmpuint(buffer->len, ==, before + expected->len);
            g_assert_cmpuint(strlen(buffer->str), ==, buffer->len);
            g_assert_cmpstr(buffer->str + before, ==, expected->str);
          }
        }
      }
    }
  }
}

/* Ids must not change: the hash reads a text's last bytes in a few loads, and must give what the
 * byte loop gave, for every length and alignment, whatever the bytes around the text. */
static void
test_hash_bytes(void)
{
  guint8 buffer[96];
  GRand *rand = g_rand_new_with_seed(20261129);
  for (guint round = 0; round < 200; round++) {
    for (guint i = 0; i < sizeof buffer; i++)
      buffer[i] = (guint8)g_rand_int(rand);
    guint64 seed = (guint64)g_rand_int(rand) << 32 | g_rand_int(rand);
    for (gsize offset = 0; offset < 8; offset++) {
      for (gsize length = 0; length <= 64; length++) {
        const guint8 *text = buffer + 16 + offset;
        guint64 expected = reference_hash(text, length, seed);
        g_assert_cmpuint(_tw_hash64(text, length, seed), ==, expected);
        guint64 pair[2];
        _tw_hash64_pair(text, length, seed, ~seed, pair);
        g_assert_cmpuint(pair[0], ==, expected);
        g_assert_cmpuint(pair[1], ==, reference_hash(text, length, ~seed));
      }
    }
  }
  g_rand_free(rand);
  /* And one value written down, so that the reference above cannot drift with the code. */
  g_assert_cmpuint(_tw_hash64("timeweave", 9, 0), ==,
                   reference_hash((const guint8 *)"timeweave", 9, 0));
  g_assert_cmpuint(_tw_hash64("timeweave", 9, 0), ==, G_GUINT64_CONSTANT(0x98f65fe6e6992155));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/export/hash-bytes", test_hash_bytes);
  g_test_add_func("/export/json/schema", test_json_schema);
  g_test_add_func("/export/json/output-zone", test_json_output_zone);
  g_test_add_func("/export/json/range-and-empty", test_json_range_and_empty);
  g_test_add_func("/export/json/compact-and-jsonl", test_json_compact_and_jsonl);
  g_test_add_func("/export/csv/rows", test_csv_rows);
  g_test_add_func("/export/csv/formula-escape", test_csv_formula_escape);
  g_test_add_func("/export/json-string-every-place", test_json_string_every_place);
  g_test_add_func("/export/spilled-finish-once", test_spilled_finish_once);
  g_test_add_func("/export/csv/options", test_csv_options);
  g_test_add_func("/export/csv/output-zone", test_csv_output_zone);
  g_test_add_func("/export/csv/findings", test_csv_findings);
  g_test_add_func("/export/html/output-zone", test_html_output_zone);
  g_test_add_func("/export/byte-identical", test_byte_identical);
  g_test_add_func("/export/golden", test_golden);
  g_test_add_func("/export/descriptors", test_descriptors);
  g_test_add_func("/store/tag-lists", test_store_tag_lists);
  g_test_add_func("/store/attribute-values", test_store_attribute_values);
  g_test_add_func("/store/attribute-key-lists", test_store_attribute_key_lists);
  return g_test_run();
}
