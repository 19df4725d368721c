#!/usr/bin/env bash
# Checks that an optimisation changed nothing a user sees: runs two resplint
# binaries (before and after) over the same captures with JSON output and
# compares the outputs (standard output, standard error, exit code) byte for
# byte.
# Usage: bench/same-output.sh OLD_RESPLINT NEW_RESPLINT FILE|DIR...
# Exit 0 when every output is identical, 1 otherwise (the first diff shown).
set -uo pipefail
old=$1 new=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0 bad=0
while IFS= read -r f; do
  n=$((n + 1))
  # Standard output and error apart: a report written to a file or a pipe
  # is batched, so where a warning falls between the two is not output.
  "$old" --format json "$f" > "$tmp/old" 2> "$tmp/old.err"; echo "exit $?" >> "$tmp/old.err"
  "$new" --format json "$f" > "$tmp/new" 2> "$tmp/new.err"; echo "exit $?" >> "$tmp/new.err"
  if ! cmp -s "$tmp/old" "$tmp/new" || ! cmp -s "$tmp/old.err" "$tmp/new.err"; then
    bad=$((bad + 1))
    if [ $bad -eq 1 ]; then
      echo "differs: $f"
      diff "$tmp/old" "$tmp/new" | head -20
      diff "$tmp/old.err" "$tmp/new.err" | head -10
    fi
  fi
done < <(for a in "$@"; do
  if [ -d "$a" ]; then find "$a" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \); else echo "$a"; fi
done | LC_ALL=C sort)
echo "same-output: $n inputs, $bad differ"
[ $bad -eq 0 ]
