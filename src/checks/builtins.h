/* resplint: the built-in checks that rule records name (`builtin: NAME`) and
 * the named grammars that conditions use (`grammar: NAME`).
 *
 * Both lists are closed and written once here as X-macro tables; the engine
 * resolves names to these ids when it loads a record, so an unknown name is a
 * load error, never a silent no-op. Predicates live in the .c file of their
 * area (status, framing, fields, values, connection) and only read the
 * exchange: they never print and never allocate.
 */
#ifndef RL_CHECKS_BUILTINS_H
#define RL_CHECKS_BUILTINS_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/message.h"

/* What a check found, filled when it holds: the first match wins, so a
 * caller sees the evidence of the condition that decided. */
typedef struct rl__match {
  uint64_t count;          /* occurrences (events, repeated lines) */
  int has_evidence;
  const uint8_t *evidence; /* bytes inside the exchange's messages */
  size_t evidence_len;
  uint64_t offset;         /* stream offset of the evidence, 0 if unknown */
  char detail[160];        /* {detail}: short text, wire bytes escaped */
} rl__match;

/* XX(ENUM, "name", function, needs the paired request, "true when ...") */
#define RL_BUILTIN_MAP(XX)                                                   \
  XX(RANGE_LENGTH_MISMATCH, "range-length-mismatch",                         \
     rl__chk_range_length_mismatch, 0,                                       \
     "a single-part 206 whose Content-Range span differs from the content "  \
     "bytes received")                                                       \
  XX(UPGRADE_NOT_OFFERED, "upgrade-not-offered", rl__chk_upgrade_not_offered, \
     1, "a 101 whose Upgrade names a protocol the request's Upgrade did not "   \
     "offer")                                                                \
  XX(ALLOW_LISTS_REQUEST_METHOD, "allow-lists-request-method",               \
     rl__chk_allow_lists_request_method, 1,                                  \
     "a response whose Allow lists the request's own method")               \
  XX(UNREGISTERED_STATUS_CODE, "unregistered-status-code",                   \
     rl__chk_unregistered_status_code, 0,                                    \
     "a status code in 100..599 that is not in the IANA registry")

typedef enum rl__builtin {
#define RL__BUILTIN_ENUM(e, name, fn, req, desc) RL_BUILTIN_##e,
  RL_BUILTIN_MAP(RL__BUILTIN_ENUM)
#undef RL__BUILTIN_ENUM
  RL_BUILTIN__COUNT
} rl__builtin;

#define RL__BUILTIN_DECL(e, name, fn, req, desc) \
  int fn(const rl_exchange *x, rl__match *m);
RL_BUILTIN_MAP(RL__BUILTIN_DECL)
#undef RL__BUILTIN_DECL

/* The id of built-in `name`, or -1. */
int rl__builtin_lookup(const char *name);
const char *rl__builtin_name(int b);        /* NULL when out of range */
const char *rl__builtin_description(int b); /* NULL when out of range */
/* 1 when built-in `b` can only be judged with the paired request. */
int rl__builtin_needs_request(int b);
/* Runs built-in `b`: 1 when it holds (and fills `m`), 0 when not. */
int rl__builtin_run(int b, const rl_exchange *x, rl__match *m);

/* XX(ENUM, "name", function) where function(const uint8_t *s, size_t n)
 * returns 1 when the whole of s matches. */
#define RL_GRAMMAR_MAP(XX)                           \
  XX(TOKEN, "token", rl__gr_token)                   \
  XX(TOKEN_LIST, "token-list", rl__gr_token_list)    \
  XX(DIGITS, "digits", rl__gr_digits)                \
  XX(DELAY_SECONDS, "delay-seconds", rl__gr_digits)  \
  XX(HTTP_DATE, "http-date", rl__gr_http_date)       \
  XX(IMF_FIXDATE, "imf-fixdate", rl__gr_imf_fixdate) \
  XX(ENTITY_TAG, "entity-tag", rl__gr_entity_tag)    \
  XX(ENTITY_TAG_LIST, "entity-tag-list", rl__gr_entity_tag_list) \
  XX(MEDIA_TYPE, "media-type", rl__gr_media_type)    \
  XX(CONTENT_RANGE, "content-range", rl__gr_content_range) \
  XX(URI_REFERENCE, "uri-reference", rl__gr_uri_reference)

typedef enum rl__grammar {
#define RL__GRAMMAR_ENUM(e, name, fn) RL_GRAMMAR_##e,
  RL_GRAMMAR_MAP(RL__GRAMMAR_ENUM)
#undef RL__GRAMMAR_ENUM
  RL_GRAMMAR__COUNT
} rl__grammar;

int rl__gr_token(const uint8_t *s, size_t n);
int rl__gr_token_list(const uint8_t *s, size_t n);
int rl__gr_digits(const uint8_t *s, size_t n);
int rl__gr_http_date(const uint8_t *s, size_t n);
int rl__gr_imf_fixdate(const uint8_t *s, size_t n);
int rl__gr_entity_tag(const uint8_t *s, size_t n);
int rl__gr_entity_tag_list(const uint8_t *s, size_t n);
int rl__gr_media_type(const uint8_t *s, size_t n);
int rl__gr_content_range(const uint8_t *s, size_t n);
int rl__gr_uri_reference(const uint8_t *s, size_t n);

int rl__grammar_lookup(const char *name);  /* -1 when unknown */
const char *rl__grammar_name(int g);       /* NULL when out of range */
int rl__grammar_match(int g, const uint8_t *s, size_t n);

/* --- message access shared by the checks and the engine (fields.c) --- */

/* Bytes of `sp` inside `m->raw`, clamped to raw_len; *n receives the length. */
const uint8_t *rl__span_bytes(const rl_message *m, rl_span sp, size_t *n);
/* Index of the first field line at or after `from` that is `id` (or, for
 * RL_FIELD_OTHER, whose name equals `name`/`len` ignoring case); -1 if none. */
int rl__field_next(const rl_message *m, uint32_t from, rl_field_id id,
                   const char *name, size_t len);
/* Number of field lines with that name. */
uint32_t rl__field_count(const rl_message *m, rl_field_id id,
                         const char *name, size_t len);
/* Calls fn for each comma-separated list member of every line of the field
 * (OWS trimmed, empty members skipped) until fn returns non-zero; returns
 * that value or 0. */
int rl__field_each_member(const rl_message *m, rl_field_id id,
                          int (*fn)(void *ctx, const uint8_t *s, size_t n),
                          void *ctx);
/* Writes `n` wire bytes into `out` (size `cap`), escaping anything that is
 * not printable ASCII as \xHH and cutting at `max` bytes with "...". */
void rl__escape(char *out, size_t cap, const uint8_t *s, size_t n, size_t max);
/* Case-insensitive ASCII comparison of s/n with the NUL-terminated lit. */
int rl__eq_nocase(const uint8_t *s, size_t n, const char *lit);

#endif
