/* timeweave: reading a source's input, line by line or whole. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * TwReader:
 * A buffered reader over a source's input: a file, standard input (`-`), a gzip file (by its
 * magic bytes, whatever its name) or an embedded resource (`resource:///...`). It refuses a
 * directory or an unreadable file with a one-line message naming the path. Use from one thread.
 */
typedef struct _TwReader TwReader;

/**
 * tw_reader_open:
 * @path: a file name, `-`, or a `resource://` URI
 * @error: a #G_IO_ERROR with a message `PATH: reason`
 * Returns: (transfer full) (nullable): the reader; tw_reader_free() it.
 */
TwReader *tw_reader_open(const char *path, GError **error);
/* Reads from an open stream (takes a reference). @name is used in messages. */
TwReader *tw_reader_new_for_stream(GInputStream *stream, const char *name);
void tw_reader_free(TwReader *reader);

/**
 * tw_reader_read_line:
 * @length: (out): the line's length without its terminator (LF or CRLF)
 * @error: an I/O error, or #G_IO_ERROR_INVALID_DATA for a line longer than 64 MiB
 *
 * A line may contain NUL bytes (binary input): @length counts them, and the sink replaces them
 * when the text reaches an event.
 * Returns: (transfer none) (nullable): the next line, NUL-terminated, valid until the next call;
 *   %NULL at the end of input (with @error unset) or on error.
 */
const char *tw_reader_read_line(TwReader *reader, gsize *length, GError **error);

/* The 1-based number of the line last returned (0 before the first), counted from the start of
 * the file in a chunk too. */
guint tw_reader_get_line_number(const TwReader *reader);

/**
 * tw_reader_get_chunk:
 * Which part of its file @reader reads: 0 for a whole input and for the first chunk of a file
 * read in parallel (TwSourceInfo.read_lines), 1 and up for the chunks after it, which begin on
 * a line of their own after the file's first. A source uses it to know whether the chunk holds
 * the file's beginning (a header, a byte order mark).
 */
guint tw_reader_get_chunk(const TwReader *reader);
/* The name given for messages: the path, or "<stdin>" for `-`. */
const char *tw_reader_get_name(const TwReader *reader);

/**
 * tw_reader_read_all:
 * Reads the rest of the input (at most @max_bytes, else #G_IO_ERROR_NO_SPACE) into a new
 * NUL-terminated buffer. Returns: (transfer full) (nullable): g_bytes_unref() it.
 */
GBytes *tw_reader_read_all(TwReader *reader, gsize max_bytes, GError **error);

/**
 * tw_key_file_load_text:
 * @key_file: an empty #GKeyFile
 * @text: the file's text (UTF-8, without a byte order mark); @length: its bytes
 * @error_line: (out): on failure, the line of @text that GKeyFile refuses (1-based)
 * @error: GKeyFile's #G_KEY_FILE_ERROR, whose message names no line
 *
 * Loads @text as g_key_file_load_from_data() does (no flags), and on failure finds the line it
 * refuses, so that a spec, a rules file or a plugin's own INI-style file can say `FILE:LINE:
 * what`. GKeyFile reads line by line, so it refuses every longer prefix of a text it refuses:
 * the line is the end of the shortest refused prefix, found by halving (a few more loads, each of
 * a prefix of @text). Returns: %TRUE when loaded.
 */
gboolean tw_key_file_load_text(GKeyFile *key_file, const char *text, gsize length,
                               guint *error_line, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwReader, tw_reader_free)

G_END_DECLS
