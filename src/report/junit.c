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
static void put_block(FILE *o, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\n')
      fputc('\n', o);
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
  rl_report_options saved = r->opt;
  r->opt.out = m;
  r->opt.color = 0;
  r->opt.quiet = 0;
  rl__report_text.finding(r, f);
  r->opt = saved;
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
static void drain(FILE **f, char **buf, size_t *len, FILE *to) {
  if (!*f)
    return;
  fclose(*f);
  *f = NULL;
  if (*buf && to)
    fwrite(*buf, 1, *len, to);
  free(*buf);
  *buf = NULL;
  *len = 0;
}

static void start(rl_report *r) {
  if (r->started)
    return;
  r->started = 1;
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"resplint\">\n",
        r->opt.out);
}

static void junit_begin(rl_report *r) {
  start(r);
  rl__junit_state *j = &r->junit;
  if (j->cases)
    fclose(j->cases);
  j->cases = tmpfile();
  if (!j->cases)
    r->oom = 1;
  j->tests = j->failures = j->pending_failures = 0;
}

static int fails(const rl_report *r, rl_level l) {
  return (unsigned)r->opt.fail_on < RL_LEVEL__COUNT && l >= r->opt.fail_on;
}

static void put_failure(FILE *o, const rl_finding *f, const char *body, size_t len) {
  fputs("      <failure type=\"", o);
  rl__put_xml_str(o, f->rule->id);
  fputc(' ', o);
  rl__put_xml_str(o, f->rule->name ? f->rule->name : "");
  fprintf(o, "\" message=\"%s: ", rl_level_name(f->level));
  rl__put_xml_str(o, f->message ? f->message : "");
  fputs("\">", o);
  put_block(o, body, len);
  fputs("</failure>\n", o);
}

static void connection_case(rl_report *r, const rl_finding *f, const char *body,
                            size_t len) {
  rl__junit_state *j = &r->junit;
  if (!j->cases)
    return;
  fputs("    <testcase name=\"", j->cases);
  if (f->conn)
    fprintf(j->cases, "stream %" PRIu64 " ", f->conn->stream);
  fputs("connection: ", j->cases);
  rl__put_xml_str(j->cases, f->rule->id);
  fputc(' ', j->cases);
  rl__put_xml_str(j->cases, f->rule->name ? f->rule->name : "");
  fputs("\" classname=\"", j->cases);
  rl__put_xml_str(j->cases, r->path ? r->path : "");
  fputs("\">\n", j->cases);
  put_failure(j->cases, f, body, len);
  fputs("    </testcase>\n", j->cases);
  j->tests++;
  j->failures++;
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
      put_block(j->notes, body, len);
  } else if (fails(r, f->level)) {
    if (mem(&j->fail, &j->fail_buf, &j->fail_len, r)) {
      put_failure(j->fail, f, body, len);
      j->pending_failures++;
    }
  } else if (mem(&j->out, &j->out_buf, &j->out_len, r)) {
    put_block(j->out, body, len);
  }
  free(body);
}

static void put_span(FILE *o, const rl_message *m, rl_span sp) {
  if (m && m->raw && sp.off + (uint64_t)sp.len <= m->raw_len)
    rl__put_xml(o, m->raw + sp.off, sp.len);
}

/* Ends the test case whose opening tag (up to its attributes) is written:
 * its failures and notes, then the counts. */
static void end_case(rl_report *r, FILE *o) {
  rl__junit_state *j = &r->junit;
  int empty = !j->fail && !j->out;
  if (o)
    fputs(empty ? "/>\n" : ">\n", o);
  drain(&j->fail, &j->fail_buf, &j->fail_len, o);
  if (j->out) {
    if (o)
      fputs("      <system-out>", o);
    drain(&j->out, &j->out_buf, &j->out_len, o);
    if (o)
      fputs("</system-out>\n", o);
  }
  if (o && !empty)
    fputs("    </testcase>\n", o);
  j->tests++;
  if (j->pending_failures)
    j->failures++;
  j->pending_failures = 0;
}

static void junit_response(rl_report *r, const rl_exchange *x) {
  rl__junit_state *j = &r->junit;
  FILE *o = j->cases;
  const rl_message *m = x->response;
  if (o) {
    fputs("    <testcase name=\"", o);
    if (x->conn)
      fprintf(o, "stream %" PRIu64 " ", x->conn->stream);
    fprintf(o, "response %" PRIu32 ": ", m->index);
    if (m->status_code >= 0)
      fprintf(o, "%d", m->status_code);
    else
      fputs("(no status code)", o);
    if (x->request && x->request_state == RL_REQ_PAIRED) {
      fputc(' ', o);
      put_span(o, x->request, x->request->method);
      fputc(' ', o);
      put_span(o, x->request, x->request->target);
    } else {
      fputs(" (request not captured)", o);
    }
    fputs("\" classname=\"", o);
    rl__put_xml_str(o, r->path ? r->path : "");
    fputs("\"", o);
  }
  end_case(r, o);
}

static void junit_end(rl_report *r, int err, const char *detail) {
  rl__junit_state *j = &r->junit;
  FILE *o = r->opt.out;
  /* Findings of a response that was never handed over (a caller that
   * stopped mid-exchange) still belong in the report. */
  if ((j->fail || j->out) && j->cases) {
    fputs("    <testcase name=\"findings after the last response\" classname=\"", j->cases);
    rl__put_xml_str(j->cases, r->path ? r->path : "");
    fputc('"', j->cases);
    end_case(r, j->cases);
  }
  fputs("  <testsuite name=\"", o);
  rl__put_xml_str(o, r->path ? r->path : "");
  fprintf(o, "\" tests=\"%" PRIu64 "\" failures=\"%" PRIu64 "\" errors=\"%d\">\n",
          j->tests + (err ? 1 : 0), j->failures, err ? 1 : 0);
  if (j->cases) {
    rewind(j->cases);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, j->cases)) > 0)
      fwrite(buf, 1, n, o);
    fclose(j->cases);
    j->cases = NULL;
  }
  if (err) {
    fputs("    <testcase name=\"read\" classname=\"", o);
    rl__put_xml_str(o, r->path ? r->path : "");
    fprintf(o, "\">\n      <error type=\"%s\" message=\"", rl_err_name(err));
    rl__put_xml_str(o, detail ? detail : "");
    fputs("\"/>\n    </testcase>\n", o);
  }
  if (j->notes) {
    fputs("    <system-out>", o);
    drain(&j->notes, &j->notes_buf, &j->notes_len, o);
    fputs("</system-out>\n", o);
  }
  fputs("  </testsuite>\n", o);
  fflush(o);
}

static void junit_finish(rl_report *r, const rl_stats *stats,
                         const rl_engine_counts *counts) {
  (void)stats;
  (void)counts;
  start(r);
  fputs("</testsuites>\n", r->opt.out);
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
