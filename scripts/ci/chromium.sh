#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (playwright-core never downloads a browser: the
# network here is closed to it). Installs it when missing; apt-get update once first, since
# a fresh machine's package lists are empty.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y chromium
