/* timeweave tests: the timesketch and opensearch exporters, and the json source's presets for
 * plaso's json_line and Timesketch's JSONL.
 *
 * Timelines are read by the json plugin (from the build tree) through real TwJobs, and exported
 * to files that are parsed again with json-glib: each line's members, their types and values as
 * Timesketch's importer and OpenSearch's _bulk API want them, the round trip back through
 * preset=timesketch, and the files the opensearch exporter cuts a large body into. The fixtures in
 * tests/fixtures/timesketch/ are in the exact shapes psort -o json_line and Timesketch write. */
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwRegistry *registry;
static char *scratch; /* a temporary folder for the exports */

static char *
scratch_path(const char *name)
{
  return g_build_filename(scratch, name, NULL);
}

/* Splits "k=v" strings into two NULL-terminated arrays. */
static void
split_options(const char *const *options, GPtrArray *keys, GPtrArray *values)
{
  for (guint i = 0; options && options[i]; i++) {
    const char *eq = strchr(options[i], '=');
    g_assert_nonnull(eq);
    g_ptr_array_add(keys, g_strndup(options[i], (gsize)(eq - options[i])));
    g_ptr_array_add(values, g_strdup(eq + 1));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
}

typedef struct {
  const char *format;
  const char *path;
  const char *const *options;
} Export;

/* Reads @input with the json source and its "k=v" @source_options, writes @exports; returns the
 * job after a successful run (or NULL with @error when @error is given). */
static TwJob *
run(const char *input, const char *const *source_options, const Export *exports, guint n_exports,
    GTimeZone *output_zone, GError **error)
{
  TwJob *job = tw_job_new(registry);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) local = NULL;

  split_options(source_options, keys, values);
  tw_job_set_threads(job, 1);
  tw_job_set_title(job, "Scale out");
  if (output_zone)
    tw_job_set_output_zone(job, output_zone);
  g_assert_true(tw_job_add_source(job, "json", NULL, input, NULL, (const char *const *)keys->pdata,
                                  (const char *const *)values->pdata, &local));
  g_assert_no_error(local);
  for (guint i = 0; i < n_exports; i++) {
    g_autoptr(GPtrArray) export_keys = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) export_values = g_ptr_array_new_with_free_func(g_free);

    split_options(exports[i].options, export_keys, export_values);
    g_assert_true(tw_job_add_export(job, exports[i].format, exports[i].path,
                                    (const char *const *)export_keys->pdata,
                                    (const char *const *)export_values->pdata, &local));
    g_assert_no_error(local);
  }
  if (!tw_job_run(job, error ? error : &local)) {
    g_assert_nonnull(error);
    tw_job_free(job);
    return NULL;
  }
  g_assert_no_error(local);
  return job;
}

static char *
read_text(const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true(g_file_get_contents(path, &text, NULL, &error));
  g_assert_no_error(error);
  return text;
}

/* Parses one JSON object (a line of a JSON Lines file). */
static JsonObject *
parse_object(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data(parser, text, -1, &error))
    g_error("not JSON (%s): %s", error->message, text);
  JsonNode *root = json_parser_get_root(parser);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
  return json_object_ref(json_node_get_object(root));
}

/* The lines of a JSON Lines file (each ends with a newline, the last one included). */
static GStrv
read_lines(const char *path)
{
  g_autofree char *text = read_text(path);
  gsize length = strlen(text);

  if (length > 0)
    g_assert_cmpint(text[length - 1], ==, '\n');
  if (length > 0)
    text[length - 1] = '\0';
  return length > 0 ? g_strsplit(text, "\n", -1) : g_new0(char *, 1);
}

/* The line of @lines whose "id" is @id. */
static JsonObject *
line_with_id(GStrv lines, const char *id)
{
  for (guint i = 0; lines[i]; i++) {
    JsonObject *object = parse_object(lines[i]);
    if (g_strcmp0(json_object_get_string_member_with_default(object, "id", ""), id) == 0)
      return object;
    json_object_unref(object);
  }
  g_error("no line with id '%s'", id);
  return NULL;
}

static gboolean
is_iso_datetime_usec(const char *text)
{
  return g_regex_match_simple(
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}$",
      text, 0, 0);
}

static gboolean
looks_like_iso_date(const char *text)
{
  /* What OpenSearch's strict_date_optional_time could read: 2026, 2026-02, 2026-02-13T10Z. */
  return g_regex_match_simple("^[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9:.]*(Z|[+-][0-9:]+)?)?)?)?$",
                              text, 0, 0);
}

static const char *
member_string(JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member(object, name);
  if (!node)
    return NULL;
  g_assert_true(JSON_NODE_HOLDS_VALUE(node));
  g_assert_cmpuint(json_node_get_value_type(node), ==, G_TYPE_STRING);
  return json_node_get_string(node);
}

/* -- the timesketch exporter -- */

static const char *every_field_path;

/* Every line carries what Timesketch's importer requires, with the types its documentation
 * gives, and timeweave's fields; spans are marked as spans. */
static void
test_timesketch_lines(void)
{
  g_autofree char *out = scratch_path("every.jsonl");
  Export exports[] = {{"timesketch", out, NULL}};
  TwJob *job = run(every_field_path, NULL, exports, 1, NULL, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_auto(GStrv) lines = read_lines(out);

  g_assert_cmpuint(g_strv_length(lines), ==, tw_timeline_get_n_events(timeline));
  for (guint i = 0; lines[i]; i++) {
    g_autoptr(JsonObject) object = parse_object(lines[i]);
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    GList *members = json_object_get_members(object);
    static const char *const first[] = {"message", "datetime", "timestamp", "timestamp_desc", "id"};
    GList *l = members;

    /* The fixed order: Timesketch's members first. */
    for (guint k = 0; k < G_N_ELEMENTS(first); k++, l = l->next)
      g_assert_cmpstr(l->data, ==, first[k]);
    /* Timesketch drops _id, _index, _type, _source and __ts_timeline_id on import. */
    for (l = members; l; l = l->next)
      g_assert_false(((const char *)l->data)[0] == '_');
    g_list_free(members);

    g_assert_cmpstr(member_string(object, "message"), ==, tw_event_get_title(event));
    g_assert_true(is_iso_datetime_usec(member_string(object, "datetime")));
    JsonNode *timestamp = json_object_get_member(object, "timestamp");
    g_assert_cmpuint(json_node_get_value_type(timestamp), ==, G_TYPE_INT64);
    g_assert_cmpint(json_node_get_int(timestamp), ==, tw_event_get_start(event));
    const char *kind = tw_event_get_kind(event);
    g_assert_cmpstr(member_string(object, "timestamp_desc"), ==, kind ? kind : "Event Time");
    g_assert_cmpstr(member_string(object, "kind"), ==, kind);
    g_assert_cmpstr(member_string(object, "id"), ==, tw_event_get_id(event));
    g_assert_cmpstr(member_string(object, "source"), ==, tw_event_get_source(event));
    g_assert_cmpstr(member_string(object, "precision"), ==,
                    tw_precision_to_string(tw_event_get_precision(event)));
    JsonArray *tags = json_object_get_array_member(object, "tag");
    g_assert_cmpuint(json_array_get_length(tags), ==, tw_event_get_n_tags(event));

    /* A span is never a bare instant: its precision, its end, and the date text when
     * OpenSearch cannot mistake it for a date. */
    gboolean span = tw_event_get_end(event) != tw_event_get_start(event);
    g_assert_cmpint(json_object_has_member(object, "end"), ==, span);
    const char *date = member_string(object, "date");
    if (tw_event_get_precision(event) == TW_PRECISION_EXACT)
      g_assert_null(date);
    if (date)
      g_assert_false(looks_like_iso_date(date));
    g_assert_cmpint(json_object_has_member(object, "floating"), ==, tw_event_is_floating(event));
  }

  g_autoptr(JsonObject) usec = line_with_id(lines, "exact-usec");
  g_assert_cmpstr(member_string(usec, "datetime"), ==, "2026-02-13T09:30:00.123456+00:00");
  g_assert_cmpstr(member_string(usec, "zone"), ==, "Europe/Berlin");
  g_autoptr(JsonObject) day = line_with_id(lines, "day");
  g_assert_cmpstr(member_string(day, "datetime"), ==, "2026-02-13T00:00:00.000000+00:00");
  g_assert_cmpstr(member_string(day, "end"), ==, "2026-02-14T00:00:00.000000+00:00");
  g_assert_cmpstr(member_string(day, "precision"), ==, "day");
  g_assert_null(member_string(day, "date")); /* "2026-02-13" would make a date field */
  g_autoptr(JsonObject) early = line_with_id(lines, "early");
  g_assert_cmpstr(member_string(early, "date"), ==, "early 2025");
  g_assert_cmpstr(member_string(early, "qualifier"), ==, "early");
  g_assert_cmpstr(member_string(early, "end"), ==, "2025-05-01T00:00:00.000000+00:00");
  JsonArray *links = json_object_get_array_member(early, "links");
  g_assert_cmpuint(json_array_get_length(links), ==, 1);
  JsonObject *link = json_array_get_object_element(links, 0);
  g_assert_cmpstr(member_string(link, "to"), ==, "after");
  g_assert_cmpstr(member_string(link, "rule"), ==, "long-range");
  g_assert_cmpstr(member_string(link, "lag_min"), ==, "30d");
  g_assert_cmpstr(member_string(link, "certainty"), ==, "possible");
  g_autoptr(JsonObject) quarter = line_with_id(lines, "quarter");
  g_assert_cmpstr(member_string(quarter, "date"), ==, "2026-Q1");
  g_autoptr(JsonObject) span = line_with_id(lines, "exact-span");
  g_assert_cmpstr(member_string(span, "timestamp_desc"), ==, "meeting");
  g_assert_cmpstr(member_string(span, "end"), ==, "2026-03-01T11:30:00.000000+00:00");
  tw_job_free(job);
}

/* --output-zone: zoned instants in its offset, floating ones as their wall clock. */
static void
test_timesketch_output_zone(void)
{
  g_autofree char *out = scratch_path("zoned.jsonl");
  const char *const options[] = {"timestamp-desc=Happened", NULL};
  Export exports[] = {{"timesketch", out, options}};
  g_autoptr(GTimeZone) berlin = tw_zone_new("Europe/Berlin", NULL);
  TwJob *job = run(every_field_path, NULL, exports, 1, berlin, NULL);
  g_auto(GStrv) lines = read_lines(out);

  g_autoptr(JsonObject) usec = line_with_id(lines, "exact-usec");
  g_assert_cmpstr(member_string(usec, "datetime"), ==, "2026-02-13T10:30:00.123456+01:00");
  g_assert_cmpstr(member_string(usec, "timestamp_desc"), ==, "measurement"); /* its kind */
  g_autoptr(JsonObject) day = line_with_id(lines, "day");
  g_assert_cmpstr(member_string(day, "timestamp_desc"), ==, "Happened");
  g_autoptr(JsonObject) floating = line_with_id(lines, "exact-floating");
  g_assert_cmpstr(member_string(floating, "datetime"), ==, "2026-02-13T10:30:00.000000+00:00");
  g_autoptr(JsonObject) tokyo = line_with_id(lines, "unicode");
  g_assert_cmpstr(member_string(tokyo, "datetime"), ==, "2026-03-31T17:00:00.000000+02:00");
  tw_job_free(job);
}

/* The json text of each event of a timeline, as the json exporter writes it. */
static GPtrArray *
event_texts(const char *json_path)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);

  g_assert_true(json_parser_load_from_file(parser, json_path, &error));
  g_assert_no_error(error);
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonArray *events = json_object_get_array_member(root, "events");
  for (guint i = 0; i < json_array_get_length(events); i++)
    g_ptr_array_add(texts, json_to_string(json_array_get_element(events, i), FALSE));
  return texts;
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The links of a json export as sorted text (their order follows the events on the way back). */
static GPtrArray *
link_texts(const char *json_path)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);

  g_assert_true(json_parser_load_from_file(parser, json_path, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonArray *links = json_object_get_array_member(root, "links");
  for (guint i = 0; i < json_array_get_length(links); i++)
    g_ptr_array_add(texts, json_to_string(json_array_get_element(links, i), FALSE));
  g_ptr_array_sort(texts, compare_strings);
  return texts;
}

static void
assert_same_texts(GPtrArray *a, GPtrArray *b)
{
  g_assert_cmpuint(a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr(g_ptr_array_index(a, i), ==, g_ptr_array_index(b, i));
}

/* timeweave -> timesketch JSONL -> preset=timesketch -> the same events and links. */
static void
roundtrip(GTimeZone *zone)
{
  g_autofree char *original = scratch_path("original.json");
  g_autofree char *sketch = scratch_path("sketch.jsonl");
  g_autofree char *back = scratch_path("back.json");
  Export first[] = {{"json", original, NULL}, {"timesketch", sketch, NULL}};
  Export second[] = {{"json", back, NULL}};
  const char *const preset[] = {"preset=timesketch", NULL};

  tw_job_free(run(every_field_path, NULL, first, 2, zone, NULL));
  TwJob *job = run(sketch, preset, second, 1, zone, NULL);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  tw_job_free(job);

  g_autoptr(GPtrArray) before = event_texts(original);
  g_autoptr(GPtrArray) after = event_texts(back);
  g_assert_cmpuint(before->len, ==, 32);
  assert_same_texts(before, after);
  g_autoptr(GPtrArray) links_before = link_texts(original);
  g_autoptr(GPtrArray) links_after = link_texts(back);
  g_assert_cmpuint(links_before->len, ==, 4);
  assert_same_texts(links_before, links_after);
}

static void
test_timesketch_roundtrip(void)
{
  g_autoptr(GTimeZone) kolkata = tw_zone_new("Asia/Kolkata", NULL);

  roundtrip(NULL);
  roundtrip(kolkata);
}

/* -- the presets -- */

static TwJob *
read_preset(const char *fixture, const char *preset)
{
  g_autofree char *path = tw_test_fixture(fixture);
  const char *const options[] = {preset, NULL};
  TwJob *job = run(path, options, NULL, 0, NULL, NULL);

  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  return job;
}

static const TwEvent *
event_with_kind(const TwTimeline *timeline, const char *title, const char *kind)
{
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    if (g_str_has_prefix(tw_event_get_title(event), title) &&
        g_strcmp0(tw_event_get_kind(event), kind) == 0)
      return event;
  }
  g_error("no event '%s' of kind '%s'", title, kind);
  return NULL;
}

static gint64
utc(int year, int month, int day, int hour, int minute, int second)
{
  return tw_civil_to_usec(year, month, day, hour, minute, second);
}

static void
test_preset_plaso(void)
{
  TwJob *job = read_preset("timesketch/plaso-json_line.jsonl", "preset=plaso");
  const TwTimeline *timeline = tw_job_get_timeline(job);

  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 5);
  /* One file's two timestamps: the same message and time, two events. */
  const TwEvent *created = event_with_kind(timeline, "TSK:/Windows", "Creation Time");
  const TwEvent *modified = event_with_kind(timeline, "TSK:/Windows", "Content Modification Time");
  g_assert_cmpstr(tw_event_get_id(created), !=, tw_event_get_id(modified));
  g_assert_cmpint(tw_event_get_start(created), ==, utc(2021, 3, 8, 4, 20, 30) + 123456);
  g_assert_cmpint(tw_event_get_precision(created), ==, TW_PRECISION_EXACT);
  g_assert_null(tw_event_get_zone(created));
  g_assert_cmpstr(tw_event_lookup_attribute(created, "parser"), ==, "filestat");
  g_assert_cmpstr(tw_event_lookup_attribute(created, "display_name"), ==,
                  "TSK:/Windows/System32/evil.exe");
  g_assert_cmpstr(tw_event_lookup_attribute(created, "data_type"), ==, "fs:stat");
  g_assert_cmpstr(tw_event_lookup_attribute(created, "inode"), ==, "64783");
  g_assert_cmpstr(tw_event_lookup_attribute(created, "is_allocated"), ==, "true");
  g_assert_true(g_str_has_prefix(tw_event_lookup_attribute(created, "date_time"),
                                 "{\"__class_name__\":\"Filetime\""));
  g_assert_true(g_str_has_prefix(tw_event_lookup_attribute(created, "pathspec"), "{"));
  g_assert_null(tw_event_lookup_attribute(created, "message"));
  g_assert_null(tw_event_lookup_attribute(created, "timestamp"));
  g_assert_null(tw_event_lookup_attribute(created, "timestamp_desc"));

  /* The event tag container's labels are the tags; the container is claimed. */
  const TwEvent *logon = event_with_kind(timeline, "[4624", "Creation Time");
  g_assert_cmpuint(tw_event_get_n_tags(logon), ==, 2);
  g_assert_cmpstr(tw_event_get_tag(logon, 0), ==, "logon");
  g_assert_cmpstr(tw_event_get_tag(logon, 1), ==, "lateral_movement");
  g_assert_null(tw_event_lookup_attribute(logon, "tag"));
  g_assert_cmpstr(tw_event_lookup_attribute(logon, "event_identifier"), ==, "4624");

  /* \u escapes (plaso's json.dumps keeps to ASCII), null kept as JSON. */
  const TwEvent *ssh = event_with_kind(timeline, "[sshd", "Content Modification Time");
  g_assert_cmpstr(tw_event_get_title(ssh), ==,
                  "[sshd, pid: 1234] Accepted publickey for jos\xc3\xa9 from 10.0.0.5 port "
                  "51234 ssh2");
  g_assert_cmpstr(tw_event_lookup_attribute(ssh, "severity"), ==, "null");

  /* A browser record's own title and url stay attributes: message is the title. */
  const TwEvent *visit = event_with_kind(timeline, "https://login", "Last Visited Time");
  g_assert_cmpstr(tw_event_lookup_attribute(visit, "title"), ==, "Sign in");
  g_assert_cmpstr(tw_event_lookup_attribute(visit, "url"), ==, "https://login.example.com/");
  g_assert_null(tw_event_get_url(visit));
  g_assert_cmpint(tw_event_get_start(visit), ==, utc(2021, 3, 8, 4, 26, 40));
  tw_job_free(job);

  /* Options beside the preset win over it. */
  g_autofree char *path = tw_test_fixture("timesketch/plaso-json_line.jsonl");
  const char *const options[] = {"preset=plaso", "title=display_name", NULL};
  job = run(path, options, NULL, 0, NULL, NULL);
  timeline = tw_job_get_timeline(job);
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(timeline, 0)), ==,
                  "TSK:/Windows/System32/evil.exe");
  g_assert_nonnull(tw_event_lookup_attribute(tw_timeline_get_event(timeline, 0), "message"));
  tw_job_free(job);
}

static void
test_preset_timesketch_export(void)
{
  TwJob *job = read_preset("timesketch/timesketch-export.jsonl", "preset=timesketch");
  const TwTimeline *timeline = tw_job_get_timeline(job);

  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 5);
  const TwEvent *created = event_with_kind(timeline, "TSK:/Windows", "Creation Time");
  g_assert_cmpint(tw_event_get_start(created), ==, utc(2021, 3, 8, 4, 20, 30) + 123456);
  g_assert_cmpuint(tw_event_get_n_tags(created), ==, 2);
  g_assert_cmpstr(tw_event_get_tag(created, 1), ==, "persistence");
  g_assert_null(tw_event_lookup_attribute(created, "tag"));
  g_assert_null(tw_event_lookup_attribute(created, "timestamp")); /* the same instant again */
  g_assert_cmpstr(tw_event_lookup_attribute(created, "_id"), ==, "0f0LzY0BqXn2h5cT3k1a");
  g_assert_cmpstr(tw_event_lookup_attribute(created, "__ts_timeline_id"), ==, "1");
  g_assert_cmpstr(tw_event_lookup_attribute(created, "parser"), ==, "filestat");

  const TwEvent *starred = event_with_kind(timeline, "TSK:/Windows", "Content Modification Time");
  g_assert_cmpstr(tw_event_lookup_attribute(starred, "timesketch_label"), ==,
                  "[{\"name\":\"__ts_star\",\"user_id\":1,\"sketch_id\":2}]");
  g_assert_cmpstr(tw_event_get_id(starred), !=, tw_event_get_id(created));

  /* A foreign record's kind and source are its own fields, not timeweave's. */
  const TwEvent *run_key = event_with_kind(timeline, "HKLM", "Content Modification Time");
  g_assert_cmpstr(tw_event_get_source(run_key), ==, "timesketch-export");
  g_assert_cmpstr(tw_event_lookup_attribute(run_key, "source"), ==, "REG");
  g_assert_cmpstr(tw_event_lookup_attribute(run_key, "kind"), ==, "run-key");

  /* An offset stated in datetime is the event's zone. */
  const TwEvent *cafe = event_with_kind(timeline, "Caf\xc3\xa9", "Event Recorded");
  g_assert_cmpint(tw_event_get_start(cafe), ==, utc(2021, 3, 8, 4, 0, 0) + 500000);
  g_assert_cmpstr(tw_event_get_zone(cafe), ==, "+01:00");

  /* A timeweave event that went through Timesketch: its own fields back, the rest kept. */
  gint index = tw_timeline_find_event(timeline, "month");
  g_assert_cmpint(index, >=, 0);
  const TwEvent *month = tw_timeline_get_event(timeline, (guint)index);
  g_assert_cmpint(tw_event_get_precision(month), ==, TW_PRECISION_MONTH);
  g_assert_true(tw_event_is_floating(month));
  g_assert_cmpint(tw_event_get_end(month), ==, utc(2026, 3, 1, 0, 0, 0));
  g_assert_null(tw_event_get_kind(month));
  g_assert_cmpstr(tw_event_get_source(month), ==, "every-field");
  g_assert_cmpstr(tw_event_lookup_attribute(month, "_index"), ==,
                  "5e0c9b8a7d6f4e3c2b1a0f9e8d7c6b5a");
  g_assert_null(tw_event_lookup_attribute(month, "timestamp_desc"));
  g_assert_null(tw_event_lookup_attribute(month, "precision"));

  /* _id is a native id: the same ids on every read. */
  g_autofree char *first_id = g_strdup(tw_event_get_id(created));
  tw_job_free(job);
  job = read_preset("timesketch/timesketch-export.jsonl", "preset=timesketch");
  timeline = tw_job_get_timeline(job);
  g_assert_cmpint(tw_timeline_find_event(timeline, first_id), >=, 0);
  tw_job_free(job);
}

/* The upload example of Timesketch's documentation, as it stands (its timestamps are not its
 * datetimes: datetime wins and timestamp stays an attribute). */
static void
test_preset_timesketch_import(void)
{
  TwJob *job = read_preset("timesketch/timesketch-import.jsonl", "preset=timesketch");
  const TwTimeline *timeline = tw_job_get_timeline(job);

  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
  const TwEvent *first = tw_timeline_get_event(timeline, 0);
  g_assert_cmpstr(tw_event_get_title(first), ==, "A message");
  g_assert_cmpstr(tw_event_get_kind(first), ==, "Write time");
  g_assert_cmpint(tw_event_get_start(first), ==, utc(2015, 7, 24, 19, 1, 1));
  g_assert_cmpstr(tw_event_lookup_attribute(first, "timestamp"), ==, "123456789");
  g_assert_cmpstr(tw_event_lookup_attribute(first, "extra_field_1"), ==, "foo");
  tw_job_free(job);
}

/* -- the opensearch exporter -- */

static char **
list_parts(const char *stem, guint *n)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new();
  g_ptr_array_add(parts, g_strdup_printf("%s.ndjson", stem));
  for (guint i = 1;; i++) {
    char *path = g_strdup_printf("%s-%04u.ndjson", stem, i);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
      g_free(path);
      break;
    }
    g_ptr_array_add(parts, path);
  }
  *n = parts->len;
  g_ptr_array_add(parts, NULL);
  return (char **)g_ptr_array_free(g_steal_pointer(&parts), FALSE);
}

/* Cut into files of at most max-bytes, each whole action+document pairs ending with a newline;
 * together the same bytes as one file; earlier numbered files removed. */
static void
test_opensearch_split(void)
{
  g_autofree char *stem = scratch_path("bulk");
  g_autofree char *target = g_strdup_printf("%s.ndjson", stem);
  g_autofree char *whole = scratch_path("whole.ndjson");
  const char *const small[] = {"max-bytes=2000", "index=case-42", NULL};
  const char *const large[] = {"index=case-42", NULL};
  Export exports[] = {{"opensearch", target, small}, {"opensearch", whole, large}};
  TwJob *job = run(every_field_path, NULL, exports, 2, NULL, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  guint n_parts;
  g_auto(GStrv) parts = list_parts(stem, &n_parts);
  g_autoptr(GString) joined = g_string_new(NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpuint(n_parts, >, 3);
  for (guint p = 0; p < n_parts; p++) {
    g_autofree char *text = read_text(parts[p]);
    gsize length = strlen(text);
    g_auto(GStrv) lines = NULL;

    g_assert_cmpuint(length, >, 0);
    g_assert_cmpuint(length, <=, 2000);
    g_assert_cmpint(text[length - 1], ==, '\n');
    g_string_append(joined, text);
    text[length - 1] = '\0';
    lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines) % 2, ==, 0);
    for (guint i = 0; lines[i]; i += 2) {
      g_autoptr(JsonObject) action = parse_object(lines[i]);
      g_autoptr(JsonObject) document = parse_object(lines[i + 1]);
      JsonObject *index = json_object_get_object_member(action, "index");
      g_assert_cmpuint(json_object_get_size(action), ==, 1);
      g_assert_cmpstr(member_string(index, "_index"), ==, "case-42");
      g_assert_cmpstr(member_string(index, "_id"), ==, member_string(document, "id"));
      g_assert_true(g_hash_table_add(ids, g_strdup(member_string(document, "id"))));
      g_assert_true(is_iso_datetime_usec(member_string(document, "datetime")));
      g_assert_nonnull(member_string(document, "message"));
      g_assert_nonnull(member_string(document, "start"));
      g_assert_nonnull(member_string(document, "end"));
      g_assert_nonnull(member_string(document, "date"));
      g_assert_true(json_object_has_member(document, "tags"));
    }
  }
  g_assert_cmpuint(g_hash_table_size(ids), ==, tw_timeline_get_n_events(timeline));
  g_autofree char *unsplit = read_text(whole);
  g_assert_cmpstr(joined->str, ==, unsplit);
  g_autofree char *whole_part = scratch_path("whole-0001.ndjson");
  g_assert_false(g_file_test(whole_part, G_FILE_TEST_EXISTS));
  tw_job_free(job);

  /* The template beside each: the index pattern and the mappings. */
  g_autofree char *template_path = g_strdup_printf("%s.template.json", stem);
  g_autofree char *template_text = read_text(template_path);
  g_autoptr(JsonObject) template = parse_object(template_text);
  JsonArray *patterns = json_object_get_array_member(template, "index_patterns");
  g_assert_cmpstr(json_array_get_string_element(patterns, 0), ==, "case-42");
  JsonObject *mappings = json_object_get_object_member(
      json_object_get_object_member(template, "template"), "mappings");
  g_assert_false(json_object_get_boolean_member(mappings, "date_detection"));
  JsonObject *properties = json_object_get_object_member(mappings, "properties");
  static const char *const types[][2] = {
      {"datetime", "date"},  {"start", "date"},   {"end", "date"},         {"id", "keyword"},
      {"source", "keyword"}, {"kind", "keyword"}, {"tags", "keyword"},     {"precision", "keyword"},
      {"date", "keyword"},   {"message", "text"}, {"description", "text"}, {"geo", "geo_point"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(types); i++)
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(properties, types[i][0]), "type"),
                    ==, types[i][1]);
  g_autofree char *whole_template = scratch_path("whole.template.json");
  g_assert_true(g_file_test(whole_template, G_FILE_TEST_EXISTS));

  /* A smaller export of the same name: the numbered files of the larger one are gone. */
  Export again[] = {{"opensearch", target, large}};
  tw_job_free(run(every_field_path, NULL, again, 1, NULL, NULL));
  guint n_after;
  g_auto(GStrv) after = list_parts(stem, &n_after);
  g_assert_cmpuint(n_after, ==, 1);
  g_autofree char *single = read_text(target);
  g_assert_cmpstr(single, ==, unsplit);
}

static void
expect_failure(const char *input, const Export *export, const char *message)
{
  g_autoptr(GError) error = NULL;

  g_assert_null(run(input, NULL, export, 1, NULL, &error));
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_assert_nonnull(strstr(error->message, message));
  g_assert_null(strchr(error->message, '\n'));
}

static void
test_opensearch_refusals(void)
{
  g_autofree char *target = scratch_path("refused.ndjson");
  const char *const capital[] = {"index=Case", NULL};
  const char *const underscore[] = {"index=_case", NULL};
  const char *const tiny[] = {"max-bytes=100", NULL};
  const char *const zero[] = {"max-bytes=0", NULL};
  Export exports[][1] = {{{"opensearch", target, capital}},
                         {{"opensearch", target, underscore}},
                         {{"opensearch", target, tiny}},
                         {{"opensearch", target, zero}}};

  expect_failure(every_field_path, exports[0],
                 "option 'index': 'Case' is not a valid index name: it has capital letters");
  expect_failure(every_field_path, exports[1], "it begins with -, _ or +");
  expect_failure(every_field_path, exports[2], "more than max-bytes=100: no request");
  expect_failure(every_field_path, exports[3], "'max-bytes': 0 is not a positive size");
  /* Nothing was left behind. */
  g_assert_false(g_file_test(target, G_FILE_TEST_EXISTS));
  g_autofree char *part = scratch_path("refused-0001.ndjson");
  g_assert_false(g_file_test(part, G_FILE_TEST_EXISTS));

  /* An id longer than OpenSearch's _id limit. */
  g_autofree char *long_id = g_strnfill(600, 'x');
  g_autofree char *line = g_strdup_printf("{\"id\": \"%s\", \"date\": \"2026\", \"title\": \"t\"}\n"
                                          "{\"id\": \"b\", \"date\": \"2027\", \"title\": \"u\"}\n",
                                          long_id);
  g_autofree char *input = scratch_path("long-id.jsonl");
  g_assert_true(g_file_set_contents(input, line, -1, NULL));
  Export ok[] = {{"opensearch", target, NULL}};
  expect_failure(input, ok, "has an id of 600 bytes; OpenSearch takes at most 512");
}

/* A run that fails after it wrote some numbered files (here an entry too large for any file,
 * which comes last) leaves the earlier export as it was: its numbered files too, not this run's
 * first ones beside the earlier run's first file (found by the review). */
static void
test_opensearch_failure_keeps_earlier(void)
{
  g_autofree char *stem = scratch_path("kept");
  g_autofree char *target = g_strdup_printf("%s.ndjson", stem);
  g_autofree char *small = scratch_path("kept-small.jsonl");
  g_autofree char *large = scratch_path("kept-large.jsonl");
  g_autoptr(GString) lines = g_string_new(NULL);
  for (guint i = 0; i < 40; i++)
    g_string_append_printf(
        lines, "{\"id\": \"e%u\", \"date\": \"2026-01-%02u\", \"title\": \"t\"}\n", i, 1 + i % 28);
  g_assert_true(g_file_set_contents(small, lines->str, -1, NULL));
  g_autofree char *huge = g_strnfill(3000, 'x');
  g_string_append_printf(lines, "{\"id\": \"last\", \"date\": \"2099\", \"title\": \"%s\"}\n",
                         huge);
  g_assert_true(g_file_set_contents(large, lines->str, -1, NULL));

  const char *const first[] = {"max-bytes=2000", "index=first", NULL};
  Export exports[] = {{"opensearch", target, first}};
  tw_job_free(run(small, NULL, exports, 1, NULL, NULL));
  guint n_parts;
  g_auto(GStrv) parts = list_parts(stem, &n_parts);
  g_assert_cmpuint(n_parts, >, 2);
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func(g_free);
  for (guint p = 0; p < n_parts; p++)
    g_ptr_array_add(before, read_text(parts[p]));

  const char *const second[] = {"max-bytes=2000", "index=second", NULL};
  Export again[] = {{"opensearch", target, second}};
  expect_failure(large, again, "more than max-bytes=2000: no request could carry it");
  guint n_after;
  g_auto(GStrv) after = list_parts(stem, &n_after);
  g_assert_cmpuint(n_after, ==, n_parts);
  for (guint p = 0; p < n_parts; p++) {
    g_autofree char *text = read_text(after[p]);
    g_assert_cmpstr(text, ==, g_ptr_array_index(before, p));
  }
}

/* A run whose opensearch export was written whole but whose next format fails leaves the
 * earlier opensearch export as it was: its numbered files and template are put in place with
 * the other exports, once all were written, and the numbered files this run would not have
 * written are removed only then (before, they were renamed and removed while the opensearch
 * export was written, beside the earlier run's first file). */
static void
test_opensearch_later_format_fails(void)
{
  g_autofree char *stem = scratch_path("later");
  g_autofree char *target = g_strdup_printf("%s.ndjson", stem);
  g_autofree char *template_path = g_strdup_printf("%s.template.json", stem);
  g_autofree char *folder = scratch_path("later-folder.json");
  const char *const tiny[] = {"max-bytes=1000", "index=first", NULL};
  const char *const small[] = {"max-bytes=2000", "index=second", NULL};
  Export exports[] = {{"opensearch", target, tiny}};
  tw_job_free(run(every_field_path, NULL, exports, 1, NULL, NULL));
  guint n_parts;
  g_auto(GStrv) parts = list_parts(stem, &n_parts);
  g_assert_cmpuint(n_parts, >, 3);
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func(g_free);
  for (guint p = 0; p < n_parts; p++)
    g_ptr_array_add(before, read_text(parts[p]));
  g_autofree char *template_before = read_text(template_path);

  /* Fewer, larger numbered files, then a json export to a folder, which cannot be replaced. */
  g_assert_cmpint(g_mkdir(folder, 0700), ==, 0);
  Export again[] = {{"opensearch", target, small}, {"json", folder, NULL}};
  g_autoptr(GError) error = NULL;
  g_assert_null(run(every_field_path, NULL, again, 2, NULL, &error));
  g_assert_nonnull(error);
  guint n_after;
  g_auto(GStrv) after = list_parts(stem, &n_after);
  g_assert_cmpuint(n_after, ==, n_parts);
  for (guint p = 0; p < n_parts; p++) {
    g_autofree char *text = read_text(after[p]);
    g_assert_cmpstr(text, ==, g_ptr_array_index(before, p));
  }
  g_autofree char *template_after = read_text(template_path);
  g_assert_cmpstr(template_after, ==, template_before);
  g_rmdir(folder);

  /* The same run, succeeding: this run's files in place, the earlier run's extra ones gone. */
  Export ok[] = {{"opensearch", target, small}};
  tw_job_free(run(every_field_path, NULL, ok, 1, NULL, NULL));
  guint n_ok;
  g_auto(GStrv) ok_parts = list_parts(stem, &n_ok);
  g_assert_cmpuint(n_ok, <, n_parts);
  g_autofree char *part = g_strdup_printf("%s-%04u.ndjson", stem, n_ok);
  g_assert_false(g_file_test(part, G_FILE_TEST_EXISTS));
  g_autofree char *template_ok = read_text(template_path);
  g_assert_nonnull(strstr(template_ok, "\"second\""));
}

static void
remove_tree(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *child = g_build_filename(path, name, NULL);
    g_remove(child);
  }
  g_rmdir(path);
}

/* Two sources that give the same id give two events, and two documents: with one _id, sending
 * the file would keep only the second. An id that no other event has is its document's _id, as
 * before; one that another source gives too is hashed with the event's source (32 hex digits),
 * while the document keeps the id itself. A copy of an id within one source still merges. */
static void
test_opensearch_shared_ids(void)
{
  g_autofree char *a = scratch_path("shared-a.jsonl");
  g_autofree char *b = scratch_path("shared-b.jsonl");
  g_autofree char *target = scratch_path("shared.ndjson");
  g_assert_true(
      g_file_set_contents(a,
                          "{\"id\":\"e1\",\"date\":\"2025-01-01\",\"title\":\"from A\"}\n"
                          "{\"id\":\"only-a\",\"date\":\"2025-01-05\",\"title\":\"A alone\"}\n",
                          -1, NULL));
  g_assert_true(g_file_set_contents(
      b,
      "{\"id\":\"e1\",\"date\":\"2025-02-01\",\"title\":\"from B\"}\n"
      "{\"id\":\"e1\",\"date\":\"2025-02-01\",\"title\":\"from B\",\"tags\":[\"x\"]}\n",
      -1, NULL));
  TwJob *job = tw_job_new(registry);
  g_autoptr(GError) error = NULL;
  tw_job_set_threads(job, 1);
  g_assert_true(tw_job_add_source(job, "json", "a", a, NULL, NULL, NULL, &error));
  g_assert_true(tw_job_add_source(job, "json", "b", b, NULL, NULL, NULL, &error));
  g_assert_true(tw_job_add_export(job, "opensearch", target, NULL, NULL, &error));
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);
  tw_job_free(job);

  g_auto(GStrv) lines = read_lines(target);
  g_assert_cmpuint(g_strv_length(lines), ==, 6);
  g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  static const char *const want_ids[] = {"e1", "only-a", "e1"};
  static const char *const want_sources[] = {"a", "a", "b"};
  for (guint i = 0; i < 3; i++) {
    g_autoptr(JsonObject) action = parse_object(lines[2 * i]);
    g_autoptr(JsonObject) document = parse_object(lines[2 * i + 1]);
    const char *id =
        json_object_get_string_member(json_object_get_object_member(action, "index"), "_id");
    if (!g_hash_table_add(ids, g_strdup(id)))
      g_error("_id %s given twice", id);
    g_assert_cmpstr(json_object_get_string_member(document, "id"), ==, want_ids[i]);
    g_assert_cmpstr(json_object_get_string_member(document, "source"), ==, want_sources[i]);
    if (strcmp(want_ids[i], "only-a") == 0)
      g_assert_cmpstr(id, ==, "only-a");
    else
      g_assert_true(g_regex_match_simple("^[0-9a-f]{32}$", id, 0, 0));
  }
  g_unlink(a);
  g_unlink(b);
  g_unlink(target);
  g_autofree char *template = scratch_path("shared.template.json");
  g_unlink(template);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  g_autofree char *plugin = tw_test_find_plugin("json");
  g_autofree char *every = tw_test_fixture("json/every-field.json");
  registry = tw_registry_new();
  if (!tw_registry_load_file(registry, plugin, &error))
    g_error("%s", error->message);
  scratch = g_dir_make_tmp("tw-timesketch-XXXXXX", &error);
  g_assert_no_error(error);
  every_field_path = every;

  g_test_add_func("/timesketch/export/lines", test_timesketch_lines);
  g_test_add_func("/timesketch/export/output-zone", test_timesketch_output_zone);
  g_test_add_func("/timesketch/export/roundtrip", test_timesketch_roundtrip);
  g_test_add_func("/timesketch/preset/plaso", test_preset_plaso);
  g_test_add_func("/timesketch/preset/timesketch-export", test_preset_timesketch_export);
  g_test_add_func("/timesketch/preset/timesketch-import", test_preset_timesketch_import);
  g_test_add_func("/opensearch/split", test_opensearch_split);
  g_test_add_func("/opensearch/shared-ids", test_opensearch_shared_ids);
  g_test_add_func("/opensearch/refusals", test_opensearch_refusals);
  g_test_add_func("/opensearch/failure-keeps-earlier", test_opensearch_failure_keeps_earlier);
  g_test_add_func("/opensearch/later-format-fails", test_opensearch_later_format_fails);

  int status = g_test_run();
  remove_tree(scratch);
  g_free(scratch);
  tw_registry_free(registry);
  return status;
}
