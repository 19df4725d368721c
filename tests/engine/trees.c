/* The catalogue's trees made by the build (src/engine/ytree.h) are what a
 * run would parse: every record has one, and it equals, node for node and
 * byte for byte, the tree libyaml makes of the record cut before its
 * examples. The loader trusts them on that ground. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/catalogue.h"
#include "engine/rule.h"
#include "engine/ytree.h"

Test(trees, every_record_built_and_equal_to_a_fresh_parse) {
  cr_assert_eq(rl__catalogue_tree_count, rl__catalogue_count);
  cr_assert_gt(rl__catalogue_count, 100);
  for (size_t i = 0; i < rl__catalogue_count; i++) {
    const rl__catalogue_file *f = &rl__catalogue[i];
    const rl__catalogue_tree *ct = &rl__catalogue_trees[i];
    cr_assert(ct->built, "%s: no tree", f->path);
    size_t head = rl__record_head_len(f->text, f->len);
    cr_assert_eq(ct->head_len, head, "%s", f->path);
    cr_assert_lt(head, f->len, "%s: no examples", f->path);
    rl__ytree t;
    rl__yproblem p;
    cr_assert_eq(rl__ytree_parse(f->text, head, &t, &p), 0, "%s", f->path);
    cr_expect(rl__ytree_same(&ct->tree, &t), "%s: the built tree differs", f->path);
    rl__ytree_free(&t);
  }
}

/* rl__ytree_same sees a difference in a scalar's bytes, a mark or a shape. */
Test(trees, a_difference_is_seen) {
  static const char a[] = "k: [x, y]\nv: abc\n", b[] = "k: [x, y]\nv: abd\n",
                    c[] = "k: [x, y]\nv:  abc\n", d[] = "k: [x]\nv: abc\n";
  rl__ytree ta, tb, tc, td, ta2;
  rl__yproblem p;
  cr_assert_eq(rl__ytree_parse(a, strlen(a), &ta, &p), 0);
  cr_assert_eq(rl__ytree_parse(a, strlen(a), &ta2, &p), 0);
  cr_assert_eq(rl__ytree_parse(b, strlen(b), &tb, &p), 0);
  cr_assert_eq(rl__ytree_parse(c, strlen(c), &tc, &p), 0);
  cr_assert_eq(rl__ytree_parse(d, strlen(d), &td, &p), 0);
  cr_expect(rl__ytree_same(&ta, &ta2));
  cr_expect(!rl__ytree_same(&ta, &tb));
  cr_expect(!rl__ytree_same(&ta, &tc));
  cr_expect(!rl__ytree_same(&ta, &td));
  rl__ytree_free(&ta);
  rl__ytree_free(&ta2);
  rl__ytree_free(&tb);
  rl__ytree_free(&tc);
  rl__ytree_free(&td);
}

/* Not YAML: the problem and where libyaml found it, as the loader reports. */
Test(trees, not_yaml) {
  static const char bad[] = "id: [unclosed\n";
  rl__ytree t;
  rl__yproblem p;
  cr_assert_eq(rl__ytree_parse(bad, strlen(bad), &t, &p), -1);
  cr_expect_neq(p.what, NULL);
  rl__ytree_free(&t);
}

/* A linting run compiles a catalogue regex on its first use
 * (rl__cond_regex), trusting it to compile: the whole catalogue, loaded
 * with its examples, compiles every regex at load and reports none. */
Test(trees, every_catalogue_regex_compiles) {
  rl_engine *e = rl_engine_new();
  cr_assert_not_null(e);
  char *errs = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&errs, &len);
  int rc = rl_engine_load_catalogue(e, f);
  fclose(f);
  cr_expect_eq(rc, (int)rl__catalogue_count, "%s", errs);
  cr_expect_str_empty(errs);
  free(errs);
  rl_engine_free(e);
}
