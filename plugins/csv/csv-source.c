/* timeweave: the csv source. Reads tables (RFC 4180 and what spreadsheets really write) into
 * events, one per row, streamed.
 *
 * The parser is written by hand over the TwReader's lines: a record is read one physical line
 * at a time, and a quoted field that holds line breaks pulls in the next lines, so the record's
 * place is its first line and memory stays at one record whatever the file's size. The rules:
 * fields are separated by one delimiter (`,` `;` TAB `|`, or sniffed from the header), a field
 * that begins with `"` is quoted until the next lone `"` and `""` inside it is one quote, line
 * breaks inside quotes are read as LF (CRLF and LF both end a record), a UTF-8 byte order mark
 * is dropped. What RFC 4180 leaves open is read as Excel and Python's csv module read it:
 * spaces around an unquoted field are dropped (a quoted field keeps them), a quote inside an
 * unquoted field is a character, and text after a closing quote is appended to the field.
 *
 * Columns are mapped to event fields by the options, else by their names: timeweave's own
 * (what the csv exporter writes, so that its tables read back) and the common ones (time,
 * timestamp, datetime, date, message). Every other non-empty cell becomes an attribute named by
 * its column.
 */
#include "json-guard.h"
#include "time-pattern.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* A record longer than this is refused: an unterminated quote in a large file. */
#define MAX_RECORD ((gsize)64 << 20)
/* A file read whole (UTF-16 must be converted before it can be split into lines). */
#define MAX_WHOLE ((gsize)1 << 30)

typedef struct {
  gsize offset; /* into CsvParser.text, NUL-terminated */
  gsize end;    /* where its NUL goes (read_line_record() only) */
  gboolean quoted;
} Field;

/* Where the physical lines come from: the reader (converted from @conv's encoding when set), or
 * a buffer holding the whole converted file (UTF-16). */
typedef struct {
  TwReader *reader;
  GIConv conv; /* (GIConv)-1 when the input is UTF-8 */
  GString *converted;
  char *memory; /* the whole text, or NULL */
  gsize memory_len, memory_pos;
  guint memory_line;
  guint line; /* the number of the line last returned */
  gboolean strip_bom;
  GString *cleaned; /* a line whose NUL bytes were replaced (see next_line()) */
  GString *held;    /* a line looked at and put back (see push_back()) */
  gboolean has_held;
  guint held_line;
} LineSource;

typedef struct {
  LineSource lines;
  char delimiter;
  GString *text; /* the fields of the current record, each NUL-terminated */
  Field *fields; /* where each field of the record begins in @text */
  guint n_fields;
  guint fields_cap;
  guint first_line;
} CsvParser;

/* -- lines -- */

/* Appends @length bytes of @in converted by @conv; a byte sequence the encoding does not have
 * becomes U+FFFD. */
static void
convert_append(GIConv conv, const char *in, gsize length, GString *out)
{
  char buf[4096];
  gchar *inp = (gchar *)in;
  gsize left = length;

  g_iconv(conv, NULL, NULL, NULL, NULL);
  while (left > 0) {
    gchar *outp = buf;
    gsize room = sizeof buf;
    gsize r = g_iconv(conv, &inp, &left, &outp, &room);
    g_string_append_len(out, buf, (gssize)(sizeof buf - room));
    if (r == (gsize)-1 && errno != E2BIG) {
      g_string_append(out, "\xef\xbf\xbd");
      if (errno == EINVAL)
        break;
      inp++;
      left--;
    }
  }
  gchar *outp = buf;
  gsize room = sizeof buf;
  g_iconv(conv, NULL, NULL, &outp, &room);
  g_string_append_len(out, buf, (gssize)(sizeof buf - room));
}

/* The next physical line (without its terminator), NUL-terminated; NULL at the end or on error
 * (*error set). */
static const char *
next_line(LineSource *src, gsize *length, GError **error)
{
  const char *line;

  if (src->has_held) {
    src->has_held = FALSE;
    src->line = src->held_line;
    *length = src->held->len;
    return src->held->str;
  }
  if (src->memory) {
    if (src->memory_pos >= src->memory_len)
      return NULL;
    char *start = src->memory + src->memory_pos;
    char *nl = memchr(start, '\n', src->memory_len - src->memory_pos);
    gsize len = nl ? (gsize)(nl - start) : src->memory_len - src->memory_pos;
    src->memory_pos += len + (nl ? 1 : 0);
    if (len > 0 && start[len - 1] == '\r')
      len--;
    start[len] = '\0';
    src->line = ++src->memory_line;
    line = start;
    *length = len;
  } else {
    line = tw_reader_read_line(src->reader, length, error);
    if (!line)
      return NULL;
    src->line = tw_reader_get_line_number(src->reader);
    if (src->conv != (GIConv)-1) {
      g_string_truncate(src->converted, 0);
      convert_append(src->conv, line, *length, src->converted);
      line = src->converted->str;
      *length = src->converted->len;
    }
  }
  if (src->strip_bom && src->line == 1 && *length >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
    line += 3;
    *length -= 3;
  }
  /* Fields are kept as NUL-terminated text: a NUL byte would silently end the field it is in,
   * losing the rest of it. It becomes U+FFFD, as the sink makes other bytes that are not text. */
  if (G_UNLIKELY(memchr(line, '\0', *length) != NULL)) {
    if (!src->cleaned)
      src->cleaned = g_string_new(NULL);
    g_string_truncate(src->cleaned, 0);
    for (gsize i = 0; i < *length; i++) {
      if (line[i] == '\0')
        g_string_append(src->cleaned, "\xef\xbf\xbd");
      else
        g_string_append_c(src->cleaned, line[i]);
    }
    line = src->cleaned->str;
    *length = src->cleaned->len;
  }
  return line;
}

/* Makes next_line() return @line (the line just read) again. */
static void
push_back(LineSource *src, const char *line, gsize length)
{
  if (line != src->held->str) {
    g_string_truncate(src->held, 0);
    g_string_append_len(src->held, line, (gssize)length);
  }
  src->held_line = src->line;
  src->has_held = TRUE;
}

/* -- records -- */

typedef enum {
  RECORD_OK,
  RECORD_END,          /* no more records */
  RECORD_ERROR,        /* an I/O error or a record too long: *error is set */
  RECORD_UNTERMINATED, /* a quoted field runs to the end of the input */
} RecordResult;

typedef enum {
  FIELD_START,
  UNQUOTED,
  QUOTED,
  QUOTE_IN_QUOTED, /* a quote inside a quoted field: the end, or the first of `""` */
} FieldState;

/* g_string_append_len() without the call when the text fits in the room @s has (after the
 * first records, always): GLib 2.74 does not inline it, and a record makes one per field. */
static inline void
text_append(GString *s, const char *text, gsize length)
{
  if (G_UNLIKELY(length >= s->allocated_len - s->len)) {
    g_string_append_len(s, text, (gssize)length);
    return;
  }
  memcpy(s->str + s->len, text, length);
  s->len += length;
  s->str[s->len] = '\0';
}

static void
end_field(CsvParser *p, Field *field, FieldState state)
{
  if (state == UNQUOTED || state == FIELD_START) {
    /* Spaces around an unquoted field are not part of it. */
    while (p->text->len > field->offset &&
           (p->text->str[p->text->len - 1] == ' ' ||
            (p->text->str[p->text->len - 1] == '\t' && p->delimiter != '\t')))
      g_string_truncate(p->text, p->text->len - 1);
  }
  g_string_append_c(p->text, '\0');
  if (G_UNLIKELY(p->n_fields == p->fields_cap)) {
    p->fields_cap = MAX(16, p->fields_cap * 2);
    p->fields = g_renew(Field, p->fields, p->fields_cap);
  }
  p->fields[p->n_fields++] = *field;
}

/* Whether @c is white space around a field: a space, or a tab unless tabs delimit. */
static inline gboolean
is_field_space(const CsvParser *p, char c)
{
  return c == ' ' || (c == '\t' && p->delimiter != '\t');
}

/* Reads a record that lies on @line alone, with no doubled quote and no text after a closing
 * quote (nearly every record of a large file), as read_record()'s field-by-field parse would:
 * the line is copied into p->text in one go, and each field's end there becomes its NUL. The
 * field-by-field parse makes a copy, a check of room and an append for every field: 15% of the
 * csv source's instructions, 6% with this. FALSE, with p->text and p->n_fields unchanged, for a
 * line that the parse must take. */
static gboolean
read_line_record(CsvParser *p, const char *line, gsize length)
{
  const char delimiter = p->delimiter;
  guint n = 0;
  for (gsize i = 0;;) {
    while (i < length && is_field_space(p, line[i]))
      i++;
    Field field = {i, i, i < length && line[i] == '"'};
    gsize next;
    if (field.quoted) {
      const char *quote = memchr(line + i + 1, '"', length - i - 1);
      if (!quote)
        return FALSE; /* the field goes on on the next line */
      field.offset = i + 1;
      field.end = (gsize)(quote - line);
      for (next = field.end + 1; next < length && is_field_space(p, line[next]); next++) {
      }
      if (next < length && line[next] != delimiter)
        return FALSE; /* a doubled quote, or text after the closing one */
    } else {
      const char *stop = memchr(line + i, delimiter, length - i);
      next = field.end = stop ? (gsize)(stop - line) : length;
      while (field.end > field.offset && is_field_space(p, line[field.end - 1]))
        field.end--;
    }
    if (G_UNLIKELY(n == p->fields_cap)) {
      p->fields_cap = MAX(16, p->fields_cap * 2);
      p->fields = g_renew(Field, p->fields, p->fields_cap);
    }
    p->fields[n++] = field;
    if (next >= length)
      break;
    i = next + 1; /* past the delimiter: a field follows, empty at the line's end */
  }
  g_string_truncate(p->text, 0);
  text_append(p->text, line, length);
  for (guint k = 0; k < n; k++)
    p->text->str[p->fields[k].end] = '\0';
  p->n_fields = n;
  return TRUE;
}

/*
 * Reads the next record into p->fields. Blank lines between records are skipped. *quote_line
 * gets the line where an unterminated quote opened.
 */
static RecordResult
read_record(CsvParser *p, guint *quote_line, GError **error)
{
  const char *line;
  gsize length;
  GError *err = NULL;
  FieldState state = FIELD_START;
  Field field = {0, 0, FALSE};

  g_string_truncate(p->text, 0);
  p->n_fields = 0;
  do {
    line = next_line(&p->lines, &length, &err);
    if (!line) {
      if (err) {
        g_propagate_error(error, err);
        return RECORD_ERROR;
      }
      return RECORD_END;
    }
  } while (length == 0);
  p->first_line = p->lines.line;
  if (read_line_record(p, line, length))
    return RECORD_OK;
  field.offset = 0;

  for (;;) {
    for (gsize i = 0; i < length; i++) {
      char c = line[i];
      switch (state) {
      case FIELD_START:
        if (c == p->delimiter) {
          end_field(p, &field, state);
          field = (Field){p->text->len, 0, FALSE};
        } else if (c == '"') {
          state = QUOTED;
          field.quoted = TRUE;
          *quote_line = p->lines.line;
        } else if (c == ' ' || (c == '\t' && p->delimiter != '\t')) {
          /* leading space of an unquoted field, or before a quote */
        } else {
          state = UNQUOTED;
          g_string_append_c(p->text, c);
        }
        break;
      case UNQUOTED: {
        /* The rest of the field at once, up to the delimiter that ends it (or the line's end);
         * the loop's i++ then steps over that delimiter. */
        const char *stop = memchr(line + i, p->delimiter, length - i);
        gsize end = stop ? (gsize)(stop - line) : length;
        text_append(p->text, line + i, end - i);
        i = end;
        if (stop) {
          end_field(p, &field, state);
          field = (Field){p->text->len, 0, FALSE};
          state = FIELD_START;
        }
        break;
      }
      case QUOTED: {
        /* Likewise up to the next quote, which closes the field or begins a doubled quote. */
        const char *quote = memchr(line + i, '"', length - i);
        gsize end = quote ? (gsize)(quote - line) : length;
        text_append(p->text, line + i, end - i);
        i = end;
        if (quote)
          state = QUOTE_IN_QUOTED;
        break;
      }
      case QUOTE_IN_QUOTED:
        if (c == '"') {
          g_string_append_c(p->text, '"');
          state = QUOTED;
        } else if (c == p->delimiter) {
          end_field(p, &field, state);
          field = (Field){p->text->len, 0, FALSE};
          state = FIELD_START;
        } else if (c != ' ' && c != '\t') {
          /* Text after the closing quote: kept, as Excel and Python do. */
          g_string_append_c(p->text, c);
        }
        break;
      }
    }
    if (state != QUOTED)
      break;
    /* A line break inside quotes: the field goes on on the next line. */
    g_string_append_c(p->text, '\n');
    if (p->text->len > MAX_RECORD) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                  "%s:%u: a quoted field runs on for more than %u MiB (a quote that is never "
                  "closed?)",
                  tw_reader_get_name(p->lines.reader), *quote_line, (guint)(MAX_RECORD >> 20));
      return RECORD_ERROR;
    }
    line = next_line(&p->lines, &length, &err);
    if (!line) {
      if (err) {
        g_propagate_error(error, err);
        return RECORD_ERROR;
      }
      return RECORD_UNTERMINATED;
    }
  }
  end_field(p, &field, state);
  return RECORD_OK;
}

static const char *
field_text(const CsvParser *p, guint index)
{
  return p->text->str + p->fields[index].offset;
}

/* The delimiter of a header line: the candidate seen most often outside quotes (`,` wins ties
 * and lines with none). */
static char
sniff_delimiter(const char *line, gsize length)
{
  static const char candidates[] = {',', ';', '\t', '|'};
  guint counts[G_N_ELEMENTS(candidates)] = {0};
  gboolean quoted = FALSE;

  for (gsize i = 0; i < length; i++) {
    if (line[i] == '"')
      quoted = !quoted;
    else if (!quoted)
      for (guint c = 0; c < G_N_ELEMENTS(candidates); c++)
        counts[c] += line[i] == candidates[c];
  }
  guint best = 0;
  for (guint c = 1; c < G_N_ELEMENTS(candidates); c++)
    if (counts[c] > counts[best])
      best = c;
  return candidates[best];
}

/* Whether @line is Excel's `sep=X` line, X one of the delimiters timeweave reads. */
static gboolean
is_delimiter_hint(const char *line, gsize length, char *delimiter)
{
  if (length > 0 && line[length - 1] == '\r')
    length--;
  if (length != 5 || g_ascii_strncasecmp(line, "sep=", 4) != 0)
    return FALSE;
  if (line[4] == '\0' || !strchr(",;\t|", line[4]))
    return FALSE;
  *delimiter = line[4];
  return TRUE;
}

/* -- columns -- */

/* What a column holds. */
typedef enum {
  ROLE_ATTRIBUTE = 0,
  ROLE_TIME,
  ROLE_START, /* an export's start, read with its date */
  ROLE_END,
  ROLE_ID,
  ROLE_PRECISION,
  ROLE_QUALIFIER,
  ROLE_TITLE,
  ROLE_DESCRIPTION,
  ROLE_SOURCE,
  ROLE_KIND,
  ROLE_TAGS,
  ROLE_ACTORS,
  ROLE_LOCATION,
  ROLE_URL,
  ROLE_ZONE,
  ROLE_ATTRIBUTES, /* a JSON object of attributes */
  ROLE_DROPPED,    /* an export's links: ids only, the links cannot be rebuilt */
} Role;

typedef struct {
  char *name;   /* the attribute key: the header's name, made unique, or "columnN" */
  char *header; /* the header cell trimmed ("" without a header) */
  Role role;
} Column;

typedef struct {
  TwSink *sink;
  const TwOptions *options;
  const char *file;
  CsvParser parser;
  Column *columns;
  guint n_columns;
  GArray *time_columns; /* guint indices, in the order the times are joined */
  GArray *end_columns;  /* the same for the end (empty: no end column) */
  int start_column, native_id_column;
  gboolean has_date_columns; /* a precision, qualifier or zone column */
  TwTimeFormat time_format;
  GTimeZone *naive_zone;
  const char *naive_zone_name;
  gboolean exported;  /* the header is the csv exporter's */
  gboolean from_date; /* the time is an export's date column */
  gboolean unescape;
  JsonParser *json;
  GString *scratch;
} CsvContext;

static gboolean fail(CsvContext *ctx, guint line, GError **error, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean
fail(CsvContext *ctx, guint line, GError **error, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  if (line)
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "%s:%u: %s", ctx->file, line,
                message);
  else
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "%s: %s", ctx->file, message);
  return FALSE;
}

/* The column a name refers to: its header (exactly, then ignoring case), else a 1-based
 * number; -1 when none. */
static int
find_column(const CsvContext *ctx, const char *name)
{
  for (guint i = 0; i < ctx->n_columns; i++)
    if (strcmp(ctx->columns[i].header, name) == 0)
      return (int)i;
  for (guint i = 0; i < ctx->n_columns; i++)
    if (*ctx->columns[i].header && g_ascii_strcasecmp(ctx->columns[i].header, name) == 0)
      return (int)i;
  gboolean digits = *name != '\0';
  for (const char *p = name; *p; p++)
    digits &= g_ascii_isdigit(*p) != 0;
  if (digits) {
    guint64 n = g_ascii_strtoull(name, NULL, 10);
    if (n >= 1 && n <= ctx->n_columns)
      return (int)(n - 1);
  }
  return -1;
}

static char *
describe_columns(const CsvContext *ctx)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < ctx->n_columns; i++) {
    if (i > 0)
      g_string_append(out, ", ");
    if (*ctx->columns[i].header)
      g_string_append(out, ctx->columns[i].header);
    else
      g_string_append_printf(out, "%u", i + 1);
  }
  return g_string_free(out, FALSE);
}

/* Resolves the column an option names, or fails with the columns there are. */
static gboolean
option_column(CsvContext *ctx, const char *option, const char *name, int *out, GError **error)
{
  *out = find_column(ctx, name);
  if (*out >= 0)
    return TRUE;
  g_autofree char *known = describe_columns(ctx);
  return fail(ctx, ctx->parser.first_line, error,
              "option %s=%s: no such column (the columns are %s; a number counts from 1)", option,
              name, known);
}

/* Gives column @index the role @role unless an option already gave it one. */
static gboolean
assign(CsvContext *ctx, int index, Role role, const char *option, GError **error)
{
  Column *column = &ctx->columns[index];
  if (column->role != ROLE_ATTRIBUTE && column->role != role) {
    if (option)
      return fail(ctx, ctx->parser.first_line, error,
                  "option %s: column '%s' is already mapped to another field", option,
                  column->name);
    return TRUE;
  }
  column->role = role;
  return TRUE;
}

/* The first column named like one of @names (ignoring case) that no option took. */
static int
default_column(const CsvContext *ctx, const char *const *names)
{
  for (guint n = 0; names[n]; n++)
    for (guint i = 0; i < ctx->n_columns; i++)
      if (ctx->columns[i].role == ROLE_ATTRIBUTE &&
          g_ascii_strcasecmp(ctx->columns[i].header, names[n]) == 0)
        return (int)i;
  return -1;
}

static void
add_time_column(CsvContext *ctx, int index)
{
  guint i = (guint)index;
  g_array_append_val(ctx->time_columns, i);
  ctx->columns[index].role = ROLE_TIME;
}

/* Sets up the columns from the first record: names, and the field each one fills. */
static gboolean
map_columns(CsvContext *ctx, gboolean header, GError **error)
{
  const TwOptions *o = ctx->options;
  CsvParser *p = &ctx->parser;
  g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
  int index;

  ctx->n_columns = p->n_fields;
  ctx->columns = g_new0(Column, ctx->n_columns);
  for (guint i = 0; i < ctx->n_columns; i++) {
    Column *column = &ctx->columns[i];
    column->header = g_strstrip(g_strdup(header ? field_text(p, i) : ""));
    char *name = *column->header ? g_strdup(column->header) : g_strdup_printf("column%u", i + 1);
    /* Attribute keys are unique: a repeated name gets _2, _3... */
    for (guint n = 2; g_hash_table_contains(names, name); n++) {
      g_free(name);
      name = g_strdup_printf("%s_%u", *column->header ? column->header : "column", n);
    }
    column->name = name;
    g_hash_table_add(names, name);
  }

  /* The csv exporter's table: what its columns mean is known exactly. */
  ctx->exported = header && find_column(ctx, "date") >= 0 && find_column(ctx, "start") >= 0 &&
                  find_column(ctx, "end") >= 0 && find_column(ctx, "precision") >= 0;

  /* Options first: they take their columns before the names are looked at. */
  const char *const *times = tw_options_get_list(o, "time");
  for (guint i = 0; times[i]; i++) {
    if (!option_column(ctx, "time", times[i], &index, error))
      return FALSE;
    add_time_column(ctx, index);
  }
  static const struct {
    const char *option;
    Role role;
  } single[] = {{"title", ROLE_TITLE}, {"description", ROLE_DESCRIPTION}, {"kind", ROLE_KIND}};
  for (guint i = 0; i < G_N_ELEMENTS(single); i++) {
    const char *name = tw_options_get_string(o, single[i].option);
    if (!name || !*name)
      continue;
    if (!option_column(ctx, single[i].option, name, &index, error) ||
        !assign(ctx, index, single[i].role, single[i].option, error))
      return FALSE;
  }
  const char *const *ends = tw_options_get_list(o, "end");
  for (guint i = 0; ends[i]; i++) {
    if (!option_column(ctx, "end", ends[i], &index, error) ||
        !assign(ctx, index, ROLE_END, "end", error))
      return FALSE;
    guint column = (guint)index;
    g_array_append_val(ctx->end_columns, column);
  }
  const char *const *tags = tw_options_get_list(o, "tags");
  for (guint i = 0; tags[i]; i++)
    if (!option_column(ctx, "tags", tags[i], &index, error) ||
        !assign(ctx, index, ROLE_TAGS, "tags", error))
      return FALSE;
  ctx->native_id_column = -1;
  const char *id = tw_options_get_string(o, "id");
  if (id && *id && !option_column(ctx, "id", id, &ctx->native_id_column, error))
    return FALSE;

  if (header) {
    /* The time: date (with a separate time of day when there is one), then start, datetime,
     * timestamp, time. */
    if (ctx->time_columns->len == 0) {
      static const char *const date_name[] = {"date", NULL};
      static const char *const others[] = {"start", "datetime", "timestamp", NULL};
      static const char *const time_name[] = {"time", NULL};
      int date = default_column(ctx, date_name);
      int other = default_column(ctx, others);
      int clock = default_column(ctx, time_name);
      if (date >= 0) {
        add_time_column(ctx, date);
        ctx->from_date = ctx->exported;
        if (clock >= 0 && other < 0 && !ctx->exported)
          add_time_column(ctx, clock);
      } else if (other >= 0) {
        add_time_column(ctx, other);
      } else if (clock >= 0) {
        add_time_column(ctx, clock);
      }
    }
    static const struct {
      const char *names[3];
      Role role;
    } defaults[] = {
        {{"end"}, ROLE_END},
        {{"precision"}, ROLE_PRECISION},
        {{"qualifier"}, ROLE_QUALIFIER},
        {{"title", "message"}, ROLE_TITLE},
        {{"description"}, ROLE_DESCRIPTION},
        {{"source"}, ROLE_SOURCE},
        {{"kind"}, ROLE_KIND},
        {{"tags"}, ROLE_TAGS},
        {{"actors"}, ROLE_ACTORS},
        {{"location"}, ROLE_LOCATION},
        {{"url"}, ROLE_URL},
        {{"zone"}, ROLE_ZONE},
        {{"attributes"}, ROLE_ATTRIBUTES},
    };
    for (guint i = 0; i < G_N_ELEMENTS(defaults); i++) {
      gboolean taken = FALSE;
      for (guint c = 0; c < ctx->n_columns; c++)
        taken |= ctx->columns[c].role == defaults[i].role;
      if (taken && defaults[i].role != ROLE_TAGS)
        continue;
      if ((index = default_column(ctx, defaults[i].names)) >= 0)
        ctx->columns[index].role = defaults[i].role;
    }
    /* id: the event id verbatim, unless the id option names a native id. */
    static const char *const id_name[] = {"id", NULL};
    if (ctx->native_id_column < 0 && (index = default_column(ctx, id_name)) >= 0)
      ctx->columns[index].role = ROLE_ID;
    if (ctx->exported) {
      static const char *const start_name[] = {"start", NULL};
      static const char *const links_name[] = {"links", NULL};
      if (ctx->from_date && (index = default_column(ctx, start_name)) >= 0)
        ctx->columns[index].role = ROLE_START;
      if ((index = default_column(ctx, links_name)) >= 0)
        ctx->columns[index].role = ROLE_DROPPED;
    }
  }

  ctx->start_column = -1;
  gboolean has_title = FALSE;
  ctx->has_date_columns = FALSE;
  for (guint i = 0; i < ctx->n_columns; i++) {
    Role role = ctx->columns[i].role;
    if (role == ROLE_START)
      ctx->start_column = (int)i;
    else if (role == ROLE_END && ctx->end_columns->len == 0) /* the column named end */
      g_array_append_val(ctx->end_columns, i);
    has_title |= role == ROLE_TITLE;
    ctx->has_date_columns |= role == ROLE_PRECISION || role == ROLE_QUALIFIER || role == ROLE_ZONE;
  }
  if (ctx->time_columns->len == 0)
    return fail(ctx, p->first_line, error,
                header ? "no time column (none is named date, start, datetime, timestamp or "
                         "time): name it with time=COLUMN"
                       : "header=false: name the time column by its number, e.g. time=1");
  if (!has_title)
    return fail(ctx, p->first_line, error,
                header ? "no title column (none is named title or message): name it with "
                         "title=COLUMN"
                       : "header=false: name the title column by its number, e.g. title=2");
  return TRUE;
}

/* -- rows -- */

/* A cell's text, with the csv exporter's formula escape taken off: one of the quotes before
 * a formula's first character (the exporter adds one to text that has some already). */
static const char *
cell(const CsvContext *ctx, guint index)
{
  const char *text = field_text(&ctx->parser, index);
  if (ctx->unescape && text[0] == '\'') {
    const char *after = text + 1;
    while (*after == '\'')
      after++;
    if (*after && strchr("=+-@\t\r", *after))
      return text + 1;
  }
  return text;
}

/* Adds each item of a `;`-separated list, white space around it taken off, empty ones skipped.
 * Once per row for tags and actors: items are copied to the stack, not split with malloc. */
static void
add_list(TwEventBuilder *builder, const char *text, void (*add)(TwEventBuilder *, const char *))
{
  char small[128];
  for (const char *p = text;;) {
    const char *end = strchr(p, ';');
    const char *a = p, *b = end ? end : p + strlen(p);
    while (a < b && g_ascii_isspace(*a))
      a++;
    while (b > a && g_ascii_isspace(b[-1]))
      b--;
    if (b > a) {
      gsize length = (gsize)(b - a);
      char *item = length < sizeof small ? small : g_malloc(length + 1);
      memcpy(item, a, length);
      item[length] = '\0';
      add(builder, item);
      if (item != small)
        g_free(item);
    }
    if (!end)
      return;
    p = end + 1;
  }
}

/* An attribute's value from the attributes object: text as it is, anything else as JSON. */
static char *
json_value_text(JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING)
    return g_strdup(json_node_get_string(node));
  g_autoptr(JsonGenerator) generator = json_generator_new();
  json_generator_set_root(generator, node);
  return json_generator_to_data(generator, NULL);
}

/* The attributes cell: a JSON object spread into attributes. NULL, or the problem. */
static char *
add_attributes_json(CsvContext *ctx, const Column *column, const char *text,
                    TwEventBuilder *builder)
{
  g_autoptr(GError) err = NULL;
  gsize length = strlen(text);

  const char *unsafe;
  if (json_guard_problem_at(text, length, &unsafe) != G_MAXSIZE)
    g_set_error_literal(&err, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                        unsafe + strlen("not JSON: "));
  /* An integer beyond 64 bits is read as a floating-point number, as the json source reads it:
   * json-glib alone wraps it around (18446744073709551615 to -1). */
  g_autofree char *widened = err ? NULL : json_guard_widen_integers(text, length);
  if (err ||
      !json_parser_load_from_data(ctx->json, widened ? widened : text, (gssize)length, &err) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(ctx->json))) {
    if (!ctx->exported) {
      /* Not timeweave's: just a column that happens to be called attributes. */
      tw_event_builder_set_attribute(builder, column->name, text);
      return NULL;
    }
    return g_strdup_printf("'%s' is not a JSON object%s%s", column->name, err ? ": " : "",
                           err ? err->message : "");
  }
  JsonObject *object = json_node_get_object(json_parser_get_root(ctx->json));
  GList *members = json_object_get_members(object);
  for (GList *l = members; l; l = l->next) {
    g_autofree char *value = json_value_text(json_object_get_member(object, l->data));
    tw_event_builder_set_attribute(builder, l->data, value);
  }
  g_list_free(members);
  return NULL;
}

/* The text of a time held in @columns of the current record: one cell as it is, or the cells
 * joined by spaces (in ctx->scratch, valid until the next call). NULL when a cell it needs is
 * empty, *@empty being that column: the first (the date itself), or a later one when the time
 * format is a pattern, which needs every field it names. In the iso format a later empty cell
 * is left out: a calendar's Date,Time table leaves the time of an all-day event empty, and the
 * date alone is that day. */
static const char *
joined_time(CsvContext *ctx, const GArray *columns, guint *empty)
{
  GString *text = ctx->scratch;
  g_string_truncate(text, 0);
  for (guint i = 0; i < columns->len; i++) {
    guint index = g_array_index(columns, guint, i);
    const char *cell_text = cell(ctx, index);
    if (!*cell_text && i > 0 && ctx->time_format.kind == TW_TIME_KIND_ISO)
      continue;
    if (!*cell_text) {
      *empty = index;
      return NULL;
    }
    if (columns->len == 1)
      return cell_text;
    if (i > 0)
      g_string_append_c(text, ' ');
    g_string_append(text, cell_text);
  }
  return text->str;
}

/* Fills @builder from the current record; returns NULL, or why the row is skipped. */
static char *
build_event(CsvContext *ctx, TwEventBuilder *builder)
{
  CsvParser *p = &ctx->parser;
  GTimeZone *naive = ctx->exported ? NULL : ctx->naive_zone;
  char *problem = NULL;
  TwDate date;
  gboolean in_zone;

  guint empty;
  const char *when = joined_time(ctx, ctx->time_columns, &empty);
  if (!when)
    return g_strdup_printf("no date: '%s' is empty", ctx->columns[empty].name);
  if (!_tw_time_parse(&ctx->time_format, when, naive, &date, &in_zone, &problem)) {
    char *message =
        g_strdup_printf("bad date in '%s': %s",
                        ctx->columns[g_array_index(ctx->time_columns, guint, 0)].name, problem);
    g_free(problem);
    return message;
  }

  TwPrecision precision = date.precision;
  TwQualifier qualifier = date.qualifier;
  gboolean has_precision = FALSE, has_qualifier = FALSE;
  const char *zone = NULL;
  for (guint i = 0; ctx->has_date_columns && i < ctx->n_columns; i++) {
    const char *text = cell(ctx, i);
    if (!*text)
      continue;
    switch (ctx->columns[i].role) {
    case ROLE_PRECISION:
      if (!tw_precision_from_string(text, &precision))
        return g_strdup_printf("unknown precision '%s'", text);
      has_precision = TRUE;
      break;
    case ROLE_QUALIFIER:
      if (!tw_qualifier_from_string(text, &qualifier))
        return g_strdup_printf("unknown qualifier '%s'", text);
      has_qualifier = TRUE;
      break;
    case ROLE_ZONE:
      zone = text;
      break;
    default:
      break;
    }
  }
  /* An export's date text says all of it; an instant from elsewhere takes precision and
   * qualifier from their columns. */
  if (!ctx->from_date && (has_precision || has_qualifier)) {
    date.qualifier = qualifier;
    tw_date_set_precision(&date, precision);
  }
  if (ctx->start_column >= 0 && *cell(ctx, (guint)ctx->start_column)) {
    TwDate start;
    gboolean ignored;
    static const TwTimeFormat iso = {TW_TIME_KIND_ISO, NULL, TRUE, TW_PRECISION_EXACT};
    if (!_tw_time_parse(&iso, cell(ctx, (guint)ctx->start_column), NULL, &start, &ignored,
                        &problem)) {
      char *message = g_strdup_printf("bad date in 'start': %s", problem);
      g_free(problem);
      return message;
    }
    date.start = start.start;
  }
  gboolean has_end = FALSE;
  gint64 end = 0;
  const char *end_text = NULL;
  if (ctx->end_columns->len > 0) {
    end_text = joined_time(ctx, ctx->end_columns, &empty);
    /* No end when its (first) column is empty; a pattern's missing part is an error. */
    if (!end_text && empty != g_array_index(ctx->end_columns, guint, 0))
      return g_strdup_printf("no end: '%s' is empty", ctx->columns[empty].name);
  }
  const char *end_name =
      end_text ? ctx->columns[g_array_index(ctx->end_columns, guint, 0)].name : NULL;
  if (end_text && ctx->time_format.kind == TW_TIME_KIND_ISO && _tw_time_is_end_of_range(end_text)) {
    /* The end of an event dated 9999 in timeweave's export. */
    end = TW_TIME_MAX + 1;
    has_end = TRUE;
  } else if (end_text) {
    TwDate end_date;
    gboolean ignored;
    if (!_tw_time_parse(&ctx->time_format, end_text, naive, &end_date, &ignored, &problem)) {
      char *message = g_strdup_printf("bad date in '%s': %s", end_name, problem);
      g_free(problem);
      return message;
    }
    end = tw_date_end_instant(&date, &end_date);
    has_end = TRUE;
    if (end < date.start)
      return g_strdup_printf("'%s' is before the start", end_name);
  }

  /* The zone the time was stated in: the zone column, else the zone naive times were read in,
   * else an offset the text gave (UTC is no zone worth keeping). */
  if (zone) {
    tw_event_builder_set_zone(builder, zone);
  } else if (in_zone) {
    tw_event_builder_set_zone(builder, ctx->naive_zone_name);
  } else if (!ctx->exported && !date.floating && date.has_offset && date.utc_offset != 0) {
    char offset[TW_OFFSET_SIZE];
    _tw_format_offset(date.utc_offset, offset);
    tw_event_builder_set_zone(builder, offset);
  }
  date.has_offset = FALSE;
  date.utc_offset = 0;
  tw_event_builder_set_date(builder, &date);
  if (has_end && end != date.end)
    tw_event_builder_set_end(builder, end);

  /* Who: an id verbatim, a native id, or the row's line (so that two rows alike stay two
   * events: a statement may well list the same payment twice on a day). */
  gboolean has_id = FALSE;
  if (ctx->native_id_column >= 0 && *cell(ctx, (guint)ctx->native_id_column)) {
    tw_event_builder_set_native_id(builder, cell(ctx, (guint)ctx->native_id_column));
    has_id = TRUE;
  }

  /* What, and every other cell as an attribute in the columns' order. */
  const char *title = NULL;
  gboolean has_description = FALSE;
  for (guint i = 0; i < ctx->n_columns; i++) {
    const Column *column = &ctx->columns[i];
    const char *text = cell(ctx, i);
    switch (column->role) {
    case ROLE_TITLE:
      if (!*text)
        return g_strdup_printf("no title: '%s' is empty", column->name);
      tw_event_builder_set_title(builder, text);
      title = text;
      break;
    case ROLE_ID:
      if (*text) {
        tw_event_builder_set_id(builder, text);
        has_id = TRUE;
      }
      break;
    case ROLE_DESCRIPTION:
      if (*text) {
        tw_event_builder_set_description(builder, text);
        has_description = TRUE;
      }
      break;
    case ROLE_SOURCE:
      if (*text)
        tw_event_builder_set_source(builder, text);
      break;
    case ROLE_KIND:
      if (*text)
        tw_event_builder_set_kind(builder, text);
      break;
    case ROLE_LOCATION:
      if (*text)
        tw_event_builder_set_location(builder, text);
      break;
    case ROLE_URL:
      if (*text)
        tw_event_builder_set_url(builder, text);
      break;
    case ROLE_TAGS:
      add_list(builder, text, tw_event_builder_add_tag);
      break;
    case ROLE_ACTORS:
      add_list(builder, text, tw_event_builder_add_actor);
      break;
    case ROLE_ATTRIBUTES:
      if (*text && (problem = add_attributes_json(ctx, column, text, builder)))
        return problem;
      break;
    case ROLE_ATTRIBUTE:
      if (*text)
        tw_event_builder_set_attribute(builder, column->name, text);
      break;
    case ROLE_TIME:
    case ROLE_START:
    case ROLE_END:
    case ROLE_PRECISION:
    case ROLE_QUALIFIER:
    case ROLE_ZONE:
    case ROLE_DROPPED:
      break;
    }
  }
  /* A title is one line: a cell of several keeps them all as the description. */
  if (title && strchr(title, '\n') && !has_description)
    tw_event_builder_set_description(builder, title);
  if (!has_id) {
    /* The row's line number, written by hand: g_snprintf was 4% of a CSV run's instructions. */
    char digits[16], line[16];
    guint n = 0, value = p->first_line;
    do {
      digits[n++] = (char)('0' + value % 10);
      value /= 10;
    } while (value > 0);
    for (guint i = 0; i < n; i++)
      line[i] = digits[n - 1 - i];
    line[n] = '\0';
    tw_event_builder_set_native_id(builder, line);
  }
  return NULL;
}

static gboolean
read_row(CsvContext *ctx, GError **error)
{
  CsvParser *p = &ctx->parser;
  guint n = p->n_fields;

  if (n != ctx->n_columns) {
    /* Trailing empty fields (a spreadsheet's padding: a;b;;;) are no harm. */
    gboolean padding = n > ctx->n_columns;
    for (guint i = ctx->n_columns; padding && i < n; i++)
      padding = *field_text(p, i) == '\0';
    if (!padding)
      return tw_sink_warn(ctx->sink, ctx->file, p->first_line, error,
                          "%u field%s where the header has %u", n, n == 1 ? "" : "s",
                          ctx->n_columns);
  }

  TwEventBuilder *builder = tw_sink_begin(ctx->sink, ctx->file, p->first_line);
  g_autofree char *problem = build_event(ctx, builder);
  if (problem) {
    tw_sink_discard(ctx->sink);
    return tw_sink_warn(ctx->sink, ctx->file, p->first_line, error, "%s", problem);
  }
  g_autoptr(GError) invalid = NULL;
  if (!tw_sink_commit(ctx->sink, &invalid))
    return tw_sink_warn_error(ctx->sink, invalid, error);
  return TRUE;
}

/* -- the source -- */

static gboolean
parse_delimiter(const char *text, char *out)
{
  static const struct {
    const char *name;
    char delimiter;
  } names[] = {
      {"auto", 0},  {",", ','},    {"comma", ','}, {";", ';'}, {"semicolon", ';'},
      {"\t", '\t'}, {"tab", '\t'}, {"\\t", '\t'},  {"|", '|'}, {"pipe", '|'},
  };
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    if (g_ascii_strcasecmp(text ? text : "auto", names[i].name) == 0) {
      *out = names[i].delimiter;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
is_utf16_or_32(const char *encoding)
{
  g_autofree char *lower = g_ascii_strdown(encoding, -1);
  return g_str_has_prefix(lower, "utf-16") || g_str_has_prefix(lower, "utf16") ||
         g_str_has_prefix(lower, "ucs-2") || g_str_has_prefix(lower, "ucs2") ||
         g_str_has_prefix(lower, "utf-32") || g_str_has_prefix(lower, "utf32") ||
         g_str_has_prefix(lower, "ucs-4") || g_str_has_prefix(lower, "ucs4");
}

static gboolean
is_utf8(const char *encoding)
{
  return g_ascii_strcasecmp(encoding, "utf-8") == 0 || g_ascii_strcasecmp(encoding, "utf8") == 0;
}

/* UTF-16 (Excel's "Unicode Text") cannot be split into lines before it is converted: read it
 * whole, convert it, and take the lines from memory. @encoding NULL: by its byte order mark. */
static gboolean
load_utf16(CsvContext *ctx, TwSource *source, const char *encoding, GError **error)
{
  LineSource *src = &ctx->parser.lines;
  g_autoptr(GError) err = NULL;

  if (!encoding) {
    /* Found by looking at the first line: read the file again from its start. */
    if (strcmp(tw_source_get_path(source), "-") == 0)
      return fail(ctx, 1, error,
                  "UTF-16 text on standard input: give the file's name, or "
                  "encoding=utf-16");
    tw_reader_free(src->reader);
    if (!(src->reader = tw_source_open(source, error)))
      return FALSE;
    ctx->file = tw_reader_get_name(src->reader); /* the old reader's name is gone with it */
  }
  g_autoptr(GBytes) bytes = tw_reader_read_all(src->reader, MAX_WHOLE, error);
  if (!bytes)
    return FALSE;
  gsize size;
  const guchar *data = g_bytes_get_data(bytes, &size);
  if (!encoding) {
    encoding = size >= 2 && data[0] == 0xff ? "UTF-16LE" : "UTF-16BE";
    data += 2;
    size -= 2;
  }
  gsize written;
  src->memory =
      g_convert((const char *)data, (gssize)size, "UTF-8", encoding, NULL, &written, &err);
  if (!src->memory)
    return fail(ctx, 0, error, "not %s text: %s", encoding, err->message);
  src->memory_len = written;
  src->strip_bom = TRUE;
  return TRUE;
}

/* The checks of the option values that their types let through, made when the source is added
 * (TwComponentCheck) and again when it reads: the delimiter (*@delimiter, 0 for auto), the
 * time format (*@time_format: clear it) and the encoding (*@conv: a converter to UTF-8, or -1
 * when none is needed; close it). */
static gboolean
parse_options(const TwOptions *options, char *delimiter, TwTimeFormat *time_format, GIConv *conv,
              GError **error)
{
  const char *delimiter_text = tw_options_get_string(options, "delimiter");
  const char *encoding = tw_options_get_string(options, "encoding");
  gint64 skip = tw_options_get_int(options, "skip");
  *conv = (GIConv)-1;
  if (!encoding || !*encoding)
    encoding = "utf-8";
  if (!parse_delimiter(delimiter_text, delimiter)) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'delimiter' of csv: '%s' is not one of auto , ; | tab (or comma, "
                "semicolon, pipe; write a comma on the command line as \\, or comma)",
                delimiter_text);
    return FALSE;
  }
  if (skip < 0) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'skip' of csv: %" G_GINT64_FORMAT " is negative", skip);
    return FALSE;
  }
  if (!_tw_time_format_init(time_format, tw_options_get_string(options, "time-format"), error))
    return FALSE;
  if (time_format->kind == TW_TIME_KIND_PATTERN && !time_format->has_year) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'time-format' of csv: '%s' has no year (%%Y, %%y or %%s)",
                tw_options_get_string(options, "time-format"));
    return FALSE;
  }
  if (!is_utf8(encoding) && !is_utf16_or_32(encoding)) {
    *conv = g_iconv_open("UTF-8", encoding);
    if (*conv == (GIConv)-1) {
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                  "option 'encoding' of csv: '%s' is not an encoding this system knows (iconv)",
                  encoding);
      return FALSE;
    }
  }
  return TRUE;
}

/* TwComponentCheck: parse_options() with what it made thrown away. */
static gboolean
csv_check(const TwOptions *options, GError **error)
{
  char delimiter;
  TwTimeFormat time_format = {0};
  GIConv conv;
  gboolean ok = parse_options(options, &delimiter, &time_format, &conv, error);
  _tw_time_format_clear(&time_format);
  if (conv != (GIConv)-1)
    g_iconv_close(conv);
  return ok;
}

/* Sets up @ctx from the options (everything but the input). FALSE with @error for a bad option. */
static gboolean
context_init(CsvContext *ctx, TwSource *source, TwSink *sink, GError **error)
{
  const TwOptions *options = tw_source_get_options(source);
  CsvParser *p = &ctx->parser;

  *ctx = (CsvContext){
      .sink = sink,
      .options = options,
      .naive_zone = tw_options_get_zone(options, "timezone"),
      .naive_zone_name = tw_options_get_string(options, "timezone"),
  };
  p->lines.conv = (GIConv)-1;
  p->text = g_string_new(NULL);
  p->lines.held = g_string_new(NULL);
  ctx->time_columns = g_array_new(FALSE, FALSE, sizeof(guint));
  ctx->end_columns = g_array_new(FALSE, FALSE, sizeof(guint));
  ctx->scratch = g_string_new(NULL);
  ctx->json = json_parser_new_immutable();
  ctx->file = tw_source_get_path(source);

  if (!parse_options(options, &p->delimiter, &ctx->time_format, &p->lines.conv, error))
    return FALSE;
  if (p->lines.conv != (GIConv)-1)
    p->lines.converted = g_string_new(NULL);
  return TRUE;
}

static void
context_clear(CsvContext *ctx)
{
  CsvParser *p = &ctx->parser;
  _tw_time_format_clear(&ctx->time_format);
  for (guint i = 0; i < ctx->n_columns; i++) {
    g_free(ctx->columns[i].name);
    g_free(ctx->columns[i].header);
  }
  g_free(ctx->columns);
  g_array_unref(ctx->time_columns);
  g_array_unref(ctx->end_columns);
  g_string_free(ctx->scratch, TRUE);
  g_object_unref(ctx->json);
  g_string_free(p->text, TRUE);
  g_free(p->fields);
  if (p->lines.conv != (GIConv)-1)
    g_iconv_close(p->lines.conv);
  if (p->lines.converted)
    g_string_free(p->lines.converted, TRUE);
  g_free(p->lines.memory);
  if (p->lines.held)
    g_string_free(p->lines.held, TRUE);
  if (p->lines.cleaned)
    g_string_free(p->lines.cleaned, TRUE);
  tw_reader_free(p->lines.reader);
}

/* What reading the beginning of the input found. */
typedef enum {
  START_ROWS,  /* the columns are mapped: rows follow */
  START_EMPTY, /* nothing but blank lines: no events */
  START_ERROR, /* *error is set */
} StartResult;

/* Opens the input and reads it up to the rows: the encoding, the skipped lines, the delimiter,
 * the header (or the first row, left in the parser when header=false), the columns. */
static StartResult
read_start(CsvContext *ctx, TwSource *source, GError **error)
{
  const TwOptions *options = ctx->options;
  CsvParser *p = &ctx->parser;
  guint quote_line = 0;
  const char *encoding = tw_options_get_string(options, "encoding");
  gint64 skip = tw_options_get_int(options, "skip");
  if (!encoding || !*encoding)
    encoding = "utf-8";
  const char *unescape = tw_options_get_string(options, "formula-unescape");

  if (!(p->lines.reader = tw_source_open(source, error)))
    return START_ERROR;
  ctx->file = tw_reader_get_name(p->lines.reader);
  p->lines.strip_bom = is_utf8(encoding);

  if (is_utf16_or_32(encoding)) {
    if (!load_utf16(ctx, source, encoding, error))
      return START_ERROR;
  } else if (is_utf8(encoding)) {
    /* A UTF-16 byte order mark: Excel's "Unicode Text" (tab-separated UTF-16LE). */
    gsize length;
    GError *err = NULL;
    const char *first = next_line(&p->lines, &length, &err);
    if (err) {
      g_propagate_error(error, err);
      return START_ERROR;
    }
    if (first && length >= 2 &&
        (((guchar)first[0] == 0xff && (guchar)first[1] == 0xfe) ||
         ((guchar)first[0] == 0xfe && (guchar)first[1] == 0xff))) {
      if (!load_utf16(ctx, source, NULL, error))
        return START_ERROR;
    } else if (first) {
      push_back(&p->lines, first, length);
    }
  }

  for (gint64 i = 0; i < skip; i++) {
    gsize length;
    GError *err = NULL;
    if (!next_line(&p->lines, &length, &err)) {
      if (err) {
        g_propagate_error(error, err);
        return START_ERROR;
      }
      break;
    }
  }

  if (skip == 0) {
    /* Excel's delimiter hint: a first line `sep=;` names the delimiter and is no header.
     * Excel reads it so (and hides it), and programs that write CSV for Excel put it there;
     * read as a header it would hide the real one and fail the run. */
    gsize length;
    GError *err = NULL;
    const char *line = next_line(&p->lines, &length, &err);
    if (err) {
      g_propagate_error(error, err);
      return START_ERROR;
    }
    char hinted;
    if (line && is_delimiter_hint(line, length, &hinted)) {
      if (p->delimiter == 0)
        p->delimiter = hinted;
    } else if (line) {
      push_back(&p->lines, line, length);
    }
  }

  if (p->delimiter == 0) {
    /* Sniff from the first line of the first record, then read it again. */
    gsize length;
    GError *err = NULL;
    const char *line;
    do {
      line = next_line(&p->lines, &length, &err);
    } while (line && length == 0);
    if (err) {
      g_propagate_error(error, err);
      return START_ERROR;
    }
    p->delimiter = line ? sniff_delimiter(line, length) : ',';
    if (line)
      push_back(&p->lines, line, length);
  }

  /* The first record: the header, or the first row. */
  gboolean header = tw_options_get_bool(options, "header");
  RecordResult r = read_record(p, &quote_line, error);
  if (r == RECORD_ERROR)
    return START_ERROR;
  if (r == RECORD_END)
    return START_EMPTY;
  if (r == RECORD_UNTERMINATED) {
    fail(ctx, quote_line, error,
         "the %s's quoted field is never closed: the quote runs to the end of the file",
         header ? "header" : "first row");
    return START_ERROR;
  }
  if (!map_columns(ctx, header, error))
    return START_ERROR;
  ctx->unescape =
      g_strcmp0(unescape, "true") == 0 || (g_strcmp0(unescape, "false") != 0 && ctx->exported);
  return START_ROWS;
}

/* Reads the rows up to the end of the input. With @whole FALSE (a chunk) a quote still open at
 * the end is G_IO_ERROR_NOT_SUPPORTED: the chunk may end inside a quoted field. */
static gboolean
read_rows(CsvContext *ctx, gboolean whole, GError **error)
{
  CsvParser *p = &ctx->parser;
  guint quote_line = 0;
  for (;;) {
    RecordResult r = read_record(p, &quote_line, error);
    if (r == RECORD_ERROR)
      return FALSE;
    if (r == RECORD_END)
      return TRUE;
    if (r == RECORD_UNTERMINATED) {
      if (!whole) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "%s:%u: a quoted field runs past the chunk", ctx->file, quote_line);
        return FALSE;
      }
      if (!tw_sink_warn(ctx->sink, ctx->file, p->first_line, error,
                        "a quoted field is never closed: the quote opened on line %u runs to "
                        "the end of the file",
                        quote_line))
        return FALSE;
      return TRUE;
    }
    if (!read_row(ctx, error))
      return FALSE;
  }
}

static gboolean
csv_read(TwSource *source, TwSink *sink, GError **error)
{
  CsvContext ctx;
  gboolean ok = FALSE;

  if (!context_init(&ctx, source, sink, error))
    goto out;
  StartResult start = read_start(&ctx, source, error);
  if (start != START_ROWS) {
    ok = start == START_EMPTY; /* nothing but blank lines: no events */
    goto out;
  }
  if (!tw_options_get_bool(ctx.options, "header") && !read_row(&ctx, error))
    goto out;
  ok = read_rows(&ctx, TRUE, error);
out:
  context_clear(&ctx);
  return ok;
}

/* A large UTF-8 table read in chunks on several threads: each chunk reads the file's beginning
 * for the columns, skips the lines up to the first row, and reads the rows of its own lines. A
 * chunk that ends inside a quoted field (a cell with line breaks across the split), another
 * encoding, or a beginning that does not read cleanly make the file be read whole instead. */
static gboolean
csv_read_lines(TwSource *source, TwSink *sink, TwReader *chunk, GError **error)
{
  CsvContext ctx;
  CsvParser *p = &ctx.parser;
  gboolean ok = FALSE;

  if (!context_init(&ctx, source, sink, error))
    goto out;
  const char *encoding = tw_options_get_string(ctx.options, "encoding");
  if ((encoding && *encoding && !is_utf8(encoding)) ||
      read_start(&ctx, source, NULL) != START_ROWS || p->lines.memory) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s: read whole", ctx.file);
    goto out;
  }
  /* The lines the beginning took: the header's last, or those before the first row. */
  gboolean header = tw_options_get_bool(ctx.options, "header");
  guint start_lines = header ? p->lines.line : p->first_line - 1;

  tw_reader_free(p->lines.reader);
  p->lines.reader = chunk;
  p->lines.has_held = FALSE;
  p->lines.line = 0;
  ctx.file = tw_reader_get_name(chunk);
  for (;;) {
    gsize length;
    GError *err = NULL;
    const char *line = next_line(&p->lines, &length, &err);
    if (err) {
      g_propagate_error(error, err);
      break;
    }
    if (!line) {
      ok = TRUE;
      break;
    }
    if (p->lines.line > start_lines) {
      push_back(&p->lines, line, length);
      ok = read_rows(&ctx, FALSE, error);
      break;
    }
  }
  p->lines.reader = NULL; /* the core's */
out:
  context_clear(&ctx);
  return ok;
}

static const TwOptionSpec csv_options[] = {
    {"delimiter",
     TW_OPTION_STRING,
     "auto",
     "The field separator: `,` `;` `|` or `tab` (also the words comma, semicolon, pipe; on the "
     "command line write a comma as `\\,` or comma). auto takes the one of these that the first "
     "line holds most often outside quotes (a comma when there is none). A first line `sep=;` "
     "(Excel's hint) names the delimiter and is skipped.",
     NULL,
     {NULL}},
    {"header",
     TW_OPTION_BOOL,
     "true",
     "Whether the first record names the columns. With header=false nothing is mapped by "
     "name: give time= and title= as column numbers (from 1), and other columns become the "
     "attributes column1, column2...",
     NULL,
     {NULL}},
    {"skip",
     TW_OPTION_INT,
     "0",
     "Physical lines to skip before the header (a bank statement's preamble).",
     NULL,
     {NULL}},
    {"encoding",
     TW_OPTION_STRING,
     "utf-8",
     "The text encoding (any name iconv knows). Excel's \"CSV (Comma delimited)\" is the "
     "Windows code page, windows-1252 in Western Europe; its \"Unicode Text\" is utf-16, which "
     "is also recognised by its byte order mark. A UTF-8 byte order mark is always dropped.",
     NULL,
     {NULL}},
    {"time",
     TW_OPTION_LIST,
     NULL,
     "The column(s) holding the time, by name or number, joined with a space when there are "
     "several (time=Date;Time). By default: date (with a time column joined when there is one "
     "and no start, datetime or timestamp), else start, datetime, timestamp, time.",
     NULL,
     {NULL}},
    {"time-format",
     TW_OPTION_STRING,
     "iso",
     "How the time is written. " TW_TIME_FORMAT_HELP,
     NULL,
     {NULL}},
    {"timezone",
     TW_OPTION_ZONE,
     NULL,
     "The zone of times written without one (an IANA name or an offset); without it they are "
     "floating. Events record it as their zone. Not applied to timeweave's own export, whose "
     "naive times are floating on purpose.",
     NULL,
     {NULL}},
    {"end",
     TW_OPTION_LIST,
     NULL,
     "The column(s) holding the exclusive end of the event's span, read with the same "
     "time-format and joined like time's (end=End Date;End Time); default: a column named end. "
     "A row whose end is empty has none.",
     NULL,
     {NULL}},
    {"title",
     TW_OPTION_STRING,
     NULL,
     "The column holding the title; by default title, then message. Required: a row with an "
     "empty title is skipped with a warning.",
     NULL,
     {NULL}},
    {"description",
     TW_OPTION_STRING,
     NULL,
     "The column holding the description (default: description).",
     NULL,
     {NULL}},
    {"kind", TW_OPTION_STRING, NULL, "The column holding the kind (default: kind).", NULL, {NULL}},
    {"tags",
     TW_OPTION_LIST,
     NULL,
     "The column(s) holding tags, each cell split at `;` (default: tags).",
     NULL,
     {NULL}},
    {"id",
     TW_OPTION_STRING,
     NULL,
     "A column holding a native record id (a transaction number): the event id becomes a "
     "stable hash of it and the source's name, and the column stays an attribute. Without it "
     "an id column is the event id verbatim, else the id is a hash of the row's line number.",
     NULL,
     {NULL}},
    {"formula-unescape",
     TW_OPTION_CHOICE,
     "auto",
     "Take the leading ' off cells that begin with '= '+ '- '@ (the csv exporter's "
     "formula-escape). auto does it for timeweave's own export only (recognised by its date, "
     "start, end and precision columns).",
     "auto|true|false",
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

static const TwSourceInfo csv_source = {
    .name = "csv",
    .summary = "CSV and other delimited tables (RFC 4180, spreadsheet exports): one event per row",
    .description =
        "Reads a table with a header row (or header=false and column numbers), one event per "
        "row. RFC 4180: quoted fields, doubled quotes, line breaks inside quotes (the row's "
        "place is its first line), CRLF or LF, a UTF-8 byte order mark; the delimiter is "
        "sniffed from the header unless given. Columns named like timeweave's fields (id, "
        "date, start, end, precision, qualifier, title, description, source, kind, tags, "
        "actors, location, url, zone, attributes) are mapped, so the csv exporter's tables read "
        "back; so are the common names time, timestamp, datetime, date (with a separate time "
        "column) and message. The options map other names and formats. tags and actors are "
        "split at `;`; an attributes column holding a JSON object is spread into attributes. "
        "Every other non-empty cell is kept as an attribute named by its column. A row with the "
        "wrong number of fields, a bad or missing date or title, or a quote never closed is "
        "skipped with a warning naming its line (fatal under --strict); a table without a time "
        "or title column fails the run.",
    .options = csv_options,
    .read = csv_read,
    .read_lines = csv_read_lines,
    .check = csv_check,
};

static const TwSourceInfo *const csv_sources[] = {&csv_source, NULL};

TW_PLUGIN_DEFINE("csv", TW_VERSION, "Reads events from CSV tables", NULL, csv_sources, NULL, NULL)
