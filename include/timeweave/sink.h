/* timeweave: how a source hands events to the core. */
#pragma once

#include <timeweave/event.h>

G_BEGIN_DECLS

/**
 * TwSink:
 * Where a source pushes its events, one at a time, as it reads them: the core stores each one
 * compactly on commit, so a source never holds the timeline in memory. A sink belongs to one
 * source run and is used from one thread (sources may run in parallel, each with its own sink).
 */
typedef struct _TwSink TwSink;

/**
 * TwEventBuilder:
 * An event under construction. Every setter copies its arguments; a builder is owned by its
 * sink and reused, so it is valid only until the next tw_sink_commit(), tw_sink_discard() or
 * tw_sink_begin() (tw_sink_commit_keep() does not end it).
 */
typedef struct _TwEventBuilder TwEventBuilder;

/**
 * tw_sink_begin:
 * @sink: the sink
 * @file: (nullable): the file the record comes from, for messages (tw_source_get_path())
 * @line: its line (1-based), or 0 when lines mean nothing
 *
 * Starts a new event at the given place. Starting another before committing or discarding the
 * previous one discards it.
 *
 * Returns: (transfer none): the builder.
 */
TwEventBuilder *tw_sink_begin(TwSink *sink, const char *file, guint line);

/**
 * tw_sink_commit:
 * @error: #TW_SINK_ERROR_INVALID when the event has no date or no title, ends before it starts,
 *   has a precision or qualifier that does not exist, or more than 65535 tags, actors or
 *   attributes, with the place
 *
 * Validates and stores the event being built. Text is made valid UTF-8 (invalid bytes become
 * U+FFFD) and NUL-free; a title is cut at its first line break. On failure nothing is stored;
 * the source usually hands @error to tw_sink_warn_error() and goes on. Calling it with no event
 * begun is a programming error: a critical warning, %FALSE, and @error left unset.
 */
gboolean tw_sink_commit(TwSink *sink, GError **error);

/**
 * tw_sink_commit_keep:
 * @error: as for tw_sink_commit()
 *
 * As tw_sink_commit(), but the builder keeps what was set on it, whether or not the event was
 * stored. For a record that gives several events alike (a body file line's four times, the
 * occurrences of a recurring event): the next one sets only what differs, typically the date,
 * the kind and the native id, and is committed in turn, without the rest being copied and
 * checked again. A setter called again replaces its value (set_date() also clears an end set
 * with set_end()); tags, actors, attributes and geo coordinates can be added or replaced, not
 * removed. Give each event its own id or native id: events with one id merge into one. The
 * last event of the record is committed with tw_sink_commit(), or the builder dropped with
 * tw_sink_discard(); tw_sink_begin() starts an empty event. The text replaced stays allocated
 * until then: a long run of events (thousands of occurrences) should begin afresh now and then.
 */
gboolean tw_sink_commit_keep(TwSink *sink, GError **error);

/* Drops the event being built. */
void tw_sink_discard(TwSink *sink);

/**
 * tw_sink_warn:
 * @sink: the sink
 * @file: (nullable): the place's file; @line: its line or 0
 * @error: set when the run is --strict
 *
 * Reports a broken record that the source skips. Outside --strict the warning is printed as
 * `timeweave: FILE:LINE: warning: MESSAGE`, counted in the run's summary, and %TRUE is
 * returned: go on. Under --strict it sets @error to `FILE:LINE: MESSAGE` and returns %FALSE:
 * the source stops and returns %FALSE with that error.
 */
gboolean tw_sink_warn(TwSink *sink, const char *file, guint line, GError **error,
                      const char *format, ...) G_GNUC_PRINTF(5, 6);

/* As tw_sink_warn(), with @problem's message (which should already carry its place). */
gboolean tw_sink_warn_error(TwSink *sink, const GError *problem, GError **error);

/**
 * tw_sink_add_link:
 * Records a link between two events by their ids (a re-imported export's links). It is resolved
 * when the timeline is finished, once: a link whose ends are not both in the timeline is left
 * out, unless a later tw_timeline_finish() (after more sinks close) finds them.
 * @lag_min, @lag_max: microseconds; @rule is copied.
 */
void tw_sink_add_link(TwSink *sink, const char *from_id, const char *to_id, const char *rule,
                      gint64 lag_min, gint64 lag_max, TwCertainty certainty);

/* How many events this sink has stored so far. */
guint64 tw_sink_get_n_committed(const TwSink *sink);

/* -- building an event -- */

/* Sets start, end, precision, qualifier and floating from @date (required). */
void tw_event_builder_set_date(TwEventBuilder *builder, const TwDate *date);
/* Overrides the exclusive end (after set_date), for records that give an explicit span. */
void tw_event_builder_set_end(TwEventBuilder *builder, gint64 end);
/* The stable id as given (a timeweave export's "id"). */
void tw_event_builder_set_id(TwEventBuilder *builder, const char *id);
/* A native id (UID, hash); the event's id becomes a hash of it and the source's name. */
void tw_event_builder_set_native_id(TwEventBuilder *builder, const char *native_id);
/* Overrides the source's name for this event (a re-imported export keeps its sources). */
void tw_event_builder_set_source(TwEventBuilder *builder, const char *source);
void tw_event_builder_set_title(TwEventBuilder *builder, const char *title);
void tw_event_builder_set_title_len(TwEventBuilder *builder, const char *title, gssize len);
void tw_event_builder_set_description(TwEventBuilder *builder, const char *description);
void tw_event_builder_set_kind(TwEventBuilder *builder, const char *kind);
void tw_event_builder_set_location(TwEventBuilder *builder, const char *location);
void tw_event_builder_set_url(TwEventBuilder *builder, const char *url);
void tw_event_builder_set_zone(TwEventBuilder *builder, const char *zone);
void tw_event_builder_set_geo(TwEventBuilder *builder, double latitude, double longitude);
/* Adds a tag or an actor; duplicates are ignored. */
void tw_event_builder_add_tag(TwEventBuilder *builder, const char *tag);
void tw_event_builder_add_actor(TwEventBuilder *builder, const char *actor);
/* Sets attribute @key (a later value for the same key replaces the earlier one). */
void tw_event_builder_set_attribute(TwEventBuilder *builder, const char *key, const char *value);
void tw_event_builder_set_attribute_len(TwEventBuilder *builder, const char *key, const char *value,
                                        gssize len);

#define TW_SINK_ERROR (tw_sink_error_quark())
typedef enum {
  TW_SINK_ERROR_INVALID, /* an event without a date or title */
  TW_SINK_ERROR_STRICT,  /* a warning made fatal by --strict */
} TwSinkError;
GQuark tw_sink_error_quark(void);

G_END_DECLS
