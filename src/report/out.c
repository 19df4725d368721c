/* The report's output buffer (report_internal.h).
 *
 * Formats append to an rl__out instead of calling stdio per piece: the
 * findings of a large capture are millions of short strings, and fputc,
 * fputs and fprintf each lock the stream and fprintf parses its format
 * every time. Appends here are a bounds check and a memcpy; the buffer goes
 * to the FILE with one fwrite, so the FILE still sees every write error
 * (EPIPE, ENOSPC) and rl_report_finish reports it as before. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

void rl__out_init(rl__out *o, FILE *f, char *buf, size_t cap) {
  memset(o, 0, sizeof *o);
  o->f = f;
  o->buf = buf;
  o->cap = cap;
}

void rl__out_init_heap(rl__out *o) {
  memset(o, 0, sizeof *o);
  o->heap = 1;
}

void rl__out_free(rl__out *o) {
  if (o->heap)
    free(o->buf);
  memset(o, 0, sizeof *o);
}

void rl__out_flush(rl__out *o) {
  if (o->heap)
    return;
  if (o->len && o->f)
    fwrite(o->buf, 1, o->len, o->f);
  o->len = 0;
}

/* Makes room for n more bytes in a heap sink; 0 when it cannot. */
static int grow(rl__out *o, size_t n) {
  if (n <= o->cap - o->len)
    return 1;
  size_t cap = o->cap ? o->cap : 1024;
  while (cap - o->len < n) {
    if (cap > SIZE_MAX / 2)
      return 0;
    cap *= 2;
  }
  char *p = realloc(o->buf, cap);
  if (!p)
    return 0;
  o->buf = p;
  o->cap = cap;
  return 1;
}

void rl__out_slow(rl__out *o, const void *p, size_t n) {
  if (o->heap) {
    if (!grow(o, n)) {
      o->failed = 1;
      return;
    }
    memcpy(o->buf + o->len, p, n);
    o->len += n;
    return;
  }
  rl__out_flush(o);
  o->partial = 1;
  if (n > o->cap) { /* larger than the whole buffer: straight through */
    if (o->f)
      fwrite(p, 1, n, o->f);
    return;
  }
  memcpy(o->buf, p, n);
  o->len = n;
}

char *rl__out_reserve_slow(rl__out *o, size_t n) {
  if (o->heap)
    return grow(o, n) ? o->buf + o->len : NULL;
  if (n > o->cap)
    return NULL;
  if (o->len) /* the FILE may now hold part of a line, as in rl__out_slow */
    o->partial = 1;
  rl__out_flush(o);
  return o->buf;
}

/* Two digits at a time: a finding carries five numbers. */
const char rl__digits2[201] = "00010203040506070809101112131415161718192021222324"
                              "25262728293031323334353637383940414243444546474849"
                              "50515253545556575859606162636465666768697071727374"
                              "75767778798081828384858687888990919293949596979899";

/* Writes v's digits right to left, in pairs, ending at e; returns where
 * they start. Numbers of 32 bits (nearly all) take 32-bit divisions by 100,
 * a multiply each. */
static char *digits_before(char *e, uint64_t v) {
  while (v > UINT32_MAX) {
    *--e = (char)('0' + v % 10);
    v /= 10;
  }
  uint32_t w = (uint32_t)v;
  while (w >= 100) {
    uint32_t q = w / 100;
    e -= 2;
    memcpy(e, rl__digits2 + (w - q * 100) * 2, 2);
    w = q;
  }
  if (w >= 10) {
    e -= 2;
    memcpy(e, rl__digits2 + w * 2, 2);
  } else {
    *--e = (char)('0' + w);
  }
  return e;
}

/* The number of decimal digits of v: from its bit length (log10(2) is
 * about 1233/4096), corrected by one comparison. */
static unsigned digit_count(uint64_t v) {
  static const uint64_t pow10[20] = {1ull,
                                     10ull,
                                     100ull,
                                     1000ull,
                                     10000ull,
                                     100000ull,
                                     1000000ull,
                                     10000000ull,
                                     100000000ull,
                                     1000000000ull,
                                     10000000000ull,
                                     100000000000ull,
                                     1000000000000ull,
                                     10000000000000ull,
                                     100000000000000ull,
                                     1000000000000000ull,
                                     10000000000000000ull,
                                     100000000000000000ull,
                                     1000000000000000000ull,
                                     10000000000000000000ull};
  if (v < 10)
    return 1;
  unsigned bits = 64 - (unsigned)__builtin_clzll(v);
  unsigned n = (bits * 1233) >> 12; /* digits - 1 or digits, below 20 */
  return n + (v >= pow10[n]);
}

/* v < 10000 without leading zeros: two digit pairs at most. */
static char *fmt_small(char *d, uint32_t v) {
  uint32_t hi = v / 100, lo = v % 100;
  if (hi >= 10)
    d = rl__fmt_2digits(d, hi);
  else if (hi)
    *d++ = (char)('0' + hi);
  else if (lo < 10) {
    *d = (char)('0' + lo);
    return d + 1;
  }
  return rl__fmt_2digits(d, lo);
}

char *rl__fmt_u64(char *d, uint64_t v) {
  if (v < 10000) /* statuses, indexes, small offsets */
    return fmt_small(d, (uint32_t)v);
  if (v < 100000000) { /* frame numbers, offsets: the high part, then four digits */
    uint32_t hi = (uint32_t)v / 10000, lo = (uint32_t)v % 10000;
    d = fmt_small(d, hi);
    d = rl__fmt_2digits(d, lo / 100);
    return rl__fmt_2digits(d, lo % 100);
  }
  /* Longer: in place, right to left from the end that the count gives. */
  char *e = d + digit_count(v);
  digits_before(e, v);
  return e;
}

char *rl__fmt_padded(char *d, uint32_t v, unsigned width) {
  unsigned n = digit_count(v);
  if (n < width) {
    memcpy(d, "0000000000", 10); /* fixed size, a move or two; width <= 10 */
    n = width;
  }
  char *e = d + n;
  digits_before(e, v);
  return e;
}

void rl__out_u64(rl__out *o, uint64_t v) {
  if (o->cap - o->len >= RL__U64_MAX) { /* stored in place: no second copy */
    rl__out_commit(o, rl__fmt_u64(o->buf + o->len, v));
    return;
  }
  char tmp[RL__U64_MAX];
  rl__out_mem(o, tmp, (size_t)(rl__fmt_u64(tmp, v) - tmp));
}

void rl__out_int(rl__out *o, int v) {
  if (v < 0) {
    rl__out_ch(o, '-');
    rl__out_u64(o, (uint64_t)0 - (uint64_t)(int64_t)v);
  } else {
    rl__out_u64(o, (uint64_t)v);
  }
}

void rl__out_fill(rl__out *o, char c, size_t n) {
  if (o->heap && !grow(o, n)) {
    o->failed = 1;
    return;
  }
  while (n > 0) {
    if (o->len == o->cap)
      rl__out_flush(o);
    size_t k = o->cap - o->len < n ? o->cap - o->len : n;
    memset(o->buf + o->len, c, k);
    o->len += k;
    n -= k;
  }
}

void rl__out_printf(rl__out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->cap - o->len, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < o->cap - o->len) {
    o->len += (size_t)n;
    return;
  }
  /* It did not fit: make room and format again, into the buffer if it fits
   * now (these are short lines), else straight to the FILE. */
  if (o->heap && !grow(o, (size_t)n + 1)) {
    o->failed = 1;
    return;
  }
  rl__out_flush(o);
  va_start(ap, fmt);
  if ((size_t)n < o->cap - o->len)
    o->len += (size_t)vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
  else if (o->f)
    vfprintf(o->f, fmt, ap);
  va_end(ap);
}
