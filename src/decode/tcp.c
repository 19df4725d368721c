/* TCP (RFC 9293 3.1).
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  |                        Sequence Number                        |
 *  |                    Acknowledgment Number                      |
 *  |  Data |       |C|E|U|A|P|R|S|F|                               |
 *  | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *  |           Checksum            |         Urgent Pointer        |
 *  |                    Options (Data Offset > 5)                  |
 *
 * The segment's length comes from the IP layer; the data offset must lie
 * within it. Options are skipped: nothing downstream needs them. The
 * checksum is not verified (see ipv4.c). */
#include "decode/layers.h"

enum { TCP_MIN_HEADER = 20 };

rl_decode_result rl__decode_tcp(rl__dctx *c, rl__bytes b, uint32_t wire_len) {
  if (wire_len < TCP_MIN_HEADER)
    return RL_DECODE_MALFORMED;
  if (!rl__has(b, 0, TCP_MIN_HEADER))
    return rl__short_header(c);
  uint32_t hl = (uint32_t)(rl__u8(b, 12) >> 4) * 4;
  if (hl < TCP_MIN_HEADER || hl > wire_len)
    return RL_DECODE_MALFORMED;
  if (!rl__has(b, 0, hl))
    return rl__short_header(c);
  rl_segment *seg = c->seg;
  rl__tcp_fill(seg, b, hl);
  seg->payload_missing = wire_len - hl - seg->payload_len;
  if (seg->payload_missing)
    c->truncated = 1;
  return RL_DECODE_TCP;
}
