/* Resource caps of the stages (issue #8), as options and configuration.
 *
 * Each cap is a field of a stage's configuration whose 0 selects the
 * stage's default; the command line (--cap-NAME) and the configuration
 * file (caps: NAME:) only ever override it with a positive value. */
#ifndef RESPLINT_CLI_CAPS_H
#define RESPLINT_CLI_CAPS_H

#include <stdint.h>

#include "resplint/decode.h"
#include "resplint/flow.h"
#include "resplint/http.h"

/* The unit of a cap's value: a count, seconds, or bytes (which may take a
 * K, M or G suffix, powers of 1024). */
enum { RL__CAPU_COUNT, RL__CAPU_SECONDS, RL__CAPU_BYTES };

/* X(ENUM, name, unit, largest value, default as documented) */
#define RL__CAPS(X)                                                         \
  X(FLOWS, "flows", RL__CAPU_COUNT, UINT32_MAX, "1000000")                   \
  X(IDLE, "idle", RL__CAPU_SECONDS, UINT32_MAX, "600")                       \
  X(OOO_STREAM, "ooo-stream", RL__CAPU_BYTES, UINT32_MAX, "1M")              \
  X(OOO_TOTAL, "ooo-total", RL__CAPU_BYTES, INT64_MAX, "256M")               \
  X(HEADER_BYTES, "header-bytes", RL__CAPU_BYTES, UINT32_MAX, "64K")         \
  X(HEADER_TOTAL, "header-total", RL__CAPU_BYTES, INT64_MAX, "256M")         \
  X(FIELDS, "fields", RL__CAPU_COUNT, UINT32_MAX, "10000")                   \
  X(PENDING, "pending", RL__CAPU_COUNT, UINT32_MAX, "1024")                  \
  X(PENDING_BYTES, "pending-bytes", RL__CAPU_BYTES, UINT32_MAX, "4M")        \
  X(FRAG_DATAGRAMS, "frag-datagrams", RL__CAPU_COUNT, UINT32_MAX, "1024")    \
  X(FRAG_BYTES, "frag-bytes", RL__CAPU_BYTES, UINT32_MAX, "16M")

enum {
#define RL__CAP_ENUM(e, name, unit, max, def) RL__CAP_##e,
  RL__CAPS(RL__CAP_ENUM)
#undef RL__CAP_ENUM
  RL__CAP__COUNT
};

/* Values as given; 0 where none was (the stage's default applies). */
typedef struct rl__caps {
  uint64_t v[RL__CAP__COUNT];
} rl__caps;

/* The cap called `name` ("flows", "header-bytes"...), or -1. */
int rl__cap_lookup(const char *name);

/* The cap's name, as in --cap-NAME and caps: NAME. */
const char *rl__cap_name(int cap);

/* Parses a value of cap `cap`: a whole number from 1 to the cap's largest
 * value, with a K, M or G suffix for bytes. Returns 0 and sets *out, or -1;
 * then `why` (at least 128 bytes) says what was expected. */
int rl__cap_parse(int cap, const char *text, uint64_t *out, char *why, size_t whylen);

/* Takes the caps of `first` and, where it has none, of `second` (may be
 * NULL) into `out`. */
void rl__caps_merge(rl__caps *out, const rl__caps *first, const rl__caps *second);

/* Writes the caps into the stages' configurations (only the given ones:
 * the rest keep their value, normally 0 for the default). */
void rl__caps_flow(const rl__caps *c, rl_flow_config *fc);
void rl__caps_decode(const rl__caps *c, rl_decode_limits *dl);
void rl__caps_http(const rl__caps *c, rl_http_config *hc);

#endif
