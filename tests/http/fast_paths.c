/* The word-at-a-time helpers of the http stage against the plain loops
 * they replace: line-end search (SEEK, forbidden content) and field-name
 * lookup. */
#include <criterion/criterion.h>
#include <string.h>

#include "http/scan.h"
#include "resplint/message.h"

static size_t naive_eol(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (p[i] == '\r' || p[i] == '\n')
      return i;
  return len;
}

/* Every length up to three words, with CR or LF (or bytes next to them in
 * value: 0x0c, 0x0e, 0x0b, 0x8d) at every position. */
Test(fast_paths, find_eol_matches_the_plain_loop) {
  static const uint8_t probes[] = {'\r', '\n', 0x0c, 0x0e, 0x0b, 0x8d, 0x00};
  uint8_t buf[24];
  for (size_t len = 0; len <= sizeof buf; len++) {
    for (size_t at = 0; at <= len; at++) {
      for (size_t k = 0; k < sizeof probes; k++) {
        memset(buf, 'a', sizeof buf);
        if (at < len)
          buf[at] = probes[k];
        /* A second line end later must not hide the first. */
        if (at + 3 < len)
          buf[at + 3] = '\n';
        cr_assert_eq(rl__find_eol(buf, len), naive_eol(buf, len),
                     "len %zu, byte 0x%02x at %zu", len, probes[k], at);
      }
    }
  }
}

static void case_variant(const char *name, char *out, int upper) {
  size_t i = 0;
  for (; name[i]; i++) {
    char c = name[i];
    if (c >= 'a' && c <= 'z' && upper)
      c = (char)(c - 32);
    else if (c >= 'A' && c <= 'Z' && !upper)
      c = (char)(c + 32);
    out[i] = c;
  }
  out[i] = '\0';
}

Test(fast_paths, every_known_name_in_any_case) {
  char buf[64];
  for (int id = 1; id < RL_FIELD__COUNT; id++) {
    const char *name = rl_field_name((rl_field_id)id);
    size_t n = strlen(name);
    cr_assert_eq(rl_field_lookup(name, n), id, "%s", name);
    case_variant(name, buf, 0);
    cr_assert_eq(rl_field_lookup(buf, n), id, "%s", buf);
    case_variant(name, buf, 1);
    cr_assert_eq(rl_field_lookup(buf, n), id, "%s", buf);
  }
}

/* Flipping the case bit (0x20) of a byte that is not a letter ('-' becomes
 * CR, '3' becomes 0x13), or changing any byte to another letter, must not
 * find the name. */
Test(fast_paths, near_misses_are_other) {
  char buf[64];
  for (int id = 1; id < RL_FIELD__COUNT; id++) {
    const char *name = rl_field_name((rl_field_id)id);
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++) {
      memcpy(buf, name, n);
      char c = name[i];
      int letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
      buf[i] = letter ? (char)((c | 0x20) == 'q' ? 'x' : 'q') : (char)(c ^ 0x20);
      rl_field_id got = rl_field_lookup(buf, n);
      cr_assert(got == RL_FIELD_OTHER || strncmp(rl_field_name(got), buf, n) == 0,
                "%.*s found %d", (int)n, buf, got);
    }
  }
  cr_assert_eq(rl_field_lookup("", 0), RL_FIELD_OTHER);
  cr_assert_eq(rl_field_lookup("X-Content-Type-Options-And-More-Stuff", 37),
               RL_FIELD_OTHER);
  cr_assert_eq(rl_field_lookup("Content-Length", 13), RL_FIELD_OTHER);
}

/* --- rl__find_line_h: where a server's SEEK may find "HTTP/1." ------------ */

static size_t naive_line_h(const uint8_t *p, size_t len, int line_start) {
  for (size_t i = 0; i < len; i++) {
    int at_line = i == 0 ? line_start : (p[i - 1] == '\r' || p[i - 1] == '\n');
    if (at_line && (p[i] == 'H' || p[i] == 'h'))
      return i;
  }
  return len;
}

/* Every length up to past two 32-byte steps, a line end and an 'H' (or a
 * byte next to them in value, or with bit 0x20 or 0x80 added) at every
 * pair of positions, with and without a line start before the buffer. */
Test(fast_paths, find_line_h_matches_the_plain_loop_at_every_place) {
  static const uint8_t ends[] = {'\r', '\n', 0x0c, 0x0e, 0x8a, 0x8d, 'a'};
  static const uint8_t hs[] = {'H', 'h', 'G', 'I', 'g', 0xc8, 0xe8, 0x08, 0x28};
  uint8_t buf[72];
  for (size_t len = 0; len <= sizeof buf; len++)
    for (size_t e = 0; e <= len; e++)
      for (size_t k = 0; k < sizeof ends; k++)
        for (size_t h = 0; h < sizeof hs; h++)
          for (int ls = 0; ls <= 1; ls++) {
            memset(buf, 'x', sizeof buf);
            if (e < len)
              buf[e] = ends[k];
            if (e + 1 < len)
              buf[e + 1] = hs[h];
            /* A second candidate later must not hide the first. */
            if (e + 40 < len) {
              buf[e + 39] = '\n';
              buf[e + 40] = 'H';
            }
            if (len > 0 && e == len - 1)
              buf[0] = hs[h];
            cr_assert_eq(rl__find_line_h(buf, len, ls), naive_line_h(buf, len, ls),
                         "len %zu, 0x%02x at %zu then 0x%02x, line start %d", len,
                         ends[k], e, hs[h], ls);
          }
}

/* Random buffers dense in CR, LF, 'H' and 'h' (and in bytes that differ
 * from them by one bit), searched from every offset as a packet split
 * would. */
Test(fast_paths, find_line_h_matches_the_plain_loop_on_random_bytes) {
  static const uint8_t alphabet[] = {'\r', '\n', 'H', 'h', 'T', 'P', 0x0c, 0x0e,
                                     0x48 ^ 0x80, 0x68 ^ 0x01, 0x00, 0xff};
  uint8_t buf[300];
  uint32_t x = 12345;
  for (int round = 0; round < 3000; round++) {
    size_t len = 0;
    x = x * 1103515245u + 12345u;
    size_t want = (x >> 16) % sizeof buf;
    int dense = round % 3; /* 0: all random, 1: alphabet, 2: mostly 'x' */
    for (; len < want; len++) {
      x = x * 1103515245u + 12345u;
      uint32_t r = x >> 16;
      if (dense == 0)
        buf[len] = (uint8_t)r;
      else if (dense == 1)
        buf[len] = alphabet[r % sizeof alphabet];
      else
        buf[len] = r % 61 == 0 ? alphabet[(r >> 8) % sizeof alphabet] : 'x';
    }
    for (size_t from = 0; from <= len; from += 1 + from / 8)
      for (int ls = 0; ls <= 1; ls++)
        cr_assert_eq(rl__find_line_h(buf + from, len - from, ls),
                     naive_line_h(buf + from, len - from, ls),
                     "round %d, from %zu, line start %d", round, from, ls);
  }
}
