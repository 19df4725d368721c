/* What the engine says of a regex without running it (rl__regex_verdict in
 * src/engine/cond.c) must be what regexec says: every pattern of the
 * catalogue and a few awkward ones, against values that are too short, too
 * long, hold NUL bytes, differ in case or only nearly hold the literal. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rule.h"

static void compile(rl__cond *c, const char *src, int icase) {
  memset(c, 0, sizeof *c);
  int rc = regcomp(&c->re, src, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
  cr_assert_eq(rc, 0, "regcomp %s", src);
  c->has_re = 1;
  c->re_src = (char *)src;
  c->re_icase = icase;
  c->grammar = -1;
  rl__regex_literal(c);
}

static const struct {
  const char *re;
  int icase;
} patterns[] = {
    {"(^|,)[ \t]*keep-alive[ \t]*(,|$)", 1},
    {";[ \t]*charset[ \t]*=", 1},
    {"^text/", 1},
    {"^multipart/byteranges", 1},
    {"^0[0-9]", 0},
    {"^0*[1-9][0-9]{19,}$", 0},
    {"chunked", 1},
    {"no-store", 1},
    {"^bytes[ ]+\\*/[0-9]+$", 0},
    {"(^|[ ,])(s-)?max-age[ ]*=[ ]*\"?[1-9]", 1},
    {"^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, [0-9]{2}-(Jan|Feb|Mar|Apr|May|"
     "Jun|Jul|Aug|Sep|Oct|Nov|Dec)-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$",
     0},
    {"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|"
     "Nov|Dec) ( [0-9]|[0-9]{2}) [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$",
     0},
    {"^[a-z0-9-]+( ?, ?[a-z0-9-]+)*$", 0},
    {"[^*, \t]", 0},
    /* Awkward: alternatives at the top, quantified literals, escapes,
     * classes inside brackets, intervals, anchors in the middle. */
    {"abc|xyz", 0},
    {"ab+c", 0},
    {"abc?", 0},
    {"a\\.b", 0},
    {"^a{2,3}$", 0},
    {"^(ab){2}$", 0},
    {"[[:space:]]x", 0},
    {"x$", 0},
    {"^$", 0},
    {"^.{3}$", 0},
    {"(a|bc)d$", 0},
    {"GZIP", 1},
};

static const char *const values[] = {
    "", "a", "ab", "abc", "xyz", "abbbc", "ab", "a.b", "aXb", "aa", "aaa",
    "aaaa", "abab", "ababab", " x", "x", "xx", "ad", "bcd", "zad",
    "keep-alive", "Keep-Alive", "close, keep-alive", "keep-alivex",
    "text/html; charset=utf-8", "TEXT/plain", "tex", "text", "application/json",
    "multipart/byteranges; boundary=x", "Multipart/ByteRanges", "007", "0", "10",
    "123456789012345678901", "000123456789012345678901", "chunked", "gzip, chunked",
    "ChUnKeD", "chunke", "no-store", "private, no-store", "bytes */100",
    "bytes  */7", "bytes 0-1/2", "max-age=60", "s-maxage=1", "max-age=0",
    "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994", "gzip", "gz", "GZIP", "a, b", "*", "*, x",
};

/* Values with a NUL: regexec reads up to it, the engine must too. */
static const struct {
  const char *v;
  size_t n;
} nul_values[] = {
    {"abc\0xyz", 7}, {"\0abc", 4}, {"text\0/html", 10}, {"chunk\0ed", 8},
    {"x\0", 2},      {"aa\0a", 4},
};

static void check(const rl__cond *c, const char *v, size_t n) {
  int quick = rl__regex_verdict(c, (const uint8_t *)v, n);
  if (quick < 0) return;
  char buf[128];
  cr_assert(n < sizeof buf);
  memcpy(buf, v, n);
  buf[n] = '\0';
  int real = regexec(&c->re, buf, 0, NULL, 0) == 0;
  cr_assert_eq(quick, real, "/%s/ on \"%s\": quick %d, regexec %d", c->re_src,
               buf, quick, real);
}

Test(regex_quick, agrees_with_regexec) {
  for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
    rl__cond c;
    compile(&c, patterns[p].re, patterns[p].icase);
    for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
      check(&c, values[v], strlen(values[v]));
    for (size_t v = 0; v < sizeof nul_values / sizeof nul_values[0]; v++)
      check(&c, nul_values[v].v, nul_values[v].n);
    regfree(&c.re);
  }
}

Test(regex_quick, finds_what_it_should) {
  rl__cond c;
  compile(&c, "^text/", 1);
  cr_assert(c.re_lit_prefix && c.re_lit_exact && c.re_lit_len == 5);
  regfree(&c.re);
  compile(&c, "^0*[1-9][0-9]{19,}$", 0);
  cr_assert(c.re_whole && c.re_min == 20 && c.re_lit_len == 0);
  regfree(&c.re);
  compile(&c, "abc|xyz", 0);
  cr_assert(c.re_lit_len == 0 && !c.re_whole);
  regfree(&c.re);
  compile(&c, "[[:space:]]x", 0);
  cr_assert(c.re_lit_len == 0 && c.re_min == 0);
  regfree(&c.re);
}
