/* timeweave: writing an export atomically (temporary file + fsync + rename), buffered.
 *
 * A file target is written to `.NAME.XXXXXX` in the target's own folder (so the final rename(2)
 * never crosses a file system) and renamed over the target only once every byte was written and
 * fsync(2) succeeded; any failure removes the temporary file and leaves the target untouched.
 * A large export is synced while it is written, by a thread of its own (see Flusher below), and
 * goes to the disk without the page cache (see OUTPUT_DIRECT_AFTER).
 * A target that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) cannot be
 * replaced by a rename, so it is written in place, as a shell redirection would.
 *
 * Open temporary files are also recorded in a fixed table of plain char buffers, so that a
 * SIGINT/SIGTERM handler can unlink them with nothing but atomic loads and unlink(2), which are
 * async-signal-safe; g_malloc, locks and GLib calls are not.
 */
#define _GNU_SOURCE /* O_DIRECT */
#include "private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#define OUTPUT_BUFFER_SIZE (64 * 1024)

/* Past this many bytes, a temporary file is written with O_DIRECT, from a buffer of
 * OUTPUT_DIRECT_SIZE bytes in whole blocks of OUTPUT_DIRECT_ALIGN, and the page cache is left
 * out. A buffered write(2) copies every byte into a page-cache page that the kernel must find,
 * and later writes back: at 2.6 GB (the 10M-event CSV benchmark) that copy was a third of the
 * whole run's CPU time and bound the writing phase to one core (8.0 s on this machine's VM,
 * where a page first touched costs a fault of the host), while the disk itself takes 2.6 GB of
 * 16 MiB direct writes in 1.5 s. A multi-gigabyte export also no longer pushes the user's other
 * files out of the cache. Smaller exports stay buffered: for them the cache is the faster way,
 * and the next program to read them finds them there. A file system or disk that refuses
 * O_DIRECT (fcntl, or any direct write, on either thread, fails with EINVAL) is written
 * buffered from there on, as before; the export's bytes are the same either way. 4096 covers the
 * logical block of the disks in common use; a disk with a larger one refuses the writes, and gets
 * the fallback. */
#define OUTPUT_DIRECT_AFTER (32 * 1024 * 1024)
#define OUTPUT_DIRECT_SIZE (8 * 1024 * 1024)
#define OUTPUT_DIRECT_ALIGN 4096

/* How many temporary files the signal handler can know about at once, and how long their paths
 * may be. An output beyond either limit still works; only its cleanup on a signal is lost. */
#define TEMP_SLOTS 64
#define TEMP_PATH_MAX PATH_MAX

enum {
  SLOT_FREE = 0,
  SLOT_FILLING, /* reserved, path being copied: the signal handler skips it */
  SLOT_READY,
};

/* Set while a run puts its exports in place (_tw_output_commit_begin()). */
static gint committing;

static gint temp_slot_state[TEMP_SLOTS];
static char temp_slot_path[TEMP_SLOTS][TEMP_PATH_MAX];
static GMutex temp_slot_lock;

/* The fsync before the rename waits for every byte to reach the disk and for the disk to empty
 * its cache. Left to the end, that took 0.9 to 1.2 s after a 900 MB export (the body file
 * benchmark), with the CPU idle and the disk completing no write: the writeback that
 * sync_file_range() had started every 8 MiB was done, the cache flush was not. So a thread of
 * the output's own calls fdatasync(2) while the export is still being formatted, one after
 * another as long as more bytes come, and the final fsync finds little left (40 ms). The
 * thread waits for the disk, not for a core. It only syncs the file descriptor, which is closed
 * after the thread is joined. A failure it meets fails the export: Linux reports a writeback
 * error to one sync of a file description only, so the final fsync would not see it again. */
/* What the output's two threads (Flusher and Writer below) have alike: the temporary file,
 * a lock and a condition for the requests the output makes of them, a stop flag and the first
 * failure. */
typedef struct {
  int fd;          /* the temporary file's: closed only after @thread is joined */
  GThread *thread; /* "tw-sync" or "tw-write" */
  GMutex lock;     /* for @stop, @error_errno and the request fields of the thread's struct */
  GCond cond;
  gboolean stop;   /* set by output_thread_stop(): the thread ends after its current request */
  int error_errno; /* the first failure it met, 0 when none */
} OutputThread;

typedef struct {
  OutputThread t; /* "tw-sync" */
  gboolean asked; /* more bytes were written since its last sync began */
} Flusher;

/* A direct export's full buffers are written by a thread of its own, "tw-write", while the
 * exporter fills the other buffer: an O_DIRECT write(2) returns only once the disk has the
 * bytes, and on the thread that formats it held a core idle for a fifth of the writing phase
 * (2.6 GB at 2 GB/s). One write is in flight at a time, in file order; the output waits for it
 * (writer_wait()) before it writes anything itself, switches O_DIRECT, syncs at the end or
 * closes the file. */
typedef struct {
  OutputThread t;   /* "tw-write" */
  const char *data; /* the write in flight, NULL when none */
  gsize length;
  gboolean direct; /* O_DIRECT is set on the file; cleared by a write that fell back */
  guint64 written; /* bytes written since the output last looked */
} Writer;

typedef enum {
  OUTPUT_OPEN,
  OUTPUT_WRITTEN, /* _tw_output_finish(): synced and closed, its temporary file not renamed yet */
  OUTPUT_CLOSED,
  OUTPUT_ABORTED,
} OutputState;

struct _TwOutput {
  char *path;      /* the target as given, for messages */
  char *live_key;  /* its key in live_targets while it is open or written, else NULL */
  char *target;    /* where the temporary file is renamed to: @path with symlinks resolved */
  char *temp_path; /* NULL when writing in place (standard output, a device) */
  int fd;
  gboolean is_stdout;
  int slot; /* index in the temporary file table, or -1 */
  OutputState state;
  int error_errno;     /* the first failure (sticky), 0 when none */
  gsize length;        /* bytes in @buffer */
  gsize capacity;      /* @buffer's size */
  char *buffer;        /* g_malloc()ed, or posix_memalign()ed when @direct */
  gboolean direct;     /* @buffer is the direct one; see OUTPUT_DIRECT_AFTER */
  gboolean direct_fd;  /* O_DIRECT is set on @fd */
  gboolean direct_off; /* the file system refused O_DIRECT: buffered to the end */
  gsize direct_block;  /* OUTPUT_DIRECT_ALIGN (tests set others) */
  char *spare;         /* the second direct buffer, written by @writer while @buffer fills */
  Writer *writer;      /* NULL until the first full direct buffer */
  gboolean no_writer;  /* its thread could not be started: direct writes on this thread */
  guint64 written;     /* bytes written to @fd */
  guint64 sync_asked;  /* @written when the flusher was last asked to sync */
  Flusher *flusher;    /* NULL until the temporary file passes OUTPUT_SYNC_STEP */
  gboolean no_flusher; /* its thread could not be started: the final fsync does it all */
  gboolean closing;    /* in tw_output_close() */
};

/* Every this many bytes written to a temporary file, its flusher is asked to sync (write_all()). */
#define OUTPUT_SYNC_STEP (32 * 1024 * 1024)

static int
temp_slot_register(const char *path)
{
  gsize length = strlen(path);
  int found = -1;

  if (length >= TEMP_PATH_MAX)
    return -1;
  g_mutex_lock(&temp_slot_lock);
  for (int i = 0; i < TEMP_SLOTS; i++) {
    if (g_atomic_int_get(&temp_slot_state[i]) == SLOT_FREE) {
      g_atomic_int_set(&temp_slot_state[i], SLOT_FILLING);
      memcpy(temp_slot_path[i], path, length + 1);
      /* The path is complete before the handler may see the slot as ready. */
      g_atomic_int_set(&temp_slot_state[i], SLOT_READY);
      found = i;
      break;
    }
  }
  g_mutex_unlock(&temp_slot_lock);
  if (found < 0) {
    static gsize said = 0;

    if (g_once_init_enter(&said)) {
      g_debug("more than %d exports open at once: %s and later ones are not removed on a "
              "signal",
              TEMP_SLOTS, path);
      g_once_init_leave(&said, 1);
    }
  }
  return found;
}

static void
temp_slot_unregister(int slot)
{
  if (slot < 0)
    return;
  g_mutex_lock(&temp_slot_lock);
  g_atomic_int_set(&temp_slot_state[slot], SLOT_FREE);
  g_mutex_unlock(&temp_slot_lock);
}

void
tw_output_abort_all_from_signal(void)
{
  /* Async-signal-safe: atomic loads and unlink(2) only; errno is restored for the interrupted
   * code. A slot freed by a racing close is at worst unlinked after its rename, which fails
   * harmlessly (the temporary name no longer exists). */
  int saved_errno = errno;

  /* A thread is renaming a run's exports into place, with signals blocked: this is another
   * thread, which lets it finish, so that the exports are all the new ones (nanosleep(2) is
   * async-signal-safe). */
  while (g_atomic_int_get(&committing)) {
    struct timespec pause = {0, 1000000};
    nanosleep(&pause, NULL);
  }
  for (int i = 0; i < TEMP_SLOTS; i++) {
    if (g_atomic_int_get(&temp_slot_state[i]) == SLOT_READY)
      (void)unlink(temp_slot_path[i]);
  }
  errno = saved_errno;
}

void
_tw_output_commit_begin(sigset_t *saved)
{
  sigset_t all;

  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, saved);
  g_atomic_int_set(&committing, 1);
}

void
_tw_output_commit_end(const sigset_t *saved)
{
  g_atomic_int_set(&committing, 0);
  pthread_sigmask(SIG_SETMASK, saved, NULL);
}

/* The files (canonical paths) and standard output (`-`) that outputs of this process are
 * writing: from tw_output_open() until they are closed or aborted. A second output to one of
 * them would mix two documents on standard output, or replace the first one's file when renamed
 * (the csv exporter's findings given the events' own path): it is refused when opened, before
 * anything is written. Devices and FIFOs written in place are not counted. */
static GMutex live_lock;
static GHashTable *live_targets;

static gboolean
live_claim(TwOutput *out, const char *key, GError **error)
{
  gboolean taken;
  g_mutex_lock(&live_lock);
  if (live_targets == NULL)
    live_targets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  taken = g_hash_table_contains(live_targets, key);
  if (!taken) {
    out->live_key = g_strdup(key);
    g_hash_table_add(live_targets, g_strdup(key));
  }
  g_mutex_unlock(&live_lock);
  if (taken)
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_BUSY,
                "%s: another output of this run writes it too (give each output a file of its "
                "own)",
                out->is_stdout ? "standard output" : out->path);
  return !taken;
}

/* The key of the file @target in live_targets: its folder with symbolic links resolved (a file
 * given through a linked folder is the same file), then its name. Transfer full. */
static char *
live_key_of(const char *target)
{
  g_autofree char *dir = g_path_get_dirname(target);
  g_autofree char *base = g_path_get_basename(target);
  char *resolved = realpath(dir, NULL);

  if (resolved == NULL) /* (the temporary file cannot be made there either) */
    return g_canonicalize_filename(target, NULL);
  char *key = g_build_filename(resolved, base, NULL);
  free(resolved);
  return key;
}

static void
live_release(TwOutput *out)
{
  if (out->live_key == NULL)
    return;
  g_mutex_lock(&live_lock);
  g_hash_table_remove(live_targets, out->live_key);
  g_mutex_unlock(&live_lock);
  g_clear_pointer(&out->live_key, g_free);
}

static void
set_errno_error(GError **error, const char *path, int errsv)
{
  g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "%s: %s", path, g_strerror(errsv));
}

static const char *
output_display_name(const TwOutput *out)
{
  return out->is_stdout ? "standard output" : out->path;
}

TwOutput *
tw_output_open(const char *path, GError **error)
{
  g_autoptr(TwOutput) out = NULL;
  struct stat st;
  gboolean exists;

  g_return_val_if_fail(path != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  out = g_new0(TwOutput, 1);
  out->path = g_strdup(path);
  out->fd = -1;
  out->slot = -1;
  out->state = OUTPUT_OPEN;
  out->buffer = g_malloc(OUTPUT_BUFFER_SIZE);
  out->capacity = OUTPUT_BUFFER_SIZE;
  out->direct_block = OUTPUT_DIRECT_ALIGN;

  if (strcmp(path, "-") == 0) {
    out->is_stdout = TRUE;
    out->fd = STDOUT_FILENO;
    if (!live_claim(out, "-", error)) {
      out->state = OUTPUT_ABORTED;
      return NULL;
    }
    return g_steal_pointer(&out);
  }
  if (*path == '\0') {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, "an empty output file name");
    out->state = OUTPUT_ABORTED;
    return NULL;
  }

  exists = g_stat(path, &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    set_errno_error(error, path, EISDIR);
    out->state = OUTPUT_ABORTED;
    return NULL;
  }
  if (exists && !S_ISREG(st.st_mode)) {
    /* A device or a FIFO: renaming over it would replace the node, so write in place. */
    out->fd = g_open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY, 0);
    if (out->fd < 0) {
      set_errno_error(error, path, errno);
      out->state = OUTPUT_ABORTED;
      return NULL;
    }
    return g_steal_pointer(&out);
  }

  /* Writing through a symbolic link replaces the file it points to, not the link. */
  if (exists && g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    char *resolved = realpath(path, NULL);

    if (resolved != NULL) {
      out->target = g_strdup(resolved);
      free(resolved);
    }
  }
  if (out->target == NULL)
    out->target = g_strdup(path);
  {
    g_autofree char *key = live_key_of(out->target);
    if (!live_claim(out, key, error)) {
      out->state = OUTPUT_ABORTED;
      return NULL;
    }
  }

  {
    g_autofree char *dir = g_path_get_dirname(out->target);
    g_autofree char *base = g_path_get_basename(out->target);
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /* `.NAME.XXXXXX`, as mkstemp(3) names it, but registered for removal on a signal before
     * the file is made: with mkstemp a signal between the two left the file behind (removing a
     * name not made yet does no harm). Mode 0666 through open(2) gets the umask applied, as for
     * any file a program creates. */
    for (guint attempt = 0;; attempt++) {
      char suffix[7];
      for (guint i = 0; i < 6; i++)
        suffix[i] = letters[g_random_int_range(0, (gint32)sizeof letters - 1)];
      suffix[6] = '\0';
      g_autofree char *name = g_strdup_printf(".%s.%s", base, suffix);
      g_free(out->temp_path);
      out->temp_path = g_build_filename(dir, name, NULL);
      out->slot = temp_slot_register(out->temp_path);
      out->fd = g_open(out->temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (out->fd >= 0)
        break;
      int errsv = errno;
      temp_slot_unregister(out->slot);
      out->slot = -1;
      if (errsv != EEXIST || attempt == 100) {
        set_errno_error(error, path, errsv);
        g_clear_pointer(&out->temp_path, g_free);
        live_release(out);
        out->state = OUTPUT_ABORTED;
        return NULL;
      }
    }
  }
  /* Replacing an existing export keeps its permissions, as writing into it would. */
  if (exists && fchmod(out->fd, st.st_mode & 07777) != 0)
    out->error_errno = errno;
  return g_steal_pointer(&out);
}

/* Starts @t (in a zeroed Flusher or Writer, @data) as a thread @name running @main on @data,
 * for the file @fd; FALSE when no thread could be made (a process at its limit). */
static gboolean
output_thread_start(OutputThread *t, int fd, const char *name, GThreadFunc main, gpointer data)
{
  t->fd = fd;
  g_mutex_init(&t->lock);
  g_cond_init(&t->cond);
  t->thread = g_thread_try_new(name, main, data, NULL);
  if (t->thread)
    return TRUE;
  g_mutex_clear(&t->lock);
  g_cond_clear(&t->cond);
  return FALSE;
}

/* Stops @t after its current request and joins it; returns the errno of the first failure it
 * met, or 0. Its file descriptor may be closed after this. */
static int
output_thread_stop(OutputThread *t)
{
  g_mutex_lock(&t->lock);
  t->stop = TRUE;
  g_cond_signal(&t->cond);
  g_mutex_unlock(&t->lock);
  g_thread_join(t->thread);
  g_mutex_clear(&t->lock);
  g_cond_clear(&t->cond);
  return t->error_errno;
}

static gpointer
flusher_main(gpointer data)
{
  Flusher *f = data;
  g_mutex_lock(&f->t.lock);
  for (;;) {
    while (!f->asked && !f->t.stop)
      g_cond_wait(&f->t.cond, &f->t.lock);
    if (f->t.stop)
      break;
    f->asked = FALSE;
    g_mutex_unlock(&f->t.lock);
    int failed = fdatasync(f->t.fd) != 0 ? errno : 0;
    g_mutex_lock(&f->t.lock);
    if (failed && f->t.error_errno == 0)
      f->t.error_errno = failed;
  }
  g_mutex_unlock(&f->t.lock);
  return NULL;
}

/* Asks @out's flusher for a sync, starting it the first time. A sync that failed stops the
 * writing here, as a failed write would, rather than at close after the rest of the export. */
static void
flusher_ask(TwOutput *out)
{
  if (out->no_flusher)
    return;
  if (!out->flusher) {
    Flusher *f = g_new0(Flusher, 1);
    if (!output_thread_start(&f->t, out->fd, "tw-sync", flusher_main, f)) {
      /* No thread: the export is still synced, at the end. */
      g_free(f);
      out->no_flusher = TRUE;
      return;
    }
    out->flusher = f;
  }
  g_mutex_lock(&out->flusher->t.lock);
  out->flusher->asked = TRUE;
  g_cond_signal(&out->flusher->t.cond);
  if (out->flusher->t.error_errno != 0)
    out->error_errno = out->flusher->t.error_errno;
  g_mutex_unlock(&out->flusher->t.lock);
}

/* Stops and joins @out's flusher, if it has one, after its current sync (so an abort waits for
 * one sync at most); returns the errno of the first sync that failed, or 0. The file descriptor
 * may be closed after this. */
static int
flusher_stop(TwOutput *out)
{
  Flusher *f = g_steal_pointer(&out->flusher);
  if (!f)
    return 0;
  int failed = output_thread_stop(&f->t);
  g_free(f);
  return failed;
}

/* Sets or clears O_DIRECT on @fd; FALSE when that failed. */
static gboolean
fd_set_direct(int fd, gboolean on)
{
  int flags = fcntl(fd, F_GETFL);

  return flags >= 0 && fcntl(fd, F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) == 0;
}

/* The same for @out's file, and says so in @out. */
static gboolean
set_direct(TwOutput *out, gboolean on)
{
  if (!fd_set_direct(out->fd, on))
    return FALSE;
  out->direct_fd = on;
  return TRUE;
}

/* Writes @length bytes of @data to @fd, adding what it wrote to *@written; returns 0, or the
 * errno of the failure. *@direct says whether O_DIRECT is set, and is cleared when a write
 * falls back: O_DIRECT refused by the file system or the disk (an alignment it wants, a short
 * write that left the rest unaligned) fails with EINVAL before any byte is written, so the same
 * bytes go again, buffered. Touches nothing but its arguments: the writer thread calls it. */
static int
write_fd(int fd, const char *data, gsize length, guint64 *written, gboolean *direct)
{
  while (length > 0) {
    ssize_t n = write(fd, data, MIN(length, (gsize)G_MAXSSIZE));

    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EINVAL && *direct) {
        if (!fd_set_direct(fd, FALSE))
          return EINVAL;
        *direct = FALSE;
        continue;
      }
      return errno;
    }
    if (n == 0)
      return EIO; /* write(2) made no progress and gave no reason */
    data += n;
    length -= (gsize)n;
    *written += (guint64)n;
  }
  return 0;
}

/* Counts @n more bytes written, and asks the flusher for a sync every OUTPUT_SYNC_STEP (not in
 * close's last flush: the fsync after it does the sync). */
static void
count_written(TwOutput *out, guint64 n)
{
  out->written += n;
  if (out->temp_path && out->error_errno == 0 && !out->closing &&
      out->written - out->sync_asked >= OUTPUT_SYNC_STEP) {
    out->sync_asked = out->written;
    flusher_ask(out);
  }
}

/* Takes in what the writer did, after waiting for its write in flight. */
static void
writer_wait(TwOutput *out)
{
  Writer *w = out->writer;
  if (!w)
    return;
  g_mutex_lock(&w->t.lock);
  while (w->data != NULL)
    g_cond_wait(&w->t.cond, &w->t.lock);
  guint64 n = w->written;
  w->written = 0;
  int failed = w->t.error_errno;
  w->t.error_errno = 0;
  gboolean direct = w->direct;
  g_mutex_unlock(&w->t.lock);
  if (out->direct_fd && !direct) {
    out->direct_fd = FALSE;
    out->direct_off = TRUE;
  }
  if (failed != 0 && out->error_errno == 0)
    out->error_errno = failed;
  count_written(out, n);
}

static gpointer
writer_main(gpointer data)
{
  Writer *w = data;
  g_mutex_lock(&w->t.lock);
  for (;;) {
    while (w->data == NULL && !w->t.stop)
      g_cond_wait(&w->t.cond, &w->t.lock);
    if (w->data == NULL)
      break;
    const char *bytes = w->data;
    gsize length = w->length;
    gboolean direct = w->direct;
    g_mutex_unlock(&w->t.lock);
    guint64 n = 0;
    int failed = write_fd(w->t.fd, bytes, length, &n, &direct);
    g_mutex_lock(&w->t.lock);
    w->written += n;
    w->direct = direct;
    if (failed != 0 && w->t.error_errno == 0)
      w->t.error_errno = failed;
    w->data = NULL;
    g_cond_broadcast(&w->t.cond);
  }
  g_mutex_unlock(&w->t.lock);
  return NULL;
}

/* Hands @length bytes of @data to the writer, starting it the first time; FALSE when it could
 * not be started (the caller writes them itself). The writer must be idle (writer_wait()). */
static gboolean
writer_submit(TwOutput *out, const char *data, gsize length)
{
  if (out->no_writer)
    return FALSE;
  if (!out->writer) {
    Writer *w = g_new0(Writer, 1);
    if (!output_thread_start(&w->t, out->fd, "tw-write", writer_main, w)) {
      g_free(w);
      out->no_writer = TRUE;
      return FALSE;
    }
    out->writer = w;
  }
  g_mutex_lock(&out->writer->t.lock);
  out->writer->data = data;
  out->writer->length = length;
  out->writer->direct = out->direct_fd;
  g_cond_signal(&out->writer->t.cond);
  g_mutex_unlock(&out->writer->t.lock);
  return TRUE;
}

/* Waits for the writer's last write, takes in its result and joins it. */
static void
writer_stop(TwOutput *out)
{
  writer_wait(out);
  Writer *w = g_steal_pointer(&out->writer);
  if (!w)
    return;
  (void)output_thread_stop(&w->t); /* (its failures were taken in by writer_wait()) */
  g_free(w);
}

/* Writes @length bytes of @data on this thread, after the writer's write in flight. */
static void
write_all(TwOutput *out, const char *data, gsize length)
{
  writer_wait(out);
  if (out->error_errno != 0)
    return;
  guint64 n = 0;
  gboolean direct = out->direct_fd;
  int failed = write_fd(out->fd, data, length, &n, &direct);
  if (out->direct_fd && !direct) {
    out->direct_fd = FALSE;
    out->direct_off = TRUE;
  }
  if (failed != 0)
    out->error_errno = failed;
  count_written(out, n);
}

/* Drops the first @n bytes of @out's buffer, keeping the rest at its (aligned) start. */
static void
buffer_consume(TwOutput *out, gsize n)
{
  memmove(out->buffer, out->buffer + n, out->length - n);
  out->length -= n;
}

/* Writes what @out's buffer holds; a direct buffer keeps back what is short of a whole block
 * (fewer than OUTPUT_DIRECT_ALIGN bytes), unless @last. */
static void
output_flush(TwOutput *out, gboolean last)
{
  if (out->error_errno != 0) {
    out->length = 0;
    return;
  }
  if (!out->direct) {
    if (out->length > 0)
      write_all(out, out->buffer, out->length);
    out->length = 0;
    return;
  }
  if (!out->direct_fd && !out->direct_off && out->length > 0) {
    /* O_DIRECT wants the file offset at a block boundary: the bytes up to it go buffered. */
    gsize to_boundary =
        (gsize)((out->direct_block - out->written % out->direct_block) % out->direct_block);
    gsize n = MIN(to_boundary, out->length);
    if (n > 0) {
      write_all(out, out->buffer, n);
      buffer_consume(out, n);
    }
    if (out->written % out->direct_block == 0 && out->error_errno == 0 && !set_direct(out, TRUE))
      out->direct_off = TRUE;
  }
  gsize whole = out->direct_fd ? out->length / out->direct_block * out->direct_block : out->length;
  if (whole > 0 && out->direct_fd && !last) {
    /* To the writer; this thread goes on filling the other buffer, beginning with the part
     * block left over. */
    writer_wait(out);
    if (out->error_errno == 0 && out->direct_fd && !out->no_writer) {
      void *spare = out->spare;
      if (!spare && posix_memalign(&spare, out->direct_block, OUTPUT_DIRECT_SIZE) != 0)
        spare = NULL;
      if (spare) {
        out->spare = NULL;
        if (writer_submit(out, out->buffer, whole)) {
          memcpy(spare, out->buffer + whole, out->length - whole);
          out->spare = out->buffer;
          out->buffer = spare;
          out->length -= whole;
          whole = 0;
        } else {
          out->spare = spare;
        }
      }
    }
  }
  if (whole > 0 && out->error_errno == 0) {
    write_all(out, out->buffer, whole);
    buffer_consume(out, whole);
  }
  if (last && out->length > 0 && out->error_errno == 0) {
    /* The last part block: buffered (clearing O_DIRECT cannot be refused). */
    writer_wait(out);
    if (out->direct_fd && !set_direct(out, FALSE))
      out->error_errno = errno;
    write_all(out, out->buffer, out->length);
  }
  if (out->error_errno != 0 || last)
    out->length = 0;
}

/* Switches a temporary file past OUTPUT_DIRECT_AFTER bytes to the direct buffer, with what
 * the small one holds. Without memory for it, the export stays buffered. */
static void
output_maybe_direct(TwOutput *out)
{
  void *aligned = NULL;

  if (out->direct || out->direct_off || out->temp_path == NULL || out->closing ||
      out->written + out->length < OUTPUT_DIRECT_AFTER || out->error_errno != 0)
    return;
  if (posix_memalign(&aligned, out->direct_block, OUTPUT_DIRECT_SIZE) != 0) {
    out->direct_off = TRUE;
    return;
  }
  memcpy(aligned, out->buffer, out->length);
  g_free(out->buffer);
  out->buffer = aligned;
  out->capacity = OUTPUT_DIRECT_SIZE;
  out->direct = TRUE;
}

void
tw_output_write(TwOutput *out, const char *data, gsize length)
{
  g_return_if_fail(out != NULL);
  g_return_if_fail(out->state == OUTPUT_OPEN);
  g_return_if_fail(data != NULL || length == 0);

  if (out->error_errno != 0)
    return;
  if (length <= out->capacity - out->length) {
    memcpy(out->buffer + out->length, data, length);
    out->length += length;
    return;
  }
  output_maybe_direct(out);
  if (!out->direct) {
    output_flush(out, FALSE);
    if (length >= out->capacity) {
      write_all(out, data, length);
      return;
    }
  }
  /* Through the buffer: all of it when direct, so that every write is whole blocks from an
   * aligned address. */
  while (length > 0 && out->error_errno == 0) {
    gsize n = MIN(length, out->capacity - out->length);
    memcpy(out->buffer + out->length, data, n);
    out->length += n;
    data += n;
    length -= n;
    if (out->length == out->capacity)
      output_flush(out, FALSE);
  }
}

void
tw_output_puts(TwOutput *out, const char *text)
{
  g_return_if_fail(text != NULL);
  tw_output_write(out, text, strlen(text));
}

void
tw_output_putc(TwOutput *out, char c)
{
  g_return_if_fail(out != NULL);
  g_return_if_fail(out->state == OUTPUT_OPEN);

  if (out->length == out->capacity) {
    /* (An export written a byte at a time goes direct too.) */
    output_maybe_direct(out);
    if (out->length == out->capacity)
      output_flush(out, FALSE);
  }
  if (out->error_errno == 0)
    out->buffer[out->length++] = c;
}

void
tw_output_printf(TwOutput *out, const char *format, ...)
{
  char small[256];
  va_list args;
  int n;

  va_start(args, format);
  n = g_vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0)
    return;
  if ((gsize)n < sizeof small) {
    tw_output_write(out, small, (gsize)n);
  } else {
    g_autofree char *large = NULL;

    va_start(args, format);
    large = g_strdup_vprintf(format, args);
    va_end(args);
    tw_output_write(out, large, strlen(large));
  }
}

void
tw_output_write_json_string(TwOutput *out, const char *text)
{
  static const char hex[] = "0123456789abcdef";
  const char *run = text;
  const char *p;

  g_return_if_fail(text != NULL);

  tw_output_putc(out, '"');
  /* Copy runs of bytes that need no escape in one write; UTF-8 sequences pass through. */
  for (p = text; *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;
    char escape[7];
    gsize escape_length = 2;

    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    tw_output_write(out, run, (gsize)(p - run));
    run = p + 1;
    escape[0] = '\\';
    switch (c) {
    case '"':
      escape[1] = '"';
      break;
    case '\\':
      escape[1] = '\\';
      break;
    case '\b':
      escape[1] = 'b';
      break;
    case '\f':
      escape[1] = 'f';
      break;
    case '\n':
      escape[1] = 'n';
      break;
    case '\r':
      escape[1] = 'r';
      break;
    case '\t':
      escape[1] = 't';
      break;
    default:
      memcpy(escape + 1, "u00", 3);
      escape[4] = hex[c >> 4];
      escape[5] = hex[c & 0xf];
      escape_length = 6;
      break;
    }
    tw_output_write(out, escape, escape_length);
  }
  tw_output_write(out, run, (gsize)(p - run));
  tw_output_putc(out, '"');
}

static void
sync_folder(const char *path)
{
  /* Makes the rename itself durable; a folder that cannot be synced is no error. */
  g_autofree char *dir = g_path_get_dirname(path);
  int fd = g_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd >= 0) {
    (void)fsync(fd);
    (void)close(fd);
  }
}

static void
discard_temp(TwOutput *out)
{
  if (out->temp_path == NULL)
    return;
  temp_slot_unregister(out->slot);
  out->slot = -1;
  (void)g_unlink(out->temp_path);
}

gboolean
_tw_output_finish(TwOutput *out, GError **error)
{
  g_return_val_if_fail(out != NULL, FALSE);
  g_return_val_if_fail(out->state == OUTPUT_OPEN, FALSE);
  g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

  out->closing = TRUE;
  output_flush(out, TRUE);
  writer_stop(out);
  int flush_failed = flusher_stop(out);
  if (out->error_errno == 0)
    out->error_errno = flush_failed;
  if (out->temp_path != NULL && out->error_errno == 0 && fsync(out->fd) != 0)
    out->error_errno = errno;
  if (!out->is_stdout) {
    /* close(2) may report a deferred write error (NFS); it must not be retried on EINTR. */
    if (close(out->fd) != 0 && out->error_errno == 0 && errno != EINTR)
      out->error_errno = errno;
    out->fd = -1;
  }
  if (out->error_errno != 0) {
    discard_temp(out);
    live_release(out);
    out->state = OUTPUT_ABORTED;
    set_errno_error(error, output_display_name(out), out->error_errno);
    return FALSE;
  }
  out->state = OUTPUT_WRITTEN;
  return TRUE;
}

gboolean
tw_output_close(TwOutput *out, GError **error)
{
  g_return_val_if_fail(out != NULL, FALSE);
  g_return_val_if_fail(out->state == OUTPUT_OPEN || out->state == OUTPUT_WRITTEN, FALSE);
  g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

  if (out->state == OUTPUT_OPEN && !_tw_output_finish(out, error))
    return FALSE;
  if (out->temp_path != NULL && g_rename(out->temp_path, out->target) != 0) {
    out->error_errno = errno;
    discard_temp(out);
    live_release(out);
    out->state = OUTPUT_ABORTED;
    set_errno_error(error, output_display_name(out), out->error_errno);
    return FALSE;
  }
  if (out->temp_path != NULL) {
    temp_slot_unregister(out->slot);
    out->slot = -1;
    sync_folder(out->target);
  }
  live_release(out);
  out->state = OUTPUT_CLOSED;
  return TRUE;
}

void
tw_output_abort(TwOutput *out)
{
  g_return_if_fail(out != NULL);

  live_release(out);
  if (out->state == OUTPUT_WRITTEN) {
    discard_temp(out);
    out->state = OUTPUT_ABORTED;
    return;
  }
  if (out->state != OUTPUT_OPEN)
    return;
  out->length = 0;
  out->closing = TRUE; /* (no sync asked for while the writer is waited for) */
  writer_stop(out);    /* before the close: both threads use the file descriptor */
  (void)flusher_stop(out);
  if (!out->is_stdout && out->fd >= 0)
    (void)close(out->fd);
  out->fd = -1;
  discard_temp(out);
  out->state = OUTPUT_ABORTED;
}

void
tw_output_free(TwOutput *out)
{
  if (out == NULL)
    return;
  tw_output_abort(out);
  g_free(out->path);
  g_free(out->target);
  g_free(out->temp_path);
  if (out->direct)
    free(out->buffer);
  else
    g_free(out->buffer);
  free(out->spare);
  g_free(out);
}

void
_tw_output_set_direct_block(TwOutput *out, gsize block)
{
  g_return_if_fail(out != NULL && !out->direct);
  g_return_if_fail(block >= sizeof(void *) && (block & (block - 1)) == 0 &&
                   OUTPUT_DIRECT_SIZE % block == 0);
  out->direct_block = block;
}

gboolean
_tw_output_get_direct(const TwOutput *out, gboolean *refused)
{
  g_return_val_if_fail(out != NULL, FALSE);
  if (refused)
    *refused = out->direct_off;
  return out->direct;
}

const char *
tw_output_get_path(const TwOutput *out)
{
  g_return_val_if_fail(out != NULL, NULL);
  return out->path;
}
