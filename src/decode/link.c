/* The link layer: from a captured frame to the IP header.
 *
 * pcap files store LINKTYPE_ values and libpcap hands out DLT_ values; the
 * table below lists the DLT_ values we accept, including the numbers other
 * systems use for the same encapsulation (OpenBSD's DLT_RAW is 14, and
 * LINKTYPE_RAW 101 is accepted in case a caller passes the file's value). */
#include <pcap/dlt.h>

#include "decode/layers.h"

/* The link types the decoder knows, one decoder function each.
 * XX(name, dlt, decoder) */
#define RL__LINK_MAP(XX)                    \
  XX(ethernet, DLT_EN10MB, rl__decode_ethernet) \
  XX(sll, DLT_LINUX_SLL, decode_sll)        \
  XX(sll2, DLT_LINUX_SLL2, decode_sll2)     \
  XX(null, DLT_NULL, decode_null)           \
  XX(loop, DLT_LOOP, decode_null)           \
  XX(raw, DLT_RAW, decode_raw)              \
  XX(raw_openbsd, 14, decode_raw)           \
  XX(linktype_raw, 101, decode_raw)         \
  XX(ipv4, DLT_IPV4, decode_ipv4_only)      \
  XX(ipv6, DLT_IPV6, decode_ipv6_only)     \
  XX(c_hdlc, DLT_C_HDLC, rl__decode_chdlc) \
  XX(ieee802_11, DLT_IEEE802_11, rl__decode_ieee80211) \
  XX(radiotap, DLT_IEEE802_11_RADIO, rl__decode_radiotap)

enum {
  ETHERTYPE_IPV4 = 0x0800,
  ETHERTYPE_IPV6 = 0x86dd,
  ETHERTYPE_VLAN = 0x8100,     /* IEEE 802.1Q customer tag */
  ETHERTYPE_QINQ = 0x88a8,     /* IEEE 802.1ad service tag */
  ETHERTYPE_QINQ_OLD = 0x9100, /* pre-standard QinQ, still in the wild */
  ETHERTYPE_MPLS = 0x8847,     /* RFC 3032 unicast */
  ETHERTYPE_MPLS_MC = 0x8848,  /* RFC 5332 multicast */
  ETHERTYPE_PPPOE = 0x8864,    /* RFC 2516 session stage */
  ETHERTYPE_MIN = 0x0600       /* below: an IEEE 802.3 length, not a type */
};

/* The most VLAN tags we walk through; real networks stack two, and the
 * bound keeps a frame of nothing but tags from costing more than a few
 * reads. */
#define MAX_VLAN_TAGS 8

static int is_vlan_tpid(uint16_t type) {
  return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
         type == ETHERTYPE_QINQ_OLD;
}

rl_decode_result rl__decode_ethertype(rl__dctx *c, uint16_t type, rl__bytes b) {
  /* IEEE 802.1Q 9.3: each tag is TPID (already read as `type`) + 2-byte TCI,
   * followed by the next type. */
  for (int tags = 0; is_vlan_tpid(type); tags++) {
    if (tags == MAX_VLAN_TAGS)
      return RL_DECODE_NOT_TCP;
    if (!rl__has(b, 0, 4))
      return rl__short_header(c);
    type = rl__be16(b, 2);
    b = rl__rest(b, 4);
  }
  switch (type) {
  case ETHERTYPE_IPV4:
    return rl__decode_ipv4(c, b);
  case ETHERTYPE_IPV6:
    return rl__decode_ipv6(c, b);
  case ETHERTYPE_MPLS:
  case ETHERTYPE_MPLS_MC:
    return rl__decode_mpls(c, b);
  case ETHERTYPE_PPPOE:
    return rl__decode_pppoe(c, b);
  default:
    return RL_DECODE_NOT_TCP;
  }
}

/* Ethernet II (IEEE 802.3 3.2.6, DIX): destination, source, type. A value
 * below 0x0600 is an 802.3 length followed by LLC: never TCP for us. */
rl_decode_result rl__decode_ethernet(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, 14))
    return rl__short_header(c);
  uint16_t type = rl__be16(b, 12);
  if (type < ETHERTYPE_MIN)
    return RL_DECODE_NOT_TCP;
  return rl__decode_ethertype(c, type, rl__rest(b, 14));
}

/* Linux "cooked" capture v1 (LINKTYPE_LINUX_SLL, 16 bytes): packet type,
 * ARPHRD type, address length, 8 address bytes, protocol (an ethertype for
 * the protocols we care about). */
static rl_decode_result decode_sll(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, 16))
    return rl__short_header(c);
  return rl__decode_ethertype(c, rl__be16(b, 14), rl__rest(b, 16));
}

/* Linux "cooked" capture v2 (LINKTYPE_LINUX_SLL2, 20 bytes): protocol,
 * reserved, interface index, ARPHRD type, packet type, address length,
 * 8 address bytes. */
static rl_decode_result decode_sll2(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, 20))
    return rl__short_header(c);
  return rl__decode_ethertype(c, rl__be16(b, 0), rl__rest(b, 20));
}

rl_decode_result rl__decode_ip_any(rl__dctx *c, rl__bytes b, rl_decode_result other) {
  if (!rl__has(b, 0, 1))
    return rl__short_header(c);
  switch (rl__u8(b, 0) >> 4) {
  case 4:
    return rl__decode_ipv4(c, b);
  case 6:
    return rl__decode_ipv6(c, b);
  default:
    return other;
  }
}

/* A raw-IP link: an IP packet of either version, and nothing else. */
static rl_decode_result decode_raw(rl__dctx *c, rl__bytes b) {
  return rl__decode_ip_any(c, b, RL_DECODE_MALFORMED);
}

/* BSD loopback (LINKTYPE_NULL in the writer's host order, LINKTYPE_LOOP in
 * network order): a 4-byte address family. Files travel between machines, so
 * both byte orders are accepted for both: a family always fits in 16 bits,
 * so a value with only its high half set was written in the other order.
 * AF_INET6 differs between systems: 10 Linux, 24 NetBSD/OpenBSD,
 * 28 FreeBSD, 30 macOS. */
static rl_decode_result decode_null(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, 4))
    return rl__short_header(c);
  uint32_t family = rl__be32(b, 0);
  if ((family & 0xffffu) == 0)
    family = rl__le32(b, 0);
  rl__bytes ip = rl__rest(b, 4);
  switch (family) {
  case 2: /* AF_INET everywhere */
    return rl__decode_ipv4(c, ip);
  case 10:
  case 24:
  case 28:
  case 30:
    return rl__decode_ipv6(c, ip);
  default:
    return RL_DECODE_NOT_TCP;
  }
}

static rl_decode_result decode_ipv4_only(rl__dctx *c, rl__bytes b) {
  return rl__decode_ipv4(c, b);
}

static rl_decode_result decode_ipv6_only(rl__dctx *c, rl__bytes b) {
  return rl__decode_ipv6(c, b);
}

rl_decode_result rl__decode_link(rl__dctx *c, rl__bytes b) {
  /* The sparse switch below compiles to a tree of compares; Ethernet, by
   * far the most common, is tested first. */
  if (c->pkt->linktype == DLT_EN10MB)
    return rl__decode_ethernet(c, b);
  switch (c->pkt->linktype) {
#define RL__LINK_CASE(name, dlt, fn) \
  case dlt:                          \
    return fn(c, b);
    RL__LINK_MAP(RL__LINK_CASE)
#undef RL__LINK_CASE
  default:
    return RL_DECODE_UNSUPPORTED;
  }
}

int rl_decode_linktype_supported(int dlt) {
  switch (dlt) {
#define RL__LINK_KNOWN(name, dlt, fn) case dlt:
    RL__LINK_MAP(RL__LINK_KNOWN)
#undef RL__LINK_KNOWN
    return 1;
  default:
    return 0;
  }
}
