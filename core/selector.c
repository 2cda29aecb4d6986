/* timeweave: the selector language (include/timeweave/selector.h).
 *
 * A recursive-descent parser compiles the text once into a flat array of nodes (children are
 * indices); matching walks that array with short-circuit evaluation and reads the event's
 * fields straight from its stored struct, so a term costs a few compares and never allocates.
 */
#include "private.h"

#include <string.h>

GQuark
tw_selector_error_quark(void)
{
  return g_quark_from_static_string("tw-selector-error-quark");
}

/* Nesting deeper than this is refused, so that no text can exhaust the stack. */
#define MAX_DEPTH 256

typedef enum {
  NODE_ALL,
  NODE_AND,
  NODE_OR,
  NODE_NOT,
  NODE_EQUAL, /* a field equals a value */
  NODE_MATCH, /* a field matches a regular expression (or contains a literal) */
} NodeOp;

typedef enum {
  FIELD_ID,
  FIELD_TITLE,
  FIELD_DESCRIPTION,
  FIELD_SOURCE,
  FIELD_KIND,
  FIELD_LOCATION,
  FIELD_URL,
  FIELD_ZONE,
  FIELD_PRECISION,
  FIELD_QUALIFIER,
  FIELD_START,
  FIELD_END,
  FIELD_TAG,
  FIELD_ACTOR,
  FIELD_ATTRIBUTE,
} FieldId;

static const char *const field_names[] = {
    [FIELD_ID] = "id",
    [FIELD_TITLE] = "title",
    [FIELD_DESCRIPTION] = "description",
    [FIELD_SOURCE] = "source",
    [FIELD_KIND] = "kind",
    [FIELD_LOCATION] = "location",
    [FIELD_URL] = "url",
    [FIELD_ZONE] = "zone",
    [FIELD_PRECISION] = "precision",
    [FIELD_QUALIFIER] = "qualifier",
    [FIELD_START] = "start",
    [FIELD_END] = "end",
    [FIELD_TAG] = "tag",
    [FIELD_ACTOR] = "actor",
    [FIELD_ATTRIBUTE] = "attributes",
};

typedef struct {
  guint8 op;      /* NodeOp */
  guint8 field;   /* FieldId, for EQUAL and MATCH */
  guint8 negated; /* `!=` and `!~` */
  guint8 prefix;  /* written `tag:x` rather than `tag=x` (for printing only) */
  guint32 left;   /* NOT: the operand; AND, OR: the first operand's place in children */
  guint32 right;  /* AND, OR: how many operands (chains are n-ary, so depth stays small) */
  char *key;      /* FIELD_ATTRIBUTE */
  char *value;
  GRegex *regex; /* MATCH with regular-expression syntax; NULL for a plain substring */
} Node;

struct _TwSelector {
  char *text;
  Node *nodes;
  guint n_nodes;
  guint32 *children; /* operands of AND and OR nodes */
  guint root;
};

/* -- matching -- */

static const char *
scalar_field(const TwEvent *event, const Node *node, char *buf)
{
  switch ((FieldId)node->field) {
  case FIELD_ID:
    return _tw_event_id_text(event, buf);
  case FIELD_TITLE:
    return event->title;
  case FIELD_DESCRIPTION:
    return tw_event_get_description(event);
  case FIELD_SOURCE:
    return event->names->source;
  case FIELD_KIND:
    return event->names->kind;
  case FIELD_LOCATION:
    return tw_event_get_location(event);
  case FIELD_URL:
    return tw_event_get_url(event);
  case FIELD_ZONE:
    return event->names->zone;
  case FIELD_PRECISION:
    return tw_precision_to_string((TwPrecision)event->precision);
  case FIELD_QUALIFIER:
    return tw_qualifier_to_string((TwQualifier)event->qualifier); /* "none" too, as get_field */
  case FIELD_START:
    tw_time_format(event->start, NULL, (event->flags & TW_EVENT_FLOATING) != 0, buf);
    return buf;
  case FIELD_END:
    tw_time_format(event->end, NULL, (event->flags & TW_EVENT_FLOATING) != 0, buf);
    return buf;
  case FIELD_ATTRIBUTE:
    for (guint i = 0; i < event->n_attributes; i++)
      if (strcmp(_tw_event_attribute_key(event, i), node->key) == 0)
        return _tw_event_attribute_value(event, i);
    return NULL;
  case FIELD_TAG:
  case FIELD_ACTOR:
    break;
  }
  return NULL;
}

static gboolean
value_matches(const Node *node, const char *value)
{
  if (value == NULL)
    return FALSE;
  if (node->op == NODE_EQUAL)
    return strcmp(value, node->value) == 0;
  if (node->regex == NULL)
    return strstr(value, node->value) != NULL;
  return g_regex_match(node->regex, value, 0, NULL);
}

static gboolean
term_matches(const Node *node, const TwEvent *event)
{
  if (node->field == FIELD_TAG || node->field == FIELD_ACTOR) {
    gboolean tags = node->field == FIELD_TAG;
    const char *const *list = tags ? event->tags : event->more ? event->more->actors : NULL;
    guint n = tags ? event->n_tags : tw_event_get_n_actors(event);
    for (guint i = 0; i < n; i++)
      if (value_matches(node, list[i]))
        return TRUE;
    return FALSE;
  }
  char buf[MAX(TW_TIME_FORMAT_SIZE, TW_ID_TEXT_SIZE)];
  return value_matches(node, scalar_field(event, node, buf));
}

static gboolean
eval(const TwSelector *selector, guint index, const TwEvent *event)
{
  const Node *node = &selector->nodes[index];
  switch ((NodeOp)node->op) {
  case NODE_ALL:
    return TRUE;
  case NODE_AND:
    for (guint i = 0; i < node->right; i++)
      if (!eval(selector, selector->children[node->left + i], event))
        return FALSE;
    return TRUE;
  case NODE_OR:
    for (guint i = 0; i < node->right; i++)
      if (eval(selector, selector->children[node->left + i], event))
        return TRUE;
    return FALSE;
  case NODE_NOT:
    return !eval(selector, node->left, event);
  case NODE_EQUAL:
  case NODE_MATCH:
    return term_matches(node, event) != (node->negated != 0);
  }
  return FALSE;
}

gboolean
tw_selector_matches(const TwSelector *selector, const TwEvent *event)
{
  g_return_val_if_fail(selector != NULL, FALSE);
  g_return_val_if_fail(event != NULL, FALSE);
  return eval(selector, selector->root, event);
}

/* -- parsing -- */

typedef struct {
  const char *text;
  const char *p;
  GArray *nodes;    /* of Node */
  GArray *children; /* of guint32 */
  guint depth;
  GError **error;
} Parser;

static gboolean G_GNUC_PRINTF(4, 5)
    fail(Parser *parser, const char *at, TwSelectorError code, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *what = g_strdup_vprintf(format, args);
  va_end(args);
  glong column = g_utf8_pointer_to_offset(parser->text, at) + 1;
  g_set_error(parser->error, TW_SELECTOR_ERROR, code, "selector '%s' column %ld: %s", parser->text,
              column, what);
  return FALSE;
}

static void
skip_space(Parser *parser)
{
  while (g_ascii_isspace(*parser->p))
    parser->p++;
}

/* Characters that end a field name or keyword. */
static gboolean
is_name_char(char c)
{
  return c != '\0' && !g_ascii_isspace(c) && strchr("()\":=~!*", c) == NULL;
}

/* Whether the word @word (a keyword) starts at @p and stands alone. */
static gboolean
at_keyword(const char *p, const char *word)
{
  gsize len = strlen(word);
  return g_ascii_strncasecmp(p, word, len) == 0 && !is_name_char(p[len]) &&
         strchr(":=~!", p[len] ? p[len] : ' ') == NULL;
}

static guint
add_node(Parser *parser, const Node *node)
{
  g_array_append_vals(parser->nodes, node, 1);
  return parser->nodes->len - 1;
}

static gboolean parse_or(Parser *parser, guint *out);

/* Reads a bare or quoted value into a new string, or fails at @p. */
static char *
parse_value(Parser *parser, const char *op_text)
{
  const char *start = parser->p;
  if (*start == '"') {
    GString *value = g_string_new(NULL);
    const char *p = start + 1;
    while (*p != '"') {
      if (*p == '\0') {
        g_string_free(value, TRUE);
        fail(parser, start, TW_SELECTOR_ERROR_SYNTAX, "unterminated quoted value");
        return NULL;
      }
      if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
        g_string_append_c(value, p[1]);
        p += 2;
      } else {
        g_string_append_c(value, *p++);
      }
    }
    parser->p = p + 1;
    return g_string_free(value, FALSE);
  }
  const char *p = start;
  while (*p != '\0' && !g_ascii_isspace(*p) && *p != '(' && *p != ')')
    p++;
  if (p == start) {
    fail(parser, start, TW_SELECTOR_ERROR_SYNTAX, "expected a value after '%s'", op_text);
    return NULL;
  }
  parser->p = p;
  return g_strndup(start, p - start);
}

static gboolean
has_regex_syntax(const char *pattern)
{
  return strpbrk(pattern, "\\^$.|?*+()[]{}") != NULL;
}

static gboolean
resolve_field(const char *name, gsize len, Node *node, char **key)
{
  static const struct {
    const char *name;
    FieldId field;
  } aliases[] = {{"tags", FIELD_TAG}, {"actors", FIELD_ACTOR}};
  for (guint i = 0; i < G_N_ELEMENTS(field_names); i++) {
    if (i != FIELD_ATTRIBUTE && strlen(field_names[i]) == len &&
        strncmp(name, field_names[i], len) == 0) {
      node->field = (guint8)i;
      return TRUE;
    }
  }
  for (guint i = 0; i < G_N_ELEMENTS(aliases); i++) {
    if (strlen(aliases[i].name) == len && strncmp(name, aliases[i].name, len) == 0) {
      node->field = (guint8)aliases[i].field;
      return TRUE;
    }
  }
  node->field = FIELD_ATTRIBUTE;
  if (len > strlen("attributes.") && strncmp(name, "attributes.", strlen("attributes.")) == 0)
    *key = g_strndup(name + strlen("attributes."), len - strlen("attributes."));
  else if (len == strlen("attributes.") && strncmp(name, "attributes.", len) == 0)
    return FALSE; /* an empty key */
  else
    *key = g_strndup(name, len);
  return TRUE;
}

static gboolean
parse_term(Parser *parser, guint *out)
{
  const char *name = parser->p;
  while (is_name_char(*parser->p))
    parser->p++;
  gsize name_len = parser->p - name;
  if (name_len == 0)
    return fail(parser, name, TW_SELECTOR_ERROR_SYNTAX, "expected a term");

  Node node = {0};
  const char *op = parser->p;
  const char *op_text;
  if (*op == ':') {
    op_text = ":";
    node.op = NODE_EQUAL;
    node.prefix = TRUE;
    parser->p += 1;
  } else if (*op == '=') {
    op_text = "=";
    node.op = NODE_EQUAL;
    parser->p += 1;
  } else if (*op == '~') {
    op_text = "~";
    node.op = NODE_MATCH;
    parser->p += 1;
  } else if (op[0] == '!' && op[1] == '=') {
    op_text = "!=";
    node.op = NODE_EQUAL;
    node.negated = TRUE;
    parser->p += 2;
  } else if (op[0] == '!' && op[1] == '~') {
    op_text = "!~";
    node.op = NODE_MATCH;
    node.negated = TRUE;
    parser->p += 2;
  } else {
    return fail(parser, op, TW_SELECTOR_ERROR_SYNTAX,
                "expected ':', '=', '!=', '~' or '!~' after '%.*s'", (int)name_len, name);
  }

  char *key = NULL;
  if (!resolve_field(name, name_len, &node, &key))
    return fail(parser, name, TW_SELECTOR_ERROR_FIELD, "empty attribute name");
  if (node.prefix && node.field != FIELD_TAG && node.field != FIELD_ACTOR &&
      node.field != FIELD_KIND && node.field != FIELD_SOURCE) {
    g_free(key);
    return fail(parser, name, TW_SELECTOR_ERROR_FIELD,
                "unknown prefix '%.*s:' (prefixes are tag:, actor:, kind:, source:; "
                "use '%.*s=' or '%.*s~')",
                (int)name_len, name, (int)name_len, name, (int)name_len, name);
  }

  g_autofree char *op_desc = g_strdup_printf("%.*s%s", (int)name_len, name, op_text);
  const char *value_at = parser->p;
  char *value = parse_value(parser, op_desc);
  if (value == NULL) {
    g_free(key);
    return FALSE;
  }
  node.key = key;
  node.value = value;
  if (node.op == NODE_MATCH && has_regex_syntax(value)) {
    g_autoptr(GError) regex_error = NULL;
    node.regex = g_regex_new(value, G_REGEX_OPTIMIZE, 0, &regex_error);
    if (node.regex == NULL) {
      g_free(key);
      g_free(value);
      return fail(parser, value_at, TW_SELECTOR_ERROR_REGEX, "bad regular expression: %s",
                  regex_error->message);
    }
  }
  *out = add_node(parser, &node);
  return TRUE;
}

static gboolean
parse_unary(Parser *parser, guint *out)
{
  skip_space(parser);
  const char *at = parser->p;
  if (parser->depth >= MAX_DEPTH)
    return fail(parser, at, TW_SELECTOR_ERROR_SYNTAX, "nested too deeply");

  if (*at == '(') {
    parser->p++;
    parser->depth++;
    if (!parse_or(parser, out))
      return FALSE;
    parser->depth--;
    skip_space(parser);
    if (*parser->p != ')')
      return fail(parser, parser->p, TW_SELECTOR_ERROR_SYNTAX,
                  "expected ')' to close the '(' at column %ld",
                  g_utf8_pointer_to_offset(parser->text, at) + 1);
    parser->p++;
    return TRUE;
  }
  if (*at == '*') {
    parser->p++;
    Node node = {.op = NODE_ALL};
    *out = add_node(parser, &node);
    return TRUE;
  }
  if (at_keyword(at, "not")) {
    parser->p += 3;
    parser->depth++;
    guint child;
    if (!parse_unary(parser, &child))
      return FALSE;
    parser->depth--;
    Node node = {.op = NODE_NOT, .left = child};
    *out = add_node(parser, &node);
    return TRUE;
  }
  if (*at == '\0' || *at == ')' || at_keyword(at, "and") || at_keyword(at, "or"))
    return fail(parser, at, TW_SELECTOR_ERROR_SYNTAX, "expected a term");
  return parse_term(parser, out);
}

static gboolean
parse_binary(Parser *parser, guint *out, const char *word, NodeOp op,
             gboolean (*operand)(Parser *, guint *))
{
  guint first;
  if (!operand(parser, &first))
    return FALSE;
  g_autoptr(GArray) operands = NULL;
  for (;;) {
    skip_space(parser);
    if (!at_keyword(parser->p, word))
      break;
    parser->p += strlen(word);
    guint next;
    if (!operand(parser, &next))
      return FALSE;
    if (operands == NULL) {
      operands = g_array_new(FALSE, FALSE, sizeof(guint32));
      guint32 value = first;
      g_array_append_val(operands, value);
    }
    guint32 value = next;
    g_array_append_val(operands, value);
  }
  if (operands == NULL) {
    *out = first;
    return TRUE;
  }
  Node node = {.op = op, .left = parser->children->len, .right = operands->len};
  g_array_append_vals(parser->children, operands->data, operands->len);
  *out = add_node(parser, &node);
  return TRUE;
}

static gboolean
parse_and(Parser *parser, guint *out)
{
  return parse_binary(parser, out, "and", NODE_AND, parse_unary);
}

static gboolean
parse_or(Parser *parser, guint *out)
{
  return parse_binary(parser, out, "or", NODE_OR, parse_and);
}

static void
clear_node(gpointer data)
{
  Node *node = data;
  g_free(node->key);
  g_free(node->value);
  if (node->regex != NULL)
    g_regex_unref(node->regex);
}

TwSelector *
tw_selector_compile(const char *text, GError **error)
{
  g_return_val_if_fail(text != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  const char *invalid = NULL;
  if (!g_utf8_validate(text, -1, &invalid)) {
    g_autofree char *valid = g_utf8_make_valid(text, -1);
    g_set_error(error, TW_SELECTOR_ERROR, TW_SELECTOR_ERROR_SYNTAX,
                "selector '%s' column %ld: not valid UTF-8", valid,
                g_utf8_pointer_to_offset(text, invalid) + 1);
    return NULL;
  }

  Parser parser = {.text = text, .p = text, .error = error};
  parser.nodes = g_array_new(FALSE, TRUE, sizeof(Node));
  g_array_set_clear_func(parser.nodes, clear_node);
  parser.children = g_array_new(FALSE, FALSE, sizeof(guint32));
  guint root;
  gboolean ok = parse_or(&parser, &root);
  if (ok) {
    skip_space(&parser);
    if (*parser.p == ')')
      ok = fail(&parser, parser.p, TW_SELECTOR_ERROR_SYNTAX, "unmatched ')'");
    else if (*parser.p != '\0')
      ok = fail(&parser, parser.p, TW_SELECTOR_ERROR_SYNTAX, "expected 'and', 'or' or the end");
  }
  if (!ok) {
    g_array_unref(parser.nodes);
    g_array_unref(parser.children);
    return NULL;
  }

  TwSelector *selector = g_new0(TwSelector, 1);
  selector->text = g_strdup(text);
  selector->n_nodes = parser.nodes->len;
  selector->root = root;
  g_array_set_clear_func(parser.nodes, NULL);
  selector->nodes = (Node *)(void *)g_array_free(parser.nodes, FALSE);
  selector->children = (guint32 *)(void *)g_array_free(parser.children, FALSE);
  return selector;
}

void
tw_selector_free(TwSelector *selector)
{
  if (selector == NULL)
    return;
  for (guint i = 0; i < selector->n_nodes; i++)
    clear_node(&selector->nodes[i]);
  g_free(selector->nodes);
  g_free(selector->children);
  g_free(selector->text);
  g_free(selector);
}

const char *
tw_selector_get_text(const TwSelector *selector)
{
  g_return_val_if_fail(selector != NULL, NULL);
  return selector->text;
}

/* -- printing -- */

static void
append_value(GString *out, const char *value)
{
  gboolean quote = *value == '\0' || *value == '"';
  for (const char *p = value; *p && !quote; p++)
    quote = g_ascii_isspace(*p) || *p == '(' || *p == ')';
  if (!quote) {
    g_string_append(out, value);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = value; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c(out, '\\');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

static void
print_node(const TwSelector *selector, guint index, GString *out)
{
  const Node *node = &selector->nodes[index];
  switch ((NodeOp)node->op) {
  case NODE_ALL:
    g_string_append_c(out, '*');
    return;
  case NODE_AND:
  case NODE_OR:
    g_string_append_c(out, '(');
    for (guint i = 0; i < node->right; i++) {
      if (i > 0)
        g_string_append(out, node->op == NODE_AND ? " and " : " or ");
      print_node(selector, selector->children[node->left + i], out);
    }
    g_string_append_c(out, ')');
    return;
  case NODE_NOT:
    g_string_append(out, "not ");
    print_node(selector, node->left, out);
    return;
  case NODE_EQUAL:
  case NODE_MATCH:
    break;
  }
  if (node->field == FIELD_ATTRIBUTE)
    g_string_append_printf(out, "attributes.%s", node->key);
  else
    g_string_append(out, field_names[node->field]);
  if (node->op == NODE_EQUAL)
    g_string_append(out, node->negated ? "!=" : node->prefix ? ":" : "=");
  else
    g_string_append(out, node->negated ? "!~" : "~");
  append_value(out, node->value);
}

char *
tw_selector_to_string(const TwSelector *selector)
{
  g_return_val_if_fail(selector != NULL, NULL);
  GString *out = g_string_new(NULL);
  print_node(selector, selector->root, out);
  return g_string_free(out, FALSE);
}
