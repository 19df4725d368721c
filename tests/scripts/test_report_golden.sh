#!/usr/bin/env bash
# Golden tests of the report formats: the inputs of fixtures/golden/inputs.txt
# reported as text, json, sarif and junit must match fixtures/golden/expected.*
# byte for byte (regenerate with scripts/regen-golden.sh after a deliberate
# change). Run under a time zone far from UTC, twice, to show that the output
# depends neither on TZ nor on the run.
# $1 is the resplint binary; the reports come from the report test binary's
# driver mode beside it (tests/report/lint.c), the library pipeline the
# command uses. Exit 77 (skipped) when that binary was not built.
set -u
bin=${1:?usage: test_report_golden.sh RESPLINT}
driver="$(dirname "$bin")/tests/test_report"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
[ -x "$driver" ] || { echo "$driver not built: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/rl-report-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
inputs=$(grep -v '^#' fixtures/golden/inputs.txt)
fail=0
for pair in text:expected.txt json:expected.jsonl sarif:expected.sarif junit:expected.xml; do
  fmt=${pair%%:*}
  want=fixtures/golden/${pair#*:}
  for run in 1 2; do
    # shellcheck disable=SC2086
    TZ=Pacific/Chatham "$driver" --report "$fmt" $inputs > "$tmp/$fmt.$run"
    rc=$?
    if [ "$rc" -ne 1 ]; then
      echo "FAIL $fmt: exit $rc, expected 1 (the inputs hold errors)"
      fail=1
    fi
  done
  if ! cmp -s "$tmp/$fmt.1" "$tmp/$fmt.2"; then
    echo "FAIL $fmt: two runs differ"
    fail=1
  fi
  if cmp -s "$want" "$tmp/$fmt.1"; then
    echo "ok   $fmt matches $want"
  else
    echo "FAIL $fmt differs from $want (scripts/regen-golden.sh regenerates it):"
    diff -u "$want" "$tmp/$fmt.1" | head -40
    fail=1
  fi
done
exit $fail
