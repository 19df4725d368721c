/* Named grammars for field values (RFC 9110 §5.6 and the field sections),
 * and the built-ins that judge one field's members. Each grammar matches the
 * whole value or nothing; values are bytes, never NUL-terminated strings. */
#include "checks/builtins.h"

#include <string.h>

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static int is_alpha(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

/* tchar, RFC 9110 §5.6.2. */
static int is_tchar(uint8_t c) {
  return is_alpha(c) || is_digit(c) ||
         (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int rl__gr_token(const uint8_t *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (!is_tchar(s[i])) return 0;
  return 1;
}

/* 1#token: empty list elements are tolerated as RFC 9110 §5.6.1.2 asks of
 * recipients, but at least one token must be present. */
int rl__gr_token_list(const uint8_t *s, size_t n) {
  size_t i = 0, tokens = 0;
  while (i <= n) {
    while (i < n && is_ows(s[i])) i++;
    size_t a = i;
    while (i < n && is_tchar(s[i])) i++;
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

static int match_word(const uint8_t *s, const char *const *words, size_t w,
                      size_t len) {
  for (size_t i = 0; i < w; i++)
    if (strlen(words[i]) == len && memcmp(s, words[i], len) == 0) return 1;
  return 0;
}

static const char *const day_names[] = {"Mon", "Tue", "Wed", "Thu",
                                        "Fri", "Sat", "Sun"};
static const char *const day_names_l[] = {"Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday",
                                          "Sunday"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Matches a picture: 'D' digit, '@' month name (3 bytes), anything else
 * literal. */
static int picture(const uint8_t *s, size_t n, const char *pic) {
  size_t i = 0;
  for (const char *p = pic; *p; p++) {
    if (*p == '@') {
      if (i + 3 > n || !match_word(s + i, months, 12, 3)) return 0;
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

/* IMF-fixdate, RFC 9110 §5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT". */
int rl__gr_imf_fixdate(const uint8_t *s, size_t n) {
  if (n != 29 || !match_word(s, day_names, 7, 3)) return 0;
  return picture(s + 3, n - 3, ", DD @ DDDD DD:DD:DD GMT") && time_ok(s + 17);
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
  if (n == 24 && match_word(s, day_names, 7, 3) && picture(s + 3, 5, " @ ") &&
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
  while (i < n && is_tchar(s[i])) i++;
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
int rl__chk_allow_lists_request_method(const rl_exchange *x, rl__match *m) {
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
