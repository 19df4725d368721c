/* Long-lived memory that touches few pages (issue #7, round 4).
 *
 * A page fault costs about 2.5 us in the VMs resplint is measured in, and a
 * busy capture used to take 6.5k of them filling its rings, tables and
 * heap. Memory handed out here lies in 2 MiB-aligned anonymous mappings
 * marked MADV_HUGEPAGE, so where the kernel offers transparent huge pages
 * on request (transparent_hugepage/enabled is "madvise" or "always") one
 * fault maps 2 MiB; elsewhere the hint is ignored and pages come 4 KiB at a
 * time as before. Only what is touched is ever mapped.
 *
 * A huge page is zeroed whole at its first touch (about 0.2 ms here, as
 * much as 130 small faults), which a capture of a few exchanges would pay
 * for nothing: so the first RL__BIG_HEAD bytes of a buffer (and of a
 * pool's first region) lie on small pages, and only a buffer filled beyond
 * them, in the order it is filled (rings, pools), reaches its huge pages. */
#ifndef RL_COMMON_BIGALLOC_H
#define RL_COMMON_BIGALLOC_H

#include <stddef.h>
#include <stdint.h>

/* The size of a transparent huge page on x86-64 and arm64 (4 KiB pages). */
#define RL__HUGE ((size_t)2 << 20)

#define RL__BIG_HEAD ((size_t)256 << 10)

/* n zeroed bytes, or NULL. Below RL__BIG_MIN it is calloc (a huge page
 * would be mostly wasted). Free with rl__big_free and the same n. */
#define RL__BIG_MIN ((size_t)1 << 20)
void *rl__big_alloc(size_t n);
void rl__big_free(void *p, size_t n);

/* n zeroed bytes for a table that is touched all over at once (a hash
 * table rebuilt on growth), or NULL: from RL__TABLE_MIN on, where its
 * small pages would cost more than zeroing a huge page, all on huge pages;
 * below, calloc. Free with rl__big_table_free and the same n. */
#define RL__TABLE_MIN ((size_t)512 << 10)
void *rl__big_table(size_t n);
void rl__big_table_free(void *p, size_t n);

/* A pool of blocks of up to RL__POOL_MAX bytes for objects that come and go
 * by the thousand (out-of-order chunks, history rings), and of bigger
 * blocks that live as long as the pool (conversation slabs), carved from
 * huge-page regions. Freed blocks are kept on a free list per 64-byte size
 * class and reused first, so the pool touches fresh memory only when more
 * is live at once than ever before. All-zero is an empty pool. */
#define RL__POOL_GRAIN 64u
#define RL__POOL_MAX (8192u + 2u * RL__POOL_GRAIN)
#define RL__POOL_CLASSES (RL__POOL_MAX / RL__POOL_GRAIN + 1u)
/* The largest block carved for good (rl__pool_keep); bigger ones are
 * mapped on their own. */
#define RL__POOL_KEEP_MAX (RL__HUGE / 4)

typedef struct rl__pool {
  void *free_list[RL__POOL_CLASSES]; /* freed blocks by size class */
  uint8_t *cur;          /* the free part of the newest region */
  size_t left;           /* bytes left there */
  void *regions;         /* every region, linked through its first word */
  uint8_t direct;        /* pass everything to malloc (set under ASan) */
} rl__pool;

/* n bytes (uninitialised) or NULL; give them back with rl__pool_put and
 * the same n. Blocks above RL__POOL_MAX come from malloc. */
void *rl__pool_get(rl__pool *p, size_t n);
void rl__pool_put(rl__pool *p, void *q, size_t n);
/* n bytes (uninitialised) or NULL that live until rl__pool_release: they
 * are never given back one by one. */
void *rl__pool_keep(rl__pool *p, size_t n);
/* Unmaps every region: every block got from the pool becomes invalid
 * (blocks from malloc must have been put back already). */
void rl__pool_release(rl__pool *p);

#endif
