/* timeweave tests: helpers shared by the GTest programs. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>

/* A test may skip locally when a tool is missing, saying so; under CI=true a skip is a failure. */
#define tw_test_skip(msg)                                                                          \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (g_strcmp0(g_getenv("CI"), "true") == 0) {                                                  \
      g_test_message("CI=true: skip not allowed: %s", (msg));                                      \
      g_test_fail();                                                                               \
    } else {                                                                                       \
      g_test_skip(msg);                                                                            \
    }                                                                                              \
  }                                                                                                \
  G_STMT_END

/* The path of a fixture under tests/fixtures (transfer full). */
static inline char *
tw_test_fixture(const char *name)
{
  const char *root = g_getenv("TW_SOURCE_ROOT");
  return g_build_filename(root ? root : ".", "tests", "fixtures", name, NULL);
}

/* The plugin @name as built in the tree, BUILD/plugins/@name/ *.so (transfer full). Aborts the
 * test program when it is not built: nothing could be tested without it. */
static inline char *
tw_test_find_plugin(const char *name)
{
  const char *build = g_getenv("TW_BUILD_ROOT");
  g_autofree char *dir_path = g_build_filename(build ? build : ".", "plugins", name, NULL);
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
  const char *file;

  while (dir && (file = g_dir_read_name(dir)))
    if (g_str_has_suffix(file, ".so"))
      return g_build_filename(dir_path, file, NULL);
  g_error("no %s plugin (*.so) in %s: build it first", name, dir_path);
  return NULL;
}

/* Removes @path, a flat folder of scratch files the tests wrote, with its files. */
static inline void
tw_test_remove_dir(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *file = g_build_filename(path, name, NULL);
    g_remove(file);
  }
  g_rmdir(path);
}
