#!/usr/bin/env bash
# A long fuzzing campaign: each harness in turn, one process at a time, at
# the lowest CPU priority, for SECONDS seconds each (default 1800).
#   tests/fuzz/campaign.sh BUILD_DIR SEEDS_DIR [SECONDS] [HARNESS...]
# The growing corpus is kept in BUILD_DIR/corpus/<harness>, crashes in
# BUILD_DIR/artifacts/, and one log per harness in BUILD_DIR/campaign/ whose
# last line gives the wall and CPU seconds (for tests/fuzz/README.md).
set -u
build=$(cd "$1" && pwd) seeds=$(cd "$2" && pwd) secs=${3:-1800}
shift $(( $# >= 3 ? 3 : $# ))
harnesses=${*:-capture_file http_streams rule_record}
mkdir -p "$build/campaign" "$build/artifacts"
# -jobs writes fuzz-N.log into the working directory: keep it in the build.
cd "$build/campaign" || exit 1
for h in $harnesses; do
  mkdir -p "$build/corpus/$h"
  log=$build/campaign/$h.log
  echo "== $h start $(date -u +%FT%TZ)" >"$log"
  /usr/bin/time -f "== $h wall %e s user %U s sys %S s" -a -o "$log" \
    nice -n 19 "$build/tests/fuzz/fuzz_$h" -jobs=1 -workers=1 \
    -max_total_time="$secs" -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$h-" \
    "$build/corpus/$h" "$seeds/$h" >>"$log" 2>&1
  echo "== $h end $(date -u +%FT%TZ)" >>"$log"
done
