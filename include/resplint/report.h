/* resplint: the report stage.
 *
 * Turns findings into what users read and what pipelines consume: text
 * (compiler-style, escaped, colour on a terminal), JSON Lines (the contract
 * in RULES.md), SARIF 2.1.0 and JUnit XML, each ending with the run's
 * summary. The report never decides levels or exit codes.
 *
 * Call order for a run:
 *   rl_report_new
 *   for each input: rl_report_begin_input,
 *       { rl_report_finding* ... rl_report_response } per judged response
 *       (findings of a response arrive before its rl_report_response;
 *        connection-level findings have f->x == NULL and may come any time),
 *       rl_report_end_input
 *   rl_report_finish (summary, closing brackets), rl_report_free
 * Text and JSON Lines are written (and flushed, unless the options allow
 * batching) as findings arrive, so a long live capture shows progress;
 * SARIF and JUnit are complete documents written by rl_report_finish and
 * rl_report_end_input.
 */
#ifndef RESPLINT_REPORT_H
#define RESPLINT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "resplint/engine.h"
#include "resplint/message.h"
#include "resplint/stats.h"

/* XX(ENUM, "name") */
#define RL_FORMAT_MAP(XX) \
  XX(TEXT, "text")        \
  XX(JSON, "json")        \
  XX(SARIF, "sarif")      \
  XX(JUNIT, "junit")

typedef enum rl_format {
#define RL__FORMAT_ENUM(e, name) RL_FORMAT_##e,
  RL_FORMAT_MAP(RL__FORMAT_ENUM)
#undef RL__FORMAT_ENUM
  RL_FORMAT__COUNT
} rl_format;

const char *rl_format_name(rl_format f); /* NULL when out of range */
int rl_format_lookup(const char *name);  /* -1 when unknown */

/* Findings the CLI kept out of the report (scoped ignores of the config
 * file, --baseline), for the summary. Read by rl_report_finish. */
typedef struct rl_report_withheld {
  uint64_t ignored;    /* matched a scoped ignore of the configuration */
  uint64_t baselined;  /* recorded in the --baseline file */
} rl_report_withheld;

typedef struct rl_report_options {
  rl_format format;
  FILE *out;               /* where the report goes */
  int color;               /* text only: 1 to colour (the CLI decides: TTY, NO_COLOR, --color) */
  int quiet;               /* text only: the summary alone */
  rl_level fail_on;        /* JUnit failures are findings at or above it;
                              RL_LEVEL__COUNT for "never" */
  const rl_engine *engine; /* the rules (SARIF tool.driver.rules, text citations) */
  const rl_report_withheld *withheld; /* may be NULL; counts in the summary
                                         ("N baselined, M ignored") */
  int batch;               /* text, JSON Lines: 1 lets findings wait in the
                              report's buffer (flushed, whole findings only,
                              when half full and when an input ends), for a
                              capture file written to a file or a pipe; 0
                              flushes each finding to `out` as it is written
                              (a live capture, a terminal) */
} rl_report_options;

typedef struct rl_report rl_report;

/* NULL on ENOMEM. The options are copied; `out` and `engine` must outlive it. */
rl_report *rl_report_new(const rl_report_options *opt);
void rl_report_free(rl_report *r); /* NULL is a no-op */

void rl_report_begin_input(rl_report *r, const char *path);
/* One finding; has the signature of rl_finding_fn with the report as ctx. */
void rl_report_finding(void *report, const rl_finding *f);
/* A judged response (after its findings): a JUnit test case, a counted response. */
void rl_report_response(rl_report *r, const rl_exchange *x);
/* The input ended; `err` is 0 or the RL_E* code that cut it short, with
 * `detail` the one-line explanation (shown in the summary, JUnit error,
 * SARIF toolExecutionNotifications). */
void rl_report_end_input(rl_report *r, const char *path, int err, const char *detail);
/* Writes the summary (and the SARIF/JUnit documents). Returns 0 or RL_EIO. */
int rl_report_finish(rl_report *r, const rl_stats *stats,
                     const rl_engine_counts *counts);

#endif
