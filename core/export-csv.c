/* timeweave: the csv exporter (RFC 4180), one row per event, streamed.
 *
 * Cells are quoted only when they must be (a delimiter, a quote, CR or LF inside, or a space
 * at either end), quotes are doubled, rows end with CRLF. Spreadsheets run a cell that starts
 * with `=`, `+`, `-`, `@`, TAB or CR as a formula (CSV injection), so by default such a cell
 * gets a leading `'` as OWASP advises; `formula-escape=false` writes the text as it is.
 */
#include "export-common.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
  GString *out;
  char delimiter;
  gboolean formula_escape;
  gboolean row_empty;
} CsvWriter;

static void
csv_writer_set_delimiter(CsvWriter *w, char delimiter)
{
  w->delimiter = delimiter;
}

/* Begins a cell: the delimiter before it, unless it is the row's first. */
static inline void
csv_begin_cell(CsvWriter *w)
{
  if (!w->row_empty)
    g_string_append_c(w->out, w->delimiter);
  w->row_empty = FALSE;
}

/* Writes a cell of @length bytes; @quote: it holds a byte that needs quotes. */
static void
csv_cell_write(CsvWriter *w, const char *text, gsize length, gboolean quote)
{
  gboolean escape;

  csv_begin_cell(w);
  if (length == 0)
    return;

  /* Text that already begins with quotes before such a character (`'=x`) gets one more, so
   * that the csv source, which takes one off, gives it back as it was (and a spreadsheet,
   * which hides one, shows it so). */
  gsize quotes = 0;
  while (quotes < length && text[quotes] == '\'')
    quotes++;
  switch (text[quotes]) {
  case '=':
  case '+':
  case '-':
  case '@':
  case '\t':
  case '\r':
    escape = w->formula_escape;
    break;
  default:
    escape = FALSE;
    break;
  }
  /* A space at either end (the leading `'` of an escaped cell is not a space). */
  if (text[0] == ' ' || text[length - 1] == ' ')
    quote = TRUE;
  if (!quote) {
    if (escape)
      g_string_append_c(w->out, '\'');
    _tw_export_append(w->out, text, length);
    return;
  }

  g_string_append_c(w->out, '"');
  if (escape)
    g_string_append_c(w->out, '\'');
  for (const char *p = text, *end = text + length; p < end;) {
    const char *quote_mark = memchr(p, '"', (gsize)(end - p));

    if (quote_mark == NULL) {
      _tw_export_append(w->out, p, (gsize)(end - p));
      break;
    }
    /* Up to and including the quote, then the quote once more. */
    _tw_export_append(w->out, p, (gsize)(quote_mark - p + 1));
    g_string_append_c(w->out, '"');
    p = quote_mark + 1;
  }
  g_string_append_c(w->out, '"');
}

/* Whether @length bytes of @text hold a byte that makes a cell quoted. Sixteen bytes at a time
 * with SSE2 (the last block overlapping the one before rather than reading past the end): a
 * CSV row is some seventeen cells, and this was a fifth of the export's time as a loop over
 * bytes, and as much again as strcspn(), whose setup costs more than a short cell. */
static gboolean
csv_needs_quotes(const CsvWriter *w, const char *text, gsize length)
{
  gsize i = 0;
#if defined(__SSE2__)
  if (length >= 16) {
    const __m128i quote = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    const __m128i delimiter = _mm_set1_epi8(w->delimiter);
    for (;;) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
      __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, cr)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, lf), _mm_cmpeq_epi8(x, delimiter)));
      if (_mm_movemask_epi8(hit))
        return TRUE;
      if (i + 16 == length)
        return FALSE;
      i = i + 32 <= length ? i + 16 : length - 16;
    }
  }
#endif
  for (; i < length; i++) {
    char c = text[i];
    if (c == '"' || c == '\r' || c == '\n' || c == w->delimiter)
      return TRUE;
  }
  return FALSE;
}

/* A cell of @length bytes of @text. */
static void
csv_cell_len(CsvWriter *w, const char *text, gsize length)
{
  csv_cell_write(w, text, length, csv_needs_quotes(w, text, length));
}

static void
csv_cell_text(CsvWriter *w, const char *text)
{
  gsize length = strlen(text);
  csv_cell_write(w, text, length, csv_needs_quotes(w, text, length));
}

/* A cell of the string @text (NULL: empty). Half a row's cells are empty: the delimiter alone,
 * without a call. */
G_ALWAYS_INLINE static inline void
csv_cell(CsvWriter *w, const char *text)
{
  if (!text || !*text)
    csv_begin_cell(w);
  else
    csv_cell_text(w, text);
}

static void
csv_end_row(CsvWriter *w)
{
  _tw_export_append(w->out, "\r\n", 2);
  w->row_empty = TRUE;
}

static void
csv_row(CsvWriter *w, const char *const *cells)
{
  for (guint i = 0; cells[i] != NULL; i++)
    csv_cell(w, cells[i]);
  csv_end_row(w);
}

/* The attributes cell: a JSON object (empty without attributes). It always holds quotes, so
 * it is written quoted, its quotes doubled as it is made, rather than made and then scanned
 * for what needs quoting. (It begins with `{`: no formula escape.) */
static void
csv_attributes_cell(CsvWriter *w, guint n, TwAttribute (*get)(gconstpointer, guint),
                    gconstpointer owner)
{
  if (n == 0) {
    csv_cell_write(w, "", 0, FALSE);
    return;
  }
  csv_begin_cell(w);
  _tw_export_append(w->out, "\"{", 2);
  for (guint i = 0; i < n; i++) {
    TwAttribute attribute = get(owner, i);

    if (i > 0)
      g_string_append_c(w->out, ',');
    _tw_export_json_string_in_csv(w->out, attribute.key);
    g_string_append_c(w->out, ':');
    _tw_export_json_string_in_csv(w->out, attribute.value);
  }
  _tw_export_append(w->out, "}\"", 2);
}

static TwAttribute
get_event_attribute(gconstpointer event, guint index)
{
  return _tw_event_attribute(event, index);
}

static TwAttribute
get_finding_attribute(gconstpointer finding, guint index)
{
  return *tw_finding_get_attribute(finding, index);
}

static void
append_joined(GString *s, guint n, const char *(*get)(const TwEvent *, guint), const TwEvent *event)
{
  for (guint i = 0; i < n; i++) {
    const char *text = get(event, i);

    if (i > 0)
      g_string_append_c(s, ';');
    _tw_export_append(s, text, strlen(text));
  }
}

/* For each event id, the ids its links point to, in link order, each once. */
static GHashTable *
collect_links(const TwTimeline *timeline)
{
  GHashTable *targets =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  guint n = tw_timeline_get_n_links(timeline);

  for (guint i = 0; i < n; i++) {
    const TwLink *link = tw_timeline_get_link(timeline, i);
    const char *from = tw_link_get_from(link);
    const char *to = tw_link_get_to(link);
    GPtrArray *list = g_hash_table_lookup(targets, from);

    if (list == NULL) {
      list = g_ptr_array_new();
      g_hash_table_insert(targets, (gpointer)from, list);
    }
    if (!g_ptr_array_find_with_equal_func(list, to, g_str_equal, NULL))
      g_ptr_array_add(list, (gpointer)to);
  }
  return targets;
}

static const char *const event_header[] = {
    "id",       "start", "end",       "precision",  "title",       "source",
    "kind",     "tags",  "qualifier", "date",       "description", "actors",
    "location", "url",   "zone",      "attributes", "links",       NULL,
};

/* Cells made from what events share, kept for the next events that share it: an event's source
 * and kind (one TwEventNames for most of a source's events), its tags (a list shared by the
 * events with the same tags) and the keys of its attributes (TW_ATTRIBUTES_VALUES: one array for
 * a source's rows), so that a row writes those as one copy, not a cell or a JSON string each.
 * Slots are found by a hash of the shared thing's address. Each shard has its own (a 16 MiB chunk
 * of a file is a shard), and in time order the events of all of them alternate: 10M CSV events
 * are some 72 shards with several names and lists each, and a body file's few shards have their
 * names and lists at the same places of their arenas. With 64 slots found by the address's low
 * bits, 65% of the lookups of the 10M CSV events missed and 42% of a 1M-entry body file's; with
 * 1024 found by its hash, 16% (mostly lists of tags; 4096 slots: 11.5%) and none. An address
 * names one text for the whole export because of what the store promises (private.h, TwEvent):
 * shared names and arrays are never changed in place (a change makes new ones), and nothing of
 * an in-memory timeline is freed before it is. Not for a timeline on disk, whose events are read
 * back into memory that is used again, where an address may hold other names later. */
#define CELL_CACHE_BITS 10
#define CELL_CACHE_SLOTS (1u << CELL_CACHE_BITS)

typedef struct {
  gconstpointer owner; /* what the text was made for; NULL: none yet */
  guint n;             /* of tags or attribute keys */
  GString *text;
  /* For attribute keys: where the text before each value ends (`{"key":`, then `,"key":`). */
  guint *ends;
} CellSlot;

typedef struct {
  CellSlot names[CELL_CACHE_SLOTS];
  CellSlot tags[CELL_CACHE_SLOTS];
  CellSlot keys[CELL_CACHE_SLOTS];
} CellCache;

static void
cell_cache_clear(CellCache *cache)
{
  CellSlot *all[] = {cache->names, cache->tags, cache->keys};
  for (guint k = 0; k < G_N_ELEMENTS(all); k++) {
    for (guint i = 0; i < CELL_CACHE_SLOTS; i++) {
      if (all[k][i].text)
        g_string_free(all[k][i].text, TRUE);
      g_free(all[k][i].ends);
    }
  }
}

/* The slot of @slots for @owner with @n items: TRUE when it holds its text already; else it is
 * emptied and taken for @owner, and the caller makes the text. */
static gboolean
cell_slot_find(CellSlot *slots, gconstpointer owner, guint n, CellSlot **found)
{
  g_assert(owner != NULL);
  /* (Fibonacci hashing: the top bits of the address times 2^64 / phi.) */
  guint64 hash = (guint64)(guintptr)owner * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
  CellSlot *slot = &slots[hash >> (64 - CELL_CACHE_BITS)];
  *found = slot;
  if (slot->owner == owner && slot->n == n)
    return TRUE;
  if (!slot->text)
    slot->text = g_string_new(NULL);
  g_string_truncate(slot->text, 0);
  slot->owner = owner;
  slot->n = n;
  return FALSE;
}

/* Writes cells of @event into @w (with @scratch for its own use). */
typedef void (*CsvCellsFunc)(CsvWriter *w, GString *scratch, const TwEvent *event);

/* The cells @make writes for @event, which depend only on @owner (with @n items), a thing
 * events share: made into a slot of @slots the first time, copied after; made in place without
 * slots (no cache) or without an owner. */
static void
csv_shared_cells(CsvWriter *w, CellSlot *slots, gconstpointer owner, guint n, CsvCellsFunc make,
                 GString *scratch, const TwEvent *event)
{
  CellSlot *slot;
  if (!slots || !owner) {
    make(w, scratch, event);
    return;
  }
  if (!cell_slot_find(slots, owner, n, &slot)) {
    CsvWriter made = *w;
    made.out = slot->text;
    made.row_empty = TRUE;
    make(&made, scratch, event);
  }
  csv_begin_cell(w);
  _tw_export_append(w->out, slot->text->str, slot->text->len);
}

/* The source and kind cells of @event. */
static void
csv_names_cells(CsvWriter *w, GString *scratch, const TwEvent *event)
{
  (void)scratch;
  csv_cell(w, tw_event_get_source(event));
  csv_cell(w, tw_event_get_kind(event));
}

/* The tags cell of @event. */
static void
csv_tags_cell(CsvWriter *w, GString *scratch, const TwEvent *event)
{
  g_string_truncate(scratch, 0);
  append_joined(scratch, tw_event_get_n_tags(event), tw_event_get_tag, event);
  csv_cell_len(w, scratch->str, scratch->len);
}

/* The attributes cell of @event, as csv_attributes_cell() writes it: with the text between the
 * values made once for each array of keys when the record keeps values alone. */
static void
csv_event_attributes_cell(CsvWriter *w, CellCache *cache, const TwEvent *event)
{
  guint n = tw_event_get_n_attributes(event);
  /* Loaded once: another thread may make the pairs (tw_event_get_attribute()). */
  guintptr field = (guintptr)__atomic_load_n(&event->attributes, __ATOMIC_ACQUIRE);
  if (n == 0 || !(field & TW_ATTRIBUTES_VALUES) || !cache) {
    csv_attributes_cell(w, n, get_event_attribute, event);
    return;
  }
  const char *const *keys = event->names->keys;
  const char *const *values = (const char *const *)(field & ~TW_ATTRIBUTES_VALUES);
  CellSlot *slot;
  if (!cell_slot_find(cache->keys, keys, n, &slot)) {
    slot->ends = g_renew(guint, slot->ends, n);
    g_string_append(slot->text, "\"{");
    for (guint i = 0; i < n; i++) {
      if (i > 0)
        g_string_append_c(slot->text, ',');
      _tw_export_json_string_in_csv(slot->text, keys[i]);
      g_string_append_c(slot->text, ':');
      slot->ends[i] = (guint)slot->text->len;
    }
  }
  csv_begin_cell(w);
  guint from = 0;
  for (guint i = 0; i < n; i++) {
    _tw_export_append(w->out, slot->text->str + from, slot->ends[i] - from);
    _tw_export_json_string_in_csv(w->out, values[i]);
    from = slot->ends[i];
  }
  _tw_export_append(w->out, "}\"", 2);
}

/* Where @n more bytes go after @s's text, room made for them (and the NUL); csv_commit() then
 * takes them in up to @end. */
static inline char *
csv_reserve(GString *s, gsize n)
{
  if (G_UNLIKELY(s->allocated_len - s->len <= n)) {
    gsize length = s->len;
    g_string_set_size(s, length + n); /* (grows the allocation, which shrinking keeps) */
    g_string_set_size(s, length);
  }
  return s->str + s->len;
}

static inline void
csv_commit(GString *s, char *end)
{
  s->len = (gsize)(end - s->str);
  s->str[s->len] = '\0';
}

/* Writes at @p, reserved, the cell of @length bytes of @text (the delimiter before it unless it
 * is the row's first), text that timeweave wrote itself in an alphabet that never needs quotes
 * or a formula escape with any of the delimiters offered: hex ids, ISO 8601 times and dates
 * (digits, letters, `-:.+~` and inner spaces, never first), precision and qualifier words. Six
 * of a row's seventeen cells: the scan for quotes cost more than their copy. Returns the end. */
static inline char *
put_cell(char *p, CsvWriter *w, const char *text, gsize length)
{
#ifndef NDEBUG /* (the tests' builds check it; release builds, -Db_ndebug=true, do not) */
  g_assert(length == 0 || (!csv_needs_quotes(w, text, length) && text[0] != ' ' &&
                           text[length - 1] != ' ' && !strchr("=+-@\t\r", text[0])));
#endif
  if (!w->row_empty)
    *p++ = w->delimiter;
  w->row_empty = FALSE;
  if (length)
    memcpy(p, text, length);
  return p + length;
}

static void
write_event_row(CsvWriter *w, TwExportDates *dates, CellCache *cache, GHashTable *links,
                GString *scratch, const TwEvent *event)
{
  char start[TW_TIME_FORMAT_SIZE], end[TW_TIME_FORMAT_SIZE], date[TW_EXPORT_DATE_SIZE];
  gsize start_length = _tw_export_time_text(dates, event, tw_event_get_start(event), start);
  gsize end_length = tw_event_get_end(event) == tw_event_get_start(event)
                         ? (memcpy(end, start, start_length + 1), start_length)
                         : _tw_export_time_text(dates, event, tw_event_get_end(event), end);
  gsize date_length = _tw_export_date_is_start(dates, event)
                          ? (memcpy(date, start, start_length + 1), start_length)
                          : _tw_export_date_into(dates, event, date);
  TwQualifier qualifier = tw_event_get_qualifier(event);
  GPtrArray *targets;
  char id_buf[TW_ID_TEXT_SIZE];
  const char *id = _tw_event_id_text(event, id_buf);

  const char *precision = tw_precision_to_string(tw_event_get_precision(event));
  const gsize precision_length = precision ? strlen(precision) : 0;
  /* The cells of timeweave's own text, which never need quotes (put_cell()), are written
   * a run at a time: one check of room for the run, not a delimiter and an append each. (An id
   * written into id_buf is hex; one stored as text came from a source.) */
  if (id != id_buf)
    csv_cell(w, id);
  char *p = csv_reserve(w->out, TW_ID_TEXT_SIZE + start_length + end_length + precision_length + 4);
  if (id == id_buf) {
    p = put_cell(p, w, id, TW_ID_TEXT_SIZE - 1);
  }
  p = put_cell(p, w, start, start_length);
  p = put_cell(p, w, end, end_length);
  p = put_cell(p, w, precision, precision_length);
  csv_commit(w->out, p);
  csv_cell(w, tw_event_get_title(event));
  csv_shared_cells(w, cache ? cache->names : NULL, event->names, 0, csv_names_cells, scratch,
                   event);
  csv_shared_cells(w, cache ? cache->tags : NULL, event->n_tags ? event->tags : NULL, event->n_tags,
                   csv_tags_cell, scratch, event);
  const char *qualifier_text =
      qualifier != TW_QUALIFIER_NONE ? tw_qualifier_to_string(qualifier) : NULL;
  const gsize qualifier_length = qualifier_text ? strlen(qualifier_text) : 0;
  p = csv_reserve(w->out, qualifier_length + date_length + 2);
  p = put_cell(p, w, qualifier_text, qualifier_length);
  p = put_cell(p, w, date, date_length);
  csv_commit(w->out, p);
  const char *zone = tw_event_get_zone(event);
  if (!event->more && (!zone || !*zone)) {
    /* No description, actors, location, url or zone (most events): five empty cells. */
    p = csv_reserve(w->out, 5);
    memset(p, w->delimiter, 5);
    csv_commit(w->out, p + 5);
  } else {
    csv_cell(w, tw_event_get_description(event));
    if (tw_event_get_n_actors(event) == 0) {
      csv_begin_cell(w);
    } else {
      g_string_truncate(scratch, 0);
      append_joined(scratch, tw_event_get_n_actors(event), tw_event_get_actor, event);
      csv_cell_len(w, scratch->str, scratch->len);
    }
    csv_cell(w, tw_event_get_location(event));
    csv_cell(w, tw_event_get_url(event));
    csv_cell(w, zone);
  }
  csv_event_attributes_cell(w, cache, event);
  targets = links != NULL ? g_hash_table_lookup(links, id) : NULL;
  if (!targets) {
    csv_begin_cell(w);
  } else {
    g_string_truncate(scratch, 0);
    for (guint i = 0; i < targets->len; i++) {
      if (i > 0)
        g_string_append_c(scratch, ';');
      g_string_append(scratch, g_ptr_array_index(targets, i));
    }
    csv_cell_len(w, scratch->str, scratch->len);
  }
  csv_end_row(w);
}

/* What a thread formatting rows needs: its writer settings, zone cache, cells made before and
 * scratch text. */
typedef struct {
  CsvWriter writer;
  GHashTable *links; /* shared, read only */
  const TwExporter *exporter;
  TwExportDates dates;
  gboolean cache_cells; /* the events stay where they are (not a timeline on disk) */
  CellCache *cells;     /* NULL when not cache_cells */
  GString *scratch;
} RowFormat;

static gpointer
row_format_new(gpointer data)
{
  const RowFormat *template = data;
  RowFormat *f = g_new(RowFormat, 1);
  *f = *template;
  _tw_export_dates_init(&f->dates, f->exporter);
  f->cells = f->cache_cells ? g_new0(CellCache, 1) : NULL;
  f->scratch = g_string_new(NULL);
  return f;
}

static void
row_format_free(gpointer state)
{
  RowFormat *f = state;
  _tw_export_dates_clear(&f->dates);
  if (f->cells)
    cell_cache_clear(f->cells);
  g_free(f->cells);
  g_string_free(f->scratch, TRUE);
  g_free(f);
}

static void
format_row(gpointer state, guint index, const TwEvent *event, GString *buffer)
{
  RowFormat *f = state;
  f->writer.out = buffer;
  f->writer.row_empty = TRUE;
  write_event_row(&f->writer, &f->dates, f->cells, f->links, f->scratch, event);
}

static const char *const finding_header[] = {
    "analyzer", "rule", "kind", "summary", "events", "attributes", NULL,
};

static gboolean
write_findings(TwExporter *exporter, const CsvWriter *template, gboolean bom, TwOutput *findings,
               const TwTimeline *timeline, GError **error)
{
  g_autoptr(TwOutput) out = findings;
  g_autoptr(GString) scratch = g_string_new(NULL);
  g_autoptr(GString) text = g_string_new(NULL);
  CsvWriter w = *template;
  guint n = tw_timeline_get_n_findings(timeline);

  w.out = text;
  w.row_empty = TRUE;
  if (bom)
    tw_output_puts(out, "\xef\xbb\xbf");
  csv_row(&w, finding_header);
  for (guint i = 0; i < n; i++) {
    const TwFinding *finding = tw_timeline_get_finding(timeline, i);
    guint n_events = tw_finding_get_n_events(finding);

    csv_cell(&w, tw_finding_get_analyzer(finding));
    csv_cell(&w, tw_finding_get_rule(finding));
    csv_cell(&w, tw_finding_get_kind(finding));
    csv_cell(&w, tw_finding_get_summary(finding));
    g_string_truncate(scratch, 0);
    for (guint j = 0; j < n_events; j++) {
      if (j > 0)
        g_string_append_c(scratch, ';');
      g_string_append(scratch, tw_finding_get_event(finding, j));
    }
    csv_cell_len(&w, scratch->str, scratch->len);
    csv_attributes_cell(&w, tw_finding_get_n_attributes(finding), get_finding_attribute, finding);
    csv_end_row(&w);
    tw_output_write(out, text->str, text->len);
    g_string_truncate(text, 0);
  }
  tw_output_write(out, text->str, text->len);
  if (exporter->companions != NULL) {
    /* Put in place by the job with the events' file, once every export was written: renamed
     * here, it would replace the older findings even when the events' file then fails. */
    if (!_tw_output_finish(out, error))
      return FALSE;
    g_ptr_array_add(exporter->companions, g_steal_pointer(&out));
    return TRUE;
  }
  return tw_output_close(out, error);
}

static gboolean
parse_delimiter(const char *text, char *out)
{
  static const struct {
    const char *name;
    char delimiter;
  } names[] = {
      {",", ','},   {"comma", ','}, {";", ';'}, {"semicolon", ';'},
      {"\t", '\t'}, {"tab", '\t'},  {"|", '|'}, {"pipe", '|'},
  };

  if (text == NULL || *text == '\0') {
    *out = ',';
    return TRUE;
  }
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    if (strcmp(text, names[i].name) == 0) {
      *out = names[i].delimiter;
      return TRUE;
    }
  }
  return FALSE;
}

/* The delimiter option's value, or a #TW_OPTION_ERROR. */
static gboolean
check_delimiter(const char *text, char *delimiter, GError **error)
{
  if (parse_delimiter(text, delimiter))
    return TRUE;
  g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
              "option 'delimiter' of csv: '%s' is not one of , ; | tab (or comma, semicolon, "
              "pipe)",
              text);
  return FALSE;
}

/* TwComponentCheck: the delimiter, before anything is written. */
static gboolean
csv_check(const TwOptions *options, GError **error)
{
  char delimiter;
  return check_delimiter(tw_options_get_string(options, "delimiter"), &delimiter, error);
}

static gboolean
csv_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  const TwOptions *options = exporter != NULL ? tw_exporter_get_options(exporter) : NULL;
  const char *delimiter = options != NULL ? tw_options_get_string(options, "delimiter") : NULL;
  const char *findings = options != NULL ? tw_options_get_path(options, "findings") : NULL;
  gboolean bom = _tw_export_get_bool(exporter, "bom", FALSE);
  g_autoptr(GHashTable) links = NULL;
  g_autoptr(GString) header = g_string_new(NULL);
  CsvWriter w = {
      .out = header,
      .formula_escape = _tw_export_get_bool(exporter, "formula-escape", TRUE),
      .row_empty = TRUE,
  };

  if (!check_delimiter(delimiter, &w.delimiter, error))
    return FALSE;
  csv_writer_set_delimiter(&w, w.delimiter);
  /* Opened first: a findings file that cannot be written (or is the events' own file) fails
   * the export before any event went to standard output. */
  g_autoptr(TwOutput) findings_out = findings != NULL ? tw_output_open(findings, error) : NULL;
  if (findings != NULL && findings_out == NULL)
    return FALSE;

  links = collect_links(timeline);
  if (bom)
    tw_output_puts(out, "\xef\xbb\xbf");
  csv_row(&w, event_header);
  tw_output_write(out, header->str, header->len);
  RowFormat template = {
      .writer = w,
      .links = g_hash_table_size(links) > 0 ? links : NULL,
      .exporter = exporter,
      .cache_cells = !_tw_timeline_is_spilled(timeline),
  };
  _tw_export_events(exporter, timeline, out, row_format_new, row_format_free, format_row,
                    &template);

  if (findings_out != NULL)
    return write_findings(exporter, &w, bom, g_steal_pointer(&findings_out), timeline, error);
  return TRUE;
}

static const TwOptionSpec csv_options[] = {
    {"delimiter",
     TW_OPTION_STRING,
     ",",
     "The cell separator: `,` (the default), `;`, `|` or `tab` (also the words comma, "
     "semicolon, pipe; write a comma on the command line as `\\,` or `comma`).",
     NULL,
     {NULL}},
    {"bom",
     TW_OPTION_BOOL,
     "false",
     "Begin the file with a UTF-8 byte order mark, so that Excel reads it as UTF-8.",
     NULL,
     {NULL}},
    {"formula-escape",
     TW_OPTION_BOOL,
     "true",
     "Prefix a `'` to every cell that begins with =, +, -, @, TAB or CR, so that a spreadsheet "
     "shows it as text instead of running it as a formula (OWASP CSV injection advice). This "
     "also applies to text that looks like a negative number (-5) or a zone offset (+01:00), and "
     "to text that begins with quotes before such a character ('=x gets one more, which the csv "
     "source takes off again). false writes cells verbatim.",
     NULL,
     {NULL}},
    {"findings",
     TW_OPTION_PATH,
     NULL,
     "Also write the analyzers' findings to this file, as CSV with the columns analyzer, rule, "
     "kind, summary, events (ids joined with `;`) and attributes (a JSON object).",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

const TwExporterInfo _tw_exporter_csv = {
    .name = "csv",
    .summary = "CSV (RFC 4180): one row per event",
    .description =
        "Writes a header row and one row per event with the columns id, start, end, precision, "
        "title, source, kind, tags, qualifier, date, description, actors, location, url, zone, "
        "attributes, links. start and end are ISO 8601 instants (end exclusive; UTC with Z or "
        "the --output-zone offset, naive for floating dates); date is the canonical date text; "
        "tags and actors are joined with `;`; attributes is a compact JSON object "
        "({\"key\":\"value\"}); links lists the ids of the events this event links to, joined "
        "with `;`. Cells are quoted when they contain the delimiter, a quote, CR or LF, or begin "
        "or end with a space; quotes are doubled; rows end with CRLF; UTF-8 without a byte "
        "order mark unless bom=true. Cells that a spreadsheet would run as a formula get a "
        "leading `'` (see formula-escape), so a value such as -5 or a zone offset such as +01:00 "
        "reads back as '-5 or '+01:00.",
    .options = csv_options,
    .extension = "csv",
    .write = csv_write,
    .check = csv_check,
};
