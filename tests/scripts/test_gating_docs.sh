#!/usr/bin/env bash
# The documentation ships and stays in step with the program: cmake --install
# puts the binary and resplint(1) in place, the man page renders without
# warnings, and every long option --help lists is documented in the man page
# and in the README.
# Usage: test_gating_docs.sh PATH/TO/resplint
set -u
resplint=${1:?usage: $0 PATH/TO/resplint}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "$(dirname "$resplint")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rl-gating-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Sanitizer reports of the binary (an ASan build) go to files that are
# printed at the end, where ctest's failure pattern sees them: the cases
# themselves keep standard error to check messages.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$tmp/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$tmp/sanitizer"

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

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1
[ -x "$tmp/prefix/bin/resplint" ] && [ -f "$tmp/prefix/share/man/man1/resplint.1" ]
check "cmake --install installs the binary and resplint(1)" $? "$(cat "$tmp/install.log")"

if command -v man >/dev/null 2>&1; then
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$root/docs/resplint.1" >"$tmp/man.txt" 2>"$tmp/man.err"
  [ -s "$tmp/man.txt" ] && [ ! -s "$tmp/man.err" ]
  check "the man page renders without warnings" $? "$(cat "$tmp/man.err")"
else
  echo "note man not installed: rendering not checked"
fi

"$resplint" --help >"$tmp/help"
missing_man=()
missing_readme=()
for opt in $(grep -oE -- '--[a-z][a-z-]+' "$tmp/help" | sort -u); do
  grep -qF -- "${opt//-/\\-}" "$root/docs/resplint.1" || missing_man+=("$opt")
  grep -qF -- "$opt" "$root/README.md" || missing_readme+=("$opt")
done
check "every option of --help is in the man page" ${#missing_man[@]} "${missing_man[@]}"
check "every option of --help is in the README" ${#missing_readme[@]} "${missing_readme[@]}"

if ls "$tmp"/sanitizer.* >/dev/null 2>&1; then
  failures=$((failures + 1))
  echo "FAIL sanitizer reports:"
  cat "$tmp"/sanitizer.*
fi
echo "$((cases - failures)) of $cases cases passed"
[ "$failures" -eq 0 ]
