/* PPPoE session stage (RFC 2516 4) and the PPP protocol field (RFC 1661 2).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  VER  | TYPE  |      CODE     |          SESSION_ID           |
 *  |            LENGTH             |  PPP protocol (2 bytes) ...   |
 *
 * VER and TYPE are both 1 and CODE is 0 in the session stage; LENGTH counts
 * the PPP payload including the protocol field, so, like the IP total
 * length, it cuts Ethernet padding. PPP protocol 0x0021 is IPv4 (RFC 1332),
 * 0x0057 IPv6 (RFC 5072); everything else (LCP, IPCP...) is not TCP.
 * With protocol field compression (RFC 1661 6.5) the leading zero byte is
 * left out: a first byte with its low bit set is then the whole field. */
#include "decode/layers.h"

enum {
  PPPOE_HEADER = 6,
  PPPOE_VER_TYPE = 0x11,
  PPPOE_CODE_SESSION = 0x00,
  PPP_PROTO_IPV4 = 0x0021,
  PPP_PROTO_IPV6 = 0x0057
};

rl_decode_result rl__decode_pppoe(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, PPPOE_HEADER + 1))
    return rl__short_header(c);
  if (rl__u8(b, 0) != PPPOE_VER_TYPE || rl__u8(b, 1) != PPPOE_CODE_SESSION)
    return RL_DECODE_MALFORMED;
  uint32_t len = rl__be16(b, 4);
  uint32_t plen = (rl__u8(b, PPPOE_HEADER) & 1) ? 1 : 2;
  if (len < plen)
    return RL_DECODE_MALFORMED;
  uint32_t avail = b.len - PPPOE_HEADER;
  if (len > avail && len - avail > c->missing)
    return RL_DECODE_MALFORMED;
  if (rl__tunnel_enter(c) < 0)
    return RL_DECODE_NOT_TCP;
  uint16_t proto = plen == 1 ? rl__u8(b, PPPOE_HEADER)
                             : rl__be16(b, PPPOE_HEADER);
  rl__bytes ip = rl__sub(b, PPPOE_HEADER + plen, len - plen);
  switch (proto) {
  case PPP_PROTO_IPV4:
    return rl__decode_ipv4(c, ip);
  case PPP_PROTO_IPV6:
    return rl__decode_ipv6(c, ip);
  default:
    return RL_DECODE_NOT_TCP;
  }
}
