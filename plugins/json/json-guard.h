/* timeweave: what json-glib must not be given, shared by the json, csv and log sources.
 *
 * json-glib 1.6 parses recursively with no depth limit, lets some broken escapes through with
 * the backslash dropped, takes `{..} {..}` as one value (keeping the last) and leaks on that and
 * on a malformed surrogate pair. A plugin that hands text to json_parser_load_from_data() first
 * asks json_guard_problem_at() about it. Each plugin compiles this file in (it is not part of
 * libtimeweave).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Nesting deeper than this would exhaust the stack in json-glib (a crash found by tests/fuzz);
 * real records nest a few levels. */
#define JSON_GUARD_MAX_DEPTH 512

/* The value of the four hex digits at @p (which has at least four bytes), or -1. */
int json_guard_hex4(const char *p);

/* The offset in @text of the first thing json-glib must not be given, with *@problem set to a
 * message that begins `not JSON: ` (static text, not to be freed); G_MAXSIZE when there is none.
 * Only strings, escapes and nesting are followed: json-glib still says what else is wrong. */
gsize json_guard_problem_at(const char *text, gsize length, const char **problem);

G_END_DECLS
