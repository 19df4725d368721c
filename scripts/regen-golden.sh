#!/bin/sh
# Regenerates the golden report outputs in fixtures/golden/ from the inputs
# listed in fixtures/golden/inputs.txt, one file per format:
#   expected.txt (text), expected.jsonl (json), expected.sarif, expected.xml (junit)
# with TZ=UTC and the repository root as working directory, so the paths in
# the reports are the relative ones of inputs.txt.
#
#   scripts/regen-golden.sh [BUILD_DIR]     (default: build)
#
# It uses the report test binary's driver mode (tests/report/lint.c), the
# same pipeline as the resplint command. Review the diff before committing:
# a change in these files is a change users see.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
cd "$root"
case $build in /*) ;; *) build="$root/$build" ;; esac
cmake --build "$build" --target test_report >/dev/null
driver="$build/tests/test_report"
inputs=$(grep -v '^#' fixtures/golden/inputs.txt)
gen() { # FORMAT FILE
  # Exit 1 means findings, which is expected; anything else is a failure.
  # shellcheck disable=SC2086
  TZ=UTC "$driver" --report "$1" $inputs > "fixtures/golden/$2" || [ $? -eq 1 ]
}
gen text expected.txt
gen json expected.jsonl
gen sarif expected.sarif
gen junit expected.xml
echo "regenerated fixtures/golden/expected.{txt,jsonl,sarif,xml}"
