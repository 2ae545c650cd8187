#!/usr/bin/env bash
# Install Debian's Chromium (headless use in tests) when it is missing. Needs root.
# The summary-page test opens the clerk's HTML summary in it; without it the test skips
# (or fails under CI=true).
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium: chromium is missing and installing it needs root" >&2
    exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
command -v chromium >/dev/null
