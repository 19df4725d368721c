#!/usr/bin/env bash
# The fuzzing part of `make check` (issue #8): builds the libFuzzer harnesses
# of tests/fuzz with clang (ASan + UBSan) into build-fuzz-smoke/ beside the
# other build directories when needed, replays the seed corpora and the
# regression inputs of fixtures/regressions/ through each harness, then runs
# each harness for RL_FUZZ_SECONDS (default 60) from those seeds.
# Any crash, leak, sanitizer report or timeout fails the test; the input is
# left in build-fuzz-smoke/artifacts/ to become a regression fixture.
# $1 (the resplint binary) is used to seed the stream harness from fixtures.
# Exit 77 (skipped) when clang with libFuzzer or python3 is missing.
set -u
bin=${1:-}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${RL_FUZZ_BUILD:-$src/build-fuzz-smoke}
secs=${RL_FUZZ_SECONDS:-60}
harnesses="capture_file http_streams rule_record"

cc=$(command -v clang || command -v clang-14 || true)
[ -n "$cc" ] || { echo "clang not found: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)n * 0; }' \
  >"${TMPDIR:-/tmp}/rl-fuzz-probe.$$.c"
if ! "$cc" -fsanitize=fuzzer -o "${TMPDIR:-/tmp}/rl-fuzz-probe.$$" \
    "${TMPDIR:-/tmp}/rl-fuzz-probe.$$.c" 2>/dev/null; then
  rm -f "${TMPDIR:-/tmp}/rl-fuzz-probe.$$"*
  echo "clang cannot link libFuzzer (-fsanitize=fuzzer): skipped"; exit 77
fi
rm -f "${TMPDIR:-/tmp}/rl-fuzz-probe.$$"*

mkdir -p "$build"
# One build at a time even if two test runs overlap.
exec 9>"$build/.lock"
flock 9
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC="$cc" cmake -S "$src" -B "$build" -DRL_WERROR=ON -DRL_FUZZ=ON -DRL_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log"; echo "FAIL: configure"; exit 1; }
fi
cmake --build "$build" --target fuzz_all -j"${RL_FUZZ_JOBS:-2}" >"$build/build.log" 2>&1 ||
  { tail -40 "$build/build.log"; echo "FAIL: build"; exit 1; }

seeds=$build/seeds
rm -rf "$seeds"
corpus_arg=()
[ -d "$src/../shared/corpus" ] && corpus_arg=(--corpus "$src/../shared/corpus")
resplint_arg=()
[ -n "$bin" ] && [ -x "$bin" ] && resplint_arg=(--resplint "$bin")
python3 "$src/tests/fuzz/seeds.py" "$seeds" "${corpus_arg[@]}" "${resplint_arg[@]}" ||
  { echo "FAIL: seeds.py"; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
mkdir -p "$build/artifacts"
fail=0
for h in $harnesses; do
  fuzzer=$build/tests/fuzz/fuzz_$h
  regress=$src/fixtures/regressions/$h
  dirs=("$seeds/$h")
  [ -d "$regress" ] && dirs+=("$regress")
  # Replay: every seed and regression input once (-runs=0 runs the inputs
  # of the corpus directories and nothing else).
  if ! "$fuzzer" -runs=0 -max_len=1048576 -timeout=30 -rss_limit_mb=3072 \
      -artifact_prefix="$build/artifacts/$h-" "${dirs[@]}" >"$build/replay-$h.log" 2>&1; then
    tail -40 "$build/replay-$h.log"; echo "FAIL $h: replay"; fail=1; continue
  fi
  echo "ok   $h: replayed $(grep -o 'INITED.*corp: [0-9]*' "$build/replay-$h.log" | grep -o 'corp: [0-9]*')"
  # A short run: new inputs go to a scratch corpus so the seeds stay as made.
  work=$build/work-$h
  rm -rf "$work"; mkdir -p "$work"
  if ! "$fuzzer" -max_total_time="$secs" -max_len=65536 -timeout=20 -rss_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$h-" \
      "$work" "${dirs[@]}" >"$build/fuzz-$h.log" 2>&1; then
    tail -60 "$build/fuzz-$h.log"; echo "FAIL $h: the fuzzer found a crash"; fail=1; continue
  fi
  echo "ok   $h: $(grep -E 'stat::number_of_executed_units' "$build/fuzz-$h.log" | awk '{print $2}') inputs in ${secs}s"
done
exit $fail
