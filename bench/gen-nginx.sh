#!/usr/bin/env bash
# Generates benchmark captures (a) and (b) from real traffic: wrk against
# nginx across a veth pair between two network namespaces made here, MTU
# 1500, segmentation and receive offloads off (so every frame is a real
# 1500-byte-or-smaller Ethernet frame, as on a tap), captured by tcpdump on
# the client side. Needs root; traffic stays inside the two namespaces.
#
# Usage: bench/gen-nginx.sh small|large [OUT.pcap] [RESPONSES]
#   small  (a) keep-alive exchanges of a 12-byte file, 16 connections,
#          default 1,050,000 responses  -> bench/data/a-small.pcap
#   large  (b) a 1 MiB file, 4 keep-alive connections, default 1,100
#          responses (1.2 GB of capture) -> bench/data/b-large.pcap
# wrk stops each run after RESPONSES responses (bench/wrk-limit.lua), so the
# captures have the same number of exchanges on every run; only timing and
# header dates differ.
set -euo pipefail
kind=${1:?usage: gen-nginx.sh small|large [OUT.pcap] [RESPONSES]}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/data"
case $kind in
  small) out=${2:-$here/data/a-small.pcap}; limit=${3:-1050000}; conns=16; path=/small.txt ;;
  large) out=${2:-$here/data/b-large.pcap}; limit=${3:-1100}; conns=4; path=/large.bin ;;
  *) echo "gen-nginx.sh: unknown kind '$kind' (small or large)" >&2; exit 2 ;;
esac
out=$(realpath -m "$out")
work=$(mktemp -d); chmod 755 "$work"; tag=rlb$$
srv=${tag}s; cli=${tag}c; tcpd=
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "$tcpd" ] && kill "$tcpd" 2>/dev/null || true
  sleep 0.3
  ip netns del "$srv" 2>/dev/null || true; ip netns del "$cli" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$srv"; ip netns add "$cli"
ip link add v$tag type veth peer name w$tag
ip link set v$tag netns "$srv"; ip link set w$tag netns "$cli"
ip -n "$srv" addr add 10.213.7.1/30 dev v$tag; ip -n "$cli" addr add 10.213.7.2/30 dev w$tag
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set v$tag mtu 1500 up; ip -n "$cli" link set w$tag mtu 1500 up
ip netns exec "$srv" ethtool -K v$tag tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$cli" ethtool -K w$tag tso off gso off gro off >/dev/null 2>&1 || true

root=$work/www; mkdir -p "$root"
printf 'hello world\n' > "$root/small.txt"            # 12 bytes: the minimal exchange
head -c 1048576 /dev/urandom > "$root/large.bin"      # 1 MiB
chmod -R a+rX "$root"
cat > "$work/nginx.conf" <<CONF
worker_processes 1; pid $work/nginx.pid; error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off; sendfile on; keepalive_requests 100000000; keepalive_timeout 600s;
  client_body_temp_path $work/cb; proxy_temp_path $work/pt; fastcgi_temp_path $work/ft;
  uwsgi_temp_path $work/ut; scgi_temp_path $work/st;
  types { text/plain txt; application/octet-stream bin; }
  server { listen 10.213.7.1:8080 backlog=1024; root $root; }
}
CONF
ip netns exec "$srv" nginx -c "$work/nginx.conf" -e "$work/error.log"
sleep 0.5
ip netns exec "$cli" tcpdump -i w$tag -s 0 -B 524288 -w "$out" 'tcp port 8080' 2>"$work/tcpdump.log" & tcpd=$!
sleep 1
ip netns exec "$cli" wrk -t1 -c$conns -d600s -s "$here/wrk-limit.lua" \
  "http://10.213.7.1:8080$path" "$limit" > "$work/wrk.log" 2>&1 || true
cat "$work/wrk.log" >&2
sleep 1
kill -INT $tcpd; wait $tcpd 2>/dev/null || true; tcpd=
cat "$work/tcpdump.log" >&2
if grep -q "^[1-9][0-9]* packets dropped by kernel" "$work/tcpdump.log"; then
  echo "gen-nginx.sh: tcpdump dropped packets; the capture has gaps (rerun on a quieter machine)" >&2
fi
ls -l "$out" >&2
