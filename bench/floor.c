/* floor: the cost of merely reading a capture.
 *
 * Reads every record through libpcap and touches every captured byte (a
 * running sum the compiler cannot drop, because it is printed), nothing
 * else. No program that reads the capture through libpcap can be cheaper,
 * so resplint's CPU time divided by this one's says how close it is to the
 * physical limit on captures made of large bodies.
 *
 * Usage: floor FILE   prints "packets=N bytes=N sum=N" on standard output.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Sums the bytes eight at a time; memcpy keeps the loads aligned-agnostic
 * and lets the compiler vectorise the loop as it would a real scan. */
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

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: floor FILE\n");
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(argv[1], err);
  if (!p) {
    fprintf(stderr, "floor: %s\n", err);
    return 3;
  }
  struct pcap_pkthdr *h;
  const u_char *data;
  uint64_t packets = 0, bytes = 0, sum = 0;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    packets++;
    bytes += h->caplen;
    sum += touch(data, h->caplen);
  }
  if (rc == PCAP_ERROR)
    fprintf(stderr, "floor: %s\n", pcap_geterr(p));
  pcap_close(p);
  printf("packets=%" PRIu64 " bytes=%" PRIu64 " sum=%" PRIu64 "\n", packets, bytes, sum);
  return rc == PCAP_ERROR ? 3 : 0;
}
