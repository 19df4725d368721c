/* Test support: synthetic capture writer (see pcapgen.h).
 *
 * Files are written with plain stdio in the host byte order, which is what
 * libpcap itself does, so every reader accepts them; tests that need broken
 * files add raw bytes with pg_write_bytes(). */
#include "pcapgen.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapgen_internal.h"
#include "resplint/decode.h"
#include "resplint/error.h"

/* Big enough for the largest IP datagram plus any link header we write. */
#define PG_MAX_FRAME (65535u + 64u)
#define PG_LINKTYPE_RAW 101

struct pg_writer {
  FILE *f;
  int ng;
  int dlt;             /* how packets are framed */
  uint32_t snaplen;
  uint32_t af_inet6;   /* DLT_NULL / DLT_LOOP family value for IPv6 */
  int null_swapped;
  uint32_t next_id;    /* IP identification counter */
  uint8_t ip[PG_MAX_FRAME];
  uint8_t frame[PG_MAX_FRAME];
  uint8_t frag[PG_MAX_FRAME];
};

/* --- byte writers (network order unless named otherwise) ------------------ */

void pg__put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

void pg__put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

uint16_t pg__get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

uint32_t pg__get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2)
    acc += (uint32_t)((p[i] << 8) | p[i + 1]);
  if (n & 1)
    acc += (uint32_t)(p[n - 1] << 8);
  return acc;
}

static uint16_t fold(uint32_t acc) {
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t)~acc;
}

void pg__ipv4_checksum(uint8_t *ip) {
  size_t hl = (size_t)(ip[0] & 0x0f) * 4;
  pg__put16(ip + 10, 0);
  pg__put16(ip + 10, fold(sum16(0, ip, hl)));
}

/* --- file level ------------------------------------------------------------ */

static int file_linktype_for(int dlt) {
  /* pcap files store LINKTYPE_ values; only raw IP differs among ours. */
  return dlt == DLT_RAW ? PG_LINKTYPE_RAW : dlt;
}

static int put_raw(pg_writer *w, const void *p, size_t n) {
  return fwrite(p, 1, n, w->f) == n ? 0 : RL_EIO;
}

static int put_u32h(pg_writer *w, uint32_t v) { return put_raw(w, &v, 4); }
static int put_u16h(pg_writer *w, uint16_t v) { return put_raw(w, &v, 2); }

static int write_file_header(pg_writer *w, int file_linktype) {
  int rc = 0;
  if (!w->ng) {
    rc |= put_u32h(w, 0xa1b2c3d4u);
    rc |= put_u16h(w, 2);
    rc |= put_u16h(w, 4);
    rc |= put_u32h(w, 0); /* thiszone */
    rc |= put_u32h(w, 0); /* sigfigs */
    rc |= put_u32h(w, w->snaplen);
    rc |= put_u32h(w, (uint32_t)file_linktype);
    return rc ? RL_EIO : 0;
  }
  /* Section Header Block, no options. */
  rc |= put_u32h(w, 0x0a0d0d0au);
  rc |= put_u32h(w, 28);
  rc |= put_u32h(w, 0x1a2b3c4du);
  rc |= put_u16h(w, 1);
  rc |= put_u16h(w, 0);
  rc |= put_u32h(w, 0xffffffffu); /* section length unknown (-1) */
  rc |= put_u32h(w, 0xffffffffu);
  rc |= put_u32h(w, 28);
  /* Interface Description Block, default microsecond resolution. */
  rc |= put_u32h(w, 1);
  rc |= put_u32h(w, 20);
  rc |= put_u16h(w, (uint16_t)file_linktype);
  rc |= put_u16h(w, 0);
  rc |= put_u32h(w, w->snaplen);
  rc |= put_u32h(w, 20);
  return rc ? RL_EIO : 0;
}

pg_writer *pg_open_as(const char *path, int ng, int file_linktype,
                      int frame_dlt, uint32_t snaplen) {
  pg_writer *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->f = fopen(path, "wb");
  if (!w->f) {
    free(w);
    return NULL;
  }
  w->ng = ng;
  w->dlt = frame_dlt;
  w->snaplen = snaplen;
  w->af_inet6 = 24; /* the BSD value every reader knows */
  w->next_id = 0x1000;
  if (write_file_header(w, file_linktype) < 0) {
    fclose(w->f);
    free(w);
    return NULL;
  }
  return w;
}

pg_writer *pg_open(const char *path, int linktype, uint32_t snaplen) {
  return pg_open_as(path, 0, file_linktype_for(linktype), linktype, snaplen);
}

pg_writer *pg_open_ng(const char *path, int linktype, uint32_t snaplen) {
  return pg_open_as(path, 1, file_linktype_for(linktype), linktype, snaplen);
}

int pg_close(pg_writer *w) {
  if (!w)
    return 0;
  int rc = fclose(w->f) == 0 ? 0 : RL_EIO;
  free(w);
  return rc;
}

void pg_set_null_family(pg_writer *w, uint32_t af_inet6, int swapped) {
  w->af_inet6 = af_inet6;
  w->null_swapped = swapped;
}

int pg_write_bytes(pg_writer *w, const void *bytes, size_t len) {
  return put_raw(w, bytes, len);
}

int pg_write_raw(pg_writer *w, const void *frame, uint32_t caplen,
                 uint32_t wirelen, uint64_t ts_usec) {
  int rc = 0;
  if (!w->ng) {
    rc |= put_u32h(w, (uint32_t)(ts_usec / 1000000u));
    rc |= put_u32h(w, (uint32_t)(ts_usec % 1000000u));
    rc |= put_u32h(w, caplen);
    rc |= put_u32h(w, wirelen);
    rc |= put_raw(w, frame, caplen);
    return rc ? RL_EIO : 0;
  }
  static const uint8_t zeros[4] = {0};
  uint32_t pad = (4 - (caplen & 3)) & 3;
  uint32_t total = 32 + caplen + pad;
  rc |= put_u32h(w, 6); /* Enhanced Packet Block */
  rc |= put_u32h(w, total);
  rc |= put_u32h(w, 0); /* interface 0 */
  rc |= put_u32h(w, (uint32_t)(ts_usec >> 32));
  rc |= put_u32h(w, (uint32_t)ts_usec);
  rc |= put_u32h(w, caplen);
  rc |= put_u32h(w, wirelen);
  rc |= put_raw(w, frame, caplen);
  rc |= put_raw(w, zeros, pad);
  rc |= put_u32h(w, total);
  return rc ? RL_EIO : 0;
}

/* --- link framing ------------------------------------------------------------ */

/* Writes the link header for a layer-3 packet of `ethertype` into out and
 * returns its length (0 for raw IP), or RL_EINVAL for an unknown link type.
 * The caller has checked link_carries(). */
static int link_header(const pg_writer *w, const pg_tcp *o, uint16_t ethertype,
                       uint8_t *out) {
  static const uint8_t mac_dst[6] = {0x02, 0, 0, 0, 0, 0x02};
  static const uint8_t mac_src[6] = {0x02, 0, 0, 0, 0, 0x01};
  switch (w->dlt) {
  case DLT_EN10MB: {
    memcpy(out, mac_dst, 6);
    memcpy(out + 6, mac_src, 6);
    size_t n = 12;
    int nvlan = o ? o->nvlan : 0;
    for (int i = 0; i < nvlan && i < 2; i++) {
      uint16_t tpid = o->tpid[i];
      if (!tpid)
        tpid = (nvlan == 2 && i == 0) ? 0x88a8 : 0x8100;
      pg__put16(out + n, tpid);
      pg__put16(out + n + 2, (uint16_t)(o->vlan[i] & 0x0fff));
      n += 4;
    }
    pg__put16(out + n, ethertype);
    return (int)n + 2;
  }
  case DLT_LINUX_SLL:
    pg__put16(out, 0);      /* packet type: to us */
    pg__put16(out + 2, 1);  /* ARPHRD_ETHER */
    pg__put16(out + 4, 6);  /* address length */
    memset(out + 6, 0, 8);
    memcpy(out + 6, mac_src, 6);
    pg__put16(out + 14, ethertype);
    return 16;
  case DLT_LINUX_SLL2:
    pg__put16(out, ethertype);
    pg__put16(out + 2, 0);  /* reserved */
    pg__put32(out + 4, 2);  /* interface index */
    pg__put16(out + 8, 1);  /* ARPHRD_ETHER */
    out[10] = 0;            /* packet type: to us */
    out[11] = 6;
    memset(out + 12, 0, 8);
    memcpy(out + 12, mac_src, 6);
    return 20;
  case DLT_NULL:
  case DLT_LOOP: {
    uint32_t af = ethertype == 0x0800 ? 2 : w->af_inet6;
    if (w->dlt == DLT_LOOP)
      pg__put32(out, af);
    else
      memcpy(out, &af, 4); /* host order, as the BSD kernel writes it */
    if (w->null_swapped) {
      uint8_t t0 = out[0], t1 = out[1];
      out[0] = out[3];
      out[1] = out[2];
      out[2] = t1;
      out[3] = t0;
    }
    return 4;
  }
  case DLT_RAW:
  case 14: /* OpenBSD's DLT_RAW, written via pg_open_as() */
  case DLT_IPV4:
  case DLT_IPV6:
    return 0;
  default:
    return RL_EINVAL;
  }
}

static int link_carries(const pg_writer *w, uint16_t ethertype) {
  switch (w->dlt) {
  case DLT_EN10MB:
  case DLT_LINUX_SLL:
  case DLT_LINUX_SLL2:
    return 1;
  case DLT_IPV4:
    return ethertype == 0x0800;
  case DLT_IPV6:
    return ethertype == 0x86dd;
  default:
    return ethertype == 0x0800 || ethertype == 0x86dd;
  }
}

int pg__write_l3(pg_writer *w, const pg_tcp *o, uint16_t ethertype,
                 const void *l3, uint32_t caplen, uint32_t wirelen,
                 uint64_t ts_usec) {
  if (!link_carries(w, ethertype))
    return 0;
  int hl = link_header(w, o, ethertype, w->frame);
  if (hl < 0)
    return hl;
  if ((size_t)hl + caplen > sizeof w->frame)
    return RL_EINVAL;
  memcpy(w->frame + hl, l3, caplen);
  uint32_t len = (uint32_t)hl + caplen;
  uint32_t wire = (uint32_t)hl + wirelen;
  if (w->dlt == DLT_EN10MB && o && o->eth_pad_to > len && caplen == wirelen &&
      o->eth_pad_to <= sizeof w->frame) {
    memset(w->frame + len, 0, o->eth_pad_to - len);
    len = wire = o->eth_pad_to;
  }
  uint32_t cap = len;
  if (o && o->snaplen_cut && cap > o->snaplen_cut)
    cap = o->snaplen_cut;
  if (w->snaplen && cap > w->snaplen)
    cap = w->snaplen;
  int rc = pg_write_raw(w, w->frame, cap, wire, ts_usec);
  return rc < 0 ? rc : 1;
}

int pg_write_ip(pg_writer *w, const void *ip, uint32_t len, uint32_t wirelen,
                const pg_tcp *opts) {
  if (len < 1)
    return RL_EINVAL;
  uint16_t et = ((const uint8_t *)ip)[0] >> 4 == 6 ? 0x86dd : 0x0800;
  int rc = pg__write_l3(w, opts, et, ip, len, wirelen < len ? len : wirelen,
                        opts ? opts->ts_usec : 0);
  /* 0 means the link type cannot carry this IP version (IPv6 on DLT_IPV4):
   * a caller asking for that has made a mistake worth hearing about. */
  return rc < 0 ? rc : rc == 0 ? RL_EINVAL : 0;
}

/* --- IP and TCP ----------------------------------------------------------- */

static int parse_addr(const char *text, uint8_t addr[16]) {
  memset(addr, 0, 16);
  if (!text)
    return RL_EINVAL;
  if (strchr(text, ':'))
    return inet_pton(AF_INET6, text, addr) == 1 ? 6 : RL_EINVAL;
  return inet_pton(AF_INET, text, addr) == 1 ? 4 : RL_EINVAL;
}

/* Writes the TCP header and payload at out; returns the length. The checksum
 * is left zero; the caller adds it once the pseudo-header is known. */
static int build_tcp(const pg_tcp *s, uint8_t *out, size_t cap) {
  uint32_t optlen = (s->tcp_options_len + 3u) & ~3u;
  uint32_t hl = 20 + optlen;
  if (hl > 60 || hl + (size_t)s->len > cap)
    return RL_EINVAL;
  pg__put16(out, s->sport);
  pg__put16(out + 2, s->dport);
  pg__put32(out + 4, s->seq);
  pg__put32(out + 8, s->ack);
  out[12] = (uint8_t)((hl / 4) << 4);
  out[13] = s->flags;
  pg__put16(out + 14, s->window ? s->window : 65535);
  pg__put16(out + 16, 0);
  pg__put16(out + 18, 0);
  memset(out + 20, 0, optlen);
  if (s->tcp_options_len)
    memcpy(out + 20, s->tcp_options, s->tcp_options_len);
  if (s->len)
    memcpy(out + hl, s->payload, s->len);
  return (int)(hl + s->len);
}

/* Writes the minimal valid IPv6 extension header of `type` at out. */
static int build_ext6(uint8_t type, uint8_t next, uint8_t *out) {
  memset(out, 0, 16);
  out[0] = next;
  switch (type) {
  case 0:  /* hop-by-hop options (RFC 8200 4.3): one PadN option */
  case 60: /* destination options (RFC 8200 4.6) */
    out[1] = 0;
    out[2] = 1; /* PadN */
    out[3] = 4;
    return 8;
  case 43: /* routing (RFC 8200 4.4): type 0 with segments left 0, which
              * RFC 5095 leaves harmless, carrying no addresses */
    out[1] = 0;
    out[2] = 0;
    out[3] = 0;
    return 8;
  case 51: /* AH (RFC 4302 2): 12 bytes + 4-byte ICV, length in 4-octet units - 2 */
    out[1] = 2;
    pg__put32(out + 4, 0x100);
    pg__put32(out + 8, 1);
    return 16;
  default:
    return RL_EINVAL;
  }
}

/* Builds the whole datagram; *frag_next_at receives the offset of the byte
 * that names the first fragmentable header (for IPv6) and *unfrag the
 * length of the part every fragment repeats. */
static int build_ip(const pg_tcp *s, uint32_t id, uint8_t *buf, size_t cap,
                    size_t *unfrag, size_t *next_at) {
  uint8_t src[16], dst[16];
  int v = parse_addr(s->src, src);
  if (v < 0 || parse_addr(s->dst, dst) != v)
    return RL_EINVAL;
  if (v == 4) {
    uint32_t optlen = (s->ip_options_len + 3u) & ~3u;
    uint32_t hl = 20 + optlen;
    if (hl > 60 || cap < hl)
      return RL_EINVAL;
    int tl = build_tcp(s, buf + hl, cap - hl);
    if (tl < 0 || hl + (uint32_t)tl > 65535)
      return RL_EINVAL;
    uint32_t acc = sum16(0, src, 4);
    acc = sum16(acc, dst, 4);
    acc += 6 + (uint32_t)tl;
    pg__put16(buf + hl + 16, fold(sum16(acc, buf + hl, (size_t)tl)));
    buf[0] = (uint8_t)(0x40 | (hl / 4));
    buf[1] = 0;
    pg__put16(buf + 2, (uint16_t)(hl + (uint32_t)tl));
    pg__put16(buf + 4, (uint16_t)id);
    pg__put16(buf + 6, 0x4000); /* DF */
    buf[8] = s->ttl ? s->ttl : 64;
    buf[9] = 6;
    memcpy(buf + 12, src, 4);
    memcpy(buf + 16, dst, 4);
    memset(buf + 20, 0, optlen);
    if (s->ip_options_len)
      memcpy(buf + 20, s->ip_options, s->ip_options_len);
    pg__ipv4_checksum(buf);
    if (unfrag)
      *unfrag = hl;
    if (next_at)
      *next_at = 9;
    return (int)(hl + (uint32_t)tl);
  }
  size_t off = 40;
  size_t next_at_off = 6;
  if (s->nip6_ext < 0 || s->nip6_ext > 4 || cap < 40 + 4 * 16)
    return RL_EINVAL;
  for (int i = 0; i < s->nip6_ext; i++) {
    uint8_t next = i + 1 < s->nip6_ext ? s->ip6_ext[i + 1] : 6;
    int el = build_ext6(s->ip6_ext[i], next, buf + off);
    if (el < 0)
      return el;
    next_at_off = off;
    off += (size_t)el;
  }
  int tl = build_tcp(s, buf + off, cap - off);
  if (tl < 0 || off - 40 + (size_t)tl > 65535)
    return RL_EINVAL;
  uint32_t acc = sum16(0, src, 16);
  acc = sum16(acc, dst, 16);
  acc += 6 + (uint32_t)tl;
  pg__put16(buf + off + 16, fold(sum16(acc, buf + off, (size_t)tl)));
  pg__put32(buf, 0x60000000u);
  pg__put16(buf + 4, (uint16_t)(off - 40 + (size_t)tl));
  buf[6] = s->nip6_ext ? s->ip6_ext[0] : 6;
  buf[7] = s->ttl ? s->ttl : 64;
  memcpy(buf + 8, src, 16);
  memcpy(buf + 24, dst, 16);
  if (unfrag)
    *unfrag = off;
  if (next_at)
    *next_at = next_at_off;
  return (int)(off + (size_t)tl);
}

int pg_build_ip(const pg_tcp *seg, uint32_t ip_id, uint8_t *buf, size_t cap) {
  return build_ip(seg, ip_id, buf, cap, NULL, NULL);
}

static uint32_t take_id(pg_writer *w, const pg_tcp *s) {
  if (s->ip_id)
    return s->ip_id;
  return w->next_id++;
}

int pg_write_tcp(pg_writer *w, const pg_tcp *seg) {
  int n = build_ip(seg, take_id(w, seg), w->ip, sizeof w->ip, NULL, NULL);
  if (n < 0)
    return n;
  return pg_write_ip(w, w->ip, (uint32_t)n, (uint32_t)n, seg);
}

int pg__fragment(const uint8_t *ip, uint32_t len, size_t unfrag,
                 size_t next_at, uint32_t id, uint32_t off, uint32_t flen,
                 int more, const void *override, uint8_t *out, size_t cap) {
  if (unfrag > len || off + (uint64_t)flen > len - unfrag)
    return RL_EINVAL;
  const uint8_t *data = override ? override : ip + unfrag + off;
  if ((ip[0] >> 4) == 4) {
    if (unfrag + flen > cap || off % 8 || off / 8 > 0x1fff)
      return RL_EINVAL;
    memcpy(out, ip, unfrag);
    memcpy(out + unfrag, data, flen);
    pg__put16(out + 2, (uint16_t)(unfrag + flen));
    /* The flags are rewritten whole: a fragment cannot keep DF. */
    pg__put16(out + 6, (uint16_t)((off / 8) | (more ? 0x2000 : 0)));
    pg__ipv4_checksum(out);
    return (int)(unfrag + flen);
  }
  /* IPv6 (RFC 8200 4.5): the unfragmentable part, a Fragment header whose
   * next header is the first fragmentable one, then the fragment's data. */
  if (unfrag + 8 + flen > cap || off % 8 || unfrag - 40 + 8 + flen > 65535)
    return RL_EINVAL;
  memcpy(out, ip, unfrag);
  uint8_t *fh = out + unfrag;
  fh[0] = ip[next_at];
  fh[1] = 0;
  pg__put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
  pg__put32(fh + 4, id);
  out[next_at] = 44;
  memcpy(fh + 8, data, flen);
  pg__put16(out + 4, (uint16_t)(unfrag - 40 + 8 + flen));
  return (int)(unfrag + 8 + flen);
}

int pg_write_tcp_fragment_at(pg_writer *w, const pg_tcp *seg, uint32_t off,
                             uint32_t len, int more, const void *override) {
  size_t unfrag = 0, next_at = 0;
  uint32_t id = take_id(w, seg);
  int n = build_ip(seg, id, w->ip, sizeof w->ip, &unfrag, &next_at);
  if (n < 0)
    return n;
  int fl = pg__fragment(w->ip, (uint32_t)n, unfrag, next_at, id, off, len,
                        more, override, w->frag, sizeof w->frag);
  if (fl < 0)
    return fl;
  return pg_write_ip(w, w->frag, (uint32_t)fl, (uint32_t)fl, seg);
}

int pg_write_tcp_fragments(pg_writer *w, const pg_tcp *seg,
                           uint32_t frag_payload, const int *order,
                           int nfrags) {
  size_t unfrag = 0, next_at = 0;
  uint32_t id = take_id(w, seg);
  int n = build_ip(seg, id, w->ip, sizeof w->ip, &unfrag, &next_at);
  if (n < 0)
    return n;
  uint32_t fp = frag_payload & ~7u;
  if (fp < 8)
    fp = 8;
  uint32_t l4 = (uint32_t)n - (uint32_t)unfrag;
  int count = (int)((l4 + fp - 1) / fp);
  int todo = order ? nfrags : count;
  for (int i = 0; i < todo; i++) {
    int k = order ? order[i] : i;
    if (k < 0 || k >= count)
      return RL_EINVAL;
    uint32_t off = (uint32_t)k * fp;
    uint32_t fl = l4 - off < fp ? l4 - off : fp;
    int len = pg__fragment(w->ip, (uint32_t)n, unfrag, next_at, id, off, fl,
                           k + 1 < count, NULL, w->frag, sizeof w->frag);
    if (len < 0)
      return len;
    int rc = pg_write_ip(w, w->frag, (uint32_t)len, (uint32_t)len, seg);
    if (rc < 0)
      return rc;
  }
  return count;
}

/* --- conversations ---------------------------------------------------------- */

void pg_conv_init(pg_conv *c, pg_writer *w, const char *client, uint16_t cport,
                  const char *server, uint16_t sport) {
  memset(c, 0, sizeof *c);
  c->w = w;
  c->client = client;
  c->server = server;
  c->cport = cport;
  c->sport = sport;
  c->cseq = 1000;
  c->sseq = 50000;
  c->ts_usec = 1700000000ull * 1000000ull;
  c->mss = 1460;
}

static int conv_seg(pg_conv *c, int from_server, uint8_t flags,
                    const void *data, uint32_t len) {
  pg_tcp s = {0};
  s.src = from_server ? c->server : c->client;
  s.dst = from_server ? c->client : c->server;
  s.sport = from_server ? c->sport : c->cport;
  s.dport = from_server ? c->cport : c->sport;
  s.seq = from_server ? c->sseq : c->cseq;
  s.ack = (flags & RL_TCP_ACK) ? (from_server ? c->cseq : c->sseq) : 0;
  s.flags = flags;
  s.payload = data;
  s.len = len;
  s.ts_usec = c->ts_usec;
  c->ts_usec += 1000;
  return pg_write_tcp(c->w, &s);
}

int pg_conv_handshake(pg_conv *c) {
  int rc = conv_seg(c, 0, RL_TCP_SYN, NULL, 0);
  c->cseq++;
  if (rc >= 0)
    rc = conv_seg(c, 1, RL_TCP_SYN | RL_TCP_ACK, NULL, 0);
  c->sseq++;
  if (rc >= 0)
    rc = conv_seg(c, 0, RL_TCP_ACK, NULL, 0);
  return rc < 0 ? rc : 0;
}

int pg_conv_send(pg_conv *c, int to_client, const void *data, uint32_t len) {
  const uint8_t *p = data;
  uint32_t mss = c->mss ? c->mss : 1460;
  uint32_t done = 0;
  if (len == 0)
    return 0;
  do {
    uint32_t n = len - done < mss ? len - done : mss;
    uint8_t flags = RL_TCP_ACK | (done + n == len ? RL_TCP_PSH : 0);
    int rc = conv_seg(c, to_client, flags, p + done, n);
    if (rc < 0)
      return rc;
    if (to_client)
      c->sseq += n;
    else
      c->cseq += n;
    rc = conv_seg(c, !to_client, RL_TCP_ACK, NULL, 0);
    if (rc < 0)
      return rc;
    done += n;
  } while (done < len);
  return 0;
}

int pg_conv_close(pg_conv *c) {
  int rc = conv_seg(c, 1, RL_TCP_FIN | RL_TCP_ACK, NULL, 0);
  c->sseq++;
  if (rc >= 0)
    rc = conv_seg(c, 0, RL_TCP_FIN | RL_TCP_ACK, NULL, 0);
  c->cseq++;
  if (rc >= 0)
    rc = conv_seg(c, 1, RL_TCP_ACK, NULL, 0);
  return rc < 0 ? rc : 0;
}
