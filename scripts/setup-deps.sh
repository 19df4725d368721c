#!/usr/bin/env bash
# Installs what resplint needs to build and test on Debian 12, skipping what
# is already there. Non-interactive; safe to run again.
#
#   scripts/setup-deps.sh          build + test dependencies
#   scripts/setup-deps.sh --build  build dependencies only
set -euo pipefail

# libc6-dev: gcc without its recommended packages cannot link a program.
build_pkgs=(gcc libc6-dev make cmake pkg-config libpcap-dev node-llhttp libyaml-dev)
# What each test needs that a fresh machine lacks (a missing one makes the
# test skip, which hides it, rather than fail):
#   libcriterion-dev        every tests/<folder> binary
#   tshark (mergecap)       test_report_json, test_streams_vs_tshark, test_gating_*
#   python3, python3-yaml   the script tests and tests/corpus
#   libxml2-utils (xmllint) test_report_junit
#   time (/usr/bin/time)    test_adversarial (peak RSS per capture)
#   clang, libclang-rt-14-dev  test_fuzz_smoke (libFuzzer is in the runtime
#                           package, only recommended by clang)
#   llvm (llvm-symbolizer)  function names and lines in the stack of a crash
#                           that the fuzzers or the sanitizers report
#   man-db                  test_gating_docs (the man page renders cleanly)
#   valgrind                test_valgrind
#   nginx-light curl iproute2 wrk tcpdump  the live captures of bench/
test_pkgs=(libcriterion-dev tshark tcpdump python3 python3-yaml libxml2-utils time clang
           libclang-rt-14-dev llvm man-db nginx-light curl iproute2 wrk valgrind)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--build" ] || want+=("${test_pkgs[@]}")

# The SARIF schema check runs a JSON Schema validator from the npm registry;
# the machine's Node.js may come from Debian (package npm) or elsewhere.
if [ "${1:-}" != "--build" ] && ! command -v npm >/dev/null 2>&1; then
  want+=(npm)
fi

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

install_test_tools() {
  [ "${1:-}" = "--build" ] && return 0
  "$(dirname "$0")/../tests/sarif/setup.sh"
}

if [ ${#missing[@]} -eq 0 ]; then
  install_test_tools "${1:-}"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup: missing packages: ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# tshark asks whether non-root users may capture; the default (no) is fine.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  "${sudo[@]}" debconf-set-selections
# A machine that has just booted may still be running its own apt jobs:
# wait for the dpkg lock rather than fail at once.
"${sudo[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
  "${missing[@]}" >/dev/null
# nginx-light's package starts a system nginx on port 80; the tests run
# their own instances, so stop it to leave the port free.
if printf '%s\n' "${missing[@]}" | grep -qx nginx-light; then
  "${sudo[@]}" systemctl disable --now nginx >/dev/null 2>&1 ||
    "${sudo[@]}" service nginx stop >/dev/null 2>&1 || true
fi
install_test_tools "${1:-}"
