#!/usr/bin/env bash
# Live capture under load (issue #6 acceptance): wrk drives nginx over a veth
# pair between two network namespaces (1500-byte MTU, offloads off, so the
# capture sees wire-sized packets as on a real tap) for SECONDS, while
# resplint sniffs the client's end. One row per case: the request rate wrk
# reached, resplint's CPU time and its share of one core over the load, the
# kernel's drops, and the responses resplint linted next to the requests wrk
# completed. A case named none* runs wrk alone, for the rate alone; default
# is resplint's defaults (kernel blocks, 32 MiB buffer); B2048 is libpcap's
# own 2 MiB buffer; immediate is --immediate-mode.
#
# Not part of make check (it takes minutes and its numbers depend on the
# machine); the figures go into bench/README.md, "Live capture".
# Needs root, nginx, wrk, curl, ethtool, GNU time.
# KEEP=DIR keeps each case's report, standard error and wrk output there.
# Usage: [CASES="NAME..."] [KEEP=DIR] bench-live.sh PATH/TO/resplint [SECONDS] [CONNECTIONS]
set -u
resplint=$(realpath "${1:?usage: $0 PATH/TO/resplint [SECONDS] [CONNECTIONS]}")
secs=${2:-10}
conns=${3:-16}
[ "$(id -u)" -eq 0 ] || { echo "bench-live.sh needs root" >&2; exit 2; }

tag=rb$$
srv=${tag}s
cli=${tag}c
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-bench-live.XXXXXX")
chmod 755 "$tmp"
rl_pid=
cleanup() {
  [ -n "$rl_pid" ] && kill -KILL "$rl_pid" 2>/dev/null
  [ -f "$tmp/nginx.pid" ] && kill -TERM "$(cat "$tmp/nginx.pid")" 2>/dev/null
  sleep 0.3
  ip netns del "$srv" 2>/dev/null
  ip netns del "$cli" 2>/dev/null
  [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$tmp"/*.json "$tmp"/*.err "$tmp"/*.wrk "$KEEP"/ 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$srv" && ip netns add "$cli" || exit 1
ip link add "v$tag" type veth peer name "w$tag" || exit 1
ip link set "v$tag" netns "$srv" && ip link set "w$tag" netns "$cli" || exit 1
ip -n "$srv" addr add 10.215.0.1/30 dev "v$tag"
ip -n "$cli" addr add 10.215.0.2/30 dev "w$tag"
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set "v$tag" mtu 1500 up
ip -n "$cli" link set "w$tag" mtu 1500 up
ip netns exec "$srv" ethtool -K "v$tag" tso off gso off gro off >/dev/null 2>&1
ip netns exec "$cli" ethtool -K "w$tag" tso off gso off gro off >/dev/null 2>&1

mkdir -p "$tmp/www/static"
head -c 512 /dev/urandom >"$tmp/www/static/512.bin"
head -c 65536 /dev/urandom >"$tmp/www/static/65536.bin"
chmod -R a+rX "$tmp/www"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1; pid $tmp/nginx.pid; error_log $tmp/error.log;
events { worker_connections 1024; }
http {
  access_log off; sendfile on; keepalive_requests 1000000;
  client_body_temp_path $tmp/cb; proxy_temp_path $tmp/pt; fastcgi_temp_path $tmp/ft;
  uwsgi_temp_path $tmp/ut; scgi_temp_path $tmp/st;
  types { application/octet-stream bin; }
  server { listen 10.215.0.1:8080 backlog=1024; root $tmp/www; }
}
CONF
ip netns exec "$srv" nginx -c "$tmp/nginx.conf" -e "$tmp/error.log" || exit 1
sleep 0.5

url=http://10.215.0.1:8080
printf '# %s, %s s of wrk -t1 -c%s, load average before: %s\n' "$(date -u +%FT%TZ)" "$secs" \
  "$conns" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %9s %9s %7s %10s %10s\n' case "req/s" "cpu s" "cpu %" drops linted "wrk reqs"

# run_case NAME PATH [resplint options...]; a NAME that starts with "none"
# runs wrk alone.
run_case() {
  local name=$1 path=$2
  shift 2
  case " ${CASES:-$name} " in *" $name "*) ;; *) return ;; esac # CASES="a b": only those
  local err=$tmp/$name.err out=$tmp/$name.json cpu="-" share="-" drops="-" linted="-"
  if [ "${name#none}" = "$name" ]; then
    ip netns exec "$cli" /usr/bin/time -o "$tmp/$name.time" -f "%U %S %e" \
      "$resplint" -i "w$tag" --duration $((secs + 3)) --format json -o "$out" "$@" \
      tcp port 8080 2>"$err" &
    rl_pid=$!
    for i in $(seq 1 100); do grep -qs "capturing on" "$err" && break; sleep 0.1; done
  fi
  ip netns exec "$cli" wrk -t1 -c"$conns" -d"${secs}s" "$url$path" >"$tmp/$name.wrk" 2>&1
  local rate reqs
  rate=$(awk '/^Requests\/sec/ {print $2}' "$tmp/$name.wrk")
  reqs=$(awk '/requests in/ {print $1}' "$tmp/$name.wrk")
  if [ -n "$rl_pid" ]; then
    wait "$rl_pid"
    rl_pid=
    # GNU time writes "Command exited with non-zero status 1" first when
    # resplint found something: the figures are on the last line.
    read -r user sys _ < <(tail -n 1 "$tmp/$name.time")
    cpu=$(echo "$user + $sys" | bc)
    share=$(echo "scale=1; 100 * $cpu / $secs" | bc)
    drops=$(sed -n 's/.*the kernel dropped \([0-9]*\).*/\1/p' "$err")
    linted=$(tail -n 1 "$out" | sed -n 's/.*"iface_drops":[0-9]*,"responses":\([0-9]*\).*/\1/p')
  fi
  printf '%-34s %10s %9s %9s %7s %10s %10s\n' "$name" "${rate:-?}" "$cpu" "$share" \
    "${drops:-?}" "${linted:-?}" "${reqs:-?}"
}

run_case none /static/512.bin
run_case default /static/512.bin
run_case B2048 /static/512.bin -B 2048
run_case immediate /static/512.bin --immediate-mode
run_case none-64KiB /static/65536.bin
run_case default-64KiB /static/65536.bin
run_case B2048-64KiB /static/65536.bin -B 2048
run_case immediate-64KiB /static/65536.bin --immediate-mode
printf '# load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
