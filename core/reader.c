/* timeweave: buffered input for sources (files, stdin, gzip, embedded resources). */
#include "private.h"

#include <gio/gunixinputstream.h>
#include <string.h>

#define READ_CHUNK (256 * 1024)
#define MAX_LINE TW_READER_MAX_LINE

struct _TwReader {
  GInputStream *stream;
  char *name;
  char *buf;
  gsize cap;
  gsize start; /* first unread byte */
  gsize end;   /* one past the last valid byte */
  gboolean eof;
  guint line;
  /* A chunk of a file read in parallel (TwSourceInfo.read_lines): its bytes are loaded on the
   * first read, once the lines before it are counted. */
  guint chunk;
  TwChunkLoad load;
  gpointer load_data;
  gboolean big;   /* buf came from _tw_big_alloc(): cap + 1 bytes, read whole */
  gboolean empty; /* opened by tw_reader_open() with not one byte to read */
};

const char *
_tw_io_reason(const GError *inner)
{
  if (g_error_matches(inner, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return "no such file";
  if (g_error_matches(inner, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return "permission denied";
  if (g_error_matches(inner, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY))
    return "is a directory, not a file";
  if (g_error_matches(inner, G_IO_ERROR, G_IO_ERROR_NOT_DIRECTORY))
    return "a part of the path is not a folder"; /* file.txt/x */
  const char *last = g_strrstr(inner->message, ": ");
  return last ? last + 2 : inner->message;
}

/* -- gzip files of several members --
 *
 * `cat a.gz b.gz > all.gz` is one gzip file (RFC 1952: a file is a series of members), which
 * zcat reads whole; GZlibDecompressor finishes at the end of the first member, and the rest of
 * the file was dropped without a word. This converter wraps one and starts it again at each new
 * member. Zero bytes after the last member (padding some tape and archive tools write) are
 * skipped, and bytes after it that begin no member are ignored, as gzip -d ignores that
 * "trailing garbage" (and writes the data before it). */

typedef struct {
  GObject parent;
  GConverter *inner;
  gboolean between;  /* a member ended; what follows is a new member, padding or the end */
  gboolean trailing; /* bytes that begin no member came after one: the rest is ignored */
} TwGunzip;

typedef struct {
  GObjectClass parent_class;
} TwGunzipClass;

static void tw_gunzip_converter_init(GConverterIface *iface);
/* (Not tw_: the library exports the tw_* names, and this type is no part of its API.) */
GType _tw_gunzip_get_type(void);

G_DEFINE_TYPE_WITH_CODE(TwGunzip, _tw_gunzip, G_TYPE_OBJECT,
                        G_IMPLEMENT_INTERFACE(G_TYPE_CONVERTER, tw_gunzip_converter_init))

static void
tw_gunzip_finalize(GObject *object)
{
  g_clear_object(&((TwGunzip *)object)->inner);
  G_OBJECT_CLASS(_tw_gunzip_parent_class)->finalize(object);
}

static void
_tw_gunzip_class_init(TwGunzipClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = tw_gunzip_finalize;
}

static void
_tw_gunzip_init(TwGunzip *self)
{
  self->inner = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP));
}

static GConverterResult
tw_gunzip_convert(GConverter *converter, const void *inbuf, gsize inbuf_size, void *outbuf,
                  gsize outbuf_size, GConverterFlags flags, gsize *bytes_read, gsize *bytes_written,
                  GError **error)
{
  TwGunzip *self = (TwGunzip *)converter;
  const guint8 *in = inbuf;
  gsize skipped = 0;
  if (self->between) {
    while (skipped < inbuf_size && in[skipped] == 0)
      skipped++;
    gsize left = inbuf_size - skipped;
    /* A member begins with the magic bytes 1f 8b; anything else is the trailing garbage. */
    if (left > 0 && (in[skipped] != 0x1f || (left >= 2 && in[skipped + 1] != 0x8b) ||
                     (left == 1 && (flags & G_CONVERTER_INPUT_AT_END))))
      self->trailing = TRUE;
    if (self->trailing)
      skipped = inbuf_size;
    if (skipped == inbuf_size || (left < 2 && !(flags & G_CONVERTER_INPUT_AT_END))) {
      /* Only padding or garbage so far, or too little to tell: the end, or more to look at. */
      *bytes_read = skipped;
      *bytes_written = 0;
      if ((flags & G_CONVERTER_INPUT_AT_END) && skipped == inbuf_size)
        return G_CONVERTER_FINISHED;
      if (skipped == 0) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "need more input");
        return G_CONVERTER_ERROR;
      }
      return G_CONVERTER_CONVERTED;
    }
    g_converter_reset(self->inner);
    self->between = FALSE;
  }
  gsize read = 0;
  GConverterResult result =
      g_converter_convert(self->inner, in + skipped, inbuf_size - skipped, outbuf, outbuf_size,
                          flags, &read, bytes_written, error);
  *bytes_read = skipped + read;
  if (result == G_CONVERTER_ERROR && skipped > 0 &&
      g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT)) {
    /* The padding is consumed; the member's header is asked for again with more input. */
    g_clear_error(error);
    return G_CONVERTER_CONVERTED;
  }
  if (result != G_CONVERTER_FINISHED)
    return result;
  /* A member ended: the file ends only where its input does. */
  self->between = TRUE;
  if (*bytes_read == inbuf_size && (flags & G_CONVERTER_INPUT_AT_END))
    return G_CONVERTER_FINISHED;
  return G_CONVERTER_CONVERTED;
}

static void
tw_gunzip_reset(GConverter *converter)
{
  TwGunzip *self = (TwGunzip *)converter;
  g_converter_reset(self->inner);
  self->between = FALSE;
  self->trailing = FALSE;
}

static void
tw_gunzip_converter_init(GConverterIface *iface)
{
  iface->convert = tw_gunzip_convert;
  iface->reset = tw_gunzip_reset;
}

/* Opens @path's stream, refusing what is not a readable regular input with `PATH: reason`. */
static GInputStream *
open_stream(const char *path, GError **error)
{
  if (strcmp(path, "-") == 0)
    return g_unix_input_stream_new(0, FALSE);

  g_autoptr(GFile) file =
      strstr(path, "://") ? g_file_new_for_uri(path) : g_file_new_for_path(path);
  g_autoptr(GError) inner = NULL;
  GFileInputStream *in = g_file_read(file, NULL, &inner);
  if (!in) {
    /* GIO's messages repeat the path; say it once, with the plain reason. */
    g_set_error(error, G_IO_ERROR, inner->code, "%s: %s", path, _tw_io_reason(inner));
    return NULL;
  }
  /* Opening a directory succeeds on some file systems: check the type too. */
  g_autoptr(GFileInfo) info =
      g_file_input_stream_query_info(in, G_FILE_ATTRIBUTE_STANDARD_TYPE, NULL, NULL);
  if (info && g_file_info_get_file_type(info) == G_FILE_TYPE_DIRECTORY) {
    g_object_unref(in);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "%s: is a directory, not a file", path);
    return NULL;
  }
  return G_INPUT_STREAM(in);
}

static TwReader *
reader_new(GInputStream *stream, const char *name)
{
  TwReader *r = g_new0(TwReader, 1);
  r->stream = g_object_ref(stream);
  r->name = g_strdup(name);
  r->cap = READ_CHUNK;
  r->buf = g_malloc(r->cap + 1);
  return r;
}

TwReader *
tw_reader_new_for_stream(GInputStream *stream, const char *name)
{
  return reader_new(stream, name);
}

/* Reads more bytes after @end, growing the buffer when it is full. FALSE on error. */
static gboolean
fill(TwReader *r, GError **error)
{
  if (r->start > 0 && r->start == r->end) {
    r->start = r->end = 0;
  } else if (r->start > r->cap / 2) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->start = 0;
  }
  if (r->cap - r->end < READ_CHUNK / 4) {
    r->cap *= 2;
    r->buf = g_realloc(r->buf, r->cap + 1);
  }
  g_autoptr(GError) inner = NULL;
  gssize n = g_input_stream_read(r->stream, r->buf + r->end, r->cap - r->end, NULL, &inner);
  if (n < 0) {
    /* Say where reading stopped (the line after the last one returned) and, for the common
     * case of a cut-off .gz file, what that means. */
    const char *why = g_error_matches(inner, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT)
                          ? "the compressed data ends early (a truncated .gz file?)"
                          : _tw_io_reason(inner);
    g_set_error(error, G_IO_ERROR, inner->code, "%s:%u: cannot read on: %s", r->name, r->line + 1,
                why);
    return FALSE;
  }
  if (n == 0)
    r->eof = TRUE;
  r->end += (gsize)n;
  return TRUE;
}

TwReader *
tw_reader_open(const char *path, GError **error)
{
  g_autoptr(GInputStream) raw = open_stream(path, error);
  if (!raw)
    return NULL;
  const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
  /* Gzip is recognised by its magic bytes, not its name: peek at the first two through a
   * buffered stream, which keeps them for whoever reads next (works for stdin too). */
  g_autoptr(GInputStream) buffered = g_buffered_input_stream_new_sized(raw, 64 * 1024);
  g_autoptr(GError) inner = NULL;
  if (g_buffered_input_stream_fill(G_BUFFERED_INPUT_STREAM(buffered), 2, NULL, &inner) < 0) {
    g_set_error(error, G_IO_ERROR, inner->code, "%s:1: cannot read: %s", name,
                _tw_io_reason(inner));
    return NULL;
  }
  gsize avail = 0;
  const guint8 *head =
      g_buffered_input_stream_peek_buffer(G_BUFFERED_INPUT_STREAM(buffered), &avail);
  if (avail >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
    g_autoptr(GConverter) gunzip = g_object_new(_tw_gunzip_get_type(), NULL);
    g_autoptr(GInputStream) conv = g_converter_input_stream_new(buffered, gunzip);
    return reader_new(conv, name);
  }
  TwReader *r = reader_new(buffered, name);
  r->empty = avail == 0;
  return r;
}

/* Whether GKeyFile refuses the first @n_lines lines of @text (@ends: each line's end). */
static gboolean
key_file_refuses_lines(const char *text, const GArray *ends, guint n_lines)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  return !g_key_file_load_from_data(kf, text, g_array_index(ends, gsize, n_lines - 1),
                                    G_KEY_FILE_NONE, NULL);
}

gboolean
tw_key_file_load_text(GKeyFile *key_file, const char *text, gsize length, guint *error_line,
                      GError **error)
{
  g_return_val_if_fail(key_file != NULL && text != NULL && error_line != NULL, FALSE);
  *error_line = 0;
  if (g_key_file_load_from_data(key_file, text, length, G_KEY_FILE_NONE, error))
    return TRUE;
  g_autoptr(GArray) ends = g_array_new(FALSE, FALSE, sizeof(gsize));
  for (gsize i = 0; i < length; i++)
    if (text[i] == '\n')
      g_array_append_val(ends, i);
  if (length > 0 && text[length - 1] != '\n')
    g_array_append_val(ends, length);
  guint lo = 1, hi = MAX(ends->len, 1); /* the line is in [lo, hi] */
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    if (key_file_refuses_lines(text, ends, mid))
      hi = mid;
    else
      lo = mid + 1;
  }
  *error_line = lo;
  return FALSE;
}

gboolean
_tw_reader_was_empty(const TwReader *reader)
{
  return reader->empty;
}

TwReader *
_tw_reader_new_chunk(const char *name, guint index, TwChunkLoad load, gpointer data)
{
  TwReader *r = g_new0(TwReader, 1);
  r->name = g_strdup(name);
  r->chunk = index;
  r->load = load;
  r->load_data = data;
  return r;
}

/* Loads a chunk's bytes: FALSE with @error when it cannot be read. */
static gboolean
ensure_loaded(TwReader *r, GError **error)
{
  if (!r->load)
    return TRUE;
  char *bytes = NULL;
  gsize length = 0;
  guint first_line = 1;
  TwChunkLoad load = r->load;
  r->load = NULL;
  if (!load(r->load_data, &bytes, &length, &first_line, error))
    return FALSE;
  g_free(r->buf);
  r->buf = bytes;
  r->big = TRUE;
  r->cap = length;
  r->start = 0;
  r->end = length;
  r->eof = TRUE;
  r->line = first_line - 1;
  return TRUE;
}

guint
tw_reader_get_chunk(const TwReader *reader)
{
  return reader->chunk;
}

void
tw_reader_free(TwReader *reader)
{
  if (!reader)
    return;
  if (reader->stream)
    g_object_unref(reader->stream);
  g_free(reader->name);
  if (reader->big)
    _tw_big_free(reader->buf, reader->cap + 1);
  else
    g_free(reader->buf);
  g_free(reader);
}

const char *
tw_reader_read_line(TwReader *r, gsize *length, GError **error)
{
  if (G_UNLIKELY(r->load) && !ensure_loaded(r, error))
    return NULL;
  gsize scanned = r->start;
  for (;;) {
    char *nl = memchr(r->buf + scanned, '\n', r->end - scanned);
    if (nl) {
      char *line = r->buf + r->start;
      gsize len = (gsize)(nl - line);
      r->start += len + 1;
      if (len > 0 && line[len - 1] == '\r')
        len--;
      line[len] = '\0';
      r->line++;
      *length = len;
      return line;
    }
    if (r->end - r->start > MAX_LINE) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "%s:%u: line longer than %d MiB (not a text file?)", r->name, r->line + 1,
                  MAX_LINE / (1024 * 1024));
      return NULL;
    }
    if (r->eof) {
      if (r->end == r->start) {
        *length = 0;
        return NULL;
      }
      /* The last line has no terminator. */
      char *line = r->buf + r->start;
      gsize len = r->end - r->start;
      r->start = r->end;
      if (len > 0 && line[len - 1] == '\r')
        len--;
      line[len] = '\0';
      r->line++;
      *length = len;
      return line;
    }
    /* Everything up to the end has been scanned; fill() may move the unread bytes. */
    gsize offset = r->end - r->start;
    if (!fill(r, error))
      return NULL;
    scanned = r->start + offset;
  }
}

guint
tw_reader_get_line_number(const TwReader *reader)
{
  return reader->line;
}

const char *
tw_reader_get_name(const TwReader *reader)
{
  return reader->name;
}

GBytes *
tw_reader_read_all(TwReader *r, gsize max_bytes, GError **error)
{
  if (r->load && !ensure_loaded(r, error))
    return NULL;
  while (!r->eof) {
    if (r->end - r->start > max_bytes) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                  "%s: larger than %" G_GSIZE_FORMAT " bytes", r->name, max_bytes);
      return NULL;
    }
    if (!fill(r, error))
      return NULL;
  }
  gsize len = r->end - r->start;
  if (len > max_bytes) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s: larger than %" G_GSIZE_FORMAT " bytes",
                r->name, max_bytes);
    return NULL;
  }
  char *copy = g_malloc(len + 1);
  memcpy(copy, r->buf + r->start, len);
  copy[len] = '\0';
  r->start = r->end;
  return g_bytes_new_take(copy, len);
}
