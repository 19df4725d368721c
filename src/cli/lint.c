/* Lint mode: http stage -> engine -> gates -> report.
 *
 * The engine calls back with each finding while it judges an exchange; the
 * gates decide here whether the user sees it: a scoped ignore of the
 * configuration file first (so an ignored finding is never recorded in a
 * baseline), then the baseline. Only reported findings count for the exit
 * code and are extracted, since those are the ones a user acts on.
 */
#include "cli/lint.h"
#include "cli/say.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/error.h"
#include "resplint/http.h"

struct rl__lint {
  rl__lint_config cfg;
  uint64_t responses;
  uint64_t failing;
  uint64_t withheld_level[RL_LEVEL__COUNT];
  int status;    /* first bookkeeping error */
  rl_http *http; /* the current input's http stage */
};

static void note_error(rl__lint *l, int rc) {
  if (rc < 0 && l->status == 0)
    l->status = rc;
}

static int scoped_ignore(const rl__lint *l, const rl_finding *f) {
  const rl__config *c = l->cfg.config;
  for (size_t i = 0; c && i < c->nscopes; i++)
    if (rl__scope_matches(&c->scopes[i], f))
      return 1;
  return 0;
}

/* Asks for the packets of the finding's exchange; a connection-level
 * finding takes its conversation up to the event's packet. */
static void extract(rl__lint *l, const rl_finding *f) {
  const rl_conn *conn = f->x ? f->x->conn : f->conn;
  if (!conn || f->at.frame == 0) /* a transcript has no packets */
    return;
  uint64_t last = f->at.frame;
  char name[96];
  if (f->x) {
    /* The request may have been captured after the response's end (a tap
     * that reorders the two directions): take whichever came later. */
    if (f->x->response->last.frame > last)
      last = f->x->response->last.frame;
    if (f->x->request && f->x->request->last.frame > last)
      last = f->x->request->last.frame;
    snprintf(name, sizeof name, "%s-stream%" PRIu64 "-%" PRIu32 ".pcap", f->rule->id,
             conn->stream, f->x->response->index);
  } else {
    snprintf(name, sizeof name, "%s-stream%" PRIu64 "-conn.pcap", f->rule->id,
             conn->stream);
  }
  note_error(l, rl_extract_add(l->cfg.extract, conn, last, name));
}

static void withhold(rl__lint *l, const rl_finding *f, uint64_t *counter) {
  (*counter)++;
  if ((unsigned)f->level < RL_LEVEL__COUNT)
    l->withheld_level[f->level]++;
}

static void on_finding(void *ctx, const rl_finding *f) {
  rl__lint *l = ctx;
  if (scoped_ignore(l, f)) {
    withhold(l, f, &l->cfg.withheld->ignored);
    return;
  }
  if (l->cfg.record)
    note_error(l, rl__baseline_add(l->cfg.record, f));
  if (l->cfg.accept) {
    int known = rl__baseline_contains(l->cfg.accept, f);
    note_error(l, known);
    if (known > 0) {
      withhold(l, f, &l->cfg.withheld->baselined);
      return;
    }
  }
  rl__status_clear(l->cfg.status);
  rl_report_finding(l->cfg.report, f);
  if ((int)f->level >= l->cfg.fail_on)
    l->failing++;
  if (l->cfg.extract)
    extract(l, f);
}

static void on_exchange(void *ctx, const rl_exchange *x) {
  rl__lint *l = ctx;
  l->responses++;
  rl_engine_exchange(l->cfg.engine, x);
  rl_report_response(l->cfg.report, x);
  if (!l->cfg.verbose)
    return;
  const rl_message *r = x->response;
  rl__status_clear(l->cfg.status);
  /* The source is a file name: escaped like every name the command prints. */
  if (r->status_code >= 0)
    rl__say(l->cfg.verbose, "%s: stream %" PRIu64 " response %" PRIu32 ": %d", x->source,
            x->conn->stream, r->index, r->status_code);
  else
    rl__say(l->cfg.verbose, "%s: stream %" PRIu64 " response %" PRIu32
                            ": no valid status code", x->source, x->conn->stream, r->index);
}

static void on_note(void *ctx, const rl_conn *conn, rl_dir dir, rl_event_kind kind,
                    uint64_t offset, const rl_pktref *at, const char *detail) {
  rl__lint *l = ctx;
  rl_engine_note(l->cfg.engine, conn, dir, kind, offset, at, detail);
}

rl__lint *rl__lint_new(const rl__lint_config *cfg) {
  rl__lint *l = calloc(1, sizeof *l);
  if (!l)
    return NULL;
  l->cfg = *cfg;
  rl_engine_set_sink(cfg->engine, on_finding, l);
  return l;
}

void rl__lint_free(rl__lint *l) {
  if (!l)
    return;
  rl_http_free(l->http);
  free(l);
}

static int new_http(rl__lint *l, const char *source, rl_stats *stats) {
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.sink.exchange = on_exchange;
  hc.sink.note = on_note;
  hc.sink_ctx = l;
  hc.source = source;
  if (l->cfg.caps)
    rl__caps_http(l->cfg.caps, &hc);
  rl_http_free(l->http);
  l->http = rl_http_new(&hc, stats);
  return l->http ? 0 : RL_ENOMEM;
}

int rl__lint_begin(rl__lint *l, const char *source, rl_run_config *cfg, rl_stats *stats) {
  int rc = new_http(l, source, stats);
  if (rc < 0)
    return rc;
  cfg->sink = rl_http_stream_sink();
  cfg->sink_ctx = l->http;
  if (l->cfg.extract)
    rl_extract_attach(l->cfg.extract, cfg);
  return 0;
}

int rl__lint_transcript(rl__lint *l, const char *path, rl_stats *stats) {
  int rc = new_http(l, path, stats);
  if (rc < 0)
    return rc;
  return rl_http_run_transcript_file(l->http, 0, path, RL_TRANSCRIPT_FIN);
}

void rl__lint_end(rl__lint *l) {
  rl_http_free(l->http);
  l->http = NULL;
}

uint64_t rl__lint_responses(const rl__lint *l) { return l->responses; }

uint64_t rl__lint_failing(const rl__lint *l) { return l->failing; }

rl_engine_counts rl__lint_counts(const rl__lint *l) {
  rl_engine_counts c = *rl_engine_get_counts(l->cfg.engine);
  for (int i = 0; i < RL_LEVEL__COUNT; i++)
    c.findings[i] -= l->withheld_level[i];
  return c;
}

int rl__lint_status(const rl__lint *l) { return l->status; }
