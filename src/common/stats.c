/* Run counters: the operations generated from RL_STATS_MAP. */
#include "resplint/stats.h"

void rl_stats_add(rl_stats *into, const rl_stats *from) {
#define RL__STATS_ADD(field, desc) into->field += from->field;
  RL_STATS_MAP(RL__STATS_ADD)
#undef RL__STATS_ADD
}
