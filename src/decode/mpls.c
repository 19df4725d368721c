/* MPLS label stack (RFC 3032 2.1), ethertypes 0x8847 and 0x8848.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                Label                  | TC  |S|       TTL     |
 *
 * Entries repeat until one has S (bottom of stack) set. The stack does not
 * say what follows; like Wireshark, the first nibble decides: 4 is IPv4,
 * 6 IPv6. Anything else (a pseudowire control word, RFC 4385) is not
 * decoded. */
#include "decode/layers.h"

enum { MPLS_ENTRY = 4, MPLS_BOS = 0x100 };

/* Real stacks are two or three labels deep; the bound keeps a frame of
 * nothing but labels cheap. */
#define MAX_MPLS_LABELS 8

rl_decode_result rl__decode_mpls(rl__dctx *c, rl__bytes b) {
  if (rl__tunnel_enter(c) < 0)
    return RL_DECODE_NOT_TCP;
  uint32_t off = 0;
  for (int n = 0;; n++) {
    if (n == MAX_MPLS_LABELS)
      return RL_DECODE_NOT_TCP;
    if (!rl__has(b, off, MPLS_ENTRY))
      return rl__short_header(c);
    uint32_t entry = rl__be32(b, off);
    off += MPLS_ENTRY;
    if (entry & MPLS_BOS)
      break;
  }
  return rl__decode_ip_any(c, rl__rest(b, off), RL_DECODE_NOT_TCP);
}
