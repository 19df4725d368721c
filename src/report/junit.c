/* JUnit XML for CI test reports: one <testsuite> per input (named after it),
 * one <testcase> per checked response, named
 * "stream S response I: STATUS METHOD TARGET" with the input as classname.
 * A finding at or above fail_on is a <failure> of its response's test case;
 * one below it goes to the test case's <system-out>, so CI shows it without
 * failing. A connection-level finding at or above fail_on is a test case of
 * its own ("stream S connection: ID name"); below, it goes to the suite's
 * <system-out>. An input that could not be read completely gets a test case
 * "read" holding an <error>.
 *
 * The body of each failure is the finding as the text format shows it, so
 * wire bytes are escaped as \xNN before XML escaping and the document is
 * plain ASCII with no character XML 1.0 forbids. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "resplint/error.h"

/* XML-escapes ASCII text, keeping its line breaks. */
static void put_block(rl__out *o, const char *s, size_t n) { rl__put_xml_text(o, s, n, 1); }

/* Renders a finding as the text format would, into j->body (reused from
 * finding to finding). 0 on ENOMEM. */
static int render(rl_report *r, const rl_finding *f) {
  rl__out *body = &r->junit.body;
  body->len = 0;
  rl_report_options saved = r->opt;
  rl__out *saved_o = r->o;
  r->o = body;
  r->opt.color = 0;
  r->opt.quiet = 0;
  rl__report_text.finding(r, f);
  r->opt = saved;
  r->o = saved_o;
  return !body->failed;
}

/* Marks a part of the pending test case open; it collects from now on. */
static rl__out *part(rl__out *o, int *open) {
  *open = 1;
  return o;
}

/* Writes what an open part holds to `to` (none: dropped) and empties it. */
static void drain(rl_report *r, rl__out *from, int *open, rl__out *to) {
  if (!*open)
    return;
  *open = 0;
  if (from->failed)
    r->oom = 1;
  if (to && from->len)
    rl__out_mem(to, from->buf, from->len);
  from->len = 0;
  from->failed = 0;
}

static void start(rl_report *r) {
  if (r->started)
    return;
  r->started = 1;
  RL__OUT_LIT(
      r->o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"resplint\">\n");
}

/* The heap sinks, set up on first use (they live as long as the report). */
static void init_parts(rl__junit_state *j) {
  if (j->body.heap)
    return;
  rl__out_init_heap(&j->body);
  rl__out_init_heap(&j->fail);
  rl__out_init_heap(&j->out);
  rl__out_init_heap(&j->notes);
}

static void junit_begin(rl_report *r) {
  start(r);
  rl__junit_state *j = &r->junit;
  init_parts(j);
  if (j->cases)
    fclose(j->cases);
  j->cases = tmpfile();
  if (!j->cases)
    r->oom = 1;
  rl__out_init(&j->co, j->cases, j->co_buf, sizeof j->co_buf);
  j->tests = j->failures = j->pending_failures = 0;
}

static int fails(const rl_report *r, rl_level l) {
  return (unsigned)r->opt.fail_on < RL_LEVEL__COUNT && l >= r->opt.fail_on;
}

/* "stream S " of a test case's name. */
static void put_stream(rl__out *o, uint64_t stream) {
  RL__OUT_LIT(o, "stream ");
  rl__out_u64(o, stream);
  rl__out_ch(o, ' ');
}

static void put_failure(rl__out *o, const rl_finding *f, const char *body, size_t len) {
  RL__OUT_LIT(o, "      <failure type=\"");
  rl__put_xml_str(o, f->rule->id);
  rl__out_ch(o, ' ');
  rl__put_xml_str(o, f->rule->name ? f->rule->name : "");
  RL__OUT_LIT(o, "\" message=\"");
  rl__out_str(o, rl_level_name(f->level));
  RL__OUT_LIT(o, ": ");
  rl__put_xml_str(o, f->message ? f->message : "");
  RL__OUT_LIT(o, "\">");
  put_block(o, body, len);
  RL__OUT_LIT(o, "</failure>\n");
}

static void connection_case(rl_report *r, const rl_finding *f, const char *body,
                            size_t len) {
  rl__junit_state *j = &r->junit;
  if (!j->cases)
    return;
  RL__OUT_LIT(&j->co, "    <testcase name=\"");
  if (f->conn)
    put_stream(&j->co, f->conn->stream);
  RL__OUT_LIT(&j->co, "connection: ");
  rl__put_xml_str(&j->co, f->rule->id);
  rl__out_ch(&j->co, ' ');
  rl__put_xml_str(&j->co, f->rule->name ? f->rule->name : "");
  RL__OUT_LIT(&j->co, "\" classname=\"");
  rl__put_xml_str(&j->co, r->path ? r->path : "");
  RL__OUT_LIT(&j->co, "\">\n");
  put_failure(&j->co, f, body, len);
  RL__OUT_LIT(&j->co, "    </testcase>\n");
  j->tests++;
  j->failures++;
}

static void junit_finding(rl_report *r, const rl_finding *f) {
  rl__junit_state *j = &r->junit;
  init_parts(j);
  if (!render(r, f)) {
    r->oom = 1;
    return;
  }
  const char *body = j->body.buf;
  size_t len = j->body.len;
  if (!f->x) {
    if (fails(r, f->level))
      connection_case(r, f, body, len);
    else
      put_block(part(&j->notes, &j->notes_open), body, len);
  } else if (fails(r, f->level)) {
    put_failure(part(&j->fail, &j->fail_open), f, body, len);
    j->pending_failures++;
  } else {
    put_block(part(&j->out, &j->out_open), body, len);
  }
}

static void put_span(rl__out *o, const rl_message *m, rl_span sp) {
  if (m && m->raw && sp.off + (uint64_t)sp.len <= m->raw_len)
    rl__put_xml(o, m->raw + sp.off, sp.len);
}

/* Ends the test case whose opening tag (up to its attributes) is written:
 * its failures and notes, then the counts. */
static void end_case(rl_report *r, rl__out *o) {
  rl__junit_state *j = &r->junit;
  int empty = !j->fail_open && !j->out_open;
  if (o)
    rl__out_str(o, empty ? "/>\n" : ">\n");
  drain(r, &j->fail, &j->fail_open, o);
  if (j->out_open) {
    if (o)
      RL__OUT_LIT(o, "      <system-out>");
    drain(r, &j->out, &j->out_open, o);
    if (o)
      RL__OUT_LIT(o, "</system-out>\n");
  }
  if (o && !empty)
    RL__OUT_LIT(o, "    </testcase>\n");
  j->tests++;
  if (j->pending_failures)
    j->failures++;
  j->pending_failures = 0;
}

static void junit_response(rl_report *r, const rl_exchange *x) {
  rl__junit_state *j = &r->junit;
  rl__out *o = j->cases ? &j->co : NULL;
  const rl_message *m = x->response;
  if (o) {
    RL__OUT_LIT(o, "    <testcase name=\"");
    if (x->conn)
      put_stream(o, x->conn->stream);
    RL__OUT_LIT(o, "response ");
    rl__out_u64(o, m->index);
    RL__OUT_LIT(o, ": ");
    if (m->status_code >= 0)
      rl__out_int(o, m->status_code);
    else
      RL__OUT_LIT(o, "(no status code)");
    if (x->request && x->request_state == RL_REQ_PAIRED) {
      rl__out_ch(o, ' ');
      put_span(o, x->request, x->request->method);
      rl__out_ch(o, ' ');
      put_span(o, x->request, x->request->target);
    } else {
      RL__OUT_LIT(o, " (request not captured)");
    }
    RL__OUT_LIT(o, "\" classname=\"");
    rl__put_xml_str(o, r->path ? r->path : "");
    RL__OUT_LIT(o, "\"");
  }
  end_case(r, o);
}

static void junit_end(rl_report *r, int err, const char *detail) {
  rl__junit_state *j = &r->junit;
  rl__out *o = r->o;
  /* Findings of a response that was never handed over (a caller that
   * stopped mid-exchange) still belong in the report. */
  if ((j->fail_open || j->out_open) && j->cases) {
    RL__OUT_LIT(&j->co,
                "    <testcase name=\"findings after the last response\" classname=\"");
    rl__put_xml_str(&j->co, r->path ? r->path : "");
    rl__out_ch(&j->co, '"');
    end_case(r, &j->co);
  }
  RL__OUT_LIT(o, "  <testsuite name=\"");
  rl__put_xml_str(o, r->path ? r->path : "");
  rl__out_printf(o, "\" tests=\"%" PRIu64 "\" failures=\"%" PRIu64 "\" errors=\"%d\">\n",
                 j->tests + (err ? 1 : 0), j->failures, err ? 1 : 0);
  if (j->cases) {
    rl__out_flush(&j->co);
    rewind(j->cases);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, j->cases)) > 0)
      rl__out_mem(o, buf, n);
    fclose(j->cases);
    j->cases = NULL;
  }
  if (err) {
    RL__OUT_LIT(o, "    <testcase name=\"read\" classname=\"");
    rl__put_xml_str(o, r->path ? r->path : "");
    rl__out_printf(o, "\">\n      <error type=\"%s\" message=\"", rl_err_name(err));
    rl__put_xml_str(o, detail ? detail : "");
    RL__OUT_LIT(o, "\"/>\n    </testcase>\n");
  }
  if (j->notes_open) {
    RL__OUT_LIT(o, "    <system-out>");
    drain(r, &j->notes, &j->notes_open, o);
    RL__OUT_LIT(o, "</system-out>\n");
  }
  RL__OUT_LIT(o, "  </testsuite>\n");
  rl__out_flush(o);
  fflush(o->f);
}

static void junit_finish(rl_report *r, const rl_stats *stats,
                         const rl_engine_counts *counts) {
  (void)stats;
  (void)counts;
  start(r);
  RL__OUT_LIT(r->o, "</testsuites>\n");
}

static void junit_free(rl_report *r) {
  rl__junit_state *j = &r->junit;
  if (j->cases)
    fclose(j->cases);
  rl__out_free(&j->body);
  rl__out_free(&j->fail);
  rl__out_free(&j->out);
  rl__out_free(&j->notes);
}

const rl__report_format rl__report_junit = {junit_begin, junit_finding, junit_response,
                                            junit_end,   junit_finish,  junit_free};
