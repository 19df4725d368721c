/* The --dump-streams sink: reassembled TCP directions written to files.
 *
 * It exists to check the flow stage against an independent reassembler
 * (tshark's "follow tcp"), so it writes exactly the bytes the flow stage
 * delivered, in order, and records the gaps beside them rather than
 * inventing filler bytes. It also writes DIR/streams.txt, one line
 * "N CLIENT SERVER" per connection, so a comparison can match directions
 * by endpoint rather than guess which side tshark calls node 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resplint/error.h"
#include "resplint/run.h"

struct rl_dump_streams {
  char *dir;
  char *path;       /* scratch: dir + "/" + a file name */
  size_t pathcap;
  FILE *index;      /* DIR/streams.txt */
  int status;       /* first error, 0 while all is well */
  char why[256];
};

/* Per connection: one file per direction and the gap list, each opened the
 * first time it has something to hold. */
typedef struct dump_conn {
  FILE *dir[2];
  FILE *gaps;
} dump_conn;

static const char *const dir_name[2] = {"c2s", "s2c"};

/* Remembers the first failure; later ones are consequences of it. */
static void fail(rl_dump_streams *d, const char *what, int e) {
  if (d->status)
    return;
  d->status = rl_err_from_errno(e);
  snprintf(d->why, sizeof d->why, "%s: %s", what, strerror(e));
}

static FILE *open_in_dir(rl_dump_streams *d, uint64_t stream, const char *ext) {
  snprintf(d->path, d->pathcap, "%s/%" PRIu64 ".%s", d->dir, stream, ext);
  FILE *f = fopen(d->path, "wb");
  if (!f)
    fail(d, d->path, errno);
  return f;
}

static void close_file(rl_dump_streams *d, FILE **f) {
  if (*f && fclose(*f) != 0)
    fail(d, "closing a stream file", errno);
  *f = NULL;
}

static void on_open(void *ctx, rl_conn *conn, const rl_pktref *at) {
  (void)at;
  rl_dump_streams *d = ctx;
  conn->user = calloc(1, sizeof(dump_conn));
  if (!conn->user) {
    fail(d, "connection state", ENOMEM);
    return;
  }
  if (d->status)
    return;
  char client[64], server[64];
  rl_endpoint_format(&conn->client, client, sizeof client);
  rl_endpoint_format(&conn->server, server, sizeof server);
  if (fprintf(d->index, "%" PRIu64 " %s %s\n", conn->stream, client, server) < 0)
    fail(d, "streams.txt", errno);
}

static void on_data(void *ctx, rl_conn *conn, rl_dir dir, const uint8_t *data, size_t len,
                    uint64_t offset, const rl_pktref *at) {
  (void)offset;
  (void)at;
  rl_dump_streams *d = ctx;
  dump_conn *c = conn->user;
  if (!c || d->status || len == 0)
    return;
  if (!c->dir[dir]) {
    c->dir[dir] = open_in_dir(d, conn->stream, dir_name[dir]);
    if (!c->dir[dir])
      return;
  }
  if (fwrite(data, 1, len, c->dir[dir]) != len)
    fail(d, "writing a stream file", errno);
}

static void on_gap(void *ctx, rl_conn *conn, rl_dir dir, uint64_t offset, uint64_t len,
                   const rl_pktref *at) {
  (void)at;
  rl_dump_streams *d = ctx;
  dump_conn *c = conn->user;
  if (!c || d->status)
    return;
  if (!c->gaps) {
    c->gaps = open_in_dir(d, conn->stream, "gaps");
    if (!c->gaps)
      return;
  }
  if (fprintf(c->gaps, "%s %" PRIu64 " %" PRIu64 "\n", dir_name[dir], offset, len) < 0)
    fail(d, "writing a gaps file", errno);
}

static void on_end(void *ctx, rl_conn *conn, rl_dir dir, rl_end_kind how,
                   const rl_pktref *at) {
  (void)how;
  (void)at;
  dump_conn *c = conn->user;
  if (c)
    close_file(ctx, &c->dir[dir]);
}

static void on_close(void *ctx, rl_conn *conn) {
  dump_conn *c = conn->user;
  if (!c)
    return;
  close_file(ctx, &c->dir[0]);
  close_file(ctx, &c->dir[1]);
  close_file(ctx, &c->gaps);
  free(c);
  conn->user = NULL;
}

rl_stream_sink rl_dump_streams_sink(void) {
  rl_stream_sink s = {
      .open = on_open,
      .data = on_data,
      .gap = on_gap,
      .event = NULL,
      .end = on_end,
      .close = on_close,
  };
  return s;
}

int rl_dump_streams_new(rl_dump_streams **out, const char *dir, char *err, size_t errlen) {
  *out = NULL;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    int e = errno;
    snprintf(err, errlen, "cannot create directory: %s", strerror(e));
    return rl_err_from_errno(e);
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "exists and is not a directory");
    return RL_EINVAL;
  }
  rl_dump_streams *d = calloc(1, sizeof *d);
  size_t dirlen = strlen(dir);
  if (d) {
    d->dir = malloc(dirlen + 1);
    d->pathcap = dirlen + 40; /* "/" + 20 digits + "." + extension */
    d->path = malloc(d->pathcap);
  }
  if (!d || !d->dir || !d->path) {
    rl_dump_streams_free(d);
    snprintf(err, errlen, "out of memory");
    return RL_ENOMEM;
  }
  memcpy(d->dir, dir, dirlen + 1);
  snprintf(d->path, d->pathcap, "%s/streams.txt", dir);
  d->index = fopen(d->path, "wb");
  if (!d->index) {
    int e = errno;
    snprintf(err, errlen, "cannot write %s: %s", d->path, strerror(e));
    rl_dump_streams_free(d);
    return rl_err_from_errno(e);
  }
  *out = d;
  return 0;
}

int rl_dump_streams_status(const rl_dump_streams *d, char *err, size_t errlen) {
  if (d->status && err && errlen)
    snprintf(err, errlen, "%s", d->why);
  return d->status;
}

void rl_dump_streams_free(rl_dump_streams *d) {
  if (!d)
    return;
  if (d->index)
    fclose(d->index);
  free(d->path);
  free(d->dir);
  free(d);
}
