#!/usr/bin/env bash
# --extract round trip on several corpus captures: every reported finding
# gets exactly one file named RULE-streamN-INDEX.pcap (RULE-streamN-conn.pcap
# for a connection-level finding), each file is a valid capture holding one
# TCP conversation and no more packets than the input, and linting it
# reproduces the finding (same rule, server, request and status).
# Usage: test_gating_extract.sh PATH/TO/resplint
set -u
resplint=${1:?usage: $0 PATH/TO/resplint}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 not found"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-gating-extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Sanitizer reports of the binary (an ASan build) go to files that are
# printed at the end, where ctest's failure pattern sees them: the cases
# themselves keep standard error to check messages.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$tmp/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$tmp/sanitizer"

captures=(
  "$root/fixtures/demo/demo.pcap"                                     # nginx, 19 conversations
  "$root/fixtures/streams/sv-http-async.pcap"                         # pipelining, data after close
  "$root/fixtures/streams/arkime-socks5-http-302-frag.pcap"           # IPv4 fragments
  "$root/fixtures/streams/pkts-http_ip4and6.pcapng"                   # pcapng, IPv6
  "$root/fixtures/streams/zeek-zero-length-bodies-with-drops.pcap"    # gaps
  "$root/fixtures/streams/ndpi-weibo.pcap"
)

failures=0
cases=0
for cap in "${captures[@]}"; do
  cases=$((cases + 1))
  name=$(basename "$cap")
  out="$tmp/$name"
  "$resplint" --format json --fail-on never --extract "$out" "$cap" >"$tmp/$name.json" 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 0 ]; then
    failures=$((failures + 1))
    echo "FAIL $name: exit $rc"
    sed 's/^/     /' "$tmp/err"
    continue
  fi
  if python3 - "$resplint" "$cap" "$tmp/$name.json" "$out" <<'EOF'; then
import json, os, subprocess, sys
resplint, cap, report, outdir = sys.argv[1:5]

def lint(path):
    p = subprocess.run([resplint, "--format", "json", "--fail-on", "never", path],
                       capture_output=True, text=True)
    assert p.returncode == 0, (path, p.returncode, p.stderr)
    return [json.loads(l) for l in p.stdout.splitlines()]

def what(d):
    return (d["rule"], d["server"], d.get("method"), d.get("target"), d.get("status"))

def packets(path):
    return sum(1 for _ in subprocess.run(["tshark", "-r", path, "-T", "fields", "-e",
                                          "frame.number"], capture_output=True,
                                         text=True).stdout.splitlines())

findings = [d for d in map(json.loads, open(report)) if "rule" in d]
assert findings, "the capture has findings"
want = {}
for d in findings:
    idx = d.get("index")
    fname = "%s-stream%d-%s.pcap" % (d["rule"], d["stream"], idx if idx is not None else "conn")
    want.setdefault(fname, []).append(d)
files = set(os.listdir(outdir))
missing, extra = set(want) - files, files - set(want)
assert not missing and not extra, ("missing", sorted(missing), "extra", sorted(extra))
total = packets(cap)
bad = []
for fname, ds in sorted(want.items()):
    path = os.path.join(outdir, fname)
    got = lint(path)
    streams = {d["stream"] for d in got if "rule" in d}
    found = {what(d) for d in got if "rule" in d}
    for d in ds:
        if what(d) not in found:
            bad.append("%s: %s not reproduced (got %s)" % (fname, what(d), sorted(found, key=str)))
    if len(streams) > 1:
        bad.append("%s: %d conversations" % (fname, len(streams)))
    if packets(path) > total:
        bad.append("%s: more packets than the input" % fname)
assert not bad, "\n".join(bad)
print("%d findings, %d files, all reproduced" % (len(findings), len(want)))
EOF
    echo "ok   $name"
  else
    failures=$((failures + 1))
    echo "FAIL $name"
  fi
done

# Several inputs: one subdirectory each, since stream numbers restart.
cases=$((cases + 1))
a="$root/fixtures/streams/sv-http-async.pcap"
b="$root/fixtures/streams/sv-http-gap-simple.pcap"
"$resplint" -q --fail-on never --extract "$tmp/multi" "$a" "$b" >/dev/null 2>&1
sa=$(printf '%s' "${a#/}" | tr / _)
sb=$(printf '%s' "${b#/}" | tr / _)
if ls "$tmp/multi/$sa"/*.pcap >/dev/null 2>&1 && ls "$tmp/multi/$sb"/*.pcap >/dev/null 2>&1; then
  echo "ok   several inputs: one subdirectory each"
else
  failures=$((failures + 1))
  echo "FAIL several inputs"
  find "$tmp/multi" | sed 's/^/     /'
fi

# Only reported findings are extracted: a baseline or an ignore removes them.
cases=$((cases + 1))
"$resplint" -q --fail-on never --ignore CN001 --extract "$tmp/ign" "$a" >/dev/null 2>&1
if ls "$tmp/ign" | grep -q '^FV001-' && ! ls "$tmp/ign" | grep -q '^CN001-'; then
  echo "ok   ignored rules are not extracted"
else
  failures=$((failures + 1))
  echo "FAIL ignored rules are not extracted"
  ls "$tmp/ign" | sed 's/^/     /'
fi

# A BPF filter applies to the second read as it did to the first.
cases=$((cases + 1))
"$resplint" --format json --fail-on never --extract "$tmp/flt" -r "$a" tcp port 8080 \
  >"$tmp/flt.json" 2>"$tmp/err"
n=$(ls "$tmp/flt" 2>/dev/null | grep -c .)
if [ "$n" -gt 0 ] && [ "$(grep -c '"rule"' "$tmp/flt.json")" -gt 0 ]; then
  echo "ok   -r FILE with a filter"
else
  failures=$((failures + 1))
  echo "FAIL -r FILE with a filter: $n files"
  sed 's/^/     /' "$tmp/err"
fi

if ls "$tmp"/sanitizer.* >/dev/null 2>&1; then
  failures=$((failures + 1))
  echo "FAIL sanitizer reports:"
  cat "$tmp"/sanitizer.*
fi
echo "$((cases - failures)) of $cases cases passed"
[ "$failures" -eq 0 ]
