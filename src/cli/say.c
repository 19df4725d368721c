/* Escaped messages: the whole formatted line goes through the report
 * stage's text escaping, so no caller has to remember which of its
 * arguments came from outside. */
#include "cli/say.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

void rl__say(FILE *f, const char *fmt, ...) {
  char small[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  char *line = small;
  /* A long path can pass the stack buffer: format it again, whole. */
  if ((size_t)n >= sizeof small && (line = malloc((size_t)n + 1)) != NULL) {
    va_start(ap, fmt);
    vsnprintf(line, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  if (!line)
    line = small; /* out of memory: the message cut at the buffer's end */
  size_t len = strlen(line);
  if (len && line[len - 1] == '\n')
    line[len - 1] = '\0';
  rl__put_clean(f, line);
  fputc('\n', f);
  if (line != small)
    free(line);
}
