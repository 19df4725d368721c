/* The report tests' pipeline: capture (or transcript) -> run -> http ->
 * engine -> report, wired the way the resplint command wires it, so that
 * the tests and the golden files exercise the real formats on real inputs.
 *
 * The same code is the test binary's driver mode, used by the scripts and by
 * scripts/regen-golden.sh until they can use the command itself:
 *   test_report --report FORMAT [--color] [--quiet] [--fail-on LEVEL]
 *               [--ignore SPEC] [--level SPEC=LEVEL] INPUT...
 * writes the report to standard output and exits 0, 1 (a finding at or
 * above --fail-on, default error) or 3 (an input not read completely). */
#ifndef RL_TEST_REPORT_LINT_H
#define RL_TEST_REPORT_LINT_H

#include <stddef.h>
#include <stdio.h>

#include "resplint/report.h"

/* Called instead of rl_report_finding when set: a test inspects each
 * finding and passes it on to the report itself. */
typedef void (*rt_tap_fn)(void *ctx, rl_report *report, const rl_finding *f);

typedef struct rt_opts {
  rl_format format;
  int color;
  int quiet;
  rl_level fail_on;      /* RL_LEVEL__COUNT: never */
  const char *ignore;    /* rl_engine_ignore spec, or NULL */
  const char *level_spec; /* rules whose level becomes `level`, or NULL */
  rl_level level;
  rt_tap_fn tap;
  void *tap_ctx;
} rt_opts;

/* Lints `inputs` (capture files, or NAME.server.http transcripts) into a
 * report written to `out`; returns the exit code described above. */
int rt_lint(const rt_opts *o, FILE *out, char **inputs, int n);

/* The same into a malloc'd NUL-terminated string (the caller frees it);
 * `code` receives the exit code. */
char *rt_lint_str(const rt_opts *o, char **inputs, int n, int *code);

/* One transcript held in memory: written to a temporary NAME.server.http
 * (and NAME.client.http when `client` is not NULL) under the build
 * directory, linted, removed. */
char *rt_lint_transcript(const rt_opts *o, const char *name, const char *client,
                         size_t client_len, const char *server, size_t server_len,
                         int *code);

#endif
