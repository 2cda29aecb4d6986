/* timeweave: a timeline larger than --memory-limit, kept in sorted runs on disk.
 *
 * When the stored events would pass the limit, shards are sorted (in the timeline's total order)
 * and written to a run: an anonymous temporary file (O_TMPFILE, else created and unlinked at
 * once) in $TMPDIR, so that no file is left behind whatever way the run ends, kill -9 included.
 * A run holds its events as records, then the sorted 64-bit hashes of their ids.
 *
 * Once every source is read, the exports stream a k-way merge of the runs. The result is the
 * timeline an in-memory run gives, byte for byte:
 * - equal events (same start, end, precision, source and id) come in input order: each record
 *   carries its shard's order and its place in the shard, and they break ties;
 * - events that one source gave twice with one id merge as tw_timeline_finish() merges them.
 *   Merging the runs' hash lists (streamed, in order) finds the hashes that occur more than
 *   once; one pass over the events then collects those events (few, usually none) and folds
 *   each group into its first event, which the exports put where that first event stands;
 * - the events of a sink dropped after it spilled (a source that failed under --strict, the
 *   chunks after a failed one) are skipped by their shard's order;
 * - links read from sources are kept when both ids are in the timeline (checked in that same
 *   pass, which also keeps a copy of each link end: exports look them up by id at any time).
 * Events are read with tw_timeline_get_event() in order, on one thread; each stays valid until
 * WINDOW_BLOCK more are read. Reading backwards starts the merge again. */
/* O_TMPFILE is a GNU extension of <fcntl.h>. */
#define _GNU_SOURCE
#include "private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_BUFFER (256 * 1024)
#define WINDOW_BLOCK 4096

/* -- writing a run -- */

typedef struct {
  int fd;
  guint64 n_events;
  goffset records_end;   /* the records take [0, records_end) */
  goffset hashes_offset; /* then n_events sorted guint64 hashes */
} SpillRun;

struct _TwSpill {
  GMutex lock;         /* guards runs, dropped and error while sinks spill from several threads */
  GPtrArray *runs;     /* SpillRun */
  GHashTable *dropped; /* shard orders (guint64 *) whose events are not in the timeline */
  GError *error;       /* the first failure to write a run */
  guint64 n_records;
  /* After _tw_spill_finish(). */
  guint64 *duplicates; /* sorted hashes that more than one record has */
  gsize n_duplicates;
  GHashTable *groups;  /* "id\nsource" -> Group, for the duplicates */
  GHashTable *ends_at; /* id of a link end in the timeline -> index + 1 of its first event */
  GHashTable *pinned;  /* index -> that event (a copy), for exports that look links up */
  guint n_events;
  guint64 n_bytes; /* written to the runs */
  TwShard *own;    /* copies of merged events */
  /* The cursor of the exports. */
  struct _Merge *merge;
  guint position; /* the index of the next event the merge gives */
  guint pass;
  TwArena *window[2];
  guint window_first[2];  /* the index of the first event in each window arena */
  const TwEvent **recent; /* the events given, by index % (2 * WINDOW_BLOCK) */
  guint64 n_merged;
};

typedef struct {
  TwEvent *keep; /* the merged event, in @own */
  guint pass;    /* the pass that last gave it */
} Group;

static void
run_free(SpillRun *run)
{
  if (run->fd >= 0)
    close(run->fd);
  g_free(run);
}

TwSpill *
_tw_spill_new(void)
{
  TwSpill *spill = g_new0(TwSpill, 1);
  g_mutex_init(&spill->lock);
  spill->runs = g_ptr_array_new_with_free_func((GDestroyNotify)run_free);
  spill->dropped = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  spill->own = _tw_shard_new();
  return spill;
}

static void merge_free(struct _Merge *merge);

void
_tw_spill_free(TwSpill *spill)
{
  if (!spill)
    return;
  if (spill->merge)
    merge_free(spill->merge);
  g_ptr_array_unref(spill->runs);
  g_hash_table_unref(spill->dropped);
  g_clear_error(&spill->error);
  g_free(spill->duplicates);
  if (spill->groups)
    g_hash_table_unref(spill->groups);
  if (spill->ends_at)
    g_hash_table_unref(spill->ends_at);
  if (spill->pinned)
    g_hash_table_unref(spill->pinned);
  _tw_arena_free(spill->window[0]);
  _tw_arena_free(spill->window[1]);
  g_free(spill->recent);
  _tw_shard_free(spill->own);
  g_mutex_clear(&spill->lock);
  g_free(spill);
}

/* An anonymous file in $TMPDIR: it has no name, so nothing is left when the process ends. */
static int
open_anonymous(GError **error)
{
  const char *dir = g_get_tmp_dir();
  int fd = -1;
#ifdef O_TMPFILE
  fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0)
    return fd;
#endif
  g_autofree char *path = g_build_filename(dir, "timeweave-run-XXXXXX", NULL);
  fd = g_mkstemp_full(path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    int errsv = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                "%s: cannot make a temporary file for --memory-limit: %s", dir, g_strerror(errsv));
    return -1;
  }
  unlink(path);
  return fd;
}

typedef struct {
  int fd;
  char *buffer;
  gsize length;
  goffset offset;
  int errsv;
} RunWriter;

static void
writer_flush(RunWriter *w)
{
  const char *p = w->buffer;
  gsize left = w->length;
  while (left > 0 && w->errsv == 0) {
    gssize n = pwrite(w->fd, p, left, w->offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      w->errsv = n < 0 ? errno : EIO;
      break;
    }
    p += n;
    left -= (gsize)n;
    w->offset += n;
  }
  w->length = 0;
}

static void
writer_put(RunWriter *w, const void *data, gsize length)
{
  if (w->length + length > RUN_BUFFER) {
    writer_flush(w);
    if (length > RUN_BUFFER) {
      w->length = 0;
      const char *p = data;
      while (length > 0 && w->errsv == 0) {
        gsize k = MIN(length, (gsize)RUN_BUFFER);
        memcpy(w->buffer, p, k);
        w->length = k;
        writer_flush(w);
        p += k;
        length -= k;
      }
      return;
    }
  }
  memcpy(w->buffer + w->length, data, length);
  w->length += length;
}

static void
writer_text(RunWriter *w, const char *text)
{
  guint32 length = (guint32)strlen(text);
  writer_put(w, &length, sizeof length);
  writer_put(w, text, length);
}

enum {
  HAS_KIND = 1 << 0,
  HAS_ZONE = 1 << 1,
  HAS_DESCRIPTION = 1 << 2,
  HAS_LOCATION = 1 << 3,
  HAS_URL = 1 << 4,
};

/* The fixed part of a record; its text follows. */
typedef struct {
  guint32 length; /* of the whole record, this header included */
  guint8 precision, qualifier, flags, has;
  gint64 start, end;
  guint64 order, seq; /* its shard's order and its place in the shard: ties */
  guint64 hash;       /* of its id */
  guint16 n_tags, n_actors, n_attributes, pad;
} RecordHead;

static guint64
id_hash(const char *id)
{
  return _tw_hash64(id, strlen(id), 0);
}

static int
compare_u64(const void *a, const void *b)
{
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
  return x < y ? -1 : x > y;
}

gboolean
_tw_spill_write_run(TwSpill *spill, TwEvent *const *events, const guint64 *orders,
                    const guint64 *seqs, gsize n)
{
  g_autoptr(GError) error = NULL;
  int fd = open_anonymous(&error);
  RunWriter w = {fd, g_malloc(RUN_BUFFER), 0, 0, 0};
  guint64 *hashes = g_new(guint64, MAX(n, 1));
  if (fd < 0)
    goto fail;

  for (gsize i = 0; i < n; i++) {
    const TwEvent *e = events[i];
    const TwEventMore *more = e->more;
    char id_buf[TW_ID_TEXT_SIZE];
    const char *id = _tw_event_id_text(e, id_buf);
    RecordHead head = {
        .precision = e->precision,
        .qualifier = e->qualifier,
        .flags = e->flags & (TW_EVENT_FLOATING | TW_EVENT_HAS_GEO),
        .start = e->start,
        .end = e->end,
        .order = orders[i],
        .seq = seqs[i],
        .hash = id_hash(id),
        .n_tags = e->n_tags,
        .n_actors = more ? more->n_actors : 0,
        .n_attributes = e->n_attributes,
    };
    hashes[i] = head.hash;
    const TwEventNames *names = e->names;
    head.has = (names->kind ? HAS_KIND : 0) | (names->zone ? HAS_ZONE : 0) |
               (more && more->description ? HAS_DESCRIPTION : 0) |
               (more && more->location ? HAS_LOCATION : 0) | (more && more->url ? HAS_URL : 0);
    /* The length is known once the text is measured. */
    gsize length = sizeof head + 4 * (3 + e->n_tags + head.n_actors + 2 * e->n_attributes) +
                   strlen(id) + strlen(e->title) + strlen(names->source);
    const char *optional[] = {names->kind, names->zone, more ? more->description : NULL,
                              more ? more->location : NULL, more ? more->url : NULL};
    for (guint k = 0; k < G_N_ELEMENTS(optional); k++)
      if (optional[k])
        length += 4 + strlen(optional[k]);
    for (guint k = 0; k < e->n_tags; k++)
      length += strlen(e->tags[k]);
    for (guint k = 0; k < head.n_actors; k++)
      length += strlen(more->actors[k]);
    for (guint k = 0; k < e->n_attributes; k++)
      length += strlen(_tw_event_attribute_key(e, k)) + strlen(_tw_event_attribute_value(e, k));
    if (e->flags & TW_EVENT_HAS_GEO)
      length += 2 * sizeof(double);
    head.length = (guint32)length;

    writer_put(&w, &head, sizeof head);
    writer_text(&w, id);
    writer_text(&w, e->title);
    writer_text(&w, names->source);
    for (guint k = 0; k < G_N_ELEMENTS(optional); k++)
      if (optional[k])
        writer_text(&w, optional[k]);
    for (guint k = 0; k < e->n_tags; k++)
      writer_text(&w, e->tags[k]);
    for (guint k = 0; k < head.n_actors; k++)
      writer_text(&w, more->actors[k]);
    for (guint k = 0; k < e->n_attributes; k++) {
      writer_text(&w, _tw_event_attribute_key(e, k));
      writer_text(&w, _tw_event_attribute_value(e, k));
    }
    if (e->flags & TW_EVENT_HAS_GEO)
      writer_put(&w, more->geo, 2 * sizeof(double));
  }
  writer_flush(&w);
  goffset records_end = w.offset;
  qsort(hashes, n, sizeof *hashes, compare_u64);
  writer_put(&w, hashes, n * sizeof *hashes);
  writer_flush(&w);
  if (w.errsv) {
    g_set_error(&error, G_IO_ERROR, g_io_error_from_errno(w.errsv),
                "%s: cannot write a temporary file for --memory-limit: %s", g_get_tmp_dir(),
                g_strerror(w.errsv));
    goto fail;
  }
  g_free(w.buffer);
  g_free(hashes);

  SpillRun *run = g_new0(SpillRun, 1);
  run->fd = fd;
  run->n_events = n;
  run->records_end = records_end;
  run->hashes_offset = records_end;
  g_mutex_lock(&spill->lock);
  g_ptr_array_add(spill->runs, run);
  spill->n_records += n;
  spill->n_bytes += (guint64)w.offset;
  g_mutex_unlock(&spill->lock);
  return TRUE;

fail:
  if (fd >= 0)
    close(fd);
  g_free(w.buffer);
  g_free(hashes);
  g_mutex_lock(&spill->lock);
  if (!spill->error)
    spill->error = g_steal_pointer(&error);
  g_mutex_unlock(&spill->lock);
  return FALSE;
}

void
_tw_spill_drop_order(TwSpill *spill, guint64 order)
{
  g_mutex_lock(&spill->lock);
  g_hash_table_add(spill->dropped, g_memdup2(&order, sizeof order));
  g_mutex_unlock(&spill->lock);
}

gboolean
_tw_spill_is_dropped(TwSpill *spill, guint64 order)
{
  g_mutex_lock(&spill->lock);
  gboolean dropped = g_hash_table_contains(spill->dropped, &order);
  g_mutex_unlock(&spill->lock);
  return dropped;
}

void
_tw_spill_get_stats(const TwSpill *spill, guint *n_runs, guint64 *n_bytes)
{
  *n_runs = spill->runs->len;
  *n_bytes = spill->n_bytes;
}

gboolean
_tw_spill_get_error(TwSpill *spill, GError **error)
{
  if (!spill->error)
    return TRUE;
  g_propagate_error(error, g_error_copy(spill->error));
  return FALSE;
}

/* -- reading runs -- */

typedef struct {
  int fd;
  goffset offset, end;
  char *buffer;
  gsize start, length; /* the unread bytes of the buffer */
  int errsv;
} RunReader;

/* Makes @want bytes available; FALSE at the end or on an error. */
static gboolean
reader_need(RunReader *r, gsize want)
{
  if (r->length >= want)
    return TRUE;
  if (want > RUN_BUFFER) {
    /* A record larger than the buffer (a long text). */
    char *bigger = g_malloc(want);
    memcpy(bigger, r->buffer + r->start, r->length);
    g_free(r->buffer);
    r->buffer = bigger;
    r->start = 0;
  } else {
    memmove(r->buffer, r->buffer + r->start, r->length);
    r->start = 0;
  }
  gsize room = MAX(want, (gsize)RUN_BUFFER);
  while (r->length < want && r->offset < r->end) {
    gsize ask = (gsize)MIN((goffset)(room - r->length), r->end - r->offset);
    gssize n = pread(r->fd, r->buffer + r->length, ask, r->offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      r->errsv = n < 0 ? errno : EIO;
      return FALSE;
    }
    r->length += (gsize)n;
    r->offset += n;
  }
  return r->length >= want;
}

static void
reader_init(RunReader *r, const SpillRun *run, goffset begin, goffset end)
{
  r->fd = run->fd;
  r->offset = begin;
  r->end = end;
  r->buffer = g_malloc(RUN_BUFFER);
  r->start = r->length = 0;
  r->errsv = 0;
}

static void
reader_clear(RunReader *r)
{
  g_free(r->buffer);
  r->buffer = NULL;
}

/* A record decoded: the event, its tie keys and hash, its text in @text (reused). */
typedef struct {
  TwEvent event;
  TwEventMore more;
  TwEventNames names;
  guint64 order, seq, hash;
  GString *text;    /* the strings, NUL-terminated */
  GPtrArray *lists; /* scratch for tags, actors, attributes */
} Record;

static void
take_text(const char **p, GString *text, gsize *offset)
{
  guint32 length;
  memcpy(&length, *p, sizeof length);
  *offset = text->len;
  g_string_append_len(text, *p + 4, length);
  g_string_append_c(text, '\0');
  *p += 4 + length;
}

/* Reads the next record of @r into @rec; FALSE at the end of the records (or an error). */
static gboolean
read_record(RunReader *r, Record *rec)
{
  RecordHead head;
  if (!reader_need(r, sizeof head))
    return FALSE;
  memcpy(&head, r->buffer + r->start, sizeof head);
  if (!reader_need(r, head.length))
    return FALSE;
  const char *p = r->buffer + r->start + sizeof head;
  GString *text = rec->text;
  g_string_truncate(text, 0);

  /* Offsets first: the text buffer may move while it grows. */
  gsize id, title, source, optional[5] = {0};
  take_text(&p, text, &id);
  take_text(&p, text, &title);
  take_text(&p, text, &source);
  static const guint8 bits[5] = {HAS_KIND, HAS_ZONE, HAS_DESCRIPTION, HAS_LOCATION, HAS_URL};
  for (guint k = 0; k < 5; k++)
    if (head.has & bits[k])
      take_text(&p, text, &optional[k]);
  guint n_strings = head.n_tags + head.n_actors + 2u * head.n_attributes;
  gsize *offsets = g_newa(gsize, MAX(n_strings, 1));
  for (guint k = 0; k < n_strings; k++)
    take_text(&p, text, &offsets[k]);
  double geo[2] = {0, 0};
  if (head.flags & TW_EVENT_HAS_GEO)
    memcpy(geo, p, sizeof geo);
  r->start += head.length;
  r->length -= head.length;

  TwEvent *e = &rec->event;
  memset(e, 0, sizeof *e);
  e->start = head.start;
  e->end = head.end;
  e->precision = head.precision;
  e->qualifier = head.qualifier;
  e->flags = head.flags;
  /* The first text, at the start of the buffer: an even address, as TwEvent wants. */
  g_assert(id == 0);
  e->id = text->str;
  e->title = text->str + title;
  rec->names.source = text->str + source;
  rec->names.kind = head.has & HAS_KIND ? text->str + optional[0] : NULL;
  rec->names.zone = head.has & HAS_ZONE ? text->str + optional[1] : NULL;
  e->names = &rec->names;
  /* Lists as arrays of pointers, in one scratch allocation. */
  gsize words = head.n_tags + head.n_actors + 2u * head.n_attributes;
  g_ptr_array_set_size(rec->lists, (guint)MAX(words, 1));
  const char **slots = (const char **)rec->lists->pdata;
  for (guint k = 0; k < n_strings; k++)
    slots[k] = text->str + offsets[k];
  e->n_tags = head.n_tags;
  e->tags = head.n_tags ? slots : NULL;
  e->n_attributes = head.n_attributes;
  e->attributes = head.n_attributes ? (TwAttribute *)(slots + head.n_tags + head.n_actors) : NULL;
  if (head.n_actors || (head.has & (HAS_DESCRIPTION | HAS_LOCATION | HAS_URL)) ||
      (head.flags & TW_EVENT_HAS_GEO)) {
    TwEventMore *more = &rec->more;
    memset(more, 0, sizeof *more);
    more->description = head.has & HAS_DESCRIPTION ? text->str + optional[2] : NULL;
    more->location = head.has & HAS_LOCATION ? text->str + optional[3] : NULL;
    more->url = head.has & HAS_URL ? text->str + optional[4] : NULL;
    more->n_actors = head.n_actors;
    more->actors = head.n_actors ? slots + head.n_tags : NULL;
    more->geo[0] = geo[0];
    more->geo[1] = geo[1];
    e->more = more;
  }
  rec->order = head.order;
  rec->seq = head.seq;
  rec->hash = head.hash;
  return TRUE;
}

static void
record_init(Record *rec)
{
  memset(rec, 0, sizeof *rec);
  rec->text = g_string_sized_new(256);
  rec->lists = g_ptr_array_new();
}

static void
record_clear(Record *rec)
{
  g_string_free(rec->text, TRUE);
  g_ptr_array_unref(rec->lists);
}

/* A deep copy of @e into @arena (interned names stay in @shard). */
static TwEvent *
copy_event(TwShard *shard, TwArena *arena, const TwEvent *e)
{
  TwEvent *c = _tw_arena_alloc(arena, sizeof *c);
  *c = *e;
  c->id = _tw_arena_strndup_even(arena, e->id, strlen(e->id));
  c->title = _tw_arena_strndup(arena, e->title, strlen(e->title));
  /* (@e was read from a run: its attributes are pairs, and so are the copy's.) */
  c->names = _tw_shard_names(shard, _tw_shard_intern(shard, e->names->source),
                             _tw_shard_intern(shard, e->names->kind),
                             _tw_shard_intern(shard, e->names->zone), NULL, 0);
  if (e->n_tags) {
    const char **tags = _tw_arena_alloc(arena, e->n_tags * sizeof(char *));
    for (guint k = 0; k < e->n_tags; k++)
      tags[k] = _tw_shard_intern(shard, e->tags[k]);
    c->tags = tags;
  }
  if (e->n_attributes) {
    TwAttribute *attributes = _tw_arena_alloc(arena, e->n_attributes * sizeof(TwAttribute));
    for (guint k = 0; k < e->n_attributes; k++) {
      attributes[k].key = _tw_shard_intern(shard, e->attributes[k].key);
      attributes[k].value =
          _tw_arena_strndup(arena, e->attributes[k].value, strlen(e->attributes[k].value));
    }
    c->attributes = attributes;
  }
  if (e->more) {
    TwEventMore *more = _tw_arena_alloc(arena, sizeof *more);
    *more = *e->more;
    const char **texts[] = {&more->description, &more->location, &more->url};
    for (guint k = 0; k < G_N_ELEMENTS(texts); k++)
      if (*texts[k])
        *texts[k] = _tw_arena_strndup(arena, *texts[k], strlen(*texts[k]));
    if (more->n_actors) {
      const char **actors = _tw_arena_alloc(arena, more->n_actors * sizeof(char *));
      for (guint k = 0; k < more->n_actors; k++)
        actors[k] = _tw_shard_intern(shard, e->more->actors[k]);
      more->actors = actors;
    }
    c->more = more;
  }
  return c;
}

/* -- the merge -- */

typedef struct {
  RunReader reader;
  Record record; /* the head, valid while @live */
  gboolean live;
} MergeInput;

struct _Merge {
  MergeInput *inputs;
  guint n_inputs;
  guint *heap; /* input indices, the smallest head first */
  guint heap_size;
  const TwSpill *spill;
};

/* The timeline's order, then input order (the shard's order, the place in it). */
static int
compare_heads(const MergeInput *a, const MergeInput *b)
{
  int c = tw_event_compare(&a->record.event, &b->record.event);
  if (c)
    return c;
  if (a->record.order != b->record.order)
    return a->record.order < b->record.order ? -1 : 1;
  return a->record.seq < b->record.seq ? -1 : a->record.seq > b->record.seq;
}

static void
sift_down(struct _Merge *m, guint i)
{
  for (;;) {
    guint smallest = i, l = 2 * i + 1, r = l + 1;
    if (l < m->heap_size &&
        compare_heads(&m->inputs[m->heap[l]], &m->inputs[m->heap[smallest]]) < 0)
      smallest = l;
    if (r < m->heap_size &&
        compare_heads(&m->inputs[m->heap[r]], &m->inputs[m->heap[smallest]]) < 0)
      smallest = r;
    if (smallest == i)
      return;
    guint t = m->heap[i];
    m->heap[i] = m->heap[smallest];
    m->heap[smallest] = t;
    i = smallest;
  }
}

/* Reads @in's next record that is not dropped. */
static void
input_advance(const TwSpill *spill, MergeInput *in)
{
  for (;;) {
    in->live = read_record(&in->reader, &in->record);
    if (!in->live || g_hash_table_size(spill->dropped) == 0 ||
        !g_hash_table_contains(spill->dropped, &in->record.order))
      return;
  }
}

static struct _Merge *
merge_new(const TwSpill *spill)
{
  struct _Merge *m = g_new0(struct _Merge, 1);
  m->spill = spill;
  m->n_inputs = spill->runs->len;
  m->inputs = g_new0(MergeInput, MAX(m->n_inputs, 1));
  m->heap = g_new(guint, MAX(m->n_inputs, 1));
  for (guint i = 0; i < m->n_inputs; i++) {
    const SpillRun *run = g_ptr_array_index(spill->runs, i);
    reader_init(&m->inputs[i].reader, run, 0, run->records_end);
    record_init(&m->inputs[i].record);
    input_advance(spill, &m->inputs[i]);
    if (m->inputs[i].live)
      m->heap[m->heap_size++] = i;
  }
  for (guint i = m->heap_size / 2; i-- > 0;)
    sift_down(m, i);
  return m;
}

static void
merge_free(struct _Merge *m)
{
  for (guint i = 0; i < m->n_inputs; i++) {
    reader_clear(&m->inputs[i].reader);
    record_clear(&m->inputs[i].record);
  }
  g_free(m->inputs);
  g_free(m->heap);
  g_free(m);
}

/* The smallest head: valid until merge_pop(). NULL at the end. */
static const Record *
merge_peek(struct _Merge *m)
{
  return m->heap_size ? &m->inputs[m->heap[0]].record : NULL;
}

static void
merge_pop(struct _Merge *m)
{
  MergeInput *in = &m->inputs[m->heap[0]];
  input_advance(m->spill, in);
  if (!in->live)
    m->heap[0] = m->heap[--m->heap_size];
  if (m->heap_size)
    sift_down(m, 0);
}

/* -- finishing: duplicates, links, the count -- */

static gboolean
sorted_contains(const guint64 *values, gsize n, guint64 value)
{
  gsize lo = 0, hi = n;
  while (lo < hi) {
    gsize mid = lo + (hi - lo) / 2;
    if (values[mid] < value)
      lo = mid + 1;
    else if (values[mid] > value)
      hi = mid;
    else
      return TRUE;
  }
  return FALSE;
}

/* The hashes that more than one record has: the runs' sorted hash lists, merged. */
static void
find_duplicates(TwSpill *spill)
{
  guint n = spill->runs->len;
  RunReader *readers = g_new0(RunReader, MAX(n, 1));
  guint64 *heads = g_new(guint64, MAX(n, 1));
  gboolean *live = g_new0(gboolean, MAX(n, 1));
  GArray *dups = g_array_new(FALSE, FALSE, sizeof(guint64));
  for (guint i = 0; i < n; i++) {
    const SpillRun *run = g_ptr_array_index(spill->runs, i);
    reader_init(&readers[i], run, run->hashes_offset,
                run->hashes_offset + (goffset)(run->n_events * sizeof(guint64)));
    if ((live[i] = reader_need(&readers[i], sizeof(guint64)))) {
      memcpy(&heads[i], readers[i].buffer + readers[i].start, sizeof(guint64));
      readers[i].start += sizeof(guint64);
      readers[i].length -= sizeof(guint64);
    }
  }
  /* A linear scan for the smallest head: runs are few (each is about half the limit). */
  gboolean have_last = FALSE;
  guint64 last = 0;
  for (;;) {
    gint best = -1;
    for (guint i = 0; i < n; i++)
      if (live[i] && (best < 0 || heads[i] < heads[best]))
        best = (gint)i;
    if (best < 0)
      break;
    guint64 h = heads[best];
    if (have_last && h == last &&
        (dups->len == 0 || g_array_index(dups, guint64, dups->len - 1) != h))
      g_array_append_val(dups, h);
    last = h;
    have_last = TRUE;
    RunReader *r = &readers[best];
    if ((live[best] = reader_need(r, sizeof(guint64)))) {
      memcpy(&heads[best], r->buffer + r->start, sizeof(guint64));
      r->start += sizeof(guint64);
      r->length -= sizeof(guint64);
    }
  }
  for (guint i = 0; i < n; i++)
    reader_clear(&readers[i]);
  g_free(readers);
  g_free(heads);
  g_free(live);
  spill->n_duplicates = dups->len;
  spill->duplicates = (guint64 *)g_array_free(dups, FALSE);
}

static char *
group_key(const TwEvent *e)
{
  return g_strconcat(e->id, "\n", e->names->source, NULL);
}

/* Marks TW_EVENT_SHARED_ID, as merge_id_group() does in memory: every event whose id another
 * source gives too is in a group (its hash is a duplicate's), and a group is one id and source,
 * so an id that more than one group has is shared. The groups are few (the events whose id
 * hash repeats), and the exports give each group's event, so the mark goes on it. */
static void
mark_shared_ids(TwSpill *spill)
{
  if (g_hash_table_size(spill->groups) < 2)
    return;
  g_autoptr(GHashTable) sources = g_hash_table_new(g_str_hash, g_str_equal); /* id -> count */
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init(&iter, spill->groups);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    const TwEvent *keep = ((const Group *)value)->keep;
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(sources, keep->id));
    g_hash_table_insert(sources, (gpointer)keep->id, GUINT_TO_POINTER(n + 1));
  }
  g_hash_table_iter_init(&iter, spill->groups);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    TwEvent *keep = ((Group *)value)->keep;
    if (GPOINTER_TO_UINT(g_hash_table_lookup(sources, keep->id)) > 1)
      keep->flags |= TW_EVENT_SHARED_ID;
  }
}

gboolean
_tw_spill_finish(TwSpill *spill, TwTimeline *timeline, const char *const *link_ends, guint n_ends,
                 GError **error)
{
  if (!_tw_spill_get_error(spill, error))
    return FALSE;
  find_duplicates(spill);
  GArray *ends = g_array_new(FALSE, FALSE, sizeof(guint64));
  for (guint i = 0; i < n_ends; i++) {
    guint64 h = id_hash(link_ends[i]);
    g_array_append_val(ends, h);
  }
  g_array_sort(ends, compare_u64);
  spill->groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  spill->ends_at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  spill->pinned = g_hash_table_new(g_direct_hash, g_direct_equal);

  if (spill->n_duplicates == 0 && ends->len == 0 && g_hash_table_size(spill->dropped) == 0) {
    spill->n_events = (guint)MIN(spill->n_records, G_MAXUINT);
    g_array_free(ends, TRUE);
    return TRUE;
  }

  /* One pass: count, collect the duplicates' groups (folded into their first event, as
   * tw_timeline_finish() folds them), note where the link ends are and keep a copy of them:
   * the exports look them up by id while they write other events. */
  struct _Merge *m = merge_new(spill);
  guint64 count = 0;
  const Record *rec;
  while ((rec = merge_peek(m))) {
    const TwEvent *e = &rec->event;
    gboolean counted = TRUE;
    const TwEvent *first = NULL; /* its copy, when it is the first of a group */
    if (sorted_contains(spill->duplicates, spill->n_duplicates, rec->hash)) {
      g_autofree char *key = group_key(e);
      Group *group = g_hash_table_lookup(spill->groups, key);
      if (!group) {
        group = g_new0(Group, 1);
        group->keep = copy_event(spill->own, _tw_shard_get_arena(spill->own), e);
        first = group->keep;
        g_hash_table_insert(spill->groups, g_steal_pointer(&key), group);
      } else {
        TwEvent *dup = copy_event(spill->own, _tw_shard_get_arena(spill->own), e);
        _tw_timeline_merge_into(timeline, group->keep, dup);
        counted = FALSE;
        spill->n_merged++;
      }
    }
    if (counted && ends->len &&
        sorted_contains((const guint64 *)ends->data, ends->len, rec->hash) &&
        !g_hash_table_contains(spill->ends_at, e->id)) {
      /* The first event with the id, as tw_timeline_find_event() finds it. */
      g_hash_table_insert(spill->ends_at, g_strdup(e->id), GSIZE_TO_POINTER(count + 1));
      if (!first)
        first = copy_event(spill->own, _tw_shard_get_arena(spill->own), e);
      g_hash_table_insert(spill->pinned, GSIZE_TO_POINTER(count), (gpointer)first);
    }
    count += counted;
    merge_pop(m);
  }
  mark_shared_ids(spill);
  gboolean ok = TRUE;
  for (guint i = 0; i < m->n_inputs; i++)
    if (m->inputs[i].reader.errsv) {
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(m->inputs[i].reader.errsv),
                  "%s: cannot read a temporary file for --memory-limit: %s", g_get_tmp_dir(),
                  g_strerror(m->inputs[i].reader.errsv));
      ok = FALSE;
      break;
    }
  merge_free(m);
  g_array_free(ends, TRUE);
  spill->n_events = (guint)MIN(count, G_MAXUINT);
  return ok;
}

guint64
_tw_spill_get_n_merged(const TwSpill *spill)
{
  return spill->n_merged;
}

gint
_tw_spill_find_link_end(const TwSpill *spill, const char *id)
{
  gsize v = GPOINTER_TO_SIZE(g_hash_table_lookup(spill->ends_at, id));
  return v ? (gint)(v - 1) : -1;
}

guint
_tw_spill_get_n_events(const TwSpill *spill)
{
  return spill->n_events;
}

/* -- the exports' cursor -- */

/* Starts the merge from the beginning (a new pass: each group is given once per pass). */
static void
cursor_restart(TwSpill *spill)
{
  if (spill->merge)
    merge_free(spill->merge);
  spill->merge = merge_new(spill);
  spill->position = 0;
  spill->pass++;
  for (guint k = 0; k < 2; k++) {
    _tw_arena_free(spill->window[k]);
    spill->window[k] = NULL;
    spill->window_first[k] = G_MAXUINT;
  }
}

/* An event that stands in when a temporary file cannot be read: the export goes on, and the
 * run fails with the error afterwards (_tw_spill_get_error()). */
static _Alignas(2) const char no_id[] = "";
static const TwEventNames unreadable_names = {.source = ""};
static const TwEvent unreadable = {.id = no_id, .title = "", .names = &unreadable_names};

static void
note_read_error(TwSpill *spill)
{
  for (guint i = 0; spill->merge && i < spill->merge->n_inputs; i++) {
    int errsv = spill->merge->inputs[i].reader.errsv;
    if (errsv && !spill->error)
      g_set_error(&spill->error, G_IO_ERROR, g_io_error_from_errno(errsv),
                  "%s: cannot read a temporary file for --memory-limit: %s", g_get_tmp_dir(),
                  g_strerror(errsv));
  }
  if (!spill->error)
    g_set_error(&spill->error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "%s: a temporary file for --memory-limit ends early", g_get_tmp_dir());
}

/* The next event of the timeline in the current pass, copied into the window. */
static const TwEvent *
cursor_next(TwSpill *spill)
{
  /* Events are copied into two arenas of WINDOW_BLOCK events each, used in turn: an event
   * stays valid until an event WINDOW_BLOCK or more places later is read. */
  guint index = spill->position;
  guint slot = (index / WINDOW_BLOCK) % 2;
  if (spill->window_first[slot] != index - index % WINDOW_BLOCK) {
    _tw_arena_free(spill->window[slot]);
    spill->window[slot] = _tw_arena_new(1 << 20);
    spill->window_first[slot] = index - index % WINDOW_BLOCK;
  }
  for (;;) {
    const Record *rec = merge_peek(spill->merge);
    if (!rec) {
      note_read_error(spill);
      spill->position++;
      return &unreadable;
    }
    const TwEvent *e = &rec->event;
    if (spill->n_duplicates && sorted_contains(spill->duplicates, spill->n_duplicates, rec->hash)) {
      g_autofree char *key = group_key(e);
      Group *group = g_hash_table_lookup(spill->groups, key);
      if (group && group->pass == spill->pass) {
        merge_pop(spill->merge); /* a later event of the group: merged into its first */
        continue;
      }
      if (group) {
        group->pass = spill->pass;
        merge_pop(spill->merge);
        spill->position++;
        return group->keep;
      }
    }
    TwEvent *copy = copy_event(spill->own, spill->window[slot], e);
    merge_pop(spill->merge);
    spill->position++;
    return copy;
  }
}

const TwEvent *
_tw_spill_get_event(TwSpill *spill, guint index)
{
  g_return_val_if_fail(index < spill->n_events, NULL);
  if (!spill->recent)
    spill->recent = g_new0(const TwEvent *, 2 * WINDOW_BLOCK);
  /* The events of the current and the previous window block are still there; reading further
   * back starts the merge again (exports read in order: they never do). */
  guint oldest =
      spill->position >= WINDOW_BLOCK
          ? (spill->position - WINDOW_BLOCK) - (spill->position - WINDOW_BLOCK) % WINDOW_BLOCK
          : 0;
  if (spill->merge && index >= oldest && index <= spill->position) {
    if (index < spill->position)
      return spill->recent[index % (2 * WINDOW_BLOCK)];
  } else {
    /* A jump (a link's end looked up by id while other events are written) leaves the cursor
     * where it is. */
    const TwEvent *pinned = g_hash_table_lookup(spill->pinned, GUINT_TO_POINTER(index));
    if (pinned)
      return pinned;
  }
  if (!spill->merge || index < oldest)
    cursor_restart(spill);
  if (index < spill->position)
    return spill->recent[index % (2 * WINDOW_BLOCK)];
  while (spill->position <= index) {
    guint at = spill->position;
    spill->recent[at % (2 * WINDOW_BLOCK)] = cursor_next(spill);
  }
  return spill->recent[index % (2 * WINDOW_BLOCK)];
}
