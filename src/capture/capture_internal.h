/* Internal helpers of the capture stage, shared by its files and tests. */
#ifndef RESPLINT_CAPTURE_INTERNAL_H
#define RESPLINT_CAPTURE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

enum { RL__CAPTURE_NONE = 0, RL__CAPTURE_PCAP = 1, RL__CAPTURE_PCAPNG = 2 };

/* Classifies the first `n` bytes of a file by magic number: RL__CAPTURE_PCAP
 * (any byte order, micro- or nanosecond), RL__CAPTURE_PCAPNG, or
 * RL__CAPTURE_NONE. */
int rl__capture_magic_kind(const uint8_t *b, size_t n);

/* pcapread.c: the fast path for classic pcap files (see there). */
typedef struct rl__pcapread rl__pcapread;

/* A reader of the file open on `fd` (pread only, never moving its offset),
 * from its first record on; NULL when the file is not one it takes (or on
 * ENOMEM): libpcap reads it all then. `snapshot` is libpcap's. */
rl__pcapread *rl__pcapread_new(int fd, uint32_t snapshot);
void rl__pcapread_free(rl__pcapread *r); /* NULL is a no-op */

/* Returns 1 with the next record (data valid until the next call), or 0
 * when libpcap must read on from rl__pcapread_offset(): at the end of the
 * file, and at any record it does not take. */
int rl__pcapread_next(rl__pcapread *r, struct pcap_pkthdr *hdr, const uint8_t **data);
uint64_t rl__pcapread_offset(const rl__pcapread *r);

#endif
