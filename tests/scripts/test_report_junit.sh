#!/usr/bin/env bash
# JUnit XML validated with xmllint against tests/schemas/junit-10.xsd:
#  - every capture and transcript under fixtures/ and tests/http/transcripts
#    with --fail-on info (every finding a failure) and with --fail-on never
#    (none), checked further with python: one test case per response of the
#    JSON Lines summary, failures only at or above the threshold;
#  - a run with unreadable inputs: a suite per input, an <error> each;
#  - a copy without the required "tests" attribute, which xmllint must
#    reject (so the check can fail).
# $1 is the resplint binary; reports come from the report test binary's
# driver mode beside it. Exit 77 (skipped) when xmllint, python3 or the
# driver is missing.
set -u
bin=${1:?usage: test_report_junit.sh RESPLINT}
driver="$(dirname "$bin")/tests/test_report"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
[ -x "$driver" ] || { echo "$driver not built: skipped"; exit 77; }
command -v xmllint >/dev/null || { echo "xmllint missing: skipped"; exit 77; }
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/rl-report-junit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
xsd=tests/schemas/junit-10.xsd
fail=0

mapfile -t inputs < <(find fixtures tests/http/transcripts -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.server.http' \) | LC_ALL=C sort)
"$driver" --report junit --fail-on info "${inputs[@]}" > "$tmp/info.xml"
"$driver" --report junit --fail-on never "${inputs[@]}" > "$tmp/never.xml"
"$driver" --report json "${inputs[@]}" > "$tmp/all.jsonl"
"$driver" --report junit fixtures/demo/demo.pcap "$tmp/missing.pcap" fixtures/README.md \
  > "$tmp/unreadable.xml"
rc=$?
[ "$rc" -eq 3 ] || { echo "FAIL: exit $rc with unreadable inputs, expected 3"; fail=1; }

for f in info never unreadable; do
  xmllint --noout --schema "$xsd" "$tmp/$f.xml" || { echo "FAIL: $f.xml"; fail=1; }
done

python3 - "$tmp" <<'PY' || fail=1
import json, sys
import xml.etree.ElementTree as ET
tmp = sys.argv[1]
bad = []
lines = open(f"{tmp}/all.jsonl").read().splitlines()
summary = json.loads(lines[-1])["summary"]
findings = [json.loads(l) for l in lines[:-1]]
for name, fails in (("info", len(findings)), ("never", 0)):
    root = ET.parse(f"{tmp}/{name}.xml").getroot()
    suites = root.findall("testsuite")
    cases = [c for s in suites for c in s.findall("testcase")]
    responses = [c for c in cases if " response " in c.get("name")]
    if len(responses) != summary["responses"]:
        bad.append(f"{name}: {len(responses)} response test cases, {summary['responses']} responses")
    failures = sum(len(c.findall("failure")) for c in cases)
    if failures != fails:
        bad.append(f"{name}: {failures} failures, expected {fails}")
    for s in suites:
        n = len(s.findall("testcase"))
        f = sum(1 for c in s.findall("testcase") if c.find("failure") is not None)
        if int(s.get("tests")) != n or int(s.get("failures")) != f:
            bad.append(f"{name}: suite {s.get('name')} says tests={s.get('tests')} failures={s.get('failures')}, holds {n}/{f}")
root = ET.parse(f"{tmp}/unreadable.xml").getroot()
errors = [s.get("name") for s in root.findall("testsuite") if s.find("testcase/error") is not None]
if len(root.findall("testsuite")) != 3 or len(errors) != 2:
    bad.append(f"unreadable run: suites with errors {errors}")
for line in bad:
    print("FAIL:", line)
print(f"python checks: {len(findings)} findings, {summary['responses']} responses, {len(bad)} problems")
sys.exit(1 if bad else 0)
PY

sed '0,/ tests="[0-9]*"/s///' "$tmp/info.xml" > "$tmp/broken.xml"
if xmllint --noout --schema "$xsd" "$tmp/broken.xml" >/dev/null 2>&1; then
  echo "FAIL: xmllint accepted a suite without its tests attribute"
  fail=1
else
  echo "ok   xmllint rejects a broken document"
fi
exit $fail
