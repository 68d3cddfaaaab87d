#!/usr/bin/env bash
# The browser tests inject axe-core (npm, pinned in package-lock.json) into each page they check.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -f node_modules/axe-core/axe.min.js ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "NOTE: npm is missing (apt-get install npm), so axe-core cannot be installed; the accessibility checks will skip." >&2
  exit 0
fi
echo "Installing axe-core from package-lock.json (npm ci) for the accessibility checks"
npm ci --no-audit --no-fund --loglevel=error || echo "NOTE: npm ci failed; the accessibility checks will skip." >&2
exit 0
