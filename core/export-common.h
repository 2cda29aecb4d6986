/* timeweave: helpers shared by the core's exporters (defined in core/export-json.c). */
#pragma once

#include "private.h"

G_BEGIN_DECLS

/**
 * TwExportDates:
 * How an export writes an event's dates: exact times of zoned events in the --output-zone (or
 * UTC with `Z`), floating dates as naive wall-clock values, never shifted.
 */
typedef struct {
  GTimeZone *output_zone; /* borrowed; NULL for UTC */
  GHashTable *zones;      /* an event's stated zone name -> GTimeZone (or NULL if unknown) */
} TwExportDates;

void _tw_export_dates_init(TwExportDates *dates, const TwExporter *exporter);
void _tw_export_dates_clear(TwExportDates *dates);

/* The "date" text: tw_date_format() of the event's date, an exact instant written in the output
 * zone, a minute or hour that does not begin on a UTC minute or hour written with an offset in
 * which it does (so that tw_date_parse() reads back the same span). (transfer full) */
char *_tw_export_date_text(TwExportDates *dates, const TwEvent *event);

/* An interval bound of @event (its start or end) as tw_time_format() writes it. */
gsize _tw_export_time_text(const TwExportDates *dates, const TwEvent *event, gint64 usec,
                           char buf[TW_TIME_FORMAT_SIZE]);

/* The shortest decimal text that reads back as exactly @value (`52.52`, `-0.1`, `1e-07`),
 * independent of the locale; FALSE (and "") when @value is not finite. */
#define TW_EXPORT_DOUBLE_SIZE 32
gboolean _tw_export_format_double(double value, char buf[TW_EXPORT_DOUBLE_SIZE]);

/* A boolean option of @exporter, or @fallback when the exporter has no options (tests). */
gboolean _tw_export_get_bool(const TwExporter *exporter, const char *name, gboolean fallback);

G_END_DECLS
