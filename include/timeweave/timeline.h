/* timeweave: the sorted timeline that analyzers read and extend and exporters write. */
#pragma once

#include <timeweave/event.h>

G_BEGIN_DECLS

/**
 * TwTimeline:
 * The woven timeline: every source's events in one deterministic order (tw_event_compare()),
 * plus the links and findings that analyzers add. Exporters get it read-only; analyzers run one
 * at a time, in order, each seeing what the previous ones added. Events are addressed by their
 * index in the sorted order; links and findings refer to events by id, so they stay valid when
 * an analyzer removes events.
 */
typedef struct _TwTimeline TwTimeline;

/* A directed link between two events, added by an analyzer's rule (opaque). */
typedef struct _TwLink TwLink;
/* A named result of an analyzer: a summary, the events it concerns, attributes (opaque). */
typedef struct _TwFinding TwFinding;

const char *tw_timeline_get_title(const TwTimeline *timeline);
/* The --from/--to range if one was given (FALSE otherwise); @to is exclusive. */
gboolean tw_timeline_get_range(const TwTimeline *timeline, gint64 *from, gint64 *to);
/* The zone in which the run writes times (`--output-zone`), or %NULL for UTC: an analyzer
 * writes the dates in its findings' text with tw_date_format_in_zone() and it, so that they
 * read as the exported events' dates do. (transfer none). */
GTimeZone *tw_timeline_get_output_zone(const TwTimeline *timeline);

guint tw_timeline_get_n_events(const TwTimeline *timeline);
/* (transfer none): valid until an analyzer removes events. */
const TwEvent *tw_timeline_get_event(const TwTimeline *timeline, guint index);
/* The index of the event with @id, or -1. */
gint tw_timeline_find_event(const TwTimeline *timeline, const char *id);

/* -- for analyzers -- */

/* Adds @tag to event @index (no-op if present). */
void tw_timeline_add_tag(TwTimeline *timeline, guint index, const char *tag);
/* Sets attribute @key of event @index. */
void tw_timeline_set_attribute(TwTimeline *timeline, guint index, const char *key,
                               const char *value);
/* Marks event @index for removal; indices stay valid until the analyzer returns. */
void tw_timeline_remove_event(TwTimeline *timeline, guint index);
/* Adds @actor to event @index (no-op if present). */
void tw_timeline_add_actor(TwTimeline *timeline, guint index, const char *actor);
/**
 * tw_timeline_set_field:
 * @name: "title", "description", "kind", "location" or "url"
 * @value: (nullable): the new text (copied); %NULL removes an optional field
 * Sets a text field of event @index (an analyzer that merges reports of one happening). The
 * event keeps its id, its date and its place in the timeline's order.
 * Returns: %FALSE, changing nothing, for another @name or a %NULL title.
 */
gboolean tw_timeline_set_field(TwTimeline *timeline, guint index, const char *name,
                               const char *value);
/* Sets the GEO position of event @index. */
void tw_timeline_set_geo(TwTimeline *timeline, guint index, double latitude, double longitude);

/**
 * tw_timeline_add_link:
 * @from, @to: event indices
 * @rule: the rule's name (copied)
 * @lag_min, @lag_max: the lag from @from to @to in microseconds (equal for exact dates; a range
 *   for fuzzy ones)
 * Returns: (transfer none): the link, owned by @timeline.
 */
TwLink *tw_timeline_add_link(TwTimeline *timeline, guint from, guint to, const char *rule,
                             gint64 lag_min, gint64 lag_max, TwCertainty certainty);

/**
 * tw_timeline_add_finding:
 * @analyzer: the analyzer instance's name; @rule: the rule's name; @kind: the rule type
 *   ("sequence", "absence", "threshold", ...); @summary: one line for people (all copied)
 * Returns: (transfer none): the finding, owned by @timeline; add its events and attributes.
 */
TwFinding *tw_timeline_add_finding(TwTimeline *timeline, const char *analyzer, const char *rule,
                                   const char *kind, const char *summary);
void tw_finding_add_event(TwFinding *finding, const TwTimeline *timeline, guint index);
void tw_finding_set_attribute(TwFinding *finding, const char *key, const char *value);

/* -- reading links and findings -- */

guint tw_timeline_get_n_links(const TwTimeline *timeline);
const TwLink *tw_timeline_get_link(const TwTimeline *timeline, guint index);
const char *tw_link_get_from(const TwLink *link); /* an event id */
const char *tw_link_get_to(const TwLink *link);   /* an event id */
const char *tw_link_get_rule(const TwLink *link);
gint64 tw_link_get_lag_min(const TwLink *link);
gint64 tw_link_get_lag_max(const TwLink *link);
TwCertainty tw_link_get_certainty(const TwLink *link);

guint tw_timeline_get_n_findings(const TwTimeline *timeline);
const TwFinding *tw_timeline_get_finding(const TwTimeline *timeline, guint index);
const char *tw_finding_get_analyzer(const TwFinding *finding);
const char *tw_finding_get_rule(const TwFinding *finding);
const char *tw_finding_get_kind(const TwFinding *finding);
const char *tw_finding_get_summary(const TwFinding *finding);
guint tw_finding_get_n_events(const TwFinding *finding);
const char *tw_finding_get_event(const TwFinding *finding, guint index); /* an event id */
guint tw_finding_get_n_attributes(const TwFinding *finding);
const TwAttribute *tw_finding_get_attribute(const TwFinding *finding, guint index);

const char *tw_certainty_to_string(TwCertainty certainty);

G_END_DECLS
