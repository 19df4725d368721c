#!/usr/bin/env bash
# The benchmark runner: measures, in one run and on the same file, each tool
# RUNS times and reports the medians, side by side:
#   floor, floor-llhttp (bench/), tcpdump -w /dev/null, tshark's per-response
#   mode, httpry, tcpflow (demultiplexing only), resplint (the command, full
#   catalogue, JSON to /dev/null once --format exists, else -q), and
#   rl-pipeline (the library pipeline with every rule, findings counted).
# Before every sample the file is read once, so that every tool starts
# with it in the page cache and a busy CPU. For each: user+sys CPU seconds,
# packets/s, MB/s, responses/s (all per CPU second), peak RSS; then the
# ratios resplint/floor, resplint/floor-llhttp and tshark/resplint. CPU
# time, not wall time, because the machine is shared: a neighbour steals
# wall time, not our CPU seconds.
#
# Usage: bench/run.sh FILE...
#   RUNS=N     runs per command (default 3), interleaved across the tools
#   PEER_RUNS=N  runs of tcpdump, tshark, httpry and tcpflow (default RUNS)
#   SKIP="tshark tcpflow"   tools to leave out (slow peers on big files)
#   BUILD=DIR  build directory (default build-bench; bench/build.sh makes it)
# Writes a Markdown table per file on standard output and the raw samples
# to bench/data/results/NAME.tsv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
B=$(realpath "${BUILD:-$root/build-bench}")
BB=$B/bench
RUNS=${RUNS:-3}
PEER_RUNS=${PEER_RUNS:-$RUNS}
SKIP=" ${SKIP:-} "
for f in rusage floor floor-llhttp rl-pipeline; do
  [ -x "$BB/$f" ] || { echo "run.sh: $BB/$f missing: run bench/build.sh" >&2; exit 2; }
done
mkdir -p "$here/data/results"

# (grep reads the whole help: with -q it would stop early and the pipe,
# under pipefail, would report resplint's SIGPIPE as "no --format".)
if "$B/resplint" --help 2>&1 | grep -c -- '--format' > /dev/null; then
  RESPLINT_MODE="json"
else
  RESPLINT_MODE="quiet"
fi

# One sample: "cpu user sys rss_kib wall status". Output of the tool goes to
# /dev/null; exit statuses 0 and 1 (resplint: findings) are both success.
sample() {
  local log; log=$(mktemp)
  "$BB/rusage" "$@" > /dev/null 2> "$log" || true
  local line; line=$(grep '^rusage: ' "$log" | tail -1)
  rm -f "$log"
  awk -v l="$line" 'BEGIN {
    n = split(l, a, /[ =]/); for (i = 2; i < n; i += 2) v[a[i]] = a[i + 1]
    printf "%.6f %.6f %.6f %d %.6f %d\n", v["user"] + v["sys"], v["user"], v["sys"], v["maxrss_kib"], v["wall"], v["status"] }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

tools() {
  local f=$1 tf=$2
  echo "floor|$BB/floor $f"
  echo "floor-llhttp|$BB/floor-llhttp $f"
  echo "tcpdump|tcpdump -n -r $f -w /dev/null"
  echo "tshark|tshark -n -r $f -o tcp.reassemble_out_of_order:TRUE -o tcp.calculate_timestamps:FALSE -o tcp.track_bytes_in_flight:FALSE -o http.decompress_body:FALSE -Y http.response -T fields -e frame.number -e http.response.code"
  echo "httpry|httpry -q -r $f -o /dev/null tcp"
  echo "tcpflow|tcpflow -r $f -o $tf"
  if [ "$RESPLINT_MODE" = json ]; then
    echo "resplint|$B/resplint --format json -o /dev/null $f"
  else
    echo "resplint|$B/resplint -q $f"
  fi
  echo "rl-pipeline|$BB/rl-pipeline $f"
}

bench_file() {
  local f; f=$(realpath "$1")
  local name; name=$(basename "$f" .pcap)
  local tsv=$here/data/results/$name.tsv
  local bytes; bytes=$(stat -c %s "$f")
  local counts; counts=$("$BB/rl-pipeline" "$f")
  local packets responses findings
  packets=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' <<< "$counts")
  responses=$(sed -n 's/.*responses=\([0-9]*\).*/\1/p' <<< "$counts")
  findings=$(sed -n 's/.*findings=\([0-9]*\).*/\1/p' <<< "$counts")
  echo "### $name"
  echo
  echo "\`$f\`: $bytes bytes, $packets packets, $responses responses (resplint's count), $findings findings; $RUNS runs each (peers $PEER_RUNS), interleaved, medians; resplint mode: $RESPLINT_MODE."
  echo "Load when starting: $(cut -d' ' -f1-3 /proc/loadavg); busiest other processes: $(ps -eo pcpu=,comm= --sort=-pcpu | head -4 | awk '{ printf "%s %s%%; ", $2, $1 }')"
  echo
  echo "| tool | CPU s (user+sys) | user s | sys s | packets/s | MB/s | responses/s | peak RSS MiB | wall s |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf 'tool\trun\tcpu\tuser\tsys\trss_kib\twall\tstatus\n' > "$tsv"
  declare -gA CPU=()
  declare -A SAMPLES=()
  local line tool cmd order=() r
  while IFS= read -r line; do
    tool=${line%%|*}
    case "$SKIP" in *" $tool "*) continue ;; esac
    order+=("$line")
  done < <(tools "$f" "")
  # Runs are interleaved (every tool once, then every tool again), so a
  # change in the machine's load or clock during the run moves every row
  # alike; the peers (tens of seconds a run on big files) may run fewer times.
  for r in $(seq 1 "$RUNS"); do
    for line in "${order[@]}"; do
      tool=${line%%|*}; cmd=${line#*|}
      case " tcpdump tshark httpry tcpflow " in
        *" $tool "*) [ "$r" -le "$PEER_RUNS" ] || continue ;;
      esac
      local tf=""
      if [ "$tool" = tcpflow ]; then tf=$(mktemp -d "$here/data/tcpflow.XXXXXX"); cmd=${cmd% -o *}" -o $tf"; fi
      # Every sample starts alike: the file in the page cache (the VM's
      # memory manager evicts idle file pages within seconds) and the CPU
      # busy (after tcpflow's one-second pause the next sample ran 5 %
      # slower). Measured for resplint on (c) x5, 13 interleaved runs:
      # 0.120 s after a pause, 0.112 s after reading the file.
      cat "$f" > /dev/null
      # shellcheck disable=SC2086
      local s; s=$(sample $cmd)
      if [ -n "$tf" ]; then
        # Deleting tcpflow's thousands of files leaves the kernel work
        # (journal, dentries) that would land in the next tool's system
        # time: let it finish before the next sample.
        rm -rf "$tf"
        sync
        sleep 1
      fi
      SAMPLES[$tool]+="$s"$'\n'
      printf '%s\t%s\t%s\n' "$tool" "$r" "$(tr ' ' '\t' <<< "$s")" >> "$tsv"
    done
  done
  for line in "${order[@]}"; do
    tool=${line%%|*}
    local samples=${SAMPLES[$tool]}
    local cpu user sys rss wall status
    cpu=$(awk 'NF { print $1 }' <<< "$samples" | median)
    user=$(awk 'NF { print $2 }' <<< "$samples" | median)
    sys=$(awk 'NF { print $3 }' <<< "$samples" | median)
    rss=$(awk 'NF { print $4 }' <<< "$samples" | median)
    wall=$(awk 'NF { print $5 }' <<< "$samples" | median)
    status=$(awk 'NF { print $6 }' <<< "$samples" | sort -u | tr '\n' ' ')
    CPU[$tool]=$cpu
    awk -v t="$tool" -v c="$cpu" -v u="$user" -v s="$sys" -v r="$rss" -v w="$wall" -v p="$packets" \
        -v b="$bytes" -v n="$responses" -v st="$status" 'BEGIN {
      c0 = (c > 0 ? c : 1e-9)
      note = (st ~ /^(0|1) *$/ || st ~ /^0 1 *$/) ? "" : " (exit " st ")"
      printf "| %s%s | %.3f | %.3f | %.3f | %.0f | %.1f | %.0f | %.1f | %.2f |\n",
        t, note, c, u, s, p / c0, b / 1e6 / c0, n / c0, r / 1024, w }'
  done
  echo
  ratio() { awk -v a="${CPU[$1]:-}" -v b="${CPU[$2]:-}" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
  echo "Ratios of CPU time: resplint/floor = $(ratio resplint floor), resplint/floor-llhttp = $(ratio resplint floor-llhttp), tshark/resplint = $(ratio tshark resplint); rl-pipeline/floor-llhttp = $(ratio rl-pipeline floor-llhttp)."
  if [ "$responses" -gt 0 ]; then
    awk -v r="$(awk '$1 == "resplint" { print $6 }' "$tsv" | median)" -v n="$responses" \
      'BEGIN { printf "resplint peak RSS per response: %.0f bytes.\n", r * 1024 / n }'
  fi
  echo
}

for f in "$@"; do bench_file "$f"; done
