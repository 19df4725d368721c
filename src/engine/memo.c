/* The exact verdict memo (memo.h): the key, the table, the records. */
#include "engine/memo.h"

#include "common/bigalloc.h"
#include "common/env.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table: VM_SETS sets of VM_WAYS entries (8,192). A capture's recurring
 * exchanges come back thousands of exchanges later (many servers and
 * clients interleaved, a capture replayed at other times), so the memo
 * holds a few thousand; a new entry takes a free way of its set, or the
 * oldest. The hint of a connection names an entry, so a connection that
 * repeats its previous exchange compares one entry in place. */
#define VM_WAYS 4
#define VM_SETS 2048
#define VM_ENTRIES (VM_WAYS * VM_SETS)
/* Keys above this (huge header sections, many events) are judged without
 * the memo: they are rare. */
#define VM_KEY_CAP 4096
/* A record above this many bytes (findings and their messages) is not kept. */
#define VM_REC_CAP 8192
/* The bytes of every entry (its key, findings and messages) are written one
 * after the other into this ring, so that the memo's memory is bounded
 * whatever the capture (the arena plus VM_ENTRIES entries of 128 bytes:
 * 7 MiB, touched only as it fills) and storing allocates nothing. Writing
 * past the end of the ring wraps to its start, over the oldest entries:
 * an entry whose bytes may have been overwritten is no longer valid
 * (live_entry). */
#define VM_ARENA ((size_t)6 << 20)

typedef struct vm_entry {
  uint64_t hash;
  uint64_t pos;     /* where its bytes start, counted since the ring's birth */
  const uint8_t *key; /* in the arena, as are rec.finds and rec.text */
  uint32_t klen;
  /* The entry (index + 1; 0: none yet) of the exchange that last followed
   * this one on its connection: a capture's recurring conversations repeat
   * their exchanges in the same order, so it is the likeliest key of the
   * next lookup after this entry (rl__vmemo_lookup). Any value is safe. */
  uint32_t next;
  int used;
  uint64_t fdigest; /* RESPLINT_VERIFY_MEMO: of the field arrays (below) */
  rl__record rec;
} vm_entry;

_Static_assert(sizeof(vm_entry) <= 128 || sizeof(void *) < 8,
               "the memory bound above counts 128 bytes an entry");

struct rl__vmemo {
  uint8_t key[VM_KEY_CAP];
  size_t klen;
  int over;          /* the key did not fit */
  /* While comparing in place: the stored key the pieces are checked
   * against, instead of being copied into key (see rl__vmemo_lookup);
   * NULL once a piece differs. */
  const uint8_t *ref;
  size_t rlen;
  uint64_t hash;
  uint32_t set;      /* where the key hashed to */
  uint64_t fdigest;  /* of the last missed lookup's field arrays (verify) */
  int pending;       /* the last lookup missed with a valid key */
  int key_time;      /* the key holds the capture time (rl__vmemo_key_time) */
  int verify;
  int print_stats;
  uint64_t hits, misses, skipped;
  uint64_t key_bytes; /* summed over lookups, for the stats line */
  uint8_t *arena;    /* VM_ARENA bytes, allocated by the first store */
  uint64_t head;     /* where the next entry goes, counted like pos */
  /* VM_ENTRIES entries on huge pages (common/bigalloc.h): lookups read
   * entries all over the table long before it fills, and each 4 KiB page
   * of a plain allocation faulted twice, read then written (about 510
   * faults, 1.3 ms, on a capture of a few thousand exchanges). */
  vm_entry *entries;
};

rl__vmemo *rl__vmemo_new(void) {
  if (rl__env_on("RESPLINT_NO_MEMO")) return NULL;
  rl__vmemo *vm = calloc(1, sizeof *vm);
  if (!vm) return NULL;
  vm->entries = rl__big_table(VM_ENTRIES * sizeof *vm->entries);
  if (!vm->entries) {
    free(vm);
    return NULL;
  }
  vm->verify = rl__env_on("RESPLINT_VERIFY_MEMO");
  vm->print_stats = rl__env_on("RESPLINT_MEMO_STATS");
  return vm;
}

void rl__vmemo_free(rl__vmemo *vm) {
  if (!vm) return;
  if (vm->print_stats) {
    uint64_t n = vm->hits + vm->misses;
    fprintf(stderr,
            "resplint: verdict memo: %llu hits, %llu misses (%.1f %%), %llu "
            "too big, %.0f key bytes on average\n",
            (unsigned long long)vm->hits, (unsigned long long)vm->misses,
            n ? 100.0 * (double)vm->hits / (double)n : 0.0,
            (unsigned long long)vm->skipped,
            n ? (double)vm->key_bytes / (double)n : 0.0);
  }
  rl__big_free(vm->arena, VM_ARENA);
  rl__big_table_free(vm->entries, VM_ENTRIES * sizeof *vm->entries);
  free(vm);
}

void rl__vmemo_clear(rl__vmemo *vm) {
  if (!vm) return;
  for (size_t i = 0; i < VM_ENTRIES; i++) vm->entries[i].used = 0;
  vm->pending = 0;
}

int rl__vmemo_verify(const rl__vmemo *vm) { return vm && vm->verify; }

void rl__vmemo_key_time(rl__vmemo *vm, int on) {
  if (!vm || vm->key_time == on) return;
  rl__vmemo_clear(vm); /* entries stored under the other kind of key */
  vm->key_time = on;
}

void rl__vmemo_stats(const rl__vmemo *vm, uint64_t *hits, uint64_t *misses,
                     uint64_t *skipped) {
  *hits = vm ? vm->hits : 0;
  *misses = vm ? vm->misses : 0;
  *skipped = vm ? vm->skipped : 0;
}

/* Whether entry s holds a key whose bytes are still in the arena: writing
 * at head has overwritten everything more than VM_ARENA bytes behind it,
 * and an entry's first byte is its oldest. */
static int live_entry(const rl__vmemo *vm, const vm_entry *s) {
  return s->used && vm->head - s->pos <= VM_ARENA;
}

/* --- the key -------------------------------------------------------------- */

/* Appends a piece to the key, or, while comparing in place (vm->ref set),
 * checks it against the same place of the stored key. At the first piece
 * that differs, the key so far is the stored key's prefix: it is copied,
 * and this piece and the rest are appended, so that a miss serialises the
 * key in the same pass. */
static void append(rl__vmemo *vm, const void *s, size_t n);

static inline void put(rl__vmemo *vm, const void *s, size_t n) {
  if (vm->over)
    return;
  if (vm->ref && n <= vm->rlen - vm->klen &&
      (n == 0 || memcmp(vm->ref + vm->klen, s, n) == 0)) {
    vm->klen += n;
    return;
  }
  append(vm, s, n);
}

/* put's other half: appending, after taking the compared prefix over if
 * this piece is the first that differs. */
static void append(rl__vmemo *vm, const void *s, size_t n) {
  if (vm->ref) {
    memcpy(vm->key, vm->ref, vm->klen); /* klen <= rlen <= VM_KEY_CAP */
    vm->ref = NULL;
  }
  if (n > VM_KEY_CAP - vm->klen) {
    vm->over = 1;
    return;
  }
  if (n) memcpy(vm->key + vm->klen, s, n);
  vm->klen += n;
}

/* A string the checks may print (an event's hpe_name or reason), with its
 * length first so that two strings never serialise alike. */
static void put_str(rl__vmemo *vm, const char *s) {
  uint32_t n = s ? (uint32_t)strlen(s) + 1 : 0; /* NULL differs from "" */
  put(vm, &n, sizeof n);
  if (n) put(vm, s, n - 1);
}

/* The bytes of rl_message from member `first` up to member `end`. */
#define MSG_SPAN(first, end) \
  (offsetof(rl_message, end) - offsetof(rl_message, first))

/* The scalars of a message, copied as the three runs of rl_message that
 * hold no pointer and nothing about where the message is (a few copies
 * instead of thirty members one by one):
 *  - raw_len up to fields: raw_total, the start-line spans and eol,
 *    status_code, http_major/minor, is_response;
 *  - trailer_raw_len up to content_prefix: framing, cut,
 *    content_length_declared, content_bytes, wire_bytes;
 *  - content_prefix_len up to forbidden_prefix: chunk_count,
 *    forbidden_bytes.
 * The runs include rl_message's padding: the http stage zeroes the whole
 * message, and a caller that did not would only miss, never hit wrongly.
 * A member added to rl_message inside a run is in the key by itself; one
 * added elsewhere must be added here if a check reads it. */
typedef struct key_msg {
  uint8_t head[MSG_SPAN(raw_len, fields)];
  uint8_t content[MSG_SPAN(trailer_raw_len, content_prefix)];
  uint8_t counts[MSG_SPAN(content_prefix_len, forbidden_prefix)];
  uint32_t nfields, ntrailers, forbidden_prefix_len, nevents;
  uint32_t nulls; /* which buffers are NULL */
} key_msg;

_Static_assert(offsetof(rl_message, raw_len) ==
                   offsetof(rl_message, raw) + sizeof(const uint8_t *),
               "the raw_len run starts right after the raw pointer");
_Static_assert(sizeof(key_msg) == MSG_SPAN(raw_len, fields) +
                                      MSG_SPAN(trailer_raw_len, content_prefix) +
                                      MSG_SPAN(content_prefix_len, forbidden_prefix) +
                                      5 * sizeof(uint32_t),
               "key_msg must have no padding");
_Static_assert(sizeof(rl_field) == 32, "rl_field is serialised as bytes");

/* An event: its kind, where it is relative to the message, its evidence
 * span and the lengths of what follows it. */
typedef struct key_event {
  uint64_t off_rel;  /* offset - stream_offset */
  uint64_t off_abs;  /* the offset itself when a message prints it, else 0 */
  uint32_t kind, ev_off, ev_len, extra_len;
} key_event;

static void put_events(rl__vmemo *vm, const rl_message *m) {
  for (uint32_t i = 0; i < m->nevents; i++) {
    const rl_msg_event *ev = &m->events[i];
    key_event k;
    memset(&k, 0, sizeof k);
    k.off_rel = ev->offset - m->stream_offset;
    /* A parse error's detail says "HPE_... at byte N" with the absolute
     * offset, so that one only repeats at the same place. */
    if (ev->hpe_name) k.off_abs = ev->offset;
    k.kind = (uint32_t)ev->kind;
    k.ev_off = ev->evidence.off;
    k.ev_len = ev->evidence.len;
    k.extra_len = ev->extra ? ev->extra_len : 0;
    put(vm, &k, sizeof k);
    put_str(vm, ev->hpe_name);
    put_str(vm, ev->reason);
    if (ev->extra) put(vm, ev->extra, ev->extra_len);
  }
}

/* The scalars of message m (NULL: no request, all zeros). */
static void fill_msg(key_msg *h, const rl_message *m) {
  if (!m) {
    memset(h, 0, sizeof *h);
    return;
  }
  memcpy(h->head, &m->raw_len, sizeof h->head);
  memcpy(h->content, &m->trailer_raw_len, sizeof h->content);
  memcpy(h->counts, &m->content_prefix_len, sizeof h->counts);
  h->nfields = m->nfields;
  h->ntrailers = m->ntrailers;
  h->forbidden_prefix_len = m->forbidden_prefix_len;
  h->nevents = m->nevents;
  /* A NULL buffer and an empty one differ to the checks (rl__span_bytes). */
  h->nulls = (uint32_t)((m->raw == NULL) | (m->trailer_raw == NULL) << 1 |
                        (m->content_prefix == NULL) << 2 |
                        (m->forbidden_prefix == NULL) << 3 |
                        (m->fields == NULL) << 4 | (m->trailers == NULL) << 5 |
                        (m->events == NULL) << 6);
}

/* Whether m's field array is a function of its header-section bytes alone,
 * so that the key need not hold it. The http stage describes a section
 * (start-line spans, status_code, the fields with their ids, flags, eol and
 * fold_lines) from raw[0..raw_len) and is_response only: its head memo
 * (describe_head in src/http/http.c) relies on the same fact, and
 * RESPLINT_VERIFY_SCAN checks it. The one exception is the field-count cap
 * (cap_fields), which cuts the array and the section together and leaves
 * raw_len < raw_total; a section cut by max_header_bytes has raw_len <
 * raw_total too. So only a whole section (raw_len == raw_total) skips its
 * fields; any other keeps them. RESPLINT_VERIFY_MEMO also compares a digest
 * of the field arrays on every hit, so a mistake here aborts. */
static int fields_derived(const rl_message *m) {
  return m->raw != NULL && m->raw_len > 0 && m->raw_len == m->raw_total;
}

/* The variable-length parts of message m: the buffers it points to, as
 * many bytes as the key's scalars say (none for a NULL buffer). */
static void put_bytes(rl__vmemo *vm, const rl_message *m) {
  if (m->raw)
    put(vm, m->raw, m->raw_len);
  if (m->fields && m->nfields && !fields_derived(m))
    put(vm, m->fields, (size_t)m->nfields * sizeof *m->fields);
  if (m->content_prefix && m->content_prefix_len)
    put(vm, m->content_prefix, m->content_prefix_len);
  /* Trailers, forbidden content and events are rare: one test skips them
   * on nearly every message. */
  if ((m->ntrailers | m->trailer_raw_len | m->forbidden_prefix_len |
       m->nevents) == 0)
    return;
  if (m->trailers && m->ntrailers)
    put(vm, m->trailers, (size_t)m->ntrailers * sizeof *m->trailers);
  if (m->trailer_raw && m->trailer_raw_len)
    put(vm, m->trailer_raw, m->trailer_raw_len);
  if (m->forbidden_prefix && m->forbidden_prefix_len)
    put(vm, m->forbidden_prefix, m->forbidden_prefix_len);
  if (m->events && m->nevents)
    put_events(vm, m);
}

/* What judging reads besides the two messages. */
typedef struct key_exchange {
  int64_t ts_sec;
  int32_t prev_version;
  uint32_t prev_index;
  uint32_t max_header_bytes, max_field_lines, date_skew_s;
  uint8_t request_state, interim, after_close, has_request, ts_zero, pad[3];
} key_exchange;

_Static_assert(sizeof(key_exchange) == 40, "key_exchange must have no padding");

/* All the fixed-size parts of a key, so that they cost one copy or one
 * comparison, not three. */
typedef struct key_head {
  key_exchange x;
  key_msg resp, req;
} key_head;

_Static_assert(sizeof(key_head) == sizeof(key_exchange) + 2 * sizeof(key_msg),
               "key_head must have no padding");

/* The key is everything judging reads, except where the exchange is:
 *  - the response and the request (when paired) as the http stage described
 *    them: the header section bytes (raw, raw_len, raw_total), the
 *    start-line spans and eol, status_code, http_major/minor, is_response,
 *    the field array (spans, ids, flags, eol, fold_lines; left out for a
 *    whole section, which it follows from: fields_derived) and the trailer
 *    array with trailer_raw, framing, cut, content_length_declared,
 *    content_bytes, wire_bytes, content_prefix, chunk_count,
 *    forbidden_bytes and forbidden_prefix, and the events (kind, offset
 *    relative to stream_offset, and absolute when hpe_name is set because
 *    the detail prints it; hpe_name, reason, evidence span, extra bytes);
 *  - request_state, interim, after_close;
 *  - only when vm->key_time: the capture second of the response's first
 *    packet, and whether its time is zero (FV004 date-skew,
 *    rl__chk_date_skew); otherwise the rules that read them are live
 *    (memo.h) and judged afresh at each capture second;
 *  - SL006's history: env.prev_version, and env.prev_index when the version
 *    differs (the only case where its message prints it);
 *  - the engine's limits (HF012, HF013, FV004).
 * Not in it, because no check reads them: stream_offset (findings keep
 * offsets relative to it), index, the packets (first.ts only through live
 * rules or key_time), conn and source. Rule levels are not in it either: changing one clears
 * the memo. A check that reads anything else must add it here, or the memo
 * would replay a stale verdict (RESPLINT_VERIFY_MEMO=1 catches that). */
static void build_key(rl__vmemo *vm, const rl_exchange *x, const rl__env *env) {
  const rl_message *r = x->response;
  key_head k;
  key_exchange *h = &k.x;
  memset(h, 0, sizeof *h);
  if (vm->key_time) {
    h->ts_sec = r->first.ts.sec;
    h->ts_zero = r->first.ts.sec == 0 && r->first.ts.nsec == 0;
  }
  h->prev_version = env->prev_version;
  if (env->prev_version >= 0 &&
      env->prev_version != r->http_major * 16 + r->http_minor)
    h->prev_index = env->prev_index;
  h->max_header_bytes = env->max_header_bytes;
  h->max_field_lines = env->max_field_lines;
  h->date_skew_s = env->date_skew_s;
  h->request_state = (uint8_t)x->request_state;
  h->interim = x->interim;
  h->after_close = x->after_close;
  h->has_request = x->request != NULL;
  fill_msg(&k.resp, r);
  fill_msg(&k.req, x->request);
  vm->klen = 0;
  vm->over = 0;
  put(vm, &k, sizeof k);
  put_bytes(vm, r);
  if (x->request) put_bytes(vm, x->request);
}

static inline uint64_t rotl(uint64_t v, int s) {
  return (v << s) | (v >> (64 - s));
}

/* Four independent multiply lanes over 32 bytes a step, then a final mix:
 * cheap on keys of a kilobyte (about 0.5 instructions a byte, against 0.7
 * for two multiply-rotate lanes), and a collision only costs a miss. A
 * multiply carries each byte's bits up its lane; the rotations that fold
 * the lanes and the final mix bring the high bits down. */
static uint64_t hash_key(const uint8_t *p, size_t n) {
  const uint64_t k[4] = {0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full,
                         0x165667B19E3779F9ull, 0x27D4EB2F165667C5ull};
  uint64_t l[4] = {(uint64_t)n * k[0], ~(uint64_t)n, (uint64_t)n ^ k[2], rotl(n, 32)};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int j = 0; j < 4; j++) {
      uint64_t w;
      memcpy(&w, p + i + 8 * j, 8);
      l[j] = (l[j] ^ w) * k[j];
    }
  for (int j = 0; j < 4; j++) { /* the rest, zero-padded */
    size_t at = i + 8 * (size_t)j, take = at < n ? (n - at < 8 ? n - at : 8) : 0;
    uint64_t w = 0;
    if (take) memcpy(&w, p + at, take);
    l[j] = (l[j] ^ w) * k[j];
  }
  uint64_t h = l[0] ^ rotl(l[1], 16) ^ rotl(l[2], 32) ^ rotl(l[3], 48);
  h ^= h >> 29;
  h *= k[1];
  return h ^ (h >> 32);
}

static int same_bytes(const rl__vmemo *vm, const vm_entry *s) {
  return s->klen == vm->klen && live_entry(vm, s) &&
         memcmp(s->key, vm->key, vm->klen) == 0;
}

static int same_key(const rl__vmemo *vm, const vm_entry *s) {
  return s->hash == vm->hash && s->klen == vm->klen && live_entry(vm, s) &&
         memcmp(s->key, vm->key, vm->klen) == 0;
}

/* Whether exchange x's key is entry s's stored key, compared piece by piece
 * as build_key would write them, without copying any. When it is not, the
 * key is left serialised in vm->key (see put), unless it is too big. */
static int same_in_place(rl__vmemo *vm, const vm_entry *s,
                         const rl_exchange *x, const rl__env *env) {
  vm->ref = live_entry(vm, s) ? s->key : NULL;
  vm->rlen = s->klen;
  build_key(vm, x, env);
  if (vm->ref && vm->klen == s->klen)
    return 1; /* every piece was compared and found equal */
  if (vm->ref) /* equal, but a prefix of the stored key */
    memcpy(vm->key, vm->ref, vm->klen);
  vm->ref = NULL;
  return 0;
}

/* RESPLINT_VERIFY_MEMO: a digest of both messages' field arrays, which a
 * whole header section leaves out of the key (fields_derived). A hit whose
 * arrays differ from the stored ones means that argument is wrong. */
static uint64_t fields_digest(const rl_exchange *x) {
  const rl_message *r = x->response, *q = x->request;
  uint64_t d = r->fields ? hash_key((const uint8_t *)r->fields,
                                    (size_t)r->nfields * sizeof *r->fields)
                         : 1;
  if (q && q->fields)
    d = rotl(d, 17) ^ hash_key((const uint8_t *)q->fields,
                               (size_t)q->nfields * sizeof *q->fields);
  return d;
}

/* The way of set s a new key takes: a free one (never used, or its bytes
 * overwritten), else the oldest. */
static uint32_t victim(const rl__vmemo *vm, const vm_entry *s) {
  uint32_t old = 0;
  for (uint32_t w = 0; w < VM_WAYS; w++) {
    if (!live_entry(vm, &s[w])) return w;
    if (s[w].pos < s[old].pos) old = w;
  }
  return old;
}

static const rl__record *hit(rl__vmemo *vm, const vm_entry *s,
                             const rl_exchange *x) {
  if (vm->verify && fields_digest(x) != s->fdigest) {
    fprintf(stderr, "resplint: RESPLINT_VERIFY_MEMO: a memo hit whose field "
                    "arrays differ from the remembered ones\n");
    abort();
  }
  vm->key_bytes += vm->klen;
  vm->hits++;
  return &s->rec;
}

const rl__record *rl__vmemo_lookup(rl__vmemo *vm, const rl_exchange *x,
                                   const rl__env *env, uint32_t *hint) {
  vm->pending = 0;
  /* A connection usually repeats its previous exchange: compare with the
   * entry it used last first, in place, so that a hit (nearly every
   * exchange of a repetitive capture) serialises nothing. */
  vm_entry *prev = &vm->entries[*hint % VM_ENTRIES];
  if (same_in_place(vm, prev, x, env))
    return hit(vm, prev, x);
  if (vm->over) {
    vm->skipped++;
    return NULL;
  }
  /* Else the exchange that followed the previous one last time (a
   * conversation seen again), compared whole, before hashing. */
  uint32_t nx = prev->next;
  if (nx && same_bytes(vm, &vm->entries[nx - 1])) {
    *hint = nx - 1;
    return hit(vm, &vm->entries[nx - 1], x);
  }
  vm->hash = hash_key(vm->key, vm->klen);
  vm->set = (uint32_t)((vm->hash >> 32) % VM_SETS);
  vm_entry *s = &vm->entries[vm->set * VM_WAYS];
  for (uint32_t w = 0; w < VM_WAYS; w++)
    if (same_key(vm, &s[w])) {
      *hint = vm->set * VM_WAYS + w;
      prev->next = *hint + 1;
      return hit(vm, &s[w], x);
    }
  *hint = vm->set * VM_WAYS + victim(vm, s);
  prev->next = *hint + 1; /* where this key is about to be stored */
  vm->key_bytes += vm->klen;
  vm->misses++;
  if (vm->verify)
    vm->fdigest = fields_digest(x);
  vm->pending = 1;
  return NULL;
}

/* n bytes of the arena at vm->head, 8-aligned, wrapping to the ring's start
 * when they do not fit before its end; their position goes to *pos. */
static uint8_t *arena_take(rl__vmemo *vm, size_t n, uint64_t *pos) {
  n = (n + 7) & ~(size_t)7;
  size_t at = (size_t)(vm->head % VM_ARENA);
  if (n > VM_ARENA - at) {
    vm->head += VM_ARENA - at;
    at = 0;
  }
  *pos = vm->head;
  vm->head += n;
  return vm->arena + at;
}

void rl__vmemo_store(rl__vmemo *vm, const rl__record *rec) {
  if (!vm->pending) return;
  vm->pending = 0;
  size_t fbytes = rec->nfinds * sizeof(rl__rec_find);
  if (!rec->cacheable || fbytes + rec->tlen > VM_REC_CAP)
    return;
  if (!vm->arena && !(vm->arena = rl__big_alloc(VM_ARENA)))
    return;
  /* The way victim() chose for this key at lookup. */
  vm_entry *s = &vm->entries[vm->set * VM_WAYS +
                             victim(vm, &vm->entries[vm->set * VM_WAYS])];
  size_t kpad = (vm->klen + 7) & ~(size_t)7; /* the findings are 8-aligned */
  uint8_t *p = arena_take(vm, kpad + fbytes + rec->tlen, &s->pos);
  memcpy(p, vm->key, vm->klen);
  if (fbytes) memcpy(p + kpad, rec->finds, fbytes);
  if (rec->tlen) memcpy(p + kpad + fbytes, rec->text, rec->tlen);
  s->key = p;
  s->klen = (uint32_t)vm->klen;
  s->hash = vm->hash;
  s->fdigest = vm->fdigest;
  s->rec = *rec;
  s->rec.finds = (rl__rec_find *)(void *)(p + kpad);
  s->rec.text = (char *)(p + kpad + fbytes);
  s->rec.fcap = s->rec.tcap = 0; /* not the record's own memory */
  s->rec.serial = s->pos + 1;
  s->next = 0;
  s->used = 1;
}

/* --- records -------------------------------------------------------------- */

static int inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len) {
  if (!p || !base) return 0;
  uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
  return a >= b && a - b <= len && n <= len - (a - b);
}

/* The buffers evidence may point into, by RL__EVB_* (NULL len 0 when the
 * exchange lacks it). */
static const uint8_t *base_of(const rl_exchange *x, uint32_t base, size_t *len) {
  const rl_message *r = x->response, *q = x->request;
  *len = 0;
  switch (base) {
  case RL__EVB_RAW:
    *len = r->raw_len;
    return r->raw;
  case RL__EVB_TRAILER:
    *len = r->trailer_raw_len;
    return r->trailer_raw;
  case RL__EVB_CONTENT:
    *len = r->content_prefix_len;
    return r->content_prefix;
  case RL__EVB_FORBIDDEN:
    *len = r->forbidden_prefix_len;
    return r->forbidden_prefix;
  case RL__EVB_REQ_RAW:
    if (!q) return NULL;
    *len = q->raw_len;
    return q->raw;
  case RL__EVB_REQ_TRAILER:
    if (!q) return NULL;
    *len = q->trailer_raw_len;
    return q->trailer_raw;
  default:
    if (base < RL__EVB_EXTRA || base - RL__EVB_EXTRA >= r->nevents) return NULL;
    *len = r->events[base - RL__EVB_EXTRA].extra_len;
    return r->events[base - RL__EVB_EXTRA].extra;
  }
}

int rl__evidence_locate(const rl_exchange *x, const uint8_t *p, size_t n,
                        uint32_t *base, uint32_t *off) {
  uint32_t last = RL__EVB_EXTRA + x->response->nevents;
  /* In the report's order: the header section first, then the trailers. */
  for (uint32_t b = RL__EVB_RAW; b < last; b++) {
    size_t len;
    const uint8_t *s = base_of(x, b, &len);
    if (inside(p, n, s, len)) {
      *base = b;
      *off = (uint32_t)(p - s);
      return 0;
    }
  }
  return -1;
}

const uint8_t *rl__evidence_at(const rl_exchange *x, uint32_t base,
                               uint32_t off) {
  size_t len;
  const uint8_t *s = base_of(x, base, &len);
  return s ? s + off : NULL;
}

static int grow(void **p, uint32_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  void *np = realloc(*p, need * size);
  if (!np) return -1;
  *p = np;
  *cap = (uint32_t)need;
  return 0;
}

int rl__record_reserve(rl__record *rec, size_t nrules, size_t msg_cap) {
  if (grow((void **)&rec->finds, &rec->fcap, nrules ? nrules : 1,
           sizeof *rec->finds) < 0)
    return -1;
  return grow((void **)&rec->text, &rec->tcap, (nrules ? nrules : 1) * msg_cap, 1);
}

void rl__record_reset(rl__record *rec) {
  rec->nfinds = 0;
  rec->tlen = 0;
  memset(rec->skips, 0, sizeof rec->skips);
  rec->skipped = 0;
  rec->cacheable = 1;
  rec->nlive = 0;
  rec->ts_zero = 0;
  rec->ts_sec = 0;
  rec->serial = 0;
}

void rl__record_free(rl__record *rec) {
  free(rec->finds);
  free(rec->text);
  memset(rec, 0, sizeof *rec);
}

int rl__record_equal(const rl__record *a, const rl__record *b) {
  if (a->nfinds != b->nfinds || a->skipped != b->skipped ||
      a->cacheable != b->cacheable || a->nlive != b->nlive ||
      memcmp(a->skips, b->skips, sizeof a->skips) != 0)
    return 0;
  for (uint32_t i = 0; i < a->nfinds; i++) {
    const rl__rec_find *f = &a->finds[i], *g = &b->finds[i];
    if (f->rule != g->rule || f->live != g->live || f->fired != g->fired)
      return 0;
    if (!f->fired)
      continue; /* a live step that did not fire says nothing more */
    if (f->ev_base != g->ev_base ||
        f->ev_off != g->ev_off || f->ev_len != g->ev_len ||
        f->off_rel != g->off_rel || strcmp(a->text + f->text, b->text + g->text))
      return 0;
  }
  return 1;
}
