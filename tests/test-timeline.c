/* timeweave tests: the timeline's order, duplicates, and timelines larger than --memory-limit.
 *
 * Order: events with many equal starts (and equal ends, precisions, sources) from several sinks
 * come out in tw_event_compare() order, the same whatever order the sinks were closed in, and
 * a file read in many chunks on two threads gives the bytes of the file read whole.
 * Duplicates: events one source gave twice with one id merge into the first in that order, the
 * same on one thread and two, in one shard and in many.
 * Memory limit: the CLI run with a limit so small that every thousand events go to a run on
 * disk gives the same bytes as the run in memory (duplicates far apart, links, a source that
 * fails under --strict, chunks of a file read in parallel), and leaves $TMPDIR empty, also when
 * the run fails. */
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static char *scratch;
static char *tmp_dir; /* $TMPDIR of this process and of the CLI runs: must stay empty */
static TwRegistry *registry;

/* -- order -- */

typedef struct {
  gint64 start, end;
  TwPrecision precision;
  const char *source;
  char id[16];
  char title[32];
} Spec;

static void
add_events(TwTimeline *timeline, const Spec *specs, guint from, guint to, const char *sink_name)
{
  TwSink *sink = tw_timeline_open_sink(timeline, sink_name, FALSE);
  for (guint i = from; i < to; i++) {
    TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
    TwDate date = {.start = specs[i].start, .end = specs[i].start, .precision = TW_PRECISION_EXACT};
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_end(b, specs[i].end);
    tw_event_builder_set_source(b, specs[i].source);
    /* A third of the ids given, a third native (hashed with the source), a third derived from
     * the content: ties are decided by ids of each kind. */
    if (i % 3 == 0)
      tw_event_builder_set_id(b, specs[i].id);
    else if (i % 3 == 1)
      tw_event_builder_set_native_id(b, specs[i].id);
    tw_event_builder_set_title(b, specs[i].title);
    g_autoptr(GError) error = NULL;
    g_assert_true(tw_sink_commit(sink, &error));
  }
  tw_sink_close(sink);
}

static int
compare_pointers(gconstpointer a, gconstpointer b)
{
  return tw_event_compare(*(const TwEvent *const *)a, *(const TwEvent *const *)b);
}

static void
test_order(void)
{
  GRand *rand = g_rand_new_with_seed(20260213);
  guint n = 20000;
  Spec *specs = g_new0(Spec, n);
  static const char *const sources[] = {"alpha", "beta", "gamma"};
  for (guint i = 0; i < n; i++) {
    /* Few distinct starts and ends: many ties for the comparator after the radix passes. */
    specs[i].start = (gint64)g_rand_int_range(rand, -50, 50) * TW_USEC_PER_SEC * 3600 * 24 * 400 +
                     g_rand_int_range(rand, 0, 3);
    specs[i].end = specs[i].start + g_rand_int_range(rand, 0, 3);
    specs[i].source = sources[g_rand_int_range(rand, 0, 3)];
    g_snprintf(specs[i].id, sizeof specs[i].id, "id%05u", i);
    g_snprintf(specs[i].title, sizeof specs[i].title, "event %u", i);
  }
  /* The same events through sinks closed in two different orders. */
  TwTimeline *a = tw_timeline_new("a");
  TwTimeline *b = tw_timeline_new("b");
  for (guint s = 0; s < 4; s++)
    add_events(a, specs, s * n / 4, (s + 1) * n / 4, "s");
  for (guint s = 4; s-- > 0;)
    add_events(b, specs, s * n / 4, (s + 1) * n / 4, "s");
  /* And through 37 sinks of uneven sizes, some empty: the merge of the sorted sinks has a
   * number of inputs that is no power of two. */
  TwTimeline *c = tw_timeline_new("c");
  for (guint s = 0, at = 0; s < 37; s++) {
    guint size = s == 36 ? n - at : s % 5 == 3 ? 0 : MIN(n - at, (s % 7 + 1) * 150);
    add_events(c, specs, at, at + size, "s");
    at += size;
  }
  tw_timeline_finish(a);
  tw_timeline_finish(b);
  tw_timeline_finish(c);
  g_assert_cmpuint(tw_timeline_get_n_events(a), ==, n);
  g_assert_cmpuint(tw_timeline_get_n_events(b), ==, n);
  g_assert_cmpuint(tw_timeline_get_n_events(c), ==, n);

  const TwEvent **reference = g_new(const TwEvent *, n);
  for (guint i = 0; i < n; i++)
    reference[i] = tw_timeline_get_event(a, i);
  qsort(reference, n, sizeof *reference, compare_pointers);
  for (guint i = 0; i < n; i++) {
    g_assert_cmpstr(tw_event_get_id(tw_timeline_get_event(a, i)), ==,
                    tw_event_get_id(reference[i]));
    g_assert_cmpstr(tw_event_get_id(tw_timeline_get_event(b, i)), ==,
                    tw_event_get_id(reference[i]));
    g_assert_cmpstr(tw_event_get_id(tw_timeline_get_event(c, i)), ==,
                    tw_event_get_id(reference[i]));
  }
  g_free(reference);
  tw_timeline_free(a);
  tw_timeline_free(b);
  tw_timeline_free(c);
  g_free(specs);
  g_rand_free(rand);
}

/* Line numbers as ids (kept as numbers, TW_ID_NUMBER): the timeline skips its search for
 * duplicates only when no two events can share an id. Each case is sinks of native ids, with
 * the merges it must find: sinks of one source whose ranges meet at one line, or overlap; a sink
 * whose numbers repeat or go back; and the cases with none to find (other sources, ranges apart,
 * one event). */
static void
test_duplicates_line_numbers(void)
{
  static const struct {
    const char *sinks; /* sinks split by '|': "source:id,id,..." */
    guint merged;
  } cases[] = {
      {"s:1,2,3|s:3,4", 1}, {"s:1,2,3|s:2,3,4", 2},       {"s:4,5|s:1,2,4", 1},   {"s:5,3,5", 1},
      {"s:5,6,6", 1},       {"s:1,2,3|s:4,5|t:1,2,3", 0}, {"s:1,2,3|t:1,2,3", 0}, {"s:7", 0},
      {"s:3,2,1", 0},       {"s:1,2|s:x1|s:1", 1},
  };
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    TwTimeline *timeline = tw_timeline_new("t");
    g_auto(GStrv) sinks = g_strsplit(cases[c].sinks, "|", -1);
    guint n = 0;
    for (guint k = 0; sinks[k]; k++) {
      g_auto(GStrv) parts = g_strsplit(sinks[k], ":", 2);
      g_auto(GStrv) ids = g_strsplit(parts[1], ",", -1);
      TwSink *sink = tw_timeline_open_sink(timeline, parts[0], FALSE);
      for (guint i = 0; ids[i]; i++, n++) {
        TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
        TwDate date = {.start = (gint64)(n % 3) * TW_USEC_PER_SEC, .precision = TW_PRECISION_EXACT};
        date.end = date.start;
        tw_event_builder_set_date(b, &date);
        g_autofree char *title = g_strdup_printf("event %u", n);
        tw_event_builder_set_title(b, title);
        tw_event_builder_set_native_id(b, ids[i]);
        g_assert_true(tw_sink_commit(sink, NULL));
      }
      tw_sink_close(sink);
    }
    tw_timeline_finish(timeline);
    if (tw_timeline_get_n_merged(timeline) != cases[c].merged)
      g_error("%s: %" G_GUINT64_FORMAT " merged, not %u", cases[c].sinks,
              (guint64)tw_timeline_get_n_merged(timeline), cases[c].merged);
    g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, n - cases[c].merged);
    tw_timeline_free(timeline);
  }
}

/* Attribute keys given in the order the previous event gave them skip the search for a key
 * already set; a key set twice must still replace, however the events before left the sink's
 * cache of keys (an event with fewer keys leaves the later positions of an older one). */
/* Begins an event at the exact instant @seconds after the epoch. */
static TwEventBuilder *
begin_at(TwSink *sink, gint64 seconds)
{
  TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
  TwDate date = {.start = seconds * TW_USEC_PER_SEC, .precision = TW_PRECISION_EXACT};
  date.end = date.start;
  tw_event_builder_set_date(b, &date);
  return b;
}

static void
test_attribute_keys_repeated(void)
{
  static const char *const events[][7] = {
      {"x", "1", "y", "2", "z", "3", NULL},
      {"y", "p", "y", "q", NULL}, /* y, not first in the event before, then y where it was */
      {"y", "4", NULL},
      {"y", "5", "y", "6", NULL},           /* y, then y again where the first event had y */
      {"y", "7", "z", "8", "z", "9", NULL}, /* z twice where the first event had z */
      {"x", "a", "y", "b", "x", "c", NULL},
  };
  static const char *const expected[] = {"x=1 y=2 z=3", "y=q", "y=4", "y=6", "y=7 z=9", "x=c y=b"};
  TwTimeline *timeline = tw_timeline_new("t");
  TwSink *sink = tw_timeline_open_sink(timeline, "s", FALSE);
  for (guint e = 0; e < G_N_ELEMENTS(events); e++) {
    TwEventBuilder *b = begin_at(sink, e);
    tw_event_builder_set_title(b, "t");
    for (guint k = 0; events[e][k]; k += 2)
      tw_event_builder_set_attribute(b, events[e][k], events[e][k + 1]);
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, G_N_ELEMENTS(events));
  for (guint e = 0; e < G_N_ELEMENTS(events); e++) {
    const TwEvent *event = tw_timeline_get_event(timeline, e);
    g_autoptr(GString) got = g_string_new(NULL);
    for (guint k = 0; k < tw_event_get_n_attributes(event); k++) {
      const TwAttribute *a = tw_event_get_attribute(event, k);
      g_string_append_printf(got, "%s%s=%s", k ? " " : "", a->key, a->value);
    }
    g_assert_cmpstr(got->str, ==, expected[e]);
  }
  tw_timeline_free(timeline);
}

/* An attribute whose value is the event's title shares its text: the value must still be the
 * attribute's own, whether the title was trimmed or cut at a line break, or differs by a byte. */
static void
test_attribute_equal_to_title(void)
{
  static const struct {
    const char *title, *value, *stored_title;
  } events[] = {
      {"/home/a/file.txt", "/home/a/file.txt", "/home/a/file.txt"},
      {"  /home/a/file.txt  ", "  /home/a/file.txt  ", "/home/a/file.txt"},
      {"/home/a/file.txt", "/home/a/file.txT", "/home/a/file.txt"},
      {"first line\nsecond", "first line", "first line"},
      {"first line\nsecond", "first line\nsecond", "first line"},
  };
  TwTimeline *timeline = tw_timeline_new("t");
  TwSink *sink = tw_timeline_open_sink(timeline, "s", FALSE);
  for (guint e = 0; e < G_N_ELEMENTS(events); e++) {
    TwEventBuilder *b = begin_at(sink, e);
    tw_event_builder_set_title(b, events[e].title);
    tw_event_builder_set_attribute(b, "path", events[e].value);
    tw_event_builder_set_attribute(b, "title", events[e].value);
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, G_N_ELEMENTS(events));
  for (guint e = 0; e < G_N_ELEMENTS(events); e++) {
    const TwEvent *event = tw_timeline_get_event(timeline, e);
    g_assert_cmpstr(tw_event_get_title(event), ==, events[e].stored_title);
    g_assert_cmpstr(tw_event_lookup_attribute(event, "path"), ==, events[e].value);
    g_assert_cmpstr(tw_event_lookup_attribute(event, "title"), ==, events[e].value);
  }
  tw_timeline_free(timeline);
}

/* tw_sink_commit_keep(): the next event starts from what the last one had, a setter replaces,
 * a commit that fails or is outside the range keeps too, and tw_sink_begin() starts empty. */
static void
test_commit_keep(void)
{
  TwTimeline *timeline = tw_timeline_new("t");
  tw_timeline_set_range(timeline, 10 * TW_USEC_PER_SEC, 100 * TW_USEC_PER_SEC);
  TwSink *sink = tw_timeline_open_sink(timeline, "s", FALSE);
  TwDate date = {.start = 5 * TW_USEC_PER_SEC, .precision = TW_PRECISION_EXACT};
  date.end = date.start;

  /* The first, before the range: not stored, and the builder kept all the same. */
  TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_title(b, "  the file\nsecond line");
  tw_event_builder_set_kind(b, "m...");
  tw_event_builder_add_tag(b, "disk");
  tw_event_builder_set_attribute(b, "inode", "12");
  tw_event_builder_set_attribute(b, "size", "4096");
  tw_event_builder_set_native_id(b, "12|b");
  g_assert_true(tw_sink_commit_keep(sink, NULL));
  date.start = date.end = 10 * TW_USEC_PER_SEC;
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_native_id(b, "12|m");
  g_assert_true(tw_sink_commit_keep(sink, NULL));

  /* The second: another date, kind and id; one attribute replaced, a tag added. */
  date.start = date.end = 20 * TW_USEC_PER_SEC;
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_kind(b, ".a..");
  tw_event_builder_set_attribute(b, "size", "8192");
  tw_event_builder_add_tag(b, "late");
  tw_event_builder_set_native_id(b, "12|a");
  g_assert_true(tw_sink_commit_keep(sink, NULL));

  /* A failed commit (ends before it starts) keeps the builder as well. */
  tw_event_builder_set_end(b, 0);
  g_autoptr(GError) error = NULL;
  g_assert_false(tw_sink_commit_keep(sink, &error));
  g_assert_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID);
  date.start = date.end = 30 * TW_USEC_PER_SEC;
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_native_id(b, "12|c");
  g_assert_true(tw_sink_commit(sink, NULL));

  /* tw_sink_begin() after a commit starts an empty event: no title. */
  b = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(b, &date);
  g_clear_error(&error);
  g_assert_false(tw_sink_commit(sink, &error));
  g_assert_nonnull(strstr(error->message, "no title"));

  /* Nor after tw_sink_discard() of a kept event. */
  date.start = date.end = 40 * TW_USEC_PER_SEC;
  b = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_title(b, "kept, then discarded");
  g_assert_true(tw_sink_commit_keep(sink, NULL));
  tw_sink_discard(sink);
  b = tw_sink_begin(sink, NULL, 0);
  tw_event_builder_set_date(b, &date);
  g_clear_error(&error);
  g_assert_false(tw_sink_commit(sink, &error));
  tw_sink_close(sink);
  tw_timeline_finish(timeline);

  static const struct {
    gint64 start;
    const char *kind, *tags, *size;
  } expected[] = {
      {10, "m...", "disk", "4096"},
      {20, ".a..", "disk late", "8192"},
      {30, ".a..", "disk late", "8192"},
      {40, NULL, "", NULL},
  };
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, G_N_ELEMENTS(expected));
  g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    g_assert_cmpint(tw_event_get_start(event), ==, expected[i].start * TW_USEC_PER_SEC);
    if (!expected[i].kind) {
      g_assert_cmpstr(tw_event_get_title(event), ==, "kept, then discarded");
      continue;
    }
    g_assert_cmpstr(tw_event_get_title(event), ==, "the file");
    g_assert_cmpstr(tw_event_get_kind(event), ==, expected[i].kind);
    g_autoptr(GString) tags = g_string_new(NULL);
    for (guint k = 0; k < tw_event_get_n_tags(event); k++)
      g_string_append_printf(tags, "%s%s", k ? " " : "", tw_event_get_tag(event, k));
    g_assert_cmpstr(tags->str, ==, expected[i].tags);
    g_assert_cmpstr(tw_event_lookup_attribute(event, "inode"), ==, "12");
    g_assert_cmpstr(tw_event_lookup_attribute(event, "size"), ==, expected[i].size);
    g_assert_cmpuint(tw_event_get_n_attributes(event), ==, 2);
    g_assert_true(g_hash_table_add(ids, (gpointer)tw_event_get_id(event)));
  }
  tw_timeline_free(timeline);
}

static void
test_duplicates(void)
{
  TwTimeline *timeline = tw_timeline_new("t");
  static const struct {
    const char *source, *id, *title, *date, *tag, *kind;
  } rows[] = {
      {"s", "x", "late copy", "2026-03-01", "b", NULL},
      {"s", "x", "first", "2026-01-01", "a", "k"},
      {"s", "y", "y one", "2026-02-01", NULL, NULL},
      {"t", "x", "other source", "2026-01-15", NULL, NULL},
      {"s", "x", "middle", "2026-02-01", "a", "ignored"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    TwSink *sink = tw_timeline_open_sink(timeline, rows[i].source, FALSE);
    TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
    TwDate date;
    g_assert_true(tw_date_parse(rows[i].date, NULL, &date, NULL));
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_id(b, rows[i].id);
    tw_event_builder_set_title(b, rows[i].title);
    if (rows[i].tag)
      tw_event_builder_add_tag(b, rows[i].tag);
    if (rows[i].kind)
      tw_event_builder_set_kind(b, rows[i].kind);
    g_assert_true(tw_sink_commit(sink, NULL));
    tw_sink_close(sink);
  }
  tw_timeline_finish(timeline);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
  g_assert_cmpuint(tw_timeline_get_n_merged(timeline), ==, 2);
  const TwEvent *first = tw_timeline_get_event(timeline, 0);
  g_assert_cmpstr(tw_event_get_title(first), ==, "first");
  g_assert_cmpstr(tw_event_get_kind(first), ==, "k");
  g_assert_cmpuint(tw_event_get_n_tags(first), ==, 2);
  g_assert_cmpstr(tw_event_get_tag(first, 0), ==, "a");
  g_assert_cmpstr(tw_event_get_tag(first, 1), ==, "b");
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(timeline, 1)), ==, "other source");
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(timeline, 2)), ==, "y one");
  tw_timeline_free(timeline);
}

/* -- attributes -- */

/* Event @i's attributes: a list of keys that changes from event to event (a row's empty cells
 * give none), values that repeat and values of its own. */
static char *
expected_attributes(guint i)
{
  static const char *const key_sets[][4] = {
      {"a", "b", NULL}, {"b", "a", NULL}, {"a", NULL}, {NULL}, {"a", "b", "c", NULL}};
  GString *s = g_string_new(NULL);
  for (const char *const *key = key_sets[i % 5]; *key; key++) {
    if (strcmp(*key, "a") == 0)
      g_string_append_printf(s, "a=A%u;", i % 4);
    else if (strcmp(*key, "b") == 0)
      g_string_append_printf(s, "b=b%u;", i);
    else
      g_string_append(s, "c=c;");
  }
  return g_string_free(s, FALSE);
}

static void
set_expected_attributes(TwEventBuilder *b, guint i)
{
  g_autofree char *text = expected_attributes(i);
  g_auto(GStrv) pairs = g_strsplit(text, ";", -1);
  for (guint k = 0; pairs[k] && *pairs[k]; k++) {
    char *eq = strchr(pairs[k], '=');
    *eq = '\0';
    tw_event_builder_set_attribute(b, pairs[k], eq + 1);
  }
}

/* The attributes of @e as tw_event_get_attribute() gives them, "k=v;" each. */
static char *
actual_attributes(const TwEvent *e)
{
  GString *s = g_string_new(NULL);
  for (guint k = 0; k < tw_event_get_n_attributes(e); k++) {
    const TwAttribute *a = tw_event_get_attribute(e, k);
    g_assert_cmpstr(tw_event_lookup_attribute(e, a->key), ==, a->value);
    g_string_append_printf(s, "%s=%s;", a->key, a->value);
  }
  return g_string_free(s, FALSE);
}

/* Begins a copy of the event @title with id @id, at the epoch. */
static TwEventBuilder *
begin_copy(TwSink *sink, const char *title, const char *id)
{
  TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
  TwDate date = {.start = 0, .end = 0, .precision = TW_PRECISION_EXACT};
  tw_event_builder_set_date(b, &date);
  tw_event_builder_set_title(b, title);
  tw_event_builder_set_id(b, id);
  return b;
}

typedef struct {
  TwTimeline *timeline;
  const TwAttribute **pairs; /* what each thread got, attribute after attribute */
} PairReading;

static gpointer
read_pairs(gpointer data)
{
  PairReading *r = data;
  guint k = 0;
  for (guint i = 0; i < tw_timeline_get_n_events(r->timeline); i++) {
    const TwEvent *e = tw_timeline_get_event(r->timeline, i);
    for (guint a = 0; a < tw_event_get_n_attributes(e); a++)
      r->pairs[k++] = tw_event_get_attribute(e, a);
  }
  return NULL;
}

/* An event keeps its attributes' values alone, the keys shared (private.h), and
 * tw_event_get_attribute() makes the pairs on first use: every event gets its own keys and
 * values back, from four threads at once, as one pointer per attribute; also after a merge of
 * duplicates, a change of kind, and a changed attribute, on events whose stored values other
 * events share. The exports read the stored form; their bytes are pinned by test-export. */
static void
test_attribute_forms(void)
{
  const guint n = 2000;
  TwTimeline *timeline = tw_timeline_new("t");
  const char *const sources[] = {"src", "other"};
  for (guint s = 0; s < G_N_ELEMENTS(sources); s++) {
    TwSink *sink = tw_timeline_open_sink(timeline, sources[s], FALSE);
    for (guint i = s; i < n; i += 2) {
      TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
      /* Two events a second: the second of each pair stores the values of the first when
       * equal. */
      TwDate date = {.start = (gint64)(i / 4) * TW_USEC_PER_SEC, .precision = TW_PRECISION_EXACT};
      date.end = date.start;
      tw_event_builder_set_date(b, &date);
      g_autofree char *title = g_strdup_printf("event %u", i);
      tw_event_builder_set_title(b, title);
      set_expected_attributes(b, i);
      g_assert_true(tw_sink_commit(sink, NULL));
    }
    tw_sink_close(sink);
  }
  /* A duplicate (one id twice) whose second copy brings an attribute the first lacks; and one
   * whose second copy brings only a kind, which the first takes with its keys. */
  TwSink *sink = tw_timeline_open_sink(timeline, "dup", FALSE);
  for (guint copy = 0; copy < 2; copy++) {
    TwEventBuilder *b = begin_copy(sink, "duplicate", "dup-1");
    tw_event_builder_set_attribute(b, "a", "first");
    if (copy == 1) {
      tw_event_builder_set_attribute(b, "a", "second");
      tw_event_builder_set_attribute(b, "d", "only in the second");
    }
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  for (guint copy = 0; copy < 2; copy++) {
    TwEventBuilder *b = begin_copy(sink, "kind from the duplicate", "dup-2");
    tw_event_builder_set_attribute(b, "a", copy ? "second" : "first");
    if (copy == 1)
      tw_event_builder_set_kind(b, "login");
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  guint n_events = tw_timeline_get_n_events(timeline);
  g_assert_cmpuint(n_events, ==, n + 2);

  /* A change of kind keeps the keys; a changed attribute changes one event only. */
  guint changed_kind = 0, changed_value = 0;
  for (guint i = 0; i < n_events; i++) {
    const char *title = tw_event_get_title(tw_timeline_get_event(timeline, i));
    if (strcmp(title, "event 104") == 0)
      changed_kind = i;
    if (strcmp(title, "event 100") == 0)
      changed_value = i;
  }
  g_assert_true(tw_timeline_set_field(timeline, changed_kind, "kind", "changed"));
  tw_timeline_set_attribute(timeline, changed_value, "a", "new");

  PairReading readings[4];
  GThread *threads[4];
  guint n_pairs = 0;
  for (guint i = 0; i < n_events; i++)
    n_pairs += tw_event_get_n_attributes(tw_timeline_get_event(timeline, i));
  for (guint t = 0; t < 4; t++) {
    readings[t] = (PairReading){timeline, g_new0(const TwAttribute *, n_pairs)};
    threads[t] = g_thread_new("pairs", read_pairs, &readings[t]);
  }
  for (guint t = 0; t < 4; t++)
    g_thread_join(threads[t]);
  for (guint k = 0; k < n_pairs; k++)
    for (guint t = 1; t < 4; t++)
      g_assert_true(readings[t].pairs[k] == readings[0].pairs[k]);

  guint k = 0;
  for (guint i = 0; i < n_events; i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    const char *title = tw_event_get_title(e);
    g_autofree char *actual = actual_attributes(e);
    for (guint a = 0; a < tw_event_get_n_attributes(e); a++, k++)
      g_assert_true(tw_event_get_attribute(e, a) == readings[0].pairs[k]);
    if (strcmp(title, "duplicate") == 0) {
      g_assert_cmpstr(actual, ==, "a=first;d=only in the second;");
      continue;
    }
    if (strcmp(title, "kind from the duplicate") == 0) {
      g_assert_cmpstr(actual, ==, "a=first;");
      g_assert_cmpstr(tw_event_get_kind(e), ==, "login");
      continue;
    }
    guint number = (guint)atoi(title + strlen("event "));
    g_autofree char *expected = expected_attributes(number);
    if (number == 100) {
      g_free(expected);
      expected = g_strdup_printf("a=new;b=b100;");
    }
    g_assert_cmpstr(actual, ==, expected);
    g_assert_cmpstr(tw_event_get_kind(e), ==, number == 104 ? "changed" : NULL);
  }
  g_assert_cmpuint(k, ==, n_pairs);
  for (guint t = 0; t < 4; t++)
    g_free(readings[t].pairs);
  tw_timeline_free(timeline);
}

/* -- ids -- */

typedef struct {
  TwTimeline *timeline;
  const char **ids; /* what each thread got, per event */
} IdReading;

static gpointer
read_ids(gpointer data)
{
  IdReading *r = data;
  guint n = tw_timeline_get_n_events(r->timeline);
  for (guint i = 0; i < n; i++)
    r->ids[i] = tw_event_get_id(tw_timeline_get_event(r->timeline, i));
  return NULL;
}

/* Ids that are hashes are not stored with each event but written out when needed: the values
 * are those that were stored before (the same input gives the same id, in every version), and
 * tw_event_get_id() gives one pointer, from any thread, that an event keeps when its title (of
 * which its id may be made) changes. */
static void
test_ids(void)
{
  TwTimeline *timeline = tw_timeline_new("t");
  TwSink *sink = tw_timeline_open_sink(timeline, "src", FALSE);
  static const struct {
    const char *date, *native, *id, *expected;
  } rows[] = {
      /* Values written by commit 461859e, which stored every id. */
      {"2026-01-01T10:00:00Z", NULL, NULL, "f55005bb64e0e555188f255b5ccd66d7"},
      {"2026-01", "17", NULL, "60ed84cb0b6781a551942e890d6fada5"},
      {"early 2025", "0123456789012345678901234567890123456789", NULL,
       "3287215d991255ae344a0d0e0f5f84d3"},
      {"2026-03-01", NULL, "plain-id", "plain-id"},
      /* Native ids that are numbers are kept as numbers, the others as text, and both give the
       * id their text gives (values written by ab00935, which kept every native id as text). */
      {"2026-04-01", "0", NULL, "eca1082a1717382a8da54cb184e205a7"},
      {"2026-04-01", "7", NULL, "fcc38a2b2837b11eb9480790081a3948"},
      {"2026-04-01", "007", NULL, "a26d32ca062ec58b18eeec33677b61fa"},
      {"2026-04-01", "123456789012345678", NULL, "8dfdfe05e679f76e64e5ee436358df22"},
      {"2026-04-01", "9999999999999999999", NULL, "552b44ca35cec014571bb9cb8b8d8dd4"},
      {"2026-04-01", "12a", NULL, "73b55523bcb8f79e10dd45cc38ac6e5d"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
    TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
    TwDate date;
    g_assert_true(tw_date_parse(rows[i].date, NULL, &date, NULL));
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_title(b, "an event");
    if (rows[i].native)
      tw_event_builder_set_native_id(b, rows[i].native);
    if (rows[i].id)
      tw_event_builder_set_id(b, rows[i].id);
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  /* Many events with derived ids, for the threads below. */
  for (guint i = 0; i < 5000; i++) {
    TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
    TwDate date = {.start = (gint64)i * TW_USEC_PER_SEC, .precision = TW_PRECISION_EXACT};
    date.end = date.start;
    tw_event_builder_set_date(b, &date);
    g_autofree char *title = g_strdup_printf("event %u", i % 7);
    tw_event_builder_set_title(b, title);
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  /* A re-imported export gives the first row's derived id as text, from a source of the same
   * name: one event with the row (found as a duplicate by a hash of the text on one side and of
   * the row's content on the other). The same for the id of the long native id (kept as the
   * hash's value), and of the number. */
  sink = tw_timeline_open_sink(timeline, "src", FALSE);
  const guint reimported[] = {0, 2, 5};
  for (guint i = 0; i < G_N_ELEMENTS(reimported); i++) {
    TwEventBuilder *again = tw_sink_begin(sink, NULL, 0);
    TwDate later;
    g_assert_true(tw_date_parse("2027-06-01", NULL, &later, NULL));
    tw_event_builder_set_date(again, &later);
    tw_event_builder_set_title(again, "re-imported");
    tw_event_builder_set_id(again, rows[reimported[i]].expected);
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  guint n = tw_timeline_get_n_events(timeline);
  g_assert_cmpuint(n, ==, 5000 + G_N_ELEMENTS(rows));
  g_assert_cmpuint(tw_timeline_get_n_merged(timeline), ==, G_N_ELEMENTS(reimported));

  /* Four threads ask for every id at once, before anything else has (finding an event by id
   * writes them all out): one text per event, the same for all, whatever form the record kept
   * (derived, a native id's text, a number, a hash). */
  IdReading readings[4];
  GThread *threads[4];
  for (guint t = 0; t < 4; t++) {
    readings[t] = (IdReading){timeline, g_new0(const char *, n)};
    threads[t] = g_thread_new("ids", read_ids, &readings[t]);
  }
  for (guint t = 0; t < 4; t++)
    g_thread_join(threads[t]);
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < n; i++) {
    for (guint t = 1; t < 4; t++)
      g_assert_true(readings[t].ids[i] == readings[0].ids[i]);
    g_assert_cmpuint(strlen(readings[0].ids[i]), >, 0);
    g_assert_true(g_hash_table_add(seen, (gpointer)readings[0].ids[i]));
  }
  g_hash_table_unref(seen);

  /* Each id is what its text form was, and stays put. */
  for (guint r = 0; r < G_N_ELEMENTS(rows); r++) {
    gint at = tw_timeline_find_event(timeline, rows[r].expected);
    g_assert_cmpint(at, >=, 0);
    const TwEvent *e = tw_timeline_get_event(timeline, (guint)at);
    g_assert_cmpstr(tw_event_get_id(e), ==, rows[r].expected);
    g_assert_true(tw_event_get_id(e) == readings[0].ids[at]);
    g_assert_cmpstr(tw_event_get_field(e, "id"), ==, rows[r].expected);
    g_assert_cmpstr(tw_event_get_title(e), ==, "an event");
  }
  for (guint t = 0; t < 4; t++)
    g_free(readings[t].ids);
  tw_timeline_free(timeline);

  /* A derived id does not follow the title it was made of. And two events of one source share
   * their source, kind and zone as one stored set of names: a kind set on one of them leaves
   * the other alone. */
  timeline = tw_timeline_new("t");
  sink = tw_timeline_open_sink(timeline, "src", FALSE);
  for (guint i = 0; i < 2; i++) {
    TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
    TwDate date;
    g_assert_true(tw_date_parse(i ? "2027-01-01" : rows[0].date, NULL, &date, NULL));
    tw_event_builder_set_date(b, &date);
    tw_event_builder_set_title(b, "an event");
    tw_event_builder_set_kind(b, "note");
    g_assert_true(tw_sink_commit(sink, NULL));
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  g_assert_true(tw_timeline_set_field(timeline, 0, "title", "renamed"));
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(timeline, 0)), ==, "renamed");
  g_assert_cmpstr(tw_event_get_id(tw_timeline_get_event(timeline, 0)), ==, rows[0].expected);
  g_assert_true(tw_timeline_set_field(timeline, 0, "kind", "renamed"));
  g_assert_cmpstr(tw_event_get_kind(tw_timeline_get_event(timeline, 0)), ==, "renamed");
  g_assert_cmpstr(tw_event_get_source(tw_timeline_get_event(timeline, 0)), ==, "src");
  g_assert_cmpstr(tw_event_get_kind(tw_timeline_get_event(timeline, 1)), ==, "note");
  tw_timeline_free(timeline);
}

/* -- --memory-limit, through the CLI -- */

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear(Run *run)
{
  g_free(run->out);
  g_free(run->err);
}

static void
run_cli(const char *const *args, const char *tmpdir, const char *chunk_size, Run *run)
{
  const char *build = g_getenv("TW_BUILD_ROOT");
  g_autofree char *tw = g_build_filename(build ? build : ".", "cli", "timeweave", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, tw);
  g_ptr_array_add(argv, (gpointer) "build");
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);
  g_auto(GStrv) env = g_get_environ();
  env = g_environ_setenv(env, "TMPDIR", tmpdir, TRUE);
  if (chunk_size)
    env = g_environ_setenv(env, "TW_CHUNK_SIZE", chunk_size, TRUE);
  else
    env = g_environ_unsetenv(env, "TW_CHUNK_SIZE");
  g_autoptr(GError) error = NULL;
  int wait_status = 0;
  g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                             &run->out, &run->err, &wait_status, &error));
  g_assert_no_error(error);
  if (!WIFEXITED(wait_status))
    g_error("timeweave did not exit: %s", run->err);
  run->status = WEXITSTATUS(wait_status);
}

static void
assert_empty_dir(const char *path)
{
  g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
  g_assert_nonnull(dir);
  const char *name = g_dir_read_name(dir);
  if (name)
    g_error("%s is not empty: %s", path, name);
}

/* The same run in memory and under a tiny limit: same status, bytes and messages. */
static void
check_limit(const char *const *args, const char *const *limited_args, const char *chunk_size)
{
  Run memory, disk;
  run_cli(args, tmp_dir, chunk_size, &memory);
  run_cli(limited_args, tmp_dir, chunk_size, &disk);
  g_assert_cmpint(disk.status, ==, memory.status);
  g_assert_cmpstr(disk.err, ==, memory.err);
  g_assert_cmpstr(disk.out, ==, memory.out);
  assert_empty_dir(tmp_dir);
  run_clear(&memory);
  run_clear(&disk);
}

static char *
write_file(const char *name, const char *content, gssize length)
{
  char *path = g_build_filename(scratch, name, NULL);
  g_assert_true(g_file_set_contents(path, content, length, NULL));
  return path;
}

/* The events of the memory-limit tests, written once. */
static char *
events_jsonl(void)
{
  static char *path;
  if (path)
    return path;
  /* JSON Lines: given ids repeated far apart with other fields (they merge into the first in
   * the timeline's order), exact repeats, equal starts, links between ids, broken lines. */
  g_autoptr(GString) jsonl = g_string_new(NULL);
  GRand *rand = g_rand_new_with_seed(7);
  for (guint i = 0; i < 12000; i++) {
    guint day = (guint)g_rand_int_range(rand, 1, 29);
    guint minute = (guint)g_rand_int_range(rand, 0, 3);
    if (i % 997 == 5) {
      g_string_append(jsonl, "{\"date\": \"2026-01-01\", broken\n");
      continue;
    }
    if (i % 5 == 0)
      g_string_append_printf(jsonl,
                             "{\"id\":\"e%u\",\"date\":\"2026-02-%02uT10:%02u:00Z\",\"title\":\"id "
                             "%u\",\"tags\":[\"t%u\"],\"links\":[{\"to\":\"e%u\"}]}\n",
                             i % 700, day, minute, i, i % 3, (i * 7) % 700);
    else
      g_string_append_printf(jsonl,
                             "{\"date\":\"2026-02-%02uT10:%02u:00Z\",\"title\":\"event %u\","
                             "\"kind\":\"k%u\",\"attributes\":{\"n\":\"%u\"}}\n",
                             day, minute, i % 300, i % 4, i % 13);
  }
  g_rand_free(rand);
  path = write_file("events.jsonl", jsonl->str, (gssize)jsonl->len);
  return path;
}

/* A JSON document with links between its events (some of whose ids repeat, some missing). */
static char *
links_json(void)
{
  static char *path;
  if (path)
    return path;
  g_autoptr(GString) doc = g_string_new("{\"title\": \"links\", \"events\": [\n");
  for (guint i = 0; i < 4000; i++)
    g_string_append_printf(doc,
                           "%s{\"id\": \"d%u\", \"date\": \"2026-02-%02uT11:00:00Z\", "
                           "\"title\": \"linked %u\", \"tags\": [\"l%u\"]}\n",
                           i ? "," : "", i % 1500, 1 + i % 27, i, i % 5);
  g_string_append(doc, "], \"links\": [\n");
  for (guint i = 0; i < 900; i++)
    g_string_append_printf(doc,
                           "%s{\"from\": \"d%u\", \"to\": \"%s%u\", \"rule\": \"r%u\", "
                           "\"lag_min\": \"1h\", \"lag_max\": \"2h\"}\n",
                           i ? "," : "", (i * 13) % 1500, i % 10 == 9 ? "missing" : "d",
                           (i * 7) % 1500, i % 3);
  g_string_append(doc, "]}\n");
  path = write_file("links.json", doc->str, (gssize)doc->len);
  return path;
}

static void
test_memory_limit(void)
{
  g_autofree char *spec = g_strdup_printf("json:%s", events_jsonl());
  g_autofree char *links_spec = g_strdup_printf("json:%s", links_json());
  g_autofree char *csv_fixture = tw_test_fixture("csv/events.csv");
  g_autofree char *csv_spec = g_strdup_printf("csv:%s", csv_fixture);

  for (guint j = 1; j <= 2; j++) {
    const char *jobs = j == 1 ? "1" : "2";
    const char *args[] = {"-j",       jobs, "-s",   spec, "-s", csv_spec, "-s",
                          links_spec, "-f", "json", "-o", "-",  NULL};
    const char *limited[] = {"-j",     jobs, "--memory-limit", "64K", "-s",   spec, "-s",
                             csv_spec, "-s", links_spec,       "-f",  "json", "-o", "-",
                             NULL};
    /* Chunks of the file read in parallel (or one after the other), each going to disk on its
     * own; the rest with two threads only (the sanitizers make each run slow). */
    check_limit(args, limited, "20000");
    if (j == 1)
      continue;
    check_limit(args, limited, NULL);
    const char *csv_args[] = {"-j", jobs, "-s", spec, "-f", "csv", "-o", "-", NULL};
    const char *csv_limited[] = {
        "-j", jobs, "--memory-limit", "100K", "-s", spec, "-f", "csv", "-o", "-", NULL};
    check_limit(csv_args, csv_limited, "50000");
  }
  /* Under --strict the broken line fails the source after events went to disk: the same
   * failure, nothing left behind. */
  const char *strict[] = {"--strict", "-s", spec, "-f", "jsonl", "-o", "-", NULL};
  const char *strict_limited[] = {"--strict", "--memory-limit", "64K", "-s", spec,
                                  "-f",       "jsonl",          "-o",  "-",  NULL};
  check_limit(strict, strict_limited, "20000");

  /* Analyzers need the timeline in memory. (The embedded rules: correlate refuses to be added
   * without any, before the run.) */
  const char *story =
      "correlate:rules=resource:///org/timeweave/timelines/ai-chip-race/story.rules";
  const char *analyzed[] = {"--memory-limit", "64K", "-s", spec, "-a", story, "-f",
                            "json",           "-o",  "-",  NULL};
  Run run;
  run_cli(analyzed, tmp_dir, NULL, &run);
  g_assert_cmpint(run.status, ==, 1);
  g_assert_nonnull(strstr(run.err, "analyzers need them in memory"));
  run_clear(&run);
  assert_empty_dir(tmp_dir);

  /* A limit that is no size: a usage error in one line. */
  const char *bad[] = {"--memory-limit", "12Q", "-s", spec, "-f", "json", "-o", "-", NULL};
  run_cli(bad, tmp_dir, NULL, &run);
  g_assert_cmpint(run.status, ==, 2);
  g_assert_true(g_str_has_prefix(run.err, "timeweave: '12Q' is not a size"));
  g_assert_nonnull(strchr(run.err, '\n'));
  g_assert_cmpstr(strchr(run.err, '\n'), ==, "\n");
  g_assert_cmpstr(run.out, ==, "");
  run_clear(&run);
}

/* A file read in some 40 chunks on two threads: each chunk's events are sorted on the thread
 * that read it, and the sorted chunks are merged by two threads, one from each end. The result
 * must be the bytes of the same file read whole on one thread (one sort, no merge): many equal
 * starts (days and instants at the same midnight, equal titles), ids given twice in different
 * chunks (merged into the first in the order), exact repeats; and again with the shards' records
 * put in order in place rather than copied. */
static void
test_order_chunks(void)
{
  g_autoptr(GString) jsonl = g_string_new(NULL);
  GRand *rand = g_rand_new_with_seed(20261128);
  guint n = 24000; /* above the size from which finishing uses a second thread */
  for (guint i = 0; i < n; i++) {
    guint day = (guint)g_rand_int_range(rand, 1, 9);
    guint kind = (guint)g_rand_int_range(rand, 0, 4);
    g_autofree char *when = kind == 0 ? g_strdup_printf("2026-03-%02u", day)
                                      : g_strdup_printf("2026-03-%02uT00:00:00Z", day);
    if (kind == 1)
      g_string_append_printf(jsonl, "{\"id\":\"r%u\",\"date\":\"%s\",\"title\":\"given %u\"}\n",
                             (guint)g_rand_int_range(rand, 0, 2000), when, i);
    else
      g_string_append_printf(jsonl, "{\"date\":\"%s\",\"title\":\"t%u\",\"kind\":\"k%u\"}\n", when,
                             (guint)g_rand_int_range(rand, 0, 400), kind);
  }
  g_rand_free(rand);
  g_autofree char *path = write_file("order.jsonl", jsonl->str, (gssize)jsonl->len);
  g_autofree char *spec = g_strdup_printf("json:%s", path);

  const char *one[] = {"-j", "1", "-s", spec, "-f", "jsonl", "-o", "-", NULL};
  const char *two[] = {"-j", "2", "-s", spec, "-f", "jsonl", "-o", "-", NULL};
  Run whole, chunks;
  run_cli(one, tmp_dir, NULL, &whole);
  g_autofree char *chunk_size = g_strdup_printf("%u", (guint)(jsonl->len / 40));
  run_cli(two, tmp_dir, chunk_size, &chunks);
  g_assert_cmpint(whole.status, ==, 0);
  g_assert_cmpint(chunks.status, ==, 0);
  g_assert_cmpstr(chunks.err, ==, whole.err);
  /* Most given ids repeat and most others are exact repeats: far fewer events than lines. */
  guint lines = 0;
  for (const char *p = whole.out; (p = strchr(p, '\n')); p++)
    lines++;
  g_assert_cmpuint(lines, >, 2000);
  g_assert_cmpuint(lines, <, n / 2);
  g_assert_cmpstr(chunks.out, ==, whole.out);
  run_clear(&chunks);
  /* The same with every shard sorted in place (the way of shards too large to copy). */
  g_setenv("TW_SORT_GATHER_MAX", "100", TRUE);
  Run in_place, in_place_whole;
  run_cli(two, tmp_dir, chunk_size, &in_place);
  run_cli(one, tmp_dir, NULL, &in_place_whole);
  g_unsetenv("TW_SORT_GATHER_MAX");
  g_assert_cmpint(in_place.status, ==, 0);
  g_assert_cmpstr(in_place.out, ==, whole.out);
  g_assert_cmpstr(in_place_whole.out, ==, whole.out);
  run_clear(&in_place);
  run_clear(&in_place_whole);
  run_clear(&whole);
}

static const char *const formats[] = {"json", "jsonl",      "csv",       "ics",
                                      "html", "timesketch", "opensearch"};

/* A job over the test's events, the csv fixture and the links read twice, exporting every format to
 * @dir (named after the format), under @limit bytes (0: none). */
static TwJob *
run_job(guint64 limit, const char *dir)
{
  g_autoptr(GError) error = NULL;
  TwJob *job = tw_job_new(registry);
  const char *none[] = {NULL};
  tw_job_set_threads(job, 2);
  tw_job_set_memory_limit(job, limit);
  g_autofree char *csv = tw_test_fixture("csv/events.csv");
  g_assert_true(tw_job_add_source(job, "json", "events", events_jsonl(), NULL, none, none, &error));
  g_assert_true(tw_job_add_source(job, "csv", "table", csv, NULL, none, none, &error));
  g_assert_true(tw_job_add_source(job, "json", "linked", links_json(), NULL, none, none, &error));
  /* The same ids from another source: two events each, whose UIDs and _ids name their source,
   * and link ends among them (an ics RELATED-TO names the UID of the first in order). */
  g_assert_true(
      tw_job_add_source(job, "json", "linked-again", links_json(), NULL, none, none, &error));
  g_mkdir(dir, 0700);
  for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
    g_assert_true(tw_job_add_export_to_dir(job, formats[i], dir, formats[i], none, none, &error));
  g_assert_no_error(error);
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);
  return job;
}

/* Every format gives the same files from the timeline on disk as from the one in memory. */
static void
test_memory_limit_formats(void)
{
  g_autofree char *memory_dir = g_build_filename(scratch, "memory", NULL);
  g_autofree char *disk_dir = g_build_filename(scratch, "disk", NULL);
  TwJob *memory = run_job(0, memory_dir);
  TwJob *disk = run_job(64 << 10, disk_dir);
  guint runs = 0;
  guint64 bytes = 0;
  g_assert_false(tw_job_get_spill(memory, &runs, &bytes));
  g_assert_cmpuint(runs, ==, 0);
  g_assert_true(tw_job_get_spill(disk, &runs, &bytes));
  g_assert_cmpuint(runs, >, 10);
  g_assert_cmpuint(bytes, >, 1 << 20);
  const TwTimeline *a = tw_job_get_timeline(memory), *b = tw_job_get_timeline(disk);
  g_assert_cmpuint(tw_timeline_get_n_events(b), ==, tw_timeline_get_n_events(a));
  g_assert_cmpuint(tw_timeline_get_n_merged(b), ==, tw_timeline_get_n_merged(a));
  g_assert_cmpuint(tw_timeline_get_n_merged(a), >, 0);
  g_assert_cmpuint(tw_timeline_get_n_links(b), ==, tw_timeline_get_n_links(a));
  g_assert_cmpuint(tw_timeline_get_n_links(a), >, 0);
  tw_job_free(memory);
  tw_job_free(disk);

  g_autoptr(GDir) dir = g_dir_open(memory_dir, 0, NULL);
  g_assert_nonnull(dir);
  guint n_files = 0;
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    g_autofree char *path_a = g_build_filename(memory_dir, name, NULL);
    g_autofree char *path_b = g_build_filename(disk_dir, name, NULL);
    g_autofree char *text_a = NULL, *text_b = NULL;
    gsize length_a, length_b;
    g_assert_true(g_file_get_contents(path_a, &text_a, &length_a, NULL));
    g_assert_true(g_file_get_contents(path_b, &text_b, &length_b, NULL));
    if (length_a != length_b || memcmp(text_a, text_b, length_a) != 0)
      g_error("%s differs between the run in memory and the run on disk", name);
    g_remove(path_a);
    g_remove(path_b);
    n_files++;
  }
  g_assert_cmpuint(n_files, >=, G_N_ELEMENTS(formats));
  g_rmdir(memory_dir);
  g_rmdir(disk_dir);
  assert_empty_dir(tmp_dir);
}

/* Duplicates across many shards, merged on one thread and on two: 72,000 lines, 18,000 ids
 * given four times each (more than the 16,384 events past which the merge runs in two halves),
 * in dates that put an id's first line in the file seldom first in time. One id in ninety is
 * 32 hex digits that begin alike, as dashless UUIDs of one minute do: those share their 32-bit
 * hash and make one group of 800 events. Each id must come out once, as its first line in the
 * timeline's order (the earliest date, the earlier line among equal dates) with every line's
 * tag in that order; the same bytes with -j 1, -j 2, a file read in chunks and a run under
 * --memory-limit. */
static void
test_duplicates_threads(void)
{
  enum { IDS = 18000, COPIES = 4 };
  g_autoptr(GString) jsonl = g_string_new(NULL);
  GRand *rand = g_rand_new_with_seed(11);
  g_autofree guint *days = g_new(guint, IDS * COPIES);
  for (guint i = 0; i < IDS * COPIES; i++) {
    guint id = i % IDS;
    days[i] = (guint)g_rand_int_range(rand, 1, 10);
    g_autofree char *given =
        id % 90 == 0 ? g_strdup_printf("deadbeef%024x", id) : g_strdup_printf("e%u", id);
    g_string_append_printf(jsonl,
                           "{\"id\":\"%s\",\"date\":\"2026-03-%02u\",\"title\":\"e%u line %u\","
                           "\"tags\":[\"o%u\"]}\n",
                           given, days[i], id, i, i / IDS);
  }
  g_rand_free(rand);
  g_autofree char *path = write_file("copies.jsonl", jsonl->str, (gssize)jsonl->len);
  g_autofree char *spec = g_strdup_printf("json:%s", path);

  const char *one[] = {"-j", "1", "-s", spec, "-f", "jsonl", "-o", "-", NULL};
  const char *two[] = {"-j", "2", "-s", spec, "-f", "jsonl", "-o", "-", NULL};
  const char *limited[] = {"-j", "2", "--memory-limit", "256K", "-s", spec, "-f", "jsonl", "-o",
                           "-",  NULL};
  Run base, run;
  run_cli(one, tmp_dir, NULL, &base);
  g_assert_cmpint(base.status, ==, 0);
  const char *const *variants[] = {two, two, limited};
  const char *chunks[] = {NULL, "100000", "100000"};
  for (guint v = 0; v < G_N_ELEMENTS(variants); v++) {
    run_cli(variants[v], tmp_dir, chunks[v], &run);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.out, ==, base.out);
    run_clear(&run);
  }

  g_auto(GStrv) lines = g_strsplit(base.out, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, IDS + 1); /* the last is empty */
  for (guint l = 0; l < IDS; l++) {
    guint id, line;
    const char *title = strstr(lines[l], "\"title\":\"");
    g_assert_nonnull(title);
    g_assert_cmpint(sscanf(title, "\"title\":\"e%u line %u\"", &id, &line), ==, 2);
    /* The id's lines in the timeline's order: by date, then by line. */
    guint order[COPIES];
    for (guint c = 0; c < COPIES; c++) {
      guint k = c;
      while (k > 0 && days[order[k - 1] * IDS + id] > days[c * IDS + id]) {
        order[k] = order[k - 1];
        k--;
      }
      order[k] = c;
    }
    g_assert_cmpuint(line, ==, order[0] * IDS + id);
    g_autoptr(GString) tags = g_string_new("\"tags\":[");
    for (guint c = 0; c < COPIES; c++)
      g_string_append_printf(tags, "%s\"o%u\"", c ? "," : "", order[c]);
    g_string_append_c(tags, ']');
    if (!strstr(lines[l], tags->str))
      g_error("e%u: %s not in %s", id, tags->str, lines[l]);
  }
  run_clear(&base);
  assert_empty_dir(tmp_dir);
}

/* The keys of @out (an ics or opensearch export) that must be unique in it: the UIDs of the
 * VEVENTs, or the _ids of the action lines; each must differ from the others. Returns how many
 * name their source (a UID that ends in .timeweave, an _id that is not an id of the file). */
static guint
assert_unique_keys(const char *out, gboolean ics)
{
  g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) lines = g_strsplit(out, ics ? "\r\n" : "\n", -1);
  guint qualified = 0;
  for (guint i = 0; lines[i]; i++) {
    const char *line = lines[i], *key = NULL;
    g_autofree char *copy = NULL;
    if (ics && g_str_has_prefix(line, "UID:")) {
      key = line + 4;
      qualified += g_str_has_suffix(key, ".timeweave");
      g_assert_true(g_str_has_suffix(key, "timeweave"));
    } else if (!ics && g_str_has_prefix(line, "{\"index\":")) {
      const char *at = strstr(line, "\"_id\":\"");
      g_assert_nonnull(at);
      copy = g_strndup(at + 7, strcspn(at + 7, "\""));
      key = copy;
    } else if (!ics && g_str_has_prefix(line, "{\"id\":\"")) {
      g_hash_table_add(ids, g_strndup(line + 7, strcspn(line + 7, "\"")));
    }
    if (key && !g_hash_table_add(keys, g_strdup(key)))
      g_error("%s given twice in one export", key);
  }
  if (!ics) {
    GHashTableIter iter;
    gpointer key;
    g_hash_table_iter_init(&iter, keys);
    while (g_hash_table_iter_next(&iter, &key, NULL))
      qualified += !g_hash_table_contains(ids, key);
  }
  g_assert_cmpuint(g_hash_table_size(keys), >, 0);
  return qualified;
}

/* Two files that give many of the same ids (an id is unique within its source only: each gives
 * an event), each also giving its ids several times (merged within the file), and ids of its
 * own; among them ids of 32 hex digits that begin alike, so that one group of equal 32-bit
 * hashes holds many ids from both. The ics export must give every VEVENT its own UID and the
 * opensearch export every document its own _id, the shared ids naming their source, and the
 * same bytes with -j 1, -j 2, the files read in chunks and under --memory-limit. */
static void
test_shared_ids(void)
{
  enum { SHARED = 3000, LINES = 14000 };
  char *paths[2];
  for (guint f = 0; f < 2; f++) {
    g_autoptr(GString) jsonl = g_string_new(NULL);
    GRand *rand = g_rand_new_with_seed(31 + f);
    for (guint i = 0; i < LINES; i++) {
      guint day = (guint)g_rand_int_range(rand, 1, 20);
      guint n = i % SHARED;
      g_autofree char *id = i % 7 == 3    ? g_strdup_printf("%c%u", "ab"[f], i)
                            : n % 50 == 0 ? g_strdup_printf("deadbeef%024x", n)
                                          : g_strdup_printf("s%u", n);
      g_string_append_printf(jsonl,
                             "{\"id\":\"%s\",\"date\":\"2026-03-%02uT10:00:00Z\",\"title\":\"%c "
                             "%u\",\"tags\":[\"t%u\"]}\n",
                             id, day, "ab"[f], i, i / SHARED);
    }
    g_rand_free(rand);
    g_autofree char *name = g_strdup_printf("%c.jsonl", "ab"[f]);
    paths[f] = write_file(name, jsonl->str, (gssize)jsonl->len);
  }
  g_autofree char *spec_a = g_strdup_printf("json:%s", paths[0]);
  g_autofree char *spec_b = g_strdup_printf("json:%s", paths[1]);
  static const char *const shared_formats[] = {"ics", "opensearch"};
  for (guint k = 0; k < G_N_ELEMENTS(shared_formats); k++) {
    const char *format = shared_formats[k];
    const char *one[] = {"-q",   "-j", "1",    "-s", spec_a, "-s",
                         spec_b, "-f", format, "-o", "-",    NULL};
    const char *two[] = {"-q",   "-j", "2",    "-s", spec_a, "-s",
                         spec_b, "-f", format, "-o", "-",    NULL};
    const char *limited[] = {"-q", "-j",   "2",  "--memory-limit", "256K", "-s", spec_a,
                             "-s", spec_b, "-f", format,           "-o",   "-",  NULL};
    Run base, run;
    run_cli(one, tmp_dir, NULL, &base);
    g_assert_cmpint(base.status, ==, 0);
    /* Every shared id, in both files; the ids of one file only keep ID@timeweave, or their id. */
    g_assert_cmpuint(assert_unique_keys(base.out, k == 0), ==, 2 * SHARED);
    const char *const *variants[] = {two, two, limited};
    const char *chunks[] = {NULL, "100000", "100000"};
    for (guint v = 0; v < G_N_ELEMENTS(variants); v++) {
      run_cli(variants[v], tmp_dir, chunks[v], &run);
      g_assert_cmpint(run.status, ==, 0);
      if (strcmp(run.out, base.out) != 0)
        g_error("%s: variant %u differs from -j 1", format, v);
      run_clear(&run);
    }
    /* The same limit through the library, which says whether the events went to disk. */
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(scratch, "shared.out", NULL);
    TwJob *job = tw_job_new(registry);
    const char *none[] = {NULL};
    tw_job_set_threads(job, 2);
    tw_job_set_memory_limit(job, 256 << 10);
    for (guint f = 0; f < 2; f++)
      g_assert_true(tw_job_add_source(job, "json", NULL, paths[f], NULL, none, none, &error));
    g_assert_true(tw_job_add_export(job, format, path, none, none, &error));
    g_assert_true(tw_job_run(job, &error));
    g_assert_no_error(error);
    guint runs = 0;
    guint64 bytes = 0;
    g_assert_true(tw_job_get_spill(job, &runs, &bytes));
    g_assert_cmpuint(runs, >, 2);
    tw_job_free(job);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    if (strcmp(text, base.out) != 0)
      g_error("%s: the run on disk differs from the run in memory", format);
    g_remove(path);
    g_autofree char *template = g_build_filename(scratch, "shared.template.json", NULL);
    g_remove(template);
    run_clear(&base);
  }
  for (guint f = 0; f < 2; f++) {
    g_remove(paths[f]);
    g_free(paths[f]);
  }
  assert_empty_dir(tmp_dir);
}

/* A timeline finished a second time after more events came (the API asks for one finish; a
 * program may still do it): the duplicates of the first finish stay merged, the new copy of an
 * id merges into the earlier event, and events are found by id at their new places. */
static void
test_duplicates_finish_twice(void)
{
  TwTimeline *timeline = tw_timeline_new("t");
  static const struct {
    const char *id;
    gint64 start;
    guint sink;
  } rows[] = {{"A", 2, 0}, {"B", 3, 0}, {"A", 4, 0}, {"C", 1, 1}, {"B", 5, 1}};
  for (guint round = 0; round < 2; round++) {
    TwSink *sink = tw_timeline_open_sink(timeline, "s", FALSE);
    for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
      if (rows[i].sink != round)
        continue;
      TwEventBuilder *b = tw_sink_begin(sink, NULL, 0);
      TwDate date;
      g_assert_true(tw_date_parse("2026-01-01T00:00:00Z", NULL, &date, NULL));
      date.start += rows[i].start;
      date.end = date.start;
      tw_event_builder_set_date(b, &date);
      tw_event_builder_set_id(b, rows[i].id);
      tw_event_builder_set_title(b, rows[i].id);
      g_assert_true(tw_sink_commit(sink, NULL));
    }
    /* Links: one resolved by the first finish, one whose end comes only with the second sink,
     * and one of the second sink's own. */
    if (round == 0) {
      tw_sink_add_link(sink, "A", "B", "first", 0, 0, TW_CERTAINTY_CERTAIN);
      tw_sink_add_link(sink, "A", "C", "waits", 0, 0, TW_CERTAINTY_CERTAIN);
    } else {
      tw_sink_add_link(sink, "C", "B", "second", 0, 0, TW_CERTAINTY_CERTAIN);
    }
    tw_sink_close(sink);
    tw_timeline_finish(timeline);
    g_assert_cmpint(tw_timeline_find_event(timeline, "A"), ==, round);
    g_assert_cmpint(tw_timeline_find_event(timeline, "B"), ==, round + 1);
    g_assert_cmpuint(tw_timeline_get_n_links(timeline), ==, round == 0 ? 1 : 3);
  }
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
  g_assert_cmpint(tw_timeline_find_event(timeline, "C"), ==, 0);
  g_assert_cmpuint(tw_timeline_get_n_merged(timeline), ==, 2);
  static const char *const rules[] = {"first", "waits", "second"};
  for (guint i = 0; i < G_N_ELEMENTS(rules); i++)
    g_assert_cmpstr(tw_link_get_rule(tw_timeline_get_link(timeline, i)), ==, rules[i]);
  tw_timeline_free(timeline);
}

/* Events with line numbers for ids (all distinct: the finish counts the events without looking
 * at each), one of them removed by an analyzer, then a second finish with more events: the
 * removed one stays removed. */
static void
test_finish_twice_after_removal(void)
{
  TwTimeline *timeline = tw_timeline_new("t");
  for (guint round = 0; round < 2; round++) {
    TwSink *sink = tw_timeline_open_sink(timeline, round ? "second" : "first", FALSE);
    for (guint i = 0; i < 3; i++) {
      TwEventBuilder *b = begin_at(sink, 10 * round + i);
      g_autofree char *line = g_strdup_printf("%u", 10 * round + i + 1);
      tw_event_builder_set_native_id(b, line);
      tw_event_builder_set_title(b, line);
      g_assert_true(tw_sink_commit(sink, NULL));
    }
    tw_sink_close(sink);
    tw_timeline_finish(timeline);
    if (round == 0) {
      g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
      tw_timeline_remove_event(timeline, 1);
      tw_timeline_compact(timeline);
      g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 2);
    }
  }
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 5);
  static const char *const titles[] = {"1", "3", "11", "12", "13"};
  for (guint i = 0; i < G_N_ELEMENTS(titles); i++)
    g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(timeline, i)), ==, titles[i]);
  tw_timeline_free(timeline);
}

/* Links that come with their events (an iCalendar file's RELATED-TO), so that a source's links
 * are split between several runs: they keep the source's order. */
static void
test_memory_limit_links(void)
{
  g_autofree char *ics = g_build_filename(scratch, "links.ics", NULL);
  g_autofree char *spec = g_strdup_printf("json:%s", links_json());
  const char *to_ics[] = {"-s", spec, "-f", "ics", "-o", ics, NULL};
  Run run;
  run_cli(to_ics, tmp_dir, NULL, &run);
  g_assert_cmpint(run.status, ==, 0);
  run_clear(&run);
  g_autofree char *ics_spec = g_strdup_printf("ics:%s", ics);
  const char *args[] = {"-s", ics_spec, "-f", "json", "-o", "-", NULL};
  const char *limited[] = {"--memory-limit", "64K", "-s", ics_spec, "-f", "json", "-o", "-", NULL};
  check_limit(args, limited, NULL);
  g_remove(ics);
}

static void
test_parse_size(void)
{
  static const struct {
    const char *text;
    guint64 bytes;
  } good[] = {{"0", 0},
              {"1000", 1000},
              {"64K", 64 << 10},
              {"512M", (guint64)512 << 20},
              {"2G", (guint64)2 << 30},
              {"2GiB", (guint64)2 << 30},
              {"1.5g", (guint64)3 << 29},
              {"1T", (guint64)1 << 40}};
  for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
    guint64 bytes = 1;
    g_autoptr(GError) error = NULL;
    g_assert_true(tw_parse_size(good[i].text, &bytes, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(bytes, ==, good[i].bytes);
  }
  static const char *const bad[] = {"", "G", "-1G", "2X", "2 G B"};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    guint64 bytes;
    g_autoptr(GError) error = NULL;
    g_assert_false(tw_parse_size(bad[i], &bytes, &error));
    g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  }
}

int
main(int argc, char **argv)
{
  /* $TMPDIR becomes a folder of the test's own before GLib reads it (g_get_tmp_dir() keeps the
   * first value): the runs' temporary files go there, and it must stay empty. */
  const char *base = g_getenv("TMPDIR");
  scratch = g_build_filename(base && *base ? base : "/tmp", "tw-test-timeline-XXXXXX", NULL);
  g_assert_nonnull(g_mkdtemp(scratch));
  tmp_dir = g_build_filename(scratch, "tmp", NULL);
  g_assert_cmpint(g_mkdir(tmp_dir, 0700), ==, 0);
  g_setenv("TMPDIR", tmp_dir, TRUE);
  g_test_init(&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  registry = tw_registry_new();
  static const char *const plugins[] = {"csv", "json"};
  for (guint i = 0; i < G_N_ELEMENTS(plugins); i++) {
    g_autofree char *plugin = tw_test_find_plugin(plugins[i]);
    if (!tw_registry_load_file(registry, plugin, &error))
      g_error("%s", error->message);
  }

  g_test_add_func("/timeline/order", test_order);
  g_test_add_func("/timeline/order/chunks", test_order_chunks);
  g_test_add_func("/timeline/attribute-keys-repeated", test_attribute_keys_repeated);
  g_test_add_func("/timeline/attribute-equal-to-title", test_attribute_equal_to_title);
  g_test_add_func("/timeline/commit-keep", test_commit_keep);
  g_test_add_func("/timeline/duplicates", test_duplicates);
  g_test_add_func("/timeline/duplicates/line-numbers", test_duplicates_line_numbers);
  g_test_add_func("/timeline/ids", test_ids);
  g_test_add_func("/timeline/attribute-forms", test_attribute_forms);
  g_test_add_func("/timeline/parse-size", test_parse_size);
  g_test_add_func("/timeline/memory-limit", test_memory_limit);
  g_test_add_func("/timeline/memory-limit/formats", test_memory_limit_formats);
  g_test_add_func("/timeline/memory-limit/links", test_memory_limit_links);
  g_test_add_func("/timeline/duplicates/threads", test_duplicates_threads);
  g_test_add_func("/timeline/duplicates/shared-ids", test_shared_ids);
  g_test_add_func("/timeline/duplicates/finish-twice", test_duplicates_finish_twice);
  g_test_add_func("/timeline/finish-twice-after-removal", test_finish_twice_after_removal);
  int status = g_test_run();
  tw_registry_free(registry);
  g_rmdir(tmp_dir);
  g_free(tmp_dir);
  g_autoptr(GDir) dir = g_dir_open(scratch, 0, NULL);
  const char *name;
  while (dir && (name = g_dir_read_name(dir))) {
    g_autofree char *path = g_build_filename(scratch, name, NULL);
    g_remove(path);
  }
  g_rmdir(scratch);
  g_free(scratch);
  return status;
}
