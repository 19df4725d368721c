#!/usr/bin/env bash
# Installs every Debian package the benchmark needs (generators, peers, the
# runner and the profilers), skipping those already present. Run as root.
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config libpcap-dev node-llhttp libyaml-dev  # resplint, floors
  nginx-light wrk curl iproute2 ethtool tcpdump                         # captures (a) (b)
  wireshark-common tcpreplay                                            # capture (c): editcap, mergecap, tcprewrite
  python3                                                               # capture (d)
  tshark httpry tcpflow                                                 # peers
  time linux-perf valgrind                                              # runner and profiling
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then echo "bench/setup.sh: everything is installed"; exit 0; fi
echo "bench/setup.sh: installing ${missing[*]}"
sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
