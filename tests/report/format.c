/* The report's hand-made formatting against the library it replaced:
 * integers against printf, timestamps against gmtime_r and strftime, and
 * JSON escaping of 16-byte runs with the byte to escape at every place
 * around the run boundaries. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report_internal.h"

static void check_u64(uint64_t v) {
  char got[64], want[64];
  memset(got, 'x', sizeof got);
  *rl__fmt_u64(got, v) = '\0';
  snprintf(want, sizeof want, "%" PRIu64, v);
  cr_assert_str_eq(got, want);
  if (v > UINT32_MAX)
    return;
  for (unsigned width = 0; width <= 10; width++) {
    memset(got, 'x', sizeof got);
    *rl__fmt_padded(got, (uint32_t)v, width) = '\0';
    snprintf(want, sizeof want, "%0*" PRIu32, (int)width, (uint32_t)v);
    cr_assert_str_eq(got, want);
  }
}

/* Every length of number, each side of each power of ten and of two. */
Test(format, integers_as_printf_writes_them) {
  for (uint64_t v = 0; v < 20000; v++)
    check_u64(v);
  uint64_t p = 1;
  for (int i = 0; i < 20; i++, p *= 10) {
    check_u64(p - 1);
    check_u64(p);
    check_u64(p + 1);
  }
  for (int i = 0; i < 64; i++) {
    check_u64((1ull << i) - 1);
    check_u64(1ull << i);
  }
  check_u64(UINT64_MAX);
  uint64_t x = 88172645463325252ull; /* xorshift: a spread of magnitudes */
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    check_u64(x >> (x & 63));
  }
}

static void check_ts(rl_report *r, int64_t sec, uint32_t nsec) {
  char got[RL__TS_MAX + 1], want[80], day[48] = "1970-01-01T00:00:00";
  *rl__fmt_ts(r, got, (rl_time){sec, nsec}) = '\0';
  time_t t = (time_t)sec;
  struct tm tm;
  if (!gmtime_r(&t, &tm) || !strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm)) {
    cr_assert_str_eq(got, "1970-01-01T00:00:00Z");
    return;
  }
  if (nsec % 1000 == 0)
    snprintf(want, sizeof want, "%s.%06" PRIu32 "Z", day, nsec / 1000);
  else
    snprintf(want, sizeof want, "%s.%09" PRIu32 "Z", day, nsec);
  cr_assert_str_eq(got, want, "second %" PRId64, sec);
}

/* The per-day date and the time of day by hand, and strftime outside the
 * years it covers, give what gmtime_r and strftime give for the second. */
Test(format, timestamps_as_strftime_writes_them) {
  rl_report *r = calloc(1, sizeof *r);
  cr_assert_not_null(r);
  static const int64_t secs[] = {0,           1,           59,          86399,
                                 86400,       951782400,   951868799,   1700000000,
                                 -1,          -86400,      -86401,      253402300799LL,
                                 253402300800LL, 253402300801LL, 4102444800LL, INT64_MAX};
  static const uint32_t nsecs[] = {0, 1000, 999999000, 1, 123456789, 1000000000, 4294967000u};
  for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
    for (size_t k = 0; k < sizeof nsecs / sizeof nsecs[0]; k++)
      check_ts(r, secs[i], nsecs[k]);
  for (int64_t s = 1700000000 - 3 * 86400; s < 1700000000 + 3 * 86400; s += 997)
    check_ts(r, s, 5000); /* across day boundaries, cache warm */
  free(r);
}

/* One byte to escape at each place of strings up to 48 bytes long (three
 * runs of 16 and a tail), each kind of escape. */
Test(format, json_escapes_at_every_place) {
  static const struct {
    uint8_t b;
    const char *esc;
  } kinds[] = {{'"', "\\\""}, {'\\', "\\\\"}, {0x01, "\\u0001"}, {'\n', "\\n"},
               {0x7f, "\\u007f"}, {0xff, "\\u00ff"}};
  uint8_t in[48];
  char got[6 * sizeof in + 2 + RL__MEMO_COPY], want[sizeof got];
  for (size_t n = 1; n <= sizeof in; n++)
    for (size_t at = 0; at < n; at++)
      for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (size_t i = 0; i < n; i++)
          in[i] = (uint8_t)('a' + i % 26);
        in[at] = kinds[k].b;
        *rl__fmt_json(got, in, n) = '\0';
        snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)at, (const char *)in,
                 kinds[k].esc, (int)(n - at - 1), (const char *)in + at + 1);
        cr_assert_str_eq(got, want, "length %zu, byte %zu", n, at);
      }
}
