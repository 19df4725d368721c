/* Writes docs/rules.md from the embedded rule catalogue.
 * Usage: rl_gen_rules_doc OUTPUT.md
 * Built and run by the `rules-doc` CMake target; tests/rules fails when the
 * committed file differs from what this writes. */
#include <stdio.h>

#include "resplint/engine.h"
#include "resplint/error.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTPUT.md\n", argv[0]);
    return 2;
  }
  rl_engine *e = rl_engine_new();
  if (!e || rl_engine_load_catalogue(e, stderr) < 0) {
    rl_engine_free(e);
    return 2;
  }
  FILE *out = fopen(argv[1], "w");
  if (!out) {
    perror(argv[1]);
    rl_engine_free(e);
    return 2;
  }
  int rc = rl_engine_write_markdown(e, out);
  if (fclose(out) != 0) rc = RL_EIO;
  rl_engine_free(e);
  if (rc < 0) {
    fprintf(stderr, "%s: %s\n", argv[1], rl_strerror(rc));
    return 2;
  }
  return 0;
}
