/* The per-direction state machine of the http stage.
 *
 * llhttp decides message boundaries and framing; this file decides where a
 * message may begin (IDLE, SEEK, FORBIDDEN), feeds llhttp, copies header
 * sections as they pass, and recovers after errors, gaps and closes.
 * llhttp is paused at the end of every header section and every message so
 * that the stage, not llhttp, chooses what the following bytes are.
 * See docs/internals/resync.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"
#include "resplint/error.h"

/* Why llhttp paused. */
enum { P_NONE = 0, P_HEADERS, P_DONE, P_LAST_CHUNK, P_EXT_LIST };

/* A response starts with "HTTP/" right at a message boundary; when
 * resynchronising we demand "HTTP/1." at the start of a line. */
static const uint8_t at_boundary[] = "HTTP/";
static const uint8_t at_line[] = "HTTP/1.";
enum { BOUNDARY_LEN = 5, LINE_LEN = 7 };

static int is_server(const rl__hdir *d) { return d->dir == RL_DIR_TO_CLIENT; }

/* Start patterns match without regard to case, so that "http/1.1 200 ok"
 * is parsed (and rejected by llhttp, which is the finding) rather than
 * skipped. */
static int pat_eq(uint8_t c, uint8_t p) {
  return c == p || (p >= 'A' && p <= 'Z' && c == p + ('a' - 'A'));
}

/* Takes one more byte of a start pattern (the caller checked it matches).
 * The matched bytes are kept because they may span packets. Returns 1 when
 * the pattern of length `n` is complete. */
static int match_take(rl__hdir *d, uint8_t c, size_t n, uint64_t off,
                      const rl_pktref *at) {
  if (d->match == 0) {
    d->match_off = off;
    d->match_at = *at;
  }
  d->mbuf[d->match++] = c;
  return d->match == n;
}

static uint64_t off_of(const rl__hdir *d, const char *at) {
  return d->feed_off + (uint64_t)((const uint8_t *)at - d->feed_p);
}

/* --- llhttp callbacks ------------------------------------------------------ */

static int cb_headers_complete(llhttp_t *p) {
  ((rl__hdir *)p->data)->paused = P_HEADERS;
  return HPE_PAUSED;
}

static int cb_message_complete(llhttp_t *p) {
  ((rl__hdir *)p->data)->paused = P_DONE;
  return HPE_PAUSED;
}

static int cb_chunk_header(llhttp_t *p) {
  rl__hdir *d = p->data;
  if (p->content_length == 0) {
    d->paused = P_LAST_CHUNK;
    return HPE_PAUSED;
  }
  d->cur->chunk_count++;
  d->in_chunk = 1;
  return 0;
}

static int cb_chunk_complete(llhttp_t *p) {
  ((rl__hdir *)p->data)->in_chunk = 0;
  return 0;
}

static int cb_chunk_ext_name(llhttp_t *p, const char *at, size_t len) {
  rl__hdir *d = p->data;
  rl__hmsg *m = d->cur;
  /* A name split across packets comes in pieces; one event per chunk. */
  if (d->ext_chunk == m->chunk_count + 1)
    return 0;
  d->ext_chunk = m->chunk_count + 1;
  rl__msg_event(m, RL_EV_CHUNK_EXTENSION, off_of(d, at), NULL, NULL,
                (const uint8_t *)at, len);
  return 0;
}

/* llhttp 8.1 rejects a ";" after an unquoted extension value (chunkext.c).
 * At any value followed by ";" in this run, the rest of the line is judged
 * here: well formed, llhttp is paused and goes on from the line's CR (feed);
 * otherwise, or when the line's end is not in this packet, llhttp meets the
 * ";" and its error stands. A quoted value is followed by ";" too: skipping a
 * well-formed rest changes nothing there either, as the stage records only
 * a chunk's first extension. */
static int cb_chunk_ext_value(llhttp_t *p, const char *at, size_t len) {
  rl__hdir *d = p->data;
  const uint8_t *v_end = (const uint8_t *)at + len;
  const uint8_t *end = d->feed_p + d->feed_len;
  if (v_end >= end || *v_end != ';')
    return 0;
  const uint8_t *cr = memchr(v_end, '\r', (size_t)(end - v_end));
  if (cr == NULL || !rl__chunk_ext_rest_ok(v_end, (size_t)(cr - v_end)))
    return 0;
  d->ext_resume = cr;
  d->paused = P_EXT_LIST;
  return HPE_PAUSED;
}

static int cb_body(llhttp_t *p, const char *at, size_t len) {
  rl__hdir *d = p->data;
  rl__hmsg *m = d->cur;
  uint32_t cap = d->hc->http->cfg.content_prefix;
  if (m->prefix_len < cap) {
    size_t n = cap - m->prefix_len < len ? cap - m->prefix_len : len;
    memcpy(m->prefix + m->prefix_len, at, n);
    m->prefix_len += (uint32_t)n;
  }
  m->content_bytes += len;
  d->body_end_off = off_of(d, at) + len;
  return 0;
}

void rl__settings_init(llhttp_settings_t *s) {
  llhttp_settings_init(s);
  s->on_headers_complete = cb_headers_complete;
  s->on_message_complete = cb_message_complete;
  s->on_chunk_header = cb_chunk_header;
  s->on_chunk_complete = cb_chunk_complete;
  s->on_chunk_extension_name = cb_chunk_ext_name;
  s->on_chunk_extension_value = cb_chunk_ext_value;
  s->on_body = cb_body;
}

/* --- message boundaries ---------------------------------------------------- */

/* Makes llhttp start afresh with the message's lenient flags. */
static void llhttp_start(rl__hdir *d) {
  llhttp_init(&d->parser, is_server(d) ? HTTP_RESPONSE : HTTP_REQUEST,
              &d->hc->http->settings);
  d->parser.data = d;
  d->parser.lenient_flags = d->lenient;
}

/* llhttp itself is initialised when it first runs (execute_fresh): most
 * header sections are restored from the section memo instead, which sets
 * every member of the parser. Until then d->parser is stale: nothing reads
 * it while d->fresh is set. */
static void parser_init(rl__hdir *d) {
  d->fresh = 1;
  d->as_sec = 0;
  d->paused = P_NONE;
  d->in_chunk = 0;
  d->ext_chunk = 0;
  d->ext_resume = NULL;
}

/* Starts looking for a message start at stream offset `off`. */
static void enter_seek(rl__hdir *d, int line_start, uint64_t off) {
  d->state = RL__D_SEEK;
  d->line_start = (uint8_t)line_start;
  d->match = 0;
  d->skipped = 0;
  d->skip_noted = 0;
  d->pre = 0;
  d->skip_off = off;
}

static void enter_idle(rl__hdir *d) {
  d->state = RL__D_IDLE;
  d->match = 0;
}

/* Hands the current message on (a response to the sink, a request to the
 * queue's keeping) and forgets it. */
static void finish_cur(rl__hdir *d, uint64_t end_off) {
  rl__hmsg *m = d->cur;
  if (m == NULL)
    return;
  d->cur = NULL;
  if (m->end_off == 0)
    m->end_off = end_off;
  rl__msg_finish(d, m);
}

static size_t feed(rl__hdir *d, const uint8_t *p, size_t len, uint64_t off,
                   const rl_pktref *at);
static size_t step_drain(rl__hdir *d, const uint8_t *p, size_t len,
                         const rl_pktref *at);

/* Starts a message at stream offset `off`; `prefix` holds its first bytes
 * when they were recognised before the current packet (a start pattern). */
static void start_message(rl__hdir *d, const uint8_t *prefix, size_t plen,
                          uint64_t off, const rl_pktref *first,
                          const rl_pktref *at) {
  rl__hmsg *m = rl__msg_new(d, first);
  if (m == NULL) {
    enter_seek(d, 0, off);
    return;
  }
  m->start_off = off;
  m->last = *at;
  d->cur = m;
  d->lenient = is_server(d) ? 0 : 0x1f; /* requests: see pairing.md */
  parser_init(d);
  d->state = RL__D_HEAD;
  if (plen == 0)
    return;
  size_t used = feed(d, prefix, plen, off, at);
  /* llhttp may reject the pattern itself ("http/" in lower case): the
   * rest of it still belongs to the header section being drained. */
  if (used < plen && d->state == RL__D_DRAIN)
    step_drain(d, prefix + used, plen - used, at);
}

/* A start pattern was completed by byte p[i] of the packet being stepped
 * through: starts the message at its first byte. Returns the bytes of the
 * packet consumed. */
static inline size_t start_matched(rl__hdir *d, size_t i, const rl_pktref *at) {
  if (d->match_off >= d->off) {
    /* The whole pattern is in this packet (the usual case): llhttp reads
     * it from here with the rest, in one run instead of two (and the
     * section memo can find the section whole). */
    start_message(d, NULL, 0, d->match_off, &d->match_at, at);
    return (size_t)(d->match_off - d->off);
  }
  start_message(d, d->mbuf, d->match, d->match_off, &d->match_at, at);
  return i + 1;
}

/* --- after the header section ---------------------------------------------- */

static void enter_tunnel(rl__hdir *d, uint64_t end_off) {
  finish_cur(d, end_off);
  d->state = RL__D_TUNNEL;
}

/* Switches both directions of the connection to counting. */
static void tunnel_connection(rl__hdir *d, uint64_t end_off) {
  rl__hconn *hc = d->hc;
  rl_pktref at = d->cur->last;
  hc->tunnel = 1;
  enter_tunnel(d, end_off);
  rl__note(d, RL_EV_PROTOCOL_SWITCHED, end_off, &at, NULL);
  rl__hdir *peer = hc->d[d->dir == RL_DIR_TO_CLIENT ? RL_DIR_TO_SERVER
                                                     : RL_DIR_TO_CLIENT];
  if (peer != NULL && peer->state != RL__D_CLOSED)
    enter_tunnel(peer, peer->off);
}

/* Whether the bytes at stream offset `off`, in the packet being parsed,
 * begin a status line. */
static int status_line_follows(const rl__hdir *d, uint64_t off) {
  if (off < d->feed_off || off - d->feed_off > d->feed_len)
    return 0;
  size_t at = (size_t)(off - d->feed_off);
  if (d->feed_len - at < LINE_LEN)
    return 0;
  for (size_t i = 0; i < LINE_LEN; i++)
    if (!pat_eq(d->feed_p[at + i], at_line[i]))
      return 0;
  return 1;
}

/* The header section just ended at stream offset `end_off`. Returns 1 if
 * llhttp should go on parsing content. */
/* Gives back the slack of a header copy that is complete: queued requests
 * and held bodiless responses may wait a long time. Only large slack is
 * given back: a buffer from the message pool is usually a little larger
 * than the section, and trimming it would mean growing it again for the
 * next message, a realloc per message. */
enum { RAW_SLACK = 1024 };

static void shrink_raw(rl_http *h, rl__hmsg *m) {
  if (m->raw_cap - m->raw_len <= RAW_SLACK || m->raw_len == 0)
    return;
  uint8_t *r = rl__pool_get(&h->mem, m->raw_len);
  if (r == NULL)
    return;
  memcpy(r, m->raw, m->raw_len);
  rl__pool_put(&h->mem, m->raw, m->raw_cap);
  m->raw = r;
  m->raw_cap = m->raw_len;
}

static int headers_done(rl__hdir *d, uint64_t end_off) {
  rl__hmsg *m = d->cur;
  m->head_done = 1;
  shrink_raw(d->hc->http, m);
  m->status_code = d->parser.status_code;
  m->method = d->parser.method;
  m->http_major = d->parser.http_major;
  m->http_minor = d->parser.http_minor;
  m->keep_alive = (uint8_t)llhttp_should_keep_alive(&d->parser);
  m->conn_close = (d->parser.flags & F_CONNECTION_CLOSE) != 0;
  m->has_cl = (d->parser.flags & F_CONTENT_LENGTH) != 0;
  m->cl_seen = d->parser.content_length;
  if (!is_server(d)) {
    rl__queue_request(d, m);
    if (m->method == HTTP_CONNECT) {
      /* The client waits for the answer; a 2xx turns both sides into a
       * tunnel (see pair_response), anything else leaves HTTP going on. */
      m->complete = 1;
      finish_cur(d, end_off);
      enter_idle(d);
      return 0;
    }
    d->state = RL__D_BODY;
    return 1;
  }
  int verdict = rl__pair_response(d, m);
  int announced = m->framing == RL_FRAMING_CHUNKED ||
                  (m->framing == RL_FRAMING_LENGTH && m->cl_declared > 0);
  if (verdict == 0 && m->req_state != RL_REQ_PAIRED && announced &&
      status_line_follows(d, end_off)) {
    /* Without its request a response to HEAD cannot be told from one that
     * has content, except that the next response follows at once: then
     * reading the announced content would swallow it. */
    m->framing = RL_FRAMING_NONE;
    verdict = 1;
  }
  if (verdict == 2) {
    m->complete = 1;
    tunnel_connection(d, end_off);
    return 0;
  }
  if (verdict == 1) {
    /* The response is kept until we know whether content follows. */
    m->complete = 1;
    m->end_off = end_off;
    d->state = RL__D_FORBIDDEN;
    d->line_start = 1;
    d->match = 0;
    return 0;
  }
  d->state = RL__D_BODY;
  return 1;
}

/* --- errors and recovery --------------------------------------------------- */

static int on_pause(rl__hdir *d, uint64_t off);
static llhttp_errno_t execute(rl__hdir *d, const uint8_t *p, size_t len);

/* The lenient flag that makes llhttp 8.1 accept what it just rejected, or 0
 * when no flag helps. */
static uint8_t lenient_for(llhttp_errno_t e) {
  switch (e) {
  case HPE_INVALID_HEADER_TOKEN:
  case HPE_UNEXPECTED_SPACE:
  case HPE_LF_EXPECTED:
  case HPE_CR_EXPECTED:
    return LENIENT_HEADERS;
  case HPE_UNEXPECTED_CONTENT_LENGTH:
    return LENIENT_CHUNKED_LENGTH;
  case HPE_INVALID_TRANSFER_ENCODING:
    return LENIENT_TRANSFER_ENCODING;
  case HPE_INVALID_VERSION:
    return LENIENT_VERSION;
  case HPE_CLOSED_CONNECTION:
    return LENIENT_KEEP_ALIVE;
  default:
    return 0;
  }
}

/* Re-parses the copied header section with one more lenient flag. Returns 1
 * if llhttp now accepts everything up to where it stopped. */
static int retry_lenient(rl__hdir *d, uint8_t flag) {
  rl__hmsg *m = d->cur;
  if (flag == 0 || (d->lenient & flag) || m->raw_len != m->raw_total)
    return 0;
  uint8_t lenient = d->lenient | flag;
  parser_init(d);
  d->lenient = lenient; /* llhttp starts with it (execute_fresh) */
  d->replaying = 1;
  llhttp_errno_t e = execute(d, m->raw, m->raw_len);
  d->replaying = 0;
  if (e == HPE_PAUSED && d->paused == P_HEADERS) {
    /* Some checks run when the section ends (Content-Length with
     * Transfer-Encoding): the re-parse reaches that end. */
    on_pause(d, m->start_off + m->raw_len);
    return 1;
  }
  return e == HPE_OK;
}

/* Whether the copied header bytes end with an empty line in progress. */
static int raw_line_empty(const rl__hmsg *m) {
  for (uint32_t i = m->raw_len; i > 0; i--) {
    if (m->raw[i - 1] == '\n')
      return 1;
    if (m->raw[i - 1] != '\r')
      return 0;
  }
  return 0;
}

static size_t line_len(const uint8_t *p, size_t len) {
  const uint8_t *lf = memchr(p, '\n', len);
  return lf ? (size_t)(lf - p) : len;
}

/* llhttp 8.1 (loose mode) reports chunk data that is not followed by CRLF
 * as an invalid chunk size a byte or two later; the bytes after the data
 * tell the two faults apart. */
static rl_event_kind chunk_fault(const rl__hdir *d, uint64_t err_off) {
  uint64_t end = d->body_end_off;
  if (d->cur->chunk_count == 0 || err_off < end || err_off - end > 2 ||
      end < d->feed_off)
    return RL_EV_INVALID_CHUNK_SIZE;
  const uint8_t *after = d->feed_p + (end - d->feed_off);
  if (err_off - end == 2 && after[0] == '\r' && after[1] == '\n')
    return RL_EV_INVALID_CHUNK_SIZE;
  return RL_EV_CHUNK_WITHOUT_CRLF;
}

__attribute__((noinline, cold)) static void
parse_error(rl__hdir *d, llhttp_errno_t e, const uint8_t *p, size_t len,
            uint64_t off) {
  rl__hmsg *m = d->cur;
  const rl_msg_event *last = m->nev ? &m->x->ev[m->nev - 1] : NULL;
  /* After a lenient re-parse that did not help, llhttp stops at the same
   * byte again: that is one fault, not two. */
  int again = last != NULL && last->kind == RL_EV_PARSE_ERROR &&
              last->offset == off && last->hpe_name == llhttp_errno_name(e);
  /* A check made when the section ends (Content-Length with
   * Transfer-Encoding) is about the fields, not the content after them. */
  size_t shown = d->state == RL__D_HEAD && raw_line_empty(m) ? 0 : line_len(p, len);
  if (!again)
    rl__msg_event(m, RL_EV_PARSE_ERROR, off, llhttp_errno_name(e),
                  llhttp_get_error_reason(&d->parser), p, shown);
  if (e == HPE_INVALID_CHUNK_SIZE)
    rl__msg_event(m, chunk_fault(d, off), off, NULL, NULL, NULL, 0);
  if (d->state == RL__D_HEAD) {
    if (retry_lenient(d, lenient_for(e)))
      return;
    m->cut = RL_CUT_PARSE_ERROR;
    d->state = RL__D_DRAIN;
    d->drain_empty = (uint8_t)raw_line_empty(m);
    return;
  }
  m->cut = RL_CUT_PARSE_ERROR;
  finish_cur(d, off);
  enter_seek(d, 0, off);
}

/* --- the section memo ------------------------------------------------------ */

/* Whether two llhttp states agree in every member (the struct has padding,
 * so not memcmp). */
static int same_parser(const llhttp_t *a, const llhttp_t *b) {
  return a->_index == b->_index && a->_span_pos0 == b->_span_pos0 &&
         a->_span_cb0 == b->_span_cb0 && a->error == b->error &&
         a->reason == b->reason && a->error_pos == b->error_pos &&
         a->data == b->data && a->_current == b->_current &&
         a->content_length == b->content_length && a->type == b->type &&
         a->method == b->method && a->http_major == b->http_major &&
         a->http_minor == b->http_minor && a->header_state == b->header_state &&
         a->lenient_flags == b->lenient_flags && a->upgrade == b->upgrade &&
         a->finish == b->finish && a->flags == b->flags &&
         a->status_code == b->status_code &&
         a->initial_message_completed == b->initial_message_completed &&
         a->settings == b->settings;
}

/* RESPLINT_VERIFY_SCAN: llhttp itself, run from the same start over the
 * same bytes, must reach the restored state, or resplint aborts. Until the
 * pause no callback of ours runs but on_headers_complete (the others are
 * about content), so running it changes nothing else. */
__attribute__((noinline, cold)) static void
verify_restore(rl__hdir *d, const uint8_t *p, size_t len) {
  llhttp_t t;
  llhttp_init(&t, is_server(d) ? HTTP_RESPONSE : HTTP_REQUEST,
              &d->hc->http->settings);
  t.data = d;
  t.lenient_flags = d->lenient;
  d->paused = P_NONE;
  llhttp_errno_t e = llhttp_execute(&t, (const char *)p, len);
  if (e != HPE_PAUSED || d->paused != P_HEADERS || !same_parser(&t, &d->parser)) {
    fprintf(stderr, "resplint: RESPLINT_VERIFY_SCAN: llhttp's state after a "
                    "header section differs from the one the memo restored\n");
    abort();
  }
}

/* Takes llhttp's state at the end of the section of entry `s` (at `pos`),
 * which begins p[0, len), instead of running llhttp (see secmemo.h for why
 * that is exact). Pointers into the old input are those into this one: the
 * pause is right after the section. */
static void restore_head(rl__hdir *d, const rl__sec *s, uint64_t pos,
                         const uint8_t *p, size_t len) {
  rl_http *h = d->hc->http;
  d->parser = s->parser;
  d->parser.data = d;
  d->parser.error_pos = (const char *)p + s->len;
  d->paused = P_HEADERS;
  d->cur->sec = d->last_sec = pos;
  d->as_sec = 1;
  h->n_restored++;
  if (h->verify_scan)
    verify_restore(d, p, len);
}

/* Room for the fields of the section p[0, n): no more than its lines. */
static uint32_t field_room(const uint8_t *p, size_t n) {
  uint32_t lines = 0;
  for (const uint8_t *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
    lines++;
  return lines;
}

/* A fresh parser paused at the end of the header section p[0, len): keeps
 * its state with the section's description for the next time. Only a
 * pause outside any span is kept (none is open at a section's end). */
static void record_head(rl__hdir *d, const uint8_t *p, size_t len,
                        uint32_t hash) {
  rl_http *h = d->hc->http;
  size_t n = (size_t)((const uint8_t *)d->parser.error_pos - p);
  if (d->parser._span_pos0 != NULL || n > RL__SEC_MAX)
    return;
  /* The hash read min(len, RL__SEC_KEY) bytes; the section's own reads
   * min(n, RL__SEC_KEY). */
  if (n < len && n < RL__SEC_KEY)
    hash = rl__sec_hash(p, n);
  uint64_t pos;
  uint8_t server = (uint8_t)is_server(d);
  rl__sec *s = rl__sec_find(&h->secs, hash, p, (uint32_t)n, server, &pos);
  if (s == NULL &&
      (s = rl__sec_add(&h->secs, hash, p, (uint32_t)n, server,
                       field_room(p, n), &pos)) == NULL)
    return;
  if (!s->has_parser) {
    s->parser = d->parser;
    s->parser.data = NULL;
    s->parser.error_pos = NULL;
    s->lenient = d->lenient;
    s->has_parser = 1;
  }
  d->cur->sec = d->last_sec = pos;
  /* Same bytes from the same start: the same state (see secmemo.h). */
  d->as_sec = s->lenient == d->lenient;
}

/* The length of a section ending with CRLF CRLF within the first
 * RL__SEC_KEY bytes of p[0, len) and before len, or 0. */
static size_t short_section(const uint8_t *p, size_t len) {
  size_t n = len < RL__SEC_KEY ? len : RL__SEC_KEY;
  for (size_t i = 3; i < n;) {
    const uint8_t *lf = memchr(p + i, '\n', n - i);
    if (lf == NULL)
      return 0;
    i = (size_t)(lf - p);
    if (p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r')
      return i + 1 < len ? i + 1 : 0;
    i++;
  }
  return 0;
}

/* A fresh parser is about to run over p[0, len): when those bytes begin
 * with a section a fresh parser of the same kind paused at the end of,
 * restores the state it reached there. The memo finds a section by the
 * hash of its first RL__SEC_KEY bytes (all of them when it is shorter),
 * before its end is known: the hash of the input's first bytes finds every
 * remembered section that long, and a shorter one is found by its own hash
 * once its end is found. */
static int restore_any(rl__hdir *d, const uint8_t *p, size_t len,
                       uint32_t *hash) {
  const rl__secmemo *mo = &d->hc->http->secs;
  uint8_t server = (uint8_t)is_server(d);
  /* A connection often repeats its last section (a client polling, a
   * server's answers to it): that entry is tried before any hashing. */
  uint64_t pos = d->last_sec;
  const rl__sec *s = rl__sec_parsed_at(mo, pos, p, len, server, d->lenient);
  if (s == NULL) {
    *hash = rl__sec_hash(p, len);
    s = rl__sec_find_parsed(mo, *hash, p, len, server, d->lenient, &pos);
  }
  size_t n;
  if (s == NULL && (n = short_section(p, len)) > 0)
    s = rl__sec_find_parsed(mo, rl__sec_hash(p, n), p, len, server, d->lenient, &pos);
  if (s == NULL)
    return 0;
  restore_head(d, s, pos, p, len);
  return 1;
}

/* The first run of a fresh parser: over a section remembered by the memo
 * the state is restored, and a section parsed to its end is remembered. */
static llhttp_errno_t execute_fresh(rl__hdir *d, const uint8_t *p, size_t len) {
  d->fresh = 0;
  if (d->replaying || d->state != RL__D_HEAD) {
    llhttp_start(d);
    return llhttp_execute(&d->parser, (const char *)p, len);
  }
  uint32_t hash = 0;
  if (restore_any(d, p, len, &hash))
    return HPE_PAUSED;
  llhttp_start(d);
  d->hc->http->n_parsed++;
  llhttp_errno_t e = llhttp_execute(&d->parser, (const char *)p, len);
  if (e == HPE_PAUSED && d->paused == P_HEADERS)
    record_head(d, p, len, hash);
  return e;
}

/* What llhttp did in a verifying run (verify_end). */
typedef struct vend {
  size_t body;
  int done;
} vend;

static int vend_body(llhttp_t *p, const char *at, size_t len) {
  (void)at;
  ((vend *)p->data)->body += len;
  return 0;
}

static int vend_done(llhttp_t *p) {
  ((vend *)p->data)->done = 1;
  return HPE_PAUSED;
}

/* RESPLINT_VERIFY_SCAN: llhttp itself, resumed from the same state over
 * p[0, len), must hand `n` bytes to on_body and pause in on_message_complete
 * at p + n, or resplint aborts. Its callbacks here only count, so nothing
 * of the message changes. */
__attribute__((noinline, cold)) static void
verify_end(const rl__hdir *d, const uint8_t *p, size_t len, size_t n) {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_body = vend_body;
  s.on_message_complete = vend_done;
  vend v = {0, 0};
  llhttp_t t = d->parser;
  t.settings = &s;
  t.data = &v;
  llhttp_errno_t e = llhttp_execute(&t, (const char *)p, len);
  if (e != HPE_PAUSED || !v.done || v.body != n ||
      llhttp_get_error_pos(&t) != (const char *)p + n) {
    fprintf(stderr, "resplint: RESPLINT_VERIFY_SCAN: llhttp does not end the "
                    "message where the memo said it would\n");
    abort();
  }
}

/* llhttp resumes after a header section, in the state of the memo entry
 * cur->sec. What it does from there depends on that state and on the bytes
 * it reads; content framed by Content-Length it counts off without reading
 * it (llhttp.c: consume_content_length), and the way there
 * (after_headers_complete, the span's start) and from its end to
 * on_message_complete reads nothing. So once llhttp, given the whole
 * content, ended the message right after it, it will again from the same
 * state: the content goes to on_body and the pause is taken without running
 * llhttp (for a request without content, content_length is 0: the pause
 * comes at once). The parser's state after that pause is never read (the
 * next message starts a fresh one). */
static llhttp_errno_t after_head(rl__hdir *d, const uint8_t *p, size_t len) {
  rl_http *h = d->hc->http;
  rl__sec *s = rl__sec_at(&h->secs, d->cur->sec);
  uint64_t n = d->parser.content_length;
  d->as_sec = 0;
  if (s == NULL || len < n || d->cur->content_bytes > 0)
    return llhttp_execute(&d->parser, (const char *)p, len);
  if (s->ends_at_length) {
    if (h->verify_scan)
      verify_end(d, p, len, (size_t)n);
    h->n_ended++;
    if (n > 0)
      cb_body(&d->parser, (const char *)p, (size_t)n);
    d->paused = P_DONE;
    d->parser.error = HPE_PAUSED;
    d->parser.error_pos = (const char *)p + n;
    return HPE_PAUSED;
  }
  llhttp_errno_t e = llhttp_execute(&d->parser, (const char *)p, len);
  if (e == HPE_PAUSED && d->paused == P_DONE && d->cur->content_bytes == n &&
      llhttp_get_error_pos(&d->parser) == (const char *)p + n)
    s->ends_at_length = 1;
  return e;
}

/* Runs llhttp over p[0, len), or takes its state from the section memo. */
static llhttp_errno_t execute(rl__hdir *d, const uint8_t *p, size_t len) {
  if (d->fresh)
    return execute_fresh(d, p, len);
  if (d->as_sec)
    return after_head(d, p, len);
  return llhttp_execute(&d->parser, (const char *)p, len);
}

/* --- feeding llhttp -------------------------------------------------------- */

/* The cap for a copy holding `len` bytes now: max_header_bytes, lowered
 * so that the copies of all connections together stay within
 * max_header_total (many connections each inside a large header section
 * would otherwise hold max_header_bytes apiece). Every copy may still hold
 * its first MIN_COPY bytes, so that a full budget leaves each response its
 * status line and first fields rather than nothing. */
enum { MIN_COPY = 1024 };

static uint32_t copy_cap(const rl_http *h, uint32_t len) {
  uint32_t cap = h->cfg.max_header_bytes;
  uint64_t left = h->cfg.max_header_total > h->held ? h->cfg.max_header_total - h->held : 0;
  if ((uint64_t)len + left < cap)
    cap = (uint32_t)(len + left);
  if (cap < MIN_COPY)
    cap = h->cfg.max_header_bytes < MIN_COPY ? h->cfg.max_header_bytes : MIN_COPY;
  return cap;
}

static void copy_consumed(rl__hdir *d, const uint8_t *p, size_t n) {
  rl__hmsg *m = d->cur;
  rl_http *h = d->hc->http;
  if (n == 0 || d->replaying)
    return;
  if (d->state == RL__D_HEAD || d->state == RL__D_DRAIN) {
    int whole = m->raw_len == m->raw_total;
    uint32_t before = m->raw_len, cap = copy_cap(h, before);
    /* The first bytes past the cap are reported once. */
    if (rl__buf_append(&h->mem, &m->raw, &m->raw_len, &m->raw_cap, p, n, cap) > 0 && whole)
      rl__msg_event(m, RL_EV_HEADER_LIMIT, m->start_off + cap, NULL, NULL,
                    NULL, 0);
    h->held += m->raw_len - before;
    m->raw_total += (uint32_t)n;
  } else if (m->trailing) {
    uint32_t before = m->trl_len;
    rl__buf_append(&h->mem, &m->trl, &m->trl_len, &m->trl_cap, p, n,
                   copy_cap(h, before));
    h->held += m->trl_len - before;
  }
}

/* Handles a pause; returns 1 if llhttp should keep going. */
static int on_pause(rl__hdir *d, uint64_t off) {
  int why = d->paused;
  d->paused = P_NONE;
  llhttp_resume(&d->parser);
  switch (why) {
  case P_HEADERS:
    return headers_done(d, off);
  case P_LAST_CHUNK:
    d->cur->trailing = 1;
    return 1;
  case P_EXT_LIST:
    return 1; /* feed goes on from d->ext_resume */
  case P_DONE:
  default:
    d->cur->complete = 1;
    finish_cur(d, off);
    enter_idle(d);
    return 0;
  }
}

/* Runs llhttp over p[0, len) (stream offset `off`); returns bytes used. */
static size_t feed(rl__hdir *d, const uint8_t *p, size_t len, uint64_t off,
                   const rl_pktref *at) {
  size_t done = 0;
  for (;;) {
    d->feed_p = p + done;
    d->feed_off = off + done;
    d->feed_len = len - done;
    d->feed_at = at;
    llhttp_errno_t e = execute(d, p + done, len - done);
    size_t used = len - done;
    if (e != HPE_OK && llhttp_get_error_pos(&d->parser) != NULL)
      used = (size_t)((const uint8_t *)llhttp_get_error_pos(&d->parser) -
                      (p + done));
    if (used > 0)
      d->cur->last = *at;
    copy_consumed(d, p + done, used);
    done += used;
    if (e == HPE_OK)
      return done;
    if (e == HPE_PAUSED_UPGRADE) {
      d->paused = P_DONE;
      e = HPE_PAUSED;
    }
    if (e != HPE_PAUSED) {
      parse_error(d, e, p + done, len - done, off + done);
      return done;
    }
    if (!on_pause(d, off + done))
      return done;
    if (d->ext_resume != NULL) {
      done = (size_t)(d->ext_resume - p);
      d->ext_resume = NULL;
    }
  }
}

/* --- content inside a packet ------------------------------------------------ */

/* Whether all of p[0, len) is content llhttp is in the middle of, framed by
 * Content-Length or inside a chunk: then llhttp would only count the bytes
 * off (consume_content_length: content_length -= len, its state kept) and
 * hand them to on_body, since they end before the content does. The on_body
 * span is open exactly when llhttp is in that state: after the header
 * section the only span it opens is the body's, and it closes when the
 * content ends (which pauses us at message end). */
static int inside_content(const rl__hdir *d, size_t len) {
  const rl__hmsg *m = d->cur;
  int in_data = m->framing == RL_FRAMING_LENGTH ||
                (m->framing == RL_FRAMING_CHUNKED && d->in_chunk);
  return in_data && !d->fresh && d->paused == P_NONE &&
         d->parser.error == HPE_OK && d->parser._span_pos0 != NULL &&
         len < d->parser.content_length;
}

/* RESPLINT_VERIFY_SCAN: llhttp itself, run from state `t` over the same
 * bytes (with no callbacks: ours ran already), must reach the state
 * take_content left, or resplint aborts. */
__attribute__((noinline, cold)) static void
verify_content(llhttp_t *t, const rl__hdir *d, const uint8_t *p,
               size_t len) {
  llhttp_settings_t none;
  llhttp_settings_init(&none);
  const void *settings = t->settings;
  t->settings = &none;
  llhttp_errno_t e = llhttp_execute(t, (const char *)p, len);
  t->settings = (void *)settings;
  if (e != HPE_OK || !same_parser(t, &d->parser)) {
    fprintf(stderr, "resplint: RESPLINT_VERIFY_SCAN: llhttp's state after "
                    "content differs from the one counted without it\n");
    abort();
  }
}

/* Takes p[0, len), all of it content (inside_content), as llhttp would
 * without running it: a body packet costs a callback, not a parser run. */
static size_t take_body(rl__hdir *d, const uint8_t *p, size_t len,
                        const rl_pktref *at) {
  d->feed_p = p;
  d->feed_off = d->off;
  d->feed_len = len;
  d->feed_at = at;
  d->parser._span_pos0 = (void *)p; /* llhttp restarts the span here */
  d->parser.content_length -= len;
  cb_body(&d->parser, (const char *)p, len);
  d->cur->last = *at;
  return len;
}

/* take_body checked against llhttp (RESPLINT_VERIFY_SCAN); out of line,
 * so that the copy of the parser costs nothing otherwise. */
__attribute__((noinline)) static size_t take_verified(rl__hdir *d,
                                                      const uint8_t *p,
                                                      size_t len,
                                                      const rl_pktref *at) {
  llhttp_t before = d->parser;
  take_body(d, p, len, at);
  verify_content(&before, d, p, len);
  return len;
}

/* Out of line: rl__dir_data stays a test and a call. */
__attribute__((noinline)) static size_t take_content(rl__hdir *d,
                                                     const uint8_t *p,
                                                     size_t len,
                                                     const rl_pktref *at) {
  if (d->hc->http->verify_scan)
    return take_verified(d, p, len, at);
  return take_body(d, p, len, at);
}

/* --- states ---------------------------------------------------------------- */

/* IDLE: the next byte is a message boundary. */
/* True when a stream starts with a TLS record header (RFC 8446 5.1: a
 * handshake record, legacy version 3.x). HTTP/1.x never starts so, and a
 * connection whose two sides both began with one (ClientHello, ServerHello)
 * carries no cleartext HTTP after it. One side alone proves nothing: a
 * plain HTTP server may answer a client's stray TLS bytes in HTTP. */
static int starts_tls(const rl__hdir *d, const uint8_t *p, size_t len) {
  return d->off == 0 && len >= 3 && p[0] == 0x16 && p[1] == 0x03 && p[2] <= 0x04;
}

/* Bytes a client may skip before "HTTP/" on the status line's own line: a
 * few SP, HTAB or NUL. Some clients look for "HTTP/" after such bytes, others
 * reject the response; HTTP Evader sends both (cases 375, 390). */
enum { STRAY_MAX = 8 };

static int stray_byte(uint8_t c) { return c == ' ' || c == '\t' || c == 0; }

/* How many stray bytes the first segment of a server's captured stream
 * starts with, when a status line ("HTTP/1.", in any case) follows them in
 * the same segment; else 0. Only at the very start of the stream: there no
 * content can hold the pattern, so a status line found after the bytes is
 * the first response's and not text inside a body. */
static size_t stray_prefix(const rl__hdir *d, const uint8_t *p, size_t len) {
  if (!is_server(d) || d->off != 0 || d->started_mid || d->messages > 0 ||
      d->match != 0)
    return 0;
  size_t n = 0;
  while (n < len && n < STRAY_MAX && stray_byte(p[n]))
    n++;
  if (n == 0 || len - n < LINE_LEN)
    return 0;
  for (size_t i = 0; i < LINE_LEN; i++)
    if (!pat_eq(p[n + i], at_line[i]))
      return 0;
  return n;
}

/* Names the stray bytes for the note's detail: "1 SP", "2 NUL bytes",
 * "1 SP and 1 HTAB". */
static void stray_detail(const uint8_t *p, size_t n, char *buf, size_t cap) {
  static const struct { uint8_t c; const char *one, *many; } kinds[] = {
      {' ', "SP", "SPs"}, {'\t', "HTAB", "HTABs"}, {0, "NUL byte", "NUL bytes"}};
  size_t used = 0;
  buf[0] = '\0';
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
      count += p[i] == kinds[k].c;
    if (count == 0 || used >= cap)
      continue;
    int w = snprintf(buf + used, cap - used, "%s%zu %s", used ? " and " : "",
                     count, count == 1 ? kinds[k].one : kinds[k].many);
    used += w > 0 ? (size_t)w : 0;
  }
}

static size_t step_idle(rl__hdir *d, const uint8_t *p, size_t len,
                        const rl_pktref *at) {
  if (starts_tls(d, p, len))
    d->hc->tls |= (uint8_t)(1u << d->dir);
  size_t stray = stray_prefix(d, p, len);
  if (stray > 0) {
    /* No part of any message (RFC 9112 2.1, 4), like the empty lines and
     * junk lines pre_found reports; the response after them is linted. */
    char detail[64];
    stray_detail(p, stray, detail, sizeof detail);
    rl__note(d, RL_EV_DATA_BEFORE_RESPONSE, d->off, at, detail);
    start_message(d, NULL, 0, d->off + stray, at, at);
    return stray;
  }
  if (!is_server(d)) {
    /* A request line starts with a method token (RFC 9110 9.1). */
    if (p[0] >= 'A' && p[0] <= 'Z') {
      start_message(d, NULL, 0, d->off, at, at);
      return 0;
    }
    enter_seek(d, 0, d->off);
    return 0;
  }
  if (d->match == 0 && len >= BOUNDARY_LEN &&
      memcmp(p, at_boundary, BOUNDARY_LEN) == 0) {
    /* The usual case, taken whole: what the loop below would do. */
    start_message(d, NULL, 0, d->off, at, at);
    return 0;
  }
  for (size_t i = 0; i < len; i++) {
    if (pat_eq(p[i], at_boundary[d->match])) {
      if (!match_take(d, p[i], BOUNDARY_LEN, d->off + i, at))
        continue;
      return start_matched(d, i, at);
    }
    uint64_t bad = d->match ? d->match_off : d->off + i;
    uint8_t matched = d->match;
    if (d->messages > 0) {
      rl__note(d, RL_EV_DATA_AFTER_MESSAGE, bad, at, NULL);
      enter_seek(d, 0, bad);
      d->skipped = matched;
      d->skip_noted = 1;
      return i;
    }
    /* Before the first response: whether these bytes are another protocol
     * or junk in front of a response is known when the SEEK ends. */
    enter_seek(d, 0, bad);
    d->skipped = matched;
    d->pre = RL__PRE_ON | (matched ? RL__PRE_JUNK : 0);
    return i;
  }
  return len;
}

/* Names bytes skipped before the first response, for the note's detail. */
static void pre_detail(const rl__hdir *d, char *buf, size_t cap) {
  const char *what = (d->pre & RL__PRE_BARE_CR) ? "with a bare CR"
                     : (d->pre & RL__PRE_JUNK)  ? "that are not a status line"
                                                : "of empty lines";
  snprintf(buf, cap, "%llu byte%s %s", (unsigned long long)d->skipped,
           d->skipped == 1 ? "" : "s", what);
}

/* Reports what a SEEK skipped before the first response of a captured
 * connection start. `found` says whether a status line ended the SEEK. Junk
 * that ends with a line break in front of a response is no part of any
 * message (RFC 9112 2.1, 4); bytes that do not end a line and are followed
 * by a response only at a segment start are another protocol's preamble (a
 * SOCKS reply); bytes followed by no response at all are not HTTP. */
static void pre_found(rl__hdir *d, const rl_pktref *at, int found) {
  char detail[160];
  if (d->pre & RL__PRE_CR)
    d->pre |= RL__PRE_BARE_CR;
  if (found && (d->pre & RL__PRE_EOL)) {
    pre_detail(d, detail, sizeof detail);
    rl__note(d, RL_EV_DATA_BEFORE_RESPONSE, d->skip_off, at, detail);
  } else if (found) {
    snprintf(detail, sizeof detail,
             "%llu bytes of another protocol (a proxy handshake?) precede "
             "the first response; the responses after them are linted",
             (unsigned long long)d->skipped);
    rl__note(d, RL_EV_NOT_HTTP, d->skip_off, at, detail);
  } else {
    rl__note(d, RL_EV_NOT_HTTP, d->skip_off, at,
             "the server's stream does not carry HTTP/1.x; it was not linted");
  }
  d->pre = 0;
}

/* Ends a SEEK: reports what was skipped. `found` says whether a message
 * start ended it (rather than a gap or the end of the stream). */
static void seek_found(rl__hdir *d, const rl_pktref *at, int found) {
  if (is_server(d) && (d->pre & RL__PRE_ON))
    pre_found(d, at, found);
  else if (d->skipped > 0 && is_server(d) && !d->skip_noted)
    rl__note(d, RL_EV_RESYNC, d->skip_off, at, NULL);
  d->skipped = 0;
}

/* Keeps what a SEEK before the first response skipped: c is one more
 * skipped byte, after `matched` bytes of a start pattern that failed. */
/* The CR and EOL bits say what the last byte taken was. */
static uint8_t pre_last(uint8_t pre, uint8_t c) {
  pre &= (uint8_t)~(RL__PRE_CR | RL__PRE_EOL);
  if (c == '\r')
    pre |= RL__PRE_CR;
  if (c == '\r' || c == '\n')
    pre |= RL__PRE_EOL;
  return pre;
}

static void pre_take(rl__hdir *d, uint8_t c, uint8_t matched) {
  uint8_t pre = d->pre;
  if ((pre & RL__PRE_CR) && c != '\n')
    pre |= RL__PRE_BARE_CR;
  if (matched || (c != '\r' && c != '\n'))
    pre |= RL__PRE_JUNK;
  d->pre = pre_last(pre, c);
}

/* Whether byte c, at the start of a line, may begin a message. */
static int may_start(const rl__hdir *d, uint8_t c) {
  return is_server(d) ? pat_eq(c, at_line[0]) : c >= 'A' && c <= 'Z';
}

/* A client's SEEK, inside a line (a server's takes seek_status, which
 * skips more at once): nothing there can start a message, so the bytes up
 * to the next CR or LF are skipped at once instead of one by one (a SEEK
 * may run over megabytes of TLS or of content after a gap), then the CRs
 * and LFs ending the line, and so on until a line starts with a byte that
 * may begin a message. Each byte is taken as step_seek's byte loop would
 * take it; pre_take of a line's first byte decides everything for the
 * bytes after it (neither CR nor LF either). Returns the bytes skipped. */
static size_t seek_lines(rl__hdir *d, const uint8_t *p, size_t len) {
  int pre_on = (d->pre & RL__PRE_ON) != 0;
  size_t i = 0;
  while (i < len) {
    size_t n = rl__find_eol(p + i, len - i);
    if (n > 0 && pre_on)
      pre_take(d, p[i], 0);
    i += n;
    if (i == len)
      break;
    do {
      if (pre_on)
        pre_take(d, p[i], 0);
      i++;
    } while (i < len && (p[i] == '\r' || p[i] == '\n'));
    if (i == len || may_start(d, p[i])) {
      d->line_start = 1;
      break;
    }
  }
  d->skipped += i;
  return i;
}

/* pre_take of every byte of p[0, n), in order, with no pattern matched.
 * JUNK and BARE_CR never clear, and CR and EOL say what the last byte was,
 * so the bytes are taken one by one only until one is neither CR nor LF
 * (JUNK); after that only a CR followed by something other than an LF can
 * change anything (BARE_CR), and it is searched for with memchr. */
static void pre_skip(rl__hdir *d, const uint8_t *p, size_t n) {
  size_t j = 0;
  while (j < n && !(d->pre & RL__PRE_JUNK))
    pre_take(d, p[j++], 0);
  if (j == n)
    return;
  uint8_t pre = d->pre;
  if ((pre & RL__PRE_CR) && p[j] != '\n')
    pre |= RL__PRE_BARE_CR;
  /* A CR in p[j, n - 1) is followed by a byte of p; one at p[n - 1] by the
   * next byte, judged when that comes (the CR bit below). */
  const uint8_t *cr;
  while (!(pre & RL__PRE_BARE_CR) && j + 1 < n &&
         (cr = memchr(p + j, '\r', n - 1 - j)) != NULL) {
    j = (size_t)(cr - p) + 1;
    if (p[j] != '\n')
      pre |= RL__PRE_BARE_CR;
  }
  d->pre = pre_last(pre, p[n - 1]);
}

/* RESPLINT_VERIFY_SCAN: step_seek's byte loop, run over the same bytes
 * from the same state `t`, must skip as many of them and leave the same
 * state as skip_to_line_h did (`d`), or resplint aborts. */
static void verify_seek(rl__hdir *t, const rl__hdir *d, const uint8_t *p,
                        size_t len, size_t k) {
  size_t i = 0;
  for (; i < len && !(t->line_start && pat_eq(p[i], at_line[0])); i++) {
    if (t->pre & RL__PRE_ON)
      pre_take(t, p[i], 0);
    t->skipped++;
    t->line_start = p[i] == '\r' || p[i] == '\n';
  }
  if (i != k || t->pre != d->pre || t->line_start != d->line_start ||
      t->skipped != d->skipped) {
    fprintf(stderr, "resplint: RESPLINT_VERIFY_SCAN: the SEEK's search for a "
                    "status line differs from the byte loop's\n");
    abort();
  }
}

/* A server's SEEK with no pattern byte matched: the bytes before the next
 * line start holding 'H' or 'h' cannot begin "HTTP/1.", so they are skipped
 * at once (step_seek's byte loop would take each of them only to skip it).
 * Returns the bytes skipped; the byte after them, if any, starts a line. */
static size_t skip_to_line_h(rl__hdir *d, const uint8_t *p, size_t len) {
  size_t k = rl__find_line_h(p, len, d->line_start);
  if (k > 0) {
    if (d->pre & RL__PRE_ON)
      pre_skip(d, p, k);
    d->skipped += k;
    d->line_start = p[k - 1] == '\r' || p[k - 1] == '\n';
  }
  return k;
}

static size_t seek_status(rl__hdir *d, const uint8_t *p, size_t len) {
  if (!d->hc->http->verify_scan)
    return skip_to_line_h(d, p, len);
  rl__hdir before = *d;
  size_t k = skip_to_line_h(d, p, len);
  verify_seek(&before, d, p, len, k);
  return k;
}

/* SEEK: find a line that starts a message. */
static size_t step_seek(rl__hdir *d, const uint8_t *p, size_t len,
                        const rl_pktref *at) {
  /* A TLS connection's bytes are only counted: searching megabytes of
   * ciphertext for a status line could only find noise. */
  if (d->hc->tls == (1u << RL_DIR_TO_SERVER | 1u << RL_DIR_TO_CLIENT)) {
    if (d->pre & RL__PRE_ON)
      pre_take(d, p[0], d->match);
    d->match = 0;
    d->skipped += len;
    return len;
  }
  int server = is_server(d);
  for (size_t i = 0; i < len; i++) {
    if (d->match == 0 && (server || !d->line_start)) {
      i += server ? seek_status(d, p + i, len - i) : seek_lines(d, p + i, len - i);
      if (i == len)
        return len;
    }
    uint8_t c = p[i];
    if (!server) {
      if (d->line_start && c >= 'A' && c <= 'Z') {
        seek_found(d, at, 1);
        start_message(d, NULL, 0, d->off + i, at, at);
        return i;
      }
    } else if ((d->match > 0 || d->line_start) && pat_eq(c, at_line[d->match])) {
      d->skipped++;
      if (match_take(d, c, LINE_LEN, d->off + i, at)) {
        d->skipped -= LINE_LEN;
        seek_found(d, at, 1);
        return start_matched(d, i, at);
      }
      d->line_start = 0;
      continue;
    }
    if (d->pre & RL__PRE_ON)
      pre_take(d, c, d->match);
    d->match = 0;
    d->skipped++;
    /* A bare CR ends a line as far as finding a status line goes: HTTP
     * Evader's "\rHTTP/1.1 200 ok" must be linted, not dropped. */
    d->line_start = c == '\n' || c == '\r';
  }
  return len;
}

/* Counts bytes of a bodiless response's forbidden content. */
static void forbid(rl__hdir *d, const uint8_t *p, size_t n) {
  rl__hmsg *m = d->cur;
  uint32_t cap = d->hc->http->cfg.content_prefix;
  if (m->forbidden_prefix_len < cap) {
    size_t k = cap - m->forbidden_prefix_len < n ? cap - m->forbidden_prefix_len : n;
    memcpy(m->forbidden_prefix + m->forbidden_prefix_len, p, k);
    m->forbidden_prefix_len += (uint32_t)k;
  }
  m->forbidden_bytes += n;
}

/* FORBIDDEN, inside a line: the bytes before the next LF are content at
 * once, in one piece rather than one by one, up to where the announced
 * Content-Length would end (the next response may start there). Returns
 * how many bytes were taken; the byte after them is judged alone. */
static size_t forbid_skip_line(rl__hdir *d, const uint8_t *p, size_t len,
                               const rl_pktref *at) {
  rl__hmsg *m = d->cur;
  const uint8_t *lf = memchr(p, '\n', len);
  size_t n = lf != NULL ? (size_t)(lf - p) : len;
  if (m->has_cl && m->forbidden_bytes < m->cl_seen &&
      m->cl_seen - m->forbidden_bytes < n)
    n = (size_t)(m->cl_seen - m->forbidden_bytes);
  if (n == 0)
    return 0;
  forbid(d, p, n);
  m->last = *at;
  d->line_start = m->has_cl && m->forbidden_bytes == m->cl_seen;
  return n;
}

/* FORBIDDEN: after a response that cannot have content. Bytes up to the
 * next line starting "HTTP/1." belong to it. */
static size_t step_forbidden(rl__hdir *d, const uint8_t *p, size_t len,
                             const rl_pktref *at) {
  for (size_t i = 0; i < len; i++) {
    if (d->match == 0 && !d->line_start) {
      i += forbid_skip_line(d, p + i, len - i, at);
      if (i == len)
        return len;
    }
    uint8_t c = p[i];
    if ((d->match > 0 || d->line_start) && pat_eq(c, at_line[d->match])) {
      d->line_start = 0;
      if (match_take(d, c, LINE_LEN, d->off + i, at)) {
        finish_cur(d, 0);
        return start_matched(d, i, at);
      }
      continue;
    }
    if (d->match > 0)
      forbid(d, d->mbuf, d->match);
    d->match = 0;
    forbid(d, &c, 1);
    d->cur->last = *at;
    /* A server that sends the content its Content-Length announced starts
     * the next response right after it, not necessarily on a new line. */
    d->line_start = c == '\n' || (d->cur->has_cl &&
                                  d->cur->forbidden_bytes == d->cur->cl_seen);
  }
  return len;
}

/* DRAIN: copy the rest of a rejected header section, to its empty line. */
static size_t step_drain(rl__hdir *d, const uint8_t *p, size_t len,
                         const rl_pktref *at) {
  /* Line by line (a drain may run over megabytes after a parse error): a
   * line ends the section when nothing but CRs came since the last LF. */
  size_t i = 0;
  int end = 0;
  while (i < len && !end) {
    const uint8_t *lf = memchr(p + i, '\n', len - i);
    size_t stop = lf != NULL ? (size_t)(lf - p) : len;
    size_t k = i;
    while (k < stop && p[k] == '\r')
      k++;
    if (k < stop)
      d->drain_empty = 0;
    if (lf == NULL) {
      i = len;
      break;
    }
    end = d->drain_empty;
    d->drain_empty = 1;
    i = stop + 1;
  }
  copy_consumed(d, p, i);
  d->cur->last = *at;
  if (end || d->cur->raw_len < d->cur->raw_total) {
    rl__hmsg *m = d->cur;
    int server = is_server(d);
    if (!server)
      rl__queue_request(d, m);
    finish_cur(d, d->off + i);
    if (server)
      enter_seek(d, 1, d->off + i);
    else
      enter_idle(d);
  }
  return i;
}

static size_t step(rl__hdir *d, const uint8_t *p, size_t len,
                   const rl_pktref *at) {
  switch (d->state) {
  case RL__D_IDLE:
    return step_idle(d, p, len, at);
  case RL__D_SEEK:
    return step_seek(d, p, len, at);
  case RL__D_BODY:
    if (inside_content(d, len))
      return take_content(d, p, len, at);
    return feed(d, p, len, d->off, at);
  case RL__D_HEAD:
    return feed(d, p, len, d->off, at);
  case RL__D_DRAIN:
    return step_drain(d, p, len, at);
  case RL__D_FORBIDDEN:
    return step_forbidden(d, p, len, at);
  case RL__D_TUNNEL:
  case RL__D_CLOSED:
  default:
    return len;
  }
}

/* Steps through p[0, len) state by state. Kept out of rl__dir_data so that
 * the common content packet does not pay for this loop's registers. */
__attribute__((noinline)) static void steps(rl__hdir *d, const uint8_t *p,
                                            size_t len, const rl_pktref *at) {
  int stuck = 0;
  /* Servers start responses at segment starts, so once lost (or after a
   * bodiless response) a segment start counts as the start of a line. */
  if (is_server(d) && d->match == 0 &&
      (d->state == RL__D_SEEK || d->state == RL__D_FORBIDDEN))
    d->line_start = 1;
  while (len > 0) {
    rl__dstate before = d->state;
    size_t n = step(d, p, len, at);
    /* Each state either consumes bytes or moves on; a state that does
     * neither twice would loop forever, so skip to the next byte instead. */
    if (n == 0 && d->state == before && ++stuck > 2)
      n = 1;
    if (n > 0)
      stuck = 0;
    p += n;
    len -= n;
    d->off += n;
  }
}

void rl__dir_data(rl__hdir *d, const uint8_t *p, size_t len,
                  const rl_pktref *at) {
  /* Most packets of a response with content lie wholly inside it. */
  if (d->state == RL__D_BODY && inside_content(d, len)) {
    d->off += take_content(d, p, len, at);
    return;
  }
  steps(d, p, len, at);
}

/* --- gaps and ends --------------------------------------------------------- */

/* A gap inside content: skip it inside llhttp when the framing says where
 * the content goes on; returns 0 when the message cannot be followed. */
static int skip_content_gap(rl__hdir *d, uint64_t len) {
  rl__hmsg *m = d->cur;
  llhttp_t *ps = &d->parser;
  if (m->framing == RL_FRAMING_CLOSE)
    return 1;
  int in_data = m->framing == RL_FRAMING_LENGTH ||
                (m->framing == RL_FRAMING_CHUNKED && d->in_chunk);
  if (!in_data || len >= ps->content_length)
    return 0;
  ps->content_length -= len;
  return 1;
}

void rl__dir_gap(rl__hdir *d, uint64_t len, const rl_pktref *at) {
  uint64_t off = d->off;
  if (d->had_gap && d->gap_end == off && d->state == RL__D_SEEK) {
    /* No byte since the last gap: the same hole, learnt in two steps
     * (flow.h), noted once. */
    d->off += len;
    enter_seek(d, 1, d->off);
    d->gap_end = d->off;
    return;
  }
  d->had_gap = 1;
  if (!is_server(d))
    d->hc->client_lossy = 1;
  switch (d->state) {
  case RL__D_IDLE:
    if (is_server(d))
      d->hc->lost_responses++;
    rl__note(d, RL_EV_TCP_GAP, off, at, NULL);
    break;
  case RL__D_SEEK:
    seek_found(d, at, 0);
    rl__note(d, RL_EV_TCP_GAP, off, at, NULL);
    break;
  case RL__D_BODY:
    rl__msg_event(d->cur, RL_EV_TCP_GAP, off, NULL, NULL, NULL, 0);
    d->cur->cut = RL_CUT_GAP;
    if (skip_content_gap(d, len)) {
      d->off += len;
      return;
    }
    finish_cur(d, off);
    break;
  case RL__D_HEAD:
  case RL__D_DRAIN:
  case RL__D_FORBIDDEN:
    rl__msg_event(d->cur, RL_EV_TCP_GAP, off, NULL, NULL, NULL, 0);
    if (d->state != RL__D_FORBIDDEN)
      d->cur->cut = RL_CUT_GAP;
    /* A request cut inside its header section was still sent, and its
     * response is still coming: keep the queue in step. */
    if (!is_server(d) && d->state != RL__D_FORBIDDEN)
      rl__queue_request(d, d->cur);
    finish_cur(d, off);
    break;
  default:
    d->off += len;
    return;
  }
  d->off += len;
  /* Segments often begin with a message, so the byte after a gap counts as
   * the start of a line. */
  enter_seek(d, 1, d->off);
  d->gap_end = d->off;
}

static void cut_at_end(rl__hdir *d, int closed) {
  rl__hmsg *m = d->cur;
  rl_event_kind kind = RL_EV_CAPTURE_ENDED;
  rl_cut cut = RL_CUT_CAPTURE_END;
  if (d->state == RL__D_HEAD && closed) {
    kind = RL_EV_CLOSED_IN_HEADERS;
    cut = RL_CUT_HEADERS;
  } else if (d->state == RL__D_BODY && closed) {
    if (m->framing == RL_FRAMING_CLOSE || (!is_server(d) && m->framing == RL_FRAMING_NONE)) {
      m->complete = 1;
      return;
    }
    kind = m->framing == RL_FRAMING_CHUNKED ? RL_EV_CLOSED_IN_CHUNKED
                                            : RL_EV_CLOSED_IN_LENGTH;
    cut = m->framing == RL_FRAMING_CHUNKED ? RL_CUT_CHUNKED : RL_CUT_LENGTH;
  }
  rl__msg_event(m, kind, d->off, NULL, NULL, NULL, 0);
  if (m->cut == RL_CUT_NONE || m->cut == RL_CUT_GAP)
    m->cut = cut;
}

void rl__dir_end(rl__hdir *d, rl_end_kind how, const rl_pktref *at) {
  /* Only this direction's own FIN or RST closes it; RL_END_PEER_RST (the
   * other side reset) cuts it like the end of the capture, so a client that
   * aborts a download does not make the response short by the server's
   * fault. */
  int closed = how == RL_END_FIN || how == RL_END_RST;
  (void)at;
  switch (d->state) {
  case RL__D_HEAD:
  case RL__D_BODY:
    cut_at_end(d, closed);
    if (!is_server(d) && d->state == RL__D_HEAD)
      rl__queue_request(d, d->cur);
    finish_cur(d, d->off);
    break;
  case RL__D_DRAIN:
  case RL__D_FORBIDDEN:
    finish_cur(d, d->off);
    break;
  case RL__D_SEEK:
    seek_found(d, at, 0);
    break;
  default:
    break;
  }
  d->state = RL__D_CLOSED;
}

void rl__dir_release(rl__hdir *d) {
  if (d != NULL && d->cur != NULL)
    rl__msg_unref(d->cur);
}
