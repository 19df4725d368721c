/* Every link-layer and IP variant of a real Ethernet capture must reassemble
 * to exactly the same TCP streams as the original: VLAN, QinQ, Linux SLL and
 * SLL2, BSD NULL and LOOP, raw IP, IPv4 fragments, every packet duplicated,
 * pcapng, and server data captured after the client's ACK of it.
 *
 * Each capture and each variant runs through the real pipeline (libpcap,
 * decode, flow, the --dump-streams sink) and the dumped directories are
 * compared file by file, byte for byte. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcapgen.h"
#include "resplint/capture.h"
#include "resplint/error.h"
#include "resplint/run.h"

/* Runs `capture` through the pipeline into the stream dumper at `dir`. */
static void dump_streams(const char *capture, const char *dir) {
  char err[512] = "";
  rl_capture *cap = NULL;
  cr_assert_eq(rl_capture_open_file(&cap, capture, err, sizeof err), 0, "%s: %s",
               capture, err);
  rl_dump_streams *d = NULL;
  cr_assert_eq(rl_dump_streams_new(&d, dir, err, sizeof err), 0, "%s", err);
  rl_run_config cfg = {.sink = rl_dump_streams_sink(), .sink_ctx = d};
  rl_stats stats = {0};
  int64_t n = rl_run(cap, &cfg, &stats, err, sizeof err);
  cr_assert_geq(n, 0, "%s: %s", capture, err);
  cr_assert_eq(rl_dump_streams_status(d, err, sizeof err), 0, "%s", err);
  rl_dump_streams_free(d);
  rl_capture_close(cap);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* Names in `dir`, sorted, as one newline-separated string. */
static char *listing(const char *dir) {
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  cr_assert_geq(n, 0, "cannot list %s", dir);
  size_t cap = 16, used = 0;
  char *out = calloc(1, cap);
  for (int i = 0; i < n; i++) {
    size_t l = strlen(names[i]->d_name);
    if (names[i]->d_name[0] != '.') {
      while (used + l + 2 > cap)
        out = realloc(out, cap *= 2);
      memcpy(out + used, names[i]->d_name, l);
      used += l;
      out[used++] = '\n';
      out[used] = '\0';
    }
    free(names[i]);
  }
  free(names);
  return out;
}

/* The two dump directories hold the same files with the same bytes. */
static void expect_same_dump(const char *want_dir, const char *got_dir,
                             const char *what) {
  char *want = listing(want_dir), *got = listing(got_dir);
  cr_assert_str_eq(got, want, "%s: different stream files", what);
  cr_assert_gt(strlen(want), 0, "%s: the original dumped nothing", what);
  for (char *name = want, *nl; (nl = strchr(name, '\n')); name = nl + 1) {
    *nl = '\0';
    char a[2400], b[2400];
    snprintf(a, sizeof a, "%s/%s", want_dir, name);
    snprintf(b, sizeof b, "%s/%s", got_dir, name);
    size_t la, lb;
    char *da = slurp(a, &la), *db = slurp(b, &lb);
    cr_expect(la == lb && memcmp(da, db, la) == 0, "%s: %s differs (%zu vs %zu bytes)",
              what, name, la, lb);
    free(da);
    free(db);
  }
  free(want);
  free(got);
}

typedef struct variant_case {
  char capture[64];
  char variant[16];
} variant_case;

#define CAPTURES(XX)                                   \
  XX("fixtures/demo/demo.pcap")                        \
  XX("fixtures/streams/pcap2har-http.pcap")            \
  XX("fixtures/streams/arkime-v6-http.pcap")           \
  XX("fixtures/streams/zeek-entity_gap.pcap")          \
  XX("fixtures/streams/sv-http-range-file.pcap")
#define VARIANTS(XX)                                                      \
  XX("vlan") XX("qinq") XX("sll") XX("sll2") XX("null") XX("loop") XX("raw") \
  XX("ipv4frag") XX("duplicate") XX("pcapng") XX("ackfirst")

static const char *const captures[] = {
#define AS_STRING(s) s,
    CAPTURES(AS_STRING)};
static const char *const variants[] = {VARIANTS(AS_STRING)};
#undef AS_STRING

enum { NCAPTURES = sizeof captures / sizeof *captures,
       NVARIANTS = sizeof variants / sizeof *variants };

ParameterizedTestParameters(variants, same_streams) {
  static variant_case cases[NCAPTURES * NVARIANTS];
  for (int c = 0; c < NCAPTURES; c++)
    for (int v = 0; v < NVARIANTS; v++) {
      snprintf(cases[c * NVARIANTS + v].capture, sizeof cases[0].capture, "%s", captures[c]);
      snprintf(cases[c * NVARIANTS + v].variant, sizeof cases[0].variant, "%s", variants[v]);
    }
  return cr_make_param_array(variant_case, cases, NCAPTURES * NVARIANTS);
}

ParameterizedTest(variant_case *tc, variants, same_streams) {
  char work[] = RL_BINARY_DIR "/tmp-variants-XXXXXX";
  cr_assert_not_null(mkdtemp(work));
  char orig_dir[1100], var_dir[1100], var_file[1100], what[160];
  snprintf(orig_dir, sizeof orig_dir, "%s/orig", work);
  snprintf(var_dir, sizeof var_dir, "%s/variant", work);
  snprintf(var_file, sizeof var_file, "%s/variant.pcap", work);
  snprintf(what, sizeof what, "%s as %s", tc->capture, tc->variant);

  dump_streams(tc->capture, orig_dir);
  cr_assert_gt(pg_rewrite_variant(tc->capture, var_file, tc->variant), 0, "%s", what);
  dump_streams(var_file, var_dir);
  expect_same_dump(orig_dir, var_dir, what);

  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
  cr_assert_eq(system(cmd), 0);
}
