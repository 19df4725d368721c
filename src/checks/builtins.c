/* The name tables of the built-in checks and grammars, generated from the
 * X-macro lists in builtins.h so that each list is written once. */
#include "checks/builtins.h"

#include <string.h>

typedef int (*rl__builtin_fn)(const rl_exchange *x, const rl__env *env,
                              rl__match *m);
typedef int (*rl__grammar_fn)(const uint8_t *s, size_t n);

static const struct {
  const char *name;
  rl__builtin_fn fn;
  int needs_request;
  const char *desc;
} builtins[] = {
#define RL__BUILTIN_ROW(e, name, fn, req, desc) {name, fn, req, desc},
    RL_BUILTIN_MAP(RL__BUILTIN_ROW)
#undef RL__BUILTIN_ROW
};

static const struct {
  const char *name;
  rl__grammar_fn fn;
} grammars[] = {
#define RL__GRAMMAR_ROW(e, name, fn) {name, fn},
    RL_GRAMMAR_MAP(RL__GRAMMAR_ROW)
#undef RL__GRAMMAR_ROW
};

int rl__builtin_lookup(const char *name) {
  for (int i = 0; i < RL_BUILTIN__COUNT; i++)
    if (strcmp(builtins[i].name, name) == 0) return i;
  return -1;
}

const char *rl__builtin_name(int b) {
  return (b >= 0 && b < RL_BUILTIN__COUNT) ? builtins[b].name : NULL;
}

const char *rl__builtin_description(int b) {
  return (b >= 0 && b < RL_BUILTIN__COUNT) ? builtins[b].desc : NULL;
}

int rl__builtin_needs_request(int b) {
  return (b >= 0 && b < RL_BUILTIN__COUNT) ? builtins[b].needs_request : 0;
}

#define RL__FBIT(id) (1ull << RL_FIELD_##id)

uint64_t rl__builtin_fields(int b) {
  /* Each of these reads only the named fields of the response and returns
   * 0 at once when none is there; keep in step with the functions. */
  switch (b) {
  case RL_BUILTIN_CONFLICTING_CONTENT_LENGTH:
    return RL__FBIT(CONTENT_LENGTH);
  case RL_BUILTIN_CHUNKED_APPLIED_TWICE:
  case RL_BUILTIN_CHUNKED_NOT_FINAL:
    return RL__FBIT(TRANSFER_ENCODING);
  case RL_BUILTIN_DATE_SKEW:
    return RL__FBIT(DATE);
  case RL_BUILTIN_LAST_MODIFIED_AFTER_DATE:
    return RL__FBIT(LAST_MODIFIED);
  case RL_BUILTIN_INVALID_CHALLENGE:
    return RL__FBIT(WWW_AUTHENTICATE) | RL__FBIT(PROXY_AUTHENTICATE);
  case RL_BUILTIN_INVALID_CACHE_CONTROL:
  case RL_BUILTIN_QUESTIONABLE_CACHE_CONTROL:
    return RL__FBIT(CACHE_CONTROL);
  case RL_BUILTIN_RANGE_LENGTH_MISMATCH:
    return RL__FBIT(CONTENT_RANGE);
  case RL_BUILTIN_ALLOW_LISTS_REQUEST_METHOD:
    return RL__FBIT(ALLOW);
  case RL_BUILTIN_UPGRADE_NOT_OFFERED:
    return RL__FBIT(UPGRADE);
  case RL_BUILTIN_REPEATED_SINGLETON_FIELD:
    return rl__singleton_fields();

  default:
    return 0;
  }
}

int rl__builtin_reads_time(int b) {
  /* FV004 compares Date with the capture second (and says nothing on a
   * capture without time); no other built-in reads rl_pktref.ts. */
  return b == RL_BUILTIN_DATE_SKEW;
}

int rl__builtin_run(int b, const rl_exchange *x, const rl__env *env,
                    rl__match *m) {
  if (b < 0 || b >= RL_BUILTIN__COUNT) return 0;
  return builtins[b].fn(x, env, m);
}

int rl__grammar_lookup(const char *name) {
  for (int i = 0; i < RL_GRAMMAR__COUNT; i++)
    if (strcmp(grammars[i].name, name) == 0) return i;
  return -1;
}

const char *rl__grammar_name(int g) {
  return (g >= 0 && g < RL_GRAMMAR__COUNT) ? grammars[g].name : NULL;
}

int rl__grammar_match(int g, const uint8_t *s, size_t n) {
  if (g < 0 || g >= RL_GRAMMAR__COUNT) return 0;
  return grammars[g].fn(s, n);
}
