#!/usr/bin/env bash
# Installs the SARIF schema validator (Ajv with draft-04 support and
# formats) from the npm registry, exactly as pinned by package-lock.json,
# into tests/sarif/node_modules. Meant for scripts/setup-deps.sh, after the
# Debian package npm; safe to run again (it does nothing when the installed
# tree is newer than the lock file). The SARIF validation test
# (tests/scripts/test_report_sarif.sh) skips with exit 77 until it has run.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f node_modules/.package-lock.json ] &&
  [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "tests/sarif/setup.sh: npm is not installed (Debian package npm)" >&2
  exit 1
fi
echo "setup: installing the SARIF validator (npm ci in tests/sarif)"
npm ci --no-audit --no-fund --loglevel=error
