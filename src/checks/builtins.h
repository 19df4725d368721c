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

#include "common/tchar.h"

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

/* Empties a match. Cheaper than memset: the 160-byte detail is a C string,
 * and only its first byte needs clearing; judging does this once per rule. */
static inline void rl__match_init(rl__match *m) {
  m->count = 0;
  m->has_evidence = 0;
  m->evidence = NULL;
  m->evidence_len = 0;
  m->offset = 0;
  m->detail[0] = '\0';
}

/* Settings and per-connection memory a few built-ins need. The engine owns
 * it and fills it before judging each response. */
typedef struct rl__env {
  uint32_t max_header_bytes; /* HF012; 0 disables */
  uint32_t max_field_lines;  /* HF013; 0 disables */
  uint32_t date_skew_s;      /* FV004; 0 disables */
  /* SL006: the version (major * 16 + minor) and index of the previous
   * response on this connection, prev_version -1 when there was none. */
  int prev_version;
  uint32_t prev_index;
  /* Byte classes (RL__BYTES_*) of the header and trailer sections of
   * `bytes_of`, the response being judged, so that the per-byte checks know
   * at once when they have nothing to find; bytes_of NULL: not computed. */
  const rl_message *bytes_of;
  unsigned bytes;
} rl__env;

enum {
  RL__BYTES_HIGH = 1 << 0,    /* a byte >= 0x80 */
  RL__BYTES_CTL = 1 << 1,     /* a control byte other than HT, CR, LF */
  RL__BYTES_EOL_ODD = 1 << 2, /* a CR not before LF, or an LF not after CR */
  RL__BYTES_FOLD = 1 << 3     /* a field line continues on an obs-fold line */
};
/* The RL_FL_* flags of any header or trailer line, above the byte classes,
 * so that the checks driven by one flag return at once when no line has it
 * instead of visiting every line. */
#define RL__BYTES_FL(flags) ((unsigned)(flags) << 8)

/* The RL__BYTES_* classes present in m's header and trailer sections, and
 * RL__BYTES_FL of its lines' flags. */
unsigned rl__byte_classes(const rl_message *m);
/* True when env describes m and none of `classes` occurs in it. */
static inline int rl__bytes_lack(const rl__env *env, const rl_message *m,
                                 unsigned classes) {
  return env && env->bytes_of == m && !(env->bytes & classes);
}

/* XX(ENUM, "name", function, needs the paired request, "true when ...").
 * Grouped by the area file that holds the function. */
#define RL_BUILTIN_MAP(XX)                                                    \
  /* status.c */                                                              \
  XX(UNREGISTERED_STATUS_CODE, "unregistered-status-code",                    \
     rl__chk_unregistered_status_code, 0,                                     \
     "a status code in 100..599 that is not in the IANA registry")            \
  XX(INVALID_HTTP_VERSION, "invalid-http-version", rl__chk_invalid_http_version, \
     0, "the status line's version is not HTTP/1.DIGIT")                      \
  XX(STATUS_CODE_NOT_THREE_DIGITS, "status-code-not-three-digits",            \
     rl__chk_status_code_not_three_digits, 0,                                 \
     "the status code is not three digits after one SP")                      \
  XX(STATUS_LINE_WITHOUT_REASON_SPACE, "status-line-without-reason-space",    \
     rl__chk_status_line_without_reason_space, 0,                             \
     "the status line ends right after the code")                             \
  XX(REASON_PHRASE_HAS_CTL, "reason-phrase-has-ctl",                          \
     rl__chk_reason_phrase_has_ctl, 0,                                        \
     "the reason phrase holds a control character")                           \
  XX(UNUSUAL_REASON_PHRASE, "unusual-reason-phrase",                          \
     rl__chk_unusual_reason_phrase, 0,                                        \
     "the reason phrase is not the registered one")                           \
  XX(VERSION_CHANGED_ON_CONNECTION, "version-changed-on-connection",          \
     rl__chk_version_changed_on_connection, 0,                                \
     "the HTTP version differs from the previous response's")                 \
  /* fields.c */                                                              \
  XX(FIELD_NAME_NOT_TOKEN, "field-name-not-token",                            \
     rl__chk_field_name_not_token, 0, "a field name is not a token")          \
  XX(WHITESPACE_BEFORE_COLON, "whitespace-before-colon",                      \
     rl__chk_whitespace_before_colon, 0, "\"Name : value\"")                  \
  XX(OBS_FOLD, "obs-fold", rl__chk_obs_fold, 0,                               \
     "a field value continues on an obs-fold line")                           \
  XX(FIELD_VALUE_HAS_CTL, "field-value-has-ctl", rl__chk_field_value_has_ctl, \
     0, "a field value holds a control character")                            \
  XX(FIELD_VALUE_HAS_OBS_TEXT, "field-value-has-obs-text",                    \
     rl__chk_field_value_has_obs_text, 0, "a field value holds bytes >= 0x80") \
  XX(FIELD_LINE_WITHOUT_COLON, "field-line-without-colon",                    \
     rl__chk_field_line_without_colon, 0, "a header line has no colon")       \
  XX(WHITESPACE_BEFORE_FIRST_FIELD, "whitespace-before-first-field",          \
     rl__chk_whitespace_before_first_field, 0,                                \
     "the first field line starts with whitespace")                           \
  XX(BARE_LF_LINE_ENDING, "bare-lf-line-ending", rl__chk_bare_lf_line_ending, \
     0, "a header-section line ends in LF without CR")                        \
  XX(BARE_CR, "bare-cr", rl__chk_bare_cr, 0,                                  \
     "a CR not followed by LF in the header section")                         \
  XX(OVERSIZED_HEADER_SECTION, "oversized-header-section",                    \
     rl__chk_oversized_header_section, 0,                                     \
     "the header section is above the configured size")                       \
  XX(TOO_MANY_FIELDS, "too-many-fields", rl__chk_too_many_fields, 0,          \
     "more field lines than the configured count")                            \
  XX(EMPTY_FIELD_NAME, "empty-field-name", rl__chk_empty_field_name, 0,       \
     "a header line starts with a colon")                                     \
  XX(REPEATED_SINGLETON_FIELD, "repeated-singleton-field",                    \
     rl__chk_repeated_singleton_field, 0,                                     \
     "a field that takes a single value is sent on more than one line")       \
  XX(EMPTY_LIST_ELEMENT, "empty-list-element", rl__chk_empty_list_element, 0, \
     "a list-based field has an empty element (\"a,,b\", \",a\", \"a,\")")   \
  /* framing.c */                                                             \
  XX(RANGE_LENGTH_MISMATCH, "range-length-mismatch",                          \
     rl__chk_range_length_mismatch, 0,                                        \
     "a single-part 206 whose Content-Range span differs from the content "   \
     "bytes received")                                                        \
  XX(CONFLICTING_CONTENT_LENGTH, "conflicting-content-length",                \
     rl__chk_conflicting_content_length, 0,                                   \
     "Content-Length values that differ")                                     \
  XX(CHUNKED_APPLIED_TWICE, "chunked-applied-twice",                          \
     rl__chk_chunked_applied_twice, 0, "chunked listed more than once")       \
  XX(CHUNKED_NOT_FINAL, "chunked-not-final", rl__chk_chunked_not_final, 0,    \
     "Transfer-Encoding does not end with chunked")                           \
  XX(PROHIBITED_TRAILER_FIELD, "prohibited-trailer-field",                    \
     rl__chk_prohibited_trailer_field, 0,                                     \
     "a trailer field that must be known before the content")                 \
  XX(UNDECLARED_TRAILER_FIELD, "undeclared-trailer-field",                    \
     rl__chk_undeclared_trailer_field, 0,                                     \
     "a trailer field not listed in Trailer")                                 \
  XX(CLOSE_DELIMITED_CONTENT, "close-delimited-content",                      \
     rl__chk_close_delimited_content, 0,                                      \
     "content delimited only by closing the connection")                      \
  /* values.c */                                                              \
  XX(ALLOW_LISTS_REQUEST_METHOD, "allow-lists-request-method",                \
     rl__chk_allow_lists_request_method, 1,                                   \
     "a response whose Allow lists the request's own method")                 \
  XX(DATE_SKEW, "date-skew", rl__chk_date_skew, 0,                            \
     "Date differs from the capture time by more than the allowed skew")      \
  XX(LAST_MODIFIED_AFTER_DATE, "last-modified-after-date",                    \
     rl__chk_last_modified_after_date, 0, "Last-Modified is later than Date") \
  XX(INVALID_CHALLENGE, "invalid-challenge", rl__chk_invalid_challenge, 0,    \
     "an authentication challenge that does not parse")                       \
  XX(INVALID_CACHE_CONTROL, "invalid-cache-control",                          \
     rl__chk_invalid_cache_control, 0, "a malformed Cache-Control directive") \
  XX(QUESTIONABLE_CACHE_CONTROL, "questionable-cache-control",                \
     rl__chk_questionable_cache_control, 0,                                   \
     "Cache-Control that is unlikely to do what was meant")                   \
  /* connection.c */                                                          \
  XX(UPGRADE_NOT_OFFERED, "upgrade-not-offered", rl__chk_upgrade_not_offered, \
     1, "a 101 whose Upgrade names a protocol the request's Upgrade did not " \
     "offer")

typedef enum rl__builtin {
#define RL__BUILTIN_ENUM(e, name, fn, req, desc) RL_BUILTIN_##e,
  RL_BUILTIN_MAP(RL__BUILTIN_ENUM)
#undef RL__BUILTIN_ENUM
  RL_BUILTIN__COUNT
} rl__builtin;

#define RL__BUILTIN_DECL(e, name, fn, req, desc) \
  int fn(const rl_exchange *x, const rl__env *env, rl__match *m);
RL_BUILTIN_MAP(RL__BUILTIN_DECL)
#undef RL__BUILTIN_DECL

/* The id of built-in `name`, or -1. */
int rl__builtin_lookup(const char *name);
const char *rl__builtin_name(int b);        /* NULL when out of range */
const char *rl__builtin_description(int b); /* NULL when out of range */
/* 1 when built-in `b` can only be judged with the paired request. */
int rl__builtin_needs_request(int b);
/* The fields HF010 and HF016 judge (bit 1 << rl_field_id). */
uint64_t rl__singleton_fields(void);
uint64_t rl__list_fields(void);
/* The fields (bit 1 << rl_field_id) of which the response must carry at
 * least one for built-in `b` to hold; 0 when it has no such condition. */
uint64_t rl__builtin_fields(int b);
/* 1 when built-in `b` reads the capture time (the response's first.ts: its
 * second, and whether it is zero), which the verdict memo's key leaves out:
 * the engine judges the rules that use such a built-in afresh on every
 * exchange (src/engine/memo.h, "live steps"). A built-in that starts
 * reading the time must be named here. */
int rl__builtin_reads_time(int b);
/* Runs built-in `b`: 1 when it holds (and fills `m`), 0 when not. */
int rl__builtin_run(int b, const rl_exchange *x, const rl__env *env,
                    rl__match *m);

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
/* The same for a span of a trailer field (inside `m->trailer_raw`). */
const uint8_t *rl__trailer_bytes(const rl_message *m, rl_span sp, size_t *n);
/* Parses an HTTP-date in any of its three forms (RFC 9110 §5.6.7) into
 * seconds since the epoch; a two-digit year is resolved against `ref`
 * (seconds; 0 for "now" unknown: 19xx/20xx split at 70). 0 or -1. */
int rl__http_date_parse(const uint8_t *s, size_t n, int64_t ref, int64_t *out);
/* Calls fn for each comma-separated member of every line of the field,
 * splitting only at commas outside quoted-strings; `line` is the index of the
 * line holding the member. Stops at and returns fn's first non-zero. */
int rl__field_each_member_q(const rl_message *m, rl_field_id id,
                            int (*fn)(void *ctx, uint32_t line,
                                      const uint8_t *s, size_t n),
                            void *ctx);
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
