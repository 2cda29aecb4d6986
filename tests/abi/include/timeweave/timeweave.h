/* timeweave: the whole public API. Plugins may include only <timeweave/plugin.h>. */
#pragma once

#include <timeweave/version.h>
#include <timeweave/plugin.h>
#include <timeweave/engine.h>
