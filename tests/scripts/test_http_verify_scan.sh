#!/usr/bin/env bash
# The http stage's head memo (describe_head in src/http/http.c) changes no
# description: every capture and transcript under fixtures/ and
# tests/http/transcripts, and under each DIR or FILE given after the binary
# (../shared/corpus, a bench capture), is linted with RESPLINT_VERIFY_SCAN=1:
# every header section described from the memo is scanned too, and resplint
# aborts on any difference (an exit above 3 fails). The output must also be
# byte-identical to a run without the variable but for the stats line, and
# at least one section must have come from the memo, or the check proved
# nothing.
# Usage: test_http_verify_scan.sh RESPLINT [DIR|FILE...]
set -u
bin=${1:?usage: test_http_verify_scan.sh RESPLINT [DIR|FILE...]}
shift
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d /tmp/rl-verify-scan.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

mapfile -t inputs < <(find fixtures tests/http/transcripts "$@" -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.server.http' \) |
  LC_ALL=C sort)
fail=0 memo=0 n=0
stat='^resplint: RESPLINT_VERIFY_SCAN: '
for f in "${inputs[@]}"; do
  n=$((n + 1))
  RESPLINT_VERIFY_SCAN=1 "$bin" --format json "$f" > "$tmp/v.out" 2> "$tmp/v.err"
  v=$?
  "$bin" --format json "$f" > "$tmp/p.out" 2> "$tmp/p.err"
  p=$?
  if [ "$v" -gt 3 ]; then
    echo "FAIL: $f: exit $v with RESPLINT_VERIFY_SCAN=1"
    grep -m3 'resplint' "$tmp/v.err"
    fail=1
    continue
  fi
  k=$(sed -n "s/${stat}\([0-9]*\) header sections described from the head memo.*/\1/p" "$tmp/v.err" |
      awk '{s += $1} END {print s + 0}')
  memo=$((memo + k))
  grep -v "$stat" "$tmp/v.err" > "$tmp/v.err2"
  if [ "$v" != "$p" ] || ! cmp -s "$tmp/v.out" "$tmp/p.out" ||
     ! cmp -s "$tmp/v.err2" "$tmp/p.err"; then
    echo "FAIL: $f: output differs with RESPLINT_VERIFY_SCAN=1"
    fail=1
  fi
done
echo "verify-scan: $n inputs, $memo sections described from the memo and checked"
if [ "$memo" -eq 0 ]; then
  echo "FAIL: no section was described from the head memo"
  fail=1
fi
exit $fail
