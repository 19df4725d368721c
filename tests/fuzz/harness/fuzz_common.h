/* Shared by the libFuzzer harnesses: the checks every harness applies to
 * what the pipeline hands out, so that a harness finds wrong output and not
 * only crashes. Header-only: each harness is one executable. */
#ifndef RL_FUZZ_COMMON_H
#define RL_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/engine.h"

/* A finding's message carries wire bytes escaped (printable ASCII) and the
 * record's template as written, which may be UTF-8 but never holds a
 * control character (the loader refuses one): so no byte below 0x20 and no
 * DEL, or a terminal printing it could be driven by whoever wrote the
 * bytes. Aborting makes libFuzzer keep the input as a crash. */
static inline void rl_fuzz_check_finding(void *ctx, const rl_finding *f) {
  (void)ctx;
  const unsigned char *m = (const unsigned char *)f->message;
  if (!m || !f->rule || !f->rule->id) {
    fprintf(stderr, "fuzz: finding without message or rule\n");
    abort();
  }
  for (size_t i = 0; m[i]; i++) {
    if (m[i] < 0x20 || m[i] == 0x7f) {
      fprintf(stderr, "fuzz: %s message holds byte 0x%02x at %zu: %s\n",
              f->rule->id, m[i], i, f->message);
      abort();
    }
  }
  if (f->evidence_len && !f->evidence) {
    fprintf(stderr, "fuzz: %s evidence length without bytes\n", f->rule->id);
    abort();
  }
}

static inline void rl_fuzz_fail(const char *what) {
  fprintf(stderr, "fuzz: %s\n", what);
  abort();
}

/* A span must lie inside the `len` bytes it points into. */
static inline int rl_fuzz_span_ok(rl_span s, uint32_t len) {
  return s.off <= len && s.len <= len - s.off;
}

/* The message model's promises (resplint/message.h): every span inside raw,
 * raw_len <= raw_total, counts consistent with their arrays. A broken span
 * would make some rule read past a buffer only for the one input that
 * reaches it, so it is checked here for every message. */
static inline void rl_fuzz_check_message(const rl_message *m) {
  if (!m) return;
  if (m->raw_len > m->raw_total) rl_fuzz_fail("raw_len > raw_total");
  if (m->raw_len && !m->raw) rl_fuzz_fail("raw_len without raw");
  const rl_span spans[] = {m->start_line, m->version, m->status, m->reason,
                           m->method, m->target};
  for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++)
    if (!rl_fuzz_span_ok(spans[i], m->raw_len)) rl_fuzz_fail("start-line span outside raw");
  if (m->nfields && !m->fields) rl_fuzz_fail("nfields without fields");
  for (uint32_t i = 0; i < m->nfields; i++) {
    const rl_field *f = &m->fields[i];
    if (!rl_fuzz_span_ok(f->line, m->raw_len) || !rl_fuzz_span_ok(f->name, m->raw_len) ||
        !rl_fuzz_span_ok(f->value, m->raw_len))
      rl_fuzz_fail("field span outside raw");
  }
  if (m->ntrailers && !m->trailers) rl_fuzz_fail("ntrailers without trailers");
  for (uint32_t i = 0; i < m->ntrailers; i++) {
    const rl_field *f = &m->trailers[i];
    if (!rl_fuzz_span_ok(f->line, m->trailer_raw_len) ||
        !rl_fuzz_span_ok(f->name, m->trailer_raw_len) ||
        !rl_fuzz_span_ok(f->value, m->trailer_raw_len))
      rl_fuzz_fail("trailer span outside trailer_raw");
  }
  if (m->nevents && !m->events) rl_fuzz_fail("nevents without events");
  for (uint32_t i = 0; i < m->nevents; i++) {
    const rl_msg_event *e = &m->events[i];
    if ((unsigned)e->kind >= RL_EV__COUNT) rl_fuzz_fail("event kind out of range");
    if (e->evidence.len && !rl_fuzz_span_ok(e->evidence, m->raw_len))
      rl_fuzz_fail("event evidence outside raw");
    if (e->extra_len && !e->extra) rl_fuzz_fail("extra_len without extra");
  }
  if (m->content_prefix_len && !m->content_prefix) rl_fuzz_fail("prefix without bytes");
  if (m->content_prefix_len > m->content_bytes) rl_fuzz_fail("prefix longer than content");
  if (m->forbidden_prefix_len > m->forbidden_bytes)
    rl_fuzz_fail("forbidden prefix longer than forbidden bytes");
  if ((unsigned)m->framing > RL_FRAMING_TUNNEL || (unsigned)m->cut > RL_CUT_PARSE_ERROR)
    rl_fuzz_fail("framing or cut out of range");
}

static inline void rl_fuzz_exchange(void *ctx, const rl_exchange *x) {
  if (!x || !x->response || !x->conn) rl_fuzz_fail("exchange without response or conn");
  rl_fuzz_check_message(x->response);
  if ((x->request != NULL) != (x->request_state == RL_REQ_PAIRED))
    rl_fuzz_fail("request pointer disagrees with request_state");
  rl_fuzz_check_message(x->request);
  rl_engine_exchange(ctx, x);
}

static inline void rl_fuzz_note(void *ctx, const rl_conn *conn, rl_dir dir,
                                rl_event_kind kind, uint64_t offset,
                                const rl_pktref *at, const char *detail) {
  if ((unsigned)kind >= RL_EV__COUNT) rl_fuzz_fail("note kind out of range");
  rl_engine_note(ctx, conn, dir, kind, offset, at, detail);
}

/* The http sink of the harnesses: checks, then judges with the engine. */
static inline rl_http_sink rl_fuzz_http_sink(void) {
  rl_http_sink s = {rl_fuzz_exchange, rl_fuzz_note};
  return s;
}

/* An engine with the embedded catalogue, whose findings are checked. The
 * catalogue is built once per process: loading it per input would measure
 * YAML parsing, which the rule_record harness covers. */
static inline rl_engine *rl_fuzz_engine(void) {
  static rl_engine *e;
  if (!e) {
    e = rl_engine_new();
    if (!e || rl_engine_load_catalogue(e, stderr) <= 0 || rl_engine_prepare(e) < 0) {
      fprintf(stderr, "fuzz: cannot load the catalogue\n");
      abort();
    }
    rl_engine_set_sink(e, rl_fuzz_check_finding, NULL);
  }
  return e;
}

#endif
