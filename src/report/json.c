/* JSON Lines: one object per finding with the keys of the fixed contract at
 * the end of RULES.md, then one {"summary": {...}} line.
 *
 * A transcript has no packets and no addresses: "frame" is 0 there and
 * "client" and "server" are absent. Keys beyond the contract: "offset" (stream offset of the evidence) and,
 * for raw transcripts, "line" (the line of the server file; "frame" is 0
 * there, since a transcript has no packets). Strings follow RFC 8259; wire
 * bytes that are not UTF-8 are written as \u00XX of the byte (escape.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

/* Requests repeat their method and, often, their target: memoized. */
static char *fmt_span(char *d, const char *key, size_t keylen, const rl_message *m,
                      rl_span sp, rl__plain_memo *memo) {
  if (!m || !m->raw || sp.off + (uint64_t)sp.len > m->raw_len)
    return d;
  d = rl__fmt_mem(d, key, keylen);
  return rl__fmt_json_memo(memo, d, m->raw + sp.off, sp.len);
}

static void json_begin(rl_report *r) { (void)r; }

/* The keys other than the escaped strings take at most this much: eleven
 * keys (about 110 bytes), five numbers of RL__U64_MAX, a timestamp of
 * RL__TS_MAX, two endpoints of 64. */
enum { WHERE_FIXED = 512 };

static const rl_message *paired_request(const rl_exchange *x) {
  return x && x->request && x->request_state == RL_REQ_PAIRED ? x->request : NULL;
}

size_t rl__json_where_bound(const rl_finding *f, const rl__loc *loc) {
  const rl_message *q = paired_request(f->x);
  size_t n = WHERE_FIXED + RL__JSON_BOUND(loc->evlen);
  if (q)
    n += RL__JSON_BOUND(q->method.len) + RL__JSON_BOUND(q->target.len);
  return n;
}

/* ,"stream":N,"client":"A","server":"B": the same for every finding of a
 * connection. Formatted endpoints are digits, dots, colons, hex and
 * brackets: nothing JSON escapes, so they are copied as they are. */
static size_t fmt_conn(char *buf, uint64_t stream, const rl__ep_slot *ep) {
  char *d = RL__FMT_LIT(buf, ",\"stream\":");
  d = rl__fmt_u64(d, stream);
  d = RL__FMT_LIT(d, ",\"client\":\"");
  d = rl__fmt_mem(d, ep->ctext, ep->clen);
  d = RL__FMT_LIT(d, "\",\"server\":\"");
  d = rl__fmt_mem(d, ep->stext, ep->slen);
  *d++ = '"';
  return (size_t)(d - buf);
}

static char *fmt_request_fresh(rl_report *r, char *d, const rl_message *m,
                               const rl_message *q) {
  if (m && m->status_code >= 0) {
    d = RL__FMT_LIT(d, ",\"status\":");
    d = rl__fmt_u64(d, (uint64_t)m->status_code);
  }
  if (q) {
    static const char method[] = ",\"method\":", target[] = ",\"target\":";
    d = fmt_span(d, method, sizeof method - 1, q, q->method, &r->method);
    d = fmt_span(d, target, sizeof target - 1, q, q->target, &r->target);
  }
  return d;
}

#define REQ_ABSENT UINT64_MAX /* no span is this long */

/* The bytes of a span fmt_span writes, or NULL with *len REQ_ABSENT when
 * it writes nothing. */
static const uint8_t *span_bytes(const rl_message *q, rl_span sp, uint64_t *len) {
  if (!q || !q->raw || sp.off + (uint64_t)sp.len > q->raw_len) {
    *len = REQ_ABSENT;
    return NULL;
  }
  *len = sp.len;
  return q->raw + sp.off;
}

static size_t shown_len(uint64_t len) { return len == REQ_ABSENT ? 0 : (size_t)len; }

/* fmt_request_fresh through r->req: its key is every value the text is
 * made of (whether there is a response and its status, the bytes of the
 * method and target shown or their absence), so a hit writes what
 * formatting would. */
static char *fmt_request(rl_report *r, char *d, const rl_message *m, const rl_message *q) {
  rl__req_part *c = &r->req;
  uint64_t mlen, tlen;
  const uint8_t *mp = span_bytes(q, q ? q->method : (rl_span){0, 0}, &mlen);
  const uint8_t *tp = span_bytes(q, q ? q->target : (rl_span){0, 0}, &tlen);
  int has_m = m != NULL, status = m ? m->status_code : 0;
  size_t ml = shown_len(mlen), tl = shown_len(tlen);
  if (c->valid && c->has_m == has_m && c->status == status &&
      c->mlen == mlen && c->tlen == tlen && (ml == 0 || memcmp(c->key, mp, ml) == 0) &&
      (tl == 0 || memcmp(c->key + ml, tp, tl) == 0))
    return rl__fmt_mem(d, c->text, c->len);
  char *start = d;
  d = fmt_request_fresh(r, d, m, q);
  c->valid = ml + tl <= RL__REQ_KEY_MAX && (size_t)(d - start) <= RL__REQ_TEXT_MAX;
  if (c->valid) {
    c->has_m = has_m;
    c->status = status;
    c->mlen = mlen;
    c->tlen = tlen;
    if (ml)
      memcpy(c->key, mp, ml);
    if (tl)
      memcpy(c->key + ml, tp, tl);
    c->len = (size_t)(d - start);
    memcpy(c->text, start, c->len);
  }
  return d;
}

/* "frame":F,"ts":"T", through r->at: the key is the frame number and the
 * time, all the text is made of (the date-time cache behind rl__fmt_ts is
 * exact by its own key). Copied whole: the room is RL__AT_MAX either way. */
static char *fmt_at(rl_report *r, char *d, rl_pktref at) {
  if (r->at_valid && r->at.frame == at.frame && r->at.ts.sec == at.ts.sec &&
      r->at.ts.nsec == at.ts.nsec) {
    memcpy(d, r->at_text, RL__AT_MAX);
    return d + r->at_len;
  }
  char *start = d;
  d = RL__FMT_LIT(d, "\"frame\":");
  d = rl__fmt_u64(d, at.frame);
  d = RL__FMT_LIT(d, ",\"ts\":\"");
  d = rl__fmt_ts(r, d, at.ts);
  *d++ = '"';
  r->at = at;
  r->at_valid = 1;
  r->at_len = (size_t)(d - start);
  memcpy(r->at_text, start, RL__AT_MAX);
  return d;
}

char *rl__json_where(rl_report *r, char *d, const rl_finding *f, const rl__loc *loc) {
  const rl_exchange *x = f->x;
  const rl_message *m = x ? x->response : NULL;
  rl_pktref at = m ? m->first : f->at;
  const rl_conn *conn = x && x->conn ? x->conn : f->conn;
  d = fmt_at(r, d, at);
  if (conn && conn->client.ipver) { /* a transcript has no addresses */
    size_t n;
    const char *text = rl__conn_text(r, conn, fmt_conn, &n);
    d = rl__fmt_mem(d, text, n);
  } else if (conn) {
    d = RL__FMT_LIT(d, ",\"stream\":");
    d = rl__fmt_u64(d, conn->stream);
  }
  d = fmt_request(r, d, m, paired_request(x));
  if (m) { /* apart from the request's part: it counts up on a connection */
    d = RL__FMT_LIT(d, ",\"index\":");
    d = rl__fmt_u64(d, m->index);
  }
  d = RL__FMT_LIT(d, ",\"evidence\":");
  d = rl__fmt_json_memo(r->cur ? &r->cur->ev : NULL, d, loc->ev, loc->evlen);
  d = RL__FMT_LIT(d, ",\"offset\":");
  return rl__fmt_u64(d, loc->stream_off);
}

void rl__put_json_where(rl_report *r, rl__out *o, const rl_finding *f, const rl__loc *loc) {
  size_t bound = rl__json_where_bound(f, loc);
  char *d = rl__out_reserve(o, bound);
  if (d) {
    rl__out_commit(o, rl__json_where(r, d, f, loc));
    return;
  }
  /* More than the whole buffer (evidence of many kilobytes): rendered
   * aside, then appended (which writes it straight through). */
  rl__out t;
  rl__out_init_heap(&t);
  d = rl__out_reserve(&t, bound);
  if (d) {
    rl__out_commit(&t, rl__json_where(r, d, f, loc));
    rl__out_mem(o, t.buf, t.len);
  } else {
    r->oom = 1; /* the summary says the report is short */
  }
  rl__out_free(&t);
}

static void build_head(rl_report *r, rl__out *o, const rl_finding *f) {
  (void)r;
  RL__OUT_LIT(o, "{\"rule\":");
  rl__put_json_str(o, f->rule->id);
  RL__OUT_LIT(o, ",\"name\":");
  rl__put_json_str(o, f->rule->name ? f->rule->name : "");
  RL__OUT_LIT(o, ",\"level\":\"");
  rl__out_str(o, rl_level_name(f->level));
  RL__OUT_LIT(o, "\",\"message\":");
}

static void build_path(rl_report *r, rl__out *o, const rl_finding *f) {
  (void)f;
  RL__OUT_LIT(o, ",\"file\":");
  rl__put_json_str(o, r->path ? r->path : "");
  rl__out_ch(o, ',');
}

/* The line's opening depends on the rule and the level only, and
 * ,"file":"PATH", on the input only: both are escaped once and copied. The
 * bounds are the worst case of the escapes (6 bytes a byte) plus the keys. */
static size_t head_bound(const rl_finding *f) {
  return 6 * (strlen(f->rule->id) + (f->rule->name ? strlen(f->rule->name) : 0)) + 64;
}

static size_t path_bound(const rl_report *r) {
  return 6 * (r->path ? strlen(r->path) : 0) + 16;
}

static void put_head(rl_report *r, rl__out *o, const rl_finding *f) {
  rl__rule_count *c = rl__rule_cache(r, f);
  if (c && c->head) {
    rl__out_mem(o, c->head, c->head_len);
    return;
  }
  if (c)
    rl__put_cached(r, o, f, &c->head, &c->head_len, head_bound(f), build_head);
  else
    build_head(r, o, f);
}

static void put_path(rl_report *r, rl__out *o, const rl_finding *f) {
  if (r->path_text) {
    rl__out_mem(o, r->path_text, r->path_text_len);
    return;
  }
  rl__put_cached(r, o, f, &r->path_text, &r->path_text_len, path_bound(r), build_path);
}

/* What ends a line: a transcript's line number, the brace, the newline. */
enum { TAIL_MAX = 32 };

static char *fmt_tail(rl_report *r, char *d, const rl__loc *loc) {
  if (r->transcript) {
    uint64_t line = rl__transcript_line(r, loc->stream_off);
    if (line) {
      d = RL__FMT_LIT(d, ",\"line\":");
      d = rl__fmt_u64(d, line);
    }
  }
  return RL__FMT_LIT(d, "}\n");
}

/* The slow way, a piece at a time: when the caches could not be built
 * (ENOMEM) or the line may not fit the buffer. */
static void put_line(rl_report *r, rl__out *o, const rl_finding *f, const char *msg,
                     size_t msglen, const rl__loc *loc) {
  put_head(r, o, f);
  rl__put_json_memo(o, r->cur ? &r->cur->msg : NULL, (const uint8_t *)msg, msglen);
  put_path(r, o, f);
  rl__put_json_where(r, o, f, loc);
  char tmp[TAIL_MAX];
  rl__out_mem(o, tmp, (size_t)(fmt_tail(r, tmp, loc) - tmp));
}

/* The whole line in one reserve of its worst case, from the cached head
 * and path: a finding of (a) costs a few hundred instructions this way,
 * where a bounds check and a call per piece cost twice as much. */
static void json_finding(rl_report *r, const rl_finding *f) {
  rl__out *o = r->o;
  const char *msg = f->message ? f->message : "";
  size_t msglen = strlen(msg);
  rl__loc loc;
  rl__locate(f, &loc);
  rl__rule_count *c = rl__rule_cache(r, f);
  if (c && !c->head)
    c->head = rl__build_text(r, f, head_bound(f), &c->head_len, build_head);
  if (!r->path_text)
    r->path_text = rl__build_text(r, f, path_bound(r), &r->path_text_len, build_path);
  char *d = NULL;
  if (c && c->head && r->path_text && msglen < SIZE_MAX / 8)
    d = rl__out_reserve(o, c->head_len + RL__JSON_BOUND(msglen) + r->path_text_len +
                               rl__json_where_bound(f, &loc) + TAIL_MAX);
  if (d) {
    d = rl__fmt_mem(d, c->head, c->head_len);
    d = rl__fmt_json_memo(&c->msg, d, (const uint8_t *)msg, msglen);
    d = rl__fmt_mem(d, r->path_text, r->path_text_len);
    d = rl__json_where(r, d, f, &loc);
    rl__out_commit(o, fmt_tail(r, d, &loc));
  } else {
    put_line(r, o, f, msg, msglen, &loc);
  }
  rl__report_finding_done(r);
}

static void json_response(rl_report *r, const rl_exchange *x) {
  (void)r;
  (void)x;
}

static void json_end(rl_report *r, int err, const char *detail) {
  (void)r;
  (void)err;
  (void)detail;
}

static void json_finish(rl_report *r, const rl_stats *stats,
                        const rl_engine_counts *counts) {
  RL__OUT_LIT(r->o, "{\"summary\":");
  rl__write_summary_json(r, r->o, stats, counts);
  RL__OUT_LIT(r->o, "}\n");
}

const rl__report_format rl__report_json = {json_begin, json_finding, json_response,
                                           json_end,   json_finish,  NULL};
