/* timeweave: the log source. Reads text logs line by line into events: syslog (RFC 3164 and
 * RFC 5424, and the RFC 3339 times rsyslog writes), lines that begin with an ISO 8601 time,
 * Apache and nginx access logs (combined and common), `journalctl -o json` output, and any
 * line format described by a regular expression with named groups.
 *
 * The format is the option's, else the one that most of the first lines match. Lines are
 * streamed from the TwReader (which reads gzip by its magic bytes); a record is held only until
 * the next one begins, because the lines after it may belong to it: an indented line (a stack
 * trace) always does, and in the iso and regex formats so does any line that is not a record of
 * its own (a Java exception's first line).
 *
 * RFC 3164 times have no year. The `year` option gives the first record's; else the file's
 * modification time gives the last record's: the file is read once for the months alone, and
 * each fall of the month (December, then January) is a new year. Naive times are read in the
 * `timezone` option's zone (else they are floating); in the hour that a zone's clocks go back,
 * a time that would run backwards is read as the second occurrence.
 */
#include "json-guard.h"
#include "time-pattern.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* A record's message is not allowed to grow beyond this by continuation lines. */
#define MAX_MESSAGE ((gsize)16 << 20)
/* Lines looked at to recognise the format, and the most bytes held for it. */
#define SAMPLE_LINES 20
#define SAMPLE_BYTES ((gsize)4 << 20)

typedef enum {
  FORMAT_AUTO = 0,
  FORMAT_RFC3164,
  FORMAT_RFC5424,
  FORMAT_JOURNAL,
  FORMAT_COMBINED,
  FORMAT_ISO,
  FORMAT_REGEX,
  FORMAT_N,
} LogFormat;

/* In the order detection prefers them when lines match several. */
static const char *const format_names[] = {"auto",     "rfc3164", "rfc5424", "journal",
                                           "combined", "iso",     "regex"};
static const char *const default_kinds[] = {NULL,           "syslog", "syslog", "syslog",
                                            "http-request", "log",    "log"};

static const char *const facility_names[] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
static const char *const severity_names[] = {"emerg",   "alert",  "crit", "err",
                                             "warning", "notice", "info", "debug"};
static const char *const month_abbrevs[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* The record being read: held until the next one begins, since the lines after it may be its
 * own. */
typedef struct {
  gboolean active;
  guint line;
  TwDate date;
  gboolean in_zone; /* read in the timezone option's zone */
  GString *message;
  GString *title; /* when the title is not the message's first line (access logs) */
  GPtrArray *actors;
  GPtrArray *attributes; /* key, value, key, value... */
  GString *native_id;
  gboolean truncated;
} Record;

typedef struct {
  char *text;
  gsize length;
  guint number;
} HeldLine;

typedef struct {
  TwSource *source;
  TwSink *sink;
  const char *file;
  TwReader *reader;
  GQueue held; /* HeldLine: lines read to recognise the format, to be read again */
  HeldLine *current_held;
  GError *read_error; /* the input failed after the held lines: returned once they are read */
  guint line;         /* the number of the line last returned */
  GString *cleaned;   /* a line whose NUL bytes were replaced (see next_line()) */

  LogFormat format;
  const char *kind;
  GTimeZone *naive_zone;
  const char *naive_zone_name;
  TwTimeFormat time_format; /* the regex's time group */
  GRegex *regex;            /* the format's line regex */
  GRegex *tag_regex;        /* RFC 3164: app[pid]: after the host */
  GPtrArray *group_names;   /* FORMAT_REGEX: the named groups */
  JsonParser *json;

  /* RFC 3164 years. */
  gboolean scanning; /* the first pass: months only */
  gboolean have_year;
  int year;
  int previous_month;
  guint rollovers;
  int last_month;
  guint first_yearless_line;

  gboolean year_missing;

  gint64 previous_instant;
  gboolean has_previous;
  Record records[2];
  Record *pending;   /* the record read last, emitted when the next one begins */
  Record *parsing;   /* where a line is parsed into */
  gboolean skipping; /* the last record line was broken: its continuation lines go too */
} LogContext;

static gboolean fail(LogContext *ctx, guint line, GError **error, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean
fail(LogContext *ctx, guint line, GError **error, const char *format, ...)
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

/* ------------------------------------------------------------------ lines */

static void
held_line_free(gpointer data)
{
  HeldLine *held = data;
  g_free(held->text);
  g_free(held);
}

/* The reader's next line, without the UTF-8 byte order mark that Windows tools write at the
 * start of a file (it would hide the first line's format, and with it the whole file's). */
static const char *
read_line(LogContext *ctx, gsize *length, GError **error)
{
  const char *text = tw_reader_read_line(ctx->reader, length, error);
  if (text && tw_reader_get_line_number(ctx->reader) == 1 && *length >= 3 &&
      memcmp(text, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    *length -= 3;
  }
  return text;
}

/* The next physical line: a held one first, then the reader's. Valid until the next call. A NUL
 * byte becomes U+FFFD, as the sink makes other bytes that are not text: the line is parsed as
 * NUL-terminated text, so a NUL would silently end the message (and every field) there. */
static const char *
next_line(LogContext *ctx, gsize *length, GError **error)
{
  const char *text;
  g_clear_pointer(&ctx->current_held, held_line_free);
  HeldLine *held = g_queue_pop_head(&ctx->held);
  if (held) {
    ctx->current_held = held;
    ctx->line = held->number;
    *length = held->length;
    text = held->text;
  } else if (ctx->read_error) {
    g_propagate_error(error, g_steal_pointer(&ctx->read_error));
    return NULL;
  } else {
    text = read_line(ctx, length, error);
    if (!text)
      return NULL;
    ctx->line = tw_reader_get_line_number(ctx->reader);
  }
  if (G_LIKELY(memchr(text, '\0', *length) == NULL))
    return text;
  g_string_truncate(ctx->cleaned, 0);
  for (gsize i = 0; i < *length; i++) {
    if (text[i] == '\0')
      g_string_append(ctx->cleaned, "\xef\xbf\xbd");
    else
      g_string_append_c(ctx->cleaned, text[i]);
  }
  *length = ctx->cleaned->len;
  return ctx->cleaned->str;
}

static gboolean
is_blank(const char *text, gsize length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace(text[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_indented(const char *text)
{
  return text[0] == ' ' || text[0] == '\t';
}

/* ------------------------------------------------------------------ records */

static void
record_add_attribute(Record *record, const char *key, const char *value, gssize length)
{
  g_ptr_array_add(record->attributes, g_strdup(key));
  g_ptr_array_add(record->attributes,
                  length < 0 ? g_strdup(value) : g_strndup(value, (gsize)length));
}

static void
record_add_actor(Record *record, const char *actor, gssize length)
{
  if (length < 0)
    length = (gssize)strlen(actor);
  if (length == 0 || (length == 1 && actor[0] == '-'))
    return;
  g_ptr_array_add(record->actors, g_strndup(actor, (gsize)length));
}

static void
record_reset(Record *record, guint line)
{
  record->active = TRUE;
  record->line = line;
  record->in_zone = FALSE;
  record->truncated = FALSE;
  g_string_truncate(record->message, 0);
  g_string_truncate(record->title, 0);
  g_string_truncate(record->native_id, 0);
  g_ptr_array_set_size(record->actors, 0);
  g_ptr_array_set_size(record->attributes, 0);
}

static void
add_priority(Record *record, int priority)
{
  int facility = priority / 8, severity = priority % 8;
  if (facility < (int)G_N_ELEMENTS(facility_names))
    record_add_attribute(record, "facility", facility_names[facility], -1);
  record_add_attribute(record, "severity", severity_names[severity], -1);
}

/* The later of two readings of a naive time in the hour that clocks go back, when the earlier
 * one would run backwards from the record before it. */
static void
prefer_forward(LogContext *ctx, TwDate *date)
{
  if (!ctx->has_previous || date->start >= ctx->previous_instant || !date->has_offset)
    return;
  gint64 usec = date->start % TW_USEC_PER_SEC;
  if (usec < 0)
    usec += TW_USEC_PER_SEC;
  gint64 utc_seconds = (date->start - usec) / TW_USEC_PER_SEC;
  gint64 local = utc_seconds + date->utc_offset;
  int interval = g_time_zone_find_interval(ctx->naive_zone, G_TIME_TYPE_STANDARD, local);
  if (interval < 0)
    return;
  gint32 offset = g_time_zone_get_offset(ctx->naive_zone, interval);
  if (offset == date->utc_offset)
    return;
  gint64 candidate = local - offset;
  /* Only when that reading really exists: the zone is at that offset at that instant. */
  int at = g_time_zone_find_interval(ctx->naive_zone, G_TIME_TYPE_UNIVERSAL, candidate);
  if (at < 0 || g_time_zone_get_offset(ctx->naive_zone, at) != offset)
    return;
  gint64 shift = (candidate - utc_seconds) * TW_USEC_PER_SEC;
  if (date->start + shift < ctx->previous_instant)
    return;
  date->start += shift;
  if (date->precision != TW_PRECISION_EXACT)
    date->end += shift;
  else
    date->end = date->start;
  date->utc_offset = offset;
}

static gboolean
emit(LogContext *ctx, GError **error)
{
  Record *r = ctx->pending;

  if (!r->active)
    return TRUE;
  r->active = FALSE;

  /* Trailing white space and line breaks of the message are not part of it. */
  while (r->message->len > 0 && g_ascii_isspace(r->message->str[r->message->len - 1]))
    g_string_truncate(r->message, r->message->len - 1);
  const char *title = r->title->len ? r->title->str : r->message->str;
  while (g_ascii_isspace(*title) && *title != '\n')
    title++;
  if (!*title || *title == '\n')
    return tw_sink_warn(ctx->sink, ctx->file, r->line, error, "the message is empty");

  if (r->in_zone)
    prefer_forward(ctx, &r->date);
  ctx->previous_instant = r->date.start;
  ctx->has_previous = TRUE;

  TwEventBuilder *b = tw_sink_begin(ctx->sink, ctx->file, r->line);
  if (r->in_zone) {
    tw_event_builder_set_zone(b, ctx->naive_zone_name);
  } else if (!r->date.floating && r->date.has_offset && r->date.utc_offset != 0) {
    char offset[TW_OFFSET_SIZE];
    _tw_format_offset(r->date.utc_offset, offset);
    tw_event_builder_set_zone(b, offset);
  }
  TwDate date = r->date;
  date.has_offset = FALSE;
  date.utc_offset = 0;
  tw_event_builder_set_date(b, &date);
  const char *nl = strchr(title, '\n');
  tw_event_builder_set_title_len(b, title, nl ? nl - title : -1);
  if (strchr(r->message->str, '\n'))
    tw_event_builder_set_description(b, r->message->str);
  if (ctx->kind)
    tw_event_builder_set_kind(b, ctx->kind);
  for (guint i = 0; i < r->actors->len; i++)
    tw_event_builder_add_actor(b, g_ptr_array_index(r->actors, i));
  for (guint i = 0; i + 1 < r->attributes->len; i += 2)
    tw_event_builder_set_attribute(b, g_ptr_array_index(r->attributes, i),
                                   g_ptr_array_index(r->attributes, i + 1));
  /* A native id: the journal's cursor, else the record's line, so that two alike lines in one
   * second (a retry, a repeated message) stay two events. */
  if (r->native_id->len == 0)
    g_string_printf(r->native_id, "%u", r->line);
  tw_event_builder_set_native_id(b, r->native_id->str);

  g_autoptr(GError) invalid = NULL;
  if (!tw_sink_commit(ctx->sink, &invalid))
    return tw_sink_warn_error(ctx->sink, invalid, error);
  if (r->truncated)
    return tw_sink_warn(ctx->sink, ctx->file, r->line, error,
                        "the record's lines run past %u MiB: the rest were dropped",
                        (guint)(MAX_MESSAGE >> 20));
  return TRUE;
}

/* ------------------------------------------------------------------ times */

typedef enum {
  PARSE_RECORD,   /* a new record, in ctx->record */
  PARSE_NOT_MINE, /* the line is no record of this format */
  PARSE_BROKEN,   /* a record of this format that cannot be read: *problem says why */
  PARSE_SCANNED,  /* the first pass: the month was noted */
} ParseResult;

/* The year of a time that has none (syslog's `Feb 13 10:30:00`), from the month sequence. */
static gboolean
yearless_year(LogContext *ctx, int month, int *year, char **problem)
{
  if (ctx->previous_month && month < ctx->previous_month) {
    ctx->year++;
    ctx->rollovers++;
  }
  ctx->previous_month = month;
  ctx->last_month = month;
  if (!ctx->first_yearless_line)
    ctx->first_yearless_line = ctx->line;
  if (!ctx->have_year && !ctx->scanning) {
    ctx->year_missing = TRUE;
    *problem = g_strdup("the time has no year and standard input has no modification time: give "
                        "the year option");
    return FALSE;
  }
  *year = ctx->year;
  return TRUE;
}

/* A time's fields into ctx->parsing->date; NULL, or the problem. */
static ParseResult
civil_time(LogContext *ctx, TwCivilTime *civil, const char *text, char **problem)
{
  if (!civil->is_unix && civil->year == 0) {
    if (ctx->scanning) {
      int ignored;
      yearless_year(ctx, civil->month, &ignored, problem);
      return PARSE_SCANNED;
    }
    if (!yearless_year(ctx, civil->month, &civil->year, problem))
      return PARSE_BROKEN;
  }
  if (ctx->scanning)
    return PARSE_SCANNED;
  char *inner = NULL;
  if (!_tw_civil_to_date(civil, ctx->naive_zone, &ctx->parsing->date, &ctx->parsing->in_zone,
                         &inner)) {
    *problem = g_strdup_printf("bad time '%s': %s", text, inner);
    g_free(inner);
    return PARSE_BROKEN;
  }
  return PARSE_RECORD;
}

/* An RFC 3339 / ISO 8601 time with a year, through tw_date_parse(). */
static ParseResult
iso_time(LogContext *ctx, const char *text, char **problem)
{
  static const TwTimeFormat iso = {TW_TIME_KIND_ISO, NULL, TRUE, TW_PRECISION_EXACT};
  char *inner = NULL;

  if (ctx->scanning)
    return PARSE_SCANNED;
  if (!_tw_time_parse(&iso, text, ctx->naive_zone, &ctx->parsing->date, &ctx->parsing->in_zone,
                      &inner)) {
    *problem = g_strdup_printf("bad time: %s", inner);
    g_free(inner);
    return PARSE_BROKEN;
  }
  return PARSE_RECORD;
}

/* ------------------------------------------------------------------ the formats */

static const char rfc3164_pattern[] =
    "^(?:<(?<pri>\\d{1,3})>)?"
    "(?:(?<bsd>(?<mon>[A-Z][a-z]{2}) +(?<day>\\d{1,2}) "
    "(?<clock>\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,9})?))"
    "|(?<iso>\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,9})?(?:Z|[+-]\\d\\d:?\\d\\d)))"
    " +(?<host>\\S+)(?: +(?<rest>.*))?$";
static const char tag_pattern[] =
    "^(?<app>[^\\s\\[\\]:]+)(?:\\[(?<pid>[^\\]]*)\\])?:(?: (?<msg>.*)|$)";
static const char rfc5424_head[] = "^<(?<pri>\\d{1,3})>(?<version>[1-9]\\d?) ";
static const char combined_pattern[] =
    "^(?<client>\\S+) (?<ident>\\S+) (?<user>\\S+) \\[(?<time>[^\\]]+)\\] "
    "\"(?<request>(?:[^\"\\\\]|\\\\.)*)\" (?<status>\\d{3}|-) (?<bytes>\\d+|-)"
    "(?: \"(?<referer>(?:[^\"\\\\]|\\\\.)*)\" \"(?<agent>(?:[^\"\\\\]|\\\\.)*)\")?(?<extra>.*)$";
static const char iso_pattern[] =
    "^\\[?(?<time>\\d{4}-\\d\\d-\\d\\d(?:[T ]\\d\\d:\\d\\d(?::\\d\\d(?:[.,]\\d+)?)?"
    "(?: ?(?:Z|[+-]\\d\\d(?::?\\d\\d)?|UTC))?)?)\\]?(?:\\s+|$)"
    "(?:\\[?(?<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRITICAL|CRIT|FATAL|ALERT|"
    "EMERG|EMERGENCY)\\]?:?(?:\\s+|$))?(?<rest>.*)$";

/* The text of a named group; NULL when it did not take part or is empty. */
static char *
group(GMatchInfo *match, const char *name)
{
  char *text = g_match_info_fetch_named(match, name);
  if (text && !*text)
    g_clear_pointer(&text, g_free);
  return text;
}

static int
month_from_abbrev(const char *text)
{
  for (guint i = 0; i < G_N_ELEMENTS(month_abbrevs); i++)
    if (strncmp(text, month_abbrevs[i], 3) == 0)
      return (int)i + 1;
  return 0;
}

/* `app[pid]: message` after a syslog header, or a bare message. */
static void
add_tag_and_message(LogContext *ctx, const char *rest)
{
  Record *r = ctx->parsing;
  g_autoptr(GMatchInfo) tag = NULL;

  if (rest && g_regex_match(ctx->tag_regex, rest, 0, &tag)) {
    g_autofree char *app = group(tag, "app");
    g_autofree char *pid = group(tag, "pid");
    g_autofree char *msg = group(tag, "msg");
    record_add_actor(r, app, -1);
    if (pid)
      record_add_attribute(r, "pid", pid, -1);
    g_string_append(r->message, msg ? msg : "");
  } else {
    g_string_append(r->message, rest ? rest : "");
  }
}

static ParseResult
parse_rfc3164(LogContext *ctx, const char *line, char **problem)
{
  g_autoptr(GMatchInfo) match = NULL;
  Record *r = ctx->parsing;

  if (!g_regex_match(ctx->regex, line, 0, &match))
    return PARSE_NOT_MINE;
  g_autofree char *pri = group(match, "pri");
  g_autofree char *bsd = group(match, "bsd");
  ParseResult result;
  if (pri && atoi(pri) > 191) {
    *problem = g_strdup_printf("the priority <%s> is out of range (0-191)", pri);
    return PARSE_BROKEN;
  }
  if (bsd) {
    g_autofree char *mon = group(match, "mon");
    g_autofree char *day = group(match, "day");
    g_autofree char *clock = group(match, "clock");
    TwCivilTime civil = {0};
    civil.month = month_from_abbrev(mon);
    if (!civil.month) {
      *problem = g_strdup_printf("bad time '%s': '%s' is no month", bsd, mon);
      return PARSE_BROKEN;
    }
    civil.day = atoi(day);
    civil.hour = atoi(clock);
    civil.minute = atoi(clock + 3);
    civil.second = atoi(clock + 6);
    if (clock[8] == '.') {
      int n = 0;
      for (const char *p = clock + 9; *p && n < 6; p++, n++)
        civil.usec = civil.usec * 10 + (*p - '0');
      for (; n < 6; n++)
        civil.usec *= 10;
    }
    civil.precision = TW_PRECISION_EXACT;
    result = civil_time(ctx, &civil, bsd, problem);
  } else {
    g_autofree char *iso = group(match, "iso");
    result = iso_time(ctx, iso, problem);
  }
  if (result != PARSE_RECORD)
    return result;
  g_autofree char *host = group(match, "host");
  g_autofree char *rest = group(match, "rest");
  record_add_actor(r, host, -1);
  add_tag_and_message(ctx, rest);
  if (pri)
    add_priority(r, atoi(pri));
  return PARSE_RECORD;
}

/* A space-separated RFC 5424 header field; NULL at the end of the line. */
static char *
next_token(const char **p)
{
  const char *s = *p, *e = strchr(s, ' ');
  if (!*s)
    return NULL;
  if (!e)
    e = s + strlen(s);
  *p = *e ? e + 1 : e;
  return g_strndup(s, (gsize)(e - s));
}

/* RFC 5424's STRUCTURED-DATA: `[id name="value" ...]...` into attributes `id.name`. */
static gboolean
parse_structured_data(Record *r, const char **p, char **problem)
{
  const char *s = *p;

  if (*s == '-') {
    *p = s + 1;
    return TRUE;
  }
  if (*s != '[') {
    *problem = g_strdup("the structured data is neither - nor [...]");
    return FALSE;
  }
  while (*s == '[') {
    const char *id = ++s;
    while (*s && *s != ' ' && *s != ']')
      s++;
    g_autofree char *sd_id = g_strndup(id, (gsize)(s - id));
    if (!*sd_id) {
      *problem = g_strdup("a structured data element has no id");
      return FALSE;
    }
    while (*s == ' ') {
      const char *name = ++s;
      while (*s && *s != '=' && *s != ' ' && *s != ']')
        s++;
      if (*s != '=' || s[1] != '"') {
        *problem =
            g_strdup_printf("structured data [%s]: a parameter is not name=\"value\"", sd_id);
        return FALSE;
      }
      g_autofree char *key = g_strdup_printf("%s.%.*s", sd_id, (int)(s - name), name);
      s += 2;
      GString *value = g_string_new(NULL);
      while (*s && *s != '"') {
        if (*s == '\\' && (s[1] == '"' || s[1] == '\\' || s[1] == ']'))
          s++;
        g_string_append_c(value, *s++);
      }
      if (*s != '"') {
        g_string_free(value, TRUE);
        *problem = g_strdup_printf("structured data [%s]: a value is never closed", sd_id);
        return FALSE;
      }
      s++;
      record_add_attribute(r, key, value->str, (gssize)value->len);
      g_string_free(value, TRUE);
    }
    if (*s != ']') {
      *problem = g_strdup_printf("structured data [%s] is never closed", sd_id);
      return FALSE;
    }
    s++;
  }
  *p = s;
  return TRUE;
}

static ParseResult
parse_rfc5424(LogContext *ctx, const char *line, char **problem)
{
  g_autoptr(GMatchInfo) match = NULL;
  Record *r = ctx->parsing;

  if (!g_regex_match(ctx->regex, line, 0, &match))
    return PARSE_NOT_MINE;
  int end;
  g_match_info_fetch_pos(match, 0, NULL, &end);
  g_autofree char *pri = group(match, "pri");
  if (atoi(pri) > 191) {
    *problem = g_strdup_printf("the priority <%s> is out of range (0-191)", pri);
    return PARSE_BROKEN;
  }
  const char *p = line + end;
  g_autofree char *timestamp = next_token(&p);
  g_autofree char *host = next_token(&p);
  g_autofree char *app = next_token(&p);
  g_autofree char *procid = next_token(&p);
  g_autofree char *msgid = next_token(&p);
  if (!msgid || !*p) {
    *problem = g_strdup("not an RFC 5424 line: the header ends before the structured data");
    return PARSE_BROKEN;
  }
  if (strcmp(timestamp, "-") == 0) {
    *problem = g_strdup("no time (the RFC 5424 NILVALUE -)");
    return PARSE_BROKEN;
  }
  ParseResult result = iso_time(ctx, timestamp, problem);
  if (result != PARSE_RECORD)
    return result;
  record_add_actor(r, host, -1);
  record_add_actor(r, app, -1);
  if (strcmp(procid, "-") != 0)
    record_add_attribute(r, "pid", procid, -1);
  add_priority(r, atoi(pri));
  if (strcmp(msgid, "-") != 0)
    record_add_attribute(r, "msgid", msgid, -1);
  const char *data = p;
  if (!parse_structured_data(r, &p, problem))
    return PARSE_BROKEN;
  gsize data_length = (gsize)(p - data);
  if (*p == ' ')
    p++;
  else if (*p) {
    *problem = g_strdup("no space after the structured data");
    return PARSE_BROKEN;
  }
  if (g_str_has_prefix(p, "\xef\xbb\xbf"))
    p += 3; /* the BOM that marks a UTF-8 MSG */
  g_string_append(r->message, p);
  /* MSG is optional (RFC 5424 6.4; its own example 4 has structured data alone): such a record
   * is titled by what it has, its structured data as written, else its MSGID, else its APP-NAME
   * (the record is an event all the same; only a record with none of them says nothing). */
  const char *rest = p;
  while (g_ascii_isspace(*rest))
    rest++;
  if (!*rest) {
    if (data_length > 0 && !(data_length == 1 && *data == '-'))
      g_string_append_len(r->title, data, (gssize)data_length);
    else if (strcmp(msgid, "-") != 0)
      g_string_append(r->title, msgid);
    else if (strcmp(app, "-") != 0)
      g_string_append(r->title, app);
  }
  return PARSE_RECORD;
}

static ParseResult
parse_iso(LogContext *ctx, const char *line, char **problem)
{
  g_autoptr(GMatchInfo) match = NULL;
  Record *r = ctx->parsing;

  if (!g_regex_match(ctx->regex, line, 0, &match))
    return PARSE_NOT_MINE;
  g_autofree char *time = group(match, "time");
  ParseResult result = iso_time(ctx, time, problem);
  if (result != PARSE_RECORD)
    return result;
  g_autofree char *level = group(match, "level");
  g_autofree char *rest = group(match, "rest");
  if (level)
    record_add_attribute(r, "level", level, -1);
  g_string_append(r->message, rest ? rest : "");
  return PARSE_RECORD;
}

/* Apache writes `"` and `\` in quoted fields as \" and \\ (and other bytes as \xhh, kept). */
static char *
unescape_quoted(const char *text)
{
  GString *out = g_string_new(NULL);
  for (const char *p = text; *p; p++) {
    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
      p++;
    g_string_append_c(out, *p);
  }
  return g_string_free(out, FALSE);
}

static ParseResult
parse_combined(LogContext *ctx, const char *line, char **problem)
{
  static TwTimeFormat apache_time = {TW_TIME_KIND_PATTERN, (char *)"%d/%b/%Y:%H:%M:%S %z", TRUE,
                                     TW_PRECISION_EXACT};
  g_autoptr(GMatchInfo) match = NULL;
  Record *r = ctx->parsing;

  if (!g_regex_match(ctx->regex, line, 0, &match))
    return PARSE_NOT_MINE;
  g_autofree char *time = group(match, "time");
  TwCivilTime civil;
  char *inner = NULL;
  if (!_tw_time_pattern_match(&apache_time, time, &civil, &inner)) {
    *problem = g_strdup_printf("bad time: %s", inner);
    g_free(inner);
    return PARSE_BROKEN;
  }
  ParseResult result = civil_time(ctx, &civil, time, problem);
  if (result != PARSE_RECORD)
    return result;

  g_autofree char *client = group(match, "client");
  g_autofree char *ident = group(match, "ident");
  g_autofree char *user = group(match, "user");
  g_autofree char *request_raw = group(match, "request");
  g_autofree char *status = group(match, "status");
  g_autofree char *bytes = group(match, "bytes");
  g_autofree char *referer_raw = group(match, "referer");
  g_autofree char *agent_raw = group(match, "agent");
  g_autofree char *extra = group(match, "extra");
  g_autofree char *request = request_raw ? unescape_quoted(request_raw) : NULL;
  g_autofree char *referer = referer_raw ? unescape_quoted(referer_raw) : NULL;
  g_autofree char *agent = agent_raw ? unescape_quoted(agent_raw) : NULL;

  record_add_actor(r, client, -1);
  if (g_strcmp0(user, "-") != 0)
    record_add_actor(r, user, -1);
  record_add_attribute(r, "client", client, -1);
  if (g_strcmp0(ident, "-") != 0)
    record_add_attribute(r, "ident", ident, -1);
  if (g_strcmp0(user, "-") != 0)
    record_add_attribute(r, "user", user, -1);

  /* `METHOD TARGET PROTOCOL`; anything else (a TLS handshake sent to the plain port) is kept
   * whole as the request. */
  g_auto(GStrv) parts = request ? g_strsplit(request, " ", -1) : NULL;
  gboolean parsed = parts && g_strv_length(parts) == 3 && *parts[0] && *parts[1] &&
                    g_str_has_prefix(parts[2], "HTTP/");
  if (parsed) {
    record_add_attribute(r, "method", parts[0], -1);
    record_add_attribute(r, "path", parts[1], -1);
    record_add_attribute(r, "protocol", parts[2], -1);
    g_string_printf(r->title, "%s %s %s", parts[0], parts[1], status);
  } else {
    if (request && strcmp(request, "-") != 0)
      record_add_attribute(r, "request", request, -1);
    g_string_printf(r->title, "%s %s",
                    request && *request && strcmp(request, "-") != 0 ? request : "(no request)",
                    status);
  }
  record_add_attribute(r, "status", status, -1);
  if (g_strcmp0(bytes, "-") != 0)
    record_add_attribute(r, "bytes", bytes, -1);
  if (referer && strcmp(referer, "-") != 0)
    record_add_attribute(r, "referer", referer, -1);
  if (agent && strcmp(agent, "-") != 0)
    record_add_attribute(r, "agent", agent, -1);
  if (extra) {
    g_strstrip(extra);
    /* nginx writes "-" for an empty $http_x_forwarded_for: absent, as a "-" field is above */
    if (*extra && strcmp(extra, "\"-\"") != 0 && strcmp(extra, "-") != 0)
      record_add_attribute(r, "extra", extra, -1);
  }
  g_string_append(r->message, line);
  return PARSE_RECORD;
}

/* A journal field's value as text: a string, a number, or an array of bytes (journald writes a
 * value that is not UTF-8 so); a field given several times is an array of values, joined with
 * a line break. */
static char *
journal_value(JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE(node)) {
    GType type = json_node_get_value_type(node);
    if (type == G_TYPE_STRING)
      return g_strdup(json_node_get_string(node));
    if (type == G_TYPE_INT64)
      return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    return NULL;
  }
  if (!JSON_NODE_HOLDS_ARRAY(node))
    return NULL;
  JsonArray *array = json_node_get_array(node);
  guint n = json_array_get_length(array);
  gboolean bytes = n > 0;
  for (guint i = 0; i < n && bytes; i++) {
    JsonNode *e = json_array_get_element(array, i);
    bytes = JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_INT64 &&
            json_node_get_int(e) >= 0 && json_node_get_int(e) <= 255;
  }
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element(array, i);
    if (bytes) {
      g_string_append_c(out, (char)json_node_get_int(e));
    } else {
      g_autofree char *v = journal_value(e);
      if (out->len)
        g_string_append_c(out, '\n');
      g_string_append(out, v ? v : "");
    }
  }
  return g_string_free(out, FALSE);
}

static ParseResult
parse_journal(LogContext *ctx, const char *line, gsize length, char **problem)
{
  g_autoptr(GError) err = NULL;
  Record *r = ctx->parsing;

  if (line[0] == '\x1e') { /* json-seq */
    line++;
    length--;
  }
  if (line[0] != '{')
    return PARSE_NOT_MINE;
  if (ctx->scanning)
    return PARSE_SCANNED;
  const char *unsafe;
  gsize at = json_guard_problem_at(line, length, &unsafe);
  if (at != G_MAXSIZE) {
    *problem = g_strdup_printf("%s (column %" G_GSIZE_FORMAT ")", unsafe, at + 1);
    return PARSE_BROKEN;
  }
  if (!json_parser_load_from_data(ctx->json, line, (gssize)length, &err)) {
    /* json-glib says "<data>:LINE:COLUMN: Parse error: WHAT". */
    const char *what = err->message;
    guint64 column = 0;
    if (g_str_has_prefix(what, "<data>:")) {
      char *p = strchr(what + 7, ':');
      if (p) {
        column = g_ascii_strtoull(p + 1, &p, 10);
        if (*p == ':')
          what = p + 1;
      }
      while (*what == ' ')
        what++;
      if (g_str_has_prefix(what, "Parse error: "))
        what += strlen("Parse error: ");
      if (g_str_has_prefix(what, "scanner: "))
        what += strlen("scanner: ");
    }
    if (column)
      *problem = g_strdup_printf("not JSON: %s (column %" G_GUINT64_FORMAT ")", what, column);
    else
      *problem = g_strdup_printf("not JSON: %s", what);
    return PARSE_BROKEN;
  }
  JsonNode *root = json_parser_get_root(ctx->json);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    *problem = g_strdup("not a journal entry: not a JSON object");
    return PARSE_BROKEN;
  }
  JsonObject *entry = json_node_get_object(root);
  JsonNode *node = json_object_get_member(entry, "__REALTIME_TIMESTAMP");
  if (!node) {
    *problem = g_strdup("not a journal entry: no __REALTIME_TIMESTAMP");
    return PARSE_BROKEN;
  }
  g_autofree char *realtime = journal_value(node);
  char *end = NULL;
  gint64 usec = realtime ? g_ascii_strtoll(realtime, &end, 10) : 0;
  if (!realtime || !*realtime || *end || usec < 0 || usec > TW_TIME_MAX) {
    *problem = g_strdup_printf("__REALTIME_TIMESTAMP is not a number of microseconds: '%s'",
                               realtime ? realtime : "?");
    return PARSE_BROKEN;
  }
  tw_date_from_unix_usec(usec, &r->date);

  g_autofree char *message = NULL;
  if ((node = json_object_get_member(entry, "MESSAGE")))
    message = journal_value(node);
  g_string_append(r->message, message ? message : "");

  static const char *const actor_fields[] = {"_HOSTNAME", "SYSLOG_IDENTIFIER"};
  for (guint i = 0; i < G_N_ELEMENTS(actor_fields); i++)
    if ((node = json_object_get_member(entry, actor_fields[i]))) {
      g_autofree char *v = journal_value(node);
      if (v)
        record_add_actor(r, v, -1);
    }
  if (!json_object_has_member(entry, "SYSLOG_IDENTIFIER") &&
      (node = json_object_get_member(entry, "_COMM"))) {
    g_autofree char *v = journal_value(node);
    if (v)
      record_add_actor(r, v, -1);
  }
  if ((node = json_object_get_member(entry, "__CURSOR"))) {
    g_autofree char *cursor = journal_value(node);
    if (cursor)
      g_string_assign(r->native_id, cursor);
  }

  /* Named attributes first, then every other field under its journal name. */
  static const struct {
    const char *field, *attribute;
  } named[] = {{"_PID", "pid"}, {"_SYSTEMD_UNIT", "unit"}};
  for (guint i = 0; i < G_N_ELEMENTS(named); i++)
    if ((node = json_object_get_member(entry, named[i].field))) {
      g_autofree char *v = journal_value(node);
      if (v)
        record_add_attribute(r, named[i].attribute, v, -1);
    }
  /* Facility and priority by their names; a value that has none stays as it is. */
  gboolean named_facility = FALSE, named_priority = FALSE;
  if ((node = json_object_get_member(entry, "SYSLOG_FACILITY"))) {
    g_autofree char *v = journal_value(node);
    char *rest = NULL;
    gint64 facility = v ? g_ascii_strtoll(v, &rest, 10) : -1;
    named_facility =
        v && *v && !*rest && facility >= 0 && facility < (gint64)G_N_ELEMENTS(facility_names);
    if (named_facility)
      record_add_attribute(r, "facility", facility_names[facility], -1);
  }
  if ((node = json_object_get_member(entry, "PRIORITY"))) {
    g_autofree char *v = journal_value(node);
    named_priority = v && v[0] >= '0' && v[0] <= '7' && !v[1];
    if (named_priority)
      record_add_attribute(r, "severity", severity_names[v[0] - '0'], -1);
  }
  static const char *const mapped[] = {"__REALTIME_TIMESTAMP", "MESSAGE", "_HOSTNAME",
                                       "SYSLOG_IDENTIFIER",    "_PID",    "_SYSTEMD_UNIT"};
  GList *members = json_object_get_members(entry);
  for (GList *l = members; l; l = l->next) {
    gboolean skip = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(mapped) && !skip; i++)
      skip = strcmp(l->data, mapped[i]) == 0;
    skip |= (named_facility && strcmp(l->data, "SYSLOG_FACILITY") == 0) ||
            (named_priority && strcmp(l->data, "PRIORITY") == 0);
    if (skip)
      continue;
    g_autofree char *v = journal_value(json_object_get_member(entry, l->data));
    if (v)
      record_add_attribute(r, l->data, v, -1);
  }
  g_list_free(members);
  return PARSE_RECORD;
}

static gboolean
has_name(GPtrArray *names, const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (strcmp(g_ptr_array_index(names, i), name) == 0)
      return TRUE;
  return FALSE;
}

static ParseResult
parse_regex(LogContext *ctx, const char *line, gsize length, char **problem)
{
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *valid = NULL;
  Record *r = ctx->parsing;

  if (!g_utf8_validate(line, (gssize)length, NULL))
    line = valid = g_utf8_make_valid(line, (gssize)length);
  if (!g_regex_match(ctx->regex, line, 0, &match))
    return PARSE_NOT_MINE;
  g_autofree char *time = group(match, "time");
  if (!time) {
    *problem = g_strdup("the regex's time group is empty");
    return PARSE_BROKEN;
  }
  ParseResult result;
  char *inner = NULL;
  if (ctx->time_format.kind == TW_TIME_KIND_PATTERN) {
    TwCivilTime civil;
    if (!_tw_time_pattern_match(&ctx->time_format, time, &civil, &inner)) {
      *problem = g_strdup_printf("bad time: %s", inner);
      g_free(inner);
      return PARSE_BROKEN;
    }
    result = civil_time(ctx, &civil, time, problem);
  } else if (ctx->scanning) {
    result = PARSE_SCANNED;
  } else if (_tw_time_parse(&ctx->time_format, time, ctx->naive_zone, &r->date, &r->in_zone,
                            &inner)) {
    result = PARSE_RECORD;
  } else {
    *problem = g_strdup_printf("bad time: %s", inner);
    g_free(inner);
    result = PARSE_BROKEN;
  }
  if (result != PARSE_RECORD)
    return result;

  for (guint i = 0; i < ctx->group_names->len; i++) {
    const char *name = g_ptr_array_index(ctx->group_names, i);
    if (strcmp(name, "time") == 0 || strcmp(name, "message") == 0)
      continue;
    g_autofree char *value = group(match, name);
    if (!value)
      continue;
    if (strcmp(name, "host") == 0 || strcmp(name, "app") == 0)
      record_add_actor(r, value, -1);
    else
      record_add_attribute(r, name, value, -1);
  }
  g_autofree char *message = group(match, "message");
  if (message)
    g_string_append(r->message, message);
  else if (!has_name(ctx->group_names, "message"))
    g_string_append(r->message, line);
  return PARSE_RECORD;
}

static ParseResult
parse_line(LogContext *ctx, LogFormat format, const char *line, gsize length, char **problem)
{
  switch (format) {
  case FORMAT_RFC3164:
    return parse_rfc3164(ctx, line, problem);
  case FORMAT_RFC5424:
    return parse_rfc5424(ctx, line, problem);
  case FORMAT_JOURNAL:
    return parse_journal(ctx, line, length, problem);
  case FORMAT_COMBINED:
    return parse_combined(ctx, line, problem);
  case FORMAT_ISO:
    return parse_iso(ctx, line, problem);
  case FORMAT_REGEX:
    return parse_regex(ctx, line, length, problem);
  case FORMAT_AUTO:
  case FORMAT_N:
    break;
  }
  return PARSE_NOT_MINE;
}

/* ------------------------------------------------------------------ reading */

static const char *
not_mine_message(LogFormat format)
{
  switch (format) {
  case FORMAT_RFC3164:
    return "not an RFC 3164 syslog line (Mmm dd hh:mm:ss host app[pid]: message)";
  case FORMAT_RFC5424:
    return "not an RFC 5424 syslog line (<PRI>1 TIME HOST APP PROCID MSGID SD MESSAGE)";
  case FORMAT_JOURNAL:
    return "not a journal entry: journalctl -o json writes one JSON object per line";
  case FORMAT_COMBINED:
    return "not an access log line (Apache/nginx combined or common log format)";
  case FORMAT_ISO:
    return "the line does not begin with an ISO 8601 time, and no record comes before it";
  case FORMAT_REGEX:
    return "the line does not match the regex, and no record comes before it";
  case FORMAT_AUTO:
  case FORMAT_N:
    break;
  }
  return "not a log line";
}

/* Appends a continuation line to the pending record. */
static void
continue_record(Record *r, const char *line, gsize length)
{
  if (r->truncated)
    return;
  if (r->message->len + length + 1 > MAX_MESSAGE) {
    r->truncated = TRUE;
    return;
  }
  g_string_append_c(r->message, '\n');
  g_string_append_len(r->message, line, (gssize)length);
}

/* Reads every line (held ones first) in ctx->format: events, or in the first pass the months. */
/* journalctl's own lines between entries in its text formats (`-- Boot 5e1f... --`, `-- Logs
 * begin at ... --`, `-- Journal begins at ... --`, `-- No entries --`, `-- Reboot --`): no
 * record, and no broken one either. Only these: another `-- ... --` line may continue a record
 * (`-- end of trace --`). (journalctl's JSON has none: there such a line is broken.) */
static gboolean
is_journal_marker(const char *text, gsize length)
{
  static const char *const openings[] = {"-- Boot ", "-- Logs begin at ", "-- Journal begins at ",
                                         "-- No entries --", "-- Reboot --"};
  while (length > 0 && g_ascii_isspace(text[length - 1]))
    length--;
  if (length < 6 || memcmp(text + length - 3, " --", 3) != 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(openings); i++) {
    gsize n = strlen(openings[i]);
    if (length >= n && memcmp(text, openings[i], n) == 0)
      return TRUE;
  }
  return FALSE;
}

static gboolean
read_lines(LogContext *ctx, GError **error)
{
  const char *line;
  gsize length;
  GError *err = NULL;
  gboolean loose = ctx->format == FORMAT_ISO || ctx->format == FORMAT_REGEX;

  ctx->pending->active = FALSE;
  ctx->skipping = FALSE;
  while ((line = next_line(ctx, &length, &err))) {
    g_autofree char *problem = NULL;
    if (is_blank(line, length) || (ctx->format != FORMAT_REGEX && ctx->format != FORMAT_JOURNAL &&
                                   is_journal_marker(line, length)))
      continue;
    record_reset(ctx->parsing, ctx->line);
    ctx->parsing->active = FALSE;
    ParseResult result = parse_line(ctx, ctx->format, line, length, &problem);
    switch (result) {
    case PARSE_SCANNED:
      break;
    case PARSE_RECORD: {
      if (!emit(ctx, error))
        return FALSE;
      Record *swap = ctx->pending;
      ctx->pending = ctx->parsing;
      ctx->parsing = swap;
      ctx->pending->active = TRUE;
      ctx->skipping = FALSE;
      break;
    }
    case PARSE_BROKEN:
      if (ctx->year_missing)
        return fail(ctx, ctx->line, error, "%s", problem);
      if (ctx->scanning)
        break;
      if (!emit(ctx, error) || !tw_sink_warn(ctx->sink, ctx->file, ctx->line, error, "%s", problem))
        return FALSE;
      ctx->skipping = TRUE;
      break;
    case PARSE_NOT_MINE:
      if (ctx->scanning)
        break;
      if (is_indented(line) || loose) {
        if (ctx->pending->active) {
          continue_record(ctx->pending, line, length);
          break;
        }
        if (ctx->skipping)
          break;
      }
      if (!emit(ctx, error) || !tw_sink_warn(ctx->sink, ctx->file, ctx->line, error, "%s",
                                             not_mine_message(ctx->format)))
        return FALSE;
      ctx->skipping = TRUE;
      break;
    }
  }
  if (err) {
    /* The record held last was read before the input failed: it is kept with the rest, as
     * the partial timeline promises (only lines that might have continued it are lost). */
    if (!ctx->scanning && !emit(ctx, error)) {
      g_error_free(err);
      return FALSE;
    }
    g_propagate_error(error, err);
    return FALSE;
  }
  return ctx->scanning || emit(ctx, error);
}

/* -- recognising the format -- */

static gboolean
looks_like_journal(const char *line)
{
  if (line[0] == '\x1e')
    line++;
  return line[0] == '{' && strstr(line, "\"__REALTIME_TIMESTAMP\"") != NULL;
}

/* Which formats @line is a record of (a bit per format). */
static guint
formats_of_line(LogContext *ctx, GRegex *const *regexes, const char *line)
{
  guint formats = 0;

  if (looks_like_journal(line))
    formats |= 1u << FORMAT_JOURNAL;
  if (g_regex_match(regexes[FORMAT_RFC5424], line, 0, NULL))
    formats |= 1u << FORMAT_RFC5424;
  if (g_regex_match(regexes[FORMAT_COMBINED], line, 0, NULL))
    formats |= 1u << FORMAT_COMBINED;
  g_autoptr(GMatchInfo) iso = NULL;
  gboolean has_level = FALSE;
  if (g_regex_match(regexes[FORMAT_ISO], line, 0, &iso)) {
    formats |= 1u << FORMAT_ISO;
    g_autofree char *level = group(iso, "level");
    has_level = level != NULL;
  }
  g_autoptr(GMatchInfo) syslog = NULL;
  if (g_regex_match(regexes[FORMAT_RFC3164], line, 0, &syslog)) {
    g_autofree char *bsd = group(syslog, "bsd");
    g_autofree char *rest = group(syslog, "rest");
    /* An RFC 3339 time followed by `host app[pid]: ` is rsyslog's file format; an application
     * log's `2026-02-13T10:30:00Z INFO main: started` is not. */
    if (bsd || (!has_level && rest && g_regex_match(ctx->tag_regex, rest, 0, NULL)))
      formats |= 1u << FORMAT_RFC3164;
  }
  return formats;
}

/* Reads the first lines (held to be read again) and picks the format most of them are in. */
static gboolean
detect_format(LogContext *ctx, GRegex *const *regexes, GError **error)
{
  guint votes[FORMAT_N] = {0};
  guint sampled = 0, first_line = 0;
  const char *line;
  gsize length;
  GError *err = NULL;

  gsize held_bytes = 0;
  /* At most SAMPLE_LINES record lines, and a bounded amount of anything else (a file of
   * nothing but indented lines must not be held whole). */
  while (sampled < SAMPLE_LINES && held_bytes < SAMPLE_BYTES &&
         (line = read_line(ctx, &length, &err))) {
    held_bytes += length + 1;
    HeldLine *held = g_new(HeldLine, 1);
    held->text = g_malloc(length + 1); /* (not g_strndup(), which stops at a NUL byte) */
    memcpy(held->text, line, length);
    held->text[length] = '\0';
    held->length = length;
    held->number = tw_reader_get_line_number(ctx->reader);
    g_queue_push_tail(&ctx->held, held);
    if (is_blank(line, length) || is_indented(line) || is_journal_marker(line, length))
      continue;
    if (!first_line)
      first_line = held->number;
    sampled++;
    guint formats = formats_of_line(ctx, regexes, held->text);
    for (int f = 1; f < FORMAT_REGEX; f++)
      votes[f] += (formats >> f) & 1;
  }
  if (err) {
    if (g_queue_is_empty(&ctx->held)) {
      g_propagate_error(error, err);
      return FALSE;
    }
    /* A truncated .gz: the lines before the failure are recognised and read, and then the
     * failure stops the source, as it would have with format= given. */
    ctx->read_error = err;
  }
  if (sampled == 0) {
    ctx->format = FORMAT_ISO; /* nothing but blank or indented lines: no events */
    return TRUE;
  }
  LogFormat best = FORMAT_AUTO;
  for (int f = 1; f < FORMAT_REGEX; f++)
    if (votes[f] > (best ? votes[best] : 0))
      best = (LogFormat)f;
  if (best == FORMAT_AUTO) {
    /* A log has no NUL byte; UTF-16 text (what Windows tools and PowerShell write) and binary
     * files have them on every line. Naming formats and format= would send the user after a
     * format when the encoding is what is wrong. */
    for (GList *l = ctx->held.head; l; l = l->next) {
      const HeldLine *held = l->data;
      if (memchr(held->text, '\0', held->length))
        return fail(ctx, held->number, error,
                    "not UTF-8 text: a NUL byte (a binary file, or UTF-16?)");
    }
    return fail(ctx, first_line, error,
                "not a log format timeweave recognises (rfc3164, rfc5424, journal, combined, "
                "iso): give format= or a regex=");
  }
  ctx->format = best;
  return TRUE;
}

/* -- years for times that have none -- */

static gboolean
may_be_yearless(const LogContext *ctx)
{
  return ctx->format == FORMAT_RFC3164 ||
         (ctx->format == FORMAT_REGEX && ctx->time_format.kind == TW_TIME_KIND_PATTERN &&
          !ctx->time_format.has_year);
}

/* The year of the first yearless record, from the file's modification time: the last record
 * is no later than that time, and each fall of the month before it was a new year. */
static gboolean
year_from_file_time(LogContext *ctx, GError **error)
{
  const char *path = tw_source_get_path(ctx->source);
  if (strcmp(path, "-") == 0 || strstr(path, "://"))
    return TRUE; /* no file time: a yearless record fails, asking for the year option */

  g_autoptr(GFile) file = g_file_new_for_path(path);
  g_autoptr(GError) err = NULL;
  g_autoptr(GFileInfo) info =
      g_file_query_info(file, G_FILE_ATTRIBUTE_TIME_MODIFIED, G_FILE_QUERY_INFO_NONE, NULL, &err);
  if (!info)
    return fail(ctx, 0, error, "cannot read the file's modification time for the year: %s",
                err->message);
  g_autoptr(GDateTime) modified_utc = g_file_info_get_modification_date_time(info);
  g_autoptr(GDateTime) modified = g_date_time_to_timezone(
      modified_utc, ctx->naive_zone ? ctx->naive_zone : g_time_zone_new_utc());

  /* First pass: the months alone. It fails only when the input does (a truncated .gz): the
   * months before that give the years, and the second pass stops at the same place, keeping
   * the records before it as the partial timeline promises, instead of none. */
  ctx->scanning = TRUE;
  ctx->year = 0;
  g_autoptr(GError) unread = NULL;
  read_lines(ctx, &unread);
  ctx->scanning = FALSE;
  if (ctx->first_yearless_line) {
    int year = g_date_time_get_year(modified) - (int)ctx->rollovers;
    if (ctx->last_month > g_date_time_get_month(modified))
      year--;
    ctx->year = year;
    ctx->have_year = TRUE;
  }
  /* Read again from the start. */
  tw_reader_free(ctx->reader);
  ctx->reader = tw_source_open(ctx->source, error);
  if (!ctx->reader)
    return FALSE;
  ctx->file = tw_reader_get_name(ctx->reader); /* the old reader's name is gone with it */
  ctx->previous_month = 0;
  ctx->rollovers = 0;
  return TRUE;
}

/* -- the regex option -- */

/* The names of the named groups in @pattern: (?<name>...), (?P<name>...), (?'name'...). */
static GPtrArray *
regex_group_names(GRegex *regex, const char *pattern)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  for (const char *p = pattern; (p = strstr(p, "(?")); p += 2) {
    if (p > pattern && p[-1] == '\\')
      continue;
    const char *s = p + 2;
    char close = '>';
    if (*s == 'P' && s[1] == '<')
      s += 2;
    else if (*s == '<')
      s++;
    else if (*s == '\'') {
      s++;
      close = '\'';
    } else
      continue;
    const char *e = s;
    while (g_ascii_isalnum(*e) || *e == '_')
      e++;
    if (e == s || *e != close)
      continue;
    g_autofree char *name = g_strndup(s, (gsize)(e - s));
    if (g_regex_get_string_number(regex, name) >= 0 && !has_name(names, name))
      g_ptr_array_add(names, g_steal_pointer(&name));
  }
  return names;
}

/* ------------------------------------------------------------------ the source */

/* The checks of the option values that their types let through, made when the source is added
 * (TwComponentCheck) and again when it reads: *@format (FORMAT_REGEX, with *@regex compiled
 * from regex=; else *@regex is NULL), *@time_format (clear it) and *@year (0: not given). */
static gboolean
parse_options(const TwOptions *options, LogFormat *format, GRegex **regex,
              TwTimeFormat *time_format, int *year, GError **error)
{
  *format = FORMAT_AUTO;
  *regex = NULL;
  *year = 0;
  const char *format_name = tw_options_get_string(options, "format");
  for (int f = 0; f < FORMAT_REGEX; f++)
    if (g_strcmp0(format_name, format_names[f]) == 0)
      *format = (LogFormat)f;
  const char *regex_text = tw_options_get_string(options, "regex");
  if (!_tw_time_format_init(time_format, tw_options_get_string(options, "time-format"), error))
    return FALSE;
  if (regex_text && *regex_text) {
    g_autoptr(GError) err = NULL;
    if (*format != FORMAT_AUTO) {
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                  "options of log: format=%s and regex= exclude each other", format_name);
      return FALSE;
    }
    g_autoptr(GRegex) compiled = g_regex_new(regex_text, G_REGEX_OPTIMIZE, 0, &err);
    if (!compiled) {
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE, "option 'regex' of log: %s",
                  err->message);
      return FALSE;
    }
    if (g_regex_get_string_number(compiled, "time") < 0) {
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                  "option 'regex' of log: no (?<time>...) group");
      return FALSE;
    }
    *regex = g_steal_pointer(&compiled);
    *format = FORMAT_REGEX;
  }
  if (tw_options_is_set(options, "year")) {
    gint64 given = tw_options_get_int(options, "year");
    if (given < 1 || given > 9999) {
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                  "option 'year' of log: %" G_GINT64_FORMAT " is not a year (1-9999)", given);
      return FALSE;
    }
    *year = (int)given;
  }
  return TRUE;
}

static gboolean
log_check(const TwOptions *options, GError **error)
{
  LogFormat format;
  g_autoptr(GRegex) regex = NULL;
  TwTimeFormat time_format = {0};
  int year;
  gboolean ok = parse_options(options, &format, &regex, &time_format, &year, error);
  _tw_time_format_clear(&time_format);
  return ok;
}

static gboolean
log_read(TwSource *source, TwSink *sink, GError **error)
{
  const TwOptions *options = tw_source_get_options(source);
  LogContext ctx = {
      .source = source,
      .sink = sink,
      .naive_zone = tw_options_get_zone(options, "timezone"),
      .naive_zone_name = tw_options_get_string(options, "timezone"),
      .file = tw_source_get_path(source),
  };
  static const char *const builtin_patterns[FORMAT_N] = {
      [FORMAT_RFC3164] = rfc3164_pattern,
      [FORMAT_RFC5424] = rfc5424_head,
      [FORMAT_COMBINED] = combined_pattern,
      [FORMAT_ISO] = iso_pattern,
  };
  GRegex *regexes[FORMAT_N] = {NULL};
  gboolean ok = FALSE;

  g_queue_init(&ctx.held);
  for (guint i = 0; i < G_N_ELEMENTS(ctx.records); i++) {
    ctx.records[i].message = g_string_new(NULL);
    ctx.records[i].title = g_string_new(NULL);
    ctx.records[i].native_id = g_string_new(NULL);
    ctx.records[i].actors = g_ptr_array_new_with_free_func(g_free);
    ctx.records[i].attributes = g_ptr_array_new_with_free_func(g_free);
  }
  ctx.pending = &ctx.records[0];
  ctx.parsing = &ctx.records[1];
  ctx.json = json_parser_new_immutable();
  ctx.cleaned = g_string_new(NULL);
  for (int f = 0; f < FORMAT_N; f++)
    if (builtin_patterns[f])
      regexes[f] = g_regex_new(builtin_patterns[f], G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);
  ctx.tag_regex = g_regex_new(tag_pattern, G_REGEX_RAW | G_REGEX_OPTIMIZE, 0, NULL);

  int year;
  if (!parse_options(options, &ctx.format, &regexes[FORMAT_REGEX], &ctx.time_format, &year, error))
    goto out;
  if (regexes[FORMAT_REGEX] != NULL)
    ctx.group_names =
        regex_group_names(regexes[FORMAT_REGEX], tw_options_get_string(options, "regex"));
  ctx.year = year;
  ctx.have_year = year != 0;

  if (!(ctx.reader = tw_source_open(source, error)))
    goto out;
  ctx.file = tw_reader_get_name(ctx.reader);
  if (ctx.format == FORMAT_AUTO && !detect_format(&ctx, regexes, error))
    goto out;
  ctx.regex = regexes[ctx.format];
  const char *kind = tw_options_get_string(options, "kind");
  ctx.kind = kind && *kind ? kind : default_kinds[ctx.format];

  if (may_be_yearless(&ctx) && !ctx.have_year && !year_from_file_time(&ctx, error))
    goto out;
  ok = read_lines(&ctx, error);

out:
  _tw_time_format_clear(&ctx.time_format);
  g_queue_clear_full(&ctx.held, held_line_free);
  g_clear_pointer(&ctx.current_held, held_line_free);
  g_clear_error(&ctx.read_error);
  for (guint i = 0; i < G_N_ELEMENTS(ctx.records); i++) {
    g_string_free(ctx.records[i].message, TRUE);
    g_string_free(ctx.records[i].title, TRUE);
    g_string_free(ctx.records[i].native_id, TRUE);
    g_ptr_array_unref(ctx.records[i].actors);
    g_ptr_array_unref(ctx.records[i].attributes);
  }
  for (int f = 0; f < FORMAT_N; f++)
    if (regexes[f])
      g_regex_unref(regexes[f]);
  g_regex_unref(ctx.tag_regex);
  if (ctx.group_names)
    g_ptr_array_unref(ctx.group_names);
  g_object_unref(ctx.json);
  g_string_free(ctx.cleaned, TRUE);
  tw_reader_free(ctx.reader);
  return ok;
}

static const TwOptionSpec log_options[] = {
    {"format",
     TW_OPTION_CHOICE,
     "auto",
     "The line format. rfc3164: BSD syslog (`Feb 13 10:30:00 host app[pid]: message`, also "
     "with rsyslog's RFC 3339 time); rfc5424: `<PRI>1 TIME HOST APP PROCID MSGID [SD] MESSAGE`; "
     "journal: `journalctl -o json` (or json-seq) output; combined: Apache/nginx access logs "
     "(combined or common); iso: lines that begin with an ISO 8601 time (an ERROR/[INFO]-style "
     "level after it becomes the level attribute). auto picks the format most of the first 20 "
     "lines are in.",
     "auto|rfc3164|rfc5424|journal|combined|iso",
     {NULL}},
    {"regex",
     TW_OPTION_STRING,
     NULL,
     "A custom line format: a regular expression (PCRE, as GRegex) with named groups. time is "
     "required and read by time-format; message gives the title (else the whole line); host "
     "and app become actors; every other group an attribute. Lines that do not match continue "
     "the record before them. On the command line write a comma as `\\,`.",
     NULL,
     {NULL}},
    {"time-format",
     TW_OPTION_STRING,
     "iso",
     "How the regex's time group is written. A pattern without a year (%b %e %H:%M:%S) gets "
     "its year as RFC 3164 times do. " TW_TIME_FORMAT_HELP,
     NULL,
     {NULL}},
    {"year",
     TW_OPTION_INT,
     NULL,
     "The year of the first record whose time has none (RFC 3164, or a time-format without "
     "%Y); each fall of the month (December, then January) moves to the next year. Without it "
     "the file's modification time is taken as no earlier than the last record; standard "
     "input, which has no such time, needs it.",
     NULL,
     {NULL}},
    {"timezone",
     TW_OPTION_ZONE,
     NULL,
     "The zone of times written without one (RFC 3164, iso lines without an offset); without "
     "it they are floating. Events record it as their zone. In the hour the clocks go back, a "
     "time that would run backwards is read as the second occurrence.",
     NULL,
     {NULL}},
    {"kind",
     TW_OPTION_STRING,
     NULL,
     "The events' kind. Default: syslog (rfc3164, rfc5424, journal), http-request (combined), "
     "log (iso, regex).",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

static const TwSourceInfo log_source = {
    .name = "log",
    .summary = "Text logs: syslog (RFC 3164, RFC 5424), journalctl JSON, access logs, ISO-timed "
               "lines, or a regex",
    .description =
        "Reads a log one line at a time (gzip files directly), one event per record: the "
        "title is the message's first line, and the whole message is the description when "
        "lines continue it (indented lines always do; in the iso and regex formats so does any "
        "line that does not begin a record, as a Java exception's). Syslog and journal "
        "records give host and app as actors and pid, facility and severity as attributes "
        "(RFC 5424 also msgid and its structured data as ID.NAME; the journal every other "
        "field under its own name, and __CURSOR as the native id). Access log lines give the "
        "client (and user) as actors, the title METHOD PATH STATUS, and client, method, path, "
        "protocol, status, bytes, referer and agent as attributes. Other records' ids hash "
        "their line number, so that two alike lines stay two events. A line that is no record "
        "of the format, or has a bad time, is skipped with a warning naming its line (fatal "
        "under --strict); a file in no known format fails the run.",
    .options = log_options,
    .read = log_read,
    .check = log_check,
};

static const TwSourceInfo *const log_sources[] = {&log_source, NULL};

TW_PLUGIN_DEFINE("log", TW_VERSION, "Reads events from text logs", NULL, log_sources, NULL, NULL)
