/* timeweave bench: the correlate analyzer's rules on a large synthetic timeline.
 *
 *   correlate [--events N] [--groups G] [--seed S] [--rules TYPE,...] [--repeat R]
 *             [--dump DIR] PLUGIN
 *
 * PLUGIN is the built correlate plugin (BUILD/plugins/correlate/libtw-correlate.so). Built and
 * run by bench/correlate.sh; not part of the test suite.
 *
 * The timeline: N events (default 10,000,000), one every millisecond on average, each of one of
 * G groups (default 10,000: the actors u00000..u09999, so a group sees an event every G ms, 10 s
 * by default), with one tag: request (30%), response (25%), login (15%), fail (15%) or other
 * (15%), and a host attribute (one of 50). One event in a hundred is dated to its minute only
 * (fuzzy). The same N, G and seed give the same events on every machine (splitmix64).
 *
 * Each rule runs in a child forked from the built timeline, so that its peak memory is its
 * own: the child's peak RSS (getrusage) minus its RSS when it began. In the same child, a plain
 * pass reads every event of the timeline (its start and tags), and a selector pass evaluates
 * the rule's selectors on every event, the least any rule must do. The rates are events of the
 * timeline per second of the process's CPU time (steadier than wall time on a shared machine);
 * the rule's rate in wall time is given too. Each rule runs R times (default 3), each time in a
 * fresh child, and the table shows the fastest run (the one least disturbed by other work on the
 * machine) with its passes, results and memory.
 *
 * A second table runs each rule's quiet twin, the same rule made to find nothing, once: its peak
 * memory is what the rule needs to run, without the links and findings it keeps for the
 * timeline (which grow with what it finds). Run at two sizes, it shows that this memory follows
 * the window and the groups, not the length of the timeline.
 *
 * --dump DIR writes each rule's links and findings, in full, to DIR/TYPE.txt, so that two builds
 * of the plugin can be checked to find exactly the same things.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "private.h"

static guint64 state;

static guint64
next(void)
{
  guint64 z = (state += G_GUINT64_CONSTANT(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static guint
below(guint n)
{
  return (guint)(next() % n);
}

static TwTimeline *
build(guint64 n, guint groups)
{
  TwTimeline *timeline = tw_timeline_new("bench");
  TwSink *sink = tw_timeline_open_sink(timeline, "bench", FALSE);
  char **actors = g_new(char *, groups);
  for (guint g = 0; g < groups; g++)
    actors[g] = g_strdup_printf("u%05u", g);
  char hosts[50][8];
  for (guint h = 0; h < 50; h++)
    g_snprintf(hosts[h], sizeof hosts[h], "h%02u", h);
  gint64 t = G_GINT64_CONSTANT(1767225600) * TW_USEC_PER_SEC; /* 2026-01-01 */
  char id[24];
  for (guint64 i = 0; i < n; i++) {
    t += below(2000); /* 1 ms apart on average */
    TwDate date = {.start = t, .end = t, .precision = TW_PRECISION_EXACT};
    if (below(100) == 0) {
      date.start = t - t % (60 * TW_USEC_PER_SEC);
      date.end = date.start + 60 * TW_USEC_PER_SEC;
      date.precision = TW_PRECISION_MINUTE;
    }
    guint roll = below(100);
    const char *tag = roll < 30   ? "request"
                      : roll < 55 ? "response"
                      : roll < 70 ? "login"
                      : roll < 85 ? "fail"
                                  : "other";
    TwEventBuilder *builder = tw_sink_begin(sink, NULL, 0);
    tw_event_builder_set_date(builder, &date);
    g_snprintf(id, sizeof id, "e%" G_GUINT64_FORMAT, i);
    tw_event_builder_set_id(builder, id);
    tw_event_builder_set_title(builder, tag);
    tw_event_builder_add_tag(builder, tag);
    tw_event_builder_add_actor(builder, actors[below(groups)]);
    tw_event_builder_set_attribute(builder, "host", hosts[below(50)]);
    g_autoptr(GError) error = NULL;
    if (!tw_sink_commit(sink, &error))
      g_error("%s", error->message);
  }
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  for (guint g = 0; g < groups; g++)
    g_free(actors[g]);
  g_free(actors);
  return timeline;
}

typedef struct {
  const char *name;
  const char *rule;         /* the [rule NAME] section's keys */
  const char *quiet;        /* the same rule, made to find nothing (for its working memory) */
  const char *selectors[4]; /* what the selector pass evaluates */
} Bench;

static const Bench benches[] = {
    {"sequence",
     "type=sequence\na=tag:request\nb=tag:response\nwithin=1m\nby=actor\n",
     "type=sequence\na=tag:request\nb=tag:none\nwithin=1m\nby=actor\n",
     {"tag:request", "tag:response", NULL}},
    {"absence",
     "type=absence\na=tag:request\nb=tag:response\nwithin=1m\nby=actor\n",
     "type=absence\na=tag:request\nb=*\nwithin=1m\nby=actor\n",
     {"tag:request", "tag:response", NULL}},
    {"threshold",
     "type=threshold\na=tag:fail\ncount=5\nwithin=1m\nby=actor\n",
     "type=threshold\na=tag:fail\ncount=1000000\nwithin=1m\nby=actor\n",
     {"tag:fail", NULL}},
    {"distinct",
     "type=distinct\na=tag:login\nfield=host\ncount=3\nwithin=5m\nby=actor\n",
     "type=distinct\na=tag:login\nfield=host\ncount=1000\nwithin=5m\nby=actor\n",
     {"tag:login", NULL}},
    {"together",
     "type=together\nselectors=tag:login;tag:fail;tag:request\nwithin=1m\nby=actor\n",
     "type=together\nselectors=tag:login;tag:fail;tag:none\nwithin=1m\nby=actor\n",
     {"tag:login", "tag:fail", "tag:request", NULL}},
    {"together-ordered",
     "type=together\nselectors=tag:login;tag:fail;tag:request\nwithin=1m\nby=actor\n"
     "ordered=true\n",
     "type=together\nselectors=tag:login;tag:fail;tag:none\nwithin=1m\nby=actor\n"
     "ordered=true\n",
     {"tag:login", "tag:fail", "tag:request", NULL}},
};

/* The resident set size now, in KiB. */
static glong
rss_kib(void)
{
  glong pages = 0, resident = 0;
  FILE *file = fopen("/proc/self/statm", "r");
  if (file) {
    if (fscanf(file, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    fclose(file);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double
seconds_since(gint64 start)
{
  return (double)(g_get_monotonic_time() - start) / 1e6;
}

/* The CPU time this process has used, in seconds: on a shared machine a steadier measure of
 * the work than wall time. */
static double
cpu_seconds(void)
{
  struct timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Every link and finding of @timeline, in full. */
static void
dump(const TwTimeline *timeline, const char *path)
{
  FILE *out = fopen(path, "w");
  if (out == NULL)
    g_error("%s: %s", path, g_strerror(errno));
  for (guint i = 0; i < tw_timeline_get_n_links(timeline); i++) {
    const TwLink *link = tw_timeline_get_link(timeline, i);
    fprintf(out, "link %s %s %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %s\n",
            tw_link_get_from(link), tw_link_get_to(link), tw_link_get_rule(link),
            tw_link_get_lag_min(link), tw_link_get_lag_max(link),
            tw_certainty_to_string(tw_link_get_certainty(link)));
  }
  for (guint i = 0; i < tw_timeline_get_n_findings(timeline); i++) {
    const TwFinding *finding = tw_timeline_get_finding(timeline, i);
    fprintf(out, "finding %s %s %s: %s\n", tw_finding_get_analyzer(finding),
            tw_finding_get_rule(finding), tw_finding_get_kind(finding),
            tw_finding_get_summary(finding));
    for (guint k = 0; k < tw_finding_get_n_events(finding); k++)
      fprintf(out, " %s", tw_finding_get_event(finding, k));
    fputc('\n', out);
    for (guint k = 0; k < tw_finding_get_n_attributes(finding); k++) {
      const TwAttribute *attribute = tw_finding_get_attribute(finding, k);
      fprintf(out, " %s=%s\n", attribute->key, attribute->value);
    }
  }
  if (fclose(out) != 0)
    g_error("%s: %s", path, g_strerror(errno));
}

/* What one child measured. */
typedef struct {
  double plain, select, rule, wall; /* seconds */
  guint n_links, n_findings;
  double peak_mib;
} Sample;

/* In the child: the passes and the rule, measured into @sample. */
static void
run_bench(const Bench *bench, const TwAnalyzerInfo *info, TwTimeline *timeline,
          const char *rules_path, const char *dump_dir, Sample *sample)
{
  glong rss_start = rss_kib();
  guint n = tw_timeline_get_n_events(timeline);

  double start = cpu_seconds();
  gint64 sum = 0;
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    sum += tw_event_get_start(event) + tw_event_get_n_tags(event);
  }
  double plain = cpu_seconds() - start;

  TwSelector *selectors[4] = {NULL};
  for (guint s = 0; bench->selectors[s]; s++)
    selectors[s] = tw_selector_compile(bench->selectors[s], NULL);
  start = cpu_seconds();
  guint64 matched = 0;
  for (guint i = 0; i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);
    for (guint s = 0; selectors[s]; s++)
      matched += tw_selector_matches(selectors[s], event);
  }
  double select = cpu_seconds() - start;
  for (guint s = 0; selectors[s]; s++)
    tw_selector_free(selectors[s]);

  const char *keys[] = {"rules", NULL};
  const char *values[] = {rules_path, NULL};
  g_autoptr(GError) error = NULL;
  TwOptions *options = tw_options_new("correlate", info->options, NULL, keys, values, &error);
  if (options == NULL)
    g_error("%s", error->message);
  struct _TwAnalyzer analyzer = {.info = info, .name = (char *)"bench", .options = options};
  start = cpu_seconds();
  gint64 wall_start = g_get_monotonic_time();
  if (!info->run(&analyzer, timeline, &error))
    g_error("%s", error->message);
  double rule = cpu_seconds() - start;
  double wall = seconds_since(wall_start);
  tw_options_free(options);

  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  *sample = (Sample){plain,
                     select,
                     rule,
                     wall,
                     tw_timeline_get_n_links(timeline),
                     tw_timeline_get_n_findings(timeline),
                     (double)(usage.ru_maxrss - rss_start) / 1024.0};
  /* Keep the passes from being optimized away. */
  if (sum == 42 && matched == 42)
    puts("");
  if (dump_dir) {
    g_autofree char *path = g_strdup_printf("%s/%s.txt", dump_dir, bench->name);
    dump(timeline, path);
  }
}

/* Runs each rule (or its quiet twin) @repeat times, each in a fresh child, and prints a table
 * of the fastest runs. */
static gboolean
run_table(gboolean quiet, const char *only, guint64 repeat, const TwAnalyzerInfo *info,
          TwTimeline *timeline, const char *dir, const char *dump_dir)
{
  g_autoptr(GError) error = NULL;
  guint n = tw_timeline_get_n_events(timeline);
  printf(
      "| rule             | events/s  | (wall)    | plain pass | selectors | rule/plain |   links "
      "| findings | peak MiB |\n");
  printf("| ---------------- | --------: | --------: | ---------: | --------: | ---------: | "
         "------: | -------: | -------: |\n");
  fflush(stdout);
  for (guint b = 0; b < G_N_ELEMENTS(benches); b++) {
    const Bench *bench = &benches[b];
    if (only) {
      g_auto(GStrv) names = g_strsplit(only, ",", -1);
      if (!g_strv_contains((const char *const *)names, bench->name))
        continue;
    }
    g_autofree char *path = g_strdup_printf("%s/%s.rules", dir, bench->name);
    g_autofree char *text =
        g_strdup_printf("[rule %s]\n%s", bench->name, quiet ? bench->quiet : bench->rule);
    if (!g_file_set_contents(path, text, -1, &error))
      g_error("%s", error->message);
    Sample best = {0};
    for (guint64 r = 0; r < repeat; r++) {
      int fds[2];
      if (pipe(fds) != 0)
        g_error("pipe: %s", g_strerror(errno));
      fflush(stdout);
      pid_t pid = fork();
      if (pid < 0)
        g_error("fork: %s", g_strerror(errno));
      if (pid == 0) {
        close(fds[0]);
        Sample sample;
        run_bench(bench, info, timeline, path, r == 0 ? dump_dir : NULL, &sample);
        _exit(write(fds[1], &sample, sizeof sample) == sizeof sample ? 0 : 1);
      }
      close(fds[1]);
      Sample sample;
      gboolean got = read(fds[0], &sample, sizeof sample) == sizeof sample;
      close(fds[0]);
      int status;
      if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !got) {
        fprintf(stderr, "correlate: the %s bench failed\n", bench->name);
        return FALSE;
      }
      if (r == 0 || sample.rule < best.rule)
        best = sample;
    }
    printf("| %-16s | %8.2fM | %8.2fM | %9.2fM | %8.2fM | %9.1fx | %7u | %8u | %8.1f |\n",
           bench->name, n / best.rule / 1e6, n / best.wall / 1e6, n / best.plain / 1e6,
           n / best.select / 1e6, best.rule / best.plain, best.n_links, best.n_findings,
           best.peak_mib);
    fflush(stdout);
    g_unlink(path);
  }
  return TRUE;
}

int
main(int argc, char **argv)
{
  guint64 n = 10000000;
  guint64 groups = 10000;
  guint64 seed = 1;
  const char *only = NULL;
  const char *dump_dir = NULL;
  guint64 repeat = 3;
  int a = 1;
  for (; a + 1 < argc && g_str_has_prefix(argv[a], "--"); a += 2) {
    if (strcmp(argv[a], "--events") == 0)
      n = g_ascii_strtoull(argv[a + 1], NULL, 10);
    else if (strcmp(argv[a], "--groups") == 0)
      groups = g_ascii_strtoull(argv[a + 1], NULL, 10);
    else if (strcmp(argv[a], "--seed") == 0)
      seed = g_ascii_strtoull(argv[a + 1], NULL, 10);
    else if (strcmp(argv[a], "--rules") == 0)
      only = argv[a + 1];
    else if (strcmp(argv[a], "--dump") == 0)
      dump_dir = argv[a + 1];
    else if (strcmp(argv[a], "--repeat") == 0)
      repeat = g_ascii_strtoull(argv[a + 1], NULL, 10);
    else
      break;
  }
  if (a + 1 != argc || n == 0 || n > G_MAXUINT32 || groups == 0 || groups > 100000 || repeat == 0 ||
      repeat > 100) {
    fprintf(stderr, "usage: correlate [--events N] [--groups G] [--seed S] [--rules TYPE,...] "
                    "[--repeat R] [--dump DIR] PLUGIN\n");
    return 2;
  }
  state = seed;

  TwRegistry *registry = tw_registry_new();
  g_autoptr(GError) error = NULL;
  if (!tw_registry_load_file(registry, argv[a], &error)) {
    fprintf(stderr, "correlate: %s\n", error->message);
    return 1;
  }
  const TwAnalyzerInfo *info = tw_registry_find_analyzer(registry, "correlate");
  g_autofree char *dir = g_dir_make_tmp("tw-bench-XXXXXX", &error);
  if (dir == NULL)
    g_error("%s", error->message);

  gint64 start = g_get_monotonic_time();
  TwTimeline *timeline = build(n, (guint)groups);
  double built = seconds_since(start);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("%" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " groups, seed %" G_GUINT64_FORMAT
         ": built and sorted in %.1f s, RSS %.0f MiB "
         "(peak %.0f MiB)\n\n",
         n, groups, seed, built, rss_kib() / 1024.0, usage.ru_maxrss / 1024.0);
  printf("best of %" G_GUINT64_FORMAT " runs; rates are events per CPU second (wall: per second of "
         "wall time)\n\n",
         repeat);
  if (!run_table(FALSE, only, repeat, info, timeline, dir, dump_dir))
    return 1;
  printf("\nworking memory: the same rules made to find nothing (b or a selector that matches no "
         "event, or a count that is never reached), one run each\n\n");
  if (!run_table(TRUE, only, 1, info, timeline, dir, NULL))
    return 1;
  g_rmdir(dir);
  tw_timeline_free(timeline);
  tw_registry_free(registry);
  return 0;
}
