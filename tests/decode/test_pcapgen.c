/* pcapgen's output judged by an independent reader: Wireshark's tshark must
 * find every IPv4 header checksum and TCP checksum good and no packet
 * malformed, so that other stages can compare against tshark with checksum
 * validation on. Skipped when tshark is not installed. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_util.h"
#include "resplint/error.h"

static int have_tshark(void) {
  return system("command -v tshark >/dev/null 2>&1") == 0;
}

Test(pcapgen, tshark_finds_checksums_good_and_nothing_malformed) {
  if (!have_tshark())
    cr_skip_test("tshark not installed");
  char path[1200];
  dt_path(path, sizeof path, "tshark-check.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 262144);
  static uint8_t body[700];
  memset(body, 'q', sizeof body);
  pg_tcp s4 = dt_sample(0), s6 = dt_sample(1);
  uint8_t ipopt[4] = {1, 1, 1, 0};
  uint8_t tcpopt[4] = {2, 4, 5, 0xb4};
  s4.ip_options = ipopt;
  s4.ip_options_len = 4;
  s4.tcp_options = tcpopt;
  s4.tcp_options_len = 4;
  s4.nvlan = 2;
  s4.vlan[0] = 10;
  s4.vlan[1] = 20;
  cr_assert_eq(pg_write_tcp(w, &s4), 0);
  s6.ip6_ext[0] = 0;
  s6.ip6_ext[1] = 60;
  s6.nip6_ext = 2;
  cr_assert_eq(pg_write_tcp(w, &s6), 0);
  s4.payload = body;
  s4.len = sizeof body;
  s4.nvlan = 0;
  cr_assert_gt(pg_write_tcp_fragments(w, &s4, 200, NULL, 0), 1);
  s6.payload = body;
  s6.len = sizeof body;
  cr_assert_gt(pg_write_tcp_fragments(w, &s6, 200, NULL, 0), 1);
  pg_close(w);

  char cmd[1400];
  snprintf(cmd, sizeof cmd,
           "tshark -r '%s' -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
           "-T fields -E separator=, -e ip.checksum.status -e tcp.checksum.status "
           "-e _ws.malformed 2>/dev/null",
           path);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  char line[256];
  int lines = 0, ip_good = 0, tcp_good = 0;
  while (fgets(line, sizeof line, p)) {
    lines++;
    line[strcspn(line, "\n")] = 0;
    char *ipst = line, *tcpst = strchr(line, ',');
    cr_assert_not_null(tcpst, "line %s", line);
    *tcpst++ = 0;
    char *mal = strchr(tcpst, ',');
    cr_assert_not_null(mal);
    *mal++ = 0;
    cr_expect_str_empty(mal, "packet %d malformed", lines);
    if (*ipst) {
      cr_expect_str_eq(ipst, "1", "packet %d IP checksum status %s", lines, ipst);
      ip_good++;
    }
    if (*tcpst) {
      cr_expect_str_eq(tcpst, "1", "packet %d TCP checksum status %s", lines, tcpst);
      tcp_good++;
    }
  }
  pclose(p);
  cr_expect_eq(lines, 2 + 4 + 4, "packets read by tshark");
  cr_expect_eq(ip_good, 1 + 4, "IPv4 packets with a checked header");
  cr_expect_eq(tcp_good, 4, "TCP segments, fragmented ones reassembled");
}

Test(pcapgen, refuses_what_it_cannot_write) {
  char path[1200];
  dt_path(path, sizeof path, "pg-refuse.pcap");
  pg_writer *w = pg_open(path, DLT_IPV4, 65535);
  cr_assert_not_null(w);
  pg_tcp s6 = dt_sample(1), s4 = dt_sample(0);
  cr_expect_eq(pg_write_tcp(w, &s6), RL_EINVAL, "IPv6 on DLT_IPV4");
  cr_expect_eq(pg_write_tcp(w, &s4), 0);
  pg_tcp bad = dt_sample(0);
  bad.dst = "2001:db8::1";
  cr_expect_eq(pg_write_tcp(w, &bad), RL_EINVAL, "mixed families");
  bad.dst = "300.1.1.1";
  cr_expect_eq(pg_write_tcp(w, &bad), RL_EINVAL, "bad address");
  bad = dt_sample(0);
  bad.tcp_options_len = 44;
  static const uint8_t opts[44];
  bad.tcp_options = opts;
  cr_expect_eq(pg_write_tcp(w, &bad), RL_EINVAL, "TCP header over 60 bytes");
  cr_expect_eq(pg_close(w), 0);
  cr_expect_eq(pg_close(NULL), 0);
  dt_run r;
  cr_assert_eq(dt_decode_file(path, NULL, &r), 1, "only the valid segment");
  dt_expect_seg(&r, 0, &s4);
  dt_run_free(&r);
}

Test(pcapgen, broken_files_with_raw_bytes) {
  /* A record header promising more bytes than the file holds: libpcap
   * reads the good record, then reports an error, not a packet. */
  char path[1200];
  dt_path(path, sizeof path, "pg-broken.pcap");
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  pg_tcp s = dt_sample(0);
  cr_assert_eq(pg_write_tcp(w, &s), 0);
  uint32_t rec[4] = {1700000001u, 0, 100, 100};
  cr_assert_eq(pg_write_bytes(w, rec, sizeof rec), 0);
  cr_assert_eq(pg_write_bytes(w, "short", 5), 0);
  cr_assert_eq(pg_close(w), 0);
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  cr_assert_not_null(p, "%s", err);
  struct pcap_pkthdr *h;
  const u_char *d;
  cr_expect_eq(pcap_next_ex(p, &h, &d), 1);
  cr_expect_eq(pcap_next_ex(p, &h, &d), PCAP_ERROR);
  pcap_close(p);
}
