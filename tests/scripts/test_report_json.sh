#!/usr/bin/env bash
# JSON Lines output against the fixed contract at the end of RULES.md, read
# with python3's json module for EVERY capture and transcript under
# fixtures/ and tests/http/transcripts (each input in its own run):
#  - the bytes are UTF-8 and every line is one JSON object (wire bytes that
#    are not UTF-8 arrive as \u00XX escapes, never raw);
#  - each finding has the contract's keys with their types: rule, name,
#    level, message, file (the input), frame (>= 1 for a capture), ts
#    (RFC 3339 UTC with sub-second digits), stream, client and server
#    ("ip:port" or "[v6]:port"), status (when parsed), method and target
#    (when the request was captured), index, evidence;
#  - the last line is {"summary": {...}} whose counts match the lines.
# Then, for demo.pcap and two corpus captures (IPv6, mid-stream start),
# each finding's frame, stream, time, status and server must be those tshark
# gives the packet carrying the status line (TCP reassembly off, so that
# tshark names that first packet).
# $1 is the resplint binary; reports come from the report test binary's
# driver mode beside it. Exit 77 (skipped) when python3 or the driver is
# missing; the tshark part is skipped without tshark.
set -u
bin=${1:?usage: test_report_json.sh RESPLINT}
driver="$(dirname "$bin")/tests/test_report"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
[ -x "$driver" ] || { echo "$driver not built: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/rl-report-json.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

mapfile -t inputs < <(find fixtures tests/http/transcripts -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.server.http' \) | LC_ALL=C sort)
: > "$tmp/list"
i=0
for f in "${inputs[@]}"; do
  "$driver" --report json "$f" > "$tmp/$i.jsonl"
  rc=$?
  if [ "$rc" -gt 1 ] && [ "$rc" -ne 3 ]; then
    echo "FAIL: $f: exit $rc"
    fail=1
  fi
  printf '%s\t%s\t%s\n' "$f" "$tmp/$i.jsonl" "$rc" >> "$tmp/list"
  i=$((i + 1))
done

python3 - "$tmp/list" <<'PY' || fail=1
import json, re, sys
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{6}|\d{9})Z$")
EP = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$")
LEVELS = ("error", "warning", "info")
bad, total = [], 0
for row in open(sys.argv[1]):
    path, out, rc = row.rstrip("\n").split("\t")
    transcript = path.endswith(".server.http")
    try:
        text = open(out, "rb").read().decode("utf-8")  # strict: raw non-UTF-8 fails
        objs = [json.loads(l) for l in text.splitlines()]
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        bad.append(f"{path}: {e}")
        continue
    if not objs or list(objs[-1]) != ["summary"]:
        bad.append(f"{path}: no summary last")
        continue
    s = objs[-1]["summary"]
    findings = objs[:-1]
    total += len(findings)
    def need(cond, what, o=None):
        if not cond:
            bad.append(f"{path}: {what}" + (f": {json.dumps(o)[:300]}" if o else ""))
    for k in ("packets", "flows", "responses", "findings", "responses_skipped"):
        need(k in s, f"summary lacks {k}")
    need(sorted(s["findings"]) == sorted(LEVELS), "summary findings per level", s["findings"])
    for lv in LEVELS:
        need(s["findings"][lv] == sum(f["level"] == lv for f in findings), f"count of {lv}")
    need(sum(s["rules"].values()) == len(findings), "per-rule counts")
    for why in s["responses_skipped"].values():
        need(isinstance(why["why"], str) and isinstance(why["responses"], int), "skip reason", why)
    need((rc == "3") == bool(s["unreadable"]), f"exit {rc} vs unreadable {s['unreadable']}")
    for f in findings:
        for k, t in (("rule", str), ("name", str), ("level", str), ("message", str),
                     ("file", str), ("frame", int), ("ts", str), ("evidence", str)):
            need(isinstance(f.get(k), t), f"key {k}", f)
        need(f["level"] in LEVELS, "level", f)
        need(f["file"] == path, "file", f)
        need(bool(TS.match(f["ts"])), "ts", f)
        need(re.match(r"^[A-Z]{2}\d{3}$", f["rule"]) is not None, "rule id", f)
        if "status" in f:
            need(isinstance(f["status"], int) and 0 <= f["status"] <= 999, "status", f)
        need(("method" in f) == ("target" in f), "method and target together", f)
        if "index" in f:
            need(isinstance(f["index"], int) and "stream" in f, "index", f)
        if transcript:
            need(f["frame"] == 0 and "client" not in f and isinstance(f.get("line"), int), "transcript location", f)
        elif "stream" in f:
            need(f["frame"] >= 1, "frame", f)
            need(bool(EP.match(f.get("client", ""))) and bool(EP.match(f.get("server", ""))), "endpoints", f)
for line in bad[:40]:
    print("FAIL:", line)
print(f"json checks: {sum(1 for _ in open(sys.argv[1]))} inputs, {total} findings, {len(bad)} problems")
sys.exit(1 if bad else 0)
PY

if command -v tshark >/dev/null; then
  for f in fixtures/demo/demo.pcap fixtures/streams/arkime-v6-http.pcap fixtures/streams/zeek-get_nosyn.pcap; do
    tshark -r "$f" -o tcp.desegment_tcp_streams:FALSE -Y http.response -T fields \
      -e frame.number -e tcp.stream -e frame.time_epoch -e http.response.code \
      -e ip.src -e ipv6.src -e tcp.srcport > "$tmp/tshark.tsv" 2>/dev/null
    "$driver" --report json "$f" > "$tmp/one.jsonl"
    python3 - "$f" "$tmp/tshark.tsv" "$tmp/one.jsonl" <<'PY' || fail=1
import datetime, json, sys
path, tsv, out = sys.argv[1:]
ws = {}
for row in open(tsv):
    frame, stream, epoch, code, ip4, ip6, port = row.rstrip("\n").split("\t")
    sec, _, frac = epoch.partition(".")
    ts = datetime.datetime.fromtimestamp(int(sec), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    server = f"{ip4}:{port}" if ip4 else f"[{ip6}]:{port}"
    ws[int(frame)] = (int(stream), ts, frac.rstrip("0"), int(code), server)
bad = 0
checked = 0
for line in open(out).read().splitlines()[:-1]:
    f = json.loads(line)
    if "index" not in f:
        continue  # a connection-level finding has no status line
    checked += 1
    want = ws.get(f["frame"])
    sec, frac = f["ts"][:-1].split(".")
    got = (f["stream"], sec, frac.rstrip("0"), f.get("status"), f["server"])
    if want != got:
        bad += 1
        print(f"FAIL: {path} frame {f['frame']}: resplint {got}, tshark {want}")
print(f"tshark: {path}: {checked} findings located, {bad} disagree")
sys.exit(1 if bad or not checked else 0)
PY
  done
else
  echo "tshark missing: frame/time cross-check skipped"
fi
exit $fail
