/* Lint-mode set-up: configuration, rules, selection, limits, baselines.
 *
 * Everything that can be wrong with the user's settings is found here,
 * before the first packet is read, and ends the run with exit code 2: a
 * gate that silently does less than it says is worse than no gate.
 */
#include "cli/setup.h"
#include "cli/say.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "resplint/error.h"
#include "resplint/report.h"

static int load_config(rl__setup *s, const rl__cli_options *o, FILE *errs) {
  const char *path = o->config;
  if (!path) {
    if (o->no_config || access(RL__CONFIG_NAME, F_OK) != 0)
      return RL_EXIT_CLEAN;
    path = RL__CONFIG_NAME;
  }
  int rc = rl__config_load(&s->config, path, errs);
  return rc < 0 ? RL_EXIT_USAGE : RL_EXIT_CLEAN;
}

static int load_rules(rl__setup *s, const rl__cli_options *o, FILE *errs) {
  /* An invalid built-in record is a bug of this build that the user cannot
   * fix: say so and lint with the others, which the engine has kept. */
  if (!o->explain) rl_engine_skip_examples(s->engine);
  int rc = rl_engine_load_catalogue(s->engine, errs);
  if (rc == RL_EINVAL && rl_engine_rule_count(s->engine) > 0) {
    rl__say(errs, "resplint: warning: the records above are left out of the built-in "
                  "catalogue\n");
  } else if (rc < 0) {
    rl__say(errs, "resplint: the built-in rule catalogue: %s\n", rl_strerror(rc));
    return RL_EXIT_USAGE;
  }
  /* The file's rule directories first, then the command line's: both add. */
  for (size_t i = 0; s->config && i < s->config->nrules_dirs; i++) {
    rc = rl_engine_load_dir(s->engine, s->config->rules_dirs[i].spec, errs);
    if (rc < 0 && rc != RL_EINVAL)
      rl__say(errs, "%s:%u:%u: error: rules: %s: %s\n", s->config->path,
              s->config->rules_dirs[i].line, s->config->rules_dirs[i].col,
              s->config->rules_dirs[i].spec, rl_strerror(rc));
    if (rc < 0)
      return RL_EXIT_USAGE;
  }
  for (int i = 0; i < o->rules_dirs.n; i++) {
    /* The engine names the file and the problem itself. */
    rc = rl_engine_load_dir(s->engine, o->rules_dirs.v[i], errs);
    if (rc == RL_ENOMEM)
      rl__say(errs, "resplint: --rules %s: %s\n", o->rules_dirs.v[i], rl_strerror(rc));
    if (rc < 0)
      return RL_EXIT_USAGE;
  }
  return RL_EXIT_CLEAN;
}

/* The file's selection unless the command line gives its own, then the
 * command line's; levels from both, the command line's applied last. */
static int select_rules(rl__setup *s, const rl__cli_options *o, FILE *errs) {
  int bad = 0;
  if (s->config &&
      rl__config_apply_rules(s->config, s->engine, o->selects.n == 0, o->ignores.n == 0,
                             errs) < 0)
    bad = 1;
  for (int i = 0; i < o->selects.n; i++)
    if (rl_engine_select(s->engine, o->selects.v[i], errs) < 0)
      bad = 1;
  for (int i = 0; i < o->ignores.n; i++)
    if (rl_engine_ignore(s->engine, o->ignores.v[i], errs) < 0)
      bad = 1;
  for (int i = 0; i < o->levels.n; i++) {
    char spec[256];
    int level = rl__cli_split_level(o->levels.v[i], spec, sizeof spec);
    if (rl_engine_set_level(s->engine, spec, (rl_level)level, errs) < 0)
      bad = 1;
  }
  return bad ? RL_EXIT_USAGE : RL_EXIT_CLEAN;
}

static uint32_t pick(int64_t cli, int64_t file, uint32_t dflt) {
  return cli >= 0 ? (uint32_t)cli : file >= 0 ? (uint32_t)file : dflt;
}

static void set_limits(rl__setup *s, const rl__cli_options *o) {
  rl_engine_limits lim = rl_engine_default_limits();
  const rl__config *c = s->config;
  lim.max_header_section_bytes =
      pick(o->max_header_bytes, c ? c->max_header_bytes : -1, lim.max_header_section_bytes);
  lim.max_field_lines = pick(o->max_fields, c ? c->max_fields : -1, lim.max_field_lines);
  lim.date_skew_seconds = pick(o->date_skew, c ? c->date_skew : -1, lim.date_skew_seconds);
  rl_engine_set_limits(s->engine, &lim);
}

static int load_baselines(rl__setup *s, const rl__cli_options *o, FILE *errs) {
  if (o->baseline) {
    s->accept = rl__baseline_new();
    if (!s->accept)
      return RL_EXIT_INPUT;
    int rc = rl__baseline_load(s->accept, o->baseline, errs);
    /* A baseline is part of the settings, not an input: a missing or
     * damaged one is a usage error, like a bad configuration file. */
    if (rc < 0)
      return RL_EXIT_USAGE;
  }
  if (o->write_baseline) {
    s->record = rl__baseline_new();
    if (!s->record)
      return RL_EXIT_INPUT;
  }
  return RL_EXIT_CLEAN;
}

int rl__setup_load(rl__setup *s, const rl__cli_options *o, FILE *errs) {
  memset(s, 0, sizeof *s);
  int rc = load_config(s, o, errs);
  if (rc != RL_EXIT_CLEAN)
    return rc;
  s->engine = rl_engine_new();
  if (!s->engine) {
    rl__say(errs, "resplint: out of memory\n");
    return RL_EXIT_INPUT;
  }
  if ((rc = load_rules(s, o, errs)) != RL_EXIT_CLEAN ||
      (rc = select_rules(s, o, errs)) != RL_EXIT_CLEAN)
    return rc;
  set_limits(s, o);
  /* TR notes are info and must never fail a run by default; SHOULD-level
   * warnings are real departures from the RFCs, so they fail it. */
  s->fail_on = o->fail_on >= 0 ? o->fail_on
               : s->config && s->config->fail_on >= 0 ? s->config->fail_on
                                                      : RL_LEVEL_WARNING;
  return o->list_rules || o->explain ? RL_EXIT_CLEAN : load_baselines(s, o, errs);
}

void rl__setup_free(rl__setup *s) {
  rl__config_free(s->config);
  rl_engine_free(s->engine);
  rl__baseline_free(s->accept);
  rl__baseline_free(s->record);
  memset(s, 0, sizeof *s);
}

int rl__setup_info(const rl__setup *s, const rl__cli_options *o, FILE *out, FILE *errs) {
  int rc;
  if (o->list_rules) {
    rc = rl_engine_list_rules(s->engine, out, o->format == RL_FORMAT_JSON);
  } else {
    rc = rl_engine_explain(s->engine, out, o->explain);
    if (rc == RL_EINVAL) {
      rl__say(errs, "resplint: --explain: no rule has the ID or name \"%s\"\n", o->explain);
      rl__say(errs, "Try 'resplint --list-rules' for the list.\n");
      return RL_EXIT_USAGE;
    }
  }
  if (rc < 0) {
    rl__say(errs, "resplint: %s\n", rl_strerror(rc));
    return RL_EXIT_INPUT;
  }
  return RL_EXIT_CLEAN;
}
