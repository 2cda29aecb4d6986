/* timeweave tests: the iCalendar exporter (core/export-ics.c) and the ics source (plugins/ics).
 *
 * Exports are checked line by line (CRLF, folding, escaping) and parsed back with libical;
 * the ics source is checked on hand-written calendars whose expected occurrences, worked out by
 * hand across daylight-saving changes, are written out below.
 */
#include "private.h"
#include "tw-test.h"

#include <glib/gstdio.h>
#include <libical/ical.h>
#include <string.h>

#include "../plugins/ics/windows-zones.h"

#define GENERATION_TIME (G_GINT64_CONSTANT(1767225600) * TW_USEC_PER_SEC)

static TwRegistry *registry;

/* -- helpers -- */

typedef struct {
  char *dir;
} TempDir;

static void
temp_dir_init(TempDir *t)
{
  GError *error = NULL;
  t->dir = g_dir_make_tmp("tw-test-ics-XXXXXX", &error);
  g_assert_no_error(error);
}

static char *
temp_path(TempDir *t, const char *name)
{
  return g_build_filename(t->dir, name, NULL);
}

static void
temp_dir_clear(TempDir *t)
{
  GDir *dir = g_dir_open(t->dir, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir)) != NULL) {
    g_autofree char *path = g_build_filename(t->dir, name, NULL);
    g_unlink(path);
  }
  if (dir)
    g_dir_close(dir);
  g_rmdir(t->dir);
  g_free(t->dir);
}

static char *
read_text(const char *path)
{
  char *text = NULL;
  GError *error = NULL;
  g_file_get_contents(path, &text, NULL, &error);
  g_assert_no_error(error);
  return text;
}

static void
write_text_file(const char *path, const char *text)
{
  GError *error = NULL;
  g_file_set_contents(path, text, -1, &error);
  g_assert_no_error(error);
}

typedef struct {
  const char *title;
  gboolean has_range;
  gint64 from, to;
  gboolean strict;
  const char *const *keys;
  const char *const *values;
  const char *export_path; /* an ics export, or NULL */
} JobSpec;

/* Runs one source into a timeline (and an ics export). Returns the job, or NULL with @error. */
static TwJob *
run_job(const char *plugin, const char *path, const JobSpec *spec, GError **error)
{
  TwJob *job = tw_job_new(registry);
  tw_job_set_threads(job, 1);
  tw_job_set_progress(job, FALSE);
  if (spec && spec->title)
    tw_job_set_title(job, spec->title);
  if (spec && spec->has_range)
    tw_job_set_range(job, spec->from, spec->to);
  if (spec)
    tw_job_set_strict(job, spec->strict);
  GError *local = NULL;
  gboolean ok = tw_job_add_source(job, plugin, NULL, path, NULL, spec ? spec->keys : NULL,
                                  spec ? spec->values : NULL, &local);
  g_assert_no_error(local);
  g_assert_true(ok);
  if (spec && spec->export_path) {
    ok = tw_job_add_export(job, "ics", spec->export_path, NULL, NULL, &local);
    g_assert_no_error(local);
  }
  if (!tw_job_run(job, error)) {
    tw_job_free(job);
    return NULL;
  }
  return job;
}

static TwJob *
run_ok(const char *plugin, const char *path, const JobSpec *spec)
{
  GError *error = NULL;
  TwJob *job = run_job(plugin, path, spec, &error);
  g_assert_no_error(error);
  g_assert_nonnull(job);
  return job;
}

/* Runs the ics source on @path under --strict, which must fail with the one line
 * `PATH` + @message. */
static void
assert_strict_failure(const char *path, const char *message)
{
  JobSpec strict = {.strict = TRUE};
  g_autoptr(GError) error = NULL;
  g_assert_null(run_job("ics", path, &strict, &error));
  g_autofree char *expected = g_strconcat(path, message, NULL);
  g_assert_cmpstr(error->message, ==, expected);
}

static const TwEvent *
event_by_id(const TwTimeline *timeline, const char *id)
{
  gint index = tw_timeline_find_event(timeline, id);
  if (index < 0)
    g_error("no event with id '%s'", id);
  return tw_timeline_get_event(timeline, (guint)index);
}

/* The export of the shared fixture (tests/fixtures/ics/events.json), its timeline kept. */
static char *
export_fixture(TempDir *t, TwJob **job_out)
{
  g_autofree char *json = tw_test_fixture("ics/events.json");
  char *out = temp_path(t, "events.ics");
  JobSpec spec = {.title = "Fixture, with a comma; a semicolon", .export_path = out};
  TwJob *job = run_ok("json", json, &spec);
  if (job_out)
    *job_out = job;
  else
    tw_job_free(job);
  return out;
}

/* Splits @text into physical lines, asserting that each ends in CRLF. */
static GPtrArray *
physical_lines(const char *text)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
  const char *p = text;
  while (*p) {
    const char *crlf = strstr(p, "\r\n");
    g_assert_nonnull(crlf);
    g_assert_null(memchr(p, '\n', (gsize)(crlf - p)));
    g_assert_null(memchr(p, '\r', (gsize)(crlf - p)));
    g_ptr_array_add(lines, g_strndup(p, (gsize)(crlf - p)));
    p = crlf + 2;
  }
  return lines;
}

/* Unfolds physical lines into content lines. */
static GPtrArray *
content_lines(GPtrArray *physical)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < physical->len; i++) {
    const char *line = g_ptr_array_index(physical, i);
    if (line[0] == ' ') {
      g_assert_cmpuint(lines->len, >, 0);
      char *last = g_ptr_array_index(lines, lines->len - 1);
      lines->pdata[lines->len - 1] = g_strconcat(last, line + 1, NULL);
      g_free(last);
    } else {
      g_ptr_array_add(lines, g_strdup(line));
    }
  }
  return lines;
}

static gboolean
has_line(GPtrArray *lines, const char *line)
{
  for (guint i = 0; i < lines->len; i++)
    if (strcmp(g_ptr_array_index(lines, i), line) == 0)
      return TRUE;
  return FALSE;
}

/* The content lines of the VEVENT whose UID is @uid. */
static GPtrArray *
vevent_lines(GPtrArray *lines, const char *uid)
{
  g_autofree char *want = g_strdup_printf("UID:%s", uid);
  for (guint i = 0; i < lines->len; i++) {
    if (strcmp(g_ptr_array_index(lines, i), "BEGIN:VEVENT") != 0)
      continue;
    GPtrArray *event = g_ptr_array_new_with_free_func(g_free);
    gboolean found = FALSE;
    for (guint j = i; j < lines->len; j++) {
      const char *line = g_ptr_array_index(lines, j);
      g_ptr_array_add(event, g_strdup(line));
      found = found || strcmp(line, want) == 0;
      if (strcmp(line, "END:VEVENT") == 0)
        break;
    }
    if (found)
      return event;
    g_ptr_array_unref(event);
  }
  g_error("no VEVENT with %s", want);
  return NULL;
}

static icalcomponent *
parse_ics(const char *text)
{
  icalcomponent *root = icalparser_parse_string(text);
  g_assert_nonnull(root);
  g_assert_cmpint(icalcomponent_isa(root), ==, ICAL_VCALENDAR_COMPONENT);
  return root;
}

static icalcomponent *
find_vevent(icalcomponent *root, const char *uid)
{
  for (icalcomponent *c = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); c;
       c = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT))
    if (g_strcmp0(icalcomponent_get_uid(c), uid) == 0)
      return c;
  g_error("libical found no VEVENT %s", uid);
  return NULL;
}

static char *
ical_time_text(icalproperty *prop, gboolean end)
{
  if (prop == NULL)
    return NULL;
  struct icaltimetype tt = end ? icalproperty_get_dtend(prop) : icalproperty_get_dtstart(prop);
  char *s = icaltime_as_ical_string_r(tt);
  char *copy = g_strdup(s);
  icalmemory_free_buffer(s);
  return copy;
}

/* -- export -- */

/* What each precision becomes, worked out by hand (docs/formats-ics.md). */
static const struct {
  const char *id;
  const char *dtstart;
  const char *dtend; /* NULL: no DTEND */
} expected_times[] = {
    {"exact-utc", "20260213T103000Z", NULL},
    {"exact-micro", "20260213T103000Z", NULL},
    {"exact-span", "20260328T220000Z", "20260329T030000Z"},
    {"floating-exact", "20260214T090000", NULL},
    {"minute", "20260215T084500Z", "20260215T084600Z"},
    {"hour", "20260215T080000Z", "20260215T090000Z"},
    {"hour-kolkata", "20260215T043000Z", "20260215T053000Z"},
    {"floating-minute", "20260215T084500", "20260215T084600"},
    {"day", "20260213", "20260214"},
    {"day-span", "20260220", "20260223"},
    {"week", "20260209", "20260216"},
    {"month", "20260201", "20260301"},
    {"quarter", "20260101", "20260401"},
    {"half", "20250701", "20260101"},
    {"season", "20251201", "20260301"},
    {"year", "20260101", "20270101"},
    {"decade", "20200101", "20300101"},
    {"century", "20000101", "21000101"},
    {"early", "20250101", "20250501"},
    {"mid", "20260501", "20260901"},
    {"late", "20260321", "20260401"},
    {"about", "20290101", "20300101"},
    {"before", "20270101", "20280101"},
    {"after", "20220101", "20230101"},
    {"chinese", "20260216", "20260217"},
    {"backslashes", "20260217T120000Z", NULL},
};

static void
test_export_lines(void)
{
  TempDir t;
  temp_dir_init(&t);
  TwJob *job;
  g_autofree char *path = export_fixture(&t, &job);
  g_autofree char *text = read_text(path);
  const TwTimeline *timeline = tw_job_get_timeline(job);

  g_autoptr(GPtrArray) physical = physical_lines(text);
  for (guint i = 0; i < physical->len; i++) {
    const char *line = g_ptr_array_index(physical, i);
    gsize len = strlen(line);
    /* At most 75 octets, and every physical line is whole UTF-8: no fold split a character. */
    g_assert_cmpuint(len, <=, 75);
    g_assert_true(g_utf8_validate(line, (gssize)len, NULL));
    /* Folded only where needed: a line that is continued is nearly full (a cut backs up at most
     * three bytes to a character boundary). */
    if (i + 1 < physical->len && ((const char *)g_ptr_array_index(physical, i + 1))[0] == ' ')
      g_assert_cmpuint(len, >=, 72);
  }

  g_autoptr(GPtrArray) lines = content_lines(physical);
  g_assert_cmpstr(g_ptr_array_index(lines, 0), ==, "BEGIN:VCALENDAR");
  g_assert_cmpstr(g_ptr_array_index(lines, 1), ==, "VERSION:2.0");
  g_assert_cmpstr(g_ptr_array_index(lines, 2), ==,
                  "PRODID:-//timeweave//timeweave " TW_VERSION "//EN");
  g_assert_cmpstr(g_ptr_array_index(lines, 3), ==, "CALSCALE:GREGORIAN");
  g_assert_cmpstr(g_ptr_array_index(lines, 4), ==,
                  "X-WR-CALNAME:Fixture\\, with a comma\\; a semicolon");
  g_assert_cmpstr(g_ptr_array_index(lines, lines->len - 1), ==, "END:VCALENDAR");

  guint n_events = 0, n_stamps = 0;
  for (guint i = 0; i < lines->len; i++) {
    const char *line = g_ptr_array_index(lines, i);
    n_events += strcmp(line, "BEGIN:VEVENT") == 0;
    if (g_str_has_prefix(line, "DTSTAMP:")) {
      /* SOURCE_DATE_EPOCH pins it. */
      g_assert_cmpstr(line, ==, "DTSTAMP:20260101T000000Z");
      n_stamps++;
    }
  }
  g_assert_cmpuint(n_events, ==, tw_timeline_get_n_events(timeline));
  g_assert_cmpuint(n_stamps, ==, n_events);
  g_assert_cmpuint(n_events, ==, G_N_ELEMENTS(expected_times));

  for (guint i = 0; i < G_N_ELEMENTS(expected_times); i++) {
    g_autofree char *uid = g_strdup_printf("%s@timeweave", expected_times[i].id);
    g_autoptr(GPtrArray) event = vevent_lines(lines, uid);
    gboolean is_date = strlen(expected_times[i].dtstart) == 8;
    g_autofree char *start =
        g_strdup_printf("DTSTART%s:%s", is_date ? ";VALUE=DATE" : "", expected_times[i].dtstart);
    g_assert_true(has_line(event, start));
    if (expected_times[i].dtend != NULL) {
      g_autofree char *end =
          g_strdup_printf("DTEND%s:%s", is_date ? ";VALUE=DATE" : "", expected_times[i].dtend);
      g_assert_true(has_line(event, end));
    } else {
      for (guint j = 0; j < event->len; j++)
        g_assert_false(g_str_has_prefix(g_ptr_array_index(event, j), "DTEND"));
    }
    g_autofree char *id_line = g_strdup_printf("X-TIMEWEAVE-ID:%s", expected_times[i].id);
    g_assert_true(has_line(event, id_line));
  }

  /* Escapes, as RFC 5545 3.3.11 writes them. */
  g_autoptr(GPtrArray) e = vevent_lines(lines, "exact-utc@timeweave");
  g_assert_true(has_line(
      e, "SUMMARY:Tariffs\\, quotas\\; and C:\\\\Temp\\\\new — a title with every TEXT escape"));
  g_assert_true(has_line(e, "CATEGORIES:policy\\, trade"));
  g_assert_true(has_line(e, "CATEGORIES:us"));
  g_assert_true(has_line(e, "LOCATION:Washington\\, D.C."));
  g_assert_true(has_line(e, "URL:https://example.org/a?x=1,2&y=3"));
  g_assert_true(has_line(e, "GEO:38.8951;-77.0364"));
  g_assert_true(has_line(e, "RELATED-TO;RELTYPE=SIBLING:early@timeweave"));
  g_assert_true(
      has_line(e, "X-TIMEWEAVE-ATTR:note\\;semi;value with \\; and \\, and \\\\ and\\nnewline"));
  g_assert_true(has_line(e, "X-TIMEWEAVE-ATTR:a=b;c"));
  g_assert_true(has_line(e, "X-TIMEWEAVE-ACTOR:Dept. of Commerce\\; BIS"));
  g_assert_true(has_line(e, "X-TIMEWEAVE-ZONE:Europe/Berlin"));
  g_assert_true(has_line(e, "TRANSP:TRANSPARENT"));
  g_autoptr(GPtrArray) b = vevent_lines(lines, "backslashes@timeweave");
  g_assert_true(
      has_line(b, "SUMMARY:Path \\\\\\\\server\\\\share\\\\n and a trailing backslash \\\\"));
  g_assert_true(has_line(b, "CATEGORIES:a\\\\b"));
  g_assert_true(has_line(b, "CATEGORIES:c\\;d"));
  g_autoptr(GPtrArray) early = vevent_lines(lines, "early@timeweave");
  g_assert_true(has_line(early, "X-TIMEWEAVE-DATE:early 2025"));
  g_assert_true(has_line(early, "X-TIMEWEAVE-PRECISION:year"));
  g_assert_true(has_line(early, "X-TIMEWEAVE-QUALIFIER:early"));
  g_assert_true(has_line(early, "RELATED-TO;RELTYPE=SIBLING:exact-utc@timeweave"));
  g_assert_true(has_line(early, "X-TIMEWEAVE-LINK:exact-utc;ban-then-announce;30d;45d;possible"));
  /* An hour that is not a UTC hour keeps the offset it is an hour in. */
  g_autoptr(GPtrArray) kolkata = vevent_lines(lines, "hour-kolkata@timeweave");
  g_assert_true(has_line(kolkata, "X-TIMEWEAVE-DATE:2026-02-15T10+05:30"));
  /* An explicit span that the date alone does not give is kept for the source. */
  g_autoptr(GPtrArray) span = vevent_lines(lines, "day-span@timeweave");
  g_assert_true(has_line(span, "X-TIMEWEAVE-END:2026-02-23T00:00:00"));

  tw_job_free(job);
  g_unlink(path);
  temp_dir_clear(&t);
}

static void
test_export_libical(void)
{
  TempDir t;
  temp_dir_init(&t);
  TwJob *job;
  g_autofree char *path = export_fixture(&t, &job);
  g_autofree char *text = read_text(path);
  const TwTimeline *timeline = tw_job_get_timeline(job);

  icalcomponent *root = parse_ics(text);
  /* libical reports anything it could not parse as X-LIC-ERROR properties. */
  g_assert_cmpint(icalcomponent_count_errors(root), ==, 0);
  g_assert_cmpint(icalcomponent_count_components(root, ICAL_VEVENT_COMPONENT), ==,
                  (int)tw_timeline_get_n_events(timeline));

  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    g_autofree char *uid = g_strdup_printf("%s@timeweave", tw_event_get_id(event));
    icalcomponent *c = find_vevent(root, uid);
    /* libical unescapes the SUMMARY back to the title, whatever it contains. */
    g_assert_cmpstr(icalcomponent_get_summary(c), ==, tw_event_get_title(event));
    /* One CATEGORIES property per tag, each one category. */
    guint n = 0;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_CATEGORIES_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_CATEGORIES_PROPERTY), n++) {
      g_assert_cmpuint(n, <, tw_event_get_n_tags(event));
      g_assert_cmpstr(icalproperty_get_categories(p), ==, tw_event_get_tag(event, n));
    }
    g_assert_cmpuint(n, ==, tw_event_get_n_tags(event));
    /* Times as libical reads them. */
    for (guint k = 0; k < G_N_ELEMENTS(expected_times); k++) {
      if (strcmp(expected_times[k].id, tw_event_get_id(event)) != 0)
        continue;
      g_autofree char *start =
          ical_time_text(icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY), FALSE);
      g_autofree char *end =
          ical_time_text(icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY), TRUE);
      g_assert_cmpstr(start, ==, expected_times[k].dtstart);
      g_assert_cmpstr(end, ==, expected_times[k].dtend);
      /* Never DTEND == DTSTART. */
      g_assert_cmpstr(start, !=, end);
    }
  }

  icalcomponent *e = find_vevent(root, "exact-utc@timeweave");
  const char *description = icalcomponent_get_description(e);
  g_assert_true(g_str_has_prefix(
      description, "First line.\nSecond line, with a comma; a semicolon and a backslash \\ here."
                   "\n\nA paragraph after a blank line.\n\n"));
  g_assert_nonnull(strstr(description, "\nKind: announcement\nSource: events\n"));
  g_assert_nonnull(strstr(description, "\nActors: US government, Dept. of Commerce; BIS\n"));
  g_assert_nonnull(strstr(description, "\n- note;semi: value with ; and , and \\ and\nnewline\n"));
  g_assert_nonnull(strstr(description, "\nLinks:\n- follows: US bans NVIDIA's H20 for China "
                                       "(rule ban-then-announce, lag 30d to 45d, possible)"));
  g_assert_cmpstr(icalcomponent_get_location(e), ==, "Washington, D.C.");
  struct icalgeotype geo =
      icalproperty_get_geo(icalcomponent_get_first_property(e, ICAL_GEO_PROPERTY));
  g_assert_cmpfloat_with_epsilon(geo.lat, 38.8951, 1e-9);
  g_assert_cmpfloat_with_epsilon(geo.lon, -77.0364, 1e-9);
  icalproperty *related = icalcomponent_get_first_property(e, ICAL_RELATEDTO_PROPERTY);
  g_assert_cmpstr(icalproperty_get_relatedto(related), ==, "early@timeweave");
  icalparameter *reltype = icalproperty_get_first_parameter(related, ICAL_RELTYPE_PARAMETER);
  g_assert_cmpint(icalparameter_get_reltype(reltype), ==, ICAL_RELTYPE_SIBLING);

  /* Precision and qualifier said in words. */
  g_assert_nonnull(strstr(icalcomponent_get_description(find_vevent(root, "early@timeweave")),
                          "Date: early 2025 (precision: year, qualifier: early)"));
  g_assert_nonnull(strstr(icalcomponent_get_description(find_vevent(root, "quarter@timeweave")),
                          "Date: 2026-Q1 (precision: quarter)"));
  g_assert_null(strstr(icalcomponent_get_description(find_vevent(root, "day@timeweave")), "Date:"));
  /* The 300-character Chinese title comes back whole after folding. */
  const char *zh = icalcomponent_get_summary(find_vevent(root, "chinese@timeweave"));
  g_assert_cmpint(g_utf8_strlen(zh, -1), ==, 300);

  icalcomponent_free(root);
  tw_job_free(job);
  g_unlink(path);
  temp_dir_clear(&t);
}

static void
test_export_deterministic(void)
{
  TempDir t;
  temp_dir_init(&t);
  g_autofree char *a = export_fixture(&t, NULL);
  g_autofree char *text_a = read_text(a);
  g_autofree char *json = tw_test_fixture("ics/events.json");
  g_autofree char *b = temp_path(&t, "again.ics");
  JobSpec spec = {.title = "Fixture, with a comma; a semicolon", .export_path = b};
  TwJob *job = tw_job_new(registry);
  tw_job_set_threads(job, 4);
  tw_job_set_title(job, spec.title);
  g_assert_true(tw_job_add_source(job, "json", NULL, json, NULL, NULL, NULL, NULL));
  g_assert_true(tw_job_add_export(job, "ics", b, NULL, NULL, NULL));
  g_assert_true(tw_job_run(job, NULL));
  tw_job_free(job);
  g_autofree char *text_b = read_text(b);
  g_assert_cmpstr(text_a, ==, text_b);
  temp_dir_clear(&t);
}

/* Two sources that give the same id give two events (an id is unique within its source only),
 * and two VEVENTs: they must not share a UID, or calendars keep one of them (khal kept one, on
 * the other's date). The events whose id no other event has keep ID@timeweave; the others get
 * ID@SOURCE.timeweave, the source's `%` and `@` percent-encoded. A copy of an id in one source
 * merges as before and does not count. The ics source reads the export back with the same ids
 * and sources, and exporting that again gives the same file. */
static TwJob *
run_shared_ids(TempDir *t, const char *const *paths, const char *const *names, guint n,
               const char *plugin, const char *export_path, guint threads)
{
  TwJob *job = tw_job_new(registry);
  tw_job_set_threads(job, threads);
  tw_job_set_progress(job, FALSE);
  tw_job_set_title(job, "Shared ids");
  for (guint i = 0; i < n; i++) {
    GError *error = NULL;
    g_assert_true(tw_job_add_source(job, plugin, names ? names[i] : NULL, paths[i], NULL, NULL,
                                    NULL, &error));
    g_assert_no_error(error);
  }
  g_assert_true(tw_job_add_export(job, "ics", export_path, NULL, NULL, NULL));
  GError *error = NULL;
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);
  (void)t;
  return job;
}

static void
test_export_shared_ids(void)
{
  TempDir t;
  temp_dir_init(&t);
  g_autofree char *a = temp_path(&t, "a.jsonl");
  g_autofree char *b = temp_path(&t, "b.jsonl");
  g_autofree char *c = temp_path(&t, "c.json");
  write_text_file(a, "{\"id\":\"e1\",\"date\":\"2025-01-01\",\"title\":\"from A\"}\n"
                     "{\"id\":\"only-a\",\"date\":\"2025-01-05\",\"title\":\"A alone\"}\n");
  /* e1 twice in b: one event of b, merged. */
  write_text_file(
      b, "{\"id\":\"e1\",\"date\":\"2025-02-01\",\"title\":\"from B\"}\n"
         "{\"id\":\"e1\",\"date\":\"2025-02-01\",\"title\":\"from B\",\"tags\":[\"x\"]}\n");
  write_text_file(c, "{\"events\": [{\"id\":\"e1\",\"date\":\"2025-03-01T10:00:00Z\","
                     "\"title\":\"from C\"}, {\"id\":\"u1\",\"date\":\"2025-04-01\","
                     "\"title\":\"unique\"}],"
                     " \"links\": [{\"from\":\"u1\",\"to\":\"e1\",\"rule\":\"r\"}]}\n");
  const char *paths[] = {a, b, c};
  const char *names[] = {"a", "b", "o@d%"};
  g_autofree char *ics = temp_path(&t, "shared.ics");
  TwJob *job = run_shared_ids(&t, paths, names, 3, "json", ics, 2);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 5);
  tw_job_free(job);

  g_autofree char *text = read_text(ics);
  icalcomponent *root = parse_ics(text);
  static const struct {
    const char *uid, *dtstart, *summary;
  } want[] = {
      {"e1@a.timeweave", "20250101", "from A"},
      {"only-a@timeweave", "20250105", "A alone"},
      {"e1@b.timeweave", "20250201", "from B"},
      {"e1@o%40d%25.timeweave", "20250301T100000Z", "from C"},
      {"u1@timeweave", "20250401", "unique"},
  };
  g_autoptr(GHashTable) uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  guint n = 0;
  for (icalcomponent *v = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT); v;
       v = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT), n++) {
    if (!g_hash_table_add(uids, g_strdup(icalcomponent_get_uid(v))))
      g_error("UID %s given twice", icalcomponent_get_uid(v));
  }
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(want));
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    icalcomponent *v = find_vevent(root, want[i].uid);
    g_autofree char *start =
        ical_time_text(icalcomponent_get_first_property(v, ICAL_DTSTART_PROPERTY), FALSE);
    g_assert_cmpstr(start, ==, want[i].dtstart);
    g_assert_cmpstr(icalcomponent_get_summary(v), ==, want[i].summary);
  }
  /* The link's end is the first e1 in the timeline's order, as tw_timeline_find_event() finds
   * it: its RELATED-TO names that event's UID. */
  icalproperty *related =
      icalcomponent_get_first_property(find_vevent(root, "u1@timeweave"), ICAL_RELATEDTO_PROPERTY);
  g_assert_nonnull(related);
  g_assert_cmpstr(icalproperty_get_relatedto(related), ==, "e1@a.timeweave");
  icalcomponent_free(root);

  /* Read back: the same ids and sources, and the same calendar once more, on one thread or
   * two. */
  for (guint threads = 1; threads <= 2; threads++) {
    g_autofree char *again = temp_path(&t, "again.ics");
    const char *back[] = {ics};
    job = run_shared_ids(&t, back, NULL, 1, "ics", again, threads);
    const TwTimeline *timeline = tw_job_get_timeline(job);
    g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 5);
    static const char *const ids[] = {"e1", "only-a", "e1", "e1", "u1"};
    static const char *const sources[] = {"a", "a", "b", "o@d%", "o@d%"};
    for (guint i = 0; i < 5; i++) {
      const TwEvent *e = tw_timeline_get_event(timeline, i);
      g_assert_cmpstr(tw_event_get_id(e), ==, ids[i]);
      g_assert_cmpstr(tw_event_get_source(e), ==, sources[i]);
    }
    tw_job_free(job);
    g_autofree char *text_again = read_text(again);
    g_assert_cmpstr(text_again, ==, text);
  }
  temp_dir_clear(&t);
}

/* A timeline built by hand, written by the exporter directly. */
static char *
export_timeline(TwTimeline *timeline, TempDir *t, const char *name)
{
  const TwExporterInfo *info = tw_registry_find_exporter(registry, "ics");
  g_assert_nonnull(info);
  struct _TwExporter exporter = {
      .info = info,
      .name = (char *)"ics",
      .generation_time = GENERATION_TIME,
  };
  g_autofree char *path = temp_path(t, name);
  GError *error = NULL;
  TwOutput *out = tw_output_open(path, &error);
  g_assert_no_error(error);
  g_assert_true(info->write(&exporter, timeline, out, &error));
  g_assert_no_error(error);
  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  tw_output_free(out);
  return read_text(path);
}

static void
add_event(TwSink *sink, const char *id, const char *date, const char *title)
{
  TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
  TwDate d;
  GError *error = NULL;
  g_assert_true(tw_date_parse(date, NULL, &d, &error));
  tw_event_builder_set_date(b, &d);
  tw_event_builder_set_id(b, id);
  tw_event_builder_set_title(b, title);
  g_assert_true(tw_sink_commit(sink, &error));
  g_assert_no_error(error);
}

/* Folding at exactly 75 octets, never inside a UTF-8 sequence. */
static void
test_export_folding(void)
{
  TempDir t;
  temp_dir_init(&t);
  TwTimeline *timeline = tw_timeline_new("folding");
  TwSink *sink = tw_timeline_open_sink(timeline, "hand", FALSE);
  /* "SUMMARY:" is 8 octets. */
  g_autofree char *fits = g_strnfill(67, 'a');     /* 75: not folded */
  g_autofree char *one_more = g_strnfill(68, 'b'); /* 76: folded after 75 */
  g_autofree char *a74 = g_strnfill(66, 'c');      /* 74, then a 4-octet emoji */
  g_autofree char *emoji = g_strconcat(a74, "😀", "d", NULL);
  g_autofree char *a73 = g_strnfill(65, 'e'); /* 73, then 3-octet characters */
  g_autofree char *cjk = g_strconcat(a73, "中文字", NULL);
  add_event(sink, "fits", "2026-01-01", fits);
  add_event(sink, "one-more", "2026-01-02", one_more);
  add_event(sink, "emoji", "2026-01-03", emoji);
  add_event(sink, "cjk", "2026-01-04", cjk);
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_autofree char *text = export_timeline(timeline, &t, "folding.ics");

  g_autofree char *l1 = g_strdup_printf("\r\nSUMMARY:%s\r\nDESCRIPTION", fits);
  g_assert_nonnull(strstr(text, l1));
  g_autofree char *l2 = g_strdup_printf("\r\nSUMMARY:%.67s\r\n b\r\nDESCRIPTION", one_more);
  g_assert_nonnull(strstr(text, l2));
  g_autofree char *l3 = g_strdup_printf("\r\nSUMMARY:%s\r\n 😀d\r\nDESCRIPTION", a74);
  g_assert_nonnull(strstr(text, l3));
  /* 73 + 3 > 75: the first character moves to the next line whole. */
  g_autofree char *l4 = g_strdup_printf("\r\nSUMMARY:%s\r\n 中文字\r\nDESCRIPTION", a73);
  g_assert_nonnull(strstr(text, l4));
  tw_timeline_free(timeline);
  temp_dir_clear(&t);
}

/* Findings are said in the DESCRIPTION of the events they concern; links become RELATED-TO on
 * both ends and X-TIMEWEAVE-LINK on the first. */
static void
test_export_findings_links(void)
{
  TempDir t;
  temp_dir_init(&t);
  TwTimeline *timeline = tw_timeline_new("findings");
  TwSink *sink = tw_timeline_open_sink(timeline, "hand", FALSE);
  add_event(sink, "ban", "2025-03-01", "The ban");
  add_event(sink, "response", "2025-04-02", "The response");
  add_event(sink, "alone", "2025-05-01", "Unrelated");
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  guint ban = (guint)tw_timeline_find_event(timeline, "ban");
  guint response = (guint)tw_timeline_find_event(timeline, "response");
  tw_timeline_add_link(timeline, ban, response, "ban-response", 32 * TW_USEC_PER_DAY,
                       32 * TW_USEC_PER_DAY, TW_CERTAINTY_CERTAIN);
  tw_timeline_add_link(timeline, ban, response, "second-rule", 31 * TW_USEC_PER_DAY,
                       33 * TW_USEC_PER_DAY, TW_CERTAINTY_POSSIBLE);
  tw_timeline_add_link(timeline, ban, ban, "self", 0, 0, TW_CERTAINTY_CERTAIN);
  TwFinding *f = tw_timeline_add_finding(timeline, "correlate", "export-response", "sequence",
                                         "A ban, then a response, within 45 days");
  tw_finding_add_event(f, timeline, ban);
  tw_finding_add_event(f, timeline, response);
  g_autofree char *text = export_timeline(timeline, &t, "findings.ics");

  icalcomponent *root = parse_ics(text);
  g_assert_cmpint(icalcomponent_count_errors(root), ==, 0);
  icalcomponent *c = find_vevent(root, "ban@timeweave");
  const char *d = icalcomponent_get_description(c);
  g_assert_nonnull(strstr(d, "\nFindings:\n- A ban, then a response, within 45 days (analyzer "
                             "correlate, rule export-response, sequence)"));
  g_assert_nonnull(strstr(d, "- leads to: The response (rule ban-response, lag 32d, certain)"));
  g_assert_nonnull(
      strstr(d, "- leads to: The response (rule second-rule, lag 31d to 33d, possible)"));
  /* One RELATED-TO per other event, none to itself. */
  g_assert_cmpint(icalcomponent_count_properties(c, ICAL_RELATEDTO_PROPERTY), ==, 1);
  g_assert_cmpstr(
      icalproperty_get_relatedto(icalcomponent_get_first_property(c, ICAL_RELATEDTO_PROPERTY)), ==,
      "response@timeweave");
  g_assert_nonnull(strstr(text, "X-TIMEWEAVE-LINK:response;ban-response;32d;32d;certain\r\n"));
  g_assert_nonnull(strstr(text, "X-TIMEWEAVE-LINK:response;second-rule;31d;33d;possible\r\n"));
  g_assert_nonnull(strstr(text, "X-TIMEWEAVE-LINK:ban;self;0s;0s;certain\r\n"));
  icalcomponent *r = find_vevent(root, "response@timeweave");
  g_assert_nonnull(strstr(icalcomponent_get_description(r), "- follows: The ban (rule "
                                                            "ban-response, lag 32d, certain)"));
  g_assert_nonnull(strstr(icalcomponent_get_description(r), "\nFindings:\n- A ban, then"));
  g_assert_cmpint(icalcomponent_count_properties(r, ICAL_RELATEDTO_PROPERTY), ==, 1);
  icalcomponent *alone = find_vevent(root, "alone@timeweave");
  g_assert_cmpint(icalcomponent_count_properties(alone, ICAL_RELATEDTO_PROPERTY), ==, 0);
  g_assert_cmpstr(icalcomponent_get_description(alone), ==, "Source: hand");
  icalcomponent_free(root);

  /* The ics source restores the links. */
  g_autofree char *path = temp_path(&t, "findings.ics");
  TwJob *job = run_ok("ics", path, NULL);
  const TwTimeline *back = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_links(back), ==, 3);
  guint seen = 0;
  for (guint i = 0; i < tw_timeline_get_n_links(back); i++) {
    const TwLink *l = tw_timeline_get_link(back, i);
    if (strcmp(tw_link_get_rule(l), "second-rule") == 0) {
      g_assert_cmpstr(tw_link_get_from(l), ==, "ban");
      g_assert_cmpstr(tw_link_get_to(l), ==, "response");
      g_assert_cmpint(tw_link_get_lag_min(l), ==, 31 * TW_USEC_PER_DAY);
      g_assert_cmpint(tw_link_get_lag_max(l), ==, 33 * TW_USEC_PER_DAY);
      g_assert_cmpint(tw_link_get_certainty(l), ==, TW_CERTAINTY_POSSIBLE);
      seen++;
    }
  }
  g_assert_cmpuint(seen, ==, 1);
  tw_job_free(job);
  tw_timeline_free(timeline);
  temp_dir_clear(&t);
}

static void
test_export_empty(void)
{
  TempDir t;
  temp_dir_init(&t);
  TwTimeline *timeline = tw_timeline_new("");
  tw_timeline_finish(timeline);
  g_autofree char *text = export_timeline(timeline, &t, "empty.ics");
  g_assert_cmpstr(text, ==,
                  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//timeweave//timeweave " TW_VERSION
                  "//EN\r\nCALSCALE:GREGORIAN\r\nEND:VCALENDAR\r\n");
  icalcomponent *root = parse_ics(text);
  icalcomponent_free(root);
  tw_timeline_free(timeline);
  temp_dir_clear(&t);
}

/* Text made of nothing but control characters (a CSV cell "\x04", found by tests/fuzz) has no
 * value left once they are dropped: the property is left out, since libical refuses an X-
 * property without a value (X-LIC-ERROR) and drops it anyway. */
static void
test_export_control_only(void)
{
  TempDir t;
  temp_dir_init(&t);
  TwTimeline *timeline = tw_timeline_new("controls");
  TwSink *sink = tw_timeline_open_sink(timeline, "hand", FALSE);
  TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
  TwDate d;
  GError *error = NULL;
  g_assert_true(tw_date_parse("2026-02-14", NULL, &d, &error));
  tw_event_builder_set_date(b, &d);
  tw_event_builder_set_id(b, "controls");
  tw_event_builder_set_title(b, "\x04");
  tw_event_builder_set_kind(b, "\x04\x01");
  tw_event_builder_set_location(b, "\x1b");
  tw_event_builder_add_tag(b, "\x7f");
  g_assert_true(tw_sink_commit(sink, &error));
  g_assert_no_error(error);
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_autofree char *text = export_timeline(timeline, &t, "controls.ics");

  g_assert_null(strstr(text, "SUMMARY:\r\n"));
  g_assert_null(strstr(text, "X-TIMEWEAVE-KIND:\r\n"));
  g_assert_null(strstr(text, "LOCATION:\r\n"));
  g_assert_null(strstr(text, "CATEGORIES:\r\n"));
  icalcomponent *root = parse_ics(text);
  icalcomponent *event = find_vevent(root, "controls@timeweave");
  g_assert_null(icalcomponent_get_first_property(event, ICAL_XLICERROR_PROPERTY));
  icalcomponent_free(root);
  tw_timeline_free(timeline);
  temp_dir_clear(&t);
}

/* Events at the end of year 9999 end at 10000-01-01, which no DATE or DATE-TIME can hold (four
 * digit years): libical must read every property of the export, and no DTEND may equal DTSTART
 * (before: DTEND:100000101T000000Z, which libical dropped with an X-LIC-ERROR, and a DTEND equal
 * to DTSTART for the last day). */
static void
test_export_last_year(void)
{
  TempDir t;
  temp_dir_init(&t);
  TwTimeline *timeline = tw_timeline_new("the end");
  TwSink *sink = tw_timeline_open_sink(timeline, "hand", FALSE);
  add_event(sink, "last-year", "9999", "the last year");
  add_event(sink, "last-day", "9999-12-31", "the last day");
  add_event(sink, "last-hour", "9999-12-31T23Z", "the last hour");
  add_event(sink, "last-second", "9999-12-31T23:59:59Z", "the last second");
  add_event(sink, "before-last", "9999-12-30", "the day before");
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_autofree char *text = export_timeline(timeline, &t, "last.ics");

  g_assert_null(strstr(text, "100000101"));
  /* The last year ends a day short, on the last DATE; the last day has no DTEND (one day). */
  g_assert_nonnull(strstr(text, "DTSTART;VALUE=DATE:99990101\r\nDTEND;VALUE=DATE:99991231\r\n"));
  g_assert_nonnull(strstr(text, "DTSTART;VALUE=DATE:99991231\r\nSUMMARY:"));
  g_assert_nonnull(strstr(text, "DTSTART:99991231T230000Z\r\nDURATION:PT3600S\r\n"));
  /* An instant stays an instant; a day that can end in 9999 keeps its DTEND. */
  g_assert_nonnull(strstr(text, "DTSTART:99991231T235959Z\r\nSUMMARY:"));
  g_assert_nonnull(strstr(text, "DTSTART;VALUE=DATE:99991230\r\nDTEND;VALUE=DATE:99991231\r\n"));

  icalcomponent *root = parse_ics(text);
  g_assert_cmpint(icalcomponent_count_errors(root), ==, 0);
  struct icaldurationtype day = icalcomponent_get_duration(find_vevent(root, "last-day@timeweave"));
  g_assert_cmpint(icaldurationtype_as_int(day), ==, 86400);
  struct icaldurationtype hour =
      icalcomponent_get_duration(find_vevent(root, "last-hour@timeweave"));
  g_assert_cmpint(icaldurationtype_as_int(hour), ==, 3600);
  icalcomponent_free(root);
  tw_timeline_free(timeline);
  temp_dir_clear(&t);
}

/* -- round trip: json -> ics -> ics source -- */

static void
assert_same_event(const TwEvent *a, const TwEvent *b)
{
  g_assert_cmpstr(tw_event_get_id(a), ==, tw_event_get_id(b));
  g_assert_cmpint(tw_event_get_start(a), ==, tw_event_get_start(b));
  g_assert_cmpint(tw_event_get_end(a), ==, tw_event_get_end(b));
  g_assert_cmpint(tw_event_get_precision(a), ==, tw_event_get_precision(b));
  g_assert_cmpint(tw_event_get_qualifier(a), ==, tw_event_get_qualifier(b));
  g_assert_cmpint(tw_event_is_floating(a), ==, tw_event_is_floating(b));
  g_assert_cmpstr(tw_event_get_title(a), ==, tw_event_get_title(b));
  g_assert_cmpstr(tw_event_get_description(a), ==, tw_event_get_description(b));
  g_assert_cmpstr(tw_event_get_source(a), ==, tw_event_get_source(b));
  g_assert_cmpstr(tw_event_get_kind(a), ==, tw_event_get_kind(b));
  g_assert_cmpstr(tw_event_get_location(a), ==, tw_event_get_location(b));
  g_assert_cmpstr(tw_event_get_url(a), ==, tw_event_get_url(b));
  g_assert_cmpstr(tw_event_get_zone(a), ==, tw_event_get_zone(b));
  double alat, alon, blat, blon;
  gboolean ageo = tw_event_get_geo(a, &alat, &alon);
  g_assert_cmpint(ageo, ==, tw_event_get_geo(b, &blat, &blon));
  if (ageo) {
    g_assert_cmpfloat(alat, ==, blat);
    g_assert_cmpfloat(alon, ==, blon);
  }
  g_assert_cmpuint(tw_event_get_n_tags(a), ==, tw_event_get_n_tags(b));
  for (guint i = 0; i < tw_event_get_n_tags(a); i++)
    g_assert_cmpstr(tw_event_get_tag(a, i), ==, tw_event_get_tag(b, i));
  g_assert_cmpuint(tw_event_get_n_actors(a), ==, tw_event_get_n_actors(b));
  for (guint i = 0; i < tw_event_get_n_actors(a); i++)
    g_assert_cmpstr(tw_event_get_actor(a, i), ==, tw_event_get_actor(b, i));
  g_assert_cmpuint(tw_event_get_n_attributes(a), ==, tw_event_get_n_attributes(b));
  for (guint i = 0; i < tw_event_get_n_attributes(a); i++) {
    g_assert_cmpstr(tw_event_get_attribute(a, i)->key, ==, tw_event_get_attribute(b, i)->key);
    g_assert_cmpstr(tw_event_get_attribute(a, i)->value, ==, tw_event_get_attribute(b, i)->value);
  }
}

static void
test_roundtrip(void)
{
  TempDir t;
  temp_dir_init(&t);
  TwJob *first;
  g_autofree char *path = export_fixture(&t, &first);
  TwJob *second = run_ok("ics", path, NULL);
  const TwTimeline *a = tw_job_get_timeline(first);
  const TwTimeline *b = tw_job_get_timeline(second);
  g_assert_cmpuint(tw_timeline_get_n_events(a), ==, tw_timeline_get_n_events(b));
  for (guint i = 0; i < tw_timeline_get_n_events(a); i++)
    assert_same_event(tw_timeline_get_event(a, i), tw_timeline_get_event(b, i));
  g_assert_cmpuint(tw_timeline_get_n_links(a), ==, 2);
  g_assert_cmpuint(tw_timeline_get_n_links(a), ==, tw_timeline_get_n_links(b));
  for (guint i = 0; i < tw_timeline_get_n_links(a); i++) {
    const TwLink *la = tw_timeline_get_link(a, i);
    gboolean found = FALSE;
    for (guint j = 0; j < tw_timeline_get_n_links(b); j++) {
      const TwLink *lb = tw_timeline_get_link(b, j);
      if (strcmp(tw_link_get_from(la), tw_link_get_from(lb)) == 0 &&
          strcmp(tw_link_get_to(la), tw_link_get_to(lb)) == 0 &&
          strcmp(tw_link_get_rule(la), tw_link_get_rule(lb)) == 0 &&
          tw_link_get_lag_min(la) == tw_link_get_lag_min(lb) &&
          tw_link_get_lag_max(la) == tw_link_get_lag_max(lb) &&
          tw_link_get_certainty(la) == tw_link_get_certainty(lb))
        found = TRUE;
    }
    g_assert_true(found);
  }

  /* An event moved in a calendar application keeps its new time: the stale X-TIMEWEAVE-DATE
   * is not used when DTSTART says otherwise. */
  g_autofree char *text = read_text(path);
  g_autofree char *moved = NULL;
  {
    g_autoptr(GString) s = g_string_new(text);
    g_assert_cmpuint(g_string_replace(s, "DTSTART;VALUE=DATE:20250101\r\nDTEND;VALUE=DATE:20250501",
                                      "DTSTART:20250115T120000Z", 1),
                     ==, 1);
    moved = g_strdup(s->str);
  }
  g_autofree char *moved_path = temp_path(&t, "moved.ics");
  write_text_file(moved_path, moved);
  TwJob *third = run_ok("ics", moved_path, NULL);
  const TwEvent *early = event_by_id(tw_job_get_timeline(third), "early");
  g_assert_cmpint(tw_event_get_precision(early), ==, TW_PRECISION_EXACT);
  g_assert_cmpint(tw_event_get_start(early), ==, tw_civil_to_usec(2025, 1, 15, 12, 0, 0));
  g_assert_cmpstr(tw_event_get_title(early), ==, "US bans NVIDIA's H20 for China");

  tw_job_free(first);
  tw_job_free(second);
  tw_job_free(third);
  temp_dir_clear(&t);
}

/* -- the source -- */

/* The occurrences of the events titled @title: "START/END" each, in timeline order. */
static char *
occurrences_of(const TwTimeline *timeline, const char *title)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    if (!g_str_has_prefix(tw_event_get_title(e), title))
      continue;
    char a[TW_TIME_FORMAT_SIZE], b[TW_TIME_FORMAT_SIZE];
    tw_time_format(tw_event_get_start(e), NULL, tw_event_is_floating(e), a);
    tw_time_format(tw_event_get_end(e), NULL, tw_event_is_floating(e), b);
    g_string_append_printf(s, "%s%s/%s", s->len ? " " : "", a, b);
  }
  return g_string_free(s, FALSE);
}

static gint64
utc(int y, int mo, int d, int h, int mi)
{
  return tw_civil_to_usec(y, mo, d, h, mi, 0);
}

static void
test_source_recurrence(void)
{
  g_autofree char *path = tw_test_fixture("ics/recurrence.ics");
  TwJob *job = run_ok("ics", path, NULL);
  const TwTimeline *tl = tw_job_get_timeline(job);

  /* Weekly at 09:00 Berlin (the file's VTIMEZONE): 08:00Z in CET, 07:00Z in CEST from March 29.
   * March 30 is excluded, April 6 moved to 14:00 CEST, and the RDATE adds April 15 at 11:00. */
  g_autofree char *standup = occurrences_of(tl, "Weekly standup");
  g_assert_cmpstr(standup, ==,
                  "2026-03-16T08:00:00Z/2026-03-16T08:30:00Z "
                  "2026-03-23T08:00:00Z/2026-03-23T08:30:00Z "
                  "2026-04-06T12:00:00Z/2026-04-06T13:00:00Z "
                  "2026-04-13T07:00:00Z/2026-04-13T07:30:00Z "
                  "2026-04-15T09:00:00Z/2026-04-15T09:30:00Z");
  /* Daily at 01:30 New York (system zone database): EDT (-4) until November 1, whose 01:30
   * happens twice and is the first (EDT), then EST (-5); UNTIL 06:00Z ends it before the
   * November 3 occurrence (06:30Z). */
  g_autofree char *night = occurrences_of(tl, "Night shift");
  g_assert_cmpstr(night, ==,
                  "2026-10-31T05:30:00Z/2026-10-31T06:30:00Z "
                  "2026-11-01T05:30:00Z/2026-11-01T06:30:00Z "
                  "2026-11-02T06:30:00Z/2026-11-02T07:30:00Z");
  /* 02:30 on March 8 does not exist in New York: read with EST, it is 07:30Z (03:30 EDT). */
  g_autofree char *gap = occurrences_of(tl, "Spring gap");
  g_assert_cmpstr(gap, ==,
                  "2026-03-07T07:30:00Z/2026-03-07T07:30:00Z "
                  "2026-03-08T07:30:00Z/2026-03-08T07:30:00Z "
                  "2026-03-09T06:30:00Z/2026-03-09T06:30:00Z");
  /* W. Europe Standard Time is Europe/Berlin: noon is 11:00Z, then 10:00Z after the change. */
  g_autofree char *windows = occurrences_of(tl, "Windows zone noon");
  g_assert_cmpstr(windows, ==,
                  "2026-03-28T11:00:00Z/2026-03-28T11:00:00Z "
                  "2026-03-29T10:00:00Z/2026-03-29T10:00:00Z");
  /* The zone each occurrence was stated in. */
  for (guint i = 0; i < tw_timeline_get_n_events(tl); i++) {
    const TwEvent *e = tw_timeline_get_event(tl, i);
    const char *title = tw_event_get_title(e);
    if (g_str_has_prefix(title, "Windows zone") || g_str_has_prefix(title, "Weekly standup"))
      g_assert_cmpstr(tw_event_get_zone(e), ==, "Europe/Berlin");
    else if (strcmp(title, "Night shift") == 0 || strcmp(title, "Spring gap") == 0)
      g_assert_cmpstr(tw_event_get_zone(e), ==, "America/New_York");
    else
      g_assert_null(tw_event_get_zone(e));
  }
  g_autofree char *february = occurrences_of(tl, "Last day of February");
  g_assert_cmpstr(february, ==,
                  "2026-02-28T00:00:00/2026-03-01T00:00:00 "
                  "2027-02-28T00:00:00/2027-03-01T00:00:00 "
                  "2028-02-29T00:00:00/2028-03-01T00:00:00");
  g_autofree char *lone = occurrences_of(tl, "Lone override");
  g_assert_cmpstr(lone, ==, "2026-05-05T12:00:00Z/2026-05-05T13:00:00Z");
  /* The unbounded monthly rule: 730 days from January 30, 2026, with a warning. */
  g_autofree char *monthly = occurrences_of(tl, "Last Friday drinks");
  g_assert_true(g_str_has_prefix(monthly, "2026-01-30T18:00:00/2026-01-30T20:00:00 "
                                          "2026-02-27T18:00:00/2026-02-27T20:00:00 "));
  g_assert_true(g_str_has_suffix(monthly, "2027-12-31T18:00:00/2027-12-31T20:00:00 "
                                          "2028-01-28T18:00:00/2028-01-28T20:00:00"));
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);

  /* Every occurrence has an id of its own. */
  g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < tw_timeline_get_n_events(tl); i++)
    g_assert_true(g_hash_table_add(ids, (gpointer)tw_event_get_id(tw_timeline_get_event(tl, i))));
  tw_job_free(job);
}

static void
test_source_recurrence_range(void)
{
  g_autofree char *path = tw_test_fixture("ics/recurrence.ics");
  /* Far from DTSTART the rule is expanded within --from/--to only, without a warning, and the
   * occurrences keep the ids they have in the full expansion. */
  JobSpec spec = {.has_range = TRUE, .from = utc(2027, 6, 1, 0, 0), .to = utc(2027, 9, 1, 0, 0)};
  TwJob *job = run_ok("ics", path, &spec);
  const TwTimeline *tl = tw_job_get_timeline(job);
  g_autofree char *monthly = occurrences_of(tl, "Last Friday drinks");
  g_assert_cmpstr(monthly, ==,
                  "2027-06-25T18:00:00/2027-06-25T20:00:00 "
                  "2027-07-30T18:00:00/2027-07-30T20:00:00 "
                  "2027-08-27T18:00:00/2027-08-27T20:00:00");
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  g_assert_cmpuint(tw_timeline_get_n_events(tl), ==, 3);

  TwJob *full = run_ok("ics", path, NULL);
  const TwTimeline *ftl = tw_job_get_timeline(full);
  for (guint i = 0; i < tw_timeline_get_n_events(tl); i++) {
    const TwEvent *e = tw_timeline_get_event(tl, i);
    const TwEvent *f = event_by_id(ftl, tw_event_get_id(e));
    g_assert_cmpint(tw_event_get_start(e), ==, tw_event_get_start(f));
  }
  tw_job_free(full);
  tw_job_free(job);

  /* --from without --to: an unbounded rule is expanded for expand-window after --from, with a
   * warning, not up to max-occurrences. */
  const char *window_keys[] = {"expand-window", NULL};
  const char *window_values[] = {"60d", NULL};
  JobSpec open_end = {.has_range = TRUE,
                      .from = utc(2027, 6, 1, 0, 0),
                      .to = TW_TIME_MAX,
                      .keys = window_keys,
                      .values = window_values};
  job = run_ok("ics", path, &open_end);
  tl = tw_job_get_timeline(job);
  g_autofree char *open_monthly = occurrences_of(tl, "Last Friday drinks");
  g_assert_cmpstr(open_monthly, ==,
                  "2027-06-25T18:00:00/2027-06-25T20:00:00 "
                  "2027-07-30T18:00:00/2027-07-30T20:00:00");
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  tw_job_free(job);

  /* A smaller expand-window, and max-occurrences. */
  const char *keys[] = {"expand-window", "max-occurrences", NULL};
  const char *values[] = {"60d", "2", NULL};
  JobSpec small = {.keys = keys, .values = values};
  job = run_ok("ics", path, &small);
  tl = tw_job_get_timeline(job);
  g_autofree char *capped = occurrences_of(tl, "Last Friday drinks");
  g_assert_cmpstr(capped, ==,
                  "2026-01-30T18:00:00/2026-01-30T20:00:00 "
                  "2026-02-27T18:00:00/2026-02-27T20:00:00");
  g_autofree char *standup = occurrences_of(tl, "Weekly standup");
  /* Capped at two occurrences; the override of April 6 then has no occurrence to replace and
   * stands alone. */
  g_assert_cmpstr(standup, ==,
                  "2026-03-16T08:00:00Z/2026-03-16T08:30:00Z "
                  "2026-03-23T08:00:00Z/2026-03-23T08:30:00Z "
                  "2026-04-06T12:00:00Z/2026-04-06T13:00:00Z");
  tw_job_free(job);
}

/* A rule every 5 hours keeps the hours of DTSTART's grid when --from/--to skips far ahead of
 * DTSTART (libical's icalrecur_iterator_set_start() would count the interval from elsewhere). */
static void
test_source_recurrence_range_hourly(void)
{
  TempDir t;
  temp_dir_init(&t);
  g_autofree char *path = temp_path(&t, "hourly.ics");
  write_text_file(path, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                        "BEGIN:VEVENT\r\nUID:h\r\nDTSTART:20260101T100000Z\r\n"
                        "RRULE:FREQ=HOURLY;INTERVAL=5;UNTIL=20270101T000000Z\r\n"
                        "SUMMARY:Every five hours\r\nEND:VEVENT\r\n"
                        "BEGIN:VEVENT\r\nUID:m\r\nDTSTART:20260101T100000Z\r\n"
                        "RRULE:FREQ=MINUTELY;INTERVAL=50;UNTIL=20270101T000000Z\r\n"
                        "SUMMARY:Every fifty minutes\r\nEND:VEVENT\r\n"
                        "END:VCALENDAR\r\n");
  /* Both from 10:00Z on January 1, 1406 hours or 84360 minutes before March 1: every 5 hours is
   * at 04:00Z, 09:00Z and 14:00Z that day, every 50 minutes first at 00:40Z. */
  JobSpec spec = {.has_range = TRUE, .from = utc(2026, 3, 1, 0, 0), .to = utc(2026, 3, 1, 15, 0)};
  TwJob *job = run_ok("ics", path, &spec);
  const TwTimeline *tl = tw_job_get_timeline(job);
  g_autofree char *hourly = occurrences_of(tl, "Every five hours");
  g_assert_cmpstr(hourly, ==,
                  "2026-03-01T04:00:00Z/2026-03-01T04:00:00Z "
                  "2026-03-01T09:00:00Z/2026-03-01T09:00:00Z "
                  "2026-03-01T14:00:00Z/2026-03-01T14:00:00Z");
  g_autofree char *minutely = occurrences_of(tl, "Every fifty minutes");
  g_assert_true(g_str_has_prefix(minutely, "2026-03-01T00:40:00Z/2026-03-01T00:40:00Z "
                                           "2026-03-01T01:30:00Z/2026-03-01T01:30:00Z "));

  /* The same occurrences, with the same ids, as without the range. */
  TwJob *full = run_ok("ics", path, NULL);
  const TwTimeline *ftl = tw_job_get_timeline(full);
  for (guint i = 0; i < tw_timeline_get_n_events(tl); i++) {
    const TwEvent *e = tw_timeline_get_event(tl, i);
    const TwEvent *f = event_by_id(ftl, tw_event_get_id(e));
    g_assert_cmpint(tw_event_get_start(e), ==, tw_event_get_start(f));
  }
  tw_job_free(full);
  tw_job_free(job);
  g_unlink(path);
  temp_dir_clear(&t);
}

/* A file with two calendars: an override in the second replaces an occurrence of the first's
 * master; each calendar resolves its TZIDs by itself. */
static void
test_source_two_calendars(void)
{
  TempDir t;
  temp_dir_init(&t);
  g_autofree char *path = temp_path(&t, "two.ics");
  write_text_file(path,
                  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                  "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
                  "BEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\n"
                  "TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
                  "BEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\n"
                  "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
                  "END:VTIMEZONE\r\n"
                  "BEGIN:VEVENT\r\nUID:m\r\nDTSTART;TZID=Europe/Berlin:20260316T090000\r\n"
                  "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Two calendars\r\nEND:VEVENT\r\n"
                  "END:VCALENDAR\r\n"
                  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                  "BEGIN:VEVENT\r\nUID:m\r\nRECURRENCE-ID;TZID=Europe/Berlin:20260323T090000\r\n"
                  "DTSTART;TZID=America/New_York:20260323T090000\r\n"
                  "SUMMARY:Two calendars (moved)\r\nEND:VEVENT\r\n"
                  "END:VCALENDAR\r\n");
  TwJob *job = run_ok("ics", path, NULL);
  g_autofree char *got = occurrences_of(tw_job_get_timeline(job), "Two calendars");
  /* 09:00 CET, 09:00 EDT (New York changed on March 8), 09:00 CEST. */
  g_assert_cmpstr(got, ==,
                  "2026-03-16T08:00:00Z/2026-03-16T08:00:00Z "
                  "2026-03-23T13:00:00Z/2026-03-23T13:00:00Z "
                  "2026-03-30T07:00:00Z/2026-03-30T07:00:00Z");
  tw_job_free(job);
  g_unlink(path);
  temp_dir_clear(&t);
}

/* A rule whose DTSTART is UTC repeats in UTC: its occurrences are exact instants, not floating
 * times (nor read in the timezone option's zone), and their ids have the Z form. */
static void
test_source_recurrence_utc(void)
{
  TempDir t;
  temp_dir_init(&t);
  g_autofree char *path = temp_path(&t, "utc.ics");
  write_text_file(path, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                        "BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260105T090000Z\r\n"
                        "RRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:UTC weekly\r\nEND:VEVENT\r\n"
                        "END:VCALENDAR\r\n");
  const char *keys[] = {"timezone", NULL};
  const char *values[] = {"Europe/Berlin", NULL};
  JobSpec zoned = {.keys = keys, .values = values};
  const JobSpec *specs[] = {NULL, &zoned};
  for (guint k = 0; k < G_N_ELEMENTS(specs); k++) {
    TwJob *job = run_ok("ics", path, specs[k]);
    const TwTimeline *tl = tw_job_get_timeline(job);
    g_autofree char *got = occurrences_of(tl, "UTC weekly");
    g_assert_cmpstr(got, ==,
                    "2026-01-05T09:00:00Z/2026-01-05T09:00:00Z "
                    "2026-01-12T09:00:00Z/2026-01-12T09:00:00Z "
                    "2026-01-19T09:00:00Z/2026-01-19T09:00:00Z");
    for (guint i = 0; i < tw_timeline_get_n_events(tl); i++)
      g_assert_false(tw_event_is_floating(tw_timeline_get_event(tl, i)));
    tw_job_free(job);
  }
  g_unlink(path);
  temp_dir_clear(&t);
}

/* The override keeps the id of the occurrence it replaces. */
static void
test_source_override_id(void)
{
  TempDir t;
  temp_dir_init(&t);
  g_autofree char *path = tw_test_fixture("ics/recurrence.ics");
  g_autofree char *text = read_text(path);
  g_autoptr(GString) s = g_string_new(text);
  g_assert_cmpuint(g_string_replace(s, "RECURRENCE-ID;TZID=Europe/Berlin:20260406T090000",
                                    "X-NOT-AN-OVERRIDE:1", 1),
                   ==, 1);
  g_assert_cmpuint(
      g_string_replace(s, "UID:standup@example.org\r\nDTSTAMP:20260101T000000Z\r\nX-NOT",
                       "UID:other@example.org\r\nDTSTAMP:20260101T000000Z\r\nX-NOT", 1),
      ==, 1);
  g_autofree char *plain = temp_path(&t, "recurrence.ics"); /* same name: same source name */
  write_text_file(plain, s->str);

  TwJob *a = run_ok("ics", path, NULL);
  TwJob *b = run_ok("ics", plain, NULL);
  const TwTimeline *ta = tw_job_get_timeline(a), *tb = tw_job_get_timeline(b);
  const char *moved_id = NULL, *original_id = NULL;
  for (guint i = 0; i < tw_timeline_get_n_events(ta); i++)
    if (strcmp(tw_event_get_title(tw_timeline_get_event(ta, i)), "Weekly standup (moved)") == 0)
      moved_id = tw_event_get_id(tw_timeline_get_event(ta, i));
  for (guint i = 0; i < tw_timeline_get_n_events(tb); i++) {
    const TwEvent *e = tw_timeline_get_event(tb, i);
    if (strcmp(tw_event_get_title(e), "Weekly standup") == 0 &&
        tw_event_get_start(e) == utc(2026, 4, 6, 7, 0))
      original_id = tw_event_get_id(e);
  }
  g_assert_nonnull(moved_id);
  g_assert_cmpstr(moved_id, ==, original_id);
  tw_job_free(a);
  tw_job_free(b);
  g_unlink(plain);
  temp_dir_clear(&t);
}

static void
test_source_fields(void)
{
  g_autofree char *path = tw_test_fixture("ics/fields.ics");
  TwJob *job = run_ok("ics", path, NULL);
  const TwTimeline *tl = tw_job_get_timeline(job);
  /* Someday (a VTODO without DUE) is no event; the unknown zone gives a warning. */
  g_assert_cmpuint(tw_timeline_get_n_events(tl), ==, 7);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);

  const TwEvent *e = NULL;
  for (guint i = 0; i < tw_timeline_get_n_events(tl); i++)
    if (g_str_has_prefix(tw_event_get_title(tw_timeline_get_event(tl, i)), "Q2 planning"))
      e = tw_timeline_get_event(tl, i);
  g_assert_nonnull(e);
  g_assert_cmpstr(tw_event_get_title(e), ==, "Q2 planning, budget; and C:\\Temp");
  g_assert_cmpstr(tw_event_get_description(e), ==, "Agenda:\n1. Budget\n2. Hiring");
  g_assert_cmpstr(tw_event_get_location(e), ==, "Room 4, Building B");
  g_assert_cmpstr(tw_event_get_url(e), ==, "https://example.org/q2");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "event");
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 4, 20, 9, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 4, 20, 10, 30));
  double lat, lon;
  g_assert_true(tw_event_get_geo(e, &lat, &lon));
  g_assert_cmpfloat(lat, ==, 52.52);
  g_assert_cmpfloat(lon, ==, 13.405);
  g_assert_cmpuint(tw_event_get_n_tags(e), ==, 3);
  g_assert_cmpstr(tw_event_get_tag(e, 0), ==, "Work");
  g_assert_cmpstr(tw_event_get_tag(e, 1), ==, "Q2 planning, budget");
  g_assert_cmpstr(tw_event_get_tag(e, 2), ==, "Travel");
  g_assert_cmpuint(tw_event_get_n_actors(e), ==, 3);
  g_assert_cmpstr(tw_event_get_actor(e, 0), ==, "Lovelace, Ada");
  g_assert_cmpstr(tw_event_get_actor(e, 1), ==, "bob@example.org");
  g_assert_cmpstr(tw_event_get_actor(e, 2), ==, "Carol");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "status"), ==, "CONFIRMED");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "organizer"), ==, "mailto:ada@example.org");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "comment"), ==, "first comment\nsecond comment");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "x-custom-field"), ==, "hello, world");
  g_assert_null(tw_event_lookup_attribute(e, "dtstamp"));
  g_assert_null(tw_event_lookup_attribute(e, "action")); /* the VALARM's */

  for (guint i = 0; i < tw_timeline_get_n_events(tl); i++) {
    const TwEvent *x = tw_timeline_get_event(tl, i);
    const char *title = tw_event_get_title(x);
    if (strcmp(title, "Conference (three days)") == 0) {
      g_assert_cmpint(tw_event_get_precision(x), ==, TW_PRECISION_DAY);
      g_assert_cmpint(tw_event_get_start(x), ==, utc(2026, 4, 20, 0, 0));
      g_assert_cmpint(tw_event_get_end(x), ==, utc(2026, 4, 23, 0, 0));
    } else if (strcmp(title, "File the report") == 0) {
      g_assert_cmpstr(tw_event_get_kind(x), ==, "todo");
      g_assert_cmpint(tw_event_get_precision(x), ==, TW_PRECISION_DAY);
      g_assert_cmpint(tw_event_get_start(x), ==, utc(2026, 5, 1, 0, 0));
      g_assert_cmpstr(tw_event_lookup_attribute(x, "priority"), ==, "1");
    } else if (strcmp(title, "Windows zones at both ends") == 0) {
      /* Pacific Standard Time in July is PDT (-7); India Standard Time is +05:30. */
      g_assert_cmpstr(tw_event_get_zone(x), ==, "America/Los_Angeles");
      g_assert_cmpint(tw_event_get_start(x), ==, utc(2026, 7, 15, 19, 0));
      g_assert_cmpint(tw_event_get_end(x), ==, utc(2026, 7, 16, 1, 0));
    } else if (strcmp(title, "Vendor-prefixed TZID") == 0) {
      g_assert_cmpstr(tw_event_get_zone(x), ==, "Europe/Berlin");
      g_assert_cmpint(tw_event_get_start(x), ==, utc(2026, 1, 15, 11, 0));
    } else if (strcmp(title, "Unknown zone") == 0) {
      g_assert_true(tw_event_is_floating(x));
      g_assert_cmpint(tw_event_get_start(x), ==, utc(2026, 1, 15, 12, 0));
    } else if (strcmp(title, "(no title)") == 0) {
      g_assert_cmpint(tw_event_get_start(x), ==, utc(2026, 1, 16, 12, 0));
    }
  }
  tw_job_free(job);

  /* The timezone option places floating times. */
  const char *keys[] = {"timezone", NULL};
  const char *values[] = {"Asia/Tokyo", NULL};
  JobSpec spec = {.keys = keys, .values = values};
  job = run_ok("ics", path, &spec);
  tl = tw_job_get_timeline(job);
  for (guint i = 0; i < tw_timeline_get_n_events(tl); i++) {
    const TwEvent *x = tw_timeline_get_event(tl, i);
    if (g_str_has_prefix(tw_event_get_title(x), "Q2 planning")) {
      g_assert_false(tw_event_is_floating(x));
      g_assert_cmpstr(tw_event_get_zone(x), ==, "Asia/Tokyo");
      g_assert_cmpint(tw_event_get_start(x), ==, utc(2026, 4, 20, 0, 0));
      g_assert_cmpint(tw_event_get_end(x), ==, utc(2026, 4, 20, 1, 30));
    } else if (strcmp(tw_event_get_title(x), "Conference (three days)") == 0) {
      g_assert_true(tw_event_is_floating(x)); /* dates stay floating */
    }
  }
  tw_job_free(job);
}

/* A VTIMEZONE in the file wins over the zone database, even for a Windows name. */
static void
test_source_vtimezone_wins(void)
{
  g_autofree char *path = tw_test_fixture("ics/outlook.ics");
  TwJob *job = run_ok("ics", path, NULL);
  const TwTimeline *tl = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(tl), ==, 1);
  const TwEvent *e = tw_timeline_get_event(tl, 0);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 7, 15, 7, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 7, 15, 8, 0));
  tw_job_free(job);
}

static void
test_source_windows_table(void)
{
  /* Sorted for the binary search, and every zone exists in the zone database. */
  for (guint i = 0; i < G_N_ELEMENTS(windows_zones); i++) {
    if (i > 0)
      g_assert_cmpint(g_ascii_strcasecmp(windows_zones[i - 1].windows, windows_zones[i].windows), <,
                      0);
    GError *error = NULL;
    GTimeZone *zone = tw_zone_new(windows_zones[i].iana, &error);
    g_assert_no_error(error);
    g_time_zone_unref(zone);
  }
  g_assert_cmpuint(G_N_ELEMENTS(windows_zones), >=, 130);

  /* Every name is found by the source: one event per name, at noon on January 15 and July 15,
   * compared with the instants GTimeZone gives for the IANA zone. */
  TempDir t;
  temp_dir_init(&t);
  g_autoptr(GString) ics = g_string_new("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n");
  for (guint i = 0; i < G_N_ELEMENTS(windows_zones); i++)
    for (int m = 1; m <= 7; m += 6)
      g_string_append_printf(ics,
                             "BEGIN:VEVENT\r\nUID:%u-%d\r\nDTSTART;TZID=%s:2026%02d15T120000\r\n"
                             "SUMMARY:%u\r\nEND:VEVENT\r\n",
                             i, m, windows_zones[i].windows, m, i);
  g_string_append(ics, "END:VCALENDAR\r\n");
  g_autofree char *path = temp_path(&t, "windows.ics");
  write_text_file(path, ics->str);
  TwJob *job = run_ok("ics", path, NULL);
  const TwTimeline *tl = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(tl), ==, 2 * G_N_ELEMENTS(windows_zones));
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  for (guint i = 0; i < tw_timeline_get_n_events(tl); i++) {
    const TwEvent *e = tw_timeline_get_event(tl, i);
    guint index = (guint)g_ascii_strtoull(tw_event_get_title(e), NULL, 10);
    g_assert_cmpstr(tw_event_get_zone(e), ==, windows_zones[index].iana);
    GTimeZone *zone = tw_zone_new(windows_zones[index].iana, NULL);
    int y, mo, d;
    tw_usec_to_civil(tw_event_get_start(e), &y, &mo, &d, NULL, NULL, NULL, NULL);
    int month = mo == 12 || mo == 1 ? 1 : 7;
    GDateTime *dt = g_date_time_new(zone, 2026, month, 15, 12, 0, 0);
    g_assert_cmpint(tw_event_get_start(e), ==, g_date_time_to_unix(dt) * TW_USEC_PER_SEC);
    g_date_time_unref(dt);
    g_time_zone_unref(zone);
  }
  tw_job_free(job);
  g_unlink(path);
  temp_dir_clear(&t);
}

/* The event titled @title (one of the few in a test's timeline). */
static const TwEvent *
event_titled(const TwTimeline *timeline, const char *title)
{
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
    if (strcmp(tw_event_get_title(tw_timeline_get_event(timeline, i)), title) == 0)
      return tw_timeline_get_event(timeline, i);
  g_error("no event titled '%s'", title);
}

/* A floating time in a calendar with X-WR-TIMEZONE is read in that zone, as calendar programs
 * read it; the timezone option wins; a date stays a floating day; an unknown name is one
 * warning at its line, and the times stay floating. */
static void
test_source_calendar_zone(void)
{
  TempDir t;
  temp_dir_init(&t);
  static const char calendar[] =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nX-WR-CALNAME:Team\r\n"
      "X-WR-TIMEZONE:%s\r\n"
      "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260214T090000\r\nDTEND:20260214T100000\r\n"
      "SUMMARY:floating\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:20260215\r\nSUMMARY:day\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nUID:c\r\nDTSTART;TZID=Asia/Tokyo:20260216T090000\r\n"
      "SUMMARY:zoned\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  g_autofree char *path = temp_path(&t, "calendar-zone.ics");
  g_autofree char *text = g_strdup_printf(calendar, "Europe/Berlin");
  write_text_file(path, text);

  TwJob *job = run_ok("ics", path, NULL);
  const TwTimeline *tl = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(tl), ==, 3);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  const TwEvent *e = event_titled(tl, "floating");
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpstr(tw_event_get_zone(e), ==, "Europe/Berlin");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 14, 8, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 14, 9, 0));
  e = event_titled(tl, "day");
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_DAY);
  e = event_titled(tl, "zoned");
  g_assert_cmpstr(tw_event_get_zone(e), ==, "Asia/Tokyo");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 16, 0, 0));
  tw_job_free(job);

  const char *keys[] = {"timezone", NULL};
  const char *values[] = {"America/New_York", NULL};
  JobSpec spec = {.keys = keys, .values = values};
  job = run_ok("ics", path, &spec);
  e = event_titled(tw_job_get_timeline(job), "floating");
  g_assert_cmpstr(tw_event_get_zone(e), ==, "America/New_York");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 14, 14, 0));
  tw_job_free(job);

  g_free(text);
  text = g_strdup_printf(calendar, "Mars/Olympus");
  write_text_file(path, text);
  job = run_ok("ics", path, NULL);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  e = event_titled(tw_job_get_timeline(job), "floating");
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 14, 9, 0));
  tw_job_free(job);
  GError *error = NULL;
  JobSpec strict = {.strict = TRUE};
  g_assert_null(run_job("ics", path, &strict, &error));
  g_autofree char *want = g_strdup_printf("%s:5: unknown time zone 'Mars/Olympus'", path);
  g_assert_true(g_str_has_prefix(error->message, want));
  g_clear_error(&error);

  /* A TEXT escape in the name stays as written: the warning that quotes it is one line. */
  g_free(text);
  text = g_strdup_printf(calendar, "Mars\\nOlympus");
  write_text_file(path, text);
  g_assert_null(run_job("ics", path, &strict, &error));
  g_autofree char *want_escaped = g_strdup_printf("%s:5: unknown time zone 'Mars\\nOlympus'", path);
  g_assert_true(g_str_has_prefix(error->message, want_escaped));
  g_assert_null(strchr(error->message, '\n'));
  g_clear_error(&error);
  g_unlink(path);
  temp_dir_clear(&t);
}

/* A DATE DTSTART with a DATE-TIME DTEND (RFC 5545 wants one type): kept, with a warning at the
 * DTEND's line, fatal under --strict. */
static void
test_source_mixed_types(void)
{
  TempDir t;
  temp_dir_init(&t);
  g_autofree char *path = temp_path(&t, "mixed.ics");
  write_text_file(path, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
                        "UID:a\r\nDTSTART;VALUE=DATE:20260101\r\nDTEND:20260102T120000Z\r\n"
                        "SUMMARY:mixed\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  TwJob *job = run_ok("ics", path, NULL);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  const TwEvent *e = event_titled(tw_job_get_timeline(job), "mixed");
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_DAY);
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 1, 2, 12, 0));
  tw_job_free(job);
  GError *error = NULL;
  JobSpec strict = {.strict = TRUE};
  g_assert_null(run_job("ics", path, &strict, &error));
  g_autofree char *want =
      g_strdup_printf("%s:7: VEVENT: DTEND is a DATE-TIME where DTSTART is a DATE", path);
  g_assert_true(g_str_has_prefix(error->message, want));
  g_clear_error(&error);
  g_unlink(path);
  temp_dir_clear(&t);
}

static void
test_source_broken(void)
{
  g_autofree char *path = tw_test_fixture("ics/broken.ics");
  TwJob *job = run_ok("ics", path, NULL);
  const TwTimeline *tl = tw_job_get_timeline(job);
  /* Good one, the garbage line's, the bad RRULE's (once) and Good two load; the bad DTSTART
   * and February 29 of 2026 do not. Four warnings. */
  g_assert_cmpuint(tw_timeline_get_n_events(tl), ==, 4);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 4);
  const char *titles[] = {"Good one", "Loads despite a garbage line", "Bad RRULE, loads once",
                          "Good two"};
  for (guint i = 0; i < 4; i++)
    g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(tl, i)), ==, titles[i]);
  tw_job_free(job);

  /* Under --strict the first broken component is fatal, with its line. */
  GError *error = NULL;
  JobSpec strict = {.strict = TRUE};
  job = run_job("ics", path, &strict, &error);
  g_assert_null(job);
  g_assert_nonnull(error);
  g_autofree char *want = g_strdup_printf("%s:9: VEVENT without a valid DTSTART: skipped: Can't "
                                          "parse as DATE-TIME value in DTSTART property",
                                          path);
  g_assert_true(g_str_has_prefix(error->message, want));
  g_clear_error(&error);

  /* Each broken component at its own line: mend the ones before it in turn. */
  g_autofree char *text = read_text(path);
  static const struct {
    const char *uid;
    const char *message;
  } cases[] = {
      {"bad-line", ":17: VEVENT: Got a data line, but could not find a property name or "
                   "component begin tag: THIS LINE IS NOT A PROPERTY"},
      {"bad-rrule", ":23: VEVENT: Can't parse as RECUR value in RRULE property. Removing entire "
                    "property: FREQ=SOMETIMES"},
      {"bad-date", ":33: VEVENT: DTSTART 20260229 is not a valid date: skipped"},
  };
  TempDir t;
  temp_dir_init(&t);
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    /* Mend the components before this one, keeping every line where it is. */
    static const char *const mends[][2] = {
        {"DTSTART:2026-03-02 09:00", "DTSTART:20260302T090000Z"},
        {"THIS LINE IS NOT A PROPERTY", "X-MENDED:1"},
        {"RRULE:FREQ=SOMETIMES", "RRULE:FREQ=DAILY;COUNT=1"},
    };
    g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
    g_autofree char *uid_line = g_strdup_printf("UID:%s", cases[i].uid);
    for (guint k = 0; lines[k] && strcmp(lines[k], uid_line) != 0; k++) {
      for (guint m = 0; m < G_N_ELEMENTS(mends); m++) {
        if (strcmp(lines[k], mends[m][0]) == 0) {
          g_free(lines[k]);
          lines[k] = g_strdup(mends[m][1]);
        }
      }
    }
    g_autofree char *cut = g_strjoinv("\r\n", lines);
    g_autofree char *cut_path = temp_path(&t, "broken.ics");
    write_text_file(cut_path, cut);
    job = run_job("ics", cut_path, &strict, &error);
    g_assert_null(job);
    g_assert_nonnull(error);
    g_autofree char *expected = g_strconcat(cut_path, cases[i].message, NULL);
    g_assert_cmpstr(error->message, ==, expected);
    g_clear_error(&error);
    g_unlink(cut_path);
  }

  /* A DTEND before DTSTART (RFC 5545 asks for a later one) is dropped with a warning at its
   * line: the event keeps its start, as an instant. */
  g_autofree char *backwards = temp_path(&t, "backwards.ics");
  write_text_file(backwards, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:b\r\n"
                             "DTSTART:20260715T090000Z\r\nDTEND:20260715T080000Z\r\n"
                             "SUMMARY:Ends before it starts\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  job = run_ok("ics", backwards, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 1);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  const TwEvent *e = tw_timeline_get_event(tw_job_get_timeline(job), 0);
  g_assert_cmpint(tw_event_get_end(e), ==, tw_event_get_start(e));
  tw_job_free(job);
  assert_strict_failure(
      backwards, ":6: VEVENT: DTEND 20260715T080000Z is before DTSTART: dropped (the event is an "
                 "instant)");

  /* A DATE start without its end is its day (RFC 5545 3.6.1), not an instant: the warning
   * says what the event became. */
  g_autofree char *backwards_day = temp_path(&t, "backwards-day.ics");
  write_text_file(backwards_day,
                  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:d\r\n"
                  "DTSTART;VALUE=DATE:20260310\r\nDTEND;VALUE=DATE:20260305\r\n"
                  "SUMMARY:Ends before it starts\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  job = run_ok("ics", backwards_day, NULL);
  e = tw_timeline_get_event(tw_job_get_timeline(job), 0);
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_DAY);
  g_assert_cmpint(tw_event_get_end(e) - tw_event_get_start(e), ==, TW_USEC_PER_DAY);
  tw_job_free(job);
  assert_strict_failure(
      backwards_day,
      ":6: VEVENT: DTEND 20260305 is before DTSTART: dropped (the event is its start's day)");

  /* A negative DURATION (RFC 5545 wants a positive one) ends the event before it starts, as such
   * a DTEND does: dropped with the same word (it was dropped without one). -PT0S is no span. */
  g_autofree char *negative = temp_path(&t, "negative.ics");
  write_text_file(negative, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:n\r\n"
                            "DTSTART:20260715T090000Z\r\nDURATION:-P1D\r\n"
                            "SUMMARY:Lasts less than nothing\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n"
                            "UID:z\r\nDTSTART:20260716T090000Z\r\nDURATION:-PT0S\r\n"
                            "SUMMARY:Lasts nothing\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  job = run_ok("ics", negative, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 2);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  e = tw_timeline_get_event(tw_job_get_timeline(job), 0);
  g_assert_cmpint(tw_event_get_end(e), ==, tw_event_get_start(e));
  tw_job_free(job);
  assert_strict_failure(negative,
                        ":6: VEVENT: DURATION -P1D is negative: dropped (the event is an instant)");

  /* A RECURRENCE-ID libical cannot read is dropped with a warning at its line, as any such
   * property: the component still loads, here as the recurring event it otherwise is. */
  g_autofree char *bad_rid = temp_path(&t, "bad-rid.ics");
  write_text_file(bad_rid, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:r\r\n"
                           "DTSTART:20260301T090000Z\r\nRRULE:FREQ=DAILY;COUNT=2\r\n"
                           "RECURRENCE-ID:garbage\r\nSUMMARY:Bad RECURRENCE-ID\r\n"
                           "END:VEVENT\r\nEND:VCALENDAR\r\n");
  job = run_ok("ics", bad_rid, NULL);
  g_autofree char *bad_rid_got = occurrences_of(tw_job_get_timeline(job), "Bad RECURRENCE-ID");
  g_assert_cmpstr(bad_rid_got, ==,
                  "2026-03-01T09:00:00Z/2026-03-01T09:00:00Z "
                  "2026-03-02T09:00:00Z/2026-03-02T09:00:00Z");
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  tw_job_free(job);
  assert_strict_failure(
      bad_rid, ":7: VEVENT: Can't parse as DATE-TIME value in RECURRENCE-ID property. Removing "
               "entire property: garbage");

  /* A message is one line, whatever control characters the values it quotes hold. */
  g_autofree char *control = temp_path(&t, "control.ics");
  write_text_file(control, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:c\r\n"
                           "DTSTART;TZID=Mars\x1b[2J/Olympus:20260301T090000\r\n"
                           "RRULE:FREQ=SOME\rTIMES\r\nSUMMARY:Control\r\n"
                           "END:VEVENT\r\nEND:VCALENDAR\r\n");
  assert_strict_failure(control,
                        ":6: VEVENT: Can't parse as RECUR value in RRULE property. Removing entire "
                        "property: FREQ=SOME\\rTIMES");
  write_text_file(control, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:c\r\n"
                           "DTSTART;TZID=Mars\x1b[2J/Olympus:20260301T090000\r\n"
                           "SUMMARY:Control\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  assert_strict_failure(control,
                        ":3: unknown time zone 'Mars\\x1b[2J/Olympus' (no VTIMEZONE and not in the "
                        "zone database): its times are read as floating");

  /* A GEO libical drops (nan, inf) is not read from the text all the same, and one outside the
   * Earth is dropped with one warning at its line, however many occurrences the event has. */
  g_autofree char *geo = temp_path(&t, "geo.ics");
  write_text_file(geo, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:n\r\n"
                       "DTSTART:20260301T090000Z\r\nGEO:nan;inf\r\nSUMMARY:Geo\r\nEND:VEVENT\r\n"
                       "BEGIN:VEVENT\r\nUID:o\r\nDTSTART:20260301T090000Z\r\n"
                       "RRULE:FREQ=DAILY;COUNT=2\r\nGEO:91;0\r\nSUMMARY:Geo\r\nEND:VEVENT\r\n"
                       "END:VCALENDAR\r\n");
  job = run_ok("ics", geo, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 3);
  for (guint i = 0; i < 3; i++) {
    double lat, lon;
    g_assert_false(
        tw_event_get_geo(tw_timeline_get_event(tw_job_get_timeline(job), i), &lat, &lon));
  }
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
  tw_job_free(job);
  write_text_file(geo, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:o\r\n"
                       "DTSTART:20260301T090000Z\r\nGEO:91;0\r\nSUMMARY:Geo\r\nEND:VEVENT\r\n"
                       "END:VCALENDAR\r\n");
  assert_strict_failure(
      geo, ":6: VEVENT: GEO 91;0 is outside -90..90 degrees of latitude, -180..180 of longitude: "
           "dropped");
  temp_dir_clear(&t);
}

static void
test_source_truncated(void)
{
  g_autofree char *path = tw_test_fixture("ics/truncated.ics");
  TwJob *job = run_ok("ics", path, NULL);
  const TwTimeline *tl = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(tl), ==, 2);
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(tl, 0)), ==, "Before the cut");
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(tl, 1)), ==, "No END:VEVENT");
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
  tw_job_free(job);

  GError *error = NULL;
  JobSpec strict = {.strict = TRUE};
  g_assert_null(run_job("ics", path, &strict, &error));
  g_autofree char *want = g_strdup_printf("%s:13: a component begins inside the VEVENT of line 9 "
                                          "(a missing END:VEVENT?): it is skipped",
                                          path);
  g_assert_cmpstr(error->message, ==, want);
  g_clear_error(&error);

  /* Cut between two events: libical closes the calendar without a word, so the source says the
   * file has no END:VCALENDAR (the events before the cut kept, a failure under --strict). A
   * calendar that ends as it should says nothing. */
  TempDir t;
  temp_dir_init(&t);
  const char *head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
                     "UID:a\r\nDTSTART:20260301T090000Z\r\nSUMMARY:Before the cut\r\n"
                     "END:VEVENT\r\n";
  g_autofree char *cut = temp_path(&t, "cut.ics");
  write_text_file(cut, head);
  job = run_ok("ics", cut, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 1);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  tw_job_free(job);
  assert_strict_failure(cut, ":8: the file ends without the END:VCALENDAR of line 1: it may have "
                             "been cut short, and the events after the cut are missing");
  g_autofree char *whole_text = g_strconcat(head, "END:VCALENDAR\r\n", NULL);
  g_autofree char *whole = temp_path(&t, "whole.ics");
  write_text_file(whole, whole_text);
  job = run_ok("ics", whole, NULL);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  tw_job_free(job);
  temp_dir_clear(&t);
}

static void
test_source_not_ics(void)
{
  TempDir t;
  temp_dir_init(&t);
  g_autofree char *path = tw_test_fixture("ics/not-ics.txt");
  GError *error = NULL;
  g_assert_null(run_job("ics", path, NULL, &error));
  g_autofree char *want =
      g_strdup_printf("%s:3: not an iCalendar file (it does not begin with BEGIN:VCALENDAR)", path);
  g_assert_cmpstr(error->message, ==, want);
  g_clear_error(&error);

  g_autofree char *empty = temp_path(&t, "empty.ics");
  write_text_file(empty, "");
  g_assert_null(run_job("ics", empty, NULL, &error));
  g_autofree char *want_empty = g_strdup_printf("%s:1: not an iCalendar file (it is empty)", empty);
  g_assert_cmpstr(error->message, ==, want_empty);
  g_clear_error(&error);

  g_autofree char *nul = temp_path(&t, "nul.ics");
  g_assert_true(g_file_set_contents(nul, "BEGIN:VCALENDAR\r\nX:\0\r\nEND:VCALENDAR\r\n", 34, NULL));
  g_assert_null(run_job("ics", nul, NULL, &error));
  g_autofree char *want_nul =
      g_strdup_printf("%s:2: not an iCalendar file (it contains a NUL byte)", nul);
  g_assert_cmpstr(error->message, ==, want_nul);
  g_clear_error(&error);

  /* A byte order mark and LF line ends are fine. */
  g_autofree char *bom = temp_path(&t, "bom.ics");
  write_text_file(bom, "\xef\xbb\xbf"
                       "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\n"
                       "UID:1\nDTSTART:20260101T000000Z\nSUMMARY:BOM\nEND:VEVENT\nEND:VCALENDAR\n");
  TwJob *job = run_ok("ics", bom, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 1);
  tw_job_free(job);

  /* So are CR line ends (classic Mac OS), folded lines and lines in messages included. */
  g_autofree char *cr = temp_path(&t, "cr.ics");
  write_text_file(cr, "BEGIN:VCALENDAR\rVERSION:2.0\rBEGIN:VEVENT\rUID:1\r"
                      "DTSTART:20260101T000000Z\rSUMMARY:CR line\r  ends\rRRULE:FREQ=NEVER\r"
                      "END:VEVENT\rEND:VCALENDAR\r");
  job = run_ok("ics", cr, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 1);
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(tw_job_get_timeline(job), 0)), ==,
                  "CR line ends");
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  tw_job_free(job);
  JobSpec strict = {.strict = TRUE};
  g_assert_null(run_job("ics", cr, &strict, &error));
  g_autofree char *want_cr = g_strdup_printf(
      "%s:8: VEVENT: Can't parse as RECUR value in RRULE property. Removing entire property: "
      "FREQ=NEVER",
      cr);
  g_assert_cmpstr(error->message, ==, want_cr);
  g_clear_error(&error);
  g_unlink(cr);
  g_unlink(empty);
  g_unlink(nul);
  g_unlink(bom);
  temp_dir_clear(&t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_setenv("SOURCE_DATE_EPOCH", "1767225600", TRUE);

  const char *build = g_getenv("TW_BUILD_ROOT");
  if (build == NULL) {
    g_printerr("test-ics: TW_BUILD_ROOT is not set (run it with meson test)\n");
    return 1;
  }
  registry = tw_registry_new();
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
  const char *plugins[] = {"json", "ics"};
  for (guint i = 0; i < G_N_ELEMENTS(plugins); i++) {
    g_autofree char *dir = g_build_filename(build, "plugins", plugins[i], NULL);
    tw_registry_load_dir(registry, dir, refusals);
  }
  for (guint i = 0; i < refusals->len; i++)
    g_printerr("test-ics: %s\n", ((GError *)g_ptr_array_index(refusals, i))->message);
  if (tw_registry_find_source(registry, "ics") == NULL ||
      tw_registry_find_source(registry, "json") == NULL) {
    g_printerr("test-ics: the json and ics plugins are not built under %s/plugins\n", build);
    return 1;
  }

  g_test_add_func("/ics/export/lines", test_export_lines);
  g_test_add_func("/ics/export/libical", test_export_libical);
  g_test_add_func("/ics/export/deterministic", test_export_deterministic);
  g_test_add_func("/ics/export/folding", test_export_folding);
  g_test_add_func("/ics/export/shared-ids", test_export_shared_ids);
  g_test_add_func("/ics/export/findings-links", test_export_findings_links);
  g_test_add_func("/ics/export/empty", test_export_empty);
  g_test_add_func("/ics/export/control-only", test_export_control_only);
  g_test_add_func("/ics/export/last-year", test_export_last_year);
  g_test_add_func("/ics/roundtrip", test_roundtrip);
  g_test_add_func("/ics/source/recurrence", test_source_recurrence);
  g_test_add_func("/ics/source/recurrence-range", test_source_recurrence_range);
  g_test_add_func("/ics/source/recurrence-range-hourly", test_source_recurrence_range_hourly);
  g_test_add_func("/ics/source/recurrence-utc", test_source_recurrence_utc);
  g_test_add_func("/ics/source/override-id", test_source_override_id);
  g_test_add_func("/ics/source/two-calendars", test_source_two_calendars);
  g_test_add_func("/ics/source/fields", test_source_fields);
  g_test_add_func("/ics/source/vtimezone-wins", test_source_vtimezone_wins);
  g_test_add_func("/ics/source/windows-zones", test_source_windows_table);
  g_test_add_func("/ics/source/calendar-zone", test_source_calendar_zone);
  g_test_add_func("/ics/source/mixed-types", test_source_mixed_types);
  g_test_add_func("/ics/source/broken", test_source_broken);
  g_test_add_func("/ics/source/truncated", test_source_truncated);
  g_test_add_func("/ics/source/not-ics", test_source_not_ics);
  int result = g_test_run();
  tw_registry_free(registry);
  return result;
}
