/* timeweave: what json-glib must not be given (json-guard.h). */
#include "json-guard.h"

#include <string.h>

int
json_guard_hex4(const char *p)
{
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int d = g_ascii_xdigit_value(p[i]);
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* The problem with the escape at text[@p] (just after a backslash in a string), or NULL; *@p is
 * left on the escape's last byte. json-glib 1.6 is lax here (`\q` and `\uZZZZ` go through with
 * the backslash dropped) and leaks on a malformed surrogate pair, so the json source checks
 * escapes itself, as RFC 8259 section 7 has them. */
static const char *
bad_escape(const char *text, gsize length, gsize *p)
{
  gsize at = *p;
  if (at >= length)
    return NULL; /* an unterminated string: json-glib says so */
  if (strchr("\"\\/bfnrt", text[at]))
    return NULL;
  if (text[at] != 'u')
    return "not JSON: an invalid escape in a string (only \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)";
  if (length - at < 5 || json_guard_hex4(text + at + 1) < 0)
    return "not JSON: \\u without four hex digits";
  int u = json_guard_hex4(text + at + 1);
  *p = at + 4;
  /* json-glib takes any surrogate followed by a \u escape as a pair: a lone one it lets through
   * (the sink makes it U+FFFD), a pair that is not high then low it refuses, and leaks. */
  if (u >= 0xd800 && u <= 0xdfff && length - at >= 11 && text[at + 5] == '\\' &&
      text[at + 6] == 'u') {
    int low = json_guard_hex4(text + at + 7);
    if (low < 0)
      return "not JSON: \\u without four hex digits";
    if (u > 0xdbff || low < 0xdc00 || low > 0xdfff)
      return "not JSON: a malformed UTF-16 surrogate pair (a \\u escape of D800-DBFF, then one of "
             "DC00-DFFF)";
    *p = at + 10;
  }
  return NULL;
}

/* Nesting deeper than JSON_GUARD_MAX_DEPTH, a string escape json-glib would let through or leak
 * on (bad_escape()), or a second object or array after the first (json-glib 1.6 takes `{..}
 * {..}` as one document, keeps the last value and leaks the earlier ones: a piece of two values
 * would lose the first silently). */
gsize
json_guard_problem_at(const char *text, gsize length, const char **problem)
{
  int depth = 0;
  gboolean in_string = FALSE, closed = FALSE;

  for (gsize p = 0; p < length; p++) {
    char c = text[p];
    if (in_string) {
      if (c == '\\') {
        gsize at = p;
        p++;
        if ((*problem = bad_escape(text, length, &p)))
          return at;
      } else if (c == '"') {
        in_string = FALSE;
      }
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '{' || c == '[') {
      if (closed && depth == 0) {
        *problem = "not JSON: a second value after the first, expected the end";
        return p;
      }
      if (++depth > JSON_GUARD_MAX_DEPTH) {
        *problem = "not JSON: nested deeper than " G_STRINGIFY(JSON_GUARD_MAX_DEPTH) " levels";
        return p;
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      if (--depth == 0)
        closed = TRUE;
    }
  }
  return G_MAXSIZE;
}

/* Whether the digits of @text (@n of them, without a sign) are beyond a gint64. */
static gboolean
beyond_int64(const char *text, gsize n, gboolean negative)
{
  guint64 value = 0;

  while (n > 0 && *text == '0') {
    text++;
    n--;
  }
  if (n > 20)
    return TRUE;
  for (gsize i = 0; i < n; i++) {
    guint d = (guint)(text[i] - '0');
    if (value > (G_MAXUINT64 - d) / 10)
      return TRUE;
    value = value * 10 + d;
  }
  return value > (guint64)G_MAXINT64 + (negative ? 1 : 0);
}

char *
json_guard_widen_integers(const char *text, gsize length)
{
  char *copy = NULL;
  char quote = 0; /* the quote of the string being read, else 0 */

  for (gsize p = 0; p < length; p++) {
    char c = text[p];
    if (quote) {
      /* (json-glib's 'single-quoted' strings have no escapes) */
      if (c == '\\' && quote == '"')
        p++;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      /* json-glib also takes 'single quotes': their digits are text too */
      quote = c;
    } else if (c == '/' && p + 1 < length && text[p + 1] == '*') {
      /* a comment, which json-glib skips: its quotes open no string */
      const char *end = g_strstr_len(text + p + 2, (gssize)(length - p - 2), "*/");
      p = end ? (gsize)(end - text) + 1 : length;
    } else if (g_ascii_isalpha(c) || c == '_') {
      while (p + 1 < length && (g_ascii_isalnum(text[p + 1]) || text[p + 1] == '_'))
        p++; /* true, null, or what json-glib will refuse */
    } else if (c == '-' || g_ascii_isdigit(c)) {
      gsize digits = c == '-' ? p + 1 : p, end = digits;
      while (end < length && g_ascii_isdigit(text[end]))
        end++;
      if (end < length && (text[end] == '.' || text[end] == 'e' || text[end] == 'E')) {
        while (end < length &&
               (g_ascii_isdigit(text[end]) || text[end] == '.' || text[end] == 'e' ||
                text[end] == 'E' || text[end] == '+' || text[end] == '-'))
          end++; /* a floating-point number already */
      } else if (beyond_int64(text + digits, end - digits, c == '-')) {
        if (!copy)
          copy = g_memdup2(text, length);
        copy[end - 2] = 'e';
        copy[end - 1] = '2';
      }
      p = end - 1;
    }
  }
  return copy;
}

const char *
json_guard_cut_short(const char *text, gsize length)
{
  char open[JSON_GUARD_MAX_DEPTH + 1];
  int depth = 0;
  gboolean in_string = FALSE;

  for (gsize p = 0; p < length; p++) {
    char c = text[p];
    if (in_string) {
      if (c == '\\')
        p++;
      else if (c == '"')
        in_string = FALSE;
      else if (c == '\n' || c == '\r')
        return NULL;
    } else if (c == '"') {
      in_string = TRUE;
    } else if (c == '{' || c == '[') {
      if (depth == JSON_GUARD_MAX_DEPTH)
        return NULL;
      open[depth++] = c;
    } else if (c == '}' || c == ']') {
      if (depth == 0 || open[depth - 1] != (c == '}' ? '{' : '['))
        return NULL;
      depth--;
    }
  }
  if (in_string)
    return "a string";
  if (depth > 0)
    return open[depth - 1] == '{' ? "an object" : "an array";
  return NULL;
}
