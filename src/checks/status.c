/* Status-code built-ins: the IANA HTTP Status Code Registry and the common
 * unregistered codes whose vendor is known (the seeds' status-code
 * documents), so a finding can say whose convention a code follows. */
#include "checks/builtins.h"

#include <stdio.h>
#include <string.h>

/* https://www.iana.org/assignments/http-status-codes (2022 state). 306 and
 * 418 are registered as "(Unused)" and have their own rules. */
static const uint16_t registered[] = {
    100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
    300, 301, 302, 303, 304, 305, 306, 307, 308, 400, 401, 402, 403, 404,
    405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418,
    421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503,
    504, 505, 506, 507, 508, 510, 511};

static const struct {
  uint16_t code;
  const char *use;
} vendor[] = {
    {218, "Apache \"This is fine\""},
    {419, "Laravel \"Page Expired\""},
    {420, "Twitter \"Enhance Your Calm\" / Spring \"Method Failure\""},
    {440, "Microsoft IIS \"Login Time-out\""},
    {444, "nginx \"No Response\""},
    {449, "Microsoft IIS \"Retry With\""},
    {450, "Microsoft \"Blocked by Windows Parental Controls\""},
    {494, "nginx \"Request Header Too Large\""},
    {495, "nginx \"SSL Certificate Error\""},
    {496, "nginx \"SSL Certificate Required\""},
    {497, "nginx \"HTTP Request Sent to HTTPS Port\""},
    {498, "Esri \"Invalid Token\""},
    {499, "nginx \"Client Closed Request\""},
    {509, "Apache/cPanel \"Bandwidth Limit Exceeded\""},
    {520, "Cloudflare \"Web Server Returned an Unknown Error\""},
    {521, "Cloudflare \"Web Server Is Down\""},
    {522, "Cloudflare \"Connection Timed Out\""},
    {523, "Cloudflare \"Origin Is Unreachable\""},
    {524, "Cloudflare \"A Timeout Occurred\""},
    {525, "Cloudflare \"SSL Handshake Failed\""},
    {526, "Cloudflare \"Invalid SSL Certificate\""},
    {527, "Cloudflare \"Railgun Error\""},
    {530, "Cloudflare \"Site Frozen\" / origin DNS error"},
    {598, "informal \"Network Read Timeout Error\" (some proxies)"},
    {599, "informal \"Network Connect Timeout Error\" (some proxies)"},
};

int rl__chk_unregistered_status_code(const rl_exchange *x, const rl__env *env,
                      rl__match *m) {
  (void)env;
  int code = x->response->status_code;
  if (code < 100 || code > 599) return 0;
  for (size_t i = 0; i < sizeof registered / sizeof registered[0]; i++)
    if (registered[i] == code) return 0;
  const char *use = "no known vendor";
  for (size_t i = 0; i < sizeof vendor / sizeof vendor[0]; i++)
    if (vendor[i].code == code) use = vendor[i].use;
  snprintf(m->detail, sizeof m->detail, "%s", use);
  m->count = 1;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = rl__span_bytes(x->response, x->response->start_line,
                                 &m->evidence_len);
  }
  return 1;
}

/* --- status-line built-ins (SL) ------------------------------------------ */

static int is_sp_or_tab(uint8_t c) { return c == ' ' || c == '\t'; }
static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* The version word: the start line up to its first SP or HTAB. The message's
 * version span splits at SP only, so "HTTP/1.1\t200" would be one word there,
 * and that is SL002's fault, not SL001's. */
static size_t version_word(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n && !is_sp_or_tab(s[i])) i++;
  return i;
}

int rl__chk_invalid_http_version(const rl_exchange *x, const rl__env *env,
                                 rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  size_t n;
  const uint8_t *s = rl__span_bytes(r, r->start_line, &n);
  if (n == 0) return 0;
  size_t w = version_word(s, n);
  int ok = w == 8 && memcmp(s, "HTTP/", 5) == 0 && is_digit(s[5]) &&
           s[6] == '.' && is_digit(s[7]) && s[5] == '1';
  if (ok) return 0;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = s;
    m->evidence_len = w;
    m->offset = r->stream_offset + r->start_line.off;
  }
  char esc[96];
  rl__escape(esc, sizeof esc, s, w, 40);
  snprintf(m->detail, sizeof m->detail, "\"%s\"", esc);
  m->count = 1;
  return 1;
}

int rl__chk_status_code_not_three_digits(const rl_exchange *x,
                                         const rl__env *env, rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  size_t n;
  const uint8_t *s = rl__span_bytes(r, r->start_line, &n);
  size_t p = version_word(s, n);
  if (p >= n) return 0;
  const char *why = NULL;
  size_t q = p + 1;
  if (s[p] == '\t') {
    why = "HTAB before the code";
  } else if (q < n && is_sp_or_tab(s[q])) {
    why = "2 separators before the code";
    while (q < n && is_sp_or_tab(s[q])) q++;
  }
  size_t e = q;
  while (e < n && !is_sp_or_tab(s[e])) e++;
  int digits = e - q == 3 && is_digit(s[q]) && is_digit(s[q + 1]) &&
               is_digit(s[q + 2]);
  if (!why && !digits) why = "not 3 digits";
  if (!why) return 0;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = s + p;
    m->evidence_len = e - p;
    m->offset = r->stream_offset + r->start_line.off + p;
  }
  char esc[96];
  rl__escape(esc, sizeof esc, s + p, e - p, 40);
  snprintf(m->detail, sizeof m->detail, "\"%s\" (%s)", esc, why);
  m->count = 1;
  return 1;
}

int rl__chk_status_line_without_reason_space(const rl_exchange *x,
                                             const rl__env *env,
                                             rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  size_t n, sn;
  const uint8_t *line = rl__span_bytes(r, r->start_line, &n);
  const uint8_t *st = rl__span_bytes(r, r->status, &sn);
  if (sn != 3 || !is_digit(st[0]) || !is_digit(st[1]) || !is_digit(st[2]))
    return 0;
  if (r->status.off + r->status.len != r->start_line.off + r->start_line.len)
    return 0;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = line;
    m->evidence_len = n;
    m->offset = r->stream_offset + r->start_line.off;
  }
  m->count = 1;
  return 1;
}

int rl__chk_reason_phrase_has_ctl(const rl_exchange *x, const rl__env *env,
                                  rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  size_t n;
  const uint8_t *s = rl__span_bytes(r, r->reason, &n);
  uint64_t c = 0;
  size_t first = 0;
  for (size_t i = 0; i < n; i++)
    if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
      if (c++ == 0) first = i;
  if (!c) return 0;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = s;
    m->evidence_len = n;
    m->offset = r->stream_offset + r->reason.off;
  }
  snprintf(m->detail, sizeof m->detail, "\\x%02x at reason byte %zu", s[first],
           first);
  m->count = c;
  return 1;
}

/* Registered reason phrases (IANA registry, RFC 9110 names first) and the
 * spellings of earlier RFCs that servers still send. */
static const struct {
  uint16_t code;
  const char *phrase;
} phrases[] = {
    {100, "Continue"}, {101, "Switching Protocols"}, {102, "Processing"},
    {103, "Early Hints"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
    {203, "Non-Authoritative Information"}, {204, "No Content"},
    {205, "Reset Content"}, {206, "Partial Content"}, {207, "Multi-Status"},
    {208, "Already Reported"}, {226, "IM Used"}, {300, "Multiple Choices"},
    {301, "Moved Permanently"}, {302, "Found"}, {302, "Moved Temporarily"},
    {303, "See Other"}, {304, "Not Modified"}, {305, "Use Proxy"},
    {306, "Unused"}, {306, "Switch Proxy"}, {307, "Temporary Redirect"},
    {308, "Permanent Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
    {402, "Payment Required"}, {403, "Forbidden"}, {404, "Not Found"},
    {405, "Method Not Allowed"}, {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"}, {408, "Request Timeout"},
    {409, "Conflict"}, {410, "Gone"}, {411, "Length Required"},
    {412, "Precondition Failed"}, {413, "Content Too Large"},
    {413, "Request Entity Too Large"}, {413, "Payload Too Large"},
    {414, "URI Too Long"}, {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"}, {416, "Range Not Satisfiable"},
    {416, "Requested Range Not Satisfiable"}, {417, "Expectation Failed"},
    {418, "Unused"}, {421, "Misdirected Request"},
    {422, "Unprocessable Content"}, {422, "Unprocessable Entity"},
    {423, "Locked"}, {424, "Failed Dependency"}, {425, "Too Early"},
    {426, "Upgrade Required"}, {428, "Precondition Required"},
    {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"}, {500, "Internal Server Error"},
    {501, "Not Implemented"}, {502, "Bad Gateway"},
    {503, "Service Unavailable"}, {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"}, {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"}, {508, "Loop Detected"},
    {510, "Not Extended"}, {511, "Network Authentication Required"},
};

/* Compares ignoring ASCII case and treating runs of SP / HTAB as one SP. */
static int phrase_eq(const uint8_t *s, size_t n, const char *p) {
  size_t i = 0;
  while (i < n || *p) {
    if (i < n && is_sp_or_tab(s[i])) {
      if (*p != ' ') return 0;
      while (i < n && is_sp_or_tab(s[i])) i++;
      p++;
      continue;
    }
    if (i >= n || !*p) return 0;
    uint8_t a = s[i], b = (uint8_t)*p;
    if (a >= 'A' && a <= 'Z') a = (uint8_t)(a + 32);
    if (b >= 'A' && b <= 'Z') b = (uint8_t)(b + 32);
    if (a != b) return 0;
    i++;
    p++;
  }
  return 1;
}

int rl__chk_unusual_reason_phrase(const rl_exchange *x, const rl__env *env,
                                  rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  size_t n;
  const uint8_t *s = rl__span_bytes(r, r->reason, &n);
  while (n > 0 && is_sp_or_tab(s[0])) {
    s++;
    n--;
  }
  while (n > 0 && is_sp_or_tab(s[n - 1])) n--;
  if (n == 0) return 0;
  const char *first = NULL;
  for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++) {
    if (phrases[i].code != r->status_code) continue;
    if (phrase_eq(s, n, phrases[i].phrase)) return 0;
    if (!first) first = phrases[i].phrase;
  }
  if (!first) return 0;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = s;
    m->evidence_len = n;
    m->offset = r->stream_offset + r->reason.off;
  }
  snprintf(m->detail, sizeof m->detail, "\"%s\"", first);
  m->count = 1;
  return 1;
}

int rl__chk_version_changed_on_connection(const rl_exchange *x,
                                          const rl__env *env, rl__match *m) {
  const rl_message *r = x->response;
  if (!env || env->prev_version < 0 || !r->version.len || r->http_major > 9)
    return 0;
  int v = r->http_major * 16 + r->http_minor;
  if (v == env->prev_version) return 0;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = rl__span_bytes(r, r->version, &m->evidence_len);
    m->offset = r->stream_offset + r->version.off;
  }
  snprintf(m->detail, sizeof m->detail, "HTTP/%d.%d (response %u)",
           env->prev_version / 16, env->prev_version % 16, env->prev_index);
  m->count = 1;
  return 1;
}
