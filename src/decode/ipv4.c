/* IPv4 (RFC 791 3.1).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  |         Identification        |Flags|      Fragment Offset    |
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  |                       Source Address                          |
 *  |                    Destination Address                        |
 *  |                    Options (IHL > 5)                          |
 *
 * The total length, not the captured length, bounds the datagram: Ethernet
 * pads short frames to 60 bytes and the padding is not payload. The header
 * checksum is not verified: captures taken on the sending host carry
 * checksums the NIC has not filled in yet. A total length of 0 means
 * "offloaded, see the frame" (below). */
#include <string.h>

#include "decode/layers.h"

enum {
  IPV4_MIN_HEADER = 20,
  IPV4_FLAG_MF = 0x2000,
  IPV4_OFFSET_MASK = 0x1fff,
  IPPROTO_TCP_NUM = 6
};

/* Sets the segment's endpoint addresses (ports come from TCP). */
static void set_addrs(rl_segment *seg, rl__bytes h) {
  memset(&seg->src, 0, sizeof seg->src);
  memset(&seg->dst, 0, sizeof seg->dst);
  (void)rl__copy(h, 12, seg->src.addr, 4);
  (void)rl__copy(h, 16, seg->dst.addr, 4);
  seg->src.ipver = seg->dst.ipver = 4;
}

/* A fragment (MF set or a nonzero offset): stored, or, when it completes
 * its datagram, decoded as the whole TCP segment. */
static rl_decode_result fragment(rl__dctx *c, rl__bytes h, uint32_t hl,
                                 rl__bytes payload, uint32_t wire_payload) {
  uint16_t fl = rl__be16(h, 6);
  if (payload.len < wire_payload) {
    /* Part of the fragment was cut by the snaplen: it cannot be used. */
    c->stats->ip_fragments++;
    c->stats->ip_fragments_dropped++;
    c->truncated = 1;
    return RL_DECODE_MALFORMED;
  }
  if (hl + (uint32_t)(fl & IPV4_OFFSET_MASK) * 8 + payload.len > 65535u) {
    c->stats->ip_fragments++;
    return RL_DECODE_MALFORMED; /* would reassemble past 64 KiB */
  }
  rl__frag_in in;
  memset(&in, 0, sizeof in);
  (void)rl__copy(h, 12, in.key.src, 4);
  (void)rl__copy(h, 16, in.key.dst, 4);
  in.key.id = rl__be16(h, 4);
  in.key.proto = rl__u8(h, 9);
  in.key.ipver = 4;
  in.off = (uint32_t)(fl & IPV4_OFFSET_MASK) * 8;
  in.more = (fl & IPV4_FLAG_MF) != 0;
  in.data = payload;
  in.ts = c->pkt->ts;
  rl__bytes whole;
  int rc = rl__frag_add(c->dec->frags, &in, c->stats, &whole);
  if (rc <= 0)
    return rc < 0 ? RL_DECODE_MALFORMED : RL_DECODE_FRAGMENT;
  return rl__decode_tcp(c, whole, whole.len);
}

rl_decode_result rl__decode_ipv4(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, IPV4_MIN_HEADER))
    return rl__short_header(c);
  uint8_t vihl = rl__u8(b, 0);
  uint32_t hl = (uint32_t)(vihl & 0x0f) * 4;
  uint32_t total = rl__be16(b, 2);
  uint16_t fl = rl__be16(b, 6);
  /* A total length of 0 is what Linux writes for segmentation-offloaded
   * ("BIG TCP") packets captured on the sender; like Wireshark, take the
   * frame's length then. Fragments cannot be offloaded that way. */
  if (total == 0 && !(fl & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)))
    total = b.len + c->missing; /* <= wirelen: cannot overflow */
  if ((vihl >> 4) != 4 || hl < IPV4_MIN_HEADER || total < hl)
    return RL_DECODE_MALFORMED;
  /* The datagram may extend past the captured bytes only by what the
   * snaplen cut; beyond that the length field lies. */
  if (total > b.len && total - b.len > c->missing)
    return RL_DECODE_MALFORMED;
  if (!rl__has(b, 0, hl))
    return rl__short_header(c);
  rl__bytes h = rl__sub(b, 0, hl);
  rl__bytes payload = rl__sub(b, hl, total - hl); /* drops link padding */
  uint8_t proto = rl__u8(b, 9);
  set_addrs(c->seg, h);
  if (fl & (IPV4_FLAG_MF | IPV4_OFFSET_MASK)) {
    if (proto != IPPROTO_TCP_NUM) {
      /* Only TCP is reassembled; other protocols' fragments are just seen. */
      c->stats->ip_fragments++;
      return RL_DECODE_NOT_TCP;
    }
    return fragment(c, h, hl, payload, total - hl);
  }
  return rl__decode_ip_proto(c, proto, payload, total - hl);
}
