/* JSON Lines on captures made for the test: the contract's location keys
 * (frame of the first packet carrying the status line, its time in RFC 3339
 * UTC with the capture's sub-second digits, stream, "[v6]:port" endpoints,
 * status, method, target, index) checked against what libpcap itself reads
 * from the file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lint.h"
#include "pcapgen.h"

static char dir[256];

static void make_dir(void) {
  snprintf(dir, sizeof dir, "%s/tmp-report-json-XXXXXX", RL_BINARY_DIR);
  cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
}

static void remove_dir(void) {
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}

TestSuite(json, .init = make_dir, .fini = remove_dir);

static const char request[] = "GET /where?q=1 HTTP/1.1\r\nHost: example\r\n\r\n";
/* No Date: FV001 fires on the response, whose evidence is its status code. */
static const char response[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 5\r\n\r\nhello";

/* A conversation over IPv6 whose status line is cut over two segments. */
static void write_capture(const char *path) {
  pg_writer *w = pg_open(path, DLT_EN10MB, 65535);
  cr_assert_not_null(w);
  pg_conv c;
  pg_conv_init(&c, w, "2001:db8::1", 40000, "2001:db8::80", 8080);
  cr_assert_eq(pg_conv_handshake(&c), 0);
  cr_assert_eq(pg_conv_send(&c, 0, request, sizeof request - 1), 0);
  c.mss = 6;
  cr_assert_eq(pg_conv_send(&c, 1, response, 12), 0);
  c.mss = 1460;
  cr_assert_eq(pg_conv_send(&c, 1, response + 12, sizeof response - 13), 0);
  cr_assert_eq(pg_conv_close(&c), 0);
  cr_assert_eq(pg_close(w), 0);
}

/* Rewrites `in` as a nanosecond pcap, each time moved by `ns` nanoseconds,
 * with libpcap's own dumper. */
static void to_nanoseconds(const char *in, const char *out, unsigned ns) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline_with_tstamp_precision(in, PCAP_TSTAMP_PRECISION_NANO, err);
  cr_assert_not_null(p, "%s", err);
  pcap_t *dead = pcap_open_dead_with_tstamp_precision(pcap_datalink(p), 65535,
                                                      PCAP_TSTAMP_PRECISION_NANO);
  pcap_dumper_t *d = pcap_dump_open(dead, out);
  cr_assert_not_null(d, "%s", pcap_geterr(dead));
  struct pcap_pkthdr *h;
  const u_char *bytes;
  while (pcap_next_ex(p, &h, &bytes) == 1) {
    struct pcap_pkthdr copy = *h;
    copy.ts.tv_usec += ns; /* tv_usec holds nanoseconds in a nanosecond dump */
    pcap_dump((u_char *)d, &copy, bytes);
  }
  pcap_dump_close(d);
  pcap_close(dead);
  pcap_close(p);
}

/* True when the packet holds `s` not preceded by a space: the start of a
 * status line, not the version at the end of a request line. */
static int holds(const u_char *b, size_t n, const char *s) {
  size_t k = strlen(s);
  for (size_t i = 1; i + k <= n; i++)
    if (b[i - 1] != ' ' && memcmp(b + i, s, k) == 0)
      return 1;
  return 0;
}

/* The 1-based number and time of the first packet whose bytes hold the
 * start of the status line, as libpcap reads the file. */
static unsigned status_frame(const char *path, char *ts, size_t tslen) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
  cr_assert_not_null(p, "%s", err);
  struct pcap_pkthdr *h;
  const u_char *bytes;
  unsigned n = 0, found = 0;
  while (!found && pcap_next_ex(p, &h, &bytes) == 1) {
    n++;
    if (holds(bytes, h->caplen, "HTTP/1")) {
      found = n;
      char day[32];
      time_t t = h->ts.tv_sec;
      struct tm tm;
      gmtime_r(&t, &tm);
      strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
      snprintf(ts, tslen, "%s.%09ldZ", day, (long)h->ts.tv_usec);
    }
  }
  pcap_close(p);
  cr_assert_gt(found, 0u);
  return found;
}

static char *lint_json(const char *path) {
  char *inputs[] = {(char *)path};
  rt_opts o = {.format = RL_FORMAT_JSON, .fail_on = RL_LEVEL_ERROR};
  int code;
  char *out = rt_lint_str(&o, inputs, 1, &code);
  cr_assert_not_null(out);
  cr_assert_eq(code, 0, "only a warning is expected:\n%s", out);
  return out;
}

static void expect_location(const char *path, const char *ts) {
  char want_ts[64];
  unsigned frame = status_frame(path, want_ts, sizeof want_ts);
  char *out = lint_json(path);
  const char *fv001 = strstr(out, "{\"rule\":\"FV001\"");
  cr_assert_not_null(fv001, "%s", out);
  char want[512];
  snprintf(want, sizeof want,
           ",\"frame\":%u,\"ts\":\"%s\",\"stream\":0,\"client\":\"[2001:db8::1]:40000\","
           "\"server\":\"[2001:db8::80]:8080\",\"status\":200,\"method\":\"GET\","
           "\"target\":\"/where?q=1\",\"index\":0,\"evidence\":\"200\"",
           frame, ts);
  cr_assert_not_null(strstr(fv001, want), "want %s in:\n%s", want, out);
  /* The time is the packet's, as libpcap reads it (the microsecond form
   * drops the three zero digits). */
  cr_assert(strncmp(ts, want_ts, strlen(ts) - 1) == 0, "%s vs libpcap %s", ts, want_ts);
  cr_assert_not_null(strstr(out, "\n{\"summary\":{\"inputs\":1,"), "%s", out);
  free(out);
}

Test(json, locates_a_response_in_a_microsecond_capture) {
  char path[400];
  snprintf(path, sizeof path, "%s/v6.pcap", dir);
  write_capture(path);
  /* pcapgen: 1700000000 s, +1 ms per packet; frame 6 is the status line
   * (SYN, SYN-ACK, ACK, request, its ACK, then the first response segment). */
  expect_location(path, "2023-11-14T22:13:20.005000Z");
}

Test(json, keeps_nanoseconds_of_a_nanosecond_capture) {
  char usec[400], nsec[400];
  snprintf(usec, sizeof usec, "%s/v6.pcap", dir);
  snprintf(nsec, sizeof nsec, "%s/v6-ns.pcap", dir);
  write_capture(usec);
  to_nanoseconds(usec, nsec, 123);
  expect_location(nsec, "2023-11-14T22:13:20.005000123Z");
}
