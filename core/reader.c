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
    g_autoptr(GZlibDecompressor) gunzip = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    g_autoptr(GInputStream) conv = g_converter_input_stream_new(buffered, G_CONVERTER(gunzip));
    return reader_new(conv, name);
  }
  TwReader *r = reader_new(buffered, name);
  r->empty = avail == 0;
  return r;
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
