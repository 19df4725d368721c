/* Live capture set-up and wrap-up (live.h). */
#include "cli/live.h"
#include "cli/say.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "resplint/error.h"

int rl__live_drop_privileges(const char *user, char *err, size_t errlen) {
  errno = 0;
  struct passwd *pw = getpwnam(user);
  if (!pw) {
    snprintf(err, errlen, "-Z: no such user \"%s\"", user);
    return RL_EINVAL;
  }
  uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  /* The supplementary groups and the group first: once the user id is no
   * longer root, neither may be changed. */
  if (initgroups(user, gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
    int e = errno;
    snprintf(err, errlen, "-Z %s: cannot switch to the user: %s", user, strerror(e));
    return RL_EPERM;
  }
  if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
    snprintf(err, errlen, "-Z %s: root privileges could be regained", user);
    return RL_EPERM;
  }
  return 0;
}

int rl__live_prepare(rl_capture *cap, const rl__cli_options *o, char *err, size_t errlen) {
  /* The filter goes in before anything is read, so that the kernel never
   * hands over a packet the filter would have refused. */
  if (o->filter && o->filter[0]) {
    int rc = rl_capture_set_filter(cap, o->filter, err, errlen);
    if (rc < 0)
      return rc;
  }
  if (o->user) {
    int rc = rl__live_drop_privileges(o->user, err, errlen);
    if (rc < 0)
      return rc;
  }
  if (o->write_file) {
    char why[400] = "";
    int rc = rl_capture_dump_open(cap, o->write_file, why, sizeof why);
    if (rc < 0) {
      snprintf(err, errlen, "%s: cannot write the capture: %s", o->write_file, why);
      return rc;
    }
  }
  return 0;
}

int rl__live_finish(rl_capture *cap, const rl__cli_options *o, const rl_stats *stats,
                    FILE *errs) {
  char err[512] = "";
  int status = rl_capture_dump_close(cap, err, sizeof err);
  if (status < 0)
    rl__say(errs, "resplint: %s: %s\n", o->write_file, err);
  rl_capture_counts c;
  if (rl_capture_counts_get(cap, &c, err, sizeof err) < 0) {
    rl__say(errs, "resplint: %s: libpcap's counters are not available: %s\n", o->iface,
            err);
    return status;
  }
  /* libpcap's words: on a loopback device the filter sees each packet
   * twice (sent and received), so "received by the filter" may be twice
   * the packets linted. */
  if (!o->quiet)
    rl__say(errs,
            "resplint: %s: %" PRIu64 " packets linted; libpcap received %" PRIu64
            " by the filter, the kernel dropped %" PRIu64 ", the interface dropped %" PRIu64
            "\n",
            o->iface, stats->packets, c.received, c.dropped, c.ifdropped);
  if (c.dropped || c.ifdropped)
    rl__say(errs,
            "resplint: warning: %s: %" PRIu64 " packets were dropped before they could "
            "be read; findings on their connections may be missing or wrong (a larger "
            "buffer, -B, helps)\n",
            o->iface, c.dropped + c.ifdropped);
  return status;
}
