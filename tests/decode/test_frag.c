/* IP fragment reassembly: in order, reversed, shuffled, duplicated,
 * overlapping (first wins), never completing (expiry by capture time), the
 * table's limits, and IPv6 fragments with extension headers. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "decode_util.h"

static uint8_t body[3000];

static void fill_body(void) {
  for (size_t i = 0; i < sizeof body; i++)
    body[i] = (uint8_t)('a' + i % 26);
}

static pg_tcp big_seg(int v6, uint32_t len) {
  fill_body();
  pg_tcp s = dt_sample(v6);
  s.payload = body;
  s.len = len;
  return s;
}

/* Writes seg as fragments in `order` (NULL: in order) and decodes the file. */
static void write_frags(const char *name, const pg_tcp *s, uint32_t fp,
                        const int *order, int n, const rl_decode_limits *lim,
                        dt_run *r, int *count) {
  char path[1200];
  dt_path(path, sizeof path, name);
  pg_writer *w = pg_open(path, DLT_EN10MB, 262144);
  int c = pg_write_tcp_fragments(w, s, fp, order, n);
  cr_assert_gt(c, 1, "fragment count %d", c);
  if (count)
    *count = c;
  cr_assert_eq(pg_close(w), 0);
  cr_assert_geq(dt_decode_file(path, lim, r), 0);
}

/* The run holds exactly one TCP segment, s, reassembled from `frags`. */
static void expect_reassembled(const dt_run *r, const pg_tcp *s, int frags) {
  cr_expect_eq(dt_tcp_count(r), 1);
  int i = dt_tcp_index(r, 0);
  cr_assert_geq(i, 0);
  dt_expect_seg(r, i, s);
  cr_expect_eq(r->stats.ip_fragments, (uint64_t)frags);
  cr_expect_eq(r->stats.ip_reassembled, 1);
  cr_expect_eq(r->stats.packets_tcp, 1);
  cr_expect_eq(r->stats.packets_malformed, 0);
  for (int k = 0; k < r->n; k++)
    if (k != i)
      cr_expect_eq(r->results[k], RL_DECODE_FRAGMENT, "packet %d", k);
}

Test(frag, ipv4_in_order_reversed_and_shuffled) {
  pg_tcp s = big_seg(0, 1000);
  dt_run r;
  int n;
  write_frags("f4-inorder.pcap", &s, 64, NULL, 0, NULL, &r, &n);
  cr_expect_eq(n, (1000 + 20 + 63) / 64);
  expect_reassembled(&r, &s, n);
  cr_expect_eq(dt_tcp_index(&r, 0), n - 1);
  cr_expect_eq(r.stats.ip_fragments_dropped, 0);
  dt_run_free(&r);

  int rev[32], shuf[32];
  for (int i = 0; i < n; i++) {
    rev[i] = n - 1 - i;
    shuf[i] = (i * 7) % n; /* 7 is prime to n = 16 */
  }
  write_frags("f4-reversed.pcap", &s, 64, rev, n, NULL, &r, NULL);
  expect_reassembled(&r, &s, n);
  dt_run_free(&r);
  write_frags("f4-shuffled.pcap", &s, 64, shuf, n, NULL, &r, NULL);
  expect_reassembled(&r, &s, n);
  dt_run_free(&r);
}

Test(frag, tcp_header_split_across_fragments) {
  pg_tcp s = big_seg(0, 40);
  uint8_t opts[12] = {2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
  s.tcp_options = opts;
  s.tcp_options_len = sizeof opts;
  dt_run r;
  int n;
  write_frags("f4-tiny.pcap", &s, 8, NULL, 0, NULL, &r, &n);
  cr_expect_eq(n, (32 + 40 + 7) / 8);
  expect_reassembled(&r, &s, n);
  dt_run_free(&r);
}

Test(frag, duplicate_fragments_are_dropped_not_harmful) {
  pg_tcp s = big_seg(0, 200);
  int order[] = {0, 1, 1, 0, 2, 3};
  dt_run r;
  int n;
  write_frags("f4-dup.pcap", &s, 64, order, 6, NULL, &r, &n);
  cr_assert_eq(n, 4);
  expect_reassembled(&r, &s, 6);
  cr_expect_eq(r.stats.ip_fragments_dropped, 2);
  dt_run_free(&r);
}

Test(frag, overlap_first_wins) {
  pg_tcp s = big_seg(0, 200);
  s.ip_id = 0x4242;
  uint8_t xs[64];
  memset(xs, 'X', sizeof xs);
  char path[1200];
  dt_path(path, sizeof path, "f4-overlap.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  /* Real bytes 0..127, then a forgery of 64..127 and 96..159, then the rest:
   * 64..127 keep the real bytes, 128..159 come from the forgery because it
   * supplied them first. */
  cr_assert_eq(pg_write_tcp_fragment_at(w, &s, 0, 128, 1, NULL), 0);
  cr_assert_eq(pg_write_tcp_fragment_at(w, &s, 64, 64, 1, xs), 0);
  cr_assert_eq(pg_write_tcp_fragment_at(w, &s, 96, 64, 1, xs), 0);
  cr_assert_eq(pg_write_tcp_fragment_at(w, &s, 128, 220 - 128, 0, NULL), 0);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 4);
  cr_assert_eq(r.results[3], RL_DECODE_TCP);
  const rl_segment *seg = &r.segs[3];
  cr_assert_eq(seg->payload_len, 200);
  /* TCP header is 20 bytes: payload byte i is datagram byte 20 + i. */
  cr_expect_arr_eq(r.payloads[3], body, 108, "real bytes kept");
  uint8_t want[32];
  memset(want, 'X', sizeof want);
  cr_expect_arr_eq(r.payloads[3] + 108, want, 32, "forged bytes that came first");
  cr_expect_arr_eq(r.payloads[3] + 140, body + 140, 60);
  cr_expect_eq(r.stats.ip_fragments, 4);
  cr_expect_eq(r.stats.ip_fragments_dropped, 3, "every overlapping fragment");
  cr_expect_eq(r.stats.ip_reassembled, 1);
  dt_run_free(&r);
}

Test(frag, conflicting_last_fragments) {
  pg_tcp s = big_seg(0, 200);
  s.ip_id = 77;
  char path[1200];
  dt_path(path, sizeof path, "f4-conflict.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  /* Two "last" fragments that disagree on the datagram's length: the second
   * is dropped, and so is a middle fragment reaching past the length. */
  pg_write_tcp_fragment_at(w, &s, 128, 220 - 128, 0, NULL);
  pg_write_tcp_fragment_at(w, &s, 128, 64, 0, NULL);
  pg_write_tcp_fragment_at(w, &s, 0, 128, 1, NULL);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 3);
  cr_expect_eq(r.results[1], RL_DECODE_FRAGMENT);
  cr_expect_eq(r.results[2], RL_DECODE_TCP);
  cr_expect_eq(r.segs[2].payload_len, 200);
  cr_expect_eq(r.stats.ip_fragments_dropped, 1);
  dt_run_free(&r);
}

Test(frag, never_completing_expires_by_capture_time) {
  pg_tcp s = big_seg(0, 300);
  s.ip_id = 500;
  pg_tcp later = dt_sample(0);
  char path[1200];
  dt_path(path, sizeof path, "f4-expire.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  int order[] = {0, 2, 3, 4};
  s.ts_usec = 1000ull * 1000000ull;
  pg_write_tcp_fragments(w, &s, 64, order, 4);
  later.ts_usec = s.ts_usec + 4000000; /* 4 s: still held */
  pg_write_tcp(w, &later);
  later.ts_usec = s.ts_usec + 5000000; /* 5 s: expired */
  pg_write_tcp(w, &later);
  /* The missing fragment arrives too late to complete anything. */
  int late[] = {1};
  s.ts_usec += 6000000;
  pg_write_tcp_fragments(w, &s, 64, late, 1);
  pg_close(w);
  rl_decode_limits lim = {0, 0, 5};
  dt_run r;
  cr_assert_eq(dt_decode_file(path, &lim, &r), 7);
  cr_expect_eq(r.results[0], RL_DECODE_FRAGMENT);
  cr_expect_eq(r.results[4], RL_DECODE_TCP);
  cr_expect_eq(r.results[5], RL_DECODE_TCP);
  cr_expect_eq(r.results[6], RL_DECODE_FRAGMENT);
  cr_expect_eq(r.stats.ip_fragments, 5);
  cr_expect_eq(r.stats.ip_fragments_dropped, 4);
  cr_expect_eq(r.stats.ip_reassembled, 0);
  dt_run_free(&r);

  /* With the default 30 s, the same 6 s gap still completes. */
  cr_assert_eq(dt_decode_file(path, NULL, &r), 7);
  cr_expect_eq(r.results[6], RL_DECODE_TCP);
  cr_expect_eq(r.segs[6].payload_len, 300);
  cr_expect_eq(r.stats.ip_fragments_dropped, 0);
  dt_run_free(&r);
}

Test(frag, datagram_limit_evicts_the_oldest) {
  pg_tcp s = big_seg(0, 150);
  char path[1200];
  dt_path(path, sizeof path, "f4-limit.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  int first[] = {0, 1}, last[] = {2};
  for (uint32_t id = 1; id <= 3; id++) {
    s.ip_id = id;
    s.ts_usec = 1000000ull * id;
    pg_write_tcp_fragments(w, &s, 64, first, 2);
  }
  for (uint32_t id = 3; id >= 1; id--) {
    s.ip_id = id;
    s.ts_usec = 4000000ull + id;
    pg_write_tcp_fragments(w, &s, 64, last, 1);
  }
  pg_close(w);
  rl_decode_limits lim = {2, 0, 0};
  dt_run r;
  cr_assert_eq(dt_decode_file(path, &lim, &r), 9);
  /* Datagram 1 (the oldest) was evicted when datagram 3 arrived; 3 and 2
   * complete, and 1's last fragment starts a datagram that never will. */
  cr_expect_eq(r.results[6], RL_DECODE_TCP, "id 3 completes");
  cr_expect_eq(r.results[7], RL_DECODE_TCP, "id 2 completes");
  cr_expect_eq(r.results[8], RL_DECODE_FRAGMENT, "id 1 was evicted");
  cr_expect_eq(r.stats.ip_fragments, 9);
  cr_expect_eq(r.stats.ip_reassembled, 2);
  cr_expect_eq(r.stats.ip_fragments_dropped, 2, "id 1's two fragments");
  dt_run_free(&r);
}

Test(frag, byte_limit) {
  pg_tcp s = big_seg(0, 3000);
  dt_run r;
  int n;
  rl_decode_limits lim = {0, 2048, 0};
  write_frags("f4-bytes.pcap", &s, 1000, NULL, 0, &lim, &r, &n);
  cr_expect_eq(dt_tcp_count(&r), 0);
  cr_expect_geq(r.stats.ip_fragments_dropped, 1);
  cr_expect_eq(r.stats.ip_reassembled, 0);
  dt_run_free(&r);
  /* The same with room to spare reassembles. */
  lim.max_frag_bytes = 8192;
  write_frags("f4-bytes-ok.pcap", &s, 1000, NULL, 0, &lim, &r, &n);
  expect_reassembled(&r, &s, n);
  dt_run_free(&r);
}

Test(frag, interleaved_datagrams_are_kept_apart) {
  pg_tcp a = big_seg(0, 200), b = big_seg(0, 200);
  static uint8_t other[200];
  memset(other, 'Z', sizeof other);
  b.payload = other;
  a.ip_id = b.ip_id = 9; /* same id, different source: different datagrams */
  b.src = "192.0.2.99";
  char path[1200];
  dt_path(path, sizeof path, "f4-interleave.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  for (int k = 0; k < 4; k++) {
    int o[] = {k};
    pg_write_tcp_fragments(w, &a, 64, o, 1);
    pg_write_tcp_fragments(w, &b, 64, o, 1);
  }
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 8);
  dt_expect_seg(&r, 6, &a);
  dt_expect_seg(&r, 7, &b);
  cr_expect_eq(r.stats.ip_reassembled, 2);
  dt_run_free(&r);
}

Test(frag, malformed_fragments) {
  pg_tcp s = big_seg(0, 200);
  s.ip_id = 3;
  char path[1200];
  dt_path(path, sizeof path, "f4-bad.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  /* A non-final fragment whose length is not a multiple of 8. */
  cr_assert_eq(pg_write_tcp_fragment_at(w, &s, 0, 30, 1, NULL), 0);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  cr_expect_eq(r.stats.packets_malformed, 1);
  dt_run_free(&r);

  /* A fragment that would end past 65535 bytes (the "ping of death"). */
  uint8_t f[300];
  memset(f, 0x02, 12);
  f[12] = 0x08;
  f[13] = 0;
  int n = pg_build_ip(&s, 3, f + 14, sizeof f - 14);
  cr_assert_gt(n, 0);
  f[14 + 6] = 0x1f; /* offset 8191 * 8 */
  f[14 + 7] = 0xff;
  cr_assert_eq(dt_frame("f4-pod.pcap", DLT_EN10MB, f, 14 + (uint32_t)n, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_MALFORMED);
  dt_run_free(&r);

  /* A fragment of UDP is seen but not reassembled. */
  f[14 + 6] = 0x20; /* MF */
  f[14 + 7] = 0;
  f[14 + 9] = 17;
  cr_assert_eq(dt_frame("f4-udp.pcap", DLT_EN10MB, f, 14 + (uint32_t)n, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP);
  cr_expect_eq(r.stats.ip_fragments, 1);
  dt_run_free(&r);
}

Test(frag, fragment_cut_by_snaplen_is_dropped) {
  pg_tcp s = big_seg(0, 600);
  s.snaplen_cut = 14 + 20 + 200; /* cuts every fragment but the last */
  dt_run r;
  int n;
  write_frags("f4-cut.pcap", &s, 256, NULL, 0, NULL, &r, &n);
  cr_expect_eq(dt_tcp_count(&r), 0);
  cr_expect_eq(r.stats.packets_truncated, (uint64_t)n - 1);
  cr_expect_eq(r.stats.packets_malformed, 0);
  cr_expect_geq(r.stats.ip_fragments_dropped, (uint64_t)n - 1);
  dt_run_free(&r);
}

Test(frag, ipv6_in_order_reversed_with_extension_headers) {
  static const uint8_t chains[][4] = {{0}, {0, 43}, {0, 43, 60, 51}};
  static const int lens[] = {0, 2, 4};
  for (int c = 0; c < 3; c++) {
    pg_tcp s = big_seg(1, 1500);
    memcpy(s.ip6_ext, chains[c], 4);
    s.nip6_ext = lens[c];
    dt_run r;
    int n;
    char name[64];
    snprintf(name, sizeof name, "f6-inorder-%d.pcap", c);
    write_frags(name, &s, 400, NULL, 0, NULL, &r, &n);
    expect_reassembled(&r, &s, n);
    dt_run_free(&r);
    int rev[8];
    for (int i = 0; i < n; i++)
      rev[i] = n - 1 - i;
    snprintf(name, sizeof name, "f6-reversed-%d.pcap", c);
    write_frags(name, &s, 400, rev, n, NULL, &r, NULL);
    expect_reassembled(&r, &s, n);
    dt_run_free(&r);
  }
}

Test(frag, ipv6_overlap_and_expiry) {
  pg_tcp s = big_seg(1, 500);
  s.ip_id = 0xdeadbeef;
  char path[1200];
  dt_path(path, sizeof path, "f6-expire.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  int order[] = {0, 0, 2};
  s.ts_usec = 5000000;
  pg_write_tcp_fragments(w, &s, 128, order, 3);
  pg_tcp tick = dt_sample(1);
  tick.ts_usec = s.ts_usec + 31000000;
  pg_write_tcp(w, &tick);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 4);
  cr_expect_eq(r.stats.ip_fragments, 3);
  cr_expect_eq(r.stats.ip_fragments_dropped, 3, "1 duplicate + 2 expired");
  cr_expect_eq(r.results[3], RL_DECODE_TCP);
  dt_run_free(&r);
}

Test(frag, ipv6_atomic_fragment_decodes_directly) {
  pg_tcp s = big_seg(1, 100);
  s.ip_id = 1;
  char path[1200];
  dt_path(path, sizeof path, "f6-atomic.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  cr_assert_eq(pg_write_tcp_fragment_at(w, &s, 0, 120, 0, NULL), 0);
  pg_close(w);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 1);
  dt_expect_seg(&r, 0, &s);
  cr_expect_eq(r.stats.ip_fragments, 0);
  dt_run_free(&r);
}

Test(frag, ipv6_fragment_of_udp_is_not_tcp) {
  pg_tcp s = big_seg(1, 300);
  uint8_t f[512];
  int n = pg_build_ip(&s, 1, f, sizeof f);
  cr_assert_gt(n, 0);
  /* Turn it into a first fragment of UDP: a Fragment header after the fixed
   * header naming UDP. */
  uint8_t g[600];
  memcpy(g, f, 40);
  g[6] = 44;
  uint8_t fh[8] = {17, 0, 0, 1, 0, 0, 0, 5};
  memcpy(g + 40, fh, 8);
  memcpy(g + 48, f + 40, 64);
  g[4] = 0;
  g[5] = 72;
  dt_run r;
  cr_assert_eq(dt_frame("f6-udp.pcap", DLT_RAW, g, 40 + 72, 0, &r), 1);
  cr_expect_eq(r.results[0], RL_DECODE_NOT_TCP);
  cr_expect_eq(r.stats.ip_fragments, 1);
  dt_run_free(&r);
}

Test(frag, decoder_freed_with_datagrams_pending) {
  /* Pending datagrams belong to the decoder and go with it (ASan/LSan
   * watch this in the sanitizer build); free(NULL) is a no-op. */
  rl_decoder_free(NULL);
  rl_decode_limits lim = {4, 100000, 60};
  rl_decoder *dec = rl_decoder_new(&lim);
  cr_assert_not_null(dec);
  pg_tcp s = big_seg(0, 500);
  uint8_t frame[2000];
  rl_stats st;
  memset(&st, 0, sizeof st);
  for (uint32_t id = 1; id <= 6; id++) {
    s.ip_id = id;
    memset(frame, 0x02, 12);
    frame[12] = 0x08;
    frame[13] = 0x00;
    int n = pg_build_ip(&s, id, frame + 14, sizeof frame - 14);
    cr_assert_gt(n, 0);
    frame[14 + 6] = 0x20; /* MF: a first fragment whose rest never comes */
    frame[14 + 7] = 0;
    frame[14 + 10] = frame[14 + 11] = 0;
    rl_packet pkt = {frame, 14 + (uint32_t)n, 14 + (uint32_t)n, {100, 0}, id, DLT_EN10MB};
    rl_segment seg;
    /* 520 bytes of TCP is a multiple of 8: a valid non-final fragment. */
    cr_expect_eq(rl_decode(dec, &pkt, &seg, &st), RL_DECODE_FRAGMENT);
  }
  cr_expect_eq(st.ip_fragments, 6);
  cr_expect_eq(st.ip_fragments_dropped, 2, "two evicted at the limit of 4");
  rl_decoder_free(dec);
}
