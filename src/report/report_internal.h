/* The report stage's internals: the shared state of a report, the table of
 * output formats, and the escaping and location helpers every format uses.
 *
 * Each format (text.c, json.c, sarif.c, junit.c) implements the five calls of
 * report.h through an rl__report_format; report.c keeps what all formats
 * share (the counts behind the summary, the failed inputs, the current
 * input) so that a format only decides how things look. */
#ifndef RESPLINT_REPORT_INTERNAL_H
#define RESPLINT_REPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "resplint/report.h"

/* --- output (out.c) ---------------------------------------------------------
 * Every format writes through an rl__out: a buffer of its own in front of a
 * FILE, so that a finding costs a few memcpy instead of one stdio call per
 * piece (or per byte). rl__out_flush hands the buffer to the FILE with one
 * fwrite, so write errors still land on the FILE. */
typedef struct rl__out {
  FILE *f;
  char *buf;
  size_t len, cap;
  int heap;    /* no FILE: the buffer grows on the heap and is kept */
  int failed;  /* a heap buffer could not grow: bytes were lost */
  int partial; /* the buffer overflowed: the FILE holds part of a line */
} rl__out;

void rl__out_init(rl__out *o, FILE *f, char *buf, size_t cap);
/* A sink that only collects (JUnit's parts of a pending test case):
 * starts empty, grows as needed, rl__out_free releases it. */
void rl__out_init_heap(rl__out *o);
void rl__out_free(rl__out *o);
void rl__out_flush(rl__out *o); /* to the FILE (no fflush); a heap sink keeps its bytes */
void rl__out_slow(rl__out *o, const void *p, size_t n); /* append when full */
void rl__out_u64(rl__out *o, uint64_t v);               /* decimal */
/* Room for n more bytes at the buffer's end (the FILE sink is flushed, a
 * heap sink grows, first when needed), or NULL when the sink cannot hold n
 * bytes at once. A writer that reserves its worst case once can then store
 * with the rl__fmt_ helpers below, without a bounds check per piece (each
 * check and memcpy call cost more than the few bytes of a key or a number),
 * and ends with rl__out_commit. */
char *rl__out_reserve_slow(rl__out *o, size_t n);
static inline char *rl__out_reserve(rl__out *o, size_t n) {
  return n <= o->cap - o->len ? o->buf + o->len : rl__out_reserve_slow(o, n);
}
static inline void rl__out_commit(rl__out *o, char *end) { o->len = (size_t)(end - o->buf); }
/* The stores after a reserve: each writes at d and returns the end. A
 * number needs room for its digits, RL__U64_MAX at most; rl__fmt_padded
 * (width <= 10) stores ten zeros before its digits. */
enum { RL__U64_MAX = 20 };
char *rl__fmt_u64(char *d, uint64_t v);
char *rl__fmt_padded(char *d, uint32_t v, unsigned width); /* zero-padded, as %0*u */
extern const char rl__digits2[201]; /* "000102...99": two digits at a time */
static inline char *rl__fmt_2digits(char *d, uint32_t v) { /* v < 100, as %02u */
  memcpy(d, rl__digits2 + 2 * v, 2);
  return d + 2;
}
static inline char *rl__fmt_mem(char *d, const void *p, size_t n) {
  memcpy(d, p, n);
  return d + n;
}
#define RL__FMT_LIT(d, lit) rl__fmt_mem((d), "" lit, sizeof(lit) - 1)
void rl__out_int(rl__out *o, int v);
void rl__out_fill(rl__out *o, char c, size_t n); /* n copies of c */
/* For the cold paths (summaries, document heads) only. */
void rl__out_printf(rl__out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The appends, inline: the common case is a bounds check and a memcpy. */
static inline void rl__out_mem(rl__out *o, const void *p, size_t n) {
  if (n <= o->cap - o->len) {
    memcpy(o->buf + o->len, p, n);
    o->len += n;
  } else {
    rl__out_slow(o, p, n);
  }
}
static inline void rl__out_ch(rl__out *o, char c) {
  if (o->len < o->cap)
    o->buf[o->len++] = c;
  else
    rl__out_slow(o, &c, 1);
}
static inline void rl__out_str(rl__out *o, const char *s) { rl__out_mem(o, s, strlen(s)); }
/* A string literal: its length is known at compile time. */
#define RL__OUT_LIT(o, lit) rl__out_mem((o), "" lit, sizeof(lit) - 1)

/* The last string a writer escaped for JSON when escaping left it as it
 * was: the engine's verdict memo replays a rule's findings with
 * byte-identical messages and evidence again and again, and comparing and
 * copying them costs a third of escaping them again. Up to RL__MEMO_MAX
 * bytes (messages run to 80 or 90 with their values); one of at most
 * RL__MEMO_COPY is copied in one fixed-size move. */
enum { RL__MEMO_MAX = 256, RL__MEMO_COPY = 64 };
typedef struct rl__plain_memo {
  uint32_t len;
  char text[RL__MEMO_MAX];
} rl__plain_memo;

/* The part of a JSON line about the response and its request,
 * ,"status":S,"method":M,"target":T (json.c), kept with
 * everything it is made of: a response's findings repeat it, and so do the
 * responses of a server to the same request. Requests whose method and
 * target together are longer than RL__REQ_KEY_MAX are not kept. */
enum { RL__REQ_KEY_MAX = 256, RL__REQ_TEXT_MAX = 6 * RL__REQ_KEY_MAX + 128 };
typedef struct rl__req_part {
  int valid;
  int has_m, status;           /* the response, and its status when has_m */
  uint64_t mlen, tlen;         /* method and target lengths, UINT64_MAX when not shown */
  uint8_t key[RL__REQ_KEY_MAX]; /* their bytes, one after the other */
  size_t len;
  char text[RL__REQ_TEXT_MAX];
} rl__req_part;

/* Findings of one rule, for the summary. Strings are owned copies: a
 * finding's pointers live only during its callback. */
typedef struct rl__rule_count {
  char *id;
  char *name;
  rl_level level;
  uint64_t n;
  /* Text that every finding of the rule repeats, as the report's format
   * writes it (json.c: the line's opening; text.c: the headline's rule
   * part and the citation line), and what it was built from besides the
   * ID (a caller that builds its own rule infos may vary the rest). */
  char *head, *cite;
  size_t head_len, cite_len;
  const rl_rule_info *head_rule;
  rl_level head_level;
  /* The message and evidence as the report's format last left them
   * unescaped (JSON: rl__fmt_json_memo; text: rl__out_clean_memo). */
  rl__plain_memo msg, ev;
} rl__rule_count;

/* An input that could not be read completely. */
typedef struct rl__input_error {
  char *path;
  int err;
  char *detail;
} rl__input_error;

typedef struct rl__report_format {
  void (*begin_input)(rl_report *r);
  void (*finding)(rl_report *r, const rl_finding *f);
  void (*response)(rl_report *r, const rl_exchange *x);
  /* The input's error, if any, is already recorded in r->errors. */
  void (*end_input)(rl_report *r, int err, const char *detail);
  void (*finish)(rl_report *r, const rl_stats *stats,
                 const rl_engine_counts *counts);
  void (*free)(rl_report *r);
} rl__report_format;

/* JUnit keeps each input's test cases aside (in a temporary file, so a long
 * capture does not grow memory) until the input ends, because <testsuite>
 * carries their counts as attributes. */
typedef struct rl__junit_state {
  FILE *cases;        /* the test cases of the current input */
  rl__out co;         /* the buffer in front of `cases` */
  char co_buf[16 * 1024];
  rl__out body; /* the finding being rendered as text */
  /* The pending response's parts, each "open" once something was put in
   * (an open part makes the test case non-empty): */
  rl__out fail;  /* <failure> elements */
  rl__out out;   /* findings below fail_on */
  rl__out notes; /* connection-level findings below fail_on (the suite's) */
  int fail_open, out_open, notes_open;
  uint64_t tests, failures, pending_failures;
} rl__junit_state;

/* The formatted endpoints of one connection (escape.c), cached, since
 * inet_ntop and snprintf cost more than the rest of a JSON line; ctext and
 * stext are not NUL-terminated. */
enum { RL__CONN_MAX = 192 };
struct rl__ep_slot;
/* Writes a connection's text as a format shows it, from its stream number
 * and formatted endpoints, into buf (RL__CONN_MAX bytes); returns the
 * length. */
typedef size_t rl__conn_fn(char *buf, uint64_t stream, const struct rl__ep_slot *ep);
typedef struct rl__ep_slot {
  rl_endpoint client, server;
  char ctext[64], stext[64];
  uint8_t clen, slen;
  uint8_t used;
  /* The connection's text as conn_fn wrote it for stream conn_stream
   * (rl__conn_text): a format writes the same for every finding of a
   * connection. */
  rl__conn_fn *conn_fn;
  uint64_t conn_stream;
  size_t conn_len;
  char conn[RL__CONN_MAX];
} rl__ep_slot;

/* 256 endpoint slots, 128 sets of two ways (escape.c hashes to
 * RL__EP_SET_BITS): a capture of real traffic has hundreds of connections
 * open at once, and 32 sets lost a fifth of (c)'s to collisions. */
enum { RL__EP_SET_BITS = 7, RL__EP_SLOTS = 2 << RL__EP_SET_BITS };
enum { RL__OUT_CAP = 64 * 1024, RL__RULE_HINTS = 256 };
/* "frame":F,"ts":"T": keys, a number and a timestamp (RL__TS_MAX: 64). */
enum { RL__AT_MAX = 16 + RL__U64_MAX + 64 };

struct rl_report {
  rl_report_options opt;
  const rl__report_format *fmt;

  /* Where formats write: `o` is `&out` except while JUnit renders a
   * finding as text into a buffer of its own. */
  rl__out *o;
  rl__out out;
  char obuf[RL__OUT_CAP];

  /* Caches of formatted text (escape.c): endpoints per connection, and the
   * date-time part of the last timestamp's second. */
  rl__ep_slot ep[RL__EP_SLOTS];      /* sets of two ways */
  uint8_t ep_last[RL__EP_SLOTS / 2]; /* the way of each set used last */
  rl__ep_slot *ep_recent;            /* the slot found last, NULL at first */
  rl__plain_memo method, target; /* the last request's, for JSON */
  rl__req_part req;
  /* "frame":F,"ts":"T" of the last finding, with the packet it was made
   * of (json.c): a response's findings repeat it. */
  rl_pktref at;
  int at_valid;
  size_t at_len;
  char at_text[RL__AT_MAX];
  int64_t ts_sec;
  int ts_valid;
  size_t ts_len;
  char ts_day[40];
  /* The date part of the last day formatted, for a second not seen last
   * (the copies of a capture shifted in time alternate between seconds). */
  int64_t date_day;
  int date_valid;
  size_t date_len;
  char date[24];

  /* The current input. */
  char *path;
  int transcript;       /* a raw transcript: lines stand in for frames */
  uint8_t *tbytes;      /* its server bytes, to turn offsets into lines */
  size_t tlen;

  /* What the summary reports; the report counts what it was given, so a
   * caller that filters findings (a baseline) sees its own numbers. */
  uint64_t inputs;
  uint64_t responses;
  uint64_t findings[RL_LEVEL__COUNT];
  rl__rule_count *rules;
  size_t nrules, caprules;
  /* Where a rule's counter was last found, two guesses per set of rule
   * info addresses (report.c), confirmed by comparing the ID. */
  uint8_t rule_hint[RL__RULE_HINTS];
  rl__rule_count *cur; /* the current finding's rule (NULL on ENOMEM) */
  char *path_text;     /* the path as the format writes it, cached */
  size_t path_text_len;
  rl__input_error *errors;
  size_t nerrors;
  int oom;              /* a copy for the summary failed; the report is short */

  /* Format state. */
  int started;          /* SARIF/JUnit: the document's opening is written */
  uint64_t nresults;    /* SARIF results written, for the separators */
  size_t *by_id;        /* SARIF: engine rule indices sorted by rule ID */
  size_t nby_id;
  rl__junit_state junit;
};

/* The formats, indexed by rl_format. */
extern const rl__report_format rl__report_text;
extern const rl__report_format rl__report_json;
extern const rl__report_format rl__report_sarif;
extern const rl__report_format rl__report_junit;

/* --- escaping (escape.c) ---------------------------------------------------
 * Text escaping shows printable ASCII as is, the backslash as "\\" and every
 * other byte (controls, ESC, DEL, anything >= 0x80) as "\xNN": no wire byte
 * can reach a terminal as a control sequence, and the result is ASCII. */

/* Writes the escaped form of byte b into out (>= 5 bytes, NUL-terminated);
 * returns its length (1, 2 or 4). */
size_t rl__esc_byte(uint8_t b, char *out);
/* Writes p/n text-escaped. */
void rl__put_wire(rl__out *o, const uint8_t *p, size_t n);
/* Writes a string that is not wire bytes but may hold them (a message, a
 * file name): printable ASCII as is, backslashes included (the engine
 * escapes its messages already), every other byte as "\xNN". */
void rl__out_clean(rl__out *o, const char *s);
/* The same through a memo (NULL: none): a repeated plain string is copied. */
void rl__out_clean_memo(rl__out *o, rl__plain_memo *m, const char *s);
void rl__put_clean(FILE *f, const char *s); /* the same, to a FILE */
/* Writes p/n as a quoted JSON string (RFC 8259). Valid UTF-8 is kept;
 * controls, DEL and C1 controls become \u00XX, and each byte that is not
 * part of valid UTF-8 becomes \u00XX of the byte itself, so the output is
 * always valid JSON (a reader sees such bytes as U+0080..U+00FF). */
void rl__put_json(rl__out *o, const uint8_t *p, size_t n);
void rl__put_json_str(rl__out *o, const char *s);
/* The same stored at d, which has room for RL__JSON_BOUND(n) bytes. */
char *rl__fmt_json(char *d, const uint8_t *p, size_t n);
#define RL__JSON_BOUND(n) (6 * (size_t)(n) + 2 + RL__MEMO_COPY) /* + a memo's copy */
/* rl__fmt_json through a memo (NULL: none), and rl__put_json likewise. */
char *rl__fmt_json_memo_slow(rl__plain_memo *m, char *d, const uint8_t *p, size_t n);
static inline char *rl__fmt_json_memo(rl__plain_memo *m, char *d, const uint8_t *p, size_t n) {
  if (m && n && n <= RL__MEMO_COPY && n == m->len && memcmp(p, m->text, n) == 0) {
    /* The whole memo in one fixed-size copy (a few moves, no call): the
     * bound leaves room for it, and the quote overwrites what follows. */
    *d = '"';
    memcpy(d + 1, m->text, RL__MEMO_COPY);
    d[n + 1] = '"';
    return d + n + 2;
  }
  return rl__fmt_json_memo_slow(m, d, p, n);
}
void rl__put_json_memo(rl__out *o, rl__plain_memo *m, const uint8_t *p, size_t n);
/* Writes p/n text-escaped and then XML-escaped (for element text and
 * attribute values): pure ASCII with no character XML 1.0 forbids. */
void rl__put_xml(rl__out *o, const uint8_t *p, size_t n);
void rl__put_xml_str(rl__out *o, const char *s);
/* One byte of a string that is not wire bytes, as rl__put_xml_str writes it. */
void rl__put_xml_byte(rl__out *o, uint8_t c);
/* s/n written as rl__put_xml_str writes it, line feeds kept as they are
 * when keep_lf. */
void rl__put_xml_text(rl__out *o, const char *s, size_t n, int keep_lf);
/* Writes a file path as a URI reference: unreserved bytes and '/' as is,
 * everything else percent-encoded; an absolute path becomes a file: URI. */
void rl__put_uri(rl__out *o, const char *path);
/* Writes a capture time as RFC 3339 UTC ("2024-05-01T12:00:00.123456Z"):
 * six fractional digits, nine when the time has nanoseconds; the date and
 * time come from the report's per-second cache. */
void rl__put_ts(rl_report *r, rl__out *o, rl_time ts);
/* The same stored at d, which has room for RL__TS_MAX bytes (the day's
 * text is under 40, then '.' and the fraction's RL__U64_MAX of room). */
char *rl__fmt_ts(rl_report *r, char *d, rl_time ts);
enum { RL__TS_MAX = 64 };
/* The connection's endpoints as rl_endpoint_format writes them, from the
 * report's cache; valid until the next call. */
const rl__ep_slot *rl__endpoints(rl_report *r, const rl_conn *conn);
/* The connection's text as `build` writes it, from the same cache (its key
 * is the endpoints' values, the stream number and the builder, everything
 * the text is made of); valid until the next call. */
const char *rl__conn_text(rl_report *r, const rl_conn *conn, rl__conn_fn *build, size_t *len);

/* --- locations (locate.c) ------------------------------------------------- */

/* Where a finding's evidence is: the lines of a header (or trailer) section
 * that hold it, or only the bytes when they lie elsewhere (content,
 * forbidden content, parser evidence outside the section). */
typedef struct rl__loc {
  const uint8_t *sec;  /* the section holding the span, NULL when outside */
  size_t seclen;
  size_t span_off;     /* the marked span within sec */
  size_t span_len;
  const uint8_t *ev;   /* the evidence bytes (NULL when none) */
  size_t evlen;
  uint64_t stream_off; /* stream offset of the span's first byte */
} rl__loc;

/* Locates f's evidence. A finding on a response without evidence marks the
 * status code (the status line when there is none) of the response. */
void rl__locate(const rl_finding *f, rl__loc *loc);
/* Writes the keys that say where a finding is, without braces: "frame",
 * "ts", "stream", "client", "server", "status", "method", "target", "index",
 * "evidence", "offset" (each only when known). The JSON Lines contract and
 * the SARIF result properties carry the same keys. */
void rl__put_json_where(rl_report *r, rl__out *o, const rl_finding *f, const rl__loc *loc);
/* The same stored at d, which has room for rl__json_where_bound bytes. */
size_t rl__json_where_bound(const rl_finding *f, const rl__loc *loc);
char *rl__json_where(rl_report *r, char *d, const rl_finding *f, const rl__loc *loc);
/* The 1-based line of the current transcript holding stream offset `off`
 * (CR, LF and CRLF end a line, as SARIF counts them); 0 when the input is
 * not a transcript. */
uint64_t rl__transcript_line(const rl_report *r, uint64_t off);
/* The request line of the exchange's request, NULL when not captured. */
const uint8_t *rl__request_line(const rl_exchange *x, size_t *len);

/* --- shared summary data (report.c) -------------------------------------- */

/* Ends a finding of a streaming format (text, JSON Lines): flushes it to the
 * FILE and the FILE itself unless the caller allowed batching, so that a
 * live capture or a terminal shows each finding as it comes. */
void rl__report_finding_flush(rl_report *r);
static inline void rl__report_finding_done(rl_report *r) {
  /* Batched, the buffer goes out once half full, always at the end of a
   * finding and with the FILE flushed behind it, so that what else is
   * written to the same file or terminal (warnings on stderr, 2>&1) falls
   * between lines, never inside one. */
  if (!r->opt.batch || r->o->len >= r->o->cap / 2 || r->o->partial)
    rl__report_finding_flush(r);
}

/* What a format writes for every finding of a rule or an input, built once:
 * `build` writes it (at most `bound` bytes) into a fresh heap buffer.
 * NULL on ENOMEM. */
typedef void rl__build_fn(rl_report *r, rl__out *o, const rl_finding *f);
char *rl__build_text(rl_report *r, const rl_finding *f, size_t bound, size_t *len,
                     rl__build_fn *build);
/* The current finding's rule counter with its cached text reset when the
 * text was built for another rule info or level; NULL on ENOMEM. */
void rl__rule_cache_reset(rl__rule_count *c, const rl_finding *f);
static inline rl__rule_count *rl__rule_cache(rl_report *r, const rl_finding *f) {
  rl__rule_count *c = r->cur;
  if (c && (c->head_rule != f->rule || c->head_level != f->level))
    rl__rule_cache_reset(c, f);
  return c;
}
/* Writes the text cached in *slot, building it first when missing (each
 * finding writes it uncached when the memory cannot be had). */
void rl__put_cached(rl_report *r, rl__out *o, const rl_finding *f, char **slot, size_t *len,
                    size_t bound, rl__build_fn *build);

/* "error", "warning", "note": SARIF's names for the levels. */
const char *rl__sarif_level(rl_level l);

/* Writes the JSON summary object (without the {"summary": } wrapper), used
 * by JSON Lines and by the SARIF run's property bag. */
void rl__write_summary_json(rl_report *r, rl__out *o, const rl_stats *stats,
                            const rl_engine_counts *counts);

#endif
