#!/usr/bin/env bash
# Creates .venv and installs intake with its development tools. Idempotent and quick when
# nothing changed: the install is skipped while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: intake needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1)." >&2
  echo "setup: set PYTHON=/path/to/python3.11 and run again." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.intake-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing intake and its dependencies into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' >&2 || true
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' >&2 || true
  # OCR's binding (a wheel with Tesseract's library inside; the language data is Debian's
  # tesseract-ocr, scripts/install-tesseract.sh). Optional: intake works without it.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[ocr]' 2>&1 | grep -v '^WARNING: Location' >&2 || true
  .venv/bin/python -c 'import tesserocr' 2>/dev/null \
    || echo "setup: tesserocr could not be installed; intake will run without OCR" >&2
  .venv/bin/python -c 'import intake, pypdf, pdfplumber, imap_tools, pydantic, pytest' || {
    echo "setup: the install failed (see above)" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
