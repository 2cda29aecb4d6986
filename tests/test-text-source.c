/* timeweave tests: the text source plugin.
 *
 * The plugin is loaded from the build tree (TW_BUILD_ROOT/plugins/text/) and run through a real
 * TwJob on small documents written by the tests. Each form issue 5 names is pinned on its own
 * (absolute, qualified, ranges, fiscal, relative, and the numbers that are no dates), then the
 * document structure (Markdown headings, lists, tables, links, front matter, date lines, code),
 * sentence splitting, titles, character offsets, warnings with their lines, --strict, options
 * and determinism. The corpus-wide figures are tests/test-text-accuracy.py's. */
#include <string.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

static TwRegistry *registry;
static char *scratch;
static guint serial;

static char *
write_input(const char *content)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf("doc-%u.md", ++serial);
  char *path = g_build_filename(scratch, name, NULL);
  g_assert_true(g_file_set_contents(path, content, -1, &error));
  g_assert_no_error(error);
  return path;
}

/* Runs the text source on @path with @options ("key=value,key=value" or NULL). */
static TwJob *
run_path(const char *path, const char *options, gboolean strict, gboolean *ok, GError **error)
{
  TwJob *job = tw_job_new(registry);
  g_auto(GStrv) pairs = options ? g_strsplit(options, ",", -1) : g_new0(char *, 1);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; pairs[i]; i++) {
    const char *eq = strchr(pairs[i], '=');
    g_assert_nonnull(eq);
    g_ptr_array_add(keys, g_strndup(pairs[i], (gsize)(eq - pairs[i])));
    g_ptr_array_add(values, g_strdup(eq + 1));
  }
  g_ptr_array_add(keys, NULL);
  g_ptr_array_add(values, NULL);
  tw_job_set_strict(job, strict);
  tw_job_set_threads(job, 1);
  g_autoptr(GError) add_error = NULL;
  gboolean added =
      tw_job_add_source(job, "text", NULL, path, NULL, (const char *const *)keys->pdata,
                        (const char *const *)values->pdata, &add_error);
  g_assert_no_error(add_error);
  g_assert_true(added);
  *ok = tw_job_run(job, error);
  return job;
}

static TwJob *
run_text(const char *content, const char *options)
{
  g_autofree char *path = write_input(content);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_path(path, options, FALSE, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  return job;
}

static guint
n_events(const TwJob *job)
{
  return tw_timeline_get_n_events(tw_job_get_timeline(job));
}

/* The one event whose expression is @expression. */
static const TwEvent *
by_expression(const TwJob *job, const char *expression)
{
  const TwTimeline *timeline = tw_job_get_timeline(job);
  const TwEvent *found = NULL;
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++) {
    const TwEvent *e = tw_timeline_get_event(timeline, i);
    if (g_strcmp0(tw_event_lookup_attribute(e, "expression"), expression) == 0) {
      if (found)
        g_error("two events with expression '%s'", expression);
      found = e;
    }
  }
  if (!found) {
    g_autoptr(GString) all = g_string_new(NULL);
    for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
      g_string_append_printf(
          all, " '%s'",
          tw_event_lookup_attribute(tw_timeline_get_event(timeline, i), "expression"));
    g_error("no event with expression '%s' (found:%s)", expression, all->str);
  }
  return found;
}

static char *
event_date_text(const TwEvent *e)
{
  TwDate date;
  tw_event_get_date(e, &date);
  return tw_date_format(&date);
}

static gint64
day(int y, int m, int d)
{
  return tw_civil_to_usec(y, m, d, 0, 0, 0);
}

/* -- the forms, one by one -- */

typedef struct {
  const char *text;       /* the document */
  const char *options;    /* nullable */
  const char *expression; /* the expression attribute expected */
  const char *date;       /* the canonical date expected */
  const char *end;        /* nullable: the exclusive end (YYYY-MM-DD) when a range sets it */
  guint events;           /* how many events the document gives */
} Form;

#define REF "reference-date=2026-02-20"

static const Form forms[] = {
    /* absolute */
    {"ByteDance launched the model on February 13, 2026.", NULL, "February 13, 2026", "2026-02-13",
     NULL, 1},
    {"The model was launched on 13 February 2026 in Beijing.", NULL, "13 February 2026",
     "2026-02-13", NULL, 1},
    {"The bureau published a clarification on Feb. 13 and took questions.", REF, "Feb. 13",
     "2026-02-13", NULL, 1},
    {"The rule was published on 2026-02-13.", NULL, "2026-02-13", "2026-02-13", NULL, 1},
    {"The contract was signed on 13/02/2026 in Lyon.", "date-order=dmy", "13/02/2026", "2026-02-13",
     NULL, 1},
    {"The contract was signed on 02/13/2026 in Ohio.", "date-order=mdy", "02/13/2026", "2026-02-13",
     NULL, 1},
    {"The contract was signed on 13/02/2026 in Lyon.", NULL, "13/02/2026", "2026-02-13", NULL, 1},
    {"The 3/4/2026 meeting was moved.", "date-order=dmy", "3/4/2026", "2026-04-03", NULL, 1},
    {"The 3/4/2026 meeting was moved.", "date-order=mdy", "3/4/2026", "2026-03-04", NULL, 1},
    {"The council adopted it on 25.07.2023 after a long debate.", NULL, "25.07.2023", "2023-07-25",
     NULL, 1},
    {"The administration changed course in January 2026.", NULL, "January 2026", "2026-01", NULL,
     1},
    {"Exports fell sharply in 2026.", NULL, "2026", "2026", NULL, 1},
    {"Demand for accelerators exploded in the 2020s.", NULL, "the 2020s", "2020s", NULL, 1},
    {"Samples ship in Q1 2026.", NULL, "Q1 2026", "2026-Q1", NULL, 1},
    {"Revenue doubled in the first quarter of 2026.", NULL, "the first quarter of 2026", "2026-Q1",
     NULL, 1},
    {"Volume production starts in H2 2025.", NULL, "H2 2025", "2025-H2", NULL, 1},
    {"Prices spiked in summer 2025.", NULL, "summer 2025", "2025-SU", NULL, 1},
    {"The winter of 2022 was mild.", NULL, "The winter of 2022", "2022-WI", NULL, 1},
    {"Graphics chips changed in the 21st century.", NULL, "the 21st century", "20XX", NULL, 1},
    {"The outage began at 14:05 UTC on 3 March 2026.", NULL, "14:05 UTC on 3 March 2026",
     "2026-03-03T14:05Z", NULL, 1},
    /* seconds, and ISO 8601's T, Z and offsets, as incident reports and logs write them */
    {"The alert fired at 14:05:33 UTC on 3 March 2026.", NULL, "14:05:33 UTC on 3 March 2026",
     "2026-03-03T14:05Z", NULL, 1},
    {"The job ran at 2026-03-03 14:05:33 UTC.", NULL, "2026-03-03 14:05:33 UTC",
     "2026-03-03T14:05Z", NULL, 1},
    {"The alert fired at 2026-03-03T14:05:00Z and paged the on-call.", NULL, "2026-03-03T14:05:00Z",
     "2026-03-03T14:05Z", NULL, 1},
    {"Logs show 2026-03-03T14:05:00+01:00 as the first error.", NULL, "2026-03-03T14:05:00+01:00",
     "2026-03-03T13:05Z", NULL, 1},
    {"The backup ended 2026-03-03T23:59:59.123-0500 exactly.", NULL, "2026-03-03T23:59:59.123-0500",
     "2026-03-04T04:59Z", NULL, 1},
    {"The release went out at 2026-03-03T09:00.", NULL, "2026-03-03T09:00", "2026-03-03T09:00",
     NULL, 1},
    /* ET and PT as US news writes them: standard or daylight time by the day */
    {"Shares fell at 3 p.m. ET on March 4, 2026.", NULL, "3 p.m. ET on March 4, 2026",
     "2026-03-04T20:00Z", NULL, 1},
    {"Trading resumed at 9:30 a.m. ET on March 9, 2026.", NULL, "9:30 a.m. ET on March 9, 2026",
     "2026-03-09T13:30Z", NULL, 1},
    {"The launch is set for July 4, 2025, at 2:15 p.m. PT.", NULL, "July 4, 2025, at 2:15 p.m. PT",
     "2025-07-04T21:15Z", NULL, 1},
    {"Polls closed at 7 p.m. ET on Nov. 7, 2000.", NULL, "7 p.m. ET on Nov. 7, 2000",
     "2000-11-08T00:00Z", NULL, 1},
    {"The meeting is on March 3, 2026, at 10:30 a.m. in Room 4.", NULL,
     "March 3, 2026, at 10:30 a.m.", "2026-03-03T10:30", NULL, 1},
    /* qualified */
    {"The US banned the H20 in early 2025.", NULL, "early 2025", "early 2025", NULL, 1},
    {"The plant opens in mid-2026.", NULL, "mid-2026", "mid 2026", NULL, 1},
    {"Samples are due in late March.", REF, "late March", "late 2026-03", NULL, 1},
    {"Samples are due at the end of March 2026.", NULL, "the end of March 2026", "late 2026-03",
     NULL, 1},
    {"Work resumes at the beginning of 2027.", NULL, "the beginning of 2027", "early 2027", NULL,
     1},
    {"The stack could be self-sufficient around 2029.", NULL, "around 2029", "about 2029", NULL, 1},
    {"The target must be met by 2027.", NULL, "by 2027", "before 2027", NULL, 1},
    {"Controls have tightened since 2022.", NULL, "since 2022", "after 2022", NULL, 1},
    {"The pre-2020 chips still sell.", NULL, "pre-2020", "before 2020", NULL, 1},
    {"Sales recovered by the end of 2025.", NULL, "by the end of 2025", "late 2025", NULL, 1},
    {"Housing slumped in the late 1980s.", NULL, "the late 1980s", "late 1980s", NULL, 1},
    /* ranges */
    {"The trial runs from March to May 2026.", NULL, "from March to May 2026", "2026-03",
     "2026-06-01", 1},
    {"Capacity doubles between 2024 and 2026.", NULL, "between 2024 and 2026", "2024", "2027-01-01",
     1},
    {"Capacity doubled in 2024-2026.", NULL, "2024-2026", "2024", "2027-01-01", 1},
    {"The 2024-25 season was long.", NULL, "2024-25", "2024", "2026-01-01", 1},
    /* an en dash is a range's: two years, not ISO's September 2008 */
    {"The 2008\u201309 downturn hit it hard.", NULL, "2008\u201309", "2008", "2010-01-01", 1},
    {"The conference runs February 10-12, 2026 in Berlin.", NULL, "February 10-12, 2026",
     "2026-02-10", "2026-02-13", 1},
    {"A summit is set for 23-24 April 2026.", NULL, "23-24 April 2026", "2026-04-23", "2026-04-25",
     1},
    {"Qualification runs from Q2 to Q4 2026.", NULL, "from Q2 to Q4 2026", "2026-Q2", "2027-01-01",
     1},
    /* fiscal */
    {"NVIDIA took the charge in fiscal Q1 2026.", NULL, "fiscal Q1 2026", "2026-Q1", NULL, 1},
    {"NVIDIA took the charge in fiscal Q1 2026.", "fiscal-year-start=february", "fiscal Q1 2026",
     "2025-02", "2025-05-01", 1},
    {"Revenue for FY2026 rose.", "fiscal-year-start=october", "FY2026", "2025-10", "2026-10-01", 1},
    {"Revenue for the first quarter of fiscal 2026 rose.", "fiscal-year-start=october",
     "the first quarter of fiscal 2026", "2025-Q4", NULL, 1},
    {"Revenue for fiscal 2026 rose.", "fiscal-year-start=july,fiscal-year-name=start",
     "fiscal 2026", "2026-07", "2027-07-01", 1},
    {"NVIDIA felt it in its fiscal first quarter of 2026 (February to April 2025).", NULL,
     "February to April 2025", "2025-02", "2025-05-01", 1},
    /* relative, with the reference date 2026-02-20 (a Friday) */
    {"Cambricon reported the results yesterday.", REF, "yesterday", "2026-02-19", NULL, 1},
    {"Officials discussed a cap last week.", REF, "last week", "2026-W07", NULL, 1},
    {"The model shipped on February 13, 2026. Two days later, a patch followed.", NULL,
     "Two days later", "2026-02-15", NULL, 2},
    {"The model shipped on February 13, 2026. Days after, the first reviews appeared.", NULL,
     "Days after", "after 2026-02-13", NULL, 2},
    {"The company expects to break even next year.", REF, "next year", "2027", NULL, 1},
    {"The rules will be reviewed in 12 months.", REF, "in 12 months", "2027-02", NULL, 1},
    {"It could be self-sufficient three years from now.", REF, "three years from now", "2029", NULL,
     1},
    {"Marketing wants a launch event this spring.", REF, "this spring", "2026-SP", NULL, 1},
    {"Huawei said on Tuesday that sales rose.", REF, "Tuesday", "2026-02-17", NULL, 1},
    /* without the preposition, as US news writes it */
    {"The chief executive resigned Monday.", REF, "Monday", "2026-02-16", NULL, 1},
    {"Talks resume Thursday in Geneva.", REF, "Thursday", "2026-02-26", NULL, 1},
    {"The reviewers will meet next Tuesday.", REF, "next Tuesday", "2026-02-24", NULL, 1},
    {"Signups were flat three weeks ago.", REF, "three weeks ago", "2026-W05", NULL, 1},
    /* counts in digits, as news style writes 10 and up */
    {"The recall was announced 10 days ago.", REF, "10 days ago", "2026-02-10", NULL, 1},
    {"She left the company 18 months ago.", REF, "18 months ago", "2024-08", NULL, 1},
    {"The model shipped on February 13, 2026. 2 weeks later, a patch followed.", NULL,
     "2 weeks later", "2026-W09", NULL, 2},
    {"A decision is required within a year.", REF, "within a year", "before 2027-02-20", NULL, 1},
    {"The plant opened in 2018. The following year, it doubled output.", NULL, "The following year",
     "2019", NULL, 2},
    {"The fab opened in 2018. That same year, it hired 900 people.", NULL, "That same year", "2018",
     NULL, 2},
    {"The bill passed in May 2025. A month earlier, lobbying had peaked.", NULL, "A month earlier",
     "2025-04", NULL, 2},
    {"Tencent shipped its last update in November.", REF, "November", "2025-11", NULL, 1},
    {"Baidu will hold its conference in April.", REF, "April", "2026-04", NULL, 1},
    /* a modal before "have" looks back: what may have happened is past */
    {"Customer data may have been copied in November.", REF, "November", "2025-11", NULL, 1},
    {"The attackers could not have entered before November.", REF, "before November",
     "before 2025-11", NULL, 1},
    {"Storms battered the coast over the weekend.", REF, "the weekend", "2026-02-14", "2026-02-16",
     1},
    {"Analysts expect the market to peak in about a year.", REF, "in about a year", "about 2027",
     NULL, 1},
    {"Trams will run every 7 minutes from next Monday.", REF, "next Monday", "2026-02-23", NULL, 1},
    {"Their last title came in the 2011-12 season.", NULL, "2011-12", "2011", "2013-01-01", 1},
    /* what will happen is not put before the reference date by a heading or an earlier date
     * of the sentence; a future told from the past ("would") keeps that date */
    {"# Annual report 2025\n\n## Outlook\n\nThe new platform will launch in the second "
     "quarter.\n",
     REF, "the second quarter", "2026-Q2", NULL, 1},
    {"The CEO, who joined in Sept. 2019, will retire at the end of the month.", REF,
     "the end of the month", "late 2026-02", NULL, 2},
    {"The investor said on 11 March 2025 that it would decide before the summer.", REF,
     "before the summer", "before 2025-SU", NULL, 2},
    /* a bound is no anchor, even when a qualifier inside it wins */
    {"Growth is expected by mid-2027, according to a forecast released on Dec. 3.", REF, "Dec. 3",
     "2025-12-03", NULL, 2},
    {"The bill passed on May 3, 2025. Funding must be in place by mid-2027. Two days later, the "
     "governor signed it.",
     NULL, "Two days later", "2025-05-05", NULL, 3},
    /* a span ending on a day begins the day after the same day months before */
    {"Revenue for the quarter ended June 30, 2026 rose.", NULL, "the quarter ended June 30, 2026",
     "2026-04-01", "2026-07-01", 1},
    {"The quarter ended November 30, 2025 was weak.", NULL, "The quarter ended November 30, 2025",
     "2025-09-01", "2025-12-01", 1},
    /* a relative date and the day it names, side by side, are one date written twice */
    {"On March 5, 2025 the board met. Two days earlier, on March 3, the CEO quit.", NULL, "March 3",
     "2025-03-03", NULL, 2},
    {"Yesterday, on Feb. 19, shares fell.", REF, "Feb. 19", "2026-02-19", NULL, 1},
    /* after a range the text goes on from its last part */
    {"From 2018 to 2020 the plant was idle. A year later, it reopened.", NULL, "A year later",
     "2021", NULL, 2},
    /* a century gives no year to a day */
    {"Prints from the 18th century are shown. The festival runs from 10 to 26 July.", REF,
     "from 10 to 26 July", "2026-07-10", "2026-07-27", 2},
};

static void
test_form(gconstpointer data)
{
  const Form *f = data;
  TwJob *job = run_text(f->text, f->options);
  g_assert_cmpuint(n_events(job), ==, f->events);
  const TwEvent *e = by_expression(job, f->expression);
  g_autofree char *date = event_date_text(e);
  g_assert_cmpstr(date, ==, f->date);
  if (f->end) {
    int y, m, d;
    g_assert_cmpint(sscanf(f->end, "%d-%d-%d", &y, &m, &d), ==, 3);
    g_assert_cmpint(tw_event_get_end(e), ==, day(y, m, d));
  }
  g_assert_cmpstr(tw_event_get_kind(e), ==, "statement");
  tw_job_free(job);
}

/* Two times of one day are a range from the first to the second, not the second alone: "from
 * 9 a.m. to 5 p.m. on Dec. 24" used to be read as 5 p.m. A zone written once is both times';
 * times that do not go forward (a night shift) leave the day alone. */
static void
test_time_ranges(void)
{
  static const struct {
    const char *text, *expression, *date;
    gint64 end; /* seconds since 1970 */
  } cases[] = {
      {"Staff worked from 9 a.m. to 5 p.m. on Dec. 24, 2025.",
       "from 9 a.m. to 5 p.m. on Dec. 24, 2025", "2025-12-24T09:00", 1766595660},
      {"The meeting ran from 10:00 to 11:30 on 5 May 2025.", "from 10:00 to 11:30 on 5 May 2025",
       "2025-05-05T10:00", 1746444660},
      {"Voting was open between 7:00 and 20:00 CET on 9 June 2024.",
       "between 7:00 and 20:00 CET on 9 June 2024", "2024-06-09T06:00Z", 1717959660},
      {"The window is 14:00-15:00 UTC on 2026-04-02.", "14:00-15:00 UTC on 2026-04-02",
       "2026-04-02T14:00Z", 1775142060},
      {"The shift ran from 10 p.m. to 2 a.m. on Saturday, March 7, 2026.",
       "from 10 p.m. to 2 a.m. on Saturday, March 7, 2026", "2026-03-07", 1772928000},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    TwJob *job = run_text(cases[i].text, NULL);
    g_assert_cmpuint(n_events(job), ==, 1);
    const TwEvent *e = by_expression(job, cases[i].expression);
    g_autofree char *date = event_date_text(e);
    g_assert_cmpstr(date, ==, cases[i].date);
    g_assert_cmpint(tw_event_get_end(e), ==, cases[i].end * TW_USEC_PER_SEC);
    tw_job_free(job);
  }
}

/* -- numbers that are no dates -- */

static const char *const not_dates[] = {
    "Shoppers crowded the malls on Black Friday, and Super Tuesday results came in late.",
    "The club meets every Monday, and the market opens a Sunday each month.",
    "The server listens on port 2025, and the help desk is on extension 2026.",
    "For help, call the front desk on ext. 2025 or ext. 2031 after hours.",
    "The radio tunes from 1999 kHz to 2025 kHz, and the amplifier hums at 2040 Hz.",
    "Version 1.2.2024 of the firmware fixed it, and firmware 3.4.2023 and build 05/06/2024 did "
    "not.",
    "The refund went to account 2024 and the train left from terminal 2019.",
    "ByteDance and Samsung discussed at least 100,000 units, on a roadmap to 350,000.",
    "ByteDance budgeted more than 160 billion yuan, about $22 billion, for AI hardware.",
    "The government takes a fee of 25 percent on each sale.",
    "Huawei's ecosystem passed 4 million developers and 3,000 partners.",
    "ByteDance launched Seedream 5.0 Lite, and Google answered with Gemini 3.1 Flash Image.",
    "The H200 and the Ascend 910B compete for the same buyers.",
    "The meeting starts at 10:30 and ends at 12:15.",
    "The warranty runs for two years.",
    "The plant employs 2000 workers on three shifts.",
    "The vote passed 2026 to 1974.",
    "The office moved to 1600 Amphitheatre Parkway.",
    "Exports may fall further, and protesters march every weekend.",
    "CVE-2026-1234 affects builds 2024 through 2031 of the driver.",
    "Revenue per share was 2.0.26 in the old format, and firmware 2024.3.1 ships next.",
    "The first half of the match was goalless.",
    "Prices rose for the second quarter in a row.",
    "Some 2030 households signed the petition.",
    "The city employs 2050 drivers, and the engine delivers 2030 newton metres.",
    "Prices are up 78% from a year ago and flat from last year.",
};

static void
test_not_dates(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(not_dates); i++) {
    TwJob *job = run_text(not_dates[i], REF);
    if (n_events(job) != 0)
      g_error("'%s' gave %u events, the first '%s'", not_dates[i], n_events(job),
              tw_event_lookup_attribute(tw_timeline_get_event(tw_job_get_timeline(job), 0),
                                        "expression"));
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
    tw_job_free(job);
  }
}

/* "than in 2024", "from a year ago", "three days after the vote": not when anything happened. */
static void
test_baselines_and_event_anchors(void)
{
  TwJob *job = run_text("Revenue rose 78% from a year ago. Sales were higher than in 2024. "
                        "Shares jumped 9% three days after the vote. Output grew, compared with "
                        "$14.5 billion a year earlier.",
                        REF);
  g_assert_cmpuint(n_events(job), ==, 0);
  tw_job_free(job);

  /* Spreads are no dates, "between ... and" as well as "to": only the opening is one. */
  job = run_text("The plant opened on May 3, 2025. Three to six months later, it moved. Between "
                 "three and six months later, it moved again. Between 3 and 6 months later, it "
                 "closed.",
                 NULL);
  g_assert_cmpuint(n_events(job), ==, 1);
  tw_job_free(job);
}

/* -- events: title, description, attributes -- */

static void
test_event_fields(void)
{
  const char *text =
      "# Digest\n\n## Export controls\n\n"
      "In January 2026 the administration said approved buyers could import the H200, "
      "provided the government receives a 25 percent fee; ByteDance, Alibaba and Tencent could "
      "together buy more than 400,000 of them, according to people briefed on the talks.\n";
  TwJob *job = run_text(text, "tags=news;chips");
  g_assert_cmpuint(n_events(job), ==, 1);
  const TwEvent *e = by_expression(job, "January 2026");
  /* a long sentence is titled by the clause that holds the date */
  g_assert_cmpstr(tw_event_get_title(e), ==,
                  "In January 2026 the administration said approved buyers could import the "
                  "H200, provided the government receives a 25 percent fee");
  g_assert_true(g_str_has_prefix(tw_event_get_description(e), "In January 2026 the "));
  g_assert_true(g_str_has_suffix(tw_event_get_description(e), "briefed on the talks."));
  g_assert_cmpstr(tw_event_get_kind(e), ==, "statement");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "heading"), ==, "Export controls");
  g_assert_true(tw_event_has_tag(e, "export-controls"));
  g_assert_true(tw_event_has_tag(e, "news"));
  g_assert_true(tw_event_has_tag(e, "chips"));
  /* attributes in a fixed order */
  g_assert_cmpstr(tw_event_get_attribute(e, 0)->key, ==, "expression");
  g_assert_cmpstr(tw_event_get_attribute(e, 1)->key, ==, "expression-start");
  g_assert_cmpstr(tw_event_get_attribute(e, 2)->key, ==, "expression-end");
  tw_job_free(job);

  job = run_text(text, "heading-tags=false,kind=claim,title-length=1000");
  e = by_expression(job, "January 2026");
  g_assert_false(tw_event_has_tag(e, "export-controls"));
  g_assert_cmpstr(tw_event_get_kind(e), ==, "claim");
  g_assert_true(g_str_has_suffix(tw_event_get_title(e), "briefed on the talks"));
  tw_job_free(job);

  /* A relative clause that ends before the date is not the date's clause: the title of the
   * opening was the end of "which had opposed ..." followed by the main clause. */
  job = run_text("After months of negotiation with suppliers, regulators and the unions, which "
                 "had opposed the plan from the very start, the company finally opened its new "
                 "plant on March 3, 2026, and hired 900 workers.\n",
                 NULL);
  g_assert_cmpstr(tw_event_get_title(by_expression(job, "March 3, 2026")), ==,
                  "The company finally opened its new plant on March 3, 2026");
  tw_job_free(job);
}

/* expression-start and expression-end are character offsets into the file as written. */
static void
test_offsets(void)
{
  const char *text = "# Zürich — notes\n\n"
                     "Die Firma (Zürich) **shipped** on *13 February 2026*, and [again](https://"
                     "example.org/x) in\nlate March 2026.\n";
  TwJob *job = run_text(text, NULL);
  g_assert_cmpuint(n_events(job), ==, 2);
  const char *expressions[] = {"13 February 2026", "late March 2026"};
  for (guint i = 0; i < 2; i++) {
    const TwEvent *e = by_expression(job, expressions[i]);
    glong s = atol(tw_event_lookup_attribute(e, "expression-start"));
    glong t = atol(tw_event_lookup_attribute(e, "expression-end"));
    const char *a = g_utf8_offset_to_pointer(text, s);
    const char *b = g_utf8_offset_to_pointer(text, t);
    g_autofree char *slice = g_strndup(a, (gsize)(b - a));
    g_assert_cmpstr(slice, ==, expressions[i]);
    g_assert_cmpstr(tw_event_get_url(e), ==, "https://example.org/x");
  }
  tw_job_free(job);
}

/* -- sentences -- */

static void
test_sentences(void)
{
  TwJob *job = run_text(
      "The U.S. Commerce Department acted on Feb. 13, 2026, and Hua Hong Inc. said on Jan. 28, "
      "2026 that No. 3 chipmakers would follow. Mr. Zhao spoke in March 2026. The U.S. The "
      "second sentence starts here in 2027.\n",
      NULL);
  g_assert_cmpuint(n_events(job), ==, 4);
  const TwEvent *a = by_expression(job, "Feb. 13, 2026");
  const TwEvent *b = by_expression(job, "Jan. 28, 2026");
  const TwEvent *c = by_expression(job, "March 2026");
  const TwEvent *d = by_expression(job, "2027");
  g_assert_cmpstr(tw_event_get_description(a), ==, tw_event_get_description(b));
  g_assert_true(g_str_has_suffix(tw_event_get_description(a), "would follow."));
  g_assert_cmpstr(tw_event_get_description(c), ==, "Mr. Zhao spoke in March 2026.");
  g_assert_cmpstr(tw_event_get_description(d), ==, "The second sentence starts here in 2027.");
  tw_job_free(job);
}

/* "est." (established) never ends a sentence, but a time zone EST at its end does: the next
 * sentence used to be glued to it, with its date titled and described by both. */
static void
test_zone_ends_sentence(void)
{
  TwJob *job = run_text("The vote was on March 4, 2025 at 10:30 a.m. EST. The results came on "
                        "March 5. The firm (est. 1887) grew in 2020.\n",
                        NULL);
  g_assert_cmpuint(n_events(job), ==, 4); /* with "est. 1887" */
  const TwEvent *a = by_expression(job, "March 4, 2025 at 10:30 a.m. EST");
  const TwEvent *b = by_expression(job, "March 5");
  const TwEvent *c = by_expression(job, "2020");
  g_assert_cmpstr(tw_event_get_description(a), ==,
                  "The vote was on March 4, 2025 at 10:30 a.m. EST.");
  g_assert_cmpstr(tw_event_get_description(b), ==, "The results came on March 5.");
  g_assert_cmpstr(tw_event_get_description(c), ==, "The firm (est. 1887) grew in 2020.");
  tw_job_free(job);
}

/* -- document structure -- */

static void
test_markdown_structure(void)
{
  const char *text =
      "---\ntitle: Status\ndate: 2026-03-04\n---\n\n"
      "# Status report\n\n"
      "<!-- not read: in 2001 -->\n\n"
      "```\nbuild log from 2002-01-01\n```\n\n"
      "| Milestone | Target |\n| --- | --- |\n| Hardware delivered | 2026-01-30 |\n\n"
      "- Migration finished last Friday.\n"
      "1. The audit is due in Q2.\n\n"
      "> Quoted: the plan dates from 2024.\n\n"
      "Setext heading 2025\n-------------------\n\n"
      "Sales rose in March.\n";
  TwJob *job = run_text(text, NULL);
  g_assert_cmpuint(n_events(job), ==, 5);
  /* the front matter date is the reference: last Friday before Wednesday 2026-03-04 */
  g_autofree char *friday = event_date_text(by_expression(job, "last Friday"));
  g_assert_cmpstr(friday, ==, "2026-02-27");
  g_autofree char *row = event_date_text(by_expression(job, "2026-01-30"));
  g_assert_cmpstr(row, ==, "2026-01-30");
  g_assert_cmpstr(tw_event_get_title(by_expression(job, "2026-01-30")), ==,
                  "Hardware delivered | 2026-01-30");
  g_autofree char *q2 = event_date_text(by_expression(job, "Q2"));
  g_assert_cmpstr(q2, ==, "2026-Q2");
  g_autofree char *quoted = event_date_text(by_expression(job, "2024"));
  g_assert_cmpstr(quoted, ==, "2024");
  /* a heading that is a date anchors its section: March of 2025, not of the reference year */
  const TwEvent *march = by_expression(job, "March");
  g_autofree char *m = event_date_text(march);
  g_assert_cmpstr(m, ==, "2025-03");
  g_assert_cmpstr(tw_event_lookup_attribute(march, "heading"), ==, "Setext heading 2025");
  g_assert_cmpstr(tw_event_lookup_attribute(march, "anchor"), ==, NULL);
  tw_job_free(job);

  /* A footnote's definition: its mark and colon are no part of the sentence nor the title. */
  job = run_text("The plant was delayed.[^1]\n\n[^1]: Interview on February 12, 2026.\n", NULL);
  g_assert_cmpuint(n_events(job), ==, 1);
  const TwEvent *note = by_expression(job, "February 12, 2026");
  g_assert_cmpstr(tw_event_get_title(note), ==, "Interview on February 12, 2026");
  g_assert_cmpstr(tw_event_get_description(note), ==, "Interview on February 12, 2026.");
  tw_job_free(job);
}

static void
test_date_lines(void)
{
  /* a date line near the top: the reference date, and no event */
  TwJob *job =
      run_text("# Notes\n\nPublished: February 20, 2026\n\nShares fell yesterday.\n", NULL);
  g_assert_cmpuint(n_events(job), ==, 1);
  const TwEvent *e = by_expression(job, "yesterday");
  g_autofree char *y = event_date_text(e);
  g_assert_cmpstr(y, ==, "2026-02-19");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "anchor"), ==, "reference");
  g_assert_cmpstr(tw_event_lookup_attribute(e, "anchor-date"), ==, "2026-02-20");
  tw_job_free(job);

  /* a news dateline opening the first paragraph */
  job = run_text("SHANGHAI, Feb. 19, 2026 -- Shares of SMIC rose 4.2% on Thursday after the "
                 "company said utilisation reached 93.5% in the three months to December.\n",
                 NULL);
  g_assert_cmpuint(n_events(job), ==, 2);
  g_autofree char *thu = event_date_text(by_expression(job, "Thursday"));
  g_assert_cmpstr(thu, ==, "2026-02-19");
  const TwEvent *span = by_expression(job, "the three months to December");
  g_autofree char *s = event_date_text(span);
  g_assert_cmpstr(s, ==, "2025-10");
  g_assert_cmpint(tw_event_get_end(span), ==, day(2026, 1, 1));
  tw_job_free(job);

  /* the option wins over the date line */
  job = run_text("Date: 2026-02-20\n\nShares fell yesterday.\n", "reference-date=2025-06-02");
  g_autofree char *opt = event_date_text(by_expression(job, "yesterday"));
  g_assert_cmpstr(opt, ==, "2025-06-01");
  tw_job_free(job);
}

/* Without a reference date, relative dates count from the last date the text mentioned. */
static void
test_narrative_anchor(void)
{
  TwJob *job = run_text("## 2018\n\nCongress passed the act in August. Three months later, the "
                        "department asked for comments. Huawei was listed on May 16, 2019. The "
                        "following year, the rule was widened.\n",
                        NULL);
  g_assert_cmpuint(n_events(job), ==, 4);
  g_autofree char *aug = event_date_text(by_expression(job, "August"));
  g_assert_cmpstr(aug, ==, "2018-08");
  const TwEvent *later = by_expression(job, "Three months later");
  g_autofree char *l = event_date_text(later);
  g_assert_cmpstr(l, ==, "2018-11");
  g_assert_cmpstr(tw_event_lookup_attribute(later, "anchor"), ==, "narrative");
  g_assert_cmpstr(tw_event_lookup_attribute(later, "anchor-date"), ==, "2018-08");
  g_autofree char *f = event_date_text(by_expression(job, "The following year"));
  g_assert_cmpstr(f, ==, "2020");
  tw_job_free(job);
}

/* -- warnings, --strict, determinism -- */

static void
test_unplaceable_warns(void)
{
  if (g_test_subprocess()) {
    TwJob *job = run_text("The company said so.\nShares fell yesterday, and rose in 2026.\n"
                          "The 03/04/2026 meeting moved.\n",
                          NULL);
    g_assert_cmpuint(n_events(job), ==, 1);
    g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 2);
    tw_job_free(job);
    return;
  }
  g_test_trap_subprocess(NULL, 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*doc-*.md:2: warning: 'yesterday' is not placed on the timeline: "
                            "there is no date to count from (set reference-date)*");
  g_test_trap_assert_stderr("*doc-*.md:3: warning: '03/04/2026' is not placed on the timeline: "
                            "could be day/month or month/day (set date-order=dmy or mdy)*");
}

static void
test_strict(void)
{
  g_autofree char *path = write_input("Nothing is dated here.\n\nShares fell yesterday.\n");
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_path(path, NULL, TRUE, &ok, &error);
  g_assert_false(ok);
  g_assert_nonnull(error);
  g_autofree char *prefix = g_strdup_printf("%s:3: 'yesterday' is not placed", path);
  g_assert_true(g_str_has_prefix(error->message, prefix));
  g_assert_null(strchr(error->message, '\n'));
  tw_job_free(job);
}

static void
test_deterministic_ids(void)
{
  g_autofree char *path = write_input("It rose in 2024. It rose in 2024. It fell in early 2025.\n");
  g_autoptr(GError) error = NULL;
  gboolean ok_a, ok_b;
  TwJob *a = run_path(path, NULL, FALSE, &ok_a, &error);
  g_assert_no_error(error);
  TwJob *b = run_path(path, NULL, FALSE, &ok_b, &error);
  g_assert_no_error(error);
  g_assert_true(ok_a && ok_b);
  g_assert_cmpuint(n_events(a), ==, 3);
  for (guint i = 0; i < 3; i++) {
    const TwEvent *x = tw_timeline_get_event(tw_job_get_timeline(a), i);
    const TwEvent *y = tw_timeline_get_event(tw_job_get_timeline(b), i);
    g_assert_cmpstr(tw_event_get_id(x), ==, tw_event_get_id(y));
  }
  /* the same sentence twice is two statements, not one merged event */
  g_assert_cmpstr(tw_event_get_id(tw_timeline_get_event(tw_job_get_timeline(a), 0)), !=,
                  tw_event_get_id(tw_timeline_get_event(tw_job_get_timeline(a), 1)));
  tw_job_free(a);
  tw_job_free(b);
}

/* A run of digits and letters longer than the tagger's word buffer (a serial number, a hash) is
 * a model-like name, not an ordinal or a decade; its digits used to be read past the buffer's
 * end (found by tests/fuzz, UBSan: index 95 out of bounds for 'char[24]'). */
static void
test_long_alnum_run(void)
{
  g_autofree char *path =
      write_input("On 13 February 2026 the lab shipped unit "
                  "1234567890123456789012345678901234567890th.\n"
                  "Board 123456789012345678901234567890s failed on 2 March 2026.\n");
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_path(path, NULL, FALSE, &ok, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  g_assert_cmpuint(n_events(job), ==, 2);
  tw_job_free(job);
}

static void
test_missing_file(void)
{
  g_autofree char *missing = g_build_filename(scratch, "missing.md", NULL);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  TwJob *job = run_path(missing, NULL, FALSE, &ok, &error);
  g_assert_false(ok);
  g_assert_true(g_str_has_prefix(error->message, missing));
  tw_job_free(job);
}

static void
test_option_table(void)
{
  const TwSourceInfo *info = tw_registry_find_source(registry, "text");
  g_assert_nonnull(info);
  g_assert_nonnull(info->description);
  static const char *const names[] = {"reference-date",   "date-order",  "fiscal-year-start",
                                      "fiscal-year-name", "kind",        "tags",
                                      "heading-tags",     "title-length"};
  guint n = 0;
  for (const TwOptionSpec *o = info->options; o->name; o++, n++) {
    g_assert_cmpstr(o->name, ==, names[n]);
    g_assert_nonnull(o->help);
  }
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(names));

  static const char *const bad[][2] = {{"date-order", "ydm"},
                                       {"reference-date", "yesterday"},
                                       {"fiscal-year-start", "13"},
                                       {"title-length", "long"},
                                       {"language", "en"}};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    TwJob *job = tw_job_new(registry);
    const char *keys[] = {bad[i][0], NULL};
    const char *values[] = {bad[i][1], NULL};
    g_autoptr(GError) error = NULL;
    g_assert_false(tw_job_add_source(job, "text", NULL, "x.md", NULL, keys, values, &error));
    g_assert_error(error, TW_OPTION_ERROR,
                   (i < 4) ? TW_OPTION_ERROR_VALUE : TW_OPTION_ERROR_UNKNOWN);
    tw_job_free(job);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_autoptr(GError) error = NULL;
  g_autofree char *plugin = tw_test_find_plugin("text");
  registry = tw_registry_new();
  if (!tw_registry_load_file(registry, plugin, &error))
    g_error("%s", error->message);
  scratch = g_dir_make_tmp("tw-text-source-XXXXXX", &error);
  g_assert_no_error(error);

  for (guint i = 0; i < G_N_ELEMENTS(forms); i++) {
    g_autofree char *name = g_strdup_printf("/text-source/form/%02u %s", i, forms[i].expression);
    for (char *p = name + strlen("/text-source/form/"); *p; p++)
      if (*p == '/')
        *p = '|';
    g_test_add_data_func(name, &forms[i], test_form);
  }
  g_test_add_func("/text-source/not-dates", test_not_dates);
  g_test_add_func("/text-source/time-ranges", test_time_ranges);
  g_test_add_func("/text-source/baselines-and-event-anchors", test_baselines_and_event_anchors);
  g_test_add_func("/text-source/event-fields", test_event_fields);
  g_test_add_func("/text-source/offsets", test_offsets);
  g_test_add_func("/text-source/sentences", test_sentences);
  g_test_add_func("/text-source/zone-ends-sentence", test_zone_ends_sentence);
  g_test_add_func("/text-source/markdown-structure", test_markdown_structure);
  g_test_add_func("/text-source/date-lines", test_date_lines);
  g_test_add_func("/text-source/narrative-anchor", test_narrative_anchor);
  g_test_add_func("/text-source/unplaceable-warns", test_unplaceable_warns);
  g_test_add_func("/text-source/strict", test_strict);
  g_test_add_func("/text-source/deterministic-ids", test_deterministic_ids);
  g_test_add_func("/text-source/missing-file", test_missing_file);
  g_test_add_func("/text-source/long-alnum-run", test_long_alnum_run);
  g_test_add_func("/text-source/options", test_option_table);

  int status = g_test_run();
  tw_test_remove_dir(scratch);
  g_free(scratch);
  tw_registry_free(registry);
  return status;
}
