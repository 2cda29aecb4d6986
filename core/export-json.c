/* timeweave: the json and jsonl exporters, and the date and number helpers every core exporter
 * shares (export-common.h).
 *
 * Both stream: each event is written as it is read from the timeline, straight into the
 * TwOutput buffer, so exporting never builds a tree of the whole timeline. The member order is
 * fixed (docs/formats.md, the json source reads it back), optional members are omitted
 * when absent, and nothing depends on the locale or the clock, so the bytes are the same on
 * every run.
 */
#include "export-common.h"

#include <math.h>
#include <string.h>

/* -- shared helpers -- */

static void
zone_unref0(gpointer zone)
{
  if (zone != NULL)
    g_time_zone_unref(zone);
}

void
_tw_export_dates_init(TwExportDates *dates, const TwExporter *exporter)
{
  dates->output_zone = exporter != NULL ? tw_exporter_get_output_zone(exporter) : NULL;
  dates->zones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, zone_unref0);
}

void
_tw_export_dates_clear(TwExportDates *dates)
{
  g_clear_pointer(&dates->zones, g_hash_table_unref);
  dates->output_zone = NULL;
}

/* The event's stated zone, parsed once per export (NULL when it names no zone we know). */
static GTimeZone *
lookup_zone(TwExportDates *dates, const char *name)
{
  gpointer zone;

  if (name == NULL)
    return NULL;
  if (!g_hash_table_lookup_extended(dates->zones, name, NULL, &zone)) {
    zone = tw_zone_new(name, NULL);
    g_hash_table_insert(dates->zones, g_strdup(name), zone);
  }
  return zone;
}

static gint64
floor_mod(gint64 a, gint64 b)
{
  gint64 m = a % b;

  return m < 0 ? m + b : m;
}

char *
_tw_export_date_text(TwExportDates *dates, const TwEvent *event)
{
  TwDate date;
  gint64 unit;

  tw_event_get_date(event, &date);
  if (date.floating)
    return tw_date_format(&date);

  if (date.precision == TW_PRECISION_EXACT) {
    char utc[TW_TIME_FORMAT_SIZE];
    char zoned[TW_TIME_FORMAT_SIZE];
    char *text = tw_date_format(&date);
    gsize utc_length, text_length;

    if (dates->output_zone == NULL)
      return text;
    /* The canonical text ends with the UTC instant ("about 2026-02-13T10:30:00Z"): write the
     * same instant in the output zone instead. */
    utc_length = tw_time_format(date.start, NULL, FALSE, utc);
    text_length = strlen(text);
    if (text_length >= utc_length && strcmp(text + text_length - utc_length, utc) == 0) {
      g_autofree char *prefix = g_strndup(text, text_length - utc_length);

      tw_time_format(date.start, dates->output_zone, FALSE, zoned);
      g_free(text);
      text = g_strconcat(prefix, zoned, NULL);
    }
    return text;
  }

  if (date.precision != TW_PRECISION_MINUTE && date.precision != TW_PRECISION_HOUR)
    return tw_date_format(&date);

  /* A minute or an hour that does not begin on a UTC minute or hour (10:00+05:30 is 04:30Z)
   * must be written with an offset in which it does, or it would read back as another span:
   * the output zone's, else the zone the source stated, else the misalignment itself. */
  unit = (date.precision == TW_PRECISION_MINUTE ? 60 : 3600) * TW_USEC_PER_SEC;
  if (floor_mod(date.start, unit) != 0) {
    GTimeZone *candidates[2] = {dates->output_zone, lookup_zone(dates, tw_event_get_zone(event))};
    gint64 seconds = date.start / TW_USEC_PER_SEC - (date.start % TW_USEC_PER_SEC < 0);
    gboolean found = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS(candidates) && !found; i++) {
      gint interval;
      gint32 offset;

      if (candidates[i] == NULL)
        continue;
      interval = g_time_zone_find_interval(candidates[i], G_TIME_TYPE_UNIVERSAL, seconds);
      if (interval < 0)
        continue;
      offset = g_time_zone_get_offset(candidates[i], interval);
      if (floor_mod(date.start + (gint64)offset * TW_USEC_PER_SEC, unit) == 0) {
        date.has_offset = TRUE;
        date.utc_offset = offset;
        found = TRUE;
      }
    }
    /* An offset is written in whole minutes. */
    if (!found && floor_mod(date.start, 60 * TW_USEC_PER_SEC) == 0) {
      date.has_offset = TRUE;
      date.utc_offset = (gint32)(-floor_mod(date.start, unit) / TW_USEC_PER_SEC);
    }
  }
  return tw_date_format(&date);
}

gsize
_tw_export_time_text(const TwExportDates *dates, const TwEvent *event, gint64 usec,
                     char buf[TW_TIME_FORMAT_SIZE])
{
  gboolean floating = tw_event_is_floating(event);

  return tw_time_format(usec, floating ? NULL : dates->output_zone, floating, buf);
}

gboolean
_tw_export_format_double(double value, char buf[TW_EXPORT_DOUBLE_SIZE])
{
  /* The fewest significant digits that read back exactly: the same text on every machine
   * with IEEE doubles, whatever LC_NUMERIC says. */
  static const char *const formats[] = {
      "%.1g",  "%.2g",  "%.3g",  "%.4g",  "%.5g",  "%.6g",  "%.7g",  "%.8g",  "%.9g",
      "%.10g", "%.11g", "%.12g", "%.13g", "%.14g", "%.15g", "%.16g", "%.17g",
  };

  buf[0] = '\0';
  if (!isfinite(value))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_ascii_formatd(buf, TW_EXPORT_DOUBLE_SIZE, formats[i], value);
    if (g_ascii_strtod(buf, NULL) == value)
      break;
  }
  return TRUE;
}

gboolean
_tw_export_get_bool(const TwExporter *exporter, const char *name, gboolean fallback)
{
  const TwOptions *options = exporter != NULL ? tw_exporter_get_options(exporter) : NULL;

  return options != NULL ? tw_options_get_bool(options, name) : fallback;
}

/* -- a small streaming JSON writer in three layouts -- */

typedef enum {
  LAYOUT_BLOCK,   /* one member per line, indented by two spaces a level */
  LAYOUT_INLINE,  /* on one line, with a space after `:` and `,` */
  LAYOUT_COMPACT, /* no white space at all (jsonl, pretty=false) */
} Layout;

typedef struct {
  TwOutput *out;
  Layout layout;
  int depth; /* the nesting level of this container (for LAYOUT_BLOCK) */
  gboolean empty;
  char close;
} Container;

static void
newline_indent(TwOutput *out, int depth)
{
  static const char spaces[] = "                                ";

  tw_output_putc(out, '\n');
  for (int n = depth * 2; n > 0; n -= (int)(sizeof spaces - 1))
    tw_output_write(out, spaces, (gsize)MIN(n, (int)(sizeof spaces - 1)));
}

static void
container_begin(Container *c, TwOutput *out, Layout layout, int depth, char open)
{
  c->out = out;
  c->layout = layout;
  c->depth = depth;
  c->empty = TRUE;
  c->close = open == '{' ? '}' : ']';
  tw_output_putc(out, open);
}

/* Starts the next array element. */
static void
container_next(Container *c)
{
  if (!c->empty)
    tw_output_putc(c->out, ',');
  if (c->layout == LAYOUT_BLOCK)
    newline_indent(c->out, c->depth + 1);
  else if (c->layout == LAYOUT_INLINE && !c->empty)
    tw_output_putc(c->out, ' ');
  c->empty = FALSE;
}

/* Starts the next object member. */
static void
container_key(Container *c, const char *key)
{
  container_next(c);
  tw_output_write_json_string(c->out, key);
  if (c->layout == LAYOUT_COMPACT)
    tw_output_putc(c->out, ':');
  else
    tw_output_write(c->out, ": ", 2);
}

static void
container_end(Container *c)
{
  if (c->layout == LAYOUT_BLOCK && !c->empty)
    newline_indent(c->out, c->depth);
  tw_output_putc(c->out, c->close);
}

/* The layout of small things inside a container: inline in a pretty document. */
static Layout
inner_layout(Layout layout)
{
  return layout == LAYOUT_COMPACT ? LAYOUT_COMPACT : LAYOUT_INLINE;
}

static void
member_string(Container *c, const char *key, const char *value)
{
  container_key(c, key);
  tw_output_write_json_string(c->out, value);
}

static void
member_optional_string(Container *c, const char *key, const char *value)
{
  if (value != NULL)
    member_string(c, key, value);
}

static void
member_time(Container *c, const char *key, const TwExportDates *dates, const TwEvent *event,
            gint64 usec)
{
  char buf[TW_TIME_FORMAT_SIZE];
  gsize length = _tw_export_time_text(dates, event, usec, buf);

  container_key(c, key);
  tw_output_putc(c->out, '"');
  tw_output_write(c->out, buf, length);
  tw_output_putc(c->out, '"');
}

static void
member_string_list(Container *c, const char *key, guint n,
                   const char *(*get)(const TwEvent *, guint), const TwEvent *event)
{
  Container list;

  container_key(c, key);
  container_begin(&list, c->out, inner_layout(c->layout), 0, '[');
  for (guint i = 0; i < n; i++) {
    container_next(&list);
    tw_output_write_json_string(c->out, get(event, i));
  }
  container_end(&list);
}

static void
write_event(TwOutput *out, Layout layout, int depth, TwExportDates *dates, const TwEvent *event)
{
  Container object;
  g_autofree char *date = _tw_export_date_text(dates, event);
  TwQualifier qualifier = tw_event_get_qualifier(event);
  double latitude, longitude;
  guint n_attributes;

  container_begin(&object, out, layout, depth, '{');
  member_string(&object, "id", tw_event_get_id(event));
  member_string(&object, "date", date);
  member_time(&object, "start", dates, event, tw_event_get_start(event));
  member_time(&object, "end", dates, event, tw_event_get_end(event));
  member_string(&object, "precision", tw_precision_to_string(tw_event_get_precision(event)));
  if (qualifier != TW_QUALIFIER_NONE)
    member_string(&object, "qualifier", tw_qualifier_to_string(qualifier));
  if (tw_event_is_floating(event)) {
    container_key(&object, "floating");
    tw_output_puts(out, "true");
  }
  member_optional_string(&object, "zone", tw_event_get_zone(event));
  member_string(&object, "title", tw_event_get_title(event));
  member_optional_string(&object, "description", tw_event_get_description(event));
  member_string(&object, "source", tw_event_get_source(event));
  member_optional_string(&object, "kind", tw_event_get_kind(event));
  member_string_list(&object, "tags", tw_event_get_n_tags(event), tw_event_get_tag, event);
  if (tw_event_get_n_actors(event) > 0)
    member_string_list(&object, "actors", tw_event_get_n_actors(event), tw_event_get_actor, event);
  member_optional_string(&object, "location", tw_event_get_location(event));
  member_optional_string(&object, "url", tw_event_get_url(event));
  if (tw_event_get_geo(event, &latitude, &longitude) && isfinite(latitude) && isfinite(longitude)) {
    char number[TW_EXPORT_DOUBLE_SIZE];
    Container geo;

    container_key(&object, "geo");
    container_begin(&geo, out, inner_layout(layout), 0, '{');
    _tw_export_format_double(latitude, number);
    container_key(&geo, "lat");
    tw_output_puts(out, number);
    _tw_export_format_double(longitude, number);
    container_key(&geo, "lon");
    tw_output_puts(out, number);
    container_end(&geo);
  }
  n_attributes = tw_event_get_n_attributes(event);
  if (n_attributes > 0) {
    Container attributes;

    container_key(&object, "attributes");
    container_begin(&attributes, out, layout, depth + 1, '{');
    for (guint i = 0; i < n_attributes; i++) {
      const TwAttribute *attribute = tw_event_get_attribute(event, i);

      member_string(&attributes, attribute->key, attribute->value);
    }
    container_end(&attributes);
  }
  container_end(&object);
}

static void
write_link(TwOutput *out, Layout layout, const TwLink *link)
{
  Container object;
  g_autofree char *lag_min = tw_duration_format(tw_link_get_lag_min(link));
  g_autofree char *lag_max = tw_duration_format(tw_link_get_lag_max(link));

  container_begin(&object, out, inner_layout(layout), 0, '{');
  member_string(&object, "from", tw_link_get_from(link));
  member_string(&object, "to", tw_link_get_to(link));
  member_string(&object, "rule", tw_link_get_rule(link));
  member_string(&object, "lag_min", lag_min);
  member_string(&object, "lag_max", lag_max);
  member_string(&object, "certainty", tw_certainty_to_string(tw_link_get_certainty(link)));
  container_end(&object);
}

static void
write_finding(TwOutput *out, Layout layout, int depth, const TwFinding *finding)
{
  Container object, events, attributes;
  guint n;

  container_begin(&object, out, layout, depth, '{');
  member_optional_string(&object, "analyzer", tw_finding_get_analyzer(finding));
  member_optional_string(&object, "rule", tw_finding_get_rule(finding));
  member_optional_string(&object, "kind", tw_finding_get_kind(finding));
  member_optional_string(&object, "summary", tw_finding_get_summary(finding));
  container_key(&object, "events");
  container_begin(&events, out, inner_layout(layout), 0, '[');
  n = tw_finding_get_n_events(finding);
  for (guint i = 0; i < n; i++) {
    container_next(&events);
    tw_output_write_json_string(out, tw_finding_get_event(finding, i));
  }
  container_end(&events);
  container_key(&object, "attributes");
  container_begin(&attributes, out, layout, depth + 1, '{');
  n = tw_finding_get_n_attributes(finding);
  for (guint i = 0; i < n; i++) {
    const TwAttribute *attribute = tw_finding_get_attribute(finding, i);

    member_string(&attributes, attribute->key, attribute->value);
  }
  container_end(&attributes);
  container_end(&object);
}

static gboolean
json_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  Layout layout = _tw_export_get_bool(exporter, "pretty", TRUE) ? LAYOUT_BLOCK : LAYOUT_COMPACT;
  TwExportDates dates;
  Container document, array;
  const char *title = tw_timeline_get_title(timeline);
  gint64 from, to;
  guint n;

  _tw_export_dates_init(&dates, exporter);
  container_begin(&document, out, layout, 0, '{');
  member_string(&document, "timeweave", TW_VERSION);
  member_optional_string(&document, "title", title);
  if (tw_timeline_get_range(timeline, &from, &to)) {
    Container range;
    char buf[TW_TIME_FORMAT_SIZE];

    container_key(&document, "range");
    container_begin(&range, out, inner_layout(layout), 0, '{');
    /* An open end of the range is stored as the representable limit: leave it out. */
    if (from > TW_TIME_MIN && from <= TW_TIME_MAX) {
      tw_time_format(from, dates.output_zone, FALSE, buf);
      member_string(&range, "from", buf);
    }
    if (to >= TW_TIME_MIN && to < TW_TIME_MAX) {
      tw_time_format(to, dates.output_zone, FALSE, buf);
      member_string(&range, "to", buf);
    }
    container_end(&range);
  }

  container_key(&document, "events");
  container_begin(&array, out, layout, 1, '[');
  n = tw_timeline_get_n_events(timeline);
  for (guint i = 0; i < n; i++) {
    container_next(&array);
    write_event(out, layout, 2, &dates, tw_timeline_get_event(timeline, i));
  }
  container_end(&array);

  container_key(&document, "links");
  container_begin(&array, out, layout, 1, '[');
  n = tw_timeline_get_n_links(timeline);
  for (guint i = 0; i < n; i++) {
    container_next(&array);
    write_link(out, layout, tw_timeline_get_link(timeline, i));
  }
  container_end(&array);

  container_key(&document, "findings");
  container_begin(&array, out, layout, 1, '[');
  n = tw_timeline_get_n_findings(timeline);
  for (guint i = 0; i < n; i++) {
    container_next(&array);
    write_finding(out, layout, 2, tw_timeline_get_finding(timeline, i));
  }
  container_end(&array);

  container_end(&document);
  tw_output_putc(out, '\n');
  _tw_export_dates_clear(&dates);
  return TRUE;
}

static gboolean
jsonl_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  TwExportDates dates;
  guint n = tw_timeline_get_n_events(timeline);

  _tw_export_dates_init(&dates, exporter);
  for (guint i = 0; i < n; i++) {
    write_event(out, LAYOUT_COMPACT, 0, &dates, tw_timeline_get_event(timeline, i));
    tw_output_putc(out, '\n');
  }
  _tw_export_dates_clear(&dates);
  return TRUE;
}

static const TwOptionSpec json_options[] = {
    {"pretty",
     TW_OPTION_BOOL,
     "true",
     "Indent the document by two spaces, one member per line; false writes it on one line.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

static const TwOptionSpec jsonl_options[] = {
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

const TwExporterInfo _tw_exporter_json = {
    .name = "json",
    .summary = "timeweave's JSON document: events, links and findings",
    .description =
        "Writes {\"timeweave\": VERSION, \"title\", \"range\" (when the run has one), "
        "\"events\", \"links\", \"findings\"}. Each event has, in this order: id, date (the "
        "canonical date text), start and end (ISO 8601 instants, end exclusive; UTC with Z or "
        "the --output-zone offset, naive for floating dates), precision, qualifier, floating, "
        "zone, title, description, source, kind, tags (always), actors, location, url, geo "
        "{lat, lon} and attributes (string values in the source's order); members without a "
        "value are left out. Links give from, to, rule, lag_min, lag_max and certainty; "
        "findings give analyzer, rule, kind, summary, events (ids) and attributes. The json "
        "source reads this document back without loss.",
    .options = json_options,
    .extension = "json",
    .write = json_write,
};

const TwExporterInfo _tw_exporter_jsonl = {
    .name = "jsonl",
    .summary = "JSON Lines: one event object per line",
    .description = "Writes each event as one compact JSON object on its own line, with the same "
                   "members as the json format's events and nothing else (no links, no "
                   "findings). The json source reads it back.",
    .options = jsonl_options,
    .extension = "jsonl",
    .write = jsonl_write,
};
