/* Internal state of the http stage, shared by http.c (the stage, pairing
 * and hand-out) and dir.c (the per-direction state machine).
 * Design notes: docs/internals/pairing.md and docs/internals/resync.md. */
#ifndef RL_HTTP_INTERNAL_H
#define RL_HTTP_INTERNAL_H

#include <llhttp.h>
#include <stdint.h>

#include "common/bigalloc.h"
#include "http/scan.h"
#include "http/secmemo.h"
#include "resplint/http.h"

enum {
  RL__MAX_EVENTS = 8,     /* events kept per message; more are counted */
  RL__EVIDENCE = 48,      /* offending bytes kept per event outside raw */
  RL__XBUF = 256          /* storage for all of a message's evidence */
};

/* A message's events and the evidence bytes they keep. Most messages have
 * none, so this is allocated on the first event rather than carried by
 * every message (a queued request would otherwise hold 700 bytes it almost
 * never uses). */
typedef struct rl__msgx {
  rl_msg_event ev[RL__MAX_EVENTS];
  uint8_t xbuf[RL__XBUF];
} rl__msgx;

/* One message being parsed (or waiting to be handed out, or a request
 * waiting for its response). Taken when the message starts and given back
 * when the last reference goes: a request is referenced by its parser, the
 * pending queue and the responses that point at it. Given-back messages
 * wait in the stage's pool with their header buffer and event storage, so
 * that steady traffic allocates nothing per message (see http.c). */
typedef struct rl__hmsg {
  struct rl__hmsg *next;  /* pending-request queue */
  uint32_t refs;
  rl_http *http;          /* whose max_header_total raw and trl count against */

  uint8_t *raw;           /* header section as sent, up to the cap */
  uint32_t raw_len, raw_cap, raw_total;
  uint8_t *trl;           /* trailer section (after the last chunk) */
  uint32_t trl_len, trl_cap;

  uint64_t start_off, end_off;
  rl_pktref first, last;
  uint64_t content_bytes, forbidden_bytes, cl_declared;
  uint32_t chunk_count, index;
  uint32_t q_cost;          /* header bytes counted against max_pending_bytes */
  uint32_t prefix_len, forbidden_prefix_len;
  uint8_t *prefix;          /* content prefix, content_prefix bytes */
  uint8_t *forbidden_prefix;

  rl_framing framing;
  rl_cut cut;
  int status_code;
  uint8_t method;           /* llhttp method for requests */
  uint8_t http_major, http_minor;
  uint8_t is_response, head_done, complete, trailing, interim;
  uint8_t keep_alive;       /* llhttp's verdict at the end of the headers */
  uint8_t conn_close;       /* the message said Connection: close */

  struct rl__hmsg *req;     /* the paired request (a response only) */
  rl_request_state req_state;
  uint8_t after_close;
  uint8_t paired;           /* pairing was decided */
  uint8_t has_cl;           /* a valid Content-Length was parsed */
  uint64_t cl_seen;         /* its value, even when the framing ignores it */

  rl__msgx *x;              /* events, NULL until the first one */
  uint32_t nev, ev_dropped;
  uint32_t xlen;
  /* The section memo's entry for the bytes llhttp read up to the end of
   * the header section (0: none; see secmemo.h): raw holds those very
   * bytes when raw_len is the entry's length. */
  uint64_t sec;
} rl__hmsg;

/* What a server's SEEK skipped before the first response of a connection
 * whose start was captured (rl__hdir.pre). Whether those bytes were another
 * protocol or junk before a response is known only when the SEEK ends. */
enum {
  RL__PRE_ON = 1,      /* the SEEK began at the first byte that was not HTTP/ */
  RL__PRE_JUNK = 2,    /* a skipped byte was neither CR nor LF */
  RL__PRE_BARE_CR = 4, /* a skipped CR was not followed by LF */
  RL__PRE_CR = 8,      /* the last skipped byte was CR */
  RL__PRE_EOL = 16     /* the last skipped byte was CR or LF */
};

/* Where a direction is between and inside messages. */
typedef enum rl__dstate {
  RL__D_IDLE = 0,     /* at a message boundary: the next bytes should start one */
  RL__D_SEEK,         /* resynchronising: looking for a line starting a message */
  RL__D_HEAD,         /* inside a header section, fed to llhttp and copied */
  RL__D_BODY,         /* inside content framed by llhttp */
  RL__D_DRAIN,        /* after an unrecoverable header error: copy to the empty line */
  RL__D_FORBIDDEN,    /* after a bodiless response: its forbidden content */
  RL__D_TUNNEL,       /* the connection left HTTP/1.x: bytes are counted */
  RL__D_CLOSED        /* the direction ended */
} rl__dstate;

typedef struct rl__hconn rl__hconn;

/* One direction of one connection. Allocated on its first byte. */
typedef struct rl__hdir {
  rl__hconn *hc;
  rl_dir dir;
  rl__dstate state;
  uint8_t match;          /* bytes of the start pattern matched so far */
  uint8_t mbuf[8];        /* those bytes, as sent */
  uint8_t line_start;     /* SEEK/FORBIDDEN: at the start of a line */
  uint8_t lenient;        /* llhttp lenient flags used for the current message */
  uint8_t replaying;      /* re-feeding raw after turning on a lenient flag */
  uint8_t paused;         /* why llhttp paused: see dir.c */
  uint8_t fresh;          /* llhttp is to start afresh, not yet initialised
                             (dir.c: parser_init) */
  uint8_t as_sec;         /* llhttp is paused where the section memo's entry
                             cur->sec paused, in its state (dir.c: after_head) */
  uint8_t had_gap, started_mid, drain_empty;
  uint8_t skip_noted;     /* the current SEEK's cause was already noted */
  uint8_t pre;            /* RL__PRE_* bits: bytes before the first response */
  uint64_t off;           /* stream offset of the next byte */
  uint64_t gap_end;       /* where the last gap ended (if had_gap) */
  uint64_t skipped;       /* bytes skipped by the current SEEK */
  uint64_t skip_off;
  uint64_t match_off;     /* stream offset of the first matched byte */
  rl_pktref match_at;     /* packet holding the first matched byte */
  const uint8_t *feed_p;  /* the bytes llhttp is running over, and */
  uint64_t feed_off;      /* their stream offset (for callbacks' offsets) */
  size_t feed_len;        /* and their length */
  const rl_pktref *feed_at;
  uint8_t in_chunk;       /* llhttp is inside chunk data */
  uint64_t body_end_off;  /* stream offset after the last content byte */
  uint32_t ext_chunk;     /* chunk whose extension was already recorded */
  /* Where llhttp resumes after a chunk extension list it cannot read
   * (cb_chunk_ext_value in dir.c); NULL when it resumes where it stopped. */
  const uint8_t *ext_resume;
  uint32_t messages;      /* messages started so far (the next index) */
  rl__hmsg *cur;          /* the message being parsed */
  uint64_t last_sec;      /* the section memo entry of the last message */
  llhttp_t parser;
} rl__hdir;

/* Per-connection state (rl_conn.user). */
struct rl__hconn {
  rl_http *http;
  rl_conn *conn;
  rl__hdir *d[2];
  rl__hmsg *q_head, *q_tail;  /* requests awaiting a response, oldest first */
  uint32_t q_len;
  uint64_t q_bytes;           /* header bytes held by the queued requests */
  uint8_t said_close;         /* an earlier response said Connection: close */
  uint8_t client_lossy;       /* requests may be missing from the queue */
  uint8_t queue_full;         /* pending-request-limit was noted */
  uint8_t tunnel;
  uint8_t tls;                /* bit per direction (1 << rl_dir) that began
                                 with a TLS handshake record; both: the
                                 connection is TLS, its bytes are counted */
  uint32_t lost_responses;    /* responses presumed lost in server gaps */
};

struct rl_http {
  rl_http_config cfg;
  rl_stats *stats;
  uint64_t held;           /* raw and trl bytes of every live message */
  llhttp_settings_t settings;
  rl__fieldvec resp_f, req_f, trl_f, rtrl_f;
  rl__secmemo secs;        /* header sections seen before (secmemo.h) */
  rl__hmsg *pool;          /* given-back messages, linked by next */
  /* Where messages, their buffers and the per-connection state come from
   * (common/bigalloc.h): freed blocks are reused by size, fresh ones lie
   * on huge pages, so a busy capture takes few page faults. */
  rl__pool mem;
  uint32_t pooled;
  /* RESPLINT_VERIFY_SCAN=1: every section described from the section memo
   * is scanned too, every llhttp state restored from it is checked by
   * running llhttp, and any difference aborts (see describe_head in http.c
   * and restore_head in dir.c). The counts are printed when the stage is
   * freed. */
  uint8_t verify_scan;
  uint64_t n_memo, n_scanned, n_restored, n_parsed, n_ended;
};

/* dir.c */
void rl__dir_data(rl__hdir *d, const uint8_t *p, size_t len, const rl_pktref *at);
void rl__dir_gap(rl__hdir *d, uint64_t len, const rl_pktref *at);
void rl__dir_end(rl__hdir *d, rl_end_kind how, const rl_pktref *at);
/* Drops what direction `d` still holds (not `d` itself: see http.c). */
void rl__dir_release(rl__hdir *d);
void rl__settings_init(llhttp_settings_t *s);
/* Whether p[0, n), from a ";" to the end of a chunk-size line (its CR
 * excluded), is a well-formed list of chunk extensions (chunkext.c). */
int rl__chunk_ext_rest_ok(const uint8_t *p, size_t n);

/* http.c */
rl__hmsg *rl__msg_new(rl__hdir *d, const rl_pktref *at);
void rl__msg_unref(rl__hmsg *m);
void rl__msg_event(rl__hmsg *m, rl_event_kind kind, uint64_t offset,
                   const char *hpe, const char *reason, const uint8_t *bytes,
                   size_t len);
size_t rl__buf_append(rl__pool *mem, uint8_t **buf, uint32_t *blen,
                      uint32_t *bcap, const uint8_t *p, size_t len,
                      uint32_t cap);
void rl__note(rl__hdir *d, rl_event_kind kind, uint64_t offset,
              const rl_pktref *at, const char *detail);
/* Pairs a response whose header section just ended with the oldest request
 * and decides its framing; returns the llhttp on_headers_complete verdict
 * (0 content follows, 1 no content, 2 tunnel). */
int rl__pair_response(rl__hdir *d, rl__hmsg *m);
/* Queues a request whose header section just ended. */
void rl__queue_request(rl__hdir *d, rl__hmsg *m);
/* Hands a finished response to the sink and drops it; drops a request. */
void rl__msg_finish(rl__hdir *d, rl__hmsg *m);

#endif
