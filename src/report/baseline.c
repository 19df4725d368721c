/* Baselines: an open-addressing hash set of fingerprint strings, read from
 * and written to a sorted text file. Lookups happen once per finding, so
 * each builds its fingerprint on the heap; nothing here runs per packet.
 * SARIF writes a fingerprint with every result, through the same writer
 * into a buffer of its own. */
#include "report/baseline.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "resplint/decode.h"
#include "resplint/error.h"

#define HEADER                                                                  \
  "# resplint baseline: findings recorded by --write-baseline and accepted by\n" \
  "# --baseline. One finding a line: rule, server, method, target, status,\n"     \
  "# separated by tabs (\"-\" when unknown). Frame numbers and stream indexes\n" \
  "# are deliberately absent, so re-recording the same traffic matches.\n"

struct rl__baseline {
  char **slots; /* NULL or an owned string */
  size_t cap;   /* a power of two */
  size_t n;
};

/* --- fingerprints ------------------------------------------------------- */

/* Wire bytes: printable ASCII as is, everything else (and '\\', and the
 * space) escaped, so a field can never hold a tab or a newline. */
static int fp_plain(uint8_t b) { return b > 0x20 && b < 0x7f && b != '\\'; }

static void put_escaped(rl__out *o, const uint8_t *b, size_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < n) {
    size_t start = i;
    while (i < n && fp_plain(b[i]))
      i++;
    rl__out_mem(o, b + start, i - start);
    if (i < n) {
      char e[4] = {'\\', 'x', hex[b[i] >> 4], hex[b[i] & 15]};
      rl__out_mem(o, e, sizeof e);
      i++;
    }
  }
}

static int span_ok(const rl_message *m, rl_span sp) {
  return m && sp.len > 0 && sp.off + sp.len <= m->raw_len;
}

static void put_span(rl__out *o, const rl_message *m, rl_span sp) {
  if (!span_ok(m, sp))
    rl__out_ch(o, '-');
  else
    put_escaped(o, m->raw + sp.off, sp.len);
}

static const rl_message *request_of(const rl_finding *f) {
  return f->x ? f->x->request : NULL;
}

size_t rl__baseline_fingerprint_bound(const rl_finding *f) {
  const rl_message *q = request_of(f);
  size_t n = strlen(f->rule->id) + 64 + 16 + 8;
  if (q && span_ok(q, q->method))
    n += 4 * (size_t)q->method.len;
  if (q && span_ok(q, q->target))
    n += 4 * (size_t)q->target.len;
  return n;
}

void rl__baseline_put_fingerprint(rl__out *o, const rl_finding *f, const char *server,
                                  size_t server_len) {
  rl__out_str(o, f->rule->id);
  rl__out_ch(o, '\t');
  const rl_conn *conn = f->x ? f->x->conn : f->conn;
  if (conn && server) {
    rl__out_mem(o, server, server_len);
  } else if (conn) {
    char ep[64];
    rl_endpoint_format(&conn->server, ep, sizeof ep);
    rl__out_str(o, ep);
  } else {
    rl__out_ch(o, '-');
  }
  const rl_message *q = request_of(f);
  rl__out_ch(o, '\t');
  put_span(o, q, q ? q->method : (rl_span){0, 0});
  rl__out_ch(o, '\t');
  put_span(o, q, q ? q->target : (rl_span){0, 0});
  rl__out_ch(o, '\t');
  int code = f->x && f->x->response ? f->x->response->status_code : -1;
  if (code >= 0)
    rl__out_int(o, code);
  else
    rl__out_ch(o, '-');
}

char *rl__baseline_fingerprint(const rl_finding *f) {
  size_t bound = rl__baseline_fingerprint_bound(f);
  char *p = malloc(bound + 1);
  if (!p)
    return NULL;
  rl__out o;
  rl__out_init(&o, NULL, p, bound);
  rl__baseline_put_fingerprint(&o, f, NULL, 0);
  p[o.len] = '\0';
  return p;
}

/* --- the set ------------------------------------------------------------ */

/* FNV-1a: short keys, no adversary who profits from collisions here. */
static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static size_t find_slot(char **slots, size_t cap, const char *key) {
  size_t i = (size_t)hash(key) & (cap - 1);
  while (slots[i] && strcmp(slots[i], key) != 0)
    i = (i + 1) & (cap - 1);
  return i;
}

static int grow(rl__baseline *b) {
  size_t cap = b->cap ? b->cap * 2 : 64;
  char **slots = calloc(cap, sizeof *slots);
  if (!slots)
    return RL_ENOMEM;
  for (size_t i = 0; i < b->cap; i++)
    if (b->slots[i])
      slots[find_slot(slots, cap, b->slots[i])] = b->slots[i];
  free(b->slots);
  b->slots = slots;
  b->cap = cap;
  return 0;
}

/* Takes ownership of `key`. */
static int add_key(rl__baseline *b, char *key) {
  if ((b->n + 1) * 2 > b->cap && grow(b) < 0) {
    free(key);
    return RL_ENOMEM;
  }
  size_t i = find_slot(b->slots, b->cap, key);
  if (b->slots[i]) {
    free(key);
    return 0;
  }
  b->slots[i] = key;
  b->n++;
  return 1;
}

rl__baseline *rl__baseline_new(void) { return calloc(1, sizeof(rl__baseline)); }

void rl__baseline_free(rl__baseline *b) {
  if (!b)
    return;
  for (size_t i = 0; i < b->cap; i++)
    free(b->slots[i]);
  free(b->slots);
  free(b);
}

int rl__baseline_add(rl__baseline *b, const rl_finding *f) {
  char *key = rl__baseline_fingerprint(f);
  return key ? add_key(b, key) : RL_ENOMEM;
}

int rl__baseline_contains(const rl__baseline *b, const rl_finding *f) {
  if (b->n == 0)
    return 0;
  char *key = rl__baseline_fingerprint(f);
  if (!key)
    return RL_ENOMEM;
  int found = b->slots[find_slot(b->slots, b->cap, key)] != NULL;
  free(key);
  return found;
}

size_t rl__baseline_count(const rl__baseline *b) { return b->n; }

/* --- the file ----------------------------------------------------------- */

static int errno_code(int e) {
  return e == ENOENT   ? RL_ENOENT
         : e == EACCES ? RL_EACCES
         : e == EISDIR ? RL_EISDIR
                       : RL_EIO;
}

/* A line is five non-empty tab-separated fields without other control
 * bytes: anything else was not written by resplint or was damaged. */
static int valid_line(const char *line) {
  int tabs = 0;
  size_t field = 0;
  for (const char *p = line; *p; p++) {
    if (*p == '\t') {
      if (field == 0)
        return 0;
      tabs++;
      field = 0;
    } else if ((unsigned char)*p < 0x21 || (unsigned char)*p == 0x7f) {
      return 0;
    } else {
      field++;
    }
  }
  return tabs == 4 && field > 0;
}

int rl__baseline_load(rl__baseline *b, const char *path, FILE *errs) {
  FILE *f = fopen(path, "r");
  if (!f) {
    int e = errno;
    if (errs)
      fprintf(errs, "resplint: %s: %s\n", path, strerror(e));
    return errno_code(e);
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  unsigned lineno = 0;
  int count = 0, rc = 0;
  while (rc >= 0 && (len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    if (len == 0 || line[0] == '#')
      continue;
    if (!valid_line(line)) {
      if (errs)
        fprintf(errs, "%s:%u: error: not a baseline line (expected rule, server, "
                      "method, target and status separated by tabs)\n", path, lineno);
      rc = RL_EINVAL;
      break;
    }
    char *key = strdup(line);
    int added = key ? add_key(b, key) : RL_ENOMEM;
    if (added < 0)
      rc = added;
    else
      count += added;
  }
  if (rc == 0 && ferror(f)) {
    if (errs)
      fprintf(errs, "resplint: %s: read error\n", path);
    rc = RL_EIO;
  }
  free(line);
  fclose(f);
  return rc < 0 ? rc : count;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int rl__baseline_write(const rl__baseline *b, const char *path, char *err, size_t errlen) {
  char **sorted = malloc((b->n ? b->n : 1) * sizeof *sorted);
  if (!sorted) {
    snprintf(err, errlen, "out of memory");
    return RL_ENOMEM;
  }
  size_t n = 0;
  for (size_t i = 0; i < b->cap; i++)
    if (b->slots[i])
      sorted[n++] = b->slots[i];
  qsort(sorted, n, sizeof *sorted, cmp_str);
  FILE *f = fopen(path, "w");
  if (!f) {
    int e = errno;
    snprintf(err, errlen, "%s", strerror(e));
    free(sorted);
    return errno_code(e);
  }
  fputs(HEADER, f);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s\n", sorted[i]);
  free(sorted);
  int bad = ferror(f);
  if (fclose(f) != 0 || bad) {
    snprintf(err, errlen, "write error");
    return RL_EIO;
  }
  return 0;
}
