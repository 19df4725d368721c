/* The section memo's ring (src/http/secmemo.c): entries written one after
 * another, the oldest overwritten first; a name of an overwritten entry
 * must read as gone, never as another entry's bytes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "http/secmemo.h"

/* A section of `len` bytes that tells entry `i` from every other. */
static uint32_t section(uint8_t *buf, uint32_t len, unsigned i) {
  memset(buf, 'x', len);
  int n = snprintf((char *)buf, len, "HTTP/1.1 200 OK\r\nX-N: %u\r\n", i);
  cr_assert(n > 0 && (uint32_t)n < len);
  memcpy(buf + len - 4, "\r\n\r\n", 4);
  return len;
}

Test(secmemo, overwritten_entries_are_gone_and_live_ones_intact) {
  rl__secmemo mo = {0};
  enum { N = 20000, LEN = 300 };
  static uint64_t pos[N];
  uint8_t buf[LEN];
  for (unsigned i = 0; i < N; i++) {
    uint32_t len = section(buf, LEN, i);
    uint32_t h = rl__sec_hash(buf, len);
    rl__sec *s = rl__sec_add(&mo, h, buf, len, 1, 3, &pos[i]);
    cr_assert_not_null(s);
    cr_assert_eq(s->has_desc, 0);
    cr_assert_eq(s->has_parser, 0);
  }
  /* 20,000 entries of more than 300 bytes do not fit in 2 MiB: the first
   * are gone, the last are found by their bytes, and every entry still
   * named holds its own bytes. */
  int gone = 0, found = 0;
  for (unsigned i = 0; i < N; i++) {
    uint32_t len = section(buf, LEN, i);
    rl__sec *s = rl__sec_at(&mo, pos[i]);
    if (s == NULL) {
      gone++;
      continue;
    }
    cr_assert_eq(s->len, len);
    cr_assert_eq(memcmp(rl__sec_bytes(s), buf, len), 0, "entry %u", i);
    uint64_t at = 0;
    if (rl__sec_find(&mo, rl__sec_hash(buf, len), buf, len, 1, &at) != NULL) {
      cr_assert_eq(at, pos[i]);
      found++;
    }
    cr_assert_null(rl__sec_find(&mo, rl__sec_hash(buf, len), buf, len, 0, &at),
                   "a request is not a response");
  }
  cr_assert(gone > 0 && gone < N);
  cr_assert_gt(found, 0);
  cr_assert_null(rl__sec_at(&mo, pos[0]));
  cr_assert_not_null(rl__sec_at(&mo, pos[N - 1]));
  rl__secmemo_free(&mo);
}

Test(secmemo, a_description_must_fit_its_room) {
  rl__secmemo mo = {0};
  uint8_t buf[64];
  uint32_t len = section(buf, sizeof buf, 7);
  uint64_t at;
  rl__sec *s = rl__sec_add(&mo, rl__sec_hash(buf, len), buf, len, 1, 1, &at);
  cr_assert_not_null(s);
  rl_field f[2];
  memset(f, 0, sizeof f);
  rl__fieldvec fv = {f, 2, 2};
  rl_message m;
  memset(&m, 0, sizeof m);
  cr_assert_eq(rl__sec_describe(s, &m, &fv), -1);
  cr_assert_eq(s->has_desc, 0);
  fv.n = 1;
  cr_assert_eq(rl__sec_describe(s, &m, &fv), 0);
  cr_assert_eq(s->has_desc, 1);
  cr_assert_eq(memcmp(rl__sec_bytes(s), buf, len), 0, "the bytes follow the room");
  rl__secmemo_free(&mo);
}
