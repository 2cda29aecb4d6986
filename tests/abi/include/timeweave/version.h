/* timeweave: version of the library and of the plugin ABI, as meson generated it for release
 * 0.1.0, plugin ABI 1.0 (a frozen copy for tests/abi: see tests/abi/meson.build). */
#pragma once

/* The release version of timeweave, e.g. "0.1.0". */
#define TW_VERSION "0.1.0"
#define TW_VERSION_MAJOR 0
#define TW_VERSION_MINOR 1
#define TW_VERSION_MICRO 0

/*
 * The plugin ABI. A plugin records the values it was compiled with (TW_PLUGIN_DEFINE does it);
 * the core loads it only when its major equals TW_ABI_MAJOR and its minor is not newer than
 * TW_ABI_MINOR. docs/writing-plugins.md gives the rules for changing either.
 */
#define TW_ABI_MAJOR 1
#define TW_ABI_MINOR 0
