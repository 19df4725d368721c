/* The exact line scanner of the http stage.
 *
 * llhttp decides where a message ends; this scanner describes what was on
 * the wire: it splits a copied header section into its start line and field
 * lines, keeping offsets, line endings and oddities (whitespace before the
 * colon, obs-fold, lines without a colon, bare CR) that llhttp either
 * rejects or silently accepts. It never allocates except to grow `fv`.
 */
#ifndef RL_HTTP_SCAN_H
#define RL_HTTP_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "resplint/message.h"

/* A growable array of fields, owned by the caller and reused across
 * messages so that describing a message does not allocate. */
typedef struct rl__fieldvec {
  rl_field *v;
  uint32_t n, cap;
} rl__fieldvec;

void rl__fieldvec_free(rl__fieldvec *fv);

/* Makes `fv` a copy of v[0, n). Returns 0 or RL_ENOMEM (fv then empty). */
int rl__fieldvec_set(rl__fieldvec *fv, const rl_field *v, uint32_t n);

/* The index of the first CR or LF in p[0, len), len if there is none.
 * glibc's memchr reads 32 bytes or more a step: an LF first, then a CR only
 * in the bytes before it. A SEEK runs over whole bodies (TLS, binary
 * content) where a line end comes every few hundred bytes, so two vector
 * scans beat one pass testing eight bytes at a time for both. Inline: a
 * SEEK calls it once per line. */
static inline size_t rl__find_eol(const uint8_t *p, size_t len) {
  const uint8_t *lf = memchr(p, '\n', len);
  size_t n = lf != NULL ? (size_t)(lf - p) : len;
  const uint8_t *cr = memchr(p, '\r', n);
  return cr != NULL ? (size_t)(cr - p) : n;
}

/* The index of the first byte of p[0, len) that is 'H' or 'h' and begins a
 * line: it follows a CR or an LF, or it is p[0] and `line_start` is set;
 * len when there is none. This is where a server's SEEK can next find
 * "HTTP/1." (dir.c): every other byte is skipped at once. 16 bytes are
 * tested a step, each against the byte before it. */
size_t rl__find_line_h(const uint8_t *p, size_t len, int line_start);

/* Fills the start-line spans of `m` (version, status, reason for a
 * response; method, target, version for a request) from m->raw, then the
 * field lines into `fv` (reset first). Returns the offset just after the
 * header section's empty line, or raw_len when the section is unfinished.
 * Returns RL_ENOMEM if `fv` cannot grow (the fields scanned so far stay). */
int rl__scan_head(rl_message *m, rl__fieldvec *fv);

/* Scans field lines only (a trailer section) from raw[0, len) into `fv`,
 * which is reset first. Returns 0 or RL_ENOMEM. */
int rl__scan_fields(const uint8_t *raw, uint32_t len, rl__fieldvec *fv);

#endif
