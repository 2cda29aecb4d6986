/* timeweave bench: the reference for the JSON Lines workload. A bare single-thread loop that
 * reads each file line by line and only parses each line with json-glib (the same immutable
 * parser the json source uses), then looks at the root to keep the compiler honest.
 *
 *   jsonglib-loop FILE...
 *
 * Prints the number of objects parsed. */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
  JsonParser *parser = json_parser_new_immutable();
  unsigned long objects = 0, failed = 0;
  char *line = NULL;
  size_t cap = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "r");
    if (!f) {
      perror(argv[i]);
      return 1;
    }
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
      if (line[n - 1] == '\n')
        line[--n] = '\0';
      if (n == 0)
        continue;
      if (json_parser_load_from_data(parser, line, n, NULL) &&
          JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        objects++;
      else
        failed++;
    }
    fclose(f);
  }
  free(line);
  g_object_unref(parser);
  printf("%lu objects, %lu not\n", objects, failed);
  return 0;
}
