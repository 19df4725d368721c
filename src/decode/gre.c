/* GRE (RFC 2784 2.1, with the key and sequence number of RFC 2890 2).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |C|R|K|S| Reserved0       | Ver |         Protocol Type         |
 *  |      Checksum (optional)      |       Reserved1 (Optional)    |
 *  |                         Key (optional)                        |
 *  |                 Sequence Number (Optional)                    |
 *
 * Only version 0 is decoded (version 1 is PPTP's enhanced GRE, RFC 2637,
 * which carries PPP). The R bit of RFC 1701 announces source routes; the
 * checksum/offset word is then present and a routing list follows, which
 * we do not walk. The protocol type is an ethertype: IPv4, IPv6, MPLS, and
 * 0x6558 "transparent Ethernet bridging" for a whole Ethernet frame. The
 * checksum is not verified (see ipv4.c). */
#include "decode/layers.h"

enum {
  GRE_HEADER = 4,
  GRE_FLAG_C = 0x8000,
  GRE_FLAG_R = 0x4000,
  GRE_FLAG_K = 0x2000,
  GRE_FLAG_S = 0x1000,
  GRE_VERSION_MASK = 0x0007,
  GRE_PROTO_TEB = 0x6558
};

rl_decode_result rl__decode_gre(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, GRE_HEADER))
    return rl__short_header(c);
  uint16_t flags = rl__be16(b, 0);
  uint16_t proto = rl__be16(b, 2);
  if ((flags & GRE_VERSION_MASK) != 0 || (flags & GRE_FLAG_R))
    return RL_DECODE_NOT_TCP;
  uint32_t hl = GRE_HEADER;
  if (flags & GRE_FLAG_C)
    hl += 4;
  if (flags & GRE_FLAG_K)
    hl += 4;
  if (flags & GRE_FLAG_S)
    hl += 4;
  if (!rl__has(b, 0, hl))
    return rl__short_header(c);
  rl__bytes in = rl__rest(b, hl);
  if (proto == GRE_PROTO_TEB)
    return rl__decode_ethernet(c, in);
  /* The ethertype dispatch also handles VLAN tags, MPLS and PPPoE. */
  return rl__decode_ethertype(c, proto, in);
}
