/* The rule engine: the set of loaded rules, selection, the status-code index
 * and the judging of exchanges and connection events.
 *
 * Rules are kept sorted by ID, so findings for one response come out in ID
 * order and the same input always gives the same output. The index maps each
 * status code 000..999 (and "no parsable code") to the enabled rules that
 * apply to it; it is built once, after loading and selection.
 */
#include "common/file.h"
#include "engine/catalogue.h"
#include "engine/memo.h"
#include "engine/rule.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resplint/error.h"

#define RL__UNPARSED RL__NCODES /* index slot for responses without a code */

typedef struct rl__list {
  uint32_t *items;
  uint32_t n;
  uint32_t cap;
} rl__list;

/* Sets of rules, bit i for rule i (rules are in ID order, so ascending bits
 * are the order judging has always had), `words` 64-bit words each. Judging
 * a response visits only the rules of its status code that the response can
 * open: unguarded rules, rules guarded by a field or event it carries, and
 * rules with a need it does not meet (they count as skipped). A set lookup
 * per field present replaced a dozen instructions per rule and response,
 * which was most of what judging a response cost before any check ran. */
typedef struct rl__index {
  size_t words;
  uint64_t *mem;       /* one allocation for all the sets below */
  uint64_t *status;    /* [RL__NCODES + 1][words]: rules for each code */
  uint64_t *pass1;     /* rules a finer rule may supersede (judged last) */
  uint64_t *open;      /* rules without a guard */
  uint64_t *field;     /* [64][words]: rules guarded by field id */
  uint64_t *event;     /* [64][words]: rules guarded by event kind */
  uint64_t *need;      /* [RL_NEED__COUNT][words]: rules with that need */
  uint64_t *cand;      /* [words]: the current response's candidates */
  uint64_t *all_codes; /* [words]: rules for every code (no status list) */
} rl__index;

/* What judging needs of a rule before it evaluates the check, one small
 * record per rule in one array: a pass over a status code's rules then reads
 * a few contiguous kilobytes and touches a rule itself (hundreds of bytes
 * over several cache lines) only when the guard lets it through. */
typedef struct rl__step {
  rl__guard guard;
  unsigned needs;       /* rl_need bits, the implied ones included */
  uint8_t has_versions; /* the record limits response versions */
  uint8_t live;         /* its check reads the capture time (memo.h) */
} rl__step;

/* The last response version seen per connection (SL006), in a small
 * direct-mapped table: bounded memory whatever the number of connections; a
 * collision forgets a connection's history (a missed finding, never a false
 * one, because the slot remembers whose it is). The slot is the stream
 * number's: streams are numbered in order of appearance, so two connections
 * share one only 4,096 streams apart, and which share one does not depend on
 * where the connection objects happen to be in memory (it did, and SL006
 * came and went between two runs on the same capture). */
#define RL__CONN_SLOTS 4096
/* A rendered message, terminating NUL included. */
#define RL__MSG_CAP 512

typedef struct rl__conn_slot {
  const rl_conn *conn;
  uint64_t stream;
  int version;
  uint32_t index;
  uint32_t memo_hint; /* the memo entry of its previous exchange */
} rl__conn_slot;

struct rl_engine {
  rl__rule **rules;
  size_t nrules;
  int prepared;
  int selected; /* a select was given: rules start disabled */
  int skip_examples; /* rl_engine_skip_examples */
  rl__list by_event[RL_EV__COUNT]; /* top-level event rules, for notes */
  rl__step *steps;                 /* per rule, filled by prepare */
  rl__index ix;                    /* which rules a response can open */
  rl_finding_fn sink;
  void *sink_ctx;
  rl_engine_counts counts;
  rl__scratch scratch;
  rl__env env;
  rl__conn_slot conns[RL__CONN_SLOTS];
  rl__vmemo *memo; /* verdicts of recent exchanges; NULL: off */
  int verify_memo;  /* RESPLINT_VERIFY_MEMO=1 (rl__vmemo_verify) */
  rl__record rec;  /* what judging the current exchange produced */
  rl__record check; /* RESPLINT_VERIFY_MEMO: a fresh judgement of a hit */
  rl__record live;  /* a hit's record with its live steps judged again at
                       another capture time (replay_at) */
  char msg[RL__MSG_CAP];
};

/* --- closed-list names ---------------------------------------------------- */

static const char *const level_names[] = {
#define RL__LEVEL_NAME(e, name) name,
    RL_LEVEL_MAP(RL__LEVEL_NAME)
#undef RL__LEVEL_NAME
};

const char *rl_level_name(rl_level level) {
  return ((unsigned)level < RL_LEVEL__COUNT) ? level_names[level] : NULL;
}

int rl_level_lookup(const char *name) {
  for (int i = 0; i < RL_LEVEL__COUNT; i++)
    if (strcmp(level_names[i], name) == 0) return i;
  return -1;
}

static const struct {
  const char *name, *desc;
} needs[] = {
#define RL__NEED_ROW(e, name, desc) {name, desc},
    RL_NEED_MAP(RL__NEED_ROW)
#undef RL__NEED_ROW
};

const char *rl_need_name(rl_need need) {
  return ((unsigned)need < RL_NEED__COUNT) ? needs[need].name : NULL;
}

const char *rl_need_description(rl_need need) {
  return ((unsigned)need < RL_NEED__COUNT) ? needs[need].desc : NULL;
}

const char *rl_engine_builtin_name(size_t i) {
  return rl__builtin_name((int)i);
}

const char *rl_engine_grammar_name(size_t i) {
  return rl__grammar_name((int)i);
}

/* --- life cycle ----------------------------------------------------------- */

rl_engine_limits rl_engine_default_limits(void) {
  rl_engine_limits l = {8192, 100, 300};
  return l;
}

void rl_engine_set_limits(rl_engine *e, const rl_engine_limits *l) {
  e->env.max_header_bytes = l->max_header_section_bytes;
  e->env.max_field_lines = l->max_field_lines;
  e->env.date_skew_s = l->date_skew_seconds;
}

rl_engine *rl_engine_new(void) {
  rl_engine *e = calloc(1, sizeof(rl_engine));
  if (!e) return NULL;
  rl_engine_limits l = rl_engine_default_limits();
  rl_engine_set_limits(e, &l);
  e->scratch.env = &e->env;
  e->memo = rl__vmemo_new();
  e->verify_memo = rl__vmemo_verify(e->memo);
  return e;
}

static void free_index(rl_engine *e) {
  free(e->steps);
  e->steps = NULL;
  free(e->ix.mem);
  memset(&e->ix, 0, sizeof e->ix);
  for (size_t i = 0; i < RL_EV__COUNT; i++) {
    free(e->by_event[i].items);
    e->by_event[i].items = NULL;
    e->by_event[i].n = e->by_event[i].cap = 0;
  }
}

void rl_engine_free(rl_engine *e) {
  if (!e) return;
  for (size_t i = 0; i < e->nrules; i++) rl__rule_free(e->rules[i]);
  free(e->rules);
  free_index(e);
  free(e->scratch.buf);
  free(e->scratch.memo);
  rl__vmemo_free(e->memo);
  rl__record_free(&e->rec);
  rl__record_free(&e->check);
  rl__record_free(&e->live);
  free(e);
}

/* --- loading -------------------------------------------------------------- */

static int by_id(const void *a, const void *b) {
  const rl__rule *ra = *(rl__rule *const *)a, *rb = *(rl__rule *const *)b;
  return strcmp(ra->info.id, rb->info.id);
}

static const rl__rule *find_rule(rl__rule *const *rules, size_t n,
                                 const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(rules[i]->info.id, s) == 0 ||
        strcmp(rules[i]->info.name, s) == 0)
      return rules[i];
  return NULL;
}

/* An ID or a name, with the rule it belongs to. */
typedef struct named {
  const char *s;
  const rl__rule *r;
} named;

static int by_string(const void *a, const void *b) {
  return strcmp(((const named *)a)->s, ((const named *)b)->s);
}

/* Whether two rules among the engine's and the batch's may share an ID or a
 * name: one sort of all of them instead of comparing each new rule with
 * every rule before it (the catalogue's 128 rules took 32 k strcmp, about
 * 1 M instructions a run). Only a filter: when it says yes (or memory is
 * short), report_clashes finds the clashes and reports them. */
static int may_clash(const rl_engine *e, rl__rule *const *batch, size_t n) {
  size_t total = 2 * (e->nrules + n), k = 0;
  named *all = malloc(total * sizeof *all);
  if (!all) return 1;
  for (size_t i = 0; i < e->nrules + n; i++) {
    const rl__rule *r = i < e->nrules ? e->rules[i] : batch[i - e->nrules];
    all[k++] = (named){r->info.id, r};
    all[k++] = (named){r->info.name, r};
  }
  qsort(all, total, sizeof *all, by_string);
  int clash = 0;
  for (size_t i = 1; i < total && !clash; i++)
    clash = all[i].r != all[i - 1].r && strcmp(all[i].s, all[i - 1].s) == 0;
  free(all);
  return clash;
}

/* Reports each rule of the batch whose ID or name is already taken (by the
 * engine or by an earlier rule of the batch); returns how many. */
static int report_clashes(const rl_engine *e, rl__rule *const *batch, size_t n, FILE *errs) {
  int dup = 0;
  for (size_t i = 0; i < n; i++) {
    const rl_rule_info *in = &batch[i]->info;
    const rl__rule *o = find_rule(e->rules, e->nrules, in->id);
    if (!o) o = find_rule(e->rules, e->nrules, in->name);
    if (!o) o = find_rule(batch, i, in->id);
    if (!o) o = find_rule(batch, i, in->name);
    if (o) {
      dup++;
      if (errs)
        fprintf(errs, "%s:1:1: error: %s %s clashes with %s %s in %s\n",
                in->file, in->id, in->name, o->info.id, o->info.name,
                o->info.file);
    }
  }
  return dup;
}

/* Adds a batch of parsed rules, refusing the whole batch when an ID or name
 * is already taken (by the engine or by another rule of the batch). */
static int add_batch(rl_engine *e, rl__rule **batch, size_t n, FILE *errs) {
  if (may_clash(e, batch, n) && report_clashes(e, batch, n, errs) > 0) return RL_EINVAL;
  rl__rule **nr = realloc(e->rules, (e->nrules + n + 1) * sizeof *nr);
  if (!nr) return RL_ENOMEM;
  e->rules = nr;
  memcpy(e->rules + e->nrules, batch, n * sizeof *batch);
  for (size_t i = 0; i < n; i++) batch[i]->info.enabled = !e->selected;
  e->nrules += n;
  qsort(e->rules, e->nrules, sizeof *e->rules, by_id);
  return (int)n;
}

static void free_batch(rl__rule **batch, size_t n) {
  for (size_t i = 0; i < n; i++) rl__rule_free(batch[i]);
  free(batch);
}

/* Parses texts into a batch; returns the batch count or an error. */
static int parse_into(rl__rule **batch, size_t *n, const char *name,
                      const char *text, size_t len, FILE *errs, int *nerr,
                      int from_catalogue, int with_examples) {
  rl__rule *r = rl__rule_parse(name, text, len, with_examples, errs, nerr);
  if (!r) return -1;
  r->info.file = strdup(name);
  r->info.from_catalogue = from_catalogue;
  r->info.enabled = 1;
  if (!r->info.file) {
    rl__rule_free(r);
    (*nerr)++;
    return -1;
  }
  batch[(*n)++] = r;
  return 0;
}

static int refuse_late(rl_engine *e, FILE *errs) {
  if (!e->prepared) return 0;
  if (errs) fprintf(errs, "resplint: rules cannot be added after judging began\n");
  return RL_EINVAL;
}

int rl_engine_load_catalogue(rl_engine *e, FILE *errs) {
  if (refuse_late(e, errs)) return RL_EINVAL;
  rl__rule **batch = calloc(rl__catalogue_count + 1, sizeof *batch);
  if (!batch) return RL_ENOMEM;
  size_t n = 0;
  int nerr = 0;
  for (size_t i = 0; i < rl__catalogue_count; i++) {
    const rl__catalogue_file *f = &rl__catalogue[i];
    size_t len = e->skip_examples ? rl__record_head_len(f->text, f->len) : f->len;
    parse_into(batch, &n, f->path, f->text, len, errs, &nerr, 1, !e->skip_examples);
  }
  /* Unlike user records, the valid part of the catalogue is kept even when
   * a record is broken: the caller still learns of it (RL_EINVAL, errors
   * written) and decides, and the other rules keep working meanwhile. */
  int rc = add_batch(e, batch, n, errs);
  if (rc < 0) {
    free_batch(batch, n);
  } else {
    free(batch);
  }
  return rc < 0 ? rc : nerr ? RL_EINVAL : rc;
}

void rl_engine_skip_examples(rl_engine *e) { e->skip_examples = 1; }

int rl_engine_load_buffer(rl_engine *e, const char *name, const char *text,
                          size_t len, FILE *errs) {
  if (refuse_late(e, errs)) return RL_EINVAL;
  rl__rule *one[1];
  size_t n = 0;
  int nerr = 0;
  parse_into(one, &n, name, text, len, errs, &nerr, 0, 1);
  if (nerr) return RL_EINVAL;
  int rc = add_batch(e, one, n, errs);
  if (rc < 0) rl__rule_free(one[0]);
  return rc;
}

/* A rule record is a few KiB; anything near this is not a rule record. */
enum { MAX_RECORD_BYTES = 1 << 20 };

static int read_record(const char *path, char **text, size_t *len) {
  uint8_t *buf = NULL;
  int rc = rl__read_file(path, MAX_RECORD_BYTES, &buf, len);
  *text = (char *)buf;
  return rc;
}

int rl_engine_load_file(rl_engine *e, const char *path, FILE *errs) {
  char *text;
  size_t len;
  int rc = read_record(path, &text, &len);
  if (rc < 0) {
    if (errs) fprintf(errs, "%s: error: %s\n", path, rl_strerror(rc));
    return rc;
  }
  rc = rl_engine_load_buffer(e, path, text, len, errs);
  free(text);
  return rc;
}

typedef struct pathlist {
  char **p;
  size_t n, cap;
} pathlist;

static int has_yaml_ext(const char *name) {
  size_t l = strlen(name);
  return (l > 5 && strcmp(name + l - 5, ".yaml") == 0) ||
         (l > 4 && strcmp(name + l - 4, ".yml") == 0);
}

static int collect(const char *dir, pathlist *pl, int depth) {
  if (depth > 16) return 0;
  DIR *d = opendir(dir);
  if (!d) return rl_err_from_errno(errno);
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    size_t l = strlen(dir) + strlen(de->d_name) + 2;
    char *p = malloc(l);
    if (!p) {
      rc = RL_ENOMEM;
      break;
    }
    snprintf(p, l, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      rc = collect(p, pl, depth + 1);
      free(p);
    } else if (has_yaml_ext(de->d_name)) {
      if (pl->n == pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 32;
        char **np = realloc(pl->p, cap * sizeof *np);
        if (!np) {
          free(p);
          rc = RL_ENOMEM;
          break;
        }
        pl->p = np;
        pl->cap = cap;
      }
      pl->p[pl->n++] = p;
    } else {
      free(p);
    }
  }
  closedir(d);
  return rc;
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int rl_engine_load_dir(rl_engine *e, const char *dir, FILE *errs) {
  if (refuse_late(e, errs)) return RL_EINVAL;
  pathlist pl = {NULL, 0, 0};
  int rc = collect(dir, &pl, 0);
  if (rc < 0 && errs) fprintf(errs, "%s: error: %s\n", dir, rl_strerror(rc));
  rl__rule **batch = rc == 0 ? calloc(pl.n + 1, sizeof *batch) : NULL;
  if (rc == 0 && !batch) rc = RL_ENOMEM;
  size_t n = 0;
  int nerr = 0;
  if (rc == 0) {
    qsort(pl.p, pl.n, sizeof *pl.p, str_cmp);
    for (size_t i = 0; i < pl.n && rc == 0; i++) {
      char *text;
      size_t len;
      int r = read_record(pl.p[i], &text, &len);
      if (r < 0) {
        if (errs) fprintf(errs, "%s: error: %s\n", pl.p[i], rl_strerror(r));
        rc = r;
        break;
      }
      parse_into(batch, &n, pl.p[i], text, len, errs, &nerr, 0, 1);
      free(text);
    }
  }
  if (rc == 0 && nerr) rc = RL_EINVAL;
  if (rc == 0) rc = add_batch(e, batch, n, errs);
  if (rc < 0) {
    free_batch(batch, n);
  } else {
    free(batch);
  }
  for (size_t i = 0; i < pl.n; i++) free(pl.p[i]);
  free(pl.p);
  return rc;
}

/* --- selection ------------------------------------------------------------ */

static int upper(int c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

/* An item matches an exact name, an exact ID, or an ID prefix of letters
 * then digits ("ST", "ST03"); "ALL" matches everything. */
static int item_matches(const rl_rule_info *in, const char *item, size_t n) {
  if (n == 3 && strncmp(item, "ALL", 3) == 0) return 1;
  if (strlen(in->name) == n && strncmp(in->name, item, n) == 0) return 1;
  if (n > strlen(in->id)) return 0;
  for (size_t i = 0; i < n; i++)
    if (upper((unsigned char)item[i]) != in->id[i]) return 0;
  return 1;
}

/* Calls fn on every rule each item of spec matches. */
static int for_spec(rl_engine *e, const char *spec, FILE *errs,
                    void (*fn)(rl__rule *r, void *ctx), void *ctx,
                    const char *what) {
  int bad = 0;
  const char *p = spec;
  while (*p) {
    while (*p == ',' || *p == ' ') p++;
    size_t n = strcspn(p, ", ");
    if (n == 0) break;
    int hits = 0;
    for (size_t i = 0; i < e->nrules; i++)
      if (item_matches(&e->rules[i]->info, p, n)) {
        hits++;
        fn(e->rules[i], ctx);
      }
    if (!hits) {
      bad = 1;
      if (errs)
        fprintf(errs, "resplint: %s: '%.*s' matches no rule\n", what, (int)n, p);
    }
    p += n;
  }
  return bad ? RL_EINVAL : 0;
}

static void mark_selected(rl__rule *r, void *ctx) {
  (void)ctx;
  r->selected = 1;
}

static void mark_ignored(rl__rule *r, void *ctx) {
  (void)ctx;
  r->ignored = 1;
}

static void set_level(rl__rule *r, void *ctx) {
  r->info.level = *(const rl_level *)ctx;
}

/* enabled = (no select given, or selected) and not ignored, whatever order
 * the calls came in, as ruff's --select / --ignore. */
static void update_enabled(rl_engine *e) {
  for (size_t i = 0; i < e->nrules; i++) {
    rl__rule *r = e->rules[i];
    r->info.enabled = (!e->selected || r->selected) && !r->ignored;
  }
}

int rl_engine_select(rl_engine *e, const char *spec, FILE *errs) {
  if (refuse_late(e, errs)) return RL_EINVAL;
  e->selected = 1;
  int rc = for_spec(e, spec, errs, mark_selected, NULL, "select");
  update_enabled(e);
  return rc;
}

int rl_engine_ignore(rl_engine *e, const char *spec, FILE *errs) {
  if (refuse_late(e, errs)) return RL_EINVAL;
  int rc = for_spec(e, spec, errs, mark_ignored, NULL, "ignore");
  update_enabled(e);
  return rc;
}

int rl_engine_set_level(rl_engine *e, const char *spec, rl_level level,
                        FILE *errs) {
  if ((unsigned)level >= RL_LEVEL__COUNT) return RL_EINVAL;
  /* Which rules a finer rule supersedes depends on levels: remembered
   * verdicts may no longer hold. */
  rl__vmemo_clear(e->memo);
  return for_spec(e, spec, errs, set_level, &level, "level");
}

void rl_engine_set_sink(rl_engine *e, rl_finding_fn fn, void *ctx) {
  e->sink = fn;
  e->sink_ctx = ctx;
}

/* --- index ---------------------------------------------------------------- */

/* Grows by doubling, so that prepare does not realloc per rule. */
static int list_push(rl__list *l, uint32_t v) {
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 16;
    uint32_t *ni = realloc(l->items, cap * sizeof *ni);
    if (!ni) return RL_ENOMEM;
    l->items = ni;
    l->cap = cap;
  }
  l->items[l->n++] = v;
  return 0;
}

/* The lowest set bit of a non-zero word. */
static uint32_t lowest_bit(uint64_t v) {
#if defined(__GNUC__)
  return (uint32_t)__builtin_ctzll(v);
#else
  uint32_t n = 0;
  while (!(v & 1)) {
    v >>= 1;
    n++;
  }
  return n;
#endif
}

static int index_alloc(rl__index *ix, size_t nrules) {
  size_t w = (nrules + 63) / 64 + 1; /* + 1: never zero words */
  size_t sets = (RL__NCODES + 1) + 1 + 1 + 64 + 64 + RL_NEED__COUNT + 1 + 1;
  ix->mem = calloc(sets * w, sizeof *ix->mem);
  if (!ix->mem) return RL_ENOMEM;
  ix->words = w;
  ix->status = ix->mem;
  ix->pass1 = ix->status + (RL__NCODES + 1) * w;
  ix->open = ix->pass1 + w;
  ix->field = ix->open + w;
  ix->event = ix->field + 64 * w;
  ix->need = ix->event + 64 * w;
  ix->cand = ix->need + RL_NEED__COUNT * w;
  ix->all_codes = ix->cand + w;
  return 0;
}

static void set_bit(uint64_t *set, uint32_t i) { set[i / 64] |= 1ull << (i % 64); }

/* Enters enabled rule i in the sets its statuses, guard and needs put it. */
static void index_rule(rl__index *ix, uint32_t i, const rl__rule *r,
                       const rl__step *st) {
  size_t w = ix->words;
  if (r->status_unparsed) set_bit(ix->status + (size_t)RL__UNPARSED * w, i);
  if (!r->has_status) {
    set_bit(ix->all_codes, i); /* see index_all_codes */
  } else {
    for (int c = 0; c < RL__NCODES; c++) {
      if (!r->codes[c / 8]) /* none of the byte's eight codes */
        c |= 7;
      else if (rl__codes_has(r->codes, c))
        set_bit(ix->status + (size_t)c * w, i);
    }
  }
  if (r->nsuperseded_by > 0) set_bit(ix->pass1, i);
  if (!st->guard.guarded) set_bit(ix->open, i);
  for (int b = 0; b < 64; b++) {
    if (st->guard.guarded && (st->guard.fields >> b) & 1)
      set_bit(ix->field + (size_t)b * w, i);
    if (st->guard.guarded && (st->guard.events >> b) & 1)
      set_bit(ix->event + (size_t)b * w, i);
  }
  for (int n = 0; n < RL_NEED__COUNT; n++)
    if ((st->needs >> n) & 1) set_bit(ix->need + (size_t)n * w, i);
}

/* Adds the rules without a status restriction to every code's set at once:
 * entering each of them code by code was 128 k set_bit calls at every
 * start. */
static void index_all_codes(rl__index *ix) {
  size_t w = ix->words;
  for (int c = 0; c < RL__NCODES; c++)
    for (size_t k = 0; k < w; k++) ix->status[(size_t)c * w + k] |= ix->all_codes[k];
}

/* cand |= the union of sets[b] for each bit b of mask. */
static void add_sets(uint64_t *cand, const uint64_t *sets, uint64_t mask,
                     size_t w) {
  for (; mask; mask &= mask - 1) {
    const uint64_t *set = sets + (size_t)lowest_bit(mask) * w;
    for (size_t k = 0; k < w; k++) cand[k] |= set[k];
  }
}

/* ix->cand = the rules a response with these fields, events and unmet needs
 * can open (before its status is considered). */
static void index_candidates(rl__index *ix, uint64_t fields, uint64_t events,
                             unsigned unmet) {
  size_t w = ix->words;
  memcpy(ix->cand, ix->open, w * sizeof *ix->cand);
  add_sets(ix->cand, ix->field, fields, w);
  add_sets(ix->cand, ix->event, events, w);
  add_sets(ix->cand, ix->need, unmet, w);
}

/* Whether condition c uses a built-in that reads the capture time. */
static int reads_time(const rl__cond *c) {
  if (!c) return 0;
  if (c->kind == RL__C_BUILTIN && rl__builtin_reads_time(c->builtin)) return 1;
  for (size_t k = 0; k < c->nkids; k++)
    if (reads_time(c->kids[k])) return 1;
  return 0;
}

/* Whether a finding of rule r can make an enabled rule's moot
 * (superseded_by), whatever the levels (they can change later). */
static int can_supersede(const rl_engine *e, const rl__rule *r) {
  for (size_t i = 0; i < e->nrules; i++) {
    const rl__rule *o = e->rules[i];
    if (!o->info.enabled) continue;
    for (size_t k = 0; k < o->nsuperseded_by; k++) {
      const char *p = o->superseded_by[k];
      if (strncmp(r->info.id, p, strlen(p)) == 0) return 1;
    }
  }
  return 0;
}

/* Marks the steps of the rules that read the capture time as live, so that
 * the memo's key can leave the time out (memo.h). That is exact when a
 * live rule's verdict changes no other rule's: only supersession reads
 * other rules' verdicts, so when a live rule could supersede one, no rule
 * is live and the key holds the time instead. (The other way round, a live
 * rule superseded by a rule that is not live, is fine: the others'
 * verdicts follow from the key.) */
static void mark_live(rl_engine *e) {
  int key_time = 0;
  for (size_t i = 0; i < e->nrules; i++) {
    const rl__rule *r = e->rules[i];
    e->steps[i].live = r->info.enabled && reads_time(r->check);
    if (e->steps[i].live && can_supersede(e, r)) key_time = 1;
  }
  if (key_time)
    for (size_t i = 0; i < e->nrules; i++) e->steps[i].live = 0;
  rl__vmemo_key_time(e->memo, key_time);
}

int rl_engine_prepare(rl_engine *e) {
  if (e->prepared) return 0;
  free_index(e);
  e->steps = calloc(e->nrules ? e->nrules : 1, sizeof *e->steps);
  if (!e->steps) return RL_ENOMEM;
  if (index_alloc(&e->ix, e->nrules) < 0) return RL_ENOMEM;
  for (uint32_t i = 0; i < e->nrules; i++) {
    rl__rule *r = e->rules[i];
    if (!r->info.enabled) continue;
    rl__cond_guard(r->check, &r->guard);
    rl__step *st = &e->steps[i];
    st->guard = r->guard;
    st->needs = r->info.needs;
    if (r->reads_absence) st->needs |= 1u << RL_NEED_COMPLETE_HEADERS;
    st->has_versions = r->nversions > 0;
    index_rule(&e->ix, i, r, st);
    /* A connection-level event has no status; only status-free event rules
     * can describe it. */
    if (r->top_event >= 0 && !r->has_status && r->nmethods == 0 &&
        list_push(&e->by_event[r->top_event], i) < 0)
      return RL_ENOMEM;
  }
  index_all_codes(&e->ix);
  /* Each rule fires at most once per response: room for all of them, so
   * judging never allocates. */
  if (rl__record_reserve(&e->rec, e->nrules, RL__MSG_CAP) < 0 ||
      rl__record_reserve(&e->check, e->nrules, RL__MSG_CAP) < 0 ||
      rl__record_reserve(&e->live, e->nrules, RL__MSG_CAP) < 0)
    return RL_ENOMEM;
  mark_live(e);
  e->prepared = 1;
  return 0;
}

/* --- judging -------------------------------------------------------------- */

static int version_ok(const rl__rule *r, const rl_message *m) {
  if (!r->nversions) return 1;
  for (size_t i = 0; i < r->nversions; i++)
    if (r->versions[i][0] - '0' == m->http_major &&
        r->versions[i][2] - '0' == m->http_minor)
      return 1;
  return 0;
}

static int method_ok(const rl__rule *r, const rl_message *q) {
  if (!r->nmethods) return 1;
  size_t n;
  const uint8_t *s = rl__span_bytes(q, q->method, &n);
  for (size_t i = 0; i < r->nmethods; i++)
    if (strlen(r->methods[i]) == n && memcmp(r->methods[i], s, n) == 0)
      return 1;
  return 0;
}

/* True when the whole header section is in raw: nothing was cut by the cap
 * and it ends with its empty line. A section cut by the cap, by a close, by
 * a gap or by the end of the capture is not, whatever its cut says. */
static int head_complete(const rl_message *r) {
  const uint8_t *b = r->raw;
  uint32_t n = r->raw_len;
  if (n < 2 || n < r->raw_total || b[n - 1] != '\n') return 0;
  return b[n - 2] == '\n' || (n >= 3 && b[n - 2] == '\r' && b[n - 3] == '\n');
}

/* The needs (bit 1 << rl_need) the exchange cannot meet, found once per
 * response rather than once per rule: a rule's first unmet need is then the
 * lowest bit of its needs in this mask (the order of RL_NEED_MAP). A check
 * that concludes from absence needs the complete header section whether or
 * not its record says so (rl__step.needs includes it). */
static unsigned unmet_needs(const rl_exchange *x) {
  const rl_message *r = x->response;
  unsigned unmet = 0;
  if (x->request_state != RL_REQ_PAIRED || !x->request)
    unmet |= 1u << RL_NEED_REQUEST;
  if (r->cut == RL_CUT_HEADERS || !head_complete(r))
    unmet |= 1u << RL_NEED_COMPLETE_HEADERS;
  if (r->cut != RL_CUT_NONE) unmet |= 1u << RL_NEED_COMPLETE_CONTENT;
  return unmet;
}

static int lowest_need(unsigned mask) {
  int n = 0;
  while (!(mask & 1u)) {
    mask >>= 1;
    n++;
  }
  return n;
}

/* Hands one finding to the sink; fresh and replayed findings go through
 * here alike, so the report cannot tell them apart. */
static void hand_out(rl_engine *e, const rl__rule *r, const rl_exchange *x,
                    const rl_conn *conn, const rl_pktref *at, uint64_t offset,
                    const char *msg, const uint8_t *ev, size_t ev_len) {
  e->counts.findings[r->info.level]++;
  if (!e->sink) return;
  rl_finding f;
  memset(&f, 0, sizeof f);
  f.rule = &r->info;
  f.level = r->info.level;
  f.message = msg;
  f.x = x;
  f.conn = conn;
  if (at) f.at = *at;
  f.offset = offset;
  f.evidence = ev;
  f.evidence_len = ev_len;
  e->sink(e->sink_ctx, &f);
}

static void emit(rl_engine *e, const rl__rule *r, const rl_exchange *x,
                 const rl_conn *conn, const rl_pktref *at, uint64_t offset,
                 const rl__match *m, const char *event_name) {
  rl__render(e->msg, sizeof e->msg, &r->msg, x, m, event_name);
  hand_out(e, r, x, conn, at, offset, e->msg, m->has_evidence ? m->evidence : NULL,
          m->has_evidence ? m->evidence_len : 0);
}

/* Writes a finding of exchange x into rec, where the evidence is and the
 * offset relative to the response, so that a replay on another exchange
 * with the same key gives the same finding; returns its message. */
static const char *record_finding(rl__record *rec, uint32_t rule,
                                  const rl__rule *r, const rl_exchange *x,
                                  uint64_t off, const rl__match *m) {
  rl__rec_find *f = &rec->finds[rec->nfinds++];
  char *msg = rec->text + rec->tlen;
  rl__render(msg, RL__MSG_CAP, &r->msg, x, m,
             r->top_event >= 0 ? rl_event_name((rl_event_kind)r->top_event) : NULL);
  f->rule = rule;
  f->text = rec->tlen;
  rec->tlen += (uint32_t)strlen(msg) + 1;
  f->off_rel = off - x->response->stream_offset;
  f->ev_base = RL__EVB_NONE;
  f->ev_off = 0;
  f->ev_len = m->has_evidence ? m->evidence_len : 0;
  f->live = 0;
  f->fired = 1;
  if (m->has_evidence && m->evidence &&
      rl__evidence_locate(x, m->evidence, m->evidence_len, &f->ev_base,
                          &f->ev_off) < 0)
    rec->cacheable = 0;
  return msg;
}

/* Judges live rule i on x (everything before its check is met) into rec,
 * as a live step; returns the step, *m holding what the check found. */
static const rl__rec_find *judge_live(rl_engine *e, rl__record *rec, uint32_t i,
                                      const rl_exchange *x, rl__match *m) {
  const rl__rule *r = e->rules[i];
  rl__match_init(m);
  rec->nlive++;
  if (rl__cond_eval(r->check, x, m, &e->scratch)) {
    uint64_t off = m->has_evidence && m->offset ? m->offset
                                                : x->response->stream_offset;
    record_finding(rec, i, r, x, off, m);
  } else {
    rl__rec_find *f = &rec->finds[rec->nfinds++];
    memset(f, 0, sizeof *f);
    f->rule = i;
  }
  rl__rec_find *f = &rec->finds[rec->nfinds - 1];
  f->live = 1;
  return f;
}

/* Replays a record on exchange x: its findings in order, then its skip
 * counts, exactly as judging x would have produced them. */
static void replay(rl_engine *e, const rl__record *rec, const rl_exchange *x) {
  const rl_message *resp = x->response;
  for (uint32_t i = 0; i < rec->nfinds; i++) {
    const rl__rec_find *f = &rec->finds[i];
    if (!f->fired) continue; /* a live step that did not fire */
    const uint8_t *ev = f->ev_base == RL__EVB_NONE
                            ? NULL
                            : rl__evidence_at(x, f->ev_base, f->ev_off);
    hand_out(e, e->rules[f->rule], x, x->conn, &resp->first,
            resp->stream_offset + f->off_rel, rec->text + f->text, ev, f->ev_len);
  }
}

/* The skip counters of a judged or replayed response. */
static void count_skips(rl_engine *e, const rl__record *rec) {
  if (!rec->skipped) return; /* a skip always sets its need's bit */
  for (int n = 0; n < RL_NEED__COUNT; n++) {
    e->counts.rules_skipped[n] += rec->skips[n];
    if (rec->skipped & (1u << n)) e->counts.responses_skipped[n]++;
  }
}

/* Loads the previous version on this connection into env and returns the
 * slot to update after judging. A response with index 0 starts a fresh
 * history: connection objects are reused after they close. */
static rl__conn_slot *remember_version(rl_engine *e, const rl_exchange *x) {
  e->env.prev_version = -1;
  e->env.prev_index = 0;
  if (!x->conn) return NULL;
  rl__conn_slot *s = &e->conns[x->conn->stream % RL__CONN_SLOTS];
  int same = s->conn == x->conn && s->stream == x->conn->stream &&
             x->response->index > 0 && s->version >= 0;
  if (same) {
    e->env.prev_version = s->version;
    e->env.prev_index = s->index;
  } else {
    s->conn = x->conn;
    s->stream = x->conn->stream;
    s->version = -1;
  }
  return s;
}

/* True when a rule that fired on this response at warning level or above
 * matches one of r's superseded_by prefixes: that is "a finer rule explains
 * it" (RULES.md, PE001). An info note (a chunk extension) explains nothing;
 * a warning does (a bare LF that the parser rejects is HF008's, at the level
 * RFC 9112 gives it, not a parse error). */
static int superseded(const rl_engine *e, const rl__rule *r,
                      const uint32_t *fired, uint32_t nfired) {
  for (uint32_t i = 0; i < nfired; i++) {
    const rl_rule_info *f = &e->rules[fired[i]]->info;
    if (f->level < RL_LEVEL_WARNING && f->level < r->info.level) continue;
    const char *id = f->id;
    for (size_t k = 0; k < r->nsuperseded_by; k++) {
      const char *p = r->superseded_by[k];
      if (strncmp(id, p, strlen(p)) == 0) return 1;
    }
  }
  return 0;
}

/* The capture time live steps are judged at (memo.h). */
static void stamp_time(rl__record *rec, const rl_message *r) {
  rec->ts_sec = r->first.ts.sec;
  rec->ts_zero = r->first.ts.sec == 0 && r->first.ts.nsec == 0;
}

static int same_time(const rl__record *rec, const rl_message *r) {
  return rec->ts_sec == r->first.ts.sec &&
         rec->ts_zero == (r->first.ts.sec == 0 && r->first.ts.nsec == 0);
}

/* How many firing rules judging remembers for supersession. */
#define FIRED_CAP 64

/* What judging one response accumulates. */
typedef struct judgement {
  uint32_t fired[FIRED_CAP]; /* rules that produced a finding */
  uint32_t nfired;
  uint64_t fields;    /* rl__field_mask of the response */
  uint64_t events;    /* rl__event_mask of the exchange */
  unsigned unmet;     /* unmet_needs of the exchange */
  rl__record *rec;    /* the findings and skips, for the memo */
  int deliver;        /* hand findings to the sink as they come */
} judgement;

/* Judges rule i on exchange x, exactly as a pass over every rule of the
 * status code always did. */
static void judge_rule(rl_engine *e, const rl_exchange *x, uint32_t i,
                       int pass, judgement *j) {
  const rl_message *resp = x->response;
  const rl__step *st = &e->steps[i];
  unsigned unmet = st->needs & j->unmet;
  if (pass == 1 && superseded(e, e->rules[i], j->fired, j->nfired)) return;
  if (st->has_versions && !version_ok(e->rules[i], resp)) return;
  if (unmet) {
    int need = lowest_need(unmet);
    j->rec->skips[need]++;
    j->rec->skipped |= 1u << need;
    return;
  }
  if (!rl__guard_open(&st->guard, j->fields, j->events)) return;
  const rl__rule *r = e->rules[i];
  if (r->nmethods && !method_ok(r, x->request)) return;
  rl__match m;
  if (st->live) {
    const rl__rec_find *f = judge_live(e, j->rec, i, x, &m);
    if (!f->fired) return;
    if (j->deliver)
      hand_out(e, r, x, x->conn, &resp->first, resp->stream_offset + f->off_rel,
               j->rec->text + f->text, m.has_evidence ? m.evidence : NULL,
               m.has_evidence ? m.evidence_len : 0);
    if (j->nfired < sizeof j->fired / sizeof j->fired[0]) j->fired[j->nfired++] = i;
    return;
  }
  rl__match_init(&m);
  if (!rl__cond_eval(r->check, x, &m, &e->scratch)) return;
  uint64_t off = m.has_evidence && m.offset ? m.offset : resp->stream_offset;
  const char *msg = record_finding(j->rec, i, r, x, off, &m);
  if (j->deliver)
    hand_out(e, r, x, x->conn, &resp->first, off, msg,
             m.has_evidence ? m.evidence : NULL, m.has_evidence ? m.evidence_len : 0);
  if (j->nfired < sizeof j->fired / sizeof j->fired[0]) j->fired[j->nfired++] = i;
}

/* Judges one pass over the candidates of a status code: pass 0 runs the
 * ordinary rules, pass 1 the ones a finer rule can supersede, once the
 * others are known. A rule that is not a candidate has its guard shut and
 * every need met: judging it would do nothing. */
static void judge_pass(rl_engine *e, const rl_exchange *x,
                       const uint64_t *status, int pass, judgement *j) {
  const rl__index *ix = &e->ix;
  for (size_t w = 0; w < ix->words; w++) {
    uint64_t bits = status[w] & ix->cand[w] & (pass ? ix->pass1[w] : ~ix->pass1[w]);
    for (; bits; bits &= bits - 1)
      judge_rule(e, x, (uint32_t)(w * 64 + lowest_bit(bits)), pass, j);
  }
}
/* Judges exchange x afresh into rec, handing the findings to the sink when
 * `deliver`. */
static void judge(rl_engine *e, const rl_exchange *x, rl__record *rec,
                  int deliver_findings) {
  const rl_message *resp = x->response;
  int code = resp->status_code;
  const uint64_t *status =
      e->ix.status +
      (size_t)((code >= 0 && code < RL__NCODES) ? code : RL__UNPARSED) * e->ix.words;
  judgement j;
  j.nfired = 0;
  j.rec = rec;
  j.deliver = deliver_findings;
  rl__record_reset(rec);
  rl__scratch_index(&e->scratch, resp);
  j.fields = e->scratch.present;
  j.events = rl__event_mask(x);
  j.unmet = unmet_needs(x);
  e->env.bytes = rl__byte_classes(resp);
  e->env.bytes_of = resp;
  index_candidates(&e->ix, j.fields, j.events, j.unmet);
  judge_pass(e, x, status, 0, &j);
  judge_pass(e, x, status, 1, &j);
  e->scratch.present_msg = NULL;
  e->env.bytes_of = NULL;
  stamp_time(rec, resp);
  /* judge keeps the first FIRED_CAP rules that fire for supersession. A
   * replay at another time may see other live steps fire: the other rules'
   * verdicts stay the same only while every step fits (memo.h). */
  if (rec->nlive && rec->nfinds > FIRED_CAP) rec->cacheable = 0;
}

/* Replays rec at x's capture time: rec itself when its live steps were
 * judged at that time (or it has none), else a copy with them judged
 * again; NULL when a live finding's evidence is not in the exchange (the
 * caller then judges afresh). The last copy is kept: on a repetitive
 * capture, every exchange of a second hits one entry. */
static const rl__record *replay_at(rl_engine *e, const rl__record *rec,
                                   const rl_exchange *x) {
  rl__record *out = &e->live;
  if (!rec->nlive || same_time(rec, x->response)) return rec;
  if (out->serial == rec->serial && same_time(out, x->response)) return out;
  rl__record_reset(out);
  memcpy(out->skips, rec->skips, sizeof rec->skips);
  out->skipped = rec->skipped;
  for (uint32_t i = 0; i < rec->nfinds; i++) {
    const rl__rec_find *f = &rec->finds[i];
    if (f->live) {
      rl__match m;
      judge_live(e, out, f->rule, x, &m);
      continue;
    }
    rl__rec_find *g = &out->finds[out->nfinds++];
    *g = *f;
    size_t n = strlen(rec->text + f->text) + 1;
    memcpy(out->text + out->tlen, rec->text + f->text, n);
    g->text = out->tlen;
    out->tlen += (uint32_t)n;
  }
  stamp_time(out, x->response);
  out->serial = rec->serial;
  if (!out->cacheable) {
    out->serial = 0;
    return NULL;
  }
  return out;
}

/* RESPLINT_VERIFY_MEMO: a hit must say exactly what judging says. Findings
 * (rule, message, evidence, offset) and skip counts are all the record
 * holds, and the counters are derived from it, so comparing records
 * compares everything the report would see. */
static void verify_hit(rl_engine *e, const rl_exchange *x, const rl__record *hit) {
  rl_engine_counts saved = e->counts;
  judge(e, x, &e->check, 0);
  e->counts = saved;
  if (rl__record_equal(hit, &e->check)) return;
  fprintf(stderr,
          "resplint: RESPLINT_VERIFY_MEMO: the remembered verdict differs from "
          "a fresh judgement (%s, stream %llu, response %u: %u findings "
          "remembered, %u judged)\n",
          x->source ? x->source : "?",
          (unsigned long long)(x->conn ? x->conn->stream : 0),
          x->response->index, hit->nfinds, e->check.nfinds);
  abort();
}

/* True when the response's header section is incomplete and its last field
 * line is the fragment where it stops (no line ending). */
static int last_field_cut(const rl_message *r) {
  /* The line ending first: it is there on nearly every response, and
   * head_complete reads the section's end. */
  return r->nfields > 0 && r->fields[r->nfields - 1].eol == RL_EOL_NONE &&
         !head_complete(r);
}

void rl_engine_exchange(rl_engine *e, const rl_exchange *x) {
  if (!x || !x->response || (!e->prepared && rl_engine_prepare(e) < 0)) return;
  /* The http stage describes the fragment where an incomplete section stops
   * as a field line; judged as a field, it would report the cut (a line
   * without a colon, a bare CR, a truncated value), not the server. The
   * rules see the section without it; raw still holds it. */
  rl_message whole;
  rl_exchange view;
  if (last_field_cut(x->response)) {
    whole = *x->response;
    whole.nfields--;
    view = *x;
    view.response = &whole;
    x = &view;
  }
  const rl_message *resp = x->response;
  e->counts.responses++;
  rl__conn_slot *slot = remember_version(e, x);
  /* The memo's key holds everything judging reads (memo.c), so a hit
   * replays what judging would produce, and the counters follow from it. */
  uint32_t no_hint = 0, *hint = slot ? &slot->memo_hint : &no_hint;
  const rl__record *hit =
      e->memo ? rl__vmemo_lookup(e->memo, x, &e->env, hint) : NULL;
  if (hit) hit = replay_at(e, hit, x);
  if (hit) {
    if (e->verify_memo) verify_hit(e, x, hit);
    replay(e, hit, x);
    count_skips(e, hit);
  } else {
    judge(e, x, &e->rec, 1);
    count_skips(e, &e->rec);
    if (e->memo) rl__vmemo_store(e->memo, &e->rec);
  }
  if (slot && resp->http_major <= 9 && resp->version.len) {
    slot->version = resp->http_major * 16 + resp->http_minor;
    slot->index = resp->index;
  }
}

void rl_engine_note(rl_engine *e, const rl_conn *conn, rl_dir dir,
                    rl_event_kind kind, uint64_t offset, const rl_pktref *at,
                    const char *detail) {
  (void)dir;
  if ((unsigned)kind >= RL_EV__COUNT || (!e->prepared && rl_engine_prepare(e) < 0)) return;
  e->counts.notes++;
  const rl__list *l = &e->by_event[kind];
  for (uint32_t k = 0; k < l->n; k++) {
    const rl__rule *r = e->rules[l->items[k]];
    rl__match m;
    memset(&m, 0, sizeof m);
    m.count = 1;
    /* What snprintf "%s" would write (cut to the buffer), without it: a
     * capture with many cut or lost segments has a note per event. */
    const char *d = detail ? detail : rl_event_description(kind);
    size_t n = strlen(d);
    if (n >= sizeof m.detail) n = sizeof m.detail - 1;
    memcpy(m.detail, d, n);
    m.detail[n] = '\0';
    emit(e, r, NULL, conn, at, offset, &m, rl_event_name(kind));
  }
}

static void sink_exchange(void *ctx, const rl_exchange *x) {
  rl_engine_exchange(ctx, x);
}

static void sink_note(void *ctx, const rl_conn *conn, rl_dir dir,
                      rl_event_kind kind, uint64_t offset, const rl_pktref *at,
                      const char *detail) {
  rl_engine_note(ctx, conn, dir, kind, offset, at, detail);
}

rl_http_sink rl_engine_http_sink(void) {
  rl_http_sink s = {sink_exchange, sink_note};
  return s;
}

void rl__engine_memo_stats(const rl_engine *e, uint64_t *hits,
                           uint64_t *misses, uint64_t *skipped) {
  rl__vmemo_stats(e->memo, hits, misses, skipped);
}

const rl_engine_counts *rl_engine_get_counts(const rl_engine *e) {
  return &e->counts;
}

int rl_engine_failed(const rl_engine *e, rl_level fail_on) {
  for (int l = (int)fail_on; l < RL_LEVEL__COUNT; l++)
    if (l >= 0 && e->counts.findings[l]) return 1;
  return 0;
}

size_t rl_engine_rule_count(const rl_engine *e) { return e->nrules; }

const rl_rule_info *rl_engine_rule(const rl_engine *e, size_t i) {
  return i < e->nrules ? &e->rules[i]->info : NULL;
}

const rl_rule_info *rl_engine_find(const rl_engine *e, const char *s) {
  const rl__rule *r = find_rule(e->rules, e->nrules, s);
  return r ? &r->info : NULL;
}
