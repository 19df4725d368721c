/* resplint: run counters.
 *
 * One table holds every counter the summary reports, so that each stage
 * increments a named field and the report prints the same names in every
 * output format. Stages only add; nothing resets a counter during a run.
 */
#ifndef RESPLINT_STATS_H
#define RESPLINT_STATS_H

#include <stdint.h>

/* XX(field, description) */
#define RL_STATS_MAP(XX)                                                      \
  XX(packets, "packets read")                                                 \
  XX(packets_tcp, "TCP segments decoded")                                     \
  XX(packets_not_tcp, "packets that are not TCP (ARP, UDP, ...)")            \
  XX(packets_malformed, "packets whose headers are inconsistent")             \
  XX(packets_truncated, "packets cut by the snapshot length")                 \
  XX(packets_unsupported_link, "packets of an unsupported link type")         \
  XX(ip_fragments, "IP fragments seen")                                       \
  XX(ip_reassembled, "IP datagrams reassembled from fragments")               \
  XX(ip_fragments_dropped, "IP fragments dropped (timeout, overlap, limit)")  \
  XX(flows, "TCP conversations")                                              \
  XX(flows_evicted, "TCP conversations evicted (idle or flow limit)")         \
  XX(bytes_delivered, "TCP payload bytes delivered in order")                 \
  XX(gap_bytes, "TCP payload bytes missing from the capture")                 \
  XX(gaps, "TCP sequence gaps")                                               \
  XX(retransmissions, "retransmitted or duplicated segments")                 \
  XX(retransmission_mismatches, "retransmissions carrying different bytes")   \
  XX(ooo_segments, "segments buffered out of order")                          \
  XX(ooo_bytes_dropped, "out-of-order bytes dropped at the buffer cap")       \
  XX(kernel_drops, "packets dropped by the kernel (live capture)")            \
  XX(iface_drops, "packets dropped by the interface (live capture)")

typedef struct rl_stats {
#define RL__STATS_FIELD(field, desc) uint64_t field;
  RL_STATS_MAP(RL__STATS_FIELD)
#undef RL__STATS_FIELD
} rl_stats;

/* Adds every counter of `from` into `into` (used when one run reads many inputs). */
void rl_stats_add(rl_stats *into, const rl_stats *from);

#endif
