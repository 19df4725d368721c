#!/usr/bin/env bash
# Builds resplint (Release, in build-bench/) and the bench's own programs
# (in build-bench/bench/): the floors are linked against the very llhttp
# library resplint uses, with the same optimisation flags, so the ratios
# compare like with like.
# Usage: bench/build.sh [BUILD_DIR]   (default: build-bench)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
B=$(realpath -m "${1:-$root/build-bench}")
cmake -S "$root" -B "$B" -DCMAKE_BUILD_TYPE=Release -DRL_WERROR=ON >/dev/null
cmake --build "$B" -j1 --target resplint resplint_core >/dev/null
out=$B/bench; mkdir -p "$out"
CFLAGS="-O3 -DNDEBUG -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror"
# resplint is linked with link-time optimisation and, with GCC on x86-64,
# vector stores for zeroing (CMakeLists.txt): so are the floors and
# rl-pipeline, over the same llhttp objects.
for flag in $(cat "$B/CMakeFiles/resplint.dir/link.txt" 2>/dev/null || true); do
  case $flag in -flto=* | -mmemset-strategy=*) CFLAGS="$CFLAGS $flag" ;; esac
done
llinc=$(sed -n 's/^LLHTTP_INCLUDE_DIR:PATH=//p' "$B/CMakeCache.txt")
llinc=${llinc:-/usr/share/include/llhttp}
pcap_libs=$(pkg-config --libs libpcap)
yaml_libs=$(pkg-config --libs yaml-0.1)
cc $CFLAGS -o "$out/rusage" "$root/bench/rusage.c"
cc $CFLAGS -o "$out/floor" "$root/bench/floor.c" $pcap_libs
cc $CFLAGS -I"$llinc" -o "$out/floor-llhttp" "$root/bench/floor-llhttp.c" "$B/librl_llhttp.a" $pcap_libs
cc $CFLAGS -I"$root/include" -o "$out/rl-pipeline" "$root/bench/rl-pipeline.c" \
  "$B/libresplint_core.a" "$B/librl_llhttp.a" $pcap_libs $yaml_libs -lm
echo "built: $B/resplint and $out/{rusage,floor,floor-llhttp,rl-pipeline}"
