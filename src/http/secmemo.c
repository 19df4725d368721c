/* The section memo: see secmemo.h. */
#include "http/secmemo.h"

#include "common/bigalloc.h"

#include <stdlib.h>
#include <string.h>

/* Candidates looked at per lookup: a bucket's chain is newest first, and a
 * section that comes again usually comes soon. */
enum { MAX_WALK = 8, ALIGN = 8, FIRST_POS = ALIGN };

void rl__secmemo_free(rl__secmemo *mo) {
  rl__big_free(mo->ring, RL__SEC_RING);
  free(mo->bucket);
  mo->ring = NULL;
  mo->bucket = NULL;
  mo->head = 0;
}

static uint64_t load8(const uint8_t *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

/* Two multiply-xor lanes over 16 bytes a step, mixed at the end. Not a
 * strong hash: a collision only costs a compare (and a bucket's chain is
 * walked MAX_WALK entries deep at most). */
uint32_t rl__sec_hash(const uint8_t *p, size_t len) {
  size_t n = len < RL__SEC_KEY ? len : RL__SEC_KEY, i = 0;
  uint64_t a = (uint64_t)n * 0x9E3779B97F4A7C15ull, b = ~a;
  for (; i + 16 <= n; i += 16) {
    a = (a ^ load8(p + i)) * 0xff51afd7ed558ccdull;
    b = (b ^ load8(p + i + 8)) * 0xc4ceb9fe1a85ec53ull;
  }
  if (i + 8 <= n) {
    a = (a ^ load8(p + i)) * 0xff51afd7ed558ccdull;
    i += 8;
  }
  uint64_t w = 0;
  for (unsigned k = 0; i < n; i++, k += 8)
    w |= (uint64_t)p[i] << k;
  b = (b ^ w) * 0xc4ceb9fe1a85ec53ull;
  uint64_t h = a ^ (b >> 31 | b << 33);
  h ^= h >> 29;
  h *= 0x9E3779B97F4A7C15ull;
  return (uint32_t)(h >> 32);
}

/* Entries are written in order, so the last RL__SEC_RING bytes before
 * `head` are intact: an entry starting in them was not overwritten (an
 * entry never runs over the ring's end, see rl__sec_add). */
rl__sec *rl__sec_at(const rl__secmemo *mo, uint64_t pos) {
  if (pos == 0 || pos + RL__SEC_RING < mo->head || mo->ring == NULL)
    return NULL;
  return (rl__sec *)(mo->ring + pos % RL__SEC_RING);
}

static uint64_t first_pos(const rl__secmemo *mo, uint32_t hash) {
  return mo->bucket != NULL ? mo->bucket[hash & (RL__SEC_BUCKETS - 1)] : 0;
}

rl__sec *rl__sec_find(const rl__secmemo *mo, uint32_t hash, const uint8_t *p,
                      uint32_t len, uint8_t is_response, uint64_t *pos) {
  uint64_t at = first_pos(mo, hash);
  rl__sec *s;
  for (int k = 0; k < MAX_WALK && (s = rl__sec_at(mo, at)) != NULL; k++) {
    if (s->len == len && s->is_response == is_response &&
        memcmp(rl__sec_bytes(s), p, len) == 0) {
      *pos = at;
      return s;
    }
    at = s->next;
  }
  return NULL;
}

static int parsed_match(const rl__sec *s, const uint8_t *p, size_t len,
                        uint8_t is_response, uint8_t lenient) {
  return s->has_parser && s->len <= len && s->is_response == is_response &&
         s->lenient == lenient && memcmp(rl__sec_bytes(s), p, s->len) == 0;
}

rl__sec *rl__sec_parsed_at(const rl__secmemo *mo, uint64_t pos,
                           const uint8_t *p, size_t len, uint8_t is_response,
                           uint8_t lenient) {
  rl__sec *s = rl__sec_at(mo, pos);
  return s != NULL && parsed_match(s, p, len, is_response, lenient) ? s : NULL;
}

rl__sec *rl__sec_find_parsed(const rl__secmemo *mo, uint32_t hash,
                             const uint8_t *p, size_t len, uint8_t is_response,
                             uint8_t lenient, uint64_t *pos) {
  uint64_t at = first_pos(mo, hash);
  rl__sec *s;
  for (int k = 0; k < MAX_WALK && (s = rl__sec_at(mo, at)) != NULL; k++) {
    if (parsed_match(s, p, len, is_response, lenient)) {
      *pos = at;
      return s;
    }
    at = s->next;
  }
  return NULL;
}

static int ring_ready(rl__secmemo *mo) {
  if (mo->ring == NULL) {
    mo->ring = rl__big_alloc(RL__SEC_RING);
    mo->bucket = calloc(RL__SEC_BUCKETS, sizeof *mo->bucket);
    if (mo->ring == NULL || mo->bucket == NULL) {
      rl__secmemo_free(mo);
      return 0;
    }
    mo->head = FIRST_POS;
  }
  return 1;
}

rl__sec *rl__sec_add(rl__secmemo *mo, uint32_t hash, const uint8_t *p,
                     uint32_t len, uint8_t is_response, uint32_t cap,
                     uint64_t *pos) {
  size_t fbytes = (size_t)cap * sizeof(rl_field);
  size_t size = (sizeof(rl__sec) + fbytes + len + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  /* A section of many short lines could make an entry far larger than its
   * bytes: such an entry would push out dozens of common ones. */
  if (len > RL__SEC_MAX || size > RL__SEC_RING / 16 || !ring_ready(mo))
    return NULL;
  uint64_t off = mo->head % RL__SEC_RING;
  if (off + size > RL__SEC_RING)
    mo->head += RL__SEC_RING - off; /* entries never wrap */
  rl__sec *s = (rl__sec *)(mo->ring + mo->head % RL__SEC_RING);
  memset(s, 0, sizeof *s);
  uint64_t *b = &mo->bucket[hash & (RL__SEC_BUCKETS - 1)];
  s->next = *b;
  s->len = len;
  s->cap = cap;
  s->is_response = is_response;
  if (len > 0)
    memcpy((uint8_t *)rl__sec_bytes(s), p, len);
  *b = *pos = mo->head;
  mo->head += size;
  return s;
}

int rl__sec_describe(rl__sec *s, const rl_message *m, const rl__fieldvec *fv) {
  if (fv->n > s->cap)
    return -1;
  s->nfields = fv->n;
  s->start_eol = m->start_eol;
  s->status_code = m->status_code;
  s->start_line = m->start_line;
  s->version = m->version;
  s->status = m->status;
  s->reason = m->reason;
  s->method = m->method;
  s->target = m->target;
  if (fv->n > 0)
    memcpy((rl_field *)(s + 1), fv->v, (size_t)fv->n * sizeof(rl_field));
  s->has_desc = 1;
  return 0;
}
