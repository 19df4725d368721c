/* Encapsulations: PPPoE, IP-in-IP, GRE, VXLAN, Geneve, GTP-U, MPLS, Cisco
 * HDLC and 802.11. Each test builds the inner IP packet with pcapgen, wraps
 * it in hand-written headers (laid out as the standard named above each
 * helper), writes it with pcapgen and decodes what real libpcap reads back:
 * the inner TCP segment must come out intact. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "decode_util.h"

#define BUF 2048

/* A growing frame: headers are appended, then the inner packet. */
typedef struct frame {
  uint8_t b[BUF];
  uint32_t n;
} frame;

static void put(frame *f, const void *p, uint32_t len) {
  cr_assert_leq(f->n + len, BUF);
  memcpy(f->b + f->n, p, len);
  f->n += len;
}

static void put16(frame *f, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  put(f, b, 2);
}

/* The inner packet: dt_sample's segment over IPv4 or IPv6. */
static uint32_t inner(uint8_t *buf, int v6, pg_tcp *s) {
  *s = dt_sample(v6);
  int n = pg_build_ip(s, 77, buf, BUF);
  cr_assert_gt(n, 0);
  return (uint32_t)n;
}

/* Ethernet II (IEEE 802.3 3.2.6) header with `type`. */
static void put_eth(frame *f, uint16_t type) {
  static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
  put(f, macs, sizeof macs);
  put16(f, type);
}

/* IPv4 header (RFC 791) from 10.0.0.1 to 10.0.0.2 with protocol `proto`
 * for a payload of `plen` bytes. The checksum is left 0: not verified. */
static void put_ip4(frame *f, uint8_t proto, uint32_t plen) {
  uint8_t h[20] = {0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0,
                   10,   0, 0, 1, 10, 0, 0, 2};
  h[2] = (uint8_t)((20 + plen) >> 8);
  h[3] = (uint8_t)(20 + plen);
  put(f, h, sizeof h);
}

/* IPv6 header (RFC 8200) from fd00::1 to fd00::2. */
static void put_ip6(frame *f, uint8_t next, uint32_t plen) {
  uint8_t h[40] = {0x60, 0, 0, 0, (uint8_t)(plen >> 8), (uint8_t)plen, next, 64};
  h[8] = h[24] = 0xfd;
  h[23] = 1;
  h[39] = 2;
  put(f, h, sizeof h);
}

/* UDP header (RFC 768); the checksum 0 means "none" over IPv4. */
static void put_udp(frame *f, uint16_t dport, uint32_t plen) {
  put16(f, 40000);
  put16(f, dport);
  put16(f, (uint16_t)(8 + plen));
  put16(f, 0);
}

/* Decodes f as one packet of link type dlt and expects s inside. */
static void expect_inner(const char *name, int dlt, const frame *f,
                         const pg_tcp *s) {
  dt_run r;
  cr_assert_eq(dt_frame(name, dlt, f->b, f->n, 0, &r), 1);
  dt_expect_seg(&r, 0, s);
  cr_expect_eq(r.stats.packets_tcp, 1);
  cr_expect_eq(r.stats.packets_malformed + r.stats.packets_not_tcp, 0);
  dt_run_free(&r);
}

static void expect_result(const char *name, int dlt, const frame *f,
                          int result) {
  dt_run r;
  cr_assert_eq(dt_frame(name, dlt, f->b, f->n, 0, &r), 1);
  cr_expect_eq(r.results[0], result, "%s: %d", name, r.results[0]);
  dt_run_free(&r);
}

/* Every prefix of f, with the wire length saying the rest was cut by the
 * snaplen, is a truncated packet: never TCP, never malformed. */
static void expect_prefixes_truncated(const char *name, int dlt, const frame *f,
                                      uint32_t min) {
  for (uint32_t cut = min; cut < f->n; cut++) {
    dt_run r;
    cr_assert_eq(dt_frame(name, dlt, f->b, cut, f->n, &r), 1);
    /* A prefix that ends inside the TCP payload is a TCP segment with
     * missing bytes; anything shorter must be a short capture. */
    if (r.results[0] == RL_DECODE_TCP)
      cr_expect_gt(r.segs[0].payload_missing, 0, "%s cut %u", name, cut);
    else
      cr_expect_eq(r.stats.packets_truncated, 1, "%s cut %u: %d", name, cut,
                   r.results[0]);
    cr_expect_eq(r.stats.packets_malformed, 0, "%s cut %u", name, cut);
    dt_run_free(&r);
  }
}

/* PPPoE session stage (RFC 2516 4): ver/type 0x11, code 0, session id,
 * length of the PPP payload including the protocol field (RFC 1661 2). */
static void pppoe_frame(frame *f, int v6, int compressed, pg_tcp *s) {
  uint8_t ip[BUF];
  uint32_t n = inner(ip, v6, s);
  uint32_t plen = compressed ? 1 : 2;
  memset(f, 0, sizeof *f);
  put_eth(f, 0x8864);
  uint8_t h[6] = {0x11, 0, 0x12, 0x34, (uint8_t)((n + plen) >> 8),
                  (uint8_t)(n + plen)};
  put(f, h, sizeof h);
  if (compressed) {
    uint8_t p = v6 ? 0x57 : 0x21;
    put(f, &p, 1);
  } else {
    put16(f, v6 ? 0x0057 : 0x0021);
  }
  put(f, ip, n);
}

Test(encap, pppoe_ipv4_ipv6_and_compressed_protocol) {
  for (int v6 = 0; v6 < 2; v6++) {
    for (int comp = 0; comp < 2; comp++) {
      frame f;
      pg_tcp s;
      pppoe_frame(&f, v6, comp, &s);
      expect_inner("pppoe.pcap", DLT_EN10MB, &f, &s);
    }
  }
}

Test(encap, pppoe_length_cuts_ethernet_padding) {
  frame f;
  pg_tcp s;
  pppoe_frame(&f, 0, 0, &s);
  static const uint8_t pad[16] = {0xee, 0xee, 0xee, 0xee};
  put(&f, pad, sizeof pad);
  expect_inner("pppoe-pad.pcap", DLT_EN10MB, &f, &s);
}

Test(encap, pppoe_control_and_lying_length) {
  frame f;
  pg_tcp s;
  pppoe_frame(&f, 0, 0, &s);
  f.b[20] = 0xc0; /* PPP protocol 0xc021: LCP */
  f.b[21] = 0x21;
  expect_result("pppoe-lcp.pcap", DLT_EN10MB, &f, RL_DECODE_NOT_TCP);
  pppoe_frame(&f, 0, 0, &s);
  f.b[18] = 0x40; /* a length far past the frame */
  expect_result("pppoe-len.pcap", DLT_EN10MB, &f, RL_DECODE_MALFORMED);
  pppoe_frame(&f, 0, 0, &s);
  f.b[15] = 0x09; /* PADI, a discovery code */
  expect_result("pppoe-padi.pcap", DLT_EN10MB, &f, RL_DECODE_MALFORMED);
}

Test(encap, pppoe_truncated_prefixes) {
  frame f;
  pg_tcp s;
  pppoe_frame(&f, 1, 1, &s);
  expect_prefixes_truncated("pppoe-cut.pcap", DLT_EN10MB, &f, 14);
}

Test(encap, ip_in_ip_6in4_and_4in6) {
  static const struct {
    int outer6, inner6;
  } cases[] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t ip[BUF];
    pg_tcp s;
    uint32_t n = inner(ip, cases[i].inner6, &s);
    uint8_t proto = cases[i].inner6 ? 41 : 4;
    frame f = {.n = 0};
    if (cases[i].outer6)
      put_ip6(&f, proto, n);
    else
      put_ip4(&f, proto, n);
    put(&f, ip, n);
    expect_inner("ipip.pcap", DLT_RAW, &f, &s);
  }
}

/* Wraps f's current content in `levels` more IPv4 headers (protocol 4). */
static frame nest_ipip(int levels, pg_tcp *s) {
  frame f = {.n = 0};
  f.n = inner(f.b, 0, s);
  for (int i = 0; i < levels; i++) {
    frame o = {.n = 0};
    put_ip4(&o, 4, f.n);
    put(&o, f.b, f.n);
    f = o;
  }
  return f;
}

Test(encap, nesting_depth_is_bounded) {
  pg_tcp s;
  /* The outermost IP is not a tunnel: four tunnels are five IP headers. */
  frame f = nest_ipip(4, &s);
  expect_inner("nest4.pcap", DLT_RAW, &f, &s);
  f = nest_ipip(5, &s);
  expect_result("nest5.pcap", DLT_RAW, &f, RL_DECODE_NOT_TCP);
}

/* GRE (RFC 2784 2.1, RFC 2890 2): flags/version word, protocol type,
 * then checksum+reserved, key and sequence words as the flags say. */
static void gre_frame(frame *f, uint16_t flags, uint16_t proto, int v6,
                      pg_tcp *s) {
  uint8_t ip[BUF];
  uint32_t n = inner(ip, v6, s);
  frame g = {.n = 0};
  put16(&g, flags);
  put16(&g, proto);
  static const uint8_t word[4] = {0xab, 0xcd, 0, 0};
  for (int bit = 0x8000; bit >= 0x1000; bit >>= 1)
    if ((flags & bit) && bit != 0x4000)
      put(&g, word, 4);
  if (proto == 0x6558)
    put_eth(&g, v6 ? 0x86dd : 0x0800);
  put(&g, ip, n);
  memset(f, 0, sizeof *f);
  put_eth(f, 0x0800);
  put_ip4(f, 47, g.n);
  put(f, g.b, g.n);
}

Test(encap, gre_ipv4_ipv6_with_optional_fields) {
  static const uint16_t flags[] = {0, 0x8000, 0x2000, 0x1000, 0xb000};
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    for (int v6 = 0; v6 < 2; v6++) {
      frame f;
      pg_tcp s;
      gre_frame(&f, flags[i], v6 ? 0x86dd : 0x0800, v6, &s);
      expect_inner("gre.pcap", DLT_EN10MB, &f, &s);
    }
  }
}

Test(encap, gre_transparent_ethernet_bridging) {
  frame f;
  pg_tcp s;
  gre_frame(&f, 0x2000, 0x6558, 0, &s);
  expect_inner("gre-teb.pcap", DLT_EN10MB, &f, &s);
  expect_prefixes_truncated("gre-teb-cut.pcap", DLT_EN10MB, &f, 14);
}

Test(encap, gre_version_1_routing_and_unknown_type_are_not_tcp) {
  frame f;
  pg_tcp s;
  gre_frame(&f, 0x0001, 0x0800, 0, &s); /* PPTP's enhanced GRE */
  expect_result("gre-v1.pcap", DLT_EN10MB, &f, RL_DECODE_NOT_TCP);
  gre_frame(&f, 0x4000, 0x0800, 0, &s); /* RFC 1701 source routing */
  expect_result("gre-r.pcap", DLT_EN10MB, &f, RL_DECODE_NOT_TCP);
  gre_frame(&f, 0, 0x88be, 0, &s); /* ERSPAN: not decoded */
  expect_result("gre-erspan.pcap", DLT_EN10MB, &f, RL_DECODE_NOT_TCP);
}

/* VXLAN (RFC 7348 5): flags (I = 0x08), 3 reserved, VNI, 1 reserved;
 * then an Ethernet frame. */
static void vxlan_frame(frame *f, uint8_t reserved, pg_tcp *s) {
  uint8_t ip[BUF];
  uint32_t n = inner(ip, 0, s);
  frame v = {.n = 0};
  uint8_t h[8] = {0x08, reserved, reserved, reserved, 0, 0x10, 0x01, reserved};
  put(&v, h, sizeof h);
  put_eth(&v, 0x0800);
  put(&v, ip, n);
  memset(f, 0, sizeof *f);
  put_eth(f, 0x0800);
  put_ip4(f, 17, 8 + v.n);
  put_udp(f, 4789, v.n);
  put(f, v.b, v.n);
}

Test(encap, vxlan_with_and_without_reserved_bits) {
  frame f;
  pg_tcp s;
  vxlan_frame(&f, 0, &s);
  expect_inner("vxlan.pcap", DLT_EN10MB, &f, &s);
  vxlan_frame(&f, 0x5a, &s); /* RFC 7348: reserved bits are ignored */
  expect_inner("vxlan-res.pcap", DLT_EN10MB, &f, &s);
  expect_prefixes_truncated("vxlan-cut.pcap", DLT_EN10MB, &f, 14);
}

Test(encap, udp_on_a_tunnel_port_that_is_not_a_tunnel) {
  frame f;
  pg_tcp s;
  vxlan_frame(&f, 0, &s);
  f.n = 14 + 20 + 8 + 8 + 5; /* VXLAN then 5 bytes: no Ethernet header */
  f.b[17] = (uint8_t)(f.n - 14);
  f.b[39] = 8 + 8 + 5;
  expect_result("vxlan-short.pcap", DLT_EN10MB, &f, RL_DECODE_NOT_TCP);
  vxlan_frame(&f, 0, &s);
  f.b[38] = 0xff; /* UDP length past the datagram */
  expect_result("vxlan-udplen.pcap", DLT_EN10MB, &f, RL_DECODE_NOT_TCP);
}

/* Geneve (RFC 8926 3.4): version/option length, flags, protocol type,
 * VNI, reserved; options of 4-byte words. Here: one 8-byte option. */
Test(encap, geneve_with_options) {
  uint8_t ip[BUF];
  pg_tcp s;
  uint32_t n = inner(ip, 1, &s);
  frame g = {.n = 0};
  uint8_t h[16] = {0x02, 0, 0x65, 0x58, 0, 0, 0x2a, 0,
                   0x01, 0x02, 0x03, 0x01, 0xde, 0xad, 0xbe, 0xef};
  put(&g, h, sizeof h);
  put_eth(&g, 0x86dd);
  put(&g, ip, n);
  frame f = {.n = 0};
  put_eth(&f, 0x0800);
  put_ip4(&f, 17, 8 + g.n);
  put_udp(&f, 6081, g.n);
  put(&f, g.b, g.n);
  expect_inner("geneve.pcap", DLT_EN10MB, &f, &s);
}

/* GTP-U (3GPP TS 29.281 5.1): flags (version 1, PT, E), type 255 G-PDU,
 * length, TEID, then sequence, N-PDU, next extension type, and one
 * extension header (PDU session container, 4 bytes). */
Test(encap, gtpu_with_extension_header) {
  uint8_t ip[BUF];
  pg_tcp s;
  uint32_t n = inner(ip, 0, &s);
  frame g = {.n = 0};
  uint8_t h[16] = {0x34, 0xff, (uint8_t)((n + 8) >> 8), (uint8_t)(n + 8),
                   0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x10, 0x05, 0};
  put(&g, h, sizeof h);
  put(&g, ip, n);
  frame f = {.n = 0};
  put_eth(&f, 0x0800);
  put_ip4(&f, 17, 8 + g.n);
  put_udp(&f, 2152, g.n);
  put(&f, g.b, g.n);
  expect_inner("gtpu.pcap", DLT_EN10MB, &f, &s);
  f.b[14 + 20 + 8 + 1] = 1; /* an Echo Request, not user data */
  expect_result("gtpu-echo.pcap", DLT_EN10MB, &f, RL_DECODE_NOT_TCP);
}

/* MPLS (RFC 3032 2.1): label entries of 4 bytes, S bit on the last. */
Test(encap, mpls_label_stack) {
  for (int v6 = 0; v6 < 2; v6++) {
    uint8_t ip[BUF];
    pg_tcp s;
    uint32_t n = inner(ip, v6, &s);
    frame f = {.n = 0};
    put_eth(&f, 0x8847);
    static const uint8_t labels[8] = {0x00, 0x01, 0x00, 0x40,
                                      0x00, 0x02, 0x01, 0x40};
    put(&f, labels, sizeof labels);
    put(&f, ip, n);
    expect_inner("mpls.pcap", DLT_EN10MB, &f, &s);
    expect_prefixes_truncated("mpls-cut.pcap", DLT_EN10MB, &f, 14);
  }
}

Test(encap, mpls_without_bottom_of_stack_is_not_tcp) {
  frame f = {.n = 0};
  put_eth(&f, 0x8847);
  static const uint8_t label[4] = {0x00, 0x01, 0x00, 0x40};
  for (int i = 0; i < 12; i++)
    put(&f, label, sizeof label);
  expect_result("mpls-deep.pcap", DLT_EN10MB, &f, RL_DECODE_NOT_TCP);
}

/* Cisco HDLC: address 0x0f, control 0, ethertype. */
Test(encap, cisco_hdlc) {
  for (int v6 = 0; v6 < 2; v6++) {
    uint8_t ip[BUF];
    pg_tcp s;
    uint32_t n = inner(ip, v6, &s);
    frame f = {.n = 0};
    static const uint8_t h[2] = {0x0f, 0x00};
    put(&f, h, 2);
    put16(&f, v6 ? 0x86dd : 0x0800);
    put(&f, ip, n);
    expect_inner("chdlc.pcap", DLT_C_HDLC, &f, &s);
  }
}

/* An 802.11 data frame (IEEE 802.11-2020 9.3.2.1): frame control, duration,
 * three addresses, sequence control, [address 4], [QoS control], then
 * LLC/SNAP (RFC 1042) and the IP packet, and a 4-byte FCS. */
static void wlan_frame(frame *f, int radiotap, uint8_t fc0, uint8_t fc1,
                       pg_tcp *s) {
  uint8_t ip[BUF];
  uint32_t n = inner(ip, 0, s);
  memset(f, 0, sizeof *f);
  if (radiotap) {
    /* Radiotap: version 0, pad, length 12 (LE), present = flags (bit 1),
     * the flags byte (0x10: FCS at the end), and padding. */
    static const uint8_t rt[12] = {0, 0, 12, 0, 0x02, 0, 0, 0, 0x10, 0, 0, 0};
    put(f, rt, sizeof rt);
  }
  uint8_t h[24] = {fc0, fc1};
  put(f, h, sizeof h);
  if ((fc1 & 3) == 3)
    put(f, h, 6); /* address 4 */
  if (fc0 & 0x80)
    put16(f, 0); /* QoS control */
  static const uint8_t snap[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
  put(f, snap, sizeof snap);
  put(f, ip, n);
  static const uint8_t fcs[4] = {1, 2, 3, 4};
  put(f, fcs, sizeof fcs);
}

Test(encap, ieee80211_data_qos_and_four_address) {
  frame f;
  pg_tcp s;
  wlan_frame(&f, 0, 0x08, 0x02, &s); /* data, from DS */
  expect_inner("wlan.pcap", DLT_IEEE802_11, &f, &s);
  wlan_frame(&f, 1, 0x88, 0x01, &s); /* QoS data, to DS */
  expect_inner("wlan-rt.pcap", DLT_IEEE802_11_RADIO, &f, &s);
  wlan_frame(&f, 1, 0x88, 0x03, &s); /* QoS data, WDS: four addresses */
  expect_inner("wlan-wds.pcap", DLT_IEEE802_11_RADIO, &f, &s);
  /* Without the FCS, so that every prefix cuts the TCP segment. */
  f.n -= 4;
  expect_prefixes_truncated("wlan-cut.pcap", DLT_IEEE802_11_RADIO, &f, 0);
}

Test(encap, ieee80211_protected_management_and_null_are_not_tcp) {
  frame f;
  pg_tcp s;
  wlan_frame(&f, 1, 0x88, 0x41, &s); /* protected */
  expect_result("wlan-prot.pcap", DLT_IEEE802_11_RADIO, &f, RL_DECODE_NOT_TCP);
  wlan_frame(&f, 1, 0x80, 0x00, &s); /* beacon */
  expect_result("wlan-beacon.pcap", DLT_IEEE802_11_RADIO, &f, RL_DECODE_NOT_TCP);
  wlan_frame(&f, 1, 0x48, 0x01, &s); /* null data */
  expect_result("wlan-null.pcap", DLT_IEEE802_11_RADIO, &f, RL_DECODE_NOT_TCP);
  wlan_frame(&f, 1, 0x08, 0x02, &s);
  f.b[2] = 200; /* radiotap length past the frame */
  f.n = 100;
  expect_result("wlan-rtlen.pcap", DLT_IEEE802_11_RADIO, &f, RL_DECODE_MALFORMED);
}
