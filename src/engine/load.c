/* Rule records: YAML (as a tree, see ytree.h) to compiled rules.
 *
 * Validation is strict and complete: every problem is reported with the file,
 * line and column of the node at fault, and unknown keys are errors, because a
 * misspelt key would otherwise switch a check off without a word.
 */
#include "engine/rule.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/env.h"
#include "engine/catalogue.h"
#include "engine/ytree.h"
#include "resplint/events.h"

typedef struct loader {
  const char *file;
  FILE *errs;
  int nerr;
  const rl__ytree *t;
  int needs_request; /* set while compiling a check that reads the request */
  int conditions;    /* compiled so far: YAML aliases can multiply them */
  int with_examples; /* 0: the text was cut before its examples */
  int lazy_regex;    /* a catalogue record's: regexes compiled on first use */
} loader;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void err_at(loader *ld, const rl__ynode *n, const char *fmt, ...) {
  ld->nerr++;
  if (!ld->errs) return;
  unsigned line = n ? (unsigned)n->line + 1 : 1;
  unsigned col = n ? (unsigned)n->col + 1 : 1;
  fprintf(ld->errs, "%s:%u:%u: error: ", ld->file, line, col);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(ld->errs, fmt, ap);
  va_end(ap);
  fputc('\n', ld->errs);
}

/* The i-th child of a sequence; of a mapping, 2i is the i-th key, 2i + 1
 * its value. */
static const rl__ynode *kid(const loader *ld, const rl__ynode *n, uint32_t i) {
  return &ld->t->nodes[ld->t->kids[n->at + i]];
}

static const char *scalar(const loader *ld, const rl__ynode *n) {
  return (n && n->kind == RL__Y_SCALAR) ? ld->t->strs + n->at : NULL;
}

/* A mapping's value for `key`, NULL when absent. */
static const rl__ynode *map_get(loader *ld, const rl__ynode *map, const char *key) {
  if (!map || map->kind != RL__Y_MAP) return NULL;
  for (uint32_t i = 0; i < map->n; i++) {
    const char *k = scalar(ld, kid(ld, map, 2 * i));
    if (k && k[0] == key[0] && strcmp(k, key) == 0) return kid(ld, map, 2 * i + 1);
  }
  return NULL;
}

/* Reports keys outside `allowed` (NULL-terminated) and duplicated keys. */
static void map_keys_check(loader *ld, const rl__ynode *map,
                           const char *const *allowed, const char *what) {
  for (uint32_t i = 0; i < map->n; i++) {
    const rl__ynode *kn = kid(ld, map, 2 * i);
    const char *k = scalar(ld, kn);
    if (!k) {
      err_at(ld, kn, "%s: keys must be plain strings", what);
      continue;
    }
    const char *const *a = allowed;
    while (*a && ((*a)[0] != k[0] || strcmp(*a, k) != 0)) a++;
    if (!*a) err_at(ld, kn, "%s: unknown key '%s'", what, k);
    for (uint32_t j = 0; j < i; j++) {
      const char *k2 = scalar(ld, kid(ld, map, 2 * j));
      if (k2 && k2[0] == k[0] && strcmp(k2, k) == 0)
        err_at(ld, kn, "%s: key '%s' appears twice", what, k);
    }
  }
}

/* The first byte of s[0..n) below 0x20 but line break and tab, or 0x7f;
 * NULL when none. Eight bytes at a time while none is below 0x20 or 0x7f
 * (exact tests of a whole word: bit twiddling's hasless and haszero): the
 * record texts are 100 KB, nearly all printable. */
static const char *find_control(const char *s, size_t n) {
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w, del;
    memcpy(&w, s + i, 8);
    del = w ^ (0x7f * ones);
    if ((((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & highs) break;
  }
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return s + i;
  }
  return NULL;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* A required (or optional) non-empty string; returns an owned copy. */
static char *get_str(loader *ld, const rl__ynode *map, const char *key,
                     int required) {
  const rl__ynode *n = map_get(ld, map, key);
  if (!n) {
    if (required) err_at(ld, map, "missing required key '%s'", key);
    return NULL;
  }
  const char *s = scalar(ld, n);
  if (!s) {
    err_at(ld, n, "'%s' must be a string", key);
    return NULL;
  }
  if (!*s) {
    err_at(ld, n, "'%s' must not be empty", key);
    return NULL;
  }
  /* The texts of a record are printed by --explain, --list-rules and in
   * findings without escaping: a control character (YAML's "\e", "\a")
   * would reach the terminal, and is never meant. Line breaks of block
   * scalars and tabs are text. */
  size_t l = strlen(s);
  const char *c = find_control(s, l);
  if (c) {
    err_at(ld, n, "'%s': control character 0x%02x", key, (unsigned)(unsigned char)*c);
    return NULL;
  }
  /* Folded scalars end in a newline; docs and messages want one line. */
  while (l > 0 && (s[l - 1] == '\n' || s[l - 1] == ' ')) l--;
  char *d = malloc(l + 1);
  if (d) {
    memcpy(d, s, l);
    d[l] = '\0';
  }
  return d;
}

static int match_id(const char *s) {
  size_t i = 0;
  while (s[i] >= 'A' && s[i] <= 'Z') i++;
  if (i < 2 || i > 8) return 0;
  for (int k = 0; k < 3; k++, i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return s[i] == '\0';
}

/* "ST", "ST03", "ST030": upper-case letters, then at most 3 digits. */
static int match_prefix(const char *s) {
  size_t i = 0;
  while (s[i] >= 'A' && s[i] <= 'Z') i++;
  if (i < 2 || i > 8) return 0;
  size_t d = 0;
  while (s[i] >= '0' && s[i] <= '9' && d < 3) {
    i++;
    d++;
  }
  return s[i] == '\0';
}

static int match_name(const char *s) {
  if (!*s || *s == '-') return 0;
  for (const char *p = s; *p; p++) {
    int ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
             (*p == '-' && p[1] != '-' && p[1] != '\0');
    if (!ok) return 0;
  }
  return 1;
}

static const char *const requirements[] = {
    "MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT", "SHOULD",
    "SHOULD NOT", "RECOMMENDED", "NOT RECOMMENDED", "MAY", "OPTIONAL",
    "invalid", "advice", "deprecated", "note", NULL};

int rl__codes_add(uint8_t *set, const char *item) {
  size_t n = strlen(item);
  int lo, hi;
  char *end;
  if (n == 3 && item[0] >= '1' && item[0] <= '9' && item[1] == 'x' &&
      item[2] == 'x') {
    lo = (item[0] - '0') * 100;
    hi = lo + 99;
  } else {
    long a = strtol(item, &end, 10);
    if (end == item || a < 0 || a >= RL__NCODES) return -1;
    long b = a;
    if (*end == '-') {
      const char *s2 = end + 1;
      b = strtol(s2, &end, 10);
      if (end == s2 || b < a || b >= RL__NCODES) return -1;
    }
    if (*end != '\0') return -1;
    lo = (int)a;
    hi = (int)b;
  }
  for (int c = lo; c <= hi; c++) set[c / 8] |= (uint8_t)(1u << (c % 8));
  return 0;
}

/* A list of strings (a sequence of scalars, or one scalar). */
static char **get_words(loader *ld, const rl__ynode *n, size_t *count,
                        const char *what) {
  *count = 0;
  if (scalar(ld, n)) {
    char **w = calloc(1, sizeof *w);
    if (!w || !(w[0] = xstrdup(scalar(ld, n)))) {
      free(w);
      return NULL;
    }
    *count = 1;
    return w;
  }
  if (!n || n->kind != RL__Y_SEQ) {
    err_at(ld, n, "%s must be a list", what);
    return NULL;
  }
  size_t len = n->n;
  if (len == 0) {
    err_at(ld, n, "%s must not be empty", what);
    return NULL;
  }
  char **w = calloc(len, sizeof *w);
  if (!w) return NULL;
  for (size_t i = 0; i < len; i++) {
    const rl__ynode *it = kid(ld, n, (uint32_t)i);
    const char *s = scalar(ld, it);
    if (!s || !*s) {
      err_at(ld, it, "%s: each item must be a non-empty string", what);
      s = "";
    }
    w[i] = xstrdup(s);
    (*count)++;
  }
  return w;
}

static void free_words(char **w, size_t n) {
  for (size_t i = 0; i < n; i++) free(w[i]);
  free(w);
}

static int parse_codes(loader *ld, const rl__ynode *n, uint8_t *set,
                       const char *what) {
  size_t cnt;
  char **w = get_words(ld, n, &cnt, what);
  int bad = 0;
  for (size_t i = 0; i < cnt; i++)
    if (rl__codes_add(set, w[i]) != 0) {
      err_at(ld, n, "%s: '%s' is not a status code, class (4xx) or range "
                    "(300-308) within 000-999", what, w[i]);
      bad = 1;
    }
  free_words(w, cnt);
  return bad ? -1 : 0;
}

static int check_version(const char *v) {
  return strlen(v) == 3 && v[0] >= '0' && v[0] <= '9' && v[1] == '.' &&
         v[2] >= '0' && v[2] <= '9';
}

void rl__cond_free(rl__cond *c) {
  if (!c) return;
  for (size_t i = 0; i < c->nkids; i++) rl__cond_free(c->kids[i]);
  free(c->kids);
  free(c->fname);
  if (c->has_re) regfree(&c->re);
  free(c->re_src);
  free_words(c->words, c->nwords);
  free(c);
}

static const char *const cond_keywords[] = {
#define RL__COND_KW(e, kw) kw,
    RL__COND_MAP(RL__COND_KW)
#undef RL__COND_KW
};

static int cond_lookup(const char *kw) {
  for (int i = 0; i < RL__C__COUNT; i++)
    if (strcmp(cond_keywords[i], kw) == 0) return i;
  return -1;
}

static void set_field(rl__cond *c, const char *name) {
  c->fid = rl_field_lookup(name, strlen(name));
  c->fname = xstrdup(name);
  c->fname_len = strlen(name);
}

static int is_field_name(const char *s) {
  return rl__gr_token((const uint8_t *)s, strlen(s));
}

/* {name: NAME, regex: RE | grammar: G, icase: bool} */
static void parse_match(loader *ld, rl__cond *c, const rl__ynode *v,
                        const char *kw) {
  if (!v || v->kind != RL__Y_MAP) {
    err_at(ld, v, "%s takes a mapping {name, regex | grammar}", kw);
    return;
  }
  static const char *const keys[] = {"name", "regex", "grammar", "icase", NULL};
  map_keys_check(ld, v, keys, kw);
  const char *name = scalar(ld, map_get(ld, v, "name"));
  if (!name || !is_field_name(name))
    err_at(ld, v, "%s needs 'name', a field name", kw);
  else
    set_field(c, name);
  const rl__ynode *re = map_get(ld, v, "regex");
  const rl__ynode *gr = map_get(ld, v, "grammar");
  if (!re == !gr) {
    err_at(ld, v, "%s needs exactly one of 'regex' and 'grammar'", kw);
    return;
  }
  if (gr) {
    const char *g = scalar(ld, gr);
    c->grammar = g ? rl__grammar_lookup(g) : -1;
    if (c->grammar < 0)
      err_at(ld, gr, "unknown grammar '%s' (see rules/README.md)", g ? g : "");
    return;
  }
  const char *rs = scalar(ld, re);
  const rl__ynode *ic = map_get(ld, v, "icase");
  int icase = 0;
  if (ic) {
    const char *s = scalar(ld, ic);
    if (s && strcmp(s, "true") == 0)
      icase = 1;
    else if (!s || strcmp(s, "false") != 0)
      err_at(ld, ic, "icase must be true or false");
  }
  if (!rs) {
    err_at(ld, re, "regex must be a string");
    return;
  }
  if (ld->lazy_regex) {
    /* Compiled on first use (rl__cond_regex): most of the catalogue's
     * regexes are answered from their literal or never reached, and
     * compiling them all was 2 M instructions a run. */
    c->re_src = xstrdup(rs);
    c->re_icase = icase;
    rl__regex_literal(c);
    return;
  }
  int rc = regcomp(&c->re, rs, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
  if (rc != 0) {
    char buf[128];
    regerror(rc, &c->re, buf, sizeof buf);
    err_at(ld, re, "invalid regex '%s': %s", rs, buf);
    return;
  }
  c->has_re = 1;
  c->re_src = xstrdup(rs);
  c->re_icase = icase;
  rl__regex_literal(c);
}

const regex_t *rl__cond_regex(const rl__cond *cc) {
  if (!cc->has_re) {
    /* The engine's own heap object: const only to its evaluators. */
    rl__cond *c = (rl__cond *)cc;
    int rc = regcomp(&c->re, c->re_src,
                     REG_EXTENDED | REG_NOSUB | (c->re_icase ? REG_ICASE : 0));
    if (rc != 0) {
      /* The pattern compiled when the catalogue was tested (tests/engine/
       * trees.c): only memory can be missing. */
      fprintf(stderr, "resplint: cannot compile the regex '%s'\n", c->re_src);
      abort();
    }
    c->has_re = 1;
  }
  return &cc->re;
}

static rl__cond *parse_cond(loader *ld, const rl__ynode *n, int depth);

static void parse_kids(loader *ld, rl__cond *c, const rl__ynode *v, int depth,
                       const char *kw) {
  if (!v || v->kind != RL__Y_SEQ || v->n == 0) {
    err_at(ld, v, "%s takes a non-empty list of conditions", kw);
    return;
  }
  size_t len = v->n;
  c->kids = calloc(len, sizeof *c->kids);
  if (!c->kids) return;
  for (size_t i = 0; i < len; i++) {
    rl__cond *k = parse_cond(ld, kid(ld, v, (uint32_t)i), depth + 1);
    if (k) c->kids[c->nkids++] = k;
  }
}

static void parse_leaf(loader *ld, rl__cond *c, const rl__ynode *v, const char *kw,
                       int depth) {
  const char *s = scalar(ld, v);
  switch (c->kind) {
  case RL__C_ALL:
  case RL__C_ANY:
    parse_kids(ld, c, v, depth, kw);
    break;
  case RL__C_NOT: {
    rl__cond *k = parse_cond(ld, v, depth + 1);
    if (k && (c->kids = calloc(1, sizeof *c->kids)) != NULL) {
      c->kids[0] = k;
      c->nkids = 1;
    } else {
      rl__cond_free(k);
    }
    break;
  }
  case RL__C_REQ_FIELD_PRESENT:
  case RL__C_REQ_FIELD_ABSENT:
    ld->needs_request = 1;
    /* fall through */
  case RL__C_FIELD_PRESENT:
  case RL__C_FIELD_ABSENT:
  case RL__C_FIELD_REPEATED:
    if (!s || !is_field_name(s))
      err_at(ld, v, "%s takes a field name", kw);
    else
      set_field(c, s);
    break;
  case RL__C_REQ_FIELD_MATCHES:
    ld->needs_request = 1;
    /* fall through */
  case RL__C_FIELD_MATCHES:
  case RL__C_FIELD_VIOLATES:
    parse_match(ld, c, v, kw);
    break;
  case RL__C_CONTENT:
    if (s && strcmp(s, "present") == 0)
      c->content_empty = 0;
    else if (s && strcmp(s, "empty") == 0)
      c->content_empty = 1;
    else
      err_at(ld, v, "content takes 'present' or 'empty'");
    break;
  case RL__C_REQ_METHOD:
    ld->needs_request = 1;
    c->words = get_words(ld, v, &c->nwords, kw);
    for (size_t i = 0; i < c->nwords; i++)
      if (!is_field_name(c->words[i]))
        err_at(ld, v, "request-method: '%s' is not a method token", c->words[i]);
    break;
  case RL__C_REQ_VERSION:
    ld->needs_request = 1;
    /* fall through */
  case RL__C_RESP_VERSION:
    c->words = get_words(ld, v, &c->nwords, kw);
    for (size_t i = 0; i < c->nwords; i++)
      if (!check_version(c->words[i]))
        err_at(ld, v, "%s: '%s' is not a version like \"1.1\"", kw, c->words[i]);
    break;
  case RL__C_STATUS:
    parse_codes(ld, v, c->codes, kw);
    break;
  case RL__C_BUILTIN:
    c->builtin = s ? rl__builtin_lookup(s) : -1;
    if (c->builtin < 0)
      err_at(ld, v, "unknown builtin '%s' (see src/checks/builtins.h)", s ? s : "");
    else if (rl__builtin_needs_request(c->builtin))
      ld->needs_request = 1;
    break;
  case RL__C_EVENT:
    c->event = s ? rl_event_lookup(s) : -1;
    if (c->event < 0)
      err_at(ld, v, "unknown event '%s' (see include/resplint/events.h)", s ? s : "");
    break;
  default:
    break;
  }
}

static rl__cond *parse_cond(loader *ld, const rl__ynode *n, int depth) {
  if (depth > 32) {
    err_at(ld, n, "condition nested too deeply");
    return NULL;
  }
  /* An alias repeats a whole subtree, so a few lines of YAML can ask for
   * billions of nodes; a record that needs more than this is not a check. */
  if (++ld->conditions > 4096) {
    if (ld->conditions == 4097) err_at(ld, n, "check has too many conditions");
    return NULL;
  }
  if (!n || n->kind != RL__Y_MAP || n->n != 1) {
    err_at(ld, n, "a condition is a mapping with exactly one key");
    return NULL;
  }
  const rl__ynode *kn = kid(ld, n, 0);
  const char *kw = scalar(ld, kn);
  int kind = kw ? cond_lookup(kw) : -1;
  if (kind < 0) {
    err_at(ld, kn, "unknown condition '%s' (see rules/README.md)", kw ? kw : "");
    return NULL;
  }
  rl__cond *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->kind = (rl__cond_kind)kind;
  c->grammar = -1;
  c->builtin = -1;
  c->event = -1;
  parse_leaf(ld, c, kid(ld, n, 1), kw, depth);
  return c;
}

/* Decodes a YAML (UTF-8) string whose every character is one byte
 * (Latin-1), as rules/README.md defines example bytes. */
static uint8_t *latin1(loader *ld, const rl__ynode *n, size_t *len) {
  const unsigned char *s = (const unsigned char *)ld->t->strs + n->at;
  size_t sl = n->n;
  uint8_t *out = malloc(sl + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < sl;) {
    unsigned c = s[i];
    if (c < 0x80) {
      out[o++] = (uint8_t)c;
      i++;
    } else if ((c & 0xe0) == 0xc0 && i + 1 < sl && c <= 0xc3) {
      out[o++] = (uint8_t)(((c & 0x1f) << 6) | (s[i + 1] & 0x3f));
      i += 2;
    } else {
      err_at(ld, n, "example bytes: a character above U+00FF; write bytes "
                    "as \\xHH");
      free(out);
      return NULL;
    }
  }
  *len = o;
  return out;
}

static int keep_bytes(rl__rule *r, uint8_t *b) {
  uint8_t **nb = realloc(r->example_bytes,
                         (r->nexample_bytes + 1) * sizeof *nb);
  if (!nb) return -1;
  r->example_bytes = nb;
  nb[r->nexample_bytes++] = b;
  return 0;
}

static void parse_examples(loader *ld, rl__rule *r, const rl__ynode *v) {
  if (!v || v->kind != RL__Y_SEQ) {
    err_at(ld, v ? v : NULL, "examples must be a list");
    return;
  }
  size_t len = v->n;
  r->examples = calloc(len ? len : 1, sizeof *r->examples);
  if (!r->examples) return;
  static const char *const keys[] = {"expect", "note", "request", "response",
                                     "end", NULL};
  for (size_t i = 0; i < len; i++) {
    const rl__ynode *ex = kid(ld, v, (uint32_t)i);
    if (ex->kind != RL__Y_MAP) {
      err_at(ld, ex, "an example is a mapping");
      continue;
    }
    map_keys_check(ld, ex, keys, "example");
    rl_rule_example *e = &r->examples[r->info.nexamples];
    e->line = (unsigned)ex->line + 1;
    const char *expect = scalar(ld, map_get(ld, ex, "expect"));
    if (expect && strcmp(expect, "fail") == 0)
      e->expect_fail = 1;
    else if (!expect || strcmp(expect, "pass") != 0)
      err_at(ld, ex, "example: 'expect' must be fail or pass");
    const rl__ynode *note = map_get(ld, ex, "note");
    if (note) {
      char *s = get_str(ld, ex, "note", 0);
      if (s) {
        keep_bytes(r, (uint8_t *)s);
        e->note = s;
      }
    }
    const rl__ynode *req = map_get(ld, ex, "request");
    const rl__ynode *resp = map_get(ld, ex, "response");
    if (req) {
      uint8_t *b = scalar(ld, req) ? latin1(ld, req, &e->request_len) : NULL;
      if (!scalar(ld, req)) err_at(ld, req, "example: request must be a string");
      if (b && keep_bytes(r, b) == 0) e->request = b;
    }
    if (!resp || !scalar(ld, resp)) {
      err_at(ld, resp ? resp : ex, "example: 'response' (a string) is required");
    } else {
      uint8_t *b = latin1(ld, resp, &e->response_len);
      if (b && keep_bytes(r, b) == 0) e->response = b;
    }
    const char *end = scalar(ld, map_get(ld, ex, "end"));
    e->end = RL_TRANSCRIPT_FIN;
    if (end && strcmp(end, "open") == 0)
      e->end = RL_TRANSCRIPT_OPEN;
    else if (end && strcmp(end, "fin") != 0)
      err_at(ld, map_get(ld, ex, "end"), "example: 'end' must be fin or open");
    r->info.nexamples++;
  }
}

static void parse_applies(loader *ld, rl__rule *r, const rl__ynode *v) {
  if (v->kind != RL__Y_MAP) {
    err_at(ld, v, "applies_to must be a mapping");
    return;
  }
  static const char *const keys[] = {"status", "methods", "versions", NULL};
  map_keys_check(ld, v, keys, "applies_to");
  const rl__ynode *st = map_get(ld, v, "status");
  if (st && parse_codes(ld, st, r->codes, "applies_to.status") == 0)
    r->has_status = 1;
  const rl__ynode *me = map_get(ld, v, "methods");
  if (me) {
    r->methods = get_words(ld, me, &r->nmethods, "applies_to.methods");
    ld->needs_request = 1;
  }
  const rl__ynode *ve = map_get(ld, v, "versions");
  if (ve) {
    r->versions = get_words(ld, ve, &r->nversions, "applies_to.versions");
    for (size_t i = 0; i < r->nversions; i++)
      if (!check_version(r->versions[i]))
        err_at(ld, ve, "applies_to.versions: '%s' is not like \"1.1\"",
               r->versions[i]);
  }
}

static void parse_needs(loader *ld, rl__rule *r, const rl__ynode *v) {
  size_t cnt;
  char **w = get_words(ld, v, &cnt, "needs");
  for (size_t i = 0; i < cnt; i++) {
    int found = -1;
    for (int k = 0; k < RL_NEED__COUNT; k++)
      if (strcmp(rl_need_name((rl_need)k), w[i]) == 0) found = k;
    if (found < 0)
      err_at(ld, v, "needs: unknown need '%s' (request, complete-headers, "
                    "complete-content)", w[i]);
    else
      r->info.needs |= 1u << found;
  }
  free_words(w, cnt);
}

/* The file name must be <ID>-<name>.yaml so that a rule is found by either. */
static void check_file_name(loader *ld, const rl__rule *r, const rl__ynode *root) {
  const char *base = strrchr(ld->file, '/');
  base = base ? base + 1 : ld->file;
  size_t il = strlen(r->info.id), nl = strlen(r->info.name);
  const char *ext = base + il + 1 + nl;
  int ok = strlen(base) > il + 1 + nl && strncmp(base, r->info.id, il) == 0 &&
           base[il] == '-' && strncmp(base + il + 1, r->info.name, nl) == 0 &&
           (strcmp(ext, ".yaml") == 0 || strcmp(ext, ".yml") == 0);
  if (!ok)
    err_at(ld, root, "file name must be %s-%s.yaml", r->info.id, r->info.name);
}

/* True when `c` (holding with polarity `positive`) can hold because a
 * response field is absent: field-absent, or a field test under an odd number
 * of nots. Such a check is only sound on a complete header section; one cut
 * at the cap or by a close may have lost the field it looks for. */
static int reads_absence(const rl__cond *c, int positive) {
  if (!c) return 0;
  switch (c->kind) {
  case RL__C_NOT:
  case RL__C_ALL:
  case RL__C_ANY:
    for (size_t i = 0; i < c->nkids; i++)
      if (reads_absence(c->kids[i], c->kind == RL__C_NOT ? !positive : positive))
        return 1;
    return 0;
  case RL__C_FIELD_ABSENT:
    return positive;
  case RL__C_FIELD_PRESENT:
  case RL__C_FIELD_MATCHES:
  case RL__C_FIELD_VIOLATES:
  case RL__C_FIELD_REPEATED:
    return !positive;
  default:
    return 0;
  }
}

static void parse_rfc(loader *ld, rl__rule *r, const rl__ynode *v) {
  if (!v || v->kind != RL__Y_MAP) {
    err_at(ld, v, "rfc must be a mapping {document, section, url, quote}");
    return;
  }
  static const char *const keys[] = {"document", "section", "url", "quote", NULL};
  map_keys_check(ld, v, keys, "rfc");
  r->info.rfc_document = get_str(ld, v, "document", 1);
  r->info.rfc_section = get_str(ld, v, "section", 1);
  r->info.rfc_url = get_str(ld, v, "url", 1);
  r->info.rfc_quote = get_str(ld, v, "quote", 1);
  const char *u = r->info.rfc_url;
  if (u && strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
    err_at(ld, map_get(ld, v, "url"), "rfc.url must be an http(s) URL");
}

static void parse_root(loader *ld, rl__rule *r, const rl__ynode *root) {
  static const char *const keys[] = {
      "id", "name", "level", "requirement", "summary", "why", "rfc",
      "applies_to", "needs", "superseded_by", "check", "message", "examples",
      NULL};
  map_keys_check(ld, root, keys, "record");
  rl_rule_info *in = &r->info;
  in->id = get_str(ld, root, "id", 1);
  in->name = get_str(ld, root, "name", 1);
  if (in->id && !match_id(in->id))
    err_at(ld, map_get(ld, root, "id"),
           "id '%s' must be 2-8 upper-case letters and 3 digits", in->id);
  if (in->name && !match_name(in->name))
    err_at(ld, map_get(ld, root, "name"), "name '%s' must be kebab-case",
           in->name);
  if (in->id && in->name && match_id(in->id) && match_name(in->name))
    check_file_name(ld, r, root);
  char *level = get_str(ld, root, "level", 1);
  int lv = level ? rl_level_lookup(level) : -1;
  if (level && lv < 0)
    err_at(ld, map_get(ld, root, "level"), "level must be info, warning or error");
  in->level = in->default_level = lv < 0 ? RL_LEVEL_INFO : (rl_level)lv;
  free(level);
  in->requirement = get_str(ld, root, "requirement", 1);
  if (in->requirement) {
    int ok = 0;
    for (const char *const *q = requirements; *q; q++)
      if (strcmp(*q, in->requirement) == 0) ok = 1;
    if (!ok)
      err_at(ld, map_get(ld, root, "requirement"),
             "requirement '%s' is not a BCP 14 keyword, invalid, advice, "
             "deprecated or note",
             in->requirement);
  }
  in->summary = get_str(ld, root, "summary", 1);
  in->why = get_str(ld, root, "why", 1);
  parse_rfc(ld, r, map_get(ld, root, "rfc"));
  const rl__ynode *ap = map_get(ld, root, "applies_to");
  if (ap) parse_applies(ld, r, ap);
  const rl__ynode *ck = map_get(ld, root, "check");
  if (!ck)
    err_at(ld, root, "missing required key 'check'");
  else
    r->check = parse_cond(ld, ck, 0);
  if (r->check && r->check->kind == RL__C_EVENT) r->top_event = r->check->event;
  r->reads_absence = reads_absence(r->check, 1);
  const rl__ynode *sb = map_get(ld, root, "superseded_by");
  if (sb) {
    r->superseded_by = get_words(ld, sb, &r->nsuperseded_by, "superseded_by");
    for (size_t i = 0; i < r->nsuperseded_by; i++)
      if (!match_prefix(r->superseded_by[i]))
        err_at(ld, sb, "superseded_by: '%s' is not an ID or ID prefix (ST, "
                       "ST03, ST030)", r->superseded_by[i]);
  }
  const rl__ynode *nd = map_get(ld, root, "needs");
  if (nd) parse_needs(ld, r, nd);
  if (ld->needs_request) in->needs |= 1u << RL_NEED_REQUEST;
  in->message = get_str(ld, root, "message", 1);
  char bad[64];
  if (in->message && rl__template_check(in->message, bad, sizeof bad) != 0)
    err_at(ld, map_get(ld, root, "message"), "message: unknown placeholder {%s}",
           bad);
  /* A finding's message is one line: only the wire bytes placed in it are
   * escaped, so a line break or tab in the template itself would break the
   * line-based formats (get_str refused the other control characters). */
  for (const char *c = in->message; c && *c; c++)
    if (*c == '\n' || *c == '\t') {
      err_at(ld, map_get(ld, root, "message"),
             "message: control character 0x%02x in the template",
             (unsigned)(unsigned char)*c);
      break;
    }
  const rl__ynode *ex = map_get(ld, root, "examples");
  if (!ex && !ld->with_examples) return;
  if (!ex)
    err_at(ld, root, "missing required key 'examples'");
  else
    parse_examples(ld, r, ex);
}

/* A one-line description of where the rule applies, for the docs. */
static void write_applies(const rl__rule *r, FILE *f) {
  const char *sep = "";
  if (r->has_status) {
    fputs("status ", f);
    int first = 1;
    for (int c = 0; c < RL__NCODES; c++) {
      if (c % 8 == 0 && r->codes[c / 8] == 0) { /* eight codes at once */
        c += 7;
        continue;
      }
      if (!rl__codes_has(r->codes, c)) continue;
      int e = c;
      while (e + 1 < RL__NCODES && rl__codes_has(r->codes, e + 1)) e++;
      if (!first) fputs(", ", f);
      first = 0;
      if (e == c)
        fprintf(f, "%03d", c);
      else if (c % 100 == 0 && e == c + 99)
        fprintf(f, "%dxx", c / 100);
      else
        fprintf(f, "%03d-%03d", c, e);
      c = e;
    }
    sep = "; ";
  }
  if (r->nmethods) {
    fprintf(f, "%smethods ", sep);
    for (size_t i = 0; i < r->nmethods; i++)
      fprintf(f, "%s%s", i ? ", " : "", r->methods[i]);
    sep = "; ";
  }
  if (r->nversions) {
    fprintf(f, "%sHTTP ", sep);
    for (size_t i = 0; i < r->nversions; i++)
      fprintf(f, "%s%s", i ? ", " : "", r->versions[i]);
  }
}

static void write_check(const rl__rule *r, FILE *f) {
  if (r->check) rl__cond_describe(r->check, f);
}

/* What `write` writes, as an owned string. Into a buffer on the stack
 * first: open_memstream zeroes 8 KiB per stream, which was 2.1 M
 * instructions for the catalogue's 256 descriptions (the longest is about
 * 1 KB). A description that does not fit is written again into a memstream.
 * NULL when out of memory. */
static char *describe(const rl__rule *r, void (*write)(const rl__rule *, FILE *)) {
  char small[4096];
  FILE *f = fmemopen(small, sizeof small, "w");
  if (f) {
    write(r, f);
    int ok = fflush(f) == 0 && !ferror(f);
    long n = ftell(f);
    fclose(f);
    if (ok && n >= 0 && (size_t)n < sizeof small) {
      small[n] = '\0';
      return xstrdup(small);
    }
  }
  char *buf = NULL;
  size_t len = 0;
  f = open_memstream(&buf, &len);
  if (!f) return NULL;
  write(r, f);
  fclose(f);
  return buf;
}

/* The build's tree of this text when it is a catalogue record cut before its
 * examples, else NULL. Exact: the build made that tree with the same
 * converter from the same bytes (the catalogue's own, at the same address,
 * the same length), and a tree depends on nothing else.
 * RESPLINT_VERIFY_TREE=1 parses the text again and aborts on a difference. */
static const rl__ytree *catalogue_tree(const char *text, size_t len) {
  if (rl__catalogue_tree_count != rl__catalogue_count) return NULL;
  for (size_t i = 0; i < rl__catalogue_count; i++) {
    const rl__catalogue_tree *ct = &rl__catalogue_trees[i];
    if (rl__catalogue[i].text == text)
      return ct->built && ct->head_len == len ? &ct->tree : NULL;
  }
  return NULL;
}

static void verify_tree(const char *name, const rl__ytree *t, const char *text,
                        size_t len) {
  rl__ytree fresh;
  rl__yproblem pr;
  int rc = rl__ytree_parse(text, len, &fresh, &pr);
  if (rc == -2) return;
  int same = rc == 0 && rl__ytree_same(t, &fresh);
  rl__ytree_free(&fresh);
  if (same) return;
  fprintf(stderr, "resplint: RESPLINT_VERIFY_TREE: %s: the built tree differs "
                  "from the record's\n", name);
  abort();
}

/* Points ld->t at the text's tree: the build's for a catalogue record, else
 * one parsed into *parsed. 0; -1 after reporting that the text is not YAML;
 * -2 when out of memory. */
static int find_tree(loader *ld, rl__ytree *parsed, const char *text, size_t len) {
  ld->t = ld->with_examples ? NULL : catalogue_tree(text, len);
  if (ld->t) {
    /* The verify mode compiles every regex at load, as for any other record. */
    if (rl__env_on("RESPLINT_VERIFY_TREE"))
      verify_tree(ld->file, ld->t, text, len);
    else
      ld->lazy_regex = 1;
    return 0;
  }
  rl__yproblem pr;
  int rc = rl__ytree_parse(text, len, parsed, &pr);
  if (rc == -1) {
    ld->nerr++;
    if (ld->errs)
      fprintf(ld->errs, "%s:%u:%u: error: YAML: %s\n", ld->file, pr.line + 1,
              pr.col + 1, pr.what);
  }
  ld->t = parsed;
  return rc;
}

rl__rule *rl__rule_parse(const char *name, const char *text, size_t len,
                         int with_examples, FILE *errs, int *nerr) {
  loader ld;
  memset(&ld, 0, sizeof ld);
  ld.with_examples = with_examples;
  ld.file = name;
  ld.errs = errs;
  rl__ytree parsed = {0};
  if (find_tree(&ld, &parsed, text, len) < 0) {
    *nerr += ld.nerr;
    return NULL;
  }
  rl__rule *r = calloc(1, sizeof *r);
  const rl__ynode *root = ld.t->nnodes ? &ld.t->nodes[0] : NULL;
  if (r) {
    r->top_event = -1;
    r->status_unparsed = 1;
    if (!root || root->kind != RL__Y_MAP)
      err_at(&ld, root, "a record is a YAML mapping");
    else
      parse_root(&ld, r, root);
  }
  rl__ytree_free(&parsed);
  if (r && ld.nerr == 0) {
    /* A status restriction excludes responses whose code did not parse. */
    r->status_unparsed = !r->has_status;
    char *a = describe(r, write_applies);
    char *c = describe(r, write_check);
    r->info.applies_to = a ? a : xstrdup("");
    r->info.check = c ? c : xstrdup("");
    r->info.examples = r->examples;
    if (!r->info.applies_to || !r->info.check) ld.nerr++;
    if (r->info.message && rl__tmpl_compile(&r->msg, r->info.message) < 0) ld.nerr++;
  }
  *nerr += ld.nerr;
  if (!r || ld.nerr) {
    rl__rule_free(r);
    return NULL;
  }
  return r;
}

void rl__rule_free(rl__rule *r) {
  if (!r) return;
  rl_rule_info *in = &r->info;
  free((char *)in->id);
  free((char *)in->name);
  free((char *)in->requirement);
  free((char *)in->summary);
  free((char *)in->why);
  free((char *)in->rfc_document);
  free((char *)in->rfc_section);
  free((char *)in->rfc_url);
  free((char *)in->rfc_quote);
  free((char *)in->applies_to);
  free((char *)in->check);
  free((char *)in->message);
  rl__tmpl_free(&r->msg);
  free((char *)in->file);
  rl__cond_free(r->check);
  free_words(r->methods, r->nmethods);
  free_words(r->versions, r->nversions);
  free_words(r->superseded_by, r->nsuperseded_by);
  for (size_t i = 0; i < r->nexample_bytes; i++) free(r->example_bytes[i]);
  free(r->example_bytes);
  free(r->examples);
  free(r);
}
