/* The counter summary: generated from RL_STATS_MAP so a counter added to
 * the table shows up here without touching this file. */
#include "cli/summary.h"

#include <inttypes.h>

void rl__cli_print_summary(FILE *f, const rl_stats *s, int64_t responses) {
  fprintf(f, "resplint: summary\n");
#define RL__SUMMARY_LINE(field, desc)                                            \
  if (s->field)                                                                  \
    fprintf(f, "  %-26s %12" PRIu64 "  %s\n", #field, s->field, desc);
  RL_STATS_MAP(RL__SUMMARY_LINE)
#undef RL__SUMMARY_LINE
  if (responses >= 0)
    fprintf(f, "  %-26s %12" PRId64 "  %s\n", "responses", responses,
            "HTTP responses seen");
}
