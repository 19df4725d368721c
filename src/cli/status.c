/* The live status line (status.h).
 *
 * The line is erased by overwriting it with spaces rather than with an
 * ANSI erase sequence, so that it works on any terminal, TERM=dumb
 * included. Nothing here is drawn unless the owner found a terminal. */
#include "cli/status.h"

#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>

/* Linux lets an interface name hold any byte but '/', ':' and white space,
 * ESC included, so the name is escaped like any byte off the wire before it
 * reaches a terminal (and cut to fit; the line is cut to the width anyway). */
static void escape_name(char *out, size_t cap, const char *name) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)name; *p && n + 5 < cap; p++) {
    if (*p >= 0x20 && *p < 0x7f && *p != '\\')
      out[n++] = (char)*p;
    else
      n += (size_t)snprintf(out + n, cap - n, "\\x%02x", *p);
  }
  out[n] = '\0';
}

void rl__status_init(rl__status *st, FILE *tty, const char *what,
                     rl__status_fetch_fn fetch, void *ctx) {
  memset(st, 0, sizeof *st);
  st->tty = tty;
  escape_name(st->what, sizeof st->what, what ? what : "");
  st->fetch = fetch;
  st->fetch_ctx = ctx;
  clock_gettime(CLOCK_MONOTONIC, &st->start);
}

static const char *plural(uint64_t n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

void rl__status_tick(void *status) {
  rl__status *st = status;
  if (!st->tty || !st->fetch)
    return;
  rl__status_counts c;
  memset(&c, 0, sizeof c);
  st->fetch(st->fetch_ctx, &c);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int64_t secs = (int64_t)(now.tv_sec - st->start.tv_sec);
  char line[256];
  int n = snprintf(line, sizeof line,
                   "resplint: %s %" PRId64 "s: %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64
                   " %s, %" PRIu64 " dropped",
                   st->what, secs, c.packets, plural(c.packets, "packet", "packets"),
                   c.responses, plural(c.responses, "response", "responses"), c.findings,
                   plural(c.findings, "finding", "findings"), c.dropped);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
  /* A line that wraps cannot be redrawn in place: cut it to the width. */
  struct winsize ws;
  if (ioctl(fileno(st->tty), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && len >= ws.ws_col)
    len = (size_t)ws.ws_col - 1;
  line[len] = '\0';
  /* Pad over a longer previous line (an interface name cannot shrink, but
   * the caller may have cleared and redrawn in between). */
  fprintf(st->tty, "\r%s%*s", line, len < st->shown ? (int)(st->shown - len) : 0, "");
  fflush(st->tty);
  st->shown = len > st->shown ? len : st->shown;
}

void rl__status_clear(rl__status *st) {
  if (!st || !st->tty || !st->shown)
    return;
  fprintf(st->tty, "\r%*s\r", (int)st->shown, "");
  fflush(st->tty);
  st->shown = 0;
}
