/* Client/server orientation for conversations whose handshake was not
 * captured: decided once, from the first payload, so that the sink never
 * sees a connection change sides. */
#include "flow/flow_internal.h"

/* The longest method token recognised; registered methods are shorter
 * ("BASELINE-CONTROL" has 16 characters). */
#define RL__METHOD_MAX 24

int rl__flow_looks_like_status(const uint8_t *p, size_t n) {
  static const char prefix[] = "HTTP/";
  size_t k = sizeof prefix - 1;
  if (n <= k) {
    return 0;
  }
  for (size_t i = 0; i < k; i++) {
    if (p[i] != (uint8_t)prefix[i]) {
      return 0;
    }
  }
  return p[k] >= '0' && p[k] <= '9';
}

/* Method names in the IANA registry are upper-case letters and '-'; the
 * narrower alphabet (rather than any token character) keeps banners such as
 * "220 ready" from passing for requests. */
static int method_char(uint8_t ch) {
  return (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_';
}

int rl__flow_looks_like_request(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n && i < RL__METHOD_MAX && method_char(p[i])) {
    i++;
  }
  return i > 0 && i < n && p[i] == ' ';
}

int rl__flow_is_service_port(uint16_t port) {
  static const uint16_t alt[] = {8080, 8000, 8008, 8443, 3128, 8888};
  if (port < 1024) {
    return 1;
  }
  for (size_t i = 0; i < sizeof alt / sizeof alt[0]; i++) {
    if (port == alt[i]) {
      return 1;
    }
  }
  return 0;
}

int rl__flow_sender_is_client(const rl_segment *seg) {
  const uint8_t *p = seg->payload;
  size_t n = p ? seg->payload_len : 0;
  if (rl__flow_looks_like_status(p, n)) {
    return 0;
  }
  if (rl__flow_looks_like_request(p, n)) {
    return 1;
  }
  int src_svc = rl__flow_is_service_port(seg->src.port);
  int dst_svc = rl__flow_is_service_port(seg->dst.port);
  if (src_svc != dst_svc) {
    return dst_svc;
  }
  if (seg->src.port != seg->dst.port) {
    return seg->dst.port < seg->src.port;
  }
  /* Equal ports say nothing; whoever speaks first is taken as the client. */
  return 1;
}
