/* Command-line options of the resplint command. */
#ifndef RESPLINT_CLI_OPTIONS_H
#define RESPLINT_CLI_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

typedef struct rl__cli_options {
  char **inputs;          /* files, directories or "-" (argv, borrowed) */
  int ninputs;
  int read_mode;          /* inputs came from -r: the operands are a filter */
  const char *iface;      /* -i: live capture */
  char *filter;           /* operands joined by spaces when -i or -r; owned */
  uint64_t count;         /* -c; 0: no limit */
  double duration;        /* --duration seconds; 0: no limit */
  int snaplen;            /* -s; 0: default */
  int buffer_kib;         /* -B; 0: libpcap's default */
  int promisc;            /* live: promiscuous mode (off with -p) */
  const char *dump_dir;   /* --dump-streams */
  int verbose;
  int quiet;
} rl__cli_options;

/* What the caller should do after rl__cli_parse(). */
enum {
  RL__CLI_RUN = 0,      /* options are valid: run */
  RL__CLI_DONE = 1,     /* --help or --version was printed: exit 0 */
  RL__CLI_USAGE = 2     /* a usage error was printed to `errs`: exit 2 */
};

/* Parses argv into `o` (zeroed first). Prints --help and --version to
 * `out` and one line per usage error to `errs`. Returns an RL__CLI_* value. */
int rl__cli_parse(int argc, char **argv, rl__cli_options *o, FILE *out, FILE *errs);

/* Releases what rl__cli_parse() allocated. */
void rl__cli_options_free(rl__cli_options *o);

#endif
