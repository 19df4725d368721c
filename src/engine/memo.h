/* resplint engine internals: the exact verdict memo.
 *
 * Judging a response is a pure function of what the checks read, and servers
 * repeat themselves: on one connection, and across connections of one server,
 * consecutive exchanges are byte-identical but for where they are (stream
 * offsets, packets) and a few values (Date, ...). So the engine serialises
 * everything judging reads into a key (rl__vmemo_key, whose comment lists
 * those inputs), and remembers what judging produced (an rl__record) under
 * it. A hit replays the record; it never trusts the hash alone (the whole
 * key is compared).
 *
 * The capture time is not in the key: FV004 (date-skew) compares Date with
 * it, and on a capture replayed at other times (or a server seen again
 * later) it would make every repeat a miss. A rule whose check reads the
 * time (rl__builtin_reads_time) is a "live" rule: the record keeps, at its
 * place among the findings, a live step saying that the rule reached its
 * check, and a replay at another capture second judges that step again
 * (the engine's replay_at). Everything before the check (needs, guard,
 * version, method, supersession) is a function of the key, and so are the
 * other rules' verdicts, as long as no live rule can supersede another rule
 * and at most 64 rules can fire (see rl_engine_prepare and judge in
 * engine.c); when a live rule could supersede one, the engine puts the
 * capture time back into the key instead (rl__vmemo_key_time).
 *
 * RESPLINT_NO_MEMO=1 turns the memo off; RESPLINT_VERIFY_MEMO=1 makes every
 * hit also judge afresh and abort() when the two differ;
 * RESPLINT_MEMO_STATS=1 prints the hit rate when the engine is freed.
 */
#ifndef RL_ENGINE_MEMO_H
#define RL_ENGINE_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "checks/builtins.h"
#include "resplint/engine.h"

/* Which buffer of the exchange a finding's evidence points into, so that a
 * replay can point into the same buffer of the current exchange (the report
 * tells a header-section span from the others by address). Events' `extra`
 * buffers follow as RL__EVB_EXTRA + event index. */
enum {
  RL__EVB_NONE = 0,         /* no evidence */
  RL__EVB_RAW,              /* response header section */
  RL__EVB_TRAILER,          /* response trailer section */
  RL__EVB_CONTENT,          /* response content prefix */
  RL__EVB_FORBIDDEN,        /* response forbidden-content prefix */
  RL__EVB_REQ_RAW,          /* request header section */
  RL__EVB_REQ_TRAILER,      /* request trailer section */
  RL__EVB_EXTRA             /* + i: response event i's extra bytes */
};

/* One finding as judging produced it, independent of where the exchange
 * is; or a live step (a live rule reached its check), which is a finding
 * only when it fired. */
typedef struct rl__rec_find {
  uint32_t rule;     /* index into the engine's rules */
  uint32_t text;     /* offset of the rendered message in rl__record.text */
  uint32_t ev_base;  /* RL__EVB_* */
  uint32_t ev_off;   /* evidence offset inside that buffer */
  uint64_t ev_len;
  uint64_t off_rel;  /* finding offset - response stream_offset (mod 2^64) */
  uint8_t live;      /* a live step: judged afresh at another capture time */
  uint8_t fired;     /* a finding (always, unless live); else nothing but
                        `rule` and `live` is set */
} rl__rec_find;

/* What judging one response produced, besides counting it. */
typedef struct rl__record {
  rl__rec_find *finds;
  uint32_t nfinds, fcap;
  char *text;        /* the messages, each NUL-terminated */
  uint32_t tlen, tcap;
  uint32_t skips[RL_NEED__COUNT]; /* rule evaluations skipped per need */
  unsigned skipped;  /* bit per need: the response counts as skipped */
  int cacheable;     /* every evidence pointer was located */
  uint32_t nlive;    /* live steps among finds */
  int ts_zero;       /* the capture time the live steps were judged at: */
  int64_t ts_sec;    /* zero or not, and its second */
  uint64_t serial;   /* the memo entry it is (0: none), unique per store */
} rl__record;

typedef struct rl__vmemo rl__vmemo;

/* A memo, or NULL on ENOMEM or when RESPLINT_NO_MEMO=1 turns it off. */
rl__vmemo *rl__vmemo_new(void);
void rl__vmemo_free(rl__vmemo *vm);
/* Forgets every entry (a rule's level or a limit changed). */
void rl__vmemo_clear(rl__vmemo *vm);
int rl__vmemo_verify(const rl__vmemo *vm);
/* on 1: the key holds the capture time (second, and whether it is zero),
 * for an engine whose live rules could change other rules' verdicts. */
void rl__vmemo_key_time(rl__vmemo *vm, int on);

/* Looks up the key of exchange x (judged with env): first compared in
 * place with entry *hint (where the connection's previous exchange was;
 * any value is safe), else serialised, hashed and looked for in its set;
 * leaves where it was found or will be stored in *hint.
 * Returns the remembered record on a hit (valid until the next store); NULL
 * on a miss (then rl__vmemo_store may remember the judgement) or when the
 * key is too big. */
const rl__record *rl__vmemo_lookup(rl__vmemo *vm, const rl_exchange *x,
                                   const rl__env *env, uint32_t *hint);
/* Remembers rec under the key of the last lookup, if it missed. */
void rl__vmemo_store(rl__vmemo *vm, const rl__record *rec);
void rl__vmemo_stats(const rl__vmemo *vm, uint64_t *hits, uint64_t *misses,
                     uint64_t *skipped);

/* The memo counters of engine e (for the tests); zeros when it is off. */
void rl__engine_memo_stats(const rl_engine *e, uint64_t *hits,
                           uint64_t *misses, uint64_t *skipped);

/* Records: the evidence's buffer and offset in exchange x (0), or -1 when
 * it points elsewhere (the record is then not cacheable). */
int rl__evidence_locate(const rl_exchange *x, const uint8_t *p, size_t n,
                        uint32_t *base, uint32_t *off);
/* The pointer a located evidence has in exchange x. */
const uint8_t *rl__evidence_at(const rl_exchange *x, uint32_t base,
                               uint32_t off);
/* Grows rec for `nrules` findings of at most `msg_cap` bytes each. */
int rl__record_reserve(rl__record *rec, size_t nrules, size_t msg_cap);
void rl__record_reset(rl__record *rec);
void rl__record_free(rl__record *rec);
/* 1 when both say the same: the same findings and live steps in the same
 * order, and the same skips (not the capture time or serial). */
int rl__record_equal(const rl__record *a, const rl__record *b);

#endif
