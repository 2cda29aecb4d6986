/* timeweave tests: the log source plugin.
 *
 * The plugin is loaded from the build tree (TW_BUILD_ROOT/plugins/log/) and run through a real
 * TwJob on fixtures shaped like real logs: BSD syslog across a new year, rsyslog's RFC 3339
 * file format, RFC 5424 with structured data, Apache and nginx access logs (also gzipped),
 * `journalctl -o json`, application logs with stack traces, and a custom format by regex.
 * Times are checked with their zones, the year rollover (from the option and from the file's
 * modification time) and DST in Europe/Berlin; broken lines are checked by their warnings on a
 * subprocess's stderr, and by --strict. */
#include <string.h>
#include <utime.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwRegistry *registry;
static char *scratch; /* a temporary folder for inputs written by the tests */

static char *
write_input(const char *name, const char *content)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename(scratch, name, NULL);
  g_assert_true(g_file_set_contents(path, content, -1, &error));
  g_assert_no_error(error);
  return path;
}

/* Copies fixture @name into the scratch folder as @copy, with its modification time @mtime
 * (seconds since 1970). */
static char *
copy_with_mtime(const char *name, const char *copy, gint64 mtime)
{
  g_autofree char *fixture = tw_test_fixture(name);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(fixture, &text, NULL, &error));
  char *path = write_input(copy, text);
  struct utimbuf times = {(time_t)mtime, (time_t)mtime};
  g_assert_cmpint(g_utime(path, &times), ==, 0);
  return path;
}

/* Gzips fixture @name into the scratch folder as @copy. */
static char *
gzip_fixture(const char *name, const char *copy)
{
  g_autofree char *fixture = tw_test_fixture(name);
  g_autofree char *text = NULL;
  gsize length;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(fixture, &text, &length, &error));
  char *path = g_build_filename(scratch, copy, NULL);
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autoptr(GFileOutputStream) raw =
      g_file_replace(file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  g_assert_no_error(error);
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) out =
      g_converter_output_stream_new(G_OUTPUT_STREAM(raw), G_CONVERTER(gzip));
  g_assert_true(g_output_stream_write_all(out, text, length, NULL, NULL, &error));
  g_assert_true(g_output_stream_close(out, NULL, &error));
  g_assert_no_error(error);
  return path;
}

static TwJob *
run_log(const char *path, const char *const *options, gboolean strict, gboolean *ok, GError **error)
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
  gboolean added = tw_job_add_source(job, "log", NULL, path, NULL, (const char *const *)keys->pdata,
                                     (const char *const *)values->pdata, &add_error);
  g_assert_no_error(add_error);
  g_assert_true(added);
  *ok = tw_job_run(job, error);
  return job;
}

static TwJob *
run_ok(const char *path, const char *const *options)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_log(path, options, FALSE, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  return job;
}

static void
assert_fails(const char *path, const char *const *options, const char *expected)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_log(path, options, FALSE, &ok, &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_test_message("%s", error->message);
  if (!g_str_has_prefix(error->message, expected))
    g_error("expected '%s...', got '%s'", expected, error->message);
  g_assert_null(strchr(error->message, '\n'));
  tw_job_free(job);
}

static guint
n_events(const TwJob *job)
{
  return tw_timeline_get_n_events(tw_job_get_timeline(job));
}

static const TwEvent *
event_at(const TwJob *job, guint index)
{
  return tw_timeline_get_event(tw_job_get_timeline(job), index);
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

static void
assert_actors(const TwEvent *e, const char *first, const char *second)
{
  g_assert_cmpuint(tw_event_get_n_actors(e), ==, second ? 2 : 1);
  g_assert_cmpstr(tw_event_get_actor(e, 0), ==, first);
  if (second)
    g_assert_cmpstr(tw_event_get_actor(e, 1), ==, second);
}

/* Runs the timeweave binary with @input on standard input; returns its exit status. */
static int
run_cli(const char *const *argv_tail, const char *input, char **out, char **err)
{
  const char *build = g_getenv("TW_BUILD_ROOT");
  g_autofree char *cli = g_build_filename(build ? build : ".", "cli", "timeweave", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;

  g_ptr_array_add(argv, cli);
  for (guint i = 0; argv_tail[i]; i++)
    g_ptr_array_add(argv, (gpointer)argv_tail[i]);
  g_ptr_array_add(argv, NULL);
  g_autoptr(GSubprocess) process =
      g_subprocess_newv((const char *const *)argv->pdata,
                        G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE,
                        &error);
  g_assert_no_error(error);
  g_assert_true(g_subprocess_communicate_utf8(process, input, NULL, out, err, &error));
  g_assert_no_error(error);
  return g_subprocess_get_exit_status(process);
}

static gboolean
have_cli(void)
{
  const char *build = g_getenv("TW_BUILD_ROOT");
  g_autofree char *cli = g_build_filename(build ? build : ".", "cli", "timeweave", NULL);
  return g_file_test(cli, G_FILE_TEST_IS_EXECUTABLE);
}

/* -- RFC 3164 -- */

/* Checks syslog-rollover.log read with its first record in @first_year. */
static void
check_rollover(const TwJob *job, int first_year)
{
  const TwEvent *e;

  g_assert_cmpuint(n_events(job), ==, 7);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  e = event_at(job, 0);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(first_year, 12, 30, 22, 14, 15));
  g_assert_cmpstr(tw_event_get_title(e), ==,
                  "Accepted publickey for alice from 192.0.2.10 port 51234 ssh2: ED25519 "
                  "SHA256:abc");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "syslog");
  assert_actors(e, "web01", "sshd");
  g_assert_cmpstr(attribute(e, "pid"), ==, "1234");
  e = event_at(job, 1);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(first_year, 12, 31, 23, 59, 59));
  /* December -> January: the next year. */
  e = event_at(job, 2);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(first_year + 1, 1, 1, 0, 0, 1));
  /* Two alike lines in one second are two events; the one with <38> has facility and
   * severity. */
  const TwEvent *twin = event_at(job, 3);
  g_assert_cmpstr(tw_event_get_title(e), ==, tw_event_get_title(twin));
  g_assert_cmpstr(tw_event_get_id(e), !=, tw_event_get_id(twin));
  const TwEvent *with_pri = attribute(e, "facility") ? e : twin;
  g_assert_cmpstr(attribute(with_pri, "facility"), ==, "auth");
  g_assert_cmpstr(attribute(with_pri, "severity"), ==, "info");
  g_assert_cmpstr(tw_event_get_title(e), ==,
                  "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update");
  e = event_by_title(job, "last message repeated 3 times");
  assert_actors(e, "web01", NULL);
  e = event_at(job, 6);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(first_year + 1, 1, 2, 8, 0, 0) + 250000);
  g_assert_cmpstr(tw_event_get_title(e), ==, "Starting Daily apt upgrade and clean activities...");
}

static void
test_rfc3164_year_option(void)
{
  g_autofree char *path = tw_test_fixture("log/syslog-rollover.log");
  const char *options[] = {"year=2025", NULL};
  TwJob *job = run_ok(path, options);
  check_rollover(job, 2025);
  /* No zone: floating wall-clock times. */
  g_assert_true(tw_event_is_floating(event_at(job, 0)));
  g_assert_null(tw_event_get_zone(event_at(job, 0)));
  tw_job_free(job);

  /* In a zone: New Year's Eve in Berlin is an hour earlier in UTC, and the zone is kept. */
  const char *berlin[] = {"year=2025", "timezone=Europe/Berlin", NULL};
  job = run_ok(path, berlin);
  g_assert_cmpuint(n_events(job), ==, 7);
  const TwEvent *e = event_at(job, 2);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2025, 12, 31, 23, 0, 1));
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpstr(tw_event_get_zone(e), ==, "Europe/Berlin");
  tw_job_free(job);
}

static void
test_rfc3164_file_time(void)
{
  /* Modified on 2026-01-05: the last record (January) is in 2026, so December is 2025. */
  g_autofree char *january = copy_with_mtime("log/syslog-rollover.log", "january.log",
                                             utc(2026, 1, 5, 12, 0, 0) / TW_USEC_PER_SEC);
  TwJob *job = run_ok(january, NULL);
  check_rollover(job, 2025);
  tw_job_free(job);

  /* Modified much later in 2026: still the same reading (records are no later than the file). */
  g_autofree char *later = copy_with_mtime("log/syslog-rollover.log", "later.log",
                                           utc(2026, 11, 30, 0, 0, 0) / TW_USEC_PER_SEC);
  job = run_ok(later, NULL);
  check_rollover(job, 2025);
  tw_job_free(job);

  /* A log of December modified on 3 January: its months are after the file's, so last year. */
  g_autofree char *december = write_input("december.log", "Dec 30 10:00:00 h a: one\n"
                                                          "Dec 31 10:00:00 h a: two\n");
  struct utimbuf times = {(time_t)(utc(2027, 1, 3, 0, 0, 0) / TW_USEC_PER_SEC),
                          (time_t)(utc(2027, 1, 3, 0, 0, 0) / TW_USEC_PER_SEC)};
  g_assert_cmpint(g_utime(december, &times), ==, 0);
  job = run_ok(december, NULL);
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "two")), ==, utc(2026, 12, 31, 10, 0, 0));
  tw_job_free(job);

  /* Gzipped by logrotate: read directly, its time is the .gz file's. */
  g_autofree char *gz = gzip_fixture("log/syslog-rollover.log", "syslog.2.gz");
  times.actime = times.modtime = (time_t)(utc(2026, 1, 5, 0, 0, 0) / TW_USEC_PER_SEC);
  g_assert_cmpint(g_utime(gz, &times), ==, 0);
  job = run_ok(gz, NULL);
  check_rollover(job, 2025);
  tw_job_free(job);

  /* Standard input has no file time: the year option is required. */
  if (!have_cli()) {
    tw_test_skip("no timeweave binary in the build tree");
    return;
  }
  g_autofree char *out = NULL, *err = NULL;
  const char *no_year[] = {"build", "-s", "log:-", "-f", "jsonl", "-o", "-", NULL};
  g_assert_cmpint(run_cli(no_year, "Feb 13 10:30:00 h a: x\n", &out, &err), ==, 1);
  g_assert_cmpstr(err, ==,
                  "timeweave: <stdin>:1: the time has no year and standard input has no "
                  "modification time: give the year option\n");
  g_clear_pointer(&out, g_free);
  g_clear_pointer(&err, g_free);
  const char *year[] = {"build", "-s", "log:-,year=2026", "-f", "jsonl",
                        "-o",    "-",  "--quiet",         NULL};
  g_assert_cmpint(run_cli(year, "Feb 13 10:30:00 h a: x\n", &out, &err), ==, 0);
  g_assert_nonnull(strstr(out, "\"date\":\"2026-02-13T10:30:00\""));
}

static void
test_rfc3164_dst(void)
{
  g_autofree char *path = tw_test_fixture("log/dst-berlin.log");
  const char *options[] = {"year=2026", "timezone=Europe/Berlin", NULL};
  TwJob *job = run_ok(path, options);
  g_assert_cmpuint(n_events(job), ==, 7);
  /* Spring: 01:59 CET; 02:30 does not exist and is read with the offset before the gap, as
   * RFC 5545 says; 03:00 CEST. */
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "before the spring gap")), ==,
                  utc(2026, 3, 29, 0, 59, 0));
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "inside the gap (does not exist)")), ==,
                  utc(2026, 3, 29, 1, 30, 0));
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "after the gap")), ==,
                  utc(2026, 3, 29, 1, 0, 0));
  /* Autumn: 02:10 happens twice; a log runs forward, so the second 02:10 is CET. */
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "fall back, first pass (CEST)")), ==,
                  utc(2026, 10, 25, 0, 10, 0));
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "still CEST")), ==,
                  utc(2026, 10, 25, 0, 50, 0));
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "second pass (CET)")), ==,
                  utc(2026, 10, 25, 1, 10, 0));
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "after")), ==, utc(2026, 10, 25, 2, 0, 0));
  tw_job_free(job);
}

static void
test_rsyslog(void)
{
  g_autofree char *path = tw_test_fixture("log/rsyslog.log");
  TwJob *job = run_ok(path, NULL); /* detected: RFC 3339 time, host, app[pid]: */
  g_assert_cmpuint(n_events(job), ==, 3);
  const TwEvent *e = event_at(job, 0);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 30, 0) + 123456);
  g_assert_cmpstr(tw_event_get_zone(e), ==, "+01:00");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "syslog");
  assert_actors(e, "web01", "systemd");
  g_assert_cmpstr(attribute(e, "pid"), ==, "1");
  g_assert_cmpstr(tw_event_get_title(e), ==,
                  "Started session-42.scope - Session 42 of User alice.");
  e = event_at(job, 2);
  g_assert_null(tw_event_get_zone(e)); /* Z: UTC is no zone worth keeping */
  assert_actors(e, "web01", "kernel");
  g_assert_null(attribute(e, "pid"));
  tw_job_free(job);
}

/* -- RFC 5424 -- */

static void
test_rfc5424(void)
{
  g_autofree char *path = tw_test_fixture("log/rfc5424.log");
  if (g_test_subprocess()) {
    TwJob *job = run_ok(path, NULL);
    g_assert_cmpuint(n_events(job), ==, 5);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
    /* MSG is optional: RFC 5424's example 4 (structured data alone) is an event titled by its
     * structured data, and a record with only a MSGID by that; one with neither (line 4) says
     * nothing and is skipped with a warning. */
    const TwEvent *e = event_by_title(
        job, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
             "[examplePriority@32473 class=\"high\"]");
    g_assert_cmpint(tw_event_get_start(e), ==, utc(2003, 10, 11, 22, 14, 16) + 3000);
    g_assert_cmpstr(attribute(e, "exampleSDID@32473.eventID"), ==, "1011");
    e = event_by_title(job, "ID48");
    g_assert_cmpstr(attribute(e, "msgid"), ==, "ID48");
    e = event_by_title(job, "An application event log entry...");
    g_assert_cmpint(tw_event_get_start(e), ==, utc(2003, 10, 11, 22, 14, 15) + 3000);
    assert_actors(e, "mymachine.example.com", "evntslog");
    g_assert_cmpstr(attribute(e, "facility"), ==, "local4");
    g_assert_cmpstr(attribute(e, "severity"), ==, "notice");
    g_assert_cmpstr(attribute(e, "msgid"), ==, "ID47");
    g_assert_null(attribute(e, "pid"));
    g_assert_cmpstr(attribute(e, "exampleSDID@32473.iut"), ==, "3");
    g_assert_cmpstr(attribute(e, "exampleSDID@32473.eventSource"), ==, "Application");
    g_assert_cmpstr(attribute(e, "exampleSDID@32473.eventID"), ==, "1011");
    g_assert_cmpstr(attribute(e, "examplePriority@32473.class"), ==, "high");
    e = event_by_title(job, "'su root' failed for lonvick on /dev/pts/8");
    g_assert_cmpint(tw_event_get_start(e), ==, utc(2003, 10, 12, 5, 14, 15) + 3000);
    g_assert_cmpstr(tw_event_get_zone(e), ==, "-07:00");
    g_assert_cmpstr(attribute(e, "facility"), ==, "auth");
    g_assert_cmpstr(attribute(e, "severity"), ==, "crit");
    e = event_by_title(job, "escapes in structured data");
    g_assert_cmpstr(attribute(e, "pid"), ==, "4711");
    g_assert_cmpstr(attribute(e, "meta.path"), ==, "C:\\temp\\x");
    g_assert_cmpstr(attribute(e, "meta.note"), ==, "say \"hi\" [ok]");
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_autofree char *empty =
      g_strdup_printf("*timeweave: %s:4: warning: the message is empty*", path);
  g_test_trap_assert_stderr(empty);
}

/* journalctl's text output (short-iso) of several boots has its own lines between entries:
 * no records, no warnings (each was 'not an RFC 3164 syslog line', fatal under --strict). */
static void
test_journal_markers(void)
{
  g_autofree char *path = write_input(
      "journal-short-iso.log",
      "-- Logs begin at Mon 2026-11-30 01:00:00 UTC, end at Mon 2026-11-30 04:00:00 UTC. --\n"
      "2026-11-30T01:00:01+0000 host sshd[12]: Accepted publickey for alice\n"
      "-- Boot 5e1f0c2a8b2f4e0d9c1b7a6f5e4d3c2b --\n"
      "2026-11-30T02:00:01+0000 host kernel: Linux version 6.1\n"
      "-- Reboot --\n"
      "2026-11-30T03:00:01+0000 host systemd[1]: Started cron.\n"
      "-- No entries --\n");
  /* Another `-- ... --` line is no marker: in an ISO-timed log it continues its record. */
  g_autofree char *trace = write_input("trace.log", "2026-11-30T01:00:01Z ERROR boom\n"
                                                    "  at a.b(C.java:1)\n"
                                                    "-- end of trace --\n");
  g_autoptr(GError) trace_error = NULL;
  gboolean trace_ok = FALSE;
  TwJob *trace_job = run_log(trace, NULL, TRUE, &trace_ok, &trace_error);
  g_assert_no_error(trace_error);
  g_assert_true(trace_ok);
  g_assert_cmpuint(n_events(trace_job), ==, 1);
  const TwEvent *boom = tw_timeline_get_event(tw_job_get_timeline(trace_job), 0);
  g_assert_nonnull(strstr(tw_event_get_description(boom), "-- end of trace --"));
  tw_job_free(trace_job);
  for (guint strict = 0; strict < 2; strict++) {
    g_autoptr(GError) error = NULL;
    gboolean ok = FALSE;
    TwJob *job = run_log(path, NULL, strict, &ok, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpuint(n_events(job), ==, 3);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
    event_by_title(job, "Linux version 6.1");
    tw_job_free(job);
  }
}

/* -- access logs -- */

static void
check_access_log(const TwJob *job)
{
  const TwEvent *e;

  g_assert_cmpuint(n_events(job), ==, 8);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  e = event_by_title(job, "GET /apache_pb.gif 200");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2000, 10, 10, 20, 55, 36));
  g_assert_cmpstr(tw_event_get_zone(e), ==, "-07:00");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "http-request");
  assert_actors(e, "127.0.0.1", "frank");
  static const char *const expected[][2] = {
      {"client", "127.0.0.1"},
      {"user", "frank"},
      {"method", "GET"},
      {"path", "/apache_pb.gif"},
      {"protocol", "HTTP/1.0"},
      {"status", "200"},
      {"bytes", "2326"},
      {"referer", "http://www.example.com/start.html"},
      {"agent", "Mozilla/4.08 [en] (Win98; I ;Nav)"},
  };
  g_assert_cmpuint(tw_event_get_n_attributes(e), ==, G_N_ELEMENTS(expected));
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_assert_cmpstr(tw_event_get_attribute(e, i)->key, ==, expected[i][0]);
    g_assert_cmpstr(tw_event_get_attribute(e, i)->value, ==, expected[i][1]);
  }
  /* The same request twice in one second: two events, "-" bytes is no attribute. */
  guint posts = 0;
  for (guint i = 0; i < n_events(job); i++) {
    e = event_at(job, i);
    if (strcmp(tw_event_get_title(e), "POST /login 302") == 0) {
      posts++;
      g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 30, 0));
      g_assert_null(attribute(e, "bytes"));
      g_assert_cmpstr(tw_event_get_zone(e), ==, "+01:00");
    }
  }
  g_assert_cmpuint(posts, ==, 2);
  /* Escaped quotes; nginx's extra field (X-Forwarded-For) is kept. */
  e = event_by_title(job, "GET /search?q=\"quoted\" 404");
  g_assert_cmpstr(attribute(e, "path"), ==, "/search?q=\"quoted\"");
  g_assert_cmpstr(attribute(e, "extra"), ==, "\"10.0.0.1\"");
  /* ...and nginx's "-" for no X-Forwarded-For is none, as "-" is for the other fields. */
  e = event_by_title(job, "GET /health 200");
  g_assert_cmpstr(attribute(e, "agent"), ==, "kube-probe/1.29");
  g_assert_null(attribute(e, "extra"));
  g_assert_null(attribute(e, "referer"));
  g_assert_null(tw_event_get_zone(e));
  /* A TLS handshake sent to the plain port, and a request that never came. */
  e = event_by_title(job, "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03 400");
  g_assert_cmpstr(attribute(e, "request"), ==,
                  "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03");
  g_assert_null(attribute(e, "method"));
  e = event_by_title(job, "(no request) 408");
  g_assert_null(attribute(e, "request"));
  /* Common log format: no referer, no agent. */
  e = event_by_title(job, "DELETE /api/items/7 204");
  assert_actors(e, "10.1.1.1", "bob");
  g_assert_cmpstr(attribute(e, "bytes"), ==, "0");
  g_assert_null(attribute(e, "agent"));
}

static void
test_access_log(void)
{
  g_autofree char *path = tw_test_fixture("log/access.log");
  TwJob *job = run_ok(path, NULL);
  check_access_log(job);
  tw_job_free(job);

  /* Gzipped, with its name or without it: the reader looks at the magic bytes. */
  g_autofree char *gz = gzip_fixture("log/access.log", "access.log.1.gz");
  job = run_ok(gz, NULL);
  check_access_log(job);
  tw_job_free(job);
  g_autofree char *unnamed = gzip_fixture("log/access.log", "access-rotated");
  const char *options[] = {"format=combined", NULL};
  job = run_ok(unnamed, options);
  check_access_log(job);
  tw_job_free(job);
}

/* -- the journal -- */

static void
test_journal(void)
{
  g_autofree char *path = tw_test_fixture("log/journal.json");
  TwJob *job = run_ok(path, NULL);
  const TwEvent *e;

  g_assert_cmpuint(n_events(job), ==, 4);
  e = event_at(job, 0);
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 30, 0) + 123456);
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_EXACT);
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpstr(tw_event_get_title(e), ==,
                  "Started apt-daily.service - Daily apt download activities.");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "syslog");
  assert_actors(e, "web01", "systemd");
  g_assert_cmpstr(attribute(e, "pid"), ==, "1");
  g_assert_cmpstr(attribute(e, "unit"), ==, "init.scope");
  g_assert_cmpstr(attribute(e, "facility"), ==, "daemon");
  g_assert_cmpstr(attribute(e, "severity"), ==, "info");
  g_assert_cmpstr(attribute(e, "_BOOT_ID"), ==, "9e1c4b6f");
  g_assert_cmpstr(attribute(e, "__CURSOR"), ==, "s=6a3f;i=1b2;b=9e1c;m=2f1;t=64b2;x=11");
  g_assert_null(attribute(e, "PRIORITY"));             /* given as severity */
  g_assert_null(attribute(e, "_HOSTNAME"));            /* given as an actor */
  g_assert_null(attribute(e, "__REALTIME_TIMESTAMP")); /* given as the time */

  /* A message of two lines: the title and the description. No SYSLOG_IDENTIFIER: _COMM. */
  e = event_at(job, 1);
  g_assert_cmpstr(tw_event_get_title(e), ==, "tar: /srv/data: Cannot open: Permission denied");
  g_assert_cmpstr(tw_event_get_description(e), ==,
                  "tar: /srv/data: Cannot open: Permission denied\ntar: Exiting with failure "
                  "status");
  assert_actors(e, "web01", "backup.sh");
  g_assert_cmpstr(attribute(e, "severity"), ==, "err");

  /* A message that is not UTF-8 comes as an array of bytes. */
  e = event_at(job, 2);
  g_assert_cmpstr(tw_event_get_title(e), ==, "usb 1-1: \xef\xbf\xbd\xef\xbf\xbd");
  g_assert_cmpstr(attribute(e, "facility"), ==, "kern");
  g_assert_cmpstr(attribute(e, "severity"), ==, "warning");

  /* A field given twice is an array of values, kept one per line. */
  e = event_at(job, 3);
  g_assert_cmpstr(attribute(e, "TAG"), ==, "one\ntwo");
  g_assert_cmpstr(attribute(e, "CODE_FILE"), ==, "main.c");
  /* The cursor is the native id: the same entry read again has the same id. */
  TwJob *again = run_ok(path, NULL);
  g_assert_cmpstr(tw_event_get_id(event_at(again, 3)), ==, tw_event_get_id(e));
  tw_job_free(again);
  tw_job_free(job);
}

/* -- ISO-timed lines and custom formats -- */

static void
test_iso_lines(void)
{
  g_autofree char *path = tw_test_fixture("log/app.log");
  const char *options[] = {"timezone=Europe/Berlin", NULL};
  TwJob *job = run_ok(path, options);
  const TwEvent *e;

  g_assert_cmpuint(n_events(job), ==, 5);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  e = event_by_title(job, "Server started on port 8080");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 30, 0) + 123000);
  g_assert_cmpstr(tw_event_get_zone(e), ==, "Europe/Berlin");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "log");
  g_assert_cmpstr(attribute(e, "level"), ==, "INFO");
  g_assert_null(tw_event_get_description(e));
  /* A Java stack trace: unindented exception lines too, up to the blank line. */
  e = event_by_title(job, "[main] Request failed");
  g_assert_cmpstr(attribute(e, "level"), ==, "ERROR");
  g_assert_cmpstr(tw_event_get_description(e), ==,
                  "[main] Request failed\n"
                  "java.lang.IllegalStateException: boom\n"
                  "\tat com.example.Foo.bar(Foo.java:10)\n"
                  "\tat com.example.Main.main(Main.java:5)\n"
                  "Caused by: java.io.IOException: disk full\n"
                  "\t... 2 more");
  e = event_by_title(job, "Disk at 91%");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 31, 0));
  g_assert_cmpstr(tw_event_get_zone(e), ==, "+01:00");
  g_assert_cmpstr(attribute(e, "level"), ==, "WARN");
  /* A Python traceback. */
  e = event_by_title(job, "Traceback follows");
  g_assert_null(tw_event_get_zone(e));
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 9, 32, 0) + 500000);
  g_assert_true(
      g_str_has_suffix(tw_event_get_description(e), "ZeroDivisionError: division by zero"));
  /* A day alone is a day, floating whatever the zone. */
  e = event_by_title(job, "plain day entry");
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_DAY);
  g_assert_true(tw_event_is_floating(e));
  tw_job_free(job);
}

static void
test_regex(void)
{
  g_autofree char *path = tw_test_fixture("log/custom.log");
  const char *options[] = {
      "regex=^\\[(?<time>[^\\]]+)\\] (?<host>\\S+) (?<app>\\w+)\\((?<pid>\\d+)\\) "
      "user=(?<user>\\w+): (?<message>.*)$",
      "time-format=%d/%m/%Y %H:%M:%S", "timezone=UTC", "kind=audit", NULL};
  TwJob *job = run_ok(path, options);
  const TwEvent *e;

  g_assert_cmpuint(n_events(job), ==, 3);
  e = event_by_title(job, "login ok");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0));
  g_assert_cmpstr(tw_event_get_kind(e), ==, "audit");
  assert_actors(e, "web01", "myapp");
  g_assert_cmpstr(attribute(e, "pid"), ==, "42");
  g_assert_cmpstr(attribute(e, "user"), ==, "alice");
  e = event_by_title(job, "login failed");
  g_assert_cmpstr(tw_event_get_description(e), ==, "login failed\n  detail: bad password");
  tw_job_free(job);

  /* A time-format without a year gets one as syslog does. */
  g_autofree char *yearless = write_input("yearless.log", "12-30 10:00 one\n01-02 11:00 two\n");
  const char *yearless_options[] = {"regex=^(?<time>\\S+ \\S+) (?<message>.*)$",
                                    "time-format=%m-%d %H:%M", "year=2025", NULL};
  job = run_ok(yearless, yearless_options);
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "one")), ==, utc(2025, 12, 30, 10, 0, 0));
  g_assert_cmpint(tw_event_get_start(event_by_title(job, "two")), ==, utc(2026, 1, 2, 11, 0, 0));
  g_assert_cmpint(tw_event_get_precision(event_by_title(job, "two")), ==, TW_PRECISION_MINUTE);
  tw_job_free(job);

  /* Without a message group the whole line is the title; time-format iso and unix. */
  g_autofree char *unix_log = write_input("unix.log", "1770978600.25 disk full\n");
  const char *unix_options[] = {"regex=^(?<time>[\\d.]+) ", "time-format=unix-s", NULL};
  job = run_ok(unix_log, unix_options);
  e = event_at(job, 0);
  g_assert_cmpstr(tw_event_get_title(e), ==, "1770978600.25 disk full");
  g_assert_cmpint(tw_event_get_start(e), ==, utc(2026, 2, 13, 10, 30, 0) + 250000);
  tw_job_free(job);

  static const struct {
    const char *options[3];
    const char *message;
  } bad[] = {
      {{"regex=^(?<when>\\S+) (?<message>.*)$"}, "option 'regex' of log: no (?<time>...) group"},
      {{"regex=^(?<time>[a-z"}, "option 'regex' of log: "},
      {{"regex=^(?<time>\\S+)", "format=iso"},
       "options of log: format=iso and regex= exclude each other"},
      {{"regex=^(?<time>\\S+)", "time-format=%Q"}, "time-format '%Q': %Q is not a directive"},
      {{"year=0"}, "option 'year' of log: 0 is not a year (1-9999)"},
  };
  /* Refused when the source is added (its TwComponentCheck), before anything is read. */
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) values = g_ptr_array_new();
    for (guint k = 0; k < G_N_ELEMENTS(bad[i].options) && bad[i].options[k]; k++) {
      const char *eq = strchr(bad[i].options[k], '=');
      g_ptr_array_add(keys, g_strndup(bad[i].options[k], (gsize)(eq - bad[i].options[k])));
      g_ptr_array_add(values, (gpointer)(eq + 1));
    }
    g_ptr_array_add(keys, NULL);
    g_ptr_array_add(values, NULL);
    g_autoptr(GError) error = NULL;
    job = tw_job_new(registry);
    g_assert_false(tw_job_add_source(job, "log", NULL, path, NULL, (const char *const *)keys->pdata,
                                     (const char *const *)values->pdata, &error));
    g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
    if (!g_str_has_prefix(error->message, bad[i].message))
      g_error("expected '%s...', got '%s'", bad[i].message, error->message);
    tw_job_free(job);
  }
}

/* -- recognising the format -- */

/* A UTF-8 byte order mark (what Notepad and PowerShell write at the start of a file) is not part
 * of the first line: before, it hid the first line's format, so that detection failed ("not a
 * log format timeweave recognises") and a given format= skipped the first record. */
static void
test_byte_order_mark(void)
{
  static const struct {
    const char *text;
    const char *format; /* NULL: detected */
    const char *kind;
  } cases[] = {
      {"\xef\xbb\xbf"
       "Feb 13 10:30:00 web01 sshd[12]: one\n",
       NULL, "syslog"},
      {"\xef\xbb\xbf"
       "Feb 13 10:30:00 web01 sshd[12]: one\n",
       "format=rfc3164", "syslog"},
      {"\xef\xbb\xbf"
       "2026-02-13T10:30:00Z one\n",
       NULL, "log"},
      {"\xef\xbb\xbf"
       "2026-02-13T10:30:00Z one\n",
       "format=iso", "log"},
      {"\xef\xbb\xbf{\"__REALTIME_TIMESTAMP\":\"1771000000000000\",\"MESSAGE\":\"one\"}\n", NULL,
       "syslog"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *name = g_strdup_printf("bom-%u.log", i);
    g_autofree char *path = write_input(name, cases[i].text);
    const char *options[] = {"year=2026", cases[i].format, NULL};
    TwJob *job = run_ok(path, options);
    g_assert_cmpuint(n_events(job), ==, 1);
    g_assert_cmpstr(tw_event_get_kind(event_at(job, 0)), ==, cases[i].kind);
    g_assert_cmpstr(tw_event_get_title(event_at(job, 0)), ==, "one");
    tw_job_free(job);
  }
}

static void
test_detect(void)
{
  static const struct {
    const char *fixture;
    const char *kind;
    const char *actor; /* the first event's first actor, or NULL for none */
    guint events;
  } cases[] = {
      {"log/syslog-rollover.log", "syslog", "web01", 7},
      {"log/rsyslog.log", "syslog", "web01", 3},
      {"log/access.log", "http-request", "127.0.0.1", 8},
      {"log/journal.json", "syslog", "web01", 4},
      {"log/app.log", "log", NULL, 5},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = tw_test_fixture(cases[i].fixture);
    const char *options[] = {"year=2025", NULL};
    TwJob *job = run_ok(path, options);
    g_assert_cmpuint(n_events(job), ==, cases[i].events);
    const TwEvent *e = event_at(job, 0);
    g_assert_cmpstr(tw_event_get_kind(e), ==, cases[i].kind);
    if (cases[i].actor)
      g_assert_cmpstr(tw_event_get_actor(e, 0), ==, cases[i].actor);
    else
      g_assert_cmpuint(tw_event_get_n_actors(e), ==, 0);
    tw_job_free(job);
  }
  /* An application log whose level looks like a host is not taken for syslog. */
  g_autofree char *app = write_input("level.log", "2026-02-13T10:30:00Z INFO main: started\n"
                                                  "2026-02-13T10:30:01Z ERROR main: stopped\n");
  TwJob *job = run_ok(app, NULL);
  g_assert_cmpstr(tw_event_get_kind(event_at(job, 0)), ==, "log");
  g_assert_cmpstr(attribute(event_at(job, 0), "level"), ==, "INFO");
  g_assert_cmpstr(tw_event_get_title(event_at(job, 0)), ==, "main: started");
  tw_job_free(job);

  g_autofree char *text = tw_test_fixture("log/not-a-log.txt");
  g_autofree char *expected =
      g_strdup_printf("%s:1: not a log format timeweave recognises (rfc3164, rfc5424, journal, "
                      "combined, iso): give format= or a regex=",
                      text);
  assert_fails(text, NULL, expected);
  /* An ISO log saved as UTF-16 (PowerShell's Out-File, Windows tools): the encoding is what is
   * wrong, not the format, and the message says so. */
  {
    g_autoptr(GError) error = NULL;
    gsize length;
    g_autofree char *utf16 = g_convert("\xef\xbb\xbf"
                                       "2026-02-13T10:30:00Z INFO started\r\n"
                                       "2026-02-13T10:30:01Z INFO stopped\r\n",
                                       -1, "UTF-16LE", "UTF-8", NULL, &length, &error);
    g_assert_no_error(error);
    g_autofree char *path = g_build_filename(scratch, "utf16.log", NULL);
    g_assert_true(g_file_set_contents(path, utf16, (gssize)length, &error));
    g_assert_no_error(error);
    g_autofree char *not_utf8 =
        g_strdup_printf("%s:1: not UTF-8 text: a NUL byte (a binary file, or UTF-16?)", path);
    assert_fails(path, NULL, not_utf8);
  }
  /* An empty log has no events and is no error. */
  g_autofree char *empty = write_input("empty.log", "\n\n");
  job = run_ok(empty, NULL);
  g_assert_cmpuint(n_events(job), ==, 0);
  tw_job_free(job);
  g_autofree char *missing = g_build_filename(scratch, "missing.log", NULL);
  g_autofree char *no_file = g_strdup_printf("%s: no such file", missing);
  assert_fails(missing, NULL, no_file);
}

/* -- broken lines -- */

static void
expect_warnings(const char *fixture, const char *const *expected, guint n)
{
  g_autofree char *path = tw_test_fixture(fixture);
  for (guint i = 0; i < n; i++) {
    g_autofree char *pattern = g_strdup_printf("*timeweave: %s:%s*", path, expected[i]);
    g_test_trap_assert_stderr(pattern);
  }
}

static void
test_broken_syslog(void)
{
  g_autofree char *path = tw_test_fixture("log/broken-syslog.log");
  if (g_test_subprocess()) {
    const char *options[] = {"year=2025", NULL};
    TwJob *job = run_ok(path, options);
    g_assert_cmpuint(n_events(job), ==, 2);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 5);
    g_assert_cmpstr(tw_event_get_description(event_by_title(job, "fine again")), ==,
                    "fine again\n  continued by an indented line");
    g_assert_null(tw_event_get_description(event_by_title(job, "fine")));
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  static const char *const expected[] = {
      "1: warning: not an RFC 3164 syslog line (Mmm dd hh:mm:ss host app[pid]: message)",
      "3: warning: not an RFC 3164 syslog line",
      "5: warning: the priority <999> is out of range (0-191)",
      "6: warning: bad time 'Feb 30 10:30:02': day 30 is out of range (February 2025 has 28 "
      "days)",
      "7: warning: the message is empty",
  };
  expect_warnings("log/broken-syslog.log", expected, G_N_ELEMENTS(expected));
  /* The indented line after the broken one goes with it, silently. */
  g_autofree char *dropped = g_strdup_printf("*%s:4:*", path);
  g_test_trap_assert_stderr_unmatched(dropped);
}

static void
test_broken_journal(void)
{
  if (g_test_subprocess()) {
    g_autofree char *path = tw_test_fixture("log/broken-journal.json");
    TwJob *job = run_ok(path, NULL);
    g_assert_cmpuint(n_events(job), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 6);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  static const char *const expected[] = {
      "2: warning: not JSON: unterminated string constant (column 64)",
      "3: warning: not a journal entry: no __REALTIME_TIMESTAMP",
      "4: warning: __REALTIME_TIMESTAMP is not a number of microseconds: 'soon'",
      "5: warning: not a journal entry: journalctl -o json writes one JSON object per line",
      "6: warning: not a journal entry: journalctl -o json writes one JSON object per line",
      "7: warning: the message is empty",
  };
  expect_warnings("log/broken-journal.json", expected, G_N_ELEMENTS(expected));
}

static void
test_broken_access(void)
{
  if (g_test_subprocess()) {
    g_autofree char *path = tw_test_fixture("log/broken-access.log");
    TwJob *job = run_ok(path, NULL);
    g_assert_cmpuint(n_events(job), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 3);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  static const char *const expected[] = {
      "2: warning: not an access log line (Apache/nginx combined or common log format)",
      "3: warning: bad time '31/Feb/2026:10:30:00 +0100': day 31 is out of range (February 2026 "
      "has 28 days)",
      "4: warning: bad time: '13/Foo/2026:10:30:00 +0100' does not match time-format "
      "'%d/%b/%Y:%H:%M:%S %z' at 'Foo/2026:10:30:00 +0100'",
  };
  expect_warnings("log/broken-access.log", expected, G_N_ELEMENTS(expected));
}

static void
test_broken_rfc5424(void)
{
  if (g_test_subprocess()) {
    g_autofree char *path = tw_test_fixture("log/broken-rfc5424.log");
    TwJob *job = run_ok(path, NULL);
    g_assert_cmpuint(n_events(job), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 7);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  static const char *const expected[] = {
      "2: warning: no time (the RFC 5424 NILVALUE -)",
      "3: warning: structured data [unclosed]: a parameter is not name=\"value\"",
      "4: warning: structured data [id]: a parameter is not name=\"value\"",
      "5: warning: not an RFC 5424 line: the header ends before the structured data",
      "6: warning: the priority <200> is out of range (0-191)",
      "7: warning: not an RFC 5424 syslog line (<PRI>1 TIME HOST APP PROCID MSGID SD MESSAGE)",
      "8: warning: bad time: '2026-02-13T25:30:06Z' is not a date: hour 25 is out of range",
  };
  expect_warnings("log/broken-rfc5424.log", expected, G_N_ELEMENTS(expected));
}

static void
test_broken_iso(void)
{
  g_autofree char *path = tw_test_fixture("log/broken-iso.log");
  if (g_test_subprocess()) {
    TwJob *job = run_ok(path, NULL);
    g_assert_cmpuint(n_events(job), ==, 2);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
    /* The broken record's lines go with it, not into the record before. */
    g_assert_null(tw_event_get_description(event_by_title(job, "first")));
    g_assert_cmpstr(tw_event_get_description(event_by_title(job, "last")), ==,
                    "last\n\tits own frame");
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  static const char *const expected[] = {
      "1: warning: the line does not begin with an ISO 8601 time, and no record comes before it",
      "4: warning: bad time: '2026-02-30 10:30:01' is not a date: day 30 is out of range "
      "(February 2026 has 28 days)",
  };
  expect_warnings("log/broken-iso.log", expected, G_N_ELEMENTS(expected));
  g_autofree char *indented = g_strdup_printf("*%s:2:*", path);
  g_test_trap_assert_stderr_unmatched(indented);
  g_autofree char *caused = g_strdup_printf("*%s:6:*", path);
  g_test_trap_assert_stderr_unmatched(caused);
}

/* A gzipped log of @lines yearless syslog lines, cut short (as a rotated log copied while it
 * was compressed): its last 64 compressed bytes are missing. */
static char *
truncated_gz(const char *name, guint lines)
{
  g_autoptr(GString) text = g_string_new(NULL);
  for (guint i = 0; i < lines; i++) {
    g_string_append_printf(text, "Feb 13 10:30:%02u h app: line %u ", i % 60, i);
    /* Hashes, so that the lines do not compress away into the missing bytes. */
    for (guint k = 0; k < 16; k++) {
      g_autofree char *noise = g_strdup_printf("%u.%u", i, k);
      g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, noise, -1);
      g_string_append(text, hash);
    }
    g_string_append_c(text, '\n');
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable();
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) out = g_converter_output_stream_new(memory, G_CONVERTER(gzip));
  g_assert_true(g_output_stream_write_all(out, text->str, text->len, NULL, NULL, &error));
  g_assert_true(g_output_stream_close(out, NULL, &error));
  g_assert_no_error(error);
  gsize size = g_memory_output_stream_get_data_size(G_MEMORY_OUTPUT_STREAM(memory));
  g_assert_cmpuint(size, >, 64);
  char *path = g_build_filename(scratch, name, NULL);
  g_assert_true(g_file_set_contents(path,
                                    g_memory_output_stream_get_data(G_MEMORY_OUTPUT_STREAM(memory)),
                                    (gssize)size - 64, &error));
  g_assert_no_error(error);
  struct utimbuf times = {(time_t)(utc(2026, 3, 1, 0, 0, 0) / TW_USEC_PER_SEC),
                          (time_t)(utc(2026, 3, 1, 0, 0, 0) / TW_USEC_PER_SEC)};
  g_assert_cmpint(g_utime(path, &times), ==, 0);
  return path;
}

/* A truncated .gz gives a partial timeline of the records before the cut, as it does with the
 * format and year given, also when the cut is met while the format is recognised (fewer lines
 * than are sampled) or while the months are counted for the years (before, both failed the run
 * with no events). */
static void
test_broken_truncated_gz(void)
{
  static const guint sizes[] = {12, 60};
  for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
    g_autofree char *name = g_strdup_printf("cut-%u.log.gz", sizes[i]);
    g_autofree char *path = truncated_gz(name, sizes[i]);
    g_autoptr(GError) given_error = NULL;
    gboolean ok;
    const char *given[] = {"format=rfc3164", "year=2026", NULL};
    TwJob *job = run_log(path, given, FALSE, &ok, &given_error);
    g_assert_no_error(given_error);
    g_assert_true(ok);
    g_assert_true(tw_job_is_partial(job));
    guint expected = n_events(job);
    g_assert_cmpuint(expected, >, 0);
    g_assert_cmpuint(expected, <, sizes[i]);
    tw_job_free(job);

    g_autoptr(GError) error = NULL;
    job = run_log(path, NULL, FALSE, &ok, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_true(tw_job_is_partial(job));
    g_assert_cmpuint(n_events(job), ==, expected);
    g_assert_cmpint(tw_event_get_start(event_at(job, 0)), ==, utc(2026, 2, 13, 10, 30, 0));
    const char *source_error = tw_job_get_source_error(job, 0);
    g_assert_nonnull(strstr(source_error, "the compressed data ends early"));
    tw_job_free(job);
  }
}

static void
test_broken_strict(void)
{
  static const struct {
    const char *fixture;
    const char *message;
  } cases[] = {
      {"log/broken-syslog.log",
       "1: not an RFC 3164 syslog line (Mmm dd hh:mm:ss host app[pid]: message)"},
      {"log/broken-journal.json", "2: not JSON: unterminated string constant (column 64)"},
      {"log/broken-access.log",
       "2: not an access log line (Apache/nginx combined or common log format)"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = tw_test_fixture(cases[i].fixture);
    const char *options[] = {"year=2025", NULL};
    g_autoptr(GError) error = NULL;
    gboolean ok;
    TwJob *job = run_log(path, options, TRUE, &ok, &error);
    g_assert_false(ok);
    g_assert_nonnull(error);
    g_autofree char *expected = g_strdup_printf("%s:%s", path, cases[i].message);
    g_assert_cmpstr(error->message, ==, expected);
    tw_job_free(job);
  }
}

/* -- the option table, and what `timeweave plugins log` prints of it -- */

static void
test_option_table(void)
{
  const TwSourceInfo *info = tw_registry_find_source(registry, "log");
  g_assert_nonnull(info);
  g_assert_nonnull(info->description);
  static const char *const names[] = {"format", "regex", "time-format", "year", "timezone", "kind"};
  guint n = 0;
  for (const TwOptionSpec *o = info->options; o->name; o++, n++) {
    g_assert_cmpstr(o->name, ==, names[n]);
    g_assert_nonnull(o->help);
    g_assert_cmpuint(strlen(o->help), >, 30);
  }
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(names));

  static const char *const bad[][2] = {
      {"format", "xml"}, {"year", "last"}, {"timezone", "Mars/Olympus"}, {"colour", "x"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    TwJob *job = tw_job_new(registry);
    const char *keys[] = {bad[i][0], NULL};
    const char *values[] = {bad[i][1], NULL};
    g_autoptr(GError) error = NULL;
    g_assert_false(tw_job_add_source(job, "log", NULL, "x.log", NULL, keys, values, &error));
    g_assert_error(error, TW_OPTION_ERROR,
                   (i < 3) ? TW_OPTION_ERROR_VALUE : TW_OPTION_ERROR_UNKNOWN);
    tw_job_free(job);
  }

  if (!have_cli()) {
    tw_test_skip("no timeweave binary in the build tree");
    return;
  }
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = {"plugins", "log", NULL};
  g_assert_cmpint(run_cli(argv, "", &out, &err), ==, 0);
  g_assert_nonnull(strstr(out, "source log: "));
  for (const TwOptionSpec *o = info->options; o->name; o++) {
    g_autofree char *row = g_strdup_printf("\n  %s ", o->name);
    if (!strstr(out, row))
      g_error("`timeweave plugins log` does not list option %s:\n%s", o->name, out);
  }
  g_assert_nonnull(strstr(out, "auto|rfc3164|rfc5424|journal|combined|iso"));
  g_assert_nonnull(strstr(out, "modification time"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  g_autofree char *plugin = tw_test_find_plugin("log");
  registry = tw_registry_new();
  if (!tw_registry_load_file(registry, plugin, &error))
    g_error("%s", error->message);
  scratch = g_dir_make_tmp("tw-log-source-XXXXXX", &error);
  g_assert_no_error(error);

  g_test_add_func("/log-source/rfc3164/year-option", test_rfc3164_year_option);
  g_test_add_func("/log-source/rfc3164/file-time", test_rfc3164_file_time);
  g_test_add_func("/log-source/rfc3164/dst", test_rfc3164_dst);
  g_test_add_func("/log-source/rfc3164/rsyslog", test_rsyslog);
  g_test_add_func("/log-source/rfc5424", test_rfc5424);
  g_test_add_func("/log-source/journal-markers", test_journal_markers);
  g_test_add_func("/log-source/access-log", test_access_log);
  g_test_add_func("/log-source/journal", test_journal);
  g_test_add_func("/log-source/iso-lines", test_iso_lines);
  g_test_add_func("/log-source/regex", test_regex);
  g_test_add_func("/log-source/detect", test_detect);
  g_test_add_func("/log-source/detect/byte-order-mark", test_byte_order_mark);
  g_test_add_func("/log-source/broken/syslog", test_broken_syslog);
  g_test_add_func("/log-source/broken/journal", test_broken_journal);
  g_test_add_func("/log-source/broken/access", test_broken_access);
  g_test_add_func("/log-source/broken/rfc5424", test_broken_rfc5424);
  g_test_add_func("/log-source/broken/iso", test_broken_iso);
  g_test_add_func("/log-source/broken/truncated-gz", test_broken_truncated_gz);
  g_test_add_func("/log-source/broken/strict", test_broken_strict);
  g_test_add_func("/log-source/options", test_option_table);

  int status = g_test_run();
  tw_test_remove_dir(scratch);
  g_free(scratch);
  tw_registry_free(registry);
  return status;
}
