#!/usr/bin/env bash
# Terminal and format safety (issue #8): a transcript whose reason phrase,
# field names, field values and request target carry ANSI/OSC escape
# sequences, BEL, DEL, C1 bytes (0x9b is a one-byte CSI on some terminals)
# and bytes that are not UTF-8 is linted in every format; then
#  - text (colour off): every byte printable ASCII or a newline;
#  - text (colour on): the same once resplint's own SGR colour codes
#    (ESC [ digits m) are removed, so no wire sequence survives;
#  - JSON Lines and SARIF: strict UTF-8, every line / the document parses as
#    JSON (raw control bytes in strings are invalid JSON);
#  - JUnit: strict UTF-8 and well-formed XML 1.0 (which forbids most C0 bytes);
# and each output names the rules that quote those bytes, so the check is
# not passed by an empty report. Exit 77 when python3 is missing.
set -u
bin=${1:?usage: test_adversarial_terminal.sh RESPLINT}
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/rl-terminal.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

printf 'GET /\x1b[2Jpath\x9b HTTP/1.1\r\nHost: ex\x1bample.com\r\n\r\n' >"$tmp/ansi.client.http"
printf '%s' \
  $'HTTP/1.1 200 OK \x1b[2J\x1b]0;pwned\x07 \x9b31m \xff\xfe\r\n' \
  $'Content-Length: 2\r\n' \
  $'X-Evil: a\x1b[31mred\x1b[0m \xc3\x28 \xed\xa0\x80 \x7f \x1bP1;2|x\x1b\\\r\n' \
  $'Bad\x1bName: v\r\n' \
  $'Content-Type: text/\xff\r\n' \
  $'\r\nok' >"$tmp/ansi.server.http"

fail=0
for fmt in text json sarif junit; do
  for color in never always; do
    [ "$fmt" != text ] && [ "$color" = always ] && continue
    out=$tmp/out.$fmt.$color
    "$bin" --format "$fmt" --color "$color" "$tmp/ansi.server.http" >"$out" 2>"$tmp/err"
    rc=$?
    if [ $rc -ne 1 ]; then
      echo "FAIL $fmt/$color: exit $rc, expected 1 (findings)"; cat "$tmp/err"; fail=1; continue
    fi
    if python3 - "$fmt" "$color" "$out" <<'PY'; then echo "ok   $fmt (colour $color)"; else fail=1; fi
import json, re, sys
import xml.etree.ElementTree as ET
fmt, color, path = sys.argv[1:]
data = open(path, "rb").read()
def die(msg):
    print("FAIL %s (colour %s): %s" % (fmt, color, msg))
    sys.exit(1)
for rule in ("SL004", "HF004", "HF001"):
    if rule.encode() not in data:
        die("no %s finding: the wire bytes never reached the report" % rule)
if fmt == "text":
    if color == "always":
        if b"\x1b[" not in data:
            die("--color always wrote no colour")
        data = re.sub(rb"\x1b\[[0-9;]*m", b"", data)
    bad = [(i, b) for i, b in enumerate(data) if not (0x20 <= b < 0x7f or b == 0x0a)]
    if bad:
        i, b = bad[0]
        die("%d unsafe bytes, the first 0x%02x at %d: %r" % (len(bad), b, i, data[max(0, i - 40):i + 20]))
    sys.exit(0)
try:
    text = data.decode("utf-8", errors="strict")
except UnicodeDecodeError as e:
    die("not UTF-8: %s" % e)
if fmt == "json":
    for n, line in enumerate(text.splitlines(), 1):
        try:
            json.loads(line, strict=True)
        except ValueError as e:
            die("line %d is not JSON: %s" % (n, e))
elif fmt == "sarif":
    try:
        doc = json.loads(text, strict=True)
    except ValueError as e:
        die("not JSON: %s" % e)
    if doc.get("version") != "2.1.0":
        die("not SARIF 2.1.0")
else:
    try:
        ET.fromstring(data)
    except ET.ParseError as e:
        die("not well-formed XML: %s" % e)
PY
  done
done
# A user rule record whose texts carry escape sequences is refused at load
# (exit 2, the error naming the file and line), never printed by --explain.
mkdir -p "$tmp/rules"
sed -e 's/^id: FV001/id: ZZ901/' -e 's/^name: missing-date/name: escape-in-texts/' \
    -e 's/^summary: .*/summary: "clear \\e[2J the screen"/' \
    "$(dirname "$0")/../../rules/fv/FV001-missing-date.yaml" >"$tmp/rules/ZZ901-escape-in-texts.yaml"
"$bin" --rules "$tmp/rules" --explain ZZ901 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "ZZ901-escape-in-texts.yaml:[0-9]*:[0-9]*: error" "$tmp/err" &&
   ! grep -q $'\x1b' "$tmp/out" "$tmp/err"; then
  echo "ok   a rule record with an escape sequence is refused"
else
  echo "FAIL a rule record with an escape sequence: exit $rc"; cat -v "$tmp/err" "$tmp/out" | head; fail=1
fi
exit $fail
