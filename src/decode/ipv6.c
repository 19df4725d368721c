/* IPv6 (RFC 8200 3) and its extension headers (RFC 8200 4).
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                  Source Address (16 bytes)                    |
 *   |               Destination Address (16 bytes)                  |
 *
 * Extension headers are walked until TCP: hop-by-hop options, routing and
 * destination options share one layout (next header, length in 8-octet
 * units not counting the first); AH (RFC 4302 2.2) counts its length in
 * 4-octet units minus 2; the Fragment header (RFC 8200 4.5) is 8 bytes.
 * ESP hides what follows, and anything else is another protocol: not TCP. */
#include <string.h>

#include "decode/layers.h"

enum {
  IPV6_HEADER = 40,
  NH_HOPOPTS = 0,
  NH_TCP = 6,
  NH_ROUTING = 43,
  NH_FRAGMENT = 44,
  NH_AH = 51,
  NH_DSTOPTS = 60,
  FRAG_HEADER = 8
};

static int is_skippable_ext(uint8_t nh) {
  return nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_DSTOPTS ||
         nh == NH_AH;
}

/* Where the headers of the packet live while the walk goes on: the fragment
 * key needs the addresses from the fixed header. */
typedef struct walk_state {
  rl__dctx *c;
  rl__bytes fixed; /* the 40-byte IPv6 header */
  int reassembled; /* walking a reassembled fragmentable part */
} walk_state;

static rl_decode_result walk(walk_state *w, uint8_t next, rl__bytes p,
                             uint32_t wire_len);

/* The Fragment header at `off` of p. An atomic fragment (offset 0, no more
 * fragments, RFC 6946) is not stored: the walk simply goes on. */
static rl_decode_result fragment(walk_state *w, rl__bytes p, uint32_t off,
                                 uint32_t wire_len) {
  rl__dctx *c = w->c;
  if (w->reassembled)
    return RL_DECODE_MALFORMED; /* a fragment inside a fragment */
  uint8_t fnext = rl__u8(p, off);
  uint16_t fo = rl__be16(p, off + 2);
  uint32_t foff = fo & 0xfff8u;
  int more = fo & 1;
  rl__bytes data = rl__rest(p, off + FRAG_HEADER);
  uint32_t wire_data = wire_len - off - FRAG_HEADER;
  if (foff == 0 && !more)
    return walk(w, fnext, data, wire_data);
  if (data.len < wire_data) {
    c->stats->ip_fragments++;
    c->stats->ip_fragments_dropped++;
    c->truncated = 1;
    return RL_DECODE_MALFORMED;
  }
  if (fnext != NH_TCP && !is_skippable_ext(fnext)) {
    c->stats->ip_fragments++; /* only TCP is reassembled */
    return RL_DECODE_NOT_TCP;
  }
  rl__frag_in in;
  memset(&in, 0, sizeof in);
  (void)rl__copy(w->fixed, 8, in.key.src, 16);
  (void)rl__copy(w->fixed, 24, in.key.dst, 16);
  in.key.id = rl__be32(p, off + 4);
  in.key.proto = fnext;
  in.key.ipver = 6;
  in.off = foff;
  in.more = more;
  in.data = data;
  in.ts = c->pkt->ts;
  rl__bytes whole;
  int rc = rl__frag_add(c->dec->frags, &in, c->stats, &whole);
  if (rc <= 0)
    return rc < 0 ? RL_DECODE_MALFORMED : RL_DECODE_FRAGMENT;
  w->reassembled = 1;
  return walk(w, fnext, whole, whole.len);
}

/* Walks the header chain starting with `next` at the start of p, whose
 * length on the wire is wire_len (p may hold less when cut by the snaplen). */
static rl_decode_result walk(walk_state *w, uint8_t next, rl__bytes p,
                             uint32_t wire_len) {
  uint32_t off = 0;
  for (;;) {
    if (next != NH_FRAGMENT && !is_skippable_ext(next))
      return rl__decode_ip_proto(w->c, next, rl__rest(p, off), wire_len - off);
    if (wire_len - off < 8)
      return RL_DECODE_MALFORMED; /* every extension header is >= 8 bytes */
    if (!rl__has(p, off, 8))
      return rl__short_header(w->c);
    if (next == NH_FRAGMENT)
      return fragment(w, p, off, wire_len);
    uint32_t len = next == NH_AH ? ((uint32_t)rl__u8(p, off + 1) + 2) * 4
                                 : ((uint32_t)rl__u8(p, off + 1) + 1) * 8;
    if (len > wire_len - off)
      return RL_DECODE_MALFORMED;
    if (!rl__has(p, off, len))
      return rl__short_header(w->c);
    next = rl__u8(p, off);
    off += len;
  }
}

rl_decode_result rl__decode_ipv6(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, IPV6_HEADER))
    return rl__short_header(c);
  if ((rl__u8(b, 0) >> 4) != 6)
    return RL_DECODE_MALFORMED;
  uint32_t plen = rl__be16(b, 4);
  uint8_t next = rl__u8(b, 6);
  uint32_t avail = b.len - IPV6_HEADER;
  if (plen > avail && plen - avail > c->missing)
    return RL_DECODE_MALFORMED;
  rl_segment *seg = c->seg;
  memset(&seg->src, 0, sizeof seg->src);
  memset(&seg->dst, 0, sizeof seg->dst);
  (void)rl__copy(b, 8, seg->src.addr, 16);
  (void)rl__copy(b, 24, seg->dst.addr, 16);
  seg->src.ipver = seg->dst.ipver = 6;
  /* A zero payload length with a hop-by-hop header is a jumbogram (RFC
   * 2675); Linux writes those for segmentation-offloaded ("BIG TCP")
   * packets captured on the sender, so, like Wireshark, the frame's length
   * counts then. Without one, a zero length is an empty packet. */
  if (plen == 0) {
    if (next != NH_HOPOPTS)
      return next == NH_TCP ? RL_DECODE_MALFORMED : RL_DECODE_NOT_TCP;
    plen = avail + c->missing;
  }
  walk_state w = {c, rl__sub(b, 0, IPV6_HEADER), 0};
  return walk(&w, next, rl__sub(b, IPV6_HEADER, plen), plen);
}
