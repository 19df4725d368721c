/* Stream numbering against the real thing: a capture file with port reuse,
 * retransmitted SYNs, resets, mid-stream starts and IPv6 is read through the
 * capture, decode and flow stages, and every TCP frame's stream index is
 * compared with tshark's tcp.stream. Skipped when tshark is not installed. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"
#include "pcapgen.h"
#include "resplint/capture.h"
#include "resplint/decode.h"

#define MAXF 256

typedef struct script {
  pg_writer *w;
  uint64_t ts;
} script;

static void pkt(script *s, const char *src, uint16_t sport, const char *dst,
                uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
                const char *payload) {
  pg_tcp t;
  memset(&t, 0, sizeof t);
  t.src = src;
  t.dst = dst;
  t.sport = sport;
  t.dport = dport;
  t.flags = flags;
  t.seq = seq;
  t.ack = ack;
  t.payload = payload;
  t.len = payload ? (uint32_t)strlen(payload) : 0;
  t.ts_usec = s->ts += 1000;
  cr_assert_eq(pg_write_tcp(s->w, &t), 0);
}

enum { S = RL_TCP_SYN, A = RL_TCP_ACK, F = RL_TCP_FIN, R = RL_TCP_RST, P = RL_TCP_PSH };

/* A full exchange on client:cport -> server:80 with client ISN `isn`. */
static void exchange(script *s, const char *c, uint16_t cport, const char *sv,
                     uint32_t isn) {
  pkt(s, c, cport, sv, 80, S, isn, 0, NULL);
  pkt(s, sv, 80, c, cport, S | A, 9000, isn + 1, NULL);
  pkt(s, c, cport, sv, 80, A | P, isn + 1, 9001, "GET / HTTP/1.1\r\n\r\n");
  pkt(s, sv, 80, c, cport, A | P, 9001, isn + 19, "HTTP/1.1 204 No Content\r\n\r\n");
  pkt(s, sv, 80, c, cport, A | F, 9028, isn + 19, NULL);
  pkt(s, c, cport, sv, 80, A | F, isn + 19, 9029, NULL);
  pkt(s, sv, 80, c, cport, A, 9029, isn + 20, NULL);
}

static void write_capture(const char *path) {
  script s = {pg_open(path, DLT_EN10MB, 65535), 1700000000ull * 1000000};
  cr_assert_not_null(s.w);
  const char *c = "10.0.0.1", *sv = "10.0.0.2";
  exchange(&s, c, 40000, sv, 1000);                  /* stream 0 */
  pkt(&s, c, 40000, sv, 80, S, 1000, 0, NULL);       /* SYN again, same ISN */
  exchange(&s, c, 40000, sv, 777777);                /* port reuse */
  pkt(&s, c, 22222, sv, 22, A, 5, 6, NULL);          /* mid-stream, not HTTP */
  pkt(&s, sv, 22, c, 22222, A | P, 6, 5, "SSH-2.0-x\r\n");
  pkt(&s, c, 41000, sv, 80, S, 100, 0, NULL);        /* refused */
  pkt(&s, sv, 80, c, 41000, R | A, 0, 101, NULL);
  pkt(&s, c, 41000, sv, 80, S, 5000, 0, NULL);       /* retried */
  pkt(&s, sv, 80, c, 41000, S | A, 7000, 5001, NULL);
  exchange(&s, "2001:db8::1", 50000, "2001:db8::2", 3); /* IPv6 */
  pkt(&s, c, 42000, sv, 80, S, 10, 0, NULL);         /* SYN, then ... */
  pkt(&s, c, 42000, sv, 80, S, 10, 0, NULL);         /* ... retransmitted */
  pkt(&s, sv, 80, c, 42000, S | A, 20, 11, NULL);
  pkt(&s, c, 42000, sv, 80, A, 11, 21, "GET /x HTTP/1.1\r\n\r\n");
  exchange(&s, c, 40000, sv, 1000);                  /* reuse with the first ISN */
  pkt(&s, c, 43000, sv, 80, S, 50, 0, NULL);         /* open, no FIN or RST */
  pkt(&s, sv, 80, c, 43000, S | A, 60, 51, NULL);
  pkt(&s, c, 43000, sv, 80, A, 51, 61, "GET /y HTTP/1.1\r\n\r\n");
  pkt(&s, c, 43000, sv, 80, S, 99999, 0, NULL);      /* a new ISN meanwhile */
  pkt(&s, c, 43000, sv, 80, A, 70, 61, "GET /z HTTP/1.1\r\n\r\n");
  pkt(&s, c, 44000, sv, 80, A, 500, 1, "GET / HTTP/1.1\r\n\r\n"); /* mid-stream */
  pkt(&s, c, 44000, sv, 80, S, 499, 0, NULL);        /* SYN at base: same */
  pkt(&s, c, 44000, sv, 80, S, 500, 0, NULL);        /* SYN at first seq */
  pkt(&s, sv, 80, c, 45000, A, 800, 1, "HTTP/1.1 200 OK\r\n"); /* server first */
  pkt(&s, c, 45000, sv, 80, S, 1234, 0, NULL);       /* client side had no base */
  pkt(&s, c, 45000, sv, 80, S, 1235, 0, NULL);
  pkt(&s, c, 46000, sv, 80, A, 900, 1, NULL);        /* pure ACK first */
  pkt(&s, c, 46000, sv, 80, S, 899, 0, NULL);
  pkt(&s, sv, 80, c, 47000, A, 800, 1235, "HTTP/1.1 200 OK\r\n"); /* base from ACK */
  pkt(&s, c, 47000, sv, 80, S, 1234, 0, NULL);
  pkt(&s, sv, 80, c, 48000, A, 800, 1235, "HTTP/1.1 200 OK\r\n");
  pkt(&s, c, 48000, sv, 80, S, 1235, 0, NULL);
  pkt(&s, sv, 80, c, 49000, P, 800, 1235, "HTTP/1.1 200 OK\r\n"); /* no ACK flag */
  pkt(&s, c, 49000, sv, 80, S, 1234, 0, NULL);
  /* Stray timestamps (as in a fuzzed capture): one segment 18 hours early,
   * one 2 years late; Wireshark keeps the conversation whole. */
  uint64_t now = s.ts;
  pkt(&s, c, 50000, sv, 80, S, 300, 0, NULL);
  s.ts = now - 65536ull * 1000000;
  pkt(&s, sv, 80, c, 50000, S | A, 400, 301, NULL);
  s.ts = now + 70000000ull * 1000000;
  pkt(&s, c, 50000, sv, 80, A, 301, 401, NULL);
  s.ts = now + 2000;
  pkt(&s, c, 50000, sv, 80, A, 301, 401, "GET / HTTP/1.1\r\n\r\n");
  pkt(&s, c, 51000, sv, 80, S, 10, 0, NULL); /* SYN, RST, same SYN */
  pkt(&s, sv, 80, c, 51000, A, 77, 999, NULL);
  pkt(&s, c, 51000, sv, 80, R, 999, 0, NULL);
  pkt(&s, c, 51000, sv, 80, S, 10, 0, NULL);
  pkt(&s, sv, 80, c, 51000, S | A, 20, 11, NULL);
  pkt(&s, c, 51000, sv, 80, A, 11, 21, "GET / HTTP/1.1\r\n\r\n");
  cr_assert_eq(pg_close(s.w), 0);
}

/* Our stream index per frame, -1 for frames that are not TCP. */
static int read_ours(const char *path, int64_t *ours) {
  char err[256];
  rl_capture *cap = NULL;
  cr_assert_eq(rl_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
  rl_decoder *dec = rl_decoder_new(NULL);
  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  rl_flow_config cfg;
  memset(&cfg, 0, sizeof cfg);
  rl_flow_table *ft = rl_flow_table_new(&cfg, &stats);
  rl_packet p;
  int n = 0;
  while (rl_capture_next(cap, &p, err, sizeof err) == 1 && n < MAXF) {
    rl_segment seg;
    ours[n] = -1;
    if (rl_decode(dec, &p, &seg, &stats) == RL_DECODE_TCP) {
      rl_pktref at = {p.frame, p.ts};
      rl_flow_table_segment(ft, &seg, &at);
      ours[n] = rl__flow_table_last_stream(ft);
    }
    n++;
  }
  rl_flow_table_free(ft);
  rl_decoder_free(dec);
  rl_capture_close(cap);
  return n;
}

static int read_tshark(const char *path, int64_t *theirs) {
  char cmd[512];
  snprintf(cmd, sizeof cmd,
           "tshark -n -r '%s' -T fields -e frame.number -e tcp.stream 2>/dev/null",
           path);
  FILE *f = popen(cmd, "r");
  cr_assert_not_null(f);
  int n = 0;
  long frame;
  char line[128];
  while (fgets(line, sizeof line, f) && n < MAXF) {
    char *tab = strchr(line, '\t');
    frame = strtol(line, NULL, 10);
    cr_assert_eq(frame, n + 1);
    theirs[n++] = tab && tab[1] != '\n' ? strtol(tab + 1, NULL, 10) : -1;
  }
  cr_assert_eq(pclose(f), 0);
  return n;
}

Test(wireshark, stream_numbers_match_tcp_stream) {
  if (system("tshark --version >/dev/null 2>&1") != 0) {
    cr_skip_test("tshark is not installed");
  }
  const char *path = RL_BINARY_DIR "/tests/flow_tcp_stream.pcap";
  write_capture(path);
  int64_t ours[MAXF], theirs[MAXF];
  int n = read_ours(path, ours);
  int m = read_tshark(path, theirs);
  cr_assert_eq(n, m, "frame counts differ: %d vs %d", n, m);
  cr_assert_eq(n, 68);
  for (int i = 0; i < n; i++) {
    cr_expect_eq(ours[i], theirs[i], "frame %d: ours %lld, tshark %lld", i + 1,
                 (long long)ours[i], (long long)theirs[i]);
  }
  if (getenv("RL_KEEP_PCAP") == NULL) {
    remove(path);
  }
}
