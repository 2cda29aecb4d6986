/* timeweave: the json source. Reads timeweave's own JSON document and JSON Lines back without
 * loss, and maps foreign event schemas (Timesketch, plaso's json_line, hand-written files) by
 * options.
 *
 * JSON Lines are streamed: one line at a time from the TwReader, each parsed on its own, so a
 * file of any size is read in constant memory. json-glib has no streaming parser, so a document
 * is read whole (up to 1 GiB), but it is not parsed whole: json-glib's tree costs about twelve
 * times the text. A small scanner of our own walks the text once and finds each top-level value
 * and each element of its "events" (and "links") array: where it begins and ends, and its line.
 * json-glib then parses the document's skeleton (the document with each event replaced by 0: the
 * links, the title and all the syntax between the events) and each event on its own, so a
 * document costs its text and one event's tree, and messages name the line where an event
 * object begins. json-glib 1.6 keeps no positions in its tree, and parses only the first of
 * several concatenated values (`jq '.[]'` output) without a word: the scanner gives both.
 * Syntax the scanner does not follow (json-glib also takes 'single quotes' and comments) is
 * left to json-glib whole.
 */
#include <timeweave/plugin.h>

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "json-guard.h"
#include "time-pattern.h"

/* The largest document read whole; JSON Lines have no limit. */
#define JSON_MAX_DOCUMENT ((gsize)1 << 30)
/* The members looked at, in order, when the options name none. */
static const char *const default_time_members[] = {"date", "start", "datetime", "timestamp",
                                                   "time"};
static const char *const default_title_members[] = {"title", "message"};
static const char *const default_kind_members[] = {"kind", "timestamp_desc"};

typedef enum {
  FORMAT_AUTO,
  FORMAT_JSON,
  FORMAT_JSONL,
} InputFormat;

typedef enum {
  TIME_AUTO,
  TIME_ISO,
  TIME_UNIX_S,
  TIME_UNIX_MS,
  TIME_UNIX_US,
  TIME_UNIX_NS,
  TIME_PATTERN, /* a strftime-style pattern (JsonContext.pattern), as the csv source reads */
} TimeFormat;

static const char *const time_format_names[] = {"auto",    "iso",     "unix-s",
                                                "unix-ms", "unix-us", "unix-ns"};
/* The unit each unix format counts, for messages. */
static const char *const time_format_units[] = {NULL,           NULL,           "seconds",
                                                "milliseconds", "microseconds", "nanoseconds"};
/* Powers of ten from each unix unit to microseconds. */
static const int time_format_shift[] = {0, 0, 6, 3, 0, -3};

/* Member mappings of tools whose JSON Lines are common (docs/scale-out.md). */
typedef enum {
  PRESET_NONE,
  PRESET_PLASO,      /* psort -o json_line */
  PRESET_TIMESKETCH, /* Timesketch's JSONL: what it imports and what it exports */
} Preset;

static const char *const preset_names[] = {"none", "plaso", "timesketch"};

typedef struct {
  TwSink *sink;
  const char *file; /* for messages: the reader's name */
  GTimeZone *naive_zone;
  const char *naive_zone_name;
  const char *events_member;
  const char *time_member;
  TimeFormat time_format;
  TwTimeFormat pattern; /* time_format TIME_PATTERN: the option's pattern */
  GStrv time_parts;     /* time=date;time: the members joined, else NULL */
  const char *title_member;
  const char *kind_member;
  const char *tags_member;
  const char *id_member;
  Preset preset;
  /* Whether the options named these themselves (they win over the preset). */
  gboolean time_format_set, title_set, tags_set;
  JsonArray *links; /* the links of the event being read (a timeweave Timesketch line) */
  JsonParser *parser;
  struct _FastLine *fast; /* JSON Lines read without json-glib (the default options only) */
} JsonContext;

/* Where a record is: its line, or its position in its array when lines are unknown. */
typedef struct {
  guint line;
  const char *what; /* "event" or "link" */
  guint index;
} Place;

/* The members of an event object that were read into fields; the rest become attributes. */
#define MAX_CLAIMED 48
typedef struct {
  const char *names[MAX_CLAIMED];
  guint n;
} Claimed;

static void
claim(Claimed *claimed, const char *name)
{
  if (claimed->n < MAX_CLAIMED)
    claimed->names[claimed->n++] = name;
}

static gboolean
is_claimed(const Claimed *claimed, const char *name)
{
  for (guint i = 0; i < claimed->n; i++)
    if (strcmp(claimed->names[i], name) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
place_warn(JsonContext *ctx, const Place *place, GError **error, const char *message)
{
  if (place->line == 0)
    return tw_sink_warn(ctx->sink, ctx->file, 0, error, "%s %u: %s", place->what, place->index + 1,
                        message);
  return tw_sink_warn(ctx->sink, ctx->file, place->line, error, "%s", message);
}

static gboolean fail(JsonContext *ctx, guint line, GError **error, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean
fail(JsonContext *ctx, guint line, GError **error, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "%s:%u: %s", ctx->file, line,
              message);
  return FALSE;
}

/* ------------------------------------------------------------------ JSON values as text */

static const char *
describe_node(JsonNode *node)
{
  switch (JSON_NODE_TYPE(node)) {
  case JSON_NODE_OBJECT:
    return "an object";
  case JSON_NODE_ARRAY:
    return "an array";
  case JSON_NODE_NULL:
    return "null";
  case JSON_NODE_VALUE:
    break;
  }
  GType type = json_node_get_value_type(node);
  if (type == G_TYPE_STRING)
    return "text";
  if (type == G_TYPE_BOOLEAN)
    return "a boolean";
  return "a number";
}

static gboolean
holds_string(JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
}

static gboolean
holds_number(JsonNode *node)
{
  if (!JSON_NODE_HOLDS_VALUE(node))
    return FALSE;
  GType type = json_node_get_value_type(node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static double
node_get_number(JsonNode *node)
{
  if (json_node_get_value_type(node) == G_TYPE_INT64)
    return (double)json_node_get_int(node);
  return json_node_get_double(node);
}

/* The shortest text that reads back as @value, whatever the locale. json-glib's own writer
 * uses 17 digits (0.1 becomes 0.10000000000000001). */
static void
append_double(GString *out, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite(value)) {
    /* json-glib reads 1e400 as infinity; JSON has no word for it. */
    g_string_append(out, value < 0 ? "-1e999" : "1e999");
    return;
  }
  for (int digits = 15; digits <= 17; digits++) {
    char format[8];
    g_snprintf(format, sizeof format, "%%.%dg", digits);
    g_ascii_formatd(buf, sizeof buf, format, value);
    if (g_ascii_strtod(buf, NULL) == value)
      break;
  }
  g_string_append(out, buf);
}

static void
append_json_string(GString *out, const char *text)
{
  g_string_append_c(out, '"');
  for (const char *p = text; *p; p++) {
    unsigned char c = (unsigned char)*p;
    switch (c) {
    case '"':
      g_string_append(out, "\\\"");
      break;
    case '\\':
      g_string_append(out, "\\\\");
      break;
    case '\b':
      g_string_append(out, "\\b");
      break;
    case '\f':
      g_string_append(out, "\\f");
      break;
    case '\n':
      g_string_append(out, "\\n");
      break;
    case '\r':
      g_string_append(out, "\\r");
      break;
    case '\t':
      g_string_append(out, "\\t");
      break;
    default:
      if (c < 0x20)
        g_string_append_printf(out, "\\u%04x", c);
      else
        g_string_append_c(out, (char)c);
    }
  }
  g_string_append_c(out, '"');
}

/* Compact JSON text of @node: members in their order, no white space. */
static void
append_json(GString *out, JsonNode *node)
{
  switch (JSON_NODE_TYPE(node)) {
  case JSON_NODE_OBJECT: {
    JsonObject *object = json_node_get_object(node);
    GList *members = json_object_get_members(object);
    g_string_append_c(out, '{');
    for (GList *l = members; l; l = l->next) {
      if (l != members)
        g_string_append_c(out, ',');
      append_json_string(out, l->data);
      g_string_append_c(out, ':');
      append_json(out, json_object_get_member(object, l->data));
    }
    g_string_append_c(out, '}');
    g_list_free(members);
    return;
  }
  case JSON_NODE_ARRAY: {
    JsonArray *array = json_node_get_array(node);
    guint n = json_array_get_length(array);
    g_string_append_c(out, '[');
    for (guint i = 0; i < n; i++) {
      if (i > 0)
        g_string_append_c(out, ',');
      append_json(out, json_array_get_element(array, i));
    }
    g_string_append_c(out, ']');
    return;
  }
  case JSON_NODE_NULL:
    g_string_append(out, "null");
    return;
  case JSON_NODE_VALUE:
    break;
  }
  GType type = json_node_get_value_type(node);
  if (type == G_TYPE_STRING)
    append_json_string(out, json_node_get_string(node));
  else if (type == G_TYPE_INT64)
    g_string_append_printf(out, "%" G_GINT64_FORMAT, json_node_get_int(node));
  else if (type == G_TYPE_BOOLEAN)
    g_string_append(out, json_node_get_boolean(node) ? "true" : "false");
  else
    append_double(out, json_node_get_double(node));
}

/* An attribute's value: a string as it is, anything else as its compact JSON text. */
static char *
node_to_text(JsonNode *node)
{
  if (holds_string(node))
    return g_strdup(json_node_get_string(node));
  GString *out = g_string_new(NULL);
  append_json(out, node);
  return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------ the position scanner */

/* A JSON value in the text: its bytes (end exclusive, white space after it included) and the
 * line of its first byte. */
typedef struct {
  gsize start, end;
  guint line;
} Span;

/* One top-level value of the text. */
typedef struct {
  Span span;
  /* Syntax json-glib accepts but the scanner does not follow ('single quotes', comments), or a
   * missing comma: its spans may be wrong, so the value is parsed whole. */
  gboolean odd;
  /* [0]: the elements of the events member of a top-level object (or of the member its
   * dotted path names: hits.hits), or of a top-level array; [1]: the elements of its "links"
   * member. NULL when there are none. */
  GArray *elements[2];
} RootSpan;

static void
root_span_clear(gpointer data)
{
  RootSpan *root = data;
  for (guint i = 0; i < G_N_ELEMENTS(root->elements); i++)
    g_clear_pointer(&root->elements[i], g_array_unref);
}

static gboolean
is_json_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
is_json_structural(char c)
{
  return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' || c == '"';
}

/*
 * Splits @text into its top-level values and finds each element of the arrays that hold events
 * and links: where it begins and ends, and its line. It only follows strings and nesting, so it
 * is safe on any input; json-glib then parses each piece and says what is wrong. @events_key is
 * the member of a top-level object that holds the events (NULL: find no elements), or a dotted
 * path through nested objects as lookup_path() follows it (a member named by the whole path
 * wins). A later member of the same name replaces an earlier one, as in json-glib.
 */
static GArray *
scan_roots(const char *text, gsize length, const char *events_key)
{
  GArray *roots = g_array_new(FALSE, TRUE, sizeof(RootSpan));
  g_array_set_clear_func(roots, root_span_clear);
  RootSpan *cur = NULL;
  Span *element = NULL; /* the element being read, until its `,` or `]` */
  guint line = 1;
  int depth = 0;
  char root_kind = 0;
  gboolean in_string = FALSE, escape = FALSE, in_scalar = FALSE;
  gboolean expect_key = FALSE; /* inside an object on the events path, between members */
  gboolean reading_key = FALSE;
  /* The events path: its parts, and the depth of the object on it that is being read (1: the
   * top-level object), whose keys are compared with its part. */
  g_auto(GStrv) parts = events_key ? g_strsplit(events_key, ".", -1) : NULL;
  guint n_parts = parts ? g_strv_length(parts) : 0;
  int path_depth = 1;
  gboolean descend = FALSE; /* the member just named is the next object of the path */
  gboolean literal = FALSE; /* a member named by the whole path was found: it wins */
  gsize key_start = 0;
  int pending_slot = -1; /* the member just named holds events (0) or links (1) */
  int slot = -1;         /* the array whose elements are being noted */
  int slot_depth = 0;    /* the depth of its elements */
  gboolean expect_element = FALSE;
  gsize p = 0;

  if (length >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
    p = 3;
  for (; p < length; p++) {
    char c = text[p];

    if (in_string) {
      if (escape) {
        escape = FALSE;
      } else if (c == '\\') {
        escape = TRUE;
      } else if (c == '"') {
        in_string = FALSE;
        if (reading_key) {
          gsize n = p - key_start;
          const char *key = text + key_start;
          reading_key = FALSE;
          pending_slot = -1;
          descend = FALSE;
          if (path_depth == 1 && events_key && n == strlen(events_key) &&
              memcmp(key, events_key, n) == 0) {
            pending_slot = 0;
            literal = TRUE;
          } else if (path_depth == 1 && events_key && n == 5 && memcmp(key, "links", 5) == 0) {
            pending_slot = 1;
          } else if (n_parts > 1 && !literal && n == strlen(parts[path_depth - 1]) &&
                     memcmp(key, parts[path_depth - 1], n) == 0) {
            if ((guint)path_depth == n_parts)
              pending_slot = 0;
            else
              descend = TRUE;
          }
        }
        if (depth == 0 && cur) {
          cur->span.end = p + 1;
          cur = NULL;
        }
      } else if (c == '\n') {
        line++;
      }
      continue;
    }
    if (in_scalar) {
      if (!is_json_space(c) && !is_json_structural(c))
        continue;
      in_scalar = FALSE;
      if (depth == 0 && cur) {
        cur->span.end = p;
        cur = NULL;
      }
    }
    if (c == '\n')
      line++;
    if (is_json_space(c))
      continue;

    if (depth == 0) {
      /* A new top-level value. */
      g_array_set_size(roots, roots->len + 1);
      cur = &g_array_index(roots, RootSpan, roots->len - 1);
      cur->span.start = p;
      cur->span.end = length;
      cur->span.line = line;
      root_kind = c;
      slot = -1;
      pending_slot = -1;
      element = NULL;
      path_depth = 1;
      descend = FALSE;
      literal = FALSE;
      if (c == '{' || c == '[') {
        depth = 1;
        expect_key = c == '{';
        if (c == '[' && events_key) {
          slot = 0;
          slot_depth = 1;
          expect_element = TRUE;
          cur->elements[0] = g_array_new(FALSE, TRUE, sizeof(Span));
        }
      } else if (c == '"') {
        in_string = TRUE;
      } else if (c == '}' || c == ']' || c == ',' || c == ':') {
        cur->span.end = p + 1; /* stray: json-glib will say what is wrong */
        cur = NULL;
      } else {
        in_scalar = TRUE;
      }
      continue;
    }

    if (c == '\'' || c == '/')
      cur->odd = TRUE;
    if (slot >= 0 && depth == slot_depth) {
      if (c == ',' || c == ']' || c == '}') {
        if (element)
          element->end = p;
        element = NULL;
      } else if (expect_element) {
        GArray *elements = cur->elements[slot];
        g_array_set_size(elements, elements->len + 1);
        element = &g_array_index(elements, Span, elements->len - 1);
        element->start = p;
        element->end = length;
        element->line = line;
        expect_element = FALSE;
      } else {
        cur->odd = TRUE; /* a second value where one belongs: a comma is missing */
      }
    }
    switch (c) {
    case '{':
    case '[':
      if (depth == path_depth && root_kind == '{' && pending_slot >= 0 && c == '[') {
        slot = pending_slot;
        slot_depth = depth + 1;
        expect_element = TRUE;
        if (!cur->elements[slot])
          cur->elements[slot] = g_array_new(FALSE, TRUE, sizeof(Span));
        g_array_set_size(cur->elements[slot], 0);
      }
      if (depth == path_depth && root_kind == '{') {
        if (descend && c == '{') {
          path_depth++;
          expect_key = TRUE;
        }
        pending_slot = -1;
        descend = FALSE;
      }
      depth++;
      break;
    case '}':
    case ']':
      depth--;
      if (slot >= 0 && depth < slot_depth)
        slot = -1;
      if (depth < path_depth)
        path_depth = MAX(depth, 1);
      if (depth == 0) {
        cur->span.end = p + 1;
        cur = NULL;
      }
      break;
    case ',':
      if (slot >= 0 && depth == slot_depth)
        expect_element = TRUE;
      if (depth == path_depth && root_kind == '{')
        expect_key = TRUE;
      break;
    case ':':
      if (depth == path_depth && root_kind == '{')
        expect_key = FALSE;
      break;
    case '"':
      in_string = TRUE;
      if (depth == path_depth && root_kind == '{' && expect_key) {
        reading_key = TRUE;
        key_start = p + 1;
      } else if (depth == path_depth) {
        pending_slot = -1;
        descend = FALSE;
      }
      break;
    default:
      in_scalar = TRUE;
      if (depth == path_depth) {
        pending_slot = -1;
        descend = FALSE;
      }
      break;
    }
  }
  return roots;
}

/* Where byte @offset of @text is: its line and byte column, both from 1. */
static void
text_position(const char *text, gsize offset, guint *line, guint *column)
{
  const char *p = text, *end = text + offset, *line_start = text;
  guint n = 1;

  while ((p = memchr(p, '\n', (gsize)(end - p)))) {
    n++;
    line_start = ++p;
  }
  *line = n;
  *column = (guint)(end - line_start) + 1;
}

/* json-glib 1.6 says "<data>:LINE:COLUMN: Parse error: WHAT" (the column in bytes): returns
 * WHAT, and in *offset the byte of @data it names (G_MAXSIZE when it names none). */
static const char *
split_parse_error(const char *message, const char *data, gsize length, gsize *offset)
{
  const char *p = message;
  char *end;

  *offset = G_MAXSIZE;
  if (g_str_has_prefix(p, "<data>:")) {
    guint64 line = g_ascii_strtoull(p + 7, &end, 10);
    if (*end == ':') {
      guint64 column = g_ascii_strtoull(end + 1, &end, 10);
      if (*end == ':' && line >= 1) {
        gsize at = 0;
        for (guint64 n = 1; n < line && at < length; n++) {
          const char *nl = memchr(data + at, '\n', length - at);
          at = nl ? (gsize)(nl - data) + 1 : length;
        }
        *offset = MIN(at + (column > 0 ? column - 1 : 0), length);
        p = end + 1;
        while (*p == ' ')
          p++;
      }
    }
  }
  if (g_str_has_prefix(p, "Parse error: "))
    p += strlen("Parse error: ");
  return p;
}

/* Parses @length bytes at @data. On failure: NULL, with the problem and the byte offset in
 * @data where json-glib saw it (G_MAXSIZE: nowhere in particular); when @whole (the text @data
 * stands for: the document of a skeleton) is cut short, that is the problem, at the end. */
static JsonNode *
parse_piece_of(JsonContext *ctx, const char *data, gsize length, const char *whole,
               gsize whole_length, gsize *offset, char **problem)
{
  g_autoptr(GError) err = NULL;

  const char *unsafe;
  *offset = json_guard_problem_at(data, length, &unsafe);
  if (*offset != G_MAXSIZE) {
    *problem = g_strdup(unsafe);
    return NULL;
  }
  g_autofree char *widened = json_guard_widen_integers(data, length);
  if (!json_parser_load_from_data(ctx->parser, widened ? widened : data, (gssize)length, &err)) {
    /* json-glib names a token before the end (or the 0 that stands for an event in a
     * skeleton): say that the text stops short, where it stops. */
    const char *cut = json_guard_cut_short(whole, whole_length);
    if (cut) {
      *offset = length;
      *problem = g_strdup_printf("not JSON: it ends in the middle of %s (cut short?)", cut);
      return NULL;
    }
    const char *what = split_parse_error(err->message, data, length, offset);
    /* json-glib quotes the token it refused, line breaks and all: keep the message one line. */
    GString *line = g_string_new("not JSON: ");
    for (const char *c = what; *c; c++) {
      if (*c == '\n')
        g_string_append(line, "\\n");
      else if (*c == '\r')
        g_string_append(line, "\\r");
      else
        g_string_append_c(line, (guchar)*c < 0x20 ? ' ' : *c);
    }
    *problem = g_string_free(line, FALSE);
    return NULL;
  }
  JsonNode *root = json_parser_get_root(ctx->parser);
  if (!root) {
    *offset = G_MAXSIZE;
    *problem = g_strdup("not JSON: no value");
    return NULL;
  }
  return json_node_ref(root);
}

static JsonNode *
parse_piece(JsonContext *ctx, const char *data, gsize length, gsize *offset, char **problem)
{
  return parse_piece_of(ctx, data, length, data, length, offset, problem);
}

/* Fails with @problem at byte @offset of the document @text (its line and column). */
static gboolean
fail_at(JsonContext *ctx, const char *text, gsize offset, GError **error, const char *problem)
{
  guint line, column;

  text_position(text, offset, &line, &column);
  return fail(ctx, line, error, "%s (column %u)", problem, column);
}

/* -- the skeleton: a top-level value with each event element replaced by 0 -- */

/* Where a stretch of the skeleton was copied from. */
typedef struct {
  gsize skeleton;
  gsize text;
} Anchor;

/* json-glib parses the skeleton (which keeps every member but the events: links, title, and
 * all the syntax between the elements) and then each element on its own, so a document costs
 * its text and one event's tree, not a tree of everything. */
static GString *
build_skeleton(const char *text, const RootSpan *root, GArray *anchors)
{
  GArray *elements = root->elements[0];
  GString *skeleton = g_string_new(NULL);
  gsize at = root->span.start;
  Anchor anchor = {0, at};

  g_array_append_val(anchors, anchor);
  for (guint i = 0; i < elements->len; i++) {
    const Span *element = &g_array_index(elements, Span, i);
    g_string_append_len(skeleton, text + at, (gssize)(element->start - at));
    anchor = (Anchor){skeleton->len, element->start};
    g_array_append_val(anchors, anchor);
    g_string_append_c(skeleton, '0');
    at = element->end;
    anchor = (Anchor){skeleton->len, at};
    g_array_append_val(anchors, anchor);
  }
  g_string_append_len(skeleton, text + at, (gssize)(root->span.end - at));
  return skeleton;
}

/* The byte of the text that byte @offset of the skeleton came from. */
static gsize
skeleton_to_text(GArray *anchors, gsize offset)
{
  guint lo = 0, hi = anchors->len;

  while (hi - lo > 1) {
    guint mid = lo + (hi - lo) / 2;
    if (g_array_index(anchors, Anchor, mid).skeleton <= offset)
      lo = mid;
    else
      hi = mid;
  }
  const Anchor *anchor = &g_array_index(anchors, Anchor, lo);
  return anchor->text + (offset - anchor->skeleton);
}

/* ------------------------------------------------------------------ members */

/* A member of @object, claimed for a field when present (even when null, so that a null never
 * turns into an attribute); NULL when absent or null. */
static JsonNode *
get_member(JsonObject *object, const char *name, Claimed *claimed)
{
  JsonNode *node = json_object_get_member(object, name);
  if (!node)
    return NULL;
  claim(claimed, name);
  return JSON_NODE_HOLDS_NULL(node) ? NULL : node;
}

/* A member named by an option: a member of that exact name (claimed), else a dotted path into
 * nested objects (`event.time`; the outer member stays an attribute). NULL when absent or
 * null. */
static JsonNode *
lookup_path(JsonObject *object, const char *path, Claimed *claimed)
{
  JsonNode *node = json_object_get_member(object, path);

  if (node) {
    if (claimed)
      claim(claimed, path);
  } else if (strchr(path, '.')) {
    g_auto(GStrv) parts = g_strsplit(path, ".", -1);
    JsonObject *at = object;
    for (guint i = 0; parts[i]; i++) {
      node = at ? json_object_get_member(at, parts[i]) : NULL;
      if (!node)
        return NULL;
      at = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
    }
  }
  return node && !JSON_NODE_HOLDS_NULL(node) ? node : NULL;
}

/* Whether a foreign record keeps @node, an object or an array where the schema has something
 * else, as an attribute (ECS writes "source": {"ip": ...}); in an exported record it is an
 * error. */
static gboolean
keep_as_attribute(gboolean lenient, JsonNode *node)
{
  return lenient && (JSON_NODE_HOLDS_OBJECT(node) || JSON_NODE_HOLDS_ARRAY(node));
}

/* A text field: NULL and *out set (or left NULL when absent), else the problem. */
static char *
get_text(JsonObject *object, const char *name, Claimed *claimed, gboolean lenient, const char **out)
{
  JsonNode *node = json_object_get_member(object, name);

  *out = NULL;
  if (!node)
    return NULL;
  if (!JSON_NODE_HOLDS_NULL(node) && !holds_string(node)) {
    if (keep_as_attribute(lenient, node))
      return NULL;
    claim(claimed, name);
    return g_strdup_printf("'%s' is %s, not text", name, describe_node(node));
  }
  claim(claimed, name);
  if (!JSON_NODE_HOLDS_NULL(node))
    *out = json_node_get_string(node);
  return NULL;
}

static gboolean
is_string_list(JsonNode *node)
{
  if (holds_string(node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY(node))
    return FALSE;
  JsonArray *array = json_node_get_array(node);
  for (guint i = 0; i < json_array_get_length(array); i++)
    if (!holds_string(json_array_get_element(array, i)))
      return FALSE;
  return TRUE;
}

/* Tags or actors: an array of strings, or one string. */
static char *
add_strings(JsonObject *object, const char *name, Claimed *claimed, gboolean lenient,
            TwEventBuilder *builder, void (*add)(TwEventBuilder *, const char *))
{
  JsonNode *node = json_object_get_member(object, name);
  gboolean literal = node != NULL;

  if (!node)
    node = lookup_path(object, name, NULL);
  if (!node || JSON_NODE_HOLDS_NULL(node)) {
    if (literal)
      claim(claimed, name);
    return NULL;
  }
  if (!is_string_list(node)) {
    if (keep_as_attribute(lenient, node))
      return NULL;
    return g_strdup_printf("'%s' is %s, not a list of text", name,
                           JSON_NODE_HOLDS_ARRAY(node) ? "a list holding more than text"
                                                       : describe_node(node));
  }
  if (literal)
    claim(claimed, name);
  if (holds_string(node)) {
    add(builder, json_node_get_string(node));
    return NULL;
  }
  JsonArray *array = json_node_get_array(node);
  for (guint i = 0; i < json_array_get_length(array); i++)
    add(builder, json_node_get_string(json_array_get_element(array, i)));
  return NULL;
}

/* ------------------------------------------------------------------ times */

/* A decimal number of unix units (`1700000000`, `-1.5`) moved by @shift powers of ten into
 * microseconds, exactly (digits finer than a microsecond are dropped, towards the past). */
static gboolean
decimal_to_usec(const char *text, int shift, gint64 *out)
{
  const char *p = text;
  gboolean negative = FALSE;
  guint64 digits = 0;
  gboolean dropped = FALSE;
  int exponent = shift;
  gsize n_digits = 0;

  while (is_json_space(*p))
    p++;
  if (*p == '-' || *p == '+')
    negative = *p++ == '-';
  for (; g_ascii_isdigit(*p); p++, n_digits++) {
    guint d = (guint)(*p - '0');
    if (digits > (G_MAXUINT64 - d) / 10)
      return FALSE;
    digits = digits * 10 + d;
  }
  if (*p == '.') {
    for (p++; g_ascii_isdigit(*p); p++, n_digits++) {
      guint d = (guint)(*p - '0');
      if (exponent <= 0) {
        dropped |= d != 0;
        continue;
      }
      if (digits > (G_MAXUINT64 - d) / 10)
        return FALSE;
      digits = digits * 10 + d;
      exponent--;
    }
  }
  while (is_json_space(*p))
    p++;
  if (*p != '\0' || n_digits == 0)
    return FALSE;
  for (; exponent > 0; exponent--) {
    if (digits > G_MAXUINT64 / 10)
      return FALSE;
    digits *= 10;
  }
  for (; exponent < 0; exponent++) {
    dropped |= digits % 10 != 0;
    digits /= 10;
  }
  if (digits > (guint64)G_MAXINT64)
    return FALSE;
  gint64 usec = (gint64)digits;
  if (negative)
    usec = dropped ? -usec - 1 : -usec;
  *out = usec;
  return TRUE;
}

/* The unit of a unix time whose whole part has @n_digits digits (auto): seconds up to 11
 * digits (the year 5138), then milliseconds, microseconds, nanoseconds. */
static TimeFormat
unix_unit_for_digits(gsize n_digits)
{
  if (n_digits <= 11)
    return TIME_UNIX_S;
  if (n_digits <= 14)
    return TIME_UNIX_MS;
  if (n_digits <= 17)
    return TIME_UNIX_US;
  return TIME_UNIX_NS;
}

static gsize
whole_digits(const char *text)
{
  gsize n = 0;
  while (*text == '-' || *text == '+' || *text == '0')
    text++;
  for (; g_ascii_isdigit(*text); text++)
    n++;
  return n;
}

static gboolean
looks_numeric(const char *text)
{
  gint64 ignored;
  return decimal_to_usec(text, 0, &ignored);
}

static char *
unix_time(const char *name, gint64 usec, gboolean ok, TwDate *out)
{
  if (!ok || usec < TW_TIME_MIN || usec > TW_TIME_MAX)
    return g_strdup_printf("'%s' is out of range as a unix time", name);
  tw_date_from_unix_usec(usec, out);
  return NULL;
}

static char *
unix_time_from_text(const char *name, const char *text, TimeFormat format, TwDate *out)
{
  gint64 usec = 0;

  if (format == TIME_AUTO)
    format = unix_unit_for_digits(whole_digits(text));
  if (!looks_numeric(text))
    return g_strdup_printf("'%s' is not a number of %s: '%s'", name, time_format_units[format],
                           text);
  return unix_time(name, usec, decimal_to_usec(text, time_format_shift[format], &usec), out);
}

/* parse_time() of a member holding text. */
static char *
parse_time_text(const JsonContext *ctx, const char *name, const char *text, TimeFormat format,
                GTimeZone *naive, TwDate *out, gboolean *in_zone)
{
  g_autoptr(GError) err = NULL;

  *in_zone = FALSE;
  if (format == TIME_PATTERN) {
    g_autofree char *problem = NULL;
    if (!_tw_time_parse(&ctx->pattern, text, naive, out, in_zone, &problem))
      return g_strdup_printf("bad date in '%s': %s", name, problem);
    return NULL;
  }
  if (format != TIME_AUTO && format != TIME_ISO)
    return unix_time_from_text(name, text, format, out);
  if (tw_date_parse(text, NULL, out, &err)) {
    /* A naive time: read it again in the zone the options give. */
    if (naive && out->floating && out->precision < TW_PRECISION_DAY) {
      g_clear_error(&err);
      if (!tw_date_parse(text, naive, out, &err))
        return g_strdup_printf("bad date in '%s': %s", name, err->message);
      *in_zone = TRUE;
    }
    return NULL;
  }
  if (format == TIME_AUTO && looks_numeric(text))
    return unix_time_from_text(name, text, TIME_AUTO, out);
  return g_strdup_printf("bad date in '%s': %s", name, err->message);
}

/* Reads a time from @node as @format says. A naive time is read in @naive (NULL: floating);
 * *in_zone says whether that happened. */
static char *
parse_time(const JsonContext *ctx, const char *name, JsonNode *node, TimeFormat format,
           GTimeZone *naive, TwDate *out, gboolean *in_zone)
{
  *in_zone = FALSE;
  if (holds_string(node))
    return parse_time_text(ctx, name, json_node_get_string(node), format, naive, out, in_zone);

  if (!holds_number(node))
    return g_strdup_printf("'%s' is %s, not a date", name, describe_node(node));
  if (format == TIME_ISO)
    return g_strdup_printf("'%s' is a number, and time-format=iso reads dates as text", name);
  if (format == TIME_PATTERN)
    return g_strdup_printf("'%s' is a number, and a time-format pattern reads dates as text", name);

  if (json_node_get_value_type(node) == G_TYPE_INT64) {
    gint64 value = json_node_get_int(node);
    char text[32];
    g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, value);
    if (format == TIME_AUTO) {
      /* A year (2026) or a basic ISO date (20260213) is a date, not a time in 1970. */
      if (whole_digits(text) <= 8 && value > 0 && tw_date_parse(text, NULL, out, NULL))
        return NULL;
      format = unix_unit_for_digits(whole_digits(text));
    }
    gint64 usec = 0;
    return unix_time(name, usec, decimal_to_usec(text, time_format_shift[format], &usec), out);
  }

  double value = json_node_get_double(node);
  if (format == TIME_AUTO) {
    double whole = fabs(value);
    format = whole < 1e11   ? TIME_UNIX_S
             : whole < 1e14 ? TIME_UNIX_MS
             : whole < 1e17 ? TIME_UNIX_US
                            : TIME_UNIX_NS;
  }
  double usec = round(value * pow(10.0, time_format_shift[format]));
  gboolean ok = isfinite(usec) && usec >= (double)TW_TIME_MIN && usec <= (double)TW_TIME_MAX;
  return unix_time(name, ok ? (gint64)usec : 0, ok, out);
}

/* "+05:30" for an offset in seconds east of UTC. */
static char *
format_offset(gint32 offset)
{
  char sign = offset < 0 ? '-' : '+';
  gint32 a = ABS(offset);
  if (a % 60)
    return g_strdup_printf("%c%02d:%02d:%02d", sign, a / 3600, a / 60 % 60, a % 60);
  return g_strdup_printf("%c%02d:%02d", sign, a / 3600, a / 60 % 60);
}

/* -- presets: the members that plaso's json_line and Timesketch's JSONL use -- */

/* A member that may hold the time, and how its value is written. */
typedef struct {
  const char *name;
  TimeFormat format;
} TimeMember;

/* plaso writes timestamp (microseconds since 1970, UTC) and a date_time object of its own;
 * Timesketch requires datetime (ISO 8601) and adds timestamp (microseconds) when missing. */
static const TimeMember plaso_time_members[] = {{"timestamp", TIME_UNIX_US}};
static const TimeMember timesketch_time_members[] = {{"datetime", TIME_AUTO},
                                                     {"timestamp", TIME_UNIX_US}};

/* Whether a Timesketch line comes from timeweave's timesketch exporter, which always writes an
 * id and a precision: then all of timeweave's members are read, as from the json exporter. */
static gboolean
written_by_timeweave(JsonObject *object)
{
  JsonNode *precision = json_object_get_member(object, "precision");
  JsonNode *id = json_object_get_member(object, "id");
  TwPrecision ignored;

  return precision && id && holds_string(precision) && holds_string(id) &&
         tw_precision_from_string(json_node_get_string(precision), &ignored);
}

/* plaso's tag is an event tag container, {"__container_type__": "event_tag", "__type__":
 * "AttributeContainer", "labels": [...]}: its labels are the tags, and the container is claimed
 * unless it holds more than that (then it stays an attribute too). A list or a text (older
 * plaso, Timesketch) gives the tags itself. */
static char *
add_plaso_tags(JsonObject *object, Claimed *claimed, TwEventBuilder *builder)
{
  JsonNode *node = json_object_get_member(object, "tag");

  if (!node || !JSON_NODE_HOLDS_OBJECT(node))
    return add_strings(object, "tag", claimed, TRUE, builder, tw_event_builder_add_tag);

  JsonObject *tag = json_node_get_object(node);
  JsonNode *labels = json_object_get_member(tag, "labels");
  gboolean only_labels = TRUE;
  GList *members = json_object_get_members(tag);
  for (GList *l = members; l; l = l->next)
    if (strcmp(l->data, "labels") != 0 && strcmp(l->data, "__container_type__") != 0 &&
        strcmp(l->data, "__type__") != 0)
      only_labels = FALSE;
  g_list_free(members);
  if (labels && !JSON_NODE_HOLDS_NULL(labels)) {
    if (!is_string_list(labels))
      return NULL; /* not plaso's shape: the whole tag stays an attribute */
    if (holds_string(labels)) {
      tw_event_builder_add_tag(builder, json_node_get_string(labels));
    } else {
      JsonArray *array = json_node_get_array(labels);
      for (guint i = 0; i < json_array_get_length(array); i++)
        tw_event_builder_add_tag(builder, json_node_get_string(json_array_get_element(array, i)));
    }
  }
  if (only_labels)
    claim(claimed, "tag");
  return NULL;
}

/* ------------------------------------------------------------------ events */

/* Fills @builder from @object; returns NULL, or why the event is skipped. A timeweave
 * Timesketch line's links are left in ctx->links, to be added once the event is stored. */
static char *
build_event(JsonContext *ctx, JsonObject *object, TwEventBuilder *builder)
{
  Claimed claimed = {0};
  JsonNode *node, *time_node = NULL;
  const char *time_name = NULL;
  TimeFormat time_format = ctx->time_format;
  const char *text;
  char *problem;

  /* With a preset, a record of the tool's own is read as the tool writes it: only the preset's
   * members become fields, everything else stays an attribute. A Timesketch line that timeweave
   * wrote is read whole, as the json exporter's events are. */
  gboolean tw_written = ctx->preset == PRESET_TIMESKETCH && written_by_timeweave(object);
  gboolean generic = ctx->preset == PRESET_NONE || tw_written;
  ctx->links = NULL;

  /* When: the time member, then precision, qualifier, floating and end. */
  g_autoptr(JsonNode) joined = NULL;
  if (ctx->time_parts) {
    /* time=date;time: members joined with a space, as the csv source joins columns. */
    /* (ctx->time_parts, not a split made here: claim() keeps the names' pointers.) */
    const char *const *parts = (const char *const *)ctx->time_parts;
    g_autoptr(GString) text_joined = g_string_new(NULL);
    for (guint i = 0; parts[i]; i++) {
      JsonNode *part = lookup_path(object, parts[i], &claimed);
      if (!part)
        return g_strdup_printf("no date: no '%s' member (the time option)", parts[i]);
      if (!holds_string(part))
        return g_strdup_printf("'%s' is %s, and time= joins text members", parts[i],
                               describe_node(part));
      if (i > 0)
        g_string_append_c(text_joined, ' ');
      g_string_append(text_joined, json_node_get_string(part));
    }
    joined = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(joined, text_joined->str);
    time_node = joined;
    time_name = ctx->time_member;
  } else if (ctx->time_member) {
    time_node = lookup_path(object, ctx->time_member, &claimed);
    time_name = ctx->time_member;
    if (!time_node)
      return g_strdup_printf("no date: no '%s' member (the time option)", time_name);
  } else if (ctx->preset != PRESET_NONE) {
    const TimeMember *members =
        ctx->preset == PRESET_PLASO ? plaso_time_members : timesketch_time_members;
    guint n = ctx->preset == PRESET_PLASO ? G_N_ELEMENTS(plaso_time_members)
                                          : G_N_ELEMENTS(timesketch_time_members);
    for (guint i = 0; i < n && !time_node; i++) {
      time_name = members[i].name;
      time_node = get_member(object, time_name, &claimed);
      if (!ctx->time_format_set)
        time_format = members[i].format;
    }
    if (!time_node)
      return g_strdup(ctx->preset == PRESET_PLASO
                          ? "no date: no timestamp (preset=plaso)"
                          : "no date: neither datetime nor timestamp (preset=timesketch)");
  } else {
    for (guint i = 0; i < G_N_ELEMENTS(default_time_members) && !time_node; i++) {
      time_name = default_time_members[i];
      time_node = get_member(object, time_name, &claimed);
    }
    if (!time_node)
      return g_strdup("no date: none of date, start, datetime, timestamp, time");
  }
  gboolean from_date = generic && !tw_written && strcmp(time_name, "date") == 0 &&
                       json_object_has_member(object, "date");
  /* What the json exporter writes: date, start, end and precision are always there. Its start
   * and end are the exact bounds, floating is written only when true, and zone is the only
   * zone. */
  gboolean exported = ctx->preset == PRESET_NONE && json_object_has_member(object, "date") &&
                      json_object_has_member(object, "start") &&
                      json_object_has_member(object, "end") &&
                      json_object_has_member(object, "precision");

  gboolean lenient = !exported;
  gboolean floating_given = exported || tw_written, floating = FALSE;
  node = generic ? get_member(object, "floating", &claimed) : NULL;
  if (node) {
    if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
      return g_strdup_printf("'floating' is %s, not true or false", describe_node(node));
    floating_given = TRUE;
    floating = json_node_get_boolean(node);
  }
  GTimeZone *naive = floating_given && floating ? NULL : ctx->naive_zone;

  TwDate date;
  gboolean in_zone;
  problem = parse_time(ctx, time_name, time_node, time_format, naive, &date, &in_zone);
  if (problem)
    return problem;
  gint64 instant = date.start;

  /* Timesketch's timestamp says the same instant again: claimed when it does, an attribute when
   * it says something else. */
  if (ctx->preset == PRESET_TIMESKETCH && strcmp(time_name, "datetime") == 0 &&
      (node = json_object_get_member(object, "timestamp")) && JSON_NODE_HOLDS_VALUE(node) &&
      json_node_get_value_type(node) == G_TYPE_INT64 && json_node_get_int(node) == instant)
    claim(&claimed, "timestamp");

  TwPrecision precision = TW_PRECISION_EXACT;
  TwQualifier qualifier = TW_QUALIFIER_NONE;
  gboolean has_precision = FALSE, has_qualifier = FALSE;
  if (generic) {
    if ((problem = get_text(object, "precision", &claimed, FALSE, &text)))
      return problem;
    if (text) {
      if (!tw_precision_from_string(text, &precision))
        return g_strdup_printf("unknown precision '%s'", text);
      has_precision = TRUE;
    }
    if ((problem = get_text(object, "qualifier", &claimed, FALSE, &text)))
      return problem;
    if (text) {
      if (!tw_qualifier_from_string(text, &qualifier))
        return g_strdup_printf("unknown qualifier '%s'", text);
      has_qualifier = TRUE;
    }
  }
  /* The date text says all of it; an instant from elsewhere takes them from the members. */
  if (!from_date && (has_precision || has_qualifier)) {
    if (has_qualifier)
      date.qualifier = qualifier;
    tw_date_set_precision(&date, has_precision ? precision : date.precision);
  }
  if (floating_given)
    date.floating = floating;

  if (exported && from_date) {
    TwDate start;
    gboolean ignored;
    node = get_member(object, "start", &claimed);
    if (node) {
      if ((problem = parse_time(ctx, "start", node, TIME_ISO, naive, &start, &ignored)))
        return problem;
      date.start = start.start;
    }
  }
  /* A timeweave Timesketch line: datetime is the exact start and end the exact end, whatever
   * the precision would round them to (an hour at +05:30); its date text only repeats them. */
  if (tw_written) {
    date.start = instant;
    if (json_object_has_member(object, "date"))
      claim(&claimed, "date");
  }

  gboolean has_end = FALSE;
  gint64 end = 0;
  node = generic && strcmp(time_name, "end") != 0 ? get_member(object, "end", &claimed) : NULL;
  TimeFormat end_format = exported ? TIME_ISO : ctx->time_format;
  if (node && holds_string(node) && (end_format == TIME_ISO || end_format == TIME_AUTO) &&
      _tw_time_is_end_of_range(json_node_get_string(node))) {
    end = TW_TIME_MAX + 1;
    has_end = TRUE;
  } else if (node) {
    TwDate end_date;
    gboolean ignored;
    if ((problem = parse_time(ctx, "end", node, end_format, naive, &end_date, &ignored)))
      return problem;
    end = tw_date_end_instant(&date, &end_date);
    has_end = TRUE;
    if (end < date.start)
      return g_strdup("'end' is before the start");
  }

  /* The zone the time was stated in: the member, else the zone naive times were read in, else
   * an offset the text gave (UTC is no zone worth keeping). Exports say the zone only in the
   * member: their offsets are the output zone's. */
  gboolean derive_zone = !exported && !tw_written;
  text = NULL;
  if (generic && (problem = get_text(object, "zone", &claimed, lenient, &text)))
    return problem;
  if (text) {
    tw_event_builder_set_zone(builder, text);
  } else if (derive_zone && in_zone) {
    tw_event_builder_set_zone(builder, ctx->naive_zone_name);
  } else if (derive_zone && !date.floating && date.has_offset && date.utc_offset != 0) {
    g_autofree char *offset = format_offset(date.utc_offset);
    tw_event_builder_set_zone(builder, offset);
  }
  date.has_offset = FALSE;
  date.utc_offset = 0;
  tw_event_builder_set_date(builder, &date);
  if (has_end && end != date.end)
    tw_event_builder_set_end(builder, end);

  /* Who: the id verbatim, or a native id that the core hashes with the source's name. The
   * native id member stays an attribute too: the hash does not keep its value. A foreign record
   * of a preset has no id of its own: Timesketch's _id (the OpenSearch document id) is its native
   * id, else the whole record is, so that two records differing in anything (plaso's several
   * timestamps of one file, with one message) stay two events. */
  const char *id_member = ctx->id_member;
  if (!id_member && !generic && ctx->preset == PRESET_TIMESKETCH &&
      (node = json_object_get_member(object, "_id")) && holds_string(node))
    id_member = "_id";
  if (id_member) {
    node = lookup_path(object, id_member, NULL);
    if (node) {
      g_autofree char *native = node_to_text(node);
      tw_event_builder_set_native_id(builder, native);
    }
  } else if (!generic) {
    g_autoptr(JsonNode) whole = json_node_init_object(json_node_alloc(), object);
    g_autofree char *native = node_to_text(whole);
    tw_event_builder_set_native_id(builder, native);
  } else if ((node = json_object_get_member(object, "id")) && !keep_as_attribute(lenient, node)) {
    claim(&claimed, "id");
    if (holds_string(node)) {
      tw_event_builder_set_id(builder, json_node_get_string(node));
    } else if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64) {
      g_autofree char *id = node_to_text(node);
      tw_event_builder_set_id(builder, id);
    } else if (!JSON_NODE_HOLDS_NULL(node)) {
      return g_strdup_printf("'id' is %s, not text", describe_node(node));
    }
  }

  /* What. */
  const char *title_name = NULL;
  node = NULL;
  if (ctx->title_member) {
    title_name = ctx->title_member;
    node = lookup_path(object, title_name, &claimed);
    if (!node)
      return ctx->preset != PRESET_NONE && !ctx->title_set
                 ? g_strdup_printf("no title: no '%s' member (preset=%s)", title_name,
                                   preset_names[ctx->preset])
                 : g_strdup_printf("no title: no '%s' member (the title option)", title_name);
  } else {
    for (guint i = 0; i < G_N_ELEMENTS(default_title_members) && !node; i++) {
      title_name = default_title_members[i];
      node = get_member(object, title_name, &claimed);
    }
    if (!node)
      return g_strdup("no title: neither title nor message");
  }
  if (!holds_string(node))
    return g_strdup_printf("'%s' is %s, not text", title_name, describe_node(node));
  tw_event_builder_set_title(builder, json_node_get_string(node));

  static const struct {
    const char *name;
    void (*set)(TwEventBuilder *, const char *);
  } text_fields[] = {
      {"description", tw_event_builder_set_description},
      {"source", tw_event_builder_set_source},
      {"location", tw_event_builder_set_location},
      {"url", tw_event_builder_set_url},
  };
  for (guint i = 0; generic && i < G_N_ELEMENTS(text_fields); i++) {
    /* A member the options mapped already (title=source) is that field alone. */
    if (is_claimed(&claimed, text_fields[i].name))
      continue;
    if ((problem = get_text(object, text_fields[i].name, &claimed, lenient, &text)))
      return problem;
    if (text)
      text_fields[i].set(builder, text);
  }

  /* The kind: a preset's timestamp_desc; a timeweave Timesketch line says it in kind, and its
   * timestamp_desc is the kind again or the exporter's stand-in for none. */
  const char *kind_name = ctx->kind_member;
  if (!kind_name && ctx->preset != PRESET_NONE) {
    kind_name = tw_written ? "kind" : "timestamp_desc";
    if (tw_written)
      claim(&claimed, "timestamp_desc");
  }
  node = NULL;
  if (kind_name) {
    node = lookup_path(object, kind_name, &claimed);
  } else {
    for (guint i = 0; i < G_N_ELEMENTS(default_kind_members) && !node; i++) {
      kind_name = default_kind_members[i];
      node = json_object_get_member(object, kind_name);
      if (node && keep_as_attribute(lenient, node))
        node = NULL;
      else if (node)
        node = get_member(object, kind_name, &claimed);
    }
  }
  if (node) {
    if (!holds_string(node))
      return g_strdup_printf("'%s' is %s, not text", kind_name, describe_node(node));
    tw_event_builder_set_kind(builder, json_node_get_string(node));
  }

  if (ctx->preset == PRESET_PLASO && !ctx->tags_set)
    problem = add_plaso_tags(object, &claimed, builder);
  else
    problem =
        add_strings(object, ctx->tags_member, &claimed, lenient, builder, tw_event_builder_add_tag);
  if (problem || (generic && (problem = add_strings(object, "actors", &claimed, lenient, builder,
                                                    tw_event_builder_add_actor))))
    return problem;

  if (!generic)
    node = NULL;
  else if ((node = json_object_get_member(object, "geo")) && !JSON_NODE_HOLDS_NULL(node)) {
    JsonObject *geo = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
    JsonNode *lat = geo ? json_object_get_member(geo, "lat") : NULL;
    JsonNode *lon = geo ? json_object_get_member(geo, "lon") : NULL;
    if (lat && lon && holds_number(lat) && holds_number(lon)) {
      double latitude = node_get_number(lat), longitude = node_get_number(lon);
      claim(&claimed, "geo");
      if (!(fabs(latitude) <= 90 && fabs(longitude) <= 180))
        return g_strdup("'geo' is outside -90..90 degrees of latitude, -180..180 of longitude");
      tw_event_builder_set_geo(builder, latitude, longitude);
    } else if (!keep_as_attribute(lenient, node)) {
      return g_strdup("'geo' is not {\"lat\": NUMBER, \"lon\": NUMBER}");
    }
  } else if (node) {
    claim(&claimed, "geo");
  }

  JsonObject *attributes = NULL;
  if (!generic)
    node = NULL;
  else if ((node = json_object_get_member(object, "attributes")) && !JSON_NODE_HOLDS_NULL(node)) {
    if (JSON_NODE_HOLDS_OBJECT(node)) {
      claim(&claimed, "attributes");
      attributes = json_node_get_object(node);
    } else if (!keep_as_attribute(lenient, node)) {
      return g_strdup_printf("'attributes' is %s, not an object", describe_node(node));
    }
  } else if (node) {
    claim(&claimed, "attributes");
  }

  /* The links that start at a timeweave Timesketch line's event: added once it is stored. */
  if (tw_written && (node = json_object_get_member(object, "links")) &&
      JSON_NODE_HOLDS_ARRAY(node)) {
    claim(&claimed, "links");
    ctx->links = json_node_get_array(node);
  }

  /* Everything else is kept as attributes, in the record's order; the attributes object is
   * spread where it stands. */
  GList *members = json_object_get_members(object);
  for (GList *l = members; l; l = l->next) {
    const char *name = l->data;
    if (attributes && strcmp(name, "attributes") == 0) {
      GList *keys = json_object_get_members(attributes);
      for (GList *k = keys; k; k = k->next) {
        g_autofree char *value = node_to_text(json_object_get_member(attributes, k->data));
        tw_event_builder_set_attribute(builder, k->data, value);
      }
      g_list_free(keys);
    } else if (!is_claimed(&claimed, name)) {
      g_autofree char *value = node_to_text(json_object_get_member(object, name));
      tw_event_builder_set_attribute(builder, name, value);
    }
  }
  g_list_free(members);
  return NULL;
}

/* A lag: tw_duration_format() text (`30d`, `-2h`), or a whole number of microseconds. */
static gboolean
parse_lag(JsonNode *node, gint64 *out)
{
  if (!node) {
    *out = 0;
    return TRUE;
  }
  if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64) {
    *out = json_node_get_int(node);
    return TRUE;
  }
  if (!holds_string(node))
    return FALSE;
  return tw_duration_parse(json_node_get_string(node), out, NULL);
}

/* Checks a link object and adds it from @from (NULL: its "from" member); NULL, or the problem. */
static const char *
add_link(JsonContext *ctx, JsonNode *node, const char *from_id)
{
  JsonObject *link = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
  JsonNode *from = link && !from_id ? json_object_get_member(link, "from") : NULL;
  JsonNode *to = link ? json_object_get_member(link, "to") : NULL;
  JsonNode *rule = link ? json_object_get_member(link, "rule") : NULL;
  JsonNode *certainty_node = link ? json_object_get_member(link, "certainty") : NULL;
  gint64 lag_min = 0, lag_max = 0;
  TwCertainty certainty = TW_CERTAINTY_CERTAIN;

  if (!link)
    return "a link is an object";
  if (!from_id && (!from || !holds_string(from)))
    return "a link needs 'from' and 'to' event ids";
  if (!to || !holds_string(to))
    return from_id ? "a link needs a 'to' event id" : "a link needs 'from' and 'to' event ids";
  if (rule && !holds_string(rule))
    return "the link's 'rule' is not text";
  if (!parse_lag(json_object_get_member(link, "lag_min"), &lag_min) ||
      !parse_lag(json_object_get_member(link, "lag_max"), &lag_max))
    return "the link's lags are not durations (30d, 1h30m)";
  if (lag_min > lag_max)
    return "the link's lag_min is larger than its lag_max";
  if (certainty_node) {
    const char *text = holds_string(certainty_node) ? json_node_get_string(certainty_node) : "";
    if (strcmp(text, "possible") == 0)
      certainty = TW_CERTAINTY_POSSIBLE;
    else if (strcmp(text, "certain") != 0)
      return "the link's certainty is neither certain nor possible";
  }
  tw_sink_add_link(ctx->sink, from_id ? from_id : json_node_get_string(from),
                   json_node_get_string(to), rule ? json_node_get_string(rule) : "", lag_min,
                   lag_max, certainty);
  return NULL;
}

static gboolean
read_event(JsonContext *ctx, JsonNode *node, const Place *place, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT(node)) {
    g_autofree char *message =
        g_strdup_printf("not an event: %s, where an event object belongs", describe_node(node));
    return place_warn(ctx, place, error, message);
  }
  JsonObject *object = json_node_get_object(node);
  TwEventBuilder *builder = tw_sink_begin(ctx->sink, ctx->file, place->line);
  g_autofree char *problem = build_event(ctx, object, builder);
  if (problem) {
    tw_sink_discard(ctx->sink);
    return place_warn(ctx, place, error, problem);
  }
  g_autoptr(GError) invalid = NULL;
  if (!tw_sink_commit(ctx->sink, &invalid))
    return tw_sink_warn_error(ctx->sink, invalid, error);

  /* A timeweave Timesketch line's links start at its event. */
  JsonArray *links = g_steal_pointer(&ctx->links);
  for (guint i = 0; links && i < json_array_get_length(links); i++) {
    const char *link_problem = add_link(ctx, json_array_get_element(links, i),
                                        json_node_get_string(json_object_get_member(object, "id")));
    if (link_problem && !place_warn(ctx, place, error, link_problem))
      return FALSE;
  }
  return TRUE;
}

static gboolean
read_link(JsonContext *ctx, JsonNode *node, const Place *place, GError **error)
{
  const char *problem = add_link(ctx, node, NULL);

  return problem ? place_warn(ctx, place, error, problem) : TRUE;
}

/* Reads each element of @array with @read, at the lines the scanner found (or by position). */
static gboolean
read_array(JsonContext *ctx, JsonArray *array, GArray *spans, const char *what,
           gboolean (*read)(JsonContext *, JsonNode *, const Place *, GError **), GError **error)
{
  guint n = json_array_get_length(array);

  if (spans && spans->len != n)
    spans = NULL; /* the scanner and json-glib disagree (an escaped key): use positions */
  for (guint i = 0; i < n; i++) {
    Place place = {spans ? g_array_index(spans, Span, i).line : 0, what, i};
    if (!read(ctx, json_array_get_element(array, i), &place, error))
      return FALSE;
  }
  return TRUE;
}

/* Parses each event element of @root from the text on its own and reads it. With @cut (a
 * document cut short), the last element, where the text stops, is left: it cannot parse. */
static gboolean
read_pieces(JsonContext *ctx, const char *text, const RootSpan *root, gboolean cut, GError **error)
{
  GArray *elements = root->elements[0];

  for (guint i = 0; elements && i < elements->len; i++) {
    const Span *element = &g_array_index(elements, Span, i);
    g_autofree char *problem = NULL;
    gsize at;
    g_autoptr(JsonNode) node =
        parse_piece(ctx, text + element->start, element->end - element->start, &at, &problem);
    if (!node && cut && i + 1 == elements->len)
      return TRUE;
    if (!node)
      return at == G_MAXSIZE ? fail(ctx, element->line, error, "%s", problem)
                             : fail_at(ctx, text, element->start + at, error, problem);
    Place place = {element->line, "event", i};
    if (!read_event(ctx, node, &place, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
has_time_member(JsonContext *ctx, JsonObject *object)
{
  if (ctx->time_member)
    return lookup_path(object, ctx->time_member, NULL) != NULL;
  for (guint i = 0; i < G_N_ELEMENTS(default_time_members); i++) {
    JsonNode *node = json_object_get_member(object, default_time_members[i]);
    if (node && !JSON_NODE_HOLDS_NULL(node))
      return TRUE;
  }
  return FALSE;
}

/* The array of events of a top-level value as the scanner found it, if it is one. */
static JsonArray *
scanned_events(JsonContext *ctx, JsonNode *root)
{
  if (JSON_NODE_HOLDS_ARRAY(root))
    return json_node_get_array(root);
  if (!JSON_NODE_HOLDS_OBJECT(root))
    return NULL;
  JsonNode *events = lookup_path(json_node_get_object(root), ctx->events_member, NULL);
  return events && JSON_NODE_HOLDS_ARRAY(events) ? json_node_get_array(events) : NULL;
}

/* One top-level value of a document: a timeweave document, an array of events, or an event.
 * With @pieces, @node is its skeleton and the events are parsed from @text one by one. */
static gboolean
read_root(JsonContext *ctx, const char *text, JsonNode *node, const RootSpan *root, guint n_roots,
          gboolean pieces, GError **error)
{
  guint line = root->span.line;

  if (JSON_NODE_HOLDS_ARRAY(node))
    return pieces ? read_pieces(ctx, text, root, FALSE, error)
                  : read_array(ctx, json_node_get_array(node), root->elements[0], "event",
                               read_event, error);
  if (!JSON_NODE_HOLDS_OBJECT(node))
    return fail(ctx, line, error,
                "not a timeweave document: the JSON value is %s, not an object or an array",
                describe_node(node));

  JsonObject *object = json_node_get_object(node);
  JsonNode *events = lookup_path(object, ctx->events_member, NULL);
  if (!events) {
    Place place = {line, "event", 0};
    if (n_roots == 1 && !has_time_member(ctx, object))
      return fail(ctx, line, error,
                  "not a timeweave document: no '%s' array, and no date for an event",
                  ctx->events_member);
    return read_event(ctx, node, &place, error);
  }
  if (!JSON_NODE_HOLDS_ARRAY(events))
    return fail(ctx, line, error, "'%s' is %s, not an array of events", ctx->events_member,
                describe_node(events));
  if (pieces ? !read_pieces(ctx, text, root, FALSE, error)
             : !read_array(ctx, json_node_get_array(events), root->elements[0], "event", read_event,
                           error))
    return FALSE;

  JsonNode *links = json_object_get_member(object, "links");
  if (!links || JSON_NODE_HOLDS_NULL(links))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY(links)) {
    g_autofree char *message =
        g_strdup_printf("'links' is %s, not an array; links skipped", describe_node(links));
    return tw_sink_warn(ctx->sink, ctx->file, line, error, "%s", message);
  }
  return read_array(ctx, json_node_get_array(links), root->elements[1], "link", read_link, error);
}

/* Why @text (@length bytes) is not UTF-8, from its first bad byte @bad, in words a user can act
 * on: Windows PowerShell's Out-File and ConvertTo-Json write UTF-16 with a byte order mark,
 * which RFC 8259 no longer allows. *@utf16 (optional): whether that mark is what was found. */
static const char *
utf8_problem(const char *text, gsize length, const char *bad, gboolean *utf16)
{
  gboolean mark = bad == text && length >= 2 &&
                  (((guchar)text[0] == 0xff && (guchar)text[1] == 0xfe) ||
                   ((guchar)text[0] == 0xfe && (guchar)text[1] == 0xff));
  if (utf16)
    *utf16 = mark;
  if (mark)
    return (guchar)text[0] == 0xff
               ? "UTF-16 text (its byte order mark is FF FE): convert it to UTF-8, e.g. with "
                 "iconv -f UTF-16 -t UTF-8"
               : "UTF-16 text (its byte order mark is FE FF): convert it to UTF-8, e.g. with "
                 "iconv -f UTF-16 -t UTF-8";
  return *bad ? "invalid UTF-8" : "a NUL byte (a binary file, or UTF-16?)";
}

static gboolean
read_document(JsonContext *ctx, const char *text, gsize length, GError **error)
{
  const char *bad;

  if (!g_utf8_validate(text, (gssize)length, &bad)) {
    guint line, column;
    text_position(text, (gsize)(bad - text), &line, &column);
    return fail(ctx, line, error, "not JSON: %s (column %u)", utf8_problem(text, length, bad, NULL),
                column);
  }
  g_autoptr(GArray) roots = scan_roots(text, length, ctx->events_member);
  if (roots->len == 0)
    return fail(ctx, 1, error, "not JSON: the document is empty");
  for (guint i = 0; i < roots->len; i++) {
    if (g_array_index(roots, RootSpan, i).odd) {
      /* Single quotes or comments: the scanner cannot split the text, json-glib reads it all
       * (and, being json-glib, only its first value). */
      Span all = {g_array_index(roots, RootSpan, 0).span.start, length,
                  g_array_index(roots, RootSpan, 0).span.line};
      g_array_set_size(roots, 0);
      g_array_set_size(roots, 1);
      g_array_index(roots, RootSpan, 0).span = all;
      g_array_index(roots, RootSpan, 0).odd = TRUE;
      break;
    }
  }
  for (guint i = 0; i < roots->len; i++) {
    const RootSpan *root = &g_array_index(roots, RootSpan, i);
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *problem = NULL;
    gboolean pieces = FALSE;
    gsize at;

    if (!root->odd && root->elements[0] && root->elements[0]->len > 0) {
      g_autoptr(GArray) anchors = g_array_new(FALSE, FALSE, sizeof(Anchor));
      g_autoptr(GString) skeleton = build_skeleton(text, root, anchors);
      node = parse_piece_of(ctx, skeleton->str, skeleton->len, text + root->span.start,
                            root->span.end - root->span.start, &at, &problem);
      if (!node) {
        /* What an event hides behind its 0 (nesting too deep, a bad escape) is what json-glib
         * could not be given, and is what went wrong: say that, not what json-glib saw. */
        const char *unsafe;
        gsize hidden = json_guard_problem_at(text + root->span.start,
                                             root->span.end - root->span.start, &unsafe);
        if (hidden != G_MAXSIZE)
          return fail_at(ctx, text, root->span.start + hidden, error, unsafe);
        /* A document cut short (a download or a copy that stopped) holds its first events
         * whole: they are read, so that the timeline keeps them as partial, as it keeps the
         * lines of JSON Lines before a cut, and the run then fails at the cut. */
        if (json_guard_cut_short(text + root->span.start, root->span.end - root->span.start) &&
            !read_pieces(ctx, text, root, TRUE, error))
          return FALSE;
        return at == G_MAXSIZE ? fail(ctx, root->span.line, error, "%s", problem)
                               : fail_at(ctx, text, skeleton_to_text(anchors, at), error, problem);
      }
      JsonArray *events = scanned_events(ctx, node);
      pieces = events && json_array_get_length(events) == root->elements[0]->len;
      if (!pieces)
        g_clear_pointer(&node, json_node_unref);
    }
    if (!node) {
      node = parse_piece(ctx, text + root->span.start, root->span.end - root->span.start, &at,
                         &problem);
      if (!node)
        return at == G_MAXSIZE ? fail(ctx, root->span.line, error, "%s", problem)
                               : fail_at(ctx, text, root->span.start + at, error, problem);
    }
    if (!read_root(ctx, text, node, root, roots->len, pieces, error))
      return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------ JSON Lines */

static gboolean
is_blank(const char *text, gsize length)
{
  for (gsize i = 0; i < length; i++)
    if (!is_json_space(text[i]))
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------ JSON Lines, the fast way
 *
 * json-glib builds a tree of GObject-free but heavily allocated nodes, with a signal per object:
 * about 10 microseconds a line, which made reading JSON Lines slower than anything else in a
 * run. Lines in the shape the jsonl exporter writes (and most hand-written lines have) are read
 * here instead: an object whose members hold text, true or false, a list of text, or (for
 * "attributes") an object of text, read with the default options. The fast path reads such a
 * line into the builder exactly as build_event() would; anything else (a number, null, nesting,
 * duplicate names, an escape it does not take, a line that would be a warning) is left to
 * json-glib and build_event(), which then say what is wrong. TW_JSON_SLOW=1 turns it off, so
 * that tests can compare both ways. */

#define FAST_MAX_MEMBERS 64
#define FAST_MAX_ITEMS 256

typedef enum {
  FAST_TEXT,
  FAST_TRUE,
  FAST_FALSE,
  FAST_LIST,   /* of text: items[first .. first + n) */
  FAST_OBJECT, /* of text: keys and values in items[first .. first + 2n) */
} FastKind;

typedef struct {
  gsize name; /* offsets into FastLine.text */
  gsize value;
  FastKind kind;
  guint first, n;
  gboolean claimed;
} FastMember;

/* The members build_event() looks for by name. */
typedef enum {
  KNOWN_DATE,
  KNOWN_START,
  KNOWN_DATETIME,
  KNOWN_TIMESTAMP,
  KNOWN_TIME,
  KNOWN_END,
  KNOWN_FLOATING,
  KNOWN_PRECISION,
  KNOWN_QUALIFIER,
  KNOWN_ZONE,
  KNOWN_ID,
  KNOWN_TITLE,
  KNOWN_MESSAGE,
  KNOWN_DESCRIPTION,
  KNOWN_SOURCE,
  KNOWN_LOCATION,
  KNOWN_URL,
  KNOWN_KIND,
  KNOWN_TIMESTAMP_DESC,
  KNOWN_TAGS,
  KNOWN_ACTORS,
  KNOWN_GEO,
  KNOWN_ATTRIBUTES,
  KNOWN_N,
} Known;

static const char *const known_names[KNOWN_N] = {
    "date",           "start",       "datetime",  "timestamp", "time",       "end",
    "floating",       "precision",   "qualifier", "zone",      "id",         "title",
    "message",        "description", "source",    "location",  "url",        "kind",
    "timestamp_desc", "tags",        "actors",    "geo",       "attributes",
};

typedef struct _FastLine {
  char *buf; /* the decoded strings, each NUL-terminated */
  gsize used, size;
  gint8 known[KNOWN_N]; /* the member of each known name, or -1 */
  FastMember members[FAST_MAX_MEMBERS];
  guint n_members;
  gsize items[FAST_MAX_ITEMS];
  guint n_items;
} FastLine;

static const char *
skip_space(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* Decodes the string at *@p (at its opening quote) into line->buf; FALSE for what the fast path
 * does not take (a control character, \\u0000, a lone surrogate, a bad escape). A decoded
 * string and its NUL never take more room than its quoted text, so the buffer sized for the
 * line always has room. */
static gboolean
fast_string(const char **p, const char *end, FastLine *line, gsize *offset)
{
  const char *s = *p + 1;
  char *out = line->buf + line->used;
  *offset = line->used;
  for (;;) {
    const char *q = s;
    while (q < end && *q != '"' && *q != '\\' && (guchar)*q >= 0x20)
      q++;
    memcpy(out, s, (gsize)(q - s));
    out += q - s;
    if (q >= end || (guchar)*q < 0x20)
      return FALSE;
    if (*q == '"') {
      *out++ = '\0';
      line->used = (gsize)(out - line->buf);
      *p = q + 1;
      return TRUE;
    }
    if (++q >= end)
      return FALSE;
    char c = *q++;
    switch (c) {
    case '"':
    case '\\':
    case '/':
      *out++ = c;
      break;
    case 'b':
      *out++ = '\b';
      break;
    case 'f':
      *out++ = '\f';
      break;
    case 'n':
      *out++ = '\n';
      break;
    case 'r':
      *out++ = '\r';
      break;
    case 't':
      *out++ = '\t';
      break;
    case 'u': {
      if (end - q < 4)
        return FALSE;
      int u = json_guard_hex4(q);
      q += 4;
      if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
        return FALSE;
      gunichar ch = (gunichar)u;
      if (u >= 0xd800 && u <= 0xdbff) {
        if (end - q < 6 || q[0] != '\\' || q[1] != 'u')
          return FALSE;
        int low = json_guard_hex4(q + 2);
        if (low < 0xdc00 || low > 0xdfff)
          return FALSE;
        q += 6;
        ch = 0x10000 + (((gunichar)u - 0xd800) << 10) + ((gunichar)low - 0xdc00);
      }
      out += g_unichar_to_utf8(ch, out);
      break;
    }
    default:
      return FALSE;
    }
    s = q;
  }
}

/* A list of text or an object of text at *@p (at its bracket) into line->items. */
static gboolean
fast_container(const char **p, const char *end, FastLine *line, gboolean object, guint *n)
{
  const char *q = skip_space(*p + 1, end);
  char close = object ? '}' : ']';
  *n = 0;
  if (q < end && *q == close) {
    *p = q + 1;
    return TRUE;
  }
  for (;;) {
    if (q >= end || *q != '"' || line->n_items + (object ? 2 : 1) > FAST_MAX_ITEMS)
      return FALSE;
    if (!fast_string(&q, end, line, &line->items[line->n_items++]))
      return FALSE;
    if (object) {
      q = skip_space(q, end);
      if (q >= end || *q != ':')
        return FALSE;
      q = skip_space(q + 1, end);
      if (q >= end || *q != '"' || !fast_string(&q, end, line, &line->items[line->n_items++]))
        return FALSE;
    }
    (*n)++;
    q = skip_space(q, end);
    if (q < end && *q == ',') {
      q = skip_space(q + 1, end);
      continue;
    }
    if (q < end && *q == close) {
      *p = q + 1;
      return TRUE;
    }
    return FALSE;
  }
}

/* Reads @text into @line: FALSE when it is not an object the fast path takes. */
static gboolean
fast_parse(const char *text, gsize length, FastLine *line)
{
  const char *p = text, *end = text + length;
  if (line->size < length + 1) {
    line->size = length + 1024;
    line->buf = g_realloc(line->buf, line->size);
  }
  line->used = 0;
  line->n_members = line->n_items = 0;
  p = skip_space(p, end);
  if (p >= end || *p != '{')
    return FALSE;
  p = skip_space(p + 1, end);
  for (;;) {
    if (p >= end || *p != '"' || line->n_members == FAST_MAX_MEMBERS)
      return FALSE;
    FastMember *m = &line->members[line->n_members++];
    m->claimed = FALSE;
    if (!fast_string(&p, end, line, &m->name))
      return FALSE;
    p = skip_space(p, end);
    if (p >= end || *p != ':')
      return FALSE;
    p = skip_space(p + 1, end);
    if (p >= end)
      return FALSE;
    if (*p == '"') {
      m->kind = FAST_TEXT;
      if (!fast_string(&p, end, line, &m->value))
        return FALSE;
    } else if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
      m->kind = FAST_TRUE;
      p += 4;
    } else if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
      m->kind = FAST_FALSE;
      p += 5;
    } else if (*p == '[' || *p == '{') {
      m->kind = *p == '[' ? FAST_LIST : FAST_OBJECT;
      m->first = line->n_items;
      if (!fast_container(&p, end, line, m->kind == FAST_OBJECT, &m->n))
        return FALSE;
    } else {
      return FALSE; /* a number or null: json-glib's */
    }
    p = skip_space(p, end);
    if (p < end && *p == ',') {
      p = skip_space(p + 1, end);
      continue;
    }
    if (p < end && *p == '}') {
      p = skip_space(p + 1, end);
      break;
    }
    return FALSE;
  }
  if (p != end)
    return FALSE;
  /* Names given twice: what json-glib keeps is its business. */
  const char *text_base = line->buf;
  for (guint i = 0; i < line->n_members; i++)
    for (guint j = i + 1; j < line->n_members; j++)
      if (strcmp(text_base + line->members[i].name, text_base + line->members[j].name) == 0)
        return FALSE;
  for (guint i = 0; i < line->n_members; i++) {
    const FastMember *m = &line->members[i];
    for (guint a = 0; m->kind == FAST_OBJECT && a < m->n; a++)
      for (guint b = a + 1; b < m->n; b++)
        if (strcmp(text_base + line->items[m->first + 2 * a],
                   text_base + line->items[m->first + 2 * b]) == 0)
          return FALSE;
  }
  memset(line->known, -1, sizeof line->known);
  for (guint i = 0; i < line->n_members; i++) {
    const char *name = text_base + line->members[i].name;
    for (guint k = 0; k < KNOWN_N; k++)
      if (name[0] == known_names[k][0] && strcmp(name, known_names[k]) == 0) {
        line->known[k] = (gint8)i;
        break;
      }
  }
  return TRUE;
}

static FastMember *
fast_member(FastLine *line, Known name)
{
  return line->known[name] < 0 ? NULL : &line->members[line->known[name]];
}

static const char *
fast_text(const FastLine *line, const FastMember *m)
{
  return line->buf + m->value;
}

/* A member that must hold text to be read here: its text, else NULL (and *slow). */
static const char *
fast_claim_text(FastLine *line, Known name, gboolean *slow)
{
  FastMember *m = fast_member(line, name);
  if (!m)
    return NULL;
  if (m->kind != FAST_TEXT) {
    *slow = TRUE;
    return NULL;
  }
  m->claimed = TRUE;
  return fast_text(line, m);
}

/* build_event() for a line that fast_parse() took, with the default options. FALSE: leave the
 * line to build_event() (the builder is then discarded). */
static gboolean
fast_build(JsonContext *ctx, FastLine *line, TwEventBuilder *builder)
{
  gboolean slow = FALSE;
  const char *time_name = NULL;
  FastMember *time_member = NULL;
  G_STATIC_ASSERT(G_N_ELEMENTS(default_time_members) == KNOWN_TIME + 1);
  for (guint i = 0; i < G_N_ELEMENTS(default_time_members) && !time_member; i++) {
    time_name = default_time_members[i];
    time_member = fast_member(line, (Known)(KNOWN_DATE + i));
  }
  if (!time_member || time_member->kind != FAST_TEXT)
    return FALSE;
  time_member->claimed = TRUE;
  gboolean from_date = strcmp(time_name, "date") == 0;
  gboolean exported = fast_member(line, KNOWN_DATE) && fast_member(line, KNOWN_START) &&
                      fast_member(line, KNOWN_END) && fast_member(line, KNOWN_PRECISION);
  gboolean lenient = !exported;

  gboolean floating_given = exported, floating = FALSE;
  FastMember *m = fast_member(line, KNOWN_FLOATING);
  if (m) {
    if (m->kind != FAST_TRUE && m->kind != FAST_FALSE)
      return FALSE;
    m->claimed = TRUE;
    floating_given = TRUE;
    floating = m->kind == FAST_TRUE;
  }
  GTimeZone *naive = floating_given && floating ? NULL : ctx->naive_zone;

  TwDate date;
  gboolean in_zone;
  char *problem = parse_time_text(ctx, time_name, fast_text(line, time_member), ctx->time_format,
                                  naive, &date, &in_zone);
  if (problem) {
    g_free(problem);
    return FALSE;
  }

  TwPrecision precision = TW_PRECISION_EXACT;
  TwQualifier qualifier = TW_QUALIFIER_NONE;
  const char *text = fast_claim_text(line, KNOWN_PRECISION, &slow);
  gboolean has_precision = text != NULL;
  if (slow || (text && !tw_precision_from_string(text, &precision)))
    return FALSE;
  text = fast_claim_text(line, KNOWN_QUALIFIER, &slow);
  gboolean has_qualifier = text != NULL;
  if (slow || (text && !tw_qualifier_from_string(text, &qualifier)))
    return FALSE;
  if (!from_date && (has_precision || has_qualifier)) {
    if (has_qualifier)
      date.qualifier = qualifier;
    tw_date_set_precision(&date, has_precision ? precision : date.precision);
  }
  if (floating_given)
    date.floating = floating;

  if (exported && from_date) {
    TwDate start;
    gboolean ignored;
    text = fast_claim_text(line, KNOWN_START, &slow);
    if (slow || !text)
      return FALSE;
    if ((problem = parse_time_text(ctx, "start", text, TIME_ISO, naive, &start, &ignored))) {
      g_free(problem);
      return FALSE;
    }
    date.start = start.start;
  }

  gboolean has_end = FALSE;
  gint64 end = 0;
  TimeFormat end_format = exported ? TIME_ISO : ctx->time_format;
  text = strcmp(time_name, "end") != 0 ? fast_claim_text(line, KNOWN_END, &slow) : NULL;
  if (text && (end_format == TIME_ISO || end_format == TIME_AUTO) &&
      _tw_time_is_end_of_range(text)) {
    end = TW_TIME_MAX + 1;
    has_end = TRUE;
  } else if (text) {
    TwDate end_date;
    gboolean ignored;
    if ((problem = parse_time_text(ctx, "end", text, end_format, naive, &end_date, &ignored))) {
      g_free(problem);
      return FALSE;
    }
    end = tw_date_end_instant(&date, &end_date);
    has_end = TRUE;
    if (end < date.start)
      return FALSE;
  }
  if (slow)
    return FALSE;

  text = fast_claim_text(line, KNOWN_ZONE, &slow);
  if (slow)
    return FALSE;
  if (text) {
    tw_event_builder_set_zone(builder, text);
  } else if (!exported && in_zone) {
    tw_event_builder_set_zone(builder, ctx->naive_zone_name);
  } else if (!exported && !date.floating && date.has_offset && date.utc_offset != 0) {
    g_autofree char *offset = format_offset(date.utc_offset);
    tw_event_builder_set_zone(builder, offset);
  }
  date.has_offset = FALSE;
  date.utc_offset = 0;
  tw_event_builder_set_date(builder, &date);
  if (has_end && end != date.end)
    tw_event_builder_set_end(builder, end);

  if ((text = fast_claim_text(line, KNOWN_ID, &slow)))
    tw_event_builder_set_id(builder, text);
  if (slow)
    return FALSE;

  text = fast_claim_text(line, KNOWN_TITLE, &slow);
  if (!text && !slow && !fast_member(line, KNOWN_TITLE))
    text = fast_claim_text(line, KNOWN_MESSAGE, &slow);
  if (slow || !text)
    return FALSE;
  tw_event_builder_set_title(builder, text);

  static const struct {
    Known name;
    void (*set)(TwEventBuilder *, const char *);
  } text_fields[] = {
      {KNOWN_DESCRIPTION, tw_event_builder_set_description},
      {KNOWN_SOURCE, tw_event_builder_set_source},
      {KNOWN_LOCATION, tw_event_builder_set_location},
      {KNOWN_URL, tw_event_builder_set_url},
  };
  for (guint i = 0; i < G_N_ELEMENTS(text_fields); i++) {
    if ((text = fast_claim_text(line, text_fields[i].name, &slow)))
      text_fields[i].set(builder, text);
    if (slow)
      return FALSE;
  }

  text = fast_claim_text(line, KNOWN_KIND, &slow);
  if (!text && !slow && !fast_member(line, KNOWN_KIND))
    text = fast_claim_text(line, KNOWN_TIMESTAMP_DESC, &slow);
  if (slow)
    return FALSE;
  if (text)
    tw_event_builder_set_kind(builder, text);

  static const struct {
    Known name;
    void (*add)(TwEventBuilder *, const char *);
  } lists[] = {
      {KNOWN_TAGS, tw_event_builder_add_tag},
      {KNOWN_ACTORS, tw_event_builder_add_actor},
  };
  for (guint i = 0; i < G_N_ELEMENTS(lists); i++) {
    m = fast_member(line, lists[i].name);
    if (!m)
      continue;
    if (m->kind == FAST_TEXT) {
      lists[i].add(builder, fast_text(line, m));
    } else if (m->kind == FAST_LIST) {
      for (guint k = 0; k < m->n; k++)
        lists[i].add(builder, line->buf + line->items[m->first + k]);
    } else {
      return FALSE;
    }
    m->claimed = TRUE;
  }

  if (fast_member(line, KNOWN_GEO))
    return FALSE;
  FastMember *attributes = fast_member(line, KNOWN_ATTRIBUTES);
  if (attributes) {
    if (attributes->kind != FAST_OBJECT)
      return FALSE;
    attributes->claimed = TRUE;
  }

  /* Everything else is kept as attributes, in the record's order; the attributes object is
   * spread where it stands. */
  for (guint i = 0; i < line->n_members; i++) {
    m = &line->members[i];
    if (m == attributes) {
      for (guint k = 0; k < m->n; k++)
        tw_event_builder_set_attribute(builder, line->buf + line->items[m->first + 2 * k],
                                       line->buf + line->items[m->first + 2 * k + 1]);
    } else if (!m->claimed) {
      if (m->kind != FAST_TEXT)
        return FALSE; /* json-glib writes it as JSON text */
      tw_event_builder_set_attribute(builder, line->buf + m->name, fast_text(line, m));
    }
  }
  (void)lenient;
  return TRUE;
}

/* Reads a line the fast way: TRUE when it did (*ok is the result), FALSE to leave it to
 * json-glib. */
static gboolean
fast_jsonl_line(JsonContext *ctx, const char *text, gsize length, guint line, gboolean *ok,
                GError **error)
{
  if (!ctx->fast || !fast_parse(text, length, ctx->fast))
    return FALSE;
  TwEventBuilder *builder = tw_sink_begin(ctx->sink, ctx->file, line);
  if (!fast_build(ctx, ctx->fast, builder)) {
    tw_sink_discard(ctx->sink);
    return FALSE;
  }
  g_autoptr(GError) invalid = NULL;
  *ok = tw_sink_commit(ctx->sink, &invalid) || tw_sink_warn_error(ctx->sink, invalid, error);
  return TRUE;
}

static gboolean
read_jsonl_line(JsonContext *ctx, const char *text, gsize length, guint line, GError **error)
{
  Place place = {line, "event", 0};
  const char *bad;

  if (line == 1 && length >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    length -= 3;
  }
  if (is_blank(text, length))
    return TRUE;
  if (!g_utf8_validate(text, (gssize)length, &bad)) {
    gboolean utf16;
    const char *problem = utf8_problem(text, length, bad, &utf16);
    /* A file in UTF-16 fails as a whole, not with a warning on each of its lines. */
    if (line == 1 && utf16)
      return fail(ctx, line, error, "not JSON: %s", problem);
    g_autofree char *message = g_strdup_printf("not JSON: %s", problem);
    return place_warn(ctx, &place, error, message);
  }
  gboolean ok;
  if (fast_jsonl_line(ctx, text, length, line, &ok, error))
    return ok;

  g_autoptr(GArray) roots = scan_roots(text, length, NULL);
  const RootSpan *first = &g_array_index(roots, RootSpan, 0);
  Span whole = {0, length, line};
  const Span *span = first->odd ? &whole : &first->span;
  g_autofree char *problem = NULL;
  gsize at;
  g_autoptr(JsonNode) root =
      parse_piece(ctx, text + span->start, span->end - span->start, &at, &problem);
  if (!root) {
    if (at != G_MAXSIZE) {
      g_autofree char *message =
          g_strdup_printf("%s (column %u)", problem, (guint)(span->start + at + 1));
      return place_warn(ctx, &place, error, message);
    }
    return place_warn(ctx, &place, error, problem);
  }
  if (roots->len > 1 && !first->odd)
    return place_warn(ctx, &place, error, "not JSON Lines: more than one JSON value on the line");
  return read_event(ctx, root, &place, error);
}

static gboolean
read_jsonl(JsonContext *ctx, TwReader *reader, GError **error)
{
  const char *text;
  gsize length;
  GError *err = NULL;

  while ((text = tw_reader_read_line(reader, &length, &err)))
    if (!read_jsonl_line(ctx, text, length, tw_reader_get_line_number(reader), error))
      return FALSE;
  if (err) {
    g_propagate_error(error, err);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------ the source */

static gboolean
read_whole(JsonContext *ctx, TwReader *reader, GString *head, GError **error)
{
  g_autoptr(GBytes) rest = tw_reader_read_all(reader, JSON_MAX_DOCUMENT - head->len, error);
  if (!rest)
    return FALSE;
  gsize size;
  const char *data = g_bytes_get_data(rest, &size);
  if (head->len == 0)
    return read_document(ctx, data ? data : "", size, error);
  g_string_append_len(head, data, (gssize)size);
  g_clear_pointer(&rest, g_bytes_unref);
  return read_document(ctx, head->str, head->len, error);
}

static gboolean
ends_with_extension(const char *path, const char *extension)
{
  g_autofree char *lower = g_ascii_strdown(path, -1);
  if (g_str_has_suffix(lower, ".gz"))
    lower[strlen(lower) - 3] = '\0';
  return g_str_has_suffix(lower, extension);
}

/* Whether opening @path again gives the same bytes from the start: not for standard input, nor
 * a FIFO or a pipe (`-s json:<(curl ...)`), which would block or go on where it was. */
static gboolean
can_read_again(const char *path)
{
  if (strcmp(path, "-") == 0)
    return FALSE;
  return strstr(path, "://") != NULL || g_file_test(path, G_FILE_TEST_IS_REGULAR);
}

/* The trimmed text of a line kept in @head. */
typedef struct {
  gsize offset, length;
  guint number;
} HeadLine;

static gboolean
read_head_line(TwReader *reader, GString *head, HeadLine *out, GError **error)
{
  const char *text;
  gsize length;

  out->number = 0;
  while ((text = tw_reader_read_line(reader, &length, error))) {
    gsize offset = head->len;
    g_string_append_len(head, text, (gssize)length);
    g_string_append_c(head, '\n');
    if (tw_reader_get_line_number(reader) == 1 && length >= 3 &&
        memcmp(text, "\xef\xbb\xbf", 3) == 0) {
      offset += 3;
      length -= 3;
    }
    const char *s = head->str + offset, *e = s + length;
    while (s < e && is_json_space(*s))
      s++;
    while (e > s && is_json_space(e[-1]))
      e--;
    if (s < e) {
      out->offset = (gsize)(s - head->str);
      out->length = (gsize)(e - s);
      out->number = tw_reader_get_line_number(reader);
      return TRUE;
    }
  }
  return error == NULL || *error == NULL;
}

/*
 * A document or JSON Lines? A first line that is a complete object, followed by another line,
 * is JSON Lines (in a document, a line ending with `}` can never be followed by one beginning
 * with `{`: a comma must come between). Anything else is read as a document.
 */
static gboolean
read_auto(JsonContext *ctx, TwSource *source, TwReader **reader, GError **error)
{
  g_autoptr(GString) head = g_string_new(NULL);
  g_autoptr(GError) err = NULL;
  HeadLine first, second = {0, 0, 0};

  if (!read_head_line(*reader, head, &first, &err)) {
    /* A document on one line longer than a line may be (64 MiB): read it whole. */
    if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA) ||
        !can_read_again(tw_source_get_path(source))) {
      g_propagate_error(error, g_steal_pointer(&err));
      return FALSE;
    }
    tw_reader_free(*reader);
    if (!(*reader = tw_source_open(source, error)))
      return FALSE;
    ctx->file = tw_reader_get_name(*reader);
    g_string_truncate(head, 0);
    return read_whole(ctx, *reader, head, error);
  }
  if (first.number == 0)
    return TRUE; /* nothing but white space: no events */

  const char *l1 = head->str + first.offset;
  if (l1[0] == '{' && l1[first.length - 1] == '}') {
    if (!read_head_line(*reader, head, &second, error))
      return FALSE;
    l1 = head->str + first.offset;
  }
  gboolean lines = FALSE;
  if (second.number != 0) {
    if (head->str[second.offset] == '{') {
      lines = TRUE;
    } else {
      g_autofree char *problem = NULL;
      gsize at;
      g_autoptr(JsonNode) root =
          parse_piece(ctx, head->str + first.offset, first.length, &at, &problem);
      lines = root && JSON_NODE_HOLDS_OBJECT(root);
    }
  }
  if (!lines) {
    /* Read a file again from its start rather than join the lines read to the rest: joining
     * would hold the document twice. Standard input or a pipe cannot be read again. */
    if (can_read_again(tw_source_get_path(source))) {
      tw_reader_free(*reader);
      if (!(*reader = tw_source_open(source, error)))
        return FALSE;
      ctx->file = tw_reader_get_name(*reader);
      g_string_truncate(head, 0);
    }
    return read_whole(ctx, *reader, head, error);
  }

  if (!read_jsonl_line(ctx, l1, first.length, first.number, error) ||
      !read_jsonl_line(ctx, head->str + second.offset, second.length, second.number, error))
    return FALSE;
  return read_jsonl(ctx, *reader, error);
}

static void
context_init(JsonContext *ctx, TwSource *source, TwSink *sink)
{
  const TwOptions *options = tw_source_get_options(source);
  *ctx = (JsonContext){
      .sink = sink,
      .naive_zone = tw_options_get_zone(options, "timezone"),
      .naive_zone_name = tw_options_get_string(options, "timezone"),
      .events_member = tw_options_get_string(options, "events"),
      .time_member = tw_options_get_string(options, "time"),
      .title_member = tw_options_get_string(options, "title"),
      .kind_member = tw_options_get_string(options, "kind"),
      .tags_member = tw_options_get_string(options, "tags"),
      .id_member = tw_options_get_string(options, "id"),
  };
  const char *time_format = tw_options_get_string(options, "time-format");
  for (guint i = 0; i < G_N_ELEMENTS(time_format_names); i++)
    if (g_strcmp0(time_format, time_format_names[i]) == 0)
      ctx->time_format = (TimeFormat)i;
  if (ctx->time_member && strchr(ctx->time_member, ';'))
    ctx->time_parts = g_strsplit(ctx->time_member, ";", -1);
  /* (json_check() refused a pattern that does not compile, before any source was read.) */
  if (time_format && strchr(time_format, '%') &&
      _tw_time_format_init(&ctx->pattern, time_format, NULL))
    ctx->time_format = TIME_PATTERN;
  if (!ctx->events_member || !*ctx->events_member)
    ctx->events_member = "events";
  if (!ctx->tags_member || !*ctx->tags_member)
    ctx->tags_member = "tags";
  const char *preset = tw_options_get_string(options, "preset");
  for (guint i = 0; i < G_N_ELEMENTS(preset_names); i++)
    if (g_strcmp0(preset, preset_names[i]) == 0)
      ctx->preset = (Preset)i;
  ctx->time_format_set = tw_options_is_set(options, "time-format");
  ctx->title_set = tw_options_is_set(options, "title");
  ctx->tags_set = tw_options_is_set(options, "tags");
  if (ctx->preset != PRESET_NONE) {
    /* plaso and Timesketch: message is the title, tag the tags (a list, or plaso's event tag
     * container); the time and the kind are chosen per record (build_event()). */
    if (!ctx->title_set)
      ctx->title_member = "message";
    if (!ctx->tags_set)
      ctx->tags_member = "tag";
  }
  if (ctx->preset == PRESET_NONE && !ctx->time_member && !ctx->title_member && !ctx->kind_member &&
      !ctx->id_member && strcmp(ctx->tags_member, "tags") == 0 && !g_getenv("TW_JSON_SLOW")) {
    ctx->fast = g_new0(FastLine, 1);
  }
}

static void
context_clear(JsonContext *ctx)
{
  _tw_time_format_clear(&ctx->pattern);
  g_clear_pointer(&ctx->time_parts, g_strfreev);
  g_clear_object(&ctx->parser);
  if (ctx->fast) {
    g_free(ctx->fast->buf);
    g_clear_pointer(&ctx->fast, g_free);
  }
}

static InputFormat
input_format(TwSource *source)
{
  const char *format_name = tw_options_get_string(tw_source_get_options(source), "format");
  InputFormat format = g_strcmp0(format_name, "json") == 0    ? FORMAT_JSON
                       : g_strcmp0(format_name, "jsonl") == 0 ? FORMAT_JSONL
                                                              : FORMAT_AUTO;
  const char *path = tw_source_get_path(source);
  if (format == FORMAT_AUTO &&
      (ends_with_extension(path, ".jsonl") || ends_with_extension(path, ".ndjson")))
    format = FORMAT_JSONL;
  return format;
}

static gboolean
json_read(TwSource *source, TwSink *sink, GError **error)
{
  JsonContext ctx;
  context_init(&ctx, source, sink);
  InputFormat format = input_format(source);

  TwReader *reader = tw_source_open(source, error);
  if (!reader) {
    context_clear(&ctx);
    return FALSE;
  }
  ctx.file = tw_reader_get_name(reader);
  ctx.parser = json_parser_new_immutable();

  gboolean ok;
  if (format == FORMAT_JSONL) {
    ok = read_jsonl(&ctx, reader, error);
  } else if (format == FORMAT_JSON) {
    g_autoptr(GString) head = g_string_new(NULL);
    ok = read_whole(&ctx, reader, head, error);
  } else {
    ok = read_auto(&ctx, source, &reader, error);
  }
  context_clear(&ctx);
  if (reader)
    tw_reader_free(reader);
  return ok;
}

/* read_auto()'s rule, on a reader of its own: whether the file is JSON Lines, and the numbers of
 * the two lines it looked at (read_auto() reads those trimmed). FALSE when the head cannot be
 * read that way (read_auto() handles it). */
static gboolean
detect_lines(JsonContext *ctx, TwSource *source, guint *first_line, guint *second_line)
{
  g_autoptr(TwReader) reader = tw_source_open(source, NULL);
  if (!reader)
    return FALSE;
  g_autoptr(GString) head = g_string_new(NULL);
  HeadLine first, second = {0, 0, 0};
  if (!read_head_line(reader, head, &first, NULL) || first.number == 0)
    return FALSE;
  const char *l1 = head->str + first.offset;
  if (l1[0] == '{' && l1[first.length - 1] == '}' && !read_head_line(reader, head, &second, NULL))
    return FALSE;
  gboolean lines = FALSE;
  if (second.number != 0) {
    if (head->str[second.offset] == '{') {
      lines = TRUE;
    } else {
      g_autofree char *problem = NULL;
      gsize at;
      g_autoptr(JsonNode) root =
          parse_piece(ctx, head->str + first.offset, first.length, &at, &problem);
      lines = root && JSON_NODE_HOLDS_OBJECT(root);
    }
  }
  *first_line = first.number;
  *second_line = second.number;
  return lines;
}

/* JSON Lines read in chunks on several threads: each line is an event of its own. A document
 * (format=json, or what auto takes for one) is not split. */
static gboolean
json_read_lines(TwSource *source, TwSink *sink, TwReader *chunk, GError **error)
{
  JsonContext ctx;
  context_init(&ctx, source, sink);
  InputFormat format = input_format(source);
  ctx.file = tw_reader_get_name(chunk);
  ctx.parser = json_parser_new_immutable();
  guint trimmed[2] = {0, 0};
  gboolean ok = FALSE;

  if (format == FORMAT_JSON ||
      (format == FORMAT_AUTO && !detect_lines(&ctx, source, &trimmed[0], &trimmed[1]))) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s: a JSON document", ctx.file);
    goto out;
  }
  const char *text;
  gsize length;
  GError *err = NULL;
  while ((text = tw_reader_read_line(chunk, &length, &err))) {
    guint line = tw_reader_get_line_number(chunk);
    if (line == trimmed[0] || line == trimmed[1]) {
      /* The lines auto looked at are read trimmed, as read_auto() reads them. */
      if (line == 1 && length >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        length -= 3;
      }
      while (length > 0 && is_json_space(*text)) {
        text++;
        length--;
      }
      while (length > 0 && is_json_space(text[length - 1]))
        length--;
    }
    if (!read_jsonl_line(&ctx, text, length, line, error))
      goto out;
  }
  if (err) {
    g_propagate_error(error, err);
    goto out;
  }
  ok = TRUE;
out:
  context_clear(&ctx);
  return ok;
}

static const TwOptionSpec json_options[] = {
    {"format",
     TW_OPTION_CHOICE,
     "auto",
     "json reads one document, jsonl one event object per line. auto takes .jsonl and .ndjson "
     "names as JSON Lines and otherwise looks: a first line that is a whole object followed by "
     "another line is JSON Lines.",
     "auto|json|jsonl",
     {NULL}},
    {"events",
     TW_OPTION_STRING,
     "events",
     "The member of a document's top-level object that holds the array of events (a dotted "
     "path reaches into nested objects: data.items).",
     NULL,
     {NULL}},
    {"time",
     TW_OPTION_STRING,
     NULL,
     "The member holding each event's time; by default the first of date, start, datetime, "
     "timestamp and time. A dotted path reaches into nested objects. Several joined with ; "
     "(time=date;time) are read as their texts joined with a space.",
     NULL,
     {NULL}},
    {"time-format",
     TW_OPTION_STRING,
     "auto",
     "How the time is written: auto, iso, unix-s, unix-ms, unix-us, unix-ns or a pattern. iso: "
     "any date form timeweave reads (ISO 8601, 2026-Q1, early 2025). unix-s, unix-ms, unix-us, "
     "unix-ns: a number (or numeric text) since 1970; Timesketch and plaso write timestamp in "
     "unix-us. auto: text is a date, or a unix time when it is only a number; a number is a "
     "unix time in the unit its size suggests (up to 11 digits seconds, 14 milliseconds, 17 "
     "microseconds, more nanoseconds), except a year or a basic date such as 2026 or 20260213. "
     "Anything with a % is a strftime-style pattern with a year, read as the csv source's "
     "time-format reads it (timeweave plugins csv lists the directives): an HTTP date such as "
     "Tue, 14 Nov 2023 22:13:20 GMT is %a, %d %b %Y %H:%M:%S %Z.",
     NULL,
     {NULL}},
    {"timezone",
     TW_OPTION_ZONE,
     NULL,
     "The zone of times written without one (an IANA name or an offset); without it such "
     "times are floating. The events record it as their zone.",
     NULL,
     {NULL}},
    {"title",
     TW_OPTION_STRING,
     NULL,
     "The member holding the title; by default title, then message (Timesketch, plaso).",
     NULL,
     {NULL}},
    {"kind",
     TW_OPTION_STRING,
     NULL,
     "The member holding the kind; by default kind, then timestamp_desc (Timesketch, plaso).",
     NULL,
     {NULL}},
    {"tags",
     TW_OPTION_STRING,
     "tags",
     "The member holding the tags: an array of text, or one text.",
     NULL,
     {NULL}},
    {"id",
     TW_OPTION_STRING,
     NULL,
     "A member holding a native record id (a UUID, a record number): the event id becomes a "
     "stable hash of it and the source's name. Without it an \"id\" member is the event id "
     "verbatim, else the id is a hash of the event.",
     NULL,
     {NULL}},
    {"preset",
     TW_OPTION_CHOICE,
     "none",
     "Reads a tool's own JSON Lines as it writes them. plaso: psort -o json_line (timestamp "
     "in microseconds, message, timestamp_desc as the kind, the labels of tag as tags). "
     "timesketch: Timesketch's JSONL, imported or exported (datetime, else timestamp; message; "
     "timestamp_desc; tag; _id as a native id), and timeweave's timesketch format back without "
     "loss. Every other member (parser, display_name, data_type, ...) is kept as an attribute; "
     "options given beside the preset win over it.",
     "none|plaso|timesketch",
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

/* TwComponentCheck: time-format is a name it knows, or a pattern with a year that compiles;
 * refused when the source is added, before anything is read. */
static gboolean
json_check(const TwOptions *options, GError **error)
{
  const char *text = tw_options_get_string(options, "time-format");
  if (text == NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(time_format_names); i++)
    if (strcmp(text, time_format_names[i]) == 0)
      return TRUE;
  if (!strchr(text, '%')) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'time-format' of json: '%s' is not auto, iso, unix-s, unix-ms, unix-us, "
                "unix-ns or a pattern with %% directives",
                text);
    return FALSE;
  }
  TwTimeFormat format = {0};
  g_autoptr(GError) inner = NULL;
  gboolean ok = _tw_time_format_init(&format, text, &inner);
  gboolean has_year = format.has_year;
  _tw_time_format_clear(&format);
  if (!ok) {
    /* (It names the option: "time-format '%Y %Q': %Q is not a directive", as csv says it.) */
    g_set_error_literal(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE, inner->message);
    return FALSE;
  }
  if (!has_year) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'time-format' of json: '%s' has no year (%%Y, %%y or %%s)", text);
    return FALSE;
  }
  return TRUE;
}

static const TwSourceInfo json_source = {
    .name = "json",
    .summary = "JSON documents and JSON Lines: timeweave's own schema and foreign ones",
    .description =
        "Reads the json exporter's document ({\"events\": [...], \"links\": [...]}) and the "
        "jsonl exporter's lines back without loss: id, date, start and end, precision, "
        "qualifier, floating, zone, title, description, source, kind, tags, actors, location, "
        "url, geo, attributes and links (findings are not read back: analyzers make them). "
        "Also reads a top-level array of event objects, a single event object, concatenated "
        "objects (jq output), and foreign schemas: the options name the members holding the "
        "time, title, kind, tags and a native id (Timesketch and plaso's json_line work as "
        "they are: datetime, message, timestamp_desc; preset=plaso and preset=timesketch read "
        "them exactly as those tools write them). Members that map to no field are kept "
        "as attributes: text as it is, numbers, booleans, null, objects and arrays as compact "
        "JSON (an integer beyond 64 bits as a floating-point number, as JavaScript reads it); so "
        "is an object or array where timeweave's schema has text (ECS's source object), unless "
        "the record is a timeweave export. JSON Lines are streamed line by line; a "
        "document is read whole (at most 1 GiB) "
        "and parsed one event at a time. Messages name the line where the event object "
        "begins. A file that is not JSON fails the run (FILE:LINE: not JSON: ...); a "
        "broken line or event is skipped with a warning, or fails the run under --strict. JSON "
        "is read as RFC 8259 has it: an escape it does not define (\\q, \\uZZZZ), a malformed "
        "surrogate pair or nesting deeper than 512 levels is not JSON.",
    .options = json_options,
    .read = json_read,
    .read_lines = json_read_lines,
    .check = json_check,
};

static const TwSourceInfo *const json_sources[] = {&json_source, NULL};

TW_PLUGIN_DEFINE("json", TW_VERSION, "Reads events from JSON and JSON Lines", NULL, json_sources,
                 NULL, NULL)
