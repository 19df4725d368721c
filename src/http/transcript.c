/* Raw transcript files: hand-written fixtures without a capture.
 *
 * NAME.server.http holds exactly the bytes the server sent; the optional
 * sibling NAME.client.http the bytes the client sent. The pair is one
 * connection, and the file name stands in for the frame location. The
 * naming scheme is documented in fixtures/README.md ("Transcripts"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "http/http_internal.h"
#include "resplint/error.h"

static const char server_suffix[] = ".server.http";
static const char client_suffix[] = ".client.http";

/* Transcripts are hand-written; anything larger is not one. */
enum { MAX_TRANSCRIPT = 64 * 1024 * 1024 };

int rl_http_is_transcript(const char *path) {
  size_t n = path ? strlen(path) : 0, k = sizeof server_suffix - 1;
  return n > k && strcmp(path + n - k, server_suffix) == 0;
}

/* Reads a whole file into a malloc'ed buffer (never NULL on success, even
 * for an empty file). */
/* NAME.server.http -> NAME.client.http (malloc'ed). */
static char *client_path(const char *server_path) {
  size_t n = strlen(server_path), k = sizeof server_suffix - 1;
  char *p = malloc(n - k + sizeof client_suffix);
  if (p == NULL)
    return NULL;
  memcpy(p, server_path, n - k);
  memcpy(p + n - k, client_suffix, sizeof client_suffix);
  return p;
}

int rl_http_run_transcript_file(rl_http *http, uint64_t stream_id,
                                const char *server_path, rl_transcript_end end) {
  if (http == NULL || !rl_http_is_transcript(server_path))
    return RL_EINVAL;
  uint8_t *server = NULL, *client = NULL;
  size_t slen = 0, clen = 0;
  int err = rl__read_file(server_path, MAX_TRANSCRIPT, &server, &slen);
  if (err < 0)
    return err;
  char *cpath = client_path(server_path);
  if (cpath == NULL) {
    free(server);
    return RL_ENOMEM;
  }
  err = rl__read_file(cpath, MAX_TRANSCRIPT, &client, &clen);
  free(cpath);
  if (err == RL_ENOENT)
    err = 0; /* a one-sided transcript */
  if (err == 0) {
    const char *saved = http->cfg.source;
    if (saved == NULL)
      http->cfg.source = server_path;
    err = rl_http_run_transcript(http, stream_id, client, clen, server, slen,
                                 end);
    http->cfg.source = saved;
  }
  free(client);
  free(server);
  return err;
}
