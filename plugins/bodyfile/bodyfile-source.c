/* timeweave: the bodyfile source. Reads The Sleuth Kit's body file (what `fls -m`, `ils -m` and
 * many other forensic tools write, and what `mactime` reads) into MACB events, as mactime does.
 *
 * A TSK 3.x line is `MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime`, the
 * times in Unix seconds, 0 meaning unknown. Each distinct known time of a line is one event whose
 * kind is mactime's `macb` column: `m` when it is the modification time, `a` the access time,
 * `c` the metadata change time, `b` the birth (creation) time, `.` for the others. So a line
 * whose mtime and ctime are equal and whose atime and crtime differ gives three events:
 * `m.c.`, `.a..` and `...b`. The instants are exact UTC: a body file has no zone.
 *
 * What mactime does and this source does too: `#` lines and blank lines are skipped, a line with
 * no known time at all (TSK's `$OrphanFiles`) gives nothing, `%XX` in a name is the byte XX
 * (mactime decodes it in every field; TSK itself only turns control characters into `^`), and the
 * run's --from/--to keep the events inside [from, to) as mactime's date range does.
 *
 * Where it differs, on purpose: mactime skips a line it cannot read without a word, this source
 * warns with its line; a name with a raw `|` (fls writes it unescaped, so mactime misreads the
 * line) is joined back, since the nine fields after the name have a fixed shape; a fraction of
 * a second (some tools write `1577836800.5`) is kept; `%XX` is left as written where decoding
 * would make invalid UTF-8 (a real `per%cent`, which mactime turns into a stray byte); UID, GID and
 * size may be empty (tools that have none); lines are independent (mactime folds repeated lines of
 * one name and inode into one row per time: here an exact repeat has the same id and merges, a
 * differing one stays its own event); without a --from, mactime lists unknown (0) times as
 * 0000-00-00T00:00:00Z rows, which timeweave has no use for.
 *
 * The TSK 2.x layout (`MD5|name|device|inode|mode_as_value|mode_as_string|num_of_links|UID|GID|
 * rdev|size|atime|mtime|ctime|block_size|num_of_blocks`, no creation time) is read too: chosen by
 * the `layout` option or, by default, per line when it has 16 fields and a numeric mode value
 * followed by a mode string.
 */
#include <timeweave/plugin.h>

#include <string.h>

#define N_FIELDS_3 11
#define N_FIELDS_2 16

typedef enum {
  LAYOUT_AUTO,
  LAYOUT_3,
  LAYOUT_2,
} Layout;

/* The fields of one line, pointing into the (modified) line buffer. */
typedef struct {
  const char *md5;
  const char *inode;
  const char *mode;
  const char *uid;
  const char *gid;
  const char *size;
  const char *times[4]; /* in MACB order: mtime, atime, ctime, crtime (NULL in 2.x) */
} BodyLine;

typedef struct {
  TwSink *sink;
  const char *file;
  Layout layout;
  gboolean unescape;
  const char *zone;
  GString *name;
  GString *line; /* a copy of the line being read, split in place */
  GString *native_id;
  /* The fields of the line being read: pointers into @line (split_fields()). */
  const char **fields;
  guint n_fields;
  guint fields_cap;
} BodyContext;

static const char macb_letters[4] = {'m', 'a', 'c', 'b'};
static const char *const time_names[4] = {"mtime", "atime", "ctime", "crtime"};

static gboolean
is_digits(const char *text)
{
  if (!*text)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit(*p))
      return FALSE;
  return TRUE;
}

/* A mode as TSK writes it (`r/rrw-r--r--`, `d/drwxr-xr-x`) or as `ls -l` does: not a number. */
static gboolean
looks_like_mode_string(const char *text)
{
  return *text && !is_digits(text) && strlen(text) <= 16;
}

/*
 * Reads a body file time: Unix seconds, optionally negative, optionally with a fraction (cut to
 * microseconds). An empty field is unknown, as 0 is. Returns FALSE for anything else or for a
 * time outside timeweave's range; *known tells whether the time is known.
 */
static gboolean
parse_time(const char *text, gint64 *usec, gboolean *known)
{
  const char *p = text;
  gboolean negative = FALSE;
  guint64 seconds = 0;
  gint64 fraction = 0;

  *known = FALSE;
  if (!*p)
    return TRUE;
  if (*p == '-') {
    negative = TRUE;
    p++;
  }
  if (!g_ascii_isdigit(*p))
    return FALSE;
  for (; g_ascii_isdigit(*p); p++) {
    seconds = seconds * 10 + (guint64)(*p - '0');
    if (seconds > (guint64)(TW_TIME_MAX / TW_USEC_PER_SEC) + 1)
      return FALSE;
  }
  if (*p == '.') {
    p++;
    if (!g_ascii_isdigit(*p))
      return FALSE;
    gint64 scale = 100000;
    for (; g_ascii_isdigit(*p); p++) {
      fraction += (*p - '0') * scale;
      scale /= 10;
    }
  }
  if (*p)
    return FALSE;
  gint64 value = (gint64)seconds * TW_USEC_PER_SEC + fraction;
  if (negative)
    value = -value;
  if (value < TW_TIME_MIN || value > TW_TIME_MAX)
    return FALSE;
  *usec = value;
  *known = value != 0;
  return TRUE;
}

static int
hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Appends @text to @out, decoding `%XX` as mactime's tm_split() does when @unescape. Returns
 * whether it decoded any. The text between escapes is appended a run at a time. */
static gboolean
append_name_part(GString *out, const char *text, gboolean unescape)
{
  gboolean decoded = FALSE;
  for (const char *p = text;;) {
    const char *percent = unescape ? strchr(p, '%') : NULL;
    gsize run = percent ? (gsize)(percent - p) : strlen(p);
    g_string_append_len(out, p, (gssize)run);
    if (!percent)
      return decoded;
    int hi, lo;
    if ((hi = hex_value(percent[1])) >= 0 && (lo = hex_value(percent[2])) >= 0) {
      g_string_append_c(out, (char)(hi * 16 + lo));
      decoded = TRUE;
      p = percent + 3;
    } else {
      g_string_append_c(out, '%');
      p = percent + 1;
    }
  }
}

/* Splits @line (@length bytes) at every `|` in place into ctx->fields. */
static void
split_fields(BodyContext *ctx, char *line, gsize length)
{
  ctx->n_fields = 0;
  char *p = line, *end = line + length;
  for (;;) {
    if (G_UNLIKELY(ctx->n_fields == ctx->fields_cap)) {
      ctx->fields_cap = MAX(16, ctx->fields_cap * 2);
      ctx->fields = g_renew(const char *, ctx->fields, ctx->fields_cap);
    }
    ctx->fields[ctx->n_fields++] = p;
    char *bar = memchr(p, '|', (gsize)(end - p));
    if (!bar)
      break;
    *bar = '\0';
    p = bar + 1;
  }
}

static const char *
field(BodyContext *ctx, guint index)
{
  return ctx->fields[index];
}

/* The name: fields 1 to @last joined by the `|` they were split at. With unescape, `%XX` is
 * decoded unless that would make invalid UTF-8 of a valid name: fls writes `per%cent` as it is,
 * and mactime's decoding would turn it into a stray byte. */
static void
build_name(BodyContext *ctx, guint last)
{
  for (int pass = ctx->unescape ? 0 : 1; pass < 2; pass++) {
    gboolean decoded = FALSE;
    g_string_truncate(ctx->name, 0);
    for (guint i = 1; i <= last; i++) {
      if (i > 1)
        g_string_append_c(ctx->name, '|');
      decoded |= append_name_part(ctx->name, field(ctx, i), pass == 0);
    }
    /* (Without an escape decoded, the second pass would make the same name.) */
    if (pass == 1 || !decoded || g_utf8_validate(ctx->name->str, (gssize)ctx->name->len, NULL))
      break;
  }
}

/* Whether a line of @n fields is in the 2.x layout (16 fields, a mode value then its string). */
static gboolean
is_layout_2(BodyContext *ctx, guint n)
{
  if (ctx->layout == LAYOUT_2)
    return TRUE;
  if (ctx->layout == LAYOUT_3 || n != N_FIELDS_2)
    return FALSE;
  /* Read as 3.x, such a line would have a number where the mode string is. */
  return is_digits(field(ctx, 4)) && looks_like_mode_string(field(ctx, 5)) &&
         !looks_like_mode_string(field(ctx, n - 8));
}

/* Whether the fields after a name that ends at field @last_name have the shape of an inode (a
 * number, or TSK's `123-128-1`) followed, @mode_after fields on, by a mode string: what tells a
 * `|` in a name from a field too many. */
static gboolean
has_inode_and_mode(BodyContext *ctx, guint last_name, guint mode_after)
{
  return g_ascii_isdigit(field(ctx, last_name + 1)[0]) &&
         looks_like_mode_string(field(ctx, last_name + 1 + mode_after));
}

typedef enum {
  FIELDS_OK,
  FIELDS_TOO_FEW,
  FIELDS_MISSHAPEN, /* more fields than the layout has, and no name with a `|` explains them */
} FieldsRead;

/* Fills @out and ctx->name from the split fields. */
static FieldsRead
read_fields(BodyContext *ctx, BodyLine *out, guint *n_expected)
{
  guint n = ctx->n_fields;
  memset(out, 0, sizeof *out);
  g_string_truncate(ctx->name, 0);

  gboolean layout_2 = is_layout_2(ctx, n);
  guint fixed = layout_2 ? N_FIELDS_2 - 2 : N_FIELDS_3 - 2; /* the fields after the name */
  guint mode_after = layout_2 ? 3 : 1; /* from the first field after the name to the mode */
  *n_expected = layout_2 ? N_FIELDS_2 : N_FIELDS_3;
  if (n < *n_expected)
    return FIELDS_TOO_FEW;
  /* fls writes a `|` in a name as it is: the fields after the name have a fixed shape, so the
   * fields between the MD5 and them are the name. A line that ends in a `|` has an empty field
   * past the last one, which mactime's split drops: when the fields read from the end have no
   * inode and mode where they should, and do without that empty field, it is dropped. Any other
   * surplus that does not fit is refused, rather than joined to the name with the inode, the
   * mode and the times each read from its neighbour's place. */
  if (n > *n_expected && !has_inode_and_mode(ctx, n - 1 - fixed, mode_after)) {
    if (field(ctx, n - 1)[0] == '\0' && has_inode_and_mode(ctx, n - 2 - fixed, mode_after))
      n--;
    else
      return FIELDS_MISSHAPEN;
  }
  guint last_name = n - 1 - fixed;
  build_name(ctx, last_name);
  guint f = last_name + 1;
  out->md5 = field(ctx, 0);
  if (layout_2) {
    /* f is the device */
    out->inode = field(ctx, f + 1);
    out->mode = field(ctx, f + 3);
    out->uid = field(ctx, f + 5);
    out->gid = field(ctx, f + 6);
    out->size = field(ctx, f + 8);
    out->times[1] = field(ctx, f + 9);  /* atime */
    out->times[0] = field(ctx, f + 10); /* mtime */
    out->times[2] = field(ctx, f + 11); /* ctime */
    return FIELDS_OK;
  }
  out->inode = field(ctx, f);
  out->mode = field(ctx, f + 1);
  out->uid = field(ctx, f + 2);
  out->gid = field(ctx, f + 3);
  out->size = field(ctx, f + 4);
  out->times[1] = field(ctx, f + 5); /* atime */
  out->times[0] = field(ctx, f + 6); /* mtime */
  out->times[2] = field(ctx, f + 7); /* ctime */
  out->times[3] = field(ctx, f + 8); /* crtime */
  return FIELDS_OK;
}

/* TSK writes `0` when it did not hash, and 32 zeros when hashing found nothing to hash. */
static gboolean
is_real_md5(const char *md5)
{
  if (!*md5 || strcmp(md5, "0") == 0)
    return FALSE;
  return strspn(md5, "0") != strlen(md5);
}

/* Writes @value in decimal at @out, returning the end: the native id of every event is built
 * with it, and g_string_printf (vfprintf) was 6% of a body file run's instructions. */
static char *
put_decimal(char *out, gint64 value)
{
  char digits[24];
  char *p = digits + sizeof digits;
  guint64 v = value < 0 ? (guint64)(-(value + 1)) + 1 : (guint64)value;
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (value < 0)
    *--p = '-';
  gsize n = (gsize)(digits + sizeof digits - p);
  memcpy(out, p, n);
  return out + n;
}

static gboolean
emit_events(BodyContext *ctx, const BodyLine *body, const gint64 *usec, const gboolean *known,
            guint line, GError **error)
{
  /* One event for each distinct time, with the letters of every time equal to it. */
  gint64 times[4];
  char letters[4][5];
  guint n_events = 0;
  gboolean done[4] = {FALSE, FALSE, FALSE, FALSE};
  for (guint i = 0; i < 4; i++) {
    if (!known[i] || done[i])
      continue;
    memcpy(letters[n_events], "....", 5);
    for (guint j = i; j < 4; j++)
      if (known[j] && usec[j] == usec[i]) {
        letters[n_events][j] = macb_letters[j];
        done[j] = TRUE;
      }
    times[n_events++] = usec[i];
  }
  const gsize inode_length = strlen(body->inode);
  TwEventBuilder *b = NULL;

  for (guint e = 0; e < n_events; e++) {
    const char *macb = letters[e];
    /* The events of a line differ only in their date, letters and native id: the first sets
     * the rest, and the others keep it (tw_sink_commit_keep()). */
    if (e == 0) {
      b = tw_sink_begin(ctx->sink, ctx->file, line);
      if (ctx->zone)
        tw_event_builder_set_zone(b, ctx->zone);
      tw_event_builder_set_title_len(b, ctx->name->str, (gssize)ctx->name->len);
      tw_event_builder_set_attribute_len(b, "path", ctx->name->str, (gssize)ctx->name->len);
      if (*body->inode)
        tw_event_builder_set_attribute(b, "inode", body->inode);
      if (*body->mode)
        tw_event_builder_set_attribute(b, "mode", body->mode);
      if (*body->uid)
        tw_event_builder_set_attribute(b, "uid", body->uid);
      if (*body->gid)
        tw_event_builder_set_attribute(b, "gid", body->gid);
      if (*body->size)
        tw_event_builder_set_attribute(b, "size", body->size);
      if (is_real_md5(body->md5))
        tw_event_builder_set_attribute(b, "md5", body->md5);
    }
    TwDate date;
    tw_date_from_unix_usec(times[e], &date);
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_kind(b, macb);
    /* The same file, inode and time with the same letters is the same event: an exact repeat
     * of a line (two body files concatenated) merges. INODE|USEC|MACB|NAME, written in place:
     * four appends to a GString for each event cost more than the rest of its fields. */
    g_string_set_size(ctx->native_id, inode_length + 24 + 4 + 3 + ctx->name->len);
    char *o = ctx->native_id->str;
    memcpy(o, body->inode, inode_length);
    o += inode_length;
    *o++ = '|';
    o = put_decimal(o, times[e]);
    *o++ = '|';
    memcpy(o, macb, 4);
    o += 4;
    *o++ = '|';
    memcpy(o, ctx->name->str, ctx->name->len);
    o += ctx->name->len;
    g_string_truncate(ctx->native_id, (gsize)(o - ctx->native_id->str));
    tw_event_builder_set_native_id(b, ctx->native_id->str);

    g_autoptr(GError) problem = NULL;
    gboolean stored = e + 1 < n_events ? tw_sink_commit_keep(ctx->sink, &problem)
                                       : tw_sink_commit(ctx->sink, &problem);
    if (!stored && !tw_sink_warn_error(ctx->sink, problem, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
is_blank(const char *text)
{
  for (const char *p = text; *p; p++)
    if (!g_ascii_isspace(*p))
      return FALSE;
  return TRUE;
}

static gboolean
read_line(BodyContext *ctx, char *text, gsize length, guint line, GError **error)
{
  if (line == 1 && length >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    length -= 3;
  }
  if (text[0] == '#' || is_blank(text))
    return TRUE;
  if (memchr(text, '\0', length))
    return tw_sink_warn(ctx->sink, ctx->file, line, error,
                        "a NUL byte in the line (not a body file?)");

  split_fields(ctx, text, length);
  guint n = ctx->n_fields;
  /* A header row some tools write (mactime skips it too: its inode is no number). */
  if (n >= 2 && g_ascii_strcasecmp(field(ctx, 0), "MD5") == 0 &&
      g_ascii_strcasecmp(field(ctx, 1), "name") == 0)
    return TRUE;

  BodyLine body;
  guint expected;
  FieldsRead fields = read_fields(ctx, &body, &expected);
  if (fields == FIELDS_MISSHAPEN)
    return tw_sink_warn(ctx->sink, ctx->file, line, error,
                        "%u fields, a TSK %s body line has %u, and the fields after the name are "
                        "not %s (a field too many?)",
                        n, expected == N_FIELDS_3 ? "3.x" : "2.x", expected,
                        expected == N_FIELDS_3 ? "inode|mode|..."
                                               : "device|inode|mode_as_value|mode|...");
  if (fields == FIELDS_TOO_FEW)
    return tw_sink_warn(
        ctx->sink, ctx->file, line, error, "%u field%s, a TSK %s body line has %u (%s)", n,
        n == 1 ? "" : "s", expected == N_FIELDS_3 ? "3.x" : "2.x", expected,
        expected == N_FIELDS_3 ? "MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime"
                               : "MD5|name|device|inode|mode_as_value|mode|links|UID|GID|rdev|"
                                 "size|atime|mtime|ctime|block_size|blocks");

  if (*body.uid && !is_digits(body.uid))
    return tw_sink_warn(ctx->sink, ctx->file, line, error, "UID '%s' is not a number", body.uid);
  if (*body.gid && !is_digits(body.gid))
    return tw_sink_warn(ctx->sink, ctx->file, line, error, "GID '%s' is not a number", body.gid);
  if (*body.size && !is_digits(body.size))
    return tw_sink_warn(ctx->sink, ctx->file, line, error, "size '%s' is not a number", body.size);

  gint64 usec[4] = {0, 0, 0, 0};
  gboolean known[4] = {FALSE, FALSE, FALSE, FALSE};
  gboolean any = FALSE;
  for (guint i = 0; i < 4; i++) {
    if (!body.times[i])
      continue;
    if (!parse_time(body.times[i], &usec[i], &known[i]))
      return tw_sink_warn(ctx->sink, ctx->file, line, error,
                          "%s '%s' is not a time in Unix seconds (or out of range)", time_names[i],
                          body.times[i]);
    any |= known[i];
  }
  if (!any)
    return TRUE; /* no known time: nothing happened that a timeline could show */
  if (ctx->name->len == 0)
    return tw_sink_warn(ctx->sink, ctx->file, line, error, "the name is empty");
  return emit_events(ctx, &body, usec, known, line, error);
}

/* Reads the lines of @reader: the whole file, or one chunk of it (bodyfile_read_lines). */
static gboolean
read_lines(TwSource *source, TwSink *sink, TwReader *reader, GError **error)
{
  const TwOptions *options = tw_source_get_options(source);
  const char *layout = tw_options_get_string(options, "layout");
  BodyContext ctx = {
      .sink = sink,
      .file = tw_reader_get_name(reader),
      .layout = g_strcmp0(layout, "3") == 0   ? LAYOUT_3
                : g_strcmp0(layout, "2") == 0 ? LAYOUT_2
                                              : LAYOUT_AUTO,
      .unescape = tw_options_get_bool(options, "unescape"),
      .zone = tw_options_get_string(options, "timezone"),
      .name = g_string_new(NULL),
      .line = g_string_new(NULL),
      .native_id = g_string_new(NULL),
  };

  gboolean ok = TRUE;
  const char *text;
  gsize length;
  GError *read_error = NULL;
  while (ok && (text = tw_reader_read_line(reader, &length, &read_error))) {
    g_string_overwrite_len(ctx.line, 0, text, (gssize)length);
    g_string_truncate(ctx.line, length);
    ok = read_line(&ctx, ctx.line->str, length, tw_reader_get_line_number(reader), error);
  }
  if (ok && read_error) {
    g_propagate_error(error, g_steal_pointer(&read_error));
    ok = FALSE;
  }
  g_clear_error(&read_error);
  g_string_free(ctx.name, TRUE);
  g_string_free(ctx.line, TRUE);
  g_string_free(ctx.native_id, TRUE);
  g_free(ctx.fields);
  return ok;
}

static gboolean
bodyfile_read(TwSource *source, TwSink *sink, GError **error)
{
  g_autoptr(TwReader) reader = tw_source_open(source, error);
  if (!reader)
    return FALSE;
  return read_lines(source, sink, reader, error);
}

/* Every line stands alone: a large body file is read in chunks on several threads. */
static gboolean
bodyfile_read_lines(TwSource *source, TwSink *sink, TwReader *chunk, GError **error)
{
  return read_lines(source, sink, chunk, error);
}

static const TwOptionSpec bodyfile_options[] = {
    {"timezone",
     TW_OPTION_ZONE,
     NULL,
     "mactime's -z: the zone the examiner reads the times in. Body file times are Unix seconds, "
     "so it changes no instant: it is recorded as each event's zone (show the times in it with "
     "--output-zone).",
     NULL,
     {NULL}},
    {"layout",
     TW_OPTION_CHOICE,
     "auto",
     "3: TSK 3.x and later, MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime. 2: TSK "
     "1.x/2.x, 16 fields without a creation time. auto reads a line of 16 fields whose fifth "
     "is a number and sixth a mode string as 2.x, every other line as 3.x.",
     "auto|3|2",
     {NULL}},
    {"unescape",
     TW_OPTION_BOOL,
     "true",
     "Decode %XX in names as mactime does (%7C is a |, %25 a %), except where that would make "
     "invalid UTF-8: TSK's fls writes names as they are (only control characters become ^), "
     "and a real name such as per%cent is kept. false keeps every name as written.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

static const TwSourceInfo bodyfile_source = {
    .name = "bodyfile",
    .summary = "The Sleuth Kit's body file (fls -m, ils -m) as MACB events, as mactime reads it",
    .description =
        "Reads a TSK 3.x body file (MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime, "
        "Unix seconds, 0 unknown) and gives one event per distinct known time of each line, as "
        "mactime prints its rows: the kind is mactime's macb column (m.c. when the "
        "modification and change times are that instant, ...b for the creation time), the title "
        "and the path attribute are the name, and inode, mode, uid, gid, size and md5 (when "
        "hashed) are attributes. The times are exact UTC instants. # lines, blank lines, a "
        "header row and lines without any known time are skipped as mactime skips them; a line "
        "that cannot be read is skipped with a warning naming its line (fatal under --strict). "
        "--from and --to select the events as mactime's date range does. Also reads the TSK 2.x "
        "layout.",
    .options = bodyfile_options,
    .read = bodyfile_read,
    .read_lines = bodyfile_read_lines,
};

static const TwSourceInfo *const bodyfile_sources[] = {&bodyfile_source, NULL};

TW_PLUGIN_DEFINE("bodyfile", TW_VERSION, "Reads The Sleuth Kit's body files", NULL,
                 bodyfile_sources, NULL, NULL)
