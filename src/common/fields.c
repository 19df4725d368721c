/* Field-name ids, generated from RL_FIELD_MAP in resplint/message.h.
 *
 * Lookup runs once per field line, so it avoids strlen/strcasecmp over the
 * whole table: names are bucketed by length and compared case-insensitively
 * only against the few of the same length. */
#include "resplint/message.h"

#include <strings.h>

static const char *const field_names[RL_FIELD__COUNT] = {
    NULL,
#define RL__FIELD_NAME(e, name) name,
    RL_FIELD_MAP(RL__FIELD_NAME)
#undef RL__FIELD_NAME
};

enum { MAX_NAME = 32 };
/* by_length[n] lists the ids whose name has length n, ending with 0. */
static unsigned char by_length[MAX_NAME + 1][8];
static int index_ready;

static void build_index(void) {
  unsigned char used[MAX_NAME + 1] = {0};
  for (int id = 1; id < RL_FIELD__COUNT; id++) {
    size_t n = 0;
    while (field_names[id][n])
      n++;
    if (n <= MAX_NAME && used[n] < 7)
      by_length[n][used[n]++] = (unsigned char)id;
  }
  index_ready = 1;
}

rl_field_id rl_field_lookup(const char *name, size_t len) {
  if (!index_ready)
    build_index();
  if (len == 0 || len > MAX_NAME)
    return RL_FIELD_OTHER;
  /* Comparing the first letter (ASCII, case folded) before calling
   * strncasecmp leaves about one call per lookup instead of one per name of
   * the same length. */
  unsigned char c0 = (unsigned char)name[0] | 0x20;
  for (const unsigned char *id = by_length[len]; *id; id++)
    if (((unsigned char)field_names[*id][0] | 0x20) == c0 &&
        strncasecmp(field_names[*id], name, len) == 0)
      return (rl_field_id)*id;
  return RL_FIELD_OTHER;
}

const char *rl_field_name(rl_field_id id) {
  return (unsigned)id < RL_FIELD__COUNT ? field_names[id] : NULL;
}
