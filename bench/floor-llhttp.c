/* floor-llhttp: the cost of reading a capture and parsing its HTTP, with no
 * reassembly, no pairing and no rules.
 *
 * Reads every record through libpcap and touches every captured byte (as
 * `floor` does), finds the TCP payload of each packet (Ethernet with 802.1Q
 * tags, Linux SLL/SLL2, BSD loopback, raw IP; IPv4 and IPv6), and runs llhttp
 * over every non-empty payload with a fresh parser per packet, collecting the
 * spans of every header name and value. On captures of small messages this
 * is the real limit for any tool that parses with llhttp: resplint does this
 * work plus reassembly, pairing and the rules.
 *
 * Usage: floor-llhttp FILE
 * Prints "packets=N bytes=N payloads=N responses=N headers=N sum=N".
 */
#include <inttypes.h>
#include <llhttp.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_SPANS 256

typedef struct span {
  const char *at;
  size_t len;
} span;

/* What the callbacks collect for one packet. */
typedef struct collect {
  span names[MAX_SPANS];
  span values[MAX_SPANS];
  size_t nnames, nvalues;
  uint64_t responses, headers;
} collect;

static uint64_t touch(const uint8_t *p, size_t n) {
  uint64_t s = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    s += w;
  }
  for (; i < n; i++)
    s += p[i];
  return s;
}

/* llhttp may deliver one name or value in several pieces (never across
 * packets here, since each packet gets a fresh parser); a piece that starts
 * where the previous one ended extends it. */
static void add_span(span *spans, size_t *n, const char *at, size_t len) {
  if (*n > 0 && spans[*n - 1].at + spans[*n - 1].len == at) {
    spans[*n - 1].len += len;
    return;
  }
  if (*n < MAX_SPANS) {
    spans[*n].at = at;
    spans[*n].len = len;
    (*n)++;
  }
}

static int on_field(llhttp_t *p, const char *at, size_t len) {
  collect *c = p->data;
  add_span(c->names, &c->nnames, at, len);
  return 0;
}

static int on_value(llhttp_t *p, const char *at, size_t len) {
  collect *c = p->data;
  add_span(c->values, &c->nvalues, at, len);
  return 0;
}

static int on_status_complete(llhttp_t *p) {
  collect *c = p->data;
  c->responses++;
  return 0;
}

static int on_headers_complete(llhttp_t *p) {
  collect *c = p->data;
  c->headers += c->nnames;
  return 0;
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Returns the offset of the IP header in the frame and its version through
 * `ver` (4 or 6), or -1 when the frame carries no IP. */
static long ip_offset(int dlt, const uint8_t *d, size_t n, int *ver) {
  size_t off;
  unsigned type;
  switch (dlt) {
  case DLT_EN10MB:
    if (n < 14)
      return -1;
    off = 14;
    type = be16(d + 12);
    while ((type == 0x8100 || type == 0x88a8) && off + 4 <= n) {
      type = be16(d + off + 2);
      off += 4;
    }
    break;
  case DLT_LINUX_SLL:
    if (n < 16)
      return -1;
    off = 16;
    type = be16(d + 14);
    break;
  case DLT_LINUX_SLL2:
    if (n < 20)
      return -1;
    off = 20;
    type = be16(d);
    break;
  case DLT_NULL:
  case DLT_LOOP:
    if (n < 4)
      return -1;
    off = 4;
    type = (d[0] == 2 || d[3] == 2) ? 0x0800 : 0x86dd;
    break;
  case DLT_RAW:
  case 228: /* DLT_IPV4 */
  case 229: /* DLT_IPV6 */
    if (n < 1)
      return -1;
    *ver = d[0] >> 4;
    return 0;
  default:
    return -1;
  }
  if (type == 0x0800)
    *ver = 4;
  else if (type == 0x86dd)
    *ver = 6;
  else
    return -1;
  return (long)off;
}

/* Finds the TCP payload of the packet; returns its length (0 for none). */
static size_t tcp_payload(int dlt, const uint8_t *d, size_t n, const uint8_t **out) {
  int ver = 0;
  long ipo = ip_offset(dlt, d, n, &ver);
  if (ipo < 0)
    return 0;
  const uint8_t *ip = d + ipo;
  size_t left = n - (size_t)ipo, iphl, iplen;
  unsigned proto;
  if (ver == 4) {
    if (left < 20)
      return 0;
    iphl = (size_t)(ip[0] & 15) * 4;
    iplen = be16(ip + 2);
    proto = ip[9];
    if ((be16(ip + 6) & 0x3fff) != 0) /* a fragment: no reassembly here */
      return 0;
  } else if (ver == 6) {
    if (left < 40)
      return 0;
    iphl = 40;
    iplen = 40 + (size_t)be16(ip + 4);
    proto = ip[6];
  } else {
    return 0;
  }
  if (proto != 6 || iplen < iphl || left < iphl + 20)
    return 0;
  if (iplen < left)
    left = iplen;
  const uint8_t *tcp = ip + iphl;
  size_t thl = (size_t)(tcp[12] >> 4) * 4;
  if (thl < 20 || iphl + thl > left)
    return 0;
  *out = tcp + thl;
  return left - iphl - thl;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: floor-llhttp FILE\n");
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(argv[1], err);
  if (!p) {
    fprintf(stderr, "floor-llhttp: %s\n", err);
    return 3;
  }
  int dlt = pcap_datalink(p);
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  settings.on_header_field = on_field;
  settings.on_header_value = on_value;
  settings.on_status_complete = on_status_complete;
  settings.on_headers_complete = on_headers_complete;
  static collect c;
  llhttp_t parser;
  struct pcap_pkthdr *h;
  const u_char *data;
  uint64_t packets = 0, bytes = 0, sum = 0, payloads = 0;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    packets++;
    bytes += h->caplen;
    sum += touch(data, h->caplen);
    const uint8_t *pl;
    size_t len = tcp_payload(dlt, data, h->caplen, &pl);
    if (len == 0)
      continue;
    payloads++;
    c.nnames = c.nvalues = 0;
    llhttp_init(&parser, HTTP_BOTH, &settings);
    parser.data = &c;
    (void)llhttp_execute(&parser, (const char *)pl, len);
  }
  if (rc == PCAP_ERROR)
    fprintf(stderr, "floor-llhttp: %s\n", pcap_geterr(p));
  pcap_close(p);
  printf("packets=%" PRIu64 " bytes=%" PRIu64 " payloads=%" PRIu64 " responses=%" PRIu64
         " headers=%" PRIu64 " sum=%" PRIu64 "\n",
         packets, bytes, payloads, c.responses, c.headers, sum);
  return rc == PCAP_ERROR ? 3 : 0;
}
