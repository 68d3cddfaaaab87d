#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; install it (and Arabic fonts) when we can.
set -uo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# Read the font list whole before matching: `fc-list | grep -q` under pipefail fails with 141
# whenever grep stops reading before fc-list has written everything (SIGPIPE).
fonts=$(fc-list 2>/dev/null || true)
if [ -x "$CHROMIUM" ] && grep -qi "Noto Sans Arabic\|Noto Naskh Arabic" <<<"$fonts"; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium and fonts-noto-core for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
else
  echo "NOTE: $CHROMIUM or the Noto Arabic fonts are missing and cannot be installed here; the browser tests will skip." >&2
fi
exit 0
