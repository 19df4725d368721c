/* Capture stage: real libpcap on real files written by pcapgen (or by hand
 * where a file must be broken in a particular way). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/capture_internal.h"
#include "pcapgen.h"
#include "tmpdir.h"
#include "resplint/capture.h"
#include "resplint/decode.h"
#include "resplint/error.h"

static void make_tmpdir(void) {
  /* Under the system's temporary directory, not the build tree: the
   * unreadable_file test drops to user nobody, who must be able to reach
   * the directory even when the clone sits in a home directory of mode 0700. */
  const char *base = getenv("TMPDIR");
  rt_tmpdir_make(base && *base ? base : "/tmp", "rl-capture");
}

static void remove_tree(void) { rt_tmpdir_remove(); }

TestSuite(capture, .init = make_tmpdir, .fini = remove_tree);

/* Writes `n` TCP segments to port 80 (odd frames) and 443 (even frames),
 * 1 ms apart, each carrying `len` payload bytes. */
static void write_segments(pg_writer *w, int n, uint32_t len) {
  static const uint8_t payload[64] = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < n; i++) {
    pg_tcp s = {0};
    s.src = "192.0.2.1";
    s.dst = "192.0.2.2";
    s.sport = 40000;
    s.dport = i % 2 == 0 ? 80 : 443;
    s.seq = 1000 + (uint32_t)i * len;
    s.flags = RL_TCP_ACK | RL_TCP_PSH;
    s.payload = payload;
    s.len = len;
    s.ts_usec = 1700000000000000ull + (uint64_t)i * 1000;
    cr_assert_eq(pg_write_tcp(w, &s), 0);
  }
}

static void write_capture(const char *path, int ng, int n) {
  pg_writer *w = ng ? pg_open_ng(path, DLT_EN10MB, 65535) : pg_open(path, DLT_EN10MB, 65535);
  cr_assert_not_null(w);
  write_segments(w, n, 20);
  cr_assert_eq(pg_close(w), 0);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  cr_assert_eq(fclose(f), 0);
}

/* Reads every packet; returns how many, and the status that ended it. */
static int drain(rl_capture *cap, int *status, char *err, size_t errlen) {
  rl_packet pkt;
  int n = 0, rc;
  while ((rc = rl_capture_next(cap, &pkt, err, errlen)) == 1) {
    n++;
    cr_assert_eq(pkt.frame, (uint64_t)n);
  }
  *status = rc;
  return n;
}

static void expect_three_packets(const char *path) {
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
  cr_assert_eq(rl_capture_linktype(cap), DLT_EN10MB);
  rl_packet pkt;
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 1, "%s", err);
    cr_assert_eq(pkt.frame, (uint64_t)i + 1);
    cr_assert_eq(pkt.linktype, DLT_EN10MB);
    /* 14 Ethernet + 20 IPv4 + 20 TCP + 20 payload bytes. */
    cr_assert_eq(pkt.caplen, 74);
    cr_assert_eq(pkt.wirelen, 74);
    cr_assert_eq(pkt.ts.sec, 1700000000);
    cr_assert_eq(pkt.ts.nsec, (uint32_t)i * 1000000u);
    cr_assert_eq(pkt.data[12], 0x08); /* EtherType IPv4, as written */
  }
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 0);
  rl_capture_close(cap);
}

Test(capture, opens_pcap) {
  write_capture(rt_tmp("a.pcap"), 0, 3);
  expect_three_packets(rt_tmp("a.pcap"));
}

Test(capture, opens_pcapng) {
  write_capture(rt_tmp("a.pcapng"), 1, 3);
  expect_three_packets(rt_tmp("a.pcapng"));
}

Test(capture, recognises_by_content_not_extension) {
  write_capture(rt_tmp("capture.txt"), 1, 3);
  write_text(rt_tmp("fake.pcap"), "this is text, not a capture\n");
  cr_assert_eq(rl_capture_is_capture_file(rt_tmp("capture.txt")), 1);
  cr_assert_eq(rl_capture_is_capture_file(rt_tmp("fake.pcap")), 0);
  expect_three_packets(rt_tmp("capture.txt"));
}

Test(capture, magic_numbers) {
  const uint8_t usec_le[] = {0xd4, 0xc3, 0xb2, 0xa1};
  const uint8_t usec_be[] = {0xa1, 0xb2, 0xc3, 0xd4};
  const uint8_t nsec_le[] = {0x4d, 0x3c, 0xb2, 0xa1};
  const uint8_t ng[] = {0x0a, 0x0d, 0x0d, 0x0a};
  const uint8_t text[] = {'G', 'E', 'T', ' '};
  cr_assert_eq(rl__capture_magic_kind(usec_le, 4), RL__CAPTURE_PCAP);
  cr_assert_eq(rl__capture_magic_kind(usec_be, 4), RL__CAPTURE_PCAP);
  cr_assert_eq(rl__capture_magic_kind(nsec_le, 4), RL__CAPTURE_PCAP);
  cr_assert_eq(rl__capture_magic_kind(ng, 4), RL__CAPTURE_PCAPNG);
  cr_assert_eq(rl__capture_magic_kind(text, 4), RL__CAPTURE_NONE);
  cr_assert_eq(rl__capture_magic_kind(ng, 3), RL__CAPTURE_NONE);
}

Test(capture, reads_standard_input) {
  write_capture(rt_tmp("in.pcapng"), 1, 3);
  int fd = open(rt_tmp("in.pcapng"), O_RDONLY);
  cr_assert_geq(fd, 0);
  /* Criterion runs each test in its own process, so replacing its standard
   * input is safe. A pipe rather than the file proves no seeking is needed. */
  int p[2];
  cr_assert_eq(pipe(p), 0);
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  cr_assert_gt(n, 0);
  cr_assert_eq(write(p[1], buf, (size_t)n), n);
  close(p[1]);
  close(fd);
  cr_assert_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
  close(p[0]);
  expect_three_packets("-");
  /* Our descriptor 0 must survive pcap_close(). */
  struct stat st;
  cr_assert_eq(fstat(STDIN_FILENO, &st), 0);
}

Test(capture, nanosecond_timestamps) {
  /* A nanosecond pcap, little-endian, written by hand: pcapgen writes
   * microseconds only. */
  const uint8_t file[] = {
      0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0xff, 0xff, 0, 0, 1, 0, 0, 0, /* snaplen 65535, Ethernet */
      0x10, 0, 0, 0, 0x15, 0xcd, 0x5b, 0x07, /* ts 16 s, 123456789 ns */
      14, 0, 0, 0, 60, 0, 0, 0,               /* caplen 14, len 60 */
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x06};
  FILE *f = fopen(rt_tmp("nano.pcap"), "wb");
  cr_assert_eq(fwrite(file, 1, sizeof file, f), sizeof file);
  fclose(f);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("nano.pcap"), err, sizeof err), 0, "%s", err);
  rl_packet pkt;
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 1, "%s", err);
  cr_assert_eq(pkt.ts.sec, 16);
  cr_assert_eq(pkt.ts.nsec, 123456789u);
  cr_assert_eq(pkt.caplen, 14);
  cr_assert_eq(pkt.wirelen, 60);
  rl_capture_close(cap);
}

static void expect_truncated(const char *path, int ng) {
  write_capture(path, ng, 4);
  struct stat st;
  cr_assert_eq(stat(path, &st), 0);
  /* Cut 5 bytes from the fourth record's data. */
  cr_assert_eq(truncate(path, st.st_size - 5), 0);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, path, err, sizeof err), 0, "%s", err);
  int status;
  cr_assert_eq(drain(cap, &status, err, sizeof err), 3);
  cr_assert_eq(status, RL_ETRUNCATED, "status %d: %s", status, err);
  cr_assert_not_null(strstr(err, "truncated"), "%s", err);
  rl_capture_close(cap);
}

Test(capture, truncated_last_record_pcap) { expect_truncated(rt_tmp("cut.pcap"), 0); }

Test(capture, truncated_last_record_pcapng) { expect_truncated(rt_tmp("cut.pcapng"), 1); }

static void expect_open_error(const char *path, int code, const char *words) {
  rl_capture *cap = (rl_capture *)1;
  char err[256] = "";
  int rc = rl_capture_open_file(&cap, path, err, sizeof err);
  cr_assert_eq(rc, code, "%s: got %s (%s)", path, rl_err_name(rc), err);
  cr_assert_null(cap);
  cr_assert_not_null(strstr(err, words), "%s: message \"%s\" lacks \"%s\"", path, err, words);
}

Test(capture, not_a_capture) {
  write_text(rt_tmp("notes.pcap"), "GET / HTTP/1.1\r\n\r\n");
  expect_open_error(rt_tmp("notes.pcap"), RL_ENOTCAPTURE, "not a pcap or pcapng capture");
}

Test(capture, empty_file) {
  write_text(rt_tmp("empty.pcap"), "");
  expect_open_error(rt_tmp("empty.pcap"), RL_ENOTCAPTURE, "empty");
}

Test(capture, header_cut_short) {
  /* The magic number is right but the file header stops after 10 bytes. */
  const uint8_t head[] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0};
  FILE *f = fopen(rt_tmp("head.pcap"), "wb");
  fwrite(head, 1, sizeof head, f);
  fclose(f);
  expect_open_error(rt_tmp("head.pcap"), RL_ENOTCAPTURE, "header");
}

Test(capture, missing_file_and_directory) {
  expect_open_error(rt_tmp("nonexistent.pcap"), RL_ENOENT, "No such file");
  expect_open_error(rt_tmpdir(), RL_EISDIR, "directory");
}

Test(capture, unreadable_file) {
  write_capture(rt_tmp("secret.pcap"), 0, 1);
  cr_assert_eq(chmod(rt_tmp("secret.pcap"), 0), 0);
  cr_assert_eq(chmod(rt_tmpdir(), 0755), 0);
  if (geteuid() != 0) {
    expect_open_error(rt_tmp("secret.pcap"), RL_EACCES, "Permission denied");
    return;
  }
  /* root reads anything, so a child process drops to nobody; the parent
   * keeps root to clean up. */
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    struct stat st;
    if (setgid(65534) != 0 || setuid(65534) != 0 || stat(rt_tmp("secret.pcap"), &st) != 0)
      _exit(2); /* the file must be visible, only unreadable */
    rl_capture *cap;
    char err[256] = "";
    int rc = rl_capture_open_file(&cap, rt_tmp("secret.pcap"), err, sizeof err);
    _exit(rc == RL_EACCES && strstr(err, "Permission denied") ? 0 : 1);
  }
  int status;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  cr_assert(WIFEXITED(status));
  cr_assert_eq(WEXITSTATUS(status), 0, "child status %d", WEXITSTATUS(status));
}

Test(capture, unsupported_link_type) {
  /* LINKTYPE_USB_LINUX (189): a real link type that carries no IP, so the
   * decoder will never read it. */
  pg_writer *w = pg_open_as(rt_tmp("usb.pcap"), 0, 189, 189, 65535);
  cr_assert_not_null(w);
  const uint8_t frame[24] = {0x08};
  cr_assert_eq(pg_write_raw(w, frame, sizeof frame, sizeof frame, 0), 0);
  cr_assert_eq(pg_close(w), 0);
  cr_assert_eq(rl_decode_linktype_supported(189), 0);
  expect_open_error(rt_tmp("usb.pcap"), RL_ELINKTYPE, "USB_LINUX");
}

Test(capture, filter_keeps_frame_numbers) {
  write_capture(rt_tmp("mixed.pcap"), 0, 5);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("mixed.pcap"), err, sizeof err), 0);
  cr_assert_eq(rl_capture_set_filter(cap, "tcp dst port 443", err, sizeof err), 0, "%s", err);
  rl_packet pkt;
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 1);
  cr_assert_eq(pkt.frame, 2);
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 1);
  cr_assert_eq(pkt.frame, 4);
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 0);
  rl_capture_close(cap);
}

Test(capture, bad_filter) {
  write_capture(rt_tmp("f.pcap"), 0, 1);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("f.pcap"), err, sizeof err), 0);
  cr_assert_eq(rl_capture_set_filter(cap, "tcp prot 80", err, sizeof err), RL_EFILTER);
  cr_assert_neq(err[0], '\0');
  cr_assert_not_null(strstr(err, "syntax error"), "%s", err);
  rl_capture_close(cap);
}

Test(capture, break_ends_a_file) {
  write_capture(rt_tmp("b.pcap"), 0, 3);
  rl_capture *cap;
  char err[256] = "";
  cr_assert_eq(rl_capture_open_file(&cap, rt_tmp("b.pcap"), err, sizeof err), 0);
  rl_packet pkt;
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 1);
  rl_capture_break(cap);
  cr_assert_eq(rl_capture_next(cap, &pkt, err, sizeof err), 0);
  rl_capture_close(cap);
  rl_capture_close(NULL);
}

Test(capture, no_such_interface) {
  rl_live_options o = {0};
  o.iface = "rl-nosuch0";
  rl_capture *cap = (rl_capture *)1;
  char err[256] = "";
  int rc = rl_capture_open_live(&cap, &o, err, sizeof err);
  cr_assert_eq(rc, RL_EIFACE, "%s: %s", rl_err_name(rc), err);
  cr_assert_null(cap);
  cr_assert_not_null(strstr(err, "rl-nosuch0"), "%s", err);
}

/* --- directory walk ------------------------------------------------------ */

typedef struct seen {
  char names[16][128];
  int kinds[16];
  int n;
} seen;

static int record(void *ctx, const char *path, int kind, const char *err) {
  (void)err;
  seen *s = ctx;
  cr_assert_lt(s->n, 16);
  snprintf(s->names[s->n], sizeof s->names[0], "%s", path + strlen(rt_tmpdir()) + 1);
  s->kinds[s->n++] = kind;
  return 0;
}

Test(capture, walk_is_sorted_and_by_content) {
  cr_assert_eq(mkdir(rt_tmp("a"), 0755), 0);
  cr_assert_eq(mkdir(rt_tmp("b"), 0755), 0);
  cr_assert_eq(mkdir(rt_tmp("b/empty"), 0755), 0);
  write_capture(rt_tmp("c.pcap"), 0, 1);
  write_capture(rt_tmp("B.bin"), 1, 1); /* a pcapng without the extension */
  write_text(rt_tmp("a.txt"), "notes");
  write_capture(rt_tmp("a/z.pcapng"), 1, 1);
  write_text(rt_tmp("a/y.pcap"), "not a capture despite the name");
  write_capture(rt_tmp("b/x.pcap"), 0, 1);
  cr_assert_eq(symlink("..", rt_tmp("b/loop")), 0); /* must not be followed */
  seen s = {0};
  char err[256] = "";
  cr_assert_eq(rl_capture_walk(rt_tmpdir(), record, &s, err, sizeof err), 0, "%s", err);
  const char *want[] = {"B.bin", "a/y.pcap", "a/z.pcapng", "a.txt", "b/x.pcap", "c.pcap"};
  const int kinds[] = {1, 0, 1, 0, 1, 1};
  cr_assert_eq(s.n, 6);
  for (int i = 0; i < 6; i++) {
    cr_assert_str_eq(s.names[i], want[i]);
    cr_assert_eq(s.kinds[i], kinds[i], "%s", want[i]);
  }
}

static int stop_at_second(void *ctx, const char *path, int kind, const char *err) {
  int *count = ctx;
  (void)path;
  (void)kind;
  (void)err;
  return ++*count == 2 ? 7 : 0;
}

Test(capture, walk_stops_and_reports) {
  write_text(rt_tmp("1"), "x");
  write_text(rt_tmp("2"), "x");
  write_text(rt_tmp("3"), "x");
  int count = 0;
  char err[256] = "";
  cr_assert_eq(rl_capture_walk(rt_tmpdir(), stop_at_second, &count, err, sizeof err), 7);
  cr_assert_eq(count, 2);
  cr_assert_eq(rl_capture_walk(rt_tmp("missing"), stop_at_second, &count, err, sizeof err),
               RL_ENOENT);
  cr_assert_eq(rl_capture_walk(rt_tmp("1"), stop_at_second, &count, err, sizeof err),
               RL_EINVAL);
}
