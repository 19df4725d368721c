/* The report tests' pipeline and the test binary's driver mode (lint.h).
 *
 * The binary defines its own main, as Criterion allows: with --report as its
 * first argument it lints its operands and prints the report, otherwise it
 * runs the tests. */
#include "lint.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resplint/capture.h"
#include "resplint/engine.h"
#include "resplint/error.h"
#include "resplint/http.h"
#include "resplint/run.h"

typedef struct pipe_ctx {
  rl_engine *engine;
  rl_report *report;
  const rt_opts *opts;
} pipe_ctx;

static void on_finding(void *ctx, const rl_finding *f) {
  pipe_ctx *p = ctx;
  p->opts->tap(p->opts->tap_ctx, p->report, f);
}

/* Rule selection as the command line would apply it; 0 or -1. */
static int configure(rl_engine *e, const rt_opts *o) {
  if (o->ignore && rl_engine_ignore(e, o->ignore, stderr) < 0)
    return -1;
  if (o->level_spec && rl_engine_set_level(e, o->level_spec, o->level, stderr) < 0)
    return -1;
  return 0;
}

/* The engine judges the response (its findings reach the report through
 * the engine's sink) and then the report counts it. */
static void on_exchange(void *ctx, const rl_exchange *x) {
  pipe_ctx *p = ctx;
  rl_engine_exchange(p->engine, x);
  rl_report_response(p->report, x);
}

static void on_note(void *ctx, const rl_conn *conn, rl_dir dir, rl_event_kind kind,
                    uint64_t offset, const rl_pktref *at, const char *detail) {
  pipe_ctx *p = ctx;
  rl_engine_note(p->engine, conn, dir, kind, offset, at, detail);
}

/* Lints one input; returns 0 or the RL_E* code that cut it short. */
static int lint_one(pipe_ctx *p, const char *path, rl_stats *stats, char *err,
                    size_t errlen) {
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.sink.exchange = on_exchange;
  hc.sink.note = on_note;
  hc.sink_ctx = p;
  hc.source = path;
  rl_http *h = rl_http_new(&hc, stats);
  if (!h)
    return RL_ENOMEM;
  int rc;
  if (rl_http_is_transcript(path)) {
    rc = rl_http_run_transcript_file(h, 0, path, RL_TRANSCRIPT_FIN);
  } else {
    rl_capture *cap = NULL;
    rc = rl_capture_open_file(&cap, path, err, errlen);
    if (rc == 0) {
      rl_run_config rcfg;
      memset(&rcfg, 0, sizeof rcfg);
      rcfg.sink = rl_http_stream_sink();
      rcfg.sink_ctx = h;
      int64_t n = rl_run(cap, &rcfg, stats, err, errlen);
      rc = n < 0 ? (int)n : 0;
      rl_capture_close(cap);
    }
  }
  rl_http_free(h);
  return rc;
}

int rt_lint(const rt_opts *o, FILE *out, char **inputs, int n) {
  rl_engine *e = rl_engine_new();
  if (!e || rl_engine_load_catalogue(e, stderr) < 0 || configure(e, o) < 0) {
    rl_engine_free(e);
    return 2;
  }
  rl_report_options ro;
  memset(&ro, 0, sizeof ro);
  ro.format = o->format;
  ro.out = out;
  ro.color = o->color;
  ro.quiet = o->quiet;
  ro.fail_on = o->fail_on;
  ro.engine = e;
  pipe_ctx p = {e, rl_report_new(&ro), o};
  if (!p.report) {
    rl_engine_free(e);
    return 2;
  }
  if (o->tap)
    rl_engine_set_sink(e, on_finding, &p);
  else
    rl_engine_set_sink(e, rl_report_finding, p.report);
  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  int code = 0;
  for (int i = 0; i < n; i++) {
    char err[512] = "";
    rl_report_begin_input(p.report, inputs[i]);
    int rc = lint_one(&p, inputs[i], &stats, err, sizeof err);
    rl_report_end_input(p.report, inputs[i], rc, err[0] ? err : NULL);
    if (rc < 0)
      code = 3;
  }
  if (rl_report_finish(p.report, &stats, rl_engine_get_counts(e)) < 0)
    code = 3;
  if (code == 0 && (unsigned)o->fail_on < RL_LEVEL__COUNT && rl_engine_failed(e, o->fail_on))
    code = 1;
  rl_report_free(p.report);
  rl_engine_free(e);
  return code;
}

char *rt_lint_str(const rt_opts *o, char **inputs, int n, int *code) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m)
    return NULL;
  int c = rt_lint(o, m, inputs, n);
  fclose(m);
  if (code)
    *code = c;
  return buf;
}

static int write_file(const char *path, const char *bytes, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t put = fwrite(bytes, 1, len, f);
  return fclose(f) == 0 && put == len ? 0 : -1;
}

char *rt_lint_transcript(const rt_opts *o, const char *name, const char *client,
                         size_t client_len, const char *server, size_t server_len,
                         int *code) {
  char dir[512], spath[640], cpath[640];
  snprintf(dir, sizeof dir, "%s/tmp-report-XXXXXX", RL_BINARY_DIR);
  if (!mkdtemp(dir))
    return NULL;
  snprintf(spath, sizeof spath, "%s/%s.server.http", dir, name);
  snprintf(cpath, sizeof cpath, "%s/%s.client.http", dir, name);
  char *out = NULL;
  if (write_file(spath, server, server_len) == 0 &&
      (!client || write_file(cpath, client, client_len) == 0)) {
    char *inputs[] = {spath};
    out = rt_lint_str(o, inputs, 1, code);
  }
  unlink(spath);
  if (client)
    unlink(cpath);
  rmdir(dir);
  return out;
}

/* --- driver mode ------------------------------------------------------------ */

static int usage(void) {
  fprintf(stderr, "usage: test_report --report text|json|sarif|junit [--color] [--quiet] "
                  "[--fail-on error|warning|info|never] [--ignore SPEC] "
                  "[--level SPEC=LEVEL] INPUT...\n");
  return 2;
}

static int driver(int argc, char **argv) {
  rt_opts o;
  memset(&o, 0, sizeof o);
  o.fail_on = RL_LEVEL_ERROR;
  if (argc < 2 || rl_format_lookup(argv[1]) < 0)
    return usage();
  o.format = (rl_format)rl_format_lookup(argv[1]);
  int i = 2;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--color") == 0)
      o.color = 1;
    else if (strcmp(argv[i], "--quiet") == 0)
      o.quiet = 1;
    else if (strcmp(argv[i], "--fail-on") == 0 && i + 1 < argc) {
      i++;
      if (strcmp(argv[i], "never") == 0)
        o.fail_on = RL_LEVEL__COUNT;
      else if (rl_level_lookup(argv[i]) >= 0)
        o.fail_on = (rl_level)rl_level_lookup(argv[i]);
      else
        return usage();
    } else if (strcmp(argv[i], "--ignore") == 0 && i + 1 < argc) {
      o.ignore = argv[++i];
    } else if (strcmp(argv[i], "--level") == 0 && i + 1 < argc) {
      /* SPEC=LEVEL; the spec is cut at the '=' in place. */
      char *eq = strrchr(argv[++i], '=');
      if (!eq || rl_level_lookup(eq + 1) < 0)
        return usage();
      o.level = (rl_level)rl_level_lookup(eq + 1);
      *eq = '\0';
      o.level_spec = argv[i];
    } else
      return usage();
  }
  if (i == argc)
    return usage();
  return rt_lint(&o, stdout, argv + i, argc - i);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--report") == 0)
    return driver(argc - 1, argv + 1);
  struct criterion_test_set *tests = criterion_initialize();
  int result = 0;
  if (criterion_handle_args(argc, argv, true))
    result = !criterion_run_all_tests(tests);
  criterion_finalize(tests);
  return result;
}
