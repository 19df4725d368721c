/* Event names and descriptions, generated from RL_EVENT_MAP. */
#include "resplint/events.h"

#include <string.h>

static const char *const event_names[RL_EV__COUNT] = {
#define RL__EVENT_NAME(e, name, desc) name,
    RL_EVENT_MAP(RL__EVENT_NAME)
#undef RL__EVENT_NAME
};

static const char *const event_descriptions[RL_EV__COUNT] = {
#define RL__EVENT_DESC(e, name, desc) desc,
    RL_EVENT_MAP(RL__EVENT_DESC)
#undef RL__EVENT_DESC
};

const char *rl_event_name(rl_event_kind kind) {
  return (unsigned)kind < RL_EV__COUNT ? event_names[kind] : NULL;
}

const char *rl_event_description(rl_event_kind kind) {
  return (unsigned)kind < RL_EV__COUNT ? event_descriptions[kind] : NULL;
}

int rl_event_lookup(const char *name) {
  for (int i = 0; i < RL_EV__COUNT; i++)
    if (strcmp(event_names[i], name) == 0)
      return i;
  return -1;
}
