/* Internal helpers of the capture stage, shared by its files and tests. */
#ifndef RESPLINT_CAPTURE_INTERNAL_H
#define RESPLINT_CAPTURE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pcap/pcap.h>

#include "resplint/capture.h"

enum { RL__CAPTURE_NONE = 0, RL__CAPTURE_PCAP = 1, RL__CAPTURE_PCAPNG = 2 };

/* Classifies the first `n` bytes of a file by magic number: RL__CAPTURE_PCAP
 * (any byte order, micro- or nanosecond), RL__CAPTURE_PCAPNG, or
 * RL__CAPTURE_NONE. */
int rl__capture_magic_kind(const uint8_t *b, size_t n);

/* pcapread.c: the fast path for classic pcap files (see there). */
enum { RL__PCAP_RECORD = 16 }; /* bytes of a record header */

/* The record block in hand and what the inline rl__pcapread_next needs;
 * the rest is pcapread.c's. */
typedef struct rl__pcapread {
  const uint8_t *at;   /* the next record */
  const uint8_t *end;  /* the end of the bytes in hand */
  uint32_t snap;       /* libpcap's snapshot length: longer records go to it */
  uint32_t frac_scale; /* 1000: microsecond timestamps, 1: nanosecond */
  int swap;            /* the file's byte order is not the host's */
  int fd;
  uint64_t base;       /* file offset of buf[0] */
  uint8_t *buf;
} rl__pcapread;

/* A reader of the file open on `fd` (pread only, never moving its offset),
 * from its first record on; NULL when the file is not one it takes (or on
 * ENOMEM): libpcap reads it all then. `snapshot` is libpcap's. */
rl__pcapread *rl__pcapread_new(int fd, uint32_t snapshot);
void rl__pcapread_free(rl__pcapread *r); /* NULL is a no-op */

/* The slow path of rl__pcapread_next: reads more of the file. */
int rl__pcapread_more(rl__pcapread *r, rl_packet *pkt);

/* File offset of the next record: where libpcap reads on. */
uint64_t rl__pcapread_offset(const rl__pcapread *r);

/* A 32-bit field of a record header in the file's byte order. */
static inline uint32_t rl__pcapread_u32(const rl__pcapread *r, const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  if (r->swap)
    v = v >> 24 | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | v << 24;
  return v;
}

/* Fills pkt's record fields from the header at `p` whose `caplen` bytes
 * are in hand, and steps past the record. As libpcap: the seconds are a
 * signed 32-bit field, the fraction is handed out in nanoseconds (the
 * multiplication wraps as libpcap's does). */
static inline void rl__pcapread_take(rl__pcapread *r, const uint8_t *p, uint32_t caplen,
                                     rl_packet *pkt) {
  pkt->ts.sec = (int32_t)rl__pcapread_u32(r, p);
  pkt->ts.nsec = rl__pcapread_u32(r, p + 4) * r->frac_scale;
  pkt->caplen = caplen;
  pkt->wirelen = rl__pcapread_u32(r, p + 12);
  pkt->data = p + RL__PCAP_RECORD;
  r->at = p + RL__PCAP_RECORD + caplen;
}

/* Returns 1 with the next record's data, lengths and timestamp in pkt
 * (data valid until the next call) when it is wholly in hand; 0 when
 * rl__pcapread_more must be asked. Inline and without calls: a record in
 * hand costs a few loads and compares. */
static inline int rl__pcapread_try(rl__pcapread *r, rl_packet *pkt) {
  const uint8_t *p = r->at;
  size_t avail = (size_t)(r->end - p);
  if (avail < RL__PCAP_RECORD)
    return 0;
  uint32_t caplen = rl__pcapread_u32(r, p + 8);
  if (caplen > r->snap || avail - RL__PCAP_RECORD < caplen)
    return 0;
  rl__pcapread_take(r, p, caplen, pkt);
  return 1;
}

/* Returns 1 with the next record in pkt, or 0 when libpcap must read on
 * from rl__pcapread_offset(): at the end of the file, and at any record
 * this reader does not take. */
static inline int rl__pcapread_next(rl__pcapread *r, rl_packet *pkt) {
  return rl__pcapread_try(r, pkt) ? 1 : rl__pcapread_more(r, pkt);
}

#endif
