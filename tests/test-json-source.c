/* timeweave tests: the json source plugin.
 *
 * The plugin is loaded from the build tree (TW_BUILD_ROOT/plugins/json/) into a registry and run
 * through a real TwJob: timeweave's own document and JSON Lines with every field, foreign
 * schemas (Timesketch and plaso's json_line) mapped by options, the time formats, and broken
 * input: warnings with their lines (checked on a subprocess's stderr) and --strict failures. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwRegistry *registry;
static char *scratch; /* a temporary folder for inputs written by the tests */

/* Writes @content to a file of the scratch folder; returns its path. */
static char *
write_input(const char *name, const char *content)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename(scratch, name, NULL);
  g_assert_true(g_file_set_contents(path, content, -1, &error));
  g_assert_no_error(error);
  return path;
}

/* Runs the json source on @path with "key=value" @options; returns the job (run or failed). */
static TwJob *
run_json(const char *path, const char *const *options, gboolean strict, gboolean *ok,
         GError **error)
{
  TwJob *job = tw_job_new(registry);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);

  for (guint i = 0; options && options[i]; i++) {
    const char *eq = strchr(options[i], '=');
    g_assert_nonnull(eq);
    g_ptr_array_add(keys, g_strndup(options[i], (gsize)(eq - options[i])));
    g_ptr_array_add(values, g_strdup(eq + 1));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
  tw_job_set_strict(job, strict);
  tw_job_set_threads(job, 1);
  g_autoptr(GError) add_error = NULL;
  gboolean added =
      tw_job_add_source(job, "json", NULL, path, NULL, (const char *const *)keys->pdata,
                        (const char *const *)values->pdata, &add_error);
  g_assert_no_error(add_error);
  g_assert_true(added);
  *ok = tw_job_run(job, error);
  return job;
}

/* Runs and requires success; returns the job. */
static TwJob *
run_ok(const char *path, const char *const *options)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_json(path, options, FALSE, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  return job;
}

static const TwEvent *
event_by_id(const TwJob *job, const char *id)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  gint index = tw_timeline_find_event(timeline, id);
  if (index < 0)
    g_error("no event with id '%s'", id);
  return tw_timeline_get_event(timeline, (guint)index);
}

/* The one event of a job whose timeline must hold exactly one. */
static const TwEvent *
only_event(const TwJob *job)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 1);
  return tw_timeline_get_event(timeline, 0);
}

static gint64
utc(int year, int month, int day, int hour, int minute, int second)
{
  return tw_civil_to_usec(year, month, day, hour, minute, second);
}

/* -- timeweave's own schema -- */

static void
test_document_every_field(void)
{
  g_autofree char *path = tw_test_fixture("json/every-field.json");
  TwJob *job = run_ok(path, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  const TwEvent *e;
  double lat, lon;

  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 32);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  g_assert_cmpstr(tw_job_get_source_name(job, 0), ==, "every-field");

  e = event_by_id(job, "exact-usec");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 30, 0) + 123456);
  g_assert_cmpint(tw_event_get_end(e), ==, tw_event_get_start(e));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_EXACT);
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpstr(tw_event_get_zone(e), ==, "Europe/Berlin");
  g_assert_cmpstr(tw_event_get_title(e), ==, "Exact instant with microseconds");
  g_assert_cmpstr(tw_event_get_description(e), ==,
                  "Stated in Berlin time.\nSecond line with \"quotes\", a \\ backslash and a "
                  "tab:\t.");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "measurement");
  g_assert_cmpstr(tw_event_get_source(e), ==, "every-field");
  g_assert_cmpuint(tw_event_get_n_tags(e), ==, 2);
  g_assert_cmpstr(tw_event_get_tag(e, 0), ==, "exact");
  g_assert_cmpstr(tw_event_get_tag(e, 1), ==, "zoned");
  g_assert_cmpuint(tw_event_get_n_actors(e), ==, 2);
  g_assert_cmpstr(tw_event_get_actor(e, 1), ==, "Grace Hopper");
  g_assert_cmpstr(tw_event_get_location(e), ==, "Berlin");
  g_assert_cmpstr(tw_event_get_url(e), ==, "https://example.org/a?b=1&c=2");
  g_assert_true(tw_event_get_geo(e, &lat, &lon));
  g_assert_cmpfloat(lat, ==, 52.52);
  g_assert_cmpfloat(lon, ==, 13.405);
  /* Attributes keep the record's order. */
  g_assert_cmpuint(tw_event_get_n_attributes(e), ==, 4);
  g_assert_cmpstr(tw_event_get_attribute(e, 0)->key, ==, "zeta");
  g_assert_cmpstr(tw_event_get_attribute(e, 1)->key, ==, "alpha");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "empty"), ==, "");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "json-ish"), ==, "{\"k\": [1, 2]}");

  e = event_by_id(job, "exact-floating");
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0));
  g_assert_null(tw_event_get_zone(e));

  e = event_by_id(job, "exact-offset");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 15, 30, 0));
  g_assert_cmpstr(tw_event_get_zone(e), ==, "-05:00");

  e = event_by_id(job, "exact-span");
  g_assert_cmpint(tw_event_get_end(e) - tw_event_get_start(e), ==, 150 * 60 * TW_USEC_PER_SEC);

  e = event_by_id(job, "minute");
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_MINUTE);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 5, 0, 0));

  e = event_by_id(job, "hour-zoned");
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_HOUR);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 7, 1, 12, 0, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 7, 1, 13, 0, 0));

  static const struct {
    const char *id;
    TwPrecision precision;
    TwQualifier qualifier;
  } dates[] = {
      {"day", TW_PRECISION_DAY, TW_QUALIFIER_NONE},
      {"week", TW_PRECISION_WEEK, TW_QUALIFIER_NONE},
      {"month", TW_PRECISION_MONTH, TW_QUALIFIER_NONE},
      {"quarter", TW_PRECISION_QUARTER, TW_QUALIFIER_NONE},
      {"half", TW_PRECISION_HALF, TW_QUALIFIER_NONE},
      {"season", TW_PRECISION_SEASON, TW_QUALIFIER_NONE},
      {"year", TW_PRECISION_YEAR, TW_QUALIFIER_NONE},
      {"decade", TW_PRECISION_DECADE, TW_QUALIFIER_NONE},
      {"century", TW_PRECISION_CENTURY, TW_QUALIFIER_NONE},
      {"early", TW_PRECISION_YEAR, TW_QUALIFIER_EARLY},
      {"mid", TW_PRECISION_YEAR, TW_QUALIFIER_MID},
      {"late", TW_PRECISION_MONTH, TW_QUALIFIER_LATE},
      {"approx", TW_PRECISION_YEAR, TW_QUALIFIER_APPROX},
      {"before", TW_PRECISION_YEAR, TW_QUALIFIER_BEFORE},
      {"after", TW_PRECISION_YEAR, TW_QUALIFIER_AFTER},
      {"approx-exact", TW_PRECISION_EXACT, TW_QUALIFIER_APPROX},
      {"start-precision", TW_PRECISION_MONTH, TW_QUALIFIER_EARLY},
  };
  for (guint i = 0; i < G_N_ELEMENTS(dates); i++) {
    e = event_by_id(job, dates[i].id);
    g_assert_cmpint(tw_event_get_precision(e), ==, dates[i].precision);
    g_assert_cmpint(tw_event_get_qualifier(e), ==, dates[i].qualifier);
  }
  e = event_by_id(job, "month");
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 1, 0, 0, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 3, 1, 0, 0, 0));
  e = event_by_id(job, "start-precision");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 5, 1, 0, 0, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 5, 11, 0, 0, 0));
  /* "floating": false keeps a calendar day on UTC midnight; an exported day keeps its bounds. */
  e = event_by_id(job, "day-utc");
  g_assert_false(tw_event_is_floating(e));
  e = event_by_id(job, "day-berlin");
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 19, 23, 0, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 20, 23, 0, 0));

  e = event_by_id(job, "unicode");
  g_assert_cmpstr(tw_event_get_title(e), ==,
                  "Unicode: Café ☕, 東京, Ελληνικά, emoji 🚀👩🏽‍💻");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "ключ"), ==, "значение");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "control"), ==, "bell\a and nul-free");
  g_assert_true(tw_event_get_geo(e, &lat, &lon));
  g_assert_cmpfloat(lon, ==, -151.2093);

  /* The event without an id got the core's hash and kept its own source. */
  gboolean found_press = FALSE;
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    e = tw_timeline_get_event(timeline, i);
    if (g_strcmp0(tw_event_get_source(e), "press") == 0) {
      found_press = TRUE;
      g_assert_cmpuint(strlen(tw_event_get_id(e)), ==, 32);
    }
  }
  g_assert_true(found_press);

  g_assert_cmpuint(tw_timeline_get_n_links(timeline), ==, 4);
  gboolean found_link = FALSE;
  for (guint i = 0; i < tw_timeline_get_n_links(timeline); i++) {
    const TwLink *link = tw_timeline_get_link(timeline, i);
    if (strcmp(tw_link_get_from(link), "month") == 0) {
      found_link = TRUE;
      g_assert_cmpstr(tw_link_get_to(link), ==, "day");
      g_assert_cmpstr(tw_link_get_rule(link), ==, "contains");
      g_assert_cmpint(tw_link_get_lag_min(link), ==, -12 * TW_USEC_PER_DAY);
      g_assert_cmpint(tw_link_get_lag_max(link), ==, 16 * TW_USEC_PER_DAY);
      g_assert_cmpint(tw_link_get_certainty(link), ==, TW_CERTAINTY_POSSIBLE);
    }
  }
  g_assert_true(found_link);
  tw_job_free(job);
}

/* The same events as JSON Lines, an array, concatenated objects, one object. */
static void
test_shapes(void)
{
  static const char *const lines[] = {
      "{\"id\": \"a\", \"date\": \"2026-02-13\", \"title\": \"A\", \"tags\": [\"x\"]}",
      "{\"id\": \"b\", \"date\": \"2026-02-14T10:00:00Z\", \"title\": \"B\"}",
      "{\"id\": \"c\", \"date\": \"early 2026\", \"title\": \"C\", \"kind\": \"k\"}",
  };
  g_autofree char *jsonl_text = g_strdup_printf("%s\n%s\n\n%s\n", lines[0], lines[1], lines[2]);
  g_autofree char *crlf_text = g_strdup_printf("%s\r\n%s\r\n%s", lines[0], lines[1], lines[2]);
  g_autofree char *array_text =
      g_strdup_printf("[\n  %s,\n  %s,\n  %s\n]\n", lines[0], lines[1], lines[2]);
  g_autofree char *pretty_text = g_strdup_printf(
      "{\n  \"id\": \"a\",\n  \"date\": \"2026-02-13\",\n  \"title\": \"A\",\n  \"tags\": "
      "[\"x\"]\n}\n{\"id\": \"b\", \"date\": \"2026-02-14T10:00:00Z\", \"title\": "
      "\"B\"}\n%s\n",
      lines[2]);
  g_autofree char *bom_text = g_strdup_printf("\xef\xbb\xbf%s", jsonl_text);
  struct {
    const char *name;
    const char *text;
    const char *option;
  } inputs[] = {
      {"shapes.jsonl", jsonl_text, NULL},      {"shapes-lines.json", jsonl_text, NULL},
      {"shapes.ndjson", jsonl_text, NULL},     {"shapes-crlf.txt", crlf_text, NULL},
      {"shapes-array.json", array_text, NULL}, {"shapes-jq.json", pretty_text, NULL},
      {"shapes-bom.json", bom_text, NULL},     {"shapes-forced.json", jsonl_text, "format=jsonl"},
  };

  for (guint i = 0; i < G_N_ELEMENTS(inputs); i++) {
    g_autofree char *path = write_input(inputs[i].name, inputs[i].text);
    const char *options[] = {inputs[i].option, NULL};
    g_test_message("input %s", inputs[i].name);
    TwJob *job = run_ok(path, options);
    const TwTimeline *timeline = tw_job_get_timeline(job);
    g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
    const TwEvent *a = event_by_id(job, "a");
    g_assert_cmpint(tw_event_get_precision(a), ==, TW_PRECISION_DAY);
    g_assert_cmpstr(tw_event_get_tag(a, 0), ==, "x");
    g_assert_cmpint(tw_event_get_qualifier(event_by_id(job, "c")), ==, TW_QUALIFIER_EARLY);
    g_assert_cmpstr(tw_event_get_kind(event_by_id(job, "c")), ==, "k");
    tw_job_free(job);
  }

  /* json-glib's leniency is kept: single quotes and comments. */
  g_autofree char *quotes = write_input(
      "quotes.json", "/* c */ {'events': [{'date': '2026', 'title': 'its'}, {'date': '2027', "
                     "'title': '}'}]}");
  TwJob *job = run_ok(quotes, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 2);
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(tw_job_get_timeline(job), 1)), ==, "}");
  tw_job_free(job);

  /* One event object on its own is a document of one event. */
  g_autofree char *one = write_input("one.json", lines[1]);
  job = run_ok(one, NULL);
  g_assert_cmpstr(tw_event_get_id(only_event(job)), ==, "b");
  tw_job_free(job);

  /* An empty file, or white space, gives no events and no warning. */
  g_autofree char *empty = write_input("empty.jsonl", "\n  \n");
  job = run_ok(empty, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 0);
  tw_job_free(job);

  /* Events elsewhere in a foreign document. */
  g_autofree char *nested = write_input(
      "nested.json",
      "{\"data\": {\"items\": [{\"date\": \"2026\", \"title\": \"Nested\"}]}, \"count\": 1}");
  const char *events_option[] = {"events=data.items", NULL};
  job = run_ok(nested, events_option);
  g_assert_cmpstr(tw_event_get_title(only_event(job)), ==, "Nested");
  tw_job_free(job);
}

/* -- foreign schemas -- */

static void
test_timesketch(void)
{
  g_autofree char *path = tw_test_fixture("json/timesketch.jsonl");
  TwJob *job = run_ok(path, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);

  /* Sorted by time: the logon, the file, the task. */
  const TwEvent *logon = tw_timeline_get_event(timeline, 0);
  g_assert_cmpstr(tw_event_get_title(logon), ==, "User alice logged on");
  g_assert_cmpstr(tw_event_get_kind(logon), ==, "Event Recorded");
  g_assert_cmpint(tw_event_get_start(logon), ==, utc(2021, 3, 4, 10, 15, 30) + 123456);
  g_assert_cmpint(tw_event_get_precision(logon), ==, TW_PRECISION_EXACT);
  g_assert_false(tw_event_is_floating(logon));
  g_assert_null(tw_event_get_zone(logon)); /* +00:00 is UTC: no zone to keep */
  /* Everything else is kept: numbers and lists as JSON text, in the record's order. */
  g_assert_cmpuint(tw_event_get_n_attributes(logon), ==, 6);
  g_assert_cmpstr(tw_event_get_attribute(logon, 0)->key, ==, "timestamp");
  g_assert_cmpstr(tw_event_get_attribute(logon, 0)->value, ==, "1614852930123456");
  g_assert_cmpstr(tw_event_lookup_attribute(logon, "data_type"), ==, "windows:evtx:record");
  g_assert_cmpstr(tw_event_lookup_attribute(logon, "event_identifier"), ==, "4624");
  g_assert_cmpstr(tw_event_lookup_attribute(logon, "tag"), ==, "[\"logon\"]");
  g_assert_cmpstr(tw_event_lookup_attribute(logon, "strings"), ==,
                  "{\"logon_type\":2,\"ip\":\"10.0.0.5\"}");
  g_assert_null(tw_event_lookup_attribute(logon, "message"));
  g_assert_null(tw_event_lookup_attribute(logon, "datetime"));
  g_assert_null(tw_event_lookup_attribute(logon, "timestamp_desc"));

  const TwEvent *file = tw_timeline_get_event(timeline, 1);
  g_assert_cmpstr(tw_event_get_title(file), ==, "C:\\Windows\\System32\\evil.exe created");
  g_assert_cmpstr(tw_event_lookup_attribute(file, "is_allocated"), ==, "true");
  g_assert_cmpstr(tw_event_lookup_attribute(file, "sha256_hash"), ==, "null");
  g_assert_cmpstr(tw_event_lookup_attribute(file, "inode"), ==, "12345");

  /* No datetime: the timestamp, read as microseconds by its size. */
  const TwEvent *task = tw_timeline_get_event(timeline, 2);
  g_assert_cmpint(tw_event_get_start(task), ==, utc(2021, 3, 4, 10, 16, 40) + 500000);
  g_assert_cmpstr(tw_event_lookup_attribute(task, "score"), ==, "0.75");
  g_assert_null(tw_event_lookup_attribute(task, "timestamp"));
  gint64 starts[3];
  for (guint i = 0; i < 3; i++)
    starts[i] = tw_event_get_start(tw_timeline_get_event(timeline, i));
  tw_job_free(job);

  /* time=timestamp with time-format=unix-us gives the same instants; datetime is kept. */
  const char *by_timestamp[] = {"time=timestamp", "time-format=unix-us", "tags=tag", NULL};
  job = run_ok(path, by_timestamp);
  timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint(tw_event_get_start(tw_timeline_get_event(timeline, i)), ==, starts[i]);
  logon = tw_timeline_get_event(timeline, 0);
  g_assert_cmpstr(tw_event_lookup_attribute(logon, "datetime"), ==,
                  "2021-03-04T10:15:30.123456+00:00");
  g_assert_null(tw_event_lookup_attribute(logon, "timestamp"));
  g_assert_true(tw_event_has_tag(logon, "logon"));
  g_assert_null(tw_event_lookup_attribute(logon, "tag"));
  tw_job_free(job);
}

static void
test_mapping_options(void)
{
  g_autofree char *path = write_input(
      "mapped.jsonl",
      "{\"uuid\": \"u-1\", \"when\": \"2026-03-29 02:30:00\", \"summary\": \"Naive in Berlin\", "
      "\"type\": \"alert\", \"meta\": {\"labels\": [\"red\", \"hot\"], \"host\": \"db1\"}}\n"
      "{\"uuid\": \"u-2\", \"when\": \"2026-07-01T12:00:00+05:30\", \"summary\": \"Offset\", "
      "\"type\": \"alert\", \"meta\": {\"labels\": \"one\"}}\n"
      "{\"uuid\": 3, \"when\": \"2026-01-15T08:00\", \"summary\": \"Minute in Berlin\"}\n");
  const char *options[] = {"time=when",
                           "title=summary",
                           "kind=type",
                           "tags=meta.labels",
                           "timezone=Europe/Berlin",
                           "id=uuid",
                           NULL};
  TwJob *job = run_ok(path, options);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);

  const TwEvent *minute = tw_timeline_get_event(timeline, 0);
  g_assert_cmpstr(tw_event_get_title(minute), ==, "Minute in Berlin");
  g_assert_cmpint(tw_event_get_precision(minute), ==, TW_PRECISION_MINUTE);
  g_assert_cmpint(tw_event_get_start(minute), ==, utc(2026, 1, 15, 7, 0, 0));
  g_assert_cmpstr(tw_event_get_zone(minute), ==, "Europe/Berlin");
  g_assert_cmpstr(tw_event_lookup_attribute(minute, "uuid"), ==, "3");

  /* 02:30 does not exist on the spring-forward night: read with the offset before the gap. */
  const TwEvent *naive = tw_timeline_get_event(timeline, 1);
  g_assert_cmpstr(tw_event_get_title(naive), ==, "Naive in Berlin");
  g_assert_false(tw_event_is_floating(naive));
  g_assert_cmpint(tw_event_get_start(naive), ==, utc(2026, 3, 29, 1, 30, 0));
  g_assert_cmpstr(tw_event_get_zone(naive), ==, "Europe/Berlin");
  g_assert_cmpstr(tw_event_get_kind(naive), ==, "alert");
  g_assert_true(tw_event_has_tag(naive, "red"));
  g_assert_true(tw_event_has_tag(naive, "hot"));
  /* A dotted path leaves the outer member an attribute; the native id stays one too. */
  g_assert_cmpstr(tw_event_lookup_attribute(naive, "meta"), ==,
                  "{\"labels\":[\"red\",\"hot\"],\"host\":\"db1\"}");
  g_assert_cmpstr(tw_event_lookup_attribute(naive, "uuid"), ==, "u-1");
  g_assert_null(tw_event_lookup_attribute(naive, "when"));
  g_assert_null(tw_event_lookup_attribute(naive, "summary"));
  g_assert_null(tw_event_lookup_attribute(naive, "type"));
  /* The id is a hash of the native id and the source's name, not the native id. */
  const char *id = tw_event_get_id(naive);
  g_assert_cmpuint(strlen(id), ==, 32);
  g_autofree char *first_id = g_strdup(id);

  const TwEvent *offset = tw_timeline_get_event(timeline, 2);
  g_assert_cmpint(tw_event_get_start(offset), ==, utc(2026, 7, 1, 6, 30, 0));
  g_assert_cmpstr(tw_event_get_zone(offset), ==, "+05:30");
  g_assert_true(tw_event_has_tag(offset, "one"));
  tw_job_free(job);

  /* The same native id gives the same event id on another run, whatever else changed. */
  g_autofree char *again = write_input(
      "mapped.json", "[{\"uuid\": \"u-1\", \"when\": \"2027\", \"summary\": \"Changed\"}]");
  job = run_ok(again, options);
  g_assert_cmpstr(tw_event_get_id(only_event(job)), ==, first_id);
  tw_job_free(job);
}

/* An ECS-like record: objects where the schema has text stay attributes. */
static void
test_foreign_objects_kept(void)
{
  g_autofree char *path = write_input(
      "ecs.jsonl", "{\"@timestamp\": \"2026-02-13T10:30:00.5Z\", \"message\": \"Connection\", "
                   "\"source\": {\"ip\": \"10.0.0.1\", \"port\": 443}, \"url\": {\"path\": "
                   "\"/x\"}, \"event\": {\"kind\": \"alert\"}, \"geo\": {\"name\": \"x\"}}\n"
                   "{\"@timestamp\": \"2026-02-13T10:31:00Z\", \"message\": \"Other\"}\n");
  const char *options[] = {"time=@timestamp", "kind=event.kind", NULL};
  TwJob *job = run_ok(path, options);
  const TwEvent *e = tw_timeline_get_event(tw_job_get_timeline(job), 0);
  g_assert_cmpstr(tw_event_get_title(e), ==, "Connection");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "alert");
  g_assert_cmpstr(tw_event_get_source(e), ==, "ecs");
  g_assert_null(tw_event_get_url(e));
  g_assert_false(tw_event_get_geo(e, NULL, NULL));
  g_assert_cmpstr(tw_event_lookup_attribute(e, "source"), ==, "{\"ip\":\"10.0.0.1\",\"port\":443}");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "url"), ==, "{\"path\":\"/x\"}");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "geo"), ==, "{\"name\":\"x\"}");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "event"), ==, "{\"kind\":\"alert\"}");
  tw_job_free(job);
}

/* A member mapped to the title is the title alone: Takeout's location records read with
 * title=source keep the source's name, where their "source" text (GPS, WIFI) also replaced it. */
static void
test_foreign_title_member_once(void)
{
  g_autofree char *path = write_input(
      "Records.json", "{\"locations\": [{\"timestamp\": \"2024-01-01T10:00:00Z\", \"source\": "
                      "\"GPS\", \"accuracy\": 12}]}\n");
  const char *options[] = {"events=locations", "title=source", NULL};
  TwJob *job = run_ok(path, options);
  const TwEvent *e = only_event(job);
  g_assert_cmpstr(tw_event_get_title(e), ==, "GPS");
  g_assert_cmpstr(tw_event_get_source(e), ==, "Records");
  g_assert_null(tw_event_lookup_attribute(e, "source"));
  g_assert_cmpstr(tw_event_lookup_attribute(e, "accuracy"), ==, "12");
  tw_job_free(job);
}

/* time=date;time joins text members with a space, as the csv source joins columns, and reads
 * them by time-format; the members are not kept as attributes. A record without one of them,
 * or with a number there, is a warning. */
static void
test_time_members_joined(void)
{
  g_autofree char *path = write_input(
      "joined.jsonl", "{\"d\": \"14/11/2023\", \"t\": \"10:13 PM\", \"msg\": \"a\", \"x\": \"1\"}\n"
                      "{\"d\": \"15/11/2023\", \"msg\": \"b\"}\n"
                      "{\"d\": \"15/11/2023\", \"t\": 5, \"msg\": \"c\"}\n");
  const char *options[] = {"time=d;t", "title=msg", "time-format=%d/%m/%Y %I:%M %p",
                           "timezone=Europe/Berlin", NULL};
  gboolean ok;
  g_autoptr(GError) error = NULL;
  TwJob *job = run_json(path, options, FALSE, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
  const TwEvent *e = only_event(job);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2023, 11, 14, 21, 13, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_MINUTE);
  g_assert_null(tw_event_lookup_attribute(e, "d"));
  g_assert_null(tw_event_lookup_attribute(e, "t"));
  g_assert_cmpstr(tw_event_lookup_attribute(e, "x"), ==, "1");
  tw_job_free(job);
}

/* An integer beyond 64 bits (an unsigned 64-bit counter, an NTFS file reference) is read as a
 * floating-point number, as JavaScript reads it: json-glib alone wraps it around without a word,
 * 18446744073709551615 to -1, and a unix time of such digits to 1969. In a document too. */
static void
test_big_integers(void)
{
  static const char *const inputs[] = {"big.jsonl", "big.json"};
  static const char *const texts[] = {
      "{\"date\": \"2026-02-13\", \"title\": \"counters\", \"max\": 18446744073709551615, "
      "\"over\": 9223372036854775808, \"under\": -9223372036854775809, \"last\": "
      "9223372036854775807, \"first\": -9223372036854775808, \"nested\": {\"n\": "
      "123456789012345678901234567890}, \"text\": \"18446744073709551615\"}\n"
      "{\"timestamp\": 99999999999999999999999, \"title\": \"far\"}\n",
      "[{\"date\": \"2026-02-13\", \"title\": \"counters\", \"max\": 18446744073709551615, "
      "\"over\": 9223372036854775808, \"under\": -9223372036854775809, \"last\": "
      "9223372036854775807, \"first\": -9223372036854775808, \"nested\": {\"n\": "
      "123456789012345678901234567890}, \"text\": \"18446744073709551615\"},\n"
      "{\"timestamp\": 99999999999999999999999, \"title\": \"far\"}]\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS(inputs); i++) {
    g_autofree char *path = write_input(inputs[i], texts[i]);
    TwJob *job = run_ok(path, NULL);
    /* The far timestamp is out of range: a warning, not an event in 1969. */
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
    const TwEvent *e = only_event(job);
    g_assert_cmpstr(tw_event_lookup_attribute(e, "max"), ==, "1.8446744073709552e+19");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "over"), ==, "9.223372036854776e+18");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "under"), ==, "-9.223372036854776e+18");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "last"), ==, "9223372036854775807");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "first"), ==, "-9223372036854775808");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "nested"), ==, "{\"n\":1.2345678901234568e+29}");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "text"), ==, "18446744073709551615");
    tw_job_free(job);
  }
}

/* Digits in text json-glib also takes (a 'single-quoted' string, a comment holding a quote)
 * are not numbers: widening big integers leaves them as written. */
static void
test_big_integers_in_text(void)
{
  static const char *const inputs[] = {"quoted.jsonl", "quoted.json"};
  static const char *const texts[] = {
      "{'date': '2026-02-13', 'title': 'ref 123456789012345678901234', 'max': "
      "18446744073709551615}\n",
      "[{\"date\": \"2026-02-13\", /* it\"s */ \"title\": \"ref 123456789012345678901234\", "
      "\"max\": 18446744073709551615}]\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS(inputs); i++) {
    g_autofree char *path = write_input(inputs[i], texts[i]);
    TwJob *job = run_ok(path, NULL);
    const TwEvent *e = only_event(job);
    g_assert_cmpstr(tw_event_get_title(e), ==, "ref 123456789012345678901234");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "max"), ==, "1.8446744073709552e+19");
    tw_job_free(job);
  }
}

/* One event per time-format case: the time text, the option, the expected start. */
static void
test_time_formats(void)
{
  static const struct {
    const char *value; /* JSON text of the time member */
    const char *format;
    gint64 seconds; /* expected start: seconds since the epoch... */
    gint64 usec;    /* ...plus microseconds */
    TwPrecision precision;
  } cases[] = {
      {"1700000000", "auto", 1700000000, 0, TW_PRECISION_EXACT},
      {"1700000000.25", "auto", 1700000000, 250000, TW_PRECISION_EXACT},
      {"1700000000123", "auto", 1700000000, 123000, TW_PRECISION_EXACT},
      {"1700000000123456", "auto", 1700000000, 123456, TW_PRECISION_EXACT},
      {"1700000000123456789", "auto", 1700000000, 123456, TW_PRECISION_EXACT},
      {"\"1700000000\"", "auto", 1700000000, 0, TW_PRECISION_EXACT},
      {"\"1700000000.123456789\"", "unix-s", 1700000000, 123456, TW_PRECISION_EXACT},
      {"\"-1.5\"", "unix-s", -2, 500000, TW_PRECISION_EXACT},
      {"1700000000", "unix-ms", 1700000, 0, TW_PRECISION_EXACT},
      {"1700000000", "unix-us", 1700, 0, TW_PRECISION_EXACT},
      {"1700000000999", "unix-ns", 1700, 0, TW_PRECISION_EXACT},
      {"-1", "unix-ns", -1, 999999, TW_PRECISION_EXACT},
      {"1.5", "unix-s", 1, 500000, TW_PRECISION_EXACT},
      {"2026", "auto", 1767225600, 0, TW_PRECISION_YEAR},
      {"20260213", "auto", 1770940800, 0, TW_PRECISION_DAY},
      {"\"2026-02-13T10:30:00Z\"", "iso", 1770978600, 0, TW_PRECISION_EXACT},
      {"\"2026-Q1\"", "auto", 1767225600, 0, TW_PRECISION_QUARTER},
      /* A pattern, as the csv source reads one: an HTTP date, with GMT or an offset. */
      {"\"Tue, 14 Nov 2023 22:13:20 GMT\"", "%a, %d %b %Y %H:%M:%S %Z", 1700000000, 0,
       TW_PRECISION_EXACT},
      {"\"Tue, 14 Nov 2023 23:13:20 +0100\"", "%a, %d %b %Y %H:%M:%S %z", 1700000000, 0,
       TW_PRECISION_EXACT},
      {"\"14.11.2023\"", "%d.%m.%Y", 1699920000, 0, TW_PRECISION_DAY},
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *text =
        g_strdup_printf("{\"t\": %s, \"title\": \"case %u\"}\n", cases[i].value, i);
    g_autofree char *name = g_strdup_printf("time-%u.json", i);
    g_autofree char *path = write_input(name, text);
    g_autofree char *format = g_strdup_printf("time-format=%s", cases[i].format);
    const char *options[] = {"time=t", format, NULL};
    g_test_message("case %u: %s as %s", i, cases[i].value, cases[i].format);
    TwJob *job = run_ok(path, options);
    const TwEvent *e = only_event(job);
    g_assert_cmpint(tw_event_get_start(e), ==, cases[i].seconds * TW_USEC_PER_SEC + cases[i].usec);
    g_assert_cmpint(tw_event_get_precision(e), ==, cases[i].precision);
    tw_job_free(job);
  }
}

/* -- broken input -- */

/* Runs the json source on @path in a subprocess test (warnings go to its stderr). */
static void
run_expecting_warnings(const char *fixture, guint events, guint warnings)
{
  g_autofree char *path = tw_test_fixture(fixture);
  TwJob *job = run_ok(path, NULL);
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, events);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, warnings);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, events);
  tw_job_free(job);
}

static void
test_broken_lines_warn(void)
{
  if (g_test_subprocess()) {
    run_expecting_warnings("json/broken-lines.jsonl", 3, 7);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_autofree char *path = tw_test_fixture("json/broken-lines.jsonl");
  static const char *const expected[] = {
      "2: warning: not JSON: it ends in the middle of an object (cut short?) (column 49)",
      "5: warning: no date: none of date, start, datetime, timestamp, time",
      "6: warning: bad date in 'date': '2026-13-45'",
      "7: warning: no title: neither title nor message",
      "8: warning: 'tags' is a number, not a list of text",
      "9: warning: not an event: an array, where an event object belongs",
      "10: warning: not JSON Lines: more than one JSON value on the line",
  };
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_autofree char *pattern = g_strdup_printf("*timeweave: %s:%s*", path, expected[i]);
    g_test_trap_assert_stderr(pattern);
  }
  /* The blank line 4 and the good lines are no warning. */
  g_autofree char *blank = g_strdup_printf("*%s:4:*", path);
  g_test_trap_assert_stderr_unmatched(blank);
  g_autofree char *good = g_strdup_printf("*%s:1:*", path);
  g_test_trap_assert_stderr_unmatched(good);
}

static void
test_broken_lines_strict(void)
{
  g_autofree char *path = tw_test_fixture("json/broken-lines.jsonl");
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_json(path, NULL, TRUE, &ok, &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_autofree char *prefix =
      g_strdup_printf("%s:2: not JSON: it ends in the middle of an object", path);
  g_assert_true(g_str_has_prefix(error->message, prefix));
  g_assert_null(strchr(error->message, '\n'));
  tw_job_free(job);
}

/* A broken event of a document: the line where its object begins. */
static void
test_document_event_lines(void)
{
  if (g_test_subprocess()) {
    g_autofree char *path = write_input(
        "doc-lines.json", "{\"title\": \"t\",\n \"events\": [\n  {\"date\": \"2026\",\n"
                          "   \"title\": \"fine\"},\n  {\"title\": \"no date\",\n"
                          "   \"tags\": [\"a\", {\"b\": 1}]},\n  42,\n  {\"date\": \"2026-02-30\", "
                          "\"title\": \"bad\"}\n ],\n \"links\": [{\"from\": \"x\"}, "
                          "{\"from\": \"a\", \"to\": \"b\", \"lag_min\": \"soon\"}]\n}\n");
    TwJob *job = run_ok(path, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 5);
    tw_job_free(job);
    /* A key json-glib unescapes and the scanner does not: positions instead of lines. */
    g_autofree char *escaped = write_input(
        "doc-escaped.json",
        "{\"ev\\u0065nts\": [{\"date\": \"2026\", \"title\": \"x\"}, {\"title\": \"y\"}]}");
    job = run_ok(escaped, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*doc-lines.json:5: warning: no date: *");
  g_test_trap_assert_stderr("*doc-lines.json:7: warning: not an event: a number, *");
  g_test_trap_assert_stderr("*doc-lines.json:8: warning: bad date in 'date': *");
  g_test_trap_assert_stderr("*doc-lines.json:10: warning: a link needs 'from' and 'to' *");
  g_test_trap_assert_stderr("*doc-lines.json:10: warning: the link's lags are not durations*");
  g_test_trap_assert_stderr("*doc-escaped.json: warning: event 2: no date: *");
}

/* Inputs that are no JSON document fail the source with `FILE:LINE: what`. */
/* events= as a dotted path (Elasticsearch's hits.hits): a warning names the line of its event,
 * as with a top-level events member. A member named by the whole path wins over the path, and
 * a later member of a name replaces an earlier one, as json-glib reads them. */
static void
test_document_nested_event_lines(void)
{
  if (g_test_subprocess()) {
    g_autofree char *path = write_input(
        "hits.json", "{\"took\": 5,\n \"hits\": {\"total\": {\"value\": 2},\n  \"hits\": [\n"
                     "   {\"_id\": \"a1\", \"_source\": {\"@timestamp\": \"2026-02-13T10:30:00Z\", "
                     "\"message\": \"GET /\"}},\n"
                     "   {\"_id\": \"a2\", \"_source\": {\"@timestamp\": \"bogus\", "
                     "\"message\": \"POST /\"}}\n  ]}}\n");
    const char *options[] = {"events=hits.hits", "time=_source.@timestamp", "title=_source.message",
                             NULL};
    TwJob *job = run_ok(path, options);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
    g_assert_cmpstr(tw_event_get_title(only_event(job)), ==, "GET /");
    tw_job_free(job);

    g_autofree char *both = write_input(
        "both.json", "{\"data\": {\"items\": [{\"date\": \"2026\", \"title\": \"nested\"}]},\n"
                     " \"data.items\": [\n  {\"date\": \"2026\", \"title\": \"literal\"},\n"
                     "  {\"title\": \"no date\"}]}\n");
    const char *items[] = {"events=data.items", NULL};
    job = run_ok(both, items);
    g_assert_cmpstr(tw_event_get_title(only_event(job)), ==, "literal");
    tw_job_free(job);

    g_autofree char *twice = write_input(
        "twice.json", "{\"data\": {\"items\": [{\"title\": \"replaced\"}]},\n"
                      " \"data\": {\"items\": [\n  {\"date\": \"2026\", \"title\": \"kept\"},\n"
                      "  {\"title\": \"kept, no date\"}]}}\n");
    job = run_ok(twice, items);
    g_assert_cmpstr(tw_event_get_title(only_event(job)), ==, "kept");
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*hits.json:5: warning: bad date in '_source.@timestamp': *");
  g_test_trap_assert_stderr("*both.json:4: warning: no date: *");
  g_test_trap_assert_stderr("*twice.json:4: warning: no date: *");
  g_test_trap_assert_stderr_unmatched("*replaced*");
}

static void
test_not_json(void)
{
  g_autofree char *fixture = tw_test_fixture("json/not-json.json");
  g_autofree char *bad_utf8 = write_input("bad-utf8.json", "[\n{\"date\": \"2026\",\n"
                                                           "\"title\": \"caf\xe9\"}]");
  g_autofree char *scalar = write_input("scalar.json", "\n\n\"just text\"\n");
  g_autofree char *no_events = write_input("no-events.json", "{\"name\": \"package\"}");
  g_autofree char *events_object = write_input("events-object.json", "{\"events\": {}}");
  g_autofree char *csv = write_input("table.json", "date,title\n2026,x\n");
  g_autofree char *empty = write_input("empty.json", "");
  g_autofree char *trailing = write_input("trailing.json", "[]\n]\n");
  /* Errors between events, in the rest of the document and inside an event: the places are
   * those json-glib gives for the whole text, though it parses it in pieces. */
  g_autofree char *no_comma =
      write_input("no-comma.json", "{\"events\": [\n {\"date\": \"2026\", \"title\": \"a\"}\n "
                                   "{\"date\": \"2027\", \"title\": \"b\"}\n]}\n");
  g_autofree char *skeleton = write_input(
      "skeleton.json", "{\"title\": \"x\", \"events\": [{\"date\": \"2026\", \"title\": \"a\"}, "
                       "{\"date\": \"2027\", \"title\": \"b\"}] \"links\": []}\n");
  /* A document cut short (a download stopped early): json-glib named the 0 that stands for an
   * event in the skeleton, a token that is not in the file. */
  g_autofree char *cut = write_input(
      "cut.json", "[{\"date\": \"2026\", \"title\": \"a\"},\n {\"date\": \"2027\", \"ti");
  g_autofree char *cut_events = write_input(
      "cut-events.json", "{\"events\": [\n {\"date\": \"2026\", \"title\": \"a\"},\n {\"date\": "
                         "\"2027\", \"title\": \"b\", \"x\": [1, 2\n");
  /* An event cut short that also nests too deep, or holds a bad escape: what json-glib could
   * not be given is what went wrong, not the skeleton's 0. */
  g_autofree char *brackets = g_strnfill(600, '[');
  g_autofree char *deep_text =
      g_strdup_printf("[{\"date\": \"2026\", \"title\": \"a\", \"x\": %s", brackets);
  g_autofree char *deep_cut = write_input("deep-cut.json", deep_text);
  g_autofree char *escape_cut = write_input(
      "escape-cut.json", "{\"events\": [{\"date\": \"2026\",\n \"title\": \"C:\\Temp\"");
  g_autofree char *inside = write_input(
      "inside.json", "{\"events\": [{\"date\": \"2026\", \"title\": \"a\"},\n  {\"date\": "
                     "\"2027\", \"title\": \"b\", \"x\": [1 2]}]}\n");
  /* What json-glib 1.6 would let through (a bad escape, with its backslash dropped), leak on (a
   * malformed surrogate pair): the source checks escapes before it
   * parses. */
  g_autofree char *bad_escape = write_input(
      "bad-escape.json", "[{\"date\": \"2026\", \"title\": \"a\"},\n {\"date\": \"2027\", "
                         "\"title\": \"C:\\Temp\"}]\n");
  g_autofree char *bad_u = write_input(
      "bad-u.json", "[{\"date\": \"2026\", \"title\": \"a\"},\n {\"title\": \"\\uZZZZ\"}]");
  g_autofree char *surrogate =
      write_input("surrogate.json",
                  "[{\"date\": \"2026\", \"title\": \"a\"},\n {\"title\": \"\\ud800\\u0041\"}]");
  g_autofree char *two_values =
      write_input("two-values.json", "{\"date\": \"2026\", \"title\": \"a\"} {\"date\": "
                                     "\"2027\", \"title\": \"b\"}\n[1]\n");
  /* What Windows PowerShell's Out-File writes: UTF-16LE with a byte order mark, a document or
   * lines (each line would be a warning: the file fails at once). */
  g_autoptr(GError) convert_error = NULL;
  static const char document[] = "[{\"date\": \"2026\", \"title\": \"a\"}]\r\n";
  static const char lines[] = "{\"date\": \"2026\", \"title\": \"a\"}\r\n"
                              "{\"date\": \"2027\", \"title\": \"b\"}\r\n";
  g_autofree char *utf16_path = g_build_filename(scratch, "utf16.json", NULL);
  g_autofree char *utf16_lines_path = g_build_filename(scratch, "utf16.jsonl", NULL);
  g_autofree char *utf16_bare_path = g_build_filename(scratch, "utf16-no-bom.json", NULL);
  struct {
    const char *path, *text, *charset;
  } utf16[] = {{utf16_path, document, "UTF-16"},
               {utf16_lines_path, lines, "UTF-16"},
               {utf16_bare_path, document, "UTF-16LE"}};
  for (guint i = 0; i < G_N_ELEMENTS(utf16); i++) {
    gsize size;
    g_autofree char *bytes =
        g_convert(utf16[i].text, -1, utf16[i].charset, "UTF-8", NULL, &size, &convert_error);
    g_assert_no_error(convert_error);
    /* (iconv's UTF-16 writes the byte order mark in the machine's order.) */
    g_assert_true(g_file_set_contents(utf16[i].path, bytes, (gssize)size, NULL));
  }
  const char *utf16_message =
      G_BYTE_ORDER == G_LITTLE_ENDIAN
          ? "1: not JSON: UTF-16 text (its byte order mark is FF FE): convert it to UTF-8"
          : "1: not JSON: UTF-16 text (its byte order mark is FE FF): convert it to UTF-8";
  struct {
    const char *path;
    const char *option;
    const char *message; /* after `PATH:` */
  } cases[] = {
      {utf16_path, NULL, utf16_message},
      {utf16_lines_path, NULL, utf16_message},
      {utf16_bare_path, NULL, "1: not JSON: a NUL byte (a binary file, or UTF-16?) (column 2)"},
      {fixture, NULL, "4: not JSON: unexpected string constant"},
      {bad_utf8, NULL, "3: not JSON: invalid UTF-8"},
      {scalar, NULL,
       "3: not a timeweave document: the JSON value is text, not an object or "
       "an array"},
      {no_events, NULL,
       "1: not a timeweave document: no 'events' array, and no date for an "
       "event"},
      {events_object, NULL, "1: 'events' is an object, not an array of events"},
      {csv, NULL, "1: not JSON: unexpected identifier"},
      {empty, "format=json", "1: not JSON: the document is empty"},
      {trailing, NULL, "2: not JSON: unexpected character `]'"},
      {no_comma, NULL, "2: not JSON: unexpected character `}', expected character `,' (column 31)"},
      {skeleton, NULL, "1: not JSON: unexpected character `]', expected character `,' (column 89)"},
      {inside, NULL, "2: not JSON: unexpected number `1', expected character `,' (column 40)"},
      {cut, NULL, "2: not JSON: it ends in the middle of a string (cut short?) (column 22)"},
      {deep_cut, NULL, "1: not JSON: nested deeper than 512 levels (column 548)"},
      {escape_cut, NULL,
       "2: not JSON: an invalid escape in a string (only \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
       "\\u) (column 14)"},
      {cut_events, NULL, "4: not JSON: it ends in the middle of an array (cut short?) (column 1)"},
      {bad_escape, NULL,
       "2: not JSON: an invalid escape in a string (only \\\" \\\\ \\/ \\b "
       "\\f \\n \\r \\t \\u) (column 31)"},
      {bad_u, NULL, "2: not JSON: \\u without four hex digits (column 13)"},
      {surrogate, NULL,
       "2: not JSON: a malformed UTF-16 surrogate pair (a \\u escape of D800-DBFF, then one "
       "of DC00-DFFF) (column 13)"},
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    gboolean ok;
    const char *options[] = {cases[i].option, NULL};
    g_autofree char *prefix = g_strdup_printf("%s:%s", cases[i].path, cases[i].message);
    /* Outside --strict a document broken after some events gives a partial timeline (the
     * events before the break are kept); with none before it, or under --strict, the run
     * fails. Either way the source's error is the same one line. */
    TwJob *job = run_json(cases[i].path, options, FALSE, &ok, &error);
    if (ok) {
      g_assert_true(tw_job_is_partial(job));
      g_assert_cmpuint(tw_job_get_source_events(job, 0), >, 0);
      const char *source_error = tw_job_get_source_error(job, 0);
      g_assert_nonnull(source_error);
      g_assert_true(g_str_has_prefix(source_error, prefix));
    }
    tw_job_free(job);
    g_clear_error(&error);
    job = run_json(cases[i].path, options, TRUE, &ok, &error);
    g_assert_false(ok);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_true(g_str_has_prefix(error->message, prefix));
    g_assert_null(strchr(error->message, '\n'));
    tw_job_free(job);
  }
  /* A document cut short keeps the events before the cut whole: the timeline is partial, with
   * the first event (the second is where the text stops). */
  {
    g_autoptr(GError) error = NULL;
    gboolean ok;
    TwJob *job = run_json(cut_events, NULL, FALSE, &ok, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_true(tw_job_is_partial(job));
    g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 1);
    g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(tw_job_get_timeline(job), 0)), ==,
                    "a");
    tw_job_free(job);
  }

  /* json-glib takes two objects as one value and keeps the last: the source splits them itself,
   * so a first line of two objects loses neither (the file is read as one document). */
  {
    g_autoptr(GError) error = NULL;
    gboolean ok;
    TwJob *job = run_json(two_values, NULL, FALSE, &ok, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 2);
    tw_job_free(job);
  }

  /* A missing file is the reader's one-line message. */
  g_autofree char *missing = g_build_filename(scratch, "missing.json", NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_json(missing, NULL, FALSE, &ok, &error);
  g_assert_false(ok);
  g_assert_true(g_str_has_prefix(error->message, missing));
  tw_job_free(job);
}

/* The options table: the core refuses bad values before the plugin runs. */
static void
test_option_table(void)
{
  const TwSourceInfo *info = tw_registry_find_source(registry, "json");
  g_assert_nonnull(info);
  g_assert_nonnull(info->description);
  static const char *const names[] = {"format", "events", "time", "time-format", "timezone",
                                      "title",  "kind",   "tags", "id",          "preset"};
  guint n = 0;
  for (const TwOptionSpec *o = info->options; o->name; o++, n++) {
    g_assert_cmpstr(o->name, ==, names[n]);
    g_assert_nonnull(o->help);
  }
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(names));

  /* (time-format: not a name, a pattern without a year, an unknown directive) */
  static const char *const bad[][2] = {{"time-format", "unix-days"}, {"time-format", "%H:%M"},
                                       {"time-format", "%Y %Q"},     {"format", "xml"},
                                       {"timezone", "Mars/Olympus"}, {"colour", "x"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    TwJob *job = tw_job_new(registry);
    const char *keys[] = {bad[i][0], NULL};
    const char *values[] = {bad[i][1], NULL};
    g_autoptr(GError) error = NULL;
    g_assert_false(tw_job_add_source(job, "json", NULL, "x.json", NULL, keys, values, &error));
    g_assert_error(error, TW_OPTION_ERROR,
                   (i < 5) ? TW_OPTION_ERROR_VALUE : TW_OPTION_ERROR_UNKNOWN);
    g_assert_null(strchr(error->message, '\n'));
    tw_job_free(job);
  }
}

/* Runs the CLI on @path with @options (",key=value..."); json-glib for every line when @slow. */
static char *
cli_output(const char *path, const char *options, gboolean strict, gboolean slow)
{
  const char *build = g_getenv("TW_BUILD_ROOT");
  g_autofree char *tw = g_build_filename(build ? build : ".", "cli", "timeweave", NULL);
  g_autofree char *spec = g_strdup_printf("json:%s%s", path, options);
  const char *argv[] = {tw,  "build", strict ? "--strict" : "-q", "-s", spec, "-f", "json", "-o",
                        "-", NULL};
  g_auto(GStrv) env = g_get_environ();
  if (slow)
    env = g_environ_setenv(env, "TW_JSON_SLOW", "1", TRUE);
  else
    env = g_environ_unsetenv(env, "TW_JSON_SLOW");
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                             &status, &error));
  g_assert_no_error(error);
  return g_strdup_printf("%s--- stderr\n%s--- status %d\n", out, err, status);
}

/* JSON Lines in the jsonl exporter's shape are read without json-glib; every other line is
 * left to it. Both ways must give the same events and the same messages: lines with every
 * escape, each member in and out of the shapes the fast path takes, broken lines, duplicate
 * names, a byte order mark, under several options and --strict. */
static void
test_fast_path_same(void)
{
  g_autofree char *fixture = tw_test_fixture("json/fast-path.jsonl");
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true(g_file_get_contents(fixture, &contents, &length, NULL));
  /* Also without the .jsonl name: found to be JSON Lines by looking. */
  g_autofree char *unnamed = write_input("fast-path.txt", contents);
  const char *paths[] = {fixture, unnamed};
  const char *option_sets[] = {"", ",timezone=Europe/Berlin", ",time-format=iso", ",format=jsonl",
                               ",time-format=%Y-%m-%dT%H:%M:%S%z"};
  for (guint p = 0; p < G_N_ELEMENTS(paths); p++)
    for (guint o = 0; o < G_N_ELEMENTS(option_sets); o++)
      for (guint strict = 0; strict < 2; strict++) {
        g_autofree char *fast = cli_output(paths[p], option_sets[o], strict, FALSE);
        g_autofree char *slow = cli_output(paths[p], option_sets[o], strict, TRUE);
        g_assert_cmpstr(fast, ==, slow);
      }
}

/* Runs the json source on @input and exports it as @format to @output, in @zone (NULL: UTC). */
static void
export_through(const char *input, const char *format, const char *zone, const char *output)
{
  TwJob *job = tw_job_new(registry);
  tw_job_set_threads(job, 1);
  if (zone) {
    g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(zone);
    g_assert_nonnull(tz);
    tw_job_set_output_zone(job, tz);
  }
  g_autoptr(GError) error = NULL;
  g_assert_true(tw_job_add_source(job, "json", "y", input, NULL, NULL, NULL, &error));
  g_assert_true(tw_job_add_export(job, format, output, NULL, NULL, &error));
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 7);
  tw_job_free(job);
}

/* The end of the representable range, TW_TIME_MAX + 1, is the exclusive end of every event
 * dated in the last year, day or decade of 9999, and the exporters write it as
 * 10000-01-01T00:00:00 (or in the output zone's offset), which tw_date_parse() refuses: such
 * events were skipped with a warning when their export was read back. They read back now, in
 * every zone and on both the fast path and json-glib's, to the same bytes. */
static void
test_end_of_range(void)
{
  g_autofree char *input = write_input(
      "end-of-range.jsonl", "{\"date\": \"9999\", \"title\": \"year\"}\n"
                            "{\"date\": \"9999-12-31\", \"title\": \"day\"}\n"
                            "{\"date\": \"late 9999\", \"title\": \"late\"}\n"
                            "{\"date\": \"9990s\", \"title\": \"decade\"}\n"
                            "{\"date\": \"99XX\", \"title\": \"century\"}\n"
                            "{\"date\": \"9999-12-31T23Z\", \"title\": \"hour\"}\n"
                            "{\"date\": \"9999-12-31T23:59:59Z\", \"title\": \"last\"}\n");
  const char *formats[] = {"json", "jsonl"};
  const char *zones[] = {NULL, "Europe/Berlin", "America/New_York"};
  const char *slow[] = {NULL, "1"};
  for (guint f = 0; f < G_N_ELEMENTS(formats); f++)
    for (guint z = 0; z < G_N_ELEMENTS(zones); z++)
      for (guint s = 0; s < G_N_ELEMENTS(slow); s++) {
        g_autofree char *first = g_strdup_printf("%s/first.%s", scratch, formats[f]);
        g_autofree char *second = g_strdup_printf("%s/second.%s", scratch, formats[f]);
        if (slow[s])
          g_setenv("TW_JSON_SLOW", slow[s], TRUE);
        else
          g_unsetenv("TW_JSON_SLOW");
        export_through(input, formats[f], zones[z], first);
        export_through(first, formats[f], zones[z], second);
        g_autofree char *a = NULL, *b = NULL;
        g_assert_true(g_file_get_contents(first, &a, NULL, NULL));
        g_assert_true(g_file_get_contents(second, &b, NULL, NULL));
        /* The floating ends, and the zoned hour's end in the zone's offset. */
        const char *zoned_end[] = {"10000-01-01T00:00:00Z", "10000-01-01T01:00:00+01:00",
                                   "9999-12-31T19:00:00-05:00"};
        g_assert_nonnull(strstr(a, "10000-01-01T00:00:00\""));
        g_assert_nonnull(strstr(a, zoned_end[z]));
        g_assert_cmpstr(a, ==, b);
      }
  g_unsetenv("TW_JSON_SLOW");

  /* Every form of that instant is the end of the range; one microsecond later is not. */
  g_autofree char *forms = write_input(
      "end-forms.jsonl",
      "{\"start\": \"9999-06-01\", \"end\": \"10000-01-01T00:00:00Z\", \"title\": \"z\"}\n"
      "{\"start\": \"9999-06-01\", \"end\": \"10000-01-01T01:00:00.000000+01:00\", "
      "\"title\": \"berlin\"}\n"
      "{\"start\": \"9999-06-01\", \"end\": \"9999-12-31T19:00:00-05:00\", \"title\": \"ny\"}\n"
      "{\"start\": \"9999-06-01\", \"end\": \"10000-01-01T00:00:00.000001Z\", \"title\": \"x\"}\n"
      "{\"start\": \"9999-06-01\", \"end\": \"10000-01-02T00:00:00Z\", \"title\": \"y\"}\n");
  TwJob *job = run_ok(forms, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint(tw_event_get_end(tw_timeline_get_event(timeline, i)), ==, TW_TIME_MAX + 1);
  tw_job_free(job);
}

/* A floating date's end is wall clock: an end given with an offset (or read in the timezone
 * option's zone) ends at its own wall clock, not at the wall clock of that instant in UTC. */
static void
test_floating_end_offset(void)
{
  g_autofree char *input = write_input(
      "floating-end.jsonl",
      "{\"id\": \"day\", \"date\": \"2026-02-13\", \"end\": \"2026-02-15T00:00:00+01:00\", "
      "\"title\": \"a day, an end in +01:00\"}\n"
      "{\"id\": \"coarsened\", \"start\": \"2026-02-13T00:00:00+01:00\", "
      "\"end\": \"2026-02-14T00:00:00+01:00\", \"precision\": \"day\", \"title\": \"a day\"}\n"
      "{\"id\": \"utc\", \"date\": \"2026-02-13\", \"end\": \"2026-02-15T00:00:00Z\", "
      "\"title\": \"an end in UTC\"}\n"
      "{\"id\": \"exact\", \"date\": \"2026-02-13T10:00:00+01:00\", "
      "\"end\": \"2026-02-13T12:00:00+01:00\", \"title\": \"zoned: instants\"}\n"
      "{\"id\": \"naive-end\", \"date\": \"2026-02-13T10:00:00+01:00\", "
      "\"end\": \"2026-02-13T12:00:00\", \"title\": \"a naive end in the start's offset\"}\n");
  g_autofree char *naive =
      write_input("floating-end-naive.jsonl",
                  "{\"id\": \"day\", \"date\": \"2026-02-13\", \"end\": \"2026-02-15 00:00\", "
                  "\"title\": \"a day, an end in the timezone option's zone\"}\n");
  const char *berlin[] = {"timezone=Europe/Berlin", NULL};
  const char *slow[] = {NULL, "1"};
  for (guint s = 0; s < G_N_ELEMENTS(slow); s++) {
    if (slow[s])
      g_setenv("TW_JSON_SLOW", slow[s], TRUE);
    else
      g_unsetenv("TW_JSON_SLOW");
    TwJob *job = run_ok(input, NULL);
    const TwEvent *e = event_by_id(job, "day");
    g_assert_true(tw_event_is_floating(e));
    g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 0, 0, 0));
    g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 15, 0, 0, 0));
    e = event_by_id(job, "coarsened");
    g_assert_true(tw_event_is_floating(e));
    g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 0, 0, 0));
    g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 14, 0, 0, 0));
    e = event_by_id(job, "utc");
    g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 15, 0, 0, 0));
    e = event_by_id(job, "exact");
    g_assert_false(tw_event_is_floating(e));
    g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 0, 0));
    g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 13, 11, 0, 0));
    /* The other way round: a naive end of a start with an offset is read in that offset (two
     * hours, not three). */
    e = event_by_id(job, "naive-end");
    g_assert_false(tw_event_is_floating(e));
    g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 13, 11, 0, 0));

    TwJob *in_zone = run_ok(naive, berlin);
    e = only_event(in_zone);
    g_assert_true(tw_event_is_floating(e));
    g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 15, 0, 0, 0));
    tw_job_free(in_zone);
    tw_job_free(job);
  }
  g_unsetenv("TW_JSON_SLOW");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  g_autofree char *plugin = tw_test_find_plugin("json");
  registry = tw_registry_new();
  if (!tw_registry_load_file(registry, plugin, &error))
    g_error("%s", error->message);
  scratch = g_dir_make_tmp("tw-json-source-XXXXXX", &error);
  g_assert_no_error(error);

  g_test_add_func("/json-source/document/every-field", test_document_every_field);
  g_test_add_func("/json-source/document/shapes", test_shapes);
  g_test_add_func("/json-source/foreign/timesketch", test_timesketch);
  g_test_add_func("/json-source/foreign/mapping-options", test_mapping_options);
  g_test_add_func("/json-source/foreign/objects-kept", test_foreign_objects_kept);
  g_test_add_func("/json-source/foreign/time-formats", test_time_formats);
  g_test_add_func("/json-source/foreign/big-integers", test_big_integers);
  g_test_add_func("/json-source/foreign/big-integers-in-text", test_big_integers_in_text);
  g_test_add_func("/json-source/foreign/title-member-once", test_foreign_title_member_once);
  g_test_add_func("/json-source/foreign/time-members-joined", test_time_members_joined);
  g_test_add_func("/json-source/broken/lines-warn", test_broken_lines_warn);
  g_test_add_func("/json-source/broken/lines-strict", test_broken_lines_strict);
  g_test_add_func("/json-source/broken/document-event-lines", test_document_event_lines);
  g_test_add_func("/json-source/broken/document-nested-event-lines",
                  test_document_nested_event_lines);
  g_test_add_func("/json-source/broken/not-json", test_not_json);
  g_test_add_func("/json-source/options", test_option_table);
  g_test_add_func("/json-source/lines/fast-path-same", test_fast_path_same);
  g_test_add_func("/json-source/document/end-of-range", test_end_of_range);
  g_test_add_func("/json-source/foreign/floating-end-offset", test_floating_end_offset);

  int status = g_test_run();
  tw_test_remove_dir(scratch);
  g_free(scratch);
  tw_registry_free(registry);
  return status;
}
