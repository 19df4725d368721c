/* The one-line status a live capture keeps on a terminal's standard error:
 * how long it has run, packets, responses, findings and drops, redrawn in
 * place every second, so that a long sniff shows it is alive. */
#ifndef RESPLINT_CLI_STATUS_H
#define RESPLINT_CLI_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "resplint/capture.h"
#include "resplint/stats.h"

/* What the status line shows, gathered by its owner. */
typedef struct rl__status_counts {
  uint64_t packets;
  uint64_t responses;
  uint64_t findings;
  uint64_t dropped;
} rl__status_counts;

typedef void (*rl__status_fetch_fn)(void *ctx, rl__status_counts *out);

typedef struct rl__status {
  FILE *tty;                 /* where the line goes; NULL: no status */
  char what[80];             /* the interface, escaped, shown at the start */
  rl__status_fetch_fn fetch; /* fills the counts when the line is drawn */
  void *fetch_ctx;
  struct timespec start;
  size_t shown;              /* width of the line on the screen, 0: none */
} rl__status;

/* Sets `st` up to draw on `tty` (NULL turns the status off). */
void rl__status_init(rl__status *st, FILE *tty, const char *what,
                     rl__status_fetch_fn fetch, void *ctx);

/* Redraws the line; has the signature of a capture tick (resplint/capture.h). */
void rl__status_tick(void *status);

/* Erases the line, so that other output starts at the left margin; the
 * next tick draws it again. A no-op when nothing is shown. */
void rl__status_clear(rl__status *st);

#endif
