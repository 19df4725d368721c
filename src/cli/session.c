/* The command's driver: expands the inputs, runs each through rl_run() with
 * the sink the options ask for (lint: http -> engine -> report; or the
 * stream dumper), and turns the results into messages and an exit code.
 *
 * One bad input does not stop the others: it is reported on one line and
 * the exit code becomes 3 (the report is incomplete). A bad filter stops
 * everything with exit 2, since it would be bad for every input alike.
 */
#include "cli/session.h"
#include "cli/say.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/lint.h"
#include "cli/live.h"
#include "cli/setup.h"
#include "cli/status.h"
#include "cli/summary.h"
#include "resplint/capture.h"
#include "resplint/error.h"
#include "resplint/http.h"
#include "resplint/report.h"
#include "resplint/run.h"

typedef struct session {
  const rl__cli_options *opt;
  rl_stats stats;
  rl__lint *lint;
  rl__setup setup;
  rl_report *report;
  rl_report_withheld withheld;
  rl_extract *extract;
  FILE *out;             /* the report's destination */
  int extract_per_input; /* several inputs: one subdirectory of DIR each */
  int exit_code;
  int stop;              /* a bad filter or a signal: read nothing more */
  uint64_t packets_left; /* for -c across inputs; 0 when there is no limit */
  int dump_per_input;    /* several inputs: one subdirectory of DIR each */
  rl__status status;     /* live: the status line on a terminal */
  rl__caps caps;         /* the command line's, else the config file's */
} session;

static const char *display_name(const char *input) {
  return strcmp(input, "-") == 0 ? "standard input" : input;
}

/* The capture being read, for the signal handler. */
static rl_capture *volatile current;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
  rl_capture *cap = current;
  if (cap)
    rl_capture_break(cap);
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  /* Writes of the report restart after a signal instead of failing with
   * EINTR; poll() in the capture is interrupted all the same. */
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}


static void input_failed(session *s) {
  if (s->exit_code != RL_EXIT_USAGE)
    s->exit_code = RL_EXIT_INPUT;
}

/* An input that could not be read at all still shows in the report (a
 * JUnit error, a SARIF notification), not only on standard error. */
static void report_unread(session *s, const char *input, int rc, const char *detail) {
  if (!s->report)
    return;
  const char *name = display_name(input);
  rl_report_begin_input(s->report, name);
  rl_report_end_input(s->report, name, rc, detail && detail[0] ? detail : rl_strerror(rc));
}

/* DIR itself, or DIR/<input with '/' turned to '_'> when several inputs
 * share it. Returns a malloc'd path or NULL. */
static char *subdir_for(const char *dir, int per_input, const char *input) {
  if (!per_input)
    return strdup(dir);
  if (strcmp(input, "-") == 0)
    input = "stdin";
  /* "./a" and "/a" name the same subdirectory as "a" would. */
  for (;;) {
    if (input[0] == '.' && input[1] == '/')
      input += 2;
    else if (input[0] == '/')
      input++;
    else
      break;
  }
  size_t len = strlen(dir) + 1 + strlen(input) + 1;
  char *path = malloc(len);
  if (!path)
    return NULL;
  int n = snprintf(path, len, "%s/", dir);
  for (const char *p = input; *p; p++)
    path[n++] = *p == '/' ? '_' : *p;
  path[n] = '\0';
  return path;
}

static void report_run_error(session *s, const char *name, int64_t rc, const char *err,
                             uint64_t packets) {
  if (rc == RL_EFILTER) {
    rl__say(stderr, "resplint: invalid filter expression \"%s\": %s\n",
            s->opt->filter, err);
    s->exit_code = RL_EXIT_USAGE;
    s->stop = 1;
    return;
  }
  if (rc == RL_ETRUNCATED)
    rl__say(stderr,
            "resplint: %s: the capture is cut short inside its last record (%s); "
            "the %" PRIu64 " packets before it were processed\n",
            name, err, packets);
  else
    rl__say(stderr, "resplint: %s: %s\n", name, err[0] ? err : rl_strerror((int)rc));
  input_failed(s);
}

/* The sink of one input: a stream dumper with its directory, or lint. */
typedef struct input_sink {
  rl_dump_streams *dump;
  char *dir;
  int linting;
} input_sink;

/* Sets up the sink for `input` in cfg; returns 0 or reports and fails. */
static int sink_begin(session *s, const char *input, rl_run_config *cfg, input_sink *is) {
  const char *name = display_name(input);
  char err[512] = "";
  int rc;
  if (!s->opt->dump_dir) {
    is->linting = 1;
    rl_report_begin_input(s->report, name);
    rc = rl__lint_begin(s->lint, name, cfg, &s->stats);
    if (rc < 0)
      rl__say(stderr, "resplint: %s: %s\n", name, rl_strerror(rc));
    return rc;
  }
  is->dir = subdir_for(s->opt->dump_dir, s->dump_per_input, input);
  rc = is->dir ? rl_dump_streams_new(&is->dump, is->dir, err, sizeof err) : RL_ENOMEM;
  if (rc < 0) {
    rl__say(stderr, "resplint: %s: %s\n", is->dir ? is->dir : s->opt->dump_dir,
            err[0] ? err : rl_strerror(rc));
    return rc;
  }
  cfg->sink = rl_dump_streams_sink();
  cfg->sink_ctx = is->dump;
  return 0;
}

/* Writes the packets behind this input's findings (--extract). The file is
 * read again, so only named capture files get here. */
static void extract_input(session *s, const char *input) {
  if (!s->extract || rl_extract_pending(s->extract) == 0)
    return;
  char err[512] = "";
  char *dir = subdir_for(s->opt->extract_dir, s->extract_per_input, input);
  int rc = dir ? rl_extract_write(s->extract, input, s->opt->filter, dir, err, sizeof err)
               : RL_ENOMEM;
  if (rc < 0) {
    rl__say(stderr, "resplint: --extract: %s\n", err[0] ? err : rl_strerror(rc));
    input_failed(s);
  } else if (s->opt->verbose) {
    rl__say(stderr, "resplint: %s: %d capture%s extracted into %s\n", input, rc,
            rc == 1 ? "" : "s", dir);
  }
  free(dir);
}

/* Ends the input's sink; a stream file that could not be written makes
 * the run incomplete, like an unreadable input. `rc` and `err` say how the
 * run of the input ended, for the report. */
static void sink_end(session *s, input_sink *is, const char *input, int rc,
                     const char *err) {
  char derr[512] = "";
  if (is->dump && rl_dump_streams_status(is->dump, derr, sizeof derr) < 0) {
    rl__say(stderr, "resplint: %s: %s\n", is->dir, derr);
    input_failed(s);
  }
  rl_dump_streams_free(is->dump);
  free(is->dir);
  if (!is->linting)
    return;
  rl__lint_end(s->lint);
  if (rc >= 0)
    extract_input(s, input);
  rl_report_end_input(s->report, display_name(input), rc < 0 ? rc : 0,
                      rc < 0 ? (err && err[0] ? err : rl_strerror(rc)) : NULL);
}

/* Runs one opened capture with the sink of the mode, reading it with
 * `filter` (NULL when it is installed already). The caller closes `cap`. */
static void run_capture(session *s, rl_capture *cap, const char *input,
                        const char *filter) {
  rl_run_config cfg;
  memset(&cfg, 0, sizeof cfg);
  rl_flow_config flow;
  rl_decode_limits decode;
  memset(&flow, 0, sizeof flow);
  memset(&decode, 0, sizeof decode);
  rl__caps_flow(&s->caps, &flow);
  rl__caps_decode(&s->caps, &decode);
  cfg.flow_limits = &flow;
  cfg.decode_limits = &decode;
  cfg.filter = filter;
  cfg.max_packets = s->packets_left;
  input_sink is = {NULL, NULL, 0};
  int rc = sink_begin(s, input, &cfg, &is);
  if (rc < 0) {
    input_failed(s);
    sink_end(s, &is, input, rc, NULL);
    return;
  }
  char err[512] = "";
  uint64_t before = s->stats.packets;
  current = cap;
  if (interrupted)
    rl_capture_break(cap); /* the signal came before `current` was set */
  int64_t n = rl_run(cap, &cfg, &s->stats, err, sizeof err);
  current = NULL;
  rl__status_clear(&s->status);
  uint64_t read = s->stats.packets - before;
  if (n < 0)
    report_run_error(s, display_name(input), n, err, read);
  if (s->packets_left) {
    s->packets_left = read >= s->packets_left ? 0 : s->packets_left - read;
    if (s->packets_left == 0)
      s->stop = 1;
  }
  /* Extraction reads the file again: pointless for stdin and live
   * captures, which the options already refuse with --extract. */
  sink_end(s, &is, input, n < 0 ? (int)n : 0, err);
}

/* A raw transcript (NAME.server.http) in place of a capture. */
static void run_transcript(session *s, const char *path) {
  rl_report_begin_input(s->report, path);
  int rc = rl__lint_transcript(s->lint, path, &s->stats);
  rl__lint_end(s->lint);
  if (rc < 0) {
    rl__say(stderr, "resplint: %s: %s\n", path, rl_strerror(rc));
    input_failed(s);
  }
  rl_report_end_input(s->report, path, rc < 0 ? rc : 0, rc < 0 ? rl_strerror(rc) : NULL);
}

static void run_file(session *s, const char *path) {
  if (!s->opt->dump_dir && strcmp(path, "-") != 0 && rl_http_is_transcript(path)) {
    run_transcript(s, path);
    return;
  }
  rl_capture *cap;
  char err[512] = "";
  int rc = rl_capture_open_file(&cap, path, err, sizeof err);
  if (rc < 0) {
    rl__say(stderr, "resplint: %s: %s\n", display_name(path),
            err[0] ? err : rl_strerror(rc));
    input_failed(s);
    report_unread(s, path, rc, err);
    return;
  }
  run_capture(s, cap, path, s->opt->filter);
  rl_capture_close(cap);
}

static int on_walk_entry(void *ctx, const char *path, int kind, const char *err) {
  session *s = ctx;
  if (kind < 0) {
    rl__say(stderr, "resplint: %s: %s\n", path, err ? err : rl_strerror(kind));
    input_failed(s);
    report_unread(s, path, kind, err);
  } else if (kind == 0 && !s->opt->dump_dir && rl_http_is_transcript(path)) {
    run_transcript(s, path);
  } else if (kind == 0) {
    /* A client transcript is read with its server sibling, not skipped. */
    size_t n = strlen(path);
    int client_half = n > 12 && strcmp(path + n - 12, ".client.http") == 0;
    if (s->opt->verbose && !client_half)
      rl__say(stderr, "resplint: %s: not a capture file, skipped\n", path);
  } else {
    run_file(s, path);
  }
  return s->stop || interrupted ? 1 : 0;
}

static void run_operand(session *s, const char *input) {
  struct stat st;
  if (!s->opt->read_mode && strcmp(input, "-") != 0 && stat(input, &st) == 0 &&
      S_ISDIR(st.st_mode)) {
    char err[512] = "";
    int rc = rl_capture_walk(input, on_walk_entry, s, err, sizeof err);
    if (rc < 0) {
      rl__say(stderr, "resplint: %s: %s\n", input, err[0] ? err : rl_strerror(rc));
      input_failed(s);
      report_unread(s, input, rc, err);
    }
    return;
  }
  run_file(s, input);
}

/* What the live status line shows (status.h). */
static void fetch_status(void *ctx, rl__status_counts *out) {
  session *s = ctx;
  out->packets = s->stats.packets;
  if (s->lint) {
    out->responses = rl__lint_responses(s->lint);
    rl_engine_counts c = rl__lint_counts(s->lint);
    for (int l = 0; l < RL_LEVEL__COUNT; l++)
      out->findings += c.findings[l];
  }
  rl_capture_counts pc;
  rl_capture *cap = current;
  if (cap && rl_capture_counts_get(cap, &pc, NULL, 0) == 0)
    out->dropped = pc.dropped + pc.ifdropped;
}

/* A live capture that could not start: the message, the exit code (2 for
 * a bad filter or an unknown -Z user, 3 when the system refused), and the
 * report's record of the unread input. */
static void live_failed(session *s, int rc, const char *err) {
  const rl__cli_options *o = s->opt;
  if (rc == RL_EFILTER) {
    report_run_error(s, o->iface, rc, err, 0);
  } else {
    rl__say(stderr, "resplint: %s\n", err[0] ? err : rl_strerror(rc));
    if (rc == RL_EINVAL)
      s->exit_code = RL_EXIT_USAGE;
    else
      input_failed(s);
  }
  report_unread(s, o->iface, rc, err);
}

static void run_live(session *s) {
  const rl__cli_options *o = s->opt;
  rl_live_options lo;
  memset(&lo, 0, sizeof lo);
  lo.iface = o->iface;
  lo.snaplen = o->snaplen;
  lo.buffer_size = (o->buffer_kib ? o->buffer_kib : RL__LIVE_BUFFER_KIB) * 1024;
  lo.immediate = o->immediate == 1;
  lo.promisc = o->promisc;
  lo.duration_s = o->duration;
  rl_capture *cap;
  char err[512] = "";
  int rc = rl_capture_open_live(&cap, &lo, err, sizeof err);
  if (rc < 0) {
    rl__say(stderr, "resplint: %s: %s\n", o->iface, err[0] ? err : rl_strerror(rc));
    input_failed(s);
    report_unread(s, o->iface, rc, err);
    return;
  }
  if ((rc = rl__live_prepare(cap, o, err, sizeof err)) < 0) {
    live_failed(s, rc, err);
    rl_capture_close(cap);
    return;
  }
  if (!o->quiet)
    rl__say(stderr, "resplint: capturing on %s%s%s; Ctrl-C to stop\n", o->iface,
            o->filter ? " with filter " : "", o->filter ? o->filter : "");
  /* The status line is for a person watching: only on a terminal. */
  FILE *tty = !o->quiet && isatty(STDERR_FILENO) ? stderr : NULL;
  rl__status_init(&s->status, tty, o->iface, fetch_status, s);
  if (tty)
    rl_capture_set_tick(cap, 1000, rl__status_tick, &s->status);
  run_capture(s, cap, o->iface, NULL);
  if (rl__live_finish(cap, o, &s->stats, stderr) < 0)
    input_failed(s);
  rl_capture_close(cap);
}

/* Several inputs, or a directory of them: each gets its own subdirectory
 * of an output directory, since stream numbers restart with every input. */
static int several_inputs(const rl__cli_options *o) {
  struct stat st;
  if (o->iface)
    return 0;
  return o->ninputs > 1 ||
         (o->ninputs == 1 && strcmp(o->inputs[0], "-") != 0 && !o->read_mode &&
          stat(o->inputs[0], &st) == 0 && S_ISDIR(st.st_mode));
}

static int make_parent(const char *dir) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    rl__say(stderr, "resplint: %s: cannot create directory: %s\n", dir, strerror(errno));
    return -1;
  }
  return 0;
}

/* The report's colour: --color, else a terminal without NO_COLOR
 * (https://no-color.org: any non-empty value). */
static int want_color(const rl__cli_options *o, FILE *out) {
  if (o->color != RL__COLOR_AUTO)
    return o->color == RL__COLOR_ALWAYS;
  const char *no = getenv("NO_COLOR");
  return !(no && no[0]) && isatty(fileno(out));
}

/* True when an input is standard input ("-") or a FIFO, which may be a
 * live capture piped in (tcpdump -w - | resplint -). */
static int reads_pipe(const rl__cli_options *o) {
  struct stat st;
  for (int i = 0; i < o->ninputs; i++)
    if (strcmp(o->inputs[i], "-") == 0 ||
        (stat(o->inputs[i], &st) == 0 && S_ISFIFO(st.st_mode)))
      return 1;
  return 0;
}

/* Opens the report's destination and creates the report and the lint. */
static int start_lint(session *s) {
  const rl__cli_options *o = s->opt;
  s->out = stdout;
  if (o->output && !(s->out = fopen(o->output, "w"))) {
    rl__say(stderr, "resplint: %s: cannot write the report: %s\n", o->output,
            strerror(errno));
    s->out = NULL;
    return RL_EXIT_INPUT;
  }
  if (o->extract_dir) {
    s->extract_per_input = several_inputs(o);
    if ((s->extract_per_input && make_parent(o->extract_dir) < 0))
      return RL_EXIT_INPUT;
    if (!(s->extract = rl_extract_new()))
      return RL_EXIT_INPUT;
  }
  rl_report_options ro;
  memset(&ro, 0, sizeof ro);
  ro.format = (rl_format)o->format;
  ro.out = s->out;
  ro.color = want_color(o, s->out);
  ro.quiet = o->quiet;
  ro.fail_on = (rl_level)s->setup.fail_on;
  ro.engine = s->setup.engine;
  ro.withheld = &s->withheld;
  /* Findings may wait in the report's buffer unless someone watches them
   * come: a live capture, a capture read from a pipe, a terminal. */
  ro.batch = !o->iface && !reads_pipe(o) && !isatty(fileno(s->out));
  s->report = rl_report_new(&ro);
  rl__lint_config lc;
  memset(&lc, 0, sizeof lc);
  lc.engine = s->setup.engine;
  lc.report = s->report;
  lc.fail_on = s->setup.fail_on;
  lc.config = s->setup.config;
  lc.accept = s->setup.accept;
  lc.record = s->setup.record;
  lc.extract = s->extract;
  lc.withheld = &s->withheld;
  lc.caps = &s->caps;
  lc.verbose = o->verbose ? stderr : NULL;
  /* Findings on the terminal and verbose lines erase the status line
   * first; a report written elsewhere leaves it be. */
  lc.status = isatty(fileno(s->out)) || o->verbose ? &s->status : NULL;
  s->lint = s->report ? rl__lint_new(&lc) : NULL;
  if (!s->lint) {
    rl__say(stderr, "resplint: out of memory\n");
    return RL_EXIT_INPUT;
  }
  return RL_EXIT_CLEAN;
}

/* Summary, baseline file, exit code. */
static void finish_lint(session *s) {
  const rl__cli_options *o = s->opt;
  rl_engine_counts counts = rl__lint_counts(s->lint);
  if (rl_report_finish(s->report, &s->stats, &counts) < 0 ||
      (s->out != stdout && fclose(s->out) != 0)) {
    rl__say(stderr, "resplint: %s: cannot write the report\n",
            o->output ? o->output : "standard output");
    input_failed(s);
  }
  s->out = NULL;
  if (rl__lint_status(s->lint) < 0) {
    rl__say(stderr, "resplint: --extract: %s\n", rl_strerror(rl__lint_status(s->lint)));
    input_failed(s);
  }
  if (o->write_baseline) {
    char err[512] = "";
    if (rl__baseline_write(s->setup.record, o->write_baseline, err, sizeof err) < 0) {
      rl__say(stderr, "resplint: %s: cannot write the baseline: %s\n", o->write_baseline,
              err);
      input_failed(s);
    } else if (!o->quiet) {
      size_t n = rl__baseline_count(s->setup.record);
      rl__say(stderr, "resplint: %s: %zu distinct finding%s recorded\n", o->write_baseline,
              n, n == 1 ? "" : "s");
    }
    /* Writing a baseline accepts today's findings: the run does not fail
     * on them. */
    return;
  }
  if (s->exit_code == RL_EXIT_CLEAN && rl__lint_failing(s->lint) > 0)
    s->exit_code = RL_EXIT_FINDINGS;
}

static void end_session(session *s) {
  if (s->out && s->out != stdout)
    fclose(s->out);
  rl__lint_free(s->lint);
  rl_report_free(s->report);
  rl_extract_free(s->extract);
  rl__setup_free(&s->setup);
}

/* --list-rules and --explain: no input is read. */
static int run_info(session *s) {
  const rl__cli_options *o = s->opt;
  FILE *out = o->output ? fopen(o->output, "w") : stdout;
  if (!out) {
    rl__say(stderr, "resplint: %s: %s\n", o->output, strerror(errno));
    return RL_EXIT_INPUT;
  }
  int rc = rl__setup_info(&s->setup, o, out, stderr);
  if (out != stdout && fclose(out) != 0)
    rc = RL_EXIT_INPUT;
  return rc;
}

/* Everything before the first input; RL_EXIT_CLEAN to go on. */
static int prepare(session *s) {
  const rl__cli_options *o = s->opt;
  if (o->dump_dir) {
    s->dump_per_input = several_inputs(o);
    /* The shared parent must exist before each input makes its own. */
    return s->dump_per_input && make_parent(o->dump_dir) < 0 ? RL_EXIT_INPUT
                                                             : RL_EXIT_CLEAN;
  }
  int rc = rl__setup_load(&s->setup, o, stderr);
  if (rc != RL_EXIT_CLEAN)
    return rc;
  rl__caps_merge(&s->caps, &o->caps, s->setup.config ? &s->setup.config->caps : NULL);
  return start_lint(s);
}

int rl__session_run(const rl__cli_options *o) {
  session s;
  memset(&s, 0, sizeof s);
  s.opt = o;
  s.exit_code = RL_EXIT_CLEAN;
  s.packets_left = o->count;
  s.caps = o->caps; /* --dump-streams reads no configuration file */
  if (!o->dump_dir && (o->list_rules || o->explain)) {
    int rc = rl__setup_load(&s.setup, o, stderr);
    if (rc == RL_EXIT_CLEAN)
      rc = run_info(&s);
    end_session(&s);
    return rc;
  }
  int rc = prepare(&s);
  if (rc != RL_EXIT_CLEAN) {
    end_session(&s);
    return rc;
  }
  install_signals();
  if (o->iface)
    run_live(&s);
  for (int i = 0; i < o->ninputs && !s.stop && !interrupted; i++)
    run_operand(&s, o->inputs[i]);
  if (s.lint)
    finish_lint(&s);
  if (o->verbose)
    rl__cli_print_summary(stderr, &s.stats,
                          s.lint ? (int64_t)rl__lint_responses(s.lint) : -1);
  end_session(&s);
  return s.exit_code;
}
