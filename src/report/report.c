/* The report stage's front: the calls of report.h, what every format shares
 * (the counts behind the summary, the inputs that failed, the current
 * input), and the dispatch to the format chosen at creation. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"
#include "resplint/error.h"
#include "resplint/http.h"

static const char *const format_names[RL_FORMAT__COUNT] = {
#define RL__FORMAT_NAME(e, name) name,
    RL_FORMAT_MAP(RL__FORMAT_NAME)
#undef RL__FORMAT_NAME
};

static const rl__report_format *const formats[RL_FORMAT__COUNT] = {
    &rl__report_text, &rl__report_json, &rl__report_sarif, &rl__report_junit};

const char *rl_format_name(rl_format f) {
  return (unsigned)f < RL_FORMAT__COUNT ? format_names[f] : NULL;
}

int rl_format_lookup(const char *name) {
  for (int i = 0; name && i < RL_FORMAT__COUNT; i++)
    if (strcmp(name, format_names[i]) == 0)
      return i;
  return -1;
}

const char *rl__sarif_level(rl_level l) {
  switch (l) {
  case RL_LEVEL_ERROR:
    return "error";
  case RL_LEVEL_WARNING:
    return "warning";
  default:
    return "note";
  }
}

rl_report *rl_report_new(const rl_report_options *opt) {
  if (!opt || (unsigned)opt->format >= RL_FORMAT__COUNT || !opt->out)
    return NULL;
  rl_report *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  r->opt = *opt;
  r->fmt = formats[opt->format];
  rl__out_init(&r->out, opt->out, r->obuf, sizeof r->obuf);
  r->o = &r->out;
  return r;
}

static void clear_input(rl_report *r) {
  free(r->path_text);
  r->path_text = NULL;
  r->path_text_len = 0;
  free(r->path);
  free(r->tbytes);
  r->path = NULL;
  r->tbytes = NULL;
  r->tlen = 0;
  r->transcript = 0;
}

void rl_report_free(rl_report *r) {
  if (!r)
    return;
  if (r->fmt->free)
    r->fmt->free(r);
  clear_input(r);
  for (size_t i = 0; i < r->nrules; i++) {
    free(r->rules[i].id);
    free(r->rules[i].name);
    free(r->rules[i].head);
    free(r->rules[i].cite);
  }
  free(r->rules);
  for (size_t i = 0; i < r->nerrors; i++) {
    free(r->errors[i].path);
    free(r->errors[i].detail);
  }
  free(r->errors);
  free(r);
}

/* Transcripts are small hand-written files; past this they are not read
 * back for line numbers (their findings then carry no line). */
enum { TRANSCRIPT_MAX = 16 * 1024 * 1024 };

static void read_transcript(rl_report *r) {
  FILE *f = fopen(r->path, "rb");
  if (!f)
    return;
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0 || len >= TRANSCRIPT_MAX)
      break;
    if (len == cap) {
      uint8_t *grown = realloc(buf, cap * 2);
      if (!grown) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = grown;
      cap *= 2;
    }
  }
  fclose(f);
  r->tbytes = buf;
  r->tlen = buf ? len : 0;
}

void rl_report_begin_input(rl_report *r, const char *path) {
  clear_input(r);
  r->path = strdup(path ? path : "");
  if (!r->path) {
    r->oom = 1;
    r->path = NULL;
  }
  r->inputs++;
  if (r->path && rl_http_is_transcript(r->path)) {
    r->transcript = 1;
    read_transcript(r);
  }
  r->fmt->begin_input(r);
}

/* The set of rule_hint for a rule info (Fibonacci hashing of its address:
 * infos lie in an array, so the low bits alone would collide): two slots,
 * since some of the catalogue's rules share a set and a single slot made
 * the rules of a set that fire on the same responses evict each other (a
 * third of the findings of (c) went to the binary search). */
static uint8_t *hint_set(rl_report *r, const rl_rule_info *rule) {
  size_t set = (size_t)(((uint64_t)(uintptr_t)rule * 0x9e3779b97f4a7c15ull) >> 57);
  return &r->rule_hint[2 * set];
}

/* The rule's counter, kept sorted by ID so the summary lists rules in ID
 * order whatever order they fired in. NULL on ENOMEM.
 *
 * A binary search costs five or six strcmp a finding; the hints (index + 1
 * of the counter a rule info of the set found last) make it one or two. A
 * hint is only a guess: the counter is taken when its ID is the rule's,
 * which is what the search compares too, so the answer is the search's
 * whatever the hints. */
static rl__rule_count *rule_search(rl_report *r, const rl_rule_info *rule, uint8_t *hint);

static rl__rule_count *hinted(rl_report *r, const rl_rule_info *rule, uint8_t h) {
  return h && h <= r->nrules && strcmp(r->rules[h - 1].id, rule->id) == 0 ? &r->rules[h - 1]
                                                                          : NULL;
}

static rl__rule_count *rule_count(rl_report *r, const rl_rule_info *rule) {
  uint8_t *set = hint_set(r, rule);
  rl__rule_count *c = hinted(r, rule, set[0]);
  if (!c)
    c = hinted(r, rule, set[1]);
  if (c)
    return c;
  set[1] = set[0]; /* the newer guess first, the older one kept */
  return rule_search(r, rule, &set[0]);
}
static rl__rule_count *rule_search(rl_report *r, const rl_rule_info *rule, uint8_t *hint) {
  size_t lo = 0, hi = r->nrules;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(r->rules[mid].id, rule->id);
    if (c == 0) {
      *hint = mid < UINT8_MAX ? (uint8_t)(mid + 1) : 0;
      return &r->rules[mid];
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (r->nrules == r->caprules) {
    size_t cap = r->caprules ? r->caprules * 2 : 32;
    rl__rule_count *grown = realloc(r->rules, cap * sizeof *grown);
    if (!grown)
      return NULL;
    r->rules = grown;
    r->caprules = cap;
  }
  rl__rule_count c;
  memset(&c, 0, sizeof c);
  c.id = strdup(rule->id);
  c.name = strdup(rule->name ? rule->name : "");
  c.level = rule->level;
  if (!c.id || !c.name) {
    free(c.id);
    free(c.name);
    return NULL;
  }
  memmove(&r->rules[lo + 1], &r->rules[lo], (r->nrules - lo) * sizeof *r->rules);
  r->rules[lo] = c;
  r->nrules++;
  memset(r->rule_hint, 0, sizeof r->rule_hint); /* the counters behind lo moved */
  return &r->rules[lo];
}

void rl_report_finding(void *report, const rl_finding *f) {
  rl_report *r = report;
  if (!r || !f || !f->rule || (unsigned)f->level >= RL_LEVEL__COUNT)
    return;
  r->findings[f->level]++;
  rl__rule_count *c = rule_count(r, f->rule);
  if (c)
    c->n++;
  else
    r->oom = 1;
  r->cur = c;
  r->fmt->finding(r, f);
  r->cur = NULL;
}

void rl_report_response(rl_report *r, const rl_exchange *x) {
  if (!r || !x || !x->response)
    return;
  r->responses++;
  r->fmt->response(r, x);
}

void rl_report_end_input(rl_report *r, const char *path, int err, const char *detail) {
  if (!r)
    return;
  if (err) {
    rl__input_error *grown = realloc(r->errors, (r->nerrors + 1) * sizeof *grown);
    if (grown) {
      r->errors = grown;
      rl__input_error *e = &r->errors[r->nerrors++];
      e->path = strdup(path ? path : (r->path ? r->path : ""));
      e->err = err;
      e->detail = strdup(detail && detail[0] ? detail : rl_strerror(err));
      if (!e->path || !e->detail)
        r->oom = 1;
    } else {
      r->oom = 1;
    }
  }
  r->fmt->end_input(r, err, detail && detail[0] ? detail : rl_strerror(err));
  /* Each input's output reaches the FILE when the input ends, so nothing
   * waits in the report's buffer for a finish that a caller may skip. */
  rl__out_flush(r->o);
}

char *rl__build_text(rl_report *r, const rl_finding *f, size_t bound, size_t *len,
                     rl__build_fn *build) {
  char *buf = malloc(bound);
  if (!buf)
    return NULL;
  rl__out t;
  rl__out_init(&t, NULL, buf, bound);
  build(r, &t, f);
  *len = t.len;
  return buf;
}

void rl__rule_cache_reset(rl__rule_count *c, const rl_finding *f) {
  free(c->head);
  free(c->cite);
  c->head = c->cite = NULL;
  c->head_rule = f->rule;
  c->head_level = f->level;
}

void rl__put_cached(rl_report *r, rl__out *o, const rl_finding *f, char **slot, size_t *len,
                    size_t bound, rl__build_fn *build) {
  if (!*slot)
    *slot = rl__build_text(r, f, bound, len, build);
  if (*slot)
    rl__out_mem(o, *slot, *len);
  else
    build(r, o, f);
}

void rl__report_finding_flush(rl_report *r) {
  rl__out_flush(r->o);
  r->o->partial = 0;
  if (r->o->f)
    fflush(r->o->f);
}

int rl_report_finish(rl_report *r, const rl_stats *stats,
                     const rl_engine_counts *counts) {
  if (!r)
    return RL_EINVAL;
  r->fmt->finish(r, stats, counts);
  rl__out_flush(r->o);
  if (fflush(r->opt.out) != 0 || ferror(r->opt.out))
    return RL_EIO;
  return 0;
}

/* --- the JSON summary ----------------------------------------------------- */

static const char *const need_names[RL_NEED__COUNT] = {
#define RL__NEED_NAME(e, name, desc) name,
    RL_NEED_MAP(RL__NEED_NAME)
#undef RL__NEED_NAME
};

void rl__write_summary_json(rl_report *r, rl__out *o, const rl_stats *stats,
                            const rl_engine_counts *counts) {
  rl_stats zero;
  memset(&zero, 0, sizeof zero);
  if (!stats)
    stats = &zero;
  rl__out_printf(o, "{\"inputs\":%" PRIu64 ",\"inputs_unreadable\":%zu", r->inputs,
                 r->nerrors);
#define RL__SUMMARY_STAT(field, desc) \
  rl__out_printf(o, ",\"" #field "\":%" PRIu64, stats->field);
  RL_STATS_MAP(RL__SUMMARY_STAT)
#undef RL__SUMMARY_STAT
  rl__out_printf(o, ",\"responses\":%" PRIu64, r->responses);
  RL__OUT_LIT(o, ",\"findings\":{");
  for (int l = RL_LEVEL__COUNT - 1; l >= 0; l--)
    rl__out_printf(o, "%s\"%s\":%" PRIu64, l == RL_LEVEL__COUNT - 1 ? "" : ",",
                   rl_level_name((rl_level)l), r->findings[l]);
  RL__OUT_LIT(o, "},\"rules\":{");
  for (size_t i = 0; i < r->nrules; i++) {
    rl__out_str(o, i ? "," : "");
    rl__put_json_str(o, r->rules[i].id);
    rl__out_printf(o, ":%" PRIu64, r->rules[i].n);
  }
  RL__OUT_LIT(o, "},\"responses_skipped\":{");
  for (int n = 0; n < RL_NEED__COUNT; n++) {
    rl__out_printf(o, "%s\"%s\":{\"why\":", n ? "," : "", need_names[n]);
    rl__put_json_str(o, rl_need_description((rl_need)n));
    rl__out_printf(o, ",\"responses\":%" PRIu64 ",\"rule_checks\":%" PRIu64 "}",
                   counts ? counts->responses_skipped[n] : 0,
                   counts ? counts->rules_skipped[n] : 0);
  }
  RL__OUT_LIT(o, "},\"unreadable\":[");
  for (size_t i = 0; i < r->nerrors; i++) {
    const rl__input_error *e = &r->errors[i];
    rl__out_str(o, i ? ",{\"file\":" : "{\"file\":");
    rl__put_json_str(o, e->path ? e->path : "");
    rl__out_printf(o, ",\"error\":\"%s\",\"message\":", rl_err_name(e->err));
    rl__put_json_str(o, e->detail ? e->detail : "");
    rl__out_ch(o, '}');
  }
  rl__out_ch(o, ']');
  /* Findings the caller kept out (scoped ignores, a baseline): reported so
   * that a clean run still says what it did not show. */
  const rl_report_withheld *w = r->opt.withheld;
  rl__out_printf(o, ",\"withheld\":{\"ignored\":%" PRIu64 ",\"baselined\":%" PRIu64 "}",
                 w ? w->ignored : 0, w ? w->baselined : 0);
  if (r->oom)
    RL__OUT_LIT(o, ",\"incomplete\":true");
  rl__out_ch(o, '}');
}
