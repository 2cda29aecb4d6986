/* timeweave: shards (compact event storage) and the sink that sources push events into. */
#include "private.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- shards */

/* Events are stored in fixed blocks so that their addresses never move while a source is still
 * adding: the timeline sorts pointers, never the records themselves. */
#define SHARD_BLOCK_EVENTS 4096

typedef struct {
  const char *from_id;
  const char *to_id;
  const char *rule;
  gint64 lag_min;
  gint64 lag_max;
  TwCertainty certainty;
} TwPendingLink;

struct _TwShard {
  GPtrArray *blocks;
  guint last_fill;
  guint64 n_events;
  TwArena *arena;
  GHashTable *interned; /* text -> the same text in the arena; one table per shard */
  GArray *links;        /* TwPendingLink */
};

TwShard *
_tw_shard_new(void)
{
  TwShard *shard = g_new0(TwShard, 1);
  shard->blocks = g_ptr_array_new_with_free_func(g_free);
  shard->last_fill = SHARD_BLOCK_EVENTS;
  shard->arena = _tw_arena_new(1 << 20);
  shard->interned = g_hash_table_new(g_str_hash, g_str_equal);
  shard->links = g_array_new(FALSE, FALSE, sizeof(TwPendingLink));
  return shard;
}

void
_tw_shard_free(TwShard *shard)
{
  if (!shard)
    return;
  g_ptr_array_unref(shard->blocks);
  g_hash_table_unref(shard->interned);
  g_array_unref(shard->links);
  _tw_arena_free(shard->arena);
  g_free(shard);
}

TwEvent *
_tw_shard_add_event(TwShard *shard)
{
  if (shard->last_fill == SHARD_BLOCK_EVENTS) {
    g_ptr_array_add(shard->blocks, g_new(TwEvent, SHARD_BLOCK_EVENTS));
    shard->last_fill = 0;
  }
  TwEvent *block = g_ptr_array_index(shard->blocks, shard->blocks->len - 1);
  TwEvent *event = &block[shard->last_fill++];
  memset(event, 0, sizeof *event);
  shard->n_events++;
  return event;
}

guint64
_tw_shard_get_n_events(const TwShard *shard)
{
  return shard->n_events;
}

void
_tw_shard_foreach(TwShard *shard, void (*func)(TwEvent *event, gpointer data), gpointer data)
{
  for (guint b = 0; b < shard->blocks->len; b++) {
    TwEvent *block = g_ptr_array_index(shard->blocks, b);
    guint n = b + 1 == shard->blocks->len ? shard->last_fill : SHARD_BLOCK_EVENTS;
    for (guint i = 0; i < n; i++)
      func(&block[i], data);
  }
}

const char *
_tw_shard_intern(TwShard *shard, const char *text)
{
  if (!text)
    return NULL;
  const char *found = g_hash_table_lookup(shard->interned, text);
  if (found)
    return found;
  char *copy = _tw_arena_strndup(shard->arena, text, strlen(text));
  g_hash_table_add(shard->interned, copy);
  return copy;
}

char *
_tw_shard_strdup(TwShard *shard, const char *text, gsize length)
{
  return _tw_arena_strndup(shard->arena, text, length);
}

TwArena *
_tw_shard_get_arena(TwShard *shard)
{
  return shard->arena;
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

/* ---------------------------------------------------------------- the builder */

struct _TwEventBuilder {
  TwDate date;
  gboolean has_date;
  gboolean has_end;
  gint64 end;
  char *id;
  char *native_id;
  char *source;
  char *title;
  char *description;
  char *kind;
  char *location;
  char *url;
  char *zone;
  gboolean has_geo;
  double geo[2];
  GPtrArray *tags;
  GPtrArray *actors;
  GPtrArray *attr_keys;
  GPtrArray *attr_values;
  char *file;
  guint line;
};

struct _TwSink {
  TwTimeline *timeline;
  TwShard *shard;
  char *source_name;
  gboolean strict;
  gboolean has_range;
  gint64 from, to;
  TwEventBuilder builder;
  gboolean building;
  guint64 n_committed;
  guint64 n_warnings;
  guint64 n_filtered;
};

/* The quark name is stringified, spaces and all: keep clang-format away from it. */
/* clang-format off */
G_DEFINE_QUARK(tw-sink-error-quark, tw_sink_error)
/* clang-format on */

static void
builder_init(TwEventBuilder *b)
{
  memset(b, 0, sizeof *b);
  b->tags = g_ptr_array_new_with_free_func(g_free);
  b->actors = g_ptr_array_new_with_free_func(g_free);
  b->attr_keys = g_ptr_array_new_with_free_func(g_free);
  b->attr_values = g_ptr_array_new_with_free_func(g_free);
}

static void
builder_reset(TwEventBuilder *b)
{
  g_clear_pointer(&b->id, g_free);
  g_clear_pointer(&b->native_id, g_free);
  g_clear_pointer(&b->source, g_free);
  g_clear_pointer(&b->title, g_free);
  g_clear_pointer(&b->description, g_free);
  g_clear_pointer(&b->kind, g_free);
  g_clear_pointer(&b->location, g_free);
  g_clear_pointer(&b->url, g_free);
  g_clear_pointer(&b->zone, g_free);
  g_clear_pointer(&b->file, g_free);
  g_ptr_array_set_size(b->tags, 0);
  g_ptr_array_set_size(b->actors, 0);
  g_ptr_array_set_size(b->attr_keys, 0);
  g_ptr_array_set_size(b->attr_values, 0);
  b->has_date = b->has_end = b->has_geo = FALSE;
  b->line = 0;
}

static void
builder_clear(TwEventBuilder *b)
{
  builder_reset(b);
  g_ptr_array_unref(b->tags);
  g_ptr_array_unref(b->actors);
  g_ptr_array_unref(b->attr_keys);
  g_ptr_array_unref(b->attr_values);
}

/* Text from sources is untrusted: make it valid UTF-8 with no NUL bytes, so that no exporter
 * ever passes invalid text on into JSON, CSV or iCalendar. */
static char *
clean_text(const char *text, gssize len)
{
  if (!text)
    return NULL;
  gsize n = len < 0 ? strlen(text) : (gsize)len;
  if (!memchr(text, '\0', n) && g_utf8_validate(text, n, NULL))
    return g_strndup(text, n);
  GString *s = g_string_sized_new(n + 8);
  for (gsize i = 0; i < n; i++) {
    if (text[i] == '\0')
      g_string_append(s, "\xef\xbf\xbd");
    else
      g_string_append_c(s, text[i]);
  }
  char *valid = g_utf8_make_valid(s->str, s->len);
  g_string_free(s, TRUE);
  return valid;
}

static void
set_text(char **field, const char *text, gssize len)
{
  g_free(*field);
  *field = clean_text(text, len);
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
  set_text(&builder->id, id, -1);
}

void
tw_event_builder_set_native_id(TwEventBuilder *builder, const char *native_id)
{
  set_text(&builder->native_id, native_id, -1);
}

void
tw_event_builder_set_source(TwEventBuilder *builder, const char *source)
{
  set_text(&builder->source, source, -1);
}

void
tw_event_builder_set_title(TwEventBuilder *builder, const char *title)
{
  set_text(&builder->title, title, -1);
}

void
tw_event_builder_set_title_len(TwEventBuilder *builder, const char *title, gssize len)
{
  set_text(&builder->title, title, len);
}

void
tw_event_builder_set_description(TwEventBuilder *builder, const char *description)
{
  set_text(&builder->description, description, -1);
}

void
tw_event_builder_set_kind(TwEventBuilder *builder, const char *kind)
{
  set_text(&builder->kind, kind, -1);
}

void
tw_event_builder_set_location(TwEventBuilder *builder, const char *location)
{
  set_text(&builder->location, location, -1);
}

void
tw_event_builder_set_url(TwEventBuilder *builder, const char *url)
{
  set_text(&builder->url, url, -1);
}

void
tw_event_builder_set_zone(TwEventBuilder *builder, const char *zone)
{
  set_text(&builder->zone, zone, -1);
}

void
tw_event_builder_set_geo(TwEventBuilder *builder, double latitude, double longitude)
{
  builder->has_geo = TRUE;
  builder->geo[0] = latitude;
  builder->geo[1] = longitude;
}

static void
add_unique(GPtrArray *list, const char *text)
{
  if (!text || !*text)
    return;
  char *clean = clean_text(text, -1);
  for (guint i = 0; i < list->len; i++)
    if (strcmp(g_ptr_array_index(list, i), clean) == 0) {
      g_free(clean);
      return;
    }
  g_ptr_array_add(list, clean);
}

void
tw_event_builder_add_tag(TwEventBuilder *builder, const char *tag)
{
  add_unique(builder->tags, tag);
}

void
tw_event_builder_add_actor(TwEventBuilder *builder, const char *actor)
{
  add_unique(builder->actors, actor);
}

void
tw_event_builder_set_attribute_len(TwEventBuilder *builder, const char *key, const char *value,
                                   gssize len)
{
  g_return_if_fail(key != NULL && value != NULL);
  char *k = clean_text(key, -1);
  char *v = clean_text(value, len);
  for (guint i = 0; i < builder->attr_keys->len; i++)
    if (strcmp(g_ptr_array_index(builder->attr_keys, i), k) == 0) {
      g_free(k);
      g_free(builder->attr_values->pdata[i]);
      builder->attr_values->pdata[i] = v;
      return;
    }
  g_ptr_array_add(builder->attr_keys, k);
  g_ptr_array_add(builder->attr_values, v);
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
  sink->source_name = g_strdup(source_name);
  sink->strict = strict;
  sink->has_range = has_range;
  sink->from = from;
  sink->to = to;
  builder_init(&sink->builder);
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
tw_sink_free(TwSink *sink)
{
  if (!sink)
    return;
  _tw_shard_free(sink->shard);
  builder_clear(&sink->builder);
  g_free(sink->source_name);
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
  builder_reset(&sink->builder);
  sink->builder.file = g_strdup(file);
  sink->builder.line = line;
  sink->building = TRUE;
  return &sink->builder;
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

/* A 128-bit stable id written as 32 hex digits: two seeded 64-bit hashes. */
static char *
make_id(TwShard *shard, const char *material, gsize length)
{
  char buf[33];
  guint64 h1 = _tw_hash64(material, length, G_GUINT64_CONSTANT(0x74696d6577656176));
  guint64 h2 = _tw_hash64(material, length, G_GUINT64_CONSTANT(0x6576656e74696473));
  g_snprintf(buf, sizeof buf, "%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x", h1, h2);
  return _tw_shard_strdup(shard, buf, 32);
}

gboolean
tw_sink_commit(TwSink *sink, GError **error)
{
  TwEventBuilder *b = &sink->builder;
  g_return_val_if_fail(sink->building, FALSE);
  sink->building = FALSE;

  if (b->title) {
    /* A title is one line: cut at the first line break, trim white space. */
    b->title[strcspn(b->title, "\r\n")] = '\0';
    g_strstrip(b->title);
  }
  if (!b->has_date || !b->title || !*b->title) {
    g_autofree char *where = place_prefix(b->file, b->line);
    g_set_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID, "%sevent has no %s", where,
                !b->has_date ? "date" : "title");
    builder_reset(b);
    return FALSE;
  }
  gint64 start = b->date.start;
  gint64 end = b->has_end ? b->end : b->date.end;
  if (end < start) {
    g_autofree char *where = place_prefix(b->file, b->line);
    g_set_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID, "%sevent ends before it starts",
                where);
    builder_reset(b);
    return FALSE;
  }
  if (b->tags->len > G_MAXUINT16 || b->actors->len > G_MAXUINT16 ||
      b->attr_keys->len > G_MAXUINT16) {
    g_autofree char *where = place_prefix(b->file, b->line);
    g_set_error(error, TW_SINK_ERROR, TW_SINK_ERROR_INVALID,
                "%sevent has more than %u tags, actors or attributes", where, G_MAXUINT16);
    builder_reset(b);
    return FALSE;
  }
  if (!overlaps_range(sink, start, end)) {
    sink->n_filtered++;
    builder_reset(b);
    return TRUE;
  }

  TwShard *shard = sink->shard;
  TwEvent *ev = _tw_shard_add_event(shard);
  ev->start = start;
  ev->end = end;
  ev->precision = (guint8)b->date.precision;
  ev->qualifier = (guint8)b->date.qualifier;
  ev->flags = b->date.floating ? TW_EVENT_FLOATING : 0;
  ev->source = _tw_shard_intern(shard, b->source ? b->source : sink->source_name);
  ev->title = _tw_shard_strdup(shard, b->title, strlen(b->title));
  if (b->description && *b->description)
    ev->description = _tw_shard_strdup(shard, b->description, strlen(b->description));
  if (b->kind && *b->kind)
    ev->kind = _tw_shard_intern(shard, b->kind);
  if (b->location && *b->location)
    ev->location = _tw_shard_strdup(shard, b->location, strlen(b->location));
  if (b->url && *b->url)
    ev->url = _tw_shard_strdup(shard, b->url, strlen(b->url));
  if (b->zone && *b->zone)
    ev->zone = _tw_shard_intern(shard, b->zone);
  if (b->has_geo) {
    ev->geo = _tw_arena_alloc(shard->arena, 2 * sizeof(double));
    ev->geo[0] = b->geo[0];
    ev->geo[1] = b->geo[1];
    ev->flags |= TW_EVENT_HAS_GEO;
  }
  ev->n_tags = (guint16)b->tags->len;
  if (ev->n_tags) {
    ev->tags = _tw_arena_alloc(shard->arena, ev->n_tags * sizeof(char *));
    for (guint i = 0; i < ev->n_tags; i++)
      ev->tags[i] = _tw_shard_intern(shard, g_ptr_array_index(b->tags, i));
  }
  ev->n_actors = (guint16)b->actors->len;
  if (ev->n_actors) {
    ev->actors = _tw_arena_alloc(shard->arena, ev->n_actors * sizeof(char *));
    for (guint i = 0; i < ev->n_actors; i++)
      ev->actors[i] = _tw_shard_intern(shard, g_ptr_array_index(b->actors, i));
  }
  ev->n_attributes = (guint16)b->attr_keys->len;
  if (ev->n_attributes) {
    ev->attributes = _tw_arena_alloc(shard->arena, ev->n_attributes * sizeof(TwAttribute));
    for (guint i = 0; i < ev->n_attributes; i++) {
      const char *v = g_ptr_array_index(b->attr_values, i);
      ev->attributes[i].key = _tw_shard_intern(shard, g_ptr_array_index(b->attr_keys, i));
      ev->attributes[i].value = _tw_shard_strdup(shard, v, strlen(v));
    }
  }

  if (b->id && *b->id) {
    ev->id = _tw_shard_strdup(shard, b->id, strlen(b->id));
  } else {
    GString *m = g_string_new(ev->source);
    g_string_append_c(m, '\0');
    if (b->native_id && *b->native_id) {
      g_string_append(m, b->native_id);
    } else {
      /* No id at all: the event's content identifies it, so that the same record gets the same
       * id on every run (and identical records from one source merge). */
      g_string_append_printf(m, "%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%d|%d|", ev->start,
                             ev->end, ev->precision, ev->qualifier);
      g_string_append(m, ev->title);
    }
    ev->id = make_id(shard, m->str, m->len);
    g_string_free(m, TRUE);
  }
  ev->id_hash = _tw_hash64(ev->id, strlen(ev->id), 0);

  builder_reset(b);
  __atomic_store_n(&sink->n_committed, sink->n_committed + 1, __ATOMIC_RELAXED);
  return TRUE;
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

/* Warnings of parallel sources must not interleave within a line. */
static GMutex warn_lock;

static gboolean
warn_message(TwSink *sink, const char *message, GError **error)
{
  if (sink->strict) {
    g_set_error_literal(error, TW_SINK_ERROR, TW_SINK_ERROR_STRICT, message);
    return FALSE;
  }
  sink->n_warnings++;
  g_mutex_lock(&warn_lock);
  /* The place comes first (`timeweave: FILE:LINE: warning: what`), so insert after it. */
  const char *p = message;
  const char *colon_space = NULL;
  /* The place prefix ends at the last ": " before the message text proper; messages we build
   * are `FILE:LINE: text` or `FILE: text`. */
  const char *first = strstr(p, ": ");
  if (first)
    colon_space = first;
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
