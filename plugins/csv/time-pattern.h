/* timeweave: reading times as a table or a log writes them, shared by the csv and log sources.
 *
 * A TwTimeFormat is the parsed value of a `time-format` option: `iso` (every form tw_date_parse()
 * reads), `unix-s`, `unix-ms`, `unix-us`, `unix-ns` (a number since 1970, `.` or `,` as the
 * decimal sign), `serial` (a spreadsheet's day number) or a strftime-style pattern such as
 * `%d/%m/%Y %H:%M`. The csv and log plugins compile this file in, and the json plugin for
 * _tw_time_is_end_of_range() (it is not part of libtimeweave).
 */
#pragma once

#include <timeweave/plugin.h>

G_BEGIN_DECLS

typedef enum {
  TW_TIME_KIND_ISO = 0,
  TW_TIME_KIND_UNIX_S,
  TW_TIME_KIND_UNIX_MS,
  TW_TIME_KIND_UNIX_US,
  TW_TIME_KIND_UNIX_NS,
  TW_TIME_KIND_SERIAL,
  TW_TIME_KIND_PATTERN,
} TwTimeKind;

typedef struct {
  TwTimeKind kind;
  char *pattern;         /* TW_TIME_KIND_PATTERN: the strftime-style text */
  gboolean has_year;     /* the pattern gives a year (%Y, %y, %F, %D, %s) */
  TwPrecision precision; /* the finest field the pattern gives */
} TwTimeFormat;

/* A time read by a pattern, before it becomes a TwDate: wall-clock fields and what the text said
 * of its zone. @year is 0 when the pattern has none (syslog's `Feb 13 10:30:00`). */
typedef struct {
  int year, month, day, hour, minute, second, usec;
  TwPrecision precision;
  gboolean has_offset; /* %z (or a UTC-like %Z) */
  int offset;          /* seconds east of UTC */
  char zone[64];       /* %Z: a zone name, "" when none */
  gboolean is_unix;    /* %s: @unix_usec is the instant, the fields are unused */
  gint64 unix_usec;
} TwCivilTime;

/**
 * _tw_time_format_init:
 * @text: (nullable): the option's value; %NULL or "" is `iso`
 * @error: a message for an unknown directive (`%Q is not a time-format directive ...`)
 */
gboolean _tw_time_format_init(TwTimeFormat *format, const char *text, GError **error);
void _tw_time_format_clear(TwTimeFormat *format);

/**
 * _tw_time_pattern_match:
 * Reads @text (all of it, white space at its ends aside) by @format's pattern into @out. On
 * failure returns %FALSE with *@problem (transfer full) saying what did not match.
 */
gboolean _tw_time_pattern_match(const TwTimeFormat *format, const char *text, TwCivilTime *out,
                                char **problem);

/**
 * _tw_civil_to_date:
 * @civil: fields with a year (see _tw_time_pattern_match())
 * @naive_zone: (nullable): the zone of a time that states none; %NULL makes it floating
 * @in_zone: (out) (optional): set when @naive_zone was used
 *
 * Builds the date through tw_date_parse(), so that impossible values (February 30), zone gaps
 * and precisions follow the core's rules exactly.
 */
gboolean _tw_civil_to_date(const TwCivilTime *civil, GTimeZone *naive_zone, TwDate *out,
                           gboolean *in_zone, char **problem);

/**
 * _tw_time_parse:
 * Reads @text as @format says (a pattern must have a year). A naive time is read in
 * @naive_zone (%NULL: floating) and *@in_zone tells whether that happened. On failure returns
 * %FALSE with *@problem (transfer full), a phrase that quotes @text.
 */
gboolean _tw_time_parse(const TwTimeFormat *format, const char *text, GTimeZone *naive_zone,
                        TwDate *out, gboolean *in_zone, char **problem);

/**
 * _tw_time_is_end_of_range:
 * Whether @text is the instant just after the representable range, %TW_TIME_MAX + 1 (the
 * exclusive end of every span that reaches the end of 9999), as tw_time_format() writes it in
 * an export's end: `10000-01-01T00:00:00`, with `Z`, or in the output zone's offset
 * (`10000-01-01T01:00:00+01:00`, `9999-12-31T19:00:00-05:00`). tw_date_parse() refuses it, being
 * no instant of the range.
 */
gboolean _tw_time_is_end_of_range(const char *text);

/* "+05:30" (or "+05:30:15") for an offset in seconds east of UTC, into @buf. */
#define TW_OFFSET_SIZE 16
void _tw_format_offset(int offset, char buf[TW_OFFSET_SIZE]);

/* The option help shared by both sources' time-format options. */
#define TW_TIME_FORMAT_HELP                                                                        \
  "iso: any date form timeweave reads (2026-02-13T10:30:00Z, 2026-02-13 10:30:00,250, "            \
  "2026-02-13, 2026-Q1, early 2025). unix-s, unix-ms, unix-us, unix-ns: a number since 1970 "      \
  "(a decimal comma is read as a point). serial: a spreadsheet's day number (days since "          \
  "1899-12-30 as Excel and LibreOffice count, the fraction being the time of day). Anything "      \
  "with a % is a strftime-style pattern: %Y %y %m %d %e %j %H %I %M %S %f (fraction) %p "          \
  "(AM/PM) %b %B (English month names) %a %A (weekday names, not checked) %z (+01:00, +0100, "     \
  "Z) %Z (UTC or a zone name such as Europe/Berlin) %s (unix seconds) %F %T %D %R %%; a "          \
  "space matches any run of white space. The finest field sets the precision: %d.%m.%Y is a "      \
  "day, %d.%m.%Y %H:%M a minute."

G_END_DECLS
