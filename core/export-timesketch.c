/* timeweave: the timesketch exporter (JSON Lines that Timesketch imports as they are), and the
 * helpers it shares with the opensearch exporter (export-scale.h).
 *
 * Timesketch's importer wants three members on every line: message, datetime (ISO 8601) and
 * timestamp_desc; it computes timestamp when it is missing and keeps every other member as a
 * field of the event. Its index maps datetime as a date and everything else dynamically, with
 * OpenSearch's date detection on: the first value of a new field that looks like an ISO date makes
 * the field a date, and every later value that does not is refused. So a field that sometimes
 * holds "2026-02-13" and sometimes "early 2025" loses events: the date text is written only when
 * it cannot be taken for an ISO date, and precision, qualifier and end always say the span.
 *
 * One line per event, streamed; the member order is fixed (docs/scale-out.md) and nothing depends
 * on the locale or the clock. The json source reads the lines back without loss with
 * preset=timesketch.
 */
#include "export-scale.h"

#include <math.h>
#include <string.h>

#define DEFAULT_TIMESTAMP_DESC "Event Time"

/* -- shared helpers -- */

void
_tw_json_append_string(GString *buffer, const char *text)
{
  _tw_export_json_string(buffer, text);
}

void
_tw_json_append_key(GString *buffer, gboolean *first, const char *key)
{
  if (!*first)
    g_string_append_c(buffer, ',');
  *first = FALSE;
  _tw_json_append_string(buffer, key);
  g_string_append_c(buffer, ':');
}

void
_tw_json_append_member(GString *buffer, gboolean *first, const char *key, const char *value)
{
  if (value == NULL)
    return;
  _tw_json_append_key(buffer, first, key);
  _tw_json_append_string(buffer, value);
}

void
_tw_json_append_list(GString *buffer, gboolean *first, const char *key, const TwEvent *event,
                     guint n, const char *(*get)(const TwEvent *, guint))
{
  _tw_json_append_key(buffer, first, key);
  g_string_append_c(buffer, '[');
  for (guint i = 0; i < n; i++) {
    if (i > 0)
      g_string_append_c(buffer, ',');
    _tw_json_append_string(buffer, get(event, i));
  }
  g_string_append_c(buffer, ']');
}

void
_tw_json_append_geo_attributes(GString *buffer, gboolean *first, const TwEvent *event)
{
  double latitude, longitude;
  guint n = tw_event_get_n_attributes(event);

  if (tw_event_get_geo(event, &latitude, &longitude) && isfinite(latitude) && isfinite(longitude)) {
    char number[TW_EXPORT_DOUBLE_SIZE];

    _tw_json_append_key(buffer, first, "geo");
    _tw_export_format_double(latitude, number);
    g_string_append(buffer, "{\"lat\":");
    g_string_append(buffer, number);
    _tw_export_format_double(longitude, number);
    g_string_append(buffer, ",\"lon\":");
    g_string_append(buffer, number);
    g_string_append_c(buffer, '}');
  }
  if (n > 0) {
    gboolean first_attribute = TRUE;

    _tw_json_append_key(buffer, first, "attributes");
    g_string_append_c(buffer, '{');
    for (guint i = 0; i < n; i++) {
      TwAttribute attribute = _tw_event_attribute(event, i);

      _tw_json_append_member(buffer, &first_attribute, attribute.key, attribute.value);
    }
    g_string_append_c(buffer, '}');
  }
}

static gint64
floor_div(gint64 a, gint64 b)
{
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

gsize
_tw_export_datetime_text(const TwExportDates *dates, const TwEvent *event, gint64 usec,
                         char buf[TW_DATETIME_SIZE])
{
  gint32 offset = 0;
  int year, month, day, hour, minute, second, microsecond;
  gint32 magnitude;
  gint64 local;

  if (!tw_event_is_floating(event) && dates->output_zone != NULL) {
    gint interval = g_time_zone_find_interval(dates->output_zone, G_TIME_TYPE_UNIVERSAL,
                                              floor_div(usec, TW_USEC_PER_SEC));

    if (interval >= 0)
      offset = g_time_zone_get_offset(dates->output_zone, interval);
  }
  local = usec + (gint64)offset * TW_USEC_PER_SEC;
  /* An offset that would carry the wall clock out of the years 0001..9999: write UTC. */
  if (local < TW_TIME_MIN || local > TW_TIME_MAX) {
    offset = 0;
    local = usec;
  }
  tw_usec_to_civil(local, &year, &month, &day, &hour, &minute, &second, &microsecond);
  magnitude = ABS(offset);
  if (magnitude % 60 != 0)
    return (gsize)g_snprintf(buf, TW_DATETIME_SIZE,
                             "%04d-%02d-%02dT%02d:%02d:%02d.%06d%c%02d:%02d:%02d", year, month, day,
                             hour, minute, second, microsecond, offset < 0 ? '-' : '+',
                             magnitude / 3600, magnitude / 60 % 60, magnitude % 60);
  return (gsize)g_snprintf(buf, TW_DATETIME_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d.%06d%c%02d:%02d",
                           year, month, day, hour, minute, second, microsecond,
                           offset < 0 ? '-' : '+', magnitude / 3600, magnitude / 60 % 60);
}

struct _TwLinkIndex {
  const TwTimeline *timeline;
  GHashTable *by_from; /* from id (borrowed) -> GArray of link indices */
};

TwLinkIndex *
_tw_link_index_new(const TwTimeline *timeline)
{
  TwLinkIndex *index = g_new0(TwLinkIndex, 1);
  guint n = tw_timeline_get_n_links(timeline);

  index->timeline = timeline;
  index->by_from =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_array_unref);
  for (guint i = 0; i < n; i++) {
    const char *from = tw_link_get_from(tw_timeline_get_link(timeline, i));
    GArray *links = g_hash_table_lookup(index->by_from, from);

    if (links == NULL) {
      links = g_array_new(FALSE, FALSE, sizeof(guint));
      g_hash_table_insert(index->by_from, (gpointer)from, links);
    }
    g_array_append_val(links, i);
  }
  return index;
}

void
_tw_link_index_free(TwLinkIndex *index)
{
  if (index == NULL)
    return;
  g_hash_table_unref(index->by_from);
  g_free(index);
}

void
_tw_json_append_links(GString *buffer, gboolean *first, TwLinkIndex *index, const TwEvent *event)
{
  char id_buf[TW_ID_TEXT_SIZE];
  GArray *links = g_hash_table_lookup(index->by_from, _tw_event_id_text(event, id_buf));

  if (links == NULL)
    return;
  _tw_json_append_key(buffer, first, "links");
  g_string_append_c(buffer, '[');
  for (guint i = 0; i < links->len; i++) {
    const TwLink *link = tw_timeline_get_link(index->timeline, g_array_index(links, guint, i));
    g_autofree char *lag_min = tw_duration_format(tw_link_get_lag_min(link));
    g_autofree char *lag_max = tw_duration_format(tw_link_get_lag_max(link));
    gboolean first_member = TRUE;

    if (i > 0)
      g_string_append_c(buffer, ',');
    g_string_append_c(buffer, '{');
    _tw_json_append_member(buffer, &first_member, "to", tw_link_get_to(link));
    _tw_json_append_member(buffer, &first_member, "rule", tw_link_get_rule(link));
    _tw_json_append_member(buffer, &first_member, "lag_min", lag_min);
    _tw_json_append_member(buffer, &first_member, "lag_max", lag_max);
    _tw_json_append_member(buffer, &first_member, "certainty",
                           tw_certainty_to_string(tw_link_get_certainty(link)));
    g_string_append_c(buffer, '}');
  }
  g_string_append_c(buffer, ']');
}

gboolean
_tw_export_looks_like_iso_date(const char *text)
{
  /* Canonical date texts that OpenSearch could read are made of these characters only and begin
   * with a four-digit year; every other form has a letter (W, Q, H, SU, s, XX, a qualifier). */
  for (guint i = 0; i < 4; i++)
    if (!g_ascii_isdigit(text[i]))
      return FALSE;
  return text[strspn(text, "0123456789-:.+TZ")] == '\0';
}

/* -- the timesketch exporter -- */

static void
append_timesketch_event(GString *line, TwExportDates *dates, TwLinkIndex *links,
                        const char *default_desc, const TwEvent *event)
{
  char datetime[TW_DATETIME_SIZE];
  char end[TW_DATETIME_SIZE];
  gint64 start = tw_event_get_start(event);
  TwPrecision precision = tw_event_get_precision(event);
  TwQualifier qualifier = tw_event_get_qualifier(event);
  const char *kind = tw_event_get_kind(event);
  gboolean first = TRUE;

  g_string_append_c(line, '{');
  _tw_json_append_member(line, &first, "message", tw_event_get_title(event));
  _tw_export_datetime_text(dates, event, start, datetime);
  _tw_json_append_member(line, &first, "datetime", datetime);
  _tw_json_append_key(line, &first, "timestamp");
  g_string_append_printf(line, "%" G_GINT64_FORMAT, start);
  _tw_json_append_member(line, &first, "timestamp_desc", kind != NULL ? kind : default_desc);
  char id_buf[TW_ID_TEXT_SIZE];
  _tw_json_append_member(line, &first, "id", _tw_event_id_text(event, id_buf));
  if (precision != TW_PRECISION_EXACT) {
    g_autofree char *date = _tw_export_date_text(dates, event);

    if (!_tw_export_looks_like_iso_date(date))
      _tw_json_append_member(line, &first, "date", date);
  }
  _tw_json_append_member(line, &first, "precision", tw_precision_to_string(precision));
  if (qualifier != TW_QUALIFIER_NONE)
    _tw_json_append_member(line, &first, "qualifier", tw_qualifier_to_string(qualifier));
  if (tw_event_is_floating(event)) {
    _tw_json_append_key(line, &first, "floating");
    g_string_append(line, "true");
  }
  _tw_json_append_member(line, &first, "zone", tw_event_get_zone(event));
  if (tw_event_get_end(event) != start) {
    _tw_export_datetime_text(dates, event, tw_event_get_end(event), end);
    _tw_json_append_member(line, &first, "end", end);
  }
  _tw_json_append_member(line, &first, "description", tw_event_get_description(event));
  _tw_json_append_member(line, &first, "source", tw_event_get_source(event));
  _tw_json_append_member(line, &first, "kind", kind);
  _tw_json_append_list(line, &first, "tag", event, tw_event_get_n_tags(event), tw_event_get_tag);
  if (tw_event_get_n_actors(event) > 0)
    _tw_json_append_list(line, &first, "actors", event, tw_event_get_n_actors(event),
                         tw_event_get_actor);
  _tw_json_append_member(line, &first, "location", tw_event_get_location(event));
  _tw_json_append_member(line, &first, "url", tw_event_get_url(event));
  _tw_json_append_geo_attributes(line, &first, event);
  _tw_json_append_links(line, &first, links, event);
  g_string_append(line, "}\n");
}

static gboolean
timesketch_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  const TwOptions *options = exporter != NULL ? tw_exporter_get_options(exporter) : NULL;
  const char *default_desc =
      options != NULL ? tw_options_get_string(options, "timestamp-desc") : NULL;
  guint n = tw_timeline_get_n_events(timeline);
  g_autoptr(GString) line = g_string_sized_new(1024);
  TwLinkIndex *links = _tw_link_index_new(timeline);
  TwExportDates dates;

  if (default_desc == NULL || *default_desc == '\0')
    default_desc = DEFAULT_TIMESTAMP_DESC;
  _tw_export_dates_init(&dates, exporter);
  for (guint i = 0; i < n; i++) {
    g_string_truncate(line, 0);
    append_timesketch_event(line, &dates, links, default_desc, tw_timeline_get_event(timeline, i));
    tw_output_write(out, line->str, line->len);
  }
  _tw_export_dates_clear(&dates);
  _tw_link_index_free(links);
  return TRUE;
}

static const TwOptionSpec timesketch_options[] = {
    {"timestamp-desc",
     TW_OPTION_STRING,
     DEFAULT_TIMESTAMP_DESC,
     "The timestamp_desc of events that have no kind (an event's kind is its timestamp_desc).",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

const TwExporterInfo _tw_exporter_timesketch = {
    .name = "timesketch",
    .summary = "JSON Lines that Timesketch imports as they are",
    .description =
        "Writes one JSON object per event, its members in this order: Timesketch's message "
        "(the title), datetime (the start, ISO 8601 with microseconds and an offset: the "
        "--output-zone's, else +00:00; a floating date's wall clock with +00:00), timestamp "
        "(the start in microseconds since 1970) and timestamp_desc (the kind, or the "
        "timestamp-desc option), then timeweave's fields: id, date (the date text, for spans "
        "whose text cannot be taken for an ISO date: early 2025, 2026-Q1), precision, "
        "qualifier, floating, zone, end (the exclusive end of a span, as datetime), "
        "description, source, kind, tag (the tags, Timesketch's field), actors, location, url, "
        "geo, attributes, and links (the links that start at the event: to, rule, lag_min, "
        "lag_max, certainty). A day or a month is thus never taken for a midnight instant: "
        "its precision and end say the span. The json source reads the file back without loss "
        "with preset=timesketch. Timesketch wants the name to end in .jsonl.",
    .options = timesketch_options,
    .extension = "jsonl",
    .write = timesketch_write,
};
