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

#include "resplint/message.h"

/* A growable array of fields, owned by the caller and reused across
 * messages so that describing a message does not allocate. */
typedef struct rl__fieldvec {
  rl_field *v;
  uint32_t n, cap;
} rl__fieldvec;

void rl__fieldvec_free(rl__fieldvec *fv);

/* The index of the first CR or LF in p[0, len), len if there is none. */
size_t rl__find_eol(const uint8_t *p, size_t len);

/* Fills the start-line spans of `m` (version, status, reason for a
 * response; method, target, version for a request) from m->raw, then the
 * field lines into `fv` (reset first). Returns the offset just after the
 * header section's empty line, or raw_len when the section is unfinished.
 * Returns RL_ENOMEM if `fv` cannot grow (the fields scanned so far stay). */
int rl__scan_head(rl_message *m, rl__fieldvec *fv);

/* Scans field lines only (a trailer section) from raw[0, len) into `fv`,
 * which is reset first. Returns 0 or RL_ENOMEM. */
int rl__scan_fields(const uint8_t *raw, uint32_t len, rl__fieldvec *fv);

/* Where llhttp saw one field's value, as offsets into the copied header
 * section: its on_header_value span, the pieces of a span split across
 * packets joined. llhttp reports one value span per field, empty for an
 * empty value, so the spans also count the fields. */
typedef struct rl__hint {
  uint32_t value_off, value_end;
} rl__hint;

/* Describes the head of `m` as rl__scan_head does, but from llhttp's spans
 * instead of searching every line: for a section llhttp accepted without
 * leniency, each line starts where the one before ended, its value span
 * says where the value starts (the colon is just before, across OWS) and
 * ends (the line ending follows), and what lies around can be checked in a
 * few bytes. Returns
 * 0 when the spans tile the section exactly and the result is the
 * scanner's, bit for bit; -1 (fv and m partly filled) when anything is
 * unusual, and the caller must use rl__scan_head instead. */
int rl__scan_hinted(rl_message *m, const rl__hint *h, uint32_t n,
                    rl__fieldvec *fv);

#endif
