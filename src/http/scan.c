/* The exact line scanner: see scan.h. RFC 9112 section 2.2 (message
 * parsing), 4 (status line), 5 (field syntax) and 5.2 (obs-fold). */
#include "http/scan.h"

#include <stdlib.h>
#include <string.h>

#include "resplint/error.h"

void rl__fieldvec_free(rl__fieldvec *fv) {
  if (fv == NULL)
    return;
  free(fv->v);
  fv->v = NULL;
  fv->n = fv->cap = 0;
}

int rl__fieldvec_set(rl__fieldvec *fv, const rl_field *v, uint32_t n) {
  fv->n = 0;
  if (n > fv->cap) {
    uint32_t cap = fv->cap ? fv->cap : 32;
    while (cap < n)
      cap *= 2;
    rl_field *nv = realloc(fv->v, cap * sizeof *nv);
    if (nv == NULL)
      return RL_ENOMEM;
    fv->v = nv;
    fv->cap = cap;
  }
  if (n > 0)
    memcpy(fv->v, v, n * sizeof *v);
  fv->n = n;
  return 0;
}

static rl_field *fieldvec_push(rl__fieldvec *fv) {
  if (fv->n == fv->cap) {
    uint32_t cap = fv->cap ? fv->cap * 2 : 32;
    rl_field *v = realloc(fv->v, cap * sizeof *v);
    if (v == NULL)
      return NULL;
    fv->v = v;
    fv->cap = cap;
  }
  rl_field *f = &fv->v[fv->n++];
  memset(f, 0, sizeof *f);
  return f;
}

/* --- where a status line may begin ------------------------------------------
 * With the compiler's vector types (GCC and Clang; SSE2 on x86-64, NEON on
 * ARM, plain words elsewhere) one comparison tests 16 bytes: a byte of the
 * result is all ones where the test holds. c | 0x20 is 'h' for 'H' and 'h'
 * only (bytes from 0x80 up are negative as int8_t, never 'h'). */

typedef int8_t rl__v16 __attribute__((vector_size(16)));

static int line_h_at(const uint8_t *p, size_t i) {
  return (p[i] | 0x20) == 'h' && (p[i - 1] == '\r' || p[i - 1] == '\n');
}

/* The index in [0, 16) of the first byte of `hit` that is set, which must
 * have one. */
static size_t first_set16(rl__v16 hit) {
  uint64_t w[2];
  memcpy(w, &hit, sizeof w);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return w[0] ? (size_t)__builtin_ctzll(w[0]) / 8 : 8 + (size_t)__builtin_ctzll(w[1]) / 8;
#else
  return w[0] ? (size_t)__builtin_clzll(w[0]) / 8 : 8 + (size_t)__builtin_clzll(w[1]) / 8;
#endif
}

static int any16(rl__v16 v) {
  uint64_t w[2];
  memcpy(w, &v, sizeof w);
  return (w[0] | w[1]) != 0;
}

/* The 16 bytes at p + i that are 'H' or 'h' after a CR or an LF (i >= 1:
 * the bytes before them are read from p + i - 1). */
static rl__v16 line_h16(const uint8_t *p, size_t i) {
  rl__v16 v, prev;
  memcpy(&v, p + i, sizeof v);
  memcpy(&prev, p + i - 1, sizeof prev);
  return ((v | 0x20) == 'h') & ((prev == '\r') | (prev == '\n'));
}

size_t rl__find_line_h(const uint8_t *p, size_t len, int line_start) {
  if (len == 0 || (line_start && (p[0] | 0x20) == 'h'))
    return 0;
  size_t i = 1;
  /* 64 bytes a step while there is room (one test of all four results:
   * a SEEK runs over megabytes), then 16. */
  for (; len - i >= 64; i += 64) {
    rl__v16 h[4] = {line_h16(p, i), line_h16(p, i + 16), line_h16(p, i + 32),
                    line_h16(p, i + 48)};
    if (any16(h[0] | h[1] | h[2] | h[3])) {
      size_t k = 0;
      while (!any16(h[k]))
        k++;
      return i + 16 * k + first_set16(h[k]);
    }
  }
  for (; len - i >= 16; i += 16) {
    rl__v16 h = line_h16(p, i);
    if (any16(h))
      return i + first_set16(h);
  }
  for (; i < len; i++)
    if (line_h_at(p, i))
      return i;
  return len;
}

static int is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

/* One line of the section: content [start, end) and what ended it. */
typedef struct line {
  uint32_t start, end, next;
  rl_eol eol;
} line;

/* Reads the line starting at `pos`. Lines end at LF; a CR right before the
 * LF belongs to the line ending, any other CR stays in the content. */
static line read_line(const uint8_t *raw, uint32_t len, uint32_t pos) {
  line l = {pos, len, len, RL_EOL_NONE};
  const uint8_t *lf = memchr(raw + pos, '\n', len - pos);
  if (lf == NULL)
    return l;
  l.end = (uint32_t)(lf - raw);
  l.next = l.end + 1;
  l.eol = RL_EOL_LF;
  if (l.end > pos && raw[l.end - 1] == '\r') {
    l.end--;
    l.eol = RL_EOL_CRLF;
  }
  return l;
}

static int has_bare_cr(const uint8_t *raw, const line *l) {
  return memchr(raw + l->start, '\r', l->end - l->start) != NULL;
}

/* A span of raw[s, e) with optional whitespace trimmed from both ends. */
static rl_span trimmed(const uint8_t *raw, uint32_t s, uint32_t e) {
  while (s < e && is_ows(raw[s]))
    s++;
  while (e > s && is_ows(raw[e - 1]))
    e--;
  return (rl_span){s, e - s};
}

static void parse_field(const uint8_t *raw, const line *l, rl_field *f) {
  f->line = (rl_span){l->start, l->end - l->start};
  f->eol = (uint8_t)l->eol;
  if (has_bare_cr(raw, l))
    f->flags |= RL_FL_BARE_CR;
  const uint8_t *colon = memchr(raw + l->start, ':', l->end - l->start);
  if (colon == NULL) {
    f->flags |= RL_FL_NO_COLON;
    f->name = f->line;
    f->value = (rl_span){l->end, 0};
    return;
  }
  uint32_t c = (uint32_t)(colon - raw);
  if (c == l->start)
    f->flags |= RL_FL_EMPTY_NAME;
  f->name = (rl_span){l->start, c - l->start};
  if (c > l->start && is_ows(raw[c - 1]))
    f->flags |= RL_FL_WS_BEFORE_COLON;
  /* The id ignores the stray whitespace so that "Content-Length : 5" is
   * still judged as a Content-Length field. */
  rl_span id_name = f->name;
  if (c > l->start && (is_ows(raw[l->start]) || is_ows(raw[c - 1])))
    id_name = trimmed(raw, l->start, c);
  f->id = rl_field_lookup((const char *)raw + id_name.off, id_name.len);
  f->value = trimmed(raw, c + 1, l->end);
  if (f->value.len == 0)
    f->value.off = c + 1;
}

/* Appends an obs-fold continuation line to the field before it. */
static void fold_into(const uint8_t *raw, const line *l, rl_field *f) {
  f->line.len = l->end - f->line.off;
  f->flags |= RL_FL_OBS_FOLD;
  if (has_bare_cr(raw, l))
    f->flags |= RL_FL_BARE_CR;
  if (f->fold_lines < UINT8_MAX)
    f->fold_lines++;
  f->eol = (uint8_t)l->eol;
  rl_span more = trimmed(raw, l->start, l->end);
  if (more.len == 0)
    return;
  if (f->value.len == 0)
    f->value.off = more.off;
  f->value.len = more.off + more.len - f->value.off;
}

/* Scans field lines from `pos` until the empty line. Returns the offset
 * after the empty line, raw_len if unfinished, or RL_ENOMEM. */
static int scan_lines(const uint8_t *raw, uint32_t len, uint32_t pos,
                      rl__fieldvec *fv) {
  int first = 1;
  while (pos < len) {
    line l = read_line(raw, len, pos);
    if (l.start == l.end && l.eol != RL_EOL_NONE)
      return (int)l.next;
    if (is_ows(raw[l.start]) && !first && fv->n > 0) {
      fold_into(raw, &l, &fv->v[fv->n - 1]);
    } else {
      rl_field *f = fieldvec_push(fv);
      if (f == NULL)
        return RL_ENOMEM;
      parse_field(raw, &l, f);
      if (is_ows(raw[l.start]))
        f->flags |= RL_FL_LEADING_WS;
    }
    first = 0;
    pos = l.next;
  }
  return (int)len;
}

int rl__scan_fields(const uint8_t *raw, uint32_t len, rl__fieldvec *fv) {
  fv->n = 0;
  int r = scan_lines(raw, len, 0, fv);
  return r < 0 ? r : 0;
}

/* Splits [s, e) at the first space: the part before, and the rest. */
static uint32_t token_end(const uint8_t *raw, uint32_t s, uint32_t e) {
  const uint8_t *sp = memchr(raw + s, ' ', e - s);
  return sp ? (uint32_t)(sp - raw) : e;
}

static int three_digits(const uint8_t *raw, rl_span s) {
  if (s.len != 3)
    return -1;
  int v = 0;
  for (uint32_t i = 0; i < 3; i++) {
    uint8_t c = raw[s.off + i];
    if (c < '0' || c > '9')
      return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

static void scan_start_line(rl_message *m, const line *l) {
  const uint8_t *raw = m->raw;
  m->start_line = (rl_span){l->start, l->end - l->start};
  m->start_eol = (uint8_t)l->eol;
  uint32_t a = token_end(raw, l->start, l->end);
  uint32_t b = a < l->end ? token_end(raw, a + 1, l->end) : l->end;
  rl_span first = {l->start, a - l->start};
  rl_span second = {a < l->end ? a + 1 : l->end, 0};
  second.len = b - second.off;
  rl_span rest = {b < l->end ? b + 1 : l->end, 0};
  rest.len = l->end - rest.off;
  if (m->is_response) {
    m->version = first;
    m->status = second;
    m->reason = rest;
    m->status_code = three_digits(raw, second);
  } else {
    m->method = first;
    m->target = second;
    m->version = rest;
    m->status_code = -1;
  }
}

int rl__scan_head(rl_message *m, rl__fieldvec *fv) {
  fv->n = 0;
  if (m->raw_len == 0)
    return 0;
  line l = read_line(m->raw, m->raw_len, 0);
  scan_start_line(m, &l);
  if (l.eol == RL_EOL_NONE)
    return (int)m->raw_len;
  return scan_lines(m->raw, m->raw_len, l.next, fv);
}
