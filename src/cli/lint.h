/* Lint mode: the http stage as the run's stream sink, the engine judging
 * every exchange, the gates (scoped ignores, baseline) between the engine's
 * findings and the report, and the bookkeeping for --extract. */
#ifndef RESPLINT_CLI_LINT_H
#define RESPLINT_CLI_LINT_H

#include <stdint.h>
#include <stdio.h>

#include "cli/caps.h"
#include "cli/config.h"
#include "cli/status.h"
#include "report/baseline.h"
#include "resplint/engine.h"
#include "resplint/report.h"
#include "resplint/run.h"
#include "resplint/stats.h"

typedef struct rl__lint_config {
  rl_engine *engine;          /* loaded and selected; the lint sets its sink */
  rl_report *report;
  int fail_on;                /* rl_level, or RL_LEVEL__COUNT for never */
  const rl__config *config;   /* scoped ignores; may be NULL */
  const rl__baseline *accept; /* --baseline; may be NULL */
  rl__baseline *record;       /* --write-baseline; may be NULL */
  rl_extract *extract;        /* --extract; may be NULL */
  rl_report_withheld *withheld; /* counted here; the report reads it */
  const rl__caps *caps;       /* the http stage's caps; may be NULL */
  FILE *verbose;              /* one line per response when not NULL */
  rl__status *status;         /* a live status line to erase before any
                                 finding or verbose line; may be NULL */
} rl__lint_config;

typedef struct rl__lint rl__lint;

/* NULL on ENOMEM. The pointers in `cfg` must outlive the lint. */
rl__lint *rl__lint_new(const rl__lint_config *cfg);
void rl__lint_free(rl__lint *l); /* NULL is a no-op */

/* Prepares one input named `source`: fills cfg->sink and cfg->sink_ctx
 * (with the extractor in front when there is one). Returns 0 or RL_ENOMEM. */
int rl__lint_begin(rl__lint *l, const char *source, rl_run_config *cfg, rl_stats *stats);

/* Runs a transcript input (NAME.server.http) in place of rl_run(). Returns
 * 0 or an RL_E* code. */
int rl__lint_transcript(rl__lint *l, const char *path, rl_stats *stats);

/* Ends the input begun last (after rl_run() returned). */
void rl__lint_end(rl__lint *l);

/* Responses seen in all inputs so far. */
uint64_t rl__lint_responses(const rl__lint *l);

/* Reported findings at or above fail_on, in all inputs so far. */
uint64_t rl__lint_failing(const rl__lint *l);

/* The engine's counts with withheld findings taken out of the per-level
 * numbers, so that the summary counts what was reported. */
rl_engine_counts rl__lint_counts(const rl__lint *l);

/* 0, or the first error of the extraction bookkeeping (RL_ENOMEM). */
int rl__lint_status(const rl__lint *l);

#endif
