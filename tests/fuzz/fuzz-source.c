/* timeweave fuzzing: a source plugin's record parser, driven through the public API.
 *
 * Built once per plugin (-DFUZZ_SOURCE="json"): the input is written to a file, read by the
 * plugin (loaded from this build tree, as the CLI loads it) in a job, and exported as JSON,
 * iCalendar, CSV and HTML. Beyond "no crash":
 * - a failed run says so on one line that begins with the input's path (`FILE:LINE: what`);
 * - the JSON export is valid UTF-8 and valid JSON, with as many events as the timeline has;
 * - the iCalendar export is valid UTF-8 with no control characters, CRLF lines folded at 75
 *   octets, and libical reads it without an X-LIC-ERROR.
 * Untrusted text must never reach an export unescaped or as invalid UTF-8 (docs/reliability.md). */
#include "fuzz-common.h"

#include <json-glib/json-glib.h>
#include <libical/ical.h>

typedef struct {
  const char *name;
  const char *file;           /* the input's name: some sources look at the extension */
  const char *const *options; /* KEY=VALUE */
} SourceSetup;

static const SourceSetup setups[] = {
    {"json", "input.json", NULL},
    {"csv", "input.csv", NULL},
    {"log", "input.log", (const char *const[]){"year=2026", NULL}},
    {"ics", "input.ics", (const char *const[]){"expand-window=400d", "max-occurrences=1000", NULL}},
    {"bodyfile", "input.body", NULL},
    {"text", "input.txt", (const char *const[]){"reference-date=2026-01-15", NULL}},
};

static const SourceSetup *setup;
static TwRegistry *registry;
static char *input_path, *json_path, *ics_path;
static char **option_keys, **option_values;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  for (guint i = 0; i < G_N_ELEMENTS(setups); i++)
    if (strcmp(setups[i].name, FUZZ_SOURCE) == 0)
      setup = &setups[i];
  if (!setup)
    fuzz_fail("no setup for source %s", FUZZ_SOURCE);
  registry = tw_registry_new();
  fuzz_load_plugin(registry, FUZZ_SOURCE);
  input_path = fuzz_scratch_path(setup->file);
  json_path = fuzz_scratch_path("out.json");
  ics_path = fuzz_scratch_path("out.ics");

  guint n = setup->options ? g_strv_length((char **)setup->options) : 0;
  option_keys = g_new0(char *, n + 1);
  option_values = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++) {
    const char *eq = strchr(setup->options[i], '=');
    option_keys[i] = g_strndup(setup->options[i], (gsize)(eq - setup->options[i]));
    option_values[i] = g_strdup(eq + 1);
  }
  return 0;
}

static char *
read_export(const char *path, gsize *length)
{
  char *contents = NULL;
  GError *error = NULL;
  if (!g_file_get_contents(path, &contents, length, &error))
    fuzz_fail("the run succeeded but %s cannot be read: %s", path, error->message);
  return contents;
}

static void
check_json_export(guint n_events)
{
  gsize length;
  char *text = read_export(json_path, &length);
  const char *bad;
  FUZZ_CHECK(g_utf8_validate(text, (gssize)length, &bad),
             "the JSON export is not valid UTF-8 at byte %td", bad - text);
  JsonParser *parser = json_parser_new();
  GError *error = NULL;
  FUZZ_CHECK(json_parser_load_from_data(parser, text, (gssize)length, &error),
             "the JSON export is not JSON: %s", error ? error->message : "?");
  JsonNode *root = json_parser_get_root(parser);
  FUZZ_CHECK(root && JSON_NODE_HOLDS_OBJECT(root), "the JSON export is not an object");
  JsonObject *doc = json_node_get_object(root);
  JsonNode *events = json_object_get_member(doc, "events");
  FUZZ_CHECK(events && JSON_NODE_HOLDS_ARRAY(events), "the JSON export has no events array");
  FUZZ_CHECK(json_array_get_length(json_node_get_array(events)) == n_events,
             "the JSON export has %u events, the timeline %u",
             json_array_get_length(json_node_get_array(events)), n_events);
  g_object_unref(parser);
  g_free(text);
}

static void
check_ics_export(void)
{
  gsize length;
  char *text = read_export(ics_path, &length);
  const char *bad;
  FUZZ_CHECK(g_utf8_validate(text, (gssize)length, &bad),
             "the iCalendar export is not valid UTF-8 at byte %td", bad - text);
  gsize line_start = 0;
  for (gsize i = 0; i < length; i++) {
    guchar c = (guchar)text[i];
    if (c == '\r') {
      FUZZ_CHECK(i + 1 < length && text[i + 1] == '\n', "a CR without LF at byte %zu", i);
      FUZZ_CHECK(i - line_start <= 75, "an iCalendar line of %zu octets at byte %zu",
                 i - line_start, line_start);
      i++;
      line_start = i + 1;
      continue;
    }
    FUZZ_CHECK(c >= 0x20 || c == '\t',
               "control character 0x%02x at byte %zu of the iCalendar export", c, i);
    FUZZ_CHECK(c != 0x7f, "DEL at byte %zu of the iCalendar export", i);
  }
  FUZZ_CHECK(line_start == length, "the iCalendar export does not end with CRLF");

  icalcomponent *calendar = icalparser_parse_string(text);
  FUZZ_CHECK(calendar != NULL, "libical cannot read the iCalendar export");
  for (icalcomponent *event = icalcomponent_get_first_component(calendar, ICAL_ANY_COMPONENT);
       event; event = icalcomponent_get_next_component(calendar, ICAL_ANY_COMPONENT)) {
    icalproperty *error_prop = icalcomponent_get_first_property(event, ICAL_XLICERROR_PROPERTY);
    FUZZ_CHECK(error_prop == NULL, "libical: %s", icalproperty_get_xlicerror(error_prop));
  }
  FUZZ_CHECK(icalcomponent_get_first_property(calendar, ICAL_XLICERROR_PROPERTY) == NULL,
             "libical: an error in the calendar");
  icalcomponent_free(calendar);
  g_free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 256 * 1024)
    return 0;
  fuzz_write_file(input_path, data, size);
  g_remove(json_path);
  g_remove(ics_path);

  TwJob *job = tw_job_new(registry);
  tw_job_set_threads(job, 1);
  GError *error = NULL;
  if (!tw_job_add_source(job, FUZZ_SOURCE, "fuzz", input_path, NULL,
                         (const char *const *)option_keys, (const char *const *)option_values,
                         &error) ||
      !tw_job_add_export(job, "json", json_path, NULL, NULL, &error) ||
      !tw_job_add_export(job, "ics", ics_path, NULL, NULL, &error) ||
      !tw_job_add_export(job, "csv", "/dev/null", NULL, NULL, &error) ||
      !tw_job_add_export(job, "html", "/dev/null", NULL, NULL, &error))
    fuzz_fail("cannot set the job up: %s", error->message);

  if (tw_job_run(job, &error)) {
    FUZZ_CHECK(error == NULL, "the run succeeded and set an error");
    check_json_export(tw_timeline_get_n_events(tw_job_get_timeline(job)));
    check_ics_export();
  } else {
    fuzz_check_message(error, input_path);
    g_error_free(error);
  }
  tw_job_free(job);
  return 0;
}
