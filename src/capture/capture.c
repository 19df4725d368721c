/* The capture stage: libpcap handles for files, standard input and live
 * interfaces, read one packet at a time (resplint/capture.h).
 *
 * Files are opened with stdio first so that "no such file", "permission
 * denied" and "is a directory" come from errno rather than from parsing
 * libpcap's text, then handed to pcap_fopen_offline. A BPF filter on a file
 * is applied here with pcap_offline_filter() rather than pcap_setfilter(),
 * so that every record is still counted and frame numbers stay those of
 * Wireshark even for records the filter rejects.
 */
#include "resplint/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture_internal.h"
#include "resplint/decode.h"
#include "resplint/error.h"

struct rl_capture {
  pcap_t *pcap;
  int live;
  int nano;                     /* timestamps are nanoseconds, not micro */
  int linktype;
  uint64_t frame;               /* records read so far, filtered or not */
  struct bpf_program prog;      /* the file filter, when has_prog */
  int has_prog;
  double duration_s;            /* live: stop after this long; 0: no limit */
  int fd;                       /* live: descriptor to poll, -1 to block in libpcap */
  int poll_ms;                  /* live: longest wait before looking at the clock */
  int immediate;                /* live: packets one by one, not in blocks */
  struct timespec started;
  volatile sig_atomic_t stop;   /* rl_capture_break() calls, at most 2 */
  int draining;                 /* live: ending, handing out what is buffered */
  struct timespec drain_start;
  pcap_dumper_t *dumper;        /* -w: every packet handed out is copied here */
  int dump_dirty;               /* written since the last flush */
  void (*tick)(void *ctx);      /* live: called every tick_ms */
  void *tick_ctx;
  unsigned tick_ms;
  struct timespec next_tick;
  rl__pcapread *fast;           /* file: records read past libpcap, or NULL */
  struct pcap_pkthdr fast_hdr;  /* the fast path's current record */
  rl__pcapread *quick;          /* `fast` while nothing but reading applies
                                   (no filter, no -w file), else NULL */
};

/* Writes `what` followed by `detail` (may be NULL) into the caller's buffer. */
static void set_err(char *err, size_t errlen, const char *what, const char *detail) {
  if (err && errlen)
    snprintf(err, errlen, "%s%s", what, detail ? detail : "");
}

int rl__capture_magic_kind(const uint8_t *b, size_t n) {
  static const uint32_t pcap_magics[] = {
      0xa1b2c3d4u, /* microsecond pcap */
      0xa1b23c4du, /* nanosecond pcap */
      0xa1b2cd34u, /* Alexey Kuznetzov's modified pcap, read by libpcap */
  };
  if (n < 4)
    return RL__CAPTURE_NONE;
  uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
                (uint32_t)b[2] << 8 | (uint32_t)b[3];
  uint32_t le = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
                (uint32_t)b[1] << 8 | (uint32_t)b[0];
  for (size_t i = 0; i < sizeof pcap_magics / sizeof pcap_magics[0]; i++)
    if (be == pcap_magics[i] || le == pcap_magics[i])
      return RL__CAPTURE_PCAP;
  /* A pcapng file starts with a Section Header Block, whose type is the
   * palindrome 0x0A0D0D0A, so it reads the same in either byte order. */
  if (be == 0x0a0d0d0au)
    return RL__CAPTURE_PCAPNG;
  return RL__CAPTURE_NONE;
}

int rl_capture_is_capture_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  uint8_t b[4];
  size_t n = fread(b, 1, sizeof b, f);
  fclose(f);
  return rl__capture_magic_kind(b, n) != RL__CAPTURE_NONE;
}

/* Refuses a link type the decoder cannot read, naming it, so that the user
 * learns at once rather than from a count of undecodable packets. */
static int check_linktype(int dlt, char *err, size_t errlen) {
  if (rl_decode_linktype_supported(dlt))
    return 0;
  if (err && errlen) {
    const char *name = pcap_datalink_val_to_name(dlt);
    snprintf(err, errlen, "unsupported link type %s (%d)", name ? name : "unknown",
             dlt);
  }
  return RL_ELINKTYPE;
}

/* Wraps an opened pcap handle. On failure the handle is closed and `err`
 * says why: out of memory, or a link type the decoder cannot read. */
static int capture_wrap(rl_capture **out, pcap_t *p, int live, char *err,
                        size_t errlen) {
  int rc = check_linktype(pcap_datalink(p), err, errlen);
  rl_capture *cap = rc == 0 ? calloc(1, sizeof *cap) : NULL;
  if (!cap) {
    pcap_close(p);
    if (rc == 0)
      set_err(err, errlen, "out of memory", NULL);
    return rc < 0 ? rc : RL_ENOMEM;
  }
  cap->pcap = p;
  cap->live = live;
  cap->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
  cap->linktype = pcap_datalink(p);
  *out = cap;
  return 0;
}

/* Wraps an open stream in a pcap handle. `fp` is closed on failure. */
static int open_stream(rl_capture **out, FILE *fp, char *err, size_t errlen) {
  char pcap_err[PCAP_ERRBUF_SIZE] = "";
  clearerr(fp);
  pcap_t *p =
      pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
  if (!p) {
    int rc = ferror(fp) ? RL_EIO : RL_ENOTCAPTURE;
    fclose(fp);
    if (rc == RL_EIO)
      set_err(err, errlen, "read error: ", pcap_err);
    else if (strstr(pcap_err, "truncated"))
      /* libpcap words a short file header as a truncated dump; for the user
       * it simply is not a capture. */
      set_err(err, errlen, "not a pcap or pcapng capture (file header cut short)", NULL);
    else if (err && errlen)
      snprintf(err, errlen, "not a pcap or pcapng capture (%s)", pcap_err);
    return rc;
  }
  return capture_wrap(out, p, 0, err, errlen);
}

static int open_stdin(rl_capture **out, char *err, size_t errlen) {
  /* A duplicate descriptor lets pcap_close() close its stream without
   * closing the process's standard input. */
  int fd = dup(STDIN_FILENO);
  FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
  if (!fp) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    set_err(err, errlen, "cannot read standard input: ", strerror(e));
    return rl_err_from_errno(e);
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
    fclose(fp);
    set_err(err, errlen, "empty input (not a pcap or pcapng capture)", NULL);
    return RL_ENOTCAPTURE;
  }
  return open_stream(out, fp, err, errlen);
}

int rl_capture_open_file(rl_capture **out, const char *path, char *err, size_t errlen) {
  *out = NULL;
  if (strcmp(path, "-") == 0)
    return open_stdin(out, err, errlen);
  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    set_err(err, errlen, strerror(e), NULL);
    return rl_err_from_errno(e);
  }
  if (S_ISDIR(st.st_mode)) {
    set_err(err, errlen, "is a directory", NULL);
    return RL_EISDIR;
  }
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    int e = errno;
    set_err(err, errlen, strerror(e), NULL);
    return rl_err_from_errno(e);
  }
  if (S_ISREG(st.st_mode)) {
    if (st.st_size == 0) {
      fclose(fp);
      set_err(err, errlen, "empty file (not a pcap or pcapng capture)", NULL);
      return RL_ENOTCAPTURE;
    }
    /* Check the magic number ourselves for a message that says what the
     * file is not; libpcap would say "unknown file format". */
    uint8_t b[4];
    size_t n = fread(b, 1, sizeof b, fp);
    if (ferror(fp)) {
      int e = errno;
      fclose(fp);
      set_err(err, errlen, "read error: ", strerror(e));
      return rl_err_from_errno(e);
    }
    if (rl__capture_magic_kind(b, n) == RL__CAPTURE_NONE) {
      fclose(fp);
      set_err(err, errlen, "not a pcap or pcapng capture (unknown magic number)", NULL);
      return RL_ENOTCAPTURE;
    }
    rewind(fp);
  }
  int rc = open_stream(out, fp, err, errlen);
  if (rc == 0 && S_ISREG(st.st_mode))
    (*out)->fast = (*out)->quick =
        rl__pcapread_new(fileno(fp), (uint32_t)pcap_snapshot((*out)->pcap));
  return rc;
}

/* Maps pcap_activate()'s failures to our codes. Both "no such device" and
 * "permission denied" are unreadable input (exit 3): the command line was
 * well formed, the system refused. */
static int activate_error(pcap_t *p, int status, const char *iface, char *err,
                          size_t errlen) {
  const char *detail = pcap_geterr(p);
  if (!detail || !*detail)
    detail = pcap_statustostr(status);
  int rc = RL_EIFACE;
  if (status == PCAP_ERROR_PERM_DENIED || status == PCAP_ERROR_PROMISC_PERM_DENIED)
    rc = RL_EPERM;
  if (err && errlen) {
    if (status == PCAP_ERROR_NO_SUCH_DEVICE)
      snprintf(err, errlen, "no such interface \"%s\" (%s)", iface, detail);
    else if (rc == RL_EPERM)
      snprintf(err, errlen, "permission denied capturing on \"%s\" (%s); "
               "capturing needs root or CAP_NET_RAW", iface, detail);
    else
      snprintf(err, errlen, "cannot capture on \"%s\": %s", iface, detail);
  }
  return rc;
}

int rl_capture_open_live(rl_capture **out, const rl_live_options *opt, char *err,
                         size_t errlen) {
  *out = NULL;
  char pcap_err[PCAP_ERRBUF_SIZE] = "";
  const char *iface = opt && opt->iface ? opt->iface : "any";
  pcap_t *p = pcap_create(iface, pcap_err);
  if (!p) {
    set_err(err, errlen, "cannot capture: ", pcap_err);
    return RL_EIFACE;
  }
  pcap_set_snaplen(p, opt && opt->snaplen > 0 ? opt->snaplen : 262144);
  pcap_set_promisc(p, opt ? opt->promisc : 0);
  pcap_set_timeout(p, opt && opt->timeout_ms > 0 ? opt->timeout_ms : 100);
  if (opt && opt->immediate)
    pcap_set_immediate_mode(p, 1);
  if (opt && opt->buffer_size > 0)
    pcap_set_buffer_size(p, opt->buffer_size);
  /* Nanoseconds where the platform has them; otherwise microseconds,
   * which rl_capture_next() scales. */
  (void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  int status = pcap_activate(p);
  if (status < 0) {
    int rc = activate_error(p, status, iface, err, errlen);
    pcap_close(p);
    return rc;
  }
  rl_capture *cap;
  int rc = capture_wrap(&cap, p, 1, err, errlen);
  if (rc < 0)
    return rc;
  cap->duration_s = opt ? opt->duration_s : 0;
  cap->poll_ms = opt && opt->timeout_ms > 0 ? opt->timeout_ms : 100;
  cap->immediate = opt && opt->immediate;
  /* On Linux, libpcap's read timeout does not make a blocking read return
   * when no packet arrives, so a quiet interface would never see the
   * --duration limit or a signal. The handle is made non-blocking and
   * rl_capture_next() waits in poll() itself, for at most poll_ms. */
  cap->fd = pcap_get_selectable_fd(p);
  if (cap->fd >= 0 && pcap_setnonblock(p, 1, pcap_err) != 0)
    cap->fd = -1;
  clock_gettime(CLOCK_MONOTONIC, &cap->started);
  *out = cap;
  return 0;
}

int rl_capture_set_filter(rl_capture *cap, const char *expr, char *err, size_t errlen) {
  struct bpf_program prog;
  if (pcap_compile(cap->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    set_err(err, errlen, pcap_geterr(cap->pcap), NULL);
    return RL_EFILTER;
  }
  if (cap->live) {
    int rc = pcap_setfilter(cap->pcap, &prog);
    if (rc != 0)
      set_err(err, errlen, pcap_geterr(cap->pcap), NULL);
    pcap_freecode(&prog);
    return rc == 0 ? 0 : RL_EFILTER;
  }
  if (cap->has_prog)
    pcap_freecode(&cap->prog);
  cap->prog = prog;
  cap->has_prog = 1;
  cap->quick = NULL; /* records go through the filter */
  return 0;
}

/* Seconds from `a` to `b`. */
static double seconds_between(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Where a live capture stands. After a break or at the end of the
 * duration it drains: packets already captured are still handed out, so
 * the last exchanges keep the bytes that were on the wire; then it is over.
 * In immediate mode the drain ends as soon as nothing is buffered. In block
 * mode (TPACKET_V3) the kernel hands over a block when it is full or when
 * its timer, the read timeout, retires it, so the drain waits one timeout
 * and a margin for the last block. */
enum { LIVE_READING, LIVE_DRAINING, LIVE_OVER };
enum { DRAIN_MARGIN_MS = 50 };

static double drain_ms(const rl_capture *cap) {
  return (double)cap->poll_ms + (cap->immediate ? 0.0 : (double)DRAIN_MARGIN_MS);
}

static int live_phase(rl_capture *cap, const struct timespec *now) {
  if (cap->stop >= 2)
    return LIVE_OVER;
  int ending = cap->stop || (cap->duration_s > 0 &&
                             seconds_between(&cap->started, now) >= cap->duration_s);
  if (!ending)
    return LIVE_READING;
  if (!cap->draining) {
    cap->draining = 1;
    cap->drain_start = *now;
  }
  return seconds_between(&cap->drain_start, now) * 1000.0 >= drain_ms(cap) ? LIVE_OVER
                                                                          : LIVE_DRAINING;
}

static void add_ms(struct timespec *t, unsigned ms) {
  t->tv_sec += ms / 1000;
  t->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

static void maybe_tick(rl_capture *cap, const struct timespec *now) {
  if (!cap->tick || seconds_between(&cap->next_tick, now) < 0)
    return;
  cap->next_tick = *now;
  add_ms(&cap->next_tick, cap->tick_ms);
  cap->tick(cap->tick_ctx);
}

/* Nothing to read: a moment to write out the -w file, so that it is
 * current during a long quiet sniff without a flush per packet. */
static void on_idle(rl_capture *cap) {
  if (cap->dumper && cap->dump_dirty) {
    (void)pcap_dump_flush(cap->dumper); /* an error stays in the stream */
    cap->dump_dirty = 0;
  }
}

/* Waits until the live descriptor is readable, a signal arrives, or
 * poll_ms (or what is left of the duration or of the drain) has passed. */
static void wait_live(const rl_capture *cap, const struct timespec *now) {
  if (cap->fd < 0)
    return; /* blocking handle: libpcap waits */
  double ms = (double)cap->poll_ms;
  if (cap->draining)
    ms = drain_ms(cap) - seconds_between(&cap->drain_start, now) * 1000.0 + 1.0;
  else if (cap->duration_s > 0)
    ms = (cap->duration_s - seconds_between(&cap->started, now)) * 1000.0 + 1.0;
  int timeout = ms >= (double)cap->poll_ms ? cap->poll_ms : ms < 1.0 ? 1 : (int)ms;
  struct pollfd pfd = {.fd = cap->fd, .events = POLLIN};
  (void)poll(&pfd, 1, timeout); /* EINTR: a signal; the caller looks at stop */
}

/* Tells a cut last record from other read errors. libpcap reports both as
 * PCAP_ERROR and says which only in its message: "truncated dump file" for
 * pcap, "truncated pcapng dump file" for pcapng. */
static int is_truncation(const char *msg) {
  return strstr(msg, "truncated") != NULL && strstr(msg, "dump file") != NULL;
}

/* Copies a packet that passed the filter into `pkt` (and the -w file). */
static void hand_out(rl_capture *cap, const struct pcap_pkthdr *hdr, const u_char *data,
                     rl_packet *pkt) {
  if (cap->dumper) {
    pcap_dump((u_char *)cap->dumper, hdr, data);
    cap->dump_dirty = 1;
  }
  pkt->data = data;
  pkt->caplen = hdr->caplen;
  pkt->wirelen = hdr->len;
  pkt->ts.sec = (int64_t)hdr->ts.tv_sec;
  pkt->ts.nsec = (uint32_t)hdr->ts.tv_usec * (cap->nano ? 1u : 1000u);
  pkt->frame = cap->frame;
  pkt->linktype = cap->linktype;
}

/* next_record()'s own failure, beside pcap_next_ex()'s codes. */
enum { SEEK_FAILED = -100 };

/* libpcap reads on from the first record the fast path did not take, so
 * that the end of the file and every odd record keep libpcap's handling.
 * Returns 0, or SEEK_FAILED if the stream cannot be positioned there. */
static int hand_over(rl_capture *cap) {
  uint64_t off = rl__pcapread_offset(cap->fast);
  rl__pcapread_free(cap->fast);
  cap->fast = cap->quick = NULL;
  return fseeko(pcap_file(cap->pcap), (off_t)off, SEEK_SET) != 0 ? SEEK_FAILED : 0;
}

/* pcap_next_ex(), through the fast path while it lasts. */
static int next_record(rl_capture *cap, struct pcap_pkthdr **hdr, const u_char **data) {
  if (cap->fast) {
    rl_packet pkt;
    if (rl__pcapread_next(cap->fast, &pkt) == 1) {
      cap->fast_hdr.ts.tv_sec = (time_t)pkt.ts.sec;
      cap->fast_hdr.ts.tv_usec = (suseconds_t)pkt.ts.nsec; /* files are in nanoseconds */
      cap->fast_hdr.caplen = pkt.caplen;
      cap->fast_hdr.len = pkt.wirelen;
      *hdr = &cap->fast_hdr;
      *data = pkt.data;
      return 1;
    }
    if (hand_over(cap) != 0)
      return SEEK_FAILED;
  }
  return pcap_next_ex(cap->pcap, hdr, data);
}

/* Sets the error of a failed read; returns its code. */
static int read_error(rl_capture *cap, int rc, char *err, size_t errlen) {
  if (rc == SEEK_FAILED) {
    set_err(err, errlen, "read error: ", strerror(errno));
    return RL_EIO;
  }
  const char *msg = pcap_geterr(cap->pcap);
  set_err(err, errlen, msg, NULL);
  return !cap->live && is_truncation(msg) ? RL_ETRUNCATED : RL_EIO;
}

/* Every other case: live captures, filters, stops, libpcap's reader. */
__attribute__((noinline)) static int next_general(rl_capture *cap, rl_packet *pkt, char *err,
                                                  size_t errlen) {
  for (;;) {
    int phase = LIVE_READING;
    struct timespec now = {0, 0};
    if (cap->live) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      maybe_tick(cap, &now);
      if ((phase = live_phase(cap, &now)) == LIVE_OVER)
        return 0;
    } else if (cap->stop) {
      return 0;
    }
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc = next_record(cap, &hdr, &data);
    if (rc == 0) {
      /* Live and nothing yet: wait, then look at the stop conditions;
       * while draining one by one, nothing buffered means it is over. */
      on_idle(cap);
      if (phase == LIVE_DRAINING && cap->immediate)
        return 0;
      wait_live(cap, &now);
      continue;
    }
    if (rc == PCAP_ERROR_BREAK) {
      if (cap->live)
        continue; /* rl_capture_break() woke us: live_phase decides */
      return 0;
    }
    if (rc < 0)
      return read_error(cap, rc, err, errlen);
    cap->frame++;
    if (cap->has_prog && !pcap_offline_filter(&cap->prog, hdr, data))
      continue;
    hand_out(cap, hdr, data, pkt);
    return 1;
  }
}

/* rl_capture_next when the record is not wholly in hand: the fast
 * reader's slow path (the next block, the end of the file), or any other
 * case. Out of line, as next_general is, so that the record most runs read
 * costs no call and no saved registers. */
__attribute__((noinline)) static int next_slow(rl_capture *cap, rl_packet *pkt, char *err,
                                               size_t errlen) {
  if (cap->quick && !cap->stop) {
    if (rl__pcapread_more(cap->quick, pkt) == 1) {
      pkt->frame = ++cap->frame;
      pkt->linktype = cap->linktype;
      return 1;
    }
    if (hand_over(cap) != 0)
      return read_error(cap, SEEK_FAILED, err, errlen);
  }
  return next_general(cap, pkt, err, errlen);
}

int rl_capture_next(rl_capture *cap, rl_packet *pkt, char *err, size_t errlen) {
  /* The record most runs read: from a file through the fast reader,
   * unstopped, unfiltered and not copied to a -w file, nothing in
   * next_general's loop applies but reading and handing out. */
  if (cap->quick && !cap->stop && rl__pcapread_try(cap->quick, pkt)) {
    pkt->frame = ++cap->frame;
    pkt->linktype = cap->linktype;
    return 1;
  }
  return next_slow(cap, pkt, err, errlen);
}

void rl_capture_break(rl_capture *cap) {
  if (!cap)
    return;
  if (cap->stop < 2)
    cap->stop = cap->stop + 1;
  /* Wakes a live capture blocked in poll(); on Linux this only writes to
   * an eventfd, which is safe in a signal handler. */
  pcap_breakloop(cap->pcap);
}

int rl_capture_linktype(const rl_capture *cap) { return cap->linktype; }

void rl_capture_collect_stats(rl_capture *cap, rl_stats *stats) {
  if (!cap->live)
    return;
  struct pcap_stat ps;
  if (pcap_stats(cap->pcap, &ps) == 0) {
    stats->kernel_drops += ps.ps_drop;
    stats->iface_drops += ps.ps_ifdrop;
  }
}

int rl_capture_dump_open(rl_capture *cap, const char *path, char *err, size_t errlen) {
  if (cap->dumper) {
    set_err(err, errlen, "the capture is already being written to a file", NULL);
    return RL_EINVAL;
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    set_err(err, errlen, "is a directory", NULL);
    return RL_EISDIR;
  }
  /* stdio opens the file so that a refusal comes with its errno. */
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    int e = errno;
    set_err(err, errlen, strerror(e), NULL);
    return rl_err_from_errno(e);
  }
  cap->dumper = pcap_dump_fopen(cap->pcap, fp);
  cap->quick = NULL; /* records are copied to the file */
  if (!cap->dumper) {
    set_err(err, errlen, pcap_geterr(cap->pcap), NULL);
    fclose(fp);
    return RL_EIO;
  }
  return 0;
}

int rl_capture_dump_close(rl_capture *cap, char *err, size_t errlen) {
  if (!cap->dumper)
    return 0;
  int rc = 0;
  FILE *fp = pcap_dump_file(cap->dumper);
  errno = 0;
  if (pcap_dump_flush(cap->dumper) != 0 || ferror(fp)) {
    set_err(err, errlen, "cannot write the capture file: ",
            errno ? strerror(errno) : "write error");
    rc = RL_EIO;
  }
  pcap_dump_close(cap->dumper);
  cap->dumper = NULL;
  return rc;
}

int rl_capture_counts_get(rl_capture *cap, rl_capture_counts *out, char *err,
                          size_t errlen) {
  memset(out, 0, sizeof *out);
  if (!cap->live) {
    set_err(err, errlen, "a capture file has no live counters", NULL);
    return RL_EINVAL;
  }
  struct pcap_stat ps;
  if (pcap_stats(cap->pcap, &ps) != 0) {
    set_err(err, errlen, pcap_geterr(cap->pcap), NULL);
    return RL_EIO;
  }
  out->received = ps.ps_recv;
  out->dropped = ps.ps_drop;
  out->ifdropped = ps.ps_ifdrop;
  return 0;
}

void rl_capture_set_tick(rl_capture *cap, unsigned interval_ms, void (*fn)(void *ctx),
                         void *ctx) {
  if (!cap->live)
    return;
  cap->tick = fn;
  cap->tick_ctx = ctx;
  cap->tick_ms = interval_ms ? interval_ms : 1000;
  /* The first call comes one interval from now, not at once. */
  clock_gettime(CLOCK_MONOTONIC, &cap->next_tick);
  add_ms(&cap->next_tick, cap->tick_ms);
}

void rl_capture_close(rl_capture *cap) {
  if (!cap)
    return;
  if (cap->dumper)
    pcap_dump_close(cap->dumper);
  if (cap->has_prog)
    pcap_freecode(&cap->prog);
  rl__pcapread_free(cap->fast);
  pcap_close(cap->pcap);
  free(cap);
}
