/* Terminal safety: a server that puts ESC [ 2 J (clear screen) and other
 * control bytes in its reason phrase and a header value must not reach the
 * reader's terminal through any format. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"

static const char client[] = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
static const char server[] =
    "HTTP/1.1 200 O\x1b[2JK\x07\r\n"
    "Content-Length: 2\r\n"
    "Content-Type: text/plain\r\n"
    "X-Evil: a\x1b[2J\x1b]0;pwned\x07z\x9b\xff\r\n"
    "\r\n"
    "ok";

static char *lint(rl_format f, int color) {
  rt_opts o = {.format = f, .color = color, .fail_on = RL_LEVEL_ERROR};
  int code = -1;
  char *out = rt_lint_transcript(&o, "escape", client, sizeof client - 1, server,
                                 sizeof server - 1, &code);
  cr_assert_not_null(out);
  cr_assert_eq(code, 1, "the control bytes are errors (SL004, HF004), exit %d", code);
  return out;
}

/* Every byte is printable ASCII or a line break: nothing the terminal acts on. */
static void assert_plain(const char *out) {
  for (const unsigned char *p = (const unsigned char *)out; *p; p++)
    cr_assert(*p == '\n' || (*p >= 0x20 && *p < 0x7f), "byte 0x%02x at %zu in:\n%s", *p,
              (size_t)(p - (const unsigned char *)out), out);
}

Test(escape, text_shows_control_bytes_escaped) {
  char *out = lint(RL_FORMAT_TEXT, 0);
  assert_plain(out);
  cr_assert_not_null(strstr(out, "< HTTP/1.1 200 O\\x1b[2JK\\x07\n"), "%s", out);
  cr_assert_not_null(strstr(out, "< X-Evil: a\\x1b[2J\\x1b]0;pwned\\x07z\\x9b\\xff\n"), "%s",
                     out);
  free(out);
}

/* With colour on, the only ESC bytes are the report's own SGR sequences
 * ("ESC [ digits ; digits m"). */
Test(escape, colour_adds_only_sgr_sequences) {
  char *out = lint(RL_FORMAT_TEXT, 1);
  int sgr = 0;
  for (const char *p = out; (p = strchr(p, '\x1b')) != NULL; p++) {
    size_t n = strspn(p + 2, "0123456789;");
    cr_assert(p[1] == '[' && p[2 + n] == 'm', "not SGR: %.12s", p);
    sgr++;
  }
  cr_assert_gt(sgr, 0, "colour was asked for");
  cr_assert_null(strstr(out, "\x1b[2J"));
  cr_assert_not_null(strstr(out, "\\x1b[2J"));
  free(out);
}

Test(escape, junit_and_sarif_are_plain_ascii_or_utf8_escaped) {
  char *junit = lint(RL_FORMAT_JUNIT, 0);
  assert_plain(junit);
  cr_assert_not_null(strstr(junit, "\\x1b[2J"), "%s", junit);
  free(junit);
  char *sarif = lint(RL_FORMAT_SARIF, 0);
  cr_assert_null(strchr(sarif, '\x1b'));
  cr_assert_null(strchr(sarif, '\x07'));
  free(sarif);
}

/* JSON keeps the bytes recoverable: ESC as \u001b, the lone 0x9b and 0xff
 * (not UTF-8) as \u009b and \u00ff. */
Test(escape, json_escapes_controls_and_non_utf8) {
  char *out = lint(RL_FORMAT_JSON, 0);
  assert_plain(out);
  cr_assert_not_null(strstr(out, "a\\u001b[2J\\u001b]0;pwned\\u0007z\\u009b\\u00ff"), "%s",
                     out);
  free(out);
}
