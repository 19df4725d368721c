/* Loading the catalogue without its examples (rl_engine_skip_examples), as
 * a linting run does: the same rules, with the same documentation, levels,
 * checks and messages; only the examples are left out. */
#include <criterion/criterion.h>
#include <string.h>

#include "resplint/engine.h"

static int same_text(const char *a, const char *b) {
  return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

Test(lean, same_rules_without_examples) {
  rl_engine *whole = rl_engine_new(), *lean = rl_engine_new();
  cr_assert(whole && lean);
  rl_engine_skip_examples(lean);
  cr_assert_gt(rl_engine_load_catalogue(whole, stderr), 0);
  cr_assert_gt(rl_engine_load_catalogue(lean, stderr), 0);
  size_t n = rl_engine_rule_count(whole);
  cr_assert_eq(rl_engine_rule_count(lean), n);
  for (size_t i = 0; i < n; i++) {
    const rl_rule_info *w = rl_engine_rule(whole, i), *l = rl_engine_rule(lean, i);
    cr_assert_gt(w->nexamples, 0, "%s has no examples", w->id);
    cr_expect_eq(l->nexamples, 0, "%s", l->id);
    const char *wt[] = {w->id, w->name, w->requirement, w->summary, w->why,
                        w->rfc_document, w->rfc_section, w->rfc_url, w->rfc_quote,
                        w->applies_to, w->check, w->message, w->file};
    const char *lt[] = {l->id, l->name, l->requirement, l->summary, l->why,
                        l->rfc_document, l->rfc_section, l->rfc_url, l->rfc_quote,
                        l->applies_to, l->check, l->message, l->file};
    for (size_t k = 0; k < sizeof wt / sizeof wt[0]; k++)
      cr_expect(same_text(wt[k], lt[k]), "%s: text %zu differs", w->id, k);
    cr_expect_eq(w->level, l->level, "%s", w->id);
    cr_expect_eq(w->needs, l->needs, "%s", w->id);
  }
  rl_engine_free(whole);
  rl_engine_free(lean);
}
