/* Hand-built messages for the engine's tests: the message model
 * (resplint/message.h) filled directly from CRLF text, so these tests do not
 * depend on the http stage. */
#ifndef RL_TEST_ENGINE_BUILD_H
#define RL_TEST_ENGINE_BUILD_H

#include "resplint/message.h"

typedef struct built {
  rl_message m;
  rl_field fields[32];
  rl_msg_event events[4];
  char raw[2048];
} built;

/* Fills a message from "START\r\nName: value\r\n...\r\n\r\n" (CRLF lines):
 * start-line spans, version, status code, one field per line. */
void build(built *b, const char *text, int response);

#endif
