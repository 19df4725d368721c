#!/bin/sh
# Corpus sweeps, run by `make corpus` (never by `make check`: they need
# ../shared/corpus and tshark, and take minutes, not seconds).
#
# Usage: tests/corpus/run.sh PATH/TO/resplint CORPUS_DIR
# Each tests/corpus/*.py sweep is run as `SWEEP BUILD_DIR CORPUS_DIR`
# (BUILD_DIR is the directory holding the resplint binary and the static
# libraries). A sweep exits 0 (pass), 77 (skipped) or anything else (fail).
set -u
bin=$1
corpus=$2
build=$(dirname "$bin")
here=$(dirname "$0")
status=0
for sweep in "$here"/*.py; do
  [ -e "$sweep" ] || continue
  echo "== $(basename "$sweep")"
  python3 "$sweep" "$build" "$corpus"
  rc=$?
  if [ "$rc" -eq 77 ]; then
    echo "   skipped"
  elif [ "$rc" -ne 0 ]; then
    echo "   FAILED ($rc)"
    status=1
  fi
done
# The two memos, verified on every hit, against no memo, over the corpus.
echo "== test_memos_verified.sh"
log=$(mktemp)
if bash "$here/../scripts/test_memos_verified.sh" "$bin" "$corpus" > "$log" 2>&1; then
  tail -1 "$log"
else
  tail -20 "$log"
  echo "   FAILED"
  status=1
fi
rm -f "$log"
exit $status
