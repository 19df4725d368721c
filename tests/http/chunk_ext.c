/* rl__chunk_ext_rest_ok (src/http/chunkext.c): the rest of a chunk
 * extension list, from the ";" after a value to the line's CR, against the
 * grammar of RFC 9112 section 7.1.1 without BWS. */
#include <criterion/criterion.h>
#include <string.h>

#include "http/http_internal.h"

static int ok(const char *s) {
  return rl__chunk_ext_rest_ok((const uint8_t *)s, strlen(s));
}

Test(chunk_ext, well_formed_lists) {
  cr_expect(ok(";b=2"));
  cr_expect(ok(";b"));
  cr_expect(ok(";b;c;d"));
  cr_expect(ok(";b=2;c=\"x y\";d"));
  cr_expect(ok(";b=\"\""));
  cr_expect(ok(";b=\"a\\\"b\""), "a quoted-pair");
  cr_expect(ok(";b=\"semi;colon\";c=1"));
  cr_expect(ok(";!#$%&'*+-.^_`|~09azAZ=x"), "every tchar class");
  cr_expect(ok(";b=\"\x80\xff\""), "obs-text in a quoted-string");
}

Test(chunk_ext, malformed_lists) {
  cr_expect_not(ok(""), "nothing to read");
  cr_expect_not(ok(";"), "a name is required");
  cr_expect_not(ok(";;b"));
  cr_expect_not(ok(";=2"));
  cr_expect_not(ok(";b="), "a value after = is required");
  cr_expect_not(ok(";b=2 "), "no whitespace (llhttp 8.1 takes none)");
  cr_expect_not(ok(" ;b=2"));
  cr_expect_not(ok(";b = 2"));
  cr_expect_not(ok(";b=\"open"), "an unclosed quoted-string");
  cr_expect_not(ok(";b=\"a\\"), "a backslash at the end");
  cr_expect_not(ok(";b=\"a\x01\""), "a control byte in a quoted-string");
  cr_expect_not(ok(";b=\"a\x7f\""));
  cr_expect_not(ok(";b=x\"y\""), "a quote inside a token");
  cr_expect_not(ok(";b=2\n"), "a bare LF");
  cr_expect_not(ok(";b@c"), "a non-token byte in a name");
  cr_expect_not(ok("b=2"), "the list starts with ;");
}
