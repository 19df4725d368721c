/* Field-name ids, generated from RL_FIELD_MAP in resplint/message.h.
 *
 * Lookup runs once per field line, so it compares the name with one or two
 * candidates only: the names are bucketed by length and first letter
 * (case folded), which leaves at most three names per bucket
 * (Content-Encoding, Content-Language, Content-Location), and compared
 * case-insensitively (ASCII) eight bytes at a time, not with strncasecmp. */
#include "resplint/message.h"

#include <stdint.h>
#include <string.h>

static const char *const field_names[RL_FIELD__COUNT] = {
    NULL,
#define RL__FIELD_NAME(e, name) name,
    RL_FIELD_MAP(RL__FIELD_NAME)
#undef RL__FIELD_NAME
};

enum { MAX_NAME = 32 };
/* bucket[n][c & 31] is the first id of length n starting with letter c (in
 * either case), then_id[id] the next one of the same bucket; 0 ends. */
static unsigned char bucket[MAX_NAME + 1][32];
static unsigned char then_id[RL_FIELD__COUNT];
/* Each name in lower case, and 0x20 where it has a letter: a byte s of the
 * looked-up name matches when (s | fold) == low, which holds for exactly
 * the two cases of a letter and for nothing but the byte itself
 * elsewhere. Compared eight bytes at a time. */
static struct {
  unsigned char low[MAX_NAME], fold[MAX_NAME];
} canon[RL_FIELD__COUNT];
static int index_ready;

static void build_index(void) {
  /* Ids go in backwards so that each bucket lists them in table order. */
  for (int id = RL_FIELD__COUNT - 1; id >= 1; id--) {
    size_t n = 0;
    for (; field_names[id][n]; n++) {
      unsigned char c = (unsigned char)field_names[id][n];
      int letter = (unsigned char)((c | 0x20) - 'a') <= 25;
      if (n < MAX_NAME) {
        canon[id].low[n] = letter ? c | 0x20 : c;
        canon[id].fold[n] = letter ? 0x20 : 0;
      }
    }
    if (n > MAX_NAME)
      continue;
    unsigned char *b = &bucket[n][(unsigned char)field_names[id][0] & 31];
    then_id[id] = *b;
    *b = (unsigned char)id;
  }
  index_ready = 1;
}

static int eq8(unsigned id, const unsigned char *s, size_t at) {
  uint64_t w, l, f;
  memcpy(&w, s + at, 8);
  memcpy(&l, canon[id].low + at, 8);
  memcpy(&f, canon[id].fold + at, 8);
  return (w | f) == l;
}

static int eq4(unsigned id, const unsigned char *s, size_t at) {
  uint32_t w, l, f;
  memcpy(&w, s + at, 4);
  memcpy(&l, canon[id].low + at, 4);
  memcpy(&f, canon[id].fold + at, 4);
  return (w | f) == l;
}

/* Whole words only: the last word of a name overlaps the one before it
 * rather than ending in a byte-by-byte loop (most names are 4 to 16
 * bytes). */
static int same_name(unsigned id, const unsigned char *s, size_t len) {
  if (len >= 8) {
    for (size_t i = 0; i + 8 < len; i += 8)
      if (!eq8(id, s, i))
        return 0;
    return eq8(id, s, len - 8);
  }
  if (len >= 4)
    return eq4(id, s, 0) && eq4(id, s, len - 4);
  for (size_t i = 0; i < len; i++)
    if ((s[i] | canon[id].fold[i]) != canon[id].low[i])
      return 0;
  return 1;
}

rl_field_id rl_field_lookup(const char *name, size_t len) {
  if (!index_ready)
    build_index();
  if (len == 0 || len > MAX_NAME)
    return RL_FIELD_OTHER;
  const unsigned char *s = (const unsigned char *)name;
  /* Names start with a letter; "& 31" maps other bytes onto letters'
   * buckets too, where the exact comparison rejects them. */
  for (unsigned id = bucket[len][s[0] & 31]; id != 0; id = then_id[id])
    if (same_name(id, s, len))
      return (rl_field_id)id;
  return RL_FIELD_OTHER;
}

const char *rl_field_name(rl_field_id id) {
  return (unsigned)id < RL_FIELD__COUNT ? field_names[id] : NULL;
}
