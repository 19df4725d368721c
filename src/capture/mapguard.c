/* A file that shrinks under a mapped window must not crash the reader.
 *
 * Reading a page of a MAP_SHARED or MAP_PRIVATE file mapping that lies
 * wholly beyond the file's end raises SIGBUS: a capture truncated while
 * resplint reads it (a log rotation, a user's `truncate`) would kill the
 * process. The windows of pcapread.c are registered here; a SIGBUS inside
 * one maps anonymous zero pages over the rest of the window and marks the
 * window's slot as lost, and the faulting read is retried and reads zeros.
 * The reader looks at the mark (and at the file's size) where it cannot go
 * on, and ends the file with a truncation error. A SIGBUS anywhere else goes
 * to whatever handled SIGBUS before, or ends the process as it would have.
 *
 * The handler only reads atomics, calls mmap() (a plain system call on
 * Linux, though not on POSIX's list of async-signal-safe functions) and
 * sigaction(), and writes a sig_atomic_t.
 */
#include "capture/capture_internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Captures a process reads at once; a reader that finds no free slot reads
 * with pread() instead. */
enum { SLOTS = 16 };

static _Atomic uintptr_t slot_lo[SLOTS], slot_hi[SLOTS]; /* [lo, hi): guarded */
static atomic_int slot_used[SLOTS];
static volatile sig_atomic_t slot_lost[SLOTS];
static uintptr_t page_mask; /* set before the handler is installed */
static struct sigaction previous;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
  uintptr_t a = (uintptr_t)si->si_addr;
  for (int i = 0; i < SLOTS; i++) {
    uintptr_t lo = atomic_load(&slot_lo[i]), hi = atomic_load(&slot_hi[i]);
    if (a < lo || a >= hi)
      continue;
    uintptr_t page = a & ~page_mask;
    if (mmap((void *)page, hi - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
             -1, 0) == MAP_FAILED)
      break;
    slot_lost[i] = 1;
    return; /* the read is retried and sees zeros */
  }
  if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
    previous.sa_sigaction(sig, si, uc);
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(sig);
  } else {
    /* The default action: the read faults again and the process ends. */
    (void)sigaction(SIGBUS, &previous, NULL);
  }
}

/* Installs on_sigbus unless it is the handler already: checked at every
 * claim, since a test harness or a sanitizer may have replaced it since. */
static int install(void) {
  struct sigaction cur;
  if (sigaction(SIGBUS, NULL, &cur) != 0)
    return -1;
  if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)
    return 0;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0)
    return -1;
  page_mask = (uintptr_t)page - 1;
  previous = cur;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGBUS, &sa, NULL);
}

int rl__mapguard_claim(void) {
  pthread_mutex_lock(&install_lock);
  int rc = install();
  pthread_mutex_unlock(&install_lock);
  if (rc != 0)
    return -1;
  for (int i = 0; i < SLOTS; i++) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&slot_used[i], &expected, 1)) {
      slot_lost[i] = 0;
      return i;
    }
  }
  return -1;
}

void rl__mapguard_set(int slot, const void *lo, size_t len) {
  /* hi first when closing and last when opening, so that the handler never
   * sees a range that is not mapped by the owner. */
  atomic_store(&slot_hi[slot], 0);
  atomic_store(&slot_lo[slot], (uintptr_t)lo);
  if (len)
    atomic_store(&slot_hi[slot], (uintptr_t)lo + len);
}

int rl__mapguard_lost(int slot) { return slot_lost[slot] != 0; }

void rl__mapguard_release(int slot) {
  if (slot < 0)
    return;
  rl__mapguard_set(slot, NULL, 0);
  atomic_store(&slot_used[slot], 0);
}
