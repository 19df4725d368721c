/* The recording sink for the flow tests (see rec.h). */
#include "rec.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *end_name(rl_end_kind k) {
  switch (k) {
  case RL_END_FIN: return "FIN";
  case RL_END_RST: return "RST";
  case RL_END_IDLE: return "IDLE";
  case RL_END_CAPTURE: return "CAPTURE";
  case RL_END_PEER_RST: return "PEER-RST";
  }
  return "?";
}

static void fail(rec *r, const char *fmt, ...) {
  if (r->errors++ == 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->first_error, sizeof r->first_error, fmt, ap);
    va_end(ap);
  }
}

static void logf_(rec *r, const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) {
    return;
  }
  size_t need = r->loglen + (size_t)n + 2;
  if (need > r->logcap) {
    r->logcap = need * 2;
    r->log = realloc(r->log, r->logcap);
  }
  memcpy(r->log + r->loglen, line, (size_t)n);
  r->loglen += (size_t)n;
  r->log[r->loglen++] = '\n';
  r->log[r->loglen] = '\0';
}

static void fmt_ep(const rl_endpoint *ep, char *buf, size_t n) {
  char a[64];
  if (ep->ipver == 6) {
    inet_ntop(AF_INET6, ep->addr, a, sizeof a);
    snprintf(buf, n, "[%s]:%u", a, ep->port);
  } else {
    inet_ntop(AF_INET, ep->addr, a, sizeof a);
    snprintf(buf, n, "%s:%u", a, ep->port);
  }
}

static rec_conn *lookup(rec *r, const rl_conn *c) {
  if (c->stream >= REC_MAX_CONN) {
    fail(r, "stream %llu beyond the recorder", (unsigned long long)c->stream);
    return NULL;
  }
  return &r->conns[c->stream];
}

static rec_conn *live(rec *r, const rl_conn *c, const char *what) {
  rec_conn *rc = lookup(r, c);
  if (rc && (!rc->opened || rc->closed)) {
    fail(r, "%s on stream %llu that is not open", what,
         (unsigned long long)c->stream);
  }
  return rc;
}

static void append(rec_dir *d, const void *p, size_t n) {
  if (d->len + n + 1 > d->cap) {
    d->cap = (d->len + n + 1) * 2;
    d->buf = realloc(d->buf, d->cap);
  }
  memcpy(d->buf + d->len, p, n);
  d->len += n;
  d->buf[d->len] = '\0';
}

static void on_open(void *ctx, rl_conn *conn, const rl_pktref *at) {
  rec *r = ctx;
  (void)at;
  rec_conn *rc = lookup(r, conn);
  if (!rc) {
    return;
  }
  if (rc->opened) {
    fail(r, "stream %llu opened twice", (unsigned long long)conn->stream);
  }
  rc->opened = 1;
  char c[80], s[80];
  fmt_ep(&conn->client, c, sizeof c);
  fmt_ep(&conn->server, s, sizeof s);
  logf_(r, "open %llu %s>%s syn=%u", (unsigned long long)conn->stream, c, s,
        conn->saw_syn);
}

static void check_dir(rec *r, rec_conn *rc, const rl_conn *conn, rl_dir dir,
                      uint64_t off, const char *what) {
  rec_dir *d = &rc->d[dir];
  if (d->ended) {
    fail(r, "%s after end on stream %llu", what, (unsigned long long)conn->stream);
  }
  if (off != d->next) {
    fail(r, "%s at offset %llu, expected %llu on stream %llu dir %d", what,
         (unsigned long long)off, (unsigned long long)d->next,
         (unsigned long long)conn->stream, (int)dir);
  }
}

static void on_data(void *ctx, rl_conn *conn, rl_dir dir, const uint8_t *data,
                    size_t len, uint64_t offset, const rl_pktref *at) {
  rec *r = ctx;
  (void)at;
  rec_conn *rc = live(r, conn, "data");
  if (!rc) {
    return;
  }
  if (len == 0) {
    fail(r, "empty data call");
  }
  check_dir(r, rc, conn, dir, offset, "data");
  rc->d[dir].next = offset + len;
  append(&rc->d[dir], data, len);
  r->last_data = data;
  logf_(r, "data %llu %c %llu %zu", (unsigned long long)conn->stream,
        dir == RL_DIR_TO_SERVER ? '>' : '<', (unsigned long long)offset, len);
}

static void on_gap(void *ctx, rl_conn *conn, rl_dir dir, uint64_t offset,
                   uint64_t len, const rl_pktref *at) {
  rec *r = ctx;
  (void)at;
  rec_conn *rc = live(r, conn, "gap");
  if (!rc) {
    return;
  }
  if (len == 0) {
    fail(r, "empty gap call");
  }
  check_dir(r, rc, conn, dir, offset, "gap");
  rc->d[dir].next = offset + len;
  for (uint64_t i = 0; i < len && len <= 4096; i++) {
    append(&rc->d[dir], "#", 1);
  }
  logf_(r, "gap %llu %c %llu %llu", (unsigned long long)conn->stream,
        dir == RL_DIR_TO_SERVER ? '>' : '<', (unsigned long long)offset,
        (unsigned long long)len);
}

static void on_event(void *ctx, rl_conn *conn, rl_dir dir, rl_event_kind kind,
                     uint64_t offset, const rl_pktref *at) {
  rec *r = ctx;
  (void)at;
  if (!live(r, conn, "event")) {
    return;
  }
  logf_(r, "event %llu %c %s %llu", (unsigned long long)conn->stream,
        dir == RL_DIR_TO_SERVER ? '>' : '<', rl_event_name(kind),
        (unsigned long long)offset);
}

static void on_end(void *ctx, rl_conn *conn, rl_dir dir, rl_end_kind how,
                   const rl_pktref *at) {
  rec *r = ctx;
  (void)at;
  rec_conn *rc = live(r, conn, "end");
  if (!rc) {
    return;
  }
  if (rc->d[dir].ended) {
    fail(r, "end twice on stream %llu", (unsigned long long)conn->stream);
  }
  rc->d[dir].ended = 1;
  logf_(r, "end %llu %c %s", (unsigned long long)conn->stream,
        dir == RL_DIR_TO_SERVER ? '>' : '<', end_name(how));
}

static void on_close(void *ctx, rl_conn *conn) {
  rec *r = ctx;
  rec_conn *rc = live(r, conn, "close");
  if (!rc) {
    return;
  }
  rc->closed = 1;
  logf_(r, "close %llu", (unsigned long long)conn->stream);
}

void rec_init(rec *r, const rl_flow_config *cfg) {
  memset(r, 0, sizeof *r);
  rl_flow_config c;
  if (cfg) {
    c = *cfg;
  } else {
    memset(&c, 0, sizeof c);
  }
  c.sink.open = on_open;
  c.sink.data = on_data;
  c.sink.gap = on_gap;
  c.sink.event = on_event;
  c.sink.end = on_end;
  c.sink.close = on_close;
  c.sink_ctx = r;
  r->sec = 1000;
  r->ft = rl_flow_table_new(&c, &r->stats);
  r->log = calloc(1, 1);
}

void rec_done(rec *r) {
  rl_flow_table_free(r->ft);
  for (int i = 0; i < REC_MAX_CONN; i++) {
    free(r->conns[i].d[0].buf);
    free(r->conns[i].d[1].buf);
  }
  free(r->log);
}

rl_endpoint rec_ep(const char *s) {
  rl_endpoint ep;
  memset(&ep, 0, sizeof ep);
  char host[64];
  const char *colon;
  if (s[0] == '[') {
    const char *close = strchr(s, ']');
    size_t n = (size_t)(close - s - 1);
    memcpy(host, s + 1, n);
    host[n] = '\0';
    inet_pton(AF_INET6, host, ep.addr);
    ep.ipver = 6;
    colon = close + 1;
  } else {
    colon = strrchr(s, ':');
    size_t n = (size_t)(colon - s);
    memcpy(host, s, n);
    host[n] = '\0';
    inet_pton(AF_INET, host, ep.addr);
    ep.ipver = 4;
  }
  ep.port = (uint16_t)atoi(colon + 1);
  return ep;
}

static void feed(rec *r, const char *src, const char *dst, uint8_t flags,
                 uint32_t seq, uint32_t ack, const uint8_t *p, uint32_t len,
                 uint32_t missing) {
  rl_segment seg;
  memset(&seg, 0, sizeof seg);
  seg.src = rec_ep(src);
  seg.dst = rec_ep(dst);
  seg.flags = flags;
  seg.seq = seq;
  seg.ack = ack;
  seg.window = 65535;
  seg.payload = p;
  seg.payload_len = len;
  seg.payload_missing = missing;
  rl_pktref at = {++r->frame, {r->sec, 0}};
  rl_flow_table_segment(r->ft, &seg, &at);
}

void rec_seg_raw(rec *r, const char *src, const char *dst, uint8_t flags,
                 uint32_t seq, uint32_t ack, const void *payload,
                 uint32_t len, uint32_t missing) {
  uint8_t *copy = NULL;
  if (payload && len) {
    copy = malloc(len);
    memcpy(copy, payload, len);
  }
  feed(r, src, dst, flags, seq, ack, copy, copy ? len : 0, missing);
  if (copy) {
    memset(copy, 0xAA, len);
    free(copy);
  }
}

void rec_seg(rec *r, const char *src, const char *dst, uint8_t flags,
             uint32_t seq, uint32_t ack, const char *payload) {
  rec_seg_raw(r, src, dst, flags, seq, ack, payload,
              payload ? (uint32_t)strlen(payload) : 0, 0);
}

void rec_seg_borrowed(rec *r, const char *src, const char *dst, uint8_t flags,
                      uint32_t seq, uint32_t ack, const uint8_t *payload,
                      uint32_t len) {
  feed(r, src, dst, flags, seq, ack, payload, len, 0);
}

void rec_finish(rec *r) {
  rl_pktref at = {r->frame, {r->sec, 0}};
  rl_flow_table_finish(r->ft, &at);
}

const char *rec_bytes(rec *r, uint64_t stream, rl_dir d) {
  if (stream >= REC_MAX_CONN || !r->conns[stream].d[d].buf) {
    return "";
  }
  return r->conns[stream].d[d].buf;
}

int rec_has(const rec *r, const char *line) {
  size_t n = strlen(line);
  for (const char *p = r->log; p && *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (len == n && memcmp(p, line, n) == 0) {
      return 1;
    }
    p = nl ? nl + 1 : p + len;
  }
  return 0;
}

int rec_count(const rec *r, const char *prefix) {
  int count = 0;
  size_t n = strlen(prefix);
  for (const char *p = r->log; p && *p;) {
    if (strncmp(p, prefix, n) == 0) {
      count++;
    }
    const char *nl = strchr(p, '\n');
    p = nl ? nl + 1 : p + strlen(p);
  }
  return count;
}
