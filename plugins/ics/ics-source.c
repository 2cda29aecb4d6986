/* timeweave: the `ics` source: iCalendar (RFC 5545) files read with libical.
 *
 * A light scan of the text indexes the file first: where each VEVENT and VTODO directly inside
 * a VCALENDAR begins and ends (and its line, for `FILE:LINE:` messages), its UID, whether it is
 * a RECURRENCE-ID override, and where each calendar's VTIMEZONEs are. libical then parses one
 * component at a time (with the overrides of a recurring event), so memory holds the text and
 * the index, never the whole parsed calendar. Both open a component on every BEGIN and close the
 * innermost one on every END, so they agree on what a component is.
 *
 * The scan also keeps the escaped text of CATEGORIES, GEO and X-TIMEWEAVE- properties: libical
 * unescapes `a\,b,c` to "a,b,c", so a category containing a comma could not be told from two,
 * and the fields of a structured X-TIMEWEAVE-ATTR value could not be split again.
 *
 * Times: a TZID is resolved through the file's VTIMEZONE if it has one, else the system zone
 * database, with Windows zone names mapped to IANA ones (windows-zones.h). Wall-clock times that
 * occur twice or never are read as RFC 5545 3.3.5 says (the first occurrence; the offset before
 * the gap). Recurrences are expanded occurrence by occurrence; docs/formats-ics.md describes
 * the window and the ids.
 */
#include <timeweave/plugin.h>

#include <libical/ical.h>
#include <string.h>

#include "windows-zones.h"

#define ICS_MAX_BYTES (G_GUINT64_CONSTANT(1) << 31)

/* -- TEXT values -- */

/* Unescapes an RFC 5545 TEXT value: \\ \; \, \n \N. An unknown escape keeps its character. */
static char *
unescape_text(const char *text, gsize length)
{
  GString *out = g_string_sized_new(length);
  for (gsize i = 0; i < length; i++) {
    if (text[i] == '\\' && i + 1 < length) {
      char c = text[++i];
      g_string_append_c(out, c == 'n' || c == 'N' ? '\n' : c);
    } else {
      g_string_append_c(out, text[i]);
    }
  }
  return g_string_free(out, FALSE);
}

/* Splits a raw value at the separators @sep that are not escaped, and unescapes each part. */
static GPtrArray *
split_unescaped(const char *raw, char sep)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
  const char *start = raw;
  for (const char *p = raw;; p++) {
    if (*p == '\\' && p[1] != '\0') {
      p++;
      continue;
    }
    if (*p == sep || *p == '\0') {
      g_ptr_array_add(parts, unescape_text(start, (gsize)(p - start)));
      if (*p == '\0')
        break;
      start = p + 1;
    }
  }
  return parts;
}

static void
free_string(gpointer data)
{
  g_string_free(data, TRUE);
}

/* -- the scan -- */

/* Calls @func with every content line of @text[0..@length), unfolded (a line that begins with a
 * space or a tab continues the previous one, RFC 5545 3.1), with its first line's number and the
 * byte range of its physical lines. Lines end in LF or CRLF. */
typedef void (*LineFunc)(const char *line, guint number, gsize begin, gsize end, gpointer data);

static void
for_each_line(const char *text, gsize length, guint first_line, LineFunc func, gpointer data)
{
  GString *logical = g_string_new(NULL);
  guint logical_line = 0;
  gsize logical_begin = 0, logical_end = 0;
  guint number = first_line - 1;
  gsize offset = 0;
  while (offset < length) {
    const char *p = text + offset;
    const char *nl = memchr(p, '\n', length - offset);
    gsize len = nl ? (gsize)(nl - p) : length - offset;
    gsize next = offset + len + (nl ? 1 : 0);
    gsize content = len;
    if (content > 0 && p[content - 1] == '\r')
      content--;
    number++;
    if (content > 0 && (p[0] == ' ' || p[0] == '\t') && logical_line > 0) {
      g_string_append_len(logical, p + 1, (gssize)content - 1);
    } else {
      if (logical_line > 0 && logical->len > 0)
        func(logical->str, logical_line, logical_begin, logical_end, data);
      g_string_truncate(logical, 0);
      g_string_append_len(logical, p, (gssize)content);
      logical_line = number;
      logical_begin = offset;
    }
    logical_end = next;
    offset = next;
  }
  if (logical_line > 0 && logical->len > 0)
    func(logical->str, logical_line, logical_begin, logical_end, data);
  g_string_free(logical, TRUE);
}

/* A content line's name (upper case, NULL-safe) and the start of its value (or NULL): the value
 * begins after the first `:` outside a quoted parameter value. */
static char *
split_line(const char *line, const char **value)
{
  gboolean quoted = FALSE;
  *value = NULL;
  for (const char *p = line; *p; p++) {
    if (*p == '"') {
      quoted = !quoted;
    } else if (*p == ':' && !quoted) {
      *value = p + 1;
      break;
    }
  }
  char *name = g_ascii_strup(line, (gssize)strcspn(line, ";:"));
  return g_strchomp(name);
}

static gboolean
is_item_name(const char *what)
{
  return strcmp(what, "VEVENT") == 0 || strcmp(what, "VTODO") == 0;
}

/* One VEVENT or VTODO of the file, as the index sees it. */
typedef struct {
  gsize begin, end; /* its text */
  guint line;
  guint calendar; /* its VCALENDAR's index */
  gboolean is_todo;
  gboolean has_rid;  /* a RECURRENCE-ID override */
  char *uid;         /* nullable */
  guint nested_line; /* a VEVENT/VTODO begun inside it (a missing END), or 0 */
  gboolean checked;  /* its warnings have been given */
  gboolean usable;   /* (when checked) it can be read */
  gboolean used;     /* (an override) it replaced an occurrence */
} Entry;

typedef struct {
  GArray *zone_ranges;  /* gsize pairs: the text of each VTIMEZONE */
  icalcomponent *zones; /* a VCALENDAR holding them, parsed when first needed */
  char *zone_name;      /* its X-WR-TIMEZONE (not empty), or NULL */
  guint zone_line;      /* the line of that property */
} Calendar;

typedef struct {
  GPtrArray *entries;   /* Entry, in file order */
  GPtrArray *calendars; /* Calendar */
  /* while scanning: */
  GPtrArray *stack; /* component names (upper case), outermost first */
  Entry *current;
  gboolean in_zone;
  gsize zone_begin;
  guint calendar_line; /* of the last BEGIN:VCALENDAR */
  guint last_line;
  /* The calendar of this line has no END:VCALENDAR and no component is open at the end of the
   * file: a file cut between two events, which libical reads without a word (0: none). */
  guint unclosed_calendar;
} Index;

static void
entry_free(gpointer data)
{
  Entry *e = data;
  g_free(e->uid);
  g_free(e);
}

static void
calendar_free(gpointer data)
{
  Calendar *c = data;
  g_array_unref(c->zone_ranges);
  g_free(c->zone_name);
  if (c->zones)
    icalcomponent_free(c->zones);
  g_free(c);
}

/* Closes what ends when the scan leaves the calendar's level, at byte @end. */
static void
index_close(Index *x, gsize end)
{
  if (x->current != NULL)
    x->current->end = end;
  x->current = NULL;
  if (x->in_zone && x->calendars->len > 0) {
    Calendar *c = g_ptr_array_index(x->calendars, x->calendars->len - 1);
    gsize range[2] = {x->zone_begin, end};
    g_array_append_vals(c->zone_ranges, range, 2);
  }
  x->in_zone = FALSE;
}

static void
index_line(const char *line, guint number, gsize begin, gsize end, gpointer data)
{
  Index *x = data;
  const char *value;
  x->last_line = number;
  g_autofree char *name = split_line(line, &value);
  if (value != NULL && strcmp(name, "BEGIN") == 0) {
    g_autofree char *what = g_ascii_strup(value, -1);
    g_strstrip(what);
    guint depth = x->stack->len;
    if (depth == 0 && strcmp(what, "VCALENDAR") == 0) {
      x->calendar_line = number;
      Calendar *c = g_new0(Calendar, 1);
      c->zone_ranges = g_array_new(FALSE, FALSE, sizeof(gsize));
      g_ptr_array_add(x->calendars, c);
    } else if (depth == 1 && strcmp(g_ptr_array_index(x->stack, 0), "VCALENDAR") == 0) {
      if (is_item_name(what)) {
        Entry *e = g_new0(Entry, 1);
        e->begin = begin;
        e->line = number;
        e->calendar = x->calendars->len - 1;
        e->is_todo = strcmp(what, "VTODO") == 0;
        g_ptr_array_add(x->entries, e);
        x->current = e;
      } else if (strcmp(what, "VTIMEZONE") == 0) {
        x->in_zone = TRUE;
        x->zone_begin = begin;
      }
    } else if (x->current != NULL && is_item_name(what) && x->current->nested_line == 0) {
      x->current->nested_line = number;
    }
    g_ptr_array_add(x->stack, g_steal_pointer(&what));
    return;
  }
  if (value != NULL && strcmp(name, "END") == 0) {
    /* libical closes the innermost component whatever END names; so does the scan. */
    if (x->stack->len > 0)
      g_ptr_array_remove_index(x->stack, x->stack->len - 1);
    if (x->stack->len <= 1)
      index_close(x, end);
    return;
  }
  if (x->stack->len == 1 && value != NULL && strcmp(name, "X-WR-TIMEZONE") == 0 &&
      x->calendars->len > 0) {
    Calendar *c = g_ptr_array_index(x->calendars, x->calendars->len - 1);
    g_free(c->zone_name);
    /* Raw, as a TZID parameter is read: a zone's name has nothing to escape, and an unescaped
     * `\n` would break the line of the unknown-zone warning that quotes it. */
    c->zone_name = g_strstrip(g_strdup(value));
    c->zone_line = number;
    if (*c->zone_name == '\0')
      g_clear_pointer(&c->zone_name, g_free);
    return;
  }
  if (x->current == NULL || x->stack->len != 2 || value == NULL)
    return;
  if (strcmp(name, "UID") == 0 && x->current->uid == NULL)
    x->current->uid = unescape_text(value, strlen(value));
  else if (strcmp(name, "RECURRENCE-ID") == 0)
    x->current->has_rid = TRUE;
}

static void
index_text(Index *x, const char *text, gsize length)
{
  x->entries = g_ptr_array_new_with_free_func(entry_free);
  x->calendars = g_ptr_array_new_with_free_func(calendar_free);
  x->stack = g_ptr_array_new_with_free_func(g_free);
  for_each_line(text, length, 1, index_line, x);
  if (x->stack->len == 1 && strcmp(g_ptr_array_index(x->stack, 0), "VCALENDAR") == 0)
    x->unclosed_calendar = x->calendar_line;
  index_close(x, length); /* a truncated file */
  g_clear_pointer(&x->stack, g_ptr_array_unref);
}

static void
index_clear(Index *x)
{
  g_clear_pointer(&x->entries, g_ptr_array_unref);
  g_clear_pointer(&x->calendars, g_ptr_array_unref);
}

/* The properties of one component, from its text. */
typedef struct {
  char *name; /* upper case */
  guint line;
  char *value; /* the raw (escaped) value; NULL unless the property is kept */
} RawProp;

typedef struct {
  GPtrArray *props;  /* RawProp: every property line directly in the component */
  GArray *bad_lines; /* guint: lines that are not `NAME...:VALUE` */
  guint depth;
} RawComp;

static void
raw_prop_free(gpointer data)
{
  RawProp *p = data;
  g_free(p->name);
  g_free(p->value);
  g_free(p);
}

static void
raw_comp_free(RawComp *c)
{
  if (c == NULL)
    return;
  g_ptr_array_unref(c->props);
  g_array_unref(c->bad_lines);
  g_free(c);
}

static gboolean
keep_raw_value(const char *name)
{
  return strcmp(name, "CATEGORIES") == 0 || strcmp(name, "GEO") == 0 ||
         g_str_has_prefix(name, "X-TIMEWEAVE-");
}

static void
raw_line(const char *line, guint number, gsize begin, gsize end, gpointer data)
{
  RawComp *c = data;
  const char *value;
  g_autofree char *name = split_line(line, &value);
  if (value != NULL && strcmp(name, "BEGIN") == 0) {
    c->depth++;
    return;
  }
  if (value != NULL && strcmp(name, "END") == 0) {
    if (c->depth > 0)
      c->depth--;
    return;
  }
  if (c->depth != 1)
    return;
  if (value == NULL || *name == '\0') {
    g_array_append_val(c->bad_lines, number);
    return;
  }
  RawProp *p = g_new0(RawProp, 1);
  p->line = number;
  if (keep_raw_value(name))
    p->value = g_strdup(value);
  p->name = g_steal_pointer(&name);
  g_ptr_array_add(c->props, p);
}

static RawComp *
scan_component(const char *text, gsize length, guint first_line)
{
  RawComp *c = g_new0(RawComp, 1);
  c->props = g_ptr_array_new_with_free_func(raw_prop_free);
  c->bad_lines = g_array_new(FALSE, FALSE, sizeof(guint));
  for_each_line(text, length, first_line, raw_line, c);
  return c;
}

/* -- zones -- */

typedef struct {
  char *name;         /* the IANA name when known, else the TZID as written */
  GTimeZone *system;  /* from the zone database, or NULL */
  icaltimezone *file; /* from the file's VTIMEZONE (owned by the calendar), or NULL */
} Zone;

static void
zone_free(gpointer data)
{
  Zone *z = data;
  if (z == NULL)
    return;
  g_free(z->name);
  if (z->system)
    g_time_zone_unref(z->system);
  g_free(z);
}

static gint64
floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The offset (seconds east of UTC) in force in @zone at the UTC instant @secs. */
static gint32
zone_offset_at(const Zone *zone, gint64 secs)
{
  if (zone->system != NULL) {
    int interval = g_time_zone_find_interval(zone->system, G_TIME_TYPE_UNIVERSAL, secs);
    return g_time_zone_get_offset(zone->system, interval);
  }
  int y, mo, d, h, mi, s;
  tw_usec_to_civil(secs * TW_USEC_PER_SEC, &y, &mo, &d, &h, &mi, &s, NULL);
  struct icaltimetype tt = icaltime_null_time();
  tt.year = y;
  tt.month = mo;
  tt.day = d;
  tt.hour = h;
  tt.minute = mi;
  tt.second = s;
  tt.zone = icaltimezone_get_utc_timezone();
  int is_daylight = 0;
  return icaltimezone_get_utc_offset_of_utc_time(zone->file, &tt, &is_daylight);
}

/* The UTC instant of the wall-clock time @wall (seconds, read as UTC) in @zone. A time that
 * occurs twice is the first occurrence; one that falls in a gap is read with the offset before
 * the gap (RFC 5545 3.3.5). The instant lies within 26 hours of the wall time, so probes a day
 * and three hours either side see the offsets around any transition near it. */
static gint64
zone_wall_to_utc(const Zone *zone, gint64 wall)
{
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
      found = TRUE;
    }
  }
  return found ? best : wall - candidates[0];
}

static int
compare_windows_name(const void *key, const void *row)
{
  return g_ascii_strcasecmp(key, *(const char *const *)row);
}

/* The IANA zone a Windows zone name stands for, or NULL. */
static const char *
windows_zone_to_iana(const char *name)
{
  const char *const *row = bsearch(name, windows_zones, G_N_ELEMENTS(windows_zones),
                                   sizeof windows_zones[0], compare_windows_name);
  return row ? row[1] : NULL;
}

/* A zone of the system database for a TZID: an IANA name, a Windows name, or an IANA name
 * behind a vendor prefix (`/mozilla.org/20050126_1/Europe/Berlin`,
 * `/freeassociation.sourceforge.net/Tzfile/Europe/Berlin`). */
static GTimeZone *
system_zone_for_tzid(const char *tzid, char **name)
{
  const char *windows = windows_zone_to_iana(tzid);
  GTimeZone *zone = NULL;
  if (windows != NULL && (zone = tw_zone_new(windows, NULL)) != NULL) {
    *name = g_strdup(windows);
    return zone;
  }
  /* Offsets and `local` are no TZIDs. */
  if (tzid[0] != '+' && tzid[0] != '-' && strcmp(tzid, "local") != 0 &&
      (zone = tw_zone_new(tzid, NULL)) != NULL) {
    *name = g_strdup(tzid);
    return zone;
  }
  for (const char *p = strchr(tzid, '/'); p != NULL; p = strchr(p + 1, '/')) {
    if (strchr(p + 1, '/') == NULL && strcmp(p + 1, "UTC") != 0)
      break; /* only Area/City names from here on, and UTC */
    if ((zone = tw_zone_new(p + 1, NULL)) != NULL) {
      *name = g_strdup(p + 1);
      return zone;
    }
  }
  return NULL;
}

/* -- the reader -- */

typedef struct {
  TwSource *source;
  TwSink *sink;
  const char *path;
  GTimeZone *floating_zone; /* the `timezone` option, or NULL */
  gboolean has_range;
  gint64 from, to;
  gint64 window;
  gint64 max_occurrences;
  GHashTable *zones;        /* "CALENDAR TZID" -> Zone* (NULL: unknown) */
  GHashTable *warned_tzids; /* TZIDs already warned about */
  const char *text;         /* the file */
  Index index;
} Reader;

/* A component parsed by libical, with its scan. */
typedef struct {
  Entry *entry;
  icalcomponent *comp;     /* owned */
  icalcomponent *calendar; /* its calendar's VTIMEZONEs (owned by the index) */
  RawComp *raw;
  guint line;
  const char *uid; /* nullable */
  gboolean is_todo;
  gboolean has_rid;
  gint64 rid; /* the RECURRENCE-ID as an instant (see Stamp) */
  gboolean used;
} Item;

/* A resolved time: a UTC instant, or for floating times and dates the wall clock read as UTC. */
typedef struct {
  gint64 usec;
  gboolean is_date;
  gboolean floating;
  const Zone *zone; /* the TZID's zone, or NULL (UTC, floating or date) */
  struct icaltimetype wall;
} Stamp;

static const Zone *
lookup_zone(Reader *r, const Item *item, const char *tzid)
{
  /* Per calendar: a file may hold several, each with its own VTIMEZONEs. Zones live until the
   * file is read, as the times that point to them. */
  g_autofree char *key = g_strdup_printf("%p %s", (void *)item->calendar, tzid);
  gpointer found;
  if (g_hash_table_lookup_extended(r->zones, key, NULL, &found))
    return found;

  Zone *zone = g_new0(Zone, 1);
  char *name = NULL;
  GTimeZone *system = system_zone_for_tzid(tzid, &name);
  icaltimezone *file = icalcomponent_get_timezone(item->calendar, tzid);
  if (file != NULL) {
    /* The calendar's own definition is the one RFC 5545 says to use. */
    zone->file = file;
    if (system)
      g_time_zone_unref(system);
  } else if (system != NULL) {
    zone->system = system;
  } else {
    zone_free(zone);
    zone = NULL;
  }
  if (zone != NULL)
    zone->name = name ? name : g_strdup(tzid);
  else
    g_free(name);
  g_hash_table_insert(r->zones, g_steal_pointer(&key), zone);
  return zone;
}

static gint64
wall_usec(struct icaltimetype tt)
{
  return tw_civil_to_usec(tt.year, tt.month, tt.day, tt.is_date ? 0 : tt.hour,
                          tt.is_date ? 0 : tt.minute, tt.is_date ? 0 : tt.second);
}

static const char *
tzid_of(icalproperty *prop)
{
  icalparameter *param = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
  return param ? icalparameter_get_tzid(param) : NULL;
}

static gboolean warn(Reader *r, guint line, GError **error, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean
warn(Reader *r, guint line, GError **error, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  /* A message is one line: the values it quotes (libical's included) may hold a lone CR or
   * other control characters from the file. */
  g_autoptr(GString) text = g_string_sized_new(strlen(message));
  for (const char *p = message; *p; p++) {
    guchar c = (guchar)*p;
    if (c == '\r')
      g_string_append(text, "\\r");
    else if (c == '\n')
      g_string_append(text, "\\n");
    else if (c < 0x20 || c == 0x7f)
      g_string_append_printf(text, "\\x%02x", c);
    else
      g_string_append_c(text, (char)c);
  }
  return tw_sink_warn(r->sink, r->path, line, error, "%s", text->str);
}

/* Resolves @tt, written with @tzid (nullable), into @out. Fails only when a warning about an
 * unknown zone was made fatal by --strict. */
static gboolean
resolve_time(Reader *r, const Item *item, struct icaltimetype tt, const char *tzid, guint line,
             Stamp *out, GError **error)
{
  memset(out, 0, sizeof *out);
  out->wall = tt;
  gint64 wall = wall_usec(tt);
  if (tt.is_date) {
    out->usec = wall;
    out->is_date = TRUE;
    out->floating = TRUE;
    return TRUE;
  }
  if (icaltime_is_utc(tt)) {
    out->usec = wall;
    return TRUE;
  }
  const Calendar *calendar = g_ptr_array_index(r->index.calendars, item->entry->calendar);
  if (tzid == NULL && r->floating_zone == NULL && calendar->zone_name != NULL) {
    /* A floating time in a calendar that names its zone (X-WR-TIMEZONE, which Google
     * Calendar, Apple Calendar and Outlook write, and apply to such times when they import) is
     * read as if it carried that TZID. The `timezone` option, the user's choice, comes first. */
    tzid = calendar->zone_name;
    line = calendar->zone_line;
  }
  if (tzid != NULL) {
    const Zone *zone = lookup_zone(r, item, tzid);
    if (zone != NULL) {
      out->zone = zone;
      out->usec = zone_wall_to_utc(zone, floor_div(wall, TW_USEC_PER_SEC)) * TW_USEC_PER_SEC;
      return TRUE;
    }
    if (g_hash_table_add(r->warned_tzids, g_strdup(tzid)) &&
        !warn(r, line, error,
              "unknown time zone '%s' (no VTIMEZONE and not in the zone database): its times "
              "are read as floating",
              tzid))
      return FALSE;
  }
  if (r->floating_zone != NULL) {
    Zone zone = {.system = r->floating_zone};
    out->usec = zone_wall_to_utc(&zone, floor_div(wall, TW_USEC_PER_SEC)) * TW_USEC_PER_SEC;
    return TRUE;
  }
  out->usec = wall;
  out->floating = TRUE;
  return TRUE;
}

static gboolean
resolve_property(Reader *r, const Item *item, icalproperty *prop, struct icaltimetype tt,
                 Stamp *out, GError **error)
{
  return resolve_time(r, item, tt, tzid_of(prop), item->line, out, error);
}

/* Adds the nominal days of a duration to @stamp (wall-clock days in its zone) and then its exact
 * hours, minutes and seconds (RFC 5545 3.3.6). */
static gint64
add_duration(const Stamp *stamp, struct icaldurationtype d)
{
  /* A duration longer than the whole range (P99999999W) is held to just over its length, so that
   * the sums below cannot overflow: the end is out of range either way, and the sink refuses it
   * with the event's place. */
  const gint64 max_days = (TW_TIME_MAX - TW_TIME_MIN) / TW_USEC_PER_DAY + 2;
  gint64 days = MIN((gint64)d.weeks * 7 + d.days, max_days);
  gint64 seconds =
      MIN((gint64)d.hours * 3600 + (gint64)d.minutes * 60 + d.seconds, max_days * 86400);
  gint64 exact = seconds * TW_USEC_PER_SEC;
  if (d.is_neg) {
    days = -days;
    exact = -exact;
  }
  gint64 usec = stamp->usec;
  if (days != 0) {
    if (stamp->zone != NULL) {
      gint64 wall = wall_usec(stamp->wall) + days * TW_USEC_PER_DAY;
      usec = zone_wall_to_utc(stamp->zone, floor_div(wall, TW_USEC_PER_SEC)) * TW_USEC_PER_SEC;
    } else {
      usec += days * TW_USEC_PER_DAY;
    }
  }
  return usec + exact;
}

/* -- building events -- */

static RawProp *
raw_find(const RawComp *raw, const char *name)
{
  for (guint i = 0; i < raw->props->len; i++) {
    RawProp *p = g_ptr_array_index(raw->props, i);
    if (strcmp(p->name, name) == 0)
      return p;
  }
  return NULL;
}

/* The unescaped value of the X-TIMEWEAVE- property @name. */
static char *
timeweave_value(const Item *item, const char *name)
{
  RawProp *p = raw_find(item->raw, name);
  return p ? unescape_text(p->value, strlen(p->value)) : NULL;
}

/* Calls @func with the fields of every X-TIMEWEAVE- property @name (split at unescaped `;`). */
static void
foreach_timeweave_fields(const Item *item, const char *name,
                         void (*func)(GPtrArray *fields, gpointer data), gpointer data)
{
  for (guint i = 0; i < item->raw->props->len; i++) {
    RawProp *p = g_ptr_array_index(item->raw->props, i);
    if (strcmp(p->name, name) != 0)
      continue;
    g_autoptr(GPtrArray) fields = split_unescaped(p->value, ';');
    func(fields, data);
  }
}

static void
add_actor_field(GPtrArray *fields, gpointer data)
{
  if (fields->len >= 1)
    tw_event_builder_add_actor(data, g_ptr_array_index(fields, 0));
}

static void
add_attribute_fields(GPtrArray *fields, gpointer data)
{
  if (fields->len >= 2)
    tw_event_builder_set_attribute(data, g_ptr_array_index(fields, 0),
                                   g_ptr_array_index(fields, 1));
}

typedef struct {
  Reader *reader;
  const char *id;
} LinkData;

static void
add_link_fields(GPtrArray *fields, gpointer data)
{
  LinkData *d = data;
  gint64 lag_min = 0, lag_max = 0;
  if (fields->len < 5 || !tw_duration_parse(g_ptr_array_index(fields, 2), &lag_min, NULL) ||
      !tw_duration_parse(g_ptr_array_index(fields, 3), &lag_max, NULL))
    return;
  TwCertainty certainty = strcmp(g_ptr_array_index(fields, 4), "possible") == 0
                              ? TW_CERTAINTY_POSSIBLE
                              : TW_CERTAINTY_CERTAIN;
  tw_sink_add_link(d->reader->sink, d->id, g_ptr_array_index(fields, 0),
                   g_ptr_array_index(fields, 1), lag_min, lag_max, certainty);
}

static void
add_tags(const Item *item, TwEventBuilder *b)
{
  for (guint i = 0; i < item->raw->props->len; i++) {
    RawProp *p = g_ptr_array_index(item->raw->props, i);
    if (strcmp(p->name, "CATEGORIES") != 0)
      continue;
    g_autoptr(GPtrArray) tags = split_unescaped(p->value, ',');
    for (guint j = 0; j < tags->len; j++) {
      char *tag = g_strstrip((char *)g_ptr_array_index(tags, j));
      if (*tag)
        tw_event_builder_add_tag(b, tag);
    }
  }
}

/* The GEO of @item, read here rather than by libical, whose strtod follows LC_NUMERIC; only
 * when libical kept the property (it drops, and reports, a GEO that is no pair of numbers, such
 * as nan). Returns whether there is one; @in_range says whether it is a place on Earth. */
static gboolean
read_geo(const Item *item, double *lat, double *lon, gboolean *in_range)
{
  RawProp *raw = raw_find(item->raw, "GEO");
  if (raw == NULL || icalcomponent_get_first_property(item->comp, ICAL_GEO_PROPERTY) == NULL)
    return FALSE;
  char *end = NULL;
  *lat = g_ascii_strtod(raw->value, &end);
  if (end == raw->value || *end != ';')
    return FALSE;
  const char *second = end + 1;
  *lon = g_ascii_strtod(second, &end);
  if (end == second || *end != '\0')
    return FALSE;
  *in_range = *lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180;
  return TRUE;
}

static void
set_geo(const Item *item, TwEventBuilder *b)
{
  double lat, lon;
  gboolean in_range;
  if (read_geo(item, &lat, &lon, &in_range) && in_range)
    tw_event_builder_set_geo(b, lat, lon);
}

static void
add_person(TwEventBuilder *b, icalproperty *prop, const char *address)
{
  icalparameter *cn = icalproperty_get_first_parameter(prop, ICAL_CN_PARAMETER);
  if (cn != NULL && icalparameter_get_cn(cn) && *icalparameter_get_cn(cn)) {
    tw_event_builder_add_actor(b, icalparameter_get_cn(cn));
  } else if (address != NULL && *address) {
    if (g_ascii_strncasecmp(address, "mailto:", 7) == 0)
      address += 7;
    tw_event_builder_add_actor(b, address);
  }
}

/* Properties that become fields of their own, or that say nothing about the event itself. */
static gboolean
is_mapped_property(icalproperty_kind kind)
{
  switch (kind) {
  case ICAL_UID_PROPERTY:
  case ICAL_DTSTART_PROPERTY:
  case ICAL_DTEND_PROPERTY:
  case ICAL_DUE_PROPERTY:
  case ICAL_DURATION_PROPERTY:
  case ICAL_SUMMARY_PROPERTY:
  case ICAL_DESCRIPTION_PROPERTY:
  case ICAL_LOCATION_PROPERTY:
  case ICAL_URL_PROPERTY:
  case ICAL_CATEGORIES_PROPERTY:
  case ICAL_ATTENDEE_PROPERTY:
  case ICAL_GEO_PROPERTY:
  case ICAL_DTSTAMP_PROPERTY:
  case ICAL_RDATE_PROPERTY:
  case ICAL_EXDATE_PROPERTY:
  case ICAL_RECURRENCEID_PROPERTY:
  case ICAL_XLICERROR_PROPERTY:
    return TRUE;
  default:
    return FALSE;
  }
}

/* Every other property as an attribute, keyed by its lower-case name; a property given several
 * times has its values joined by line breaks. */
static void
add_attributes(const Item *item, TwEventBuilder *b)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GHashTable) values = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free_string);
  for (icalproperty *prop = icalcomponent_get_first_property(item->comp, ICAL_ANY_PROPERTY); prop;
       prop = icalcomponent_get_next_property(item->comp, ICAL_ANY_PROPERTY)) {
    if (is_mapped_property(icalproperty_isa(prop)))
      continue;
    const char *name = icalproperty_get_property_name(prop);
    icalvalue *value = icalproperty_get_value(prop);
    if (name == NULL || value == NULL || g_ascii_strncasecmp(name, "X-TIMEWEAVE-", 12) == 0 ||
        g_ascii_strncasecmp(name, "X-LIC-", 6) == 0)
      continue;
    g_autofree char *text = NULL;
    if (icalvalue_isa(value) == ICAL_TEXT_VALUE) {
      text = g_strdup(icalvalue_get_text(value));
    } else if (icalvalue_isa(value) == ICAL_X_VALUE) {
      text = g_strdup(icalvalue_get_x(value));
    } else {
      char *s = icalproperty_get_value_as_string_r(prop);
      text = g_strdup(s);
      icalmemory_free_buffer(s);
    }
    if (text == NULL)
      continue;
    g_autofree char *key = g_ascii_strdown(name, -1);
    GString *old = g_hash_table_lookup(values, key);
    if (old != NULL) {
      g_string_append_printf(old, "\n%s", text);
    } else {
      g_hash_table_insert(values, key, g_string_new(text));
      g_ptr_array_add(keys, g_steal_pointer(&key));
    }
  }
  for (guint i = 0; i < keys->len; i++) {
    const char *key = g_ptr_array_index(keys, i);
    GString *value = g_hash_table_lookup(values, key);
    tw_event_builder_set_attribute(b, key, value->str);
  }
}

/* -- dates -- */

/* The date of an occurrence that starts at @start and ends at @end (exclusive; equal to the
 * start when it has no span). Returns whether @end must be set explicitly. */
static gboolean
date_from_stamps(const Stamp *start, gint64 end, TwDate *date)
{
  memset(date, 0, sizeof *date);
  if (start->is_date) {
    date->start = start->usec;
    date->end = start->usec + TW_USEC_PER_DAY;
    date->precision = TW_PRECISION_DAY;
    date->floating = TRUE;
  } else if (start->floating) {
    date->start = date->end = start->usec;
    date->precision = TW_PRECISION_EXACT;
    date->floating = TRUE;
  } else {
    tw_date_from_unix_usec(start->usec, date);
  }
  return end > date->start && end != date->end;
}

/* A timeweave export states the date exactly in X-TIMEWEAVE-DATE (and X-TIMEWEAVE-END). It is
 * used only while DTSTART still says the same thing: an event moved in a calendar application
 * keeps its new time. */
static gboolean
restore_date(const Item *item, const Stamp *start, TwDate *date, gboolean *has_end, gint64 *end)
{
  g_autofree char *text = timeweave_value(item, "X-TIMEWEAVE-DATE");
  if (text == NULL || !tw_date_parse(text, NULL, date, NULL))
    return FALSE;
  gboolean same;
  if (date->precision >= TW_PRECISION_DAY)
    same = start->is_date && start->usec > date->start - TW_USEC_PER_DAY &&
           start->usec < date->start + TW_USEC_PER_DAY;
  else
    same = !start->is_date && start->floating == date->floating &&
           start->usec == floor_div(date->start, TW_USEC_PER_SEC) * TW_USEC_PER_SEC;
  if (!same)
    return FALSE;
  g_autofree char *end_text = timeweave_value(item, "X-TIMEWEAVE-END");
  TwDate end_date;
  *has_end = end_text != NULL && tw_date_parse(end_text, NULL, &end_date, NULL);
  if (*has_end)
    *end = end_date.start;
  return TRUE;
}

/* Stores one event (one occurrence of a recurring one). @key: the occurrence's key for its id,
 * or NULL for an event that does not recur. */
static gboolean
emit_event(Reader *r, const Item *item, const Stamp *start, gint64 end, const char *key,
           GError **error)
{
  TwEventBuilder *b = tw_sink_begin(r->sink, r->path, item->line);
  g_autofree char *tw_id = key == NULL ? timeweave_value(item, "X-TIMEWEAVE-ID") : NULL;

  TwDate date;
  gboolean has_end = FALSE;
  gint64 explicit_end = 0;
  if (tw_id == NULL || !restore_date(item, start, &date, &has_end, &explicit_end)) {
    has_end = date_from_stamps(start, end, &date);
    explicit_end = end;
  }
  tw_event_builder_set_date(b, &date);
  if (has_end)
    tw_event_builder_set_end(b, explicit_end);

  const char *summary = icalcomponent_get_summary(item->comp);
  tw_event_builder_set_title(b, summary && *summary ? summary : "(no title)");
  icalproperty *prop = icalcomponent_get_first_property(item->comp, ICAL_LOCATION_PROPERTY);
  if (prop != NULL && *icalproperty_get_location(prop))
    tw_event_builder_set_location(b, icalproperty_get_location(prop));
  prop = icalcomponent_get_first_property(item->comp, ICAL_URL_PROPERTY);
  if (prop != NULL && *icalproperty_get_url(prop))
    tw_event_builder_set_url(b, icalproperty_get_url(prop));
  set_geo(item, b);
  add_tags(item, b);

  if (tw_id != NULL) {
    /* A timeweave export: everything else comes from its X-TIMEWEAVE- properties. */
    tw_event_builder_set_id(b, tw_id);
    g_autofree char *source = timeweave_value(item, "X-TIMEWEAVE-SOURCE");
    g_autofree char *kind = timeweave_value(item, "X-TIMEWEAVE-KIND");
    g_autofree char *description = timeweave_value(item, "X-TIMEWEAVE-DESCRIPTION");
    g_autofree char *zone = timeweave_value(item, "X-TIMEWEAVE-ZONE");
    if (source != NULL)
      tw_event_builder_set_source(b, source);
    if (kind != NULL)
      tw_event_builder_set_kind(b, kind);
    if (description != NULL)
      tw_event_builder_set_description(b, description);
    if (zone != NULL)
      tw_event_builder_set_zone(b, zone);
    foreach_timeweave_fields(item, "X-TIMEWEAVE-ACTOR", add_actor_field, b);
    foreach_timeweave_fields(item, "X-TIMEWEAVE-ATTR", add_attribute_fields, b);
  } else {
    if (item->uid != NULL && *item->uid) {
      g_autofree char *native = key ? g_strdup_printf("%s/%s", item->uid, key) : NULL;
      tw_event_builder_set_native_id(b, native ? native : item->uid);
    }
    tw_event_builder_set_kind(b, item->is_todo ? "todo" : "event");
    const char *description = icalcomponent_get_description(item->comp);
    if (description != NULL && *description)
      tw_event_builder_set_description(b, description);
    if (start->zone != NULL)
      tw_event_builder_set_zone(b, start->zone->name);
    else if (!start->is_date && start->floating == FALSE && r->floating_zone != NULL &&
             !icaltime_is_utc(start->wall))
      tw_event_builder_set_zone(b, g_time_zone_get_identifier(r->floating_zone));
    prop = icalcomponent_get_first_property(item->comp, ICAL_ORGANIZER_PROPERTY);
    if (prop != NULL)
      add_person(b, prop, icalproperty_get_organizer(prop));
    for (prop = icalcomponent_get_first_property(item->comp, ICAL_ATTENDEE_PROPERTY); prop;
         prop = icalcomponent_get_next_property(item->comp, ICAL_ATTENDEE_PROPERTY))
      add_person(b, prop, icalproperty_get_attendee(prop));
    add_attributes(item, b);
  }

  GError *problem = NULL;
  if (!tw_sink_commit(r->sink, &problem)) {
    gboolean ok = tw_sink_warn_error(r->sink, problem, error);
    g_error_free(problem);
    return ok;
  }
  if (tw_id != NULL) {
    LinkData data = {r, tw_id};
    foreach_timeweave_fields(item, "X-TIMEWEAVE-LINK", add_link_fields, &data);
  }
  return TRUE;
}

/* -- spans and recurrence -- */

typedef struct {
  gboolean has_dtend;
  gint64 exact; /* DTEND - DTSTART */
  gboolean has_duration;
  struct icaldurationtype duration;
} Span;

static gint64
occurrence_end(const Span *span, const Stamp *start)
{
  if (span->has_duration)
    return add_duration(start, span->duration);
  if (span->has_dtend)
    return start->usec + span->exact;
  return start->usec;
}

/* How long an occurrence may last at most, for the window's slack. */
static gint64
span_length(const Span *span, const Stamp *start)
{
  gint64 length = occurrence_end(span, start) - start->usec;
  return MAX(length, 0) + 2 * TW_USEC_PER_DAY;
}

typedef struct {
  Stamp start;
  gint64 end;
} Occurrence;

static int
compare_occurrences(gconstpointer a, gconstpointer b)
{
  const Occurrence *x = a, *y = b;
  return x->start.usec < y->start.usec ? -1 : x->start.usec > y->start.usec;
}

/* The key of an occurrence in ids: its start as iCalendar writes it (UTC for zoned times). */
static char *
occurrence_key(const Stamp *start)
{
  int y, mo, d, h, mi, s;
  tw_usec_to_civil(start->usec, &y, &mo, &d, &h, &mi, &s, NULL);
  if (start->is_date)
    return g_strdup_printf("%04d%02d%02d", y, mo, d);
  return g_strdup_printf("%04d%02d%02dT%02d%02d%02d%s", y, mo, d, h, mi, s,
                         start->floating ? "" : "Z");
}

static struct icaltimetype
wall_to_icaltime(gint64 wall, gboolean is_date)
{
  int y, mo, d, h, mi, s;
  tw_usec_to_civil(wall, &y, &mo, &d, &h, &mi, &s, NULL);
  struct icaltimetype tt = icaltime_null_time();
  tt.year = y;
  tt.month = mo;
  tt.day = d;
  tt.is_date = is_date;
  if (!is_date) {
    tt.hour = h;
    tt.minute = mi;
    tt.second = s;
  }
  return tt;
}

typedef struct {
  gint64 lo, hi; /* occurrences that end after @lo and start before @hi */
  guint count;
  gboolean capped;
} Window;

static gboolean
window_add(Reader *r, const Item *item, Window *w, GArray *out, const Occurrence *occ,
           GError **error)
{
  if (occ->start.usec >= w->hi || MAX(occ->end, occ->start.usec + 1) <= w->lo)
    return TRUE;
  if (w->count >= (guint64)r->max_occurrences) {
    if (!w->capped) {
      w->capped = TRUE;
      return warn(r, item->line, error,
                  "the recurrence has more than %" G_GINT64_FORMAT
                  " occurrences in the window: the rest are dropped (option max-occurrences)",
                  r->max_occurrences);
    }
    return TRUE;
  }
  w->count++;
  g_array_append_val(out, *occ);
  return TRUE;
}

/* Expands one RRULE into @out. */
static gboolean
expand_rule(Reader *r, const Item *item, icalproperty *prop, const Stamp *dtstart, const char *tzid,
            const Span *span, Window *w, GArray *out, GError **error)
{
  struct icalrecurrencetype rule = icalproperty_get_rrule(prop);
  if (rule.freq == ICAL_NO_RECURRENCE)
    return TRUE;

  /* UNTIL is compared here, as an instant, rather than by libical, which would compare a UTC
   * UNTIL with the wall clock of a zoned DTSTART. */
  gboolean has_until = !icaltime_is_null_time(rule.until);
  Stamp until = {0};
  if (has_until) {
    struct icaltimetype u = rule.until;
    if (!icaltime_is_utc(u) && !u.is_date && !dtstart->floating) {
      /* A local UNTIL is read in DTSTART's zone. */
      if (!resolve_time(r, item, u, tzid, item->line, &until, error))
        return FALSE;
    } else if (u.is_date && !dtstart->is_date) {
      /* A date UNTIL with times: every occurrence on that day (wall clock) still counts. */
      until.usec = wall_usec(u) + TW_USEC_PER_DAY - 1;
      until.floating = TRUE;
    } else {
      until.usec = wall_usec(u);
      until.floating = dtstart->floating;
    }
    rule.until = icaltime_null_time();
  }

  Window rw = *w;
  if (!has_until && rule.count == 0 && !r->has_range) {
    rw.hi = dtstart->usec + r->window;
    g_autofree char *length = tw_duration_format(r->window);
    if (!warn(r, item->line, error,
              "RRULE without COUNT or UNTIL: expanded for %s after DTSTART (give --from and --to, "
              "or the expand-window option)",
              length))
      return FALSE;
  } else if (!has_until && rule.count == 0 && r->to >= TW_TIME_MAX) {
    /* --from without --to bounds nothing on the side such a rule runs to: expanded to the year
     * 9999, a daily meeting would give max-occurrences events and a warning. */
    gboolean after_from = r->from > dtstart->usec;
    rw.hi = (after_from ? r->from : dtstart->usec) + r->window;
    g_autofree char *length = tw_duration_format(r->window);
    if (!warn(r, item->line, error,
              "RRULE without COUNT or UNTIL: expanded for %s after %s (give --to, or the "
              "expand-window option)",
              length, after_from ? "--from" : "DTSTART"))
      return FALSE;
  }

  struct icaltimetype start = dtstart->wall;
  start.zone = NULL;
  /* Skip ahead to the window (not allowed with COUNT, which counts from DTSTART). */
  gboolean skip = rule.count == 0 && rw.lo > dtstart->usec + 2 * span_length(span, dtstart);
  /* (Only with a window to skip to: rw.lo may be the lowest instant, and the sum overflow.) */
  gint64 skip_wall = skip ? rw.lo - span_length(span, dtstart) - 2 * TW_USEC_PER_DAY : 0;
  gint64 unit = rule.freq == ICAL_HOURLY_RECURRENCE     ? 3600
                : rule.freq == ICAL_MINUTELY_RECURRENCE ? 60
                : rule.freq == ICAL_SECONDLY_RECURRENCE ? 1
                                                        : 0;
  if (skip && unit != 0) {
    /* libical 3.0's icalrecur_iterator_set_start() loses the phase of an HOURLY, MINUTELY or
     * SECONDLY INTERVAL (every 5 hours from 10:00 would run from another hour): such a rule
     * starts over from the last time of DTSTART's grid before the window instead. */
    gint64 step = MAX(rule.interval, 1) * unit * TW_USEC_PER_SEC;
    gint64 base = wall_usec(dtstart->wall);
    start = wall_to_icaltime(base + floor_div(skip_wall - base, step) * step, dtstart->is_date);
    skip = FALSE;
  }
  icalrecur_iterator *it = icalrecur_iterator_new(rule, start);
  if (it == NULL)
    return warn(r, item->line, error, "cannot expand the RRULE: libical refused it");
  if (skip)
    icalrecur_iterator_set_start(it, wall_to_icaltime(skip_wall, dtstart->is_date));
  gboolean ok = TRUE;
  for (;;) {
    struct icaltimetype tt = icalrecur_iterator_next(it);
    if (icaltime_is_null_time(tt))
      break;
    Occurrence occ;
    tt.is_date = dtstart->is_date;
    if (icaltime_is_utc(dtstart->wall))
      tt.zone = icaltimezone_get_utc_timezone(); /* the iterator ran on the bare wall clock */
    if (!resolve_time(r, item, tt, tzid, item->line, &occ.start, error)) {
      ok = FALSE;
      break;
    }
    if (has_until) {
      gint64 at = until.floating && !occ.start.floating ? wall_usec(tt) : occ.start.usec;
      if (at > until.usec)
        break;
    }
    if (occ.start.usec >= rw.hi)
      break;
    if (occ.start.usec == dtstart->usec)
      continue; /* DTSTART is in the set already */
    occ.end = occurrence_end(span, &occ.start);
    if (!window_add(r, item, &rw, out, &occ, error)) {
      ok = FALSE;
      break;
    }
    if (rw.capped)
      break;
  }
  icalrecur_iterator_free(it);
  w->count = rw.count;
  w->capped = rw.capped;
  return ok;
}

static gboolean
is_excluded(const Occurrence *occ, GArray *exdates)
{
  for (guint i = 0; i < exdates->len; i++) {
    const Stamp *ex = &g_array_index(exdates, Stamp, i);
    if (ex->is_date && !occ->start.is_date) {
      /* A date excludes every occurrence on that day of DTSTART's wall clock. */
      struct icaltimetype w = occ->start.wall;
      if (w.year == ex->wall.year && w.month == ex->wall.month && w.day == ex->wall.day)
        return TRUE;
    } else if (ex->usec == occ->start.usec) {
      return TRUE;
    }
  }
  return FALSE;
}

static Item *
find_override(GPtrArray *overrides, gint64 rid)
{
  for (guint i = 0; overrides != NULL && i < overrides->len; i++) {
    Item *o = g_ptr_array_index(overrides, i);
    if (!o->used && o->rid == rid)
      return o;
  }
  return NULL;
}

/* The anchor of an item: DTSTART for a VEVENT, DUE for a VTODO (a recurring VTODO repeats its
 * DUE). NULL when it has none. */
static icalproperty *
anchor_property(const Item *item)
{
  return icalcomponent_get_first_property(item->comp, item->is_todo ? ICAL_DUE_PROPERTY
                                                                    : ICAL_DTSTART_PROPERTY);
}

static struct icaltimetype
anchor_time(const Item *item, icalproperty *prop)
{
  return item->is_todo ? icalproperty_get_due(prop) : icalproperty_get_dtstart(prop);
}

static guint error_line_of(const Item *item, const char *name);

/* The span of a VEVENT (a VTODO is an instant at its DUE). */
static gboolean
item_span(Reader *r, const Item *item, const Stamp *start, Span *span, GError **error)
{
  memset(span, 0, sizeof *span);
  if (item->is_todo)
    return TRUE;
  icalproperty *dtend = icalcomponent_get_first_property(item->comp, ICAL_DTEND_PROPERTY);
  icalproperty *duration = icalcomponent_get_first_property(item->comp, ICAL_DURATION_PROPERTY);
  if (dtend != NULL) {
    Stamp end;
    if (!resolve_property(r, item, dtend, icalproperty_get_dtend(dtend), &end, error))
      return FALSE;
    if (end.is_date != start->is_date) {
      /* RFC 5545 3.6.1: DTEND has DTSTART's value type. Calendar programs differ on a mixed
       * pair (a day that ends at a time of day); the span is kept as written, with a word. */
      if (!warn(r, error_line_of(item, "DTEND"), error,
                "VEVENT: DTEND is a %s where DTSTART is a %s (RFC 5545 wants one type for "
                "both): the span is read as written",
                end.is_date ? "DATE" : "DATE-TIME", start->is_date ? "DATE" : "DATE-TIME"))
        return FALSE;
    }
    if (end.usec > start->usec) {
      span->has_dtend = TRUE;
      span->exact = end.usec - start->usec;
    } else if (end.usec < start->usec) {
      /* RFC 5545 3.6.1: DTEND is later than DTSTART. An earlier one says nothing certain about
       * the span; the start is kept and the end dropped, as for any property that cannot be
       * read, but not without a word (the json and csv sources warn of such an end too).
       * Without its end a DATE start is its one day (3.6.1), a DATE-TIME one an instant. */
      char *text = icalproperty_get_value_as_string_r(dtend);
      gboolean ok = warn(r, error_line_of(item, "DTEND"), error,
                         "VEVENT: DTEND %s is before DTSTART: dropped (the event is %s)", text,
                         start->is_date ? "its start's day" : "an instant");
      icalmemory_free_buffer(text);
      if (!ok)
        return FALSE;
    }
  } else if (duration != NULL) {
    struct icaldurationtype d = icalproperty_get_duration(duration);
    if (d.is_neg && !icaldurationtype_is_null_duration(d)) {
      /* RFC 5545 3.8.2.5: a VEVENT's DURATION is positive. A negative one ends the event
       * before it starts, as a DTEND before DTSTART does, and is dropped with the same word. */
      char *text = icalproperty_get_value_as_string_r(duration);
      gboolean ok = warn(r, error_line_of(item, "DURATION"), error,
                         "VEVENT: DURATION %s is negative: dropped (the event is %s)", text,
                         start->is_date ? "its start's day" : "an instant");
      icalmemory_free_buffer(text);
      return ok;
    }
    span->has_duration = TRUE;
    span->duration = d;
  }
  return TRUE;
}

/* Reads one event that is not a RECURRENCE-ID override: every occurrence of it, with the
 * overrides of its UID in place of the occurrences they replace. */
static gboolean
read_master(Reader *r, Item *item, GPtrArray *overrides, GError **error)
{
  icalproperty *anchor = anchor_property(item);
  Stamp dtstart;
  Span span;
  if (!resolve_property(r, item, anchor, anchor_time(item, anchor), &dtstart, error) ||
      !item_span(r, item, &dtstart, &span, error))
    return FALSE;

  gboolean recurs = icalcomponent_get_first_property(item->comp, ICAL_RRULE_PROPERTY) != NULL ||
                    icalcomponent_get_first_property(item->comp, ICAL_RDATE_PROPERTY) != NULL;
  g_autoptr(GArray) occurrences = g_array_new(FALSE, FALSE, sizeof(Occurrence));
  Occurrence first = {dtstart, occurrence_end(&span, &dtstart)};
  if (!recurs) {
    g_array_append_val(occurrences, first);
  } else {
    Window w = {G_MININT64, G_MAXINT64, 0, FALSE};
    if (r->has_range) {
      gint64 slack = span_length(&span, &dtstart);
      w.lo = r->from - slack;
      w.hi = r->to + 2 * TW_USEC_PER_DAY;
    }
    /* DTSTART is the first instance (RFC 5545 3.8.5.3), whether the rule matches it or not. */
    if (!window_add(r, item, &w, occurrences, &first, error))
      return FALSE;
    const char *tzid = tzid_of(anchor);
    for (icalproperty *p = icalcomponent_get_first_property(item->comp, ICAL_RRULE_PROPERTY); p;
         p = icalcomponent_get_next_property(item->comp, ICAL_RRULE_PROPERTY))
      if (!expand_rule(r, item, p, &dtstart, tzid, &span, &w, occurrences, error))
        return FALSE;
    for (icalproperty *p = icalcomponent_get_first_property(item->comp, ICAL_RDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(item->comp, ICAL_RDATE_PROPERTY)) {
      struct icaldatetimeperiodtype rdate = icalproperty_get_rdate(p);
      Occurrence occ;
      if (!icaltime_is_null_time(rdate.period.start)) {
        if (!resolve_property(r, item, p, rdate.period.start, &occ.start, error))
          return FALSE;
        Stamp end;
        if (!icaltime_is_null_time(rdate.period.end)) {
          if (!resolve_property(r, item, p, rdate.period.end, &end, error))
            return FALSE;
          occ.end = end.usec;
        } else {
          occ.end = add_duration(&occ.start, rdate.period.duration);
        }
      } else {
        if (!resolve_property(r, item, p, rdate.time, &occ.start, error))
          return FALSE;
        occ.end = occurrence_end(&span, &occ.start);
      }
      if (!window_add(r, item, &w, occurrences, &occ, error))
        return FALSE;
    }
    g_array_sort(occurrences, compare_occurrences);

    g_autoptr(GArray) exdates = g_array_new(FALSE, FALSE, sizeof(Stamp));
    for (icalproperty *p = icalcomponent_get_first_property(item->comp, ICAL_EXDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(item->comp, ICAL_EXDATE_PROPERTY)) {
      Stamp ex;
      if (!resolve_property(r, item, p, icalproperty_get_exdate(p), &ex, error))
        return FALSE;
      g_array_append_val(exdates, ex);
    }
    /* Drop duplicates (a rule and an RDATE that agree) and excluded dates. */
    guint kept = 0;
    for (guint i = 0; i < occurrences->len; i++) {
      Occurrence *occ = &g_array_index(occurrences, Occurrence, i);
      if (kept > 0 &&
          g_array_index(occurrences, Occurrence, kept - 1).start.usec == occ->start.usec)
        continue;
      if (is_excluded(occ, exdates))
        continue;
      g_array_index(occurrences, Occurrence, kept++) = *occ;
    }
    g_array_set_size(occurrences, kept);
  }

  for (guint i = 0; i < occurrences->len; i++) {
    Occurrence *occ = &g_array_index(occurrences, Occurrence, i);
    g_autofree char *key = recurs ? occurrence_key(&occ->start) : NULL;
    Item *o = find_override(overrides, occ->start.usec);
    if (o != NULL) {
      /* The override replaces this occurrence and keeps its id. */
      o->used = TRUE;
      icalproperty *oa = anchor_property(o);
      Stamp ostart;
      Span ospan;
      if (!resolve_property(r, o, oa, anchor_time(o, oa), &ostart, error) ||
          !item_span(r, o, &ostart, &ospan, error) ||
          !emit_event(r, o, &ostart, occurrence_end(&ospan, &ostart), key ? key : NULL, error))
        return FALSE;
      continue;
    }
    if (!emit_event(r, item, &occ->start, occ->end, key, error))
      return FALSE;
  }
  return TRUE;
}

/* An override whose occurrence no master gave (no master in the file, or the occurrence is
 * outside the window or excluded): it is an event of its own. */
static gboolean
read_lone_override(Reader *r, Item *o, GError **error)
{
  icalproperty *oa = anchor_property(o);
  icalproperty *rid = icalcomponent_get_first_property(o->comp, ICAL_RECURRENCEID_PROPERTY);
  Stamp ostart, rstart;
  Span ospan;
  if (!resolve_property(r, o, oa, anchor_time(o, oa), &ostart, error) ||
      !resolve_property(r, o, rid, icalproperty_get_recurrenceid(rid), &rstart, error) ||
      !item_span(r, o, &ostart, &ospan, error))
    return FALSE;
  g_autofree char *key = occurrence_key(&rstart);
  return emit_event(r, o, &ostart, occurrence_end(&ospan, &ostart), key, error);
}

/* -- the file -- */

typedef struct {
  const char *p;
} LineSource;

/* libical's line generator (fgets-like): the next line, at most @size - 1 bytes of it. */
static char *
next_line(char *buf, size_t size, void *data)
{
  LineSource *src = data;
  if (*src->p == '\0' || size < 2)
    return NULL;
  size_t n = 0;
  while (src->p[n] != '\0' && n < size - 1) {
    if (src->p[n++] == '\n')
      break;
  }
  memcpy(buf, src->p, n);
  buf[n] = '\0';
  src->p += n;
  return buf;
}

/* Parses @text into its top-level components. Unlike icalparser_parse_string(), which returns
 * nothing when the last component is not closed, a truncated file keeps what it has. */
static GPtrArray *
parse_components(const char *text)
{
  GPtrArray *roots = g_ptr_array_new_with_free_func((GDestroyNotify)icalcomponent_free);
  icalparser *parser = icalparser_new();
  LineSource src = {text};
  icalparser_set_gen_data(parser, &src);
  char *line;
  do {
    line = icalparser_get_line(parser, next_line);
    icalcomponent *c = icalparser_add_line(parser, line);
    if (c != NULL)
      g_ptr_array_add(roots, c);
    if (line != NULL)
      icalmemory_free_buffer(line);
  } while (line != NULL);
  /* The parser keeps what icalparser_clean() returns and frees it with itself: copy it. */
  icalcomponent *rest = icalparser_clean(parser);
  if (rest != NULL)
    g_ptr_array_add(roots, icalcomponent_new_clone(rest));
  icalparser_free(parser);
  return roots;
}

/* The line of the property a libical error is about ("... in DTEND property ..."), or of the
 * first line that is no property, or the component's. */
static guint
error_line(const Item *item, const char *message)
{
  const char *in = strstr(message, " in ");
  const char *property = in ? strstr(in + 4, " property") : NULL;
  if (property != NULL) {
    g_autofree char *name = g_ascii_strup(in + 4, property - (in + 4));
    RawProp *p = raw_find(item->raw, name);
    if (p != NULL)
      return p->line;
  }
  if (strstr(message, "could not find a property name") && item->raw->bad_lines->len > 0)
    return g_array_index(item->raw->bad_lines, guint, 0);
  return item->line;
}

/* The line of the first property @name of @item, else the item's. */
static guint
error_line_of(const Item *item, const char *name)
{
  RawProp *p = raw_find(item->raw, name);
  return p ? p->line : item->line;
}

/* Whether libical's value is a real date and time: it reads 20260229 or 20261341 as given. */
static gboolean
valid_time(struct icaltimetype tt)
{
  if (tt.year < 1 || tt.year > 9999 || tt.month < 1 || tt.month > 12 || tt.day < 1 ||
      tt.day > icaltime_days_in_month(tt.month, tt.year))
    return FALSE;
  return tt.is_date || (tt.hour >= 0 && tt.hour <= 23 && tt.minute >= 0 && tt.minute <= 59 &&
                        tt.second >= 0 && tt.second <= 60);
}

/* libical's message without the ": " and spaces some of them end with. */
static char *
clean_message(const char *message)
{
  char *text = g_strdup(message ? message : "");
  g_strchomp(text);
  gsize len = strlen(text);
  while (len > 0 && (text[len - 1] == ':' || text[len - 1] == ' '))
    text[--len] = '\0';
  return text;
}

/* Reports what libical found wrong in @item; returns whether the item can be read (it has its
 * anchor time) in @usable. */
static gboolean
check_item(Reader *r, Item *item, gboolean *usable, GError **error)
{
  const char *what = item->is_todo ? "VTODO" : "VEVENT";
  *usable = FALSE;
  if (item->entry->nested_line != 0 &&
      !warn(r, item->entry->nested_line, error,
            "a component begins inside the %s of line %u (a missing END:%s?): it is skipped", what,
            item->line, what))
    return FALSE;

  /* libical's complaints: reported one by one when the item is still read, else as the reasons
   * it is skipped. */
  icalproperty *anchor = anchor_property(item);
  g_autoptr(GString) reasons = g_string_new(NULL);
  for (icalproperty *p = icalcomponent_get_first_property(item->comp, ICAL_XLICERROR_PROPERTY); p;
       p = icalcomponent_get_next_property(item->comp, ICAL_XLICERROR_PROPERTY)) {
    g_autofree char *message = clean_message(icalproperty_get_xlicerror(p));
    if (anchor == NULL)
      g_string_append_printf(reasons, "%s%s", reasons->len ? "; " : "", message);
    else if (!warn(r, error_line(item, message), error, "%s: %s", what, message))
      return FALSE;
  }
  double lat, lon;
  gboolean in_range;
  if (read_geo(item, &lat, &lon, &in_range) && !in_range &&
      !warn(r, error_line_of(item, "GEO"), error,
            "%s: GEO %s is outside -90..90 degrees of latitude, -180..180 of longitude: dropped",
            what, raw_find(item->raw, "GEO")->value))
    return FALSE;
  const char *anchor_name = item->is_todo ? "DUE" : "DTSTART";
  if (anchor == NULL) {
    /* A VTODO without a DUE is no dated event, and no error either. */
    if (item->is_todo && reasons->len == 0)
      return TRUE;
    return warn(r, item->line, error, "%s without a valid %s: skipped%s%s", what, anchor_name,
                reasons->len ? ": " : "", reasons->str);
  }
  icalproperty *dtend = icalcomponent_get_first_property(item->comp, ICAL_DTEND_PROPERTY);
  struct {
    icalproperty *prop;
    const char *name;
    struct icaltimetype time;
  } checks[] = {
      {anchor, anchor_name, anchor_time(item, anchor)},
      {dtend, "DTEND", dtend ? icalproperty_get_dtend(dtend) : icaltime_null_time()},
  };
  for (guint i = 0; i < G_N_ELEMENTS(checks); i++) {
    if (checks[i].prop == NULL || valid_time(checks[i].time))
      continue;
    char *text = icalproperty_get_value_as_string_r(checks[i].prop);
    gboolean ok = warn(r, error_line_of(item, checks[i].name), error,
                       "%s: %s %s is not a valid date: skipped", what, checks[i].name, text);
    icalmemory_free_buffer(text);
    return ok;
  }
  *usable = TRUE;
  return TRUE;
}

/* `FILE:LINE: not an iCalendar file` unless the first line that is not blank begins the
 * calendar. */
static gboolean
check_icalendar(const char *path, const char *text, gsize size, GError **error)
{
  const char *nul = memchr(text, '\0', size);
  guint line = 1;
  const char *p = text;
  while (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t') {
    if (*p == '\n')
      line++;
    p++;
  }
  gsize len = strcspn(p, "\r\n");
  while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
    len--;
  if (*p == '\0' && nul == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "%s:%u: not an iCalendar file (it is empty)", path, line);
    return FALSE;
  }
  if (len != 15 || g_ascii_strncasecmp(p, "BEGIN:VCALENDAR", 15) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "%s:%u: not an iCalendar file (it does not begin with BEGIN:VCALENDAR)", path,
                line);
    return FALSE;
  }
  if (nul != NULL) {
    guint nul_line = 1;
    for (const char *q = text; q < nul; q++)
      nul_line += *q == '\n';
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "%s:%u: not an iCalendar file (it contains a NUL byte)", path, nul_line);
    return FALSE;
  }
  return TRUE;
}

/* The VTIMEZONEs of calendar @index, in a VCALENDAR of their own for libical's lookups. */
static icalcomponent *
calendar_zones(Reader *r, guint index)
{
  Calendar *c = g_ptr_array_index(r->index.calendars, index);
  if (c->zones != NULL)
    return c->zones;
  c->zones = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
  for (guint i = 0; i + 1 < c->zone_ranges->len; i += 2) {
    gsize begin = g_array_index(c->zone_ranges, gsize, i);
    gsize end = g_array_index(c->zone_ranges, gsize, i + 1);
    g_autofree char *text = g_strndup(r->text + begin, end - begin);
    g_autoptr(GPtrArray) roots = parse_components(text);
    while (roots->len > 0) {
      icalcomponent *zone = g_ptr_array_steal_index(roots, 0);
      if (icalcomponent_isa(zone) == ICAL_VTIMEZONE_COMPONENT)
        icalcomponent_add_component(c->zones, zone);
      else
        icalcomponent_free(zone);
    }
  }
  return c->zones;
}

static void
item_free(Item *item)
{
  if (item == NULL)
    return;
  if (item->comp)
    icalcomponent_free(item->comp);
  raw_comp_free(item->raw);
  g_free(item);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Item, item_free)

/* Parses the component @entry with libical. */
static Item *
item_load(Reader *r, Entry *entry)
{
  g_autofree char *text = g_strndup(r->text + entry->begin, entry->end - entry->begin);
  g_autoptr(GPtrArray) roots = parse_components(text);
  Item *item = g_new0(Item, 1);
  item->entry = entry;
  item->line = entry->line;
  item->is_todo = entry->is_todo;
  item->raw = scan_component(text, entry->end - entry->begin, entry->line);
  for (guint i = 0; i < roots->len && item->comp == NULL; i++) {
    icalcomponent_kind kind = icalcomponent_isa(g_ptr_array_index(roots, i));
    if (kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VTODO_COMPONENT)
      item->comp = g_ptr_array_steal_index(roots, i);
  }
  if (item->comp == NULL) /* not expected: the scan saw a BEGIN line */
    item->comp = icalcomponent_new(entry->is_todo ? ICAL_VTODO_COMPONENT : ICAL_VEVENT_COMPONENT);
  item->calendar = calendar_zones(r, entry->calendar);
  item->uid = icalcomponent_get_uid(item->comp);
  item->has_rid = icalcomponent_get_first_property(item->comp, ICAL_RECURRENCEID_PROPERTY) != NULL;
  return item;
}

/* Loads @entry and gives its warnings once: returns it when it can be read, else NULL (with
 * @error set when a warning was fatal). */
static Item *
item_load_checked(Reader *r, Entry *entry, GError **error)
{
  if (entry->checked && !entry->usable)
    return NULL;
  g_autoptr(Item) item = item_load(r, entry);
  if (!entry->checked) {
    entry->checked = TRUE;
    if (!check_item(r, item, &entry->usable, error))
      entry->usable = FALSE;
  }
  return entry->usable ? g_steal_pointer(&item) : NULL;
}

static void
free_item_pointer(gpointer data)
{
  item_free(data);
}

/* The overrides of @uid that no master has used yet, loaded, with their RECURRENCE-IDs. */
static gboolean
load_overrides(Reader *r, GPtrArray *entries, GPtrArray *out, GError **error)
{
  for (guint i = 0; entries != NULL && i < entries->len; i++) {
    Entry *entry = g_ptr_array_index(entries, i);
    if (entry->used)
      continue;
    GError *local = NULL;
    Item *o = item_load_checked(r, entry, &local);
    if (local != NULL) {
      g_propagate_error(error, local);
      return FALSE;
    }
    if (o == NULL)
      continue;
    icalproperty *rid = icalcomponent_get_first_property(o->comp, ICAL_RECURRENCEID_PROPERTY);
    Stamp at;
    if (rid == NULL) { /* libical dropped it (and said why) */
      item_free(o);
      continue;
    }
    if (!resolve_property(r, o, rid, icalproperty_get_recurrenceid(rid), &at, error)) {
      item_free(o);
      return FALSE;
    }
    o->rid = at.usec;
    g_ptr_array_add(out, o);
  }
  return TRUE;
}

static gboolean
read_entries(Reader *r, GError **error)
{
  GPtrArray *entries = r->index.entries;
  /* RECURRENCE-ID overrides by UID. */
  g_autoptr(GHashTable) overrides =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = g_ptr_array_index(entries, i);
    if (!e->has_rid)
      continue;
    const char *uid = e->uid ? e->uid : "";
    GPtrArray *list = g_hash_table_lookup(overrides, uid);
    if (list == NULL) {
      list = g_ptr_array_new();
      g_hash_table_insert(overrides, (gpointer)uid, list);
    }
    g_ptr_array_add(list, e);
  }

  for (guint i = 0; i < entries->len; i++) {
    Entry *e = g_ptr_array_index(entries, i);
    if (e->has_rid)
      continue;
    GError *local = NULL;
    g_autoptr(Item) master = item_load_checked(r, e, &local);
    if (local != NULL) {
      g_propagate_error(error, local);
      return FALSE;
    }
    if (master == NULL)
      continue;
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(free_item_pointer);
    if (e->uid != NULL && !load_overrides(r, g_hash_table_lookup(overrides, e->uid), items, error))
      return FALSE;
    if (!read_master(r, master, items, error))
      return FALSE;
    for (guint k = 0; k < items->len; k++) {
      Item *o = g_ptr_array_index(items, k);
      o->entry->used = o->used;
    }
  }

  /* Overrides whose occurrence no master gave. */
  for (guint i = 0; i < entries->len; i++) {
    Entry *e = g_ptr_array_index(entries, i);
    if (!e->has_rid || e->used)
      continue;
    GError *local = NULL;
    g_autoptr(Item) o = item_load_checked(r, e, &local);
    if (local != NULL) {
      g_propagate_error(error, local);
      return FALSE;
    }
    if (o == NULL)
      continue;
    /* A RECURRENCE-ID libical could not read (and said so) is dropped as any such property is:
     * the component is then an event of its own, not lost. */
    if (!(o->has_rid ? read_lone_override(r, o, error) : read_master(r, o, NULL, error)))
      return FALSE;
  }
  return TRUE;
}

static gboolean
ics_read(TwSource *source, TwSink *sink, GError **error)
{
  g_autoptr(TwReader) input = tw_source_open(source, error);
  if (input == NULL)
    return FALSE;
  g_autoptr(GBytes) bytes = tw_reader_read_all(input, ICS_MAX_BYTES, error);
  if (bytes == NULL)
    return FALSE;
  const char *path = tw_reader_get_name(input);
  gsize size = 0;
  const char *text = g_bytes_get_data(bytes, &size);
  if (text == NULL)
    text = "";
  if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
    text += 3;
    size -= 3;
  }
  /* Lines that end in CR alone (classic Mac OS) are lines too; the scan and libical's parser
   * split at LF, and would see one line and no component. */
  g_autofree char *lf_text = NULL;
  if (size > 0 && memchr(text, '\n', size) == NULL && memchr(text, '\r', size) != NULL) {
    lf_text = g_malloc(size + 1);
    for (gsize i = 0; i < size; i++)
      lf_text[i] = text[i] == '\r' ? '\n' : text[i];
    lf_text[size] = '\0';
    text = lf_text;
  }
  if (!check_icalendar(path, text, size, error))
    return FALSE;

  const TwOptions *options = tw_source_get_options(source);
  Reader r = {
      .source = source,
      .sink = sink,
      .path = path,
      .floating_zone = tw_options_get_zone(options, "timezone"),
      .window = tw_options_get_duration(options, "expand-window"),
      .max_occurrences = tw_options_get_int(options, "max-occurrences"),
      .zones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, zone_free),
      .warned_tzids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
      .text = text,
  };
  r.has_range = tw_source_get_range(source, &r.from, &r.to);
  if (r.max_occurrences <= 0)
    r.max_occurrences = G_MAXINT64;

  index_text(&r.index, text, size);
  gboolean ok = read_entries(&r, error);
  /* (A file cut inside a component has libical's warning, "Missing END tag".) */
  if (ok && r.index.unclosed_calendar)
    ok = warn(&r, r.index.last_line, error,
              "the file ends without the END:VCALENDAR of line %u: it may have been cut short, "
              "and the events after the cut are missing",
              r.index.unclosed_calendar);
  /* Zones point into the calendars' VTIMEZONEs: free them first. */
  g_hash_table_unref(r.zones);
  g_hash_table_unref(r.warned_tzids);
  index_clear(&r.index);
  return ok;
}

static const TwOptionSpec ics_options[] = {
    {"timezone",
     TW_OPTION_ZONE,
     NULL,
     "The zone of floating times (a DATE-TIME without TZID or Z). Unset, the calendar's "
     "X-WR-TIMEZONE when it has one, else they stay floating.",
     NULL,
     {NULL}},
    {"expand-window",
     TW_OPTION_DURATION,
     "730d",
     "Without --from/--to, how long after its DTSTART a rule without COUNT or UNTIL is "
     "expanded (with a warning); with --from alone, how long after --from. With both, every "
     "rule is expanded over that range.",
     NULL,
     {NULL}},
    {"max-occurrences",
     TW_OPTION_INT,
     "100000",
     "The most occurrences one recurring event gives; the rest are dropped with a warning.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

static const TwSourceInfo ics_source = {
    .name = "ics",
    .summary = "iCalendar files (.ics): VEVENTs, VTODOs with a DUE, recurrences expanded",
    .description =
        "Reads RFC 5545 calendars with libical. Every VEVENT, and every VTODO with a DUE date "
        "(kind todo), becomes an event: SUMMARY, DESCRIPTION, LOCATION, URL, GEO, CATEGORIES "
        "as tags, ORGANIZER and ATTENDEEs as actors, other properties as attributes, the UID as "
        "the native id. TZIDs are resolved through the file's VTIMEZONEs, else the system zone "
        "database, Windows zone names included. RRULE, RDATE, EXDATE and RECURRENCE-ID are "
        "expanded within --from/--to, each occurrence an event whose id is the UID and its "
        "start. A timeweave ics export is read back without loss (docs/formats-ics.md).",
    .options = ics_options,
    .read = ics_read,
};

static const TwSourceInfo *const ics_sources[] = {&ics_source, NULL};

TW_PLUGIN_DEFINE("ics", TW_VERSION, "iCalendar source", NULL, ics_sources, NULL, NULL)
