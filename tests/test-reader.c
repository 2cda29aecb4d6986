/* timeweave tests: TwReader, and large files read in chunks on several threads.
 *
 * The reader: lines with LF and CRLF, a last line without a terminator, NUL bytes, gzip by its
 * magic bytes, read_all, the messages for what cannot be read.
 *
 * Chunks (TwSourceInfo.read_lines): a run with one thread reads each file whole; with two
 * threads and TW_CHUNK_SIZE small, the csv, json and bodyfile sources read the same files in
 * chunks of a few bytes each, so that every chunk boundary falls somewhere different: inside a
 * header, inside a quoted cell with line breaks (the file is then read whole), on a broken line,
 * on a blank one. The export, every warning (in the file's order) and the exit status must be
 * byte for byte those of the whole read, with and without --strict. The CLI is run as a
 * subprocess, so its stderr can be compared. */
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static char *scratch;

static char *
write_file(const char *name, const char *content, gssize length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename(scratch, name, NULL);
  g_assert_true(g_file_set_contents(path, content, length, &error));
  g_assert_no_error(error);
  return path;
}

/* -- the reader -- */

static void
test_lines(void)
{
  static const char text[] = "one\r\ntwo\n\nfo\0ur\r\nlast";
  g_autofree char *path = write_file("lines.txt", text, sizeof text - 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(TwReader) reader = tw_reader_open(path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(tw_reader_get_chunk(reader), ==, 0);
  g_assert_cmpuint(tw_reader_get_line_number(reader), ==, 0);
  g_assert_cmpstr(tw_reader_get_name(reader), ==, path);

  static const struct {
    const char *text;
    gsize length;
  } want[] = {{"one", 3}, {"two", 3}, {"", 0}, {"fo\0ur", 5}, {"last", 4}};
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    gsize length = 99;
    const char *line = tw_reader_read_line(reader, &length, &error);
    g_assert_no_error(error);
    g_assert_nonnull(line);
    g_assert_cmpuint(length, ==, want[i].length);
    g_assert_cmpmem(line, length, want[i].text, want[i].length);
    g_assert_cmpint(line[length], ==, '\0');
    g_assert_cmpuint(tw_reader_get_line_number(reader), ==, i + 1);
  }
  gsize length;
  g_assert_null(tw_reader_read_line(reader, &length, &error));
  g_assert_no_error(error);
}

static void
test_gzip_and_read_all(void)
{
  /* Compressed by GIO: the reader knows it by its magic bytes, not by a .gz name. */
  static const char text[] = "alpha\nbeta\ngamma\n";
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  char packed[256];
  gsize read = 0, written = 0;
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(g_converter_convert(G_CONVERTER(gzip), text, sizeof text - 1, packed,
                                      sizeof packed, G_CONVERTER_INPUT_AT_END, &read, &written,
                                      &error),
                  ==, G_CONVERTER_FINISHED);
  g_assert_no_error(error);
  g_autofree char *path = write_file("packed.data", packed, (gssize)written);

  g_autoptr(TwReader) reader = tw_reader_open(path, &error);
  g_assert_no_error(error);
  gsize length;
  g_assert_cmpstr(tw_reader_read_line(reader, &length, &error), ==, "alpha");
  g_autoptr(GBytes) rest = tw_reader_read_all(reader, 1024, &error);
  g_assert_no_error(error);
  g_assert_cmpmem(g_bytes_get_data(rest, NULL), g_bytes_get_size(rest), "beta\ngamma\n", 11);

  /* A limit smaller than the rest. */
  g_autoptr(TwReader) again = tw_reader_open(path, &error);
  g_autoptr(GBytes) none = tw_reader_read_all(again, 4, &error);
  g_assert_null(none);
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
}

/* @text gzipped as one member, appended to @file. */
static void
append_member(GString *file, const char *text, gsize length)
{
  g_autoptr(GZlibCompressor) gzip = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  gsize bound = length + length / 100 + 1024;
  g_autofree char *packed = g_malloc(bound);
  gsize read = 0, written = 0;
  g_autoptr(GError) error = NULL;
  g_assert_cmpint(g_converter_convert(G_CONVERTER(gzip), text, length, packed, bound,
                                      G_CONVERTER_INPUT_AT_END, &read, &written, &error),
                  ==, G_CONVERTER_FINISHED);
  g_assert_no_error(error);
  g_string_append_len(file, packed, (gssize)written);
}

/* A gzip file of several members (`cat a.gz b.gz > all.gz`, RFC 1952) is read whole, as zcat
 * reads it: the first member alone was read, without a word. Members of a few bytes and of
 * megabytes (their ends fall anywhere in the reader's buffers), then zero padding. */
static void
test_gzip_members(void)
{
  g_autoptr(GString) file = g_string_new(NULL);
  g_autoptr(GString) expected = g_string_new(NULL);
  for (guint m = 0; m < 5; m++) {
    g_autoptr(GString) text = g_string_new(NULL);
    guint lines = m % 2 ? 3 : 60000;
    for (guint i = 0; i < lines; i++)
      g_string_append_printf(text, "member %u line %u %08x\n", m, i, g_random_int());
    append_member(file, text->str, text->len);
    g_string_append_len(expected, text->str, (gssize)text->len);
  }
  /* Then zero padding; or bytes that begin no member ("trailing garbage", which gzip -d ignores
   * after writing the data before it). */
  static const char *const tails[] = {"\0\0\0\0\0\0\0\0", "\0\0garbage\n", "\x1f"};
  static const gsize tail_lengths[] = {8, 10, 1};
  for (guint t = 0; t < G_N_ELEMENTS(tails); t++) {
    g_autoptr(GString) whole = g_string_new_len(file->str, (gssize)file->len);
    g_string_append_len(whole, tails[t], (gssize)tail_lengths[t]);
    g_autofree char *path = write_file("members.gz", whole->str, (gssize)whole->len);

    g_autoptr(GError) error = NULL;
    g_autoptr(TwReader) reader = tw_reader_open(path, &error);
    g_assert_no_error(error);
    g_autoptr(GString) got = g_string_new(NULL);
    const char *line;
    gsize length;
    while ((line = tw_reader_read_line(reader, &length, &error))) {
      g_string_append_len(got, line, (gssize)length);
      g_string_append_c(got, '\n');
    }
    g_assert_no_error(error);
    g_assert_cmpuint(got->len, ==, expected->len);
    g_assert_true(memcmp(got->str, expected->str, expected->len) == 0);
  }
}

/* tw_key_file_load_text() names the line GKeyFile refuses (its messages name none): a key
 * outside any group, a broken group header and a line with no `=`, each at its line. */
static void
test_key_file_lines(void)
{
  static const struct {
    const char *text;
    guint line;
  } cases[] = {
      {"[a]\nx=1\n", 0},
      {"x=1\n[a]\n", 1},
      {"[a]\nx=1\n\n[b]]\ny=2\n", 4},
      {"# c\n[a]\nx=1\nno equals sign\n[b]\n", 4},
      {"[a]\nx=1\ny", 3},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    guint line = 99;
    gboolean ok = tw_key_file_load_text(kf, cases[i].text, strlen(cases[i].text), &line, &error);
    g_assert_cmpint(ok, ==, cases[i].line == 0);
    g_assert_cmpuint(line, ==, cases[i].line);
    if (!ok)
      g_assert_true(error != NULL && error->domain == G_KEY_FILE_ERROR);
  }
}

static void
test_refusals(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename(scratch, "missing.txt", NULL);
  g_assert_null(tw_reader_open(missing, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_autofree char *want = g_strdup_printf("%s: no such file", missing);
  g_assert_cmpstr(error->message, ==, want);
  g_clear_error(&error);

  g_assert_null(tw_reader_open(scratch, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
  g_assert_true(g_str_has_suffix(error->message, ": is a directory, not a file"));
}

/* -- chunks -- */

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear(Run *run)
{
  g_free(run->out);
  g_free(run->err);
}

/* Runs `timeweave build` with @args; @chunk_size 0 reads every file whole on one thread. */
static void
run_cli(const char *const *args, gsize chunk_size, Run *run)
{
  const char *build = g_getenv("TW_BUILD_ROOT");
  g_autofree char *tw = g_build_filename(build ? build : ".", "cli", "timeweave", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, tw);
  g_ptr_array_add(argv, (gpointer) "build");
  g_ptr_array_add(argv, (gpointer) "-j");
  g_ptr_array_add(argv, (gpointer)(chunk_size ? "2" : "1"));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);

  g_auto(GStrv) env = g_get_environ();
  g_autofree char *size = g_strdup_printf("%" G_GSIZE_FORMAT, chunk_size ? chunk_size : 1);
  env = g_environ_setenv(env, "TW_CHUNK_SIZE", size, TRUE);
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                             &run->out, &run->err, &wait_status, &error));
  g_assert_no_error(error);
  g_assert_true(WIFEXITED(wait_status));
  run->status = WEXITSTATUS(wait_status);
}

/* The chunk sizes tried: one byte (a chunk a line), sizes that split lines in their middle,
 * and one that splits small files in a few parts. */
static const gsize chunk_sizes[] = {1, 7, 150};
static const gsize strict_chunk_sizes[] = {1, 64};

/* The lines of @err that name @path, in order. */
static char *
lines_naming(const char *err, const char *path)
{
  g_auto(GStrv) lines = g_strsplit(err, "\n", -1);
  GString *out = g_string_new(NULL);
  for (guint i = 0; lines[i]; i++)
    if (strstr(lines[i], path))
      g_string_append_printf(out, "%s\n", lines[i]);
  return g_string_free(out, FALSE);
}

/* Whether two stderr texts say the same: byte for byte with one source; with several, whose
 * warnings are printed as they come (in an order that depends on the threads), each file's
 * lines in the same order. */
static gboolean
same_messages(const char *a, const char *b, const char *const *args)
{
  guint n_sources = 0;
  for (guint i = 0; args[i]; i++)
    n_sources += strcmp(args[i], "-s") == 0;
  if (n_sources <= 1)
    return g_strcmp0(a, b) == 0;
  if (strlen(a) != strlen(b))
    return FALSE;
  for (guint i = 0; args[i] && args[i + 1]; i++) {
    if (strcmp(args[i], "-s") != 0)
      continue;
    const char *path = strchr(args[i + 1], ':') + 1;
    g_autofree char *path_only = g_strndup(path, strcspn(path, ","));
    g_autofree char *la = lines_naming(a, path_only);
    g_autofree char *lb = lines_naming(b, path_only);
    if (strcmp(la, lb) != 0)
      return FALSE;
  }
  return TRUE;
}

/* The run with @args must give the same export, messages and status in chunks as whole. */
static void
check_same(const char *const *args)
{
  gboolean strict = strcmp(args[0], "--strict") == 0;
  const gsize *sizes = strict ? strict_chunk_sizes : chunk_sizes;
  guint n_sizes = strict ? G_N_ELEMENTS(strict_chunk_sizes) : G_N_ELEMENTS(chunk_sizes);
  Run whole;
  run_cli(args, 0, &whole);
  for (guint i = 0; i < n_sizes; i++) {
    Run chunked;
    run_cli(args, sizes[i], &chunked);
    if (chunked.status != whole.status || g_strcmp0(chunked.out, whole.out) != 0 ||
        !same_messages(chunked.err, whole.err, args)) {
      g_autofree char *joined = g_strjoinv(" ", (char **)args);
      g_test_message("%s in chunks of %" G_GSIZE_FORMAT " bytes: status %d (whole: %d)\n"
                     "--- stderr whole:\n%s--- stderr in chunks:\n%s",
                     joined, sizes[i], chunked.status, whole.status, whole.err, chunked.err);
      g_test_fail();
    }
    run_clear(&chunked);
  }
  run_clear(&whole);
}

/* Every fixture of a source that reads in chunks, as the CLI reads it by default, and under
 * --strict. */
static void
check_fixtures(const char *plugin, const char *folder)
{
  g_autofree char *dir_path = tw_test_fixture(folder);
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
  g_assert_nonnull(dir);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(dir)))
    g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename(dir_path, g_ptr_array_index(names, i), NULL);
    g_autofree char *spec = g_strdup_printf("%s:%s", plugin, path);
    const char *args[] = {"-s", spec, "-f", "jsonl", "-o", "-", NULL};
    check_same(args);
    const char *strict[] = {"--strict", "-s", spec, "-f", "jsonl", "-o", "-", NULL};
    check_same(strict);
  }
}

static void
test_chunks_csv_fixtures(void)
{
  check_fixtures("csv", "csv");
}

static void
test_chunks_json_fixtures(void)
{
  check_fixtures("json", "json");
}

static void
test_chunks_bodyfile_fixtures(void)
{
  check_fixtures("bodyfile", "bodyfile");
}

static void
test_chunks_written(void)
{
  /* Cells with line breaks across chunk ends, a row with too many fields, a blank line, a bad
   * date, and rows whose ids are their line numbers. */
  g_autoptr(GString) csv = g_string_new("time,title,note\n");
  for (guint i = 0; i < 60; i++) {
    if (i % 7 == 3)
      g_string_append_printf(csv, "2026-01-%02u,\"two\nlines %u\",\"a, b\"\n", 1 + i % 28, i);
    else if (i % 11 == 5)
      g_string_append(csv, "2026-02-30,bad date,x\n");
    else if (i % 13 == 6)
      g_string_append(csv, "2026-01-01,too,many,fields\n\n");
    else
      g_string_append_printf(csv, "2026-01-%02uT10:%02u:00Z,row %u,\"quoted \"\"%u\"\"\"\n",
                             1 + i % 28, i % 60, i, i);
  }
  g_autofree char *csv_path = write_file("rows.csv", csv->str, (gssize)csv->len);
  g_autofree char *csv_spec = g_strdup_printf("csv:%s", csv_path);
  const char *csv_args[] = {"-s", csv_spec, "-f", "csv", "-o", "-", NULL};
  check_same(csv_args);
  const char *csv_strict[] = {"--strict", "-s", csv_spec, "-f", "csv", "-o", "-", NULL};
  check_same(csv_strict);

  /* The same without multi-line cells (so that the chunks are kept), headerless after a
   * preamble of skipped lines, semicolons. */
  g_autoptr(GString) plain = g_string_new("Statement\nAccount 1234;\n");
  for (guint i = 0; i < 80; i++)
    g_string_append_printf(plain, "%02u.01.2026;payment %u;%u,50\n", 1 + i % 28, i, i);
  g_autofree char *plain_path = write_file("plain.csv", plain->str, (gssize)plain->len);
  g_autofree char *plain_spec = g_strdup_printf(
      "csv:%s,header=false,skip=2,delimiter=semicolon,time=1,title=2,time-format=%%d.%%m.%%Y",
      plain_path);
  const char *plain_args[] = {"-s", plain_spec, "-f", "jsonl", "-o", "-", NULL};
  check_same(plain_args);

  /* JSON Lines: duplicates that merge, broken lines, a BOM, links, blank lines. */
  g_autoptr(GString) jsonl = g_string_new("\xef\xbb\xbf");
  for (guint i = 0; i < 50; i++) {
    if (i % 9 == 4)
      g_string_append(jsonl, "{\"date\": \"2026-01-01\", \"title\": broken}\n");
    else if (i % 10 == 7)
      g_string_append(jsonl, "\n");
    else
      g_string_append_printf(jsonl,
                             "{\"id\":\"e%u\",\"date\":\"2026-03-%02u\",\"title\":\"event %u\","
                             "\"tags\":[\"t%u\"],\"links\":[{\"to\":\"e%u\",\"rule\":\"r\"}]}\n",
                             i % 17, 1 + i % 28, i, i % 3, (i + 1) % 17);
  }
  g_autofree char *jsonl_path = write_file("events.jsonl", jsonl->str, (gssize)jsonl->len);
  g_autofree char *jsonl_spec = g_strdup_printf("json:%s", jsonl_path);
  const char *jsonl_args[] = {"-s", jsonl_spec, "-f", "json", "-o", "-", NULL};
  check_same(jsonl_args);
  /* Found to be JSON Lines by looking (no .jsonl name), with leading spaces on the lines
   * looked at. */
  g_autofree char *looked_path = write_file("events.txt", jsonl->str + 3, (gssize)jsonl->len - 3);
  g_autofree char *looked_spec = g_strdup_printf("json:%s", looked_path);
  const char *looked_args[] = {"-s", looked_spec, "-f", "json", "-o", "-", NULL};
  check_same(looked_args);

  /* A JSON document is never split: read whole after the chunks give up. */
  static const char document[] =
      "{\"events\": [\n  {\"date\": \"2026-01-01\", \"title\": \"a\"},\n"
      "  {\"date\": \"2026-01-02\", \"title\": \"b\"},\n  {\"date\": \"2026-01-03\"}\n]}\n";
  g_autofree char *doc_path = write_file("document.json", document, -1);
  g_autofree char *doc_spec = g_strdup_printf("json:%s", doc_path);
  const char *doc_args[] = {"-s", doc_spec, "-f", "jsonl", "-o", "-", NULL};
  check_same(doc_args);

  /* Two files of one run: the order of sources and of their warnings stays. */
  const char *both[] = {"-s", csv_spec, "-s", jsonl_spec, "-f", "jsonl", "-o", "-", NULL};
  check_same(both);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  scratch = g_dir_make_tmp("tw-test-reader-XXXXXX", NULL);
  g_assert_nonnull(scratch);

  g_test_add_func("/reader/lines", test_lines);
  g_test_add_func("/reader/gzip-and-read-all", test_gzip_and_read_all);
  g_test_add_func("/reader/gzip-members", test_gzip_members);
  g_test_add_func("/reader/key-file-lines", test_key_file_lines);
  g_test_add_func("/reader/refusals", test_refusals);
  g_test_add_func("/reader/chunks/csv-fixtures", test_chunks_csv_fixtures);
  g_test_add_func("/reader/chunks/json-fixtures", test_chunks_json_fixtures);
  g_test_add_func("/reader/chunks/bodyfile-fixtures", test_chunks_bodyfile_fixtures);
  g_test_add_func("/reader/chunks/written", test_chunks_written);
  int status = g_test_run();

  g_autoptr(GDir) dir = g_dir_open(scratch, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *path = g_build_filename(scratch, name, NULL);
    g_remove(path);
  }
  g_rmdir(scratch);
  g_free(scratch);
  return status;
}
