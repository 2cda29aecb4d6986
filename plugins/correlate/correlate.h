/* timeweave correlate analyzer: what its modules share (docs/analyzers.md explains the rules). */
#pragma once

#include <timeweave/plugin.h>

#include <string.h>

G_BEGIN_DECLS

typedef enum {
  RULE_SEQUENCE,
  RULE_ABSENCE,
  RULE_THRESHOLD,
  RULE_DISTINCT,
  RULE_TOGETHER,
} RuleType;

/* Allen's relations of A to B (RELATION_NONE: B simply does not start before A). */
typedef enum {
  RELATION_NONE,
  RELATION_BEFORE,
  RELATION_MEETS,
  RELATION_OVERLAPS,
  RELATION_DURING,
  RELATION_STARTS,
  RELATION_FINISHES,
  RELATION_EQUALS,
} Relation;

typedef enum {
  LINK_FIRST, /* each A links to its best B: the first certain one, else the first possible */
  LINK_ALL,   /* each A links to every B that matches */
} LinkMode;

/* How a `by` or `field` name reads values from an event. */
typedef enum {
  FIELD_NONE,
  FIELD_SCALAR,    /* tw_event_get_field() */
  FIELD_ATTRIBUTE, /* tw_event_lookup_attribute() of @key */
  FIELD_ACTORS,    /* every actor */
  FIELD_TAGS,      /* every tag */
} FieldKind;

typedef struct {
  FieldKind kind;
  char *name;         /* as the rule gave it */
  const char *key;    /* FIELD_ATTRIBUTE: the attribute, inside @name */
  gboolean transient; /* its values live in a buffer the next read overwrites (start, end);
                       * the others are the timeline's strings, which outlive a run */
} FieldRef;

#define MAX_TOGETHER 64

typedef struct {
  char *name;
  RuleType type;
  char *description;      /* nullable */
  TwSelector *a;          /* sequence, absence, threshold, distinct */
  TwSelector *b;          /* sequence, absence */
  TwSelector **selectors; /* together */
  guint n_selectors;
  gint64 within;
  FieldRef by;
  FieldRef field; /* distinct */
  Relation relation;
  LinkMode link;
  gboolean certain;
  gboolean ordered;
  guint64 count; /* threshold, distinct */
} Rule;

void _tw_correlate_rule_free(Rule *rule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Rule, _tw_correlate_rule_free)

/**
 * Reads a rules file (a path or a resource URI) into an array of #Rule (owned by the array),
 * in file order. @error: `RULES:LINE: what`.
 */
GPtrArray *_tw_correlate_load_rules(const char *path, GError **error);

/* A GKeyFile of `[SECTION NAME]` sections, with the line of each section and key. */
typedef struct {
  char *path;
  char *section;     /* "rule", "tag" */
  GHashTable *lines; /* "GROUP" or "GROUP\nKEY" -> line */
  GKeyFile *keys;
} RulesFile;

/* Reads and checks the file: a section or key given twice, a line that is no KEY=VALUE,
 * [section] or comment are refused with their line. */
RulesFile *_tw_correlate_rules_file_load(const char *path, const char *section, GError **error);
void _tw_correlate_rules_file_free(RulesFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RulesFile, _tw_correlate_rules_file_free)
/* NAME of a `[SECTION NAME]` group, or %NULL with `FILE:LINE: section [x]: ...`. */
char *_tw_correlate_rules_file_name(const RulesFile *file, const char *group, GError **error);
/* The raw value of @key (no GKeyFile escapes), stripped; %NULL when absent. */
char *_tw_correlate_rules_file_get(const RulesFile *file, const char *group, const char *key);
/* Sets @error to `FILE:LINE: MESSAGE` at @key's line (or @group's when @key is %NULL or
 * absent) and returns %FALSE. */
gboolean _tw_correlate_rules_file_fail(const RulesFile *file, const char *group, const char *key,
                                       GError **error, const char *format, ...) G_GNUC_PRINTF(5, 6);

const char *_tw_correlate_relation_name(Relation relation);
const char *_tw_correlate_type_name(RuleType type);

/* -- how fuzzy dates are read (docs/analyzers.md, "Fuzzy dates") -- */

/**
 * Span:
 * The instants at which an event may have started, and how long it lasted. An event of exact
 * precision is definite: it started at @s and lasted @dur (0 for an instant). Any coarser event
 * is an instant somewhere in [@s, @sup): its span is uncertainty, not duration.
 *
 * Lags and windows are computed in doubled units so that open and closed bounds compare as
 * plain integers: a closed bound v is 2v, an open lower bound v is 2v+1, an open upper bound v
 * is 2v-1.
 */
typedef struct {
  gint64 s;
  gint64 sup; /* == s when definite */
  gint64 dur; /* 0 when fuzzy */
  gboolean definite;
} Span;

void _tw_correlate_span(const TwEvent *event, Span *out);

/* The result of testing one pair. */
typedef enum {
  PAIR_NONE = 0,
  PAIR_POSSIBLE,
  PAIR_CERTAIN,
} PairResult;

/**
 * Tests whether B follows A as @rule says (its relation and window), for some reading of the two
 * fuzzy dates (POSSIBLE) or for every reading (CERTAIN). @lag_min and @lag_max get the range of
 * start-to-start lags (B's start minus A's start) of the readings under which it holds.
 */
PairResult _tw_correlate_test_pair(const Rule *rule, const Span *a, const Span *b, gint64 *lag_min,
                                   gint64 *lag_max);

/* The lowest doubled lag @rule's relation and window allow (0 or -2W). */
gint64 _tw_correlate_min_lag2(const Rule *rule);

/* Reads a field name: `actor`, `tag`, a field of tw_event_get_field(), or an attribute. */
void _tw_correlate_parse_field(const char *text, FieldRef *out);

/* Runs @check (an analyzer's TwComponentCheck) on @analyzer's options, for a caller that runs
 * the analyzer without adding it to a job (which made the check then): the one place that
 * judges the values, its error prefixed with the analyzer's name. */
gboolean _tw_correlate_check_run(TwAnalyzer *analyzer, TwComponentCheck check, GError **error);

/* The values of @ref (`by` or `field`) in @event: returns how many; for a one-valued field,
 * @scalar gets the value (read once). */
guint _tw_correlate_field_begin(const FieldRef *ref, const TwEvent *event, const char **scalar);
/* The @i-th value (@i below the count), given what _tw_correlate_field_begin() set. */
const char *_tw_correlate_field_at(const FieldRef *ref, const TwEvent *event, const char *scalar,
                                   guint i);

/* -- groups: a map from `by` values to a rule's state for each group --
 *
 * Open addressing with linear probing over one array of slots, each with the key's hash: a
 * lookup touches one slot where GHashTable touches three arrays. Keys are borrowed (the
 * timeline's strings, or a copy the caller owns for transient values); a key that is the very
 * pointer looked up (one source interns its values) matches without comparing the text. */

typedef struct {
  const char *key; /* NULL: empty */
  guint32 hash;
  gpointer value;
} MapSlot;

typedef struct {
  MapSlot *slots;
  guint mask; /* slots - 1, a power of two less one; 0 with no slots */
  guint len;
} GroupMap;

static inline guint32
_tw_correlate_hash(const char *key)
{
  guint32 hash = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    hash = (hash ^ *p) * 16777619u;
  return hash;
}

/* The value of @key, or %NULL. */
static inline gpointer
_tw_correlate_map_lookup(const GroupMap *map, const char *key, guint32 hash)
{
  if (map->slots == NULL)
    return NULL;
  for (guint i = hash & map->mask;; i = (i + 1) & map->mask) {
    const MapSlot *slot = &map->slots[i];
    if (slot->key == NULL)
      return NULL;
    if (slot->key == key || (slot->hash == hash && strcmp(slot->key, key) == 0))
      return slot->value;
  }
}

/* Adds @key (not in the map yet; borrowed) with @value. */
void _tw_correlate_map_insert(GroupMap *map, const char *key, guint32 hash, gpointer value);
/* Keeps the entries for which @keep returns TRUE (it may free the others' values). */
void _tw_correlate_map_filter(GroupMap *map, gboolean (*keep)(gpointer value, gpointer data),
                              gpointer data);
void _tw_correlate_map_clear(GroupMap *map);

/* -- results, collected per rule and written to the timeline in a deterministic order -- */

typedef struct {
  guint from, to;
  gint64 lag_min, lag_max;
  TwCertainty certainty;
} Match;

typedef struct {
  guint index;
  TwCertainty certainty; /* CERTAIN: no B even possibly; POSSIBLE: only possible Bs */
  gboolean truncated;    /* the window reaches past the end of the run's range */
} Unanswered;

typedef struct {
  char *group;    /* nullable: the `by` value */
  guint *indices; /* in timeline order */
  guint n_indices, cap_indices;
  gboolean certain;  /* some window of it holds for every reading */
  GPtrArray *values; /* distinct: the values in first-seen order (owned strings) */
} Burst;

void _tw_correlate_burst_free(Burst *burst);

/* Sorts @keys ascending and @order along with them, stably, in linear time. */
void _tw_correlate_radix_sort(guint64 *keys, guint32 *order, gsize n);

/* -- passes in chunks --
 *
 * Each event reaches the state of its group, and groups are many and scattered in memory: taken
 * in timeline order, nearly every event waits for its group's memory. So the rules read the
 * timeline in chunks of events, sort each chunk by group (stably: each group's events stay in
 * timeline order) and then run each group's events of the chunk one after the other, while its
 * state is at hand. A group's events are seen in the same order as before and no rule's state
 * is shared between groups within a chunk, so the results are the same. */
#define CHUNK_EVENTS 32768

typedef struct {
  guint index;
  guint groups;      /* how many `by` values the event has (the value below is the first) */
  const char *value; /* its `by` value */
  guint32 hash;
  guint slot; /* its place in the chunk */
  Span span;
  guint64 mask;   /* which selectors it matches */
  gpointer state; /* what the pass keeps for it (sequence: its A's state) */
} ChunkItem;

/* Copies @items into @sorted so that items with the same `by` value are together, each value's
 * in timeline order: a stable counting sort on the low 12 bits of the values' hashes (values
 * that share them interleave, each still in order). Then a pass reads @sorted from start to end,
 * where reading @items in a sorted order of positions would wait for memory at every item. */
void _tw_correlate_chunk_sort(const ChunkItem *items, guint n_items, ChunkItem *sorted);

/* Sort matches by (from, to) and unanswered As by index, in linear time. */
void _tw_correlate_sort_matches(GArray *matches);
void _tw_correlate_sort_unanswered(GArray *unanswered);

typedef struct {
  GArray *matches;      /* Match */
  GArray *unanswered;   /* Unanswered */
  GPtrArray *bursts;    /* Burst */
  guint64 n_a;          /* sequence: A events seen (in a group) */
  guint64 n_a_followed; /* sequence: A events with at least one link */
} Results;

/* Runs a sequence or absence rule over the sorted timeline. */
void _tw_correlate_run_sequence(const Rule *rule, const TwTimeline *timeline, Results *results);
/* Runs a threshold, distinct or together rule. */
void _tw_correlate_run_burst(const Rule *rule, const TwTimeline *timeline, Results *results);

/* The other analyzers of this plugin (tag.c, sessionize.c, dedup.c). */
extern const TwAnalyzerInfo _tw_analyzer_tag;
extern const TwAnalyzerInfo _tw_analyzer_sessionize;
extern const TwAnalyzerInfo _tw_analyzer_dedup;

G_END_DECLS
