#!/usr/bin/env bash
# Gating settings through the real binary: the configuration file (found in
# the working directory or named by --config), its errors with file and
# line, scoped ignores, command-line options winning over the file, rule
# selection and levels, limits, --list-rules / --explain, and the error path
# of every lint option (exit 2, one clear line naming the option).
# Usage: test_gating_config.sh PATH/TO/resplint
set -u
resplint=${1:?usage: $0 PATH/TO/resplint}
case $resplint in /*) ;; *) resplint=$PWD/$resplint ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# Two responses: HF014 on 65.208.228.223:80 (Host www.ethereal.com, GET
# /download.html, 200), HF014 and FV020 on 216.239.59.99:80 (Host
# pagead2.googlesyndication.com, GET /pagead/ads?..., 200). All info.
http="$root/fixtures/streams/pcap2har-http.pcap"
# Errors and warnings: CN001, MF019 (error), FV001 (warning) on 127.0.0.1:8080.
async="$root/fixtures/streams/sv-http-async.pcap"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-gating-config.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Sanitizer reports of the binary (an ASan build) go to files that are
# printed at the end, where ctest's failure pattern sees them: the cases
# themselves keep standard error to check messages.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$tmp/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$tmp/sanitizer"
command -v python3 >/dev/null || { echo "python3 not found"; exit 77; }

failures=0
cases=0
pass() { echo "ok   $1"; }
fail() {
  failures=$((failures + 1))
  echo "FAIL $1"
  shift
  for line in "$@"; do echo "     $line"; done
}

# expect NAME CODE 'TEXT'... -- ARGS...: runs ARGS (in $tmp/work), checks the
# exit code and that stderr contains each fixed TEXT.
expect() {
  local name=$1 code=$2
  shift 2
  local texts=()
  while [ "$1" != "--" ]; do texts+=("$1"); shift; done
  shift
  cases=$((cases + 1))
  (cd "$tmp/work" && "$@") >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local ok=1
  [ "$rc" -eq "$code" ] || ok=0
  for t in "${texts[@]}"; do grep -qF -- "$t" "$tmp/err" || ok=0; done
  if [ $ok -eq 1 ]; then
    pass "$name"
  else
    fail "$name: exit $rc (want $code)" "$(sed 's/^/stderr: /' "$tmp/err")" \
      "${texts[@]/#/wanted: }"
  fi
}

# The reported findings of a JSON Lines report as "RULE SERVER TARGET" lines,
# sorted; every line must parse.
findings() {
  python3 -c '
import json, sys
out = []
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "rule" in d:
        out.append("%s %s %s" % (d["rule"], d["server"], d.get("target", "-")[:19]))
print("\n".join(sorted(out)))' "$1"
}

# expect_findings NAME 'WANTED LINES' -- ARGS...: lints with --format json
# and compares the findings.
expect_findings() {
  local name=$1 want=$2
  shift 3
  cases=$((cases + 1))
  (cd "$tmp/work" && "$resplint" --format json --fail-on never "$@") >"$tmp/out" 2>"$tmp/err"
  local rc=$? got
  got=$(findings "$tmp/out")
  if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
    pass "$name"
  else
    fail "$name: exit $rc" "got:" "$got" "want:" "$want" "$(cat "$tmp/err")"
  fi
}

mkdir "$tmp/work"
all_http="FV020 216.239.59.99:80 /pagead/ads?client=
HF014 216.239.59.99:80 /pagead/ads?client=
HF014 65.208.228.223:80 /download.html"

# --- no configuration ------------------------------------------------------
expect_findings "baseline of the fixture" "$all_http" -- "$http"
expect "info findings do not fail by default" 0 -- "$resplint" -q "$http"
expect "warnings and errors fail by default" 1 -- "$resplint" -q "$async"
expect "--fail-on never" 0 -- "$resplint" -q --fail-on never "$async"
expect "--fail-on info" 1 -- "$resplint" -q --fail-on info "$http"

# --- scoped ignores ----------------------------------------------------------
scoped() { # NAME 'YAML' 'WANTED'
  printf '%s\n' "$2" >"$tmp/work/.resplint.yaml"
  expect_findings "$1" "$3" -- "$http"
  rm -f "$tmp/work/.resplint.yaml"
}
scoped "ignore by server address and port" 'ignores:
  - server: 65.208.228.223:80
    reason: the old download mirror' "FV020 216.239.59.99:80 /pagead/ads?client=
HF014 216.239.59.99:80 /pagead/ads?client="
scoped "ignore by server address alone" 'ignores:
  - server: 216.239.59.99' "HF014 65.208.228.223:80 /download.html"
scoped "ignore by port: every server on it" 'ignores:
  - server: ":80"' ""
scoped "ignore by a port nobody uses" 'ignores:
  - server: ":8080"' "$all_http"
scoped "ignore by Host" 'ignores:
  - host: WWW.Ethereal.com' "FV020 216.239.59.99:80 /pagead/ads?client=
HF014 216.239.59.99:80 /pagead/ads?client="
scoped "ignore by Host pattern" 'ignores:
  - host: "*.googlesyndication.com"' "HF014 65.208.228.223:80 /download.html"
scoped "ignore by target prefix" 'ignores:
  - target: /pagead/' "HF014 65.208.228.223:80 /download.html"
scoped "a target prefix that does not match" 'ignores:
  - target: /download.htmlx' "$all_http"
scoped "ignore by status" 'ignores:
  - status: 200' ""
scoped "ignore by status class" 'ignores:
  - status: [3xx, 4xx]' "$all_http"
scoped "ignore one rule in a scope" 'ignores:
  - rules: [HF014]
    target: /pagead/
    reason: "ads come from a vendor"' "FV020 216.239.59.99:80 /pagead/ads?client=
HF014 65.208.228.223:80 /download.html"
scoped "every key must match" 'ignores:
  - server: 216.239.59.99:80
    host: www.ethereal.com' "$all_http"

cases=$((cases + 1))
printf 'ignores:\n  - status: 200\n    rules: HF014\n' >"$tmp/work/scope.yaml"
(cd "$tmp/work" && "$resplint" --format json --config scope.yaml "$http") >"$tmp/out" 2>&1
ignored=$(tail -1 "$tmp/out" | python3 -c \
  'import json, sys; print(json.load(sys.stdin)["summary"]["withheld"]["ignored"])' 2>&1)
if [ "$ignored" = 2 ]; then
  pass "the summary counts findings dropped by scoped ignores"
else
  fail "summary count of ignored findings: $ignored"
fi

# --- settings and the command line -----------------------------------------
printf 'ignore: [FV020]\nfail-on: info\n' >"$tmp/work/.resplint.yaml"
expect_findings "the file's ignore applies" "HF014 216.239.59.99:80 /pagead/ads?client=
HF014 65.208.228.223:80 /download.html" -- "$http"
expect_findings "--no-config skips ./.resplint.yaml" "$all_http" -- --no-config "$http"
expect_findings "--ignore on the command line replaces the file's" \
  "FV020 216.239.59.99:80 /pagead/ads?client=" -- --ignore HF014 "$http"
expect "the file's fail-on applies" 1 -- "$resplint" -q "$http"
expect "--fail-on wins over the file" 0 -- "$resplint" -q --fail-on warning "$http"
printf 'select: HF\nlevels:\n  deprecated-field: error\nfail-on: error\n' >"$tmp/work/conf.yaml"
expect_findings "--config FILE: select and levels" "HF014 216.239.59.99:80 /pagead/ads?client=
HF014 65.208.228.223:80 /download.html" -- --config conf.yaml "$http"
expect "--config FILE: a level raised to error fails" 1 -- "$resplint" -q --config conf.yaml "$http"
expect "--level wins over the file's levels" 0 -- \
  "$resplint" -q --config conf.yaml --level HF014=info "$http"
expect_findings "--select replaces the file's select" "FV020 216.239.59.99:80 /pagead/ads?client=" \
  -- --config conf.yaml --select FV "$http"
rm -f "$tmp/work/.resplint.yaml"
printf 'limits:\n  max-header-bytes: 200\n' >"$tmp/work/limits.yaml"
cases=$((cases + 1))
(cd "$tmp/work" && "$resplint" --format json --config limits.yaml "$http") >"$tmp/out" 2>&1
(cd "$tmp/work" && "$resplint" --format json --config limits.yaml --max-header-bytes 0 "$http") \
  >"$tmp/out0" 2>&1
if grep -q '"rule":"HF012"' "$tmp/out" && ! grep -q '"rule":"HF012"' "$tmp/out0"; then
  pass "limits: the file's max-header-bytes, and --max-header-bytes 0 over it"
else
  fail "limits" "$(head -3 "$tmp/out")"
fi
cases=$((cases + 1))
"$resplint" --format json --max-fields 3 "$http" >"$tmp/out" 2>&1
"$resplint" --format json "$http" >"$tmp/out0" 2>&1
if grep -q '"rule":"HF013"' "$tmp/out" && ! grep -q '"rule":"HF013"' "$tmp/out0"; then
  pass "--max-fields"
else
  fail "--max-fields" "$(head -3 "$tmp/out")"
fi

# caps: in the file as --cap-NAME takes them, the command line winning.
printf 'caps:\n  fields: 5\n  header-bytes: 64K\n' >"$tmp/work/caps.yaml"
cases=$((cases + 1))
(cd "$tmp/work" && "$resplint" --config caps.yaml "$http") >"$tmp/out" 2>&1
(cd "$tmp/work" && "$resplint" --config caps.yaml --cap-fields 10000 "$http") >"$tmp/out0" 2>&1
if grep -q "because the header section was cut" "$tmp/out" &&
  ! grep -q "because the header section was cut" "$tmp/out0"; then
  pass "caps: the file's fields cap cuts sections, --cap-fields over it does not"
else
  fail "caps" "$(tail -3 "$tmp/out")"
fi

expect "docs/examples/resplint.yaml loads (its policies fail the demo)" 1 -- \
  "$resplint" -q --config "$root/docs/examples/resplint.yaml" "$root/fixtures/demo/demo.pcap"

# --- configuration errors: file, line, column; exit 2 ------------------------
bad() { # NAME 'YAML' 'TEXT'...
  local name=$1 yaml=$2
  shift 2
  printf '%s\n' "$yaml" >"$tmp/work/bad.yaml"
  expect "config error: $name" 2 "$@" -- "$resplint" --config bad.yaml "$http"
}
bad "unknown key" 'select: HF
levles: {}' "bad.yaml:2:1: error: unknown key 'levles'"
bad "unknown rule in select" 'select: [HF, ST999]' "bad.yaml:1:14: error: select: 'ST999' matches no rule"
bad "unknown rule in ignore" 'ignore: nosuch-rule' "bad.yaml:1:9: error: ignore: 'nosuch-rule' matches no rule"
bad "bad level" 'levels:
  HF014: loud' "bad.yaml:2:10: error: levels: HF014: expected error, warning or info"
bad "bad fail-on" 'fail-on: sometimes' "bad.yaml:1:10: error: fail-on"
bad "bad limit" 'limits:
  max-fields: -3' "bad.yaml:2:15: error: max-fields: expected a whole number"
bad "unknown limit" 'limits:
  max-things: 3' "bad.yaml:2:3: error: limits: unknown key 'max-things'"
bad "unknown cap" 'caps:
  flowz: 3' "bad.yaml:2:3: error: caps: unknown cap 'flowz'"
bad "bad cap" 'caps:
  ooo-total: 12Q' "bad.yaml:2:14: error: caps: ooo-total: expected a size in bytes"
bad "cap of 0" 'caps:
  pending: 0' "bad.yaml:2:12: error: caps: pending: expected a whole number from 1"
bad "caps not a mapping" 'caps: 5' "bad.yaml:1:7: error: caps: expected a mapping"
bad "scope without a scope" 'ignores:
  - rules: HF014
    reason: everywhere' "bad.yaml:2:5: error: ignore: give at least one of server, host, target or status"
bad "bad server" 'ignores:
  - server: "300.1.2.3:80"' "bad.yaml:2:13: error: ignore: server"
bad "bad status" 'ignores:
  - status: 4x4' "bad.yaml:2:13: error: status: expected a status code"
bad "unknown scope key" 'ignores:
  - path: /x' "bad.yaml:2:5: error: ignore: unknown key 'path'"
bad "unknown rule in a scope" 'ignores:
  - rules: [QQ1]
    status: 200' "bad.yaml:2:12: error: ignore rules: 'QQ1' names a rule that does not exist"
bad "YAML syntax" 'select: [HF' "bad.yaml:2:1: error:"
bad "not a mapping" '- HF014' "bad.yaml:1:1: error: expected a mapping"
bad "every problem is reported" 'levles: 1
fail-on: x' "bad.yaml:1:1: error" "bad.yaml:2:10: error"
expect "config error: missing --config file" 2 "resplint: nothing.yaml: No such file or directory" -- \
  "$resplint" --config nothing.yaml "$http"
printf 'select: [HF\n' >"$tmp/work/.resplint.yaml"
expect "config error: ./.resplint.yaml is read by default" 2 ".resplint.yaml:2:1: error:" -- \
  "$resplint" "$http"
rm -f "$tmp/work/.resplint.yaml"

# --- option errors: exit 2, one line naming the option -------------------------
expect "--format" 2 'resplint: --format needs text, json, sarif or junit, not "xml"' -- \
  "$resplint" --format xml "$http"
expect "--color" 2 'resplint: --color needs auto, always or never, not "sometimes"' -- \
  "$resplint" --color sometimes "$http"
expect "--fail-on" 2 'resplint: --fail-on needs error, warning, info or never, not "fatal"' -- \
  "$resplint" --fail-on fatal "$http"
expect "--level without =" 2 'resplint: --level needs SPEC=LEVEL' -- "$resplint" --level HF014 "$http"
expect "--level bad level" 2 'resplint: --level needs SPEC=LEVEL' -- "$resplint" --level HF014=loud "$http"
expect "--level unknown rule" 2 "resplint: level: 'ZZ9' matches no rule" -- \
  "$resplint" --level ZZ9=info "$http"
expect "--select unknown rule" 2 "resplint: select: 'ST999' matches no rule" -- \
  "$resplint" --select ST999 "$http"
expect "--ignore unknown rule" 2 "resplint: ignore: 'nosuch' matches no rule" -- \
  "$resplint" --ignore nosuch "$http"
expect "--max-header-bytes" 2 'resplint: --max-header-bytes needs a whole number from 0 to 4294967295, not "8k"' -- \
  "$resplint" --max-header-bytes 8k "$http"
expect "--max-fields" 2 'resplint: --max-fields needs a whole number' -- "$resplint" --max-fields -1 "$http"
expect "--date-skew" 2 'resplint: --date-skew needs a whole number' -- "$resplint" --date-skew 1.5 "$http"
expect "--rules missing directory" 2 "$tmp/nothing" -- "$resplint" --rules "$tmp/nothing" "$http"
mkdir -p "$tmp/work/policies"
printf 'id: ORG900\nname: broken\nlevle: error\n' >"$tmp/work/policies/ORG900-broken.yaml"
expect "--rules with a broken record names file and line" 2 "ORG900-broken.yaml:3" -- \
  "$resplint" --rules policies "$http"
expect "--rules loads the example policies" 1 -- \
  "$resplint" -q --rules "$root/docs/examples/policies" --select ORG "$http"
expect "--explain unknown rule" 2 'resplint: --explain: no rule has the ID or name "XX999"' -- \
  "$resplint" --explain XX999
expect "--list-rules with --explain" 2 "cannot be used together" -- \
  "$resplint" --list-rules --explain ST030
expect "--extract with standard input" 2 "--extract reads each capture file a second time" -- \
  "$resplint" --extract "$tmp/x" -
expect "--extract with live capture" 2 "--extract reads each capture file a second time" -- \
  "$resplint" --extract "$tmp/x" -i lo
expect "--dump-streams with --baseline" 2 "--dump-streams does not lint" -- \
  "$resplint" --dump-streams "$tmp/d" --baseline b.txt "$http"
expect "--config with --no-config" 2 "cannot be used together" -- \
  "$resplint" --config a.yaml --no-config "$http"
expect "missing --baseline file" 2 "resplint: nothing.txt: No such file or directory" -- \
  "$resplint" --baseline nothing.txt "$http"
printf '# comment\nHF014 only-one-field\n' >"$tmp/work/broken-baseline.txt"
expect "malformed --baseline file" 2 "broken-baseline.txt:2: error: not a baseline line" -- \
  "$resplint" --baseline broken-baseline.txt "$http"
expect "-o into a missing directory" 3 "resplint: $tmp/no/report.txt: cannot write the report" -- \
  "$resplint" -o "$tmp/no/report.txt" "$http"
expect "--write-baseline into a missing directory" 3 "cannot write the baseline" -- \
  "$resplint" --write-baseline "$tmp/no/b.txt" "$http"
expect "--extract into a missing parent" 3 "cannot create directory" -- \
  "$resplint" --extract "$tmp/no/x" "$async"

# --- transcripts as inputs ------------------------------------------------------
mkdir -p "$tmp/tr"
printf 'GET /private HTTP/1.1\r\nHost: x\r\n\r\n' >"$tmp/tr/login.client.http"
printf 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n' >"$tmp/tr/login.server.http"
cases=$((cases + 1))
"$resplint" --format json "$tmp/tr/login.server.http" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q '"rule":"ST030"' "$tmp/out" && grep -q '"target":"/private"' "$tmp/out"; then
  pass "a transcript is linted with its client half"
else
  fail "transcript input: exit $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
expect "a directory of transcripts: the client half is not 'skipped'" 1 -- \
  "$resplint" -v -o /dev/null "$tmp/tr"
if grep -q "skipped" "$tmp/err"; then fail "client transcript reported as skipped"; fi

# --- output options -------------------------------------------------------------
cases=$((cases + 1))
if "$resplint" -o "$tmp/report.json" --format json "$http" >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ] &&
  python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/report.json"; then
  pass "-o FILE holds the report, standard output stays empty"
else
  fail "-o FILE" "$(cat "$tmp/out")"
fi
cases=$((cases + 1))
"$resplint" --color always "$async" >"$tmp/always" 2>&1
NO_COLOR=1 "$resplint" "$async" >"$tmp/nocolor" 2>&1
"$resplint" --color never "$async" >"$tmp/never" 2>&1
esc=$(printf '\033')
if grep -q "$esc" "$tmp/always" && ! grep -q "$esc" "$tmp/nocolor" && ! grep -q "$esc" "$tmp/never"; then
  pass "--color always colours, NO_COLOR and --color never do not"
else
  fail "--color / NO_COLOR"
fi
cases=$((cases + 1))
"$resplint" -q "$async" >"$tmp/quiet" 2>&1
if ! grep -q "frame" "$tmp/quiet" && grep -q "summary" "$tmp/quiet"; then
  pass "-q prints the summary only"
else
  fail "-q" "$(cat "$tmp/quiet")"
fi

# --- rule documentation -----------------------------------------------------------
cases=$((cases + 1))
if "$resplint" --list-rules >"$tmp/list" && grep -q "ST030" "$tmp/list" &&
  grep -q "unauthorized-without-challenge" "$tmp/list" &&
  [ "$(grep -c . "$tmp/list")" -ge 100 ]; then
  pass "--list-rules: a table of the catalogue"
else
  fail "--list-rules" "$(head -3 "$tmp/list")"
fi
cases=$((cases + 1))
if "$resplint" --list-rules --format json >"$tmp/list.json" &&
  python3 - "$tmp/list.json" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
try:
    rules = json.loads(text)
except ValueError:
    rules = [json.loads(l) for l in text.splitlines() if l.strip()]
ids = {r["id"] for r in rules}
assert "ST030" in ids and "TR001" in ids and len(ids) >= 100, ids
EOF
then
  pass "--list-rules --format json parses and holds the catalogue"
else
  fail "--list-rules --format json"
fi
cases=$((cases + 1))
if "$resplint" --explain ST030 >"$tmp/explain" && grep -q "WWW-Authenticate" "$tmp/explain" &&
  grep -q "RFC 9110" "$tmp/explain" && "$resplint" --explain unauthorized-without-challenge |
  cmp -s - "$tmp/explain"; then
  pass "--explain by ID and by name"
else
  fail "--explain" "$(head -5 "$tmp/explain")"
fi

if ls "$tmp"/sanitizer.* >/dev/null 2>&1; then
  failures=$((failures + 1))
  echo "FAIL sanitizer reports:"
  cat "$tmp"/sanitizer.*
fi
echo "$((cases - failures)) of $cases cases passed"
[ "$failures" -eq 0 ]
