/* Gating parts of the library: baselines (fingerprints of real engine
 * findings, the file format, its errors) and --extract (real captures
 * written by pcapgen, read back with libpcap, linted again). */
#include <criterion/criterion.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapgen.h"
#include "tmpdir.h"
#include "report/baseline.h"
#include "resplint/capture.h"
#include "resplint/engine.h"
#include "resplint/error.h"
#include "resplint/http.h"
#include "resplint/run.h"

static void make_tmpdir(void) { rt_tmpdir_make(NULL, "tmp-gating"); }

static void remove_tree(void) { rt_tmpdir_remove(); }

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void spit(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  cr_assert_eq(fclose(f), 0);
}

/* --- a small lint pipeline around the real engine ------------------------ */

typedef struct lint {
  rl_engine *engine;
  const char *rule;        /* findings of this rule are collected */
  rl__baseline *baseline;  /* every finding of `rule` is added when set */
  rl_extract *extract;     /* and asked for when set */
  int found;
  uint64_t streams[512];   /* the stream of each finding of `rule` */
  char fingerprints[8][512];
} lint;

static void on_finding(void *ctx, const rl_finding *f) {
  lint *l = ctx;
  if (strcmp(f->rule->id, l->rule) != 0)
    return;
  const rl_conn *conn = f->x ? f->x->conn : f->conn;
  if (l->found < 512)
    l->streams[l->found] = conn->stream;
  if (l->found < 8) {
    char *fp = rl__baseline_fingerprint(f);
    cr_assert_not_null(fp);
    snprintf(l->fingerprints[l->found], sizeof l->fingerprints[0], "%s", fp);
    free(fp);
  }
  if (l->baseline)
    cr_assert_geq(rl__baseline_add(l->baseline, f), 0);
  if (l->extract) {
    char name[64];
    snprintf(name, sizeof name, "%s-stream%llu-%u.pcap", f->rule->id,
             (unsigned long long)conn->stream, f->x->response->index);
    cr_assert_eq(rl_extract_add(l->extract, conn, f->x->response->last.frame, name), 0);
  }
  l->found++;
}

static void lint_init(lint *l, const char *rule) {
  memset(l, 0, sizeof *l);
  l->rule = rule;
  l->engine = rl_engine_new();
  cr_assert_not_null(l->engine);
  cr_assert_geq(rl_engine_load_catalogue(l->engine, stderr), 100);
  rl_engine_set_sink(l->engine, on_finding, l);
}

/* Lints a capture file through capture -> run -> http -> engine. */
static void lint_capture(lint *l, const char *path) {
  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.sink = rl_engine_http_sink();
  hc.sink_ctx = l->engine;
  hc.source = path;
  rl_http *http = rl_http_new(&hc, &stats);
  cr_assert_not_null(http);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
  rl_run_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.sink = rl_http_stream_sink();
  cfg.sink_ctx = http;
  if (l->extract)
    rl_extract_attach(l->extract, &cfg);
  cr_assert_geq(rl_run(cap, &cfg, &stats, err, sizeof err), 0, "%s", err);
  rl_capture_close(cap);
  rl_http_free(http);
}

static void lint_transcript(lint *l, const char *client, const char *server) {
  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.sink = rl_engine_http_sink();
  hc.sink_ctx = l->engine;
  rl_http *http = rl_http_new(&hc, &stats);
  cr_assert_not_null(http);
  cr_assert_eq(rl_http_run_transcript(http, 0, (const uint8_t *)client, strlen(client),
                                      (const uint8_t *)server, strlen(server),
                                      RL_TRANSCRIPT_FIN),
               0);
  rl_http_free(http);
}

static void lint_free(lint *l) { rl_engine_free(l->engine); }

static int count_records(const char *path, int *linktype) {
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, errbuf);
  cr_assert_not_null(p, "%s: %s", path, errbuf);
  if (linktype)
    *linktype = pcap_datalink(p);
  struct pcap_pkthdr *h;
  const u_char *d;
  int n = 0;
  while (pcap_next_ex(p, &h, &d) == 1)
    n++;
  pcap_close(p);
  return n;
}

/* --- baselines --------------------------------------------------------- */

TestSuite(baseline, .init = make_tmpdir, .fini = remove_tree);

static const char unauthorized[] =
    "HTTP/1.1 401 Unauthorized\r\nDate: Sat, 01 Jan 2000 00:00:00 GMT\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\r\nlog in";

Test(baseline, fingerprint_holds_rule_server_method_target_status) {
  lint l;
  lint_init(&l, "ST030");
  lint_transcript(&l, "DELETE /private/x?y=1 HTTP/1.1\r\nHost: h\r\n\r\n", unauthorized);
  cr_assert_eq(l.found, 1);
  char *tab[5];
  char *fp = l.fingerprints[0];
  for (int i = 0; i < 5; i++) {
    tab[i] = fp;
    char *t = strchr(fp, '\t');
    cr_assert(i == 4 ? t == NULL : t != NULL, "field %d of '%s'", i, l.fingerprints[0]);
    if (t) {
      *t = '\0';
      fp = t + 1;
    }
  }
  cr_assert_str_eq(tab[0], "ST030");
  cr_assert_neq(strchr(tab[1], ':'), NULL, "server is ip:port: %s", tab[1]);
  cr_assert_str_eq(tab[2], "DELETE");
  cr_assert_str_eq(tab[3], "/private/x?y=1");
  cr_assert_str_eq(tab[4], "401");
  lint_free(&l);
}

Test(baseline, unknown_request_is_a_dash) {
  lint l;
  lint_init(&l, "ST030");
  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.sink = rl_engine_http_sink();
  hc.sink_ctx = l.engine;
  rl_http *http = rl_http_new(&hc, &stats);
  cr_assert_eq(rl_http_run_transcript(http, 7, NULL, 0, (const uint8_t *)unauthorized,
                                      strlen(unauthorized), RL_TRANSCRIPT_FIN),
               0);
  rl_http_free(http);
  cr_assert_eq(l.found, 1);
  cr_assert_not_null(strstr(l.fingerprints[0], "\t-\t-\t401"), "%s", l.fingerprints[0]);
  lint_free(&l);
}

Test(baseline, same_traffic_elsewhere_has_the_same_fingerprint) {
  /* The same exchange as stream 0 and as stream 7, at other offsets: frame
   * numbers and stream indexes must not change the fingerprint. */
  lint a, b;
  lint_init(&a, "ST030");
  lint_init(&b, "ST030");
  lint_transcript(&a, "GET /p HTTP/1.1\r\nHost: h\r\n\r\n", unauthorized);
  lint_transcript(&b, "GET /q HTTP/1.1\r\nHost: h\r\n\r\nGET /p HTTP/1.1\r\nHost: h\r\n\r\n",
                  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                  "HTTP/1.1 401 Unauthorized\r\nDate: Sat, 01 Jan 2000 00:00:00 GMT\r\n"
                  "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 6\r\n\r\nlog in");
  cr_assert_eq(a.found, 1);
  cr_assert_eq(b.found, 1);
  cr_assert_str_eq(a.fingerprints[0], b.fingerprints[0]);
  lint_free(&a);
  lint_free(&b);
}

Test(baseline, write_then_load_round_trip) {
  lint l;
  lint_init(&l, "ST030");
  l.baseline = rl__baseline_new();
  lint_transcript(&l, "GET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n",
                  "HTTP/1.1 401 No\r\nContent-Length: 0\r\n\r\n"
                  "HTTP/1.1 401 No\r\nContent-Length: 0\r\n\r\n"
                  "HTTP/1.1 401 No\r\nContent-Length: 0\r\n\r\n");
  cr_assert_eq(l.found, 3);
  /* /b twice is one fingerprint. */
  cr_assert_eq(rl__baseline_count(l.baseline), 2);
  char err[256] = "";
  cr_assert_eq(rl__baseline_write(l.baseline, rt_tmp("b.txt"), err, sizeof err), 0, "%s", err);
  const char *text = slurp(rt_tmp("b.txt"));
  const char *a = strstr(text, "ST030\t"), *lines_a = strstr(text, "\tGET\t/a\t401\n"),
             *lines_b = strstr(text, "\tGET\t/b\t401\n");
  cr_assert(a && lines_a && lines_b && lines_a < lines_b, "sorted:\n%s", text);
  cr_assert_eq(text[0], '#', "a comment says what the file is");

  rl__baseline *again = rl__baseline_new();
  cr_assert_eq(rl__baseline_load(again, rt_tmp("b.txt"), stderr), 2);
  cr_assert_eq(rl__baseline_count(again), 2);
  /* The same findings are known to the loaded set, others are not. */
  lint m;
  lint_init(&m, "ST030");
  m.baseline = again;
  lint_transcript(&m, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n",
                  "HTTP/1.1 401 No\r\nContent-Length: 0\r\n\r\n"
                  "HTTP/1.1 401 No\r\nContent-Length: 0\r\n\r\n");
  cr_assert_eq(rl__baseline_count(again), 3, "only /c was new");
  rl__baseline_free(again);
  rl__baseline_free(l.baseline);
  lint_free(&l);
  lint_free(&m);
}

Test(baseline, malformed_lines_name_file_and_line) {
  spit(rt_tmp("bad.txt"), "# header\nST030\t1.2.3.4:80\tGET\t/\t401\nST030 1.2.3.4:80 GET / 401\n");
  rl__baseline *b = rl__baseline_new();
  char *msg = NULL;
  size_t len = 0;
  FILE *errs = open_memstream(&msg, &len);
  cr_assert_eq(rl__baseline_load(b, rt_tmp("bad.txt"), errs), RL_EINVAL);
  fclose(errs);
  char want[600];
  snprintf(want, sizeof want, "%s:3: error: not a baseline line", rt_tmp("bad.txt"));
  cr_assert_not_null(strstr(msg, want), "%s", msg);
  free(msg);
  spit(rt_tmp("empty-field.txt"), "ST030\t\tGET\t/\t401\n");
  cr_assert_eq(rl__baseline_load(b, rt_tmp("empty-field.txt"), NULL), RL_EINVAL);
  spit(rt_tmp("six.txt"), "ST030\ta\tGET\t/\t401\textra\n");
  cr_assert_eq(rl__baseline_load(b, rt_tmp("six.txt"), NULL), RL_EINVAL);
  cr_assert_eq(rl__baseline_load(b, rt_tmp("missing.txt"), NULL), RL_ENOENT);
  rl__baseline_free(b);
}

Test(baseline, wire_bytes_are_escaped) {
  /* A reason and a target cannot put a tab or newline into the file: the
   * fingerprint of a request whose target holds a backslash escapes it. */
  lint l;
  lint_init(&l, "ST030");
  lint_transcript(&l, "GET /a\\b HTTP/1.1\r\nHost: h\r\n\r\n", unauthorized);
  cr_assert_eq(l.found, 1, "the parser took the target");
  cr_assert_not_null(strstr(l.fingerprints[0], "\t/a\\x5cb\t"), "%s", l.fingerprints[0]);
  lint_free(&l);
}

Test(baseline, free_null_is_a_noop) { rl__baseline_free(NULL); }

/* --- extraction --------------------------------------------------------- */

TestSuite(extract, .init = make_tmpdir, .fini = remove_tree);

static const char get_request[] = "GET /x HTTP/1.1\r\nHost: example\r\n\r\n";
static const char ok_response[] =
    "HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nok\n";
static const char bad_response[] =
    "HTTP/1.1 401 Unauthorized\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 7\r\n\r\nlog in\n";

static void conversation(pg_writer *w, uint16_t cport, uint64_t ts, const char *resp) {
  pg_conv c;
  pg_conv_init(&c, w, "192.0.2.1", cport, "192.0.2.80", 80);
  c.ts_usec = ts;
  /* A reused address pair starts from new sequence numbers, as real
   * stacks do. */
  c.cseq += (uint32_t)(ts / 1000);
  c.sseq += (uint32_t)(ts / 1000) * 3;
  c.mss = 40;
  cr_assert_eq(pg_conv_handshake(&c), 0);
  cr_assert_eq(pg_conv_send(&c, 0, get_request, sizeof get_request - 1), 0);
  cr_assert_eq(pg_conv_send(&c, 1, resp, (uint32_t)strlen(resp)), 0);
  cr_assert_eq(pg_conv_close(&c), 0);
}

/* Extracts every ST030 finding of `path` into `dir`; returns files written. */
static int extract_st030(const char *path, const char *dir, lint *l) {
  lint_init(l, "ST030");
  l->extract = rl_extract_new();
  cr_assert_not_null(l->extract);
  lint_capture(l, path);
  char err[256] = "";
  int n = rl_extract_write(l->extract, path, NULL, dir, err, sizeof err);
  cr_assert_geq(n, 0, "%s", err);
  rl_extract_free(l->extract);
  l->extract = NULL;
  return n;
}

Test(extract, reused_address_pair_takes_only_its_own_conversation) {
  /* Two conversations on the same addresses and ports, one after the
   * other: the finding is in the second, whose file must hold it alone. */
  pg_writer *w = pg_open(rt_tmp("reuse.pcap"), DLT_EN10MB, 65535);
  conversation(w, 40000, 1700000000000000ULL, ok_response);
  conversation(w, 40000, 1700000010000000ULL, bad_response);
  cr_assert_eq(pg_close(w), 0);
  w = pg_open(rt_tmp("second.pcap"), DLT_EN10MB, 65535);
  conversation(w, 40000, 1700000010000000ULL, bad_response);
  cr_assert_eq(pg_close(w), 0);

  lint l;
  int n = extract_st030(rt_tmp("reuse.pcap"), rt_tmp("out"), &l);
  cr_assert_eq(l.found, 1);
  cr_assert_eq(n, 1, "%d files", n);
  cr_assert_eq(l.streams[0], 1, "the second conversation is stream 1");
  lint_free(&l);
  int linktype;
  /* All of the second conversation but what follows the exchange: the
   * client's ACK of the response and the three packets of the close. */
  cr_assert_eq(count_records(rt_tmp("out/ST030-stream1-0.pcap"), &linktype),
               count_records(rt_tmp("second.pcap"), NULL) - 4);
  cr_assert_eq(linktype, DLT_EN10MB);

  lint again;
  lint_init(&again, "ST030");
  lint_capture(&again, rt_tmp("out/ST030-stream1-0.pcap"));
  cr_assert_eq(again.found, 1, "linting the extract reproduces the finding");
  cr_assert_eq(again.streams[0], 0);
  lint_free(&again);
}

Test(extract, ends_with_the_exchange) {
  /* Three exchanges on one connection, the finding on the second: the
   * file stops after it, so the third response is not in it. */
  pg_writer *w = pg_open(rt_tmp("three.pcap"), DLT_EN10MB, 65535);
  pg_conv c;
  pg_conv_init(&c, w, "192.0.2.1", 40001, "192.0.2.80", 80);
  cr_assert_eq(pg_conv_handshake(&c), 0);
  const char *responses[3] = {ok_response, bad_response, ok_response};
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(pg_conv_send(&c, 0, get_request, sizeof get_request - 1), 0);
    cr_assert_eq(pg_conv_send(&c, 1, responses[i], (uint32_t)strlen(responses[i])), 0);
  }
  cr_assert_eq(pg_conv_close(&c), 0);
  cr_assert_eq(pg_close(w), 0);
  lint l;
  cr_assert_eq(extract_st030(rt_tmp("three.pcap"), rt_tmp("out"), &l), 1);
  lint_free(&l);
  /* The handshake (3), the first exchange (request, ACK, response, ACK)
   * and the second up to its response's last byte (request, ACK,
   * response): the client's ACK of it is after the exchange. */
  int got = count_records(rt_tmp("out/ST030-stream0-1.pcap"), NULL);
  cr_assert_eq(got, 3 + 4 + 3, "%d records", got);
  lint again;
  lint_init(&again, "ST030");
  lint_capture(&again, rt_tmp("out/ST030-stream0-1.pcap"));
  cr_assert_eq(again.found, 1);
  lint_free(&again);
}

Test(extract, keeps_ip_fragments_of_the_conversation) {
  pg_writer *w = pg_open(rt_tmp("frag.pcap"), DLT_EN10MB, 65535);
  pg_conv c;
  pg_conv_init(&c, w, "192.0.2.1", 40002, "192.0.2.80", 80);
  cr_assert_eq(pg_conv_handshake(&c), 0);
  cr_assert_eq(pg_conv_send(&c, 0, get_request, sizeof get_request - 1), 0);
  pg_tcp seg;
  memset(&seg, 0, sizeof seg);
  seg.src = "192.0.2.80";
  seg.dst = "192.0.2.1";
  seg.sport = 80;
  seg.dport = 40002;
  seg.seq = c.sseq;
  seg.ack = c.cseq;
  seg.flags = RL_TCP_ACK | RL_TCP_PSH;
  seg.payload = bad_response;
  seg.len = (uint32_t)strlen(bad_response);
  seg.ts_usec = c.ts_usec + 1000;
  int nfrags = pg_write_tcp_fragments(w, &seg, 64, NULL, 0);
  cr_assert_gt(nfrags, 2);
  cr_assert_eq(pg_close(w), 0);
  int total = count_records(rt_tmp("frag.pcap"), NULL);

  lint l;
  cr_assert_eq(extract_st030(rt_tmp("frag.pcap"), rt_tmp("out"), &l), 1);
  cr_assert_eq(l.found, 1);
  lint_free(&l);
  cr_assert_eq(count_records(rt_tmp("out/ST030-stream0-0.pcap"), NULL), total,
               "every fragment of the response is in the file");
  lint again;
  lint_init(&again, "ST030");
  lint_capture(&again, rt_tmp("out/ST030-stream0-0.pcap"));
  cr_assert_eq(again.found, 1);
  lint_free(&again);
}

Test(extract, many_findings_are_written_in_batches) {
  /* More files than one pass keeps open. */
  enum { N = 300 };
  pg_writer *w = pg_open(rt_tmp("many.pcap"), DLT_EN10MB, 65535);
  for (int i = 0; i < N; i++)
    conversation(w, (uint16_t)(20000 + i), 1700000000000000ULL + (uint64_t)i * 20000,
                 bad_response);
  cr_assert_eq(pg_close(w), 0);
  lint l;
  cr_assert_eq(extract_st030(rt_tmp("many.pcap"), rt_tmp("out"), &l), N);
  cr_assert_eq(l.found, N);
  lint_free(&l);
  for (int i = 0; i < N; i += 37) {
    char name[64];
    snprintf(name, sizeof name, "out/ST030-stream%d-0.pcap", i);
    lint again;
    lint_init(&again, "ST030");
    lint_capture(&again, rt_tmp(name));
    cr_assert_eq(again.found, 1, "%s", name);
    lint_free(&again);
  }
}

Test(extract, nothing_asked_writes_nothing) {
  rl_extract *x = rl_extract_new();
  char err[128] = "";
  cr_assert_eq(rl_extract_pending(x), 0);
  cr_assert_eq(rl_extract_write(x, rt_tmp("none.pcap"), NULL, rt_tmp("out"), err, sizeof err), 0);
  rl_extract_free(x);
  rl_extract_free(NULL);
}

Test(extract, unwritable_directory_is_an_error) {
  pg_writer *w = pg_open(rt_tmp("one.pcap"), DLT_EN10MB, 65535);
  conversation(w, 40003, 1700000000000000ULL, bad_response);
  cr_assert_eq(pg_close(w), 0);
  lint l;
  lint_init(&l, "ST030");
  l.extract = rl_extract_new();
  lint_capture(&l, rt_tmp("one.pcap"));
  char err[256] = "";
  cr_assert_eq(rl_extract_write(l.extract, rt_tmp("one.pcap"), NULL, rt_tmp("no/such/dir"), err,
                                sizeof err),
               RL_ENOENT);
  cr_assert_not_null(strstr(err, "cannot create directory"), "%s", err);
  rl_extract_free(l.extract);
  lint_free(&l);
}
