/* resplint: the http stage.
 *
 * One llhttp parser per direction of each connection. The client direction
 * feeds a queue of requests; the server direction pairs each response with
 * the oldest unanswered request, and that pairing drives the response's
 * framing (HEAD, CONNECT, 1xx, 101). Every response is handed to the sink as
 * an rl_exchange (resplint/message.h) when it ends, complete or not.
 *
 * Parsing is strict so violations are seen, then recovers: a rejected message
 * is re-parsed with the matching llhttp lenient flag where one exists,
 * otherwise the parser resynchronises at the next line beginning "HTTP/1.".
 *
 * Design notes: docs/internals/pairing.md.
 */
#ifndef RESPLINT_HTTP_H
#define RESPLINT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/flow.h"
#include "resplint/message.h"

typedef struct rl_http_sink {
  /* A response ended (complete, cut, or at the end of the input). */
  void (*exchange)(void *ctx, const rl_exchange *x);
  /* A connection-level event not tied to one response: not-http, a gap
   * between messages, protocol-switched, pending-request-limit...
   * `detail` is a short static or transient explanation (may be NULL). */
  void (*note)(void *ctx, const rl_conn *conn, rl_dir dir, rl_event_kind kind,
               uint64_t offset, const rl_pktref *at, const char *detail);
} rl_http_sink;

typedef struct rl_http_config {
  rl_http_sink sink;
  void *sink_ctx;
  const char *source;           /* input name copied into each exchange */
  uint32_t max_header_bytes;    /* per header section; 0: 64 KiB */
  uint32_t max_pending;         /* pipelined requests awaiting a response; 0: 1024 */
  uint32_t content_prefix;      /* content bytes kept per message; 0: 64 */
  uint32_t max_fields;          /* field lines described per header section; past
                                   it the section counts as cut at that line
                                   (header-section-limit); 0: 10,000 */
  uint32_t max_pending_bytes;   /* header bytes of the requests awaiting a
                                   response, per connection; past it as past
                                   max_pending; 0: 4 MiB */
  uint64_t max_header_total;    /* header and trailer bytes held in all the
                                   connections at once; a section that would
                                   pass it is cut there as at
                                   max_header_bytes; 0: 256 MiB */
} rl_http_config;

typedef struct rl_http rl_http;

/* Creates the http stage. NULL on ENOMEM. */
rl_http *rl_http_new(const rl_http_config *cfg, rl_stats *stats);
void rl_http_free(rl_http *http); /* NULL is a no-op */

/* The rl_stream_sink that feeds this stage from the flow table; pass `http`
 * as rl_flow_config.sink_ctx. */
rl_stream_sink rl_http_stream_sink(void);

/* How a transcript's connection ends after its last byte. */
typedef enum rl_transcript_end {
  RL_TRANSCRIPT_FIN = 0,   /* the server closed the connection (FIN) */
  RL_TRANSCRIPT_OPEN = 1   /* still open when the input ended */
} rl_transcript_end;

/* Runs one connection from raw bytes, without a capture: the client's bytes
 * (may be NULL: request not captured) are delivered first, then the
 * server's. Used for hand-written fixtures and for the rule records'
 * examples. Frame numbers in the exchanges are 0, `stream` is `stream_id`,
 * and every byte is stamped with the fixed capture time
 * RL_TRANSCRIPT_TIME (2000-01-01T00:00:00Z), so that checks comparing a
 * response with its capture time give the same answer on every run. */
#define RL_TRANSCRIPT_TIME 946684800
int rl_http_run_transcript(rl_http *http, uint64_t stream_id,
                           const uint8_t *client, size_t client_len,
                           const uint8_t *server, size_t server_len,
                           rl_transcript_end end);

/* Raw transcript files (fixtures/README.md, "Transcripts"): NAME.server.http
 * holds exactly the server's bytes, the optional sibling NAME.client.http the
 * client's. Returns 1 if `path` names a server transcript, else 0. */
int rl_http_is_transcript(const char *path);

/* Reads the server transcript `server_path` and its client sibling if there
 * is one, and runs them as one connection (rl_http_run_transcript). The
 * exchanges' `source` is the server file's name when cfg.source is NULL.
 * Returns 0, RL_ENOENT/RL_EACCES/RL_EISDIR/RL_EIO if a file cannot be read,
 * RL_EINVAL if the name is not a server transcript, or RL_ENOMEM. */
int rl_http_run_transcript_file(rl_http *http, uint64_t stream_id,
                                const char *server_path, rl_transcript_end end);

#endif
