/* A recording rl_stream_sink for the flow tests: every callback becomes one
 * line of a text log, each direction's bytes are collected, and the sink
 * contract (open first, offsets contiguous, nothing after end or close) is
 * checked on every call. */
#ifndef RL_TEST_FLOW_REC_H
#define RL_TEST_FLOW_REC_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/flow.h"

#define REC_MAX_CONN 64

typedef struct rec_dir {
  char *buf; /* delivered bytes, gaps shown as '#' when short */
  size_t len, cap;
  uint64_t next; /* offset the next data or gap must start at */
  int ended;
} rec_dir;

typedef struct rec_conn {
  int opened, closed;
  rec_dir d[2];
} rec_conn;

typedef struct rec {
  char *log;
  size_t loglen, logcap;
  rec_conn conns[REC_MAX_CONN];
  int errors;
  char first_error[256];
  const uint8_t *last_data; /* pointer handed to the last data call */
  rl_flow_table *ft;
  rl_stats stats;
  uint64_t frame;
  int64_t sec;
} rec;

/* Creates the table with `cfg` (NULL: defaults); the sink is filled in. */
void rec_init(rec *r, const rl_flow_config *cfg);
/* Frees everything (calls rl_flow_table_free first). */
void rec_done(rec *r);

/* "10.0.0.1:80" or "[2001:db8::1]:443". */
rl_endpoint rec_ep(const char *s);

/* Feeds one segment. The payload is copied into a heap buffer that is
 * scribbled over and freed right after the call, so the table cannot keep a
 * borrowed pointer unnoticed (ASan). `payload` may be NULL. */
void rec_seg_raw(rec *r, const char *src, const char *dst, uint8_t flags,
                 uint32_t seq, uint32_t ack, const void *payload,
                 uint32_t len, uint32_t missing);
void rec_seg(rec *r, const char *src, const char *dst, uint8_t flags,
             uint32_t seq, uint32_t ack, const char *payload);
/* Like rec_seg, but hands the table `payload` itself (for zero-copy checks). */
void rec_seg_borrowed(rec *r, const char *src, const char *dst, uint8_t flags,
                      uint32_t seq, uint32_t ack, const uint8_t *payload,
                      uint32_t len);

void rec_finish(rec *r);

/* The bytes delivered for stream `stream` in direction `d` ("" if none). */
const char *rec_bytes(rec *r, uint64_t stream, rl_dir d);
/* Returns 1 if `line` is one of the log's lines. */
int rec_has(const rec *r, const char *line);
/* Number of log lines starting with `prefix`. */
int rec_count(const rec *r, const char *prefix);

#endif
