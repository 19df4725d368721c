/* UDP (RFC 768) and the tunnels that ride on it, chosen by port:
 * VXLAN (RFC 7348 5, port 4789), Geneve (RFC 8926 3.4, port 6081) and
 * GTP-U (3GPP TS 29.281 5.1, port 2152). Other UDP is not TCP.
 *
 *  UDP:    | Source Port | Destination Port | Length | Checksum |
 *
 *  VXLAN:  |R|R|R|R|I|R|R|R|   Reserved (24)                    |
 *          |      VXLAN Network Identifier (24)  |  Reserved   |
 *  The 8 bytes are followed by an Ethernet frame. Reserved bits are
 *  ignored, as RFC 7348 asks receivers to.
 *
 *  Geneve: |Ver|Opt Len|O|C|  Rsvd.  |       Protocol Type       |
 *          |     Virtual Network Identifier (VNI)   |  Reserved  |
 *          |                 Options (Opt Len * 4 bytes)         |
 *  The protocol type is an ethertype (0x6558 for Ethernet).
 *
 *  GTP-U:  |Ver|PT|*|E|S|PN| Message Type | Length (2) | TEID (4) |
 *          | Sequence (2) | N-PDU (1) | Next ext. type (1) |   if E|S|PN
 *  Message type 255 (G-PDU) carries a user IP packet after the header and
 *  any extension headers (each: length in 4-byte units, content, next
 *  type in its last byte). */
#include "decode/layers.h"

enum {
  UDP_HEADER = 8,
  PORT_VXLAN = 4789,
  PORT_GENEVE = 6081,
  PORT_GTPU = 2152,
  VXLAN_HEADER = 8,
  GENEVE_HEADER = 8,
  GTP_HEADER = 8,
  GTP_OPT_HEADER = 4,
  GTP_FLAG_E = 0x04,
  GTP_FLAG_S = 0x02,
  GTP_FLAG_PN = 0x01,
  GTP_MSG_GPDU = 0xff,
  ETHERTYPE_TEB = 0x6558
};

/* A chain of GTP-U extension headers longer than this is not real. */
#define MAX_GTP_EXTENSIONS 8

static rl_decode_result decode_vxlan(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, VXLAN_HEADER))
    return rl__short_header(c);
  return rl__decode_ethernet(c, rl__rest(b, VXLAN_HEADER));
}

static rl_decode_result decode_geneve(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, GENEVE_HEADER))
    return rl__short_header(c);
  if ((rl__u8(b, 0) >> 6) != 0)
    return RL_DECODE_NOT_TCP; /* an unknown version */
  uint32_t hl = GENEVE_HEADER + (uint32_t)(rl__u8(b, 0) & 0x3f) * 4;
  if (!rl__has(b, 0, hl))
    return rl__short_header(c);
  uint16_t proto = rl__be16(b, 2);
  rl__bytes in = rl__rest(b, hl);
  if (proto == ETHERTYPE_TEB)
    return rl__decode_ethernet(c, in);
  return rl__decode_ethertype(c, proto, in);
}

static rl_decode_result decode_gtpu(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, GTP_HEADER))
    return rl__short_header(c);
  uint8_t flags = rl__u8(b, 0);
  if ((flags >> 5) != 1 || rl__u8(b, 1) != GTP_MSG_GPDU)
    return RL_DECODE_NOT_TCP; /* GTPv1-U user data only */
  uint32_t off = GTP_HEADER;
  if (flags & (GTP_FLAG_E | GTP_FLAG_S | GTP_FLAG_PN)) {
    if (!rl__has(b, off, GTP_OPT_HEADER))
      return rl__short_header(c);
    uint8_t next = (flags & GTP_FLAG_E) ? rl__u8(b, off + 3) : 0;
    off += GTP_OPT_HEADER;
    for (int n = 0; next != 0; n++) {
      if (n == MAX_GTP_EXTENSIONS)
        return RL_DECODE_NOT_TCP;
      uint32_t len = (uint32_t)rl__u8(b, off) * 4;
      if (len == 0)
        return RL_DECODE_MALFORMED;
      if (!rl__has(b, off, len))
        return rl__short_header(c);
      next = rl__u8(b, off + len - 1);
      off += len;
    }
  }
  return rl__decode_ip_any(c, rl__rest(b, off), RL_DECODE_NOT_TCP);
}

rl_decode_result rl__decode_udp(rl__dctx *c, rl__bytes b, uint32_t wire_len) {
  /* Ordinary UDP is not looked at beyond its ports: it is not TCP whatever
   * its header says. Only a tunnel's UDP header must be consistent. */
  if (wire_len >= 4 && !rl__has(b, 0, 4))
    return rl__short_header(c); /* the ports were cut by the snaplen */
  uint16_t sport = rl__be16(b, 0), dport = rl__be16(b, 2);
  rl_decode_result (*fn)(rl__dctx *, rl__bytes) = NULL;
  /* The well-known port is normally the destination; a reply from a tunnel
   * endpoint may carry it only as the source. */
  if (dport == PORT_VXLAN || sport == PORT_VXLAN)
    fn = decode_vxlan;
  else if (dport == PORT_GENEVE || sport == PORT_GENEVE)
    fn = decode_geneve;
  else if (dport == PORT_GTPU || sport == PORT_GTPU)
    fn = decode_gtpu;
  if (!fn || wire_len < UDP_HEADER)
    return RL_DECODE_NOT_TCP;
  if (!rl__has(b, 0, UDP_HEADER))
    return rl__short_header(c);
  uint32_t len = rl__be16(b, 4);
  /* A length of 0 is a jumbogram's (RFC 2675 4); otherwise it must fit. */
  if (len == 0)
    len = wire_len;
  if (len < UDP_HEADER || len > wire_len)
    return RL_DECODE_NOT_TCP;
  if (rl__tunnel_enter(c) < 0)
    return RL_DECODE_NOT_TCP;
  rl_decode_result r = fn(c, rl__sub(b, UDP_HEADER, len - UDP_HEADER));
  /* Plain UDP on a tunnel port that is not a tunnel is still just UDP. */
  return r == RL_DECODE_MALFORMED && !c->truncated ? RL_DECODE_NOT_TCP : r;
}
