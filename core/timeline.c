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
  GMutex lock;       /* guards shards while sinks close from several threads */
  GPtrArray *shards; /* TwShard, owned */
  guint32 *events;   /* sorted after finish, each as a reference (ref_event()) */
  guint n_events;
  TwEvent **blocks;    /* the shards' blocks of records, shard after shard: what references count */
  TwShard *own;        /* text added by analyzers: links, findings, tags */
  GPtrArray *links;    /* TwLink *, in the arena of @own */
  GPtrArray *findings; /* TwFinding *, owned */
  GHashTable *by_id;   /* id -> index + 1; built lazily, dropped when events change */
  guint64 n_merged;
  gboolean removals;
  /* An event was ever marked removed (by a merge or an analyzer): until then the shards' counts
   * of events are the timeline's, and a finish need not look at every record's flags. */
  gboolean ever_removed;
  guint64 sink_order; /* sinks opened so far */
  guint threads;      /* that tw_timeline_finish() may use */
  /* --memory-limit */
  guint64 memory_limit; /* bytes; 0: none */
  gint64 stored;        /* bytes the shards hold, as counted by their sinks (atomic) */
  GMutex spill_lock;    /* one thread writes a run at a time */
  TwSpill *spill;       /* once a run was written */
  GArray *kept_links;   /* KeptLink: the links of shards written to runs */
  gboolean spill_finished;
  GPtrArray *parked;      /* TwSink: done writing, not closed yet (under spill_lock) */
  GTimeZone *output_zone; /* NULL: UTC */
};

typedef struct {
  guint64 order; /* of the shard the link came from */
  guint index;   /* its place among the kept links (a sink's come in its order) */
  const char *from, *to, *rule;
  gint64 lag_min, lag_max;
  TwCertainty certainty;
} KeptLink;

/* A finished timeline keeps each event in its order as 4 bytes, not as an 8-byte pointer (40
 * MB at 10M events, at the run's peak): the number of the event's block among the shards'
 * blocks (@blocks), and its slot in that block. */
#define REF_SLOT_BITS TW_EVENT_REF_SLOT_BITS
G_STATIC_ASSERT(TW_SHARD_BLOCK_EVENTS <= (1u << REF_SLOT_BITS));
#define REF_MAX_BLOCKS (1u << (32 - REF_SLOT_BITS))

static inline TwEvent *
ref_event(const TwTimeline *tl, guint32 ref)
{
  return _tw_event_ref_resolve(tl->blocks, ref);
}

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
  g_mutex_init(&tl->spill_lock);
  tl->kept_links = g_array_new(FALSE, FALSE, sizeof(KeptLink));
  tl->parked = g_ptr_array_new();
  tl->shards = g_ptr_array_new_with_free_func((GDestroyNotify)_tw_shard_free);
  tl->own = _tw_shard_new();
  tl->links = g_ptr_array_new();
  tl->findings = g_ptr_array_new_with_free_func((GDestroyNotify)finding_free);
  tl->threads = 1;
  return tl;
}

void
tw_timeline_free(TwTimeline *timeline)
{
  if (!timeline)
    return;
  g_free(timeline->title);
  if (timeline->output_zone)
    g_time_zone_unref(timeline->output_zone);
  g_ptr_array_unref(timeline->shards);
  g_free(timeline->events);
  g_free(timeline->blocks);
  g_ptr_array_unref(timeline->links);
  g_ptr_array_unref(timeline->findings);
  g_clear_pointer(&timeline->by_id, g_hash_table_unref);
  _tw_shard_free(timeline->own);
  _tw_spill_free(timeline->spill);
  g_array_unref(timeline->kept_links);
  g_ptr_array_unref(timeline->parked);
  g_mutex_clear(&timeline->spill_lock);
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

void
tw_timeline_set_output_zone(TwTimeline *timeline, GTimeZone *zone)
{
  if (zone)
    g_time_zone_ref(zone);
  if (timeline->output_zone)
    g_time_zone_unref(timeline->output_zone);
  timeline->output_zone = zone;
}

GTimeZone *
tw_timeline_get_output_zone(const TwTimeline *timeline)
{
  return timeline->output_zone;
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
  TwTimeline *timeline = _tw_sink_get_timeline(sink);
  _tw_sink_unpark(sink);
  _tw_sink_check_memory(sink);
  TwShard *shard = _tw_sink_steal_shard(sink);
  /* On the thread that read it (whole sources are closed where they were read). */
  _tw_shard_sort(shard);
  _tw_timeline_adopt_shard(timeline, shard);
  tw_sink_free(sink);
  if (_tw_timeline_over_budget(timeline))
    _tw_timeline_spill(timeline, NULL);
}

gsize
_tw_timeline_get_memory(const TwTimeline *timeline)
{
  gsize total = _tw_shard_get_memory(timeline->own) + timeline->n_events * sizeof(guint32);
  if (timeline->blocks)
    total += timeline->shards->len * sizeof(TwEvent *); /* (at least: one block a shard) */
  for (guint s = 0; s < timeline->shards->len; s++)
    total += _tw_shard_get_memory(g_ptr_array_index(timeline->shards, s));
  return total;
}

guint64
_tw_timeline_next_sink_order(TwTimeline *timeline)
{
  return __atomic_fetch_add(&timeline->sink_order, 1, __ATOMIC_RELAXED);
}

void
_tw_timeline_adopt_shard(TwTimeline *timeline, TwShard *shard)
{
  g_mutex_lock(&timeline->lock);
  g_ptr_array_add(timeline->shards, shard);
  g_mutex_unlock(&timeline->lock);
}

/* -- --memory-limit: runs on disk -- */

void
_tw_timeline_set_memory_limit(TwTimeline *timeline, guint64 bytes)
{
  timeline->memory_limit = bytes;
}

void
_tw_timeline_count_memory(TwTimeline *timeline, gint64 delta)
{
  __atomic_add_fetch(&timeline->stored, delta, __ATOMIC_RELAXED);
}

/* Half the limit is for stored events: the rest is for sorting a run, reading, writing. */
gboolean
_tw_timeline_over_budget(TwTimeline *timeline)
{
  return timeline->memory_limit && __atomic_load_n(&timeline->stored, __ATOMIC_RELAXED) >
                                       (gint64)(timeline->memory_limit / 2);
}

gboolean
_tw_timeline_park(TwTimeline *timeline, TwSink *sink)
{
  if (!timeline->memory_limit)
    return FALSE;
  g_mutex_lock(&timeline->spill_lock);
  g_ptr_array_add(timeline->parked, sink);
  g_mutex_unlock(&timeline->spill_lock);
  return TRUE;
}

void
_tw_timeline_unpark(TwTimeline *timeline, TwSink *sink)
{
  g_mutex_lock(&timeline->spill_lock);
  g_ptr_array_remove_fast(timeline->parked, sink);
  g_mutex_unlock(&timeline->spill_lock);
}

void
_tw_timeline_drop_order(TwTimeline *timeline, guint64 order)
{
  g_mutex_lock(&timeline->spill_lock);
  if (!timeline->spill)
    timeline->spill = _tw_spill_new();
  _tw_spill_drop_order(timeline->spill, order);
  g_mutex_unlock(&timeline->spill_lock);
}

gboolean
_tw_timeline_is_spilled(const TwTimeline *timeline)
{
  return timeline->spill != NULL && timeline->n_events == 0 && timeline->shards->len == 0;
}

typedef struct {
  const TwEvent *first; /* a block of events */
  guint n;
  guint64 order, seq; /* its shard's order and the place of its first event */
} BlockSpan;

static int
compare_spans(const void *a, const void *b)
{
  const TwEvent *x = ((const BlockSpan *)a)->first, *y = ((const BlockSpan *)b)->first;
  return x < y ? -1 : x > y;
}

static int
compare_shard_orders(const void *a, const void *b)
{
  guint64 x = _tw_shard_get_order(*(TwShard *const *)a);
  guint64 y = _tw_shard_get_order(*(TwShard *const *)b);
  return x < y ? -1 : x > y;
}

/* Sorts the events of @shards into one run; keeps their links; frees them. Called with the
 * spill lock held. */
static void
spill_shards(TwTimeline *tl, GPtrArray *shards)
{
  g_ptr_array_sort(shards, compare_shard_orders);
  gsize n = 0, n_blocks = 0;
  for (guint s = 0; s < shards->len; s++) {
    n += _tw_shard_get_n_events(g_ptr_array_index(shards, s));
    n_blocks += _tw_shard_get_n_blocks(g_ptr_array_index(shards, s));
  }
  TwEvent **events = g_new(TwEvent *, MAX(n, 1));
  BlockSpan *spans = g_new(BlockSpan, MAX(n_blocks, 1));
  gsize at = 0, b = 0;
  for (guint s = 0; s < shards->len; s++) {
    TwShard *shard = g_ptr_array_index(shards, s);
    guint64 seq = _tw_shard_get_base_seq(shard);
    for (guint k = 0; k < _tw_shard_get_n_blocks(shard); k++) {
      guint count;
      TwEvent *block = _tw_shard_get_block(shard, k, &count);
      spans[b++] = (BlockSpan){block, count, _tw_shard_get_order(shard), seq};
      for (guint i = 0; i < count; i++)
        events[at++] = &block[i];
      seq += count;
    }
  }
  _tw_timeline_sort_events(events, n);
  /* Each event's shard order and place, found from its address. */
  qsort(spans, n_blocks, sizeof *spans, compare_spans);
  guint64 *orders = g_new(guint64, MAX(n, 1));
  guint64 *seqs = g_new(guint64, MAX(n, 1));
  for (gsize i = 0; i < n; i++) {
    gsize lo = 0, hi = n_blocks;
    while (hi - lo > 1) {
      gsize mid = (lo + hi) / 2;
      if (spans[mid].first <= events[i])
        lo = mid;
      else
        hi = mid;
    }
    orders[i] = spans[lo].order;
    seqs[i] = spans[lo].seq + (guint64)(events[i] - spans[lo].first);
  }
  if (n > 0)
    _tw_spill_write_run(tl->spill, events, orders, seqs, n);
  g_free(orders);
  g_free(seqs);
  g_free(spans);
  g_free(events);

  /* The links stay, with the text they need, until the timeline is finished. */
  for (guint s = 0; s < shards->len; s++) {
    TwShard *shard = g_ptr_array_index(shards, s);
    for (guint i = 0; i < _tw_shard_get_n_links(shard); i++) {
      /* A sink's shards go to runs one after another: the order of arrival is its order. */
      KeptLink link = {.order = _tw_shard_get_order(shard), .index = tl->kept_links->len};
      const char *from, *to, *rule;
      _tw_shard_get_link(shard, i, &from, &to, &rule, &link.lag_min, &link.lag_max,
                         &link.certainty);
      link.from = _tw_shard_strdup(tl->own, from, strlen(from));
      link.to = _tw_shard_strdup(tl->own, to, strlen(to));
      link.rule = _tw_shard_intern(tl->own, rule);
      g_array_append_val(tl->kept_links, link);
    }
    _tw_timeline_count_memory(tl, -(gint64)_tw_shard_get_reported(shard));
    _tw_shard_free(shard);
  }
}

void
_tw_timeline_spill(TwTimeline *timeline, TwShard *shard)
{
  g_mutex_lock(&timeline->spill_lock);
  if (!timeline->spill)
    timeline->spill = _tw_spill_new();
  /* The closed shards go with it: a run of about half the limit, not one per sink. */
  g_autoptr(GPtrArray) shards = g_ptr_array_new();
  g_mutex_lock(&timeline->lock);
  for (guint i = 0; i < timeline->shards->len; i++)
    g_ptr_array_add(shards, timeline->shards->pdata[i]);
  g_ptr_array_set_free_func(timeline->shards, NULL);
  g_ptr_array_set_size(timeline->shards, 0);
  g_ptr_array_set_free_func(timeline->shards, (GDestroyNotify)_tw_shard_free);
  g_mutex_unlock(&timeline->lock);
  for (guint i = 0; i < timeline->parked->len; i++) {
    TwSink *sink = g_ptr_array_index(timeline->parked, i);
    if (_tw_sink_get_n_stored(sink) > 0)
      g_ptr_array_add(shards, _tw_sink_swap_shard(sink));
  }
  if (shard)
    g_ptr_array_add(shards, shard);
  spill_shards(timeline, shards);
  g_mutex_unlock(&timeline->spill_lock);
}

static int
compare_kept_links(const void *a, const void *b)
{
  const KeptLink *x = a, *y = b;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* tw_timeline_finish() for a timeline that went to disk. Once only: its runs are merged into
 * the one sorted run the exporters read, and more sinks after that have nowhere to go (a job,
 * the only way to a memory limit, finishes its timeline once). */
static void
finish_spilled(TwTimeline *tl)
{
  g_return_if_fail(!tl->spill_finished);
  tl->spill_finished = TRUE;
  _tw_timeline_spill(tl, NULL);
  g_array_sort(tl->kept_links, compare_kept_links);
  g_autoptr(GPtrArray) ends = g_ptr_array_new();
  for (guint i = 0; i < tl->kept_links->len; i++) {
    KeptLink *link = &g_array_index(tl->kept_links, KeptLink, i);
    g_ptr_array_add(ends, (gpointer)link->from);
    g_ptr_array_add(ends, (gpointer)link->to);
  }
  if (!_tw_spill_finish(tl->spill, tl, (const char *const *)ends->pdata, ends->len, NULL))
    return; /* the error stays in the spill, for _tw_timeline_check() */
  tl->n_merged = _tw_spill_get_n_merged(tl->spill);
  for (guint i = 0; i < tl->kept_links->len; i++) {
    KeptLink *k = &g_array_index(tl->kept_links, KeptLink, i);
    /* As resolve_links(): both ends in the timeline, from a sink that was not dropped. */
    if (_tw_spill_is_dropped(tl->spill, k->order) ||
        _tw_spill_find_link_end(tl->spill, k->from) < 0 ||
        _tw_spill_find_link_end(tl->spill, k->to) < 0)
      continue;
    TwLink *link = _tw_arena_alloc(_tw_shard_get_arena(tl->own), sizeof *link);
    *link = (TwLink){k->from, k->to, k->rule, k->lag_min, k->lag_max, k->certainty};
    g_ptr_array_add(tl->links, link);
  }
}

gboolean
_tw_timeline_get_spill(const TwTimeline *timeline, guint *n_runs, guint64 *n_bytes)
{
  if (!timeline->spill)
    return FALSE;
  _tw_spill_get_stats(timeline->spill, n_runs, n_bytes);
  return *n_runs > 0;
}

gboolean
_tw_timeline_check(const TwTimeline *timeline, GError **error)
{
  return !timeline->spill || _tw_spill_get_error(timeline->spill, error);
}

/* -- sorting: LSD radix on the start, the full order only among equal starts -- */

void
_tw_timeline_set_threads(TwTimeline *timeline, guint threads)
{
  timeline->threads = MAX(1, threads);
}

/* Below this many events a second thread costs more than it saves. */
#define SPLIT_MIN_EVENTS 16384

typedef struct {
  void (*func)(gpointer data, gsize from, gsize to, gsize n);
  gpointer data;
  gsize from, to, n;
} HalfTask;

static gpointer
run_half(gpointer data)
{
  HalfTask *task = data;
  task->func(task->data, task->from, task->to, task->n);
  return NULL;
}

/* Calls @func over [0, @n): as [0, n/2) here and [n/2, n) on a second thread when the
 * timeline may use two and @n is worth it, else once over the whole. */
static void
split_in_two(const TwTimeline *tl, gsize n,
             void (*func)(gpointer data, gsize from, gsize to, gsize n), gpointer data)
{
  if (tl->threads < 2 || n < SPLIT_MIN_EVENTS) {
    func(data, 0, n, n);
    return;
  }
  HalfTask second = {func, data, n / 2, n, n};
  GThread *thread = g_thread_new("tw-finish", run_half, &second);
  func(data, 0, n / 2, n);
  g_thread_join(thread);
}

static int
compare_events_stable(gconstpointer a, gconstpointer b, gpointer data)
{
  return tw_event_compare(*(const TwEvent *const *)a, *(const TwEvent *const *)b);
}

/* All eight byte histograms are counted in one pass, and bytes that every key shares (the high
 * bytes of times from one era) cost no pass. */
TwSortPair *
_tw_sort_pairs(TwSortPair *a, TwSortPair *tmp, gsize n)
{
  if (n == 0)
    return a;
  gsize(*counts)[256] = g_malloc0(8 * sizeof *counts);
  for (gsize i = 0; i < n; i++) {
    guint64 k = a[i].key;
    for (guint d = 0; d < 8; d++)
      counts[d][(k >> (8 * d)) & 0xff]++;
  }
  for (guint d = 0; d < 8; d++) {
    gsize *c = counts[d];
    if (c[(a[0].key >> (8 * d)) & 0xff] == n)
      continue;
    gsize sum = 0;
    for (guint v = 0; v < 256; v++) {
      gsize x = c[v];
      c[v] = sum;
      sum += x;
    }
    for (gsize i = 0; i < n; i++)
      tmp[c[(a[i].key >> (8 * d)) & 0xff]++] = a[i];
    TwSortPair *swap = a;
    a = tmp;
    tmp = swap;
  }
  g_free(counts);
  return a;
}

/* Puts each run of equal starts in the full order (end, precision, source, id). */
static void
sort_ties(TwEvent **events, gsize n)
{
  for (gsize i = 0; i < n;) {
    gsize j = i + 1;
    while (j < n && events[j]->start == events[i]->start)
      j++;
    if (j - i > 16) {
      /* Stable: equal events keep their input order (the shards' order, then each shard's). */
      g_qsort_with_data(events + i, (gint)(j - i), sizeof *events, compare_events_stable, NULL);
    } else {
      for (gsize k = i + 1; k < j; k++) {
        TwEvent *e = events[k];
        gsize m = k;
        while (m > i && tw_event_compare(events[m - 1], e) > 0) {
          events[m] = events[m - 1];
          m--;
        }
        events[m] = e;
      }
    }
    i = j;
  }
}

/* -- merging the sorted shards --
 *
 * Each shard was sorted when its sink was done (_tw_shard_sort()), on the thread that read it,
 * so finishing is a k-way merge: a tree of losers over the shards' next events, log2(k)
 * comparisons an event, reading each shard's records in the order they lie in memory. Ties go
 * to the earlier shard, so the result is the order a stable sort of all the events would give.
 * With two threads, one merges the first half of the order from the front and the other the
 * second half from the back: neither needs to know where the other stops. */

typedef struct {
  const TwShard *shard;
  TwEvent *at; /* the next record to give; NULL when none is left */
  guint n_blocks;
  guint base;  /* the number of the shard's first block among all (see ref_event()) */
  guint block; /* the block of @at */
  guint count; /* the records of that block */
  guint32 ref; /* @at's reference, as the timeline keeps it: its slot is in the low bits */
} MergeLeaf;

#define REF_SLOT(ref) ((ref) & ((1u << REF_SLOT_BITS) - 1))

static void
leaf_load(MergeLeaf *leaf, gboolean backward)
{
  TwEvent *first = _tw_shard_get_block(leaf->shard, leaf->block, &leaf->count);
  guint slot = backward ? leaf->count - 1 : 0;
  leaf->at = first + slot;
  leaf->ref = (guint32)(leaf->base + leaf->block) << REF_SLOT_BITS | slot;
}

/* Moves @leaf to its next record (its previous, @backward), whatever that record is. */
static inline void
leaf_step(MergeLeaf *leaf, gboolean backward)
{
  if (!backward) {
    if (REF_SLOT(leaf->ref) + 1 < leaf->count) {
      leaf->at++;
      leaf->ref++;
    } else if (++leaf->block < leaf->n_blocks) {
      leaf_load(leaf, FALSE);
    } else {
      leaf->at = NULL;
    }
  } else {
    if (REF_SLOT(leaf->ref) > 0) {
      leaf->at--;
      leaf->ref--;
    } else if (leaf->block-- > 0) {
      leaf_load(leaf, TRUE);
    } else {
      leaf->at = NULL;
    }
  }
}

/* Passes over records that are not in the timeline: duplicates merged into another. */
static void
leaf_skip_removed(MergeLeaf *leaf, gboolean backward)
{
  while (leaf->at && (leaf->at->flags & TW_EVENT_REMOVED))
    leaf_step(leaf, backward);
}

/* @any_removed: whether any record is to be passed over. */
static inline void
leaf_advance(MergeLeaf *leaf, gboolean backward, gboolean any_removed)
{
  leaf_step(leaf, backward);
  if (any_removed)
    leaf_skip_removed(leaf, backward);
}

/* Whether leaf @x's next event goes out before leaf @y's (after it, merging @backward). */
static inline gboolean
leaf_beats(const MergeLeaf *leaves, guint x, guint y, gboolean backward)
{
  const TwEvent *a = leaves[x].at, *b = leaves[y].at;
  if (!a || !b)
    return a != NULL || (b == NULL && x < y);
  int c;
  if (a->start != b->start)
    c = a->start < b->start ? -1 : 1;
  else if ((c = tw_event_compare(a, b)) == 0)
    c = x < y ? -1 : 1;
  return backward ? c > 0 : c < 0;
}

typedef struct {
  GPtrArray *shards;
  const guint *bases; /* each shard's first block's number */
  gboolean any_removed;
  guint32 *events;
} MergeRun;

/* Writes events [@from, @to) of the merged order: from the front when @from is 0, else from the
 * back (then @to is @n). */
static void
merge_part(gpointer data, gsize from, gsize to, gsize n)
{
  MergeRun *run = data;
  gboolean backward = from > 0;
  guint k = run->shards->len, size = 1;
  while (size < k)
    size *= 2;
  MergeLeaf *leaves = g_new0(MergeLeaf, size);
  for (guint i = 0; i < k; i++) {
    MergeLeaf *leaf = &leaves[i];
    leaf->shard = g_ptr_array_index(run->shards, i);
    leaf->n_blocks = _tw_shard_get_n_blocks(leaf->shard);
    leaf->base = run->bases[i];
    if (leaf->n_blocks) {
      leaf->block = backward ? leaf->n_blocks - 1 : 0;
      leaf_load(leaf, backward);
      leaf_skip_removed(leaf, backward);
    }
  }
  /* losers[node] is the leaf that lost at that node; losers[0] the overall winner. The tree is
   * built bottom up through a scratch array of each node's winner. */
  guint *losers = g_new(guint, size);
  guint *winners = g_new(guint, 2 * size);
  for (guint i = 0; i < size; i++)
    winners[size + i] = i;
  for (guint node = size - 1; node >= 1; node--) {
    guint l = winners[2 * node], r = winners[2 * node + 1];
    gboolean left = leaf_beats(leaves, l, r, backward);
    winners[node] = left ? l : r;
    losers[node] = left ? r : l;
  }
  losers[0] = winners[1];
  g_free(winners);

  guint32 *out = backward ? run->events + n - 1 : run->events;
  for (gsize i = from; i < to; i++) {
    guint w = losers[0];
    *out = leaves[w].ref;
    out += backward ? -1 : 1;
    leaf_advance(&leaves[w], backward, run->any_removed);
    for (guint node = (w + size) / 2; node >= 1; node /= 2) {
      if (leaf_beats(leaves, losers[node], w, backward)) {
        guint swap = losers[node];
        losers[node] = w;
        w = swap;
      }
    }
    losers[0] = w;
  }
  g_free(losers);
  g_free(leaves);
}

/* Merges the sorted shards' events into @timeline->events, but for those removed: @n events. */
static void
merge_shards(TwTimeline *tl, gsize n)
{
  g_clear_pointer(&tl->events, g_free);
  g_clear_pointer(&tl->blocks, g_free);
  g_clear_pointer(&tl->by_id, g_hash_table_unref);
  tl->n_events = 0;
  if (n == 0)
    return;
  g_return_if_fail(n <= G_MAXUINT);
  guint *bases = g_new(guint, tl->shards->len);
  gsize n_blocks = 0, total = 0;
  for (guint s = 0; s < tl->shards->len; s++) {
    bases[s] = (guint)MIN(n_blocks, G_MAXUINT);
    n_blocks += _tw_shard_get_n_blocks(g_ptr_array_index(tl->shards, s));
    total += _tw_shard_get_n_events(g_ptr_array_index(tl->shards, s));
  }
  if (n_blocks > REF_MAX_BLOCKS) {
    /* 2^20 blocks: over 4 billion events, or a million shards (a file is a shard every 16
     * MiB, a source with its files one). Going on would lose events: stop. */
    g_error("a timeline of %" G_GSIZE_FORMAT " blocks of events: timeweave handles %u "
            "(4095 events each; a source or a 16 MiB chunk of a file starts a block)",
            n_blocks, REF_MAX_BLOCKS);
  }
  tl->blocks = g_new(TwEvent *, MAX(n_blocks, 1));
  for (guint s = 0; s < tl->shards->len; s++) {
    const TwShard *shard = g_ptr_array_index(tl->shards, s);
    for (guint b = 0; b < _tw_shard_get_n_blocks(shard); b++) {
      guint count;
      tl->blocks[bases[s] + b] = _tw_shard_get_block(shard, b, &count);
    }
  }
  MergeRun run = {tl->shards, bases, n < total, g_new(guint32, n)};
  split_in_two(tl, n, merge_part, &run);
  g_free(bases);
  tl->events = run.events;
  tl->n_events = (guint)n;
}

void
_tw_timeline_sort_events(TwEvent **events, gsize n)
{
  if (n < 2)
    return;
  TwSortPair *pairs = g_new(TwSortPair, n);
  for (gsize i = 0; i < n; i++) {
    pairs[i].key = _tw_event_sort_key(events[i]);
    pairs[i].event = events[i];
  }
  TwSortPair *tmp = g_new(TwSortPair, n);
  TwSortPair *sorted = _tw_sort_pairs(pairs, tmp, n);
  for (gsize i = 0; i < n; i++)
    events[i] = sorted[i].event;
  g_free(pairs);
  g_free(tmp);
  sort_ties(events, n);
}

/* -- merging duplicates -- */

typedef struct {
  guint32 hash; /* the high half of the id's 64-bit hash */
  guint32 index;
} IdSlot;

/* Sorts @n slots by the low @bits bits of their hash (stable: LSD radix, 8 bits a pass; a
 * bucket holds a few hundred slots, so the counts are kept small). */
static IdSlot *
sort_id_slots(IdSlot *a, IdSlot *tmp, gsize n, guint bits)
{
  if (n < 16) {
    /* Insertion sort, stable; the keys are the low bits, but equal hashes are what matter and
     * the bucket's slots share their high bits. */
    for (gsize i = 1; i < n; i++) {
      IdSlot s = a[i];
      gsize j = i;
      while (j > 0 && a[j - 1].hash > s.hash) {
        a[j] = a[j - 1];
        j--;
      }
      a[j] = s;
    }
    return a;
  }
  for (guint shift = 0; shift < bits; shift += 8) {
    gsize counts[256] = {0};
    for (gsize i = 0; i < n; i++)
      counts[(a[i].hash >> shift) & 255]++;
    gsize sum = 0;
    for (guint v = 0; v < 256; v++) {
      gsize x = counts[v];
      counts[v] = sum;
      sum += x;
    }
    for (gsize i = 0; i < n; i++)
      tmp[counts[(a[i].hash >> shift) & 255]++] = a[i];
    IdSlot *swap = a;
    a = tmp;
    tmp = swap;
  }
  return a;
}

static gboolean
str_in(const char *const *list, guint n, const char *s)
{
  for (guint i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0)
      return TRUE;
  return FALSE;
}

/* A copy of @e's rarer fields that may be changed: they may be shared with other events. */
static TwEventMore *
own_more(TwTimeline *tl, TwEvent *e)
{
  TwEventMore *more = _tw_arena_alloc(_tw_shard_get_arena(tl->own), sizeof *more);
  if (e->more)
    *more = *e->more;
  else
    memset(more, 0, sizeof *more);
  e->more = more;
  return more;
}

/* Writes @e's attributes as pairs into @pairs (room for n_attributes of them). */
static void
copy_attributes(TwAttribute *pairs, const TwEvent *e)
{
  for (guint i = 0; i < e->n_attributes; i++)
    pairs[i] = _tw_event_attribute(e, i);
}

/* Folds @dup into @keep: fields @keep lacks are taken from @dup, lists and attributes are
 * united. @keep comes first in the timeline's order, so the result does not depend on the order
 * in which the duplicates were read. */
void
_tw_timeline_merge_into(TwTimeline *tl, TwEvent *keep, const TwEvent *dup)
{
  TwArena *arena = _tw_shard_get_arena(tl->own);
  const TwEventNames *kn = keep->names, *dn = dup->names;
  if ((!kn->kind && dn->kind) || (!kn->zone && dn->zone))
    keep->names = _tw_shard_names(tl->own, kn->source, kn->kind ? kn->kind : dn->kind,
                                  kn->zone ? kn->zone : dn->zone, kn->keys, kn->n_keys);
  const TwEventMore *dm = dup->more;
  if (dm) {
    const TwEventMore *km = keep->more;
    guint extra = 0;
    for (guint i = 0; i < dm->n_actors; i++)
      extra += !km || !str_in(km->actors, km->n_actors, dm->actors[i]);
    gboolean take_geo = !(keep->flags & TW_EVENT_HAS_GEO) && (dup->flags & TW_EVENT_HAS_GEO);
    if ((!(km && km->description) && dm->description) || (!(km && km->location) && dm->location) ||
        (!(km && km->url) && dm->url) || take_geo || extra) {
      TwEventMore *more = own_more(tl, keep);
      if (!more->description)
        more->description = dm->description;
      if (!more->location)
        more->location = dm->location;
      if (!more->url)
        more->url = dm->url;
      if (take_geo) {
        more->geo[0] = dm->geo[0];
        more->geo[1] = dm->geo[1];
        keep->flags |= TW_EVENT_HAS_GEO;
      }
      if (extra) {
        const char **actors = _tw_arena_alloc(arena, (more->n_actors + extra) * sizeof(char *));
        if (more->n_actors)
          memcpy(actors, more->actors, more->n_actors * sizeof(char *));
        guint n = more->n_actors;
        for (guint i = 0; i < dm->n_actors; i++)
          if (!str_in(actors, n, dm->actors[i]))
            actors[n++] = dm->actors[i];
        more->actors = actors;
        more->n_actors = (guint16)n;
      }
    }
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
  for (guint i = 0; i < dup->n_attributes; i++)
    extra += tw_event_lookup_attribute(keep, _tw_event_attribute_key(dup, i)) == NULL;
  if (extra) {
    TwAttribute *attrs = _tw_arena_alloc(arena, (keep->n_attributes + extra) * sizeof *attrs);
    guint n = keep->n_attributes;
    copy_attributes(attrs, keep);
    for (guint i = 0; i < dup->n_attributes; i++)
      if (tw_event_lookup_attribute(keep, _tw_event_attribute_key(dup, i)) == NULL)
        attrs[n++] = _tw_event_attribute(dup, i);
    keep->attributes = attrs;
    keep->n_attributes = (guint16)n;
  }
}

/* The events of the timeline's shards in the order they lie in memory: shard after shard, each
 * one's blocks in turn. The duplicate search runs in this order, before the shards are merged,
 * so that its arrays and the merged one are never in memory at once. Each shard is sorted, and
 * the merge gives equal events in shard order: so among events of one id, the timeline's order
 * is _tw_event_compare_with_ids() without the ids, then the place in this order. */
typedef struct {
  GPtrArray *shards;
  gsize *starts; /* where each shard begins; starts[shards->len]: all the events */
} ShardOrder;

/* The shard of the event at @place: the last one that begins at or before it. */
static guint
shard_order_find(const ShardOrder *order, gsize place)
{
  guint lo = 0, hi = order->shards->len;
  while (hi - lo > 1) {
    guint mid = (lo + hi) / 2;
    if (order->starts[mid] <= place)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static TwEvent *
shard_order_event(const ShardOrder *order, gsize place)
{
  guint s = shard_order_find(order, place);
  return _tw_shard_get_event(g_ptr_array_index(order->shards, s), place - order->starts[s]);
}

typedef struct {
  const ShardOrder *order;
  guint32 *hashes;  /* the high half of each id's 64-bit hash, by place */
  gsize removed[2]; /* events removed before (a timeline finished twice), by half */
} IdHashing;

static void
hash_ids(gpointer data, gsize from, gsize to, gsize n)
{
  IdHashing *h = data;
  const ShardOrder *order = h->order;
  gsize removed = 0;
  guint s = shard_order_find(order, from);
  for (gsize i = from; i < to;) {
    while (i >= order->starts[s + 1])
      s++;
    const TwShard *shard = g_ptr_array_index(order->shards, s);
    gsize at = i - order->starts[s];
    guint count, slot = (guint)(at % TW_SHARD_BLOCK_EVENTS);
    const TwEvent *block = _tw_shard_get_block(shard, (guint)(at / TW_SHARD_BLOCK_EVENTS), &count);
    gsize run = MIN(count - slot, to - i);
    const TwEvent *events = block + slot;
    guint32 *hashes = h->hashes + i;
    for (gsize k = 0; k < run; k++) {
      /* The records come in the order they lie, but a derived id is made of the title (with
       * the interned source), which lies where it was read, before the shard was sorted:
       * asking for it ahead lets those misses overlap. An id kept as a number is in the
       * record. */
      if (k + 8 < run) {
        const TwEvent *ahead = &events[k + 8];
        __builtin_prefetch(ahead->id ? _tw_id_address(ahead->id) : ahead->title);
      }
      if (events[k].flags & TW_EVENT_REMOVED) {
        hashes[k] = 0;
        removed++;
      } else {
        hashes[k] = _tw_event_id_hash32(&events[k]);
      }
    }
    i += run;
  }
  h->removed[from > 0] = removed;
  (void)n;
}

typedef struct {
  TwEvent *event;
  gsize place;
  const char *id; /* its id's text: stored with the event, or NULL: in @buffer */
  char buffer[TW_ID_TEXT_SIZE];
} IdMember;

static const char *
id_member_id(const IdMember *m)
{
  return m->id ? m->id : m->buffer;
}

/* By id and source, then in the timeline's order (see ShardOrder). */
static int
compare_id_members(const void *a, const void *b)
{
  const IdMember *x = a, *y = b;
  int c = strcmp(id_member_id(x), id_member_id(y));
  if (c)
    return c;
  if (x->event->names->source != y->event->names->source &&
      (c = strcmp(x->event->names->source, y->event->names->source)) != 0)
    return c;
  if ((c = _tw_event_compare_with_ids(x->event, "", y->event, "")) != 0)
    return c;
  return x->place < y->place ? -1 : x->place > y->place;
}

/* Merges the duplicates among @n (hash, place) slots, sorted by hash. A run of equal hashes
 * may hold several ids (a 32-bit hash is a prefix of a hashed id's value, and ids of that form
 * given as text, say UUIDs of one minute without their dashes, can share it): its events are
 * sorted by id and source, and then in the timeline's order, so that the first of each id
 * keeps and the others are folded into it in that order. Sorting keeps a run of many ids
 * from costing the square of its size. */
static void
merge_id_group(TwTimeline *tl, const ShardOrder *order, const IdSlot *sorted, gsize n,
               GArray *members)
{
  for (gsize i = 0; i < n;) {
    gsize j = i + 1;
    while (j < n && sorted[j].hash == sorted[i].hash)
      j++;
    g_array_set_size(members, 0);
    for (gsize k = i; j - i > 1 && k < j; k++) {
      TwEvent *e = shard_order_event(order, sorted[k].index);
      if (e->flags & TW_EVENT_REMOVED)
        continue;
      g_array_set_size(members, members->len + 1);
      IdMember *m = &g_array_index(members, IdMember, members->len - 1);
      m->event = e;
      m->place = sorted[k].index;
      const char *id = _tw_event_id_text(e, m->buffer);
      m->id = id == m->buffer ? NULL : id;
    }
    if (members->len > 1)
      qsort(members->data, members->len, sizeof(IdMember), compare_id_members);
    const IdMember *group = (const IdMember *)(gpointer)members->data;
    for (guint a = 0, id_first = 0; a < members->len;) {
      TwEvent *keep = group[a].event;
      guint b = a + 1;
      for (; b < members->len; b++) {
        const TwEvent *dup = group[b].event;
        if (strcmp(id_member_id(&group[a]), id_member_id(&group[b])) != 0 ||
            strcmp(keep->names->source, dup->names->source) != 0)
          break;
        _tw_timeline_merge_into(tl, keep, dup);
        group[b].event->flags |= TW_EVENT_REMOVED;
        tl->ever_removed = TRUE;
        tl->n_merged++;
      }
      /* The id's events from other sources follow (sorted by id, then source): when the id
       * ends here, every source's first event of it is marked if there were several sources. */
      if (b == members->len || strcmp(id_member_id(&group[a]), id_member_id(&group[b])) != 0) {
        if (a != id_first)
          for (guint k = id_first; k <= a; k++)
            if (!(group[k].event->flags & TW_EVENT_REMOVED))
              group[k].event->flags |= TW_EVENT_SHARED_ID;
        id_first = b;
      }
      a = b;
    }
    i = j;
  }
}

/* The buckets of one pass of the duplicate search, and what each half of them found. */
typedef struct {
  const guint32 *hashes;  /* by event */
  const guint32 *indices; /* the pass's events' places, bucket after bucket, ascending */
  const gsize *starts;    /* where each bucket begins in @indices; one more at the end */
  gsize biggest;          /* slots in the largest bucket */
  guint n_buckets;        /* in this pass */
  guint shift;            /* the bits below a bucket's: what sorting a bucket orders by */
  GArray *found[2];       /* IdSlot: the groups of equal hashes, bucket by bucket, in each half */
} IdBuckets;

/* Sorts the buckets of [@from, @to) of @n (scaled to buckets) and keeps their groups of equal
 * hashes. Only reads the events' hashes, so the two halves run at once; the merging, which
 * changes events, is done after, in bucket order, as one thread would. */
static void
find_id_groups(gpointer data, gsize from, gsize to, gsize n)
{
  IdBuckets *ib = data;
  guint b0 = (guint)((guint64)from * ib->n_buckets / n);
  guint b1 = (guint)((guint64)to * ib->n_buckets / n);
  GArray *found = g_array_new(FALSE, FALSE, sizeof(IdSlot));
  ib->found[from > 0] = found;
  IdSlot *slots = g_new(IdSlot, ib->biggest);
  IdSlot *tmp = g_new(IdSlot, ib->biggest);
  for (guint b = b0; b < b1; b++) {
    gsize m = ib->starts[b + 1] - ib->starts[b];
    if (m < 2)
      continue;
    for (gsize t = 0; t < m; t++) {
      guint32 index = ib->indices[ib->starts[b] + t];
      slots[t] = (IdSlot){ib->hashes[index], index};
    }
    /* The bucket's hashes share their top bits: the low ones decide. Groups of two buckets
     * differ in those top bits, so the groups kept one after another stay apart. */
    const IdSlot *sorted = sort_id_slots(slots, tmp, m, ib->shift);
    for (gsize i = 0; i < m;) {
      gsize j = i + 1;
      while (j < m && sorted[j].hash == sorted[i].hash)
        j++;
      if (j - i > 1)
        g_array_append_vals(found, sorted + i, (guint)(j - i));
      i = j;
    }
  }
  g_free(slots);
  g_free(tmp);
}

/* One shard's ids when they are line numbers (_tw_shard_get_number_ids()). */
typedef struct {
  const char *source;
  guint64 first, last;
} NumberIds;

static int
compare_number_ids(gconstpointer a, gconstpointer b)
{
  const NumberIds *x = a, *y = b;
  int c = strcmp(x->source, y->source);
  return c ? c : (x->first > y->first) - (x->first < y->first);
}

/* Whether no two events can share an id, so that the search for duplicates would find none:
 * every shard's ids are its source's line numbers, ascending, and no two shards of one source
 * name have ranges that meet (the chunks of one file, or different files). An id is a hash of
 * the source's name and the number, so then every id differs (a 128-bit hash has no collision
 * to find here), and no event gave one as text that could equal it. 10M CSV events: the search
 * took 0.48 s of the run, all of it finding that no id repeats. */
static gboolean
ids_all_distinct(const TwTimeline *tl)
{
  guint n = tl->shards->len;
  g_autofree NumberIds *ranges = g_new(NumberIds, MAX(n, 1));
  guint used = 0;
  for (guint s = 0; s < n; s++) {
    const TwShard *shard = g_ptr_array_index(tl->shards, s);
    if (_tw_shard_get_n_events(shard) == 0)
      continue;
    NumberIds *r = &ranges[used++];
    if (!_tw_shard_get_number_ids(shard, &r->source, &r->first, &r->last))
      return FALSE;
  }
  qsort(ranges, used, sizeof *ranges, compare_number_ids);
  for (guint i = 1; i < used; i++)
    if (strcmp(ranges[i - 1].source, ranges[i].source) == 0 &&
        ranges[i - 1].last >= ranges[i].first)
      return FALSE;
  return TRUE;
}

/* Events that one source gave twice with one id are one happening: merge them. Sorting
 * (hash, place) pairs finds them without a hash table over every event: the places (see
 * ShardOrder) are first put in buckets by the hash's top bits, and each bucket is sorted on its
 * own; within a group of equal hashes, the first in the timeline's order keeps. The buckets are
 * taken a quarter at a time, so that beyond the events this takes 5 bytes an event (a hash, and
 * a place for a quarter of them), not 8. This runs before the shards are merged, when the
 * timeline's memory is at its peak, and its arrays are freed before the merged array of 4
 * bytes an event is made. (The groups of equal hashes a pass finds take 8 bytes for each of
 * their events besides: little, unless most events of a timeline repeat.) The duplicates are
 * marked removed, and the merge passes over them. Returns how many events are not removed. */
#define DUPLICATE_PASSES 4

static gsize
merge_duplicates(TwTimeline *tl)
{
  ShardOrder order = {tl->shards, g_new(gsize, tl->shards->len + 1)};
  order.starts[0] = 0;
  for (guint s = 0; s < tl->shards->len; s++)
    order.starts[s + 1] =
        order.starts[s] + (gsize)_tw_shard_get_n_events(g_ptr_array_index(tl->shards, s));
  const gsize n = order.starts[tl->shards->len];
  /* (More than 2^32 events cannot be merged below either: merge_shards() refuses them.) */
  if (n < 2 || n > G_MAXUINT32 || ids_all_distinct(tl)) {
    /* (Reading every record's flags took 0.18 s of 10M events, the other core idle.) */
    gsize kept = 0;
    for (guint s = 0; tl->ever_removed && s < tl->shards->len; s++) {
      const TwShard *shard = g_ptr_array_index(tl->shards, s);
      for (guint b = 0; b < _tw_shard_get_n_blocks(shard); b++) {
        guint count;
        const TwEvent *block = _tw_shard_get_block(shard, b, &count);
        for (guint k = 0; k < count; k++)
          kept += !(block[k].flags & TW_EVENT_REMOVED);
      }
    }
    g_free(order.starts);
    return tl->ever_removed ? kept : n;
  }
  IdHashing hashing = {&order, g_new(guint32, n), {0, 0}};
  split_in_two(tl, n, hash_ids, &hashing);
  const guint32 *hashes = hashing.hashes;
  guint64 merged_before = tl->n_merged;
  /* About 256 slots a bucket: few enough that sorting one stays in the cache. */
  guint bucket_bits = 0;
  while (bucket_bits < 16 && (n >> (bucket_bits + 8)) > 0)
    bucket_bits++;
  const guint n_buckets = 1u << bucket_bits, shift = 32 - bucket_bits;
  /* (A shift by 32 is undefined: with one bucket, every hash goes to it.) */
#define BUCKET_OF(hash) (bucket_bits ? (hash) >> shift : 0)

  /* Events removed before (a timeline finished twice) have the hash 0 and no bucket. */
  const gboolean any_removed = hashing.removed[0] + hashing.removed[1] > 0;
#define SEARCHED(i)                                                                                \
  (!any_removed || hashes[i] != 0 || !(shard_order_event(&order, i)->flags & TW_EVENT_REMOVED))

  gsize *counts = g_new0(gsize, n_buckets);
  for (gsize i = 0; i < n; i++)
    if (SEARCHED(i))
      counts[BUCKET_OF(hashes[i])]++;
  const guint passes = n_buckets >= DUPLICATE_PASSES ? DUPLICATE_PASSES : 1;
  const guint per_pass = n_buckets / passes;
  gsize biggest = 0, most = 0;
  for (guint p = 0; p < passes; p++) {
    gsize in_pass = 0;
    for (guint b = p * per_pass; b < (p + 1) * per_pass; b++) {
      biggest = MAX(biggest, counts[b]);
      in_pass += counts[b];
    }
    most = MAX(most, in_pass);
  }
  guint32 *indices = g_new(guint32, MAX(most, 1));
  gsize *starts = g_new(gsize, per_pass + 1);
  gsize *fill = g_new(gsize, per_pass);
  GArray *members = g_array_new(FALSE, FALSE, sizeof(IdMember));
  for (guint p = 0; p < passes; p++) {
    const guint first = p * per_pass;
    starts[0] = 0;
    for (guint b = 0; b < per_pass; b++)
      starts[b + 1] = starts[b] + counts[first + b];
    memcpy(fill, starts, per_pass * sizeof *fill);
    for (gsize i = 0; i < n; i++) {
      guint b = BUCKET_OF(hashes[i]) - first; /* (wraps around below this pass's first) */
      if (b < per_pass && SEARCHED(i))
        indices[fill[b]++] = (guint32)i;
    }
    IdBuckets buckets = {hashes, indices, starts, biggest, per_pass, shift, {NULL, NULL}};
    split_in_two(tl, n, find_id_groups, &buckets);
    /* In bucket order, as one thread would: pass after pass, half after half. */
    for (guint half = 0; half < 2; half++) {
      if (!buckets.found[half])
        continue;
      merge_id_group(tl, &order, (const IdSlot *)(gpointer)buckets.found[half]->data,
                     buckets.found[half]->len, members);
      g_array_unref(buckets.found[half]);
    }
  }
#undef BUCKET_OF
#undef SEARCHED
  g_array_unref(members);
  g_free(fill);
  g_free(starts);
  g_free(indices);
  g_free(counts);
  g_free(hashing.hashes);
  g_free(order.starts);
  return n - hashing.removed[0] - hashing.removed[1] - (gsize)(tl->n_merged - merged_before);
}

static void
resolve_links(TwTimeline *tl)
{
  for (guint s = 0; s < tl->shards->len; s++) {
    TwShard *shard = g_ptr_array_index(tl->shards, s);
    guint n = _tw_shard_get_n_links(shard), n_pending = 0;
    for (guint i = 0; i < n; i++) {
      const char *from, *to, *rule;
      gint64 lag_min, lag_max;
      TwCertainty certainty;
      _tw_shard_get_link(shard, i, &from, &to, &rule, &lag_min, &lag_max, &certainty);
      gint a = tw_timeline_find_event(tl, from);
      gint b = tw_timeline_find_event(tl, to);
      if (a < 0 || b < 0) {
        /* Still pending: an end may come with a sink closed before the next finish. */
        _tw_shard_move_link(shard, i, n_pending++);
        continue;
      }
      tw_timeline_add_link(tl, (guint)a, (guint)b, rule, lag_min, lag_max, certainty);
    }
    /* A link added is done with: finishing again (after more sinks) must not add it twice. */
    _tw_shard_truncate_links(shard, n_pending);
  }
}

static int
compare_shards(const void *a, const void *b)
{
  guint64 x = _tw_shard_get_order(*(TwShard *const *)a);
  guint64 y = _tw_shard_get_order(*(TwShard *const *)b);
  return x < y ? -1 : x > y;
}

void
tw_timeline_finish(TwTimeline *timeline)
{
  if (timeline->spill) {
    finish_spilled(timeline);
    return;
  }
  /* Shards are closed in an order that may vary between runs with parallel sources: they are
   * put in the order their sinks were given (the job's source order, a file's chunks in file
   * order), and the events are sorted into the total order whatever the shards' order. */
  g_ptr_array_sort(timeline->shards, compare_shards);
  for (guint s = 0; s < timeline->shards->len; s++) {
    /* Every sink sorts its shard when it closes: this is for a shard that came another way. */
    _tw_shard_sort(g_ptr_array_index(timeline->shards, s));
  }
  merge_shards(timeline, merge_duplicates(timeline));
  tw_timeline_compact(timeline);
  resolve_links(timeline);
}

void
tw_timeline_compact(TwTimeline *timeline)
{
  if (!timeline->removals)
    return;
  guint w = 0;
  for (guint r = 0; r < timeline->n_events; r++) {
    if (!(ref_event(timeline, timeline->events[r])->flags & TW_EVENT_REMOVED))
      timeline->events[w++] = timeline->events[r];
  }
  timeline->n_events = w;
  timeline->removals = FALSE;
  g_clear_pointer(&timeline->by_id, g_hash_table_unref);
  /* Links and findings name events by id: those naming a removed event go too (an analyzer that
   * merges events moves what it keeps to the survivor first, as dedup does). */
  guint kept = 0;
  for (guint i = 0; i < timeline->links->len; i++) {
    TwLink *link = g_ptr_array_index(timeline->links, i);
    if (tw_timeline_find_event(timeline, link->from) >= 0 &&
        tw_timeline_find_event(timeline, link->to) >= 0)
      timeline->links->pdata[kept++] = link;
  }
  g_ptr_array_set_size(timeline->links, kept);
  for (guint f = 0; f < timeline->findings->len; f++) {
    GPtrArray *ids = ((TwFinding *)g_ptr_array_index(timeline->findings, f))->events;
    kept = 0;
    for (guint i = 0; i < ids->len; i++)
      if (tw_timeline_find_event(timeline, ids->pdata[i]) >= 0)
        ids->pdata[kept++] = ids->pdata[i];
    g_ptr_array_set_size(ids, kept);
  }
}

guint64
tw_timeline_get_n_merged(const TwTimeline *timeline)
{
  return timeline->n_merged;
}

guint
tw_timeline_get_n_events(const TwTimeline *timeline)
{
  if (_tw_timeline_is_spilled(timeline))
    return _tw_spill_get_n_events(timeline->spill);
  return timeline->n_events;
}

const TwEvent *
tw_timeline_get_event(const TwTimeline *timeline, guint index)
{
  if (_tw_timeline_is_spilled(timeline))
    return _tw_spill_get_event(timeline->spill, index);
  g_return_val_if_fail(index < timeline->n_events, NULL);
  return ref_event(timeline, timeline->events[index]);
}

gboolean
_tw_timeline_peek_events(const TwTimeline *timeline, TwEventRefs *refs)
{
  if (_tw_timeline_is_spilled(timeline) || !timeline->events)
    return FALSE;
  refs->refs = timeline->events;
  refs->blocks = timeline->blocks;
  return TRUE;
}

gint
tw_timeline_find_event(const TwTimeline *timeline, const char *id)
{
  TwTimeline *tl = (TwTimeline *)timeline;
  if (_tw_timeline_is_spilled(timeline)) {
    /* On disk: the link ends were found while finishing; any other id takes a scan. */
    gint at = _tw_spill_find_link_end(timeline->spill, id);
    if (at >= 0)
      return at;
    guint n = tw_timeline_get_n_events(timeline);
    for (guint i = 0; i < n; i++)
      if (strcmp(tw_event_get_id(tw_timeline_get_event(timeline, i)), id) == 0)
        return (gint)i;
    return -1;
  }
  if (!tl->by_id) {
    tl->by_id = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < tl->n_events; i++) {
      const TwEvent *e = ref_event(tl, tl->events[i]);
      /* With the same id from different sources, the first in order wins. */
      const char *event_id = tw_event_get_id(e);
      if (!g_hash_table_contains(tl->by_id, event_id))
        g_hash_table_insert(tl->by_id, (gpointer)event_id, GUINT_TO_POINTER(i + 1));
    }
  }
  guint v = GPOINTER_TO_UINT(g_hash_table_lookup(tl->by_id, id));
  return v ? (gint)v - 1 : -1;
}

static TwEvent *
mutable_event(TwTimeline *timeline, guint index)
{
  g_return_val_if_fail(index < timeline->n_events, NULL);
  return ref_event(timeline, timeline->events[index]);
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
    if (strcmp(_tw_event_attribute_key(e, i), key) == 0) {
      /* Attribute arrays may be shared with other events: copy before writing. */
      TwAttribute *attrs =
          _tw_arena_alloc(_tw_shard_get_arena(timeline->own), e->n_attributes * sizeof *attrs);
      copy_attributes(attrs, e);
      attrs[i].value = v;
      e->attributes = attrs;
      return;
    }
  TwAttribute *attrs =
      _tw_arena_alloc(_tw_shard_get_arena(timeline->own), (e->n_attributes + 1) * sizeof *attrs);
  copy_attributes(attrs, e);
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
  timeline->ever_removed = TRUE;
}

void
tw_timeline_add_actor(TwTimeline *timeline, guint index, const char *actor)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e || !actor)
    return;
  guint n = tw_event_get_n_actors(e);
  for (guint i = 0; i < n; i++)
    if (strcmp(e->more->actors[i], actor) == 0)
      return;
  /* The rarer fields may be shared with other events: a copy of its own. */
  TwEventMore *more = own_more(timeline, e);
  const char **actors =
      _tw_arena_alloc(_tw_shard_get_arena(timeline->own), (n + 1) * sizeof(char *));
  if (n)
    memcpy(actors, more->actors, n * sizeof(char *));
  actors[n] = _tw_shard_intern(timeline->own, actor);
  more->actors = actors;
  more->n_actors = (guint16)(n + 1);
}

gboolean
tw_timeline_set_field(TwTimeline *timeline, guint index, const char *name, const char *value)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e || !name)
    return FALSE;
  gboolean title = strcmp(name, "title") == 0;
  gboolean kind = strcmp(name, "kind") == 0;
  gboolean description = strcmp(name, "description") == 0;
  gboolean location = strcmp(name, "location") == 0;
  gboolean url = strcmp(name, "url") == 0;
  if (!(title || kind || description || location || url) || (!value && title))
    return FALSE;
  const char *copy = !value ? NULL
                     : kind ? _tw_shard_intern(timeline->own, value)
                            : _tw_shard_strdup(timeline->own, value, strlen(value));
  if (title) {
    /* A derived id is made of the title: it is stored before the title changes, so that the
     * event keeps its id. */
    tw_event_get_id(e);
    e->title = copy;
  } else if (kind) {
    e->names = _tw_shard_names(timeline->own, e->names->source, copy, e->names->zone,
                               e->names->keys, e->names->n_keys);
  } else {
    TwEventMore *more = own_more(timeline, e);
    if (description)
      more->description = copy;
    else if (location)
      more->location = copy;
    else
      more->url = copy;
  }
  return TRUE;
}

void
tw_timeline_set_geo(TwTimeline *timeline, guint index, double latitude, double longitude)
{
  TwEvent *e = mutable_event(timeline, index);
  if (!e)
    return;
  /* The rarer fields may be shared with a merged duplicate: a copy of its own. */
  TwEventMore *more = own_more(timeline, e);
  more->geo[0] = latitude;
  more->geo[1] = longitude;
  e->flags |= TW_EVENT_HAS_GEO;
}

TwLink *
tw_timeline_add_link(TwTimeline *timeline, guint from, guint to, const char *rule, gint64 lag_min,
                     gint64 lag_max, TwCertainty certainty)
{
  g_return_val_if_fail(from < timeline->n_events && to < timeline->n_events, NULL);
  TwLink *link = _tw_arena_alloc(_tw_shard_get_arena(timeline->own), sizeof *link);
  link->from = tw_event_get_id(tw_timeline_get_event(timeline, from));
  link->to = tw_event_get_id(tw_timeline_get_event(timeline, to));
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
    g_ptr_array_add(finding->events, (gpointer)tw_event_get_id(e));
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
