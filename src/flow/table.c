/* The conversation table: a hash table keyed by the unordered pair of
 * endpoints, an LRU list ordered by capture time of last activity (idle
 * expiry and the max_flows limit both take from its old end), stream
 * numbering as Wireshark's tcp.stream, and client/server orientation.
 * Reassembly proper lives in reasm.c.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_internal.h"
#include "resplint/error.h"

#define RL__DEFAULT_MAX_FLOWS 1000000u
#define RL__DEFAULT_IDLE_S 600u
#define RL__DEFAULT_OOO_STREAM (1u << 20)
#define RL__DEFAULT_OOO_TOTAL ((uint64_t)256 << 20)
#define RL__DEFAULT_HISTORY 4096u
#define RL__DEFAULT_HISTORY_TOTAL ((uint64_t)16 << 20)
#define RL__MIN_SLOTS 64u

/* ---- endpoints and hashing ---------------------------------------------- */

/* Eight address bytes as one word (memcpy: no alignment assumed). */
static uint64_t addr_word(const rl_endpoint *ep, size_t at) {
  uint64_t w;
  memcpy(&w, ep->addr + at, sizeof w);
  return w;
}

/* One endpoint folded into a word and multiplied, so that every input bit
 * reaches the high bits; key_hash adds two of them. */
static uint64_t ep_mix(const rl_endpoint *ep) {
  uint64_t w = addr_word(ep, 0) ^ (addr_word(ep, 8) * 0x9e3779b97f4a7c15ULL) ^
               ((uint64_t)ep->port << 40) ^ ((uint64_t)ep->ipver << 56);
  return (w ^ (w >> 29)) * 0xbf58476d1ce4e5b9ULL;
}

/* Both directions of a conversation must hash alike: the sum of the two
 * endpoints' mixes does not depend on their order, so no canonical order
 * has to be found first. The final mix spreads the high bits into the low
 * ones, which the table's mask keeps. */
static uint32_t key_hash(const rl_endpoint *a, const rl_endpoint *b) {
  uint64_t h = ep_mix(a) + ep_mix(b);
  h ^= h >> 31;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 32;
  return (uint32_t)h;
}

/* Addresses and IP version of two endpoints; conn_side compares the ports
 * first, since they are what tells apart the conversations of one pair of
 * hosts. */
static int addr_eq(const rl_endpoint *a, const rl_endpoint *b) {
  return addr_word(a, 0) == addr_word(b, 0) &&
         addr_word(a, 8) == addr_word(b, 8) && a->ipver == b->ipver;
}

/* Which side of c sent a segment from src to dst: 0 the one recorded as
 * client (pub.client, before orientation the first sender), 1 the other;
 * -1 when the pair is not c's. Found once per segment, with the lookup.
 * Inline: it runs once or twice for every segment. */
static inline int conn_side(const rl__conn *c, const rl_endpoint *src,
                            const rl_endpoint *dst) {
  const rl_endpoint *cl = &c->pub.client, *sv = &c->pub.server;
  if (src->port == cl->port && dst->port == sv->port && addr_eq(cl, src) &&
      addr_eq(sv, dst)) {
    return 0;
  }
  return src->port == sv->port && dst->port == cl->port && addr_eq(cl, dst) &&
                 addr_eq(sv, src)
             ? 1
             : -1;
}

/* The bucket of ft->recent for a pair of endpoints, in either order. */
static rl__conn **recent_slot(rl_flow_table *ft, const rl_endpoint *a,
                              const rl_endpoint *b) {
  return &ft->recent[((uint32_t)a->port + b->port) & (RL__RECENT - 1)];
}

/* ---- the hash table ----------------------------------------------------- */

/* Probes compare the hash kept in the slot before touching a
 * conversation: with the pointer alone, every entry passed on the way
 * (and every entry a removal shifts) was a cache miss on a conversation
 * that is not the one sought. */
static rl__conn *slot_find(const rl_flow_table *ft, uint32_t hash,
                           const rl_endpoint *src, const rl_endpoint *dst,
                           int *side) {
  for (uint32_t i = hash & ft->mask;; i = (i + 1) & ft->mask) {
    const rl__slot *s = &ft->slots[i];
    if (!s->conn ||
        (s->hash == hash && (*side = conn_side(s->conn, src, dst)) >= 0)) {
      return s->conn;
    }
  }
}

static void slot_put(rl__slot *slots, uint32_t mask, rl__conn *c,
                     uint32_t hash) {
  uint32_t i = hash & mask;
  while (slots[i].conn) {
    i = (i + 1) & mask;
  }
  slots[i].conn = c;
  slots[i].hash = hash;
}

static int slots_grow(rl_flow_table *ft) {
  uint32_t n = (ft->mask + 1) * 2;
  rl__slot *slots = rl__big_table(n * sizeof *slots);
  if (!slots) {
    return RL_ENOMEM;
  }
  for (uint32_t i = 0; i <= ft->mask; i++) {
    if (ft->slots[i].conn) {
      slot_put(slots, n - 1, ft->slots[i].conn, ft->slots[i].hash);
    }
  }
  rl__big_table_free(ft->slots, (ft->mask + 1) * sizeof *ft->slots);
  ft->slots = slots;
  ft->mask = n - 1;
  return 0;
}

/* Removes c with backward-shift deletion, so that lookups never need
 * tombstones and the probe sequences stay short. */
static void slot_remove(rl_flow_table *ft, rl__conn *c) {
  rl__slot *slots = ft->slots;
  uint32_t i = c->hash & ft->mask;
  while (slots[i].conn != c) {
    i = (i + 1) & ft->mask;
  }
  slots[i].conn = NULL;
  for (uint32_t j = (i + 1) & ft->mask; slots[j].conn; j = (j + 1) & ft->mask) {
    uint32_t home = slots[j].hash & ft->mask;
    /* The entry at j may move to the hole at i unless its home lies
     * cyclically in (i, j]. */
    int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      slots[i] = slots[j];
      slots[j].conn = NULL;
      i = j;
    }
  }
  ft->count--;
}

/* ---- LRU ---------------------------------------------------------------- */

static void lru_unlink(rl_flow_table *ft, rl__conn *c) {
  if (c->lru_prev) {
    c->lru_prev->lru_next = c->lru_next;
  } else {
    ft->lru_head = c->lru_next;
  }
  if (c->lru_next) {
    c->lru_next->lru_prev = c->lru_prev;
  } else {
    ft->lru_tail = c->lru_prev;
  }
  c->lru_prev = c->lru_next = NULL;
}

static void lru_push(rl_flow_table *ft, rl__conn *c) {
  c->lru_prev = NULL;
  c->lru_next = ft->lru_head;
  if (ft->lru_head) {
    ft->lru_head->lru_prev = c;
  } else {
    ft->lru_tail = c;
  }
  ft->lru_head = c;
}

/* A segment ahead of the expiry clock (a leap not yet believed) stamps its
 * conversation with its own time, so that the conversation is not expired
 * as soon as the leap is confirmed. */
static void lru_touch(rl_flow_table *ft, rl__conn *c, const rl_pktref *at) {
  c->last_sec = at->ts.sec > ft->clock_sec ? at->ts.sec : ft->clock_sec;
  if (ft->lru_head != c) {
    lru_unlink(ft, c);
    lru_push(ft, c);
  }
}

/* ---- sink wrappers ------------------------------------------------------ */

static void conn_open(rl_flow_table *ft, rl__conn *c, const rl_pktref *at) {
  c->flags |= RL__C_OPENED;
  c->pub.saw_syn = (c->half[0].flags | c->half[1].flags) & RL__H_SYN ? 1 : 0;
  if (ft->cfg.sink.open) {
    ft->cfg.sink.open(ft->cfg.sink_ctx, &c->pub, at);
  }
}

static void half_end(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                     rl_end_kind how, const rl_pktref *at) {
  rl__half *h = &c->half[dir];
  h->flags |= RL__H_ENDED;
  c->fast = 0;
  rl__half_release(ft, h);
  if (ft->cfg.sink.end) {
    ft->cfg.sink.end(ft->cfg.sink_ctx, &c->pub, dir, how, at);
  }
}

static void conn_close(rl_flow_table *ft, rl__conn *c) {
  c->flags |= RL__C_CLOSED;
  c->fast = 0;
  rl__half_release(ft, &c->half[0]);
  rl__half_release(ft, &c->half[1]);
  if ((c->flags & RL__C_OPENED) && ft->cfg.sink.close) {
    ft->cfg.sink.close(ft->cfg.sink_ctx, &c->pub);
  }
}

/* Ends what is still open of c: buffered data is flushed with gaps for the
 * holes, a direction whose FIN was seen ends as FIN after a gap up to it,
 * the others end as `how`; then the sink lets go of the connection. After
 * a RST, only the sender's direction ends as RL_END_RST: the other one was
 * cut by that abort (RL_END_PEER_RST), which must not read as its sender
 * closing early (a client that resets a download is no server's fault). */
static void conn_finish_from(rl_flow_table *ft, rl__conn *c, rl_end_kind how,
                             int rst_side, const rl_pktref *at);

static void conn_finish(rl_flow_table *ft, rl__conn *c, rl_end_kind how,
                        const rl_pktref *at) {
  if (c->flags & RL__C_RST_HELD) {
    /* Nothing answered the held RST: it did end the connection, where it
     * was sent. */
    rl_pktref rst_at = *c->rst_at;
    free(c->rst_at);
    c->rst_at = NULL;
    c->flags = (uint8_t)((c->flags & ~RL__C_RST_HELD) | RL__C_RST);
    conn_finish_from(ft, c, RL_END_RST, c->rst_side, &rst_at);
    return;
  }
  conn_finish_from(ft, c, how, -1, at);
}

static void conn_finish_from(rl_flow_table *ft, rl__conn *c, rl_end_kind how,
                             int rst_side, const rl_pktref *at) {
  if (c->flags & RL__C_CLOSED) {
    return;
  }
  if (c->flags & RL__C_OPENED) {
    for (int d = 0; d < 2; d++) {
      rl__half *h = &c->half[d];
      if (h->flags & RL__H_ENDED) {
        continue;
      }
      rl__half_flush(ft, c, (rl_dir)d, at);
      if ((h->flags & RL__H_FIN) && how != RL_END_RST) {
        rl__half_gap(ft, c, (rl_dir)d, h->fin_off, at);
        half_end(ft, c, (rl_dir)d, RL_END_FIN, at);
      } else if (how == RL_END_RST && rst_side >= 0 && d != rst_side) {
        half_end(ft, c, (rl_dir)d, RL_END_PEER_RST, at);
      } else {
        half_end(ft, c, (rl_dir)d, how, at);
      }
    }
  }
  conn_close(ft, c);
}

/* Whether conn_settle may have something to do: an open connection one
 * of whose directions saw its FIN, or both of which ended. Most segments
 * of the general path have no FIN yet, so nothing can settle: tested
 * inline, where the call cost more than the test. */
static int settle_due(const rl__conn *c) {
  uint8_t f0 = c->half[0].flags, f1 = c->half[1].flags;
  return (c->flags & (RL__C_OPENED | RL__C_CLOSED)) == RL__C_OPENED &&
         (((f0 | f1) & RL__H_FIN) || (f0 & f1 & RL__H_ENDED));
}

/* Ends a direction whose in-order data reached its FIN, and closes the
 * connection once both directions are over (when settle_due). */
RL__COLD static void conn_settle(rl_flow_table *ft, rl__conn *c,
                                 const rl_pktref *at) {
  for (int d = 0; d < 2; d++) {
    rl__half *h = &c->half[d];
    if ((h->flags & (RL__H_FIN | RL__H_ENDED)) == RL__H_FIN &&
        h->next_off >= h->fin_off) {
      half_end(ft, c, (rl_dir)d, RL_END_FIN, at);
    }
  }
  if (c->half[0].flags & c->half[1].flags & RL__H_ENDED) {
    conn_close(ft, c);
  }
}

/* ---- conversation life -------------------------------------------------- */

static void conn_destroy(rl_flow_table *ft, rl__conn *c) {
  rl__conn **rc = recent_slot(ft, &c->pub.client, &c->pub.server);
  if (*rc == c) {
    *rc = NULL;
  }
  slot_remove(ft, c);
  lru_unlink(ft, c);
  rl__half_release(ft, &c->half[0]);
  rl__half_release(ft, &c->half[1]);
  free(c->rst_at);
  c->lru_next = ft->conn_spare;
  ft->conn_spare = c;
}

/* Removes c for the flow limit or the idle timeout. */
RL__COLD static void conn_evict(rl_flow_table *ft, rl__conn *c,
                              const rl_pktref *at) {
  if ((c->flags & (RL__C_OPENED | RL__C_CLOSED | RL__C_RST_HELD)) ==
      RL__C_OPENED) {
    ft->stats->flows_evicted++;
    rl__sink_event(ft, c, RL_DIR_TO_CLIENT, RL_EV_FLOW_EVICTED,
                   c->half[RL_DIR_TO_CLIENT].next_off, at);
  }
  conn_finish(ft, c, RL_END_IDLE, at);
  conn_destroy(ft, c);
}

/* Advances the expiry clock to a segment's capture time. Timestamps in
 * captures are not always monotonic (fuzzed or merged files, clock steps):
 * the clock never goes back, so a segment stamped in the past cannot make
 * its conversation look idle, and a leap forward longer than the idle
 * timeout is believed only when the next segment confirms it, so that one
 * stray timestamp does not expire every conversation (Wireshark, whose
 * tcp.stream we match, never expires any). */
RL__COLD static void clock_advance(rl_flow_table *ft, int64_t sec) {
  int64_t limit = (int64_t)ft->cfg.idle_timeout_s;
  if (ft->clock_state == RL__CLOCK_UNSET) {
    ft->clock_sec = sec;
  } else if (sec > ft->clock_sec && sec - ft->clock_sec > limit &&
             ft->clock_state != RL__CLOCK_LEAP) {
    ft->clock_state = RL__CLOCK_LEAP;
    return;
  } else if (sec > ft->clock_sec) {
    ft->clock_sec = sec;
  }
  ft->clock_state = RL__CLOCK_STEADY;
}

static int tail_idle(const rl_flow_table *ft) {
  int64_t limit = (int64_t)ft->cfg.idle_timeout_s;
  return ft->lru_tail && ft->clock_sec - ft->lru_tail->last_sec > limit;
}

/* What every segment does before its own: the clock, idle conversations,
 * quiet history rings. Within one capture second with no leap pending
 * clock_advance changes nothing, so it is skipped; the two expiry tests
 * stay per segment, since the LRU tails change with every segment. */
static void expire_idle(rl_flow_table *ft, const rl_pktref *at) {
  int64_t sec = at->ts.sec;
  ft->now_sec = sec;
  if (sec != ft->clock_sec || ft->clock_state != RL__CLOCK_STEADY) {
    clock_advance(ft, sec);
  }
  while (tail_idle(ft)) {
    conn_evict(ft, ft->lru_tail, at);
  }
  if (ft->hist_tail && sec - ft->hist_tail->last_sec >= RL__HIST_IDLE_S) {
    rl__hist_expire(ft);
  }
}

/* A zeroed conversation entry: a destroyed one, or the next of a slab.
 * Captures start and end conversations by the thousand, and calloc + free
 * cost about 500 instructions per conversation where this costs the
 * memset. */
static rl__conn *conn_alloc(rl_flow_table *ft) {
  rl__conn *c = ft->conn_spare;
  if (c) {
    ft->conn_spare = c->lru_next;
  } else {
    if (!ft->slabs || ft->slab_used == RL__CONN_SLAB) {
      rl__conn_slab *s = rl__pool_keep(&ft->pool, sizeof *s);
      if (!s) {
        return NULL;
      }
      s->next = ft->slabs;
      ft->slabs = s;
      ft->slab_used = 0;
    }
    c = &ft->slabs->c[ft->slab_used++];
  }
  memset(c, 0, sizeof *c);
  return c;
}

static rl__conn *conn_new(rl_flow_table *ft, const rl_segment *seg,
                          uint32_t hash, const rl_pktref *at) {
  if (ft->count >= ft->cfg.max_flows && ft->lru_tail) {
    conn_evict(ft, ft->lru_tail, at);
  }
  if ((uint64_t)(ft->count + 1) * 2 > (uint64_t)ft->mask + 1 &&
      slots_grow(ft) != 0) {
    return NULL;
  }
  rl__conn *c = conn_alloc(ft);
  if (!c) {
    return NULL;
  }
  c->pub.stream = ft->next_stream++;
  c->pub.client = seg->src;
  c->pub.server = seg->dst;
  c->hash = hash;
  slot_put(ft->slots, ft->mask, c, hash);
  ft->count++;
  lru_push(ft, c);
  ft->stats->flows++;
  return c;
}

/* Port reuse as Wireshark 4.0 decides it (packet-tcp.c, checked frame by
 * frame against tshark in tests/flow/test_wireshark.c): a SYN without ACK
 * whose sequence number differs from the sending side's base sequence starts
 * a new conversation, whether or not the old one was closed. The base is
 * the ISN of a SYN, else seq-1 of the side's first segment, else ack-1 of
 * the first ACK the peer sent. A SYN equal to the base is a retransmission.
 */
static int port_reused(const rl__conn *c, int side, const rl_segment *seg) {
  const rl__half *h = &c->half[side];
  return (h->flags & RL__H_BASE) && h->base_seq != seg->seq;
}

static void note_base(rl__conn *c, int side, const rl_segment *seg) {
  rl__half *h = &c->half[side], *peer = &c->half[!side];
  if (!(h->flags & RL__H_BASE)) {
    h->base_seq = seg->seq - ((seg->flags & RL_TCP_SYN) ? 0u : 1u);
    h->flags |= RL__H_BASE;
  }
  if (!(peer->flags & RL__H_BASE) && (seg->flags & RL_TCP_ACK)) {
    peer->base_seq = seg->ack - 1;
    peer->flags |= RL__H_BASE;
  }
}

/* Only before orientation, hence before any byte was delivered: no history
 * ring exists yet whose owner pointer the move would leave behind. */
static void conn_swap(rl__conn *c) {
  rl_endpoint ep = c->pub.client;
  c->pub.client = c->pub.server;
  c->pub.server = ep;
  rl__half h = c->half[0];
  c->half[0] = c->half[1];
  c->half[1] = h;
}

/* Fixes the sides: `sender_is_client` says whether the sender of this
 * segment (side `*side`) is the client. */
static void conn_orient(rl__conn *c, int *side, int sender_is_client) {
  if (sender_is_client != (*side == 0)) {
    conn_swap(c);
    *side = !*side;
  }
  c->flags |= RL__C_ORIENTED;
}

/* ---- per segment -------------------------------------------------------- */

static void anchor(rl__half *h, uint32_t seq) {
  h->next_seq = seq;
  h->next_off = 0;
  h->flags |= RL__H_SEQ_SET;
}

/* A SYN anchors its side at ISN+1 unless data anchored it first (a SYN
 * captured late must not move offsets already handed to the sink). */
static void on_syn(rl__half *h, uint32_t seq) {
  if (!(h->flags & RL__H_SEQ_SET)) {
    anchor(h, seq + 1);
  }
  h->flags |= RL__H_SYN;
}

/* Maps a sequence number to a stream offset relative to the side's anchor;
 * the signed 32-bit distance makes wraparound at 2^32 invisible. Bytes
 * before the start of the stream map to negative values. */
static int64_t seq_off(const rl__half *h, uint32_t seq) {
  return (int64_t)h->next_off + RL__SEQ_DIFF(seq, h->next_seq);
}

static void on_payload(rl_flow_table *ft, rl__conn *c, int side,
                       const rl_segment *seg, const rl_pktref *at) {
  rl__half *h = &c->half[side];
  uint32_t seq = seg->seq + ((seg->flags & RL_TCP_SYN) ? 1u : 0u);
  if (!(h->flags & RL__H_SEQ_SET)) {
    anchor(h, seq);
  }
  int64_t off = seq_off(h, seq);
  const uint8_t *data = seg->payload;
  uint32_t len = data ? seg->payload_len : 0;
  uint32_t missing = seg->payload_missing;
  if (!data) {
    /* No bytes to look at: the whole payload is missing (saturating, since
     * the decoder's lengths are not trusted to stay small). */
    missing = seg->payload_len > UINT32_MAX - missing ? UINT32_MAX
                                                      : missing + seg->payload_len;
  }
  rl__seg_note note = {at, 0, 0, 0, 0};
  if (off < 0) {
    /* Bytes before the first byte of the stream (a late SYN's data, or a
     * stray retransmission): drop what precedes offset 0. */
    uint64_t cut = (uint64_t)-off;
    uint32_t dl = cut < len ? (uint32_t)cut : len;
    if (data) {
      data += dl;
    }
    len -= dl;
    cut -= dl;
    missing -= cut < missing ? (uint32_t)cut : missing;
    off = 0;
    note.retrans = 1;
    ft->stats->retransmissions++;
  }
  if (len) {
    rl__half_accept(ft, c, (rl_dir)side, (uint64_t)off, data, len, &note);
  }
  if (missing) {
    rl__half_accept(ft, c, (rl_dir)side, (uint64_t)off + len, NULL, missing,
                    &note);
  }
}

static void on_fin(rl__half *h, const rl_segment *seg) {
  if (h->flags & RL__H_FIN) {
    return; /* a retransmitted FIN; the first one counts */
  }
  uint32_t seq = seg->seq + ((seg->flags & RL_TCP_SYN) ? 1u : 0u);
  uint32_t fin_seq = seq + seg->payload_len + seg->payload_missing;
  if (!(h->flags & RL__H_SEQ_SET)) {
    anchor(h, fin_seq);
  }
  int64_t off = seq_off(h, fin_seq);
  h->fin_off = off > (int64_t)h->next_off ? (uint64_t)off : h->next_off;
  h->flags |= RL__H_FIN;
}

/* The history of a side only serves to compare retransmissions of bytes the
 * peer has not yet acknowledged. Once the peer acknowledges all of it and
 * starts to speak itself (the turn changes), the ring is released, so that
 * a connection waiting between exchanges holds no history. */
static int acks_history(const rl__half *h, const rl_segment *seg) {
  return h->hist && !h->ooo && (seg->flags & RL_TCP_ACK) &&
         RL__SEQ_GEQ(seg->ack, h->next_seq);
}

static void release_acked(rl_flow_table *ft, rl__half *h,
                          const rl_segment *seg) {
  if (acks_history(h, seg)) {
    rl__half_forget(ft, h);
  }
}

/* ---- bytes the peer acknowledged but the capture never saw -------------- */

/* How far beyond the peer's captured bytes an acknowledgement may reach and
 * still be believed: a drop leaves a request or two uncaptured, not more
 * than a receive window holds. An acknowledgement further ahead is more
 * likely a stray from another incarnation of the connection. */
#define RL__ACK_LOSS_MAX (1u << 24)

/* A server segment that acknowledges client bytes beyond the last one
 * delivered proves they were sent and received: the capture lost them (a
 * kernel drop, a tap's overflow), and waiting for them is in vain. The
 * segment's payload is (part of) the response to them, so the gap is
 * declared now, before the payload is delivered: the http stage then knows
 * the request went missing before it pairs the response that answers it,
 * and requests held behind the hole reach it first. Found later (at the
 * client's next segment, or at the end of the capture for a hole with bytes
 * held behind it), the gap would come after the responses, taken for
 * unsolicited (EX001). Only this way round: a client's acknowledgement of
 * server bytes not yet seen is often just captured before the data it
 * acknowledges (the "ackfirst" order), and the server's next segment shows
 * its own gap before any response is parsed from it. An acknowledgement
 * one byte ahead may be of a FIN the capture missed, so it proves
 * nothing. */
RL__COLD static void ack_loss(rl_flow_table *ft, rl__conn *c,
                              const rl_segment *seg, const rl_pktref *at) {
  rl__half *client = &c->half[RL_DIR_TO_SERVER];
  if (!(seg->flags & RL_TCP_ACK) ||
      (client->flags & (RL__H_SEQ_SET | RL__H_FIN | RL__H_ENDED)) !=
          RL__H_SEQ_SET) {
    return;
  }
  int32_t ahead = RL__SEQ_DIFF(seg->ack, client->next_seq);
  if (ahead >= 2 && (uint32_t)ahead <= RL__ACK_LOSS_MAX) {
    rl__half_lost(ft, c, RL_DIR_TO_SERVER, client->next_off + (uint32_t)ahead,
                  at);
  }
}

/* The usual server segment acknowledges exactly the client's next byte:
 * one comparison. */
static inline void ack_reveals_loss(rl_flow_table *ft, rl__conn *c, int side,
                                    const rl_segment *seg,
                                    const rl_pktref *at) {
  if (side == RL_DIR_TO_CLIENT && seg->ack != c->half[RL_DIR_TO_SERVER].next_seq)
    ack_loss(ft, c, seg, at);
}

/* ---- holes the peer acknowledged ---------------------------------------- */

/* Notes an acknowledgement that covers the whole first hole of direction
 * h (up to the chunk after it, at least): the bytes of the hole were sent
 * and received. */
static void note_hole_ack(rl__half *h, const rl_segment *seg) {
  if (!h->ooo || !(seg->flags & RL_TCP_ACK)) {
    return;
  }
  int32_t ahead = RL__SEQ_DIFF(seg->ack, h->next_seq);
  if (ahead <= 0 || (uint32_t)ahead > RL__ACK_LOSS_MAX ||
      (uint64_t)ahead < h->ooo->off - h->next_off) {
    return;
  }
  h->flags |= RL__H_HOLE_ACKED;
}

/* A segment from the side whose first hole the peer acknowledged since the
 * hole last shrank, lying at or beyond the chunk after the hole (so it
 * fills nothing of it): the hole's bytes were received, and they are not
 * merely the next packet captured late, since this one came after the
 * acknowledgement and is not them. Such holes are mostly packets the
 * capture dropped; waiting for them held every later byte of the
 * direction until the connection ended ((c) x5: 145 server holes, 12,032
 * chunks, 6.8 MB, mostly until the end of the capture). The holes below
 * the acknowledgement are declared lost and what was held behind them is
 * delivered before this segment. The acknowledgement alone proves nothing
 * in time: a receiver's ACK is often captured before the data it
 * acknowledges (the "ackfirst" order of tests/integration), and a
 * segment that may fill the hole is the late packet itself. */
static void hole_proven_lost(rl_flow_table *ft, rl__conn *c, int side,
                             const rl_segment *seg, const rl_pktref *at) {
  rl__half *h = &c->half[side];
  if (!(h->flags & RL__H_HOLE_ACKED) || !h->ooo ||
      RL__SEQ_DIFF(seg->seq, h->next_seq) < (int64_t)(h->ooo->off - h->next_off)) {
    return;
  }
  rl__half_lost(ft, c, (rl_dir)side, h->ooo->off, at);
}

/* What a segment shows of the holes of a conversation holding chunks:
 * its own side's hole may be proven lost, its acknowledgement may cover
 * the peer's. Not for SYN or RST segments, whose sequence numbers are no
 * data's. */
RL__COLD static void acked_holes(rl_flow_table *ft, rl__conn *c, int side,
                                 const rl_segment *seg, const rl_pktref *at) {
  if (seg->flags & (RL_TCP_SYN | RL_TCP_RST)) {
    return;
  }
  hole_proven_lost(ft, c, side, seg, at);
  note_hole_ack(&c->half[!side], seg);
}

/* ---- resets that nobody obeyed ----------------------------------------- */

/* Whether a RST may be held rather than obeyed at once: only while neither
 * side has delivered or buffered a byte or ended, so that holding it never
 * delays the end of anything the sink has seen, and a restart never
 * reopens a direction the sink saw end. */
static int rst_holdable(const rl__conn *c) {
  for (int d = 0; d < 2; d++) {
    if (c->half[d].next_off || c->half[d].ooo ||
        (c->half[d].flags & RL__H_ENDED)) {
      return 0;
    }
  }
  return 1;
}

/* Returns 0, or -1 when there is no memory to note where the RST was: it
 * is then obeyed at once. */
static int rst_hold(rl__conn *c, int side, const rl_pktref *at) {
  c->rst_at = malloc(sizeof *c->rst_at);
  if (!c->rst_at) {
    return -1;
  }
  *c->rst_at = *at;
  c->flags |= RL__C_RST_HELD;
  c->rst_side = (uint8_t)side;
  return 0;
}

/* A held RST is overruled by what follows it: a new handshake (SYN or
 * SYN/ACK) or payload from either side shows that the endpoints did not
 * reset (RFC 9293 3.10.7: a reset endpoint answers with RST, never with a
 * SYN/ACK or data), so the bytes that follow are what the server actually
 * sent. A new handshake restarts the numbering of both sides from its
 * ISNs, since the first attempt delivered nothing. Returns 0 while the
 * RST still stands (the segment is then ignored). */
static int rst_overruled(rl__conn *c, const rl_segment *seg) {
  uint8_t fl = seg->flags;
  int has_payload = seg->payload_len > 0 || seg->payload_missing > 0;
  if (fl & RL_TCP_RST) {
    return 0;
  }
  if (fl & RL_TCP_SYN) {
    for (int d = 0; d < 2; d++) {
      rl__half *h = &c->half[d];
      h->flags &= RL__H_BASE;
      h->next_seq = 0;
      h->next_off = 0;
      h->fin_off = 0;
    }
  } else if (!has_payload) {
    return 0;
  }
  c->flags &= (uint8_t)~RL__C_RST_HELD;
  free(c->rst_at);
  c->rst_at = NULL;
  return 1;
}

/* The conversation a segment belongs to when the last one found for the
 * same port sum is not it (or the segment is a SYN, which may start a new
 * one): found by hash, or started (a new pair, or a SYN that Wireshark
 * would count as port reuse). NULL on ENOMEM. */
RL__COLD static rl__conn *conversation_slow(rl_flow_table *ft,
                                           const rl_segment *seg,
                                           const rl_pktref *at,
                                           rl__conn **rc, int *side) {
  rl__conn *c = *rc;
  uint32_t hash;
  if (c && (*side = conn_side(c, &seg->src, &seg->dst)) >= 0) {
    hash = c->hash;
  } else {
    hash = key_hash(&seg->src, &seg->dst);
    c = slot_find(ft, hash, &seg->src, &seg->dst, side);
  }
  if (c && (seg->flags & (RL_TCP_SYN | RL_TCP_ACK)) == RL_TCP_SYN &&
      port_reused(c, *side, seg)) {
    /* The old conversation is superseded; one that did not close is
     * abandoned like an idle one. */
    conn_finish(ft, c, RL_END_IDLE, at);
    conn_destroy(ft, c);
    c = NULL;
  }
  if (!c) {
    c = conn_new(ft, seg, hash, at);
    *side = 0; /* the sender is recorded as the client until oriented */
  }
  *rc = c;
  return c;
}

/* Segments of a few conversations come interleaved, and conversations of
 * one pair of hosts differ by their ports, so the last one found for the
 * same port sum is tried before hashing. */
static rl__conn *conversation_for(rl_flow_table *ft, const rl_segment *seg,
                                  const rl_pktref *at, int *side) {
  rl__conn **rc = recent_slot(ft, &seg->src, &seg->dst);
  rl__conn *c = *rc;
  if (c && !(seg->flags & RL_TCP_SYN) &&
      (*side = conn_side(c, &seg->src, &seg->dst)) >= 0) {
    return c;
  }
  return conversation_slow(ft, seg, at, rc, side);
}

/* Orients c if this segment decides, and opens it once oriented. Returns 0
 * if the conversation closed on opening (both FINs were held). */
static int orient_and_open(rl_flow_table *ft, rl__conn *c, int *side,
                           const rl_segment *seg, int has_payload,
                           const rl_pktref *at) {
  uint8_t fl = seg->flags;
  if (!(c->flags & RL__C_ORIENTED) && (fl & RL_TCP_SYN)) {
    conn_orient(c, side, !(fl & RL_TCP_ACK));
  } else if (!(c->flags & RL__C_ORIENTED) && has_payload && !(fl & RL_TCP_RST)) {
    conn_orient(c, side, rl__flow_sender_is_client(seg));
  }
  if (fl & RL_TCP_SYN) {
    on_syn(&c->half[*side], seg->seq);
  }
  if ((c->flags & (RL__C_ORIENTED | RL__C_OPENED)) == RL__C_ORIENTED) {
    conn_open(ft, c, at);
    if (settle_due(c)) {
      conn_settle(ft, c, at); /* FINs held from before, in capture order */
    }
  }
  return !(c->flags & RL__C_CLOSED);
}

/* What c->fast says of c now (RL__F_*, flow_internal.h). */
static uint8_t conn_fast_bits(const rl__conn *c) {
  const uint8_t conn_mask = RL__C_ORIENTED | RL__C_OPENED | RL__C_CLOSED |
                            RL__C_RST | RL__C_RST_HELD;
  uint8_t f0 = c->half[0].flags, f1 = c->half[1].flags;
  if ((c->flags & conn_mask) != (RL__C_ORIENTED | RL__C_OPENED) ||
      !(f0 & f1 & RL__H_BASE) || ((f0 | f1) & (RL__H_FIN | RL__H_ENDED)) ||
      c->half[0].ooo || c->half[1].ooo) {
    return 0;
  }
  uint8_t bits = RL__F_STEADY;
  for (int d = 0; d < 2; d++) {
    if (c->half[d].flags & RL__H_SEQ_SET) {
      bits |= (uint8_t)(1u << d);
    }
  }
  return bits;
}

/* Delivers a payload segment that continues its direction, after
 * releasing the peer's history if the segment acknowledges all of it (as
 * the general path does); either way the delivery is a tail call. */
static void deliver_in_order(rl_flow_table *ft, rl__conn *c, int side,
                             const rl_segment *seg, const rl_pktref *at) {
  if (acks_history(&c->half[!side], seg)) {
    rl__deliver_acking(ft, c, (rl_dir)side, seg->payload, seg->payload_len,
                       at);
  } else {
    rl__deliver(ft, c, (rl_dir)side, seg->payload, seg->payload_len, at);
  }
}

/* The segment most captures are made of: a steady conversation (c->fast),
 * no SYN, FIN or RST, and either no payload or payload that continues its
 * direction. Every step of the general path below is then a no-op except
 * delivery, so these few tests replace it. Returns 0 to take the general
 * path. */
static int segment_fast(rl_flow_table *ft, rl__conn *c, int side,
                        const rl_segment *seg, const rl_pktref *at) {
  uint8_t fast = c->fast;
  assert(fast == conn_fast_bits(c)); /* kept up to date by the caller */
  if (!(fast & RL__F_STEADY) ||
      (seg->flags & (RL_TCP_SYN | RL_TCP_FIN | RL_TCP_RST)) ||
      seg->payload_missing) {
    return 0;
  }
  if (seg->payload_len) {
    if (!(fast & (1u << side)) || !seg->payload ||
        seg->seq != c->half[side].next_seq) {
      return 0;
    }
    ack_reveals_loss(ft, c, side, seg, at);
    deliver_in_order(ft, c, side, seg, at);
  }
  return 1;
}

/* Everything a segment may do to its conversation. */
static void segment_general(rl_flow_table *ft, rl__conn *c, int side,
                            const rl_segment *seg, const rl_pktref *at) {
  note_base(c, side, seg);
  if ((c->flags & RL__C_RST_HELD) && !rst_overruled(c, seg)) {
    return;
  }
  if (c->flags & (RL__C_CLOSED | RL__C_RST)) {
    return; /* the conversation is over; it stays only for its number */
  }
  int has_payload = seg->payload_len > 0 || seg->payload_missing > 0;
  if (!orient_and_open(ft, c, &side, seg, has_payload, at)) {
    return;
  }
  if (c->half[0].ooo || c->half[1].ooo) {
    acked_holes(ft, c, side, seg, at);
  }
  if (has_payload && !(seg->flags & RL_TCP_RST)) {
    ack_reveals_loss(ft, c, side, seg, at);
    release_acked(ft, &c->half[!side], seg);
    on_payload(ft, c, side, seg, at);
  }
  if (seg->flags & RL_TCP_FIN) {
    on_fin(&c->half[side], seg);
  }
  if (seg->flags & RL_TCP_RST) {
    /* Payload on a RST is diagnostic text, not stream data. */
    if (rst_holdable(c) && rst_hold(c, side, at) == 0) {
      return;
    }
    c->flags |= RL__C_RST;
    conn_finish_from(ft, c, RL_END_RST, side, at);
    return;
  }
  if (settle_due(c)) {
    conn_settle(ft, c, at);
  }
}

/* A segment of a found conversation that the fast path does not take. */
RL__COLD static void segment_other(rl_flow_table *ft, rl__conn *c, int side,
                                   const rl_segment *seg,
                                   const rl_pktref *at) {
  segment_general(ft, c, side, seg, at);
  c->fast = conn_fast_bits(c);
}

/* A segment from its conversation on: the fast path or the general one. */
static void segment_of(rl_flow_table *ft, rl__conn *c, int side,
                       const rl_segment *seg, const rl_pktref *at) {
  ft->last_stream = (int64_t)c->pub.stream;
  lru_touch(ft, c, at);
  if (!segment_fast(ft, c, side, seg, at)) {
    segment_other(ft, c, side, seg, at);
  }
}

/* Every segment the entry point does not take whole. */
RL__COLD static void segment_slow(rl_flow_table *ft, const rl_segment *seg,
                                  const rl_pktref *at) {
  expire_idle(ft, at);
  int side;
  rl__conn *c = conversation_for(ft, seg, at, &side);
  if (!c) {
    ft->last_stream = -1;
    return;
  }
  segment_of(ft, c, side, seg, at);
}

/* Whether expire_idle has nothing to do for a segment at `sec`: the clock
 * stays where it is, and neither the least recently active conversation
 * nor the least recently written history ring has gone quiet. */
static int nothing_expires(const rl_flow_table *ft, int64_t sec) {
  return sec == ft->clock_sec && ft->clock_state == RL__CLOCK_STEADY &&
         !tail_idle(ft) &&
         !(ft->hist_tail && sec - ft->hist_tail->last_sec >= RL__HIST_IDLE_S);
}

/* The entry point takes the common segment whole (nothing expires, its
 * conversation is the last one seen for its port sum, no SYN) and leaves
 * everything else to segment_slow. Every call on its path is a tail call,
 * so it keeps few registers: three, where it saved six with the rest
 * inlined. */
void rl_flow_table_segment(rl_flow_table *ft, const rl_segment *seg,
                           const rl_pktref *at) {
  if (!ft || !seg || !at) {
    return;
  }
  int64_t sec = at->ts.sec;
  rl__conn *c = *recent_slot(ft, &seg->src, &seg->dst);
  int side;
  if (!nothing_expires(ft, sec) || !c || (seg->flags & RL_TCP_SYN) ||
      (side = conn_side(c, &seg->src, &seg->dst)) < 0) {
    segment_slow(ft, seg, at);
    return;
  }
  ft->now_sec = sec;
  segment_of(ft, c, side, seg, at);
}

/* ---- the table ---------------------------------------------------------- */

rl_flow_table *rl_flow_table_new(const rl_flow_config *cfg, rl_stats *stats) {
  rl_flow_table *ft = calloc(1, sizeof *ft);
  if (!ft) {
    return NULL;
  }
  if (cfg) {
    ft->cfg = *cfg;
  }
  if (!ft->cfg.max_flows) {
    ft->cfg.max_flows = RL__DEFAULT_MAX_FLOWS;
  }
  if (!ft->cfg.idle_timeout_s) {
    ft->cfg.idle_timeout_s = RL__DEFAULT_IDLE_S;
  }
  if (!ft->cfg.max_ooo_per_stream) {
    ft->cfg.max_ooo_per_stream = RL__DEFAULT_OOO_STREAM;
  }
  if (!ft->cfg.max_ooo_total) {
    ft->cfg.max_ooo_total = RL__DEFAULT_OOO_TOTAL;
  }
  if (!ft->cfg.history_bytes) {
    ft->cfg.history_bytes = RL__DEFAULT_HISTORY;
  }
  if (!ft->cfg.max_history_total) {
    ft->cfg.max_history_total = RL__DEFAULT_HISTORY_TOTAL;
  }
  ft->stats = stats ? stats : &ft->own_stats;
  ft->slots = rl__big_table(RL__MIN_SLOTS * sizeof *ft->slots);
  if (!ft->slots) {
    free(ft);
    return NULL;
  }
  ft->mask = RL__MIN_SLOTS - 1;
  ft->last_stream = -1;
  return ft;
}

int64_t rl__flow_table_last_stream(const rl_flow_table *ft) {
  return ft ? ft->last_stream : -1;
}

static int by_stream(const void *a, const void *b) {
  const rl__conn *x = *(const rl__conn *const *)a;
  const rl__conn *y = *(const rl__conn *const *)b;
  return x->pub.stream < y->pub.stream ? -1 : x->pub.stream > y->pub.stream;
}

void rl_flow_table_finish(rl_flow_table *ft, const rl_pktref *last) {
  if (!ft) {
    return;
  }
  rl_pktref none = {0, {0, 0}};
  const rl_pktref *at = last ? last : &none;
  rl__conn **all = malloc((ft->count ? ft->count : 1) * sizeof *all);
  uint32_t n = 0;
  for (rl__conn *c = ft->lru_head; c; c = c->lru_next) {
    if (all) {
      all[n++] = c;
    } else {
      conn_finish(ft, c, RL_END_CAPTURE, at); /* no memory: LRU order */
    }
  }
  if (all) {
    qsort(all, n, sizeof *all, by_stream);
    for (uint32_t i = 0; i < n; i++) {
      conn_finish(ft, all[i], RL_END_CAPTURE, at);
    }
    free(all);
  }
  while (ft->lru_head) {
    conn_destroy(ft, ft->lru_head);
  }
}

void rl_flow_table_free(rl_flow_table *ft) {
  if (!ft) {
    return;
  }
  while (ft->lru_head) {
    rl__conn *c = ft->lru_head;
    if (!(c->flags & RL__C_CLOSED)) {
      conn_close(ft, c);
    }
    conn_destroy(ft, c);
  }
  rl__hist_spares_free(ft);
  rl__pool_release(&ft->pool); /* the slabs; every chunk was put back */
  rl__big_table_free(ft->slots, (ft->mask + 1) * sizeof *ft->slots);
  free(ft);
}
