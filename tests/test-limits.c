/* timeweave tests: limits and hostile input, through the public API (docs/reliability.md).
 *
 * Each case feeds a source plugin (loaded from the build tree, run in a real TwJob) or the core
 * something people really meet in files they did not write: lines and fields of many megabytes,
 * JSON nested a hundred thousand levels deep, tens of thousands of attributes, invalid UTF-8 and
 * NUL bytes, a FIFO, a path through a file, specs that are not UTF-8. Each must end in a
 * one-line message naming the place, or in events whose text is valid, and never in a crash.
 * The inputs that fuzzing found crashing are kept in tests/fixtures/fuzz/ and replayed here. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libical/ical.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwRegistry *registry;
static char *scratch;

static void
load_plugin(const char *name)
{
  const char *build = g_getenv("TW_BUILD_ROOT");
  g_autofree char *dir_path = g_build_filename(build ? build : ".", "plugins", name, NULL);
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
  const char *file;

  while (dir && (file = g_dir_read_name(dir))) {
    if (!g_str_has_suffix(file, ".so"))
      continue;
    g_autofree char *path = g_build_filename(dir_path, file, NULL);
    g_autoptr(GError) error = NULL;
    g_assert_true(tw_registry_load_file(registry, path, &error));
    g_assert_no_error(error);
    return;
  }
  g_error("no %s plugin (*.so) in %s: build it first", name, dir_path);
}

static char *
scratch_path(const char *name)
{
  return g_build_filename(scratch, name, NULL);
}

static char *
write_input(const char *name, const char *content, gssize length)
{
  g_autoptr(GError) error = NULL;
  char *path = scratch_path(name);
  g_assert_true(g_file_set_contents(path, content, length, &error));
  g_assert_no_error(error);
  return path;
}

/* Runs source @plugin on @path ("key=value" @options), exporting json to @json_out if given.
 * Returns the job, run or failed (@ok). */
static TwJob *
run_source(const char *plugin, const char *path, const char *const *options, const char *json_out,
           gboolean *ok, GError **error)
{
  TwJob *job = tw_job_new(registry);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; options && options[i]; i++) {
    const char *eq = strchr(options[i], '=');
    g_ptr_array_add(keys, g_strndup(options[i], (gsize)(eq - options[i])));
    g_ptr_array_add(values, g_strdup(eq + 1));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
  tw_job_set_threads(job, 1);
  g_autoptr(GError) setup_error = NULL;
  g_assert_true(tw_job_add_source(job, plugin, NULL, path, NULL, (const char *const *)keys->pdata,
                                  (const char *const *)values->pdata, &setup_error));
  if (json_out)
    g_assert_true(tw_job_add_export(job, "json", json_out, NULL, NULL, &setup_error));
  g_assert_no_error(setup_error);
  *ok = tw_job_run(job, error);
  return job;
}

static TwJob *
run_ok(const char *plugin, const char *path, const char *const *options, const char *json_out)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_source(plugin, path, options, json_out, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  return job;
}

/* Runs and requires a failure whose message is exactly @message. */
static void
run_fails(const char *plugin, const char *path, const char *const *options, const char *message)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_source(plugin, path, options, NULL, &ok, &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_assert_cmpstr(error->message, ==, message);
  tw_job_free(job);
}

/* Reads a JSON export and checks it is valid UTF-8 and JSON; returns its events array. */
static JsonArray *
read_export_events(const char *path, JsonParser *parser)
{
  g_autofree char *text = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(path, &text, &length, &error));
  g_assert_true(g_utf8_validate(text, (gssize)length, NULL));
  g_assert_true(json_parser_load_from_data(parser, text, (gssize)length, &error));
  g_assert_no_error(error);
  JsonObject *doc = json_node_get_object(json_parser_get_root(parser));
  return json_object_get_array_member(doc, "events");
}

/* Text of @depth nested arrays: "[[[...]]]". */
static char *
nested(guint depth)
{
  GString *s = g_string_sized_new(2 * depth);
  for (guint i = 0; i < depth; i++)
    g_string_append_c(s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c(s, ']');
  return g_string_free(s, FALSE);
}

/* ---------------------------------------------------------------- long lines and fields */

/* A line longer than 64 MiB (a binary file, a file with no line breaks) is refused with its
 * place; the reader never grows without bound. */
static void
test_long_line(void)
{
  const gsize size = 34 + 64 * 1024 * 1024 + 16; /* a first line, then one of 64 MiB + 16 */
  g_autofree char *content = g_malloc(size);
  memset(content, 'a', size);
  memcpy(content, "2026-01-01T00:00:00Z host app: ok\n", 34);
  g_autofree char *path = write_input("long-line.log", content, (gssize)size);
  g_autofree char *message =
      g_strdup_printf("%s:2: line longer than 64 MiB (not a text file?)", path);
  /* The source stops there and keeps the record before it: a partial timeline, as for any input
   * that fails mid-stream (the run failed whole while the error came within the first 20 lines,
   * which the log source reads ahead to find the format). */
  g_autoptr(GError) run_error = NULL;
  gboolean ok;
  TwJob *job = run_source("log", path, NULL, NULL, &ok, &run_error);
  g_assert_no_error(run_error);
  g_assert_true(ok);
  g_assert_true(tw_job_is_partial(job));
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
  g_assert_cmpstr(tw_job_get_source_error(job, 0), ==, message);
  tw_job_free(job);

  g_autoptr(GError) error = NULL;
  TwReader *reader = tw_reader_open(path, &error);
  g_assert_no_error(error);
  gsize length;
  g_assert_nonnull(tw_reader_read_line(reader, &length, &error));
  g_assert_null(tw_reader_read_line(reader, &length, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr(error->message, ==, message);
  tw_reader_free(reader);
}

/* Fields of 8 MiB come through whole, in each line-based source and the JSON export. */
static void
test_long_fields(void)
{
  const gsize size = 8 * 1024 * 1024;
  g_autofree char *big = g_malloc(size + 1);
  memset(big, 'x', size);
  big[size] = '\0';
  static const struct {
    const char *plugin, *name, *head, *tail;
    const char *field; /* where the long text lands */
  } cases[] = {
      {"json", "long.jsonl", "{\"date\": \"2026-01-01\", \"title\": \"long\", \"description\": \"",
       "\"}\n", "description"},
      {"csv", "long.csv", "date,title,description\n2026-01-01,long,", "\n", "description"},
      {"log", "long.log", "2026-01-01T10:00:00Z host app: ", "\n", "title"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *content = g_strconcat(cases[i].head, big, cases[i].tail, NULL);
    g_autofree char *path = write_input(cases[i].name, content, -1);
    g_autofree char *out = scratch_path("long-out.json");
    TwJob *job = run_ok(cases[i].plugin, path, NULL, out);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonArray *events = read_export_events(out, parser);
    g_assert_cmpuint(json_array_get_length(events), ==, 1);
    JsonObject *event = json_array_get_object_element(events, 0);
    const char *text = json_object_get_string_member(event, cases[i].field);
    g_test_message("%s: %s of %zu bytes", cases[i].plugin, cases[i].field, strlen(text));
    /* The log source keeps the whole message; its title is the message. */
    g_assert_nonnull(strstr(text, big));
    tw_job_free(job);
  }
}

/* A NUL byte inside a CSV cell or a log line becomes U+FFFD and the text after it is kept
 * (docs/reliability.md). Before, the csv and log sources parsed their lines as NUL-terminated
 * text: "a\0b" came out as "a", the rest of the cell, or of the whole log message, silently
 * lost. */
static void
test_nul_bytes_keep_text(void)
{
  static const struct {
    const char *plugin, *name;
    const char *content;
    gsize length;
    const char *field, *expected;
  } cases[] = {
#define CASE(plugin, name, text, field, expected)                                                  \
  {plugin, name, text, sizeof text - 1, field, expected}
      CASE("csv", "nul-title.csv", "date,title\n2026-01-01,be\0fore after\n", "title",
           "be\xef\xbf\xbd"
           "fore after"),
      CASE("csv", "nul-description.csv", "date,title,description\n2026-01-01,t,\"quoted\0 cell\"\n",
           "description", "quoted\xef\xbf\xbd cell"),
      CASE("log", "nul-syslog.log", "2026-01-01T10:00:00Z host app[1]: be\0fore after\n", "title",
           "be\xef\xbf\xbd"
           "fore after"),
      CASE("log", "nul-iso.log", "2026-01-01T10:00:00Z be\0fore after\n", "title",
           "be\xef\xbf\xbd"
           "fore after"),
#undef CASE
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = write_input(cases[i].name, cases[i].content, (gssize)cases[i].length);
    g_autofree char *out = scratch_path("nul-out.json");
    TwJob *job = run_ok(cases[i].plugin, path, NULL, out);
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonArray *events = read_export_events(out, parser);
    g_assert_cmpuint(json_array_get_length(events), ==, 1);
    JsonObject *event = json_array_get_object_element(events, 0);
    g_assert_cmpstr(json_object_get_string_member(event, cases[i].field), ==, cases[i].expected);
    tw_job_free(job);
  }
}

/* A JSON document is not read by lines: one written on a single line longer than the line
 * limit (64 MiB) is read whole, its long text kept. */
static void
test_long_json_document(void)
{
  const gsize size = 65 * 1024 * 1024;
  g_autofree char *big = g_malloc(size + 1);
  memset(big, 'x', size);
  big[size] = '\0';
  g_autofree char *content = g_strconcat(
      "{\"title\": \"one line\", \"events\": [{\"date\": \"2026-01-01\", \"title\": \"short\"}, "
      "{\"date\": \"2026-01-02\", \"title\": \"long\", \"description\": \"",
      big, "\"}], \"links\": []}", NULL);
  g_assert_null(strchr(content, '\n'));
  g_autofree char *path = write_input("long-document.json", content, -1);
  g_free(g_steal_pointer(&content));
  TwJob *job = run_ok("json", path, NULL, NULL);
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 2);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  const TwEvent *event = tw_timeline_get_event(timeline, 1);
  g_assert_cmpstr(tw_event_get_title(event), ==, "long");
  g_assert_cmpuint(strlen(tw_event_get_description(event)), ==, size);
  tw_job_free(job);
  g_assert_cmpint(g_unlink(path), ==, 0);
}

/* ---------------------------------------------------------------- deep nesting */

/* json-glib parses recursively: a document nested 100 000 levels deep used to exhaust the stack
 * (found by tests/fuzz). It is refused at 513 levels with its place; 512 are read. */
static void
test_deep_json_document(void)
{
  g_autofree char *deep = nested(100000);
  g_autofree char *path = write_input("deep.json", deep, -1);
  /* A top-level array is a list of events, each parsed on its own: the first element is too
   * deep at its 513th level, the document's 514th. */
  g_autofree char *message =
      g_strdup_printf("%s:1: not JSON: nested deeper than 512 levels (column 514)", path);
  run_fails("json", path, NULL, message);
  g_autofree char *deep_member = g_strdup_printf("{\"a\": %s}", deep);
  g_autofree char *member_path = write_input("deep-member.json", deep_member, -1);
  g_autofree char *member_message =
      g_strdup_printf("%s:1: not JSON: nested deeper than 512 levels (column 518)", member_path);
  run_fails("json", member_path, NULL, member_message);

  /* An event whose attribute holds 510 levels: 512 with the event and its attributes. */
  g_autofree char *inner = nested(510);
  g_autofree char *ok_doc =
      g_strdup_printf("{\"events\": [{\"date\": \"2026-01-01\", \"title\": \"deep\", "
                      "\"attributes\": {\"a\": %s}}]}",
                      inner);
  /* In the events array, each event is parsed on its own: its depth counts from the event. */
  g_autofree char *ok_path = write_input("deep-ok.json", ok_doc, -1);
  TwJob *job = run_ok("json", ok_path, NULL, NULL);
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
  const TwEvent *event = tw_timeline_get_event(tw_job_get_timeline(job), 0);
  g_assert_cmpstr(tw_event_lookup_attribute(event, "a"), ==, inner);
  tw_job_free(job);
}

static void
test_deep_json_lines(void)
{
  if (g_test_subprocess()) {
    g_autofree char *deep = nested(100000);
    g_autofree char *content = g_strdup_printf(
        "{\"date\": \"2026-01-01\", \"title\": \"deep\", \"attributes\": {\"a\": %s}}\n"
        "{\"date\": \"2026-01-02\", \"title\": \"fine\"}\n",
        deep);
    g_autofree char *path = write_input("deep.jsonl", content, -1);
    TwJob *job = run_ok("json", path, NULL, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr(
      "timeweave: */deep.jsonl:1: warning: not JSON: nested deeper than 512 levels (column 571)\n");
}

/* The log source's journalctl JSON lines go through json-glib too. */
static void
test_deep_journal(void)
{
  if (g_test_subprocess()) {
    g_autofree char *deep = nested(100000);
    g_autofree char *content =
        g_strdup_printf("{\"__REALTIME_TIMESTAMP\": \"1767225600000000\", \"MESSAGE\": \"ok\"}\n"
                        "{\"__REALTIME_TIMESTAMP\": \"1767225601000000\", \"X\": %s}\n",
                        deep);
    g_autofree char *path = write_input("deep-journal.json", content, -1);
    TwJob *job = run_ok("log", path, (const char *const[]){"format=journal", NULL}, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("timeweave: */deep-journal.json:2: warning: not JSON: nested deeper "
                            "than 512 levels (column 562)\n");
}

/* A CSV attributes cell that a timeweave export wrote is JSON; a deep one is refused. */
static void
test_deep_csv_attributes(void)
{
  if (g_test_subprocess()) {
    g_autofree char *deep = nested(100000);
    /* timeweave's own CSV header, so the attributes column is read as JSON. */
    g_autofree char *content = g_strdup_printf(
        "id,start,end,precision,title,source,kind,tags,qualifier,date,description,actors,"
        "location,url,zone,attributes,links\n"
        "a,2026-01-01T00:00:00,2026-01-02T00:00:00,day,fine,s,,,,2026-01-01,,,,,,,\n"
        "b,2026-01-02T00:00:00,2026-01-03T00:00:00,day,deep,s,,,,2026-01-02,,,,,,"
        "\"{\"\"a\"\": %s}\",\n",
        deep);
    g_autofree char *path = write_input("deep.csv", content, -1);
    TwJob *job = run_ok("csv", path, NULL, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*deep.csv:3: warning: *nested deeper than 512 levels*");
}

/* The text json-glib 1.6 leaks on or takes wrongly (a malformed surrogate pair, two values in
 * one) is refused by the journal and CSV readers as by the json source (plugins/json/json-guard.c),
 * with a warning; the leak checks of the sanitizer and valgrind runs would catch it otherwise. */
static void
test_json_guard_journal_csv(void)
{
  if (g_test_subprocess()) {
    g_autofree char *journal = write_input(
        "guard-journal.json",
        "{\"__REALTIME_TIMESTAMP\": \"1767225600000000\", \"MESSAGE\": \"ok\"}\n"
        "{\"__REALTIME_TIMESTAMP\": \"1767225601000000\", \"MESSAGE\": \"\\ude00\\ud83d\"}\n"
        "{\"__REALTIME_TIMESTAMP\": \"1767225602000000\", \"MESSAGE\": \"a\"} {\"MESSAGE\": "
        "\"b\"}\n",
        -1);
    TwJob *job = run_ok("log", journal, (const char *const[]){"format=journal", NULL}, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
    tw_job_free(job);

    g_autofree char *csv = write_input(
        "guard.csv",
        "id,start,end,precision,title,source,kind,tags,qualifier,date,description,actors,"
        "location,url,zone,attributes,links\n"
        "a,2026-01-01T00:00:00,2026-01-02T00:00:00,day,fine,s,,,,2026-01-01,,,,,,,\n"
        "b,2026-01-02T00:00:00,2026-01-03T00:00:00,day,pair,s,,,,2026-01-02,,,,,,"
        "\"{\"\"a\"\": \"\"\\ud800\\u0041\"\"}\",\n"
        "c,2026-01-03T00:00:00,2026-01-04T00:00:00,day,two,s,,,,2026-01-03,,,,,,"
        "\"{\"\"a\"\": \"\"1\"\"} {\"\"b\"\": \"\"2\"\"}\",\n",
        -1);
    job = run_ok("csv", csv, NULL, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*guard-journal.json:2: warning: not JSON: a malformed UTF-16 "
                            "surrogate pair*(column 58)\n*");
  g_test_trap_assert_stderr("*guard-journal.json:3: warning: not JSON: a second value after the "
                            "first, expected the end (column 62)\n*");
  g_test_trap_assert_stderr("*guard.csv:3: warning: *a malformed UTF-16 surrogate pair*");
  g_test_trap_assert_stderr("*guard.csv:4: warning: *a second value after the first*");
}

/* ---------------------------------------------------------------- many attributes */

/* An event may have 65535 attributes (the stored count is 16 bits); one more is refused with a
 * message, not truncated. Setting them must not take quadratic time: a record with a million
 * attributes is a few megabytes. */
/* A plugin fills TwDate itself: a precision or qualifier that does not exist (a plugin built
 * against other headers, memory not set) is refused at commit with the record's place, not
 * stored for an exporter to meet. */
static void
test_unknown_precision(void)
{
  TwTimeline *timeline = tw_timeline_new("t");
  TwSink *sink = tw_timeline_open_sink(timeline, "src", FALSE);
  for (guint i = 0; i < 3; i++) {
    TwEventBuilder *b = tw_sink_begin(sink, "plugin.log", i + 1);
    TwDate date = {.start = 0, .end = 0, .precision = TW_PRECISION_EXACT};
    if (i == 1)
      date.precision = (TwPrecision)TW_PRECISION_N;
    if (i == 2)
      date.qualifier = (TwQualifier)99;
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_title(b, "an event");
    g_autoptr(GError) error = NULL;
    gboolean ok = tw_sink_commit(sink, &error);
    if (i == 0) {
      g_assert_no_error(error);
      continue;
    }
    g_assert_false(ok);
    g_assert_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID);
    g_autofree char *expected =
        g_strdup_printf("plugin.log:%u: event has an unknown precision (%d) or qualifier (%d)",
                        i + 1, i == 1 ? TW_PRECISION_N : 0, i == 2 ? 99 : 0);
    g_assert_cmpstr(error->message, ==, expected);
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 1);
  tw_timeline_free(timeline);
}

/* An iCalendar DURATION longer than the range (P99999999W, PT4294967295H): before, the ics
 * source's arithmetic overflowed (UndefinedBehaviorSanitizer: signed integer overflow in
 * add_duration()) and the event was stored with an end in year 164898, which every export wrote
 * and no reader takes. The event is now refused with its place, the others kept; an end at the
 * close of 9999 stays. */
static void
test_end_out_of_range(void)
{
  static const char calendar[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
                                 "BEGIN:VEVENT\r\nUID:weeks\r\nDTSTART:20260101T100000Z\r\n"
                                 "DURATION:P99999999W\r\nSUMMARY:weeks\r\nEND:VEVENT\r\n"
                                 "BEGIN:VEVENT\r\nUID:hours\r\nDTSTART;TZID=Europe/Berlin:"
                                 "20260101T100000\r\nDURATION:PT4294967295H\r\nSUMMARY:hours\r\n"
                                 "END:VEVENT\r\n"
                                 "BEGIN:VEVENT\r\nUID:last\r\nDTSTART:99991231T100000Z\r\n"
                                 "DURATION:PT14H\r\nSUMMARY:last\r\nEND:VEVENT\r\n"
                                 "END:VCALENDAR\r\n";
  g_autofree char *path = write_input("long-duration.ics", calendar, -1);
  g_autofree char *out = scratch_path("long-duration.json");
  TwJob *job = run_ok("ics", path, NULL, out);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonArray *events = read_export_events(out, parser);
  g_assert_cmpuint(json_array_get_length(events), ==, 1);
  JsonObject *event = json_array_get_object_element(events, 0);
  g_assert_cmpstr(json_object_get_string_member(event, "title"), ==, "last");
  g_assert_cmpstr(json_object_get_string_member(event, "end"), ==, "10000-01-01T00:00:00Z");
  tw_job_free(job);

  g_autofree char *message =
      g_strdup_printf("%s:4: event ends outside the years 0001 to 9999", path);
  TwJob *strict = tw_job_new(registry);
  tw_job_set_strict(strict, TRUE);
  tw_job_set_threads(strict, 1);
  g_autoptr(GError) error = NULL;
  g_assert_true(tw_job_add_source(strict, "ics", NULL, path, NULL, NULL, NULL, &error));
  g_assert_false(tw_job_run(strict, &error));
  g_assert_cmpstr(error->message, ==, message);
  tw_job_free(strict);
}

static void
test_many_attributes(void)
{
  TwTimeline *timeline = tw_timeline_new("many");
  TwSink *sink = tw_timeline_open_sink(timeline, "many", FALSE);
  TwDate date;
  g_assert_true(tw_date_parse("2026-01-01", NULL, &date, NULL));
  for (guint n = 65535; n <= 65536; n++) {
    TwEventBuilder *b = tw_sink_begin(sink, "many.json", n - 65534);
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_title(b, "many");
    char key[16];
    for (guint i = 0; i < n; i++) {
      g_snprintf(key, sizeof key, "k%u", i);
      tw_event_builder_set_attribute(b, key, "v");
    }
    /* A key given again replaces its value: still n attributes. */
    tw_event_builder_set_attribute(b, "k7", "again");
    g_autoptr(GError) error = NULL;
    gboolean ok = tw_sink_commit(sink, &error);
    if (n == 65535) {
      g_assert_no_error(error);
      g_assert_true(ok);
    } else {
      g_assert_false(ok);
      g_assert_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID);
      g_assert_cmpstr(error->message, ==,
                      "many.json:2: event has more than 65535 tags, actors or attributes");
    }
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 1);
  const TwEvent *event = tw_timeline_get_event(timeline, 0);
  g_assert_cmpuint(tw_event_get_n_attributes(event), ==, 65535);
  g_assert_cmpstr(tw_event_lookup_attribute(event, "k7"), ==, "again");
  g_assert_cmpstr(tw_event_lookup_attribute(event, "k65534"), ==, "v");
  tw_timeline_free(timeline);
}

/* The same through the json source: a record of 300 000 attributes is refused with its line,
 * quickly, and the next record is read. */
static void
test_many_attributes_json(void)
{
  if (g_test_subprocess()) {
    GString *s = g_string_new("{\"date\": \"2026-01-01\", \"title\": \"many\", \"attributes\": {");
    for (guint i = 0; i < 300000; i++)
      g_string_append_printf(s, "%s\"k%u\": \"v\"", i ? ", " : "", i);
    g_string_append(s, "}}\n{\"date\": \"2026-01-02\", \"title\": \"next\"}\n");
    g_autofree char *path = write_input("many.jsonl", s->str, (gssize)s->len);
    g_string_free(s, TRUE);
    gint64 began = g_get_monotonic_time();
    TwJob *job = run_ok("json", path, NULL, NULL);
    g_test_message("300 000 attributes in %.1f s",
                   (double)(g_get_monotonic_time() - began) / G_USEC_PER_SEC);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("timeweave: */many.jsonl:1: warning: event has more than 65535 tags, "
                            "actors or attributes\n");
}

/* ---------------------------------------------------------------- text that is not UTF-8 */

/* Invalid UTF-8 and NUL bytes, in every text a builder takes, are stored valid: each bad byte
 * becomes U+FFFD, so no exporter ever writes them on. */
static void
test_builder_cleans_text(void)
{
  TwTimeline *timeline = tw_timeline_new("dirty");
  TwSink *sink = tw_timeline_open_sink(timeline, "dirty", FALSE);
  TwDate date;
  g_assert_true(tw_date_parse("2026-01-01", NULL, &date, NULL));
  TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_title_len(b, "ti\0tle \xff", 8);
  tw_event_builder_set_description(b, "caf\xe9 (Latin-1)");
  tw_event_builder_set_kind(b, "\xc3\x28");
  tw_event_builder_set_location(b, "\xed\xa0\x80 (a UTF-16 surrogate)");
  tw_event_builder_add_tag(b, "\xf8\x88\x80\x80\x80");
  tw_event_builder_add_actor(b, "\xc0\xaf");
  tw_event_builder_set_attribute(b, "k\xfe", "v\xff");
  tw_event_builder_set_attribute_len(b, "nul", "a\0b", 3);
  tw_event_builder_set_id(b, "id\x80");
  g_autoptr(GError) error = NULL;
  g_assert_true(tw_sink_commit(sink, &error));
  g_assert_no_error(error);
  tw_sink_close(sink);
  tw_timeline_finish(timeline);

  const TwEvent *e = tw_timeline_get_event(timeline, 0);
  g_assert_cmpstr(tw_event_get_title(e), ==, "ti\xef\xbf\xbdtle \xef\xbf\xbd");
  g_assert_cmpstr(tw_event_get_description(e), ==, "caf\xef\xbf\xbd (Latin-1)");
  g_assert_cmpstr(tw_event_get_id(e), ==, "id\xef\xbf\xbd");
  const char *texts[] = {tw_event_get_kind(e),
                         tw_event_get_location(e),
                         tw_event_get_tag(e, 0),
                         tw_event_get_actor(e, 0),
                         tw_event_get_attribute(e, 0)->key,
                         tw_event_get_attribute(e, 0)->value,
                         tw_event_get_attribute(e, 1)->value};
  for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
    g_assert_true(g_utf8_validate(texts[i], -1, NULL));
    g_assert_nonnull(strstr(texts[i], "\xef\xbf\xbd"));
  }
  g_assert_cmpstr(tw_event_lookup_attribute(e, "nul"), ==,
                  "a\xef\xbf\xbd"
                  "b");
  tw_timeline_free(timeline);
}

/* A title is cut at its first line break, which the sink finds sixteen bytes at a time (SSE2),
 * the last block overlapping the one before: a CR or LF at any place of a title of 1 to 48
 * bytes, with a second one after it, and none at all. */
static void
test_title_cut_every_place(void)
{
  TwTimeline *timeline = tw_timeline_new("titles");
  TwSink *sink = tw_timeline_open_sink(timeline, "titles", FALSE);
  TwDate date;
  g_assert_true(tw_date_parse("2026-01-01", NULL, &date, NULL));
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func(g_free);
  for (guint length = 1; length <= 48; length++) {
    for (guint place = 1; place <= length; place++) {
      for (guint m = 0; m < 2; m++) {
        g_autoptr(GString) title = g_string_new(NULL);
        for (guint i = 0; i < length; i++)
          g_string_append_c(title, (char)('a' + (i + length) % 26));
        if (place < length) {
          title->str[place] = m ? '\r' : '\n';
          if (place + 2 < length)
            title->str[place + 2] = m ? '\n' : '\r';
        } else if (m) {
          continue; /* (no break: once per length) */
        }
        TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
        tw_event_builder_set_date(b, &date);
        tw_event_builder_set_title_len(b, title->str, (gssize)title->len);
        /* The place in the id keeps the events apart. */
        g_autofree char *id = g_strdup_printf("%u-%u-%u", length, place, m);
        tw_event_builder_set_id(b, id);
        g_assert_true(tw_sink_commit(sink, NULL));
        g_ptr_array_add(expected, g_strdup_printf("%s %.*s", id, (int)place, title->str));
      }
    }
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, expected->len);
  g_autoptr(GHashTable) found = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    g_hash_table_add(found, g_strdup_printf("%s %s", tw_event_get_id(e), tw_event_get_title(e)));
  }
  for (guint i = 0; i < expected->len; i++)
    g_assert_true(g_hash_table_contains(found, expected->pdata[i]));
  tw_timeline_free(timeline);
}

/* The builder's check reads ASCII sixteen bytes at a time (SSE2; else eight, or four), the last
 * block overlapping the one before: a NUL, a stray byte or a valid two-byte character at any
 * place of a text of any length from 1 to 48 must give what a byte-by-byte cleaning gives, and
 * plain text itself. */
static void
test_builder_cleans_every_place(void)
{
  static const char *const marks[] = {"\0", "\xff", "\x80", "\xc3\xa9", NULL};
  TwTimeline *timeline = tw_timeline_new("places");
  TwSink *sink = tw_timeline_open_sink(timeline, "places", FALSE);
  TwDate date;
  g_assert_true(tw_date_parse("2026-01-01", NULL, &date, NULL));
  TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_title(b, "places");
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func(g_free);
  for (guint length = 1; length <= 48; length++) {
    for (guint place = 0; place <= length; place++) {
      for (guint m = 0; m < G_N_ELEMENTS(marks); m++) {
        /* m == the last: no mark, plain text (once per length). */
        if (marks[m] == NULL && place > 0)
          continue;
        if (marks[m] != NULL && place == length)
          continue;
        g_autoptr(GString) text = g_string_new(NULL);
        for (guint i = 0; i < length; i++)
          g_string_append_c(text, (char)('a' + (i + length) % 26));
        gsize mark_length = 0;
        if (marks[m]) {
          mark_length = marks[m][0] == '\0' ? 1 : strlen(marks[m]);
          g_string_erase(text, place, MIN(mark_length, length - place));
          g_string_insert_len(text, place, marks[m], (gssize)mark_length);
          g_string_truncate(text, length);
        }
        /* Byte by byte: NUL becomes U+FFFD, then what is not UTF-8 does. */
        g_autoptr(GString) nul_free = g_string_new(NULL);
        for (gsize i = 0; i < text->len; i++) {
          if (text->str[i] == '\0')
            g_string_append(nul_free, "\xef\xbf\xbd");
          else
            g_string_append_c(nul_free, text->str[i]);
        }
        char *key = g_strdup_printf("k%u-%u-%u", length, place, m);
        tw_event_builder_set_attribute_len(b, key, text->str, (gssize)text->len);
        g_ptr_array_add(keys, key);
        g_ptr_array_add(expected, g_utf8_make_valid(nul_free->str, (gssize)nul_free->len));
      }
    }
  }
  g_assert_true(tw_sink_commit(sink, NULL));
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  const TwEvent *e = tw_timeline_get_event(timeline, 0);
  for (guint i = 0; i < keys->len; i++)
    g_assert_cmpstr(tw_event_lookup_attribute(e, keys->pdata[i]), ==, expected->pdata[i]);
  tw_timeline_free(timeline);
}

/* A source's name comes from its file name, which may be any bytes: events never carry it
 * invalid (the JSON export would not be JSON). */
static void
test_source_name_not_utf8(void)
{
  g_autofree char *path = write_input("caf\xe9.jsonl",
                                      "{\"date\": \"2026-01-01\", \"title\": "
                                      "\"x\"}\n",
                                      -1);
  g_autofree char *out = scratch_path("name-out.json");
  TwJob *job = run_ok("json", path, NULL, out);
  g_assert_cmpstr(tw_job_get_source_name(job, 0), ==, "caf\xef\xbf\xbd");
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonArray *events = read_export_events(out, parser);
  JsonObject *event = json_array_get_object_element(events, 0);
  g_assert_cmpstr(json_object_get_string_member(event, "source"), ==, "caf\xef\xbf\xbd");
  tw_job_free(job);
}

/* ---------------------------------------------------------------- files that are not files */

/* A path through a regular file (file.txt/x: ENOTDIR, which works as root where chmod 000 does
 * not) and a folder are refused with the plain reason, said once. */
static void
test_not_a_file(void)
{
  g_autofree char *file = write_input("plain.txt", "text\n", -1);
  g_autofree char *through = g_build_filename(file, "x", NULL);
  g_autofree char *message = g_strdup_printf("%s: a part of the path is not a folder", through);
  g_autoptr(GError) error = NULL;
  g_assert_null(tw_reader_open(through, &error));
  g_assert_cmpstr(error->message, ==, message);
  run_fails("log", through, NULL, message);

  g_autofree char *folder = scratch_path("a-folder");
  g_assert_cmpint(g_mkdir(folder, 0700), ==, 0);
  g_autofree char *folder_message = g_strdup_printf("%s: is a directory, not a file", folder);
  static const char *const plugins[] = {"json", "csv", "log", "ics", "bodyfile"};
  for (gsize i = 0; i < G_N_ELEMENTS(plugins); i++)
    run_fails(plugins[i], folder, NULL, folder_message);
}

/* A binary file (or UTF-16 text) given to the text source: prose has no NUL byte, so it is
 * refused with the line of the first, rather than read as garbage or as nothing. */
static void
test_text_binary(void)
{
  static const char binary[] = "\x7f"
                               "ELF\x02\x01\x01\n\x00\x00\x00";
  g_autofree char *path = write_input("binary.dat", binary, sizeof binary - 1);
  g_autofree char *message =
      g_strdup_printf("%s:2: not UTF-8 text: a NUL byte (a binary file, or UTF-16?)", path);
  run_fails("text", path, NULL, message);
  /* "On 1 May 2026" in UTF-16LE, as Windows Notepad saves "Unicode". */
  static const char utf16[] = "\xff\xfeO\0n\0 \0001\0 \0M\0a\0y\0 \0002\0000\0002\0006\0";
  g_autofree char *path16 = write_input("utf16.txt", utf16, sizeof utf16 - 1);
  g_autofree char *message16 =
      g_strdup_printf("%s:1: not UTF-8 text: a NUL byte (a binary file, or UTF-16?)", path16);
  run_fails("text", path16, NULL, message16);
}

typedef struct {
  char *path;
  const char *content;
} FifoWriter;

static gpointer
write_fifo(gpointer data)
{
  FifoWriter *w = data;
  FILE *f = fopen(w->path, "w");
  g_assert_nonnull(f);
  fputs(w->content, f);
  fclose(f);
  return NULL;
}

/* A JSON document (not JSON Lines) from a FIFO or a pipe (`-s json:<(curl ...)`): the json
 * source used to open it again to read the document from its start, which blocked forever. */
static void
test_json_from_fifo(void)
{
  g_autofree char *path = scratch_path("events.fifo");
  g_assert_cmpint(mkfifo(path, 0600), ==, 0);
  FifoWriter w = {path, "{\"events\": [\n"
                        "  {\"date\": \"2026-01-01\", \"title\": \"one\"},\n"
                        "  {\"date\": \"2026-01-02\", \"title\": \"two\"}\n"
                        "]}\n"};
  GThread *writer = g_thread_new("fifo-writer", write_fifo, &w);
  /* A hang would otherwise last until meson's timeout. */
  alarm(60);
  TwJob *job = run_ok("json", path, NULL, NULL);
  alarm(0);
  g_thread_join(writer);
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 2);
  tw_job_free(job);
}

/* ---------------------------------------------------------------- specs */

/* GKeyFile gives NULL for a value that is not UTF-8, as if the key were absent: a spec with a
 * bad `to=` was read without its range, one with a bad option value crashed (found by
 * tests/fuzz: tests/fixtures/fuzz/spec-not-utf8.timeline), a bad section name became a source
 * name. A spec is UTF-8 text, refused with the line of the first bad byte. */
/* A spec saved with a UTF-8 byte order mark (Notepad's "UTF-8 with BOM") is read; before, it was
 * refused as "not a timeline spec: Key file contains line "<BOM>[timeline]" which is not a
 * key-value pair, group, or comment". Its lines keep their numbers. */
static void
test_spec_byte_order_mark(void)
{
  g_autofree char *events =
      write_input("bom-events.jsonl", "{\"date\": \"2026-01-01\", \"title\": \"one\"}\n", -1);
  g_autofree char *path = write_input("bom.timeline",
                                      "\xef\xbb\xbf[timeline]\ntitle=with a mark\n"
                                      "[source a]\nplugin=json\npath=bom-events.jsonl\n",
                                      -1);
  TwJob *job = tw_job_new(registry);
  tw_job_set_threads(job, 1);
  g_autoptr(GError) error = NULL;
  g_assert_true(tw_job_load_spec(job, path, scratch, &error));
  g_assert_no_error(error);
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 1);
  tw_job_free(job);

  g_autofree char *bad =
      write_input("bom-bad.timeline", "\xef\xbb\xbf[timeline]\n\nbogus=1\n[source a]\n", -1);
  job = tw_job_new(registry);
  g_assert_false(tw_job_load_spec(job, bad, scratch, &error));
  g_autofree char *want = g_strdup_printf(
      "%s:3: unknown key 'bogus' in [timeline] (known: title, from, to, output-zone)", bad);
  g_assert_cmpstr(error->message, ==, want);
  tw_job_free(job);
}

static void
test_spec_not_utf8(void)
{
  static const struct {
    const char *content;
    const char *message; /* after "SPEC:" */
  } cases[] = {
      {"[timeline]\ntitle=x\nto=\xff"
       "2026\n",
       "3: not UTF-8 text"},
      {"[timeline]\ntitle=x\n\n[source a]\nplugin=json\npath=a.json\ntags=\xa7"
       "bank\n",
       "7: not UTF-8 text"},
      {"[timeline]\ntitle=x\n[source \xfe]\nplugin=json\npath=a.json\n", "3: not UTF-8 text"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("bad-%zu.timeline", i);
    g_autofree char *path = write_input(name, cases[i].content, -1);
    TwJob *job = tw_job_new(registry);
    g_autoptr(GError) error = NULL;
    g_assert_false(tw_job_load_spec(job, path, NULL, &error));
    g_autofree char *want = g_strdup_printf("%s:%s", path, cases[i].message);
    g_assert_cmpstr(error->message, ==, want);
    tw_job_free(job);
  }

  g_autofree char *fixture = tw_test_fixture("fuzz/spec-not-utf8.timeline");
  TwJob *job = tw_job_new(registry);
  g_autoptr(GError) error = NULL;
  g_assert_false(tw_job_load_spec(job, fixture, NULL, &error));
  g_autofree char *want = g_strdup_printf("%s:4: not UTF-8 text", fixture);
  g_assert_cmpstr(error->message, ==, want);
  tw_job_free(job);
}

/* ---------------------------------------------------------------- fuzzing's finds, replayed */

/* Every input that made a fuzz harness crash, run again through the same path: the source
 * reads it (or fails with one line naming it) and the JSON export is valid. */
static void
test_fuzz_finds(void)
{
  static const char *const few_occurrences[] = {"max-occurrences=500", NULL};
  static const struct {
    const char *plugin, *fixture;
    const char *const *options;
  } finds[] = {
      /* A csv kind of control characters only: an empty ICS property libical refused. */
      {"csv", "fuzz/csv-control-kind.csv", NULL},
      /* A daily rule until the year 4052: 100 000 occurrences (max-occurrences), slow under
       * ASan but bounded. */
      {"ics", "fuzz/ics-until-4052.ics", few_occurrences},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(finds); i++) {
    g_autofree char *path = tw_test_fixture(finds[i].fixture);
    g_autofree char *out = scratch_path("fuzz-out.json");
    g_autofree char *ics = scratch_path("fuzz-out.ics");
    TwJob *job = tw_job_new(registry);
    tw_job_set_threads(job, 1);
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) keys = NULL, values = NULL;
    guint n = finds[i].options ? g_strv_length((char **)finds[i].options) : 0;
    keys = g_new0(char *, n + 1);
    values = g_new0(char *, n + 1);
    for (guint k = 0; k < n; k++) {
      const char *eq = strchr(finds[i].options[k], '=');
      keys[k] = g_strndup(finds[i].options[k], (gsize)(eq - finds[i].options[k]));
      values[k] = g_strdup(eq + 1);
    }
    g_assert_true(tw_job_add_source(job, finds[i].plugin, NULL, path, NULL,
                                    (const char *const *)keys, (const char *const *)values,
                                    &error));
    g_assert_true(tw_job_add_export(job, "json", out, NULL, NULL, &error));
    g_assert_true(tw_job_add_export(job, "ics", ics, NULL, NULL, &error));
    if (tw_job_run(job, &error)) {
      g_autoptr(JsonParser) parser = json_parser_new();
      JsonArray *events = read_export_events(out, parser);
      g_assert_cmpuint(json_array_get_length(events), ==,
                       tw_timeline_get_n_events(tw_job_get_timeline(job)));
      g_autofree char *text = NULL;
      g_assert_true(g_file_get_contents(ics, &text, NULL, NULL));
      g_assert_true(g_utf8_validate(text, -1, NULL));
      icalcomponent *calendar = icalparser_parse_string(text);
      g_assert_nonnull(calendar);
      for (icalcomponent *c = icalcomponent_get_first_component(calendar, ICAL_ANY_COMPONENT); c;
           c = icalcomponent_get_next_component(calendar, ICAL_ANY_COMPONENT))
        g_assert_null(icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY));
      icalcomponent_free(calendar);
    } else {
      g_assert_true(g_str_has_prefix(error->message, path));
      g_assert_null(strchr(error->message, '\n'));
    }
    tw_job_free(job);
  }
}

/* json-glib quotes the token it refuses with its line break: the message was two lines (found
 * by tests/fuzz in a spliced document). */
static void
test_fuzz_json_message(void)
{
  g_autofree char *path = tw_test_fixture("fuzz/json-token-with-line-break.json");
  g_autofree char *message =
      g_strdup_printf("%s:54: not JSON: invalid string constant \"contains{\\n  \", expected "
                      "valid string constant (column 3)",
                      path);
  run_fails("json", path, NULL, message);
}

static void
remove_tree(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *child = g_build_filename(path, name, NULL);
    if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
      remove_tree(child);
    else
      g_remove(child);
  }
  g_rmdir(path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autoptr(GError) error = NULL;
  scratch = g_dir_make_tmp("tw-limits-XXXXXX", &error);
  g_assert_no_error(error);
  registry = tw_registry_new();
  static const char *const plugins[] = {"json", "csv", "log", "ics", "bodyfile", "text"};
  for (gsize i = 0; i < G_N_ELEMENTS(plugins); i++)
    load_plugin(plugins[i]);

  g_test_add_func("/limits/title-cut-every-place", test_title_cut_every_place);
  g_test_add_func("/limits/long-line", test_long_line);
  g_test_add_func("/limits/long-fields", test_long_fields);
  g_test_add_func("/limits/utf8/nul-bytes-keep-text", test_nul_bytes_keep_text);
  g_test_add_func("/limits/long-json-document", test_long_json_document);
  g_test_add_func("/limits/deep/json-document", test_deep_json_document);
  g_test_add_func("/limits/deep/json-lines", test_deep_json_lines);
  g_test_add_func("/limits/deep/journal", test_deep_journal);
  g_test_add_func("/limits/deep/csv-attributes", test_deep_csv_attributes);
  g_test_add_func("/limits/json-guard/journal-csv", test_json_guard_journal_csv);
  g_test_add_func("/limits/attributes/builder", test_many_attributes);
  g_test_add_func("/limits/date/unknown-precision", test_unknown_precision);
  g_test_add_func("/limits/date/end-out-of-range", test_end_out_of_range);
  g_test_add_func("/limits/attributes/json", test_many_attributes_json);
  g_test_add_func("/limits/utf8/builder", test_builder_cleans_text);
  g_test_add_func("/limits/utf8/every-place", test_builder_cleans_every_place);
  g_test_add_func("/limits/utf8/source-name", test_source_name_not_utf8);
  g_test_add_func("/limits/files/not-a-file", test_not_a_file);
  g_test_add_func("/limits/files/json-fifo", test_json_from_fifo);
  g_test_add_func("/limits/files/text-binary", test_text_binary);
  g_test_add_func("/limits/spec/not-utf8", test_spec_not_utf8);
  g_test_add_func("/limits/spec/byte-order-mark", test_spec_byte_order_mark);
  g_test_add_func("/limits/fuzz-finds", test_fuzz_finds);
  g_test_add_func("/limits/fuzz-json-message", test_fuzz_json_message);

  int status = g_test_run();
  tw_registry_free(registry);
  remove_tree(scratch);
  g_free(scratch);
  return status;
}
