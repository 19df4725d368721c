/* Baselines (--write-baseline, --baseline): a set of finding fingerprints.
 *
 * A fingerprint names what a finding is about, never where it sat in one
 * capture: rule, server (ip:port), request method, request target and
 * status code, so that recording the same traffic again gives the same
 * fingerprints even when frame numbers, stream indexes and timing differ.
 * The file is text, one fingerprint a line with tab-separated fields,
 * sorted, so that it diffs well in review. */
#ifndef RESPLINT_REPORT_BASELINE_H
#define RESPLINT_REPORT_BASELINE_H

#include <stddef.h>
#include <stdio.h>

#include "resplint/engine.h"

typedef struct rl__baseline rl__baseline;

rl__baseline *rl__baseline_new(void);     /* NULL on ENOMEM */
void rl__baseline_free(rl__baseline *b);  /* NULL is a no-op */

/* The fingerprint of `f` as one line without its newline: five fields
 * separated by tabs, "-" for what is unknown, every byte outside printable
 * ASCII (and '\\') written as \xNN. Returns a malloc'd string or NULL. */
char *rl__baseline_fingerprint(const rl_finding *f);
/* The same written to `o`, which must have room for
 * rl__baseline_fingerprint_bound(f) bytes; `server` is the server endpoint
 * as rl_endpoint_format writes it (server_len bytes), or NULL to format it. */
struct rl__out;
size_t rl__baseline_fingerprint_bound(const rl_finding *f);
void rl__baseline_put_fingerprint(struct rl__out *o, const rl_finding *f,
                                  const char *server, size_t server_len);

/* Adds the finding's fingerprint; returns 1 if it was new, 0 if already
 * there, or RL_ENOMEM. */
int rl__baseline_add(rl__baseline *b, const rl_finding *f);

/* 1 if the finding's fingerprint is in the set, 0 if not, RL_ENOMEM. */
int rl__baseline_contains(const rl__baseline *b, const rl_finding *f);

/* Number of fingerprints in the set. */
size_t rl__baseline_count(const rl__baseline *b);

/* Adds every fingerprint of the file at `path`. Returns the number read,
 * RL_EINVAL when a line is malformed (written to `errs` as
 * "FILE:LINE: error: TEXT"), or RL_ENOENT / RL_EACCES / RL_EIO / RL_ENOMEM
 * (written to `errs` as "resplint: FILE: TEXT"). */
int rl__baseline_load(rl__baseline *b, const char *path, FILE *errs);

/* Writes the set, sorted, to `path` (replacing it). Returns 0, or RL_EIO /
 * RL_EACCES / RL_ENOENT / RL_ENOMEM with the explanation in `err`. */
int rl__baseline_write(const rl__baseline *b, const char *path, char *err,
                       size_t errlen);

#endif
