/* Bounds-checked readers for wire bytes, shared by every decode layer.
 *
 * Packet bytes are never cast to structs: each layer first checks that a
 * header fits (rl__has), then reads fields with the accessors below, which
 * check the bounds again and yield 0 outside the view. A wrong offset is
 * therefore a wrong value, never an out-of-bounds read. */
#ifndef RESPLINT_DECODE_BYTES_H
#define RESPLINT_DECODE_BYTES_H

#include <stdint.h>
#include <string.h>

/* A borrowed, length-delimited view of packet bytes. */
typedef struct rl__bytes {
  const uint8_t *p;
  uint32_t len;
} rl__bytes;

/* Returns 1 if [off, off+n) lies inside the view. */
static inline int rl__has(rl__bytes b, uint32_t off, uint32_t n) {
  return off <= b.len && n <= b.len - off;
}

static inline uint8_t rl__u8(rl__bytes b, uint32_t off) {
  return rl__has(b, off, 1) ? b.p[off] : 0;
}

static inline uint16_t rl__be16(rl__bytes b, uint32_t off) {
  if (!rl__has(b, off, 2))
    return 0;
  return (uint16_t)((b.p[off] << 8) | b.p[off + 1]);
}

static inline uint32_t rl__be32(rl__bytes b, uint32_t off) {
  if (!rl__has(b, off, 4))
    return 0;
  return ((uint32_t)b.p[off] << 24) | ((uint32_t)b.p[off + 1] << 16) |
         ((uint32_t)b.p[off + 2] << 8) | (uint32_t)b.p[off + 3];
}

static inline uint32_t rl__le32(rl__bytes b, uint32_t off) {
  if (!rl__has(b, off, 4))
    return 0;
  return ((uint32_t)b.p[off + 3] << 24) | ((uint32_t)b.p[off + 2] << 16) |
         ((uint32_t)b.p[off + 1] << 8) | (uint32_t)b.p[off];
}

/* Copies n bytes at off into out; returns 0, or -1 (and copies nothing)
 * when they do not fit in the view. */
static inline int rl__copy(rl__bytes b, uint32_t off, void *out, uint32_t n) {
  if (!rl__has(b, off, n))
    return -1;
  memcpy(out, b.p + off, n); /* a byte loop cost ~8 instructions a byte */
  return 0;
}

/* The view from off on, at most n bytes (clamped to what exists). */
static inline rl__bytes rl__sub(rl__bytes b, uint32_t off, uint32_t n) {
  rl__bytes s = {b.p, 0};
  if (off > b.len || !b.p)
    return s;
  s.p = b.p + off;
  s.len = b.len - off < n ? b.len - off : n;
  return s;
}

/* The view from off to its end. */
static inline rl__bytes rl__rest(rl__bytes b, uint32_t off) {
  return rl__sub(b, off, UINT32_MAX);
}

#endif
