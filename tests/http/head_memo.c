/* The head memo (describe_head in src/http/http.c): a header section that
 * repeats the one described before it gets the scanner's description of its
 * own bytes, whether the memo hits or misses. Each exchange handed out is
 * compared with a fresh rl__scan_head of the same bytes. */
#include <criterion/criterion.h>
#include <string.h>

#include "http/scan.h"
#include "resplint/http.h"

typedef struct seen {
  int exchanges, requests;
  uint32_t nfields[16];
} seen;

/* The engine's view of one message must be the scanner's view of its raw
 * bytes (cut to out->raw_len, capped to the fields handed out). */
static void check_message(const rl_message *m) {
  rl_message fresh;
  memset(&fresh, 0, sizeof fresh);
  fresh.raw = m->raw;
  fresh.raw_len = m->raw_len;
  fresh.is_response = m->is_response;
  fresh.status_code = -1;
  rl__fieldvec fv = {0};
  cr_assert_geq(rl__scan_head(&fresh, &fv), 0);
  cr_assert_leq(m->nfields, fv.n);
  cr_assert_eq(memcmp(m->fields, fv.v, m->nfields * sizeof *fv.v), 0);
  cr_assert_eq(memcmp(&m->start_line, &fresh.start_line, sizeof m->start_line), 0);
  cr_assert_eq(memcmp(&m->version, &fresh.version, sizeof m->version), 0);
  cr_assert_eq(memcmp(&m->status, &fresh.status, sizeof m->status), 0);
  cr_assert_eq(memcmp(&m->reason, &fresh.reason, sizeof m->reason), 0);
  cr_assert_eq(memcmp(&m->method, &fresh.method, sizeof m->method), 0);
  cr_assert_eq(memcmp(&m->target, &fresh.target, sizeof m->target), 0);
  cr_assert_eq(m->start_eol, fresh.start_eol);
  cr_assert_eq(m->status_code, fresh.status_code);
  rl__fieldvec_free(&fv);
}

static void on_exchange(void *ctx, const rl_exchange *x) {
  seen *s = ctx;
  check_message(x->response);
  if (x->request != NULL) {
    check_message(x->request);
    s->requests++;
  }
  if (s->exchanges < 16)
    s->nfields[s->exchanges] = x->response->nfields;
  s->exchanges++;
}

static seen run(const char *client, const char *server, uint32_t max_fields) {
  seen s = {0};
  rl_http_config cfg = {0};
  cfg.sink.exchange = on_exchange;
  cfg.sink_ctx = &s;
  cfg.max_fields = max_fields;
  rl_http *h = rl_http_new(&cfg, NULL);
  cr_assert_not_null(h);
  cr_assert_eq(rl_http_run_transcript(h, 1, (const uint8_t *)client, strlen(client),
                                      (const uint8_t *)server, strlen(server),
                                      RL_TRANSCRIPT_FIN),
               0);
  rl_http_free(h);
  return s;
}

#define GET "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
#define R1 "HTTP/1.1 204 No Content\r\nServer: x\r\nDate: 1\r\nEtag: \"a\"\r\n\r\n"
/* R1's length, one oddity apart: whitespace before a colon. */
#define R2 "HTTP/1.1 204 No Content\r\nServer: x\r\nDate :1\r\nEtag: \"a\"\r\n\r\n"
/* An obs-fold, then a bare-LF line. */
#define R3 "HTTP/1.1 204 No Content\r\nServer: x\r\n  y\r\nDate: 1\n\r\n"

Test(head_memo, repeats_and_near_repeats_are_described_from_their_own_bytes) {
  seen s = run(GET GET GET GET GET GET GET, R1 R1 R2 R1 R3 R3 R1, 0);
  cr_assert_eq(s.exchanges, 7);
  cr_assert_eq(s.requests, 7);
  cr_assert_eq(s.nfields[0], 3);
  cr_assert_eq(s.nfields[4], 2);
}

/* The field-count cap shortens the description handed out; the memo must
 * still hold the whole one for the next repeat (and cap it again). */
Test(head_memo, the_field_cap_applies_to_every_repeat) {
  seen s = run(GET GET GET, R1 R1 R1, 2);
  cr_assert_eq(s.exchanges, 3);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(s.nfields[i], 2, "exchange %d", i);
}
