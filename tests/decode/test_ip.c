/* IP layers: IPv4 options, Ethernet padding, IPv6 extension headers, TCP
 * options, and IP packets that are valid but carry something else. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "decode_util.h"

Test(ip, ipv4_options_move_the_tcp_header) {
  /* Record route (7), 39 bytes: the longest legal option area is 40. */
  uint8_t rr[39] = {7, 39, 4};
  uint32_t lens[] = {1, 4, 12, 39};
  for (int i = 0; i < 4; i++) {
    pg_tcp s = dt_sample(0);
    s.ip_options = lens[i] == 1 ? (const void *)"\x01" : (const void *)rr;
    s.ip_options_len = lens[i];
    dt_run r;
    char name[64];
    snprintf(name, sizeof name, "ipopt-%u.pcap", lens[i]);
    cr_assert_eq(dt_one(name, DLT_EN10MB, &s, &r), 1);
    dt_expect_seg(&r, 0, &s);
    dt_run_free(&r);
  }
}

Test(ip, tcp_options_move_the_payload) {
  static const uint8_t opts[] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10,
                                 0, 0, 0, 1, 0, 0, 0, 2};
  for (uint32_t len = 4; len <= sizeof opts; len += 4) {
    for (int v6 = 0; v6 < 2; v6++) {
      pg_tcp s = dt_sample(v6);
      s.tcp_options = opts;
      s.tcp_options_len = len;
      dt_run r;
      char name[64];
      snprintf(name, sizeof name, "tcpopt-%u-%d.pcap", len, v6);
      cr_assert_eq(dt_one(name, DLT_EN10MB, &s, &r), 1);
      dt_expect_seg(&r, 0, &s);
      dt_run_free(&r);
    }
  }
}

Test(ip, ethernet_padding_is_not_payload) {
  /* A pure ACK is 54 bytes; the NIC pads it to 60. With padding, a 2-byte
   * payload frame too. The decoder must trust the IP total length. */
  pg_tcp ack = dt_sample(0);
  ack.payload = NULL;
  ack.len = 0;
  ack.flags = RL_TCP_ACK;
  ack.eth_pad_to = 60;
  pg_tcp tiny = dt_sample(0);
  tiny.payload = "ok";
  tiny.len = 2;
  tiny.eth_pad_to = 60;
  char path[1200];
  dt_path(path, sizeof path, "padded.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  cr_assert_eq(pg_write_tcp(w, &ack), 0);
  cr_assert_eq(pg_write_tcp(w, &tiny), 0);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 2);
  dt_expect_seg(&r, 0, &ack);
  dt_expect_seg(&r, 1, &tiny);
  dt_run_free(&r);
  /* The padding really is in the file. */
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  struct pcap_pkthdr *h;
  const u_char *d;
  cr_assert_eq(pcap_next_ex(p, &h, &d), 1);
  cr_expect_eq(h->caplen, 60);
  pcap_close(p);
}

Test(ip, ipv6_padding_is_not_payload) {
  pg_tcp s = dt_sample(1);
  s.payload = "x";
  s.len = 1;
  s.eth_pad_to = 200;
  dt_run r;
  cr_assert_eq(dt_one("pad6.pcap", DLT_EN10MB, &s, &r), 1);
  dt_expect_seg(&r, 0, &s);
  dt_run_free(&r);
}

Test(ip, ipv6_extension_headers) {
  static const uint8_t chains[][4] = {{0}, {43}, {60}, {51}, {0, 43, 60, 51}, {0, 60, 51, 60}};
  static const int lens[] = {1, 1, 1, 1, 4, 4};
  for (int i = 0; i < 6; i++) {
    pg_tcp s = dt_sample(1);
    memcpy(s.ip6_ext, chains[i], 4);
    s.nip6_ext = lens[i];
    char name[64];
    snprintf(name, sizeof name, "ext6-%d.pcap", i);
    dt_run r;
    cr_assert_eq(dt_one(name, DLT_EN10MB, &s, &r), 1);
    dt_expect_seg(&r, 0, &s);
    dt_run_free(&r);
  }
}

/* Builds an IPv6 packet by hand: header with next header `nh`, then `ext`
 * bytes, then a TCP header if tcp != 0. Returns its length. */
static uint32_t ip6_with(uint8_t *buf, uint8_t nh, const uint8_t *ext,
                         uint32_t extlen, int tcp) {
  memset(buf, 0, 40);
  buf[0] = 0x60;
  uint32_t plen = extlen + (tcp ? 20 : 0);
  buf[4] = (uint8_t)(plen >> 8);
  buf[5] = (uint8_t)plen;
  buf[6] = nh;
  buf[7] = 64;
  buf[23] = 1;
  buf[39] = 2;
  memcpy(buf + 40, ext, extlen);
  if (tcp) {
    memset(buf + 40 + extlen, 0, 20);
    buf[40 + extlen + 12] = 0x50;
  }
  return 40 + plen;
}

Test(ip, ipv6_esp_no_next_and_unknown_are_not_tcp) {
  uint8_t pkt[256];
  static const uint8_t esp[16] = {0, 0, 1, 0, 0, 0, 0, 1};
  static const uint8_t dst_then_udp[8] = {17, 0, 1, 4};
  struct {
    uint8_t nh;
    const uint8_t *ext;
    uint32_t len;
  } cases[] = {{50, esp, 16}, {59, NULL, 0}, {17, esp, 8}, {253, esp, 16},
               {60, dst_then_udp, 8}, {58, esp, 8}};
  for (int i = 0; i < 6; i++) {
    uint32_t n = ip6_with(pkt, cases[i].nh, cases[i].ext ? cases[i].ext : esp,
                          cases[i].len, 0);
    dt_run r;
    char name[64];
    snprintf(name, sizeof name, "v6-nottcp-%d.pcap", i);
    cr_assert_eq(dt_frame(name, DLT_RAW, pkt, n, 0, &r), 1);
    cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP, "case %d: %d", i, r.results[0]);
    cr_expect_eq(r.stats.packets_not_tcp, 1);
    dt_run_free(&r);
  }
}

Test(ip, ipv6_hand_built_ext_then_tcp) {
  /* A destination options header of 16 bytes (length field 1). */
  uint8_t ext[16] = {6, 1, 1, 12};
  uint8_t pkt[256];
  uint32_t n = ip6_with(pkt, 60, ext, sizeof ext, 1);
  dt_run r;
  cr_assert_eq(dt_frame("v6-dst16.pcap", DLT_RAW, pkt, n, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_TCP);
  cr_expect_eq(r.segs[0].payload_len, 0);
  dt_run_free(&r);
}

Test(ip, ipv4_udp_and_icmp_are_not_tcp) {
  pg_tcp s = dt_sample(0);
  uint8_t pkt[256];
  int n = pg_build_ip(&s, 7, pkt, sizeof pkt);
  cr_assert_gt(n, 0);
  for (int proto = 0; proto < 3; proto++) {
    pkt[9] = proto == 0 ? 17 : proto == 1 ? 1 : 47;
    dt_run r;
    char name[64];
    snprintf(name, sizeof name, "v4-proto-%d.pcap", proto);
    cr_assert_eq(dt_frame(name, DLT_RAW, pkt, (uint32_t)n, 0, &r), 1);
    cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP);
    cr_expect_eq(r.stats.packets_not_tcp, 1);
    dt_run_free(&r);
  }
}

Test(ip, ports_seq_and_flags_survive_extremes) {
  pg_tcp s = dt_sample(0);
  s.sport = 65535;
  s.dport = 1;
  s.seq = 0xffffffff;
  s.ack = 0;
  s.flags = 0xff;
  s.window = 1;
  dt_run r;
  cr_assert_eq(dt_one("extremes.pcap", DLT_EN10MB, &s, &r), 1);
  dt_expect_seg(&r, 0, &s);
  dt_run_free(&r);
}

Test(ip, large_segment) {
  static uint8_t big[9000];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (uint8_t)(i * 7);
  for (int v6 = 0; v6 < 2; v6++) {
    pg_tcp s = dt_sample(v6);
    s.payload = big;
    s.len = sizeof big;
    dt_run r;
    cr_assert_eq(dt_one(v6 ? "jumbo6.pcap" : "jumbo4.pcap", DLT_EN10MB, &s, &r), 1);
    dt_expect_seg(&r, 0, &s);
    dt_run_free(&r);
  }
}

Test(ip, offloaded_packets_with_zero_lengths_use_the_frame) {
  /* Linux "BIG TCP": IPv4 total length 0, IPv6 payload length 0 with a
   * hop-by-hop (jumbo) header, captured on the sender. */
  static uint8_t big[5000];
  memset(big, 'j', sizeof big);
  pg_tcp s4 = dt_sample(0), s6 = dt_sample(1);
  s4.payload = s6.payload = big;
  s4.len = s6.len = sizeof big;
  s6.ip6_ext[0] = 0;
  s6.nip6_ext = 1;
  uint8_t f[6000];
  int n4 = pg_build_ip(&s4, 1, f, sizeof f);
  cr_assert_gt(n4, 0);
  f[2] = f[3] = 0;
  dt_run r;
  cr_assert_eq(dt_frame("bigtcp4.pcap", DLT_RAW, f, (uint32_t)n4, 0, &r), 1);
  dt_expect_seg(&r, 0, &s4);
  dt_run_free(&r);
  /* Cut by the snaplen as well: the wire length still gives the size. */
  cr_assert_eq(dt_frame("bigtcp4-cut.pcap", DLT_RAW, f, 200, (uint32_t)n4, &r), 1);
  cr_assert_eq(r.results[0], RL_DECODE_TCP);
  cr_expect_eq(r.segs[0].payload_len, 200 - 40);
  cr_expect_eq(r.segs[0].payload_missing, sizeof big - 160);
  dt_run_free(&r);
  int n6 = pg_build_ip(&s6, 1, f, sizeof f);
  cr_assert_gt(n6, 0);
  f[4] = f[5] = 0;
  cr_assert_eq(dt_frame("bigtcp6.pcap", DLT_RAW, f, (uint32_t)n6, 0, &r), 1);
  dt_expect_seg(&r, 0, &s6);
  dt_run_free(&r);
  /* Without the hop-by-hop header a zero length is just empty: not TCP
   * unless it names TCP, which then cannot fit. */
  f[6] = 6;
  cr_assert_eq(dt_frame("zero6.pcap", DLT_RAW, f, (uint32_t)n6, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  dt_run_free(&r);
  f[6] = 17;
  cr_assert_eq(dt_frame("zero6-udp.pcap", DLT_RAW, f, (uint32_t)n6, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP);
  dt_run_free(&r);
}
