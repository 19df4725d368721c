/* Cisco HDLC (LINKTYPE_C_HDLC 104): address, control, protocol.
 *
 *  +--------+--------+-----------------+
 *  | 0x0f / | 0x00   | protocol        |
 *  | 0x8f   |        | (an ethertype)  |
 *  +--------+--------+-----------------+
 *
 * The address is 0x0f for unicast and 0x8f for broadcast; the protocol is
 * an ethertype, so the Ethernet dispatch takes over. The layout is Cisco's,
 * documented by the tcpdump link-layer header types list. */
#include "decode/layers.h"

enum { CHDLC_HEADER = 4 };

rl_decode_result rl__decode_chdlc(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, CHDLC_HEADER))
    return rl__short_header(c);
  return rl__decode_ethertype(c, rl__be16(b, 2), rl__rest(b, CHDLC_HEADER));
}
