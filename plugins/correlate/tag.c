/* timeweave analyzers: tag, which adds tags to the events that selectors pick
 * (docs/analyzers.md). */
#include "correlate.h"

#include <string.h>

typedef struct {
  char *name;
  char *description;
  TwSelector *select;
  GStrv tags;
} TagRule;

static void
tag_rule_free(gpointer data)
{
  TagRule *rule = data;
  g_free(rule->name);
  g_free(rule->description);
  g_clear_pointer(&rule->select, tw_selector_free);
  g_strfreev(rule->tags);
  g_free(rule);
}

/* Splits `a;b` into tags, dropping empty ones; NULL when there is none. */
static GStrv
split_tags(const char *text)
{
  g_auto(GStrv) parts = g_strsplit(text, ";", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
  guint n = 0;
  for (guint i = 0; parts[i]; i++) {
    g_strstrip(parts[i]);
    if (parts[i][0] != '\0') {
      g_strv_builder_add(builder, parts[i]);
      n++;
    }
  }
  return n ? g_strv_builder_end(builder) : NULL;
}

static gboolean
load_tag_rules(const char *path, GPtrArray *rules, GError **error)
{
  g_autoptr(RulesFile) file = _tw_correlate_rules_file_load(path, "tag", error);
  if (file == NULL)
    return FALSE;
  guint first = rules->len; /* the file's rules begin here */
  g_auto(GStrv) groups = g_key_file_get_groups(file->keys, NULL);
  for (guint i = 0; groups[i]; i++) {
    const char *group = groups[i];
    TagRule *rule = g_new0(TagRule, 1);
    g_ptr_array_add(rules, rule);
    rule->name = _tw_correlate_rules_file_name(file, group, error);
    if (rule->name == NULL)
      return FALSE;
    /* [tag x] and [tag  x] are two sections but one name, as for correlate's rules. */
    for (guint j = first; j + 1 < rules->len; j++)
      if (strcmp(((TagRule *)rules->pdata[j])->name, rule->name) == 0)
        return _tw_correlate_rules_file_fail(file, group, NULL, error, "tag '%s' is given twice",
                                             rule->name);
    g_auto(GStrv) keys = g_key_file_get_keys(file->keys, group, NULL, NULL);
    for (guint k = 0; keys[k]; k++) {
      static const char *const known[] = {"select", "tags", "description", NULL};
      if (!g_strv_contains(known, keys[k]))
        return _tw_correlate_rules_file_fail(
            file, group, keys[k], error,
            "tag '%s': unknown key '%s' (known: select, tags, description)", rule->name, keys[k]);
    }
    g_autofree char *select = _tw_correlate_rules_file_get(file, group, "select");
    if (select == NULL)
      return _tw_correlate_rules_file_fail(file, group, NULL, error,
                                           "tag '%s': missing key 'select'", rule->name);
    g_autoptr(GError) local = NULL;
    rule->select = tw_selector_compile(select, &local);
    if (rule->select == NULL)
      return _tw_correlate_rules_file_fail(file, group, "select", error, "tag '%s': select: %s",
                                           rule->name, local->message);
    g_autofree char *tags = _tw_correlate_rules_file_get(file, group, "tags");
    rule->tags = split_tags(tags ? tags : rule->name);
    if (rule->tags == NULL)
      return _tw_correlate_rules_file_fail(file, group, "tags", error, "tag '%s': tags: no tag",
                                           rule->name);
    rule->description = _tw_correlate_rules_file_get(file, group, "description");
  }
  if (rules->len == 0) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "%s:1: no tag rules: add a [tag NAME] section", path);
    return FALSE;
  }
  return TRUE;
}

/* TwComponentCheck: select= without tag= (or the reverse), a bad selector, or no rule at all is
 * refused when the analyzer is added, before any source is read; the messages name the option
 * in quotes, so that `build` makes them a usage error and a spec's error names its line. The
 * rules file is input, read and checked when the analyzer runs. tag_run calls it too, for
 * callers that run the analyzer without adding it to a job. */
static gboolean
tag_check(const TwOptions *options, GError **error)
{
  const char *select = tw_options_get_string(options, "select");
  const char *const *tags = tw_options_get_list(options, "tag");
  if (select == NULL && tags[0] == NULL) {
    if (tw_options_get_path(options, "rules") != NULL)
      return TRUE;
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "tag needs select=SELECTOR and tag=TAG, or rules=FILE");
    return FALSE;
  }
  if (select == NULL || tags[0] == NULL) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option '%s' of tag: give both select=SELECTOR and tag=TAG",
                select == NULL ? "tag" : "select");
    return FALSE;
  }
  g_autoptr(GError) local = NULL;
  g_autoptr(TwSelector) compiled = tw_selector_compile(select, &local);
  if (compiled == NULL) {
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE, "option 'select' of tag: %s",
                local->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean
tag_run(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  if (!_tw_correlate_check_run(analyzer, tag_check, error))
    return FALSE;
  const TwOptions *options = tw_analyzer_get_options(analyzer);
  const char *name = tw_analyzer_get_name(analyzer);
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func(tag_rule_free);

  const char *select = tw_options_get_string(options, "select");
  if (select != NULL) { /* with tag=, as tag_check made sure */
    TagRule *rule = g_new0(TagRule, 1);
    g_ptr_array_add(rules, rule);
    rule->name = g_strdup(name);
    rule->select = tw_selector_compile(select, NULL);
    rule->tags = g_strdupv((char **)tw_options_get_list(options, "tag"));
  }
  const char *path = tw_options_get_path(options, "rules");
  if (path != NULL && !load_tag_rules(path, rules, error))
    return FALSE;
  if (rules->len == 0) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED,
                "analyzer %s: tag needs select=SELECTOR and tag=TAG, or rules=FILE", name);
    return FALSE;
  }

  /* One rule at a time, in order: a rule sees the tags the ones before it added. */
  guint n = tw_timeline_get_n_events(timeline);
  for (guint r = 0; r < rules->len; r++) {
    const TagRule *rule = rules->pdata[r];
    guint64 tagged = 0;
    for (guint i = 0; i < n; i++) {
      if (!tw_selector_matches(rule->select, tw_timeline_get_event(timeline, i)))
        continue;
      for (guint t = 0; rule->tags[t]; t++)
        tw_timeline_add_tag(timeline, i, rule->tags[t]);
      tagged++;
    }
    g_autofree char *list = g_strjoinv("; ", rule->tags);
    g_autofree char *summary = g_strdup_printf("tagged %" G_GUINT64_FORMAT " event%s with %s",
                                               tagged, tagged == 1 ? "" : "s", list);
    TwFinding *finding = tw_timeline_add_finding(timeline, name, rule->name, "tag", summary);
    if (rule->description)
      tw_finding_set_attribute(finding, "description", rule->description);
    tw_finding_set_attribute(finding, "select", tw_selector_get_text(rule->select));
    tw_finding_set_attribute(finding, "tags", list);
    g_autofree char *count = g_strdup_printf("%" G_GUINT64_FORMAT, tagged);
    tw_finding_set_attribute(finding, "events", count);
  }
  return TRUE;
}

static const TwOptionSpec tag_options[] = {
    {"select",
     TW_OPTION_STRING,
     NULL,
     "A selector (docs/analyzers.md): the events to tag, with the tags of tag=.",
     NULL,
     {NULL}},
    {"tag", TW_OPTION_LIST, NULL, "The tags to add to the selected events (a;b).", NULL, {NULL}},
    {"rules",
     TW_OPTION_PATH,
     NULL,
     "A file of [tag NAME] sections, each with select=SELECTOR and tags=a;b (default: NAME), "
     "applied in order after select= and tag=.",
     NULL,
     {NULL}},
    {NULL, 0, NULL, NULL, NULL, {NULL}},
};

const TwAnalyzerInfo _tw_analyzer_tag = {
    .name = "tag",
    .summary = "Adds tags to the events that selectors pick",
    .description =
        "Tags every event a selector matches: select=SELECTOR with tag=a;b, or a rules file of "
        "[tag NAME] sections (select=, tags=), applied in order so that a rule sees the tags the "
        "ones before it added. Each rule adds a finding that counts the events it tagged.",
    .options = tag_options,
    .run = tag_run,
    .check = tag_check,
};
