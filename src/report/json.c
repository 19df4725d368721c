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

static void put_span(rl__out *o, const char *key, size_t keylen, const rl_message *m,
                     rl_span sp) {
  if (!m || !m->raw || sp.off + (uint64_t)sp.len > m->raw_len)
    return;
  rl__out_mem(o, key, keylen);
  rl__put_json(o, m->raw + sp.off, sp.len);
}

static void json_begin(rl_report *r) { (void)r; }

void rl__put_json_where(rl_report *r, rl__out *o, const rl_finding *f, const rl__loc *loc) {
  const rl_exchange *x = f->x;
  const rl_message *m = x ? x->response : NULL;
  rl_pktref at = m ? m->first : f->at;
  const rl_conn *conn = x && x->conn ? x->conn : f->conn;
  RL__OUT_LIT(o, "\"frame\":");
  rl__out_u64(o, at.frame);
  RL__OUT_LIT(o, ",\"ts\":\"");
  rl__put_ts(r, o, at.ts);
  rl__out_ch(o, '"');
  if (conn) {
    RL__OUT_LIT(o, ",\"stream\":");
    rl__out_u64(o, conn->stream);
  }
  if (conn && conn->client.ipver) { /* a transcript has no addresses */
    /* Formatted endpoints are digits, dots, colons, hex and brackets:
     * nothing JSON escapes, so they are copied as they are. */
    const rl__ep_slot *ep = rl__endpoints(r, conn);
    RL__OUT_LIT(o, ",\"client\":\"");
    rl__out_mem(o, ep->ctext, ep->clen);
    RL__OUT_LIT(o, "\",\"server\":\"");
    rl__out_mem(o, ep->stext, ep->slen);
    rl__out_ch(o, '"');
  }
  if (m && m->status_code >= 0) {
    RL__OUT_LIT(o, ",\"status\":");
    rl__out_int(o, m->status_code);
  }
  if (x && x->request && x->request_state == RL_REQ_PAIRED) {
    static const char method[] = ",\"method\":", target[] = ",\"target\":";
    put_span(o, method, sizeof method - 1, x->request, x->request->method);
    put_span(o, target, sizeof target - 1, x->request, x->request->target);
  }
  if (m) {
    RL__OUT_LIT(o, ",\"index\":");
    rl__out_u64(o, m->index);
  }
  RL__OUT_LIT(o, ",\"evidence\":");
  rl__put_json(o, loc->ev, loc->evlen);
  RL__OUT_LIT(o, ",\"offset\":");
  rl__out_u64(o, loc->stream_off);
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
static void put_head(rl_report *r, rl__out *o, const rl_finding *f) {
  rl__rule_count *c = rl__rule_cache(r, f);
  if (c && c->head) {
    rl__out_mem(o, c->head, c->head_len);
    return;
  }
  size_t bound =
      6 * (strlen(f->rule->id) + (f->rule->name ? strlen(f->rule->name) : 0)) + 64;
  if (c)
    rl__put_cached(r, o, f, &c->head, &c->head_len, bound, build_head);
  else
    build_head(r, o, f);
}

static void put_path(rl_report *r, rl__out *o, const rl_finding *f) {
  if (r->path_text) {
    rl__out_mem(o, r->path_text, r->path_text_len);
    return;
  }
  size_t bound = 6 * (r->path ? strlen(r->path) : 0) + 16;
  rl__put_cached(r, o, f, &r->path_text, &r->path_text_len, bound, build_path);
}

static void json_finding(rl_report *r, const rl_finding *f) {
  rl__out *o = r->o;
  put_head(r, o, f);
  rl__put_json_str(o, f->message ? f->message : "");
  put_path(r, o, f);
  rl__loc loc;
  rl__locate(f, &loc);
  rl__put_json_where(r, o, f, &loc);
  if (r->transcript) {
    uint64_t line = rl__transcript_line(r, loc.stream_off);
    if (line) {
      RL__OUT_LIT(o, ",\"line\":");
      rl__out_u64(o, line);
    }
  }
  RL__OUT_LIT(o, "}\n");
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
