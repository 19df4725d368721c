#!/usr/bin/env bash
# Baseline round trip through the real binary: record today's findings,
# relint the unchanged capture (exit 0, nothing reported), then add a
# violating exchange to the capture (another capture merged in with
# mergecap, which also renumbers every frame and stream) and check that the
# run fails naming only the new findings. Also: fingerprints never carry
# frame numbers or stream indexes, and the file is sorted and stable.
# Usage: test_gating_baseline.sh PATH/TO/resplint
set -u
resplint=${1:?usage: $0 PATH/TO/resplint}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 not found"; exit 77; }
command -v mergecap >/dev/null || { echo "mergecap (wireshark-common) not found"; exit 77; }
# The demo capture: nginx's 405s without Allow (ST031, error) and more.
old="$root/fixtures/demo/demo.pcap"
# A capture of other servers with errors of other rules (FV010, FV022).
new="$root/fixtures/streams/zeek-zero-length-bodies-with-drops.pcap"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-gating-baseline.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Sanitizer reports of the binary (an ASan build) go to files that are
# printed at the end, where ctest's failure pattern sees them: the cases
# themselves keep standard error to check messages.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$tmp/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$tmp/sanitizer"

failures=0
cases=0
check() { # NAME CONDITION-EXIT-STATUS [DETAIL...]
  cases=$((cases + 1))
  local name=$1 ok=$2
  shift 2
  if [ "$ok" -eq 0 ]; then
    echo "ok   $name"
  else
    failures=$((failures + 1))
    echo "FAIL $name"
    for line in "$@"; do echo "     $line"; done
  fi
}

# The findings of a JSON Lines report as sorted "RULE SERVER METHOD TARGET
# STATUS" lines (what a fingerprint holds).
findings() {
  python3 -c '
import json, sys
out = []
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "rule" in d:
        out.append(" ".join(str(d.get(k, "-")) for k in
                            ("rule", "server", "method", "target", "status")))
print("\n".join(sorted(out)))' "$1"
}

# --- write ----------------------------------------------------------------------
"$resplint" -q "$old" >/dev/null 2>&1
check "the capture fails without a baseline" $(($? == 1 ? 0 : 1))
"$resplint" -q --write-baseline "$tmp/baseline.txt" "$old" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--write-baseline accepts today's findings: exit 0" "$rc" "$(cat "$tmp/err")"
"$resplint" --format json --fail-on never "$old" >"$tmp/old.json" 2>/dev/null
nfind=$(findings "$tmp/old.json" | sort -u | grep -c .)
nlines=$(grep -vc '^#' "$tmp/baseline.txt")
check "one baseline line per distinct fingerprint ($nlines)" $((nlines == nfind ? 0 : 1)) \
  "findings: $nfind distinct, baseline lines: $nlines"
grep -v '^#' "$tmp/baseline.txt" | LC_ALL=C sort -c 2>/dev/null
check "the baseline is sorted" $?
awk -F'\t' '!/^#/ && NF != 5' "$tmp/baseline.txt" | grep -q .
check "every line has five tab-separated fields" $((! $?))
grep -q 'ST031	[0-9.]*:[0-9]*	DELETE	' "$tmp/baseline.txt"
check "fingerprints hold rule, server, method, target, status" $? \
  "$(grep ST031 "$tmp/baseline.txt")"
"$resplint" -q --write-baseline "$tmp/again.txt" "$old" >/dev/null 2>&1
cmp -s "$tmp/baseline.txt" "$tmp/again.txt"
check "writing twice gives the same file" $?

# --- relint unchanged ------------------------------------------------------------
"$resplint" --format json --baseline "$tmp/baseline.txt" "$old" >"$tmp/same.json" 2>"$tmp/err"
rc=$?
check "unchanged capture with the baseline: exit 0" "$rc" "$(cat "$tmp/err")"
check "unchanged capture: nothing reported" "$(findings "$tmp/same.json" | grep -c .)" \
  "$(findings "$tmp/same.json")"
nall=$(grep -c '"rule"' "$tmp/old.json")
baselined=$(tail -1 "$tmp/same.json" | python3 -c \
  'import json, sys; print(json.load(sys.stdin)["summary"]["withheld"]["baselined"])')
check "the summary counts the $nall baselined findings" $((baselined == nall ? 0 : 1)) \
  "summary says $baselined"
"$resplint" -q --baseline "$tmp/baseline.txt" "$old" >"$tmp/text" 2>&1
grep -q "withheld: $nall findings in the baseline" "$tmp/text"
check "the text summary says how many were baselined" $? "$(cat "$tmp/text")"

# --- add a violating exchange -----------------------------------------------------
mergecap -F pcap -w "$tmp/merged.pcap" "$old" "$new"
"$resplint" --format json --fail-on never "$new" >"$tmp/new.json" 2>/dev/null
# The two captures were taken far apart: merged, the old one's connections
# would sit idle past the 600-second cap and be evicted (TR009), a note the
# old capture alone never had. --cap-idle keeps them, so that only the new
# exchange's findings differ.
"$resplint" --format json --cap-idle 4294967295 --baseline "$tmp/baseline.txt" \
  "$tmp/merged.pcap" >"$tmp/merged.json" 2>"$tmp/err"
rc=$?
check "a new violating exchange: exit 1" $((rc == 1 ? 0 : 1)) "exit $rc" "$(cat "$tmp/err")"
want=$(findings "$tmp/new.json")
got=$(findings "$tmp/merged.json")
[ -n "$want" ] && [ "$got" = "$want" ]
check "only the new findings are reported" $? "got:" "$got" "want:" "$want"
"$resplint" --format json --fail-on never "$tmp/merged.pcap" >"$tmp/merged-all.json" 2>/dev/null
python3 - "$tmp/merged-all.json" "$tmp/old.json" <<'EOF'
import json, sys
def places(path):
    return {(d["rule"], d["server"], d.get("target")): (d["frame"], d["stream"])
            for d in map(json.loads, open(path)) if "rule" in d}
merged, old = places(sys.argv[1]), places(sys.argv[2])
# The same old findings sit at other frames and streams in the merged file,
# so the baseline cannot have matched them by place.
moved = [k for k in old if k in merged and merged[k] != old[k]]
assert old and len(moved) == len(old), (len(old), len(moved))
EOF
check "the baseline matched although frames and streams moved" $?

# --- the baseline and other gates ----------------------------------------------------
"$resplint" -q --baseline "$tmp/baseline.txt" --fail-on never "$tmp/merged.pcap" >/dev/null 2>&1
check "--fail-on never still wins" $?
"$resplint" -q --baseline "$tmp/baseline.txt" --write-baseline "$tmp/updated.txt" \
  "$tmp/merged.pcap" >/dev/null 2>&1
rc=$?
"$resplint" -q --baseline "$tmp/updated.txt" "$tmp/merged.pcap" >/dev/null 2>&1
check "an updated baseline accepts the merged capture" $(($? == 0 && rc == 0 ? 0 : 1))
grep -c 'FV010' "$tmp/updated.txt" >/dev/null
check "the updated baseline holds the new findings" $?

if ls "$tmp"/sanitizer.* >/dev/null 2>&1; then
  failures=$((failures + 1))
  echo "FAIL sanitizer reports:"
  cat "$tmp"/sanitizer.*
fi
echo "$((cases - failures)) of $cases cases passed"
[ "$failures" -eq 0 ]
