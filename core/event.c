/* timeweave: read access to stored events, and the timeline's total order. */
#include "private.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if !defined(__SSE2__)
/* Ids are written for every event of an export, and again for the duplicate search: without
 * SSE2, two characters a step, from a table, rather than one. */
static const char hex_pairs[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                                "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                                "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
                                "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                                "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                                "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                                "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                                "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
#endif
static const char decimal_pairs[] = "00010203040506070809101112131415161718192021222324"
                                    "25262728293031323334353637383940414243444546474849"
                                    "50515253545556575859606162636465666768697071727374"
                                    "75767778798081828384858687888990919293949596979899";

/* The 128-bit value of an id made of @length bytes of @material. */
static void
id_value(const char *material, gsize length, guint64 h[2])
{
  _tw_hash64_pair(material, length, G_GUINT64_CONSTANT(0x74696d6577656176),
                  G_GUINT64_CONSTANT(0x6576656e74696473), h);
}

/* An id's value written as its text: 32 hex digits. Inlined into its callers: in
 * _tw_event_id_text(), which writes the id of every exported event, a call costs more than the
 * twenty instructions it makes (+0.1% of a CSV export's instructions once a second caller made
 * GCC stop inlining it). */
G_ALWAYS_INLINE static inline void
id_format(const guint64 h[2], char out[TW_ID_TEXT_SIZE])
{
#if defined(__SSE2__)
  /* The 16 bytes most significant first, split into high and low nibbles, interleaved, and
   * each nibble made a digit ('0' + n, and 39 more for a to f): an id for every exported event
   * in some twenty instructions rather than sixteen table lookups. */
  const __m128i x = _mm_set_epi64x((long long)GUINT64_TO_BE(h[1]), (long long)GUINT64_TO_BE(h[0]));
  const __m128i low_nibbles = _mm_set1_epi8(0x0f);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(x, 4), low_nibbles);
  const __m128i low = _mm_and_si128(x, low_nibbles);
  const __m128i nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'), gap = _mm_set1_epi8(39);
  const __m128i nibbles[2] = {_mm_unpacklo_epi8(high, low), _mm_unpackhi_epi8(high, low)};
  for (guint k = 0; k < 2; k++) {
    __m128i letters = _mm_and_si128(_mm_cmpgt_epi8(nibbles[k], nine), gap);
    __m128i digits = _mm_add_epi8(_mm_add_epi8(nibbles[k], zero), letters);
    _mm_storeu_si128((__m128i *)(void *)(out + 16 * k), digits);
  }
#else
  for (guint k = 0; k < 2; k++)
    for (guint i = 0; i < 8; i++)
      memcpy(out + k * 16 + 2 * i, hex_pairs + 2 * ((h[k] >> (56 - 8 * i)) & 0xff), 2);
#endif
  out[32] = '\0';
}

static char *
put_int64(char *out, gint64 value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 v = value < 0 ? -(guint64)value : (guint64)value;
  while (v >= 100) {
    p -= 2;
    memcpy(p, decimal_pairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10) {
    p -= 2;
    memcpy(p, decimal_pairs + 2 * v, 2);
  } else {
    *--p = (char)('0' + v);
  }
  if (value < 0)
    *--p = '-';
  gsize n = (gsize)(buf + sizeof buf - p);
  memcpy(out, p, n);
  return out + n;
}

/* The id of an event its source gave none for: a hash of its source, start, end, precision,
 * qualifier and title (the material the sink used before ids were derived on demand; ids must
 * not change). */
static void
derive_id(const TwEvent *event, guint64 h[2])
{
  const char *source = event->names->source;
  gsize source_length = strlen(source), title_length = strlen(event->title);
  /* The source, a NUL, four numbers of up to 20 characters with their '|'. */
  gsize length = source_length + 1 + 4 * 21 + title_length;
  char stack[512];
  char *material = length <= sizeof stack ? stack : g_malloc(length);
  char *p = material;
  memcpy(p, source, source_length + 1);
  p += source_length + 1;
  const gint64 numbers[] = {event->start, event->end, event->precision, event->qualifier};
  for (guint i = 0; i < G_N_ELEMENTS(numbers); i++) {
    p = put_int64(p, numbers[i]);
    *p++ = '|';
  }
  memcpy(p, event->title, title_length);
  p += title_length;
  id_value(material, (gsize)(p - material), h);
  if (material != stack)
    g_free(material);
}

/* The id of a native id (@native_length bytes): a hash of the source's name, a NUL and the
 * native id. */
static void
hash_native_id(const char *source, const char *native, gsize native_length, guint64 h[2])
{
  gsize source_length = strlen(source);
  gsize length = source_length + 1 + native_length;
  char stack[256];
  char *material = length <= sizeof stack ? stack : g_malloc(length);
  memcpy(material, source, source_length + 1);
  memcpy(material + source_length + 1, native, native_length);
  id_value(material, length, h);
  if (material != stack)
    g_free(material);
}

const char *
_tw_id_number_from_native(const char *text, gsize length)
{
#ifdef TW_ID_NUMBER
  if (length == 0 || length > TW_ID_NUMBER_MAX_DIGITS || (text[0] == '0' && length > 1))
    return NULL;
  guint64 n = 0;
  for (gsize i = 0; i < length; i++) {
    if (text[i] < '0' || text[i] > '9')
      return NULL;
    n = n * 10 + (guint64)(text[i] - '0');
  }
  return (const char *)(TW_ID_NUMBER | (guintptr)n << 1 | TW_ID_NATIVE);
#else
  (void)text;
  (void)length;
  return NULL;
#endif
}

const char *
_tw_id_field_of_long_native(TwArena *arena, const char *source, const char *native, gsize length)
{
  guint64 h[2];
  hash_native_id(source, native, length, h);
#ifdef TW_ID_HASH
  guint64 *value = _tw_arena_alloc(arena, sizeof h);
  memcpy(value, h, sizeof h);
  return (const char *)((guintptr)value | TW_ID_HASH);
#else
  char id[TW_ID_TEXT_SIZE];
  id_format(h, id);
  return _tw_arena_strndup_even(arena, id, TW_ID_TEXT_SIZE - 1);
#endif
}

/* The value of the id of @event, which is a hash (@id is its record's id field, as loaded). */
static void
hashed_id_value(const TwEvent *event, const char *id, guint64 h[2])
{
  const guint64 *stored = _tw_id_hash_value(id);
  if (stored) {
    h[0] = stored[0];
    h[1] = stored[1];
  } else if (!id) {
    derive_id(event, h);
#ifdef TW_ID_NUMBER
  } else if (_tw_id_is_number(id)) {
    /* The number's digits, as the source gave them (no leading zero, or it is kept as text). */
    char digits[24];
    char *end = put_int64(digits, (gint64)(((guintptr)id & ~TW_ID_NUMBER) >> 1));
    hash_native_id(event->names->source, digits, (gsize)(end - digits), h);
#endif
  } else {
    const char *native = (const char *)((guintptr)id & ~TW_ID_NATIVE);
    hash_native_id(event->names->source, native, strlen(native), h);
  }
}

const char *
_tw_event_id_text(const TwEvent *event, char buf[TW_ID_TEXT_SIZE])
{
  /* Loaded once: another thread may replace it with the text (tw_event_get_id()). */
  const char *id = __atomic_load_n(&event->id, __ATOMIC_ACQUIRE);
  if (_tw_id_is_text(id))
    return id;
  guint64 h[2];
  hashed_id_value(event, id, h);
  id_format(h, buf);
  return buf;
}

const char *
_tw_event_shared_id_key(const TwEvent *event, char buf[TW_ID_TEXT_SIZE])
{
  char id_buf[TW_ID_TEXT_SIZE];
  const char *id = _tw_event_id_text(event, id_buf);
  const char *source = event->names->source;
  /* A native id's material is the source, a NUL and the native id, a derived id's the source, a
   * NUL and a number: neither has a second NUL there (the sink takes NULs out of ids). */
  gsize source_length = strlen(source), id_length = strlen(id);
  gsize length = source_length + 2 + id_length;
  char stack[256];
  char *material = length <= sizeof stack ? stack : g_malloc(length);
  memcpy(material, source, source_length);
  material[source_length] = material[source_length + 1] = '\0';
  memcpy(material + source_length + 2, id, id_length);
  guint64 h[2];
  id_value(material, length, h);
  if (material != stack)
    g_free(material);
  id_format(h, buf);
  return buf;
}

/* Whether the 32 bytes at @text are lowercase hex digits, as id_format() writes them. The
 * duplicate search asks this of every stored id: 16 bytes a step with SSE2. */
static gboolean
is_id_form(const char *text)
{
#if defined(__SSE2__)
  const __m128i below_0 = _mm_set1_epi8('0' - 1), above_9 = _mm_set1_epi8('9' + 1);
  const __m128i below_a = _mm_set1_epi8('a' - 1), above_f = _mm_set1_epi8('f' + 1);
  for (guint half = 0; half < 2; half++) {
    /* Signed compares: bytes of 0x80 and above are negative, so never digits. */
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(text + 16 * half));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, below_0), _mm_cmplt_epi8(x, above_9));
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(x, below_a), _mm_cmplt_epi8(x, above_f));
    if (_mm_movemask_epi8(_mm_or_si128(digit, letter)) != 0xffff)
      return FALSE;
  }
  return TRUE;
#else
  for (guint i = 0; i < 32; i++)
    if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
      return FALSE;
  return TRUE;
#endif
}

guint32
_tw_event_id_hash32(const TwEvent *event)
{
  const char *id = __atomic_load_n(&event->id, __ATOMIC_ACQUIRE);
  if (!_tw_id_is_text(id)) {
    guint64 h[2];
    hashed_id_value(event, id, h);
    return (guint32)(h[0] >> 32);
  }
  /* A text that has the form of a hashed id (a re-imported export's, a hashed long native id)
   * gives what its value would: its first eight hex digits. */
  gsize length = strlen(id);
  if (length == 32 && is_id_form(id)) {
    guint32 prefix = 0;
    for (guint i = 0; i < 8; i++)
      prefix = prefix << 4 | (guint32)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
    return prefix;
  }
  return (guint32)(_tw_hash64(id, length, 0) >> 32);
}

const char *
tw_event_get_id(const TwEvent *event)
{
  const char *id = __atomic_load_n(&event->id, __ATOMIC_ACQUIRE);
  return G_LIKELY(_tw_id_is_text(id)) ? id : _tw_shard_store_hashed_id(event);
}

gint64
tw_event_get_start(const TwEvent *event)
{
  return event->start;
}

gint64
tw_event_get_end(const TwEvent *event)
{
  return event->end;
}

TwPrecision
tw_event_get_precision(const TwEvent *event)
{
  return (TwPrecision)event->precision;
}

TwQualifier
tw_event_get_qualifier(const TwEvent *event)
{
  return (TwQualifier)event->qualifier;
}

gboolean
tw_event_is_floating(const TwEvent *event)
{
  return (event->flags & TW_EVENT_FLOATING) != 0;
}

void
tw_event_get_date(const TwEvent *event, TwDate *out)
{
  memset(out, 0, sizeof *out);
  out->start = event->start;
  out->end = event->end;
  out->precision = (TwPrecision)event->precision;
  out->qualifier = (TwQualifier)event->qualifier;
  out->floating = tw_event_is_floating(event);
}

const char *
tw_event_get_title(const TwEvent *event)
{
  return event->title;
}

const char *
tw_event_get_description(const TwEvent *event)
{
  return event->more ? event->more->description : NULL;
}

const char *
tw_event_get_source(const TwEvent *event)
{
  return event->names->source;
}

const char *
tw_event_get_kind(const TwEvent *event)
{
  return event->names->kind;
}

const char *
tw_event_get_location(const TwEvent *event)
{
  return event->more ? event->more->location : NULL;
}

const char *
tw_event_get_url(const TwEvent *event)
{
  return event->more ? event->more->url : NULL;
}

const char *
tw_event_get_zone(const TwEvent *event)
{
  return event->names->zone;
}

gboolean
tw_event_get_geo(const TwEvent *event, double *latitude, double *longitude)
{
  if (!(event->flags & TW_EVENT_HAS_GEO))
    return FALSE;
  if (latitude)
    *latitude = event->more->geo[0];
  if (longitude)
    *longitude = event->more->geo[1];
  return TRUE;
}

guint
tw_event_get_n_tags(const TwEvent *event)
{
  return event->n_tags;
}

const char *
tw_event_get_tag(const TwEvent *event, guint index)
{
  g_return_val_if_fail(index < event->n_tags, NULL);
  return event->tags[index];
}

gboolean
tw_event_has_tag(const TwEvent *event, const char *tag)
{
  for (guint i = 0; i < event->n_tags; i++)
    if (strcmp(event->tags[i], tag) == 0)
      return TRUE;
  return FALSE;
}

guint
tw_event_get_n_actors(const TwEvent *event)
{
  return event->more ? event->more->n_actors : 0;
}

const char *
tw_event_get_actor(const TwEvent *event, guint index)
{
  g_return_val_if_fail(index < tw_event_get_n_actors(event), NULL);
  return event->more->actors[index];
}

guint
tw_event_get_n_attributes(const TwEvent *event)
{
  return event->n_attributes;
}

const TwAttribute *
tw_event_get_attribute(const TwEvent *event, guint index)
{
  g_return_val_if_fail(index < event->n_attributes, NULL);
  const TwAttribute *pairs = __atomic_load_n(&event->attributes, __ATOMIC_ACQUIRE);
  if ((guintptr)pairs & TW_ATTRIBUTES_VALUES)
    pairs = _tw_shard_pair_attributes(event);
  return &pairs[index];
}

const char *
tw_event_lookup_attribute(const TwEvent *event, const char *key)
{
  for (guint i = 0; i < event->n_attributes; i++)
    if (strcmp(_tw_event_attribute_key(event, i), key) == 0)
      return _tw_event_attribute_value(event, i);
  return NULL;
}

const char *
tw_event_get_field(const TwEvent *event, const char *name)
{
  static GPrivate buffer_key = G_PRIVATE_INIT(g_free);

  if (g_str_has_prefix(name, "attributes."))
    return tw_event_lookup_attribute(event, name + strlen("attributes."));
  if (strcmp(name, "id") == 0)
    return tw_event_get_id(event);
  if (strcmp(name, "title") == 0)
    return event->title;
  if (strcmp(name, "description") == 0)
    return tw_event_get_description(event);
  if (strcmp(name, "source") == 0)
    return event->names->source;
  if (strcmp(name, "kind") == 0)
    return event->names->kind;
  if (strcmp(name, "location") == 0)
    return tw_event_get_location(event);
  if (strcmp(name, "url") == 0)
    return tw_event_get_url(event);
  if (strcmp(name, "zone") == 0)
    return event->names->zone;
  if (strcmp(name, "precision") == 0)
    return tw_precision_to_string((TwPrecision)event->precision);
  if (strcmp(name, "qualifier") == 0)
    return tw_qualifier_to_string((TwQualifier)event->qualifier);
  if (strcmp(name, "start") == 0 || strcmp(name, "end") == 0) {
    char *buf = g_private_get(&buffer_key);
    if (!buf) {
      buf = g_malloc(TW_TIME_FORMAT_SIZE);
      g_private_set(&buffer_key, buf);
    }
    tw_time_format(name[0] == 's' ? event->start : event->end, NULL, tw_event_is_floating(event),
                   buf);
    return buf;
  }
  return tw_event_lookup_attribute(event, name);
}

/* The order without the id: start, end, precision, source. */
static inline int
compare_before_id(const TwEvent *a, const TwEvent *b)
{
  if (a->start != b->start)
    return a->start < b->start ? -1 : 1;
  if (a->end != b->end)
    return a->end < b->end ? -1 : 1;
  if (a->precision != b->precision)
    return a->precision < b->precision ? -1 : 1;
  if (a->names != b->names && a->names->source != b->names->source)
    return strcmp(a->names->source, b->names->source);
  return 0;
}

int
_tw_event_compare_with_ids(const TwEvent *a, const char *a_id, const TwEvent *b, const char *b_id)
{
  int c = compare_before_id(a, b);
  return c ? c : strcmp(a_id, b_id);
}

int
tw_event_compare(const TwEvent *a, const TwEvent *b)
{
  int c = compare_before_id(a, b);
  if (c)
    return c;
  char a_buf[TW_ID_TEXT_SIZE], b_buf[TW_ID_TEXT_SIZE];
  return strcmp(_tw_event_id_text(a, a_buf), _tw_event_id_text(b, b_buf));
}
