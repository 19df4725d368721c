/* IEEE 802.11 data frames (IEEE Std 802.11-2020 9.3.2.1) with LLC/SNAP
 * (IEEE 802 / RFC 1042), bare (LINKTYPE_IEEE802_11 105) or behind a
 * radiotap header (LINKTYPE_IEEE802_11_RADIOTAP 127).
 *
 *  Radiotap:  | version (0) | pad | length (LE16) | present ... | fields |
 *  Only the length is needed: the 802.11 frame starts after it.
 *
 *  802.11 MAC header:
 *  | Frame Control (2) | Duration (2) | Addr1 (6) | Addr2 (6) | Addr3 (6) |
 *  | Sequence Control (2) | Addr4 (6, if ToDS and FromDS) |
 *  | QoS Control (2, QoS subtypes) | HT Control (4, QoS with +HTC/Order) |
 *  Frame Control (little-endian bits): protocol version 0-1, type 2-3
 *  (2 = data), subtype 4-7 (bit 7 set = QoS, bit 6 set = no body); flags
 *  byte: ToDS 0x01, FromDS 0x02, Protected 0x40, +HTC/Order 0x80.
 *
 *  LLC/SNAP: | 0xAA | 0xAA | 0x03 | OUI (3) | ethertype (2) |
 *
 * A trailing FCS, present or not, needs no care: the IP total length ends
 * the datagram before it, as it does Ethernet padding. Protected frames
 * are encrypted and not decoded. */
#include "decode/layers.h"

enum {
  RADIOTAP_MIN = 8,
  WLAN_HEADER = 24,
  WLAN_TYPE_DATA = 2,
  WLAN_FLAG_TODS = 0x01,
  WLAN_FLAG_FROMDS = 0x02,
  WLAN_FLAG_PROTECTED = 0x40,
  WLAN_FLAG_ORDER = 0x80,
  LLC_SNAP = 8
};

rl_decode_result rl__decode_ieee80211(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, WLAN_HEADER))
    return rl__short_header(c);
  uint8_t fc = rl__u8(b, 0), fl = rl__u8(b, 1);
  uint8_t type = (fc >> 2) & 0x3, subtype = fc >> 4;
  if ((fc & 0x3) != 0 || type != WLAN_TYPE_DATA)
    return RL_DECODE_NOT_TCP; /* management, control, or unknown version */
  if ((subtype & 0x4) || (fl & WLAN_FLAG_PROTECTED))
    return RL_DECODE_NOT_TCP; /* no body, or an encrypted one */
  uint32_t hl = WLAN_HEADER;
  if ((fl & WLAN_FLAG_TODS) && (fl & WLAN_FLAG_FROMDS))
    hl += 6;
  if (subtype & 0x8) {
    hl += 2;
    if (fl & WLAN_FLAG_ORDER)
      hl += 4;
  }
  if (!rl__has(b, 0, hl + LLC_SNAP))
    return rl__short_header(c);
  if (rl__u8(b, hl) != 0xaa || rl__u8(b, hl + 1) != 0xaa ||
      rl__u8(b, hl + 2) != 0x03)
    return RL_DECODE_NOT_TCP; /* not SNAP (e.g. an A-MSDU) */
  return rl__decode_ethertype(c, rl__be16(b, hl + 6),
                              rl__rest(b, hl + LLC_SNAP));
}

rl_decode_result rl__decode_radiotap(rl__dctx *c, rl__bytes b) {
  if (!rl__has(b, 0, RADIOTAP_MIN))
    return rl__short_header(c);
  if (rl__u8(b, 0) != 0)
    return RL_DECODE_MALFORMED;
  uint32_t len = rl__le32(b, 2) & 0xffffu; /* le16 at offset 2 */
  if (len < RADIOTAP_MIN)
    return RL_DECODE_MALFORMED;
  if (!rl__has(b, 0, len))
    return rl__short_header(c);
  return rl__decode_ieee80211(c, rl__rest(b, len));
}
