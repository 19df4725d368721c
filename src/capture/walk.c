/* Directory arguments: a recursive walk in sorted order.
 *
 * readdir() order depends on the file system, so entries are sorted by the
 * bytes of their names (strcmp, not the locale's collation) to give the same
 * output for the same tree on every machine. Capture files are recognised by
 * their magic number, never by extension.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/capture_internal.h"
#include "resplint/capture.h"
#include "resplint/error.h"

/* Deeper trees than this are refused rather than recursed into. */
enum { MAX_DEPTH = 64 };

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *d) {
  return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

/* Reads the magic number of a regular file: 1 capture, 0 other, or a
 * negative code when it cannot be opened. */
static int file_kind(const char *path, char *why, size_t whylen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    int e = errno;
    snprintf(why, whylen, "%s", strerror(e));
    return rl_err_from_errno(e);
  }
  uint8_t b[4];
  size_t n = fread(b, 1, sizeof b, f);
  fclose(f);
  return rl__capture_magic_kind(b, n) != RL__CAPTURE_NONE;
}

static int walk(const char *dir, int depth, rl_capture_walk_fn fn, void *ctx,
                char *err, size_t errlen);

static int visit(const char *path, int depth, rl_capture_walk_fn fn, void *ctx) {
  char why[256] = "";
  struct stat lst, st;
  if (lstat(path, &lst) != 0) {
    snprintf(why, sizeof why, "%s", strerror(errno));
    return fn(ctx, path, rl_err_from_errno(errno), why);
  }
  if (S_ISDIR(lst.st_mode)) {
    int rc = walk(path, depth + 1, fn, ctx, why, sizeof why);
    /* A subdirectory that cannot be read is reported and skipped; only the
     * directory the user named is a hard error. */
    return rc < 0 && why[0] ? fn(ctx, path, rc, why) : rc;
  }
  if (S_ISLNK(lst.st_mode)) {
    if (stat(path, &st) != 0) {
      snprintf(why, sizeof why, "%s", strerror(errno));
      return fn(ctx, path, rl_err_from_errno(errno), why);
    }
    if (!S_ISREG(st.st_mode))
      return 0;
  } else if (!S_ISREG(lst.st_mode)) {
    return 0; /* sockets, fifos and devices are never captures to walk into */
  }
  int kind = file_kind(path, why, sizeof why);
  return fn(ctx, path, kind, kind < 0 ? why : NULL);
}

static int walk(const char *dir, int depth, rl_capture_walk_fn fn, void *ctx,
                char *err, size_t errlen) {
  if (depth > MAX_DEPTH) {
    snprintf(err, errlen, "directories nested deeper than %d levels", MAX_DEPTH);
    return RL_ELIMIT;
  }
  struct dirent **names;
  int n = scandir(dir, &names, skip_dot, by_name);
  if (n < 0) {
    int e = errno;
    snprintf(err, errlen, "%s", strerror(e));
    return rl_err_from_errno(e);
  }
  int rc = 0;
  size_t dirlen = strlen(dir);
  for (int i = 0; i < n; i++) {
    if (rc == 0) {
      size_t len = dirlen + 1 + strlen(names[i]->d_name) + 1;
      char *path = malloc(len);
      if (!path) {
        rc = RL_ENOMEM;
      } else {
        /* "dir/" would otherwise become "dir//name". */
        const char *sep = dirlen && dir[dirlen - 1] == '/' ? "" : "/";
        snprintf(path, len, "%s%s%s", dir, sep, names[i]->d_name);
        rc = visit(path, depth, fn, ctx);
        free(path);
      }
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int rl_capture_walk(const char *dir, rl_capture_walk_fn fn, void *ctx, char *err,
                    size_t errlen) {
  char why[256] = "";
  struct stat st;
  if (stat(dir, &st) != 0) {
    int e = errno;
    snprintf(err, errlen, "%s", strerror(e));
    return rl_err_from_errno(e);
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "not a directory");
    return RL_EINVAL;
  }
  int rc = walk(dir, 0, fn, ctx, why, sizeof why);
  if (rc < 0 && why[0])
    snprintf(err, errlen, "%s", why);
  return rc;
}
