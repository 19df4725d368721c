/* Reading the tests/http Markdown cases and writing their logs; see speclog.h and
 * tests/http/README.md for the format. */
#include "speclog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- strings ---------------------------------------------------------------- */

void sl_putn(sl_buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *ns = realloc(b->s, cap);
    if (ns == NULL)
      abort();
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void sl_printf(sl_buf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0)
    sl_putn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void sl_quote(sl_buf *b, const uint8_t *p, size_t n) {
  sl_putn(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c == '\r')
      sl_putn(b, "\\r", 2);
    else if (c == '\n')
      sl_putn(b, "\\n", 2);
    else if (c == '\t')
      sl_putn(b, "\\t", 2);
    else if (c == '\\' || c == '"') {
      sl_putn(b, "\\", 1);
      sl_putn(b, (const char *)&c, 1);
    } else if (c < 0x20 || c >= 0x7f)
      sl_printf(b, "\\x%02x", c);
    else
      sl_putn(b, (const char *)&c, 1);
  }
  sl_putn(b, "\"", 1);
}

void sl_free(sl_buf *b) {
  free(b->s);
  b->s = NULL;
  b->len = b->cap = 0;
}

/* --- escapes ---------------------------------------------------------------- */

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

uint8_t *sl_unescape(const char *t, size_t len, size_t *out_len) {
  uint8_t *out = malloc(len + 1);
  size_t n = 0;
  if (out == NULL)
    abort();
  for (size_t i = 0; i < len; i++) {
    if (t[i] == '\n')
      continue; /* the block's own line breaks are not bytes */
    if (t[i] != '\\' || i + 1 == len) {
      out[n++] = (uint8_t)t[i];
      continue;
    }
    char e = t[++i];
    if (e == 'r')
      out[n++] = '\r';
    else if (e == 'n')
      out[n++] = '\n';
    else if (e == 't')
      out[n++] = '\t';
    else if (e == 'x' && i + 2 < len && hexval(t[i + 1]) >= 0 &&
             hexval(t[i + 2]) >= 0) {
      out[n++] = (uint8_t)(hexval(t[i + 1]) * 16 + hexval(t[i + 2]));
      i += 2;
    } else
      out[n++] = (uint8_t)e;
  }
  *out_len = n;
  return out;
}

/* --- Markdown cases ------------------------------------------------------- */

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  sl_buf b = {0};
  char tmp[4096];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
    sl_putn(&b, tmp, n);
  fclose(f);
  if (b.s == NULL)
    sl_putn(&b, "", 0);
  return b.s;
}

static void parse_options(sl_case *c, const char *line) {
  const char *p;
  if ((p = strstr(line, "end=")) != NULL)
    c->end_open = strncmp(p + 4, "open", 4) == 0;
  if ((p = strstr(line, "syn=")) != NULL)
    c->syn = p[4] == '1';
  if ((p = strstr(line, "max-header=")) != NULL)
    c->max_header = (uint32_t)strtoul(p + 11, NULL, 10);
  if ((p = strstr(line, "max-pending=")) != NULL)
    c->max_pending = (uint32_t)strtoul(p + 12, NULL, 10);
  if ((p = strstr(line, "prefix=")) != NULL)
    c->prefix = (uint32_t)strtoul(p + 7, NULL, 10);
}

static rl_dir dir_of(const char *s) {
  return strncmp(s, "client", 6) == 0 ? RL_DIR_TO_SERVER : RL_DIR_TO_CLIENT;
}

/* Turns one fenced block into a step or the expected log. `info` is the
 * fence's kind, optionally followed by ` t=N` (the step's capture time). */
static const char *add_block(sl_case *c, const char *fence, const char *body,
                             size_t len) {
  char info[32];
  snprintf(info, sizeof info, "%.*s", (int)strcspn(fence, " "), fence);
  const char *tp = strstr(fence, " t=");
  if (strcmp(info, "log") == 0) {
    c->expected = malloc(len + 1);
    memcpy(c->expected, body, len);
    c->expected[len] = '\0';
    return NULL;
  }
  int is_data = strcmp(info, "client") == 0 || strcmp(info, "server") == 0;
  int is_gap = strcmp(info, "gap") == 0, is_end = strcmp(info, "end") == 0;
  int is_event = strcmp(info, "event") == 0;
  if (!is_data && !is_gap && !is_end && !is_event)
    return NULL; /* other fences are documentation */
  if (c->nsteps == (int)(sizeof c->steps / sizeof c->steps[0]))
    return "too many steps in one case";
  sl_step *s = &c->steps[c->nsteps++];
  memset(s, 0, sizeof *s);
  s->t = tp ? strtoll(tp + 3, NULL, 10) : c->nsteps;
  char small[64]; /* gap and end blocks: one short line */
  snprintf(small, sizeof small, "%.*s", (int)(len < 63 ? len : 63), body);
  if (is_data) {
    s->kind = SL_DATA;
    s->dir = dir_of(info);
    s->bytes = sl_unescape(body, len, &s->len);
  } else if (is_gap) {
    s->kind = SL_GAP;
    s->dir = dir_of(small);
    const char *sp = strchr(small, ' ');
    s->len = sp ? strtoul(sp + 1, NULL, 10) : 0;
  } else if (is_event) {
    s->kind = SL_EVENT;
    s->dir = dir_of(small);
    const char *sp = strchr(small, ' ');
    char name[48] = "";
    if (sp != NULL)
      snprintf(name, sizeof name, "%.*s", (int)strcspn(sp + 1, " \n"), sp + 1);
    s->event = rl_event_lookup(name);
    if (s->event < 0)
      return "unknown event name";
  } else {
    s->kind = SL_END;
    s->dir = dir_of(small);
    s->how = strstr(small, "peer-rst") ? RL_END_PEER_RST
             : strstr(small, "rst") ? RL_END_RST
             : strstr(small, "capture") ? RL_END_CAPTURE
                                        : RL_END_FIN;
  }
  return NULL;
}

int sl_parse_file(const char *path, sl_case **out, const char **error) {
  char *text = read_all(path);
  if (text == NULL)
    return -1;
  sl_case *cases = NULL;
  int n = 0, lineno = 0;
  *error = NULL;
  char *p = text;
  while (*p) {
    char *eol = strchr(p, '\n');
    size_t ll = eol ? (size_t)(eol - p) : strlen(p);
    lineno++;
    if (strncmp(p, "## ", 3) == 0) {
      cases = realloc(cases, (size_t)(n + 1) * sizeof *cases);
      sl_case *c = &cases[n++];
      memset(c, 0, sizeof *c);
      c->syn = -1;
      c->line = lineno;
      snprintf(c->name, sizeof c->name, "%.*s", (int)(ll - 3), p + 3);
    } else if (n > 0 && strncmp(p, "<!--", 4) == 0) {
      char opt[256];
      snprintf(opt, sizeof opt, "%.*s", (int)ll, p);
      parse_options(&cases[n - 1], opt);
    } else if (n > 0 && strncmp(p, "```", 3) == 0) {
      char info[32];
      snprintf(info, sizeof info, "%.*s", (int)(ll - 3), p + 3);
      char *body = eol ? eol + 1 : p + ll;
      char *end = strstr(body, "\n```");
      if (strncmp(body, "```", 3) == 0)
        end = body - 1;
      if (end == NULL) {
        *error = "unterminated fence";
        break;
      }
      size_t blen = end >= body ? (size_t)(end - body) + 1 : 0;
      const char *err = add_block(&cases[n - 1], info, body, blen);
      if (err != NULL && *error == NULL)
        *error = err;
      for (char *q = body; q < end + 1; q++)
        lineno += *q == '\n';
      p = end + 4;
      eol = strchr(p, '\n');
      lineno++;
    }
    if (eol == NULL)
      break;
    p = eol + 1;
  }
  free(text);
  *out = cases;
  return n;
}

void sl_free_cases(sl_case *cases, int n) {
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < cases[i].nsteps; j++)
      free(cases[i].steps[j].bytes);
    free(cases[i].expected);
  }
  free(cases);
}

/* --- logging ---------------------------------------------------------------- */

static const char *framing_name(rl_framing f) {
  static const char *const names[] = {"none", "length", "chunked", "close",
                                      "tunnel"};
  return (unsigned)f < 5 ? names[f] : "?";
}

static const char *cut_name(rl_cut c) {
  static const char *const names[] = {"none",  "headers",     "length",
                                      "chunked", "gap", "capture-end",
                                      "parse-error"};
  return (unsigned)c < 7 ? names[c] : "?";
}

static const char *req_name(rl_request_state s) {
  static const char *const names[] = {"paired", "not-captured", "none"};
  return (unsigned)s < 3 ? names[s] : "?";
}

static void span_quote(sl_buf *b, const uint8_t *raw, rl_span s) {
  sl_quote(b, raw + s.off, s.len);
}

static void log_field(sl_buf *b, const char *what, const uint8_t *raw,
                      const rl_field *f) {
  static const char *const eols[] = {"crlf", "lf", "cr", "none"};
  sl_printf(b, "  %s ", what);
  span_quote(b, raw, f->name);
  sl_putn(b, " ", 1);
  span_quote(b, raw, f->value);
  if (f->eol != RL_EOL_CRLF)
    sl_printf(b, " eol=%s", eols[f->eol & 3]);
  if (f->flags & RL_FL_WS_BEFORE_COLON)
    sl_printf(b, " ws-before-colon");
  if (f->flags & RL_FL_NO_COLON)
    sl_printf(b, " no-colon");
  if (f->flags & RL_FL_EMPTY_NAME)
    sl_printf(b, " empty-name");
  if (f->flags & RL_FL_OBS_FOLD)
    sl_printf(b, " obs-fold=%u", f->fold_lines);
  if (f->flags & RL_FL_BARE_CR)
    sl_printf(b, " bare-cr");
  if (f->flags & RL_FL_LEADING_WS)
    sl_printf(b, " leading-ws");
  if (f->id != RL_FIELD_OTHER)
    sl_printf(b, " id=%s", rl_field_name(f->id));
  sl_putn(b, "\n", 1);
}

static void log_event(sl_buf *b, const rl_message *m, const rl_msg_event *e) {
  sl_printf(b, "  event %s @%llu", rl_event_name(e->kind),
            (unsigned long long)e->offset);
  if (e->hpe_name != NULL)
    sl_printf(b, " %s", e->hpe_name);
  if (e->evidence.len > 0) {
    sl_printf(b, " raw=");
    span_quote(b, m->raw, e->evidence);
  } else if (e->extra_len > 0) {
    sl_printf(b, " bytes=");
    sl_quote(b, e->extra, e->extra_len);
  }
  sl_putn(b, "\n", 1);
}

void sl_log_exchange(sl_buf *b, const rl_exchange *x) {
  const rl_message *m = x->response;
  sl_printf(b, "response #%u ", m->index);
  span_quote(b, m->raw, m->start_line);
  sl_printf(b, " framing=%s cut=%s content=%llu wire=%llu @%llu",
            framing_name(m->framing), cut_name(m->cut),
            (unsigned long long)m->content_bytes,
            (unsigned long long)m->wire_bytes,
            (unsigned long long)m->stream_offset);
  if (m->framing == RL_FRAMING_LENGTH)
    sl_printf(b, " cl=%llu", (unsigned long long)m->content_length_declared);
  if (m->chunk_count > 0)
    sl_printf(b, " chunks=%u", m->chunk_count);
  if (x->interim)
    sl_printf(b, " interim");
  if (x->after_close)
    sl_printf(b, " after-close");
  if (m->first.frame != 0 || m->last.frame != 0)
    sl_printf(b, " frames=%llu-%llu", (unsigned long long)m->first.frame,
              (unsigned long long)m->last.frame);
  sl_printf(b, " req=%s", req_name(x->request_state));
  if (x->request != NULL) {
    sl_putn(b, " ", 1);
    span_quote(b, x->request->raw, x->request->start_line);
  }
  sl_putn(b, "\n", 1);
  if (m->raw_total != m->raw_len)
    sl_printf(b, "  head kept=%u total=%u\n", m->raw_len, m->raw_total);
  if (m->start_eol != RL_EOL_CRLF)
    sl_printf(b, "  start-line eol=%s\n",
              m->start_eol == RL_EOL_LF ? "lf" : m->start_eol == RL_EOL_CR ? "cr" : "none");
  for (uint32_t i = 0; i < m->nfields; i++)
    log_field(b, "field", m->raw, &m->fields[i]);
  for (uint32_t i = 0; i < m->ntrailers; i++)
    log_field(b, "trailer", m->trailer_raw, &m->trailers[i]);
  if (m->content_prefix_len > 0) {
    sl_printf(b, "  body ");
    sl_quote(b, m->content_prefix, m->content_prefix_len);
    sl_putn(b, "\n", 1);
  }
  if (m->forbidden_bytes > 0) {
    sl_printf(b, "  forbidden %llu ", (unsigned long long)m->forbidden_bytes);
    sl_quote(b, m->forbidden_prefix, m->forbidden_prefix_len);
    sl_putn(b, "\n", 1);
  }
  for (uint32_t i = 0; i < m->nevents; i++)
    log_event(b, m, &m->events[i]);
}

/* --- running ---------------------------------------------------------------- */

static void on_exchange(void *ctx, const rl_exchange *x) {
  sl_log_exchange(ctx, x);
}

static void on_note(void *ctx, const rl_conn *conn, rl_dir dir,
                    rl_event_kind kind, uint64_t offset, const rl_pktref *at,
                    const char *detail) {
  (void)conn;
  (void)at;
  sl_printf(ctx, "note %s %s @%llu%s%s\n", rl_event_name(kind),
            dir == RL_DIR_TO_SERVER ? "client" : "server",
            (unsigned long long)offset, detail ? " " : "", detail ? detail : "");
}

/* Whether the case is a plain transcript: client bytes then server bytes. */
static int is_transcript(const sl_case *c) {
  if (c->syn == 0 && c->nsteps == 2)
    return 0;
  if (c->nsteps == 1)
    return c->steps[0].kind == SL_DATA && c->steps[0].dir == RL_DIR_TO_CLIENT;
  return c->nsteps == 2 && c->steps[0].kind == SL_DATA &&
         c->steps[0].dir == RL_DIR_TO_SERVER && c->steps[1].kind == SL_DATA &&
         c->steps[1].dir == RL_DIR_TO_CLIENT;
}

static void run_steps(rl_http *h, const sl_case *c) {
  rl_stream_sink s = rl_http_stream_sink();
  rl_conn conn = {0};
  int has_client = 0;
  for (int i = 0; i < c->nsteps; i++)
    has_client |= c->steps[i].dir == RL_DIR_TO_SERVER;
  conn.saw_syn = (uint8_t)(c->syn >= 0 ? c->syn : has_client);
  uint64_t off[2] = {0, 0};
  rl_pktref at = {1, {0, 0}};
  s.open(h, &conn, &at);
  for (int i = 0; i < c->nsteps; i++) {
    const sl_step *st = &c->steps[i];
    at.frame = (uint64_t)i + 1;
    at.ts.sec = st->t;
    if (st->kind == SL_DATA) {
      s.data(h, &conn, st->dir, st->bytes, st->len, off[st->dir], &at);
      off[st->dir] += st->len;
    } else if (st->kind == SL_GAP) {
      s.gap(h, &conn, st->dir, off[st->dir], st->len, &at);
      off[st->dir] += st->len;
    } else if (st->kind == SL_EVENT) {
      s.event(h, &conn, st->dir, (rl_event_kind)st->event, off[st->dir], &at);
    } else {
      s.end(h, &conn, st->dir, st->how, &at);
    }
  }
  s.close(h, &conn);
}

char *sl_run_case(const sl_case *c) {
  sl_buf log = {0};
  sl_putn(&log, "", 0);
  rl_http_config cfg = {0};
  cfg.sink.exchange = on_exchange;
  cfg.sink.note = on_note;
  cfg.sink_ctx = &log;
  cfg.max_header_bytes = c->max_header;
  cfg.max_pending = c->max_pending;
  cfg.content_prefix = c->prefix;
  rl_http *h = rl_http_new(&cfg, NULL);
  if (h == NULL)
    abort();
  if (is_transcript(c)) {
    const sl_step *cl = c->nsteps == 2 ? &c->steps[0] : NULL;
    const sl_step *sv = &c->steps[c->nsteps - 1];
    rl_http_run_transcript(h, 0, cl ? cl->bytes : NULL, cl ? cl->len : 0,
                           sv->bytes, sv->len,
                           c->end_open ? RL_TRANSCRIPT_OPEN : RL_TRANSCRIPT_FIN);
  } else {
    run_steps(h, c);
  }
  rl_http_free(h);
  return log.s;
}
