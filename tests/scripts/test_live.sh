#!/usr/bin/env bash
# End to end, live (issue #6): real nginx and python3's http.server in one
# network namespace, curl in another, joined by a veth pair; resplint sniffs
# the client's end with -i, writes the packets it lints with -w after dropping
# root with -Z, and a second resplint sniffs "any" in the server's namespace.
# Asserts: every request curl made is a linted response (nothing lost), nginx's
# 405s are ST031, findings are on disk while the capture still runs (they
# stream), SIGTERM and SIGINT end both captures with complete reports and
# exit 1, linting the -w file offline gives the same responses and findings,
# and a terminal gets the status line.
#
# Needs root (namespaces, veth, capture). Without it the test says so and is
# skipped (exit 77), never passed. As root, a missing server or client is a
# failure: scripts/setup-deps.sh installs them.
# Usage: test_live.sh PATH/TO/resplint
set -u
resplint=$(realpath "${1:?usage: $0 PATH/TO/resplint}")

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the live end-to-end test needs root (network namespaces, a veth pair, live capture)"
  exit 77
fi
for tool in ip nginx curl python3 script; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL: $tool is not installed (scripts/setup-deps.sh installs it)"
    exit 1
  fi
done

tag=rl$$
srv=${tag}s
cli=${tag}c
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-live.XXXXXX")
chmod 755 "$tmp"
pids=()
cleanup() {
  # Every process by its PID, then the namespaces (which the processes keep
  # alive), then the files.
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [ -f "$tmp/nginx.pid" ] && kill -TERM "$(cat "$tmp/nginx.pid")" 2>/dev/null
  sleep 0.3
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$srv" 2>/dev/null
  ip netns del "$cli" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

if ! ip netns add "$srv" 2>"$tmp/netns.err"; then
  echo "SKIP: cannot create a network namespace: $(cat "$tmp/netns.err")"
  exit 77
fi
# A namespace can be created where it cannot be entered (a chroot whose /
# is not a mount point): that is a missing privilege too, not a failure.
if ! ip netns exec "$srv" true 2>"$tmp/netns.err"; then
  echo "SKIP: cannot enter a network namespace: $(cat "$tmp/netns.err")"
  exit 77
fi
ip netns add "$cli" || exit 1
ip link add "v$tag" type veth peer name "w$tag" || exit 1
ip link set "v$tag" netns "$srv" && ip link set "w$tag" netns "$cli" || exit 1
ip -n "$srv" addr add 10.214.0.1/30 dev "v$tag"
ip -n "$cli" addr add 10.214.0.2/30 dev "w$tag"
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set "v$tag" up
ip -n "$cli" link set "w$tag" up

failures=0
cases=0
check() { # NAME STATUS [DETAIL...]
  cases=$((cases + 1))
  local name=$1 ok=$2
  shift 2
  if [ "$ok" -eq 0 ]; then
    echo "ok   $name"
  else
    failures=$((failures + 1))
    echo "FAIL $name"
    for line in "$@"; do echo "     $line"; done
  fi
}

# --- the servers ----------------------------------------------------------------
www=$tmp/www
mkdir -p "$www/static" "$tmp/cap"
printf '<html><body>hello</body></html>\n' >"$www/static/page.html"
head -c 5000 /dev/zero | tr '\0' x >"$www/static/big.txt"
head -c 3000000 /dev/zero >"$www/static/huge.bin"
printf 'index\n' >"$www/index.html"
chmod -R a+rX "$www"
chmod 777 "$tmp/cap" # -Z nobody writes the -w file here
cat >"$tmp/nginx.conf" <<CONF
worker_processes 1; pid $tmp/nginx.pid; error_log $tmp/error.log;
events { worker_connections 64; }
http {
  access_log off; client_body_temp_path $tmp/cb; proxy_temp_path $tmp/pt;
  fastcgi_temp_path $tmp/ft; uwsgi_temp_path $tmp/ut; scgi_temp_path $tmp/st;
  types { text/html html; text/plain txt; application/octet-stream bin; }
  server { listen 10.214.0.1:8080; root $www; etag on; }
}
CONF
ip netns exec "$srv" nginx -c "$tmp/nginx.conf" -e "$tmp/error.log" || {
  echo "FAIL: nginx did not start: $(cat "$tmp/error.log" 2>/dev/null)"
  exit 1
}
ip netns exec "$srv" python3 -m http.server 8081 --bind 10.214.0.1 --directory "$www" \
  >"$tmp/python.log" 2>&1 &
pids+=($!)

N=http://10.214.0.1:8080
P=http://10.214.0.1:8081
c() { ip netns exec "$cli" curl -s -o /dev/null --max-time 5 "$@"; }
for url in $N/ $P/; do # both servers answer before the capture starts
  for i in $(seq 1 50); do c "$url" && break; sleep 0.1; done
  c "$url" || { echo "FAIL: $url does not answer"; exit 1; }
done

# --- the captures -----------------------------------------------------------------
filter="tcp port 8080 or tcp port 8081"
ip netns exec "$cli" "$resplint" -i "w$tag" --duration 60 -Z nobody -w "$tmp/cap/live.pcap" \
  --format json -o "$tmp/live.json" $filter 2>"$tmp/live.err" &
live=$!
pids+=($live)
ip netns exec "$srv" "$resplint" -i any --duration 60 $filter >"$tmp/any.txt" 2>"$tmp/any.err" &
any=$!
pids+=($any)
# SARIF and JUnit are whole documents written at the end: a signal must
# still complete them.
ip netns exec "$cli" "$resplint" -i "w$tag" --duration 60 --format sarif -o "$tmp/live.sarif" \
  $filter 2>"$tmp/sarif.err" &
sarif=$!
pids+=($sarif)
ip netns exec "$cli" "$resplint" -i "w$tag" --duration 60 --format junit -o "$tmp/live.xml" \
  $filter 2>"$tmp/junit.err" &
junit=$!
pids+=($junit)
for f in live any sarif junit; do # until each says it is capturing, the filter installed
  for i in $(seq 1 100); do grep -q "capturing on" "$tmp/$f.err" && break; sleep 0.1; done
done
grep -q "capturing on" "$tmp/live.err" && grep -q "capturing on" "$tmp/any.err" &&
  grep -q "capturing on" "$tmp/sarif.err" && grep -q "capturing on" "$tmp/junit.err"
check "the four captures start" $? "$(cat "$tmp"/*.err)"

# --- the traffic: every request counted --------------------------------------------
requests=0
r() { c "$@"; requests=$((requests + 1)); }
etag=$(ip netns exec "$cli" curl -sI --max-time 5 $N/static/page.html |
  tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
requests=$((requests + 1))
for server in $N $P; do
  r $server/static/page.html                                      # GET
  r -I $server/static/page.html                                   # HEAD
  r -0 $server/static/page.html                                   # HTTP/1.0
  r -H 'If-Modified-Since: Wed, 21 Oct 2099 07:28:00 GMT' $server/static/page.html
  r -H 'Range: bytes=0-9' $server/static/big.txt                  # 206 from nginx
  r $server/missing                                               # 404
done
r -H "If-None-Match: $etag" $N/static/page.html                   # 304
r -X POST -d x=1 $N/static/page.html                              # 405: ST031
r -X POST -d x=1 $N/static/big.txt                                # 405: ST031
r -X POST -d x=1 $P/static/page.html                              # 501 from python
nginx405=2

# Findings stream: the ST031s are on disk while the capture still runs.
for i in $(seq 1 50); do
  [ "$(grep -c '"rule":"ST031"' "$tmp/live.json" 2>/dev/null)" -ge $nginx405 ] && break
  sleep 0.1
done
streamed=$(grep -c '"rule":"ST031"' "$tmp/live.json" 2>/dev/null)
kill -0 $live 2>/dev/null
check "findings are written while the capture runs" $? "process gone before the check"
[ "${streamed:-0}" -eq $nginx405 ]
check "nginx's $nginx405 405 responses are ST031, on disk before the capture ends" $? \
  "ST031 lines so far: ${streamed:-0}" "$(cat "$tmp/live.json")"

# --- the end: SIGTERM for one, SIGINT for the other -------------------------------
sleep 0.3
kill -TERM $live $sarif
kill -INT $any $junit
# Waits for PID (a child of this shell, so not in a subshell) and sets rc to
# its exit code, or to 124 after 10 s, when it is killed.
waited() {
  for i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1"
    wait "$1" 2>/dev/null
    rc=124
    return
  fi
  wait "$1"
  rc=$?
}
waited $live
live_rc=$rc
waited $any
any_rc=$rc
check "SIGTERM ends the -i capture with exit 1 (findings)" $((live_rc != 1)) "exit $live_rc" \
  "$(cat "$tmp/live.err")"
check "SIGINT ends the -i any capture with exit 1 (findings)" $((any_rc != 1)) "exit $any_rc" \
  "$(cat "$tmp/any.err")"
waited $sarif
sarif_rc=$rc
waited $junit
junit_rc=$rc
st031=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(r["ruleId"]=="ST031" for r in d["runs"][0]["results"]))' "$tmp/live.sarif" 2>&1)
[ "$sarif_rc" -eq 1 ] && [ "$st031" = $nginx405 ]
check "SIGTERM: a complete SARIF log with the $nginx405 ST031 results, exit 1" $? "exit $sarif_rc" \
  "ST031 results: $st031" "$(tail -c 300 "$tmp/live.sarif")"
failed=$(python3 -c 'import sys, xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); print(sum(int(s.get("failures")) for s in r.iter("testsuite")))' "$tmp/live.xml" 2>&1)
[ "$junit_rc" -eq 1 ] && [ "$failed" = $nginx405 ]
check "SIGINT: a complete JUnit document with the $nginx405 405s failing, exit 1" $? \
  "exit $junit_rc" "failures: $failed" "$(tail -c 300 "$tmp/live.xml")"

# summary FILE KEY: a number, or a JSON object, of the last (summary) line.
summary() {
  tail -n 1 "$1" | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(json.dumps(s[sys.argv[1]], sort_keys=True))' "$2" 2>/dev/null
}
responses=$(summary "$tmp/live.json" responses)
[ "$responses" = "$requests" ]
check "every request curl made is a linted response ($requests)" $? "responses: $responses" \
  "$(cat "$tmp/live.err")"
grep -q "the kernel dropped 0, the interface dropped 0" "$tmp/live.err"
check "libpcap's counts on stderr, no drops" $? "$(cat "$tmp/live.err")"
[ "$(summary "$tmp/live.json" kernel_drops)" = 0 ]
check "the JSON summary carries the kernel drops" $? "$(tail -n 1 "$tmp/live.json")"

# Offline, the -w file gives the same responses and findings.
[ "$(stat -c %U "$tmp/cap/live.pcap" 2>/dev/null)" = nobody ]
check "-Z nobody: the -w file was created as nobody" $? "$(ls -l "$tmp/cap")"
"$resplint" --format json "$tmp/cap/live.pcap" >"$tmp/offline.json" 2>"$tmp/offline.err"
offline_rc=$?
check "linting the -w file offline exits 1 too" $((offline_rc != 1)) "exit $offline_rc" \
  "$(cat "$tmp/offline.err")"
for key in packets responses findings rules; do
  a=$(summary "$tmp/live.json" $key)
  b=$(summary "$tmp/offline.json" $key)
  [ -n "$a" ] && [ "$a" = "$b" ]
  check "live and offline agree on $key" $? "live:    $a" "offline: $b"
done
# The findings themselves, but for the file name, in the same order.
strip() { grep -v '"summary"' "$1" | sed 's/"file":"[^"]*"//'; }
diff <(strip "$tmp/live.json") <(strip "$tmp/offline.json") >"$tmp/diff.txt"
check "live and offline findings are the same lines" $? "$(head -20 "$tmp/diff.txt")"

# The other vantage point saw the same exchanges, and reported as text.
any_responses=$(sed -n 's/^summary: \([0-9]*\) responses\{0,1\} linted.*/\1/p' "$tmp/any.txt")
[ "$any_responses" = "$requests" ]
check "-i any in the server's namespace sees the same $requests responses" $? \
  "text summary: $(grep '^summary' "$tmp/any.txt")" "$(cat "$tmp/any.err")"
grep -q "^  error   ST031 method-not-allowed-without-allow  *$nginx405\$" "$tmp/any.txt"
check "-i any reports the ST031s in its text summary" $? "$(cat "$tmp/any.txt")"

# --- drops are a coverage note, not silence -------------------------------------------
# A tiny kernel buffer and a stopped resplint: the 3 MB response cannot fit,
# so the kernel must drop packets, deterministically.
ip netns exec "$cli" "$resplint" -i "w$tag" -B 64 --duration 60 tcp port 8080 \
  >"$tmp/drop.txt" 2>"$tmp/drop.err" &
dropper=$!
pids+=($dropper)
for i in $(seq 1 100); do grep -qs "capturing on" "$tmp/drop.err" && break; sleep 0.1; done
kill -STOP $dropper
c $N/static/huge.bin
kill -CONT $dropper
sleep 0.3
kill -INT $dropper
waited $dropper
drop_rc=$rc
dropped=$(sed -n 's/.*the kernel dropped \([0-9]*\).*/\1/p' "$tmp/drop.err")
[ "$drop_rc" -le 1 ] && [ "${dropped:-0}" -gt 0 ] &&
  grep -q "warning: w$tag: [0-9]* packets were dropped before they could be read" "$tmp/drop.err"
check "kernel drops are counted and warned about on stderr" $? "exit $drop_rc" \
  "$(cat "$tmp/drop.err")"
grep -q "^coverage notes:" "$tmp/drop.txt" &&
  grep -q "^  packets dropped by the kernel (live capture): ${dropped:-x}\$" "$tmp/drop.txt"
check "kernel drops are a coverage note in the summary" $? "$(cat "$tmp/drop.txt")"

# --- a terminal gets the status line; a file does not --------------------------------
ip netns exec "$cli" script -qec "'$resplint' -i lo --duration 2.5 tcp port 9" /dev/null \
  >"$tmp/tty.out" 2>&1 </dev/null
grep -qaE "resplint: lo [0-9]+s: [0-9]+ packets, [0-9]+ responses, [0-9]+ findings, [0-9]+ dropped" \
  "$tmp/tty.out"
check "on a terminal, a status line every second" $? "$(cat -v "$tmp/tty.out")"
! grep -qE "[0-9]+s: [0-9]+ packets" "$tmp/live.err"
check "no status line when standard error is not a terminal" $? "$(cat "$tmp/live.err")"

echo "$((cases - failures)) of $cases cases passed"
[ "$failures" -eq 0 ]
