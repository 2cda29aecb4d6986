/* timeweave: selecting events with a small expression language shared by every analyzer. */
#pragma once

#include <timeweave/event.h>

G_BEGIN_DECLS

/**
 * TwSelector:
 * A compiled event selector. Analyzers (correlate's `a=` and `b=`, tag rules, third-party
 * analyzers) all take the same language, so users learn it once:
 *
 * | term                 | selects events                                                   |
 * | -------------------- | ---------------------------------------------------------------- |
 * | `*`                  | all                                                              |
 * | `tag:export-control` | with that tag (`tag=` is the same)                               |
 * | `actor:ByteDance`    | with that actor among their actors (`actor=` is the same)        |
 * | `kind:launch`        | whose kind is `launch` (`kind=` is the same)                     |
 * | `source:events`      | from the source instance `events` (`source=` is the same)        |
 * | `FIELD=value`        | whose field equals the value exactly (case matters)              |
 * | `FIELD!=value`       | that have no such field, or a different value                    |
 * | `FIELD~regex`        | whose field matches the regular expression (GRegex, PCRE syntax, |
 * |                      | unanchored: use `^` and `$`; `(?i)` for case-insensitive)        |
 * | `FIELD!~regex`       | that have no such field, or a value the expression does not match |
 * | `attributes.KEY=v`   | whose attribute KEY is `v` (a bare FIELD that is no field is an  |
 * |                      | attribute too: `host=db1` is `attributes.host=db1`)              |
 *
 * FIELD is any name tw_event_get_field() knows (`id`, `title`, `description`, `source`, `kind`,
 * `location`, `url`, `zone`, `precision`, `qualifier`, `start`, `end`) or the list fields `tag`
 * and `actor` (also spelled `tags`, `actors`), which match when any element does. An event
 * without the field never matches `=` or `~`. Terms combine with `not`, `and`, `or` (tightest
 * first; the words are case-insensitive) and parentheses: `tag:us and not (kind:launch or
 * title~"(?i)rumou?r")`.
 *
 * A value is a run of characters up to white space, `(` or `)`, or a quoted string: `"..."`
 * where `\"` is a quote and `\\` a backslash (any other backslash is kept as is, so regular
 * expressions keep their `\d`). Quote values that contain spaces or parentheses.
 *
 * Matching never allocates, except inside GRegex for a `~` term whose pattern has regular
 * expression syntax (a plain word such as `title~H20` is a substring search); a selector is
 * immutable once compiled and may be used from several threads at once.
 */
typedef struct _TwSelector TwSelector;

/**
 * TW_SELECTOR_ERROR:
 * Errors from compiling a selector (#TwSelectorError). The message is one line that quotes the
 * text and gives the 1-based column (in characters) of the mistake:
 * `selector 'tag:x and (' column 12: expected a term`.
 */
#define TW_SELECTOR_ERROR (tw_selector_error_quark())
typedef enum {
  TW_SELECTOR_ERROR_SYNTAX, /* a missing term, value, operator or parenthesis */
  TW_SELECTOR_ERROR_FIELD,  /* an unknown prefix (`foo:x`) or an empty field name */
  TW_SELECTOR_ERROR_REGEX,  /* a `~` value that GRegex refuses (the column is the value's) */
} TwSelectorError;
GQuark tw_selector_error_quark(void);

/**
 * tw_selector_compile:
 * @text: the expression
 * @error: a #TW_SELECTOR_ERROR, see above
 *
 * Parses @text and compiles it (regular expressions included) once.
 *
 * Returns: (transfer full) (nullable): the selector, or %NULL with @error set.
 */
TwSelector *tw_selector_compile(const char *text, GError **error);

/**
 * tw_selector_matches:
 * Whether @event is selected. Cheap: meant to be called for every event of a timeline.
 */
gboolean tw_selector_matches(const TwSelector *selector, const TwEvent *event);

/* The text the selector was compiled from (owned by @selector). */
const char *tw_selector_get_text(const TwSelector *selector);

/**
 * tw_selector_to_string:
 * The selector as the compiler understood it, fully parenthesized with canonical operators:
 * `tag:a or b=1 and not c~x` gives `(tag:a or (attributes.b=1 and not attributes.c~x))`.
 * Returns: (transfer full): a newly allocated string.
 */
char *tw_selector_to_string(const TwSelector *selector);

void tw_selector_free(TwSelector *selector);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSelector, tw_selector_free)

G_END_DECLS
