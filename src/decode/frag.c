/* IP fragment reassembly (RFC 791 3.2 for IPv4, RFC 8200 4.5 for IPv6).
 *
 * Every fragment but the last carries a multiple of 8 bytes at an offset that
 * is a multiple of 8, so a datagram is tracked as a bitmap of 8-byte blocks:
 * a block is set once any fragment has supplied it, and later fragments never
 * overwrite it ("first wins", the policy that keeps an attacker from
 * rewriting bytes already seen). A datagram is complete when the last
 * fragment has fixed its length and every block up to it is set. */
#include "decode/frag.h"

#include <stdlib.h>
#include <string.h>

#define FRAG_BLOCKS ((RL__FRAG_MAX_PAYLOAD + 7u) / 8u)
#define DEFAULT_DATAGRAMS 1024u
#define DEFAULT_BYTES (16u * 1024u * 1024u)
#define DEFAULT_TIMEOUT_S 30u

struct frag_dgram {
  rl__frag_key key;
  int64_t first_ns;   /* capture time of the first fragment seen */
  uint32_t total;     /* payload length, known once have_last */
  int have_last;
  uint32_t hi;        /* highest end offset seen */
  uint32_t filled;    /* blocks set */
  uint32_t nfrags;    /* fragments stored (not counted as dropped) */
  uint32_t cap;       /* bytes allocated in data */
  uint8_t *data;
  uint8_t map[(FRAG_BLOCKS + 7u) / 8u];
};

static int64_t time_ns(rl_time t) { return rl__frag_time_ns(t); }

/* Sets next_expire_ns, and the second before which it cannot be reached:
 * floor(next / 1e9), so that a time with fewer seconds is earlier whatever
 * its nanoseconds (time_ns(t) < (t.sec + 1) * 1e9 <= next; a saturated
 * time is earlier still). */
static void set_next_expire(rl__frag_table *t, int64_t next) {
  int64_t s = next / 1000000000LL;
  if (next % 1000000000LL < 0)
    s--; /* C division rounds towards zero */
  t->next_expire_ns = next;
  t->quiet_before_s = s;
}

static int64_t add_sat(int64_t a, int64_t b) {
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

rl__frag_table *rl__frag_new(const rl_decode_limits *limits) {
  rl__frag_table *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->max_datagrams = limits && limits->max_frag_datagrams
                         ? limits->max_frag_datagrams
                         : DEFAULT_DATAGRAMS;
  t->max_bytes = limits && limits->max_frag_bytes ? limits->max_frag_bytes
                                                  : DEFAULT_BYTES;
  uint32_t timeout = limits && limits->frag_timeout_s ? limits->frag_timeout_s
                                                      : DEFAULT_TIMEOUT_S;
  t->timeout_ns = (int64_t)timeout * 1000000000LL;
  set_next_expire(t, INT64_MAX);
  t->slots = calloc(t->max_datagrams, sizeof *t->slots);
  t->out = malloc(RL__FRAG_MAX_PAYLOAD);
  if (!t->slots || !t->out) {
    rl__frag_free(t);
    return NULL;
  }
  return t;
}

static void dgram_free(frag_dgram *d) {
  if (d) {
    free(d->data);
    free(d);
  }
}

void rl__frag_free(rl__frag_table *t) {
  if (!t)
    return;
  for (uint32_t i = 0; i < t->n; i++)
    dgram_free(t->slots[i]);
  free(t->slots);
  free(t->out);
  free(t);
}

uint32_t rl__frag_pending(const rl__frag_table *t) { return t->n; }
uint64_t rl__frag_bytes(const rl__frag_table *t) { return t->bytes; }

/* Removes slot i (moving the last slot into its place). When `dropped`, its
 * stored fragments are counted as dropped. */
static void remove_slot(rl__frag_table *t, uint32_t i, int dropped,
                        rl_stats *stats) {
  frag_dgram *d = t->slots[i];
  if (dropped)
    stats->ip_fragments_dropped += d->nfrags;
  t->bytes -= d->cap;
  dgram_free(d);
  t->slots[i] = t->slots[--t->n];
  t->slots[t->n] = NULL;
}

static void recompute_next_expire(rl__frag_table *t) {
  int64_t first = INT64_MAX;
  for (uint32_t i = 0; i < t->n; i++)
    if (t->slots[i]->first_ns < first)
      first = t->slots[i]->first_ns;
  set_next_expire(t, add_sat(first, t->timeout_ns));
}

void rl__frag_expire_due(rl__frag_table *t, rl_time now, rl_stats *stats) {
  int64_t now_ns = time_ns(now);
  if (now_ns < t->next_expire_ns)
    return;
  for (uint32_t i = 0; i < t->n;) {
    if (now_ns >= add_sat(t->slots[i]->first_ns, t->timeout_ns))
      remove_slot(t, i, 1, stats);
    else
      i++;
  }
  recompute_next_expire(t);
}

/* Evicts the datagram with the oldest first fragment, except `keep`.
 * Returns 0, or -1 when there is nothing else to evict. */
static int evict_oldest(rl__frag_table *t, const frag_dgram *keep,
                        rl_stats *stats) {
  uint32_t victim = UINT32_MAX;
  for (uint32_t i = 0; i < t->n; i++) {
    if (t->slots[i] == keep)
      continue;
    if (victim == UINT32_MAX ||
        t->slots[i]->first_ns < t->slots[victim]->first_ns)
      victim = i;
  }
  if (victim == UINT32_MAX)
    return -1;
  remove_slot(t, victim, 1, stats);
  return 0;
}

static int key_eq(const rl__frag_key *a, const rl__frag_key *b) {
  return a->id == b->id && a->proto == b->proto && a->ipver == b->ipver &&
         memcmp(a->src, b->src, 16) == 0 && memcmp(a->dst, b->dst, 16) == 0;
}

static frag_dgram *find(rl__frag_table *t, const rl__frag_key *k,
                        uint32_t *slot) {
  for (uint32_t i = 0; i < t->n; i++) {
    if (key_eq(&t->slots[i]->key, k)) {
      *slot = i;
      return t->slots[i];
    }
  }
  return NULL;
}

static frag_dgram *create(rl__frag_table *t, const rl__frag_in *in,
                          rl_stats *stats, uint32_t *slot) {
  if (t->n == t->max_datagrams && evict_oldest(t, NULL, stats) < 0)
    return NULL;
  frag_dgram *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->key = in->key;
  d->first_ns = time_ns(in->ts);
  *slot = t->n;
  t->slots[t->n++] = d;
  int64_t expires = add_sat(d->first_ns, t->timeout_ns);
  if (expires < t->next_expire_ns)
    set_next_expire(t, expires);
  return d;
}

/* Makes room for `end` bytes of d's payload within the byte limit, evicting
 * older datagrams if needed. Returns 0 or -1 (the limit cannot be met). */
static int reserve(rl__frag_table *t, frag_dgram *d, uint32_t end,
                   rl_stats *stats) {
  if (end <= d->cap)
    return 0;
  /* Grow geometrically so that in-order fragments do not reallocate each
   * time, but never past the largest possible datagram. */
  uint32_t want = d->cap * 2 > end ? d->cap * 2 : end;
  if (want < 2048)
    want = 2048;
  if (want > RL__FRAG_MAX_PAYLOAD)
    want = RL__FRAG_MAX_PAYLOAD;
  uint64_t grow = want - d->cap;
  while (t->bytes + grow > t->max_bytes) {
    if (evict_oldest(t, d, stats) < 0) {
      /* Alone and still too big: try the exact size before giving up. */
      grow = end - d->cap;
      if (t->bytes + grow > t->max_bytes)
        return -1;
      want = end;
      break;
    }
  }
  uint8_t *nd = realloc(d->data, want);
  if (!nd)
    return -1;
  d->data = nd;
  t->bytes += want - d->cap;
  d->cap = want;
  return 0;
}

/* Copies the fragment's blocks that are not yet held; returns 1 if any of
 * its bytes were already held (an overlap), else 0. */
static int fill(frag_dgram *d, uint32_t off, rl__bytes data) {
  int overlap = 0;
  uint32_t end = off + data.len;
  for (uint32_t blk = off / 8; blk * 8 < end; blk++) {
    uint8_t bit = (uint8_t)(1u << (blk & 7));
    if (d->map[blk / 8] & bit) {
      overlap = 1;
      continue;
    }
    uint32_t from = blk * 8, to = from + 8 < end ? from + 8 : end;
    if (rl__copy(data, from - off, d->data + from, to - from) < 0)
      return overlap;
    d->map[blk / 8] |= bit;
    d->filled++;
  }
  return overlap;
}

/* Checks the fragment's end against what the datagram already knows of its
 * length. Returns 0 if consistent, -1 for a conflict. */
static int check_length(frag_dgram *d, uint32_t end, int more) {
  if (!more) {
    if ((d->have_last && d->total != end) || d->hi > end)
      return -1;
    return 0;
  }
  return d->have_last && end > d->total ? -1 : 0;
}

int rl__frag_add(rl__frag_table *t, const rl__frag_in *in, rl_stats *stats,
                 rl__bytes *out) {
  uint32_t len = in->data.len;
  stats->ip_fragments++;
  if (len == 0 || in->off % 8 || (in->more && len % 8) ||
      in->off > RL__FRAG_MAX_PAYLOAD || len > RL__FRAG_MAX_PAYLOAD - in->off)
    return RL_DECODE_MALFORMED;
  uint32_t end = in->off + len;
  uint32_t slot = 0;
  frag_dgram *d = find(t, &in->key, &slot);
  if (!d)
    d = create(t, in, stats, &slot);
  if (!d || check_length(d, end, in->more) < 0 || reserve(t, d, end, stats) < 0) {
    stats->ip_fragments_dropped++;
    /* A datagram created for this fragment alone must not linger empty. */
    if (d && d->filled == 0 && find(t, &in->key, &slot))
      remove_slot(t, slot, 0, stats);
    return 0;
  }
  /* reserve() may have moved d's slot by evicting others. */
  (void)find(t, &in->key, &slot);
  if (!in->more) {
    d->have_last = 1;
    d->total = end;
  }
  if (end > d->hi)
    d->hi = end;
  if (fill(d, in->off, in->data))
    stats->ip_fragments_dropped++;
  else
    d->nfrags++;
  if (!d->have_last || d->filled < (d->total + 7) / 8)
    return 0;
  memcpy(t->out, d->data, d->total);
  out->p = t->out;
  out->len = d->total;
  stats->ip_reassembled++;
  remove_slot(t, slot, 0, stats);
  recompute_next_expire(t);
  return 1;
}
