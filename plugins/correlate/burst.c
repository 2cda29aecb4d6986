/* timeweave correlate analyzer: threshold, distinct and together rules.
 *
 * All three look for windows: sets of consecutive matching events of one group (in timeline
 * order) that lie within `within` of each other. For each new event j, two pointers give the
 * earliest event ip such that events ip..j possibly lie within the window (for some reading of
 * their dates) and the earliest ic such that ic..j certainly do (for every reading); monotone
 * queues keep the minimum and maximum bounds of the window at hand, so each event costs O(1)
 * amortized. A window that holds the rule's condition joins the open burst of its group when
 * they share events, or closes it and opens a new one: bursts are maximal.
 */
#include "correlate.h"

#include <string.h>

/* One event of a group's window: 32 bytes, two to a cache line (groups are many, and each event
 * reaches one at random, so their footprint is what the pass waits for). */
typedef struct {
  guint index;
  guint open; /* 1 when the latest instant is an open bound (fuzzy) */
  gint64 s;
  gint64 sup;   /* the latest instant it may have happened at (s when definite) */
  guint64 mask; /* together: the selectors it matches */
} Entry;

/* 2 * sup, minus 1 when that bound is open. */
static inline gint64
supkey(const Entry *entry)
{
  return 2 * entry->sup - entry->open;
}

/* A ring buffer of entries addressed by their absolute position in the group (its capacity is
 * a power of two). */
typedef struct {
  Entry *data;
  guint cap;
  guint head;
  guint len;
  guint64 base; /* the position of data[head] */
} Ring;

/* A deque of positions (for the monotone queues); a group's positions count its events, so
 * they fit 32 bits as timeline indices do. */
typedef struct {
  guint32 *data;
  guint cap;
  guint head;
  guint len;
} Deque;

/* How many times each value occurs in a window. Values are borrowed from the timeline's events
 * (which outlive the run): a few live in a small array, searched linearly, and a window with
 * many distinct values moves to a hash table. */
#define COUNTER_SMALL 16

typedef struct {
  const char *value;
  guint count;
} Count;

typedef struct {
  Count small[COUNTER_SMALL];
  guint n_small;
  GHashTable *large; /* value -> count, once more than COUNTER_SMALL values */
} Counter;

/* What every event of the group touches comes first, the distinct counters (large) last. */
typedef struct {
  Ring entries;
  guint64 next; /* the position the next entry gets */
  guint64 ip;   /* the possible window is ip..next-1 */
  guint64 ic;   /* the certain window is ic..next-1 (empty when ic == next) */
  Deque minq;   /* positions in the possible window with increasing supkey */
  Deque maxq;   /* positions in the certain window with decreasing sup */
  gint64 max_supkey;
  Burst *burst;       /* the open burst */
  guint64 burst_last; /* the last position in it */
  gint64 *last_pos;   /* together: the last position matching each selector */
  gint64 *chain;      /* ordered: the latest first position of a chain 0..m */
  char *key;
  GHashTable *burst_values; /* distinct: values already in the burst (borrowed) */
  Counter count_p;          /* distinct: the values in the possible window */
  Counter count_c;          /* the same for the certain window */
} Group;

typedef struct {
  const Rule *rule;
  const TwTimeline *timeline;
  Results *results;
  GroupMap groups;  /* value -> Group */
  Group *single;    /* without `by` */
  GPtrArray *spare; /* finished groups, reset for reuse (groups come and go per event) */
  gint64 now;
  gsize queued;
  gsize sweep_at;
} Run;

/* -- rings -- */

static inline Entry *
ring_at(const Ring *ring, guint64 pos)
{
  g_assert(pos - ring->base < ring->len); /* unsigned: also catches pos < base */
  return &ring->data[(ring->head + (guint)(pos - ring->base)) & (ring->cap - 1)];
}

static void
ring_push(Ring *ring, const Entry *entry)
{
  if (ring->len == ring->cap) {
    guint cap = MAX(8, ring->cap * 2);
    Entry *data = g_new(Entry, cap);
    for (guint i = 0; i < ring->len; i++)
      data[i] = ring->data[(ring->head + i) & (ring->cap - 1)];
    g_free(ring->data);
    ring->data = data;
    ring->cap = cap;
    ring->head = 0;
  }
  ring->data[(ring->head + ring->len) & (ring->cap - 1)] = *entry;
  ring->len++;
}

static void
ring_drop_before(Ring *ring, guint64 pos)
{
  guint drop = pos > ring->base ? (guint)MIN(pos - ring->base, (guint64)ring->len) : 0;
  if (drop > 0) {
    ring->head = (ring->head + drop) & (ring->cap - 1);
    ring->len -= drop;
    ring->base += drop;
  }
  if (ring->len == 0)
    ring->base = pos;
}

static inline guint64
deque_front(const Deque *q)
{
  return q->data[q->head];
}

static inline guint64
deque_back(const Deque *q)
{
  return q->data[(q->head + q->len - 1) & (q->cap - 1)];
}

static inline void
deque_push_back(Deque *q, guint64 pos)
{
  if (q->len == q->cap) {
    guint cap = MAX(8, q->cap * 2);
    guint32 *data = g_new(guint32, cap);
    for (guint i = 0; i < q->len; i++)
      data[i] = q->data[(q->head + i) & (q->cap - 1)];
    g_free(q->data);
    q->data = data;
    q->cap = cap;
    q->head = 0;
  }
  q->data[(q->head + q->len) & (q->cap - 1)] = (guint32)pos;
  q->len++;
}

static inline void
deque_pop_front(Deque *q)
{
  q->head = (q->head + 1) & (q->cap - 1);
  q->len--;
}

static inline void
deque_pop_back(Deque *q)
{
  q->len--;
}

/* -- groups -- */

static Group *
group_new(Run *run, const char *key)
{
  Group *group;
  if (run->spare->len > 0) {
    group = g_ptr_array_steal_index_fast(run->spare, run->spare->len - 1);
  } else {
    group = g_new0(Group, 1);
    if (run->rule->type == RULE_TOGETHER) {
      group->last_pos = g_new(gint64, run->rule->n_selectors);
      group->chain = g_new(gint64, run->rule->n_selectors);
    }
  }
  group->key = g_strdup(key);
  for (guint m = 0; group->last_pos && m < run->rule->n_selectors; m++)
    group->last_pos[m] = group->chain[m] = -1;
  group->max_supkey = G_MININT64;
  return group;
}

void
_tw_correlate_burst_free(Burst *burst)
{
  if (burst == NULL)
    return;
  g_free(burst->group);
  g_free(burst->indices);
  if (burst->values)
    g_ptr_array_free(burst->values, TRUE);
  g_free(burst);
}

/* -- a burst's certainty -- */

/* A Fenwick tree counting the latest instants (sups) of a burst's events, by their rank among
 * the sorted distinct @sups. */
typedef struct {
  const gint64 *sups;
  guint n;
  guint *tree; /* 1-based */
} SupCounts;

/* How many of the sorted @sups are at most @bound. */
static guint
sups_at_most(const gint64 *sups, guint n, gint64 bound)
{
  guint lo = 0, hi = n;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (sups[mid] <= bound)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static void
sup_counts_add(SupCounts *c, gint64 sup, int delta)
{
  for (guint i = sups_at_most(c->sups, c->n, sup); i <= c->n; i += i & -i)
    c->tree[i] += (guint)delta;
}

/* How many counted events have a latest instant at most @bound. */
static guint
sup_counts_query(const SupCounts *c, gint64 bound)
{
  guint total = 0;
  for (guint i = sups_at_most(c->sups, c->n, bound); i > 0; i -= i & -i)
    total += c->tree[i];
  return total;
}

static int
compare_gint64(gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return (x > y) - (x < y);
}

/* Whether some events of @burst that hold the rule's condition are certainly within W: for
 * some earliest start L, the events that start at L or later and certainly end by L + W do (the
 * latest `latest` minus the earliest start is at most W). The windows the pass keeps are runs of
 * consecutive events, and a coarse-dated event inside a run ends its certain window there (its
 * latest instant is far): this finds the events on either side of it too. Taking L at each
 * event's start in turn, from the last, the events that start at L or later are those already
 * seen; among them, a Fenwick tree over their latest instants counts those that end by L + W
 * (distinct: each value at its earliest latest instant; together: each selector's). Ordered
 * together rules keep the pass's answer: their chains need an order, not a count. */
static gboolean
burst_is_certain(const Run *run, const Burst *burst)
{
  const Rule *rule = run->rule;
  if (rule->type == RULE_TOGETHER && rule->ordered)
    return FALSE;
  guint n = burst->n_indices;
  g_autofree gint64 *starts = g_new(gint64, n);
  g_autofree gint64 *sups = g_new(gint64, n);
  for (guint k = 0; k < n; k++) {
    Span span;
    _tw_correlate_span(tw_timeline_get_event(run->timeline, burst->indices[k]), &span);
    starts[k] = span.s;
    sups[k] = span.sup;
  }
  if (rule->type == RULE_TOGETHER) {
    g_autofree gint64 *earliest = g_new(gint64, rule->n_selectors);
    for (guint m = 0; m < rule->n_selectors; m++)
      earliest[m] = G_MAXINT64;
    for (guint k = n; k-- > 0;) {
      const TwEvent *event = tw_timeline_get_event(run->timeline, burst->indices[k]);
      gboolean all = TRUE;
      for (guint m = 0; m < rule->n_selectors; m++) {
        if (tw_selector_matches(rule->selectors[m], event))
          earliest[m] = MIN(earliest[m], sups[k]);
        all = all && earliest[m] <= starts[k] + rule->within;
      }
      if (all)
        return TRUE;
    }
    return FALSE;
  }
  g_autofree gint64 *sorted = g_memdup2(sups, n * sizeof *sups);
  qsort(sorted, n, sizeof *sorted, compare_gint64);
  g_autofree guint *tree = g_new0(guint, n + 1);
  SupCounts counts = {sorted, n, tree};
  g_autoptr(GHashTable) value_sups = NULL; /* distinct: value -> its earliest latest instant */
  if (rule->type == RULE_DISTINCT)
    value_sups = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  for (guint k = n; k-- > 0;) {
    if (rule->type == RULE_DISTINCT) {
      const TwEvent *event = tw_timeline_get_event(run->timeline, burst->indices[k]);
      const char *scalar;
      guint n_values = _tw_correlate_field_begin(&rule->field, event, &scalar);
      for (guint v = 0; v < n_values; v++) {
        const char *value = _tw_correlate_field_at(&rule->field, event, scalar, v);
        gint64 *seen = g_hash_table_lookup(value_sups, value);
        if (seen && *seen <= sups[k])
          continue;
        if (seen) {
          sup_counts_add(&counts, *seen, -1);
          *seen = sups[k];
        } else {
          seen = g_new(gint64, 1);
          *seen = sups[k];
          g_hash_table_insert(value_sups, (gpointer)value, seen);
        }
        sup_counts_add(&counts, sups[k], 1);
      }
    } else {
      sup_counts_add(&counts, sups[k], 1);
    }
    if (sup_counts_query(&counts, starts[k] + rule->within) >= rule->count)
      return TRUE;
  }
  return FALSE;
}

static void
close_burst(Run *run, Group *group)
{
  if (group->burst == NULL)
    return;
  if (!group->burst->certain && !run->rule->certain)
    group->burst->certain = burst_is_certain(run, group->burst);
  g_ptr_array_add(run->results->bursts, group->burst);
  group->burst = NULL;
  g_clear_pointer(&group->burst_values, g_hash_table_destroy);
}

static void
group_free(gpointer data)
{
  Group *group = data;
  g_free(group->key);
  g_free(group->entries.data);
  g_free(group->minq.data);
  g_free(group->maxq.data);
  g_clear_pointer(&group->count_p.large, g_hash_table_destroy);
  g_clear_pointer(&group->count_c.large, g_hash_table_destroy);
  g_clear_pointer(&group->burst_values, g_hash_table_destroy);
  _tw_correlate_burst_free(group->burst);
  g_free(group->last_pos);
  g_free(group->chain);
  g_free(group);
}

/* Closes the group's burst and keeps the group, emptied, for reuse. */
static void
group_release(Run *run, Group *group)
{
  close_burst(run, group);
  g_clear_pointer(&group->key, g_free);
  group->entries.len = group->entries.head = 0;
  group->minq.len = group->minq.head = 0;
  group->maxq.len = group->maxq.head = 0;
  group->next = group->ip = group->ic = 0;
  group->count_p.n_small = group->count_c.n_small = 0;
  g_clear_pointer(&group->count_p.large, g_hash_table_destroy);
  g_clear_pointer(&group->count_c.large, g_hash_table_destroy);
  g_ptr_array_add(run->spare, group);
}

static guint
counter_size(const Counter *counter)
{
  return counter->large ? g_hash_table_size(counter->large) : counter->n_small;
}

static void
counter_add(Counter *counter, const char *value, int delta)
{
  if (counter->large) {
    gpointer key, count;
    if (g_hash_table_lookup_extended(counter->large, value, &key, &count)) {
      guint updated = GPOINTER_TO_UINT(count) + (guint)delta;
      if (updated == 0)
        g_hash_table_remove(counter->large, value);
      else
        g_hash_table_insert(counter->large, key, GUINT_TO_POINTER(updated));
    } else if (delta > 0) {
      g_hash_table_insert(counter->large, (gpointer)value, GUINT_TO_POINTER(1));
    }
    return;
  }
  for (guint i = 0; i < counter->n_small; i++) {
    Count *count = &counter->small[i];
    if (strcmp(count->value, value) != 0)
      continue;
    count->count += (guint)delta;
    if (count->count == 0)
      *count = counter->small[--counter->n_small];
    return;
  }
  if (delta < 0)
    return;
  if (counter->n_small < COUNTER_SMALL) {
    counter->small[counter->n_small++] = (Count){value, 1};
    return;
  }
  counter->large = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < counter->n_small; i++)
    g_hash_table_insert(counter->large, (gpointer)counter->small[i].value,
                        GUINT_TO_POINTER(counter->small[i].count));
  counter->n_small = 0;
  g_hash_table_insert(counter->large, (gpointer)value, GUINT_TO_POINTER(1));
}

static void
count_values(Run *run, Counter *counter, guint index, int delta)
{
  const TwEvent *event = tw_timeline_get_event(run->timeline, index);
  const char *scalar;
  guint n = _tw_correlate_field_begin(&run->rule->field, event, &scalar);
  for (guint k = 0; k < n; k++)
    counter_add(counter, _tw_correlate_field_at(&run->rule->field, event, scalar, k), delta);
}

/* -- conditions -- */

/* Events from..to hold a chain of the selectors, in order, that is certainly in order: each
 * one's latest instant is no later than the next one's earliest. Greedy: at each step the
 * candidate that can have happened earliest. Returns the chain's first position, or -1. */
static gint64
certain_chain(const Run *run, const Group *group, guint64 from, guint64 to)
{
  gint64 bound = G_MININT64;
  gint64 first = -1;
  guint64 prev = from;
  gboolean have_prev = FALSE;
  for (guint m = 0; m < run->rule->n_selectors; m++) {
    gint64 best = -1;
    gint64 best_sup = G_MAXINT64;
    for (guint64 p = have_prev ? prev + 1 : from; p <= to; p++) {
      const Entry *entry = ring_at(&group->entries, p);
      if ((entry->mask & (G_GUINT64_CONSTANT(1) << m)) && entry->s >= bound &&
          entry->sup < best_sup) {
        best = (gint64)p;
        best_sup = entry->sup;
      }
    }
    if (best < 0)
      return -1;
    if (m == 0)
      first = best;
    bound = best_sup;
    prev = (guint64)best;
    have_prev = TRUE;
  }
  return first;
}

static gint64
together_start(const Run *run, const Group *group)
{
  if (run->rule->ordered)
    return group->chain[run->rule->n_selectors - 1];
  gint64 start = G_MAXINT64;
  for (guint m = 0; m < run->rule->n_selectors; m++)
    start = MIN(start, group->last_pos[m]);
  return start;
}

/* Whether the window from..j holds the rule's condition (for the certain window when
 * @certain); sets @tight to where the events that hold it begin. */
static gboolean
window_holds(const Run *run, const Group *group, guint64 from, guint64 j, gboolean certain,
             guint64 *tight)
{
  const Rule *rule = run->rule;
  if (from > j)
    return FALSE;
  switch (rule->type) {
  case RULE_THRESHOLD:
    *tight = from;
    return j - from + 1 >= rule->count;
  case RULE_DISTINCT:
    *tight = from;
    return counter_size(certain ? &group->count_c : &group->count_p) >= rule->count;
  case RULE_TOGETHER: {
    gint64 start = together_start(run, group);
    if (start < 0 || (guint64)start < from)
      return FALSE;
    *tight = (guint64)start;
    if (certain && rule->ordered) {
      gint64 chain = certain_chain(run, group, from, j);
      if (chain < 0)
        return FALSE;
      *tight = (guint64)chain;
    }
    return TRUE;
  }
  case RULE_SEQUENCE:
  case RULE_ABSENCE:
    break;
  }
  return FALSE;
}

static void
burst_add(Run *run, Group *group, guint64 pos)
{
  const Entry *entry = ring_at(&group->entries, pos);
  Burst *burst = group->burst;
  if (burst->n_indices == burst->cap_indices) {
    burst->cap_indices = MAX(16, 2 * burst->cap_indices);
    burst->indices = g_renew(guint, burst->indices, burst->cap_indices);
  }
  burst->indices[burst->n_indices++] = entry->index;
  if (run->rule->type != RULE_DISTINCT)
    return;
  const TwEvent *event = tw_timeline_get_event(run->timeline, entry->index);
  const char *scalar;
  guint n = _tw_correlate_field_begin(&run->rule->field, event, &scalar);
  for (guint k = 0; k < n; k++) {
    const char *value = _tw_correlate_field_at(&run->rule->field, event, scalar, k);
    /* Values are the timeline's strings, which outlive the results. */
    if (g_hash_table_contains(group->burst_values, value))
      continue;
    g_hash_table_add(group->burst_values, (gpointer)value);
    g_ptr_array_add(group->burst->values, (gpointer)value);
  }
}

static void
add_event(Run *run, Group *group, guint index, const Span *span, guint64 mask)
{
  const Rule *rule = run->rule;
  gint64 w2 = 2 * rule->within;
  Entry entry = {index, span->definite ? 0 : 1, span->s, span->sup, mask};
  guint64 j = group->next++;
  if (group->entries.len == 0)
    group->entries.base = j;
  ring_push(&group->entries, &entry);
  group->max_supkey = MAX(group->max_supkey, supkey(&entry));

  while (group->minq.len > 0 &&
         supkey(ring_at(&group->entries, deque_back(&group->minq))) >= supkey(&entry))
    deque_pop_back(&group->minq);
  deque_push_back(&group->minq, j);
  while (group->maxq.len > 0 &&
         ring_at(&group->entries, deque_back(&group->maxq))->sup <= entry.sup)
    deque_pop_back(&group->maxq);
  deque_push_back(&group->maxq, j);

  if (rule->type == RULE_DISTINCT) {
    count_values(run, &group->count_p, index, 1);
    count_values(run, &group->count_c, index, 1);
  }
  if (rule->type == RULE_TOGETHER) {
    for (guint m = 0; m < rule->n_selectors; m++)
      if (mask & (G_GUINT64_CONSTANT(1) << m))
        group->last_pos[m] = (gint64)j;
    for (guint m = rule->ordered ? rule->n_selectors : 0; m-- > 0;) {
      if (!(mask & (G_GUINT64_CONSTANT(1) << m)))
        continue;
      if (m == 0)
        group->chain[0] = (gint64)j;
      else if (group->chain[m - 1] >= 0)
        group->chain[m] = group->chain[m - 1];
    }
  }

  /* The possible window: some reading puts every event within w of the others, that is the
   * latest start minus w is no later than every event's latest instant. */
  while (2 * span->s - w2 > supkey(ring_at(&group->entries, deque_front(&group->minq)))) {
    if (deque_front(&group->minq) == group->ip)
      deque_pop_front(&group->minq);
    if (rule->type == RULE_DISTINCT)
      count_values(run, &group->count_p, ring_at(&group->entries, group->ip)->index, -1);
    group->ip++;
  }
  /* The certain window: every reading does, the latest instant minus the earliest start. */
  while (group->ic <= j && ring_at(&group->entries, deque_front(&group->maxq))->sup -
                                   ring_at(&group->entries, group->ic)->s >
                               rule->within) {
    if (deque_front(&group->maxq) == group->ic)
      deque_pop_front(&group->maxq);
    if (rule->type == RULE_DISTINCT)
      count_values(run, &group->count_c, ring_at(&group->entries, group->ic)->index, -1);
    group->ic++;
  }

  guint64 tight;
  gboolean certain = FALSE;
  gboolean holds;
  if (rule->certain) {
    holds = window_holds(run, group, group->ic, j, TRUE, &tight);
    certain = holds;
  } else {
    holds = window_holds(run, group, group->ip, j, FALSE, &tight);
    if (holds && !(group->burst && group->burst->certain && tight <= group->burst_last)) {
      guint64 unused;
      certain = window_holds(run, group, group->ic, j, TRUE, &unused);
    }
  }
  if (holds) {
    guint64 from;
    if (group->burst && tight <= group->burst_last) {
      from = group->burst_last + 1;
    } else {
      close_burst(run, group);
      group->burst = g_new0(Burst, 1);
      group->burst->group = g_strdup(group->key);
      if (rule->type == RULE_DISTINCT) {
        group->burst->values = g_ptr_array_new();
        group->burst_values = g_hash_table_new(g_str_hash, g_str_equal);
      }
      from = tight;
    }
    for (guint64 p = from; p <= j; p++)
      burst_add(run, group, p);
    group->burst_last = j;
    if (certain)
      group->burst->certain = TRUE;
  }

  ring_drop_before(&group->entries, MIN(group->ip, group->ic));
}

/* A group none of whose events can share a window with a later event is finished. */
static gboolean
group_is_done(const Run *run, const Group *group)
{
  return 2 * run->now - 2 * run->rule->within > group->max_supkey;
}

static gboolean
keep_group(gpointer value, gpointer data)
{
  Run *run = data;
  Group *group = value;
  if (group_is_done(run, group)) {
    group_release(run, group);
    return FALSE;
  }
  run->queued += group->entries.len + 1;
  return TRUE;
}

static void
sweep(Run *run)
{
  run->queued = 0;
  _tw_correlate_map_filter(&run->groups, keep_group, run);
  run->sweep_at = MAX(4096, 2 * run->queued);
}

static int
compare_bursts(gconstpointer x, gconstpointer y)
{
  const Burst *a = *(Burst *const *)x, *b = *(Burst *const *)y;
  guint a_first = a->indices[0];
  guint b_first = b->indices[0];
  if (a_first != b_first)
    return a_first < b_first ? -1 : 1;
  guint a_last = a->indices[a->n_indices - 1];
  guint b_last = b->indices[b->n_indices - 1];
  if (a_last != b_last)
    return a_last < b_last ? -1 : 1;
  return g_strcmp0(a->group, b->group);
}

/* The group of @value (created when new). */
static Group *
find_group(Run *run, const char *value, guint32 hash)
{
  Group *group = _tw_correlate_map_lookup(&run->groups, value, hash);
  if (group == NULL) {
    group = group_new(run, value);
    /* The map borrows the timeline's string, or the group's copy of a transient one. */
    _tw_correlate_map_insert(&run->groups, run->rule->by.transient ? group->key : value, hash,
                             group);
  }
  return group;
}

/* Runs a chunk's items group by group (see CHUNK_EVENTS), then drops the groups that are done. */
static void
run_chunk(Run *run, ChunkItem *items, guint n_items, ChunkItem *sorted)
{
  _tw_correlate_chunk_sort(items, n_items, sorted);
  Group *group = NULL;
  const char *value = NULL;
  for (guint k = 0; k < n_items; k++) {
    const ChunkItem *item = &sorted[k];
    if (group == NULL || (item->value != value && strcmp(item->value, value) != 0)) {
      group = find_group(run, item->value, item->hash);
      value = item->value;
    }
    run->now = item->span.s;
    add_event(run, group, item->index, &item->span, item->mask);
  }
  /* Every later event starts no earlier than this chunk's last one. */
  run->now = items[n_items - 1].span.s;
  run->queued += n_items;
  if (run->queued > run->sweep_at)
    sweep(run);
}

void
_tw_correlate_run_burst(const Rule *rule, const TwTimeline *timeline, Results *results)
{
  Run run = {.rule = rule, .timeline = timeline, .results = results, .sweep_at = 4096};
  run.spare = g_ptr_array_new_with_free_func(group_free);
  if (rule->by.kind == FIELD_NONE)
    run.single = group_new(&run, NULL);
  /* Transient values would need a copy for each item: those rules go in timeline order. */
  gboolean chunked = run.single == NULL && !rule->by.transient;
  g_autofree ChunkItem *items = chunked ? g_new(ChunkItem, CHUNK_EVENTS) : NULL;
  g_autofree ChunkItem *sorted = chunked ? g_new(ChunkItem, CHUNK_EVENTS) : NULL;
  guint n_items = 0;

  guint n = tw_timeline_get_n_events(timeline);
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    guint64 mask = 0;
    if (rule->type == RULE_TOGETHER) {
      for (guint m = 0; m < rule->n_selectors; m++)
        if (tw_selector_matches(rule->selectors[m], event))
          mask |= G_GUINT64_CONSTANT(1) << m;
    } else if (tw_selector_matches(rule->a, event)) {
      mask = 1;
    }
    if (mask == 0)
      continue;
    const char *scalar;
    if (rule->type == RULE_DISTINCT && _tw_correlate_field_begin(&rule->field, event, &scalar) == 0)
      continue;
    Span span;
    _tw_correlate_span(event, &span);
    if (run.single) {
      run.now = span.s;
      add_event(&run, run.single, i, &span, mask);
      continue;
    }
    guint n_groups = _tw_correlate_field_begin(&rule->by, event, &scalar);
    for (guint k = 0; k < n_groups; k++) {
      const char *value = _tw_correlate_field_at(&rule->by, event, scalar, k);
      guint32 hash = _tw_correlate_hash(value);
      if (chunked) {
        items[n_items] = (ChunkItem){i, 1, value, hash, n_items, span, mask, NULL};
        n_items++;
        if (n_items == CHUNK_EVENTS) {
          run_chunk(&run, items, n_items, sorted);
          n_items = 0;
        }
        continue;
      }
      run.now = span.s;
      add_event(&run, find_group(&run, value, hash), i, &span, mask);
      run.queued++;
    }
    if (!chunked && run.queued > run.sweep_at)
      sweep(&run);
  }
  if (n_items > 0)
    run_chunk(&run, items, n_items, sorted);

  if (run.single) {
    close_burst(&run, run.single);
    group_free(run.single);
  }
  for (guint i = 0; run.groups.slots && i <= run.groups.mask; i++) {
    if (run.groups.slots[i].key != NULL) {
      close_burst(&run, run.groups.slots[i].value);
      group_free(run.groups.slots[i].value);
    }
  }
  _tw_correlate_map_clear(&run.groups);
  g_ptr_array_free(run.spare, TRUE);
  g_ptr_array_sort(results->bursts, compare_bursts);
}
