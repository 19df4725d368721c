/* --extract: copies the packets behind findings into small captures.
 *
 * The run does not keep packets (that would break the bounded-memory
 * promise), so the extractor only notes each conversation's first frame
 * while the run goes, and reads the file again afterwards. A conversation
 * is recognised on the second read by its two endpoints within the frame
 * range [first packet, end of the exchange]: the flow table gives a reused
 * address/port pair a new stream only after the old one ended, so within
 * that range the pair names exactly one conversation.
 *
 * Requests are written in batches so that the number of open files stays
 * bounded however many findings a capture has.
 */
#include "resplint/run.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "resplint/error.h"

#define BATCH 128     /* files open at once */
#define FRAG_RING 64  /* IP fragments remembered before a segment */

typedef struct request {
  rl_endpoint client, server;
  uint64_t first, last;  /* frame range */
  uint64_t written;      /* last frame written (fragments are not repeated) */
  char *name;
  pcap_t *dead;
  pcap_dumper_t *dumper;
  int linktype;
  int done;
} request;

typedef struct frag {
  struct pcap_pkthdr hdr;
  uint8_t *data;
  size_t cap;
  uint64_t frame;
  int linktype;
} frag;

struct rl_extract {
  rl_stream_sink inner;
  void *inner_ctx;
  uint64_t *first_frame; /* per stream number */
  size_t nstreams;
  request *req;
  size_t nreq, capreq;
  frag ring[FRAG_RING];
  size_t ring_next;
};

/* --- during the run: a transparent sink in front of the real one -------- */

static void x_open(void *ctx, rl_conn *conn, const rl_pktref *at) {
  rl_extract *x = ctx;
  if (conn->stream >= x->nstreams) {
    size_t n = x->nstreams ? x->nstreams : 64;
    while (n <= conn->stream)
      n *= 2;
    uint64_t *grown = realloc(x->first_frame, n * sizeof *grown);
    if (grown) {
      memset(grown + x->nstreams, 0, (n - x->nstreams) * sizeof *grown);
      x->first_frame = grown;
      x->nstreams = n;
    }
  }
  /* Without the table entry the conversation is extracted from frame 1,
   * which is still correct unless its address pair was reused. */
  if (conn->stream < x->nstreams)
    x->first_frame[conn->stream] = at->frame;
  if (x->inner.open)
    x->inner.open(x->inner_ctx, conn, at);
}

static void x_data(void *ctx, rl_conn *conn, rl_dir dir, const uint8_t *data, size_t len,
                   uint64_t offset, const rl_pktref *at) {
  rl_extract *x = ctx;
  if (x->inner.data)
    x->inner.data(x->inner_ctx, conn, dir, data, len, offset, at);
}

static void x_gap(void *ctx, rl_conn *conn, rl_dir dir, uint64_t offset, uint64_t len,
                  const rl_pktref *at) {
  rl_extract *x = ctx;
  if (x->inner.gap)
    x->inner.gap(x->inner_ctx, conn, dir, offset, len, at);
}

static void x_event(void *ctx, rl_conn *conn, rl_dir dir, rl_event_kind kind,
                    uint64_t offset, const rl_pktref *at) {
  rl_extract *x = ctx;
  if (x->inner.event)
    x->inner.event(x->inner_ctx, conn, dir, kind, offset, at);
}

static void x_end(void *ctx, rl_conn *conn, rl_dir dir, rl_end_kind how,
                  const rl_pktref *at) {
  rl_extract *x = ctx;
  if (x->inner.end)
    x->inner.end(x->inner_ctx, conn, dir, how, at);
}

static void x_close(void *ctx, rl_conn *conn) {
  rl_extract *x = ctx;
  if (x->inner.close)
    x->inner.close(x->inner_ctx, conn);
}

rl_extract *rl_extract_new(void) { return calloc(1, sizeof(rl_extract)); }

static void close_request(request *r) {
  if (r->dumper)
    pcap_dump_close(r->dumper);
  if (r->dead)
    pcap_close(r->dead);
  r->dumper = NULL;
  r->dead = NULL;
}

static void forget_requests(rl_extract *x) {
  for (size_t i = 0; i < x->nreq; i++) {
    close_request(&x->req[i]);
    free(x->req[i].name);
  }
  x->nreq = 0;
}

void rl_extract_free(rl_extract *x) {
  if (!x)
    return;
  forget_requests(x);
  free(x->req);
  free(x->first_frame);
  for (size_t i = 0; i < FRAG_RING; i++)
    free(x->ring[i].data);
  free(x);
}

void rl_extract_attach(rl_extract *x, rl_run_config *cfg) {
  forget_requests(x);
  if (x->first_frame)
    memset(x->first_frame, 0, x->nstreams * sizeof *x->first_frame);
  x->inner = cfg->sink;
  x->inner_ctx = cfg->sink_ctx;
  cfg->sink = (rl_stream_sink){x_open, x_data, x_gap, x_event, x_end, x_close};
  cfg->sink_ctx = x;
}

int rl_extract_add(rl_extract *x, const rl_conn *conn, uint64_t last_frame,
                   const char *name) {
  for (size_t i = 0; i < x->nreq; i++)
    if (strcmp(x->req[i].name, name) == 0) {
      if (last_frame > x->req[i].last)
        x->req[i].last = last_frame;
      return 0;
    }
  if (x->nreq == x->capreq) {
    size_t cap = x->capreq ? x->capreq * 2 : 16;
    request *grown = realloc(x->req, cap * sizeof *grown);
    if (!grown)
      return RL_ENOMEM;
    x->req = grown;
    x->capreq = cap;
  }
  request *r = &x->req[x->nreq];
  memset(r, 0, sizeof *r);
  r->name = strdup(name);
  if (!r->name)
    return RL_ENOMEM;
  r->client = conn->client;
  r->server = conn->server;
  r->first = conn->stream < x->nstreams && x->first_frame[conn->stream]
                 ? x->first_frame[conn->stream]
                 : 1;
  r->last = last_frame;
  x->nreq++;
  return 0;
}

size_t rl_extract_pending(const rl_extract *x) { return x->nreq; }

/* --- after the run: the second read ------------------------------------- */

static int same_ep(const rl_endpoint *a, const rl_endpoint *b) {
  return a->ipver == b->ipver && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

static int belongs(const request *r, const rl_segment *seg) {
  return (same_ep(&seg->src, &r->client) && same_ep(&seg->dst, &r->server)) ||
         (same_ep(&seg->src, &r->server) && same_ep(&seg->dst, &r->client));
}

static void to_header(const rl_packet *pkt, struct pcap_pkthdr *h) {
  h->ts.tv_sec = (time_t)pkt->ts.sec;
  h->ts.tv_usec = (suseconds_t)pkt->ts.nsec; /* nanoseconds: see open_dumper */
  h->caplen = pkt->caplen;
  h->len = pkt->wirelen;
}

static void remember_fragment(rl_extract *x, const rl_packet *pkt) {
  frag *f = &x->ring[x->ring_next];
  if (f->cap < pkt->caplen) {
    uint8_t *grown = realloc(f->data, pkt->caplen);
    if (!grown)
      return; /* the fragment is left out; the rest still works */
    f->data = grown;
    f->cap = pkt->caplen;
  }
  memcpy(f->data, pkt->data, pkt->caplen);
  to_header(pkt, &f->hdr);
  f->frame = pkt->frame;
  f->linktype = pkt->linktype;
  x->ring_next = (x->ring_next + 1) % FRAG_RING;
}

static int open_dumper(request *r, int linktype, const char *dir, char *err,
                       size_t errlen) {
  size_t len = strlen(dir) + 1 + strlen(r->name) + 1;
  char *path = malloc(len);
  if (!path) {
    snprintf(err, errlen, "out of memory");
    return RL_ENOMEM;
  }
  snprintf(path, len, "%s/%s", dir, r->name);
  /* Nanosecond precision keeps pcapng and nanosecond pcap times exact. */
  r->dead = pcap_open_dead_with_tstamp_precision(linktype, 262144,
                                                 PCAP_TSTAMP_PRECISION_NANO);
  r->dumper = r->dead ? pcap_dump_open(r->dead, path) : NULL;
  if (!r->dumper) {
    snprintf(err, errlen, "%s: %s", path, r->dead ? pcap_geterr(r->dead) : "out of memory");
    free(path);
    close_request(r);
    return RL_EIO;
  }
  free(path);
  r->linktype = linktype;
  return 0;
}

/* Fragments remembered since the request's last write, oldest first. */
static void write_fragments(rl_extract *x, request *r) {
  for (size_t k = 0; k < FRAG_RING; k++) {
    frag *f = &x->ring[(x->ring_next + k) % FRAG_RING];
    if (f->frame && f->frame >= r->first && f->frame > r->written &&
        f->linktype == r->linktype) {
      pcap_dump((u_char *)r->dumper, &f->hdr, f->data);
      r->written = f->frame;
    }
  }
}

static int write_packet(rl_extract *x, request *r, const rl_packet *pkt, const char *dir,
                        char *err, size_t errlen) {
  if (!r->dumper) {
    int rc = open_dumper(r, pkt->linktype, dir, err, errlen);
    if (rc < 0)
      return rc;
  }
  if (pkt->linktype != r->linktype)
    return 0; /* a pcap file holds one link type; pcapng inputs may mix */
  write_fragments(x, r);
  struct pcap_pkthdr h;
  to_header(pkt, &h);
  pcap_dump((u_char *)r->dumper, &h, pkt->data);
  r->written = pkt->frame;
  return 0;
}

/* One pass over the file for requests [from, to). */
static int write_batch(rl_extract *x, size_t from, size_t to, const char *path,
                       const char *filter, const char *dir, char *err, size_t errlen) {
  rl_capture *cap;
  int rc = rl_capture_open_file(&cap, path, err, errlen);
  if (rc < 0)
    return rc;
  if (filter && filter[0] && (rc = rl_capture_set_filter(cap, filter, err, errlen)) < 0) {
    rl_capture_close(cap);
    return rc;
  }
  rl_decoder *dec = rl_decoder_new(NULL);
  if (!dec) {
    rl_capture_close(cap);
    snprintf(err, errlen, "out of memory");
    return RL_ENOMEM;
  }
  uint64_t end = 0;
  for (size_t i = from; i < to; i++)
    end = x->req[i].last > end ? x->req[i].last : end;
  for (size_t i = 0; i < FRAG_RING; i++)
    x->ring[i].frame = 0;
  rl_stats scratch;
  rl_packet pkt;
  rl_segment seg;
  while (rc >= 0 && (rc = rl_capture_next(cap, &pkt, err, errlen)) == 1 &&
         pkt.frame <= end) {
    memset(&scratch, 0, sizeof scratch);
    rl_decode_result d = rl_decode(dec, &pkt, &seg, &scratch);
    if (d == RL_DECODE_FRAGMENT)
      remember_fragment(x, &pkt);
    if (d != RL_DECODE_TCP)
      continue;
    for (size_t i = from; i < to && rc >= 0; i++) {
      request *r = &x->req[i];
      if (pkt.frame >= r->first && pkt.frame <= r->last && belongs(r, &seg))
        rc = write_packet(x, r, &pkt, dir, err, errlen);
    }
  }
  /* A cut last record does not matter: every frame before it was read. */
  if (rc == RL_ETRUNCATED || rc == 1)
    rc = 0;
  rl_decoder_free(dec);
  rl_capture_close(cap);
  return rc;
}

int rl_extract_write(rl_extract *x, const char *path, const char *filter, const char *dir,
                     char *err, size_t errlen) {
  if (x->nreq == 0)
    return 0;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    int e = errno;
    snprintf(err, errlen, "%s: cannot create directory: %s", dir, strerror(e));
    return e == EACCES ? RL_EACCES : e == ENOENT ? RL_ENOENT : RL_EIO;
  }
  int written = 0;
  for (size_t from = 0; from < x->nreq; from += BATCH) {
    size_t to = from + BATCH < x->nreq ? from + BATCH : x->nreq;
    int rc = write_batch(x, from, to, path, filter, dir, err, errlen);
    for (size_t i = from; i < to; i++) {
      if (x->req[i].dumper) {
        if (pcap_dump_flush(x->req[i].dumper) != 0 && rc >= 0) {
          snprintf(err, errlen, "%s/%s: write error", dir, x->req[i].name);
          rc = RL_EIO;
        }
        written++;
      }
      close_request(&x->req[i]);
    }
    if (rc < 0)
      return rc;
  }
  return written;
}
