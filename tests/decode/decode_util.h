/* Helpers for the decode tests: write a capture with pcapgen, read it back
 * with real libpcap, and run every packet through rl_decode(). */
#ifndef RESPLINT_TESTS_DECODE_UTIL_H
#define RESPLINT_TESTS_DECODE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "pcapgen.h"
#include "resplint/decode.h"
#include "resplint/stats.h"

#define DT_MAX 512

/* Everything one file decoded to. Payloads are copied out of the decoder. */
typedef struct dt_run {
  int linktype;           /* pcap_datalink() of the file */
  int n;                  /* packets read */
  int results[DT_MAX];    /* rl_decode_result per packet */
  rl_segment segs[DT_MAX];
  uint8_t *payloads[DT_MAX];
  rl_stats stats;
} dt_run;

/* A fresh file name for this test process: RL_BINARY_DIR/decode-tmp/<pid>-name. */
const char *dt_path(char *buf, size_t len, const char *name);

/* Reads `path` with pcap_open_offline and decodes every packet with a new
 * decoder (limits may be NULL). Returns the number of packets, or -1 when
 * libpcap cannot open the file. Free with dt_run_free(). */
int dt_decode_file(const char *path, const rl_decode_limits *limits, dt_run *run);
void dt_run_free(dt_run *run);

/* Index of the k-th (0-based) packet that decoded to TCP, or -1. */
int dt_tcp_index(const dt_run *run, int k);
/* Number of packets that decoded to TCP. */
int dt_tcp_count(const dt_run *run);

/* Returns 1 if segment a and b are the same (endpoints, numbers, flags,
 * window, payload bytes). */
int dt_seg_equal(const dt_run *ra, int a, const dt_run *rb, int b);

/* Writes a file holding exactly one TCP segment described by `seg` with
 * link type dlt, and decodes it into run. Returns the packets read. */
int dt_one(const char *name, int dlt, const pg_tcp *seg, dt_run *run);

/* Decodes one hand-built frame (as a record of a file of link type dlt,
 * wirelen == caplen unless wirelen is larger). */
int dt_frame(const char *name, int dlt, const void *frame, uint32_t caplen,
             uint32_t wirelen, dt_run *run);

/* Asserts (Criterion) that packet i of run decoded to TCP and matches the
 * segment pcapgen was asked to write. */
void dt_expect_seg(const dt_run *run, int i, const pg_tcp *seg);

/* A typical server -> client segment over IPv4 (v6 != 0: IPv6) carrying a
 * short status line; the test may change any field. */
pg_tcp dt_sample(int v6);

#endif
