/* timeweave fuzzing: the date parser (tw_date_parse and its neighbours in core/date.c).
 *
 * Beyond "no crash": every date that parses must lie within the representable range and be
 * written by tw_date_format() in a form that reads back to the same span, precision, qualifier
 * and floating flag (date.h promises both), also after tw_date_set_precision(); durations read
 * back the same way; tw_time_format() stays within its buffer and reads back to its instant. */
#include "fuzz-common.h"

static GTimeZone *berlin;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  berlin = g_time_zone_new_identifier("Europe/Berlin");
  if (!berlin)
    fuzz_fail("no Europe/Berlin zone (tzdata)");
  return 0;
}

static void
check_same(const TwDate *a, const TwDate *b, const char *what, const char *text)
{
  FUZZ_CHECK(a->start == b->start && a->end == b->end && a->precision == b->precision &&
                 a->qualifier == b->qualifier && !a->floating == !b->floating,
             "%s '%s' reads back differently: [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
             ") %s %s %d -> [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") %s %s %d",
             what, text, a->start, a->end, tw_precision_to_string(a->precision),
             tw_qualifier_to_string(a->qualifier), a->floating, b->start, b->end,
             tw_precision_to_string(b->precision), tw_qualifier_to_string(b->qualifier),
             b->floating);
}

static void
check_sane(const TwDate *d, const char *text)
{
  FUZZ_CHECK(d->precision < TW_PRECISION_N && d->qualifier < TW_QUALIFIER_N,
             "'%s': precision %d, qualifier %d", text, d->precision, d->qualifier);
  FUZZ_CHECK(d->start >= TW_TIME_MIN && d->start <= TW_TIME_MAX,
             "'%s': start %" G_GINT64_FORMAT " out of range", text, d->start);
  FUZZ_CHECK(d->end >= d->start && d->end <= TW_TIME_MAX + 1,
             "'%s': end %" G_GINT64_FORMAT " (start %" G_GINT64_FORMAT ")", text, d->end, d->start);
  FUZZ_CHECK(d->precision != TW_PRECISION_EXACT || d->end == d->start,
             "'%s': an exact instant with a span", text);
}

/* Formats @d and reads it back: the same date. */
static void
check_round_trip(const TwDate *d, const char *text, const char *what)
{
  char *written = tw_date_format(d);
  TwDate back;
  GError *error = NULL;
  /* A period clamped to the range's first or last instant may not read back (date.h, and
   * test-date.c's round trips): 'early 0000-WI' lies wholly before 0001. */
  gboolean clamped = d->start == TW_TIME_MIN || d->end == TW_TIME_MAX + 1;
  if (!tw_date_parse(written, NULL, &back, &error)) {
    FUZZ_CHECK(clamped, "%s '%s' is written '%s', which fails: %s", what, text, written,
               error ? error->message : "?");
    g_clear_error(&error);
  } else if (!clamped) {
    check_same(d, &back, what, written);
  }
  g_free(written);
}

static void
check_time_format(gint64 usec, GTimeZone *zone, gboolean floating)
{
  char buf[TW_TIME_FORMAT_SIZE + 16];
  memset(buf, 'x', sizeof buf);
  gsize n = tw_time_format(usec, zone, floating, buf);
  FUZZ_CHECK(n < TW_TIME_FORMAT_SIZE && strlen(buf) == n, "tw_time_format wrote %zu bytes", n);
  TwDate back;
  GError *error = NULL;
  FUZZ_CHECK(tw_date_parse(buf, NULL, &back, &error), "tw_time_format gives '%s', which fails: %s",
             buf, error ? error->message : "?");
  FUZZ_CHECK(back.start == usec, "tw_time_format gives '%s' for %" G_GINT64_FORMAT, buf, usec);
  g_clear_error(&error);
}

static void
fuzz_parse(const char *text, GTimeZone *zone)
{
  TwDate d;
  GError *error = NULL;
  if (!tw_date_parse(text, zone, &d, &error)) {
    FUZZ_CHECK(error && error->domain == TW_DATE_ERROR && error->message && *error->message,
               "tw_date_parse failed without a TW_DATE_ERROR");
    g_error_free(error);
    return;
  }
  FUZZ_CHECK(error == NULL, "tw_date_parse succeeded and set an error");
  check_sane(&d, text);
  check_round_trip(&d, text, "date");
  check_time_format(d.start, NULL, d.floating);
  check_time_format(d.start, berlin, FALSE);

  for (int p = 0; p < TW_PRECISION_N; p++) {
    TwDate coarse = d;
    tw_date_set_precision(&coarse, (TwPrecision)p);
    check_sane(&coarse, text);
    check_round_trip(&coarse, text, tw_precision_to_string((TwPrecision)p));
  }
}

/* tw_date_parse() reads the common form YYYY-MM-DDTHH:MM:SS[.f](Z|+HH:MM) on a fast path that
 * takes only a digit first; a space before the text sends it the general way, which trims the
 * space: both must give the same date, or both fail with the same code. */
static void
check_fast_path(const char *text)
{
  char *spaced = g_strconcat(" ", text, NULL);
  TwDate fast, general;
  memset(&fast, 0, sizeof fast);
  memset(&general, 0, sizeof general);
  GError *fast_error = NULL, *general_error = NULL;
  gboolean fast_ok = tw_date_parse(text, NULL, &fast, &fast_error);
  gboolean general_ok = tw_date_parse(spaced, NULL, &general, &general_error);
  FUZZ_CHECK(fast_ok == general_ok, "'%s' parses %d, with a space before it %d", text, fast_ok,
             general_ok);
  if (fast_ok)
    FUZZ_CHECK(memcmp(&fast, &general, sizeof fast) == 0,
               "'%s' gives [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") offset %d, with a space "
               "before it [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") offset %d",
               text, fast.start, fast.end, fast.utc_offset, general.start, general.end,
               general.utc_offset);
  else
    FUZZ_CHECK(fast_error->code == general_error->code, "'%s' fails with code %d, spaced %d", text,
               fast_error->code, general_error->code);
  g_clear_error(&fast_error);
  g_clear_error(&general_error);
  g_free(spaced);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 256)
    return 0;
  char *text = fuzz_text(data, size);

  fuzz_parse(text, NULL);
  fuzz_parse(text, berlin);
  check_fast_path(text);

  gint64 usec;
  GError *error = NULL;
  if (tw_duration_parse(text, &usec, &error)) {
    char *written = tw_duration_format(usec);
    gint64 back;
    FUZZ_CHECK(tw_duration_parse(written, &back, NULL) && back == usec,
               "duration '%s' is written '%s', which does not read back", text, written);
    g_free(written);
  } else {
    FUZZ_CHECK(error != NULL, "tw_duration_parse failed without an error");
    g_clear_error(&error);
  }

  /* Zone names reach GLib's tzdata reader: keep them to names, not arbitrary paths. */
  if (size < 64) {
    GTimeZone *zone = tw_zone_new(text, &error);
    if (zone)
      g_time_zone_unref(zone);
    else
      g_clear_error(&error);
  }
  g_free(text);
  return 0;
}
