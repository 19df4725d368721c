/* The run loop: one opened input through decode and flow into a sink.
 *
 * Everything that is per input (the decoder's fragment table, the flow
 * table) is created here and torn down before returning, so the caller can
 * run many inputs with one set of counters. Per packet, the loop only
 * borrows: the packet from libpcap, the segment from the decoder.
 */
#include "resplint/run.h"

#include <stdio.h>
#include <string.h>

#include "resplint/error.h"

static void say(char *err, size_t errlen, const char *msg) {
  if (err && errlen)
    snprintf(err, errlen, "%s", msg);
}

static int64_t run_loop(rl_capture *cap, rl_decoder *dec, rl_flow_table *ft,
                        uint64_t max_packets, rl_stats *stats, char *err,
                        size_t errlen) {
  rl_packet pkt;
  rl_segment seg;
  rl_pktref at = {0, {0, 0}};
  int64_t n = 0;
  int rc = 0;
  while ((max_packets == 0 || (uint64_t)n < max_packets) &&
         (rc = rl_capture_next(cap, &pkt, err, errlen)) == 1) {
    n++;
    stats->packets++;
    at.frame = pkt.frame;
    at.ts = pkt.ts;
    if (rl_decode(dec, &pkt, &seg, stats) == RL_DECODE_TCP)
      rl_flow_table_segment(ft, &seg, &at);
  }
  /* Whatever stopped the loop, the connections still open are ended with
   * the last packet seen, so a cut file or an interrupted live capture
   * still delivers everything read before it. */
  rl_flow_table_finish(ft, &at);
  if (max_packets != 0 && (uint64_t)n >= max_packets)
    return n;
  return rc < 0 ? rc : n;
}

int64_t rl_run(rl_capture *cap, const rl_run_config *cfg, rl_stats *stats, char *err,
               size_t errlen) {
  if (cfg->filter && cfg->filter[0]) {
    int rc = rl_capture_set_filter(cap, cfg->filter, err, errlen);
    if (rc < 0)
      return rc;
  }
  rl_flow_config fc;
  if (cfg->flow_limits)
    fc = *cfg->flow_limits;
  else
    memset(&fc, 0, sizeof fc);
  fc.sink = cfg->sink;
  fc.sink_ctx = cfg->sink_ctx;

  rl_decoder *dec = rl_decoder_new(cfg->decode_limits);
  rl_flow_table *ft = dec ? rl_flow_table_new(&fc, stats) : NULL;
  if (!ft) {
    rl_decoder_free(dec);
    say(err, errlen, "out of memory");
    return RL_ENOMEM;
  }
  int64_t rc = run_loop(cap, dec, ft, cfg->max_packets, stats, err, errlen);
  rl_flow_table_free(ft);
  rl_decoder_free(dec);
  rl_capture_collect_stats(cap, stats);
  return rc;
}
