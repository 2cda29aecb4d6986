/* timeweave: internals shared by the core's modules. Nothing here is exported (_tw_ names). */
#pragma once

#include <signal.h>

#include <timeweave/timeweave.h>

G_BEGIN_DECLS

/* -- arena: bump allocation in large blocks, freed all at once -- */

typedef struct _TwArena TwArena;
TwArena *_tw_arena_new(gsize block_size);
void _tw_arena_free(TwArena *arena);
gpointer _tw_arena_alloc(TwArena *arena, gsize size); /* 8-byte aligned, not zeroed */
/* Text needs no alignment: these save the padding. */
char *_tw_arena_alloc_text(TwArena *arena, gsize size);
/* A NUL-terminated copy. */
char *_tw_arena_strndup(TwArena *arena, const char *text, gsize length);
/* The same at an even address: an event's id keeps its low bit for a tag (TW_ID_NATIVE). */
char *_tw_arena_strndup_even(TwArena *arena, const char *text, gsize length);
/* The bytes its blocks take: all of each but the unused end of the blocks still being filled
 * (mapped but not yet touched). */
gsize _tw_arena_get_size(const TwArena *arena);

/* @path taken relative to @base_dir (a folder or a URI) unless it is `-`, absolute or a URI.
 * (transfer full) */
char *_tw_resolve_path(const char *base_dir, const char *path);

/* -- hashing: stable across runs and machines -- */

/* A 64-bit hash of @length bytes (seeded), byte-order independent. */
guint64 _tw_hash64(const void *data, gsize length, guint64 seed);
/* @text as an error message quotes it: control characters written as escapes (`\n`, `\x01`),
 * so that a message stays one line whatever the input holds. Transfer full. */
char *_tw_quote_text(const char *text);
/* The plain reason of a GIO error (`no such file`, `is a directory, not a file`), without GIO's
 * "Error opening file PATH: " around it: messages name the path as the user gave it. */
const char *_tw_io_reason(const GError *inner);

/* tw_date_format_in_zone() with several zones: an exact time is written in @zones[0] (NULL:
 * UTC); a minute or hour that does not begin on a UTC minute or hour in the first of @zones (any
 * may be NULL) in whose offset it does. */
char *_tw_date_format_in_zones(const TwDate *date, GTimeZone *const *zones, guint n_zones);
/* The offset from UTC (seconds) with which tw_time_format() writes @usec in @zone: its wall clock
 * is @usec plus the offset (0 where that would leave 0001..9999, as it then writes UTC). */
gint32 _tw_zone_wall_offset(GTimeZone *zone, gint64 usec);
/* Whether @zone is UTC by name (UTC, Etc/UTC, Z, GMT...), which tw_time_format() writes `Z`. */
gboolean _tw_zone_is_utc(GTimeZone *zone);
/* _tw_hash64() of the same bytes with two seeds, in one pass. */
void _tw_hash64_pair(const void *data, gsize length, guint64 seed_a, guint64 seed_b,
                     guint64 out[2]);

/* -- the stored event -- */

enum {
  TW_EVENT_FLOATING = 1 << 0,
  TW_EVENT_HAS_GEO = 1 << 1,
  TW_EVENT_REMOVED = 1 << 2,
  /* Another event of the timeline, from another source, has the same id (an id is unique within
   * its source only): set by the duplicate search when the timeline is finished, where such
   * events meet anyway (merge_id_group(), and _tw_spill_finish() for a timeline on disk), so
   * that the exports whose keys must be unique in a file (the ics UID, the opensearch _id) can
   * tell them apart without a table of every id. */
  TW_EVENT_SHARED_ID = 1 << 3,
};

/* The fields few events have, kept out of the record so that it stays small (72 bytes). */
typedef struct {
  const char *description;
  const char *location;
  const char *url;
  const char **actors; /* interned */
  double geo[2];       /* [latitude, longitude] when the event has TW_EVENT_HAS_GEO */
  guint16 n_actors;
} TwEventMore;

/* An id written as text: 32 hex digits of a 128-bit hash (or a source's own, stored). */
#define TW_ID_TEXT_SIZE 33

/* The names an event shares with most events of its source, stored once for each combination
 * in a shard (_tw_shard_names()), so that the record holds one pointer for four. */
typedef struct {
  const char *source; /* interned */
  const char *kind;   /* interned; nullable */
  const char *zone;   /* interned; nullable */
  /* The keys of the event's attributes when the record keeps their values alone
   * (TW_ATTRIBUTES_VALUES): interned, an array shared by equal lists of keys (up to a bound a
   * shard, sink.c); NULL for none. */
  const char *const *keys;
  guint n_keys;
} TwEventNames;

/* An event as stored: fixed size, text in the shard's arena. Strings and arrays may be shared
 * between events (a source's consecutive events with the same title or attributes, merged
 * duplicates): whoever changes one allocates a new one. */
struct _TwEvent {
  gint64 start;
  gint64 end;
  /* The id text, or what the id is a hash of, so that the 33 bytes of a hashed id are not
   * stored for every event (_tw_event_id_text() writes it when needed; tw_event_get_id() stores
   * it on first use, from any thread: read the field with __atomic_load_n()):
   * - NULL: the source gave no id, and the id is derived from the event's content;
   * - a pointer with its low bit set (TW_ID_NATIVE): to the source's native id (a line number),
   *   shorter than the hash it gives, which is of the source's name and that id;
   * - with its top bit set too (TW_ID_NUMBER): that native id, a decimal number, in the bits
   *   between;
   * - a pointer with bit 62 set (TW_ID_HASH): to the 16 bytes of the hash of a long native id,
   *   where its text would take 33. */
  const char *id; /* at an even address, as _tw_arena_strndup_even() gives */
  const char *title;
  const TwEventNames *names;
  TwEventMore *more; /* NULL when the event has none of those fields */
  const char **tags; /* interned */
  /* Either an array of key-value pairs or, tagged TW_ATTRIBUTES_VALUES, of values alone, whose
   * keys are names->keys (a source gives the same keys row after row: 8 bytes an attribute, not
   * 16). tw_event_get_attribute() makes the pairs on first use, from any thread: read the
   * field with _tw_event_attribute_key() and _tw_event_attribute_value(). */
  TwAttribute *attributes;
  guint16 n_tags;
  guint16 n_attributes;
  guint8 precision;
  guint8 qualifier;
  guint8 flags;
};

/* The tag of an event's attributes field that points at values alone (see TwEvent). */
#define TW_ATTRIBUTES_VALUES ((guintptr)1)

/* The key of attribute @index of @event (index < n_attributes), in either form. */
static inline const char *
_tw_event_attribute_key(const TwEvent *event, guint index)
{
  guintptr a = (guintptr)__atomic_load_n(&event->attributes, __ATOMIC_ACQUIRE);
  if (a & TW_ATTRIBUTES_VALUES)
    return event->names->keys[index];
  return ((const TwAttribute *)a)[index].key;
}

/* The value of attribute @index of @event, in either form. */
static inline const char *
_tw_event_attribute_value(const TwEvent *event, guint index)
{
  guintptr a = (guintptr)__atomic_load_n(&event->attributes, __ATOMIC_ACQUIRE);
  if (a & TW_ATTRIBUTES_VALUES)
    return ((const char *const *)(a & ~TW_ATTRIBUTES_VALUES))[index];
  return ((const TwAttribute *)a)[index].value;
}

/* Attribute @index of @event as a pair, from either form, without storing pairs. */
static inline TwAttribute
_tw_event_attribute(const TwEvent *event, guint index)
{
  return (TwAttribute){_tw_event_attribute_key(event, index),
                       _tw_event_attribute_value(event, index)};
}

/* The tag of an event's id that points at a native id (see TwEvent). */
#define TW_ID_NATIVE ((guintptr)1)

/* A native id that is a plain decimal number (a row's line number) is kept in the id field
 * itself, not as text: the number shifted left by one, TW_ID_NATIVE, and the top bit, which no
 * address a process is given has. 8 bytes an event of a csv or log file. With 64-bit pointers
 * only; elsewhere such ids are kept as text. (This and TW_ID_HASH take the top bits of a user
 * space address to be clear, as they are on Linux for x86-64 and arm64; where pointers carry a
 * tag in their top byte, as under HWASan, both would have to go.) */
/* TW_ID_TAGS_OFF builds both as 32-bit machines must (ids kept as text): tools/check builds it
 * so, since no 32-bit machine builds this in CI. */
#if GLIB_SIZEOF_VOID_P == 8 && !defined(TW_ID_TAGS_OFF)
#define TW_ID_NUMBER ((guintptr)1 << 63)
/* Numbers of up to this many digits fit in the 62 bits left. */
#define TW_ID_NUMBER_MAX_DIGITS 18
#endif

/* The id of a long native id (a commit hash, an iCalendar UID, a body file's inode, time and
 * name) is a hash of it, kept as its two 64-bit halves (16 bytes in the arena, 8-byte aligned)
 * with bit 62 of the pointer set: as for numbers, no address a process is given has it. Numbers
 * of 18 digits leave it clear. With 64-bit pointers only; elsewhere the hash is kept as text. */
#if GLIB_SIZEOF_VOID_P == 8 && !defined(TW_ID_TAGS_OFF)
#define TW_ID_HASH ((guintptr)1 << 62)
#endif

/* Whether @id, an event's id field, holds a number (TW_ID_NUMBER). */
static inline gboolean
_tw_id_is_number(const char *id)
{
#ifdef TW_ID_NUMBER
  return ((guintptr)id & TW_ID_NUMBER) != 0;
#else
  (void)id;
  return FALSE;
#endif
}

/* The 16 bytes of the hash @id points to (TW_ID_HASH), or NULL when it is another form. */
static inline const guint64 *
_tw_id_hash_value(const char *id)
{
#ifdef TW_ID_HASH
  if (((guintptr)id & (TW_ID_NUMBER | TW_ID_HASH)) == TW_ID_HASH)
    return (const guint64 *)(gconstpointer)((guintptr)id & ~TW_ID_HASH);
#else
  (void)id;
#endif
  return NULL;
}

/* Whether @id, an event's id field, is the id's text as it is (not NULL, nor another form). */
static inline gboolean
_tw_id_is_text(const char *id)
{
  return id && !((guintptr)id & TW_ID_NATIVE) && !_tw_id_hash_value(id);
}

/* Where what @id holds lies in memory, for asking the cache ahead; NULL for none. */
static inline gconstpointer
_tw_id_address(const char *id)
{
  if (_tw_id_is_number(id))
    return NULL;
  const guint64 *hash = _tw_id_hash_value(id);
  return hash ? (gconstpointer)hash : (gconstpointer)id;
}

/* The id field that keeps the native id of @length bytes at @text as a number, or NULL when it
 * is not one: digits only, no leading zero, not too long. */
const char *_tw_id_number_from_native(const char *text, gsize length);

/* The id field for the native id of @length bytes at @native that @source gave, when it is too
 * long to keep (its hash: TW_ID_HASH, or the text in 32-bit builds), stored in @arena. */
const char *_tw_id_field_of_long_native(TwArena *arena, const char *source, const char *native,
                                        gsize length);

/* @event's id: the stored text, or the derived id written to @buf (which the result may then
 * point at). Cheaper than tw_event_get_id() for a derived id, which it does not store. */
const char *_tw_event_id_text(const TwEvent *event, char buf[TW_ID_TEXT_SIZE]);
/* The opensearch _id of an event with TW_EVENT_SHARED_ID: 32 hex digits of a hash of its
 * source's name and its id, whose material (source, two NULs, id) no id's material can equal,
 * so that it is unlike every id as hashed ids are unlike each other. */
const char *_tw_event_shared_id_key(const TwEvent *event, char buf[TW_ID_TEXT_SIZE]);
/* 32 bits of a hash of @event's id text, the same for the same text, without writing out an id
 * that is a hash (it gives 32 of that hash's bits): for the duplicate search. */
guint32 _tw_event_id_hash32(const TwEvent *event);
/* tw_event_compare() with the two events' ids given (as _tw_event_id_text() writes them), for
 * sorts that compare one event many times. */
int _tw_event_compare_with_ids(const TwEvent *a, const char *a_id, const TwEvent *b,
                               const char *b_id);

/* -- shards: one sink's events, in blocks whose addresses never move -- */

typedef struct _TwShard TwShard;
/* How many events a block of a shard holds. */
#define TW_SHARD_BLOCK_EVENTS 4095
TwShard *_tw_shard_new(void);
/* While held (a counter: jobs may read at once), freed blocks of records are kept mapped for
 * the next ones, up to a bound; the last release unmaps them (sink.c says why). */
void _tw_shard_pool_hold(void);
void _tw_shard_pool_release(void);
void _tw_shard_free(TwShard *shard);
TwEvent *_tw_shard_add_event(TwShard *shard); /* zeroed */
guint64 _tw_shard_get_n_events(const TwShard *shard);
/* Puts the shard's records in the timeline's total order (start, then tw_event_compare()),
 * equal events in their order of arrival, and moves the records themselves, so that the
 * timeline merges sorted shards rather than sorting all their events at the end. Done on the
 * thread that read the shard, when its sink is done; nothing may point at a record before. A
 * no-op on a shard that is sorted already (adding an event unsorts it). */
void _tw_shard_sort(TwShard *shard);
/* The shard's blocks of events: in the order they were added, or sorted. */
guint _tw_shard_get_n_blocks(const TwShard *shard);
TwEvent *_tw_shard_get_block(const TwShard *shard, guint index, guint *n_events);
/* The event at @index (< the shard's events) in the order of its blocks. */
TwEvent *_tw_shard_get_event(const TwShard *shard, guint64 index);
/* Whether every event of @shard has a number for an id (a line number: TW_ID_NUMBER), no two
 * the same: ascending as they came, from one @source (whose name with the number makes the
 * id), from *@first to *@last. Two such shards share no id when their sources differ or their
 * ranges do not meet. It is noted as events are committed, the only way into a shard, and holds
 * because nothing changes a stored event's source or id: a function that ever does must make
 * its shard forget it (its n_number_ids set to 0), or the timeline's search for duplicate ids
 * (skipped on it) would miss a duplicate. */
gboolean _tw_shard_get_number_ids(const TwShard *shard, const char **source, guint64 *first,
                                  guint64 *last);
/* Where its first event stands among its sink's events; its memory as last counted. */
guint64 _tw_shard_get_base_seq(const TwShard *shard);
gsize _tw_shard_get_reported(const TwShard *shard);
/* The shard's place among the timeline's: links are resolved in this order. */
void _tw_shard_set_order(TwShard *shard, guint64 order);
guint64 _tw_shard_get_order(const TwShard *shard);
/* Bytes the shard holds (records, text, tables): for --memory-limit. */
gsize _tw_shard_get_memory(const TwShard *shard);
const char *_tw_shard_intern(TwShard *shard, const char *text);
/* The shard's one copy of these names: @source, @kind and @zone, and @keys (@n_keys of them,
 * NULL for none) as the keys of attributes kept as values (TwEvent). All are pointers that live
 * as long as the shards whose events use them: interned, or stored in a shard's arena. */
const TwEventNames *_tw_shard_names(TwShard *shard, const char *source, const char *kind,
                                    const char *zone, const char *const *keys, guint n_keys);
/* Makes the key-value pairs of @event's attributes when it keeps values alone, and returns
 * them: the slow path of tw_event_get_attribute(), thread-safe. */
const TwAttribute *_tw_shard_pair_attributes(const TwEvent *event);
char *_tw_shard_strdup(TwShard *shard, const char *text, gsize length);
TwArena *_tw_shard_get_arena(TwShard *shard);
/* Stores the text of @event's id, which is a hash (derived or native), in its shard (found from
 * the event's address) and returns it: the slow path of tw_event_get_id(), thread-safe. */
const char *_tw_shard_store_hashed_id(const TwEvent *event);

/* -- chunks of a file read in parallel -- */

/* The longest line a reader returns. */
#define TW_READER_MAX_LINE (64 * 1024 * 1024)

/* A large buffer that lives for a while and then goes (a chunk's bytes): mapped, so that its
 * pages go back to the system when reading is over. malloc would keep them for reuse, since
 * after the first such buffer it no longer maps buffers of that size, and the freed bytes would
 * stay resident between blocks still in use: 63 MiB of a 10M-event CSV run's peak. Up to two
 * freed ones are kept for the chunks still to come (util.c says why). Its bytes are not zeroed.
 * Free with _tw_big_free() and the size given here. The kept buffers are shared by the whole
 * process: a job that calls _tw_big_trim() while another reads only costs that one a few new
 * mappings. */
char *_tw_big_alloc(gsize size);
void _tw_big_free(char *buffer, gsize size);
/* Says that @n more big buffers will be asked for (the chunks of a file about to be read), so
 * that freed ones are kept for them. */
void _tw_big_expect(guint n);
/* Unmaps the freed big buffers kept for reuse, and forgets what was expected (the job calls it
 * when reading is over). */
void _tw_big_trim(void);

/* Gives a chunk's bytes (from _tw_big_alloc(), of @length + 1 bytes, room for a NUL after them;
 * taken by the reader) and the number of its first line. */
typedef gboolean (*TwChunkLoad)(gpointer data, char **bytes, gsize *length, guint *first_line,
                                GError **error);
/* A reader over chunk @index of the file @name: @load is called on its first read. */
TwReader *_tw_reader_new_chunk(const char *name, guint index, TwChunkLoad load, gpointer data);

/* -- timeline internals -- */

/* A number for each sink opened on @timeline, in opening order (thread-safe). */
guint64 _tw_timeline_next_sink_order(TwTimeline *timeline);
/* -- --memory-limit: sorted runs on disk (core/spill.c) -- */

typedef struct _TwSpill TwSpill;
TwSpill *_tw_spill_new(void);
void _tw_spill_free(TwSpill *spill);
/* Writes @n events, sorted, with their shards' orders and places, as a run (thread-safe). A
 * failure is kept for _tw_spill_get_error(). */
gboolean _tw_spill_write_run(TwSpill *spill, TwEvent *const *events, const guint64 *orders,
                             const guint64 *seqs, gsize n);
/* The events of the shard(s) with @order are not part of the timeline (thread-safe). */
void _tw_spill_drop_order(TwSpill *spill, guint64 order);
gboolean _tw_spill_is_dropped(TwSpill *spill, guint64 order);
/* How many runs were written, and their bytes. */
void _tw_spill_get_stats(const TwSpill *spill, guint *n_runs, guint64 *n_bytes);
gboolean _tw_spill_get_error(TwSpill *spill, GError **error);
/* Finds the duplicates and the link ends (@link_ends: ids) present, and counts the events. */
gboolean _tw_spill_finish(TwSpill *spill, TwTimeline *timeline, const char *const *link_ends,
                          guint n_ends, GError **error);
guint _tw_spill_get_n_events(const TwSpill *spill);
guint64 _tw_spill_get_n_merged(const TwSpill *spill);
/* The index of the first event with @id, one of the link ends given to _tw_spill_finish(); -1
 * for another id. */
gint _tw_spill_find_link_end(const TwSpill *spill, const char *id);
/* Event @index, read in order (a link end found by id may be read at any time): valid until an
 * event 4096 places later is read. Not thread-safe. */
const TwEvent *_tw_spill_get_event(TwSpill *spill, guint index);

/* A sort key (an event's start, as _tw_event_sort_key() gives it) and what it sorts. */
typedef struct {
  guint64 key;
  union {
    TwEvent *event;
    guint64 index;
  };
} TwSortPair;

/* The start with its sign bit flipped: unsigned order is signed order. */
static inline guint64
_tw_event_sort_key(const TwEvent *event)
{
  return (guint64)event->start ^ G_GUINT64_CONSTANT(0x8000000000000000);
}

/* Sorts @n pairs by key, stable, with @tmp (room for @n) as the second buffer; returns the one
 * of the two that holds the result. */
TwSortPair *_tw_sort_pairs(TwSortPair *pairs, TwSortPair *tmp, gsize n);
/* Sorts @n events into the timeline's total order; equal events keep their order. */
void _tw_timeline_sort_events(TwEvent **events, gsize n);
/* How many threads tw_timeline_finish() may use (the job's -j; 1 by default). */
void _tw_timeline_set_threads(TwTimeline *timeline, guint threads);
/* Folds @dup into @keep as tw_timeline_finish() folds duplicates (new arrays in @timeline). */
void _tw_timeline_merge_into(TwTimeline *timeline, TwEvent *keep, const TwEvent *dup);
/* Stops keeping more than @bytes of events in memory (0: no limit). */
void _tw_timeline_set_memory_limit(TwTimeline *timeline, guint64 bytes);
/* Adds @delta bytes to the memory the shards hold (thread-safe). */
void _tw_timeline_count_memory(TwTimeline *timeline, gint64 delta);
gboolean _tw_timeline_over_budget(TwTimeline *timeline);
/* Writes the closed shards and @shard (nullable, taken) to a run (thread-safe). */
void _tw_timeline_spill(TwTimeline *timeline, TwShard *shard);
void _tw_timeline_drop_order(TwTimeline *timeline, guint64 order);
/* Whether the timeline went to disk; a failure to write or read it. */
gboolean _tw_timeline_is_spilled(const TwTimeline *timeline);
/* The sorted events of a finished timeline in memory: each as 4 bytes, its block's number
 * among the shards' blocks shifted left by TW_EVENT_REF_SLOT_BITS, and its slot in the block
 * (timeline.c). For loops that read ahead (prefetching); tw_timeline_get_event() is the way to
 * read one. */
#define TW_EVENT_REF_SLOT_BITS 12
typedef struct {
  const guint32 *refs;
  TwEvent *const *blocks;
} TwEventRefs;
/* Fills @refs; FALSE when the events are on disk (spilled) or not finished. */
gboolean _tw_timeline_peek_events(const TwTimeline *timeline, TwEventRefs *refs);
static inline TwEvent *
_tw_event_ref_resolve(TwEvent *const *blocks, guint32 ref)
{
  return blocks[ref >> TW_EVENT_REF_SLOT_BITS] + (ref & ((1u << TW_EVENT_REF_SLOT_BITS) - 1));
}
static inline const TwEvent *
_tw_event_refs_get(const TwEventRefs *refs, guint index)
{
  return _tw_event_ref_resolve(refs->blocks, refs->refs[index]);
}
gboolean _tw_timeline_check(const TwTimeline *timeline, GError **error);
/* Whether runs were written: how many, and their bytes. */
gboolean _tw_timeline_get_spill(const TwTimeline *timeline, guint *n_runs, guint64 *n_bytes);
void _tw_sink_check_memory(TwSink *sink);
/* The sink's shard, replaced by an empty one (its events go to a run). */
TwShard *_tw_sink_swap_shard(TwSink *sink);
guint64 _tw_sink_get_n_stored(const TwSink *sink);
/* A sink done with writing but not closed yet (a chunk waiting for the chunks before it): its
 * shard may go to a run with the others. */
void _tw_sink_park(TwSink *sink);
/* Takes it off the list (before it is closed or freed). */
void _tw_sink_unpark(TwSink *sink);
/* Whether @sink was put on the list (only under a memory limit). */
gboolean _tw_timeline_park(TwTimeline *timeline, TwSink *sink);
void _tw_timeline_unpark(TwTimeline *timeline, TwSink *sink);

/* Bytes the timeline's shards hold. */
gsize _tw_timeline_get_memory(const TwTimeline *timeline);
/* Takes ownership of @shard and appends its events (thread-safe). */
void _tw_timeline_adopt_shard(TwTimeline *timeline, TwShard *shard);

/* -- components -- */

struct _TwSource {
  const TwSourceInfo *info;
  char *name;
  char *path;
  TwOptions *options;
  gboolean has_range;
  gint64 from, to;
  /* tw_source_open() found nothing to read (an empty file, or standard input or a pipe that
   * closed at once): set on the thread that reads the source. */
  gboolean input_empty;
};

/* Whether tw_reader_open() found not one byte to read. */
gboolean _tw_reader_was_empty(const TwReader *reader);

struct _TwAnalyzer {
  const TwAnalyzerInfo *info;
  char *name;
  char *base_dir;
  TwOptions *options;
};

struct _TwExporter {
  const TwExporterInfo *info;
  char *name;
  TwOptions *options;
  GTimeZone *output_zone;
  gint64 generation_time;
  guint threads; /* the core's exporters format events on this many threads (0: one) */
  /* While the job writes this export: where an exporter that writes a file beside its own
   * output (the csv findings) puts that file's TwOutput once _tw_output_finish() succeeded; the
   * job renames them with every export's own file, only once all were written. NULL when the
   * exporter is called outside a job: then it closes such files itself. */
  GPtrArray *companions;
  /* While the job writes this export: the files of an earlier export (paths, g_free) that the
   * job removes once every export was put in place (the opensearch parts past this run's last):
   * a run that fails leaves them. NULL outside a job: then the exporter removes them itself. */
  GPtrArray *obsolete;
};

/* The core's own exporters (core/exporters.c). */
extern const TwPluginInfo _tw_builtin_exporters;
extern const TwExporterInfo _tw_exporter_json;
extern const TwExporterInfo _tw_exporter_jsonl;
extern const TwExporterInfo _tw_exporter_csv;
extern const TwExporterInfo _tw_exporter_ics;
extern const TwExporterInfo _tw_exporter_html;
extern const TwExporterInfo _tw_exporter_timesketch;
extern const TwExporterInfo _tw_exporter_opensearch;

/* The time used for generation stamps: SOURCE_DATE_EPOCH if set and valid, else now. */
gint64 _tw_generation_time(void);

/* Whether this process runs from the build tree (then bundled plugins and data are found
 * there rather than in the installed folders). */
gboolean _tw_running_uninstalled(void);

G_END_DECLS

G_BEGIN_DECLS
/* sink.c */
TwSink *_tw_sink_new(TwTimeline *timeline, const char *source_name, gboolean strict,
                     gboolean has_range, gint64 from, gint64 to);
TwShard *_tw_sink_steal_shard(TwSink *sink);
TwTimeline *_tw_sink_get_timeline(TwSink *sink);
/* Keeps warnings until _tw_sink_print_held_warnings() (a chunk of a file read in parallel). */
void _tw_sink_hold_warnings(TwSink *sink);
/* Where the sink's shard goes among the timeline's (by default: the order sinks were opened). */
void _tw_sink_set_order(TwSink *sink, guint64 order);
void _tw_sink_print_held_warnings(TwSink *sink);
guint _tw_shard_get_n_links(const TwShard *shard);
void _tw_shard_get_link(const TwShard *shard, guint index, const char **from_id, const char **to_id,
                        const char **rule, gint64 *lag_min, gint64 *lag_max,
                        TwCertainty *certainty);
/* Puts link @from at @to (@to <= @from), and keeps the first @n links: a finish drops the links
 * it added to the timeline and keeps those whose ends are not all there yet. */
void _tw_shard_move_link(TwShard *shard, guint from, guint to);
void _tw_shard_truncate_links(TwShard *shard, guint n);
G_END_DECLS

G_BEGIN_DECLS
/* output.c, for the tests: the block that direct writes are aligned to (4096 unless set, before
 * the output passes 32 MiB: a power of two that divides 8 MiB), and whether the output went
 * direct (its large buffer) and whether it then went back to buffered writes (@refused: the
 * file system or disk refused O_DIRECT, or there was no memory for the buffer). */
void _tw_output_set_direct_block(TwOutput *out, gsize block);
gboolean _tw_output_get_direct(const TwOutput *out, gboolean *refused);
/* The first half of tw_output_close(): writes, syncs and closes the temporary file without
 * renaming it, so that an export of several files can put them all in place only once every
 * one was written. Then tw_output_close() renames it, or tw_output_abort() removes it.
 * Returns: %FALSE with `PATH: reason` (the output is then aborted). */
gboolean _tw_output_finish(TwOutput *out, GError **error);
/* Around the renames that put a run's exports in place: blocks every signal on this thread
 * (the old mask goes to @saved), and makes tw_output_abort_all_from_signal() on another thread
 * wait until _tw_output_commit_end(), so that a signal never leaves some exports new and the
 * others old. _tw_output_commit_end() restores @saved: a signal that came meanwhile is taken
 * then. */
void _tw_output_commit_begin(sigset_t *saved);
void _tw_output_commit_end(const sigset_t *saved);
G_END_DECLS
