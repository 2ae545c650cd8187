"""What OCR costs a page, and what it reads: `.venv/bin/python bench/ocr.py [--write FILE]`.

For printed NEFs and a letter (each print style), scanned back at 200 dpi (`scan_of`):
the CPU time of `read_pdf` on the scan (PDFium renders the page at 300 dpi, Tesseract
reads it through tesserocr), against the floor measured in the same run: `read_pdf` of
the same page with its text layer. Also pytesseract (a `tesseract` process per page) on
the same rendered image, when it is installed, for the choice of binding; and the
confidence and whether the NEF's facts were read right.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fixtures.letters import example_letter
from fixtures.nefs import example_nef
from fixtures.pdfs import letter_pdf, nef_pdf, scan_of
from intake.core.documents.nef import read_nefs
from intake.edges.pdf.ocr import ocr_status
from intake.edges.pdf.reader import read_pdf

ROUNDS = 3


def cpu(action: Callable[[], object]) -> float:
    """The least CPU time of ROUNDS runs of `action` (a callable), in seconds."""
    times = []
    for _ in range(ROUNDS):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return min(times)


def pytesseract_seconds(scan: bytes) -> float | None:
    try:
        import pypdfium2 as pdfium
        import pytesseract
    except ImportError:
        return None
    image = pdfium.PdfDocument(scan)[0].render(scale=300 / 72, grayscale=True).to_pil()
    start = time.perf_counter()
    pytesseract.image_to_string(image)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    status = ocr_status()
    if not status.available:
        print(f"OCR is not available: {status.detail}")
        return 1
    samples = [
        (f"NEF, {s} print", nef_pdf(example_nef("njb"), s)) for s in ("browser", "outlook", "text")
    ]
    samples.append(("letter", letter_pdf(example_letter(signature="block"))))
    rows = []
    for name, pdf in samples:
        scan = scan_of(pdf)
        floor = cpu(functools.partial(read_pdf, pdf))
        ocr = cpu(functools.partial(read_pdf, scan))
        wall_start = time.perf_counter()
        text = read_pdf(scan)
        wall = time.perf_counter() - wall_start
        page = text.pages[0]
        nefs = read_nefs(text)
        right = "-"
        if name.startswith("NEF"):
            n = nefs[0] if nefs else None
            right = (
                "yes"
                if n and n.court_id == "njb" and n.cases[0].case_number == "24-11562-TBM"
                else "no"
            )
        py = pytesseract_seconds(scan)
        rows.append((name, floor, ocr, wall, page.confidence or 0.0, right, py))
    lines = [
        "# OCR cost per page",
        "",
        f"Run of {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {status.detail}; Python "
        f"{platform.python_version()}; {os.cpu_count()} CPUs; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
        "One page printed and scanned back at 200 dpi; `read_pdf` CPU time (least of "
        f"{ROUNDS}); floor: the same page read from its text layer.",
        "",
        "| page | text layer (floor) | OCR, tesserocr (CPU) | ratio to floor | wall "
        "| confidence | facts right | pytesseract (wall) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, floor, ocr, wall, conf, right, py in rows:
        pyt = f"{py:.2f} s" if py is not None else "not installed"
        lines.append(
            f"| {name} | {floor * 1000:.0f} ms | {ocr:.2f} s | {ocr / max(floor, 1e-4):.0f}x | "
            f"{wall:.2f} s | {conf:.2f} | {right} | {pyt} |"
        )
    median = statistics.median(r[2] for r in rows)
    lines += [
        "",
        f"Median OCR cost: {median:.2f} s of CPU a page. The reader OCRs at most "
        "`PdfLimits.ocr_max_pages` (8) pages a document, so at most about "
        f"{8 * median:.0f} s of its 20 s CPU bound.",
    ]
    out = "\n".join(lines) + "\n"
    print(out)
    if args.write:
        args.write.write_text(out, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
