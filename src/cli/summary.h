/* The end-of-run summary printed in --verbose mode. */
#ifndef RESPLINT_CLI_SUMMARY_H
#define RESPLINT_CLI_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "resplint/stats.h"

/* Prints every nonzero counter of `s`, one per line with its description,
 * then `responses` when it is not negative (lint mode). */
void rl__cli_print_summary(FILE *f, const rl_stats *s, int64_t responses);

#endif
