/* Cache-Control built-ins (RFC 9111 §5.2, RFC 5861, RFC 8246): one parser
 * for the directive list, then a syntax check (invalid-cache-control) and a
 * sense check (questionable-cache-control) over what it found. */
#include "checks/builtins.h"

#include <stdio.h>
#include <string.h>

static size_t token_len(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n && rl__is_tchar(s[i])) i++;
  return i;
}

static size_t quoted_len(const uint8_t *s, size_t n) {
  if (n == 0 || s[0] != '"') return 0;
  for (size_t i = 1; i < n; i++) {
    if (s[i] == '"') return i + 1;
    if (s[i] == '\\' && ++i >= n) return 0;
  }
  return 0;
}

/* One directive as written. */
typedef struct directive {
  const uint8_t *name;
  size_t name_len;
  const uint8_t *arg; /* without quotes when quoted */
  size_t arg_len;
  int has_arg, quoted, valid;
  uint32_t line;
} directive;

/* Parses a member as token [ "=" ( token / quoted-string ) ]. */
static void parse_directive(const uint8_t *s, size_t n, directive *d) {
  memset(d, 0, sizeof *d);
  size_t k = token_len(s, n);
  d->name = s;
  d->name_len = k;
  if (k == 0) return;
  if (k == n) {
    d->valid = 1;
    return;
  }
  if (s[k] != '=') return;
  d->has_arg = 1;
  const uint8_t *a = s + k + 1;
  size_t an = n - k - 1;
  size_t t = token_len(a, an);
  if (t > 0 && t == an) {
    d->arg = a;
    d->arg_len = an;
    d->valid = 1;
    return;
  }
  size_t q = quoted_len(a, an);
  if (q > 0 && q == an) {
    d->arg = a + 1;
    d->arg_len = an - 2;
    d->quoted = 1;
    d->valid = 1;
  }
}

static int is_digits(const uint8_t *s, size_t n) {
  if (n == 0) return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

static int named(const directive *d, const char *name) {
  return rl__eq_nocase(d->name, d->name_len, name);
}

/* named() for a string literal: its length is known at compile time, and
 * most comparisons end there, without the strlen and the call. */
#define NAMED(d, lit) \
  ((d)->name_len == sizeof(lit) - 1 && named((d), (lit)))

/* A directive name and its length: most names are told apart by their
 * lengths, without a strlen and a compare each. */
typedef struct word {
  const char *s;
  size_t len;
} word;
#define WORD(lit) {lit, sizeof(lit) - 1}

static int named_word(const directive *d, const word *w) {
  return d->name_len == w->len && named(d, w->s);
}

/* Writes the directive's name then `what` into buf. The name is escaped
 * only here, when there is a problem to tell: most directives have none, and
 * escaping each one cost more than judging it. */
static const char *problem(char *buf, size_t cap, const directive *d,
                           const char *what) {
  char nm[48];
  rl__escape(nm, sizeof nm, d->name, d->name_len, 40);
  snprintf(buf, cap, "%s%s", nm, what);
  return buf;
}

/* The syntax problem of one directive, or NULL. */
static const char *syntax_problem(const directive *d, char *buf, size_t cap) {
  if (!d->valid) return NULL; /* reported by the caller with the member */
  int age = NAMED(d, "max-age") || NAMED(d, "s-maxage");
  if (age) {
    if (!d->has_arg) return problem(buf, cap, d, " needs an argument");
    if (d->quoted) return problem(buf, cap, d, " argument must not be quoted");
  }
  if (age || NAMED(d, "stale-while-revalidate") || NAMED(d, "stale-if-error")) {
    if (!d->has_arg) return problem(buf, cap, d, " needs an argument");
    if (!is_digits(d->arg, d->arg_len)) {
      char nm[48], a[48];
      rl__escape(nm, sizeof nm, d->name, d->name_len, 40);
      rl__escape(a, sizeof a, d->arg, d->arg_len, 40);
      snprintf(buf, cap, "%s argument \"%s\" is not delta-seconds", nm, a);
      return buf;
    }
    return NULL;
  }
  if ((NAMED(d, "no-cache") || NAMED(d, "private")) && d->quoted &&
      !rl__gr_token_list(d->arg, d->arg_len) && d->arg_len > 0)
    return problem(buf, cap, d, " argument is not a list of field names");
  static const word bare[] = {WORD("must-revalidate"), WORD("must-understand"),
                              WORD("no-store"), WORD("no-transform"),
                              WORD("proxy-revalidate"), WORD("public"),
                              WORD("immutable")};
  for (size_t i = 0; d->has_arg && i < sizeof bare / sizeof bare[0]; i++)
    if (named_word(d, &bare[i])) return problem(buf, cap, d, " takes no argument");
  return NULL;
}

struct scan {
  char detail[160];
  uint32_t line;
  directive all[64];
  size_t n;
};

/* An empty scan. Not memset: `all` is 3.5 KiB, written before it is read,
 * and zeroing it was a sixth of what the two checks cost a response. */
static void scan_init(struct scan *sc) {
  sc->detail[0] = '\0';
  sc->line = 0;
  sc->n = 0;
}

static int syntax_member(void *ctx, uint32_t line, const uint8_t *s, size_t n) {
  struct scan *sc = ctx;
  directive d;
  parse_directive(s, n, &d);
  d.line = line;
  if (!d.valid) {
    char esc[96];
    rl__escape(esc, sizeof esc, s, n, 40);
    snprintf(sc->detail, sizeof sc->detail, "\"%s\" is not a directive", esc);
    sc->line = line;
    return 1;
  }
  char buf[160];
  const char *p = syntax_problem(&d, buf, sizeof buf);
  if (p) {
    snprintf(sc->detail, sizeof sc->detail, "%s", p);
    sc->line = line;
    return 1;
  }
  if (sc->n < sizeof sc->all / sizeof sc->all[0]) sc->all[sc->n++] = d;
  return 0;
}

static void line_evidence(rl__match *m, const rl_message *r, uint32_t line) {
  if (m->has_evidence) return;
  m->has_evidence = 1;
  m->evidence = rl__span_bytes(r, r->fields[line].line, &m->evidence_len);
  m->offset = r->stream_offset + r->fields[line].line.off;
}

int rl__chk_invalid_cache_control(const rl_exchange *x, const rl__env *env,
                                  rl__match *m) {
  (void)env;
  struct scan sc;
  scan_init(&sc);
  if (!rl__field_each_member_q(x->response, RL_FIELD_CACHE_CONTROL,
                               syntax_member, &sc))
    return 0;
  line_evidence(m, x->response, sc.line);
  snprintf(m->detail, sizeof m->detail, "%s", sc.detail);
  m->count = 1;
  return 1;
}

static const word known[] = {
    WORD("max-age"), WORD("s-maxage"), WORD("must-revalidate"),
    WORD("must-understand"), WORD("no-cache"), WORD("no-store"),
    WORD("no-transform"), WORD("private"), WORD("proxy-revalidate"),
    WORD("public"), WORD("immutable"), WORD("stale-while-revalidate"),
    WORD("stale-if-error")};
static const word request_only[] = {WORD("max-stale"), WORD("min-fresh"),
                                    WORD("only-if-cached")};


static const directive *find_n(const struct scan *sc, const char *name,
                               size_t len) {
  for (size_t i = 0; i < sc->n; i++)
    if (sc->all[i].name_len == len && named(&sc->all[i], name))
      return &sc->all[i];
  return NULL;
}
#define FIND(sc, lit) find_n((sc), (lit), sizeof(lit) - 1)

/* Collects every syntactically valid directive; a malformed one is
 * invalid-cache-control's and is simply skipped here. */
static int collect_member(void *ctx, uint32_t line, const uint8_t *s,
                          size_t n) {
  struct scan *sc = ctx;
  directive d;
  parse_directive(s, n, &d);
  d.line = line;
  char buf[160];
  if (d.valid && !syntax_problem(&d, buf, sizeof buf) &&
      sc->n < sizeof sc->all / sizeof sc->all[0])
    sc->all[sc->n++] = d;
  return 0;
}

static int questionable(struct scan *sc) {
  char nm[48];
  for (size_t i = 0; i < sc->n; i++) {
    const directive *d = &sc->all[i];
    int ok = 0;
    for (size_t k = 0; !ok && k < sizeof known / sizeof known[0]; k++)
      ok = named_word(d, &known[k]);
    if (ok) continue;
    rl__escape(nm, sizeof nm, d->name, d->name_len, 40);
    int req = 0;
    for (size_t k = 0; k < sizeof request_only / sizeof request_only[0]; k++)
      req |= named_word(d, &request_only[k]);
    snprintf(sc->detail, sizeof sc->detail,
             req ? "request directive \"%s\" in a response"
                 : "unknown directive \"%s\"", nm);
    sc->line = d->line;
    return 1;
  }
  for (size_t i = 0; i < sc->n; i++) {
    unsigned times = 0;
    for (size_t j = 0; j < sc->n; j++) {
      const directive *a = &sc->all[i], *b = &sc->all[j];
      if (a->name_len != b->name_len) continue;
      int same = 1;
      for (size_t k = 0; k < a->name_len; k++) {
        uint8_t p = a->name[k], q = b->name[k];
        if (p >= 'A' && p <= 'Z') p = (uint8_t)(p + 32);
        if (q >= 'A' && q <= 'Z') q = (uint8_t)(q + 32);
        if (p != q) same = 0;
      }
      times += (unsigned)same;
    }
    if (times > 1) {
      rl__escape(nm, sizeof nm, sc->all[i].name, sc->all[i].name_len, 40);
      snprintf(sc->detail, sizeof sc->detail, "\"%s\" appears %u times", nm,
               times);
      sc->line = sc->all[i].line;
      return 1;
    }
  }
  const directive *ns = FIND(sc, "no-store");
  const directive *age = FIND(sc, "max-age");
  if (!age) age = FIND(sc, "s-maxage");
  if (ns && age) {
    snprintf(sc->detail, sizeof sc->detail, "no-store makes %s meaningless",
             NAMED(age, "max-age") ? "max-age" : "s-maxage");
    sc->line = ns->line;
    return 1;
  }
  const directive *pub = FIND(sc, "public"), *priv = FIND(sc, "private");
  if (pub && priv) {
    snprintf(sc->detail, sizeof sc->detail, "both public and private");
    sc->line = priv->line;
    return 1;
  }
  for (size_t i = 0; i < sc->n; i++) {
    const directive *d = &sc->all[i];
    if ((NAMED(d, "no-cache") || NAMED(d, "private")) && d->has_arg &&
        !d->quoted) {
      snprintf(sc->detail, sizeof sc->detail, "%s argument should be quoted",
               NAMED(d, "no-cache") ? "no-cache" : "private");
      sc->line = d->line;
      return 1;
    }
  }
  return 0;
}

int rl__chk_questionable_cache_control(const rl_exchange *x,
                                       const rl__env *env, rl__match *m) {
  (void)env;
  struct scan sc;
  scan_init(&sc);
  rl__field_each_member_q(x->response, RL_FIELD_CACHE_CONTROL, collect_member,
                          &sc);
  if (!questionable(&sc)) return 0;
  line_evidence(m, x->response, sc.line);
  snprintf(m->detail, sizeof m->detail, "%s", sc.detail);
  m->count = 1;
  return 1;
}
