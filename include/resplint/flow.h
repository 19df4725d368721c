/* resplint: the flow stage.
 *
 * A table of TCP conversations keyed by the 5-tuple, numbered 0, 1, 2... in
 * order of first appearance exactly as Wireshark's tcp.stream, each oriented
 * client -> server (from SYN / SYN-ACK, else from which side sends an HTTP
 * status line or request line first, else from the ports), and reassembled
 * per direction: out-of-order segments are buffered (up to a cap), duplicates
 * and retransmissions are dropped after comparing their bytes with what was
 * delivered, and missing bytes are announced as gaps.
 *
 * The flow stage knows nothing of HTTP. It hands each direction's in-order
 * bytes to an rl_stream_sink. In-order payload is passed straight from the
 * packet without a copy; only out-of-order data is copied.
 *
 * Design notes: docs/internals/reassembly.md.
 */
#ifndef RESPLINT_FLOW_H
#define RESPLINT_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/capture.h"
#include "resplint/decode.h"
#include "resplint/events.h"
#include "resplint/stats.h"

typedef enum rl_dir {
  RL_DIR_TO_SERVER = 0, /* client -> server: requests */
  RL_DIR_TO_CLIENT = 1  /* server -> client: responses */
} rl_dir;

/* Where a piece of stream data came from: the packet that carried it. */
typedef struct rl_pktref {
  uint64_t frame;
  rl_time ts;
} rl_pktref;

/* How one direction of a connection ended. */
typedef enum rl_end_kind {
  RL_END_FIN = 1,     /* FIN received in order */
  RL_END_RST = 2,     /* RST */
  RL_END_IDLE = 3,    /* evicted after the idle timeout or by the flow limit */
  RL_END_CAPTURE = 4, /* the capture ended with the connection still open */
  RL_END_PEER_RST = 5 /* the other side sent RST: this direction was cut
                         by the peer's abort, not closed by its own sender */
} rl_end_kind;

/* The public face of a connection, valid from rl_stream_sink.open until
 * rl_stream_sink.close returns. */
typedef struct rl_conn {
  uint64_t stream;       /* 0-based, order of first appearance (tcp.stream) */
  rl_endpoint client;
  rl_endpoint server;
  uint8_t saw_syn;       /* the connection's start was captured */
  void *user;            /* the sink's per-connection state */
} rl_conn;

/* The consumer of reassembled streams (the http stage, or the stream dumper).
 * Every callback may be NULL. `ctx` is rl_flow_config.sink_ctx.
 * Calls for one connection come in stream order per direction; the two
 * directions interleave in capture order. */
typedef struct rl_stream_sink {
  /* A new connection. Set conn->user here. */
  void (*open)(void *ctx, rl_conn *conn, const rl_pktref *at);
  /* In-order bytes of one direction starting at stream offset `offset`
   * (0 = first payload byte after the SYN, or the first byte captured). */
  void (*data)(void *ctx, rl_conn *conn, rl_dir dir, const uint8_t *data,
               size_t len, uint64_t offset, const rl_pktref *at);
  /* `len` bytes at stream offset `offset` are missing from the capture.
   * Two gaps with no data between them are one hole, learnt in two steps
   * (the peer acknowledged part of it, then a segment showed the rest). */
  void (*gap)(void *ctx, rl_conn *conn, rl_dir dir, uint64_t offset,
              uint64_t len, const rl_pktref *at);
  /* A transport event other than a gap (retransmission mismatch, truncated
   * packet, out-of-order limit...) at stream offset `offset`. */
  void (*event)(void *ctx, rl_conn *conn, rl_dir dir, rl_event_kind kind,
                uint64_t offset, const rl_pktref *at);
  /* One direction ended; no more data will come in that direction. */
  void (*end)(void *ctx, rl_conn *conn, rl_dir dir, rl_end_kind how,
              const rl_pktref *at);
  /* The connection is going away; release conn->user. */
  void (*close)(void *ctx, rl_conn *conn);
} rl_stream_sink;

typedef struct rl_flow_config {
  rl_stream_sink sink;
  void *sink_ctx;
  uint32_t max_flows;          /* open conversations at once; 0: 1,000,000 */
  uint32_t idle_timeout_s;     /* capture seconds; 0: 600 */
  uint32_t max_ooo_per_stream; /* buffered out-of-order bytes per direction; 0: 1 MiB */
  uint64_t max_ooo_total;      /* buffered out-of-order bytes in all; 0: 256 MiB */
  /* Most recently delivered bytes kept per direction to compare
   * retransmissions with; allocated when data is delivered, grown on demand
   * and released when the peer, sending data itself, acknowledges all of
   * it, or after 3 capture seconds without a write; 0: 4096. */
  uint32_t history_bytes;
  /* Bytes of such history in all connections; past it the least recently
   * written history is given up; 0: 16 MiB. */
  uint64_t max_history_total;
} rl_flow_config;

typedef struct rl_flow_table rl_flow_table;

/* Creates a table. Returns NULL on ENOMEM. */
rl_flow_table *rl_flow_table_new(const rl_flow_config *cfg, rl_stats *stats);

/* Feeds one decoded segment captured at `at`. May call any sink callback,
 * and expires idle connections as capture time moves on. */
void rl_flow_table_segment(rl_flow_table *ft, const rl_segment *seg,
                           const rl_pktref *at);

/* Ends every open connection (RL_END_CAPTURE), flushing buffered data with
 * gaps where bytes are missing. Call once at the end of an input. */
void rl_flow_table_finish(rl_flow_table *ft, const rl_pktref *last);

/* Frees the table; rl_flow_table_free(NULL) is a no-op. Connections still open
 * are closed without an `end` call. */
void rl_flow_table_free(rl_flow_table *ft);

#endif
