/* Transcript files: NAME.server.http with an optional NAME.client.http
 * sibling run as one connection (fixtures/README.md, "Transcripts"). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/error.h"
#include "resplint/http.h"
#include "speclog.h"

#define TDIR RL_SOURCE_DIR "/tests/http/transcripts"

typedef struct seen {
  sl_buf log;
  const char *source;
  int n;
  int64_t first_sec, last_sec;
  uint64_t frame;
} seen;

static void on_exchange(void *ctx, const rl_exchange *x) {
  seen *s = ctx;
  s->source = x->source;
  s->n++;
  s->first_sec = x->response->first.ts.sec;
  s->last_sec = x->response->last.ts.sec;
  s->frame = x->response->first.frame;
  sl_log_exchange(&s->log, x);
}

static rl_http *stage(seen *s) {
  rl_http_config cfg = {0};
  cfg.sink.exchange = on_exchange;
  cfg.sink_ctx = s;
  rl_http *h = rl_http_new(&cfg, NULL);
  cr_assert_not_null(h);
  return h;
}

Test(transcript, names) {
  cr_expect_eq(rl_http_is_transcript("a/b.server.http"), 1);
  cr_expect_eq(rl_http_is_transcript("b.client.http"), 0);
  cr_expect_eq(rl_http_is_transcript(".server.http"), 0);
  cr_expect_eq(rl_http_is_transcript("x.pcap"), 0);
  cr_expect_eq(rl_http_is_transcript(NULL), 0);
}

Test(transcript, pair_of_files_is_one_connection) {
  seen s = {0};
  rl_http *h = stage(&s);
  const char *path = TDIR "/pipelined.server.http";
  cr_assert_eq(rl_http_run_transcript_file(h, 7, path, RL_TRANSCRIPT_FIN), 0);
  cr_expect_eq(s.n, 2);
  cr_expect_str_eq(s.source, path, "the file name stands in for the location");
  cr_expect_str_eq(
      s.log.s,
      "response #0 \"HTTP/1.1 200 OK\" framing=length cut=none content=5 "
      "wire=43 @0 cl=5 req=paired \"GET /a HTTP/1.1\"\n"
      "  field \"Content-Length\" \"5\" id=Content-Length\n"
      "  body \"hello\"\n"
      "response #1 \"HTTP/1.1 200 OK\" framing=none cut=none content=0 "
      "wire=38 @43 req=paired \"HEAD /b HTTP/1.1\"\n"
      "  field \"Content-Length\" \"5\" id=Content-Length\n");
  sl_free(&s.log);
  rl_http_free(h);
}

Test(transcript, server_file_alone_is_one_sided) {
  seen s = {0};
  rl_http *h = stage(&s);
  cr_assert_eq(rl_http_run_transcript_file(h, 0, TDIR "/one-sided.server.http",
                                           RL_TRANSCRIPT_FIN),
               0);
  cr_expect_eq(s.n, 1);
  cr_expect(strstr(s.log.s, "req=not-captured") != NULL, "%s", s.log.s);
  sl_free(&s.log);
  rl_http_free(h);
}

Test(transcript, errors) {
  seen s = {0};
  rl_http *h = stage(&s);
  cr_expect_eq(rl_http_run_transcript_file(h, 0, TDIR "/missing.server.http",
                                           RL_TRANSCRIPT_FIN),
               RL_ENOENT);
  cr_expect_eq(rl_http_run_transcript_file(h, 0, TDIR "/pipelined.client.http",
                                           RL_TRANSCRIPT_FIN),
               RL_EINVAL);
  cr_expect_eq(rl_http_run_transcript_file(NULL, 0, "x.server.http",
                                           RL_TRANSCRIPT_FIN),
               RL_EINVAL);
  cr_expect_eq(rl_http_run_transcript(h, 0, NULL, 3, NULL, 0, RL_TRANSCRIPT_FIN),
               RL_EINVAL);
  cr_expect_eq(s.n, 0);
  rl_http_free(h);
  rl_http_free(NULL);
}

/* An empty server transcript is a connection without responses. */
Test(transcript, empty_server_bytes) {
  seen s = {0};
  rl_http *h = stage(&s);
  const uint8_t req[] = "GET / HTTP/1.1\r\n\r\n";
  cr_expect_eq(rl_http_run_transcript(h, 0, req, sizeof req - 1, NULL, 0,
                                      RL_TRANSCRIPT_OPEN),
               0);
  cr_expect_eq(s.n, 0);
  rl_http_free(h);
}

/* Checks that compare a response with its capture time need a fixed time. */
Test(transcript, fixed_capture_time) {
  seen s = {0};
  rl_http *h = stage(&s);
  const uint8_t resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  cr_assert_eq(rl_http_run_transcript(h, 3, NULL, 0, resp, sizeof resp - 1,
                                      RL_TRANSCRIPT_FIN),
               0);
  cr_expect_eq(s.n, 1);
  cr_expect_eq(s.first_sec, RL_TRANSCRIPT_TIME);
  cr_expect_eq(s.last_sec, RL_TRANSCRIPT_TIME);
  cr_expect_eq(s.frame, 0);
  sl_free(&s.log);
  rl_http_free(h);
}
