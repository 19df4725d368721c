/* Adversarial captures (issue #8): each case of gen.py is generated into a
 * temporary directory and read through the library pipeline exactly as
 * `resplint FILE` reads it (rl_run -> http -> the engine with the embedded
 * catalogue). Every test asserts that the run ends with the documented
 * result, that the cap involved was reached and said so (the coverage notes:
 * events on the affected responses, connection notes, counters), and that
 * peak memory stayed within a budget derived from the caps.
 *
 * Criterion runs each test in its own process, so getrusage(RUSAGE_SELF)
 * gives that test's own peak RSS. Budgets are for an ordinary build; under
 * AddressSanitizer (shadow memory, quarantine, redzones) they are widened. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "resplint/capture.h"
#include "resplint/engine.h"
#include "resplint/error.h"
#include "resplint/http.h"
#include "resplint/run.h"

#if defined(__SANITIZE_ADDRESS__)
#define RL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RL_ASAN 1
#endif
#endif
#ifndef RL_ASAN
#define RL_ASAN 0
#endif

typedef struct outcome {
  int64_t rc;               /* rl_run's result */
  rl_stats stats;
  uint64_t notes[RL_EV__COUNT];     /* connection-level notes per kind */
  uint64_t msg_events[RL_EV__COUNT]; /* events attached to responses */
  uint64_t exchanges;
  uint64_t cuts[8];                  /* responses per rl_cut */
  uint64_t max_nfields;
  uint32_t max_raw_len;
  uint64_t max_raw_total;
  uint64_t findings;
  char rules_seen[256];              /* distinct rule IDs found, in order */
  rl_engine_counts counts;
  long peak_rss_kib;
} outcome;

typedef struct ctx {
  rl_engine *engine;
  rl_http_sink engine_sink;
  outcome *o;
} ctx;

static void on_exchange(void *c_, const rl_exchange *x) {
  ctx *c = c_;
  const rl_message *r = x->response;
  c->o->exchanges++;
  if ((unsigned)r->cut < 8) c->o->cuts[r->cut]++;
  for (uint32_t i = 0; i < r->nevents; i++)
    if ((unsigned)r->events[i].kind < RL_EV__COUNT)
      c->o->msg_events[r->events[i].kind]++;
  if (r->nfields > c->o->max_nfields) c->o->max_nfields = r->nfields;
  if (r->raw_len > c->o->max_raw_len) c->o->max_raw_len = r->raw_len;
  if (r->raw_total > c->o->max_raw_total) c->o->max_raw_total = r->raw_total;
  c->engine_sink.exchange(c->engine, x);
}

static void on_note(void *c_, const rl_conn *conn, rl_dir dir, rl_event_kind kind,
                    uint64_t offset, const rl_pktref *at, const char *detail) {
  ctx *c = c_;
  if ((unsigned)kind < RL_EV__COUNT) c->o->notes[kind]++;
  c->engine_sink.note(c->engine, conn, dir, kind, offset, at, detail);
}

static void on_finding(void *c_, const rl_finding *f) {
  outcome *o = c_;
  o->findings++;
  size_t n = strlen(o->rules_seen);
  if (!strstr(o->rules_seen, f->rule->id) && n + strlen(f->rule->id) + 2 < sizeof o->rules_seen)
    snprintf(o->rules_seen + n, sizeof o->rules_seen - n, " %s", f->rule->id);
  for (const char *m = f->message; *m; m++)
    cr_assert(*m >= 0x20 && *m < 0x7f, "%s: unescaped byte in message", f->rule->id);
}

/* Generates CASE.pcap with gen.py in a fresh directory; returns its path. */
static char *generate(const char *name, char *dir, size_t dirlen) {
  snprintf(dir, dirlen, "/tmp/rl-adversarial-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "python3 '%s/tests/adversarial/gen.py' '%s' %s",
           RL_SOURCE_DIR, dir, name);
  int rc = system(cmd);
  if (rc != 0) {
    /* python3 absent is an environment problem, not a resplint failure. */
    if (system("python3 -c '' 2>/dev/null") != 0) cr_skip_test("python3 is not installed");
    cr_assert_fail("gen.py %s failed (%d)", name, rc);
  }
  static char path[512];
  snprintf(path, sizeof path, "%s/%s.pcap", dir, name);
  return path;
}

static void cleanup(const char *dir, const char *path) {
  unlink(path);
  rmdir(dir);
}

/* One line per case on stderr, so that a failing assertion comes with the
 * numbers it was judged on. */
static void describe(const char *name, const outcome *o) {
  fprintf(stderr, "%s: rc %lld, %llu exchanges, peak %ld MiB, flows %llu evicted %llu, "
          "findings %llu, skipped req/hdr/content %llu/%llu/%llu, notes:", name,
          (long long)o->rc, (unsigned long long)o->exchanges, o->peak_rss_kib / 1024,
          (unsigned long long)o->stats.flows, (unsigned long long)o->stats.flows_evicted,
          (unsigned long long)o->findings,
          (unsigned long long)o->counts.responses_skipped[RL_NEED_REQUEST],
          (unsigned long long)o->counts.responses_skipped[RL_NEED_COMPLETE_HEADERS],
          (unsigned long long)o->counts.responses_skipped[RL_NEED_COMPLETE_CONTENT]);
  for (int k = 0; k < RL_EV__COUNT; k++)
    if (o->notes[k]) fprintf(stderr, " %s=%llu", rl_event_name((rl_event_kind)k),
                             (unsigned long long)o->notes[k]);
  fprintf(stderr, "; events:");
  for (int k = 0; k < RL_EV__COUNT; k++)
    if (o->msg_events[k]) fprintf(stderr, " %s=%llu", rl_event_name((rl_event_kind)k),
                                  (unsigned long long)o->msg_events[k]);
  fprintf(stderr, "; cuts:");
  for (int k = 0; k < 8; k++)
    if (o->cuts[k]) fprintf(stderr, " %d=%llu", k, (unsigned long long)o->cuts[k]);
  fprintf(stderr, "; rules:%s\n", o->rules_seen);
}

/* Runs `name` with the given limits (NULL: the defaults) and fills `o`. */
static void run_case(const char *name, const rl_flow_config *fl,
                     const rl_decode_limits *dl, const rl_http_config *hl,
                     outcome *o) {
  memset(o, 0, sizeof *o);
  char dir[64];
  char *path = generate(name, dir, sizeof dir);

  rl_engine *e = rl_engine_new();
  cr_assert_not_null(e);
  cr_assert_gt(rl_engine_load_catalogue(e, stderr), 0);
  rl_engine_set_sink(e, on_finding, o);
  ctx c = {e, rl_engine_http_sink(), o};

  rl_http_config hc;
  if (hl) hc = *hl;
  else memset(&hc, 0, sizeof hc);
  hc.sink.exchange = on_exchange;
  hc.sink.note = on_note;
  hc.sink_ctx = &c;
  hc.source = name;
  rl_http *http = rl_http_new(&hc, &o->stats);
  cr_assert_not_null(http);

  rl_capture *cap;
  char err[256] = "";
  int orc = rl_capture_open_file(&cap, path, err, sizeof err);
  cr_assert_eq(orc, 0, "%s: %s", name, err);
  rl_run_config rc;
  memset(&rc, 0, sizeof rc);
  rc.sink = rl_http_stream_sink();
  rc.sink_ctx = http;
  rc.flow_limits = fl;
  rc.decode_limits = dl;
  o->rc = rl_run(cap, &rc, &o->stats, err, sizeof err);
  rl_capture_close(cap);
  rl_http_free(http);
  o->counts = *rl_engine_get_counts(e);
  rl_engine_free(e);
  cleanup(dir, path);

  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  o->peak_rss_kib = ru.ru_maxrss;
  describe(name, o);
}

/* The memory budget of a case in MiB for an ordinary build. */
static void assert_rss(const outcome *o, long budget_mib) {
  long budget = RL_ASAN ? budget_mib * 2 + 512 : budget_mib;
  cr_assert_leq(o->peak_rss_kib / 1024, budget, "peak RSS %ld MiB over the %ld MiB budget",
                o->peak_rss_kib / 1024, budget);
}

/* Flows are evicted at the cap; a SYN never opens a stream for the http
 * stage, so a flood costs only the flow table. */
Test(adversarial, syn_flood_million_flows) {
  rl_flow_config fl;
  memset(&fl, 0, sizeof fl);
  fl.max_flows = 100000;
  outcome o;
  run_case("syn_flood", &fl, NULL, NULL, &o);
  cr_assert_eq(o.rc, 1000000);
  cr_assert_eq(o.stats.flows, 1000000);
  cr_assert_eq(o.exchanges, 0);
  assert_rss(&o, 120);
}

/* 100,000 connections, each with a response cut by the end of the capture:
 * every one is handed out, cut, with the capture-ended event. */
Test(adversarial, hundred_thousand_open_connections) {
  outcome o;
  run_case("open_100k", NULL, NULL, NULL, &o);
  cr_assert_eq(o.rc, 500000);
  cr_assert_eq(o.stats.flows, 100000);
  cr_assert_eq(o.stats.flows_evicted, 0);
  cr_assert_eq(o.exchanges, 100000);
  cr_assert_eq(o.cuts[RL_CUT_CAPTURE_END], 100000);
  cr_assert_eq(o.msg_events[RL_EV_CAPTURE_ENDED], 100000);
  cr_assert_not_null(strstr(o.rules_seen, "TR004"), "each cut is a coverage note");
  assert_rss(&o, 450);
}

/* The flow cap below the number of open connections: the oldest are
 * evicted, each with a flow-evicted event on its cut response. */
Test(adversarial, open_connections_over_the_flow_cap) {
  rl_flow_config fl;
  memset(&fl, 0, sizeof fl);
  fl.max_flows = 10000;
  outcome o;
  run_case("open_100k", &fl, NULL, NULL, &o);
  /* The responses come after every handshake, so each evicted connection
   * comes back mid-stream as a new flow (without its request). */
  cr_assert_eq(o.stats.flows, 200000);
  cr_assert_eq(o.stats.flows_evicted, 190000);
  cr_assert_eq(o.notes[RL_EV_FLOW_EVICTED] + o.msg_events[RL_EV_FLOW_EVICTED],
               o.stats.flows_evicted, "every eviction is said");
  cr_assert_not_null(strstr(o.rules_seen, "TR009"), "evictions are a coverage note");
  cr_assert_eq(o.exchanges, 100000);
  cr_assert_eq(o.counts.responses_skipped[RL_NEED_REQUEST], 100000);
  assert_rss(&o, 120);
}

/* A 10 MB line: the header section is kept up to the cap and the response
 * is handed out with header-section-limit and counted as skipped for the
 * rules that need complete headers. */
Test(adversarial, ten_megabyte_header_line) {
  outcome o;
  run_case("header_line_10mb", NULL, NULL, NULL, &o);
  cr_assert_geq(o.rc, 0);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_eq(o.msg_events[RL_EV_HEADER_LIMIT], 1);
  cr_assert_leq(o.max_raw_len, 64 * 1024);
  cr_assert_gt(o.max_raw_total, 10u << 20);
  cr_assert_eq(o.counts.responses_skipped[RL_NEED_COMPLETE_HEADERS], 1);
  cr_assert_not_null(strstr(o.rules_seen, "HF012"), "the oversized section is reported");
  cr_assert_not_null(strstr(o.rules_seen, "TR011"), "the cut is a coverage note");
  cr_assert_null(strstr(o.rules_seen, "FV001"), "Date may be past the cap");
  assert_rss(&o, 40);
}

Test(adversarial, hundred_thousand_fields) {
  outcome o;
  run_case("fields_100k", NULL, NULL, NULL, &o);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_eq(o.msg_events[RL_EV_HEADER_LIMIT], 1);
  cr_assert_lt(o.max_nfields, 100000);
  cr_assert_eq(o.counts.responses_skipped[RL_NEED_COMPLETE_HEADERS], 1);
  cr_assert_not_null(strstr(o.rules_seen, "HF013"), "the field count is reported");
  cr_assert_null(strstr(o.rules_seen, "HF006"), "the line the cap cut is no field");
  cr_assert_null(strstr(o.rules_seen, "FV001"), "Date may be past the cap");
  assert_rss(&o, 40);
}

/* With the byte cap raised past the section, the field-count cap (10,000 by
 * default) cuts it instead, in the same way and with the same note. */
Test(adversarial, hundred_thousand_fields_over_the_field_cap) {
  rl_http_config hl;
  memset(&hl, 0, sizeof hl);
  hl.max_header_bytes = 4u << 20;
  outcome o;
  run_case("fields_100k", NULL, NULL, &hl, &o);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_eq(o.max_nfields, 10000);
  cr_assert_eq(o.msg_events[RL_EV_HEADER_LIMIT], 1);
  cr_assert_lt(o.max_raw_len, o.max_raw_total);
  cr_assert_eq(o.counts.responses_skipped[RL_NEED_COMPLETE_HEADERS], 1);
  cr_assert_null(strstr(o.rules_seen, "FV001"), "Date may be past the cap");
  assert_rss(&o, 48);
}

Test(adversarial, never_ending_header_section) {
  outcome o;
  run_case("endless_headers", NULL, NULL, NULL, &o);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_eq(o.msg_events[RL_EV_HEADER_LIMIT], 1);
  cr_assert_eq(o.cuts[RL_CUT_CAPTURE_END] + o.cuts[RL_CUT_HEADERS], 1);
  cr_assert_eq(o.counts.responses_skipped[RL_NEED_COMPLETE_HEADERS], 1);
  cr_assert_null(strstr(o.rules_seen, "HF004"), "a CR the cap cut from its LF is no CTL");
  assert_rss(&o, 40);
}

/* Header sections that stop without their empty line (capture end, close)
 * are judged like those the cap cut: the fragment where they stop is no
 * field line, and nothing is concluded from a field being absent. */
Test(adversarial, header_sections_that_stop) {
  outcome o;
  run_case("cut_heads", NULL, NULL, NULL, &o);
  cr_assert_eq(o.exchanges, 3);
  cr_assert_eq(o.counts.responses_skipped[RL_NEED_COMPLETE_HEADERS], 3);
  cr_assert_null(strstr(o.rules_seen, "HF006"), "a fragment is no field line");
  cr_assert_null(strstr(o.rules_seen, "FV001"), "Date may have followed");
  cr_assert_eq(o.msg_events[RL_EV_CLOSED_IN_HEADERS], 1);
  cr_assert_eq(o.msg_events[RL_EV_CAPTURE_ENDED], 2);
}

/* The header copies of all connections share one budget: with it lowered
 * to 2 MiB, the sections that would pass it are cut there and say so, and
 * memory stays near the budget rather than 200 x 60 KB. */
Test(adversarial, header_copies_over_the_total_budget) {
  rl_http_config hl;
  memset(&hl, 0, sizeof hl);
  hl.max_header_total = 2u << 20;
  outcome o;
  run_case("many_heads", NULL, NULL, &hl, &o);
  cr_assert_eq(o.exchanges, 200);
  cr_assert_geq(o.msg_events[RL_EV_HEADER_LIMIT], 200 - (2u << 20) / 60000);
  cr_assert_eq(o.counts.responses_skipped[RL_NEED_COMPLETE_HEADERS], 200);
  assert_rss(&o, 20);
}

/* With the default budget (256 MiB) the same capture is not cut. */
Test(adversarial, header_copies_within_the_total_budget) {
  outcome o;
  run_case("many_heads", NULL, NULL, NULL, &o);
  cr_assert_eq(o.exchanges, 200);
  cr_assert_eq(o.msg_events[RL_EV_HEADER_LIMIT], 0);
  cr_assert_eq(o.msg_events[RL_EV_CAPTURE_ENDED], 200);
}

/* A million requests that are never answered: the queue stops at its cap
 * and says so once, not once per dropped request. */
Test(adversarial, million_pipelined_requests) {
  outcome o;
  run_case("pipeline_1m", NULL, NULL, NULL, &o);
  cr_assert_geq(o.rc, 0);
  cr_assert_eq(o.exchanges, 0);
  cr_assert_eq(o.notes[RL_EV_PENDING_LIMIT], 1);
  cr_assert_not_null(strstr(o.rules_seen, "TR010"), "the full queue is a coverage note");
  assert_rss(&o, 40);
}

/* The queue is also bounded in the header bytes it holds (4 MiB per
 * connection by default): 400 requests of 60 KB reach that cap first. */
Test(adversarial, pipelined_requests_over_the_byte_cap) {
  outcome o;
  run_case("big_requests", NULL, NULL, NULL, &o);
  cr_assert_geq(o.rc, 0);
  cr_assert_eq(o.notes[RL_EV_PENDING_LIMIT], 1);
  assert_rss(&o, 20);
}

/* 2^64 - 1 is a valid chunk size to llhttp (it fits in 64 bits): the body
 * is counted, never buffered, and the close inside it is reported. */
Test(adversarial, chunk_size_all_ones) {
  outcome o;
  run_case("chunk_size_ffff", NULL, NULL, NULL, &o);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_eq(o.cuts[RL_CUT_CHUNKED], 1);
  cr_assert_eq(o.msg_events[RL_EV_CLOSED_IN_CHUNKED], 1);
  cr_assert_not_null(strstr(o.rules_seen, "MF015"));
  assert_rss(&o, 40);
}

Test(adversarial, megabyte_chunk_size_line) {
  outcome o;
  run_case("chunk_line_1mb", NULL, NULL, NULL, &o);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_eq(o.cuts[RL_CUT_NONE], 1, "leading zeros are a valid chunk size");
  assert_rss(&o, 40);
}

Test(adversarial, endless_chunk_extension) {
  outcome o;
  run_case("chunk_ext_endless", NULL, NULL, NULL, &o);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_eq(o.cuts[RL_CUT_CAPTURE_END], 1);
  cr_assert_eq(o.msg_events[RL_EV_CHUNK_EXTENSION], 1);
  cr_assert_eq(o.msg_events[RL_EV_CAPTURE_ENDED], 1);
  cr_assert_not_null(strstr(o.rules_seen, "TR004"), "the cut is a coverage note");
  assert_rss(&o, 40);
}

Test(adversarial, overlapping_retransmissions) {
  outcome o;
  run_case("retrans_overlap", NULL, NULL, NULL, &o);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_geq(o.stats.retransmission_mismatches, 2);
  cr_assert_geq(o.msg_events[RL_EV_RETRANSMISSION_MISMATCH] +
                    o.notes[RL_EV_RETRANSMISSION_MISMATCH], 1);
}

/* Behind a lost segment each stream buffers out-of-order bytes up to its
 * cap (1 MiB by default), then gives the hole up as a gap and says so
 * (out-of-order-limit); the bytes behind still reach the http stage. */
Test(adversarial, out_of_order_per_stream_cap) {
  outcome o;
  run_case("ooo_hole", NULL, NULL, NULL, &o);
  cr_assert_geq(o.rc, 0);
  cr_assert_eq(o.stats.flows, 8);
  cr_assert_geq(o.notes[RL_EV_OOO_LIMIT] + o.msg_events[RL_EV_OOO_LIMIT], 8);
  cr_assert_geq(o.stats.gaps, 8);
  cr_assert_not_null(strstr(o.rules_seen, "TR008"), "each hole given up is a coverage note");
  cr_assert_gt(o.stats.bytes_delivered, 8u * (1u << 20));
  assert_rss(&o, 48);
}

/* The total cap below what the streams would hold each: it is reached first. */
Test(adversarial, out_of_order_total_cap) {
  rl_flow_config fl;
  memset(&fl, 0, sizeof fl);
  fl.max_ooo_total = 2u << 20;
  outcome o;
  run_case("ooo_hole", &fl, NULL, NULL, &o);
  cr_assert_geq(o.notes[RL_EV_OOO_LIMIT] + o.msg_events[RL_EV_OOO_LIMIT], 8);
  cr_assert_gt(o.stats.ooo_bytes_dropped, 0);
  assert_rss(&o, 24);
}

/* Overlapping fragments: the bytes first seen win (docs/internals/decode.md),
 * the overlapping fragment is counted as dropped; fragments that never
 * complete are held only up to the fragment table's cap of 1,024. */
Test(adversarial, overlapping_and_incomplete_fragments) {
  outcome o;
  run_case("frag_overlap", NULL, NULL, NULL, &o);
  cr_assert_geq(o.rc, 0);
  cr_assert_eq(o.stats.ip_fragments, 2002);
  cr_assert_eq(o.stats.ip_reassembled, 1);
  cr_assert_geq(o.stats.ip_fragments_dropped, 1 + 2000 - 1024);
  assert_rss(&o, 40);
}

Test(adversarial, snaplen_64) {
  outcome o;
  run_case("snaplen_64", NULL, NULL, NULL, &o);
  cr_assert_geq(o.rc, 0);
  cr_assert_gt(o.stats.packets_truncated, 0);
  cr_assert_gt(o.stats.gaps, 0);
  cr_assert_geq(o.exchanges, 1);
}

Test(adversarial, zero_length_records) {
  outcome o;
  run_case("zero_length", NULL, NULL, NULL, &o);
  cr_assert_eq(o.rc, 8);
  cr_assert_eq(o.exchanges, 1);
  cr_assert_eq(o.stats.packets_tcp, 6);
}

Test(adversarial, truncated_last_record) {
  outcome o;
  run_case("truncated_record", NULL, NULL, NULL, &o);
  cr_assert_eq(o.rc, RL_ETRUNCATED);
  cr_assert_eq(o.stats.packets, 5);
  cr_assert_eq(o.exchanges, 1, "everything before the cut is still linted");
}

Test(adversarial, absurd_snaplen_in_file_header) {
  outcome o;
  run_case("absurd_snaplen", NULL, NULL, NULL, &o);
  cr_assert_eq(o.rc, 6);
  cr_assert_eq(o.exchanges, 1);
}
