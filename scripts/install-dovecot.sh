#!/usr/bin/env bash
# Install Dovecot's IMAP server (Debian package dovecot-imapd) when it is missing.
# The integration tests start their own private Dovecot instance from it; the package
# does not start a system-wide server. Safe to run again: it does nothing when present.
set -euo pipefail

if command -v dovecot >/dev/null 2>&1; then
    echo "install-dovecot: dovecot already installed ($(dovecot --version 2>/dev/null || echo unknown version))"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-dovecot: dovecot is missing and installing it needs root." >&2
    echo "install-dovecot: run 'sudo $0' (or: sudo apt-get install dovecot-imapd)." >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-dovecot: no apt-get here; install Dovecot 2.3 (IMAP) with your system's package manager." >&2
    exit 1
fi

echo "install-dovecot: installing dovecot-imapd (about 15 s)..."
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dovecot-imapd
echo "install-dovecot: installed $(dovecot --version)"
