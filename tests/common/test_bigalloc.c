/* src/common/bigalloc.c: buffers on huge pages and the block pool. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bigalloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define DIRECT 1 /* every block is its own malloc: no layout to check */
#else
#define DIRECT 0
#endif

static int all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0) return 0;
  return 1;
}

Test(bigalloc, big_buffers_are_zeroed_writable_and_placed) {
  size_t sizes[] = {1, 4096, RL__BIG_MIN - 1, RL__BIG_MIN, (size_t)6 << 20,
                    ((size_t)2 << 20) + 1};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    size_t n = sizes[k];
    uint8_t *p = rl__big_alloc(n);
    cr_assert_not_null(p);
    cr_assert(all_zero(p, n), "size %zu", n);
    memset(p, 0xa5, n);
    if (!DIRECT && n >= RL__BIG_MIN)
      /* The small-page head ends at a huge-page boundary. */
      cr_assert_eq(((uintptr_t)p + RL__BIG_HEAD) % RL__HUGE, 0);
    rl__big_free(p, n);
  }
  rl__big_free(NULL, RL__BIG_MIN);
}

Test(bigalloc, tables_are_zeroed_and_aligned_when_big) {
  size_t sizes[] = {8, RL__TABLE_MIN - 8, RL__TABLE_MIN, (size_t)2 << 20,
                    (size_t)3 << 20};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    size_t n = sizes[k];
    uint8_t *p = rl__big_table(n);
    cr_assert_not_null(p);
    cr_assert(all_zero(p, n), "size %zu", n);
    memset(p, 0x5a, n);
    if (!DIRECT && n >= RL__TABLE_MIN)
      cr_assert_eq((uintptr_t)p % RL__HUGE, 0);
    rl__big_table_free(p, n);
  }
}

Test(bigalloc, a_freed_block_is_reused_by_its_size_class) {
  rl__pool pool = {0};
  void *a = rl__pool_get(&pool, 1500);
  cr_assert_not_null(a);
  memset(a, 1, 1500);
  rl__pool_put(&pool, a, 1500);
  void *b = rl__pool_get(&pool, 1500 - RL__POOL_GRAIN + 1 + 40);
  if (!DIRECT) cr_assert_eq(a, b, "same 64-byte class, same block");
  rl__pool_put(&pool, b, 1500 - RL__POOL_GRAIN + 1 + 40);
  /* Above the largest class: malloc and free. */
  void *c = rl__pool_get(&pool, RL__POOL_MAX + 1);
  cr_assert_not_null(c);
  memset(c, 2, RL__POOL_MAX + 1);
  rl__pool_put(&pool, c, RL__POOL_MAX + 1);
  rl__pool_release(&pool);
  cr_assert_null(pool.regions);
}

Test(bigalloc, kept_blocks_of_every_size_live_until_release) {
  rl__pool pool = {0};
  size_t sizes[] = {1, 216 << 10, RL__POOL_KEEP_MAX, RL__POOL_KEEP_MAX + 1,
                    (size_t)3 << 20};
  uint8_t *q[5];
  for (int k = 0; k < 5; k++) {
    q[k] = rl__pool_keep(&pool, sizes[k]);
    cr_assert_not_null(q[k]);
    memset(q[k], 0x10 + k, sizes[k]);
  }
  for (int k = 0; k < 5; k++) {
    cr_assert_eq(q[k][0], 0x10 + k);
    cr_assert_eq(q[k][sizes[k] - 1], 0x10 + k);
  }
  rl__pool_release(&pool);
}

/* Many blocks of many sizes got and put back in a random order: none
 * overlaps another (each keeps the bytes written into it). */
Test(bigalloc, random_blocks_never_overlap) {
  enum { SLOTS = 2000, ROUNDS = 60000 };
  static uint8_t *blk[SLOTS];
  static size_t len[SLOTS];
  rl__pool pool = {0};
  unsigned seed = 12345;
  for (int r = 0; r < ROUNDS; r++) {
    seed = seed * 1103515245u + 12345u;
    int s = (int)((seed >> 8) % SLOTS);
    if (blk[s]) {
      uint8_t tag = (uint8_t)s;
      cr_assert_eq(blk[s][0], tag);
      cr_assert_eq(blk[s][len[s] / 2], tag);
      cr_assert_eq(blk[s][len[s] - 1], tag);
      rl__pool_put(&pool, blk[s], len[s]);
      blk[s] = NULL;
      continue;
    }
    seed = seed * 1103515245u + 12345u;
    len[s] = 1 + (seed >> 8) % (RL__POOL_MAX + 600);
    if (r % 97 == 0) len[s] = (seed >> 8) % 3 ? 256u << (r % 5) : 0;
    blk[s] = rl__pool_get(&pool, len[s]);
    cr_assert_not_null(blk[s]);
    if (len[s]) memset(blk[s], (uint8_t)s, len[s]);
    else len[s] = 1, blk[s][0] = (uint8_t)s;
  }
  for (int s = 0; s < SLOTS; s++)
    if (blk[s]) rl__pool_put(&pool, blk[s], len[s]);
  rl__pool_release(&pool);
}
