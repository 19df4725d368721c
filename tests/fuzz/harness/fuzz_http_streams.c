/* Harness (2): arbitrary client and server byte streams through the http
 * stage and the engine, driven through the same rl_stream_sink the flow
 * table calls, so that interleaving, gaps, transport events and every kind
 * of end are reachable.
 *
 * Input: one configuration byte, then operations until the input ends:
 *   op & 3 == 0  data: direction (op >> 2) & 1, a 2-byte little-endian
 *                length, then that many bytes (fewer if the input ends);
 *   op & 3 == 1  gap: direction (op >> 2) & 1, length one byte + 1, or
 *                with op & 8 a length past 4 GiB (a lost window);
 *   op & 3 == 2  transport event: direction (op >> 2) & 1, kind one byte;
 *   op & 3 == 3  end: direction (op >> 2) & 1, how (op >> 3) % 4 + 1.
 * A direction that has ended receives nothing more, as from the flow table;
 * whatever is still open ends with RL_END_CAPTURE, then the connection is
 * closed. The configuration byte picks whether the SYN was seen and small or
 * default caps. tests/fuzz/seeds.sh writes real streams in this format. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "resplint/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const rl_event_kind transport_events[] = {
    RL_EV_TRUNCATED_PACKET, RL_EV_RETRANSMISSION_MISMATCH, RL_EV_OOO_LIMIT,
    RL_EV_FLOW_EVICTED};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t conf = data[0];
  size_t i = 1;
  rl_engine *e = rl_fuzz_engine();
  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.sink = rl_fuzz_http_sink();
  hc.sink_ctx = e;
  hc.source = "fuzz";
  if (conf & 2) {
    hc.max_header_bytes = 512;
    hc.max_pending = 4;
    hc.content_prefix = 8;
  }
  rl_http *http = rl_http_new(&hc, &stats);
  if (!http) abort();
  rl_stream_sink s = rl_http_stream_sink();

  rl_conn conn;
  memset(&conn, 0, sizeof conn);
  conn.stream = 7;
  conn.client.ipver = conn.server.ipver = 4;
  conn.client.addr[0] = 10;
  conn.server.addr[0] = 192;
  conn.client.port = 40000;
  conn.server.port = 80;
  conn.saw_syn = conf & 1;
  rl_pktref at = {1, {1000000000, 0}};
  uint64_t off[2] = {0, 0};
  int ended[2] = {0, 0};

  s.open(http, &conn, &at);
  while (i < size) {
    uint8_t op = data[i++];
    rl_dir dir = (rl_dir)((op >> 2) & 1);
    at.frame++;
    at.ts.nsec = (at.ts.nsec + 1000) % 1000000000u;
    switch (op & 3) {
    case 0: {
      size_t len = 0;
      if (i < size) len = data[i++];
      if (i < size) len |= (size_t)data[i++] << 8;
      if (len > size - i) len = size - i;
      if (!ended[dir] && len) {
        s.data(http, &conn, dir, data + i, len, off[dir], &at);
        off[dir] += len;
      }
      i += len;
      break;
    }
    case 1: {
      uint64_t len = i < size ? (uint64_t)data[i++] + 1 : 1;
      if (op & 8) len += (uint64_t)1 << 32;
      if (!ended[dir]) {
        s.gap(http, &conn, dir, off[dir], len, &at);
        off[dir] += len;
      }
      break;
    }
    case 2: {
      uint8_t k = i < size ? data[i++] : 0;
      if (!ended[dir])
        s.event(http, &conn, dir,
                transport_events[k % (sizeof transport_events /
                                      sizeof transport_events[0])],
                off[dir], &at);
      break;
    }
    default:
      if (!ended[dir]) {
        s.end(http, &conn, dir, (rl_end_kind)((op >> 3) % 4 + 1), &at);
        ended[dir] = 1;
      }
      break;
    }
  }
  for (int d = 0; d < 2; d++)
    if (!ended[d]) s.end(http, &conn, (rl_dir)d, RL_END_CAPTURE, &at);
  s.close(http, &conn);
  if (conn.user) {
    fprintf(stderr, "fuzz: close left conn.user set\n");
    abort();
  }
  rl_http_free(http);
  return 0;
}
