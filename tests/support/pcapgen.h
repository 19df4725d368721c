/* Test support: a writer of synthetic capture files.
 *
 * Writes classic pcap (microsecond timestamps) and pcapng (one interface)
 * with plain stdio rather than libpcap's dumper, so that tests can also write
 * files that are deliberately broken. Frames TCP segments over IPv4 or IPv6
 * for every link type the decoder supports, splits them into IP fragments,
 * and scripts whole TCP conversations.
 *
 * Every function that can fail returns 0 (or a positive count) on success and
 * a negative RL_E* code (resplint/error.h) on failure.
 */
#ifndef RESPLINT_TESTS_PCAPGEN_H
#define RESPLINT_TESTS_PCAPGEN_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/decode.h" /* RL_TCP_* flags */

typedef struct pg_writer pg_writer;

/* Opens `path` for writing a classic pcap (usec) or a pcapng file (one IDB)
 * of DLT link type `linktype` (DLT_RAW is stored as LINKTYPE_RAW 101, as
 * libpcap does) and snapshot length `snaplen`. NULL on failure. */
pg_writer *pg_open(const char *path, int linktype, uint32_t snaplen);
pg_writer *pg_open_ng(const char *path, int linktype, uint32_t snaplen);

/* Like pg_open()/pg_open_ng() but stores `file_linktype` in the file exactly
 * as given (no DLT -> LINKTYPE mapping), and frames packets as link type
 * `frame_dlt`. Used to write e.g. a LINKTYPE 14 raw-IP file. */
pg_writer *pg_open_as(const char *path, int ng, int file_linktype,
                      int frame_dlt, uint32_t snaplen);

/* Flushes and closes; returns 0 or RL_EIO. pg_close(NULL) returns 0. */
int pg_close(pg_writer *w);

/* For DLT_NULL / DLT_LOOP writers: the AF_INET6 value to write (default 24,
 * NetBSD/OpenBSD; Linux uses 10, FreeBSD 28, Darwin 30) and whether to write
 * the family in the opposite byte order from the one the link type
 * prescribes (DLT_NULL is host order, DLT_LOOP network order). */
void pg_set_null_family(pg_writer *w, uint32_t af_inet6, int swapped);

/* Writes one record as-is (caplen may be < wirelen). */
int pg_write_raw(pg_writer *w, const void *frame, uint32_t caplen,
                 uint32_t wirelen, uint64_t ts_usec);

/* Writes raw bytes to the file (for deliberately broken files). */
int pg_write_bytes(pg_writer *w, const void *bytes, size_t len);

/* A TCP segment over IPv4 or IPv6 (addresses as text), framed for the
 * writer's link type. Zero-initialise and fill what you need. */
typedef struct pg_tcp {
  const char *src, *dst;
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags; /* RL_TCP_* values */
  const void *payload;
  uint32_t len;
  uint64_t ts_usec;
  uint16_t vlan[2]; /* Ethernet only: 802.1Q / QinQ VLAN ids, outer first */
  int nvlan;
  uint32_t snaplen_cut; /* if nonzero, record caplen = min(frame, this) */
  /* Additions beyond the original brief; zero means "the usual". */
  uint16_t tpid[2];       /* TPID per tag; 0: 0x88a8 outer of two, else 0x8100 */
  uint16_t window;        /* 0: 65535 */
  const void *ip_options; /* IPv4 options, padded with EOL to 4 bytes */
  uint32_t ip_options_len;
  uint8_t ip6_ext[4];     /* IPv6 extension headers in order (0 HBH,
                             43 routing, 60 destination options, 51 AH),
                             each written as a minimal valid header */
  int nip6_ext;
  const void *tcp_options; /* TCP options, padded with EOL to 4 bytes */
  uint32_t tcp_options_len;
  uint32_t ip_id;          /* IPv4 id / IPv6 fragment id; 0: writer's counter */
  uint32_t eth_pad_to;     /* Ethernet only: pad the frame with zeros to this */
  uint8_t ttl;             /* 0: 64 */
} pg_tcp;

int pg_write_tcp(pg_writer *w, const pg_tcp *seg);

/* The same segment split into IP fragments carrying at most `frag_payload`
 * bytes each (rounded down to a multiple of 8, at least 8). With `order`
 * NULL all fragments are written in order (nfrags is ignored); otherwise the
 * `nfrags` fragment indices in `order` are written, so indices may repeat
 * (duplicates) or be left out (a datagram that never completes). Returns the
 * number of fragments the datagram has, or a negative RL_E* code. */
int pg_write_tcp_fragments(pg_writer *w, const pg_tcp *seg,
                           uint32_t frag_payload, const int *order, int nfrags);

/* Writes one fragment of `seg`'s datagram: bytes [off, off+len) of the IP
 * payload (TCP header + payload), `more` setting the more-fragments flag.
 * When `override` is non-NULL its `len` bytes are sent instead of the real
 * ones (for overlaps whose content differs). Set seg->ip_id so that every
 * fragment of one datagram shares it. */
int pg_write_tcp_fragment_at(pg_writer *w, const pg_tcp *seg, uint32_t off,
                             uint32_t len, int more, const void *override);

/* Frames an already-built IPv4 or IPv6 packet (version from its first byte)
 * for the writer's link type and writes it. `opts` supplies the timestamp and
 * the link options (vlan, tpid, eth_pad_to, snaplen_cut) and may be NULL.
 * `wirelen` is the IP packet's length on the wire (>= len). Returns
 * RL_EINVAL when the link type cannot carry that IP version. */
int pg_write_ip(pg_writer *w, const void *ip, uint32_t len, uint32_t wirelen,
                const pg_tcp *opts);

/* Builds the IP packet (no link header) for `seg` into buf; returns its
 * length or a negative RL_E* code (RL_EINVAL if it does not fit). */
int pg_build_ip(const pg_tcp *seg, uint32_t ip_id, uint8_t *buf, size_t cap);

/* A whole conversation: handshake, data in either direction split at mss
 * (each segment ACKed by the receiver), FIN close. Timestamps advance by
 * 1 ms per packet. */
typedef struct pg_conv {
  pg_writer *w;
  const char *client, *server;
  uint16_t cport, sport;
  uint32_t cseq, sseq;
  uint64_t ts_usec;
  uint32_t mss;
} pg_conv;

/* Defaults: cseq 1000, sseq 50000, ts 1700000000 s, mss 1460. */
void pg_conv_init(pg_conv *c, pg_writer *w, const char *client, uint16_t cport,
                  const char *server, uint16_t sport);
int pg_conv_handshake(pg_conv *c);
/* Sends `data`: advances the sender's seq; the receiver ACKs each segment. */
int pg_conv_send(pg_conv *c, int to_client, const void *data, uint32_t len);
/* FIN from the server, then FIN from the client, then the final ACK. */
int pg_conv_close(pg_conv *c);

/* Reads an Ethernet pcap with libpcap and writes the same traffic as
 * `variant`: "vlan", "qinq", "sll", "sll2", "null", "loop", "raw",
 * "ipv4frag" (every IPv4 TCP packet with payload split into 64-byte
 * fragments), "duplicate" (every packet twice), "pcapng", "ackfirst" (a
 * server -> client data segment immediately followed by the client's ACK of
 * it is written after that ACK). Returns the number of records written or a
 * negative RL_E* code (RL_EINVAL for an unknown variant). */
int pg_rewrite_variant(const char *in_ethernet_pcap, const char *out_path,
                       const char *variant);

#endif
