/* Test support: rewrites an Ethernet capture as a variant of itself (other
 * link types, VLAN tags, IP fragments, duplicates, pcapng, reordered ACKs), so
 * that one conversation can be checked to decode identically in every form. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "pcapgen.h"
#include "pcapgen_internal.h"
#include "resplint/decode.h"
#include "resplint/error.h"

/* XX(name, dlt, pcapng, nvlan) */
#define PG_VARIANT_MAP(XX)                                                   \
  XX(vlan, DLT_EN10MB, 0, 1)                                                 \
  XX(qinq, DLT_EN10MB, 0, 2)                                                 \
  XX(sll, DLT_LINUX_SLL, 0, 0)                                               \
  XX(sll2, DLT_LINUX_SLL2, 0, 0)                                             \
  XX(null, DLT_NULL, 0, 0)                                                   \
  XX(loop, DLT_LOOP, 0, 0)                                                   \
  XX(raw, DLT_RAW, 0, 0)                                                     \
  XX(ipv4frag, DLT_EN10MB, 0, 0)                                             \
  XX(duplicate, DLT_EN10MB, 0, 0)                                            \
  XX(pcapng, DLT_EN10MB, 1, 0)                                               \
  XX(ackfirst, DLT_EN10MB, 0, 0)

typedef enum pg_variant_kind {
#define PG__VARIANT_ENUM(name, dlt, ng, nvlan) PG_V_##name,
  PG_VARIANT_MAP(PG__VARIANT_ENUM)
#undef PG__VARIANT_ENUM
  PG_V__COUNT
} pg_variant_kind;

typedef struct pg_variant {
  const char *name;
  int dlt, ng, nvlan;
} pg_variant;

static const pg_variant variants[PG_V__COUNT] = {
#define PG__VARIANT_ROW(name, dlt, ng, nvlan) {#name, dlt, ng, nvlan},
    PG_VARIANT_MAP(PG__VARIANT_ROW)
#undef PG__VARIANT_ROW
};

/* One packet of the input, copied because libpcap reuses its buffer. */
typedef struct pg_rec {
  uint8_t *data;
  uint32_t caplen, wirelen;
  uint64_t ts_usec;
} pg_rec;

/* What ackfirst needs to know about a TCP segment. */
typedef struct pg_tcpinfo {
  int ok;
  uint8_t src[16], dst[16];
  uint16_t sport, dport;
  uint32_t seq, ack, plen;
  uint8_t flags;
} pg_tcpinfo;

static void free_recs(pg_rec *recs, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(recs[i].data);
  free(recs);
}

static int read_all(const char *path, pg_rec **out, size_t *nout) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  if (!p)
    return RL_ENOENT;
  if (pcap_datalink(p) != DLT_EN10MB) {
    pcap_close(p);
    return RL_ELINKTYPE;
  }
  pg_rec *recs = NULL;
  size_t n = 0, cap = 0;
  struct pcap_pkthdr *h;
  const u_char *d;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 64;
      pg_rec *nr = realloc(recs, ncap * sizeof *nr);
      if (!nr)
        goto nomem;
      recs = nr;
      cap = ncap;
    }
    recs[n].data = malloc(h->caplen ? h->caplen : 1);
    if (!recs[n].data)
      goto nomem;
    memcpy(recs[n].data, d, h->caplen);
    recs[n].caplen = h->caplen;
    recs[n].wirelen = h->len;
    recs[n].ts_usec = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    n++;
  }
  pcap_close(p);
  if (rc != PCAP_ERROR_BREAK) {
    free_recs(recs, n);
    return RL_EIO;
  }
  *out = recs;
  *nout = n;
  return 0;
nomem:
  pcap_close(p);
  free_recs(recs, n);
  return RL_ENOMEM;
}

/* Parses an untagged Ethernet frame carrying IPv4 or IPv6 TCP (no extension
 * headers, no fragments): enough for traffic written by pcapgen. */
static pg_tcpinfo tcp_info(const pg_rec *r) {
  pg_tcpinfo t;
  memset(&t, 0, sizeof t);
  if (r->caplen < 14)
    return t;
  const uint8_t *ip = r->data + 14;
  uint32_t len = r->caplen - 14;
  uint16_t et = pg__get16(r->data + 12);
  uint32_t l4off, l4len;
  if (et == 0x0800 && len >= 20 && (ip[0] >> 4) == 4) {
    uint32_t hl = (uint32_t)(ip[0] & 15) * 4;
    uint32_t tl = pg__get16(ip + 2);
    if (ip[9] != 6 || hl < 20 || tl < hl || tl > len ||
        (pg__get16(ip + 6) & 0x3fff))
      return t;
    memcpy(t.src, ip + 12, 4);
    memcpy(t.dst, ip + 16, 4);
    l4off = hl;
    l4len = tl - hl;
  } else if (et == 0x86dd && len >= 40 && ip[6] == 6) {
    uint32_t pl = pg__get16(ip + 4);
    if (40 + pl > len)
      return t;
    memcpy(t.src, ip + 8, 16);
    memcpy(t.dst, ip + 24, 16);
    l4off = 40;
    l4len = pl;
  } else {
    return t;
  }
  const uint8_t *tcp = ip + l4off;
  if (l4len < 20 || (uint32_t)(tcp[12] >> 4) * 4 > l4len)
    return t;
  t.sport = pg__get16(tcp);
  t.dport = pg__get16(tcp + 2);
  t.seq = pg__get32(tcp + 4);
  t.ack = pg__get32(tcp + 8);
  t.flags = tcp[13];
  t.plen = l4len - (uint32_t)(tcp[12] >> 4) * 4;
  t.ok = 1;
  return t;
}

/* Servers are the endpoints that received a SYN; remembered in a small
 * table because a test capture holds few connections. */
typedef struct pg_servers {
  uint8_t addr[32][16];
  uint16_t port[32];
  int n;
} pg_servers;

static void note_server(pg_servers *s, const pg_tcpinfo *t) {
  if (!t->ok || (t->flags & (RL_TCP_SYN | RL_TCP_ACK)) != RL_TCP_SYN)
    return;
  for (int i = 0; i < s->n; i++)
    if (s->port[i] == t->dport && !memcmp(s->addr[i], t->dst, 16))
      return;
  if (s->n < 32) {
    memcpy(s->addr[s->n], t->dst, 16);
    s->port[s->n++] = t->dport;
  }
}

static int from_server(const pg_servers *s, const pg_tcpinfo *t) {
  for (int i = 0; i < s->n; i++)
    if (s->port[i] == t->sport && !memcmp(s->addr[i], t->src, 16))
      return 1;
  for (int i = 0; i < s->n; i++)
    if (s->port[i] == t->dport && !memcmp(s->addr[i], t->dst, 16))
      return 0;
  return t->sport < t->dport;
}

/* True when `b` is the client's acknowledgement of server data segment `a`. */
static int acks(const pg_tcpinfo *a, const pg_tcpinfo *b) {
  return b->ok && b->sport == a->dport && b->dport == a->sport &&
         !memcmp(b->src, a->dst, 16) && !memcmp(b->dst, a->src, 16) &&
         (b->flags & RL_TCP_ACK) && (int32_t)(b->ack - (a->seq + a->plen)) >= 0;
}

/* Writes every IPv4 TCP packet with payload as 64-byte fragments; anything
 * else goes through unchanged. Returns records written or an RL_E* code. */
static int write_fragmented(pg_writer *w, const pg_rec *r, uint8_t *buf,
                            size_t cap) {
  pg_tcpinfo t = tcp_info(r);
  const uint8_t *ip = r->data + 14;
  if (!t.ok || t.plen == 0 || r->caplen != r->wirelen ||
      pg__get16(r->data + 12) != 0x0800) {
    int rc = pg_write_raw(w, r->data, r->caplen, r->wirelen, r->ts_usec);
    return rc < 0 ? rc : 1;
  }
  uint32_t hl = (uint32_t)(ip[0] & 15) * 4;
  uint32_t tl = pg__get16(ip + 2);
  pg_tcp o;
  memset(&o, 0, sizeof o);
  int written = 0;
  for (uint32_t off = 0; off < tl - hl; off += 64) {
    uint32_t fl = tl - hl - off < 64 ? tl - hl - off : 64;
    int n = pg__fragment(ip, tl, hl, 9, 0, off, fl, off + fl < tl - hl, NULL,
                         buf, cap);
    if (n < 0)
      return n;
    int rc = pg__write_l3(w, &o, 0x0800, buf, (uint32_t)n, (uint32_t)n,
                          r->ts_usec);
    if (rc < 0)
      return rc;
    written += rc;
  }
  return written;
}

static int write_one(pg_writer *w, const pg_variant *v, const pg_rec *r) {
  if (v->dlt == DLT_EN10MB && v->nvlan == 0) {
    int rc = pg_write_raw(w, r->data, r->caplen, r->wirelen, r->ts_usec);
    return rc < 0 ? rc : 1;
  }
  if (r->caplen < 14)
    return 0;
  pg_tcp o;
  memset(&o, 0, sizeof o);
  o.nvlan = v->nvlan;
  o.vlan[0] = v->nvlan == 2 ? 200 : 100;
  o.vlan[1] = 100;
  o.snaplen_cut = 0;
  uint32_t wire = r->wirelen >= 14 ? r->wirelen - 14 : 0;
  return pg__write_l3(w, &o, pg__get16(r->data + 12), r->data + 14,
                      r->caplen - 14, wire, r->ts_usec);
}

int pg_rewrite_variant(const char *in_ethernet_pcap, const char *out_path,
                       const char *variant) {
  const pg_variant *v = NULL;
  for (int i = 0; i < PG_V__COUNT; i++)
    if (variant && strcmp(variants[i].name, variant) == 0)
      v = &variants[i];
  if (!v)
    return RL_EINVAL;
  pg_rec *recs = NULL;
  size_t n = 0;
  int rc = read_all(in_ethernet_pcap, &recs, &n);
  if (rc < 0)
    return rc;
  pg_writer *w = v->ng ? pg_open_ng(out_path, v->dlt, 262144)
                       : pg_open(out_path, v->dlt, 262144);
  uint8_t *buf = malloc(70000);
  pg_servers servers;
  memset(&servers, 0, sizeof servers);
  int written = 0;
  rc = (w && buf) ? 0 : RL_EIO;
  for (size_t i = 0; i < n && rc >= 0; i++) {
    if (v == &variants[PG_V_ipv4frag]) {
      rc = write_fragmented(w, &recs[i], buf, 70000);
    } else if (v == &variants[PG_V_ackfirst]) {
      pg_tcpinfo a = tcp_info(&recs[i]);
      note_server(&servers, &a);
      if (a.ok && a.plen > 0 && from_server(&servers, &a) && i + 1 < n) {
        pg_tcpinfo b = tcp_info(&recs[i + 1]);
        if (acks(&a, &b)) {
          rc = write_one(w, v, &recs[i + 1]);
          if (rc >= 0) {
            written += rc;
            rc = write_one(w, v, &recs[i]);
          }
          i++;
          if (rc >= 0)
            written += rc;
          continue;
        }
      }
      rc = write_one(w, v, &recs[i]);
    } else {
      rc = write_one(w, v, &recs[i]);
      if (rc >= 0 && v == &variants[PG_V_duplicate]) {
        written += rc;
        rc = write_one(w, v, &recs[i]);
      }
    }
    if (rc >= 0)
      written += rc;
  }
  free(buf);
  free_recs(recs, n);
  int crc = pg_close(w);
  if (rc < 0)
    return rc;
  return crc < 0 ? crc : written;
}
