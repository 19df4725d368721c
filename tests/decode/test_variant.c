/* pg_rewrite_variant: one generated conversation, rewritten as every
 * variant, must decode to the same TCP segments (in the order the variant
 * promises). This tests the variant generator and, through it, that the
 * decoder is independent of the encapsulation. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "decode_util.h"
#include "resplint/error.h"

static char base_path[1200];

/* Two conversations, IPv4 then IPv6, with requests and multi-segment
 * responses split at an MSS of 500. */
static void write_base(void) {
  static char body[1800];
  for (size_t i = 0; i < sizeof body; i++)
    body[i] = (char)('A' + i % 23);
  static const char req[] = "GET /x HTTP/1.1\r\nHost: example.test\r\n\r\n";
  char resp[2000];
  int hl = snprintf(resp, sizeof resp,
                    "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", sizeof body);
  memcpy(resp + hl, body, sizeof body);
  dt_path(base_path, sizeof base_path, "variant-base.pcap");
  pg_writer *w = pg_open(base_path, DLT_EN10MB, 262144);
  cr_assert_not_null(w);
  const char *cli[] = {"10.1.0.1", "2001:db8::c"};
  const char *srv[] = {"10.1.0.2", "2001:db8::5"};
  uint64_t ts = 1700000000ull * 1000000ull;
  for (int v = 0; v < 2; v++) {
    pg_conv c;
    pg_conv_init(&c, w, cli[v], (uint16_t)(50000 + v), srv[v], 80);
    c.mss = 500;
    c.ts_usec = ts;
    cr_assert_eq(pg_conv_handshake(&c), 0);
    cr_assert_eq(pg_conv_send(&c, 0, req, sizeof req - 1), 0);
    cr_assert_eq(pg_conv_send(&c, 1, resp, (uint32_t)hl + sizeof body), 0);
    cr_assert_eq(pg_conv_close(&c), 0);
    ts = c.ts_usec;
  }
  cr_assert_eq(pg_close(w), 0);
}

/* Decodes the variant's file; returns the run. */
static void decode_variant(const char *variant, dt_run *r, int want_dlt) {
  char out[1200], name[64];
  snprintf(name, sizeof name, "variant-%s.pcap", variant);
  dt_path(out, sizeof out, name);
  int n = pg_rewrite_variant(base_path, out, variant);
  cr_assert_gt(n, 0, "%s: %d", variant, n);
  cr_assert_eq(dt_decode_file(out, NULL, r), n, "%s", variant);
  cr_expect_eq(r->linktype, want_dlt, "%s: link type %d", variant, r->linktype);
  cr_expect_eq(r->stats.packets_malformed, 0, "%s", variant);
}

/* TCP segment k of a equals TCP segment k of b for all k, and the counts match. */
static void expect_same_segments(const dt_run *a, const dt_run *b, const char *what) {
  cr_assert_eq(dt_tcp_count(a), dt_tcp_count(b), "%s: %d vs %d segments", what,
               dt_tcp_count(a), dt_tcp_count(b));
  for (int k = 0; k < dt_tcp_count(a); k++)
    cr_expect(dt_seg_equal(a, dt_tcp_index(a, k), b, dt_tcp_index(b, k)),
              "%s: segment %d differs", what, k);
}

Test(variant, link_and_file_format_variants_decode_identically) {
  write_base();
  dt_run base;
  cr_assert_gt(dt_decode_file(base_path, NULL, &base), 0);
  cr_assert_eq(dt_tcp_count(&base), base.n, "every base packet is TCP");
  cr_assert_gt(base.n, 30);
  struct {
    const char *name;
    int dlt;
  } v[] = {{"vlan", DLT_EN10MB}, {"qinq", DLT_EN10MB}, {"sll", DLT_LINUX_SLL},
           {"sll2", DLT_LINUX_SLL2}, {"null", DLT_NULL}, {"loop", DLT_LOOP},
           {"raw", DLT_RAW}, {"pcapng", DLT_EN10MB}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    dt_run r;
    decode_variant(v[i].name, &r, v[i].dlt);
    cr_expect_eq(r.n, base.n, "%s", v[i].name);
    expect_same_segments(&base, &r, v[i].name);
    dt_run_free(&r);
  }
  dt_run_free(&base);
}

Test(variant, vlan_and_qinq_really_carry_tags) {
  write_base();
  static const char *names[] = {"vlan", "qinq"};
  static const uint8_t outer[2][2] = {{0x81, 0x00}, {0x88, 0xa8}};
  for (int i = 0; i < 2; i++) {
    char out[1200], name[64];
    snprintf(name, sizeof name, "variant-tags-%s.pcap", names[i]);
    dt_path(out, sizeof out, name);
    cr_assert_gt(pg_rewrite_variant(base_path, out, names[i]), 0);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(out, err);
    cr_assert_not_null(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    cr_assert_eq(pcap_next_ex(p, &h, &d), 1);
    cr_expect_arr_eq(d + 12, outer[i], 2, "%s outer TPID", names[i]);
    cr_expect_eq(h->caplen, 54u + 4u * (unsigned)(i + 1));
    pcap_close(p);
  }
}

Test(variant, ipv4frag_reassembles_to_the_same_segments) {
  write_base();
  dt_run base, r;
  cr_assert_gt(dt_decode_file(base_path, NULL, &base), 0);
  decode_variant("ipv4frag", &r, DLT_EN10MB);
  expect_same_segments(&base, &r, "ipv4frag");
  /* Every IPv4 segment with more than 64 bytes of TCP (a 20-byte header
   * here) went through reassembly; a smaller one fits in one fragment. */
  uint64_t with_payload = 0;
  for (int i = 0; i < base.n; i++)
    with_payload += base.segs[i].src.ipver == 4 && base.segs[i].payload_len + 20 > 64;
  cr_expect_gt(with_payload, 3);
  cr_expect_eq(r.stats.ip_reassembled, with_payload);
  cr_expect_gt(r.stats.ip_fragments, 2 * with_payload);
  cr_expect_eq(r.stats.ip_fragments_dropped, 0);
  dt_run_free(&base);
  dt_run_free(&r);
}

Test(variant, duplicate_writes_every_packet_twice) {
  write_base();
  dt_run base, r;
  cr_assert_gt(dt_decode_file(base_path, NULL, &base), 0);
  decode_variant("duplicate", &r, DLT_EN10MB);
  cr_assert_eq(r.n, 2 * base.n);
  for (int k = 0; k < base.n; k++) {
    cr_expect(dt_seg_equal(&base, k, &r, 2 * k), "copy 1 of %d", k);
    cr_expect(dt_seg_equal(&base, k, &r, 2 * k + 1), "copy 2 of %d", k);
  }
  dt_run_free(&base);
  dt_run_free(&r);
}

Test(variant, ackfirst_swaps_server_data_and_its_ack) {
  write_base();
  dt_run base, r;
  cr_assert_gt(dt_decode_file(base_path, NULL, &base), 0);
  decode_variant("ackfirst", &r, DLT_EN10MB);
  cr_assert_eq(r.n, base.n);
  /* The expected order, derived independently from the decoded base: a
   * server (port 80) data segment directly followed by the client's ACK
   * covering it trades places with that ACK. */
  int expect[DT_MAX], swaps = 0;
  for (int i = 0; i < base.n; i++) {
    const rl_segment *a = &base.segs[i];
    if (i + 1 < base.n && a->src.port == 80 && a->payload_len > 0) {
      const rl_segment *b = &base.segs[i + 1];
      if (b->dst.port == 80 && (b->flags & RL_TCP_ACK) &&
          b->ack == a->seq + a->payload_len) {
        expect[i] = i + 1;
        expect[i + 1] = i;
        i++;
        swaps++;
        continue;
      }
    }
    expect[i] = i;
  }
  cr_expect_geq(swaps, 8, "the base has server data followed by ACKs");
  for (int i = 0; i < r.n; i++)
    cr_expect(dt_seg_equal(&base, expect[i], &r, i), "position %d", i);
  dt_run_free(&base);
  dt_run_free(&r);
}

Test(variant, bad_arguments) {
  write_base();
  char out[1200];
  dt_path(out, sizeof out, "variant-bad.pcap");
  cr_expect_eq(pg_rewrite_variant(base_path, out, "nonsense"), RL_EINVAL);
  cr_expect_eq(pg_rewrite_variant(base_path, out, NULL), RL_EINVAL);
  char missing[1200];
  dt_path(missing, sizeof missing, "does-not-exist.pcap");
  cr_expect_lt(pg_rewrite_variant(missing, out, "vlan"), 0);
  /* A non-Ethernet input is refused. */
  char sll[1200];
  dt_path(sll, sizeof sll, "variant-in-sll.pcap");
  cr_assert_gt(pg_rewrite_variant(base_path, sll, "sll"), 0);
  cr_expect_eq(pg_rewrite_variant(sll, out, "vlan"), RL_ELINKTYPE);
}
