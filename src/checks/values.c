/* Named grammars for field values (RFC 9110 §5.6 and the field sections),
 * and the built-ins that judge one field's members. Each grammar matches the
 * whole value or nothing; values are bytes, never NUL-terminated strings. */
#include "checks/builtins.h"

#include <stdio.h>
#include <string.h>

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static int is_alpha(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

int rl__gr_token(const uint8_t *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (!rl__is_tchar(s[i])) return 0;
  return 1;
}

/* 1#token: empty list elements are tolerated as RFC 9110 §5.6.1.2 asks of
 * recipients, but at least one token must be present. */
int rl__gr_token_list(const uint8_t *s, size_t n) {
  size_t i = 0, tokens = 0;
  while (i <= n) {
    while (i < n && is_ows(s[i])) i++;
    size_t a = i;
    while (i < n && rl__is_tchar(s[i])) i++;
    if (i > a) tokens++;
    while (i < n && is_ows(s[i])) i++;
    if (i == n) break;
    if (s[i] != ',') return 0;
    i++;
  }
  return tokens > 0;
}

int rl__gr_digits(const uint8_t *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (!is_digit(s[i])) return 0;
  return 1;
}

/* Day and month names by their three bytes as one number: a switch on it
 * is one comparison tree instead of a dozen string compares, and every date
 * judged goes through here several times. */
#define KEY3(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))

static uint32_t key3(const uint8_t *s) { return KEY3(s[0], s[1], s[2]); }

/* True when s starts with a day-name ("Mon" .. "Sun"). */
static int is_day_name(const uint8_t *s) {
  switch (key3(s)) {
  case KEY3('M', 'o', 'n'): case KEY3('T', 'u', 'e'): case KEY3('W', 'e', 'd'):
  case KEY3('T', 'h', 'u'): case KEY3('F', 'r', 'i'): case KEY3('S', 'a', 't'):
  case KEY3('S', 'u', 'n'):
    return 1;
  default:
    return 0;
  }
}

/* The month (1..12) whose name s starts with, or 0. */
static int month_of(const uint8_t *s) {
  switch (key3(s)) {
  case KEY3('J', 'a', 'n'): return 1;
  case KEY3('F', 'e', 'b'): return 2;
  case KEY3('M', 'a', 'r'): return 3;
  case KEY3('A', 'p', 'r'): return 4;
  case KEY3('M', 'a', 'y'): return 5;
  case KEY3('J', 'u', 'n'): return 6;
  case KEY3('J', 'u', 'l'): return 7;
  case KEY3('A', 'u', 'g'): return 8;
  case KEY3('S', 'e', 'p'): return 9;
  case KEY3('O', 'c', 't'): return 10;
  case KEY3('N', 'o', 'v'): return 11;
  case KEY3('D', 'e', 'c'): return 12;
  default: return 0;
  }
}

static const char *const day_names_l[] = {"Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday",
                                          "Sunday"};

/* Matches a picture: 'D' digit, '@' month name (3 bytes), anything else
 * literal. */
static int picture(const uint8_t *s, size_t n, const char *pic) {
  size_t i = 0;
  for (const char *p = pic; *p; p++) {
    if (*p == '@') {
      if (i + 3 > n || !month_of(s + i)) return 0;
      i += 3;
      continue;
    }
    if (i >= n) return 0;
    if (*p == 'D' ? !is_digit(s[i]) : s[i] != (uint8_t)*p) return 0;
    i++;
  }
  return i == n;
}

static int time_ok(const uint8_t *t) {
  int h = (t[0] - '0') * 10 + (t[1] - '0');
  int m = (t[3] - '0') * 10 + (t[4] - '0');
  int sec = (t[6] - '0') * 10 + (t[7] - '0');
  return h < 24 && m < 60 && sec <= 60;
}

/* IMF-fixdate, RFC 9110 §5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT". Its
 * fixed length puts every part at a known place, so it is checked by
 * position: what picture(s + 3, 26, ", DD @ DDDD DD:DD:DD GMT") accepts, at
 * a third of the cost (FV004 parses the Date of every response, memo hits
 * included). */
int rl__gr_imf_fixdate(const uint8_t *s, size_t n) {
  static const uint8_t digit_at[] = {5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24};
  if (n != 29 || !is_day_name(s)) return 0;
  for (size_t i = 0; i < sizeof digit_at; i++)
    if (!is_digit(s[digit_at[i]])) return 0;
  return s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' &&
         s[16] == ' ' && s[19] == ':' && s[22] == ':' &&
         memcmp(s + 25, " GMT", 4) == 0 && month_of(s + 8) &&
         time_ok(s + 17);
}

int rl__gr_http_date(const uint8_t *s, size_t n) {
  if (rl__gr_imf_fixdate(s, n)) return 1;
  /* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
  for (size_t d = 0; d < 7; d++) {
    size_t l = strlen(day_names_l[d]);
    if (n > l && memcmp(s, day_names_l[d], l) == 0)
      return picture(s + l, n - l, ", DD-@-DD DD:DD:DD GMT");
  }
  /* asctime-date: "Sun Nov  6 08:49:37 1994" */
  if (n == 24 && is_day_name(s) && picture(s + 3, 5, " @ ") &&
      (is_digit(s[8]) || s[8] == ' ') && is_digit(s[9]))
    return picture(s + 10, n - 10, " DD:DD:DD DDDD");
  return 0;
}

/* entity-tag = [ weak ] opaque-tag, RFC 9110 §8.8.3; returns its length. */
static size_t entity_tag_len(const uint8_t *s, size_t n) {
  size_t i = 0;
  if (n >= 2 && s[0] == 'W' && s[1] == '/') i = 2;
  if (i >= n || s[i] != '"') return 0;
  for (i++; i < n; i++) {
    if (s[i] == '"') return i + 1;
    if (!(s[i] == 0x21 || (s[i] >= 0x23 && s[i] != 0x7f))) return 0;
  }
  return 0;
}

int rl__gr_entity_tag(const uint8_t *s, size_t n) {
  return n > 0 && entity_tag_len(s, n) == n;
}

int rl__gr_entity_tag_list(const uint8_t *s, size_t n) {
  if (n == 1 && s[0] == '*') return 1;
  size_t i = 0, tags = 0;
  while (i < n) {
    /* Empty list elements are tolerated, as RFC 9110 §5.6.1.2 asks. */
    while (i < n && (is_ows(s[i]) || s[i] == ',')) i++;
    if (i == n) break;
    size_t l = entity_tag_len(s + i, n - i);
    if (l == 0) return 0;
    tags++;
    i += l;
    while (i < n && is_ows(s[i])) i++;
    if (i < n && s[i] != ',') return 0;
  }
  return tags > 0;
}

static size_t token_len(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n && rl__is_tchar(s[i])) i++;
  return i;
}

/* quoted-string, RFC 9110 §5.6.4; returns its length or 0. */
static size_t quoted_len(const uint8_t *s, size_t n) {
  if (n == 0 || s[0] != '"') return 0;
  for (size_t i = 1; i < n; i++) {
    if (s[i] == '"') return i + 1;
    if (s[i] == '\\') {
      if (++i >= n) return 0;
      continue;
    }
    if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) return 0;
  }
  return 0;
}

/* media-type = type "/" subtype parameters, RFC 9110 §8.3.1 and §5.6.6. */
int rl__gr_media_type(const uint8_t *s, size_t n) {
  size_t i = token_len(s, n);
  if (i == 0 || i >= n || s[i] != '/') return 0;
  size_t t = token_len(s + i + 1, n - i - 1);
  if (t == 0) return 0;
  i += 1 + t;
  while (i < n) {
    while (i < n && is_ows(s[i])) i++;
    if (i == n) return 1;
    if (s[i] != ';') return 0;
    i++;
    while (i < n && is_ows(s[i])) i++;
    if (i == n || s[i] == ';') continue;
    size_t k = token_len(s + i, n - i);
    if (k == 0 || i + k >= n || s[i + k] != '=') return 0;
    i += k + 1;
    size_t v = token_len(s + i, n - i);
    if (v == 0) v = quoted_len(s + i, n - i);
    if (v == 0) return 0;
    i += v;
  }
  return 1;
}

/* Parses 1*DIGIT into *v; returns the digits consumed, 0 on none or
 * overflow. */
static size_t parse_u64(const uint8_t *s, size_t n, uint64_t *v) {
  size_t i = 0;
  *v = 0;
  while (i < n && is_digit(s[i])) {
    if (*v > (UINT64_MAX - 9) / 10) return 0;
    *v = *v * 10 + (uint64_t)(s[i] - '0');
    i++;
  }
  return i;
}

int rl__gr_content_range(const uint8_t *s, size_t n) {
  if (n < 6 || memcmp(s, "bytes ", 6) != 0) {
    /* other-range-resp: a unit we do not know, then any CHARs. */
    size_t u = token_len(s, n);
    return u > 0 && u < n && s[u] == ' ' && !rl__eq_nocase(s, u, "bytes");
  }
  s += 6;
  n -= 6;
  uint64_t first, last, len;
  size_t k;
  if (n >= 2 && s[0] == '*' && s[1] == '/')
    return (k = parse_u64(s + 2, n - 2, &len)) > 0 && k == n - 2;
  if ((k = parse_u64(s, n, &first)) == 0 || k >= n || s[k] != '-') return 0;
  s += k + 1;
  n -= k + 1;
  if ((k = parse_u64(s, n, &last)) == 0 || k >= n || s[k] != '/') return 0;
  s += k + 1;
  n -= k + 1;
  if (last < first) return 0;
  if (n == 1 && s[0] == '*') return 1;
  if ((k = parse_u64(s, n, &len)) == 0 || k != n) return 0;
  return len > last;
}

int rl__gr_uri_reference(const uint8_t *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] <= 0x20 || s[i] >= 0x7f || strchr("<>\"{}|\\^`", s[i]))
      return 0;
  return 1;
}

struct method_ctx {
  const uint8_t *method;
  size_t len;
};

static int member_is_method(void *ctx, const uint8_t *s, size_t n) {
  const struct method_ctx *mc = ctx;
  return n == mc->len && memcmp(s, mc->method, n) == 0;
}

/* Methods are case-sensitive (RFC 9110 §9.1), so the comparison is exact. */
int rl__chk_allow_lists_request_method(const rl_exchange *x, const rl__env *env,
                      rl__match *m) {
  (void)env;
  if (!x->request) return 0;
  struct method_ctx mc;
  mc.method = rl__span_bytes(x->request, x->request->method, &mc.len);
  if (mc.len == 0) return 0;
  if (!rl__field_each_member(x->response, RL_FIELD_ALLOW, member_is_method,
                             &mc))
    return 0;
  int i = rl__field_next(x->response, 0, RL_FIELD_ALLOW, NULL, 0);
  if (i >= 0 && !m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = rl__span_bytes(x->response, x->response->fields[i].line,
                                 &m->evidence_len);
  }
  rl__escape(m->detail, sizeof m->detail, mc.method, mc.len, 40);
  m->count = 1;
  return 1;
}

/* --- dates (RFC 9110 §5.6.7) ---------------------------------------------- */

static int num2(const uint8_t *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int mo, int d) {
  y -= mo <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int64_t year_of(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  return yoe + era * 400 + (mp >= 10);
}

int rl__http_date_parse(const uint8_t *s, size_t n, int64_t ref, int64_t *out) {
  if (!rl__gr_http_date(s, n)) return -1;
  int64_t y;
  int mo, d;
  const uint8_t *t;
  if (n == 29 && s[3] == ',') { /* IMF-fixdate */
    d = num2(s + 5);
    mo = month_of(s + 8);
    y = num2(s + 12) * 100 + num2(s + 14);
    t = s + 17;
  } else if (n == 24 && s[3] == ' ') { /* asctime-date */
    mo = month_of(s + 4);
    d = (s[8] == ' ' ? 0 : (s[8] - '0') * 10) + (s[9] - '0');
    y = num2(s + 20) * 100 + num2(s + 22);
    t = s + 11;
  } else { /* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
    const uint8_t *c = memchr(s, ',', n);
    if (!c) return -1;
    const uint8_t *p = c + 2;
    d = num2(p);
    mo = month_of(p + 3);
    int yy = num2(p + 7);
    t = p + 10;
    if (ref) {
      int64_t ry = year_of(ref);
      y = (ry / 100) * 100 + yy;
      if (y > ry + 50) y -= 100;
    } else {
      y = yy >= 70 ? 1900 + yy : 2000 + yy;
    }
  }
  if (mo == 0 || d < 1 || d > 31) return -1;
  *out = days_from_civil(y, mo, d) * 86400 + num2(t) * 3600 + num2(t + 3) * 60 +
         num2(t + 6);
  return 0;
}

static int first_date(const rl_message *r, rl_field_id id, int64_t ref,
                      int64_t *t, int *line) {
  int i = rl__field_next(r, 0, id, NULL, 0);
  if (i < 0) return -1;
  size_t n;
  const uint8_t *v = rl__span_bytes(r, r->fields[i].value, &n);
  *line = i;
  return rl__http_date_parse(v, n, ref, t);
}

static void field_evidence(rl__match *m, const rl_message *r, int line) {
  if (m->has_evidence) return;
  m->has_evidence = 1;
  m->evidence = rl__span_bytes(r, r->fields[line].line, &m->evidence_len);
  m->offset = r->stream_offset + r->fields[line].line.off;
}

int rl__chk_date_skew(const rl_exchange *x, const rl__env *env, rl__match *m) {
  const rl_message *r = x->response;
  rl_time ts = r->first.ts;
  if (!env || !env->date_skew_s || (ts.sec == 0 && ts.nsec == 0)) return 0;
  /* Exactly one Date line: the first, and none after it. */
  int line = rl__field_next(r, 0, RL_FIELD_DATE, NULL, 0);
  if (line < 0 || rl__field_next(r, (uint32_t)line + 1, RL_FIELD_DATE, NULL, 0) >= 0)
    return 0;
  int64_t d;
  size_t n;
  const uint8_t *v = rl__span_bytes(r, r->fields[line].value, &n);
  if (rl__http_date_parse(v, n, ts.sec, &d) != 0) return 0;
  int64_t diff = d - ts.sec;
  uint64_t mag = (uint64_t)(diff < 0 ? -diff : diff);
  if (mag <= env->date_skew_s) return 0;
  field_evidence(m, r, line);
  /* "%llu s ahead" by hand: on a capture replayed long after it was made,
   * this fires on every response, and snprintf was most of its cost. */
  char digits[24];
  size_t k = sizeof digits;
  do {
    digits[--k] = (char)('0' + mag % 10);
    mag /= 10;
  } while (mag);
  size_t nd = sizeof digits - k;
  memcpy(m->detail, digits + k, nd);
  const char *tail = diff > 0 ? " s ahead" : " s behind";
  memcpy(m->detail + nd, tail, strlen(tail) + 1);
  m->count = 1;
  return 1;
}

int rl__chk_last_modified_after_date(const rl_exchange *x, const rl__env *env,
                                     rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  int64_t d, lm;
  int dl, ll;
  if (first_date(r, RL_FIELD_DATE, 0, &d, &dl) != 0) return 0;
  if (first_date(r, RL_FIELD_LAST_MODIFIED, d, &lm, &ll) != 0) return 0;
  if (lm <= d) return 0;
  field_evidence(m, r, ll);
  snprintf(m->detail, sizeof m->detail, "%lld s", (long long)(lm - d));
  m->count = 1;
  return 1;
}

/* --- authentication challenges (RFC 9110 §11) ----------------------------- */

static size_t skip_ows(const uint8_t *s, size_t n, size_t i) {
  while (i < n && is_ows(s[i])) i++;
  return i;
}

/* auth-param = token BWS "=" BWS ( token / quoted-string ), the whole of
 * s; the name's length goes to *name_len. */
static int is_auth_param(const uint8_t *s, size_t n, size_t *name_len) {
  size_t k = token_len(s, n);
  if (k == 0) return 0;
  size_t i = skip_ows(s, n, k);
  if (i >= n || s[i] != '=') return 0;
  i = skip_ows(s, n, i + 1);
  size_t v = token_len(s + i, n - i);
  if (v == 0) v = quoted_len(s + i, n - i);
  if (v == 0 || i + v != n) return 0;
  *name_len = k;
  return 1;
}

static int is_token68(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n && (is_alpha(s[i]) || is_digit(s[i]) || strchr("-._~+/", s[i])))
    i++;
  if (i == 0) return 0;
  while (i < n && s[i] == '=') i++;
  return i == n;
}

struct chal_ctx {
  const rl_message *r;
  int line;           /* line of the current challenge, -1 before one */
  const uint8_t *scheme;
  size_t scheme_len;
  const uint8_t *names[16];
  size_t name_lens[16];
  size_t nnames;
  char detail[160];
  uint32_t bad_line;
};

static int add_param(struct chal_ctx *c, const uint8_t *s, size_t k,
                     uint32_t line) {
  for (size_t i = 0; i < c->nnames; i++)
    if (c->name_lens[i] == k) {
      int same = 1;
      for (size_t j = 0; j < k; j++) {
        uint8_t a = s[j], b = c->names[i][j];
        if (a >= 'A' && a <= 'Z') a = (uint8_t)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (uint8_t)(b + 32);
        if (a != b) same = 0;
      }
      if (same) {
        char nm[48], sc[48];
        rl__escape(nm, sizeof nm, s, k, 40);
        rl__escape(sc, sizeof sc, c->scheme, c->scheme_len, 40);
        snprintf(c->detail, sizeof c->detail,
                 "parameter \"%s\" repeated in the %s challenge", nm, sc);
        c->bad_line = line;
        return 1;
      }
    }
  if (c->nnames < 16) {
    c->names[c->nnames] = s;
    c->name_lens[c->nnames++] = k;
  }
  return 0;
}

static int chal_member(void *ctx, uint32_t line, const uint8_t *s, size_t n) {
  struct chal_ctx *c = ctx;
  size_t k;
  /* Each field line is its own list: a parameter cannot continue the
   * previous line's challenge. */
  if (c->line >= 0 && (int)line != c->line) c->line = -1;
  if (is_auth_param(s, n, &k)) {
    if (c->line < 0) {
      char esc[96];
      rl__escape(esc, sizeof esc, s, n, 40);
      snprintf(c->detail, sizeof c->detail,
               "parameter \"%s\" before any auth-scheme", esc);
      c->bad_line = line;
      return 1;
    }
    return add_param(c, s, k, line);
  }
  size_t t = token_len(s, n);
  size_t i = t;
  int ok = t > 0;
  if (ok && i < n) {
    if (s[i] != ' ') {
      ok = 0;
    } else {
      while (i < n && s[i] == ' ') i++;
      size_t pk;
      if (is_auth_param(s + i, n - i, &pk)) {
        c->line = (int)line;
        c->scheme = s;
        c->scheme_len = t;
        c->nnames = 0;
        return add_param(c, s + i, pk, line);
      }
      ok = is_token68(s + i, n - i);
    }
  }
  if (!ok) {
    char esc[96];
    rl__escape(esc, sizeof esc, s, n, 40);
    snprintf(c->detail, sizeof c->detail, "cannot parse \"%s\"", esc);
    c->bad_line = line;
    return 1;
  }
  c->line = (int)line;
  c->scheme = s;
  c->scheme_len = t;
  c->nnames = 0;
  return 0;
}

int rl__chk_invalid_challenge(const rl_exchange *x, const rl__env *env,
                              rl__match *m) {
  (void)env;
  static const rl_field_id ids[] = {RL_FIELD_WWW_AUTHENTICATE,
                                    RL_FIELD_PROXY_AUTHENTICATE};
  for (size_t f = 0; f < 2; f++) {
    struct chal_ctx c;
    memset(&c, 0, sizeof c);
    c.r = x->response;
    c.line = -1;
    if (!rl__field_each_member_q(x->response, ids[f], chal_member, &c)) continue;
    field_evidence(m, x->response, (int)c.bad_line);
    snprintf(m->detail, sizeof m->detail, "%s", c.detail);
    m->count = 1;
    return 1;
  }
  return 0;
}
