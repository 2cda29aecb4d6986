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

/* json-glib 1.6 reads an integer beyond 64 bits wrapped around, without a word
 * (18446744073709551615 as -1, 9223372036854775808 as its negative). Returns a copy of @text in
 * which each such integer is written so that json-glib reads it as a floating-point number, as
 * JavaScript and jq read it (its last two digits become `e2`: the length and so every offset
 * stay the same, and a double keeps 17 digits at most anyway); NULL when there is none. */
char *json_guard_widen_integers(const char *text, gsize length);

/* What @text, which json-glib refused, ends in the middle of when it is only cut short (a
 * download or a copy stopped early, a line written half): "a string", "an object" or "an
 * array", the innermost; NULL when it is not, or is also broken before its end (a bracket that
 * does not match, a line break inside a string), which json-glib's own message says better. */
const char *json_guard_cut_short(const char *text, gsize length);

G_END_DECLS
