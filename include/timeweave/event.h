/* timeweave: the event, read-only as stored in a timeline. */
#pragma once

#include <timeweave/date.h>

G_BEGIN_DECLS

/**
 * TwEvent:
 * One dated happening in a timeline. Opaque: read it with the accessors below. Every string an
 * accessor returns is owned by the timeline and lives as long as it; none is ever %NULL unless
 * said (absent text fields return %NULL, absent lists have zero length).
 *
 * An event's stable id is the same for the same input on every run and machine: a source either
 * gives it verbatim (a re-imported timeweave export), or gives a native id (an iCal UID, a commit
 * hash) that is hashed with the source's name, or gives neither, and the id is a hash of the
 * source, start, end and title.
 */
typedef struct _TwEvent TwEvent;

/* Whether a link holds for every reading of two fuzzy dates, or only for some. */
typedef enum {
  TW_CERTAINTY_CERTAIN = 0,
  TW_CERTAINTY_POSSIBLE,
} TwCertainty;

/* A key/value attribute: further fields of the source record, kept losslessly. */
typedef struct {
  const char *key;
  const char *value;
} TwAttribute;

/* The stable id (above). An id that is a hash is written out on the first call for the event
 * and kept with the timeline's other text (33 bytes), so a plugin that asks for every event's
 * id pays that memory; exporting and sorting do not ask. Safe to call from several threads. */
const char *tw_event_get_id(const TwEvent *event);
/* The interval: microseconds since the epoch, end exclusive (see #TwDate). */
gint64 tw_event_get_start(const TwEvent *event);
gint64 tw_event_get_end(const TwEvent *event);
TwPrecision tw_event_get_precision(const TwEvent *event);
TwQualifier tw_event_get_qualifier(const TwEvent *event);
gboolean tw_event_is_floating(const TwEvent *event);
/* Fills @out with start, end, precision, qualifier and floating (no offset). */
void tw_event_get_date(const TwEvent *event, TwDate *out);

const char *tw_event_get_title(const TwEvent *event);
const char *tw_event_get_description(const TwEvent *event); /* nullable */
/* The name of the source instance that produced the event (`-s json:a.json` gives "a"). */
const char *tw_event_get_source(const TwEvent *event);
const char *tw_event_get_kind(const TwEvent *event);     /* nullable */
const char *tw_event_get_location(const TwEvent *event); /* nullable */
const char *tw_event_get_url(const TwEvent *event);      /* nullable */
/* The zone the source stated the time in ("Europe/Berlin", "+01:00"), if it did. */
const char *tw_event_get_zone(const TwEvent *event); /* nullable */
/* GEO latitude/longitude; returns FALSE when the event has none. */
gboolean tw_event_get_geo(const TwEvent *event, double *latitude, double *longitude);

guint tw_event_get_n_tags(const TwEvent *event);
const char *tw_event_get_tag(const TwEvent *event, guint index);
gboolean tw_event_has_tag(const TwEvent *event, const char *tag);
guint tw_event_get_n_actors(const TwEvent *event);
const char *tw_event_get_actor(const TwEvent *event, guint index);
/* Attributes in the order the source gave them; keys are unique. */
guint tw_event_get_n_attributes(const TwEvent *event);
/* Attribute @index (< tw_event_get_n_attributes()), owned by the timeline. An event keeps its
 * attributes' values alone, their keys shared with its source's other events; the pairs are made
 * on the first call for the event and kept with the timeline's other text (16 bytes an
 * attribute), so a plugin that asks for every event's attributes pays that memory; exporting
 * and tw_event_lookup_attribute() do not ask. Safe to call from several threads. */
const TwAttribute *tw_event_get_attribute(const TwEvent *event, guint index);
/* The value of attribute @key, or %NULL (owned by the timeline). */
const char *tw_event_lookup_attribute(const TwEvent *event, const char *key);

/**
 * tw_event_get_field:
 * @name: a field name as the JSON export spells it: "id", "title", "description", "source",
 *   "kind", "location", "url", "zone", "precision", "qualifier", "start", "end", or
 *   "attributes.KEY" (a bare name that is no field is looked up as an attribute)
 *
 * A generic accessor for selectors and rules (`by=kind`). List fields (tags, actors) are not
 * scalar: use the list accessors. Returns %NULL when the event has no such value; "start" and
 * "end" are written into a buffer owned by the calling thread, valid until the next call.
 */
const char *tw_event_get_field(const TwEvent *event, const char *name);

/**
 * tw_event_compare:
 * The timeline's total order: start, end, precision, source, id. Returns <0, 0 or >0.
 */
int tw_event_compare(const TwEvent *a, const TwEvent *b);

G_END_DECLS
