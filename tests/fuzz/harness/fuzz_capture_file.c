/* Harness (1): arbitrary bytes as a capture file, through the whole
 * pipeline: libpcap -> decode -> flow -> http -> engine.
 *
 * The bytes are written to a memory file opened by path, exactly as
 * `resplint FILE` opens a capture. The caps are set small so that inputs of
 * a few kilobytes reach every limit (flows, out-of-order bytes, fragments,
 * header section, pending requests) that a real capture reaches only at
 * gigabytes. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "resplint/capture.h"
#include "resplint/error.h"
#include "resplint/http.h"
#include "resplint/run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

static void write_input(const uint8_t *data, size_t size) {
  if (memfd < 0) {
    memfd = memfd_create("rl-fuzz-capture", 0);
    if (memfd < 0) {
      perror("memfd_create");
      abort();
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
  }
  if (ftruncate(memfd, 0) != 0) abort();
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);
    if (n <= 0) abort();
    done += (size_t)n;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  write_input(data, size);
  rl_engine *e = rl_fuzz_engine();
  rl_capture *cap = NULL;
  char err[256] = "";
  if (rl_capture_open_file(&cap, path, err, sizeof err) < 0) return 0;

  rl_stats stats;
  memset(&stats, 0, sizeof stats);
  rl_http_config hc;
  memset(&hc, 0, sizeof hc);
  hc.sink = rl_fuzz_http_sink();
  hc.sink_ctx = e;
  hc.source = "fuzz.pcap";
  hc.max_header_bytes = 2048;
  hc.max_pending = 8;
  hc.content_prefix = 16;
  rl_http *http = rl_http_new(&hc, &stats);
  if (!http) abort();

  rl_decode_limits dl = {.max_frag_datagrams = 4, .max_frag_bytes = 8192,
                         .frag_timeout_s = 5};
  rl_flow_config fl;
  memset(&fl, 0, sizeof fl);
  fl.max_flows = 8;
  fl.idle_timeout_s = 60;
  fl.max_ooo_per_stream = 4096;
  fl.max_ooo_total = 16384;
  fl.history_bytes = 256;
  fl.max_history_total = 4096;

  rl_run_config rc;
  memset(&rc, 0, sizeof rc);
  rc.sink = rl_http_stream_sink();
  rc.sink_ctx = http;
  rc.decode_limits = &dl;
  rc.flow_limits = &fl;
  int64_t n = rl_run(cap, &rc, &stats, err, sizeof err);
  if (n < 0 && n != RL_ETRUNCATED && n != RL_EIO && n != RL_ENOMEM) {
    fprintf(stderr, "fuzz: rl_run returned %lld (%s)\n", (long long)n, err);
    abort();
  }
  if (stats.packets_tcp > stats.packets) {
    fprintf(stderr, "fuzz: more TCP segments than packets\n");
    abort();
  }
  rl_http_free(http);
  rl_capture_close(cap);
  return 0;
}
