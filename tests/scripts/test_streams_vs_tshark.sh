#!/usr/bin/env bash
# Reassembly against an independent implementation: every TCP stream of
# every capture in fixtures/streams/, resplint --dump-streams versus
# tshark -z follow,tcp,raw. Exceptions are listed in fixtures/streams/expect.txt
# and explained in fixtures/streams/README.md.
# Usage: test_streams_vs_tshark.sh PATH/TO/resplint   (exit 77: no tshark)
set -u
resplint=${1:?usage: $0 PATH/TO/resplint}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 not installed: skipped"; exit 77; }
exec python3 "$here/test_streams_vs_tshark.py" "$resplint" "$root/fixtures/streams"
