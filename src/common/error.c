/* Names and messages of the RL_E* codes, generated from RL_ERRNO_MAP. */
#include "resplint/error.h"

#include <errno.h>

const char *rl_strerror(int err) {
  switch (err) {
#define RL__ERR_MSG(name, value, msg) \
  case RL_E##name:                    \
    return msg;
    RL_ERRNO_MAP(RL__ERR_MSG)
#undef RL__ERR_MSG
  default:
    return "unknown error";
  }
}

const char *rl_err_name(int err) {
  switch (err) {
#define RL__ERR_NAME(name, value, msg) \
  case RL_E##name:                     \
    return "RL_E" #name;
    RL_ERRNO_MAP(RL__ERR_NAME)
#undef RL__ERR_NAME
  default:
    return "RL_EUNKNOWN";
  }
}

int rl_err_from_errno(int e) {
  switch (e) {
  case ENOENT:
  case ENOTDIR:
    return RL_ENOENT;
  case EACCES:
  case EPERM:
    return RL_EACCES;
  case EISDIR:
    return RL_EISDIR;
  case ENOMEM:
    return RL_ENOMEM;
  default:
    return RL_EIO;
  }
}
