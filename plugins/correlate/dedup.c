/* timeweave analyzers: dedup, which merges the events that different sources report for the same
 * happening into one event that lists every source (docs/analyzers.md).
 *
 * One pass over the selected events in timeline order keeps the events whose times may still
 * overlap the next one (the window). Each new event is compared with the events of the window:
 * a pair is a duplicate when the two are identical, or when they come from different sources and
 * agree in kind or title. When the window empties, the pairs found so far are settled: taken
 * best first, each joins the groups of its two events if every event of one group is a duplicate
 * of every event of the other. Each group becomes one event: the one whose date is the finest
 * (the survivor) takes the others' fields as documented, and the others are removed. Everything
 * is decided by the timeline's order and total comparisons, never by input order. */
#include "correlate.h"

#include <stdlib.h>
#include <string.h>

typedef enum {
  MATCH_KIND_OR_TITLE,
  MATCH_TITLE,
  MATCH_KIND_AND_TITLE,
} MatchMode;

typedef struct {
  const TwTimeline *timeline;
  TwSelector *select;
  MatchMode match;
  guint64 sim_num, sim_den; /* the similarity threshold, num / den */
  gint64 tolerance;
} Config;

/* A selected event in the current batch. */
typedef struct {
  guint index;
  const TwEvent *event;
  gint64 lo, hi; /* the instants it may have happened at, both included */
  char **words;  /* its title's words: casefolded, sorted, unique (made when first needed) */
  guint n_words;
  gint group; /* the batch position of its group's first member (union by complete linkage) */
  gint next;  /* the next member of its group, or -1 */
  guint size; /* for a group's first member: how many members */
} Item;

typedef struct {
  guint a, b;      /* batch positions, a < b */
  gboolean same;   /* identical */
  guint inter, un; /* title words in common and in all */
  gint64 distance; /* between the starts */
} Pair;

typedef struct {
  Config *config;
  GArray *items;     /* Item */
  GArray *active;    /* guint: batch positions of the events whose times may overlap later ones */
  GArray *pairs;     /* Pair */
  GHashTable *found; /* (a << 32 | b) of every pair in @pairs */
  TwTimeline *timeline;
  GArray *survivors;       /* guint: timeline indices of merged events */
  GHashTable *merged_into; /* removed event's id (borrowed) -> its survivor's index + 1 */
  guint64 n_removed;       /* events removed into a survivor */
  guint64 n_identical;     /* of which identical to another event of their group */
  guint64 n_selected;
} Run;

/* -- titles -- */

static int
compare_strings(gconstpointer x, gconstpointer y)
{
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The words of @title: maximal runs of letters and digits, NFKC-normalized and casefolded,
 * sorted and unique. A title without any is one word: itself, so that equal titles agree. */
static char **
title_words(const char *title, guint *n_out)
{
  g_autofree char *normal = g_utf8_normalize(title, -1, G_NORMALIZE_NFKC);
  g_autofree char *folded = g_utf8_casefold(normal ? normal : title, -1);
  GPtrArray *words = g_ptr_array_new();
  const char *start = NULL;
  for (const char *p = folded;; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    gboolean inside = c != 0 && g_unichar_isalnum(c);
    if (inside && start == NULL)
      start = p;
    if (!inside && start != NULL) {
      g_ptr_array_add(words, g_strndup(start, p - start));
      start = NULL;
    }
    if (c == 0)
      break;
  }
  if (words->len == 0)
    g_ptr_array_add(words, g_strdup(folded));
  g_ptr_array_sort(words, compare_strings);
  guint n = 0;
  for (guint i = 0; i < words->len; i++) {
    if (n > 0 && strcmp(words->pdata[i], words->pdata[n - 1]) == 0)
      g_free(words->pdata[i]);
    else
      words->pdata[n++] = words->pdata[i];
  }
  *n_out = n;
  g_ptr_array_set_size(words, n);
  g_ptr_array_add(words, NULL);
  return (char **)g_ptr_array_free(words, FALSE);
}

static void
ensure_words(Item *item)
{
  if (item->words == NULL)
    item->words = title_words(tw_event_get_title(item->event), &item->n_words);
}

/* Words in common, by merging the two sorted lists. */
static guint
common_words(Item *x, Item *y)
{
  ensure_words(x);
  ensure_words(y);
  guint i = 0, j = 0, common = 0;
  while (i < x->n_words && j < y->n_words) {
    int c = strcmp(x->words[i], y->words[j]);
    if (c == 0)
      common++;
    i += c <= 0;
    j += c >= 0;
  }
  return common;
}

/* -- comparing two events -- */

static gboolean
same_text(const char *a, const char *b)
{
  return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether every string of @a is in @b (lists are short: tags, actors). */
static gboolean
list_within(const TwEvent *a, const TwEvent *b, gboolean tags)
{
  guint na = tags ? tw_event_get_n_tags(a) : tw_event_get_n_actors(a);
  guint nb = tags ? tw_event_get_n_tags(b) : tw_event_get_n_actors(b);
  for (guint i = 0; i < na; i++) {
    const char *s = tags ? tw_event_get_tag(a, i) : tw_event_get_actor(a, i);
    gboolean found = FALSE;
    for (guint j = 0; j < nb && !found; j++)
      found = strcmp(s, tags ? tw_event_get_tag(b, j) : tw_event_get_actor(b, j)) == 0;
    if (!found)
      return FALSE;
  }
  return TRUE;
}

/* Identical: the same date, texts, position, tags, actors and attributes (lists and attributes
 * in any order); only the id and the source may differ. */
static gboolean
identical(const TwEvent *a, const TwEvent *b)
{
  if (tw_event_get_start(a) != tw_event_get_start(b) ||
      tw_event_get_end(a) != tw_event_get_end(b) ||
      tw_event_get_precision(a) != tw_event_get_precision(b) ||
      tw_event_get_qualifier(a) != tw_event_get_qualifier(b) ||
      tw_event_is_floating(a) != tw_event_is_floating(b) ||
      !same_text(tw_event_get_title(a), tw_event_get_title(b)) ||
      !same_text(tw_event_get_description(a), tw_event_get_description(b)) ||
      !same_text(tw_event_get_kind(a), tw_event_get_kind(b)) ||
      !same_text(tw_event_get_location(a), tw_event_get_location(b)) ||
      !same_text(tw_event_get_url(a), tw_event_get_url(b)) ||
      !same_text(tw_event_get_zone(a), tw_event_get_zone(b)))
    return FALSE;
  double lat_a, lon_a, lat_b, lon_b;
  gboolean geo_a = tw_event_get_geo(a, &lat_a, &lon_a);
  gboolean geo_b = tw_event_get_geo(b, &lat_b, &lon_b);
  if (geo_a != geo_b || (geo_a && (lat_a != lat_b || lon_a != lon_b)))
    return FALSE;
  if (tw_event_get_n_tags(a) != tw_event_get_n_tags(b) ||
      tw_event_get_n_actors(a) != tw_event_get_n_actors(b) ||
      tw_event_get_n_attributes(a) != tw_event_get_n_attributes(b))
    return FALSE;
  if (!list_within(a, b, TRUE) || !list_within(b, a, TRUE) || !list_within(a, b, FALSE) ||
      !list_within(b, a, FALSE))
    return FALSE;
  for (guint i = 0; i < tw_event_get_n_attributes(a); i++) {
    const TwAttribute *attribute = tw_event_get_attribute(a, i);
    if (!same_text(attribute->value, tw_event_lookup_attribute(b, attribute->key)))
      return FALSE;
  }
  return TRUE;
}

/* Whether @x and @y (x earlier in the batch) are reports of one happening; fills @pair. Their
 * times overlap already (they met in the window). */
static gboolean
test_pair(const Config *config, Item *x, Item *y, Pair *pair)
{
  *pair = (Pair){0};
  pair->distance = y->lo - x->lo;
  if (identical(x->event, y->event)) {
    pair->same = TRUE;
    pair->inter = pair->un = 1;
    return TRUE;
  }
  if (strcmp(tw_event_get_source(x->event), tw_event_get_source(y->event)) == 0)
    return FALSE;
  const char *kind_x = tw_event_get_kind(x->event), *kind_y = tw_event_get_kind(y->event);
  gboolean kind = kind_x && kind_y && strcmp(kind_x, kind_y) == 0;
  if (config->match == MATCH_KIND_AND_TITLE && !kind)
    return FALSE;
  pair->inter = common_words(x, y);
  pair->un = x->n_words + y->n_words - pair->inter;
  gboolean title = (guint64)pair->inter * config->sim_den >= (guint64)pair->un * config->sim_num;
  switch (config->match) {
  case MATCH_KIND_OR_TITLE:
    return kind || title;
  case MATCH_TITLE:
  case MATCH_KIND_AND_TITLE:
    return title;
  }
  return FALSE;
}

/* Best first: identical pairs, then the more similar titles, then the closer starts, then the
 * timeline's order. */
static int
compare_pairs(gconstpointer x, gconstpointer y)
{
  const Pair *a = x, *b = y;
  if (a->same != b->same)
    return a->same ? -1 : 1;
  guint64 sa = (guint64)a->inter * b->un, sb = (guint64)b->inter * a->un;
  if (sa != sb)
    return sa > sb ? -1 : 1;
  if (a->distance != b->distance)
    return a->distance < b->distance ? -1 : 1;
  if (a->a != b->a)
    return a->a < b->a ? -1 : 1;
  return a->b < b->b ? -1 : a->b > b->b;
}

/* -- merging a group -- */

/* The order in which a group's dates win: the finer precision, the narrower interval, a zoned
 * date before a floating one, the source's name, the timeline's order. */
static int
compare_rank(gconstpointer x, gconstpointer y)
{
  const Item *a = *(Item *const *)x, *b = *(Item *const *)y;
  const TwEvent *p = a->event, *q = b->event;
  if (tw_event_get_precision(p) != tw_event_get_precision(q))
    return tw_event_get_precision(p) < tw_event_get_precision(q) ? -1 : 1;
  gint64 wp = tw_event_get_end(p) - tw_event_get_start(p);
  gint64 wq = tw_event_get_end(q) - tw_event_get_start(q);
  if (wp != wq)
    return wp < wq ? -1 : 1;
  if (tw_event_is_floating(p) != tw_event_is_floating(q))
    return tw_event_is_floating(p) ? 1 : -1;
  int c = strcmp(tw_event_get_source(p), tw_event_get_source(q));
  if (c != 0)
    return c;
  return a->index < b->index ? -1 : a->index > b->index;
}

/* Adds the `;`-separated items of @list (an attribute an earlier dedup wrote) to @set. */
static void
add_list(GHashTable *set, const char *list)
{
  if (list == NULL)
    return;
  g_auto(GStrv) parts = g_strsplit(list, ";", -1);
  for (guint i = 0; parts[i]; i++) {
    g_strstrip(parts[i]);
    if (parts[i][0] != '\0')
      g_hash_table_add(set, g_strdup(parts[i]));
  }
}

/* The items of @set, sorted, joined with "; ". */
static char *
join_set(GHashTable *set)
{
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array(set, NULL);
  guint n = g_hash_table_size(set);
  qsort(keys, n, sizeof(gpointer), compare_strings);
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(out, "%s%s", i ? "; " : "", (char *)keys[i]);
  return g_string_free(out, FALSE);
}

static void
merge_group(Run *run, GPtrArray *members)
{
  TwTimeline *timeline = run->timeline;
  g_ptr_array_sort(members, compare_rank);
  const Item *keep = members->pdata[0];
  guint k = keep->index;

  /* Texts the survivor lacks come from the first member that has them; the description is the
   * longest one (the first of that length). */
  const char *description = NULL;
  glong description_length = -1;
  for (guint m = 0; m < members->len; m++) {
    const char *text = tw_event_get_description(((Item *)members->pdata[m])->event);
    glong length = text ? g_utf8_strlen(text, -1) : -1;
    if (length > description_length) {
      description = text;
      description_length = length;
    }
  }
  if (description && !same_text(description, tw_event_get_description(keep->event)))
    tw_timeline_set_field(timeline, k, "description", description);
  static const char *const fields[] = {"kind", "location", "url"};
  for (guint f = 0; f < G_N_ELEMENTS(fields); f++) {
    for (guint m = 0; m < members->len && !tw_event_get_field(keep->event, fields[f]); m++) {
      const char *text = tw_event_get_field(((Item *)members->pdata[m])->event, fields[f]);
      if (text)
        tw_timeline_set_field(timeline, k, fields[f], text);
    }
  }
  double latitude, longitude;
  if (!tw_event_get_geo(keep->event, &latitude, &longitude)) {
    for (guint m = 1; m < members->len; m++) {
      if (tw_event_get_geo(((Item *)members->pdata[m])->event, &latitude, &longitude)) {
        tw_timeline_set_geo(timeline, k, latitude, longitude);
        break;
      }
    }
  }

  /* Tags, actors and attributes are united, in rank order: for an attribute that several
   * members have, the first one's value. */
  g_autoptr(GHashTable) sources = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) merged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint m = 0; m < members->len; m++) {
    const TwEvent *event = ((Item *)members->pdata[m])->event;
    g_hash_table_add(sources, g_strdup(tw_event_get_source(event)));
    add_list(sources, tw_event_lookup_attribute(event, "sources"));
    add_list(merged, tw_event_lookup_attribute(event, "merged"));
    if (m == 0)
      continue;
    g_hash_table_add(merged, g_strdup(tw_event_get_id(event)));
    for (guint t = 0; t < tw_event_get_n_tags(event); t++)
      tw_timeline_add_tag(timeline, k, tw_event_get_tag(event, t));
    for (guint a = 0; a < tw_event_get_n_actors(event); a++)
      tw_timeline_add_actor(timeline, k, tw_event_get_actor(event, a));
    for (guint a = 0; a < tw_event_get_n_attributes(event); a++) {
      const TwAttribute *attribute = tw_event_get_attribute(event, a);
      if (strcmp(attribute->key, "sources") != 0 && strcmp(attribute->key, "merged") != 0 &&
          tw_event_lookup_attribute(keep->event, attribute->key) == NULL)
        tw_timeline_set_attribute(timeline, k, attribute->key, attribute->value);
    }
  }
  g_autofree char *source_list = join_set(sources);
  g_autofree char *merged_list = join_set(merged);
  tw_timeline_set_attribute(timeline, k, "sources", source_list);
  tw_timeline_set_attribute(timeline, k, "merged", merged_list);

  for (guint m = 1; m < members->len; m++) {
    const Item *item = members->pdata[m];
    gboolean copy = FALSE;
    for (guint o = 0; o < members->len && !copy; o++)
      copy = o != m && identical(item->event, ((Item *)members->pdata[o])->event);
    run->n_identical += copy;
    run->n_removed++;
    g_hash_table_insert(run->merged_into, (gpointer)tw_event_get_id(item->event),
                        GUINT_TO_POINTER(k + 1));
    tw_timeline_remove_event(timeline, item->index);
  }
  g_array_append_val(run->survivors, k);
}

/* -- batches -- */

static guint64
pair_key(guint a, guint b)
{
  return (guint64)a << 32 | b;
}

static gboolean
linked(Run *run, guint a, guint b)
{
  guint64 key = a < b ? pair_key(a, b) : pair_key(b, a);
  return g_hash_table_contains(run->found, &key);
}

/* Settles the batch: groups by complete linkage, best pairs first, then merges each group. */
static void
flush(Run *run)
{
  GArray *items = run->items;
  if (run->pairs->len > 0) {
    g_array_sort(run->pairs, compare_pairs);
    for (guint p = 0; p < run->pairs->len; p++) {
      const Pair *pair = &g_array_index(run->pairs, Pair, p);
      Item *x = &g_array_index(items, Item, pair->a), *y = &g_array_index(items, Item, pair->b);
      gint gx = x->group, gy = y->group;
      if (gx == gy)
        continue;
      gboolean all = TRUE;
      for (gint i = gx; i >= 0 && all; i = g_array_index(items, Item, i).next)
        for (gint j = gy; j >= 0 && all; j = g_array_index(items, Item, j).next)
          all = linked(run, (guint)i, (guint)j);
      if (!all)
        continue;
      /* Join gy's members to gx. */
      gint last = gx;
      while (g_array_index(items, Item, last).next >= 0)
        last = g_array_index(items, Item, last).next;
      g_array_index(items, Item, last).next = gy;
      for (gint j = gy; j >= 0; j = g_array_index(items, Item, j).next)
        g_array_index(items, Item, j).group = gx;
      g_array_index(items, Item, gx).size += g_array_index(items, Item, gy).size;
    }
    g_autoptr(GPtrArray) members = g_ptr_array_new();
    for (guint i = 0; i < items->len; i++) {
      const Item *item = &g_array_index(items, Item, i);
      if (item->group != (gint)i || item->size < 2)
        continue;
      g_ptr_array_set_size(members, 0);
      for (gint j = (gint)i; j >= 0; j = g_array_index(items, Item, j).next)
        g_ptr_array_add(members, &g_array_index(items, Item, j));
      merge_group(run, members);
    }
  }
  for (guint i = 0; i < items->len; i++)
    g_strfreev(g_array_index(items, Item, i).words);
  g_array_set_size(items, 0);
  g_array_set_size(run->active, 0);
  g_array_set_size(run->pairs, 0);
  g_hash_table_remove_all(run->found);
}

static void
add_event(Run *run, guint index, const TwEvent *event)
{
  const Config *config = run->config;
  Span span;
  _tw_correlate_span(event, &span);
  Item item = {.index = index, .event = event, .lo = span.s, .next = -1, .size = 1};
  /* Exact: its instant or its interval [start, end); fuzzy: an instant in [start, end). */
  gint64 end = tw_event_get_end(event);
  item.hi = end > span.s ? end - 1 : span.s;

  /* Events that ended before this one may have begun (less the tolerance) are out of reach of
   * it and of every later event. */
  guint keep = 0;
  for (guint a = 0; a < run->active->len; a++) {
    guint position = g_array_index(run->active, guint, a);
    if (g_array_index(run->items, Item, position).hi >= item.lo - config->tolerance)
      g_array_index(run->active, guint, keep++) = position;
  }
  g_array_set_size(run->active, keep);
  if (keep == 0 && run->items->len > 0)
    flush(run);

  guint position = run->items->len;
  item.group = (gint)position;
  g_array_append_val(run->items, item);
  Item *y = &g_array_index(run->items, Item, position);
  for (guint a = 0; a < run->active->len; a++) {
    guint other = g_array_index(run->active, guint, a);
    Pair pair;
    if (!test_pair(config, &g_array_index(run->items, Item, other), y, &pair))
      continue;
    pair.a = other;
    pair.b = position;
    g_array_append_val(run->pairs, pair);
    guint64 *key = g_new(guint64, 1);
    *key = pair_key(other, position);
    g_hash_table_add(run->found, key);
  }
  g_array_append_val(run->active, position);
}

/* -- options -- */

static int
compare_guint(gconstpointer x, gconstpointer y)
{
  guint a = *(const guint *)x, b = *(const guint *)y;
  return a < b ? -1 : a > b;
}

/* Reads a decimal from 0 to 1 ("0.5", "1", ".75") exactly, as @num / @den. */
static gboolean
parse_fraction(const char *text, guint64 *num, guint64 *den)
{
  const char *p = text;
  guint64 n = 0, d = 1;
  gboolean digits = FALSE;
  while (*p >= '0' && *p <= '9') {
    n = n * 10 + (guint64)(*p++ - '0');
    digits = TRUE;
    if (n > 1)
      return FALSE;
  }
  if (*p == '.') {
    p++;
    for (guint places = 0; *p >= '0' && *p <= '9'; places++) {
      if (places == 9)
        return FALSE;
      n = n * 10 + (guint64)(*p++ - '0');
      d *= 10;
      digits = TRUE;
    }
  }
  if (!digits || *p != '\0' || n > d)
    return FALSE;
  *num = n;
  *den = d;
  return TRUE;
}

/* The links of the events merged away now belong to their survivors: each link that names one
 * is added again between the survivors (the timeline drops the old one with the removed event),
 * unless it would join an event to itself or repeat a link already there. */
static void
redirect_links(Run *run)
{
  TwTimeline *timeline = run->timeline;
  guint n = tw_timeline_get_n_links(timeline);
  g_autoptr(GHashTable) present = NULL;
  for (guint i = 0; i < n; i++) {
    const TwLink *link = tw_timeline_get_link(timeline, i);
    guint from = GPOINTER_TO_UINT(g_hash_table_lookup(run->merged_into, tw_link_get_from(link)));
    guint to = GPOINTER_TO_UINT(g_hash_table_lookup(run->merged_into, tw_link_get_to(link)));
    if (!from && !to)
      continue;
    gint a = from ? (gint)from - 1 : tw_timeline_find_event(timeline, tw_link_get_from(link));
    gint b = to ? (gint)to - 1 : tw_timeline_find_event(timeline, tw_link_get_to(link));
    if (a < 0 || b < 0 || a == b)
      continue;
    if (!present) {
      present = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
      for (guint j = 0; j < n; j++) {
        const TwLink *l = tw_timeline_get_link(timeline, j);
        g_hash_table_add(present, g_strjoin("\x1f", tw_link_get_from(l), tw_link_get_to(l),
                                            tw_link_get_rule(l), NULL));
      }
    }
    const char *a_id = tw_event_get_id(tw_timeline_get_event(timeline, (guint)a));
    const char *b_id = tw_event_get_id(tw_timeline_get_event(timeline, (guint)b));
    char *key = g_strjoin("\x1f", a_id, b_id, tw_link_get_rule(link), NULL);
    if (!g_hash_table_add(present, key))
      continue;
    tw_timeline_add_link(timeline, (guint)a, (guint)b, tw_link_get_rule(link),
                         tw_link_get_lag_min(link), tw_link_get_lag_max(link),
                         tw_link_get_certainty(link));
  }
}

/* TwComponentCheck: the values the option types let through but dedup cannot use are refused
 * when the analyzer is added, before any source is read; the messages name the option in
 * quotes, so that `build` makes them a usage error and a spec's error names its line. dedup_run
 * calls it too, for callers that run the analyzer without adding it to a job. */
static gboolean
dedup_check(const TwOptions *options, GError **error)
{
  const char *similarity = tw_options_get_string(options, "similarity");
  guint64 num, den;
  if (!parse_fraction(similarity, &num, &den)) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'similarity' of dedup: '%s' is not a number from 0 to 1 (at most 9 "
                "decimals)",
                similarity);
    return FALSE;
  }
  if (tw_options_get_duration(options, "tolerance") < 0) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'tolerance' of dedup: a tolerance cannot be negative");
    return FALSE;
  }
  g_autoptr(GError) local = NULL;
  g_autoptr(TwSelector) select =
      tw_selector_compile(tw_options_get_string(options, "select"), &local);
  if (select == NULL) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE, "option 'select' of dedup: %s",
                local->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean
dedup_run(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  if (!_tw_correlate_check_run(analyzer, dedup_check, error))
    return FALSE;
  const TwOptions *options = tw_analyzer_get_options(analyzer);
  const char *name = tw_analyzer_get_name(analyzer);
  Config config = {.timeline = timeline};
  const char *similarity = tw_options_get_string(options, "similarity");
  parse_fraction(similarity, &config.sim_num, &config.sim_den);
  const char *match = tw_options_get_string(options, "match");
  config.match = strcmp(match, "title") == 0            ? MATCH_TITLE
                 : strcmp(match, "kind-and-title") == 0 ? MATCH_KIND_AND_TITLE
                                                        : MATCH_KIND_OR_TITLE;
  config.tolerance = MIN(tw_options_get_duration(options, "tolerance"), TW_TIME_MAX - TW_TIME_MIN);
  config.select = tw_selector_compile(tw_options_get_string(options, "select"), NULL);

  Run run = {.config = &config, .timeline = timeline};
  run.items = g_array_new(FALSE, FALSE, sizeof(Item));
  run.active = g_array_new(FALSE, FALSE, sizeof(guint));
  run.pairs = g_array_new(FALSE, FALSE, sizeof(Pair));
  run.found = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  run.survivors = g_array_new(FALSE, FALSE, sizeof(guint));
  run.merged_into = g_hash_table_new(g_str_hash, g_str_equal);
  guint n = tw_timeline_get_n_events(timeline);
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    if (!tw_selector_matches(config.select, event))
      continue;
    run.n_selected++;
    add_event(&run, i, event);
  }
  flush(&run);
  redirect_links(&run);

  g_array_sort(run.survivors, compare_guint);
  guint64 merged = run.n_removed + run.survivors->len;
  g_autofree char *summary =
      run.survivors->len == 0
          ? g_strdup_printf("no duplicates among %" G_GUINT64_FORMAT " events", run.n_selected)
          : g_strdup_printf("%" G_GUINT64_FORMAT
                            " reports merged into %u event%s, %" G_GUINT64_FORMAT
                            " removed (%" G_GUINT64_FORMAT " identical)",
                            merged, run.survivors->len, run.survivors->len == 1 ? "" : "s",
                            run.n_removed, run.n_identical);
  TwFinding *finding = tw_timeline_add_finding(timeline, name, name, "dedup", summary);
  for (guint i = 0; i < run.survivors->len; i++)
    tw_finding_add_event(finding, timeline, g_array_index(run.survivors, guint, i));
  tw_finding_set_attribute(finding, "select", tw_options_get_string(options, "select"));
  tw_finding_set_attribute(finding, "match", match);
  tw_finding_set_attribute(finding, "similarity", similarity);
  g_autofree char *tolerance = tw_duration_format(config.tolerance);
  tw_finding_set_attribute(finding, "tolerance", tolerance);
  char number[32];
  g_snprintf(number, sizeof number, "%" G_GUINT64_FORMAT, run.n_selected);
  tw_finding_set_attribute(finding, "selected", number);
  g_snprintf(number, sizeof number, "%u", run.survivors->len);
  tw_finding_set_attribute(finding, "merged_events", number);
  g_snprintf(number, sizeof number, "%" G_GUINT64_FORMAT, run.n_removed);
  tw_finding_set_attribute(finding, "removed", number);
  g_snprintf(number, sizeof number, "%" G_GUINT64_FORMAT, run.n_identical);
  tw_finding_set_attribute(finding, "identical", number);

  g_array_free(run.items, TRUE);
  g_array_free(run.active, TRUE);
  g_array_free(run.pairs, TRUE);
  g_hash_table_destroy(run.found);
  g_array_free(run.survivors, TRUE);
  g_hash_table_destroy(run.merged_into);
  tw_selector_free(config.select);
  return TRUE;
}

static const TwOptionSpec dedup_options[] = {
    {"select",
     TW_OPTION_STRING,
     "*",
     "A selector (docs/analyzers.md): the events that take part.",
     NULL,
     {NULL}},
    {"match",
     TW_OPTION_CHOICE,
     "kind-or-title",
     "What two reports from different sources whose times overlap must share: the same kind or "
     "similar titles (kind-or-title), similar titles (title), or both (kind-and-title).",
     "kind-or-title|title|kind-and-title",
     {NULL}},
    {"similarity",
     TW_OPTION_STRING,
     "0.5",
     "The least title similarity, from 0 to 1: the words the titles share divided by all their "
     "words (Jaccard), words being runs of letters and digits compared without case.",
     NULL,
     {NULL}},
    {"tolerance",
     TW_OPTION_DURATION,
     "0s",
     "How far apart two reports' times may be and still overlap (clocks that disagree).",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

const TwAnalyzerInfo _tw_analyzer_dedup = {
    .name = "dedup",
    .summary = "Merges the events that different sources report for one happening",
    .description =
        "Events from different sources whose times overlap (at the coarser precision, within the "
        "tolerance) and that have the same kind or similar titles are one happening: they become "
        "one event, the one with the finest date, which takes the longest description, the "
        "others' tags, actors and attributes, and the attributes `sources` (every source) and "
        "`merged` (the ids of the events merged into it). Identical events are dropped whatever "
        "their source. One finding counts the merges.",
    .options = dedup_options,
    .run = dedup_run,
    .check = dedup_check,
};
