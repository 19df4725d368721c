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
static void put_block(rl__out *o, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n')
      rl__out_ch(o, '\n');
    else
      rl__put_xml_byte(o, (uint8_t)s[i]);
  }
}

/* Renders a finding as the text format would, into a fresh buffer. */
static char *render(rl_report *r, const rl_finding *f, size_t *len) {
  char *buf = NULL;
  FILE *m = open_memstream(&buf, len);
  if (!m)
    return NULL;
  char ob[4096];
  rl__out mo;
  rl__out_init(&mo, m, ob, sizeof ob);
  rl_report_options saved = r->opt;
  rl__out *saved_o = r->o;
  r->o = &mo;
  r->opt.color = 0;
  r->opt.quiet = 0;
  rl__report_text.finding(r, f);
  rl__out_flush(&mo);
  r->opt = saved;
  r->o = saved_o;
  if (fclose(m) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* Opens a memory stream into the given slot if it is not open yet. */
static FILE *mem(FILE **f, char **buf, size_t *len, rl_report *r) {
  if (!*f) {
    *f = open_memstream(buf, len);
    if (!*f)
      r->oom = 1;
  }
  return *f;
}

/* Closes a memory stream and writes what it holds to `to`. */
static void drain(FILE **f, char **buf, size_t *len, rl__out *to) {
  if (!*f)
    return;
  fclose(*f);
  *f = NULL;
  if (*buf && to)
    rl__out_mem(to, *buf, *len);
  free(*buf);
  *buf = NULL;
  *len = 0;
}

static void start(rl_report *r) {
  if (r->started)
    return;
  r->started = 1;
  RL__OUT_LIT(r->o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"resplint\">\n");
}

static void junit_begin(rl_report *r) {
  start(r);
  rl__junit_state *j = &r->junit;
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

static void put_failure(rl__out *o, const rl_finding *f, const char *body, size_t len) {
  RL__OUT_LIT(o, "      <failure type=\"");
  rl__put_xml_str(o, f->rule->id);
  rl__out_ch(o, ' ');
  rl__put_xml_str(o, f->rule->name ? f->rule->name : "");
  rl__out_printf(o, "\" message=\"%s: ", rl_level_name(f->level));
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
    rl__out_printf(&j->co, "stream %" PRIu64 " ", f->conn->stream);
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

/* Writes a finding's body into one of the memory streams, as a <failure>
 * or as plain (escaped) text. */
static void to_mem(FILE *m, const rl_finding *f, const char *body, size_t len,
                   int failure) {
  char ob[4096];
  rl__out mo;
  rl__out_init(&mo, m, ob, sizeof ob);
  if (failure)
    put_failure(&mo, f, body, len);
  else
    put_block(&mo, body, len);
  rl__out_flush(&mo);
}

static void junit_finding(rl_report *r, const rl_finding *f) {
  rl__junit_state *j = &r->junit;
  size_t len = 0;
  char *body = render(r, f, &len);
  if (!body) {
    r->oom = 1;
    return;
  }
  if (!f->x) {
    if (fails(r, f->level))
      connection_case(r, f, body, len);
    else if (mem(&j->notes, &j->notes_buf, &j->notes_len, r))
      to_mem(j->notes, f, body, len, 0);
  } else if (fails(r, f->level)) {
    if (mem(&j->fail, &j->fail_buf, &j->fail_len, r)) {
      to_mem(j->fail, f, body, len, 1);
      j->pending_failures++;
    }
  } else if (mem(&j->out, &j->out_buf, &j->out_len, r)) {
    to_mem(j->out, f, body, len, 0);
  }
  free(body);
}

static void put_span(rl__out *o, const rl_message *m, rl_span sp) {
  if (m && m->raw && sp.off + (uint64_t)sp.len <= m->raw_len)
    rl__put_xml(o, m->raw + sp.off, sp.len);
}

/* Ends the test case whose opening tag (up to its attributes) is written:
 * its failures and notes, then the counts. */
static void end_case(rl_report *r, rl__out *o) {
  rl__junit_state *j = &r->junit;
  int empty = !j->fail && !j->out;
  if (o)
    rl__out_str(o, empty ? "/>\n" : ">\n");
  drain(&j->fail, &j->fail_buf, &j->fail_len, o);
  if (j->out) {
    if (o)
      RL__OUT_LIT(o, "      <system-out>");
    drain(&j->out, &j->out_buf, &j->out_len, o);
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
      rl__out_printf(o, "stream %" PRIu64 " ", x->conn->stream);
    rl__out_printf(o, "response %" PRIu32 ": ", m->index);
    if (m->status_code >= 0)
      rl__out_printf(o, "%d", m->status_code);
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
  if ((j->fail || j->out) && j->cases) {
    RL__OUT_LIT(&j->co, "    <testcase name=\"findings after the last response\" classname=\"");
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
  if (j->notes) {
    RL__OUT_LIT(o, "    <system-out>");
    drain(&j->notes, &j->notes_buf, &j->notes_len, o);
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
  drain(&j->fail, &j->fail_buf, &j->fail_len, NULL);
  drain(&j->out, &j->out_buf, &j->out_len, NULL);
  drain(&j->notes, &j->notes_buf, &j->notes_len, NULL);
}

const rl__report_format rl__report_junit = {junit_begin, junit_finding, junit_response,
                                            junit_end,   junit_finish,  junit_free};
