/* Per-test temporary directories (see tmpdir.h). */
#include "tmpdir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];

void rt_tmpdir_make(const char *base, const char *prefix) {
  snprintf(dir, sizeof dir, "%s/%s-XXXXXX", base ? base : RL_TEST_BINARY_DIR, prefix);
  if (!mkdtemp(dir)) {
    fprintf(stderr, "mkdtemp %s: %s\n", dir, strerror(errno));
    abort();
  }
}

void rt_tmpdir_remove(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) {
    fprintf(stderr, "could not remove %s\n", dir);
    abort();
  }
}

const char *rt_tmpdir(void) { return dir; }

const char *rt_tmp(const char *name) {
  static char paths[8][640];
  static int next;
  char *p = paths[next++ % 8];
  snprintf(p, sizeof paths[0], "%s/%s", dir, name);
  return p;
}
