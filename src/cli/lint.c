/* Lint mode: the http stage consumes the reassembled streams. Until the
 * rule engine is wired in, each response is counted, and listed with
 * --verbose as "SOURCE: stream S response I: STATUS". */
#include "cli/lint.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/error.h"
#include "resplint/http.h"

struct rl__lint {
  FILE *out;
  int verbose;
  uint64_t responses;
  rl_http *http; /* the current input's http stage */
};

static void on_exchange(void *ctx, const rl_exchange *x) {
  rl__lint *l = ctx;
  l->responses++;
  if (!l->verbose)
    return;
  const rl_message *r = x->response;
  fprintf(l->out, "%s: stream %" PRIu64 " response %" PRIu32 ": ", x->source,
          x->conn->stream, r->index);
  if (r->status_code >= 0)
    fprintf(l->out, "%d\n", r->status_code);
  else
    fprintf(l->out, "no valid status code\n");
}

rl__lint *rl__lint_new(FILE *out, int verbose) {
  rl__lint *l = calloc(1, sizeof *l);
  if (l) {
    l->out = out;
    l->verbose = verbose;
  }
  return l;
}

void rl__lint_free(rl__lint *l) {
  if (!l)
    return;
  rl_http_free(l->http);
  free(l);
}

int rl__lint_begin(rl__lint *l, const char *source, rl_run_config *cfg, rl_stats *stats) {
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.sink.exchange = on_exchange;
  hc.sink_ctx = l;
  hc.source = source;
  rl_http_free(l->http);
  l->http = rl_http_new(&hc, stats);
  if (!l->http)
    return RL_ENOMEM;
  cfg->sink = rl_http_stream_sink();
  cfg->sink_ctx = l->http;
  return 0;
}

void rl__lint_end(rl__lint *l) {
  rl_http_free(l->http);
  l->http = NULL;
}

uint64_t rl__lint_responses(const rl__lint *l) { return l->responses; }
