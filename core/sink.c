/* timeweave: shards (compact event storage) and the sink that sources push events into.
 *
 * The hot path of every source ends here, once per event, so nothing in it allocates with
 * malloc: the builder copies field text into a scratch arena that is rewound for each event,
 * commit copies it once more into the shard's arena (text unaligned, no padding), names are
 * interned through an open-addressing table, consecutive events that share a title or
 * attributes (a body file line's MACB events) share the stored copies, and so do events with
 * the same list of tags, wherever they are. */
#include "private.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Under AddressSanitizer a block of records kept in the pool for reuse is poisoned, so that a
 * record read after its block was freed is reported, as it crashed when the block was unmapped
 * (the same detection as core/util.c's). */
#if defined(__SANITIZE_ADDRESS__)
#define TW_SINK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TW_SINK_ASAN 1
#endif
#endif
#ifdef TW_SINK_ASAN
#include <sanitizer/asan_interface.h>
#define block_poison(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define block_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define block_poison(p, n) ((void)(p), (void)(n))
#define block_unpoison(p, n) ((void)(p), (void)(n))
#endif

/* ---------------------------------------------------------------- shards */

/* Events are stored in fixed blocks so that their addresses never move while a source is still
 * adding; once it is done, _tw_shard_sort() puts the records in order within the blocks. */
/* One less than 4096: the shard's address after the records then lies in their last page,
 * not one of its own (event_block_new()). */
#define SHARD_BLOCK_EVENTS TW_SHARD_BLOCK_EVENTS
/* Up to this many events a shard is sorted into new blocks (a second copy of its records for a
 * moment: a chunk of a file is some 150,000), beyond it in place. TW_SORT_GATHER_MAX (events)
 * lets tests take the other way with small shards. */
#define SORT_GATHER_MAX (1u << 20)

static gsize
sort_gather_max(void)
{
  const char *env = g_getenv("TW_SORT_GATHER_MAX");
  return env && *env ? (gsize)g_ascii_strtoull(env, NULL, 10) : SORT_GATHER_MAX;
}
/* Short attribute values (host names, users, event types) repeat: a direct-mapped cache of the
 * stored copies lets repeats share one. */
#define VALUE_CACHE_SLOTS 4096
#define VALUE_CACHE_MAX_LENGTH 32
/* Lists of tags (and of actors) repeat too, in any order of events: a few hundred sets of a
 * source's tags make most of its events'. A direct-mapped cache of the stored lists, by their
 * interned pointers, lets repeats share one (12 bytes an event for one or two tags). */
#define LIST_CACHE_SLOTS 1024

typedef struct {
  const char *from_id;
  const char *to_id;
  const char *rule;
  gint64 lag_min;
  gint64 lag_max;
  TwCertainty certainty;
} TwPendingLink;

typedef struct {
  const char *text; /* NULL: empty slot */
  guint64 hash;
} InternSlot;

/* A text in an arena with its length, so that comparing it with another costs one memcmp. */
typedef struct {
  const char *text;
  gsize length;
} TextRef;

static inline gboolean
text_ref_equal(const TextRef *ref, const char *text, gsize length)
{
  return ref->length == length && memcmp(ref->text, text, length) == 0;
}

/* A slot of the value cache: the text, its length and 32 more bits of its hash, so that a slot
 * holding another value (a unique value, such as a pid, meets the one before it in its slot) is
 * told apart without reading that other text, a cache miss in an old part of the arena. */
typedef struct {
  const char *text;
  guint32 length;
  guint32 tag;
} ValueSlot;

/* A slot of the list cache: a stored list of interned names. */
typedef struct {
  const char **names; /* NULL: empty slot */
  gsize n;
} ListSlot;

struct _TwShard {
  GPtrArray *blocks; /* of SHARD_BLOCK_EVENTS events each, mapped (see util.c's arena) */
  guint last_fill;
  guint64 n_events;
  gboolean sorted; /* the records are in the timeline's order */
  TwArena *arena;
  InternSlot *interned; /* text -> the same text in the arena; one table per shard */
  gsize intern_mask;
  gsize n_interned;
  ValueSlot *value_cache; /* VALUE_CACHE_SLOTS short values, by hash */
  ListSlot *list_cache;   /* LIST_CACHE_SLOTS stored lists of names, by their pointers */
  TwArena *on_demand;     /* hashed ids and attribute pairs made on demand (under on_demand_lock) */
  const TwEventNames **names; /* open addressing by the four pointers; NULL: empty slot */
  gsize names_mask;
  gsize n_names;
  guint n_key_lists; /* lists of attribute keys stored (at most KEY_LISTS_MAX) */
  GArray *links;     /* TwPendingLink */
  guint64 order;     /* where the shard's events and links go among the timeline's shards */
  guint64 base_seq;  /* the place of its first event among its sink's (after a spill) */
  gsize reported;    /* its memory as last counted in the timeline's total */
  /* Of its first events, how many have a number for an id (TW_ID_NUMBER), ascending in the order
   * they came, from one source; and the first and last of those numbers. When that is all of
   * them (a file's or a chunk's line numbers), no two share an id (_tw_shard_get_number_ids()). */
  guint64 n_number_ids;
  guint64 first_number, last_number;
  const char *number_source; /* interned */
};

/* A block of records is mapped at an address that is a multiple of SHARD_BLOCK_ALIGN, and its
 * shard is written after its records: an event's shard is found from the event's address alone,
 * which tw_event_get_id() needs to store a derived id with the event's other text. The mapping
 * past the tail is never touched, so it takes address space, not memory. */
#define SHARD_BLOCK_ALIGN ((gsize)512 * 1024)
#define SHARD_BLOCK_TAIL (SHARD_BLOCK_EVENTS * sizeof(TwEvent))
/* What the tail costs in memory: the page it is on (4 KiB, the smallest page Linux maps). */
#define SHARD_TAIL_PAGE ((gsize)4096)
G_STATIC_ASSERT(SHARD_BLOCK_TAIL + sizeof(TwShard *) <= (SHARD_BLOCK_EVENTS + 1) * sizeof(TwEvent));
G_STATIC_ASSERT((SHARD_BLOCK_EVENTS + 1) * sizeof(TwEvent) <= SHARD_BLOCK_ALIGN);
/* The record's size is what the memory budget counts (docs/architecture.md): a field added here
 * costs that much for every event. */
G_STATIC_ASSERT(GLIB_SIZEOF_VOID_P != 8 || sizeof(TwEvent) == 72);

/* Freed blocks of records kept mapped for the next ones while a job reads (between
 * _tw_shard_pool_hold() and _tw_shard_pool_release(); a job under --memory-limit does not
 * hold it, since the blocks of the shards it spills would stay resident beyond the limit). Sorting
 * a shard gathers its records into new blocks and frees the old: without the pool, every record was
 * written into pages touched for the first time twice, once when read and once when sorted (10M CSV
 * events: 176,000 of 687,000 page faults, each zeroing its page, and as many pages unmapped). With
 * it, the next shard's events and the next sort's gather take the blocks the last sort freed.
 * Bounded: a block is 295 KB of touched pages, and a shard of a 16 MiB chunk some 34 blocks (102
 * for a body file's). */
#define BLOCK_POOL_MAX 128
static GMutex block_pool_lock;
static gpointer block_pool[BLOCK_POOL_MAX];
static guint block_pool_n;
static guint block_pool_holders;

void
_tw_shard_pool_hold(void)
{
  g_mutex_lock(&block_pool_lock);
  block_pool_holders++;
  g_mutex_unlock(&block_pool_lock);
}

void
_tw_shard_pool_release(void)
{
  gpointer freed[BLOCK_POOL_MAX];
  guint n_freed = 0;
  g_mutex_lock(&block_pool_lock);
  gboolean held = block_pool_holders > 0;
  if (held && --block_pool_holders == 0) {
    n_freed = block_pool_n;
    memcpy(freed, block_pool, n_freed * sizeof *freed);
    block_pool_n = 0;
  }
  g_mutex_unlock(&block_pool_lock);
  g_return_if_fail(held);
  for (guint i = 0; i < n_freed; i++) {
    block_unpoison(freed[i], SHARD_BLOCK_ALIGN);
    munmap(freed[i], SHARD_BLOCK_ALIGN);
  }
}

static void
event_block_free(gpointer block)
{
  g_mutex_lock(&block_pool_lock);
  if (block_pool_holders > 0 && block_pool_n < BLOCK_POOL_MAX) {
    block_poison(block, SHARD_BLOCK_ALIGN);
    block_pool[block_pool_n++] = block;
    block = NULL;
  }
  g_mutex_unlock(&block_pool_lock);
  if (block)
    munmap(block, SHARD_BLOCK_ALIGN);
}

static TwEvent *
event_block_new(TwShard *shard)
{
  char *block = NULL;
  g_mutex_lock(&block_pool_lock);
  if (block_pool_n > 0)
    block = block_pool[--block_pool_n];
  g_mutex_unlock(&block_pool_lock);
  if (block) {
    /* (Its records are overwritten before they are read: each is zeroed when added, or copied
     * over when gathered.) */
    block_unpoison(block, SHARD_BLOCK_ALIGN);
    *(TwShard **)(block + SHARD_BLOCK_TAIL) = shard;
    return (TwEvent *)block;
  }
  /* Twice the size, then the parts before and after the aligned block are given back. */
  char *p =
      mmap(NULL, 2 * SHARD_BLOCK_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    g_error("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, 2 * SHARD_BLOCK_ALIGN);
  gsize head = (SHARD_BLOCK_ALIGN - (guintptr)p % SHARD_BLOCK_ALIGN) % SHARD_BLOCK_ALIGN;
  if (head)
    munmap(p, head);
  munmap(p + head + SHARD_BLOCK_ALIGN, SHARD_BLOCK_ALIGN - head);
  block = p + head;
  *(TwShard **)(block + SHARD_BLOCK_TAIL) = shard;
  return (TwEvent *)block;
}

static TwShard *
shard_of_event(const TwEvent *event)
{
  const char *block = (const char *)((guintptr)event & ~(guintptr)(SHARD_BLOCK_ALIGN - 1));
  return *(TwShard *const *)(block + SHARD_BLOCK_TAIL);
}

TwShard *
_tw_shard_new(void)
{
  TwShard *shard = g_new0(TwShard, 1);
  shard->blocks = g_ptr_array_new_with_free_func(event_block_free);
  shard->last_fill = SHARD_BLOCK_EVENTS;
  shard->arena = _tw_arena_new(1 << 20);
  shard->intern_mask = 63;
  shard->interned = g_new0(InternSlot, shard->intern_mask + 1);
  shard->names_mask = 15;
  shard->names = g_new0(const TwEventNames *, shard->names_mask + 1);
  shard->links = g_array_new(FALSE, FALSE, sizeof(TwPendingLink));
  return shard;
}

void
_tw_shard_free(TwShard *shard)
{
  if (!shard)
    return;
  g_ptr_array_unref(shard->blocks);
  g_free(shard->interned);
  g_free(shard->names);
  g_free(shard->value_cache);
  g_free(shard->list_cache);
  g_array_unref(shard->links);
  _tw_arena_free(shard->arena);
  if (shard->on_demand)
    _tw_arena_free(shard->on_demand);
  g_free(shard);
}

TwEvent *
_tw_shard_add_event(TwShard *shard)
{
  if (shard->last_fill == SHARD_BLOCK_EVENTS) {
    g_ptr_array_add(shard->blocks, event_block_new(shard));
    shard->last_fill = 0;
  }
  TwEvent *block = g_ptr_array_index(shard->blocks, shard->blocks->len - 1);
  TwEvent *event = &block[shard->last_fill++];
  memset(event, 0, sizeof *event);
  shard->n_events++;
  shard->sorted = FALSE;
  return event;
}

static inline TwEvent *
shard_event(const TwShard *shard, gsize index)
{
  TwEvent *block = g_ptr_array_index(shard->blocks, index / SHARD_BLOCK_EVENTS);
  return &block[index % SHARD_BLOCK_EVENTS];
}

/* An event among others with the same start, with its id written out once for the sort. */
typedef struct {
  const TwEvent *event;
  const char *id; /* the stored id, or @buf */
  gsize index;
  char buf[TW_ID_TEXT_SIZE];
} TieItem;

/* Orders two events with equal starts: the full order, then arrival. */
static int
compare_ties(gconstpointer a, gconstpointer b)
{
  const TieItem *x = *(TieItem *const *)a, *y = *(TieItem *const *)b;
  int c = _tw_event_compare_with_ids(x->event, x->id, y->event, y->id);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Sorts @n pairs of @shard with equal keys into the full order. */
static void
sort_ties(TwShard *shard, TwSortPair *pairs, gsize n)
{
  TieItem *items = g_new(TieItem, n);
  TieItem **order = g_new(TieItem *, n);
  for (gsize i = 0; i < n; i++) {
    TieItem *item = &items[i];
    item->index = pairs[i].index;
    item->event = shard_event(shard, item->index);
    item->id = _tw_event_id_text(item->event, item->buf);
    order[i] = item;
  }
  qsort(order, n, sizeof *order, compare_ties);
  for (gsize i = 0; i < n; i++)
    pairs[i].index = order[i]->index;
  g_free(order);
  g_free(items);
}

void
_tw_shard_sort(TwShard *shard)
{
  if (!shard || shard->sorted)
    return;
  shard->sorted = TRUE;
  gsize n = shard->n_events;
  if (n < 2)
    return;
  /* (start, index) pairs, radix-sorted, then each run of equal starts in the full order. */
  TwSortPair *pairs = g_new(TwSortPair, n);
  for (gsize i = 0; i < n; i++) {
    pairs[i].key = _tw_event_sort_key(shard_event(shard, i));
    pairs[i].index = i;
  }
  TwSortPair *tmp = g_new(TwSortPair, n);
  TwSortPair *sorted = _tw_sort_pairs(pairs, tmp, n);
  g_free(sorted == pairs ? tmp : pairs);
  for (gsize i = 0; i < n;) {
    gsize j = i + 1;
    while (j < n && sorted[j].key == sorted[i].key)
      j++;
    if (j - i > 1)
      sort_ties(shard, sorted + i, j - i);
    i = j;
  }
  if (n <= sort_gather_max()) {
    /* Position i takes the record at sorted[i].index: gathered into new blocks, reading ahead
     * so that the misses overlap, then the old blocks go. */
    GPtrArray *blocks = g_ptr_array_new_full(shard->blocks->len, event_block_free);
    for (gsize i = 0; i < n; i++) {
      if (i % SHARD_BLOCK_EVENTS == 0)
        g_ptr_array_add(blocks, event_block_new(shard));
      if (i + 8 < n)
        __builtin_prefetch(shard_event(shard, sorted[i + 8].index));
      TwEvent *block = g_ptr_array_index(blocks, i / SHARD_BLOCK_EVENTS);
      block[i % SHARD_BLOCK_EVENTS] = *shard_event(shard, sorted[i].index);
    }
    g_ptr_array_unref(shard->blocks);
    shard->blocks = blocks;
  } else {
    /* A shard too large for a second copy of its records (a large file read whole): the
     * permutation is applied in place, cycle by cycle. A done position points at itself. */
    for (gsize i = 0; i < n; i++) {
      if (sorted[i].index == i)
        continue;
      TwEvent held = *shard_event(shard, i);
      gsize j = i;
      for (;;) {
        gsize k = sorted[j].index;
        sorted[j].index = j;
        if (k == i) {
          *shard_event(shard, j) = held;
          break;
        }
        *shard_event(shard, j) = *shard_event(shard, k);
        j = k;
      }
    }
  }
  g_free(sorted);
}

gboolean
_tw_shard_get_number_ids(const TwShard *shard, const char **source, guint64 *first, guint64 *last)
{
  if (shard->n_events == 0 || shard->n_number_ids != shard->n_events)
    return FALSE;
  *source = shard->number_source;
  *first = shard->first_number;
  *last = shard->last_number;
  return TRUE;
}

guint64
_tw_shard_get_n_events(const TwShard *shard)
{
  return shard->n_events;
}

guint
_tw_shard_get_n_blocks(const TwShard *shard)
{
  return shard->blocks->len;
}

TwEvent *
_tw_shard_get_block(const TwShard *shard, guint index, guint *n_events)
{
  *n_events = index + 1 == shard->blocks->len ? shard->last_fill : SHARD_BLOCK_EVENTS;
  return g_ptr_array_index(shard->blocks, index);
}

TwEvent *
_tw_shard_get_event(const TwShard *shard, guint64 index)
{
  return shard_event(shard, (gsize)index);
}

void
_tw_shard_set_order(TwShard *shard, guint64 order)
{
  shard->order = order;
}

guint64
_tw_shard_get_order(const TwShard *shard)
{
  return shard->order;
}

guint64
_tw_shard_get_base_seq(const TwShard *shard)
{
  return shard->base_seq;
}

gsize
_tw_shard_get_reported(const TwShard *shard)
{
  return shard->reported;
}

gsize
_tw_shard_get_memory(const TwShard *shard)
{
  /* Records as many as are held, and the page of each block's tail (its shard): the rest of
   * the last block is mapped but untouched. */
  return _tw_arena_get_size(shard->arena) + shard->n_events * sizeof(TwEvent) +
         (gsize)shard->blocks->len * SHARD_TAIL_PAGE +
         (shard->intern_mask + 1) * sizeof(InternSlot) +
         (shard->names_mask + 1) * sizeof(TwEventNames *) +
         (shard->value_cache ? VALUE_CACHE_SLOTS * sizeof(ValueSlot) : 0) +
         (shard->list_cache ? LIST_CACHE_SLOTS * sizeof(ListSlot) : 0);
}

static guint64
text_hash(const char *text, gsize length)
{
  return _tw_hash64(text, length, G_GUINT64_CONSTANT(0x696e7465726e6564));
}

static void
intern_grow(TwShard *shard)
{
  gsize old_size = shard->intern_mask + 1;
  InternSlot *old = shard->interned;
  shard->intern_mask = old_size * 2 - 1;
  shard->interned = g_new0(InternSlot, old_size * 2);
  for (gsize i = 0; i < old_size; i++) {
    if (!old[i].text)
      continue;
    gsize j = (gsize)old[i].hash & shard->intern_mask;
    while (shard->interned[j].text)
      j = (j + 1) & shard->intern_mask;
    shard->interned[j] = old[i];
  }
  g_free(old);
}

static const char *
shard_intern_len(TwShard *shard, const char *text, gsize length)
{
  guint64 hash = text_hash(text, length);
  gsize j = (gsize)hash & shard->intern_mask;
  for (;;) {
    InternSlot *slot = &shard->interned[j];
    if (!slot->text)
      break;
    if (slot->hash == hash && strncmp(slot->text, text, length) == 0 && slot->text[length] == '\0')
      return slot->text;
    j = (j + 1) & shard->intern_mask;
  }
  char *copy = _tw_arena_strndup(shard->arena, text, length);
  shard->interned[j].text = copy;
  shard->interned[j].hash = hash;
  if (++shard->n_interned * 2 > shard->intern_mask)
    intern_grow(shard);
  return copy;
}

/* Where names go in the table: the pointers' bits mixed (their order in memory varies between
 * runs, which changes where a slot lies, never what is stored). */
static gsize
names_slot(const TwShard *shard, const char *source, const char *kind, const char *zone,
           const char *const *keys)
{
  guint64 h = (guint64)(guintptr)source * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15) ^
              (guint64)(guintptr)kind * G_GUINT64_CONSTANT(0xc2b2ae3d27d4eb4f) ^
              (guint64)(guintptr)zone * G_GUINT64_CONSTANT(0x165667b19e3779f9) ^
              (guint64)(guintptr)keys * G_GUINT64_CONSTANT(0x27d4eb2f165667c5);
  return (gsize)(h ^ (h >> 32)) & shard->names_mask;
}

const TwEventNames *
_tw_shard_names(TwShard *shard, const char *source, const char *kind, const char *zone,
                const char *const *keys, guint n_keys)
{
  gsize j = names_slot(shard, source, kind, zone, keys);
  for (const TwEventNames *n; (n = shard->names[j]); j = (j + 1) & shard->names_mask)
    if (n->source == source && n->kind == kind && n->zone == zone && n->keys == keys &&
        n->n_keys == n_keys)
      return n;
  TwEventNames *n = _tw_arena_alloc(shard->arena, sizeof *n);
  *n = (TwEventNames){source, kind, zone, keys, n_keys};
  shard->names[j] = n;
  if (++shard->n_names * 2 > shard->names_mask) {
    gsize old_size = shard->names_mask + 1;
    const TwEventNames **old = shard->names;
    shard->names_mask = old_size * 2 - 1;
    shard->names = g_new0(const TwEventNames *, old_size * 2);
    for (gsize i = 0; i < old_size; i++) {
      if (!old[i])
        continue;
      gsize k = names_slot(shard, old[i]->source, old[i]->kind, old[i]->zone, old[i]->keys);
      while (shard->names[k])
        k = (k + 1) & shard->names_mask;
      shard->names[k] = old[i];
    }
    g_free(old);
  }
  return n;
}

const char *
_tw_shard_intern(TwShard *shard, const char *text)
{
  if (!text)
    return NULL;
  return shard_intern_len(shard, text, strlen(text));
}

char *
_tw_shard_strdup(TwShard *shard, const char *text, gsize length)
{
  return _tw_arena_strndup(shard->arena, text, length);
}

/* A copy of a short value shared with its earlier repeats, else a new copy. */
static const char *
shard_value(TwShard *shard, const char *text, gsize length)
{
  if (length > VALUE_CACHE_MAX_LENGTH)
    return _tw_arena_strndup(shard->arena, text, length);
  if (!shard->value_cache)
    shard->value_cache = g_new0(ValueSlot, VALUE_CACHE_SLOTS);
  guint64 hash = text_hash(text, length);
  ValueSlot *slot = &shard->value_cache[hash & (VALUE_CACHE_SLOTS - 1)];
  guint32 tag = (guint32)(hash >> 32);
  /* The length first: memcmp may read all @length bytes of a shorter cached text, past its
   * end (a crash when it ended a mapped block, c5f150b). */
  if (slot->text && slot->length == length && slot->tag == tag &&
      memcmp(slot->text, text, length) == 0)
    return slot->text;
  slot->text = _tw_arena_strndup(shard->arena, text, length);
  slot->length = (guint32)length;
  slot->tag = tag;
  return slot->text;
}

TwArena *
_tw_shard_get_arena(TwShard *shard)
{
  return shard->arena;
}

/* One lock for every shard: ids and attribute pairs are stored on demand rarely (plugins asking
 * for them; the core reads the stored forms), and the lock makes the check and the store one
 * step. */
static GMutex on_demand_lock;

/* The shard's arena for what is made on demand (call with on_demand_lock held). */
static TwArena *
on_demand_arena(TwShard *shard)
{
  if (!shard->on_demand)
    shard->on_demand = _tw_arena_new(64 * 1024);
  return shard->on_demand;
}

const char *
_tw_shard_store_hashed_id(const TwEvent *event)
{
  TwShard *shard = shard_of_event(event);
  g_mutex_lock(&on_demand_lock);
  const char *id = __atomic_load_n(&event->id, __ATOMIC_ACQUIRE);
  if (!_tw_id_is_text(id)) {
    char buf[TW_ID_TEXT_SIZE];
    char *text = _tw_arena_strndup_even(on_demand_arena(shard), _tw_event_id_text(event, buf),
                                        TW_ID_TEXT_SIZE - 1);
    __atomic_store_n((const char **)&event->id, text, __ATOMIC_RELEASE);
    id = text;
  }
  g_mutex_unlock(&on_demand_lock);
  return id;
}

const TwAttribute *
_tw_shard_pair_attributes(const TwEvent *event)
{
  TwShard *shard = shard_of_event(event);
  g_mutex_lock(&on_demand_lock);
  guintptr a = (guintptr)__atomic_load_n(&event->attributes, __ATOMIC_ACQUIRE);
  if (a & TW_ATTRIBUTES_VALUES) {
    TwAttribute *pairs =
        _tw_arena_alloc(on_demand_arena(shard), event->n_attributes * sizeof *pairs);
    for (guint i = 0; i < event->n_attributes; i++)
      pairs[i] = _tw_event_attribute(event, i);
    __atomic_store_n((TwAttribute **)&event->attributes, pairs, __ATOMIC_RELEASE);
    a = (guintptr)pairs;
  }
  g_mutex_unlock(&on_demand_lock);
  return (const TwAttribute *)a;
}

guint
_tw_shard_get_n_links(const TwShard *shard)
{
  return shard->links->len;
}

void
_tw_shard_get_link(const TwShard *shard, guint index, const char **from_id, const char **to_id,
                   const char **rule, gint64 *lag_min, gint64 *lag_max, TwCertainty *certainty)
{
  const TwPendingLink *l = &g_array_index(shard->links, TwPendingLink, index);
  *from_id = l->from_id;
  *to_id = l->to_id;
  *rule = l->rule;
  *lag_min = l->lag_min;
  *lag_max = l->lag_max;
  *certainty = l->certainty;
}

void
_tw_shard_move_link(TwShard *shard, guint from, guint to)
{
  g_return_if_fail(to <= from && from < shard->links->len);
  g_array_index(shard->links, TwPendingLink, to) = g_array_index(shard->links, TwPendingLink, from);
}

void
_tw_shard_truncate_links(TwShard *shard, guint n)
{
  g_return_if_fail(n <= shard->links->len);
  g_array_set_size(shard->links, n);
}

/* ---------------------------------------------------------------- the scratch arena */

/* The builder's copies of one event's text: bump allocation, rewound for each event. When an
 * event needed more than the first block, the blocks are replaced by one of the total size, so
 * that the next events of that size fit without allocating. */
typedef struct _ScratchBlock ScratchBlock;
struct _ScratchBlock {
  ScratchBlock *next;
  gsize size;
  gsize used;
  char data[];
};

typedef struct {
  ScratchBlock *head; /* the block in use; older ones follow */
} Scratch;

#define SCRATCH_BLOCK (64 * 1024)

static ScratchBlock *
scratch_block_new(gsize size, ScratchBlock *next)
{
  ScratchBlock *b = g_malloc(sizeof *b + size);
  b->next = next;
  b->size = size;
  b->used = 0;
  return b;
}

static char *
scratch_alloc(Scratch *s, gsize size)
{
  ScratchBlock *b = s->head;
  if (!b || b->size - b->used < size)
    b = s->head = scratch_block_new(MAX(SCRATCH_BLOCK, size * 2), b);
  char *p = b->data + b->used;
  b->used += size;
  return p;
}

static void
scratch_reset(Scratch *s)
{
  ScratchBlock *b = s->head;
  if (!b)
    return;
  if (b->next) {
    gsize total = 0;
    while (b) {
      ScratchBlock *next = b->next;
      total += b->size;
      g_free(b);
      b = next;
    }
    s->head = scratch_block_new(total, NULL);
    return;
  }
  b->used = 0;
}

static void
scratch_clear(Scratch *s)
{
  ScratchBlock *b = s->head;
  while (b) {
    ScratchBlock *next = b->next;
    g_free(b);
    b = next;
  }
  s->head = NULL;
}

/* ---------------------------------------------------------------- the builder */

/* Text copied into the scratch arena: NUL-terminated, valid UTF-8, no NUL inside. */
typedef struct {
  char *text; /* NULL when not set */
  gsize length;
} Text;

typedef struct {
  Text *items;
  guint n;
  guint cap;
  /* Once a list that is searched (tags, actors, attribute keys) is long, a hash index of its
   * items (open addressing, position + 1, 0 for empty) keeps adding to it linear: a record
   * with a million attributes took hours by scanning (tests/test-limits.c). */
  guint *index;
  guint index_cap; /* a power of two, 0 while the list is short */
} TextList;

struct _TwEventBuilder {
  TwDate date;
  gboolean has_date;
  gboolean has_end;
  gint64 end;
  Text id;
  Text native_id;
  Text source;
  Text title;
  Text description;
  Text kind;
  Text location;
  Text url;
  Text zone;
  gboolean has_geo;
  double geo[2];
  TextList tags;
  TextList actors;
  TextList keys;
  TextList values;
  /* How many keys from the first were given as the previous event's keys at their positions
   * (the sink's key cache), in order: tw_event_builder_set_attribute_len(). */
  guint keys_as_cached;
  char *file; /* kept from event to event while it is the same */
  guint line;
  Scratch scratch;
};

struct _TwSink {
  TwTimeline *timeline;
  TwShard *shard;
  char *source_name;
  const char *source_interned;
  gboolean strict;
  gboolean has_range;
  gint64 from, to;
  TwEventBuilder builder;
  gboolean building;
  guint64 n_committed;
  guint64 n_warnings;
  guint64 n_filtered;
  GString *held_warnings; /* non-NULL: warnings are kept here rather than printed */
  /* What the previous event stored, for sharing. */
  const char *last_title;
  gsize last_title_length;
  const char *const *last_keys; /* the previous event's attribute keys (a shared list) */
  const char **last_values;     /* and their values as stored */
  guint last_n_attributes;
  /* The interned attribute key last seen at each position, and the length of the value the
   * previous event stored there (last_values). */
  TextRef *key_cache;
  gsize *last_value_lengths;
  guint key_cache_size;
  /* The positions from the first that hold the keys of the last event stored with attributes,
   * which differ from each other (they were one event's keys): the cache's others may repeat
   * them. */
  guint key_cache_distinct;
  const char **key_buffer, **value_buffer; /* key_cache_size each */
  const char **name_buffer;
  guint name_buffer_size;
  guint since_check; /* commits since the memory was last counted */
  gboolean spilled;  /* some of its events went to a run on disk (--memory-limit) */
  gboolean parked;   /* in the timeline's list of parked sinks */
};

static TwSink *
sink_of_builder(TwEventBuilder *builder)
{
  return (TwSink *)(gpointer)((char *)builder - G_STRUCT_OFFSET(TwSink, builder));
}

/* The interned key that the previous event had at attribute @position, or NULL. */
static const TextRef *
cached_key(const TwSink *sink, guint position)
{
  return position < sink->key_cache_size && sink->key_cache[position].text
             ? &sink->key_cache[position]
             : NULL;
}

/* The quark name is stringified, spaces and all: keep clang-format away from it. */
/* clang-format off */
G_DEFINE_QUARK(tw-sink-error-quark, tw_sink_error)
/* clang-format on */

/* Warnings of parallel sources must not interleave within a line. */
static GMutex warn_lock;

static void
text_list_clear(TextList *list)
{
  g_free(list->items);
  g_free(list->index);
  memset(list, 0, sizeof *list);
}

/* Empties @list for the next event, keeping its items' memory; a long list's index goes. */
static void
text_list_reset(TextList *list)
{
  list->n = 0;
  if (list->index_cap) {
    g_clear_pointer(&list->index, g_free);
    list->index_cap = 0;
  }
}

static void
text_list_add(TextList *list, Text text)
{
  if (list->n == list->cap) {
    list->cap = list->cap ? list->cap * 2 : 8;
    list->items = g_renew(Text, list->items, list->cap);
  }
  list->items[list->n++] = text;
}

static void
builder_reset(TwEventBuilder *b)
{
  /* The text is in the scratch arena, rewound here. */
  static const Text unset = {NULL, 0};
  b->id = b->native_id = b->source = b->title = unset;
  b->description = b->kind = b->location = b->url = b->zone = unset;
  text_list_reset(&b->tags);
  text_list_reset(&b->actors);
  text_list_reset(&b->keys);
  b->values.n = 0;
  b->keys_as_cached = 0;
  b->has_date = b->has_end = b->has_geo = FALSE;
  b->line = 0;
  scratch_reset(&b->scratch);
}

static void
builder_clear(TwEventBuilder *b)
{
  g_free(b->file);
  text_list_clear(&b->tags);
  text_list_clear(&b->actors);
  text_list_clear(&b->keys);
  text_list_clear(&b->values);
  scratch_clear(&b->scratch);
}

/* Whether the bytes of a word are all ASCII and none is NUL. */
static inline gboolean
ascii_word64(guint64 w)
{
  const guint64 high = G_GUINT64_CONSTANT(0x8080808080808080);
  const guint64 ones = G_GUINT64_CONSTANT(0x0101010101010101);
  return !((w & high) | ((w - ones) & ~w & high));
}

static inline gboolean
ascii_word32(guint32 w)
{
  return !((w & 0x80808080u) | ((w - 0x01010101u) & ~w & 0x80808080u));
}

/* Copies @length bytes of @text to @out and says whether they are valid UTF-8 with no NUL
 * byte: ASCII is checked and copied sixteen bytes at a time with SSE2, else eight, in one pass
 * (the last, partial block as the bytes that end the text, overlapping the block before; a text
 * of four to seven bytes as two overlapping words of four), GLib's validator takes over from
 * the first block that is not plain ASCII. */
static gboolean
copy_if_clean(char *out, const char *text, gsize length)
{
  gsize i = 0;
#if defined(__SSE2__)
  if (length >= 16) {
    /* A byte of 0x80 or above has its top bit set (movemask); a NUL equals zero. */
    const __m128i zero = _mm_setzero_si128();
    for (;;) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
      if (_mm_movemask_epi8(_mm_or_si128(x, _mm_cmpeq_epi8(x, zero))))
        goto bytes;
      _mm_storeu_si128((__m128i *)(void *)(out + i), x);
      if (i + 16 == length)
        return TRUE;
      i = i + 32 <= length ? i + 16 : length - 16;
    }
  }
#endif
  if (length >= 8) {
    guint64 w;
    for (; i + 8 <= length; i += 8) {
      memcpy(&w, text + i, 8);
      if (!ascii_word64(w))
        goto bytes;
      memcpy(out + i, &w, 8);
    }
    if (i < length) {
      memcpy(&w, text + length - 8, 8);
      if (!ascii_word64(w))
        goto bytes;
      memcpy(out + length - 8, &w, 8);
    }
    return TRUE;
  }
  if (length >= 4) {
    guint32 head, tail;
    memcpy(&head, text, 4);
    memcpy(&tail, text + length - 4, 4);
    if (ascii_word32(head) && ascii_word32(tail)) {
      memcpy(out, &head, 4);
      memcpy(out + length - 4, &tail, 4);
      return TRUE;
    }
  }
bytes:
  for (; i < length; i++) {
    guchar c = (guchar)text[i];
    if (c == 0 || (c & 0x80))
      break;
    out[i] = (char)c;
  }
  if (i == length)
    return TRUE;
  memcpy(out + i, text + i, length - i);
  return g_utf8_validate_len(text + i, length - i, NULL);
}

/* Text from sources is untrusted: make it valid UTF-8 with no NUL bytes, so that no exporter
 * ever passes invalid text on into JSON, CSV or iCalendar. The copy is in the scratch arena. */
static Text
clean_text(TwEventBuilder *b, const char *text, gssize len)
{
  Text t = {NULL, 0};
  if (!text)
    return t;
  gsize n = len < 0 ? strlen(text) : (gsize)len;
  t.text = scratch_alloc(&b->scratch, n + 1);
  if (copy_if_clean(t.text, text, n)) {
    t.text[n] = '\0';
    t.length = n;
    return t;
  }
  /* (The copy stays in the scratch arena, which is rewound after the event.) */
  GString *s = g_string_sized_new(n + 8);
  for (gsize i = 0; i < n; i++) {
    if (text[i] == '\0')
      g_string_append(s, "\xef\xbf\xbd");
    else
      g_string_append_c(s, text[i]);
  }
  char *valid = g_utf8_make_valid(s->str, (gssize)s->len);
  g_string_free(s, TRUE);
  t.length = strlen(valid);
  t.text = scratch_alloc(&b->scratch, t.length + 1);
  memcpy(t.text, valid, t.length + 1);
  g_free(valid);
  return t;
}

void
tw_event_builder_set_date(TwEventBuilder *builder, const TwDate *date)
{
  builder->date = *date;
  builder->has_date = TRUE;
  builder->has_end = FALSE;
}

void
tw_event_builder_set_end(TwEventBuilder *builder, gint64 end)
{
  builder->end = end;
  builder->has_end = TRUE;
}

void
tw_event_builder_set_id(TwEventBuilder *builder, const char *id)
{
  builder->id = clean_text(builder, id, -1);
}

void
tw_event_builder_set_native_id(TwEventBuilder *builder, const char *native_id)
{
  builder->native_id = clean_text(builder, native_id, -1);
}

void
tw_event_builder_set_source(TwEventBuilder *builder, const char *source)
{
  builder->source = clean_text(builder, source, -1);
}

void
tw_event_builder_set_title(TwEventBuilder *builder, const char *title)
{
  builder->title = clean_text(builder, title, -1);
}

void
tw_event_builder_set_title_len(TwEventBuilder *builder, const char *title, gssize len)
{
  builder->title = clean_text(builder, title, len);
}

void
tw_event_builder_set_description(TwEventBuilder *builder, const char *description)
{
  builder->description = clean_text(builder, description, -1);
}

void
tw_event_builder_set_kind(TwEventBuilder *builder, const char *kind)
{
  builder->kind = clean_text(builder, kind, -1);
}

void
tw_event_builder_set_location(TwEventBuilder *builder, const char *location)
{
  builder->location = clean_text(builder, location, -1);
}

void
tw_event_builder_set_url(TwEventBuilder *builder, const char *url)
{
  builder->url = clean_text(builder, url, -1);
}

void
tw_event_builder_set_zone(TwEventBuilder *builder, const char *zone)
{
  builder->zone = clean_text(builder, zone, -1);
}

void
tw_event_builder_set_geo(TwEventBuilder *builder, double latitude, double longitude)
{
  builder->has_geo = TRUE;
  builder->geo[0] = latitude;
  builder->geo[1] = longitude;
}

static gboolean
text_equal(const Text *a, const Text *b)
{
  return a->length == b->length && memcmp(a->text, b->text, a->length) == 0;
}

/* Lists up to this long are searched item by item. */
#define TEXT_LIST_SCAN 32

static guint
text_slot(const TextList *list, const Text *text)
{
  return (guint)_tw_hash64(text->text, text->length, 0) & (list->index_cap - 1);
}

/* The position of @text in @list, or -1. */
static gint
text_list_find(const TextList *list, const Text *text)
{
  if (!list->index_cap) {
    for (guint i = 0; i < list->n; i++)
      if (text_equal(&list->items[i], text))
        return (gint)i;
    return -1;
  }
  for (guint h = text_slot(list, text);; h = (h + 1) & (list->index_cap - 1)) {
    guint at = list->index[h];
    if (at == 0)
      return -1;
    if (text_equal(&list->items[at - 1], text))
      return (gint)(at - 1);
  }
}

static void
text_list_index(TextList *list, guint position)
{
  guint h = text_slot(list, &list->items[position]);
  while (list->index[h])
    h = (h + 1) & (list->index_cap - 1);
  list->index[h] = position + 1;
}

/* Appends @text to a list that is searched, indexing it once the list is long. */
static void
text_list_add_searched(TextList *list, Text text)
{
  text_list_add(list, text);
  if (list->n <= TEXT_LIST_SCAN)
    return;
  if (list->n * 2 > list->index_cap) {
    /* At most half full: rebuild four times the size. */
    g_free(list->index);
    list->index_cap = 1;
    while (list->index_cap < list->n * 4)
      list->index_cap <<= 1;
    list->index = g_new0(guint, list->index_cap);
    for (guint i = 0; i < list->n; i++)
      text_list_index(list, i);
  } else {
    text_list_index(list, list->n - 1);
  }
}

static void
add_unique(TwEventBuilder *b, TextList *list, const char *text)
{
  if (!text || !*text)
    return;
  Text clean = clean_text(b, text, -1);
  if (text_list_find(list, &clean) < 0)
    text_list_add_searched(list, clean);
}

void
tw_event_builder_add_tag(TwEventBuilder *builder, const char *tag)
{
  add_unique(builder, &builder->tags, tag);
}

void
tw_event_builder_add_actor(TwEventBuilder *builder, const char *actor)
{
  add_unique(builder, &builder->actors, actor);
}

void
tw_event_builder_set_attribute_len(TwEventBuilder *builder, const char *key, const char *value,
                                   gssize len)
{
  g_return_if_fail(key != NULL && value != NULL);
  /* Sources give their keys in the same order event after event: the key stored at this
   * position for the event before, when it is this one, is clean text already, and
   * store_attributes() knows it by its address. */
  const TwSink *sink = sink_of_builder(builder);
  guint position = builder->keys.n;
  const TextRef *cached = cached_key(sink, position);
  gboolean as_cached = cached && strcmp(cached->text, key) == 0;
  Text k = as_cached ? (Text){(char *)cached->text, cached->length} : clean_text(builder, key, -1);
  Text v = clean_text(builder, value, len);
  if (as_cached && builder->keys_as_cached == position && position < sink->key_cache_distinct) {
    /* The keys so far are the previous event's first ones, and so is this one: they all
     * differ, so this key is new here (no search). */
    builder->keys_as_cached++;
    text_list_add_searched(&builder->keys, k);
    text_list_add(&builder->values, v);
    return;
  }
  gint i = text_list_find(&builder->keys, &k);
  if (i >= 0) {
    builder->values.items[i] = v;
    return;
  }
  text_list_add_searched(&builder->keys, k);
  text_list_add(&builder->values, v);
}

void
tw_event_builder_set_attribute(TwEventBuilder *builder, const char *key, const char *value)
{
  tw_event_builder_set_attribute_len(builder, key, value, -1);
}

/* ---------------------------------------------------------------- the sink */

TwSink *
_tw_sink_new(TwTimeline *timeline, const char *source_name, gboolean strict, gboolean has_range,
             gint64 from, gint64 to)
{
  TwSink *sink = g_new0(TwSink, 1);
  sink->timeline = timeline;
  sink->shard = _tw_shard_new();
  _tw_shard_set_order(sink->shard, _tw_timeline_next_sink_order(timeline));
  sink->source_name = g_strdup(source_name);
  sink->source_interned = _tw_shard_intern(sink->shard, source_name);
  sink->strict = strict;
  sink->has_range = has_range;
  sink->from = from;
  sink->to = to;
  return sink;
}

TwTimeline *
_tw_sink_get_timeline(TwSink *sink)
{
  return sink->timeline;
}

TwShard *
_tw_sink_steal_shard(TwSink *sink)
{
  TwShard *shard = sink->shard;
  sink->shard = NULL;
  return shard;
}

void
_tw_sink_set_order(TwSink *sink, guint64 order)
{
  _tw_shard_set_order(sink->shard, order);
}

void
_tw_sink_hold_warnings(TwSink *sink)
{
  if (!sink->held_warnings)
    sink->held_warnings = g_string_new(NULL);
}

void
_tw_sink_print_held_warnings(TwSink *sink)
{
  if (sink->held_warnings && sink->held_warnings->len) {
    g_mutex_lock(&warn_lock);
    fputs(sink->held_warnings->str, stderr);
    fflush(stderr);
    g_mutex_unlock(&warn_lock);
    g_string_truncate(sink->held_warnings, 0);
  }
}

void
tw_sink_free(TwSink *sink)
{
  if (!sink)
    return;
  _tw_sink_unpark(sink);
  if (sink->shard) {
    /* Its events are dropped: those already on disk too. */
    if (sink->spilled)
      _tw_timeline_drop_order(sink->timeline, sink->shard->order);
    _tw_timeline_count_memory(sink->timeline, -(gint64)sink->shard->reported);
  }
  _tw_shard_free(sink->shard);
  builder_clear(&sink->builder);
  g_free(sink->source_name);
  g_free(sink->key_cache);
  g_free(sink->last_value_lengths);
  g_free(sink->key_buffer);
  g_free(sink->value_buffer);
  g_free(sink->name_buffer);
  if (sink->held_warnings)
    g_string_free(sink->held_warnings, TRUE);
  g_free(sink);
}

guint64
tw_sink_get_n_warnings(const TwSink *sink)
{
  return sink->n_warnings;
}

guint64
tw_sink_get_n_committed(const TwSink *sink)
{
  return __atomic_load_n(&sink->n_committed, __ATOMIC_RELAXED);
}

TwEventBuilder *
tw_sink_begin(TwSink *sink, const char *file, guint line)
{
  TwEventBuilder *b = &sink->builder;
  builder_reset(b);
  if (g_strcmp0(b->file, file) != 0) {
    g_free(b->file);
    b->file = g_strdup(file);
  }
  b->line = line;
  sink->building = TRUE;
  return b;
}

void
tw_sink_discard(TwSink *sink)
{
  builder_reset(&sink->builder);
  sink->building = FALSE;
}

static char *
place_prefix(const char *file, guint line)
{
  if (!file)
    return g_strdup("");
  if (line)
    return g_strdup_printf("%s:%u: ", file, line);
  return g_strdup_printf("%s: ", file);
}

static gboolean
overlaps_range(const TwSink *sink, gint64 start, gint64 end)
{
  if (!sink->has_range)
    return TRUE;
  if (end == start)
    return start >= sink->from && start < sink->to;
  return start < sink->to && end > sink->from;
}

/* Appends the decimal text of @value (what "%" G_GINT64_FORMAT writes). */
static gboolean
is_space(char c)
{
  return g_ascii_isspace(c);
}

/* A stored array of the @n interned @names: one shared with an earlier equal list when the
 * list cache has it, else a new one; with @n_stored, one more is counted there, and past
 * @max_stored none is stored (NULL). Interned names are one pointer a text in the shard: equal
 * lists have equal pointers. */
static const char **
share_or_find_names(TwShard *shard, const char *const *names, guint n, guint *n_stored,
                    guint max_stored)
{
  guint64 hash = n;
  for (guint i = 0; i < n; i++)
    hash = (hash ^ (guintptr)names[i]) * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
  if (!shard->list_cache)
    shard->list_cache = g_new0(ListSlot, LIST_CACHE_SLOTS);
  ListSlot *slot = &shard->list_cache[(hash >> 32) % LIST_CACHE_SLOTS];
  if (slot->names && slot->n == n && memcmp(slot->names, names, n * sizeof(char *)) == 0)
    return slot->names;
  if (n_stored && (*n_stored)++ >= max_stored) {
    *n_stored = max_stored;
    return NULL;
  }
  const char **stored = _tw_arena_alloc(shard->arena, n * sizeof(char *));
  memcpy(stored, names, n * sizeof(char *));
  *slot = (ListSlot){stored, n};
  return stored;
}

static const char **
share_names(TwShard *shard, const char *const *names, guint n)
{
  return share_or_find_names(shard, names, n, NULL, 0);
}

/* The names of a list, interned and stored as share_names() does. */
static const char **
store_names(TwSink *sink, const TextList *list)
{
  TwShard *shard = sink->shard;
  if (sink->name_buffer_size < list->n) {
    sink->name_buffer_size = MAX(list->n, 16);
    sink->name_buffer = g_renew(const char *, sink->name_buffer, sink->name_buffer_size);
  }
  for (guint i = 0; i < list->n; i++)
    sink->name_buffer[i] = shard_intern_len(shard, list->items[i].text, list->items[i].length);
  return share_names(shard, sink->name_buffer, list->n);
}

/* A shard stores at most this many lists of attribute keys; past it, events whose list is not
 * among those it has keep pairs. A source whose key lists vary without end (fields that come and
 * go, in any order) would otherwise store a list and shared names for events that share
 * nothing: with the bound, such events cost what pairs cost, and the lists at most some 100
 * KiB a shard. */
#define KEY_LISTS_MAX 1024

/* Stores the builder's attributes as the record keeps them (TwEvent), and returns the field's
 * value: their values, in an array shared with the previous event's when equal (a body file's
 * entry gives up to four events alike), with their keys as a list shared by every event with
 * the same keys (*keys); or, when the shard has no such list and may store no more, pairs. A
 * value equal to the event's stored @title is that text (a body file's path: 46 bytes an entry). */
static TwAttribute *
store_attributes(TwSink *sink, const TwEventBuilder *b, const char *title, gsize title_length,
                 const char *const **keys)
{
  TwShard *shard = sink->shard;
  guint n = b->keys.n;
  if (sink->key_cache_size < n) {
    guint size = MAX(n, 16);
    sink->key_cache = g_renew(TextRef, sink->key_cache, size);
    sink->last_value_lengths = g_renew(gsize, sink->last_value_lengths, size);
    sink->key_buffer = g_renew(const char *, sink->key_buffer, size);
    sink->value_buffer = g_renew(const char *, sink->value_buffer, size);
    for (guint i = sink->key_cache_size; i < size; i++) {
      sink->key_cache[i] = (TextRef){NULL, 0};
      sink->last_value_lengths[i] = 0;
    }
    sink->key_cache_size = size;
  }
  const char *const *last_keys = sink->last_keys;
  const char **last_values = sink->last_values;
  guint last_n = last_keys ? sink->last_n_attributes : 0;
  gboolean same_keys = last_n == n;
  for (guint i = 0; i < n; i++) {
    const Text *k = &b->keys.items[i];
    const Text *v = &b->values.items[i];
    /* Sources give their attributes in the same order event after event. */
    TextRef *cached = &sink->key_cache[i];
    if (!cached->text || (k->text != cached->text && !text_ref_equal(cached, k->text, k->length))) {
      cached->text = shard_intern_len(shard, k->text, k->length);
      cached->length = k->length;
    }
    const char *key = sink->key_buffer[i] = cached->text;
    gboolean same_key = i < last_n && last_keys[i] == key;
    same_keys = same_keys && same_key;
    if (same_key && sink->last_value_lengths[i] == v->length &&
        memcmp(last_values[i], v->text, v->length) == 0)
      sink->value_buffer[i] = last_values[i];
    else if (v->length == title_length && memcmp(title, v->text, v->length) == 0)
      sink->value_buffer[i] = title; /* (a body file's path) */
    else
      sink->value_buffer[i] = shard_value(shard, v->text, v->length);
    sink->last_value_lengths[i] = v->length;
  }
  sink->key_cache_distinct = n;
  *keys = same_keys
              ? last_keys
              : share_or_find_names(shard, sink->key_buffer, n, &shard->n_key_lists, KEY_LISTS_MAX);
  if (!*keys) {
    sink->last_keys = NULL;
    sink->last_values = NULL;
    TwAttribute *pairs = _tw_arena_alloc(shard->arena, n * sizeof *pairs);
    for (guint i = 0; i < n; i++)
      pairs[i] = (TwAttribute){sink->key_buffer[i], sink->value_buffer[i]};
    return pairs;
  }
  const char **values = last_values;
  if (!same_keys || memcmp(last_values, sink->value_buffer, n * sizeof(char *)) != 0) {
    values = _tw_arena_alloc(shard->arena, n * sizeof(char *));
    memcpy(values, sink->value_buffer, n * sizeof(char *));
  }
  sink->last_keys = *keys;
  sink->last_values = values;
  sink->last_n_attributes = n;
  return (TwAttribute *)((guintptr)values | TW_ATTRIBUTES_VALUES);
}

/* Counts @event, just added with a number for an id, in its shard's run of ascending numbers
 * from one source (TwShard), while every event before it is in that run. */
static inline void
note_number_id(TwShard *shard, const TwEvent *event)
{
#ifdef TW_ID_NUMBER
  if (shard->n_number_ids + 1 != shard->n_events)
    return;
  guint64 number = ((guintptr)event->id & ~TW_ID_NUMBER) >> 1;
  if (shard->n_number_ids == 0) {
    shard->first_number = number;
    shard->number_source = event->names->source;
  } else if (number <= shard->last_number || event->names->source != shard->number_source) {
    return;
  }
  shard->last_number = number;
  shard->n_number_ids++;
#else
  (void)shard;
  (void)event;
#endif
}

/* A kept builder's keys taken from the key cache are the shard's interned text: before the
 * shard may go to disk (--memory-limit), they are copied into the builder's own scratch. */
static void
unshare_kept_keys(TwSink *sink)
{
  TwEventBuilder *b = &sink->builder;
  for (guint i = 0; i < b->keys.n; i++) {
    Text *k = &b->keys.items[i];
    char *copy = scratch_alloc(&b->scratch, k->length + 1);
    memcpy(copy, k->text, k->length);
    copy[k->length] = '\0';
    k->text = copy;
  }
  b->keys_as_cached = 0;
}

/* The length of the first line of the @length bytes of @text (no NUL among them, as
 * clean_text() leaves them): up to its first CR or LF. Sixteen bytes at a time with SSE2, the
 * last block overlapping the one before; a title is some 80 bytes, and strcspn() cost more. */
static gsize
line_length(const char *text, gsize length)
{
  gsize i = 0;
#if defined(__SSE2__)
  if (length >= 16) {
    const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
    for (;;) {
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
      int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, cr), _mm_cmpeq_epi8(x, lf)));
      if (mask)
        return i + (gsize)__builtin_ctz((unsigned)mask);
      if (i + 16 == length)
        return length;
      i = i + 32 <= length ? i + 16 : length - 16;
    }
  }
#endif
  while (i < length && text[i] != '\r' && text[i] != '\n')
    i++;
  return i;
}

/* Stores the builder's event; with @keep the builder keeps what was set (tw_sink_commit_keep()),
 * else it is emptied. */
static gboolean
sink_commit(TwSink *sink, gboolean keep, GError **error)
{
  TwEventBuilder *b = &sink->builder;
  g_return_val_if_fail(sink->building, FALSE);
  sink->building = keep;

  /* A title is one line: cut at the first line break, trim white space. */
  const char *title = NULL;
  gsize title_length = 0;
  if (b->title.text) {
    char *t = b->title.text;
    gsize n = line_length(t, b->title.length);
    while (n > 0 && is_space(t[n - 1]))
      n--;
    while (n > 0 && is_space(*t)) {
      t++;
      n--;
    }
    t[n] = '\0';
    title = t;
    title_length = n;
    b->title = (Text){t, n}; /* (what a kept builder's next commit starts from) */
  }
  if (!b->has_date || !title || !*title) {
    g_autofree char *where = place_prefix(b->file, b->line);
    g_set_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID, "%sevent has no %s", where,
                !b->has_date ? "date" : "title");
    if (!keep)
      builder_reset(b);
    return FALSE;
  }
  gint64 start = b->date.start;
  gint64 end = b->has_end ? b->end : b->date.end;
  if (end < start) {
    g_autofree char *where = place_prefix(b->file, b->line);
    g_set_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID, "%sevent ends before it starts",
                where);
    if (!keep)
      builder_reset(b);
    return FALSE;
  }
  if (start < TW_TIME_MIN || end > TW_TIME_MAX + 1) {
    /* (A plugin's own span, such as an iCalendar DURATION of 99999999 weeks: the exporters
     * would write an end in a year no reader takes, 164898-09-27T09:54:31Z.) The exclusive end
     * just after the last instant, 10000-01-01T00:00:00Z, is the end of 9999 and stays. */
    g_autofree char *where = place_prefix(b->file, b->line);
    g_set_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID,
                "%sevent %s outside the years 0001 to 9999", where,
                start < TW_TIME_MIN ? "begins" : "ends");
    if (!keep)
      builder_reset(b);
    return FALSE;
  }
  if ((guint)b->date.precision >= TW_PRECISION_N || (guint)b->date.qualifier >= TW_QUALIFIER_N) {
    /* (A plugin's own TwDate: every exporter names the precision and qualifier.) */
    g_autofree char *where = place_prefix(b->file, b->line);
    g_set_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID,
                "%sevent has an unknown precision (%d) or qualifier (%d)", where,
                (int)b->date.precision, (int)b->date.qualifier);
    if (!keep)
      builder_reset(b);
    return FALSE;
  }
  if (b->tags.n > G_MAXUINT16 || b->actors.n > G_MAXUINT16 || b->keys.n > G_MAXUINT16) {
    g_autofree char *where = place_prefix(b->file, b->line);
    g_set_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID,
                "%sevent has more than %u tags, actors or attributes", where, G_MAXUINT16);
    if (!keep)
      builder_reset(b);
    return FALSE;
  }
  if (!overlaps_range(sink, start, end)) {
    sink->n_filtered++;
    if (!keep)
      builder_reset(b);
    return TRUE;
  }

  TwShard *shard = sink->shard;
  TwArena *arena = shard->arena;
  TwEvent *ev = _tw_shard_add_event(shard);
  ev->start = start;
  ev->end = end;
  ev->precision = (guint8)b->date.precision;
  ev->qualifier = (guint8)b->date.qualifier;
  ev->flags = b->date.floating ? TW_EVENT_FLOATING : 0;
  const char *source = b->source.text ? shard_intern_len(shard, b->source.text, b->source.length)
                                      : sink->source_interned;
  const char *kind = b->kind.length ? shard_intern_len(shard, b->kind.text, b->kind.length) : NULL;
  const char *zone = b->zone.length ? shard_intern_len(shard, b->zone.text, b->zone.length) : NULL;
  if (sink->last_title && sink->last_title_length == title_length &&
      memcmp(sink->last_title, title, title_length) == 0) {
    ev->title = sink->last_title;
  } else {
    ev->title = _tw_arena_strndup(arena, title, title_length);
    sink->last_title = ev->title;
    sink->last_title_length = title_length;
  }
  const char *const *keys = NULL;
  ev->n_attributes = (guint16)b->keys.n;
  if (ev->n_attributes)
    ev->attributes = store_attributes(sink, b, ev->title, title_length, &keys);
  ev->names = _tw_shard_names(shard, source, kind, zone, keys, keys ? ev->n_attributes : 0);
  if (b->description.length || b->location.length || b->url.length || b->has_geo || b->actors.n) {
    TwEventMore *more = _tw_arena_alloc(arena, sizeof *more);
    memset(more, 0, sizeof *more);
    if (b->description.length)
      more->description = _tw_arena_strndup(arena, b->description.text, b->description.length);
    if (b->location.length)
      more->location = _tw_arena_strndup(arena, b->location.text, b->location.length);
    if (b->url.length)
      more->url = _tw_arena_strndup(arena, b->url.text, b->url.length);
    if (b->has_geo) {
      more->geo[0] = b->geo[0];
      more->geo[1] = b->geo[1];
      ev->flags |= TW_EVENT_HAS_GEO;
    }
    more->n_actors = (guint16)b->actors.n;
    if (b->actors.n)
      more->actors = store_names(sink, &b->actors);
    ev->more = more;
  }
  ev->n_tags = (guint16)b->tags.n;
  if (ev->n_tags) {
    ev->tags = store_names(sink, &b->tags);
  }

  if (b->id.length) {
    ev->id = _tw_arena_strndup_even(arena, b->id.text, b->id.length);
  } else if (b->native_id.length && b->native_id.length < TW_ID_TEXT_SIZE - 2) {
    /* A short native id (a row's line number) is kept rather than its hash, as a number when
     * it is one: private.h. */
    ev->id = _tw_id_number_from_native(b->native_id.text, b->native_id.length);
    if (ev->id)
      note_number_id(shard, ev);
    else {
      char *text = _tw_arena_strndup_even(arena, b->native_id.text, b->native_id.length);
      ev->id = (const char *)((guintptr)text | TW_ID_NATIVE);
    }
  } else if (b->native_id.length) {
    ev->id = _tw_id_field_of_long_native(arena, source, b->native_id.text, b->native_id.length);
  }
  /* No id at all: the event's content identifies it, so that the same record gets the same id on
   * every run (and identical records from one source merge). ev->id stays NULL: the id is
   * derived from the record when it is needed (private.h). */

  if (!keep)
    builder_reset(b);
  __atomic_store_n(&sink->n_committed, sink->n_committed + 1, __ATOMIC_RELAXED);
  if (G_UNLIKELY(++sink->since_check == 1024)) {
    sink->since_check = 0;
    if (keep)
      unshare_kept_keys(sink); /* the check may send the shard, which they are in, to disk */
    _tw_sink_check_memory(sink);
  }
  return TRUE;
}

gboolean
tw_sink_commit(TwSink *sink, GError **error)
{
  return sink_commit(sink, FALSE, error);
}

gboolean
tw_sink_commit_keep(TwSink *sink, GError **error)
{
  return sink_commit(sink, TRUE, error);
}

/* Counts the shard's growth in the timeline's total; under a memory limit that the total
 * passes, the shard goes to a run on disk (with the closed shards) and a new one begins. */
void
_tw_sink_check_memory(TwSink *sink)
{
  TwShard *shard = sink->shard;
  if (!shard)
    return;
  gsize now = _tw_shard_get_memory(shard);
  _tw_timeline_count_memory(sink->timeline, (gint64)now - (gint64)shard->reported);
  shard->reported = now;
  if (!_tw_timeline_over_budget(sink->timeline))
    return;
  _tw_timeline_spill(sink->timeline, shard->n_events ? _tw_sink_swap_shard(sink) : NULL);
}

TwShard *
_tw_sink_swap_shard(TwSink *sink)
{
  TwShard *shard = sink->shard;
  TwShard *fresh = _tw_shard_new();
  fresh->order = shard->order;
  fresh->base_seq = shard->base_seq + shard->n_events;
  sink->shard = fresh;
  /* What the previous event stored lived in the old shard. */
  sink->source_interned = _tw_shard_intern(fresh, sink->source_name);
  sink->last_title = NULL;
  sink->last_keys = NULL;
  sink->last_values = NULL;
  sink->last_n_attributes = 0;
  for (guint i = 0; i < sink->key_cache_size; i++)
    sink->key_cache[i] = (TextRef){NULL, 0};
  sink->key_cache_distinct = 0;
  sink->spilled = TRUE;
  return shard;
}

void
_tw_sink_park(TwSink *sink)
{
  /* Sorted on the thread that read it, while the other threads still read. */
  _tw_shard_sort(sink->shard);
  /* Counted first: once parked, another thread may take its shard. */
  _tw_sink_check_memory(sink);
  sink->parked = _tw_timeline_park(sink->timeline, sink);
}

void
_tw_sink_unpark(TwSink *sink)
{
  if (sink->parked)
    _tw_timeline_unpark(sink->timeline, sink);
  sink->parked = FALSE;
}

guint64
_tw_sink_get_n_stored(const TwSink *sink)
{
  return sink->shard ? _tw_shard_get_n_events(sink->shard) : 0;
}

void
tw_sink_add_link(TwSink *sink, const char *from_id, const char *to_id, const char *rule,
                 gint64 lag_min, gint64 lag_max, TwCertainty certainty)
{
  g_return_if_fail(from_id && to_id);
  TwShard *shard = sink->shard;
  TwPendingLink l = {
      .from_id = _tw_shard_strdup(shard, from_id, strlen(from_id)),
      .to_id = _tw_shard_strdup(shard, to_id, strlen(to_id)),
      .rule = _tw_shard_intern(shard, rule ? rule : ""),
      .lag_min = lag_min,
      .lag_max = lag_max,
      .certainty = certainty,
  };
  g_array_append_val(shard->links, l);
}

static gboolean
warn_message(TwSink *sink, const char *message, GError **error)
{
  if (sink->strict) {
    g_set_error_literal(error, TW_SINK_ERROR, TW_SINK_ERROR_STRICT, message);
    return FALSE;
  }
  sink->n_warnings++;
  /* The place comes first (`timeweave: FILE:LINE: warning: what`), so insert after it: the
   * place prefix ends at the first ": " (messages we build are `FILE:LINE: text` or
   * `FILE: text`). */
  const char *colon_space = strstr(message, ": ");
  if (sink->held_warnings) {
    /* A chunk of a file read in parallel: printed in the file's order once all are read. */
    if (colon_space)
      g_string_append_printf(sink->held_warnings, "timeweave: %.*s: warning: %s\n",
                             (int)(colon_space - message), message, colon_space + 2);
    else
      g_string_append_printf(sink->held_warnings, "timeweave: warning: %s\n", message);
    return TRUE;
  }
  g_mutex_lock(&warn_lock);
  if (colon_space)
    fprintf(stderr, "timeweave: %.*s: warning: %s\n", (int)(colon_space - message), message,
            colon_space + 2);
  else
    fprintf(stderr, "timeweave: warning: %s\n", message);
  fflush(stderr);
  g_mutex_unlock(&warn_lock);
  return TRUE;
}

gboolean
tw_sink_warn(TwSink *sink, const char *file, guint line, GError **error, const char *format, ...)
{
  va_list ap;
  va_start(ap, format);
  g_autofree char *text = g_strdup_vprintf(format, ap);
  va_end(ap);
  g_autofree char *where = place_prefix(file, line);
  g_autofree char *message = g_strconcat(where, text, NULL);
  return warn_message(sink, message, error);
}

gboolean
tw_sink_warn_error(TwSink *sink, const GError *problem, GError **error)
{
  return warn_message(sink, problem->message, error);
}
