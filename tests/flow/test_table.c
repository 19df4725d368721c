/* The conversation table: stream numbering, orientation, port reuse, the
 * flow cap and idle expiry. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "flow/flow_internal.h"
#include "rec.h"

#define SYN RL_TCP_SYN
#define ACK RL_TCP_ACK
#define FIN RL_TCP_FIN
#define RST RL_TCP_RST

static void assert_clean(const rec *r) {
  cr_assert_eq(r->errors, 0, "sink contract broken: %s", r->first_error);
}

/* One mid-stream payload from `src` to `dst`; returns the open line. */
static void first_payload(rec *r, const char *src, const char *dst,
                          const char *payload) {
  rec_seg(r, src, dst, ACK, 100, 200, payload);
}

Test(orient, status_line_sender_is_server_whatever_the_ports) {
  rec r;
  rec_init(&r, NULL);
  first_payload(&r, "10.0.0.2:5555", "10.0.0.1:80", "HTTP/1.1 200 OK\r\n");
  assert_clean(&r);
  cr_assert(rec_has(&r, "open 0 10.0.0.1:80>10.0.0.2:5555 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "data 0 < 0 17"), "%s", r.log);
  rec_done(&r);
}

Test(orient, request_line_sender_is_client_whatever_the_ports) {
  rec r;
  rec_init(&r, NULL);
  first_payload(&r, "10.0.0.1:80", "10.0.0.2:40000", "OPTIONS * HTTP/1.1\r\n");
  assert_clean(&r);
  cr_assert(rec_has(&r, "open 0 10.0.0.1:80>10.0.0.2:40000 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "data 0 > 0 20"), "%s", r.log);
  rec_done(&r);
}

Test(orient, not_http_status_or_method) {
  cr_assert_not(rl__flow_looks_like_status((const uint8_t *)"HTTP/x", 6));
  cr_assert_not(rl__flow_looks_like_status((const uint8_t *)"HTTP/", 5));
  cr_assert(rl__flow_looks_like_status((const uint8_t *)"HTTP/2", 6));
  cr_assert_not(rl__flow_looks_like_request((const uint8_t *)"220 ready", 9));
  cr_assert_not(rl__flow_looks_like_request((const uint8_t *)"get / ", 6));
  cr_assert_not(rl__flow_looks_like_request((const uint8_t *)"GET", 3));
  cr_assert(rl__flow_looks_like_request((const uint8_t *)"M-SEARCH * ", 11));
}

Test(orient, service_port_is_server) {
  rec r;
  rec_init(&r, NULL);
  first_payload(&r, "10.0.0.1:40000", "10.0.0.2:8080", "\x16\x03\x01");
  first_payload(&r, "10.0.0.3:3128", "10.0.0.4:1025", "\x16\x03\x01");
  first_payload(&r, "10.0.0.5:50000", "10.0.0.6:1023", "xyz");
  assert_clean(&r);
  cr_assert(rec_has(&r, "open 0 10.0.0.1:40000>10.0.0.2:8080 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "open 1 10.0.0.4:1025>10.0.0.3:3128 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "open 2 10.0.0.5:50000>10.0.0.6:1023 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "data 1 < 0 3"), "%s", r.log);
  rec_done(&r);
}

Test(orient, lower_port_is_server_otherwise) {
  rec r;
  rec_init(&r, NULL);
  first_payload(&r, "10.0.0.1:50000", "10.0.0.2:40000", "abc");
  first_payload(&r, "10.0.0.3:40000", "10.0.0.4:50000", "abc");
  first_payload(&r, "10.0.0.5:80", "10.0.0.6:443", "abc"); /* both services */
  first_payload(&r, "10.0.0.7:7000", "10.0.0.8:7000", "abc"); /* a tie */
  assert_clean(&r);
  cr_assert(rec_has(&r, "open 0 10.0.0.1:50000>10.0.0.2:40000 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "open 1 10.0.0.4:50000>10.0.0.3:40000 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "open 2 10.0.0.6:443>10.0.0.5:80 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "open 3 10.0.0.7:7000>10.0.0.8:7000 syn=0"), "%s", r.log);
  rec_done(&r);
}

Test(orient, pure_acks_wait_for_the_first_payload) {
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 100, 200, NULL);
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", ACK, 200, 100, NULL);
  cr_assert_eq(rec_count(&r, "open"), 0, "no open before orientation");
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", ACK, 200, 100, "HTTP/1.0 200 OK\r\n");
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 100, 217, "GET / HTTP/1.0\r\n");
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=0\n"
                   "data 0 < 0 17\n"
                   "data 0 > 0 16\n");
  rec_done(&r);
}

Test(orient, syn_ack_sender_is_server_when_the_syn_is_missing) {
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, "10.0.0.2:61000", "10.0.0.1:80", SYN | ACK, 5000, 1001, NULL);
  rec_seg(&r, "10.0.0.1:80", "10.0.0.2:61000", ACK, 1001, 5001, "GET / HTTP/1.1\r\n");
  assert_clean(&r);
  cr_assert(rec_has(&r, "open 0 10.0.0.1:80>10.0.0.2:61000 syn=1"), "%s", r.log);
  cr_assert(rec_has(&r, "data 0 > 0 16"), "%s", r.log);
  rec_done(&r);
}

Test(orient, fin_before_orientation_is_kept_as_state) {
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", FIN | ACK, 100, 200, NULL);
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", ACK, 200, 101, "HTTP/1.1 200 OK\r\n");
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=0\n"
                   "end 0 > FIN\n"
                   "data 0 < 0 17\n");
  rec_done(&r);
}

Test(table, streams_numbered_in_order_of_first_appearance) {
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, "10.0.0.1:1001", "10.0.0.9:80", SYN, 1, 0, NULL);
  rec_seg(&r, "10.0.0.1:1002", "10.0.0.9:22", ACK, 1, 1, NULL); /* not HTTP */
  rec_seg(&r, "[2001:db8::1]:1003", "[2001:db8::9]:80", SYN, 1, 0, NULL);
  rec_seg(&r, "10.0.0.9:80", "10.0.0.1:1001", SYN | ACK, 9, 2, NULL);
  rec_seg(&r, "10.0.0.1:1004", "10.0.0.9:80", ACK, 1, 1, "GET / HTTP/1.1\r\n");
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:1001>10.0.0.9:80 syn=1\n"
                   "open 2 [2001:db8::1]:1003>[2001:db8::9]:80 syn=1\n"
                   "open 3 10.0.0.1:1004>10.0.0.9:80 syn=0\n"
                   "data 3 > 0 16\n");
  cr_assert_eq(r.stats.flows, 4, "every TCP conversation counts");
  rec_finish(&r);
  assert_clean(&r);
  /* finish closes in stream order, whatever the order of activity. */
  const char *c0 = strstr(r.log, "close 0"), *c2 = strstr(r.log, "close 2"),
             *c3 = strstr(r.log, "close 3");
  cr_assert(c0 && c2 && c3 && c0 < c2 && c2 < c3, "%s", r.log);
  cr_assert_eq(rec_count(&r, "close"), 3, "a conversation never opened is never closed");
  rec_done(&r);
}

static void closed_conversation(rec *r, uint32_t isn) {
  const char *c = "10.0.0.1:40000", *s = "10.0.0.2:80";
  rec_seg(r, c, s, SYN, isn, 0, NULL);
  rec_seg(r, s, c, SYN | ACK, 7000, isn + 1, NULL);
  rec_seg(r, c, s, ACK, isn + 1, 7001, "GET / HTTP/1.1\r\n\r\n");
  rec_seg(r, s, c, ACK | FIN, 7001, isn + 19, NULL);
  rec_seg(r, c, s, ACK | FIN, isn + 19, 7002, NULL);
  rec_seg(r, s, c, ACK, 7002, isn + 20, NULL);
}

Test(table, port_reuse_after_fin_starts_a_new_stream) {
  rec r;
  rec_init(&r, NULL);
  closed_conversation(&r, 1000);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 1000, 0, NULL); /* same ISN */
  cr_assert_eq(r.stats.flows, 1, "a SYN with the original ISN is a retransmission");
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 900000, 0, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 900001, 1, "GET /again");
  assert_clean(&r);
  cr_assert_eq(r.stats.flows, 2);
  const char *close0 = strstr(r.log, "close 0");
  const char *open1 = strstr(r.log, "open 1 10.0.0.1:40000>10.0.0.2:80 syn=1");
  cr_assert(close0 && open1 && close0 < open1, "%s", r.log);
  cr_assert_str_eq(rec_bytes(&r, 1, RL_DIR_TO_SERVER), "GET /again");
  rec_done(&r);
}

Test(table, port_reuse_after_rst_starts_a_new_stream) {
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 1000, 0, NULL);
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", RST | ACK, 0, 1001, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 2000, 0, NULL);
  assert_clean(&r);
  cr_assert_eq(r.stats.flows, 2);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "end 0 > PEER-RST\n"
                   "end 0 < RST\n"
                   "close 0\n"
                   "open 1 10.0.0.1:40000>10.0.0.2:80 syn=1\n");
  rec_done(&r);
}

Test(table, new_isn_on_an_open_conversation_starts_a_new_stream) {
  /* Wireshark 4.0 does not wait for FIN or RST: any SYN whose sequence
   * number is not the side's base starts a new conversation. */
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 1000, 0, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 1001, 1, "GET /");
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 3000, 0, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 3001, 1, "GET /new");
  assert_clean(&r);
  cr_assert_eq(r.stats.flows, 2);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 5\n"
                   "end 0 > IDLE\n"
                   "end 0 < IDLE\n"
                   "close 0\n"
                   "open 1 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 1 > 0 8\n");
  rec_done(&r);
}

Test(table, syn_at_the_base_of_a_mid_stream_side_is_not_reuse) {
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 500, 1, "GET / HTTP/1.1\r\n");
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 499, 0, NULL); /* seq-1 */
  cr_assert_eq(r.stats.flows, 1);
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:41000", ACK, 7, 1235, "HTTP/1.1 200 OK\r\n");
  rec_seg(&r, "10.0.0.1:41000", "10.0.0.2:80", SYN, 1234, 0, NULL); /* ack-1 */
  cr_assert_eq(r.stats.flows, 2);
  rec_seg(&r, "10.0.0.1:41000", "10.0.0.2:80", SYN, 1235, 0, NULL);
  cr_assert_eq(r.stats.flows, 3);
  assert_clean(&r);
  rec_done(&r);
}

Test(table, flow_cap_evicts_the_least_recently_active) {
  rl_flow_config cfg = {0};
  cfg.max_flows = 2;
  rec r;
  rec_init(&r, &cfg);
  first_payload(&r, "10.0.0.1:1000", "10.0.0.9:80", "GET /a");
  first_payload(&r, "10.0.0.2:1000", "10.0.0.9:80", "GET /b");
  rec_seg(&r, "10.0.0.1:1000", "10.0.0.9:80", ACK, 106, 200, "/more"); /* 0 active */
  first_payload(&r, "10.0.0.3:1000", "10.0.0.9:80", "GET /c");        /* evicts 1 */
  assert_clean(&r);
  cr_assert_str_eq(strstr(r.log, "event 1"),
                   "event 1 < flow-evicted 0\n"
                   "end 1 > IDLE\n"
                   "end 1 < IDLE\n"
                   "close 1\n"
                   "open 2 10.0.0.3:1000>10.0.0.9:80 syn=0\n"
                   "data 2 > 0 6\n");
  cr_assert_eq(r.stats.flows_evicted, 1);
  cr_assert_eq(r.ft->count, 2, "the table never holds more than max_flows");
  /* The evicted conversation comes back as a new stream. */
  rec_seg(&r, "10.0.0.2:1000", "10.0.0.9:80", ACK, 106, 200, "/tail");
  cr_assert(rec_has(&r, "open 3 10.0.0.2:1000>10.0.0.9:80 syn=0"), "%s", r.log);
  cr_assert(rec_has(&r, "close 0"), "stream 0 was the least recent: %s", r.log);
  rec_done(&r);
}

Test(table, idle_conversations_expire_by_capture_time) {
  rl_flow_config cfg = {0};
  cfg.idle_timeout_s = 10;
  rec r;
  rec_init(&r, &cfg);
  r.sec = 1000;
  first_payload(&r, "10.0.0.1:1000", "10.0.0.9:80", "GET /a");
  r.sec = 1005;
  first_payload(&r, "10.0.0.2:1000", "10.0.0.9:80", "GET /b");
  r.sec = 1010;
  rec_seg(&r, "10.0.0.2:1000", "10.0.0.9:80", ACK, 106, 200, "/x");
  cr_assert_eq(rec_count(&r, "close"), 0, "10 s idle is not yet expired");
  r.sec = 1011;
  rec_seg(&r, "10.0.0.2:1000", "10.0.0.9:80", ACK, 108, 200, "/y");
  assert_clean(&r);
  cr_assert(rec_has(&r, "event 0 < flow-evicted 0"), "%s", r.log);
  cr_assert(rec_has(&r, "end 0 > IDLE"), "%s", r.log);
  cr_assert(rec_has(&r, "close 0"), "%s", r.log);
  cr_assert_not(rec_has(&r, "close 1"), "%s", r.log);
  cr_assert_eq(r.stats.flows_evicted, 1);
  cr_assert_eq(r.ft->count, 1);
  rec_done(&r);
}

Test(table, closed_conversations_expire_quietly) {
  rl_flow_config cfg = {0};
  cfg.idle_timeout_s = 10;
  rec r;
  rec_init(&r, &cfg);
  closed_conversation(&r, 1000);
  r.sec += 60;
  /* A leap past the timeout is believed once a second segment confirms it. */
  first_payload(&r, "10.0.0.3:1000", "10.0.0.9:80", "GET /");
  rec_seg(&r, "10.0.0.3:1000", "10.0.0.9:80", ACK, 105, 200, "x");
  assert_clean(&r);
  cr_assert_eq(r.ft->count, 1);
  cr_assert_eq(r.stats.flows_evicted, 0);
  cr_assert_eq(rec_count(&r, "event"), 0);
  rec_done(&r);
}

/* A recorder whose table holds at most max_flows conversations. */
static void rec_capped(rec *r, uint32_t max_flows) {
  rl_flow_config cfg = {0};
  cfg.max_flows = max_flows;
  rec_init(r, &cfg);
}

/* The i-th of many clients of network 10.net.0.0/16, with a few ports;
 * its SYN to one server, and the server's SYN/ACK. */
static void client_ep(char *buf, size_t n, int net, int i) {
  snprintf(buf, n, "10.%d.%d.%d:%d", net, i / 250, i % 250, 1024 + i % 7);
}

static void client_syn(rec *r, int net, int i) {
  char src[32];
  client_ep(src, sizeof src, net, i);
  rec_seg(r, src, "10.0.0.9:80", SYN, (uint32_t)i, 0, NULL);
}

static void server_syn_ack(rec *r, int net, int i) {
  char dst[32];
  client_ep(dst, sizeof dst, net, i);
  rec_seg(r, "10.0.0.9:80", dst, SYN | ACK, 7, (uint32_t)i + 1, NULL);
}

Test(table, many_conversations_hash_and_remove_correctly) {
  rec r;
  rec_capped(&r, 3000);
  /* 5000 conversations through a 3000 cap: the table grows, evicts and
   * keeps finding every live conversation under its own stream. */
  for (int i = 0; i < 5000; i++) {
    client_syn(&r, 1, i);
  }
  cr_assert_eq(r.ft->count, 3000);
  cr_assert_eq(r.stats.flows, 5000);
  for (int i = 2000; i < 5000; i++) {
    server_syn_ack(&r, 1, i);
  }
  cr_assert_eq(r.stats.flows, 5000, "every SYN/ACK found its conversation");
  cr_assert_eq(r.stats.flows_evicted, 2000);
  rl__conn *c = r.ft->lru_tail;
  cr_assert_eq(c->pub.stream, 2000);
  rec_done(&r);
}

/* Every live conversation sits in a slot holding its own hash, with no
 * empty slot between its home and it (else lookups would miss it). */
static void assert_slots_sound(const rl_flow_table *ft) {
  uint32_t live = 0;
  for (uint32_t i = 0; i <= ft->mask; i++) {
    const rl__conn *c = ft->slots[i].conn;
    if (!c) {
      continue;
    }
    live++;
    cr_assert_eq(ft->slots[i].hash, c->hash, "slot %u", i);
    for (uint32_t j = c->hash & ft->mask; j != i; j = (j + 1) & ft->mask) {
      cr_assert_not_null(ft->slots[j].conn, "hole at %u before slot %u", j, i);
    }
  }
  cr_assert_eq(live, ft->count);
}

/* Evictions take conversations from anywhere in the probe sequences (the
 * LRU order is not the slot order): the backward shift must move the
 * slots' hashes with their entries. */
Test(table, removals_keep_each_slot_with_its_hash) {
  rec r;
  rec_capped(&r, 700);
  for (int i = 0; i < 3000; i++) {
    client_syn(&r, 2, i);
    if (i % 3 == 0 && i >= 600) {
      /* Touch an older one, so that the LRU tail skips around. */
      server_syn_ack(&r, 2, i - 600 + (i * 7) % 500);
    }
    if (i % 250 == 0) {
      assert_slots_sound(r.ft);
    }
  }
  assert_slots_sound(r.ft);
  cr_assert_eq(r.ft->count, 700);
  rec_done(&r);
}

Test(table, eviction_flushes_a_fin_beyond_a_hole) {
  rl_flow_config cfg = {0};
  cfg.max_flows = 1;
  rec r;
  rec_init(&r, &cfg);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 100, 0, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 101, 1, "abc");
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK | FIN, 107, 1, "ghi");
  rec_seg(&r, "10.0.0.3:40000", "10.0.0.2:80", SYN, 100, 0, NULL);
  assert_clean(&r);
  cr_assert_str_eq(r.log,
                   "open 0 10.0.0.1:40000>10.0.0.2:80 syn=1\n"
                   "data 0 > 0 3\n"
                   "event 0 < flow-evicted 0\n"
                   "gap 0 > 3 3\n"
                   "data 0 > 6 3\n"
                   "end 0 > FIN\n"
                   "end 0 < IDLE\n"
                   "close 0\n"
                   "open 1 10.0.0.3:40000>10.0.0.2:80 syn=1\n");
  cr_assert_eq(r.ft->ooo_total, 0);
  rec_done(&r);
}

/* transform-base64-7296 (fuzzed timestamps): one segment stamped 18 hours
 * early and another 2 years late must not split the conversation, which
 * tshark keeps as one tcp.stream. */
Test(table, stray_timestamps_do_not_expire_conversations) {
  rec r;
  rec_init(&r, NULL);
  const char *c = "10.0.0.1:40000", *s = "10.0.0.2:80";
  r.sec = 1630659999;
  rec_seg(&r, c, s, SYN, 1000, 0, NULL);
  r.sec = 1630659999 - 65536;
  rec_seg(&r, s, c, SYN | ACK, 7000, 1001, NULL);
  r.sec = 1630659999;
  rec_seg(&r, c, s, ACK, 1001, 7001, "GET / HTTP/1.1\r\n\r\n");
  r.sec = 1701999731;
  rec_seg(&r, c, s, ACK, 1019, 7001, "a");
  r.sec = 1630660000;
  rec_seg(&r, s, c, ACK, 7001, 1020, "HTTP/1.1 204 No Content\r\n\r\n");
  rec_seg(&r, "10.0.0.3:40000", s, SYN, 1, 0, NULL);
  assert_clean(&r);
  cr_assert_eq(r.stats.flows, 2, "%s", r.log);
  cr_assert_eq(r.stats.flows_evicted, 0, "%s", r.log);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT),
                   "HTTP/1.1 204 No Content\r\n\r\n");
  rec_done(&r);
}

Test(table, a_confirmed_leap_expires_idle_conversations) {
  rl_flow_config cfg = {0};
  cfg.idle_timeout_s = 10;
  rec r;
  rec_init(&r, &cfg);
  r.sec = 1000;
  first_payload(&r, "10.0.0.1:1000", "10.0.0.9:80", "GET /a");
  r.sec = 2000;
  first_payload(&r, "10.0.0.2:1000", "10.0.0.9:80", "GET /b");
  cr_assert_eq(rec_count(&r, "close"), 0, "one leap alone is not believed");
  r.sec = 2001;
  rec_seg(&r, "10.0.0.2:1000", "10.0.0.9:80", ACK, 106, 200, "/x");
  assert_clean(&r);
  cr_assert(rec_has(&r, "close 0"), "%s", r.log);
  cr_assert_not(rec_has(&r, "close 1"), "%s", r.log);
  cr_assert_eq(r.stats.flows_evicted, 1);
  rec_done(&r);
}

/* Conversation entries are recycled (table.c keeps a free list): one that
 * ended with every kind of state (anchored sides, a buffered chunk, a FIN,
 * history) must come back as a fresh conversation. */
Test(table, a_recycled_conversation_starts_clean) {
  rl_flow_config cfg = {0};
  cfg.max_flows = 1;
  rec r;
  rec_init(&r, &cfg);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 100, 0, NULL);
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", SYN | ACK, 500, 101, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 101, 501, "GET / HTTP/1.1\r\n");
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK | FIN, 200, 501, "late");
  /* Stream 1 evicts stream 0 and takes its entry. */
  rec_seg(&r, "10.0.0.3:40001", "10.0.0.2:80", ACK, 7000, 9000, "GET /b");
  rec_seg(&r, "10.0.0.3:40001", "10.0.0.2:80", ACK, 7006, 9000, " HTTP/1.1");
  rec_seg(&r, "10.0.0.2:80", "10.0.0.3:40001", ACK, 9000, 7015, "HTTP/1.1 200 OK");
  rec_seg(&r, "10.0.0.3:40001", "10.0.0.2:80", ACK, 7015, 9015, "!");
  assert_clean(&r);
  cr_assert(rec_has(&r, "close 0"), "%s", r.log);
  cr_assert(rec_has(&r, "open 1 10.0.0.3:40001>10.0.0.2:80 syn=0"), "%s", r.log);
  cr_assert_str_eq(rec_bytes(&r, 1, RL_DIR_TO_SERVER), "GET /b HTTP/1.1!");
  cr_assert_str_eq(rec_bytes(&r, 1, RL_DIR_TO_CLIENT), "HTTP/1.1 200 OK");
  cr_assert_eq(r.stats.retransmissions, 0);
  cr_assert_eq(r.stats.ooo_segments, 1, "only stream 0's late FIN was buffered");
  cr_assert_eq(r.ft->count, 1);
  rec_done(&r);
}

/* Segments switch between the fast path and the general one as a
 * direction buffers, drains, and the other one sends its FIN (c->fast is
 * recomputed after each general segment; Debug builds assert it). */
Test(table, fast_path_follows_buffering_and_fins) {
  rec r;
  rec_init(&r, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", SYN, 100, 0, NULL);
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", SYN | ACK, 500, 101, NULL);
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 101, 501, "ab");
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 105, 501, "ef");  /* buffered */
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", ACK, 501, 103, "12");  /* fast */
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 103, 501, "cd");  /* drains */
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK, 107, 503, "gh");  /* fast */
  rec_seg(&r, "10.0.0.1:40000", "10.0.0.2:80", ACK | FIN, 109, 503, NULL);
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", ACK, 503, 110, "34");  /* half-closed */
  rec_seg(&r, "10.0.0.2:80", "10.0.0.1:40000", ACK | FIN, 505, 110, NULL);
  assert_clean(&r);
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_SERVER), "abcdefgh");
  cr_assert_str_eq(rec_bytes(&r, 0, RL_DIR_TO_CLIENT), "1234");
  cr_assert(rec_has(&r, "end 0 > FIN"), "%s", r.log);
  cr_assert(rec_has(&r, "end 0 < FIN"), "%s", r.log);
  cr_assert(rec_has(&r, "close 0"), "%s", r.log);
  rec_done(&r);
}
