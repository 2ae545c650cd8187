#!/usr/bin/env bash
# Install Debian's Tesseract OCR (package `tesseract-ocr`, which brings the English data
# `tesseract-ocr-eng`) when it is missing. intake reads pages without a text layer (a
# signed letter scanned, a notice printed and scanned back) with it, through the Python
# binding tesserocr; without it intake still works, reports such pages as "no text layer",
# and `intake config check` says OCR is off. Safe to run again: does nothing when present.
set -euo pipefail

if ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata >/dev/null 2>&1; then
    echo "install-tesseract: tesseract-ocr already installed" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-tesseract: Tesseract's English data is missing; intake runs without OCR." >&2
    echo "install-tesseract: to read scans, run 'sudo apt-get install tesseract-ocr'." >&2
    exit 0
fi

echo "install-tesseract: installing tesseract-ocr..." >&2
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends tesseract-ocr tesseract-ocr-eng
echo "install-tesseract: installed $(tesseract --version 2>/dev/null | head -1 || echo tesseract-ocr)" >&2
