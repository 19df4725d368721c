/* The section memo of the http stage: header sections seen before, by their
 * bytes, with what was learnt from them.
 *
 * Two things depend only on a header section's bytes and the kind of
 * message (request or response):
 *  - its description (start-line spans and field lines: rl__scan_head),
 *    which describe_head in http.c would otherwise compute for every
 *    message;
 *  - llhttp's state at the end of it, when a fresh parser (same type, same
 *    lenient flags) was run over it and paused in on_headers_complete
 *    exactly at its empty line: llhttp is a deterministic state machine
 *    whose whole state is the llhttp_t, and it reads no byte past that
 *    line before the pause (llhttp.c: headers_almost_done consumes the LF
 *    and goes on through invoke nodes that read no input), so the same
 *    bytes from the same start reach the same llhttp_t (dir.c restores it
 *    instead of running llhttp).
 *
 * Servers repeat their sections (answers differing in Date once a second),
 * clients repeat theirs, and real traffic interleaves many of both, so the
 * memo holds many sections: entries are written one after another into a
 * ring of RL__SEC_RING bytes, and the oldest are overwritten when it is
 * full (first in, first out). A hash of a section's first RL__SEC_KEY bytes
 * picks a bucket; every candidate is compared in full before it is used.
 * Entries are named by their absolute position in the ring's history, so a
 * name outlives its entry harmlessly: rl__sec_at says the entry is gone.
 * Memory is bounded (the ring and the buckets, allocated on the first
 * store), and nothing is allocated per message.
 */
#ifndef RL_HTTP_SECMEMO_H
#define RL_HTTP_SECMEMO_H

#include <llhttp.h>
#include <stddef.h>
#include <stdint.h>

#include "http/scan.h"
#include "resplint/message.h"

enum {
  RL__SEC_KEY = 128,          /* bytes of a section the hash reads */
  RL__SEC_MAX = 4096,         /* longer sections are not remembered */
  RL__SEC_RING = 2 << 20,     /* bytes of entries kept */
  RL__SEC_BUCKETS = 4096      /* a power of two */
};

/* One remembered section; room for `cap` fields and then its bytes follow
 * it. The description is filled in by the first describe_head of the
 * section, not when llhttp first parses it, so that a section is scanned
 * once however it is found (a request waiting long for its response may
 * find its entry overwritten, and is then scanned where it is described). */
typedef struct rl__sec {
  uint64_t next;          /* the bucket's previous entry (0: none) */
  uint32_t len;           /* the section's bytes */
  uint32_t cap;           /* room for fields */
  uint32_t nfields;       /* its fields, before any field-count cap */
  uint8_t is_response;
  uint8_t has_parser;     /* `parser` and `lenient` are set */
  uint8_t lenient;        /* the lenient flags llhttp started with */
  uint8_t has_desc;       /* the description (nfields, fields, spans) is set */
  /* llhttp, resumed from `parser` with at least parser.content_length
   * bytes, hands exactly those to on_body (none for a message without
   * content) and pauses in on_message_complete right after them
   * (dir.c: after_head). */
  uint8_t ends_at_length;
  uint8_t start_eol;
  int status_code;
  rl_span start_line, version, status, reason, method, target;
  /* llhttp after the pause at the section's end, with data and error_pos
   * cleared (they point at the parse's owner and input). */
  llhttp_t parser;
} rl__sec;

typedef struct rl__secmemo {
  uint8_t *ring;          /* RL__SEC_RING bytes, NULL until the first store */
  uint64_t *bucket;       /* RL__SEC_BUCKETS positions of the newest entries */
  uint64_t head;          /* position of the next entry (0 names none) */
} rl__secmemo;

void rl__secmemo_free(rl__secmemo *mo);

/* The hash of the first RL__SEC_KEY bytes of p[0, len) (all of them when
 * shorter): a section is found from its first bytes, before its end is
 * known. */
uint32_t rl__sec_hash(const uint8_t *p, size_t len);

static inline const rl_field *rl__sec_fields(const rl__sec *s) {
  return (const rl_field *)(s + 1);
}

static inline const uint8_t *rl__sec_bytes(const rl__sec *s) {
  return (const uint8_t *)(rl__sec_fields(s) + s->cap);
}

/* The entry at position `pos`, or NULL when it was overwritten. */
rl__sec *rl__sec_at(const rl__secmemo *mo, uint64_t pos);

/* The entry of kind `is_response` whose bytes are exactly p[0, len), or
 * NULL. `hash` is rl__sec_hash(p, len). Sets *pos to its position. */
rl__sec *rl__sec_find(const rl__secmemo *mo, uint32_t hash, const uint8_t *p,
                      uint32_t len, uint8_t is_response, uint64_t *pos);

/* The entry with a parser state for a fresh llhttp of kind `is_response`
 * with `lenient` flags whose bytes are a prefix of p[0, len), or NULL.
 * `hash` is rl__sec_hash(p, len). */
rl__sec *rl__sec_find_parsed(const rl__secmemo *mo, uint32_t hash,
                             const uint8_t *p, size_t len, uint8_t is_response,
                             uint8_t lenient, uint64_t *pos);

/* The entry at `pos` if it has a parser state as rl__sec_find_parsed
 * requires, or NULL. */
rl__sec *rl__sec_parsed_at(const rl__secmemo *mo, uint64_t pos,
                           const uint8_t *p, size_t len, uint8_t is_response,
                           uint8_t lenient);

/* Remembers the section p[0, len) of kind `is_response` with room for
 * `cap` fields, undescribed and without a parser state. `hash` is
 * rl__sec_hash(p, len). Returns the new entry and its position, or NULL
 * when the section is too large or memory ran out. */
rl__sec *rl__sec_add(rl__secmemo *mo, uint32_t hash, const uint8_t *p,
                     uint32_t len, uint8_t is_response, uint32_t cap,
                     uint64_t *pos);

/* Sets the description of `s` from `m` (the start-line spans) and the
 * fields fv[0, n) that rl__scan_head found in s's bytes. Returns 0, or -1
 * when the fields do not fit. */
int rl__sec_describe(rl__sec *s, const rl_message *m, const rl__fieldvec *fv);

#endif
