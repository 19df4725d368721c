/* The fast reader of classic pcap files (src/capture/pcapread.c) must hand
 * out exactly what libpcap hands out: every record's bytes, lengths and
 * timestamp, then the same end (clean end, or the same error and text),
 * including where it leaves a file to libpcap half-way. Each test writes a
 * file by hand and reads it both ways, record by record. */
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resplint/capture.h"
#include "resplint/error.h"
#include "tmpdir.h"

static void make_tmpdir(void) { rt_tmpdir_make("/tmp", "rl-pcapread"); }
static void remove_tree(void) { rt_tmpdir_remove(); }

TestSuite(pcapread, .init = make_tmpdir, .fini = remove_tree);

typedef struct file_spec {
  int big_endian;
  int nano;
  uint16_t minor;   /* format version 2.minor */
  uint32_t snaplen; /* in the file header */
} file_spec;

static void put32(FILE *f, uint32_t v, int be) {
  uint8_t b[4];
  for (int i = 0; i < 4; i++)
    b[i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
  cr_assert_eq(fwrite(b, 1, 4, f), 4u);
}

static void put16(FILE *f, uint16_t v, int be) {
  uint8_t b[2] = {(uint8_t)(be ? v >> 8 : v), (uint8_t)(be ? v : v >> 8)};
  cr_assert_eq(fwrite(b, 1, 2, f), 2u);
}

static FILE *open_file(const char *path, const file_spec *s) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  put32(f, s->nano ? 0xa1b23c4du : 0xa1b2c3d4u, s->big_endian);
  put16(f, 2, s->big_endian);
  put16(f, s->minor, s->big_endian);
  put32(f, 0, s->big_endian); /* thiszone */
  put32(f, 0, s->big_endian); /* sigfigs */
  put32(f, s->snaplen, s->big_endian);
  put32(f, 1, s->big_endian); /* LINKTYPE_ETHERNET */
  return f;
}

/* A record whose bytes say which record they are, so that a record handed
 * out from the wrong place cannot compare equal. */
static void put_record(FILE *f, const file_spec *s, uint32_t sec, uint32_t frac,
                       uint32_t caplen, uint32_t len, uint32_t seed) {
  put32(f, sec, s->big_endian);
  put32(f, frac, s->big_endian);
  put32(f, caplen, s->big_endian);
  put32(f, len, s->big_endian);
  for (uint32_t i = 0; i < caplen; i++)
    cr_assert_eq(fputc((int)((seed * 131u + i) & 0xff), f), (int)((seed * 131u + i) & 0xff));
}

/* `n` ordinary records of varied sizes (0 to 1500 bytes). */
static void put_records(FILE *f, const file_spec *s, int n, uint32_t first) {
  for (int i = 0; i < n; i++) {
    uint32_t caplen = ((uint32_t)i * 397u) % 1501u;
    put_record(f, s, 1700000000u + (uint32_t)i, (uint32_t)i * 1000u, caplen, caplen + 4,
               first + (uint32_t)i);
  }
}

static void close_file(FILE *f) { cr_assert_eq(fclose(f), 0); }

/* Cuts the file to `size` bytes. */
static void cut_file(const char *path, long size) {
  cr_assert_eq(truncate(path, size), 0);
}

/* Reads `path` with rl_capture_next and with libpcap alone; every record
 * and the end must agree. Returns the number of records. */
static unsigned long read_both(const char *path) {
  rl_capture *cap;
  char err[512] = "", perr[PCAP_ERRBUF_SIZE];
  cr_assert_eq(rl_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
  pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
  cr_assert_not_null(p, "%s", perr);
  unsigned long n = 0;
  for (;;) {
    rl_packet pkt;
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc = rl_capture_next(cap, &pkt, err, sizeof err);
    int prc = pcap_next_ex(p, &h, &d);
    if (rc != 1 || prc != 1) {
      cr_assert_eq(rc == 0, prc == PCAP_ERROR_BREAK, "record %lu: %d vs libpcap %d", n, rc, prc);
      if (rc < 0) {
        cr_assert_eq(prc, PCAP_ERROR);
        cr_assert_str_eq(err, pcap_geterr(p));
      }
      break;
    }
    n++;
    cr_assert_eq(pkt.frame, n);
    cr_assert_eq(pkt.caplen, h->caplen, "record %lu", n);
    cr_assert_eq(pkt.wirelen, h->len, "record %lu", n);
    cr_assert_eq(pkt.ts.sec, (int64_t)h->ts.tv_sec, "record %lu", n);
    cr_assert_eq(pkt.ts.nsec, (uint32_t)h->ts.tv_usec, "record %lu", n);
    cr_assert_eq(memcmp(pkt.data, d, h->caplen), 0, "record %lu", n);
  }
  rl_capture_close(cap);
  pcap_close(p);
  return n;
}

Test(pcapread, both_byte_orders_and_precisions) {
  for (int be = 0; be < 2; be++) {
    for (int nano = 0; nano < 2; nano++) {
      file_spec s = {be, nano, 4, 65535};
      const char *path = rt_tmp("plain.pcap");
      FILE *f = open_file(path, &s);
      put_records(f, &s, 300, 0); /* about 220 KiB: several blocks */
      close_file(f);
      cr_assert_eq(read_both(path), 300u);
    }
  }
}

Test(pcapread, odd_timestamps) {
  file_spec s = {0, 0, 4, 65535};
  const char *path = rt_tmp("ts.pcap");
  FILE *f = open_file(path, &s);
  const uint32_t secs[] = {0, 0x7fffffffu, 0x80000000u, 0xffffffffu};
  const uint32_t fracs[] = {0, 999999u, 1000000u, 0xffffffffu};
  for (int i = 0; i < 4; i++)
    put_record(f, &s, secs[i], fracs[i], 60, 60, (uint32_t)i);
  close_file(f);
  cr_assert_eq(read_both(path), 4u);
}

/* A record longer than a read block (64 KiB) is left to libpcap, with the
 * rest of the file. */
Test(pcapread, record_longer_than_a_block) {
  file_spec s = {0, 0, 4, 262144};
  const char *path = rt_tmp("big.pcap");
  FILE *f = open_file(path, &s);
  put_records(f, &s, 10, 0);
  put_record(f, &s, 1700000100u, 0, 100000, 100000, 99);
  put_records(f, &s, 10, 100);
  close_file(f);
  cr_assert_eq(read_both(path), 21u);
}

/* Records longer than the snapshot length, and lengths swapped as in
 * version 2.3 files, are libpcap's to judge. */
Test(pcapread, records_libpcap_must_judge) {
  file_spec s = {0, 0, 4, 1000};
  const char *path = rt_tmp("snap.pcap");
  FILE *f = open_file(path, &s);
  put_record(f, &s, 1, 0, 500, 500, 1);
  put_record(f, &s, 2, 0, 2000, 2000, 2);
  put_record(f, &s, 3, 0, 500, 500, 3);
  close_file(f);
  read_both(path);

  file_spec old = {0, 0, 3, 65535};
  path = rt_tmp("v23.pcap");
  f = open_file(path, &old);
  put_record(f, &old, 1, 0, 100, 60, 1);
  put_record(f, &old, 2, 0, 60, 100, 2);
  close_file(f);
  read_both(path);
}

/* Cut anywhere: in a record header, in a record's data, at a boundary. */
Test(pcapread, cut_files_end_as_libpcap_says) {
  file_spec s = {1, 0, 4, 65535};
  const char *path = rt_tmp("cut.pcap");
  FILE *f = open_file(path, &s);
  put_records(f, &s, 120, 0);
  long size = ftell(f);
  close_file(f);
  const long cuts[] = {size - 1, size - 300, size / 2, size / 2 + 7, 24 + 16 + 3, 24 + 5};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    f = open_file(path, &s);
    put_records(f, &s, 120, 0);
    close_file(f);
    cut_file(path, cuts[i]);
    read_both(path);
  }
}

/* A file that shrinks while it is read (a log rotation, a user's
 * truncate) ends as libpcap ends the file it has become: cleanly, or as
 * truncated; every record handed out is one that was written, and every
 * record wholly before the cut is handed out. `keep` is the size the file
 * is cut to after `first` records were read. */
static void shrink_while_reading(long keep, int first) {
  file_spec s = {0, 0, 4, 65535};
  const char *path = rt_tmp("shrink.pcap"), *ref = rt_tmp("whole.pcap");
  for (int i = 0; i < 2; i++) {
    FILE *f = open_file(i ? ref : path, &s);
    put_records(f, &s, 4000, 0); /* about 3 MiB: many blocks */
    close_file(f);
  }
  /* The records as written, from a copy that keeps them. */
  pcap_t *p = pcap_open_offline_with_tstamp_precision(ref, PCAP_TSTAMP_PRECISION_NANO,
                                                      (char[PCAP_ERRBUF_SIZE]){0});
  cr_assert_not_null(p);
  rl_capture *cap;
  char err[512] = "";
  cr_assert_eq(rl_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
  rl_packet pkt;
  int rc, n = 0;
  long end = 24; /* where the records read so far end in the file */
  while ((rc = rl_capture_next(cap, &pkt, err, sizeof err)) == 1) {
    struct pcap_pkthdr *h;
    const u_char *d;
    cr_assert_eq(pcap_next_ex(p, &h, &d), 1);
    cr_assert_eq(pkt.caplen, h->caplen, "record %d", n);
    cr_assert_eq(memcmp(pkt.data, d, h->caplen), 0, "record %d", n);
    end += 16 + (long)pkt.caplen;
    if (++n == first)
      cut_file(path, keep);
  }
  cr_assert(rc == 0 || rc == RL_ETRUNCATED, "after %d records: %d (%s)", n, rc, err);
  if (rc < 0)
    cr_assert_not_null(strstr(err, "truncated dump file"), "%s", err);
  cr_assert_geq(end, keep - 16 - 1500, "%d records", n);
  rl_capture_close(cap);
  pcap_close(p);
}

Test(pcapread, shrinks_ahead_of_the_reader) { shrink_while_reading(1500000, 10); }
Test(pcapread, shrinks_inside_a_block) { shrink_while_reading(24 + 1000, 1); }
Test(pcapread, shrinks_behind_the_reader) { shrink_while_reading(30000, 200); }
Test(pcapread, shrinks_to_nothing) { shrink_while_reading(0, 3); }

/* A file still being written is read as far as it has grown. */
Test(pcapread, grows_while_reading) {
  file_spec s = {0, 0, 4, 65535};
  const char *path = rt_tmp("grow.pcap");
  FILE *f = open_file(path, &s);
  put_records(f, &s, 20, 0);
  cr_assert_eq(fflush(f), 0);
  rl_capture *cap;
  char err[512] = "";
  cr_assert_eq(rl_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
  rl_packet pkt;
  for (int i = 0; i < 5; i++)
    cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 1, "%s", err);
  put_records(f, &s, 200, 20); /* past the first block */
  close_file(f);
  int n = 5, rc;
  while ((rc = rl_capture_next(cap, &pkt, err, sizeof err)) == 1)
    n++;
  cr_assert_eq(rc, 0, "%s", err);
  cr_assert_eq(n, 220);
  rl_capture_close(cap);
}
