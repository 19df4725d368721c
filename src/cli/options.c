/* Option parsing for the resplint command: getopt_long, tcpdump style.
 *
 * Operands are inputs (capture files, directories, "-") unless -r or -i
 * names the input, in which case the operands are a BPF filter expression,
 * as with tcpdump. Every check that needs no input is made here, so that a
 * usage error is reported before anything is read.
 */
#include "cli/options.h"
#include "cli/say.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/engine.h"
#include "resplint/report.h"
#include "rl_version.h"

enum {
  OPT_DURATION = 256,
  OPT_DUMP_STREAMS,
  OPT_HELP,
  OPT_VERSION,
  OPT_FORMAT,
  OPT_COLOR,
  OPT_FAIL_ON,
  OPT_RULES,
  OPT_SELECT,
  OPT_IGNORE,
  OPT_LEVEL,
  OPT_LIST_RULES,
  OPT_EXPLAIN,
  OPT_MAX_HEADER_BYTES,
  OPT_MAX_FIELDS,
  OPT_DATE_SKEW,
  OPT_CONFIG,
  OPT_NO_CONFIG,
  OPT_BASELINE,
  OPT_WRITE_BASELINE,
  OPT_EXTRACT,
  OPT_IMMEDIATE,
  OPT_NO_IMMEDIATE,
  OPT_CAP /* OPT_CAP + RL__CAP_*: --cap-NAME */
};

static const char usage_text[] =
    "Usage: resplint [OPTIONS] CAPTURE|DIRECTORY|- ...\n"
    "       resplint [OPTIONS] -r CAPTURE [FILTER EXPRESSION]\n"
    "       resplint [OPTIONS] -i INTERFACE [FILTER EXPRESSION]\n"
    "       resplint --list-rules | --explain ID\n"
    "\n"
    "Checks the HTTP/1.x responses in packet captures for conformance.\n"
    "\n"
    "Input:\n"
    "  CAPTURE              a pcap or pcapng file (recognised by content, not by\n"
    "                       name); \"-\" reads a capture from standard input;\n"
    "                       NAME.server.http is a raw transcript of one connection\n"
    "  DIRECTORY            every capture file and transcript below it,\n"
    "                       recursively, in sorted order; other files are skipped\n"
    "                       (listed with -v)\n"
    "  -r FILE              read one capture; the remaining words are a BPF\n"
    "                       filter (may be repeated to read several files)\n"
    "  -i IFACE             capture live on IFACE (\"any\" for all interfaces);\n"
    "                       the remaining words are a BPF filter\n"
    "  -c COUNT             stop after COUNT packets (that pass the filter)\n"
    "\n"
    "Live capture (-i):\n"
    "  --duration SECONDS   stop after SECONDS of capture (fractions allowed)\n"
    "  -s SNAPLEN           bytes captured per packet (default 262144)\n"
    "  -B KIB               kernel capture buffer size in KiB (default 32768;\n"
    "                       libpcap's own 2048 drops packets on a busy link)\n"
    "  -p                   do not put the interface in promiscuous mode\n"
    "  --immediate-mode     hand each packet over as it arrives; the kernel\n"
    "                       buffer then holds fewer packets (raise it with -B)\n"
    "  --no-immediate-mode  let the kernel hand packets over in blocks, at most\n"
    "                       100 ms late (the default: fewer drops, less CPU)\n"
    "  -w FILE              also write the packets linted to FILE (pcap), so a\n"
    "                       live finding can be replayed and extracted offline\n"
    "  -Z USER              once the interface is open, drop root privileges and\n"
    "                       run as USER (the -w file is created as USER)\n"
    "  Capture ends cleanly on SIGINT (Ctrl-C) or SIGTERM: packets already captured\n"
    "  are linted, open exchanges are judged, every report format is completed,\n"
    "  and the exit code is that of the findings. A second signal stops at once.\n"
    "  The summary counts libpcap's drops; on a terminal, standard error shows a\n"
    "  status line (responses, findings, drops) every second.\n"
    "\n"
    "Output:\n"
    "  --format FORMAT      text (default), json (JSON Lines), sarif (SARIF 2.1.0)\n"
    "                       or junit (JUnit XML)\n"
    "  -o, --output FILE    write the report to FILE instead of standard output\n"
    "  --color WHEN         auto (default: on a terminal unless NO_COLOR is set),\n"
    "                       always or never\n"
    "  -q, --quiet          text: print the summary only\n"
    "  -v, --verbose        one line per response, skipped files, and a summary\n"
    "                       of the counters on standard error\n"
    "  --dump-streams DIR   instead of linting, write each TCP stream's\n"
    "                       reassembled bytes to DIR/N.c2s and DIR/N.s2c (N is\n"
    "                       Wireshark's tcp.stream), gaps to DIR/N.gaps and the\n"
    "                       endpoints to DIR/streams.txt; with several inputs,\n"
    "                       each gets a subdirectory of DIR named after it\n"
    "\n"
    "Rules:\n"
    "  --select SPEC        run only the rules SPEC names: comma-separated IDs\n"
    "                       (ST030), ID prefixes (ST, ST03), names\n"
    "                       (range-length-mismatch) or ALL; may be repeated\n"
    "  --ignore SPEC        never run the rules SPEC names; may be repeated\n"
    "  --level SPEC=LEVEL   report the rules SPEC names at LEVEL (error, warning\n"
    "                       or info); may be repeated\n"
    "  --rules DIR          also load the rule records (*.yaml) below DIR\n"
    "  --max-header-bytes N header sections above N bytes are reported (HF012;\n"
    "                       default 8192, 0 turns the check off)\n"
    "  --max-fields N       more than N field lines are reported (HF013;\n"
    "                       default 100, 0 turns the check off)\n"
    "  --date-skew SECONDS  Date further than this from the capture time is\n"
    "                       reported (FV004; default 300, 0 turns the check off)\n"
    "  --list-rules         list the rules (a table, or JSON with\n"
    "                       --format json) and exit\n"
    "  --explain ID         explain one rule and exit\n"
    "\n"
    "Gating:\n"
    "  --fail-on LEVEL      exit 1 when a reported finding is at or above LEVEL:\n"
    "                       error, warning (default), info or never\n"
    "  --config FILE        read settings from FILE instead of ./.resplint.yaml\n"
    "  --no-config          do not read ./.resplint.yaml\n"
    "  --baseline FILE      report and fail only on findings not recorded in FILE\n"
    "  --write-baseline FILE  record every finding of this run in FILE (the run\n"
    "                       then does not fail on findings)\n"
    "  --extract DIR        for every finding, write the packets of its TCP\n"
    "                       conversation up to the end of its exchange to\n"
    "                       DIR/RULE-streamN-INDEX.pcap (capture files only)\n"
    "  Command-line options win over the configuration file.\n"
    "\n"
    "Resource caps (reaching one never stops the run: it is noted on the\n"
    "responses it affects, which are judged only by the rules that do not need\n"
    "what was lost; SIZE may end in K, M or G):\n"
    "  --cap-flows N        open TCP conversations (default 1000000); past it\n"
    "                       the least recently active is evicted (flow-evicted)\n"
    "  --cap-idle SECONDS   capture seconds a conversation may be idle before it\n"
    "                       is evicted (default 600)\n"
    "  --cap-ooo-stream SIZE  out-of-order bytes held per direction (default 1M);\n"
    "                       past it the hole is given up (out-of-order-limit)\n"
    "  --cap-ooo-total SIZE out-of-order bytes held in all (default 256M)\n"
    "  --cap-header-bytes SIZE  bytes kept of one header section (default 64K);\n"
    "                       past it the section is cut (header-section-limit)\n"
    "  --cap-header-total SIZE  header bytes held in all connections (default\n"
    "                       256M); a section that would pass it is cut there\n"
    "  --cap-fields N       field lines of one header section (default 10000)\n"
    "  --cap-pending N      pipelined requests awaiting a response per\n"
    "                       connection (default 1024; pending-request-limit)\n"
    "  --cap-pending-bytes SIZE  header bytes of those requests (default 4M)\n"
    "  --cap-frag-datagrams N  IP datagrams being reassembled (default 1024);\n"
    "                       past it the oldest is dropped\n"
    "  --cap-frag-bytes SIZE  bytes held for IP reassembly (default 16M)\n"
    "\n"
    "Information:\n"
    "  --help               print this help and exit\n"
    "  --version            print the version and exit\n"
    "\n"
    "Exit status:\n"
    "  0  clean: no reported finding at or above --fail-on\n"
    "  1  a reported finding at or above --fail-on\n"
    "  2  usage error: bad option, bad filter expression, bad configuration,\n"
    "     rule record or baseline file\n"
    "  3  an input could not be read completely: missing, unreadable, not a\n"
    "     capture, cut short, unsupported link type, or an interface that does\n"
    "     not exist or may not be captured on (which needs root or CAP_NET_RAW);\n"
    "     or an output (report, baseline, extracted capture) could not be written\n"
    "  When both apply, 3 wins over 1: the report is incomplete.\n";

static const struct option long_options[] = {
    {"duration", required_argument, NULL, OPT_DURATION},
    {"dump-streams", required_argument, NULL, OPT_DUMP_STREAMS},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, 'o'},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"rules", required_argument, NULL, OPT_RULES},
    {"select", required_argument, NULL, OPT_SELECT},
    {"ignore", required_argument, NULL, OPT_IGNORE},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"list-rules", no_argument, NULL, OPT_LIST_RULES},
    {"explain", required_argument, NULL, OPT_EXPLAIN},
    {"max-header-bytes", required_argument, NULL, OPT_MAX_HEADER_BYTES},
    {"max-fields", required_argument, NULL, OPT_MAX_FIELDS},
    {"date-skew", required_argument, NULL, OPT_DATE_SKEW},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"write-baseline", required_argument, NULL, OPT_WRITE_BASELINE},
    {"extract", required_argument, NULL, OPT_EXTRACT},
    {"immediate-mode", no_argument, NULL, OPT_IMMEDIATE},
    {"no-immediate-mode", no_argument, NULL, OPT_NO_IMMEDIATE},
#define RL__CAP_OPTION(e, name, unit, max, def) \
  {"cap-" name, required_argument, NULL, OPT_CAP + RL__CAP_##e},
    RL__CAPS(RL__CAP_OPTION)
#undef RL__CAP_OPTION
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int usage_error(FILE *errs, const char *what, const char *arg) {
  rl__say(errs, "resplint: %s%s%s%s", what, arg ? " \"" : "", arg ? arg : "",
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

static int push(rl__strlist *l, const char *arg) {
  const char **grown = realloc(l->v, (size_t)(l->n + 1) * sizeof *grown);
  if (!grown)
    return -1;
  l->v = grown;
  l->v[l->n++] = arg;
  return 0;
}

int rl__cli_split_level(const char *arg, char *spec, size_t specsize) {
  const char *eq = strrchr(arg, '=');
  if (!eq || eq == arg || (size_t)(eq - arg) >= specsize)
    return -1;
  memcpy(spec, arg, (size_t)(eq - arg));
  spec[eq - arg] = '\0';
  return rl_level_lookup(eq + 1);
}

/* A limit: a whole number from 0 (the check is off) to UINT32_MAX. */
static int parse_limit(const char *arg, const char *opt, int64_t *out, FILE *errs) {
  uint64_t v;
  if (parse_u64(arg, 0, UINT32_MAX, &v) != 0) {
    char what[96];
    snprintf(what, sizeof what, "%s needs a whole number from 0 to 4294967295, not", opt);
    return usage_error(errs, what, arg);
  }
  *out = (int64_t)v;
  return RL__CLI_RUN;
}

/* The report and rule options; RL__CLI_USAGE + 1 when `c` is not one. */
static int parse_report_option(rl__cli_options *o, int c, FILE *errs) {
  char spec[256];
  int v;
  switch (c) {
  case OPT_FORMAT:
    if ((o->format = rl_format_lookup(optarg)) < 0)
      return usage_error(errs, "--format needs text, json, sarif or junit, not", optarg);
    return RL__CLI_RUN;
  case 'o':
    o->output = optarg;
    return RL__CLI_RUN;
  case OPT_COLOR:
    if (strcmp(optarg, "auto") == 0)
      o->color = RL__COLOR_AUTO;
    else if (strcmp(optarg, "always") == 0)
      o->color = RL__COLOR_ALWAYS;
    else if (strcmp(optarg, "never") == 0)
      o->color = RL__COLOR_NEVER;
    else
      return usage_error(errs, "--color needs auto, always or never, not", optarg);
    return RL__CLI_RUN;
  case OPT_FAIL_ON:
    v = strcmp(optarg, "never") == 0 ? RL_LEVEL__COUNT : rl_level_lookup(optarg);
    if (v < 0)
      return usage_error(errs, "--fail-on needs error, warning, info or never, not",
                         optarg);
    o->fail_on = v;
    return RL__CLI_RUN;
  case OPT_LEVEL:
    if (rl__cli_split_level(optarg, spec, sizeof spec) < 0)
      return usage_error(errs, "--level needs SPEC=LEVEL with LEVEL error, warning "
                               "or info, not", optarg);
    return push(&o->levels, optarg) == 0 ? RL__CLI_RUN
                                          : usage_error(errs, "out of memory", NULL);
  case OPT_RULES:
  case OPT_SELECT:
  case OPT_IGNORE: {
    rl__strlist *l = c == OPT_RULES ? &o->rules_dirs
                     : c == OPT_SELECT ? &o->selects : &o->ignores;
    if (!optarg[0])
      return usage_error(errs, c == OPT_RULES ? "--rules needs a directory"
                               : c == OPT_SELECT ? "--select needs a rule list"
                                                 : "--ignore needs a rule list", NULL);
    return push(l, optarg) == 0 ? RL__CLI_RUN : usage_error(errs, "out of memory", NULL);
  }
  case OPT_LIST_RULES:
    o->list_rules = 1;
    return RL__CLI_RUN;
  case OPT_EXPLAIN:
    o->explain = optarg;
    return RL__CLI_RUN;
  case OPT_MAX_HEADER_BYTES:
    return parse_limit(optarg, "--max-header-bytes", &o->max_header_bytes, errs);
  case OPT_MAX_FIELDS:
    return parse_limit(optarg, "--max-fields", &o->max_fields, errs);
  case OPT_DATE_SKEW:
    return parse_limit(optarg, "--date-skew", &o->date_skew, errs);
  default:
    return RL__CLI_USAGE + 1;
  }
}

/* The gating options; RL__CLI_USAGE + 1 when `c` is not one. */
static int parse_gating_option(rl__cli_options *o, int c) {
  switch (c) {
  case OPT_CONFIG:
    o->config = optarg;
    return RL__CLI_RUN;
  case OPT_NO_CONFIG:
    o->no_config = 1;
    return RL__CLI_RUN;
  case OPT_BASELINE:
    o->baseline = optarg;
    return RL__CLI_RUN;
  case OPT_WRITE_BASELINE:
    o->write_baseline = optarg;
    return RL__CLI_RUN;
  case OPT_EXTRACT:
    o->extract_dir = optarg;
    return RL__CLI_RUN;
  default:
    return RL__CLI_USAGE + 1;
  }
}

/* --cap-NAME VALUE; RL__CLI_USAGE + 1 when `c` is not one. */
static int parse_cap_option(rl__cli_options *o, int c, FILE *errs) {
  if (c < OPT_CAP || c >= OPT_CAP + RL__CAP__COUNT)
    return RL__CLI_USAGE + 1;
  int cap = c - OPT_CAP;
  char why[160], what[256];
  if (rl__cap_parse(cap, optarg, &o->caps.v[cap], why, sizeof why) == 0)
    return RL__CLI_RUN;
  snprintf(what, sizeof what, "--cap-%s needs %s, not", rl__cap_name(cap), why);
  return usage_error(errs, what, optarg);
}

/* Combinations that cannot work, found before anything is read. */
static int check_combinations(const rl__cli_options *o, FILE *errs) {
  int linting = !o->dump_dir && !o->list_rules && !o->explain;
  if (o->list_rules && o->explain)
    return usage_error(errs, "--list-rules and --explain cannot be used together", NULL);
  if (o->dump_dir && (o->baseline || o->write_baseline || o->extract_dir))
    return usage_error(errs, "--dump-streams does not lint: it cannot be used with "
                             "--baseline, --write-baseline or --extract", NULL);
  if (o->config && o->no_config)
    return usage_error(errs, "--config and --no-config cannot be used together", NULL);
  if (linting && o->extract_dir && o->iface)
    return usage_error(errs, "--extract reads each capture file a second time: it "
                             "cannot be used with live capture (-i)", NULL);
  for (int i = 0; linting && o->extract_dir && i < o->ninputs; i++)
    if (strcmp(o->inputs[i], "-") == 0)
      return usage_error(errs, "--extract reads each capture file a second time: it "
                               "cannot be used with standard input (\"-\")", NULL);
  return RL__CLI_RUN;
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
  if (o->immediate != RL__UNSET)
    return usage_error(errs, "--immediate-mode and --no-immediate-mode apply to live "
                             "capture (-i) only", NULL);
  if (o->write_file)
    return usage_error(errs, "-w applies to live capture (-i) only", NULL);
  if (o->user)
    return usage_error(errs, "-Z applies to live capture (-i) only", NULL);
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
  if (nops == 0 && (o->list_rules || o->explain))
    return RL__CLI_RUN;
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
  int rc = parse_report_option(o, c, errs);
  if (rc == RL__CLI_USAGE + 1)
    rc = parse_gating_option(o, c);
  if (rc == RL__CLI_USAGE + 1)
    rc = parse_cap_option(o, c, errs);
  if (rc != RL__CLI_USAGE + 1)
    return rc;
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
  case OPT_IMMEDIATE:
  case OPT_NO_IMMEDIATE:
    o->immediate = c == OPT_IMMEDIATE;
    return RL__CLI_RUN;
  case 'w':
    if (!optarg[0])
      return usage_error(errs, "-w needs a file name", NULL);
    o->write_file = optarg;
    return RL__CLI_RUN;
  case 'Z':
    if (!optarg[0])
      return usage_error(errs, "-Z needs a user name", NULL);
    o->user = optarg;
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
  o->immediate = RL__UNSET;
  o->fail_on = RL__UNSET;
  o->max_header_bytes = RL__UNSET;
  o->max_fields = RL__UNSET;
  o->date_skew = RL__UNSET;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":r:i:c:s:B:pvqo:w:Z:", long_options, NULL)) != -1) {
    if (c == '?' || c == ':')
      return bad_option(c, argv, errs);
    int rc = parse_one(o, c, out, errs);
    if (rc != RL__CLI_RUN)
      return rc;
  }
  if (o->verbose && o->quiet)
    return usage_error(errs, "-v and -q cannot be used together", NULL);
  int rc = check_live_only(o, errs);
  if (rc == RL__CLI_RUN)
    rc = take_operands(o, argc, argv, errs);
  if (rc == RL__CLI_RUN)
    rc = check_combinations(o, errs);
  return rc;
}

void rl__cli_options_free(rl__cli_options *o) {
  free(o->inputs);
  free(o->filter);
  free(o->rules_dirs.v);
  free(o->selects.v);
  free(o->ignores.v);
  free(o->levels.v);
  o->inputs = NULL;
  o->filter = NULL;
}
