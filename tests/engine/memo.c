/* The exact verdict memo (src/engine/memo.h): a repeat of an exchange is a
 * hit, any single difference in what judging reads is a miss, and a replay
 * gives the very findings and counters that judging gives. The whole
 * catalogue judges hand-built messages (build.h); each test runs in its
 * own process, so the environment variables that switch the memo stay local
 * to it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/memo.h"
#include "resplint/engine.h"

#include "build.h"

/* --- exchanges -------------------------------------------------------------- */

typedef struct ex {
  built resp, req;
  rl_exchange x;
} ex;

/* 2026-11-22T04:00:00Z, the Date of RESP. */
#define RESP_TIME 1795320000

static const char *RESP =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Sun, 22 Nov 2026 04:00:00 GMT\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 12\r\n"
    "Last-Modified: Sun, 22 Nov 2026 03:00:00 GMT\r\n"
    "Connection: keep-alive\r\n"
    "ETag: \"6a1b-c\"\r\n"
    "Accept-Ranges: bytes\r\n"
    "\r\n";

static const char *REQ = "GET /a.txt HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n";

/* An exchange of `resp` (answering `req`, or with the request not captured
 * when NULL) at stream offset `off`, captured at second `sec`. */
static void make(ex *e, const char *resp, const char *req, uint64_t off,
                 int64_t sec) {
  build(&e->resp, resp, 1);
  e->resp.m.framing = RL_FRAMING_LENGTH;
  e->resp.m.stream_offset = off;
  e->resp.m.first.frame = off + 1;
  e->resp.m.first.ts.sec = sec;
  e->resp.m.first.ts.nsec = 5;
  e->resp.m.content_length_declared = 12;
  e->resp.m.content_bytes = 12;
  e->resp.m.wire_bytes = strlen(resp) + 12;
  memset(&e->x, 0, sizeof e->x);
  e->x.response = &e->resp.m;
  if (req) {
    build(&e->req, req, 0);
    e->req.m.framing = RL_FRAMING_LENGTH;
    e->req.m.stream_offset = off / 2;
    e->x.request = &e->req.m;
    e->x.request_state = RL_REQ_PAIRED;
  } else {
    e->x.request_state = RL_REQ_NOT_CAPTURED;
  }
}

/* --- findings ---------------------------------------------------------------- */

typedef struct seen {
  char id[16];
  char message[512];
  uint64_t offset, frame;
  long ev_in_raw; /* evidence offset inside the response's raw, -1 if not */
  size_t ev_len;
  char ev[128];
  int has_ev;
} seen;

typedef struct got {
  int n;
  seen f[64];
} got;

static void collect(void *ctx, const rl_finding *f) {
  got *g = ctx;
  cr_assert_lt(g->n, 64);
  seen *s = &g->f[g->n++];
  memset(s, 0, sizeof *s);
  snprintf(s->id, sizeof s->id, "%s", f->rule->id);
  snprintf(s->message, sizeof s->message, "%s", f->message);
  s->offset = f->offset;
  s->frame = f->at.frame;
  s->has_ev = f->evidence != NULL;
  s->ev_len = f->evidence_len;
  s->ev_in_raw = -1;
  if (f->evidence) {
    const rl_message *r = f->x->response;
    uintptr_t p = (uintptr_t)f->evidence, b = (uintptr_t)r->raw;
    if (p >= b && p - b <= r->raw_len) s->ev_in_raw = (long)(p - b);
    memcpy(s->ev, f->evidence, f->evidence_len < sizeof s->ev ? f->evidence_len
                                                                : sizeof s->ev);
  }
}

static rl_engine *catalogue_engine(int memo, int verify, got *g) {
  if (memo)
    unsetenv("RESPLINT_NO_MEMO");
  else
    setenv("RESPLINT_NO_MEMO", "1", 1);
  if (verify)
    setenv("RESPLINT_VERIFY_MEMO", "1", 1);
  else
    unsetenv("RESPLINT_VERIFY_MEMO");
  rl_engine *e = rl_engine_new();
  cr_assert_not_null(e);
  cr_assert_gt(rl_engine_load_catalogue(e, stderr), 100);
  memset(g, 0, sizeof *g);
  rl_engine_set_sink(e, collect, g);
  return e;
}

static void stats(const rl_engine *e, uint64_t *hits, uint64_t *misses) {
  uint64_t skipped;
  rl__engine_memo_stats(e, hits, misses, &skipped);
}

static void same_findings(const got *a, int from_a, const got *b, int from_b,
                          int n, uint64_t shift) {
  for (int i = 0; i < n; i++) {
    const seen *s = &a->f[from_a + i], *t = &b->f[from_b + i];
    cr_assert_str_eq(s->id, t->id);
    cr_assert_str_eq(s->message, t->message);
    cr_assert_eq(s->offset + shift, t->offset, "%s: offset %llu + %llu != %llu",
                 s->id, (unsigned long long)s->offset, (unsigned long long)shift,
                 (unsigned long long)t->offset);
    cr_assert_eq(s->has_ev, t->has_ev);
    cr_assert_eq(s->ev_len, t->ev_len);
    cr_assert_eq(s->ev_in_raw, t->ev_in_raw);
    cr_assert(memcmp(s->ev, t->ev, sizeof s->ev) == 0);
  }
}

/* --- hits --------------------------------------------------------------------- */

Test(memo, hit_on_identical_exchanges) {
  got g;
  rl_engine *e = catalogue_engine(1, 0, &g);
  static ex a, b;
  make(&a, RESP, REQ, 0, RESP_TIME);
  make(&b, RESP, REQ, 1000, RESP_TIME);
  rl_engine_exchange(e, &a.x);
  int n = g.n;
  cr_assert_gt(n, 0, "the nginx response has FV008");
  rl_engine_exchange(e, &b.x);
  uint64_t hits, misses;
  stats(e, &hits, &misses);
  cr_assert_eq(misses, 1);
  cr_assert_eq(hits, 1);
  cr_assert_eq(g.n, 2 * n);
  /* The same findings, where the second exchange is. */
  same_findings(&g, 0, &g, n, n, 1000);
  for (int i = 0; i < n; i++) cr_assert_eq(g.f[n + i].frame, 1001);
  rl_engine_free(e);
}

/* --- misses ------------------------------------------------------------------- */

/* Judges the base exchange, then `variant`: the second must miss. */
static void expect_miss(ex *variant) {
  got g;
  rl_engine *e = catalogue_engine(1, 1, &g);
  static ex base;
  make(&base, RESP, REQ, 0, RESP_TIME);
  rl_engine_exchange(e, &base.x);
  rl_engine_exchange(e, &variant->x);
  uint64_t hits, misses;
  stats(e, &hits, &misses);
  cr_assert_eq(hits, 0, "a variant was taken for the base exchange");
  cr_assert_eq(misses, 2);
  rl_engine_free(e);
}

Test(memo, miss_when_one_byte_of_a_value_differs) {
  static ex v;
  make(&v, RESP, REQ, 500, RESP_TIME);
  char *p = strstr(v.resp.raw, "6a1b");
  p[3] = 'd'; /* ETag "6a1d-c": same length, same spans */
  expect_miss(&v);
}


Test(memo, miss_when_the_request_method_differs) {
  static ex v;
  make(&v, RESP, "PUT /a.txt HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n", 500,
       RESP_TIME);
  expect_miss(&v);
}

Test(memo, miss_when_an_event_is_added) {
  static ex v;
  make(&v, RESP, REQ, 500, RESP_TIME);
  v.resp.events[0].kind = RL_EV_CHUNK_EXTENSION;
  v.resp.events[0].offset = 520;
  v.resp.m.events = v.resp.events;
  v.resp.m.nevents = 1;
  expect_miss(&v);
}

Test(memo, miss_when_the_request_was_not_captured) {
  static ex v;
  make(&v, RESP, NULL, 500, RESP_TIME);
  expect_miss(&v);
}

Test(memo, control_the_base_exchange_again_hits) {
  got g;
  rl_engine *e = catalogue_engine(1, 1, &g);
  static ex a, b;
  make(&a, RESP, REQ, 0, RESP_TIME);
  make(&b, RESP, REQ, 500, RESP_TIME);
  rl_engine_exchange(e, &a.x);
  rl_engine_exchange(e, &b.x);
  uint64_t hits, misses;
  stats(e, &hits, &misses);
  cr_assert_eq(hits, 1);
  rl_engine_free(e);
}

Test(memo, miss_when_one_byte_of_the_request_differs) {
  static ex v;
  make(&v, RESP, "GET /a.txt HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\n\r\n",
       500, RESP_TIME);
  expect_miss(&v);
}

/* A connection's next exchange is compared in place with the entry its
 * previous one used (the hint), and hits without serialising a key. */
Test(memo, a_repeat_on_one_connection_hits_through_the_hint) {
  got g;
  rl_engine *e = catalogue_engine(1, 1, &g);
  static ex s[4];
  static rl_conn conn = {.stream = 5};
  const char *other = "GET /a.txt HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\n\r\n";
  for (int i = 0; i < 4; i++) {
    make(&s[i], RESP, i < 3 ? REQ : other, 500u * (unsigned)i, RESP_TIME);
    s[i].x.conn = &conn;
    s[i].resp.m.index = (uint32_t)i;
  }
  /* The first has no previous version on the connection (SL006), the
   * second does: two misses; the third repeats the second. */
  for (int i = 0; i < 3; i++) rl_engine_exchange(e, &s[i].x);
  uint64_t hits, misses;
  stats(e, &hits, &misses);
  cr_assert_eq(hits, 1);
  cr_assert_eq(misses, 2);
  /* One byte of the request differs from the hinted entry: a miss. */
  rl_engine_exchange(e, &s[3].x);
  stats(e, &hits, &misses);
  cr_assert_eq(hits, 1);
  cr_assert_eq(misses, 3);
  rl_engine_free(e);
}

/* A section cut short (raw_len < raw_total) keeps its field array in the
 * key: the field-count cap cuts the array without the bytes saying so. */
Test(memo, miss_when_the_fields_of_a_cut_section_differ) {
  got g;
  rl_engine *e = catalogue_engine(1, 1, &g);
  static ex a, b;
  make(&a, RESP, REQ, 0, RESP_TIME);
  make(&b, RESP, REQ, 500, RESP_TIME);
  a.resp.m.raw_total += 100;
  b.resp.m.raw_total += 100;
  b.resp.m.nfields--;
  rl_engine_exchange(e, &a.x);
  rl_engine_exchange(e, &b.x);
  uint64_t hits, misses;
  stats(e, &hits, &misses);
  cr_assert_eq(hits, 0);
  b.resp.m.nfields++;
  b.resp.fields[2].flags = RL_FL_WS_BEFORE_COLON;
  rl_engine_exchange(e, &b.x);
  stats(e, &hits, &misses);
  cr_assert_eq(hits, 0);
  cr_assert_eq(misses, 3);
  rl_engine_free(e);
}

/* A whole section leaves its field array out of the key, since the http
 * stage describes it from the bytes alone. Fields that do not follow from
 * the bytes break that contract, and RESPLINT_VERIFY_MEMO=1 says so. */
Test(memo, verify_catches_fields_that_do_not_follow_from_the_bytes,
     .signal = SIGABRT) {
  got g;
  rl_engine *e = catalogue_engine(1, 1, &g);
  static ex a, b;
  make(&a, RESP, REQ, 0, RESP_TIME);
  make(&b, RESP, REQ, 500, RESP_TIME);
  b.resp.fields[2].flags = RL_FL_WS_BEFORE_COLON;
  rl_engine_exchange(e, &a.x);
  rl_engine_exchange(e, &b.x);
}

/* SL006 compares a response's version with the previous one on its
 * connection: the same bytes after an HTTP/1.0 and after an HTTP/1.1
 * response are two verdicts. */
static void connection_pair(rl_engine *e, rl_conn *c, const char *first) {
  static ex a, b;
  make(&a, first, REQ, 0, RESP_TIME);
  make(&b, RESP, REQ, 400, RESP_TIME);
  a.x.conn = b.x.conn = c;
  a.resp.m.index = 0;
  b.resp.m.index = 1;
  rl_engine_exchange(e, &a.x);
  rl_engine_exchange(e, &b.x);
}

static int has_id(const got *g, int from, const char *id) {
  for (int i = from; i < g->n; i++)
    if (strcmp(g->f[i].id, id) == 0) return 1;
  return 0;
}

Test(memo, miss_when_the_previous_version_differs) {
  const char *old = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  const char *cur = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  got g;
  rl_engine *e = catalogue_engine(1, 1, &g);
  static rl_conn c1, c2, c3;
  c1.stream = 1;
  c2.stream = 2;
  c3.stream = 3;
  connection_pair(e, &c1, old);
  cr_assert(has_id(&g, 0, "SL006"), "the version changed on c1");
  int mark = g.n;
  connection_pair(e, &c2, cur);
  cr_assert(!has_id(&g, mark, "SL006"), "no change on c2, whatever c1 said");
  mark = g.n;
  connection_pair(e, &c3, old);
  cr_assert(has_id(&g, mark, "SL006"), "c3 repeats c1");
  uint64_t hits, misses;
  stats(e, &hits, &misses);
  /* c1: 2 misses; c2: an HTTP/1.1 first response (a miss), then RESP after
   * it, which differs from c1's by prev_version alone (a miss); c3: 2 hits. */
  cr_assert_eq(misses, 4);
  cr_assert_eq(hits, 2);
  rl_engine_free(e);
}

/* --- replay is exact ---------------------------------------------------------- */

/* A mixed sequence with repeats: skips (no request, a cut header section),
 * several servers interleaved, one response on a second connection. */
static void judge_sequence(rl_engine *e) {
  static ex s[12];
  static rl_conn c1 = {.stream = 7}, c2 = {.stream = 8};
  const char *other =
      "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\n"
      "Content-Length: 12\r\nCache-Control: no-cache,,private\r\n\r\n";
  for (int i = 0; i < 12; i++) {
    const char *resp = i % 3 == 2 ? other : RESP;
    const char *req = i % 4 == 3 ? NULL : REQ;
    make(&s[i], resp, req, 1000u * (unsigned)i, RESP_TIME + i / 6);
    s[i].x.conn = i < 6 ? &c1 : &c2;
    s[i].resp.m.index = (uint32_t)(i % 6);
    if (i == 10) {
      /* The header section was cut: complete-headers rules skip. */
      s[i].resp.m.cut = RL_CUT_HEADERS;
      s[i].resp.m.raw_len -= 2;
      s[i].resp.m.raw_total -= 2;
    }
    rl_engine_exchange(e, &s[i].x);
  }
}

Test(memo, replay_keeps_findings_and_counters_exact) {
  static got on, off;
  rl_engine *a = catalogue_engine(1, 1, &on);
  judge_sequence(a);
  rl_engine *b = catalogue_engine(0, 0, &off);
  judge_sequence(b);
  uint64_t hits, misses;
  stats(a, &hits, &misses);
  cr_assert_geq(hits, 2, "the sequence repeats itself");
  stats(b, &hits, &misses);
  cr_assert_eq(hits + misses, 0, "RESPLINT_NO_MEMO=1 turns the memo off");
  cr_assert_eq(on.n, off.n);
  same_findings(&off, 0, &on, 0, on.n, 0);
  for (int i = 0; i < on.n; i++) cr_assert_eq(on.f[i].frame, off.f[i].frame);
  const rl_engine_counts *ca = rl_engine_get_counts(a), *cb = rl_engine_get_counts(b);
  cr_assert_eq(ca->responses, 12);
  cr_assert_gt(ca->rules_skipped[RL_NEED_REQUEST], 0);
  cr_assert_gt(ca->responses_skipped[RL_NEED_COMPLETE_HEADERS], 0);
  cr_assert(memcmp(ca, cb, sizeof *ca) == 0, "counters differ with the memo");
  rl_engine_free(a);
  rl_engine_free(b);
}

Test(memo, a_level_change_forgets_verdicts) {
  got g;
  rl_engine *e = catalogue_engine(1, 1, &g);
  static ex a, b;
  make(&a, RESP, REQ, 0, RESP_TIME);
  make(&b, RESP, REQ, 500, RESP_TIME);
  rl_engine_exchange(e, &a.x);
  cr_assert_eq(rl_engine_set_level(e, "FV008", RL_LEVEL_ERROR, stderr), 0);
  rl_engine_exchange(e, &b.x);
  uint64_t hits, misses;
  stats(e, &hits, &misses);
  cr_assert_eq(hits, 0);
  cr_assert_eq(rl_engine_get_counts(e)->findings[RL_LEVEL_ERROR], 1);
  rl_engine_free(e);
}

/* --- the capture time --------------------------------------------------------- */

/* FV004 (date-skew) is the one check that reads the capture time. It is
 * live (memo.h): the key leaves the time out, so the same exchange captured
 * at another second hits, and its FV004 verdict is judged again at that
 * second. Each case runs the same exchanges with the memo (verified) and
 * without it, and the findings must be the same. */

/* RESP captured at each of the seconds `secs` (n of them), at offsets 1000
 * apart, on engine e. */
static void judge_at(rl_engine *e, const int64_t *secs, int n) {
  static ex s[8];
  for (int i = 0; i < n; i++) {
    make(&s[i], RESP, REQ, 1000u * (unsigned)i, secs[i]);
    if (secs[i] == 0) s[i].resp.m.first.ts.nsec = 0; /* no time at all */
    rl_engine_exchange(e, &s[i].x);
  }
}

/* Judges the exchanges with and without the memo and compares; returns the
 * memo's hits and leaves the findings in *on. */
static uint64_t judge_both(const int64_t *secs, int n, got *on) {
  static got off;
  rl_engine *a = catalogue_engine(1, 1, on);
  judge_at(a, secs, n);
  rl_engine *b = catalogue_engine(0, 0, &off);
  judge_at(b, secs, n);
  cr_assert_eq(on->n, off.n);
  same_findings(&off, 0, on, 0, on->n, 0);
  const rl_engine_counts *ca = rl_engine_get_counts(a), *cb = rl_engine_get_counts(b);
  cr_assert(memcmp(ca, cb, sizeof *ca) == 0, "counters differ with the memo");
  uint64_t hits, misses;
  stats(a, &hits, &misses);
  cr_assert_eq(hits + misses, (uint64_t)n);
  rl_engine_free(a);
  rl_engine_free(b);
  return hits;
}

/* The message of the i-th FV004 finding of g, or NULL. */
static const char *fv004(const got *g, int i) {
  for (int k = 0; k < g->n; k++)
    if (strcmp(g->f[k].id, "FV004") == 0 && i-- == 0) return g->f[k].message;
  return NULL;
}

Test(memo, hit_when_only_the_capture_second_differs) {
  static got g;
  const int64_t secs[] = {RESP_TIME, RESP_TIME + 1, RESP_TIME + 7};
  cr_assert_eq(judge_both(secs, 3, &g), 2);
  cr_assert_null(fv004(&g, 0), "within the allowed skew");
}

/* A capture replayed later: the Date is far from every capture time, and
 * each copy's FV004 says its own skew. */
Test(memo, a_time_shifted_copy_hits_with_its_own_date_skew) {
  static got g;
  const int64_t secs[] = {RESP_TIME + 1000, RESP_TIME + 1007, RESP_TIME + 1007,
                          RESP_TIME + 1000};
  cr_assert_eq(judge_both(secs, 4, &g), 3);
  cr_assert_str_eq(fv004(&g, 0),
                   "Date: Sun, 22 Nov 2026 04:00:00 GMT is 1000 s behind from "
                   "the capture time");
  cr_assert_str_eq(fv004(&g, 1),
                   "Date: Sun, 22 Nov 2026 04:00:00 GMT is 1007 s behind from "
                   "the capture time");
  cr_assert_str_eq(fv004(&g, 2), fv004(&g, 1));
  cr_assert_str_eq(fv004(&g, 3), fv004(&g, 0));
  cr_assert_null(fv004(&g, 4));
}

/* Only the skew differs: within the limit, beyond it, ahead, within again,
 * and a capture without time (FV004 says nothing there). */
Test(memo, a_hit_judges_date_skew_at_its_own_capture_time) {
  static got g;
  const int64_t secs[] = {RESP_TIME, RESP_TIME + 301, RESP_TIME - 400,
                          RESP_TIME + 300, 0};
  cr_assert_eq(judge_both(secs, 5, &g), 4);
  cr_assert_str_eq(fv004(&g, 0),
                   "Date: Sun, 22 Nov 2026 04:00:00 GMT is 301 s behind from "
                   "the capture time");
  cr_assert_str_eq(fv004(&g, 1),
                   "Date: Sun, 22 Nov 2026 04:00:00 GMT is 400 s ahead from "
                   "the capture time");
  cr_assert_null(fv004(&g, 2));
}

/* A finding of a rule that reads the time could make another rule moot
 * (superseded_by): then no rule is live, the key holds the time again, and
 * the same exchange at another second misses. */
static const char *MOOT =
    "id: ORG001\n"
    "name: moot-by-date-skew\n"
    "level: warning\n"
    "requirement: SHOULD\n"
    "summary: s\n"
    "why: w\n"
    "rfc: {document: RFC 9110, section: \"6.6.1\", url: https://example.com/x, quote: q}\n"
    "superseded_by: [FV004]\n"
    "check: {field-present: Date}\n"
    "message: \"a Date\"\n"
    "examples:\n"
    "  - {expect: fail, response: \"HTTP/1.1 200 OK\\r\\nDate: x\\r\\n\\r\\n\"}\n"
    "  - {expect: pass, response: \"HTTP/1.1 200 OK\\r\\n\\r\\n\"}\n";

static rl_engine *moot_engine(int memo, got *g) {
  rl_engine *e = catalogue_engine(memo, memo, g);
  cr_assert_eq(rl_engine_load_buffer(e, "p/ORG001-moot-by-date-skew.yaml", MOOT,
                                     strlen(MOOT), stderr), 1);
  return e;
}

Test(memo, the_key_holds_the_time_when_a_live_rule_can_supersede) {
  static got on, off;
  const int64_t secs[] = {RESP_TIME, RESP_TIME + 400, RESP_TIME + 400};
  rl_engine *a = moot_engine(1, &on);
  judge_at(a, secs, 3);
  rl_engine *b = moot_engine(0, &off);
  judge_at(b, secs, 3);
  cr_assert_eq(on.n, off.n);
  same_findings(&off, 0, &on, 0, on.n, 0);
  cr_assert(has_id(&on, 0, "ORG001"), "no FV004 on the first: ORG001 holds");
  uint64_t hits, misses;
  stats(a, &hits, &misses);
  cr_assert_eq(misses, 2, "another second is another key");
  cr_assert_eq(hits, 1);
  rl_engine_free(a);
  rl_engine_free(b);
}

/* --- the ring ------------------------------------------------------------------ */

/* Findings folded into one digest, for sequences too long to keep. */
typedef struct digest {
  uint64_t h, n;
} digest;

static void fold(digest *d, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) d->h = (d->h ^ s[i]) * 0x100000001b3ull;
}

static void digest_finding(void *ctx, const rl_finding *f) {
  digest *d = ctx;
  fold(d, f->rule->id, strlen(f->rule->id));
  fold(d, f->message, strlen(f->message));
  fold(d, &f->offset, sizeof f->offset);
  fold(d, &f->evidence_len, sizeof f->evidence_len);
  if (f->evidence) fold(d, f->evidence, f->evidence_len);
  d->n++;
}

/* 4,000 distinct exchanges of about 2 KiB each, then again from the last:
 * more than the memo's ring holds, so the second pass finds the last
 * entries still there (hits) and the first ones overwritten (misses), and
 * every verdict must be what judging says (RESPLINT_VERIFY_MEMO=1 would
 * abort on stale bytes). */
#define N_MANY 4000
static void judge_many(rl_engine *e) {
  static ex s;
  static char resp[2048];
  char pad[1701];
  memset(pad, 'a', sizeof pad - 1);
  pad[sizeof pad - 1] = '\0';
  for (int pass = 0; pass < 2; pass++)
    for (int k = 0; k < N_MANY; k++) {
      int i = pass ? N_MANY - 1 - k : k;
      snprintf(resp, sizeof resp,
               "HTTP/1.1 200 OK\r\nDate: Sun, 22 Nov 2026 04:00:00 GMT\r\n"
               "Content-Length: 12\r\nETag: \"%05d\"\r\nX-Pad: %s\r\n\r\n",
               i, pad);
      make(&s, resp, REQ, 10000u * (unsigned)i, RESP_TIME + pass);
      rl_engine_exchange(e, &s.x);
    }
}

Test(memo, entries_overwritten_in_the_ring_are_forgotten) {
  static got unused;
  static digest on, off;
  rl_engine *a = catalogue_engine(1, 1, &unused);
  rl_engine_set_sink(a, digest_finding, &on);
  judge_many(a);
  rl_engine *b = catalogue_engine(0, 0, &unused);
  rl_engine_set_sink(b, digest_finding, &off);
  judge_many(b);
  cr_assert_gt(off.n, 0);
  cr_assert_eq(on.n, off.n);
  cr_assert_eq(on.h, off.h, "the findings differ with the memo");
  uint64_t hits, misses;
  stats(a, &hits, &misses);
  cr_assert_gt(hits, 0, "the last entries are still there");
  cr_assert_gt(misses, N_MANY, "the first entries were overwritten");
  rl_engine_free(a);
  rl_engine_free(b);
}
