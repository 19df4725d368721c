/* The engine on hand-written records and hand-built messages: validation
 * errors with file and line, selection, the status index, needs, templates,
 * levels and connection-level events. The messages are built with the
 * message model (resplint/message.h) directly, so these tests do not depend
 * on the http stage; tests/rules runs the same engine behind the real one. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resplint/engine.h"
#include "resplint/error.h"

#include "build.h"

/* --- collecting findings ---------------------------------------------------- */

typedef struct got {
  int n;
  char ids[16][16];
  char msgs[16][256];
  rl_level levels[16];
} got;

static void collect(void *ctx, const rl_finding *f) {
  got *g = ctx;
  if (g->n >= 16) return;
  snprintf(g->ids[g->n], sizeof g->ids[0], "%s", f->rule->id);
  snprintf(g->msgs[g->n], sizeof g->msgs[0], "%s", f->message);
  g->levels[g->n] = f->level;
  g->n++;
}

static const char *R401 =
    "id: ORG401\n"
    "name: no-challenge\n"
    "level: error\n"
    "requirement: MUST\n"
    "summary: s\n"
    "why: w\n"
    "rfc: {document: RFC 9110, section: \"15.5.2\", url: https://example.com/x, quote: q}\n"
    "applies_to: {status: [401]}\n"
    "check: {field-absent: WWW-Authenticate}\n"
    "message: \"{status} {reason} without challenge for {method} {target}\"\n"
    "examples:\n"
    "  - {expect: fail, response: \"HTTP/1.1 401 X\\r\\n\\r\\n\"}\n"
    "  - {expect: pass, response: \"HTTP/1.1 200 OK\\r\\n\\r\\n\"}\n";

static rl_engine *engine_with(const char *name, const char *text) {
  rl_engine *e = rl_engine_new();
  cr_assert_not_null(e);
  int rc = rl_engine_load_buffer(e, name, text, strlen(text), stderr);
  cr_assert_eq(rc, 1, "load %s returned %d", name, rc);
  return e;
}

static void judge(rl_engine *e, const char *resp, const char *req, got *g) {
  static built rb, qb;
  build(&rb, resp, 1);
  rl_exchange x;
  memset(&x, 0, sizeof x);
  x.response = &rb.m;
  if (req) {
    build(&qb, req, 0);
    x.request = &qb.m;
    x.request_state = RL_REQ_PAIRED;
  } else {
    x.request_state = RL_REQ_NOT_CAPTURED;
  }
  memset(g, 0, sizeof *g);
  rl_engine_set_sink(e, collect, g);
  rl_engine_exchange(e, &x);
}

Test(engine, loads_and_finds_by_id_and_name) {
  rl_engine *e = engine_with("p/ORG401-no-challenge.yaml", R401);
  cr_assert_eq(rl_engine_rule_count(e), 1);
  cr_assert_not_null(rl_engine_find(e, "ORG401"));
  cr_assert_not_null(rl_engine_find(e, "no-challenge"));
  cr_assert_null(rl_engine_find(e, "ORG402"));
  const rl_rule_info *r = rl_engine_rule(e, 0);
  cr_assert_str_eq(r->applies_to, "status 401");
  cr_assert_str_eq(r->check, "field-absent WWW-Authenticate");
  cr_assert_eq(r->nexamples, 2);
  cr_assert_eq(r->examples[0].response_len, strlen("HTTP/1.1 401 X\r\n\r\n"));
  rl_engine_free(e);
}

Test(engine, fires_only_on_its_status_and_fills_the_template) {
  rl_engine *e = engine_with("ORG401-no-challenge.yaml", R401);
  got g;
  judge(e, "HTTP/1.1 401 Nope\r\nContent-Length: 0\r\n\r\n",
        "GET /a%20b HTTP/1.1\r\nHost: h\r\n\r\n", &g);
  cr_assert_eq(g.n, 1);
  cr_assert_str_eq(g.ids[0], "ORG401");
  cr_assert_str_eq(g.msgs[0], "401 Nope without challenge for GET /a%20b");
  judge(e, "HTTP/1.1 401 Nope\r\nWWW-Authenticate: Basic\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 0);
  judge(e, "HTTP/1.1 403 Nope\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 0);
  cr_assert_eq(rl_engine_get_counts(e)->responses, 3);
  cr_assert_eq(rl_engine_get_counts(e)->findings[RL_LEVEL_ERROR], 1);
  cr_assert(rl_engine_failed(e, RL_LEVEL_ERROR));
  rl_engine_free(e);
}

static char *load_errors(const char *name, const char *text, int *rc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  rl_engine *e = rl_engine_new();
  *rc = rl_engine_load_buffer(e, name, text, strlen(text), f);
  fclose(f);
  cr_assert_eq(rl_engine_rule_count(e), 0, "an invalid record must not load");
  rl_engine_free(e);
  return buf;
}

/* Replaces the first occurrence of `from` in R401 with `to`. */
static char *variant(const char *from, const char *to) {
  const char *p = strstr(R401, from);
  cr_assert_not_null(p, "%s not in the template record", from);
  size_t n = strlen(R401) - strlen(from) + strlen(to) + 1;
  char *s = malloc(n);
  snprintf(s, n, "%.*s%s%s", (int)(p - R401), R401, to, p + strlen(from));
  return s;
}

static void expect_error(const char *from, const char *to, const char *want) {
  char *text = variant(from, to);
  int rc;
  char *errs = load_errors("d/ORG401-no-challenge.yaml", text, &rc);
  cr_expect_eq(rc, RL_EINVAL);
  cr_expect_not_null(strstr(errs, want), "wanted \"%s\" in:\n%s", want, errs);
  free(errs);
  free(text);
}

Test(engine, validation_errors_name_file_line_and_column) {
  expect_error("check:", "chek:",
               "d/ORG401-no-challenge.yaml:9:1: error: record: unknown key 'chek'");
  expect_error("{field-absent: WWW-Authenticate}", "{builtin: no-such}",
               "d/ORG401-no-challenge.yaml:9:18: error: unknown builtin 'no-such'");
  expect_error("{field-absent: WWW-Authenticate}", "{event: no-such}",
               ":9:16: error: unknown event 'no-such'");
  expect_error("level: error", "level: fatal", ":3:8: error: level must be");
  expect_error("{status}", "{stauts}", "unknown placeholder {stauts}");
  expect_error("[401]", "[4x1]", "is not a status code");
  expect_error("name: no-challenge", "name: other-name",
               "file name must be ORG401-other-name.yaml");
  expect_error("  - {expect: pass", "  - {expect: maybe", "'expect' must be fail or pass");
  expect_error("check: {field-absent: WWW-Authenticate}",
               "check: {field-absent: A, field-present: B}",
               "a condition is a mapping with exactly one key");
}

Test(engine, yaml_syntax_errors_carry_a_position) {
  int rc;
  char *errs = load_errors("y/ORG001-x.yaml", "id: [unclosed\nname: x\n", &rc);
  cr_expect_eq(rc, RL_EINVAL);
  cr_expect_not_null(strstr(errs, "y/ORG001-x.yaml:"), "%s", errs);
  cr_expect_not_null(strstr(errs, "error: YAML:"), "%s", errs);
  free(errs);
}

Test(engine, regex_errors_are_reported) {
  char *text = variant("{field-absent: WWW-Authenticate}",
                       "{field-matches: {name: Allow, regex: \"a(\"}}");
  int rc;
  char *errs = load_errors("ORG401-no-challenge.yaml", text, &rc);
  cr_expect_not_null(strstr(errs, "invalid regex 'a('"), "%s", errs);
  free(errs);
  free(text);
}

Test(engine, duplicate_ids_are_refused) {
  rl_engine *e = engine_with("a/ORG401-no-challenge.yaml", R401);
  int rc = rl_engine_load_buffer(e, "b/ORG401-no-challenge.yaml", R401,
                                 strlen(R401), NULL);
  cr_assert_eq(rc, RL_EINVAL);
  cr_assert_eq(rl_engine_rule_count(e), 1);
  rl_engine_free(e);
}

/* A name taken by another rule clashes as an ID does, whether the other
 * rule is loaded already or comes in the same batch (a directory). */
static char *clash_errors(rl_engine *e, const char *name, const char *text, int *rc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  *rc = rl_engine_load_buffer(e, name, text, strlen(text), f);
  fclose(f);
  return buf;
}

Test(engine, a_taken_name_is_refused) {
  rl_engine *e = engine_with("ORG401-no-challenge.yaml", R401);
  char *text = variant("id: ORG401", "id: ORG402");
  int rc;
  char *errs = clash_errors(e, "ORG402-no-challenge.yaml", text, &rc);
  cr_expect_eq(rc, RL_EINVAL);
  cr_expect_eq(rl_engine_rule_count(e), 1);
  cr_expect_not_null(strstr(errs, "ORG402 no-challenge clashes with ORG401 no-challenge"),
                     "%s", errs);
  free(errs);
  free(text);
  rl_engine_free(e);
}

/* Writes text to path. */
static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

/* Loads directory dir into a fresh engine, which must refuse all of it;
 * returns what it wrote about why. */
static char *refused_dir_errors(const char *dir) {
  char *buf = NULL;
  size_t len = 0;
  FILE *errs = open_memstream(&buf, &len);
  rl_engine *e = rl_engine_new();
  cr_expect_eq(rl_engine_load_dir(e, dir, errs), RL_EINVAL);
  fclose(errs);
  cr_expect_eq(rl_engine_rule_count(e), 0);
  rl_engine_free(e);
  return buf;
}

Test(engine, a_batch_with_a_shared_name_is_refused) {
  char dir[] = "/tmp/rl-engine-test-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char a[256], b[256];
  snprintf(a, sizeof a, "%s/ORG401-no-challenge.yaml", dir);
  snprintf(b, sizeof b, "%s/ORG402-no-challenge.yaml", dir);
  char *text = variant("id: ORG401", "id: ORG402");
  write_file(a, R401);
  write_file(b, text);
  char *buf = refused_dir_errors(dir);
  cr_expect_not_null(strstr(buf, "ORG402 no-challenge clashes with ORG401 no-challenge"), "%s",
                     buf);
  free(buf);
  free(text);
  unlink(a);
  unlink(b);
  rmdir(dir);
}

static const char *RVER =
    "id: ORG002\nname: old-version\nlevel: warning\nrequirement: advice\n"
    "summary: s\nwhy: w\n"
    "rfc: {document: d, section: \"1\", url: https://example.com, quote: q}\n"
    "check: {any: [{response-version: [\"1.0\"]}, {field-matches: {name: Server, "
    "regex: \"/[0-9]\"}}]}\n"
    "message: \"server {field:Server} (count {count})\"\n"
    "examples: []\n";

static const char *RREQ =
    "id: ORG003\nname: needs-req\nlevel: info\nrequirement: advice\n"
    "summary: s\nwhy: w\n"
    "rfc: {document: d, section: \"1\", url: https://example.com, quote: q}\n"
    "applies_to: {status: [2xx]}\n"
    "check: {request-method: [POST]}\n"
    "message: \"POST answered {status}\"\n"
    "examples: []\n";

Test(engine, select_ignore_and_levels) {
  rl_engine *e = engine_with("ORG002-old-version.yaml", RVER);
  cr_assert_eq(rl_engine_load_buffer(e, "ORG003-needs-req.yaml", RREQ,
                                     strlen(RREQ), stderr), 1);
  cr_assert_eq(rl_engine_load_buffer(e, "ORG401-no-challenge.yaml", R401,
                                     strlen(R401), stderr), 1);
  cr_assert_eq(rl_engine_select(e, "ORG00", NULL), 0);
  cr_assert(rl_engine_find(e, "ORG002")->enabled);
  cr_assert(rl_engine_find(e, "ORG003")->enabled);
  cr_assert_not(rl_engine_find(e, "ORG401")->enabled);
  cr_assert_eq(rl_engine_ignore(e, "needs-req", NULL), 0);
  cr_assert_not(rl_engine_find(e, "ORG003")->enabled);
  cr_assert_eq(rl_engine_ignore(e, "NOPE9", NULL), RL_EINVAL);
  /* A later select does not bring an ignored rule back. */
  cr_assert_eq(rl_engine_select(e, "needs-req", NULL), 0);
  cr_assert_not(rl_engine_find(e, "ORG003")->enabled);
  cr_assert_eq(rl_engine_set_level(e, "ORG002", RL_LEVEL_ERROR, NULL), 0);
  got g;
  judge(e, "HTTP/1.1 401 X\r\nServer: nginx/1.2\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 1);
  cr_assert_str_eq(g.ids[0], "ORG002");
  cr_assert_eq(g.levels[0], RL_LEVEL_ERROR);
  cr_assert_str_eq(g.msgs[0], "server nginx/1.2 (count 1)");
  rl_engine_free(e);
}

Test(engine, unmet_needs_are_skipped_and_counted) {
  rl_engine *e = engine_with("ORG003-needs-req.yaml", RREQ);
  cr_assert(rl_engine_find(e, "ORG003")->needs & (1u << RL_NEED_REQUEST));
  got g;
  judge(e, "HTTP/1.1 200 OK\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 0);
  cr_assert_eq(rl_engine_get_counts(e)->rules_skipped[RL_NEED_REQUEST], 1);
  cr_assert_eq(rl_engine_get_counts(e)->responses_skipped[RL_NEED_REQUEST], 1);
  judge(e, "HTTP/1.1 200 OK\r\n\r\n", "POST / HTTP/1.1\r\n\r\n", &g);
  cr_assert_eq(g.n, 1);
  judge(e, "HTTP/1.1 404 OK\r\n\r\n", "POST / HTTP/1.1\r\n\r\n", &g);
  cr_assert_eq(g.n, 0, "a 404 is not in the rule's 2xx list");
  rl_engine_free(e);
}

static const char *REV =
    "id: ORG004\nname: gap-note\nlevel: info\nrequirement: note\n"
    "summary: s\nwhy: w\n"
    "rfc: {document: d, section: \"1\", url: https://example.com, quote: q}\n"
    "check: {event: tcp-gap}\n"
    "message: \"{event}: {detail}\"\n"
    "examples: []\n";

Test(engine, connection_events_reach_event_rules) {
  rl_engine *e = engine_with("ORG004-gap-note.yaml", REV);
  got g;
  memset(&g, 0, sizeof g);
  rl_engine_set_sink(e, collect, &g);
  rl_pktref at = {7, {0, 0}};
  rl_engine_note(e, NULL, RL_DIR_TO_CLIENT, RL_EV_TCP_GAP, 100, &at, "40 bytes");
  rl_engine_note(e, NULL, RL_DIR_TO_CLIENT, RL_EV_NOT_HTTP, 0, &at, NULL);
  cr_assert_eq(g.n, 1);
  cr_assert_str_eq(g.msgs[0], "tcp-gap: 40 bytes");
  rl_engine_free(e);
}

Test(engine, list_and_explain_come_from_the_record) {
  rl_engine *e = engine_with("ORG401-no-challenge.yaml", R401);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cr_assert_eq(rl_engine_list_rules(e, f, 1), 0);
  cr_assert_eq(rl_engine_explain(e, f, "no-challenge"), 0);
  cr_assert_eq(rl_engine_explain(e, f, "ORG999"), RL_EINVAL);
  fclose(f);
  cr_assert_not_null(strstr(buf, "\"id\": \"ORG401\""), "%s", buf);
  cr_assert_not_null(strstr(buf, "ORG401 no-challenge (error)"), "%s", buf);
  cr_assert_not_null(strstr(buf, "\"HTTP/1.1 401 X\\r\\n\\r\\n\""), "%s", buf);
  free(buf);
  rl_engine_free(e);
}

Test(engine, loads_a_directory_of_policies) {
  rl_engine *e = rl_engine_new();
  int rc = rl_engine_load_dir(e, RL_SOURCE_DIR "/docs/examples/policies", stderr);
  cr_assert_gt(rc, 0, "rc %d", rc);
  cr_assert_eq((size_t)rc, rl_engine_rule_count(e));
  cr_assert_eq(rl_engine_load_dir(e, RL_SOURCE_DIR "/no/such/dir", NULL), RL_ENOENT);
  rl_engine_free(e);
}

static const char *RSUP =
    "id: ORG005\nname: fallback\nlevel: error\nrequirement: MUST\n"
    "summary: s\nwhy: w\n"
    "rfc: {document: d, section: \"1\", url: https://example.com, quote: q}\n"
    "superseded_by: [ORG4]\n"
    "check: {field-present: X-Odd}\n"
    "message: \"odd\"\n"
    "examples: []\n";

static const char *RINFO =
    "id: ORG402\nname: odd-note\nlevel: info\nrequirement: note\n"
    "summary: s\nwhy: w\n"
    "rfc: {document: d, section: \"1\", url: https://example.com, quote: q}\n"
    "check: {field-matches: {name: X-Odd, regex: \"^note$\"}}\n"
    "message: \"note\"\n"
    "examples: []\n";

Test(engine, superseded_rules_yield_to_finer_ones_of_their_level) {
  rl_engine *e = engine_with("ORG005-fallback.yaml", RSUP);
  cr_assert_eq(rl_engine_load_buffer(e, "ORG401-no-challenge.yaml", R401,
                                     strlen(R401), stderr), 1);
  cr_assert_eq(rl_engine_load_buffer(e, "ORG402-odd-note.yaml", RINFO,
                                     strlen(RINFO), stderr), 1);
  got g;
  judge(e, "HTTP/1.1 200 OK\r\nX-Odd: 1\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 1);
  cr_assert_str_eq(g.ids[0], "ORG005");
  /* ORG401 (error) explains the response: the fallback stays silent. */
  judge(e, "HTTP/1.1 401 X\r\nX-Odd: 1\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 1);
  cr_assert_str_eq(g.ids[0], "ORG401");
  /* ORG402 is only info: it does not explain an error. */
  judge(e, "HTTP/1.1 200 OK\r\nX-Odd: note\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 2);
  cr_assert_str_eq(g.ids[0], "ORG402");
  cr_assert_str_eq(g.ids[1], "ORG005");
  rl_engine_free(e);
}

static const char *RMANY =
    "id: ORG006\nname: many\nlevel: info\nrequirement: note\n"
    "summary: s\nwhy: w\n"
    "rfc: {document: d, section: \"1\", url: https://example.com, quote: q}\n"
    "check: {builtin: too-many-fields}\n"
    "message: \"{detail}\"\n"
    "examples: []\n";

Test(engine, limits_configure_the_builtins) {
  rl_engine *e = engine_with("ORG006-many.yaml", RMANY);
  rl_engine_limits l = rl_engine_default_limits();
  cr_assert_eq(l.max_field_lines, 100);
  l.max_field_lines = 2;
  rl_engine_set_limits(e, &l);
  got g;
  judge(e, "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 0);
  judge(e, "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 1);
  cr_assert_str_eq(g.msgs[0], "3 field lines, above the limit of 2");
  l.max_field_lines = 0;
  rl_engine_set_limits(e, &l);
  judge(e, "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", NULL, &g);
  cr_assert_eq(g.n, 0, "0 disables the check");
  rl_engine_free(e);
}

Test(engine, aliases_cannot_blow_up_a_check) {
  /* Each level repeats the previous one ten times: 10^6 conditions. */
  const char *text =
      "id: ORG007\nname: bomb\nlevel: info\nrequirement: note\n"
      "summary: s\nwhy: w\n"
      "rfc: {document: d, section: \"1\", url: https://example.com, quote: q}\n"
      "check: {any: [&a {any: [{field-present: A}, {field-present: A}, {field-present: A},"
      " {field-present: A}, {field-present: A}, {field-present: A}, {field-present: A},"
      " {field-present: A}, {field-present: A}, {field-present: A}]},"
      " &b {any: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]},"
      " &c {any: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]},"
      " &d {any: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]},"
      " &e {any: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]},"
      " {any: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]}]}\n"
      "message: \"m\"\nexamples: []\n";
  int rc;
  char *errs = load_errors("ORG007-bomb.yaml", text, &rc);
  cr_expect_eq(rc, RL_EINVAL);
  cr_expect_not_null(strstr(errs, "too many conditions"), "%s", errs);
  free(errs);
}

Test(engine, one_bad_file_keeps_the_whole_directory_out) {
  char dir[] = "/tmp/rl-engine-test-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/ORG401-no-challenge.yaml", dir);
  write_file(path, R401);
  snprintf(path, sizeof path, "%s/sub", dir);
  cr_assert_eq(mkdir(path, 0700), 0);
  snprintf(path, sizeof path, "%s/sub/ORG009-broken.yaml", dir);
  write_file(path, "id: ORG009\nname: broken\n");
  char *buf = refused_dir_errors(dir);
  cr_expect_not_null(strstr(buf, "sub/ORG009-broken.yaml:1:1: error: missing required key 'level'"),
                     "%s", buf);
  free(buf);
  unlink(path);
  snprintf(path, sizeof path, "%s/sub", dir);
  rmdir(path);
  snprintf(path, sizeof path, "%s/ORG401-no-challenge.yaml", dir);
  unlink(path);
  rmdir(dir);
}
