/* The shortcuts that take a packet whole (a server's SEEK skipping to the
 * next line start holding 'H' or 'h', content counted without running
 * llhttp: src/http/dir.c) with the stream cut into packets of every size
 * from 1 byte up. Every run sets RESPLINT_VERIFY_SCAN=1, so each shortcut
 * is redone the long way (the byte loop, llhttp) and any difference aborts
 * the test. Content cut anywhere must also give the exchanges it gives
 * whole (a SEEK need not: a segment start counts as a line start). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/http.h"

typedef struct seen {
  char log[8192];
  size_t len;
} seen;

static void add(seen *s, const char *text, size_t n) {
  if (n < sizeof s->log - s->len) {
    memcpy(s->log + s->len, text, n);
    s->len += n;
  }
}

static void on_exchange(void *ctx, const rl_exchange *x) {
  seen *s = ctx;
  const rl_message *r = x->response;
  char line[256];
  int n = snprintf(line, sizeof line,
                   "exchange status %d content %llu wire %llu chunks %u prefix %u "
                   "forbidden %llu events %u cut %d: ",
                   r->status_code, (unsigned long long)r->content_bytes,
                   (unsigned long long)r->wire_bytes, (unsigned)r->chunk_count,
                   (unsigned)r->content_prefix_len, (unsigned long long)r->forbidden_bytes,
                   (unsigned)r->nevents, (int)r->cut);
  add(s, line, (size_t)n);
  add(s, (const char *)r->content_prefix, r->content_prefix_len);
  add(s, "\n", 1);
}

static void on_note(void *ctx, const rl_conn *conn, rl_dir dir, rl_event_kind kind,
                    uint64_t offset, const rl_pktref *at, const char *detail) {
  seen *s = ctx;
  (void)conn;
  (void)at;
  char line[256];
  int n = snprintf(line, sizeof line, "note dir %d kind %d offset %llu: %s\n", (int)dir,
                   (int)kind, (unsigned long long)offset, detail ? detail : "");
  add(s, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* The server's bytes in packets of `k` bytes (all at once for k == 0), the
 * client's whole before them; `syn`: the connection's start was seen. */
static seen run(const char *client, const char *server, size_t k, int syn) {
  seen s = {0};
  setenv("RESPLINT_VERIFY_SCAN", "1", 1);
  rl_http_config cfg = {0};
  cfg.sink.exchange = on_exchange;
  cfg.sink.note = on_note;
  cfg.sink_ctx = &s;
  rl_http *h = rl_http_new(&cfg, NULL);
  unsetenv("RESPLINT_VERIFY_SCAN");
  cr_assert_not_null(h);
  rl_conn conn = {0};
  conn.saw_syn = (uint8_t)syn;
  rl_pktref at = {0, {1, 0}};
  rl_stream_sink sk = rl_http_stream_sink();
  sk.open(h, &conn, &at);
  size_t cl = strlen(client), sl = strlen(server);
  if (cl > 0)
    sk.data(h, &conn, RL_DIR_TO_SERVER, (const uint8_t *)client, cl, 0, &at);
  for (size_t off = 0; off < sl;) {
    size_t n = k == 0 || sl - off < k ? sl - off : k;
    at.frame++;
    sk.data(h, &conn, RL_DIR_TO_CLIENT, (const uint8_t *)server + off, n, off, &at);
    off += n;
  }
  sk.end(h, &conn, RL_DIR_TO_CLIENT, RL_END_FIN, &at);
  sk.close(h, &conn);
  rl_http_free(h);
  s.log[s.len < sizeof s.log ? s.len : sizeof s.log - 1] = '\0';
  return s;
}

static void same_however_cut(const char *client, const char *server, int syn) {
  seen whole = run(client, server, 0, syn);
  cr_assert(whole.len > 0);
  for (size_t k = 1; k <= strlen(server); k++) {
    seen cut = run(client, server, k, syn);
    cr_assert_str_eq(cut.log, whole.log, "packets of %zu bytes:\n%s\nwhole:\n%s", k,
                     cut.log, whole.log);
  }
}

/* Verified at every cut (an abort fails the test). */
static void verified_however_cut(const char *client, const char *server, int syn) {
  for (size_t k = 0; k <= strlen(server); k++)
    cr_assert(run(client, server, k, syn).len > 0, "packets of %zu bytes", k);
}

#define GET "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
#define LEN_RESP "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" \
                 "0123456789abcdefghij0123456789abcdefghij"

Test(split_packets, content_length_content) {
  same_however_cut(GET GET, LEN_RESP LEN_RESP, 1);
  verified_however_cut(GET GET, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"
                                "0123456789abcdefghijHTTP/1.1 200\r\nhttp/1." LEN_RESP, 1);
}

Test(split_packets, chunk_data) {
  same_however_cut(GET, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                        "5;x=y\r\n01234\r\n0\r\n\r\n", 1);
  verified_however_cut(GET, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n"
                            "5;x=y\r\nHTTP/\r\n0\r\n\r\n", 1);
}

/* Bytes that are not HTTP before the first response, with line ends of
 * every kind (bare CR included) and 'H' and 'h' in and out of line starts. */
Test(split_packets, seek_before_the_first_response) {
  verified_however_cut(GET, "SSH-2.0-x\r\nHello\rhTTP/1.0 x\n\nHTTP/1.\r\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1);
  verified_however_cut(GET, "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1);
  verified_however_cut(GET, "\r\r\n\rxHhHTTP/1.1\nHTTP/1.1 204 No\r\n\r\n", 1);
  verified_however_cut(GET, "junk without any line end at all, H h HTTP/1.1", 1);
}

/* A capture that starts mid-stream, a response with content it may not
 * have, content after it, and a resynchronisation after a parse error. */
Test(split_packets, seek_mid_stream_and_after_errors) {
  verified_however_cut("", "ody of something\r\nHTML\nhttp/1.1 200 OK\r\n"
                           "Content-Length: 3\r\n\r\nabcHTTP/1.1 304 Not Modified\r\n\r\n"
                           "extra\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", 0);
  verified_however_cut(GET GET, "HTTP/1.1 2x0 Bad\r\nA: b\r\n\r\nzzz\r\nH\r\nHTTP/1.1 200 OK\r\n"
                                "Content-Length: 2\r\n\r\nok", 1);
}
