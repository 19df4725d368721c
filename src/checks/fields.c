/* Field access shared by the checks and the engine: spans, lookups by name,
 * list members, escaping. Every read of message bytes goes through
 * rl__span_bytes, which clamps a span to the buffer it points into. */
#include "checks/builtins.h"

#include <stdio.h>
#include <string.h>

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

const uint8_t *rl__span_bytes(const rl_message *m, rl_span sp, size_t *n) {
  if (!m->raw || sp.off >= m->raw_len) {
    *n = 0;
    return m->raw ? m->raw + m->raw_len : (const uint8_t *)"";
  }
  size_t avail = m->raw_len - sp.off;
  *n = sp.len < avail ? sp.len : avail;
  return m->raw + sp.off;
}

int rl__eq_nocase(const uint8_t *s, size_t n, const char *lit) {
  size_t l = strlen(lit);
  if (l != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(s[i]) != lower((unsigned char)lit[i])) return 0;
  return 1;
}

/* The name of a field line without whitespace before the colon, which the
 * message keeps in the span so HF rules can see it. */
static const uint8_t *field_name(const rl_message *m, const rl_field *f,
                                 size_t *n) {
  const uint8_t *s = rl__span_bytes(m, f->name, n);
  while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t')) (*n)--;
  return s;
}

static int name_is(const rl_message *m, const rl_field *f, rl_field_id id,
                   const char *name, size_t len) {
  if (id != RL_FIELD_OTHER) return f->id == id;
  size_t n;
  const uint8_t *s = field_name(m, f, &n);
  if (n != len) return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(s[i]) != lower((unsigned char)name[i])) return 0;
  return 1;
}

int rl__field_next(const rl_message *m, uint32_t from, rl_field_id id,
                   const char *name, size_t len) {
  if (!m) return -1;
  for (uint32_t i = from; i < m->nfields; i++)
    if (name_is(m, &m->fields[i], id, name, len)) return (int)i;
  return -1;
}

uint32_t rl__field_count(const rl_message *m, rl_field_id id,
                         const char *name, size_t len) {
  uint32_t c = 0;
  for (int i = rl__field_next(m, 0, id, name, len); i >= 0;
       i = rl__field_next(m, (uint32_t)i + 1, id, name, len))
    c++;
  return c;
}

static int is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

int rl__field_each_member(const rl_message *m, rl_field_id id,
                          int (*fn)(void *ctx, const uint8_t *s, size_t n),
                          void *ctx) {
  for (int i = rl__field_next(m, 0, id, NULL, 0); i >= 0;
       i = rl__field_next(m, (uint32_t)i + 1, id, NULL, 0)) {
    size_t n;
    const uint8_t *v = rl__span_bytes(m, m->fields[i].value, &n);
    size_t start = 0;
    for (size_t j = 0; j <= n; j++) {
      if (j < n && v[j] != ',') continue;
      size_t a = start, b = j;
      while (a < b && is_ows(v[a])) a++;
      while (b > a && is_ows(v[b - 1])) b--;
      if (b > a) {
        int r = fn(ctx, v + a, b - a);
        if (r) return r;
      }
      start = j + 1;
    }
  }
  return 0;
}

void rl__escape(char *out, size_t cap, const uint8_t *s, size_t n,
                size_t max) {
  size_t o = 0;
  if (cap == 0) return;
  int cut = n > max;
  if (cut) n = max;
  for (size_t i = 0; i < n; i++) {
    char tmp[5];
    size_t k;
    if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
      tmp[0] = (char)s[i];
      k = 1;
    } else if (s[i] == '\\') {
      tmp[0] = '\\';
      tmp[1] = '\\';
      k = 2;
    } else {
      snprintf(tmp, sizeof tmp, "\\x%02x", s[i]);
      k = 4;
    }
    if (o + k + 1 > cap) {
      cut = 1;
      break;
    }
    memcpy(out + o, tmp, k);
    o += k;
  }
  if (cut && o + 4 <= cap) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o < cap ? o : cap - 1] = '\0';
}
