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

int rl__chk_range_length_mismatch(const rl_exchange *x, const rl__env *env,
                      rl__match *m) {
  (void)env;
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

/* --- framing built-ins (MF) ---------------------------------------------- */

static void line_evidence(rl__match *m, const rl_message *r, uint32_t line) {
  if (m->has_evidence) return;
  m->has_evidence = 1;
  m->evidence = rl__span_bytes(r, r->fields[line].line, &m->evidence_len);
  m->offset = r->stream_offset + r->fields[line].line.off;
}

struct cl_ctx {
  const rl_message *r;
  int have;
  uint64_t first;
  uint64_t other;
  uint32_t line;
};

static int cl_member(void *ctx, uint32_t line, const uint8_t *s, size_t n) {
  struct cl_ctx *c = ctx;
  uint64_t v;
  if (parse_u64(s, n, &v) != n) return 0; /* MF003 reports non-digits */
  if (!c->have) {
    c->have = 1;
    c->first = v;
    return 0;
  }
  if (v == c->first) return 0;
  c->other = v;
  c->line = line;
  return 1;
}

int rl__chk_conflicting_content_length(const rl_exchange *x,
                                       const rl__env *env, rl__match *m) {
  (void)env;
  struct cl_ctx c;
  memset(&c, 0, sizeof c);
  c.r = x->response;
  if (!rl__field_each_member_q(x->response, RL_FIELD_CONTENT_LENGTH, cl_member,
                               &c))
    return 0;
  line_evidence(m, x->response, c.line);
  snprintf(m->detail, sizeof m->detail, "%llu and %llu",
           (unsigned long long)c.first, (unsigned long long)c.other);
  m->count = 1;
  return 1;
}

struct te_ctx {
  uint32_t chunked;     /* members whose coding is chunked */
  uint32_t members;
  uint32_t second_line; /* line of the second chunked */
  uint32_t last_line;
  int last_is_chunked;
};

/* The coding name of a Transfer-Encoding member: the bytes before ';',
 * without trailing whitespace. */
static int te_member(void *ctx, uint32_t line, const uint8_t *s, size_t n) {
  struct te_ctx *t = ctx;
  size_t k = 0;
  while (k < n && s[k] != ';') k++;
  while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t')) k--;
  int ch = rl__eq_nocase(s, k, "chunked");
  t->members++;
  if (ch && ++t->chunked == 2) t->second_line = line;
  t->last_line = line;
  t->last_is_chunked = ch;
  return 0;
}

/* All Transfer-Encoding values joined with ", ", escaped, for {detail}. */
static void te_list(const rl_message *r, char *out, size_t cap) {
  size_t o = 0;
  out[0] = '\0';
  for (int i = rl__field_next(r, 0, RL_FIELD_TRANSFER_ENCODING, NULL, 0); i >= 0;
       i = rl__field_next(r, (uint32_t)i + 1, RL_FIELD_TRANSFER_ENCODING, NULL, 0)) {
    size_t n;
    const uint8_t *v = rl__span_bytes(r, r->fields[i].value, &n);
    char esc[96];
    rl__escape(esc, sizeof esc, v, n, 40);
    int w = snprintf(out + o, cap - o, "%s%s", o ? ", " : "", esc);
    if (w < 0 || (size_t)w >= cap - o) break;
    o += (size_t)w;
  }
}

int rl__chk_chunked_applied_twice(const rl_exchange *x, const rl__env *env,
                                  rl__match *m) {
  (void)env;
  struct te_ctx t;
  memset(&t, 0, sizeof t);
  rl__field_each_member_q(x->response, RL_FIELD_TRANSFER_ENCODING, te_member, &t);
  if (t.chunked < 2) return 0;
  line_evidence(m, x->response, t.second_line);
  char list[128];
  te_list(x->response, list, sizeof list);
  snprintf(m->detail, sizeof m->detail, "\"%s\"", list);
  m->count = t.chunked;
  return 1;
}

int rl__chk_chunked_not_final(const rl_exchange *x, const rl__env *env,
                              rl__match *m) {
  (void)env;
  struct te_ctx t;
  memset(&t, 0, sizeof t);
  rl__field_each_member_q(x->response, RL_FIELD_TRANSFER_ENCODING, te_member, &t);
  if (t.members == 0 || t.last_is_chunked) return 0;
  line_evidence(m, x->response, t.last_line);
  char list[128];
  te_list(x->response, list, sizeof list);
  snprintf(m->detail, sizeof m->detail, "\"%s\"", list);
  m->count = 1;
  return 1;
}

/* Fields a recipient needs before the content (RFC 9110 §6.5.1 categories,
 * RFC 9112 §6.1 and §7.1.2 for framing). */
static const struct {
  const char *name, *why;
} prohibited[] = {
    {"Transfer-Encoding", "a framing field"}, {"Content-Length", "a framing field"},
    {"Trailer", "a framing field"}, {"Connection", "a framing field"},
    {"Keep-Alive", "a framing field"}, {"Upgrade", "a framing field"},
    {"Proxy-Connection", "a framing field"}, {"TE", "a framing field"},
    {"Host", "a routing field"}, {"Expect", "a request modifier"},
    {"Range", "a request modifier"}, {"If-Match", "a request modifier"},
    {"If-None-Match", "a request modifier"},
    {"If-Modified-Since", "a request modifier"},
    {"If-Unmodified-Since", "a request modifier"},
    {"If-Range", "a request modifier"}, {"Max-Forwards", "a request modifier"},
    {"Authorization", "an authentication field"},
    {"Proxy-Authorization", "an authentication field"},
    {"WWW-Authenticate", "an authentication field"},
    {"Proxy-Authenticate", "an authentication field"},
    {"Authentication-Info", "an authentication field"},
    {"Proxy-Authentication-Info", "an authentication field"},
    {"Cookie", "an authentication field"}, {"Set-Cookie", "an authentication field"},
    {"Cache-Control", "response control data"}, {"Expires", "response control data"},
    {"Age", "response control data"}, {"Date", "response control data"},
    {"Location", "response control data"}, {"Retry-After", "response control data"},
    {"Vary", "response control data"}, {"Pragma", "response control data"},
    {"Warning", "response control data"},
    {"Content-Type", "content-format metadata"},
    {"Content-Encoding", "content-format metadata"},
    {"Content-Range", "content-format metadata"},
    {"Content-Language", "content-format metadata"},
    {"Content-Location", "content-format metadata"},
};

static const uint8_t *trailer_name(const rl_message *r, uint32_t i, size_t *n) {
  const uint8_t *s = rl__trailer_bytes(r, r->trailers[i].name, n);
  while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t')) (*n)--;
  return s;
}

static void trailer_evidence(rl__match *m, const rl_message *r, uint32_t i) {
  if (m->has_evidence) return;
  m->has_evidence = 1;
  m->evidence = rl__trailer_bytes(r, r->trailers[i].line, &m->evidence_len);
  m->offset = r->stream_offset;
}

int rl__chk_prohibited_trailer_field(const rl_exchange *x, const rl__env *env,
                                     rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  uint64_t count = 0;
  for (uint32_t i = 0; i < r->ntrailers; i++) {
    size_t n;
    const uint8_t *s = trailer_name(r, i, &n);
    for (size_t k = 0; k < sizeof prohibited / sizeof prohibited[0]; k++) {
      if (!rl__eq_nocase(s, n, prohibited[k].name)) continue;
      if (count++ == 0) {
        trailer_evidence(m, r, i);
        snprintf(m->detail, sizeof m->detail, "%s (%s)", prohibited[k].name,
                 prohibited[k].why);
      }
      break;
    }
  }
  m->count = count;
  return count > 0;
}

struct declared_ctx {
  const uint8_t *name;
  size_t n;
};

static int declared_member(void *ctx, uint32_t line, const uint8_t *s,
                           size_t n) {
  (void)line;
  const struct declared_ctx *d = ctx;
  if (n != d->n) return 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t a = s[i], b = d->name[i];
    if (a >= 'A' && a <= 'Z') a = (uint8_t)(a + 32);
    if (b >= 'A' && b <= 'Z') b = (uint8_t)(b + 32);
    if (a != b) return 0;
  }
  return 1;
}

int rl__chk_undeclared_trailer_field(const rl_exchange *x, const rl__env *env,
                                     rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  uint64_t count = 0;
  for (uint32_t i = 0; i < r->ntrailers; i++) {
    /* A line without a name is HF006's or HF015's, not an undeclared field. */
    if (r->trailers[i].flags & (RL_FL_NO_COLON | RL_FL_EMPTY_NAME)) continue;
    struct declared_ctx d;
    d.name = trailer_name(r, i, &d.n);
    if (d.n == 0) continue;
    if (rl__field_each_member_q(r, RL_FIELD_TRAILER, declared_member, &d))
      continue;
    if (count++ == 0) {
      trailer_evidence(m, r, i);
      rl__escape(m->detail, sizeof m->detail, d.name, d.n, 40);
    }
  }
  m->count = count;
  return count > 0;
}

int rl__chk_close_delimited_content(const rl_exchange *x, const rl__env *env,
                                    rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  if (r->framing != RL_FRAMING_CLOSE || r->content_bytes == 0) return 0;
  m->count = 1;
  return 1;
}
