/* timeweave: time formats for the csv and log sources (see time-pattern.h).
 *
 * Patterns are matched by hand rather than with strptime(3): strptime depends on the locale
 * (month names, %p), ignores what it cannot read in some libcs, knows no fractions of seconds
 * and no offsets with a colon, and says nothing about where it stopped. The fields a pattern
 * reads are turned into ISO 8601 text and given to tw_date_parse(), so that validation, zone
 * gaps and precisions follow the core's rules exactly.
 */
#include "time-pattern.h"

#include <string.h>

static const char *const month_names[] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};
static const char *const weekday_names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                            "friday", "saturday", "sunday"};

static const struct {
  const char *name;
  TwTimeKind kind;
} kind_names[] = {
    {"iso", TW_TIME_KIND_ISO},         {"unix-s", TW_TIME_KIND_UNIX_S},
    {"unix-ms", TW_TIME_KIND_UNIX_MS}, {"unix-us", TW_TIME_KIND_UNIX_US},
    {"unix-ns", TW_TIME_KIND_UNIX_NS}, {"serial", TW_TIME_KIND_SERIAL},
};

/* The directives a pattern may use, expanded ones first resolved by expand(). */
static const char known_directives[] = "YymdejHIMSfpbBhaAzZsFTDRnt%";

static const char *
expand(char directive)
{
  switch (directive) {
  case 'F':
    return "%Y-%m-%d";
  case 'T':
    return "%H:%M:%S";
  case 'D':
    return "%m/%d/%y";
  case 'R':
    return "%H:%M";
  default:
    return NULL;
  }
}

/* Expands %F, %T, %D and %R so that the matcher sees only single fields. */
static char *
expand_pattern(const char *pattern)
{
  GString *out = g_string_new(NULL);

  for (const char *p = pattern; *p; p++) {
    const char *expansion = p[0] == '%' && p[1] ? expand(p[1]) : NULL;
    if (expansion) {
      g_string_append(out, expansion);
      p++;
    } else if (p[0] == '%' && p[1]) {
      g_string_append_len(out, p, 2);
      p++;
    } else {
      g_string_append_c(out, *p);
    }
  }
  return g_string_free(out, FALSE);
}

gboolean
_tw_time_format_init(TwTimeFormat *format, const char *text, GError **error)
{
  memset(format, 0, sizeof *format);
  format->kind = TW_TIME_KIND_ISO;
  if (!text || !*text)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS(kind_names); i++) {
    if (g_ascii_strcasecmp(text, kind_names[i].name) == 0) {
      format->kind = kind_names[i].kind;
      return TRUE;
    }
  }
  if (!strchr(text, '%')) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "time-format '%s' is none of iso, unix-s, unix-ms, unix-us, unix-ns, serial, and "
                "no strftime-style pattern (no %% in it)",
                text);
    return FALSE;
  }

  g_autofree char *pattern = expand_pattern(text);
  gboolean seconds = FALSE, minutes = FALSE, hours = FALSE, days = FALSE, months = FALSE;
  for (const char *p = pattern; *p; p++) {
    if (*p != '%')
      continue;
    char d = *++p;
    if (d == '\0' || !strchr(known_directives, d)) {
      g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                  "time-format '%s': %%%c is not a directive timeweave reads (known: %%Y %%y "
                  "%%m %%d %%e %%j %%H %%I %%M %%S %%f %%p %%b %%B %%a %%A %%z %%Z %%s %%F %%T "
                  "%%D %%R %%%%)",
                  text, d ? d : ' ');
      return FALSE;
    }
    switch (d) {
    case 'Y':
    case 'y':
      format->has_year = TRUE;
      break;
    case 's':
      format->has_year = TRUE;
      seconds = TRUE;
      break;
    case 'S':
    case 'f':
      seconds = TRUE;
      break;
    case 'M':
      minutes = TRUE;
      break;
    case 'H':
    case 'I':
      hours = TRUE;
      break;
    case 'd':
    case 'e':
    case 'j':
      days = TRUE;
      break;
    case 'm':
    case 'b':
    case 'B':
    case 'h':
      months = TRUE;
      break;
    default:
      break;
    }
  }
  format->precision = seconds   ? TW_PRECISION_EXACT
                      : minutes ? TW_PRECISION_MINUTE
                      : hours   ? TW_PRECISION_HOUR
                      : days    ? TW_PRECISION_DAY
                      : months  ? TW_PRECISION_MONTH
                                : TW_PRECISION_YEAR;
  format->kind = TW_TIME_KIND_PATTERN;
  format->pattern = g_steal_pointer(&pattern);
  return TRUE;
}

void
_tw_time_format_clear(TwTimeFormat *format)
{
  g_clear_pointer(&format->pattern, g_free);
}

/* Reads @n digits at *@p into *@value. */
static gboolean
read_fixed_digits(const char **p, int n, int *value)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!g_ascii_isdigit((*p)[i]))
      return FALSE;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *value = v;
  return TRUE;
}

/* See time-pattern.h. */
gboolean
_tw_time_is_end_of_range(const char *text)
{
  const char *p = text;
  int year, month, day, hour, minute, second, offset_hours = 0, offset_minutes = 0;
  gsize year_digits = strspn(p, "0123456789");
  if ((year_digits != 4 && year_digits != 5) || !read_fixed_digits(&p, (int)year_digits, &year) ||
      *p++ != '-' || !read_fixed_digits(&p, 2, &month) || *p++ != '-' ||
      !read_fixed_digits(&p, 2, &day) || *p++ != 'T' || !read_fixed_digits(&p, 2, &hour) ||
      *p++ != ':' || !read_fixed_digits(&p, 2, &minute) || *p++ != ':' ||
      !read_fixed_digits(&p, 2, &second))
    return FALSE;
  gint64 fraction = 0;
  if (*p == '.') {
    gsize digits = strspn(++p, "0123456789");
    if (digits == 0 || digits > 6)
      return FALSE;
    for (gsize i = 0; i < 6; i++)
      fraction = fraction * 10 + (i < digits ? p[i] - '0' : 0);
    p += digits;
  }
  int sign = 0;
  if (*p == 'Z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    sign = *p++ == '+' ? 1 : -1;
    if (!read_fixed_digits(&p, 2, &offset_hours) || *p++ != ':' ||
        !read_fixed_digits(&p, 2, &offset_minutes) || offset_hours > 23 || offset_minutes > 59)
      return FALSE;
  }
  if (*p != '\0' || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 59)
    return FALSE;
  gint64 offset = (gint64)sign * (offset_hours * 3600 + offset_minutes * 60) * TW_USEC_PER_SEC;
  return tw_civil_to_usec(year, month, day, hour, minute, second) + fraction - offset ==
         TW_TIME_MAX + 1;
}

void
_tw_format_offset(int offset, char buf[TW_OFFSET_SIZE])
{
  /* Once per event that states an offset: digits by hand, not through printf. */
  int a = ABS(offset);
  int parts[3] = {a / 3600, a / 60 % 60, a % 60};
  if (parts[0] > 99) {
    g_snprintf(buf, TW_OFFSET_SIZE, a % 60 ? "%c%02d:%02d:%02d" : "%c%02d:%02d",
               offset < 0 ? '-' : '+', parts[0], parts[1], parts[2]);
    return;
  }
  char *p = buf;
  *p++ = offset < 0 ? '-' : '+';
  for (guint i = 0; i < (a % 60 ? 3u : 2u); i++) {
    if (i)
      *p++ = ':';
    *p++ = (char)('0' + parts[i] / 10);
    *p++ = (char)('0' + parts[i] % 10);
  }
  *p = '\0';
}

/* ------------------------------------------------------------------ matching a pattern */

static gboolean
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Reads 1 to @max_digits digits (after optional spaces); FALSE when there are none. */
static gboolean
read_number(const char **p, int max_digits, int *out)
{
  const char *s = *p;
  int value = 0, n = 0;

  while (*s == ' ')
    s++;
  while (n < max_digits && g_ascii_isdigit(*s)) {
    value = value * 10 + (*s - '0');
    s++;
    n++;
  }
  if (n == 0)
    return FALSE;
  *p = s;
  *out = value;
  return TRUE;
}

/* A name of @names (full, or its first three letters; "sept" too), case-insensitive. */
static gboolean
read_name(const char **p, const char *const *names, guint n_names, int *index)
{
  const char *s = *p;
  gsize n = 0;

  while (g_ascii_isalpha(s[n]))
    n++;
  if (n < 3)
    return FALSE;
  for (guint i = 0; i < n_names; i++) {
    gsize full = strlen(names[i]);
    if ((n == full || n == 3 || (n == 4 && i == 8)) && g_ascii_strncasecmp(s, names[i], n) == 0) {
      /* Also allow a trailing dot after an abbreviation: "Feb." */
      s += n;
      if (n < full && *s == '.')
        s++;
      *p = s;
      *index = (int)i;
      return TRUE;
    }
  }
  return FALSE;
}

/* An offset: Z, +HH, +HHMM, +HH:MM (also with seconds, +HH:MM:SS). */
static gboolean
read_offset(const char **p, int *out)
{
  const char *s = *p;
  int sign, h = 0, m = 0, sec = 0;

  if (*s == 'Z' || *s == 'z') {
    *p = s + 1;
    *out = 0;
    return TRUE;
  }
  if (*s != '+' && *s != '-')
    return FALSE;
  sign = *s == '-' ? -1 : 1;
  s++;
  if (!g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[1]))
    return FALSE;
  h = (s[0] - '0') * 10 + (s[1] - '0');
  s += 2;
  gboolean colon = *s == ':';
  if (colon)
    s++;
  if (g_ascii_isdigit(s[0]) && g_ascii_isdigit(s[1])) {
    m = (s[0] - '0') * 10 + (s[1] - '0');
    s += 2;
    if (colon && s[0] == ':' && g_ascii_isdigit(s[1]) && g_ascii_isdigit(s[2])) {
      sec = (s[1] - '0') * 10 + (s[2] - '0');
      s += 3;
    }
  } else if (colon) {
    return FALSE;
  }
  if (h > 23 || m > 59 || sec > 59)
    return FALSE;
  *out = sign * (h * 3600 + m * 60 + sec);
  *p = s;
  return TRUE;
}

static gboolean
is_leap(int year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* A number that matched its field but is no value of it: said as such, rather than as a
 * mismatch at the text after it (`'13/1/26' does not match '%m/%d/%y' at '/1/26'`). */
#define OUT_OF_RANGE(what, value, low, high)                                                       \
  do {                                                                                             \
    *problem = g_strdup_printf("'%s': %s %d is out of range (%d-%d) in time-format '%s'", text,    \
                               what, value, low, high, format->pattern);                           \
    return FALSE;                                                                                  \
  } while (0)

gboolean
_tw_time_pattern_match(const TwTimeFormat *format, const char *text, TwCivilTime *out,
                       char **problem)
{
  const char *s = text;
  int hour12 = -1, pm = -1, yday = -1, century_year = -1, value;
  gboolean has_year = FALSE;

  memset(out, 0, sizeof *out);
  out->month = 1;
  out->day = 1;
  out->precision = format->precision;
  while (is_space(*s))
    s++;

  for (const char *p = format->pattern; *p; p++) {
    if (is_space(*p)) {
      while (is_space(*s))
        s++;
      continue;
    }
    if (*p != '%') {
      if (g_ascii_tolower(*s) != g_ascii_tolower(*p))
        goto mismatch;
      s++;
      continue;
    }
    char d = *++p;
    switch (d) {
    case 'Y':
      if (!read_number(&s, 4, &out->year))
        goto mismatch;
      has_year = TRUE;
      break;
    case 'y':
      if (!read_number(&s, 2, &century_year))
        goto mismatch;
      /* POSIX: 69-99 are 1969-1999, 00-68 are 2000-2068. */
      out->year = century_year < 69 ? 2000 + century_year : 1900 + century_year;
      has_year = TRUE;
      break;
    case 'm':
      if (!read_number(&s, 2, &out->month))
        goto mismatch;
      if (out->month < 1 || out->month > 12)
        OUT_OF_RANGE("month", out->month, 1, 12);
      break;
    case 'd':
    case 'e':
      if (!read_number(&s, 2, &out->day))
        goto mismatch;
      if (out->day < 1 || out->day > 31)
        OUT_OF_RANGE("day", out->day, 1, 31);
      break;
    case 'j':
      if (!read_number(&s, 3, &yday))
        goto mismatch;
      if (yday < 1 || yday > 366)
        OUT_OF_RANGE("day of the year", yday, 1, 366);
      break;
    case 'H':
      if (!read_number(&s, 2, &out->hour))
        goto mismatch;
      if (out->hour > 24)
        OUT_OF_RANGE("hour", out->hour, 0, 24);
      break;
    case 'I':
      if (!read_number(&s, 2, &hour12))
        goto mismatch;
      if (hour12 < 1 || hour12 > 12)
        OUT_OF_RANGE("hour (%I)", hour12, 1, 12);
      break;
    case 'M':
      if (!read_number(&s, 2, &out->minute))
        goto mismatch;
      if (out->minute > 59)
        OUT_OF_RANGE("minute", out->minute, 0, 59);
      break;
    case 'S':
      /* 60 is a leap second: tw_date_parse() refuses it with its own message. */
      if (!read_number(&s, 2, &out->second))
        goto mismatch;
      if (out->second > 60)
        OUT_OF_RANGE("second", out->second, 0, 60);
      break;
    case 'f': {
      int n = 0, usec = 0;
      if (!g_ascii_isdigit(*s))
        goto mismatch;
      for (; g_ascii_isdigit(*s); s++, n++)
        if (n < 6)
          usec = usec * 10 + (*s - '0');
      for (; n < 6; n++)
        usec *= 10;
      out->usec = usec;
      break;
    }
    case 'p':
      if (g_ascii_strncasecmp(s, "am", 2) == 0)
        pm = 0;
      else if (g_ascii_strncasecmp(s, "pm", 2) == 0)
        pm = 1;
      else
        goto mismatch;
      s += 2;
      break;
    case 'b':
    case 'B':
    case 'h':
      if (!read_name(&s, month_names, G_N_ELEMENTS(month_names), &value))
        goto mismatch;
      out->month = value + 1;
      break;
    case 'a':
    case 'A':
      if (!read_name(&s, weekday_names, G_N_ELEMENTS(weekday_names), &value))
        goto mismatch;
      break;
    case 'z':
      if (!read_offset(&s, &out->offset))
        goto mismatch;
      out->has_offset = TRUE;
      break;
    case 'Z': {
      gsize n = 0;
      while (g_ascii_isalnum(s[n]) || s[n] == '/' || s[n] == '_' || s[n] == '+' || s[n] == '-')
        n++;
      if (n == 0 || n >= sizeof out->zone)
        goto mismatch;
      if ((n == 3 &&
           (g_ascii_strncasecmp(s, "UTC", 3) == 0 || g_ascii_strncasecmp(s, "GMT", 3) == 0)) ||
          (n == 2 && g_ascii_strncasecmp(s, "UT", 2) == 0) ||
          (n == 1 && (*s == 'Z' || *s == 'z'))) {
        out->has_offset = TRUE;
        out->offset = 0;
      } else {
        memcpy(out->zone, s, n);
        out->zone[n] = '\0';
      }
      s += n;
      break;
    }
    case 's': {
      const char *start = s;
      gboolean negative = *s == '-';
      gint64 seconds = 0;
      if (*s == '-' || *s == '+')
        s++;
      if (!g_ascii_isdigit(*s))
        goto mismatch;
      for (; g_ascii_isdigit(*s); s++) {
        if (seconds > G_MAXINT64 / 100 / TW_USEC_PER_SEC) {
          s = start;
          goto mismatch;
        }
        seconds = seconds * 10 + (*s - '0');
      }
      out->is_unix = TRUE;
      out->unix_usec = (negative ? -seconds : seconds) * TW_USEC_PER_SEC;
      has_year = TRUE;
      break;
    }
    case 'n':
    case 't':
      while (is_space(*s))
        s++;
      break;
    case '%':
      if (*s != '%')
        goto mismatch;
      s++;
      break;
    default:
      goto mismatch;
    }
  }
  while (is_space(*s))
    s++;
  if (*s) {
    *problem = g_strdup_printf("'%s' does not match time-format '%s': '%s' is left over", text,
                               format->pattern, s);
    return FALSE;
  }

  if (hour12 >= 0) {
    out->hour = hour12 % 12;
    if (pm == 1)
      out->hour += 12;
  }
  if (yday > 0) {
    static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int left = yday;
    if (!has_year) {
      *problem = g_strdup_printf("'%s': %%j (a day of the year) needs a year", text);
      return FALSE;
    }
    out->month = 1;
    while (out->month <= 12) {
      int days = month_days[out->month - 1] + (out->month == 2 && is_leap(out->year));
      if (left <= days)
        break;
      left -= days;
      out->month++;
    }
    if (out->month > 12) {
      *problem = g_strdup_printf("'%s': %d has no day %d", text, out->year, yday);
      return FALSE;
    }
    out->day = left;
  }
  if (!has_year)
    out->year = 0;
  return TRUE;

mismatch:
  if (*s)
    *problem =
        g_strdup_printf("'%s' does not match time-format '%s' at '%s'", text, format->pattern, s);
  else
    *problem = g_strdup_printf("'%s' does not match time-format '%s': it ends too soon", text,
                               format->pattern);
  return FALSE;
}

/* ------------------------------------------------------------------ turning fields into dates */

gboolean
_tw_civil_to_date(const TwCivilTime *c, GTimeZone *naive_zone, TwDate *out, gboolean *in_zone,
                  char **problem)
{
  g_autoptr(GError) err = NULL;
  g_autoptr(GTimeZone) named = NULL;
  GString *text = g_string_sized_new(40);
  gboolean used_naive = FALSE;

  if (in_zone)
    *in_zone = FALSE;
  if (c->is_unix) {
    g_string_free(text, TRUE);
    if (c->unix_usec < TW_TIME_MIN || c->unix_usec > TW_TIME_MAX) {
      *problem = g_strdup("the unix time is out of range");
      return FALSE;
    }
    tw_date_from_unix_usec(c->unix_usec, out);
    return TRUE;
  }
  if (c->year < 1 || c->year > 9999) {
    g_string_free(text, TRUE);
    *problem = g_strdup_printf("the year %d is out of range", c->year);
    return FALSE;
  }

  g_string_append_printf(text, "%04d", c->year);
  if (c->precision <= TW_PRECISION_MONTH)
    g_string_append_printf(text, "-%02d", c->month);
  if (c->precision <= TW_PRECISION_DAY)
    g_string_append_printf(text, "-%02d", c->day);
  if (c->precision <= TW_PRECISION_HOUR)
    g_string_append_printf(text, "T%02d", c->hour);
  if (c->precision <= TW_PRECISION_MINUTE)
    g_string_append_printf(text, ":%02d", c->minute);
  if (c->precision == TW_PRECISION_EXACT) {
    g_string_append_printf(text, ":%02d", c->second);
    if (c->usec)
      g_string_append_printf(text, ".%06d", c->usec);
  }

  GTimeZone *zone = NULL;
  if (c->precision <= TW_PRECISION_HOUR) {
    if (c->has_offset) {
      char offset[TW_OFFSET_SIZE];
      _tw_format_offset(c->offset, offset);
      g_string_append(text, c->offset == 0 ? "Z" : offset);
    } else if (c->zone[0]) {
      named = tw_zone_new(c->zone, &err);
      if (!named) {
        *problem = g_strdup_printf("unknown time zone '%s'", c->zone);
        g_string_free(text, TRUE);
        return FALSE;
      }
      zone = named;
    } else {
      zone = naive_zone;
      used_naive = naive_zone != NULL;
    }
  }
  gboolean ok = tw_date_parse(text->str, zone, out, &err);
  if (!ok) {
    /* The core quotes the ISO text built here, which the user never wrote: keep the reason. */
    const char *reason = strstr(err->message, "' is not a date: ");
    *problem = g_strdup(reason ? reason + strlen("' is not a date: ") : err->message);
  } else if (in_zone)
    *in_zone = used_naive;
  g_string_free(text, TRUE);
  return ok;
}

/* A decimal number (`.` or `,` as the decimal sign) moved by @shift powers of ten, exactly:
 * digits finer than the unit are dropped towards the past. */
static gboolean
decimal_to_units(const char *text, int shift, gint64 *out)
{
  const char *p = text;
  gboolean negative = FALSE, dropped = FALSE;
  guint64 digits = 0;
  int exponent = shift;
  gsize n_digits = 0;

  while (is_space(*p))
    p++;
  if (*p == '-' || *p == '+')
    negative = *p++ == '-';
  for (; g_ascii_isdigit(*p); p++, n_digits++) {
    guint d = (guint)(*p - '0');
    if (digits > (G_MAXUINT64 - d) / 10)
      return FALSE;
    digits = digits * 10 + d;
  }
  if (*p == '.' || *p == ',') {
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
  while (is_space(*p))
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
  gint64 value = (gint64)digits;
  if (negative)
    value = dropped ? -value - 1 : -value;
  *out = value;
  return TRUE;
}

/* Whether @text is written as a decimal number (whatever its size). */
static gboolean
is_decimal(const char *text)
{
  const char *p = text;
  gboolean digits = FALSE, point = FALSE;

  while (is_space(*p))
    p++;
  if (*p == '-' || *p == '+')
    p++;
  for (; *p && !is_space(*p); p++) {
    if (g_ascii_isdigit(*p))
      digits = TRUE;
    else if ((*p == '.' || *p == ',') && !point)
      point = TRUE;
    else
      return FALSE;
  }
  while (is_space(*p))
    p++;
  return digits && !*p;
}

/* Days from 1899-12-30 (the spreadsheet epoch) to 1970-01-01. */
#define SERIAL_EPOCH_DAYS 25569

gboolean
_tw_time_parse(const TwTimeFormat *format, const char *text, GTimeZone *naive_zone, TwDate *out,
               gboolean *in_zone, char **problem)
{
  static const int unix_shift[] = {[TW_TIME_KIND_UNIX_S] = 6,
                                   [TW_TIME_KIND_UNIX_MS] = 3,
                                   [TW_TIME_KIND_UNIX_US] = 0,
                                   [TW_TIME_KIND_UNIX_NS] = -3};
  g_autoptr(GError) err = NULL;
  gint64 value;

  *in_zone = FALSE;
  switch (format->kind) {
  case TW_TIME_KIND_ISO:
    if (!tw_date_parse(text, NULL, out, &err)) {
      *problem = g_strdup(err->message);
      return FALSE;
    }
    /* A naive time: read it again in the zone the options give. */
    if (naive_zone && out->floating && out->precision < TW_PRECISION_DAY) {
      g_clear_error(&err);
      if (!tw_date_parse(text, naive_zone, out, &err)) {
        *problem = g_strdup(err->message);
        return FALSE;
      }
      *in_zone = TRUE;
    }
    return TRUE;

  case TW_TIME_KIND_UNIX_S:
  case TW_TIME_KIND_UNIX_MS:
  case TW_TIME_KIND_UNIX_US:
  case TW_TIME_KIND_UNIX_NS:
    if (!decimal_to_units(text, unix_shift[format->kind], &value)) {
      if (is_decimal(text)) {
        *problem = g_strdup_printf("'%s' is out of range as a unix time", text);
        return FALSE;
      }
      *problem = g_strdup_printf("'%s' is not a number of %s", text,
                                 format->kind == TW_TIME_KIND_UNIX_S    ? "seconds"
                                 : format->kind == TW_TIME_KIND_UNIX_MS ? "milliseconds"
                                 : format->kind == TW_TIME_KIND_UNIX_US ? "microseconds"
                                                                        : "nanoseconds");
      return FALSE;
    }
    if (value < TW_TIME_MIN || value > TW_TIME_MAX) {
      *problem = g_strdup_printf("'%s' is out of range as a unix time", text);
      return FALSE;
    }
    tw_date_from_unix_usec(value, out);
    return TRUE;

  case TW_TIME_KIND_SERIAL: {
    /* Milliseconds: spreadsheets keep times to the millisecond, and a day's fraction in
     * binary floating point is rarely exact (10:31 is 0.438194444...). */
    gint64 ms;
    if (!decimal_to_units(text, 0, &value) || !decimal_to_units(text, 9, &ms)) {
      *problem = g_strdup_printf("'%s' is not a spreadsheet day number", text);
      return FALSE;
    }
    gboolean whole = ms % G_GINT64_CONSTANT(1000000000) == 0;
    /* ms holds nanodays; round to the millisecond. */
    gint64 day = ms / G_GINT64_CONSTANT(1000000000);
    gint64 frac = ms % G_GINT64_CONSTANT(1000000000);
    if (frac < 0) {
      frac += G_GINT64_CONSTANT(1000000000);
      day--;
    }
    gint64 msec = (frac * 86400000 + G_GINT64_CONSTANT(500000000)) / G_GINT64_CONSTANT(1000000000);
    gint64 days = day - SERIAL_EPOCH_DAYS;
    if (days < TW_TIME_MIN / TW_USEC_PER_DAY || days > TW_TIME_MAX / TW_USEC_PER_DAY) {
      *problem = g_strdup_printf("'%s' is out of range as a spreadsheet day number", text);
      return FALSE;
    }
    gint64 usec = days * TW_USEC_PER_DAY + msec * 1000;
    TwCivilTime civil = {0};
    tw_usec_to_civil(usec, &civil.year, &civil.month, &civil.day, &civil.hour, &civil.minute,
                     &civil.second, &civil.usec);
    civil.precision = whole ? TW_PRECISION_DAY : TW_PRECISION_EXACT;
    return _tw_civil_to_date(&civil, naive_zone, out, in_zone, problem);
  }

  case TW_TIME_KIND_PATTERN: {
    TwCivilTime civil;
    if (!_tw_time_pattern_match(format, text, &civil, problem))
      return FALSE;
    if (!civil.is_unix && civil.year == 0) {
      *problem = g_strdup_printf("time-format '%s' gives no year", format->pattern);
      return FALSE;
    }
    return _tw_civil_to_date(&civil, naive_zone, out, in_zone, problem);
  }
  }
  *problem = g_strdup("unknown time format");
  return FALSE;
}
