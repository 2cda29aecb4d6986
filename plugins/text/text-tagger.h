/* timeweave text source: the temporal tagger, shared between its two files.
 *
 * The tagger finds date expressions in one sentence at a time (a tokenizer, then a cascade of
 * hand-written matchers over the tokens) and normalizes each into a TwDate. It keeps the state
 * that relative expressions need across sentences: the reference date (the option or the
 * document's date line), the date of the current section's heading, and the last absolute date
 * the text mentioned. See docs/text-source.md for the rules. */
#pragma once

#include <timeweave/plugin.h>

G_BEGIN_DECLS

typedef enum {
  TEXT_ORDER_AUTO = 0, /* 13/02/2026 is read; 03/04/2026 is ambiguous and skipped */
  TEXT_ORDER_DMY,
  TEXT_ORDER_MDY,
} TextDateOrder;

typedef struct {
  TextDateOrder date_order;
  int fiscal_start;               /* 1..12, or 0 when the fiscal year is unknown */
  gboolean fiscal_named_by_start; /* FY N begins in N (else it ends in N, the usual naming) */
} TextTaggerOptions;

/* What a sentence is to the tagger. */
typedef enum {
  TEXT_ROLE_PROSE,   /* a sentence of the text: dates are resolved and become events */
  TEXT_ROLE_HEADING, /* a heading: its date (if one) anchors its section, no event */
  TEXT_ROLE_DATELINE /* a candidate date line: is it one absolute date and nothing else? */
} TextRole;

/* Where a relative date took its anchor from. */
typedef enum {
  TEXT_ANCHOR_NONE = 0,
  TEXT_ANCHOR_REFERENCE,  /* the reference date: "yesterday", "next year" */
  TEXT_ANCHOR_NARRATIVE,  /* the last date the text mentioned: "two days later" */
  TEXT_ANCHOR_SENTENCE,   /* a date earlier in the same sentence: "before a quiet December" */
  TEXT_ANCHOR_HEADING,    /* the date of the section's heading */
  TEXT_ANCHOR_EXPRESSION, /* a date inside the expression: "two weeks after March 3" */
} TextAnchor;

/* One date found in a sentence. Byte offsets are into the sentence text given. */
typedef struct {
  guint start, end;
  TwDate date;
  gint64 end_override; /* the exclusive end of a range or a fiscal span, else 0 */
  char *range_end;     /* canonical text of a range's last part ("2026-05"), or NULL */
  gboolean fiscal;
  char *fiscal_period; /* "FY2026 Q1", "FY2026" */
  TextAnchor anchor;
  char *anchor_date; /* canonical text of the anchor, for relative dates */
  char *gloss;       /* the other expression of "fiscal Q1 2026 (February to April 2025)" */
  gboolean relative;
  TwDate last_part; /* a range's last part: the anchor for what the text says next */
  gboolean has_last_part;
} TextDate;

/* A problem met in a sentence: an expression that could not be placed. */
typedef struct {
  guint start, end;
  char *message;
} TextProblem;

typedef struct _TextTagger TextTagger;

TextTagger *_tw_text_tagger_new(const TextTaggerOptions *options);
void _tw_text_tagger_free(TextTagger *tagger);

/* The reference date ("now" for the writer). A day, a month or a year. */
void _tw_text_tagger_set_reference(TextTagger *tagger, const TwDate *reference);
gboolean _tw_text_tagger_has_reference(const TextTagger *tagger);

/* A heading of @level begins a section: the anchors of deeper sections end. */
void _tw_text_tagger_begin_section(TextTagger *tagger, int level);
/* A new paragraph or block begins (the sentence-local anchor ends). */
void _tw_text_tagger_begin_block(TextTagger *tagger);

/**
 * _tw_text_tagger_tag:
 * @text: one sentence (UTF-8, need not be NUL-terminated), @length its length in bytes
 * @role: what the sentence is
 * @dates: (out): an array of #TextDate in text order (free with _tw_text_dates_free())
 * @problems: (out) (nullable): an array of #TextProblem (free with _tw_text_problems_free())
 *
 * For TEXT_ROLE_DATELINE, returns TRUE only when the text is one absolute date (with an optional
 * label such as "Published:"), and then @dates holds that one date; nothing else changes.
 */
gboolean _tw_text_tagger_tag(TextTagger *tagger, const char *text, gsize length, TextRole role,
                             GArray **dates, GArray **problems);

void _tw_text_dates_free(GArray *dates);
void _tw_text_problems_free(GArray *problems);

/* The month of a name ("february", "Feb", "2"), 1..12, or 0. */
int _tw_text_month_from_name(const char *name);

G_END_DECLS
