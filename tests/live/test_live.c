/* Live capture in the capture stage: the -w copy, libpcap's counters, the
 * tick and the drain after a break or the duration, with real libpcap.
 *
 * The copy is checked on capture files (no privileges needed). The live
 * cases sniff the loopback device for UDP datagrams this test sends to
 * itself on a port of its own; they need root (or CAP_NET_RAW) and are
 * skipped, saying so, without it. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pcapgen.h"
#include "tmpdir.h"
#include "resplint/capture.h"
#include "resplint/error.h"

static void make_tmpdir(void) { rt_tmpdir_make(NULL, "tmp-live"); }

static void remove_tree(void) { rt_tmpdir_remove(); }

TestSuite(live, .init = make_tmpdir, .fini = remove_tree);

/* `n` segments alternating between ports 80 and 443, each with its own
 * payload byte, 1 ms apart. */
static void write_capture(const char *path, int n) {
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  cr_assert_not_null(w);
  for (int i = 0; i < n; i++) {
    uint8_t payload[16];
    memset(payload, 'a' + i, sizeof payload);
    pg_tcp s = {0};
    s.src = "192.0.2.1";
    s.dst = "192.0.2.2";
    s.sport = 40000;
    s.dport = i % 2 ? 443 : 80;
    s.seq = 1000 + (uint32_t)i * 16;
    s.flags = RL_TCP_ACK | RL_TCP_PSH;
    s.payload = payload;
    s.len = sizeof payload;
    s.ts_usec = 1700000000000000ull + (uint64_t)i * 1000;
    cr_assert_eq(pg_write_tcp(w, &s), 0);
  }
  cr_assert_eq(pg_close(w), 0);
}

/* --- the -w copy ------------------------------------------------------------ */

Test(live, copy_holds_exactly_the_packets_handed_out) {
  write_capture(rt_tmp("in.pcap"), 6);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("in.pcap"), err, sizeof err), 0, "%s", err);
  cr_assert_eq(rl_capture_set_filter(cap, "tcp dst port 443", err, sizeof err), 0, "%s", err);
  cr_assert_eq(rl_capture_dump_open(cap, rt_tmp("copy.pcap"), err, sizeof err), 0, "%s", err);
  rl_packet seen[8];
  uint8_t bytes[8][128];
  int n = 0;
  rl_packet pkt;
  while (rl_capture_next(cap, &pkt, err, sizeof err) == 1) {
    cr_assert_lt(n, 8);
    cr_assert_leq(pkt.caplen, sizeof bytes[0]);
    memcpy(bytes[n], pkt.data, pkt.caplen);
    seen[n++] = pkt;
  }
  cr_assert_eq(n, 3, "the filter keeps the three segments to port 443");
  cr_assert_eq(rl_capture_dump_close(cap, err, sizeof err), 0, "%s", err);
  cr_assert_eq(rl_capture_dump_close(cap, err, sizeof err), 0, "closing twice is harmless");
  rl_capture_close(cap);

  /* The copy: the same packets, bytes and times, numbered from 1. */
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("copy.pcap"), err, sizeof err), 0, "%s", err);
  cr_assert_eq(rl_capture_linktype(cap), DLT_EN10MB);
  for (int i = 0; i < n; i++) {
    cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 1, "%s", err);
    cr_assert_eq(pkt.frame, (uint64_t)i + 1);
    cr_assert_eq(pkt.caplen, seen[i].caplen);
    cr_assert_eq(pkt.wirelen, seen[i].wirelen);
    cr_assert_eq(pkt.ts.sec, seen[i].ts.sec);
    cr_assert_eq(pkt.ts.nsec, seen[i].ts.nsec);
    cr_assert_arr_eq(pkt.data, bytes[i], pkt.caplen);
  }
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 0);
  rl_capture_close(cap);
}

Test(live, copy_is_closed_with_the_capture) {
  write_capture(rt_tmp("in.pcap"), 2);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("in.pcap"), err, sizeof err), 0, "%s", err);
  cr_assert_eq(rl_capture_dump_open(cap, rt_tmp("copy.pcap"), err, sizeof err), 0, "%s", err);
  rl_packet pkt;
  while (rl_capture_next(cap, &pkt, err, sizeof err) == 1)
    ;
  rl_capture_close(cap); /* without rl_capture_dump_close: still complete */
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("copy.pcap"), err, sizeof err), 0, "%s", err);
  int n = 0;
  while (rl_capture_next(cap, &pkt, err, sizeof err) == 1)
    n++;
  cr_assert_eq(n, 2);
  rl_capture_close(cap);
}

Test(live, copy_errors_name_the_cause) {
  write_capture(rt_tmp("in.pcap"), 1);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("in.pcap"), err, sizeof err), 0, "%s", err);
  cr_assert_eq(rl_capture_dump_open(cap, rt_tmpdir(), err, sizeof err), RL_EISDIR);
  cr_assert_str_eq(err, "is a directory");
  cr_assert_eq(rl_capture_dump_open(cap, rt_tmp("no/such/dir.pcap"), err, sizeof err),
               RL_ENOENT);
  cr_assert_not_null(strstr(err, "No such file"), "%s", err);
  cr_assert_eq(rl_capture_dump_open(cap, rt_tmp("a.pcap"), err, sizeof err), 0, "%s", err);
  cr_assert_eq(rl_capture_dump_open(cap, rt_tmp("b.pcap"), err, sizeof err), RL_EINVAL,
               "one copy per capture");
  rl_capture_close(cap);
}

Test(live, a_file_has_no_live_counters) {
  write_capture(rt_tmp("in.pcap"), 1);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("in.pcap"), err, sizeof err), 0, "%s", err);
  rl_capture_counts c = {1, 1, 1};
  cr_assert_eq(rl_capture_counts_get(cap, &c, err, sizeof err), RL_EINVAL);
  cr_assert_eq(c.received + c.dropped + c.ifdropped, 0);
  rl_capture_close(cap);
}

/* --- live, on the loopback device ------------------------------------------- */

/* A UDP port of this test process, so that parallel runs do not see each
 * other's datagrams. */
static int test_port(void) { return 20000 + (int)(getpid() % 20000); }

/* Opens lo filtered to the test's port, in immediate or block mode; skips
 * the test without the privilege to capture. */
static rl_capture *open_lo(double duration_s, int immediate) {
  rl_live_options o;
  memset(&o, 0, sizeof o);
  o.iface = "lo";
  o.immediate = immediate;
  o.duration_s = duration_s;
  rl_capture *cap = NULL;
  char err[256] = "";
  int rc = rl_capture_open_live(&cap, &o, err, sizeof err);
  if (rc == RL_EPERM)
    cr_skip_test("live capture needs root or CAP_NET_RAW: %s", err);
  cr_assert_eq(rc, 0, "%s: %s", rl_err_name(rc), err);
  char filter[64];
  snprintf(filter, sizeof filter, "udp dst port %d", test_port());
  cr_assert_eq(rl_capture_set_filter(cap, filter, err, sizeof err), 0, "%s", err);
  return cap;
}

/* Sends `n` datagrams to the test's port on 127.0.0.1 (nobody listens:
 * the capture sees them all the same). */
static void send_datagrams(int n) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)test_port());
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < n; i++) {
    char msg[32];
    int len = snprintf(msg, sizeof msg, "datagram %d", i);
    cr_assert_eq(sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&to, sizeof to), len,
                 "sendto: %s", strerror(errno));
  }
  close(fd);
}

/* Waits until libpcap has received at least `n` packets. */
static void wait_received(rl_capture *cap, uint64_t n) {
  rl_capture_counts c;
  char err[256] = "";
  for (int i = 0; i < 500; i++) {
    cr_assert_eq(rl_capture_counts_get(cap, &c, err, sizeof err), 0, "%s", err);
    if (c.received >= n)
      return;
    struct timespec ms = {0, 10 * 1000 * 1000};
    nanosleep(&ms, NULL);
  }
  cr_assert_fail("libpcap received %llu of %llu packets", (unsigned long long)c.received,
                 (unsigned long long)n);
}

static void break_then_drain(int immediate) {
  rl_capture *cap = open_lo(0, immediate);
  send_datagrams(5);
  wait_received(cap, 5);
  rl_capture_break(cap); /* as SIGINT does, before the packets are read */
  rl_packet pkt;
  char err[256] = "";
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 1, "packet %d: %s", i, err);
    cr_assert_eq(pkt.frame, (uint64_t)i + 1);
  }
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 0, "then the capture is over");
  rl_capture_close(cap);
}

Test(live, a_break_still_hands_out_what_was_captured) { break_then_drain(1); }

/* In block mode the packets sit in a block the kernel has not handed over
 * yet: the drain waits for it. */
Test(live, a_break_in_block_mode_waits_for_the_last_block) { break_then_drain(0); }

Test(live, a_second_break_ends_at_once) {
  rl_capture *cap = open_lo(0, 0);
  send_datagrams(3);
  wait_received(cap, 3);
  rl_capture_break(cap);
  rl_capture_break(cap);
  rl_packet pkt;
  char err[256] = "";
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 0);
  rl_capture_close(cap);
}

Test(live, the_end_of_the_duration_drains_too) {
  rl_capture *cap = open_lo(0.3, 0);
  send_datagrams(4);
  wait_received(cap, 4);
  struct timespec past = {0, 400 * 1000 * 1000}; /* the duration is over */
  nanosleep(&past, NULL);
  rl_packet pkt;
  char err[256] = "";
  int n = 0;
  while (rl_capture_next(cap, &pkt, err, sizeof err) == 1)
    n++;
  cr_assert_eq(n, 4, "the packets captured within the duration are all linted");
  rl_capture_close(cap);
}

static void on_tick(void *ctx) { (*(int *)ctx)++; }

Test(live, ticks_come_while_idle_and_counters_are_libpcaps) {
  rl_capture *cap = open_lo(1.5, 1);
  int ticks = 0;
  rl_capture_set_tick(cap, 200, on_tick, &ticks);
  cr_assert_eq(rl_capture_dump_open(cap, rt_tmp("live.pcap"), NULL, 0), 0);
  send_datagrams(2);
  rl_packet pkt;
  char err[256] = "";
  int n = 0;
  while (rl_capture_next(cap, &pkt, err, sizeof err) == 1)
    n++;
  cr_assert_eq(n, 2);
  /* 1.5 s of a quiet interface at one tick per 200 ms: at least one call,
   * and never more than one per interval. */
  cr_assert_geq(ticks, 1);
  cr_assert_leq(ticks, 8, "%d ticks", ticks);
  rl_capture_counts c;
  cr_assert_eq(rl_capture_counts_get(cap, &c, err, sizeof err), 0, "%s", err);
  cr_assert_geq(c.received, 2);
  cr_assert_eq(c.dropped, 0);
  cr_assert_eq(rl_capture_dump_close(cap, err, sizeof err), 0, "%s", err);
  rl_capture_close(cap);
  /* The live copy reads back as the two datagrams. */
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("live.pcap"), err, sizeof err), 0, "%s", err);
  n = 0;
  while (rl_capture_next(cap, &pkt, err, sizeof err) == 1) {
    n++;
    cr_assert_geq(pkt.caplen, 28); /* IPv4 + UDP at least */
  }
  cr_assert_eq(n, 2);
  rl_capture_close(cap);
}
