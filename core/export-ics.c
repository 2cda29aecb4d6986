/* timeweave: the iCalendar (RFC 5545) exporter.
 *
 * The text is written here rather than by libical's serializer: libical 3.0.16 does not escape
 * commas in CATEGORIES or X- property values, so a tag "a,b" would come back as two categories
 * and an X-TIMEWEAVE-ATTR value could not be split back into key and value. Writing it by hand
 * also streams: one content line is built at a time, folded and handed to the TwOutput.
 *
 * What each precision becomes, and which X-TIMEWEAVE- properties carry the event for the ics
 * source to read back, is documented in docs/formats-ics.md.
 */
#include "export-common.h"

#include <string.h>

/* RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break. */
#define ICS_LINE_OCTETS 75

typedef struct {
  TwOutput *out;
  const TwTimeline *timeline;
  GString *line;  /* the content line being built (unfolded) */
  GString *text;  /* scratch for composed text values */
  char stamp[24]; /* DTSTAMP: the generation time in UTC */
  /* Event id -> GArray of guint: the links and findings that concern the event. */
  GHashTable *links_by_event;
  GHashTable *findings_by_event;
  /* Zone name -> GTimeZone, for the wall clock of zoned all-day events. */
  GHashTable *zones;
  /* The canonical date texts, as the json export writes them (always without --output-zone:
   * the ics export is in UTC). */
  TwExportDates dates;
} IcsWriter;

/* -- content lines -- */

/* Appends @text as an RFC 5545 TEXT value: backslash, semicolon, comma and line breaks are
 * escaped; other control characters cannot be written in TEXT (3.3.11) and are dropped. */
static void
append_escaped(GString *dst, const char *text)
{
  for (const char *p = text; *p; p++) {
    guchar c = (guchar)*p;
    switch (c) {
    case '\\':
      g_string_append(dst, "\\\\");
      break;
    case ';':
      g_string_append(dst, "\\;");
      break;
    case ',':
      g_string_append(dst, "\\,");
      break;
    case '\r':
      if (p[1] == '\n')
        p++;
      g_string_append(dst, "\\n");
      break;
    case '\n':
      g_string_append(dst, "\\n");
      break;
    case '\t':
      g_string_append_c(dst, '\t');
      break;
    default:
      if (c < 0x20 || c == 0x7f)
        break;
      g_string_append_c(dst, (char)c);
    }
  }
}

/* Appends a URI value: it is not TEXT (no escaping), but it must not contain controls, spaces
 * or double quotes, which are percent-encoded. */
static void
append_uri(GString *dst, const char *uri)
{
  for (const guchar *p = (const guchar *)uri; *p; p++) {
    if (*p <= 0x20 || *p == 0x7f || *p == '"')
      g_string_append_printf(dst, "%%%02X", *p);
    else
      g_string_append_c(dst, (char)*p);
  }
}

static void
line_begin(IcsWriter *w, const char *name)
{
  g_string_assign(w->line, name);
}

/* Writes the current line folded at 75 octets, CRLF-terminated. A fold never splits a UTF-8
 * sequence: the cut backs up to the start of the character. A continuation line begins with a
 * space, which counts towards its 75 octets. */
static void
line_end(IcsWriter *w)
{
  const char *p = w->line->str;
  gsize left = w->line->len;
  gsize limit = ICS_LINE_OCTETS;
  gboolean first = TRUE;
  while (left > 0) {
    gsize n = left;
    if (n > limit) {
      n = limit;
      while (n > 0 && ((guchar)p[n] & 0xc0) == 0x80)
        n--;
      if (n == 0) /* not UTF-8: cut anyway rather than loop */
        n = limit;
    }
    if (!first)
      tw_output_putc(w->out, ' ');
    tw_output_write(w->out, p, n);
    tw_output_write(w->out, "\r\n", 2);
    p += n;
    left -= n;
    limit = ICS_LINE_OCTETS - 1;
    first = FALSE;
  }
}

static void
write_text(IcsWriter *w, const char *name, const char *value)
{
  line_begin(w, name);
  g_string_append_c(w->line, ':');
  gsize empty = w->line->len;
  append_escaped(w->line, value);
  /* Text of nothing but control characters leaves no value: libical drops such a property
   * with an X-LIC-ERROR, so do not write it. */
  if (w->line->len > empty)
    line_end(w);
}

static void
write_raw(IcsWriter *w, const char *name, const char *value)
{
  line_begin(w, name);
  g_string_append_c(w->line, ':');
  g_string_append(w->line, value);
  line_end(w);
}

/* -- times -- */

static gint64
floor_div(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Writes the DATE-TIME of @usec (truncated to the second) as YYYYMMDDTHHMMSS. */
static void
format_date_time(gint64 usec, char *buf, gsize size)
{
  int y, mo, d, h, mi, s;
  tw_usec_to_civil(floor_div(usec, TW_USEC_PER_SEC) * TW_USEC_PER_SEC, &y, &mo, &d, &h, &mi, &s,
                   NULL);
  g_snprintf(buf, size, "%04d%02d%02dT%02d%02d%02d", y, mo, d, h, mi, s);
}

/* Writes the DATE of the day that contains the wall-clock time @wall, at most 9999-12-31 (the
 * exclusive end of a span that reaches the end of 9999 is written a day short). */
static void
format_date(gint64 wall, char *buf, gsize size)
{
  int y, mo, d;
  gint64 max = tw_civil_to_usec(9999, 12, 31, 0, 0, 0);
  tw_usec_to_civil(MIN(wall, max), &y, &mo, &d, NULL, NULL, NULL, NULL);
  g_snprintf(buf, size, "%04d%02d%02d", y, mo, d);
}

/* Whether the instant @usec can be written as a DATE or DATE-TIME: iCalendar's years have four
 * digits. The exclusive end of anything in the last second, day or year of 9999 is
 * 10000-01-01, which cannot. */
static gboolean
ics_date_fits(gint64 usec)
{
  return usec < tw_civil_to_usec(9999, 12, 31, 23, 59, 59) + TW_USEC_PER_SEC;
}

static GTimeZone *
lookup_zone(IcsWriter *w, const char *name)
{
  GTimeZone *zone = g_hash_table_lookup(w->zones, name);
  if (zone == NULL && !g_hash_table_contains(w->zones, name)) {
    zone = tw_zone_new(name, NULL);
    g_hash_table_insert(w->zones, g_strdup(name), zone);
  }
  return zone;
}

/* The wall clock, read as UTC, of the instant @usec of @event: floating events are wall clock
 * already; a zoned one is seen in the zone its source stated, so that a day in Berlin stays that
 * day; otherwise UTC. */
static gint64
event_wall(IcsWriter *w, const TwEvent *event, gint64 usec)
{
  if (tw_event_is_floating(event) || tw_event_get_zone(event) == NULL)
    return usec;
  GTimeZone *zone = lookup_zone(w, tw_event_get_zone(event));
  if (zone == NULL)
    return usec;
  gint64 secs = floor_div(usec, TW_USEC_PER_SEC);
  int interval = g_time_zone_find_interval(zone, G_TIME_TYPE_UNIVERSAL, secs);
  return usec + (gint64)g_time_zone_get_offset(zone, interval) * TW_USEC_PER_SEC;
}

static gint64
day_floor(gint64 wall)
{
  return floor_div(wall, TW_USEC_PER_DAY) * TW_USEC_PER_DAY;
}

/* DTSTART and DTEND. A day or any coarser or narrowed period is an all-day event over its whole
 * span, with the exclusive DTEND RFC 5545 asks for; an exact time is an instant (a DATE-TIME
 * DTSTART without DTEND, 3.6.1) unless it has a span; a minute or an hour spans it. Zoned times
 * are written in UTC, floating ones as floating DATE-TIMEs. */
static void
write_times(IcsWriter *w, const TwEvent *event)
{
  char buf[32];
  gint64 start = tw_event_get_start(event);
  gint64 end = tw_event_get_end(event);
  gboolean floating = tw_event_is_floating(event);

  if (tw_event_get_precision(event) >= TW_PRECISION_DAY) {
    gint64 first = day_floor(event_wall(w, event, start));
    gint64 wall_end = event_wall(w, event, end);
    gint64 last = day_floor(wall_end);
    if (last < wall_end)
      last += TW_USEC_PER_DAY; /* a span that ends within a day covers that day */
    if (last <= first)
      last = first + TW_USEC_PER_DAY;
    line_begin(w, "DTSTART;VALUE=DATE:");
    format_date(first, buf, sizeof buf);
    g_string_append(w->line, buf);
    line_end(w);
    if (!ics_date_fits(last) && first == day_floor(last - 1)) {
      /* The last day, 9999-12-31: its exclusive end (10000-01-01) has no DATE, and a DTEND of
       * 99991231 would equal DTSTART. A DATE DTSTART without DTEND is one day (RFC 5545
       * 3.6.1). A longer span ending then keeps a DTEND of 99991231, a day short: a DURATION
       * would be exact, but khal then fails on the whole file (its Python dates end in 9999). */
      return;
    }
    line_begin(w, "DTEND;VALUE=DATE:");
    format_date(last, buf, sizeof buf);
    g_string_append(w->line, buf);
    line_end(w);
    return;
  }

  const char *zulu = floating ? "" : "Z";
  line_begin(w, "DTSTART:");
  format_date_time(start, buf, sizeof buf);
  g_string_append(w->line, buf);
  g_string_append(w->line, zulu);
  line_end(w);
  if (end > start) {
    /* Seconds are the finest unit iCalendar has: round the end up so that it stays after the
     * start. */
    gint64 end_sec = floor_div(end + TW_USEC_PER_SEC - 1, TW_USEC_PER_SEC);
    gint64 start_sec = floor_div(start, TW_USEC_PER_SEC);
    if (end_sec <= start_sec)
      end_sec = start_sec + 1;
    if (!ics_date_fits(end_sec * TW_USEC_PER_SEC)) {
      /* 10000-01-01T000000Z is no DATE-TIME (libical drops it with an X-LIC-ERROR): the span as
       * a DURATION in seconds instead. */
      line_begin(w, "DURATION:");
      g_string_append_printf(w->line, "PT%" G_GINT64_FORMAT "S", end_sec - start_sec);
      line_end(w);
      return;
    }
    line_begin(w, "DTEND:");
    format_date_time(end_sec * TW_USEC_PER_SEC, buf, sizeof buf);
    g_string_append(w->line, buf);
    g_string_append(w->line, zulu);
    line_end(w);
  }
}

/* -- the composed DESCRIPTION -- */

static const char *
title_of(IcsWriter *w, const char *id)
{
  gint index = tw_timeline_find_event(w->timeline, id);
  if (index < 0)
    return id;
  return tw_event_get_title(tw_timeline_get_event(w->timeline, (guint)index));
}

static void
append_lag(GString *dst, const TwLink *link)
{
  g_autofree char *min = tw_duration_format(tw_link_get_lag_min(link));
  if (tw_link_get_lag_min(link) == tw_link_get_lag_max(link)) {
    g_string_append_printf(dst, "lag %s", min);
  } else {
    g_autofree char *max = tw_duration_format(tw_link_get_lag_max(link));
    g_string_append_printf(dst, "lag %s to %s", min, max);
  }
}

/* Whether the DESCRIPTION should say the date in words: a calendar shows a day or an instant
 * faithfully, but not that an all-day span is "early 2025" or "2026-Q1". */
static gboolean
date_needs_words(const TwEvent *event)
{
  return tw_event_get_precision(event) > TW_PRECISION_DAY ||
         tw_event_get_qualifier(event) != TW_QUALIFIER_NONE;
}

static void
compose_description(IcsWriter *w, const TwEvent *event, const char *date_text)
{
  GString *t = w->text;
  g_string_truncate(t, 0);
  const char *description = tw_event_get_description(event);
  if (description != NULL && *description)
    g_string_append_printf(t, "%s\n\n", description);

  if (date_needs_words(event)) {
    g_string_append_printf(t, "Date: %s (precision: %s", date_text,
                           tw_precision_to_string(tw_event_get_precision(event)));
    if (tw_event_get_qualifier(event) != TW_QUALIFIER_NONE)
      g_string_append_printf(t, ", qualifier: %s",
                             tw_qualifier_to_string(tw_event_get_qualifier(event)));
    g_string_append(t, ")\n");
  }
  if (tw_event_get_kind(event) != NULL)
    g_string_append_printf(t, "Kind: %s\n", tw_event_get_kind(event));
  g_string_append_printf(t, "Source: %s\n", tw_event_get_source(event));
  guint n_actors = tw_event_get_n_actors(event);
  if (n_actors > 0) {
    g_string_append(t, "Actors: ");
    for (guint i = 0; i < n_actors; i++)
      g_string_append_printf(t, "%s%s", i ? ", " : "", tw_event_get_actor(event, i));
    g_string_append_c(t, '\n');
  }
  guint n_attributes = tw_event_get_n_attributes(event);
  if (n_attributes > 0) {
    g_string_append(t, "Attributes:\n");
    for (guint i = 0; i < n_attributes; i++) {
      TwAttribute a = _tw_event_attribute(event, i);
      g_string_append_printf(t, "- %s: %s\n", a.key, a.value);
    }
  }

  char id_buf[TW_ID_TEXT_SIZE];
  const char *id = _tw_event_id_text(event, id_buf);
  GArray *links = g_hash_table_lookup(w->links_by_event, id);
  if (links != NULL) {
    g_string_append(t, "Links:\n");
    for (guint i = 0; i < links->len; i++) {
      const TwLink *link = tw_timeline_get_link(w->timeline, g_array_index(links, guint, i));
      gboolean outgoing = strcmp(tw_link_get_from(link), id) == 0;
      const char *other = outgoing ? tw_link_get_to(link) : tw_link_get_from(link);
      g_string_append_printf(t, "- %s: %s (rule %s, ", outgoing ? "leads to" : "follows",
                             title_of(w, other), tw_link_get_rule(link));
      append_lag(t, link);
      g_string_append_printf(t, ", %s)\n", tw_certainty_to_string(tw_link_get_certainty(link)));
    }
  }
  GArray *findings = g_hash_table_lookup(w->findings_by_event, id);
  if (findings != NULL) {
    g_string_append(t, "Findings:\n");
    for (guint i = 0; i < findings->len; i++) {
      const TwFinding *f = tw_timeline_get_finding(w->timeline, g_array_index(findings, guint, i));
      g_string_append_printf(t, "- %s (analyzer %s, rule %s, %s)\n", tw_finding_get_summary(f),
                             tw_finding_get_analyzer(f), tw_finding_get_rule(f),
                             tw_finding_get_kind(f));
    }
  }
  /* No trailing line break. */
  while (t->len > 0 && t->str[t->len - 1] == '\n')
    g_string_truncate(t, t->len - 1);
}

/* -- one event -- */

/* A GEO coordinate: the shortest fixed-point text that reads back as the same double. RFC 5545
 * FLOAT has a `.` decimal point and no exponent, whatever the locale. */
static void
append_float(GString *dst, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE + 8];
  for (int digits = 6; digits <= 17; digits++) {
    char format[8];
    g_snprintf(format, sizeof format, "%%.%df", digits);
    g_ascii_formatd(buf, sizeof buf, format, value);
    if (g_ascii_strtod(buf, NULL) == value)
      break;
  }
  /* Trailing zeros say nothing. */
  gsize len = strlen(buf);
  while (len > 1 && buf[len - 1] == '0' && buf[len - 2] != '.')
    buf[--len] = '\0';
  g_string_append(dst, buf);
}

/* Appends the fields of a structured X-TIMEWEAVE value: each one escaped, separated by an
 * unescaped `;` so that the ics source can split them again. */
static void
append_fields(GString *dst, const char *const *fields, guint n)
{
  for (guint i = 0; i < n; i++) {
    if (i > 0)
      g_string_append_c(dst, ';');
    append_escaped(dst, fields[i]);
  }
}

static void
write_fields(IcsWriter *w, const char *name, const char *const *fields, guint n)
{
  line_begin(w, name);
  g_string_append_c(w->line, ':');
  append_fields(w->line, fields, n);
  line_end(w);
}

/* The UID of @event, whose id is @id: `ID@timeweave`, unless another source gives an event
 * with the same id (TW_EVENT_SHARED_ID): then `ID@SOURCE.timeweave`, the source's name with `%`
 * and `@` written `%25` and `%40`. Ids are unique within a source, and the source has no `@`,
 * so such UIDs differ from each other; they end in `.timeweave` where the others end in
 * `@timeweave`, so they differ from those too (docs/formats-ics.md). */
static void
append_uid(GString *dst, const TwEvent *event, const char *id)
{
  append_escaped(dst, id);
  if (!(event->flags & TW_EVENT_SHARED_ID)) {
    g_string_append(dst, "@timeweave");
    return;
  }
  g_string_append_c(dst, '@');
  GString *source = g_string_new(NULL);
  for (const char *p = tw_event_get_source(event); *p; p++) {
    if (*p == '%')
      g_string_append(source, "%25");
    else if (*p == '@')
      g_string_append(source, "%40");
    else
      g_string_append_c(source, *p);
  }
  append_escaped(dst, source->str);
  g_string_free(source, TRUE);
  g_string_append(dst, ".timeweave");
}

static void
write_uid_line(IcsWriter *w, const char *prefix, const TwEvent *event, const char *id)
{
  line_begin(w, prefix);
  append_uid(w->line, event, id);
  line_end(w);
}

static void
write_event(IcsWriter *w, const TwEvent *event)
{
  char id_buf[TW_ID_TEXT_SIZE];
  const char *id = _tw_event_id_text(event, id_buf);
  TwDate date;
  tw_event_get_date(event, &date);
  g_autofree char *date_text = _tw_export_date_text(&w->dates, event);

  write_raw(w, "BEGIN", "VEVENT");
  write_uid_line(w, "UID:", event, id);
  write_raw(w, "DTSTAMP", w->stamp);
  write_times(w, event);
  write_text(w, "SUMMARY", tw_event_get_title(event));
  compose_description(w, event, date_text);
  write_text(w, "DESCRIPTION", w->text->str);
  if (tw_event_get_location(event) != NULL)
    write_text(w, "LOCATION", tw_event_get_location(event));
  if (tw_event_get_url(event) != NULL) {
    line_begin(w, "URL:");
    append_uri(w->line, tw_event_get_url(event));
    line_end(w);
  }
  double lat, lon;
  if (tw_event_get_geo(event, &lat, &lon)) {
    line_begin(w, "GEO:");
    append_float(w->line, lat);
    g_string_append_c(w->line, ';');
    append_float(w->line, lon);
    line_end(w);
  }
  /* One CATEGORIES property per tag: a tag with a comma stays one category even for readers
   * that split the value on commas before unescaping it. */
  for (guint i = 0; i < tw_event_get_n_tags(event); i++)
    write_text(w, "CATEGORIES", tw_event_get_tag(event, i));
  /* Timeline events are records, not the user's appointments: they never make anyone busy. */
  write_raw(w, "TRANSP", "TRANSPARENT");

  /* Links: a RELATED-TO for every other event this one is linked with, either way. */
  GArray *links = g_hash_table_lookup(w->links_by_event, id);
  if (links != NULL) {
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < links->len; i++) {
      const TwLink *link = tw_timeline_get_link(w->timeline, g_array_index(links, guint, i));
      const char *other =
          strcmp(tw_link_get_from(link), id) == 0 ? tw_link_get_to(link) : tw_link_get_from(link);
      if (strcmp(other, id) == 0 || !g_hash_table_add(seen, (gpointer)other))
        continue;
      /* The event the link leads to, as tw_timeline_find_event() finds it: its UID. */
      gint at = tw_timeline_find_event(w->timeline, other);
      const TwEvent *linked = at >= 0 ? tw_timeline_get_event(w->timeline, (guint)at) : NULL;
      line_begin(w, "RELATED-TO;RELTYPE=SIBLING:");
      if (linked != NULL) {
        append_uid(w->line, linked, other);
      } else {
        append_escaped(w->line, other);
        g_string_append(w->line, "@timeweave");
      }
      line_end(w);
    }
  }

  /* What the ics source needs to restore the event exactly (docs/formats-ics.md). */
  write_text(w, "X-TIMEWEAVE-ID", id);
  write_text(w, "X-TIMEWEAVE-DATE", date_text);
  TwDate natural;
  if (!tw_date_parse(date_text, NULL, &natural, NULL) || natural.end != date.end) {
    char end[TW_TIME_FORMAT_SIZE];
    tw_time_format(date.end, NULL, date.floating, end);
    write_text(w, "X-TIMEWEAVE-END", end);
  }
  write_text(w, "X-TIMEWEAVE-PRECISION", tw_precision_to_string(date.precision));
  if (date.qualifier != TW_QUALIFIER_NONE)
    write_text(w, "X-TIMEWEAVE-QUALIFIER", tw_qualifier_to_string(date.qualifier));
  if (tw_event_get_zone(event) != NULL)
    write_text(w, "X-TIMEWEAVE-ZONE", tw_event_get_zone(event));
  write_text(w, "X-TIMEWEAVE-SOURCE", tw_event_get_source(event));
  if (tw_event_get_kind(event) != NULL)
    write_text(w, "X-TIMEWEAVE-KIND", tw_event_get_kind(event));
  if (tw_event_get_description(event) != NULL)
    write_text(w, "X-TIMEWEAVE-DESCRIPTION", tw_event_get_description(event));
  for (guint i = 0; i < tw_event_get_n_actors(event); i++)
    write_text(w, "X-TIMEWEAVE-ACTOR", tw_event_get_actor(event, i));
  for (guint i = 0; i < tw_event_get_n_attributes(event); i++) {
    TwAttribute a = _tw_event_attribute(event, i);
    const char *fields[] = {a.key, a.value};
    write_fields(w, "X-TIMEWEAVE-ATTR", fields, 2);
  }
  if (links != NULL) {
    for (guint i = 0; i < links->len; i++) {
      const TwLink *link = tw_timeline_get_link(w->timeline, g_array_index(links, guint, i));
      if (strcmp(tw_link_get_from(link), id) != 0)
        continue;
      g_autofree char *min = tw_duration_format(tw_link_get_lag_min(link));
      g_autofree char *max = tw_duration_format(tw_link_get_lag_max(link));
      const char *fields[] = {tw_link_get_to(link), tw_link_get_rule(link), min, max,
                              tw_certainty_to_string(tw_link_get_certainty(link))};
      write_fields(w, "X-TIMEWEAVE-LINK", fields, G_N_ELEMENTS(fields));
    }
  }
  write_raw(w, "END", "VEVENT");
}

/* -- the calendar -- */

static void
index_add(GHashTable *table, const char *id, guint index)
{
  GArray *list = g_hash_table_lookup(table, id);
  if (list == NULL) {
    list = g_array_new(FALSE, FALSE, sizeof(guint));
    g_hash_table_insert(table, (gpointer)id, list);
  }
  /* A link from an event to itself is listed once. */
  if (list->len == 0 || g_array_index(list, guint, list->len - 1) != index)
    g_array_append_val(list, index);
}

static void
free_array(gpointer data)
{
  g_array_unref(data);
}

static void
free_zone(gpointer data)
{
  if (data != NULL)
    g_time_zone_unref(data);
}

static gboolean
ics_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  IcsWriter w = {
      .out = out,
      .timeline = timeline,
      .line = g_string_sized_new(256),
      .text = g_string_sized_new(1024),
      .links_by_event = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free_array),
      .findings_by_event = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free_array),
      .zones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, free_zone),
  };
  _tw_export_dates_init(&w.dates, NULL);
  format_date_time(tw_exporter_get_generation_time(exporter), w.stamp, sizeof w.stamp - 1);
  g_strlcat(w.stamp, "Z", sizeof w.stamp);

  for (guint i = 0; i < tw_timeline_get_n_links(timeline); i++) {
    const TwLink *link = tw_timeline_get_link(timeline, i);
    index_add(w.links_by_event, tw_link_get_from(link), i);
    index_add(w.links_by_event, tw_link_get_to(link), i);
  }
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
    const TwFinding *f = tw_timeline_get_finding(timeline, i);
    for (guint j = 0; j < tw_finding_get_n_events(f); j++)
      index_add(w.findings_by_event, tw_finding_get_event(f, j), i);
  }

  write_raw(&w, "BEGIN", "VCALENDAR");
  write_raw(&w, "VERSION", "2.0");
  write_text(&w, "PRODID", "-//timeweave//timeweave " TW_VERSION "//EN");
  write_raw(&w, "CALSCALE", "GREGORIAN");
  const char *title = tw_timeline_get_title(timeline);
  if (title != NULL && *title)
    write_text(&w, "X-WR-CALNAME", title);

  guint n = tw_timeline_get_n_events(timeline);
  for (guint i = 0; i < n; i++)
    write_event(&w, tw_timeline_get_event(timeline, i));
  write_raw(&w, "END", "VCALENDAR");

  g_string_free(w.line, TRUE);
  g_string_free(w.text, TRUE);
  g_hash_table_unref(w.links_by_event);
  g_hash_table_unref(w.findings_by_event);
  g_hash_table_unref(w.zones);
  _tw_export_dates_clear(&w.dates);
  return TRUE;
}

const TwExporterInfo _tw_exporter_ics = {
    .name = "ics",
    .summary = "iCalendar (RFC 5545) for calendar applications",
    .description =
        "Every event becomes a VEVENT with a UID from its stable id, so importing a newer export "
        "updates events instead of duplicating them (ID@timeweave; ID@SOURCE.timeweave for an id "
        "that another source gives too). Exact times are UTC DATE-TIMEs, floating "
        "times floating ones; a day, a month, a quarter, a year or a fuzzy period (\"early "
        "2025\") is an all-day event over its whole span, with the precision and qualifier in "
        "X-TIMEWEAVE- properties and in the DESCRIPTION. Tags become CATEGORIES, links "
        "RELATED-TO. The ics source reads the export back without loss "
        "(docs/formats-ics.md). --output-zone does not apply: times are written in UTC.",
    .extension = "ics",
    .write = ics_write,
};
