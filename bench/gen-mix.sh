#!/usr/bin/env bash
# Generates benchmark capture (c), the realistic mix, from the shared corpus
# (recipe: ../shared/corpus/MANIFEST.md section (d)): every Ethernet capture
# of the corpus that holds an HTTP/1.x status line, each shifted in time to
# start within 60 s of 2020-01-01, merged by timestamp; then that file plus
# 4 copies with pseudo-randomised addresses (tcprewrite --seed=1..4) shifted
# by 7.3 s steps, merged into the x5 file.
#
# Differences from the manifest's recipe, both for speed: captures are
# selected by a byte search for a status line ("HTTP/1.x NNN") instead of a
# tshark pass over each file, and captures whose timestamps span more than a
# day (the manifest's "jump by years") are left out by capinfos' first and
# last times.
#
# Usage: bench/gen-mix.sh [CORPUS_DIR] [OUT_DIR]
#   defaults: ../shared/corpus (next to the repository), bench/data
#   writes OUT_DIR/c-mix-x1.pcap and OUT_DIR/c-mix-x5.pcap
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(realpath "${1:-$here/../../shared/corpus}")
out=$(realpath -m "${2:-$here/data}")
mkdir -p "$out"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/norm"

# Malware captures stay out, as in the manifest.
find "$corpus" -path "$corpus/bench" -prune -o -type f \
  \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print |
  grep -Ev '/(emotet|trickbot|log4j-webapp-exploit|ek_to_cryptowall4|cryptowall4_c2|aurora)[^/]*$' |
  LC_ALL=C sort > "$work/all"
: > "$work/http"
while IFS= read -r f; do
  if LC_ALL=C grep -aqE 'HTTP/1\.[0-9] [0-9]{3}' "$f"; then printf '%s\n' "$f" >> "$work/http"; fi
done < "$work/all"
# capinfos: name, encapsulation, first and last packet times (epoch seconds).
{ tr '\n' '\0' < "$work/http" | xargs -0 capinfos -T -r -E -a -e -S 2>/dev/null || true; } |
  awk -F'\t' '$2 == "ether" && $3 != "n/a" && $4 - $3 <= 86400 { print $1 "\t" $3 }' > "$work/selected"
i=0
while IFS=$'\t' read -r f first; do
  off=$(awk -v i=$i -v s="$first" 'BEGIN { printf "%.6f", 1577836800 + (i % 600) * 0.1 - s }')
  if editcap -F pcap -t "$off" "$f" "$work/norm/$(printf %04d $i).pcap" 2>/dev/null; then
    i=$((i + 1))
  else
    rm -f "$work/norm/$(printf %04d $i).pcap"
  fi
done < "$work/selected"
echo "gen-mix.sh: $i captures selected of $(wc -l < "$work/all") in $corpus" >&2
mergecap -F pcap -w "$work/copy0.pcap" "$work"/norm/*.pcap
# Two packets of the corpus carry a bogus IP version behind a valid ethertype;
# tcprewrite refuses them, so they are dropped here as in the manifest.
tshark -r "$work/copy0.pcap" -Y '!(eth.type==0x0800 && ip.version!=4) && !(eth.type==0x86dd && ipv6.version!=6)' \
  -F pcap -w "$out/c-mix-x1.pcap"
for k in 1 2 3 4; do
  tcprewrite --seed=$k --infile="$out/c-mix-x1.pcap" --outfile="$work/rw$k.pcap"
  editcap -t "$(awk -v k=$k 'BEGIN { printf "%.1f", k * 7.3 }')" "$work/rw$k.pcap" "$work/copy$k.pcap"
done
mergecap -F pcap -w "$out/c-mix-x5.pcap" "$out/c-mix-x1.pcap" "$work"/copy[1-4].pcap
capinfos -c -s "$out/c-mix-x1.pcap" "$out/c-mix-x5.pcap" >&2
