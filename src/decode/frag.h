/* IP fragment reassembly: the decoder's only state.
 *
 * A bounded table of datagrams being reassembled, keyed by (source,
 * destination, protocol, identification) as RFC 791 3.2 and RFC 8200 4.5
 * prescribe. Datagrams expire by capture time; when the table is full the
 * oldest datagram is evicted. Overlapping data is resolved "first wins": bytes
 * already held are kept and the overlapping fragment counts as dropped.
 * Policy and limits: docs/internals/decode.md. */
#ifndef RESPLINT_DECODE_FRAG_H
#define RESPLINT_DECODE_FRAG_H

#include <stdint.h>

#include "decode/bytes.h"
#include "resplint/capture.h"
#include "resplint/decode.h"
#include "resplint/stats.h"

/* The largest reassembled payload: an IP datagram's length field is 16 bits. */
#define RL__FRAG_MAX_PAYLOAD 65535u

typedef struct frag_dgram frag_dgram; /* one datagram, private to frag.c */

/* Defined here rather than in frag.c only so that the per-packet expiry
 * test below can be inline: almost every packet meets an empty table. */
typedef struct rl__frag_table {
  uint32_t max_datagrams;
  uint64_t max_bytes;
  int64_t timeout_ns;
  int64_t next_expire_ns; /* no datagram can expire before this */
  int64_t quiet_before_s; /* nor before this second (see set_next_expire) */
  frag_dgram **slots;     /* n live datagrams, unordered */
  uint32_t n;
  uint64_t bytes;         /* sum of the live datagrams' cap */
  uint8_t *out;           /* the last reassembled payload */
} rl__frag_table;

typedef struct rl__frag_key {
  uint8_t src[16], dst[16];
  uint32_t id;   /* IPv4: 16-bit identification; IPv6: 32-bit */
  uint8_t proto; /* IPv4 protocol; IPv6: the Fragment header's next header */
  uint8_t ipver;
} rl__frag_key;

/* One fragment: `data` belongs at byte `off` of the datagram's payload (the
 * part after the IPv4 header, or the IPv6 fragmentable part). */
typedef struct rl__frag_in {
  rl__frag_key key;
  uint32_t off;
  rl__bytes data;
  int more; /* more fragments follow */
  rl_time ts;
} rl__frag_in;

/* NULL on ENOMEM. Zero limits take the documented defaults. */
rl__frag_table *rl__frag_new(const rl_decode_limits *limits);
void rl__frag_free(rl__frag_table *t); /* NULL is a no-op */

/* Drops every datagram whose first fragment is older than the timeout at
 * capture time `now`, counting their fragments in ip_fragments_dropped.
 * Cheap when nothing can have expired. */
void rl__frag_expire_due(rl__frag_table *t, rl_time now, rl_stats *stats);

/* Capture time in nanoseconds, saturated so that a nonsensical timestamp in
 * a hostile file cannot overflow. */
static inline int64_t rl__frag_time_ns(rl_time t) {
  const int64_t limit = INT64_MAX / 1000000000LL - 1;
  if (t.sec > limit)
    return INT64_MAX - 1000000000LL;
  if (t.sec < -limit)
    return -(INT64_MAX - 1000000000LL);
  return t.sec * 1000000000LL + (int64_t)(t.nsec % 1000000000u);
}

/* Whether rl__frag_expire has nothing to do at `now`: the test of
 * rl__frag_expire_due, inline, since a capture with a datagram left
 * incomplete (real ones have them) would otherwise make a call per
 * packet. */
static inline int rl__frag_quiet(const rl__frag_table *t, rl_time now) {
  return t->n == 0 || now.sec < t->quiet_before_s ||
         rl__frag_time_ns(now) < t->next_expire_ns;
}

static inline void rl__frag_expire(rl__frag_table *t, rl_time now,
                                   rl_stats *stats) {
  if (!rl__frag_quiet(t, now))
    rl__frag_expire_due(t, now, stats);
}

/* Adds a fragment (counted in ip_fragments). Returns 1 with *out set to the
 * whole reassembled payload (valid until the next call) when this fragment
 * completes its datagram; 0 when it was stored or dropped (a conflict or a
 * limit, counted in ip_fragments_dropped); RL_DECODE_MALFORMED when the
 * fragment is impossible by itself (empty, a non-final fragment whose length
 * is not a multiple of 8, or ending beyond 65535 bytes). */
int rl__frag_add(rl__frag_table *t, const rl__frag_in *in, rl_stats *stats,
                 rl__bytes *out);

/* Datagrams and bytes currently held (for tests and the docs' claims). */
uint32_t rl__frag_pending(const rl__frag_table *t);
uint64_t rl__frag_bytes(const rl__frag_table *t);

#endif
