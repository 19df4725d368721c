/* Hand-built messages (build.h). */
#include "build.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

void build(built *b, const char *text, int response) {
  memset(b, 0, sizeof *b);
  size_t n = strlen(text);
  cr_assert(n < sizeof b->raw);
  memcpy(b->raw, text, n);
  rl_message *m = &b->m;
  m->raw = (const uint8_t *)b->raw;
  m->raw_len = m->raw_total = (uint32_t)n;
  m->is_response = (uint8_t)response;
  m->status_code = -1;
  const char *eol = strstr(b->raw, "\r\n");
  cr_assert(eol);
  uint32_t sl = (uint32_t)(eol - b->raw);
  m->start_line = (rl_span){0, sl};
  const char *sp1 = memchr(b->raw, ' ', sl);
  cr_assert(sp1);
  uint32_t a = (uint32_t)(sp1 - b->raw);
  const char *sp2 = memchr(sp1 + 1, ' ', sl - a - 1);
  uint32_t c = sp2 ? (uint32_t)(sp2 - b->raw) : sl;
  if (response) {
    m->version = (rl_span){0, a};
    m->status = (rl_span){a + 1, c - a - 1};
    m->reason = sp2 ? (rl_span){c + 1, sl - c - 1} : (rl_span){sl, 0};
    if (c - a - 1 == 3) m->status_code = atoi(b->raw + a + 1);
    m->http_major = (uint8_t)(b->raw[5] - '0');
    m->http_minor = (uint8_t)(b->raw[7] - '0');
  } else {
    m->method = (rl_span){0, a};
    m->target = (rl_span){a + 1, c - a - 1};
    m->version = (rl_span){c + 1, sl - c - 1};
    m->http_major = (uint8_t)(b->raw[c + 6] - '0');
    m->http_minor = (uint8_t)(b->raw[c + 8] - '0');
  }
  uint32_t off = sl + 2;
  while (off + 2 <= n && memcmp(b->raw + off, "\r\n", 2) != 0) {
    const char *le = strstr(b->raw + off, "\r\n");
    cr_assert(le);
    uint32_t ll = (uint32_t)(le - (b->raw + off));
    const char *colon = memchr(b->raw + off, ':', ll);
    cr_assert(colon);
    uint32_t nl = (uint32_t)(colon - (b->raw + off));
    uint32_t vs = nl + 1;
    while (vs < ll && b->raw[off + vs] == ' ') vs++;
    rl_field *f = &b->fields[m->nfields++];
    f->line = (rl_span){off, ll};
    f->name = (rl_span){off, nl};
    f->value = (rl_span){off + vs, ll - vs};
    f->id = rl_field_lookup(b->raw + off, nl);
    off += ll + 2;
  }
  m->fields = b->fields;
}
