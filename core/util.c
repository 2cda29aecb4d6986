/* timeweave: arenas and hashing shared by the core. */
#include "private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Under AddressSanitizer the part of a block not handed out yet is poisoned, so that a read past
 * the end of an arena string (a memcmp longer than the text it compares) is reported like one
 * past a malloc'ed block: ASan does not otherwise know where allocations inside a mapping end. */
#if defined(__SANITIZE_ADDRESS__)
#define TW_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TW_ARENA_ASAN 1
#endif
#endif
#ifdef TW_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define arena_poison(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define arena_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define arena_poison(p, n) ((void)(p), (void)(n))
#define arena_unpoison(p, n) ((void)(p), (void)(n))
#endif

/* An arena hands out memory from large blocks and frees it all at once: events and their text
 * live as long as the timeline, so per-event malloc/free would be pure overhead. */
typedef struct _TwArenaBlock TwArenaBlock;
struct _TwArenaBlock {
  TwArenaBlock *next;
  gsize size;
  gsize used;
  /* data follows, 8-byte aligned */
};

/* Text (no alignment) and everything else (8-byte aligned) are handed out from two different
 * blocks: interleaved in one, each aligned record after a text of odd length would waste up to
 * seven bytes, some seven bytes an event. */
enum { ARENA_ALIGNED, ARENA_TEXT };

struct _TwArena {
  TwArenaBlock *head;       /* every block, for freeing */
  TwArenaBlock *current[2]; /* the block each kind is handed out from */
  gsize block_size;
  gsize total;
};

#define BLOCK_HEADER (((sizeof(TwArenaBlock) + 7) / 8) * 8)

/* Blocks are mapped, not malloc'ed: freeing a shard (a run spilled under --memory-limit) gives
 * its memory back to the system at once, which malloc, keeping freed blocks for reuse, does
 * not. */
static TwArenaBlock *
block_new(gsize size)
{
  gsize total = (BLOCK_HEADER + size + 4095) & ~(gsize)4095;
  void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    g_error("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, total);
  TwArenaBlock *b = p;
  b->size = total - BLOCK_HEADER;
  b->used = 0;
  arena_poison((char *)b + BLOCK_HEADER, b->size);
  return b;
}

/* Freed big buffers kept mapped, their pages still resident, for the next _tw_big_alloc() of
 * their size class: a chunk of a file read in parallel is some 16 MiB, and a new mapping for
 * each took 4096 page faults (each page zeroed, then overwritten by pread) per chunk: 300,000
 * of a 10M-event CSV run's 975,000, about 0.7 s of CPU. A size class is the size plus 1 MiB,
 * rounded up to 2 MiB, so that chunks a line longer or shorter share one; only the pages
 * touched are resident. A buffer is kept only while more are expected (_tw_big_expect(): the
 * chunks not yet loaded), so that the last ones do not add to the peak at the end of reading
 * (32 MiB on the body-file benchmark, whose peak is there), and _tw_big_trim() unmaps what is
 * left once reading is over. */
#define BIG_POOL_SLOTS 2
#define BIG_CLASS ((gsize)2 * 1024 * 1024)
#define BIG_POOL_MAX ((gsize)64 * 1024 * 1024)

#ifndef TW_ARENA_ASAN
static struct {
  char *buffer;
  gsize capacity;
} big_pool[BIG_POOL_SLOTS];
static guint64 big_expected; /* allocations still to come */
static GMutex big_pool_lock;

static gsize
big_capacity(gsize size)
{
  return (MAX(size, 1) + BIG_CLASS / 2 + BIG_CLASS - 1) / BIG_CLASS * BIG_CLASS;
}
#endif

/* (Under AddressSanitizer from malloc, so that a read past the end of a chunk is reported: in a
 * mapping it would read the rest of the page unseen.) */
char *
_tw_big_alloc(gsize size)
{
#ifdef TW_ARENA_ASAN
  return g_malloc(MAX(size, 1));
#else
  gsize capacity = big_capacity(size);
  char *found = NULL;
  g_mutex_lock(&big_pool_lock);
  if (big_expected > 0)
    big_expected--;
  for (guint i = 0; i < BIG_POOL_SLOTS && !found; i++) {
    if (big_pool[i].buffer && big_pool[i].capacity == capacity) {
      found = big_pool[i].buffer;
      big_pool[i].buffer = NULL;
    }
  }
  /* No more kept than are still to be asked for: a kept buffer of another size class (the
   * last chunk is shorter) would otherwise stay resident until _tw_big_trim(). */
  char *surplus[BIG_POOL_SLOTS];
  gsize surplus_capacity[BIG_POOL_SLOTS];
  guint n_surplus = 0, kept = 0;
  for (guint i = 0; i < BIG_POOL_SLOTS; i++)
    kept += big_pool[i].buffer != NULL;
  for (guint i = 0; i < BIG_POOL_SLOTS && kept > big_expected; i++) {
    if (big_pool[i].buffer) {
      surplus[n_surplus] = big_pool[i].buffer;
      surplus_capacity[n_surplus++] = big_pool[i].capacity;
      big_pool[i].buffer = NULL;
      kept--;
    }
  }
  g_mutex_unlock(&big_pool_lock);
  for (guint i = 0; i < n_surplus; i++)
    munmap(surplus[i], surplus_capacity[i]);
  if (found)
    return found;
  void *p = mmap(NULL, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    g_error("%s: failed to allocate %" G_GSIZE_FORMAT " bytes", G_STRLOC, size);
  return p;
#endif
}

void
_tw_big_free(char *buffer, gsize size)
{
#ifdef TW_ARENA_ASAN
  (void)size;
  g_free(buffer);
#else
  if (!buffer)
    return;
  gsize capacity = big_capacity(size);
  if (capacity <= BIG_POOL_MAX) {
    g_mutex_lock(&big_pool_lock);
    guint kept = 0;
    for (guint i = 0; i < BIG_POOL_SLOTS; i++)
      kept += big_pool[i].buffer != NULL;
    for (guint i = 0; i < BIG_POOL_SLOTS && kept < big_expected; i++) {
      if (!big_pool[i].buffer) {
        big_pool[i].buffer = buffer;
        big_pool[i].capacity = capacity;
        buffer = NULL;
        break;
      }
    }
    g_mutex_unlock(&big_pool_lock);
  }
  if (buffer)
    munmap(buffer, capacity);
#endif
}

void
_tw_big_expect(guint n)
{
#ifndef TW_ARENA_ASAN
  g_mutex_lock(&big_pool_lock);
  big_expected += n;
  g_mutex_unlock(&big_pool_lock);
#else
  (void)n;
#endif
}

void
_tw_big_trim(void)
{
#ifndef TW_ARENA_ASAN
  g_mutex_lock(&big_pool_lock);
  big_expected = 0;
  for (guint i = 0; i < BIG_POOL_SLOTS; i++) {
    if (big_pool[i].buffer)
      munmap(big_pool[i].buffer, big_pool[i].capacity);
    big_pool[i].buffer = NULL;
  }
  g_mutex_unlock(&big_pool_lock);
#endif
}

static void
block_free(TwArenaBlock *b)
{
  /* The next mapping at this address must not find it poisoned. */
  arena_unpoison(b, BLOCK_HEADER + b->size);
  munmap(b, BLOCK_HEADER + b->size);
}

TwArena *
_tw_arena_new(gsize block_size)
{
  TwArena *arena = g_new0(TwArena, 1);
  arena->block_size = block_size ? block_size : 1 << 20;
  return arena;
}

void
_tw_arena_free(TwArena *arena)
{
  if (!arena)
    return;
  TwArenaBlock *b = arena->head;
  while (b) {
    TwArenaBlock *next = b->next;
    block_free(b);
    b = next;
  }
  g_free(arena);
}

static gpointer
arena_alloc(TwArena *arena, gsize size, gsize align)
{
  /* Text, and ids that want an even address (at most a byte of padding), share a block. */
  guint kind = align <= 2 ? ARENA_TEXT : ARENA_ALIGNED;
  TwArenaBlock *b = arena->current[kind];
  if (b) {
    gsize at = (b->used + align - 1) & ~(align - 1);
    if (at <= b->size && b->size - at >= size) {
      b->used = at + size;
      arena_unpoison((char *)b + BLOCK_HEADER + at, size);
      return (char *)b + BLOCK_HEADER + at;
    }
  }
  TwArenaBlock *nb = block_new(MAX(size, arena->block_size));
  nb->used = size;
  nb->next = arena->head;
  arena->head = nb;
  /* Large requests get a block of their own so that they do not waste the current one. */
  if (!b || size <= arena->block_size / 4)
    arena->current[kind] = nb;
  arena->total += nb->size;
  arena_unpoison((char *)nb + BLOCK_HEADER, size);
  return (char *)nb + BLOCK_HEADER;
}

gpointer
_tw_arena_alloc(TwArena *arena, gsize size)
{
  return arena_alloc(arena, size, 8);
}

char *
_tw_arena_alloc_text(TwArena *arena, gsize size)
{
  return arena_alloc(arena, size, 1);
}

static char *
arena_strndup(TwArena *arena, const char *text, gsize length, gsize align)
{
  char *p = arena_alloc(arena, length + 1, align);
  memcpy(p, text, length);
  p[length] = '\0';
  return p;
}

char *
_tw_arena_strndup(TwArena *arena, const char *text, gsize length)
{
  return arena_strndup(arena, text, length, 1);
}

char *
_tw_arena_strndup_even(TwArena *arena, const char *text, gsize length)
{
  return arena_strndup(arena, text, length, 2);
}

gsize
_tw_arena_get_size(const TwArena *arena)
{
  /* The blocks still being filled are mapped whole but touched only as far as they are used:
   * their ends cost no memory yet, and counting them made a few small sources (a block each)
   * look like megabytes to --memory-limit. */
  gsize size = arena->total;
  for (guint kind = 0; kind < G_N_ELEMENTS(arena->current); kind++) {
    const TwArenaBlock *b = arena->current[kind]; /* (the two kinds never share a block) */
    if (b)
      size -= b->size - b->used;
  }
  return size;
}

/* A 64-bit hash in the spirit of wyhash/murmur: reads bytes little-endian explicitly so that
 * ids are the same on every machine. Not cryptographic: ids only need to be stable and rarely
 * collide. */
static inline guint64
mix64(guint64 x)
{
  x ^= x >> 33;
  x *= G_GUINT64_CONSTANT(0xff51afd7ed558ccd);
  x ^= x >> 33;
  x *= G_GUINT64_CONSTANT(0xc4ceb9fe1a85ec53);
  x ^= x >> 33;
  return x;
}

static inline guint64
read_le64(const guint8 *p)
{
  guint64 v;
  memcpy(&v, p, 8);
  return GUINT64_FROM_LE(v);
}

static inline guint64
read_le32(const guint8 *p)
{
  guint32 v;
  memcpy(&v, p, 4);
  return GUINT32_FROM_LE(v);
}

/* The last @length (< 8) bytes of a text, at @p, as a little-endian number: what a loop over the
 * bytes gives, in at most three loads. @whole: the text started 8 or more bytes before @p, so
 * the 8 bytes ending where it ends may be read. (Most texts hashed are short names, and the
 * byte loop was most of their hash.) */
static inline guint64
read_tail(const guint8 *p, gsize length, gboolean whole)
{
  if (length == 0)
    return 0;
  if (whole)
    return read_le64(p + length - 8) >> (8 * (8 - length));
  if (length >= 4)
    return read_le32(p) | read_le32(p + length - 4) << (8 * (length - 4));
  return (guint64)p[0] | (guint64)p[length / 2] << (8 * (length / 2)) |
         (guint64)p[length - 1] << (8 * (length - 1));
}

guint64
_tw_hash64(const void *data, gsize length, guint64 seed)
{
  const guint8 *p = data;
  const gboolean whole = length >= 8;
  guint64 h = seed ^ (length * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15));
  while (length >= 8) {
    h = mix64(h ^ read_le64(p)) * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    p += 8;
    length -= 8;
  }
  guint64 tail = read_tail(p, length, whole);
  h = mix64(h ^ tail ^ ((guint64)length << 56));
  return mix64(h);
}

void
_tw_hash64_pair(const void *data, gsize length, guint64 seed_a, guint64 seed_b, guint64 out[2])
{
  /* _tw_hash64() with two seeds in one pass: the same values, the two chains of multiplies
   * interleaved (an id is two hashes of the same bytes). */
  const guint8 *p = data;
  const gboolean whole = length >= 8;
  guint64 a = seed_a ^ (length * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15));
  guint64 b = seed_b ^ (length * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15));
  while (length >= 8) {
    guint64 word = read_le64(p);
    a = mix64(a ^ word) * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    b = mix64(b ^ word) * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15);
    p += 8;
    length -= 8;
  }
  guint64 tail = read_tail(p, length, whole);
  out[0] = mix64(mix64(a ^ tail ^ ((guint64)length << 56)));
  out[1] = mix64(mix64(b ^ tail ^ ((guint64)length << 56)));
}

/* @text as an error message quotes it: control characters written as escapes (`\n`, `\x01`),
 * so that a message stays one line whatever the input holds (a spec value may carry a line break:
 * GKeyFile reads `\n` as one; found by tests/fuzz). Transfer full. */
char *
_tw_quote_text(const char *text)
{
  GString *out = g_string_sized_new(strlen(text));
  for (const char *p = text; *p; p++) {
    guchar c = (guchar)*p;
    if (c == '\n')
      g_string_append(out, "\\n");
    else if (c == '\r')
      g_string_append(out, "\\r");
    else if (c == '\t')
      g_string_append(out, "\\t");
    else if (c < 0x20 || c == 0x7f)
      g_string_append_printf(out, "\\x%02x", c);
    else
      g_string_append_c(out, (char)c);
  }
  return g_string_free(out, FALSE);
}

gint64
_tw_generation_time(void)
{
  const char *sde = g_getenv("SOURCE_DATE_EPOCH");
  if (sde && *sde) {
    char *end = NULL;
    errno = 0;
    gint64 secs = g_ascii_strtoll(sde, &end, 10);
    /* Up to the last second timeweave represents: beyond it, the microseconds overflowed and
     * the ics export wrote a DTSTAMP of a ten-digit year. */
    if (end && *end == '\0' && errno == 0 && secs >= 0 && secs <= TW_TIME_MAX / TW_USEC_PER_SEC)
      return secs * TW_USEC_PER_SEC;
    /* One line, as every other message (not GLib's multi-line "(prog:pid): WARNING **"). */
    g_autofree char *quoted = _tw_quote_text(sde);
    g_printerr("timeweave: warning: SOURCE_DATE_EPOCH '%s' is not a number of seconds from 1970 "
               "to 9999: the current time is used\n",
               quoted);
  }
  return g_get_real_time();
}

char *
_tw_resolve_path(const char *base_dir, const char *path)
{
  /* `-`, absolute paths and URIs stand as they are; a base folder may itself be a URI (the
   * embedded default timeline's resource:/// folder). */
  if (!base_dir || strcmp(path, "-") == 0 || g_path_is_absolute(path) || strstr(path, "://"))
    return g_strdup(path);
  if (strstr(base_dir, "://"))
    return g_strconcat(base_dir, "/", path, NULL);
  return g_build_filename(base_dir, path, NULL);
}
