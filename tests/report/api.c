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
