/* timeweave: the timeline: sorted events, links and findings. */
#include "private.h"

#include <stdlib.h>
#include <string.h>

struct _TwLink {
  const char *from;
  const char *to;
  const char *rule;
  gint64 lag_min;
  gint64 lag_max;
  TwCertainty certainty;
};

struct _TwFinding {
  const char *analyzer;
  const char *rule;
  const char *kind;
  const char *summary;
  GPtrArray *events;  /* const char * ids, in the arena */
  GArray *attributes; /* TwAttribute, text in the arena */
  TwShard *own;       /* the timeline's arena, for attribute text */
};

struct _TwTimeline {
  char *title;
  gboolean has_range;
  gint64 from, to;
  GMutex lock;         /* guards shards while sinks close from several threads */
  GPtrArray *shards;   /* TwShard, owned */
  GPtrArray *events;   /* TwEvent *, sorted after finish */
  TwShard *own;        /* text added by analyzers: links, findings, tags */
  GPtrArray *links;    /* TwLink *, in the arena of @own */
  GPtrArray *findings; /* TwFinding *, owned */
  GHashTable *by_id;   /* id -> index + 1; built lazily, dropped when events change */
  guint64 n_merged;
  gboolean removals;
};

static void
finding_free(TwFinding *f)
{
  g_ptr_array_unref(f->events);
  g_array_unref(f->attributes);
  g_free(f);
}

TwTimeline *
tw_timeline_new(const char *title)
{
  TwTimeline *tl = g_new0(TwTimeline, 1);
  tl->title = g_strdup(title ? title : "timeline");
  g_mutex_init(&tl->lock);
  tl->shards = g_ptr_array_new_with_free_func((GDestroyNotify)_tw_shard_free);
  tl->events = g_ptr_array_new();
  tl->own = _tw_shard_new();
  tl->links = g_ptr_array_new();
  tl->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_free);
  return tl;
}

void
tw_timeline_free(TwTimeline *timeline)
{
  if (!timeline)
    return;
  g_free(timeline->title);
  g_ptr_array_unref(timeline->shards);
  g_ptr_array_unref(timeline->events);
  g_ptr_array_unref(timeline->links);
  g_ptr_array_unref(timeline->findings);
  g_clear_pointer(&timeline->by_id, g_hash_table_unref);
  _tw_shard_free(timeline->own);
  g_mutex_clear(&timeline->lock);
  g_free(timeline);
}

void
tw_timeline_set_title(TwTimeline *timeline, const char *title)
{
  g_free(timeline->title);
  timeline->title = g_strdup(title);
}

void
tw_timeline_set_range(TwTimeline *timeline, gint64 from, gint64 to)
{
  timeline->has_range = TRUE;
  timeline->from = from;
  timeline->to = to;
}

const char *
tw_timeline_get_title(const TwTimeline *timeline)
{
  return timeline->title;
}

gboolean
tw_timeline_get_range(const TwTimeline *timeline, gint64 *from, gint64 *to)
{
  if (!timeline->has_range)
    return FALSE;
  if (from)
    *from = timeline->from;
  if (to)
    *to = timeline->to;
  return TRUE;
}

TwSink *
tw_timeline_open_sink(TwTimeline *timeline, const char *source_name, gboolean strict)
{
  return _tw_sink_new(timeline, source_name, strict, timeline->has_range, timeline->from,
                      timeline->to);
}

void
tw_sink_close(TwSink *sink)
{
  if (!sink)
    return;
  _tw_timeline_adopt_shard(_tw_sink_get_timeline(sink), _tw_sink_steal_shard(sink));
  tw_sink_free(sink);
}

void
_tw_timeline_adopt_shard(TwTimeline *timeline, TwShard *shard)
{
  g_mutex_lock(&timeline->lock);
  g_ptr_array_add(timeline->shards, shard);
  g_mutex_unlock(&timeline->lock);
}

static void
collect_event(TwEvent *event, gpointer data)
{
  g_ptr_array_add(data, event);
}

static int
compare_event_ptrs(gconstpointer a, gconstpointer b)
{
  return tw_event_compare(*(const TwEvent *const *)a, *(const TwEvent *const *)b);
}

typedef struct {
  guint64 hash;
  guint index;
} IdSlot;

static int
compare_id_slots(gconstpointer pa, gconstpointer pb)
{
  const IdSlot *a = pa, *b = pb;
  if (a->hash != b->hash)
    return a->hash < b->hash ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

static gboolean
str_in(const char *const *list, guint n, const char *s)
{
  for (guint i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0)
      return TRUE;
  return FALSE;
}

/* Folds @dup into @keep: fields @keep lacks are taken from @dup, lists and attributes are
 * united. @keep comes first in the timeline's order, so the result does not depend on the order
 * in which the duplicates were read. */
static void
merge_into(TwTimeline *tl, TwEvent *keep, const TwEvent *dup)
{
  TwArena *arena = _tw_shard_get_arena(tl->own);
  if (!keep->description)
    keep->description = dup->description;
  if (!keep->kind)
    keep->kind = dup->kind;
  if (!keep->location)
    keep->location = dup->location;
  if (!keep->url)
    keep->url = dup->url;
  if (!keep->zone)
    keep->zone = dup->zone;
  if (!(keep->flags & TW_EVENT_HAS_GEO) && (dup->flags & TW_EVENT_HAS_GEO)) {
    keep->geo = dup->geo;
    keep->flags |= TW_EVENT_HAS_GEO;
  }
  guint extra = 0;
  for (guint i = 0; i < dup->n_tags; i++)
    extra += !str_in(keep->tags, keep->n_tags, dup->tags[i]);
  if (extra) {
    const char **tags = _tw_arena_alloc(arena, (keep->n_tags + extra) * sizeof(char *));
    if (keep->n_tags)
      memcpy(tags, keep->tags, keep->n_tags * sizeof(char *));
    guint n = keep->n_tags;
    for (guint i = 0; i < dup->n_tags; i++)
      if (!str_in(tags, n, dup->tags[i]))
        tags[n++] = dup->tags[i];
    keep->tags = tags;
    keep->n_tags = (guint16)n;
  }
  extra = 0;
  for (guint i = 0; i < dup->n_actors; i++)
    extra += !str_in(keep->actors, keep->n_actors, dup->actors[i]);
  if (extra) {
    const char **actors = _tw_arena_alloc(arena, (keep->n_actors + extra) * sizeof(char *));
    if (keep->n_actors)
      memcpy(actors, keep->actors, keep->n_actors * sizeof(char *));
    guint n = keep->n_actors;
    for (guint i = 0; i < dup->n_actors; i++)
      if (!str_in(actors, n, dup->actors[i]))
        actors[n++] = dup->actors[i];
    keep->actors = actors;
    keep->n_actors = (guint16)n;
  }
  extra = 0;
  for (guint i = 0; i < dup->n_attributes; i++)
    extra += tw_event_lookup_attribute(keep, dup->attributes[i].key) == NULL;
  if (extra) {
    TwAttribute *attrs = _tw_arena_alloc(arena, (keep->n_attributes + extra) * sizeof *attrs);
    if (keep->n_attributes)
      memcpy(attrs, keep->attributes, keep->n_attributes * sizeof *attrs);
    guint n = keep->n_attributes;
    for (guint i = 0; i < dup->n_attributes; i++)
      if (tw_event_lookup_attribute(keep, dup->attributes[i].key) == NULL)
        attrs[n++] = dup->attributes[i];
    keep->attributes = attrs;
    keep->n_attributes = (guint16)n;
  }
}

/* Events that one source gave twice with one id are one happening: merge them. Sorting
 * (hash, index) pairs finds them without a hash table over every event. */
static void
merge_duplicates(TwTimeline *tl)
{
  guint n = tl->events->len;
  if (n < 2)
    return;
  IdSlot *slots = g_new(IdSlot, n);
  for (guint i = 0; i < n; i++) {
    const TwEvent *e = g_ptr_array_index(tl->events, i);
    slots[i].hash = e->id_hash;
    slots[i].index = i;
  }
  qsort(slots, n, sizeof *slots, compare_id_slots);
  for (guint i = 0; i < n;) {
    guint j = i + 1;
    while (j < n && slots[j].hash == slots[i].hash)
      j++;
    for (guint a = i; a < j; a++) {
      TwEvent *keep = g_ptr_array_index(tl->events, slots[a].index);
      if (keep->flags & TW_EVENT_REMOVED)
        continue;
      for (guint b = a + 1; b < j; b++) {
        TwEvent *dup = g_ptr_array_index(tl->events, slots[b].index);
        if (dup->flags & TW_EVENT_REMOVED)
          continue;
        if (strcmp(keep->id, dup->id) != 0 || strcmp(keep->source, dup->source) != 0)
          continue;
        merge_into(tl, keep, dup);
        dup->flags |= TW_EVENT_REMOVED;
        tl->n_merged++;
        tl->removals = TRUE;
      }
    }
    i = j;
  }
  g_free(slots);
}

static void
resolve_links(TwTimeline *tl)
{
  for (guint s = 0; s < tl->shards->len; s++) {
    TwShard *shard = g_ptr_array_index(tl->shards, s);
    guint n = _tw_shard_get_n_links(shard);
    for (guint i = 0; i < n; i++) {
      const char *from, *to, *rule;
      gint64 lag_min, lag_max;
      TwCertainty certainty;
      _tw_shard_get_link(shard, i, &from, &to, &rule, &lag_min, &lag_max, &certainty);
      gint a = tw_timeline_find_event(tl, from);
      gint b = tw_timeline_find_event(tl, to);
      if (a < 0 || b < 0)
        continue;
      tw_timeline_add_link(tl, (guint)a, (guint)b, rule, lag_min, lag_max, certainty);
    }
  }
}

void
tw_timeline_finish(TwTimeline *timeline)
{
  g_ptr_array_set_size(timeline->events, 0);
  /* Shards are walked in the order they were closed, which may vary between runs with
   * parallel sources; the sort below makes the result independent of it. */
  for (guint s = 0; s < timeline->shards->len; s++)
    _tw_shard_foreach(g_ptr_array_index(timeline->shards, s), collect_event, timeline->events);
  g_ptr_array_sort(timeline->events, compare_event_ptrs);
  merge_duplicates(timeline);
  tw_timeline_compact(timeline);
  /* Links read from sources are sorted too, so their order does not depend on shard order. */
  resolve_links(timeline);
}

void
tw_timeline_compact(TwTimeline *timeline)
{
  if (!timeline->removals)
    return;
  guint w = 0;
  for (guint r = 0; r < timeline->events->len; r++) {
    TwEvent *e = g_ptr_array_index(timeline->events, r);
    if (!(e->flags & TW_EVENT_REMOVED))
      timeline->events->pdata[w++] = e;
  }
  g_ptr_array_set_size(timeline->events, w);
  timeline->removals = FALSE;
  g_clear_pointer(&timeline->by_id, g_hash_table_unref);
}

guint64
tw_timeline_get_n_merged(const TwTimeline *timeline)
{
  return timeline->n_merged;
}

guint
tw_timeline_get_n_events(const TwTimeline *timeline)
{
  return timeline->events->len;
}

const TwEvent *
tw_timeline_get_event(const TwTimeline *timeline, guint index)
{
  g_return_val_if_fail(index < timeline->events->len, NULL);
  return g_ptr_array_index(timeline->events, index);
}

gint
tw_timeline_find_event(const TwTimeline *timeline, const char *id)
{
  TwTimeline *tl = (TwTimeline *)timeline;
  if (!tl->by_id) {
    tl->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < tl->events->len; i++) {
      const TwEvent *e = g_ptr_array_index(tl->events, i);
      /* With the same id from different sources, the first in order wins. */
      if (!g_hash_table_contains(tl->by_id, e->id))
        g_hash_table_insert(tl->by_id, (gpointer)e->id, GUINT_TO_POINTER(i + 1));
    }
  }
  guint v = GPOINTER_TO_UINT(g_hash_table_lookup(tl->by_id, id));
  return v ? (gint)v - 1 : -1;
}

static TwEvent *
mutable_event(TwTimeline *timeline, guint index)
{
  g_return_val_if_fail(index < timeline->events->len, NULL);
  return g_ptr_array_index(timeline->events, index);
}

void
tw_timeline_add_tag(TwTimeline *timeline, guint index, const char *tag)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e || !tag || tw_event_has_tag(e, tag))
    return;
  const char **tags =
      _tw_arena_alloc(_tw_shard_get_arena(timeline->own), (e->n_tags + 1) * sizeof(char *));
  if (e->n_tags)
    memcpy(tags, e->tags, e->n_tags * sizeof(char *));
  tags[e->n_tags] = _tw_shard_intern(timeline->own, tag);
  e->tags = tags;
  e->n_tags++;
}

void
tw_timeline_set_attribute(TwTimeline *timeline, guint index, const char *key, const char *value)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e || !key || !value)
    return;
  const char *v = _tw_shard_strdup(timeline->own, value, strlen(value));
  for (guint i = 0; i < e->n_attributes; i++)
    if (strcmp(e->attributes[i].key, key) == 0) {
      /* Attribute arrays may be shared with a merged duplicate: copy before writing. */
      TwAttribute *attrs =
          _tw_arena_alloc(_tw_shard_get_arena(timeline->own), e->n_attributes * sizeof *attrs);
      memcpy(attrs, e->attributes, e->n_attributes * sizeof *attrs);
      attrs[i].value = v;
      e->attributes = attrs;
      return;
    }
  TwAttribute *attrs =
      _tw_arena_alloc(_tw_shard_get_arena(timeline->own), (e->n_attributes + 1) * sizeof *attrs);
  if (e->n_attributes)
    memcpy(attrs, e->attributes, e->n_attributes * sizeof *attrs);
  attrs[e->n_attributes].key = _tw_shard_intern(timeline->own, key);
  attrs[e->n_attributes].value = v;
  e->attributes = attrs;
  e->n_attributes++;
}

void
tw_timeline_remove_event(TwTimeline *timeline, guint index)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e)
    return;
  e->flags |= TW_EVENT_REMOVED;
  timeline->removals = TRUE;
}

void
tw_timeline_add_actor(TwTimeline *timeline, guint index, const char *actor)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e || !actor)
    return;
  for (guint i = 0; i < e->n_actors; i++)
    if (strcmp(e->actors[i], actor) == 0)
      return;
  const char **actors =
      _tw_arena_alloc(_tw_shard_get_arena(timeline->own), (e->n_actors + 1) * sizeof(char *));
  if (e->n_actors)
    memcpy(actors, e->actors, e->n_actors * sizeof(char *));
  actors[e->n_actors] = _tw_shard_intern(timeline->own, actor);
  e->actors = actors;
  e->n_actors++;
}

gboolean
tw_timeline_set_field(TwTimeline *timeline, guint index, const char *name, const char *value)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e || !name)
    return FALSE;
  const char **field = strcmp(name, "title") == 0         ? &e->title
                       : strcmp(name, "description") == 0 ? &e->description
                       : strcmp(name, "kind") == 0        ? &e->kind
                       : strcmp(name, "location") == 0    ? &e->location
                       : strcmp(name, "url") == 0         ? &e->url
                                                          : NULL;
  if (!field || (!value && field == &e->title))
    return FALSE;
  if (!value)
    *field = NULL;
  else if (field == &e->kind)
    *field = _tw_shard_intern(timeline->own, value);
  else
    *field = _tw_shard_strdup(timeline->own, value, strlen(value));
  return TRUE;
}

void
tw_timeline_set_geo(TwTimeline *timeline, guint index, double latitude, double longitude)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e)
    return;
  /* The array may be shared with a merged duplicate: a new one. */
  double *geo = _tw_arena_alloc(_tw_shard_get_arena(timeline->own), 2 * sizeof(double));
  geo[0] = latitude;
  geo[1] = longitude;
  e->geo = geo;
  e->flags |= TW_EVENT_HAS_GEO;
}

TwLink *
tw_timeline_add_link(TwTimeline *timeline, guint from, guint to, const char *rule, gint64 lag_min,
                     gint64 lag_max, TwCertainty certainty)
{
  g_return_val_if_fail(from < timeline->events->len && to < timeline->events->len, NULL);
  TwLink *link = _tw_arena_alloc(_tw_shard_get_arena(timeline->own), sizeof *link);
  link->from = tw_timeline_get_event(timeline, from)->id;
  link->to = tw_timeline_get_event(timeline, to)->id;
  link->rule = _tw_shard_intern(timeline->own, rule ? rule : "");
  link->lag_min = lag_min;
  link->lag_max = lag_max;
  link->certainty = certainty;
  g_ptr_array_add(timeline->links, link);
  return link;
}

TwFinding *
tw_timeline_add_finding(TwTimeline *timeline, const char *analyzer, const char *rule,
                        const char *kind, const char *summary)
{
  TwFinding *f = g_new0(TwFinding, 1);
  f->analyzer = _tw_shard_intern(timeline->own, analyzer ? analyzer : "");
  f->rule = _tw_shard_intern(timeline->own, rule ? rule : "");
  f->kind = _tw_shard_intern(timeline->own, kind ? kind : "");
  f->summary =
      _tw_shard_strdup(timeline->own, summary ? summary : "", summary ? strlen(summary) : 0);
  f->events = g_ptr_array_new();
  f->attributes = g_array_new(FALSE, FALSE, sizeof(TwAttribute));
  f->own = timeline->own;
  g_ptr_array_add(timeline->findings, f);
  return f;
}

void
tw_finding_add_event(TwFinding *finding, const TwTimeline *timeline, guint index)
{
  const TwEvent *e = tw_timeline_get_event(timeline, index);
  if (e)
    g_ptr_array_add(finding->events, (gpointer)e->id);
}

void
tw_finding_set_attribute(TwFinding *finding, const char *key, const char *value)
{
  const char *k = _tw_shard_intern(finding->own, key);
  const char *v = _tw_shard_strdup(finding->own, value, strlen(value));
  for (guint i = 0; i < finding->attributes->len; i++) {
    TwAttribute *a = &g_array_index(finding->attributes, TwAttribute, i);
    if (strcmp(a->key, k) == 0) {
      a->value = v;
      return;
    }
  }
  TwAttribute a = {k, v};
  g_array_append_val(finding->attributes, a);
}

guint
tw_timeline_get_n_links(const TwTimeline *timeline)
{
  return timeline->links->len;
}

const TwLink *
tw_timeline_get_link(const TwTimeline *timeline, guint index)
{
  g_return_val_if_fail(index < timeline->links->len, NULL);
  return g_ptr_array_index(timeline->links, index);
}

const char *
tw_link_get_from(const TwLink *link)
{
  return link->from;
}

const char *
tw_link_get_to(const TwLink *link)
{
  return link->to;
}

const char *
tw_link_get_rule(const TwLink *link)
{
  return link->rule;
}

gint64
tw_link_get_lag_min(const TwLink *link)
{
  return link->lag_min;
}

gint64
tw_link_get_lag_max(const TwLink *link)
{
  return link->lag_max;
}

TwCertainty
tw_link_get_certainty(const TwLink *link)
{
  return link->certainty;
}

guint
tw_timeline_get_n_findings(const TwTimeline *timeline)
{
  return timeline->findings->len;
}

const TwFinding *
tw_timeline_get_finding(const TwTimeline *timeline, guint index)
{
  g_return_val_if_fail(index < timeline->findings->len, NULL);
  return g_ptr_array_index(timeline->findings, index);
}

const char *
tw_finding_get_analyzer(const TwFinding *finding)
{
  return finding->analyzer;
}

const char *
tw_finding_get_rule(const TwFinding *finding)
{
  return finding->rule;
}

const char *
tw_finding_get_kind(const TwFinding *finding)
{
  return finding->kind;
}

const char *
tw_finding_get_summary(const TwFinding *finding)
{
  return finding->summary;
}

guint
tw_finding_get_n_events(const TwFinding *finding)
{
  return finding->events->len;
}

const char *
tw_finding_get_event(const TwFinding *finding, guint index)
{
  g_return_val_if_fail(index < finding->events->len, NULL);
  return g_ptr_array_index(finding->events, index);
}

guint
tw_finding_get_n_attributes(const TwFinding *finding)
{
  return finding->attributes->len;
}

const TwAttribute *
tw_finding_get_attribute(const TwFinding *finding, guint index)
{
  g_return_val_if_fail(index < finding->attributes->len, NULL);
  return &g_array_index(finding->attributes, TwAttribute, index);
}

const char *
tw_certainty_to_string(TwCertainty certainty)
{
  return certainty == TW_CERTAINTY_CERTAIN ? "certain" : "possible";
}
