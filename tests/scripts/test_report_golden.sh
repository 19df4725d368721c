#!/usr/bin/env bash
# Golden tests of the report formats: the inputs of fixtures/golden/inputs.txt
# reported as text, json, sarif and junit must match fixtures/golden/expected.*
# byte for byte (regenerate with scripts/regen-golden.sh after a deliberate
# change). Run under a time zone far from UTC, twice, to show that the output
# depends neither on TZ nor on the run.
# $1 is the resplint binary; the reports come from the report test binary's
# driver mode beside it (tests/report/lint.c), the library pipeline the
# command uses, and from the command itself (--no-config --fail-on error). Exit 77 (skipped) when that binary was not built.
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
cli=0
if "$bin" --help 2>/dev/null | grep -q -- '--format FORMAT'; then
  cli=1
else
  echo "resplint has no --format yet: the command's output is not compared"
fi
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
  # The command must print the same report as the library pipeline (once it
  # has --format): it is what users run.
  if [ "$cli" = 1 ]; then
    # shellcheck disable=SC2086
    TZ=Pacific/Chatham "$bin" --no-config --color never --fail-on error --format "$fmt" \
      $inputs > "$tmp/$fmt.cli"
    rc=$?
    if [ "$rc" -ne 1 ]; then
      echo "FAIL $fmt: resplint exit $rc, expected 1"
      fail=1
    elif ! cmp -s "$want" "$tmp/$fmt.cli"; then
      echo "FAIL $fmt: resplint --format $fmt differs from $want:"
      diff -u "$want" "$tmp/$fmt.cli" | head -40
      fail=1
    else
      echo "ok   resplint --format $fmt matches $want"
    fi
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
