/* skeleton: the "skeleton" source reads dated notes, one per line:
 *
 *   # comments and blank lines are skipped
 *   2026-01-12 | Kickoff meeting | #project @ana room=B2
 *   early 2026-02 | First draft
 *
 * DATE is any form timeweave reads (2026-01-12, 2026-W07, early 2026-02, 2026-Q2, an ISO time);
 * the optional third field holds #tags, @actors and key=value attributes.
 *
 * What every source does, shown small: read the input through the core's reader (files, `-`,
 * gzip and resources for free), push each event into the sink as soon as it is read, give every
 * record its place (file, line), skip a broken record with a warning (fatal under --strict), and
 * keep no global state: the core may run several instances of this source at once. */
#include <string.h>

#include "skeleton.h"

static const TwOptionSpec notes_options[] = {
    {.name = "separator",
     .type = TW_OPTION_STRING,
     .default_value = "|",
     .help = "The text between the fields of a line."},
    {.name = "timezone",
     .type = TW_OPTION_ZONE,
     .help = "The zone of times written without an offset (2026-01-20T09:30); without it they "
             "stay floating (wall-clock times, never shifted)."},
    {.name = "kind",
     .type = TW_OPTION_STRING,
     .default_value = "note",
     .help = "The kind given to every event."},
    {.name = "tags",
     .type = TW_OPTION_LIST,
     .help = "Tags given to every event, separated by `;`."},
    {.name = NULL},
};

/* Reads the third field: #tag, @actor and key=value words. Returns the first word that is none
 * of these (owned by @words), or NULL when all were used. */
static const char *
add_extras(TwEventBuilder *ev, char **words)
{
  for (guint i = 0; words[i]; i++) {
    const char *word = words[i];
    const char *eq = strchr(word, '=');
    if (!*word)
      continue; /* runs of spaces */
    if (word[0] == '#' && word[1])
      tw_event_builder_add_tag(ev, word + 1);
    else if (word[0] == '@' && word[1])
      tw_event_builder_add_actor(ev, word + 1);
    else if (eq && eq > word) {
      g_autofree char *key = g_strndup(word, (gsize)(eq - word));
      tw_event_builder_set_attribute(ev, key, eq + 1);
    } else {
      return word;
    }
  }
  return NULL;
}

/* One line: returns FALSE only when a warning was fatal (--strict), with @error set. */
static gboolean
read_note(TwSink *sink, const TwOptions *options, const char *file, guint n, const char *line,
          GError **error)
{
  const char *separator = tw_options_get_string(options, "separator");
  g_auto(GStrv) fields = g_strsplit(line, separator, 3);
  if (!fields[0] || !fields[1])
    return tw_sink_warn(sink, file, n, error, "expected DATE %s TITLE, found no '%s'", separator,
                        separator);
  for (guint i = 0; fields[i]; i++)
    g_strstrip(fields[i]);

  TwDate date;
  g_autoptr(GError) bad = NULL;
  if (!tw_date_parse(fields[0], tw_options_get_zone(options, "timezone"), &date, &bad))
    return tw_sink_warn(sink, file, n, error, "%s", bad->message);
  if (!*fields[1])
    return tw_sink_warn(sink, file, n, error, "the note has no title");

  /* The builder belongs to the sink and is reused; every setter copies. */
  TwEventBuilder *ev = tw_sink_begin(sink, file, n);
  tw_event_builder_set_date(ev, &date);
  tw_event_builder_set_title(ev, fields[1]);
  tw_event_builder_set_kind(ev, tw_options_get_string(options, "kind"));
  for (const char *const *tag = tw_options_get_list(options, "tags"); *tag; tag++)
    tw_event_builder_add_tag(ev, *tag);
  if (fields[2]) {
    g_auto(GStrv) words = g_strsplit_set(fields[2], " \t", -1);
    const char *stray = add_extras(ev, words);
    if (stray) {
      tw_sink_discard(sink);
      return tw_sink_warn(sink, file, n, error,
                          "'%s' is not a #tag, an @actor or a key=value attribute", stray);
    }
  }
  /* The core checks the event; a refusal already names the place. */
  if (!tw_sink_commit(sink, &bad))
    return tw_sink_warn_error(sink, bad, error);
  return TRUE;
}

static gboolean
notes_read(TwSource *source, TwSink *sink, GError **error)
{
  const TwOptions *options = tw_source_get_options(source);
  const char *file = tw_source_get_path(source);
  g_autoptr(TwReader) in = tw_source_open(source, error);
  if (!in)
    return FALSE; /* `PATH: reason`, from the reader */

  g_autoptr(GError) io = NULL;
  const char *line;
  gsize length;
  while ((line = tw_reader_read_line(in, &length, &io))) {
    const char *text = line + strspn(line, " \t");
    if (!*text || *text == '#')
      continue;
    if (!read_note(sink, options, file, tw_reader_get_line_number(in), line, error))
      return FALSE;
  }
  if (io) { /* NULL from read_line is the end of the input, or an I/O error */
    g_propagate_error(error, g_steal_pointer(&io));
    return FALSE;
  }
  return TRUE;
}

const TwSourceInfo skeleton_notes_source = {
    .name = "skeleton",
    .summary = "Dated notes, one per line: DATE | TITLE | #tags @actors key=value",
    .description =
        "Reads a text file of notes, one per line: a date in any form timeweave reads, the "
        "separator, a title, and optionally the separator again and words that are #tags, "
        "@actors or key=value attributes. Blank lines and lines that begin with # are skipped; "
        "a line without a date or a title is skipped with a warning that names its line.",
    .options = notes_options,
    .read = notes_read,
};
