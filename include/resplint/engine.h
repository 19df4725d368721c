/* resplint: the rule engine.
 *
 * The engine loads rule records (rules/README.md: one YAML file per rule),
 * validates them with errors that name the file and line, indexes each rule by
 * the status codes it applies to, and judges every rl_exchange the http stage
 * hands out, producing findings through a callback in the order the
 * exchanges arrive (capture order) and, within one exchange, in rule order.
 *
 * The catalogue (rules/ in the source tree) is embedded in the library at
 * build time, so the engine works from any directory; user records are added
 * from a directory. The engine never prints findings: that is the report
 * stage's job. It does print rule documentation on request (list, explain,
 * Markdown) because that text is generated from the records it owns.
 *
 * Typical use:
 *   rl_engine *e = rl_engine_new();
 *   rl_engine_load_catalogue(e, stderr);
 *   rl_engine_load_dir(e, "policies/", stderr);      // optional
 *   rl_engine_select(e, "ST,MF001", stderr);          // optional
 *   rl_engine_set_sink(e, on_finding, ctx);
 *   ... rl_engine_exchange(e, x) from the http sink's exchange callback,
 *       rl_engine_note(e, ...) from its note callback ...
 *   rl_engine_failed(e, RL_LEVEL_WARNING) -> exit code
 *   rl_engine_free(e);
 */
#ifndef RESPLINT_ENGINE_H
#define RESPLINT_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "resplint/events.h"
#include "resplint/flow.h"
#include "resplint/http.h"
#include "resplint/message.h"

/* Finding levels, lowest first. XX(ENUM, "name") */
#define RL_LEVEL_MAP(XX) \
  XX(INFO, "info")       \
  XX(WARNING, "warning") \
  XX(ERROR, "error")

typedef enum rl_level {
#define RL__LEVEL_ENUM(e, name) RL_LEVEL_##e,
  RL_LEVEL_MAP(RL__LEVEL_ENUM)
#undef RL__LEVEL_ENUM
  RL_LEVEL__COUNT
} rl_level;

/* "warning" for RL_LEVEL_WARNING; NULL when out of range. */
const char *rl_level_name(rl_level level);
/* The level named `name` (exact, lower case), or -1. */
int rl_level_lookup(const char *name);

/* What a rule may need that a capture may lack. XX(ENUM, "name", why skipped) */
#define RL_NEED_MAP(XX)                                                     \
  XX(REQUEST, "request", "the paired request was not captured")            \
  XX(COMPLETE_HEADERS, "complete-headers", "the header section was cut")   \
  XX(COMPLETE_CONTENT, "complete-content",                                 \
     "the content did not arrive completely")

typedef enum rl_need {
#define RL__NEED_ENUM(e, name, desc) RL_NEED_##e,
  RL_NEED_MAP(RL__NEED_ENUM)
#undef RL__NEED_ENUM
  RL_NEED__COUNT
} rl_need;

const char *rl_need_name(rl_need need);        /* NULL when out of range */
const char *rl_need_description(rl_need need); /* NULL when out of range */

/* One example of a record: bytes that must (expect_fail) or must not make
 * the rule fire. `request` is NULL when the example models a capture without
 * the request. */
typedef struct rl_rule_example {
  int expect_fail;
  const char *note;               /* may be NULL */
  const uint8_t *request;
  size_t request_len;
  const uint8_t *response;
  size_t response_len;
  rl_transcript_end end;
  unsigned line;                  /* line of the example in its file */
} rl_rule_example;

/* The read-only face of a loaded rule. Valid until rl_engine_free. */
typedef struct rl_rule_info {
  const char *id;            /* "ST030" */
  const char *name;          /* "unauthorized-without-challenge" */
  rl_level level;            /* effective level (after overrides) */
  rl_level default_level;    /* the record's level */
  const char *requirement;   /* "MUST" ... */
  const char *summary;
  const char *why;
  const char *rfc_document;  /* "RFC 9110" */
  const char *rfc_section;   /* "15.5.2" */
  const char *rfc_url;
  const char *rfc_quote;
  const char *applies_to;    /* human-readable, e.g. "status 401"; "" for all */
  const char *check;         /* human-readable check, e.g. "field-absent: WWW-Authenticate" */
  const char *message;       /* the message template */
  const char *file;          /* source path ("rules/st/ST030-....yaml" for the catalogue) */
  int from_catalogue;        /* 1 for embedded records, 0 for user records */
  int enabled;               /* after select/ignore */
  unsigned needs;            /* bit (1u << rl_need) per need, implied ones included */
  const rl_rule_example *examples;
  size_t nexamples;
} rl_rule_info;

/* One finding. Everything it points to is valid only during the callback. */
typedef struct rl_finding {
  const rl_rule_info *rule;
  rl_level level;            /* == rule->level */
  const char *message;       /* the filled template, wire bytes escaped */
  const rl_exchange *x;      /* NULL for a connection-level event */
  const rl_conn *conn;       /* never NULL for exchanges; may be NULL for notes */
  rl_pktref at;              /* where: the response's first packet, or the event's */
  uint64_t offset;           /* stream offset of the evidence (or the response) */
  const uint8_t *evidence;   /* offending bytes (raw, not escaped); may be NULL */
  size_t evidence_len;
} rl_finding;

typedef void (*rl_finding_fn)(void *ctx, const rl_finding *f);

/* Counters for the run summary. */
typedef struct rl_engine_counts {
  uint64_t responses;                       /* exchanges judged */
  uint64_t notes;                           /* connection-level events seen */
  uint64_t findings[RL_LEVEL__COUNT];       /* per level */
  uint64_t rules_skipped[RL_NEED__COUNT];   /* rule evaluations skipped per need */
  uint64_t responses_skipped[RL_NEED__COUNT]; /* responses with >= 1 such skip */
} rl_engine_counts;

typedef struct rl_engine rl_engine;

/* Creates an engine with no rules. NULL on ENOMEM. */
rl_engine *rl_engine_new(void);
/* NULL is a no-op. */
void rl_engine_free(rl_engine *e);

/* Loading. Each returns the number of rules added, or a negative RL_E* code:
 * RL_EINVAL when a record is invalid (every problem is written to `errs` as
 * "file:line:col: error: text", and no rule of that call is added),
 * RL_ENOENT / RL_EACCES / RL_EIO when a file cannot be read, RL_ENOMEM.
 * `errs` may be NULL. Loading after the first rl_engine_exchange is refused
 * (RL_EINVAL): the index is built once. */
/* The embedded catalogue. Unlike the others, it keeps every valid record
 * when some record is invalid (and still returns RL_EINVAL), so a broken
 * record does not take the whole catalogue down with it. */
int rl_engine_load_catalogue(rl_engine *e, FILE *errs);
/* Called before rl_engine_load_catalogue: the catalogue's examples (sample
 * responses that fail and pass each rule, more than half its text) are not
 * parsed, and every rule's nexamples is 0. Only --explain, the docs and the
 * tests read them, so a linting run skips them and starts in half the time.
 * User records are always parsed whole: their examples are validated. */
void rl_engine_skip_examples(rl_engine *e);
/* Every *.yaml / *.yml file under `dir`, recursively, in name order. */
int rl_engine_load_dir(rl_engine *e, const char *dir, FILE *errs);
int rl_engine_load_file(rl_engine *e, const char *path, FILE *errs);
/* One record from memory; `name` is used in errors and must end in
 * "<ID>-<name>.yaml" like a file. */
int rl_engine_load_buffer(rl_engine *e, const char *name, const char *text,
                          size_t len, FILE *errs);

/* Selection, as ruff: `spec` is a comma-separated list of IDs ("ST030"), ID
 * prefixes ("ST", "ST03") or names ("range-length-mismatch"), or "ALL".
 * With any select, only selected rules run; an ignored rule never runs,
 * whichever call came first. Rules loaded after a select are not selected.
 * An item that matches no loaded rule is an error (RL_EINVAL, written to
 * `errs`): a typo must not silently disable nothing. Call after loading. */
int rl_engine_select(rl_engine *e, const char *spec, FILE *errs);
int rl_engine_ignore(rl_engine *e, const char *spec, FILE *errs);
/* Overrides the level of every rule `spec` matches (same syntax). */
int rl_engine_set_level(rl_engine *e, const char *spec, rl_level level,
                        FILE *errs);

/* Thresholds of the configurable checks; 0 disables a check. */
typedef struct rl_engine_limits {
  uint32_t max_header_section_bytes; /* HF012, default 8192 */
  uint32_t max_field_lines;          /* HF013, default 100 */
  uint32_t date_skew_seconds;        /* FV004, default 300 */
} rl_engine_limits;

/* The defaults above. */
rl_engine_limits rl_engine_default_limits(void);
void rl_engine_set_limits(rl_engine *e, const rl_engine_limits *limits);

/* Where findings go. Without a sink findings are only counted. */
void rl_engine_set_sink(rl_engine *e, rl_finding_fn fn, void *ctx);

/* Builds the status-code index; called by the first rl_engine_exchange or
 * rl_engine_note if not before. Returns 0 or RL_ENOMEM. */
int rl_engine_prepare(rl_engine *e);

/* Judges one response. Call from rl_http_sink.exchange, in order. */
void rl_engine_exchange(rl_engine *e, const rl_exchange *x);
/* Judges one connection-level event (rl_http_sink.note). */
void rl_engine_note(rl_engine *e, const rl_conn *conn, rl_dir dir,
                    rl_event_kind kind, uint64_t offset, const rl_pktref *at,
                    const char *detail);

/* An rl_http_sink that judges everything the http stage hands out: put it in
 * rl_http_config.sink with the engine as rl_http_config.sink_ctx. */
rl_http_sink rl_engine_http_sink(void);

const rl_engine_counts *rl_engine_get_counts(const rl_engine *e);
/* 1 if a finding at or above `fail_on` was produced, else 0. */
int rl_engine_failed(const rl_engine *e, rl_level fail_on);

/* The loaded rules in ID order (stable after loading). */
size_t rl_engine_rule_count(const rl_engine *e);
const rl_rule_info *rl_engine_rule(const rl_engine *e, size_t i);
/* By exact ID or name; NULL when unknown. */
const rl_rule_info *rl_engine_find(const rl_engine *e, const char *id_or_name);

/* Documentation generated from the records. Each returns 0 or a negative
 * RL_E* code (RL_EINVAL for an unknown ID in explain, RL_EIO on a write
 * error). */
int rl_engine_list_rules(const rl_engine *e, FILE *out, int json);
int rl_engine_explain(const rl_engine *e, FILE *out, const char *id_or_name);
int rl_engine_write_markdown(const rl_engine *e, FILE *out);

/* The names of the built-in checks and grammars (for documentation and the
 * catalogue lint); NULL past the end. */
const char *rl_engine_builtin_name(size_t i);
const char *rl_engine_grammar_name(size_t i);

#endif
