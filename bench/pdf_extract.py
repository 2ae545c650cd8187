"""Benchmark of PDF text extraction for intake: speed, text quality, isolation cost.

    .venv/bin/python bench/pdf_extract.py [--samples DIR] [--repeat N] > /tmp/pdf_bench.md

Measures, on this machine:
1. time per page of pypdf, pdfplumber and pypdfium2 (reference) on PDFs that
   reportlab writes here, and on printed NEFs when `--samples DIR` (or the
   environment variable INTAKE_NEF_PDF_SAMPLES) names a folder of them; without one,
   that part is skipped. The samples are only read, never copied;
2. whether the lines the NEF reader depends on survive each library intact;
3. the cost of `read_pdf_isolated` over `read_pdf`, and what the fallback readers add
   on damaged copies;
4. bounded time on a 2,000-page PDF and on a hostile one.

The results, with the machine and the decisions, are in bench/pdf_extract.md.
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import platform
import re
import statistics
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pdfplumber
import pypdf
import pypdfium2
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fixtures.pdfs import raw_pdf
from intake.edges.pdf.reader import PdfLimits, read_pdf, read_pdf_isolated

Extractor = Callable[[bytes], list[str]]


# ---------------------------------------------------------------- the libraries


def with_pypdf(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def with_pdfplumber(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def with_pypdfium2(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


LIBRARIES: dict[str, Extractor] = {
    "pypdf": with_pypdf,
    "pdfplumber": with_pdfplumber,
    "pypdfium2": with_pypdfium2,
}


# ------------------------------------------------------------ generated corpus


def reportlab_pdf(pages: int, lines_per_page: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for number in range(1, pages + 1):
        y = 740
        pdf.drawString(40, y, "U.S. Bankruptcy Court")
        for line in range(lines_per_page):
            y -= 13
            pdf.drawString(
                40,
                y,
                f"Case Number: 23-14130-JGR Document Number: {number} line {line} "
                "[STAMP bkecfStamp_ID=985638001 [Date=9/25/2023] [FileNumber=48774698-0]]",
            )
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def generated_corpus() -> dict[str, bytes]:
    return {
        "nef-like, 1 page x 40 lines": reportlab_pdf(1, 40),
        "letter-like, 3 pages x 50 lines": reportlab_pdf(3, 50),
        "report, 30 pages x 50 lines": reportlab_pdf(30, 50),
    }


def hostile_pdf() -> bytes:
    """One page whose content stream inflates from ~70 kB to 70 MB of blanks."""
    content = b"BT /F1 12 Tf 72 720 Td (Case Number: 23-14130-JGR) Tj ET" + b" " * 70_000_000
    stream = zlib.compress(content, 1)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return raw_pdf(objects)


# ------------------------------------------------------------------- measuring


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def speed_table(corpus: dict[str, bytes], repeat: int) -> list[str]:
    rows = [
        "| document | pages | " + " | ".join(f"{name} ms/page" for name in LIBRARIES) + " |",
        "|---|---:|" + "---:|" * len(LIBRARIES),
    ]
    totals = dict.fromkeys(LIBRARIES, 0.0)
    total_pages = 0
    for label, data in corpus.items():
        pages = page_count(data)
        total_pages += pages
        cells = []
        for name, extract in LIBRARIES.items():
            seconds = median_seconds(partial(extract, data), repeat)
            totals[name] += seconds
            cells.append(f"{seconds / pages * 1000:.1f}")
        rows.append(f"| {label} | {pages} | " + " | ".join(cells) + " |")
    rows.append(
        f"| **all** | {total_pages} | "
        + " | ".join(f"**{totals[name] / total_pages * 1000:.1f}**" for name in LIBRARIES)
        + " |"
    )
    return rows


# --------------------------------------------------------------- text quality


@dataclass(frozen=True)
class Check:
    name: str
    pattern: re.Pattern[str]


CHECKS = (
    Check(
        "court line",
        re.compile(r"^\s*(U\.S\.|United States) (Bankruptcy|District) Court\s*$", re.M),
    ),
    Check(
        "notice line",
        re.compile(
            r"^\s*Notice of "
            r"(Electronic Filing|Bankruptcy Case Filing|Electronic Claims Filing)\s*$",
            re.M,
        ),
    ),
    Check("Case Number: N", re.compile(r"Case Number:[ \t]*\S*\d")),
    Check("Document/Claim Number: N", re.compile(r"(Document|Claim) Number:[ \t]*\d")),
    Check(
        "stamp on one line",
        re.compile(
            r"\[STAMP[ \t]+\w+Stamp_ID=\d+[ \t]+\[Date=[\d/]+\][ \t]+\[FileNumber=\d+-\d+\]"
        ),
    ),
)
# A stamp that a printer wrapped is still whole once its line breaks are removed.
JOINED_STAMP = re.compile(r"\[STAMP\s*\w+Stamp_ID=\d+\s*\[Date=[\d/]+\]\s*\[FileNumber=\d+-\d+\]")


def stamp_joined(text: str) -> bool:
    for start in (m.start() for m in re.finditer(r"\[STAMP", text)):
        if JOINED_STAMP.match(re.sub(r"\s*\n\s*", "", text[start : start + 400])):
            return True
    return False


def quality_table(samples: dict[str, bytes]) -> list[str]:
    header = [
        "| sample | " + " | ".join(LIBRARIES) + " |",
        "|---|" + "---|" * len(LIBRARIES),
    ]
    rows = []
    totals = {name: [0, 0] for name in LIBRARIES}
    for label, data in samples.items():
        cells = []
        for name, extract in LIBRARIES.items():
            text = "\n".join(extract(data))
            has_stamp = "[STAMP" in text or "STAMP " in text
            missing = [
                check.name
                for check in CHECKS
                if (check.name != "stamp on one line" or has_stamp)
                and not check.pattern.search(text)
            ]
            applicable = len(CHECKS) - (0 if has_stamp else 1)
            totals[name][0] += applicable - len(missing)
            totals[name][1] += applicable
            if "stamp on one line" in missing and stamp_joined(text):
                missing[missing.index("stamp on one line")] = "stamp wrapped (whole once joined)"
            cells.append("ok" if not missing else "; ".join(missing))
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    rows.append(
        "| **checks passed** | "
        + " | ".join(f"**{passed}/{applicable}**" for passed, applicable in totals.values())
        + " |"
    )
    return header + rows


def normalised_lines(pages: list[str]) -> list[str]:
    lines = (re.sub(r"\s+", " ", line).strip() for page in pages for line in page.splitlines())
    return [line for line in lines if line]


def agreement_rows(samples: dict[str, bytes]) -> list[str]:
    """Lines (whitespace runs collapsed) where pypdf / pdfplumber differ from PDFium."""
    rows = []
    for name in ("pypdf", "pdfplumber"):
        files = changed = 0
        examples: list[str] = []
        for label, data in samples.items():
            reference = normalised_lines(with_pypdfium2(data))
            ours = normalised_lines(LIBRARIES[name](data))
            matcher = difflib.SequenceMatcher(None, ours, reference, autojunk=False)
            edits = [op for op in matcher.get_opcodes() if op[0] != "equal"]
            if edits:
                files += 1
                changed += sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in edits)
                _, i1, i2, j1, j2 = edits[0]
                if len(examples) < 3:
                    examples.append(f"{label}: {ours[i1:i2][:2]} vs {reference[j1:j2][:2]}")
        rows.append(
            f"- {name} vs pypdfium2: {changed} differing lines in {files} of {len(samples)} "
            "samples" + ("; e.g. " + " | ".join(f"`{e}`" for e in examples) if examples else "")
        )
    return rows


def links_table(samples: dict[str, bytes]) -> list[str]:
    found_pypdf = found_plumber = files_with_links = 0
    for data in samples.values():
        ours = read_pdf(data).links
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            theirs = [link["uri"] for page in pdf.pages for link in page.hyperlinks]
        found_pypdf += len(ours)
        found_plumber += len(set(theirs))
        files_with_links += bool(ours)
    return [
        f"- link annotations: read_pdf (pypdf) found {found_pypdf} distinct URIs in "
        f"{files_with_links} of {len(samples)} samples; pdfplumber's hyperlinks "
        f"found {found_plumber}."
    ]


# ------------------------------------------------------------------- isolation


def isolation_rows(corpus: dict[str, bytes], repeat: int) -> list[str]:
    """read_pdf and read_pdf_isolated, interleaved so that load changes hit both."""
    rows = [
        "| document | read_pdf ms | read_pdf_isolated ms | overhead ms |",
        "|---|---:|---:|---:|",
    ]
    read_pdf_isolated(next(iter(corpus.values())))
    for label, data in corpus.items():
        plain: list[float] = []
        isolated: list[float] = []
        for _ in range(repeat):
            plain.append(median_seconds(partial(read_pdf, data), 1))
            isolated.append(median_seconds(partial(read_pdf_isolated, data), 1))
        p, i = statistics.median(plain) * 1000, statistics.median(isolated) * 1000
        rows.append(f"| {label} | {p:.1f} | {i:.1f} | {i - p:.1f} |")
    return rows


def fallback_rows(corpus: dict[str, bytes], copies: int = 34) -> list[str]:
    """Damaged copies (truncations, random byte flips) read by PDFium alone and by the
    whole chain (PDFium, then pypdf, repaired pypdf, pdfplumber): what the fallbacks add."""
    import random

    from intake.edges.pdf import judge, pdfium_reader
    from intake.edges.pdf.interface import DEFAULT_LIMITS, pdf_body

    def pdfium_alone(data: bytes) -> bool:
        body = pdf_body(data)
        try:
            return body is not None and judge.verdict([pdfium_reader.read(body, DEFAULT_LIMITS)]).ok
        except Exception:
            return False

    rng = random.Random(1)
    counts = {"both": 0, "fallbacks only": 0, "PDFium only": 0, "neither": 0}
    for data in corpus.values():
        damaged = [data[: len(data) * k // 20] for k in range(1, 20)]
        for _ in range(copies - len(damaged)):
            flipped = bytearray(data)
            for _ in range(rng.randint(1, 20)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            damaged.append(bytes(flipped))
        for copy in damaged:
            alone, chain = pdfium_alone(copy), read_pdf(copy).ok
            key = {(True, True): "both", (False, True): "fallbacks only"}.get(
                (alone, chain), "PDFium only" if alone else "neither"
            )
            counts[key] += 1
    total = sum(counts.values())
    return [
        f"- {total} damaged copies of {len(corpus)} PDFs (19 truncations and"
        f" {copies - 19} random byte flips each): read by PDFium alone and the chain"
        f" {counts['both']}, by the fallbacks only {counts['fallbacks only']}, by PDFium"
        f" only {counts['PDFium only']}, by neither {counts['neither']}."
    ]


def bounded_rows() -> list[str]:
    rows = []
    started = time.perf_counter()
    long_pdf = reportlab_pdf(2000, 1)
    made = time.perf_counter() - started
    started = time.perf_counter()
    result = read_pdf(long_pdf)
    took = time.perf_counter() - started
    rows.append(
        f"- 2,000-page PDF (made in {made:.2f} s): read_pdf read {len(result.pages)} of "
        f"{result.page_count} pages (pages_read_limited={result.pages_read_limited}) "
        f"in {took:.2f} s."
    )
    hostile = hostile_pdf()
    mib = 1024 * 1024
    for limits in (
        PdfLimits(cpu_seconds=5),
        PdfLimits(timeout_seconds=5),
        PdfLimits(max_memory_bytes=64 * mib),
        PdfLimits(max_memory_bytes=192 * mib, cpu_seconds=60),
    ):
        started = time.perf_counter()
        result = read_pdf_isolated(hostile, limits)
        took = time.perf_counter() - started
        rows.append(
            f"- hostile PDF ({len(hostile) // 1024} kB inflating to 70 MB), "
            f"CPU {limits.cpu_seconds:g} s, wall clock {limits.timeout_seconds:g} s, "
            f"cap {limits.max_memory_bytes // 2**20} MiB:"
            f" `{result.reason}` after {took:.2f} s."
        )
    return rows


# ------------------------------------------------------------------------ main


def machine() -> list[str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"- nproc: {os.cpu_count()}; CPU: {model}; load average at start: {load}",
        f"- Python {platform.python_version()}; pypdf {pypdf.__version__}, "
        f"pdfplumber {pdfplumber.__version__}, pypdfium2 {pypdfium2.version.PYPDFIUM_INFO}",
    ]


def load_samples(folder: str | None) -> dict[str, bytes]:
    if not folder or not Path(folder).is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(Path(folder).glob("*.pdf"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", default=os.environ.get("INTAKE_NEF_PDF_SAMPLES"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--parts",
        default="speed,quality,isolation,bounded",
        help="comma-separated subset of: speed, quality, isolation, bounded",
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    samples = load_samples(args.samples)
    corpus = generated_corpus()

    out = ["## Machine", *machine()]
    if "speed" in parts:
        out += ["", "## Speed: PDFs written by reportlab (median of runs)"]
        out += speed_table(corpus, args.repeat)
        if samples:
            out += ["", f"## Speed: printed NEFs ({len(samples)} files, median of runs)"]
            out += samples_speed_table(samples, args.repeat)
    if "quality" in parts and samples:
        out += ["", "## Text quality on printed NEFs (what is missing, per library)"]
        out += quality_table(samples)
        out += ["", "## Line agreement with PDFium (whitespace runs collapsed)"]
        out += agreement_rows(samples)
        out += ["", *links_table(samples)]
    if not samples:
        out += ["", "(no printed NEF samples given: --samples DIR; that part is skipped)"]
    if "isolation" in parts:
        isolation_corpus = dict(corpus)
        for name in ("cacb_1.browser.pdf", "ctb_multi_1.outlook.pdf", "cob_1.text.pdf"):
            if name in samples:
                isolation_corpus[name] = samples[name]
        out += ["", "## Cost of isolation per document"]
        out += isolation_rows(isolation_corpus, args.repeat)
        out += ["", "## What the fallback readers add (damaged files)"]
        out += fallback_rows(isolation_corpus)
    if "bounded" in parts:
        out += ["", "## Bounded time and memory", *bounded_rows()]
    print("\n".join(out))


def samples_speed_table(samples: dict[str, bytes], repeat: int) -> list[str]:
    """ms per page of each library, per way of printing (browser, outlook, text)."""
    kinds: dict[str, dict[str, bytes]] = {}
    for name, data in samples.items():
        kinds.setdefault(name.rsplit(".", 2)[-2], {})[name] = data
    rows = [
        "| corpus | pages | " + " | ".join(f"{name} ms/page" for name in LIBRARIES) + " |",
        "|---|---:|" + "---:|" * len(LIBRARIES),
    ]
    for kind, files in kinds.items():
        pages = sum(page_count(data) for data in files.values())
        cells = []
        for extract in LIBRARIES.values():
            seconds = sum(median_seconds(partial(extract, data), repeat) for data in files.values())
            cells.append(f"{seconds / pages * 1000:.1f}")
        rows.append(f"| {kind} prints ({len(files)} files) | {pages} | " + " | ".join(cells) + " |")
    return rows


if __name__ == "__main__":
    main()
