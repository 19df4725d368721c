/* resplint: checks HTTP/1.x responses in packet captures.
 *
 * main() only parses the options and hands over to the session; this file
 * and its neighbours are the only place that turns results into exit(). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/options.h"
#include "cli/session.h"
#include "resplint/error.h"

int main(int argc, char **argv) {
  rl__cli_options opt;
  int rc = rl__cli_parse(argc, argv, &opt, stdout, stderr);
  int code = rc == RL__CLI_DONE ? RL_EXIT_CLEAN
             : rc == RL__CLI_USAGE ? RL_EXIT_USAGE
                                   : rl__session_run(&opt);
  rl__cli_options_free(&opt);
  if (fflush(stdout) != 0 && code == RL_EXIT_CLEAN)
    code = RL_EXIT_INPUT;
  exit(code);
}
