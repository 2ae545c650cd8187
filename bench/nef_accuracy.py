"""Accuracy of intake's NEF reader on the held-out NEF corpus (fixtures/nef_corpus).

    .venv/bin/python bench/nef_accuracy.py [--cli] [--ocr auto|yes|no] [--only TAG]
        [--write bench/nef_accuracy.md]

Reads every PDF of the corpus the way `intake check` does (its `check_bytes` and the JSON
of `intake check --json`, in this process; `--cli` runs `intake check --json` on the PDFs
written to a temporary folder instead) and compares what it reports with the labels:

- per PDF: `kind` (a scan is expected "unreadable" when OCR is not available) and the
  number of notices found;
- per notice (the label's notices matched to the reported ones by first page, else by
  order): court id, court type, case numbers (every case block, in order), document/claim
  numbers, filer (compared by words, ignoring order, case and punctuation), notice type,
  pages (first and last);
- the same by style tag, and the list of every misread.

Exit status 0 whatever the figures (the reader is still changing; this measures it).
`--write FILE` records the figures, the machine and the commit in a Markdown file.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.nef_corpus import NefCase, NoticeLabel, cases  # noqa: E402

FIELDS = (
    "kind",
    "notice count",
    "court id",
    "court type",
    "case numbers",
    "document/claim",
    "filer",
    "notice type",
    "pages",
)
NOTICE_FIELDS = FIELDS[2:]


# ------------------------------------------------------------------ reading


def read_in_process(corpus: Sequence[NefCase]) -> Iterable[tuple[NefCase, dict[str, Any], float]]:
    """The first document of `intake check --json`'s object for each case, through the
    functions `intake check` uses."""
    from intake.commands.check import check_bytes
    from intake.core.policy.rules import load_rules
    from intake.core.report import check_json
    from intake.edges.mail.limits import MessageLimits

    rules = load_rules(None)
    limits = MessageLimits()
    for case in corpus:
        start = time.perf_counter()
        try:
            with _quiet_stderr():
                checked = check_bytes(case.filename, case.pdf, rules, limits)
            line = check_json(
                case.filename, checked.envelope, checked.documents, checked.assessment, rules
            )
            doc = json.loads(json.dumps(line))["documents"][0]
        except Exception as exc:  # a crash is a reading too: report it, go on
            doc = {"kind": f"error: {type(exc).__name__}: {exc}"}
        yield case, doc, time.perf_counter() - start


STDERR_LINES = [0]  # what the reader (and its children) wrote to stderr, counted


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """The reader's children inherit file descriptor 2: pypdf's warnings about the corpus's
    corrupt PDF would drown the report. Counted, not shown."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            STDERR_LINES[0] += sink.read().count(b"\n")


def read_with_cli(corpus: Sequence[NefCase]) -> Iterable[tuple[NefCase, dict[str, Any], float]]:
    """`intake check --json` run on the PDFs written to a temporary folder."""
    intake = shutil.which("intake", path=str(Path(sys.executable).parent)) or "intake"
    with tempfile.TemporaryDirectory(prefix="nef-corpus-") as tmp:
        folder = Path(tmp)
        paths = {}
        for case in corpus:
            path = folder / f"{case.id}.pdf"
            path.write_bytes(case.pdf)
            paths[str(path)] = case
        start = time.perf_counter()
        proc = subprocess.run(
            [intake, "check", "--json", *paths], capture_output=True, text=True, check=False
        )
        each = (time.perf_counter() - start) / max(1, len(paths))
        seen = {}
        for raw in proc.stdout.splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            docs = line.get("documents") or [{}]
            seen[line.get("source", "")] = docs[0]
        for source, case in paths.items():
            doc = seen.get(source, {"kind": f"error: no output ({proc.stderr.strip()[:80]})"})
            yield case, doc, each


def ocr_available() -> bool:
    """Tesseract and a Python binding for it are installed (what OCR would need)."""
    if not shutil.which("tesseract"):
        return False
    return any(
        importlib.util.find_spec(name) is not None
        for name in ("tesserocr", "pytesseract", "ocrmypdf")
    )


# ------------------------------------------------------------------ comparing


def notices_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The notices of a reported document: `nefs`, or the lone `nef` of older outputs."""
    nefs = doc.get("nefs")
    if isinstance(nefs, list) and nefs:
        return [n for n in nefs if isinstance(n, dict)]
    nef = doc.get("nef")
    return [nef] if isinstance(nef, dict) else []


def case_key(number: object) -> str:
    text = str(number or "").strip().lower()
    text = re.sub(r"\s+", "", text)
    mdl = re.fullmatch(r"(?:mdl)?(?:no\.?)?(\d+)", text)
    return mdl.group(1) if mdl else text


def name_key(name: object) -> tuple[str, ...]:
    text = unicodedata.normalize("NFKD", str(name or "")).lower()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return tuple(sorted(w for w in re.findall(r"[a-z0-9]+", text) if w != "esq"))


def number_key(value: object) -> str:
    return str(value).strip().lstrip("#").lower() if value not in (None, "") else ""


def _cases(notice: dict[str, Any]) -> list[dict[str, Any]]:
    got = notice.get("cases")
    return [c for c in got if isinstance(c, dict)] if isinstance(got, list) else []


def _pages(notice: dict[str, Any]) -> tuple[int, int] | None:
    pages = notice.get("pages")
    if isinstance(pages, list | tuple) and len(pages) == 2:
        try:
            return int(pages[0]), int(pages[1])
        except (TypeError, ValueError):
            return None
    return None


def compare_notice(
    label: NoticeLabel, got: dict[str, Any] | None
) -> dict[str, tuple[bool, str, str]]:
    """field -> (right, expected, got) for one notice (got None: the reader missed it)."""
    g = got or {}
    want_cases = [case_key(c.case_number) for c in label.cases]
    got_cases = [case_key(c.get("case_number")) for c in _cases(g)]
    want_numbers = [
        (number_key(c.document_number), number_key(c.claim_number)) for c in label.cases
    ]
    got_numbers = [
        (number_key(c.get("document_number")), number_key(c.get("claim_number"))) for c in _cases(g)
    ]
    court_types = (label.court_type, *label.court_type_also)
    pages = _pages(g)
    return {
        "court id": (
            g.get("court_id") == label.court_id,
            str(label.court_id),
            str(g.get("court_id")),
        ),
        "court type": (
            g.get("court_type") in court_types,
            "|".join(court_types),
            str(g.get("court_type")),
        ),
        "case numbers": (got_cases == want_cases, " + ".join(want_cases), " + ".join(got_cases)),
        "document/claim": (
            got_numbers == want_numbers,
            _numbers(want_numbers),
            _numbers(got_numbers),
        ),
        "filer": (
            bool(got) and name_key(g.get("filer")) == name_key(label.filer),
            str(label.filer),
            str(g.get("filer")),
        ),
        "notice type": (
            g.get("notice_type") == label.notice_type,
            label.notice_type,
            str(g.get("notice_type")),
        ),
        "pages": (
            pages == label.pages,
            f"{label.pages[0]}-{label.pages[1]}",
            f"{pages[0]}-{pages[1]}" if pages else "none",
        ),
    }


def _numbers(pairs: Sequence[tuple[str, str]]) -> str:
    return (
        " + ".join(f"doc {d}" if d else (f"claim {c}" if c else "none") for d, c in pairs) or "none"
    )


def match(
    labels: Sequence[NoticeLabel], got: Sequence[dict[str, Any]]
) -> list[dict[str, Any] | None]:
    """The reported notice for each labelled one: the first unused one with the same first
    case number, else with the same first page, else the next unused one in order (so a
    notice read with the wrong pages is still compared field by field)."""
    free = list(range(len(got)))
    out: list[dict[str, Any] | None] = []
    for label in labels:
        want_case = case_key(label.cases[0].case_number)

        def first_case(i: int) -> str:
            return case_key((_cases(got[i]) or [{}])[0].get("case_number"))

        pick = next((i for i in free if first_case(i) == want_case), None)
        if pick is None:
            pick = next((i for i in free if (_pages(got[i]) or (0, 0))[0] == label.pages[0]), None)
        if pick is None and free and len(got) >= len(labels):
            pick = free[0]
        if pick is None:
            out.append(None)
        else:
            free.remove(pick)
            out.append(got[pick])
    return out


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.right += ok

    def __str__(self) -> str:
        if not self.total:
            return "-"
        return f"{100 * self.right / self.total:.0f}% ({self.right}/{self.total})"


@dataclass
class Scores:
    fields: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    whole: Tally = field(default_factory=Tally)  # PDFs read right in every field


@dataclass
class Outcome:
    case: NefCase
    doc: dict[str, Any]
    seconds: float
    checks: list[tuple[str, bool, str, str, int | None]]  # field, ok, want, got, notice
    missed: frozenset[int] = frozenset()  # labelled notices the reader did not report at all


def assess(case: NefCase, doc: dict[str, Any], seconds: float, ocr: bool) -> Outcome:
    label = case.label
    want_kind = label.expected_kind(ocr)
    kind = str(doc.get("kind"))
    also = label.kind_also if want_kind == label.kind else ()
    checks: list[tuple[str, bool, str, str, int | None]] = [
        ("kind", kind == want_kind or kind in also, "|".join((want_kind, *also)), kind, None)
    ]
    got = notices_of(doc) if kind == "nef" else []
    # A kind the label allows besides "nef" holds no notices to compare.
    want = label.notices if want_kind == "nef" and kind not in also else ()
    checks.append(("notice count", len(got) == len(want), str(len(want)), str(len(got)), None))
    missed = set()
    for n, (notice, reported) in enumerate(zip(want, match(want, got), strict=True), 1):
        if reported is None:
            missed.add(n)
        for name, (ok, expected, actual) in compare_notice(notice, reported).items():
            checks.append((name, ok, expected, actual, n))
    return Outcome(case, doc, seconds, checks, frozenset(missed))


def score(outcomes: Iterable[Outcome]) -> Scores:
    s = Scores()
    for o in outcomes:
        for name, ok, *_ in o.checks:
            s.fields[name].add(ok)
        s.whole.add(all(ok for _, ok, *_ in o.checks))
    return s


# ------------------------------------------------------------------ reporting


def report(outcomes: list[Outcome], ocr: bool, mode: str, elapsed: float) -> str:
    lines: list[str] = []
    overall = score(outcomes)
    ocr_note = "OCR assumed available" if ocr else "no OCR: scans expected unreadable"
    notices = sum(len(o.case.label.notices) for o in outcomes)
    lines.append(
        f"{len(outcomes)} PDFs, {notices} labelled notices; {ocr_note}; "
        f"{STDERR_LINES[0]} lines of reader warnings on stderr (not shown); "
        f"read {mode}; {elapsed:.1f} s ({1000 * elapsed / max(1, len(outcomes)):.0f} ms a PDF)."
    )
    lines.append("")
    lines.append("| field | accuracy |")
    lines.append("| --- | --- |")
    for name in FIELDS:
        lines.append(f"| {name} | {overall.fields[name]} |")
    lines.append(f"| **every field of the PDF right** | {overall.whole} |")
    lines.append("")
    tags: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        for tag in o.case.styles:
            if not tag.startswith("name-"):
                tags[tag].append(o)
    lines.append("By style tag (PDFs with the tag; `-`: no such field in them):")
    lines.append("")
    lines.append(
        "| tag | PDFs | kind | notices | court id | court type | cases | doc/claim | filer "
        "| type | pages | all right |"
    )
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for tag in sorted(tags):
        s = score(tags[tag])
        cells = [_short(s.fields[f]) for f in FIELDS]
        lines.append(
            f"| {tag} | {len(tags[tag])} | " + " | ".join(cells) + f" | {_short(s.whole)} |"
        )
    lines.append("")
    misreads = [
        (o, name, want, got, n) for o in outcomes for name, ok, want, got, n in o.checks if not ok
    ]
    lines.append(
        f"Misreads ({len(misreads)} field readings; a notice not found at all is one line, "
        "its fields counted wrong above):"
    )
    lines.append("")
    for o, name, want, got, n in misreads:
        if n in o.missed:
            if name == NOTICE_FIELDS[0]:
                cases = " + ".join(c.case_number for c in o.case.label.notices[n - 1].cases)
                lines.append(f"- `{o.case.id}` notice {n} ({cases}): not found")
            continue
        where = f" notice {n}" if n else ""
        lines.append(f"- `{o.case.id}`{where} {name}: expected `{want}`, got `{got}`")
    if not misreads:
        lines.append("- none")
    return "\n".join(lines) + "\n"


def _short(t: Tally) -> str:
    return f"{100 * t.right / t.total:.0f}%" if t.total else "-"


def _machine() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()[:90]
    except OSError:
        commit = "?"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"commit `{commit}`; Python {platform.python_version()}; {os.cpu_count()} CPUs; "
        f"load average {load}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--cli", action="store_true", help="run `intake check --json` instead")
    parser.add_argument(
        "--ocr",
        choices=("auto", "yes", "no"),
        default="auto",
        help="whether scans should be read (auto: tesseract and a binding found)",
    )
    parser.add_argument("--only", metavar="TAG", help="only the cases with this style tag")
    parser.add_argument("--write", type=Path, metavar="OUT.md", help="record the figures here")
    args = parser.parse_args(argv)
    corpus = cases()
    if args.only:
        corpus = [c for c in corpus if args.only in c.styles or args.only in c.id]
    ocr = ocr_available() if args.ocr == "auto" else args.ocr == "yes"
    reader: Callable[[Sequence[NefCase]], Iterable[tuple[NefCase, dict[str, Any], float]]]
    reader = read_with_cli if args.cli else read_in_process
    start = time.perf_counter()
    outcomes = [assess(c, d, t, ocr) for c, d, t in reader(corpus)]
    elapsed = time.perf_counter() - start
    text = report(
        outcomes,
        ocr,
        "by `intake check --json`" if args.cli else "in process (check_bytes)",
        elapsed,
    )
    print(text)
    if args.write:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        command = "bench/nef_accuracy.py " + " ".join(argv if argv is not None else sys.argv[1:])
        head = (
            f"# NEF reader accuracy on fixtures/nef_corpus\n\nRun of {stamp}: `{command.strip()}`; "
            f"{_machine()}.\n\n"
        )
        args.write.write_text(head + text, encoding="utf-8")
        print(f"written to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
