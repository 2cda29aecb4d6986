/* skeleton: an example timeweave plugin with one source and one analyzer.
 *
 * This file only describes the plugin: TW_PLUGIN_DEFINE() writes the entry point that timeweave
 * calls once when it loads the module, recording the ABI version and struct sizes of the headers
 * this file was compiled against. */
#include "skeleton.h"

static const TwSourceInfo *const skeleton_sources[] = {&skeleton_notes_source, NULL};
static const TwAnalyzerInfo *const skeleton_analyzers[] = {&skeleton_gaps_analyzer, NULL};

TW_PLUGIN_DEFINE("skeleton", SKELETON_VERSION, "An example plugin: dated notes and quiet periods",
                 NULL, skeleton_sources, skeleton_analyzers, NULL)
