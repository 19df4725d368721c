/* A fast reader for the common case of a classic pcap file.
 *
 * libpcap reads a file record by record with two fread() calls and a copy
 * into its own buffer: about 450 instructions a packet, as much as decoding
 * and reassembling it. Here the file is mapped a window at a time (2 MiB
 * and a tail that holds any record starting in the window, unmapped behind
 * the reader, so the resident set stays small) and each packet is handed
 * out where it lies: no copy, and no system call but one mmap/munmap pair
 * a window (pread copied every byte from the page cache: on (a), 0.06 s of
 * system time where the windows cost 0.02 s). When a
 * file cannot be mapped, or no SIGBUS guard is free (mapguard.c), it is
 * read in 64 KiB blocks with pread() instead, into a buffer.
 *
 * The reader takes only what it is sure libpcap would hand out unchanged:
 * format version 2.4, microsecond or nanosecond magic in either byte order,
 * and records that fit the snapshot length, a window, and the file.
 * Anything else (the end of the file, a cut or oversized record, a read
 * error) makes it stop, and libpcap reads on from that record: odd files
 * keep exactly libpcap's handling and wording. It never moves the file
 * offset of libpcap's stream.
 *
 * A file may change while it is read. Its size is looked at again where
 * the reader stops anyway: at a window's end, and at a record header of
 * zeros (what a lost page or the zero tail of the file's last page reads
 * as). One that grows (tcpdump -w still writing) is read on as far as it
 * reaches, then libpcap reads on, as before. One that shrinks is read to
 * its new end, where libpcap ends it as the truncated file it now is;
 * when the reader was already past the new end (the record handed out last
 * may have read zeros for lost bytes: no read of a lost page raises SIGBUS
 * past mapguard.c), it ends as truncated with RL__PCAPREAD_SHRANK.
 */
#include "capture/capture_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
  FILE_HEADER = 24,
  /* The pread fallback's block: forty full-size Ethernet frames a read is
   * plenty, and a larger block shows in peak RSS on (d). */
  BLOCK = 1 << 16
};

size_t rl__pcapread_window = (size_t)2 << 20;
size_t rl__pcapread_tail = (size_t)320 << 10;

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
  return r->base + (uint64_t)(r->at - r->start);
}

/* Drops the mapped window, if any. */
static void unmap(rl__pcapread *r) {
  if (!r->map)
    return;
  rl__mapguard_set(r->guard, NULL, 0);
  (void)munmap(r->map, r->map_len);
  r->map = NULL;
  r->map_len = 0;
}

/* Maps the window of the grid that holds file offset `off`, with its tail,
 * and points the reader at `off`. The grid keeps windows aligned with the
 * 2 MiB pages the kernel can map a large page-cache folio with: mapping
 * and unmapping cost a third of what they do for windows at any page.
 * Returns 0, or -1 when the mapping fails. */
static int map_at(rl__pcapread *r, uint64_t off) {
  uint64_t base = off - off % rl__pcapread_window;
  uint64_t left = r->size - base, want = rl__pcapread_window + rl__pcapread_tail;
  size_t len = (size_t)(left < want ? left : want);
  unmap(r);
  /* Populated at once: one call maps every page of the window, instead of
   * a page fault every few pages as the reader walks it. */
  void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->fd, (off_t)base);
  if (m == MAP_FAILED)
    return -1;
  r->map = m;
  r->map_len = len;
  rl__mapguard_set(r->guard, m, len);
  r->start = m;
  r->base = base;
  r->at = r->start + (off - base);
  r->end = r->start + len;
  return 0;
}

/* The file's size now, or -1. */
static int64_t file_size(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Looks at the file's size again: a file still being written grows, and
 * one that shrank is read to its new end. Returns RL__PCAPREAD_SHRANK when
 * the record handed out last may have read zeros for lost bytes (a read of
 * a lost page was absorbed, or the record ended past the new end), else 0. */
static int recheck_size(rl__pcapread *r) {
  int64_t size = file_size(r->fd);
  if (size >= 0)
    r->size = (uint64_t)size;
  if (rl__mapguard_lost(r->guard) || rl__pcapread_offset(r) > r->size)
    return RL__PCAPREAD_SHRANK;
  return 0;
}

/* Makes `need` bytes from the next record on available in the window.
 * Returns 0; -1 when the file has fewer (or mapping fails): libpcap reads
 * on and ends the file as it now is; or RL__PCAPREAD_SHRANK. */
static int remap(rl__pcapread *r, size_t need) {
  if (recheck_size(r) != 0)
    return RL__PCAPREAD_SHRANK;
  uint64_t off = rl__pcapread_offset(r);
  if (off + need > r->size)
    return -1;
  if (map_at(r, off) != 0 || (size_t)(r->end - r->at) < need)
    return -1; /* a record longer than a tail is libpcap's */
  return 0;
}

/* As remap(), for a reader without a mapping: reads more into buf. */
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

/* A record header of zeros is what a lost page or the zero tail of the
 * file's last page reads as: 1 when it lies past the file's end now. */
static int zeros_past_end(rl__pcapread *r) {
  static const uint8_t zeros[RL__PCAP_RECORD];
  return memcmp(r->at, zeros, sizeof zeros) == 0 &&
         (recheck_size(r) != 0 || rl__pcapread_offset(r) + RL__PCAP_RECORD > r->size);
}

int rl__pcapread_more(rl__pcapread *r, rl_packet *pkt) {
  for (;;) {
    size_t avail = (size_t)(r->end - r->at), need = RL__PCAP_RECORD;
    if (avail >= RL__PCAP_RECORD) {
      uint32_t caplen = rl__pcapread_u32(r, r->at + 8);
      if (caplen > r->snap)
        return 0;
      if (caplen == 0 && r->map && zeros_past_end(r))
        return recheck_size(r) != 0 ? RL__PCAPREAD_SHRANK : 0;
      if (avail - RL__PCAP_RECORD >= caplen) {
        rl__pcapread_take(r, r->at, caplen, pkt);
        return 1;
      }
      need += caplen;
    }
    int rc = r->map ? remap(r, need) : fill(r, need);
    if (rc != 0)
      return rc == RL__PCAPREAD_SHRANK ? rc : 0;
  }
}

/* Starts reading at the first record: a mapped window when it can be,
 * else a pread buffer. Returns 0 or -1 (ENOMEM). */
static int start(rl__pcapread *r) {
  int64_t size = file_size(r->fd);
  r->guard = size > FILE_HEADER && rl__pcapread_window ? rl__mapguard_claim() : -1;
  if (r->guard >= 0) {
    r->size = (uint64_t)size;
    if (map_at(r, FILE_HEADER) == 0)
      return 0;
    rl__mapguard_release(r->guard);
    r->guard = -1;
  }
  r->buf = malloc(BLOCK);
  if (!r->buf)
    return -1;
  r->start = r->at = r->end = r->buf;
  r->base = FILE_HEADER;
  return 0;
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
  if (start(r) != 0) {
    free(r);
    return NULL;
  }
  return r;
}

void rl__pcapread_free(rl__pcapread *r) {
  if (r) {
    unmap(r);
    rl__mapguard_release(r->guard);
    free(r->buf);
    free(r);
  }
}
