/* Live capture set-up and wrap-up, in tcpdump's order: the interface is
 * opened by the session, then the filter is installed, root privileges are
 * dropped (-Z), and only then is the -w file created, as the new user. */
#ifndef RESPLINT_CLI_LIVE_H
#define RESPLINT_CLI_LIVE_H

#include <stddef.h>
#include <stdio.h>

#include "cli/options.h"
#include "resplint/capture.h"
#include "resplint/stats.h"

/* The kernel buffer of a live capture without -B, in KiB. libpcap's own
 * default (2 MiB) is four blocks of a 256 KiB snapshot length: on a loaded
 * machine a busy link overflows it while resplint waits for a CPU, and the
 * drops then cost more (gaps, resynchronisation) than the buffer. 32 MiB
 * kept a 10-second wrk load of 64 KiB responses (about 170 MB/s over a
 * veth pair) free of drops on a shared 2-core machine
 * (bench/README.md, "Live capture"). */
#define RL__LIVE_BUFFER_KIB 32768

/* Installs the filter, drops privileges and opens the -w file, as the
 * options ask. Returns 0, or RL_EFILTER (`err` is libpcap's message),
 * RL_EINVAL (no such -Z user) or another RL_E* code (privileges could not
 * be dropped, the -w file cannot be written), with a one-line `err` that
 * names the option. */
int rl__live_prepare(rl_capture *cap, const rl__cli_options *o, char *err,
                     size_t errlen);

/* Switches the process to `user` (groups, group, then user id) and checks
 * that root cannot be regained. Returns 0, RL_EINVAL when there is no such
 * user, or RL_EPERM with `err` saying why. */
int rl__live_drop_privileges(const char *user, char *err, size_t errlen);

/* After the capture: closes the -w file (a write error is reported and
 * returns RL_EIO) and says what libpcap counted on `errs`: the packets it
 * received and dropped (unless quiet), and a warning whenever any were
 * dropped, since findings on their connections may then be missing. */
int rl__live_finish(rl_capture *cap, const rl__cli_options *o, const rl_stats *stats,
                    FILE *errs);

#endif
