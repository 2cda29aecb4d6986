/* A valid shared object that exports no `timeweave_plugin` symbol: the loader must refuse it
 * with TW_PLUGIN_ERROR_NO_ENTRY_POINT. The function below is exported so that the object is not
 * empty and dlopen() succeeds. */
#include <timeweave/plugin.h>

TW_PLUGIN_EXPORT int timeweave_not_the_entry_point(void);

TW_PLUGIN_EXPORT int
timeweave_not_the_entry_point(void)
{
  return 42;
}
