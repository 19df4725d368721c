/* One invocation of the command: every input through the run stage, errors
 * reported one line each, and the exit code. */
#ifndef RESPLINT_CLI_SESSION_H
#define RESPLINT_CLI_SESSION_H

#include "cli/options.h"

/* Runs what the options ask for and returns the process exit code
 * (RL_EXIT_* in resplint/error.h). Installs SIGINT and SIGTERM handlers
 * that end the current input cleanly and skip the rest. */
int rl__session_run(const rl__cli_options *o);

#endif
