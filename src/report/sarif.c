/* SARIF 2.1.0: one run whose tool.driver.rules is the whole loaded catalogue
 * (in the engine's ID order, so ruleIndex is the engine's rule index), one
 * result per finding, and one invocation saying whether every input was
 * read, with a notification per input that was not.
 *
 * The document is written as it goes (the rules when the first input
 * begins, each result as it arrives, the invocation and the closing
 * brackets by rl_report_finish), so memory does not grow with the number of
 * findings; it is complete only after rl_report_finish. It holds nothing of
 * the run itself (no start time, no host), so the same input gives the same
 * bytes. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/baseline.h"
#include "report/report_internal.h"
#include "resplint/error.h"
#include "rl_version.h"

/* Where users learn about the tool (tool.driver.informationUri, which must
 * be an absolute URI). The project has not published a home yet: this is
 * the name it would have there, the one place to change when it does. */
#define RL__INFORMATION_URI "https://github.com/resplint/resplint"
#define RL__SARIF_SCHEMA \
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

static int cmp_by_id(const void *a, const void *b, const rl_engine *e) {
  const rl_rule_info *ra = rl_engine_rule(e, *(const size_t *)a);
  const rl_rule_info *rb = rl_engine_rule(e, *(const size_t *)b);
  return strcmp(ra->id, rb->id);
}

/* Insertion sort: qsort has no context argument in C11, and the catalogue
 * is a few hundred rules, sorted once. */
static void build_index(rl_report *r) {
  const rl_engine *e = r->opt.engine;
  size_t n = e ? rl_engine_rule_count(e) : 0;
  if (!n)
    return;
  r->by_id = malloc(n * sizeof *r->by_id);
  if (!r->by_id) {
    r->oom = 1;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    size_t j = i;
    while (j > 0 && cmp_by_id(&r->by_id[j - 1], &i, e) > 0) {
      r->by_id[j] = r->by_id[j - 1];
      j--;
    }
    r->by_id[j] = i;
  }
  r->nby_id = n;
}

/* The rule's index in tool.driver.rules, or -1 for a rule that the engine
 * given to the report does not hold. */
static long rule_index(const rl_report *r, const rl_rule_info *rule) {
  size_t lo = 0, hi = r->nby_id;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(rl_engine_rule(r->opt.engine, r->by_id[mid])->id, rule->id);
    if (c == 0)
      return (long)r->by_id[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -1;
}

static void put_text(rl__out *o, const char *key, const char *text) {
  rl__out_printf(o, ",\"%s\":{\"text\":", key);
  rl__put_json_str(o, text ? text : "");
  rl__out_ch(o, '}');
}

static void put_rule(rl__out *o, const rl_rule_info *ri) {
  RL__OUT_LIT(o, "{\"id\":");
  rl__put_json_str(o, ri->id);
  RL__OUT_LIT(o, ",\"name\":");
  rl__put_json_str(o, ri->name ? ri->name : "");
  put_text(o, "shortDescription", ri->summary);
  put_text(o, "fullDescription", ri->why && ri->why[0] ? ri->why : ri->summary);
  if (ri->rfc_url && ri->rfc_url[0]) {
    RL__OUT_LIT(o, ",\"helpUri\":");
    rl__put_json_str(o, ri->rfc_url);
  }
  if (ri->rfc_document && ri->rfc_document[0]) {
    RL__OUT_LIT(o, ",\"help\":{\"text\":");
    size_t n = strlen(ri->rfc_document) + (ri->rfc_section ? strlen(ri->rfc_section) : 0) +
               (ri->rfc_quote ? strlen(ri->rfc_quote) : 0) + 32;
    char *help = malloc(n);
    if (help) {
      snprintf(help, n, "%s%s%s%s%s%s", ri->rfc_document,
               ri->rfc_section && ri->rfc_section[0] ? " section " : "",
               ri->rfc_section ? ri->rfc_section : "",
               ri->rfc_quote && ri->rfc_quote[0] ? ": \"" : "",
               ri->rfc_quote ? ri->rfc_quote : "",
               ri->rfc_quote && ri->rfc_quote[0] ? "\"" : "");
      rl__put_json_str(o, help);
      free(help);
    } else {
      rl__put_json_str(o, ri->rfc_document);
    }
    rl__out_ch(o, '}');
  }
  rl__out_printf(o, ",\"defaultConfiguration\":{\"level\":\"%s\"}",
                 rl__sarif_level(ri->default_level));
  RL__OUT_LIT(o, ",\"properties\":{\"requirement\":");
  rl__put_json_str(o, ri->requirement ? ri->requirement : "");
  RL__OUT_LIT(o, ",\"appliesTo\":");
  rl__put_json_str(o, ri->applies_to ? ri->applies_to : "");
  RL__OUT_LIT(o, "}}");
}

static void start(rl_report *r) {
  if (r->started)
    return;
  r->started = 1;
  rl__out *o = r->o;
  build_index(r);
  rl__out_str(o,
              "{\"$schema\":\"" RL__SARIF_SCHEMA "\",\"version\":\"2.1.0\",\"runs\":[{\n");
  rl__out_str(o, "\"tool\":{\"driver\":{\"name\":\"resplint\",\"version\":\"" RL_VERSION
                 "\",\"semanticVersion\":\"" RL_VERSION
                 "\",\"informationUri\":\"" RL__INFORMATION_URI "\",\"rules\":[");
  size_t n = r->opt.engine ? rl_engine_rule_count(r->opt.engine) : 0;
  for (size_t i = 0; i < n; i++) {
    rl__out_str(o, i ? ",\n" : "\n");
    put_rule(o, rl_engine_rule(r->opt.engine, i));
  }
  RL__OUT_LIT(o, "]}},\n\"results\":[");
}

static void sarif_begin(rl_report *r) { start(r); }

/* "line N" for a transcript's finding, else "frame N". */
static void put_where_name(const rl_report *r, rl__out *o, uint64_t line, uint64_t frame) {
  if (r->transcript && line) {
    RL__OUT_LIT(o, "line ");
    rl__out_u64(o, line);
  } else {
    RL__OUT_LIT(o, "frame ");
    rl__out_u64(o, frame);
  }
}

static void put_location(rl_report *r, const rl_finding *f, const rl__loc *loc) {
  rl__out *o = r->o;
  const rl_message *m = f->x ? f->x->response : NULL;
  const rl_conn *conn = f->x && f->x->conn ? f->x->conn : f->conn;
  uint64_t frame = m ? m->first.frame : f->at.frame;
  RL__OUT_LIT(o, ",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"");
  rl__put_uri(o, r->path ? r->path : "");
  RL__OUT_LIT(o, "\"}");
  uint64_t line = rl__transcript_line(r, loc->stream_off);
  if (line) {
    RL__OUT_LIT(o, ",\"region\":{\"startLine\":");
    rl__out_u64(o, line);
    rl__out_ch(o, '}');
  }
  /* The names are ASCII words and digits, nothing JSON escapes: written
   * in place rather than formatted and escaped. */
  RL__OUT_LIT(o, "},\"logicalLocations\":[{\"name\":\"");
  put_where_name(r, o, line, frame);
  RL__OUT_LIT(o, "\",\"fullyQualifiedName\":\"");
  if (conn) {
    RL__OUT_LIT(o, "stream ");
    rl__out_u64(o, conn->stream);
    if (m) {
      RL__OUT_LIT(o, "/response ");
      rl__out_u64(o, m->index);
    }
    rl__out_ch(o, '/');
  }
  put_where_name(r, o, line, frame);
  rl__out_ch(o, '"');
  RL__OUT_LIT(o, "}]}]");
}

/* Built in a buffer on the stack (the heap for a long target), with the
 * server endpoint from the report's cache, then JSON-escaped. */
static void put_fingerprint(rl_report *r, rl__out *o, const rl_finding *f) {
  const rl_conn *conn = f->x ? f->x->conn : f->conn;
  const rl__ep_slot *ep = conn ? rl__endpoints(r, conn) : NULL;
  char small[512];
  size_t bound = rl__baseline_fingerprint_bound(f);
  char *buf = bound <= sizeof small ? small : malloc(bound);
  if (!buf)
    return; /* as before: a result without a fingerprint */
  rl__out t;
  rl__out_init(&t, NULL, buf, bound);
  rl__baseline_put_fingerprint(&t, f, ep ? ep->stext : NULL, ep ? ep->slen : 0);
  RL__OUT_LIT(o, ",\"partialFingerprints\":{\"resplint/v1\":");
  rl__put_json(o, (const uint8_t *)buf, t.len);
  rl__out_ch(o, '}');
  if (buf != small)
    free(buf);
}

static void sarif_finding(rl_report *r, const rl_finding *f) {
  start(r);
  rl__out *o = r->o;
  rl__loc loc;
  rl__locate(f, &loc);
  rl__out_str(o, r->nresults++ ? ",\n{\"ruleId\":" : "\n{\"ruleId\":");
  rl__put_json_str(o, f->rule->id);
  long idx = rule_index(r, f->rule);
  if (idx >= 0) {
    RL__OUT_LIT(o, ",\"ruleIndex\":");
    rl__out_u64(o, (uint64_t)idx);
  }
  RL__OUT_LIT(o, ",\"level\":\"");
  rl__out_str(o, rl__sarif_level(f->level));
  RL__OUT_LIT(o, "\",\"message\":{\"text\":");
  rl__put_json_str(o, f->message ? f->message : "");
  rl__out_ch(o, '}');
  put_location(r, f, &loc);
  RL__OUT_LIT(o, ",\"properties\":{");
  rl__put_json_where(r, o, f, &loc);
  rl__out_ch(o, '}');
  /* The baseline's fingerprint (rule, server, method, target, status; no
   * frame numbers), so that code-scanning services match a finding across
   * runs of re-recorded traffic as --baseline does. */
  put_fingerprint(r, o, f);
  rl__out_ch(o, '}');
}

static void sarif_response(rl_report *r, const rl_exchange *x) {
  (void)r;
  (void)x;
}

static void sarif_end(rl_report *r, int err, const char *detail) {
  (void)r;
  (void)err;
  (void)detail;
}

/* Rules whose level was overridden or that were not selected, as SARIF
 * describes a run's departures from each rule's defaultConfiguration. */
static void put_overrides(rl_report *r) {
  rl__out *o = r->o;
  size_t n = r->opt.engine ? rl_engine_rule_count(r->opt.engine) : 0;
  int any = 0;
  for (size_t i = 0; i < n; i++) {
    const rl_rule_info *ri = rl_engine_rule(r->opt.engine, i);
    if (ri->enabled && ri->level == ri->default_level)
      continue;
    rl__out_str(o, any++ ? ",\n" : ",\"ruleConfigurationOverrides\":[\n");
    RL__OUT_LIT(o, "{\"descriptor\":{\"id\":");
    rl__put_json_str(o, ri->id);
    rl__out_printf(o,
                   ",\"index\":%zu},\"configuration\":{\"enabled\":%s,\"level\":\"%s\"}}",
                   i, ri->enabled ? "true" : "false", rl__sarif_level(ri->level));
  }
  if (any)
    RL__OUT_LIT(o, "]");
}

static void put_notifications(rl_report *r) {
  rl__out *o = r->o;
  if (!r->nerrors)
    return;
  RL__OUT_LIT(o, ",\"toolExecutionNotifications\":[");
  for (size_t i = 0; i < r->nerrors; i++) {
    const rl__input_error *e = &r->errors[i];
    rl__out_str(o, i ? ",\n" : "\n");
    RL__OUT_LIT(o, "{\"level\":\"error\",\"message\":{\"text\":");
    rl__put_json_str(o, e->detail ? e->detail : "");
    RL__OUT_LIT(o, "},\"descriptor\":{\"id\":");
    rl__put_json_str(o, rl_err_name(e->err));
    RL__OUT_LIT(o,
                "},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"");
    rl__put_uri(o, e->path ? e->path : "");
    RL__OUT_LIT(o, "\"}}}]}");
  }
  RL__OUT_LIT(o, "]");
}

static void sarif_finish(rl_report *r, const rl_stats *stats,
                         const rl_engine_counts *counts) {
  start(r);
  rl__out *o = r->o;
  rl__out_printf(o, "%s],\n\"invocations\":[{\"executionSuccessful\":%s",
                 r->nresults ? "\n" : "", r->nerrors ? "false" : "true");
  put_overrides(r);
  put_notifications(r);
  RL__OUT_LIT(o, "}],\n\"properties\":{\"summary\":");
  rl__write_summary_json(r, o, stats, counts);
  RL__OUT_LIT(o, "}}]}\n");
}

static void sarif_free(rl_report *r) { free(r->by_id); }

const rl__report_format rl__report_sarif = {sarif_begin, sarif_finding, sarif_response,
                                            sarif_end,   sarif_finish,  sarif_free};
