/* timeweave correlate analyzer: sequence and absence rules.
 *
 * One pass over the timeline in its order (by start). Each A that is still open (a B may yet
 * follow it) waits in the queue of each of its groups and in a heap ordered by its deadline, the
 * last start a matching B can have. A B is tested against the open As of its groups; an A is
 * tested against the recent Bs of its groups that may still follow it (a B sorted before A that
 * is fuzzy enough, or any B for a relation such as `during`). Memory holds the As and Bs of the
 * current window only, and results are sorted at the end, so the outcome depends on the timeline
 * alone, never on input order or on when an A happened to be settled.
 */
#include "correlate.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  guint index;
  Span span;
  gint64 deadline; /* no B that starts after this can match */
  guint refs;
  guint last_b; /* 1 + the index of the last B tested against it (a B seen in two groups) */
  gboolean done;
  gboolean any_possible;
  gboolean any_certain;
  guint n_links;
  gint best; /* link=first: the best B so far, or -1 */
  PairResult best_result;
  gint64 best_min, best_max;
} AState;

typedef struct {
  guint index;
  Span span;
} BEntry;

/* The As and Bs of one group, in arrays of their own (no separate array headers to reach). */
typedef struct {
  char *key;   /* a copy of a transient `by` value (the map's key), else NULL */
  AState **as; /* referenced */
  guint n_as, cap_as;
  BEntry *bs;
  guint n_bs, cap_bs;
} Group;

typedef struct {
  const Rule *rule;
  Results *results;
  GroupMap groups;         /* value -> Group (with `by`) */
  GPtrArray *spare_groups; /* emptied groups, for reuse (groups come and go) */
  Group *single;           /* without `by` */
  AState **heap;           /* referenced; a min-heap on (deadline, index) */
  guint heap_len, heap_cap;
  AState **fifo; /* referenced: As whose deadlines came in order (exact ones do) */
  guint fifo_cap, fifo_head, fifo_len;
  GPtrArray *spare;     /* freed AStates for reuse */
  Group **event_groups; /* the groups of the event at hand */
  guint n_event_groups, cap_event_groups;
  GArray *candidates; /* BEntry, when an A has several groups */
  gint64 min_lag2;
  gboolean has_range;
  gint64 range_to;
  gint64 now; /* the start of the event being read */
  gsize queued;
  gsize sweep_at;
} Run;

static Group *
group_new(Run *run)
{
  if (run->spare_groups->len > 0)
    return g_ptr_array_steal_index_fast(run->spare_groups, run->spare_groups->len - 1);
  return g_new0(Group, 1);
}

static void
state_unref(Run *run, AState *state)
{
  if (--state->refs == 0)
    g_ptr_array_add(run->spare, state);
}

static void
group_free(gpointer data)
{
  Group *group = data;
  g_free(group->key);
  g_free(group->as);
  g_free(group->bs);
  g_free(group);
}

/* Empties @group and keeps it for reuse. */
static void
group_release(Run *run, Group *group)
{
  for (guint i = 0; i < group->n_as; i++)
    state_unref(run, group->as[i]);
  group->n_as = group->n_bs = 0;
  g_clear_pointer(&group->key, g_free);
  g_ptr_array_add(run->spare_groups, group);
}

static void
group_add_a(Group *group, AState *state)
{
  if (group->n_as == group->cap_as) {
    group->cap_as = MAX(4, 2 * group->cap_as);
    group->as = g_renew(AState *, group->as, group->cap_as);
  }
  group->as[group->n_as++] = state;
}

static void
group_add_b(Group *group, const BEntry *entry)
{
  if (group->n_bs == group->cap_bs) {
    group->cap_bs = MAX(4, 2 * group->cap_bs);
    group->bs = g_renew(BEntry, group->bs, group->cap_bs);
  }
  group->bs[group->n_bs++] = *entry;
}

/* -- the deadline heap -- */

static gboolean
heap_less(const AState *x, const AState *y)
{
  return x->deadline < y->deadline || (x->deadline == y->deadline && x->index < y->index);
}

static void
heap_push(Run *run, AState *state)
{
  if (run->heap_len == run->heap_cap) {
    run->heap_cap = MAX(64, 2 * run->heap_cap);
    run->heap = g_renew(AState *, run->heap, run->heap_cap);
  }
  AState **heap = run->heap;
  guint i = run->heap_len++;
  while (i > 0) {
    guint parent = (i - 1) / 2;
    if (!heap_less(state, heap[parent]))
      break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = state;
}

static AState *
heap_pop(Run *run)
{
  AState **heap = run->heap;
  AState *top = heap[0];
  AState *last = heap[--run->heap_len];
  guint n = run->heap_len;
  guint i = 0;
  for (;;) {
    guint child = 2 * i + 1;
    if (child >= n)
      break;
    if (child + 1 < n && heap_less(heap[child + 1], heap[child]))
      child++;
    if (!heap_less(heap[child], last))
      break;
    heap[i] = heap[child];
    i = child;
  }
  if (n > 0)
    heap[i] = last;
  return top;
}

/* As wait for their deadline in a queue while their deadlines come in order (an exact A's
 * deadline is its start plus the window, and As come in order of start), and in the heap
 * otherwise (a fuzzy A's deadline counts from its end). The order in which As are settled does
 * not matter: results are sorted at the end. */
static void
deadline_push(Run *run, AState *state)
{
  if (!state->span.definite ||
      (run->fifo_len > 0 &&
       run->fifo[(run->fifo_head + run->fifo_len - 1) & (run->fifo_cap - 1)]->deadline >
           state->deadline)) {
    heap_push(run, state);
    return;
  }
  if (run->fifo_len == run->fifo_cap) {
    guint cap = MAX(64, 2 * run->fifo_cap);
    AState **data = g_new(AState *, cap);
    for (guint i = 0; i < run->fifo_len; i++)
      data[i] = run->fifo[(run->fifo_head + i) & (run->fifo_cap - 1)];
    g_free(run->fifo);
    run->fifo = data;
    run->fifo_cap = cap;
    run->fifo_head = 0;
  }
  run->fifo[(run->fifo_head + run->fifo_len++) & (run->fifo_cap - 1)] = state;
}

/* The A with the earliest deadline, if that is before @now (or any, with @now G_MAXINT64);
 * removed from its queue. */
static AState *
deadline_pop(Run *run, gint64 now)
{
  AState *first = run->fifo_len > 0 ? run->fifo[run->fifo_head] : NULL;
  AState *top = run->heap_len > 0 ? run->heap[0] : NULL;
  if (first && (!top || first->deadline <= top->deadline)) {
    if (first->deadline >= now && now != G_MAXINT64)
      return NULL;
    run->fifo_head = (run->fifo_head + 1) & (run->fifo_cap - 1);
    run->fifo_len--;
    return first;
  }
  if (top == NULL || (top->deadline >= now && now != G_MAXINT64))
    return NULL;
  return heap_pop(run);
}

/* -- outcomes -- */

/* The latest start a B answering @state can have (inside the window, and in the rule's relation):
 * *@latest, which the B may reach when *@open is FALSE and only approach when TRUE. FALSE when
 * no B can answer it at all (a fuzzy A is an instant: nothing meets or overlaps it). An
 * absence is truncated by the range only when that start lies past the range's end. */
static gboolean
latest_answer(const Rule *rule, const AState *state, gint64 *latest, gboolean *open)
{
  const Span *a = &state->span;
  /* A B at the deadline follows an exact A but not a fuzzy one (its instant is before its end) */
  *latest = state->deadline;
  *open = !a->definite;
  gint64 bound;
  gboolean bound_open;
  switch (rule->relation) {
  case RELATION_NONE:
  case RELATION_BEFORE:
    return TRUE;
  case RELATION_MEETS:    /* B starts as A ends */
  case RELATION_OVERLAPS: /* B starts inside A */
    if (!a->definite || a->dur == 0)
      return FALSE;
    bound = a->s + a->dur;
    bound_open = rule->relation == RELATION_OVERLAPS;
    break;
  case RELATION_STARTS: /* with A */
  case RELATION_EQUALS:
    bound = a->definite ? a->s : a->sup;
    bound_open = !a->definite;
    break;
  case RELATION_DURING: /* before A */
  case RELATION_FINISHES:
    bound = a->definite ? a->s : a->sup;
    bound_open = TRUE;
    break;
  default:
    return TRUE;
  }
  if (bound < *latest || (bound == *latest && bound_open)) {
    *latest = bound;
    *open = bound_open;
  }
  return TRUE;
}

/* Settles @state: no B will change its outcome any more. */
static void
finalize(Run *run, AState *state)
{
  if (state->done)
    return;
  state->done = TRUE;
  const Rule *rule = run->rule;
  if (rule->type == RULE_SEQUENCE) {
    if (rule->link == LINK_FIRST && state->best >= 0) {
      Match match = {state->index, (guint)state->best, state->best_min, state->best_max,
                     state->best_result == PAIR_CERTAIN ? TW_CERTAINTY_CERTAIN
                                                        : TW_CERTAINTY_POSSIBLE};
      g_array_append_val(run->results->matches, match);
    }
    if (state->best >= 0 || state->n_links > 0)
      run->results->n_a_followed++;
    return;
  }
  gboolean answered = state->any_certain || (!rule->certain && state->any_possible);
  if (!answered) {
    gint64 latest;
    gboolean open;
    gboolean truncated = run->has_range && latest_answer(rule, state, &latest, &open) &&
                         (open ? latest > run->range_to : latest >= run->range_to);
    Unanswered item = {state->index,
                       state->any_possible ? TW_CERTAINTY_POSSIBLE : TW_CERTAINTY_CERTAIN,
                       truncated};
    g_array_append_val(run->results->unanswered, item);
  }
}

/* Records that B @b_index matches @state; returns whether the outcome is now settled (no later
 * B can change it). */
static gboolean
record(Run *run, AState *state, guint b_index, PairResult result, gint64 lag_min, gint64 lag_max)
{
  const Rule *rule = run->rule;
  if (result == PAIR_CERTAIN)
    state->any_certain = TRUE;
  else
    state->any_possible = TRUE;
  if (rule->type == RULE_ABSENCE)
    return state->any_certain || !rule->certain;
  if (rule->certain && result != PAIR_CERTAIN)
    return FALSE;
  if (rule->link == LINK_ALL) {
    Match match = {state->index, b_index, lag_min, lag_max,
                   result == PAIR_CERTAIN ? TW_CERTAINTY_CERTAIN : TW_CERTAINTY_POSSIBLE};
    g_array_append_val(run->results->matches, match);
    state->n_links++;
    return FALSE;
  }
  if (state->best < 0 || result > state->best_result ||
      (result == state->best_result && b_index < (guint)state->best)) {
    state->best = (gint)b_index;
    state->best_result = result;
    state->best_min = lag_min;
    state->best_max = lag_max;
  }
  return FALSE;
}

/* With link=first, an A whose best B is certain is settled once no earlier B can come. */
static gboolean
settled_first(const Run *run, const AState *state)
{
  return run->rule->type == RULE_SEQUENCE && run->rule->link == LINK_FIRST && state->best >= 0 &&
         state->best_result == PAIR_CERTAIN;
}

/* -- queues -- */

static gboolean
a_is_open(const Run *run, const AState *state)
{
  return !state->done && state->deadline >= run->now;
}

/* Whether B may still follow an A that starts now or later. */
static gboolean
b_is_useful(const Run *run, const BEntry *entry)
{
  return 2 * (entry->span.sup - run->now) - (entry->span.definite ? 0 : 1) >= run->min_lag2;
}

static void
prune_group(Run *run, Group *group)
{
  guint keep = 0;
  for (guint i = 0; i < group->n_as; i++) {
    AState *state = group->as[i];
    if (a_is_open(run, state))
      group->as[keep++] = state;
    else
      state_unref(run, state);
  }
  group->n_as = keep;
  keep = 0;
  for (guint i = 0; i < group->n_bs; i++)
    if (b_is_useful(run, &group->bs[i]))
      group->bs[keep++] = group->bs[i];
  group->n_bs = keep;
}

static gboolean
keep_group(gpointer value, gpointer data)
{
  Run *run = data;
  Group *group = value;
  prune_group(run, group);
  if (group->n_as == 0 && group->n_bs == 0) {
    group_release(run, group);
    return FALSE;
  }
  run->queued += group->n_as + group->n_bs + 1;
  return TRUE;
}

/* Bounds memory by the window: every so often, drop what no later event can use. */
static void
sweep(Run *run)
{
  run->queued = 0;
  if (run->single) {
    prune_group(run, run->single);
    run->queued += run->single->n_as + run->single->n_bs;
  } else {
    _tw_correlate_map_filter(&run->groups, keep_group, run);
  }
  run->sweep_at = MAX(4096, 2 * run->queued);
}

/* The group of @value (created when new). */
static Group *
lookup_group(Run *run, const char *value, guint32 hash)
{
  Group *group = _tw_correlate_map_lookup(&run->groups, value, hash);
  if (group == NULL) {
    group = group_new(run);
    if (run->rule->by.transient)
      value = group->key = g_strdup(value);
    _tw_correlate_map_insert(&run->groups, value, hash, group);
    run->queued++;
  }
  return group;
}

static void
find_groups(Run *run, const TwEvent *event, guint n_groups, const char *scalar)
{
  run->n_event_groups = 0;
  if (run->cap_event_groups < MAX(n_groups, 1)) {
    run->cap_event_groups = MAX(MAX(n_groups, 1), 2 * run->cap_event_groups);
    run->event_groups = g_renew(Group *, run->event_groups, run->cap_event_groups);
  }
  if (run->single) {
    run->event_groups[run->n_event_groups++] = run->single;
    return;
  }
  for (guint k = 0; k < n_groups; k++) {
    const char *value = _tw_correlate_field_at(&run->rule->by, event, scalar, k);
    if (value != NULL)
      run->event_groups[run->n_event_groups++] =
          lookup_group(run, value, _tw_correlate_hash(value));
  }
}

/* B @index has arrived: test it against the open As of @group. */
static void
test_open_as(Run *run, Group *group, guint index, const Span *span)
{
  guint keep = 0;
  for (guint i = 0; i < group->n_as; i++) {
    AState *state = group->as[i];
    if (!a_is_open(run, state)) {
      state_unref(run, state);
      run->queued--;
      continue;
    }
    group->as[keep++] = state;
    if (state->last_b == index + 1)
      continue;
    state->last_b = index + 1;
    gint64 lag_min, lag_max;
    PairResult result = _tw_correlate_test_pair(run->rule, &state->span, span, &lag_min, &lag_max);
    if (result != PAIR_NONE &&
        (record(run, state, index, result, lag_min, lag_max) || settled_first(run, state)))
      finalize(run, state);
  }
  group->n_as = keep;
}

static int
compare_entries(gconstpointer x, gconstpointer y)
{
  const BEntry *a = x, *b = y;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* A @state has arrived: test it against the Bs sorted before it that may still follow it. */
static void
test_recent_bs(Run *run, AState *state)
{
  GArray *candidates = run->candidates;
  g_array_set_size(candidates, 0);
  for (guint g = 0; g < run->n_event_groups; g++) {
    Group *group = run->event_groups[g];
    guint keep = 0;
    for (guint i = 0; i < group->n_bs; i++) {
      const BEntry *entry = &group->bs[i];
      if (!b_is_useful(run, entry)) {
        run->queued--;
        continue;
      }
      g_array_append_val(candidates, *entry);
      group->bs[keep++] = *entry;
    }
    group->n_bs = keep;
  }
  if (run->n_event_groups > 1)
    g_array_sort(candidates, compare_entries);
  for (guint i = 0; i < candidates->len; i++) {
    const BEntry *entry = &g_array_index(candidates, BEntry, i);
    if (i > 0 && entry->index == g_array_index(candidates, BEntry, i - 1).index)
      continue;
    gint64 lag_min, lag_max;
    PairResult result =
        _tw_correlate_test_pair(run->rule, &state->span, &entry->span, &lag_min, &lag_max);
    if (result != PAIR_NONE && record(run, state, entry->index, result, lag_min, lag_max)) {
      finalize(run, state);
      return;
    }
  }
  if (settled_first(run, state))
    finalize(run, state);
}

static AState *
state_new(Run *run, guint index, const Span *span)
{
  AState *state = run->spare->len ? g_ptr_array_steal_index_fast(run->spare, run->spare->len - 1)
                                  : g_new(AState, 1);
  *state = (AState){.index = index, .span = *span, .best = -1};
  state->deadline = span->sup + run->rule->within;
  return state;
}

/* Settles the As whose window closed before @now: no B that starts at @now or later follows. */
static void
settle(Run *run, gint64 now)
{
  AState *expired;
  while ((expired = deadline_pop(run, now)) != NULL) {
    finalize(run, expired);
    state_unref(run, expired);
  }
}

/* Event @index, an A and/or a B, in the groups of run->event_groups (run->now is its start).
 * Returns its A's state when it is an A: in the deadline queues already unless @defer. */
static AState *
step(Run *run, guint index, const Span *span, gboolean is_a, gboolean is_b, gboolean defer)
{
  if (is_b)
    for (guint g = 0; g < run->n_event_groups; g++)
      test_open_as(run, run->event_groups[g], index, span);
  AState *state = NULL;
  if (is_a) {
    state = state_new(run, index, span);
    run->results->n_a++;
    test_recent_bs(run, state);
    state->refs = 1 + run->n_event_groups;
    if (!defer)
      deadline_push(run, state);
    for (guint g = 0; g < run->n_event_groups; g++) {
      group_add_a(run->event_groups[g], state);
      run->queued++;
    }
  }
  if (is_b) {
    BEntry entry = {index, *span};
    for (guint g = 0; g < run->n_event_groups; g++) {
      group_add_b(run->event_groups[g], &entry);
      run->queued++;
    }
  }
  return state;
}

enum { ITEM_A = 1, ITEM_B = 2 };

/* Runs a chunk's items (see CHUNK_EVENTS). An event with several `by` values shares its A
 * between its groups, which must then see it at once: a chunk with such an event runs in
 * timeline order instead. */
static void
run_chunk(Run *run, const TwTimeline *timeline, ChunkItem *items, guint n_items, ChunkItem *sorted)
{
  gboolean shared = FALSE;
  for (guint k = 0; k < n_items && !shared; k++)
    shared = items[k].groups > 1;
  if (shared) {
    for (guint k = 0; k < n_items; k++) {
      const ChunkItem *item = &items[k];
      run->now = item->span.s;
      settle(run, run->now);
      const TwEvent *event = tw_timeline_get_event(timeline, item->index);
      const char *scalar;
      guint n_groups = _tw_correlate_field_begin(&run->rule->by, event, &scalar);
      find_groups(run, event, n_groups, scalar);
      step(run, item->index, &item->span, item->mask & ITEM_A, item->mask & ITEM_B, FALSE);
      if (run->queued > run->sweep_at)
        sweep(run);
    }
    return;
  }

  _tw_correlate_chunk_sort(items, n_items, sorted);
  if (run->cap_event_groups == 0) {
    run->cap_event_groups = 4;
    run->event_groups = g_new(Group *, run->cap_event_groups);
  }
  const char *value = NULL;
  for (guint k = 0; k < n_items; k++) {
    const ChunkItem *item = &sorted[k];
    if (value == NULL || (item->value != value && strcmp(item->value, value) != 0)) {
      run->event_groups[0] = lookup_group(run, item->value, item->hash);
      value = item->value;
    }
    run->n_event_groups = 1;
    run->now = item->span.s;
    items[item->slot].state =
        step(run, item->index, &item->span, item->mask & ITEM_A, item->mask & ITEM_B, TRUE);
  }
  /* The chunk's As join the deadline queues in timeline order; then those whose window closed
   * before the chunk's last event are settled (every later event starts no earlier). */
  for (guint k = 0; k < n_items; k++)
    if (items[k].state)
      deadline_push(run, items[k].state);
  run->now = items[n_items - 1].span.s;
  settle(run, run->now);
  if (run->queued > run->sweep_at)
    sweep(run);
}

void
_tw_correlate_run_sequence(const Rule *rule, const TwTimeline *timeline, Results *results)
{
  Run run = {.rule = rule, .results = results, .sweep_at = 4096};
  run.min_lag2 = _tw_correlate_min_lag2(rule);
  run.has_range = tw_timeline_get_range(timeline, NULL, &run.range_to);
  run.spare_groups = g_ptr_array_new_with_free_func(group_free);
  if (rule->by.kind == FIELD_NONE)
    run.single = group_new(&run);
  run.spare = g_ptr_array_new_with_free_func(g_free);
  run.candidates = g_array_new(FALSE, FALSE, sizeof(BEntry));
  /* Without `by` there is one group; transient values would need a copy for each item. */
  gboolean chunked = run.single == NULL && !rule->by.transient;
  g_autofree ChunkItem *items = chunked ? g_new(ChunkItem, CHUNK_EVENTS) : NULL;
  g_autofree ChunkItem *sorted = chunked ? g_new(ChunkItem, CHUNK_EVENTS) : NULL;
  guint n_items = 0;

  guint n = tw_timeline_get_n_events(timeline);
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    gboolean is_a = tw_selector_matches(rule->a, event);
    gboolean is_b = tw_selector_matches(rule->b, event);
    if (!is_a && !is_b)
      continue;
    const char *scalar;
    guint n_groups = _tw_correlate_field_begin(&rule->by, event, &scalar);
    if (n_groups == 0)
      continue;
    Span span;
    _tw_correlate_span(event, &span);
    if (chunked) {
      const char *value = _tw_correlate_field_at(&rule->by, event, scalar, 0);
      if (value == NULL && n_groups == 1)
        continue;
      ChunkItem item = {.index = i,
                        .groups = n_groups,
                        .value = value,
                        .hash = value ? _tw_correlate_hash(value) : 0,
                        .slot = n_items,
                        .span = span,
                        .mask = (is_a ? ITEM_A : 0) | (is_b ? ITEM_B : 0)};
      items[n_items++] = item;
      if (n_items == CHUNK_EVENTS) {
        run_chunk(&run, timeline, items, n_items, sorted);
        n_items = 0;
      }
      continue;
    }
    run.now = span.s;
    settle(&run, run.now);
    find_groups(&run, event, n_groups, scalar);
    step(&run, i, &span, is_a, is_b, FALSE);
    if (run.queued > run.sweep_at)
      sweep(&run);
  }
  if (n_items > 0)
    run_chunk(&run, timeline, items, n_items, sorted);

  AState *state;
  while ((state = deadline_pop(&run, G_MAXINT64)) != NULL) {
    finalize(&run, state);
    state_unref(&run, state);
  }
  if (run.single)
    group_release(&run, run.single);
  for (guint i = 0; i <= run.groups.mask && run.groups.slots; i++)
    if (run.groups.slots[i].key != NULL)
      group_release(&run, run.groups.slots[i].value);
  _tw_correlate_map_clear(&run.groups);
  g_ptr_array_free(run.spare_groups, TRUE);
  g_free(run.heap);
  g_free(run.fifo);
  g_ptr_array_free(run.spare, TRUE);
  g_free(run.event_groups);
  g_array_free(run.candidates, TRUE);

  _tw_correlate_sort_matches(results->matches);
  _tw_correlate_sort_unanswered(results->unanswered);
}
