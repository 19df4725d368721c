/* Per-direction reassembly: in-order zero-copy delivery, reordering,
 * retransmissions and overlaps, gaps, wraparound, FIN/RST, truncation and
 * the out-of-order caps. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"
#include "rec.h"

#define C "10.0.0.1:40000"
#define S "10.0.0.2:80"
#define SYN RL_TCP_SYN
#define ACK RL_TCP_ACK
#define FIN RL_TCP_FIN
#define RST RL_TCP_RST
#define PSH RL_TCP_PSH

static const uint32_t CISN = 1000, SISN = 5000;

static void handshake_isn(rec *r, uint32_t cisn, uint32_t sisn) {
  rec_seg(r, C, S, SYN, cisn, 0, NULL);
  rec_seg(r, S, C, SYN | ACK, sisn, cisn + 1, NULL);
  rec_seg(r, C, S, ACK, cisn + 1, sisn + 1, NULL);
}

static void handshake(rec *r) { handshake_isn(r, CISN, SISN); }

/* Client data at stream offset `off`. */
static void cdata(rec *r, uint32_t off, const char *p) {
  rec_seg(r, C, S, ACK | PSH, CISN + 1 + off, SISN + 1, p);
}

static void assert_clean(const rec *r) {
  cr_assert_eq(r->errors, 0, "sink contract broken: %s", r->first_error);
}

Test(reasm, in_order_exchange_is_logged_exactly) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "GET / HTTP/1.1\r\n");
  cdata(&r, 16, "\r\n");
  rec_seg(&r, S, C, ACK | PSH, SISN + 1, CISN + 19, "HTTP/1.1 204 No Content\r\n\r\n");
  rec_seg(&r, C, S, ACK | FIN, CISN + 19, SISN + 28, NULL);
  rec_seg(&r, S, C, ACK | FIN, SISN + 28, CISN + 20, NULL);
  rec_seg(&r, C, S, ACK, CISN + 20, SISN + 29, NULL);
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 16\n"
                   "data 0 > 16 2\n"
                   "data 0 < 0 27\n"
                   "end 0 > FIN\n"
                   "end 0 < FIN\n"
                   "close 0\n");
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "GET / HTTP/1.1\r\n\r\n");
  cr_assert_eq(r.stats.flows, 1);
  cr_assert_eq(r.stats.bytes_delivered, 45);
  cr_assert_eq(r.stats.retransmissions, 0);
  cr_assert_eq(r.stats.gaps, 0);
  rec_finish(&r);
  cr_assert_eq(rec_count(&r, "close"), 1, "finish must not close twice");
  rec_done(&r);
}

Test(reasm, in_order_payload_is_not_copied) {
  static const uint8_t payload[] = "GET /zero-copy HTTP/1.1\r\n\r\n";
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  rec_seg_borrowed(&r, C, S, ACK, CISN + 1, SISN + 1, payload, sizeof payload - 1);
  cr_assert_eq(r.last_data, payload, "in-order bytes must come from the packet");
  assert_clean(&r);
  rec_done(&r);
}

/* Feeds four segments in the order `perm` and checks that the bytes come
 * out whole and that exactly the segments that arrived beyond a hole were
 * buffered. */
static void run_permutation(const int perm[4], uint32_t cisn) {
  static const char *const parts[4] = {"AAAA", "BBBBB", "CC", "DDDDDD"};
  static const uint32_t offs[4] = {0, 4, 9, 11};
  rec r;
  rec_init(&r, NULL);
  handshake_isn(&r, cisn, SISN);
  uint32_t next = 0;
  int arrived[4] = {0}, buffered = 0;
  for (int i = 0; i < 4; i++) {
    int k = perm[i];
    rec_seg(&r, C, S, ACK, cisn + 1 + offs[k], SISN + 1, parts[k]);
    arrived[k] = 1;
    if (offs[k] != next) {
      buffered++;
    }
    for (int j = 0; j < 4; j++) {
      if (arrived[j] && offs[j] == next) {
        next += (uint32_t)strlen(parts[j]);
        j = -1;
      }
    }
  }
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "AAAABBBBBCCDDDDDD",
                   "order %d%d%d%d", perm[0], perm[1], perm[2], perm[3]);
  cr_assert_eq(r.stats.ooo_segments, (uint64_t)buffered);
  cr_assert_eq(r.stats.bytes_delivered, 17);
  cr_assert_eq(r.stats.retransmissions, 0);
  cr_assert_eq(r.stats.gaps, 0);
  cr_assert_eq(r.ft->ooo_total, 0, "buffers must be empty once drained");
  rec_done(&r);
}

static void permute(int *a, int n, int k, uint32_t cisn, int *count) {
  if (k == n) {
    run_permutation(a, cisn);
    (*count)++;
    return;
  }
  for (int i = k; i < n; i++) {
    int t = a[k];
    a[k] = a[i];
    a[i] = t;
    permute(a, n, k + 1, cisn, count);
    a[i] = a[k];
    a[k] = t;
  }
}

Test(reasm, every_permutation_of_four_segments) {
  int a[4] = {0, 1, 2, 3}, count = 0;
  permute(a, 4, 0, CISN, &count);
  cr_assert_eq(count, 24);
}

Test(reasm, every_permutation_across_sequence_wraparound) {
  /* The ISN sits 6 below 2^32: the sequence numbers wrap inside the
   * second segment. */
  int a[4] = {0, 1, 2, 3}, count = 0;
  permute(a, 4, 0, 0xFFFFFFF9u, &count);
  cr_assert_eq(count, 24);
}

Test(reasm, duplicate_is_dropped_and_counted) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "hello ");
  cdata(&r, 0, "hello ");
  cdata(&r, 6, "world");
  cdata(&r, 6, "world");
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "hello world");
  cr_assert_eq(r.stats.retransmissions, 2);
  cr_assert_eq(r.stats.retransmission_mismatches, 0);
  cr_assert_eq(rec_count(&r, "event"), 0);
  rec_done(&r);
}

Test(reasm, partial_overlap_delivers_only_new_bytes) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "ABCDEF");
  cdata(&r, 3, "DEFGHI");
  assert_clean(&r);
  cr_assert(rec_has(&r, "data 0 > 0 6"));
  cr_assert(rec_has(&r, "data 0 > 6 3"));
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "ABCDEFGHI");
  cr_assert_eq(r.stats.retransmissions, 1);
  cr_assert_eq(r.stats.retransmission_mismatches, 0);
  rec_done(&r);
}

Test(reasm, overlap_with_different_bytes_keeps_the_first) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "ABCDEF");
  cdata(&r, 3, "DxFGHI");
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "ABCDEFGHI");
  cr_assert(rec_has(&r, "event 0 > retransmission-mismatch 4"), "%s", r.log);
  cr_assert_eq(r.stats.retransmission_mismatches, 1);
  rec_done(&r);
}

Test(reasm, mismatch_against_buffered_out_of_order_data) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "abc");
  cdata(&r, 6, "ghij");
  cdata(&r, 6, "gXij"); /* differs from the buffered copy at offset 7 */
  cdata(&r, 3, "def");
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "abcdefghij");
  cr_assert(rec_has(&r, "event 0 > retransmission-mismatch 7"), "%s", r.log);
  cr_assert_eq(r.stats.retransmissions, 1);
  cr_assert_eq(r.stats.retransmission_mismatches, 1);
  rec_done(&r);
}

Test(reasm, in_order_segment_overlapping_buffered_chunk) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "abc");
  cdata(&r, 6, "ghij");
  cdata(&r, 3, "defgXi"); /* fills the hole and re-sends 6..8 differently */
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "abcdefghij");
  cr_assert(rec_has(&r, "data 0 > 3 3"), "%s", r.log);
  cr_assert(rec_has(&r, "data 0 > 6 4"), "%s", r.log);
  cr_assert(rec_has(&r, "event 0 > retransmission-mismatch 7"), "%s", r.log);
  cr_assert_eq(r.stats.retransmission_mismatches, 1);
  rec_done(&r);
}

Test(reasm, segment_spanning_several_holes) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 2, "cd");
  cdata(&r, 6, "gh");
  cdata(&r, 0, "abXdefYhij"); /* covers both buffered chunks and three holes */
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "abcdefghij");
  cr_assert_eq(r.stats.retransmission_mismatches, 1);
  cr_assert(rec_has(&r, "event 0 > retransmission-mismatch 2"), "%s", r.log);
  rec_done(&r);
}

Test(reasm, gap_at_finish_has_exact_offset_and_length) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "abc");
  cdata(&r, 10, "xyz");
  cr_assert_eq(rec_count(&r, "gap"), 0, "a hole is not a gap until given up");
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 3\n"
                   "gap 0 > 3 7\n"
                   "data 0 > 10 3\n"
                   "end 0 > CAPTURE\n"
                   "end 0 < CAPTURE\n"
                   "close 0\n");
  cr_assert_eq(r.stats.gaps, 1);
  cr_assert_eq(r.stats.gap_bytes, 7);
  rec_done(&r);
}

Test(reasm, wraparound_with_retransmission_and_gap) {
  const uint32_t isn = 0xFFFFFFFDu; /* first payload byte at 0xFFFFFFFE */
  rec r;
  rec_init(&r, NULL);
  handshake_isn(&r, isn, SISN);
  rec_seg(&r, C, S, ACK, isn + 1, SISN + 1, "0123");     /* 0xFFFFFFFE..0x1 */
  rec_seg(&r, C, S, ACK, isn + 3, SISN + 1, "23456");    /* overlap over 2^32 */
  rec_seg(&r, C, S, ACK, isn + 1 + 10, SISN + 1, "ab");  /* beyond a hole */
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "0123456###ab");
  cr_assert(rec_has(&r, "gap 0 > 7 3"), "%s", r.log);
  cr_assert_eq(r.stats.retransmissions, 1);
  rec_done(&r);
}

Test(reasm, fin_waits_for_the_hole) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "abc");
  rec_seg(&r, C, S, ACK | FIN, CISN + 1 + 6, SISN + 1, "ghi");
  cr_assert_eq(rec_count(&r, "end"), 0, "FIN beyond a hole must wait");
  cdata(&r, 3, "def");
  assert_clean(&r);
  cr_assert(rec_has(&r, "end 0 > FIN"), "%s", r.log);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "abcdefghi");
  /* Data after the FIN is not part of the stream. */
  cdata(&r, 9, "junk");
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "abcdefghi");
  rec_done(&r);
}

Test(reasm, fin_with_unfilled_hole_ends_at_finish_after_a_gap) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "abc");
  rec_seg(&r, C, S, ACK | FIN, CISN + 1 + 6, SISN + 1, "ghi");
  rec_seg(&r, S, C, ACK | FIN, SISN + 1, CISN + 4, NULL);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 3\n"
                   "end 0 < FIN\n"
                   "gap 0 > 3 3\n"
                   "data 0 > 6 3\n"
                   "end 0 > FIN\n"
                   "close 0\n");
  rec_done(&r);
}

/* Only the side that sent the RST ends as RST: the other direction was cut
 * by that abort, and must not read as its own sender closing early (a
 * client resetting a download is not a short response). */
Test(reasm, rst_ends_the_sender_as_rst_and_the_peer_as_cut) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "GET");
  rec_seg(&r, S, C, ACK | PSH, SISN + 1, CISN + 4, "HTTP/1.1");
  rec_seg(&r, C, S, RST | ACK, CISN + 4, SISN + 9, NULL);
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 3\n"
                   "data 0 < 0 8\n"
                   "end 0 > RST\n"
                   "end 0 < PEER-RST\n"
                   "close 0\n");
  rec_done(&r);
}

Test(reasm, rst_flushes_buffered_data_with_gaps) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "abc");
  cdata(&r, 5, "fg");
  cdata(&r, 9, "jk");
  rec_seg(&r, S, C, RST | ACK, SISN + 1, CISN + 4, NULL);
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 3\n"
                   "gap 0 > 3 2\n"
                   "data 0 > 5 2\n"
                   "gap 0 > 7 2\n"
                   "data 0 > 9 2\n"
                   "end 0 > PEER-RST\n"
                   "end 0 < RST\n"
                   "close 0\n");
  cr_assert_eq(r.ft->ooo_total, 0);
  /* Later segments of the reset conversation are ignored. */
  cdata(&r, 3, "de");
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_eq(rec_count(&r, "data"), 3);
  rec_done(&r);
}

Test(reasm, truncated_segment_delivers_then_gap) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  rec_seg_raw(&r, C, S, ACK, CISN + 1, SISN + 1, "abcdef", 6, 4);
  cdata(&r, 10, "klm");
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 6\n"
                   "event 0 > truncated-packet 6\n"
                   "gap 0 > 6 4\n"
                   "data 0 > 10 3\n");
  cr_assert_eq(r.stats.gap_bytes, 4);
  rec_done(&r);
}

Test(reasm, truncated_segment_out_of_order) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  rec_seg_raw(&r, C, S, ACK, CISN + 1 + 3, SISN + 1, "de", 2, 3);
  cdata(&r, 8, "ij");
  cr_assert_eq(rec_count(&r, "data"), 0);
  cdata(&r, 0, "abc");
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "abcde###ij");
  cr_assert(rec_has(&r, "event 0 > truncated-packet 5"), "%s", r.log);
  cr_assert(rec_has(&r, "gap 0 > 5 3"), "%s", r.log);
  rec_done(&r);
}

Test(reasm, data_in_syn_is_delivered) {
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, C, S, SYN, CISN, 0, "GET /");
  rec_seg(&r, S, C, SYN | ACK, SISN, CISN + 6, NULL);
  rec_seg(&r, C, S, ACK, CISN + 6, SISN + 1, " HTTP/1.1\r\n\r\n");
  rec_seg(&r, C, S, SYN, CISN, 0, "GET /"); /* the SYN retransmitted */
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "GET / HTTP/1.1\r\n\r\n");
  cr_assert(rec_has(&r, "data 0 > 0 5"), "%s", r.log);
  cr_assert_eq(r.stats.flows, 1);
  cr_assert_eq(r.stats.retransmissions, 1);
  rec_done(&r);
}

Test(reasm, data_before_a_late_syn_does_not_break) {
  rec r;
  rec_init(&r, NULL);
  cdata(&r, 0, "GET / HTTP/1.1\r\n");
  rec_seg(&r, C, S, SYN, CISN, 0, "GET /");      /* late SYN with TFO data */
  rec_seg(&r, S, C, ACK, SISN + 1, CISN + 17, "HTTP/1.1 200 OK\r\n");
  rec_seg(&r, S, C, SYN | ACK, SISN - 9, CISN + 1, NULL); /* late, lower */
  rec_seg(&r, S, C, ACK, SISN - 8, CISN + 17, "012345678H"); /* 9 bytes early */
  cdata(&r, 16, "\r\n");
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "GET / HTTP/1.1\r\n\r\n");
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT), "HTTP/1.1 200 OK\r\n");
  cr_assert(rec_has(&r, "open 0 10.0.0.1:40000>10.0.0.2:80 syn=0"), "%s", r.log);
  cr_assert_eq(r.stats.flows, 1);
  cr_assert_eq(r.stats.retransmissions, 2);
  cr_assert_eq(r.stats.retransmission_mismatches, 0);
  rec_done(&r);
}

Test(reasm, out_of_order_cap_declares_gap_and_stays_bounded) {
  rl_flow_config cfg = {0};
  cfg.max_ooo_per_stream = 10;
  rec r;
  rec_init(&r, &cfg);
  handshake(&r);
  cdata(&r, 0, "abc");
  cdata(&r, 5, "AAAAAA");   /* buffered: 6 of 10 */
  cdata(&r, 20, "BBBBBB");  /* would be 12: give up the hole at 3..5 */
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 3\n"
                   "event 0 > out-of-order-limit 3\n"
                   "gap 0 > 3 2\n"
                   "data 0 > 5 6\n");
  cr_assert_eq(r.ft->ooo_total, 6, "BBBBBB is buffered now");
  cr_assert_eq(r.stats.ooo_bytes_dropped, 2);
  /* The hole's bytes arriving late are a retransmission of a gap. */
  cdata(&r, 3, "de");
  cr_assert_eq(r.stats.retransmissions, 1);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert(rec_has(&r, "gap 0 > 11 9"), "%s", r.log);
  cr_assert(rec_has(&r, "data 0 > 20 6"), "%s", r.log);
  rec_done(&r);
}

Test(reasm, memory_stays_under_the_caps_under_heavy_loss) {
  rl_flow_config cfg = {0};
  cfg.max_ooo_per_stream = 1000;
  cfg.max_ooo_total = 1500;
  rec r;
  rec_init(&r, &cfg);
  handshake(&r);
  rec_seg(&r, "10.0.0.3:40001", S, SYN, 77, 0, NULL);
  char seg[101];
  memset(seg, 'x', 100);
  seg[100] = '\0';
  /* Every other 100-byte segment is lost, in two connections at once. */
  for (uint32_t i = 1; i < 400; i += 2) {
    cdata(&r, i * 100, seg);
    rec_seg(&r, "10.0.0.3:40001", S, ACK, 78 + i * 100, 1, seg);
    cr_assert_leq(r.ft->ooo_total, 1500);
    cr_assert_leq(r.ft->lru_head->half[0].ooo_bytes, 1000);
  }
  cr_assert_gt(rec_count(&r, "event 0 > out-of-order-limit"), 0);
  cr_assert_gt(rec_count(&r, "event 1 > out-of-order-limit"), 0);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_eq(r.stats.bytes_delivered, 2 * 200 * 100);
  cr_assert_eq(r.stats.gap_bytes, 2 * 200 * 100);
  rec_done(&r);
}

Test(reasm, history_compares_recent_bytes_only) {
  rl_flow_config cfg = {0};
  cfg.history_bytes = 16;
  rec r;
  rec_init(&r, &cfg);
  handshake(&r);
  cdata(&r, 0, "0123456789abcdefghijklmnopqrstuv"); /* 32 bytes */
  cdata(&r, 0, "XXXX");            /* older than the 16 remembered bytes */
  cr_assert_eq(r.stats.retransmission_mismatches, 0);
  cdata(&r, 28, "sXuv");           /* within them */
  assert_clean(&r);
  cr_assert_eq(r.stats.retransmissions, 2);
  cr_assert_eq(r.stats.retransmission_mismatches, 1);
  cr_assert(rec_has(&r, "event 0 > retransmission-mismatch 29"), "%s", r.log);
  rec_done(&r);
}

Test(reasm, history_grows_past_its_first_size) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  char big[3001];
  for (int i = 0; i < 3000; i++) {
    big[i] = (char)('a' + i % 26);
  }
  big[3000] = '\0';
  cdata(&r, 0, "tiny");
  cdata(&r, 4, big);
  big[10] = '!';
  cdata(&r, 4, big); /* retransmitted with one byte changed */
  assert_clean(&r);
  cr_assert(rec_has(&r, "event 0 > retransmission-mismatch 14"), "%s", r.log);
  rec_done(&r);
}

Test(reasm, idle_connection_holds_no_buffers) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "GET / HTTP/1.1\r\n\r\n");
  rl__conn *c = r.ft->lru_head;
  cr_assert_not_null(c->half[0].hist, "delivered bytes are remembered");
  cr_assert_leq(c->half[0].hist->cap, 256, "a short request holds a short ring");
  rec_seg(&r, S, C, ACK | PSH, SISN + 1, CISN + 19, "HTTP/1.1 200 OK\r\n");
  cr_assert_null(c->half[0].hist, "acknowledged request bytes are forgotten");
  /* The next request acknowledges the response. */
  rec_seg(&r, C, S, ACK | PSH, CISN + 19, SISN + 18, "GET /2 HTTP/1.1\r\n\r\n");
  cr_assert_null(c->half[1].hist);
  cr_assert_null(c->half[0].ooo);
  cr_assert_null(c->half[1].ooo);
  cr_assert_leq(sizeof(rl__conn), 256, "per-connection state stays lean");
  assert_clean(&r);
  rec_done(&r);
}

Test(reasm, history_ring_wraps_around) {
  rl_flow_config cfg = {0};
  cfg.history_bytes = 16;
  rec r;
  rec_init(&r, &cfg);
  handshake(&r);
  cdata(&r, 0, "abcdefghij");
  cdata(&r, 10, "klmnopqrst"); /* the ring wraps after 16 bytes */
  cdata(&r, 8, "ijklmnopqr");  /* same bytes across the wrap point */
  cr_assert_eq(r.stats.retransmission_mismatches, 0);
  cdata(&r, 12, "mnopqrXt");   /* differs at 18, stored past the wrap */
  assert_clean(&r);
  cr_assert_eq(r.stats.retransmissions, 2);
  cr_assert_eq(r.stats.retransmission_mismatches, 1);
  cr_assert(rec_has(&r, "event 0 > retransmission-mismatch 18"), "%s", r.log);
  rec_done(&r);
}

Test(reasm, duplicate_of_buffered_data_near_the_cap_costs_nothing) {
  rl_flow_config cfg = {0};
  cfg.max_ooo_per_stream = 10;
  rec r;
  rec_init(&r, &cfg);
  handshake(&r);
  cdata(&r, 4, "AAAAAAAA"); /* 8 of 10 buffered */
  cdata(&r, 4, "AAAAAAAA"); /* a duplicate needs no room */
  cdata(&r, 6, "AAAAAAA");  /* 1 new byte fits */
  assert_clean(&r);
  cr_assert_eq(rec_count(&r, "event"), 0, "%s", r.log);
  cr_assert_eq(r.ft->ooo_total, 9);
  cdata(&r, 0, "abcd");
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "abcdAAAAAAAAA");
  cr_assert_eq(r.stats.retransmissions, 2);
  cr_assert_eq(r.stats.ooo_segments, 2, "a pure duplicate is not buffered");
  rec_done(&r);
}

Test(reasm, history_budget_gives_up_the_least_recently_written) {
  rl_flow_config cfg = {0};
  cfg.history_bytes = 1024;
  cfg.max_history_total = 2048;
  rec r;
  rec_init(&r, &cfg);
  char big[1025];
  memset(big, 'z', 1024);
  big[1024] = '\0';
  char cl[3][32];
  for (int i = 0; i < 3; i++) {
    snprintf(cl[i], sizeof cl[i], "10.0.0.%d:40000", i + 1);
    rec_seg(&r, cl[i], S, SYN, 100, 0, NULL);
    rec_seg(&r, cl[i], S, ACK, 101, 1, big);
    cr_assert_leq(r.ft->hist_total, 2048);
  }
  /* Stream 0 wrote least recently: its history went to make room. */
  rec_seg(&r, cl[0], S, ACK, 101 + 1000, 1, "zzzzX");
  cr_assert_eq(r.stats.retransmission_mismatches, 0, "no history left to compare");
  rec_seg(&r, cl[2], S, ACK, 101 + 1000, 1, "zzzzX");
  cr_assert_eq(r.stats.retransmission_mismatches, 1);
  assert_clean(&r);
  rec_done(&r);
}

Test(reasm, quiet_history_is_released_after_three_seconds) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  rec_seg(&r, S, C, ACK, SISN + 1, CISN + 1, "HTTP/1.1 200 OK\r\n\r\n");
  rl__conn *c = r.ft->lru_head;
  cr_assert_not_null(c->half[RL_DIR_TO_CLIENT].hist);
  r.sec += 2;
  rec_seg(&r, C, S, ACK, CISN + 1, SISN + 20, NULL); /* a pure ACK keeps it */
  cr_assert_not_null(c->half[RL_DIR_TO_CLIENT].hist);
  r.sec += 1;
  rec_seg(&r, "10.9.9.9:1234", S, SYN, 1, 0, NULL); /* any traffic sweeps */
  cr_assert_null(c->half[RL_DIR_TO_CLIENT].hist);
  cr_assert_eq(r.ft->hist_total, 0);
  assert_clean(&r);
  rec_done(&r);
}

/* The history ring against a model: in-order deliveries of random sizes
 * (some longer than the ring) and retransmissions of random recent ranges,
 * some with one byte changed. The ring keeps the last min(delivered, cap)
 * bytes, so a retransmission is a mismatch exactly when its first changed
 * byte lies among them, and the event names that byte. Capacities that
 * are and are not powers of two, so the ring's write position wraps at
 * every place. */
static void ring_against_model(uint32_t cap, unsigned seed) {
  rl_flow_config cfg = {0};
  cfg.history_bytes = cap;
  rec r;
  rec_init(&r, &cfg);
  handshake(&r);
  static uint8_t truth[1 << 16];
  srand(seed);
  for (size_t i = 0; i < sizeof truth; i++) {
    truth[i] = (uint8_t)('a' + rand() % 26);
  }
  uint32_t end = 0;
  uint64_t want_mismatch = 0;
  while (end < sizeof truth - 4 * cap) {
    uint32_t n = 1 + (uint32_t)rand() % (rand() % 8 ? cap / 2 : 3 * cap);
    rec_seg_raw(&r, C, S, ACK, CISN + 1 + end, SISN + 1, truth + end, n, 0);
    end += n;
    uint32_t back = 1 + (uint32_t)rand() % (2 * cap);
    uint32_t o = back < end ? end - back : 0;
    uint32_t m = 1 + (uint32_t)rand() % (end - o);
    uint8_t copy[1 << 14]; /* m <= 2 * cap */
    memcpy(copy, truth + o, m);
    uint32_t at = (uint32_t)rand() % m;
    int change = rand() % 2;
    if (change) {
      copy[at] ^= 0x20;
    }
    char line[64];
    snprintf(line, sizeof line, "event 0 > retransmission-mismatch %u", o + at);
    int in_ring = o + at >= (end > cap ? end - cap : 0);
    rec_seg_raw(&r, C, S, ACK, CISN + 1 + o, SISN + 1, copy, m, 0);
    if (change && in_ring) {
      want_mismatch++;
      cr_assert(rec_has(&r, line), "cap %u: %s expected", cap, line);
    }
    cr_assert_eq(r.stats.retransmission_mismatches, want_mismatch,
                 "cap %u, retransmission of [%u, %u) at end %u, change at %u",
                 cap, o, o + m, end, o + at);
  }
  assert_clean(&r);
  const char *got = rec_bytes(&r, 0, RL_DIR_TO_SERVER);
  cr_assert(strlen(got) == end && memcmp(got, truth, end) == 0);
  rec_done(&r);
}

Test(reasm, history_ring_against_a_model) {
  const uint32_t caps[] = {16, 100, 256, 1000, 4096};
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
    ring_against_model(caps[i], (unsigned)(i + 1));
  }
}

/* The last deliveries of a direction, drained as it ends, record no
 * history (nothing can be compared with them) and leave no ring behind;
 * the bytes and gaps reach the sink as before. */
Test(reasm, flush_at_the_end_records_no_history) {
  rec r;
  rec_init(&r, NULL);
  handshake(&r);
  cdata(&r, 0, "abc");
  cdata(&r, 6, "ghi");
  cdata(&r, 12, "mno");
  rl__conn *c = r.ft->lru_head;
  cr_assert_not_null(c->half[0].hist);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_eq(r.ft->hist_total, 0);
  cr_assert(rec_has(&r, "gap 0 > 3 3"), "%s", r.log);
  cr_assert(rec_has(&r, "gap 0 > 9 3"), "%s", r.log);
  cr_assert_eq(r.stats.bytes_delivered, 9);
  rec_done(&r);
}
