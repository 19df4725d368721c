#!/usr/bin/env bash
# The two memos change nothing a user sees: the engine's verdict memo
# (src/engine/memo.h: an exchange judged before is not judged again) and the
# http stage's section memo (src/http/secmemo.h: a header section parsed and
# described before is neither parsed by llhttp nor described again). Every capture and transcript
# under fixtures/ and tests/http/transcripts, and under each DIR or FILE
# given after the binary (../shared/corpus, a bench capture), is linted
# twice with --format json:
#  - verified: RESPLINT_VERIFY_MEMO=1 judges every verdict-memo hit afresh
#    and RESPLINT_VERIFY_SCAN=1 parses and describes every section-memo
#    hit afresh (llhttp's state and the description);
#    resplint aborts on any difference (an exit above 3 fails);
#  - without the verdict memo (RESPLINT_NO_MEMO=1);
# and the two outputs (stdout, stderr but the stats lines, exit codes) must
# be identical. The verdict memo, the section memo's descriptions and its
# restored llhttp states must each have been used at least once, or the
# verification proved nothing. The verified run also sets
# RESPLINT_VERIFY_TREE=1: the catalogue's trees made by the build
# (src/engine/ytree.h) are checked against a fresh parse of each record.
# Usage: test_memos_verified.sh RESPLINT [DIR|FILE...]
set -u
bin=${1:?usage: test_memos_verified.sh RESPLINT [DIR|FILE...]}
shift
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d /tmp/rl-memos.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

mapfile -t inputs < <(find fixtures tests/http/transcripts "$@" -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.server.http' \) |
  LC_ALL=C sort)
stats='^resplint: (verdict memo|RESPLINT_VERIFY_SCAN): '
fail=0 hits=0 heads=0 restored=0 n=0
for f in "${inputs[@]}"; do
  n=$((n + 1))
  RESPLINT_VERIFY_MEMO=1 RESPLINT_VERIFY_SCAN=1 RESPLINT_VERIFY_TREE=1 RESPLINT_MEMO_STATS=1 \
    "$bin" --format json "$f" > "$tmp/on.out" 2> "$tmp/on.err"
  on=$?
  RESPLINT_NO_MEMO=1 "$bin" --format json "$f" > "$tmp/off.out" 2> "$tmp/off.err"
  off=$?
  if [ "$on" -gt 3 ]; then
    echo "FAIL: $f: exit $on with the memos verified"
    grep -m3 'resplint' "$tmp/on.err"
    fail=1
    continue
  fi
  h=$(sed -n 's/^resplint: verdict memo: \([0-9]*\) hits.*/\1/p' "$tmp/on.err")
  [ "${h:-0}" -gt 0 ] && hits=$((hits + 1))
  k=$(sed -n 's/^resplint: RESPLINT_VERIFY_SCAN: \([0-9]*\) header sections described from the head memo.*/\1/p' \
      "$tmp/on.err" | awk '{s += $1} END {print s + 0}')
  heads=$((heads + k))
  k=$(sed -n 's/^resplint: RESPLINT_VERIFY_SCAN: \([0-9]*\) header sections parsed from the llhttp memo.*/\1/p' \
      "$tmp/on.err" | awk '{s += $1} END {print s + 0}')
  restored=$((restored + k))
  grep -Ev "$stats" "$tmp/on.err" > "$tmp/on.err2"
  if [ "$on" -ne "$off" ] || ! cmp -s "$tmp/on.out" "$tmp/off.out" ||
     ! cmp -s "$tmp/on.err2" "$tmp/off.err"; then
    echo "FAIL: $f: the output differs with the memos (exit $on vs $off)"
    diff "$tmp/off.out" "$tmp/on.out" | head -10
    diff "$tmp/off.err" "$tmp/on.err2" | head -5
    fail=1
  fi
done
echo "memos verified: $n inputs, $hits with verdict-memo hits, $heads header sections described and $restored parsed from the section memo"
if [ "$n" -eq 0 ] || [ "$hits" -eq 0 ] || [ "$heads" -eq 0 ] || [ "$restored" -eq 0 ]; then
  echo "FAIL: a memo was never used: the verification proved nothing"
  fail=1
fi
exit $fail
