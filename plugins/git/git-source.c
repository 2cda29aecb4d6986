/* timeweave: the git source. Reads a repository's history: commits, merges and tags as events.
 *
 * It runs git itself (`git -C REPO log` and `git -C REPO for-each-ref`) through GSubprocess and
 * streams git's standard output through a TwReader, one record at a time: a history of any
 * length costs the memory of one commit. Why git and not libgit2: the git command is what
 * users have and trust, so the history is exactly what `git log` shows them (mailmap, replace
 * refs, grafts, shallow clones, sha256 repositories, partial clones, new index and pack formats
 * all just work, and keep working as git moves on); git's revision syntax (`v1.0..main`,
 * `main ^old`, `@{2.weeks.ago}`) and pathspecs come for free; libgit2 lags git's formats and
 * has its own revision parser and mailmap rules; and timeweave stays free of another library
 * (and its TLS/SSH stack) it would only use for reading. The cost is one process per run, and
 * parsing git's text, which a NUL-separated --format makes exact (a commit message may contain
 * any character but NUL, and -z keeps paths verbatim).
 *
 * `git log -z --format=%x00%H%x00%P...%x00%b --name-only` writes for each commit an empty
 * field (the commit's start: no field or path is ever empty), the fields, then the changed
 * paths, each ended by NUL; the first path follows a newline. Tags come first from
 * `git for-each-ref refs/tags` (a few, kept in memory); a tag is an event when its commit is
 * one of the commits listed, so a range or paths select the tags of the history they select.
 *
 * The environment is pinned so that the user's configuration cannot change what is read:
 * LC_ALL=C (messages are parsed), no colour, no signature checks, no rename detection (a
 * rename counts as two changed paths: deterministic and cheap), merges diffed against their
 * first parent (the paths the merge brought in), the root commit's files listed, UTF-8
 * messages, and GIT_DIR or GIT_WORK_TREE from the caller's environment ignored.
 */
#include <timeweave/plugin.h>

#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#define STDERR_KEEP 4096

/* The fields of `git log --format`, in order, after the empty start field. */
enum {
  F_HASH,
  F_PARENTS,
  F_AUTHOR,
  F_AUTHOR_EMAIL,
  F_AUTHOR_DATE,
  F_COMMITTER,
  F_COMMITTER_EMAIL,
  F_COMMITTER_DATE,
  F_SUBJECT,
  F_BODY,
  N_LOG_FIELDS
};
#define LOG_FORMAT "--format=%x00%H%x00%P%x00%aN%x00%aE%x00%ad%x00%cN%x00%cE%x00%cd%x00%s%x00%b"

/* The fields of `git for-each-ref --format`, each ended by %00; a record ends with a newline. */
enum {
  T_REFNAME,
  T_TYPE,
  T_OBJECT,
  T_PEELED,
  T_PEELED_TYPE,
  T_DATE,
  T_TAGGER,
  T_TAGGER_EMAIL,
  T_SUBJECT,
  T_BODY,
  N_TAG_FIELDS
};
#define TAG_FORMAT                                                                                 \
  "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)%00%(*objecttype)%00%("     \
  "creatordate:raw)%00%(taggername)%00%(taggeremail)%00%(contents:subject)%00%(contents:body)%00"

/* -------------------------------------------------------------- NUL-separated tokens */

/*
 * git's NUL-separated output read through a TwReader, which gives lines: a token may span lines
 * (a commit body) and a line may hold many tokens. The newline between two lines belongs to the
 * token that spans them; the last newline of the output belongs to none. The reader drops a CR
 * before each LF, so a message written with CRLF line ends reads with LF ones.
 */
typedef struct {
  TwReader *reader;
  GString *token;
  const char *line;
  gsize length;
  gsize pos;
  gboolean line_open;
  gboolean newline_pending;
} Tokens;

/* Reads the next token into t->token. Returns FALSE at the end (error unset) or on error. */
static gboolean
next_token(Tokens *t, GError **error)
{
  g_string_truncate(t->token, 0);
  for (;;) {
    if (!t->line_open) {
      t->line = tw_reader_read_line(t->reader, &t->length, error);
      if (!t->line)
        return (error == NULL || *error == NULL) && t->token->len > 0;
      t->line_open = TRUE;
      t->pos = 0;
      if (t->newline_pending)
        g_string_append_c(t->token, '\n');
      t->newline_pending = FALSE;
    }
    const char *start = t->line + t->pos;
    const char *nul = memchr(start, '\0', t->length - t->pos);
    if (nul) {
      g_string_append_len(t->token, start, nul - start);
      t->pos += (gsize)(nul - start) + 1;
      return TRUE;
    }
    g_string_append_len(t->token, start, (gssize)(t->length - t->pos));
    t->line_open = FALSE;
    t->newline_pending = TRUE;
  }
}

/* -------------------------------------------------------------- running git */

typedef struct _GitContext GitContext;
typedef gboolean (*OutputFunc)(GitContext *ctx, Tokens *tokens, GError **error);

struct _GitContext {
  TwSink *sink;
  const char *repo;
  GHashTable *tags_by_target; /* commit hash -> GPtrArray of TagRecord (borrowed) */
  GPtrArray *tags;            /* TagRecord, in for-each-ref's (refname) order */
  GPtrArray *fields;          /* char *, the current record's fields */
  GString *text;
  struct MailmapQuery *query; /* while check-mailmap runs */
};

static gboolean fail(GitContext *ctx, GError **error, const char *format, ...) G_GNUC_PRINTF(3, 4);

static gboolean
fail(GitContext *ctx, GError **error, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED, "%s: %s", ctx->repo, message);
  return FALSE;
}

/* The first line of git's standard error, without git's `fatal: ` or `error: `. */
static char *
first_stderr_line(int fd)
{
  char buf[STDERR_KEEP + 1];
  ssize_t n;

  if (lseek(fd, 0, SEEK_SET) < 0)
    return g_strdup("");
  do
    n = read(fd, buf, STDERR_KEEP);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return g_strdup("");
  buf[n] = '\0';
  char *line = buf;
  line[strcspn(line, "\r\n")] = '\0';
  if (g_str_has_prefix(line, "fatal: "))
    line += strlen("fatal: ");
  else if (g_str_has_prefix(line, "error: "))
    line += strlen("error: ");
  return g_utf8_make_valid(line, -1);
}

/*
 * Runs `git -C REPO ARGV...` and hands its standard output to @func as tokens. Standard error
 * goes to an unlinked temporary file (a pipe could fill up and stall git while we read its
 * output), and its first line makes the message when git fails. @what names the command in
 * messages ("git log"). An empty repository is no failure: it has no history.
 */
static gboolean
run_git(GitContext *ctx, const char *what, const char *const *args, OutputFunc func, GError **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer) "git");
  g_ptr_array_add(argv, (gpointer) "-C");
  g_ptr_array_add(argv, (gpointer)ctx->repo);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);

  g_autofree char *err_name = NULL;
  g_autoptr(GError) inner = NULL;
  int err_fd = g_file_open_tmp("timeweave-git-XXXXXX", &err_name, &inner);
  if (err_fd < 0)
    return fail(ctx, error, "cannot make a temporary file for git's messages: %s", inner->message);
  g_unlink(err_name);
  int child_err_fd = dup(err_fd);
  if (child_err_fd < 0) {
    close(err_fd);
    return fail(ctx, error, "cannot run git: %s", g_strerror(errno));
  }

  g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_take_stderr_fd(launcher, child_err_fd);
  g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
  g_subprocess_launcher_setenv(launcher, "GIT_TERMINAL_PROMPT", "0", TRUE);
  static const char *const unset[] = {"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_NAMESPACE",
                                      "GIT_INDEX_FILE"};
  for (guint i = 0; i < G_N_ELEMENTS(unset); i++)
    g_subprocess_launcher_unsetenv(launcher, unset[i]);

  g_autoptr(GSubprocess) process =
      g_subprocess_launcher_spawnv(launcher, (const char *const *)argv->pdata, &inner);
  if (!process) {
    close(err_fd);
    if (g_error_matches(inner, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
      return fail(ctx, error, "cannot run git: it is not installed (no git on PATH)");
    return fail(ctx, error, "cannot run git: %s", inner->message);
  }

  TwReader *reader = tw_reader_new_for_stream(g_subprocess_get_stdout_pipe(process), ctx->repo);
  Tokens tokens = {.reader = reader, .token = g_string_new(NULL)};
  gboolean ok = func(ctx, &tokens, error);
  g_string_free(tokens.token, TRUE);
  tw_reader_free(reader);
  if (!ok) {
    g_subprocess_force_exit(process);
    g_subprocess_wait(process, NULL, NULL);
    close(err_fd);
    return FALSE;
  }

  if (!g_subprocess_wait(process, NULL, &inner)) {
    close(err_fd);
    return fail(ctx, error, "%s: %s", what, inner->message);
  }
  g_autofree char *message = first_stderr_line(err_fd);
  close(err_fd);
  if (g_subprocess_get_if_signaled(process))
    return fail(ctx, error, "%s was killed by signal %d", what, g_subprocess_get_term_sig(process));
  if (g_subprocess_get_exit_status(process) == 0)
    return TRUE;
  if (strstr(message, "not a git repository"))
    return fail(ctx, error, "not a git repository");
  if (strstr(message, "does not have any commits yet"))
    return TRUE;
  if (!*message)
    return fail(ctx, error, "%s failed with exit status %d", what,
                g_subprocess_get_exit_status(process));
  return fail(ctx, error, "%s: %s", what, message);
}

/* -------------------------------------------------------------- records */

/* Reads `SECONDS +HHMM` (git's raw date). *zone gets `+01:00`, or "" for git's unknown -0000. */
static gboolean
parse_raw_date(const char *text, gint64 *usec, gint32 *offset, char zone[8])
{
  char *end;
  errno = 0;
  gint64 seconds = g_ascii_strtoll(text, &end, 10);
  if (end == text || errno || *end != ' ')
    return FALSE;
  const char *z = end + 1;
  if ((z[0] != '+' && z[0] != '-') || strlen(z) != 5 || !g_ascii_isdigit(z[1]) ||
      !g_ascii_isdigit(z[2]) || !g_ascii_isdigit(z[3]) || !g_ascii_isdigit(z[4]))
    return FALSE;
  int hours = (z[1] - '0') * 10 + (z[2] - '0');
  int minutes = (z[3] - '0') * 10 + (z[4] - '0');
  if (minutes > 59)
    return FALSE;
  if (seconds < TW_TIME_MIN / TW_USEC_PER_SEC || seconds > TW_TIME_MAX / TW_USEC_PER_SEC)
    return FALSE;
  *usec = seconds * TW_USEC_PER_SEC;
  *offset = (hours * 3600 + minutes * 60) * (z[0] == '-' ? -1 : 1);
  if (strcmp(z, "-0000") == 0)
    zone[0] = '\0';
  else
    g_snprintf(zone, 8, "%c%c%c:%c%c", z[0], z[1], z[2], z[3], z[4]);
  return TRUE;
}

/* `2026-02-13T10:30:00+01:00`: the instant as the wall clock of its offset showed it. */
static void
format_local(gint64 usec, gint32 offset, const char *zone, char *buf, gsize size)
{
  int year, month, day, hour, minute, second;
  tw_usec_to_civil(usec + (gint64)offset * TW_USEC_PER_SEC, &year, &month, &day, &hour, &minute,
                   &second, NULL);
  g_snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%s", year, month, day, hour, minute, second,
             *zone ? zone : "Z");
}

static const char *
record_field(GitContext *ctx, guint index)
{
  return g_ptr_array_index(ctx->fields, index);
}

/* Reads @n tokens into ctx->fields; FALSE when the output ends first. */
static gboolean
read_fields(GitContext *ctx, Tokens *tokens, guint n, gboolean *truncated, GError **error)
{
  g_ptr_array_set_size(ctx->fields, 0);
  *truncated = FALSE;
  for (guint i = 0; i < n; i++) {
    if (!next_token(tokens, error)) {
      *truncated = error == NULL || *error == NULL;
      return FALSE;
    }
    g_ptr_array_add(ctx->fields, g_strndup(tokens->token->str, tokens->token->len));
  }
  return TRUE;
}

static void
set_date(TwEventBuilder *b, gint64 usec, gint32 offset, const char *zone)
{
  TwDate date;
  tw_date_from_unix_usec(usec, &date);
  date.has_offset = *zone != '\0';
  date.utc_offset = offset;
  tw_event_builder_set_date(b, &date);
  if (*zone)
    tw_event_builder_set_zone(b, zone);
}

/* -------------------------------------------------------------- tags */

typedef struct {
  char *refname;
  gboolean annotated;
  char *object; /* the tag object (annotated) or the commit (lightweight) */
  char *target; /* the commit */
  char *date;
  char *tagger;
  char *tagger_email;
  char *subject;
  char *body;
  gboolean listed; /* its commit is in the history read */
} TagRecord;

static void
tag_record_free(gpointer data)
{
  TagRecord *t = data;
  g_free(t->refname);
  g_free(t->object);
  g_free(t->target);
  g_free(t->date);
  g_free(t->tagger);
  g_free(t->tagger_email);
  g_free(t->subject);
  g_free(t->body);
  g_free(t);
}

static char *
steal_field(GitContext *ctx, guint index)
{
  char *value = ctx->fields->pdata[index];
  ctx->fields->pdata[index] = g_strdup("");
  return value;
}

/* `<ada@example.org>` without its brackets. */
static char *
strip_angles(char *email)
{
  gsize n = strlen(email);
  if (n >= 2 && email[0] == '<' && email[n - 1] == '>') {
    memmove(email, email + 1, n - 2);
    email[n - 2] = '\0';
  }
  return email;
}

static gboolean
read_tags(GitContext *ctx, Tokens *tokens, GError **error)
{
  for (;;) {
    gboolean truncated;
    if (!read_fields(ctx, tokens, N_TAG_FIELDS, &truncated, error)) {
      if (!truncated)
        return FALSE;
      if (ctx->fields->len == 0)
        return TRUE;
      return fail(ctx, error, "git for-each-ref: output ends within a tag");
    }
    const char *refname = record_field(ctx, T_REFNAME);
    if (refname[0] == '\n') /* the newline that ended the previous record */
      refname++;
    const char *type = record_field(ctx, T_TYPE);
    gboolean annotated = strcmp(type, "tag") == 0;
    const char *target = annotated ? record_field(ctx, T_PEELED) : record_field(ctx, T_OBJECT);
    /* Tags of trees, blobs or other tags are no point in a commit history. */
    if (annotated ? strcmp(record_field(ctx, T_PEELED_TYPE), "commit") != 0
                  : strcmp(type, "commit") != 0)
      continue;

    TagRecord *t = g_new0(TagRecord, 1);
    t->refname = g_strdup(refname);
    t->annotated = annotated;
    t->object = steal_field(ctx, T_OBJECT);
    t->target = g_strdup(target);
    t->date = steal_field(ctx, T_DATE);
    if (annotated) {
      t->tagger = steal_field(ctx, T_TAGGER);
      t->tagger_email = strip_angles(steal_field(ctx, T_TAGGER_EMAIL));
      t->subject = steal_field(ctx, T_SUBJECT);
      t->body = g_strchomp(steal_field(ctx, T_BODY));
    }
    g_ptr_array_add(ctx->tags, t);
    GPtrArray *list = g_hash_table_lookup(ctx->tags_by_target, t->target);
    if (!list) {
      list = g_ptr_array_new();
      g_hash_table_insert(ctx->tags_by_target, t->target, list);
    }
    g_ptr_array_add(list, t);
  }
}

static gboolean
emit_tag(GitContext *ctx, const TagRecord *t, GError **error)
{
  const char *name = g_str_has_prefix(t->refname, "refs/tags/") ? t->refname + 10 : t->refname;
  gint64 usec;
  gint32 offset;
  char zone[8];
  if (!parse_raw_date(t->date, &usec, &offset, zone))
    return tw_sink_warn(ctx->sink, ctx->repo, 0, error, "tag %s: no date git can give ('%s')", name,
                        t->date);

  TwEventBuilder *b = tw_sink_begin(ctx->sink, ctx->repo, 0);
  set_date(b, usec, offset, zone);
  g_string_printf(ctx->text, "Tag %s", name);
  if (t->annotated && t->subject && *t->subject)
    g_string_append_printf(ctx->text, ": %s", t->subject);
  tw_event_builder_set_title(b, ctx->text->str);
  if (t->annotated && t->body && *t->body)
    tw_event_builder_set_description(b, t->body);
  tw_event_builder_set_kind(b, "tag");
  if (t->annotated && t->tagger)
    tw_event_builder_add_actor(b, t->tagger);
  tw_event_builder_set_attribute(b, "tag", name);
  tw_event_builder_set_attribute(b, "tag-type", t->annotated ? "annotated" : "lightweight");
  tw_event_builder_set_attribute(b, "target", t->target);
  if (t->annotated) {
    tw_event_builder_set_attribute(b, "tag-object", t->object);
    if (t->tagger_email && *t->tagger_email)
      tw_event_builder_set_attribute(b, "tagger-email", t->tagger_email);
  }
  tw_event_builder_set_native_id(b, t->refname);
  g_autoptr(GError) problem = NULL;
  if (!tw_sink_commit(ctx->sink, &problem))
    return tw_sink_warn_error(ctx->sink, problem, error);
  return TRUE;
}

/* The contacts asked of `git check-mailmap` (TagRecord, one each, in order) and where its
 * answers have come to. */
typedef struct MailmapQuery {
  GPtrArray *tags;
  guint done;
} MailmapQuery;

/* Reads check-mailmap's answers, one line a contact in the order asked: `Name <email>`. */
static gboolean
read_mailmap(GitContext *ctx, Tokens *tokens, GError **error)
{
  MailmapQuery *query = ctx->query;
  if (!next_token(tokens, error))
    return error == NULL || *error == NULL;
  g_auto(GStrv) lines = g_strsplit(tokens->token->str, "\n", -1);
  for (guint i = 0; lines[i] && query->done < query->tags->len; i++) {
    char *open = strrchr(lines[i], '<');
    gsize n = strlen(lines[i]);
    if (!open || n == 0 || lines[i][n - 1] != '>')
      return fail(ctx, error, "git check-mailmap: unexpected output '%s'", lines[i]);
    lines[i][n - 1] = '\0';
    TagRecord *t = g_ptr_array_index(query->tags, query->done++);
    g_free(t->tagger_email);
    t->tagger_email = g_strdup(open + 1);
    *open = '\0';
    g_free(t->tagger);
    t->tagger = g_strdup(g_strchomp(lines[i]));
  }
  if (query->done != query->tags->len)
    return fail(ctx, error, "git check-mailmap: %u answers to %u contacts", query->done,
                query->tags->len);
  return TRUE;
}

/* Gives the taggers of the tags to be shown the names and emails .mailmap gives them, as git
 * log's %aN and %aE give the commits' authors (for-each-ref's %(taggername:mailmap) needs git
 * 2.41). A contact git could not parse (none, as an annotated tag without a tagger line has,
 * or a `<` or `>`, which git's own identities never have) is left as it is: check-mailmap would
 * refuse the whole list. */
static gboolean
map_taggers(GitContext *ctx, GError **error)
{
  /* Tags are few next to commits: their contacts go on the command line, 256 at a time. */
  enum { CONTACTS_PER_RUN = 256 };
  g_autoptr(GPtrArray) tags = g_ptr_array_new();
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i <= ctx->tags->len; i++) {
    TagRecord *t = i < ctx->tags->len ? g_ptr_array_index(ctx->tags, i) : NULL;
    if (t && t->listed && t->annotated && t->tagger && (*t->tagger || *t->tagger_email) &&
        strpbrk(t->tagger, "<>\n") == NULL && strpbrk(t->tagger_email, "<>\n") == NULL) {
      g_ptr_array_add(tags, t);
      g_ptr_array_add(args, g_strdup_printf("%s <%s>", t->tagger, t->tagger_email));
    }
    if (tags->len == CONTACTS_PER_RUN || (t == NULL && tags->len > 0)) {
      g_ptr_array_insert(args, 0, g_strdup("check-mailmap"));
      g_ptr_array_insert(args, 1, g_strdup("--"));
      g_ptr_array_add(args, NULL);
      MailmapQuery query = {tags, 0};
      ctx->query = &query;
      gboolean ok =
          run_git(ctx, "git check-mailmap", (const char *const *)args->pdata, read_mailmap, error);
      ctx->query = NULL;
      if (!ok)
        return FALSE;
      g_ptr_array_set_size(tags, 0);
      g_ptr_array_set_size(args, 0);
    }
  }
  return TRUE;
}

/* -------------------------------------------------------------- commits */

static gboolean
is_hash(const char *text)
{
  gsize n = strlen(text);
  return (n == 40 || n == 64) && strspn(text, "0123456789abcdef") == n;
}

static gboolean
emit_commit(GitContext *ctx, guint n_paths, GError **error)
{
  const char *hash = record_field(ctx, F_HASH);
  char short_hash[13];
  g_strlcpy(short_hash, hash, sizeof short_hash);
  if (!is_hash(hash))
    return fail(ctx, error, "git log: unexpected output: '%s' is no commit hash", short_hash);

  gint64 usec, committed;
  gint32 offset, committer_offset;
  char zone[8], committer_zone[8];
  if (!parse_raw_date(record_field(ctx, F_AUTHOR_DATE), &usec, &offset, zone))
    return tw_sink_warn(ctx->sink, ctx->repo, 0, error, "commit %s: bad author date '%s'",
                        short_hash, record_field(ctx, F_AUTHOR_DATE));
  if (!parse_raw_date(record_field(ctx, F_COMMITTER_DATE), &committed, &committer_offset,
                      committer_zone))
    return tw_sink_warn(ctx->sink, ctx->repo, 0, error, "commit %s: bad committer date '%s'",
                        short_hash, record_field(ctx, F_COMMITTER_DATE));

  GPtrArray *tags = g_hash_table_lookup(ctx->tags_by_target, hash);
  for (guint i = 0; tags && i < tags->len; i++) {
    TagRecord *t = g_ptr_array_index(tags, i);
    t->listed = TRUE;
    /* An annotated tag without a tagger line (git's own first tags, v0.99 and the like, were
     * written so) has no date of its own: it takes its commit's, as a lightweight tag does. */
    if (!*t->date) {
      g_free(t->date);
      t->date = g_strdup(record_field(ctx, F_COMMITTER_DATE));
    }
  }

  const char *parents = record_field(ctx, F_PARENTS);
  guint n_parents = 0;
  for (const char *p = parents; *p;) {
    n_parents++;
    p += strcspn(p, " ");
    p += strspn(p, " ");
  }

  TwEventBuilder *b = tw_sink_begin(ctx->sink, ctx->repo, 0);
  set_date(b, usec, offset, zone);
  const char *subject = record_field(ctx, F_SUBJECT);
  if (*subject) {
    tw_event_builder_set_title(b, subject);
  } else {
    g_string_printf(ctx->text, "Commit %.12s (no message)", hash);
    tw_event_builder_set_title(b, ctx->text->str);
  }
  char *body = g_strchomp((char *)record_field(ctx, F_BODY));
  if (*body)
    tw_event_builder_set_description(b, body);
  tw_event_builder_set_kind(b, n_parents > 1 ? "merge" : "commit");
  tw_event_builder_add_actor(b, record_field(ctx, F_AUTHOR));
  tw_event_builder_set_attribute(b, "hash", hash);
  if (*record_field(ctx, F_AUTHOR_EMAIL))
    tw_event_builder_set_attribute(b, "author-email", record_field(ctx, F_AUTHOR_EMAIL));
  tw_event_builder_set_attribute(b, "committer", record_field(ctx, F_COMMITTER));
  if (*record_field(ctx, F_COMMITTER_EMAIL))
    tw_event_builder_set_attribute(b, "committer-email", record_field(ctx, F_COMMITTER_EMAIL));
  char when[64];
  format_local(committed, committer_offset, committer_zone, when, sizeof when);
  tw_event_builder_set_attribute(b, "committer-date", when);
  if (*parents)
    tw_event_builder_set_attribute(b, "parents", parents);
  char count[16];
  g_snprintf(count, sizeof count, "%u", n_paths);
  tw_event_builder_set_attribute(b, "changed-paths", count);
  tw_event_builder_set_native_id(b, hash);

  g_autoptr(GError) problem = NULL;
  if (!tw_sink_commit(ctx->sink, &problem))
    return tw_sink_warn_error(ctx->sink, problem, error);
  return TRUE;
}

static gboolean
read_log(GitContext *ctx, Tokens *tokens, GError **error)
{
  if (!next_token(tokens, error))
    return error == NULL || *error == NULL; /* no commits */
  if (tokens->token->len != 0)
    return fail(ctx, error, "git log: unexpected output (not the requested format)");

  for (;;) {
    gboolean truncated;
    if (!read_fields(ctx, tokens, N_LOG_FIELDS, &truncated, error)) {
      if (!truncated)
        return FALSE;
      return fail(ctx, error, "git log: output ends within a commit");
    }
    /* The changed paths, up to the next commit's empty start field or the end. */
    guint n_paths = 0;
    gboolean more;
    while ((more = next_token(tokens, error)) && tokens->token->len > 0) {
      if (!(n_paths == 0 && tokens->token->len == 1 && tokens->token->str[0] == '\n'))
        n_paths++;
    }
    if (!more && error && *error)
      return FALSE;
    if (!emit_commit(ctx, n_paths, error))
      return FALSE;
    if (!more)
      return TRUE;
  }
}

/* -------------------------------------------------------------- the source */

static gboolean
git_read(TwSource *source, TwSink *sink, GError **error)
{
  const TwOptions *options = tw_source_get_options(source);
  const char *repo = tw_source_get_path(source);
  GitContext ctx = {.sink = sink, .repo = repo};

  if (strcmp(repo, "-") == 0 || strstr(repo, "://"))
    return fail(&ctx, error, "the git source reads a repository folder, not a stream");
  if (!g_file_test(repo, G_FILE_TEST_EXISTS))
    return fail(&ctx, error, "no such folder");
  if (!g_file_test(repo, G_FILE_TEST_IS_DIR))
    return fail(&ctx, error, "not a folder (a git repository is a folder)");

  ctx.tags_by_target =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  ctx.tags = g_ptr_array_new_with_free_func(tag_record_free);
  ctx.fields = g_ptr_array_new_with_free_func(g_free);
  ctx.text = g_string_new(NULL);

  gboolean ok = TRUE;
  if (tw_options_get_bool(options, "tags")) {
    static const char *const args[] = {"for-each-ref", "--sort=refname", TAG_FORMAT, "refs/tags",
                                       NULL};
    ok = run_git(&ctx, "git for-each-ref", args, read_tags, error);
  }

  if (ok) {
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    static const char *const fixed[] = {"log",
                                        "-z",
                                        "--no-color",
                                        "--no-show-signature",
                                        "--no-follow",
                                        "--no-relative",
                                        "--no-renames",
                                        "--name-only",
                                        "--root",
                                        "--diff-merges=first-parent",
                                        "--encoding=UTF-8",
                                        "--date=raw",
                                        LOG_FORMAT};
    for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
      g_ptr_array_add(args, (gpointer)fixed[i]);
    if (tw_options_get_bool(options, "all")) {
      /* Every branch, tag and remote: not the stash (its commits are merges of the work tree)
       * and not notes (commits of annotations, not of the project). */
      g_ptr_array_add(args, (gpointer) "--exclude=refs/stash");
      g_ptr_array_add(args, (gpointer) "--exclude=refs/notes/*");
      g_ptr_array_add(args, (gpointer) "--all");
    }
    g_ptr_array_add(args, (gpointer) "--end-of-options");
    /* Without a range git reads HEAD, and says so plainly when there is no commit yet. */
    g_auto(GStrv) revisions = NULL;
    if (tw_options_is_set(options, "range")) {
      revisions = g_strsplit_set(tw_options_get_string(options, "range"), " \t", -1);
      for (guint i = 0; revisions[i]; i++)
        if (*revisions[i])
          g_ptr_array_add(args, revisions[i]);
    }
    g_ptr_array_add(args, (gpointer) "--");
    const char *const *paths = tw_options_get_list(options, "paths");
    for (guint i = 0; paths[i]; i++)
      g_ptr_array_add(args, (gpointer)paths[i]);
    g_ptr_array_add(args, NULL);
    ok = run_git(&ctx, "git log", (const char *const *)args->pdata, read_log, error);
  }

  if (ok)
    ok = map_taggers(&ctx, error);
  for (guint i = 0; ok && i < ctx.tags->len; i++) {
    const TagRecord *t = g_ptr_array_index(ctx.tags, i);
    if (t->listed)
      ok = emit_tag(&ctx, t, error);
  }

  g_hash_table_unref(ctx.tags_by_target);
  g_ptr_array_unref(ctx.tags);
  g_ptr_array_unref(ctx.fields);
  g_string_free(ctx.text, TRUE);
  return ok;
}

static const TwOptionSpec git_options[] = {
    {"range",
     TW_OPTION_STRING,
     "HEAD",
     "The revisions to read, as git log takes them: a branch, a tag, a range (v1.0..main, "
     "main...topic) or several separated by spaces (main ^old).",
     NULL,
     {NULL}},
    {"paths",
     TW_OPTION_LIST,
     NULL,
     "Only commits that change these paths (git pathspecs relative to the repository folder, "
     "separated by ;).",
     NULL,
     {NULL}},
    {"all",
     TW_OPTION_BOOL,
     "false",
     "Read the history of every branch, tag and remote-tracking branch (git log --all, without "
     "the stash and notes), together with range when it is given.",
     NULL,
     {NULL}},
    {"tags",
     TW_OPTION_BOOL,
     "true",
     "Give each tag that points at a commit read an event of its own (kind tag): an annotated "
     "tag at its tagger's date, a lightweight one at its commit's committer date.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

static const TwSourceInfo git_source = {
    .name = "git",
    .summary = "A git repository's history: commits, merges and tags",
    .description =
        "Runs git itself (git log and git for-each-ref, streamed) on the repository folder. "
        "Each commit is an event at its author date, in the author's offset (the zone), with "
        "the subject as title, the rest of the message as description, the author as actor "
        "(names and emails as .mailmap gives them) and the attributes hash, author-email, "
        "committer, committer-email, committer-date (with the committer's offset), parents "
        "(full hashes, separated by spaces; none for a root commit) and changed-paths (how many "
        "paths the commit changed; a merge against its first parent; a rename is two paths). A "
        "commit with two or more parents is of kind merge, others of kind commit. Tags of the "
        "commits read are events of kind tag. A folder that is no repository fails with "
        "'REPO: not a git repository'; git's own failures (a bad range) are one line naming the "
        "repository.",
    .options = git_options,
    .read = git_read,
};

static const TwSourceInfo *const git_sources[] = {&git_source, NULL};

TW_PLUGIN_DEFINE("git", TW_VERSION, "Reads git history", NULL, git_sources, NULL, NULL)
