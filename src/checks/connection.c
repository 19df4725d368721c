/* Connection built-ins: Upgrade negotiation (RFC 9110 §7.8). */
#include "checks/builtins.h"

#include <string.h>

struct offer_ctx {
  const rl_message *request;
};

/* The protocol name of an Upgrade member: "websocket" or "HTTP/2.0" compare
 * as a whole, case-insensitively (protocol-name is a token; RFC 9110 §7.8
 * says names are case-insensitive in the registry). */
static int eq_nocase_n(const uint8_t *a, size_t an, const uint8_t *b,
                       size_t bn) {
  if (an != bn) return 0;
  for (size_t i = 0; i < an; i++) {
    uint8_t x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = (uint8_t)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (uint8_t)(y + 32);
    if (x != y) return 0;
  }
  return 1;
}

struct find_ctx {
  const uint8_t *s;
  size_t n;
};

static int member_equals(void *ctx, const uint8_t *s, size_t n) {
  const struct find_ctx *f = ctx;
  return eq_nocase_n(s, n, f->s, f->n);
}

static int member_not_offered(void *ctx, const uint8_t *s, size_t n) {
  const struct offer_ctx *o = ctx;
  struct find_ctx f = {s, n};
  return !rl__field_each_member(o->request, RL_FIELD_UPGRADE, member_equals,
                                &f);
}

int rl__chk_upgrade_not_offered(const rl_exchange *x, const rl__env *env,
                      rl__match *m) {
  (void)env;
  if (!x->request) return 0;
  if (rl__field_count(x->request, RL_FIELD_UPGRADE, NULL, 0) == 0) return 0;
  struct offer_ctx o = {x->request};
  if (!rl__field_each_member(x->response, RL_FIELD_UPGRADE,
                             member_not_offered, &o))
    return 0;
  int i = rl__field_next(x->response, 0, RL_FIELD_UPGRADE, NULL, 0);
  if (i >= 0 && !m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = rl__span_bytes(x->response, x->response->fields[i].line,
                                 &m->evidence_len);
    rl__escape(m->detail, sizeof m->detail, m->evidence, m->evidence_len, 80);
  }
  m->count = 1;
  return 1;
}
