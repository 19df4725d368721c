/* Test support: helpers shared by pcapgen.c and pcapvariant.c. */
#ifndef RESPLINT_TESTS_PCAPGEN_INTERNAL_H
#define RESPLINT_TESTS_PCAPGEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "pcapgen.h"

void pg__put16(uint8_t *p, uint16_t v);
void pg__put32(uint8_t *p, uint32_t v);
uint16_t pg__get16(const uint8_t *p);
uint32_t pg__get32(const uint8_t *p);

/* Recomputes the IPv4 header checksum in place. */
void pg__ipv4_checksum(uint8_t *ip);

/* Frames a layer-3 packet of `ethertype` for the writer's link type and
 * writes it. Returns 1 when written, 0 when the link type cannot carry that
 * protocol (the packet is skipped), or a negative RL_E* code. */
int pg__write_l3(pg_writer *w, const pg_tcp *o, uint16_t ethertype,
                 const void *l3, uint32_t caplen, uint32_t wirelen,
                 uint64_t ts_usec);

/* Builds into out one fragment of the IP datagram `ip`: `unfrag` bytes of
 * headers repeated in every fragment, then bytes [off, off+flen) of the rest
 * (or of `override`). For IPv6, `next_at` is the offset of the next-header
 * byte that will name the Fragment header. Returns the length or RL_EINVAL. */
int pg__fragment(const uint8_t *ip, uint32_t len, size_t unfrag,
                 size_t next_at, uint32_t id, uint32_t off, uint32_t flen,
                 int more, const void *override, uint8_t *out, size_t cap);

#endif
