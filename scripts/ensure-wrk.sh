#!/usr/bin/env bash
# `make bench` measures HTTP throughput with wrk: install it when we can, else say what is missing.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing wrk (apt-get) for the HTTP benchmarks"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if ! command -v wrk >/dev/null 2>&1; then
  echo "ERROR: make bench needs wrk (the HTTP load generator) and could not install it here." \
       "Install it as root (apt-get install wrk, brew install wrk) and run make bench again." >&2
  exit 1
fi
