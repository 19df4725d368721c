/* Client bytes the server acknowledged but the capture never saw (a kernel
 * drop): declared as a gap before the server's payload is delivered, so that
 * the http stage knows a request is missing before it pairs the response. */
#include <criterion/criterion.h>

#include "rec.h"

#define C "10.0.0.1:40000"
#define S "10.0.0.2:80"
#define SYN RL_TCP_SYN
#define ACK RL_TCP_ACK
#define PSH RL_TCP_PSH

static const uint32_t CISN = 1000, SISN = 5000;

static void start(rec *r) {
  rec_init(r, NULL);
  rec_seg(r, C, S, SYN, CISN, 0, NULL);
  rec_seg(r, S, C, SYN | ACK, SISN, CISN + 1, NULL);
  rec_seg(r, C, S, ACK, CISN + 1, SISN + 1, NULL);
}

/* Client bytes at stream offset `off`, acknowledging every server byte up
 * to server offset `sack`. */
static void cdata(rec *r, uint32_t off, uint32_t sack, const char *p) {
  rec_seg(r, C, S, ACK | PSH, CISN + 1 + off, SISN + 1 + sack, p);
}

/* Server bytes at stream offset `off`, acknowledging client offset `cack`. */
static void sdata(rec *r, uint32_t off, uint32_t cack, const char *p) {
  rec_seg(r, S, C, ACK | PSH, SISN + 1 + off, CISN + 1 + cack, p);
}

static void assert_clean(const rec *r) {
  cr_assert_eq(r->errors, 0, "sink contract broken: %s", r->first_error);
}

/* The sink saw exactly `log`, and the counters `gaps` holes of `bytes`. */
static void assert_log(const rec *r, const char *log, uint64_t gaps,
                       uint64_t bytes) {
  assert_clean(r);
  cr_assert_str_eq(r->log, log);
  cr_assert_eq(r->stats.gaps, gaps);
  cr_assert_eq(r->stats.gap_bytes, bytes);
}

Test(ackloss, an_acknowledged_request_never_captured_is_a_gap_before_the_response) {
  rec r;
  start(&r);
  cdata(&r, 0, 0, "GET /a HTTP/1.1\r\n\r\n");         /* 19 bytes */
  sdata(&r, 0, 19, "HTTP/1.1 204 A\r\n\r\n");           /* 18 bytes */
  /* GET /b (19 bytes) is lost; its response acknowledges it. */
  sdata(&r, 18, 38, "HTTP/1.1 204 B\r\n\r\n");
  assert_log(&r,
             "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
             "data 0 > 0 19\n"
             "data 0 < 0 18\n"
             "gap 0 > 19 19\n"
             "data 0 < 18 18\n",
             1, 19);
  rec_done(&r);
}

Test(ackloss, requests_held_behind_the_hole_come_before_the_response) {
  rec r;
  start(&r);
  cdata(&r, 0, 0, "GET /a HTTP/1.1\r\n\r\n");
  /* GET /b lost, GET /c captured: held, waiting for the hole. */
  cdata(&r, 38, 0, "GET /c HTTP/1.1\r\n\r\n");
  cr_assert_eq(rec_count(&r, "gap"), 0);
  sdata(&r, 0, 57, "HTTP/1.1 204 A\r\n\r\n");
  assert_log(&r,
             "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
             "data 0 > 0 19\n"
             "gap 0 > 19 19\n"
             "data 0 > 38 19\n"
             "data 0 < 0 18\n",
             1, 19);
  /* Nothing is held any more: the next segments take the fast path, whose
   * cached view of the conversation must have been brought up to date
   * (debug builds assert it; fuzz_capture_file found it stale). */
  sdata(&r, 18, 57, "HTTP/1.1 204 C\r\n\r\n");
  cdata(&r, 57, 36, "GET /d HTTP/1.1\r\n\r\n");
  assert_clean(&r);
  cr_assert(rec_has(&r, "data 0 < 18 18"), "%s", r.log);
  cr_assert(rec_has(&r, "data 0 > 57 19"), "%s", r.log);
  rec_done(&r);
}

Test(ackloss, an_ack_one_byte_ahead_may_be_of_a_lost_fin) {
  rec r;
  start(&r);
  cdata(&r, 0, 0, "GET /a HTTP/1.1\r\n\r\n");
  sdata(&r, 0, 20, "HTTP/1.1 204 A\r\n\r\n");
  assert_clean(&r);
  cr_assert_eq(rec_count(&r, "gap"), 0, "%s", r.log);
  rec_done(&r);
}

Test(ackloss, an_ack_far_ahead_is_not_believed) {
  rec r;
  start(&r);
  cdata(&r, 0, 0, "GET /a HTTP/1.1\r\n\r\n");
  sdata(&r, 0, 19 + (1u << 24) + 1, "HTTP/1.1 204 A\r\n\r\n");
  assert_clean(&r);
  cr_assert_eq(rec_count(&r, "gap"), 0, "%s", r.log);
  rec_done(&r);
}

/* Captures often hold a client's ACK before the server data it
 * acknowledges: that order must not turn the data into a gap. */
Test(ackloss, a_client_ack_of_server_bytes_not_yet_seen_waits_for_them) {
  rec r;
  start(&r);
  cdata(&r, 0, 0, "GET /a HTTP/1.1\r\n\r\n");
  cdata(&r, 19, 18, "GET /b HTTP/1.1\r\n\r\n");  /* acks the response below */
  sdata(&r, 0, 38, "HTTP/1.1 204 A\r\n\r\n");
  assert_clean(&r);
  cr_assert_eq(rec_count(&r, "gap"), 0, "%s", r.log);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT), "HTTP/1.1 204 A\r\n\r\n");
  rec_done(&r);
}

/* Part of a hole learnt from an acknowledgement, the rest from the next
 * client segment: the sink hears two gaps, the counters one. */
Test(ackloss, a_hole_learnt_in_two_steps_counts_once) {
  rec r;
  start(&r);
  cdata(&r, 0, 0, "GET /a HTTP/1.1\r\n\r\n");
  sdata(&r, 0, 29, "HTTP/1.1 204 A\r\n\r\n");     /* 10 bytes acknowledged */
  cdata(&r, 38, 18, "GET /c HTTP/1.1\r\n\r\n");  /* 19 missing in all */
  assert_clean(&r);
  cr_assert(rec_has(&r, "gap 0 > 19 10"), "%s", r.log);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert(rec_has(&r, "gap 0 > 29 9"), "%s", r.log);
  cr_assert_eq(r.stats.gaps, 1);
  cr_assert_eq(r.stats.gap_bytes, 19);
  rec_done(&r);
}

/* ---- a hole the peer acknowledged, then a segment that does not fill it */

/* A pure ACK from the client acknowledging server offset `sack`. */
static void cack(rec *r, uint32_t coff, uint32_t sack) {
  rec_seg(r, C, S, ACK, CISN + 1 + coff, SISN + 1 + sack, NULL);
}

/* The server's bytes 0-10, then 20-30 (10-20 never captured). */
static void server_hole(rec *r) {
  start(r);
  cdata(r, 0, 0, "GET /a HTTP/1.1\r\n\r\n"); /* 19 bytes */
  sdata(r, 0, 19, "AAAAAAAAAA");
  sdata(r, 20, 19, "CCCCCCCCCC");
}

/* The server's bytes, all of them captured in the end: no gap. */
static void assert_whole(rec *r) {
  assert_clean(r);
  cr_assert_eq(rec_count(r, "gap"), 0, "%s", r->log);
  cr_assert_str_eq(rec_bytes(r, 0, RL_DIR_TO_CLIENT),
                   "AAAAAAAAAABBBBBBBBBBCCCCCCCCCCDDDDDDDDDD");
  rec_done(r);
}

Test(ackloss, a_server_hole_acked_then_passed_is_a_gap_at_once) {
  rec r;
  server_hole(&r);
  cack(&r, 19, 30);                  /* the client got 10-20 */
  sdata(&r, 30, 19, "DDDDDDDDDD");    /* and the server went on */
  assert_log(&r,
             "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
             "data 0 > 0 19\n"
             "data 0 < 0 10\n"
             "gap 0 < 10 10\n"
             "data 0 < 20 10\n"
             "data 0 < 30 10\n",
             1, 10);
  rec_done(&r);
}

/* The "ackfirst" order: the ACK is captured before the late segment it
 * acknowledges, which then comes next and fills the hole. */
Test(ackloss, an_ack_captured_before_the_late_segment_is_no_proof) {
  rec r;
  server_hole(&r);
  cack(&r, 19, 30);
  sdata(&r, 10, 19, "BBBBBBBBBB");
  sdata(&r, 30, 19, "DDDDDDDDDD");
  assert_whole(&r);
}

/* A segment that fills part of the hole may be the first of the late
 * ones: an acknowledgement seen before it no longer counts. */
Test(ackloss, a_partly_filled_hole_needs_a_new_ack) {
  rec r;
  server_hole(&r);
  cack(&r, 19, 30);
  sdata(&r, 10, 19, "BBBBB");
  sdata(&r, 30, 19, "DDDDDDDDDD");
  cr_assert_eq(rec_count(&r, "gap"), 0, "%s", r.log);
  sdata(&r, 15, 19, "BBBBB");
  assert_whole(&r);
}

/* An acknowledgement of only part of the hole proves nothing of the rest. */
Test(ackloss, an_ack_inside_the_hole_is_no_proof) {
  rec r;
  server_hole(&r);
  cack(&r, 19, 15);
  sdata(&r, 30, 19, "DDDDDDDDDD");
  assert_clean(&r);
  cr_assert_eq(rec_count(&r, "gap"), 0, "%s", r.log);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert(rec_has(&r, "gap 0 < 10 10"), "%s", r.log);
  rec_done(&r);
}

/* Only the first hole is proven lost by an ACK past it; a later hole
 * waits for an acknowledgement of its own. */
Test(ackloss, each_hole_needs_its_own_ack) {
  rec r;
  server_hole(&r);
  sdata(&r, 40, 19, "EEEEEEEEEE"); /* 30-40 missing too */
  cack(&r, 19, 50);
  sdata(&r, 50, 19, "FFFFFFFFFF");
  assert_clean(&r);
  cr_assert(rec_has(&r, "gap 0 < 10 10"), "%s", r.log);
  cr_assert_eq(rec_count(&r, "gap"), 1, "%s", r.log);
  cack(&r, 19, 60);
  sdata(&r, 60, 19, "GGGGGGGGGG");
  assert_clean(&r);
  cr_assert(rec_has(&r, "gap 0 < 30 10"), "%s", r.log);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT),
                   "AAAAAAAAAA##########CCCCCCCCCC##########"
                   "EEEEEEEEEEFFFFFFFFFFGGGGGGGGGG"); /* # for a gap */
  cr_assert_eq(r.stats.gaps, 2);
  rec_done(&r);
}

/* The same both ways: a client hole the server acknowledged with a pure
 * ACK (no response to declare it before), then the client went on. */
Test(ackloss, a_client_hole_acked_then_passed_is_a_gap_at_once) {
  rec r;
  start(&r);
  cdata(&r, 0, 0, "GET /a HTTP/1.1\r\n\r\n");
  cdata(&r, 38, 0, "GET /c HTTP/1.1\r\n\r\n"); /* GET /b lost */
  rec_seg(&r, S, C, ACK, SISN + 1, CISN + 1 + 57, NULL);
  cdata(&r, 57, 0, "GET /d HTTP/1.1\r\n\r\n");
  assert_log(&r,
             "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
             "data 0 > 0 19\n"
             "gap 0 > 19 19\n"
             "data 0 > 38 19\n"
             "data 0 > 57 19\n",
             1, 19);
  rec_done(&r);
}
