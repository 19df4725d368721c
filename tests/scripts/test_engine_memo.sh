#!/usr/bin/env bash
# The engine's verdict memo (src/engine/memo.h) changes nothing a user sees.
# Every capture and transcript under fixtures/ and tests/http/transcripts,
# and under each DIR or FILE given after the binary (../shared/corpus, a
# bench capture), is linted twice with --format json:
#  - memo on, with RESPLINT_VERIFY_MEMO=1: every hit is also judged afresh
#    and resplint aborts if the two differ (an exit above 3 fails);
#  - memo off (RESPLINT_NO_MEMO=1);
# and the two outputs (stdout and stderr, and the exit codes) must be
# byte-identical. At least one input must hit the memo, or the verification
# proved nothing.
# Usage: test_engine_memo.sh RESPLINT [DIR|FILE...]
set -u
bin=${1:?usage: test_engine_memo.sh RESPLINT [DIR|FILE...]}
shift
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d /tmp/rl-engine-memo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

mapfile -t inputs < <(find fixtures tests/http/transcripts "$@" -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.server.http' \) |
  LC_ALL=C sort)
fail=0 hits=0 n=0
for f in "${inputs[@]}"; do
  n=$((n + 1))
  RESPLINT_VERIFY_MEMO=1 RESPLINT_MEMO_STATS=1 "$bin" --format json "$f" \
    > "$tmp/on.out" 2> "$tmp/on.err"
  on=$?
  RESPLINT_NO_MEMO=1 "$bin" --format json "$f" > "$tmp/off.out" 2> "$tmp/off.err"
  off=$?
  if [ "$on" -gt 3 ]; then
    echo "FAIL: $f: exit $on with RESPLINT_VERIFY_MEMO=1"
    grep -m3 'resplint' "$tmp/on.err"
    fail=1
    continue
  fi
  # The stats line is the only thing the memo run may add.
  stats=$(grep '^resplint: verdict memo: ' "$tmp/on.err")
  grep -v '^resplint: verdict memo: ' "$tmp/on.err" > "$tmp/on.err2"
  h=$(printf '%s\n' "$stats" | sed -n 's/^resplint: verdict memo: \([0-9]*\) hits.*/\1/p')
  [ -n "$h" ] && [ "$h" -gt 0 ] && hits=$((hits + 1))
  if [ "$on" -ne "$off" ] || ! cmp -s "$tmp/on.out" "$tmp/off.out" ||
     ! cmp -s "$tmp/on.err2" "$tmp/off.err"; then
    echo "FAIL: $f: the output differs with the memo (exit $on vs $off)"
    diff "$tmp/off.out" "$tmp/on.out" | head -10
    diff "$tmp/off.err" "$tmp/on.err2" | head -5
    fail=1
  fi
done
echo "engine memo: $n inputs, $hits with memo hits"
if [ "$n" -eq 0 ] || [ "$hits" -eq 0 ]; then
  echo "FAIL: no input hit the memo: the verification proved nothing"
  fail=1
fi
exit $fail
