/* Everything lint mode needs before the first input: the configuration
 * file, the engine with its rules, selection, levels and limits, and the
 * baselines. Command-line options win over the file. */
#ifndef RESPLINT_CLI_SETUP_H
#define RESPLINT_CLI_SETUP_H

#include <stdio.h>

#include "cli/config.h"
#include "cli/options.h"
#include "report/baseline.h"
#include "resplint/engine.h"

typedef struct rl__setup {
  rl__config *config;    /* NULL without a configuration file */
  rl_engine *engine;
  int fail_on;           /* rl_level, or RL_LEVEL__COUNT for never */
  rl__baseline *accept;  /* --baseline, or NULL */
  rl__baseline *record;  /* --write-baseline, or NULL */
} rl__setup;

/* The configuration file's name looked for in the working directory. */
#define RL__CONFIG_NAME ".resplint.yaml"

/* Fills `s`. Returns RL_EXIT_CLEAN, or RL_EXIT_USAGE / RL_EXIT_INPUT after
 * printing what is wrong to `errs`. */
int rl__setup_load(rl__setup *s, const rl__cli_options *o, FILE *errs);
void rl__setup_free(rl__setup *s);

/* --list-rules and --explain: prints to `out`, returns the exit code. */
int rl__setup_info(const rl__setup *s, const rl__cli_options *o, FILE *out, FILE *errs);

#endif
