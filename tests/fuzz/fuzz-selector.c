/* timeweave fuzzing: the selector language (include/timeweave/selector.h, core/selector.c).
 *
 * Every text either compiles or fails with a TW_SELECTOR_ERROR on one line; what compiles is
 * matched against a few events with every kind of field, and its canonical form
 * (tw_selector_to_string) compiles again to the same canonical form, selecting the same events. */
#include "fuzz-common.h"

static TwTimeline *timeline;

static void
add_event(TwSink *sink, const char *date, const char *title, const char *const *tags,
          const char *const *actors, const char *const *attributes)
{
  TwDate d;
  if (!tw_date_parse(date, NULL, &d, NULL))
    fuzz_fail("bad fixture date %s", date);
  TwEventBuilder *b = tw_sink_begin(sink, "fixture", 1);
  tw_event_builder_set_date(b, &d);
  tw_event_builder_set_title(b, title);
  tw_event_builder_set_kind(b, "launch");
  tw_event_builder_set_description(b, "a (description) with \"quotes\" and \\ backslash");
  tw_event_builder_set_location(b, "Taipei");
  tw_event_builder_set_url(b, "https://example.org/a?b=c");
  tw_event_builder_set_zone(b, "Europe/Berlin");
  for (guint i = 0; tags && tags[i]; i++)
    tw_event_builder_add_tag(b, tags[i]);
  for (guint i = 0; actors && actors[i]; i++)
    tw_event_builder_add_actor(b, actors[i]);
  for (guint i = 0; attributes && attributes[i]; i += 2)
    tw_event_builder_set_attribute(b, attributes[i], attributes[i + 1]);
  if (!tw_sink_commit(sink, NULL))
    fuzz_fail("fixture event refused");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  timeline = tw_timeline_new("fuzz");
  TwSink *sink = tw_timeline_open_sink(timeline, "events", FALSE);
  add_event(sink, "2026-02-13T10:30:00Z", "H20 export rules",
            (const char *const[]){"export-control", "us", NULL},
            (const char *const[]){"BIS", "Nvidia", NULL},
            (const char *const[]){"host", "db1", "count", "42", "empty", "", NULL});
  add_event(sink, "early 2025", "Rumour: a new chip", (const char *const[]){"rumor", NULL},
            (const char *const[]){"ByteDance", NULL}, NULL);
  add_event(sink, "2020s", "Décennie ünïcode ✓", NULL, NULL,
            (const char *const[]){"path", "C:\\dir\\(x)", NULL});
  tw_sink_close(sink);
  tw_timeline_finish(timeline);
  return 0;
}

/* Which of the events @selector selects, as bits. */
static guint
selection(const TwSelector *selector)
{
  guint bits = 0;
  for (guint i = 0; i < tw_timeline_get_n_events(timeline); i++)
    if (tw_selector_matches(selector, tw_timeline_get_event(timeline, i)))
      bits |= 1u << i;
  return bits;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* A user's selector is short; long ones only make GRegex slow, not the parser interesting. */
  if (size > 512)
    return 0;
  char *text = fuzz_text(data, size);
  GError *error = NULL;
  TwSelector *selector = tw_selector_compile(text, &error);
  if (!selector) {
    FUZZ_CHECK(error && error->domain == TW_SELECTOR_ERROR, "compile failed without an error");
    /* The message quotes the text: one line unless the text has line breaks of its own. */
    if (!strpbrk(text, "\r\n"))
      fuzz_check_message(error, "selector '");
    g_error_free(error);
    g_free(text);
    return 0;
  }
  FUZZ_CHECK(strcmp(tw_selector_get_text(selector), text) == 0, "get_text differs");
  guint bits = selection(selector);

  char *canonical = tw_selector_to_string(selector);
  TwSelector *again = tw_selector_compile(canonical, &error);
  FUZZ_CHECK(again != NULL, "'%s' is written '%s', which does not compile: %s", text, canonical,
             error ? error->message : "?");
  char *canonical2 = tw_selector_to_string(again);
  FUZZ_CHECK(strcmp(canonical, canonical2) == 0, "'%s' -> '%s' -> '%s'", text, canonical,
             canonical2);
  FUZZ_CHECK(selection(again) == bits, "'%s' and its canonical form '%s' select differently", text,
             canonical);

  g_free(canonical2);
  g_free(canonical);
  tw_selector_free(again);
  tw_selector_free(selector);
  g_free(text);
  return 0;
}
