/* timeweave tests: helpers shared by the GTest programs. */
#pragma once

#include <glib.h>
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
