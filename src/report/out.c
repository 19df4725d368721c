/* The report's output buffer (report_internal.h).
 *
 * Formats append to an rl__out instead of calling stdio per piece: the
 * findings of a large capture are millions of short strings, and fputc,
 * fputs and fprintf each lock the stream and fprintf parses its format
 * every time. Appends here are a bounds check and a memcpy; the buffer goes
 * to the FILE with one fwrite, so the FILE still sees every write error
 * (EPIPE, ENOSPC) and rl_report_finish reports it as before. */
#include <stdarg.h>
#include <string.h>

#include "report/report_internal.h"

void rl__out_init(rl__out *o, FILE *f, char *buf, size_t cap) {
  o->f = f;
  o->buf = buf;
  o->len = 0;
  o->cap = cap;
}

void rl__out_flush(rl__out *o) {
  if (o->len && o->f)
    fwrite(o->buf, 1, o->len, o->f);
  o->len = 0;
}

void rl__out_slow(rl__out *o, const void *p, size_t n) {
  rl__out_flush(o);
  if (n > o->cap) { /* larger than the whole buffer: straight through */
    if (o->f)
      fwrite(p, 1, n, o->f);
    return;
  }
  memcpy(o->buf, p, n);
  o->len = n;
}

/* Two digits at a time: a finding carries five numbers. */
static const char digits2[] = "00010203040506070809101112131415161718192021222324"
                              "25262728293031323334353637383940414243444546474849"
                              "50515253545556575859606162636465666768697071727374"
                              "75767778798081828384858687888990919293949596979899";

void rl__out_u64(rl__out *o, uint64_t v) {
  char tmp[20];
  size_t i = sizeof tmp;
  while (v >= 100) {
    unsigned d = (unsigned)(v % 100) * 2;
    v /= 100;
    tmp[--i] = digits2[d + 1];
    tmp[--i] = digits2[d];
  }
  if (v >= 10) {
    tmp[--i] = digits2[v * 2 + 1];
    tmp[--i] = digits2[v * 2];
  } else {
    tmp[--i] = (char)('0' + v);
  }
  rl__out_mem(o, tmp + i, sizeof tmp - i);
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
  int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n < o->cap - o->len) {
    o->len += n > 0 ? (size_t)n : 0;
    return;
  }
  /* It did not fit: flush and format again, into the buffer if it fits now
   * (these are short summary lines), else straight to the FILE. */
  rl__out_flush(o);
  va_start(ap, fmt);
  if ((size_t)n < o->cap)
    o->len = (size_t)vsnprintf(o->buf, o->cap, fmt, ap);
  else if (o->f)
    vfprintf(o->f, fmt, ap);
  va_end(ap);
}
