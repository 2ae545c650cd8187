#!/usr/bin/env bash
# Install Debian's Chromium (package `chromium`) when it is missing. The test that opens the
# clerk's summary page (tests/integration/test_summary_browser.py) runs it headless; without
# it that test is skipped, or fails under CI=true. Safe to run again: does nothing when present.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    echo "install-chromium: chromium already installed" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium: chromium is missing and installing it needs root." >&2
    echo "install-chromium: run 'sudo $0' (or: sudo apt-get install chromium)." >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: no apt-get here; install Chromium with your system's package manager." >&2
    exit 1
fi

echo "install-chromium: installing chromium (about a minute)..." >&2
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
echo "install-chromium: installed $(chromium --version 2>/dev/null || echo chromium)" >&2
