/* Harness (3): arbitrary rule records through the rule loader.
 *
 * Input: the record's file name on the first line (the loader requires
 * "<ID>-<name>.yaml"), then the record's YAML. A fresh engine loads it; when
 * the record is accepted, its examples are run through the http stage and
 * the engine, so that the compiled conditions and templates are exercised
 * as well as the parser. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "resplint/error.h"
#include "resplint/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nl = memchr(data, '\n', size < 200 ? size : 200);
  char name[256];
  size_t nlen = nl ? (size_t)(nl - data) : 0;
  snprintf(name, sizeof name, "rules/fz/%.*s", (int)nlen, (const char *)data);
  const char *text = nl ? (const char *)nl + 1 : (const char *)data;
  size_t len = nl ? size - nlen - 1 : size;

  static FILE *devnull;
  if (!devnull) devnull = fopen("/dev/null", "w");
  rl_engine *e = rl_engine_new();
  if (!e) abort();
  int rc = rl_engine_load_buffer(e, name, text, len, devnull);
  if (rc > 0) {
    rl_engine_set_sink(e, rl_fuzz_check_finding, NULL);
    const rl_rule_info *r = rl_engine_rule(e, 0);
    if (!r || !r->id || !r->message) {
      fprintf(stderr, "fuzz: an accepted rule lacks id or message\n");
      abort();
    }
    rl_http_config hc;
    memset(&hc, 0, sizeof hc);
    hc.sink = rl_fuzz_http_sink();
    hc.sink_ctx = e;
    for (size_t k = 0; k < r->nexamples; k++) {
      const rl_rule_example *x = &r->examples[k];
      rl_http *h = rl_http_new(&hc, NULL);
      if (!h) abort();
      rl_http_run_transcript(h, k, x->request, x->request_len, x->response,
                             x->response_len, x->end);
      rl_http_free(h);
    }
    rl_engine_explain(e, devnull, r->id);
  } else if (rc == 0) {
    fprintf(stderr, "fuzz: load returned 0 rules without an error\n");
    abort();
  }
  rl_engine_free(e);
  return 0;
}
