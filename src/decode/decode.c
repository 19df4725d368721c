/* The decode stage's entry points: one packet in, one TCP segment out.
 *
 * The layers (link.c, ipv4.c, ipv6.c, tcp.c, frag.c) decode; this file
 * owns the decoder's lifetime and does all the counting, so that each
 * packet is counted exactly once whatever path it took. */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/layers.h"

rl_decoder *rl_decoder_new(const rl_decode_limits *limits) {
  rl_decoder *dec = calloc(1, sizeof *dec);
  if (!dec)
    return NULL;
  dec->link_ok = -1; /* no DLT_ value is negative */
  dec->frags = rl__frag_new(limits);
  if (!dec->frags) {
    free(dec);
    return NULL;
  }
  return dec;
}

void rl_decoder_free(rl_decoder *dec) {
  if (!dec)
    return;
  rl__frag_free(dec->frags);
  free(dec);
}

rl_decode_result rl__short_header(rl__dctx *c) {
  if (c->missing)
    c->truncated = 1;
  return RL_DECODE_MALFORMED;
}

/* The end of both fast paths: the TCP header of a wholly captured datagram
 * `ip` whose payload is `tcp`, and the addresses (each `alen` bytes, the
 * destination right after the source at `src`). 0 for a bad header length. */
static inline int plain_tcp(rl_segment *seg, rl__bytes ip, rl__bytes tcp,
                            uint32_t src, uint32_t alen, uint8_t ver) {
  enum { TCP_MIN = 20 };
  uint32_t hl = (uint32_t)(rl__u8(tcp, 12) >> 4) * 4;
  if (hl < TCP_MIN || hl > tcp.len)
    return 0;
  (void)rl__copy(ip, src, seg->src.addr, alen);
  (void)rl__copy(ip, src + alen, seg->dst.addr, alen);
  seg->src.ipver = seg->dst.ipver = ver;
  rl__tcp_fill(seg, tcp, hl); /* wholly captured: nothing missing */
  return 1;
}

/* The frame nearly every capture is made of, Ethernet II + IPv4 without
 * options or fragmentation + TCP, wholly captured, decoded in one place:
 * through the layers it costs ~200 instructions a packet in calls and
 * repeated checks. Returns 1 with *seg filled exactly as the layers would
 * fill it; 0 for anything else (another shape, a cut or inconsistent
 * header), which then takes the layers, where every odd case is decided. */
static int decode_plain(const rl_packet *pkt, rl_segment *seg) {
  enum { ETH = 14, IP = 20, TCP_MIN = 20 };
  rl__bytes b = {pkt->data, pkt->data ? pkt->caplen : 0};
  /* Two words hold what the shape needs: the type IPv4 (0x0800) and
   * version 4 with a 20-byte header (0x45), any TOS; then no MF, fragment
   * offset 0 and protocol TCP (6), any TTL. */
  if (pkt->linktype != DLT_EN10MB || !rl__has(b, 0, ETH + IP) ||
      (rl__be32(b, 12) & 0xffffff00u) != 0x08004500u ||
      (rl__be32(b, ETH + 6) & 0x3fff00ffu) != 6u)
    return 0;
  rl__bytes ip = rl__rest(b, ETH);
  uint32_t total = rl__be16(ip, 2);
  if (total < IP + TCP_MIN || total > ip.len)
    return 0; /* also total 0 (offloaded) and datagrams cut by the snaplen */
  rl__bytes tcp = rl__sub(ip, IP, total - IP);
  return plain_tcp(seg, ip, tcp, 12, 4, 4);
}

/* The same for Ethernet II + IPv6 + TCP (no extension header), wholly
 * captured: a third of the packets of real traffic (c) are IPv6, and the
 * layers cost ~130 instructions for each. Filled exactly as ipv6.c and
 * tcp.c would fill it; 0 for anything else. */
static int decode_plain6(const rl_packet *pkt, rl_segment *seg) {
  enum { ETH = 14, IP6 = 40, TCP_MIN = 20, NH_TCP = 6 };
  rl__bytes b = {pkt->data, pkt->data ? pkt->caplen : 0};
  if (pkt->linktype != DLT_EN10MB || !rl__has(b, 0, ETH + IP6) ||
      rl__be16(b, 12) != 0x86dd || (rl__u8(b, ETH) >> 4) != 6 ||
      rl__u8(b, ETH + 6) != NH_TCP)
    return 0;
  rl__bytes ip = rl__rest(b, ETH);
  uint32_t plen = rl__be16(ip, 4);
  if (plen < TCP_MIN || plen > ip.len - IP6)
    return 0; /* also 0 (a jumbogram or an empty packet) and cut datagrams */
  rl__bytes tcp = rl__sub(ip, IP6, plen);
  return plain_tcp(seg, ip, tcp, 8, 16, 6);
}

/* Any frame that is not one of the two above, through the layers, where
 * every odd case is decided and counted. */
__attribute__((noinline)) static rl_decode_result
decode_layers(rl_decoder *dec, const rl_packet *pkt, rl_segment *seg, rl_stats *stats) {
  rl__dctx c = {dec, pkt, seg, stats, 0, 0, 0};
  if (pkt->wirelen > pkt->caplen)
    c.missing = pkt->wirelen - pkt->caplen;
  rl__bytes b = {pkt->data, pkt->data ? pkt->caplen : 0};
  rl_decode_result r = rl__decode_link(&c, b);
  switch (r) {
  case RL_DECODE_TCP:
    stats->packets_tcp++;
    break;
  case RL_DECODE_NOT_TCP:
    stats->packets_not_tcp++;
    break;
  case RL_DECODE_MALFORMED:
    /* A header cut by the snaplen is a short capture, not a lie. */
    if (!c.truncated)
      stats->packets_malformed++;
    break;
  case RL_DECODE_FRAGMENT:
  case RL_DECODE_UNSUPPORTED:
    break;
  }
  if (c.truncated)
    stats->packets_truncated++;
  if (r != RL_DECODE_TCP)
    memset(seg, 0, sizeof *seg);
  return r;
}

/* A frame that is not Ethernet + IPv4 + TCP. */
__attribute__((noinline)) static rl_decode_result
decode_other(rl_decoder *dec, const rl_packet *pkt, rl_segment *seg, rl_stats *stats) {
  if (decode_plain6(pkt, seg)) {
    stats->packets_tcp++;
    return RL_DECODE_TCP;
  }
  return decode_layers(dec, pkt, seg, stats);
}

/* A packet of a link type found supported, with no fragment to expire.
 * Every call is a tail call: the common frame saves no register. */
static inline rl_decode_result decode_any(rl_decoder *dec, const rl_packet *pkt,
                                          rl_segment *seg, rl_stats *stats) {
  memset(seg, 0, sizeof *seg);
  if (decode_plain(pkt, seg)) {
    stats->packets_tcp++;
    return RL_DECODE_TCP;
  }
  return decode_other(dec, pkt, seg, stats);
}

/* A packet of a link type not yet checked, or one whose capture time
 * expires fragments. */
__attribute__((noinline)) static rl_decode_result
decode_checked(rl_decoder *dec, const rl_packet *pkt, rl_segment *seg, rl_stats *stats) {
  /* A capture has one link type: the switch that checks it runs once. */
  if (pkt->linktype != dec->link_ok) {
    if (!rl_decode_linktype_supported(pkt->linktype)) {
      stats->packets_unsupported_link++;
      return RL_DECODE_UNSUPPORTED;
    }
    dec->link_ok = pkt->linktype;
  }
  /* Expiry runs on every packet's clock, not only on fragments, so that a
   * datagram that never completes is released even if no fragment follows. */
  rl__frag_expire(dec->frags, pkt->ts, stats);
  return decode_any(dec, pkt, seg, stats);
}

rl_decode_result rl_decode(rl_decoder *dec, const rl_packet *pkt,
                           rl_segment *seg, rl_stats *stats) {
  /* The checks of decode_checked, inline, so that the common packet costs
   * no call and no saved registers. */
  if (pkt->linktype != dec->link_ok || !rl__frag_quiet(dec->frags, pkt->ts))
    return decode_checked(dec, pkt, seg, stats);
  return decode_any(dec, pkt, seg, stats);
}

void rl_endpoint_format(const rl_endpoint *ep, char *buf, size_t buflen) {
  char addr[INET6_ADDRSTRLEN];
  if (!buf || buflen == 0)
    return;
  if (ep->ipver == 4 && inet_ntop(AF_INET, ep->addr, addr, sizeof addr))
    snprintf(buf, buflen, "%s:%u", addr, (unsigned)ep->port);
  else if (ep->ipver == 6 && inet_ntop(AF_INET6, ep->addr, addr, sizeof addr))
    snprintf(buf, buflen, "[%s]:%u", addr, (unsigned)ep->port);
  else
    snprintf(buf, buflen, "?:%u", (unsigned)ep->port);
}
