/* timeweave: selecting events with a small expression language (STUB: being written). */
#pragma once

#include <timeweave/event.h>

G_BEGIN_DECLS

G_END_DECLS
