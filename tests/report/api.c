/* The report.h calls themselves: names, creation, write errors, and the
 * summary each format ends with. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "resplint/error.h"
#include "resplint/report.h"

Test(api, format_names_round_trip) {
  for (int f = 0; f < RL_FORMAT__COUNT; f++)
    cr_assert_eq(rl_format_lookup(rl_format_name((rl_format)f)), f);
  cr_assert_str_eq(rl_format_name(RL_FORMAT_SARIF), "sarif");
  cr_assert_null(rl_format_name(RL_FORMAT__COUNT));
  cr_assert_eq(rl_format_lookup("xml"), -1);
  cr_assert_eq(rl_format_lookup(NULL), -1);
}

Test(api, new_refuses_bad_options_and_free_null_is_a_no_op) {
  rl_report_options o;
  memset(&o, 0, sizeof o);
  cr_assert_null(rl_report_new(&o), "no output stream");
  o.out = stdout;
  o.format = RL_FORMAT__COUNT;
  cr_assert_null(rl_report_new(&o), "unknown format");
  cr_assert_null(rl_report_new(NULL));
  rl_report_free(NULL);
}

/* A report that cannot be written says so: /dev/full fails every write. */
Test(api, finish_reports_a_write_error) {
  FILE *full = fopen("/dev/full", "w");
  cr_assert_not_null(full);
  for (int f = 0; f < RL_FORMAT__COUNT; f++) {
    rl_report_options o;
    memset(&o, 0, sizeof o);
    o.format = (rl_format)f;
    o.out = full;
    o.fail_on = RL_LEVEL_ERROR;
    rl_report *r = rl_report_new(&o);
    cr_assert_not_null(r);
    rl_report_begin_input(r, "x.pcap");
    rl_report_end_input(r, "x.pcap", RL_ENOENT, NULL);
    cr_assert_eq(rl_report_finish(r, NULL, NULL), RL_EIO, "format %s",
                 rl_format_name((rl_format)f));
    clearerr(full);
    rl_report_free(r);
  }
  fclose(full);
}

/* Without an engine and with no input the documents are still complete. */
Test(api, empty_runs_give_complete_documents) {
  static const char *const want[RL_FORMAT__COUNT] = {
      "summary: 0 responses linted from 0 inputs (0 packets, 0 TCP conversations)\n"
      "findings: 0 errors, 0 warnings, 0 info\n",
      "{\"summary\":{\"inputs\":0,",
      "{\"$schema\":",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"resplint\">\n"
      "</testsuites>\n"};
  for (int f = 0; f < RL_FORMAT__COUNT; f++) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    rl_report_options o;
    memset(&o, 0, sizeof o);
    o.format = (rl_format)f;
    o.out = m;
    rl_report *r = rl_report_new(&o);
    cr_assert_eq(rl_report_finish(r, NULL, NULL), 0);
    rl_report_free(r);
    fclose(m);
    cr_assert(strncmp(buf, want[f], strlen(want[f])) == 0, "%s:\n%s",
              rl_format_name((rl_format)f), buf);
    free(buf);
  }
}

/* JUnit: the threshold decides what fails; "never" fails nothing. */
Test(api, junit_failures_follow_fail_on) {
  char *inputs[] = {"fixtures/demo/demo.pcap"};
  struct {
    rl_level fail_on;
    const char *suite;
  } cases[] = {
      {RL_LEVEL_ERROR, "tests=\"33\" failures=\"2\" errors=\"0\""},
      {RL_LEVEL_WARNING, "tests=\"33\" failures=\"3\" errors=\"0\""},
      {RL_LEVEL__COUNT, "tests=\"33\" failures=\"0\" errors=\"0\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rt_opts o = {.format = RL_FORMAT_JUNIT, .fail_on = cases[i].fail_on};
    int code;
    char *out = rt_lint_str(&o, inputs, 1, &code);
    cr_assert_not_null(strstr(out, cases[i].suite), "want %s in:\n%.600s", cases[i].suite,
                       out);
    free(out);
  }
}

/* Findings the caller withheld (scoped ignores, a baseline) are counted in
 * the summary, read when the report finishes. */
Test(api, summary_counts_withheld_findings) {
  rl_report_withheld w = {0, 0};
  for (int f = RL_FORMAT_TEXT; f <= RL_FORMAT_JSON; f++) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    rl_report_options o;
    memset(&o, 0, sizeof o);
    o.format = (rl_format)f;
    o.out = m;
    o.withheld = &w;
    rl_report *r = rl_report_new(&o);
    w.ignored = 2; /* counted after creation, as the CLI does */
    w.baselined = 3;
    cr_assert_eq(rl_report_finish(r, NULL, NULL), 0);
    rl_report_free(r);
    fclose(m);
    const char *want = f == RL_FORMAT_TEXT
                           ? "withheld: 3 findings in the baseline, 2 matched an ignore"
                           : "\"withheld\":{\"ignored\":2,\"baselined\":3}";
    cr_assert_not_null(strstr(buf, want), "%s", buf);
    free(buf);
    w.ignored = w.baselined = 0;
  }
}

/* --- one finding into a JSON Lines report in memory ------------------------ */

/* An info finding of rule XX001; `rule` must stay where it is while `f` is used. */
static void finding_init(rl_rule_info *rule, rl_finding *f, const char *message) {
  memset(rule, 0, sizeof *rule);
  rule->id = "XX001";
  rule->name = "test-rule";
  memset(f, 0, sizeof *f);
  f->rule = rule;
  f->level = RL_LEVEL_INFO;
  f->message = message;
}

typedef struct mem_report {
  char *buf;
  size_t len;
  FILE *m;
  rl_report *r;
} mem_report;

/* A JSON Lines report written into memory, its input "x.pcap" begun. */
static void mem_report_open(mem_report *mr, int batch) {
  memset(mr, 0, sizeof *mr);
  mr->m = open_memstream(&mr->buf, &mr->len);
  cr_assert_not_null(mr->m);
  rl_report_options o;
  memset(&o, 0, sizeof o);
  o.format = RL_FORMAT_JSON;
  o.out = mr->m;
  o.batch = batch;
  mr->r = rl_report_new(&o);
  cr_assert_not_null(mr->r);
  rl_report_begin_input(mr->r, "x.pcap");
}

/* Frees the report and closes the stream: mr->buf holds the whole output
 * (the caller frees it). */
static void mem_report_close(mem_report *mr) {
  rl_report_free(mr->r);
  fclose(mr->m);
}

/* One finding as JSON Lines, the report freed behind it. */
static char *json_line(const rl_finding *f) {
  mem_report mr;
  mem_report_open(&mr, 0);
  rl_report_finding(mr.r, f);
  mem_report_close(&mr);
  return mr.buf;
}

/* JSON Lines reach the stream finding by finding unless the caller allows
 * batching; then they wait in the report's buffer until the input ends. */
Test(api, findings_are_flushed_unless_batched) {
  rl_rule_info rule;
  rl_finding f;
  finding_init(&rule, &f, "a message");
  for (int batch = 0; batch <= 1; batch++) {
    mem_report mr;
    mem_report_open(&mr, batch);
    rl_report_finding(mr.r, &f);
    fflush(mr.m);
    if (batch)
      cr_assert_eq(mr.len, 0, "batched: nothing written yet, got %zu bytes", mr.len);
    else
      cr_assert(mr.len > 0 && strncmp(mr.buf, "{\"rule\":\"XX001\"", 15) == 0, "%s", mr.buf);
    rl_report_end_input(mr.r, "x.pcap", 0, NULL);
    fflush(mr.m);
    cr_assert(mr.len > 0 && mr.buf[mr.len - 1] == '\n', "the input's end writes the findings");
    mem_report_close(&mr);
    free(mr.buf);
  }
}

/* A message longer than the output buffer takes the slow path through the
 * escaper; its escapes must be those of the short path, byte for byte. */
Test(api, long_strings_escape_as_short_ones) {
  static const char piece[] = "ab\"c\\d\x01\x7f\xc3\xa9\xc2\x85\xff plain words here.";
  static const char want_piece[] =
      "ab\\\"c\\\\d\\u0001\\u007f\xc3\xa9\\u0085\\u00ff plain words here.";
  enum { REPS = 5000 }; /* about 160 KB: more than the 64 KiB buffer */
  size_t plen = sizeof piece - 1, wlen = sizeof want_piece - 1;
  char *msg = malloc(plen * REPS + 1);
  char *want = malloc(wlen * REPS + 1);
  cr_assert(msg && want);
  for (size_t i = 0; i < REPS; i++) {
    memcpy(msg + i * plen, piece, plen);
    memcpy(want + i * wlen, want_piece, wlen);
  }
  msg[plen * REPS] = '\0';
  want[wlen * REPS] = '\0';
  rl_rule_info rule;
  rl_finding f;
  finding_init(&rule, &f, NULL);
  for (int n = 1; n <= REPS; n *= REPS) { /* short, then long */
    msg[plen * n] = '\0';
    f.message = msg;
    char *buf = json_line(&f);
    const char *at = strstr(buf, "\"message\":\"");
    cr_assert_not_null(at);
    at += strlen("\"message\":\"");
    cr_assert(strncmp(at, want, wlen * (size_t)n) == 0 && at[wlen * (size_t)n] == '"',
              "%zu repetitions escape differently", (size_t)n);
    free(buf);
    msg[plen * n] = piece[0];
  }
  free(msg);
  free(want);
}

/* Numbers are formatted by hand (digit pairs, lengths by comparison): each
 * length, and both sides of 32 bits, as printf writes them. */
Test(api, numbers_of_every_length_as_printf_writes_them) {
  rl_rule_info rule;
  rl_finding f;
  finding_init(&rule, &f, "m");
  uint64_t p = 1;
  for (int k = 0; k <= 20; k++) {
    uint64_t vals[] = {p - 1, p, p + 1, (uint64_t)UINT32_MAX + (uint64_t)k - 10, UINT64_MAX - p};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
      f.at.frame = vals[i];
      f.offset = vals[i] / 3;
      f.at.ts.nsec = (uint32_t)(vals[i] % 1000000000u);
      char want[200];
      snprintf(want, sizeof want, "\"frame\":%llu,", (unsigned long long)f.at.frame);
      char *out = json_line(&f);
      cr_assert_not_null(strstr(out, want), "want %s in %s", want, out);
      snprintf(want, sizeof want, ",\"offset\":%llu}", (unsigned long long)f.offset);
      cr_assert_not_null(strstr(out, want), "want %s in %s", want, out);
      if (f.at.ts.nsec % 1000 == 0)
        snprintf(want, sizeof want, "00.%06uZ", (unsigned)(f.at.ts.nsec / 1000));
      else
        snprintf(want, sizeof want, "00.%09uZ", (unsigned)f.at.ts.nsec);
      cr_assert_not_null(strstr(out, want), "want %s in %s", want, out);
      free(out);
    }
    if (k < 19)
      p *= 10;
  }
}

/* A message memoized as plain must not stand in for another of its length,
 * nor for one that needs escapes. */
Test(api, memoized_messages_follow_their_bytes) {
  static const char *const msgs[] = {"plain text", "plain text", "plain texT", "plain\ttext",
                                     "plain text"};
  static const char *const want[] = {"\"plain text\"", "\"plain text\"", "\"plain texT\"",
                                     "\"plain\\ttext\"", "\"plain text\""};
  rl_rule_info rule;
  rl_finding f;
  finding_init(&rule, &f, NULL);
  mem_report mr;
  mem_report_open(&mr, 0);
  for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
    f.message = msgs[i];
    f.evidence = (const uint8_t *)msgs[i];
    f.evidence_len = strlen(msgs[i]);
    rl_report_finding(mr.r, &f);
  }
  mem_report_close(&mr);
  char *buf = mr.buf;
  const char *line = buf;
  for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
    char key[64];
    snprintf(key, sizeof key, "\"message\":%s", want[i]);
    const char *end = strchr(line, '\n');
    cr_assert_not_null(end);
    cr_assert(strstr(line, key) && strstr(line, key) < end, "line %zu lacks %s", i, key);
    snprintf(key, sizeof key, "\"evidence\":%s", want[i]);
    cr_assert(strstr(line, key) && strstr(line, key) < end, "line %zu lacks %s", i, key);
    line = end + 1;
  }
  free(buf);
}
