/* The fast paths of rl_decode (Ethernet + IPv4 + TCP, Ethernet + IPv6 +
 * TCP) must decide exactly as the layers do. The same frame with an 802.1Q
 * tag inserted never takes a fast path, and the tag changes nothing in the
 * segment: so each frame and its tagged twin must give the same result,
 * the same segment (payload at the same offset) and the same counts. The
 * frames are plain ones with random fields, lengths and cuts. */
#include <criterion/criterion.h>
#include <pcap/dlt.h>
#include <string.h>

#include "resplint/decode.h"

static uint32_t rng = 12345;

static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

/* Usually `common`, sometimes anything. */
static uint8_t mostly(uint8_t common) {
  return next_rand() % 4 ? common : (uint8_t)next_rand();
}

enum { FRAME = 1600 };

/* A random Ethernet frame that is, more often than not, IPv4 or IPv6 +
 * TCP with consistent lengths. Returns its captured length; *wire is set. */
static uint32_t random_frame(uint8_t *f, uint32_t *wire) {
  for (int i = 0; i < FRAME; i++)
    f[i] = (uint8_t)next_rand();
  int v6 = next_rand() % 2;
  uint32_t payload = next_rand() % 3 ? next_rand() % 1400 : 0;
  uint32_t tcp_hl = next_rand() % 4 ? 20 : 4 * (next_rand() % 16);
  f[12] = v6 ? 0x86 : 0x08;
  f[13] = v6 ? 0xdd : 0x00;
  f[13] = mostly(f[13]);
  uint32_t ip_hl, len;
  if (v6) {
    ip_hl = 40;
    f[14] = (uint8_t)(mostly(6) << 4 | (f[14] & 0x0f));
    len = tcp_hl + payload;
    f[18] = (uint8_t)(len >> 8);
    f[19] = (uint8_t)len;
    f[20] = mostly(6);
  } else {
    ip_hl = 20;
    f[14] = mostly(0x45);
    len = ip_hl + tcp_hl + payload;
    f[16] = (uint8_t)(len >> 8);
    f[17] = (uint8_t)len;
    f[20] = mostly(0x40) & (next_rand() % 4 ? 0x40 : 0xff);
    f[21] = mostly(0);
    f[23] = mostly(6);
  }
  if (next_rand() % 5 == 0) { /* a length field that lies */
    f[v6 ? 18 : 16] = (uint8_t)next_rand();
    f[v6 ? 19 : 17] = (uint8_t)next_rand();
  }
  uint8_t *tcp = f + 14 + ip_hl;
  tcp[12] = (uint8_t)((tcp_hl / 4) << 4 | (tcp[12] & 0x0f));
  uint32_t cap = 14 + ip_hl + tcp_hl + payload;
  if (next_rand() % 8 == 0)
    cap += next_rand() % 20; /* link padding */
  if (cap > FRAME - 4)
    cap = FRAME - 4;
  *wire = cap;
  if (next_rand() % 6 == 0) { /* cut by the snaplen */
    cap = next_rand() % (cap + 1);
    *wire = cap + next_rand() % 100;
  }
  return cap;
}

static rl_decode_result decode(const uint8_t *f, uint32_t cap, uint32_t wire, rl_segment *seg,
                               rl_stats *stats) {
  rl_decoder *dec = rl_decoder_new(NULL);
  cr_assert_not_null(dec);
  rl_packet pkt = {f, cap, wire, {1700000000, 0}, 1, DLT_EN10MB};
  memset(stats, 0, sizeof *stats);
  rl_decode_result r = rl_decode(dec, &pkt, seg, stats);
  rl_decoder_free(dec);
  return r;
}

Test(fastpath, decides_as_the_layers_do) {
  static uint8_t f[FRAME], tagged[FRAME + 4];
  int tcp = 0;
  for (int i = 0; i < 200000; i++) {
    uint32_t wire, cap = random_frame(f, &wire);
    if (cap >= 12) {
      memcpy(tagged, f, 12);
      tagged[12] = 0x81; /* 802.1Q, VLAN 7 */
      tagged[13] = 0x00;
      tagged[14] = 0x00;
      tagged[15] = 0x07;
      memcpy(tagged + 16, f + 12, cap - 12);
    }
    if (cap < 14)
      continue; /* a tag needs a whole Ethernet header to go after */
    rl_segment a, b;
    rl_stats sa, sb;
    rl_decode_result ra = decode(f, cap, wire, &a, &sa);
    rl_decode_result rb = decode(tagged, cap + 4, wire + 4, &b, &sb);
    cr_assert_eq(ra, rb, "frame %d: %d, tagged %d", i, ra, rb);
    cr_assert_eq(memcmp(&sa, &sb, sizeof sa), 0, "frame %d: counts differ", i);
    if (ra != RL_DECODE_TCP)
      continue;
    tcp++;
    cr_assert_eq(a.payload == NULL, b.payload == NULL, "frame %d", i);
    if (a.payload) {
      cr_assert_eq(a.payload - f, b.payload - tagged - 4, "frame %d: payload offset", i);
      a.payload = b.payload = NULL;
    }
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "frame %d: segments differ", i);
  }
  cr_assert_gt(tcp, 30000, "only %d TCP frames: the generator drifted", tcp);
}
