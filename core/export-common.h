/* timeweave: helpers shared by the core's exporters (defined in core/export-json.c). */
#pragma once

#include "private.h"

#include <string.h>

G_BEGIN_DECLS

/**
 * TwExportDates:
 * How an export writes an event's dates: exact times of zoned events in the --output-zone (or
 * UTC with `Z`), floating dates as naive wall-clock values, never shifted.
 */
typedef struct {
  GTimeZone *output_zone; /* borrowed; NULL for UTC */
  GHashTable *zones;      /* an event's stated zone name -> GTimeZone (or NULL if unknown) */
  /* The "YYYY-MM-DDT" of the last UTC or floating time written: events come in time order, so
   * most times fall on the day before them and only the time of day needs writing. */
  gint64 cached_day;
  gboolean has_cached_day;
  char cached_day_text[11];
} TwExportDates;

void _tw_export_dates_init(TwExportDates *dates, const TwExporter *exporter);
void _tw_export_dates_clear(TwExportDates *dates);

/* The "date" text: tw_date_format() of the event's date, an exact instant written in the output
 * zone, a minute or hour that does not begin on a UTC minute or hour written with an offset in
 * which it does (so that tw_date_parse() reads back the same span). (transfer full) */
char *_tw_export_date_text(TwExportDates *dates, const TwEvent *event);

/* An interval bound of @event (its start or end) as tw_time_format() writes it. */
gsize _tw_export_time_text(TwExportDates *dates, const TwEvent *event, gint64 usec,
                           char buf[TW_TIME_FORMAT_SIZE]);

/* The shortest decimal text that reads back as exactly @value (`52.52`, `-0.1`, `1e-07`),
 * independent of the locale; FALSE (and "") when @value is not finite. */
#define TW_EXPORT_DOUBLE_SIZE 32
gboolean _tw_export_format_double(double value, char buf[TW_EXPORT_DOUBLE_SIZE]);

/* Whether @event's "date" text is its start's time text (_tw_export_time_text()): an exact
 * instant in UTC, as most events are; an exporter that writes both copies the one. */
gboolean _tw_export_date_is_start(const TwExportDates *dates, const TwEvent *event);

/* The "date" text as _tw_export_date_text() gives it, into @buf (the common exact UTC instant
 * without an allocation). Returns: its length. */
#define TW_EXPORT_DATE_SIZE 128
gsize _tw_export_date_into(TwExportDates *dates, const TwEvent *event,
                           char buf[TW_EXPORT_DATE_SIZE]);

/* Appends @length bytes of @text to @buffer: g_string_append_len() without the call (GLib 2.74
 * does not inline it) when they fit in the space the buffer already has, which after the first
 * rows of an export is nearly always. */
static inline void
_tw_export_append(GString *buffer, const char *text, gsize length)
{
  if (G_UNLIKELY(length >= buffer->allocated_len - buffer->len)) {
    g_string_append_len(buffer, text, (gssize)length);
    return;
  }
  memcpy(buffer->str + buffer->len, text, length);
  buffer->len += length;
  buffer->str[buffer->len] = '\0';
}

/* Appends @text as a JSON string literal, quotes included (RFC 8259 escapes; UTF-8 passes). */
void _tw_export_json_string(GString *buffer, const char *text);
/* The same with every `"` doubled, for a JSON text inside a quoted CSV cell. */
void _tw_export_json_string_in_csv(GString *buffer, const char *text);

/**
 * _tw_export_events:
 * @format: appends the text of event @index to @buffer, with the state @new_state made
 * @new_state, @free_state: (nullable): a state per thread (NULL: @data is the state)
 *
 * Formats every event of @timeline in order and writes the text to @out: in batches on the
 * exporter's threads when there are several (each batch's text is written in order), else
 * on the calling thread. @format must depend only on its state, the index and the event.
 */
typedef void (*TwExportFormat)(gpointer state, guint index, const TwEvent *event, GString *buffer);
void _tw_export_events(const TwExporter *exporter, const TwTimeline *timeline, TwOutput *out,
                       gpointer (*new_state)(gpointer data), void (*free_state)(gpointer state),
                       TwExportFormat format, gpointer data);

/* A boolean option of @exporter, or @fallback when the exporter has no options (tests). */
gboolean _tw_export_get_bool(const TwExporter *exporter, const char *name, gboolean fallback);

G_END_DECLS
