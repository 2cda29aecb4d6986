/* timeweave: the opensearch exporter: the body of _bulk requests (NDJSON), split into files that
 * each fit in one request, and an index template beside them.
 *
 * Each event is an action line {"index":{"_index":NAME,"_id":ID}} and a document line, both ending
 * with a newline as _bulk requires. The event's stable id is the document's _id, so sending the
 * files again updates the documents instead of adding copies. OpenSearch refuses a request larger
 * than http.max_content_length (100 MiB by default) whole, so the body is cut, between two
 * entries, into files of at most max-bytes (10 MiB by default): X.ndjson, then X-0001.ndjson,
 * X-0002.ndjson, ... beside it. Numbered files left from an earlier, larger export of the same
 * name are removed, so that `X.ndjson X-*.ndjson` is always this export. The template
 * (X.template.json) maps the fields; without it OpenSearch would guess their types from the first
 * document (docs/scale-out.md). Every file goes through its own TwOutput: none is ever left
 * half written, and the numbered files are put in place together once all were written, so a
 * failed run never leaves a mix of its files and an earlier export's.
 */
#include "export-scale.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#define DEFAULT_INDEX "timeweave"
#define DEFAULT_MAX_BYTES "10485760"
/* OpenSearch's limits: an _id of at most 512 bytes, an index name of at most 255. */
#define MAX_ID_BYTES 512
#define MAX_INDEX_BYTES 255

/* The document's _id: the event's id, unless another source gives an event with the same id
 * (TW_EVENT_SHARED_ID), whose document would replace this one: then a hash of the source's name
 * and the id (docs/scale-out.md). */
static const char *
document_id(const TwEvent *event, char buf[TW_ID_TEXT_SIZE])
{
  if (event->flags & TW_EVENT_SHARED_ID)
    return _tw_event_shared_id_key(event, buf);
  return _tw_event_id_text(event, buf);
}

static void
append_document(GString *buffer, TwExportDates *dates, TwLinkIndex *links, const TwEvent *event)
{
  char time[TW_TIME_FORMAT_SIZE];
  char datetime[TW_DATETIME_SIZE];
  TwQualifier qualifier = tw_event_get_qualifier(event);
  g_autofree char *date = _tw_export_date_text(dates, event);
  gboolean first = TRUE;

  g_string_append_c(buffer, '{');
  char id_buf[TW_ID_TEXT_SIZE];
  _tw_json_append_member(buffer, &first, "id", _tw_event_id_text(event, id_buf));
  _tw_json_append_member(buffer, &first, "message", tw_event_get_title(event));
  _tw_export_datetime_text(dates, event, tw_event_get_start(event), datetime);
  _tw_json_append_member(buffer, &first, "datetime", datetime);
  _tw_export_time_text(dates, event, tw_event_get_start(event), time);
  _tw_json_append_member(buffer, &first, "start", time);
  _tw_export_time_text(dates, event, tw_event_get_end(event), time);
  _tw_json_append_member(buffer, &first, "end", time);
  _tw_json_append_member(buffer, &first, "date", date);
  _tw_json_append_member(buffer, &first, "precision",
                         tw_precision_to_string(tw_event_get_precision(event)));
  if (qualifier != TW_QUALIFIER_NONE)
    _tw_json_append_member(buffer, &first, "qualifier", tw_qualifier_to_string(qualifier));
  if (tw_event_is_floating(event)) {
    _tw_json_append_key(buffer, &first, "floating");
    g_string_append(buffer, "true");
  }
  _tw_json_append_member(buffer, &first, "zone", tw_event_get_zone(event));
  _tw_json_append_member(buffer, &first, "description", tw_event_get_description(event));
  _tw_json_append_member(buffer, &first, "source", tw_event_get_source(event));
  _tw_json_append_member(buffer, &first, "kind", tw_event_get_kind(event));
  _tw_json_append_list(buffer, &first, "tags", event, tw_event_get_n_tags(event), tw_event_get_tag);
  if (tw_event_get_n_actors(event) > 0)
    _tw_json_append_list(buffer, &first, "actors", event, tw_event_get_n_actors(event),
                         tw_event_get_actor);
  _tw_json_append_member(buffer, &first, "location", tw_event_get_location(event));
  _tw_json_append_member(buffer, &first, "url", tw_event_get_url(event));
  _tw_json_append_geo_attributes(buffer, &first, event);
  _tw_json_append_links(buffer, &first, links, event);
  g_string_append(buffer, "}\n");
}

/* The bulk entry of @event: the action line and the document line. */
static void
append_entry(GString *buffer, const char *index, TwExportDates *dates, TwLinkIndex *links,
             const TwEvent *event)
{
  g_string_append(buffer, "{\"index\":{\"_index\":");
  _tw_json_append_string(buffer, index);
  g_string_append(buffer, ",\"_id\":");
  char id_buf[TW_ID_TEXT_SIZE];
  _tw_json_append_string(buffer, document_id(event, id_buf));
  g_string_append(buffer, "}}\n");
  append_document(buffer, dates, links, event);
}

/* OpenSearch's rules for index names (a name it would refuse fails here, before any file). */
static gboolean
check_index_name(const char *name, GError **error)
{
  const char *why = NULL;

  if (*name == '\0')
    why = "it is empty";
  else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    why = "it is . or ..";
  else if (strlen(name) > MAX_INDEX_BYTES)
    why = "it is longer than 255 bytes";
  else if (strchr("-_+", name[0]) != NULL)
    why = "it begins with -, _ or +";
  else if (name[strcspn(name, "\\/*?\"<>| ,#:")] != '\0')
    why = "it has one of \\ / * ? \" < > | , # : or a space";
  else
    for (const char *p = name; *p; p++)
      if (g_ascii_isupper(*p))
        why = "it has capital letters";
  if (why == NULL)
    return TRUE;
  g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
              "opensearch: option 'index': '%s' is not a valid index name: %s", name, why);
  return FALSE;
}

/* The name of a file beside @target: the stem of its base name (up to its last dot) followed by
 * @suffix, plus its extension when @keep_extension. */
static char *
beside(const char *target, const char *suffix, gboolean keep_extension)
{
  g_autofree char *dir = g_path_get_dirname(target);
  g_autofree char *base = g_path_get_basename(target);
  const char *dot = strrchr(base, '.');
  g_autofree char *stem = NULL;
  g_autofree char *name = NULL;

  if (dot == NULL || dot == base)
    dot = base + strlen(base);
  stem = g_strndup(base, (gsize)(dot - base));
  name = g_strconcat(stem, suffix, keep_extension ? dot : "", NULL);
  /* A target without a folder stays without one (`x.ndjson`, not `./x-0001.ndjson`). */
  if (strcmp(dir, ".") == 0 && strchr(target, G_DIR_SEPARATOR) == NULL)
    return g_steal_pointer(&name);
  return g_build_filename(dir, name, NULL);
}

static char *
part_path(const char *target, guint number)
{
  g_autofree char *suffix = g_strdup_printf("-%04u", number);

  return beside(target, suffix, TRUE);
}

/* The index template: composable (_index_template, OpenSearch 1.0 and later). */
static void
append_template(GString *buffer, const char *index)
{
  static const char *const mappings =
      "      \"date_detection\": false,\n"
      "      \"dynamic_templates\": [\n"
      "        {\n"
      "          \"attributes_as_keywords\": {\n"
      "            \"path_match\": \"attributes.*\",\n"
      "            \"match_mapping_type\": \"string\",\n"
      "            \"mapping\": {\"type\": \"keyword\", \"ignore_above\": 8191}\n"
      "          }\n"
      "        }\n"
      "      ],\n"
      "      \"properties\": {\n"
      "        \"id\": {\"type\": \"keyword\"},\n"
      "        \"message\": {\"type\": \"text\"},\n"
      "        \"datetime\": {\"type\": \"date\"},\n"
      "        \"start\": {\"type\": \"date\"},\n"
      "        \"end\": {\"type\": \"date\"},\n"
      "        \"date\": {\"type\": \"keyword\"},\n"
      "        \"precision\": {\"type\": \"keyword\"},\n"
      "        \"qualifier\": {\"type\": \"keyword\"},\n"
      "        \"floating\": {\"type\": \"boolean\"},\n"
      "        \"zone\": {\"type\": \"keyword\"},\n"
      "        \"description\": {\"type\": \"text\"},\n"
      "        \"source\": {\"type\": \"keyword\"},\n"
      "        \"kind\": {\"type\": \"keyword\"},\n"
      "        \"tags\": {\"type\": \"keyword\"},\n"
      "        \"actors\": {\"type\": \"keyword\"},\n"
      "        \"location\": {\"type\": \"text\", \"fields\": {\"keyword\": {\"type\": "
      "\"keyword\", \"ignore_above\": 1024}}},\n"
      "        \"url\": {\"type\": \"keyword\", \"ignore_above\": 8191},\n"
      "        \"geo\": {\"type\": \"geo_point\"},\n"
      "        \"attributes\": {\"type\": \"object\"},\n"
      "        \"links\": {\n"
      "          \"properties\": {\n"
      "            \"to\": {\"type\": \"keyword\"},\n"
      "            \"rule\": {\"type\": \"keyword\"},\n"
      "            \"lag_min\": {\"type\": \"keyword\"},\n"
      "            \"lag_max\": {\"type\": \"keyword\"},\n"
      "            \"certainty\": {\"type\": \"keyword\"}\n"
      "          }\n"
      "        }\n"
      "      }\n";

  g_string_append(buffer, "{\n  \"index_patterns\": [");
  _tw_json_append_string(buffer, index);
  g_string_append(buffer, "],\n  \"template\": {\n    \"mappings\": {\n");
  g_string_append(buffer, mappings);
  g_string_append(buffer, "    }\n  },\n  \"_meta\": {\"generator\": ");
  _tw_json_append_string(buffer, "timeweave " TW_VERSION);
  g_string_append(buffer, "}\n}\n");
}

/* Writes @text to a new file @path through a TwOutput of its own: put in place by the job with
 * the other exports when @companions is not NULL, else here. */
static gboolean
write_file(const char *path, const GString *text, GPtrArray *companions, GError **error)
{
  g_autoptr(TwOutput) out = tw_output_open(path, error);

  if (out == NULL)
    return FALSE;
  tw_output_write(out, text->str, text->len);
  if (companions == NULL)
    return tw_output_close(out, error);
  if (!_tw_output_finish(out, error))
    return FALSE;
  g_ptr_array_add(companions, g_steal_pointer(&out));
  return TRUE;
}

/* Removes the numbered files from @first on that an earlier export left, or adds them to
 * @obsolete (the job removes them once every export is in place) when it is not NULL. */
static gboolean
remove_stale_parts(const char *target, guint first, GPtrArray *obsolete, GError **error)
{
  for (guint number = first;; number++) {
    g_autofree char *path = part_path(target, number);

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
      return TRUE;
    if (obsolete != NULL) {
      g_ptr_array_add(obsolete, g_steal_pointer(&path));
      continue;
    }
    if (g_remove(path) != 0) {
      int errsv = errno;

      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                  "%s: cannot remove this part of an earlier export: %s", path, g_strerror(errsv));
      return FALSE;
    }
  }
}

static gboolean
opensearch_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  const TwOptions *options = exporter != NULL ? tw_exporter_get_options(exporter) : NULL;
  const char *index = options != NULL ? tw_options_get_string(options, "index") : DEFAULT_INDEX;
  gint64 max_bytes = options != NULL ? tw_options_get_int(options, "max-bytes")
                                     : g_ascii_strtoll(DEFAULT_MAX_BYTES, NULL, 10);
  const char *target = tw_output_get_path(out);
  gboolean to_stdout = strcmp(target, "-") == 0;
  guint n = tw_timeline_get_n_events(timeline);
  g_autoptr(GString) entry = g_string_sized_new(2048);
  /* The numbered files, written and synced but put in place only once every one was: a run that
   * fails half-way (an entry too large, a full disk) leaves the earlier export whole. */
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func((GDestroyNotify)tw_output_free);
  /* In a job, the job puts them in place with every other export's files, once all were written:
   * renamed here, they would replace the earlier export's even when a later format fails. */
  GPtrArray *companions = exporter != NULL ? exporter->companions : NULL;
  GPtrArray *finished = companions != NULL ? companions : written;
  g_autoptr(TwOutput) part = NULL;
  TwOutput *current = out;
  guint parts = 0; /* numbered files written so far */
  gint64 size = 0; /* bytes in the current file */
  gboolean ok = TRUE;
  TwLinkIndex *links;
  TwExportDates dates;

  if (index == NULL)
    index = DEFAULT_INDEX;
  if (!check_index_name(index, error))
    return FALSE;
  if (max_bytes <= 0) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "opensearch: option 'max-bytes': %" G_GINT64_FORMAT " is not a positive size",
                max_bytes);
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    char id_buf[TW_ID_TEXT_SIZE];
    const char *id = document_id(tw_timeline_get_event(timeline, i), id_buf);

    if (strlen(id) > MAX_ID_BYTES) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                  "opensearch: event '%.40s...' has an id of %" G_GSIZE_FORMAT
                  " bytes; OpenSearch takes at most %d as a document _id",
                  id, strlen(id), MAX_ID_BYTES);
      return FALSE;
    }
  }

  _tw_export_dates_init(&dates, exporter);
  links = _tw_link_index_new(timeline);

  /* Standard output cannot be split: measure first, and refuse before writing anything. */
  if (to_stdout) {
    gint64 total = 0;

    for (guint i = 0; i < n; i++) {
      g_string_truncate(entry, 0);
      append_entry(entry, index, &dates, links, tw_timeline_get_event(timeline, i));
      total += (gint64)entry->len;
    }
    if (total > max_bytes) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                  "opensearch: the bulk body is %" G_GINT64_FORMAT
                  " bytes, more than max-bytes=%" G_GINT64_FORMAT
                  ", and standard output cannot be split into files: write to a file "
                  "(-o NAME.ndjson) or raise max-bytes",
                  total, max_bytes);
      ok = FALSE;
    }
  }

  for (guint i = 0; ok && i < n; i++) {
    const TwEvent *event = tw_timeline_get_event(timeline, i);

    g_string_truncate(entry, 0);
    append_entry(entry, index, &dates, links, event);
    if ((gint64)entry->len > max_bytes) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                  "opensearch: the bulk entry of event '%s' is %" G_GSIZE_FORMAT
                  " bytes, more than max-bytes=%" G_GINT64_FORMAT
                  ": no request could carry it; raise max-bytes",
                  tw_event_get_id(event), entry->len, max_bytes);
      ok = FALSE;
      break;
    }
    if (size + (gint64)entry->len > max_bytes) {
      /* Close the full file, whole entries only, and go on in the next numbered one. */
      g_autofree char *path = part_path(target, ++parts);

      if (part != NULL && !_tw_output_finish(part, error)) {
        ok = FALSE;
        break;
      }
      if (part != NULL)
        g_ptr_array_add(finished, g_steal_pointer(&part));
      part = tw_output_open(path, error);
      if (part == NULL) {
        ok = FALSE;
        break;
      }
      current = part;
      size = 0;
    }
    tw_output_write(current, entry->str, entry->len);
    size += (gint64)entry->len;
  }
  if (ok && part != NULL) {
    ok = _tw_output_finish(part, error);
    if (ok)
      g_ptr_array_add(finished, g_steal_pointer(&part));
  }
  for (guint i = 0; ok && i < written->len; i++)
    ok = tw_output_close(g_ptr_array_index(written, i), error);

  if (ok && !to_stdout) {
    g_autofree char *template_path = beside(target, ".template.json", FALSE);

    g_string_truncate(entry, 0);
    append_template(entry, index);
    ok = write_file(template_path, entry, companions, error) &&
         remove_stale_parts(target, parts + 1, exporter != NULL ? exporter->obsolete : NULL, error);
  }
  _tw_link_index_free(links);
  _tw_export_dates_clear(&dates);
  return ok;
}

static const TwOptionSpec opensearch_options[] = {
    {"index",
     TW_OPTION_STRING,
     DEFAULT_INDEX,
     "The index the documents go to (each action line's _index, and the template's pattern).",
     NULL,
     {NULL}},
    {"max-bytes",
     TW_OPTION_INT,
     DEFAULT_MAX_BYTES,
     "The largest file, in bytes: a body that would pass it is cut between two events into "
     "NAME.ndjson, NAME-0001.ndjson, NAME-0002.ndjson, ... each of which one _bulk request can "
     "carry (OpenSearch refuses requests over http.max_content_length, 100 MiB by default).",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

const TwExporterInfo _tw_exporter_opensearch = {
    .name = "opensearch",
    .summary = "OpenSearch _bulk files (NDJSON) and an index template",
    .description =
        "Writes the body of _bulk requests: for each event an action line "
        "{\"index\": {\"_index\": INDEX, \"_id\": ID}} (the event's stable id, so that sending "
        "again updates the documents; an id that another source gives too is hashed with the "
        "event's source, so that neither document replaces the other) and the document: id, "
        "message (the title), datetime (the "
        "start, ISO 8601 with microseconds and an offset), start and end (as the json format "
        "writes them), date, precision, qualifier, floating, zone, description, source, kind, "
        "tags, actors, location, url, geo, attributes and links (those that start at the "
        "event). A body that would pass max-bytes is cut between two events into numbered "
        "files beside the target (NAME.ndjson, NAME-0001.ndjson, ...); numbered files of an "
        "earlier export of the same name are removed. NAME.template.json beside them is a "
        "composable index template (date: datetime, start, end; keyword: id, source, kind, "
        "tags, precision, date and the attributes; text: message, description; geo_point: "
        "geo). With -o -, the body goes to standard output unsplit (it fails if it passes "
        "max-bytes) and no template is written. docs/scale-out.md gives the curl commands.",
    .options = opensearch_options,
    .extension = "ndjson",
    .write = opensearch_write,
};
