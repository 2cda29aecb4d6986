/* timeweave: options that components declare and the core validates. */
#pragma once

#include <timeweave/date.h>

G_BEGIN_DECLS

typedef enum {
  TW_OPTION_STRING = 0,
  TW_OPTION_INT,      /* a decimal gint64 */
  TW_OPTION_BOOL,     /* true/false, yes/no, on/off, 1/0 */
  TW_OPTION_DOUBLE,   /* with a `.` decimal point whatever the locale */
  TW_OPTION_DURATION, /* tw_duration_parse(): 90d, 1h30m */
  TW_OPTION_DATE,     /* tw_date_parse() with no naive zone */
  TW_OPTION_LIST,     /* values separated by `;` */
  TW_OPTION_ZONE,     /* tw_zone_new(): an IANA name or an offset */
  TW_OPTION_CHOICE,   /* one of the `|`-separated words in @choices */
  TW_OPTION_PATH,     /* a file name; relative names are taken from the spec's folder */
} TwOptionType;

/**
 * TwOptionSpec:
 * One row of a component's option table (Fluent Bit's config map). A table is an array ended by
 * a row whose @name is %NULL. The core checks every value against its type before the component
 * runs, rejects names that are not in the table, and prints the table in `timeweave plugins NAME`.
 *
 * The struct is frozen for the ABI major (its reserved fields keep the stride fixed).
 */
typedef struct {
  const char *name;
  TwOptionType type;
  const char *default_value; /* nullable: the option is unset unless given */
  const char *help;          /* one or two sentences, shown to users */
  const char *choices;       /* TW_OPTION_CHOICE: "dmy|mdy"; else NULL */
  gpointer reserved[3];
} TwOptionSpec;

/**
 * TwOptions:
 * Validated option values of one component instance (read-only for the component). Getters
 * return the value given, else the default, else zero / %NULL; asking for a name that is not in
 * the table is a programming error (g_critical).
 */
typedef struct _TwOptions TwOptions;

gboolean tw_options_is_set(const TwOptions *options, const char *name);
const char *tw_options_get_string(const TwOptions *options, const char *name);
gint64 tw_options_get_int(const TwOptions *options, const char *name);
gboolean tw_options_get_bool(const TwOptions *options, const char *name);
double tw_options_get_double(const TwOptions *options, const char *name);
gint64 tw_options_get_duration(const TwOptions *options, const char *name);
/* Returns FALSE (leaving @out alone) when the option has no value. */
gboolean tw_options_get_date(const TwOptions *options, const char *name, TwDate *out);
/* (transfer none): a %NULL-terminated array; empty, never %NULL. */
const char *const *tw_options_get_list(const TwOptions *options, const char *name);
/* (transfer none) (nullable): owned by @options. */
GTimeZone *tw_options_get_zone(const TwOptions *options, const char *name);
/* (transfer none) (nullable): a TW_OPTION_PATH value. In a spec a relative name is taken from the
 * spec's folder, which makes it absolute; on the command line (and with tw_options_new()'s
 * @base_dir %NULL) it stays as given, relative to the working directory. `-` and URIs stay as
 * given. */
const char *tw_options_get_path(const TwOptions *options, const char *name);

/**
 * TW_OPTION_ERROR: what the core says of a bad option, before the component runs.
 */
#define TW_OPTION_ERROR (tw_option_error_quark())
typedef enum {
  TW_OPTION_ERROR_UNKNOWN, /* `unknown option 'X' for json (known: a, b, c)` */
  TW_OPTION_ERROR_VALUE,   /* `option 'X' of json: 'abc' is not an integer` */
  TW_OPTION_ERROR_SYNTAX,  /* `-s json:a.json,oops`: a KEY=VALUE without `=` */
} TwOptionError;
GQuark tw_option_error_quark(void);

const char *tw_option_type_to_string(TwOptionType type);

G_END_DECLS
