/* timeweave: the text source. Reads plain text or Markdown and turns each date a sentence states
 * into an event: the date as precise as the sentence makes it, the sentence (or the clause that
 * holds the date) as the title, the whole sentence as the description.
 *
 * The document is read whole and cut into blocks (paragraphs, list items, table rows, headings;
 * front matter, fenced code and HTML comments are skipped). Each block's text is cleaned of
 * Markdown markup (emphasis, links, inline code) into a plain string that keeps, for every byte,
 * its offset in the document, so that events can say where their expression is. Blocks are split
 * into sentences (abbreviations such as Feb., U.S., Inc. and No. 3 do not end one), and each
 * sentence goes to the tagger (text-tagger.c), which finds and normalizes the dates. */
#include "text-tagger.h"

#include <string.h>

/* The largest document read. */
#define TEXT_MAX_DOCUMENT ((gsize)256 << 20)

typedef struct {
  char *url;
  gsize at; /* offset in the block's clean text */
} Link;

typedef struct {
  GString *text; /* clean text */
  GArray *map;   /* gsize per byte of text: its byte offset in the document */
  GArray *links; /* Link */
  gboolean open;
  gboolean list_item;
  guint lines;
} Block;

typedef struct {
  TwSink *sink;
  const char *file;
  const char *doc;
  gsize len;
  GArray *line_starts; /* gsize: the byte offset where each line begins */
  TextTagger *tagger;
  const char *kind;
  const char *const *tags;
  gboolean heading_tags;
  gint64 title_length;
  gboolean reference_given;
  char *heading; /* the text of the nearest heading above */
  char *heading_slug;
  guint blocks_seen; /* prose blocks so far: date lines are looked for among the first ones */
  gboolean prose_started;
  /* byte -> character offset cursor */
  gsize cursor_byte, cursor_char;
  Block block;
} TextContext;

/* ------------------------------------------------------------------ positions */

static guint
line_of(const TextContext *ctx, gsize offset)
{
  const gsize *starts = (const gsize *)(void *)ctx->line_starts->data;
  guint lo = 0, hi = ctx->line_starts->len;
  while (hi - lo > 1) {
    guint mid = (lo + hi) / 2;
    if (starts[mid] <= offset)
      lo = mid;
    else
      hi = mid;
  }
  return lo + 1;
}

static gsize
char_offset(TextContext *ctx, gsize byte)
{
  if (byte < ctx->cursor_byte) {
    ctx->cursor_byte = 0;
    ctx->cursor_char = 0;
  }
  for (gsize i = ctx->cursor_byte; i < byte && i < ctx->len; i++)
    if (((unsigned char)ctx->doc[i] & 0xC0) != 0x80)
      ctx->cursor_char++;
  ctx->cursor_byte = byte;
  return ctx->cursor_char;
}

/* ------------------------------------------------------------------ blocks and inline markup */

static void
block_reset(Block *b)
{
  g_string_truncate(b->text, 0);
  g_array_set_size(b->map, 0);
  for (guint i = 0; i < b->links->len; i++)
    g_free(g_array_index(b->links, Link, i).url);
  g_array_set_size(b->links, 0);
  b->open = FALSE;
  b->list_item = FALSE;
  b->lines = 0;
}

static void
block_put(Block *b, const char *s, gsize n, gsize at)
{
  g_string_append_len(b->text, s, (gssize)n);
  for (gsize k = 0; k < n; k++) {
    gsize o = at + k;
    g_array_append_val(b->map, o);
  }
}

static void
block_put_char(Block *b, char c, gsize at)
{
  g_string_append_c(b->text, c);
  g_array_append_val(b->map, at);
}

static gboolean
is_word_byte(char c)
{
  return g_ascii_isalnum(c) || ((unsigned char)c & 0x80);
}

/* The index of the ']' that closes the '[' at @i on this line, or 0. */
static gsize
closing_bracket(const char *doc, gsize i, gsize end)
{
  int depth = 0;
  for (gsize k = i; k < end; k++) {
    if (doc[k] == '\\') {
      k++;
      continue;
    }
    if (doc[k] == '[')
      depth++;
    else if (doc[k] == ']' && --depth == 0)
      return k;
  }
  return 0;
}

/* Appends the line [start, end) of the document to the block without its Markdown markup. */
static void
add_inline(Block *b, const char *doc, gsize start, gsize end)
{
  gsize i = start;
  while (i < end) {
    char c = doc[i];
    if (c == '\\' && i + 1 < end && g_ascii_ispunct(doc[i + 1])) {
      block_put_char(b, doc[i + 1], i + 1);
      i += 2;
      continue;
    }
    if (c == '`' || c == '*') {
      i++;
      continue;
    }
    if (c == '_') {
      gboolean inner =
          i > start && i + 1 < end && is_word_byte(doc[i - 1]) && is_word_byte(doc[i + 1]);
      if (!inner) {
        i++;
        continue;
      }
    }
    if (c == '<') {
      if (i + 3 < end && memcmp(doc + i, "<!--", 4) == 0) {
        const char *close = g_strstr_len(doc + i + 4, (gssize)(end - i - 4), "-->");
        i = close ? (gsize)(close - doc) + 3 : end;
        continue;
      }
      gsize k = i + 1;
      if (k < end && (g_ascii_isalpha(doc[k]) || doc[k] == '/' || doc[k] == '!')) {
        while (k < end && doc[k] != '>' && doc[k] != '<')
          k++;
        if (k < end && doc[k] == '>') {
          /* an autolink keeps its address; a tag goes */
          if (g_ascii_strncasecmp(doc + i + 1, "http", 4) == 0 ||
              g_ascii_strncasecmp(doc + i + 1, "mailto:", 7) == 0)
            block_put(b, doc + i + 1, k - i - 1, i + 1);
          else
            block_put_char(b, ' ', i);
          i = k + 1;
          continue;
        }
      }
    }
    if ((c == '[' || (c == '!' && i + 1 < end && doc[i + 1] == '['))) {
      gsize open = c == '!' ? i + 1 : i;
      if (open + 1 < end && doc[open + 1] == '^') {
        gsize close = closing_bracket(doc, open, end);
        if (close) { /* a footnote reference */
          i = close + 1;
          /* A footnote's definition ("[^1]: Interview on February 12, 2026.") begins its block:
           * its colon goes with the mark, or it would open the sentence and the title. */
          if (b->text->len == 0 && i < end && doc[i] == ':') {
            i++;
            while (i < end && (doc[i] == ' ' || doc[i] == '\t'))
              i++;
          }
          continue;
        }
      }
      gsize close = closing_bracket(doc, open, end);
      if (close && close + 1 < end && doc[close + 1] == '(') {
        gsize paren = close + 1, k = paren + 1;
        int depth = 1;
        while (k < end && depth > 0) {
          if (doc[k] == '(')
            depth++;
          else if (doc[k] == ')')
            depth--;
          if (depth > 0)
            k++;
        }
        if (k < end) {
          Link link;
          link.at = b->text->len;
          gsize us = paren + 1, ue = k;
          while (us < ue && g_ascii_isspace(doc[us]))
            us++;
          gsize sp = us;
          while (sp < ue && !g_ascii_isspace(doc[sp]))
            sp++;
          link.url = g_strndup(doc + us, sp - us);
          if (c == '[')
            g_array_append_val(b->links, link);
          else
            g_free(link.url);
          add_inline(b, doc, open + 1, close);
          i = k + 1;
          continue;
        }
      }
      if (close && close + 1 < end && doc[close + 1] == '[') {
        /* a reference link [text][ref] */
        gsize ref_close = closing_bracket(doc, close + 1, end);
        if (ref_close) {
          add_inline(b, doc, open + 1, close);
          i = ref_close + 1;
          continue;
        }
      }
    }
    block_put_char(b, c, i);
    i++;
  }
}

/* ------------------------------------------------------------------ sentences */

static const char never_end[] = " mr mrs ms dr prof gen sen rep gov st no nos fig figs vs approx "
                                "ca c cf jr sr lt col capt sgt mt ft vol pp art sec ch eq ed eds "
                                "est dept univ op ext ";
static const char may_end[] = " inc corp co ltd llc plc bros cos etc jan feb mar apr jun jul aug "
                              "sep sept oct nov dec ";
static const char starters[] =
    " the a an it its he she they we i this that these those there in on at by but and or so yet "
    "for if when while after before as our their his her some many most all each no not one two "
    "three analysts officials shares sales revenue prices meanwhile however also ";

static gboolean
list_has(const char *list, const char *word, gsize len)
{
  char buf[24];
  if (len + 2 >= sizeof buf)
    return FALSE;
  buf[0] = ' ';
  for (gsize k = 0; k < len; k++)
    buf[k + 1] = g_ascii_tolower(word[k]);
  buf[len + 1] = ' ';
  buf[len + 2] = '\0';
  return strstr(list, buf) != NULL;
}

/* Whether the '.' at @dot ends the sentence, given that the next word begins at @next. */
static gboolean
period_ends(const char *t, gsize dot, gsize next, gsize n)
{
  /* the word before the period, with inner periods (U.S, e.g, a.m) */
  gsize ws = dot;
  while (ws > 0 && (g_ascii_isalpha(t[ws - 1]) || t[ws - 1] == '.'))
    ws--;
  gsize wl = dot - ws;
  gboolean inner_dot = memchr(t + ws, '.', wl) != NULL;
  /* the next word */
  gsize ne = next;
  while (ne < n && g_ascii_isalpha(t[ne]))
    ne++;
  gboolean starter = ne > next && list_has(starters, t + next, ne - next);
  gboolean next_digit = next < n && g_ascii_isdigit(t[next]);

  if (wl == 0)
    return TRUE; /* after a number or a closing bracket */
  if (wl == 1 && g_ascii_isupper(t[ws]))
    return FALSE; /* an initial: J. Smith */
  if (inner_dot)
    return starter; /* U.S., a.m., e.g. */
  /* "est." (established, estimated) never ends one, but the zone EST does: "at 10:30 a.m. EST." */
  if (list_has(never_end, t + ws, wl) && !(wl == 3 && memcmp(t + ws, "EST", 3) == 0))
    return FALSE;
  if (list_has(may_end, t + ws, wl))
    return !next_digit && starter;
  return TRUE;
}

/* Splits the block text into sentences: pairs of offsets [start, end) appended to @out. */
static void
split_sentences(const char *t, gsize n, GArray *out)
{
  gsize start = 0;
  for (gsize i = 0; i < n; i++) {
    char c = t[i];
    if (c != '.' && c != '!' && c != '?')
      continue;
    gsize j = i + 1;
    while (j < n && (t[j] == '.' || t[j] == '!' || t[j] == '?'))
      j++;
    /* closing quotes and brackets stay with the sentence */
    while (j < n) {
      if (t[j] == '"' || t[j] == '\'' || t[j] == ')' || t[j] == ']')
        j++;
      else if (j + 2 < n && (unsigned char)t[j] == 0xE2 && (unsigned char)t[j + 1] == 0x80 &&
               ((unsigned char)t[j + 2] == 0x9D || (unsigned char)t[j + 2] == 0x99))
        j += 3;
      else
        break;
    }
    if (j < n && !g_ascii_isspace(t[j]))
      continue;
    gsize next = j;
    while (next < n && g_ascii_isspace(t[next]))
      next++;
    if (next < n) {
      unsigned char nc = (unsigned char)t[next];
      gboolean opens = g_ascii_isupper(nc) || g_ascii_isdigit(nc) || nc == '"' || nc == '\'' ||
                       nc == '(' || nc == '[' || nc >= 0x80;
      if (!opens)
        continue;
    }
    if (c == '.' && j == i + 1 && !period_ends(t, i, next, n))
      continue;
    gsize e = j;
    g_array_append_val(out, start);
    g_array_append_val(out, e);
    start = next;
    i = next > 0 ? next - 1 : 0;
  }
  if (start < n) {
    g_array_append_val(out, start);
    g_array_append_val(out, n);
  }
}

/* ------------------------------------------------------------------ events */

static char *
slug(const char *text)
{
  GString *s = g_string_new(NULL);
  gboolean dash = FALSE;
  for (const char *p = text; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (g_ascii_isalnum(c) || c >= 0x80) {
      if (dash && s->len)
        g_string_append_c(s, '-');
      g_string_append_c(s, (char)g_ascii_tolower(c));
      dash = FALSE;
    } else {
      dash = TRUE;
    }
  }
  return g_string_free(s, FALSE);
}

static gboolean
has_prefix_ci(const char *t, gsize at, gsize n, const char *p)
{
  gsize l = strlen(p);
  return at + l <= n && g_ascii_strncasecmp(t + at, p, l) == 0;
}

/* The clause of the sentence [0, n) that holds the expression [es, ee). */
static void
clause_of(const char *t, gsize n, gsize es, gsize ee, gsize *cs, gsize *ce)
{
  static const char *const joins[] = {", and ",      ", but ",    ", while ",
                                      ", whereas ",  ", which ",  ", when ",
                                      ", although ", ", though ", ", as "};
  /* an expression inside brackets: the clause around them */
  int depth = 0;
  for (gsize k = es; k-- > 0;) {
    if (t[k] == ')')
      depth++;
    else if (t[k] == '(') {
      if (depth == 0) {
        gsize close = ee;
        while (close < n && t[close] != ')')
          close++;
        es = k;
        ee = close < n ? close + 1 : n;
        break;
      }
      depth--;
    }
  }
  gsize left = 0, right = n;
  gsize comma = n; /* the nearest comma before the expression that is followed by a space */
  depth = 0;
  for (gsize k = es; k-- > 0;) {
    char c = t[k];
    if (c == ')')
      depth++;
    else if (c == '(' && depth > 0)
      depth--;
    if (depth > 0)
      continue;
    if (c == ',' && comma == n && k + 1 < n && t[k + 1] == ' ')
      comma = k;
    if (c == ';' || c == ':' ||
        (c == '-' && k > 0 && t[k - 1] == ' ' && k + 1 < n && t[k + 1] == ' ')) {
      left = k + 1;
      break;
    }
    if (k + 2 < n && (unsigned char)c == 0xE2 && (unsigned char)t[k + 1] == 0x80 &&
        ((unsigned char)t[k + 2] == 0x94 || (unsigned char)t[k + 2] == 0x93)) {
      left = k + 3;
      break;
    }
    gboolean found = FALSE;
    for (guint j = 0; j < G_N_ELEMENTS(joins); j++)
      if (c == ',' && has_prefix_ci(t, k, n, joins[j])) {
        left = k + 2;
        /* "the unions, which had opposed the plan from the start, the company opened it on
         * March 3": a relative or subordinate clause that ended at a comma before the date is
         * not the date's clause; the date's begins after that comma. (", and" and ", but"
         * join clauses that go on to the date.) */
        if (j >= 2 && comma > k && comma < es)
          left = comma + 1;
        found = TRUE;
        break;
      }
    if (found)
      break;
  }
  depth = 0;
  for (gsize k = ee; k < n; k++) {
    char c = t[k];
    if (c == '(')
      depth++;
    else if (c == ')' && depth > 0)
      depth--;
    if (depth > 0)
      continue;
    if (c == ';' || c == ':' ||
        (c == '-' && k > 0 && t[k - 1] == ' ' && k + 1 < n && t[k + 1] == ' ')) {
      right = k;
      break;
    }
    if (k + 2 < n && (unsigned char)c == 0xE2 && (unsigned char)t[k + 1] == 0x80 &&
        ((unsigned char)t[k + 2] == 0x94 || (unsigned char)t[k + 2] == 0x93)) {
      right = k;
      break;
    }
    gboolean found = FALSE;
    for (guint j = 0; j < G_N_ELEMENTS(joins); j++)
      if (c == ',' && has_prefix_ci(t, k, n, joins[j])) {
        right = k;
        found = TRUE;
        break;
      }
    if (found)
      break;
  }
  *cs = left;
  *ce = right;
}

/* The title: the sentence, or where it is longer than title-length the clause that holds the
 * date; without the final period; cut at a word with an ellipsis when still too long. */
static char *
make_title(const TextContext *ctx, const char *t, gsize n, gsize es, gsize ee)
{
  gsize cs = 0, ce = n;
  if ((gint64)g_utf8_strlen(t, (gssize)n) > ctx->title_length) {
    clause_of(t, n, es, ee, &cs, &ce);
    /* a clause of a few words says too little: take the sentence up to the clause's end */
    if (g_utf8_strlen(t + cs, (gssize)(ce - cs)) < 40)
      cs = 0;
  }
  while (cs < ce && (g_ascii_isspace(t[cs]) || t[cs] == ','))
    cs++;
  static const char *const conj[] = {"and ",  "but ",      "while ",  "whereas ", "which ",
                                     "when ", "although ", "though ", "as "};
  for (guint j = 0; j < G_N_ELEMENTS(conj); j++)
    if (cs > 0 && has_prefix_ci(t, cs, ce, conj[j])) {
      cs += strlen(conj[j]);
      break;
    }
  while (ce > cs &&
         (g_ascii_isspace(t[ce - 1]) || t[ce - 1] == ',' || t[ce - 1] == ';' || t[ce - 1] == ':'))
    ce--;
  if (ce > cs && t[ce - 1] == '.' && !(ce >= cs + 2 && t[ce - 2] == '.'))
    ce--;
  GString *title = g_string_new_len(t + cs, (gssize)(ce - cs));
  if (title->len && g_ascii_islower(title->str[0]) && cs > 0)
    title->str[0] = g_ascii_toupper(title->str[0]);
  /* a clause may run to twice the length before it is cut */
  glong chars = g_utf8_strlen(title->str, (gssize)title->len);
  glong limit = cs > 0 || ce < n ? 2 * ctx->title_length : ctx->title_length;
  if (chars > limit) {
    const char *cut = g_utf8_offset_to_pointer(title->str, limit - 1);
    const char *space = cut;
    while (space > title->str && *space != ' ')
      space--;
    if (space > title->str + limit / 2)
      cut = space;
    g_string_truncate(title, (gsize)(cut - title->str));
    while (title->len && (title->str[title->len - 1] == ' ' || title->str[title->len - 1] == ','))
      g_string_truncate(title, title->len - 1);
    g_string_append(title, "\xe2\x80\xa6");
  }
  return g_string_free(title, FALSE);
}

static const char *
anchor_name(TextAnchor anchor)
{
  switch (anchor) {
  case TEXT_ANCHOR_REFERENCE:
    return "reference";
  case TEXT_ANCHOR_NARRATIVE:
    return "narrative";
  case TEXT_ANCHOR_SENTENCE:
    return "sentence";
  case TEXT_ANCHOR_HEADING:
    return "heading";
  case TEXT_ANCHOR_EXPRESSION:
    return "expression";
  case TEXT_ANCHOR_NONE:
  default:
    return NULL;
  }
}

/* Tags a sentence [s, e) of the current block and emits its events. */
static gboolean
emit_sentence(TextContext *ctx, gsize s, gsize e, GError **error)
{
  Block *b = &ctx->block;
  const char *t = b->text->str + s;
  gsize n = e - s;
  const gsize *map = (const gsize *)(void *)b->map->data;
  GArray *dates = NULL, *problems = NULL;
  _tw_text_tagger_tag(ctx->tagger, t, n, TEXT_ROLE_PROSE, &dates, &problems);
  gboolean ok = TRUE;

  for (guint k = 0; k < problems->len && ok; k++) {
    const TextProblem *p = &g_array_index(problems, TextProblem, k);
    ok = tw_sink_warn(ctx->sink, ctx->file, line_of(ctx, map[s + p->start]), error, "%s",
                      p->message);
  }
  const char *url = NULL;
  for (guint k = 0; k < b->links->len; k++) {
    const Link *l = &g_array_index(b->links, Link, k);
    if (l->at >= s && l->at < e && l->url[0]) {
      url = l->url;
      break;
    }
  }
  g_autofree char *description = g_strndup(t, n);
  for (guint k = 0; k < dates->len && ok; k++) {
    const TextDate *d = &g_array_index(dates, TextDate, k);
    gsize doc_start = map[s + d->start];
    gsize doc_end = map[s + d->end - 1] + 1;
    while (doc_end < ctx->len && ((unsigned char)ctx->doc[doc_end] & 0xC0) == 0x80)
      doc_end++;
    gsize cs = char_offset(ctx, doc_start);
    gsize ce = char_offset(ctx, doc_end);

    TwEventBuilder *eb = tw_sink_begin(ctx->sink, ctx->file, line_of(ctx, doc_start));
    tw_event_builder_set_date(eb, &d->date);
    if (d->end_override)
      tw_event_builder_set_end(eb, d->end_override);
    g_autofree char *title = make_title(ctx, t, n, d->start, d->end);
    tw_event_builder_set_title(eb, title);
    tw_event_builder_set_description(eb, description);
    if (ctx->kind && *ctx->kind)
      tw_event_builder_set_kind(eb, ctx->kind);
    if (url)
      tw_event_builder_set_url(eb, url);
    char num[32];
    tw_event_builder_set_attribute_len(eb, "expression", t + d->start, (gssize)(d->end - d->start));
    g_snprintf(num, sizeof num, "%" G_GSIZE_FORMAT, cs);
    tw_event_builder_set_attribute(eb, "expression-start", num);
    g_snprintf(num, sizeof num, "%" G_GSIZE_FORMAT, ce);
    tw_event_builder_set_attribute(eb, "expression-end", num);
    if (d->range_end)
      tw_event_builder_set_attribute(eb, "range-end", d->range_end);
    if (d->fiscal) {
      tw_event_builder_set_attribute(eb, "fiscal", "true");
      if (d->fiscal_period)
        tw_event_builder_set_attribute(eb, "fiscal-period", d->fiscal_period);
    }
    if (d->gloss)
      tw_event_builder_set_attribute(eb, "gloss", d->gloss);
    if (d->relative && anchor_name(d->anchor)) {
      tw_event_builder_set_attribute(eb, "anchor", anchor_name(d->anchor));
      if (d->anchor_date)
        tw_event_builder_set_attribute(eb, "anchor-date", d->anchor_date);
    }
    if (ctx->heading)
      tw_event_builder_set_attribute(eb, "heading", ctx->heading);
    if (ctx->heading_tags && ctx->heading_slug && *ctx->heading_slug)
      tw_event_builder_add_tag(eb, ctx->heading_slug);
    for (guint j = 0; ctx->tags && ctx->tags[j]; j++)
      tw_event_builder_add_tag(eb, ctx->tags[j]);
    g_autofree char *native =
        g_strdup_printf("%" G_GSIZE_FORMAT ":%.*s", cs, (int)(d->end - d->start), t + d->start);
    tw_event_builder_set_native_id(eb, native);
    g_autoptr(GError) problem = NULL;
    if (!tw_sink_commit(ctx->sink, &problem))
      ok = tw_sink_warn_error(ctx->sink, problem, error);
  }
  _tw_text_dates_free(dates);
  _tw_text_problems_free(problems);
  return ok;
}

/* A short first block that is only a date ("Published: February 20, 2026") is the document's
 * date line: it gives the reference date (unless the option does) and no event. */
static gboolean
take_date_line(TextContext *ctx, const char *t, gsize n)
{
  if (n > 100)
    return FALSE;
  GArray *dates = NULL;
  gboolean is = _tw_text_tagger_tag(ctx->tagger, t, n, TEXT_ROLE_DATELINE, &dates, NULL);
  if (is && !ctx->reference_given && !_tw_text_tagger_has_reference(ctx->tagger))
    _tw_text_tagger_set_reference(ctx->tagger, &g_array_index(dates, TextDate, 0).date);
  _tw_text_dates_free(dates);
  return is;
}

/* A news dateline opening the first paragraph: "SHANGHAI, Feb. 19, 2026 -- Shares rose...".
 * Returns where the prose begins (0 when there is no dateline). */
static gsize
take_dateline(TextContext *ctx, const char *t, gsize n)
{
  if (n == 0 || !g_ascii_isupper(t[0]))
    return 0;
  gsize limit = MIN(n, 80);
  for (gsize k = 1; k + 1 < limit; k++) {
    gsize dash_len = 0;
    if (t[k] == '-' && t[k + 1] == '-')
      dash_len = 2;
    else if (k + 2 < n && (unsigned char)t[k] == 0xE2 && (unsigned char)t[k + 1] == 0x80 &&
             ((unsigned char)t[k + 2] == 0x94 || (unsigned char)t[k + 2] == 0x93))
      dash_len = 3;
    else if (t[k] == '-' && t[k - 1] == ' ' && t[k + 1] == ' ')
      dash_len = 1;
    if (!dash_len)
      continue;
    if (!take_date_line(ctx, t, k))
      return 0;
    gsize rest = k + dash_len;
    while (rest < n && g_ascii_isspace(t[rest]))
      rest++;
    return rest;
  }
  return 0;
}

static gboolean
process_block(TextContext *ctx, GError **error)
{
  Block *b = &ctx->block;
  if (!b->open)
    return TRUE;
  gboolean ok = TRUE;
  const char *t = b->text->str;
  gsize n = b->text->len;
  while (n > 0 && g_ascii_isspace(t[n - 1]))
    n--;
  gsize from = 0;
  while (from < n && g_ascii_isspace(t[from]))
    from++;
  if (from < n) {
    _tw_text_tagger_begin_block(ctx->tagger);
    gboolean date_line = FALSE;
    if (!ctx->prose_started && ctx->blocks_seen < 6 && !b->list_item) {
      if (b->lines == 1 && take_date_line(ctx, t + from, n - from)) {
        date_line = TRUE;
      } else {
        gsize rest = take_dateline(ctx, t + from, n - from);
        from += rest;
      }
      ctx->blocks_seen++;
      if (!date_line && n - from > 100)
        ctx->prose_started = TRUE;
    }
    if (!date_line) {
      g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(gsize));
      split_sentences(t + from, n - from, spans);
      for (guint k = 0; k + 1 < spans->len && ok; k += 2) {
        gsize s = from + g_array_index(spans, gsize, k);
        gsize e = from + g_array_index(spans, gsize, k + 1);
        while (s < e && g_ascii_isspace(t[s]))
          s++;
        while (e > s && g_ascii_isspace(t[e - 1]))
          e--;
        if (e > s)
          ok = emit_sentence(ctx, s, e, error);
      }
    }
  }
  block_reset(b);
  return ok;
}

static void
process_heading(TextContext *ctx, int level, gsize start, gsize end)
{
  Block *b = &ctx->block;
  block_reset(b);
  add_inline(b, ctx->doc, start, end);
  char *text = g_strstrip(g_strdup(b->text->str));
  _tw_text_tagger_begin_section(ctx->tagger, level);
  _tw_text_tagger_begin_block(ctx->tagger);
  GArray *dates = NULL;
  _tw_text_tagger_tag(ctx->tagger, text, strlen(text), TEXT_ROLE_HEADING, &dates, NULL);
  _tw_text_dates_free(dates);
  g_free(ctx->heading);
  g_free(ctx->heading_slug);
  ctx->heading = text;
  ctx->heading_slug = slug(text);
  block_reset(b);
}

/* ------------------------------------------------------------------ lines */

static gsize
skip_spaces(const char *doc, gsize i, gsize end)
{
  while (i < end && (doc[i] == ' ' || doc[i] == '\t'))
    i++;
  return i;
}

static gboolean
only_chars(const char *doc, gsize i, gsize end, const char *allowed, int min_marks, char mark)
{
  int marks = 0;
  for (; i < end; i++) {
    if (!strchr(allowed, doc[i]))
      return FALSE;
    if (doc[i] == mark)
      marks++;
  }
  return marks >= min_marks;
}

/* A list item marker ("- ", "* ", "+ ", "1. ", "1) "): returns where the item text begins, 0 if
 * none. */
static gsize
list_marker(const char *doc, gsize i, gsize end)
{
  if (i + 1 < end && (doc[i] == '-' || doc[i] == '*' || doc[i] == '+') && doc[i + 1] == ' ')
    return skip_spaces(doc, i + 2, end);
  gsize k = i;
  while (k < end && k - i < 9 && g_ascii_isdigit(doc[k]))
    k++;
  if (k > i && k + 1 < end && (doc[k] == '.' || doc[k] == ')') && doc[k + 1] == ' ')
    return skip_spaces(doc, k + 2, end);
  return 0;
}

static gboolean
read_document(TextContext *ctx, GError **error)
{
  const char *doc = ctx->doc;
  gsize len = ctx->len;
  Block *b = &ctx->block;
  gboolean in_fence = FALSE, in_comment = FALSE, in_front = FALSE;
  char fence = 0;
  guint lineno = 0;
  gsize pos = 0;
  if (len >= 3 && memcmp(doc, "\xef\xbb\xbf", 3) == 0)
    pos = 3;
  gsize para_line_start = 0, para_line_end = 0; /* the paragraph's single line, for setext */

  while (pos < len) {
    gsize eol = pos;
    while (eol < len && doc[eol] != '\n')
      eol++;
    gsize end = eol;
    if (end > pos && doc[end - 1] == '\r')
      end--;
    gsize line_start = pos;
    pos = eol < len ? eol + 1 : len;
    lineno++;
    gsize i = skip_spaces(doc, line_start, end);

    if (lineno == 1 && end - line_start == 3 && memcmp(doc + line_start, "---", 3) == 0) {
      in_front = TRUE;
      continue;
    }
    if (in_front) {
      if ((end - i == 3 && (memcmp(doc + i, "---", 3) == 0 || memcmp(doc + i, "...", 3) == 0))) {
        in_front = FALSE;
        continue;
      }
      if (end - i > 5 && g_ascii_strncasecmp(doc + i, "date:", 5) == 0 && !ctx->reference_given &&
          !_tw_text_tagger_has_reference(ctx->tagger)) {
        g_autofree char *value = g_strndup(doc + i + 5, end - i - 5);
        g_strstrip(value);
        if (value[0] == '"' || value[0] == '\'') {
          gsize l = strlen(value);
          if (l >= 2 && value[l - 1] == value[0]) {
            value[l - 1] = '\0';
            memmove(value, value + 1, l - 1);
          }
        }
        TwDate date;
        if (tw_date_parse(value, NULL, &date, NULL) && date.precision >= TW_PRECISION_DAY)
          _tw_text_tagger_set_reference(ctx->tagger, &date);
        else if (tw_date_parse(value, NULL, &date, NULL)) {
          /* a time: its day */
          tw_date_set_precision(&date, TW_PRECISION_DAY);
          _tw_text_tagger_set_reference(ctx->tagger, &date);
        }
      }
      continue;
    }
    if (in_fence) {
      if (end - i >= 3 && doc[i] == fence && doc[i + 1] == fence && doc[i + 2] == fence)
        in_fence = FALSE;
      continue;
    }
    if (in_comment) {
      if (g_strstr_len(doc + line_start, (gssize)(end - line_start), "-->"))
        in_comment = FALSE;
      continue;
    }
    if (end - i >= 3 && (doc[i] == '`' || doc[i] == '~') && doc[i + 1] == doc[i] &&
        doc[i + 2] == doc[i]) {
      if (!process_block(ctx, error))
        return FALSE;
      in_fence = TRUE;
      fence = doc[i];
      continue;
    }
    if (end - i >= 4 && memcmp(doc + i, "<!--", 4) == 0) {
      const char *close = g_strstr_len(doc + i + 4, (gssize)(end - i - 4), "-->");
      if (!close) {
        if (!process_block(ctx, error))
          return FALSE;
        in_comment = TRUE;
        continue;
      }
      if ((gsize)(close - doc) + 3 == end ||
          skip_spaces(doc, (gsize)(close - doc) + 3, end) == end) {
        if (!process_block(ctx, error))
          return FALSE;
        continue;
      }
    }
    if (i == end) {
      if (!process_block(ctx, error))
        return FALSE;
      continue;
    }
    /* ATX heading */
    if (doc[i] == '#') {
      gsize k = i;
      while (k < end && doc[k] == '#')
        k++;
      if (k - i <= 6 && (k == end || doc[k] == ' ' || doc[k] == '\t')) {
        if (!process_block(ctx, error))
          return FALSE;
        gsize he = end;
        while (he > k && (doc[he - 1] == '#' || doc[he - 1] == ' ' || doc[he - 1] == '\t'))
          he--;
        process_heading(ctx, (int)(k - i), skip_spaces(doc, k, he), he);
        continue;
      }
    }
    /* setext heading underline, or a thematic break */
    if (only_chars(doc, i, end, "= \t", 1, '=') && b->open && b->lines == 1 && !b->list_item) {
      block_reset(b);
      process_heading(ctx, 1, para_line_start, para_line_end);
      continue;
    }
    if (only_chars(doc, i, end, "- \t", 2, '-') && b->open && b->lines == 1 && !b->list_item) {
      block_reset(b);
      process_heading(ctx, 2, para_line_start, para_line_end);
      continue;
    }
    if (only_chars(doc, i, end, "-* _\t", 3, doc[i]) &&
        (doc[i] == '-' || doc[i] == '*' || doc[i] == '_')) {
      if (!process_block(ctx, error))
        return FALSE;
      continue;
    }
    /* table row: each row is one unit, its cells joined by " | " */
    if (doc[i] == '|') {
      if (!process_block(ctx, error))
        return FALSE;
      if (only_chars(doc, i, end, "|-: \t", 1, '-'))
        continue;
      gsize c = i + 1;
      gboolean first = TRUE;
      while (c < end) {
        gsize ce = c;
        while (ce < end && !(doc[ce] == '|' && doc[ce - 1] != '\\'))
          ce++;
        gsize a = skip_spaces(doc, c, ce), z = ce;
        while (z > a && (doc[z - 1] == ' ' || doc[z - 1] == '\t'))
          z--;
        if (z > a || (ce < end)) {
          if (!first)
            block_put(b, " | ", 3, c > 0 ? c - 1 : 0);
          add_inline(b, doc, a, z);
          first = FALSE;
        }
        c = ce + 1;
      }
      b->open = TRUE;
      b->lines = 1;
      if (!process_block(ctx, error))
        return FALSE;
      continue;
    }
    /* block quote markers are dropped */
    while (i < end && doc[i] == '>') {
      i++;
      i = skip_spaces(doc, i, end);
    }
    gsize item = list_marker(doc, i, end);
    /* as in CommonMark, a numbered item interrupts a paragraph only when it is number 1 (a
     * wrapped line may begin with "2024. ") */
    if (item && b->open && !b->list_item && g_ascii_isdigit(doc[i]) &&
        !(doc[i] == '1' && !g_ascii_isdigit(doc[i + 1])))
      item = 0;
    if (item) {
      if (!process_block(ctx, error))
        return FALSE;
      b->list_item = TRUE;
      i = item;
    }
    if (b->open) {
      block_put_char(b, ' ', line_start > 0 ? line_start - 1 : 0);
    } else {
      para_line_start = i;
      para_line_end = end;
    }
    add_inline(b, doc, i, end);
    b->open = TRUE;
    b->lines++;
  }
  return process_block(ctx, error);
}

static gboolean
text_read(TwSource *source, TwSink *sink, GError **error)
{
  const TwOptions *options = tw_source_get_options(source);
  TextTaggerOptions topt;
  memset(&topt, 0, sizeof topt);
  const char *order = tw_options_get_string(options, "date-order");
  topt.date_order = g_strcmp0(order, "dmy") == 0   ? TEXT_ORDER_DMY
                    : g_strcmp0(order, "mdy") == 0 ? TEXT_ORDER_MDY
                                                   : TEXT_ORDER_AUTO;
  topt.fiscal_start = _tw_text_month_from_name(tw_options_get_string(options, "fiscal-year-start"));
  topt.fiscal_named_by_start =
      g_strcmp0(tw_options_get_string(options, "fiscal-year-name"), "start") == 0;

  TwReader *reader = tw_source_open(source, error);
  if (!reader)
    return FALSE;
  GBytes *bytes = tw_reader_read_all(reader, TEXT_MAX_DOCUMENT, error);
  TextContext ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.file = tw_reader_get_name(reader);
  if (!bytes) {
    tw_reader_free(reader);
    return FALSE;
  }
  gsize len;
  ctx.doc = g_bytes_get_data(bytes, &len);
  ctx.len = len;
  if (!ctx.doc)
    ctx.doc = "";
  /* Prose has no NUL byte; a binary file (or UTF-16 text) has them early on (git's test). */
  const char *nul = memchr(ctx.doc, '\0', MIN(ctx.len, 8000));
  if (nul) {
    guint line = 1;
    for (const char *p = ctx.doc; p < nul; p++)
      line += *p == '\n';
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "%s:%u: not UTF-8 text: a NUL byte (a binary file, or UTF-16?)", ctx.file, line);
    g_bytes_unref(bytes);
    tw_reader_free(reader);
    return FALSE;
  }
  ctx.sink = sink;
  ctx.kind = tw_options_get_string(options, "kind");
  ctx.tags = tw_options_get_list(options, "tags");
  ctx.heading_tags = tw_options_get_bool(options, "heading-tags");
  ctx.title_length = tw_options_get_int(options, "title-length");
  if (ctx.title_length < 20)
    ctx.title_length = 20;
  ctx.tagger = _tw_text_tagger_new(&topt);
  TwDate reference;
  if (tw_options_get_date(options, "reference-date", &reference)) {
    if (reference.precision < TW_PRECISION_DAY)
      tw_date_set_precision(&reference, TW_PRECISION_DAY);
    reference.qualifier = TW_QUALIFIER_NONE;
    tw_date_set_precision(&reference, reference.precision);
    _tw_text_tagger_set_reference(ctx.tagger, &reference);
    ctx.reference_given = TRUE;
  }
  ctx.line_starts = g_array_new(FALSE, FALSE, sizeof(gsize));
  gsize zero = 0;
  g_array_append_val(ctx.line_starts, zero);
  for (gsize i = 0; i < ctx.len; i++)
    if (ctx.doc[i] == '\n') {
      gsize next = i + 1;
      g_array_append_val(ctx.line_starts, next);
    }
  ctx.block.text = g_string_new(NULL);
  ctx.block.map = g_array_new(FALSE, FALSE, sizeof(gsize));
  ctx.block.links = g_array_new(FALSE, FALSE, sizeof(Link));

  gboolean ok = read_document(&ctx, error);

  block_reset(&ctx.block);
  g_string_free(ctx.block.text, TRUE);
  g_array_free(ctx.block.map, TRUE);
  g_array_free(ctx.block.links, TRUE);
  g_array_free(ctx.line_starts, TRUE);
  g_free(ctx.heading);
  g_free(ctx.heading_slug);
  _tw_text_tagger_free(ctx.tagger);
  g_bytes_unref(bytes);
  tw_reader_free(reader);
  return ok;
}

static const TwOptionSpec text_options[] = {
    {"reference-date",
     TW_OPTION_DATE,
     NULL,
     "The day the text was written: relative dates count from it (yesterday, last week, next "
     "year, in 12 months) and dates without a year take theirs from it. Default: the document's "
     "own date, from a date: line of YAML front matter, a date line near the top (Published: "
     "February 20, 2026) or a news dateline (SHANGHAI, Feb. 19, 2026 --). Without any, relative "
     "dates count from the last date the text mentioned.",
     NULL,
     {NULL}},
    {"date-order",
     TW_OPTION_CHOICE,
     "auto",
     "How to read numeric dates such as 03/04/2026: dmy (3 April) or mdy (March 4). auto reads "
     "those that only one order makes valid (13/02/2026) and skips the others with a warning.",
     "auto|dmy|mdy",
     {NULL}},
    {"fiscal-year-start",
     TW_OPTION_CHOICE,
     NULL,
     "The month the writer's fiscal year begins (NVIDIA: february, Microsoft: july, the US "
     "government: october). Fiscal periods (fiscal Q1 2026, FY26, the first quarter of fiscal "
     "2027) then become the calendar months they cover. Without it they are read as calendar "
     "periods and marked with the attribute fiscal=true.",
     "january|february|march|april|may|june|july|august|september|october|november|december",
     {NULL}},
    {"fiscal-year-name",
     TW_OPTION_CHOICE,
     "end",
     "Which calendar year names a fiscal year: end (fiscal 2026 ends in 2026, the usual rule: "
     "NVIDIA, Microsoft, Apple, the US government) or start.",
     "end|start",
     {NULL}},
    {"kind", TW_OPTION_STRING, "statement", "The kind given to every event.", NULL, {NULL}},
    {"tags", TW_OPTION_LIST, NULL, "Tags added to every event (separated by ;).", NULL, {NULL}},
    {"heading-tags",
     TW_OPTION_BOOL,
     "true",
     "Tag each event with the heading above it, as a slug (## Export controls gives "
     "export-controls). The heading's text is always kept in the attribute heading.",
     NULL,
     {NULL}},
    {"title-length",
     TW_OPTION_INT,
     "120",
     "Sentences longer than this many characters are titled by the clause that holds the date "
     "(a clause longer than twice this is cut at a word); the description keeps the whole "
     "sentence.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

static const TwSourceInfo text_source = {
    .name = "text",
    .summary = "Dated statements from prose: plain text and Markdown",
    .description =
        "Reads articles, reports and notes, and turns each date a sentence states into an event "
        "of kind statement: the date as precise as the text makes it (a day, a month, a quarter, "
        "early 2025, by 2027, around 2029, from March to May 2026), the sentence as the title "
        "(the clause that holds the date when the sentence is long) and the whole sentence as "
        "the description. The attributes expression, expression-start and expression-end give "
        "the text of the date and its character offsets in the file; range-end, fiscal, "
        "fiscal-period, anchor, anchor-date, gloss and heading say more where they apply. Reads "
        "calendar dates (February 13, 2026; 13 February 2026; Feb. 13; 2026-02-13; 13/02/2026 "
        "by date-order), months, quarters, halves, seasons, years, decades and centuries, "
        "fiscal periods, qualifiers (early, mid, late, the end of), bounds (by, since, before, "
        "after, around), ranges, and relative dates (yesterday, last week, two days later, next "
        "year, in 12 months, three years from now, this spring). Amounts, counts, percentages, "
        "versions (Gemini 3.1), model names (H200), times of day alone and durations are not "
        "dates. Markdown structure is understood: headings (their text becomes a tag and an "
        "attribute, and a heading that is a date anchors its section), lists, tables, links (an "
        "event's url), front matter and code blocks (skipped). A date that cannot be placed "
        "(\"yesterday\" in a text without a date) is skipped with a warning.",
    .options = text_options,
    .read = text_read,
};

static const TwSourceInfo *const text_sources[] = {&text_source, NULL};

TW_PLUGIN_DEFINE("text", TW_VERSION, "Reads dated statements from prose (text, Markdown)", NULL,
                 text_sources, NULL, NULL)
