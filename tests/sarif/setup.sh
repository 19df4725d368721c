#!/bin/sh
# Installs the SARIF schema validator (Ajv with draft-04 support and
# formats) from the npm registry, exactly as pinned by package-lock.json,
# into tests/sarif/node_modules. Called by scripts/setup-deps.sh; the SARIF
# validation test skips (exit 77) until it has run.
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
  echo "tests/sarif/setup.sh: npm is not installed (Debian package npm)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
