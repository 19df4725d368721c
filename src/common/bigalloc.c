/* Long-lived memory that touches few pages: see bigalloc.h. */
#include "common/bigalloc.h"

#include <stdlib.h>
#include <sys/mman.h>

/* Under AddressSanitizer every block is its own malloc, so that overruns
 * and uses after free are still caught where they happen. */
#if defined(__SANITIZE_ADDRESS__)
#define RL__POOL_DIRECT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RL__POOL_DIRECT 1
#endif
#endif
#ifndef RL__POOL_DIRECT
#define RL__POOL_DIRECT 0
#endif

static size_t huge_round(size_t n) {
  return (n + RL__HUGE - 1) & ~(RL__HUGE - 1);
}

/* The bytes mapped for n bytes whose first `head` lie on small pages: the
 * rest in whole huge pages (one can only back an aligned 2 MiB that lies
 * entirely in the mapping). */
static size_t span(size_t n, size_t head) {
  return n > head ? head + huge_round(n - head) : head;
}

/* Maps span(n, head) bytes so that the part after the first `head` starts
 * at a RL__HUGE boundary, and marks that part MADV_HUGEPAGE: over-maps by
 * RL__HUGE and unmaps the ends. */
static void *map_huge(size_t n, size_t head) {
  size_t len = span(n, head);
  uint8_t *m = mmap(NULL, len + RL__HUGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  uint8_t *a = (uint8_t *)(((uintptr_t)m + head + RL__HUGE - 1) &
                           ~(uintptr_t)(RL__HUGE - 1));
  uint8_t *p = a - head;
  if (p > m) munmap(m, (size_t)(p - m));
  if (p + len < m + len + RL__HUGE) munmap(p + len, (size_t)(m + RL__HUGE - p));
#ifdef MADV_HUGEPAGE
  /* Only a hint: refused (EINVAL) where huge pages are off or unknown. */
  (void)madvise(a, len - head, MADV_HUGEPAGE);
#endif
  return p;
}

void *rl__big_alloc(size_t n) {
  if (RL__POOL_DIRECT || n < RL__BIG_MIN) return calloc(1, n ? n : 1);
  return map_huge(n, RL__BIG_HEAD); /* anonymous memory reads as zero */
}

void rl__big_free(void *p, size_t n) {
  if (!p) return;
  if (RL__POOL_DIRECT || n < RL__BIG_MIN) {
    free(p);
    return;
  }
  munmap(p, span(n, RL__BIG_HEAD));
}

void *rl__big_table(size_t n) {
  if (RL__POOL_DIRECT || n < RL__TABLE_MIN) return calloc(1, n ? n : 1);
  return map_huge(n, 0);
}

void rl__big_table_free(void *p, size_t n) {
  if (!p) return;
  if (RL__POOL_DIRECT || n < RL__TABLE_MIN) {
    free(p);
    return;
  }
  munmap(p, span(n, 0));
}

/* A region starts with this header, padded to a grain so that the blocks
 * after it stay 64-byte aligned. */
typedef struct region {
  struct region *next;
  size_t len;
} region;

static size_t grain_round(size_t n) {
  return (n + RL__POOL_GRAIN - 1) & ~(size_t)(RL__POOL_GRAIN - 1);
}

/* The pool's first region starts on small pages, like rl__big_alloc. */
static region *region_new(rl__pool *p, size_t n) {
  size_t head = p->regions ? 0 : RL__BIG_HEAD;
  region *r = map_huge(n, head);
  if (!r) return NULL;
  r->next = p->regions;
  r->len = span(n, head);
  p->regions = r;
  return r;
}

/* n (a multiple of the grain) bytes from the newest region, or a new one.
 * What is left of the old region is abandoned: at most a block's size. */
static void *carve(rl__pool *p, size_t n) {
  if (n > p->left) {
    region *r = region_new(p, RL__HUGE);
    if (!r) return NULL;
    p->cur = (uint8_t *)r + RL__POOL_GRAIN;
    p->left = r->len - RL__POOL_GRAIN;
  }
  void *q = p->cur;
  p->cur += n;
  p->left -= n;
  return q;
}

static int direct(const rl__pool *p) { return RL__POOL_DIRECT || p->direct; }

void *rl__pool_get(rl__pool *p, size_t n) {
  if (direct(p) || n > RL__POOL_MAX) return malloc(n ? n : 1);
  size_t g = grain_round(n ? n : 1);
  void **head = &p->free_list[g / RL__POOL_GRAIN];
  void *q = *head;
  if (q) {
    *head = *(void **)q; /* a free block holds the next free one */
    return q;
  }
  return carve(p, g);
}

void rl__pool_put(rl__pool *p, void *q, size_t n) {
  if (!q) return;
  if (direct(p) || n > RL__POOL_MAX) {
    free(q);
    return;
  }
  void **head = &p->free_list[grain_round(n ? n : 1) / RL__POOL_GRAIN];
  *(void **)q = *head;
  *head = q;
}

void *rl__pool_keep(rl__pool *p, size_t n) {
  if (direct(p)) {
    /* Linked like a region, so that rl__pool_release frees it. */
    region *r = malloc(RL__POOL_GRAIN + n);
    if (!r) return NULL;
    r->next = p->regions;
    r->len = 0;
    p->regions = r;
    return (uint8_t *)r + RL__POOL_GRAIN;
  }
  if (n > RL__POOL_KEEP_MAX) {
    region *r = region_new(p, RL__POOL_GRAIN + n);
    return r ? (uint8_t *)r + RL__POOL_GRAIN : NULL;
  }
  return carve(p, grain_round(n));
}

void rl__pool_release(rl__pool *p) {
  region *r = p->regions;
  while (r) {
    region *next = r->next;
    if (r->len) {
      munmap(r, r->len);
    } else {
      free(r);
    }
    r = next;
  }
  uint8_t keep_direct = p->direct;
  *p = (rl__pool){0};
  p->direct = keep_direct;
}
