/* Command-line options of the resplint command. */
#ifndef RESPLINT_CLI_OPTIONS_H
#define RESPLINT_CLI_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "cli/caps.h"

/* --color */
enum { RL__COLOR_AUTO = 0, RL__COLOR_ALWAYS = 1, RL__COLOR_NEVER = 2 };

/* A value that was not given on the command line. */
#define RL__UNSET (-1)

/* A list of option arguments in command-line order (argv, borrowed). */
typedef struct rl__strlist {
  const char **v;
  int n;
} rl__strlist;

typedef struct rl__cli_options {
  char **inputs;          /* files, directories or "-" (argv, borrowed) */
  int ninputs;
  int read_mode;          /* inputs came from -r: the operands are a filter */
  const char *iface;      /* -i: live capture */
  char *filter;           /* operands joined by spaces when -i or -r; owned */
  uint64_t count;         /* -c; 0: no limit */
  double duration;        /* --duration seconds; 0: no limit */
  int snaplen;            /* -s; 0: default */
  int buffer_kib;         /* -B; 0: RL__LIVE_BUFFER_KIB */
  int promisc;            /* live: promiscuous mode (off with -p) */
  int immediate;          /* live: 1 to deliver each packet at once, 0 in
                             blocks, RL__UNSET when not given (blocks) */
  const char *write_file; /* -w: live packets are also written here */
  const char *user;       /* -Z: drop privileges to this user once the
                             interface is open */
  const char *dump_dir;   /* --dump-streams */
  int verbose;
  int quiet;

  /* Report. */
  int format;             /* rl_format */
  const char *output;     /* -o FILE; NULL: standard output */
  int color;              /* RL__COLOR_* */
  int fail_on;            /* rl_level, RL_LEVEL__COUNT for never, or RL__UNSET */

  /* Rules. Each list keeps command-line order. */
  rl__strlist rules_dirs; /* --rules DIR */
  rl__strlist selects;    /* --select SPEC */
  rl__strlist ignores;    /* --ignore SPEC */
  rl__strlist levels;     /* --level SPEC=LEVEL, checked at parse time */
  int list_rules;         /* --list-rules */
  const char *explain;    /* --explain ID */
  /* Engine limits; RL__UNSET when not given (then the config file or the
   * default applies). */
  int64_t max_header_bytes;
  int64_t max_fields;
  int64_t date_skew;
  rl__caps caps;          /* --cap-NAME; 0 where not given */

  /* Gating. */
  const char *config;         /* --config FILE */
  int no_config;              /* --no-config: ignore ./.resplint.yaml */
  const char *baseline;       /* --baseline FILE */
  const char *write_baseline; /* --write-baseline FILE */
  const char *extract_dir;    /* --extract DIR */
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

/* Splits "SPEC=LEVEL" (as --level and the config file's levels take it):
 * copies SPEC into `spec` (NUL-terminated, at most specsize - 1 bytes) and
 * returns the rl_level, or -1 when the text is not of that form. */
int rl__cli_split_level(const char *arg, char *spec, size_t specsize);

/* Releases what rl__cli_parse() allocated. */
void rl__cli_options_free(rl__cli_options *o);

#endif
