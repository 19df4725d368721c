/* Whole-file reads, one implementation for every stage that needs them. */
#include "common/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "resplint/error.h"

/* Reads to the end of `f` into a buffer that grows from `hint`, because a
 * file's size can change between fstat and the read (or be 0 for a pipe). */
static int read_all(FILE *f, size_t hint, size_t max, uint8_t **out, size_t *len) {
  size_t cap = hint + 1 > 4096 ? hint + 1 : 4096, n = 0;
  uint8_t *buf = malloc(cap);
  if (!buf)
    return RL_ENOMEM;
  for (;;) {
    n += fread(buf + n, 1, cap - 1 - n, f);
    if (n > max) {
      free(buf);
      return RL_ELIMIT;
    }
    if (n < cap - 1)
      break;
    uint8_t *bigger = realloc(buf, cap * 2);
    if (!bigger) {
      free(buf);
      return RL_ENOMEM;
    }
    buf = bigger;
    cap *= 2;
  }
  if (ferror(f)) {
    free(buf);
    return RL_EIO;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

int rl__read_file(const char *path, size_t max, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return rl_err_from_errno(errno);
  struct stat st;
  int rc = fstat(fileno(f), &st) != 0 ? rl_err_from_errno(errno) : 0;
  if (rc == 0 && S_ISDIR(st.st_mode))
    rc = RL_EISDIR;
  else if (rc == 0 && (uint64_t)st.st_size > max)
    rc = RL_ELIMIT;
  if (rc == 0)
    rc = read_all(f, (size_t)st.st_size, max, out, len);
  fclose(f);
  return rc;
}
