/* The catalogue lint and the example runner.
 *
 * Every record of the embedded catalogue (and of the example policy pack)
 * must load, carry its RFC citation, and have failing and passing examples;
 * every example is run through the real http stage (rl_http_run_transcript)
 * and the engine, and must produce its rule (fail) or not (pass). Adding a
 * record adds its checks here without touching this file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/engine.h"
#include "resplint/error.h"
#include "resplint/http.h"

/* The IDs and names RULES.md requires, area ST (this helper's part). */
static const char *const required_st[][2] = {
    {"ST001", "interim-response-to-http10"},
    {"ST002", "content-in-1xx"},
    {"ST003", "switching-protocols-without-upgrade"},
    {"ST004", "switch-to-unrequested-protocol"},
    {"ST005", "continue-without-expectation"},
    {"ST006", "early-hints-without-link"},
    {"ST007", "processing-is-deprecated"},
    {"ST010", "content-in-204"},
    {"ST011", "content-in-205"},
    {"ST012", "created-without-location"},
    {"ST013", "accepted-without-status"},
    {"ST014", "partial-without-content-range"},
    {"ST015", "content-range-on-multipart-206"},
    {"ST016", "partial-without-range-request"},
    {"ST017", "byteranges-without-boundary"},
    {"ST018", "range-length-mismatch"},
    {"ST019", "im-used-requirements"},
    {"ST020", "redirect-without-location"},
    {"ST021", "multiple-choices-without-location"},
    {"ST022", "content-in-304"},
    {"ST023", "not-modified-without-condition"},
    {"ST024", "not-modified-without-validator"},
    {"ST025", "representation-metadata-in-304"},
    {"ST026", "use-proxy-is-deprecated"},
    {"ST027", "unused-status-306"},
    {"ST030", "unauthorized-without-challenge"},
    {"ST031", "method-not-allowed-without-allow"},
    {"ST032", "allow-lists-rejected-method"},
    {"ST033", "proxy-auth-without-challenge"},
    {"ST034", "unsatisfiable-without-content-range"},
    {"ST035", "unsatisfiable-as-multipart"},
    {"ST036", "expectation-failed-without-expect"},
    {"ST037", "teapot-is-reserved"},
    {"ST038", "upgrade-required-without-upgrade"},
    {"ST039", "uncacheable-status-made-cacheable"},
    {"ST040", "legal-block-without-link"},
    {"ST041", "error-without-explanation"},
    {"ST042", "get-or-head-not-implemented"},
    {"ST043", "network-auth-with-challenge"},
    {"ST050", "status-code-out-of-range"},
    {"ST051", "unregistered-status-code"},
};

static char *catalogue_errors(rl_engine **out) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  rl_engine *e = rl_engine_new();
  cr_assert_not_null(e);
  rl_engine_load_catalogue(e, f);
  fclose(f);
  *out = e;
  return buf;
}

Test(catalogue, every_record_loads) {
  rl_engine *e;
  char *errs = catalogue_errors(&e);
  cr_expect_str_empty(errs, "the catalogue has invalid records:\n%s", errs);
  cr_expect_gt(rl_engine_rule_count(e), 0);
  free(errs);
  rl_engine_free(e);
}

static int capture_level(const rl_rule_info *r) {
  static const char *const events[] = {
      "event tcp-gap", "event truncated-packet", "event retransmission-mismatch",
      "event out-of-order-limit", "event flow-evicted"};
  for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
    if (strcmp(r->check, events[i]) == 0) return 1;
  return 0;
}

static int level_fits(const rl_rule_info *r) {
  const char *q = r->requirement;
  if (strncmp(r->id, "TR", 2) == 0) return r->default_level == RL_LEVEL_INFO;
  /* rules/README.md "Level policy": MUST-like at any level (lower when the
   * vantage point is ambiguous), SHOULD-like at most warning, MAY-like info,
   * and advice/deprecated/note at most warning where RULES.md says so. */
  if (!strcmp(q, "MUST") || !strcmp(q, "MUST NOT") || !strcmp(q, "REQUIRED") ||
      !strcmp(q, "SHALL") || !strcmp(q, "SHALL NOT") || !strcmp(q, "invalid"))
    return 1;
  if (!strcmp(q, "MAY") || !strcmp(q, "OPTIONAL"))
    return r->default_level == RL_LEVEL_INFO;
  return r->default_level <= RL_LEVEL_WARNING;
}

Test(catalogue, every_record_is_complete) {
  rl_engine *e;
  free(catalogue_errors(&e));
  for (size_t i = 0; i < rl_engine_rule_count(e); i++) {
    const rl_rule_info *r = rl_engine_rule(e, i);
    char want[160];
    snprintf(want, sizeof want, "%s-%s.yaml", r->id, r->name);
    const char *base = strrchr(r->file, '/');
    cr_expect_str_eq(base ? base + 1 : r->file, want);
    char area[16];
    snprintf(area, sizeof area, "rules/%c%c/", r->id[0] + 32, r->id[1] + 32);
    cr_expect(strncmp(r->file, area, strlen(area)) == 0,
              "%s is not in %s", r->file, area);
    cr_expect(strstr(r->rfc_url, "://") != NULL, "%s: rfc.url", r->id);
    cr_expect_gt(strlen(r->rfc_quote), 20, "%s: rfc.quote too short", r->id);
    cr_expect_gt(strlen(r->rfc_section), 0, "%s: rfc.section", r->id);
    cr_expect(level_fits(r), "%s: level %s does not follow requirement %s",
              r->id, rl_level_name(r->default_level), r->requirement);
    int fails = 0, passes = 0;
    for (size_t k = 0; k < r->nexamples; k++)
      r->examples[k].expect_fail ? fails++ : passes++;
    /* A transcript is reassembled bytes: it cannot lose, cut or retransmit
     * packets, so rules on those capture-level events can only show that
     * clean traffic passes. Their failing cases live in fixtures/. */
    if (!capture_level(r))
      cr_expect_gt(fails, 0, "%s has no failing example", r->id);
    cr_expect_gt(passes, 0, "%s has no passing example", r->id);
  }
  rl_engine_free(e);
}

Test(catalogue, st_ids_and_names_match_rules_md) {
  rl_engine *e;
  free(catalogue_errors(&e));
  for (size_t i = 0; i < sizeof required_st / sizeof required_st[0]; i++) {
    const rl_rule_info *r = rl_engine_find(e, required_st[i][0]);
    cr_expect_not_null(r, "%s is missing", required_st[i][0]);
    if (r) cr_expect_str_eq(r->name, required_st[i][1], "%s", r->id);
  }
  rl_engine_free(e);
}

/* --- the example runner ----------------------------------------------------- */

typedef struct run {
  rl_engine *engine;
  const char *want;
  int hits;
  char others[512];
} run;

static void on_finding(void *ctx, const rl_finding *f) {
  run *r = ctx;
  if (strcmp(f->rule->id, r->want) == 0) {
    r->hits++;
    return;
  }
  size_t n = strlen(r->others);
  snprintf(r->others + n, sizeof r->others - n, " %s", f->rule->id);
}

static int run_example(rl_engine *e, const rl_rule_info *r,
                       const rl_rule_example *x, run *st) {
  memset(st, 0, sizeof *st);
  st->engine = e;
  st->want = r->id;
  rl_engine_set_sink(e, on_finding, st);
  rl_http_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.sink = rl_engine_http_sink();
  cfg.sink_ctx = e;
  cfg.source = r->file;
  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  rl_http *h = rl_http_new(&cfg, &stats);
  cr_assert_not_null(h);
  int rc = rl_http_run_transcript(h, 0, x->request, x->request_len,
                                  x->response, x->response_len, x->end);
  rl_http_free(h);
  return rc;
}

static void run_all(rl_engine *e, int *ran) {
  for (size_t i = 0; i < rl_engine_rule_count(e); i++) {
    const rl_rule_info *r = rl_engine_rule(e, i);
    for (size_t k = 0; k < r->nexamples; k++) {
      const rl_rule_example *x = &r->examples[k];
      run st;
      int rc = run_example(e, r, x, &st);
      cr_expect_geq(rc, 0, "%s:%u: the transcript did not run (%d)", r->file,
                    x->line, rc);
      if (x->expect_fail)
        cr_expect_gt(st.hits, 0, "%s:%u: failing example did not produce %s"
                                 " (produced:%s)", r->file, x->line, r->id,
                     st.others);
      else
        cr_expect_eq(st.hits, 0, "%s:%u: passing example produced %s",
                     r->file, x->line, r->id);
      (*ran)++;
    }
  }
}

Test(examples, every_catalogue_example_behaves) {
  rl_engine *e;
  free(catalogue_errors(&e));
  int ran = 0;
  run_all(e, &ran);
  cr_expect_gt(ran, 0);
  rl_engine_free(e);
}

Test(examples, the_policy_pack_examples_behave) {
  rl_engine *e = rl_engine_new();
  cr_assert_gt(rl_engine_load_dir(e, RL_SOURCE_DIR "/docs/examples/policies",
                                  stderr), 0);
  int ran = 0;
  run_all(e, &ran);
  cr_expect_gt(ran, 0);
  rl_engine_free(e);
}

/* --- docs/rules.md is generated, never edited ------------------------------- */

Test(docs, rules_md_is_not_stale) {
  rl_engine *e;
  free(catalogue_errors(&e));
  char *want = NULL;
  size_t wlen = 0;
  FILE *f = open_memstream(&want, &wlen);
  cr_assert_eq(rl_engine_write_markdown(e, f), 0);
  fclose(f);
  rl_engine_free(e);
  FILE *in = fopen(RL_SOURCE_DIR "/docs/rules.md", "rb");
  cr_assert_not_null(in, "docs/rules.md is missing: cmake --build BUILD --target rules-doc");
  char *have = malloc(wlen + 2);
  size_t hlen = fread(have, 1, wlen + 1, in);
  fclose(in);
  cr_expect(hlen == wlen && memcmp(have, want, wlen) == 0,
            "docs/rules.md is stale: run cmake --build BUILD --target rules-doc");
  free(have);
  free(want);
}
