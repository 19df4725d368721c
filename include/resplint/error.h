/* resplint: error codes and process exit codes.
 *
 * Library functions return 0 (or a positive count) on success and one of the
 * negative RL_E* codes below on failure; there is no global error state.
 * The exit codes are the documented contract of the `resplint` command
 * (README "Exit codes"); only src/cli/ turns results into an exit code.
 */
#ifndef RESPLINT_ERROR_H
#define RESPLINT_ERROR_H

/* Process exit codes. */
#define RL_EXIT_CLEAN 0      /* no finding at or above --fail-on */
#define RL_EXIT_FINDINGS 1   /* at least one finding at or above --fail-on */
#define RL_EXIT_USAGE 2      /* bad options, bad filter, bad rule file */
#define RL_EXIT_INPUT 3      /* an input could not be read completely */

/* XX(name, value, message) */
#define RL_ERRNO_MAP(XX)                                                   \
  XX(NOMEM, -1, "out of memory")                                           \
  XX(NOENT, -2, "no such file or directory")                               \
  XX(ACCES, -3, "permission denied")                                       \
  XX(NOTCAPTURE, -4, "not a pcap or pcapng capture")                       \
  XX(TRUNCATED, -5, "capture file is cut short inside a record")           \
  XX(LINKTYPE, -6, "unsupported link type")                                \
  XX(FILTER, -7, "invalid capture filter")                                 \
  XX(IFACE, -8, "cannot open interface")                                   \
  XX(PERM, -9, "operation not permitted (capture needs CAP_NET_RAW)")      \
  XX(IO, -10, "read error")                                                \
  XX(INVAL, -11, "invalid argument")                                       \
  XX(ISDIR, -12, "is a directory")                                         \
  XX(LIMIT, -13, "a configured limit was reached")

typedef enum rl_errno {
#define RL__ERRNO_ENUM(name, value, msg) RL_E##name = (value),
  RL_ERRNO_MAP(RL__ERRNO_ENUM)
#undef RL__ERRNO_ENUM
} rl_errno;

/* Returns the message for an RL_E* code, "unknown error" for anything else.
 * The string is static. */
const char *rl_strerror(int err);

/* Returns the symbolic name ("RL_ENOENT") for an RL_E* code. */
const char *rl_err_name(int err);

/* Maps an errno value from a failed system call to the nearest RL_E* code:
 * ENOENT/ENOTDIR -> RL_ENOENT, EACCES/EPERM -> RL_EACCES, EISDIR ->
 * RL_EISDIR, ENOMEM -> RL_ENOMEM, anything else -> RL_EIO. */
int rl_err_from_errno(int e);

#endif
