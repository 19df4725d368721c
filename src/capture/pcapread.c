/* A fast reader for the common case of a classic pcap file.
 *
 * libpcap reads a file record by record with two fread() calls and a copy
 * into its own buffer: about 450 instructions a packet, as much as decoding
 * and reassembling it. Here the file is read in 64 KiB blocks with pread()
 * and each packet is handed out where it lies in the block; the record in
 * hand is read by an inline function (capture_internal.h).
 *
 * Why pread and not mmap: mapping the file in windows was tried (branch
 * perf3/capture, commit d5ab6b6, with a SIGBUS guard for files that
 * shrink) and measured slower here. Where the page cache holds a file in
 * small folios, mapping a page costs the kernel about what copying it
 * does; and the copy leaves the bytes in the CPU's caches, where mapped
 * bytes are first touched by the decoder and the flow stage, from memory.
 * Medians of 21 to 31 interleaved runs: (c) x5 0.149 s CPU with pread,
 * 0.159-0.163 s mapped (with or without prefetching ahead); (a) 1.091 s
 * with pread, 1.102 s mapped.
 *
 * The reader takes only what it is sure libpcap would hand out unchanged:
 * format version 2.4, microsecond or nanosecond magic in either byte order,
 * and records that fit the snapshot length, a block, and the file.
 * Anything else (the end of the file, a cut or oversized record, a read
 * error) makes it stop, and libpcap reads on from that record: odd files
 * keep exactly libpcap's handling and wording. Uses pread() so that the
 * file offset of libpcap's stream is never moved under it. A file that
 * grows while it is read is read as far as it has grown; one that shrinks
 * ends where pread finds its end, as libpcap then says (cleanly at a
 * record boundary, or as truncated).
 */
#include "capture/capture_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
  FILE_HEADER = 24,
  /* Forty full-size Ethernet frames a read is plenty, and a larger block
   * shows in peak RSS on (d) (and leaves the caches the copy warms). A
   * record longer than a block (possible with snapshot lengths above
   * 64 KiB) goes to libpcap, with the rest of the file. */
  BLOCK = 1 << 16
};

static uint32_t get32(const uint8_t *p, int big_endian) {
  if (big_endian)
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t get16(const uint8_t *p, int big_endian) {
  return big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* Which of the two plain magics, in which order; -1 for anything else
 * (pcapng, the modified format with longer record headers). */
static int plain_magic(const uint8_t *h, int *big_endian, int *micro) {
  static const uint32_t usec = 0xa1b2c3d4u, nsec = 0xa1b23c4du;
  for (int be = 0; be < 2; be++) {
    uint32_t m = get32(h, be);
    if (m == usec || m == nsec) {
      *big_endian = be;
      *micro = m == usec;
      return 0;
    }
  }
  return -1;
}

/* Whether the file's byte order differs from the host's: the magic read in
 * host order is one of the two plain magics exactly when it does not. */
static int needs_swap(const uint8_t *h) {
  uint32_t m;
  memcpy(&m, h, sizeof m);
  return m != 0xa1b2c3d4u && m != 0xa1b23c4du;
}

uint64_t rl__pcapread_offset(const rl__pcapread *r) {
  return r->base + (uint64_t)(r->at - r->buf);
}

/* Makes `need` bytes from the next record on available in buf, reading
 * more of the file. Returns 0, or -1 when the file has fewer or read
 * fails (libpcap takes over and says which). */
static int fill(rl__pcapread *r, size_t need) {
  if (need > BLOCK)
    return -1;
  size_t left = (size_t)(r->end - r->at);
  r->base = rl__pcapread_offset(r);
  memmove(r->buf, r->at, left);
  r->at = r->buf;
  r->end = r->buf + left;
  while (left < need) {
    ssize_t n = pread(r->fd, r->buf + left, BLOCK - left, (off_t)(r->base + left));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    left += (size_t)n;
    r->end = r->buf + left;
  }
  return 0;
}

int rl__pcapread_more(rl__pcapread *r, rl_packet *pkt) {
  for (;;) {
    size_t avail = (size_t)(r->end - r->at), need = RL__PCAP_RECORD;
    if (avail >= RL__PCAP_RECORD) {
      uint32_t caplen = rl__pcapread_u32(r, r->at + 8);
      if (caplen > r->snap)
        return 0;
      if (avail - RL__PCAP_RECORD >= caplen) {
        rl__pcapread_take(r, r->at, caplen, pkt);
        return 1;
      }
      need += caplen;
    }
    if (fill(r, need) != 0)
      return 0;
  }
}

rl__pcapread *rl__pcapread_new(int fd, uint32_t snapshot) {
  uint8_t h[FILE_HEADER];
  int be, micro;
  if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h || plain_magic(h, &be, &micro) < 0)
    return NULL;
  /* Versions before 2.4 may have swapped length fields, which libpcap
   * repairs record by record. */
  if (get16(h + 4, be) != 2 || get16(h + 6, be) != 4)
    return NULL;
  rl__pcapread *r = calloc(1, sizeof *r);
  if (!r)
    return NULL; /* libpcap reads the file then */
  r->fd = fd;
  r->swap = needs_swap(h);
  r->frac_scale = micro ? 1000u : 1u;
  r->snap = snapshot;
  r->buf = malloc(BLOCK);
  if (!r->buf) {
    free(r);
    return NULL;
  }
  r->at = r->end = r->buf;
  r->base = FILE_HEADER;
  return r;
}

void rl__pcapread_free(rl__pcapread *r) {
  if (r) {
    free(r->buf);
    free(r);
  }
}
