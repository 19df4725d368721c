/* resplint: the decode stage.
 *
 * Turns one captured packet into a TCP segment: link layer (Ethernet,
 * 802.1Q/QinQ, Linux SLL and SLL2, BSD NULL/LOOP, raw IP), IPv4 with options
 * and fragment reassembly, IPv6 with extension headers and fragments, and the
 * TCP header with options. Packet bytes are read only through bounds-checked
 * helpers; a malformed packet is counted, never trusted.
 *
 * The only state kept is the IP fragment table (bounded, expired by capture
 * time). Everything else is per packet.
 */
#ifndef RESPLINT_DECODE_H
#define RESPLINT_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/capture.h"
#include "resplint/stats.h"

enum {
  RL_TCP_FIN = 0x01,
  RL_TCP_SYN = 0x02,
  RL_TCP_RST = 0x04,
  RL_TCP_PSH = 0x08,
  RL_TCP_ACK = 0x10,
  RL_TCP_URG = 0x20,
  RL_TCP_ECE = 0x40,
  RL_TCP_CWR = 0x80
};

/* An IP address and port. IPv4 addresses use the first 4 bytes of `addr`
 * (the rest is zero) so that endpoints compare with memcmp. */
typedef struct rl_endpoint {
  uint8_t addr[16];
  uint16_t port;
  uint8_t ipver; /* 4 or 6 */
} rl_endpoint;

/* A decoded TCP segment. `payload` points into the packet (or into the
 * decoder's reassembly buffer for a reassembled IP datagram) and is valid
 * until the next rl_decode() call or rl_packet invalidation, whichever is
 * first. */
typedef struct rl_segment {
  rl_endpoint src, dst;
  uint32_t seq, ack;
  uint16_t window;
  uint8_t flags;            /* RL_TCP_* */
  const uint8_t *payload;
  uint32_t payload_len;     /* captured payload bytes */
  uint32_t payload_missing; /* payload bytes on the wire but cut by snaplen */
} rl_segment;

typedef enum rl_decode_result {
  RL_DECODE_TCP = 1,         /* *seg is filled */
  RL_DECODE_NOT_TCP = 0,     /* a valid packet of another protocol */
  RL_DECODE_FRAGMENT = 2,    /* an IP fragment was stored; datagram incomplete */
  RL_DECODE_MALFORMED = -1,  /* headers inconsistent or cut short */
  RL_DECODE_UNSUPPORTED = -2 /* link type not supported */
} rl_decode_result;

typedef struct rl_decode_limits {
  uint32_t max_frag_datagrams; /* datagrams being reassembled at once; 0: 1024 */
  uint32_t max_frag_bytes;     /* bytes held in all of them; 0: 16 MiB */
  uint32_t frag_timeout_s;     /* capture seconds before an incomplete one is dropped; 0: 30 */
} rl_decode_limits;

typedef struct rl_decoder rl_decoder;

/* Creates a decoder; `limits` may be NULL for the defaults. NULL on ENOMEM. */
rl_decoder *rl_decoder_new(const rl_decode_limits *limits);
void rl_decoder_free(rl_decoder *dec); /* NULL is a no-op */

/* Decodes `pkt` (of link type pkt->linktype). Counts what it sees in `stats`
 * (packets_tcp, packets_not_tcp, packets_malformed, packets_truncated,
 * ip_fragments...). Returns an rl_decode_result. */
rl_decode_result rl_decode(rl_decoder *dec, const rl_packet *pkt,
                           rl_segment *seg, rl_stats *stats);

/* Returns 1 if the decoder knows link type `dlt`. */
int rl_decode_linktype_supported(int dlt);

/* Formats an endpoint as "1.2.3.4:80" or "[::1]:80" into buf (>= 48 bytes). */
void rl_endpoint_format(const rl_endpoint *ep, char *buf, size_t buflen);

#endif
