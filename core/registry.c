/* timeweave: the plugin loader and the registry of components. */
#define _GNU_SOURCE /* dladdr1() */
#include "private.h"
#include "tw-config.h"

#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

/* The quark name is stringified, spaces and all: keep clang-format away from it. */
/* clang-format off */
G_DEFINE_QUARK(tw-plugin-error-quark, tw_plugin_error)
/* clang-format on */

typedef struct {
  char *path;
  void *handle;          /* NULL for built-in plugins */
  TwPluginInfo info;     /* a host-sized copy: fields the plugin lacks are zero */
  GPtrArray *components; /* host-sized copies of its component infos, owned */
  gpointer *sources;     /* NULL-terminated views of @components, by kind */
  gpointer *analyzers;
  gpointer *exporters;
} PluginEntry;

typedef struct {
  gconstpointer info;
  guint plugin; /* index in plugins */
} ComponentEntry;

struct _TwRegistry {
  GPtrArray *plugins; /* PluginEntry */
  GHashTable *sources;
  GHashTable *analyzers;
  GHashTable *exporters;
};

static void
plugin_entry_free(PluginEntry *p)
{
  g_free(p->path);
  g_ptr_array_unref(p->components);
  g_free(p->sources);
  g_free(p->analyzers);
  g_free(p->exporters);
  /* Modules stay resident: their code may still be referenced by events' callbacks and
   * GLib types; unloading buys nothing for a command-line run. */
  g_free(p);
}

TwRegistry *
tw_registry_new(void)
{
  TwRegistry *r = g_new0(TwRegistry, 1);
  r->plugins = g_ptr_array_new_with_free_func((GDestroyNotify)plugin_entry_free);
  r->sources = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  r->analyzers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  r->exporters = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GError) error = NULL;
  if (!tw_registry_add_plugin(r, &_tw_builtin_exporters, "built-in", &error))
    g_error("built-in exporters: %s", error->message);
  return r;
}

void
tw_registry_free(TwRegistry *registry)
{
  if (!registry)
    return;
  g_hash_table_unref(registry->sources);
  g_hash_table_unref(registry->analyzers);
  g_hash_table_unref(registry->exporters);
  g_ptr_array_unref(registry->plugins);
  g_free(registry);
}

/* Copies a plugin's struct of @plugin_size bytes into a zeroed host-sized one. Reading only
 * what the plugin declared keeps an older plugin, compiled with fewer fields, safe. */
static gpointer
copy_sized(gconstpointer src, gsize plugin_size, gsize host_size)
{
  gpointer dst = g_malloc0(host_size);
  memcpy(dst, src, MIN(plugin_size, host_size));
  return dst;
}

/* A component's or option's name as the command line gives it: `-s NAME:PATH,KEY=VALUE` splits
 * at `:`, `,` and `=`, and a space or a control character would need quoting in a spec's
 * section name or a shell. */
static gboolean
is_word(const char *name)
{
  if (!*name)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
check_options(const char *path, const char *kind, const char *name, const TwOptionSpec *table,
              GError **error)
{
  for (guint i = 0; table && table[i].name; i++) {
    const TwOptionSpec *spec = &table[i];
    const char *problem = NULL;
    if ((guint)spec->type > TW_OPTION_PATH)
      problem = "has an unknown type";
    else if (!spec->help)
      problem = "has no help text";
    else if (!is_word(spec->name))
      problem = "has a name that KEY=VALUE cannot give (use letters, digits, '.', '_' and '-')";
    else if (spec->type == TW_OPTION_CHOICE && (!spec->choices || !*spec->choices))
      problem = "is a choice without choices";
    else if (strcmp(spec->name, "name") == 0 && strcmp(kind, "exporter") != 0)
      /* The job takes `name` out as the instance's name: the component would never see it. */
      problem = "is the core's (the instance name)";
    for (guint j = 0; !problem && j < i; j++)
      if (strcmp(table[j].name, spec->name) == 0)
        problem = "is declared twice";
    if (problem) {
      g_autofree char *quoted = _tw_quote_text(spec->name);
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                  "%s: bad descriptor: option '%s' of %s '%s' %s", path, quoted, kind, name,
                  problem);
      return FALSE;
    }
  }
  /* A default is parsed like a value given: a bad one refuses the plugin here, rather than
   * every use of the component with a usage error that the user cannot correct. */
  g_autoptr(GError) bad = NULL;
  TwOptions *defaults = tw_options_new(name, table, NULL, NULL, NULL, &bad);
  if (!defaults) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR, "%s: bad descriptor: %s %s",
                path, kind, bad->message);
    return FALSE;
  }
  tw_options_free(defaults);
  return TRUE;
}

/* Checks a component array and makes host-sized copies into @out (all or nothing). */
static gboolean
take_components(const char *path, const char *kind, gconstpointer const *array, gsize plugin_size,
                gsize host_size, gsize min_size, gsize callback_offset, GHashTable *existing,
                TwRegistry *registry, GPtrArray *out, GError **error)
{
  if (!array)
    return TRUE;
  if (plugin_size < min_size) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                "%s: bad descriptor: its %s struct is %" G_GSIZE_FORMAT
                " bytes, smaller than any ABI %d version of it",
                path, kind, plugin_size, TW_ABI_MAJOR);
    return FALSE;
  }
  /* A minor takes new fields from the reserved space: no ABI 1 descriptor is larger than this
   * one, so a larger size is a descriptor not made by TW_PLUGIN_DEFINE() with these headers. */
  if (plugin_size > host_size) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                "%s: bad descriptor: its %s struct is %" G_GSIZE_FORMAT
                " bytes, larger than any ABI %d version of it (%" G_GSIZE_FORMAT ")",
                path, kind, plugin_size, TW_ABI_MAJOR, host_size);
    return FALSE;
  }
  for (guint i = 0; array[i]; i++) {
    gpointer copy = copy_sized(array[i], plugin_size, host_size);
    /* Every component info begins with name, summary, description, options. */
    const char *name = *(const char **)copy;
    const TwOptionSpec *options = *(const TwOptionSpec **)((char *)copy + 3 * sizeof(char *));
    gpointer callback = *(gpointer *)((char *)copy + callback_offset);
    g_ptr_array_add(out, copy);
    if (!name || !*name) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                  "%s: bad descriptor: %s number %u has no name", path, kind, i + 1);
      return FALSE;
    }
    if (!is_word(name)) {
      g_autofree char *quoted = _tw_quote_text(name);
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                  "%s: bad descriptor: %s '%s' has a name that -s, -a and -f cannot give (use "
                  "letters, digits, '.', '_' and '-')",
                  path, kind, quoted);
      return FALSE;
    }
    if (!callback) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                  "%s: bad descriptor: %s '%s' has no callback", path, kind, name);
      return FALSE;
    }
    if (!check_options(path, kind, name, options, error))
      return FALSE;
    ComponentEntry *other = g_hash_table_lookup(existing, name);
    if (other) {
      PluginEntry *owner = g_ptr_array_index(registry->plugins, other->plugin);
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_DUPLICATE_NAME,
                  "%s: %s '%s' is already provided by %s", path, kind, name, owner->path);
      return FALSE;
    }
    for (guint j = 0; j < i; j++)
      if (strcmp(*(const char **)g_ptr_array_index(out, out->len - 1 - (i - j)), name) == 0) {
        g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_DUPLICATE_NAME,
                    "%s: %s '%s' is defined twice", path, kind, name);
        return FALSE;
      }
  }
  return TRUE;
}

static gboolean
add_plugin(TwRegistry *registry, const TwPluginInfo *raw, const char *origin, void *handle,
           GError **error)
{
  if (raw->abi_major != TW_ABI_MAJOR || raw->abi_minor > TW_ABI_MINOR) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_ABI_MISMATCH,
                "%s: built for plugin ABI %u.%u, this timeweave has %d.%d (%s)", origin,
                raw->abi_major, raw->abi_minor, TW_ABI_MAJOR, TW_ABI_MINOR,
                raw->abi_major != TW_ABI_MAJOR
                    ? "the major version must match: rebuild the plugin against these headers"
                    : "the plugin needs a newer timeweave");
    return FALSE;
  }
  if (raw->plugin_info_size < offsetof(TwPluginInfo, reserved)) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                "%s: bad descriptor: TwPluginInfo is %u bytes, smaller than any ABI %d version",
                origin, raw->plugin_info_size, TW_ABI_MAJOR);
    return FALSE;
  }
  if (raw->plugin_info_size > sizeof(TwPluginInfo)) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                "%s: bad descriptor: TwPluginInfo is %u bytes, larger than any ABI %d version "
                "(%u)",
                origin, raw->plugin_info_size, TW_ABI_MAJOR, (guint)sizeof(TwPluginInfo));
    return FALSE;
  }
  if (raw->option_spec_size != sizeof(TwOptionSpec)) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                "%s: bad descriptor: TwOptionSpec is %u bytes, this timeweave's is %u", origin,
                raw->option_spec_size, (guint)sizeof(TwOptionSpec));
    return FALSE;
  }
  PluginEntry *p = g_new0(PluginEntry, 1);
  p->path = g_strdup(origin);
  p->handle = handle;
  memcpy(&p->info, raw, MIN(raw->plugin_info_size, sizeof(TwPluginInfo)));
  p->components = g_ptr_array_new_with_free_func(g_free);
  if (!p->info.name || !*p->info.name) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                "%s: bad descriptor: the plugin has no name", origin);
    plugin_entry_free(p);
    return FALSE;
  }

  guint n_sources, n_analyzers;
  if (!take_components(origin, "source", (gconstpointer const *)p->info.sources,
                       raw->source_info_size, sizeof(TwSourceInfo),
                       offsetof(TwSourceInfo, read_lines), offsetof(TwSourceInfo, read),
                       registry->sources, registry, p->components, error))
    goto refuse;
  n_sources = p->components->len;
  if (!take_components(origin, "analyzer", (gconstpointer const *)p->info.analyzers,
                       raw->analyzer_info_size, sizeof(TwAnalyzerInfo),
                       offsetof(TwAnalyzerInfo, check), offsetof(TwAnalyzerInfo, run),
                       registry->analyzers, registry, p->components, error))
    goto refuse;
  n_analyzers = p->components->len - n_sources;
  if (!take_components(origin, "exporter", (gconstpointer const *)p->info.exporters,
                       raw->exporter_info_size, sizeof(TwExporterInfo),
                       offsetof(TwExporterInfo, check), offsetof(TwExporterInfo, write),
                       registry->exporters, registry, p->components, error))
    goto refuse;

  if (p->info.init) {
    g_autoptr(GError) inner = NULL;
    if (!p->info.init(&inner)) {
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_INIT_FAILED, "%s: init failed: %s",
                  origin, inner ? inner->message : "no reason given");
      goto refuse;
    }
  }

  /* From here on the registry and its users see only the host-sized copies. */
  {
    GPtrArray *lists[3] = {g_ptr_array_new(), g_ptr_array_new(), g_ptr_array_new()};
    for (guint i = 0; i < p->components->len; i++)
      g_ptr_array_add(lists[i < n_sources                 ? 0
                            : i < n_sources + n_analyzers ? 1
                                                          : 2],
                      g_ptr_array_index(p->components, i));
    for (guint k = 0; k < 3; k++)
      g_ptr_array_add(lists[k], NULL);
    p->sources = (gpointer *)g_ptr_array_free(lists[0], FALSE);
    p->analyzers = (gpointer *)g_ptr_array_free(lists[1], FALSE);
    p->exporters = (gpointer *)g_ptr_array_free(lists[2], FALSE);
    p->info.sources = (const TwSourceInfo *const *)p->sources;
    p->info.analyzers = (const TwAnalyzerInfo *const *)p->analyzers;
    p->info.exporters = (const TwExporterInfo *const *)p->exporters;
  }
  guint index = registry->plugins->len;
  g_ptr_array_add(registry->plugins, p);
  for (guint i = 0; i < p->components->len; i++) {
    ComponentEntry *c = g_new0(ComponentEntry, 1);
    c->info = g_ptr_array_index(p->components, i);
    c->plugin = index;
    GHashTable *t = i < n_sources                 ? registry->sources
                    : i < n_sources + n_analyzers ? registry->analyzers
                                                  : registry->exporters;
    g_hash_table_replace(t, *(char **)c->info, c);
  }
  return TRUE;

refuse:
  plugin_entry_free(p);
  return FALSE;
}

gboolean
tw_registry_add_plugin(TwRegistry *registry, const TwPluginInfo *info, const char *origin,
                       GError **error)
{
  return add_plugin(registry, info, origin, NULL, error);
}

/* Whether @address is a function symbol of its object: dlsym() finds variables too. Where the
 * symbol's type cannot be read, it is taken to be one. */
static gboolean
is_function_symbol(void *address)
{
#ifdef __GLIBC__ /* dladdr1() and RTLD_DL_SYMENT */
  Dl_info where;
  const ElfW(Sym) *symbol = NULL;
  if (dladdr1(address, &where, (void **)&symbol, RTLD_DL_SYMENT) == 0 || symbol == NULL)
    return TRUE;
#if __ELF_NATIVE_CLASS == 64
  int type = ELF64_ST_TYPE(symbol->st_info);
#else
  int type = ELF32_ST_TYPE(symbol->st_info);
#endif
  return type == STT_FUNC || type == STT_GNU_IFUNC;
#else
  (void)address;
  return TRUE;
#endif
}

/* dlerror()'s text without the file's name it begins with when the file itself is the problem
 * (not a library it needs): the message names the file once. */
static const char *
dl_reason(const char *path, const char *why, const char *fallback)
{
  if (why == NULL)
    return fallback;
  gsize n = strlen(path);
  if (strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0)
    return why + n + 2;
  return why;
}

/* Sets *@again when @path is a module the registry already holds: a folder given twice
 * (TIMEWEAVE_PLUGIN_PATH and --plugin-dir), or the same file by another path. dlopen() then
 * returns the handle it gave before, and the plugin would be refused as a duplicate of itself. */
static gboolean
load_file(TwRegistry *registry, const char *path, gboolean *again, GError **error)
{
  dlerror();
  void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle) {
    for (guint i = 0; i < registry->plugins->len; i++) {
      const PluginEntry *p = g_ptr_array_index(registry->plugins, i);
      if (p->handle == handle) {
        dlclose(handle); /* the reference this dlopen() took; the first one stays */
        if (again)
          *again = TRUE;
        return TRUE;
      }
    }
  }
  if (!handle) {
    const char *why = dl_reason(path, dlerror(), "dlopen failed");
    if (g_str_has_prefix(why, "undefined symbol: "))
      /* A plugin that uses a function this library lacks: built against a newer timeweave
       * (the ABI check cannot run before the loader resolves it), or a library in another
       * version. */
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NOT_A_PLUGIN,
                  "%s: cannot be loaded: %s (not in timeweave " TW_VERSION
                  " nor in the libraries the plugin links: was it built for a newer timeweave?)",
                  path, why);
    else
      g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NOT_A_PLUGIN, "%s: not a plugin: %s",
                  path, why);
    return FALSE;
  }
  dlerror();
  TwPluginEntryFunc entry = (TwPluginEntryFunc)dlsym(handle, TW_PLUGIN_ENTRY_POINT);
  if (!entry) {
    const char *why = dl_reason(path, dlerror(), "symbol not found");
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NO_ENTRY_POINT,
                "%s: no " TW_PLUGIN_ENTRY_POINT " entry point: %s", path, why);
    dlclose(handle);
    return FALSE;
  }
  if (!is_function_symbol((void *)entry)) {
    /* Calling a variable (`const TwPluginInfo timeweave_plugin = ...`) would jump into data. */
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_NO_ENTRY_POINT,
                "%s: no " TW_PLUGIN_ENTRY_POINT " entry point: " TW_PLUGIN_ENTRY_POINT
                " is not a function (define it with TW_PLUGIN_DEFINE())",
                path);
    dlclose(handle);
    return FALSE;
  }
  const TwPluginInfo *info = entry();
  if (!info) {
    g_set_error(error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_BAD_DESCRIPTOR,
                "%s: bad descriptor: " TW_PLUGIN_ENTRY_POINT "() returned NULL", path);
    dlclose(handle);
    return FALSE;
  }
  if (!add_plugin(registry, info, path, handle, error)) {
    /* A plugin whose init ran keeps its code mapped: init may have left pointers around. */
    if (!g_error_matches(*error, TW_PLUGIN_ERROR, TW_PLUGIN_ERROR_INIT_FAILED))
      dlclose(handle);
    return FALSE;
  }
  return TRUE;
}

gboolean
tw_registry_load_file(TwRegistry *registry, const char *path, GError **error)
{
  return load_file(registry, path, NULL, error);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

guint
tw_registry_load_dir(TwRegistry *registry, const char *dir, GPtrArray *refusals)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (!d)
    return 0;
  struct stat st;
  if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
    g_printerr("timeweave: warning: plugin folder %s is world-writable: anyone can make this "
               "program run their code\n",
               dir);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d)))
    if (g_str_has_suffix(name, ".so"))
      g_ptr_array_add(names, g_build_filename(dir, name, NULL));
  g_ptr_array_sort(names, compare_strings);
  guint loaded = 0;
  for (guint i = 0; i < names->len; i++) {
    GError *error = NULL;
    gboolean again = FALSE;
    if (load_file(registry, g_ptr_array_index(names, i), &again, &error))
      loaded += !again;
    else if (refusals)
      g_ptr_array_add(refusals, error);
    else
      g_error_free(error);
  }
  return loaded;
}

gboolean
_tw_running_uninstalled(void)
{
  static gsize once = 0;
  static gboolean uninstalled = FALSE;
  if (g_once_init_enter(&once)) {
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *prefix = g_strconcat(TW_BUILD_ROOT, G_DIR_SEPARATOR_S, NULL);
    uninstalled = exe && g_str_has_prefix(exe, prefix);
    g_once_init_leave(&once, 1);
  }
  return uninstalled;
}

char **
tw_plugin_search_path(void)
{
  GPtrArray *dirs = g_ptr_array_new();
  if (_tw_running_uninstalled()) {
    /* In the build tree each plugin is built in its own folder: BUILD/plugins/<name>/. */
    g_autofree char *root = g_build_filename(TW_BUILD_ROOT, "plugins", NULL);
    g_autoptr(GDir) d = g_dir_open(root, 0, NULL);
    g_autoptr(GPtrArray) subs = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
      char *sub = g_build_filename(root, name, NULL);
      if (g_file_test(sub, G_FILE_TEST_IS_DIR))
        g_ptr_array_add(subs, sub);
      else
        g_free(sub);
    }
    g_ptr_array_sort(subs, compare_strings);
    for (guint i = 0; i < subs->len; i++)
      g_ptr_array_add(dirs, g_strdup(g_ptr_array_index(subs, i)));
  } else {
    g_ptr_array_add(dirs, g_strdup(TW_PLUGINDIR));
  }
  g_ptr_array_add(dirs, g_build_filename(g_get_user_data_dir(), "timeweave", "plugins", NULL));
  const char *env = g_getenv("TIMEWEAVE_PLUGIN_PATH");
  if (env) {
    g_auto(GStrv) parts = g_strsplit(env, G_SEARCHPATH_SEPARATOR_S, -1);
    for (guint i = 0; parts[i]; i++)
      if (*parts[i])
        g_ptr_array_add(dirs, g_strdup(parts[i]));
  }
  g_ptr_array_add(dirs, NULL);
  return (char **)g_ptr_array_free(dirs, FALSE);
}

guint
tw_registry_load_default(TwRegistry *registry, GPtrArray *refusals)
{
  g_auto(GStrv) dirs = tw_plugin_search_path();
  guint n = 0;
  for (guint i = 0; dirs[i]; i++)
    n += tw_registry_load_dir(registry, dirs[i], refusals);
  return n;
}

static gconstpointer
find(GHashTable *table, const char *name)
{
  ComponentEntry *c = g_hash_table_lookup(table, name);
  return c ? c->info : NULL;
}

const TwSourceInfo *
tw_registry_find_source(const TwRegistry *registry, const char *name)
{
  return find(registry->sources, name);
}

const TwAnalyzerInfo *
tw_registry_find_analyzer(const TwRegistry *registry, const char *name)
{
  return find(registry->analyzers, name);
}

const TwExporterInfo *
tw_registry_find_exporter(const TwRegistry *registry, const char *name)
{
  return find(registry->exporters, name);
}

guint
tw_registry_get_n_plugins(const TwRegistry *registry)
{
  return registry->plugins->len;
}

const TwPluginInfo *
tw_registry_get_plugin(const TwRegistry *registry, guint index)
{
  g_return_val_if_fail(index < registry->plugins->len, NULL);
  return &((PluginEntry *)g_ptr_array_index(registry->plugins, index))->info;
}

const char *
tw_registry_get_plugin_path(const TwRegistry *registry, guint index)
{
  g_return_val_if_fail(index < registry->plugins->len, NULL);
  return ((PluginEntry *)g_ptr_array_index(registry->plugins, index))->path;
}
