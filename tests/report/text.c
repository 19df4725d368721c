/* The text format: headline, request line, the marked span, citation, and
 * the summary. The span check is a property over every finding of real
 * captures: the bytes the carets stand under, read back from the printed
 * line, are the escaped evidence the engine handed over. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "resplint/report.h"

static void escape_into(char *out, size_t cap, const uint8_t *p, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 5 < cap; i++) {
    if (p[i] == '\\')
      o += (size_t)snprintf(out + o, cap - o, "\\\\");
    else if (p[i] >= 0x20 && p[i] < 0x7f)
      out[o++] = (char)p[i];
    else
      o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
  }
  out[o] = '\0';
}

typedef struct tap_state {
  char *buf;
  size_t len;
  FILE *mem;
  int checked; /* findings whose span was read back */
  int seen;
} tap_state;

/* The evidence of a finding on a single line of the response's kept header
 * section, or NULL. */
static const uint8_t *section_evidence(const rl_finding *f, size_t *n) {
  const rl_message *m = f->x ? f->x->response : NULL;
  const uint8_t *ev = f->evidence;
  if (!m || !m->raw)
    return NULL;
  if (!ev) { /* an absence marks the status code */
    if (!m->status.len)
      return NULL;
    *n = m->status.len;
    return m->raw + m->status.off;
  }
  uintptr_t a = (uintptr_t)ev, b = (uintptr_t)m->raw;
  if (a < b || a - b + f->evidence_len > m->raw_len || f->evidence_len == 0)
    return NULL;
  if (memchr(ev, '\n', f->evidence_len) || memchr(ev, '\r', f->evidence_len))
    return NULL;
  *n = f->evidence_len;
  return ev;
}

static void check_chunk(const rl_finding *f, const char *chunk, tap_state *st) {
  const rl_message *m = f->x ? f->x->response : NULL;
  /* Headline: FILE:frame N: level[ID name]: message. */
  char head[160];
  if (m && m->first.frame)
    snprintf(head, sizeof head, ":frame %" PRIu64 ": %s[%s %s]: ", m->first.frame,
             rl_level_name(f->level), f->rule->id, f->rule->name);
  else
    snprintf(head, sizeof head, ": %s[%s %s]: ", rl_level_name(f->level), f->rule->id,
             f->rule->name);
  const char *eol = strchr(chunk, '\n');
  cr_assert_not_null(eol);
  if (m && m->first.frame)
    cr_assert_not_null(strstr(chunk, head), "headline %s in:\n%s", head, chunk);
  else
    cr_assert_not_null(strstr(chunk, head + 1), "headline %s in:\n%s", head + 1, chunk);
  size_t n;
  const uint8_t *ev = section_evidence(f, &n);
  if (!ev)
    return;
  char want[4096];
  escape_into(want, sizeof want, ev, n);
  /* The marked line and its caret line. */
  const char *caret = strstr(chunk, "\n      ");
  while (caret && caret[7 + strspn(caret + 7, " ")] != '^')
    caret = strstr(caret + 1, "\n      ");
  cr_assert_not_null(caret, "no caret line for %s in:\n%s", f->rule->id, chunk);
  const char *line = caret;
  while (line > chunk && line[-1] != '\n')
    line--;
  cr_assert(strncmp(line, "    < ", 6) == 0, "caret under a non-wire line:\n%s", chunk);
  size_t col = strspn(caret + 1, " ");
  size_t width = strspn(caret + 1 + col, "^~");
  cr_assert_leq(col + width, (size_t)(caret - line), "carets past the line:\n%s", chunk);
  char marked[4096];
  snprintf(marked, sizeof marked, "%.*s", (int)width, line + col);
  size_t linelen = (size_t)(caret - line);
  int cut = linelen >= 3 && strncmp(caret - 3, "...", 3) == 0 &&
            col + width == linelen - 3;
  if (cut)
    cr_assert(strncmp(want, marked, strlen(marked)) == 0,
              "%s: marked \"%s\" does not start the evidence \"%s\"", f->rule->id, marked,
              want);
  else
    cr_assert_str_eq(marked, want, "%s marks the wrong bytes in:\n%s", f->rule->id, chunk);
  st->checked++;
}

static void tap(void *ctx, rl_report *report, const rl_finding *f) {
  tap_state *st = ctx;
  fflush(st->mem);
  size_t before = st->len;
  rl_report_finding(report, f);
  fflush(st->mem);
  cr_assert_gt(st->len, before, "no text for %s", f->rule->id);
  char *chunk = strndup(st->buf + before, st->len - before);
  check_chunk(f, chunk, st);
  free(chunk);
  st->seen++;
}

static void run_tapped(char **inputs, int n, tap_state *st) {
  memset(st, 0, sizeof *st);
  st->mem = open_memstream(&st->buf, &st->len);
  cr_assert_not_null(st->mem);
  rt_opts o = {.format = RL_FORMAT_TEXT, .fail_on = RL_LEVEL_ERROR, .tap = tap, .tap_ctx = st};
  int code = rt_lint(&o, st->mem, inputs, n);
  cr_assert(code == 0 || code == 1 || code == 3, "exit %d", code);
  fclose(st->mem);
}

Test(text, carets_mark_the_evidence_on_every_finding) {
  char *inputs[] = {
      "fixtures/demo/demo.pcap",
      "fixtures/golden/escape.server.http",
      "fixtures/streams/sv-http-gap-simple.pcap",
      "fixtures/streams/sv-http-range-multiflows.pcap",
      "fixtures/streams/pkts-weather_broken.pcapng",
      "fixtures/streams/ndpi-http-crash-content-disposition.pcap",
      "fixtures/streams/zeek-basic-auth-with-colon.pcap",
      "fixtures/evader/440/input.pcap",
      "tests/http/transcripts/pipelined.server.http",
      "tests/http/transcripts/one-sided.server.http",
  };
  tap_state st;
  run_tapped(inputs, (int)(sizeof inputs / sizeof inputs[0]), &st);
  cr_assert_gt(st.seen, 40, "only %d findings", st.seen);
  cr_assert_gt(st.checked, 30, "only %d spans read back of %d", st.checked, st.seen);
  free(st.buf);
}

/* A control byte at the end of a 600-byte value: the line is cut to a
 * window ending in "...", and the carets stop at the cut. */
Test(text, long_lines_are_cut_to_a_window) {
  char server[1200];
  int n = snprintf(server, sizeof server,
                   "HTTP/1.1 200 OK\r\nDate: Sat, 01 Jan 2000 00:00:00 GMT\r\n"
                   "Content-Length: 0\r\nX-Pad: %0600d\x01\r\n\r\n",
                   7);
  rt_opts o = {.format = RL_FORMAT_TEXT, .fail_on = RL_LEVEL_ERROR};
  const char client[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  int code;
  char *out = rt_lint_transcript(&o, "long", client, sizeof client - 1, server, (size_t)n,
                                 &code);
  cr_assert_not_null(out);
  cr_assert_not_null(strstr(out, "[HF004 invalid-field-value-character]"), "%s", out);
  const char *shown = strstr(out, "    < X-Pad: 0000");
  cr_assert_not_null(shown, "%s", out);
  const char *end = strchr(shown, '\n');
  cr_assert_lt((size_t)(end - shown), 200u, "the line is not cut:\n%s", out);
  cr_assert(strncmp(end - 3, "...", 3) == 0, "no ... at the cut:\n%s", out);
  const char *caret = end + 1;
  size_t col = strspn(caret, " ");
  cr_assert_eq(caret[col], '^', "%s", out);
  cr_assert_eq(col, strlen("    < X-Pad: "), "the span starts at the value:\n%s", out);
  cr_assert_eq(col + strspn(caret + col, "^~"), (size_t)(end - shown) - 3,
               "the carets stop at the cut:\n%s", out);
  free(out);
}

Test(text, quiet_prints_the_summary_only) {
  char *inputs[] = {"fixtures/demo/demo.pcap"};
  rt_opts o = {.format = RL_FORMAT_TEXT, .quiet = 1, .fail_on = RL_LEVEL_ERROR};
  int code;
  char *out = rt_lint_str(&o, inputs, 1, &code);
  cr_assert_eq(code, 1, "demo.pcap holds ST031 errors");
  cr_assert(strncmp(out, "summary: 33 responses linted from 1 input (1193 packets, 19 TCP "
                         "conversations)\n",
                    strlen("summary: 33 responses")) == 0,
            "%s", out);
  cr_assert_null(strstr(out, "frame "), "%s", out);
  cr_assert_not_null(strstr(out, "findings: 2 errors, "), "%s", out);
  cr_assert_not_null(strstr(out, "  error   ST031 method-not-allowed-without-allow"), "%s",
                     out);
  free(out);
}

/* The summary says what was skipped and why, what the capture lacks, and
 * which inputs could not be read. */
Test(text, summary_names_skips_coverage_and_unreadable_inputs) {
  char *inputs[] = {"tests/http/transcripts/one-sided.server.http",
                    "fixtures/streams/sv-http-gap-simple.pcap", "fixtures/README.md",
                    "no/such/file.pcap"};
  rt_opts o = {.format = RL_FORMAT_TEXT, .quiet = 1, .fail_on = RL_LEVEL_ERROR};
  int code;
  char *out = rt_lint_str(&o, inputs, 4, &code);
  cr_assert_eq(code, 3);
  cr_assert_not_null(strstr(out, "because the paired request was not captured\n"), "%s", out);
  cr_assert_not_null(strstr(out, "coverage notes:\n"), "%s", out);
  cr_assert_not_null(strstr(out, "  TCP sequence gaps: "), "%s", out);
  cr_assert_not_null(strstr(out, "not read completely: fixtures/README.md: "), "%s", out);
  cr_assert_not_null(strstr(out, "not read completely: no/such/file.pcap: "), "%s", out);
  cr_assert_not_null(strstr(out, "from 4 inputs"), "%s", out);
  free(out);
}

/* A file name with control bytes is escaped like wire bytes. */
Test(text, file_names_are_escaped) {
  char *inputs[] = {"no/such/\x1b[2J.pcap"};
  rt_opts o = {.format = RL_FORMAT_TEXT, .fail_on = RL_LEVEL_ERROR};
  int code;
  char *out = rt_lint_str(&o, inputs, 1, &code);
  cr_assert_eq(code, 3);
  cr_assert_null(strchr(out, '\x1b'), "%s", out);
  cr_assert_not_null(strstr(out, "no/such/\\x1b[2J.pcap"), "%s", out);
  free(out);
}

/* An obs-fold value spans three lines: each is shown and marked, and the
 * CRLF endings inside the span are line breaks, not content. */
Test(text, folded_lines_are_each_marked) {
  static const char server[] = "HTTP/1.1 200 OK\r\nDate: Sat, 01 Jan 2000 00:00:00 GMT\r\n"
                               "X-Fold: one\r\n  two\r\n\tthree\r\nContent-Length: 0\r\n\r\n";
  rt_opts o = {.format = RL_FORMAT_TEXT, .fail_on = RL_LEVEL_ERROR};
  int code;
  char *out = rt_lint_transcript(&o, "fold", NULL, 0, server, sizeof server - 1, &code);
  cr_assert_not_null(out);
  const char *want = "fold.server.http:3: error[HF003 obsolete-line-folding]: ";
  cr_assert_not_null(strstr(out, want), "%s", out);
  cr_assert_not_null(strstr(out, "    < X-Fold: one\n"
                                 "      ^~~~~~~~~~~\n"
                                 "    <   two\n"
                                 "      ^~~~~\n"
                                 "    < \\x09three\n"
                                 "      ^~~~~~~~~\n"),
                     "%s", out);
  free(out);
}

/* The value of a field with a 150-byte name: the window starts shortly
 * before the span, behind "...", and the carets still stand under it. */
Test(text, window_moves_to_a_span_far_into_the_line) {
  char server[600];
  int n = snprintf(server, sizeof server,
                   "HTTP/1.1 200 OK\r\nDate: Sat, 01 Jan 2000 00:00:00 GMT\r\n"
                   "Content-Length: 0\r\nX-%0150d: bad\x01value\r\n\r\n",
                   0);
  rt_opts o = {.format = RL_FORMAT_TEXT, .fail_on = RL_LEVEL_ERROR};
  int code;
  char *out = rt_lint_transcript(&o, "far", NULL, 0, server, (size_t)n, &code);
  cr_assert_not_null(out);
  const char *head = strstr(out, "[HF004 invalid-field-value-character]");
  cr_assert_not_null(head, "%s", out);
  const char *shown = strstr(head, "\n    < ...");
  cr_assert_not_null(shown, "the line does not start with ...:\n%s", out);
  shown += 1;
  const char *end = strchr(shown, '\n');
  cr_assert(strncmp(end - strlen(": bad\\x01value"), ": bad\\x01value",
                    strlen(": bad\\x01value")) == 0,
            "%s", out);
  const char *caret = end + 1;
  size_t col = strspn(caret, " ");
  size_t width = strspn(caret + col, "^~");
  cr_assert_eq(width, strlen("bad\\x01value"), "%s", out);
  cr_assert(strncmp(shown + col, "bad\\x01value", width) == 0, "%s", out);
  free(out);
}
