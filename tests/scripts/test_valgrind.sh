#!/usr/bin/env bash
# The demo under valgrind (issue #8): `resplint fixtures/demo/demo.pcap`, the
# same with --verbose, with --dump-streams, and the small adversarial
# captures of tests/adversarial/gen.py must run with no memory error and no
# leak of any kind (definite, indirect, possible; still-reachable blocks are
# reported too and counted as errors).
# Exit 77 (skipped) when valgrind is missing or $1 is a sanitizer build
# (the two cannot run together).
set -u
bin=${1:?usage: test_valgrind.sh RESPLINT}
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind not found: skipped"; exit 77; }
if grep -qa "__asan_init" "$bin"; then
  echo "$bin is an AddressSanitizer build: skipped under valgrind"; exit 77
fi
tmp=$(mktemp -d /tmp/rl-valgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

small="chunk_size_ffff retrans_overlap frag_overlap snaplen_64 zero_length truncated_record absurd_snaplen"
if command -v python3 >/dev/null; then
  python3 "$src/tests/adversarial/gen.py" "$tmp" $small || { echo "FAIL: gen.py"; exit 1; }
else
  small=""
fi

fail=0
run() { # name, expected exit codes "0|1", args...
  local name=$1 codes=$2; shift 2
  valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=all --track-origins=yes "$bin" "$@" \
    >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [[ "|$codes|" == *"|$rc|"* ]] && ! grep -q "^==[0-9]*==" "$tmp/err"; then
    echo "ok   $name: exit $rc"
  else
    echo "FAIL $name: exit $rc (expected $codes)"; grep "^==" "$tmp/err" | head -40; fail=1
  fi
}
run demo "0|1" "$src/fixtures/demo/demo.pcap"
run demo-verbose "0|1" --verbose "$src/fixtures/demo/demo.pcap"
run demo-dump-streams "0" --dump-streams "$tmp/streams" "$src/fixtures/demo/demo.pcap"
for c in $small; do
  codes="0|1"; [ "$c" = truncated_record ] && codes=3
  run "$c" "$codes" "$tmp/$c.pcap"
done
exit $fail
