/* Shared by the libFuzzer harnesses: the checks every harness applies to
 * what the pipeline hands out, so that a harness finds wrong output and not
 * only crashes. Header-only: each harness is one executable. */
#ifndef RL_FUZZ_COMMON_H
#define RL_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/engine.h"

/* A finding's message may carry wire bytes, escaped: it must never hold a
 * control byte or a non-ASCII byte, or a terminal printing it could be
 * driven by whoever wrote the bytes. Aborting makes libFuzzer keep the
 * input as a crash. */
static inline void rl_fuzz_check_finding(void *ctx, const rl_finding *f) {
  (void)ctx;
  const unsigned char *m = (const unsigned char *)f->message;
  if (!m || !f->rule || !f->rule->id) {
    fprintf(stderr, "fuzz: finding without message or rule\n");
    abort();
  }
  for (size_t i = 0; m[i]; i++) {
    if (m[i] < 0x20 || m[i] > 0x7e) {
      fprintf(stderr, "fuzz: %s message holds byte 0x%02x at %zu: %s\n",
              f->rule->id, m[i], i, f->message);
      abort();
    }
  }
  if (f->evidence_len && !f->evidence) {
    fprintf(stderr, "fuzz: %s evidence length without bytes\n", f->rule->id);
    abort();
  }
}

/* An engine with the embedded catalogue, whose findings are checked. The
 * catalogue is built once per process: loading it per input would measure
 * YAML parsing, which the rule_record harness covers. */
static inline rl_engine *rl_fuzz_engine(void) {
  static rl_engine *e;
  if (!e) {
    e = rl_engine_new();
    if (!e || rl_engine_load_catalogue(e, stderr) <= 0 || rl_engine_prepare(e) < 0) {
      fprintf(stderr, "fuzz: cannot load the catalogue\n");
      abort();
    }
    rl_engine_set_sink(e, rl_fuzz_check_finding, NULL);
  }
  return e;
}

#endif
