/* timeweave text source: the temporal tagger.
 *
 * One sentence at a time: a tokenizer (words, numbers, mixed tokens such as Q1 or H200, and
 * punctuation, each knowing whether white space came before it), then a cascade of hand-written
 * matchers over the tokens, tried at each position, longest match first: ranges ("from March to
 * May 2026"), modifiers ("by", "since", "around"), qualifiers ("early", "the end of"), then the
 * point forms (calendar dates, numeric dates, quarters, halves, seasons, years, decades,
 * centuries, fiscal periods, relative expressions). Bare numbers and month names that could be
 * something else (a count, a model name, the verb "may") must pass context checks. Matches that
 * are comparison baselines ("than in 2024") or anchored to an event rather than a date ("three
 * days after the vote") are dropped. Each remaining match is then resolved into a TwDate,
 * partial and relative ones against an anchor (see resolve_partial() and resolve_relative()).
 *
 * Like HeidelTime's rules, but compiled into C: no regular expressions, one pass over the tokens
 * per position, no allocation per token. */
#include "text-tagger.h"

#include <string.h>

/* ================================================================== tokens */

typedef enum {
  TK_WORD,  /* letters only */
  TK_NUM,   /* digits (13th, 1990s, 100,000 and 3.5 are one NUM token each) */
  TK_ALNUM, /* letters and digits: Q1, H200, 910B, FY2026, 1H26 */
  TK_PUNCT,
} TokKind;

typedef struct {
  TokKind kind;
  guint start, end; /* byte offsets in the sentence */
  gboolean space;   /* white space (or the start of the sentence) comes before it */
  gboolean cap;     /* begins with an upper-case letter */
  gboolean allcaps; /* two or more letters, all upper case */
  gboolean ordinal; /* NUM: 13th, 21st */
  gboolean decade;  /* NUM: 1990s, 90s */
  gboolean grouped; /* NUM: 100,000 */
  gboolean decimal; /* NUM: 3.5, 2.0.26 */
  int digits;       /* NUM: digits of the leading integer */
  gint64 value;     /* NUM: the leading integer (capped at 10^15) */
  gunichar ch;      /* PUNCT: the character; dashes folded to '-', quotes to '\'' and '"' */
  char low[24];     /* WORD, ALNUM: the text in lower case (truncated; long words never match) */
} Token;

static gunichar
fold_punct(gunichar c)
{
  switch (c) {
  case 0x2010: /* hyphen */
  case 0x2011: /* non-breaking hyphen */
  case 0x2012: /* figure dash */
  case 0x2013: /* en dash */
  case 0x2212: /* minus */
    return '-';
  case 0x2018:
  case 0x2019:
  case 0x02BC:
  case 0x2032:
    return '\'';
  case 0x201C:
  case 0x201D:
    return '"';
  default:
    return c;
  }
}

static gboolean
is_space_char(gunichar c)
{
  return g_unichar_isspace(c) || c == 0xA0 || c == 0x202F || c == 0x2009 || c == 0x200B ||
         c == 0xFEFF;
}

static gunichar
next_char(const char *text, gsize length, gsize at, gsize *clen)
{
  gunichar c = g_utf8_get_char_validated(text + at, (gssize)(length - at));
  if (c == (gunichar)-1 || c == (gunichar)-2) {
    *clen = 1;
    return 0xFFFD;
  }
  *clen = (gsize)(g_utf8_next_char(text + at) - (text + at));
  return c;
}

static void
classify_run(const char *text, Token *t)
{
  const char *p = text + t->start;
  gsize len = t->end - t->start;
  gsize nd = 0;
  while (nd < len && g_ascii_isdigit(p[nd]))
    nd++;
  gboolean any_alpha = FALSE;
  for (gsize k = 0; k < len; k++)
    if (!g_ascii_isdigit(p[k]))
      any_alpha = TRUE;

  gsize n = MIN(len, sizeof t->low - 1);
  for (gsize k = 0; k < n; k++)
    t->low[k] = g_ascii_tolower(p[k]);
  t->low[n] = '\0';
  if (len >= sizeof t->low)
    t->low[0] = '\x01'; /* too long to be any word we look for */

  if (nd > 0) {
    t->digits = (int)nd;
    gint64 v = 0;
    for (gsize k = 0; k < nd && k < 15; k++)
      v = v * 10 + (p[k] - '0');
    t->value = v;
  }
  if (!any_alpha) {
    t->kind = TK_NUM;
    return;
  }
  if (nd == 0) {
    gboolean upper = TRUE, alpha_only = TRUE;
    guint letters = 0;
    for (gsize k = 0; k < len; k++) {
      if (g_ascii_isdigit(p[k]))
        alpha_only = FALSE;
      else if (g_ascii_islower(p[k]))
        upper = FALSE;
      if (g_ascii_isalpha(p[k]))
        letters++;
    }
    gunichar first = g_utf8_get_char(p);
    t->cap = g_unichar_isupper(first);
    t->allcaps = upper && letters >= 2;
    t->kind = alpha_only ? TK_WORD : TK_ALNUM;
    return;
  }
  /* Digits then letters: 13th, 1990s, or a model name (910B, 4K, 7nm). A run too long for
   * @low is none of the short forms, and its digits may pass the end of @low (found by
   * tests/fuzz). */
  if (len >= sizeof t->low) {
    t->kind = TK_ALNUM;
    return;
  }
  const char *suffix = t->low + nd;
  if (nd <= 4 && (strcmp(suffix, "st") == 0 || strcmp(suffix, "nd") == 0 ||
                  strcmp(suffix, "rd") == 0 || strcmp(suffix, "th") == 0)) {
    t->kind = TK_NUM;
    t->ordinal = TRUE;
    return;
  }
  if ((nd == 4 || nd == 2) && strcmp(suffix, "s") == 0) {
    t->kind = TK_NUM;
    t->decade = TRUE;
    return;
  }
  t->kind = TK_ALNUM;
}

static void
tokenize(const char *text, gsize length, GArray *out)
{
  gsize at = 0;
  gboolean space = TRUE;
  while (at < length) {
    gsize clen;
    gunichar c = next_char(text, length, at, &clen);
    if (is_space_char(c)) {
      space = TRUE;
      at += clen;
      continue;
    }
    Token t;
    memset(&t, 0, sizeof t);
    t.start = (guint)at;
    t.space = space;
    space = FALSE;
    if (g_unichar_isalnum(c)) {
      gsize end = at + clen;
      while (end < length) {
        gsize dl;
        gunichar d = next_char(text, length, end, &dl);
        if (!g_unichar_isalnum(d))
          break;
        end += dl;
      }
      t.end = (guint)end;
      /* ISO 8601 glues the time to the day and the zone to the time (2026-03-03T14:05:00Z):
       * "03T14" is the day, a T and the hour, "00Z" the seconds and a Z, as if written apart */
      const char *r = text + at;
      gsize rl = end - at;
      if ((rl == 5 && g_ascii_isdigit(r[0]) && g_ascii_isdigit(r[1]) && r[2] == 'T' &&
           g_ascii_isdigit(r[3]) && g_ascii_isdigit(r[4])) ||
          (rl == 3 && g_ascii_isdigit(r[0]) && g_ascii_isdigit(r[1]) && r[2] == 'Z')) {
        for (gsize k = 0; k < rl; k += k == 0 ? 2 : (k == 2 ? 1 : 2)) {
          Token part;
          memset(&part, 0, sizeof part);
          part.start = (guint)(at + k);
          part.end = (guint)(at + k + (k == 2 ? 1 : 2));
          part.space = k == 0 ? t.space : FALSE;
          classify_run(text, &part);
          g_array_append_val(out, part);
        }
        at = end;
        continue;
      }
      classify_run(text, &t);
      at = end;
    } else {
      t.kind = TK_PUNCT;
      t.ch = fold_punct(c);
      t.end = (guint)(at + clen);
      at += clen;
    }
    g_array_append_val(out, t);
  }
}

/* Joins 100,000 and 3.5 (and 2.0.26) into single NUM tokens, so that no part of them is read
 * as a day or a year. 13.02.2026 stays apart: it is a date. */
static void
merge_numbers(GArray *tokens)
{
  Token *t = (Token *)(void *)tokens->data;
  guint n = tokens->len, w = 0;
  for (guint r = 0; r < n; w++) {
    Token cur = t[r++];
    if (cur.kind == TK_NUM && !cur.ordinal && !cur.decade) {
      /* d.m.yyyy and d.m.yy are dates */
      gboolean dotted_date = r + 3 < n && cur.digits <= 2 && t[r].kind == TK_PUNCT &&
                             t[r].ch == '.' && !t[r].space && t[r + 1].kind == TK_NUM &&
                             !t[r + 1].space && t[r + 1].digits <= 2 && t[r + 2].kind == TK_PUNCT &&
                             t[r + 2].ch == '.' && !t[r + 2].space && t[r + 3].kind == TK_NUM &&
                             !t[r + 3].space && t[r + 3].digits == 4;
      if (dotted_date) {
        /* copy the date's five tokens as they are */
        t[w] = cur;
        for (int k = 0; k < 4; k++)
          t[++w] = t[r++];
        continue;
      }
      {
        /* grouped thousands */
        if (cur.digits <= 3) {
          while (r + 1 < n && t[r].kind == TK_PUNCT && t[r].ch == ',' && !t[r].space &&
                 t[r + 1].kind == TK_NUM && !t[r + 1].space && t[r + 1].digits == 3 &&
                 !t[r + 1].ordinal && !t[r + 1].decade) {
            cur.grouped = TRUE;
            cur.value = cur.value < G_GINT64_CONSTANT(1000000000000)
                            ? cur.value * 1000 + t[r + 1].value
                            : cur.value;
            cur.digits += 3;
            cur.end = t[r + 1].end;
            cur.ordinal = t[r + 1].ordinal;
            r += 2;
          }
        }
        /* decimals and dotted versions */
        while (r + 1 < n && t[r].kind == TK_PUNCT && t[r].ch == '.' && !t[r].space &&
               (t[r + 1].kind == TK_NUM || t[r + 1].kind == TK_ALNUM) && !t[r + 1].space) {
          cur.decimal = TRUE;
          cur.end = t[r + 1].end;
          r += 2;
        }
      }
    }
    t[w] = cur;
  }
  g_array_set_size(tokens, w);
}

/* ================================================================== sentence and matching */

typedef enum {
  UNIT_NONE = 0,
  UNIT_DAY,
  UNIT_WEEK,
  UNIT_MONTH,
  UNIT_QUARTER,
  UNIT_HALF,
  UNIT_SEASON,
  UNIT_YEAR,
  UNIT_DECADE,
  UNIT_CENTURY,
} Unit;

typedef enum {
  SK_ABS,    /* calendar fields; unknown leading fields (no year) make it partial */
  SK_FISCAL, /* a fiscal year, quarter or half */
  SK_SPAN,   /* n months ending with a month or a day: "the three months to December" */
  SK_REL,    /* relative to an anchor */
} SpecKind;

typedef enum {
  REL_OFFSET,  /* the anchor moved by n units: "two days later", "next year", "that month" */
  REL_VAGUE,   /* after or before the anchor: "days later", "since then" */
  REL_WITHIN,  /* before the anchor plus n units: "within a year" */
  REL_WEEKDAY, /* "on Monday", "next Tuesday" */
  REL_MONTH,   /* "last March" */
  REL_SEASON,  /* "this spring", "the following spring" */
  REL_WEEKEND, /* "over the weekend" */
} RelKind;

typedef enum {
  DIR_BARE = 0, /* by the tense of the sentence */
  DIR_THIS,
  DIR_LAST,
  DIR_NEXT,
} Dir;

/* The zone of a time of day: none (floating), a fixed offset (UTC, EST, CET), or a US zone
 * without its season (ET, PT): its standard offset, an hour more under US daylight saving time
 * on the day it names. */
typedef enum {
  ZONE_NONE = 0,
  ZONE_FIXED,
  ZONE_US,
} ZoneKind;

/* Calendar fields of a point; 0 means not stated. */
typedef struct {
  TwPrecision prec;
  int year;  /* the year; for a decade or century its first year */
  int month; /* DAY, MONTH */
  int day;   /* DAY */
  int part;  /* QUARTER 1-4, HALF 1-2, SEASON 1-4 (SP, SU, FA, WI), WEEK 1-53 */
  int hour, minute, zone_minutes;
  ZoneKind has_zone;
  gboolean week_of; /* "the week of March 16": the ISO week of the day */
} Fields;

typedef struct {
  SpecKind kind;
  Fields f;
  TwQualifier qual;
  gboolean fiscal;
  gboolean calendar;
  gboolean ambiguous; /* 03/04/2026 without a date order */
  gboolean bare;      /* a lone number, month, weekday or quarter: context decides */
  /* SK_REL */
  RelKind rel;
  gboolean deictic; /* anchored to the reference date (else to the narrative) */
  Unit unit;
  int n;
  Dir dir;
  int target;        /* REL_WEEKDAY 1-7 (Monday = 1), REL_MONTH 1-12, REL_SEASON 1-4 */
  TwQualifier vague; /* REL_VAGUE: AFTER or BEFORE */
  gboolean approx;   /* "in about a year", "a year or so later" */
  gboolean has_base; /* "two weeks after March 3": the base is @base */
  Fields base;
  gboolean event_anchored; /* "three days after the vote": no date to anchor to */
  gboolean calendar_unit;  /* "next decade", "that year": the unit's calendar period */
  /* SK_SPAN */
  int months;
} Spec;

typedef struct {
  guint tb, te; /* tokens [tb, te) */
  Spec a, b;
  gboolean range;
  gboolean drop;
  gboolean since; /* "since DATE": the date is in the past */
  gboolean bound; /* written after by, before, since, after ...: a limit, even when a qualifier
                   * inside it wins ("by mid-2027" is mid 2027), so no anchor for other dates */
  int gloss;      /* index of the match merged into this one as its gloss, or -1 */
} Match;

typedef struct {
  const char *text;
  const Token *t;
  guint n;
  const TextTaggerOptions *opt;
} Sent;

/* -- token predicates -- */

static gboolean
word_at(const Sent *s, guint i, const char *w)
{
  return i < s->n && s->t[i].kind == TK_WORD && strcmp(s->t[i].low, w) == 0;
}

/* Whether token @i is one of the words in @list, a string of words each followed by a space:
 * "in by since ". */
static gboolean
word_in(const Sent *s, guint i, const char *list)
{
  if (i >= s->n || s->t[i].kind != TK_WORD)
    return FALSE;
  const char *w = s->t[i].low;
  gsize len = strlen(w);
  for (const char *p = list; *p;) {
    const char *e = strchr(p, ' ');
    gsize l = e ? (gsize)(e - p) : strlen(p);
    if (l == len && memcmp(p, w, len) == 0)
      return TRUE;
    if (!e)
      break;
    p = e + 1;
  }
  return FALSE;
}

static gboolean
punct_at(const Sent *s, guint i, gunichar c)
{
  return i < s->n && s->t[i].kind == TK_PUNCT && s->t[i].ch == c;
}

/* Token @i follows the previous one without white space. */
static gboolean
glued(const Sent *s, guint i)
{
  return i < s->n && i > 0 && !s->t[i].space;
}

static gboolean
plain_num(const Sent *s, guint i)
{
  return i < s->n && s->t[i].kind == TK_NUM && !s->t[i].grouped && !s->t[i].decimal &&
         !s->t[i].ordinal && !s->t[i].decade;
}

/* The end of a clause or sentence: no token, or , ; : . ! ? ) and dashes. */
static gboolean
clause_end_at(const Sent *s, guint i)
{
  if (i >= s->n)
    return TRUE;
  if (s->t[i].kind != TK_PUNCT)
    return FALSE;
  gunichar c = s->t[i].ch;
  return c == ',' || c == ';' || c == ':' || c == '.' || c == '!' || c == '?' || c == ')' ||
         c == 0x2014 || (c == '-' && s->t[i].space) || c == '"';
}

/* ================================================================== word tables */

static const char *const month_names[] = {"january",   "february", "march",    "april",
                                          "may",       "june",     "july",     "august",
                                          "september", "october",  "november", "december"};
static const char *const month_abbrevs[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const weekday_names[] = {"monday", "tuesday",  "wednesday", "thursday",
                                            "friday", "saturday", "sunday"};

int
_tw_text_month_from_name(const char *name)
{
  if (!name)
    return 0;
  char *end;
  long v = strtol(name, &end, 10);
  if (end != name && *end == '\0')
    return v >= 1 && v <= 12 ? (int)v : 0;
  for (int m = 0; m < 12; m++)
    if (g_ascii_strcasecmp(name, month_names[m]) == 0 ||
        g_ascii_strcasecmp(name, month_abbrevs[m]) == 0)
      return m + 1;
  if (g_ascii_strcasecmp(name, "sept") == 0)
    return 9;
  return 0;
}

/* A month name at @i (capitalized: "may" is a verb); an abbreviation may carry its period.
 * Returns the end, 0 if none. @abbrev says whether it was abbreviated. */
static guint
p_month(const Sent *s, guint i, int *month, gboolean *abbrev)
{
  if (i >= s->n || s->t[i].kind != TK_WORD || !s->t[i].cap)
    return 0;
  const char *w = s->t[i].low;
  for (int m = 0; m < 12; m++) {
    if (strcmp(w, month_names[m]) == 0) {
      *month = m + 1;
      if (abbrev)
        *abbrev = FALSE;
      return i + 1;
    }
  }
  int m = 0;
  for (int k = 0; k < 12; k++)
    if (strcmp(w, month_abbrevs[k]) == 0)
      m = k + 1;
  if (strcmp(w, "sept") == 0)
    m = 9;
  if (m == 0)
    return 0;
  *month = m;
  if (abbrev)
    *abbrev = TRUE;
  if (punct_at(s, i + 1, '.') && glued(s, i + 1))
    return i + 2;
  return i + 1;
}

static int
weekday_at(const Sent *s, guint i)
{
  if (i >= s->n || s->t[i].kind != TK_WORD || !s->t[i].cap)
    return 0;
  for (int d = 0; d < 7; d++)
    if (strcmp(s->t[i].low, weekday_names[d]) == 0)
      return d + 1;
  return 0;
}

/* spring 1, summer 2, autumn/fall 3, winter 4 */
static int
season_at(const Sent *s, guint i)
{
  if (i >= s->n || s->t[i].kind != TK_WORD)
    return 0;
  const char *w = s->t[i].low;
  if (strcmp(w, "spring") == 0)
    return 1;
  if (strcmp(w, "summer") == 0)
    return 2;
  if (strcmp(w, "autumn") == 0 || strcmp(w, "fall") == 0)
    return 3;
  if (strcmp(w, "winter") == 0)
    return 4;
  return 0;
}

/* A small count written as a word or digits: "two", "12", "a", "a couple of". Returns the end. */
static guint
p_count(const Sent *s, guint i, int *n)
{
  static const char *const words[] = {
      "zero",     "one",     "two",     "three",     "four",     "five",     "six",
      "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen",
      "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
  if (i >= s->n)
    return 0;
  if (plain_num(s, i) && s->t[i].digits <= 4) {
    *n = (int)s->t[i].value;
    return i + 1;
  }
  if (s->t[i].kind != TK_WORD)
    return 0;
  const char *w = s->t[i].low;
  if (strcmp(w, "a") == 0 || strcmp(w, "an") == 0) {
    if (word_at(s, i + 1, "couple") && word_at(s, i + 2, "of")) {
      *n = 2;
      return i + 3;
    }
    *n = 1;
    return i + 1;
  }
  for (int k = 0; k < (int)G_N_ELEMENTS(words); k++)
    if (strcmp(w, words[k]) == 0) {
      *n = k;
      return i + 1;
    }
  static const char *const tens[] = {"thirty", "forty", "fifty", "sixty"};
  for (int k = 0; k < 4; k++)
    if (strcmp(w, tens[k]) == 0) {
      *n = 30 + 10 * k;
      return i + 1;
    }
  return 0;
}

/* A unit word: day(s), week(s), fortnight(s), month(s), quarter(s), year(s), decade(s). */
static Unit
unit_at(const Sent *s, guint i, gboolean *plural, int *factor)
{
  *factor = 1;
  if (i >= s->n || s->t[i].kind != TK_WORD)
    return UNIT_NONE;
  const char *w = s->t[i].low;
  static const struct {
    const char *one, *many;
    Unit unit;
    int factor;
  } units[] = {
      {"day", "days", UNIT_DAY, 1},
      {"week", "weeks", UNIT_WEEK, 1},
      {"fortnight", "fortnights", UNIT_DAY, 14},
      {"month", "months", UNIT_MONTH, 1},
      {"quarter", "quarters", UNIT_QUARTER, 1},
      {"year", "years", UNIT_YEAR, 1},
      {"decade", "decades", UNIT_DECADE, 1},
      {"century", "centuries", UNIT_CENTURY, 1},
  };
  for (guint k = 0; k < G_N_ELEMENTS(units); k++) {
    if (strcmp(w, units[k].one) == 0 || strcmp(w, units[k].many) == 0) {
      *plural = strcmp(w, units[k].many) == 0;
      *factor = units[k].factor;
      return units[k].unit;
    }
  }
  return UNIT_NONE;
}

/* first 1 ... fourth 4, last/final -1 */
static int
ordinal_word(const Sent *s, guint i)
{
  static const char *const words[] = {"first", "second", "third", "fourth"};
  if (i >= s->n || s->t[i].kind != TK_WORD)
    return 0;
  for (int k = 0; k < 4; k++)
    if (strcmp(s->t[i].low, words[k]) == 0)
      return k + 1;
  if (strcmp(s->t[i].low, "last") == 0 || strcmp(s->t[i].low, "final") == 0)
    return -1;
  return 0;
}

/* A four-digit year (1000-2999) or a two-digit year after an apostrophe ('26). */
static guint
p_year(const Sent *s, guint i, int *year)
{
  if (plain_num(s, i) && s->t[i].digits == 4 && s->t[i].value >= 1000 && s->t[i].value <= 2999) {
    *year = (int)s->t[i].value;
    return i + 1;
  }
  if (punct_at(s, i, '\'') && plain_num(s, i + 1) && glued(s, i + 1) && s->t[i + 1].digits == 2) {
    int v = (int)s->t[i + 1].value;
    *year = v <= 69 ? 2000 + v : 1900 + v;
    return i + 2;
  }
  return 0;
}

static guint
p_day(const Sent *s, guint i, int *day)
{
  if (i >= s->n || s->t[i].kind != TK_NUM || s->t[i].grouped || s->t[i].decimal || s->t[i].decade ||
      s->t[i].digits > 2 || s->t[i].value < 1 || s->t[i].value > 31)
    return 0;
  *day = (int)s->t[i].value;
  return i + 1;
}

/* ================================================================== point forms */

static void
spec_init(Spec *o, SpecKind kind, TwPrecision prec)
{
  memset(o, 0, sizeof *o);
  o->kind = kind;
  o->f.prec = prec;
}

/* A time of day: 14:05, 9:30 a.m., 10am, 3 p.m., noon; with an optional zone (UTC, GMT, EST).
 * Returns the end, 0 if none. */
static guint
p_time(const Sent *s, guint i, int *hour, int *minute, int *zone, ZoneKind *has_zone)
{
  guint j = i;
  int h = -1, m = 0;
  /* the minutes or seconds of a time begun before ("14:05:33" read from "05" was 05:33) */
  if (i >= 2 && glued(s, i) && punct_at(s, i - 1, ':') && s->t[i - 2].kind == TK_NUM)
    return 0;
  if (plain_num(s, i) && s->t[i].digits <= 2 && punct_at(s, i + 1, ':') && glued(s, i + 1) &&
      plain_num(s, i + 2) && glued(s, i + 2) && s->t[i + 2].digits == 2) {
    h = (int)s->t[i].value;
    m = (int)s->t[i + 2].value;
    j = i + 3;
    /* seconds (and their fraction) are read and dropped: the minute holds the instant */
    if (punct_at(s, j, ':') && glued(s, j) && j + 1 < s->n && glued(s, j + 1) &&
        s->t[j + 1].kind == TK_NUM && s->t[j + 1].digits == 2 && s->t[j + 1].value <= 60 &&
        !s->t[j + 1].grouped && !s->t[j + 1].ordinal && !s->t[j + 1].decade)
      j += 2;
  } else if (plain_num(s, i) && s->t[i].digits <= 2) {
    h = (int)s->t[i].value;
    j = i + 1;
  } else if (i < s->n && s->t[i].kind == TK_ALNUM && s->t[i].digits <= 2 &&
             (g_str_has_suffix(s->t[i].low, "am") || g_str_has_suffix(s->t[i].low, "pm")) &&
             strlen(s->t[i].low) == (gsize)s->t[i].digits + 2) {
    h = (int)s->t[i].value;
    if (h < 1 || h > 12)
      return 0;
    if (s->t[i].low[s->t[i].digits] == 'p' && h != 12)
      h += 12;
    else if (s->t[i].low[s->t[i].digits] == 'a' && h == 12)
      h = 0;
    j = i + 1;
    goto zone;
  } else if (word_at(s, i, "noon") || word_at(s, i, "midday")) {
    h = 12;
    j = i + 1;
    goto zone;
  } else {
    return 0;
  }
  if (h < 0 || h > 23 || m > 59)
    return 0;
  /* am / pm / a.m. / p.m. */
  {
    gboolean pm = FALSE, am = FALSE;
    if (word_at(s, j, "am") || word_at(s, j, "pm")) {
      pm = s->t[j].low[0] == 'p';
      am = !pm;
      j++;
    } else if ((word_at(s, j, "a") || word_at(s, j, "p")) && punct_at(s, j + 1, '.') &&
               glued(s, j + 1) && word_at(s, j + 2, "m") && glued(s, j + 2)) {
      pm = s->t[j].low[0] == 'p';
      am = !pm;
      j += 3;
      if (punct_at(s, j, '.') && glued(s, j))
        j++;
    }
    if (am || pm) {
      if (h < 1 || h > 12)
        return 0;
      if (pm && h != 12)
        h += 12;
      if (am && h == 12)
        h = 0;
    } else if (j == i + 1) {
      return 0; /* a lone number is no time */
    }
  }
zone:
  *hour = h;
  *minute = m;
  *has_zone = ZONE_NONE;
  *zone = 0;
  if (j < s->n && (s->t[j].kind == TK_WORD) && s->t[j].allcaps) {
    static const struct {
      const char *name;
      int minutes;
    } zones[] = {{"utc", 0},    {"gmt", 0},    {"z", 0},      {"est", -300}, {"edt", -240},
                 {"cst", -360}, {"cdt", -300}, {"mst", -420}, {"mdt", -360}, {"pst", -480},
                 {"pdt", -420}, {"cet", 60},   {"cest", 120}, {"bst", 60},   {"eet", 120},
                 {"eest", 180}, {"jst", 540},  {"kst", 540},  {"hkt", 480},  {"sgt", 480}};
    for (guint k = 0; k < G_N_ELEMENTS(zones); k++)
      if (strcmp(s->t[j].low, zones[k].name) == 0) {
        *zone = zones[k].minutes;
        *has_zone = ZONE_FIXED;
        j++;
        break;
      }
    /* US news writes "3 p.m. ET" (AP style): standard or daylight time by the day */
    static const struct {
      const char *name;
      int minutes;
    } us_zones[] = {{"et", -300}, {"ct", -360}, {"mt", -420}, {"pt", -480}};
    for (guint k = 0; !*has_zone && k < G_N_ELEMENTS(us_zones); k++)
      if (strcmp(s->t[j].low, us_zones[k].name) == 0) {
        *zone = us_zones[k].minutes;
        *has_zone = ZONE_US;
        j++;
        break;
      }
  }
  return j;
}

/* [Weekday,] Month Day[, Year] | [Weekday,] [the] Day [of] Month [Year] | Month [of|,] Year |
 * Month 'YY | Month */
static guint
pp_calendar(const Sent *s, guint i, Spec *o)
{
  guint j = i, best = 0;
  int wd = weekday_at(s, j);
  if (wd) {
    j++;
    if (punct_at(s, j, ','))
      j++;
  }
  int month = 0, day = 0, year = 0;
  gboolean abbrev = FALSE;
  guint k;

  /* Month first */
  if ((k = p_month(s, j, &month, &abbrev))) {
    guint d;
    if ((d = p_day(s, k, &day)) && !(punct_at(s, d, ':') && glued(s, d)) &&
        !(d < s->n && s->t[d].kind == TK_PUNCT && s->t[d].ch == '%')) {
      spec_init(o, SK_ABS, TW_PRECISION_DAY);
      o->f.month = month;
      o->f.day = day;
      best = d;
      guint y;
      if (punct_at(s, d, ',') && (y = p_year(s, d + 1, &year))) {
        o->f.year = year;
        best = y;
      } else if ((y = p_year(s, d, &year))) {
        o->f.year = year;
        best = y;
      }
      return best;
    }
    if (wd)
      return 0; /* "Friday, February" is no date */
    guint y;
    if ((y = p_year(s, k, &year)) || (word_at(s, k, "of") && (y = p_year(s, k + 1, &year))) ||
        (punct_at(s, k, ',') && plain_num(s, k + 1) && s->t[k + 1].digits == 4 &&
         (y = p_year(s, k + 1, &year)))) {
      spec_init(o, SK_ABS, TW_PRECISION_MONTH);
      o->f.month = month;
      o->f.year = year;
      return y;
    }
    /* a month alone: abbreviations only with their period */
    if (abbrev && !(punct_at(s, k - 1, '.')) && month != 5)
      return 0;
    spec_init(o, SK_ABS, TW_PRECISION_MONTH);
    o->f.month = month;
    o->bare = TRUE;
    return k;
  }

  /* Day first: 13 February 2026, the 13th of February */
  guint d0 = j;
  gboolean the = word_at(s, d0, "the");
  if (the)
    d0++;
  guint d;
  if ((d = p_day(s, d0, &day))) {
    guint m0 = d;
    gboolean of = word_at(s, m0, "of");
    if (of)
      m0++;
    if (the && !s->t[d0].ordinal && !of)
      return 0;
    if ((k = p_month(s, m0, &month, &abbrev))) {
      spec_init(o, SK_ABS, TW_PRECISION_DAY);
      o->f.month = month;
      o->f.day = day;
      best = k;
      guint y;
      if ((y = p_year(s, k, &year)) || (punct_at(s, k, ',') && (y = p_year(s, k + 1, &year)))) {
        o->f.year = year;
        best = y;
      }
      return best;
    }
  }
  return 0;
}

/* 2026-02-13, 2026-02, 2026/02/13, 2026-Q1, 2026-H2, 2026-W07 */
static guint
pp_iso(const Sent *s, guint i, Spec *o)
{
  if (!plain_num(s, i) || s->t[i].digits != 4)
    return 0;
  if (i > 0 && glued(s, i) &&
      (s->t[i - 1].kind != TK_PUNCT || s->t[i - 1].ch == '-' || s->t[i - 1].ch == '/' ||
       s->t[i - 1].ch == '.'))
    return 0;
  int year = (int)s->t[i].value;
  gunichar sep = 0;
  if ((punct_at(s, i + 1, '-') || punct_at(s, i + 1, '/')) && glued(s, i + 1))
    sep = s->t[i + 1].ch;
  if (!sep || !glued(s, i + 2))
    return 0;
  /* An en dash is the dash of ranges, never ISO's hyphen: "the 2008–09 downturn" is two
   * years, not September 2008 (p_range reads it). */
  if (sep == '-' && g_utf8_get_char(s->text + s->t[i + 1].start) == 0x2013)
    return 0;
  if (plain_num(s, i + 2) && s->t[i + 2].digits == 2) {
    int month = (int)s->t[i + 2].value;
    if (month < 1 || month > 12)
      return 0;
    if (punct_at(s, i + 3, sep) && glued(s, i + 3) && plain_num(s, i + 4) && glued(s, i + 4) &&
        s->t[i + 4].digits == 2) {
      if (i + 5 < s->n && glued(s, i + 5) &&
          !(s->t[i + 5].kind == TK_PUNCT && s->t[i + 5].ch != '-' && s->t[i + 5].ch != '/') &&
          !(word_at(s, i + 5, "t") && plain_num(s, i + 6) && glued(s, i + 6)))
        return 0;
      spec_init(o, SK_ABS, TW_PRECISION_DAY);
      o->f.year = year;
      o->f.month = month;
      o->f.day = (int)s->t[i + 4].value;
      return i + 5;
    }
    if (sep != '-')
      return 0;
    /* "the 2011-12 season" spans two years; a bare 2011-12 is ISO's December 2011 */
    if (month == (year + 1) % 100 &&
        word_in(s, i + 3,
                "season seasons campaign term school academic financial fiscal "
                "programme program budget winter session league "))
      return 0;
    if (i + 3 < s->n && glued(s, i + 3) &&
        !(s->t[i + 3].kind == TK_PUNCT && s->t[i + 3].ch != '-' && s->t[i + 3].ch != '/'))
      return 0;
    if (punct_at(s, i + 3, '-') && glued(s, i + 3))
      return 0;
    spec_init(o, SK_ABS, TW_PRECISION_MONTH);
    o->f.year = year;
    o->f.month = month;
    return i + 3;
  }
  if (sep == '-' && i + 2 < s->n && s->t[i + 2].kind == TK_ALNUM) {
    const char *w = s->t[i + 2].low;
    if ((w[0] == 'q' && w[1] >= '1' && w[1] <= '4' && w[2] == '\0') ||
        (w[0] == 'h' && (w[1] == '1' || w[1] == '2') && w[2] == '\0')) {
      spec_init(o, SK_ABS, w[0] == 'q' ? TW_PRECISION_QUARTER : TW_PRECISION_HALF);
      o->f.year = year;
      o->f.part = w[1] - '0';
      return i + 3;
    }
    if (w[0] == 'w' && g_ascii_isdigit(w[1]) && g_ascii_isdigit(w[2]) && w[3] == '\0') {
      int week = (w[1] - '0') * 10 + (w[2] - '0');
      if (week < 1 || week > 53)
        return 0;
      spec_init(o, SK_ABS, TW_PRECISION_WEEK);
      o->f.year = year;
      o->f.part = week;
      return i + 3;
    }
  }
  return 0;
}

/* 13/02/2026, 2/13/26, 13.02.2026, 13-02-2026, 02/2026 */
static guint
pp_numeric(const Sent *s, guint i, Spec *o)
{
  if (!plain_num(s, i) || s->t[i].digits > 2)
    return 0;
  if (i > 0 && glued(s, i) && s->t[i - 1].kind != TK_PUNCT)
    return 0;
  /* a version number: firmware 1.2.2024, Version 3.4.2023, build 12/03/2024 */
  if (i > 0 && word_in(s, i - 1,
                       "version versions ver release releases build builds firmware software "
                       "patch revision rev "))
    return 0;
  if (i > 0 && glued(s, i) &&
      (s->t[i - 1].ch == '/' || s->t[i - 1].ch == '.' || s->t[i - 1].ch == '-' ||
       s->t[i - 1].ch == ':' || s->t[i - 1].ch == ','))
    return 0;
  gunichar sep = 0;
  if (i + 1 < s->n && s->t[i + 1].kind == TK_PUNCT && glued(s, i + 1) &&
      (s->t[i + 1].ch == '/' || s->t[i + 1].ch == '.' || s->t[i + 1].ch == '-'))
    sep = s->t[i + 1].ch;
  if (!sep || !plain_num(s, i + 2) || !glued(s, i + 2))
    return 0;
  int a = (int)s->t[i].value;
  /* month/year */
  if (sep == '/' && s->t[i + 2].digits == 4 && !(punct_at(s, i + 3, '/') && glued(s, i + 3))) {
    if (a < 1 || a > 12)
      return 0;
    spec_init(o, SK_ABS, TW_PRECISION_MONTH);
    o->f.month = a;
    o->f.year = (int)s->t[i + 2].value;
    return i + 3;
  }
  if (s->t[i + 2].digits > 2 || !punct_at(s, i + 3, sep) || !glued(s, i + 3) ||
      !plain_num(s, i + 4) || !glued(s, i + 4))
    return 0;
  int b = (int)s->t[i + 2].value;
  int ydigits = s->t[i + 4].digits;
  if (ydigits != 4 && !(ydigits == 2 && sep == '/'))
    return 0;
  if (i + 5 < s->n && glued(s, i + 5) && s->t[i + 5].kind != TK_PUNCT)
    return 0;
  if (i + 5 < s->n && glued(s, i + 5) && (s->t[i + 5].ch == sep || s->t[i + 5].ch == '-') &&
      plain_num(s, i + 6))
    return 0;
  int year = (int)s->t[i + 4].value;
  if (ydigits == 2)
    year = year <= 69 ? 2000 + year : 1900 + year;
  int day, month;
  gboolean ambiguous = FALSE;
  switch (s->opt->date_order) {
  case TEXT_ORDER_DMY:
    day = a;
    month = b;
    break;
  case TEXT_ORDER_MDY:
    month = a;
    day = b;
    break;
  case TEXT_ORDER_AUTO:
  default:
    if (a > 12 && b <= 12) {
      day = a;
      month = b;
    } else if (b > 12 && a <= 12) {
      month = a;
      day = b;
    } else {
      month = a;
      day = b;
      ambiguous = a != b;
    }
    break;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31)
    return 0;
  spec_init(o, SK_ABS, TW_PRECISION_DAY);
  o->f.year = year;
  o->f.month = month;
  o->f.day = day;
  o->ambiguous = ambiguous;
  return i + 5;
}

/* A fiscal year after "fiscal" / "FY": 2026, 26, '26, 2025/26, 2025-26. Returns the end. */
static guint
p_fiscal_year_number(const Sent *s, guint i, int *year)
{
  guint k;
  int y;
  if ((k = p_year(s, i, &y))) {
    /* 2025/26 and 2025-26 name the year they end in */
    if ((punct_at(s, k, '/') || punct_at(s, k, '-')) && glued(s, k) && plain_num(s, k + 1) &&
        glued(s, k + 1) && (s->t[k + 1].digits == 2 || s->t[k + 1].digits == 4)) {
      int second = (int)s->t[k + 1].value;
      if (s->t[k + 1].digits == 2)
        second += y / 100 * 100;
      if (second == y + 1) {
        *year = second;
        return k + 2;
      }
    }
    *year = y;
    return k;
  }
  if (plain_num(s, i) && s->t[i].digits == 2 && glued(s, i)) {
    *year = 2000 + (int)s->t[i].value;
    return i + 1;
  }
  return 0;
}

/* FY2026, FY26 as one token */
static gboolean
fy_token(const Sent *s, guint i, int *year)
{
  if (i >= s->n || s->t[i].kind != TK_ALNUM)
    return FALSE;
  const char *w = s->t[i].low;
  if (w[0] != 'f' || w[1] != 'y')
    return FALSE;
  gsize len = strlen(w + 2);
  if (len != 2 && len != 4)
    return FALSE;
  for (gsize k = 0; k < len; k++)
    if (!g_ascii_isdigit(w[2 + k]))
      return FALSE;
  int v = atoi(w + 2);
  *year = len == 2 ? 2000 + v : v;
  return TRUE;
}

/* "fiscal [year] 2026", "FY 2026", "FY2026", "FY26", "FY'26", "fiscal 2025/26". Returns the end. */
static guint
p_fiscal_year(const Sent *s, guint i, int *year)
{
  guint k;
  if (fy_token(s, i, year))
    return i + 1;
  if (i < s->n && s->t[i].kind == TK_WORD && strcmp(s->t[i].low, "fy") == 0) {
    if (punct_at(s, i + 1, '\'') && (k = p_year(s, i + 1, year)))
      return k;
    if ((k = p_year(s, i + 1, year)))
      return p_fiscal_year_number(s, i + 1, year);
    return 0;
  }
  if (word_at(s, i, "fiscal")) {
    guint j = i + 1;
    if (word_at(s, j, "year"))
      j++;
    if (j < s->n && s->t[j].kind == TK_NUM && (k = p_fiscal_year_number(s, j, year)) &&
        s->t[j].digits == 4)
      return k;
    if (punct_at(s, j, '\'') && (k = p_year(s, j, year)))
      return k;
  }
  return 0;
}

/* Quarters and halves: Q1 2026, Q1'26, Q1 of 2026, 1Q26, 2H 2025, H2 2025, 2026 Q1, the first
 * quarter of 2026, first-quarter, the second half of the year, and their fiscal forms (fiscal
 * Q1 2026, Q2 FY2026, the third quarter of fiscal 2026, its fiscal first quarter, the fourth
 * calendar quarter of 2025). */
static guint
pp_part(const Sent *s, guint i, Spec *o)
{
  guint j = i;
  gboolean fiscal = FALSE, calendar = FALSE;
  TwPrecision prec = TW_PRECISION_QUARTER;
  int part = 0, year = 0;
  gboolean have_year = FALSE;
  guint k = 0;

  /* 2026 Q1, FY2026 Q1, fiscal 2026 Q1 */
  {
    int y;
    guint e = 0;
    gboolean f = FALSE;
    if ((e = p_fiscal_year(s, j, &y)))
      f = TRUE;
    else if (plain_num(s, j) && s->t[j].digits == 4 && (e = p_year(s, j, &y)))
      f = FALSE;
    if (e && e < s->n && s->t[e].kind == TK_ALNUM) {
      const char *w = s->t[e].low;
      if ((w[0] == 'q' && w[1] >= '1' && w[1] <= '4' && w[2] == '\0') ||
          (w[0] == 'h' && (w[1] == '1' || w[1] == '2') && w[2] == '\0')) {
        spec_init(o, f ? SK_FISCAL : SK_ABS,
                  w[0] == 'q' ? TW_PRECISION_QUARTER : TW_PRECISION_HALF);
        o->fiscal = f;
        o->f.year = y;
        o->f.part = w[1] - '0';
        return e + 1;
      }
    }
  }

  if (word_at(s, j, "fiscal")) {
    fiscal = TRUE;
    j++;
  } else if (word_at(s, j, "calendar")) {
    calendar = TRUE;
    j++;
  }

  if (j < s->n && s->t[j].kind == TK_ALNUM) {
    const char *w = s->t[j].low;
    gsize len = strlen(w);
    if ((w[0] == 'q' || w[0] == 'h') && len == 2 && w[1] >= '1' &&
        w[1] <= (w[0] == 'q' ? '4' : '2')) {
      /* Q1 ... */
      prec = w[0] == 'q' ? TW_PRECISION_QUARTER : TW_PRECISION_HALF;
      part = w[1] - '0';
      k = j + 1;
      int y;
      guint e;
      if ((e = p_fiscal_year(s, k, &y))) {
        fiscal = TRUE;
        year = y;
        have_year = TRUE;
        k = e;
      } else if (punct_at(s, k, '\'') && (e = p_year(s, k, &y))) {
        year = y;
        have_year = TRUE;
        k = e;
      } else if ((e = p_year(s, k, &y)) && s->t[k].digits == 4) {
        year = y;
        have_year = TRUE;
        k = e;
      } else if (word_at(s, k, "of") && (e = p_fiscal_year(s, k + 1, &y))) {
        fiscal = TRUE;
        year = y;
        have_year = TRUE;
        k = e;
      } else if (word_at(s, k, "of") && (e = p_year(s, k + 1, &y))) {
        year = y;
        have_year = TRUE;
        k = e;
      } else if (punct_at(s, k, '/') && glued(s, k) && plain_num(s, k + 1) && glued(s, k + 1) &&
                 s->t[k + 1].digits == 2) {
        year = 2000 + (int)s->t[k + 1].value;
        have_year = TRUE;
        k += 2;
      }
      goto done;
    }
    /* 1Q26, 2H25, 2H (followed by a year) */
    if (len >= 2 && (w[0] >= '1' && w[0] <= '4') && (w[1] == 'q' || w[1] == 'h')) {
      prec = w[1] == 'q' ? TW_PRECISION_QUARTER : TW_PRECISION_HALF;
      part = w[0] - '0';
      if (prec == TW_PRECISION_HALF && part > 2)
        return 0;
      if (len == 4 && g_ascii_isdigit(w[2]) && g_ascii_isdigit(w[3])) {
        year = 2000 + (w[2] - '0') * 10 + (w[3] - '0');
        have_year = TRUE;
        k = j + 1;
        goto done;
      }
      if (len == 2) {
        int y;
        guint e;
        if ((e = p_fiscal_year(s, j + 1, &y))) {
          fiscal = TRUE;
          year = y;
          have_year = TRUE;
          k = e;
          goto done;
        }
        if ((e = p_year(s, j + 1, &y))) {
          year = y;
          have_year = TRUE;
          k = e;
          goto done;
        }
      }
      return 0;
    }
  }

  /* [the|its|their] [fiscal|calendar] first [fiscal|calendar] quarter|half [of [fiscal] 2026] */
  {
    guint a = j;
    if (a == i && (word_at(s, a, "the") || word_at(s, a, "its") || word_at(s, a, "their"))) {
      a++;
      if (word_at(s, a, "fiscal")) {
        fiscal = TRUE;
        a++;
      } else if (word_at(s, a, "calendar")) {
        calendar = TRUE;
        a++;
      }
    }
    int ord = ordinal_word(s, a);
    if (!ord)
      return 0;
    guint b = a + 1;
    gboolean hyphen = FALSE;
    if (punct_at(s, b, '-') && glued(s, b)) {
      hyphen = TRUE;
      b++;
    }
    if (word_at(s, b, "fiscal")) {
      fiscal = TRUE;
      b++;
    } else if (word_at(s, b, "calendar")) {
      calendar = TRUE;
      b++;
    }
    if (word_at(s, b, "quarter"))
      prec = TW_PRECISION_QUARTER;
    else if (word_at(s, b, "half"))
      prec = TW_PRECISION_HALF;
    else
      return 0;
    if ((word_at(s, b + 1, "in") && word_at(s, b + 2, "a") && word_at(s, b + 3, "row")) ||
        word_in(s, b + 1, "running straight "))
      return 0; /* "for the second quarter in a row" counts quarters */
    if (ord == -1)
      ord = prec == TW_PRECISION_QUARTER ? 4 : 2;
    if (prec == TW_PRECISION_HALF && ord > 2)
      return 0;
    part = ord;
    k = b + 1;
    int y;
    guint e;
    if (word_at(s, k, "of") || (hyphen && k < s->n)) {
      guint c = word_at(s, k, "of") ? k + 1 : k;
      if ((e = p_fiscal_year(s, c, &y))) {
        fiscal = TRUE;
        year = y;
        have_year = TRUE;
        k = e;
      } else if (word_at(s, c, "calendar") && (e = p_year(s, c + 1, &y))) {
        calendar = TRUE;
        year = y;
        have_year = TRUE;
        k = e;
      } else if ((e = p_year(s, c, &y)) && s->t[c].digits == 4) {
        year = y;
        have_year = TRUE;
        k = e;
      } else if (word_at(s, c, "the") && word_at(s, c + 1, "year")) {
        k = c + 2; /* the year: partial */
      } else if (word_at(s, k, "of")) {
        return 0; /* "the first half of the match" */
      }
    } else if ((e = p_year(s, k, &y)) && s->t[k].digits == 4) {
      year = y;
      have_year = TRUE;
      k = e;
    }
    if (!have_year && a == j && j == i && !hyphen && !fiscal) {
      /* "first quarter" without "the": only when it reads as a period */
      if (!word_in(s, i > 0 ? i - 1 : s->n, "in by for during until since from through a "))
        return 0;
    }
    if (a > i && !have_year && word_at(s, i, "the") == FALSE && !fiscal)
      return 0; /* "its first quarter" names nothing without fiscal */
  }

done:
  spec_init(o, fiscal ? SK_FISCAL : SK_ABS, prec);
  o->fiscal = fiscal;
  o->calendar = calendar;
  o->f.part = part;
  o->f.year = have_year ? year : 0;
  if (!have_year && (s->t[i].kind == TK_ALNUM))
    o->bare = TRUE;
  return k;
}

/* [the] summer [of] 2025, Summer 2025, winter 2025-26, the spring */
static guint
pp_season(const Sent *s, guint i, Spec *o)
{
  guint j = i;
  gboolean the = word_at(s, j, "the");
  if (the)
    j++;
  int season = season_at(s, j);
  if (!season)
    return 0;
  guint k = j + 1, e;
  int year;
  if (word_at(s, k, "of") && (e = p_year(s, k + 1, &year)))
    k = e;
  else if ((e = p_year(s, k, &year)))
    k = e;
  else
    year = 0;
  if (year && season == 4 && (punct_at(s, k, '-') || punct_at(s, k, '/')) && glued(s, k) &&
      plain_num(s, k + 1) && glued(s, k + 1) && s->t[k + 1].digits == 2 &&
      (int)s->t[k + 1].value == (year + 1) % 100)
    k += 2; /* winter 2025-26 */
  if (!year && !the)
    return 0;
  spec_init(o, SK_ABS, TW_PRECISION_SEASON);
  o->f.part = season;
  o->f.year = year;
  return k;
}

/* calendar 2025, the year 2026, fiscal 2026, FY2026, and bare 2026 (checked in context later) */
static guint
pp_year(const Sent *s, guint i, Spec *o)
{
  int year;
  guint e;
  if ((e = p_fiscal_year(s, i, &year))) {
    spec_init(o, SK_FISCAL, TW_PRECISION_YEAR);
    o->fiscal = TRUE;
    o->f.year = year;
    return e;
  }
  if (word_at(s, i, "calendar") && (e = p_year(s, i + 1, &year)) && s->t[i + 1].digits == 4) {
    spec_init(o, SK_ABS, TW_PRECISION_YEAR);
    o->calendar = TRUE;
    o->f.year = year;
    return e;
  }
  if (word_at(s, i, "the") && word_at(s, i + 1, "year") && (e = p_year(s, i + 2, &year)) &&
      s->t[i + 2].digits == 4) {
    spec_init(o, SK_ABS, TW_PRECISION_YEAR);
    o->f.year = year;
    return e;
  }
  if (plain_num(s, i) && s->t[i].digits == 4 && (e = p_year(s, i, &year))) {
    spec_init(o, SK_ABS, TW_PRECISION_YEAR);
    o->f.year = year;
    o->bare = TRUE;
    return e;
  }
  return 0;
}

/* [the] 1990s, [the] '90s, [the] 2020s */
static guint
pp_decade(const Sent *s, guint i, Spec *o)
{
  guint j = i;
  if (word_at(s, j, "the"))
    j++;
  int year = 0;
  if (j < s->n && s->t[j].kind == TK_NUM && s->t[j].decade && s->t[j].digits == 4 &&
      s->t[j].value % 10 == 0 && s->t[j].value >= 1000 && s->t[j].value <= 2990) {
    year = (int)s->t[j].value;
    j++;
  } else if (punct_at(s, j, '\'') && j + 1 < s->n && s->t[j + 1].kind == TK_NUM &&
             s->t[j + 1].decade && s->t[j + 1].digits == 2 && s->t[j + 1].value % 10 == 0 &&
             glued(s, j + 1)) {
    int v = (int)s->t[j + 1].value;
    year = v >= 30 ? 1900 + v : 2000 + v;
    j += 2;
  } else {
    return 0;
  }
  if (i > 0 && glued(s, i) && s->t[i - 1].kind == TK_PUNCT &&
      (s->t[i - 1].ch == '$' || s->t[i - 1].ch == '#'))
    return 0;
  spec_init(o, SK_ABS, TW_PRECISION_DECADE);
  o->f.year = year;
  return j;
}

/* the 21st century, the twentieth century, the twenty-first century */
static guint
pp_century(const Sent *s, guint i, Spec *o)
{
  guint j = i;
  if (!word_at(s, j, "the"))
    return 0;
  j++;
  int n = 0;
  if (j < s->n && s->t[j].kind == TK_NUM && s->t[j].ordinal && s->t[j].digits <= 2) {
    n = (int)s->t[j].value;
    j++;
  } else if (word_at(s, j, "twentieth")) {
    n = 20;
    j++;
  } else if (word_at(s, j, "nineteenth")) {
    n = 19;
    j++;
  } else if (word_at(s, j, "twenty") && punct_at(s, j + 1, '-') && glued(s, j + 1) &&
             (word_at(s, j + 2, "first") || word_at(s, j + 2, "second"))) {
    n = word_at(s, j + 2, "first") ? 21 : 22;
    j += 3;
  } else {
    return 0;
  }
  if (!word_at(s, j, "century") || n < 1 || n > 99)
    return 0;
  spec_init(o, SK_ABS, TW_PRECISION_CENTURY);
  o->f.year = (n - 1) * 100;
  if (o->f.year == 0)
    return 0;
  return j + 1;
}

/* Christmas, Christmas Eve, New Year's Day, New Year's Eve, Halloween, Valentine's Day */
static guint
pp_holiday(const Sent *s, guint i, Spec *o)
{
  int month = 0, day = 0;
  guint j = i;
  if (i < s->n && s->t[i].kind == TK_WORD && s->t[i].cap) {
    if (word_at(s, j, "christmas")) {
      month = 12;
      day = 25;
      j++;
      if (word_at(s, j, "eve") && s->t[j].cap) {
        day = 24;
        j++;
      } else if (word_at(s, j, "day") && s->t[j].cap) {
        j++;
      }
    } else if (word_at(s, j, "new") && word_at(s, j + 1, "year") && punct_at(s, j + 2, '\'') &&
               word_at(s, j + 3, "s") && (word_at(s, j + 4, "eve") || word_at(s, j + 4, "day"))) {
      gboolean eve = word_at(s, j + 4, "eve");
      month = eve ? 12 : 1;
      day = eve ? 31 : 1;
      j += 5;
    } else if (word_at(s, j, "halloween")) {
      month = 10;
      day = 31;
      j++;
    } else if (word_at(s, j, "valentine") && punct_at(s, j + 1, '\'') && word_at(s, j + 2, "s") &&
               word_at(s, j + 3, "day")) {
      month = 2;
      day = 14;
      j += 4;
    }
  }
  if (!month)
    return 0;
  spec_init(o, SK_ABS, TW_PRECISION_DAY);
  o->f.month = month;
  o->f.day = day;
  int year;
  guint e;
  if ((e = p_year(s, j, &year)) && s->t[j].kind == TK_NUM) {
    o->f.year = year;
    j = e;
  } else {
    o->bare = TRUE;
  }
  return j;
}

/* the year, the month, the quarter, the decade, the century, the week: the period that holds the
 * anchor (used after "the end of", "the second half of") */
static guint
pp_current(const Sent *s, guint i, Spec *o)
{
  if (!word_at(s, i, "the"))
    return 0;
  static const struct {
    const char *w;
    TwPrecision prec;
  } units[] = {{"year", TW_PRECISION_YEAR},       {"month", TW_PRECISION_MONTH},
               {"quarter", TW_PRECISION_QUARTER}, {"decade", TW_PRECISION_DECADE},
               {"century", TW_PRECISION_CENTURY}, {"week", TW_PRECISION_WEEK}};
  for (guint k = 0; k < G_N_ELEMENTS(units); k++)
    if (word_at(s, i + 1, units[k].w)) {
      spec_init(o, SK_ABS, units[k].prec);
      return i + 2;
    }
  return 0;
}

/* ================================================================== relative forms */

static void
rel_init(Spec *o, RelKind rel, gboolean deictic)
{
  spec_init(o, SK_REL, TW_PRECISION_DAY);
  o->rel = rel;
  o->deictic = deictic;
}

static TwPrecision
unit_precision(Unit unit)
{
  switch (unit) {
  case UNIT_DAY:
    return TW_PRECISION_DAY;
  case UNIT_WEEK:
    return TW_PRECISION_WEEK;
  case UNIT_MONTH:
    return TW_PRECISION_MONTH;
  case UNIT_QUARTER:
    return TW_PRECISION_QUARTER;
  case UNIT_HALF:
    return TW_PRECISION_HALF;
  case UNIT_SEASON:
    return TW_PRECISION_SEASON;
  case UNIT_YEAR:
  case UNIT_DECADE: /* "a decade ago" is a year, roughly */
    return TW_PRECISION_YEAR;
  case UNIT_CENTURY:
    return TW_PRECISION_CENTURY;
  case UNIT_NONE:
  default:
    return TW_PRECISION_DAY;
  }
}

/* A day, month, season or year that can serve as the explicit base of "two weeks after ...". */
static guint pp_base(const Sent *s, guint i, Fields *base);

/* After "N units": ago, later, after, before, earlier, from now, hence, on. */
static guint
rel_after_count(const Sent *s, guint k, Spec *o, Unit unit, int n, gboolean vague)
{
  if (word_at(s, k, "or") && word_at(s, k + 1, "so")) {
    o->approx = TRUE;
    k += 2;
  }
  if (word_at(s, k, "ago")) {
    if (vague)
      return 0;
    o->rel = REL_OFFSET;
    o->deictic = TRUE;
    o->unit = unit;
    o->n = -n;
    return k + 1;
  }
  if ((word_at(s, k, "from") && word_at(s, k + 1, "now")) || word_at(s, k, "hence")) {
    if (vague)
      return 0;
    o->rel = REL_OFFSET;
    o->deictic = TRUE;
    o->unit = unit;
    o->n = n;
    return word_at(s, k, "hence") ? k + 1 : k + 2;
  }
  gboolean later = word_at(s, k, "later") || word_at(s, k, "afterwards") ||
                   word_at(s, k, "afterward") || word_at(s, k, "on");
  gboolean earlier = word_at(s, k, "earlier");
  gboolean after = word_at(s, k, "after");
  gboolean before = word_at(s, k, "before");
  if (!later && !earlier && !after && !before)
    return 0;
  int sign = (later || after) ? 1 : -1;
  guint e = k + 1;
  if (later || earlier) {
    if (word_at(s, e, "than"))
      return 0; /* "two months later than planned" compares */
    if (word_at(s, k, "on") && !clause_end_at(s, e))
      return 0; /* "two years on the market" */
  } else {
    /* after / before: a date, "that", the end of the clause, or an event */
    Fields base;
    guint be;
    if ((be = pp_base(s, e, &base))) {
      o->has_base = TRUE;
      o->base = base;
      e = be;
    } else if (word_at(s, e, "that") || word_at(s, e, "this")) {
      e++;
    } else if (!clause_end_at(s, e)) {
      o->event_anchored = TRUE;
    }
  }
  o->deictic = FALSE;
  o->unit = unit;
  if (vague) {
    o->rel = REL_VAGUE;
    o->vague = sign > 0 ? TW_QUALIFIER_AFTER : TW_QUALIFIER_BEFORE;
  } else {
    o->rel = REL_OFFSET;
    o->n = sign * n;
  }
  return e;
}

static guint
pp_relative(const Sent *s, guint i, Spec *o)
{
  /* A count in digits opens "10 days ago" and "2 years later" as a word opens "ten days ago":
   * news style writes numbers from 10 up in digits. */
  if (i >= s->n || (s->t[i].kind != TK_WORD && !plain_num(s, i)))
    return 0;
  const char *w = s->t[i].low;
  gboolean plural;
  int factor;
  Unit unit;
  guint k;

  /* today, tonight, yesterday, tomorrow, the day before yesterday, the day after tomorrow */
  if (strcmp(w, "today") == 0 || strcmp(w, "tonight") == 0 || strcmp(w, "yesterday") == 0 ||
      strcmp(w, "tomorrow") == 0) {
    rel_init(o, REL_OFFSET, TRUE);
    o->unit = UNIT_DAY;
    o->n = w[0] == 'y' ? -1 : (strcmp(w, "tomorrow") == 0 ? 1 : 0);
    k = i + 1;
    if (word_in(s, k, "morning afternoon evening night "))
      k++;
    return k;
  }
  if (strcmp(w, "the") == 0 && word_at(s, i + 1, "day") &&
      (word_at(s, i + 2, "before") || word_at(s, i + 2, "after")) &&
      (word_at(s, i + 3, "yesterday") || word_at(s, i + 3, "tomorrow"))) {
    rel_init(o, REL_OFFSET, TRUE);
    o->unit = UNIT_DAY;
    o->n = word_at(s, i + 3, "yesterday") ? -2 : 2;
    return i + 4;
  }
  if (strcmp(w, "this") == 0 && word_in(s, i + 1, "morning afternoon evening ")) {
    rel_init(o, REL_OFFSET, TRUE);
    o->unit = UNIT_DAY;
    return i + 2;
  }

  /* this / last / next / coming + unit, month, season, weekday, weekend */
  if (strcmp(w, "this") == 0 || strcmp(w, "last") == 0 || strcmp(w, "next") == 0 ||
      (strcmp(w, "coming") == 0 && word_at(s, i - 1, "the"))) {
    Dir dir = w[0] == 't' ? DIR_THIS : (w[0] == 'l' ? DIR_LAST : DIR_NEXT);
    /* "the last week of March", "the next few days", "over the last year": not this form */
    if (dir != DIR_THIS && i > 0 && word_at(s, i - 1, "the") && strcmp(w, "coming") != 0)
      return 0;
    guint j = i + 1;
    int target;
    if ((unit = unit_at(s, j, &plural, &factor)) && !plural && factor == 1) {
      if (word_at(s, j + 1, "of"))
        return 0;
      rel_init(o, REL_OFFSET, TRUE);
      o->unit = unit;
      o->n = dir == DIR_THIS ? 0 : (dir == DIR_LAST ? -1 : 1);
      o->calendar_unit = TRUE;
      return j + 1;
    }
    if (word_at(s, j, "weekend")) {
      rel_init(o, REL_WEEKEND, TRUE);
      o->dir = dir;
      return j + 1;
    }
    if ((target = weekday_at(s, j))) {
      rel_init(o, REL_WEEKDAY, TRUE);
      o->dir = dir;
      o->target = target;
      return j + 1;
    }
    int month;
    guint e;
    if ((e = p_month(s, j, &month, NULL)) && !plain_num(s, e)) {
      rel_init(o, REL_MONTH, TRUE);
      o->dir = dir;
      o->target = month;
      return e;
    }
    if ((target = season_at(s, j))) {
      rel_init(o, REL_SEASON, TRUE);
      o->dir = dir;
      o->target = target;
      return j + 1;
    }
    return 0;
  }

  /* earlier / later this|that year|month|week */
  if ((strcmp(w, "earlier") == 0 || strcmp(w, "later") == 0) &&
      (word_at(s, i + 1, "this") || word_at(s, i + 1, "that")) &&
      (unit = unit_at(s, i + 2, &plural, &factor)) && !plural && factor == 1) {
    rel_init(o, REL_OFFSET, word_at(s, i + 1, "this"));
    o->unit = unit;
    o->calendar_unit = TRUE;
    return i + 3;
  }

  /* the following / next / previous / prior / preceding + unit, season, weekday */
  if (strcmp(w, "the") == 0 &&
      word_in(s, i + 1, "following next previous prior preceding subsequent ")) {
    int sign = word_in(s, i + 1, "following next subsequent ") ? 1 : -1;
    guint j = i + 2;
    int target;
    if (word_at(s, i + 1, "next") && !word_in(s, j, "day morning "))
      return 0; /* "the next three years" is a duration; "the next day" an anaphor */
    if ((unit = unit_at(s, j, &plural, &factor)) && !plural && factor == 1) {
      rel_init(o, REL_OFFSET, FALSE);
      o->unit = unit;
      o->n = sign;
      o->calendar_unit = TRUE;
      return j + 1;
    }
    if (word_at(s, j, "morning")) {
      rel_init(o, REL_OFFSET, FALSE);
      o->unit = UNIT_DAY;
      o->n = sign;
      return j + 1;
    }
    if ((target = season_at(s, j))) {
      rel_init(o, REL_SEASON, FALSE);
      o->dir = sign > 0 ? DIR_NEXT : DIR_LAST;
      o->target = target;
      return j + 1;
    }
    if ((target = weekday_at(s, j))) {
      rel_init(o, REL_WEEKDAY, FALSE);
      o->dir = sign > 0 ? DIR_NEXT : DIR_LAST;
      o->target = target;
      return j + 1;
    }
    return 0;
  }

  /* the day|week|month|year before|after (standalone, or before a date) */
  if (strcmp(w, "the") == 0 && (unit = unit_at(s, i + 1, &plural, &factor)) && !plural &&
      factor == 1 && (word_at(s, i + 2, "before") || word_at(s, i + 2, "after"))) {
    rel_init(o, REL_OFFSET, FALSE);
    return rel_after_count(s, i + 2, o, unit, 1, FALSE);
  }

  /* that day, that same month, the same year, that spring */
  if (strcmp(w, "that") == 0 || (strcmp(w, "the") == 0 && word_at(s, i + 1, "same"))) {
    guint j = i + 1;
    if (word_at(s, j, "same"))
      j++;
    int target;
    if ((unit = unit_at(s, j, &plural, &factor)) && !plural && factor == 1 &&
        !word_at(s, j + 1, "of") && !(punct_at(s, j + 1, '-') && glued(s, j + 1))) {
      rel_init(o, REL_OFFSET, FALSE);
      o->unit = unit;
      o->calendar_unit = TRUE;
      return j + 1;
    }
    if ((target = season_at(s, j))) {
      rel_init(o, REL_SEASON, FALSE);
      o->dir = DIR_THIS;
      o->target = target;
      return j + 1;
    }
    return 0;
  }

  /* since then; soon / shortly after(wards), shortly before */
  if (strcmp(w, "since") == 0 && word_at(s, i + 1, "then")) {
    rel_init(o, REL_VAGUE, FALSE);
    o->vague = TW_QUALIFIER_AFTER;
    return i + 2;
  }
  if ((strcmp(w, "soon") == 0 || strcmp(w, "shortly") == 0) &&
      word_in(s, i + 1, "after afterwards afterward before thereafter ") &&
      clause_end_at(s, i + 2)) {
    rel_init(o, REL_VAGUE, FALSE);
    o->vague = word_at(s, i + 1, "before") ? TW_QUALIFIER_BEFORE : TW_QUALIFIER_AFTER;
    return i + 2;
  }

  /* in [about] N units [' time]; within N units; within days|weeks|months */
  if (strcmp(w, "in") == 0 || strcmp(w, "within") == 0) {
    gboolean within = w[0] == 'w';
    guint j = i + 1;
    gboolean approx = FALSE;
    if (word_in(s, j, "about around roughly approximately some ")) {
      approx = TRUE;
      j++;
    }
    int n;
    guint e = p_count(s, j, &n);
    if (e && (unit = unit_at(s, e, &plural, &factor)) && n > 0 && n <= 1000) {
      k = e + 1;
      if (punct_at(s, k, '\'') &&
          (word_at(s, k + 1, "time") || (word_at(s, k + 1, "s") && word_at(s, k + 2, "time"))))
        k += word_at(s, k + 1, "time") ? 2 : 3;
      else if (word_in(s, k, "of from after before ago later earlier old time ") ||
               punct_at(s, k, '\'') || (punct_at(s, k, '-') && glued(s, k)))
        return 0;
      rel_init(o, within ? REL_WITHIN : REL_OFFSET, TRUE);
      o->unit = unit;
      o->n = n * factor;
      o->approx = approx;
      return k;
    }
    if (within && (unit = unit_at(s, j, &plural, &factor)) && plural && clause_end_at(s, j + 1)) {
      rel_init(o, REL_VAGUE, FALSE);
      o->unit = unit;
      o->vague = TW_QUALIFIER_AFTER;
      return j + 1;
    }
    return 0;
  }

  /* N units ago|later|after|before|earlier|from now; days later; a year or so later */
  {
    int other;
    /* "between three and six months later" is the same spread; a lone "and" is not ("opened
     * in 2019 and two years later closed") */
    if (i >= 2 &&
        (word_in(s, i - 1, "to or ") || punct_at(s, i - 1, '-') ||
         (i >= 3 && word_at(s, i - 1, "and") && word_at(s, i - 3, "between"))) &&
        p_count(s, i - 2, &other) == i - 1)
      return 0; /* "three to six months later": a spread, not a date */
  }
  {
    int n = 0;
    guint e = p_count(s, i, &n);
    gboolean vague = FALSE;
    if (!e && word_in(s, i, "several few some many ")) {
      e = i + 1;
      vague = TRUE;
    } else if (!e && strcmp(w, "a") == 0 && word_at(s, i + 1, "few")) {
      e = i + 2;
      vague = TRUE;
    }
    if (e && (unit = unit_at(s, e, &plural, &factor)) && (vague || n > 0)) {
      rel_init(o, REL_OFFSET, FALSE);
      return rel_after_count(s, e + 1, o, unit, n * factor, vague);
    }
    /* bare plural units: "days later", "weeks after", "months earlier" */
    if ((unit = unit_at(s, i, &plural, &factor)) && plural &&
        (i == 0 || !(s->t[i - 1].kind == TK_NUM || word_in(s, i - 1, "the of for ") ||
                     p_count(s, i - 1, &n) == i)) &&
        word_in(s, i + 1, "later after earlier before ")) {
      rel_init(o, REL_VAGUE, FALSE);
      guint r = rel_after_count(s, i + 1, o, unit, 1, TRUE);
      if (r && o->has_base)
        return 0; /* "days after March 3" is too vague to place */
      return r;
    }
  }
  return 0;
}

/* A weekday alone ("on Monday"), "the weekend", "the 13th": placed by the reference date. */
static guint
pp_deictic_alone(const Sent *s, guint i, Spec *o)
{
  int wd = weekday_at(s, i);
  if (wd) {
    rel_init(o, REL_WEEKDAY, TRUE);
    o->dir = DIR_BARE;
    o->target = wd;
    o->bare = TRUE;
    return i + 1;
  }
  if (word_at(s, i, "the") && word_at(s, i + 1, "weekend")) {
    rel_init(o, REL_WEEKEND, TRUE);
    o->dir = DIR_BARE;
    return i + 2;
  }
  if (word_at(s, i, "the") && i + 1 < s->n && s->t[i + 1].kind == TK_NUM && s->t[i + 1].ordinal &&
      s->t[i + 1].value >= 1 && s->t[i + 1].value <= 31 && !word_at(s, i + 2, "of") &&
      !word_at(s, i + 2, "century")) {
    spec_init(o, SK_ABS, TW_PRECISION_DAY);
    o->f.day = (int)s->t[i + 1].value;
    o->bare = TRUE;
    return i + 2;
  }
  return 0;
}

/* ================================================================== composition */

/* The longest point form at @i (calendar, numeric, quarter, season, year, decade, century,
 * holiday, relative), with a time of day attached to a day. */
static guint
p_point(const Sent *s, guint i, Spec *o)
{
  typedef guint (*Parser)(const Sent *, guint, Spec *);
  static const Parser parsers[] = {pp_iso,     pp_numeric,  pp_calendar,     pp_part,
                                   pp_season,  pp_decade,   pp_century,      pp_year,
                                   pp_holiday, pp_relative, pp_deictic_alone};
  guint best = 0;
  Spec cand;
  for (guint k = 0; k < G_N_ELEMENTS(parsers); k++) {
    guint e = parsers[k](s, i, &cand);
    if (e > best) {
      best = e;
      *o = cand;
    }
  }
  /* TIME [zone] on DAY */
  {
    int h, m, z;
    ZoneKind hz;
    guint e = p_time(s, i, &h, &m, &z, &hz);
    if (e && word_at(s, e, "on")) {
      guint d = pp_calendar(s, e + 1, &cand);
      if (!d)
        d = pp_iso(s, e + 1, &cand);
      if (!d)
        d = pp_numeric(s, e + 1, &cand);
      if (d && cand.kind == SK_ABS && cand.f.prec == TW_PRECISION_DAY && d > best) {
        *o = cand;
        o->f.prec = TW_PRECISION_MINUTE;
        o->f.hour = h;
        o->f.minute = m;
        o->f.zone_minutes = z;
        o->f.has_zone = hz;
        o->bare = FALSE;
        best = d;
      }
    }
  }
  /* DAY[,] [at] TIME [zone] */
  if (best && o->kind == SK_ABS && o->f.prec == TW_PRECISION_DAY && o->f.month) {
    guint j = best;
    if (punct_at(s, j, ','))
      j++;
    if (word_at(s, j, "at"))
      j++;
    gboolean iso_t = j == best && word_at(s, j, "t") && glued(s, j);
    if (iso_t)
      j++;
    int h, m, z;
    ZoneKind hz;
    guint e = p_time(s, j, &h, &m, &z, &hz);
    if (e && iso_t && !hz) {
      /* 2026-03-03T14:05Z, 2026-03-03T14:05:00+01:00, +0100, -05 */
      if (word_at(s, e, "z") && glued(s, e)) {
        hz = ZONE_FIXED;
        z = 0;
        e++;
      } else if ((punct_at(s, e, '+') || punct_at(s, e, '-')) && glued(s, e) &&
                 plain_num(s, e + 1) && glued(s, e + 1) &&
                 (s->t[e + 1].digits == 2 || s->t[e + 1].digits == 4)) {
        int sign = punct_at(s, e, '-') ? -1 : 1;
        int oh = (int)s->t[e + 1].value, om = 0;
        guint ze = e + 2;
        if (s->t[e + 1].digits == 4) {
          om = oh % 100;
          oh /= 100;
        } else if (punct_at(s, ze, ':') && glued(s, ze) && plain_num(s, ze + 1) &&
                   glued(s, ze + 1) && s->t[ze + 1].digits == 2) {
          om = (int)s->t[ze + 1].value;
          ze += 2;
        }
        if (oh <= 23 && om <= 59) {
          hz = ZONE_FIXED;
          z = sign * (oh * 60 + om);
          e = ze;
        }
      }
    }
    if (e && (e > j + 1 || s->t[j].kind != TK_NUM || word_at(s, j - 1, "at"))) {
      o->f.prec = TW_PRECISION_MINUTE;
      o->f.hour = h;
      o->f.minute = m;
      o->f.zone_minutes = z;
      o->f.has_zone = hz;
      best = e;
    }
  }
  return best;
}

static guint
pp_base(const Sent *s, guint i, Fields *base)
{
  Spec b;
  guint e = pp_calendar(s, i, &b);
  if (!e)
    e = pp_iso(s, i, &b);
  if (!e)
    e = pp_numeric(s, i, &b);
  if (!e) {
    e = pp_year(s, i, &b);
    if (e && b.kind != SK_ABS)
      e = 0;
  }
  if (!e || b.kind != SK_ABS || b.bare)
    return 0;
  *base = b.f;
  return e;
}

/* the first|second|third|fourth|last week of MONTH; the first|last days of MONTH */
static guint
pp_week_of_month(const Sent *s, guint i, Spec *o)
{
  if (!word_at(s, i, "the"))
    return 0;
  int ord = ordinal_word(s, i + 1);
  if (!ord)
    return 0;
  guint j = i + 2;
  if (!(word_at(s, j, "week") || word_at(s, j, "weeks") || word_at(s, j, "days")) ||
      !word_at(s, j + 1, "of"))
    return 0;
  guint e = pp_calendar(s, j + 2, o);
  if (!e || o->kind != SK_ABS || o->f.prec != TW_PRECISION_MONTH)
    return 0;
  o->qual = ord == 1                  ? TW_QUALIFIER_EARLY
            : (ord == -1 || ord == 4) ? TW_QUALIFIER_LATE
                                      : TW_QUALIFIER_MID;
  o->bare = FALSE;
  return e;
}

/* the week of March 16 */
static guint
pp_week_of(const Sent *s, guint i, Spec *o)
{
  if (!word_at(s, i, "the") || !word_at(s, i + 1, "week") || !word_at(s, i + 2, "of"))
    return 0;
  guint e = pp_calendar(s, i + 3, o);
  if (!e)
    e = pp_iso(s, i + 3, o);
  if (!e || o->kind != SK_ABS || o->f.prec != TW_PRECISION_DAY)
    return 0;
  o->f.week_of = TRUE;
  return e;
}

/* the [fiscal] year|quarter|half|N months ended|ending|to [in|on] DATE */
static guint
pp_span(const Sent *s, guint i, Spec *o)
{
  guint j = i;
  if (!word_at(s, j, "the"))
    return 0;
  j++;
  gboolean fiscal = FALSE;
  if (word_at(s, j, "fiscal")) {
    fiscal = TRUE;
    j++;
  }
  int months = 0, n;
  guint e;
  if (word_at(s, j, "year")) {
    months = 12;
    j++;
  } else if (word_at(s, j, "quarter")) {
    months = 3;
    j++;
  } else if (word_at(s, j, "half")) {
    months = 6;
    j++;
  } else if ((e = p_count(s, j, &n)) && (word_at(s, e, "months") || word_at(s, e, "month")) &&
             n >= 1 && n <= 24) {
    months = n;
    j = e + 1;
  } else {
    return 0;
  }
  if (word_at(s, j, "that"))
    j++;
  if (!word_in(s, j, "ended ending to through "))
    return 0;
  j++;
  if (word_in(s, j, "in on "))
    j++;
  Spec end;
  guint d = pp_calendar(s, j, &end);
  if (!d)
    d = pp_iso(s, j, &end);
  if (!d || end.kind != SK_ABS ||
      (end.f.prec != TW_PRECISION_MONTH && end.f.prec != TW_PRECISION_DAY))
    return 0;
  *o = end;
  o->kind = SK_SPAN;
  o->months = months;
  o->fiscal = fiscal;
  o->bare = FALSE;
  return d;
}

/* A point with an early/mid/late qualifier in front of it, or a point alone. */
static guint
p_qualified(const Sent *s, guint i, Spec *o)
{
  guint best = p_point(s, i, o);
  Spec cand;
  guint e;
  if ((e = pp_week_of_month(s, i, &cand)) > best) {
    *o = cand;
    best = e;
  }
  if ((e = pp_week_of(s, i, &cand)) > best) {
    *o = cand;
    best = e;
  }
  if ((e = pp_span(s, i, &cand)) > best) {
    *o = cand;
    best = e;
  }

  TwQualifier q = TW_QUALIFIER_NONE;
  guint j = i;
  gboolean the = FALSE;
  if (word_at(s, j, "the") && word_in(s, j + 1, "early mid late ")) {
    the = TRUE;
    j++;
  }
  if (word_at(s, j, "early") || word_at(s, j, "late")) {
    q = word_at(s, j, "early") ? TW_QUALIFIER_EARLY : TW_QUALIFIER_LATE;
    j++;
    if (punct_at(s, j, '-') && glued(s, j))
      j++;
  } else if (word_at(s, j, "mid")) {
    q = TW_QUALIFIER_MID;
    j++;
    if (punct_at(s, j, '-') && glued(s, j))
      j++;
  } else if (word_at(s, j, "midyear") ||
             (word_at(s, j, "year") && punct_at(s, j + 1, '-') && word_at(s, j + 2, "end")) ||
             word_at(s, j, "yearend") ||
             (word_at(s, j, "year") && word_at(s, j + 1, "end") && !word_at(s, j + 2, "of"))) {
    /* midyear, year-end, year end: the current year's middle or end */
    spec_init(&cand, SK_ABS, TW_PRECISION_YEAR);
    cand.qual = word_at(s, j, "midyear") ? TW_QUALIFIER_MID : TW_QUALIFIER_LATE;
    e = word_at(s, j, "midyear") || word_at(s, j, "yearend") ? j + 1
        : punct_at(s, j + 1, '-')                            ? j + 3
                                                             : j + 2;
    int year;
    guint y;
    if ((y = p_year(s, e, &year)) && s->t[e].kind == TK_NUM) {
      cand.f.year = year;
      e = y;
    }
    if (e > best) {
      *o = cand;
      best = e;
    }
    return best;
  } else if (word_at(s, j, "end") && punct_at(s, j + 1, '-') && glued(s, j + 1)) {
    /* Reuters' end-2025, end-June */
    q = TW_QUALIFIER_LATE;
    j += 2;
  } else {
    /* [the] beginning|start|middle|end|close of */
    guint k = j;
    if (word_at(s, k, "the"))
      k++;
    if (word_in(s, k, "beginning start middle end close turn ") && word_at(s, k + 1, "of")) {
      if (word_at(s, k, "turn"))
        return best;
      q = word_in(s, k, "beginning start ") ? TW_QUALIFIER_EARLY
          : word_at(s, k, "middle")         ? TW_QUALIFIER_MID
                                            : TW_QUALIFIER_LATE;
      j = k + 2;
    } else if (word_in(s, k, "first last ") && word_at(s, k + 1, "days") &&
               word_at(s, k + 2, "of")) {
      q = word_at(s, k, "first") ? TW_QUALIFIER_EARLY : TW_QUALIFIER_LATE;
      j = k + 3;
    } else {
      return best;
    }
  }
  if (q == TW_QUALIFIER_NONE)
    return best;
  /* the point being qualified */
  if (word_at(s, j, "century") || word_at(s, j, "decade")) {
    /* mid-century, mid-decade: the current one */
    spec_init(&cand, SK_ABS, word_at(s, j, "century") ? TW_PRECISION_CENTURY : TW_PRECISION_DECADE);
    e = j + 1;
  } else {
    e = p_point(s, j, &cand);
    if (!e)
      e = pp_current(s, j, &cand);
    if (!e && word_at(s, j, "the") && word_in(s, j + 1, "next last coming ")) {
      /* "the middle of the next decade": deictic after a qualifier */
      gboolean plural;
      int factor;
      Unit unit = unit_at(s, j + 2, &plural, &factor);
      if (unit && !plural && factor == 1) {
        rel_init(&cand, REL_OFFSET, TRUE);
        cand.unit = unit;
        cand.n = word_at(s, j + 1, "last") ? -1 : 1;
        cand.calendar_unit = TRUE;
        e = j + 3;
      }
    }
    if (!e)
      return best;
    if (the && cand.f.prec != TW_PRECISION_DECADE && cand.f.prec != TW_PRECISION_CENTURY)
      return best;
  }
  if (cand.kind == SK_REL && cand.rel != REL_OFFSET)
    return best;
  if (cand.qual != TW_QUALIFIER_NONE)
    return best;
  cand.qual = q;
  cand.bare = FALSE;
  if (e > best) {
    *o = cand;
    best = e;
  }
  return best;
}

/* -- context checks for forms that could be something else -- */

/* Words after which a bare year, month or weekday reads as a date. */
#define TRIGGERS                                                                                   \
  "in by since until till through throughout during before after from to of for early late mid "   \
  "around about circa between and or the year fiscal calendar on at over as this last next end "   \
  "beginning start middle starting beginning "
/* Words that make "YEAR Capitalized" a date rather than an address or a name. */
#define STRONG_TRIGGERS                                                                            \
  "in by since until till through throughout during before after of early late mid around about "  \
  "circa year the from "

/* Words before a number that make it a modifier of what follows: "the 2024 elections". */
#define MODIFIER_CONTEXT "the its their his her our this that these those s a an for "
/* Words in -s that are no plural nouns. */
static const char not_plural[] = "this thus plus minus bus gas news series species status campus "
                                 "bonus process always perhaps was has is its as yes whereas "
                                 "unless across ";

/* Nouns that count things: a number before them is an amount, not a year. */
static const char count_nouns[] =
    "unit units employees employee workers people persons staff jobs households homes houses "
    "families residents users customers subscribers members students patients cases deaths "
    "visitors passengers seats tickets shares votes points pages words copies items devices "
    "machines robots vehicles cars trucks planes aircraft ships chips gpus cpus tpus servers racks "
    "nodes cores wafers transistors parameters tokens engineers developers partners companies "
    "firms stores shops sites plants factories mw gw kw mwh gwh twh tonnes tons kg kilograms "
    "grams metres meters feet foot miles km kilometres kilometers acres hectares barrels litres "
    "liters gallons dollars euros yuan yen pounds won rupees francs percent per times fold x "
    "more less fewer others other additional extra apiece each hours minutes seconds days weeks "
    "months years games matches goals runs yards steps lines files downloads views likes "
    "followers calories watts volts amps bits bytes gb tb mb gbps hz khz mhz ghz nm mm cm m k bn "
    "mn "
    "million billion thousand trillion hundred pc bp bps basis lb lbs oz square cubic horsepower "
    "hp rpm mph kph participants respondents applicants candidates rooms beds doctors nurses "
    "troops soldiers officers teachers children adults animals trees species samples images "
    "requests queries transactions orders packages boxes bottles cups tablets doses vaccines "
    "kilowatts megawatts gigawatts terawatt newton newtons joules pascals ";

/* Nouns before a number that make it an identifier: Room 2019, build 2024, page 2030. */
static const char id_nouns[] =
    "build builds version versions release releases item items page pages room rooms flight "
    "flights gate route number numbers no line lines section sections chapter chapters table "
    "tables figure figures fig row rows column columns patent patents order orders ticket tickets "
    "issue issues bug bugs article articles rule rules form forms floor floors building buildings "
    "unit step steps level levels lot lots batch batches block blocks part parts serial id code "
    "codes plate plates track tracks episode episodes volume vol exit highway interstate suite "
    "apartment box bus train platform channel model top vs port ports extension ext account "
    "invoice pin slot bay pier aisle seat terminal dock ";

static gboolean
in_list(const char *list, const char *w)
{
  gsize len = strlen(w);
  for (const char *p = list; *p;) {
    const char *e = strchr(p, ' ');
    gsize l = e ? (gsize)(e - p) : strlen(p);
    if (l == len && memcmp(p, w, len) == 0)
      return TRUE;
    if (!e)
      break;
    p = e + 1;
  }
  return FALSE;
}

static gboolean
is_year_value(const Token *t)
{
  return t->kind == TK_NUM && !t->grouped && !t->decimal && !t->ordinal && !t->decade &&
         t->digits == 4 && t->value >= 1800 && t->value <= 2099;
}

static gboolean
is_connector(const Sent *s, guint i)
{
  return word_in(s, i, "to and or through thru ") || (punct_at(s, i, '-') && s->t[i].space) ||
         punct_at(s, i, '/');
}

/* What comes before the year at @i allows it to be a year. */
static gboolean
year_left_ok(const Sent *s, guint i, int depth)
{
  const Token *t = s->t;
  gint64 year = t[i].value;
  gboolean strong = i > 0 && word_in(s, i - 1, STRONG_TRIGGERS);
  if (year < 1800 || year > 2099) {
    if (!(year >= 1000 && year < 1800 && i > 0 && word_in(s, i - 1, "in since by during ")))
      return FALSE;
  }
  if (i == 0)
    return TRUE;
  const Token *p = &t[i - 1];
  if (!t[i].space) {
    if (p->kind != TK_PUNCT)
      return FALSE;
    if (!(p->ch == '(' || p->ch == '"' || p->ch == '\'' || p->ch == '[' || p->ch == '~'))
      return FALSE;
  }
  if (p->kind == TK_PUNCT) {
    if (p->ch == '$' || p->ch == 0x20AC || p->ch == 0xA3 || p->ch == 0xA5 || p->ch == '#' ||
        p->ch == '+')
      return FALSE;
    /* S. 1877, H.R. 2670; an abbreviated identifier noun: No. 2019, ext. 2025, vol. 2024 */
    if (p->ch == '.' && i >= 2 && t[i - 2].kind == TK_WORD &&
        ((t[i - 2].cap && t[i - 2].end - t[i - 2].start == 1) || in_list(id_nouns, t[i - 2].low)))
      return FALSE;
    if (p->ch == '-' && p->space && i >= 2 && t[i - 2].kind == TK_NUM)
      goto connector;
    return TRUE;
  }
  if (p->kind == TK_NUM || p->kind == TK_ALNUM)
    return FALSE;
  if (in_list(id_nouns, p->low))
    return FALSE;
  if (p->cap && !strong && !word_in(s, i - 1, TRIGGERS))
    return FALSE; /* Windows 2000, Vision 2030, KX 2031 */
  if (p->allcaps && !strong)
    return FALSE;
connector:
  if (is_connector(s, i - 1) && i >= 2 && t[i - 2].kind == TK_NUM) {
    /* "2024 through 2031", "2026 to 1974": the other number decides */
    if (!is_year_value(&t[i - 2]) || t[i - 2].value > year)
      return FALSE;
    if (depth == 0 && !year_left_ok(s, i - 2, 1))
      return FALSE;
  }
  if (word_at(s, i - 1, "between") || word_at(s, i - 1, "from")) {
    /* "between 2000 and 3,000 units": the other end decides */
    if (is_connector(s, i + 1) && i + 2 < s->n && t[i + 2].kind == TK_NUM &&
        !is_year_value(&t[i + 2]))
      return FALSE;
  }
  return TRUE;
}

/* What comes after the year at @i allows it to be a year. */
static gboolean
year_right_ok(const Sent *s, guint i, guint prev_word)
{
  const Token *t = s->t;
  if (i + 1 >= s->n)
    return TRUE;
  const Token *nx = &t[i + 1];
  if (!nx->space) {
    if (nx->kind != TK_PUNCT)
      return FALSE;
    if (nx->ch == '-' || nx->ch == '/' || nx->ch == ':' || nx->ch == '%' || nx->ch == '+' ||
        nx->ch == 0xB0)
      return FALSE;
    if (nx->ch == '\'' && word_at(s, i + 2, "s"))
      return TRUE;
  }
  if (nx->kind == TK_PUNCT)
    return nx->ch != '%';
  if (nx->kind == TK_NUM || nx->kind == TK_ALNUM)
    return !(nx->kind == TK_NUM && !nx->space);
  if (in_list(count_nouns, nx->low))
    return FALSE;
  gboolean modifier = prev_word < s->n && (word_in(s, prev_word, MODIFIER_CONTEXT) ||
                                           word_in(s, prev_word, STRONG_TRIGGERS));
  if (nx->cap && !(prev_word < s->n && word_in(s, prev_word, STRONG_TRIGGERS)))
    return FALSE; /* 1600 Amphitheatre Parkway */
  if (!nx->cap && !modifier) {
    /* "employs 2050 drivers", "delivers 2030 newton metres": a count, unless a determiner or
     * a preposition makes the number a modifier ("the 2024 elections", "in 2025 sales rose") */
    gsize l = strlen(nx->low);
    if (l >= 4 && nx->low[l - 1] == 's' && nx->low[l - 2] != 's' && !in_list(not_plural, nx->low))
      return FALSE;
    if (i + 2 < s->n && s->t[i + 2].kind == TK_WORD && !s->t[i + 2].cap &&
        in_list(count_nouns, s->t[i + 2].low))
      return FALSE;
  }
  if (is_connector(s, i + 1) && i + 2 < s->n && t[i + 2].kind == TK_NUM && !t[i + 2].decimal) {
    /* "2026 to 1974", "between 2000 and 3,000": numbers, not years; but "in 2025 to 9,300
     * units" reaches an amount */
    const Token *o = &t[i + 2];
    gboolean ranged = prev_word < s->n && word_in(s, prev_word, "between from ");
    if (is_year_value(o)) {
      if (o->value < t[i].value && !word_in(s, i + 1, "and or "))
        return FALSE;
    } else if (o->digits == 2 && !o->space) {
      /* 2024-25 */
    } else if (!(o->grouped && word_at(s, i + 1, "to") && !ranged)) {
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
bare_ok(const Sent *s, guint first, guint last, const Spec *o)
{
  guint prev = first > 0 ? first - 1 : G_MAXUINT;
  if (!o->bare)
    return TRUE;
  if (o->kind == SK_REL) { /* a weekday alone */
    if (prev != G_MAXUINT && word_in(s, prev, "on by until till since from before after through "))
      return TRUE;
    /* US news leaves the preposition out: "the CEO resigned Monday", "talks resume Thursday".
     * After a lower-case word, then, but not after one that makes it a set or another day
     * ("every Monday", "a Friday"), nor after a capitalized word ("Black Friday", "Super
     * Tuesday") or before one ("Tuesday Weld"). */
    if (prev == G_MAXUINT || s->t[prev].kind != TK_WORD || s->t[prev].cap ||
        word_in(s, prev, "a an the every each of per other this that last next any some one no "))
      return FALSE;
    if (last + 1 < s->n && s->t[last + 1].kind == TK_WORD && s->t[last + 1].cap)
      return FALSE;
    return TRUE;
  }
  switch (o->f.prec) {
  case TW_PRECISION_YEAR:
    return year_left_ok(s, last, 0) && year_right_ok(s, last, prev);
  case TW_PRECISION_MONTH: {
    /* May, March, April, June, August are also names and verbs */
    gboolean ambiguous =
        o->f.month == 5 || o->f.month == 3 || o->f.month == 4 || o->f.month == 6 || o->f.month == 8;
    if (prev != G_MAXUINT && word_in(s, prev, TRIGGERS))
      return TRUE;
    if (ambiguous)
      return FALSE;
    if (last + 1 < s->n && s->t[last + 1].kind == TK_WORD && s->t[last + 1].cap)
      return FALSE;
    return TRUE;
  }
  case TW_PRECISION_QUARTER:
  case TW_PRECISION_HALF:
    return prev != G_MAXUINT &&
           word_in(s, prev,
                   "in by for during until till since from to of through the early "
                   "late mid and or before after ");
  case TW_PRECISION_DAY: /* a holiday or "the 13th" without a year or month */
    return prev != G_MAXUINT &&
           word_in(s, prev,
                   "on at over by before after since until till for around during from "
                   "through ");
  default:
    return TRUE;
  }
}

/* approx / before / after words in front of a date. Returns the index after them, 0 if none. */
static guint
p_modifier(const Sent *s, guint i, TwQualifier *q)
{
  if (word_in(s, i, "about around circa approximately roughly ")) {
    *q = TW_QUALIFIER_APPROX;
    return i + 1;
  }
  if ((word_at(s, i, "c") || word_at(s, i, "ca")) && punct_at(s, i + 1, '.') && glued(s, i + 1)) {
    *q = TW_QUALIFIER_APPROX;
    return i + 2;
  }
  if (punct_at(s, i, '~')) {
    *q = TW_QUALIFIER_APPROX;
    return i + 1;
  }
  if ((word_at(s, i, "sometime") || word_at(s, i, "some")) && word_at(s, i + 1, "around")) {
    *q = TW_QUALIFIER_APPROX;
    return i + 2;
  }
  if (word_in(s, i, "by before ")) {
    *q = TW_QUALIFIER_BEFORE;
    return i + 1;
  }
  if ((word_at(s, i, "prior") && word_at(s, i + 1, "to")) ||
      (word_at(s, i, "ahead") && word_at(s, i + 1, "of"))) {
    *q = TW_QUALIFIER_BEFORE;
    return i + 2;
  }
  if (word_in(s, i, "no not ") && word_at(s, i + 1, "later") && word_at(s, i + 2, "than")) {
    *q = TW_QUALIFIER_BEFORE;
    return i + 3;
  }
  if (word_at(s, i, "pre") && punct_at(s, i + 1, '-') && glued(s, i + 1)) {
    *q = TW_QUALIFIER_BEFORE;
    return i + 2;
  }
  if (word_in(s, i, "no not ") && word_in(s, i + 1, "earlier sooner ") &&
      word_at(s, i + 2, "than")) {
    *q = TW_QUALIFIER_AFTER;
    return i + 3;
  }
  if (word_at(s, i, "not") && word_in(s, i + 1, "before until ")) {
    *q = TW_QUALIFIER_AFTER;
    return i + 2;
  }
  if (word_in(s, i, "since after beyond ")) {
    *q = TW_QUALIFIER_AFTER;
    return i + 1;
  }
  if (word_at(s, i, "post") && punct_at(s, i + 1, '-') && glued(s, i + 1)) {
    *q = TW_QUALIFIER_AFTER;
    return i + 2;
  }
  return 0;
}

static gboolean
is_point(const Spec *o)
{
  return o->kind == SK_ABS || o->kind == SK_FISCAL;
}

/* Ranges: from A to B, between A and B, A-B, A to B; February 10-12, 2026; 23-24 April 2026;
 * 2024-26. */
static guint
p_range(const Sent *s, guint i, Match *m)
{
  enum { FORM_NONE, FORM_FROM, FORM_BETWEEN } form = FORM_NONE;
  guint j = i;
  if (word_at(s, j, "from")) {
    form = FORM_FROM;
    j++;
  } else if (word_at(s, j, "between")) {
    form = FORM_BETWEEN;
    j++;
  }
  memset(m, 0, sizeof *m);
  m->gloss = -1;
  m->range = TRUE;
  int d1, d2;
  guint e;
  /* 23-24 April 2026 */
  if ((e = p_day(s, j, &d1)) && (punct_at(s, e, '-') || word_at(s, e, "to")) &&
      p_day(s, e + 1, &d2) && d2 > d1) {
    guint c = pp_calendar(s, e + 1, &m->b);
    if (c && m->b.kind == SK_ABS && m->b.f.prec == TW_PRECISION_DAY) {
      m->a = m->b;
      m->a.f.day = d1;
      return c;
    }
  }
  /* from 9 a.m. to 5 p.m. on Dec. 24, 2025: two times of one day. Without this, the second
   * time alone was read with the day ("5 p.m. on Dec. 24"), and the event was put at the end
   * of what the sentence tells. A zone written once applies to both times. Times that do not
   * go forward (from 10 p.m. to 2 a.m.) do not say which day each falls on: the day alone. */
  {
    int h1, m1, z1, h2, m2, z2;
    ZoneKind hz1, hz2;
    guint t1 = p_time(s, j, &h1, &m1, &z1, &hz1);
    if (t1 && (form == FORM_BETWEEN
                   ? word_at(s, t1, "and")
                   : word_in(s, t1, "to until till through thru ") || punct_at(s, t1, '-'))) {
      guint t2 = p_time(s, t1 + 1, &h2, &m2, &z2, &hz2);
      guint d = 0;
      if (t2 && word_at(s, t2, "on")) {
        d = pp_calendar(s, t2 + 1, &m->a);
        if (!d)
          d = pp_iso(s, t2 + 1, &m->a);
        if (!d)
          d = pp_numeric(s, t2 + 1, &m->a);
      }
      if (d && m->a.kind == SK_ABS && m->a.f.prec == TW_PRECISION_DAY) {
        if (hz2 && !hz1) {
          z1 = z2;
          hz1 = hz2;
        } else if (hz1 && !hz2) {
          z2 = z1;
          hz2 = hz1;
        }
        m->a.bare = FALSE;
        if ((h2 * 60 + m2 - z2) <= (h1 * 60 + m1 - z1)) {
          m->range = FALSE;
          return d;
        }
        m->b = m->a;
        m->a.f.prec = m->b.f.prec = TW_PRECISION_MINUTE;
        m->a.f.hour = h1;
        m->a.f.minute = m1;
        m->a.f.zone_minutes = z1;
        m->a.f.has_zone = hz1;
        m->b.f.hour = h2;
        m->b.f.minute = m2;
        m->b.f.zone_minutes = z2;
        m->b.f.has_zone = hz2;
        return d;
      }
      memset(&m->a, 0, sizeof m->a);
    }
  }
  guint ea = p_qualified(s, j, &m->a);
  if (!ea || !is_point(&m->a))
    return 0;
  guint k = ea;
  if (form == FORM_BETWEEN) {
    if (!word_at(s, k, "and"))
      return 0;
  } else if (!(word_in(s, k, "to until till through thru ") || punct_at(s, k, '-'))) {
    return 0;
  }
  gboolean dash = punct_at(s, k, '-');
  k++;
  /* February 10-12, 2026; September 1 through 30, 2026 */
  if (m->a.kind == SK_ABS && m->a.f.prec == TW_PRECISION_DAY && m->a.f.month && p_day(s, k, &d2) &&
      !p_month(s, k + 1, &d1, NULL) && d2 > m->a.f.day) {
    m->b = m->a;
    m->b.f.day = d2;
    guint y = k + 1;
    int year;
    guint ye;
    if (punct_at(s, y, ',') && (ye = p_year(s, y + 1, &year))) {
      m->a.f.year = m->b.f.year = year;
      y = ye;
    } else if ((ye = p_year(s, y, &year)) && s->t[y].kind == TK_NUM) {
      m->a.f.year = m->b.f.year = year;
      y = ye;
    }
    if (m->a.f.year == 0 && y == k + 1 && form == FORM_NONE && !dash)
      return 0;
    return y;
  }
  /* 2024-26, 2019-20 */
  if (m->a.kind == SK_ABS && m->a.f.prec == TW_PRECISION_YEAR && dash && glued(s, k - 1) &&
      glued(s, k) && plain_num(s, k) && s->t[k].digits == 2) {
    int yy = m->a.f.year / 100 * 100 + (int)s->t[k].value;
    if (yy <= m->a.f.year)
      return 0;
    m->b = m->a;
    m->b.f.year = yy;
    m->b.bare = FALSE;
    if (m->a.bare && !(year_left_ok(s, ea - 1, 0) || form != FORM_NONE))
      return 0;
    m->a.bare = FALSE;
    return k + 1;
  }
  guint eb = p_qualified(s, k, &m->b);
  if (!eb || !is_point(&m->b) || m->a.kind != m->b.kind)
    return 0;
  if (m->a.f.year && m->b.f.year && m->b.f.year < m->a.f.year)
    return 0;
  /* bare ends: the outer context decides */
  if (m->a.bare && m->a.f.prec == TW_PRECISION_YEAR && form == FORM_NONE &&
      !year_left_ok(s, ea - 1, 0))
    return 0;
  if (m->b.bare && m->b.f.prec == TW_PRECISION_YEAR &&
      !year_right_ok(s, eb - 1, form == FORM_NONE ? G_MAXUINT : i))
    return 0;
  if (m->a.bare && m->a.f.prec == TW_PRECISION_MONTH && form == FORM_NONE &&
      !bare_ok(s, j, ea - 1, &m->a) && !m->b.f.year)
    return 0;
  if (m->a.bare && (m->a.f.prec == TW_PRECISION_QUARTER || m->a.f.prec == TW_PRECISION_HALF) &&
      form == FORM_NONE && !bare_ok(s, j, ea - 1, &m->a))
    return 0;
  m->a.bare = m->b.bare = FALSE;
  return eb;
}

/* The expression that begins at token @i, if any, with its context checked. */
static guint
p_expression(const Sent *s, guint i, Match *out)
{
  guint best = 0;
  Match m;

  guint e = p_range(s, i, &m);
  if (e > best) {
    *out = m;
    best = e;
  }

  memset(&m, 0, sizeof m);
  m.gloss = -1;
  TwQualifier mod = TW_QUALIFIER_NONE;
  guint j = p_modifier(s, i, &mod);
  if (j) {
    e = p_qualified(s, j, &m.a);
    /* pre-2020, post-2022: the glued prefix says it is a year */
    gboolean prefixed = punct_at(s, j - 1, '-') && glued(s, j - 1) && glued(s, j);
    if (e &&
        !(m.a.kind == SK_REL && m.a.rel != REL_OFFSET && m.a.rel != REL_WEEKDAY &&
          m.a.rel != REL_MONTH && m.a.rel != REL_SEASON) &&
        !m.a.event_anchored && (prefixed || bare_ok(s, j, e - 1, &m.a)) && e > best) {
      if (m.a.qual == TW_QUALIFIER_NONE && !m.a.approx)
        m.a.qual = mod;
      m.a.bare = FALSE;
      m.since = word_at(s, i, "since");
      m.bound = mod == TW_QUALIFIER_BEFORE || mod == TW_QUALIFIER_AFTER;
      *out = m;
      best = e;
    }
  }

  memset(&m, 0, sizeof m);
  m.gloss = -1;
  e = p_qualified(s, i, &m.a);
  if (e && bare_ok(s, i, e - 1, &m.a) && e > best) {
    *out = m;
    best = e;
  }

  /* from DATE on / onward(s) / forward */
  if (word_at(s, i, "from")) {
    memset(&m, 0, sizeof m);
    m.gloss = -1;
    e = p_qualified(s, i + 1, &m.a);
    if (e && is_point(&m.a) && word_in(s, e, "on onward onwards forward ") &&
        clause_end_at(s, e + 1) && e + 1 > best) {
      if (m.a.qual == TW_QUALIFIER_NONE)
        m.a.qual = TW_QUALIFIER_AFTER;
      m.a.bare = FALSE;
      *out = m;
      best = e + 1;
    }
  }

  if (best && !out->range) {
    /* suffixes: 2029 or so, at the latest, at the earliest */
    if (word_at(s, best, "or") &&
        (word_at(s, best + 1, "so") || word_at(s, best + 1, "thereabouts"))) {
      if (out->a.kind == SK_REL)
        out->a.approx = TRUE;
      else if (out->a.qual == TW_QUALIFIER_NONE)
        out->a.qual = TW_QUALIFIER_APPROX;
      best += 2;
    } else if (word_at(s, best, "at") && word_at(s, best + 1, "the") &&
               (word_at(s, best + 2, "latest") || word_at(s, best + 2, "earliest"))) {
      if (out->a.qual == TW_QUALIFIER_NONE && out->a.kind != SK_REL)
        out->a.qual = word_at(s, best + 2, "latest") ? TW_QUALIFIER_BEFORE : TW_QUALIFIER_AFTER;
    }
  }
  return best;
}

/* ================================================================== resolution */

struct _TextTagger {
  TextTaggerOptions opt;
  gboolean has_ref;
  TwDate ref;
  gboolean has_last; /* the last absolute date the text mentioned */
  TwDate last;
  gboolean has_local; /* an absolute date earlier in the same sentence */
  TwDate local;
  gboolean has_heading[8]; /* the date of the heading of each level, 1..6 */
  TwDate heading[8];
  int level;    /* the level of the current section */
  int last_age; /* sentences since the last absolute date was mentioned */
  int last_fy;  /* the last fiscal year named, 0 when none */
  int fy_age;   /* sentences since it was named */
};

typedef enum {
  TENSE_NONE,
  TENSE_PAST,
  TENSE_FUTURE,
  TENSE_WILL, /* a future told from the writer's now (will, shall, 'll), not from a past one as
               * "said it would" tells it: a future, and one after the reference date */
} Tense;

static gint64
floor_div64(gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int
days_in_month(int y, int m)
{
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return dim[m - 1];
}

static gint64
day_number(int y, int m, int d)
{
  return floor_div64(tw_civil_to_usec(y, m, d, 0, 0, 0), TW_USEC_PER_DAY);
}

static void
civil_of_day(gint64 days, int *y, int *m, int *d)
{
  tw_usec_to_civil(days * TW_USEC_PER_DAY, y, m, d, NULL, NULL, NULL, NULL);
}

/* Monday = 1 ... Sunday = 7 (1970-01-01 was a Thursday) */
static int
weekday_of_day(gint64 days)
{
  return (int)(((days + 3) % 7 + 7) % 7) + 1;
}

static gboolean
make_date(int y, int m, int d, TwPrecision prec, TwQualifier q, TwDate *out)
{
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return FALSE;
  memset(out, 0, sizeof *out);
  out->start = tw_civil_to_usec(y, m, d, 0, 0, 0);
  out->floating = TRUE;
  out->qualifier = q;
  tw_date_set_precision(out, prec);
  return TRUE;
}

static gboolean
make_day(gint64 days, TwPrecision prec, TwQualifier q, TwDate *out)
{
  int y, m, d;
  civil_of_day(days, &y, &m, &d);
  return make_date(y, m, d, prec, q, out);
}

/* The civil date of @date's start, or of its middle when @middle. */
static void
date_civil(const TwDate *date, gboolean middle, int *y, int *m, int *d)
{
  gint64 t = date->start;
  if (middle && date->end > date->start)
    t += (date->end - date->start) / 2;
  tw_usec_to_civil(t, y, m, d, NULL, NULL, NULL, NULL);
}

/* The day of the month of the @n-th Sunday of @m (n = -1: the last). */
static int
nth_sunday(int y, int m, int n)
{
  gint64 first = day_number(y, m, 1);
  int first_sunday = 1 + (7 - weekday_of_day(first)) % 7;
  if (n > 0)
    return first_sunday + 7 * (n - 1);
  int last = first_sunday;
  while (last + 7 <= days_in_month(y, m))
    last += 7;
  return last;
}

/* Whether US daylight saving time holds at @hour local time on that day: since 2007 from the
 * second Sunday of March to the first Sunday of November, 1987-2006 from the first Sunday of
 * April, before from the last Sunday of April to the last Sunday of October; the change is at
 * 2:00 local time (the hour repeated in autumn is read as daylight time). */
static gboolean
us_daylight_time(int y, int m, int d, int hour)
{
  int start_month = y >= 2007 ? 3 : 4, end_month = y >= 2007 ? 11 : 10;
  int start = y >= 2007   ? nth_sunday(y, 3, 2)
              : y >= 1987 ? nth_sunday(y, 4, 1)
                          : nth_sunday(y, 4, -1);
  int end = y >= 2007 ? nth_sunday(y, 11, 1) : nth_sunday(y, 10, -1);
  if (m < start_month || m > end_month)
    return FALSE;
  if (m > start_month && m < end_month)
    return TRUE;
  if (m == start_month)
    return d > start || (d == start && hour >= 2);
  return d < end || (d == end && hour < 2);
}

static gboolean
fields_to_date(const Fields *f, TwQualifier q, TwDate *out)
{
  int y = f->year;
  switch (f->prec) {
  case TW_PRECISION_MINUTE: {
    TwDate check;
    if (!make_date(y, f->month, f->day, TW_PRECISION_DAY, TW_QUALIFIER_NONE, &check))
      return FALSE;
    memset(out, 0, sizeof *out);
    out->start = tw_civil_to_usec(y, f->month, f->day, f->hour, f->minute, 0);
    if (f->has_zone) {
      int zone = f->zone_minutes;
      if (f->has_zone == ZONE_US && us_daylight_time(y, f->month, f->day, f->hour))
        zone += 60;
      out->start -= (gint64)zone * 60 * TW_USEC_PER_SEC;
      out->has_offset = TRUE;
      out->utc_offset = zone * 60;
    } else {
      out->floating = TRUE;
    }
    out->qualifier = q;
    tw_date_set_precision(out, TW_PRECISION_MINUTE);
    return TRUE;
  }
  case TW_PRECISION_DAY:
    return make_date(y, f->month, f->day, f->week_of ? TW_PRECISION_WEEK : TW_PRECISION_DAY, q,
                     out);
  case TW_PRECISION_WEEK: {
    if (y < 1 || y > 9999 || f->part < 1 || f->part > 53)
      return FALSE;
    gint64 jan4 = day_number(y, 1, 4);
    gint64 monday = jan4 - (weekday_of_day(jan4) - 1) + 7 * (gint64)(f->part - 1);
    int ty, tm, td;
    civil_of_day(monday + 3, &ty, &tm, &td);
    if (ty != y)
      return FALSE; /* 2026-W53 does not exist */
    return make_day(monday, TW_PRECISION_WEEK, q, out);
  }
  case TW_PRECISION_MONTH:
    return make_date(y, f->month, 1, TW_PRECISION_MONTH, q, out);
  case TW_PRECISION_QUARTER:
    if (f->part < 1 || f->part > 4)
      return FALSE;
    return make_date(y, 3 * (f->part - 1) + 1, 1, TW_PRECISION_QUARTER, q, out);
  case TW_PRECISION_HALF:
    if (f->part < 1 || f->part > 2)
      return FALSE;
    return make_date(y, 6 * (f->part - 1) + 1, 1, TW_PRECISION_HALF, q, out);
  case TW_PRECISION_SEASON:
    if (f->part < 1 || f->part > 4)
      return FALSE;
    return make_date(y, 3 * f->part, 1, TW_PRECISION_SEASON, q, out);
  case TW_PRECISION_YEAR:
  case TW_PRECISION_DECADE:
  case TW_PRECISION_CENTURY:
    return make_date(y, 1, 1, f->prec, q, out);
  default:
    return FALSE;
  }
}

static gboolean
fields_partial(const Fields *f)
{
  switch (f->prec) {
  case TW_PRECISION_MINUTE:
  case TW_PRECISION_DAY:
  case TW_PRECISION_MONTH:
    return f->year == 0 || f->month == 0;
  case TW_PRECISION_WEEK:
  case TW_PRECISION_QUARTER:
  case TW_PRECISION_HALF:
  case TW_PRECISION_SEASON:
    return f->year == 0 || f->part == 0;
  default:
    return f->year == 0;
  }
}

/* Fills the unknown fields of @f from @anchor; returns the unit that was guessed (the one a
 * tense correction moves). */
static Unit
fill_fields(Fields *f, const TwDate *anchor)
{
  int ay, am, ad;
  date_civil(anchor, FALSE, &ay, &am, &ad);
  Unit shift = UNIT_YEAR;
  switch (f->prec) {
  case TW_PRECISION_MINUTE:
  case TW_PRECISION_DAY:
    if (!f->month) {
      f->month = am;
      shift = UNIT_MONTH;
    }
    if (!f->year)
      f->year = ay;
    break;
  case TW_PRECISION_WEEK:
    f->prec = TW_PRECISION_DAY;
    f->week_of = TRUE;
    f->year = ay;
    f->month = am;
    f->day = ad;
    shift = UNIT_NONE;
    break;
  case TW_PRECISION_MONTH:
    if (!f->month) {
      f->month = am;
      shift = UNIT_NONE;
    }
    if (!f->year)
      f->year = ay;
    break;
  case TW_PRECISION_QUARTER:
  case TW_PRECISION_HALF:
    if (!f->part) {
      f->part = f->prec == TW_PRECISION_QUARTER ? (am - 1) / 3 + 1 : (am - 1) / 6 + 1;
      shift = UNIT_NONE;
    }
    if (!f->year)
      f->year = ay;
    break;
  case TW_PRECISION_SEASON:
    if (!f->part) {
      f->part = (am >= 3 && am <= 11) ? am / 3 : 4;
      f->year = am <= 2 ? ay - 1 : ay;
      shift = UNIT_NONE;
    } else if (!f->year) {
      f->year = (f->part == 4 && am <= 2) ? ay - 1 : ay;
    }
    break;
  case TW_PRECISION_DECADE:
    f->year = ay - ay % 10;
    shift = UNIT_NONE;
    break;
  case TW_PRECISION_CENTURY:
    f->year = ay - ay % 100;
    shift = UNIT_NONE;
    break;
  default:
    f->year = ay;
    shift = UNIT_NONE; /* "the year": the anchor's own */
    break;
  }
  return shift;
}

static const TwDate *
heading_anchor(const TextTagger *T)
{
  for (int l = MIN(T->level, 6); l >= 1; l--)
    if (T->has_heading[l])
      return &T->heading[l];
  return NULL;
}

/* A date without a year (or month): from a date earlier in the sentence, the section's heading,
 * the reference date (corrected by the tense: "in November" said in February of a past event is
 * last November) or the last date of the text. */
/* The coarsest anchor that can give @f its missing fields: a decade gives no year, a year no
 * month. */
static TwPrecision
needed_precision(const Fields *f)
{
  switch (f->prec) {
  case TW_PRECISION_MINUTE:
  case TW_PRECISION_DAY:
  case TW_PRECISION_MONTH:
    return f->month ? TW_PRECISION_YEAR : TW_PRECISION_MONTH;
  case TW_PRECISION_WEEK:
    return f->part ? TW_PRECISION_YEAR : TW_PRECISION_WEEK;
  case TW_PRECISION_QUARTER:
    return f->part ? TW_PRECISION_YEAR : TW_PRECISION_QUARTER;
  case TW_PRECISION_HALF:
    return f->part ? TW_PRECISION_YEAR : TW_PRECISION_HALF;
  case TW_PRECISION_SEASON:
    return f->part ? TW_PRECISION_YEAR : TW_PRECISION_SEASON;
  default:
    return f->prec;
  }
}

static gboolean
resolve_partial(TextTagger *T, const Fields *given, TwQualifier q, Tense tense, TwDate *out,
                TextAnchor *kind, const TwDate **used)
{
  TwPrecision need = needed_precision(given);
  const TwDate *heading = heading_anchor(T);
  if (heading && heading->precision > need)
    heading = NULL;
  if (T->has_local && T->local.precision > need)
    T->has_local = FALSE;
  if (!T->has_local && !heading && T->has_last && T->last_age <= 1 && T->last.precision <= need) {
    /* Narration: "The defendant answered on 15 April 2024. The motion was denied in June." A date
     * mentioned in this or the previous sentence gives the year when that reads forward in time
     * and agrees with the tense (a past event is not after the reference date). */
    Fields f = *given;
    fill_fields(&f, &T->last);
    TwDate c;
    if (fields_to_date(&f, q, &c) && c.start >= T->last.start &&
        (!T->has_ref || (tense >= TENSE_FUTURE && c.end > T->ref.start) ||
         (tense == TENSE_PAST && c.start <= T->ref.start) ||
         (tense == TENSE_NONE && c.start <= T->ref.end))) {
      *out = c;
      *kind = TEXT_ANCHOR_NARRATIVE;
      *used = &T->last;
      return TRUE;
    }
  }
  const TwDate *choices[4] = {T->has_local ? &T->local : NULL, heading, T->has_ref ? &T->ref : NULL,
                              T->has_last ? &T->last : NULL};
  const TextAnchor kinds[4] = {TEXT_ANCHOR_SENTENCE, TEXT_ANCHOR_HEADING, TEXT_ANCHOR_REFERENCE,
                               TEXT_ANCHOR_NARRATIVE};
  for (int c = 0; c < 4; c++) {
    if (!choices[c] || choices[c]->precision > need)
      continue;
    Fields f = *given;
    Unit shift = fill_fields(&f, choices[c]);
    if (!fields_to_date(&f, q, out))
      return FALSE;
    /* "# Annual report 2025 ... The platform will launch in the second quarter", "The CEO, who
     * joined in Sept. 2019, will retire at the end of the month": what will happen does not
     * happen before the day the text was written, so a heading or an earlier date of the
     * sentence that would put it there is another time's; the reference decides. */
    if ((kinds[c] == TEXT_ANCHOR_SENTENCE || kinds[c] == TEXT_ANCHOR_HEADING) &&
        tense == TENSE_WILL && T->has_ref && out->end <= T->ref.start)
      continue;
    if (kinds[c] == TEXT_ANCHOR_REFERENCE && shift != UNIT_NONE && f.prec != TW_PRECISION_YEAR) {
      int dir = 0;
      if (tense == TENSE_PAST && out->start > T->ref.start)
        dir = -1;
      else if (tense >= TENSE_FUTURE && out->end <= T->ref.start)
        dir = 1;
      if (dir) {
        if (shift == UNIT_MONTH) {
          int idx = f.year * 12 + f.month - 1 + dir;
          f.year = idx / 12;
          f.month = idx % 12 + 1;
        } else {
          f.year += dir;
        }
        if (!fields_to_date(&f, q, out))
          return FALSE;
      }
    }
    *kind = kinds[c];
    *used = choices[c];
    return TRUE;
  }
  return FALSE;
}

static gboolean
resolve_fields(TextTagger *T, const Fields *f, TwQualifier q, Tense tense, TwDate *out,
               TextAnchor *kind, const TwDate **used)
{
  *kind = TEXT_ANCHOR_NONE;
  *used = NULL;
  if (!fields_partial(f))
    return fields_to_date(f, q, out);
  return resolve_partial(T, f, q, tense, out, kind, used);
}

/* y-m-d moved by @n units (days, weeks, months, quarters, years...). */
static void
civil_add(int *y, int *m, int *d, Unit unit, int n)
{
  switch (unit) {
  case UNIT_DAY:
  case UNIT_WEEK: {
    gint64 days = day_number(*y, *m, *d) + (gint64)n * (unit == UNIT_WEEK ? 7 : 1);
    civil_of_day(days, y, m, d);
    return;
  }
  default: {
    int months = unit == UNIT_MONTH     ? 1
                 : unit == UNIT_QUARTER ? 3
                 : unit == UNIT_HALF    ? 6
                 : unit == UNIT_SEASON  ? 3
                 : unit == UNIT_YEAR    ? 12
                 : unit == UNIT_DECADE  ? 120
                 : unit == UNIT_CENTURY ? 1200
                                        : 0;
    gint64 idx = (gint64)*y * 12 + (*m - 1) + (gint64)n * months;
    *y = (int)floor_div64(idx, 12);
    *m = (int)(idx - (gint64)*y * 12) + 1;
    if (*y >= 1 && *y <= 9999 && *d > days_in_month(*y, *m))
      *d = days_in_month(*y, *m);
    return;
  }
  }
}

static const TwDate *
pick_anchor(const TextTagger *T, gboolean deictic, TextAnchor *kind)
{
  if (deictic) {
    if (T->has_ref) {
      *kind = TEXT_ANCHOR_REFERENCE;
      return &T->ref;
    }
    if (T->has_last) {
      *kind = TEXT_ANCHOR_NARRATIVE;
      return &T->last;
    }
  } else {
    if (T->has_last) {
      *kind = TEXT_ANCHOR_NARRATIVE;
      return &T->last;
    }
    if (T->has_ref) {
      *kind = TEXT_ANCHOR_REFERENCE;
      return &T->ref;
    }
  }
  return NULL;
}

static int
season_index(int y, int m)
{
  /* SP 0, SU 1, FA 2, WI 3; winter belongs to the year of its December */
  if (m <= 2)
    return (y - 1) * 4 + 3;
  if (m == 12)
    return y * 4 + 3;
  return y * 4 + m / 3 - 1;
}

static int
mod4(int a)
{
  return ((a % 4) + 4) % 4;
}

static gboolean
resolve_relative(TextTagger *T, const Spec *o, Tense tense, TextDate *td, const char **why)
{
  TextAnchor kind = TEXT_ANCHOR_NONE;
  const TwDate *A = NULL;
  TwDate base;
  if (o->has_base) {
    const TwDate *used;
    TextAnchor bk;
    if (!resolve_fields(T, &o->base, TW_QUALIFIER_NONE, tense, &base, &bk, &used)) {
      *why = "its date cannot be placed";
      return FALSE;
    }
    A = &base;
    kind = TEXT_ANCHOR_EXPRESSION;
  } else if (o->rel == REL_WITHIN && T->has_local) {
    A = &T->local;
    kind = TEXT_ANCHOR_SENTENCE;
  } else {
    A = pick_anchor(T, o->deictic, &kind);
  }
  if (!A) {
    *why = "there is no date to count from (set reference-date)";
    return FALSE;
  }
  td->anchor = kind;
  td->anchor_date = tw_date_format(A);
  td->relative = TRUE;

  int y, m, d;
  switch (o->rel) {
  case REL_OFFSET: {
    TwPrecision up =
        o->calendar_unit && o->unit == UNIT_DECADE ? TW_PRECISION_DECADE : unit_precision(o->unit);
    gboolean finer = up < A->precision;
    date_civil(A, finer, &y, &m, &d);
    civil_add(&y, &m, &d, o->unit, o->n);
    TwPrecision prec = MAX(up, A->precision);
    if (prec < TW_PRECISION_DAY)
      prec = TW_PRECISION_DAY;
    TwQualifier q = o->qual;
    if (o->approx || (o->unit == UNIT_DECADE && !o->calendar_unit))
      q = q == TW_QUALIFIER_NONE ? TW_QUALIFIER_APPROX : q;
    return make_date(y, m, d, prec, q, &td->date) || (*why = "is out of range", FALSE);
  }
  case REL_VAGUE: {
    td->date = *A;
    td->date.qualifier = o->vague;
    tw_date_set_precision(&td->date, MAX(A->precision, TW_PRECISION_DAY));
    return TRUE;
  }
  case REL_WITHIN: {
    date_civil(A, FALSE, &y, &m, &d);
    civil_add(&y, &m, &d, o->unit, o->n);
    return make_date(y, m, d, MAX(A->precision, TW_PRECISION_DAY), TW_QUALIFIER_BEFORE,
                     &td->date) ||
           (*why = "is out of range", FALSE);
  }
  case REL_WEEKDAY:
  case REL_WEEKEND: {
    if (A->precision > TW_PRECISION_WEEK) {
      *why = "a weekday needs a reference day, not a month or a year";
      return FALSE;
    }
    gint64 days = floor_div64(A->start, TW_USEC_PER_DAY);
    int wd = weekday_of_day(days);
    gint64 monday = days - (wd - 1);
    gint64 out;
    if (o->rel == REL_WEEKEND) {
      switch (o->dir) {
      case DIR_THIS:
        out = monday + 5;
        break;
      case DIR_LAST:
        out = monday + 5 - 7;
        break;
      case DIR_NEXT:
        out = monday + 5 + 7;
        break;
      case DIR_BARE:
      default:
        if (tense == TENSE_PAST)
          out = wd >= 6 ? monday + 5 : monday + 5 - 7;
        else
          out = monday + 5;
        break;
      }
      td->end_override = (out + 2) * TW_USEC_PER_DAY;
      return make_day(out, TW_PRECISION_DAY, TW_QUALIFIER_NONE, &td->date);
    }
    int t = o->target;
    if (!o->deictic) {
      int delta = o->dir == DIR_LAST ? -(((wd - t) % 7 + 7) % 7) : ((t - wd) % 7 + 7) % 7;
      if (delta == 0)
        delta = o->dir == DIR_LAST ? -7 : 7;
      out = days + delta;
    } else {
      switch (o->dir) {
      case DIR_THIS:
        out = monday + t - 1;
        break;
      case DIR_LAST:
        out = monday + t - 1 - 7;
        break;
      case DIR_NEXT:
        out = monday + t - 1 + 7;
        break;
      case DIR_BARE:
      default:
        if (tense == TENSE_PAST)
          out = days - (((wd - t) % 7 + 7) % 7);
        else
          out = days + (((t - wd) % 7 + 7) % 7);
        break;
      }
    }
    return make_day(out, TW_PRECISION_DAY, o->qual, &td->date);
  }
  case REL_MONTH: {
    date_civil(A, FALSE, &y, &m, &d);
    int M = o->target;
    int year = o->dir == DIR_LAST   ? (M < m ? y : y - 1)
               : o->dir == DIR_NEXT ? (M > m ? y : y + 1)
                                    : y;
    return make_date(year, M, 1, TW_PRECISION_MONTH, o->qual, &td->date);
  }
  case REL_SEASON: {
    date_civil(A, FALSE, &y, &m, &d);
    int cur = season_index(y, m);
    int t = o->target - 1, idx;
    if (o->dir == DIR_LAST)
      idx = cur - 1 - mod4(cur - 1 - t);
    else if (o->dir == DIR_NEXT)
      idx = cur + 1 + mod4(t - (cur + 1));
    else if (mod4(cur) == t)
      idx = cur;
    else
      idx = (t == 3 ? (m <= 6 ? y - 1 : y) : y) * 4 + t;
    int sy = idx >= 0 ? idx / 4 : (idx - 3) / 4;
    return make_date(sy, 3 * (mod4(idx) + 1), 1, TW_PRECISION_SEASON, o->qual, &td->date);
  }
  default:
    return FALSE;
  }
}

static char *
fiscal_label(int fy, TwPrecision prec, int part)
{
  if (prec == TW_PRECISION_QUARTER)
    return g_strdup_printf("FY%d Q%d", fy, part);
  if (prec == TW_PRECISION_HALF)
    return g_strdup_printf("FY%d H%d", fy, part);
  return g_strdup_printf("FY%d", fy);
}

static gboolean
resolve_fiscal(TextTagger *T, const Spec *o, Tense tense, TextDate *td, const char **why)
{
  int fy = o->f.year;
  int M = T->opt.fiscal_start;
  if (!fy) {
    if (T->last_fy && T->fy_age <= 1) {
      /* "For fiscal 2026, revenue rose. The charge came in its fiscal first quarter." */
      fy = T->last_fy;
    } else {
      Fields probe;
      memset(&probe, 0, sizeof probe);
      probe.prec = TW_PRECISION_MONTH;
      TwDate at;
      TextAnchor kind;
      const TwDate *used;
      if (!resolve_partial(T, &probe, TW_QUALIFIER_NONE, tense, &at, &kind, &used)) {
        *why = "names no fiscal year and there is none to take it from";
        return FALSE;
      }
      int ay, am, ad;
      date_civil(&at, FALSE, &ay, &am, &ad);
      if (M > 1)
        fy = T->opt.fiscal_named_by_start ? (am >= M ? ay : ay - 1) : (am >= M ? ay + 1 : ay);
      else
        fy = ay;
    }
  }
  T->last_fy = fy;
  T->fy_age = 0;
  td->fiscal = TRUE;
  td->fiscal_period = fiscal_label(fy, o->f.prec, o->f.part);
  if (!M) {
    /* the fiscal calendar is unknown: the calendar reading, marked fiscal */
    Fields f = o->f;
    f.year = fy;
    return fields_to_date(&f, o->qual, &td->date) || (*why = "is not a valid date", FALSE);
  }
  int months = o->f.prec == TW_PRECISION_QUARTER ? 3 : o->f.prec == TW_PRECISION_HALF ? 6 : 12;
  int offset = o->f.prec == TW_PRECISION_YEAR ? 0 : months * (o->f.part - 1);
  int sy = T->opt.fiscal_named_by_start ? fy : (M == 1 ? fy : fy - 1);
  gint64 idx = (gint64)sy * 12 + (M - 1) + offset;
  int y = (int)floor_div64(idx, 12), m = (int)(idx - (gint64)y * 12) + 1;
  if ((m - 1) % months == 0)
    return make_date(y, m, 1, o->f.prec, o->qual, &td->date) || (*why = "is out of range", FALSE);
  if (!make_date(y, m, 1, TW_PRECISION_MONTH, TW_QUALIFIER_NONE, &td->date)) {
    *why = "is out of range";
    return FALSE;
  }
  gint64 eidx = idx + months;
  int ey = (int)floor_div64(eidx, 12), em = (int)(eidx - (gint64)ey * 12) + 1;
  td->end_override = tw_civil_to_usec(ey, em, 1, 0, 0, 0);
  return TRUE;
}

static gboolean
resolve_span(TextTagger *T, const Spec *o, Tense tense, TextDate *td, const char **why)
{
  TwDate E;
  TextAnchor kind;
  const TwDate *used;
  if (!resolve_fields(T, &o->f, TW_QUALIFIER_NONE, tense, &E, &kind, &used)) {
    *why = "its end cannot be placed";
    return FALSE;
  }
  int y, m, d;
  date_civil(&E, FALSE, &y, &m, &d);
  td->fiscal = o->fiscal;
  if (E.precision == TW_PRECISION_MONTH) {
    civil_add(&y, &m, &d, UNIT_MONTH, -(o->months - 1));
    if (!make_date(y, m, 1, TW_PRECISION_MONTH, TW_QUALIFIER_NONE, &td->date))
      return FALSE;
  } else {
    /* Counted back from the day after the end: the quarter ended June 30 begins on April 1
     * (back from June 30 first, it would begin on March 31, as March has a 30th). */
    civil_add(&y, &m, &d, UNIT_DAY, 1);
    civil_add(&y, &m, &d, UNIT_MONTH, -o->months);
    if (!make_date(y, m, d, TW_PRECISION_DAY, TW_QUALIFIER_NONE, &td->date))
      return FALSE;
  }
  td->end_override = E.end;
  return TRUE;
}

static gboolean
resolve_range(TextTagger *T, const Match *mt, Tense tense, TextDate *td, const char **why)
{
  TwDate A, B;
  if (mt->a.kind == SK_FISCAL) {
    TextDate tb;
    memset(&tb, 0, sizeof tb);
    if (!resolve_fiscal(T, &mt->a, tense, td, why) || !resolve_fiscal(T, &mt->b, tense, &tb, why)) {
      g_free(tb.fiscal_period);
      return FALSE;
    }
    A = td->date;
    B = tb.date;
    if (tb.end_override)
      B.end = tb.end_override;
    g_free(tb.fiscal_period);
  } else {
    Fields fa = mt->a.f, fb = mt->b.f;
    TwQualifier qa = mt->a.qual, qb = mt->b.qual;
    TextAnchor kind;
    const TwDate *used;
    if (fields_partial(&fa) && !fields_partial(&fb)) {
      if (!fa.year)
        fa.year = fb.year;
      if ((fa.prec == TW_PRECISION_DAY || fa.prec == TW_PRECISION_MONTH) && !fa.month)
        fa.month = fb.month;
      if (!fields_to_date(&fb, qb, &B) || !fields_to_date(&fa, qa, &A))
        goto invalid;
      if (A.start >= B.start) {
        fa.year--;
        if (!fields_to_date(&fa, qa, &A))
          goto invalid;
      }
    } else {
      if (!resolve_fields(T, &fa, qa, tense, &A, &kind, &used)) {
        *why = "its start cannot be placed";
        return FALSE;
      }
      if (fields_partial(&fb)) {
        int y, m, d;
        date_civil(&A, FALSE, &y, &m, &d);
        if (!fb.year)
          fb.year = y;
        if ((fb.prec == TW_PRECISION_DAY || fb.prec == TW_PRECISION_MONTH) && !fb.month)
          fb.month = m;
        if (!fields_to_date(&fb, qb, &B))
          goto invalid;
        if (B.start < A.start) {
          fb.year++;
          if (!fields_to_date(&fb, qb, &B))
            goto invalid;
        }
      } else if (!fields_to_date(&fb, qb, &B)) {
        goto invalid;
      }
    }
    td->date = A;
  }
  if (B.end <= A.start) {
    *why = "ends before it begins";
    return FALSE;
  }
  if (B.end != td->date.end)
    td->end_override = B.end;
  td->range_end = tw_date_format(&B);
  td->last_part = B;
  td->has_last_part = TRUE;
  return TRUE;
invalid:
  *why = "is not a valid date";
  return FALSE;
}

static gboolean
resolve_match(TextTagger *T, const Match *mt, Tense tense, TextDate *td, const char **why)
{
  if (mt->a.ambiguous || (mt->range && mt->b.ambiguous)) {
    *why = "could be day/month or month/day (set date-order=dmy or mdy)";
    return FALSE;
  }
  if (mt->range)
    return resolve_range(T, mt, tense, td, why);
  switch (mt->a.kind) {
  case SK_ABS: {
    TextAnchor kind;
    const TwDate *used;
    if (!resolve_fields(T, &mt->a.f, mt->a.qual, tense, &td->date, &kind, &used)) {
      *why = fields_partial(&mt->a.f)
                 ? "there is no date to take its year from (set reference-date)"
                 : "is not a valid date";
      return FALSE;
    }
    return TRUE;
  }
  case SK_FISCAL:
    return resolve_fiscal(T, &mt->a, tense, td, why);
  case SK_SPAN:
    return resolve_span(T, &mt->a, tense, td, why);
  case SK_REL:
    return resolve_relative(T, &mt->a, tense, td, why);
  default:
    return FALSE;
  }
}

/* ================================================================== sentence level */

static const char amount_words[] = "percent per cent billion million thousand trillion bn mn m k "
                                   "yuan euros euro dollars dollar pounds yen points basis units "
                                   "us rmb usd eur pct ";

/* "than in 2024", "compared with $14.5 billion a year earlier", "up 78% from a year ago": the
 * date a figure is compared with, not when something happened. */
static gboolean
is_baseline(const Sent *s, const Match *m)
{
  guint k = m->tb;
  gboolean amount = FALSE;
  for (guint steps = 0; k > 0 && steps < 8; steps++) {
    const Token *p = &s->t[k - 1];
    if (p->kind == TK_NUM) {
      amount = TRUE;
    } else if (p->kind == TK_PUNCT && (p->ch == '$' || p->ch == 0x20AC || p->ch == 0xA3 ||
                                       p->ch == 0xA5 || p->ch == '%')) {
    } else if (p->kind == TK_WORD && in_list(amount_words, p->low)) {
    } else if (steps == 0 && word_in(s, k - 1, "in on for during ")) {
    } else {
      break;
    }
    k--;
  }
  if (k == 0)
    return FALSE;
  gboolean relative = !m->range && m->a.kind == SK_REL;
  if (word_at(s, k - 1, "than") || word_in(s, k - 1, "versus vs against "))
    return TRUE;
  if (punct_at(s, k - 1, '.') && k >= 2 && word_at(s, k - 2, "vs"))
    return TRUE;
  if (k >= 2 && word_in(s, k - 1, "with to ") && word_in(s, k - 2, "compared relative "))
    return TRUE;
  if (word_at(s, k - 1, "from")) {
    /* "up 78% from a year ago", "flat from last year"; but "from next Monday" starts */
    if (amount)
      return TRUE;
    if (relative && k >= 2 &&
        (punct_at(s, k - 2, '%') ||
         word_in(s, k - 2, "up down flat higher lower unchanged percent points ")))
      return TRUE;
  }
  return FALSE;
}

static const char future_words[] =
    "will shall ll going expect expects expected expecting due scheduled plan plans planned "
    "planning aims aim intends intend upcoming forthcoming would could should might may set ";
static const char past_words[] =
    "was were had did said told took made began became rose fell grew won lost sold bought held "
    "went came saw gave met ran led paid brought built chose drew drove got kept knew meant sent "
    "spent stood struck thought wrote ago previously flew arose ate awoke beat bit blew broke "
    "caught clung crept dealt dug dove drank fed fought fled forgot forgave froze ground hung "
    "heard hid knelt laid leapt lent lit proved rode rang sought shook shone shot showed shrank "
    "sang sank sat slept slid spoke sped spun sprang stole stuck stung strove swore swept swam "
    "swung taught tore told threw understood woke wore wound shown previous ";
static const char not_past[] = "advanced limited based related detailed hundred need seed speed "
                               "feed bed red united listed";

static Tense
tense_in(const Sent *s, guint from, guint to)
{
  gboolean past = FALSE;
  for (guint i = from; i < to && i < s->n; i++) {
    if (s->t[i].kind != TK_WORD)
      continue;
    const char *w = s->t[i].low;
    if (in_list("will shall ll ", w))
      return TENSE_WILL;
    if (in_list(future_words, w)) {
      /* A modal before "have" looks back ("data may have been copied", "it could not have
       * known"): the past, as a breach report means it. */
      guint h = word_at(s, i + 1, "not") ? i + 2 : i + 1;
      if (in_list("would could should might may ", w) && h < to && word_at(s, h, "have")) {
        past = TRUE;
        i = h;
        continue;
      }
      return TENSE_FUTURE;
    }
    gsize len = strlen(w);
    gboolean passive =
        (i >= 1 && word_in(s, i - 1, "is are be been being am get gets remains ")) ||
        (i >= 2 && word_in(s, i - 2, "is are be been being am ") && s->t[i - 1].kind == TK_WORD);
    if (in_list(past_words, w) || (len >= 5 && g_str_has_suffix(w, "ed") && !s->t[i].cap &&
                                   !in_list(not_past, w) && !passive))
      past = TRUE;
  }
  return past ? TENSE_PAST : TENSE_NONE;
}

static Tense
tense_for(const Sent *s, const Match *ms, guint n, guint k)
{
  guint from = 0;
  for (guint j = k; j-- > 0;)
    if (!ms[j].drop) {
      from = ms[j].te;
      break;
    }
  Tense t = tense_in(s, from, ms[k].tb);
  if (t != TENSE_NONE)
    return t;
  guint to = s->n;
  for (guint j = k + 1; j < n; j++)
    if (!ms[j].drop) {
      to = ms[j].tb;
      break;
    }
  /* after the date, only within its clause */
  for (guint j = ms[k].te; j < to; j++)
    if (punct_at(s, j, ';') || punct_at(s, j, ':') || punct_at(s, j, ',') ||
        punct_at(s, j, 0x2014)) {
      to = j;
      break;
    }
  return tense_in(s, ms[k].te, to);
}

static TwPrecision
spec_precision(const Spec *o)
{
  if (o->kind == SK_REL)
    return unit_precision(o->unit);
  return o->f.prec;
}

static void
text_date_clear(TextDate *td)
{
  g_free(td->range_end);
  g_free(td->fiscal_period);
  g_free(td->anchor_date);
  g_free(td->gloss);
}

void
_tw_text_dates_free(GArray *dates)
{
  if (!dates)
    return;
  for (guint i = 0; i < dates->len; i++)
    text_date_clear(&g_array_index(dates, TextDate, i));
  g_array_free(dates, TRUE);
}

void
_tw_text_problems_free(GArray *problems)
{
  if (!problems)
    return;
  for (guint i = 0; i < problems->len; i++)
    g_free(g_array_index(problems, TextProblem, i).message);
  g_array_free(problems, TRUE);
}

/* ", and the company ...", ", but No. 3 chipmaker ...": a clause with a subject of its own
 * between tokens @from and @to. */
static gboolean
clause_break(const Sent *s, guint from, guint to)
{
  for (guint i = from; i + 2 < to + 1 && i + 2 < s->n; i++)
    if (punct_at(s, i, ',') && word_in(s, i + 1, "and but ") &&
        ((s->t[i + 2].kind != TK_PUNCT && s->t[i + 2].cap) ||
         word_in(s, i + 2, "the a an its their his her our this these those ")))
      return TRUE;
  return FALSE;
}

/* A date line: [PLACE,] [label[:]] DATE, and nothing else but punctuation. */
static gboolean
tag_dateline(TextTagger *T, const Sent *s, Match *ms, guint nm, GArray *dates)
{
  guint i = 0;
  while (i < s->n && ((s->t[i].kind == TK_WORD && s->t[i].allcaps) || punct_at(s, i, ',')))
    i++;
  static const char labels[] = "date dated published posted updated last as of written released "
                               "issued filed on ";
  while (i < s->n && (word_in(s, i, labels) || punct_at(s, i, ':')))
    i++;
  guint kept = 0, which = 0;
  for (guint k = 0; k < nm; k++)
    if (!ms[k].drop) {
      kept++;
      which = k;
    }
  if (kept != 1 || ms[which].tb != i || ms[which].range)
    return FALSE;
  for (guint j = ms[which].te; j < s->n; j++)
    if (s->t[j].kind != TK_PUNCT)
      return FALSE;
  const Spec *o = &ms[which].a;
  if (o->kind != SK_ABS || fields_partial(&o->f) || o->ambiguous)
    return FALSE;
  TextDate td;
  memset(&td, 0, sizeof td);
  if (!fields_to_date(&o->f, o->qual, &td.date))
    return FALSE;
  td.start = s->t[ms[which].tb].start;
  td.end = s->t[ms[which].te - 1].end;
  g_array_append_val(dates, td);
  (void)T;
  return TRUE;
}

gboolean
_tw_text_tagger_tag(TextTagger *T, const char *text, gsize length, TextRole role,
                    GArray **dates_out, GArray **problems_out)
{
  GArray *tokens = g_array_new(FALSE, TRUE, sizeof(Token));
  tokenize(text, length, tokens);
  merge_numbers(tokens);
  Sent s = {text, (const Token *)(void *)tokens->data, tokens->len, &T->opt};

  GArray *matches = g_array_new(FALSE, TRUE, sizeof(Match));
  for (guint i = 0; i < s.n;) {
    Match m;
    guint e = p_expression(&s, i, &m);
    if (e) {
      m.tb = i;
      m.te = e;
      m.drop = FALSE;
      m.gloss = -1;
      g_array_append_val(matches, m);
      i = e;
    } else {
      i++;
    }
  }
  Match *ms = (Match *)(void *)matches->data;
  guint nm = matches->len;

  for (guint k = 0; k < nm; k++)
    if ((!ms[k].range && ms[k].a.event_anchored) || is_baseline(&s, &ms[k]))
      ms[k].drop = TRUE;
  /* "fiscal Q1 2026 (February to April 2025)": one date, written twice */
  for (guint k = 0; k + 1 < nm; k++) {
    if (ms[k].drop || ms[k + 1].drop || !punct_at(&s, ms[k].te, '(') ||
        ms[k + 1].tb != ms[k].te + 1)
      continue;
    const Spec *a = &ms[k].a, *b = &ms[k + 1].a;
    gboolean keep_second = (a->kind == SK_FISCAL && !T->opt.fiscal_start) ||
                           (a->kind == SK_REL && b->kind != SK_REL) ||
                           (!ms[k].range && !ms[k + 1].range && b->kind != SK_REL &&
                            spec_precision(b) < spec_precision(a));
    if (keep_second) {
      ms[k].drop = TRUE;
      ms[k + 1].gloss = (int)k;
    } else {
      ms[k + 1].drop = TRUE;
      ms[k].gloss = (int)(k + 1);
    }
  }

  /* "Two days later, on March 5, ...": a relative date and the day it names, written twice */
  for (guint k = 0; k + 1 < nm; k++) {
    guint at = ms[k].te + 1;
    if (ms[k].drop || ms[k + 1].drop || ms[k].range || ms[k + 1].range || ms[k].a.kind != SK_REL ||
        !punct_at(&s, ms[k].te, ','))
      continue;
    if (word_in(&s, at, "on "))
      at++;
    const Spec *b = &ms[k + 1].a;
    if (ms[k + 1].tb != at || b->kind != SK_ABS || ms[k + 1].bound ||
        spec_precision(b) > TW_PRECISION_DAY ||
        !(ms[k + 1].te >= s.n || punct_at(&s, ms[k + 1].te, ',')))
      continue;
    ms[k].drop = TRUE;
    ms[k + 1].gloss = (int)k;
  }

  GArray *dates = g_array_new(FALSE, TRUE, sizeof(TextDate));
  GArray *problems = g_array_new(FALSE, TRUE, sizeof(TextProblem));
  gboolean ok = TRUE;

  if (role == TEXT_ROLE_DATELINE) {
    ok = tag_dateline(T, &s, ms, nm, dates);
  } else {
    /* A date without a year takes its year from the nearest date before it in the sentence
     * that needs no anchor (or has been placed), unless a new clause with its own subject
     * comes between (", and the company ..."). */
    gboolean *have = g_new0(gboolean, nm + 1);
    TwDate *when = g_new0(TwDate, nm + 1);
    for (guint j = 0; j < nm; j++) {
      const Spec *a = &ms[j].a;
      if (ms[j].drop || ms[j].bound || a->kind != SK_ABS || fields_partial(&a->f) || a->ambiguous ||
          a->qual == TW_QUALIFIER_BEFORE || a->qual == TW_QUALIFIER_AFTER ||
          a->qual == TW_QUALIFIER_APPROX)
        continue;
      have[j] = fields_to_date(&a->f, a->qual, &when[j]);
    }
    for (guint k = 0; k < nm; k++) {
      if (ms[k].drop)
        continue;
      T->has_local = FALSE;
      for (guint j = k; j-- > 0;)
        if (have[j]) {
          if (!clause_break(&s, ms[j].te, ms[k].tb)) {
            T->local = when[j];
            T->has_local = TRUE;
          }
          break;
        }

      TextDate td;
      memset(&td, 0, sizeof td);
      td.start = s.t[ms[k].tb].start;
      td.end = s.t[ms[k].te - 1].end;
      if (ms[k].gloss >= 0) {
        const Match *g = &ms[ms[k].gloss];
        td.gloss = g_strndup(text + s.t[g->tb].start, s.t[g->te - 1].end - s.t[g->tb].start);
      }
      Tense tense = ms[k].since ? TENSE_PAST : tense_for(&s, ms, nm, k);
      const char *why = NULL;
      if (!resolve_match(T, &ms[k], tense, &td, &why)) {
        TextProblem pr;
        pr.start = td.start;
        pr.end = td.end;
        pr.message =
            g_strdup_printf("'%.*s' is not placed on the timeline: %s", (int)(td.end - td.start),
                            text + td.start, why ? why : "it cannot be read");
        g_array_append_val(problems, pr);
        text_date_clear(&td);
        continue;
      }
      if (!td.relative && !ms[k].bound && td.date.qualifier != TW_QUALIFIER_BEFORE &&
          td.date.qualifier != TW_QUALIFIER_AFTER) {
        /* after a range, the text goes on from its last part */
        T->last = td.has_last_part ? td.last_part : td.date;
        T->has_last = TRUE;
        T->last_age = 0;
        have[k] = TRUE;
        when[k] = T->last;
      }
      g_array_append_val(dates, td);
    }
    g_free(have);
    g_free(when);
    if (role == TEXT_ROLE_PROSE && T->last_age < 1000)
      T->last_age++;
    if (role == TEXT_ROLE_PROSE && T->fy_age < 1000)
      T->fy_age++;
    if (role == TEXT_ROLE_HEADING && T->level >= 1 && T->level <= 6) {
      /* a heading that is one date anchors its section */
      if (dates->len == 1) {
        const TextDate *h = &g_array_index(dates, TextDate, 0);
        if (!h->relative && !h->end_override && h->date.qualifier != TW_QUALIFIER_BEFORE &&
            h->date.qualifier != TW_QUALIFIER_AFTER) {
          T->heading[T->level] = h->date;
          T->has_heading[T->level] = TRUE;
        }
      }
    }
    T->has_local = FALSE;
  }

  g_array_free(matches, TRUE);
  g_array_free(tokens, TRUE);
  if (dates_out)
    *dates_out = dates;
  else
    _tw_text_dates_free(dates);
  if (problems_out)
    *problems_out = problems;
  else
    _tw_text_problems_free(problems);
  return ok;
}

/* ================================================================== the tagger object */

TextTagger *
_tw_text_tagger_new(const TextTaggerOptions *options)
{
  TextTagger *T = g_new0(TextTagger, 1);
  if (options)
    T->opt = *options;
  return T;
}

void
_tw_text_tagger_free(TextTagger *tagger)
{
  g_free(tagger);
}

void
_tw_text_tagger_set_reference(TextTagger *tagger, const TwDate *reference)
{
  tagger->ref = *reference;
  tagger->has_ref = TRUE;
}

gboolean
_tw_text_tagger_has_reference(const TextTagger *tagger)
{
  return tagger->has_ref;
}

void
_tw_text_tagger_begin_section(TextTagger *tagger, int level)
{
  level = CLAMP(level, 1, 6);
  for (int l = level; l <= 6; l++)
    tagger->has_heading[l] = FALSE;
  tagger->level = level;
  tagger->last_age = 1000;
}

void
_tw_text_tagger_begin_block(TextTagger *tagger)
{
  tagger->has_local = FALSE;
}
