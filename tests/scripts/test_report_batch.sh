#!/usr/bin/env bash
# A report written to a file or a pipe is batched (findings wait in the
# report's 64 KiB buffer); one written to a terminal, or read from a pipe,
# goes out finding by finding. Either way nothing is lost and write errors
# are still reported:
#  - the JSON Lines of a batched run equal those of a run flushed per finding
#    (input read from a FIFO), line for line;
#  - a full disk (/dev/full) is "cannot write the report", exit 3, in every
#    format;
#  - a reader that goes away (| head -1) ends the run at once (SIGPIPE).
set -u
bin=${1:?usage: test_report_batch.sh RESPLINT}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d /tmp/rl-batch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
check() { # NAME STATUS(0 = pass) DETAIL
  n=$((n + 1))
  if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1: $3"; fails=$((fails + 1)); fi
}
cap=fixtures/demo/demo.pcap

"$bin" --format json "$cap" > "$tmp/batched.json" 2>/dev/null
mkfifo "$tmp/fifo"
cat "$cap" > "$tmp/fifo" &
"$bin" --format json "$tmp/fifo" > "$tmp/flushed.json" 2>/dev/null
wait
sed -i "s#$tmp/fifo#$cap#g" "$tmp/flushed.json"
cmp -s "$tmp/batched.json" "$tmp/flushed.json"
check "batched and per-finding JSON Lines are the same" $? "$(diff "$tmp/batched.json" "$tmp/flushed.json" | head -5)"
python3 - "$tmp/batched.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
found = sum(1 for l in lines if "rule" in l)
summary = lines[-1]["summary"]
sys.exit(0 if found == sum(summary["findings"].values()) and found > 0 else 1)
PY
check "every finding the summary counts is written" $? "$(tail -c 300 "$tmp/batched.json")"

for fmt in text json sarif junit; do
  "$bin" --format "$fmt" -o /dev/full "$cap" 2> "$tmp/err"
  rc=$?
  [ "$rc" -eq 3 ] && grep -q "cannot write the report" "$tmp/err"
  check "$fmt to a full disk: exit 3 and a message" $? "exit $rc: $(cat "$tmp/err")"
done

"$bin" --format json fixtures > /dev/null 2>&1
full=$?
"$bin" --format json fixtures 2>/dev/null | head -1 > /dev/null
rc=${PIPESTATUS[0]}
[ "$full" -ne 141 ] && { [ "$rc" -eq 141 ] || [ "$rc" -eq 3 ]; }
check "a reader that goes away stops the run" $? "exit $rc (whole run $full)"

echo "report batch: $n checks, $fails failed"
[ "$fails" -eq 0 ]
