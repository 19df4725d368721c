/* Where a finding points: the bytes of its evidence, the header-section
 * lines that hold them, and for raw transcripts the line of the file.
 *
 * The engine hands evidence as a pointer: usually into the response's kept
 * header section (a field line, the status code), sometimes into the trailer
 * section, the content prefix or bytes the parser kept. Only the first two
 * have lines to show around the span, so the others are shown on their own. */
#include <stdint.h>
#include <string.h>

#include "report/report_internal.h"

/* True when [p, p+n) lies inside [base, base+len). Compared as integers:
 * the evidence may point into an unrelated buffer. */
static int inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len) {
  if (!p || !base)
    return 0;
  uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
  return a >= b && a - b <= len && n <= len - (a - b);
}

void rl__locate(const rl_finding *f, rl__loc *loc) {
  memset(loc, 0, sizeof *loc);
  loc->ev = f->evidence;
  loc->evlen = f->evidence ? f->evidence_len : 0;
  loc->stream_off = f->offset;
  const rl_message *m = f->x ? f->x->response : NULL;
  if (!m)
    return;
  if (loc->ev && inside(loc->ev, loc->evlen, m->raw, m->raw_len)) {
    loc->sec = m->raw;
    loc->seclen = m->raw_len;
    loc->span_off = (size_t)((uintptr_t)loc->ev - (uintptr_t)m->raw);
    loc->span_len = loc->evlen;
    loc->stream_off = m->stream_offset + loc->span_off;
  } else if (loc->ev && inside(loc->ev, loc->evlen, m->trailer_raw, m->trailer_raw_len)) {
    loc->sec = m->trailer_raw;
    loc->seclen = m->trailer_raw_len;
    loc->span_off = (size_t)((uintptr_t)loc->ev - (uintptr_t)m->trailer_raw);
    loc->span_len = loc->evlen;
  } else if (!loc->ev && m->raw && m->start_line.len > 0 &&
             m->start_line.off + m->start_line.len <= m->raw_len) {
    /* An absence ("401 without WWW-Authenticate") has no bytes of its own:
     * the status code it is about stands in for them. */
    rl_span sp = m->status.len > 0 && m->status.off + m->status.len <= m->raw_len
                     ? m->status
                     : m->start_line;
    loc->sec = m->raw;
    loc->seclen = m->raw_len;
    loc->span_off = sp.off;
    loc->span_len = sp.len;
    loc->ev = m->raw + sp.off;
    loc->evlen = sp.len;
    loc->stream_off = m->stream_offset + sp.off;
  }
}

uint64_t rl__transcript_line(const rl_report *r, uint64_t off) {
  if (!r->transcript || !r->tbytes)
    return 0;
  size_t end = off < r->tlen ? (size_t)off : r->tlen;
  uint64_t line = 1;
  for (size_t i = 0; i < end; i++) {
    if (r->tbytes[i] == '\n')
      line++;
    else if (r->tbytes[i] == '\r' && (i + 1 >= r->tlen || r->tbytes[i + 1] != '\n'))
      line++;
  }
  return line;
}

const uint8_t *rl__request_line(const rl_exchange *x, size_t *len) {
  const rl_message *q = x ? x->request : NULL;
  if (!q || x->request_state != RL_REQ_PAIRED || !q->raw || q->start_line.len == 0 ||
      q->start_line.off + q->start_line.len > q->raw_len)
    return NULL;
  *len = q->start_line.len;
  return q->raw + q->start_line.off;
}
