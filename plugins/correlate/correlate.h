/* timeweave correlate analyzer: what its modules share (docs/analyzers.md explains the rules). */
#pragma once

#include <timeweave/plugin.h>

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
  char *name;      /* as the rule gave it */
  const char *key; /* FIELD_ATTRIBUTE: the attribute, inside @name */
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

/* The values of @ref (`by` or `field`) in @event: returns how many; for a one-valued field,
 * @scalar gets the value (read once). */
guint _tw_correlate_field_begin(const FieldRef *ref, const TwEvent *event, const char **scalar);
/* The @i-th value (@i below the count), given what _tw_correlate_field_begin() set. */
const char *_tw_correlate_field_at(const FieldRef *ref, const TwEvent *event, const char *scalar,
                                   guint i);

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
  char *group;       /* nullable: the `by` value */
  GArray *indices;   /* guint, in timeline order */
  gboolean certain;  /* some window of it holds for every reading */
  GPtrArray *values; /* distinct: the values in first-seen order (owned strings) */
} Burst;

void _tw_correlate_burst_free(Burst *burst);

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
