/* The configuration file, read with libyaml's document loader so that every
 * value keeps its line and column for the error messages.
 *
 * The file is checked completely before anything runs: an unknown key, a
 * value of the wrong type or an impossible scope is an error naming the
 * place, because a misspelt key must not silently switch a gate off.
 */
#include "cli/config.h"
#include "cli/say.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "resplint/error.h"

/* The reading state: the document and where errors go. */
typedef struct reader {
  yaml_document_t *doc;
  const char *path;
  FILE *errs;
  int bad;
  char *dir; /* the file's directory, for relative rule directories */
} reader;

static void complain(reader *r, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void complain(reader *r, const yaml_node_t *n, const char *fmt, ...) {
  r->bad = 1;
  if (!r->errs)
    return;
  /* The explanation quotes the file's own text: escaped with the path. */
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  rl__say(r->errs, "%s:%lu:%lu: error: %s", r->path,
          n ? (unsigned long)n->start_mark.line + 1 : 1UL,
          n ? (unsigned long)n->start_mark.column + 1 : 1UL, what);
}

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *node(reader *r, int id) { return yaml_document_get_node(r->doc, id); }

static char *dup_or_fail(reader *r, const char *s) {
  char *d = strdup(s);
  if (!d)
    complain(r, NULL, "out of memory");
  return d;
}

static int add_spec(reader *r, rl__config_spec **v, size_t *n, const yaml_node_t *at,
                    const char *text, int level) {
  rl__config_spec *grown = realloc(*v, (*n + 1) * sizeof *grown);
  if (!grown) {
    complain(r, at, "out of memory");
    return -1;
  }
  *v = grown;
  rl__config_spec *s = &grown[*n];
  s->spec = dup_or_fail(r, text);
  if (!s->spec)
    return -1;
  s->level = level;
  s->line = (unsigned)at->start_mark.line + 1;
  s->col = (unsigned)at->start_mark.column + 1;
  (*n)++;
  return 0;
}

/* A scalar or a sequence of scalars, each added as one spec. */
static void read_specs(reader *r, const yaml_node_t *n, rl__config_spec **v, size_t *cnt,
                       const char *key) {
  if (scalar(n)) {
    if (!scalar(n)[0])
      complain(r, n, "%s: empty rule list", key);
    else
      add_spec(r, v, cnt, n, scalar(n), 0);
    return;
  }
  if (n->type != YAML_SEQUENCE_NODE) {
    complain(r, n, "%s: expected a rule or a list of rules", key);
    return;
  }
  for (yaml_node_item_t *it = n->data.sequence.items.start;
       it < n->data.sequence.items.top; it++) {
    yaml_node_t *item = node(r, *it);
    if (!scalar(item) || !scalar(item)[0])
      complain(r, item, "%s: expected a rule ID, prefix or name", key);
    else
      add_spec(r, v, cnt, item, scalar(item), 0);
  }
}

static int fail_on_value(const char *s) {
  return s && strcmp(s, "never") == 0 ? RL_LEVEL__COUNT : s ? rl_level_lookup(s) : -1;
}

/* A whole number from 0 to UINT32_MAX. */
static int64_t read_count(reader *r, const yaml_node_t *n, const char *key) {
  const char *s = scalar(n);
  char *end;
  errno = 0;
  unsigned long long v = s && isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
  if (!s || !isdigit((unsigned char)s[0]) || errno || *end || v > UINT32_MAX) {
    complain(r, n, "%s: expected a whole number from 0 to 4294967295", key);
    return -1;
  }
  return (int64_t)v;
}

static void read_levels(reader *r, rl__config *c, const yaml_node_t *n) {
  if (n->type != YAML_MAPPING_NODE) {
    complain(r, n, "levels: expected a mapping of rules to levels (SL005: warning)");
    return;
  }
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
       p++) {
    yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
    int level = rl_level_lookup(scalar(v) ? scalar(v) : "");
    if (!scalar(k) || !scalar(k)[0])
      complain(r, k, "levels: expected a rule ID, prefix or name");
    else if (level < 0)
      complain(r, v, "levels: %s: expected error, warning or info", scalar(k));
    else
      add_spec(r, &c->levels, &c->nlevels, k, scalar(k), level);
  }
}

static void read_limits(reader *r, rl__config *c, const yaml_node_t *n) {
  if (n->type != YAML_MAPPING_NODE) {
    complain(r, n, "limits: expected a mapping");
    return;
  }
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
       p++) {
    yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
    const char *key = scalar(k) ? scalar(k) : "";
    if (strcmp(key, "max-header-bytes") == 0)
      c->max_header_bytes = read_count(r, v, key);
    else if (strcmp(key, "max-fields") == 0)
      c->max_fields = read_count(r, v, key);
    else if (strcmp(key, "date-skew") == 0)
      c->date_skew = read_count(r, v, key);
    else
      complain(r, k, "limits: unknown key '%s' (expected max-header-bytes, "
                     "max-fields or date-skew)", key);
  }
}

/* caps: NAME: VALUE, as --cap-NAME VALUE takes it. */
static void read_caps(reader *r, rl__config *c, const yaml_node_t *n) {
  if (n->type != YAML_MAPPING_NODE) {
    complain(r, n, "caps: expected a mapping of cap names to values");
    return;
  }
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
       p++) {
    yaml_node_t *k = node(r, p->key), *v = node(r, p->value);
    const char *key = scalar(k) ? scalar(k) : "";
    int cap = rl__cap_lookup(key);
    char why[160];
    if (cap < 0)
      complain(r, k, "caps: unknown cap '%s' (expected flows, idle, ooo-stream, "
                     "ooo-total, header-bytes, header-total, fields, pending, "
                     "pending-bytes, frag-datagrams or frag-bytes)", key);
    else if (rl__cap_parse(cap, scalar(v) ? scalar(v) : "", &c->caps.v[cap], why,
                           sizeof why) < 0)
      complain(r, v, "caps: %s: expected %s", key, why);
  }
}

/* A rule directory, relative to the configuration file's directory. */
static void read_rules_dirs(reader *r, rl__config *c, const yaml_node_t *n) {
  size_t first = c->nrules_dirs;
  read_specs(r, n, &c->rules_dirs, &c->nrules_dirs, "rules");
  for (size_t i = first; i < c->nrules_dirs; i++) {
    char *d = c->rules_dirs[i].spec;
    if (d[0] == '/' || !r->dir)
      continue;
    size_t len = strlen(r->dir) + 1 + strlen(d) + 1;
    char *full = malloc(len);
    if (!full) {
      complain(r, n, "out of memory");
      return;
    }
    snprintf(full, len, "%s/%s", r->dir, d);
    free(d);
    c->rules_dirs[i].spec = full;
  }
}

/* "1.2.3.4", "1.2.3.4:80", "[2001:db8::1]:443", "2001:db8::1", ":80". */
static int parse_server(const char *s, rl__scope *sc) {
  char host[64];
  const char *port = NULL;
  sc->port = -1;
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    if (!close || (size_t)(close - s - 1) >= sizeof host)
      return -1;
    memcpy(host, s + 1, (size_t)(close - s - 1));
    host[close - s - 1] = '\0';
    if (close[1] == ':')
      port = close + 2;
    else if (close[1])
      return -1;
  } else {
    const char *colon = strchr(s, ':');
    int v6 = colon && strchr(colon + 1, ':');
    size_t hlen = v6 || !colon ? strlen(s) : (size_t)(colon - s);
    if (hlen >= sizeof host)
      return -1;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    if (!v6 && colon)
      port = colon + 1;
  }
  if (host[0] && strcmp(host, "*") != 0) {
    memset(sc->addr, 0, sizeof sc->addr);
    if (inet_pton(AF_INET, host, sc->addr) == 1)
      sc->ipver = 4;
    else if (inet_pton(AF_INET6, host, sc->addr) == 1)
      sc->ipver = 6;
    else
      return -1;
    sc->has_addr = 1;
  }
  if (port) {
    char *end;
    errno = 0;
    long p = strtol(port, &end, 10);
    if (!isdigit((unsigned char)port[0]) || errno || *end || p < 0 || p > 65535)
      return -1;
    sc->port = (int)p;
  }
  return sc->has_addr || sc->port >= 0 ? 0 : -1;
}

/* "404" or "4xx". */
static int parse_status(const char *s, int *lo, int *hi) {
  if (strlen(s) != 3 || s[0] < '1' || s[0] > '9')
    return -1;
  if (s[1] == 'x' && s[2] == 'x') {
    *lo = (s[0] - '0') * 100;
    *hi = *lo + 99;
    return 0;
  }
  if (!isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
    return -1;
  *lo = *hi = atoi(s);
  return 0;
}

static void add_status(reader *r, rl__scope *sc, const yaml_node_t *n) {
  int lo, hi;
  if (!scalar(n) || parse_status(scalar(n), &lo, &hi) != 0) {
    complain(r, n, "status: expected a status code (404) or class (4xx)");
    return;
  }
  int *l = realloc(sc->status_lo, (sc->nstatus + 1) * sizeof *l);
  if (l)
    sc->status_lo = l;
  int *h = l ? realloc(sc->status_hi, (sc->nstatus + 1) * sizeof *h) : NULL;
  if (!h) {
    complain(r, n, "out of memory");
    return;
  }
  sc->status_hi = h;
  sc->status_lo[sc->nstatus] = lo;
  sc->status_hi[sc->nstatus++] = hi;
}

static void read_scope_rules(reader *r, rl__scope *sc, const yaml_node_t *v) {
  rl__config_spec *specs = NULL;
  size_t n = 0;
  read_specs(r, v, &specs, &n, "ignore rules");
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(specs[i].spec) + 1;
  sc->rules = n ? malloc(len) : NULL;
  if (sc->rules) {
    sc->rules[0] = '\0';
    for (size_t i = 0; i < n; i++) {
      if (i)
        strcat(sc->rules, ",");
      strcat(sc->rules, specs[i].spec);
    }
  }
  sc->rules_line = (unsigned)v->start_mark.line + 1;
  sc->rules_col = (unsigned)v->start_mark.column + 1;
  for (size_t i = 0; i < n; i++)
    free(specs[i].spec);
  free(specs);
}

/* One key of a scoped ignore; returns 1 if it narrows the scope. */
static int read_scope_key(reader *r, rl__scope *sc, const yaml_node_t *k,
                          const yaml_node_t *v) {
  const char *key = scalar(k) ? scalar(k) : "";
  if (strcmp(key, "rules") == 0) {
    read_scope_rules(r, sc, v);
    return 0;
  }
  if (strcmp(key, "status") == 0) {
    if (v->type == YAML_SEQUENCE_NODE)
      for (yaml_node_item_t *it = v->data.sequence.items.start;
           it < v->data.sequence.items.top; it++)
        add_status(r, sc, node(r, *it));
    else
      add_status(r, sc, v);
    return 1;
  }
  const char *val = scalar(v);
  if (strcmp(key, "server") != 0 && strcmp(key, "host") != 0 &&
      strcmp(key, "target") != 0 && strcmp(key, "reason") != 0) {
    complain(r, k, "ignore: unknown key '%s' (expected rules, server, host, target, "
                   "status or reason)", key);
    return 0;
  }
  if (!val || !val[0]) {
    complain(r, v, "ignore: %s: expected a non-empty string", key);
    return 0;
  }
  if (strcmp(key, "server") == 0) {
    if (parse_server(val, sc) != 0)
      complain(r, v, "ignore: server: expected ADDRESS, ADDRESS:PORT, [IPV6]:PORT or "
                     ":PORT, not '%s'", val);
    return 1;
  }
  char **slot = strcmp(key, "host") == 0     ? &sc->host
                : strcmp(key, "target") == 0 ? &sc->target
                                             : &sc->reason;
  free(*slot);
  *slot = dup_or_fail(r, val);
  return slot != &sc->reason;
}

static void read_scope(reader *r, rl__config *c, const yaml_node_t *n) {
  if (n->type != YAML_MAPPING_NODE) {
    complain(r, n, "ignore: expected a mapping (rules, server, host, target, status, "
                   "reason)");
    return;
  }
  rl__scope *grown = realloc(c->scopes, (c->nscopes + 1) * sizeof *grown);
  if (!grown) {
    complain(r, n, "out of memory");
    return;
  }
  c->scopes = grown;
  rl__scope *sc = &grown[c->nscopes++];
  memset(sc, 0, sizeof *sc);
  sc->port = -1;
  sc->line = (unsigned)n->start_mark.line + 1;
  int narrowed = 0;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
       p++)
    narrowed |= read_scope_key(r, sc, node(r, p->key), node(r, p->value));
  /* An ignore without a scope would be a plain --ignore written where a
   * reader expects a narrow exception: say so rather than guess. */
  if (!narrowed)
    complain(r, n, "ignore: give at least one of server, host, target or status "
                   "(use the top-level 'ignore' key to ignore a rule everywhere)");
}

static void read_scopes(reader *r, rl__config *c, const yaml_node_t *n) {
  if (n->type != YAML_SEQUENCE_NODE) {
    complain(r, n, "ignores: expected a list of scoped ignores");
    return;
  }
  for (yaml_node_item_t *it = n->data.sequence.items.start;
       it < n->data.sequence.items.top; it++)
    read_scope(r, c, node(r, *it));
}

static void read_top(reader *r, rl__config *c, const yaml_node_t *k, const yaml_node_t *v) {
  const char *key = scalar(k) ? scalar(k) : "";
  if (strcmp(key, "select") == 0)
    read_specs(r, v, &c->selects, &c->nselects, key);
  else if (strcmp(key, "ignore") == 0)
    read_specs(r, v, &c->ignores, &c->nignores, key);
  else if (strcmp(key, "levels") == 0)
    read_levels(r, c, v);
  else if (strcmp(key, "rules") == 0)
    read_rules_dirs(r, c, v);
  else if (strcmp(key, "limits") == 0)
    read_limits(r, c, v);
  else if (strcmp(key, "caps") == 0)
    read_caps(r, c, v);
  else if (strcmp(key, "ignores") == 0)
    read_scopes(r, c, v);
  else if (strcmp(key, "fail-on") == 0) {
    c->fail_on = fail_on_value(scalar(v));
    if (c->fail_on < 0)
      complain(r, v, "fail-on: expected error, warning, info or never");
  } else
    complain(r, k, "unknown key '%s' (expected select, ignore, levels, rules, limits, caps, "
                   "fail-on or ignores)", key);
}

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return NULL;
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, path, n);
    d[n] = '\0';
  }
  return d;
}

static int open_error(const char *path, FILE *errs) {
  int e = errno;
  if (errs)
    rl__say(errs, "resplint: %s: %s\n", path, strerror(e));
  return e == ENOENT   ? RL_ENOENT
         : e == EACCES ? RL_EACCES
         : e == EISDIR ? RL_EISDIR
                       : RL_EIO;
}

static void read_document(reader *r, rl__config *c, yaml_parser_t *p) {
  yaml_document_t doc;
  if (!yaml_parser_load(p, &doc)) {
    r->bad = 1;
    if (r->errs)
      rl__say(r->errs, "%s:%lu:%lu: error: %s\n", r->path,
              (unsigned long)p->problem_mark.line + 1,
              (unsigned long)p->problem_mark.column + 1,
              p->problem ? p->problem : "invalid YAML");
    return;
  }
  r->doc = &doc;
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (root && root->type == YAML_MAPPING_NODE) {
    for (yaml_node_pair_t *q = root->data.mapping.pairs.start;
         q < root->data.mapping.pairs.top; q++)
      read_top(r, c, node(r, q->key), node(r, q->value));
  } else if (root && !(scalar(root) && !scalar(root)[0])) {
    complain(r, root, "expected a mapping of settings (select, ignore, levels, ...)");
  }
  yaml_document_delete(&doc);
  r->doc = NULL;
}

int rl__config_load(rl__config **out, const char *path, FILE *errs) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return open_error(path, errs);
  rl__config *c = calloc(1, sizeof *c);
  yaml_parser_t p;
  if (!c || !yaml_parser_initialize(&p)) {
    free(c);
    fclose(f);
    return RL_ENOMEM;
  }
  c->fail_on = -1;
  c->max_header_bytes = c->max_fields = c->date_skew = -1;
  c->path = strdup(path);
  reader r = {NULL, path, errs, c->path ? 0 : 1, dir_of(path)};
  yaml_parser_set_input_file(&p, f);
  read_document(&r, c, &p);
  yaml_parser_delete(&p);
  fclose(f);
  free(r.dir);
  if (r.bad) {
    rl__config_free(c);
    return RL_EINVAL;
  }
  *out = c;
  return 0;
}

static void free_specs(rl__config_spec *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i].spec);
  free(v);
}

void rl__config_free(rl__config *c) {
  if (!c)
    return;
  free_specs(c->selects, c->nselects);
  free_specs(c->ignores, c->nignores);
  free_specs(c->levels, c->nlevels);
  free_specs(c->rules_dirs, c->nrules_dirs);
  for (size_t i = 0; i < c->nscopes; i++) {
    rl__scope *s = &c->scopes[i];
    free(s->rules);
    free(s->host);
    free(s->target);
    free(s->reason);
    free(s->status_lo);
    free(s->status_hi);
  }
  free(c->scopes);
  free(c->path);
  free(c);
}

/* --- applying ----------------------------------------------------------- */

static int item_matches(const char *item, size_t n, const rl_rule_info *rule) {
  if (n == 3 && strncmp(item, "ALL", 3) == 0)
    return 1;
  if (strlen(rule->name) == n && strncmp(rule->name, item, n) == 0)
    return 1;
  if (n > strlen(rule->id))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (toupper((unsigned char)item[i]) != rule->id[i])
      return 0;
  return 1;
}

int rl__spec_matches(const char *spec, const rl_rule_info *rule) {
  for (const char *p = spec; *p;) {
    p += strspn(p, ", ");
    size_t n = strcspn(p, ", ");
    if (n && item_matches(p, n, rule))
      return 1;
    p += n;
  }
  return 0;
}

/* What a list of specs in the file does to the engine. */
typedef enum apply_kind { APPLY_SELECT, APPLY_IGNORE, APPLY_LEVEL } apply_kind;

static int apply_one(rl_engine *e, apply_kind kind, const rl__config_spec *s) {
  switch (kind) {
  case APPLY_SELECT:
    return rl_engine_select(e, s->spec, NULL);
  case APPLY_IGNORE:
    return rl_engine_ignore(e, s->spec, NULL);
  default:
    return rl_engine_set_level(e, s->spec, (rl_level)s->level, NULL);
  }
}

/* Runs one engine call per spec, so that an item matching no rule can be
 * reported at its own place in the file. */
static int apply_specs(const rl__config *c, rl_engine *e, const rl__config_spec *v,
                       size_t n, apply_kind kind, FILE *errs) {
  static const char *const what[] = {"select", "ignore", "levels"};
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (apply_one(e, kind, &v[i]) < 0) {
      bad = 1;
      if (errs)
        rl__say(errs, "%s:%u:%u: error: %s: '%s' matches no rule\n", c->path, v[i].line,
                v[i].col, what[kind], v[i].spec);
    }
  }
  return bad;
}

static int rules_exist(const rl_engine *e, const char *spec) {
  for (const char *p = spec; *p;) {
    p += strspn(p, ", ");
    size_t n = strcspn(p, ", ");
    int hit = 0;
    for (size_t i = 0; n && !hit && i < rl_engine_rule_count(e); i++)
      hit = item_matches(p, n, rl_engine_rule(e, i));
    if (n && !hit)
      return 0;
    p += n;
  }
  return 1;
}

int rl__config_apply_rules(const rl__config *c, rl_engine *e, int use_select,
                           int use_ignore, FILE *errs) {
  int bad = 0;
  if (use_select)
    bad |= apply_specs(c, e, c->selects, c->nselects, APPLY_SELECT, errs);
  if (use_ignore)
    bad |= apply_specs(c, e, c->ignores, c->nignores, APPLY_IGNORE, errs);
  bad |= apply_specs(c, e, c->levels, c->nlevels, APPLY_LEVEL, errs);
  for (size_t i = 0; i < c->nscopes; i++) {
    const rl__scope *s = &c->scopes[i];
    if (s->rules && !rules_exist(e, s->rules)) {
      bad = 1;
      if (errs)
        rl__say(errs, "%s:%u:%u: error: ignore rules: '%s' names a rule that does "
                      "not exist\n", c->path, s->rules_line, s->rules_col, s->rules);
    }
  }
  return bad ? RL_EINVAL : 0;
}

/* --- matching ----------------------------------------------------------- */

/* The value of the request's Host field, or NULL. */
static const char *request_host(const rl_exchange *x, size_t *len) {
  const rl_message *q = x->request;
  if (!q)
    return NULL;
  for (uint32_t i = 0; i < q->nfields; i++)
    if (q->fields[i].id == RL_FIELD_HOST && q->fields[i].value.off + q->fields[i].value.len
                                                <= q->raw_len) {
      *len = q->fields[i].value.len;
      return (const char *)q->raw + q->fields[i].value.off;
    }
  return NULL;
}

/* Host matches case-insensitively, with or without its port; a pattern
 * "*.example.com" matches every name below example.com. */
static int host_matches(const char *pattern, const char *host, size_t len) {
  const char *colon = memchr(host, ':', len);
  if (colon && host[0] != '[')
    len = (size_t)(colon - host);
  size_t plen = strlen(pattern);
  if (pattern[0] == '*' && pattern[1] == '.')
    return len > plen - 1 &&
           strncasecmp(host + len - (plen - 1), pattern + 1, plen - 1) == 0;
  return (plen == len && strncasecmp(pattern, host, len) == 0);
}

static int target_matches(const char *prefix, const rl_exchange *x) {
  const rl_message *q = x->request;
  size_t n = strlen(prefix);
  if (!q || q->target.off + q->target.len > q->raw_len || q->target.len < n)
    return 0;
  return memcmp(q->raw + q->target.off, prefix, n) == 0;
}

static int status_matches(const rl__scope *s, const rl_exchange *x) {
  int code = x->response ? x->response->status_code : -1;
  for (size_t i = 0; i < s->nstatus; i++)
    if (code >= s->status_lo[i] && code <= s->status_hi[i])
      return 1;
  return 0;
}

static int server_matches(const rl__scope *s, const rl_conn *conn) {
  if (!conn)
    return 0;
  if (s->port >= 0 && conn->server.port != s->port)
    return 0;
  return !s->has_addr ||
         (conn->server.ipver == s->ipver && memcmp(conn->server.addr, s->addr, 16) == 0);
}

int rl__scope_matches(const rl__scope *s, const rl_finding *f) {
  if (s->rules && !rl__spec_matches(s->rules, f->rule))
    return 0;
  if ((s->has_addr || s->port >= 0) && !server_matches(s, f->x ? f->x->conn : f->conn))
    return 0;
  if (!f->x)
    return !s->host && !s->target && !s->nstatus;
  size_t hlen = 0;
  const char *host = s->host ? request_host(f->x, &hlen) : NULL;
  if (s->host && (!host || !host_matches(s->host, host, hlen)))
    return 0;
  if (s->target && !target_matches(s->target, f->x))
    return 0;
  return !s->nstatus || status_matches(s, f->x);
}
