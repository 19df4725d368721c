#!/usr/bin/env bash
# SARIF output validated against the official SARIF 2.1.0 schema
# (tests/schemas/sarif-schema-2.1.0.json, JSON Schema draft-04) with Ajv
# from the npm registry (tests/sarif/setup.sh installs it), on:
#  - every capture and transcript under fixtures/ and tests/http/transcripts
#    in one run, checked further with python: the catalogue is the whole of
#    rules/, each result's ruleIndex names its ruleId, one result per JSON
#    Lines finding, transcript results carry a line region;
#  - a run with a level override and an ignored rule: both listed in
#    invocations[0].ruleConfigurationOverrides;
#  - a run with unreadable inputs: executionSuccessful false and one
#    toolExecutionNotification per input;
#  - a deliberately broken copy, which the validator must reject (so the
#    check can fail).
# $1 is the resplint binary; reports come from the report test binary's
# driver mode beside it. Exit 77 (skipped) when node, python3, the driver or
# tests/sarif/node_modules is missing.
set -u
bin=${1:?usage: test_report_sarif.sh RESPLINT}
driver="$(dirname "$bin")/tests/test_report"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
[ -x "$driver" ] || { echo "$driver not built: skipped"; exit 77; }
command -v node >/dev/null || { echo "node missing: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
[ -d tests/sarif/node_modules/ajv-draft-04 ] ||
  { echo "tests/sarif/node_modules missing (run tests/sarif/setup.sh): skipped"; exit 77; }
tmp=$(mktemp -d /tmp/rl-report-sarif.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
schema=tests/schemas/sarif-schema-2.1.0.json
fail=0

mapfile -t inputs < <(find fixtures tests/http/transcripts -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.server.http' \) | LC_ALL=C sort)
echo "${#inputs[@]} inputs"
"$driver" --report sarif "${inputs[@]}" > "$tmp/all.sarif"
rc=$?
# 3: a corpus capture is cut inside its last record (its notification is
# checked below against the JSON summary).
[ "$rc" -le 1 ] || [ "$rc" -eq 3 ] || { echo "FAIL: exit $rc on the fixtures"; fail=1; }
"$driver" --report json "${inputs[@]}" > "$tmp/all.jsonl"
"$driver" --report sarif fixtures/demo/demo.pcap "$tmp/missing.pcap" fixtures/README.md \
  > "$tmp/unreadable.sarif"
rc=$?
[ "$rc" -eq 3 ] || { echo "FAIL: exit $rc with unreadable inputs, expected 3"; fail=1; }

"$driver" --report sarif --level FV008=warning --ignore SL005 fixtures/demo/demo.pcap \
  > "$tmp/overrides.sarif"

node tests/sarif/validate.js "$schema" "$tmp/all.sarif" "$tmp/unreadable.sarif" \
  "$tmp/overrides.sarif" ||
  { echo "FAIL: schema validation"; fail=1; }

python3 - "$tmp" <<'PY' || fail=1
import glob, json, sys
tmp = sys.argv[1]
bad = []
run = json.load(open(f"{tmp}/all.sarif"))["runs"][0]
rules = run["tool"]["driver"]["rules"]
records = {p.rsplit("/", 1)[1].split("-", 1)[0] for p in glob.glob("rules/**/*.yaml", recursive=True)}
if {r["id"] for r in rules} != records:
    bad.append(f"tool.driver.rules has {len(rules)} rules, rules/ has {len(records)} records")
for r in rules:
    if not r.get("helpUri", "").startswith("https://"):
        bad.append(f"{r['id']}: no helpUri")
    if r["defaultConfiguration"]["level"] not in ("error", "warning", "note"):
        bad.append(f"{r['id']}: level")
findings = [json.loads(l) for l in open(f"{tmp}/all.jsonl")][:-1]
results = run["results"]
if len(results) != len(findings):
    bad.append(f"{len(results)} results, {len(findings)} JSON Lines findings")
for res, f in zip(results, findings):
    if rules[res["ruleIndex"]]["id"] != res["ruleId"] or res["ruleId"] != f["rule"]:
        bad.append(f"ruleIndex {res['ruleIndex']} is not {res['ruleId']}")
    loc = res["locations"][0]
    if loc["physicalLocation"]["artifactLocation"]["uri"] != f["file"]:
        bad.append(f"uri {loc['physicalLocation']['artifactLocation']['uri']} for {f['file']}")
    if f["file"].endswith(".server.http") and loc["physicalLocation"].get("region", {}).get("startLine") != f.get("line"):
        bad.append(f"{f['file']}: region {loc['physicalLocation'].get('region')} for line {f.get('line')}")
    p = res["properties"]
    for k in ("frame", "stream", "status", "method", "target", "client", "server"):
        if p.get(k) != f.get(k):
            bad.append(f"{f['file']} frame {f['frame']}: property {k} {p.get(k)!r} != {f.get(k)!r}")
inv = run["invocations"][0]
summary = json.loads(open(f"{tmp}/all.jsonl").read().splitlines()[-1])["summary"]
cut = [e["file"] for e in summary["unreadable"]]
notified = [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for n in inv.get("toolExecutionNotifications", [])]
if notified != cut or inv["executionSuccessful"] != (not cut):
    bad.append(f"fixtures run: {inv} but unreadable {cut}")
inv = json.load(open(f"{tmp}/unreadable.sarif"))["runs"][0]["invocations"][0]
notes = inv.get("toolExecutionNotifications", [])
if inv["executionSuccessful"] is not False or len(notes) != 2:
    bad.append(f"unreadable run: {inv}")
# A level override and an ignored rule are the run's departures from the
# rules' defaultConfiguration; results carry the level in force.
run = json.load(open(f"{tmp}/overrides.sarif"))["runs"][0]
rules = run["tool"]["driver"]["rules"]
over = {rules[o["descriptor"]["index"]]["id"]: o["configuration"]
        for o in run["invocations"][0].get("ruleConfigurationOverrides", [])}
if over != {"FV008": {"enabled": True, "level": "warning"},
            "SL005": {"enabled": False, "level": "note"}}:
    bad.append(f"overrides: {over}")
levels = {r["level"] for r in run["results"] if r["ruleId"] == "FV008"}
if levels != {"warning"} or any(r["ruleId"] == "SL005" for r in run["results"]):
    bad.append(f"override results: FV008 at {levels}")
for line in bad[:30]:
    print("FAIL:", line)
print(f"python checks: {len(results)} results, {len(rules)} rules, {len(bad)} problems")
sys.exit(1 if bad else 0)
PY

# The validator must reject a result with a level SARIF does not define.
python3 - "$tmp/all.sarif" "$tmp/broken.sarif" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["runs"][0]["results"][0]["level"] = "fatal"
json.dump(doc, open(sys.argv[2], "w"))
PY
if node tests/sarif/validate.js "$schema" "$tmp/broken.sarif" >/dev/null 2>&1; then
  echo "FAIL: the validator accepted a broken document"
  fail=1
else
  echo "ok   the validator rejects a broken document"
fi
exit $fail
