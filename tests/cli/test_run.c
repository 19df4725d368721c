/* The run stage and the --dump-streams sink, end to end on captures written
 * by pcapgen: real libpcap, the real decoder and flow table. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapgen.h"
#include "tmpdir.h"
#include "resplint/capture.h"
#include "resplint/error.h"
#include "resplint/run.h"

static void make_tmpdir(void) { rt_tmpdir_make(NULL, "tmp-run"); }

static void remove_tree(void) { rt_tmpdir_remove(); }

TestSuite(run, .init = make_tmpdir, .fini = remove_tree);

static const char request[] = "GET /a HTTP/1.1\r\nHost: example\r\n\r\n";
static const char response[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world\n";

/* One conversation: handshake, request, response in 10-byte segments, close. */
static int write_conversation(const char *path, const char *client) {
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  cr_assert_not_null(w);
  pg_conv c;
  pg_conv_init(&c, w, client, 40000, "192.0.2.80", 80);
  c.mss = 10;
  cr_assert_eq(pg_conv_handshake(&c), 0);
  cr_assert_eq(pg_conv_send(&c, 0, request, sizeof request - 1), 0);
  cr_assert_eq(pg_conv_send(&c, 1, response, sizeof response - 1), 0);
  cr_assert_eq(pg_conv_close(&c), 0);
  cr_assert_eq(pg_close(w), 0);
  /* Count the records libpcap sees rather than predicting pcapgen's ACKs. */
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, errbuf);
  cr_assert_not_null(p, "%s", errbuf);
  struct pcap_pkthdr *h;
  const u_char *d;
  int n = 0;
  while (pcap_next_ex(p, &h, &d) == 1)
    n++;
  pcap_close(p);
  return n;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  static char buf[65536];
  *len = fread(buf, 1, sizeof buf - 1, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

static void expect_file(const char *path, const char *want, size_t wantlen) {
  size_t len;
  char *got = slurp(path, &len);
  cr_assert_not_null(got, "%s is missing", path);
  cr_assert_eq(len, wantlen, "%s: %zu bytes, want %zu", path, len, wantlen);
  cr_assert_eq(memcmp(got, want, len), 0, "%s: contents differ", path);
}

/* Opens `capture`, dumps it into `dir`, returns rl_run()'s result. */
static int64_t dump(const char *capture, const char *dir, const char *filter,
                    uint64_t max_packets, rl_stats *stats, char *err, size_t errlen) {
  rl_capture *cap;
  cr_assert_eq(rl_capture_open_file(&cap, capture, err, errlen), 0, "%s", err);
  rl_dump_streams *d;
  cr_assert_eq(rl_dump_streams_new(&d, dir, err, errlen), 0, "%s", err);
  rl_run_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.sink = rl_dump_streams_sink();
  cfg.sink_ctx = d;
  cfg.filter = filter;
  cfg.max_packets = max_packets;
  int64_t rc = rl_run(cap, &cfg, stats, err, errlen);
  char werr[256] = "";
  cr_assert_eq(rl_dump_streams_status(d, werr, sizeof werr), 0, "%s", werr);
  rl_dump_streams_free(d);
  rl_capture_close(cap);
  return rc;
}

Test(run, dumps_both_directions) {
  int packets = write_conversation(rt_tmp("conv.pcap"), "192.0.2.1");
  rl_stats stats = {0};
  char err[256] = "";
  int64_t n = dump(rt_tmp("conv.pcap"), rt_tmp("out"), NULL, 0, &stats, err, sizeof err);
  cr_assert_eq(n, packets, "rl_run returned %lld: %s", (long long)n, err);
  cr_assert_eq(stats.packets, (uint64_t)packets);
  cr_assert_eq(stats.flows, 1);
  expect_file(rt_tmp("out/0.c2s"), request, sizeof request - 1);
  expect_file(rt_tmp("out/0.s2c"), response, sizeof response - 1);
  static const char index[] = "0 192.0.2.1:40000 192.0.2.80:80\n";
  expect_file(rt_tmp("out/streams.txt"), index, sizeof index - 1);
  cr_assert_neq(access(rt_tmp("out/0.gaps"), F_OK), 0, "no gap, so no gaps file");
}

Test(run, records_gaps_and_writes_no_filler) {
  pg_writer *w = pg_open(rt_tmp("gap.pcap"), DLT_EN10MB, 65535);
  pg_conv c;
  pg_conv_init(&c, w, "192.0.2.1", 40001, "192.0.2.80", 80);
  cr_assert_eq(pg_conv_handshake(&c), 0);
  cr_assert_eq(pg_conv_send(&c, 0, request, sizeof request - 1), 0);
  /* Server bytes 0-3 and 8-11 are captured; 4-7 are not. */
  pg_tcp s = {0};
  s.src = "192.0.2.80";
  s.dst = "192.0.2.1";
  s.sport = 80;
  s.dport = 40001;
  s.flags = RL_TCP_ACK | RL_TCP_PSH;
  s.ack = c.cseq;
  s.ts_usec = c.ts_usec + 1000;
  s.seq = c.sseq;
  s.payload = "AAAA";
  s.len = 4;
  cr_assert_eq(pg_write_tcp(w, &s), 0);
  s.seq = c.sseq + 8;
  s.payload = "CCCC";
  s.ts_usec += 1000;
  cr_assert_eq(pg_write_tcp(w, &s), 0);
  cr_assert_eq(pg_close(w), 0);

  rl_stats stats = {0};
  char err[256] = "";
  cr_assert_geq(dump(rt_tmp("gap.pcap"), rt_tmp("out"), NULL, 0, &stats, err, sizeof err), 0, "%s",
                err);
  expect_file(rt_tmp("out/0.s2c"), "AAAACCCC", 8);
  expect_file(rt_tmp("out/0.gaps"), "s2c 4 4\n", 8);
  cr_assert_eq(stats.gaps, 1);
  cr_assert_eq(stats.gap_bytes, 4);
}

Test(run, cut_last_record_still_flushes_earlier_data) {
  int packets = write_conversation(rt_tmp("cut.pcap"), "192.0.2.1");
  struct stat st;
  cr_assert_eq(stat(rt_tmp("cut.pcap"), &st), 0);
  /* The last record is the client's final ACK (no payload): cut it. */
  cr_assert_eq(truncate(rt_tmp("cut.pcap"), st.st_size - 3), 0);
  rl_stats stats = {0};
  char err[256] = "";
  int64_t rc = dump(rt_tmp("cut.pcap"), rt_tmp("out"), NULL, 0, &stats, err, sizeof err);
  cr_assert_eq(rc, RL_ETRUNCATED, "got %lld", (long long)rc);
  cr_assert_eq(stats.packets, (uint64_t)packets - 1);
  expect_file(rt_tmp("out/0.c2s"), request, sizeof request - 1);
  expect_file(rt_tmp("out/0.s2c"), response, sizeof response - 1);
}

Test(run, max_packets_and_filter) {
  write_conversation(rt_tmp("conv.pcap"), "192.0.2.1");
  rl_stats stats = {0};
  char err[256] = "";
  cr_assert_eq(dump(rt_tmp("conv.pcap"), rt_tmp("three"), NULL, 3, &stats, err, sizeof err), 3);
  cr_assert_eq(stats.packets, 3);
  /* A filter no packet passes: nothing read, no stream written. */
  rl_stats none = {0};
  cr_assert_eq(dump(rt_tmp("conv.pcap"), rt_tmp("udp"), "udp", 0, &none, err, sizeof err), 0);
  cr_assert_eq(none.packets, 0);
  cr_assert_neq(access(rt_tmp("udp/0.c2s"), F_OK), 0);
}

Test(run, bad_filter_reads_nothing) {
  write_conversation(rt_tmp("conv.pcap"), "192.0.2.1");
  rl_stats stats = {0};
  char err[256] = "";
  cr_assert_eq(dump(rt_tmp("conv.pcap"), rt_tmp("out"), "tcp prot 80", 0, &stats, err, sizeof err),
               RL_EFILTER);
  cr_assert_not_null(strstr(err, "syntax error"), "%s", err);
  cr_assert_eq(stats.packets, 0);
}

Test(run, stream_numbers_restart_per_input) {
  write_conversation(rt_tmp("one.pcap"), "192.0.2.1");
  write_conversation(rt_tmp("two.pcap"), "192.0.2.2");
  rl_stats stats = {0};
  char err[256] = "";
  cr_assert_geq(dump(rt_tmp("one.pcap"), rt_tmp("one"), NULL, 0, &stats, err, sizeof err), 0);
  cr_assert_geq(dump(rt_tmp("two.pcap"), rt_tmp("two"), NULL, 0, &stats, err, sizeof err), 0);
  cr_assert_eq(stats.flows, 2, "counters add up across inputs");
  static const char index[] = "0 192.0.2.2:40000 192.0.2.80:80\n";
  expect_file(rt_tmp("two/streams.txt"), index, sizeof index - 1);
  expect_file(rt_tmp("two/0.s2c"), response, sizeof response - 1);
}

Test(run, dump_directory_errors) {
  rl_dump_streams *d = (rl_dump_streams *)1;
  char err[256] = "";
  cr_assert_eq(rl_dump_streams_new(&d, rt_tmp("no/such/parent"), err, sizeof err), RL_ENOENT);
  cr_assert_null(d);
  FILE *f = fopen(rt_tmp("file"), "w");
  fclose(f);
  cr_assert_eq(rl_dump_streams_new(&d, rt_tmp("file"), err, sizeof err), RL_EINVAL);
  cr_assert_not_null(strstr(err, "not a directory"), "%s", err);
  rl_dump_streams_free(NULL);
}
