/* Per-direction TCP reassembly.
 *
 * Each direction keeps the stream offset of the next byte it expects.
 * Bytes at that offset go to the sink straight from the packet; bytes beyond
 * it are copied into a sorted list of chunks until the hole before them is
 * filled; bytes before it were delivered already and are only compared with
 * a small history of what was delivered. Offsets are 64-bit so that the
 * 32-bit sequence wraparound is handled once, where a segment is mapped to
 * an offset (table.c), and never again here.
 */
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"

/* A hole marker holds no bytes but still costs memory; it counts against
 * the out-of-order caps as this many bytes so the number of markers is
 * bounded too. */
#define RL__HOLE_COST ((uint32_t)sizeof(rl__chunk))

static const uint64_t no_mismatch = UINT64_MAX;

void rl__sink_event(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                    rl_event_kind kind, uint64_t off, const rl_pktref *at) {
  if (ft->cfg.sink.event) {
    ft->cfg.sink.event(ft->cfg.sink_ctx, &c->pub, dir, kind, off, at);
  }
}

/* ---- history ring ------------------------------------------------------- */

static void hist_unlink(rl_flow_table *ft, rl__hist *r) {
  if (r->lru_prev) {
    r->lru_prev->lru_next = r->lru_next;
  } else {
    ft->hist_head = r->lru_next;
  }
  if (r->lru_next) {
    r->lru_next->lru_prev = r->lru_prev;
  } else {
    ft->hist_tail = r->lru_prev;
  }
  r->lru_prev = r->lru_next = NULL;
}

static void hist_push(rl_flow_table *ft, rl__hist *r) {
  r->lru_prev = NULL;
  r->lru_next = ft->hist_head;
  if (ft->hist_head) {
    ft->hist_head->lru_prev = r;
  } else {
    ft->hist_tail = r;
  }
  ft->hist_head = r;
}

/* Class of a ring capacity on the spare lists, or -1: capacities are powers
 * of two from RL__HIST_MIN, except a configured history_bytes that is not. */
static int spare_class(uint32_t cap) {
  int k = 0;
  for (uint32_t c = RL__HIST_MIN; c < cap && k < RL__HIST_CLASSES; c *= 2) {
    k++;
  }
  return k < RL__HIST_CLASSES && (RL__HIST_MIN << k) == cap ? k : -1;
}

/* Out of line: with the pool's three arguments inlined, rl__deliver_acking
 * saved more registers on every call. */
RL__COLD static void hist_drop(rl_flow_table *ft, rl__hist *r) {
  rl__pool_put(&ft->pool, r, sizeof *r + r->cap);
}

/* Released rings are kept for the next exchange: a keep-alive connection
 * releases its ring at every turn of the conversation and needs one again
 * at the next, and malloc/free per exchange cost more than the copy. The
 * spares are held in arrays, not linked through the rings: taking one then
 * reads nothing of a ring released long ago (that load was a cache miss,
 * the largest single cost of a delivery on (c) x5). */
static void spare_put(rl_flow_table *ft, rl__hist *r) {
  int k = spare_class(r->cap);
  if (k < 0 || ft->hist_nspare[k] >= RL__HIST_SPARES) {
    hist_drop(ft, r);
    return;
  }
  ft->hist_spare[k][ft->hist_nspare[k]++] = r;
}

static rl__hist *spare_take(rl_flow_table *ft, uint32_t cap) {
  int k = spare_class(cap);
  if (k < 0 || ft->hist_nspare[k] == 0) {
    return rl__pool_get(&ft->pool, sizeof(rl__hist) + cap);
  }
  return ft->hist_spare[k][--ft->hist_nspare[k]];
}

void rl__hist_spares_free(rl_flow_table *ft) {
  for (int k = 0; k < RL__HIST_CLASSES; k++) {
    while (ft->hist_nspare[k]) {
      hist_drop(ft, ft->hist_spare[k][--ft->hist_nspare[k]]);
    }
  }
}

void rl__half_forget(rl_flow_table *ft, rl__half *h) {
  rl__hist *r = h->hist;
  if (r) {
    hist_unlink(ft, r);
    ft->hist_total -= r->cap;
    spare_put(ft, r);
    h->hist = NULL;
  }
}

void rl__hist_expire(rl_flow_table *ft) {
  while (ft->hist_tail &&
         ft->now_sec - ft->hist_tail->last_sec >= RL__HIST_IDLE_S) {
    rl__half_forget(ft, ft->hist_tail->owner);
  }
}

/* Makes room for `more` bytes of history under the table-wide budget by
 * giving up the least recently written rings other than `keep`'s. */
static void hist_budget(rl_flow_table *ft, const rl__half *keep, uint64_t more) {
  rl__hist *r = ft->hist_tail;
  while (r && ft->hist_total + more > ft->cfg.max_history_total) {
    rl__hist *prev = r->lru_prev;
    if (r->owner != keep) {
      rl__half_forget(ft, r->owner);
    }
    r = prev;
  }
}

/* Position of stream offset o in ring r. A ring holding less than its
 * capacity since it started is one run from its start, so the division is
 * only needed once it has wrapped. */
static uint32_t hist_pos(const rl__hist *r, uint64_t o) {
  uint64_t rel = o - r->org;
  return (uint32_t)(rel < r->cap ? rel : rel % r->cap);
}

/* Copies the last `keep` valid bytes of ring `from` to the start of `to`:
 * at most two runs, since they may wrap around the end of `from`. */
static void hist_copy(rl__hist *to, const rl__hist *from, uint32_t keep) {
  uint64_t start = from->end - keep;
  uint32_t pos = hist_pos(from, start);
  uint32_t first = keep < from->cap - pos ? keep : from->cap - pos;
  memcpy(to->buf, from->buf + pos, first);
  if (keep > first) {
    memcpy(to->buf + first, from->buf, keep - first);
  }
  to->org = start;
  to->len = keep;
}

/* Gives h a ring of `cap` bytes holding what its old ring held; a new ring
 * starts at offset `off`. */
static rl__hist *hist_resize(rl_flow_table *ft, rl__half *h, uint32_t cap,
                             uint64_t off) {
  rl__hist *old = h->hist;
  uint64_t more = cap - (old ? old->cap : 0);
  if (ft->hist_total + more > ft->cfg.max_history_total) {
    hist_budget(ft, h, more); /* tested here: mostly within budget */
  }
  rl__hist *r = spare_take(ft, cap);
  if (!r) {
    return NULL;
  }
  r->owner = h;
  r->cap = cap;
  r->org = r->end = off;
  r->len = 0;
  if (old) {
    r->end = old->end;
    hist_copy(r, old, old->len < cap ? old->len : cap);
    rl__half_forget(ft, h);
  }
  h->hist = r;
  ft->hist_total += cap;
  hist_push(ft, r);
  return r;
}

static uint32_t hist_want(uint32_t have, uint64_t need, uint32_t max) {
  uint64_t cap = have ? have : RL__HIST_MIN;
  while (cap < need && cap < max) {
    cap *= 2;
  }
  return cap > max ? max : (uint32_t)cap;
}

/* Remembers bytes [off, off+n) just delivered. A failed allocation only
 * costs the ability to compare later retransmissions. */
static void hist_record(rl_flow_table *ft, rl__half *h, uint64_t off,
                        const uint8_t *data, uint32_t n) {
  uint32_t max = ft->cfg.history_bytes;
  rl__hist *r = h->hist;
  if (r && r->end != off) {
    r->len = 0; /* a gap broke continuity: the old bytes have other offsets */
  }
  uint64_t need = (uint64_t)(r ? r->len : 0) + n;
  if (!r || (r->cap < need && r->cap < max)) {
    r = hist_resize(ft, h, hist_want(r ? r->cap : 0, need, max), off);
    if (!r) {
      return;
    }
  } else if (ft->hist_head != r) {
    hist_unlink(ft, r);
    hist_push(ft, r);
  }
  /* Only the last `cap` bytes can be kept; they go in at most two pieces
   * (up to the ring's end, then from its start), mostly in one since a new
   * ring starts where its first bytes go. */
  uint32_t skip = n > r->cap ? n - r->cap : 0;
  uint32_t pos = hist_pos(r, off + skip);
  uint32_t left = n - skip;
  uint32_t first = left < r->cap - pos ? left : r->cap - pos;
  memcpy(r->buf + pos, data + skip, first);
  if (left > first) {
    memcpy(r->buf, data + skip + first, left - first);
  }
  r->end = off + n;
  r->last_sec = ft->now_sec;
  r->len = need > r->cap ? r->cap : (uint32_t)need;
}

/* Returns the offset of the first byte of [off, off+n) that differs from the
 * remembered delivered bytes, or no_mismatch. */
static uint64_t hist_compare(const rl__half *h, uint64_t off,
                             const uint8_t *data, uint32_t n) {
  const rl__hist *r = h->hist;
  if (!r || r->len == 0) {
    return no_mismatch;
  }
  uint64_t lo = r->end - r->len;
  uint64_t from = off > lo ? off : lo;
  uint64_t to = off + n < r->end ? off + n : r->end;
  /* Run by run (at most two: up to the ring's end, then from its start)
   * with memcmp, and byte by byte only within a run that differs: a
   * retransmission is mostly identical, and a byte loop with a modulo per
   * byte cost 1% of a run on (c). */
  for (uint64_t o = from; o < to;) {
    uint32_t pos = hist_pos(r, o);
    uint64_t run = to - o < r->cap - pos ? to - o : r->cap - pos;
    const uint8_t *a = r->buf + pos, *b = data + (o - off);
    if (memcmp(a, b, (size_t)run) != 0) {
      uint64_t i = 0;
      while (a[i] == b[i]) {
        i++;
      }
      return o + i;
    }
    o += run;
  }
  return no_mismatch;
}

/* ---- delivery ----------------------------------------------------------- */

static void advance(rl__half *h, uint64_t n) {
  h->next_off += n;
  h->next_seq += (uint32_t)n;
  h->flags &= (uint8_t)~RL__H_IN_GAP;
}

static void deliver(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                    const uint8_t *data, uint32_t n, const rl_pktref *at) {
  rl__half *h = &c->half[dir];
  uint64_t off = h->next_off;
  hist_record(ft, h, off, data, n);
  ft->stats->bytes_delivered += n;
  advance(h, n);
  /* Last, so that the call is a jump: nothing the sink can see depends on
   * the history or the side's state (it is given the offset). */
  if (ft->cfg.sink.data) {
    ft->cfg.sink.data(ft->cfg.sink_ctx, &c->pub, dir, data, n, off, at);
  }
}

void rl__deliver(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                 const uint8_t *data, uint32_t n, const rl_pktref *at) {
  deliver(ft, c, dir, data, n, at);
}

/* The same without recording history: for the bytes drained as the
 * direction ends (rl__half_flush), whose history is released right after,
 * so no retransmission can be compared with them. That saves copying
 * every byte buffered behind a hole that never filled, at eviction and at
 * the end of the capture. */
static void deliver_unrecorded(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                               const uint8_t *data, uint32_t n,
                               const rl_pktref *at) {
  rl__half *h = &c->half[dir];
  uint64_t off = h->next_off;
  ft->stats->bytes_delivered += n;
  advance(h, n);
  if (ft->cfg.sink.data) {
    ft->cfg.sink.data(ft->cfg.sink_ctx, &c->pub, dir, data, n, off, at);
  }
}

void rl__deliver_acking(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                        const uint8_t *data, uint32_t n, const rl_pktref *at) {
  rl__half_forget(ft, &c->half[!dir]);
  deliver(ft, c, dir, data, n, at);
}

void rl__half_gap(rl_flow_table *ft, rl__conn *c, rl_dir dir, uint64_t upto,
                  const rl_pktref *at) {
  rl__half *h = &c->half[dir];
  if (upto <= h->next_off) {
    return;
  }
  uint64_t n = upto - h->next_off;
  if (ft->cfg.sink.gap) {
    ft->cfg.sink.gap(ft->cfg.sink_ctx, &c->pub, dir, h->next_off, n, at);
  }
  /* A hole learnt in two steps (part of it from the peer's acknowledgement,
   * the rest from the next segment) is one gap. */
  if (!(h->flags & RL__H_IN_GAP)) {
    ft->stats->gaps++;
  }
  ft->stats->gap_bytes += n;
  advance(h, n);
  h->flags |= RL__H_IN_GAP;
}

/* A hole reached in order: the bytes were on the wire but not captured. */
static void deliver_hole(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                         uint32_t n, const rl_pktref *at) {
  rl__half *h = &c->half[dir];
  rl__sink_event(ft, c, dir, RL_EV_TRUNCATED_PACKET, h->next_off, at);
  rl__half_gap(ft, c, dir, h->next_off + n, at);
}

static void chunk_free(rl_flow_table *ft, rl__half *h, rl__chunk *k) {
  h->ooo_bytes -= k->cost;
  ft->ooo_total -= k->cost;
  rl__pool_put(&ft->pool, k, sizeof *k + (k->hole ? 0 : k->len));
}

/* Delivers every buffered chunk that the in-order data has reached,
 * recording history unless the direction is about to end. Called whenever
 * the first hole shrinks or closes: an acknowledgement past it seen before
 * then no longer counts (table.c, acked_holes), since the bytes that came
 * may have been the ones it acknowledged, written late. */
static void drain_as(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                     const rl_pktref *at, int record) {
  rl__half *h = &c->half[dir];
  rl__chunk *k;
  h->flags &= (uint8_t)~RL__H_HOLE_ACKED;
  while ((k = h->ooo) != NULL && k->off <= h->next_off) {
    h->ooo = k->next;
    uint64_t kend = k->off + k->len;
    if (kend > h->next_off) {
      uint32_t skip = (uint32_t)(h->next_off - k->off);
      if (k->hole) {
        deliver_hole(ft, c, dir, k->len - skip, at);
      } else {
        (record ? rl__deliver : deliver_unrecorded)(
            ft, c, dir, k->data + skip, k->len - skip, &k->at);
      }
    }
    chunk_free(ft, h, k);
  }
  if (!h->ooo) h->ooo_tail = NULL;
}

static void drain(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                  const rl_pktref *at) {
  drain_as(ft, c, dir, at, 1);
}

void rl__half_flush(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                    const rl_pktref *at) {
  rl__half *h = &c->half[dir];
  rl__half_forget(ft, h); /* the direction ends next: nothing to compare */
  while (h->ooo) {
    rl__half_gap(ft, c, dir, h->ooo->off, at);
    drain_as(ft, c, dir, at, 0);
  }
}

void rl__half_lost(rl_flow_table *ft, rl__conn *c, rl_dir dir, uint64_t upto,
                   const rl_pktref *at) {
  rl__half *h = &c->half[dir];
  while (h->next_off < upto) {
    uint64_t hole_end = h->ooo && h->ooo->off < upto ? h->ooo->off : upto;
    rl__half_gap(ft, c, dir, hole_end, at);
    if (!h->ooo || h->ooo->off > h->next_off) {
      return; /* nothing held right after the hole */
    }
    drain(ft, c, dir, at);
  }
}

void rl__half_release(rl_flow_table *ft, rl__half *h) {
  while (h->ooo) {
    rl__chunk *k = h->ooo;
    h->ooo = k->next;
    chunk_free(ft, h, k);
  }
  h->ooo_tail = NULL;
  rl__half_forget(ft, h);
}

/* ---- out-of-order buffer ------------------------------------------------ */

static void note_retrans(rl_flow_table *ft, rl__seg_note *note) {
  if (!note->retrans) {
    note->retrans = 1;
    ft->stats->retransmissions++;
  }
}

static void note_mismatch(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                          uint64_t off, rl__seg_note *note) {
  if (off == no_mismatch || note->mismatch) {
    return;
  }
  note->mismatch = 1;
  ft->stats->retransmission_mismatches++;
  rl__sink_event(ft, c, dir, RL_EV_RETRANSMISSION_MISMATCH, off, note->at);
}

static rl__chunk *chunk_new(rl_flow_table *ft, rl__half *h, uint64_t off,
                            const uint8_t *data, uint32_t n,
                            const rl_pktref *at) {
  rl__chunk *k = rl__pool_get(&ft->pool, sizeof *k + (data ? n : 0));
  if (!k) {
    return NULL;
  }
  k->next = NULL;
  k->off = off;
  k->len = n;
  k->hole = data == NULL;
  k->cost = data ? n : RL__HOLE_COST;
  k->at = *at;
  if (data) {
    memcpy(k->data, data, n);
  }
  h->ooo_bytes += k->cost;
  ft->ooo_total += k->cost;
  return k;
}

/* Copies the parts of [off, off+n) that fill holes between buffered chunks;
 * parts already buffered are compared and the first bytes kept. */
static void ooo_insert(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                       uint64_t off, const uint8_t *data, uint32_t n,
                       rl__seg_note *note) {
  rl__half *h = &c->half[dir];
  rl__chunk **pp = &h->ooo;
  uint64_t cur = off, end = off + n;
  /* Behind a hole, segments mostly arrive in order: start after the last
   * chunk when they lie beyond it, instead of walking every chunk. */
  if (h->ooo_tail && h->ooo_tail->off + h->ooo_tail->len <= off)
    pp = &h->ooo_tail->next;
  while (cur < end) {
    rl__chunk *k = *pp;
    if (k && k->off + k->len <= cur) {
      pp = &k->next;
      continue;
    }
    if (!k || k->off > cur) {
      uint64_t piece_end = k && k->off < end ? k->off : end;
      const uint8_t *src = data ? data + (cur - off) : NULL;
      rl__chunk *nk = chunk_new(ft, h, cur, src, (uint32_t)(piece_end - cur),
                                note->at);
      if (!nk) {
        ft->stats->ooo_bytes_dropped += piece_end - cur;
        return;
      }
      nk->next = k;
      *pp = nk;
      if (!k) h->ooo_tail = nk;
      pp = &nk->next;
      cur = piece_end;
      if (!note->buffered) {
        note->buffered = 1;
        ft->stats->ooo_segments++;
      }
      continue;
    }
    /* k covers cur: the bytes are buffered already. */
    uint64_t ov_end = k->off + k->len < end ? k->off + k->len : end;
    note_retrans(ft, note);
    if (data && !k->hole) {
      for (uint64_t o = cur; o < ov_end; o++) {
        if (k->data[o - k->off] != data[o - off]) {
          note_mismatch(ft, c, dir, o, note);
          break;
        }
      }
    }
    cur = ov_end;
    pp = &k->next;
  }
}

/* What buffering [off, end) would add: the bytes not yet buffered (a
 * duplicate of buffered data costs nothing), or for a hole one marker per
 * uncovered piece. */
static uint64_t ooo_cost(const rl__half *h, uint64_t off, uint64_t end,
                         int hole) {
  uint64_t fresh = 0, pieces = 0, cur = off;
  if (!h->ooo_tail || h->ooo_tail->off + h->ooo_tail->len <= off)
    return hole ? RL__HOLE_COST : end - off; /* beyond every chunk */
  for (const rl__chunk *k = h->ooo; k && cur < end; k = k->next) {
    uint64_t kend = k->off + k->len;
    if (kend <= cur) {
      continue;
    }
    if (k->off > cur) {
      uint64_t piece_end = k->off < end ? k->off : end;
      fresh += piece_end - cur;
      pieces++;
    }
    cur = kend;
  }
  if (cur < end) {
    fresh += end - cur;
    pieces++;
  }
  return hole ? pieces * RL__HOLE_COST : fresh;
}

static int ooo_fits(const rl_flow_table *ft, const rl__half *h, uint64_t cost) {
  return (uint64_t)h->ooo_bytes + cost <= ft->cfg.max_ooo_per_stream &&
         ft->ooo_total + cost <= ft->cfg.max_ooo_total;
}

/* The cap is reached: stop waiting for the first hole, announce it as a gap
 * and move on, so that memory stays bounded and the data behind the hole
 * still reaches the sink. */
static void give_up_hole(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                         uint64_t off, rl__seg_note *note) {
  rl__half *h = &c->half[dir];
  uint64_t target = h->ooo && h->ooo->off < off ? h->ooo->off : off;
  if (!note->limit) {
    note->limit = 1;
    rl__sink_event(ft, c, dir, RL_EV_OOO_LIMIT, h->next_off, note->at);
  }
  ft->stats->ooo_bytes_dropped += target - h->next_off;
  rl__half_gap(ft, c, dir, target, note->at);
  drain(ft, c, dir, note->at);
}

/* ---- the entry point ---------------------------------------------------- */

void rl__half_accept(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                     uint64_t off, const uint8_t *data, uint32_t len,
                     rl__seg_note *note) {
  rl__half *h = &c->half[dir];
  if (off == h->next_off && data && len && !h->ooo &&
      !(h->flags & (RL__H_FIN | RL__H_ENDED))) {
    /* Most segments: in order, nothing buffered, no FIN to clip at; the
     * loop below would deliver them whole in one step. */
    rl__deliver(ft, c, dir, data, len, note->at);
    return;
  }
  uint64_t end = off + len;
  if ((h->flags & RL__H_FIN) && end > h->fin_off) {
    end = h->fin_off > off ? h->fin_off : off; /* nothing follows a FIN */
  }
  while (off < end && !(h->flags & RL__H_ENDED)) {
    if (off < h->next_off) {
      /* Already delivered (or declared missing): a retransmission. */
      uint64_t upto = end < h->next_off ? end : h->next_off;
      note_retrans(ft, note);
      if (data) {
        note_mismatch(ft, c, dir,
                      hist_compare(h, off, data, (uint32_t)(upto - off)), note);
        data += upto - off;
      }
      off = upto;
      continue;
    }
    if (off == h->next_off) {
      /* In order: straight from the packet, up to the first buffered chunk
       * (whose bytes came first and win any overlap). */
      uint64_t lim = h->ooo && h->ooo->off < end ? h->ooo->off : end;
      uint32_t n = (uint32_t)(lim - off);
      if (data) {
        rl__deliver(ft, c, dir, data, n, note->at);
        data += n;
      } else {
        deliver_hole(ft, c, dir, n, note->at);
      }
      off = lim;
      if (h->ooo) {
        drain(ft, c, dir, note->at); /* tested here: mostly nothing buffered */
      }
      continue;
    }
    if (ooo_fits(ft, h, ooo_cost(h, off, end, data == NULL))) {
      ooo_insert(ft, c, dir, off, data, (uint32_t)(end - off), note);
      return;
    }
    give_up_hole(ft, c, dir, off, note);
  }
}
