/* timeweave: the json and jsonl exporters, and the date and number helpers every core exporter
 * shares (export-common.h).
 *
 * Both stream: each event is written as it is read from the timeline, straight into the
 * TwOutput buffer, so exporting never builds a tree of the whole timeline. The member order is
 * fixed (docs/formats.md, the json source reads it back), optional members are omitted
 * when absent, and nothing depends on the locale or the clock, so the bytes are the same on
 * every run.
 */
#include "export-common.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <math.h>
#include <string.h>

/* -- shared helpers -- */

static void
zone_unref0(gpointer zone)
{
  if (zone != NULL)
    g_time_zone_unref(zone);
}

void
_tw_export_dates_init(TwExportDates *dates, const TwExporter *exporter)
{
  dates->output_zone = exporter != NULL ? tw_exporter_get_output_zone(exporter) : NULL;
  dates->zones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, zone_unref0);
  dates->has_cached_day = FALSE;
}

void
_tw_export_dates_clear(TwExportDates *dates)
{
  g_clear_pointer(&dates->zones, g_hash_table_unref);
  dates->output_zone = NULL;
}

/* The event's stated zone, parsed once per export (NULL when it names no zone we know). */
static GTimeZone *
lookup_zone(TwExportDates *dates, const char *name)
{
  gpointer zone;

  if (name == NULL)
    return NULL;
  if (!g_hash_table_lookup_extended(dates->zones, name, NULL, &zone)) {
    zone = tw_zone_new(name, NULL);
    g_hash_table_insert(dates->zones, g_strdup(name), zone);
  }
  return zone;
}

char *
_tw_export_date_text(TwExportDates *dates, const TwEvent *event)
{
  TwDate date;
  tw_event_get_date(event, &date);
  /* Exact times in the output zone; a misaligned minute or hour also in the zone the source
   * stated. */
  GTimeZone *zones[2] = {dates->output_zone, NULL};
  if (!date.floating &&
      (date.precision == TW_PRECISION_MINUTE || date.precision == TW_PRECISION_HOUR))
    zones[1] = lookup_zone(dates, tw_event_get_zone(event));
  return _tw_date_format_in_zones(&date, zones, 2);
}

static inline char *
put_two_digits(char *p, int value)
{
  p[0] = (char)('0' + value / 10);
  p[1] = (char)('0' + value % 10);
  return p + 2;
}

/* tw_time_format(@usec, NULL, @floating, @buf), with the day's text taken from the cache when
 * @usec falls on the day cached: the same bytes, without the calendar arithmetic. */
static gsize
format_utc_time(TwExportDates *dates, gint64 usec, gboolean floating, char *buf)
{
  gint64 day = usec / TW_USEC_PER_DAY - (usec % TW_USEC_PER_DAY < 0);
  if (!dates->has_cached_day || day != dates->cached_day) {
    gsize n = tw_time_format(usec, NULL, floating, buf);
    /* Only the years 0000..9999 have the layout "YYYY-MM-DDT". */
    dates->has_cached_day = n > 11 && buf[4] == '-' && buf[7] == '-' && buf[10] == 'T';
    if (dates->has_cached_day) {
      memcpy(dates->cached_day_text, buf, 11);
      dates->cached_day = day;
    }
    return n;
  }
  gint64 rest = usec - day * TW_USEC_PER_DAY;
  int secs = (int)(rest / TW_USEC_PER_SEC), microsecond = (int)(rest % TW_USEC_PER_SEC);
  char *p = buf + 11;
  memcpy(buf, dates->cached_day_text, 11);
  p = put_two_digits(p, secs / 3600);
  *p++ = ':';
  p = put_two_digits(p, secs / 60 % 60);
  *p++ = ':';
  p = put_two_digits(p, secs % 60);
  if (microsecond != 0) {
    *p++ = '.';
    for (int i = 5; i >= 0; i--) {
      p[i] = (char)('0' + microsecond % 10);
      microsecond /= 10;
    }
    p += 6;
  }
  if (!floating)
    *p++ = 'Z';
  *p = '\0';
  return (gsize)(p - buf);
}

gsize
_tw_export_time_text(TwExportDates *dates, const TwEvent *event, gint64 usec,
                     char buf[TW_TIME_FORMAT_SIZE])
{
  gboolean floating = tw_event_is_floating(event);

  if (floating || dates->output_zone == NULL)
    return format_utc_time(dates, usec, floating, buf);
  return tw_time_format(usec, dates->output_zone, FALSE, buf);
}

gboolean
_tw_export_date_is_start(const TwExportDates *dates, const TwEvent *event)
{
  /* An exact instant in UTC: tw_date_format() and tw_time_format() agree on it. */
  gint64 start = tw_event_get_start(event);
  return tw_event_get_precision(event) == TW_PRECISION_EXACT && !tw_event_is_floating(event) &&
         tw_event_get_qualifier(event) == TW_QUALIFIER_NONE && dates->output_zone == NULL &&
         start >= TW_TIME_MIN && start <= TW_TIME_MAX;
}

gsize
_tw_export_date_into(TwExportDates *dates, const TwEvent *event, char buf[TW_EXPORT_DATE_SIZE])
{
  /* The common case, without the date's text allocated. */
  if (_tw_export_date_is_start(dates, event))
    return format_utc_time(dates, tw_event_get_start(event), FALSE, buf);
  g_autofree char *text = _tw_export_date_text(dates, event);
  gsize length = strlen(text);
  g_return_val_if_fail(length < TW_EXPORT_DATE_SIZE, 0);
  memcpy(buf, text, length + 1);
  return length;
}

/* The first byte in [@p, @end) that needs an escape (@escapes[byte] != 0), or @end: sixteen
 * bytes at a time with SSE2 (control characters, the quote and the backslash), the last block
 * overlapping the one before rather than reading past @end. */
static inline const guchar *
json_plain_run(const guchar *p, const guchar *end, const char escapes[256])
{
#if defined(__SSE2__)
  if (end - p >= 16) {
    const __m128i control = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const guchar *at = p;
    for (;;) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)at);
      /* x <= 0x1f (unsigned) exactly when max(x, 0x1f) is 0x1f. */
      __m128i hit =
          _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, control), control),
                       _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
      int mask = _mm_movemask_epi8(hit);
      if (mask)
        return at + __builtin_ctz((unsigned)mask);
      if (at + 16 == end)
        return end;
      at = at + 32 <= end ? at + 16 : end - 16;
    }
  }
#endif
  while (p < end && escapes[*p] == 0)
    p++;
  return p;
}

/* Texts shorter than this take append_json_string()'s byte loop. */
#define SHORT_JSON_TEXT 16

/* Appends @text as a JSON string literal; @in_csv: with every `"` of it doubled, as inside a
 * quoted CSV cell. (Inlined into each of its two callers, so that @in_csv is a constant there
 * and the quotes are stores of one or two bytes, not calls.) */
G_ALWAYS_INLINE static inline void
append_json_string(GString *buffer, const char *text, gboolean in_csv)
{
  static const char hex[] = "0123456789abcdef";
  /* The letter after the backslash for each byte that needs an escape (control characters,
   * the quote and the backslash; `u` for \u00XX), 0 for the bytes copied as they are. NUL
   * stops a run too: it ends the text. */
  static const char escapes[256] = {
      'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b',         't',           'n', 'u',
      'f', 'r', 'u', 'u', 'u', 'u', 'u', 'u', 'u',         'u',           'u', 'u',
      'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', ['"'] = '"', ['\\'] = '\\',
  };
  const gsize quote_length = in_csv ? 2 : 1;
  /* Most values (host and user names, numbers, modes) are shorter than SHORT_JSON_TEXT and need
   * no escape: copied a byte at a time while looking for the NUL that ends them, without
   * strlen() or calls (3.4 ns a value where the way below takes 7). */
  if (G_LIKELY(buffer->allocated_len - buffer->len > SHORT_JSON_TEXT + 2 * quote_length)) {
    char *o = buffer->str + buffer->len;
    memcpy(o, "\"\"", quote_length);
    gsize i = 0;
    for (; i < SHORT_JSON_TEXT; i++) {
      const guchar c = (guchar)text[i];
      if (escapes[c] != 0)
        break;
      o[quote_length + i] = (char)c;
    }
    if (i < SHORT_JSON_TEXT && text[i] == '\0') {
      memcpy(o + quote_length + i, "\"\"", quote_length);
      buffer->len += i + 2 * quote_length;
      buffer->str[buffer->len] = '\0';
      return;
    }
    /* (Longer, or with a byte to escape: what was copied is written over.) */
  }
  const guchar *p = (const guchar *)text;
  const guchar *end = p + strlen(text);
  const gsize length = (gsize)(end - p);

  /* Longer texts (titles, paths) mostly need no escape either: one check of room and three
   * copies, where the loop below makes three appends, each with its own. */
  if (length + 2 * quote_length < buffer->allocated_len - buffer->len &&
      json_plain_run(p, end, escapes) == end) {
    char *o = buffer->str + buffer->len;
    memcpy(o, "\"\"", quote_length);
    memcpy(o + quote_length, text, length);
    memcpy(o + quote_length + length, "\"\"", quote_length);
    buffer->len += length + 2 * quote_length;
    buffer->str[buffer->len] = '\0';
    return;
  }
  _tw_export_append(buffer, "\"\"", quote_length);
  for (;;) {
    const guchar *run = p;

    p = json_plain_run(p, end, escapes);
    _tw_export_append(buffer, (const char *)run, (gsize)(p - run));
    if (p == end)
      break;
    const char escape[6] = {'\\', escapes[*p], '0', '0', hex[*p >> 4], hex[*p & 0xf]};
    if (in_csv && *p == '"')
      _tw_export_append(buffer, "\\\"\"", 3);
    else
      _tw_export_append(buffer, escape, escapes[*p] == 'u' ? 6 : 2);
    p++;
  }
  _tw_export_append(buffer, "\"\"", quote_length);
}

void
_tw_export_json_string(GString *buffer, const char *text)
{
  append_json_string(buffer, text, FALSE);
}

void
_tw_export_json_string_in_csv(GString *buffer, const char *text)
{
  append_json_string(buffer, text, TRUE);
}

/* -- events formatted in batches on several threads -- */

#define EXPORT_BATCH 2048

typedef struct {
  GString *text;
  guint batch; /* the batch whose text it holds, when ready */
  gboolean ready;
} ExportSlot;

typedef struct {
  const TwTimeline *timeline;
  guint n_events;
  guint n_batches;
  TwExportFormat format;
  TwOutput *out;
  GMutex lock;
  GCond cond;
  ExportSlot *slots;
  guint n_slots;
  guint next;       /* the next batch to format */
  guint written;    /* batches written */
  gboolean writing; /* a worker is writing batch @written */
} ExportRun;

/* How many events ahead format_batch() asks for records. */
#define EXPORT_PREFETCH 16

static void
format_batch(ExportRun *run, gpointer state, guint batch, GString *text)
{
  guint end = MIN(run->n_events, (batch + 1) * EXPORT_BATCH);
  /* In time order the records are scattered over the shards' blocks: ask for each a few
   * events ahead, so that its cache miss overlaps the formatting of the ones before. */
  TwEventRefs refs;
  gboolean in_memory = _tw_timeline_peek_events(run->timeline, &refs);
  for (guint i = batch * EXPORT_BATCH; i < end; i++) {
    if (in_memory && i + EXPORT_PREFETCH < end)
      __builtin_prefetch(_tw_event_refs_get(&refs, i + EXPORT_PREFETCH));
    /* Half as far ahead, the record has come: ask for what it points to that every format
     * reads (the id and title text, the attributes and tags arrays), which lie elsewhere. */
    if (in_memory && i + EXPORT_PREFETCH / 2 < end) {
      const TwEvent *ahead = _tw_event_refs_get(&refs, i + EXPORT_PREFETCH / 2);
      __builtin_prefetch(_tw_id_address(ahead->id));
      __builtin_prefetch(ahead->title);
      __builtin_prefetch((gconstpointer)((guintptr)ahead->attributes & ~TW_ATTRIBUTES_VALUES));
      __builtin_prefetch(ahead->tags);
    }
    /* A quarter as far ahead, the attributes array has come: ask for the values it points to
     * (a row's own, such as a pid, lie with its other text; shared ones are in the cache). */
    if (in_memory && i + EXPORT_PREFETCH / 4 < end) {
      const TwEvent *ahead = _tw_event_refs_get(&refs, i + EXPORT_PREFETCH / 4);
      guint n = MIN(ahead->n_attributes, 4);
      for (guint k = 0; k < n; k++)
        __builtin_prefetch(_tw_event_attribute_value(ahead, k));
    }
    run->format(state, i,
                in_memory ? _tw_event_refs_get(&refs, i) : tw_timeline_get_event(run->timeline, i),
                text);
  }
}

/* Writes the batches that are ready, in order, unless another worker is doing so. Called with
 * the lock held; unlocks it while writing. A worker that makes a batch ready calls it, and the
 * writer looks again after each write, so no ready batch waits for a writer. */
static void
write_ready_batches(ExportRun *run)
{
  if (run->writing)
    return;
  run->writing = TRUE;
  while (run->written < run->n_batches) {
    ExportSlot *slot = &run->slots[run->written % run->n_slots];
    if (!(slot->ready && slot->batch == run->written))
      break;
    g_mutex_unlock(&run->lock);
    tw_output_write(run->out, slot->text->str, slot->text->len);
    g_mutex_lock(&run->lock);
    slot->ready = FALSE;
    run->written++;
    g_cond_broadcast(&run->cond);
  }
  run->writing = FALSE;
}

/* Formats batches into the ring of slots and writes them in turn. The worker that finds the
 * next batch ready writes it, from the cache of the core that may have just made it: a writing
 * thread of its own would be a third thread on two cores, copying text another core wrote. */
typedef struct {
  ExportRun *run;
  gpointer state; /* made and freed by the thread that starts the workers */
} ExportWorker;

static gpointer
export_worker(gpointer data)
{
  ExportRun *run = ((ExportWorker *)data)->run;
  gpointer state = ((ExportWorker *)data)->state;
  g_mutex_lock(&run->lock);
  for (;;) {
    /* A slot is free once the batch it held, n_slots before, is written. */
    while (run->next < run->n_batches && run->next >= run->written + run->n_slots) {
      write_ready_batches(run);
      if (run->next >= run->written + run->n_slots)
        g_cond_wait(&run->cond, &run->lock);
    }
    if (run->next >= run->n_batches)
      break;
    guint batch = run->next++;
    ExportSlot *slot = &run->slots[batch % run->n_slots];
    g_mutex_unlock(&run->lock);
    g_string_truncate(slot->text, 0);
    format_batch(run, state, batch, slot->text);
    g_mutex_lock(&run->lock);
    slot->batch = batch;
    slot->ready = TRUE;
    write_ready_batches(run);
  }
  g_mutex_unlock(&run->lock);
  return NULL;
}

void
_tw_export_events(const TwExporter *exporter, const TwTimeline *timeline, TwOutput *out,
                  gpointer (*new_state)(gpointer data), void (*free_state)(gpointer state),
                  TwExportFormat format, gpointer data)
{
  ExportRun run = {
      .timeline = timeline,
      .n_events = tw_timeline_get_n_events(timeline),
      .format = format,
  };
  run.n_batches = (run.n_events + EXPORT_BATCH - 1) / EXPORT_BATCH;
  guint threads = exporter ? MIN(exporter->threads, 64) : 0;
  /* A timeline on disk (--memory-limit) is one merge that gives its events in order. */
  if (_tw_timeline_is_spilled(timeline))
    threads = 1;

  if (threads < 2 || run.n_batches < 2) {
    gpointer state = new_state ? new_state(data) : data;
    g_autoptr(GString) text = g_string_sized_new(EXPORT_BATCH * 256);
    for (guint b = 0; b < run.n_batches; b++) {
      g_string_truncate(text, 0);
      format_batch(&run, state, b, text);
      tw_output_write(out, text->str, text->len);
    }
    if (free_state)
      free_state(state);
    return;
  }

  /* The workers format batches into a ring of slots and write them in order; this thread
   * waits for them. */
  run.out = out;
  g_mutex_init(&run.lock);
  g_cond_init(&run.cond);
  run.n_slots = threads * 2 + 2;
  run.slots = g_new0(ExportSlot, run.n_slots);
  for (guint i = 0; i < run.n_slots; i++)
    run.slots[i].text = g_string_sized_new(EXPORT_BATCH * 256);
  /* The workers' states are made here, so that this thread owns them all the time (valgrind,
   * when a signal ends the process during an export, sees them from this thread's frame). */
  GThread **workers = g_new(GThread *, threads);
  ExportWorker *worker_data = g_new(ExportWorker, threads);
  for (guint t = 0; t < threads; t++) {
    worker_data[t] = (ExportWorker){&run, new_state ? new_state(data) : data};
    workers[t] = g_thread_new("tw-export", export_worker, &worker_data[t]);
  }
  for (guint t = 0; t < threads; t++) {
    g_thread_join(workers[t]);
    if (free_state)
      free_state(worker_data[t].state);
  }
  g_free(workers);
  g_free(worker_data);
  g_assert(run.written == run.n_batches);
  for (guint i = 0; i < run.n_slots; i++)
    g_string_free(run.slots[i].text, TRUE);
  g_free(run.slots);
  g_mutex_clear(&run.lock);
  g_cond_clear(&run.cond);
}

gboolean
_tw_export_format_double(double value, char buf[TW_EXPORT_DOUBLE_SIZE])
{
  /* The fewest significant digits that read back exactly: the same text on every machine
   * with IEEE doubles, whatever LC_NUMERIC says. */
  static const char *const formats[] = {
      "%.1g",  "%.2g",  "%.3g",  "%.4g",  "%.5g",  "%.6g",  "%.7g",  "%.8g",  "%.9g",
      "%.10g", "%.11g", "%.12g", "%.13g", "%.14g", "%.15g", "%.16g", "%.17g",
  };

  buf[0] = '\0';
  if (!isfinite(value))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_ascii_formatd(buf, TW_EXPORT_DOUBLE_SIZE, formats[i], value);
    if (g_ascii_strtod(buf, NULL) == value)
      break;
  }
  return TRUE;
}

gboolean
_tw_export_get_bool(const TwExporter *exporter, const char *name, gboolean fallback)
{
  const TwOptions *options = exporter != NULL ? tw_exporter_get_options(exporter) : NULL;

  return options != NULL ? tw_options_get_bool(options, name) : fallback;
}

/* -- a small JSON writer in three layouts, into a buffer -- */

typedef enum {
  LAYOUT_BLOCK,   /* one member per line, indented by two spaces a level */
  LAYOUT_INLINE,  /* on one line, with a space after `:` and `,` */
  LAYOUT_COMPACT, /* no white space at all (jsonl, pretty=false) */
} Layout;

typedef struct {
  GString *out;
  Layout layout;
  int depth; /* the nesting level of this container (for LAYOUT_BLOCK) */
  gboolean empty;
  char close;
} Container;

static void
newline_indent(GString *out, int depth)
{
  static const char spaces[] = "                                ";

  g_string_append_c(out, '\n');
  for (int n = depth * 2; n > 0; n -= (int)(sizeof spaces - 1))
    _tw_export_append(out, spaces, (gsize)MIN(n, (int)(sizeof spaces - 1)));
}

static void
container_begin(Container *c, GString *out, Layout layout, int depth, char open)
{
  c->out = out;
  c->layout = layout;
  c->depth = depth;
  c->empty = TRUE;
  c->close = open == '{' ? '}' : ']';
  g_string_append_c(out, open);
}

/* Starts the next array element. */
static void
container_next(Container *c)
{
  if (!c->empty)
    g_string_append_c(c->out, ',');
  if (c->layout == LAYOUT_BLOCK)
    newline_indent(c->out, c->depth + 1);
  else if (c->layout == LAYOUT_INLINE && !c->empty)
    g_string_append_c(c->out, ' ');
  c->empty = FALSE;
}

/* Starts the next object member. */
static void
container_key(Container *c, const char *key)
{
  container_next(c);
  _tw_export_json_string(c->out, key);
  if (c->layout == LAYOUT_COMPACT)
    g_string_append_c(c->out, ':');
  else
    _tw_export_append(c->out, ": ", 2);
}

static void
container_end(Container *c)
{
  if (c->layout == LAYOUT_BLOCK && !c->empty)
    newline_indent(c->out, c->depth);
  g_string_append_c(c->out, c->close);
}

/* The layout of small things inside a container: inline in a pretty document. */
static Layout
inner_layout(Layout layout)
{
  return layout == LAYOUT_COMPACT ? LAYOUT_COMPACT : LAYOUT_INLINE;
}

static void
member_string(Container *c, const char *key, const char *value)
{
  container_key(c, key);
  _tw_export_json_string(c->out, value);
}

static void
member_optional_string(Container *c, const char *key, const char *value)
{
  if (value != NULL)
    member_string(c, key, value);
}

/* A member whose value is text that needs no escape (a date, a time). */
static void
member_plain(Container *c, const char *key, const char *value, gsize length)
{
  container_key(c, key);
  g_string_append_c(c->out, '"');
  _tw_export_append(c->out, value, length);
  g_string_append_c(c->out, '"');
}

static void
member_string_list(Container *c, const char *key, guint n,
                   const char *(*get)(const TwEvent *, guint), const TwEvent *event)
{
  Container list;

  container_key(c, key);
  container_begin(&list, c->out, inner_layout(c->layout), 0, '[');
  for (guint i = 0; i < n; i++) {
    container_next(&list);
    _tw_export_json_string(c->out, get(event, i));
  }
  container_end(&list);
}

static void
write_event(GString *out, Layout layout, int depth, TwExportDates *dates, const TwEvent *event)
{
  Container object;
  char date[TW_EXPORT_DATE_SIZE];
  char start[TW_TIME_FORMAT_SIZE], end[TW_TIME_FORMAT_SIZE];
  gsize start_length = _tw_export_time_text(dates, event, tw_event_get_start(event), start);
  gsize end_length = tw_event_get_end(event) == tw_event_get_start(event)
                         ? (memcpy(end, start, start_length + 1), start_length)
                         : _tw_export_time_text(dates, event, tw_event_get_end(event), end);
  gsize date_length = _tw_export_date_is_start(dates, event)
                          ? (memcpy(date, start, start_length + 1), start_length)
                          : _tw_export_date_into(dates, event, date);
  TwQualifier qualifier = tw_event_get_qualifier(event);
  double latitude, longitude;
  guint n_attributes;

  container_begin(&object, out, layout, depth, '{');
  char id_buf[TW_ID_TEXT_SIZE];
  member_string(&object, "id", _tw_event_id_text(event, id_buf));
  member_string(&object, "date", date);
  (void)date_length;
  member_plain(&object, "start", start, start_length);
  member_plain(&object, "end", end, end_length);
  member_string(&object, "precision", tw_precision_to_string(tw_event_get_precision(event)));
  if (qualifier != TW_QUALIFIER_NONE)
    member_string(&object, "qualifier", tw_qualifier_to_string(qualifier));
  if (tw_event_is_floating(event)) {
    container_key(&object, "floating");
    _tw_export_append(out, "true", 4);
  }
  member_optional_string(&object, "zone", tw_event_get_zone(event));
  member_string(&object, "title", tw_event_get_title(event));
  member_optional_string(&object, "description", tw_event_get_description(event));
  member_string(&object, "source", tw_event_get_source(event));
  member_optional_string(&object, "kind", tw_event_get_kind(event));
  member_string_list(&object, "tags", tw_event_get_n_tags(event), tw_event_get_tag, event);
  if (tw_event_get_n_actors(event) > 0)
    member_string_list(&object, "actors", tw_event_get_n_actors(event), tw_event_get_actor, event);
  member_optional_string(&object, "location", tw_event_get_location(event));
  member_optional_string(&object, "url", tw_event_get_url(event));
  if (tw_event_get_geo(event, &latitude, &longitude) && isfinite(latitude) && isfinite(longitude)) {
    char number[TW_EXPORT_DOUBLE_SIZE];
    Container geo;

    container_key(&object, "geo");
    container_begin(&geo, out, inner_layout(layout), 0, '{');
    _tw_export_format_double(latitude, number);
    container_key(&geo, "lat");
    g_string_append(out, number);
    _tw_export_format_double(longitude, number);
    container_key(&geo, "lon");
    g_string_append(out, number);
    container_end(&geo);
  }
  n_attributes = tw_event_get_n_attributes(event);
  if (n_attributes > 0) {
    Container attributes;

    container_key(&object, "attributes");
    container_begin(&attributes, out, layout, depth + 1, '{');
    for (guint i = 0; i < n_attributes; i++) {
      TwAttribute attribute = _tw_event_attribute(event, i);

      member_string(&attributes, attribute.key, attribute.value);
    }
    container_end(&attributes);
  }
  container_end(&object);
}

static void
write_link(GString *out, Layout layout, const TwLink *link)
{
  Container object;
  g_autofree char *lag_min = tw_duration_format(tw_link_get_lag_min(link));
  g_autofree char *lag_max = tw_duration_format(tw_link_get_lag_max(link));

  container_begin(&object, out, inner_layout(layout), 0, '{');
  member_string(&object, "from", tw_link_get_from(link));
  member_string(&object, "to", tw_link_get_to(link));
  member_string(&object, "rule", tw_link_get_rule(link));
  member_string(&object, "lag_min", lag_min);
  member_string(&object, "lag_max", lag_max);
  member_string(&object, "certainty", tw_certainty_to_string(tw_link_get_certainty(link)));
  container_end(&object);
}

static void
write_finding(GString *out, Layout layout, int depth, const TwFinding *finding)
{
  Container object, events, attributes;
  guint n;

  container_begin(&object, out, layout, depth, '{');
  member_optional_string(&object, "analyzer", tw_finding_get_analyzer(finding));
  member_optional_string(&object, "rule", tw_finding_get_rule(finding));
  member_optional_string(&object, "kind", tw_finding_get_kind(finding));
  member_optional_string(&object, "summary", tw_finding_get_summary(finding));
  container_key(&object, "events");
  container_begin(&events, out, inner_layout(layout), 0, '[');
  n = tw_finding_get_n_events(finding);
  for (guint i = 0; i < n; i++) {
    container_next(&events);
    _tw_export_json_string(out, tw_finding_get_event(finding, i));
  }
  container_end(&events);
  container_key(&object, "attributes");
  container_begin(&attributes, out, layout, depth + 1, '{');
  n = tw_finding_get_n_attributes(finding);
  for (guint i = 0; i < n; i++) {
    const TwAttribute *attribute = tw_finding_get_attribute(finding, i);

    member_string(&attributes, attribute->key, attribute->value);
  }
  container_end(&attributes);
  container_end(&object);
}

/* Writes what @buffer holds and empties it. */
static void
flush_text(TwOutput *out, GString *buffer)
{
  tw_output_write(out, buffer->str, buffer->len);
  g_string_truncate(buffer, 0);
}

/* The state of a thread formatting events: its own zone cache. */
typedef struct {
  const TwExporter *exporter;
  Layout layout;
  TwExportDates dates;
} EventFormat;

static gpointer
event_format_new(gpointer data)
{
  const EventFormat *template = data;
  EventFormat *f = g_new(EventFormat, 1);
  *f = *template;
  _tw_export_dates_init(&f->dates, f->exporter);
  return f;
}

static void
event_format_free(gpointer state)
{
  EventFormat *f = state;
  _tw_export_dates_clear(&f->dates);
  g_free(f);
}

/* An element of the document's events array: the separator, then the event. */
static void
format_document_event(gpointer state, guint index, const TwEvent *event, GString *buffer)
{
  EventFormat *f = state;
  if (index > 0)
    g_string_append_c(buffer, ',');
  if (f->layout == LAYOUT_BLOCK)
    newline_indent(buffer, 2);
  write_event(buffer, f->layout, 2, &f->dates, event);
}

static void
format_line_event(gpointer state, guint index, const TwEvent *event, GString *buffer)
{
  EventFormat *f = state;
  write_event(buffer, LAYOUT_COMPACT, 0, &f->dates, event);
  g_string_append_c(buffer, '\n');
}

static gboolean
json_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  Layout layout = _tw_export_get_bool(exporter, "pretty", TRUE) ? LAYOUT_BLOCK : LAYOUT_COMPACT;
  TwExportDates dates;
  Container document, array;
  const char *title = tw_timeline_get_title(timeline);
  g_autoptr(GString) text = g_string_sized_new(4096);
  gint64 from, to;
  guint n;

  _tw_export_dates_init(&dates, exporter);
  container_begin(&document, text, layout, 0, '{');
  member_string(&document, "timeweave", TW_VERSION);
  member_optional_string(&document, "title", title);
  /* An open end of the range is stored as the representable limit: it is left out, and a range
   * open at both ends (`--to 9999`, whose end is past the last instant) is no range at all. */
  gboolean has_range = tw_timeline_get_range(timeline, &from, &to);
  gboolean has_from = has_range && from > TW_TIME_MIN && from <= TW_TIME_MAX;
  gboolean has_to = has_range && to >= TW_TIME_MIN && to < TW_TIME_MAX;
  if (has_from || has_to) {
    Container range;
    char buf[TW_TIME_FORMAT_SIZE];

    container_key(&document, "range");
    container_begin(&range, text, inner_layout(layout), 0, '{');
    if (has_from) {
      tw_time_format(from, dates.output_zone, FALSE, buf);
      member_string(&range, "from", buf);
    }
    if (has_to) {
      tw_time_format(to, dates.output_zone, FALSE, buf);
      member_string(&range, "to", buf);
    }
    container_end(&range);
  }

  /* The events array, written as container_next() and container_end() would. */
  container_key(&document, "events");
  g_string_append_c(text, '[');
  flush_text(out, text);
  n = tw_timeline_get_n_events(timeline);
  EventFormat template = {.exporter = exporter, .layout = layout};
  _tw_export_events(exporter, timeline, out, event_format_new, event_format_free,
                    format_document_event, &template);
  if (layout == LAYOUT_BLOCK && n > 0)
    newline_indent(text, 1);
  g_string_append_c(text, ']');

  container_key(&document, "links");
  container_begin(&array, text, layout, 1, '[');
  n = tw_timeline_get_n_links(timeline);
  for (guint i = 0; i < n; i++) {
    container_next(&array);
    write_link(text, layout, tw_timeline_get_link(timeline, i));
    if (text->len > 65536)
      flush_text(out, text);
  }
  container_end(&array);

  container_key(&document, "findings");
  container_begin(&array, text, layout, 1, '[');
  n = tw_timeline_get_n_findings(timeline);
  for (guint i = 0; i < n; i++) {
    container_next(&array);
    write_finding(text, layout, 2, tw_timeline_get_finding(timeline, i));
    if (text->len > 65536)
      flush_text(out, text);
  }
  container_end(&array);

  container_end(&document);
  g_string_append_c(text, '\n');
  flush_text(out, text);
  _tw_export_dates_clear(&dates);
  return TRUE;
}

static gboolean
jsonl_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  EventFormat template = {.exporter = exporter, .layout = LAYOUT_COMPACT};
  _tw_export_events(exporter, timeline, out, event_format_new, event_format_free, format_line_event,
                    &template);
  return TRUE;
}

static const TwOptionSpec json_options[] = {
    {"pretty",
     TW_OPTION_BOOL,
     "true",
     "Indent the document by two spaces, one member per line; false writes it on one line.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

static const TwOptionSpec jsonl_options[] = {
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

const TwExporterInfo _tw_exporter_json = {
    .name = "json",
    .summary = "timeweave's JSON document: events, links and findings",
    .description =
        "Writes {\"timeweave\": VERSION, \"title\", \"range\" (when the run has one), "
        "\"events\", \"links\", \"findings\"}. Each event has, in this order: id, date (the "
        "canonical date text), start and end (ISO 8601 instants, end exclusive; UTC with Z or "
        "the --output-zone offset, naive for floating dates), precision, qualifier, floating, "
        "zone, title, description, source, kind, tags (always), actors, location, url, geo "
        "{lat, lon} and attributes (string values in the source's order); members without a "
        "value are left out. Links give from, to, rule, lag_min, lag_max and certainty; "
        "findings give analyzer, rule, kind, summary, events (ids) and attributes. The json "
        "source reads this document back without loss.",
    .options = json_options,
    .extension = "json",
    .write = json_write,
};

const TwExporterInfo _tw_exporter_jsonl = {
    .name = "jsonl",
    .summary = "JSON Lines: one event object per line",
    .description = "Writes each event as one compact JSON object on its own line, with the same "
                   "members as the json format's events and nothing else (no links, no "
                   "findings). The json source reads it back.",
    .options = jsonl_options,
    .extension = "jsonl",
    .write = jsonl_write,
};
