/* Seeded random segment soup: slices of a known byte stream, sent in any
 * order, duplicated, overlapping and truncated, under small caps. Whatever
 * the order, every byte delivered must be the true byte at its offset,
 * gaps must account for the rest, the sink contract must hold and the
 * buffers must stay under their caps. Deterministic: the seeds are fixed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "flow/flow_internal.h"
#include "rec.h"

#define C "10.0.0.1:40000"
#define S "10.0.0.2:80"
#define LEN 3000

static uint64_t rng_state;
static rl_stats total; /* summed over trials, to show what was exercised */

static uint32_t rnd(uint32_t n) {
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng_state >> 33) % n;
}

static void run_trial(uint64_t seed, uint32_t isn, uint32_t cap) {
  char truth[LEN];
  rng_state = seed;
  for (int i = 0; i < LEN; i++) {
    truth[i] = (char)('a' + rnd(26));
  }
  rl_flow_config cfg = {0};
  cfg.max_ooo_per_stream = cap;
  cfg.history_bytes = 64;
  rec r;
  rec_init(&r, &cfg);
  rec_seg(&r, C, S, RL_TCP_SYN, isn, 0, NULL);
  rec_seg(&r, S, C, RL_TCP_SYN | RL_TCP_ACK, 1, isn + 1, NULL);
  for (int n = 0; n < 120; n++) {
    uint32_t off = rnd(LEN);
    uint32_t len = 1 + rnd(150);
    if (off + len > LEN) {
      len = LEN - off;
    }
    uint32_t missing = rnd(10) == 0 ? rnd(len) : 0; /* cut by snaplen */
    rec_seg_raw(&r, C, S, RL_TCP_ACK, isn + 1 + off, 2, truth + off,
                len - missing, missing);
    cr_assert_leq(r.ft->lru_head->half[0].ooo_bytes, cap, "seed %llu seg %d off %u len %u miss %u: %u", (unsigned long long)seed, n, off, len, missing, r.ft->lru_head->half[0].ooo_bytes);
  }
  rec_finish(&r);
  cr_assert_eq(r.errors, 0, "seed %llu: %s", (unsigned long long)seed,
               r.first_error);
  cr_assert_eq(r.stats.retransmission_mismatches, 0, "seed %llu",
               (unsigned long long)seed);
  const char *got = rec_bytes(&r, 0, RL_DIR_TO_SERVER);
  size_t n = strlen(got);
  cr_assert_leq(n, LEN);
  for (size_t i = 0; i < n; i++) {
    cr_assert(got[i] == '#' || got[i] == truth[i],
              "seed %llu: byte %zu is '%c', not '%c'", (unsigned long long)seed,
              i, got[i], truth[i]);
  }
  cr_assert_eq(r.stats.bytes_delivered + r.stats.gap_bytes, n,
               "every offset is either delivered or a gap");
  cr_assert_eq(r.ft->ooo_total, 0);
  rl_stats_add(&total, &r.stats);
  rec_done(&r);
}

Test(random, slices_in_any_order_deliver_the_true_bytes) {
  for (uint64_t seed = 1; seed <= 150; seed++) {
    uint32_t isn = seed % 3 == 0 ? 0xFFFFFF00u : (uint32_t)(seed * 2654435761u);
    uint32_t cap = seed % 2 ? 400 : 1u << 20;
    run_trial(seed, isn, cap);
  }
  cr_assert_gt(total.ooo_segments, 1000);
  cr_assert_gt(total.retransmissions, 1000);
  cr_assert_gt(total.ooo_bytes_dropped, 0, "the small cap was hit");
  cr_assert_gt(total.gaps, 100);
}
