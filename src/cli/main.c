/* resplint command line: placeholder until the CLI lands. */
#include <stdio.h>

#include "rl_version.h"

int main(void) {
  printf("resplint %s\n", RL_VERSION);
  return 0;
}
