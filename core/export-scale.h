/* timeweave: what the timesketch and opensearch exporters share (defined in
 * core/export-timesketch.c). Both build each event's JSON in a GString, so that the opensearch
 * exporter can measure a bulk entry before it decides which file it goes to. */
#pragma once

#include "export-common.h"

G_BEGIN_DECLS

/* Appends @text as a JSON string literal, quotes included (RFC 8259 escapes; UTF-8 passes). */
void _tw_json_append_string(GString *buffer, const char *text);

/* Appends `,"KEY":` (without the comma when @first is set, and clears it). */
void _tw_json_append_key(GString *buffer, gboolean *first, const char *key);

/* Appends a member whose value is a string; nothing when @value is NULL. */
void _tw_json_append_member(GString *buffer, gboolean *first, const char *key, const char *value);

/* Appends a member whose value is an array of the event's tags or actors. */
void _tw_json_append_list(GString *buffer, gboolean *first, const char *key, const TwEvent *event,
                          guint n, const char *(*get)(const TwEvent *, guint));

/* Appends "geo" (when the event has a finite one) and "attributes" (when it has any). */
void _tw_json_append_geo_attributes(GString *buffer, gboolean *first, const TwEvent *event);

/**
 * _tw_export_datetime_text:
 * An instant as Timesketch and OpenSearch want it: ISO 8601 with six fractional digits and a
 * numeric offset, `2026-02-13T10:30:00.000000+00:00`. A zoned event is written in the output
 * zone (UTC when there is none); a floating one as its wall clock with `+00:00`.
 * Returns: the length written.
 */
#define TW_DATETIME_SIZE 48
gsize _tw_export_datetime_text(const TwExportDates *dates, const TwEvent *event, gint64 usec,
                               char buf[TW_DATETIME_SIZE]);

/* The links of a timeline grouped by the id of their "from" event. */
typedef struct _TwLinkIndex TwLinkIndex;
TwLinkIndex *_tw_link_index_new(const TwTimeline *timeline);
void _tw_link_index_free(TwLinkIndex *index);
/* Appends "links": [{"to", "rule", "lag_min", "lag_max", "certainty"}, ...] for the links that
 * start at @event, in the timeline's order; nothing when there are none. */
void _tw_json_append_links(GString *buffer, gboolean *first, TwLinkIndex *index,
                           const TwEvent *event);

/* Whether OpenSearch's dynamic date detection (strict_date_optional_time) could take @text,
 * a canonical date text, for a date: `2026`, `2026-02-13`, `2026-02-13T10Z`; not `early 2025`,
 * `2026-Q1` or `2020s`. */
gboolean _tw_export_looks_like_iso_date(const char *text);

G_END_DECLS
