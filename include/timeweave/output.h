/* timeweave: writing an export, atomically and buffered. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * TwOutput:
 * Where an exporter writes. Writing to a file goes to a temporary file in the same folder that
 * is renamed over the target only when tw_output_close() succeeds, so a failed or interrupted
 * run never leaves a truncated export nor destroys an older one. `-` is standard output.
 * Writes are buffered; a failing write (a full disk) is remembered and reported by
 * tw_output_close(), so exporters need not check every call. A file past 32 MiB is synced as it
 * is written and goes to the disk with O_DIRECT, by two threads of the output's own and through
 * two 8 MiB buffers (buffered as before where the file system refuses O_DIRECT); a smaller one,
 * standard output and devices are written through the page cache.
 */
typedef struct _TwOutput TwOutput;

/**
 * tw_output_open:
 * @path: the target file, or `-`
 * @error: a #G_IO_ERROR `PATH: reason` (a missing folder, no permission), or
 *   %G_IO_ERROR_BUSY when another output of this process, not yet closed or aborted, has the
 *   same target (the same file by any path or symbolic link, or standard output): the second
 *   would replace the first's file, or mix with it. Devices and FIFOs are not counted.
 * Returns: (transfer full) (nullable): the output; finish with tw_output_close() or
 *   tw_output_abort(), then tw_output_free().
 */
TwOutput *tw_output_open(const char *path, GError **error);

/* The writers: @out must be open (not closed nor aborted). They do not fail: after a write
 * failed, the ones that follow do nothing, and tw_output_close() reports the first failure.
 * The output copies what it is given; the caller keeps @data and @text. */
void tw_output_write(TwOutput *out, const char *data, gsize length);
void tw_output_puts(TwOutput *out, const char *text);
void tw_output_putc(TwOutput *out, char c);
void tw_output_printf(TwOutput *out, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* Writes @text as a JSON string literal, quotes included (RFC 8259 escapes). */
void tw_output_write_json_string(TwOutput *out, const char *text);

/**
 * tw_output_close:
 * Flushes, syncs and renames the temporary file over the target.
 * Returns: %FALSE with `PATH: reason` if any write failed; the temporary file is then removed
 *   and the target left as it was.
 */
gboolean tw_output_close(TwOutput *out, GError **error);
/* Removes the temporary file; the target is left as it was. */
void tw_output_abort(TwOutput *out);
/* Frees @out; aborts it first if it was neither closed nor aborted. */
void tw_output_free(TwOutput *out);
const char *tw_output_get_path(const TwOutput *out);

/* Removes every temporary file still open; async-signal-safe (for SIGINT/SIGTERM handlers). */
void tw_output_abort_all_from_signal(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwOutput, tw_output_free)

G_END_DECLS
