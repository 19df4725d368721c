#!/usr/bin/env bash
# Bad input and bad usage: each case must give one clear line on stderr that
# names the input and the cause, and the documented exit code
# (0 clean, 1 findings, 2 usage, 3 unreadable input; include/resplint/error.h).
# Usage: test_cli_errors.sh PATH/TO/resplint
set -u
resplint=${1:?usage: $0 PATH/TO/resplint}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
good="$root/fixtures/streams/pcap2har-http.pcap"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-cli-errors.XXXXXX")
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

failures=0
cases=0

# expect NAME CODE 'TEXT'... -- ARGS...: runs resplint ARGS, checks the exit
# code and that stderr contains each TEXT (a fixed string, or an extended
# regular expression when written re:EXPR).
expect() {
  local name=$1 code=$2
  shift 2
  local texts=()
  while [ "$1" != "--" ]; do texts+=("$1"); shift; done
  shift
  cases=$((cases + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local ok=1
  [ "$rc" -eq "$code" ] || ok=0
  for t in "${texts[@]}"; do
    case $t in
    re:*) grep -qE -- "${t#re:}" "$tmp/err" || ok=0 ;;
    *) grep -qF -- "$t" "$tmp/err" || ok=0 ;;
    esac
  done
  if [ $ok -eq 1 ]; then
    echo "ok   $name"
  else
    failures=$((failures + 1))
    echo "FAIL $name: exit $rc (want $code); stderr:"
    sed 's/^/     /' "$tmp/err"
    for t in "${texts[@]}"; do echo "     wanted: $t"; done
  fi
}

# --- inputs ----------------------------------------------------------------
expect "missing file" 3 "resplint: $tmp/nothing.pcap: No such file or directory" -- \
  "$resplint" "$tmp/nothing.pcap"

mkdir "$tmp/dir"
expect "directory given to -r" 3 "resplint: $tmp/dir: is a directory" -- \
  "$resplint" -r "$tmp/dir"

printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' >"$tmp/request.pcap"
expect "not a capture" 3 "resplint: $tmp/request.pcap: not a pcap or pcapng capture" -- \
  "$resplint" "$tmp/request.pcap"

: >"$tmp/empty.pcap"
expect "empty file" 3 "resplint: $tmp/empty.pcap: empty file" -- "$resplint" "$tmp/empty.pcap"

expect "not a capture on stdin" 3 "resplint: standard input: not a pcap or pcapng capture" -- \
  "$resplint" - <"$tmp/request.pcap"

size=$(wc -c <"$good")
head -c $((size - 10)) "$good" >"$tmp/cut.pcap"
expect "last record cut short" 3 "resplint: $tmp/cut.pcap: the capture is cut short inside its last record" \
  "the 42 packets before it were processed" -- "$resplint" "$tmp/cut.pcap"
expect "cut short, earlier packets still processed" 3 "re:^  packets +42  " -- \
  "$resplint" -v "$tmp/cut.pcap"

# A pcap file header (little-endian, version 2.4) of LINKTYPE_USB_LINUX (189):
# a real link type that carries no IP, so the decoder will never read it.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\xbd\x00\x00\x00' \
  >"$tmp/usb.pcap"
expect "unsupported link type" 3 "resplint: $tmp/usb.pcap: unsupported link type USB_LINUX (189)" -- \
  "$resplint" "$tmp/usb.pcap"

cp "$good" "$tmp/secret.pcap"
chmod 000 "$tmp/secret.pcap"
if [ "$(id -u)" -ne 0 ]; then
  expect "unreadable file" 3 "resplint: $tmp/secret.pcap: Permission denied" -- \
    "$resplint" "$tmp/secret.pcap"
elif command -v setpriv >/dev/null 2>&1; then
  # root reads anything: run this case as nobody.
  expect "unreadable file (as nobody)" 3 "resplint: $tmp/secret.pcap: Permission denied" -- \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$resplint" "$tmp/secret.pcap"
else
  echo "note unreadable-file case not run: root without setpriv"
fi

mkdir -p "$tmp/locked/sub"
cp "$good" "$tmp/locked/a.pcap"
cp "$good" "$tmp/locked/sub/b.pcap"
chmod 000 "$tmp/locked/sub"
as_user=()
[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
  expect "unreadable subdirectory: reported, the rest read" 3 \
    "resplint: $tmp/locked/sub: Permission denied" "re:^  packets +43  " -- \
    ${as_user[@]+"${as_user[@]}"} "$resplint" -v "$tmp/locked"
fi
chmod 755 "$tmp/locked/sub"

expect "bad input among good ones: the rest is still read" 3 \
  "resplint: $tmp/nothing.pcap: No such file or directory" "re:^  packets +86  " -- \
  "$resplint" -v "$good" "$tmp/nothing.pcap" "$good"

mkdir -p "$tmp/tree/sub"
cp "$good" "$tmp/tree/sub/a.cap"
cp "$tmp/request.pcap" "$tmp/tree/notes.pcap"
expect "directory walk skips other files" 0 "resplint: $tmp/tree/notes.pcap: not a capture file, skipped" \
  "re:^  packets +43  " -- "$resplint" -v "$tmp/tree"

expect "capture on stdin" 0 "re:^  packets +43  " -- "$resplint" -v - <"$good"

cases=$((cases + 1))
# Each input's subdirectory is its path without leading "/", "/" turned to "_".
sub=$(printf '%s' "${good#/}" | tr / _)
# shellcheck disable=SC2094 # $good is only read, as an argument and as stdin
if "$resplint" --dump-streams "$tmp/dump" "$good" - <"$good" 2>"$tmp/err" &&
  [ -s "$tmp/dump/stdin/0.s2c" ] && cmp -s "$tmp/dump/stdin/0.s2c" "$tmp/dump/$sub/0.s2c"; then
  echo "ok   --dump-streams with several inputs: one subdirectory each"
else
  failures=$((failures + 1))
  echo "FAIL --dump-streams with several inputs"
  find "$tmp/dump" | sed 's/^/     /'
fi

# --- usage -------------------------------------------------------------------
expect "BPF syntax error" 2 'resplint: invalid filter expression "tcp prot 80"' "syntax error" -- \
  "$resplint" -r "$good" tcp prot 80
expect "valid filter" 0 "re:^  packets +2  " -- \
  "$resplint" -v -r "$good" udp
expect "unknown option" 2 "resplint: unknown option \"--frobnicate\"" -- "$resplint" --frobnicate x
expect "unknown short option" 2 "resplint: unknown option \"-K\"" -- "$resplint" -K x
expect "missing option argument" 2 "resplint: missing argument to \"-c\"" -- "$resplint" "$good" -c
expect "bad count" 2 "resplint: -c needs a positive whole number" -- "$resplint" -c 0 "$good"
expect "no input" 2 "resplint: no input" -- "$resplint"
expect "-s without -i" 2 "resplint: -s applies to live capture" -- "$resplint" -s 100 "$good"
expect "--duration without -i" 2 "resplint: --duration applies to live capture" -- \
  "$resplint" --duration 1 "$good"
expect "-w without -i" 2 "resplint: -w applies to live capture" -- "$resplint" -w "$tmp/w.pcap" "$good"
expect "-Z without -i" 2 "resplint: -Z applies to live capture" -- "$resplint" -Z nobody "$good"
expect "--no-immediate-mode without -i" 2 "resplint: --immediate-mode and --no-immediate-mode apply to live capture" -- \
  "$resplint" --no-immediate-mode "$good"
expect "-i with -r" 2 "resplint: -i and -r cannot be used together" -- "$resplint" -i lo -r "$good"
expect "-c stops early" 0 "re:^  packets +5  " -- "$resplint" -v -c 5 "$good"

cases=$((cases + 1))
if "$resplint" --help >"$tmp/help" 2>&1 && grep -q "Exit status" "$tmp/help" &&
  grep -q -- "--dump-streams DIR" "$tmp/help" && "$resplint" --version | grep -q "^resplint "; then
  echo "ok   --help and --version"
else
  failures=$((failures + 1))
  echo "FAIL --help or --version"
fi

# --- caps (issue #8) ----------------------------------------------------------
expect "cap of 0" 2 'resplint: --cap-flows needs a whole number from 1 to 4294967295, not "0"' -- \
  "$resplint" --cap-flows 0 "$good"
expect "cap with a bad suffix" 2 '--cap-header-bytes needs a size in bytes' 'not "64X"' -- \
  "$resplint" --cap-header-bytes 64X "$good"
expect "count cap with a size suffix" 2 '--cap-pending needs a whole number' -- \
  "$resplint" --cap-pending 1K "$good"
expect "cap past its field" 2 '--cap-frag-bytes needs a size in bytes from 1 to 4294967295' -- \
  "$resplint" --cap-frag-bytes 4G "$good"
expect "negative cap" 2 '--cap-idle needs a whole number of seconds' -- \
  "$resplint" --cap-idle -5 "$good"
expect "every cap accepted" 0 -- "$resplint" --cap-flows 10 --cap-idle 60 \
  --cap-ooo-stream 64K --cap-ooo-total 1G --cap-header-bytes 8k --cap-header-total 1M \
  --cap-fields 50 --cap-pending 8 --cap-pending-bytes 2M --cap-frag-datagrams 16 \
  --cap-frag-bytes 1M "$good"
# A cap reached is said, and the run still succeeds: 3 of the fixture's
# header sections have more than 5 field lines.
expect "a cap reached changes coverage, not the exit code" 0 "re:header-section-limit|because the header section was cut" -- \
  sh -c '"$1" --cap-fields 5 --fail-on never "$2" 1>&2' sh "$resplint" "$good"

# --- escaping -----------------------------------------------------------------
# A file name is text from outside: printed escaped, never as a terminal
# control sequence.
esc=$(printf '\033')
expect "a control byte in a file name is escaped" 3 'bad\x1b[2J.txt: No such file or directory' -- \
  "$resplint" "$tmp/bad${esc}[2J.txt"
cases=$((cases + 1))
if grep -q "$esc" "$tmp/err"; then
  failures=$((failures + 1))
  echo "FAIL a raw ESC reached stderr"
else
  echo "ok   no raw ESC on stderr"
fi
mkdir -p "$tmp/esc"
cp "$good" "$tmp/esc/a${esc}]0;pwned${esc}\\.pcap"
expect "-v response lines escape the file name" 0 'a\x1b]0;pwned\x1b\.pcap: stream 0 response 0:' -- \
  "$resplint" -v --fail-on never "$tmp/esc"
cases=$((cases + 1))
if grep -q "$esc" "$tmp/err" "$tmp/out"; then
  failures=$((failures + 1))
  echo "FAIL a raw ESC reached the terminal with -v"
else
  echo "ok   no raw ESC with -v"
fi
expect "option arguments are escaped" 2 'resplint: --cap-fields needs a whole number from 1 to 4294967295, not "\x1b[2J"' -- \
  "$resplint" --cap-fields "${esc}[2J" "$good"

# --- live capture ------------------------------------------------------------
expect "no such interface" 3 'resplint: rl-nosuch0: no such interface "rl-nosuch0"' -- \
  "$resplint" -i rl-nosuch0
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
  expect "interface permission denied" 3 'resplint: lo: permission denied capturing on "lo"' "CAP_NET_RAW" -- \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$resplint" -i lo --duration 0.2
  expect "live --duration ends cleanly" 0 "resplint: summary" -- \
    "$resplint" -v -i lo --duration 0.3 tcp port 9
  expect "live bad filter" 2 'resplint: invalid filter expression "tcp prot 9"' -- \
    "$resplint" -i lo --duration 0.3 tcp prot 9
  expect "-Z unknown user" 2 'resplint: -Z: no such user "rl-nosuch-user"' -- \
    "$resplint" -i lo --duration 0.3 -Z rl-nosuch-user
  mkdir -p "$tmp/wdir"
  expect "-w into a directory" 3 "resplint: $tmp/wdir: cannot write the capture: is a directory" -- \
    "$resplint" -i lo --duration 0.3 -w "$tmp/wdir"
  expect "live counters on stderr" 0 "re:^resplint: lo: 0 packets linted; libpcap received [0-9]+ by the filter, the kernel dropped 0" -- \
    "$resplint" -i lo --duration 0.3 tcp port 9
  # -Z drops root before the -w file is created: the file belongs to the user,
  # and a directory only root may write refuses it.
  mkdir -p "$tmp/zdir" && chmod 777 "$tmp/zdir"
  expect "-Z nobody writes -w as nobody" 0 "capturing on lo" -- \
    "$resplint" -i lo --duration 0.3 -Z nobody -w "$tmp/zdir/z.pcap" tcp port 9
  cases=$((cases + 1))
  if [ "$(stat -c %u "$tmp/zdir/z.pcap" 2>/dev/null)" = "$(id -u nobody)" ]; then
    echo "ok   the -w file of -Z nobody belongs to nobody"
  else
    failures=$((failures + 1))
    echo "FAIL the -w file of -Z nobody: $(ls -ln "$tmp/zdir" 2>&1)"
  fi
  mkdir -p "$tmp/rootonly" && chmod 755 "$tmp/rootonly"
  expect "-Z nobody cannot write where root could" 3 "$tmp/rootonly/z.pcap: cannot write the capture: Permission denied" -- \
    "$resplint" -i lo --duration 0.3 -Z nobody -w "$tmp/rootonly/z.pcap"
  # SIGINT ends a live capture cleanly with the summary and exit 0.
  cases=$((cases + 1))
  "$resplint" -v -i lo >"$tmp/live.out" 2>"$tmp/live.err" &
  pid=$!
  sleep 0.5
  kill -INT "$pid"
  wait "$pid"
  rc=$?
  if [ "$rc" -eq 0 ] && grep -q "resplint: summary" "$tmp/live.err"; then
    echo "ok   SIGINT stops a live capture cleanly"
  else
    failures=$((failures + 1))
    echo "FAIL SIGINT: exit $rc"
    sed 's/^/     /' "$tmp/live.err"
  fi
else
  echo "note live-capture cases not run: they need root (and setpriv to test refusal)"
fi

echo "$((cases - failures)) of $cases cases passed"
[ "$failures" -eq 0 ]
