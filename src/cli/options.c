/* Option parsing for the resplint command: getopt_long, tcpdump style.
 *
 * Operands are inputs (capture files, directories, "-") unless -r or -i
 * names the input, in which case the operands are a BPF filter expression,
 * as with tcpdump. Every check that needs no input is made here, so that a
 * usage error is reported before anything is read.
 */
#include "cli/options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rl_version.h"

enum {
  OPT_DURATION = 256,
  OPT_DUMP_STREAMS,
  OPT_HELP,
  OPT_VERSION
};

static const char usage_text[] =
    "Usage: resplint [OPTIONS] CAPTURE|DIRECTORY|- ...\n"
    "       resplint [OPTIONS] -r CAPTURE [FILTER EXPRESSION]\n"
    "       resplint [OPTIONS] -i INTERFACE [FILTER EXPRESSION]\n"
    "\n"
    "Checks the HTTP/1.x responses in packet captures for conformance.\n"
    "\n"
    "Input:\n"
    "  CAPTURE              a pcap or pcapng file (recognised by content, not by\n"
    "                       name); \"-\" reads a capture from standard input\n"
    "  DIRECTORY            every capture file below it, recursively, in sorted\n"
    "                       order; other files are skipped (listed with -v)\n"
    "  -r FILE              read one capture; the remaining words are a BPF\n"
    "                       filter (may be repeated to read several files)\n"
    "  -i IFACE             capture live on IFACE (\"any\" for all interfaces);\n"
    "                       the remaining words are a BPF filter\n"
    "  -c COUNT             stop after COUNT packets (that pass the filter)\n"
    "\n"
    "Live capture (-i):\n"
    "  --duration SECONDS   stop after SECONDS of capture (fractions allowed)\n"
    "  -s SNAPLEN           bytes captured per packet (default 262144)\n"
    "  -B KIB               kernel capture buffer size in KiB\n"
    "  -p                   do not put the interface in promiscuous mode\n"
    "  Capture ends cleanly on SIGINT (Ctrl-C) or SIGTERM, with a complete report.\n"
    "\n"
    "Output:\n"
    "  --dump-streams DIR   instead of linting, write each TCP stream's\n"
    "                       reassembled bytes to DIR/N.c2s and DIR/N.s2c (N is\n"
    "                       Wireshark's tcp.stream), gaps to DIR/N.gaps and the\n"
    "                       endpoints to DIR/streams.txt; with several inputs,\n"
    "                       each gets a subdirectory of DIR named after it\n"
    "  -v, --verbose        one line per response, skipped files, and a summary\n"
    "                       of the counters on standard error\n"
    "  -q, --quiet          print nothing but errors\n"
    "\n"
    "Information:\n"
    "  --help               print this help and exit\n"
    "  --version            print the version and exit\n"
    "\n"
    "Exit status:\n"
    "  0  clean: no finding\n"
    "  1  findings\n"
    "  2  usage error: bad option, bad filter expression\n"
    "  3  an input could not be read completely: missing, unreadable, not a\n"
    "     capture, cut short, unsupported link type, or an interface that does\n"
    "     not exist or may not be captured on (which needs root or CAP_NET_RAW)\n"
    "  When both apply, 3 wins over 1: the report is incomplete.\n";

static const struct option long_options[] = {
    {"duration", required_argument, NULL, OPT_DURATION},
    {"dump-streams", required_argument, NULL, OPT_DUMP_STREAMS},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int usage_error(FILE *errs, const char *what, const char *arg) {
  fprintf(errs, "resplint: %s%s%s%s\n", what, arg ? " \"" : "", arg ? arg : "",
          arg ? "\"" : "");
  fprintf(errs, "Try 'resplint --help' for more information.\n");
  return RL__CLI_USAGE;
}

/* Parses a whole decimal number in [min, max]; 0 on success. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) {
  if (!s[0] || s[0] == '-' || s[0] == '+')
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

static int parse_seconds(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v) || v <= 0)
    return -1;
  *out = v;
  return 0;
}

/* Joins the operands into one filter string, as tcpdump does. */
static char *join_words(char **words, int n) {
  size_t len = 1;
  for (int i = 0; i < n; i++)
    len += strlen(words[i]) + 1;
  char *s = malloc(len);
  if (!s)
    return NULL;
  s[0] = '\0';
  for (int i = 0; i < n; i++) {
    if (i)
      strcat(s, " ");
    strcat(s, words[i]);
  }
  return s;
}

/* The -r files are collected in order; argv is borrowed, the array owned. */
static int add_read(rl__cli_options *o, char *path) {
  char **grown = realloc(o->inputs, (size_t)(o->ninputs + 1) * sizeof *grown);
  if (!grown)
    return -1;
  o->inputs = grown;
  o->inputs[o->ninputs++] = path;
  return 0;
}

static int check_live_only(const rl__cli_options *o, FILE *errs) {
  if (o->iface)
    return RL__CLI_RUN;
  if (o->duration > 0)
    return usage_error(errs, "--duration applies to live capture (-i) only", NULL);
  if (o->snaplen)
    return usage_error(errs, "-s applies to live capture (-i) only", NULL);
  if (o->buffer_kib)
    return usage_error(errs, "-B applies to live capture (-i) only", NULL);
  if (!o->promisc)
    return usage_error(errs, "-p applies to live capture (-i) only", NULL);
  return RL__CLI_RUN;
}

/* Sorts out operands once the options are known. */
static int take_operands(rl__cli_options *o, int argc, char **argv, FILE *errs) {
  int nops = argc - optind;
  if (o->iface && o->read_mode)
    return usage_error(errs, "-i and -r cannot be used together", NULL);
  if (o->iface || o->read_mode) {
    if (nops > 0) {
      o->filter = join_words(argv + optind, nops);
      if (!o->filter)
        return usage_error(errs, "out of memory", NULL);
    }
    return RL__CLI_RUN;
  }
  if (nops == 0)
    return usage_error(errs, "no input: name a capture file, a directory, \"-\", "
                             "-r FILE or -i INTERFACE", NULL);
  for (int i = optind; i < argc; i++)
    if (add_read(o, argv[i]) != 0)
      return usage_error(errs, "out of memory", NULL);
  return RL__CLI_RUN;
}

static int parse_one(rl__cli_options *o, int c, FILE *out, FILE *errs) {
  uint64_t v;
  switch (c) {
  case 'r':
    o->read_mode = 1;
    return add_read(o, optarg) == 0 ? RL__CLI_RUN
                                    : usage_error(errs, "out of memory", NULL);
  case 'i':
    o->iface = optarg;
    return RL__CLI_RUN;
  case 'c':
    if (parse_u64(optarg, 1, UINT64_MAX, &o->count) != 0)
      return usage_error(errs, "-c needs a positive whole number, not", optarg);
    return RL__CLI_RUN;
  case 's':
    if (parse_u64(optarg, 1, 262144, &v) != 0)
      return usage_error(errs, "-s needs a snapshot length from 1 to 262144, not",
                         optarg);
    o->snaplen = (int)v;
    return RL__CLI_RUN;
  case 'B':
    if (parse_u64(optarg, 1, INT32_MAX / 1024, &v) != 0)
      return usage_error(errs, "-B needs a buffer size in KiB, not", optarg);
    o->buffer_kib = (int)v;
    return RL__CLI_RUN;
  case 'p':
    o->promisc = 0;
    return RL__CLI_RUN;
  case OPT_DURATION:
    if (parse_seconds(optarg, &o->duration) != 0)
      return usage_error(errs, "--duration needs a positive number of seconds, not",
                         optarg);
    return RL__CLI_RUN;
  case OPT_DUMP_STREAMS:
    o->dump_dir = optarg;
    return RL__CLI_RUN;
  case 'v':
    o->verbose = 1;
    return RL__CLI_RUN;
  case 'q':
    o->quiet = 1;
    return RL__CLI_RUN;
  case OPT_HELP:
    fputs(usage_text, out);
    return RL__CLI_DONE;
  case OPT_VERSION:
    fprintf(out, "resplint %s\n", RL_VERSION);
    return RL__CLI_DONE;
  default:
    return RL__CLI_USAGE;
  }
}

/* Names the offending option ourselves (opterr is off) so that the message
 * starts with "resplint:" whatever path the program was started by. */
static int bad_option(int c, char **argv, FILE *errs) {
  const char *word = argv[optind - 1];
  char shortopt[3] = {'-', (char)optopt, '\0'};
  const char *name = optopt ? shortopt : word;
  if (c == ':')
    return usage_error(errs, "missing argument to", name);
  return usage_error(errs, "unknown option", name);
}

int rl__cli_parse(int argc, char **argv, rl__cli_options *o, FILE *out, FILE *errs) {
  memset(o, 0, sizeof *o);
  o->promisc = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":r:i:c:s:B:pvq", long_options, NULL)) != -1) {
    if (c == '?' || c == ':')
      return bad_option(c, argv, errs);
    int rc = parse_one(o, c, out, errs);
    if (rc != RL__CLI_RUN)
      return rc;
  }
  if (o->verbose && o->quiet)
    return usage_error(errs, "-v and -q cannot be used together", NULL);
  int rc = check_live_only(o, errs);
  if (rc != RL__CLI_RUN)
    return rc;
  return take_operands(o, argc, argv, errs);
}

void rl__cli_options_free(rl__cli_options *o) {
  free(o->inputs);
  free(o->filter);
  o->inputs = NULL;
  o->filter = NULL;
}
