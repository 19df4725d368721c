#!/usr/bin/env bash
# Runs the resplint binary ($1) on every adversarial capture of issue #8
# (tests/adversarial/gen.py) with its default caps, and checks that it
#  - ends by itself with the documented exit code: 0 or 1 (findings) for a
#    readable capture, 3 for the capture cut inside its last record;
#  - never dies of a signal and prints no sanitizer report;
#  - stays under the case's peak-RSS budget (doubled plus 512 MiB when the
#    binary is built with AddressSanitizer, whose quarantine and shadow
#    memory are not resplint's).
# The library-level assertions (which notes, which counters, which cases
# are skipped) are in tests/adversarial/adversarial.c.
# Exit 77 (skipped) when python3 or GNU time is missing.
set -u
bin=${1:?usage: test_adversarial.sh RESPLINT}
here=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/rl-adversarial-sh.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

asan=0
if grep -qa "__asan_init" "$bin"; then asan=1; fi

# case, budget in MiB (ordinary build), expected exit codes
cases="
syn_flood         400 0|1
open_100k         450 0|1
header_line_10mb   64 0|1
fields_100k        64 0|1
endless_headers    64 0|1
cut_heads          64 0|1
many_heads         64 0|1
pipeline_1m        64 0|1
big_requests       24 0|1
chunk_size_ffff    64 0|1
chunk_line_1mb     64 0|1
chunk_ext_endless  64 0|1
retrans_overlap    64 0|1
ooo_hole           64 0|1
frag_overlap       64 0|1
snaplen_64         64 0|1
zero_length        64 0|1
absurd_snaplen     64 0|1
truncated_record   64 3
"
fail=0
while read -r name budget codes; do
  [ -n "$name" ] || continue
  if ! python3 "$here/tests/adversarial/gen.py" "$tmp" "$name"; then
    echo "FAIL $name: gen.py failed"; fail=1; continue
  fi
  [ $asan = 1 ] && budget=$((budget * 2 + 512))
  /usr/bin/time -f "%M" -o "$tmp/rss" timeout 600 "$bin" "$tmp/$name.pcap" \
    >"$tmp/out" 2>"$tmp/err"
  rc=$?
  rss_mib=$(( $(tail -1 "$tmp/rss" | tr -dc 0-9) / 1024 ))
  verdict=ok
  if [ $rc -ge 124 ]; then
    verdict="died or timed out (exit $rc)"
  elif ! [[ "|$codes|" == *"|$rc|"* ]]; then
    verdict="exit $rc, expected $codes"
  elif grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$tmp/err"; then
    verdict="sanitizer report"
  elif [ "$rss_mib" -gt "$budget" ]; then
    verdict="peak RSS $rss_mib MiB over the $budget MiB budget"
  fi
  if [ "$verdict" = ok ]; then
    echo "ok   $name: exit $rc, peak $rss_mib MiB (budget $budget)"
  else
    echo "FAIL $name: $verdict"; sed 's/^/     /' "$tmp/err" | head -20; fail=1
  fi
  rm -f "$tmp/$name.pcap"
done <<<"$cases"
exit $fail
