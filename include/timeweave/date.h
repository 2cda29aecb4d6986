/* timeweave: dates with honest precision. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * TwPrecision:
 * How exact a date is. Ordered from finest to coarsest; the order is part of the timeline's sort
 * key (at equal start and end, finer dates come first).
 */
typedef enum {
  TW_PRECISION_EXACT = 0, /* an instant, to the second or finer */
  TW_PRECISION_MINUTE,
  TW_PRECISION_HOUR,
  TW_PRECISION_DAY,
  TW_PRECISION_WEEK,    /* ISO week, Monday to Monday: 2026-W07 */
  TW_PRECISION_MONTH,   /* 2026-02 */
  TW_PRECISION_QUARTER, /* 2026-Q1 */
  TW_PRECISION_HALF,    /* 2025-H2 */
  TW_PRECISION_SEASON,  /* 2025-SU: meteorological seasons of the northern hemisphere */
  TW_PRECISION_YEAR,    /* 2026 */
  TW_PRECISION_DECADE,  /* 2020s */
  TW_PRECISION_CENTURY, /* 20XX */
  TW_PRECISION_N
} TwPrecision;

/**
 * TwQualifier:
 * What the text said about the date beyond its value. EARLY, MID and LATE narrow the span to
 * its first, middle or last third; the others keep the nominal span and only mark it.
 * The thirds: a period made of whole months is cut into thirds of its months (year: Jan-Apr,
 * May-Aug, Sep-Dec; half: two months each; quarter and season: one month each; decade: 40
 * months each, so "early 2020s" is 2020-01 to 2023-05; century: 400 months each); a month into
 * days 1-10, 11-20 and 21 to its end; an ISO week into Monday-Tuesday, Wednesday-Thursday and
 * Friday-Sunday; a day, hour or minute into equal thirds (8 hours, 20 minutes, 20 seconds). An
 * exact instant is not narrowed.
 */
typedef enum {
  TW_QUALIFIER_NONE = 0,
  TW_QUALIFIER_EARLY,  /* "early 2025", "the beginning of 2027" */
  TW_QUALIFIER_MID,    /* "mid 2026" */
  TW_QUALIFIER_LATE,   /* "late 2026-03", "the end of March 2026" */
  TW_QUALIFIER_APPROX, /* "about 2029", "~2029", "2029~" */
  TW_QUALIFIER_BEFORE, /* "before 2027", "by 2027" */
  TW_QUALIFIER_AFTER,  /* "after 2022", "since 2022" */
  TW_QUALIFIER_N
} TwQualifier;

/**
 * TwDate:
 * A parsed date: the interval it covers and how it was stated.
 *
 * @start and @end are microseconds since 1970-01-01T00:00:00Z; @end is exclusive, and an exact
 * instant has @end == @start. A @floating date has no zone (a calendar day, a month, or a naive
 * time with no zone given): its @start and @end are the wall-clock values read as if UTC, and
 * exporters write it as a date or a naive time, never shifted to another zone.
 * @utc_offset is the offset, in seconds east of UTC, that the text stated (valid when
 * @has_offset), so that the writer's zone can be kept.
 *
 * This struct is part of the ABI: it never changes within an ABI major.
 */
typedef struct {
  gint64 start;
  gint64 end;
  TwPrecision precision;
  TwQualifier qualifier;
  gboolean floating;
  gboolean has_offset;
  gint32 utc_offset;
  gint32 reserved[3];
} TwDate;

#define TW_USEC_PER_SEC G_GINT64_CONSTANT(1000000)
#define TW_USEC_PER_DAY (G_GINT64_CONSTANT(86400) * TW_USEC_PER_SEC)

/* Bounds of the representable range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z. */
#define TW_TIME_MIN G_GINT64_CONSTANT(-62135596800000000)
#define TW_TIME_MAX G_GINT64_CONSTANT(253402300799999999)

/**
 * TW_DATE_ERROR:
 * Errors from parsing dates, durations and zones (#TwDateError).
 */
#define TW_DATE_ERROR (tw_date_error_quark())
typedef enum {
  TW_DATE_ERROR_SYNTAX,       /* not a date form timeweave knows */
  TW_DATE_ERROR_INVALID,      /* a known form with an impossible value: 2026-02-30, 25:00 */
  TW_DATE_ERROR_OUT_OF_RANGE, /* outside TW_TIME_MIN..TW_TIME_MAX */
  TW_DATE_ERROR_ZONE,         /* an unknown time zone name */
} TwDateError;
GQuark tw_date_error_quark(void);

/**
 * tw_date_parse:
 * @text: the date as a user wrote it (leading and trailing white space is ignored)
 * @naive_zone: (nullable): the zone of times written without a zone or offset; %NULL makes
 *   such times floating. Calendar dates (a day or coarser) are always floating.
 * @out: (out): the parsed date
 * @error: a #TW_DATE_ERROR on failure, with a message that quotes @text
 *
 * Parses the forms timeweave reads and writes:
 * - ISO 8601 instants: `2026-02-13T10:30:00Z`, `2026-02-13T10:30:00.25+01:00`,
 *   `2026-02-13 10:30:00` (naive), `2026-02-13T10:30` (minute), `2026-02-13T10` (hour);
 * - calendar forms: `2026-02-13`, `2026-W07`, `2026-02`, `2026-Q1`, `2025-H2`, `2025-SU`
 *   (SP, SU, FA or AU, WI), `2026`, `2020s` (also `202X` and TIMEX3 `202`), `20XX` (century);
 * - qualified forms: `early|mid|late DATE`, `beginning of DATE`, `end of DATE`,
 *   `about|around|circa|approx DATE`, `~DATE`, `DATE~`, `before|by DATE`, `after|since DATE`.
 *
 * Details: a month may also be written `March 2026` or `Mar 2026` (English names, read as
 * `2026-03`); words are case-insensitive (`start of` and `the beginning of` are early, `middle of`
 * and `mid-2026` mid, `the end of` late, `approximately`, `c.` and `ca.` approx); ISO 8601 basic
 * forms (`20260213`, `20260213T103000Z`) and ISO week dates (`2026-W07-3`, a day) are read
 * too; offsets may be `+01:00`, `+0100`, `+01` or a ` UTC` suffix (also after a space, as git
 * writes them); digits finer than microseconds are truncated; `24:00` is the next day's
 * midnight; a leap second (`23:59:60`) is refused as INVALID. A naive time in
 * @naive_zone that occurs twice (clocks going back) is its first occurrence; one that does not
 * exist (clocks going forward) is read with the offset in force before the gap, so 02:30 on the
 * spring-forward night in Europe/Berlin is 01:30Z (03:30 CEST): RFC 5545's rule, as java.time and
 * Python's zoneinfo. A zoned or naive-in-zone time sets @has_offset and @utc_offset (the offset
 * stated, or the one @naive_zone gave). Years outside 0001..9999 and instants outside
 * %TW_TIME_MIN..%TW_TIME_MAX are OUT_OF_RANGE; a period that only partly lies outside (`0000s`,
 * `0000-WI`, `9999-W52`) is clamped to the range.
 *
 * Returns: %TRUE on success.
 */
gboolean tw_date_parse(const char *text, GTimeZone *naive_zone, TwDate *out, GError **error);

/**
 * tw_date_range_end:
 * @date: the last date of a range (`--to`, a spec's `to`)
 *
 * The range includes all of @date: its whole period (`2026-06-30` keeps that day, `2026-06` the
 * month), and for an exact time the whole second it names (`10:30:00` keeps `10:30:00.25`), or
 * the instant itself when it has a fraction.
 *
 * Returns: the first instant after the range (its exclusive end, as tw_job_set_range() takes).
 */
gint64 tw_date_range_end(const TwDate *date);

/**
 * tw_date_format:
 * @date: a date
 *
 * Writes @date in the canonical form that tw_date_parse() reads back to the same value,
 * precision and qualifier: `2026-02-13T10:30:00Z` (with `.ffffff` only when there are
 * microseconds), `2026-02-13T10:30` for a floating minute, `2026-02`, `early 2025`,
 * `about 2029`, `before 2027`, ... Exact and minute/hour times that are not floating are
 * written in UTC (`2026-02-13T10:30Z`, `2026-02-13T10Z`), except a minute or hour that does not
 * begin on a UTC minute or hour (`2026-02-13T10+05:30` is 04:30Z): it keeps the offset stated
 * (@has_offset), or else is written in the offset within half an hour (a minute) that makes it
 * begin on the hour (`2026-02-13T04-00:30`), so that it always reads back to the same span.
 * Other forms: `2026-02-13`, `2026-W07`, `2026-Q1`, `2025-H2`, `2025-SU` (SP, SU, FA, WI: winter
 * is named by the year of its December), `2026`, `2020s`, `20XX`; qualifiers are written as
 * `early`, `mid`, `late`, `about`, `before` and `after` followed by a space.
 *
 * Returns: (transfer full): a newly allocated string.
 */
char *tw_date_format(const TwDate *date);

/**
 * tw_date_format_in_zone:
 * @date: a date
 * @zone: (nullable): the zone to write an exact time in; %NULL gives tw_date_format()
 *
 * Writes @date as tw_date_format() does, with an exact time in @zone, as the exports write it
 * under `--output-zone`: `about 2026-02-13T11:30:00+01:00` in Europe/Berlin (`Z` for a zone
 * that is UTC by name). A minute or hour that does not begin on a UTC minute or hour is written
 * in @zone's offset when it begins on the minute or hour there. Floating dates, days and coarser
 * precisions are written as tw_date_format() writes them: they name wall-clock periods, not
 * instants. The text reads back with tw_date_parse() to the same value. Analyzers write the
 * dates in their findings with it and tw_timeline_get_output_zone().
 *
 * Returns: (transfer full): a newly allocated string.
 */
char *tw_date_format_in_zone(const TwDate *date, GTimeZone *zone);

/**
 * tw_date_end_instant:
 * @start: the event's date, as parsed (its @has_offset and @utc_offset as the text stated them)
 * @end: its end, as parsed
 *
 * The instant at which an event that begins at @start ends, when the end was written on its own
 * (an `end` member or column). Where one side is floating (a day, or a time without a zone) and
 * the other states an offset, the two are put on one clock: a floating start's end given with an
 * offset ends at its own wall clock (`2026-02-13` to `2026-02-15T00:00:00+01:00` ends at
 * midnight of the 15th, not at 23:00 of the 14th), and a naive end of a start given with an
 * offset is read in that offset (`10:00+01:00` to `12:00` lasts two hours, not three). Otherwise
 * @end->start.
 *
 * Returns: microseconds since the epoch; the caller checks that it is not before @start.
 */
gint64 tw_date_end_instant(const TwDate *start, const TwDate *end);

/**
 * tw_date_set_precision:
 * @date: a date whose @start is set
 * @precision: the precision to give it
 *
 * Truncates @date->start to the beginning of its @precision period (a month, a quarter, ...)
 * and sets @end to the end of that period (applying @date->qualifier's narrowing), as
 * tw_date_parse() would for a date written at that precision. Used by sources whose records
 * give an instant and a separate precision. Minutes and hours are truncated in the date's
 * @utc_offset (when @has_offset); a day or coarser is taken from the wall clock in that offset and
 * becomes floating, as calendar dates are. EXACT sets @end to @start. A period that reaches
 * outside %TW_TIME_MIN..%TW_TIME_MAX (the winter of year 0) is clamped to it; when the third an
 * early, mid or late qualifier names lies wholly outside (`late` in the winter of 9999), the
 * qualifier is dropped and the period's part inside the range kept, so the date reads back;
 * when the period in the date's offset lies wholly outside (the day of 9999-12-31T23:30Z in
 * +01:00 is in year 10000), it is taken in UTC.
 */
void tw_date_set_precision(TwDate *date, TwPrecision precision);

/**
 * tw_date_from_unix_usec:
 * Fills @out with an exact, non-floating instant (UTC, offset 0) at @usec.
 */
void tw_date_from_unix_usec(gint64 usec, TwDate *out);

/**
 * tw_time_format:
 * @usec: microseconds since the epoch
 * @zone: (nullable): the zone to write the time in; %NULL writes UTC with `Z`
 * @floating: write a naive time (no `Z`, no offset, @zone ignored)
 * @buf: a buffer of at least %TW_TIME_FORMAT_SIZE bytes
 *
 * Writes an ISO 8601 instant: `2026-02-13T10:30:00Z`, `2026-02-13T11:30:00+01:00`, or
 * `2026-02-13T10:30:00.250000Z` when there are microseconds. Does not allocate; fast enough to
 * call per event. Zones that are UTC by name (UTC, Etc/UTC, ...) are written with `Z`, others
 * with their offset even when it is zero (`+00:00` for Europe/London in winter). An instant
 * whose wall clock in @zone falls outside the years 0001..9999 is written in UTC with `Z`.
 *
 * Returns: the length written, not counting the NUL.
 */
#define TW_TIME_FORMAT_SIZE 40
gsize tw_time_format(gint64 usec, GTimeZone *zone, gboolean floating, char *buf);

/**
 * tw_civil_to_usec:
 * The instant of a proleptic Gregorian wall-clock time read as UTC. Does not validate.
 */
gint64 tw_civil_to_usec(int year, int month, int day, int hour, int minute, int second);

/**
 * tw_usec_to_civil:
 * The proleptic Gregorian wall-clock fields of @usec read as UTC (any out pointer may be NULL).
 */
void tw_usec_to_civil(gint64 usec, int *year, int *month, int *day, int *hour, int *minute,
                      int *second, int *microsecond);

/**
 * tw_duration_parse:
 * @text: `90d`, `12h`, `1h30m`, `2w`, `45s`, `500ms`, `250us`, or a bare number of seconds
 * @out_usec: (out): the duration in microseconds
 * @error: a #TW_DATE_ERROR_SYNTAX quoting @text
 *
 * Months and years are not durations (they vary in length): use days.
 */
gboolean tw_duration_parse(const char *text, gint64 *out_usec, GError **error);

/**
 * tw_duration_format:
 * Writes @usec in the largest units that represent it exactly: `90d`, `1h30m`, `0s`.
 * Returns: (transfer full): a newly allocated string.
 */
char *tw_duration_format(gint64 usec);

/**
 * tw_zone_new:
 * @name: an IANA zone (`Europe/Berlin`), `UTC`, `Z`, an offset (`+01:00`), or `local`
 * @error: #TW_DATE_ERROR_ZONE when the name is unknown (GLib would silently give UTC)
 *
 * Returns: (transfer full): the zone, g_time_zone_unref() it.
 */
GTimeZone *tw_zone_new(const char *name, GError **error);

/* Names used in text forms and exports: "exact", "minute", ... and "none", "early", ... */
const char *tw_precision_to_string(TwPrecision precision);
gboolean tw_precision_from_string(const char *text, TwPrecision *out);
const char *tw_qualifier_to_string(TwQualifier qualifier);
gboolean tw_qualifier_from_string(const char *text, TwQualifier *out);

G_END_DECLS
