/* Names and messages of the RL_E* codes, generated from RL_ERRNO_MAP. */
#include "resplint/error.h"

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
