/* The http stage: connections, pairing and handing exchanges out.
 * The per-direction parsing lives in dir.c; see docs/internals/pairing.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/env.h"
#include "http/http_internal.h"
#include "resplint/error.h"

enum {
  DEFAULT_MAX_HEADER = 64 * 1024,
  DEFAULT_MAX_PENDING = 1024,
  DEFAULT_MAX_FIELDS = 10000,
  DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024,
  DEFAULT_MAX_HEADER_TOTAL = 256 * 1024 * 1024,
  DEFAULT_PREFIX = 64,
  FIRST_RAW_CAP = 128,
  /* The message pool: enough for every message in flight on a few dozen
   * busy connections; beyond it messages are freed. A header buffer larger
   * than POOL_RAW_MAX is freed rather than kept for a message that will
   * rarely need it. */
  POOL_MAX = 64,
  POOL_RAW_MAX = 4096
};

rl_http *rl_http_new(const rl_http_config *cfg, rl_stats *stats) {
  rl_http *h = calloc(1, sizeof *h);
  if (h == NULL)
    return NULL;
  if (cfg != NULL)
    h->cfg = *cfg;
  if (h->cfg.max_header_bytes == 0)
    h->cfg.max_header_bytes = DEFAULT_MAX_HEADER;
  if (h->cfg.max_pending == 0)
    h->cfg.max_pending = DEFAULT_MAX_PENDING;
  if (h->cfg.max_fields == 0)
    h->cfg.max_fields = DEFAULT_MAX_FIELDS;
  if (h->cfg.max_pending_bytes == 0)
    h->cfg.max_pending_bytes = DEFAULT_MAX_PENDING_BYTES;
  if (h->cfg.max_header_total == 0)
    h->cfg.max_header_total = DEFAULT_MAX_HEADER_TOTAL;
  if (h->cfg.content_prefix == 0)
    h->cfg.content_prefix = DEFAULT_PREFIX;
  h->stats = stats;
  h->verify_scan = rl__env_on("RESPLINT_VERIFY_SCAN");
  rl__settings_init(&h->settings);
  return h;
}

/* A message's block: the struct and its two content prefixes. */
static size_t msg_bytes(const rl_http *h) {
  return sizeof(rl__hmsg) + 2 * (size_t)h->cfg.content_prefix;
}

static void msg_free(rl_http *h, rl__hmsg *m) {
  rl__pool_put(&h->mem, m->raw, m->raw_cap);
  rl__pool_put(&h->mem, m->trl, m->trl_cap);
  rl__pool_put(&h->mem, m->x, sizeof *m->x);
  rl__pool_put(&h->mem, m, msg_bytes(h));
}

void rl_http_free(rl_http *http) {
  if (http == NULL)
    return;
  while (http->pool != NULL) {
    rl__hmsg *m = http->pool;
    http->pool = m->next;
    msg_free(http, m);
  }
  rl__fieldvec_free(&http->resp_f);
  rl__fieldvec_free(&http->req_f);
  rl__fieldvec_free(&http->trl_f);
  rl__fieldvec_free(&http->rtrl_f);
  if (http->verify_scan) {
    fprintf(stderr,
            "resplint: RESPLINT_VERIFY_SCAN: %llu header sections described "
            "from the head memo and checked against the scanner, %llu "
            "scanned\n",
            (unsigned long long)http->n_memo,
            (unsigned long long)http->n_scanned);
    fprintf(stderr,
            "resplint: RESPLINT_VERIFY_SCAN: %llu header sections parsed "
            "from the llhttp memo and checked against llhttp, %llu parsed\n",
            (unsigned long long)http->n_restored,
            (unsigned long long)http->n_parsed);
    fprintf(stderr,
            "resplint: RESPLINT_VERIFY_SCAN: %llu messages ended after "
            "their Content-Length from the llhttp memo and checked against "
            "llhttp\n",
            (unsigned long long)http->n_ended);
  }
  rl__secmemo_free(&http->secs);
  rl__pool_release(&http->mem);
  free(http);
}

/* --- messages -------------------------------------------------------------- */

/* A message from the pool, emptied but for its buffers, or a new one. The
 * content prefixes live right after the struct (their size is the stage's
 * content_prefix, the same for every message). */
static rl__hmsg *msg_take(rl_http *h) {
  rl__hmsg *m = h->pool;
  if (m == NULL) {
    m = rl__pool_get(&h->mem, msg_bytes(h));
    if (m != NULL)
      memset(m, 0, msg_bytes(h));
    return m;
  }
  h->pool = m->next;
  h->pooled--;
  uint8_t *raw = m->raw;
  uint32_t raw_cap = m->raw_cap;
  rl__msgx *x = m->x;
  memset(m, 0, sizeof *m);
  m->raw = raw;
  m->raw_cap = raw_cap;
  m->x = x;
  return m;
}

static void msg_give_back(rl_http *h, rl__hmsg *m) {
  if (h->pooled >= POOL_MAX) {
    msg_free(h, m);
    return;
  }
  /* Trailers are rare: not worth keeping a buffer for. */
  rl__pool_put(&h->mem, m->trl, m->trl_cap);
  m->trl = NULL;
  m->trl_cap = 0;
  if (m->raw_cap > POOL_RAW_MAX) {
    rl__pool_put(&h->mem, m->raw, m->raw_cap);
    m->raw = NULL;
    m->raw_cap = 0;
  }
  m->next = h->pool;
  h->pool = m;
  h->pooled++;
}

rl__hmsg *rl__msg_new(rl__hdir *d, const rl_pktref *at) {
  rl_http *h = d->hc->http;
  rl__hmsg *m = msg_take(h);
  if (m == NULL)
    return NULL;
  m->refs = 1;
  m->http = h;
  m->prefix = (uint8_t *)(m + 1);
  m->forbidden_prefix = m->prefix + h->cfg.content_prefix;
  m->first = m->last = *at;
  m->index = d->messages++;
  m->is_response = d->dir == RL_DIR_TO_CLIENT;
  m->status_code = -1;
  m->req_state = RL_REQ_NOT_CAPTURED;
  return m;
}

void rl__msg_unref(rl__hmsg *m) {
  if (m == NULL || --m->refs > 0)
    return;
  if (m->req != NULL)
    rl__msg_unref(m->req);
  m->http->held -= (uint64_t)m->raw_len + m->trl_len;
  msg_give_back(m->http, m);
}

void rl__msg_event(rl__hmsg *m, rl_event_kind kind, uint64_t offset,
                   const char *hpe, const char *reason, const uint8_t *bytes,
                   size_t len) {
  if (m->x == NULL)
    m->x = rl__pool_get(&m->http->mem, sizeof *m->x);
  if (m->nev == RL__MAX_EVENTS || m->x == NULL) {
    m->ev_dropped++;
    return;
  }
  rl_msg_event *e = &m->x->ev[m->nev++];
  memset(e, 0, sizeof *e);
  e->kind = kind;
  e->offset = offset;
  e->hpe_name = hpe;
  e->reason = reason;
  if (len > RL__EVIDENCE)
    len = RL__EVIDENCE;
  if (len > RL__XBUF - m->xlen)
    len = RL__XBUF - m->xlen;
  if (bytes != NULL && len > 0) {
    memcpy(m->x->xbuf + m->xlen, bytes, len);
    e->extra = m->x->xbuf + m->xlen;
    e->extra_len = (uint32_t)len;
    m->xlen += (uint32_t)len;
  }
}

/* Appends to a bounded buffer that grows by doubling up to `cap`. Returns
 * the number of bytes that did not fit. */
size_t rl__buf_append(rl__pool *mem, uint8_t **buf, uint32_t *blen,
                      uint32_t *bcap, const uint8_t *p, size_t len,
                      uint32_t cap) {
  size_t room = cap > *blen ? cap - *blen : 0;
  size_t n = len < room ? len : room;
  if (*blen + n > *bcap) {
    size_t want = *bcap ? *bcap : FIRST_RAW_CAP;
    while (want < *blen + n)
      want *= 2;
    if (want > cap)
      want = cap;
    uint8_t *nb = rl__pool_get(mem, want);
    if (nb == NULL)
      return len;
    if (*blen > 0)
      memcpy(nb, *buf, *blen);
    rl__pool_put(mem, *buf, *bcap);
    *buf = nb;
    *bcap = (uint32_t)want;
  }
  if (n > 0)
    memcpy(*buf + *blen, p, n);
  *blen += (uint32_t)n;
  return len - n;
}

void rl__note(rl__hdir *d, rl_event_kind kind, uint64_t offset,
              const rl_pktref *at, const char *detail) {
  rl_http *h = d->hc->http;
  if (h->cfg.sink.note != NULL)
    h->cfg.sink.note(h->cfg.sink_ctx, d->hc->conn, d->dir, kind, offset, at,
                     detail);
}

/* --- pairing --------------------------------------------------------------- */

static rl_framing framing_from_parser(const llhttp_t *p) {
  if (p->flags & F_CHUNKED)
    return RL_FRAMING_CHUNKED;
  if (p->flags & F_CONTENT_LENGTH)
    return RL_FRAMING_LENGTH;
  return RL_FRAMING_CLOSE;
}

/* The method of a request llhttp rejected, from its own first bytes: only
 * HEAD and CONNECT change how the response is read. */
static uint8_t method_from_raw(const rl__hmsg *m) {
  if (m->raw_len >= 5 && memcmp(m->raw, "HEAD ", 5) == 0)
    return HTTP_HEAD;
  if (m->raw_len >= 8 && memcmp(m->raw, "CONNECT ", 8) == 0)
    return HTTP_CONNECT;
  return HTTP_GET;
}

void rl__queue_request(rl__hdir *d, rl__hmsg *m) {
  rl__hconn *hc = d->hc;
  if (!m->head_done)
    m->method = method_from_raw(m);
  if (m->head_done && d->cur == m) {
    m->framing = framing_from_parser(&d->parser);
    if (m->framing == RL_FRAMING_LENGTH)
      m->cl_declared = d->parser.content_length;
    if (m->framing == RL_FRAMING_CLOSE)
      m->framing = RL_FRAMING_NONE; /* a request without length has none */
  }
  /* The queue is bounded in requests and in the header bytes they hold: a
   * thousand requests of 60 KiB each would otherwise keep 60 MiB per
   * connection. */
  if (hc->q_len >= hc->http->cfg.max_pending ||
      hc->q_bytes + m->raw_len > hc->http->cfg.max_pending_bytes) {
    /* Said once per connection, not once per request dropped: a client
     * pipelining a million requests must not become a million notes (nor
     * one per response while the client stays ahead). From here on the
     * client is lossy, so later responses are judged without a request. */
    if (!hc->queue_full)
      rl__note(d, RL_EV_PENDING_LIMIT, m->start_off, &m->first, NULL);
    hc->queue_full = 1;
    hc->client_lossy = 1;
    return;
  }
  m->refs++;
  m->next = NULL;
  if (hc->q_tail != NULL)
    hc->q_tail->next = m;
  else
    hc->q_head = m;
  hc->q_tail = m;
  hc->q_len++;
  m->q_cost = m->raw_len;
  hc->q_bytes += m->q_cost;
}

static rl__hmsg *queue_pop(rl__hconn *hc) {
  rl__hmsg *m = hc->q_head;
  if (m == NULL)
    return NULL;
  hc->q_head = m->next;
  if (hc->q_head == NULL)
    hc->q_tail = NULL;
  hc->q_len--;
  hc->q_bytes -= m->q_cost;
  m->next = NULL;
  return m; /* the queue's reference passes to the caller */
}

/* Whether every request the client sent is known to be in the queue. */
static int client_exact(const rl__hconn *hc) {
  const rl__hdir *c = hc->d[RL_DIR_TO_SERVER];
  return hc->conn->saw_syn && !hc->client_lossy && c != NULL &&
         !c->started_mid && c->messages > 0;
}

static rl_framing response_framing(const rl__hdir *d, const rl__hmsg *m) {
  int s = m->status_code;
  const rl__hmsg *req = m->req;
  if (s == 101)
    return RL_FRAMING_TUNNEL;
  if (s / 100 == 1)
    return RL_FRAMING_NONE;
  if (req != NULL && req->method == HTTP_CONNECT && s / 100 == 2)
    return RL_FRAMING_TUNNEL;
  if (req != NULL && req->method == HTTP_HEAD)
    return RL_FRAMING_NONE;
  if (s == 204 || s == 304)
    return RL_FRAMING_NONE;
  return framing_from_parser(&d->parser);
}

/* Pairs a response with the oldest pending request; an interim response
 * leaves the request pending for the final one. */
/* Whether request `q` was sent after response `m` began: then `m` cannot
 * be its answer. Transcripts stamp every byte alike, so they never are. */
static int sent_after(const rl__hmsg *q, const rl__hmsg *m) {
  return q->first.ts.sec > m->first.ts.sec ||
         (q->first.ts.sec == m->first.ts.sec &&
          q->first.ts.nsec > m->first.ts.nsec);
}

static void pair(rl__hconn *hc, rl__hmsg *m) {
  int s = m->status_code;
  m->interim = s / 100 == 1 && s != 101;
  /* Server bytes went missing at a message boundary: at least one response
   * was lost with them, and it answered the oldest request. Only drop it
   * when the next request was already sent, so that this response has one
   * to answer (the lost bytes may instead answer a request lost too). */
  while (hc->lost_responses > 0 && hc->q_len >= 2 &&
         !sent_after(hc->q_head->next, m)) {
    rl__msg_unref(queue_pop(hc));
    hc->lost_responses--;
  }
  hc->lost_responses = 0;
  if (hc->q_head != NULL && sent_after(hc->q_head, m)) {
    /* The oldest request came later than this response (the flow stage
     * held one direction back until a gap was declared): the request this
     * response answers was not captured, or there was none. */
    m->req_state = client_exact(hc) ? RL_REQ_NONE : RL_REQ_NOT_CAPTURED;
  } else if (hc->q_head != NULL) {
    m->req_state = RL_REQ_PAIRED;
    if (m->interim) {
      m->req = hc->q_head;
      m->req->refs++;
    } else {
      m->req = queue_pop(hc);
    }
  } else {
    m->req_state = client_exact(hc) ? RL_REQ_NONE : RL_REQ_NOT_CAPTURED;
  }
  m->paired = 1;
}

int rl__pair_response(rl__hdir *d, rl__hmsg *m) {
  rl__hconn *hc = d->hc;
  pair(hc, m);
  m->after_close = hc->said_close;
  if (!m->interim && m->conn_close)
    hc->said_close = 1;
  m->framing = response_framing(d, m);
  if (m->framing == RL_FRAMING_LENGTH)
    m->cl_declared = d->parser.content_length;
  if (m->framing == RL_FRAMING_TUNNEL)
    return 2;
  return m->framing == RL_FRAMING_NONE ? 1 : 0;
}

/* --- handing out ----------------------------------------------------------- */

/* The line of raw holding byte `at`, without its line ending. */
static rl_span line_around(const uint8_t *raw, uint32_t len, uint32_t at) {
  uint32_t s = at, e = at;
  while (s > 0 && raw[s - 1] != '\n')
    s--;
  while (e < len && raw[e] != '\n')
    e++;
  if (e > s && e < len && raw[e - 1] == '\r')
    e--;
  return (rl_span){s, e - s};
}

static void fill_events(const rl__hmsg *m, rl_message *out, rl_msg_event *ev) {
  for (uint32_t i = 0; i < m->nev; i++) {
    ev[i] = m->x->ev[i];
    uint64_t rel = ev[i].offset - m->start_off;
    /* A fault inside the header section is shown as its whole line. */
    if (ev[i].kind == RL_EV_PARSE_ERROR && ev[i].offset >= m->start_off &&
        rel < out->raw_len)
      ev[i].evidence = line_around(out->raw, out->raw_len, (uint32_t)rel);
  }
  out->events = ev;
  out->nevents = m->nev;
}

/* The field-count cap: a section with more than `max` field lines is
 * described up to the first line past the cap, exactly as if
 * max_header_bytes had cut it there (raw_len < raw_total, one
 * header-section-limit event), so the rules that need the whole section are
 * skipped and counted instead of judging a part as the whole. */
static void cap_fields(rl__hmsg *m, rl_message *out, rl__fieldvec *fv, uint32_t max) {
  if (fv->n <= max)
    return;
  uint32_t cut = fv->v[max].line.off;
  uint64_t at = m->start_off + cut;
  int noted = 0;
  for (uint32_t i = 0; i < m->nev; i++)
    noted |= m->x->ev[i].kind == RL_EV_HEADER_LIMIT;
  if (!noted) /* a request is described again for each response it answers */
    rl__msg_event(m, RL_EV_HEADER_LIMIT, at, NULL, "field-count limit", NULL, 0);
  out->raw_len = cut;
  fv->n = max;
}

/* Whether the two descriptions of one head agree in every bit the engine
 * reads. */
static int same_head(const rl_message *a, const rl__fieldvec *fa,
                     const rl_message *b, const rl__fieldvec *fb) {
  return fa->n == fb->n &&
         (fa->n == 0 || memcmp(fa->v, fb->v, fa->n * sizeof *fa->v) == 0) &&
         memcmp(&a->start_line, &b->start_line, sizeof a->start_line) == 0 &&
         a->start_eol == b->start_eol &&
         memcmp(&a->version, &b->version, sizeof a->version) == 0 &&
         memcmp(&a->status, &b->status, sizeof a->status) == 0 &&
         memcmp(&a->reason, &b->reason, sizeof a->reason) == 0 &&
         memcmp(&a->method, &b->method, sizeof a->method) == 0 &&
         memcmp(&a->target, &b->target, sizeof a->target) == 0 &&
         a->status_code == b->status_code;
}

/* RESPLINT_VERIFY_SCAN: the scanner's description of the same bytes must
 * be the one found by `how`, bit for bit, or resplint aborts. */
static void verify_head(const rl_message *out, const rl__fieldvec *fv,
                        const char *how) {
  rl_message alt;
  memset(&alt, 0, sizeof alt);
  alt.raw = out->raw;
  alt.raw_len = out->raw_len;
  alt.is_response = out->is_response;
  alt.status_code = -1;
  rl__fieldvec afv = {0};
  int r = rl__scan_head(&alt, &afv);
  if (r >= 0 && !same_head(out, fv, &alt, &afv)) {
    fprintf(stderr, "resplint: RESPLINT_VERIFY_SCAN: the description of a "
                    "header section from %s differs from the scanner's\n", how);
    abort();
  }
  rl__fieldvec_free(&afv);
}

/* The head memo: the same bytes always get the same description, and the
 * same header section often comes again and again (a client polling, a
 * health check, a load test; a server's answers to them differ in Date
 * only, which changes once a second). Descriptions are kept in the section
 * memo (secmemo.h), with the fields they found. */
static int describe_from(const rl__sec *s, rl_message *out, rl__fieldvec *fv) {
  if (rl__fieldvec_set(fv, rl__sec_fields(s), s->nfields) != 0)
    return 0;
  out->start_line = s->start_line;
  out->start_eol = s->start_eol;
  out->version = s->version;
  out->status = s->status;
  out->reason = s->reason;
  out->method = s->method;
  out->target = s->target;
  out->status_code = s->status_code;
  return 1;
}

/* The entry whose bytes are out->raw[0, raw_len), or NULL. A message
 * parsed with the memo names its entry: raw was copied from the very bytes
 * llhttp read (dir.c), so when it holds all of them it is that section and
 * no search or compare is needed (RESPLINT_VERIFY_SCAN compares anyway). */
static rl__sec *find_head(rl_http *h, const rl__hmsg *m, const rl_message *out,
                          uint32_t *hash) {
  rl__sec *s = rl__sec_at(&h->secs, m->sec);
  if (s != NULL && s->len == out->raw_len && s->is_response == out->is_response) {
    if (h->verify_scan && s->len > 0 &&
        memcmp(rl__sec_bytes(s), out->raw, s->len) != 0) {
      fprintf(stderr, "resplint: RESPLINT_VERIFY_SCAN: a message's header "
                      "section differs from its memo entry\n");
      abort();
    }
    return s;
  }
  uint64_t pos;
  *hash = rl__sec_hash(out->raw, out->raw_len);
  return rl__sec_find(&h->secs, *hash, out->raw, out->raw_len,
                      out->is_response, &pos);
}

/* Describes the head of message `m` into `out` and `fv`. */
static void describe_head(rl_http *h, const rl__hmsg *m, rl_message *out,
                          rl__fieldvec *fv) {
  uint32_t hash = 0;
  rl__sec *s = find_head(h, m, out, &hash);
  if (s != NULL && s->has_desc && describe_from(s, out, fv)) {
    h->n_memo++;
    if (h->verify_scan)
      verify_head(out, fv, "the head memo");
    return;
  }
  h->n_scanned++;
  /* Not remembered when out of memory half-way (fields would be missing). */
  if (rl__scan_head(out, fv) < 0)
    return;
  uint64_t pos;
  if (s == NULL)
    s = rl__sec_add(&h->secs, hash, out->raw, out->raw_len, out->is_response,
                    fv->n, &pos);
  if (s != NULL && !s->has_desc)
    rl__sec_describe(s, out, fv);
}

static void fill_message(rl_http *h, rl__hmsg *m, rl_message *out,
                         rl__fieldvec *fv, rl__fieldvec *tv,
                         rl_msg_event *ev, uint32_t max_fields) {
  memset(out, 0, sizeof *out);
  out->raw = m->raw;
  out->raw_len = m->raw_len;
  out->raw_total = m->raw_total;
  out->is_response = m->is_response;
  out->status_code = -1;
  describe_head(h, m, out, fv);
  cap_fields(m, out, fv, max_fields);
  out->fields = fv->v;
  out->nfields = fv->n;
  if (m->trl_len > 0 && rl__scan_fields(m->trl, m->trl_len, tv) == 0) {
    out->trailers = tv->v;
    out->ntrailers = tv->n;
    out->trailer_raw = m->trl;
    out->trailer_raw_len = m->trl_len;
  }
  out->http_major = m->http_major;
  out->http_minor = m->http_minor;
  out->framing = m->framing;
  out->cut = m->complete ? m->cut : (m->cut != RL_CUT_NONE ? m->cut : RL_CUT_CAPTURE_END);
  out->content_length_declared = m->cl_declared;
  out->content_bytes = m->content_bytes;
  out->wire_bytes = m->end_off > m->start_off ? m->end_off - m->start_off : 0;
  out->wire_bytes += m->forbidden_bytes;
  out->content_prefix = m->prefix;
  out->content_prefix_len = m->prefix_len;
  out->chunk_count = m->chunk_count;
  out->forbidden_bytes = m->forbidden_bytes;
  out->forbidden_prefix = m->forbidden_prefix;
  out->forbidden_prefix_len = m->forbidden_prefix_len;
  out->stream_offset = m->start_off;
  out->first = m->first;
  out->last = m->last;
  out->index = m->index;
  fill_events(m, out, ev);
}

static void emit(rl__hdir *d, rl__hmsg *m) {
  rl_http *h = d->hc->http;
  if (m->forbidden_bytes > 0)
    rl__msg_event(m, RL_EV_CONTENT_AFTER_BODILESS, m->end_off, NULL, NULL,
                  m->forbidden_prefix, m->forbidden_prefix_len);
  if (h->cfg.sink.exchange == NULL)
    return;
  rl_message resp, req;
  rl_msg_event ev[RL__MAX_EVENTS], rev[RL__MAX_EVENTS];
  fill_message(h, m, &resp, &h->resp_f, &h->trl_f, ev, h->cfg.max_fields);
  rl_exchange x = {0};
  x.conn = d->hc->conn;
  x.response = &resp;
  x.request_state = m->req_state;
  if (m->req != NULL) {
    fill_message(h, m->req, &req, &h->req_f, &h->rtrl_f, rev, h->cfg.max_fields);
    x.request = &req;
  }
  x.interim = m->interim;
  x.after_close = m->after_close;
  x.source = h->cfg.source;
  h->cfg.sink.exchange(h->cfg.sink_ctx, &x);
}

void rl__msg_finish(rl__hdir *d, rl__hmsg *m) {
  if (m->is_response && !m->paired) {
    /* A response cut or rejected inside its header section still answers
     * the oldest request. */
    if (m->status_code < 0 && !d->fresh && d->parser.status_code >= 100)
      m->status_code = d->parser.status_code;
    pair(d->hc, m);
    m->after_close = d->hc->said_close;
  }
  if (m->is_response)
    emit(d, m);
  rl__msg_unref(m);
}

/* --- the stream sink --------------------------------------------------------- */

/* A zeroed block of `size` bytes from the stage's pool: a capture opens and
 * closes connections all along, and the pool hands given-back blocks out
 * again before touching fresh memory. */
static void *zeroed(rl_http *h, size_t size) {
  void *p = rl__pool_get(&h->mem, size);
  if (p != NULL)
    memset(p, 0, size);
  return p;
}

/* A direction's state on its first byte. Out of line: every packet looks
 * for it (dir_get), one per direction makes it. */
__attribute__((noinline, cold)) static rl__hdir *dir_new(rl__hconn *hc, rl_dir dir,
                                                         uint64_t offset) {
  rl_http *h = hc->http;
  rl__hdir *d = zeroed(h, sizeof *d);
  if (d == NULL)
    return NULL;
  d->hc = hc;
  d->dir = dir;
  d->off = offset;
  /* Without the connection's start the first bytes may be anywhere in a
   * message: look for the first line that starts one. */
  d->started_mid = !hc->conn->saw_syn || offset != 0;
  if (d->started_mid) {
    d->state = RL__D_SEEK;
    d->line_start = 1;
    d->skip_off = offset;
  }
  if (hc->tunnel)
    d->state = RL__D_TUNNEL;
  hc->d[dir] = d;
  return d;
}

static rl__hdir *dir_get(rl__hconn *hc, rl_dir dir, uint64_t offset) {
  return hc->d[dir] != NULL ? hc->d[dir] : dir_new(hc, dir, offset);
}

static void sink_open(void *ctx, rl_conn *conn, const rl_pktref *at) {
  (void)at;
  rl_http *h = ctx;
  rl__hconn *hc = zeroed(h, sizeof *hc);
  conn->user = hc;
  if (hc == NULL)
    return;
  hc->http = ctx;
  hc->conn = conn;
}

/* Bytes that do not start where the direction is: a gap before them is
 * noted, bytes it already has are dropped (the flow stage should not send
 * them). Returns how many of the `len` at *data remain. Out of line: the
 * flow stage delivers in order. */
__attribute__((noinline, cold)) static size_t realign(rl__hdir *d,
                                                      const uint8_t **data,
                                                      size_t len, uint64_t offset,
                                                      const rl_pktref *at) {
  if (offset > d->off) {
    rl__dir_gap(d, offset - d->off, at);
    return len;
  }
  uint64_t dup = d->off - offset;
  if (dup >= len)
    return 0;
  *data += dup;
  return len - (size_t)dup;
}

static void sink_data(void *ctx, rl_conn *conn, rl_dir dir, const uint8_t *data,
                      size_t len, uint64_t offset, const rl_pktref *at) {
  (void)ctx;
  rl__hconn *hc = conn->user;
  if (hc == NULL || len == 0)
    return;
  rl__hdir *d = dir_get(hc, dir, offset);
  if (d == NULL)
    return;
  if (offset != d->off && (len = realign(d, &data, len, offset, at)) == 0)
    return;
  rl__dir_data(d, data, len, at);
}

static void sink_gap(void *ctx, rl_conn *conn, rl_dir dir, uint64_t offset,
                     uint64_t len, const rl_pktref *at) {
  (void)ctx;
  rl__hconn *hc = conn->user;
  if (hc == NULL || len == 0)
    return;
  rl__hdir *d = dir_get(hc, dir, offset);
  if (d == NULL)
    return;
  if (offset > d->off)
    len += offset - d->off;
  rl__dir_gap(d, len, at);
}

/* A transport event (truncated packet, retransmission mismatch, buffer
 * limit, eviction) goes with the message it damaged when one is being
 * parsed in that direction, so the engine judges that response knowing it;
 * otherwise it is a connection-level note. */
static void sink_event(void *ctx, rl_conn *conn, rl_dir dir, rl_event_kind kind,
                       uint64_t offset, const rl_pktref *at) {
  rl_http *h = ctx;
  rl__hconn *hc = conn->user;
  rl__hdir *d = hc != NULL ? hc->d[dir] : NULL;
  if (d != NULL && d->cur != NULL && d->cur->is_response) {
    rl__msg_event(d->cur, kind, offset, NULL, NULL, NULL, 0);
    return;
  }
  if (h->cfg.sink.note != NULL)
    h->cfg.sink.note(h->cfg.sink_ctx, conn, dir, kind, offset, at, NULL);
}

static void sink_end(void *ctx, rl_conn *conn, rl_dir dir, rl_end_kind how,
                     const rl_pktref *at) {
  (void)ctx;
  rl__hconn *hc = conn->user;
  if (hc != NULL && hc->d[dir] != NULL)
    rl__dir_end(hc->d[dir], how, at);
}

static void sink_close(void *ctx, rl_conn *conn) {
  (void)ctx;
  rl__hconn *hc = conn->user;
  if (hc == NULL)
    return;
  rl_pktref none = {0};
  /* Responses first: they hold references to the queued requests. */
  for (int i = 1; i >= 0; i--) {
    if (hc->d[i] != NULL && hc->d[i]->state != RL__D_CLOSED)
      rl__dir_end(hc->d[i], RL_END_CAPTURE, &none);
  }
  while (hc->q_head != NULL)
    rl__msg_unref(queue_pop(hc));
  rl_http *h = hc->http;
  for (int i = 0; i < 2; i++) {
    rl__dir_release(hc->d[i]);
    rl__pool_put(&h->mem, hc->d[i], sizeof *hc->d[i]);
  }
  rl__pool_put(&h->mem, hc, sizeof *hc);
  conn->user = NULL;
}

rl_stream_sink rl_http_stream_sink(void) {
  rl_stream_sink s = {0};
  s.open = sink_open;
  s.data = sink_data;
  s.gap = sink_gap;
  s.event = sink_event;
  s.end = sink_end;
  s.close = sink_close;
  return s;
}

/* --- transcripts ------------------------------------------------------------- */

int rl_http_run_transcript(rl_http *http, uint64_t stream_id,
                           const uint8_t *client, size_t client_len,
                           const uint8_t *server, size_t server_len,
                           rl_transcript_end end) {
  if (http == NULL || (server == NULL && server_len > 0) ||
      (client == NULL && client_len > 0))
    return RL_EINVAL;
  rl_conn conn = {0};
  conn.stream = stream_id;
  /* With the client's bytes the transcript is a whole connection; without
   * them it stands for a one-sided capture. */
  conn.saw_syn = client != NULL;
  rl_pktref at = {0, {RL_TRANSCRIPT_TIME, 0}};
  rl_stream_sink s = rl_http_stream_sink();
  s.open(http, &conn, &at);
  if (conn.user == NULL)
    return RL_ENOMEM;
  if (client != NULL) {
    s.data(http, &conn, RL_DIR_TO_SERVER, client, client_len, 0, &at);
    s.end(http, &conn, RL_DIR_TO_SERVER, RL_END_FIN, &at);
  }
  if (server_len > 0)
    s.data(http, &conn, RL_DIR_TO_CLIENT, server, server_len, 0, &at);
  s.end(http, &conn, RL_DIR_TO_CLIENT,
        end == RL_TRANSCRIPT_FIN ? RL_END_FIN : RL_END_CAPTURE, &at);
  s.close(http, &conn);
  return 0;
}
