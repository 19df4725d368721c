/* Switches read from the environment: the memos' off and verify switches
 * (RESPLINT_NO_MEMO, RESPLINT_VERIFY_MEMO, RESPLINT_VERIFY_SCAN, ...). */
#ifndef RL_COMMON_ENV_H
#define RL_COMMON_ENV_H

#include <stdlib.h>
#include <string.h>

/* True when the variable is set to anything but "" or "0". */
static inline int rl__env_on(const char *name) {
  const char *v = getenv(name);
  return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

#endif
