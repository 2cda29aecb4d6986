/* timeweave tests: the csv source plugin.
 *
 * The plugin is loaded from the build tree (TW_BUILD_ROOT/plugins/csv/, and the json plugin for
 * the round trip) and run through a real TwJob on fixtures in the shapes real programs write:
 * timeweave's own export, hand-written tables, LibreOffice and Excel exports (UTF-8 with a byte
 * order mark, the Windows code page, UTF-16 "Unicode Text"), a bank statement with a preamble,
 * a headerless sensor log; RFC 4180's corners on small inline inputs; every time format; and
 * broken rows, with their warnings checked on a subprocess's stderr. */
#include <string.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwRegistry *registry;
static char *scratch; /* a temporary folder for inputs written by the tests */

/* Writes @length bytes of @content (-1: a string) to a file of the scratch folder. */
static char *
write_input_len(const char *name, const char *content, gssize length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename(scratch, name, NULL);
  g_assert_true(g_file_set_contents(path, content, length, &error));
  g_assert_no_error(error);
  return path;
}

static char *
write_input(const char *name, const char *content)
{
  return write_input_len(name, content, -1);
}

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

/* A job reading @path with @plugin and "key=value" @options, and exporting to @export_path in
 * @format when given. */
static TwJob *
new_job(const char *plugin, const char *path, const char *const *options, gboolean strict,
        const char *format, const char *export_path, GTimeZone *output_zone,
        const char *const *export_options)
{
  TwJob *job = tw_job_new(registry);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;

  split_options(options, keys, values);
  tw_job_set_strict(job, strict);
  tw_job_set_threads(job, 1);
  if (output_zone)
    tw_job_set_output_zone(job, output_zone);
  g_assert_true(tw_job_add_source(job, plugin, NULL, path, NULL, (const char *const *)keys->pdata,
                                  (const char *const *)values->pdata, &error));
  g_assert_no_error(error);
  if (format) {
    g_autoptr(GPtrArray) ekeys = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) evalues = g_ptr_array_new_with_free_func(g_free);
    split_options(export_options, ekeys, evalues);
    g_assert_true(tw_job_add_export(job, format, export_path, (const char *const *)ekeys->pdata,
                                    (const char *const *)evalues->pdata, &error));
    g_assert_no_error(error);
  }
  return job;
}

/* "key=value" @options that the source refuses when it is added (its TwComponentCheck), before
 * anything is read, with a #TW_OPTION_ERROR_VALUE beginning with @expected. */
static void
assert_refused(const char *path, const char *const *options, const char *expected)
{
  TwJob *job = tw_job_new(registry);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  split_options(options, keys, values);
  g_assert_false(tw_job_add_source(job, "csv", NULL, path, NULL, (const char *const *)keys->pdata,
                                   (const char *const *)values->pdata, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
  if (!g_str_has_prefix(error->message, expected))
    g_error("expected '%s...', got '%s'", expected, error->message);
  tw_job_free(job);
}

static TwJob *
run_csv(const char *path, const char *const *options, gboolean strict, gboolean *ok, GError **error)
{
  TwJob *job = new_job("csv", path, options, strict, NULL, NULL, NULL, NULL);
  *ok = tw_job_run(job, error);
  return job;
}

static TwJob *
run_ok(const char *path, const char *const *options)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_csv(path, options, FALSE, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  return job;
}

/* The run's failure message, which must be one line beginning with `PATH:` + @expected. */
static void
assert_fails(const char *path, const char *const *options, const char *expected)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_csv(path, options, FALSE, &ok, &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  g_autofree char *prefix = g_strdup_printf("%s%s", path, expected);
  if (!g_str_has_prefix(error->message, prefix))
    g_error("expected '%s...', got '%s'", prefix, error->message);
  g_assert_null(strchr(error->message, '\n'));
  tw_job_free(job);
}

static guint
n_events(const TwJob *job)
{
  return tw_timeline_get_n_events(tw_job_get_timeline(job));
}

/* The event with @title (there must be exactly one). */
static const TwEvent *
event_by_title(const TwJob *job, const char *title)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  const TwEvent *found = NULL;
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    if (strcmp(tw_event_get_title(e), title) == 0) {
      if (found)
        g_error("two events titled '%s'", title);
      found = e;
    }
  }
  if (!found)
    g_error("no event titled '%s'", title);
  return found;
}

static gint64
utc(int year, int month, int day, int hour, int minute, int second)
{
  return tw_civil_to_usec(year, month, day, hour, minute, second);
}

static const char *
attribute(const TwEvent *e, const char *key)
{
  return tw_event_lookup_attribute(e, key);
}

/* -- timeweave's names and the common ones -- */

static void
test_timeweave_names(void)
{
  g_autofree char *path = tw_test_fixture("csv/events.csv");
  TwJob *job = run_ok(path, NULL);
  const TwEvent *e;

  g_assert_cmpuint(n_events(job), ==, 5);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  g_assert_cmpstr(tw_job_get_source_name(job, 0), ==, "events");

  e = event_by_title(job, "Kickoff");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_EXACT);
  g_assert_false(tw_event_is_floating(e));
  g_assert_null(tw_event_get_zone(e));
  g_assert_cmpstr(tw_event_get_kind(e), ==, "meeting");
  g_assert_cmpuint(tw_event_get_n_tags(e), ==, 2);
  g_assert_cmpstr(tw_event_get_tag(e, 0), ==, "board");
  g_assert_cmpstr(tw_event_get_tag(e, 1), ==, "budget"); /* "board; budget": trimmed */
  g_assert_cmpuint(tw_event_get_n_actors(e), ==, 2);
  g_assert_cmpstr(tw_event_get_actor(e, 1), ==, "Bob");
  g_assert_null(tw_event_get_description(e));
  /* Other non-empty cells are attributes; empty ones are not. */
  g_assert_cmpuint(tw_event_get_n_attributes(e), ==, 1);
  g_assert_cmpstr(attribute(e, "amount"), ==, "100");

  e = event_by_title(job, "Contract signed, finally");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 14, 0, 0, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 15, 0, 0, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_DAY);
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpstr(tw_event_get_description(e), ==, "Signed by both \"parties\"");
  g_assert_cmpstr(attribute(e, "note"), ==, "a note\nover two lines");

  e = event_by_title(job, "Plan for the year");
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_YEAR);
  g_assert_cmpint(tw_event_get_qualifier(e), ==, TW_QUALIFIER_EARLY);
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 5, 1, 0, 0, 0));

  /* Spaces around unquoted cells are dropped; quoted ones keep them. */
  e = event_by_title(job, "naive minute");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 16, 9, 0, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_MINUTE);
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpstr(attribute(e, "note"), ==, " kept spaces ");

  /* An offset the text states is kept as the event's zone. */
  e = event_by_title(job, "Offset stated");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 17, 2, 30, 0));
  g_assert_cmpstr(tw_event_get_zone(e), ==, "+05:30");
  g_assert_cmpstr(attribute(e, "amount"), ==, "-3");
  tw_job_free(job);

  /* Two rows alike are two events: ids hash the row's line, not its content. */
  g_autofree char *twice = write_input("twice.csv", "date,title\n2026-02-13,Coffee\n"
                                                    "2026-02-13,Coffee\n");
  job = run_ok(twice, NULL);
  g_assert_cmpuint(n_events(job), ==, 2);
  g_assert_cmpstr(tw_event_get_id(tw_timeline_get_event(tw_job_get_timeline(job), 0)), !=,
                  tw_event_get_id(tw_timeline_get_event(tw_job_get_timeline(job), 1)));
  tw_job_free(job);
}

/* An attributes cell's integer beyond 64 bits is read as a floating-point number, as the json
 * source reads it, not wrapped around (18446744073709551615 was -1). */
static void
test_attributes_big_integers(void)
{
  g_autofree char *path = write_input(
      "big.csv", "date,title,attributes\n2026-01-01,a,\"{\"\"n\"\": 18446744073709551615, "
                 "\"\"m\"\": 9223372036854775807}\"\n");
  TwJob *job = run_ok(path, NULL);
  const TwEvent *e = event_by_title(job, "a");
  g_assert_cmpstr(attribute(e, "n"), ==, "1.8446744073709552e+19");
  g_assert_cmpstr(attribute(e, "m"), ==, "9223372036854775807");
  tw_job_free(job);
}

static void
test_common_names(void)
{
  g_autofree char *path = tw_test_fixture("csv/common-names.csv");
  TwJob *job = run_ok(path, NULL);
  const TwEvent *e;

  g_assert_cmpuint(n_events(job), ==, 2);
  e = event_by_title(job, "naive timestamp");
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0));
  g_assert_cmpstr(attribute(e, "host"), ==, "web01");
  g_assert_cmpstr(attribute(e, "severity"), ==, "info");
  e = event_by_title(job, "from timestamp");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0) + 500000);
  tw_job_free(job);

  /* The same with a zone for the naive time: the zone is recorded. */
  const char *zoned[] = {"timezone=America/New_York", NULL};
  job = run_ok(path, zoned);
  e = event_by_title(job, "naive timestamp");
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 15, 30, 0));
  g_assert_cmpstr(tw_event_get_zone(e), ==, "America/New_York");
  /* A time that states its zone keeps it. */
  e = event_by_title(job, "from timestamp");
  g_assert_null(tw_event_get_zone(e));
  tw_job_free(job);

  /* Date and Time columns (any case) are joined; DST in Europe/Berlin: the spring gap is read
   * with the offset before it (02:30 is 01:30Z), the doubled autumn hour as its first pass. */
  g_autofree char *dt = tw_test_fixture("csv/date-and-time.csv");
  const char *berlin[] = {"title=Subject", "timezone=Europe/Berlin", NULL};
  job = run_ok(dt, berlin);
  g_assert_cmpuint(n_events(job), ==, 3);
  e = event_by_title(job, "Standup");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 30, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_MINUTE);
  g_assert_cmpstr(tw_event_get_location(e), ==, "Room 4");
  g_assert_cmpstr(tw_event_get_zone(e), ==, "Europe/Berlin");
  e = event_by_title(job, "In the spring gap");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 3, 29, 1, 30, 0));
  e = event_by_title(job, "Twice at night");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 10, 25, 0, 30, 0));
  tw_job_free(job);

  /* A calendar's all-day event leaves its Time cell empty: it is that day, not a row without
   * a date. */
  g_autofree char *all_day =
      write_input("all-day.csv", "Date,Time,Title\n2026-02-13,,Holiday\n2026-02-14,10:30,Call\n");
  job = run_ok(all_day, NULL);
  g_assert_cmpuint(n_events(job), ==, 2);
  e = event_by_title(job, "Holiday");
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_DAY);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 0, 0, 0));
  e = event_by_title(job, "Call");
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_MINUTE);
  tw_job_free(job);
}

/* -- spreadsheets -- */

/* Outlook's calendar export: start and end each in a date and a time column, 12-hour times. */
static void
test_outlook_calendar(void)
{
  g_autofree char *path = tw_test_fixture("csv/outlook-calendar.csv");
  const char *options[] = {"time=Start Date;Start Time",
                           "end=End Date;End Time",
                           "time-format=%m/%d/%Y %I:%M:%S %p",
                           "timezone=America/New_York",
                           "title=Subject",
                           "tags=Categories",
                           NULL};
  TwJob *job = run_ok(path, options);
  g_assert_cmpuint(n_events(job), ==, 4);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  const TwEvent *e = event_by_title(job, "Quarterly review");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 15, 30, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 13, 17, 0, 0));
  g_assert_true(tw_event_has_tag(e, "Reviews"));
  g_assert_cmpstr(tw_event_get_location(e), ==, "Room 4.12");
  /* Across midnight: the end's own date counts. */
  e = event_by_title(job, "Overnight deploy");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 18, 4, 0, 0));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 18, 6, 30, 0));
  e = event_by_title(job, "Company holiday");
  g_assert_cmpint(tw_event_get_end(e) - tw_event_get_start(e), ==,
                  (gint64)24 * 3600 * G_USEC_PER_SEC);
  /* Empty end cells: no end. */
  e = event_by_title(job, "Reminder only");
  g_assert_cmpint(tw_event_get_end(e), ==, tw_event_get_start(e));
  tw_job_free(job);

  /* A pattern needs the end's time too; an end before the start is named by its first column. */
  g_autofree char *half = write_input(
      "half.csv", "Subject,Start Date,Start Time,End Date,End Time,Categories\n"
                  "a,2/13/2026,10:30:00 AM,2/13/2026,,x\nb,2/13/2026,10:30:00 AM,2/12/2026,"
                  "10:30:00 AM,x\nc,2/13/2026,10:30:00 AM,2/13/2026,11:00:00 AM,x\n");
  job = run_ok(half, options);
  g_assert_cmpuint(n_events(job), ==, 1);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
  tw_job_free(job);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  job = run_csv(half, options, TRUE, &ok, &error);
  g_assert_false(ok);
  g_autofree char *want = g_strdup_printf("%s:2: no end: 'End Time' is empty", half);
  if (!g_str_has_prefix(error->message, want))
    g_error("expected '%s...', got '%s'", want, error->message);
  tw_job_free(job);
  g_autofree char *before =
      write_input("before.csv", "Subject,Start Date,Start Time,End Date,End Time,Categories\n"
                                "b,2/13/2026,10:30:00 AM,2/12/2026,10:30:00 AM,x\n");
  g_clear_error(&error);
  job = run_csv(before, options, TRUE, &ok, &error);
  g_assert_false(ok);
  g_autofree char *want_before = g_strdup_printf("%s:2: 'End Date' is before the start", before);
  if (!g_str_has_prefix(error->message, want_before))
    g_error("expected '%s...', got '%s'", want_before, error->message);
  tw_job_free(job);
}

static void
test_libreoffice(void)
{
  g_autofree char *path = tw_test_fixture("csv/libreoffice-de.csv");
  const char *options[] = {"time=Datum",
                           "time-format=%d.%m.%Y %H:%M:%S",
                           "timezone=Europe/Berlin",
                           "title=Beschreibung",
                           "tags=Kategorie",
                           NULL};
  TwJob *job = run_ok(path, options);
  g_assert_cmpuint(n_events(job), ==, 2);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  const TwEvent *e = event_by_title(job, "Miete Februar");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 30, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_EXACT);
  g_assert_cmpstr(tw_event_get_tag(e, 0), ==, "Wohnen");
  g_assert_cmpstr(attribute(e, "Betrag"), ==, "-1200,5"); /* the decimal comma, as written */
  e = event_by_title(job, "Bäckerei \"Zum Korn\"");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 14, 7, 15, 0));
  tw_job_free(job);
}

static void
test_excel_utf8_bom(void)
{
  g_autofree char *path = tw_test_fixture("csv/excel-en-us-utf8-bom.csv");
  const char *options[] = {"time-format=%m/%d/%Y %H:%M", "title=Event", "timezone=America/New_York",
                           NULL};
  TwJob *job = run_ok(path, options);
  g_assert_cmpuint(n_events(job), ==, 3);
  /* The byte order mark is not part of the first column's name: Date is found. */
  const TwEvent *e = event_by_title(job, "Kickoff");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 15, 30, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_MINUTE);
  /* Alt+Enter inside a cell is a LF inside quotes, rows end with CRLF. */
  g_assert_cmpstr(attribute(e, "Notes"), ==, "Line one\nLine two");
  g_assert_cmpstr(attribute(e, "Amount"), ==, "1234.5");
  g_assert_cmpstr(attribute(e, "Owner"), ==, "Alice");
  e = event_by_title(job, "Review");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 14, 14, 5, 0)); /* 9:05, one digit */
  g_assert_null(attribute(e, "Amount"));
  e = event_by_title(job, "Release \"v2\"");
  g_assert_cmpstr(attribute(e, "Notes"), ==, "comma, inside");
  g_assert_cmpstr(attribute(e, "Amount"), ==, "-12");
  tw_job_free(job);
}

static void
test_excel_windows_1252(void)
{
  g_autofree char *path = tw_test_fixture("csv/excel-de-windows-1252.csv");
  const char *options[] = {
      "encoding=windows-1252",  "time=Datum;Uhrzeit", "time-format=%d.%m.%Y %H:%M",
      "timezone=Europe/Berlin", "title=Vorgang",      NULL};
  TwJob *job = run_ok(path, options);
  g_assert_cmpuint(n_events(job), ==, 2);
  const TwEvent *e = event_by_title(job, "Überweisung Müller");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 30, 0));
  g_assert_cmpstr(attribute(e, "Betrag (€)"), ==, "1.234,56");
  g_assert_null(attribute(e, "Bemerkung"));
  e = event_by_title(job, "Gebühr; Konto");
  g_assert_cmpstr(attribute(e, "Bemerkung"), ==, "Monat \"Feb\"");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 14, 7, 5, 0));
  tw_job_free(job);

  /* Read as UTF-8, the same bytes are not: they become U+FFFD, and nothing fails. */
  const char *as_utf8[] = {"time=Datum;Uhrzeit", "time-format=%d.%m.%Y %H:%M", "title=Vorgang",
                           NULL};
  job = run_ok(path, as_utf8);
  event_by_title(job, "\xef\xbf\xbd"
                      "berweisung M\xef\xbf\xbd"
                      "ller");
  tw_job_free(job);
}

static void
test_excel_unicode_text(void)
{
  g_autofree char *path = tw_test_fixture("csv/excel-unicode-text.txt");
  const char *options[] = {"title=Title", NULL};
  /* UTF-16LE, recognised by its byte order mark; tab-separated. */
  TwJob *job = run_ok(path, options);
  g_assert_cmpuint(n_events(job), ==, 2);
  const TwEvent *e = event_by_title(job, "Kickoff ✓");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0));
  g_assert_cmpstr(attribute(e, "Who"), ==, "Zoë");
  event_by_title(job, "Tab\tinside");
  tw_job_free(job);

  /* Named explicitly. */
  const char *named[] = {"title=Title", "encoding=utf-16", NULL};
  job = run_ok(path, named);
  g_assert_cmpuint(n_events(job), ==, 2);
  tw_job_free(job);
}

static void
test_bank_statement(void)
{
  g_autofree char *path = tw_test_fixture("csv/bank-statement.csv");
  const char *options[] = {"skip=4", "time=Buchungstag", "time-format=%d.%m.%Y",
                           "title=Buchungstext", NULL};
  TwJob *job = run_ok(path, options);
  /* The same payment twice on a day is two rows, and two events. */
  g_assert_cmpuint(n_events(job), ==, 3);
  const TwEvent *e = event_by_title(job, "Gehalt");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 14, 0, 0, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_DAY);
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpstr(attribute(e, "Valuta"), ==, "15.02.2026");
  g_assert_cmpstr(attribute(e, "Betrag"), ==, "3.500,00"); /* a quoted number */
  tw_job_free(job);

  /* Without skip, the preamble is the header: no time column. */
  assert_fails(path, NULL,
               ":1: no time column (none is named date, start, datetime, timestamp "
               "or time): name it with time=COLUMN");
}

static void
test_spreadsheet_serial(void)
{
  g_autofree char *path = tw_test_fixture("csv/spreadsheet-serial.csv");
  const char *options[] = {"time=Serial", "time-format=serial", NULL};
  TwJob *job = run_ok(path, options);
  g_assert_cmpuint(n_events(job), ==, 3);
  /* 46066,4375 (a decimal comma) is 2026-02-13 10:30; a whole number is a day. */
  const TwEvent *e = event_by_title(job, "Meeting at 10:30");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0));
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_EXACT);
  g_assert_true(tw_event_is_floating(e));
  e = event_by_title(job, "Whole day");
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_DAY);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 0, 0, 0));
  e = event_by_title(job, "Earliest reliable serial");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(1900, 3, 1, 0, 0, 0));
  tw_job_free(job);
}

/* -- shapes -- */

static void
test_no_header(void)
{
  g_autofree char *path = tw_test_fixture("csv/sensor-no-header.psv");
  const char *options[] = {"header=false", "time=1", "time-format=unix-ms", "title=4", NULL};
  TwJob *job = run_ok(path, options);
  g_assert_cmpuint(n_events(job), ==, 2);
  const TwEvent *e = tw_timeline_get_event(tw_job_get_timeline(job), 0);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0) + 123000);
  g_assert_cmpstr(tw_event_get_title(e), ==, "temperature reading");
  g_assert_cmpstr(attribute(e, "column2"), ==, "21.5");
  g_assert_cmpstr(attribute(e, "column3"), ==, "room1");
  tw_job_free(job);

  const char *no_time[] = {"header=false", NULL};
  assert_fails(path, no_time, ":1: header=false: name the time column by its number, e.g. time=1");
  const char *no_title[] = {"header=false", "time=1", "time-format=unix-ms", NULL};
  assert_fails(path, no_title,
               ":1: header=false: name the title column by its number, e.g. title=2");
  const char *out_of_range[] = {"header=false", "time=9", NULL};
  assert_fails(path, out_of_range,
               ":1: option time=9: no such column (the columns are 1, 2, 3, 4; a number "
               "counts from 1)");
}

/* Records on one line are split by a path of their own (read_line_record()), which must give
 * what the field-by-field parse gives: white space around fields, a tab that delimits or not,
 * quotes closed before spaces or the line's end, empty fields at either end, a quote inside an
 * unquoted field; and the lines it leaves to that parse (a doubled quote, text after a closing
 * quote) beside them. */
static void
test_fields_on_one_line(void)
{
  static const struct {
    const char *option, *text;
    const char *a, *b, *c; /* NULL: no attribute (an empty field) */
  } cases[] = {
      {NULL, "date,title,a,b,c\n2026-02-13,t,  x  ,\"q\"  ,\n", "x", "q", NULL},
      {NULL, "date,title,a,b,c\n2026-02-13,t,\t\"q,1\"\t,x\"y,\" \"\n", "q,1", "x\"y", " "},
      {NULL, "date,title,a,b,c\n2026-02-13,t,,, z\r\n", NULL, NULL, "z"},
      {NULL, "date,title,a,b,c\n2026-02-13,t,\"\"\"\",\"a\"b,\"\"\n", "\"", "ab", NULL},
      {"delimiter=tab", "date\ttitle\ta\tb\tc\n2026-02-13\tt\t \"q\" \t\t x \n", "q", NULL, "x"},
      {"delimiter=tab", "date\ttitle\ta\tb\tc\n2026-02-13\tt\t\"q\"\t\"\"\t\"r\"", "q", NULL, "r"},
      {"delimiter=tab", "date\ttitle\ta\tb\tc\n2026-02-13\tt\t\tx\ty\n", NULL, "x", "y"},
      {"delimiter=;", "date;title;a;b;c\n2026-02-13;t;\"1,5\";\t\t;x\ty\n", "1,5", NULL, "x\ty"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("one-line-%u.csv", i);
    g_autofree char *path = write_input(name, cases[i].text);
    const char *options[] = {cases[i].option, NULL};
    TwJob *job = run_ok(path, options);
    g_assert_cmpuint(n_events(job), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
    const TwEvent *e = event_by_title(job, "t");
    g_assert_cmpstr(attribute(e, "a"), ==, cases[i].a);
    g_assert_cmpstr(attribute(e, "b"), ==, cases[i].b);
    g_assert_cmpstr(attribute(e, "c"), ==, cases[i].c);
    tw_job_free(job);
  }
}

static void
test_delimiters(void)
{
  g_autofree char *tsv = tw_test_fixture("csv/tabs.tsv");
  TwJob *job = run_ok(tsv, NULL);
  g_assert_cmpuint(n_events(job), ==, 1);
  g_assert_cmpstr(attribute(event_by_title(job, "Tabbed"), "comment"), ==, "has\ta tab");
  tw_job_free(job);

  /* Each delimiter by name, and sniffed; quotes hide a delimiter from the sniffer. */
  static const struct {
    const char *option;
    const char *text;
  } cases[] = {
      {"delimiter=;", "date;title;\"x,y,z\"\n2026-02-13;semi;1,5\n"},
      {"delimiter=semicolon", "date;title\n2026-02-13;semi\n"},
      {"delimiter=,", "date,title\n2026-02-13,comma\n"},
      {"delimiter=comma", "date,title\n2026-02-13,comma\n"},
      {"delimiter=tab", "date\ttitle\n2026-02-13\ttab\n"},
      {"delimiter=|", "date|title\n2026-02-13|pipe\n"},
      {"delimiter=pipe", "date|title\n2026-02-13|pipe\n"},
      {"delimiter=auto", "\"a,b\";date;title\nx;2026-02-13;sniffed\n"},
      {NULL, "date|title|\"x;y;z\"\n2026-02-13|sniffed|1\n"},
      /* Excel's `sep=` line names the delimiter and is no header, given or sniffed. */
      {NULL, "\xef\xbb\xbfsep=;\r\ndate;title\r\n2026-02-13;a,b\r\n"},
      {"delimiter=;", "sep=;\ndate;title\n2026-02-13;a,b\n"},
      {NULL, "SEP=|\ndate|title\n2026-02-13|a;b,c\n"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("delimiter-%u.csv", i);
    g_autofree char *path = write_input(name, cases[i].text);
    const char *options[] = {cases[i].option, NULL};
    job = run_ok(path, options);
    g_assert_cmpuint(n_events(job), ==, 1);
    g_assert_cmpint(tw_event_get_start(tw_timeline_get_event(tw_job_get_timeline(job), 0)), ==,
                    utc(2026, 2, 13, 0, 0, 0));
    tw_job_free(job);
  }

  /* The wrong delimiter: one column, no time column. */
  g_autofree char *semi = write_input("semi.csv", "date;title\n2026-02-13;x\n");
  const char *comma[] = {"delimiter=,", NULL};
  assert_fails(semi, comma, ":1: no time column");
  const char *bad[] = {"delimiter=:", NULL};
  assert_refused(semi, bad, "option 'delimiter' of csv: ':' is not one of");
}

/* RFC 4180's rules and the lenient readings of what it leaves open, cell by cell. */
static void
test_rfc4180(void)
{
  static const char text[] = "\xef\xbb\xbf"
                             "date,title,a,b\r\n"
                             "2026-02-13,one,\"x, \"\"quoted\"\" y\",plain\r\n"
                             "\r\n"
                             "2026-02-14,two,\"crlf\r\ninside\",\"\"\r\n"
                             "2026-02-15,three,\"lf\ninside\nthrice\", spaced \n"
                             "2026-02-16,four,\"closed\"after,in\"side\n"
                             "2026-02-17,five,  \"  quoted with spaces  \"  ,\"\"\"\"\n"
                             "2026-02-18,six,\"\",\n"
                             "2026-02-19,seven,last,no newline at the end";
  g_autofree char *path = write_input("rfc4180.csv", text);
  TwJob *job = run_ok(path, NULL);
  const TwEvent *e;

  g_assert_cmpuint(n_events(job), ==, 7);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  e = event_by_title(job, "one");
  g_assert_cmpstr(attribute(e, "a"), ==, "x, \"quoted\" y");
  g_assert_cmpstr(attribute(e, "b"), ==, "plain");
  /* A line break inside quotes is read as LF, whatever the file used. */
  e = event_by_title(job, "two");
  g_assert_cmpstr(attribute(e, "a"), ==, "crlf\ninside");
  g_assert_null(attribute(e, "b")); /* "" is empty: no attribute */
  e = event_by_title(job, "three");
  g_assert_cmpstr(attribute(e, "a"), ==, "lf\ninside\nthrice");
  g_assert_cmpstr(attribute(e, "b"), ==, "spaced");
  /* Text after a closing quote is appended; a quote inside an unquoted field is a character. */
  e = event_by_title(job, "four");
  g_assert_cmpstr(attribute(e, "a"), ==, "closedafter");
  g_assert_cmpstr(attribute(e, "b"), ==, "in\"side");
  e = event_by_title(job, "five");
  g_assert_cmpstr(attribute(e, "a"), ==, "  quoted with spaces  ");
  g_assert_cmpstr(attribute(e, "b"), ==, "\"");
  event_by_title(job, "six");
  e = event_by_title(job, "seven");
  g_assert_cmpstr(attribute(e, "b"), ==, "no newline at the end");
  tw_job_free(job);

  /* A title cell of several lines: the first is the title, all of them the description. */
  g_autofree char *multi =
      write_input("multi-title.csv", "date,title\n2026-02-13,\"Headline\nand more\"\n");
  job = run_ok(multi, NULL);
  e = event_by_title(job, "Headline");
  g_assert_cmpstr(tw_event_get_description(e), ==, "Headline\nand more");
  tw_job_free(job);

  /* Repeated and empty header names become unique attribute keys. */
  g_autofree char *names = write_input("names.csv", "date,title,x,x,,x\n2026-02-13,t,1,2,3,4\n");
  job = run_ok(names, NULL);
  e = event_by_title(job, "t");
  g_assert_cmpstr(attribute(e, "x"), ==, "1");
  g_assert_cmpstr(attribute(e, "x_2"), ==, "2");
  g_assert_cmpstr(attribute(e, "column5"), ==, "3");
  g_assert_cmpstr(attribute(e, "x_3"), ==, "4");
  tw_job_free(job);

  /* An empty file, or one of blank lines, has no events and is no error. */
  g_autofree char *empty = write_input("empty.csv", "");
  job = run_ok(empty, NULL);
  g_assert_cmpuint(n_events(job), ==, 0);
  tw_job_free(job);
  g_autofree char *blank = write_input("blank.csv", "\n\r\n\n");
  job = run_ok(blank, NULL);
  g_assert_cmpuint(n_events(job), ==, 0);
  tw_job_free(job);
}

/* -- times -- */

static void
test_time_formats(void)
{
  static const struct {
    const char *format;
    const char *cell;
    gint64 start;
    TwPrecision precision;
    gboolean floating;
    const char *zone;
  } cases[] = {
      {"iso", "2026-02-13T11:30:00+01:00", 0, TW_PRECISION_EXACT, FALSE, "+01:00"},
      {"iso", "2026-02-13 10:30:00,250", 250000, TW_PRECISION_EXACT, TRUE, NULL},
      {"iso", "2026-Q1", -1, TW_PRECISION_QUARTER, TRUE, NULL},
      {"unix-s", "1770978600", 0, TW_PRECISION_EXACT, FALSE, NULL},
      {"unix-s", "1770978600,5", 500000, TW_PRECISION_EXACT, FALSE, NULL},
      {"unix-s", "1770978600.000001", 1, TW_PRECISION_EXACT, FALSE, NULL},
      {"unix-ms", "1770978600123", 123000, TW_PRECISION_EXACT, FALSE, NULL},
      {"unix-us", "1770978600123456", 123456, TW_PRECISION_EXACT, FALSE, NULL},
      {"unix-ns", "1770978600123456789", 123456, TW_PRECISION_EXACT, FALSE, NULL},
      {"%d/%m/%Y %H:%M", "13/02/2026 10:30", 0, TW_PRECISION_MINUTE, TRUE, NULL},
      {"%d.%m.%y", "13.02.26", -2, TW_PRECISION_DAY, TRUE, NULL},
      {"%b %d, %Y %I:%M %p", "Feb 13, 2026 10:30 AM", 0, TW_PRECISION_MINUTE, TRUE, NULL},
      {"%B %e %Y %I:%M:%S%p", "february  13 2026 10:30:00pm", 12 * 3600 * TW_USEC_PER_SEC,
       TW_PRECISION_EXACT, TRUE, NULL},
      {"%a, %d %b %Y %T %z", "Fri, 13 Feb 2026 11:30:00 +0100", 0, TW_PRECISION_EXACT, FALSE,
       "+01:00"},
      {"%FT%T.%f%z", "2026-02-13T10:30:00.5Z", 500000, TW_PRECISION_EXACT, FALSE, NULL},
      {"%Y-%m-%d %H:%M:%S %Z", "2026-02-13 11:30:00 Europe/Berlin", 0, TW_PRECISION_EXACT, FALSE,
       "+01:00"},
      {"%Y-%m-%d %H:%M:%S %Z", "2026-02-13 10:30:00 UTC", 0, TW_PRECISION_EXACT, FALSE, NULL},
      {"%Y%j %H", "2026044 10", -3, TW_PRECISION_HOUR, TRUE, NULL},
      {"%s", "1770978600", 0, TW_PRECISION_EXACT, FALSE, NULL},
      {"%m/%Y", "2/2026", -4, TW_PRECISION_MONTH, TRUE, NULL},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("time-%u.csv", i);
    g_autofree char *content = g_strdup_printf("when|title\n%s|t\n", cases[i].cell);
    g_autofree char *path = write_input(name, content);
    g_autofree char *format = g_strdup_printf("time-format=%s", cases[i].format);
    const char *options[] = {"time=when", format, NULL};
    g_test_message("%s %s", cases[i].format, cases[i].cell);
    TwJob *job = run_ok(path, options);
    g_assert_cmpuint(n_events(job), ==, 1);
    const TwEvent *e = tw_timeline_get_event(tw_job_get_timeline(job), 0);
    gint64 expected = cases[i].start == -1   ? utc(2026, 1, 1, 0, 0, 0)
                      : cases[i].start == -2 ? utc(2026, 2, 13, 0, 0, 0)
                      : cases[i].start == -3 ? utc(2026, 2, 13, 10, 0, 0)
                      : cases[i].start == -4 ? utc(2026, 2, 1, 0, 0, 0)
                                             : utc(2026, 2, 13, 10, 30, 0) + cases[i].start;
    g_assert_cmpint(tw_event_get_start(e), ==, expected);
    g_assert_cmpint(tw_event_get_precision(e), ==, cases[i].precision);
    g_assert_cmpint(tw_event_is_floating(e), ==, cases[i].floating);
    g_assert_cmpstr(tw_event_get_zone(e), ==, cases[i].zone);
    tw_job_free(job);
  }
}

static void
test_time_format_warnings(void)
{
  /* A time that does not fit its format is a warning with the reason. */
  if (g_test_subprocess()) {
    g_autofree char *path =
        write_input("misfit.csv", "when,title\n13/02/2026,slashes\n2026-02-13,fits\n"
                                  "31/02/2026,impossible\n99999999999999999999,huge\n"
                                  "02/13/2026,month first\n");
    const char *options[] = {"time=when", "time-format=%d/%m/%Y", NULL};
    TwJob *job = run_ok(path, options);
    g_assert_cmpuint(n_events(job), ==, 1);
    tw_job_free(job);
    const char *unix_options[] = {"time=when", "time-format=unix-s", NULL};
    job = run_ok(path, unix_options);
    g_assert_cmpuint(n_events(job), ==, 0);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*misfit.csv:3: warning: bad date in 'when': '2026-02-13' does not "
                            "match time-format '%d/%m/%Y' at '26-02-13'*");
  g_test_trap_assert_stderr("*misfit.csv:4: warning: bad date in 'when': day 31 is out of range "
                            "(February 2026 has 28 days)*");
  g_test_trap_assert_stderr("*misfit.csv:2: warning: bad date in 'when': '13/02/2026' is not a "
                            "number of seconds*");
  g_test_trap_assert_stderr(
      "*misfit.csv:5: warning: bad date in 'when': '99999999999999999999' is out of range as a "
      "unix time*");
  /* A field out of range says so, not where the text stopped matching. */
  g_test_trap_assert_stderr("*misfit.csv:6: warning: bad date in 'when': '02/13/2026': month 13 "
                            "is out of range (1-12) in time-format '%d/%m/%Y'*");

  /* Formats refused before any row is read. */
  g_autofree char *path = write_input("any.csv", "date,title\n2026-02-13,x\n");
  static const struct {
    const char *option;
    const char *message;
  } bad[] = {
      {"time-format=%Q", "time-format '%Q': %Q is not a directive timeweave reads"},
      {"time-format=dd.mm.yyyy", "time-format 'dd.mm.yyyy' is none of iso, unix-s"},
      {"time-format=%d.%m %H:%M", "option 'time-format' of csv: '%d.%m %H:%M' has no year"},
      {"encoding=klingon", "option 'encoding' of csv: 'klingon' is not an encoding"},
      {"skip=-1", "option 'skip' of csv: -1 is negative"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    const char *options[] = {bad[i].option, NULL};
    assert_refused(path, options, bad[i].message);
  }
}

/* -- timeweave's own export reads back -- */

static char *
read_file(const char *path)
{
  char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, &error));
  g_assert_no_error(error);
  return text;
}

/* json -> @export_options csv -> csv source -> json: the same document as json -> json (events
 * dated 9999 too, whose end is past the last instant). */
static void
round_trip(const char *const *export_options, const char *const *source_options, GTimeZone *zone,
           const char *tag)
{
  g_autofree char *fixture = tw_test_fixture("csv/roundtrip.json");
  g_autofree char *name_direct = g_strdup_printf("direct-%s.json", tag);
  g_autofree char *name_csv = g_strdup_printf("export-%s.csv", tag);
  g_autofree char *name_back = g_strdup_printf("back-%s.json", tag);
  g_autofree char *direct = g_build_filename(scratch, name_direct, NULL);
  g_autofree char *csv = g_build_filename(scratch, name_csv, NULL);
  g_autofree char *back = g_build_filename(scratch, name_back, NULL);
  g_autoptr(GError) error = NULL;
  TwJob *job;

  job = new_job("json", fixture, NULL, TRUE, "json", direct, zone, NULL);
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);
  guint n = n_events(job);
  g_assert_cmpuint(n, ==, 18);
  tw_job_free(job);

  job = new_job("json", fixture, NULL, TRUE, "csv", csv, zone, export_options);
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);
  tw_job_free(job);

  /* The csv source names its events' source "export-..." unless the table says otherwise: the
   * export's source column does. --strict: not one warning. */
  job = new_job("csv", csv, source_options, TRUE, "json", back, zone, NULL);
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(n_events(job), ==, n);
  tw_job_free(job);

  g_autofree char *expected = read_file(direct);
  g_autofree char *got = read_file(back);
  g_assert_cmpstr(got, ==, expected);
}

static void
test_round_trip(void)
{
  round_trip(NULL, NULL, NULL, "plain");
  /* Excel's shapes: a byte order mark and semicolons; times in an output zone. */
  g_autoptr(GTimeZone) kolkata = tw_zone_new("Asia/Kolkata", NULL);
  const char *excel[] = {"bom=true", "delimiter=;", NULL};
  round_trip(excel, NULL, kolkata, "excel");
  /* Without the formula escape, and tab-separated: read back without taking one off (text
   * that begins with `'=` would lose its quote otherwise). */
  const char *verbatim[] = {"formula-escape=false", "delimiter=tab", NULL};
  const char *as_written[] = {"formula-unescape=false", NULL};
  round_trip(verbatim, as_written, NULL, "verbatim");

  /* What the round trip carried, looked at directly. */
  g_autofree char *csv = g_build_filename(scratch, "export-plain.csv", NULL);
  TwJob *job = run_ok(csv, NULL);
  const TwEvent *e = event_by_title(job, "=HYPERLINK(\"http://evil\")");
  g_assert_cmpstr(tw_event_get_id(e), ==, "formulas");
  g_assert_cmpstr(tw_event_get_description(e), ==, "-5 degrees");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "+1");
  g_assert_cmpstr(tw_event_get_tag(e, 0), ==, "@home");
  g_assert_cmpstr(attribute(e, "offset"), ==, "+01:00");
  g_assert_cmpstr(attribute(e, "quote"), ==, "'kept");
  /* Text that began with quotes before a formula's character keeps them all. */
  g_assert_cmpstr(tw_event_get_location(e), ==, "'=literal");
  g_assert_cmpstr(tw_event_get_url(e), ==, "''@x");
  e = event_by_title(job, "early 2025 plan");
  g_assert_cmpint(tw_event_get_qualifier(e), ==, TW_QUALIFIER_EARLY);
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_YEAR);
  e = event_by_title(job, "a span of days");
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 3, 5, 0, 0, 0));
  e = event_by_title(job, "Zoë’s café – ✓");
  g_assert_cmpstr(tw_event_get_source(e), ==, "elsewhere");
  e = event_by_title(job, "Board meeting, budget \"final\"");
  g_assert_cmpstr(tw_event_get_zone(e), ==, "Europe/Berlin");
  g_assert_cmpstr(tw_event_get_location(e), ==, "Room 1; 2nd floor");
  g_assert_cmpstr(attribute(e, "cost"), ==, "1.234,50");
  tw_job_free(job);

  /* formula-unescape=false keeps the escape; a foreign table is not unescaped by default. */
  const char *keep[] = {"formula-unescape=false", NULL};
  job = run_ok(csv, keep);
  event_by_title(job, "'=HYPERLINK(\"http://evil\")");
  tw_job_free(job);
  g_autofree char *foreign = write_input("foreign.csv", "date,title,x\n2026-02-13,'=1+1,'-5\n");
  job = run_ok(foreign, NULL);
  e = event_by_title(job, "'=1+1");
  g_assert_cmpstr(attribute(e, "x"), ==, "'-5");
  tw_job_free(job);
  const char *force[] = {"formula-unescape=true", NULL};
  job = run_ok(foreign, force);
  e = event_by_title(job, "=1+1");
  g_assert_cmpstr(attribute(e, "x"), ==, "-5");
  tw_job_free(job);
}

/* -- broken rows -- */

static void
test_broken_warn(void)
{
  g_autofree char *path = tw_test_fixture("csv/broken.csv");
  if (g_test_subprocess()) {
    TwJob *job = run_ok(path, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 2);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 5);
    event_by_title(job, "fine");
    event_by_title(job, "padded"); /* trailing empty fields are a spreadsheet's padding */
    tw_job_free(job);
    g_autofree char *multi =
        write_input("multi-line.csv", "date,title\n2026-02-13,\"one\ntwo\nthree\"\nlonely\n"
                                      "2026-02-14,\"a\n\nb\"\n2026-13-01,bad\n");
    job = run_ok(multi, NULL);
    g_assert_cmpuint(n_events(job), ==, 2);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  static const char *const expected[] = {
      "3: warning: 4 fields where the header has 3",
      "4: warning: bad date in 'date': '2026-02-30' is not a date: day 30 is out of range "
      "(February 2026 has 28 days)",
      "5: warning: no date: 'date' is empty",
      "6: warning: no title: 'title' is empty",
      "8: warning: a quoted field is never closed: the quote opened on line 8 runs to the end "
      "of the file",
  };
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_autofree char *pattern = g_strdup_printf("*timeweave: %s:%s*", path, expected[i]);
    g_test_trap_assert_stderr(pattern);
  }
  g_autofree char *swallowed = g_strdup_printf("*%s:9:*", path);
  g_test_trap_assert_stderr_unmatched(swallowed);
  /* After rows of several lines, places are still physical lines. */
  g_test_trap_assert_stderr("*multi-line.csv:5: warning: 1 field where the header has 2*");
  g_test_trap_assert_stderr("*multi-line.csv:9: warning: bad date in 'date': *");
}

static void
test_broken_strict(void)
{
  g_autofree char *path = tw_test_fixture("csv/broken.csv");
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_csv(path, NULL, TRUE, &ok, &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_autofree char *expected = g_strdup_printf("%s:3: 4 fields where the header has 3", path);
  g_assert_cmpstr(error->message, ==, expected);
  tw_job_free(job);
}

/* Tables that cannot be read at all fail the run with one line. */
static void
test_broken_fatal(void)
{
  g_autofree char *no_time = write_input("no-time.csv", "when,title\n2026-02-13,x\n");
  assert_fails(no_time, NULL,
               ":1: no time column (none is named date, start, datetime, "
               "timestamp or time): name it with time=COLUMN");
  g_autofree char *no_title = write_input("no-title.csv", "\n\ndate,what\n2026-02-13,x\n");
  assert_fails(no_title, NULL,
               ":3: no title column (none is named title or message): name it "
               "with title=COLUMN");
  const char *unknown[] = {"title=Subject", NULL};
  assert_fails(no_title, unknown,
               ":3: option title=Subject: no such column (the columns are date, what; a number "
               "counts from 1)");
  const char *twice[] = {"title=what", "kind=what", NULL};
  assert_fails(no_title, twice,
               ":3: option kind: column 'what' is already mapped to another field");
  g_autofree char *header = write_input("open-header.csv", "date,\"title\n2026-02-13,x\n");
  assert_fails(header, NULL,
               ":1: the header's quoted field is never closed: the quote runs to the end of the "
               "file");
  g_autofree char *missing = g_build_filename(scratch, "missing.csv", NULL);
  assert_fails(missing, NULL, ": no such file");
  g_autofree char *dir = g_build_filename(scratch, "a-folder.csv", NULL);
  g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
  assert_fails(dir, NULL, ": is a directory, not a file");
  g_rmdir(dir);
}

/* -- the option table, and what `timeweave plugins csv` prints of it -- */

static void
test_option_table(void)
{
  const TwSourceInfo *info = tw_registry_find_source(registry, "csv");
  g_assert_nonnull(info);
  g_assert_nonnull(info->description);
  static const char *const names[] = {
      "delimiter", "header", "skip",        "encoding", "time", "time-format", "timezone",
      "end",       "title",  "description", "kind",     "tags", "id",          "formula-unescape"};
  guint n = 0;
  for (const TwOptionSpec *o = info->options; o->name; o++, n++) {
    g_assert_cmpstr(o->name, ==, names[n]);
    g_assert_nonnull(o->help);
    g_assert_cmpuint(strlen(o->help), >, 30);
  }
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(names));

  static const char *const bad[][2] = {{"header", "maybe"},
                                       {"skip", "two"},
                                       {"timezone", "Mars/Olympus"},
                                       {"formula-unescape", "sometimes"},
                                       {"colour", "x"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    TwJob *job = tw_job_new(registry);
    const char *keys[] = {bad[i][0], NULL};
    const char *values[] = {bad[i][1], NULL};
    g_autoptr(GError) error = NULL;
    g_assert_false(tw_job_add_source(job, "csv", NULL, "x.csv", NULL, keys, values, &error));
    g_assert_error(error, TW_OPTION_ERROR,
                   (i < 4) ? TW_OPTION_ERROR_VALUE : TW_OPTION_ERROR_UNKNOWN);
    tw_job_free(job);
  }

  const char *build = g_getenv("TW_BUILD_ROOT");
  g_autofree char *cli = g_build_filename(build ? build : ".", "cli", "timeweave", NULL);
  if (!g_file_test(cli, G_FILE_TEST_IS_EXECUTABLE)) {
    tw_test_skip("no timeweave binary in the build tree");
    return;
  }
  const char *argv[] = {cli, "plugins", "csv", NULL};
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                             &status, &error));
  g_assert_no_error(error);
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_assert_nonnull(strstr(out, "source csv: "));
  for (const TwOptionSpec *o = info->options; o->name; o++) {
    g_autofree char *row = g_strdup_printf("\n  %s ", o->name);
    if (!strstr(out, row))
      g_error("`timeweave plugins csv` does not list option %s:\n%s", o->name, out);
  }
  /* The help is printed (wrapped): a few of its words. */
  g_assert_nonnull(strstr(out, "auto takes the one"));
  g_assert_nonnull(strstr(out, "formula-escape"));
  g_assert_nonnull(strstr(out, "windows-1252"));
}

/* A floating date's end is wall clock: an end column with an offset, or read in the timezone
 * option's zone, ends at its own wall clock, not at the wall clock of that instant in UTC. */
static void
test_floating_end_offset(void)
{
  g_autofree char *path =
      write_input("floating-end.csv", "date,end,title\n"
                                      "2026-02-13,2026-02-15T00:00:00+01:00,offset end\n"
                                      "2026-02-13,2026-02-15T00:00:00Z,utc end\n"
                                      "2026-02-13T10:00:00+01:00,2026-02-13T12:00:00+01:00,zoned\n"
                                      "2026-02-13T10:00:00+01:00,2026-02-13T12:00:00,naive end\n");
  TwJob *job = run_ok(path, NULL);
  const TwEvent *e = event_by_title(job, "offset end");
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 15, 0, 0, 0));
  e = event_by_title(job, "utc end");
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 15, 0, 0, 0));
  e = event_by_title(job, "zoned");
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 13, 11, 0, 0));
  /* A naive end of a start with an offset is read in that offset: two hours, not three. */
  e = event_by_title(job, "naive end");
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 13, 11, 0, 0));
  tw_job_free(job);

  g_autofree char *naive =
      write_input("floating-end-naive.csv", "date,end,title\n"
                                            "2026-02-13,2026-02-15 00:00,day\n");
  const char *berlin[] = {"timezone=Europe/Berlin", NULL};
  job = run_ok(naive, berlin);
  e = event_by_title(job, "day");
  g_assert_true(tw_event_is_floating(e));
  g_assert_cmpint(tw_event_get_end(e), ==, utc(2026, 2, 15, 0, 0, 0));
  tw_job_free(job);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  registry = tw_registry_new();
  static const char *const plugins[] = {"csv", "json"};
  for (guint i = 0; i < G_N_ELEMENTS(plugins); i++) {
    g_autofree char *plugin = tw_test_find_plugin(plugins[i]);
    if (!tw_registry_load_file(registry, plugin, &error))
      g_error("%s", error->message);
  }
  scratch = g_dir_make_tmp("tw-csv-source-XXXXXX", &error);
  g_assert_no_error(error);

  g_test_add_func("/csv-source/names/timeweave", test_timeweave_names);
  g_test_add_func("/csv-source/attributes-big-integers", test_attributes_big_integers);
  g_test_add_func("/csv-source/names/common", test_common_names);
  g_test_add_func("/csv-source/spreadsheet/libreoffice", test_libreoffice);
  g_test_add_func("/csv-source/spreadsheet/excel-utf8-bom", test_excel_utf8_bom);
  g_test_add_func("/csv-source/spreadsheet/excel-windows-1252", test_excel_windows_1252);
  g_test_add_func("/csv-source/spreadsheet/excel-unicode-text", test_excel_unicode_text);
  g_test_add_func("/csv-source/spreadsheet/bank-statement", test_bank_statement);
  g_test_add_func("/csv-source/spreadsheet/serial", test_spreadsheet_serial);
  g_test_add_func("/csv-source/spreadsheet/outlook-calendar", test_outlook_calendar);
  g_test_add_func("/csv-source/shape/no-header", test_no_header);
  g_test_add_func("/csv-source/shape/delimiters", test_delimiters);
  g_test_add_func("/csv-source/shape/rfc4180", test_rfc4180);
  g_test_add_func("/csv-source/shape/one-line", test_fields_on_one_line);
  g_test_add_func("/csv-source/time/formats", test_time_formats);
  g_test_add_func("/csv-source/time/warnings", test_time_format_warnings);
  g_test_add_func("/csv-source/round-trip", test_round_trip);
  g_test_add_func("/csv-source/floating-end-offset", test_floating_end_offset);
  g_test_add_func("/csv-source/broken/warn", test_broken_warn);
  g_test_add_func("/csv-source/broken/strict", test_broken_strict);
  g_test_add_func("/csv-source/broken/fatal", test_broken_fatal);
  g_test_add_func("/csv-source/options", test_option_table);

  int status = g_test_run();
  tw_test_remove_dir(scratch);
  g_free(scratch);
  tw_registry_free(registry);
  return status;
}
