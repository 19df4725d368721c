/* Malformed and truncated packets at every layer: each must be counted once,
 * never trusted, and never read beyond its captured bytes (the suite also
 * runs under AddressSanitizer). */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"

/* Decodes a hand-built frame and expects one malformed, untruncated packet. */
static void expect_malformed(const char *name, int dlt, const uint8_t *frame,
                             uint32_t len) {
  dt_run r;
  cr_assert_eq(dt_frame(name, dlt, frame, len, 0, &r), 1, "%s", name);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED, "%s: result %d", name,
               r.results[0]);
  cr_expect_eq(r.stats.packets_malformed, 1, "%s", name);
  cr_expect_eq(r.stats.packets_truncated, 0, "%s", name);
  cr_expect_eq(r.stats.packets_tcp + r.stats.packets_not_tcp, 0, "%s", name);
  dt_run_free(&r);
}

/* An Ethernet frame with one IPv4 (or IPv6) TCP segment; returns its length
 * and the offset of the IP header in *ip_off. */
static uint32_t eth_frame(uint8_t *buf, size_t cap, int v6, uint32_t *ip_off) {
  memset(buf, 0x02, 12);
  buf[12] = v6 ? 0x86 : 0x08;
  buf[13] = v6 ? 0xdd : 0x00;
  pg_tcp s = dt_sample(v6);
  int n = pg_build_ip(&s, 9, buf + 14, cap - 14);
  cr_assert_gt(n, 0);
  *ip_off = 14;
  return 14 + (uint32_t)n;
}

Test(malformed, short_link_headers) {
  uint8_t z[32];
  memset(z, 0, sizeof z);
  expect_malformed("short-eth.pcap", DLT_EN10MB, z, 13);
  expect_malformed("short-sll.pcap", DLT_LINUX_SLL, z, 15);
  expect_malformed("short-sll2.pcap", DLT_LINUX_SLL2, z, 19);
  expect_malformed("short-null.pcap", DLT_NULL, z, 3);
  expect_malformed("short-loop.pcap", DLT_LOOP, z, 0);
  expect_malformed("short-raw.pcap", DLT_RAW, z, 0);
}

Test(malformed, ipv4_header_faults) {
  uint8_t f[256];
  uint32_t ip;
  uint32_t n = eth_frame(f, sizeof f, 0, &ip);

  expect_malformed("v4-short.pcap", DLT_EN10MB, f, ip + 19);

  uint8_t g[256];
  memcpy(g, f, n);
  g[ip] = 0x44; /* IHL 4 < 5 */
  expect_malformed("v4-ihl4.pcap", DLT_EN10MB, g, n);

  memcpy(g, f, n);
  g[ip] = 0x65; /* version 6 under ethertype IPv4 */
  expect_malformed("v4-version.pcap", DLT_EN10MB, g, n);

  memcpy(g, f, n);
  g[ip + 2] = 0;
  g[ip + 3] = (uint8_t)(n - ip + 1); /* total length one byte beyond the frame */
  expect_malformed("v4-total-long.pcap", DLT_EN10MB, g, n);

  memcpy(g, f, n);
  g[ip + 2] = 0;
  g[ip + 3] = 16; /* total length < header length */
  expect_malformed("v4-total-short.pcap", DLT_EN10MB, g, n);

  memcpy(g, f, n);
  g[ip] = 0x4f; /* IHL 15: 60 bytes of header, more than total length 20+20+payload? */
  g[ip + 2] = 0;
  g[ip + 3] = 50; /* ... and total 50 < 60 */
  expect_malformed("v4-ihl-over-total.pcap", DLT_EN10MB, g, n);

  /* IHL 15 with the frame cut right after 20 bytes of header, no snaplen. */
  memcpy(g, f, n);
  g[ip] = 0x4f;
  g[ip + 2] = 0;
  g[ip + 3] = 60;
  expect_malformed("v4-ihl-beyond.pcap", DLT_EN10MB, g, ip + 40);
}

Test(malformed, ipv6_header_faults) {
  uint8_t f[256], g[256];
  uint32_t ip;
  uint32_t n = eth_frame(f, sizeof f, 1, &ip);

  expect_malformed("v6-short.pcap", DLT_EN10MB, f, ip + 39);

  memcpy(g, f, n);
  g[ip] = 0x45; /* version 4 under ethertype IPv6 */
  expect_malformed("v6-version.pcap", DLT_EN10MB, g, n);

  memcpy(g, f, n);
  g[ip + 5] = (uint8_t)(g[ip + 5] + 1); /* payload length beyond the frame */
  expect_malformed("v6-plen-long.pcap", DLT_EN10MB, g, n);

  /* A hop-by-hop header whose length runs past the payload. */
  memcpy(g, f, n);
  g[ip + 6] = 0;         /* next header: hop-by-hop */
  g[ip + 40 + 1] = 200;  /* 1608 bytes */
  expect_malformed("v6-ext-long.pcap", DLT_EN10MB, g, n);

  /* An extension header announced with fewer than 8 bytes left. */
  memcpy(g, f, n);
  g[ip + 4] = 0;
  g[ip + 5] = 4;
  g[ip + 6] = 60;
  expect_malformed("v6-ext-tiny.pcap", DLT_EN10MB, g, ip + 44);
}

Test(malformed, tcp_header_faults) {
  uint8_t f[256], g[256];
  for (int v6 = 0; v6 < 2; v6++) {
    uint32_t ip;
    uint32_t n = eth_frame(f, sizeof f, v6, &ip);
    uint32_t tcp = ip + (v6 ? 40 : 20);
    char name[64];

    for (int doff = 0; doff < 5; doff++) {
      memcpy(g, f, n);
      g[tcp + 12] = (uint8_t)(doff << 4);
      snprintf(name, sizeof name, "tcp-doff%d-%d.pcap", doff, v6);
      expect_malformed(name, DLT_EN10MB, g, n);
    }

    /* Data offset 15 (60 bytes) in a segment of 20 + 27 bytes. */
    memcpy(g, f, n);
    g[tcp + 12] = 0xf0;
    snprintf(name, sizeof name, "tcp-doff-beyond-%d.pcap", v6);
    expect_malformed(name, DLT_EN10MB, g, n);

    /* An IP length that leaves fewer than 20 bytes for TCP. */
    memcpy(g, f, n);
    if (v6) {
      g[ip + 4] = 0;
      g[ip + 5] = 19;
    } else {
      g[ip + 2] = 0;
      g[ip + 3] = 39;
    }
    snprintf(name, sizeof name, "tcp-short-%d.pcap", v6);
    expect_malformed(name, DLT_EN10MB, g, ip + 39 + (v6 ? 20 : 0));
  }
}

Test(malformed, snaplen_cut_in_payload) {
  static uint8_t body[1000];
  memset(body, 'b', sizeof body);
  for (int v6 = 0; v6 < 2; v6++) {
    pg_tcp s = dt_sample(v6);
    s.payload = body;
    s.len = sizeof body;
    uint32_t hdrs = 14 + (v6 ? 40 : 20) + 20;
    s.snaplen_cut = hdrs + 100;
    dt_run r;
    cr_assert_eq(dt_one(v6 ? "cut6.pcap" : "cut4.pcap", DLT_EN10MB, &s, &r), 1);
    cr_assert_eq(r.results[0], RL_DECODE_TCP);
    cr_expect_eq(r.segs[0].payload_len, 100);
    cr_expect_eq(r.segs[0].payload_missing, 900);
    cr_expect_eq(r.segs[0].seq, s.seq);
    cr_expect_arr_eq(r.payloads[0], body, 100);
    cr_expect_eq(r.stats.packets_truncated, 1);
    cr_expect_eq(r.stats.packets_tcp, 1);
    cr_expect_eq(r.stats.packets_malformed, 0);
    dt_run_free(&r);
  }
}

Test(malformed, snaplen_cut_whole_payload_and_at_writer_snaplen) {
  static uint8_t body[3000];
  memset(body, 'c', sizeof body);
  char path[1200];
  dt_path(path, sizeof path, "snap96.pcap");
  pg_writer *w = pg_open_ng(path, DLT_EN10MB, 96);
  pg_tcp s = dt_sample(0);
  s.payload = body;
  s.len = sizeof body;
  pg_write_tcp(w, &s);
  s.snaplen_cut = 54; /* headers only */
  pg_write_tcp(w, &s);
  pg_tcp small = dt_sample(0); /* fits under the snaplen */
  pg_write_tcp(w, &small);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 3);
  cr_expect_eq(r.segs[0].payload_len, 96 - 54);
  cr_expect_eq(r.segs[0].payload_missing, 3000 - (96 - 54));
  cr_expect_eq(r.segs[1].payload_len, 0);
  cr_expect_null(r.segs[1].payload);
  cr_expect_eq(r.segs[1].payload_missing, 3000);
  dt_expect_seg(&r, 2, &small);
  cr_expect_eq(r.stats.packets_truncated, 2);
  cr_expect_eq(r.stats.packets_tcp, 3);
  dt_run_free(&r);
}

Test(malformed, snaplen_cut_in_headers_is_truncated_not_malformed) {
  uint32_t cuts4[] = {14 + 10, 14 + 20 + 10, 14 + 20 + 19};
  for (int i = 0; i < 3; i++) {
    pg_tcp s = dt_sample(0);
    s.snaplen_cut = cuts4[i];
    dt_run r;
    char name[64];
    snprintf(name, sizeof name, "hdrcut-%d.pcap", i);
    cr_assert_eq(dt_one(name, DLT_EN10MB, &s, &r), 1);
    cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
    cr_expect_eq(r.stats.packets_truncated, 1, "cut %u", cuts4[i]);
    cr_expect_eq(r.stats.packets_malformed, 0, "cut %u", cuts4[i]);
    dt_run_free(&r);
  }
  /* IPv4 options cut, and IPv6 extension headers cut. */
  uint8_t opts[40] = {7, 39, 4};
  pg_tcp s = dt_sample(0);
  s.ip_options = opts;
  s.ip_options_len = 40;
  s.snaplen_cut = 14 + 30;
  dt_run r;
  cr_assert_eq(dt_one("optcut.pcap", DLT_EN10MB, &s, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  cr_expect_eq(r.stats.packets_truncated, 1);
  dt_run_free(&r);
  pg_tcp s6 = dt_sample(1);
  s6.ip6_ext[0] = 0;
  s6.ip6_ext[1] = 51;
  s6.nip6_ext = 2;
  s6.snaplen_cut = 14 + 40 + 8 + 10;
  cr_assert_eq(dt_one("extcut.pcap", DLT_EN10MB, &s6, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  cr_expect_eq(r.stats.packets_truncated, 1);
  cr_expect_eq(r.stats.packets_malformed, 0);
  dt_run_free(&r);
}

Test(malformed, length_lies_beyond_the_snaplen_cut) {
  /* Cut by the snaplen AND claiming more than was on the wire: the IP length
   * cannot be explained by the cut, so the packet is malformed. */
  uint8_t f[256];
  uint32_t ip;
  uint32_t n = eth_frame(f, sizeof f, 0, &ip);
  f[ip + 2] = 0x10; /* 4096 + ... bytes */
  dt_run r;
  cr_assert_eq(dt_frame("lie-cut.pcap", DLT_EN10MB, f, n - 10, n, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  cr_expect_eq(r.stats.packets_malformed, 1);
  dt_run_free(&r);
}

/* Every prefix of valid frames, with and without a wire length saying the
 * rest was cut, and deterministic random corruptions: the decoder must
 * classify each packet exactly once and never overread (ASan watches the
 * heap copies made here). */
static void classify_once(rl_decoder *dec, const uint8_t *frame, uint32_t caplen,
                          uint32_t wirelen, int dlt) {
  uint8_t *copy = malloc(caplen ? caplen : 1);
  memcpy(copy, frame, caplen);
  rl_packet pkt = {copy, caplen, wirelen, {1700000000, 0}, 1, dlt};
  rl_stats st;
  memset(&st, 0, sizeof st);
  rl_segment seg;
  rl_decode_result res = rl_decode(dec, &pkt, &seg, &st);
  uint64_t buckets = st.packets_tcp + st.packets_not_tcp + st.packets_malformed +
                     (res == RL_DECODE_FRAGMENT) +
                     (res == RL_DECODE_MALFORMED && st.packets_malformed == 0 &&
                      st.packets_truncated == 1);
  cr_assert_eq(buckets, 1, "caplen %u wirelen %u result %d", caplen, wirelen, res);
  /* A corrupted fragment may complete an earlier one; its payload then lives
   * in the decoder's reassembly buffer, which is not ours to bound. */
  if (res == RL_DECODE_TCP && st.ip_reassembled == 0) {
    cr_assert_leq(seg.payload_len, caplen);
    if (seg.payload_len)
      cr_assert(seg.payload >= copy && seg.payload + seg.payload_len <= copy + caplen);
  }
  free(copy);
}

Test(malformed, every_prefix_and_random_corruption) {
  rl_decoder *dec = rl_decoder_new(NULL);
  uint8_t f[512];
  uint32_t seed = 12345;
  for (int v6 = 0; v6 < 2; v6++) {
    pg_tcp s = dt_sample(v6);
    s.nvlan = 1;
    uint8_t opts[8] = {1, 1, 1, 1, 2, 4, 5, 0xb4};
    s.tcp_options = opts;
    s.tcp_options_len = 8;
    if (v6) {
      s.ip6_ext[0] = 0;
      s.ip6_ext[1] = 51;
      s.nip6_ext = 2;
    }
    uint32_t n = 18;
    memset(f, 0x02, 12);
    f[12] = 0x81;
    f[13] = 0;
    f[14] = 0;
    f[15] = 1;
    f[16] = v6 ? 0x86 : 0x08;
    f[17] = v6 ? 0xdd : 0x00;
    int ipl = pg_build_ip(&s, 3, f + n, sizeof f - n);
    cr_assert_gt(ipl, 0);
    n += (uint32_t)ipl;
    for (uint32_t cut = 0; cut <= n; cut++) {
      classify_once(dec, f, cut, cut, DLT_EN10MB);
      classify_once(dec, f, cut, n, DLT_EN10MB);
    }
    uint8_t g[512];
    for (int round = 0; round < 3000; round++) {
      memcpy(g, f, n);
      for (int k = 0; k < 3; k++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t at = (seed >> 8) % n;
        seed = seed * 1103515245u + 12345u;
        g[at] = (uint8_t)(seed >> 16);
      }
      classify_once(dec, g, n, n, DLT_EN10MB);
      classify_once(dec, g + 18, n - 18, n - 18, DLT_RAW);
    }
  }
  rl_decoder_free(dec);
}
