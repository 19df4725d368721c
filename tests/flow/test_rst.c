/* Resets that the endpoints did not obey. A RST seen before any payload is
 * held: a later handshake or payload in the same conversation overrules it
 * (the shapes of the corpus captures suricata-verify tls-subjectaltname
 * stream 7, bug-3286-02/03 evasion and security-4710-01/02, where tshark
 * reassembles the response that followed); with nothing after it, it ends
 * the conversation as before. A RST after payload is obeyed at once. */
#include <criterion/criterion.h>
#include <string.h>

#include "flow/flow_internal.h"
#include "rec.h"

#define SYN RL_TCP_SYN
#define ACK RL_TCP_ACK
#define FIN RL_TCP_FIN
#define RST RL_TCP_RST

static const char *C = "10.0.0.1:40000";
static const char *S = "10.0.0.2:80";

static void assert_clean(const rec *r) {
  cr_assert_eq(r->errors, 0, "sink contract broken: %s", r->first_error);
}

/* A request from the client at cseq and the server's answer at sseq. */
static void exchange(rec *r, uint32_t cseq, uint32_t sseq) {
  rec_seg(r, C, S, ACK, cseq, sseq, "GET / HTTP/1.1\r\n\r\n");
  rec_seg(r, S, C, ACK, sseq, cseq + 18, "HTTP/1.1 204 No Content\r\n\r\n");
}

Test(rst, syn_rst_syn_with_the_same_isn_restarts_the_same_stream) {
  /* tls-subjectaltname stream 7: the server answers the SYN with a bare
   * ACK, the client resets and retries the same SYN. */
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, C, S, SYN, 1000, 0, NULL);
  rec_seg(&r, S, C, ACK, 555, 2000, NULL);
  rec_seg(&r, C, S, RST, 2000, 0, NULL);
  rec_seg(&r, C, S, SYN, 1000, 0, NULL);
  rec_seg(&r, S, C, SYN | ACK, 7000, 1001, NULL);
  rec_seg(&r, C, S, ACK, 1001, 7001, NULL);
  exchange(&r, 1001, 7001);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_eq(r.stats.flows, 1, "Wireshark keeps one tcp.stream");
  cr_assert_eq(rec_count(&r, "open "), 1, "%s", r.log);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "GET / HTTP/1.1\r\n\r\n");
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT),
                   "HTTP/1.1 204 No Content\r\n\r\n");
  cr_assert(rec_has(&r, "end 0 < CAPTURE"), "%s", r.log);
  rec_done(&r);
}

Test(rst, rst_and_fin_in_syn_sent_are_overruled_by_a_syn_ack) {
  /* bug-3286-03-windows-evasion: RST/ACK and FIN/ACK at sequence 0, then
   * the real SYN/ACK; the client goes on with the handshake. */
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, C, S, SYN, 1000, 0, NULL);
  rec_seg(&r, S, C, RST | ACK, 0, 1001, NULL);
  rec_seg(&r, S, C, FIN | ACK, 0, 1001, NULL);
  rec_seg(&r, C, S, RST, 1001, 0, NULL); /* bug-3286-02 adds this one */
  rec_seg(&r, S, C, SYN | ACK, 7000, 1001, NULL);
  rec_seg(&r, C, S, ACK, 1001, 7001, NULL);
  exchange(&r, 1001, 7001);
  rec_seg(&r, S, C, FIN | ACK, 7028, 1019, NULL);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_eq(r.stats.flows, 1);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT),
                   "HTTP/1.1 204 No Content\r\n\r\n");
  cr_assert(rec_has(&r, "end 0 < FIN"), "the FIN at sequence 0 was dropped: %s",
            r.log);
  cr_assert_eq(rec_count(&r, "end 0 < "), 1, "%s", r.log);
  rec_done(&r);
}

Test(rst, rst_after_the_handshake_is_overruled_by_payload) {
  /* security-4710-01/02: the client's RST carries RCV.NXT exactly, yet the
   * client sends its request and the server answers it. */
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, C, S, SYN, 1000, 0, NULL);
  rec_seg(&r, S, C, SYN | ACK, 7000, 1001, NULL);
  rec_seg(&r, C, S, ACK, 1001, 7001, NULL);
  rec_seg(&r, C, S, RST | ACK, 1001, 7001, NULL);
  exchange(&r, 1001, 7001);
  rec_seg(&r, C, S, RST | ACK, 1019, 7029, NULL);
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT),
                   "HTTP/1.1 204 No Content\r\n\r\n");
  /* The last RST came after payload: obeyed at once, before finish. */
  cr_assert(rec_has(&r, "end 0 > RST"), "%s", r.log);
  cr_assert(rec_has(&r, "end 0 < PEER-RST"), "%s", r.log);
  cr_assert(rec_has(&r, "close 0"), "%s", r.log);
  rec_done(&r);
}

Test(rst, an_unanswered_rst_still_ends_the_conversation) {
  /* Pure ACKs and FINs after the RST do not overrule it; the conversation
   * ends as reset when nothing else comes. */
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, C, S, SYN, 1000, 0, NULL);
  rec_seg(&r, S, C, RST | ACK, 0, 1001, NULL);
  rec_seg(&r, C, S, ACK, 1001, 1, NULL);
  rec_seg(&r, C, S, FIN | ACK, 1001, 1, NULL);
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "end 0 > PEER-RST\n"
                   "end 0 < RST\n"
                   "close 0\n");
  cr_assert_eq(r.stats.flows_evicted, 0);
  rec_done(&r);
}

Test(rst, a_held_rst_is_not_an_eviction) {
  rl_flow_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.max_flows = 1;
  rec r;
  rec_init(&r, &cfg);
  rec_seg(&r, C, S, SYN, 1000, 0, NULL);
  rec_seg(&r, S, C, RST | ACK, 0, 1001, NULL);
  rec_seg(&r, "10.0.0.3:40000", S, SYN, 1, 0, NULL);
  assert_clean(&r);
  cr_assert_eq(r.stats.flows_evicted, 0);
  cr_assert(rec_has(&r, "end 0 < RST"), "%s", r.log);
  rec_done(&r);
}

Test(rst, payload_after_a_rst_that_followed_payload_is_ignored) {
  /* Once bytes were delivered the RST is obeyed at once: the sink has
   * seen the end, and what follows is not part of that stream. */
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, C, S, SYN, 1000, 0, NULL);
  rec_seg(&r, S, C, SYN | ACK, 7000, 1001, NULL);
  rec_seg(&r, C, S, ACK, 1001, 7001, "GET / HTTP/1.1\r\n\r\n");
  rec_seg(&r, S, C, RST | ACK, 7001, 1019, NULL);
  rec_seg(&r, S, C, ACK, 7001, 1019, "HTTP/1.1 204 No Content\r\n\r\n");
  rec_finish(&r);
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT), "");
  cr_assert(rec_has(&r, "end 0 < RST"), "%s", r.log);
  rec_done(&r);
}
