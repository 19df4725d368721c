/* A fast reader for the common case of a classic pcap file.
 *
 * libpcap reads a file record by record with two fread() calls and a copy
 * into its own buffer: about 450 instructions a packet, as much as decoding
 * and reassembling it. Here the file is read in 64 KiB blocks with pread()
 * and each packet is handed out where it lies in the block.
 *
 * The reader takes only what it is sure libpcap would hand out unchanged:
 * format version 2.4, microsecond or nanosecond magic in either byte order,
 * and records that fit the snapshot length, a block, and the file.
 * Anything else (the end of the file, a cut or oversized record, a read
 * error) makes it stop, and libpcap reads on from that record: odd files
 * keep exactly libpcap's handling and wording. Uses pread() so that the
 * file offset of libpcap's stream is never moved under it.
 */
#include "capture/capture_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
  FILE_HEADER = 24,
  RECORD_HEADER = 16,
  /* Forty full-size Ethernet frames a read is plenty, and a larger block
   * shows in peak RSS (libpcap's own buffer is allocated but, unused, never
   * touched). A record longer than a block (possible with snapshot lengths
   * above 64 KiB) goes to libpcap, with the rest of the file. */
  BLOCK = 1 << 16
};

struct rl__pcapread {
  int fd;
  int big_endian; /* the file's byte order */
  int micro;      /* timestamps in microseconds, scaled to nanoseconds */
  uint32_t snap;  /* libpcap's snapshot length: longer records go to it */
  uint64_t base;  /* file offset of buf[0] */
  size_t at;      /* next record in buf */
  size_t have;    /* bytes in buf */
  uint8_t *buf;
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
  uint8_t *buf = r ? malloc(BLOCK) : NULL;
  if (!buf) {
    free(r);
    return NULL; /* libpcap reads the file then */
  }
  r->fd = fd;
  r->big_endian = be;
  r->micro = micro;
  r->snap = snapshot;
  r->base = FILE_HEADER;
  r->buf = buf;
  return r;
}

void rl__pcapread_free(rl__pcapread *r) {
  if (r) {
    free(r->buf);
    free(r);
  }
}

uint64_t rl__pcapread_offset(const rl__pcapread *r) { return r->base + r->at; }

/* Makes `need` bytes from the next record on available in buf, reading
 * more of the file. Returns 0, or -1 when the file has fewer or read
 * fails (libpcap takes over and says which). */
static int fill(rl__pcapread *r, size_t need) {
  if (need > BLOCK)
    return -1;
  size_t left = r->have - r->at;
  memmove(r->buf, r->buf + r->at, left);
  r->base += r->at;
  r->at = 0;
  r->have = left;
  while (r->have < need) {
    ssize_t n = pread(r->fd, r->buf + r->have, BLOCK - r->have, (off_t)(r->base + r->have));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    r->have += (size_t)n;
  }
  return 0;
}

int rl__pcapread_next(rl__pcapread *r, struct pcap_pkthdr *hdr, const uint8_t **data) {
  if (r->have - r->at < RECORD_HEADER && fill(r, RECORD_HEADER) < 0)
    return 0;
  const uint8_t *p = r->buf + r->at;
  uint32_t caplen = get32(p + 8, r->big_endian);
  size_t size = RECORD_HEADER + (size_t)caplen;
  if (caplen > r->snap || (r->have - r->at < size && fill(r, size) < 0))
    return 0;
  p = r->buf + r->at; /* fill() may have moved the record */
  /* As libpcap: the seconds are a signed 32-bit field; the fraction is
   * handed out in nanoseconds, as the capture was opened for. */
  hdr->ts.tv_sec = (int32_t)get32(p, r->big_endian);
  hdr->ts.tv_usec = (suseconds_t)(get32(p + 4, r->big_endian) * (r->micro ? 1000u : 1u));
  hdr->caplen = caplen;
  hdr->len = get32(p + 12, r->big_endian);
  *data = p + RECORD_HEADER;
  r->at += RECORD_HEADER + (size_t)caplen;
  return 1;
}
