#!/usr/bin/env bash
# The test command: sets up everything a fresh machine lacks, then runs the linters and
# the whole test suite (unit tests, and integration tests against a real Dovecot and a
# real aiosmtpd started by the tests). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/install-dovecot.sh
bash scripts/install-chromium.sh
bash scripts/install-tesseract.sh

echo "== ruff" >&2
.venv/bin/ruff check intake tests fixtures bench scripts
.venv/bin/ruff format --check intake tests fixtures bench scripts
echo "== mypy" >&2
.venv/bin/mypy
echo "== pytest" >&2
.venv/bin/python -m pytest -q "$@"
