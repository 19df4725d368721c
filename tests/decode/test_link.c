/* Link layers: every supported link type and byte order, VLAN tags, and
 * frames that are valid but not TCP. Files are written with pcapgen and read
 * back with real libpcap. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "decode_util.h"

static void one_ok(const char *name, int dlt, int v6) {
  dt_run r;
  pg_tcp s = dt_sample(v6);
  cr_assert_eq(dt_one(name, dlt, &s, &r), 1);
  dt_expect_seg(&r, 0, &s);
  cr_expect_eq(r.stats.packets_tcp, 1);
  cr_expect_eq(r.stats.packets_malformed + r.stats.packets_not_tcp, 0);
  dt_run_free(&r);
}

Test(link, ethernet_ipv4_and_ipv6) {
  one_ok("eth4.pcap", DLT_EN10MB, 0);
  one_ok("eth6.pcap", DLT_EN10MB, 1);
}

Test(link, pcapng_ethernet) {
  char path[1200];
  dt_path(path, sizeof path, "eth.pcapng");
  pg_writer *w = pg_open_ng(path, DLT_EN10MB, 65535);
  pg_tcp s = dt_sample(1);
  cr_assert_eq(pg_write_tcp(w, &s), 0);
  cr_assert_eq(pg_close(w), 0);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 1);
  dt_expect_seg(&r, 0, &s);
  dt_run_free(&r);
}

Test(link, linux_sll_and_sll2) {
  one_ok("sll4.pcap", DLT_LINUX_SLL, 0);
  one_ok("sll6.pcap", DLT_LINUX_SLL, 1);
  one_ok("sll2_4.pcap", DLT_LINUX_SLL2, 0);
  one_ok("sll2_6.pcap", DLT_LINUX_SLL2, 1);
}

Test(link, raw_ip_types) {
  one_ok("raw4.pcap", DLT_RAW, 0);
  one_ok("raw6.pcap", DLT_RAW, 1);
  one_ok("ipv4.pcap", DLT_IPV4, 0);
  one_ok("ipv6.pcap", DLT_IPV6, 1);
}

Test(link, linktype_raw_is_read_as_dlt_raw) {
  char path[1200];
  dt_path(path, sizeof path, "lt101.pcap");
  pg_writer *w = pg_open(path, DLT_RAW, 65535); /* stores LINKTYPE_RAW 101 */
  pg_tcp s = dt_sample(0);
  cr_assert_eq(pg_write_tcp(w, &s), 0);
  pg_close(w);
  FILE *f = fopen(path, "rb");
  uint32_t hdr[6];
  cr_assert_eq(fread(hdr, 4, 6, f), 6);
  fclose(f);
  cr_expect_eq(hdr[5], 101, "file link type %u", hdr[5]);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 1);
  cr_expect_eq(r.linktype, DLT_RAW);
  dt_expect_seg(&r, 0, &s);
  dt_run_free(&r);
}

Test(link, openbsd_raw_14) {
  char path[1200];
  dt_path(path, sizeof path, "lt14.pcap");
  pg_writer *w = pg_open_as(path, 0, 14, DLT_RAW, 65535);
  pg_tcp s4 = dt_sample(0), s6 = dt_sample(1);
  cr_assert_eq(pg_write_tcp(w, &s4), 0);
  cr_assert_eq(pg_write_tcp(w, &s6), 0);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 2);
  cr_expect_eq(r.linktype, 14);
  dt_expect_seg(&r, 0, &s4);
  dt_expect_seg(&r, 1, &s6);
  dt_run_free(&r);
}

Test(link, dlt_ipv4_rejects_ipv6_and_dlt_ipv6_rejects_ipv4) {
  char path[1200];
  dt_path(path, sizeof path, "ipv4-holding-v6.pcap");
  pg_writer *w = pg_open_as(path, 0, DLT_IPV4, DLT_RAW, 65535);
  pg_tcp s6 = dt_sample(1), s4 = dt_sample(0);
  pg_write_tcp(w, &s6);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  cr_expect_eq(r.stats.packets_malformed, 1);
  dt_run_free(&r);
  dt_path(path, sizeof path, "ipv6-holding-v4.pcap");
  w = pg_open_as(path, 0, DLT_IPV6, DLT_RAW, 65535);
  pg_write_tcp(w, &s4);
  pg_close(w);
  cr_assert_eq(dt_decode_file(path, NULL, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  dt_run_free(&r);
}

/* BSD loopback: every AF_INET6 value, both byte orders, both link types. */
Test(link, null_and_loop_every_family_and_byte_order) {
  static const uint32_t af6[] = {10, 24, 28, 30};
  static const int dlts[] = {DLT_NULL, DLT_LOOP};
  for (int d = 0; d < 2; d++) {
    for (int swapped = 0; swapped < 2; swapped++) {
      for (int a = 0; a < 4; a++) {
        char name[64], path[1200];
        snprintf(name, sizeof name, "null-%d-%d-%u.pcap", dlts[d], swapped, af6[a]);
        dt_path(path, sizeof path, name);
        pg_writer *w = pg_open(path, dlts[d], 65535);
        pg_set_null_family(w, af6[a], swapped);
        pg_tcp s4 = dt_sample(0), s6 = dt_sample(1);
        cr_assert_eq(pg_write_tcp(w, &s4), 0);
        cr_assert_eq(pg_write_tcp(w, &s6), 0);
        pg_close(w);
        dt_run r;
        cr_assert_eq(dt_decode_file(path, NULL, &r), 2, "%s", name);
        cr_expect_eq(r.linktype, dlts[d]);
        dt_expect_seg(&r, 0, &s4);
        dt_expect_seg(&r, 1, &s6);
        dt_run_free(&r);
      }
    }
  }
}

Test(link, null_family_bytes_on_the_wire) {
  /* The writer's byte order must be what the link type prescribes, or the
   * test above would prove nothing about "both orders". */
  char path[1200];
  dt_path(path, sizeof path, "loop-order.pcap");
  pg_writer *w = pg_open(path, DLT_LOOP, 65535);
  pg_tcp s = dt_sample(0);
  pg_write_tcp(w, &s);
  pg_close(w);
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  cr_assert_not_null(p);
  struct pcap_pkthdr *h;
  const u_char *d;
  cr_assert_eq(pcap_next_ex(p, &h, &d), 1);
  static const uint8_t af_inet_be[4] = {0, 0, 0, 2};
  cr_expect_arr_eq(d, af_inet_be, 4);
  pcap_close(p);
}

Test(link, null_unknown_family_is_not_tcp) {
  uint8_t frame[4 + 20] = {7, 0, 0, 0};
  frame[4] = 0x45;
  dt_run r;
  cr_assert_eq(dt_frame("null-af7.pcap", DLT_NULL, frame, sizeof frame, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP);
  cr_expect_eq(r.stats.packets_not_tcp, 1);
  dt_run_free(&r);
}

Test(link, vlan_qinq_and_stacked_tags) {
  struct {
    int nvlan;
    uint16_t tpid[2];
  } cases[] = {{1, {0, 0}},           /* 802.1Q */
               {2, {0, 0}},           /* 802.1ad 0x88a8 + 0x8100 */
               {2, {0x9100, 0x8100}}, /* pre-standard QinQ */
               {2, {0x8100, 0x8100}}, /* double 802.1Q */
               {1, {0x88a8, 0}}};
  for (int i = 0; i < 5; i++) {
    for (int v6 = 0; v6 < 2; v6++) {
      pg_tcp s = dt_sample(v6);
      s.nvlan = cases[i].nvlan;
      s.vlan[0] = 100;
      s.vlan[1] = 4094;
      s.tpid[0] = cases[i].tpid[0];
      s.tpid[1] = cases[i].tpid[1];
      char name[64];
      snprintf(name, sizeof name, "vlan-%d-%d.pcap", i, v6);
      dt_run r;
      cr_assert_eq(dt_one(name, DLT_EN10MB, &s, &r), 1);
      dt_expect_seg(&r, 0, &s);
      dt_run_free(&r);
    }
  }
}

/* Builds an Ethernet frame by hand: tags (TPIDs) then an IPv4 TCP packet. */
static uint32_t tagged_frame(uint8_t *buf, const uint16_t *tpids, int ntags) {
  pg_tcp s = dt_sample(0);
  uint32_t n = 12;
  memset(buf, 0x02, 12);
  for (int i = 0; i < ntags; i++) {
    buf[n] = (uint8_t)(tpids[i] >> 8);
    buf[n + 1] = (uint8_t)tpids[i];
    buf[n + 2] = 0;
    buf[n + 3] = (uint8_t)(i + 1);
    n += 4;
  }
  buf[n] = 0x08;
  buf[n + 1] = 0x00;
  n += 2;
  int ipl = pg_build_ip(&s, 1, buf + n, 2000);
  cr_assert_gt(ipl, 0);
  return n + (uint32_t)ipl;
}

Test(link, three_stacked_tags) {
  uint8_t frame[2048];
  static const uint16_t tpids[] = {0x88a8, 0x9100, 0x8100};
  uint32_t n = tagged_frame(frame, tpids, 3);
  dt_run r;
  cr_assert_eq(dt_frame("three-tags.pcap", DLT_EN10MB, frame, n, 0, &r), 1);
  pg_tcp s = dt_sample(0);
  dt_expect_seg(&r, 0, &s);
  dt_run_free(&r);
}

Test(link, tags_without_end_are_not_decoded_forever) {
  /* A frame made of nothing but tags must end as malformed (the tags run
   * out of bytes) or not TCP (too many tags), never as an overread. */
  uint8_t frame[12 + 4 * 40];
  memset(frame, 0x02, 12);
  for (int i = 0; i < 40; i++) {
    frame[12 + 4 * i] = 0x81;
    frame[13 + 4 * i] = 0x00;
    frame[14 + 4 * i] = 0x81;
    frame[15 + 4 * i] = 0x00;
  }
  dt_run r;
  cr_assert_eq(dt_frame("tags-only.pcap", DLT_EN10MB, frame, sizeof frame, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP);
  dt_run_free(&r);
  cr_assert_eq(dt_frame("tags-cut.pcap", DLT_EN10MB, frame, 12 + 4 * 3 + 2, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  cr_expect_eq(r.stats.packets_malformed, 1);
  dt_run_free(&r);
}

Test(link, sll_with_vlan_protocol) {
  /* Some drivers leave the 802.1Q tag in cooked captures; the protocol
   * field then says 0x8100 and the tag follows. */
  uint8_t frame[2048] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x81, 0x00,
                         0x00, 0x05, 0x08, 0x00};
  pg_tcp s = dt_sample(0);
  int ipl = pg_build_ip(&s, 1, frame + 20, sizeof frame - 20);
  cr_assert_gt(ipl, 0);
  dt_run r;
  cr_assert_eq(dt_frame("sll-vlan.pcap", DLT_LINUX_SLL, frame, 20 + (uint32_t)ipl, 0, &r), 1);
  dt_expect_seg(&r, 0, &s);
  dt_run_free(&r);
}

Test(link, ieee8023_length_frame_and_arp_are_not_tcp) {
  uint8_t frame[60];
  memset(frame, 0, sizeof frame);
  /* 802.3: a length of 46 in the type field, then LLC (SNAP for IP even). */
  frame[12] = 0x00;
  frame[13] = 46;
  frame[14] = 0xaa;
  frame[15] = 0xaa;
  frame[16] = 0x03;
  frame[20] = 0x08;
  frame[21] = 0x00;
  dt_run r;
  cr_assert_eq(dt_frame("8023.pcap", DLT_EN10MB, frame, sizeof frame, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP);
  dt_run_free(&r);
  frame[12] = 0x08;
  frame[13] = 0x06; /* ARP */
  cr_assert_eq(dt_frame("arp.pcap", DLT_EN10MB, frame, sizeof frame, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP);
  cr_expect_eq(r.stats.packets_not_tcp, 1);
  cr_expect_eq(r.stats.packets_malformed, 0);
  dt_run_free(&r);
}

Test(link, unsupported_link_type) {
  uint8_t frame[64] = {0};
  dt_run r;
  /* LINKTYPE_USER0: private, so no decoder can ever know it. */
  cr_assert_eq(dt_frame("user0.pcap", 147, frame, sizeof frame, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_UNSUPPORTED);
  cr_expect_eq(r.stats.packets_unsupported_link, 1);
  cr_expect_eq(r.stats.packets_malformed + r.stats.packets_not_tcp, 0);
  dt_run_free(&r);
}

Test(link, linktype_supported) {
  static const int yes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL,
                            DLT_LOOP,   DLT_RAW,       14,             101,
                            DLT_IPV4,   DLT_IPV6,      DLT_C_HDLC,
                            DLT_IEEE802_11, DLT_IEEE802_11_RADIO};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    cr_expect_eq(rl_decode_linktype_supported(yes[i]), 1, "dlt %d", yes[i]);
  static const int no[] = {DLT_PPP, 147, -1, 100000};
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    cr_expect_eq(rl_decode_linktype_supported(no[i]), 0, "dlt %d", no[i]);
}

Test(link, endpoint_format) {
  char buf[64];
  rl_endpoint e4 = {{192, 0, 2, 1}, 80, 4};
  rl_endpoint_format(&e4, buf, 48);
  cr_expect_str_eq(buf, "192.0.2.1:80");
  rl_endpoint e6 = {{0}, 8080, 6};
  e6.addr[15] = 1;
  rl_endpoint_format(&e6, buf, 48);
  cr_expect_str_eq(buf, "[::1]:8080");
  rl_endpoint big = {{0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                     65535, 6};
  rl_endpoint_format(&big, buf, 48);
  cr_expect_str_eq(buf, "[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  cr_expect_lt(strlen(buf), 48);
  /* A small buffer is cut, never overrun. */
  char small[8];
  memset(small, 'x', sizeof small);
  rl_endpoint_format(&e4, small, 5);
  cr_expect_str_eq(small, "192.");
  cr_expect_eq(small[5], 'x');
}
