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

/* One table lookup per byte that is not plain printable ASCII; CR and LF
 * carry an extra bit (EOL) so that their pairing is checked only at them. */
enum { EOL = 1 << 7 };

/* The class of byte i of p: its table entry, or for CR and LF whether it
 * breaks the CR LF pairing. */
static unsigned byte_class(const uint8_t *cls, const uint8_t *p, size_t n,
                           size_t i) {
  unsigned c = cls[p[i]];
  if (!(c & EOL)) return c;
  int odd = p[i] == '\r' ? (i + 1 >= n || p[i + 1] != '\n')
                         : (i == 0 || p[i - 1] != '\r');
  return odd ? RL__BYTES_EOL_ODD : 0;
}

/* The place in memory of the lowest lane whose high bit is set in w, a
 * word loaded from memory. */
static size_t lane(uint64_t w) {
  size_t k = (size_t)__builtin_ctzll(w) / 8;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  k = 7 - k;
#endif
  return k;
}

static unsigned classes_of(const uint8_t *p, size_t n) {
  static uint8_t cls[256];
  static int ready;
  if (!ready) {
    for (int b = 0; b < 256; b++)
      cls[b] = b >= 0x80 ? RL__BYTES_HIGH
               : (b == '\r' || b == '\n') ? EOL
               : ((b < 0x20 && b != '\t') || b == 0x7f) ? RL__BYTES_CTL
                                                       : 0;
    ready = 1;
  }
  unsigned out = 0;
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  size_t i = 0;
  /* Eight bytes at once: `odd` has the high bit of every byte that may be
   * other than printable ASCII (0x20..0x7e). The tests work lane by lane, and
   * a borrow can only mark a byte next to a marked one, never hide one, so
   * looking up just the marked bytes finds every class. Header lines are ~30
   * bytes, so most words hold no CR or LF and need no look-up at all. */
  for (; i + 8 <= n; i += 8) {
    uint64_t w, d, odd;
    memcpy(&w, p + i, 8);
    d = w ^ (0x7f * ones);
    odd = (w & highs) | ((w - 0x20 * ones) & ~w & highs) | ((d - ones) & ~d & highs);
    /* Only the marked lanes: a word with a line's CR LF has two of them. */
    for (; odd; odd &= odd - 1) out |= byte_class(cls, p, n, i + lane(odd));
  }
  for (; i < n; i++) out |= byte_class(cls, p, n, i);
  return out;
}

unsigned rl__byte_classes(const rl_message *m) {
  unsigned out = 0;
  if (m->raw) out |= classes_of(m->raw, m->raw_len);
  if (m->trailer_raw) out |= classes_of(m->trailer_raw, m->trailer_raw_len);
  for (uint32_t i = 0; i < m->nfields; i++) {
    if (m->fields[i].fold_lines || (m->fields[i].flags & RL_FL_OBS_FOLD))
      out |= RL__BYTES_FOLD;
    out |= RL__BYTES_FL(m->fields[i].flags);
  }
  for (uint32_t i = 0; i < m->ntrailers; i++) {
    if (m->trailers[i].fold_lines || (m->trailers[i].flags & RL_FL_OBS_FOLD))
      out |= RL__BYTES_FOLD;
    out |= RL__BYTES_FL(m->trailers[i].flags);
  }
  return out;
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

/* Byte by byte without snprintf: it runs for every {detail} judged afresh,
 * and formatting "\\x%02x" through stdio cost more than the rest of a check. */
/* Whether the 8 bytes at p all stand for themselves in rl__escape:
 * printable ASCII (0x20..0x7e) other than backslash. Each test flags a word
 * holding such a byte (high bit; below 0x20; 0x7f; 0x5c), as classes_of's. */
static int plain8(const uint8_t *p) {
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t w, d, b;
  memcpy(&w, p, 8);
  d = w ^ (0x7f * ones);
  b = w ^ (0x5c * ones);
  return !((w & highs) | ((w - 0x20 * ones) & ~w & highs) |
           ((d - ones) & ~d & highs) | ((b - ones) & ~b & highs));
}

void rl__escape(char *out, size_t cap, const uint8_t *s, size_t n,
                size_t max) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  if (cap == 0) return;
  int cut = n > max;
  if (cut) n = max;
  for (size_t i = 0; i < n; i++) {
    /* A run of bytes that stand for themselves is copied whole (as far as
     * it fits, as byte by byte would): most values are such a run. */
    size_t r = i;
    while (r + 8 <= n && plain8(s + r)) r += 8;
    while (r < n && s[r] >= 0x20 && s[r] < 0x7f && s[r] != '\\') r++;
    if (r > i) {
      size_t k = r - i, room = cap - 1 - o;
      if (k > room) {
        memcpy(out + o, s + i, room);
        o += room;
        cut = 1;
        break;
      }
      memcpy(out + o, s + i, k);
      o += k;
      i = r - 1;
      continue;
    }
    uint8_t c = s[i];
    size_t k = (c >= 0x20 && c < 0x7f) ? (c == '\\' ? 2 : 1) : 4;
    if (o + k + 1 > cap) {
      cut = 1;
      break;
    }
    if (k == 1) {
      out[o] = (char)c;
    } else {
      out[o] = '\\';
      out[o + 1] = k == 2 ? '\\' : 'x';
      if (k == 4) {
        out[o + 2] = hex[c >> 4];
        out[o + 3] = hex[c & 15];
      }
    }
    o += k;
  }
  if (cut && o + 4 <= cap) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o < cap ? o : cap - 1] = '\0';
}

const uint8_t *rl__trailer_bytes(const rl_message *m, rl_span sp, size_t *n) {
  if (!m->trailer_raw || sp.off >= m->trailer_raw_len) {
    *n = 0;
    return m->trailer_raw ? m->trailer_raw + m->trailer_raw_len
                          : (const uint8_t *)"";
  }
  size_t avail = m->trailer_raw_len - sp.off;
  *n = sp.len < avail ? sp.len : avail;
  return m->trailer_raw + sp.off;
}

int rl__field_each_member_q(const rl_message *m, rl_field_id id,
                            int (*fn)(void *ctx, uint32_t line,
                                      const uint8_t *s, size_t n),
                            void *ctx) {
  for (int i = rl__field_next(m, 0, id, NULL, 0); i >= 0;
       i = rl__field_next(m, (uint32_t)i + 1, id, NULL, 0)) {
    size_t n;
    const uint8_t *v = rl__span_bytes(m, m->fields[i].value, &n);
    size_t start = 0;
    int quoted = 0;
    for (size_t j = 0; j <= n; j++) {
      if (j < n) {
        if (quoted && v[j] == '\\') {
          j++;
          continue;
        }
        if (v[j] == '"') quoted = !quoted;
        if (quoted || v[j] != ',') continue;
      }
      size_t a = start, b = j < n ? j : n;
      while (a < b && is_ows(v[a])) a++;
      while (b > a && is_ows(v[b - 1])) b--;
      if (b > a) {
        int r = fn(ctx, (uint32_t)i, v + a, b - a);
        if (r) return r;
      }
      start = j + 1;
    }
  }
  return 0;
}

/* --- field-line built-ins (HF) --------------------------------------------
 * Header lines and trailer lines are judged alike; their spans point into
 * different buffers, which line_bytes hides. */

typedef struct line_ref {
  const rl_message *m;
  const rl_field *f;
  int trailer;
} line_ref;

/* Visits every header line, then every trailer line; returns the first
 * line for which pred holds (with *out filled), or 0. */
static int find_line(const rl_message *m,
                     int (*pred)(const line_ref *l, void *ctx), void *ctx,
                     line_ref *out, uint64_t *count) {
  int found = 0;
  for (int t = 0; t < 2; t++) {
    const rl_field *fs = t ? m->trailers : m->fields;
    uint32_t n = t ? m->ntrailers : m->nfields;
    for (uint32_t i = 0; fs && i < n; i++) {
      line_ref l = {m, &fs[i], t};
      if (!pred(&l, ctx)) continue;
      if (!found) *out = l;
      found = 1;
      if (count) (*count)++;
    }
  }
  return found;
}

static const uint8_t *lb(const line_ref *l, rl_span sp, size_t *n) {
  return l->trailer ? rl__trailer_bytes(l->m, sp, n) : rl__span_bytes(l->m, sp, n);
}

static uint64_t line_offset(const line_ref *l, rl_span sp) {
  /* Trailer offsets are not known relative to the stream; the message
   * start is the nearest honest answer. */
  return l->m->stream_offset + (l->trailer ? 0 : sp.off);
}

static void evidence_span(rl__match *m, const line_ref *l, rl_span sp) {
  if (m->has_evidence) return;
  m->has_evidence = 1;
  m->evidence = lb(l, sp, &m->evidence_len);
  m->offset = line_offset(l, sp);
}

static void detail_span(rl__match *m, const line_ref *l, rl_span sp,
                        size_t max) {
  size_t n;
  const uint8_t *s = lb(l, sp, &n);
  char esc[128];
  rl__escape(esc, sizeof esc, s, n, max);
  snprintf(m->detail, sizeof m->detail, "\"%s\"", esc);
}

static int has_flag(const line_ref *l, void *ctx) {
  return (l->f->flags & *(const uint16_t *)ctx) != 0;
}

/* A flag-driven check: the line that has `flag`; evidence and detail from
 * the span `which` picks. */
static int flag_check(const rl_exchange *x, const rl__env *env, rl__match *m,
                      uint16_t flag, int use_name) {
  if (rl__bytes_lack(env, x->response, RL__BYTES_FL(flag))) return 0;
  line_ref l;
  uint64_t count = 0;
  if (!find_line(x->response, has_flag, &flag, &l, &count)) return 0;
  rl_span sp = use_name ? l.f->name : l.f->line;
  evidence_span(m, &l, sp);
  detail_span(m, &l, sp, 40);
  m->count = count;
  return 1;
}

int rl__chk_whitespace_before_colon(const rl_exchange *x, const rl__env *env,
                                    rl__match *m) {
  return flag_check(x, env, m, RL_FL_WS_BEFORE_COLON, 1);
}

int rl__chk_field_line_without_colon(const rl_exchange *x, const rl__env *env,
                                     rl__match *m) {
  return flag_check(x, env, m, RL_FL_NO_COLON, 0);
}

int rl__chk_whitespace_before_first_field(const rl_exchange *x,
                                          const rl__env *env, rl__match *m) {
  return flag_check(x, env, m, RL_FL_LEADING_WS, 0);
}

int rl__chk_empty_field_name(const rl_exchange *x, const rl__env *env,
                             rl__match *m) {
  return flag_check(x, env, m, RL_FL_EMPTY_NAME, 0);
}

int rl__chk_obs_fold(const rl_exchange *x, const rl__env *env, rl__match *m) {
  if (rl__bytes_lack(env, x->response, RL__BYTES_FOLD)) return 0;
  uint16_t flag = RL_FL_OBS_FOLD;
  line_ref l;
  if (!find_line(x->response, has_flag, &flag, &l, NULL)) return 0;
  uint64_t folds = 0;
  for (uint32_t i = 0; i < x->response->nfields; i++)
    folds += x->response->fields[i].fold_lines;
  for (uint32_t i = 0; i < x->response->ntrailers; i++)
    folds += x->response->trailers[i].fold_lines;
  evidence_span(m, &l, l.f->line);
  size_t n;
  const uint8_t *name = lb(&l, l.f->name, &n);
  rl__escape(m->detail, sizeof m->detail, name, n, 40);
  m->count = folds ? folds : 1;
  return 1;
}

/* strlen(rl_field_name(id)), or SIZE_MAX for an id without a name. */
static size_t known_name_len(rl_field_id id) {
  static size_t len[RL_FIELD__COUNT];
  static int ready;
  if (!ready) {
    for (int i = 0; i < RL_FIELD__COUNT; i++) {
      const char *k = rl_field_name((rl_field_id)i);
      len[i] = k ? strlen(k) : SIZE_MAX;
    }
    ready = 1;
  }
  return (unsigned)id < RL_FIELD__COUNT ? len[id] : SIZE_MAX;
}

static int bad_name(const line_ref *l, void *ctx) {
  (void)ctx;
  if (l->f->flags & (RL_FL_NO_COLON | RL_FL_EMPTY_NAME | RL_FL_LEADING_WS))
    return 0;
  /* The id was looked up from the name without its stray whitespace, a
   * part of this span: a span exactly as long as the known name is that
   * name, a token, and the answer is known without reading a byte (the walk
   * below would say the same). */
  if (l->f->name.len == known_name_len(l->f->id)) return 0;
  size_t n;
  const uint8_t *s = lb(l, l->f->name, &n);
  while (n > 0 && is_ows(s[n - 1])) n--;
  /* A known id was looked up from these bytes, ignoring ASCII case, and all
   * known names are tokens: when the name is exactly as long as its known
   * name there is nothing to scan (the common case, most of this check's
   * cost on real traffic). */
  const char *known = rl_field_name(l->f->id);
  if (known && n == strlen(known)) return 0;
  for (size_t i = 0; i < n; i++)
    if (!rl__is_tchar(s[i])) return 1;
  return 0;
}

int rl__chk_field_name_not_token(const rl_exchange *x, const rl__env *env,
                                 rl__match *m) {
  (void)env;
  line_ref l;
  uint64_t count = 0;
  if (!find_line(x->response, bad_name, NULL, &l, &count)) return 0;
  evidence_span(m, &l, l.f->name);
  size_t n;
  const uint8_t *s = lb(&l, l.f->name, &n);
  while (n > 0 && is_ows(s[n - 1])) n--;
  size_t bad = 0;
  while (bad < n && rl__is_tchar(s[bad])) bad++;
  char name[96], ch[8];
  rl__escape(name, sizeof name, s, n, 40);
  rl__escape(ch, sizeof ch, s + bad, 1, 1);
  snprintf(m->detail, sizeof m->detail,
           "\"%s\" ('%s' is not a token character)", name, ch);
  m->count = count;
  return 1;
}

/* Counts value bytes that are CTLs other than HTAB, skipping obs-fold line
 * breaks (CR LF or LF followed by SP / HTAB), which HF003 reports. */
static size_t ctl_bytes(const uint8_t *v, size_t n, size_t *first) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t b = v[i];
    if (b == '\r' && i + 2 < n && v[i + 1] == '\n' && is_ows(v[i + 2])) {
      i += 1;
      continue;
    }
    if (b == '\n' && i + 1 < n && is_ows(v[i + 1])) continue;
    if ((b < 0x20 && b != '\t') || b == 0x7f) {
      if (c++ == 0) *first = i;
    }
  }
  return c;
}

static int value_has_ctl(const line_ref *l, void *ctx) {
  (void)ctx;
  size_t n, first;
  const uint8_t *v = lb(l, l->f->value, &n);
  return ctl_bytes(v, n, &first) > 0;
}

int rl__chk_field_value_has_ctl(const rl_exchange *x, const rl__env *env,
                                rl__match *m) {
  /* Without control bytes, odd line endings or folds, a value (which never
   * holds its own line ending) cannot hold a control byte. */
  if (rl__bytes_lack(env, x->response,
                     RL__BYTES_CTL | RL__BYTES_EOL_ODD | RL__BYTES_FOLD))
    return 0;
  line_ref l;
  if (!find_line(x->response, value_has_ctl, NULL, &l, NULL)) return 0;
  size_t n, nn, first = 0;
  const uint8_t *v = lb(&l, l.f->value, &n);
  const uint8_t *name = lb(&l, l.f->name, &nn);
  evidence_span(m, &l, l.f->value);
  m->count = ctl_bytes(v, n, &first);
  char nm[64];
  rl__escape(nm, sizeof nm, name, nn, 40);
  snprintf(m->detail, sizeof m->detail, "%s: \\x%02x at value byte %zu", nm,
           v[first], first);
  return 1;
}

static int value_has_obs_text(const line_ref *l, void *ctx) {
  (void)ctx;
  size_t n;
  const uint8_t *v = lb(l, l->f->value, &n);
  for (size_t i = 0; i < n; i++)
    if (v[i] >= 0x80) return 1;
  return 0;
}

int rl__chk_field_value_has_obs_text(const rl_exchange *x, const rl__env *env,
                                     rl__match *m) {
  if (rl__bytes_lack(env, x->response, RL__BYTES_HIGH)) return 0;
  line_ref l;
  if (!find_line(x->response, value_has_obs_text, NULL, &l, NULL)) return 0;
  size_t n, nn;
  const uint8_t *v = lb(&l, l.f->value, &n);
  const uint8_t *name = lb(&l, l.f->name, &nn);
  evidence_span(m, &l, l.f->value);
  m->count = 0;
  for (size_t i = 0; i < n; i++) m->count += v[i] >= 0x80;
  char nm[44], val[108];
  rl__escape(nm, sizeof nm, name, nn, 40);
  rl__escape(val, sizeof val, v, n, 40);
  snprintf(m->detail, sizeof m->detail, "%s: %s", nm, val);
  return 1;
}

/* Scans a header-section buffer for line-ending faults. */
typedef struct eol_scan {
  uint64_t bad;      /* bare LFs or bare CRs */
  uint64_t lines;    /* LFs in all */
  size_t first_at;   /* offset of the first bad byte */
  const uint8_t *buf;
  int in_trailer;
} eol_scan;

static void scan_lf(eol_scan *sc, const uint8_t *b, size_t n, int trailer) {
  for (size_t i = 0; i < n; i++) {
    if (b[i] != '\n') continue;
    sc->lines++;
    if (i == 0 || b[i - 1] != '\r') {
      if (sc->bad++ == 0) {
        sc->first_at = i;
        sc->buf = b;
        sc->in_trailer = trailer;
      }
    }
  }
}

static void scan_cr(eol_scan *sc, const uint8_t *b, size_t n, int cut,
                    int trailer) {
  for (size_t i = 0; i < n; i++) {
    if (b[i] != '\r') continue;
    if (i + 1 < n && b[i + 1] == '\n') continue;
    if (i + 1 == n && cut) continue; /* the section was cut right after it */
    if (sc->bad++ == 0) {
      sc->first_at = i;
      sc->buf = b;
      sc->in_trailer = trailer;
    }
  }
}

/* The line around offset `at` of buffer b (from the previous LF to the
 * next LF), as evidence and escaped detail. */
static void line_around(rl__match *m, const rl_message *msg, const uint8_t *b,
                        size_t len, size_t at, int detail) {
  size_t a = at, e = at;
  while (a > 0 && b[a - 1] != '\n') a--;
  while (e < len && b[e] != '\n') e++;
  if (!m->has_evidence) {
    m->has_evidence = 1;
    m->evidence = b + a;
    m->evidence_len = e - a;
    m->offset = msg->stream_offset + (b == msg->raw ? a : 0);
  }
  if (detail) rl__escape(m->detail, sizeof m->detail, b + a, e - a, 60);
}

int rl__chk_bare_lf_line_ending(const rl_exchange *x, const rl__env *env,
                                rl__match *m) {
  if (rl__bytes_lack(env, x->response, RL__BYTES_EOL_ODD)) return 0;
  const rl_message *r = x->response;
  eol_scan sc;
  memset(&sc, 0, sizeof sc);
  if (r->raw) scan_lf(&sc, r->raw, r->raw_len, 0);
  if (r->trailer_raw) scan_lf(&sc, r->trailer_raw, r->trailer_raw_len, 1);
  if (!sc.bad) return 0;
  size_t len = sc.in_trailer ? r->trailer_raw_len : r->raw_len;
  line_around(m, r, sc.buf, len, sc.first_at, 0);
  m->count = sc.bad;
  snprintf(m->detail, sizeof m->detail, "%llu of %llu lines end in LF without CR",
           (unsigned long long)sc.bad, (unsigned long long)sc.lines);
  return 1;
}

int rl__chk_bare_cr(const rl_exchange *x, const rl__env *env, rl__match *m) {
  if (rl__bytes_lack(env, x->response, RL__BYTES_EOL_ODD)) return 0;
  const rl_message *r = x->response;
  eol_scan sc;
  memset(&sc, 0, sizeof sc);
  int cut = r->raw_len < r->raw_total || r->cut == RL_CUT_HEADERS;
  if (r->raw) scan_cr(&sc, r->raw, r->raw_len, cut, 0);
  if (r->trailer_raw) scan_cr(&sc, r->trailer_raw, r->trailer_raw_len, 0, 1);
  if (!sc.bad) return 0;
  size_t len = sc.in_trailer ? r->trailer_raw_len : r->raw_len;
  line_around(m, r, sc.buf, len, sc.first_at, 1);
  m->count = sc.bad;
  return 1;
}

int rl__chk_oversized_header_section(const rl_exchange *x, const rl__env *env,
                                     rl__match *m) {
  const rl_message *r = x->response;
  if (!env || !env->max_header_bytes || r->raw_total <= env->max_header_bytes)
    return 0;
  snprintf(m->detail, sizeof m->detail, "%u bytes, above the %u-byte limit",
           r->raw_total, env->max_header_bytes);
  m->count = 1;
  return 1;
}

int rl__chk_too_many_fields(const rl_exchange *x, const rl__env *env,
                            rl__match *m) {
  const rl_message *r = x->response;
  if (!env || !env->max_field_lines || r->nfields <= env->max_field_lines)
    return 0;
  snprintf(m->detail, sizeof m->detail, "%s%u field lines, above the limit of %u",
           r->raw_len < r->raw_total ? "at least " : "", r->nfields,
           env->max_field_lines);
  m->count = r->nfields;
  return 1;
}

/* --- singleton and list fields (HF010, HF016) ------------------------------ */

#define FBIT(id) (1ull << RL_FIELD_##id)

/* Fields whose definition allows one value only (RFC 9110 5.3: no list
 * alternative), so a second line is never a legal list continuation.
 * Set-Cookie is the well-known exception and is not here. */
uint64_t rl__singleton_fields(void) {
  return FBIT(AGE) | FBIT(CONTENT_LENGTH) | FBIT(CONTENT_LOCATION) |
         FBIT(CONTENT_MD5) | FBIT(CONTENT_RANGE) | FBIT(CONTENT_TYPE) |
         FBIT(DATE) | FBIT(ETAG) | FBIT(EXPIRES) | FBIT(LAST_MODIFIED) |
         FBIT(LOCATION) | FBIT(RETRY_AFTER) | FBIT(SERVER) |
         FBIT(STRICT_TRANSPORT_SECURITY);
}

/* Response fields defined with the list construct (RFC 9110 5.6.1) whose
 * elements hold no '<' URI: commas inside quoted strings and comments are
 * not separators, and those are the only places a comma hides in these.
 * Link (a URI-reference may hold commas) and the obsolete Warning are left
 * out rather than misread. */
uint64_t rl__list_fields(void) {
  return FBIT(ACCEPT_RANGES) | FBIT(ALLOW) | FBIT(CACHE_CONTROL) |
         FBIT(CONNECTION) | FBIT(CONTENT_ENCODING) | FBIT(CONTENT_LANGUAGE) |
         FBIT(IM) | FBIT(PRAGMA) | FBIT(PROXY_AUTHENTICATE) | FBIT(TRAILER) |
         FBIT(TRANSFER_ENCODING) | FBIT(UPGRADE) | FBIT(VARY) | FBIT(VIA) |
         FBIT(WWW_AUTHENTICATE);
}

int rl__chk_repeated_singleton_field(const rl_exchange *x, const rl__env *env,
                                     rl__match *m) {
  (void)env;
  const rl_message *r = x->response;
  uint64_t set = rl__singleton_fields();
  uint32_t count[RL_FIELD__COUNT] = {0};
  /* The first field, in header order, whose second line arrives first. */
  for (uint32_t i = 0; i < r->nfields; i++) {
    rl_field_id id = r->fields[i].id;
    if (id == RL_FIELD_OTHER || !(set & (1ull << id)) || ++count[id] != 2)
      continue;
    uint32_t n = rl__field_count(r, id, NULL, 0);
    line_ref l = {r, &r->fields[i], 0};
    evidence_span(m, &l, l.f->line);
    snprintf(m->detail, sizeof m->detail, "%s", rl_field_name(id));
    m->count = n;
    return 1;
  }
  return 0;
}

/* Whether a list value holds an empty element: a comma at either end, or
 * two commas with only whitespace (obs-fold included) between them, outside
 * quoted strings and comments. */
static int has_empty_element(const uint8_t *v, size_t n) {
  /* Most values have no comma: then only a value of nothing but whitespace
   * is "empty", and memchr finds that out faster than the walk below. */
  if (!memchr(v, ',', n)) {
    for (size_t i = 0; i < n; i++)
      if (!is_ows(v[i]) && v[i] != '\r' && v[i] != '\n') return 0;
    return n > 0;
  }
  int quoted = 0, depth = 0, empty = 1;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = v[i];
    if ((quoted || depth) && c == '\\') {
      i++;
      continue;
    }
    if (c == '"' && !depth) {
      quoted = !quoted;
    } else if (!quoted && c == '(') {
      depth++;
    } else if (!quoted && depth && c == ')') {
      depth--;
    } else if (!quoted && !depth && c == ',') {
      if (empty) return 1;
      empty = 1;
      continue;
    }
    /* The CR LF of an obs-fold inside the value is whitespace too. */
    if (!is_ows(c) && c != '\r' && c != '\n') empty = 0;
  }
  return empty && n > 0;
}

static int empty_element(const line_ref *l, void *ctx) {
  (void)ctx;
  rl_field_id id = l->f->id;
  if (id == RL_FIELD_OTHER || !(rl__list_fields() & (1ull << id))) return 0;
  size_t n;
  const uint8_t *v = lb(l, l->f->value, &n);
  return has_empty_element(v, n);
}

int rl__chk_empty_list_element(const rl_exchange *x, const rl__env *env,
                               rl__match *m) {
  (void)env;
  line_ref l;
  uint64_t count = 0;
  if (!find_line(x->response, empty_element, NULL, &l, &count)) return 0;
  evidence_span(m, &l, l.f->line);
  size_t n;
  const uint8_t *v = lb(&l, l.f->value, &n);
  char esc[96];
  rl__escape(esc, sizeof esc, v, n, 60);
  snprintf(m->detail, sizeof m->detail, "%s: \"%s\"", rl_field_name(l.f->id),
           esc);
  m->count = count;
  return 1;
}
