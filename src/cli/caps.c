/* Resource caps: one table (caps.h) gives the options, the configuration
 * keys and the checks, so that a cap cannot be settable in one place and
 * not the other. */
#include "cli/caps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cap_info {
  const char *name;
  int unit;
  uint64_t max;
} cap_info;

static const cap_info caps[RL__CAP__COUNT] = {
#define RL__CAP_INFO(e, name, unit, max, def) {name, unit, (uint64_t)(max)},
    RL__CAPS(RL__CAP_INFO)
#undef RL__CAP_INFO
};

int rl__cap_lookup(const char *name) {
  for (int i = 0; i < RL__CAP__COUNT; i++)
    if (strcmp(caps[i].name, name) == 0)
      return i;
  return -1;
}

const char *rl__cap_name(int cap) { return caps[cap].name; }

/* The multiplier of a size suffix (K, M, G, either case), 1 for none, 0
 * for anything else. */
static uint64_t suffix_scale(const char *s) {
  if (!s[0])
    return 1;
  if (s[1])
    return 0;
  switch (s[0]) {
  case 'k':
  case 'K':
    return 1024;
  case 'm':
  case 'M':
    return 1024 * 1024;
  case 'g':
  case 'G':
    return 1024 * 1024 * 1024;
  default:
    return 0;
  }
}

int rl__cap_parse(int cap, const char *text, uint64_t *out, char *why, size_t whylen) {
  const cap_info *c = &caps[cap];
  snprintf(why, whylen, "%s from 1 to %" PRIu64 "%s",
           c->unit == RL__CAPU_BYTES     ? "a size in bytes"
           : c->unit == RL__CAPU_SECONDS ? "a whole number of seconds"
                                        : "a whole number",
           c->max, c->unit == RL__CAPU_BYTES ? " (K, M or G may follow)" : "");
  if (text[0] < '0' || text[0] > '9')
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  uint64_t scale = c->unit == RL__CAPU_BYTES ? suffix_scale(end) : (*end ? 0 : 1);
  if (errno || scale == 0 || v == 0 || v > c->max / scale)
    return -1;
  *out = (uint64_t)v * scale;
  return 0;
}

void rl__caps_merge(rl__caps *out, const rl__caps *first, const rl__caps *second) {
  for (int i = 0; i < RL__CAP__COUNT; i++)
    out->v[i] = first->v[i] ? first->v[i] : second ? second->v[i] : 0;
}

/* The table bounds every uint32_t cap by UINT32_MAX, so these narrowings
 * keep the value. */
static void set32(uint32_t *field, uint64_t v) {
  if (v)
    *field = (uint32_t)v;
}

static void set64(uint64_t *field, uint64_t v) {
  if (v)
    *field = v;
}

void rl__caps_flow(const rl__caps *c, rl_flow_config *fc) {
  set32(&fc->max_flows, c->v[RL__CAP_FLOWS]);
  set32(&fc->idle_timeout_s, c->v[RL__CAP_IDLE]);
  set32(&fc->max_ooo_per_stream, c->v[RL__CAP_OOO_STREAM]);
  set64(&fc->max_ooo_total, c->v[RL__CAP_OOO_TOTAL]);
}

void rl__caps_decode(const rl__caps *c, rl_decode_limits *dl) {
  set32(&dl->max_frag_datagrams, c->v[RL__CAP_FRAG_DATAGRAMS]);
  set32(&dl->max_frag_bytes, c->v[RL__CAP_FRAG_BYTES]);
}

void rl__caps_http(const rl__caps *c, rl_http_config *hc) {
  set32(&hc->max_header_bytes, c->v[RL__CAP_HEADER_BYTES]);
  set64(&hc->max_header_total, c->v[RL__CAP_HEADER_TOTAL]);
  set32(&hc->max_fields, c->v[RL__CAP_FIELDS]);
  set32(&hc->max_pending, c->v[RL__CAP_PENDING]);
  set32(&hc->max_pending_bytes, c->v[RL__CAP_PENDING_BYTES]);
}
