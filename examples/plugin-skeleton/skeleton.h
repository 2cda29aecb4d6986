/* skeleton: the plugin's components, shared between its files (private to the module: the
 * module is built with hidden visibility, so only timeweave_plugin() is exported). */
#pragma once

#include <timeweave/plugin.h>

/* The "skeleton" source: dated notes, one per line (notes-source.c). */
extern const TwSourceInfo skeleton_notes_source;
/* The "skeleton-gaps" analyzer: quiet periods between events (gaps-analyzer.c). */
extern const TwAnalyzerInfo skeleton_gaps_analyzer;
