/* timeweave tests: the bodyfile source plugin.
 *
 * The plugin is loaded from the build tree (TW_BUILD_ROOT/plugins/bodyfile/) and run through a
 * real TwJob on body files shaped like fls output: a realistic listing (ext4, NTFS, FAT), odd
 * but readable lines (raw pipes in names, fractions of seconds, times before 1970, the TSK 2.x
 * layout, a BOM, CRLF, gzip), and broken lines, whose warnings are checked with their line
 * numbers on a subprocess's stderr. tests/test-bodyfile-mactime.py compares the same fixture
 * with mactime itself. */
#include <string.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwRegistry *registry;
static char *scratch;

static TwJob *
run_body(const char *path, const char *const *options, gboolean strict, gint64 from, gint64 to,
         gboolean *ok, GError **error)
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
  if (from != to)
    tw_job_set_range(job, from, to);
  g_autoptr(GError) add_error = NULL;
  gboolean added =
      tw_job_add_source(job, "bodyfile", NULL, path, NULL, (const char *const *)keys->pdata,
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
  TwJob *job = run_body(path, options, FALSE, 0, 0, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  return job;
}

static gint64
utc(int year, int month, int day, int hour, int minute, int second)
{
  return tw_civil_to_usec(year, month, day, hour, minute, second);
}

/* The event of @path (the path attribute) with kind @macb; fails when there is not exactly one. */
static const TwEvent *
find(const TwJob *job, const char *path, const char *macb)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  const TwEvent *found = NULL;
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    if (g_strcmp0(tw_event_lookup_attribute(e, "path"), path) == 0 &&
        g_strcmp0(tw_event_get_kind(e), macb) == 0) {
      if (found)
        g_error("two events %s for %s", macb, path);
      found = e;
    }
  }
  if (!found)
    g_error("no event %s for %s", macb, path);
  return found;
}

/* How many events the timeline has for @path. */
static guint
count_path(const TwJob *job, const char *path)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  guint n = 0;
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
    n +=
        g_strcmp0(tw_event_lookup_attribute(tw_timeline_get_event(timeline, i), "path"), path) == 0;
  return n;
}

static void
assert_instant(const TwEvent *e, gint64 usec)
{
  g_assert_cmpint(tw_event_get_start(e), ==, usec);
  g_assert_cmpint(tw_event_get_end(e), ==, usec);
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_EXACT);
  g_assert_cmpint(tw_event_get_qualifier(e), ==, TW_QUALIFIER_NONE);
  g_assert_false(tw_event_is_floating(e));
}

/* -- a realistic listing -- */

static void
test_realistic(void)
{
  g_autofree char *path = tw_test_fixture("bodyfile/realistic.body");
  TwJob *job = run_ok(path, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);

  /* 41 files with 87 distinct known times; two $OrphanFiles lines with none; no warning. */
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 87);
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 87);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  g_assert_cmpuint(count_path(job, "/$OrphanFiles"), ==, 0);

  /* /etc/passwd: read at 01:00:00, modified and changed at 22:10:41, born in 2019. */
  const TwEvent *e = find(job, "/etc/passwd", "m.c.");
  assert_instant(e, utc(2020, 3, 28, 22, 10, 41));
  g_assert_cmpstr(tw_event_get_title(e), ==, "/etc/passwd");
  g_assert_cmpstr(tw_event_get_source(e), ==, "realistic");
  g_assert_null(tw_event_get_zone(e));
  g_assert_null(tw_event_get_description(e));
  g_assert_cmpuint(tw_event_get_n_tags(e), ==, 0);
  g_assert_cmpuint(tw_event_get_n_actors(e), ==, 0);
  static const char *const passwd[][2] = {
      {"path", "/etc/passwd"},
      {"inode", "393301"},
      {"mode", "r/rrw-r--r--"},
      {"uid", "0"},
      {"gid", "0"},
      {"size", "1843"},
      {"md5", "9b6a4cbd3ac0a3d93b3e7d3e5e1ac3f0"},
  };
  g_assert_cmpuint(tw_event_get_n_attributes(e), ==, G_N_ELEMENTS(passwd));
  for (guint i = 0; i < G_N_ELEMENTS(passwd); i++) {
    g_assert_cmpstr(tw_event_get_attribute(e, i)->key, ==, passwd[i][0]);
    g_assert_cmpstr(tw_event_get_attribute(e, i)->value, ==, passwd[i][1]);
  }
  assert_instant(find(job, "/etc/passwd", ".a.."), utc(2020, 3, 29, 1, 0, 0));
  assert_instant(find(job, "/etc/passwd", "...b"), utc(2019, 11, 2, 8, 16, 20));
  g_assert_cmpuint(count_path(job, "/etc/passwd"), ==, 3);
  /* The id is stable: a hash of the source name, inode, time, letters and name. */
  g_assert_cmpuint(strlen(tw_event_get_id(e)), ==, 32);
  g_assert_cmpstr(tw_event_get_id(e), !=, tw_event_get_id(find(job, "/etc/passwd", ".a..")));

  /* No hash (0) and an empty hash (32 zeros) are no md5 attribute. */
  g_assert_null(tw_event_lookup_attribute(find(job, "/etc/shadow", "m.c."), "md5"));
  g_assert_cmpstr(tw_event_lookup_attribute(find(job, "/etc/shadow", "m.c."), "gid"), ==, "42");
  g_assert_null(tw_event_lookup_attribute(find(job, "/etc/group", "m.c."), "md5"));

  /* All four times equal: one event, macb. */
  e = find(job, "/lost+found", "macb");
  assert_instant(e, utc(2019, 11, 2, 8, 14, 3));
  g_assert_cmpuint(count_path(job, "/lost+found"), ==, 1);
  g_assert_cmpstr(tw_event_lookup_attribute(e, "mode"), ==, "d/drwx------");

  /* NTFS: the $FILE_NAME times are their own file name; inodes keep TSK's type-id form. */
  e = find(job, "C:/Users/alice/Downloads/invoice.pdf.exe", "m..b");
  assert_instant(e, utc(2020, 3, 28, 22, 3, 5));
  g_assert_cmpstr(tw_event_lookup_attribute(e, "inode"), ==, "88412-128-3");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "md5"), ==, "e99a18c428cb38d5f260853678922e03");
  assert_instant(find(job, "C:/Users/alice/Downloads/invoice.pdf.exe", ".ac."),
                 utc(2020, 3, 28, 22, 3, 11));
  e = find(job, "C:/Users/alice/Downloads/invoice.pdf.exe ($FILE_NAME)", "macb");
  assert_instant(e, utc(2020, 3, 28, 22, 3, 5));
  g_assert_cmpstr(tw_event_lookup_attribute(e, "inode"), ==, "88412-48-2");
  g_assert_cmpuint(count_path(job, "C:/Users/alice/Downloads/invoice.pdf.exe:Zone.Identifier"), ==,
                   2);

  /* Unknown (0) times give no event: ext3 has no creation time, FAT no change time. */
  assert_instant(find(job, "/boot/grub/grub.cfg", "m.c."), utc(2020, 2, 15, 11, 22, 40));
  g_assert_cmpuint(count_path(job, "/boot/grub/grub.cfg"), ==, 2);
  assert_instant(find(job, "E:/PAYROLL.XLS", ".a.."), utc(2020, 3, 28, 0, 0, 0));
  assert_instant(find(job, "E:/PAYROLL.XLS", "m..."), utc(2020, 3, 27, 16, 44, 12));
  assert_instant(find(job, "E:/PAYROLL.XLS", "...b"), utc(2020, 3, 27, 16, 40, 1));
  g_assert_cmpuint(count_path(job, "E:/PAYROLL.XLS"), ==, 3);

  /* Names: %7C is a pipe and %25 a percent sign (as mactime reads them); spaces, commas,
   * quotes, UTF-8, symlink targets and deletion notes are part of the name. */
  g_assert_cmpuint(count_path(job, "/home/deploy/notes|draft|old.txt"), ==, 1);
  assert_instant(find(job, "/home/deploy/notes|draft|old.txt", "macb"), utc(2020, 2, 10, 8, 0, 0));
  assert_instant(find(job, "/home/deploy/100% done.txt", "ma.b"), utc(2020, 3, 27, 12, 0, 0));
  assert_instant(find(job, "/home/deploy/100% done.txt", "..c."), utc(2020, 3, 27, 12, 0, 1));
  find(job, "/home/deploy/Quarterly report, final \"v2\".ods", "m.cb");
  find(job, "/home/deploy/Grüße aus Köln.txt", "macb");
  find(job, "/home/deploy/報告書.pdf", "...b");
  find(job, "/usr/bin/python3 -> python3.7", ".a..");
  find(job, "/var/tmp/.x/kworker.sh (deleted)", "..c.");
  find(job, "/tmp/upload.php (deleted-realloc)", "ma.b");
  /* A title is a trimmed line; the path attribute keeps the name exactly. */
  e = find(job, "/home/deploy/  leading and trailing spaces  ", "macb");
  g_assert_cmpstr(tw_event_get_title(e), ==, "/home/deploy/  leading and trailing spaces");
  tw_job_free(job);
}

/* --from/--to keep [from, to), as mactime's range does; the timezone option moves nothing. */
static void
test_range_and_zone(void)
{
  g_autofree char *path = tw_test_fixture("bodyfile/realistic.body");
  g_autoptr(GError) error = NULL;
  gboolean ok;
  const char *zone[] = {"timezone=Europe/Berlin", NULL};

  /* Berlin's 2020-03-29: 00:00+01:00 to 00:00+02:00 (23 hours: the clocks went forward). */
  TwJob *job = run_body(path, zone, FALSE, utc(2020, 3, 28, 23, 0, 0), utc(2020, 3, 29, 22, 0, 0),
                        &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 13);
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    g_assert_cmpint(tw_event_get_start(e), >=, utc(2020, 3, 28, 23, 0, 0));
    g_assert_cmpint(tw_event_get_start(e), <, utc(2020, 3, 29, 22, 0, 0));
    g_assert_cmpstr(tw_event_get_zone(e), ==, "Europe/Berlin");
  }
  /* The first instant of the range is in it; the times just before and at its end are not. */
  assert_instant(tw_timeline_get_event(timeline, 0), utc(2020, 3, 28, 23, 58, 0));
  assert_instant(find(job, "/etc/passwd", ".a.."), utc(2020, 3, 29, 1, 0, 0));
  tw_job_free(job);

  /* Exactly at from is kept; exactly at to is not. */
  job = run_body(path, NULL, FALSE, utc(2020, 3, 28, 22, 3, 5), utc(2020, 3, 29, 1, 0, 0), &ok,
                 &error);
  g_assert_true(ok);
  timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 29);
  assert_instant(tw_timeline_get_event(timeline, 0), utc(2020, 3, 28, 22, 3, 5));
  g_assert_cmpuint(count_path(job, "/etc/passwd"), ==, 1); /* its atime is at the end */
  tw_job_free(job);
}

/* -- odd but readable -- */

static void
test_odd(void)
{
  g_autofree char *path = tw_test_fixture("bodyfile/odd.body");
  TwJob *job = run_ok(path, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);

  /* 12 events; the repeated line gives the same one twice, merged. No warning: the BOM'd
   * header row, the blank line and CRLF are all fine. */
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 12);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 11);
  g_assert_cmpuint(count_path(job, "/dup/twice.txt"), ==, 1);

  /* fls writes a | in a name as it is: the name is joined back. */
  const TwEvent *e = find(job, "/srv/www/a|b|c.html", "macb");
  assert_instant(e, utc(2020, 3, 28, 22, 10, 41));
  g_assert_cmpstr(tw_event_lookup_attribute(e, "inode"), ==, "2049");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "uid"), ==, "33");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "size"), ==, "812");

  /* %ce would be a stray byte: the real name is kept. %20 is decoded. */
  find(job, "/data/per%cent.txt", "macb");
  find(job, "/data/space name.txt", "macb");

  /* Fractions of seconds are kept (to the microsecond: .250000999 is .25, as atime is). */
  gint64 base = utc(2020, 3, 28, 22, 10, 41);
  e = find(job, "/mnt/image/DCIM/IMG_0001.JPG", "ma..");
  assert_instant(e, base + 250000);
  assert_instant(find(job, "/mnt/image/DCIM/IMG_0001.JPG", "..c."), base);
  assert_instant(find(job, "/mnt/image/DCIM/IMG_0001.JPG", "...b"), base - 1);
  /* Empty UID and GID: no such attributes. */
  g_assert_null(tw_event_lookup_attribute(e, "uid"));
  g_assert_null(tw_event_lookup_attribute(e, "gid"));
  g_assert_cmpstr(tw_event_lookup_attribute(e, "size"), ==, "1048576");

  /* Before 1970. */
  assert_instant(find(job, "/mnt/old/letter.txt", "ma.."), utc(1969, 12, 31, 0, 0, 0));
  g_assert_cmpuint(count_path(job, "/mnt/old/letter.txt"), ==, 1);

  /* The TSK 2.x layout, recognised by its shape: no creation time. */
  e = find(job, "/tsk2/etc/hosts", ".a..");
  assert_instant(e, utc(2020, 3, 28, 22, 10, 41));
  g_assert_cmpstr(tw_event_lookup_attribute(e, "inode"), ==, "1234567");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "mode"), ==, "-rw-r--r--");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "size"), ==, "221");
  assert_instant(find(job, "/tsk2/etc/hosts", "m.c."), utc(2020, 3, 28, 22, 10, 0));

  find(job, "/crlf/line.txt", "macb");
  tw_job_free(job);

  /* unescape=false keeps %20. layout=3 would read the 2.x line as a 3.x line whose name has
   * five pipes in it, with its times from the wrong fields (why auto looks at the shape): the
   * fields after such a name have no mode string where a 3.x line has one, and the line is
   * refused with a warning. */
  const char *raw[] = {"unescape=false", "layout=3", NULL};
  job = run_ok(path, raw);
  find(job, "/data/space%20name.txt", "macb");
  g_assert_cmpuint(count_path(job, "/tsk2/etc/hosts"), ==, 0);
  g_assert_cmpuint(count_path(job, "/tsk2/etc/hosts|770|1234567|33188|-rw-r--r--|1"), ==, 0);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 1);
  tw_job_free(job);
}

/* A gzip body file is read as it is. */
static void
test_gzip(void)
{
  g_autofree char *fixture = tw_test_fixture("bodyfile/realistic.body");
  g_autofree char *text = NULL;
  gsize length;
  g_assert_true(g_file_get_contents(fixture, &text, &length, NULL));

  g_autofree char *path = g_build_filename(scratch, "realistic.body.gz", NULL);
  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autoptr(GFileOutputStream) raw =
      g_file_replace(file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL);
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) out =
      g_converter_output_stream_new(G_OUTPUT_STREAM(raw), G_CONVERTER(gzip));
  g_assert_true(g_output_stream_write_all(out, text, length, NULL, NULL, NULL));
  g_assert_true(g_output_stream_close(out, NULL, NULL));

  TwJob *job = run_ok(path, NULL);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 87);
  tw_job_free(job);
}

/* -- broken lines -- */

static void
test_broken_warn(void)
{
  if (g_test_subprocess()) {
    g_autofree char *path = tw_test_fixture("bodyfile/broken.body");
    TwJob *job = run_ok(path, NULL);
    g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 3);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 11);
    find(job, "/good/first", "macb");
    find(job, "/good/last", "macb");
    /* A `|` after the last field is an empty field too many, as mactime's split drops it: the
     * inode is not joined to the name. */
    const TwEvent *e = find(job, "/good/trailing-bar", "macb");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "inode"), ==, "12");
    g_assert_cmpstr(tw_event_lookup_attribute(e, "mode"), ==, "r/rrw-r--r--");
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_autofree char *path = tw_test_fixture("bodyfile/broken.body");
  static const char *const expected[] = {
      "3: warning: 6 fields, a TSK 3.x body line has 11 "
      "(MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime)",
      "4: warning: UID 'root' is not a number",
      "5: warning: GID 'wheel' is not a number",
      "6: warning: size '12k' is not a number",
      "7: warning: atime 'yesterday' is not a time in Unix seconds (or out of range)",
      "8: warning: mtime '1585433441x' is not a time in Unix seconds (or out of range)",
      "9: warning: ctime '1.' is not a time in Unix seconds (or out of range)",
      "10: warning: crtime '99999999999999' is not a time in Unix seconds (or out of range)",
      "11: warning: the name is empty",
      "12: warning: 1 field, a TSK 3.x body line has 11 ",
      /* Two fields too many: read from the end, the inode and mode would be 1 and 0. */
      "15: warning: 13 fields, a TSK 3.x body line has 11, and the fields after the name are not "
      "inode|mode|... (a field too many?)",
  };
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    g_autofree char *pattern = g_strdup_printf("*timeweave: %s:%s*", path, expected[i]);
    g_test_trap_assert_stderr(pattern);
  }
  g_autofree char *comment = g_strdup_printf("*%s:1:*", path);
  g_test_trap_assert_stderr_unmatched(comment);
  g_autofree char *good = g_strdup_printf("*%s:13:*", path);
  g_test_trap_assert_stderr_unmatched(good);
  g_autofree char *trailing = g_strdup_printf("*%s:14:*", path);
  g_test_trap_assert_stderr_unmatched(trailing);
}

static void
test_broken_strict(void)
{
  g_autofree char *path = tw_test_fixture("bodyfile/broken.body");
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_body(path, NULL, TRUE, 0, 0, &ok, &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_autofree char *expected =
      g_strdup_printf("%s:3: 6 fields, a TSK 3.x body line has 11 "
                      "(MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime)",
                      path);
  g_assert_cmpstr(error->message, ==, expected);
  tw_job_free(job);
}

/* A forced 2.x layout names its own fields; a missing file or a folder is one line. */
static void
test_errors(void)
{
  g_autofree char *path = tw_test_fixture("bodyfile/realistic.body");
  g_autoptr(GError) error = NULL;
  gboolean ok;
  const char *two[] = {"layout=2", NULL};
  TwJob *job = run_body(path, two, TRUE, 0, 0, &ok, &error);
  g_assert_false(ok);
  g_autofree char *expected =
      g_strdup_printf("%s:3: 11 fields, a TSK 2.x body line has 16 "
                      "(MD5|name|device|inode|mode_as_value|mode|links|UID|GID|rdev|size|atime|"
                      "mtime|ctime|block_size|blocks)",
                      path);
  g_assert_cmpstr(error->message, ==, expected);
  tw_job_free(job);
  g_clear_error(&error);

  g_autofree char *missing = g_build_filename(scratch, "missing.body", NULL);
  job = run_body(missing, NULL, FALSE, 0, 0, &ok, &error);
  g_assert_false(ok);
  g_autofree char *no_file = g_strdup_printf("%s: no such file", missing);
  g_assert_cmpstr(error->message, ==, no_file);
  tw_job_free(job);
  g_clear_error(&error);

  /* A broken gzip file fails as it is read, with the reader's message. */
  g_autofree char *broken_gz = g_build_filename(scratch, "broken.body.gz", NULL);
  g_assert_true(g_file_set_contents(broken_gz, "\x1f\x8b\x08\x00not really gzip", -1, NULL));
  job = run_body(broken_gz, NULL, FALSE, 0, 0, &ok, &error);
  g_assert_false(ok);
  g_autofree char *gz_prefix = g_strdup_printf("%s:1: ", broken_gz);
  g_assert_true(g_str_has_prefix(error->message, gz_prefix));
  g_assert_nonnull(strstr(error->message, "compressed data"));
  g_assert_null(strchr(error->message, '\n'));
  tw_job_free(job);
  g_clear_error(&error);

  job = run_body(scratch, NULL, FALSE, 0, 0, &ok, &error);
  g_assert_false(ok);
  g_autofree char *folder = g_strdup_printf("%s: is a directory, not a file", scratch);
  g_assert_cmpstr(error->message, ==, folder);
  tw_job_free(job);
}

static void
test_option_table(void)
{
  const TwSourceInfo *info = tw_registry_find_source(registry, "bodyfile");
  g_assert_nonnull(info);
  g_assert_nonnull(info->description);
  static const char *const names[] = {"timezone", "layout", "unescape"};
  static const char *const defaults[] = {NULL, "auto", "true"};
  guint n = 0;
  for (const TwOptionSpec *o = info->options; o->name; o++, n++) {
    g_assert_cmpuint(n, <, G_N_ELEMENTS(names));
    g_assert_cmpstr(o->name, ==, names[n]);
    g_assert_cmpstr(o->default_value, ==, defaults[n]);
    g_assert_nonnull(o->help);
  }
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(names));

  static const char *const bad[][2] = {
      {"layout", "4"}, {"timezone", "Mars/Olympus"}, {"unescape", "maybe"}, {"zone", "UTC"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    TwJob *job = tw_job_new(registry);
    const char *keys[] = {bad[i][0], NULL};
    const char *values[] = {bad[i][1], NULL};
    g_autoptr(GError) error = NULL;
    g_assert_false(tw_job_add_source(job, "bodyfile", NULL, "x.body", NULL, keys, values, &error));
    g_assert_error(error, TW_OPTION_ERROR,
                   (i < 3) ? TW_OPTION_ERROR_VALUE : TW_OPTION_ERROR_UNKNOWN);
    tw_job_free(job);
  }
}

/* A line's events after the first keep its fields (tw_sink_commit_keep()); under a memory limit
 * that sends the stored events to disk every few hundred lines, in the middle of a line's
 * events, the export must be the bytes of the run in memory (under AddressSanitizer: no kept
 * text left in a shard gone to disk). */
static void
test_memory_limit(void)
{
  g_autoptr(GString) text = g_string_new("MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|"
                                         "ctime|crtime\n");
  guint n_events = 0;
  for (guint i = 0; i < 6000; i++) {
    gint64 base = 1500000000 + (gint64)i * 37;
    /* One to four distinct times a line, and a zero crtime (unknown) on some. */
    gint64 m = base, a = base + (i % 2) * 11, c = base + (i % 3) * 5, b = i % 5 ? base - 7 : 0;
    g_string_append_printf(text,
                           "%s|/home/user%u/file-%u.txt|%u|r/rrw-r--r--|%u|%u|%u|%" G_GINT64_FORMAT
                           "|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "\n",
                           i % 7 ? "0" : "d41d8cd98f00b204e9800998ecf8427e", i % 13, i, 1000 + i,
                           1000 + i % 4, 100 + i % 3, i * 17, a, m, c, b);
    gint64 times[] = {m, a, c, b};
    for (guint t = 0; t < 4; t++) {
      gboolean first = times[t] != 0;
      for (guint u = 0; u < t && first; u++)
        first = times[u] != times[t];
      n_events += first;
    }
  }
  g_autofree char *path = g_build_filename(scratch, "many.body", NULL);
  g_assert_true(g_file_set_contents(path, text->str, (gssize)text->len, NULL));

  char *exports[2] = {NULL, NULL};
  for (guint limited = 0; limited < 2; limited++) {
    TwJob *job = tw_job_new(registry);
    const char *none[] = {NULL};
    g_autoptr(GError) error = NULL;
    tw_job_set_threads(job, 1);
    tw_job_set_memory_limit(job, limited ? 64 << 10 : 0);
    g_assert_true(tw_job_add_source(job, "bodyfile", NULL, path, NULL, none, none, &error));
    exports[limited] = g_build_filename(scratch, limited ? "limited.csv" : "memory.csv", NULL);
    g_assert_true(tw_job_add_export(job, "csv", exports[limited], none, none, &error));
    g_assert_true(tw_job_run(job, &error));
    g_assert_no_error(error);
    guint runs = 0;
    g_assert_cmpint(tw_job_get_spill(job, &runs, NULL), ==, limited);
    if (limited)
      g_assert_cmpuint(runs, >, 10);
    else
      g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, n_events);
    tw_job_free(job);
  }
  g_autofree char *memory = NULL, *disk = NULL;
  gsize memory_length, disk_length;
  g_assert_true(g_file_get_contents(exports[0], &memory, &memory_length, NULL));
  g_assert_true(g_file_get_contents(exports[1], &disk, &disk_length, NULL));
  g_assert_cmpuint(disk_length, ==, memory_length);
  g_assert_true(memcmp(disk, memory, memory_length) == 0);
  g_free(exports[0]);
  g_free(exports[1]);
  /* Every line's events carry its fields, the first's and the kept ones' alike. */
  g_assert_nonnull(strstr(memory, "/home/user6/file-6.txt,many,mac.,"));
  g_assert_nonnull(strstr(memory, "/home/user6/file-6.txt,many,...b,"));
  g_assert_nonnull(strstr(memory, "/home/user7/file-7.txt,many,.a..,"));
  g_assert_nonnull(strstr(memory, "/home/user7/file-7.txt,many,..c.,"));
  g_assert_nonnull(strstr(memory, "\"\"inode\"\":\"\"1007\"\",\"\"mode\"\":\"\"r/rrw-r--r--\"\""));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  g_autofree char *plugin = tw_test_find_plugin("bodyfile");
  registry = tw_registry_new();
  if (!tw_registry_load_file(registry, plugin, &error))
    g_error("%s", error->message);
  scratch = g_dir_make_tmp("tw-bodyfile-source-XXXXXX", &error);
  g_assert_no_error(error);

  g_test_add_func("/bodyfile-source/realistic", test_realistic);
  g_test_add_func("/bodyfile-source/range-and-zone", test_range_and_zone);
  g_test_add_func("/bodyfile-source/odd", test_odd);
  g_test_add_func("/bodyfile-source/gzip", test_gzip);
  g_test_add_func("/bodyfile-source/broken/warn", test_broken_warn);
  g_test_add_func("/bodyfile-source/broken/strict", test_broken_strict);
  g_test_add_func("/bodyfile-source/errors", test_errors);
  g_test_add_func("/bodyfile-source/options", test_option_table);
  g_test_add_func("/bodyfile-source/memory-limit", test_memory_limit);

  int status = g_test_run();
  tw_test_remove_dir(scratch);
  g_free(scratch);
  tw_registry_free(registry);
  return status;
}
