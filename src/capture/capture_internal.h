/* Internal helpers of the capture stage, shared by its files and tests. */
#ifndef RESPLINT_CAPTURE_INTERNAL_H
#define RESPLINT_CAPTURE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

enum { RL__CAPTURE_NONE = 0, RL__CAPTURE_PCAP = 1, RL__CAPTURE_PCAPNG = 2 };

/* Classifies the first `n` bytes of a file by magic number: RL__CAPTURE_PCAP
 * (any byte order, micro- or nanosecond), RL__CAPTURE_PCAPNG, or
 * RL__CAPTURE_NONE. */
int rl__capture_magic_kind(const uint8_t *b, size_t n);

#endif
