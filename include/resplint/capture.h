/* resplint: the capture stage.
 *
 * Opens pcap and pcapng files (recognised by content, not by extension),
 * standard input ("-") and live interfaces through libpcap, and hands out
 * packets one at a time. It never interprets packet bytes.
 *
 * Ownership: rl_packet.data is borrowed from libpcap and is valid only until
 * the next call to rl_capture_next() or rl_capture_close() on the same
 * handle. Copy what must outlive that.
 */
#ifndef RESPLINT_CAPTURE_H
#define RESPLINT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/stats.h"

/* A capture timestamp: seconds since the epoch (UTC) and nanoseconds. */
typedef struct rl_time {
  int64_t sec;
  uint32_t nsec;
} rl_time;

typedef struct rl_packet {
  const uint8_t *data; /* captured bytes, borrowed (see above) */
  uint32_t caplen;     /* bytes captured */
  uint32_t wirelen;    /* bytes on the wire; > caplen when cut by snaplen */
  rl_time ts;
  uint64_t frame;      /* 1-based record number, as Wireshark's frame.number */
  int linktype;        /* DLT_* of the interface this packet came from */
} rl_packet;

typedef struct rl_capture rl_capture;

typedef struct rl_live_options {
  const char *iface;     /* "any" for all interfaces */
  int snaplen;           /* 0: 262144 */
  int buffer_size;       /* kernel buffer in bytes, 0: libpcap's default */
  int immediate;         /* deliver packets one by one as they arrive; 0:
                            in blocks, at most timeout_ms late, which packs
                            small packets far more densely into the buffer */
  int promisc;
  int timeout_ms;        /* read timeout; 0: 100 ms */
  double duration_s;     /* rl_capture_next() ends the capture after this many
                            seconds of wall time; 0: no limit */
} rl_live_options;

/* Opens a capture file, or standard input when `path` is "-".
 * Returns 0 and sets *out, or an RL_E* code with a one-line explanation in
 * `err` (RL_ENOENT, RL_EACCES, RL_EISDIR, RL_ENOTCAPTURE, RL_ELINKTYPE...). */
int rl_capture_open_file(rl_capture **out, const char *path, char *err,
                         size_t errlen);

/* Opens a live interface and activates it. Returns 0 or RL_EIFACE / RL_EPERM
 * with libpcap's explanation in `err`. */
int rl_capture_open_live(rl_capture **out, const rl_live_options *opt,
                         char *err, size_t errlen);

/* Compiles and installs a BPF filter. Returns 0 or RL_EFILTER with libpcap's
 * message in `err`. Works on files too (the filter is applied while reading). */
int rl_capture_set_filter(rl_capture *cap, const char *expr, char *err,
                          size_t errlen);

/* Reads the next packet that passes the filter.
 * Returns 1 with *pkt filled, 0 at the end of the input (or after
 * rl_capture_break()), or an RL_E* code: RL_ETRUNCATED when the last record
 * is cut short (every earlier packet has been returned), RL_EIO otherwise;
 * `err` then says what is wrong. For a live capture a read timeout with no
 * packet is not the end: it returns 1 only when a packet arrived, and keeps
 * waiting otherwise, checking for rl_capture_break(). */
int rl_capture_next(rl_capture *cap, rl_packet *pkt, char *err, size_t errlen);

/* Ends the capture. Async-signal-safe. A file ends at once: the next
 * rl_capture_next() returns 0. A live capture first hands out the packets
 * the kernel has already captured (for at most the read timeout, and in
 * block mode a little longer, until the kernel has handed over its last
 * block), so that exchanges in flight when the user pressed Ctrl-C keep the
 * bytes that were on the wire; the same happens when the duration runs out.
 * A second call ends a live capture at once. */
void rl_capture_break(rl_capture *cap);

/* Also writes every packet that rl_capture_next() returns into a new pcap
 * file at `path` (created, or truncated), with the capture's link type,
 * snapshot length and timestamp precision, so that linting that file later
 * sees exactly the packets this capture saw (tcpdump -w). Call it before the
 * first rl_capture_next(). The file is flushed whenever a live capture
 * waits for packets. Returns 0, or RL_EACCES / RL_ENOENT / RL_EISDIR /
 * RL_EIO with the reason in `err`. */
int rl_capture_dump_open(rl_capture *cap, const char *path, char *err,
                         size_t errlen);

/* Flushes and closes the file of rl_capture_dump_open(). Returns 0 (also
 * when there is none), or RL_EIO when a write failed, with the reason in
 * `err`. rl_capture_close() closes a file still open, without a verdict. */
int rl_capture_dump_close(rl_capture *cap, char *err, size_t errlen);

/* libpcap's own counters of a live capture so far (pcap_stats). */
typedef struct rl_capture_counts {
  uint64_t received;   /* packets that passed the filter, dropped ones included */
  uint64_t dropped;    /* dropped by the kernel: the buffer was full */
  uint64_t ifdropped;  /* dropped by the interface or its driver */
} rl_capture_counts;

/* Fills `out`. Returns 0, RL_EINVAL for a file, or RL_EIO when libpcap
 * cannot say (`err` says why). */
int rl_capture_counts_get(rl_capture *cap, rl_capture_counts *out, char *err,
                          size_t errlen);

/* Asks a live capture to call fn(ctx) from within rl_capture_next() about
 * every `interval_ms` of wall time, whether or not packets arrive (a status
 * line, for instance). fn must not call back into the capture's reading
 * functions. NULL fn turns it off. A no-op for files. */
void rl_capture_set_tick(rl_capture *cap, unsigned interval_ms,
                         void (*fn)(void *ctx), void *ctx);

/* Link type of the capture (DLT_*); pcapng files may mix interfaces, each
 * packet says its own in rl_packet.linktype. */
int rl_capture_linktype(const rl_capture *cap);

/* For a live capture, adds libpcap's kernel and interface drop counts to
 * `stats`. A no-op for files. */
void rl_capture_collect_stats(rl_capture *cap, rl_stats *stats);

/* Closes the capture. rl_capture_close(NULL) is a no-op. */
void rl_capture_close(rl_capture *cap);

/* Returns 1 if the file at `path` begins with a pcap or pcapng magic number,
 * 0 otherwise (or when it cannot be read). Used to pick capture files out of
 * a directory without trusting extensions. */
int rl_capture_is_capture_file(const char *path);

/* Called by rl_capture_walk() for each entry under a directory. `kind` is
 * 1 for a capture file (by magic number), 0 for any other regular file, or
 * a negative RL_E* code for an entry that could not be read (then `err`
 * says why). A nonzero return stops the walk and is returned by it. */
typedef int (*rl_capture_walk_fn)(void *ctx, const char *path, int kind,
                                  const char *err);

/* Walks `dir` recursively in byte-wise sorted order of names, so that the
 * same tree always gives the same order, calling `fn` for every regular file
 * (symbolic links to files included; symbolic links to directories are not
 * followed, which rules out cycles). Returns 0, the first nonzero value `fn`
 * returned, or an RL_E* code when `dir` itself cannot be read (message in
 * `err`). */
int rl_capture_walk(const char *dir, rl_capture_walk_fn fn, void *ctx,
                    char *err, size_t errlen);

#endif
