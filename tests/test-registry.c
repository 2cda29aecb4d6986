/* timeweave tests: the plugin loader and option validation.
 *
 * Every deliberately broken plugin of tests/plugins/ is loaded on its own and its refusal is
 * checked against the message formats that plugin.h documents (the file, dlerror()'s text, both
 * ABI versions, ...); dlerror()'s text is obtained here with the same dlopen() call, so the
 * comparison is exact. Then the whole folder is loaded: every refusal is listed and the good
 * plugin still loads and runs. Last, tw_options_new() is given unknown names and bad values for
 * every option type, as options.h documents. */
#include <dlfcn.h>
#include <string.h>
#include <glib/gstdio.h>
#include <timeweave/timeweave.h>

#include "tw-test.h"

#ifndef TW_TEST_PLUGIN_DIR
#error "TW_TEST_PLUGIN_DIR must name the folder of the test plugins (tests/meson.build)"
#endif

static char *
plugin_path(const char *file)
{
  return g_build_filename(TW_TEST_PLUGIN_DIR, file, NULL);
}

/* dlerror()'s text for a dlopen() that must fail as the loader's does. */
static char *
dlopen_failure(const char *path)
{
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle != NULL) {
    dlclose(handle);
    g_error("%s: expected dlopen() to fail", path);
  }
  return g_strdup(dlerror());
}

/* dlerror()'s text for a dlsym() of the entry point that must fail. */
static char *
dlsym_failure(const char *path)
{
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL)
    g_error("%s: expected dlopen() to succeed: %s", path, dlerror());
  dlerror();
  void *symbol = dlsym(handle, TW_PLUGIN_ENTRY_POINT);
  char *message = symbol == NULL ? g_strdup(dlerror()) : NULL;
  dlclose(handle);
  if (message == NULL)
    g_error("%s: expected no %s symbol", path, TW_PLUGIN_ENTRY_POINT);
  return message;
}

static void
assert_one_line(const GError *error)
{
  g_assert_nonnull(error);
  g_assert_null(strchr(error->message, '\n'));
}

/* Loads @file on its own into a fresh registry and checks the refusal's code; returns it. */
static GError *
load_refused(const char *file, TwPluginError code)
{
  g_autofree char *path = plugin_path(file);
  TwRegistry *registry = tw_registry_new();
  guint n_before = tw_registry_get_n_plugins(registry);
  GError *error = NULL;

  gboolean ok = tw_registry_load_file(registry, path, &error);
  g_assert_false(ok);
  g_assert_error(error, TW_PLUGIN_ERROR, (gint)code);
  assert_one_line(error);
  /* A refused plugin is not listed. */
  g_assert_cmpuint(tw_registry_get_n_plugins(registry), ==, n_before);
  tw_registry_free(registry);
  return error;
}

/* -- the registry itself -- */

static void
test_new(void)
{
  TwRegistry *registry = tw_registry_new();

  /* The core's own exporters are there from the start. */
  for (const char *const *name = (const char *const[]){"json", "jsonl", "csv", NULL}; *name;
       name++) {
    const TwExporterInfo *info = tw_registry_find_exporter(registry, *name);
    g_assert_nonnull(info);
    g_assert_cmpstr(info->name, ==, *name);
    g_assert_nonnull(info->write);
  }
  g_assert_null(tw_registry_find_source(registry, "good"));
  g_assert_null(tw_registry_find_analyzer(registry, "good-tagger"));
  g_assert_null(tw_registry_find_exporter(registry, "no-such-format"));
  tw_registry_free(registry);
}

/* -- each broken plugin on its own -- */

static void
test_not_elf(void)
{
  g_autofree char *path = plugin_path("not-elf.so");
  g_autofree char *dl = dlopen_failure(path);
  g_autoptr(GError) error = load_refused("not-elf.so", TW_PLUGIN_ERROR_NOT_A_PLUGIN);
  /* dlerror()'s text without the file's name it begins with: it is named once. */
  g_assert_true(g_str_has_prefix(dl, path));
  g_autofree char *expected = g_strdup_printf("%s: not a plugin: %s", path, dl + strlen(path) + 2);
  g_assert_cmpstr(error->message, ==, expected);
}

static void
test_missing_symbol(void)
{
  g_autofree char *path = plugin_path("missing-symbol.so");
  g_autofree char *dl = dlopen_failure(path);
  g_autoptr(GError) error = load_refused("missing-symbol.so", TW_PLUGIN_ERROR_NOT_A_PLUGIN);
  /* It is a plugin, one that needs what this timeweave lacks: said so, the file named once. */
  g_assert_true(g_str_has_prefix(dl, path));
  g_autofree char *expected = g_strdup_printf(
      "%s: cannot be loaded: %s (not in timeweave " TW_VERSION
      " nor in the libraries the plugin links: was it built for a newer timeweave?)",
      path, dl + strlen(path) + 2);
  g_assert_cmpstr(error->message, ==, expected);
  /* RTLD_NOW: the unresolvable symbol is named at load time, not when the source runs. */
  g_assert_nonnull(strstr(error->message, "timeweave_test_undefined_function"));
}

static void
test_no_entry(void)
{
  g_autofree char *path = plugin_path("no-entry.so");
  g_autofree char *dl = dlsym_failure(path);
  g_autoptr(GError) error = load_refused("no-entry.so", TW_PLUGIN_ERROR_NO_ENTRY_POINT);
  /* dlerror() names the file too: the message says it once. */
  g_assert_true(g_str_has_prefix(dl, path));
  g_autofree char *expected =
      g_strdup_printf("%s: no timeweave_plugin entry point: %s", path, dl + strlen(path) + 2);
  g_assert_cmpstr(error->message, ==, expected);
}

static void
test_data_entry(void)
{
  /* Called, the variable would crash the program: it is refused before. */
  g_autofree char *path = plugin_path("data-entry.so");
  g_autoptr(GError) error = load_refused("data-entry.so", TW_PLUGIN_ERROR_NO_ENTRY_POINT);
  g_autofree char *expected = g_strdup_printf(
      "%s: no timeweave_plugin entry point: timeweave_plugin is not a function (define it with "
      "TW_PLUGIN_DEFINE())",
      path);
  g_assert_cmpstr(error->message, ==, expected);
}

static void
test_abi_major(void)
{
  g_autofree char *path = plugin_path("abi-major.so");
  g_autoptr(GError) error = load_refused("abi-major.so", TW_PLUGIN_ERROR_ABI_MISMATCH);
  g_autofree char *expected =
      g_strdup_printf("%s: built for plugin ABI %d.%d, this timeweave has %d.%d (the major "
                      "version must match: rebuild the plugin against these headers)",
                      path, TW_ABI_MAJOR + 1, TW_ABI_MINOR, TW_ABI_MAJOR, TW_ABI_MINOR);
  g_assert_cmpstr(error->message, ==, expected);
}

static void
test_abi_minor_newer(void)
{
  g_autofree char *path = plugin_path("abi-minor-newer.so");
  g_autoptr(GError) error = load_refused("abi-minor-newer.so", TW_PLUGIN_ERROR_ABI_MISMATCH);
  g_autofree char *expected =
      g_strdup_printf("%s: built for plugin ABI %d.%d, this timeweave has %d.%d (the plugin "
                      "needs a newer timeweave)",
                      path, TW_ABI_MAJOR, TW_ABI_MINOR + 1, TW_ABI_MAJOR, TW_ABI_MINOR);
  g_assert_cmpstr(error->message, ==, expected);
}

static void
test_abi_minor_older(void)
{
  g_autofree char *path = plugin_path("abi-minor-older.so");
  TwRegistry *registry = tw_registry_new();
  guint n_before = tw_registry_get_n_plugins(registry);
  g_autoptr(GError) error = NULL;

  g_assert_true(tw_registry_load_file(registry, path, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(tw_registry_get_n_plugins(registry), ==, n_before + 1);
  g_assert_cmpstr(tw_registry_get_plugin(registry, n_before)->name, ==, "abi-minor-older");
  g_assert_cmpstr(tw_registry_get_plugin_path(registry, n_before), ==, path);

  /* The plugin's descriptor is shorter than TwSourceInfo: what the registry hands out must
   * still be a whole TwSourceInfo, the fields past the declared size zero. */
  const TwSourceInfo *info = tw_registry_find_source(registry, "older");
  g_assert_nonnull(info);
  g_assert_cmpstr(info->name, ==, "older");
  g_assert_cmpstr(info->summary, ==, "A source with the smaller descriptor of an older ABI minor");
  g_assert_null(info->description);
  g_assert_null(info->options);
  g_assert_nonnull(info->read);
  for (guint i = 0; i < G_N_ELEMENTS(info->reserved); i++)
    g_assert_null(info->reserved[i]);
  tw_registry_free(registry);
}

static void
test_bad_size(void)
{
  g_autofree char *path = plugin_path("bad-size.so");
  g_autoptr(GError) error = load_refused("bad-size.so", TW_PLUGIN_ERROR_BAD_DESCRIPTOR);
  g_autofree char *prefix = g_strconcat(path, ": ", NULL);
  g_assert_true(g_str_has_prefix(error->message, prefix));
  g_assert_cmpuint(strlen(error->message), >, strlen(prefix));
}

static void
test_bad_descriptor(void)
{
  g_autofree char *path = plugin_path("bad-descriptor.so");
  g_autoptr(GError) error = load_refused("bad-descriptor.so", TW_PLUGIN_ERROR_BAD_DESCRIPTOR);
  g_autofree char *prefix = g_strconcat(path, ": ", NULL);
  g_assert_true(g_str_has_prefix(error->message, prefix));
  g_assert_cmpuint(strlen(error->message), >, strlen(prefix));
}

static void
test_init_fails(void)
{
  g_autofree char *path = plugin_path("init-fails.so");
  TwRegistry *registry = tw_registry_new();
  g_autoptr(GError) error = NULL;

  g_assert_false(tw_registry_load_file(registry, path, &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_INIT_FAILED);
  g_autofree char *expected =
      g_strdup_printf("%s: init failed: the test plugin refuses to start", path);
  g_assert_cmpstr(error->message, ==, expected);
  /* None of its components is registered. */
  g_assert_null(tw_registry_find_source(registry, "init-fails"));
  tw_registry_free(registry);
}

static void
test_duplicate(void)
{
  g_autofree char *path_a = plugin_path("duplicate-a.so");
  g_autofree char *path_b = plugin_path("duplicate-b.so");
  TwRegistry *registry = tw_registry_new();
  guint n_before = tw_registry_get_n_plugins(registry);
  g_autoptr(GError) error = NULL;

  g_assert_true(tw_registry_load_file(registry, path_a, &error));
  g_assert_no_error(error);
  g_assert_false(tw_registry_load_file(registry, path_b, &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_DUPLICATE_NAME);
  g_autofree char *expected =
      g_strdup_printf("%s: source 'dup' is already provided by %s", path_b, path_a);
  g_assert_cmpstr(error->message, ==, expected);

  /* The first one keeps the name; the refused plugin registers nothing, not even its analyzer
   * whose name was free. */
  g_assert_cmpuint(tw_registry_get_n_plugins(registry), ==, n_before + 1);
  const TwSourceInfo *dup = tw_registry_find_source(registry, "dup");
  g_assert_nonnull(dup);
  g_assert_cmpstr(dup->summary, ==, "The first source named dup");
  g_assert_null(tw_registry_find_analyzer(registry, "dup-b-only"));
  tw_registry_free(registry);
}

/* A plugin compiled into the program, registered with tw_registry_add_plugin(). */
static gboolean
builtin_write(TwExporter *exporter, const TwTimeline *timeline, TwOutput *out, GError **error)
{
  return TRUE;
}

static const TwExporterInfo builtin_csv = {
    .name = "csv",
    .summary = "A second csv exporter",
    .extension = "csv",
    .write = builtin_write,
};

static const TwExporterInfo builtin_fresh = {
    .name = "test-fresh",
    .summary = "An exporter with a free name",
    .extension = "txt",
    .write = builtin_write,
};

static const TwExporterInfo *const builtin_dup_exporters[] = {&builtin_csv, NULL};
static const TwExporterInfo *const builtin_fresh_exporters[] = {&builtin_fresh, NULL};

#define BUILTIN_INFO(exporters_)                                                                   \
  {                                                                                                \
    .abi_major = TW_ABI_MAJOR, .abi_minor = TW_ABI_MINOR,                                          \
    .plugin_info_size = sizeof(TwPluginInfo), .source_info_size = sizeof(TwSourceInfo),            \
    .analyzer_info_size = sizeof(TwAnalyzerInfo), .exporter_info_size = sizeof(TwExporterInfo),    \
    .option_spec_size = sizeof(TwOptionSpec), .name = "test-builtin", .version = "1.0",            \
    .summary = "Compiled into the test", .exporters = (exporters_),                                \
  }

static void
test_add_plugin(void)
{
  static const TwPluginInfo dup_info = BUILTIN_INFO(builtin_dup_exporters);
  static const TwPluginInfo fresh_info = BUILTIN_INFO(builtin_fresh_exporters);
  TwRegistry *registry = tw_registry_new();
  g_autoptr(GError) error = NULL;

  /* A name the core's own exporters already have. */
  g_assert_false(tw_registry_add_plugin(registry, &dup_info, "test-origin", &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_DUPLICATE_NAME);
  assert_one_line(error);
  g_assert_true(
      g_str_has_prefix(error->message, "test-origin: exporter 'csv' is already provided by "));
  g_clear_error(&error);
  g_assert_cmpstr(tw_registry_find_exporter(registry, "csv")->summary, !=, "A second csv exporter");

  g_assert_true(tw_registry_add_plugin(registry, &fresh_info, "test-origin", &error));
  g_assert_no_error(error);
  const TwExporterInfo *fresh = tw_registry_find_exporter(registry, "test-fresh");
  g_assert_nonnull(fresh);
  g_assert_cmpstr(fresh->summary, ==, "An exporter with a free name");
  tw_registry_free(registry);
}

/* Option tables that could only fail later, when the component is used (a bad default, a usage
 * error the user cannot correct) or never work (a second row of one name, a choice without
 * choices, a source option `name` that the job keeps for itself), refuse the plugin. */
static gboolean
table_read(TwSource *source, TwSink *sink, GError **error)
{
  return TRUE;
}

/* A plugin of one source, declared with these sizes, must be refused as a bad descriptor in one
 * line: @expected (when not %NULL) word for word. */
static void
assert_source_refused(const TwSourceInfo *source, guint32 plugin_info_size,
                      guint32 source_info_size, const char *expected)
{
  const TwSourceInfo *const sources[] = {source, NULL};
  const TwPluginInfo info = {
      .abi_major = TW_ABI_MAJOR,
      .abi_minor = TW_ABI_MINOR,
      .plugin_info_size = plugin_info_size,
      .source_info_size = source_info_size,
      .analyzer_info_size = sizeof(TwAnalyzerInfo),
      .exporter_info_size = sizeof(TwExporterInfo),
      .option_spec_size = sizeof(TwOptionSpec),
      .name = "refused",
      .version = "1.0",
      .summary = "A plugin the loader refuses",
      .sources = sources,
  };
  TwRegistry *registry = tw_registry_new();
  g_autoptr(GError) error = NULL;
  g_assert_false(tw_registry_add_plugin(registry, &info, "test-origin", &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR);
  assert_one_line(error);
  if (expected)
    g_assert_cmpstr(error->message, ==, expected);
  if (source->name)
    g_assert_null(tw_registry_find_source(registry, source->name));
  tw_registry_free(registry);
}

static void
assert_table_refused(const TwOptionSpec *table, const char *expected)
{
  const TwSourceInfo source = {
      .name = "tables", .summary = "A source", .options = table, .read = table_read};
  assert_source_refused(&source, sizeof(TwPluginInfo), sizeof(TwSourceInfo), expected);
}

static void
test_bad_option_tables(void)
{
  static const TwOptionSpec bad_int[] = {
      {.name = "n", .type = TW_OPTION_INT, .default_value = "abc", .help = "A number."},
      {.name = NULL},
  };
  assert_table_refused(bad_int, "test-origin: bad descriptor: source tables declares a bad "
                                "default: option 'n' of tables: 'abc' is not an integer");
  static const TwOptionSpec bad_choice[] = {
      {.name = "c",
       .type = TW_OPTION_CHOICE,
       .default_value = "z",
       .choices = "a|b",
       .help = "A choice."},
      {.name = NULL},
  };
  assert_table_refused(bad_choice, "test-origin: bad descriptor: source tables declares a bad "
                                   "default: option 'c' of tables: 'z' is not one of: a,b");
  static const TwOptionSpec no_choices[] = {
      {.name = "c", .type = TW_OPTION_CHOICE, .help = "A choice."},
      {.name = NULL},
  };
  assert_table_refused(no_choices, "test-origin: bad descriptor: option 'c' of source 'tables' "
                                   "is a choice without choices");
  static const TwOptionSpec twice[] = {
      {.name = "d", .type = TW_OPTION_STRING, .help = "Once."},
      {.name = "d", .type = TW_OPTION_INT, .help = "Twice."},
      {.name = NULL},
  };
  assert_table_refused(
      twice, "test-origin: bad descriptor: option 'd' of source 'tables' is declared twice");
  static const TwOptionSpec name[] = {
      {.name = "name", .type = TW_OPTION_STRING, .help = "Never seen."},
      {.name = NULL},
  };
  assert_table_refused(name, "test-origin: bad descriptor: option 'name' of source 'tables' is "
                             "the core's (the instance name)");
  static const TwOptionSpec unsayable[] = {
      {.name = "a=b", .type = TW_OPTION_STRING, .help = "Never given."},
      {.name = NULL},
  };
  assert_table_refused(unsayable, "test-origin: bad descriptor: option 'a=b' of source 'tables' "
                                  "has a name that KEY=VALUE cannot give (use letters, digits, "
                                  "'.', '_' and '-')");
}

/* Descriptors larger than this core's: a minor takes its fields from the reserved space, so no
 * ABI 1 struct is larger, and such a size is no TW_PLUGIN_DEFINE() of these headers. Refused
 * before anything past this core's size is read. */
static void
test_larger_descriptors(void)
{
  const TwSourceInfo source = {.name = "big", .summary = "A source", .read = table_read};
  g_autofree char *plugin = g_strdup_printf(
      "test-origin: bad descriptor: TwPluginInfo is %u bytes, larger than any ABI %d version (%u)",
      (guint)sizeof(TwPluginInfo) + 64, TW_ABI_MAJOR, (guint)sizeof(TwPluginInfo));
  assert_source_refused(&source, sizeof(TwPluginInfo) + 64, sizeof(TwSourceInfo), plugin);
  g_autofree char *component = g_strdup_printf(
      "test-origin: bad descriptor: its source struct is %u bytes, larger than any ABI %d "
      "version of it (%u)",
      (guint)sizeof(TwSourceInfo) + 4096, TW_ABI_MAJOR, (guint)sizeof(TwSourceInfo));
  assert_source_refused(&source, sizeof(TwPluginInfo), sizeof(TwSourceInfo) + 4096, component);
}

/* A component whose name the command line cannot give (`-s 'has space:x'` looks for a source
 * named `has space`; `-s a:b:PATH` for one named `a`) is refused at load, not listed as usable. */
static void
test_bad_component_names(void)
{
  static const char *const names[] = {"has space", "a:b", "x,y", "tab\there", ""};
  static const char *const quoted[] = {"has space", "a:b", "x,y", "tab\\there", NULL};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    const TwSourceInfo source = {.name = names[i], .summary = "A source", .read = table_read};
    g_autofree char *expected =
        quoted[i] ? g_strdup_printf("test-origin: bad descriptor: source '%s' has a name that -s, "
                                    "-a and -f cannot give (use letters, digits, '.', '_' and "
                                    "'-')",
                                    quoted[i])
                  : NULL;
    assert_source_refused(&source, sizeof(TwPluginInfo), sizeof(TwSourceInfo), expected);
  }
}

/* Components whose check refuses the option `text` when it is "silent" without saying why (a
 * plugin's bug that the core must survive), and when it holds a line break with a message that
 * quotes it as it is. */
static const TwOptionSpec checked_options[] = {
    {.name = "text", .type = TW_OPTION_STRING, .help = "Refused when it is \"silent\""},
    {.name = NULL},
};

static gboolean
checked_check(const TwOptions *options, GError **error)
{
  const char *text = tw_options_get_string(options, "text");
  if (text != NULL && strchr(text, '\n') != NULL) {
    /* As writing-plugins.md's example does: the message quotes the value as it is. */
    g_set_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE,
                "option 'text' of checked: '%s' is more than one line", text);
    return FALSE;
  }
  return text == NULL || strcmp(text, "silent") != 0;
}

static gboolean
checked_read(TwSource *source, TwSink *sink, GError **error)
{
  return TRUE;
}

static gboolean
checked_run(TwAnalyzer *analyzer, TwTimeline *timeline, GError **error)
{
  return TRUE;
}

static const TwSourceInfo checked_source = {
    .name = "checked",
    .summary = "A source with a check",
    .options = checked_options,
    .read = checked_read,
    .check = checked_check,
};
static const TwAnalyzerInfo checked_analyzer = {
    .name = "checked",
    .summary = "An analyzer with a check",
    .options = checked_options,
    .run = checked_run,
    .check = checked_check,
};
static const TwExporterInfo checked_exporter = {
    .name = "checked",
    .summary = "An exporter with a check",
    .options = checked_options,
    .extension = "txt",
    .write = builtin_write,
    .check = checked_check,
};
static const TwSourceInfo *const checked_sources[] = {&checked_source, NULL};
static const TwAnalyzerInfo *const checked_analyzers[] = {&checked_analyzer, NULL};
static const TwExporterInfo *const checked_exporters[] = {&checked_exporter, NULL};

static void
test_check_refusals(void)
{
  static const TwPluginInfo info = {
      .abi_major = TW_ABI_MAJOR,
      .abi_minor = TW_ABI_MINOR,
      .plugin_info_size = sizeof(TwPluginInfo),
      .source_info_size = sizeof(TwSourceInfo),
      .analyzer_info_size = sizeof(TwAnalyzerInfo),
      .exporter_info_size = sizeof(TwExporterInfo),
      .option_spec_size = sizeof(TwOptionSpec),
      .name = "test-checked",
      .version = "1.0",
      .summary = "Components with checks",
      .sources = checked_sources,
      .analyzers = checked_analyzers,
      .exporters = checked_exporters,
  };
  TwRegistry *registry = tw_registry_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(tw_registry_add_plugin(registry, &info, "test-origin", &error));
  g_assert_no_error(error);
  TwJob *job = tw_job_new(registry);
  const char *const keys[] = {"text", NULL};
  const char *const silent[] = {"silent", NULL};

  /* A check that returns FALSE and sets no error: the caller still gets one, naming the
   * component (the CLI printed the message of a NULL error and crashed). */
  g_assert_false(tw_job_add_source(job, "checked", NULL, "in.txt", NULL, keys, silent, &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED);
  g_assert_cmpstr(error->message, ==, "source 'checked' refused its options without saying why");
  g_clear_error(&error);
  g_assert_false(tw_job_add_analyzer(job, "checked", NULL, NULL, keys, silent, &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED);
  g_assert_cmpstr(error->message, ==, "analyzer 'checked' refused its options without saying why");
  g_clear_error(&error);
  g_assert_false(tw_job_add_export(job, "checked", "out.txt", keys, silent, &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_FAILED);
  g_assert_cmpstr(error->message, ==, "format 'checked' refused its options without saying why");
  g_clear_error(&error);
  /* The check's message, made one line whatever the value holds. */
  const char *const two_lines[] = {"one\ntwo", NULL};
  g_assert_false(tw_job_add_source(job, "checked", NULL, "in.txt", NULL, keys, two_lines, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
  g_assert_cmpstr(error->message, ==,
                  "option 'text' of checked: 'one\\ntwo' is more than one line");
  g_clear_error(&error);
  /* Without an error to fill, a refusal is still a refusal. */
  g_assert_false(tw_job_add_source(job, "checked", NULL, "in.txt", NULL, keys, silent, NULL));

  g_assert_true(tw_job_add_source(job, "checked", NULL, "in.txt", NULL, NULL, NULL, &error));
  g_assert_no_error(error);
  tw_job_free(job);
  tw_registry_free(registry);
}

/* -- the whole folder -- */

typedef struct {
  const char *file;
  TwPluginError code;
} ExpectedRefusal;

static void
test_load_dir(void)
{
  /* In name order, as tw_registry_load_dir() loads them. */
  static const ExpectedRefusal expected[] = {
      {"abi-major.so", TW_PLUGIN_ERROR_ABI_MISMATCH},
      {"abi-minor-newer.so", TW_PLUGIN_ERROR_ABI_MISMATCH},
      {"bad-descriptor.so", TW_PLUGIN_ERROR_BAD_DESCRIPTOR},
      {"bad-size.so", TW_PLUGIN_ERROR_BAD_DESCRIPTOR},
      {"data-entry.so", TW_PLUGIN_ERROR_NO_ENTRY_POINT},
      {"duplicate-b.so", TW_PLUGIN_ERROR_DUPLICATE_NAME},
      {"init-fails.so", TW_PLUGIN_ERROR_INIT_FAILED},
      {"missing-symbol.so", TW_PLUGIN_ERROR_NOT_A_PLUGIN},
      {"no-entry.so", TW_PLUGIN_ERROR_NO_ENTRY_POINT},
      {"not-elf.so", TW_PLUGIN_ERROR_NOT_A_PLUGIN},
  };
  static const char *const loaded[] = {"abi-minor-older.so", "duplicate-a.so", "good.so"};
  TwRegistry *registry = tw_registry_new();
  guint n_before = tw_registry_get_n_plugins(registry);
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);

  guint n = tw_registry_load_dir(registry, TW_TEST_PLUGIN_DIR, refusals);
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(loaded));
  g_assert_cmpuint(tw_registry_get_n_plugins(registry), ==, n_before + G_N_ELEMENTS(loaded));
  for (guint i = 0; i < G_N_ELEMENTS(loaded); i++) {
    g_autofree char *path = plugin_path(loaded[i]);
    g_assert_cmpstr(tw_registry_get_plugin_path(registry, n_before + i), ==, path);
  }

  for (guint i = 0; i < refusals->len; i++)
    g_test_message("refusal: %s", ((GError *)refusals->pdata[i])->message);
  g_assert_cmpuint(refusals->len, ==, G_N_ELEMENTS(expected));
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
    const GError *error = refusals->pdata[i];
    g_autofree char *path = plugin_path(expected[i].file);
    g_autofree char *prefix = g_strconcat(path, ": ", NULL);
    g_assert_error(error, TW_PLUGIN_ERROR, (gint)expected[i].code);
    assert_one_line(error);
    g_assert_true(g_str_has_prefix(error->message, prefix));
  }
  /* The duplicate is reported against the file that came first. */
  g_autofree char *path_a = plugin_path("duplicate-a.so");
  g_autofree char *path_b = plugin_path("duplicate-b.so");
  g_autofree char *dup_message =
      g_strdup_printf("%s: source 'dup' is already provided by %s", path_b, path_a);
  g_assert_cmpstr(((GError *)refusals->pdata[5])->message, ==, dup_message);

  /* The good plugin loaded with all its components, next to the broken ones. */
  const TwSourceInfo *source = tw_registry_find_source(registry, "good");
  g_assert_nonnull(source);
  g_assert_nonnull(source->read);
  g_assert_cmpstr(source->options[0].name, ==, "prefix");
  const TwAnalyzerInfo *analyzer = tw_registry_find_analyzer(registry, "good-tagger");
  g_assert_nonnull(analyzer);
  g_assert_cmpstr(analyzer->options[0].name, ==, "tag");
  const TwExporterInfo *exporter = tw_registry_find_exporter(registry, "good-lines");
  g_assert_nonnull(exporter);
  g_assert_cmpstr(exporter->extension, ==, "txt");
  g_assert_cmpstr(tw_registry_find_source(registry, "dup")->summary, ==,
                  "The first source named dup");
  g_assert_nonnull(tw_registry_find_source(registry, "older"));
  /* Nothing of the refused ones. */
  g_assert_null(tw_registry_find_analyzer(registry, "dup-b-only"));
  g_assert_null(tw_registry_find_source(registry, "init-fails"));
  g_assert_null(tw_registry_find_source(registry, "abi-major"));
  g_assert_null(tw_registry_find_source(registry, "abi-minor-newer"));
  g_assert_null(tw_registry_find_source(registry, "no-read"));
  g_assert_null(tw_registry_find_source(registry, "truncated"));
  g_assert_null(tw_registry_find_source(registry, "missing-symbol"));
  tw_registry_free(registry);
}

static void
test_load_dir_missing(void)
{
  TwRegistry *registry = tw_registry_new();
  guint n_before = tw_registry_get_n_plugins(registry);
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
  g_autofree char *missing = g_build_filename(TW_TEST_PLUGIN_DIR, "no-such-folder", NULL);

  g_assert_cmpuint(tw_registry_load_dir(registry, missing, refusals), ==, 0);
  g_assert_cmpuint(refusals->len, ==, 0);
  g_assert_cmpuint(tw_registry_get_n_plugins(registry), ==, n_before);
  tw_registry_free(registry);
}

/* One folder given twice (TIMEWEAVE_PLUGIN_PATH and --plugin-dir): its plugins were refused as
 * duplicates of themselves, `good.so: source 'good' is already provided by good.so`. */
static void
test_load_twice(void)
{
  TwRegistry *registry = tw_registry_new();
  g_autofree char *path = plugin_path("good.so");
  g_autofree char *other = g_build_filename(TW_TEST_PLUGIN_DIR, ".", "good.so", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true(tw_registry_load_file(registry, path, &error));
  g_assert_no_error(error);
  guint n = tw_registry_get_n_plugins(registry);
  g_assert_true(tw_registry_load_file(registry, path, &error));
  g_assert_no_error(error);
  g_assert_true(tw_registry_load_file(registry, other, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(tw_registry_get_n_plugins(registry), ==, n);
  g_assert_cmpstr(tw_registry_get_plugin_path(registry, n - 1), ==, path);

  /* The whole folder again: nothing it holds is refused as a duplicate of itself. */
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
  g_autoptr(GPtrArray) second = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
  guint loaded = tw_registry_load_dir(registry, TW_TEST_PLUGIN_DIR, first);
  g_assert_cmpuint(loaded, >, 0);
  g_assert_cmpuint(tw_registry_load_dir(registry, TW_TEST_PLUGIN_DIR, second), ==, 0);
  g_assert_cmpuint(second->len, ==, first->len);
  for (guint i = 0; i < second->len; i++)
    g_assert_cmpstr(((GError *)second->pdata[i])->message, ==,
                    ((GError *)first->pdata[i])->message);
  tw_registry_free(registry);
}

/* -- the good plugin's components at work, through a job -- */

static TwRegistry *
registry_with_good(void)
{
  g_autofree char *path = plugin_path("good.so");
  TwRegistry *registry = tw_registry_new();
  g_autoptr(GError) error = NULL;

  g_assert_true(tw_registry_load_file(registry, path, &error));
  g_assert_no_error(error);
  return registry;
}

static void
test_good_run(void)
{
  g_autofree char *path = plugin_path("good.so");
  TwRegistry *registry = registry_with_good();
  TwJob *job = tw_job_new(registry);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("tw-registry-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *out = g_build_filename(dir, "good.txt", NULL);

  tw_job_set_title(job, "Good run");
  tw_job_set_threads(job, 2);
  tw_job_set_progress(job, FALSE);
  /* The good source emits the same events whatever its path; give it a real file. */
  g_assert_true(tw_job_add_source(job, "good", "g", path, NULL,
                                  (const char *const[]){"prefix", NULL},
                                  (const char *const[]){"Event", NULL}, &error));
  g_assert_no_error(error);
  g_assert_true(tw_job_add_analyzer(job, "good-tagger", NULL, NULL,
                                    (const char *const[]){"tag", NULL},
                                    (const char *const[]){"checked", NULL}, &error));
  g_assert_no_error(error);
  g_assert_true(tw_job_add_export(job, "good-lines", out, (const char *const[]){"header", NULL},
                                  (const char *const[]){"yes", NULL}, &error));
  g_assert_no_error(error);
  g_assert_true(tw_job_run(job, &error));
  g_assert_no_error(error);

  g_assert_cmpuint(tw_job_get_n_sources(job), ==, 1);
  g_assert_cmpstr(tw_job_get_source_name(job, 0), ==, "g");
  g_assert_cmpuint(tw_job_get_source_events(job, 0), ==, 3);
  g_assert_cmpuint(tw_job_get_source_warnings(job, 0), ==, 0);
  const TwTimeline *timeline = tw_job_get_timeline(job);
  g_assert_cmpuint(tw_timeline_get_n_events(timeline), ==, 3);
  g_assert_cmpstr(tw_event_get_source(tw_timeline_get_event(timeline, 0)), ==, "g");

  g_autofree char *contents = NULL;
  g_assert_true(g_file_get_contents(out, &contents, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(contents, ==,
                  "# Good run\n"
                  "good-1\t2026-01-15\tEvent 1\tchecked\n"
                  "good-2\t2026-02\tEvent 2\tchecked\n"
                  "good-3\t2026-03-01T10:30:00Z\tEvent 3\tchecked\n");

  tw_job_free(job);
  tw_registry_free(registry);
  g_assert_cmpint(g_remove(out), ==, 0);
  g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_not_found(void)
{
  TwRegistry *registry = registry_with_good();
  TwJob *job = tw_job_new(registry);
  g_autoptr(GError) error = NULL;

  g_assert_false(tw_job_add_source(job, "nope", NULL, "in.json", NULL, NULL, NULL, &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NOT_FOUND);
  g_assert_cmpstr(error->message, ==, "no source named 'nope' (available: good)");
  g_clear_error(&error);

  g_assert_false(tw_job_add_analyzer(job, "nope", NULL, NULL, NULL, NULL, &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NOT_FOUND);
  assert_one_line(error);
  g_assert_nonnull(strstr(error->message, "'nope'"));
  g_assert_nonnull(strstr(error->message, "good-tagger"));
  g_clear_error(&error);

  g_assert_false(tw_job_add_export(job, "nope", "out.txt", NULL, NULL, &error));
  g_assert_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NOT_FOUND);
  assert_one_line(error);
  g_assert_nonnull(strstr(error->message, "'nope'"));
  g_assert_nonnull(strstr(error->message, "good-lines"));
  g_assert_nonnull(strstr(error->message, "csv"));

  tw_job_free(job);
  tw_registry_free(registry);
}

/* A plugin's option table is enforced before it runs: messages name the component. */
static void
test_good_options(void)
{
  TwRegistry *registry = registry_with_good();
  TwJob *job = tw_job_new(registry);
  g_autoptr(GError) error = NULL;

  g_assert_false(tw_job_add_source(job, "good", "g", "in.json", NULL,
                                   (const char *const[]){"colour", NULL},
                                   (const char *const[]){"red", NULL}, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_UNKNOWN);
  g_assert_cmpstr(error->message, ==, "unknown option 'colour' for good (known: prefix)");
  g_clear_error(&error);

  g_assert_false(tw_job_add_analyzer(job, "good-tagger", NULL, NULL,
                                     (const char *const[]){"tags", NULL},
                                     (const char *const[]){"x", NULL}, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_UNKNOWN);
  g_assert_cmpstr(error->message, ==, "unknown option 'tags' for good-tagger (known: tag)");
  g_clear_error(&error);

  g_assert_false(tw_job_add_export(job, "good-lines", "out.txt",
                                   (const char *const[]){"header", NULL},
                                   (const char *const[]){"maybe", NULL}, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
  assert_one_line(error);
  g_assert_true(g_str_has_prefix(error->message, "option 'header' of good-lines: 'maybe' "));

  tw_job_free(job);
  tw_registry_free(registry);
}

/* -- tw_options_new() on a table with one option of every type -- */

static const TwOptionSpec all_types[] = {
    {.name = "bool", .type = TW_OPTION_BOOL, .help = "A boolean."},
    {.name = "choice",
     .type = TW_OPTION_CHOICE,
     .default_value = "dmy",
     .choices = "dmy|mdy",
     .help = "A choice."},
    {.name = "date", .type = TW_OPTION_DATE, .help = "A date."},
    {.name = "double", .type = TW_OPTION_DOUBLE, .default_value = "1.5", .help = "A number."},
    {.name = "duration", .type = TW_OPTION_DURATION, .default_value = "90d", .help = "A duration."},
    {.name = "int", .type = TW_OPTION_INT, .default_value = "7", .help = "An integer."},
    {.name = "list", .type = TW_OPTION_LIST, .help = "A list."},
    {.name = "path", .type = TW_OPTION_PATH, .help = "A file."},
    {.name = "string", .type = TW_OPTION_STRING, .default_value = "hello", .help = "Text."},
    {.name = "zone", .type = TW_OPTION_ZONE, .help = "A time zone."},
    {.name = NULL},
};

static TwOptions *
options_one(const char *key, const char *value, GError **error)
{
  const char *keys[] = {key, NULL};
  const char *values[] = {value, NULL};
  return tw_options_new("comp", all_types, "/base", keys, values, error);
}

static void
test_options_defaults(void)
{
  g_autoptr(GError) error = NULL;
  TwOptions *options = tw_options_new("comp", all_types, "/base", NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(options);

  g_assert_false(tw_options_is_set(options, "bool"));
  g_assert_false(tw_options_get_bool(options, "bool"));
  g_assert_cmpstr(tw_options_get_string(options, "choice"), ==, "dmy");
  TwDate date = {.start = 12345};
  g_assert_false(tw_options_get_date(options, "date", &date));
  g_assert_cmpint(date.start, ==, 12345);
  g_assert_cmpfloat(tw_options_get_double(options, "double"), ==, 1.5);
  g_assert_cmpint(tw_options_get_duration(options, "duration"), ==, 90 * TW_USEC_PER_DAY);
  g_assert_cmpint(tw_options_get_int(options, "int"), ==, 7);
  const char *const *list = tw_options_get_list(options, "list");
  g_assert_nonnull(list);
  g_assert_null(list[0]);
  g_assert_false(tw_options_is_set(options, "path"));
  g_assert_null(tw_options_get_path(options, "path"));
  g_assert_cmpstr(tw_options_get_string(options, "string"), ==, "hello");
  g_assert_null(tw_options_get_zone(options, "zone"));
  tw_options_free(options);
}

static void
test_options_values(void)
{
  g_autoptr(GError) error = NULL;
  const char *keys[] = {"bool", "choice", "date",   "double", "duration", "int",
                        "list", "path",   "string", "zone",   NULL};
  const char *values[] = {"yes",   "mdy",        "2026-02",      "-2.25",         "1h30m", "-42",
                          "a;b;c", "sub/f.json", "x, y and \\z", "Europe/Berlin", NULL};
  TwOptions *options = tw_options_new("comp", all_types, "/base", keys, values, &error);
  g_assert_no_error(error);
  g_assert_nonnull(options);

  g_assert_true(tw_options_is_set(options, "bool"));
  g_assert_true(tw_options_get_bool(options, "bool"));
  g_assert_cmpstr(tw_options_get_string(options, "choice"), ==, "mdy");
  TwDate date;
  g_assert_true(tw_options_get_date(options, "date", &date));
  g_assert_cmpint(date.precision, ==, TW_PRECISION_MONTH);
  g_assert_cmpint(date.start, ==, tw_civil_to_usec(2026, 2, 1, 0, 0, 0));
  g_assert_cmpint(date.end, ==, tw_civil_to_usec(2026, 3, 1, 0, 0, 0));
  g_assert_cmpfloat(tw_options_get_double(options, "double"), ==, -2.25);
  g_assert_cmpint(tw_options_get_duration(options, "duration"), ==, 5400 * TW_USEC_PER_SEC);
  g_assert_cmpint(tw_options_get_int(options, "int"), ==, -42);
  const char *const *list = tw_options_get_list(options, "list");
  g_assert_cmpuint(g_strv_length((char **)list), ==, 3);
  g_assert_cmpstr(list[0], ==, "a");
  g_assert_cmpstr(list[1], ==, "b");
  g_assert_cmpstr(list[2], ==, "c");
  g_assert_cmpstr(tw_options_get_path(options, "path"), ==, "/base/sub/f.json");
  g_assert_cmpstr(tw_options_get_string(options, "string"), ==, "x, y and \\z");
  GTimeZone *zone = tw_options_get_zone(options, "zone");
  g_assert_nonnull(zone);
  g_assert_cmpstr(g_time_zone_get_identifier(zone), ==, "Europe/Berlin");
  tw_options_free(options);
}

/* Every spelling options.h lists for a boolean, and a naive date that stays floating. */
static void
test_options_forms(void)
{
  static const struct {
    const char *text;
    gboolean value;
  } bools[] = {{"true", TRUE}, {"false", FALSE}, {"yes", TRUE}, {"no", FALSE},
               {"on", TRUE},   {"off", FALSE},   {"1", TRUE},   {"0", FALSE}};

  for (guint i = 0; i < G_N_ELEMENTS(bools); i++) {
    g_autoptr(GError) error = NULL;
    TwOptions *options = options_one("bool", bools[i].text, &error);
    g_assert_no_error(error);
    g_assert_cmpint(tw_options_get_bool(options, "bool"), ==, bools[i].value);
    tw_options_free(options);
  }

  g_autoptr(GError) error = NULL;
  TwOptions *options = options_one("date", "2026-02-13 10:30:00", &error);
  g_assert_no_error(error);
  TwDate date;
  g_assert_true(tw_options_get_date(options, "date", &date));
  g_assert_true(date.floating);
  g_assert_cmpint(date.precision, ==, TW_PRECISION_EXACT);
  tw_options_free(options);

  /* An absolute path is kept; an offset is a zone too; an empty list is empty. */
  options = options_one("path", "/abs/f.json", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(tw_options_get_path(options, "path"), ==, "/abs/f.json");
  tw_options_free(options);
  options = options_one("zone", "+01:00", &error);
  g_assert_no_error(error);
  g_assert_nonnull(tw_options_get_zone(options, "zone"));
  g_assert_cmpint(g_time_zone_get_offset(tw_options_get_zone(options, "zone"), 0), ==, 3600);
  tw_options_free(options);
  options = options_one("duration", "90d", &error);
  g_assert_no_error(error);
  g_assert_cmpint(tw_options_get_duration(options, "duration"), ==, 90 * TW_USEC_PER_DAY);
  tw_options_free(options);
}

static void
test_options_unknown(void)
{
  g_autoptr(GError) error = NULL;

  g_assert_null(options_one("colour", "red", &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_UNKNOWN);
  g_assert_cmpstr(error->message, ==,
                  "unknown option 'colour' for comp (known: bool, choice, date, double, duration, "
                  "int, list, path, string, zone)");
  g_clear_error(&error);

  /* Names are matched exactly. */
  g_assert_null(options_one("Bool", "true", &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_UNKNOWN);
  g_assert_true(g_str_has_prefix(error->message, "unknown option 'Bool' for comp (known: "));
  g_clear_error(&error);

  /* A component without a table takes no option at all. */
  const char *keys[] = {"x", NULL};
  const char *values[] = {"1", NULL};
  g_assert_null(tw_options_new("bare", NULL, NULL, keys, values, &error));
  g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_UNKNOWN);
  assert_one_line(error);
  g_assert_true(g_str_has_prefix(error->message, "unknown option 'x' for bare"));
  g_clear_error(&error);

  TwOptions *none = tw_options_new("bare", NULL, NULL, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(none);
  tw_options_free(none);
}

static void
test_options_bad_values(void)
{
  /* Every type whose values can be wrong. STRING, LIST and PATH take any text. */
  static const struct {
    const char *key;
    const char *value;
    const char *why; /* the documented end of the message, when options.h gives it */
  } cases[] = {
      {"int", "abc", "is not an integer"},
      {"int", "12abc", "is not an integer"},
      {"int", "1.5", "is not an integer"},
      {"int", "", "is not an integer"},
      {"int", "99999999999999999999", NULL},
      {"bool", "maybe", NULL},
      {"bool", "", NULL},
      {"double", "abc", NULL},
      {"double", "2,5", NULL},
      {"double", "1.5x", NULL},
      {"duration", "soon", NULL},
      {"duration", "", NULL},
      {"date", "2026-13", NULL},
      {"date", "someday", NULL},
      {"zone", "Mars/Olympus", NULL},
      {"choice", "ymd", NULL},
      {"choice", "dmy|mdy", NULL},
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_test_message("%s=%s", cases[i].key, cases[i].value);
    g_assert_null(options_one(cases[i].key, cases[i].value, &error));
    g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
    assert_one_line(error);
    if (cases[i].why != NULL) {
      g_autofree char *expected = g_strdup_printf("option '%s' of comp: '%s' %s", cases[i].key,
                                                  cases[i].value, cases[i].why);
      g_assert_cmpstr(error->message, ==, expected);
    } else {
      g_autofree char *prefix =
          g_strdup_printf("option '%s' of comp: '%s'", cases[i].key, cases[i].value);
      g_assert_true(g_str_has_prefix(error->message, prefix));
      g_assert_cmpuint(strlen(error->message), >, strlen(prefix) + 1);
    }
  }

  /* A value with a line break (a command-line argument, a spec's \n) is quoted: one line. */
  static const char *const broken_keys[] = {"int", "zone", "choice"};
  for (guint i = 0; i < G_N_ELEMENTS(broken_keys); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(options_one(broken_keys[i], "one\ntwo", &error));
    g_assert_error(error, TW_OPTION_ERROR, TW_OPTION_ERROR_VALUE);
    assert_one_line(error);
    g_autofree char *prefix = g_strdup_printf("option '%s' of comp: 'one\\ntwo' ", broken_keys[i]);
    g_assert_true(g_str_has_prefix(error->message, prefix));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/registry/new", test_new);
  g_test_add_func("/registry/refuse/not-elf", test_not_elf);
  g_test_add_func("/registry/refuse/missing-symbol", test_missing_symbol);
  g_test_add_func("/registry/refuse/no-entry", test_no_entry);
  g_test_add_func("/registry/refuse/data-entry", test_data_entry);
  g_test_add_func("/registry/refuse/abi-major", test_abi_major);
  g_test_add_func("/registry/refuse/abi-minor-newer", test_abi_minor_newer);
  g_test_add_func("/registry/refuse/component-names", test_bad_component_names);
  g_test_add_func("/registry/refuse/larger-descriptors", test_larger_descriptors);
  g_test_add_func("/registry/abi-minor-older", test_abi_minor_older);
  g_test_add_func("/registry/refuse/bad-size", test_bad_size);
  g_test_add_func("/registry/refuse/bad-descriptor", test_bad_descriptor);
  g_test_add_func("/registry/refuse/init-fails", test_init_fails);
  g_test_add_func("/registry/refuse/duplicate", test_duplicate);
  g_test_add_func("/registry/add-plugin", test_add_plugin);
  g_test_add_func("/registry/refuse/bad-option-tables", test_bad_option_tables);
  g_test_add_func("/registry/check-refusals", test_check_refusals);
  g_test_add_func("/registry/load-dir", test_load_dir);
  g_test_add_func("/registry/load-dir-missing", test_load_dir_missing);
  g_test_add_func("/registry/load-twice", test_load_twice);
  g_test_add_func("/registry/good-run", test_good_run);
  g_test_add_func("/registry/not-found", test_not_found);
  g_test_add_func("/registry/good-options", test_good_options);
  g_test_add_func("/options/defaults", test_options_defaults);
  g_test_add_func("/options/values", test_options_values);
  g_test_add_func("/options/forms", test_options_forms);
  g_test_add_func("/options/unknown", test_options_unknown);
  g_test_add_func("/options/bad-values", test_options_bad_values);
  return g_test_run();
}
