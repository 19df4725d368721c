/* The command's driver: expands the inputs, runs each through rl_run() with
 * the sink the options ask for, and turns the results into messages and an
 * exit code.
 *
 * One bad input does not stop the others: it is reported on one line and
 * the exit code becomes 3 (the report is incomplete). A bad filter stops
 * everything with exit 2, since it would be bad for every input alike.
 */
#include "cli/session.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/lint.h"
#include "cli/summary.h"
#include "resplint/capture.h"
#include "resplint/error.h"
#include "resplint/run.h"

typedef struct session {
  const rl__cli_options *opt;
  rl_stats stats;
  rl__lint *lint;
  int exit_code;
  int stop;              /* a bad filter or a signal: read nothing more */
  uint64_t packets_left; /* for -c across inputs; 0 when there is no limit */
  int dump_per_input;    /* several inputs: one subdirectory of DIR each */
} session;

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
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static const char *display_name(const char *input) {
  return strcmp(input, "-") == 0 ? "standard input" : input;
}

static void input_failed(session *s) {
  if (s->exit_code != RL_EXIT_USAGE)
    s->exit_code = RL_EXIT_INPUT;
}

/* DIR itself, or DIR/<input with '/' turned to '_'> when several inputs
 * share it. Returns a malloc'd path or NULL. */
static char *dump_dir_for(const session *s, const char *input) {
  const char *dir = s->opt->dump_dir;
  if (!s->dump_per_input)
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
    fprintf(stderr, "resplint: invalid filter expression \"%s\": %s\n",
            s->opt->filter, err);
    s->exit_code = RL_EXIT_USAGE;
    s->stop = 1;
    return;
  }
  if (rc == RL_ETRUNCATED)
    fprintf(stderr,
            "resplint: %s: the capture is cut short inside its last record (%s); "
            "the %" PRIu64 " packets before it were processed\n",
            name, err, packets);
  else
    fprintf(stderr, "resplint: %s: %s\n", name, err[0] ? err : rl_strerror((int)rc));
  input_failed(s);
}

/* The sink of one input: a stream dumper with its directory, or lint. */
typedef struct input_sink {
  rl_dump_streams *dump;
  char *dir;
} input_sink;

/* Sets up the sink for `input` in cfg; returns 0 or reports and fails. */
static int sink_begin(session *s, const char *input, rl_run_config *cfg, input_sink *is) {
  const char *name = display_name(input);
  char err[512] = "";
  int rc;
  if (!s->opt->dump_dir) {
    rc = rl__lint_begin(s->lint, name, cfg, &s->stats);
    if (rc < 0)
      fprintf(stderr, "resplint: %s: %s\n", name, rl_strerror(rc));
    return rc;
  }
  is->dir = dump_dir_for(s, input);
  rc = is->dir ? rl_dump_streams_new(&is->dump, is->dir, err, sizeof err) : RL_ENOMEM;
  if (rc < 0) {
    fprintf(stderr, "resplint: %s: %s\n", is->dir ? is->dir : s->opt->dump_dir,
            err[0] ? err : rl_strerror(rc));
    return rc;
  }
  cfg->sink = rl_dump_streams_sink();
  cfg->sink_ctx = is->dump;
  return 0;
}

/* Ends the input's sink; a stream file that could not be written makes
 * the run incomplete, like an unreadable input. */
static void sink_end(session *s, input_sink *is) {
  char err[512] = "";
  if (is->dump && rl_dump_streams_status(is->dump, err, sizeof err) < 0) {
    fprintf(stderr, "resplint: %s: %s\n", is->dir, err);
    input_failed(s);
  }
  rl_dump_streams_free(is->dump);
  free(is->dir);
  if (!s->opt->dump_dir)
    rl__lint_end(s->lint);
}

/* Runs one opened capture with the sink of the mode. Takes ownership. */
static void run_capture(session *s, rl_capture *cap, const char *input) {
  rl_run_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.filter = s->opt->filter;
  cfg.max_packets = s->packets_left;
  input_sink is = {NULL, NULL};
  if (sink_begin(s, input, &cfg, &is) < 0) {
    input_failed(s);
    sink_end(s, &is);
    rl_capture_close(cap);
    return;
  }
  char err[512] = "";
  uint64_t before = s->stats.packets;
  current = cap;
  if (interrupted)
    rl_capture_break(cap); /* the signal came before `current` was set */
  int64_t n = rl_run(cap, &cfg, &s->stats, err, sizeof err);
  current = NULL;
  uint64_t read = s->stats.packets - before;
  if (n < 0)
    report_run_error(s, display_name(input), n, err, read);
  if (s->packets_left) {
    s->packets_left = read >= s->packets_left ? 0 : s->packets_left - read;
    if (s->packets_left == 0)
      s->stop = 1;
  }
  sink_end(s, &is);
  rl_capture_close(cap);
}

static void run_file(session *s, const char *path) {
  rl_capture *cap;
  char err[512] = "";
  int rc = rl_capture_open_file(&cap, path, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "resplint: %s: %s\n", display_name(path),
            err[0] ? err : rl_strerror(rc));
    input_failed(s);
    return;
  }
  run_capture(s, cap, path);
}

static int on_walk_entry(void *ctx, const char *path, int kind, const char *err) {
  session *s = ctx;
  if (kind < 0) {
    fprintf(stderr, "resplint: %s: %s\n", path, err ? err : rl_strerror(kind));
    input_failed(s);
  } else if (kind == 0) {
    if (s->opt->verbose)
      fprintf(stderr, "resplint: %s: not a capture file, skipped\n", path);
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
      fprintf(stderr, "resplint: %s: %s\n", input, err[0] ? err : rl_strerror(rc));
      input_failed(s);
    }
    return;
  }
  run_file(s, input);
}

static void run_live(session *s) {
  const rl__cli_options *o = s->opt;
  rl_live_options lo;
  memset(&lo, 0, sizeof lo);
  lo.iface = o->iface;
  lo.snaplen = o->snaplen;
  lo.buffer_size = o->buffer_kib * 1024;
  lo.immediate = 1;
  lo.promisc = o->promisc;
  lo.duration_s = o->duration;
  rl_capture *cap;
  char err[512] = "";
  int rc = rl_capture_open_live(&cap, &lo, err, sizeof err);
  if (rc < 0) {
    fprintf(stderr, "resplint: %s: %s\n", o->iface, err[0] ? err : rl_strerror(rc));
    input_failed(s);
    return;
  }
  if (!o->quiet)
    fprintf(stderr, "resplint: capturing on %s%s%s; Ctrl-C to stop\n", o->iface,
            o->filter ? " with filter " : "", o->filter ? o->filter : "");
  run_capture(s, cap, o->iface);
}

int rl__session_run(const rl__cli_options *o) {
  session s;
  memset(&s, 0, sizeof s);
  s.opt = o;
  s.exit_code = RL_EXIT_CLEAN;
  s.packets_left = o->count;
  if (o->dump_dir && !o->iface) {
    struct stat st;
    s.dump_per_input = o->ninputs > 1 ||
                       (strcmp(o->inputs[0], "-") != 0 && !o->read_mode &&
                        stat(o->inputs[0], &st) == 0 && S_ISDIR(st.st_mode));
    /* The shared parent must exist before each input makes its own. */
    if (s.dump_per_input && mkdir(o->dump_dir, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "resplint: %s: cannot create directory: %s\n", o->dump_dir,
              strerror(errno));
      return RL_EXIT_INPUT;
    }
  }
  if (!o->dump_dir) {
    s.lint = rl__lint_new(stdout, o->verbose);
    if (!s.lint) {
      fprintf(stderr, "resplint: out of memory\n");
      return RL_EXIT_INPUT;
    }
  }
  install_signals();
  if (o->iface)
    run_live(&s);
  for (int i = 0; i < o->ninputs && !s.stop && !interrupted; i++)
    run_operand(&s, o->inputs[i]);
  if (o->verbose)
    rl__cli_print_summary(stderr, &s.stats,
                          s.lint ? (int64_t)rl__lint_responses(s.lint) : -1);
  rl__lint_free(s.lint);
  return s.exit_code;
}
