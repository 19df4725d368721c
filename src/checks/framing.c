/* Framing built-ins: checks that compare what a header section declares
 * with the bytes that actually followed it. */
#include "checks/builtins.h"

#include <stdio.h>
#include <string.h>

static size_t parse_u64(const uint8_t *s, size_t n, uint64_t *v) {
  size_t i = 0;
  *v = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    if (*v > (UINT64_MAX - 9) / 10) return 0;
    *v = *v * 10 + (uint64_t)(s[i] - '0');
    i++;
  }
  return i;
}

/* Reads "bytes first-last/..." into first/last; 0 when the value is another
 * form (unsatisfied, other unit, invalid), which other rules report. */
static int byte_span(const uint8_t *s, size_t n, uint64_t *first,
                     uint64_t *last) {
  if (n < 6 || !rl__eq_nocase(s, 6, "bytes ")) return 0;
  s += 6;
  n -= 6;
  size_t k = parse_u64(s, n, first);
  if (k == 0 || k >= n || s[k] != '-') return 0;
  s += k + 1;
  n -= k + 1;
  k = parse_u64(s, n, last);
  if (k == 0 || k >= n || s[k] != '/') return 0;
  return *last >= *first;
}

int rl__chk_range_length_mismatch(const rl_exchange *x, rl__match *m) {
  const rl_message *r = x->response;
  /* A multipart 206 has no header-section Content-Range to compare with;
   * ST015 reports one that does. */
  int ct = rl__field_next(r, 0, RL_FIELD_CONTENT_TYPE, NULL, 0);
  if (ct >= 0) {
    size_t n;
    const uint8_t *v = rl__span_bytes(r, r->fields[ct].value, &n);
    if (n >= 9 && rl__eq_nocase(v, 9, "multipart")) return 0;
  }
  int i = rl__field_next(r, 0, RL_FIELD_CONTENT_RANGE, NULL, 0);
  if (i < 0) return 0;
  size_t n;
  const uint8_t *v = rl__span_bytes(r, r->fields[i].value, &n);
  uint64_t first, last;
  if (!byte_span(v, n, &first, &last)) return 0;
  uint64_t span = last - first + 1;
  if (span == r->content_bytes) return 0;
  snprintf(m->detail, sizeof m->detail,
           "Content-Range %llu-%llu spans %llu bytes",
           (unsigned long long)first, (unsigned long long)last,
           (unsigned long long)span);
  m->count = 1;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = rl__span_bytes(r, r->fields[i].line, &m->evidence_len);
  }
  return 1;
}
