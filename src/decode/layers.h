/* The decode layers and the state one rl_decode() call threads through them.
 *
 * Each layer takes a view that starts at its header and ends at the last
 * captured byte that belongs to it, decodes its header, and hands the rest
 * to the next layer. Results are rl_decode_result values; counting happens
 * once, in rl_decode(), from the result and the flags below, so that every
 * packet lands in exactly one of packets_tcp / packets_not_tcp /
 * packets_malformed (or is a stored fragment, or was cut by the snaplen). */
#ifndef RESPLINT_DECODE_LAYERS_H
#define RESPLINT_DECODE_LAYERS_H

#include <stdint.h>

#include "decode/bytes.h"
#include "decode/frag.h"
#include "resplint/decode.h"

struct rl_decoder {
  rl__frag_table *frags; /* holds the limits too */
  int link_ok;            /* the last link type found supported, or -1 */
};

/* One packet being decoded. */
typedef struct rl__dctx {
  rl_decoder *dec;
  const rl_packet *pkt;
  rl_segment *seg;
  rl_stats *stats;
  uint32_t missing; /* bytes on the wire that the snaplen cut off */
  int truncated;    /* a header or payload we needed was cut by the snaplen */
  int depth;        /* tunnels entered so far (see rl__tunnel_enter) */
} rl__dctx;

/* The most tunnels (IP-in-IP, GRE, UDP tunnels, PPPoE, MPLS) one packet may
 * nest: real networks stack two or three, and the bound keeps a crafted
 * packet of nothing but tunnel headers cheap. */
#define RL__MAX_TUNNEL_DEPTH 4

/* Enters one more tunnel; returns 0, or -1 when the bound is reached. */
int rl__tunnel_enter(rl__dctx *c);

/* IP payload dispatch (tunnel.c): TCP, or a tunnel carried in IP (protocols
 * 4 IPv4, 41 IPv6, 47 GRE, 17 UDP tunnels); anything else is NOT_TCP.
 * b holds the captured part, wire_len the length the IP header gives. */
rl_decode_result rl__decode_ip_proto(rl__dctx *c, uint8_t proto, rl__bytes b,
                                     uint32_t wire_len);

/* Fills a segment's ports, sequence numbers, flags, window and captured
 * payload from a TCP header of hl bytes that b holds whole; shared by the
 * general TCP decoder (tcp.c) and the Ethernet + IPv4 + TCP fast path
 * (decode.c), which differ only in what they check first. */
static inline void rl__tcp_fill(rl_segment *seg, rl__bytes b, uint32_t hl) {
  seg->src.port = rl__be16(b, 0);
  seg->dst.port = rl__be16(b, 2);
  seg->seq = rl__be32(b, 4);
  seg->ack = rl__be32(b, 8);
  seg->flags = rl__u8(b, 13);
  seg->window = rl__be16(b, 14);
  rl__bytes payload = rl__rest(b, hl);
  seg->payload = payload.len ? payload.p : NULL;
  seg->payload_len = payload.len;
}

/* Encapsulations, one file each; b starts at their header. */
rl_decode_result rl__decode_pppoe(rl__dctx *c, rl__bytes b);   /* pppoe.c */
rl_decode_result rl__decode_mpls(rl__dctx *c, rl__bytes b);    /* mpls.c */
rl_decode_result rl__decode_gre(rl__dctx *c, rl__bytes b);     /* gre.c */
rl_decode_result rl__decode_udp(rl__dctx *c, rl__bytes b,
                                uint32_t wire_len);            /* udp.c */
rl_decode_result rl__decode_chdlc(rl__dctx *c, rl__bytes b);   /* chdlc.c */
rl_decode_result rl__decode_ieee80211(rl__dctx *c, rl__bytes b); /* ieee80211.c */
rl_decode_result rl__decode_radiotap(rl__dctx *c, rl__bytes b);  /* ieee80211.c */

/* Decodes an IP packet whose version is its first nibble (link.c): raw IP
 * links, MPLS and UDP tunnels. `other` is the result for a version that is
 * neither 4 nor 6 (malformed on a raw-IP link, not TCP inside a tunnel). */
rl_decode_result rl__decode_ip_any(rl__dctx *c, rl__bytes b, rl_decode_result other);

/* Decodes an Ethernet II frame (link.c); used by the link layer and by
 * tunnels that carry Ethernet (GRE 0x6558, VXLAN, Geneve). */
rl_decode_result rl__decode_ethernet(rl__dctx *c, rl__bytes b);

/* Link layer (link.c): dispatches on the packet's link type. */
rl_decode_result rl__decode_link(rl__dctx *c, rl__bytes b);

/* Ethertype dispatch (link.c), shared by Ethernet, SLL and SLL2: skips
 * 802.1Q/802.1ad tags, then decodes IPv4 or IPv6. */
rl_decode_result rl__decode_ethertype(rl__dctx *c, uint16_t type, rl__bytes b);

/* IPv4 (ipv4.c) and IPv6 (ipv6.c); b starts at the IP header. */
rl_decode_result rl__decode_ipv4(rl__dctx *c, rl__bytes b);
rl_decode_result rl__decode_ipv6(rl__dctx *c, rl__bytes b);

/* TCP (tcp.c): b holds the captured part of the segment, wire_len its length
 * according to the IP header. The endpoints' addresses are already set. */
rl_decode_result rl__decode_tcp(rl__dctx *c, rl__bytes b, uint32_t wire_len);

/* Marks the packet as cut by the snaplen when a header does not fit in the
 * captured bytes but the wire length says it was there; returns MALFORMED
 * either way (the caller cannot go on). */
rl_decode_result rl__short_header(rl__dctx *c);

#endif
