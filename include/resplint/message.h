/* resplint: the message model, the contract between the http stage and the
 * engine.
 *
 * A message keeps its header section exactly as it was sent (copied into a
 * per-message buffer with a cap) and describes it with spans into that
 * buffer: the start line and each field line with its name, value, line
 * ending and oddities. Content is counted, not stored; only a small prefix is
 * kept. Everything the rules judge is here, so a rule never re-reads the wire.
 *
 * Lifetime: an rl_exchange and everything it points to is valid only during
 * the rl_http_sink.exchange call that hands it out.
 */
#ifndef RESPLINT_MESSAGE_H
#define RESPLINT_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/events.h"
#include "resplint/flow.h"

/* A byte range inside rl_message.raw. */
typedef struct rl_span {
  uint32_t off;
  uint32_t len;
} rl_span;

/* How a line ended. */
typedef enum rl_eol {
  RL_EOL_CRLF = 0,
  RL_EOL_LF = 1,   /* bare LF */
  RL_EOL_CR = 2,   /* bare CR (not followed by LF) */
  RL_EOL_NONE = 3  /* the section was cut before the line ended */
} rl_eol;

/* Field names that rules and the http stage refer to, resolved once when a
 * field is recorded. XX(ENUM, "canonical-name") */
#define RL_FIELD_MAP(XX)                                   \
  XX(ACCEPT_RANGES, "Accept-Ranges")                       \
  XX(AGE, "Age")                                           \
  XX(ALLOW, "Allow")                                       \
  XX(A_IM, "A-IM")                                         \
  XX(AUTHORIZATION, "Authorization")                       \
  XX(CACHE_CONTROL, "Cache-Control")                       \
  XX(CONNECTION, "Connection")                             \
  XX(CONTENT_ENCODING, "Content-Encoding")                 \
  XX(CONTENT_LANGUAGE, "Content-Language")                 \
  XX(CONTENT_LENGTH, "Content-Length")                     \
  XX(CONTENT_LOCATION, "Content-Location")                 \
  XX(CONTENT_MD5, "Content-MD5")                           \
  XX(CONTENT_RANGE, "Content-Range")                       \
  XX(CONTENT_TYPE, "Content-Type")                         \
  XX(COOKIE, "Cookie")                                     \
  XX(DATE, "Date")                                         \
  XX(ETAG, "ETag")                                         \
  XX(EXPECT, "Expect")                                     \
  XX(EXPIRES, "Expires")                                   \
  XX(FROM, "From")                                         \
  XX(HOST, "Host")                                         \
  XX(IF_MATCH, "If-Match")                                 \
  XX(IF_MODIFIED_SINCE, "If-Modified-Since")               \
  XX(IF_NONE_MATCH, "If-None-Match")                       \
  XX(IF_RANGE, "If-Range")                                 \
  XX(IF_UNMODIFIED_SINCE, "If-Unmodified-Since")           \
  XX(IM, "IM")                                             \
  XX(KEEP_ALIVE, "Keep-Alive")                             \
  XX(LAST_MODIFIED, "Last-Modified")                       \
  XX(LINK, "Link")                                         \
  XX(LOCATION, "Location")                                 \
  XX(MAX_FORWARDS, "Max-Forwards")                         \
  XX(P3P, "P3P")                                           \
  XX(PRAGMA, "Pragma")                                     \
  XX(PROXY_AUTHENTICATE, "Proxy-Authenticate")             \
  XX(PROXY_AUTHORIZATION, "Proxy-Authorization")           \
  XX(PROXY_CONNECTION, "Proxy-Connection")                 \
  XX(RANGE, "Range")                                       \
  XX(REFERER, "Referer")                                   \
  XX(RETRY_AFTER, "Retry-After")                           \
  XX(SERVER, "Server")                                     \
  XX(SET_COOKIE, "Set-Cookie")                             \
  XX(STRICT_TRANSPORT_SECURITY, "Strict-Transport-Security") \
  XX(TE, "TE")                                             \
  XX(TRAILER, "Trailer")                                   \
  XX(TRANSFER_ENCODING, "Transfer-Encoding")               \
  XX(UPGRADE, "Upgrade")                                   \
  XX(USER_AGENT, "User-Agent")                             \
  XX(VARY, "Vary")                                         \
  XX(VIA, "Via")                                           \
  XX(WARNING, "Warning")                                   \
  XX(WWW_AUTHENTICATE, "WWW-Authenticate")

typedef enum rl_field_id {
  RL_FIELD_OTHER = 0,
#define RL__FIELD_ENUM(e, name) RL_FIELD_##e,
  RL_FIELD_MAP(RL__FIELD_ENUM)
#undef RL__FIELD_ENUM
  RL_FIELD__COUNT
} rl_field_id;

/* Resolves a field name (case-insensitive) to its id, RL_FIELD_OTHER if it
 * is not in the table. */
rl_field_id rl_field_lookup(const char *name, size_t len);
/* The canonical spelling of a known field, NULL for RL_FIELD_OTHER. */
const char *rl_field_name(rl_field_id id);

/* Oddities of one field line, as seen on the wire. */
enum {
  RL_FL_WS_BEFORE_COLON = 1 << 0, /* "Name : value" */
  RL_FL_NO_COLON = 1 << 1,        /* a line with no colon at all */
  RL_FL_EMPTY_NAME = 1 << 2,      /* the line starts with ':' */
  RL_FL_OBS_FOLD = 1 << 3,        /* the value continues on obs-fold lines */
  RL_FL_BARE_CR = 1 << 4,         /* a CR not followed by LF inside the line */
  RL_FL_LEADING_WS = 1 << 5       /* the line starts with whitespace (first line
                                     after the start line, not a fold) */
};

/* One field line (with its obs-fold continuation lines, if any). */
typedef struct rl_field {
  rl_span line;       /* the whole line(s), without the final line ending */
  rl_span name;       /* as sent (may include whitespace before the colon) */
  rl_span value;      /* without leading/trailing OWS; across folds if any */
  rl_field_id id;
  uint16_t flags;     /* RL_FL_* */
  uint8_t eol;        /* rl_eol of the (last) line */
  uint8_t fold_lines; /* number of obs-fold continuation lines */
} rl_field;

/* How the content of a message is delimited. */
typedef enum rl_framing {
  RL_FRAMING_NONE = 0,     /* no content by definition (1xx, 204, 304, HEAD, ...) */
  RL_FRAMING_LENGTH = 1,   /* Content-Length */
  RL_FRAMING_CHUNKED = 2,  /* Transfer-Encoding: chunked */
  RL_FRAMING_CLOSE = 3,    /* read until the connection closes */
  RL_FRAMING_TUNNEL = 4    /* 101, or 2xx to CONNECT: the connection switched */
} rl_framing;

/* Why a message did not complete. */
typedef enum rl_cut {
  RL_CUT_NONE = 0,         /* complete */
  RL_CUT_HEADERS = 1,      /* closed or ended inside the header section */
  RL_CUT_LENGTH = 2,       /* closed before Content-Length bytes arrived */
  RL_CUT_CHUNKED = 3,      /* closed inside a chunked body (no last chunk) */
  RL_CUT_GAP = 4,          /* bytes of the message are missing from the capture */
  RL_CUT_CAPTURE_END = 5,  /* the capture ended inside the message */
  RL_CUT_PARSE_ERROR = 6   /* the parser stopped; see the events */
} rl_cut;

/* An event attached to a message (parse error, chunk extension, gap...). */
typedef struct rl_msg_event {
  rl_event_kind kind;
  uint64_t offset;        /* stream offset where it happened */
  const char *hpe_name;   /* for parse errors: llhttp's "HPE_INVALID_STATUS" */
  const char *reason;     /* for parse errors: llhttp's reason, static or raw-owned */
  rl_span evidence;       /* the offending bytes in `raw`, len 0 if none */
  const uint8_t *extra;   /* evidence outside `raw` (kept by the http stage) */
  uint32_t extra_len;
} rl_msg_event;

typedef struct rl_message {
  /* The header section as sent: start line, field lines, the empty line.
   * raw_len <= the configured cap; raw_total is the real size. */
  const uint8_t *raw;
  uint32_t raw_len;
  uint32_t raw_total;

  /* Start line. For a response: version, status, reason; for a request:
   * method, target, version. Spans are empty when absent. */
  rl_span start_line; /* without its line ending */
  uint8_t start_eol;  /* rl_eol */
  rl_span version;    /* "HTTP/1.1" exactly as sent */
  rl_span status;     /* the status-code digits as sent */
  rl_span reason;     /* the reason phrase (may be empty) */
  rl_span method;
  rl_span target;
  int status_code;    /* 100..999 parsed from `status`, -1 if not 3 digits */
  uint8_t http_major, http_minor; /* as understood by the parser */
  uint8_t is_response;

  const rl_field *fields;
  uint32_t nfields;
  const rl_field *trailers; /* spans into trailer_raw */
  uint32_t ntrailers;
  const uint8_t *trailer_raw;
  uint32_t trailer_raw_len;

  /* Content. */
  rl_framing framing;
  rl_cut cut;
  uint64_t content_length_declared; /* when framing == LENGTH */
  uint64_t content_bytes;  /* content bytes seen (after de-chunking) */
  uint64_t wire_bytes;     /* all bytes of the message on the wire */
  const uint8_t *content_prefix; /* the first bytes of content */
  uint32_t content_prefix_len;
  uint32_t chunk_count;
  /* Bytes that followed a response that cannot have content (1xx, 204, 304,
   * a response to HEAD) and did not begin a status line: its forbidden
   * content, attached here rather than parsed as a broken next message. */
  uint64_t forbidden_bytes;
  const uint8_t *forbidden_prefix;
  uint32_t forbidden_prefix_len;

  /* Where it was on the wire. */
  uint64_t stream_offset;           /* offset of the first byte */
  rl_pktref first, last;            /* packets with the first and last byte */
  uint32_t index;                   /* position on the connection (0-based) */

  const rl_msg_event *events;
  uint32_t nevents;
} rl_message;

/* What is known about the request a response answers. */
typedef enum rl_request_state {
  RL_REQ_PAIRED = 0,        /* the request was captured and paired */
  RL_REQ_NOT_CAPTURED = 1,  /* one-sided capture, or the start was missed */
  RL_REQ_NONE = 2           /* the connection start was captured and no
                               request is outstanding: unsolicited */
} rl_request_state;

/* One response and everything it is judged against. */
typedef struct rl_exchange {
  const rl_conn *conn;
  const rl_message *response;
  const rl_message *request;    /* NULL unless request_state == RL_REQ_PAIRED */
  rl_request_state request_state;
  uint8_t interim;              /* response is 1xx; the request stays pending */
  uint8_t after_close;          /* an earlier response on this connection said
                                   Connection: close */
  const char *source;           /* input file name, for reports */
} rl_exchange;

#endif
