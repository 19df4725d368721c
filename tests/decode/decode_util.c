/* Helpers for the decode tests (see decode_util.h). */
#include "decode_util.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *dt_path(char *buf, size_t len, const char *name) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/decode-tmp", RL_BINARY_DIR);
  mkdir(dir, 0777);
  snprintf(buf, len, "%s/%ld-%s", dir, (long)getpid(), name);
  return buf;
}

int dt_decode_file(const char *path, const rl_decode_limits *limits,
                   dt_run *run) {
  memset(run, 0, sizeof *run);
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  if (!p)
    return -1;
  run->linktype = pcap_datalink(p);
  rl_decoder *dec = rl_decoder_new(limits);
  struct pcap_pkthdr *h;
  const u_char *d;
  while (run->n < DT_MAX && pcap_next_ex(p, &h, &d) == 1) {
    rl_packet pkt = {d, h->caplen, h->len, {h->ts.tv_sec, (uint32_t)h->ts.tv_usec * 1000u},
                     (uint64_t)run->n + 1, run->linktype};
    int i = run->n++;
    run->stats.packets++;
    run->results[i] = rl_decode(dec, &pkt, &run->segs[i], &run->stats);
    if (run->results[i] == RL_DECODE_TCP && run->segs[i].payload_len) {
      run->payloads[i] = malloc(run->segs[i].payload_len);
      memcpy(run->payloads[i], run->segs[i].payload, run->segs[i].payload_len);
    }
    run->segs[i].payload = run->payloads[i];
  }
  rl_decoder_free(dec);
  pcap_close(p);
  return run->n;
}

void dt_run_free(dt_run *run) {
  for (int i = 0; i < run->n; i++)
    free(run->payloads[i]);
  memset(run, 0, sizeof *run);
}

int dt_tcp_index(const dt_run *run, int k) {
  for (int i = 0; i < run->n; i++)
    if (run->results[i] == RL_DECODE_TCP && k-- == 0)
      return i;
  return -1;
}

int dt_tcp_count(const dt_run *run) {
  int n = 0;
  for (int i = 0; i < run->n; i++)
    n += run->results[i] == RL_DECODE_TCP;
  return n;
}

int dt_seg_equal(const dt_run *ra, int a, const dt_run *rb, int b) {
  const rl_segment *x = &ra->segs[a], *y = &rb->segs[b];
  if (memcmp(&x->src, &y->src, sizeof x->src) ||
      memcmp(&x->dst, &y->dst, sizeof x->dst) || x->seq != y->seq ||
      x->ack != y->ack || x->flags != y->flags || x->window != y->window ||
      x->payload_len != y->payload_len ||
      x->payload_missing != y->payload_missing)
    return 0;
  return x->payload_len == 0 ||
         memcmp(ra->payloads[a], rb->payloads[b], x->payload_len) == 0;
}

int dt_one(const char *name, int dlt, const pg_tcp *seg, dt_run *run) {
  char path[1200];
  dt_path(path, sizeof path, name);
  pg_writer *w = pg_open(path, dlt, 262144);
  if (!w || pg_write_tcp(w, seg) < 0 || pg_close(w) < 0)
    return -1;
  return dt_decode_file(path, NULL, run);
}

int dt_frame(const char *name, int dlt, const void *frame, uint32_t caplen,
             uint32_t wirelen, dt_run *run) {
  char path[1200];
  dt_path(path, sizeof path, name);
  pg_writer *w = pg_open(path, dlt, 262144);
  if (!w || pg_write_raw(w, frame, caplen, wirelen < caplen ? caplen : wirelen,
                         1700000000ull * 1000000ull) < 0 ||
      pg_close(w) < 0)
    return -1;
  return dt_decode_file(path, NULL, run);
}

static void expect_addr(const rl_endpoint *ep, const char *text, uint16_t port) {
  uint8_t want[16] = {0};
  int v6 = strchr(text, ':') != NULL;
  cr_assert_eq(inet_pton(v6 ? AF_INET6 : AF_INET, text, want), 1);
  cr_expect_eq(ep->ipver, v6 ? 6 : 4, "ipver %d", ep->ipver);
  cr_expect_arr_eq(ep->addr, want, 16, "address of %s", text);
  cr_expect_eq(ep->port, port, "port %u, want %u", ep->port, port);
}

void dt_expect_seg(const dt_run *run, int i, const pg_tcp *seg) {
  cr_assert_lt(i, run->n, "packet %d not read (%d packets)", i, run->n);
  cr_assert_eq(run->results[i], RL_DECODE_TCP, "packet %d decoded to %d", i,
               run->results[i]);
  const rl_segment *s = &run->segs[i];
  expect_addr(&s->src, seg->src, seg->sport);
  expect_addr(&s->dst, seg->dst, seg->dport);
  cr_expect_eq(s->seq, seg->seq);
  cr_expect_eq(s->ack, seg->ack);
  cr_expect_eq(s->flags, seg->flags);
  cr_expect_eq(s->window, seg->window ? seg->window : 65535);
  cr_expect_eq(s->payload_missing, 0);
  cr_assert_eq(s->payload_len, seg->len, "payload %u bytes, want %u",
               s->payload_len, seg->len);
  if (seg->len)
    cr_expect_arr_eq(s->payload, seg->payload, seg->len);
}

pg_tcp dt_sample(int v6) {
  static const char status[] = "HTTP/1.1 204 No Content\r\n\r\n";
  pg_tcp s;
  memset(&s, 0, sizeof s);
  s.src = v6 ? "2001:db8::80" : "192.0.2.80";
  s.dst = v6 ? "2001:db8:1::1234" : "198.51.100.7";
  s.sport = 80;
  s.dport = 49152;
  s.seq = 0x01020304;
  s.ack = 0xfffffff0;
  s.flags = RL_TCP_ACK | RL_TCP_PSH;
  s.window = 29200;
  s.payload = status;
  s.len = sizeof status - 1;
  s.ts_usec = 1700000000ull * 1000000ull;
  return s;
}
