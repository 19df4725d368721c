/* The live status line: what reaches the terminal. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli/status.h"

static void fetch(void *ctx, rl__status_counts *out) {
  (void)ctx;
  out->packets = 1;
  out->responses = 2;
  out->findings = 3;
  out->dropped = 0;
}

/* Draws one status line for interface `name` and returns what was written. */
static void draw(const char *name, char *out, size_t cap) {
  FILE *tty = tmpfile();
  cr_assert_not_null(tty);
  rl__status st;
  rl__status_init(&st, tty, name, fetch, NULL);
  rl__status_tick(&st);
  rewind(tty);
  size_t n = fread(out, 1, cap - 1, tty);
  out[n] = '\0';
  fclose(tty);
}

Test(status, shows_the_counts) {
  char out[512];
  draw("eth0", out, sizeof out);
  cr_assert(strstr(out, "resplint: eth0 0s: 1 packet, 2 responses, 3 findings, 0 dropped"),
            "got: %s", out);
}

/* Linux accepts ESC in an interface name: it must not reach the terminal. */
Test(status, escapes_the_interface_name) {
  char out[512];
  draw("ev\x1b[2Jil\\", out, sizeof out);
  cr_assert_null(strchr(out, '\x1b'), "raw ESC in: %s", out);
  cr_assert(strstr(out, "resplint: ev\\x1b[2Jil\\x5c 0s:"), "got: %s", out);
}
