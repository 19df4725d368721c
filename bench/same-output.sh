#!/usr/bin/env bash
# Checks that an optimisation changed nothing a user sees: runs two resplint
# binaries (before and after) over the same captures with JSON output and
# compares the outputs byte for byte.
# Usage: bench/same-output.sh OLD_RESPLINT NEW_RESPLINT FILE|DIR...
# Exit 0 when every output is identical, 1 otherwise (the first diff shown).
set -uo pipefail
old=$1 new=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0 bad=0
while IFS= read -r f; do
  n=$((n + 1))
  "$old" --format json "$f" > "$tmp/old" 2>&1
  "$new" --format json "$f" > "$tmp/new" 2>&1
  if ! cmp -s "$tmp/old" "$tmp/new"; then
    bad=$((bad + 1))
    if [ $bad -eq 1 ]; then echo "differs: $f"; diff "$tmp/old" "$tmp/new" | head -20; fi
  fi
done < <(for a in "$@"; do
  if [ -d "$a" ]; then find "$a" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \); else echo "$a"; fi
done | LC_ALL=C sort)
echo "same-output: $n inputs, $bad differ"
[ $bad -eq 0 ]
