/* timeweave fuzzing: `.timeline` spec files (tw_job_load_spec, core/spec.c).
 *
 * The input is written to a file and loaded into a job whose registry holds the source plugins
 * and the correlate analyzers of this build, so that sections name real components with real
 * option tables. A spec either loads or fails with one line that begins with the spec's path.
 * The job is not run: a spec may name any file on the machine as a source. */
#include "fuzz-common.h"

static TwRegistry *registry;
static char *spec_path;
static char *export_dir;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  registry = tw_registry_new();
  static const char *const plugins[] = {"json", "csv", "log", "ics", "bodyfile", "correlate", NULL};
  for (guint i = 0; plugins[i]; i++)
    fuzz_load_plugin(registry, plugins[i]);
  spec_path = fuzz_scratch_path("fuzz.timeline");
  export_dir = fuzz_scratch_path("out");
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 16384)
    return 0;
  fuzz_write_file(spec_path, data, size);
  TwJob *job = tw_job_new(registry);
  GError *error = NULL;
  /* Half the inputs with the -o folder given, as `timeweave run SPEC -o DIR` does. */
  const char *dir = size % 2 ? export_dir : NULL;
  if (!tw_job_load_spec(job, spec_path, dir, &error)) {
    fuzz_check_message(error, spec_path);
    g_error_free(error);
  } else {
    FUZZ_CHECK(error == NULL, "the spec loaded and set an error");
    /* Without [export] formats, a spec still exports json. */
    FUZZ_CHECK(tw_job_get_n_exports(job) > 0 ||
                   g_strstr_len((const char *)data, (gssize)size, "formats") != NULL,
               "a spec with no formats key and no export");
  }
  tw_job_free(job);
  return 0;
}
