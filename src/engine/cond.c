/* Condition evaluation, message templates and check descriptions.
 *
 * Evaluation reads the exchange only; the one buffer it needs (regexec wants
 * a C string) is the engine's scratch space, grown rarely and reused, so
 * judging a response does not allocate.
 */
#include "engine/rule.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void take_evidence(rl__match *m, const rl_message *msg,
                          const rl_field *f) {
  if (m->has_evidence) return;
  m->has_evidence = 1;
  m->evidence = rl__span_bytes(msg, f->line, &m->evidence_len);
  m->offset = msg->stream_offset + f->line.off;
}

static const char *cstr(rl__scratch *sc, const uint8_t *s, size_t n) {
  if (n + 1 > sc->cap) {
    size_t cap = sc->cap ? sc->cap : 256;
    while (cap < n + 1) cap *= 2;
    char *b = realloc(sc->buf, cap);
    if (!b) return NULL;
    sc->buf = b;
    sc->cap = cap;
  }
  memcpy(sc->buf, s, n);
  sc->buf[n] = '\0';
  return sc->buf;
}

/* Regex and grammar verdicts on recent short values, direct-mapped by a hash
 * of the condition and the value. Servers repeat themselves (every nginx 200
 * says "text/plain", "keep-alive", the same Date for a second), and regexec
 * costs a microsecond where a hit costs a hash and a memcmp. A verdict is a
 * pure function of the compiled regex or grammar and the bytes, so a hit is
 * exact. */
#define RL__MEMO_SLOTS 1024
#define RL__MEMO_VAL 54

struct rl__memo {
  const rl__cond *c;
  uint8_t len;
  uint8_t verdict;
  uint8_t val[RL__MEMO_VAL];
};

static rl__memo *memo_slot(rl__scratch *sc, const rl__cond *c,
                           const uint8_t *v, size_t n) {
  if (n > RL__MEMO_VAL) return NULL;
  if (!sc->memo && !(sc->memo = calloc(RL__MEMO_SLOTS, sizeof *sc->memo)))
    return NULL;
  /* The length, the first and the last eight bytes pick the slot (a
   * collision only costs a miss: a hit compares every byte). */
  uint64_t a = 0, b = 0;
  memcpy(&a, v, n < 8 ? n : 8);
  if (n > 8) memcpy(&b, v + n - 8, 8);
  uint64_t h = ((uint64_t)(uintptr_t)c ^ (uint64_t)n) * 0x9E3779B97F4A7C15ull;
  h = (h ^ a) * 0xC2B2AE3D27D4EB4Full;
  h = (h ^ b) * 0x9E3779B97F4A7C15ull;
  return &sc->memo[(h >> 40) % RL__MEMO_SLOTS];
}

/* --- a literal the regex requires ------------------------------------------
 * Most values a record's regex sees do not match it, and most of those lack
 * some plain text the regex spells out ("day, " in an rfc850 date, "text/" at
 * the start of a Content-Type). Looking for that text first answers "no"
 * without regexec. The analysis is deliberately narrow: a top-level
 * concatenation (no top-level '|'), where a run of plain characters outside
 * brackets and groups, none of them quantified, must appear in every match.
 * Anything it does not understand gives no literal, and regexec decides. */

static int re_plain(char ch) {
  return ch && !strchr("^$.[]()|*+?{}\\", ch);
}

static int re_quantifier(char ch) { return ch && strchr("*+?{", ch) != NULL; }

/* The end of the bracket expression opening at p, or NULL when it holds a
 * nested class ("[[:space:]]") this reader does not follow. */
static const char *re_bracket_end(const char *p) {
  const char *q = p + 1;
  if (*q == '^') q++;
  if (*q == ']') q++;
  for (; *q && *q != ']'; q++)
    if (*q == '[') return NULL;
  return *q ? q : NULL;
}

/* The end of the group opening at p, or NULL. */
static const char *re_group_end(const char *p) {
  int depth = 0;
  for (const char *q = p; *q; q++) {
    if (*q == '\\') {
      if (!*++q) return NULL;
    } else if (*q == '[') {
      if (!(q = re_bracket_end(q))) return NULL;
    } else if (*q == '(') {
      depth++;
    } else if (*q == ')' && --depth == 0) {
      return q;
    }
  }
  return NULL;
}

static void keep_run(rl__cond *c, const char *run, size_t n, int prefix) {
  if (n > sizeof c->re_lit) n = sizeof c->re_lit; /* a prefix is required too */
  if (c->re_lit_prefix || n <= c->re_lit_len) return;
  memcpy(c->re_lit, run, n);
  c->re_lit_len = (uint8_t)n;
  c->re_lit_prefix = (uint8_t)prefix;
}

static void regex_literal(rl__cond *c) {
  c->re_lit_len = c->re_lit_prefix = c->re_lit_exact = 0;
  const char *s = c->re_src, *run = NULL;
  if (!s) return;
  for (const char *p = s; *p; p++) {
    if (re_plain(*p) && !re_quantifier(p[1])) {
      if (!run) run = p;
      continue;
    }
    if (run) keep_run(c, run, (size_t)(p - run), run == s + 1 && s[0] == '^');
    run = NULL;
    if (*p == '|') goto none; /* an alternative at the top: nothing required */
    if (*p == '\\') {
      if (!*++p) goto none;
    } else if (*p == '[') {
      if (!(p = re_bracket_end(p))) goto none;
    } else if (*p == '(') {
      if (!(p = re_group_end(p))) goto none;
    } else if (*p == '{') {
      if (!(p = strchr(p, '}'))) goto none;
    }
  }
  if (run) keep_run(c, run, strlen(run), run == s + 1 && s[0] == '^');
  /* "chunked", "^text/": the literal is the whole regex, and finding it is
   * the verdict itself. */
  size_t whole = strlen(s) - (s[0] == '^');
  c->re_lit_exact = c->re_lit_len > 0 && c->re_lit_len == whole &&
                    (c->re_lit_prefix || s[0] != '^');
  return;
none:
  c->re_lit_len = c->re_lit_prefix = c->re_lit_exact = 0;
}

/* --- how long a match can be -----------------------------------------------
 * The bounds of the length of what an ERE matches, by its atoms and their
 * quantifiers: an IMF-fixdate (29 bytes) cannot match the asctime pattern
 * (24), a 3-digit Content-Length cannot match "^0*[1-9][0-9]{19,}$". On
 * anything it does not follow it reports that it does not know. */

#define RE_INF SIZE_MAX

typedef struct re_len {
  size_t min, max;
  int first_caret, last_dollar; /* the sequence starts with ^ / ends with $ */
} re_len;

static size_t sat_add(size_t a, size_t b) {
  return (a == RE_INF || b == RE_INF || a > RE_INF - b) ? RE_INF : a + b;
}

static size_t sat_mul(size_t a, size_t k) {
  if (a == 0 || k == 0) return 0;
  return (a == RE_INF || k == RE_INF || a > RE_INF / k) ? RE_INF : a * k;
}

static int re_alt(const char **pp, re_len *out, int depth);

/* Reads "{m}", "{m,}" or "{m,n}" at *pp; 0 on anything else. */
static int re_interval(const char **pp, size_t *lo, size_t *hi) {
  const char *p = *pp + 1;
  char *end;
  if (*p < '0' || *p > '9') return 0;
  unsigned long m = strtoul(p, &end, 10), n = m;
  p = end;
  if (*p == ',') {
    p++;
    n = ULONG_MAX;
    if (*p >= '0' && *p <= '9') {
      n = strtoul(p, &end, 10);
      p = end;
    }
  }
  if (*p != '}' || n < m || m > 1000) return 0;
  *lo = m;
  *hi = n == ULONG_MAX ? RE_INF : n;
  *pp = p;
  return 1;
}

/* One atom at *pp and its quantifier: its bounds, 0 when not followed. */
static int re_atom(const char **pp, re_len *a, int depth) {
  const char *p = *pp;
  a->min = a->max = 1;
  if (*p == '\\') {
    /* "\." is one byte; "\1", "\w", "\b" and the like are not followed. */
    if (!*++p || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
        (*p >= 'A' && *p <= 'Z'))
      return 0;
  } else if (*p == '[') {
    if (!(p = re_bracket_end(p))) return 0;
  } else if (*p == '(') {
    p++;
    re_len g;
    if (!re_alt(&p, &g, depth + 1) || *p != ')') return 0;
    a->min = g.min;
    a->max = g.max;
  } else if (*p == '^' || *p == '$') {
    a->min = a->max = 0;
  } else if (!*p || strchr(")|*+?{}", *p)) {
    return 0;
  }
  p++;
  size_t lo = 1, hi = 1;
  if (*p == '*' || *p == '+' || *p == '?') {
    lo = *p == '+';
    hi = *p == '?' ? 1 : RE_INF;
    p++;
  } else if (*p == '{') {
    if (!re_interval(&p, &lo, &hi)) return 0;
    p++;
  }
  if (re_quantifier(*p)) return 0; /* "a**": not followed */
  a->min = sat_mul(a->min, lo);
  a->max = sat_mul(a->max, hi);
  *pp = p;
  return 1;
}

/* A sequence of atoms up to '|', ')' or the end. */
static int re_seq(const char **pp, re_len *s, int depth) {
  s->min = s->max = 0;
  s->first_caret = **pp == '^';
  s->last_dollar = 0;
  while (**pp && **pp != '|' && **pp != ')') {
    const char *at = *pp;
    re_len a;
    if (!re_atom(pp, &a, depth)) return 0;
    s->min = sat_add(s->min, a.min);
    s->max = sat_add(s->max, a.max);
    s->last_dollar = *at == '$' && *pp == at + 1;
  }
  return 1;
}

/* Alternatives: the least of their minimums, the most of their maximums;
 * anchored at both ends only when there is one alternative. */
static int re_alt(const char **pp, re_len *out, int depth) {
  if (depth > 8 || !re_seq(pp, out, depth)) return 0;
  while (**pp == '|') {
    (*pp)++;
    re_len b;
    if (!re_seq(pp, &b, depth)) return 0;
    if (b.min < out->min) out->min = b.min;
    if (b.max > out->max) out->max = b.max;
    out->first_caret = out->last_dollar = 0;
  }
  return 1;
}

static void regex_bounds(rl__cond *c) {
  const char *p = c->re_src;
  re_len l;
  c->re_min = 0;
  c->re_max = RE_INF;
  c->re_whole = 0;
  if (!p || !re_alt(&p, &l, 0) || *p) return;
  c->re_min = l.min;
  c->re_max = l.max;
  c->re_whole = l.first_caret && l.last_dollar;
}

void rl__regex_literal(rl__cond *c) {
  regex_literal(c);
  regex_bounds(c);
}

static int same_byte(uint8_t a, uint8_t b, int icase) {
  if (icase) {
    if (a >= 'A' && a <= 'Z') a = (uint8_t)(a + 32);
    if (b >= 'A' && b <= 'Z') b = (uint8_t)(b + 32);
  }
  return a == b;
}

static int lit_at(const rl__cond *c, const uint8_t *v) {
  for (size_t k = 0; k < c->re_lit_len; k++)
    if (!same_byte(v[k], (uint8_t)c->re_lit[k], c->re_icase)) return 0;
  return 1;
}

int rl__regex_verdict(const rl__cond *c, const uint8_t *v, size_t n) {
  /* regexec reads the value up to its first NUL (cstr). */
  const uint8_t *nul = memchr(v, 0, n);
  size_t seen = nul ? (size_t)(nul - v) : n;
  if (seen < c->re_min || (c->re_whole && seen > c->re_max)) return 0;
  size_t l = c->re_lit_len;
  if (l == 0) return -1;
  int found = 0;
  if (c->re_lit_prefix) {
    found = seen >= l && lit_at(c, v);
  } else {
    for (size_t i = 0; !found && i + l <= seen; i++) found = lit_at(c, v + i);
  }
  return !found ? 0 : c->re_lit_exact ? 1 : -1;
}

/* The verdict of c's regex or grammar on one value. */
static int value_holds(const rl__cond *c, const uint8_t *v, size_t n,
                       rl__scratch *sc) {
  rl__memo *slot = memo_slot(sc, c, v, n);
  if (slot && slot->c == c && slot->len == n && memcmp(slot->val, v, n) == 0)
    return slot->verdict;
  if (c->grammar < 0) {
    int known = rl__regex_verdict(c, v, n);
    if (known >= 0) return known;
  }
  const char *s = "";
  int hit;
  if (c->grammar >= 0) {
    hit = rl__grammar_match(c->grammar, v, n);
  } else {
    s = cstr(sc, v, n);
    hit = s && regexec(rl__cond_regex(c), s, 0, NULL, 0) == 0;
  }
  if (slot && s) {
    slot->c = c;
    slot->len = (uint8_t)n;
    slot->verdict = (uint8_t)hit;
    memcpy(slot->val, v, n);
  }
  return hit;
}

/* rl__field_next from the start, answered from the index when it can be. */
static int first_field(const rl__cond *c, const rl_message *msg,
                       const rl__scratch *sc) {
  if (sc->present_msg == msg && c->fid != RL_FIELD_OTHER) {
    if (!(sc->present & (1ull << c->fid))) return -1;
    if (sc->first[c->fid] != UINT8_MAX) return sc->first[c->fid];
  }
  return rl__field_next(msg, 0, c->fid, c->fname, c->fname_len);
}

/* rl__field_count, answered from the index when it can be. */
static uint32_t field_count(const rl__cond *c, const rl_message *msg,
                            const rl__scratch *sc) {
  if (sc->present_msg == msg && c->fid != RL_FIELD_OTHER) {
    /* first[] and count[] are only written for the fields present. */
    if (!(sc->present & (1ull << c->fid))) return 0;
    if (sc->count[c->fid] < UINT8_MAX) return sc->count[c->fid];
  }
  return rl__field_count(msg, c->fid, c->fname, c->fname_len);
}

void rl__scratch_index(rl__scratch *sc, const rl_message *m) {
  uint64_t mask = 0;
  for (uint32_t i = 0; i < m->nfields; i++) {
    unsigned id = m->fields[i].id;
    if (id == RL_FIELD_OTHER || id >= 64) continue;
    if (!(mask & (1ull << id))) {
      mask |= 1ull << id;
      sc->first[id] = i < UINT8_MAX ? (uint8_t)i : UINT8_MAX;
      sc->count[id] = 0;
    }
    if (sc->count[id] < UINT8_MAX) sc->count[id]++;
    sc->last[id] = i < UINT8_MAX ? (uint8_t)i : UINT8_MAX;
  }
  sc->present = mask;
  sc->present_msg = m;
}

/* The line of c's field after line i, or -1; answered from the index when
 * i is the field's last line, which saves scanning the rest of the section
 * after the only line of a field (the usual case). */
static int next_field(const rl__cond *c, const rl_message *msg, int i,
                      const rl__scratch *sc) {
  if (sc->present_msg == msg && c->fid != RL_FIELD_OTHER &&
      sc->last[c->fid] != UINT8_MAX && sc->last[c->fid] == i)
    return -1;
  return rl__field_next(msg, (uint32_t)i + 1, c->fid, c->fname, c->fname_len);
}

/* 1 when a value of the field matches the regex/grammar (want == 1) or
 * fails to (want == 0). */
static int field_values(const rl__cond *c, const rl_message *msg, int want,
                        rl__match *m, rl__scratch *sc) {
  if (!msg) return 0;
  for (int i = first_field(c, msg, sc); i >= 0;
       i = next_field(c, msg, i, sc)) {
    size_t n;
    const uint8_t *v = rl__span_bytes(msg, msg->fields[i].value, &n);
    int hit = value_holds(c, v, n, sc);
    if (hit == want) {
      take_evidence(m, msg, &msg->fields[i]);
      if (!m->detail[0]) rl__escape(m->detail, sizeof m->detail, v, n, 80);
      m->count++;
      return 1;
    }
  }
  return 0;
}

static int has_field(const rl__cond *c, const rl_message *msg, rl__match *m,
                     const rl__scratch *sc) {
  int i = first_field(c, msg, sc);
  if (i < 0) return 0;
  take_evidence(m, msg, &msg->fields[i]);
  return 1;
}

static int version_in(const rl__cond *c, const rl_message *msg) {
  if (!msg) return 0;
  for (size_t i = 0; i < c->nwords; i++)
    if (c->words[i][0] - '0' == msg->http_major &&
        c->words[i][2] - '0' == msg->http_minor)
      return 1;
  return 0;
}

static int method_in(const rl__cond *c, const rl_message *req) {
  if (!req) return 0;
  size_t n;
  const uint8_t *s = rl__span_bytes(req, req->method, &n);
  for (size_t i = 0; i < c->nwords; i++)
    if (strlen(c->words[i]) == n && memcmp(c->words[i], s, n) == 0) return 1;
  return 0;
}

static uint64_t bit(int kind) { return 1ull << kind; }

/* Events the exchange's state implies, so a record can name them whether or
 * not the http stage also attached them as events: bit 1 << kind of each.
 * One mask rather than a test per kind: rl__event_mask wants them all for
 * every response judged, and a response is cut at most one way. */
static uint64_t implied_mask(const rl_exchange *x) {
  const rl_message *r = x->response;
  uint64_t mask = 0;
  if (x->request_state == RL_REQ_NOT_CAPTURED) mask |= bit(RL_EV_REQUEST_NOT_CAPTURED);
  if (x->request_state == RL_REQ_NONE) mask |= bit(RL_EV_UNSOLICITED_RESPONSE);
  if (x->after_close) mask |= bit(RL_EV_RESPONSE_AFTER_CLOSE);
  if (r->forbidden_bytes > 0) mask |= bit(RL_EV_CONTENT_AFTER_BODILESS);
  switch (r->cut) {
  case RL_CUT_HEADERS: return mask | bit(RL_EV_CLOSED_IN_HEADERS);
  case RL_CUT_LENGTH: return mask | bit(RL_EV_CLOSED_IN_LENGTH);
  case RL_CUT_CHUNKED: return mask | bit(RL_EV_CLOSED_IN_CHUNKED);
  case RL_CUT_CAPTURE_END: return mask | bit(RL_EV_CAPTURE_ENDED);
  case RL_CUT_GAP: return mask | bit(RL_EV_TCP_GAP);
  case RL_CUT_PARSE_ERROR: return mask | bit(RL_EV_PARSE_ERROR);
  default: return mask;
  }
}

static int implied(const rl_exchange *x, int kind) {
  return kind >= 0 && kind < 64 && (implied_mask(x) >> kind) & 1;
}

static void event_detail(rl__match *m, const rl_msg_event *ev) {
  if (ev->hpe_name)
    snprintf(m->detail, sizeof m->detail, "%s at byte %llu%s%s", ev->hpe_name,
             (unsigned long long)ev->offset, ev->reason ? ": " : "",
             ev->reason ? ev->reason : "");
  else
    snprintf(m->detail, sizeof m->detail, "%s",
             rl_event_description(ev->kind));
}

uint64_t rl__event_count(const rl_exchange *x, int kind, rl__match *m) {
  const rl_message *r = x->response;
  uint64_t count = 0;
  for (uint32_t i = 0; i < r->nevents; i++) {
    const rl_msg_event *ev = &r->events[i];
    if ((int)ev->kind != kind) continue;
    if (count++ == 0) {
      if (!m->detail[0]) event_detail(m, ev);
      if (!m->has_evidence && (ev->evidence.len || ev->extra_len)) {
        m->has_evidence = 1;
        if (ev->evidence.len) {
          m->evidence = rl__span_bytes(r, ev->evidence, &m->evidence_len);
        } else {
          m->evidence = ev->extra;
          m->evidence_len = ev->extra_len;
        }
        m->offset = ev->offset;
      }
    }
  }
  if (count == 0 && implied(x, kind)) {
    count = 1;
    if (!m->detail[0])
      snprintf(m->detail, sizeof m->detail, "%s",
               rl_event_description((rl_event_kind)kind));
    if (kind == RL_EV_CONTENT_AFTER_BODILESS && !m->has_evidence &&
        r->forbidden_prefix_len) {
      m->has_evidence = 1;
      m->evidence = r->forbidden_prefix;
      m->evidence_len = r->forbidden_prefix_len;
    }
  }
  return count;
}

int rl__cond_eval(const rl__cond *c, const rl_exchange *x, rl__match *m,
                  rl__scratch *sc) {
  const rl_message *r = x->response, *q = x->request;
  switch (c->kind) {
  case RL__C_ALL:
    for (size_t i = 0; i < c->nkids; i++)
      if (!rl__cond_eval(c->kids[i], x, m, sc)) return 0;
    return 1;
  case RL__C_ANY:
    for (size_t i = 0; i < c->nkids; i++)
      if (rl__cond_eval(c->kids[i], x, m, sc)) return 1;
    return 0;
  case RL__C_NOT: {
    /* Evidence of what did not hold explains nothing; keep it apart. */
    rl__match inner;
    rl__match_init(&inner);
    return !rl__cond_eval(c->kids[0], x, &inner, sc);
  }
  case RL__C_FIELD_PRESENT:
    return has_field(c, r, m, sc);
  case RL__C_FIELD_ABSENT:
    return first_field(c, r, sc) < 0;
  case RL__C_FIELD_REPEATED: {
    uint32_t n = field_count(c, r, sc);
    if (n < 2) return 0;
    int second = rl__field_next(r, (uint32_t)first_field(c, r, sc) + 1, c->fid,
                                c->fname, c->fname_len);
    take_evidence(m, r, &r->fields[second]);
    if (!m->count) m->count = n;
    return 1;
  }
  case RL__C_FIELD_MATCHES:
    return field_values(c, r, 1, m, sc);
  case RL__C_FIELD_VIOLATES:
    return field_values(c, r, 0, m, sc);
  case RL__C_CONTENT: {
    int present = r->content_bytes > 0 || r->forbidden_bytes > 0;
    if (present && !c->content_empty && !m->has_evidence) {
      m->has_evidence = 1;
      if (r->content_prefix_len) {
        m->evidence = r->content_prefix;
        m->evidence_len = r->content_prefix_len;
      } else {
        m->evidence = r->forbidden_prefix;
        m->evidence_len = r->forbidden_prefix_len;
      }
    }
    return c->content_empty ? !present : present;
  }
  case RL__C_REQ_FIELD_PRESENT:
    return q && rl__field_next(q, 0, c->fid, c->fname, c->fname_len) >= 0;
  case RL__C_REQ_FIELD_ABSENT:
    return q && rl__field_next(q, 0, c->fid, c->fname, c->fname_len) < 0;
  case RL__C_REQ_FIELD_MATCHES: {
    rl__match inner;
    rl__match_init(&inner);
    return q && field_values(c, q, 1, &inner, sc);
  }
  case RL__C_REQ_METHOD:
    return method_in(c, q);
  case RL__C_RESP_VERSION:
    return version_in(c, r);
  case RL__C_REQ_VERSION:
    return version_in(c, q);
  case RL__C_STATUS:
    return rl__codes_has(c->codes, r->status_code);
  case RL__C_BUILTIN:
    return rl__builtin_run(c->builtin, x, sc->env, m);
  case RL__C_EVENT: {
    uint64_t n = rl__event_count(x, c->event, m);
    if (n && !m->count) m->count = n;
    return n > 0;
  }
  default:
    return 0;
  }
}

_Static_assert(RL_FIELD__COUNT <= 64, "field ids must fit a 64-bit mask");
_Static_assert(RL_EV__COUNT <= 64, "event kinds must fit a 64-bit mask");

uint64_t rl__event_mask(const rl_exchange *x) {
  const rl_message *r = x->response;
  uint64_t mask = 0;
  for (uint32_t i = 0; i < r->nevents; i++)
    if ((unsigned)r->events[i].kind < RL_EV__COUNT)
      mask |= 1ull << r->events[i].kind;
  return mask | implied_mask(x);
}

/* A field primitive on the response holds only when the field is there;
 * all() holds only when each part does, so any part's guard is its guard;
 * any() holds only when some part does, so it is guarded only when every
 * part is, by the union. Everything else (absence, not, status, content,
 * request conditions) may hold on any response. */
int rl__cond_guard(const rl__cond *c, rl__guard *g) {
  memset(g, 0, sizeof *g);
  switch (c->kind) {
  case RL__C_FIELD_PRESENT:
  case RL__C_FIELD_REPEATED:
  case RL__C_FIELD_MATCHES:
  case RL__C_FIELD_VIOLATES:
    if (c->fid == RL_FIELD_OTHER) return 0;
    g->fields = 1ull << c->fid;
    return g->guarded = 1;
  case RL__C_EVENT:
    if (c->event < 0 || c->event >= RL_EV__COUNT) return 0;
    g->events = 1ull << c->event;
    return g->guarded = 1;
  case RL__C_BUILTIN:
    g->fields = rl__builtin_fields(c->builtin);
    return g->guarded = g->fields != 0;
  case RL__C_ALL: {
    rl__guard k;
    for (size_t i = 0; i < c->nkids; i++)
      if (rl__cond_guard(c->kids[i], &k)) {
        *g = k;
        return 1;
      }
    return 0;
  }
  case RL__C_ANY: {
    rl__guard k, u;
    memset(&u, 0, sizeof u);
    for (size_t i = 0; i < c->nkids; i++) {
      if (!rl__cond_guard(c->kids[i], &k)) return 0;
      u.fields |= k.fields;
      u.events |= k.events;
    }
    u.guarded = c->nkids > 0;
    *g = u;
    return u.guarded;
  }
  default:
    return 0;
  }
}

static const char *const cond_keywords[] = {
#define RL__COND_KW(e, kw) kw,
    RL__COND_MAP(RL__COND_KW)
#undef RL__COND_KW
};

void rl__cond_describe(const rl__cond *c, FILE *out) {
  const char *kw = cond_keywords[c->kind];
  switch (c->kind) {
  case RL__C_ALL:
  case RL__C_ANY:
    fprintf(out, "%s(", kw);
    for (size_t i = 0; i < c->nkids; i++) {
      if (i) fputs(", ", out);
      rl__cond_describe(c->kids[i], out);
    }
    fputc(')', out);
    break;
  case RL__C_NOT:
    fputs("not(", out);
    rl__cond_describe(c->kids[0], out);
    fputc(')', out);
    break;
  case RL__C_FIELD_MATCHES:
  case RL__C_FIELD_VIOLATES:
  case RL__C_REQ_FIELD_MATCHES:
    fprintf(out, "%s %s ", kw, c->fname);
    if (c->grammar >= 0)
      fprintf(out, "grammar %s", rl__grammar_name(c->grammar));
    else
      fprintf(out, "/%s/%s", c->re_src ? c->re_src : "",
              c->re_icase ? "i" : "");
    break;
  case RL__C_CONTENT:
    fprintf(out, "content %s", c->content_empty ? "empty" : "present");
    break;
  case RL__C_REQ_METHOD:
  case RL__C_RESP_VERSION:
  case RL__C_REQ_VERSION:
    fprintf(out, "%s [", kw);
    for (size_t i = 0; i < c->nwords; i++)
      fprintf(out, "%s%s", i ? ", " : "", c->words[i]);
    fputc(']', out);
    break;
  case RL__C_STATUS: {
    fprintf(out, "%s [", kw);
    int first = 1;
    for (int s = 0; s < RL__NCODES; s++)
      if (rl__codes_has(c->codes, s)) {
        int e = s;
        while (e + 1 < RL__NCODES && rl__codes_has(c->codes, e + 1)) e++;
        fprintf(out, first ? "%03d" : ", %03d", s);
        if (e > s) fprintf(out, "-%03d", e);
        first = 0;
        s = e;
      }
    fputc(']', out);
    break;
  }
  case RL__C_BUILTIN:
    fprintf(out, "builtin %s", rl__builtin_name(c->builtin));
    break;
  case RL__C_EVENT:
    fprintf(out, "event %s", rl_event_name((rl_event_kind)c->event));
    break;
  default:
    fprintf(out, "%s %s", kw, c->fname ? c->fname : "");
    break;
  }
}

/* --- message templates ---------------------------------------------------- */

static const char *const simple_placeholders[] = {
    "status", "reason", "version", "method", "target", "count", "detail",
    "content-bytes", "event", NULL};

static int placeholder_ok(const char *p, size_t n) {
  for (const char *const *s = simple_placeholders; *s; s++)
    if (strlen(*s) == n && memcmp(*s, p, n) == 0) return 1;
  if (n > 6 && memcmp(p, "field:", 6) == 0)
    return rl__gr_token((const uint8_t *)p + 6, n - 6);
  if (n > 14 && memcmp(p, "request-field:", 14) == 0)
    return rl__gr_token((const uint8_t *)p + 14, n - 14);
  return 0;
}

int rl__template_check(const char *tmpl, char *bad, size_t badcap) {
  for (const char *p = tmpl; (p = strchr(p, '{')) != NULL;) {
    const char *e = strchr(p, '}');
    size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
    if (!e || !placeholder_ok(p + 1, n)) {
      snprintf(bad, badcap, "%.*s", (int)(n < 60 ? n : 60), p + 1);
      return -1;
    }
    p = e + 1;
  }
  return 0;
}

/* Appends n bytes of s, as many as fit with the NUL. */
static void put_n(char *out, size_t cap, size_t *o, const char *s, size_t n) {
  if (*o + n >= cap) n = cap - *o - 1;
  memcpy(out + *o, s, n);
  *o += n;
  out[*o] = '\0';
}

static void put(char *out, size_t cap, size_t *o, const char *s) {
  put_n(out, cap, o, s, strlen(s));
}

static void put_span(char *out, size_t cap, size_t *o, const rl_message *m,
                     rl_span sp) {
  char tmp[400];
  size_t n;
  const uint8_t *s = m ? rl__span_bytes(m, sp, &n) : NULL;
  if (!s) {
    put(out, cap, o, "?");
    return;
  }
  rl__escape(tmp, sizeof tmp, s, n, 80);
  put(out, cap, o, tmp);
}

/* The first field line named `name` (n bytes, id its id). */
static void put_field(char *out, size_t cap, size_t *o, const rl_message *m,
                      rl_field_id id, const char *name, size_t n) {
  int i = m ? rl__field_next(m, 0, id, name, n) : -1;
  if (i < 0) {
    put(out, cap, o, "(absent)");
    return;
  }
  put_span(out, cap, o, m, m->fields[i].value);
}

/* What placeholder k (n bytes) stands for: one of simple_placeholders (its
 * index is its kind), a field of either message, or text written as it is
 * (a name the template check refuses). */
static void classify(rl__tpiece *pc, const char *tmpl, const char *k, size_t n) {
  pc->fid = RL_FIELD_OTHER;
  for (int i = 0; simple_placeholders[i]; i++)
    if (strlen(simple_placeholders[i]) == n && memcmp(simple_placeholders[i], k, n) == 0) {
      pc->kind = (uint8_t)i;
      return;
    }
  size_t skip = 0;
  pc->kind = RL__TP_TEXT;
  if (n >= 6 && memcmp(k, "field:", 6) == 0) {
    pc->kind = RL__TP_FIELD;
    skip = 6;
  } else if (n >= 14 && memcmp(k, "request-field:", 14) == 0) {
    pc->kind = RL__TP_REQ_FIELD;
    skip = 14;
  }
  pc->off = (uint32_t)(k + skip - tmpl);
  pc->len = (uint32_t)(n - skip);
  if (pc->kind != RL__TP_TEXT) pc->fid = rl_field_lookup(k + skip, n - skip);
}

/* Splits the template into literal runs and placeholders, stored at out
 * unless it is NULL; returns how many. A '{' with no '}' after it is a
 * literal, a placeholder name is cut to 63 bytes (what the template check
 * allows is shorter). */
static size_t split(const char *tmpl, rl__tpiece *out) {
  size_t k = 0;
  for (const char *p = tmpl; *p; k++) {
    rl__tpiece pc;
    const char *e = *p == '{' ? strchr(p, '}') : NULL;
    if (!e) {
      const char *brace = strchr(p + 1, '{');
      size_t run = brace ? (size_t)(brace - p) : strlen(p);
      pc = (rl__tpiece){RL__TP_TEXT, RL_FIELD_OTHER, (uint32_t)(p - tmpl), (uint32_t)run};
      p += run;
    } else {
      size_t n = (size_t)(e - p - 1);
      classify(&pc, tmpl, p + 1, n < 63 ? n : 63);
      p = e + 1;
    }
    if (out) out[k] = pc;
  }
  return k;
}

int rl__tmpl_compile(rl__tmpl *t, const char *tmpl) {
  t->text = tmpl;
  t->n = split(tmpl, NULL);
  t->p = malloc((t->n ? t->n : 1) * sizeof *t->p);
  if (!t->p) return -1;
  split(tmpl, t->p);
  return 0;
}

void rl__tmpl_free(rl__tmpl *t) {
  free(t->p);
  t->p = NULL;
  t->n = 0;
}

/* Appends one piece of a message. */
static void put_piece(char *out, size_t cap, size_t *o, const char *tmpl,
                      const rl__tpiece *pc, const rl_exchange *x, const rl__match *m,
                      const char *event_name) {
  const rl_message *r = x ? x->response : NULL, *q = x ? x->request : NULL;
  char num[32];
  switch ((rl__tp_kind)pc->kind) {
  case RL__TP_STATUS:
    if (r && r->status_code >= 0) {
      snprintf(num, sizeof num, "%d", r->status_code);
      put(out, cap, o, num);
    } else {
      put_span(out, cap, o, r, r ? r->status : (rl_span){0, 0});
    }
    break;
  case RL__TP_REASON:
    put_span(out, cap, o, r, r ? r->reason : (rl_span){0, 0});
    break;
  case RL__TP_VERSION:
    put_span(out, cap, o, r, r ? r->version : (rl_span){0, 0});
    break;
  case RL__TP_METHOD:
    put_span(out, cap, o, q, q ? q->method : (rl_span){0, 0});
    break;
  case RL__TP_TARGET:
    put_span(out, cap, o, q, q ? q->target : (rl_span){0, 0});
    break;
  case RL__TP_COUNT:
    snprintf(num, sizeof num, "%llu", (unsigned long long)(m->count ? m->count : 1));
    put(out, cap, o, num);
    break;
  case RL__TP_DETAIL:
    put(out, cap, o, m->detail);
    break;
  case RL__TP_CONTENT_BYTES:
    /* The same bytes `content: present` counts: a bodiless response's
     * content is what followed it (forbidden_bytes), so a rule that fires
     * on it must not say that nothing followed. */
    snprintf(num, sizeof num, "%llu",
             (unsigned long long)(r ? r->content_bytes + r->forbidden_bytes : 0));
    put(out, cap, o, num);
    break;
  case RL__TP_EVENT:
    put(out, cap, o, event_name ? event_name : "");
    break;
  case RL__TP_FIELD:
    put_field(out, cap, o, r, pc->fid, tmpl + pc->off, pc->len);
    break;
  case RL__TP_REQ_FIELD:
    put_field(out, cap, o, q, pc->fid, tmpl + pc->off, pc->len);
    break;
  case RL__TP_TEXT:
    put_n(out, cap, o, tmpl + pc->off, pc->len);
    break;
  }
}

/* Fills the template's pieces in order, as far as they fit: rendering runs
 * once per finding judged afresh, so the template was split at load and
 * each placeholder's meaning (and a field's id) is known. */
void rl__render(char *out, size_t cap, const rl__tmpl *t, const rl_exchange *x,
                const rl__match *m, const char *event_name) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < t->n && o + 1 < cap; i++)
    put_piece(out, cap, &o, t->text, &t->p[i], x, m, event_name);
}
