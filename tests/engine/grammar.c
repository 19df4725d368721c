/* The named grammars and the HTTP-date parser of src/checks/, which the
 * record examples exercise only through whole responses; the boundaries
 * (leap days, the RFC 850 century rule, list edge cases) are checked here. */
#include <criterion/criterion.h>
#include <string.h>

#include "checks/builtins.h"

static int gr(const char *name, const char *value) {
  int g = rl__grammar_lookup(name);
  cr_assert_geq(g, 0, "grammar %s", name);
  return rl__grammar_match(g, (const uint8_t *)value, strlen(value));
}

Test(grammar, tokens_and_lists) {
  cr_expect(gr("token", "no-cache"));
  cr_expect_not(gr("token", ""));
  cr_expect_not(gr("token", "a b"));
  cr_expect_not(gr("token", "a@b"));
  cr_expect(gr("token-list", "GET, HEAD"));
  cr_expect(gr("token-list", "GET,,HEAD, "));
  cr_expect_not(gr("token-list", ","));
  cr_expect_not(gr("token-list", "GET HEAD"));
  cr_expect(gr("digits", "007"));
  cr_expect_not(gr("digits", "-1"));
  cr_expect_not(gr("delay-seconds", "1.5"));
}

Test(grammar, dates) {
  cr_expect(gr("imf-fixdate", "Sun, 06 Nov 1994 08:49:37 GMT"));
  cr_expect_not(gr("imf-fixdate", "Sun, 06 Nov 1994 08:49:37 UTC"));
  cr_expect_not(gr("imf-fixdate", "Sun, 06 Nov 1994 24:49:37 GMT"));
  cr_expect_not(gr("imf-fixdate", "Sunday, 06-Nov-94 08:49:37 GMT"));
  cr_expect(gr("http-date", "Sunday, 06-Nov-94 08:49:37 GMT"));
  cr_expect(gr("http-date", "Sun Nov  6 08:49:37 1994"));
  cr_expect(gr("http-date", "Sun Nov 16 08:49:37 1994"));
  cr_expect_not(gr("http-date", "0"));
  cr_expect_not(gr("http-date", "1994-11-06T08:49:37Z"));
}

static int64_t parse(const char *s, int64_t ref) {
  int64_t t = -1;
  cr_assert_eq(rl__http_date_parse((const uint8_t *)s, strlen(s), ref, &t), 0,
               "%s", s);
  return t;
}

Test(grammar, date_values) {
  cr_expect_eq(parse("Sun, 06 Nov 1994 08:49:37 GMT", 0), 784111777);
  cr_expect_eq(parse("Sun Nov  6 08:49:37 1994", 0), 784111777);
  cr_expect_eq(parse("Sunday, 06-Nov-94 08:49:37 GMT", 0), 784111777);
  cr_expect_eq(parse("Sat, 01 Jan 2000 00:00:00 GMT", 0), 946684800);
  cr_expect_eq(parse("Tue, 29 Feb 2000 00:00:00 GMT", 0), 951782400);
  /* RFC 9110 §5.6.7: a two-digit year more than 50 years ahead of the
   * reference is the most recent past year with those digits. */
  int64_t ref2030 = 1893456000; /* 2030-01-01 */
  cr_expect_eq(parse("Thursday, 01-Jan-70 00:00:00 GMT", ref2030), 3155760000);
  cr_expect_eq(parse("Tuesday, 01-Jan-85 00:00:00 GMT", ref2030), 473385600);
  cr_expect_eq(parse("Tuesday, 01-Jan-75 00:00:00 GMT", 946684800), 157766400);
  int64_t t;
  cr_expect_eq(rl__http_date_parse((const uint8_t *)"Sun, 06", 7, 0, &t), -1);
}

Test(grammar, entity_tags_media_types_ranges) {
  cr_expect(gr("entity-tag", "\"abc\""));
  cr_expect(gr("entity-tag", "W/\"abc\""));
  cr_expect(gr("entity-tag", "\"\""));
  cr_expect_not(gr("entity-tag", "abc"));
  cr_expect_not(gr("entity-tag", "\"a\"b\""));
  cr_expect(gr("entity-tag-list", "*"));
  cr_expect(gr("entity-tag-list", "\"a\", W/\"b\""));
  cr_expect_not(gr("entity-tag-list", "\"a\" \"b\""));
  cr_expect(gr("media-type", "text/html"));
  cr_expect(gr("media-type", "text/html; charset=\"utf-8\""));
  cr_expect(gr("media-type", "multipart/byteranges;boundary=B"));
  cr_expect_not(gr("media-type", "text"));
  cr_expect_not(gr("media-type", "text/html; charset"));
  cr_expect(gr("content-range", "bytes 0-9/100"));
  cr_expect(gr("content-range", "bytes 0-9/*"));
  cr_expect(gr("content-range", "bytes */100"));
  cr_expect_not(gr("content-range", "bytes 9-0/100"));
  cr_expect_not(gr("content-range", "bytes 0-100/100"));
  cr_expect_not(gr("content-range", "bytes 0-9"));
  cr_expect(gr("uri-reference", "/a/b?c=d#e"));
  cr_expect_not(gr("uri-reference", "/a b"));
}

Test(grammar, names_are_closed_lists) {
  cr_expect_eq(rl__grammar_lookup("no-such-grammar"), -1);
  cr_expect_eq(rl__builtin_lookup("no-such-builtin"), -1);
  for (int i = 0; i < RL_BUILTIN__COUNT; i++)
    cr_expect_eq(rl__builtin_lookup(rl__builtin_name(i)), i);
  for (int i = 0; i < RL_GRAMMAR__COUNT; i++)
    cr_expect_eq(rl__grammar_lookup(rl__grammar_name(i)), i);
}

/* The classes of bytes as rl__byte_classes defines them, byte by byte. */
static unsigned classes_ref(const uint8_t *p, size_t n) {
  unsigned out = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = p[i];
    if (b >= 0x80) out |= RL__BYTES_HIGH;
    else if (b == '\r') {
      if (i + 1 >= n || p[i + 1] != '\n') out |= RL__BYTES_EOL_ODD;
    } else if (b == '\n') {
      if (i == 0 || p[i - 1] != '\r') out |= RL__BYTES_EOL_ODD;
    } else if ((b < 0x20 && b != '\t') || b == 0x7f) {
      out |= RL__BYTES_CTL;
    }
  }
  return out;
}

/* Its word-at-a-time scan looks up only the lanes it marks: every byte
 * value at every lane of three words, alone, after a CR and before an LF,
 * and in lines of CR LF pairs, must give what the byte-by-byte reading
 * does. */
Test(grammar, byte_classes_every_lane) {
  uint8_t buf[27];
  for (size_t len = 1; len <= sizeof buf; len += 13) {
    for (size_t at = 0; at < len; at++) {
      for (int b = 0; b < 256; b++) {
        for (int ctx = 0; ctx < 3; ctx++) {
          memset(buf, 'a', len);
          for (size_t k = 5; ctx == 2 && k + 1 < len; k += 9) {
            buf[k] = '\r';
            buf[k + 1] = '\n';
          }
          if (ctx == 1 && at > 0) buf[at - 1] = '\r';
          if (ctx == 1 && at + 1 < len) buf[at + 1] = '\n';
          buf[at] = (uint8_t)b;
          rl_message m;
          memset(&m, 0, sizeof m);
          m.raw = buf;
          m.raw_len = (uint32_t)len;
          cr_assert_eq(rl__byte_classes(&m), classes_ref(buf, len),
                       "byte 0x%02x at %zu of %zu (context %d)", b, at, len, ctx);
        }
      }
    }
  }
}
