/* STUB: being written. */
#include "private.h"
