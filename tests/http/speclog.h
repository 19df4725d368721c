/* Helpers for the http stage's Markdown spec tests (tests/http/NAME.md):
 * reading the cases and writing the exchange/event log they are compared
 * with. The format is described in tests/http/README.md. */
#ifndef RL_TEST_SPECLOG_H
#define RL_TEST_SPECLOG_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/http.h"

/* A growable string. */
typedef struct sl_buf {
  char *s;
  size_t len, cap;
} sl_buf;

void sl_putn(sl_buf *b, const char *s, size_t n);
void sl_printf(sl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends bytes inside double quotes with \r \n \t \\ \" \xHH escapes. */
void sl_quote(sl_buf *b, const uint8_t *p, size_t n);
void sl_free(sl_buf *b);

/* One step of a case: bytes in one direction, a gap or an end. */
typedef enum sl_step_kind { SL_DATA, SL_GAP, SL_END, SL_EVENT } sl_step_kind;
typedef struct sl_step {
  sl_step_kind kind;
  rl_dir dir;
  uint8_t *bytes;
  size_t len;        /* data length, or gap length */
  rl_end_kind how;   /* for SL_END */
  int event;         /* for SL_EVENT: an rl_event_kind */
  int64_t t;         /* capture time in seconds: `t=N` after the block kind,
                        else the step's number */
} sl_step;

typedef struct sl_case {
  char name[160];
  int line;                 /* line of the heading in the file */
  sl_step steps[16];
  int nsteps;
  int end_open;             /* option end=open: the server never closed */
  int syn;                  /* option syn=0/1; -1: from the presence of client bytes */
  uint32_t max_header, max_pending, prefix;
  char *expected;           /* the log block, NUL-terminated */
} sl_case;

/* Parses every case of a Markdown file. Returns the number of cases (the
 * array is malloc'ed into *out) or -1 if the file cannot be read; a
 * malformed case sets *error to a static message. */
int sl_parse_file(const char *path, sl_case **out, const char **error);
void sl_free_cases(sl_case *cases, int n);

/* Decodes the escape convention (\r \n \t \\ \xHH; the block's own line
 * breaks are not bytes). Returns a malloc'ed buffer and its length. */
uint8_t *sl_unescape(const char *text, size_t len, size_t *out_len);

/* Runs one case through the http stage and returns its log (malloc'ed). */
char *sl_run_case(const sl_case *c);

/* Formats one exchange or note as log lines (used by other tests too). */
void sl_log_exchange(sl_buf *b, const rl_exchange *x);

#endif
