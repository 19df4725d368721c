/* A record's texts (get_str in src/engine/load.c): a control character is
 * refused wherever it lies, the word-at-a-time scan included (its first
 * eight-byte words and the bytes after the last whole word); line breaks and
 * tabs are text; trailing line breaks and spaces are cut. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resplint/engine.h"
#include "resplint/error.h"

/* A valid record whose summary is the double-quoted YAML `summary`. */
static int load_with_summary(const char *summary, char **errs, char **loaded) {
  char text[1024];
  snprintf(text, sizeof text,
           "id: ORG401\nname: no-challenge\nlevel: error\nrequirement: MUST\n"
           "summary: \"%s\"\nwhy: w\n"
           "rfc: {document: RFC 9110, section: \"15.5.2\", url: https://example.com/x, quote: q}\n"
           "check: {field-absent: WWW-Authenticate}\nmessage: m\n"
           "examples:\n  - {expect: pass, response: \"HTTP/1.1 200 OK\\r\\n\\r\\n\"}\n",
           summary);
  size_t len = 0;
  FILE *f = open_memstream(errs, &len);
  rl_engine *e = rl_engine_new();
  int rc = rl_engine_load_buffer(e, "ORG401-no-challenge.yaml", text, strlen(text), f);
  fclose(f);
  *loaded = NULL;
  if (rc > 0) *loaded = strdup(rl_engine_rule(e, 0)->summary);
  rl_engine_free(e);
  return rc;
}

Test(texts, control_characters_refused_at_every_position) {
  static const char *const bad[] = {"\\x01", "\\e", "\\a", "\\x1f", "\\x7f", "\\r"};
  static const unsigned codes[] = {0x01, 0x1b, 0x07, 0x1f, 0x7f, 0x0d};
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
    for (int at = 0; at < 20; at++) {
      char s[64], want[64];
      snprintf(s, sizeof s, "%.*s%s%.*s", at, "abcdefghijklmnopqrstuvwxyz", bad[b],
               19 - at, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
      char *errs, *got;
      int rc = load_with_summary(s, &errs, &got);
      snprintf(want, sizeof want, "'summary': control character 0x%02x", codes[b]);
      cr_expect_eq(rc, RL_EINVAL, "%s at %d", bad[b], at);
      cr_expect_not_null(strstr(errs, want), "%s at %d: %s", bad[b], at, errs);
      free(errs);
      free(got);
    }
}

Test(texts, tabs_line_breaks_and_high_bytes_are_text) {
  char *errs, *got;
  int rc = load_with_summary("a\\tb\\nc d\\u00e9f\\u20acghijklmnop\\n \\n", &errs, &got);
  cr_assert_eq(rc, 1, "%s", errs);
  cr_expect_str_eq(got, "a\tb\nc d\xc3\xa9" "f\xe2\x82\xac" "ghijklmnop");
  free(errs);
  free(got);
}

/* The check stops at a NUL ("\0" in YAML), as the copy does. */
Test(texts, a_nul_ends_the_text) {
  char *errs, *got;
  int rc = load_with_summary("abc\\0\\x01def", &errs, &got);
  cr_assert_eq(rc, 1, "%s", errs);
  cr_expect_str_eq(got, "abc");
  free(errs);
  free(got);
}
