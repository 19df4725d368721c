/* Lint mode: the http stage as the run's stream sink, its responses counted
 * (and listed with --verbose) until the rule engine consumes them. */
#ifndef RESPLINT_CLI_LINT_H
#define RESPLINT_CLI_LINT_H

#include <stdint.h>
#include <stdio.h>

#include "resplint/run.h"
#include "resplint/stats.h"

typedef struct rl__lint rl__lint;

/* NULL on ENOMEM. Response lines go to `out` when `verbose`. */
rl__lint *rl__lint_new(FILE *out, int verbose);
void rl__lint_free(rl__lint *l); /* NULL is a no-op */

/* Prepares one input named `source`: fills cfg->sink and cfg->sink_ctx.
 * Returns 0 or RL_ENOMEM. */
int rl__lint_begin(rl__lint *l, const char *source, rl_run_config *cfg, rl_stats *stats);

/* Ends the input begun last (after rl_run() returned). */
void rl__lint_end(rl__lint *l);

/* Responses seen in all inputs so far. */
uint64_t rl__lint_responses(const rl__lint *l);

#endif
