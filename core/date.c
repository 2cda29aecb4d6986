/* timeweave: dates with honest precision: the parser and writer every plugin shares.
 *
 * The common ISO forms are parsed by hand and converted with Howard Hinnant's civil-date
 * algorithms (days_from_civil, civil_from_days): no GDateTime per parse. GTimeZone is used only
 * to place naive times in a zone (tw_date_parse's @naive_zone) and to write offsets of zones
 * other than UTC (tw_time_format).
 */
#include "private.h"

#include <timeweave/date.h>

#include <stdio.h>
#include <string.h>

GQuark
tw_date_error_quark(void)
{
  return g_quark_from_static_string("tw-date-error-quark");
}

#define USEC_PER_MIN (G_GINT64_CONSTANT(60) * TW_USEC_PER_SEC)
#define USEC_PER_HOUR (G_GINT64_CONSTANT(3600) * TW_USEC_PER_SEC)

/* ---- Civil-date arithmetic (proleptic Gregorian, after H. Hinnant, "chrono-compatible
 * low-level date algorithms") ---- */

static gint64
days_from_civil(gint64 y, int m, int d)
{
  y -= m <= 2;
  gint64 era = (y >= 0 ? y : y - 399) / 400;
  gint64 yoe = y - era * 400;                                   /* [0, 399] */
  gint64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
  gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

static void
civil_from_days(gint64 z, gint64 *year, int *month, int *day)
{
  z += 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 y = yoe + era * 400;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1);
  int m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *year = y + (m <= 2);
  *month = m;
  *day = d;
}

static gboolean
is_leap(gint64 y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(gint64 y, int m)
{
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Division rounding toward minus infinity, for positive @b (no overflow for any @a). */
static gint64
floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return a % b < 0 ? q - 1 : q;
}

static gint64
floor_mod(gint64 a, gint64 b)
{
  gint64 r = a % b;
  return r < 0 ? r + b : r;
}

/* Instants far outside the representable range (garbage from a source) are pulled in to 1000
 * years beyond it, so that the arithmetic below never overflows. */
static gint64
clamp_wide(gint64 t)
{
  const gint64 margin = G_GINT64_CONSTANT(1000) * 366 * TW_USEC_PER_DAY;
  return CLAMP(t, TW_TIME_MIN - margin, TW_TIME_MAX + margin);
}

/* Microseconds at the start of day @days since the epoch. */
static gint64
usec_of_days(gint64 days)
{
  return days * TW_USEC_PER_DAY;
}

/* Months since year 0 (month index = year * 12 + month - 1) to microseconds at its first day. */
static gint64
usec_of_month_index(gint64 index)
{
  gint64 y = floor_div(index, 12);
  int m = (int)(index - y * 12) + 1;
  return usec_of_days(days_from_civil(y, m, 1));
}

static gint64
month_index_of_usec(gint64 usec)
{
  gint64 y;
  int m, d;
  civil_from_days(floor_div(usec, TW_USEC_PER_DAY), &y, &m, &d);
  return y * 12 + m - 1;
}

gint64
tw_civil_to_usec(int year, int month, int day, int hour, int minute, int second)
{
  /* Not validated, but never undefined: months outside 1..12 are carried into the year, and
   * results beyond gint64 saturate. */
  gint64 y = (gint64)year + floor_div((gint64)month - 1, 12);
  int m = (int)floor_mod((gint64)month - 1, 12) + 1;
  gint64 days = days_from_civil(y, m, 1) + (gint64)day - 1;
  gint64 usec, total;
  gint64 time = ((gint64)hour * 3600 + (gint64)minute * 60 + second) * TW_USEC_PER_SEC;
  if (__builtin_mul_overflow(days, TW_USEC_PER_DAY, &usec) ||
      __builtin_add_overflow(usec, time, &total))
    return days < 0 ? G_MININT64 : G_MAXINT64;
  return total;
}

void
tw_usec_to_civil(gint64 usec, int *year, int *month, int *day, int *hour, int *minute, int *second,
                 int *microsecond)
{
  gint64 days = floor_div(usec, TW_USEC_PER_DAY);
  gint64 rest = floor_mod(usec, TW_USEC_PER_DAY);
  gint64 y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  if (year)
    *year = (int)y;
  if (month)
    *month = m;
  if (day)
    *day = d;
  gint64 secs = rest / TW_USEC_PER_SEC;
  if (hour)
    *hour = (int)(secs / 3600);
  if (minute)
    *minute = (int)(secs / 60 % 60);
  if (second)
    *second = (int)(secs % 60);
  if (microsecond)
    *microsecond = (int)(rest % TW_USEC_PER_SEC);
}

/* ---- Names ---- */

static const char *const precision_names[TW_PRECISION_N] = {
    "exact",   "minute", "hour",   "day",  "week",   "month",
    "quarter", "half",   "season", "year", "decade", "century",
};

static const char *const qualifier_names[TW_QUALIFIER_N] = {
    "none", "early", "mid", "late", "approx", "before", "after",
};

const char *
tw_precision_to_string(TwPrecision precision)
{
  if ((unsigned)precision >= TW_PRECISION_N)
    return NULL;
  return precision_names[precision];
}

gboolean
tw_precision_from_string(const char *text, TwPrecision *out)
{
  if (text == NULL)
    return FALSE;
  for (int i = 0; i < TW_PRECISION_N; i++) {
    if (g_ascii_strcasecmp(text, precision_names[i]) == 0) {
      if (out)
        *out = (TwPrecision)i;
      return TRUE;
    }
  }
  return FALSE;
}

const char *
tw_qualifier_to_string(TwQualifier qualifier)
{
  if ((unsigned)qualifier >= TW_QUALIFIER_N)
    return NULL;
  return qualifier_names[qualifier];
}

gboolean
tw_qualifier_from_string(const char *text, TwQualifier *out)
{
  if (text == NULL)
    return FALSE;
  for (int i = 0; i < TW_QUALIFIER_N; i++) {
    if (g_ascii_strcasecmp(text, qualifier_names[i]) == 0) {
      if (out)
        *out = (TwQualifier)i;
      return TRUE;
    }
  }
  /* The long spelling the design document uses. */
  if (g_ascii_strcasecmp(text, "approximate") == 0) {
    if (out)
      *out = TW_QUALIFIER_APPROX;
    return TRUE;
  }
  return FALSE;
}

/* ---- Periods: truncation, nominal ends and qualifier narrowing ---- */

/* The nominal period of @precision that contains the wall-clock time @wall (read as UTC):
 * its start and exclusive end. */
static void
period_bounds(gint64 wall, TwPrecision precision, gint64 *start, gint64 *end)
{
  gint64 days = floor_div(wall, TW_USEC_PER_DAY);
  gint64 mi = month_index_of_usec(wall);
  gint64 y = floor_div(mi, 12);
  switch (precision) {
  case TW_PRECISION_EXACT:
  case TW_PRECISION_N:
    *start = *end = wall;
    return;
  case TW_PRECISION_MINUTE:
    *start = floor_div(wall, USEC_PER_MIN) * USEC_PER_MIN;
    *end = *start + USEC_PER_MIN;
    return;
  case TW_PRECISION_HOUR:
    *start = floor_div(wall, USEC_PER_HOUR) * USEC_PER_HOUR;
    *end = *start + USEC_PER_HOUR;
    return;
  case TW_PRECISION_DAY:
    *start = usec_of_days(days);
    *end = *start + TW_USEC_PER_DAY;
    return;
  case TW_PRECISION_WEEK: {
    /* 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0. */
    gint64 monday = days - floor_mod(days + 3, 7);
    *start = usec_of_days(monday);
    *end = usec_of_days(monday + 7);
    return;
  }
  case TW_PRECISION_MONTH:
    *start = usec_of_month_index(mi);
    *end = usec_of_month_index(mi + 1);
    return;
  case TW_PRECISION_QUARTER:
    *start = usec_of_month_index(mi - floor_mod(mi, 3));
    *end = usec_of_month_index(mi - floor_mod(mi, 3) + 3);
    return;
  case TW_PRECISION_HALF:
    *start = usec_of_month_index(mi - floor_mod(mi, 6));
    *end = usec_of_month_index(mi - floor_mod(mi, 6) + 6);
    return;
  case TW_PRECISION_SEASON: {
    /* Seasons begin in March, June, September and December. */
    gint64 first = mi - floor_mod(mi - 2, 3);
    *start = usec_of_month_index(first);
    *end = usec_of_month_index(first + 3);
    return;
  }
  case TW_PRECISION_YEAR:
    *start = usec_of_month_index(y * 12);
    *end = usec_of_month_index(y * 12 + 12);
    return;
  case TW_PRECISION_DECADE: {
    gint64 d0 = floor_div(y, 10) * 10;
    *start = usec_of_month_index(d0 * 12);
    *end = usec_of_month_index((d0 + 10) * 12);
    return;
  }
  case TW_PRECISION_CENTURY: {
    gint64 c0 = floor_div(y, 100) * 100;
    *start = usec_of_month_index(c0 * 12);
    *end = usec_of_month_index((c0 + 100) * 12);
    return;
  }
  }
}

/* Narrows the nominal period [*start, *end) of @precision to the third @qualifier names (see
 * date.h for the rule); other qualifiers keep the span. */
static void
narrow(TwPrecision precision, TwQualifier qualifier, gint64 *start, gint64 *end)
{
  int third;
  if (qualifier == TW_QUALIFIER_EARLY)
    third = 0;
  else if (qualifier == TW_QUALIFIER_MID)
    third = 1;
  else if (qualifier == TW_QUALIFIER_LATE)
    third = 2;
  else
    return;

  gint64 s = *start, e = *end;
  switch (precision) {
  case TW_PRECISION_EXACT:
  case TW_PRECISION_N:
    return;
  case TW_PRECISION_MINUTE:
  case TW_PRECISION_HOUR:
  case TW_PRECISION_DAY: {
    /* Equal thirds: 20 s, 20 min, 8 h. */
    gint64 len = (e - s) / 3;
    *start = s + third * len;
    *end = third == 2 ? e : *start + len;
    return;
  }
  case TW_PRECISION_WEEK:
    /* Monday-Tuesday, Wednesday-Thursday, Friday-Sunday. */
    *start = s + (gint64)third * 2 * TW_USEC_PER_DAY;
    *end = third == 2 ? e : *start + 2 * TW_USEC_PER_DAY;
    return;
  case TW_PRECISION_MONTH:
    /* Days 1-10, 11-20, 21-end. */
    *start = s + (gint64)third * 10 * TW_USEC_PER_DAY;
    *end = third == 2 ? e : *start + 10 * TW_USEC_PER_DAY;
    return;
  default: {
    /* Periods made of whole months: a third of their months each. */
    gint64 m0 = month_index_of_usec(s);
    gint64 n = month_index_of_usec(e) - m0;
    gint64 len = n / 3;
    *start = usec_of_month_index(m0 + third * len);
    *end = third == 2 ? e : usec_of_month_index(m0 + (third + 1) * len);
    return;
  }
  }
}

/* The offset of @date's wall clock from UTC, in microseconds. */
static gint64
wall_offset(const TwDate *date)
{
  if (date->floating || !date->has_offset)
    return 0;
  return (gint64)date->utc_offset * TW_USEC_PER_SEC;
}

static gint64
clamp_time(gint64 t)
{
  return CLAMP(t, TW_TIME_MIN, TW_TIME_MAX + 1);
}

void
tw_date_set_precision(TwDate *date, TwPrecision precision)
{
  g_return_if_fail(date != NULL);
  g_return_if_fail((unsigned)precision < TW_PRECISION_N);

  date->precision = precision;
  if (precision == TW_PRECISION_EXACT) {
    date->end = date->start;
    return;
  }
  date->start = clamp_wide(date->start);
  gint64 offset = wall_offset(date);
  gint64 start, end, nominal_start, nominal_end, shift;
  for (;;) {
    period_bounds(date->start + offset, precision, &start, &end);
    nominal_start = start;
    nominal_end = end;
    narrow(precision, date->qualifier, &start, &end);
    shift = precision >= TW_PRECISION_DAY ? 0 : offset;
    /* Outside the range as an instant, or (a period under a day, written in the stated offset)
     * with its wall clock in year 10000 or 0: 9999-12-31T24:00+01:01 is 22:59Z, inside, but its
     * hour would be written 10000-01-01T00+01:01 (found by tests/fuzz). */
    gboolean outside = end - shift <= TW_TIME_MIN || start - shift > TW_TIME_MAX;
    gboolean wall_outside = shift != 0 && (start > TW_TIME_MAX || end <= TW_TIME_MIN);
    if (!(outside || wall_outside) || offset == 0)
      break;
    /* The wall clock in the stated offset is in year 0 or 10000 (9999-12-31T23:30Z in +01:00
     * is on 10000-01-01): take the period in UTC, as tw_time_format() writes such an instant
     * (found by tests/fuzz). */
    date->has_offset = FALSE;
    date->utc_offset = 0;
    offset = 0;
  }
  if (end - shift <= TW_TIME_MIN || start - shift > TW_TIME_MAX) {
    /* The third that the qualifier names lies wholly outside the range: "late 9999-12-31" as a
     * season is late in the winter of 9999, February 10000. Clamping it would leave an empty
     * span outside the range, which tw_date_parse() refuses; keep the part of the period that
     * lies inside, unqualified (found by tests/fuzz). */
    start = nominal_start;
    end = nominal_end;
    date->qualifier = TW_QUALIFIER_NONE;
  }
  if (precision >= TW_PRECISION_DAY) {
    /* Calendar dates are floating, as tw_date_parse() reads them. */
    date->floating = TRUE;
    date->has_offset = FALSE;
    date->utc_offset = 0;
    offset = 0;
  }
  date->start = clamp_time(start - offset);
  date->end = clamp_time(end - offset);
}

void
tw_date_from_unix_usec(gint64 usec, TwDate *out)
{
  g_return_if_fail(out != NULL);
  memset(out, 0, sizeof *out);
  out->start = usec;
  out->end = usec;
  out->precision = TW_PRECISION_EXACT;
  out->qualifier = TW_QUALIFIER_NONE;
  out->floating = FALSE;
  out->has_offset = TRUE;
  out->utc_offset = 0;
}

/* ---- Zones ---- */

/* The offset (seconds east of UTC) of @zone at the UTC instant @secs. */
static gint32
zone_offset_at(GTimeZone *zone, gint64 secs)
{
  int interval = g_time_zone_find_interval(zone, G_TIME_TYPE_UNIVERSAL, secs);
  return g_time_zone_get_offset(zone, interval);
}

/* The UTC instant (seconds) of the wall-clock time @wall (seconds, read as UTC) in @zone, and
 * the offset in force there. A time that occurs twice (when clocks go back) is the first
 * occurrence; a time that does not exist (clocks go forward) is read with the offset in force
 * before the gap, so it lands after the gap by the gap's length. This is RFC 5545's rule (3.3.5)
 * and that of Python's zoneinfo with fold=0 and of java.time. */
static gint64
zone_wall_to_utc(GTimeZone *zone, gint64 wall, gint32 *offset)
{
  /* The UTC instant lies within 26 hours of the wall time: these two probes see the offsets
   * before and after any transition near it. */
  gint32 candidates[3];
  candidates[0] = zone_offset_at(zone, wall - 86400 - 3 * 3600);
  candidates[1] = zone_offset_at(zone, wall - zone_offset_at(zone, wall));
  candidates[2] = zone_offset_at(zone, wall + 86400 + 3 * 3600);
  gboolean found = FALSE;
  gint64 best = 0;
  for (int i = 0; i < 3; i++) {
    gint64 u = wall - candidates[i];
    if (zone_offset_at(zone, u) == candidates[i] && (!found || u < best)) {
      best = u;
      *offset = candidates[i];
      found = TRUE;
    }
  }
  if (found)
    return best;
  /* A gap: read with the offset before it, and report the offset in force at the result. */
  best = wall - candidates[0];
  *offset = zone_offset_at(zone, best);
  return best;
}

/* Parses ±HH, ±HHMM, ±HH:MM or ±HH:MM:SS at @p; returns the end or NULL. */
static const char *
parse_offset(const char *p, gint32 *seconds, gboolean *bad_value)
{
  int sign;
  *bad_value = FALSE;
  if (*p == '+')
    sign = 1;
  else if (*p == '-')
    sign = -1;
  else
    return NULL;
  p++;
  if (!g_ascii_isdigit(p[0]) || !g_ascii_isdigit(p[1]))
    return NULL;
  int h = (p[0] - '0') * 10 + (p[1] - '0'), m = 0, s = 0;
  p += 2;
  if (p[0] == ':' && g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2])) {
    m = (p[1] - '0') * 10 + (p[2] - '0');
    p += 3;
    if (p[0] == ':' && g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2])) {
      s = (p[1] - '0') * 10 + (p[2] - '0');
      p += 3;
    }
  } else if (g_ascii_isdigit(p[0]) && g_ascii_isdigit(p[1])) {
    m = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
  }
  if (g_ascii_isdigit(*p))
    return NULL;
  if (h > 23 || m > 59 || s > 59)
    *bad_value = TRUE;
  *seconds = sign * (h * 3600 + m * 60 + s);
  return p;
}

/* Whether @name is an IANA zone: a TZif file in the zone database. GLib would also read any
 * path, a POSIX TZ string ("XYZ3") or a non-zone file such as zone.tab (with a critical). */
static gboolean
is_iana_zone_file(const char *name)
{
  if (name[0] == '\0' || name[0] == '/' || name[0] == '-' || strlen(name) > 200)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++) {
    if (!g_ascii_isalnum(*p) && *p != '/' && *p != '_' && *p != '-' && *p != '+')
      return FALSE;
    if (*p == '/' && (p[1] == '/' || p[1] == '\0'))
      return FALSE;
  }
  const char *dir = g_getenv("TZDIR");
  g_autofree char *path = g_build_filename(dir && *dir ? dir : "/usr/share/zoneinfo", name, NULL);
  FILE *file = fopen(path, "rb");
  if (file == NULL)
    return FALSE;
  char magic[4];
  gboolean ok = fread(magic, 1, sizeof magic, file) == sizeof magic &&
                memcmp(magic, "TZif", sizeof magic) == 0;
  fclose(file);
  return ok;
}

GTimeZone *
tw_zone_new(const char *name, GError **error)
{
  g_return_val_if_fail(name != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  if (g_ascii_strcasecmp(name, "UTC") == 0 || g_ascii_strcasecmp(name, "Z") == 0)
    return g_time_zone_new_utc();
  if (strcmp(name, "local") == 0)
    return g_time_zone_new_local();
  if (name[0] == '+' || name[0] == '-') {
    gint32 seconds;
    gboolean bad;
    const char *end = parse_offset(name, &seconds, &bad);
    if (end == NULL || *end != '\0' || bad) {
      g_autofree char *quoted = _tw_quote_text(name);
      g_set_error(error, TW_DATE_ERROR, TW_DATE_ERROR_ZONE,
                  "'%s' is not a time zone: offsets are written +HH:MM, +HHMM or +HH, up to "
                  "23:59",
                  quoted);
      return NULL;
    }
    return g_time_zone_new_offset(seconds);
  }
  GTimeZone *zone = NULL;
  if (is_iana_zone_file(name))
    zone = g_time_zone_new_identifier(name);
  if (zone == NULL) {
    g_autofree char *quoted = _tw_quote_text(name);
    g_set_error(error, TW_DATE_ERROR, TW_DATE_ERROR_ZONE,
                "'%s' is not a time zone: use an IANA name such as Europe/Berlin, UTC, an offset "
                "such as +01:00, or local",
                quoted);
    return NULL;
  }
  return zone;
}

/* ---- Writing ---- */

static char *
put_digits(char *p, gint64 value, int width)
{
  if (width == 2 && value >= 0 && value < 100) { /* a month, day, hour, minute or second */
    p[0] = (char)('0' + value / 10);
    p[1] = (char)('0' + value % 10);
    return p + 2;
  }
  /* A year of four digits or the microseconds: exactly @width digits, written from the right
   * (the exporters write two or three times an event; the loop below was 3.5% of a CSV run). */
  if ((width == 4 && value >= 0 && value < 10000) ||
      (width == 6 && value >= 0 && value < 1000000)) {
    for (int i = width - 1; i >= 0; i--) {
      p[i] = (char)('0' + value % 10);
      value /= 10;
    }
    return p + width;
  }
  char tmp[24];
  int n = 0;
  guint64 v = value < 0 ? (guint64)(-(value + 1)) + 1 : (guint64)value;
  if (value < 0)
    *p++ = '-';
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; i++)
    *p++ = '0';
  while (n > 0)
    *p++ = tmp[--n];
  return p;
}

static char *
put_offset(char *p, gint32 offset)
{
  *p++ = offset < 0 ? '-' : '+';
  gint32 a = ABS(offset);
  p = put_digits(p, a / 3600, 2);
  *p++ = ':';
  p = put_digits(p, a / 60 % 60, 2);
  if (a % 60 != 0) {
    *p++ = ':';
    p = put_digits(p, a % 60, 2);
  }
  return p;
}

/* Writes the wall-clock time @wall as YYYY-MM-DDTHH[:MM[:SS[.ffffff]]] for @precision
 * (EXACT writes the seconds, and microseconds when there are any). */
static char *
put_wall(char *p, gint64 wall, TwPrecision precision)
{
  int y, mo, d, h, mi, s, us;
  tw_usec_to_civil(wall, &y, &mo, &d, &h, &mi, &s, &us);
  p = put_digits(p, y, 4);
  *p++ = '-';
  p = put_digits(p, mo, 2);
  *p++ = '-';
  p = put_digits(p, d, 2);
  *p++ = 'T';
  p = put_digits(p, h, 2);
  if (precision == TW_PRECISION_HOUR)
    return p;
  *p++ = ':';
  p = put_digits(p, mi, 2);
  if (precision == TW_PRECISION_MINUTE)
    return p;
  *p++ = ':';
  p = put_digits(p, s, 2);
  if (us != 0) {
    *p++ = '.';
    p = put_digits(p, us, 6);
  }
  return p;
}

/* Zones that are UTC by name are written with Z; others at offset 0 (Europe/London in winter)
 * with +00:00. */
static gboolean
is_utc_identifier(const char *id)
{
  static const char *const names[] = {"UTC",  "Etc/UTC",  "UCT",       "Etc/UCT",
                                      "Zulu", "Etc/Zulu", "Universal", "Etc/Universal",
                                      "Z",    "+00:00",   "Etc/GMT",   "GMT"};
  for (gsize i = 0; id != NULL && i < G_N_ELEMENTS(names); i++)
    if (strcmp(id, names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The offset (seconds) tw_time_format() writes @usec in @zone with: the zone's, or 0 and
 * @utc set when the wall clock would lie outside 0001..9999 (the last hour of 9999 in Berlin
 * would be 10000-01-01T00:30+01:00, which nothing reads): the instant is written in UTC then
 * (found by tests/fuzz). */
static inline gint32
zone_wall_offset(GTimeZone *zone, gint64 usec, gboolean *utc)
{
  gint32 offset = zone_offset_at(zone, floor_div(usec, TW_USEC_PER_SEC));
  gint64 wall;
  *utc = __builtin_add_overflow(usec, (gint64)offset * TW_USEC_PER_SEC, &wall) ||
         (usec >= TW_TIME_MIN && usec <= TW_TIME_MAX && (wall < TW_TIME_MIN || wall > TW_TIME_MAX));
  return *utc ? 0 : offset;
}

gint32
_tw_zone_wall_offset(GTimeZone *zone, gint64 usec)
{
  gboolean utc;
  return zone_wall_offset(zone, usec, &utc);
}

gboolean
_tw_zone_is_utc(GTimeZone *zone)
{
  return is_utc_identifier(g_time_zone_get_identifier(zone));
}

gsize
tw_time_format(gint64 usec, GTimeZone *zone, gboolean floating, char *buf)
{
  g_return_val_if_fail(buf != NULL, 0);
  char *p = buf;
  if (floating) {
    p = put_wall(p, usec, TW_PRECISION_EXACT);
  } else if (zone == NULL) {
    p = put_wall(p, usec, TW_PRECISION_EXACT);
    *p++ = 'Z';
  } else {
    gboolean utc;
    gint32 offset = zone_wall_offset(zone, usec, &utc);
    p = put_wall(p, usec + (gint64)offset * TW_USEC_PER_SEC, TW_PRECISION_EXACT);
    if (utc || (offset == 0 && is_utc_identifier(g_time_zone_get_identifier(zone))))
      *p++ = 'Z';
    else
      p = put_offset(p, offset);
  }
  *p = '\0';
  return (gsize)(p - buf);
}

static const char *const season_codes[] = {"SP", "SU", "FA", "WI"};
static const char *const qualifier_words[TW_QUALIFIER_N] = {
    NULL, "early", "mid", "late", "about", "before", "after",
};

gint64
tw_date_range_end(const TwDate *date)
{
  if (date->end != date->start)
    return date->end;
  return date->start + (date->start % TW_USEC_PER_SEC == 0 ? TW_USEC_PER_SEC : 1);
}

char *
tw_date_format(const TwDate *date)
{
  g_return_val_if_fail(date != NULL, NULL);
  char buf[96];
  char *p = buf;
  TwQualifier q = date->qualifier;
  if ((unsigned)q < TW_QUALIFIER_N && qualifier_words[q] != NULL) {
    size_t n = strlen(qualifier_words[q]);
    memcpy(p, qualifier_words[q], n);
    p += n;
    *p++ = ' ';
  }

  TwPrecision precision = date->precision;
  if ((unsigned)precision >= TW_PRECISION_N)
    precision = TW_PRECISION_EXACT;
  TwDate clamped = *date;
  clamped.start = clamp_wide(date->start);
  date = &clamped;

  if (precision <= TW_PRECISION_HOUR) {
    gint64 unit = precision == TW_PRECISION_MINUTE ? USEC_PER_MIN
                  : precision == TW_PRECISION_HOUR ? USEC_PER_HOUR
                                                   : 1;
    if (date->floating) {
      gint64 wall = date->start - floor_mod(date->start, unit);
      p = put_wall(p, wall, precision);
    } else if (precision == TW_PRECISION_EXACT) {
      p = put_wall(p, date->start, precision);
      *p++ = 'Z';
    } else {
      /* Written in UTC when the minute or hour begins on a UTC minute or hour. One that does
       * not (10:00+05:30 is 04:30Z) keeps the offset the text stated, or failing that (the
       * offset is not known) is written in the offset, within half the unit, that makes it
       * begin on the minute or hour; either way it reads back to the same span. */
      int third = date->qualifier == TW_QUALIFIER_MID    ? 1
                  : date->qualifier == TW_QUALIFIER_LATE ? 2
                                                         : 0;
      gint64 nominal = date->start - third * (unit / 3);
      gint64 misaligned = floor_mod(nominal, unit);
      gint64 stated = (gint64)date->utc_offset * TW_USEC_PER_SEC;
      /* The offsets that make it begin on the minute or hour, in the order above; the first
       * whose wall clock lies in 0001..9999 is taken: 9999-12-31T24:00+01:01:01 is
       * 22:58:59Z, whose minute in its own offset would be written 10000-01-01T00:00+01:01:01,
       * which nothing reads, but 9999-12-31T22:59+00:00:01 reads back (found by tests/fuzz). */
      gint64 candidates[3];
      guint n_candidates = 0;
      if (misaligned != 0 && date->has_offset && floor_mod(nominal + stated, unit) == 0)
        candidates[n_candidates++] = stated;
      if (misaligned != 0 && misaligned % TW_USEC_PER_SEC == 0) {
        gint64 back = -misaligned, ahead = unit - misaligned;
        candidates[n_candidates++] = misaligned <= unit / 2 ? back : ahead;
        candidates[n_candidates++] = misaligned <= unit / 2 ? ahead : back;
      }
      gint64 off = 0; /* on the minute or hour already, or not a whole second off: truncated */
      for (guint i = 0; i < n_candidates; i++) {
        if (nominal + candidates[i] >= TW_TIME_MIN && nominal + candidates[i] <= TW_TIME_MAX) {
          off = candidates[i];
          break;
        }
      }
      gint64 wall = nominal + off;
      p = put_wall(p, wall - floor_mod(wall, unit), precision);
      if (off == 0)
        *p++ = 'Z';
      else
        p = put_offset(p, (gint32)(off / TW_USEC_PER_SEC));
    }
    *p = '\0';
    return g_strdup(buf);
  }

  gint64 wall = date->start + wall_offset(date);
  gint64 ps, pe;
  period_bounds(wall, precision, &ps, &pe);
  gint64 y;
  int m, d;
  civil_from_days(floor_div(ps, TW_USEC_PER_DAY), &y, &m, &d);
  switch (precision) {
  case TW_PRECISION_DAY:
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    break;
  case TW_PRECISION_WEEK: {
    /* The ISO week-numbering year is that of the week's Thursday. */
    gint64 thursday = floor_div(ps, TW_USEC_PER_DAY) + 3;
    gint64 ty;
    int tm, td;
    civil_from_days(thursday, &ty, &tm, &td);
    gint64 week = (thursday - days_from_civil(ty, 1, 1)) / 7 + 1;
    p = put_digits(p, ty, 4);
    *p++ = '-';
    *p++ = 'W';
    p = put_digits(p, week, 2);
    break;
  }
  case TW_PRECISION_MONTH:
    p = put_digits(p, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    break;
  case TW_PRECISION_QUARTER:
    p = put_digits(p, y, 4);
    *p++ = '-';
    *p++ = 'Q';
    p = put_digits(p, (m - 1) / 3 + 1, 1);
    break;
  case TW_PRECISION_HALF:
    p = put_digits(p, y, 4);
    *p++ = '-';
    *p++ = 'H';
    p = put_digits(p, (m - 1) / 6 + 1, 1);
    break;
  case TW_PRECISION_SEASON:
    /* Winter belongs to the year of its December. */
    p = put_digits(p, y, 4);
    *p++ = '-';
    memcpy(p, season_codes[(m - 3) / 3], 2);
    p += 2;
    break;
  case TW_PRECISION_YEAR:
    p = put_digits(p, y, 4);
    break;
  case TW_PRECISION_DECADE:
    p = put_digits(p, y, 4);
    *p++ = 's';
    break;
  case TW_PRECISION_CENTURY:
    p = put_digits(p, y / 100, 2);
    *p++ = 'X';
    *p++ = 'X';
    break;
  default:
    break;
  }
  *p = '\0';
  return g_strdup(buf);
}

/* ---- Durations ---- */

static const struct {
  const char *suffix;
  gint64 usec;
} duration_units[] = {
    {"w", G_GINT64_CONSTANT(7) * 86400 * 1000000},
    {"d", G_GINT64_CONSTANT(86400) * 1000000},
    {"h", G_GINT64_CONSTANT(3600) * 1000000},
    {"m", G_GINT64_CONSTANT(60) * 1000000},
    {"s", G_GINT64_CONSTANT(1000000)},
    {"ms", G_GINT64_CONSTANT(1000)},
    {"us", G_GINT64_CONSTANT(1)},
};

gboolean
tw_duration_parse(const char *text, gint64 *out_usec, GError **error)
{
  g_return_val_if_fail(text != NULL, FALSE);
  g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

  const char *p = text;
  while (g_ascii_isspace(*p))
    p++;
  gboolean negative = FALSE;
  if (*p == '-') {
    negative = TRUE;
    p++;
  } else if (*p == '+') {
    p++;
  }
  const char *why = NULL;
  guint64 total = 0;
  int last_unit = -1;
  gboolean any = FALSE;
  while (*p != '\0') {
    if (!g_ascii_isdigit(*p)) {
      why = "expected a number";
      goto fail;
    }
    guint64 value = 0;
    while (g_ascii_isdigit(*p)) {
      if (value > (guint64)G_MAXINT64 / 10) {
        why = "the duration is too long";
        goto fail;
      }
      value = value * 10 + (guint64)(*p - '0');
      p++;
    }
    int unit = -1;
    if (*p == '\0' || g_ascii_isspace(*p)) {
      /* `7 days`, `1 h`: a unit after a space would otherwise read as a bare number of seconds
       * and then as a number that is missing. */
      const char *next = p;
      while (g_ascii_isspace(*next))
        next++;
      if (g_ascii_isalpha(*next) || strncmp(next, "\xc2\xb5", 2) == 0) {
        why = "the unit follows its number without a space";
        goto fail;
      }
      if (any) {
        why = "a number without a unit after the first part";
        goto fail;
      }
      unit = 4; /* a bare number of seconds */
    } else {
      for (int i = (int)G_N_ELEMENTS(duration_units) - 1; i >= 0; i--) {
        size_t n = strlen(duration_units[i].suffix);
        if (strncmp(p, duration_units[i].suffix, n) == 0 && !g_ascii_isalpha(p[n])) {
          unit = i;
          p += n;
          break;
        }
      }
      if (unit < 0 && strncmp(p, "\xc2\xb5s", 3) == 0 && !g_ascii_isalpha(p[3])) {
        unit = 6; /* µs */
        p += 3;
      }
      if (unit < 0) {
        why = "the units are w, d, h, m, s, ms and us";
        goto fail;
      }
    }
    if (unit <= last_unit) {
      why = "each unit may appear once, from the largest to the smallest";
      goto fail;
    }
    last_unit = unit;
    guint64 scale = (guint64)duration_units[unit].usec;
    if (value > ((guint64)G_MAXINT64 - total) / scale) {
      why = "the duration is too long";
      goto fail;
    }
    total += value * scale;
    any = TRUE;
    while (g_ascii_isspace(*p))
      p++;
  }
  if (!any) {
    why = "it is empty";
    goto fail;
  }
  if (out_usec)
    *out_usec = negative ? -(gint64)total : (gint64)total;
  return TRUE;

fail:;
  g_autofree char *quoted = _tw_quote_text(text);
  g_set_error(error, TW_DATE_ERROR, TW_DATE_ERROR_SYNTAX,
              "'%s' is not a duration: %s (e.g. 90d, 1h30m, 500ms)", quoted, why);
  return FALSE;
}

char *
_tw_date_format_in_zones(const TwDate *date, GTimeZone *const *zones, guint n_zones)
{
  if (date->floating)
    return tw_date_format(date);

  GTimeZone *zone = n_zones > 0 ? zones[0] : NULL;
  if (date->precision == TW_PRECISION_EXACT) {
    char *text = tw_date_format(date);
    if (zone == NULL)
      return text;
    /* The canonical text ends with the UTC instant ("about 2026-02-13T10:30:00Z"): write the
     * same instant in the zone instead. */
    char utc[TW_TIME_FORMAT_SIZE];
    char zoned[TW_TIME_FORMAT_SIZE];
    gsize utc_length = tw_time_format(date->start, NULL, FALSE, utc);
    gsize text_length = strlen(text);
    if (text_length >= utc_length && strcmp(text + text_length - utc_length, utc) == 0) {
      g_autofree char *prefix = g_strndup(text, text_length - utc_length);
      tw_time_format(date->start, zone, FALSE, zoned);
      g_free(text);
      text = g_strconcat(prefix, zoned, NULL);
    }
    return text;
  }

  if (date->precision != TW_PRECISION_MINUTE && date->precision != TW_PRECISION_HOUR)
    return tw_date_format(date);

  /* A minute or an hour that does not begin on a UTC minute or hour (10:00+05:30 is 04:30Z)
   * must be written with an offset in which it does, or it would read back as another span: the
   * first of @zones in which it does, else the offset it states, else the misalignment itself. */
  TwDate copy = *date;
  gint64 unit = (copy.precision == TW_PRECISION_MINUTE ? 60 : 3600) * TW_USEC_PER_SEC;
  if (floor_mod(copy.start, unit) != 0) {
    gint64 seconds = copy.start / TW_USEC_PER_SEC - (copy.start % TW_USEC_PER_SEC < 0);
    gboolean found = FALSE;
    for (guint i = 0; i < n_zones && !found; i++) {
      if (zones[i] == NULL)
        continue;
      gint interval = g_time_zone_find_interval(zones[i], G_TIME_TYPE_UNIVERSAL, seconds);
      if (interval < 0)
        continue;
      gint32 offset = g_time_zone_get_offset(zones[i], interval);
      if (floor_mod(copy.start + (gint64)offset * TW_USEC_PER_SEC, unit) == 0) {
        copy.has_offset = TRUE;
        copy.utc_offset = offset;
        found = TRUE;
      }
    }
    /* Else the offset the date states, if any (tw_date_format() keeps it); an offset is
     * written in whole minutes. */
    if (!found && !copy.has_offset && floor_mod(copy.start, 60 * TW_USEC_PER_SEC) == 0) {
      copy.has_offset = TRUE;
      copy.utc_offset = (gint32)(-floor_mod(copy.start, unit) / TW_USEC_PER_SEC);
    }
  }
  return tw_date_format(&copy);
}

gint64
tw_date_end_instant(const TwDate *start, const TwDate *end)
{
  g_return_val_if_fail(start != NULL && end != NULL, 0);
  if (start->floating && !end->floating && end->has_offset)
    return end->start + (gint64)end->utc_offset * TW_USEC_PER_SEC;
  if (!start->floating && end->floating && start->has_offset)
    return end->start - (gint64)start->utc_offset * TW_USEC_PER_SEC;
  return end->start;
}

char *
tw_date_format_in_zone(const TwDate *date, GTimeZone *zone)
{
  g_return_val_if_fail(date != NULL, NULL);
  return _tw_date_format_in_zones(date, &zone, 1);
}

char *
tw_duration_format(gint64 usec)
{
  if (usec == 0)
    return g_strdup("0s");
  GString *s = g_string_new(NULL);
  guint64 rest;
  if (usec < 0) {
    g_string_append_c(s, '-');
    rest = (guint64)(-(usec + 1)) + 1;
  } else {
    rest = (guint64)usec;
  }
  /* Weeks are not used: 90d reads better than 12w6d. */
  for (gsize i = 1; i < G_N_ELEMENTS(duration_units); i++) {
    guint64 unit = (guint64)duration_units[i].usec;
    if (rest >= unit) {
      g_string_append_printf(s, "%" G_GUINT64_FORMAT "%s", rest / unit, duration_units[i].suffix);
      rest %= unit;
    }
  }
  return g_string_free(s, FALSE);
}

/* ---- Parsing ---- */

typedef struct {
  const char *text; /* the whole text, for messages */
  GError **error;
} ParseContext;

static gboolean G_GNUC_PRINTF(3, 4)
    fail(ParseContext *ctx, TwDateError code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *why = g_strdup_vprintf(format, args);
  va_end(args);
  g_autofree char *quoted = _tw_quote_text(ctx->text);
  if (code == TW_DATE_ERROR_OUT_OF_RANGE)
    g_set_error(ctx->error, TW_DATE_ERROR, code, "'%s' is out of range: %s", quoted, why);
  else
    g_set_error(ctx->error, TW_DATE_ERROR, code, "'%s' is not a date: %s", quoted, why);
  return FALSE;
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

/* Reads exactly @n digits at *@p. */
static gboolean
read_digits(const char **p, const char *end, int n, int *value)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (*p + i >= end || !g_ascii_isdigit((*p)[i]))
      return FALSE;
    v = v * 10 + ((*p)[i] - '0');
  }
  *value = v;
  *p += n;
  return TRUE;
}

static int
count_digits(const char *p, const char *end)
{
  int n = 0;
  while (p + n < end && g_ascii_isdigit(p[n]))
    n++;
  return n;
}

static gboolean
check_year(ParseContext *ctx, gint64 year)
{
  if (year < 1 || year > 9999)
    return fail(ctx, TW_DATE_ERROR_OUT_OF_RANGE,
                "year %" G_GINT64_FORMAT " is outside 0001 to 9999", year);
  return TRUE;
}

/* Sets a floating calendar date spanning [start, end) (tw_date_parse() checks the range). */
static gboolean
set_calendar(ParseContext *ctx, TwDate *out, TwPrecision precision, gint64 start, gint64 end)
{
  out->start = start;
  out->end = end;
  out->precision = precision;
  out->floating = TRUE;
  out->has_offset = FALSE;
  out->utc_offset = 0;
  return TRUE;
}

static gboolean
at_end(const char *p, const char *end)
{
  return p == end;
}

/* The time of day and zone after a date, at @p (just past the 'T' or the spaces). */
static gboolean
parse_time(ParseContext *ctx, const char *p, const char *end, gboolean basic, gint64 day,
           GTimeZone *naive_zone, TwDate *out)
{
  int hour, minute = 0, second = 0;
  gint64 usec = 0;
  TwPrecision precision = TW_PRECISION_HOUR;

  if (!read_digits(&p, end, 2, &hour))
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected the hour as two digits after the date");
  gboolean have_minute = FALSE;
  if (basic ? count_digits(p, end) >= 2 : (p < end && *p == ':')) {
    if (!basic)
      p++;
    if (!read_digits(&p, end, 2, &minute))
      return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected the minutes as two digits");
    precision = TW_PRECISION_MINUTE;
    have_minute = TRUE;
    if (basic ? count_digits(p, end) >= 2 : (p < end && *p == ':')) {
      if (!basic)
        p++;
      if (!read_digits(&p, end, 2, &second))
        return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected the seconds as two digits");
      precision = TW_PRECISION_EXACT;
      if (p < end && (*p == '.' || *p == ',')) {
        p++;
        int n = count_digits(p, end);
        if (n == 0)
          return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected digits after the decimal mark");
        /* Microseconds; finer digits (nanoseconds from some tools) are truncated. */
        gint64 scale = 100000;
        for (int i = 0; i < n; i++, scale /= 10)
          if (scale > 0)
            usec += (p[i] - '0') * scale;
        p += n;
      }
    }
  }
  if (g_ascii_isdigit(p < end ? *p : 'x'))
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "too many digits in the time of day");

  /* The zone: Z, an offset, UTC/GMT, or nothing (naive); a space may come before it. */
  const char *q = p;
  while (q < end && *q == ' ')
    q++;
  gboolean zoned = FALSE;
  gint32 offset = 0;
  if (q < end && (*q == 'Z' || *q == 'z') && q + 1 == end) {
    zoned = TRUE;
    p = end;
  } else if (q < end && (*q == '+' || *q == '-')) {
    gboolean bad;
    const char *e = parse_offset(q, &offset, &bad);
    if (e == NULL || e != end)
      return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected an offset such as +01:00, +0100 or +01");
    if (bad)
      return fail(ctx, TW_DATE_ERROR_INVALID, "the offset %.*s is out of range", (int)(e - q), q);
    zoned = TRUE;
    p = end;
  } else if (q + 3 == end && q > p &&
             (g_ascii_strncasecmp(q, "UTC", 3) == 0 || g_ascii_strncasecmp(q, "GMT", 3) == 0)) {
    zoned = TRUE;
    p = end;
  }
  if (!at_end(p, end))
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "unexpected '%.*s' after the time of day",
                (int)(end - p), p);

  if (hour == 24) {
    if (minute != 0 || second != 0 || usec != 0 || !have_minute)
      return fail(ctx, TW_DATE_ERROR_INVALID,
                  "hour 24 is only valid as 24:00 or 24:00:00, the end of the day");
  } else if (hour > 24) {
    return fail(ctx, TW_DATE_ERROR_INVALID, "hour %d is out of range", hour);
  }
  if (minute > 59)
    return fail(ctx, TW_DATE_ERROR_INVALID, "minute %d is out of range", minute);
  if (second == 60)
    return fail(ctx, TW_DATE_ERROR_INVALID,
                "second 60 is a leap second, which timeweave does not represent (use :59)");
  if (second > 60)
    return fail(ctx, TW_DATE_ERROR_INVALID, "second %d is out of range", second);

  gint64 wall = usec_of_days(day) +
                ((gint64)hour * 3600 + (gint64)minute * 60 + second) * TW_USEC_PER_SEC + usec;
  gint64 span = precision == TW_PRECISION_MINUTE ? USEC_PER_MIN
                : precision == TW_PRECISION_HOUR ? USEC_PER_HOUR
                                                 : 0;
  gint64 start;
  if (zoned) {
    start = wall - (gint64)offset * TW_USEC_PER_SEC;
    out->floating = FALSE;
    out->has_offset = TRUE;
    out->utc_offset = offset;
  } else if (naive_zone != NULL) {
    gint64 secs = floor_div(wall, TW_USEC_PER_SEC);
    gint32 zone_offset;
    gint64 utc = zone_wall_to_utc(naive_zone, secs, &zone_offset);
    start = utc * TW_USEC_PER_SEC + (wall - secs * TW_USEC_PER_SEC);
    out->floating = FALSE;
    out->has_offset = TRUE;
    out->utc_offset = zone_offset;
  } else {
    start = wall;
    out->floating = TRUE;
    out->has_offset = FALSE;
    out->utc_offset = 0;
  }
  out->start = start;
  out->end = start + span;
  out->precision = precision;
  return TRUE;
}

static gboolean
check_day(ParseContext *ctx, int year, int month, int day)
{
  if (month < 1 || month > 12)
    return fail(ctx, TW_DATE_ERROR_INVALID, "month %d is out of range", month);
  if (day < 1 || day > days_in_month(year, month))
    return fail(ctx, TW_DATE_ERROR_INVALID, "day %d is out of range (%s %d has %d days)", day,
                month_names[month - 1], year, days_in_month(year, month));
  return TRUE;
}

/* The forms that follow "YYYY-": MM, MM-DD[Ttime], Www[-D], Qn, Hn, a season code. */
static gboolean
parse_after_year(ParseContext *ctx, const char *p, const char *end, int year, GTimeZone *naive_zone,
                 TwDate *out)
{
  int value;
  if (p + 1 < end && (*p == 'W' || *p == 'w') && g_ascii_isdigit(p[1])) {
    p++;
    if (!read_digits(&p, end, 2, &value))
      return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected an ISO week as W01 to W53");
    int weekday = 0;
    if (p < end && *p == '-') {
      p++;
      if (!read_digits(&p, end, 1, &weekday))
        return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected a weekday 1 to 7 after the week");
      if (weekday < 1 || weekday > 7)
        return fail(ctx, TW_DATE_ERROR_INVALID, "weekday %d is out of range", weekday);
    }
    if (!at_end(p, end))
      return fail(ctx, TW_DATE_ERROR_SYNTAX, "unexpected text after the week");
    /* Week 1 holds the year's first Thursday, so it holds January 4. */
    gint64 jan4 = days_from_civil(year, 1, 4);
    gint64 monday1 = jan4 - floor_mod(jan4 + 3, 7);
    gint64 next_jan4 = days_from_civil(year + 1, 1, 4);
    int weeks = (int)((next_jan4 - floor_mod(next_jan4 + 3, 7) - monday1) / 7);
    if (value < 1 || value > weeks)
      return fail(ctx, TW_DATE_ERROR_INVALID, "week %d is out of range (%d has %d ISO weeks)",
                  value, year, weeks);
    gint64 monday = monday1 + (gint64)(value - 1) * 7;
    if (weekday != 0)
      return set_calendar(ctx, out, TW_PRECISION_DAY, usec_of_days(monday + weekday - 1),
                          usec_of_days(monday + weekday));
    return set_calendar(ctx, out, TW_PRECISION_WEEK, usec_of_days(monday),
                        usec_of_days(monday + 7));
  }
  if (p < end && (*p == 'Q' || *p == 'q' || *p == 'H' || *p == 'h')) {
    gboolean quarter = *p == 'Q' || *p == 'q';
    p++;
    if (!read_digits(&p, end, 1, &value) || !at_end(p, end))
      return fail(ctx, TW_DATE_ERROR_SYNTAX,
                  quarter ? "expected a quarter Q1 to Q4" : "expected a half H1 or H2");
    if (value < 1 || value > (quarter ? 4 : 2))
      return fail(ctx, TW_DATE_ERROR_INVALID, "%s %d is out of range", quarter ? "quarter" : "half",
                  value);
    int months = quarter ? 3 : 6;
    gint64 first = (gint64)year * 12 + (value - 1) * months;
    return set_calendar(ctx, out, quarter ? TW_PRECISION_QUARTER : TW_PRECISION_HALF,
                        usec_of_month_index(first), usec_of_month_index(first + months));
  }
  if (end - p == 2 && g_ascii_isalpha(p[0]) && g_ascii_isalpha(p[1])) {
    static const struct {
      const char *code;
      int month;
    } seasons[] = {{"SP", 3}, {"SU", 6}, {"FA", 9}, {"AU", 9}, {"WI", 12}};
    for (gsize i = 0; i < G_N_ELEMENTS(seasons); i++) {
      if (g_ascii_strncasecmp(p, seasons[i].code, 2) == 0) {
        gint64 first = (gint64)year * 12 + seasons[i].month - 1;
        return set_calendar(ctx, out, TW_PRECISION_SEASON, usec_of_month_index(first),
                            usec_of_month_index(first + 3));
      }
    }
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "seasons are SP, SU, FA (or AU) and WI");
  }
  int month;
  if (!read_digits(&p, end, 2, &month) || (p < end && g_ascii_isdigit(*p)))
    return fail(ctx, TW_DATE_ERROR_SYNTAX,
                "expected a month (2026-02), a day (2026-02-13), a week (2026-W07), a quarter "
                "(2026-Q1), a half (2025-H2) or a season (2025-SU)");
  if (at_end(p, end)) {
    if (month < 1 || month > 12)
      return fail(ctx, TW_DATE_ERROR_INVALID, "month %d is out of range", month);
    gint64 first = (gint64)year * 12 + month - 1;
    return set_calendar(ctx, out, TW_PRECISION_MONTH, usec_of_month_index(first),
                        usec_of_month_index(first + 1));
  }
  int day = 0;
  gboolean dash = *p == '-';
  if (dash)
    p++;
  if (!dash || !read_digits(&p, end, 2, &day) || (p < end && g_ascii_isdigit(*p)))
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected a day as YYYY-MM-DD");
  if (!check_day(ctx, year, month, day))
    return FALSE;
  gint64 days = days_from_civil(year, month, day);
  if (at_end(p, end))
    return set_calendar(ctx, out, TW_PRECISION_DAY, usec_of_days(days), usec_of_days(days + 1));
  if (*p == 'T' || *p == 't') {
    p++;
  } else if (*p == ' ') {
    while (p < end && *p == ' ')
      p++;
  } else {
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected 'T' or a space between the date and time");
  }
  return parse_time(ctx, p, end, FALSE, days, naive_zone, out);
}

static gboolean
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* An English month name at @p ("March", "Mar", "Mar.", "Sept"; any case) followed by white
 * space: its number, with *@rest past the spaces; 0 when there is none. */
static int
match_month_name(const char *p, const char *end, const char **rest)
{
  /* Most dates begin with a digit: no need to try twelve names on them (parse_base() asks
   * first, for every date read). */
  if (p >= end || !g_ascii_isalpha(*p))
    return 0;
  for (int m = 1; m <= 12; m++) {
    const char *name = month_names[m - 1];
    size_t full = strlen(name);
    size_t n = 0;
    while (p + n < end && n < full && g_ascii_tolower(p[n]) == g_ascii_tolower(name[n]))
      n++;
    /* The whole name, its first three letters, or "Sept". */
    if (n != full && n != 3 && !(m == 9 && n == 4))
      continue;
    const char *q = p + n;
    if (n < full && q < end && *q == '.')
      q++;
    if (q == end || !is_space(*q))
      continue;
    while (q < end && is_space(*q))
      q++;
    *rest = q;
    return m;
  }
  return 0;
}

/* A date without its qualifier, in [p, end). */
static gboolean
parse_base(ParseContext *ctx, const char *p, const char *end, GTimeZone *naive_zone, TwDate *out)
{
  if (p == end)
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "no date after the qualifier");
  const char *after_name;
  int named_month = match_month_name(p, end, &after_name);
  if (named_month != 0) {
    /* "March 2026", as people write a month. */
    int year = 0;
    const char *q = after_name;
    if (!read_digits(&q, end, 4, &year) || q != end)
      return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected a four-digit year after the month");
    if (!check_year(ctx, year))
      return FALSE;
    gint64 first = (gint64)year * 12 + named_month - 1;
    return set_calendar(ctx, out, TW_PRECISION_MONTH, usec_of_month_index(first),
                        usec_of_month_index(first + 1));
  }
  if ((*p == '-' || *p == '+') && count_digits(p + 1, end) >= 4) {
    /* An expanded year (ISO 8601 -YYYY, +YYYYY). */
    if (*p == '-')
      return fail(ctx, TW_DATE_ERROR_OUT_OF_RANGE, "years before 0001 are not supported");
    if (count_digits(p + 1, end) > 4 && p[1] != '0')
      return fail(ctx, TW_DATE_ERROR_OUT_OF_RANGE, "years after 9999 are not supported");
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "write the year without a sign");
  }
  int n = count_digits(p, end);
  const char *rest = p + n;
  gboolean x2 =
      end - rest >= 2 && (rest[0] == 'X' || rest[0] == 'x') && (rest[1] == 'X' || rest[1] == 'x');
  if (n == 2 && (rest == end || (x2 && rest + 2 == end))) {
    /* A century: 20XX, or TIMEX3's 20. */
    int c = (p[0] - '0') * 10 + (p[1] - '0');
    gint64 y = (gint64)c * 100;
    return set_calendar(ctx, out, TW_PRECISION_CENTURY, usec_of_month_index(y * 12),
                        usec_of_month_index((y + 100) * 12));
  }
  if (n == 3 && (rest == end || ((rest[0] == 'X' || rest[0] == 'x') && rest + 1 == end))) {
    /* A decade: 202X, or TIMEX3's 202. */
    int d = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    gint64 y = (gint64)d * 10;
    return set_calendar(ctx, out, TW_PRECISION_DECADE, usec_of_month_index(y * 12),
                        usec_of_month_index((y + 10) * 12));
  }
  if (n == 8) {
    /* ISO 8601 basic format: 20260213, 20260213T103000Z. */
    int year = 0, month = 0, day = 0;
    const char *q = p;
    read_digits(&q, end, 4, &year);
    read_digits(&q, end, 2, &month);
    read_digits(&q, end, 2, &day);
    if (!check_year(ctx, year) || !check_day(ctx, year, month, day))
      return FALSE;
    gint64 days = days_from_civil(year, month, day);
    if (at_end(q, end))
      return set_calendar(ctx, out, TW_PRECISION_DAY, usec_of_days(days), usec_of_days(days + 1));
    if (*q != 'T' && *q != 't')
      return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected 'T' between the date and time");
    return parse_time(ctx, q + 1, end, TRUE, days, naive_zone, out);
  }
  if (n < 4)
    return fail(ctx, TW_DATE_ERROR_SYNTAX,
                "expected an ISO 8601 date such as 2026-02-13, 2026-02, 2026-Q1 or 2026");
  if (n > 4) {
    if (rest == end || *rest == '-' || *rest == 's')
      return fail(ctx, TW_DATE_ERROR_OUT_OF_RANGE, "years after 9999 are not supported");
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected an ISO 8601 date such as 2026-02-13");
  }
  int year = 0;
  read_digits(&p, end, 4, &year);
  if (p == end) {
    if (!check_year(ctx, year))
      return FALSE;
    return set_calendar(ctx, out, TW_PRECISION_YEAR, usec_of_month_index((gint64)year * 12),
                        usec_of_month_index((gint64)year * 12 + 12));
  }
  if ((*p == 's' || *p == 'S') && p + 1 == end) {
    if (year % 10 != 0)
      return fail(ctx, TW_DATE_ERROR_INVALID, "a decade begins with a year ending in 0");
    return set_calendar(ctx, out, TW_PRECISION_DECADE, usec_of_month_index((gint64)year * 12),
                        usec_of_month_index((gint64)(year + 10) * 12));
  }
  if (*p != '-')
    return fail(ctx, TW_DATE_ERROR_SYNTAX, "expected '-' after the year");
  /* Year 0 is refused, except in the periods that reach into year 1: the winter 0000-WI (as
   * the decade 0000s and the century 00XX above); tw_date_parse() clamps them. */
  gboolean season = end - p == 3 && g_ascii_isalpha(p[1]) && g_ascii_isalpha(p[2]);
  if (!season && !check_year(ctx, year))
    return FALSE;
  return parse_after_year(ctx, p + 1, end, year, naive_zone, out);
}

/* The words before a date that qualify it. A space in a phrase matches any run of spaces;
 * @hyphen allows "mid-2026"; phrases ending in '.' may touch the date ("c.1990"). */
static const struct {
  const char *phrase;
  TwQualifier qualifier;
  gboolean hyphen;
} qualifier_phrases[] = {
    {"early", TW_QUALIFIER_EARLY, TRUE},
    {"the beginning of", TW_QUALIFIER_EARLY, FALSE},
    {"beginning of", TW_QUALIFIER_EARLY, FALSE},
    {"the start of", TW_QUALIFIER_EARLY, FALSE},
    {"start of", TW_QUALIFIER_EARLY, FALSE},
    {"mid", TW_QUALIFIER_MID, TRUE},
    {"the middle of", TW_QUALIFIER_MID, FALSE},
    {"middle of", TW_QUALIFIER_MID, FALSE},
    {"late", TW_QUALIFIER_LATE, TRUE},
    {"the end of", TW_QUALIFIER_LATE, FALSE},
    {"end of", TW_QUALIFIER_LATE, FALSE},
    {"about", TW_QUALIFIER_APPROX, FALSE},
    {"around", TW_QUALIFIER_APPROX, FALSE},
    {"circa", TW_QUALIFIER_APPROX, FALSE},
    {"approx", TW_QUALIFIER_APPROX, FALSE},
    {"approx.", TW_QUALIFIER_APPROX, FALSE},
    {"approximately", TW_QUALIFIER_APPROX, FALSE},
    {"c.", TW_QUALIFIER_APPROX, FALSE},
    {"ca.", TW_QUALIFIER_APPROX, FALSE},
    {"before", TW_QUALIFIER_BEFORE, FALSE},
    {"by", TW_QUALIFIER_BEFORE, FALSE},
    {"after", TW_QUALIFIER_AFTER, FALSE},
    {"since", TW_QUALIFIER_AFTER, FALSE},
};

/* Matches @phrase at @p (case-insensitive) followed by its separator; returns the date's start
 * or NULL. */
static const char *
match_phrase(const char *p, const char *end, const char *phrase, gboolean hyphen)
{
  const char *f = phrase;
  while (*f != '\0') {
    if (*f == ' ') {
      if (p == end || !is_space(*p))
        return NULL;
      while (p < end && is_space(*p))
        p++;
      f++;
      continue;
    }
    if (p == end || g_ascii_tolower(*p) != *f)
      return NULL;
    p++;
    f++;
  }
  if (f[-1] == '.') {
    while (p < end && is_space(*p))
      p++;
    return p;
  }
  if (p < end && hyphen && *p == '-') {
    p++;
  } else {
    if (p == end || !is_space(*p))
      return NULL;
  }
  while (p < end && is_space(*p))
    p++;
  return p;
}

/* Two ASCII digits at @p as a number, or -1; reads p[1] only when p[0] is a digit (so never
 * past a NUL). */
static inline int
two_digits(const char *p)
{
  unsigned a = (unsigned)(unsigned char)p[0] - '0';
  if (a > 9)
    return -1;
  unsigned b = (unsigned)(unsigned char)p[1] - '0';
  return b <= 9 ? (int)(a * 10 + b) : -1;
}

/* The one form that machines write nearly always, YYYY-MM-DDTHH:MM:SS[.fraction] followed by Z
 * or +HH:MM / -HH:MM and nothing else, read in one pass without the general path's searches
 * (it took a tenth of the instructions a CSV row costs). Anything else, a value out of range
 * included, returns FALSE and goes the general way, which gives the same date or the message;
 * test-date's /date/fast-path compares the two ways. Each byte is read only after the one
 * before it matched, so the scan stops at the text's NUL. */
static gboolean
parse_instant_fast(const char *s, TwDate *out)
{
  int century, year, month, day, hour, minute, second;
  if ((century = two_digits(s)) < 0 || (year = two_digits(s + 2)) < 0 || s[4] != '-')
    return FALSE;
  year += century * 100;
  if ((month = two_digits(s + 5)) < 1 || month > 12 || s[7] != '-')
    return FALSE;
  if ((day = two_digits(s + 8)) < 1 || s[10] != 'T')
    return FALSE;
  if ((hour = two_digits(s + 11)) < 0 || hour > 23 || s[13] != ':')
    return FALSE;
  if ((minute = two_digits(s + 14)) < 0 || minute > 59 || s[16] != ':')
    return FALSE;
  if ((second = two_digits(s + 17)) < 0 || second > 59)
    return FALSE;
  if (year < 1 || day > days_in_month(year, month))
    return FALSE;
  const char *p = s + 19;
  gint64 usec = 0;
  if (*p == '.' || *p == ',') {
    p++;
    if (!g_ascii_isdigit(*p))
      return FALSE;
    /* Microseconds; finer digits are truncated, as parse_time() does. */
    gint64 scale = 100000;
    for (; g_ascii_isdigit(*p); p++, scale /= 10)
      usec += (*p - '0') * scale;
  }
  gint32 offset = 0;
  if (*p == 'Z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int h, m;
    if ((h = two_digits(p + 1)) < 0 || h > 23 || p[3] != ':' || (m = two_digits(p + 4)) < 0 ||
        m > 59)
      return FALSE;
    offset = (*p == '-' ? -1 : 1) * (h * 3600 + m * 60);
    p += 6;
  } else {
    return FALSE;
  }
  if (*p != '\0')
    return FALSE;
  gint64 wall = usec_of_days(days_from_civil(year, month, day)) +
                ((gint64)hour * 3600 + minute * 60 + second) * TW_USEC_PER_SEC + usec;
  gint64 start = wall - (gint64)offset * TW_USEC_PER_SEC;
  if (start < TW_TIME_MIN || start > TW_TIME_MAX)
    return FALSE;
  memset(out, 0, sizeof *out);
  out->start = out->end = start;
  out->precision = TW_PRECISION_EXACT;
  out->qualifier = TW_QUALIFIER_NONE;
  out->floating = FALSE;
  out->has_offset = TRUE;
  out->utc_offset = offset;
  return TRUE;
}

gboolean
tw_date_parse(const char *text, GTimeZone *naive_zone, TwDate *out, GError **error)
{
  g_return_val_if_fail(text != NULL, FALSE);
  g_return_val_if_fail(out != NULL, FALSE);
  g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
  if (parse_instant_fast(text, out))
    return TRUE;

  ParseContext ctx = {text, error};
  const char *p = text, *end = text + strlen(text);
  while (p < end && is_space(*p))
    p++;
  while (end > p && is_space(end[-1]))
    end--;
  if (p == end)
    return fail(&ctx, TW_DATE_ERROR_SYNTAX, "the text is empty");

  TwQualifier qualifier = TW_QUALIFIER_NONE;
  if (*p == '~') {
    qualifier = TW_QUALIFIER_APPROX;
    p++;
    while (p < end && is_space(*p))
      p++;
  } else if (g_ascii_isalpha(*p)) {
    for (gsize i = 0; i < G_N_ELEMENTS(qualifier_phrases); i++) {
      const char *rest =
          match_phrase(p, end, qualifier_phrases[i].phrase, qualifier_phrases[i].hyphen);
      if (rest != NULL) {
        qualifier = qualifier_phrases[i].qualifier;
        p = rest;
        break;
      }
    }
    const char *ignored;
    if (qualifier == TW_QUALIFIER_NONE && match_month_name(p, end, &ignored) == 0)
      return fail(&ctx, TW_DATE_ERROR_SYNTAX,
                  "expected an ISO 8601 date, optionally after early, mid, late, about, before "
                  "or after");
  }
  if (end > p && end[-1] == '~') {
    if (qualifier != TW_QUALIFIER_NONE)
      return fail(&ctx, TW_DATE_ERROR_SYNTAX, "only one qualifier may be given");
    qualifier = TW_QUALIFIER_APPROX;
    end--;
    while (end > p && is_space(end[-1]))
      end--;
  }
  if (p == end)
    return fail(&ctx, TW_DATE_ERROR_SYNTAX, "no date after the qualifier");
  if (qualifier != TW_QUALIFIER_NONE && *p == '~')
    return fail(&ctx, TW_DATE_ERROR_SYNTAX, "only one qualifier may be given");
  if (qualifier != TW_QUALIFIER_NONE && g_ascii_isalpha(*p)) {
    const char *ignored;
    if (match_month_name(p, end, &ignored) == 0)
      return fail(&ctx, TW_DATE_ERROR_SYNTAX, "only one qualifier may be given");
  }

  TwDate date;
  memset(&date, 0, sizeof date);
  if (!parse_base(&ctx, p, end, naive_zone, &date))
    return FALSE;
  date.qualifier = qualifier;
  narrow(date.precision, qualifier, &date.start, &date.end);
  /* An instant must lie in 0001..9999 (in UTC unless floating); a period that reaches outside
   * is clamped to the range, as tw_date_set_precision() does, and refused when nothing of it
   * lies inside. */
  if (date.precision == TW_PRECISION_EXACT ? date.start < TW_TIME_MIN || date.start > TW_TIME_MAX
                                           : date.end <= TW_TIME_MIN || date.start > TW_TIME_MAX)
    return fail(&ctx, TW_DATE_ERROR_OUT_OF_RANGE,
                "it lies outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z");
  date.start = MAX(date.start, TW_TIME_MIN);
  date.end = MIN(date.end, TW_TIME_MAX + 1);
  *out = date;
  return TRUE;
}
