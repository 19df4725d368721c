/* What an IP header's protocol field leads to: TCP, or a tunnel.
 *
 * IP-in-IP (RFC 2003, protocol 4), IPv6-in-IP (RFC 4213 6in4 and RFC 2473
 * 4in6/6in6, protocol 41), GRE (RFC 2784, protocol 47) and UDP tunnels
 * (protocol 17, see udp.c) are followed to the TCP segment inside; the
 * inner conversation is the one that counts, as in Wireshark's tcp.stream.
 * The inner IP layer overwrites the endpoints the outer one set. */
#include "decode/layers.h"

enum {
  IPPROTO_NUM_IPIP = 4,
  IPPROTO_NUM_TCP = 6,
  IPPROTO_NUM_UDP = 17,
  IPPROTO_NUM_IPV6 = 41,
  IPPROTO_NUM_GRE = 47
};

int rl__tunnel_enter(rl__dctx *c) {
  if (c->depth >= RL__MAX_TUNNEL_DEPTH)
    return -1;
  c->depth++;
  return 0;
}

rl_decode_result rl__decode_ip_proto(rl__dctx *c, uint8_t proto, rl__bytes b,
                                     uint32_t wire_len) {
  if (proto == IPPROTO_NUM_TCP)
    return rl__decode_tcp(c, b, wire_len);
  if (proto == IPPROTO_NUM_UDP)
    return rl__decode_udp(c, b, wire_len);
  if (proto != IPPROTO_NUM_IPIP && proto != IPPROTO_NUM_IPV6 &&
      proto != IPPROTO_NUM_GRE)
    return RL_DECODE_NOT_TCP;
  if (rl__tunnel_enter(c) < 0)
    return RL_DECODE_NOT_TCP;
  /* The inner packet ends where the outer IP payload does: link padding
   * and trailers were already cut by the outer length. */
  switch (proto) {
  case IPPROTO_NUM_IPIP:
    return rl__decode_ipv4(c, b);
  case IPPROTO_NUM_IPV6:
    return rl__decode_ipv6(c, b);
  default:
    return rl__decode_gre(c, b);
  }
}
