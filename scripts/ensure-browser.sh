#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; install it (and Arabic fonts) when we can.
set -uo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans Arabic\|Noto Naskh Arabic"; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium and fonts-noto-core for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null
else
  echo "NOTE: /usr/bin/chromium is missing and cannot be installed here; the browser tests will skip." >&2
fi
exit 0
