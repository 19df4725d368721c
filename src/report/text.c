/* Text: compiler-style findings for people, then a summary.
 *
 *   FILE:frame N: level[ID name]: message
 *       stream S, CLIENT -> SERVER, response I
 *       > the request line (or "(request not captured)")
 *       < the offending status or header line(s)
 *             ^~~~ the exact span of the evidence
 *       = RFC 9110 section 15.5.6: URL
 *
 * A raw transcript has no frames: its headline is FILE:LINE: with the line
 * of the server file, as a compiler would write it. Every wire byte goes
 * through rl__put_wire (printable ASCII or \xNN), so nothing a server sends
 * can reach the terminal as a control sequence; colour codes are our own. */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "report/report_internal.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_GUTTER "\033[1;34m"
#define C_CARET "\033[1;32m"

static const char *level_colour(rl_level l) {
  switch (l) {
  case RL_LEVEL_ERROR:
    return "\033[1;31m";
  case RL_LEVEL_WARNING:
    return "\033[1;35m";
  default:
    return "\033[1;36m";
  }
}

static void paint_to(const rl_report *r, rl__out *o, const char *code) {
  if (r->opt.color)
    rl__out_str(o, code);
}

static void paint(rl_report *r, const char *code) { paint_to(r, r->o, code); }

/* Shown lines are cut to a window this wide (in bytes) around the span, so
 * an 8 KiB header line does not flood the screen. */
enum { WINDOW = 160, LEAD = 40, MAX_LINES = 8, MAX_LOOSE = 120 };

/* The width of p/n as rl__put_wire shows it: 1 per printable byte, 2 for a
 * backslash, 4 for an \xNN. */
static size_t esc_width(const uint8_t *p, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++)
    w += p[i] == '\\' ? 2 : p[i] >= 0x20 && p[i] < 0x7f ? 1 : 4;
  return w;
}

static void put_caret_line(rl_report *r, size_t indent, size_t width) {
  rl__out *o = r->o;
  rl__out_fill(o, ' ', indent);
  paint(r, C_CARET);
  rl__out_ch(o, '^');
  if (width > 1)
    rl__out_fill(o, '~', width - 1);
  paint(r, C_RESET);
  rl__out_ch(o, '\n');
}

static void put_gutter_to(const rl_report *r, rl__out *o, char mark) {
  RL__OUT_LIT(o, "    ");
  paint_to(r, o, C_GUTTER);
  rl__out_ch(o, mark);
  paint_to(r, o, C_RESET);
  rl__out_ch(o, ' ');
}

static void put_gutter(rl_report *r, char mark) { put_gutter_to(r, r->o, mark); }

/* One line b[ls, le) of a section with the part of the span [ss, se) that
 * falls on it marked below. */
static void show_line(rl_report *r, const uint8_t *b, size_t ls, size_t le, size_t ss,
                      size_t se) {
  rl__out *o = r->o;
  size_t ws = ls;
  if (ss > ls && ss - ls > WINDOW - LEAD)
    ws = ss - LEAD;
  size_t we = le - ws > WINDOW ? ws + WINDOW : le;
  put_gutter(r, '<');
  if (ws > ls)
    RL__OUT_LIT(o, "...");
  rl__put_wire(o, b + ws, we - ws);
  if (we < le)
    RL__OUT_LIT(o, "...");
  rl__out_ch(o, '\n');
  size_t from = ss > ws ? ss : ws, to = se < we ? se : we;
  if (ss == se ? (ss < ws || ss > we) : from >= to)
    return; /* the span is not on this part of the line */
  size_t indent = 6 + (ws > ls ? 3 : 0) + esc_width(b + ws, from - ws);
  size_t width = to > from ? esc_width(b + from, to - from) : 1;
  put_caret_line(r, indent, width);
}

/* The lines of the section that hold the span, each with its part marked. */
static void show_section(rl_report *r, const rl__loc *loc) {
  const uint8_t *b = loc->sec;
  size_t ss = loc->span_off, se = loc->span_off + loc->span_len;
  size_t last = se > ss ? se - 1 : ss; /* the span's last byte */
  size_t ls = ss;
  while (ls > 0 && b[ls - 1] != '\n')
    ls--;
  for (int shown = 0; ls <= last && ls < loc->seclen; shown++) {
    size_t le = ls;
    while (le < loc->seclen && b[le] != '\n')
      le++;
    size_t next = le + 1;
    /* The CR of a CRLF is line ending, not content: it is shown only when
     * the span ends on it (the LF itself is never shown). */
    int lf_marked = le < loc->seclen && ss <= le && le < se;
    if (le > ls && b[le - 1] == '\r' && (lf_marked || !(ss <= le - 1 && le - 1 < se)))
      le--;
    if (shown == MAX_LINES) {
      put_gutter(r, '<');
      RL__OUT_LIT(r->o, "...\n");
      break;
    }
    show_line(r, b, ls, le, ss, se);
    ls = next;
  }
}

/* Evidence that is not in a header section (content, bytes after a
 * bodiless response, bytes the parser kept) is shown on its own. */
static void show_loose(rl_report *r, const rl__loc *loc, const rl_message *m) {
  rl__out *o = r->o;
  if (m && m->raw && m->start_line.len && m->start_line.off + m->start_line.len <= m->raw_len) {
    put_gutter(r, '<');
    rl__put_wire(o, m->raw + m->start_line.off, m->start_line.len);
    rl__out_ch(o, '\n');
  }
  size_t n = loc->evlen > MAX_LOOSE ? MAX_LOOSE : loc->evlen;
  put_gutter(r, '|');
  rl__put_wire(o, loc->ev, n);
  if (n < loc->evlen)
    RL__OUT_LIT(o, "...");
  rl__out_ch(o, '\n');
  put_caret_line(r, 6, n ? esc_width(loc->ev, n) : 1);
}

/* The headline's part that depends on the rule and level only:
 * "level[ID name]: " with its colours, up to the message's bold. */
static void build_rule_part(rl_report *r, rl__out *o, const rl_finding *f) {
  paint_to(r, o, level_colour(f->level));
  rl__out_str(o, rl_level_name(f->level));
  rl__out_ch(o, '[');
  rl__out_clean(o, f->rule->id);
  rl__out_ch(o, ' ');
  rl__out_clean(o, f->rule->name ? f->rule->name : "");
  RL__OUT_LIT(o, "]:");
  paint_to(r, o, C_RESET);
  rl__out_ch(o, ' ');
  paint_to(r, o, C_BOLD);
}

static void build_path(rl_report *r, rl__out *o, const rl_finding *f) {
  (void)f;
  rl__out_clean(o, r->path ? r->path : "");
}

/* Clean escapes take 4 bytes a byte; the colour codes fit in 64. */
static size_t clean_bound(const char *s) { return s ? 4 * strlen(s) : 0; }

static void put_headline(rl_report *r, const rl_finding *f, const rl__loc *loc) {
  rl__out *o = r->o;
  const rl_message *m = f->x ? f->x->response : NULL;
  uint64_t frame = m ? m->first.frame : f->at.frame;
  paint(r, C_BOLD);
  if (r->path_text)
    rl__out_mem(o, r->path_text, r->path_text_len);
  else
    rl__put_cached(r, o, f, &r->path_text, &r->path_text_len, clean_bound(r->path) + 1,
                   build_path);
  uint64_t line = rl__transcript_line(r, loc->stream_off);
  if (r->transcript && line) {
    rl__out_ch(o, ':');
    rl__out_u64(o, line);
    rl__out_ch(o, ':');
  } else if (frame) {
    RL__OUT_LIT(o, ":frame ");
    rl__out_u64(o, frame);
    rl__out_ch(o, ':');
  } else {
    rl__out_ch(o, ':');
  }
  paint(r, C_RESET);
  rl__out_ch(o, ' ');
  rl__rule_count *c = rl__rule_cache(r, f);
  if (c && c->head)
    rl__out_mem(o, c->head, c->head_len);
  else if (c)
    rl__put_cached(r, o, f, &c->head, &c->head_len,
                   clean_bound(f->rule->id) + clean_bound(f->rule->name) + 64,
                   build_rule_part);
  else
    build_rule_part(r, o, f);
  rl__out_clean_memo(o, r->cur ? &r->cur->msg : NULL, f->message ? f->message : "");
  paint(r, C_RESET);
  rl__out_ch(o, '\n');
}

/* "    stream N, CLIENT -> SERVER": the same for every finding of a
 * connection. */
static size_t fmt_conn(char *buf, uint64_t stream, const rl__ep_slot *ep) {
  char *d = RL__FMT_LIT(buf, "    stream ");
  d = rl__fmt_u64(d, stream);
  d = RL__FMT_LIT(d, ", ");
  d = rl__fmt_mem(d, ep->ctext, ep->clen);
  d = RL__FMT_LIT(d, " -> ");
  d = rl__fmt_mem(d, ep->stext, ep->slen);
  return (size_t)(d - buf);
}

static void put_where(rl_report *r, const rl_finding *f) {
  rl__out *o = r->o;
  const rl_conn *conn = f->x && f->x->conn ? f->x->conn : f->conn;
  if (!conn)
    return;
  if (conn->client.ipver) { /* a transcript has no addresses */
    size_t n;
    const char *text = rl__conn_text(r, conn, fmt_conn, &n);
    rl__out_mem(o, text, n);
  } else {
    RL__OUT_LIT(o, "    stream ");
    rl__out_u64(o, conn->stream);
  }
  if (f->x && f->x->response) {
    RL__OUT_LIT(o, ", response ");
    rl__out_u64(o, f->x->response->index);
  }
  rl__out_ch(o, '\n');
}

static void build_citation(rl_report *r, rl__out *o, const rl_finding *f) {
  const rl_rule_info *rule = f->rule;
  put_gutter_to(r, o, '=');
  rl__out_clean(o, rule->rfc_document);
  if (rule->rfc_section && rule->rfc_section[0]) {
    RL__OUT_LIT(o, " section ");
    rl__out_clean(o, rule->rfc_section);
  }
  if (rule->rfc_url && rule->rfc_url[0]) {
    RL__OUT_LIT(o, ": ");
    rl__out_clean(o, rule->rfc_url);
  }
  rl__out_ch(o, '\n');
}

/* The citation line is the same for every finding of a rule: cached. */
static void put_citation(rl_report *r, const rl_finding *f) {
  const rl_rule_info *rule = f->rule;
  if (!rule->rfc_document || !rule->rfc_document[0])
    return;
  rl__rule_count *c = rl__rule_cache(r, f);
  if (c && c->cite)
    rl__out_mem(r->o, c->cite, c->cite_len);
  else if (c)
    rl__put_cached(r, r->o, f, &c->cite, &c->cite_len,
                   clean_bound(rule->rfc_document) + clean_bound(rule->rfc_section) +
                       clean_bound(rule->rfc_url) + 64,
                   build_citation);
  else
    build_citation(r, r->o, f);
}

static void text_finding(rl_report *r, const rl_finding *f) {
  if (r->opt.quiet)
    return;
  rl__out *o = r->o;
  rl__loc loc;
  rl__locate(f, &loc);
  put_headline(r, f, &loc);
  put_where(r, f);
  if (f->x) {
    size_t n;
    const uint8_t *req = rl__request_line(f->x, &n);
    put_gutter(r, '>');
    if (req) {
      rl__put_wire(o, req, n > WINDOW ? WINDOW : n);
      if (n > WINDOW)
        RL__OUT_LIT(o, "...");
    } else
      RL__OUT_LIT(o, "(request not captured)");
    rl__out_ch(o, '\n');
  }
  if (loc.sec)
    show_section(r, &loc);
  else if (loc.ev)
    show_loose(r, &loc, f->x ? f->x->response : NULL);
  put_citation(r, f);
  rl__report_finding_done(r);
}

static void text_begin(rl_report *r) { (void)r; }

static void text_response(rl_report *r, const rl_exchange *x) {
  (void)r;
  (void)x;
}

static void text_end(rl_report *r, int err, const char *detail) {
  (void)r;
  (void)err;
  (void)detail;
}

/* --- summary --------------------------------------------------------------- */

static const struct stat_desc {
  const char *name;
  const char *desc;
  size_t off;
} stat_descs[] = {
#define RL__STAT_DESC(field, desc) {#field, desc, offsetof(rl_stats, field)},
    RL_STATS_MAP(RL__STAT_DESC)
#undef RL__STAT_DESC
};

/* The counters that say the capture shows less than what was on the wire. */
static const char *const coverage_fields[] = {
    "gaps",          "gap_bytes",        "packets_truncated",
    "packets_malformed", "packets_unsupported_link", "ip_fragments_dropped",
    "flows_evicted", "retransmission_mismatches", "ooo_bytes_dropped",
    "kernel_drops",  "iface_drops"};

static uint64_t stat_value(const rl_stats *s, const char *name, const char **desc) {
  for (size_t i = 0; i < sizeof stat_descs / sizeof stat_descs[0]; i++)
    if (strcmp(stat_descs[i].name, name) == 0) {
      *desc = stat_descs[i].desc;
      uint64_t v;
      memcpy(&v, (const char *)s + stat_descs[i].off, sizeof v);
      return v;
    }
  *desc = "";
  return 0;
}

static const char *plural(uint64_t n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

static void summary_findings(rl_report *r) {
  rl__out *o = r->o;
  rl__out_printf(o, "findings: %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " info\n",
                 r->findings[RL_LEVEL_ERROR],
                 plural(r->findings[RL_LEVEL_ERROR], "error", "errors"),
                 r->findings[RL_LEVEL_WARNING],
                 plural(r->findings[RL_LEVEL_WARNING], "warning", "warnings"),
                 r->findings[RL_LEVEL_INFO]);
  size_t width = 0;
  for (size_t i = 0; i < r->nrules; i++) {
    size_t w = strlen(r->rules[i].id) + 1 + strlen(r->rules[i].name);
    if (w > width)
      width = w;
  }
  for (size_t i = 0; i < r->nrules; i++) {
    const rl__rule_count *c = &r->rules[i];
    RL__OUT_LIT(o, "  ");
    paint(r, level_colour(c->level));
    rl__out_printf(o, "%-7s", rl_level_name(c->level));
    paint(r, C_RESET);
    rl__out_ch(o, ' ');
    size_t w = strlen(c->id) + 1 + strlen(c->name);
    rl__out_clean(o, c->id);
    rl__out_ch(o, ' ');
    rl__out_clean(o, c->name);
    rl__out_printf(o, "%*s %8" PRIu64 "\n", (int)(width - w), "", c->n);
  }
}

static void summary_withheld(rl_report *r) {
  const rl_report_withheld *w = r->opt.withheld;
  if (!w || (!w->ignored && !w->baselined))
    return;
  rl__out_printf(r->o,
                 "withheld: %" PRIu64 " %s in the baseline, %" PRIu64
                 " matched an ignore of the configuration\n",
                 w->baselined, plural(w->baselined, "finding", "findings"), w->ignored);
}

static void summary_skipped(rl_report *r, const rl_engine_counts *counts) {
  if (!counts)
    return;
  for (int n = 0; n < RL_NEED__COUNT; n++) {
    if (!counts->responses_skipped[n] && !counts->rules_skipped[n])
      continue;
    rl__out_printf(
        r->o, "skipped: rules on %" PRIu64 " %s (%" PRIu64 " rule %s), because %s\n",
        counts->responses_skipped[n],
        plural(counts->responses_skipped[n], "response", "responses"),
        counts->rules_skipped[n], plural(counts->rules_skipped[n], "check", "checks"),
        rl_need_description((rl_need)n));
  }
}

static void summary_coverage(rl_report *r, const rl_stats *s) {
  int any = 0;
  for (size_t i = 0; i < sizeof coverage_fields / sizeof coverage_fields[0]; i++) {
    const char *desc;
    uint64_t v = stat_value(s, coverage_fields[i], &desc);
    if (!v)
      continue;
    if (!any)
      RL__OUT_LIT(r->o, "coverage notes:\n");
    any = 1;
    rl__out_printf(r->o, "  %s: %" PRIu64 "\n", desc, v);
  }
}

static void text_finish(rl_report *r, const rl_stats *stats,
                        const rl_engine_counts *counts) {
  rl__out *o = r->o;
  rl_stats zero;
  memset(&zero, 0, sizeof zero);
  if (!stats)
    stats = &zero;
  if (!r->opt.quiet && (r->findings[0] || r->findings[1] || r->findings[2]))
    rl__out_ch(o, '\n');
  paint(r, C_BOLD);
  rl__out_printf(o, "summary:");
  paint(r, C_RESET);
  rl__out_printf(o,
                 " %" PRIu64 " %s linted from %" PRIu64 " %s (%" PRIu64 " %s, %" PRIu64
                 " TCP %s)\n",
                 r->responses, plural(r->responses, "response", "responses"), r->inputs,
                 plural(r->inputs, "input", "inputs"), stats->packets,
                 plural(stats->packets, "packet", "packets"), stats->flows,
                 plural(stats->flows, "conversation", "conversations"));
  summary_findings(r);
  summary_withheld(r);
  summary_skipped(r, counts);
  summary_coverage(r, stats);
  for (size_t i = 0; i < r->nerrors; i++) {
    RL__OUT_LIT(o, "not read completely: ");
    rl__out_clean(o, r->errors[i].path ? r->errors[i].path : "");
    RL__OUT_LIT(o, ": ");
    rl__out_clean(o, r->errors[i].detail ? r->errors[i].detail : "");
    rl__out_ch(o, '\n');
  }
  if (r->oom)
    RL__OUT_LIT(o, "note: out of memory while counting; the summary is incomplete\n");
}

const rl__report_format rl__report_text = {text_begin, text_finding, text_response,
                                           text_end,   text_finish,  NULL};
