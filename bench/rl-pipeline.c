/* rl-pipeline: resplint's library pipeline with the whole rule catalogue,
 * for measuring and profiling the stages below the report.
 *
 * capture -> decode -> flow -> http -> engine, exactly as the resplint
 * command wires them, but findings are only counted: the output formats are
 * the report stage's (measured by the runner through the resplint command).
 * Comparing the two says what the output costs.
 *
 * Usage: rl-pipeline [--no-engine] FILE
 *   --no-engine  stop at the http stage (responses counted, no rules)
 * Prints "packets=N responses=N findings=N" on standard output.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "resplint/capture.h"
#include "resplint/engine.h"
#include "resplint/http.h"
#include "resplint/run.h"

typedef struct counter {
  uint64_t responses;
} counter;

static void count_exchange(void *ctx, const rl_exchange *x) {
  (void)x;
  ((counter *)ctx)->responses++;
}

int main(int argc, char **argv) {
  int engine_on = 1;
  int argi = 1;
  if (argi < argc && strcmp(argv[argi], "--no-engine") == 0) {
    engine_on = 0;
    argi++;
  }
  if (argi + 1 != argc) {
    fprintf(stderr, "usage: rl-pipeline [--no-engine] FILE\n");
    return 2;
  }
  char err[256];
  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  counter cnt = {0};
  rl_engine *e = NULL;
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.source = argv[argi];
  if (engine_on) {
    e = rl_engine_new();
    if (!e || rl_engine_load_catalogue(e, stderr) < 0 || rl_engine_prepare(e) < 0) {
      fprintf(stderr, "rl-pipeline: cannot load the catalogue\n");
      return 2;
    }
    hc.sink = rl_engine_http_sink();
    hc.sink_ctx = e;
  } else {
    hc.sink.exchange = count_exchange;
    hc.sink_ctx = &cnt;
  }
  rl_http *http = rl_http_new(&hc, &stats);
  rl_capture *cap = NULL;
  if (!http || rl_capture_open_file(&cap, argv[argi], err, sizeof err) < 0) {
    fprintf(stderr, "rl-pipeline: %s\n", http ? err : "out of memory");
    return 3;
  }
  rl_run_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.sink = rl_http_stream_sink();
  cfg.sink_ctx = http;
  int64_t n = rl_run(cap, &cfg, &stats, err, sizeof err);
  rl_capture_close(cap);
  rl_http_free(http);
  if (n < 0)
    fprintf(stderr, "rl-pipeline: %s\n", err);
  uint64_t findings = 0, responses = cnt.responses;
  if (e) {
    const rl_engine_counts *c = rl_engine_get_counts(e);
    responses = c->responses;
    for (int l = 0; l < RL_LEVEL__COUNT; l++)
      findings += c->findings[l];
  }
  printf("packets=%" PRIu64 " responses=%" PRIu64 " findings=%" PRIu64 "\n", stats.packets,
         responses, findings);
  rl_engine_free(e);
  return n < 0 ? 3 : 0;
}
