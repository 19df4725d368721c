/* resplint: the flow stage's internal types, shared by table.c (the
 * conversation table), reasm.c (per-direction reassembly) and orient.c
 * (client/server guessing). Nothing here is public. */
#ifndef RESPLINT_FLOW_INTERNAL_H
#define RESPLINT_FLOW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/bigalloc.h"
#include "resplint/flow.h"

/* For the rare paths of a per-segment function: kept out of line and apart
 * (GCC puts cold functions in .text.unlikely), so that the common path
 * around them stays a short function that saves few registers and the hot
 * code stays dense (inlined, they made every segment pay for their stack
 * frame). */
#if defined(__GNUC__)
#define RL__COLD __attribute__((noinline, cold))
#else
#define RL__COLD
#endif

/* 32-bit sequence-space comparisons (RFC 9293 3.4): valid while the two
 * numbers are less than 2^31 apart. */
#define RL__SEQ_DIFF(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)))
#define RL__SEQ_GEQ(a, b) (RL__SEQ_DIFF((a), (b)) >= 0)

/* A buffered out-of-order piece of one direction. A chunk either holds a copy
 * of its bytes, or (hole != 0) marks bytes known to be missing because the
 * packet that carried them was cut by the snapshot length. Chunks of one
 * direction never overlap and are kept sorted by offset. */
typedef struct rl__chunk {
  struct rl__chunk *next;
  uint64_t off;
  uint32_t len;
  uint32_t cost; /* what the chunk counts against the out-of-order caps */
  uint8_t hole;
  rl_pktref at;
  uint8_t data[];
} rl__chunk;

struct rl__half;

/* A history ring not written for this long (capture time) is released:
 * three times the minimum retransmission timeout of RFC 6298, so that a
 * retransmission of the last bytes is still compared, while a connection
 * gone quiet between exchanges holds no history. */
#define RL__HIST_IDLE_S 3
/* A ring starts this small and doubles up to history_bytes, so a
 * connection that sent one short request holds a short ring. */
#define RL__HIST_MIN 256u
/* Released rings kept for reuse, per capacity (RL__HIST_MIN << class):
 * 16 rings of each size, 2 MiB at worst, outside the history budget. */
#define RL__HIST_CLASSES 9
#define RL__HIST_SPARES 16

/* The most recently delivered bytes of one direction, a ring: stream offset
 * o is at buf[(o - org) % cap]. The valid bytes are [end - len, end). Every
 * ring is on the table's history LRU (most recently written first) so that
 * the table-wide budget can take from the least recently written. */
typedef struct rl__hist {
  struct rl__hist *lru_prev, *lru_next;
  struct rl__half *owner;
  int64_t last_sec; /* capture time of the last write */
  /* The offset the ring started at, so that a ring holding less than its
   * capacity is one run of bytes (one memcpy to write, none to wrap); the
   * 8 bytes keep the allocation in the same malloc size class. */
  uint64_t org;
  uint64_t end;
  uint32_t cap;
  uint32_t len;
  uint8_t buf[];
} rl__hist;

enum {
  RL__H_SEQ_SET = 0x01,  /* next_seq/next_off are anchored */
  RL__H_SYN = 0x02,      /* this side's SYN was seen */
  RL__H_FIN = 0x04,      /* this side's FIN was seen; fin_off is valid */
  RL__H_ENDED = 0x08,    /* sink.end was called (or the side is dead) */
  RL__H_BASE = 0x10,     /* base_seq is known (port-reuse detection) */
  RL__H_IN_GAP = 0x20,   /* a gap came last: the next one is the same hole */
  RL__H_HOLE_ACKED = 0x40 /* the peer acknowledged the whole first hole
                             since it last shrank (table.c, acked_holes) */
};

/* One direction: the bytes sent by one endpoint. */
typedef struct rl__half {
  uint64_t next_off;  /* stream offset of the next byte expected */
  uint64_t fin_off;   /* stream offset of the FIN */
  uint32_t next_seq;  /* sequence number of next_off */
  uint32_t base_seq;  /* Wireshark's base_seq: the ISN, or seq-1 / ack-1 */
  uint32_t ooo_bytes; /* cost of the chunks below */
  uint8_t flags;      /* RL__H_* */
  rl__chunk *ooo;
  rl__chunk *ooo_tail; /* the last chunk of ooo, NULL when ooo is empty */
  rl__hist *hist;
} rl__half;

enum {
  RL__C_ORIENTED = 0x01, /* client/server known; pub.client is the client */
  RL__C_OPENED = 0x02,   /* sink.open was called */
  RL__C_CLOSED = 0x04,   /* sink.close was called, or the sink never will be */
  RL__C_RST = 0x08,      /* an RST was seen */
  RL__C_RST_HELD = 0x10  /* an RST before any payload waits for the peer's answer */
};

/* rl__conn.fast: bit d (1 << d) says direction d takes payload at its next
 * sequence number straight to delivery (anchored); STEADY says the
 * conversation is open, oriented, not reset or closed, both bases known,
 * neither direction has seen a FIN or ended or holds out-of-order chunks
 * (whose holes every acknowledgement may prove lost: table.c,
 * acked_holes), so a segment without SYN, FIN, RST or missing bytes
 * changes nothing but delivery. */
enum { RL__F_STEADY = 0x04 };

typedef struct rl__conn {
  rl_conn pub;               /* before orientation pub.client is the first sender */
  struct rl__conn *lru_prev; /* towards the most recently active */
  struct rl__conn *lru_next; /* towards the least recently active */
  int64_t last_sec;          /* capture time of the last segment */
  uint32_t hash;
  uint8_t flags;             /* RL__C_* */
  uint8_t rst_side;          /* with RL__C_RST_HELD: the side that sent it */
  /* RL__F_* (table.c): what the segment fast path may take, derived from
   * the flags above, the halves' flags and whether they buffer anything;
   * recomputed after every segment that takes the general path. */
  uint8_t fast;
  /* With RL__C_RST_HELD: where it was. Allocated, since few connections
   * ever hold a RST: inline it made every entry a malloc size class
   * larger (240 bytes instead of 224). */
  rl_pktref *rst_at;
  rl__half half[2];          /* indexed by rl_dir once oriented */
} rl__conn;

/* Conversations are carved from slabs of this many and recycled through a
 * free list (table.c). A slab (216 KiB) is carved from the table's pool
 * (common/bigalloc.h), so only the entries handed out are ever touched:
 * with slabs of 64, carved from the heap, (d)'s peak grew by 20 bytes a
 * connection. */
#define RL__CONN_SLAB 1024u
typedef struct rl__conn_slab {
  struct rl__conn_slab *next;
  rl__conn c[RL__CONN_SLAB];
} rl__conn_slab;

/* Buckets of rl_flow_table.recent: a few KiB, so that the conversations of
 * a busy capture, interleaved segment by segment, are mostly found without
 * hashing. A power of two. */
#define RL__RECENT 256u

/* A slot of the conversation hash table: the entry and its hash. */
typedef struct rl__slot {
  struct rl__conn *conn; /* NULL: empty */
  uint32_t hash;
} rl__slot;

/* rl_flow_table.clock_state */
enum {
  RL__CLOCK_UNSET = 0,  /* clock_sec holds no time yet */
  RL__CLOCK_STEADY = 1, /* clock_sec holds the expiry clock */
  RL__CLOCK_LEAP = 2    /* and the last segment leapt past the idle
                           timeout: believed when the next one confirms */
};

struct rl_flow_table {
  rl_flow_config cfg; /* with defaults filled in */
  rl_stats *stats;
  rl_stats own_stats; /* used when the caller passes no stats */
  rl__slot *slots;    /* open addressing, linear probing */
  uint32_t mask;
  uint32_t count;
  rl__conn *lru_head; /* most recently active */
  rl__conn *lru_tail; /* least recently active */
  /* The conversation last seen in each bucket of the endpoints' port sum
   * (the same both ways), or NULL: tried before hashing. */
  rl__conn *recent[RL__RECENT];
  uint64_t next_stream;
  uint64_t ooo_total; /* cost of every buffered chunk */
  int64_t last_stream; /* stream of the last segment fed, -1 if none */
  rl__hist *hist_head; /* most recently written history ring */
  rl__hist *hist_tail;
  uint64_t hist_total; /* capacity of every history ring */
  /* released rings by capacity class, the last released last */
  rl__hist *hist_spare[RL__HIST_CLASSES][RL__HIST_SPARES];
  uint8_t hist_nspare[RL__HIST_CLASSES];
  rl__conn_slab *slabs;  /* every slab, the newest first */
  uint32_t slab_used;    /* entries of the newest slab handed out */
  rl__conn *conn_spare;  /* destroyed conversations, linked by lru_next */
  rl__pool pool;  /* slabs, chunks and history rings, on huge pages */
  int64_t now_sec;     /* capture time of the segment being processed */
  int64_t clock_sec;   /* expiry clock: capture time, never backwards */
  uint8_t clock_state; /* RL__CLOCK_*: one byte, so that the common
                          segment tests one thing */
};

/* Per-segment bookkeeping, so that a segment counts once as a
 * retransmission, a mismatch or an out-of-order segment however many pieces
 * it is split into. */
typedef struct rl__seg_note {
  const rl_pktref *at;
  uint8_t retrans;
  uint8_t mismatch;
  uint8_t buffered;
  uint8_t limit;
} rl__seg_note;

/* reasm.c */
void rl__half_accept(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                     uint64_t off, const uint8_t *data, uint32_t len,
                     rl__seg_note *note);
/* Hands n in-order bytes at the side's next offset to the sink, remembers
 * them for retransmission comparison and advances the side. */
void rl__deliver(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                 const uint8_t *data, uint32_t n, const rl_pktref *at);
/* The same, after releasing the other side's history: the delivering
 * segment acknowledged all of it (one call for the two, so that the
 * segment fast path ends in a tail call). */
void rl__deliver_acking(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                        const uint8_t *data, uint32_t n, const rl_pktref *at);
/* Delivers what is buffered, with gaps for the holes; only just before
 * the direction ends (it records no history). */
void rl__half_flush(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                    const rl_pktref *at);
/* The bytes of direction dir below offset `upto` that are still missing
 * were sent and received, but not captured: each hole is announced as a gap
 * and the bytes held after it are delivered. */
void rl__half_lost(rl_flow_table *ft, rl__conn *c, rl_dir dir, uint64_t upto,
                   const rl_pktref *at);
void rl__half_gap(rl_flow_table *ft, rl__conn *c, rl_dir dir, uint64_t upto,
                  const rl_pktref *at);
void rl__half_release(rl_flow_table *ft, rl__half *h);
void rl__half_forget(rl_flow_table *ft, rl__half *h);
void rl__hist_expire(rl_flow_table *ft);
void rl__hist_spares_free(rl_flow_table *ft);
void rl__sink_event(rl_flow_table *ft, rl__conn *c, rl_dir dir,
                    rl_event_kind kind, uint64_t off, const rl_pktref *at);

/* table.c: the stream the last segment was assigned to, -1 if it was not
 * (tests compare this with Wireshark's tcp.stream frame by frame). */
int64_t rl__flow_table_last_stream(const rl_flow_table *ft);

/* orient.c */
int rl__flow_looks_like_status(const uint8_t *p, size_t n);
int rl__flow_looks_like_request(const uint8_t *p, size_t n);
int rl__flow_is_service_port(uint16_t port);
int rl__flow_sender_is_client(const rl_segment *seg);

#endif
