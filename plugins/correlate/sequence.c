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

typedef struct {
  GPtrArray *as; /* AState, referenced */
  GArray *bs;    /* BEntry */
} Group;

typedef struct {
  const Rule *rule;
  Results *results;
  GHashTable *groups; /* value -> Group (with `by`) */
  Group *single;      /* without `by` */
  GPtrArray *heap;    /* AState, referenced; a min-heap on (deadline, index) */
  GPtrArray *spare;   /* freed AStates for reuse */
  GPtrArray *event_groups;
  GArray *candidates; /* BEntry, when an A has several groups */
  gint64 min_lag2;
  gboolean has_range;
  gint64 range_to;
  gint64 now; /* the start of the event being read */
  gsize queued;
  gsize sweep_at;
} Run;

static Group *
group_new(void)
{
  Group *group = g_new0(Group, 1);
  group->as = g_ptr_array_new();
  group->bs = g_array_new(FALSE, FALSE, sizeof(BEntry));
  return group;
}

static void
state_unref(Run *run, AState *state)
{
  if (--state->refs == 0)
    g_ptr_array_add(run->spare, state);
}

static void
group_free(Run *run, Group *group)
{
  for (guint i = 0; i < group->as->len; i++)
    state_unref(run, group->as->pdata[i]);
  g_ptr_array_free(group->as, TRUE);
  g_array_free(group->bs, TRUE);
  g_free(group);
}

/* -- the deadline heap -- */

static gboolean
heap_less(const AState *x, const AState *y)
{
  return x->deadline < y->deadline || (x->deadline == y->deadline && x->index < y->index);
}

static void
heap_push(GPtrArray *heap, AState *state)
{
  g_ptr_array_add(heap, state);
  guint i = heap->len - 1;
  while (i > 0) {
    guint parent = (i - 1) / 2;
    if (!heap_less(heap->pdata[i], heap->pdata[parent]))
      break;
    gpointer swap = heap->pdata[i];
    heap->pdata[i] = heap->pdata[parent];
    heap->pdata[parent] = swap;
    i = parent;
  }
}

static AState *
heap_pop(GPtrArray *heap)
{
  AState *top = heap->pdata[0];
  heap->pdata[0] = heap->pdata[heap->len - 1];
  g_ptr_array_set_size(heap, heap->len - 1);
  guint i = 0;
  for (;;) {
    guint smallest = i, left = 2 * i + 1, right = 2 * i + 2;
    if (left < heap->len && heap_less(heap->pdata[left], heap->pdata[smallest]))
      smallest = left;
    if (right < heap->len && heap_less(heap->pdata[right], heap->pdata[smallest]))
      smallest = right;
    if (smallest == i)
      break;
    gpointer swap = heap->pdata[i];
    heap->pdata[i] = heap->pdata[smallest];
    heap->pdata[smallest] = swap;
    i = smallest;
  }
  return top;
}

/* -- outcomes -- */

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
    Unanswered item = {state->index,
                       state->any_possible ? TW_CERTAINTY_POSSIBLE : TW_CERTAINTY_CERTAIN,
                       run->has_range && state->deadline >= run->range_to};
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
  for (guint i = 0; i < group->as->len; i++) {
    AState *state = group->as->pdata[i];
    if (a_is_open(run, state))
      group->as->pdata[keep++] = state;
    else
      state_unref(run, state);
  }
  g_ptr_array_set_size(group->as, keep);
  keep = 0;
  for (guint i = 0; i < group->bs->len; i++) {
    BEntry *entry = &g_array_index(group->bs, BEntry, i);
    if (b_is_useful(run, entry))
      g_array_index(group->bs, BEntry, keep++) = *entry;
  }
  g_array_set_size(group->bs, keep);
}

/* Bounds memory by the window: every so often, drop what no later event can use. */
static void
sweep(Run *run)
{
  gsize queued = 0;
  if (run->single) {
    prune_group(run, run->single);
    queued += run->single->as->len + run->single->bs->len;
  } else {
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, run->groups);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
      Group *group = value;
      prune_group(run, group);
      if (group->as->len == 0 && group->bs->len == 0) {
        g_hash_table_iter_remove(&iter);
        group_free(run, group);
      } else {
        queued += group->as->len + group->bs->len + 1;
      }
    }
  }
  run->queued = queued;
  run->sweep_at = MAX(4096, 2 * queued);
}

static void
find_groups(Run *run, const TwEvent *event, guint n_groups, const char *scalar)
{
  g_ptr_array_set_size(run->event_groups, 0);
  if (run->single) {
    g_ptr_array_add(run->event_groups, run->single);
    return;
  }
  for (guint k = 0; k < n_groups; k++) {
    const char *value = _tw_correlate_field_at(&run->rule->by, event, scalar, k);
    if (value == NULL)
      continue;
    Group *group = g_hash_table_lookup(run->groups, value);
    if (group == NULL) {
      group = group_new();
      g_hash_table_insert(run->groups, g_strdup(value), group);
      run->queued++;
    }
    g_ptr_array_add(run->event_groups, group);
  }
}

/* B @index has arrived: test it against the open As of @group. */
static void
test_open_as(Run *run, Group *group, guint index, const Span *span)
{
  guint keep = 0;
  for (guint i = 0; i < group->as->len; i++) {
    AState *state = group->as->pdata[i];
    if (!a_is_open(run, state)) {
      state_unref(run, state);
      run->queued--;
      continue;
    }
    group->as->pdata[keep++] = state;
    if (state->last_b == index + 1)
      continue;
    state->last_b = index + 1;
    gint64 lag_min, lag_max;
    PairResult result = _tw_correlate_test_pair(run->rule, &state->span, span, &lag_min, &lag_max);
    if (result != PAIR_NONE &&
        (record(run, state, index, result, lag_min, lag_max) || settled_first(run, state)))
      finalize(run, state);
  }
  g_ptr_array_set_size(group->as, keep);
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
  for (guint g = 0; g < run->event_groups->len; g++) {
    Group *group = run->event_groups->pdata[g];
    guint keep = 0;
    for (guint i = 0; i < group->bs->len; i++) {
      BEntry *entry = &g_array_index(group->bs, BEntry, i);
      if (!b_is_useful(run, entry)) {
        run->queued--;
        continue;
      }
      g_array_index(group->bs, BEntry, keep++) = *entry;
      g_array_append_val(candidates, *entry);
    }
    g_array_set_size(group->bs, keep);
  }
  if (run->event_groups->len > 1)
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

static int
compare_matches(gconstpointer x, gconstpointer y)
{
  const Match *a = x, *b = y;
  if (a->from != b->from)
    return a->from < b->from ? -1 : 1;
  return a->to < b->to ? -1 : a->to > b->to;
}

static int
compare_unanswered(gconstpointer x, gconstpointer y)
{
  const Unanswered *a = x, *b = y;
  return a->index < b->index ? -1 : a->index > b->index;
}

void
_tw_correlate_run_sequence(const Rule *rule, const TwTimeline *timeline, Results *results)
{
  Run run = {.rule = rule, .results = results, .sweep_at = 4096};
  run.min_lag2 = _tw_correlate_min_lag2(rule);
  run.has_range = tw_timeline_get_range(timeline, NULL, &run.range_to);
  if (rule->by.kind == FIELD_NONE)
    run.single = group_new();
  else
    run.groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  run.heap = g_ptr_array_new();
  run.spare = g_ptr_array_new_with_free_func(g_free);
  run.event_groups = g_ptr_array_new();
  run.candidates = g_array_new(FALSE, FALSE, sizeof(BEntry));

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
    run.now = span.s;

    /* As whose window closed before this event can no longer be followed. */
    while (run.heap->len > 0 && ((AState *)run.heap->pdata[0])->deadline < run.now) {
      AState *state = heap_pop(run.heap);
      finalize(&run, state);
      state_unref(&run, state);
    }

    find_groups(&run, event, n_groups, scalar);
    if (is_b)
      for (guint g = 0; g < run.event_groups->len; g++)
        test_open_as(&run, run.event_groups->pdata[g], i, &span);
    if (is_a) {
      AState *state = state_new(&run, i, &span);
      results->n_a++;
      test_recent_bs(&run, state);
      state->refs = 1 + run.event_groups->len;
      heap_push(run.heap, state);
      for (guint g = 0; g < run.event_groups->len; g++) {
        Group *group = run.event_groups->pdata[g];
        g_ptr_array_add(group->as, state);
        run.queued++;
      }
    }
    if (is_b) {
      BEntry entry = {i, span};
      for (guint g = 0; g < run.event_groups->len; g++) {
        Group *group = run.event_groups->pdata[g];
        g_array_append_val(group->bs, entry);
        run.queued++;
      }
    }
    if (run.queued > run.sweep_at)
      sweep(&run);
  }

  while (run.heap->len > 0) {
    AState *state = heap_pop(run.heap);
    finalize(&run, state);
    state_unref(&run, state);
  }
  if (run.single) {
    group_free(&run, run.single);
  } else {
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, run.groups);
    while (g_hash_table_iter_next(&iter, NULL, &value))
      group_free(&run, value);
    g_hash_table_destroy(run.groups);
  }
  g_ptr_array_free(run.heap, TRUE);
  g_ptr_array_free(run.spare, TRUE);
  g_ptr_array_free(run.event_groups, TRUE);
  g_array_free(run.candidates, TRUE);

  g_array_sort(results->matches, compare_matches);
  g_array_sort(results->unanswered, compare_unanswered);
}
