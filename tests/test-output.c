/* Tests of TwOutput: atomic replacement, buffering, sticky errors, JSON string escapes, direct
 * writes. */
#define _GNU_SOURCE /* O_DIRECT */
#include "private.h"
#include "tw-test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

static char *
make_temp_dir(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("tw-output-XXXXXX", &error);

  g_assert_no_error(error);
  return dir;
}

static void
remove_tree(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
    g_autofree char *path = g_build_filename(dir, name, NULL);

    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
      remove_tree(path);
    else
      g_assert_cmpint(g_unlink(path), ==, 0);
  }
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* The names in @dir, sorted and joined with spaces. */
static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *
list_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;

  g_assert_nonnull(d);
  while ((name = g_dir_read_name(d)) != NULL)
    g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  g_ptr_array_add(names, NULL);
  return g_strjoinv(" ", (char **)names->pdata);
}

static char *
read_file(const char *path, gsize *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents(path, &contents, length, &error);
  g_assert_no_error(error);
  return contents;
}

static void
write_old(const char *path, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents(path, text, -1, &error);
  g_assert_no_error(error);
}

/* Two outputs open at once to one destination (a file by any spelling or symbolic link, or
 * standard output) would mix or replace each other: the second is refused, until the first is
 * closed or aborted. */
static void
test_one_destination(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *path = g_build_filename(dir, "out.csv", NULL);
  g_autofree char *other_spelling = g_build_filename(dir, ".", "out.csv", NULL);
  g_autofree char *link = g_build_filename(dir, "link.csv", NULL);
  g_autofree char *folder_link = g_build_filename(dir, "here", NULL);
  g_autofree char *through_folder = g_build_filename(folder_link, "out.csv", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true(g_file_set_contents(path, "older", -1, NULL));
  g_assert_cmpint(symlink("out.csv", link), ==, 0);
  g_assert_cmpint(symlink(".", folder_link), ==, 0);
  TwOutput *first = tw_output_open(path, &error);
  g_assert_no_error(error);
  const char *const again[] = {path, other_spelling, link, through_folder};
  for (guint i = 0; i < G_N_ELEMENTS(again); i++) {
    g_assert_null(tw_output_open(again[i], &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_autofree char *expected = g_strdup_printf(
        "%s: another output of this run writes it too (give each output a file of its own)",
        again[i]);
    g_assert_cmpstr(error->message, ==, expected);
    g_clear_error(&error);
  }
  tw_output_puts(first, "new");
  g_assert_true(tw_output_close(first, &error));
  tw_output_free(first);
  /* Closed, it is free again; aborted too. */
  TwOutput *second = tw_output_open(other_spelling, &error);
  g_assert_no_error(error);
  tw_output_abort(second);
  TwOutput *third = tw_output_open(link, &error);
  g_assert_no_error(error);
  tw_output_free(third);
  tw_output_free(second);
  g_autofree char *contents = read_file(path, NULL);
  g_assert_cmpstr(contents, ==, "new");

  TwOutput *out = tw_output_open("-", &error);
  g_assert_no_error(error);
  g_assert_null(tw_output_open("-", &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_true(g_str_has_prefix(error->message, "standard output: another output"));
  g_clear_error(&error);
  tw_output_abort(out);
  tw_output_free(out);
  out = tw_output_open("-", &error);
  g_assert_no_error(error);
  tw_output_free(out);
  g_unlink(link);
  g_unlink(folder_link);
  g_unlink(path);
  g_rmdir(dir);
}

static void
test_write_and_close(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *path = g_build_filename(dir, "out.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwOutput) out = NULL;
  g_autofree char *names = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  struct stat st;
  mode_t old_umask = umask(022);

  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(tw_output_get_path(out), ==, path);
  tw_output_puts(out, "hello");
  tw_output_putc(out, ' ');
  tw_output_printf(out, "%d %s", 42, "world");
  tw_output_write(out, "!\nrest", 2);

  /* Until closed, only the temporary file exists: `.NAME.XXXXXX` in the same folder. */
  g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
  names = list_dir(dir);
  g_assert_true(g_str_has_prefix(names, ".out.json."));
  g_assert_cmpuint(strlen(names), ==, strlen(".out.json.XXXXXX"));

  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  contents = read_file(path, &length);
  g_assert_cmpstr(contents, ==, "hello 42 world!\n");
  g_clear_pointer(&names, g_free);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "out.json");
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 07777, ==, 0644);

  /* The umask applies as for any new file. */
  umask(077);
  g_clear_pointer(&out, tw_output_free);
  g_unlink(path);
  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  tw_output_puts(out, "x");
  g_assert_true(tw_output_close(out, &error));
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 07777, ==, 0600);

  umask(old_umask);
  remove_tree(dir);
}

static void
test_replace_keeps_mode(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *path = g_build_filename(dir, "out.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwOutput) out = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *names = NULL;
  struct stat st;

  write_old(path, "old export\n");
  g_assert_cmpint(g_chmod(path, 0640), ==, 0);
  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  tw_output_puts(out, "new export\n");
  /* The old export is intact while the new one is written. */
  contents = read_file(path, NULL);
  g_assert_cmpstr(contents, ==, "old export\n");
  g_clear_pointer(&contents, g_free);
  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  contents = read_file(path, NULL);
  g_assert_cmpstr(contents, ==, "new export\n");
  g_assert_cmpint(g_stat(path, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 07777, ==, 0640);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "out.csv");
  remove_tree(dir);
}

static void
test_abort_keeps_old(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *path = g_build_filename(dir, "out.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *names = NULL;
  TwOutput *out;

  write_old(path, "{\"old\": true}\n");

  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 10000; i++)
    tw_output_puts(out, "partial partial partial\n");
  tw_output_abort(out);
  tw_output_abort(out); /* a second abort does nothing */
  tw_output_free(out);
  contents = read_file(path, NULL);
  g_assert_cmpstr(contents, ==, "{\"old\": true}\n");
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "out.json");

  /* Freeing an output that was neither closed nor aborted aborts it. */
  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  tw_output_puts(out, "partial");
  tw_output_free(out);
  g_clear_pointer(&contents, g_free);
  contents = read_file(path, NULL);
  g_assert_cmpstr(contents, ==, "{\"old\": true}\n");
  g_clear_pointer(&names, g_free);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "out.json");
  remove_tree(dir);
}

static void
test_open_errors(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *missing = g_build_filename(dir, "no-such-folder", "out.json", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *names = NULL;
  g_autoptr(GError) error = NULL;
  TwOutput *out;

  out = tw_output_open(missing, &error);
  g_assert_null(out);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  expected = g_strdup_printf("%s: %s", missing, g_strerror(ENOENT));
  g_assert_cmpstr(error->message, ==, expected);
  g_clear_error(&error);
  g_clear_pointer(&expected, g_free);

  /* A folder as the target: refused at once, not after writing everything. */
  out = tw_output_open(dir, &error);
  g_assert_null(out);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  expected = g_strdup_printf("%s: %s", dir, g_strerror(EISDIR));
  g_assert_cmpstr(error->message, ==, expected);
  g_clear_error(&error);

  out = tw_output_open("", &error);
  g_assert_null(out);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  g_clear_error(&error);

  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "");
  remove_tree(dir);
}

/* In a child process (where the limit and the ignored SIGXFSZ stay): an export into @dir that
 * RLIMIT_FSIZE stops at @limit_bytes, after @write_some wrote to it, fails with EFBIG, the way a
 * full disk fails it with ENOSPC. The error is sticky (later writes are dropped, close reports the
 * first failure, in one line), the older export stays and the temporary file goes. */
static void
assert_failed_write_keeps_old(const char *dir, rlim_t limit_bytes,
                              void (*write_some)(TwOutput *out))
{
  g_autofree char *path = g_build_filename(dir, "out.csv", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *names = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TwOutput) out = NULL;
  struct rlimit limit;

  write_old(path, "old,export\r\n");
  g_assert_cmpint(getrlimit(RLIMIT_FSIZE, &limit), ==, 0);
  limit.rlim_cur = limit_bytes;
  g_assert_cmpint(setrlimit(RLIMIT_FSIZE, &limit), ==, 0);
  signal(SIGXFSZ, SIG_IGN);

  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  write_some(out);
  tw_output_puts(out, "more");
  g_assert_false(tw_output_close(out, &error));
  g_assert_error(error, G_IO_ERROR, (int)g_io_error_from_errno(EFBIG));
  expected = g_strdup_printf("%s: %s", path, g_strerror(EFBIG));
  g_assert_cmpstr(error->message, ==, expected);
  g_assert_null(strchr(error->message, '\n'));

  contents = read_file(path, NULL);
  g_assert_cmpstr(contents, ==, "old,export\r\n");
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "out.csv");
}

static void
write_rows(TwOutput *out)
{
  for (int i = 0; i < 100000; i++)
    tw_output_puts(out, "new,export,row\r\n");
}

/* A real failed write on a regular file: RLIMIT_FSIZE makes write(2) fail with EFBIG once the
 * temporary file reaches 100000 bytes. */
static void
test_failed_write_keeps_old(void)
{
  if (g_test_subprocess()) {
    g_autofree char *dir = make_temp_dir();
    assert_failed_write_keeps_old(dir, 100000, write_rows);
    remove_tree(dir);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
}

/* An existing device is written in place (a rename would replace the node). /dev/full fails
 * every write with ENOSPC, which close reports. */
static void
test_device_targets(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TwOutput) out = NULL;
  g_autofree char *expected = NULL;
  struct stat st;

  out = tw_output_open("/dev/null", &error);
  g_assert_no_error(error);
  tw_output_puts(out, "discarded\n");
  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  g_assert_cmpint(g_stat("/dev/null", &st), ==, 0);
  g_assert_true(S_ISCHR(st.st_mode));
  g_clear_pointer(&out, tw_output_free);

  if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
    tw_test_skip("no /dev/full on this system");
    return;
  }
  out = tw_output_open("/dev/full", &error);
  g_assert_no_error(error);
  tw_output_puts(out, "a full disk\n");
  g_assert_false(tw_output_close(out, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  expected = g_strdup_printf("/dev/full: %s", g_strerror(ENOSPC));
  g_assert_cmpstr(error->message, ==, expected);
}

static void
test_stdout(void)
{
  if (g_test_subprocess()) {
    g_autoptr(GError) error = NULL;
    g_autoptr(TwOutput) out = tw_output_open("-", &error);

    g_assert_no_error(error);
    for (int i = 0; i < 20000; i++)
      tw_output_puts(out, "line\n");
    tw_output_puts(out, "end\n");
    g_assert_true(tw_output_close(out, &error));
    g_assert_no_error(error);
    return;
  }
  g_autoptr(GString) expected = g_string_new(NULL);

  for (int i = 0; i < 20000; i++)
    g_string_append(expected, "line\n");
  g_string_append(expected, "end\n");
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stdout(expected->str);
}

static void
test_stdout_full(void)
{
  if (g_test_subprocess()) {
    g_autoptr(GError) error = NULL;
    g_autoptr(TwOutput) out = NULL;
    g_autofree char *expected = NULL;
    int fd = open("/dev/full", O_WRONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(dup2(fd, STDOUT_FILENO), ==, STDOUT_FILENO);
    out = tw_output_open("-", &error);
    g_assert_no_error(error);
    tw_output_puts(out, "nowhere to go\n");
    g_assert_false(tw_output_close(out, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
    expected = g_strdup_printf("standard output: %s", g_strerror(ENOSPC));
    g_assert_cmpstr(error->message, ==, expected);
    return;
  }
  if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
    tw_test_skip("no /dev/full on this system");
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
}

/* Writes of every size, across the 64 KiB buffer's boundary and larger than it. */
static void
test_buffering(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *path = g_build_filename(dir, "big.bin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwOutput) out = NULL;
  g_autoptr(GString) expected = g_string_new(NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed(7);
  g_autofree char *chunk = g_malloc(300000);
  g_autofree char *contents = NULL;
  gsize length;

  for (gsize i = 0; i < 300000; i++)
    chunk[i] = (char)(i * 131 % 251);
  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  for (int i = 0; i < 200; i++) {
    gsize size = (gsize)g_rand_int_range(rand, 0, i % 10 == 0 ? 300000 : 70000);
    gsize offset = (gsize)g_rand_int_range(rand, 0, 1000);

    size = MIN(size, 300000 - offset);
    tw_output_write(out, chunk + offset, size);
    g_string_append_len(expected, chunk + offset, (gssize)size);
    tw_output_putc(out, (char)i);
    g_string_append_c(expected, (char)i);
    if (i % 7 == 0) {
      tw_output_printf(out, "[%d:%0500d]", i, i);
      g_string_append_printf(expected, "[%d:%0500d]", i, i);
    }
  }
  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  contents = read_file(path, &length);
  g_assert_cmpuint(length, ==, expected->len);
  g_assert_true(memcmp(contents, expected->str, length) == 0);
  remove_tree(dir);
}

static char *
json_string_of(const char *text)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *path = g_build_filename(dir, "s.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwOutput) out = tw_output_open(path, &error);
  char *contents;

  g_assert_no_error(error);
  tw_output_write_json_string(out, text);
  g_assert_true(tw_output_close(out, &error));
  contents = read_file(path, NULL);
  remove_tree(dir);
  return contents;
}

static void
test_json_string(void)
{
  static const struct {
    const char *text;
    const char *json;
  } cases[] = {
      {"", "\"\""},
      {"plain", "\"plain\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"back\\slash/slash", "\"back\\\\slash/slash\""},
      {"\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""},
      {"\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\""},
      {"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8",
       "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8\""},
      {"end\x1b", "\"end\\u001b\""},
  };
  g_autoptr(GString) all = g_string_new(NULL);

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *json = json_string_of(cases[i].text);

    g_assert_cmpstr(json, ==, cases[i].json);
  }

  /* Every byte from 1 to 127 plus multi-byte UTF-8 reads back unchanged with json-glib. */
  for (int c = 1; c < 128; c++)
    g_string_append_c(all, (char)c);
  g_string_append(all, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\x89");
  {
    g_autofree char *json = json_string_of(all->str);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    JsonNode *root;

    json_parser_load_from_data(parser, json, -1, &error);
    g_assert_no_error(error);
    root = json_parser_get_root(parser);
    g_assert_cmpint(json_node_get_value_type(root), ==, G_TYPE_STRING);
    g_assert_cmpstr(json_node_get_string(root), ==, all->str);
    /* No raw control character is left in the literal. */
    for (const char *p = json; *p; p++)
      g_assert_cmpint((unsigned char)*p, >=, 0x20);
  }
}

/* The signal path: temporary files vanish, targets stay as they were. */
static void
test_abort_all(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *a = g_build_filename(dir, "a.json", NULL);
  g_autofree char *b = g_build_filename(dir, "b.csv", NULL);
  g_autofree char *names = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TwOutput) out_a = NULL;
  g_autoptr(TwOutput) out_b = NULL;

  write_old(a, "old a\n");
  out_a = tw_output_open(a, &error);
  g_assert_no_error(error);
  out_b = tw_output_open(b, &error);
  g_assert_no_error(error);
  tw_output_puts(out_a, "new a\n");
  tw_output_puts(out_b, "new b\n");
  names = list_dir(dir);
  g_assert_cmpuint(strlen(names), ==, strlen(".a.json.XXXXXX .b.csv.XXXXXX a.json"));

  tw_output_abort_all_from_signal();
  g_clear_pointer(&names, g_free);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "a.json");

  /* Closing afterwards fails cleanly: the temporary file is gone. */
  g_assert_false(tw_output_close(out_a, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error(&error);
  tw_output_abort(out_b);
  contents = read_file(a, NULL);
  g_assert_cmpstr(contents, ==, "old a\n");
  g_assert_false(g_file_test(b, G_FILE_TEST_EXISTS));
  remove_tree(dir);
}

static void
on_sigterm(int signum)
{
  tw_output_abort_all_from_signal();
  _exit(3);
}

/* A real SIGTERM in a child that is half-way through two exports. */
static void
test_signal(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *a = g_build_filename(dir, "a.json", NULL);
  g_autofree char *b = g_build_filename(dir, "b.json", NULL);
  g_autofree char *names = NULL;
  g_autofree char *contents = NULL;
  int status;
  pid_t pid;

  write_old(a, "old a\n");
  pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    TwOutput *out_a = tw_output_open(a, NULL);
    TwOutput *out_b = tw_output_open(b, NULL);

    if (out_a == NULL || out_b == NULL)
      _exit(1);
    signal(SIGTERM, on_sigterm);
    for (int i = 0; i < 50000; i++) {
      tw_output_puts(out_a, "partial a\n");
      tw_output_puts(out_b, "partial b\n");
    }
    raise(SIGTERM);
    _exit(2);
  }
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 3);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "a.json");
  contents = read_file(a, NULL);
  g_assert_cmpstr(contents, ==, "old a\n");
  remove_tree(dir);
}

static gpointer
idle_thread(gpointer data)
{
  for (;;)
    g_usleep(G_USEC_PER_SEC);
  return NULL;
}

/* A SIGTERM while a run puts its exports in place (the job's renames, after every export was
 * written), taken on another thread (the CLI's threads do not block signals): the handler waits
 * for the renames, so that the exports are all new; before, it removed the temporary files not
 * renamed yet, leaving a.json new beside the old b.json. */
static void
test_signal_during_commit(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *a = g_build_filename(dir, "a.json", NULL);
  g_autofree char *b = g_build_filename(dir, "b.json", NULL);
  g_autofree char *names = NULL;
  g_autofree char *contents = NULL;
  int status;
  pid_t pid;

  write_old(a, "old a\n");
  write_old(b, "old b\n");
  pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    /* The child dies in the signal handler, on another thread, with the test's strings and
     * outputs perhaps held in the registers of this one: under valgrind's leak check (CI) they
     * must be freed or reachable from a static, or the child exits with valgrind's error
     * code. */
    static TwOutput *outputs[2];
    TwOutput *out_a = outputs[0] = tw_output_open(a, NULL);
    TwOutput *out_b = outputs[1] = tw_output_open(b, NULL);
    sigset_t saved;

    g_clear_pointer(&a, g_free);
    g_clear_pointer(&b, g_free);
    g_clear_pointer(&dir, g_free);
    if (out_a == NULL || out_b == NULL)
      _exit(1);
    tw_output_puts(out_a, "new a\n");
    tw_output_puts(out_b, "new b\n");
    if (!_tw_output_finish(out_a, NULL) || !_tw_output_finish(out_b, NULL))
      _exit(1);
    g_thread_new("idle", idle_thread, NULL);
    signal(SIGTERM, on_sigterm);
    _tw_output_commit_begin(&saved);
    if (!tw_output_close(out_a, NULL))
      _exit(1);
    kill(getpid(), SIGTERM);
    g_usleep(G_USEC_PER_SEC / 4); /* the other thread takes the signal meanwhile */
    if (!tw_output_close(out_b, NULL))
      _exit(4);
    _tw_output_commit_end(&saved);
    for (;;)
      g_usleep(G_USEC_PER_SEC);
  }
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 3);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "a.json b.json");
  contents = read_file(a, NULL);
  g_assert_cmpstr(contents, ==, "new a\n");
  g_clear_pointer(&contents, g_free);
  contents = read_file(b, NULL);
  g_assert_cmpstr(contents, ==, "new b\n");
  remove_tree(dir);
}

/* Writing through a symbolic link replaces the file it points to and keeps the link. */
static void
test_symlink(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *real_dir = g_build_filename(dir, "real", NULL);
  g_autofree char *real = g_build_filename(real_dir, "export.json", NULL);
  g_autofree char *link = g_build_filename(dir, "link.json", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *names = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TwOutput) out = NULL;

  g_assert_cmpint(g_mkdir(real_dir, 0755), ==, 0);
  write_old(real, "old\n");
  g_assert_cmpint(symlink("real/export.json", link), ==, 0);
  out = tw_output_open(link, &error);
  g_assert_no_error(error);
  tw_output_puts(out, "new\n");
  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
  contents = read_file(real, NULL);
  g_assert_cmpstr(contents, ==, "new\n");
  names = list_dir(real_dir);
  g_assert_cmpstr(names, ==, "export.json");
  g_clear_pointer(&names, g_free);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "link.json real");
  remove_tree(dir);
}

/* More exports open at once than the signal table holds still work. */
static void
test_many_open(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autoptr(GPtrArray) outs = g_ptr_array_new_with_free_func((GDestroyNotify)tw_output_free);
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 100; i++) {
    g_autofree char *name = g_strdup_printf("out-%03d.txt", i);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    TwOutput *out = tw_output_open(path, &error);

    g_assert_no_error(error);
    tw_output_printf(out, "%d\n", i);
    g_ptr_array_add(outs, out);
  }
  for (guint i = 0; i < outs->len; i++) {
    g_autofree char *name = g_strdup_printf("out-%03u.txt", i);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *expected = g_strdup_printf("%u\n", i);
    g_autofree char *contents = NULL;

    g_assert_true(tw_output_close(outs->pdata[i], &error));
    g_assert_no_error(error);
    contents = read_file(path, NULL);
    g_assert_cmpstr(contents, ==, expected);
  }
  g_ptr_array_set_size(outs, 0);
  remove_tree(dir);
}

/* How many threads this process has. */
static guint
threads_now(void)
{
  g_autoptr(GDir) d = g_dir_open("/proc/self/task", 0, NULL);
  guint n = 0;

  g_assert_nonnull(d);
  while (g_dir_read_name(d) != NULL)
    n++;
  return n;
}

/* How many threads this process has, once it has @expected (or after 5 s). Not by name: a new
 * thread names itself once it runs, which may be after its creator went on. And a joined thread
 * may still be listed for a moment: the kernel wakes the joiner before it removes the thread. */
static guint
count_threads(guint expected)
{
  guint n = threads_now();

  for (int tries = 0; n != expected && tries < 5000; tries++) {
    g_usleep(1000);
    n = threads_now();
  }
  return n;
}

/* Writes @total bytes of a repeating pattern that changes with the offset, in pieces of
 * uneven size, and adds them to @sum (unless %NULL). */
static void
write_pattern(TwOutput *out, gsize total, GChecksum *sum)
{
  char piece[100003];
  gsize done = 0;

  while (done < total) {
    gsize n = MIN(sizeof piece - (done % 7), total - done);

    for (gsize i = 0; i < n; i++)
      piece[i] = (char)('a' + (done + i) % 26 + ((done + i) / 4096) % 3);
    tw_output_write(out, piece, n);
    if (sum)
      g_checksum_update(sum, (const guchar *)piece, (gssize)n);
    done += n;
  }
}

/* A temporary folder beside the test (in the build tree): O_DIRECT needs a file system on a
 * disk, which /tmp may not be. */
static char *
make_disk_dir(void)
{
  g_autofree char *cwd = g_get_current_dir();
  g_autofree char *template = g_build_filename(cwd, "tw-output-direct-XXXXXX", NULL);

  g_assert_nonnull(g_mkdtemp(template));
  return g_steal_pointer(&template);
}

/* Whether @dir is on a tmpfs, where O_DIRECT (Linux 6.6 and later) is a flag only: the pages
 * stay in memory, as the file's only copy. */
static gboolean
on_tmpfs(const char *dir)
{
  struct statfs fs;

  return statfs(dir, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

/* What the file system of @dir does with O_DIRECT, tried on a file of its own. */
typedef enum {
  DIRECT_REFUSED,   /* the flag itself (ramfs; tmpfs before Linux 6.6) */
  DIRECT_NO_WRITES, /* the flag is taken, an aligned write of 4096 bytes is not */
  DIRECT_ANY_SIZE,  /* writes of 4096 bytes work, and so does one of 256 (NFS, tmpfs) */
  DIRECT_BLOCKS,    /* writes of 4096 bytes work, one of 256 is refused (disks) */
} DirectSupport;

static DirectSupport
direct_support(const char *dir)
{
  g_autofree char *path = g_build_filename(dir, "direct-probe", NULL);
  DirectSupport support = DIRECT_REFUSED;
  void *block = NULL;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);

  if (fd < 0) {
    g_unlink(path); /* (ramfs makes the file, then refuses the flag) */
    return DIRECT_REFUSED;
  }
  g_assert_cmpint(posix_memalign(&block, 4096, 4096), ==, 0);
  memset(block, 'x', 4096);
  support = DIRECT_NO_WRITES;
  if (write(fd, block, 4096) == 4096)
    support = pwrite(fd, block, 256, 4096) < 0 && errno == EINVAL ? DIRECT_BLOCKS : DIRECT_ANY_SIZE;
  free(block);
  close(fd);
  g_unlink(path);
  return support;
}

/* An export of many megabytes is synced while it is written, by a thread of its own
 * ("tw-sync"), and its full direct buffers are written by another ("tw-write"), which close and
 * abort join: every byte arrives, in order, and no thread is left behind, whether the export is
 * kept or dropped. */
static void
test_large(void)
{
  g_autofree char *dir = make_temp_dir();
  g_autofree char *path = g_build_filename(dir, "big.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autoptr(GChecksum) got = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree char *contents = NULL;
  g_autofree char *names = NULL;
  gsize length;
  TwOutput *out;

  if (!g_file_test("/proc/self/task", G_FILE_TEST_IS_DIR)) {
    tw_test_skip("no /proc/self/task to count threads in");
    remove_tree(dir);
    return;
  }
  guint threads = threads_now();
  /* "tw-write" starts once the file took O_DIRECT, which a tmpfs before Linux 6.6 does not. */
  guint past_direct = threads + 1 + (direct_support(dir) != DIRECT_REFUSED ? 1 : 0);
  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  /* Below the first sync step (32 MiB), no thread: smaller exports are synced once, at the
   * end. */
  write_pattern(out, 31 * 1024 * 1024, sum);
  g_assert_cmpuint(count_threads(threads), ==, threads);
  /* Past 32 MiB the syncs begin; the direct buffer is full 8 MiB later. */
  write_pattern(out, 17 * 1024 * 1024 + 12345, sum);
  g_assert_cmpuint(count_threads(past_direct), ==, past_direct);
  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(count_threads(threads), ==, threads);
  tw_output_free(out);
  contents = read_file(path, &length);
  g_assert_cmpuint(length, ==, 48 * 1024 * 1024 + 12345);
  g_checksum_update(got, (const guchar *)contents, (gssize)length);
  g_assert_cmpstr(g_checksum_get_string(got), ==, g_checksum_get_string(sum));
  g_clear_pointer(&contents, g_free);

  /* Dropped with its threads running: the older export stays, the temporary file goes. */
  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  write_pattern(out, 48 * 1024 * 1024, NULL);
  g_assert_cmpuint(count_threads(past_direct), ==, past_direct);
  tw_output_abort(out);
  g_assert_cmpuint(count_threads(threads), ==, threads);
  tw_output_free(out);
  contents = read_file(path, &length);
  g_assert_cmpuint(length, ==, 48 * 1024 * 1024 + 12345);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "big.csv");

  /* Freed without a close: tw_output_free() aborts, and joins the threads too. */
  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  write_pattern(out, 48 * 1024 * 1024, NULL);
  g_assert_cmpuint(count_threads(past_direct), ==, past_direct);
  tw_output_free(out);
  g_assert_cmpuint(count_threads(threads), ==, threads);
  g_clear_pointer(&names, g_free);
  names = list_dir(dir);
  g_assert_cmpstr(names, ==, "big.csv");
  remove_tree(dir);
}

/* How many of the pages of @path in [@from, @to) are in the page cache. */
static gsize
resident_pages(const char *path, gsize from, gsize to)
{
  int fd = g_open(path, O_RDONLY | O_CLOEXEC, 0);
  gsize page = (gsize)sysconf(_SC_PAGESIZE), n = 0;

  g_assert_cmpint(fd, >=, 0);
  void *map = mmap(NULL, to, PROT_READ, MAP_SHARED, fd, 0);
  g_assert_true(map != MAP_FAILED);
  g_autofree unsigned char *in_core = g_malloc(to / page + 1);
  g_assert_cmpint(mincore(map, to, in_core), ==, 0);
  for (gsize i = from / page; i < to / page; i++)
    n += in_core[i] & 1;
  munmap(map, to);
  close(fd);
  return n;
}

/* Past 32 MiB, an export goes to the disk with O_DIRECT, in whole blocks from an aligned
 * buffer, and leaves no pages in the cache; the bytes are the same whatever the sizes of the
 * writes (small ones, a write larger than the direct buffer, a part block at the end, a switch
 * at an offset that is no block boundary). */
static void
test_direct(void)
{
  g_autofree char *dir = make_disk_dir();
  g_autofree char *path = g_build_filename(dir, "big.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autoptr(GChecksum) got = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree char *contents = NULL;
  g_autofree char *large = NULL;
  gsize length, large_length = 20 * 1024 * 1024 + 1;
  gboolean refused = TRUE;
  TwOutput *out;

  if (on_tmpfs(dir) || direct_support(dir) < DIRECT_ANY_SIZE) {
    tw_test_skip("the build tree's file system keeps O_DIRECT writes in memory, or refuses them");
    remove_tree(dir);
    return;
  }
  out = tw_output_open(path, &error);
  g_assert_no_error(error);
  write_pattern(out, 31 * 1024 * 1024 + 5, sum);
  g_assert_false(_tw_output_get_direct(out, NULL));
  for (int i = 0; i < 3; i++) {
    tw_output_putc(out, 'x');
    g_checksum_update(sum, (const guchar *)"x", 1);
  }
  write_pattern(out, 2 * 1024 * 1024, sum);
  g_assert_true(_tw_output_get_direct(out, NULL));
  large = g_malloc(large_length);
  for (gsize i = 0; i < large_length; i++)
    large[i] = (char)('A' + i % 23);
  tw_output_write(out, large, large_length);
  g_checksum_update(sum, (const guchar *)large, (gssize)large_length);
  write_pattern(out, 5 * 1024 * 1024 + 4097, sum);
  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  g_assert_true(_tw_output_get_direct(out, &refused));
  g_assert_false(refused);
  tw_output_free(out);

  /* Written past the cache: none of the pages from 36 MiB on was kept (a buffered write would
   * have left them all); the first pages, written buffered, were. */
  g_assert_cmpuint(resident_pages(path, 36 * 1024 * 1024, 56 * 1024 * 1024), ==, 0);
  g_assert_cmpuint(resident_pages(path, 0, 1024 * 1024), >, 0);

  contents = read_file(path, &length);
  g_assert_cmpuint(length, ==,
                   31 * 1024 * 1024 + 5 + 3 + 2 * 1024 * 1024 + large_length + 5 * 1024 * 1024 +
                       4097);
  g_checksum_update(got, (const guchar *)contents, (gssize)length);
  g_assert_cmpstr(g_checksum_get_string(got), ==, g_checksum_get_string(sum));
  remove_tree(dir);
}

/* Writes pieces of @sizes bytes with direct writes aligned to 256 bytes, below the logical
 * block of any disk, which the disk refuses: the same bytes must arrive, buffered. */
static void
write_refused(const char *dir, const gsize *sizes, guint n_sizes)
{
  g_autofree char *path = g_build_filename(dir, "big.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_autoptr(GChecksum) got = g_checksum_new(G_CHECKSUM_SHA256);
  g_autofree char *contents = NULL;
  g_autofree char *piece = g_malloc(33 * 1024 * 1024);
  gsize length, total = 0;
  gboolean refused = FALSE;
  TwOutput *out = tw_output_open(path, &error);

  g_assert_no_error(error);
  _tw_output_set_direct_block(out, 256);
  for (guint k = 0; k < n_sizes; k++) {
    for (gsize i = 0; i < sizes[k]; i++)
      piece[i] = (char)('a' + (total + i) % 26);
    tw_output_write(out, piece, sizes[k]);
    g_checksum_update(sum, (const guchar *)piece, (gssize)sizes[k]);
    total += sizes[k];
  }
  g_assert_true(tw_output_close(out, &error));
  g_assert_no_error(error);
  g_assert_true(_tw_output_get_direct(out, &refused));
  g_assert_true(refused);
  tw_output_free(out);
  contents = read_file(path, &length);
  g_assert_cmpuint(length, ==, total);
  g_checksum_update(got, (const guchar *)contents, (gssize)length);
  g_assert_cmpstr(g_checksum_get_string(got), ==, g_checksum_get_string(sum));
}

/* A disk that refuses a direct write gets the same bytes buffered, whether the write refused
 * is this thread's or the writer's. */
static void
test_direct_refused(void)
{
  g_autofree char *dir = make_disk_dir();
  /* 32 MiB, then 256 bytes, then 8 MiB: the direct buffer fills at 40 MiB and goes (from a
   * 512-byte boundary: the disk takes it), and leaves 256 bytes, which close tries direct. */
  const gsize at_close[] = {32 * 1024 * 1024, 256, 8 * 1024 * 1024};
  /* 32 MiB and 256 bytes at once, then 8 MiB and 1000 bytes: the full buffer goes to the writer
   * from an offset that is no 512-byte boundary, and its write is refused. */
  const gsize in_writer[] = {32 * 1024 * 1024 + 256, 8 * 1024 * 1024, 1000};

  if (direct_support(dir) != DIRECT_BLOCKS) {
    tw_test_skip("the build tree's file system takes O_DIRECT writes of any size, or none");
    remove_tree(dir);
    return;
  }
  write_refused(dir, at_close, G_N_ELEMENTS(at_close));
  write_refused(dir, in_writer, G_N_ELEMENTS(in_writer));
  remove_tree(dir);
}

static void
write_past_direct(TwOutput *out)
{
  write_pattern(out, 48 * 1024 * 1024, NULL);
  g_assert_true(_tw_output_get_direct(out, NULL));
}

/* A direct write that fails (RLIMIT_FSIZE at 40 MiB and 12 KiB) fails the export as a buffered
 * one does. */
static void
test_direct_failed_write(void)
{
  if (g_test_subprocess()) {
    g_autofree char *dir = make_disk_dir();
    assert_failed_write_keeps_old(dir, 40 * 1024 * 1024 + 3 * 4096, write_past_direct);
    remove_tree(dir);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/output/write-and-close", test_write_and_close);
  g_test_add_func("/output/one-destination", test_one_destination);
  g_test_add_func("/output/replace-keeps-mode", test_replace_keeps_mode);
  g_test_add_func("/output/abort-keeps-old", test_abort_keeps_old);
  g_test_add_func("/output/open-errors", test_open_errors);
  g_test_add_func("/output/failed-write-keeps-old", test_failed_write_keeps_old);
  g_test_add_func("/output/device-targets", test_device_targets);
  g_test_add_func("/output/stdout", test_stdout);
  g_test_add_func("/output/stdout-full", test_stdout_full);
  g_test_add_func("/output/buffering", test_buffering);
  g_test_add_func("/output/json-string", test_json_string);
  g_test_add_func("/output/abort-all", test_abort_all);
  g_test_add_func("/output/signal", test_signal);
  g_test_add_func("/output/signal-during-commit", test_signal_during_commit);
  g_test_add_func("/output/symlink", test_symlink);
  g_test_add_func("/output/many-open", test_many_open);
  g_test_add_func("/output/large", test_large);
  g_test_add_func("/output/direct", test_direct);
  g_test_add_func("/output/direct-refused", test_direct_refused);
  g_test_add_func("/output/direct-failed-write", test_direct_failed_write);
  return g_test_run();
}
