/* JSON Lines: one object per finding with the keys of the fixed contract at
 * the end of RULES.md, then one {"summary": {...}} line.
 *
 * A transcript has no packets and no addresses: "frame" is 0 there and
 * "client" and "server" are absent. Keys beyond the contract: "offset" (stream offset of the evidence) and,
 * for raw transcripts, "line" (the line of the server file; "frame" is 0
 * there, since a transcript has no packets). Strings follow RFC 8259; wire
 * bytes that are not UTF-8 are written as \u00XX of the byte (escape.c). */
#include <inttypes.h>

#include "report/report_internal.h"

static void put_span(FILE *f, const char *key, const rl_message *m, rl_span sp) {
  if (!m || !m->raw || sp.off + (uint64_t)sp.len > m->raw_len)
    return;
  fprintf(f, ",\"%s\":", key);
  rl__put_json(f, m->raw + sp.off, sp.len);
}

static void json_begin(rl_report *r) { (void)r; }

void rl__put_json_where(FILE *o, const rl_finding *f, const rl__loc *loc) {
  const rl_exchange *x = f->x;
  const rl_message *m = x ? x->response : NULL;
  rl_pktref at = m ? m->first : f->at;
  const rl_conn *conn = x && x->conn ? x->conn : f->conn;
  char ts[48];
  rl__format_ts(ts, sizeof ts, at.ts);
  fprintf(o, "\"frame\":%" PRIu64 ",\"ts\":\"%s\"", at.frame, ts);
  if (conn)
    fprintf(o, ",\"stream\":%" PRIu64, conn->stream);
  if (conn && conn->client.ipver) { /* a transcript has no addresses */
    char client[64], server[64];
    rl_endpoint_format(&conn->client, client, sizeof client);
    rl_endpoint_format(&conn->server, server, sizeof server);
    fputs(",\"client\":", o);
    rl__put_json_str(o, client);
    fputs(",\"server\":", o);
    rl__put_json_str(o, server);
  }
  if (m && m->status_code >= 0)
    fprintf(o, ",\"status\":%d", m->status_code);
  if (x && x->request && x->request_state == RL_REQ_PAIRED) {
    put_span(o, "method", x->request, x->request->method);
    put_span(o, "target", x->request, x->request->target);
  }
  if (m)
    fprintf(o, ",\"index\":%" PRIu32, m->index);
  fputs(",\"evidence\":", o);
  rl__put_json(o, loc->ev, loc->evlen);
  fprintf(o, ",\"offset\":%" PRIu64, loc->stream_off);
}

static void json_finding(rl_report *r, const rl_finding *f) {
  FILE *o = r->opt.out;
  fputs("{\"rule\":", o);
  rl__put_json_str(o, f->rule->id);
  fputs(",\"name\":", o);
  rl__put_json_str(o, f->rule->name ? f->rule->name : "");
  fprintf(o, ",\"level\":\"%s\",\"message\":", rl_level_name(f->level));
  rl__put_json_str(o, f->message ? f->message : "");
  fputs(",\"file\":", o);
  rl__put_json_str(o, r->path ? r->path : "");
  fputc(',', o);
  rl__loc loc;
  rl__locate(f, &loc);
  rl__put_json_where(o, f, &loc);
  if (r->transcript) {
    uint64_t line = rl__transcript_line(r, loc.stream_off);
    if (line)
      fprintf(o, ",\"line\":%" PRIu64, line);
  }
  fputs("}\n", o);
  fflush(o);
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
  fputs("{\"summary\":", r->opt.out);
  rl__write_summary_json(r, r->opt.out, stats, counts);
  fputs("}\n", r->opt.out);
}

const rl__report_format rl__report_json = {json_begin, json_finding, json_response,
                                           json_end,   json_finish,  NULL};
