/* Runs every case of every tests/http/NAME.md file as its own Criterion test:
 * the case's bytes go through the http stage and the resulting log must
 * equal the case's ```log block. Adding a case to a .md adds a test. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speclog.h"

#define SPEC_DIR RL_SOURCE_DIR "/tests/http"

typedef struct spec_param {
  char file[256];
  int index;
  char name[160];
} spec_param;

static int md_file(const struct dirent *e) {
  size_t n = strlen(e->d_name);
  return n > 3 && strcmp(e->d_name + n - 3, ".md") == 0 &&
         strcmp(e->d_name, "README.md") != 0;
}

/* Lists every case of every spec file. Counted first and allocated once:
 * the array lives in Criterion's shared memory, which cannot grow. */
static size_t list_cases(spec_param *params) {
  struct dirent **list;
  int nfiles = scandir(SPEC_DIR, &list, md_file, alphasort);
  size_t count = 0;
  for (int f = 0; f < nfiles; f++) {
    char path[640];
    snprintf(path, sizeof path, "%.200s/%.255s", SPEC_DIR, list[f]->d_name);
    sl_case *cases;
    const char *err;
    int n = sl_parse_file(path, &cases, &err);
    for (int i = 0; i < n; i++, count++) {
      if (params == NULL)
        continue;
      spec_param *p = &params[count];
      snprintf(p->file, sizeof p->file, "%s", list[f]->d_name);
      p->index = i;
      snprintf(p->name, sizeof p->name, "%s", cases[i].name);
    }
    if (n > 0)
      sl_free_cases(cases, n);
    free(list[f]);
  }
  if (nfiles > 0)
    free(list);
  return count;
}

ParameterizedTestParameters(http_spec, case) {
  size_t count = list_cases(NULL);
  spec_param *params = cr_malloc((count ? count : 1) * sizeof *params);
  list_cases(params);
  return cr_make_param_array(spec_param, params, count);
}

ParameterizedTest(spec_param *p, http_spec, case) {
  char path[640];
  snprintf(path, sizeof path, "%.200s/%.255s", SPEC_DIR, p->file);
  sl_case *cases;
  const char *err;
  int n = sl_parse_file(path, &cases, &err);
  cr_assert(n > p->index, "%s: cannot read case %d", p->file, p->index);
  cr_assert_null(err, "%s: %s", p->file, err);
  const sl_case *c = &cases[p->index];
  cr_assert_not_null(c->expected, "%s:%d \"%s\": no ```log block", p->file,
                     c->line, c->name);
  char *got = sl_run_case(c);
  cr_expect_str_eq(got, c->expected,
                   "%s:%d \"%s\"\n--- expected\n%s--- got\n%s", p->file,
                   c->line, c->name, c->expected, got);
  free(got);
  sl_free_cases(cases, n);
}

/* The runner must see the spec files; an empty set would pass silently. */
Test(http_spec, files_present) {
  struct dirent **list;
  int nfiles = scandir(SPEC_DIR, &list, md_file, alphasort);
  cr_assert_geq(nfiles, 10, "expected the tests/http/*.md spec files");
  for (int f = 0; f < nfiles; f++) {
    char path[640];
    snprintf(path, sizeof path, "%.200s/%.255s", SPEC_DIR, list[f]->d_name);
    sl_case *cases;
    const char *err;
    int n = sl_parse_file(path, &cases, &err);
    cr_expect_gt(n, 0, "%s has no cases", list[f]->d_name);
    cr_expect_null(err, "%s: %s", list[f]->d_name, err);
    for (int i = 0; i < n; i++)
      cr_expect_not_null(cases[i].expected, "%s \"%s\" has no log block",
                         list[f]->d_name, cases[i].name);
    if (n > 0)
      sl_free_cases(cases, n);
    free(list[f]);
  }
  free(list);
}
