/* Escaping for every output format.
 *
 * Wire bytes are hostile: a server can put ESC [ 2 J in a reason phrase or a
 * header value, and a report that printed it raw would clear the reader's
 * terminal (or worse). Text and XML therefore show only printable ASCII and
 * escape everything else as \xNN; JSON keeps valid UTF-8 (a parser decodes
 * it back) but escapes every control character, and bytes that are not
 * UTF-8 at all become \u00XX of the byte so the document stays valid.
 *
 * Nearly every byte a report writes needs no escape at all, so each writer
 * finds runs of plain bytes sixteen at a time (plain16) and copies them
 * whole; only the bytes that need an escape go one by one. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report/report_internal.h"

static const char hex[] = "0123456789abcdef";
static const char HEX[] = "0123456789ABCDEF"; /* RFC 3986 prefers upper case */

static inline uint64_t load8(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, sizeof w);
  return w;
}

/* --- sixteen bytes at a time ------------------------------------------------
 * With the compiler's vector types (GCC and Clang; SSE2 on x86-64, NEON on
 * ARM, plain words elsewhere) one comparison tests 16 bytes: a byte of the
 * result is all ones where the test holds. Compared as signed bytes, every
 * byte from 0x80 up is negative, so "below 0x20" takes the controls and all
 * non-ASCII bytes at once. */

typedef int8_t rl__v16 __attribute__((vector_size(16)));

/* Of the 16 bytes at p, how many come before the first that is not
 * printable ASCII (0x20..0x7e) or is a or b: 16 when none is. A writer
 * that has no second special byte passes the same one twice. */
static inline unsigned plain16(const uint8_t *p, int8_t a, int8_t b) {
  rl__v16 v;
  memcpy(&v, p, sizeof v);
  rl__v16 bad = (v < 0x20) | (v == 0x7f) | (v == a) | (v == b);
  uint64_t w[2];
  memcpy(w, &bad, sizeof w);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (w[0])
    return (unsigned)__builtin_ctzll(w[0]) / 8;
  return w[1] ? 8 + (unsigned)__builtin_ctzll(w[1]) / 8 : 16;
#else
  if (w[0])
    return (unsigned)__builtin_clzll(w[0]) / 8;
  return w[1] ? 8 + (unsigned)__builtin_clzll(w[1]) / 8 : 16;
#endif
}

/* plain16 over the last left (< 16) bytes of a string, read from a copy
 * padded with spaces (plain) so that nothing past the end is read; the
 * copy is left in t for a writer that stores 16 bytes at a time. Returns at
 * most left. */
static inline unsigned plain16_tail(uint8_t t[16], const uint8_t *p, size_t left, int8_t a,
                                    int8_t b) {
  memset(t, ' ', 16);
  memcpy(t, p, left);
  unsigned k = plain16(t, a, b);
  return k < left ? k : (unsigned)left;
}

/* The end of the run of plain bytes of p/n that starts at i. */
static inline size_t plain_end(const uint8_t *p, size_t n, size_t i, int8_t a, int8_t b) {
  while (n - i >= 16) {
    unsigned k = plain16(p + i, a, b);
    i += k;
    if (k < 16)
      return i;
  }
  if (i < n) {
    uint8_t t[16];
    i += plain16_tail(t, p + i, n - i, a, b);
  }
  return i;
}

static inline int print_byte(uint8_t b) { return b >= 0x20 && b < 0x7f; }
static inline int wire_plain(uint8_t b) { return print_byte(b) && b != '\\'; }

/* --- text ------------------------------------------------------------------ */

size_t rl__esc_byte(uint8_t b, char *out) {
  if (b == '\\') {
    memcpy(out, "\\\\", 3);
    return 2;
  }
  if (b >= 0x20 && b < 0x7f) {
    out[0] = (char)b;
    out[1] = '\0';
    return 1;
  }
  out[0] = '\\';
  out[1] = 'x';
  out[2] = hex[b >> 4];
  out[3] = hex[b & 15];
  out[4] = '\0';
  return 4;
}

static void put_hex_escape(rl__out *o, uint8_t b) {
  char tmp[4] = {'\\', 'x', hex[b >> 4], hex[b & 15]};
  rl__out_mem(o, tmp, sizeof tmp);
}

void rl__put_wire(rl__out *o, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t start = i;
    i = plain_end(p, n, i, '\\', '\\');
    rl__out_mem(o, p + start, i - start);
    if (i == n)
      break;
    if (p[i] == '\\')
      RL__OUT_LIT(o, "\\\\");
    else
      put_hex_escape(o, p[i]);
    i++;
  }
}

/* Returns 1 when s/n needed no escape. */
static int put_clean(rl__out *o, const char *s, size_t n) {
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0;
  int plain = 1;
  while (i < n) {
    size_t start = i;
    i = plain_end(p, n, i, 0x7f, 0x7f); /* no special byte besides the unprintable */
    rl__out_mem(o, p + start, i - start);
    if (i == n)
      break;
    put_hex_escape(o, p[i++]);
    plain = 0;
  }
  return plain;
}

void rl__out_clean(rl__out *o, const char *s) { put_clean(o, s, strlen(s)); }

void rl__out_clean_memo(rl__out *o, rl__plain_memo *m, const char *s) {
  size_t n = strlen(s);
  if (m && n == m->len && memcmp(s, m->text, n) == 0) {
    rl__out_mem(o, s, n);
    return;
  }
  if (put_clean(o, s, n) && m && n <= RL__MEMO_MAX) {
    memcpy(m->text, s, n);
    m->len = (uint32_t)n;
  }
}

/* The same to a FILE, for the CLI's messages on stderr. */
void rl__put_clean(FILE *f, const char *s) {
  char buf[1024];
  rl__out o;
  rl__out_init(&o, f, buf, sizeof buf);
  rl__out_clean(&o, s);
  rl__out_flush(&o);
}

/* --- JSON ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when p[0] does not start one. */
static size_t utf8_len(const uint8_t *p, size_t n) {
  uint8_t b = p[0];
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf)
    len = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    len = 3;
    if (b == 0xe0)
      lo = 0xa0; /* overlong */
    if (b == 0xed)
      hi = 0x9f; /* surrogates */
  } else if (b >= 0xf0 && b <= 0xf4) {
    len = 4;
    if (b == 0xf0)
      lo = 0x90; /* overlong */
    if (b == 0xf4)
      hi = 0x8f; /* above U+10FFFF */
  } else
    return 0;
  if (n < len || p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xbf)
      return 0;
  return len;
}

static char *fmt_u00(char *d, uint8_t b) {
  char tmp[6] = {'\\', 'u', '0', '0', hex[b >> 4], hex[b & 15]};
  return rl__fmt_mem(d, tmp, sizeof tmp);
}

/* One byte that is not plain, at p[*i], escaped at d (at most 6 bytes);
 * advances *i past the bytes it took. */
static char *json_special(char *d, const uint8_t *p, size_t n, size_t *i) {
  uint8_t b = p[*i];
  size_t k = 1;
  if (b == '"' || b == '\\') {
    *d++ = '\\';
    *d++ = (char)b;
  } else if (b == '\n') {
    d = RL__FMT_LIT(d, "\\n");
  } else if (b == '\r') {
    d = RL__FMT_LIT(d, "\\r");
  } else if (b == '\t') {
    d = RL__FMT_LIT(d, "\\t");
  } else if (b < 0x80) { /* the other controls and DEL */
    d = fmt_u00(d, b);
  } else {
    k = utf8_len(p + *i, n - *i);
    if (k == 2 && b == 0xc2 && p[*i + 1] < 0xa0) {
      /* C1 controls (U+0080..U+009F, CSI among them) are terminal
       * controls too: escape the code point. */
      d = fmt_u00(d, p[*i + 1]);
    } else if (k) {
      d = rl__fmt_mem(d, p + *i, k);
    } else {
      d = fmt_u00(d, b);
      k = 1;
    }
  }
  *i += k;
  return d;
}

/* The general case: a run at a time through the appends. */
static void put_json_slow(rl__out *o, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t start = i;
    i = plain_end(p, n, i, '"', '\\');
    rl__out_mem(o, p + start, i - start);
    if (i < n) {
      char tmp[8];
      rl__out_mem(o, tmp, (size_t)(json_special(tmp, p, n, &i) - tmp));
    }
  }
}

/* Plain bytes are stored straight into the reserved room 16 at a time,
 * without a bounds check or a memcpy call each: field values, messages and
 * paths are short, and the calls cost more than the bytes. A store may
 * reach up to 15 bytes past the plain ones (the next piece overwrites
 * them): RL__JSON_BOUND's room for a memo's copy covers that, since 6 bytes
 * are reserved for each byte still to come besides those 64. */
char *rl__fmt_json(char *d, const uint8_t *p, size_t n) {
  *d++ = '"';
  size_t i = 0;
  while (i < n) {
    unsigned k;
    if (n - i >= 16) {
      k = plain16(p + i, '"', '\\');
      memcpy(d, p + i, 16);
    } else {
      uint8_t t[16];
      k = plain16_tail(t, p + i, n - i, '"', '\\');
      memcpy(d, t, 16);
    }
    d += k;
    i += k;
    if (k < 16 && i < n)
      d = json_special(d, p, n, &i);
  }
  *d++ = '"';
  return d;
}

void rl__put_json(rl__out *o, const uint8_t *p, size_t n) {
  if (n < SIZE_MAX / 8 && o->cap - o->len >= RL__JSON_BOUND(n)) {
    rl__out_commit(o, rl__fmt_json(o->buf + o->len, p, n));
    return;
  }
  rl__out_ch(o, '"');
  put_json_slow(o, p, n);
  rl__out_ch(o, '"');
}

/* What the inline rl__fmt_json_memo leaves: no bytes, a memo hit too long
 * for the fixed-size copy, and escaping (a memo of up to RL__MEMO_COPY bytes
 * was compared there already). */
char *rl__fmt_json_memo_slow(rl__plain_memo *m, char *d, const uint8_t *p, size_t n) {
  if (n == 0) /* p may be NULL (no evidence): memcmp must not see it */
    return RL__FMT_LIT(d, "\"\"");
  if (m && n > RL__MEMO_COPY && n == m->len && memcmp(p, m->text, n) == 0) {
    *d = '"';
    memcpy(d + 1, m->text, n);
    d[n + 1] = '"';
    return d + n + 2;
  }
  char *start = d;
  d = rl__fmt_json(d, p, n);
  /* Every escape is longer than its byte: n + 2 means the bytes as they are. */
  if (m && n <= RL__MEMO_MAX && (size_t)(d - start) == n + 2) {
    memcpy(m->text, p, n);
    m->len = (uint32_t)n;
  }
  return d;
}

void rl__put_json_memo(rl__out *o, rl__plain_memo *m, const uint8_t *p, size_t n) {
  if (n < SIZE_MAX / 8 && o->cap - o->len >= RL__JSON_BOUND(n))
    rl__out_commit(o, rl__fmt_json_memo(m, o->buf + o->len, p, n));
  else
    rl__put_json(o, p, n);
}

void rl__put_json_str(rl__out *o, const char *s) {
  rl__put_json(o, (const uint8_t *)s, strlen(s));
}

/* --- XML and URIs (SARIF, JUnit: not per byte of a hot path) ---------------- */

static void put_xml_char(rl__out *o, char c) {
  switch (c) {
  case '&':
    RL__OUT_LIT(o, "&amp;");
    break;
  case '<':
    RL__OUT_LIT(o, "&lt;");
    break;
  case '>':
    RL__OUT_LIT(o, "&gt;");
    break;
  case '"':
    RL__OUT_LIT(o, "&quot;");
    break;
  case '\'':
    RL__OUT_LIT(o, "&apos;");
    break;
  default:
    rl__out_ch(o, c);
  }
}

static inline int xml_special(uint8_t b) {
  return b == '&' || b == '<' || b == '>' || b == '"' || b == '\'';
}

void rl__put_xml(rl__out *o, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t start = i;
    while (i < n && wire_plain(p[i]) && !xml_special(p[i]))
      i++;
    rl__out_mem(o, p + start, i - start);
    if (i == n)
      break;
    char tmp[5];
    size_t k = rl__esc_byte(p[i++], tmp);
    for (size_t j = 0; j < k; j++)
      put_xml_char(o, tmp[j]);
  }
}

void rl__put_xml_byte(rl__out *o, uint8_t c) {
  /* Not wire bytes, but a file name or message may hold anything; a
   * backslash stays single as in rl__out_clean. */
  if (c >= 0x20 && c < 0x7f)
    put_xml_char(o, (char)c);
  else
    put_hex_escape(o, c);
}

void rl__put_xml_text(rl__out *o, const char *s, size_t n, int keep_lf) {
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0;
  while (i < n) {
    size_t start = i;
    while (i < n && ((print_byte(p[i]) && !xml_special(p[i])) || (keep_lf && p[i] == '\n')))
      i++;
    rl__out_mem(o, p + start, i - start);
    if (i < n)
      rl__put_xml_byte(o, p[i++]);
  }
}

void rl__put_xml_str(rl__out *o, const char *s) { rl__put_xml_text(o, s, strlen(s), 0); }

void rl__put_uri(rl__out *o, const char *path) {
  if (path[0] == '/')
    RL__OUT_LIT(o, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    unsigned char c = *p;
    int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
               c == '~' || c == '/';
    if (keep) {
      rl__out_ch(o, (char)c);
    } else {
      char tmp[3] = {'%', HEX[c >> 4], HEX[c & 15]};
      rl__out_mem(o, tmp, sizeof tmp);
    }
  }
}

/* --- timestamps -------------------------------------------------------------- */

/* The date and time of a second ("2024-05-01T12:00:00"), or 0 when the
 * second cannot be converted. */
static size_t format_second(char *buf, size_t n, int64_t sec) {
  time_t t = (time_t)sec;
  struct tm tm;
  if (!gmtime_r(&t, &tm))
    return 0;
  return strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* Seconds from the epoch to the end of year 9999: their dates have
 * four-digit years, and gmtime_r converts every one of them. */
#define DAYS_EXACT_END 253402300800LL

/* The same from the report's cache of the day's date: POSIX time has 86400
 * seconds in every day, so the second's date is its day's date and the time
 * of day is the remainder, exactly what gmtime_r computes. strftime runs once
 * a day instead of once a second. */
static size_t format_second_cached(rl_report *r, char *buf, size_t n, int64_t sec) {
  if (sec < 0 || sec >= DAYS_EXACT_END)
    return format_second(buf, n, sec);
  int64_t day = sec / 86400;
  uint32_t tod = (uint32_t)(sec % 86400);
  if (!r->date_valid || r->date_day != day) {
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    r->date_len = gmtime_r(&t, &tm) ? strftime(r->date, sizeof r->date, "%Y-%m-%d", &tm) : 0;
    r->date_day = day;
    r->date_valid = 1;
  }
  if (!r->date_len)
    return format_second(buf, n, sec);
  char *d = rl__fmt_mem(buf, r->date, r->date_len);
  *d++ = 'T';
  d = rl__fmt_2digits(d, tod / 3600);
  *d++ = ':';
  d = rl__fmt_2digits(d, tod / 60 % 60);
  *d++ = ':';
  d = rl__fmt_2digits(d, tod % 60);
  return (size_t)(d - buf);
}

/* Microseconds as six digits: three pairs, no loop. */
static char *fmt_micros(char *d, uint32_t us) {
  if (us >= 1000000) /* not from a well-formed capture */
    return rl__fmt_padded(d, us, 6);
  d = rl__fmt_2digits(d, us / 10000);
  d = rl__fmt_2digits(d, us / 100 % 100);
  return rl__fmt_2digits(d, us % 100);
}

/* A capture's findings come many to the second: the date and time are
 * formatted once per second and only the fraction per finding. */
char *rl__fmt_ts(rl_report *r, char *d, rl_time ts) {
  if (!r->ts_valid || r->ts_sec != ts.sec) {
    r->ts_len = format_second_cached(r, r->ts_day, sizeof r->ts_day, ts.sec);
    r->ts_sec = ts.sec;
    r->ts_valid = 1;
  }
  if (!r->ts_len)
    return RL__FMT_LIT(d, "1970-01-01T00:00:00Z");
  memcpy(d, r->ts_day, sizeof r->ts_day); /* fixed size: a few moves; RL__TS_MAX has room */
  d += r->ts_len;
  *d++ = '.';
  if (ts.nsec % 1000 == 0)
    d = fmt_micros(d, ts.nsec / 1000);
  else
    d = rl__fmt_padded(d, ts.nsec, 9);
  *d++ = 'Z';
  return d;
}

void rl__put_ts(rl_report *r, rl__out *o, rl_time ts) {
  char tmp[RL__TS_MAX];
  rl__out_mem(o, tmp, (size_t)(rl__fmt_ts(r, tmp, ts) - tmp));
}

/* --- endpoints ---------------------------------------------------------------- */

/* One byte of an IPv4 address in decimal, without leading zeros. */
static char *fmt_octet(char *d, unsigned v) {
  if (v >= 100) {
    *d++ = (char)('0' + v / 100);
    return rl__fmt_2digits(d, v % 100);
  }
  if (v >= 10)
    return rl__fmt_2digits(d, v);
  *d++ = (char)('0' + v);
  return d;
}

/* "a.b.c.d:port", exactly as inet_ntop and "%s:%u" write it (buf has room
 * for the address and RL__U64_MAX). */
static size_t format_v4(const rl_endpoint *ep, char *buf) {
  char *d = fmt_octet(buf, ep->addr[0]);
  for (int i = 1; i < 4; i++) {
    *d++ = '.';
    d = fmt_octet(d, ep->addr[i]);
  }
  *d++ = ':';
  return (size_t)(rl__fmt_u64(d, ep->port) - buf);
}

static void format_endpoint(const rl_endpoint *ep, char *buf, size_t cap, uint8_t *len) {
  if (ep->ipver == 4) {
    *len = (uint8_t)format_v4(ep, buf);
  } else {
    rl_endpoint_format(ep, buf, cap);
    *len = (uint8_t)strlen(buf);
  }
}

static int same_endpoint(const rl_endpoint *a, const rl_endpoint *b) {
  return a->port == b->port && a->ipver == b->ipver && load8(a->addr) == load8(b->addr) &&
         load8(a->addr + 8) == load8(b->addr + 8);
}

/* A connection's findings repeat its endpoints: a small cache keyed by the
 * endpoints' values (so a reused rl_conn or the next input cannot see stale
 * text) saves formatting them on all but the first; IPv6 addresses take
 * inet_ntop, whose zero-run compression is not worth repeating here. Two
 * ways per set, since servers interleave their connections round-robin and
 * a direct-mapped cache lost a quarter of them to collisions on (a). */
static int ep_holds(const rl__ep_slot *s, const rl_conn *c) {
  return s->used && same_endpoint(&s->client, &c->client) &&
         same_endpoint(&s->server, &c->server);
}

static rl__ep_slot *ep_lookup(rl_report *r, const rl_conn *c) {
  uint32_t key = ((uint32_t)c->client.port << 16 | c->server.port) ^
                 (uint32_t)c->client.addr[15] << 8 ^ c->client.addr[3];
  uint32_t set = (key * 2654435769u) >> (32 - RL__EP_SET_BITS); /* Fibonacci hashing */
  rl__ep_slot *way = &r->ep[set * 2];
  for (int k = 0; k < 2; k++) {
    rl__ep_slot *s = &way[k];
    if (ep_holds(s, c)) {
      r->ep_last[set] = (uint8_t)k;
      return s;
    }
  }
  int k = !r->ep_last[set]; /* replace the way used less recently */
  rl__ep_slot *s = &way[k];
  r->ep_last[set] = (uint8_t)k;
  s->client = c->client;
  s->server = c->server;
  format_endpoint(&c->client, s->ctext, sizeof s->ctext, &s->clen);
  format_endpoint(&c->server, s->stext, sizeof s->stext, &s->slen);
  s->used = 1;
  s->conn_fn = NULL;
  return s;
}

/* The slot returned last is tried first: a response's findings come one
 * after the other, all with its connection's endpoints. It is also the
 * way its set used last, so taking it leaves the set's order as it is. */
static rl__ep_slot *ep_slot(rl_report *r, const rl_conn *c) {
  rl__ep_slot *s = r->ep_recent;
  if (!s || !ep_holds(s, c))
    s = r->ep_recent = ep_lookup(r, c);
  return s;
}

const rl__ep_slot *rl__endpoints(rl_report *r, const rl_conn *c) { return ep_slot(r, c); }

const char *rl__conn_text(rl_report *r, const rl_conn *c, rl__conn_fn *build, size_t *len) {
  rl__ep_slot *s = ep_slot(r, c);
  if (s->conn_fn != build || s->conn_stream != c->stream) {
    s->conn_len = build(s->conn, c->stream, s);
    s->conn_fn = build;
    s->conn_stream = c->stream;
  }
  *len = s->conn_len;
  return s->conn;
}
