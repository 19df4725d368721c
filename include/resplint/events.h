/* resplint: events raised by the lower stages.
 *
 * Decoders stay silent: capture, decode, flow and http never print or judge.
 * They raise the named events below, and only the engine turns events into
 * findings (a rule record refers to an event by its name: `event: tcp-gap`).
 * The table is the single list of event names; add new ones here.
 */
#ifndef RESPLINT_EVENTS_H
#define RESPLINT_EVENTS_H

#include <stdint.h>

/* XX(ENUM, "name", description) */
#define RL_EVENT_MAP(XX)                                                         \
  /* transport and capture */                                                    \
  XX(TCP_GAP, "tcp-gap", "bytes of the stream are missing from the capture")    \
  XX(TRUNCATED_PACKET, "truncated-packet", "packet cut by the snapshot length") \
  XX(RETRANSMISSION_MISMATCH, "retransmission-mismatch",                         \
     "a retransmitted segment carries different bytes than the original")        \
  XX(OOO_LIMIT, "out-of-order-limit",                                            \
     "out-of-order bytes exceeded the buffer cap; declared a gap")               \
  XX(FLOW_EVICTED, "flow-evicted", "connection evicted before it closed")        \
  XX(CAPTURE_ENDED, "capture-ended-mid-message",                                 \
     "the capture ends inside a message")                                        \
  XX(NOT_HTTP, "not-http", "the stream does not carry HTTP/1.x")                 \
  XX(PROTOCOL_SWITCHED, "protocol-switched",                                     \
     "the connection left HTTP/1.x (101 or CONNECT tunnel)")                     \
  XX(REQUEST_NOT_CAPTURED, "request-not-captured",                               \
     "a response whose request is not in the capture")                           \
  /* HTTP messaging */                                                           \
  XX(PARSE_ERROR, "parse-error", "the HTTP parser rejected the bytes")           \
  XX(DATA_AFTER_MESSAGE, "data-after-message",                                   \
     "bytes where the next status line should begin")                            \
  XX(CONTENT_AFTER_BODILESS, "content-after-bodiless-response",                  \
     "bytes after a response that cannot have content")                          \
  XX(CLOSED_IN_HEADERS, "closed-in-header-section",                              \
     "connection closed inside a header section")                                \
  XX(CLOSED_IN_LENGTH, "closed-before-content-length",                           \
     "connection closed before Content-Length bytes arrived")                    \
  XX(CLOSED_IN_CHUNKED, "closed-in-chunked-body",                                \
     "connection closed inside a chunked body")                                  \
  XX(CHUNK_EXTENSION, "chunk-extension", "a chunk carries an extension")         \
  XX(INVALID_CHUNK_SIZE, "invalid-chunk-size", "chunk-size is not valid hex")    \
  XX(CHUNK_WITHOUT_CRLF, "chunk-without-crlf",                                   \
     "chunk data is not followed by CRLF")                                       \
  XX(RESPONSE_AFTER_CLOSE, "response-after-connection-close",                    \
     "the server sent more after Connection: close")                             \
  XX(UNSOLICITED_RESPONSE, "unsolicited-response",                               \
     "a response with no outstanding request")                                   \
  XX(PENDING_LIMIT, "pending-request-limit",                                     \
     "too many pipelined requests awaiting a response")                          \
  XX(HEADER_LIMIT, "header-section-limit",                                       \
     "header section larger than the buffer cap")                                \
  XX(RESYNC, "resync-skipped",                                                   \
     "bytes skipped while looking for the start of the next message")            \
  XX(DATA_BEFORE_RESPONSE, "data-before-response",                               \
     "bytes that are no part of a message before the first response")

typedef enum rl_event_kind {
#define RL__EVENT_ENUM(e, name, desc) RL_EV_##e,
  RL_EVENT_MAP(RL__EVENT_ENUM)
#undef RL__EVENT_ENUM
  RL_EV__COUNT
} rl_event_kind;

/* "tcp-gap" for RL_EV_TCP_GAP; NULL for an out-of-range kind. */
const char *rl_event_name(rl_event_kind kind);
const char *rl_event_description(rl_event_kind kind);
/* Returns the kind named `name`, or -1. */
int rl_event_lookup(const char *name);

#endif
