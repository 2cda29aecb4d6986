/* timeweave tests: the git source plugin.
 *
 * Each run builds a real repository in a temporary folder with git itself, with fixed names,
 * dates and zones (GIT_AUTHOR_DATE, GIT_COMMITTER_DATE, ...), so that every commit hash is the
 * same on every machine: commits in several zones (one on each side of a DST change), a commit
 * whose paths have a space and a newline in them, a merge, an empty commit, an unmerged branch,
 * a lightweight and an annotated tag. The plugin is loaded from the build tree and run through a
 * real TwJob; hashes are checked against `git rev-parse`. git is configured only by this test:
 * HOME is the scratch folder and the system configuration is off. */
#include <string.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwRegistry *registry;
static char *scratch;
static char *repo;

/* -- building the repository -- */

/* Runs git in @dir with the author and committer of @who ("Ada Lovelace <ada@example.org>")
 * at @when (an ISO date with offset; NULL keeps the previous commit's), returning its stdout. */
static char *
git_in(const char *dir, const char *author, const char *author_date, const char *committer,
       const char *committer_date, const char *const *args)
{
  g_auto(GStrv) env = g_get_environ();
  struct {
    const char *who;
    const char *name_var, *email_var;
  } people[] = {{author, "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL"},
                {committer, "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"}};
  for (guint i = 0; i < G_N_ELEMENTS(people); i++) {
    if (!people[i].who)
      continue;
    const char *lt = strchr(people[i].who, '<');
    g_autofree char *name = g_strstrip(g_strndup(people[i].who, (gsize)(lt - people[i].who)));
    g_autofree char *email = g_strndup(lt + 1, strlen(lt + 1) - 1);
    env = g_environ_setenv(env, people[i].name_var, name, TRUE);
    env = g_environ_setenv(env, people[i].email_var, email, TRUE);
  }
  if (author_date)
    env = g_environ_setenv(env, "GIT_AUTHOR_DATE", author_date, TRUE);
  if (committer_date)
    env = g_environ_setenv(env, "GIT_COMMITTER_DATE", committer_date, TRUE);

  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (gpointer) "git");
  g_ptr_array_add(argv, (gpointer) "-C");
  g_ptr_array_add(argv, (gpointer)dir);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add(argv, (gpointer)args[i]);
  g_ptr_array_add(argv, NULL);

  char *out = NULL;
  g_autofree char *err = NULL;
  int status;
  g_autoptr(GError) error = NULL;
  if (!g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                    &status, &error))
    g_error("git: %s", error->message);
  if (!g_spawn_check_wait_status(status, NULL))
    g_error("git %s failed: %s", args[0], err);
  return out;
}

static void
write_file(const char *dir, const char *name, const char *content)
{
  g_autofree char *path = g_build_filename(dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname(path);
  g_mkdir_with_parents(parent, 0755);
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_set_contents(path, content, -1, &error));
}

#define ADA "Ada Lovelace <ada@example.org>"
#define GRACE "Grace Hopper <grace@example.org>"
#define CHARLES "Charles Babbage <charles@example.org>"

static void
commit(const char *author, const char *author_date, const char *committer,
       const char *committer_date, const char *const *args)
{
  g_free(git_in(repo, author, author_date, committer, committer_date, args));
}

static char *
rev_parse(const char *rev)
{
  const char *args[] = {"rev-parse", rev, NULL};
  char *out = git_in(repo, NULL, NULL, NULL, NULL, args);
  return g_strstrip(out);
}

/*
 * The history (author dates; main is the first parent line):
 *   c1 2026-01-05 10:00 +01:00  Initial commit          README.md, "docs/with space.md",
 * "odd\nname.txt" c2 2026-02-10 09:15 -08:00  Add the parser (Grace)  README.md, src/parser.c <-
 * v0.1 (light) c3 2026-02-12 14:00 +05:30  Add a feature (side)    src/feature.c c4 2026-02-13
 * 08:00 +01:00  Fix the README wording  README.md  (a two-line subject) c5 2026-02-14 09:00 +01:00
 * Merge branch 'side'     (c4, c3)                     <- v1.0 (annotated) c6 2026-03-29 03:30
 * +02:00  Empty commit after the clocks went forward (no paths) w1 2026-04-01 12:00 +02:00  Work in
 * progress (branch wip, never merged)         <- wip-tag
 */
static void
build_repository(void)
{
  repo = g_build_filename(scratch, "project", NULL);
  g_mkdir_with_parents(repo, 0755);
  const char *init[] = {"init", "-q", "-b", "main", NULL};
  commit(NULL, NULL, NULL, NULL, init);

  write_file(repo, "README.md", "# Project\n");
  write_file(repo, "docs/with space.md", "docs\n");
  write_file(repo, "odd\nname.txt", "odd\n");
  const char *add_all[] = {"add", "-A", NULL};
  commit(NULL, NULL, NULL, NULL, add_all);
  const char *c1[] = {"commit", "-q",
                      "-m",     "Initial commit",
                      "-m",     "Sets up the project.\nSecond line of the body.",
                      NULL};
  commit(ADA, "2026-01-05T10:00:00+01:00", CHARLES, "2026-01-05T11:30:00+01:00", c1);

  write_file(repo, "README.md", "# Project\n\nA parser.\n");
  write_file(repo, "src/parser.c", "int parse(void);\n");
  commit(NULL, NULL, NULL, NULL, add_all);
  const char *c2[] = {"commit", "-q", "-m", "Add the parser", NULL};
  commit(GRACE, "2026-02-10T09:15:00-08:00", CHARLES, "2026-02-11T10:00:00+01:00", c2);
  const char *light[] = {"tag", "v0.1", NULL};
  commit(NULL, NULL, NULL, NULL, light);

  const char *side[] = {"checkout", "-q", "-b", "side", NULL};
  commit(NULL, NULL, NULL, NULL, side);
  write_file(repo, "src/feature.c", "int feature(void);\n");
  commit(NULL, NULL, NULL, NULL, add_all);
  const char *c3[] = {"commit", "-q", "-m", "Add a feature, Grüße aus Köln", NULL};
  commit(GRACE, "2026-02-12T14:00:00+05:30", GRACE, "2026-02-12T14:05:00+05:30", c3);

  const char *main_branch[] = {"checkout", "-q", "main", NULL};
  commit(NULL, NULL, NULL, NULL, main_branch);
  write_file(repo, "README.md", "# Project\n\nA parser, well described.\n");
  commit(NULL, NULL, NULL, NULL, add_all);
  const char *c4[] = {"commit", "-q", "-m", "Fix the\nREADME wording", "-m", "Closes #12.", NULL};
  commit(ADA, "2026-02-13T08:00:00+01:00", ADA, "2026-02-13T08:00:00+01:00", c4);

  const char *merge[] = {"merge", "-q", "--no-ff", "--no-edit", "side", NULL};
  commit(ADA, "2026-02-14T09:00:00+01:00", CHARLES, "2026-02-14T09:10:00+01:00", merge);
  const char *annotated[] = {
      "tag", "-a", "v1.0", "-m", "Release 1.0", "-m", "First stable release.", NULL};
  commit(ADA, NULL, CHARLES, "2026-02-15T12:00:00+01:00", annotated);

  const char *c6[] = {
      "commit", "-q", "--allow-empty", "-m", "Empty commit after the clocks went forward", NULL};
  commit(ADA, "2026-03-29T03:30:00+02:00", ADA, "2026-03-29T03:30:00+02:00", c6);

  const char *wip[] = {"checkout", "-q", "-b", "wip", NULL};
  commit(NULL, NULL, NULL, NULL, wip);
  write_file(repo, "notes.txt", "todo\n");
  commit(NULL, NULL, NULL, NULL, add_all);
  const char *w1[] = {"commit", "-q", "-m", "Work in progress", NULL};
  commit(ADA, "2026-04-01T12:00:00+02:00", ADA, "2026-04-01T12:00:00+02:00", w1);
  const char *wip_tag[] = {"tag", "wip-tag", NULL};
  commit(NULL, NULL, NULL, NULL, wip_tag);
  commit(NULL, NULL, NULL, NULL, main_branch);
}

/* -- running the source -- */

static TwJob *
run_git(const char *path, const char *const *options, gboolean *ok, GError **error)
{
  TwJob *job = tw_job_new(registry);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);

  for (guint i = 0; options && options[i]; i++) {
    const char *eq = strchr(options[i], '=');
    g_assert_nonnull(eq);
    g_ptr_array_add(keys, g_strndup(options[i], (gsize)(eq - options[i])));
    g_ptr_array_add(values, g_strdup(eq + 1));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
  tw_job_set_threads(job, 1);
  g_autoptr(GError) add_error = NULL;
  gboolean added = tw_job_add_source(job, "git", NULL, path, NULL, (const char *const *)keys->pdata,
                                     (const char *const *)values->pdata, &add_error);
  g_assert_no_error(add_error);
  g_assert_true(added);
  *ok = tw_job_run(job, error);
  return job;
}

static TwJob *
run_ok(const char *const *options)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_git(repo, options, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  return job;
}

static char *
run_fail(const char *path, const char *const *options)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_git(path, options, &ok, &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_assert_null(strchr(error->message, '\n'));
  tw_job_free(job);
  return g_strdup(error->message);
}

static gint64
utc(int year, int month, int day, int hour, int minute, int second)
{
  return tw_civil_to_usec(year, month, day, hour, minute, second);
}

/* The event whose title is @title; fails unless there is exactly one. */
static const TwEvent *
by_title(const TwJob *job, const char *title)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  const TwEvent *found = NULL;
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    if (strcmp(tw_event_get_title(e), title) == 0) {
      g_assert_null(found);
      found = e;
    }
  }
  if (!found)
    g_error("no event titled '%s'", title);
  return found;
}

static gboolean
has_title(const TwJob *job, const char *title)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
    if (strcmp(tw_event_get_title(tw_timeline_get_event(timeline, i)), title) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
has_title_prefix(const TwJob *job, const char *prefix)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
    if (g_str_has_prefix(tw_event_get_title(tw_timeline_get_event(timeline, i)), prefix))
      return TRUE;
  return FALSE;
}

/* Asserts the attributes of @e, in order: @expected is key, value, ..., NULL. */
static void
assert_attributes(const TwEvent *e, const char *const *expected)
{
  guint n = 0;
  while (expected[2 * n])
    n++;
  for (guint i = 0; i < MIN(n, tw_event_get_n_attributes(e)); i++) {
    g_assert_cmpstr(tw_event_get_attribute(e, i)->key, ==, expected[2 * i]);
    g_assert_cmpstr(tw_event_get_attribute(e, i)->value, ==, expected[2 * i + 1]);
  }
  g_assert_cmpuint(tw_event_get_n_attributes(e), ==, n);
}

static void
assert_exact(const TwEvent *e, gint64 usec, const char *zone)
{
  g_assert_cmpint(tw_event_get_start(e), ==, usec);
  g_assert_cmpint(tw_event_get_end(e), ==, usec);
  g_assert_cmpint(tw_event_get_precision(e), ==, TW_PRECISION_EXACT);
  g_assert_false(tw_event_is_floating(e));
  g_assert_cmpstr(tw_event_get_zone(e), ==, zone);
}

/* -- the history -- */

static void
test_history(void)
{
  TwJob *job = run_ok(NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_autofree char *c1 = rev_parse("v0.1^");
  g_autofree char *c2 = rev_parse("v0.1");
  g_autofree char *c3 = rev_parse("side");
  g_autofree char *c4 = rev_parse("HEAD~1^1");
  g_autofree char *c5 = rev_parse("HEAD~1");
  g_autofree char *c6 = rev_parse("HEAD");
  g_autofree char *v1_object = rev_parse("v1.0");

  /* Six commits of main (not wip's) and the two tags of commits on main. */
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 8);
  g_assert_cmpstr(tw_job_get_source_name(job, 0), ==, "project");

  const TwEvent *e = by_title(job, "Initial commit");
  assert_exact(e, utc(2026, 1, 5, 9, 0, 0), "+01:00");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "commit");
  g_assert_cmpstr(tw_event_get_description(e), ==,
                  "Sets up the project.\nSecond line of the body.");
  g_assert_cmpstr(tw_event_get_source(e), ==, "project");
  g_assert_cmpuint(tw_event_get_n_actors(e), ==, 1);
  g_assert_cmpstr(tw_event_get_actor(e, 0), ==, "Ada Lovelace");
  g_assert_cmpuint(tw_event_get_n_tags(e), ==, 0);
  g_assert_null(tw_event_get_location(e));
  g_assert_null(tw_event_get_url(e));
  /* Three paths: one with a space, one with a newline (git -z keeps them whole); no parents. */
  const char *c1_attributes[] = {"hash",
                                 c1,
                                 "author-email",
                                 "ada@example.org",
                                 "committer",
                                 "Charles Babbage",
                                 "committer-email",
                                 "charles@example.org",
                                 "committer-date",
                                 "2026-01-05T11:30:00+01:00",
                                 "changed-paths",
                                 "3",
                                 NULL};
  assert_attributes(e, c1_attributes);
  g_assert_cmpuint(strlen(tw_event_get_id(e)), ==, 32);

  /* Another zone: the author's offset is the zone, the committer's is in its attribute. */
  e = by_title(job, "Add the parser");
  assert_exact(e, utc(2026, 2, 10, 17, 15, 0), "-08:00");
  g_assert_null(tw_event_get_description(e));
  g_assert_cmpstr(tw_event_get_actor(e, 0), ==, "Grace Hopper");
  const char *c2_attributes[] = {"hash",
                                 c2,
                                 "author-email",
                                 "grace@example.org",
                                 "committer",
                                 "Charles Babbage",
                                 "committer-email",
                                 "charles@example.org",
                                 "committer-date",
                                 "2026-02-11T10:00:00+01:00",
                                 "parents",
                                 c1,
                                 "changed-paths",
                                 "2",
                                 NULL};
  assert_attributes(e, c2_attributes);

  e = by_title(job, "Add a feature, Grüße aus Köln");
  assert_exact(e, utc(2026, 2, 12, 8, 30, 0), "+05:30");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "committer-date"), ==, "2026-02-12T14:05:00+05:30");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "parents"), ==, c2);
  g_assert_cmpstr(tw_event_lookup_attribute(e, "changed-paths"), ==, "1");

  /* git's subject is the first paragraph on one line. */
  e = by_title(job, "Fix the README wording");
  assert_exact(e, utc(2026, 2, 13, 7, 0, 0), "+01:00");
  g_assert_cmpstr(tw_event_get_description(e), ==, "Closes #12.");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "hash"), ==, c4);

  /* The merge: its own kind, both parents, the paths it brought into main. */
  e = by_title(job, "Merge branch 'side'");
  assert_exact(e, utc(2026, 2, 14, 8, 0, 0), "+01:00");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "merge");
  g_autofree char *parents = g_strdup_printf("%s %s", c4, c3);
  g_assert_cmpstr(tw_event_lookup_attribute(e, "parents"), ==, parents);
  g_assert_cmpstr(tw_event_lookup_attribute(e, "changed-paths"), ==, "1");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "hash"), ==, c5);
  g_assert_null(tw_event_get_description(e));

  /* Summer time: +02:00 after the spring-forward night. No paths. */
  e = by_title(job, "Empty commit after the clocks went forward");
  assert_exact(e, utc(2026, 3, 29, 1, 30, 0), "+02:00");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "changed-paths"), ==, "0");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "hash"), ==, c6);

  /* The lightweight tag: its commit's committer date, no tagger. */
  e = by_title(job, "Tag v0.1");
  assert_exact(e, utc(2026, 2, 11, 9, 0, 0), "+01:00");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "tag");
  g_assert_cmpuint(tw_event_get_n_actors(e), ==, 0);
  g_assert_null(tw_event_get_description(e));
  const char *light_attributes[] = {"tag", "v0.1", "tag-type", "lightweight", "target", c2, NULL};
  assert_attributes(e, light_attributes);

  /* The annotated tag: its tagger, date, subject and message. */
  e = by_title(job, "Tag v1.0: Release 1.0");
  assert_exact(e, utc(2026, 2, 15, 11, 0, 0), "+01:00");
  g_assert_cmpstr(tw_event_get_description(e), ==, "First stable release.");
  g_assert_cmpstr(tw_event_get_actor(e, 0), ==, "Charles Babbage");
  const char *annotated_attributes[] = {
      "tag",        "v1.0",    "tag-type",     "annotated",           "target", c5,
      "tag-object", v1_object, "tagger-email", "charles@example.org", NULL};
  assert_attributes(e, annotated_attributes);
  g_assert_cmpstr(v1_object, !=, c5);

  /* The same repository gives the same ids on every run. */
  TwJob *again = run_ok(NULL);
  const TwTimeline *again_timeline = tw_job_get_timeline(again);
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
    g_assert_cmpstr(tw_event_get_id(tw_timeline_get_event(timeline, i)), ==,
                    tw_event_get_id(tw_timeline_get_event(again_timeline, i)));
  tw_job_free(again);
  tw_job_free(job);
}

/* range, paths, all and tags choose what is read. */
static void
test_options(void)
{
  /* A range: the commits after v0.1, and the tag of one of them. */
  const char *range[] = {"range=v0.1..HEAD", NULL};
  TwJob *job = run_ok(range);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 5);
  g_assert_false(has_title(job, "Add the parser"));
  g_assert_false(has_title(job, "Tag v0.1"));
  g_assert_true(has_title(job, "Tag v1.0: Release 1.0"));
  g_assert_true(has_title(job, "Add a feature, Grüße aus Köln"));
  tw_job_free(job);

  /* Several revisions separated by spaces, as git log takes them. */
  const char *two[] = {"range=side ^v0.1", NULL};
  job = run_ok(two);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 1);
  g_assert_true(has_title(job, "Add a feature, Grüße aus Köln"));
  tw_job_free(job);

  /* Paths: the commits that changed them (a list separated by ;). */
  const char *paths[] = {"paths=src/parser.c;docs", "tags=false", NULL};
  job = run_ok(paths);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 2);
  g_assert_true(has_title(job, "Initial commit"));
  g_assert_true(has_title(job, "Add the parser"));
  tw_job_free(job);

  /* A branch by name. */
  const char *wip[] = {"range=wip", NULL};
  job = run_ok(wip);
  g_assert_true(has_title(job, "Work in progress"));
  g_assert_true(has_title(job, "Tag wip-tag"));
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 10);
  tw_job_free(job);

  /* all: every branch, so wip's commit and tag too. */
  const char *all[] = {"all=true", NULL};
  job = run_ok(all);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 10);
  const TwEvent *e = by_title(job, "Work in progress");
  assert_exact(e, utc(2026, 4, 1, 10, 0, 0), "+02:00");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "changed-paths"), ==, "1");
  tw_job_free(job);

  /* all with a range: both. */
  const char *all_range[] = {"all=true", "range=v0.1", "tags=false", NULL};
  job = run_ok(all_range);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 7);
  tw_job_free(job);

  /* No tags. */
  const char *no_tags[] = {"tags=false", NULL};
  job = run_ok(no_tags);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 6);
  g_assert_false(has_title(job, "Tag v0.1"));
  tw_job_free(job);
}

/* A stash and notes are not history, even with all=true. */
static void
test_stash_and_notes(void)
{
  g_autofree char *copy = g_build_filename(scratch, "with-stash", NULL);
  const char *clone[] = {"clone", "-q", repo, copy, NULL};
  g_free(git_in(scratch, NULL, NULL, NULL, NULL, clone));
  write_file(copy, "README.md", "changed but not committed\n");
  const char *stash[] = {"stash", "-q", NULL};
  g_free(git_in(copy, ADA, "2026-05-01T10:00:00+02:00", ADA, "2026-05-01T10:00:00+02:00", stash));
  const char *note[] = {"notes", "add", "-m", "A note", "HEAD", NULL};
  g_free(git_in(copy, ADA, "2026-05-02T10:00:00+02:00", ADA, "2026-05-02T10:00:00+02:00", note));

  const char *all[] = {"all=true", "tags=false", NULL};
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_git(copy, all, &ok, &error);
  g_assert_no_error(error);
  /* main and origin/main (the clone has no wip branch of its own, but origin/wip). */
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 7);
  g_assert_false(has_title_prefix(job, "WIP on main"));
  g_assert_false(has_title_prefix(job, "index on main"));
  g_assert_false(has_title(job, "Notes added by 'git notes add'"));
  tw_job_free(job);
}

/* -- failures -- */

/* Runs the source on @path, which must fail with `PATH: @what`. */
static void
assert_failure(const char *path, const char *const *options, const char *what)
{
  g_autofree char *message = run_fail(path, options);
  g_autofree char *expected = g_strdup_printf("%s: %s", path, what);
  g_assert_cmpstr(message, ==, expected);
}

static void
test_errors(void)
{
  /* A folder that is no repository: git says so, in one line. */
  g_autofree char *plain = g_build_filename(scratch, "plain", NULL);
  g_mkdir_with_parents(plain, 0755);
  assert_failure(plain, NULL, "not a git repository");

  g_autofree char *missing = g_build_filename(scratch, "missing", NULL);
  assert_failure(missing, NULL, "no such folder");
  g_autofree char *file = g_build_filename(repo, "README.md", NULL);
  assert_failure(file, NULL, "not a folder (a git repository is a folder)");

  /* git's own failure: its first line, without `fatal: `. */
  const char *bad_range[] = {"range=no-such-branch", NULL};
  assert_failure(repo, bad_range, "git log: bad revision 'no-such-branch'");
  /* A range is never taken for one of git's options. */
  const char *option_range[] = {"range=--output=/tmp/x", NULL};
  assert_failure(repo, option_range, "git log: bad revision '--output=/tmp/x'");

  /* Standard input is no repository. */
  assert_failure("-", NULL, "the git source reads a repository folder, not a stream");
}

/* Writes a commit object as it is (git hash-object --literally), returning its hash. */
static char *
raw_commit(const char *dir, const char *content)
{
  g_autofree char *path = g_build_filename(scratch, "commit.txt", NULL);
  g_assert_true(g_file_set_contents(path, content, -1, NULL));
  const char *args[] = {"hash-object", "-t", "commit", "-w", "--literally", path, NULL};
  return g_strstrip(git_in(dir, NULL, NULL, NULL, NULL, args));
}

/* A repository whose commits have dates git keeps but timeweave cannot place; returns the
 * newest commit's hash. */
static char *
make_broken_repository(const char *dir)
{
  g_mkdir_with_parents(dir, 0755);
  const char *init[] = {"init", "-q", "-b", "main", NULL};
  g_free(git_in(dir, NULL, NULL, NULL, NULL, init));
  const char *mktree[] = {"hash-object", "-t", "tree", "-w", "/dev/null", NULL};
  g_autofree char *tree = g_strstrip(git_in(dir, NULL, NULL, NULL, NULL, mktree));

  /* git reads an author date it cannot parse as 0, and shows 1970 as git log does. */
  g_autofree char *text = g_strdup_printf("tree %s\nauthor Ada <ada@example.org> "
                                          "99999999999999999999 +0000\ncommitter Bob "
                                          "<bob@example.org> 1767225600 +0100\n\nUnparsable\n",
                                          tree);
  g_autofree char *c1 = raw_commit(dir, text);
  g_free(text);
  text = g_strdup_printf("tree %s\nparent %s\nauthor Ada <ada@example.org> 1767225600 +0199\n"
                         "committer Bob <bob@example.org> 1767225600 +0100\n\nBad offset\n",
                         tree, c1);
  g_autofree char *c2 = raw_commit(dir, text);
  g_free(text);
  text = g_strdup_printf("tree %s\nparent %s\nauthor Ada <ada@example.org> 1767225600 +0100\n"
                         "committer Bob <bob@example.org> 253402300800 +0000\n\nYear 10000\n",
                         tree, c2);
  char *c3 = raw_commit(dir, text);
  const char *update[] = {"update-ref", "refs/heads/main", c3, NULL};
  g_free(git_in(dir, NULL, NULL, NULL, NULL, update));
  return c3;
}

/* Such commits are skipped with a warning each, or the first one fails the run under --strict. */
static void
test_broken_dates(void)
{
  g_autofree char *dir = g_build_filename(scratch, "broken", NULL);
  g_autofree char *newest = make_broken_repository(dir);
  if (g_test_subprocess()) {
    g_autoptr(GError) error = NULL;
    gboolean ok;
    TwJob *job = run_git(dir, NULL, &ok, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
    g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 1);
    assert_exact(by_title(job, "Unparsable"), 0, "+00:00");
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*timeweave: */broken: warning: commit *: bad committer date "
                            "'253402300800 +0000'\n*");
  g_test_trap_assert_stderr("*timeweave: */broken: warning: commit *: bad author date "
                            "'1767225600 +0199'\n*");

  g_autoptr(GError) error = NULL;
  TwJob *job = tw_job_new(registry);
  tw_job_set_strict(job, TRUE);
  g_assert_true(tw_job_add_source(job, "git", NULL, dir, NULL, NULL, NULL, NULL));
  g_assert_false(tw_job_run(job, &error));
  g_autofree char *expected =
      g_strdup_printf("%s: commit %.12s: bad committer date '253402300800 +0000'", dir, newest);
  g_assert_cmpstr(error->message, ==, expected);
  tw_job_free(job);
}

/* An annotated tag without a tagger line, as git.git's v0.99 was written: it has no date of its
 * own, so it takes its commit's committer date like a lightweight tag, with no warning. */
static void
test_tag_without_tagger(void)
{
  g_autofree char *dir = g_build_filename(scratch, "old-tag", NULL);
  g_mkdir_with_parents(dir, 0755);
  const char *init[] = {"init", "-q", "-b", "main", NULL};
  g_free(git_in(dir, NULL, NULL, NULL, NULL, init));
  const char *mktree[] = {"hash-object", "-t", "tree", "-w", "/dev/null", NULL};
  g_autofree char *tree = g_strstrip(git_in(dir, NULL, NULL, NULL, NULL, mktree));
  g_autofree char *text = g_strdup_printf("tree %s\nauthor Ada <ada@example.org> 1767225600 +0100\n"
                                          "committer Bob <bob@example.org> 1767232800 -0500\n\n"
                                          "First release\n",
                                          tree);
  g_autofree char *target = raw_commit(dir, text);
  const char *update[] = {"update-ref", "refs/heads/main", target, NULL};
  g_free(git_in(dir, NULL, NULL, NULL, NULL, update));

  g_autofree char *tag_text =
      g_strdup_printf("object %s\ntype commit\ntag v0.99\n\nTest-release\n", target);
  g_autofree char *tag_path = g_build_filename(scratch, "tag.txt", NULL);
  g_assert_true(g_file_set_contents(tag_path, tag_text, -1, NULL));
  const char *write_tag[] = {"hash-object", "-t", "tag", "-w", tag_path, NULL};
  g_autofree char *tag = g_strstrip(git_in(dir, NULL, NULL, NULL, NULL, write_tag));
  const char *update_tag[] = {"update-ref", "refs/tags/v0.99", tag, NULL};
  g_free(git_in(dir, NULL, NULL, NULL, NULL, update_tag));

  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_git(dir, NULL, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 2);
  const TwEvent *e = by_title(job, "Tag v0.99: Test-release");
  assert_exact(e, 1767232800 * TW_USEC_PER_SEC, "-05:00");
  g_assert_cmpstr(tw_event_get_kind(e), ==, "tag");
  tw_job_free(job);
}

/* .mailmap names a tag's tagger as git log names a commit's author: one person, one name. A
 * tagger .mailmap does not know, even one whose name begins with `-`, is kept as it is. */
static void
test_mailmap(void)
{
  g_autofree char *dir = g_build_filename(scratch, "mailmap", NULL);
  g_mkdir_with_parents(dir, 0755);
  const char *init[] = {"init", "-q", "-b", "main", NULL};
  g_free(git_in(dir, NULL, NULL, NULL, NULL, init));
  write_file(dir, ".mailmap", "Ada Lovelace <ada@example.org> <ada@old.example.org>\n");
  const char *add[] = {"add", ".mailmap", NULL};
  g_free(git_in(dir, NULL, NULL, NULL, NULL, add));
#define ADA_OLD "A. Byron <ada@old.example.org>"
  const char *c1[] = {"commit", "-q", "-m", "Start", NULL};
  g_free(
      git_in(dir, ADA_OLD, "2026-01-05T10:00:00+01:00", ADA_OLD, "2026-01-05T10:00:00+01:00", c1));
  const char *tag[] = {"tag", "-a", "v1", "-m", "One", NULL};
  g_free(git_in(dir, NULL, NULL, ADA_OLD, "2026-01-06T10:00:00+01:00", tag));
  const char *dash_tag[] = {"tag", "-a", "v2", "-m", "Two", NULL};
  g_free(
      git_in(dir, NULL, NULL, "-Dash <dash@example.org>", "2026-01-07T10:00:00+01:00", dash_tag));
#undef ADA_OLD

  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_git(dir, NULL, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  const TwEvent *e = by_title(job, "Start");
  g_assert_cmpstr(tw_event_get_actor(e, 0), ==, "Ada Lovelace");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "author-email"), ==, "ada@example.org");
  e = by_title(job, "Tag v1: One");
  g_assert_cmpstr(tw_event_get_actor(e, 0), ==, "Ada Lovelace");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "tagger-email"), ==, "ada@example.org");
  e = by_title(job, "Tag v2: Two");
  g_assert_cmpstr(tw_event_get_actor(e, 0), ==, "-Dash");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "tagger-email"), ==, "dash@example.org");
  tw_job_free(job);
}

/* git missing: a clear message, not GLib's spawn error. In a subprocess, so that PATH changes
 * before any thread is started. */
static void
test_git_not_installed(void)
{
  if (g_test_subprocess()) {
    g_autofree char *empty_bin = g_build_filename(scratch, "empty-bin", NULL);
    g_mkdir_with_parents(empty_bin, 0755);
    g_setenv("PATH", empty_bin, TRUE);
    g_autofree char *message = run_fail(repo, NULL);
    g_autofree char *expected =
        g_strdup_printf("%s: cannot run git: it is not installed (no git on PATH)", repo);
    g_assert_cmpstr(message, ==, expected);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
}

/* A repository with no commit yet has no history: no events, no failure. */
static void
test_empty_repository(void)
{
  g_autofree char *empty = g_build_filename(scratch, "empty", NULL);
  g_mkdir_with_parents(empty, 0755);
  const char *init[] = {"init", "-q", "-b", "main", NULL};
  g_free(git_in(empty, NULL, NULL, NULL, NULL, init));
  for (guint all = 0; all < 2; all++) {
    const char *options[] = {all ? "all=true" : NULL, NULL};
    g_autoptr(GError) error = NULL;
    gboolean ok;
    TwJob *job = run_git(empty, options, &ok, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpuint(tw_timeline_get_n_events(tw_job_get_timeline(job)), ==, 0);
    tw_job_free(job);
  }
}

static void
test_option_table(void)
{
  const TwSourceInfo *info = tw_registry_find_source(registry, "git");
  g_assert_nonnull(info);
  g_assert_nonnull(info->description);
  static const char *const names[] = {"range", "paths", "all", "tags"};
  static const char *const defaults[] = {"HEAD", NULL, "false", "true"};
  guint n = 0;
  for (const TwOptionSpec *o = info->options; o->name; o++, n++) {
    g_assert_cmpuint(n, <, G_N_ELEMENTS(names));
    g_assert_cmpstr(o->name, ==, names[n]);
    g_assert_cmpstr(o->default_value, ==, defaults[n]);
    g_assert_nonnull(o->help);
  }
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(names));

  static const char *const bad[][2] = {{"all", "sometimes"}, {"tags", "2"}, {"branch", "main"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    TwJob *job = tw_job_new(registry);
    const char *keys[] = {bad[i][0], NULL};
    const char *values[] = {bad[i][1], NULL};
    g_autoptr(GError) error = NULL;
    g_assert_false(tw_job_add_source(job, "git", NULL, "repo", NULL, keys, values, &error));
    g_assert_error(error, TW_OPTION_ERROR,
                   (i < 2) ? TW_OPTION_ERROR_VALUE : TW_OPTION_ERROR_UNKNOWN);
    tw_job_free(job);
  }
}

static void
test_git_missing(void)
{
  tw_test_skip("git is not installed");
}

static void
remove_tree(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      remove_tree(child);
    }
    g_rmdir(path);
  } else {
    g_remove(path);
  }
}

/* `git:.` (or a path ending in /. or /..) names the source after its folder, not ".", and
 * `git:project/.git` after the project. */
static void
test_name_of_dot(void)
{
  TwJob *job = tw_job_new(registry);
  g_autofree char *dot = g_build_filename(repo, ".", NULL);
  g_autofree char *sub = g_build_filename(repo, "docs", "..", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true(tw_job_add_source(job, "git", NULL, dot, NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  g_assert_true(tw_job_add_source(job, "git", NULL, sub, NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  g_autofree char *git_dir = g_build_filename(repo, ".git", NULL);
  g_assert_true(tw_job_add_source(job, "git", NULL, git_dir, NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(tw_job_get_source_name(job, 0), ==, "project");
  g_assert_cmpstr(tw_job_get_source_name(job, 1), ==, "project-2");
  /* the repository given by its git folder is named after the project too, not ".git" */
  g_assert_cmpstr(tw_job_get_source_name(job, 2), ==, "project-3");
  tw_job_free(job);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  scratch = g_dir_make_tmp("tw-git-source-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *git = g_find_program_in_path("git");
  if (!git) {
    /* Every test needs git to build its repository. */
    g_test_add_func("/git-source/git-missing", test_git_missing);
    return g_test_run();
  }

  /* Only this test configures git: no user or system configuration, no prompts. */
  g_setenv("HOME", scratch, TRUE);
  g_setenv("XDG_CONFIG_HOME", scratch, TRUE);
  g_setenv("GIT_CONFIG_NOSYSTEM", "1", TRUE);
  g_setenv("GIT_CONFIG_GLOBAL", "/dev/null", TRUE);
  g_unsetenv("GIT_DIR");
  g_unsetenv("GIT_WORK_TREE");

  g_autofree char *plugin = tw_test_find_plugin("git");
  registry = tw_registry_new();
  if (!tw_registry_load_file(registry, plugin, &error))
    g_error("%s", error->message);
  build_repository();

  g_test_add_func("/git-source/history", test_history);
  g_test_add_func("/git-source/name-of-dot", test_name_of_dot);
  g_test_add_func("/git-source/options", test_options);
  g_test_add_func("/git-source/stash-and-notes", test_stash_and_notes);
  g_test_add_func("/git-source/errors", test_errors);
  g_test_add_func("/git-source/git-not-installed", test_git_not_installed);
  g_test_add_func("/git-source/broken-dates", test_broken_dates);
  g_test_add_func("/git-source/tag-without-tagger", test_tag_without_tagger);
  g_test_add_func("/git-source/mailmap", test_mailmap);
  g_test_add_func("/git-source/empty-repository", test_empty_repository);
  g_test_add_func("/git-source/options-table", test_option_table);

  int status = g_test_run();
  remove_tree(scratch);
  g_free(scratch);
  g_free(repo);
  tw_registry_free(registry);
  return status;
}
