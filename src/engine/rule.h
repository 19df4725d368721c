/* resplint engine internals: a loaded rule and its compiled check.
 *
 * A record is compiled once at load: field names resolve to ids, regexes are
 * compiled, status lists become bit sets, built-in and event names become
 * ids. Evaluation then only walks the tree.
 */
#ifndef RL_ENGINE_RULE_H
#define RL_ENGINE_RULE_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "checks/builtins.h"
#include "resplint/engine.h"

#define RL__NCODES 1000 /* status codes 000..999 */
#define RL__CODESET_BYTES (RL__NCODES / 8 + 1)

/* The condition primitives of rules/README.md. XX(ENUM, "keyword") */
#define RL__COND_MAP(XX)                            \
  XX(ALL, "all")                                    \
  XX(ANY, "any")                                    \
  XX(NOT, "not")                                    \
  XX(FIELD_PRESENT, "field-present")                \
  XX(FIELD_ABSENT, "field-absent")                  \
  XX(FIELD_REPEATED, "field-repeated")              \
  XX(FIELD_MATCHES, "field-matches")                \
  XX(FIELD_VIOLATES, "field-violates")              \
  XX(CONTENT, "content")                            \
  XX(REQ_FIELD_PRESENT, "request-field-present")    \
  XX(REQ_FIELD_ABSENT, "request-field-absent")      \
  XX(REQ_FIELD_MATCHES, "request-field-matches")    \
  XX(REQ_METHOD, "request-method")                  \
  XX(RESP_VERSION, "response-version")              \
  XX(REQ_VERSION, "request-version")                \
  XX(STATUS, "status")                              \
  XX(BUILTIN, "builtin")                            \
  XX(EVENT, "event")

typedef enum rl__cond_kind {
#define RL__COND_ENUM(e, kw) RL__C_##e,
  RL__COND_MAP(RL__COND_ENUM)
#undef RL__COND_ENUM
  RL__C__COUNT
} rl__cond_kind;

typedef struct rl__cond rl__cond;
struct rl__cond {
  rl__cond_kind kind;
  rl__cond **kids;           /* all / any / not */
  size_t nkids;
  rl_field_id fid;           /* field primitives */
  char *fname;
  size_t fname_len;
  int has_re;                /* re is compiled (see rl__cond_regex) */
  regex_t re;
  char *re_src;              /* the regex as written, for the docs */
  int re_icase;
  /* A literal the regex cannot match without (rl__regex_literal): most
   * values lack it, and looking for it is far cheaper than regexec. */
  char re_lit[32];
  uint8_t re_lit_len;        /* 0: no such literal */
  uint8_t re_lit_prefix;     /* the value must start with it (after '^') */
  uint8_t re_lit_exact;      /* the regex is that literal and nothing else */
  /* How long a match can be (rl__regex_literal): a value shorter than
   * re_min, or longer than re_max when the regex is anchored at both ends
   * (re_whole), cannot match. re_min 0 and re_max SIZE_MAX: unknown. */
  size_t re_min, re_max;
  int re_whole;
  int grammar;               /* -1 unless a grammar is named */
  int content_empty;         /* content: empty */
  char **words;              /* request-method, versions */
  size_t nwords;
  uint8_t codes[RL__CODESET_BYTES]; /* status */
  int builtin;               /* -1 unless builtin */
  int event;                 /* -1 unless event */
};

/* A necessary condition for a check to hold, found once at load: it can only
 * hold when the response carries one of `fields` (bit 1 << rl_field_id) or
 * one of `events` (bit 1 << rl_event_kind, implied events included). Judging
 * skips the rule at the cost of two ANDs when neither is there, which is
 * what most rules meet on most responses (a Content-Range rule on a 200
 * without Content-Range). guarded == 0: no such condition, always judge. */
typedef struct rl__guard {
  uint64_t fields;
  uint64_t events;
  int guarded;
} rl__guard;

/* A message template split at load (rl__tmpl_compile) into literal runs
 * and placeholders: rendering a finding then neither looks for braces nor
 * compares placeholder names. The simple placeholders' kinds are their
 * places in cond.c's list; a field's name stays in the template. */
typedef enum rl__tp_kind {
  RL__TP_STATUS,
  RL__TP_REASON,
  RL__TP_VERSION,
  RL__TP_METHOD,
  RL__TP_TARGET,
  RL__TP_COUNT,
  RL__TP_DETAIL,
  RL__TP_CONTENT_BYTES,
  RL__TP_EVENT,
  RL__TP_FIELD,     /* {field:NAME} */
  RL__TP_REQ_FIELD, /* {request-field:NAME} */
  RL__TP_TEXT       /* written as it is */
} rl__tp_kind;

typedef struct rl__tpiece {
  uint8_t kind;     /* rl__tp_kind */
  rl_field_id fid;  /* a field's id */
  uint32_t off, len; /* the text, or a field's name, in the template */
} rl__tpiece;

typedef struct rl__tmpl {
  const char *text; /* the template (the rule's message) */
  rl__tpiece *p;
  size_t n;
} rl__tmpl;

typedef struct rl__rule {
  rl_rule_info info;         /* public face; its strings are owned here */
  rl__tmpl msg;              /* info.message, split */
  rl__cond *check;
  rl__guard guard;           /* filled by rl_engine_prepare */
  int top_event;             /* kind when check is exactly `event: NAME`, else -1 */
  int reads_absence;         /* the check concludes from a field being absent, so
                                it also needs the complete header section */
  int has_status;
  uint8_t codes[RL__CODESET_BYTES];
  int status_unparsed;       /* applies to responses with no 3-digit code */
  int selected, ignored;     /* by rl_engine_select / rl_engine_ignore */
  char **superseded_by;      /* ID prefixes whose findings make this one moot */
  size_t nsuperseded_by;
  char **methods;
  size_t nmethods;
  char **versions;
  size_t nversions;
  rl_rule_example *examples; /* bytes owned here */
  uint8_t **example_bytes;   /* every decoded buffer, to free */
  size_t nexample_bytes;
} rl__rule;

/* Compiles one record; returns the rule or NULL after writing errors to
 * `errs` (as "name:line:col: error: ..."). *nerr counts them. With
 * `with_examples` 0, a missing `examples` key is not an error (the text was
 * cut before it, see rl__record_head_len). */
rl__rule *rl__rule_parse(const char *name, const char *text, size_t len,
                         int with_examples, FILE *errs, int *nerr);
/* The length of a catalogue record without its examples: they are its last
 * top-level key (tests/rules checks that every record keeps them last). */
size_t rl__record_head_len(const char *text, size_t len);
void rl__rule_free(rl__rule *r);
void rl__cond_free(rl__cond *c);

/* Parses "401", "4xx", "300-308" into the set; 0 or -1 when malformed. */
int rl__codes_add(uint8_t *set, const char *item);
static inline int rl__codes_has(const uint8_t *set, int code) {
  return code >= 0 && code < RL__NCODES && (set[code / 8] >> (code % 8)) & 1;
}

/* What evaluation may use besides the exchange: scratch space (regexec
 * needs a C string) and the built-ins' settings and connection memory. */
typedef struct rl__memo rl__memo;
typedef struct rl__scratch {
  char *buf;
  size_t cap;
  const rl__env *env;
  uint64_t present; /* bit 1 << id per known field of present_msg */
  const rl_message *present_msg; /* the response being judged; NULL between */
  uint8_t first[64]; /* per known field id of present_msg: its first line */
  uint8_t count[64]; /* and its number of lines (255: 255 or more) */
  uint8_t last[64];  /* and its last line (UINT8_MAX: not known) */
  rl__memo *memo;   /* verdicts on recent short values; NULL: none yet */
} rl__scratch;

/* The guard of a condition (see rl__guard): 1 and *g filled when it has
 * one, else 0. */
int rl__cond_guard(const rl__cond *c, rl__guard *g);
/* Makes `sc` describe response m: bit 1 << id of every known field it
 * carries in sc->present, and where
 * each known field first appears and how often, for the field primitives. */
void rl__scratch_index(rl__scratch *sc, const rl_message *m);
/* Bit 1 << kind for every event the response carries or its state implies
 * (what rl__event_count would count). */
uint64_t rl__event_mask(const rl_exchange *x);
/* True when the guard lets the rule be judged on a response with these
 * fields and events. */
static inline int rl__guard_open(const rl__guard *g, uint64_t fields,
                                 uint64_t events) {
  return !g->guarded || (g->fields & fields) || (g->events & events);
}

/* Finds in c->re_src a literal every match must contain (re_lit*) and the
 * bounds of a match's length (re_min, re_max, re_whole). */
void rl__regex_literal(rl__cond *c);
/* c's compiled regex. A catalogue record's is compiled on its first use
 * here (load.c); aborts if that finds no memory. */
const regex_t *rl__cond_regex(const rl__cond *c);
/* What c's regex says of value v without running it: 0 when it cannot match
 * (too short, too long, or the required literal is missing), 1 when it
 * surely does (the regex is that literal, found), -1 when only regexec can
 * tell. */
int rl__regex_verdict(const rl__cond *c, const uint8_t *v, size_t n);

/* Evaluates a compiled condition against one exchange. */
int rl__cond_eval(const rl__cond *c, const rl_exchange *x, rl__match *m,
                  rl__scratch *sc);
/* How many times the response carries event `kind`, counting the events its
 * state implies (a cut, a missing request); fills m for the first. */
uint64_t rl__event_count(const rl_exchange *x, int kind, rl__match *m);

/* Writes a human-readable form of the condition (for docs). */
void rl__cond_describe(const rl__cond *c, FILE *out);

/* Splits template tmpl (kept by the caller) into t; -1 on ENOMEM. */
int rl__tmpl_compile(rl__tmpl *t, const char *tmpl);
void rl__tmpl_free(rl__tmpl *t);
/* Renders a message template into out (cap bytes, NUL-terminated, cut when
 * full); unknown placeholders were refused at load. */
void rl__render(char *out, size_t cap, const rl__tmpl *t, const rl_exchange *x,
                const rl__match *m, const char *event_name);
/* 0 when every placeholder of tmpl is known, else -1 with the bad one in
 * bad/badcap. */
int rl__template_check(const char *tmpl, char *bad, size_t badcap);

#endif
