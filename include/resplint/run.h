/* resplint: the run stage.
 *
 * Drives one opened input through the pipeline: capture -> decode -> flow ->
 * a stream sink (the http stage for linting, or the stream dumper). It owns
 * the per-input decoder and flow table, so that stream numbers restart at 0
 * for every input exactly as Wireshark's tcp.stream does for every file.
 * The per-packet path allocates nothing.
 *
 * The caller opens the capture (resplint/capture.h) so that it can install
 * a signal handler that calls rl_capture_break() on it; rl_run() then ends
 * cleanly, flushing every open connection, as at the end of a file.
 */
#ifndef RESPLINT_RUN_H
#define RESPLINT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "resplint/capture.h"
#include "resplint/decode.h"
#include "resplint/flow.h"
#include "resplint/stats.h"

typedef struct rl_run_config {
  /* Where the reassembled streams go; sink_ctx is passed to its callbacks. */
  rl_stream_sink sink;
  void *sink_ctx;
  /* BPF filter expression applied while reading; NULL or "" for none. */
  const char *filter;
  /* Stop after this many packets (those that passed the filter); 0: all. */
  uint64_t max_packets;
  /* Limits of the decoder and of the flow table (their sink fields are
   * ignored); NULL for the defaults. */
  const rl_decode_limits *decode_limits;
  const rl_flow_config *flow_limits;
} rl_run_config;

/* Reads `cap` to its end (or to rl_capture_break(), or max_packets), feeding
 * every TCP segment to a fresh flow table whose connections are all ended
 * (RL_END_CAPTURE) before it returns. Counters are added to `stats`.
 * Returns the number of packets read (>= 0), or an RL_E* code with `err`
 * saying why: RL_EFILTER (bad filter, nothing read), RL_ENOMEM,
 * RL_ETRUNCATED (the last record is cut short: every packet before it was
 * processed and flushed), RL_EIO. */
int64_t rl_run(rl_capture *cap, const rl_run_config *cfg, rl_stats *stats,
               char *err, size_t errlen);

/* The --dump-streams sink: writes each direction of TCP stream N that
 * carried payload to DIR/N.c2s and DIR/N.s2c (the bytes in stream order;
 * missing bytes are not written) and lists every gap in DIR/N.gaps as one
 * "c2s OFFSET LEN" or "s2c OFFSET LEN" line, OFFSET being the stream offset
 * where the missing bytes start. DIR/streams.txt lists every connection as
 * "N CLIENT SERVER" (endpoints as rl_endpoint_format() writes them). Files are opened when a direction first
 * carries data and closed when it ends, so at most two are open per open
 * connection. */
typedef struct rl_dump_streams rl_dump_streams;

/* Creates the sink writing into `dir`, which is created if missing (its
 * parent must exist). Returns 0 or an RL_E* code with `err` set. */
int rl_dump_streams_new(rl_dump_streams **out, const char *dir, char *err,
                        size_t errlen);

/* The rl_stream_sink to put in rl_run_config.sink, with the dumper as
 * sink_ctx. */
rl_stream_sink rl_dump_streams_sink(void);

/* Returns 0, or the first write error the sink met (RL_EIO, RL_EACCES...)
 * with its explanation in `err`. Writing stops at the first error. */
int rl_dump_streams_status(const rl_dump_streams *d, char *err, size_t errlen);

/* Closes any file still open. rl_dump_streams_free(NULL) is a no-op. */
void rl_dump_streams_free(rl_dump_streams *d);

/* --extract: the packets behind findings, written as small captures.
 *
 * During the run the extractor sits in front of the run's stream sink and
 * notes where each TCP conversation starts; the caller then asks, per
 * finding, for a conversation's packets up to the frame that ended the
 * exchange. rl_extract_write() reads the capture file a second time (with
 * the same filter), recognises the conversation's packets by their
 * addresses and ports within that frame range, and copies them with
 * libpcap's dump API, so that linting the small file reproduces the
 * finding. IP fragments just before a matching segment are copied too,
 * since the segment only exists once they are reassembled. Standard input
 * and live captures cannot be read again and so cannot be extracted. */
typedef struct rl_extract rl_extract;

rl_extract *rl_extract_new(void);     /* NULL on ENOMEM */
void rl_extract_free(rl_extract *x);  /* NULL is a no-op */

/* Puts the extractor between the run and cfg->sink (set the sink first),
 * and forgets everything asked for the previous input. */
void rl_extract_attach(rl_extract *x, rl_run_config *cfg);

/* Asks for the packets of `conn` from its first packet up to frame
 * `last_frame` in a file called `name` (a plain file name). Asking again for
 * the same name keeps the later last frame. Returns 0 or RL_ENOMEM. */
int rl_extract_add(rl_extract *x, const rl_conn *conn, uint64_t last_frame,
                   const char *name);

/* Files asked for since rl_extract_attach(). */
size_t rl_extract_pending(const rl_extract *x);

/* Reads the capture file `path` again with BPF filter `filter` (NULL or ""
 * for none) and writes every file asked for into `dir`, which is created
 * if missing (its parent must exist). Returns the number of files written
 * (a request none of whose packets is found writes nothing), or an RL_E*
 * code with `err` saying why. */
int rl_extract_write(rl_extract *x, const char *path, const char *filter,
                     const char *dir, char *err, size_t errlen);

#endif
