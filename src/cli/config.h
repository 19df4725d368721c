/* The configuration file (.resplint.yaml, or --config FILE): rule
 * selection, level overrides, limits, the failing level and scoped ignores.
 * Command-line options win over it; the session applies both. */
#ifndef RESPLINT_CLI_CONFIG_H
#define RESPLINT_CLI_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/caps.h"
#include "resplint/engine.h"

/* One rule spec (as --select takes it) and where it was written. */
typedef struct rl__config_spec {
  char *spec;
  int level;      /* for `levels`: the rl_level; unused elsewhere */
  unsigned line, col;
} rl__config_spec;

/* One scoped ignore: findings of `rules` (every rule when NULL) whose
 * exchange matches every scope key given. */
typedef struct rl__scope {
  unsigned line;
  char *rules;          /* a spec as --ignore takes it, or NULL */
  unsigned rules_line, rules_col;
  int has_addr;         /* server address given */
  uint8_t addr[16];
  uint8_t ipver;
  int port;             /* server port, or -1 for any */
  char *host;           /* Host of the request ("*.example.com" allowed) */
  char *target;         /* request-target prefix */
  int *status_lo;       /* status ranges: "404" is 404..404, "4xx" 400..499 */
  int *status_hi;
  size_t nstatus;
  char *reason;         /* why, for the reader; may be NULL */
} rl__scope;

typedef struct rl__config {
  char *path;
  rl__config_spec *selects;
  size_t nselects;
  rl__config_spec *ignores;
  size_t nignores;
  rl__config_spec *levels;
  size_t nlevels;
  rl__config_spec *rules_dirs; /* resolved against the file's directory */
  size_t nrules_dirs;
  int fail_on;                 /* rl_level, RL_LEVEL__COUNT for never, or -1 */
  int64_t max_header_bytes;    /* -1 when absent */
  int64_t max_fields;
  int64_t date_skew;
  rl__caps caps;               /* caps:; 0 where absent */
  rl__scope *scopes;
  size_t nscopes;
} rl__config;

/* Reads and checks `path`. Returns 0 and sets *out, or RL_EINVAL with every
 * problem written to `errs` as "FILE:LINE:COL: error: TEXT", or the RL_E*
 * code of a file that cannot be read (written to `errs` too). */
int rl__config_load(rl__config **out, const char *path, FILE *errs);
void rl__config_free(rl__config *c); /* NULL is a no-op */

/* Applies selection and levels to a loaded engine; an item that matches no
 * rule is reported with its place in the file. Also checks that the rules
 * of every scoped ignore exist. Returns 0 or RL_EINVAL. */
int rl__config_apply_rules(const rl__config *c, rl_engine *e, int use_select,
                           int use_ignore, FILE *errs);

/* 1 if the finding is ignored by scope `s`. */
int rl__scope_matches(const rl__scope *s, const rl_finding *f);

/* 1 if `item_spec` (comma-separated IDs, prefixes, names or ALL) names the
 * rule. */
int rl__spec_matches(const char *spec, const rl_rule_info *rule);

#endif
