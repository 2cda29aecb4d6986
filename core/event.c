/* timeweave: read access to stored events, and the timeline's total order. */
#include "private.h"

#include <string.h>

const char *
tw_event_get_id(const TwEvent *event)
{
  return event->id;
}

gint64
tw_event_get_start(const TwEvent *event)
{
  return event->start;
}

gint64
tw_event_get_end(const TwEvent *event)
{
  return event->end;
}

TwPrecision
tw_event_get_precision(const TwEvent *event)
{
  return (TwPrecision)event->precision;
}

TwQualifier
tw_event_get_qualifier(const TwEvent *event)
{
  return (TwQualifier)event->qualifier;
}

gboolean
tw_event_is_floating(const TwEvent *event)
{
  return (event->flags & TW_EVENT_FLOATING) != 0;
}

void
tw_event_get_date(const TwEvent *event, TwDate *out)
{
  memset(out, 0, sizeof *out);
  out->start = event->start;
  out->end = event->end;
  out->precision = (TwPrecision)event->precision;
  out->qualifier = (TwQualifier)event->qualifier;
  out->floating = tw_event_is_floating(event);
}

const char *
tw_event_get_title(const TwEvent *event)
{
  return event->title;
}

const char *
tw_event_get_description(const TwEvent *event)
{
  return event->more ? event->more->description : NULL;
}

const char *
tw_event_get_source(const TwEvent *event)
{
  return event->source;
}

const char *
tw_event_get_kind(const TwEvent *event)
{
  return event->kind;
}

const char *
tw_event_get_location(const TwEvent *event)
{
  return event->more ? event->more->location : NULL;
}

const char *
tw_event_get_url(const TwEvent *event)
{
  return event->more ? event->more->url : NULL;
}

const char *
tw_event_get_zone(const TwEvent *event)
{
  return event->zone;
}

gboolean
tw_event_get_geo(const TwEvent *event, double *latitude, double *longitude)
{
  if (!(event->flags & TW_EVENT_HAS_GEO))
    return FALSE;
  if (latitude)
    *latitude = event->more->geo[0];
  if (longitude)
    *longitude = event->more->geo[1];
  return TRUE;
}

guint
tw_event_get_n_tags(const TwEvent *event)
{
  return event->n_tags;
}

const char *
tw_event_get_tag(const TwEvent *event, guint index)
{
  g_return_val_if_fail(index < event->n_tags, NULL);
  return event->tags[index];
}

gboolean
tw_event_has_tag(const TwEvent *event, const char *tag)
{
  for (guint i = 0; i < event->n_tags; i++)
    if (strcmp(event->tags[i], tag) == 0)
      return TRUE;
  return FALSE;
}

guint
tw_event_get_n_actors(const TwEvent *event)
{
  return event->more ? event->more->n_actors : 0;
}

const char *
tw_event_get_actor(const TwEvent *event, guint index)
{
  g_return_val_if_fail(index < tw_event_get_n_actors(event), NULL);
  return event->more->actors[index];
}

guint
tw_event_get_n_attributes(const TwEvent *event)
{
  return event->n_attributes;
}

const TwAttribute *
tw_event_get_attribute(const TwEvent *event, guint index)
{
  g_return_val_if_fail(index < event->n_attributes, NULL);
  return &event->attributes[index];
}

const char *
tw_event_lookup_attribute(const TwEvent *event, const char *key)
{
  for (guint i = 0; i < event->n_attributes; i++)
    if (strcmp(event->attributes[i].key, key) == 0)
      return event->attributes[i].value;
  return NULL;
}

const char *
tw_event_get_field(const TwEvent *event, const char *name)
{
  static GPrivate buffer_key = G_PRIVATE_INIT(g_free);

  if (g_str_has_prefix(name, "attributes."))
    return tw_event_lookup_attribute(event, name + strlen("attributes."));
  if (strcmp(name, "id") == 0)
    return event->id;
  if (strcmp(name, "title") == 0)
    return event->title;
  if (strcmp(name, "description") == 0)
    return tw_event_get_description(event);
  if (strcmp(name, "source") == 0)
    return event->source;
  if (strcmp(name, "kind") == 0)
    return event->kind;
  if (strcmp(name, "location") == 0)
    return tw_event_get_location(event);
  if (strcmp(name, "url") == 0)
    return tw_event_get_url(event);
  if (strcmp(name, "zone") == 0)
    return event->zone;
  if (strcmp(name, "precision") == 0)
    return tw_precision_to_string((TwPrecision)event->precision);
  if (strcmp(name, "qualifier") == 0)
    return tw_qualifier_to_string((TwQualifier)event->qualifier);
  if (strcmp(name, "start") == 0 || strcmp(name, "end") == 0) {
    char *buf = g_private_get(&buffer_key);
    if (!buf) {
      buf = g_malloc(TW_TIME_FORMAT_SIZE);
      g_private_set(&buffer_key, buf);
    }
    tw_time_format(name[0] == 's' ? event->start : event->end, NULL, tw_event_is_floating(event),
                   buf);
    return buf;
  }
  return tw_event_lookup_attribute(event, name);
}

int
tw_event_compare(const TwEvent *a, const TwEvent *b)
{
  if (a->start != b->start)
    return a->start < b->start ? -1 : 1;
  if (a->end != b->end)
    return a->end < b->end ? -1 : 1;
  if (a->precision != b->precision)
    return a->precision < b->precision ? -1 : 1;
  if (a->source != b->source) {
    int c = strcmp(a->source, b->source);
    if (c)
      return c;
  }
  return strcmp(a->id, b->id);
}
