/* timeweave fuzzing: what the libFuzzer harnesses share (tools/fuzz, docs/reliability.md).
 *
 * A harness aborts through fuzz_fail() when a property the headers promise does not hold (a
 * date that does not read back, an export that is not valid JSON), so that libFuzzer keeps the
 * input as a crash just as it does for a sanitizer's finding. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <sanitizer/common_interface_defs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <timeweave/timeweave.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Says what broke and aborts. The message also goes to the sanitizers' report stream, which
 * libFuzzer keeps open when -close_fd_mask=2 silences the code's own warnings on stderr. */
static G_GNUC_NORETURN G_GNUC_PRINTF(1, 2) void fuzz_fail(const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  char *message = g_strdup_vprintf(format, ap);
  va_end(ap);
  char *summary = g_strdup_printf("fuzz: property failed: %s", message);
  fprintf(stderr, "%s\n", summary);
  __sanitizer_report_error_summary(summary);
  abort();
}

#define FUZZ_CHECK(cond, ...)                                                                      \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (!(cond))                                                                                   \
      fuzz_fail(__VA_ARGS__);                                                                      \
  }                                                                                                \
  G_STMT_END

/* The input as a C string: a NUL in the data ends it, as it would for any text API. */
static inline char *
fuzz_text(const uint8_t *data, size_t size)
{
  return g_strndup((const char *)data, size);
}

static char *fuzz_scratch;

static void
fuzz_remove_scratch(void)
{
  if (!fuzz_scratch)
    return;
  GDir *dir = g_dir_open(fuzz_scratch, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    char *path = g_build_filename(fuzz_scratch, name, NULL);
    g_remove(path);
    g_free(path);
  }
  if (dir)
    g_dir_close(dir);
  g_rmdir(fuzz_scratch);
  g_clear_pointer(&fuzz_scratch, g_free);
}

/* A private folder for inputs and exports: in $TW_FUZZ_SCRATCH if set, else in /dev/shm when
 * it is there (each run writes and renames a few files: memory is faster than a disk). */
static inline const char *
fuzz_scratch_dir(void)
{
  if (fuzz_scratch)
    return fuzz_scratch;
  const char *base = g_getenv("TW_FUZZ_SCRATCH");
  if (!base)
    base = g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) && g_access("/dev/shm", W_OK) == 0
               ? "/dev/shm"
               : g_get_tmp_dir();
  char *template = g_build_filename(base, "tw-fuzz-XXXXXX", NULL);
  if (!g_mkdtemp(template))
    fuzz_fail("cannot make a scratch folder in %s", base);
  fuzz_scratch = template;
  atexit(fuzz_remove_scratch);
  return fuzz_scratch;
}

static inline char *
fuzz_scratch_path(const char *name)
{
  return g_build_filename(fuzz_scratch_dir(), name, NULL);
}

static inline void
fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
    fuzz_fail("cannot write %s", path);
}

static inline const char *
fuzz_build_root(void)
{
  const char *root = g_getenv("TW_BUILD_ROOT");
  return root ? root : FUZZ_BUILD_ROOT;
}

/* Loads plugin @name (the .so file in BUILD/plugins/NAME/) into @registry: the same files the CLI
 * loads. */
static inline void
fuzz_load_plugin(TwRegistry *registry, const char *name)
{
  char *dir_path = g_build_filename(fuzz_build_root(), "plugins", name, NULL);
  GDir *dir = g_dir_open(dir_path, 0, NULL);
  const char *file;
  gboolean loaded = FALSE;
  while (dir && !loaded && (file = g_dir_read_name(dir))) {
    if (!g_str_has_suffix(file, ".so"))
      continue;
    char *path = g_build_filename(dir_path, file, NULL);
    GError *error = NULL;
    if (!tw_registry_load_file(registry, path, &error))
      fuzz_fail("%s", error->message);
    loaded = TRUE;
    g_free(path);
  }
  if (dir)
    g_dir_close(dir);
  if (!loaded)
    fuzz_fail("no %s plugin (*.so) in %s: ninja -C BUILD fuzzers builds it", name, dir_path);
  g_free(dir_path);
}

/* A message is one line that names its place (`FILE:LINE: what` or `FILE: what`). */
static inline void
fuzz_check_message(const GError *error, const char *place)
{
  FUZZ_CHECK(error != NULL && error->message != NULL && *error->message,
             "an error with no message");
  FUZZ_CHECK(strchr(error->message, '\n') == NULL, "a message on several lines: %s",
             error->message);
  if (place)
    FUZZ_CHECK(g_str_has_prefix(error->message, place), "a message that does not begin with %s: %s",
               place, error->message);
}
