/* skeleton: the plugin's tests.
 *
 * They do what timeweave does with a plugin: load the module just built into a registry
 * (tw_registry_load_file(), the same loader and checks as `timeweave`), run its source and its
 * analyzer through a job (tw_job_run()), and look at the timeline: events, warnings, findings.
 * Only the installed SDK is used. */
#include <string.h>
#include <timeweave/timeweave.h>

static TwRegistry *registry;

static char *
data_path(const char *name)
{
  return g_build_filename(SKELETON_TESTS_DIR, name, NULL);
}

/* Splits "key=value" strings into the two NULL-terminated arrays the engine takes. */
static void
split_options(const char *const *options, GPtrArray *keys, GPtrArray *values)
{
  for (guint i = 0; options && options[i]; i++) {
    const char *eq = strchr(options[i], '=');
    g_assert_nonnull(eq);
    g_ptr_array_add(keys, g_strndup(options[i], (gsize)(eq - options[i])));
    g_ptr_array_add(values, g_strdup(eq + 1));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
}

/* Runs the skeleton source on tests/@file with @source_options, then the gaps analyzer with
 * @gaps_options unless they are NULL. Returns the job, run or failed (*ok says). */
static TwJob *
run(const char *file, const char *const *source_options, const char *const *gaps_options,
    gboolean strict, gboolean *ok, GError **error)
{
  g_autofree char *path = data_path(file);
  TwJob *job = tw_job_new(registry);
  tw_job_set_threads(job, 1);
  tw_job_set_strict(job, strict);

  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  split_options(source_options, keys, values);
  g_autoptr(GError) setup = NULL;
  g_assert_true(tw_job_add_source(job, "skeleton", NULL, path, NULL,
                                  (const char *const *)keys->pdata,
                                  (const char *const *)values->pdata, &setup));
  g_assert_no_error(setup);
  if (gaps_options) {
    g_autoptr(GPtrArray) gkeys = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) gvalues = g_ptr_array_new_with_free_func(g_free);
    split_options(gaps_options, gkeys, gvalues);
    g_assert_true(tw_job_add_analyzer(job, "skeleton-gaps", NULL, NULL,
                                      (const char *const *)gkeys->pdata,
                                      (const char *const *)gvalues->pdata, &setup));
    g_assert_no_error(setup);
  }
  *ok = tw_job_run(job, error);
  return job;
}

static TwJob *
run_ok(const char *file, const char *const *source_options, const char *const *gaps_options)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run(file, source_options, gaps_options, FALSE, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  return job;
}

static char *
event_date(const TwEvent *event)
{
  TwDate date;
  tw_event_get_date(event, &date);
  return tw_date_format(&date);
}

static const TwEvent *
find_title(const TwTimeline *timeline, const char *title)
{
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
    if (strcmp(tw_event_get_title(tw_timeline_get_event(timeline, i)), title) == 0)
      return tw_timeline_get_event(timeline, i);
  g_error("no event titled '%s'", title);
  return NULL;
}

static void
test_loaded(void)
{
  const TwSourceInfo *source = tw_registry_find_source(registry, "skeleton");
  const TwAnalyzerInfo *analyzer = tw_registry_find_analyzer(registry, "skeleton-gaps");
  g_assert_nonnull(source);
  g_assert_nonnull(analyzer);
  guint n = tw_registry_get_n_plugins(registry);
  const TwPluginInfo *info = tw_registry_get_plugin(registry, n - 1);
  g_assert_cmpstr(info->name, ==, "skeleton");
  g_assert_cmpstr(tw_registry_get_plugin_path(registry, n - 1), ==, SKELETON_PLUGIN);
  /* Built against these headers: the plugin records the ABI it was compiled with. */
  g_assert_cmpuint(info->abi_major, ==, TW_ABI_MAJOR);
  g_assert_cmpuint(info->abi_minor, ==, TW_ABI_MINOR);
}

static void
test_notes(void)
{
  TwJob *job = run_ok("notes.txt", NULL, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  static const char *const expected[][2] = {
      {"2026-01-12", "Kickoff meeting"}, {"2026-01-20T09:30", "Scope agreed"},
      {"early 2026-02", "First draft"},  {"2026-03-23", "Review call"},
      {"2026-Q2", "Publication"},
  };
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, G_N_ELEMENTS(expected));
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    g_autofree char *date = event_date(event);
    g_assert_cmpstr(date, ==, expected[i][0]);
    g_assert_cmpstr(tw_event_get_title(event), ==, expected[i][1]);
    g_assert_cmpstr(tw_event_get_source(event), ==, "notes");
    g_assert_cmpstr(tw_event_get_kind(event), ==, "note");
    g_assert_cmpuint(strlen(tw_event_get_id(event)), ==, 32);
  }
  /* A naive time without a timezone option stays floating. */
  g_assert_true(tw_event_is_floating(find_title(timeline, "Scope agreed")));

  const TwEvent *kickoff = find_title(timeline, "Kickoff meeting");
  g_assert_cmpuint(tw_event_get_n_tags(kickoff), ==, 2);
  g_assert_cmpstr(tw_event_get_tag(kickoff, 0), ==, "project");
  g_assert_cmpstr(tw_event_get_tag(kickoff, 1), ==, "meeting");
  g_assert_cmpuint(tw_event_get_n_actors(kickoff), ==, 2);
  g_assert_cmpstr(tw_event_get_actor(kickoff, 0), ==, "ana");
  g_assert_cmpstr(tw_event_get_actor(kickoff, 1), ==, "ben");
  g_assert_cmpuint(tw_event_get_n_attributes(kickoff), ==, 1);
  g_assert_cmpstr(tw_event_lookup_attribute(kickoff, "room"), ==, "B2");
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  tw_job_free(job);
}

static void
test_options(void)
{
  TwJob *job =
      run_ok("notes.txt",
             (const char *const[]){"timezone=Europe/Berlin", "kind=memo", "tags=a;b", NULL}, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  const TwEvent *scope = find_title(timeline, "Scope agreed");
  g_autofree char *date = event_date(scope);
  g_assert_cmpstr(date, ==, "2026-01-20T08:30Z"); /* 09:30 in Berlin, winter time */
  g_assert_false(tw_event_is_floating(scope));
  g_assert_cmpstr(tw_event_get_kind(scope), ==, "memo");
  g_assert_true(tw_event_has_tag(scope, "a"));
  g_assert_true(tw_event_has_tag(scope, "b"));
  g_assert_true(tw_event_has_tag(scope, "project"));
  /* Calendar dates are never zoned. */
  g_assert_true(tw_event_is_floating(find_title(timeline, "Review call")));
  tw_job_free(job);

  /* The core checks option values against their types before the source runs. */
  TwJob *bad = tw_job_new(registry);
  g_autoptr(GError) error = NULL;
  g_assert_false(tw_job_add_source(bad, "skeleton", NULL, "notes.txt", NULL,
                                   (const char *const[]){"timezone", NULL},
                                   (const char *const[]){"Mars/Olympus", NULL}, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
  g_clear_error(&error);
  g_assert_false(tw_job_add_source(bad, "skeleton", NULL, "notes.txt", NULL,
                                   (const char *const[]){"colour", NULL},
                                   (const char *const[]){"red", NULL}, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_UNKNOWN);
  tw_job_free(bad);
}

/* Broken lines are skipped with a warning each (printed by the core: checked in a child). */
static void
test_warnings(void)
{
  if (g_test_subprocess()) {
    TwJob *job = run_ok("broken.txt", NULL, NULL);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_autofree char *path = data_path("broken.txt");
  g_autofree char *pattern = g_strdup_printf(
      "*timeweave: %s:2: warning: expected DATE | TITLE, found no '|'\n"
      "*timeweave: %s:3: warning: *2026-02-30*\n"
      "*timeweave: %s:4: warning: the note has no title\n"
      "*timeweave: %s:5: warning: 'stray' is not a #tag, an @actor or a key=value attribute\n*",
      path, path, path, path);
  g_test_trap_assert_stderr(pattern);

  TwJob *job = run_ok("broken.txt", NULL, NULL);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 2);
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(timeline, 0)), ==, "A good note");
  g_assert_cmpstr(tw_event_get_title(tw_timeline_get_event(timeline, 1)), ==, "Another good note");
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 4);
  tw_job_free(job);
}

static void
test_strict(void)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run("broken.txt", NULL, NULL, TRUE, &ok, &error);
  g_assert_false(ok);
  g_autofree char *path = data_path("broken.txt");
  g_autofree char *expected = g_strdup_printf("%s:2: expected DATE | TITLE, found no '|'", path);
  g_assert_cmpstr(error->message, ==, expected);
  tw_job_free(job);
}

static void
test_missing_file(void)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run("no-such-file.txt", NULL, NULL, FALSE, &ok, &error);
  g_assert_false(ok);
  g_autofree char *path = data_path("no-such-file.txt");
  g_assert_nonnull(error);
  g_assert_true(g_str_has_prefix(error->message, path));
  g_assert_null(strchr(error->message, '\n'));
  tw_job_free(job);
}

static void
test_gaps(void)
{
  /* The default min-gap, 30d: only February 11 (the end of "early 2026-02") to March 23. */
  TwJob *job = run_ok("notes.txt", NULL, (const char *const[]){"tag=after-gap", NULL});
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, 1);
  const TwFinding *finding = tw_timeline_get_finding(timeline, 0);
  g_assert_cmpstr(tw_finding_get_analyzer(finding), ==, "skeleton-gaps");
  g_assert_cmpstr(tw_finding_get_rule(finding), ==, "gap");
  g_assert_cmpstr(tw_finding_get_kind(finding), ==, "gap");
  g_assert_cmpstr(tw_finding_get_summary(finding), ==,
                  "40d without events between First draft (early 2026-02) and Review call "
                  "(2026-03-23)");
  g_assert_cmpuint(tw_finding_get_n_events(finding), ==, 2);
  g_assert_cmpstr(tw_finding_get_event(finding, 0), ==,
                  tw_event_get_id(find_title(timeline, "First draft")));
  g_assert_cmpstr(tw_finding_get_event(finding, 1), ==,
                  tw_event_get_id(find_title(timeline, "Review call")));
  static const char *const attributes[][2] = {
      {"gap", "40d"}, {"from", "2026-02-11T00:00:00"}, {"to", "2026-03-23T00:00:00"}};
  g_assert_cmpuint(tw_finding_get_n_attributes(finding), ==, G_N_ELEMENTS(attributes));
  for (guint i = 0; i < G_N_ELEMENTS(attributes); i++) {
    g_assert_cmpstr(tw_finding_get_attribute(finding, i)->key, ==, attributes[i][0]);
    g_assert_cmpstr(tw_finding_get_attribute(finding, i)->value, ==, attributes[i][1]);
  }
  g_assert_true(tw_event_has_tag(find_title(timeline, "Review call"), "after-gap"));
  g_assert_false(tw_event_has_tag(find_title(timeline, "First draft"), "after-gap"));
  tw_job_free(job);

  /* A shorter min-gap finds every pause; the summaries name their lengths. */
  job = run_ok("notes.txt", NULL, (const char *const[]){"min-gap=7d", NULL});
  timeline = tw_job_get_timeline(job);
  static const char *const gaps[] = {"7d9h30m", "11d14h29m", "40d", "8d"};
  g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, G_N_ELEMENTS(gaps));
  for (guint i = 0; i < G_N_ELEMENTS(gaps); i++) {
    const TwFinding *f = tw_timeline_get_finding(timeline, i);
    g_assert_cmpstr(tw_finding_get_attribute(f, 0)->value, ==, gaps[i]);
  }
  tw_job_free(job);

  /* Only meetings count: the one pause is between the two meetings. */
  job = run_ok("notes.txt", NULL, (const char *const[]){"select=tag:meeting", NULL});
  timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_findings(timeline), ==, 1);
  g_assert_cmpstr(tw_finding_get_summary(tw_timeline_get_finding(timeline, 0)), ==,
                  "69d without events between Kickoff meeting (2026-01-12) and Review call "
                  "(2026-03-23)");
  tw_job_free(job);
}

static void
test_gaps_bad_selector(void)
{
  /* Refused by the analyzer's check when it is added, before anything is read. */
  g_autoptr(GError) error = NULL;
  TwJob *bad = tw_job_new(registry);
  g_assert_false(tw_job_add_analyzer(bad, "skeleton-gaps", NULL, NULL,
                                     (const char *const[]){"select", NULL},
                                     (const char *const[]){"tag:meeting and (", NULL}, &error));
  g_assert_nonnull(error);
  g_assert_true(g_str_has_prefix(error->message, "skeleton-gaps: option 'select': selector "));

  /* A duration that is no duration never reaches the analyzer. */
  g_clear_error(&error);
  g_assert_false(tw_job_add_analyzer(bad, "skeleton-gaps", NULL, NULL,
                                     (const char *const[]){"min-gap", NULL},
                                     (const char *const[]){"a while", NULL}, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
  tw_job_free(bad);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  registry = tw_registry_new();
  g_autoptr(GError) error = NULL;
  if (!tw_registry_load_file(registry, SKELETON_PLUGIN, &error))
    g_error("%s", error->message);

  g_test_add_func("/skeleton/loaded", test_loaded);
  g_test_add_func("/skeleton/notes", test_notes);
  g_test_add_func("/skeleton/options", test_options);
  g_test_add_func("/skeleton/warnings", test_warnings);
  g_test_add_func("/skeleton/strict", test_strict);
  g_test_add_func("/skeleton/missing-file", test_missing_file);
  g_test_add_func("/skeleton/gaps", test_gaps);
  g_test_add_func("/skeleton/gaps-bad-selector", test_gaps_bad_selector);
  int status = g_test_run();
  tw_registry_free(registry);
  return status;
}
