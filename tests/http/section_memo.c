/* The section memo's llhttp half (restore_head in src/http/dir.c): a header
 * section that repeats one a fresh parser already parsed is not parsed
 * again; llhttp's state at its end is restored. Every test runs with
 * RESPLINT_VERIFY_SCAN=1, so llhttp is run anyway and any difference from
 * the restored state aborts the test; the exchanges must also be what the
 * messages say (framing, content, pairing), whatever follows the section. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"
#include "resplint/http.h"

typedef struct got {
  int n;
  rl_framing framing[8];
  uint64_t content[8];
  uint32_t chunks[8];
  int status[8];
  int paired[8];
  uint64_t restored, ended;
} got;

static void on_exchange(void *ctx, const rl_exchange *x) {
  got *g = ctx;
  if (g->n < 8) {
    g->framing[g->n] = x->response->framing;
    g->content[g->n] = x->response->content_bytes;
    g->chunks[g->n] = x->response->chunk_count;
    g->status[g->n] = x->response->status_code;
    g->paired[g->n] = x->request != NULL;
  }
  g->n++;
}

static got run(const char *client, const char *server) {
  got g = {0};
  setenv("RESPLINT_VERIFY_SCAN", "1", 1);
  rl_http_config cfg = {0};
  cfg.sink.exchange = on_exchange;
  cfg.sink_ctx = &g;
  rl_http *h = rl_http_new(&cfg, NULL);
  unsetenv("RESPLINT_VERIFY_SCAN");
  cr_assert_not_null(h);
  cr_assert_eq(rl_http_run_transcript(h, 1, (const uint8_t *)client, strlen(client),
                                      (const uint8_t *)server, strlen(server),
                                      RL_TRANSCRIPT_FIN),
               0);
  g.restored = h->n_restored;
  g.ended = h->n_ended;
  rl_http_free(h);
  return g;
}

#define GET "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
#define HEAD "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
#define POST "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
#define LEN_HEAD "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n\r\n"
#define CHUNKED "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

Test(section_memo, repeats_are_restored_and_read_their_own_content) {
  got g = run(GET GET GET, LEN_HEAD "hello" LEN_HEAD "hello" LEN_HEAD "hello");
  cr_assert_eq(g.n, 3);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(g.framing[i], RL_FRAMING_LENGTH, "exchange %d", i);
    cr_assert_eq(g.content[i], 5, "exchange %d", i);
    cr_assert(g.paired[i], "exchange %d", i);
  }
  cr_assert_eq(g.restored, 4); /* two requests, two responses */
}

/* The same section answers a HEAD (no content) and then a GET: what
 * follows it is decided after the restore, from the request. */
Test(section_memo, the_request_still_decides_the_framing) {
  got g = run(HEAD GET HEAD, LEN_HEAD LEN_HEAD "hello" LEN_HEAD);
  cr_assert_eq(g.n, 3);
  cr_assert_eq(g.framing[0], RL_FRAMING_NONE);
  cr_assert_eq(g.framing[1], RL_FRAMING_LENGTH);
  cr_assert_eq(g.content[1], 5);
  cr_assert_eq(g.framing[2], RL_FRAMING_NONE);
  cr_assert_eq(g.content[2], 0);
}

Test(section_memo, chunked_content_and_request_bodies_after_a_restore) {
  got g = run(POST POST GET,
              CHUNKED "3\r\nabc\r\n0\r\n\r\n" CHUNKED "2\r\nab\r\n1\r\nc\r\n0\r\n\r\n"
              CHUNKED "0\r\n\r\n");
  cr_assert_eq(g.n, 3);
  cr_assert_eq(g.content[0], 3);
  cr_assert_eq(g.chunks[0], 1);
  cr_assert_eq(g.content[1], 3);
  cr_assert_eq(g.chunks[1], 2);
  cr_assert_eq(g.content[2], 0);
  for (int i = 0; i < 3; i++)
    cr_assert(g.paired[i], "exchange %d", i);
  cr_assert_eq(g.restored, 3);
}

/* A section that begins like a remembered one but goes on differently is
 * parsed, not restored. */
Test(section_memo, a_longer_section_with_the_same_start_is_parsed) {
  got g = run(GET GET,
              "HTTP/1.1 204 No Content\r\nA: 1\r\n\r\n"
              "HTTP/1.1 204 No Content\r\nA: 1\r\nB: 2\r\n\r\n");
  cr_assert_eq(g.n, 2);
  cr_assert_eq(g.status[1], 204);
  cr_assert_eq(g.restored, 1); /* the second request only */
}

/* After a restored section, content framed by Content-Length that is all
 * there goes to on_body and the message ends without llhttp (after_head in
 * dir.c), once llhttp was seen doing just that from the same state; a
 * request without content ends at once. */
Test(section_memo, content_of_a_known_length_ends_the_message_without_llhttp) {
  got g = run(POST POST GET GET, LEN_HEAD "hello" LEN_HEAD "hello" LEN_HEAD
              "hello" LEN_HEAD "hello");
  cr_assert_eq(g.n, 4);
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(g.framing[i], RL_FRAMING_LENGTH, "exchange %d", i);
    cr_assert_eq(g.content[i], 5, "exchange %d", i);
    cr_assert(g.paired[i], "exchange %d", i);
  }
  cr_assert_eq(g.restored, 5); /* a POST, a GET, three responses */
  cr_assert_eq(g.ended, 5);    /* each of them */
}

/* Content cut short is left to llhttp, which counts what there is. */
Test(section_memo, content_cut_short_is_left_to_llhttp) {
  got g = run(GET GET, LEN_HEAD "hello" LEN_HEAD "hel");
  cr_assert_eq(g.n, 2);
  cr_assert_eq(g.content[1], 3);
  cr_assert_eq(g.ended, 1); /* the second request */
}
