"""Benchmark of the letter reader on labelled letters: safety, recall, and speed.

    .venv/bin/python bench/letters.py [--split dev|holdout|holdout2|holdout3|holdout4|own|all]
        [--show]

Each case's PDF is read as `intake check` reads it (the PDF reader, then the document
classifier) and assessed together with six good NEFs filed by the sender, so that the
request's outcome hangs on the letter alone. Measured, per split (issue 9's targets):

- bad letters, look-alikes and incomplete requests answered `complete` (must be 0);
- good letters told that a statement is missing (must be 0);
- good letters read fully `found` and answered `complete` without a clerk (target >= 95%),
  the rest going to a clerk (`needs_review`) or told something else;
- per affirmation: made/not made (the label) against found/unclear/missing (the reader);
- the kind: letters taken for `other`, look-alikes taken for the letter;
- speed: the letter reading per case against the PDF text extraction of the same case,
  measured in the same run (the floor), as a ratio.

Splits: `dev`, `holdout`, `holdout2`, `holdout3` and `holdout4` are `fixtures.letter_corpus` (the
corpus writers'; the four held-out splits, written by four strangers, are only measured here, never
read to tune the reader); `own` is `fixtures.letter_cases` (with `letter_cases_stranger`, the
drawn-answer forms of `letter_cases_drawn`, the scans of `letter_cases_scanned`, the letters
that name a case and the filings like them of `letter_cases_court`, the forms, tables
and glyph boxes of `letter_cases_forms`, and the red team's near-misses of
`letter_cases_redteam`), the reader's own generated letters.
The results are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.core.documents.classify import classify_text
from intake.core.model import (
    AffirmationState,
    CourtType,
    Document,
    DocumentKind,
    NefCase,
    NefFacts,
    NoticeType,
    PdfText,
    Status,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.edges.pdf.reader import read_pdf


@dataclass(frozen=True)
class Case:
    """One labelled letter, whichever corpus it comes from."""

    id: str
    pdf: PdfText | bytes  # the text (own cases) or the PDF bytes (the corpus)
    sender_name: str
    verdict: str  # good | bad | other
    affirmations: dict[str, str]  # id -> made | not_made
    own_letter: bool
    kind: str  # acknowledgment_letter | other
    scanned: bool = False
    styles: tuple[str, ...] = ()


def corpus_cases(split: str) -> list[Case]:
    from fixtures.letter_corpus import cases

    out = []
    for c in cases(split):
        label = c.label
        out.append(
            Case(
                c.id,
                c.pdf,
                c.sender_name,
                label.verdict,
                dict(label.affirmations),
                label.own_letter,
                label.kind,
                label.scanned,
                tuple(c.styles),
            )
        )
    return out


def own_cases() -> list[Case]:
    from fixtures.letter_cases import letter_cases
    from fixtures.letter_cases_court import court_cases
    from fixtures.letter_cases_drawn import DrawnCase, drawn_cases
    from fixtures.letter_cases_forms import form_cases
    from fixtures.letter_cases_redteam import RedCase, redteam_cases
    from fixtures.letter_cases_retraction import retraction_cases
    from fixtures.letter_cases_scanned import ScanCase, scanned_cases
    from fixtures.letter_cases_scope import scope_cases
    from fixtures.letter_cases_stranger import stranger_cases

    def case(c: Any, source: PdfText | bytes) -> Case:
        return Case(
            c.id,
            source,
            c.sender_name,
            c.verdict,
            dict(c.affirmations),
            c.own_letter,
            c.kind,
            c.scanned,
            c.styles,
        )

    # The own letters are pages of text; the drawn-answer forms and the scans are PDFs
    # (their layout or image is what they test).
    made: list[DrawnCase | ScanCase | RedCase] = [
        *drawn_cases(),
        *scanned_cases(),
        *redteam_cases(),
    ]
    texts = [
        *letter_cases(),
        *stranger_cases(),
        *scope_cases(),
        *court_cases(),
        *retraction_cases(),
    ]
    return [
        *(case(c, c.pdf_text()) for c in texts),
        *(case(c, c.pdf) for c in made),
        *(case(c, c.source()) for c in form_cases()),
    ]


def _nefs(filer: str) -> list[Document]:
    """Six NEFs that count, filed by `filer`, so that only the letter decides."""
    return [
        Document(
            filename=f"nef{n}.pdf",
            sha256=f"{n:064d}",
            size=1000,
            kind=DocumentKind.NEF,
            nef=NefFacts(
                notice_type=NoticeType.ELECTRONIC_FILING,
                court_id="cob",
                court_type=CourtType.BANKRUPTCY,
                cases=(NefCase(case_number=f"24-1000{n}", document_number="1"),),
                filer=filer,
            ),
        )
        for n in range(1, 7)
    ]


@dataclass
class Outcome:
    case: Case
    kind: DocumentKind
    status: Status
    states: dict[str, AffirmationState]
    reasons: dict[str, str]  # affirmation id -> why it is unclear
    told_missing: list[str]  # affirmation ids the attorney is told are missing
    codes: list[str]  # the letter's finding codes
    read_seconds: float
    extract_seconds: float
    reason: str = ""


def run_case(case: Case, rules: Rules) -> Outcome:
    start = time.perf_counter()
    pdf = read_pdf(case.pdf) if isinstance(case.pdf, bytes) else case.pdf
    extracted = time.perf_counter()
    if pdf.ok:
        kind, facts = classify_text(pdf, rules)
    else:
        kind, facts = DocumentKind.UNREADABLE, {"reason": pdf.reason}
    done = time.perf_counter()
    letter_doc = Document(filename=f"{case.id}.pdf", sha256="f" * 64, size=1, kind=kind, **facts)
    # The NEFs are filed by the letter's attorney when it names one, as a real attorney's
    # would be: the outcome then hangs on the letter, not on a name mismatch.
    letter = letter_doc.letter
    filer = (letter.attorney_name if letter and letter.attorney_name else None) or case.sender_name
    assessment = assess([letter_doc, *_nefs(filer)], case.sender_name, rules)
    states = {a.id: a.state for a in letter.affirmations} if letter else {}
    why = {a.id: a.reason or "" for a in letter.affirmations} if letter else {}
    told = [
        str(item.params.get("id"))
        for item in assessment.missing
        if item.code == "affirmation" and item.params.get("id")
    ]
    codes = [f.code for f in assessment.findings if f.document == letter_doc.filename]
    return Outcome(
        case,
        kind,
        assessment.status,
        states,
        why,
        told,
        codes,
        done - extracted,
        extracted - start,
        (letter.recognition if letter else None) or str(facts.get("reason") or ""),
    )


@dataclass
class Figures:
    split: str
    outcomes: list[Outcome] = field(default_factory=list)

    def good(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.verdict == "good"]

    def unsafe_complete(self) -> list[Outcome]:
        return [
            o for o in self.outcomes if o.case.verdict != "good" and o.status is Status.COMPLETE
        ]

    def good_told_missing(self) -> list[Outcome]:
        return [o for o in self.good() if o.told_missing]

    def good_complete(self) -> list[Outcome]:
        return [o for o in self.good() if o.status is Status.COMPLETE]

    def good_readable(self) -> list[Outcome]:
        return [o for o in self.good() if not o.case.scanned]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _unquoted(reason: str, held_out: bool) -> str:
    """A held-out letter's words are never printed: a reason that quotes it loses the quote."""
    return re.sub("\u201c.*?\u201d", "\u201c\u2026\u201d", reason) if held_out else reason


def report(figures: Figures, show: bool) -> list[str]:
    outs = figures.outcomes
    good = figures.good()
    readable = figures.good_readable()
    complete_readable = [o for o in readable if o.status is Status.COMPLETE]
    lines = [
        f"## {figures.split}: {len(outs)} cases "
        f"({len(good)} good, {sum(o.case.verdict == 'bad' for o in outs)} bad, "
        f"{sum(o.case.verdict == 'other' for o in outs)} other)",
        "",
        f"- bad letters / look-alikes answered complete: **{len(figures.unsafe_complete())}** "
        "(must be 0)",
        f"- good letters told a statement is missing: **{len(figures.good_told_missing())}** "
        "(must be 0)",
        f"- good letters fully found, complete without a clerk: "
        f"**{len(figures.good_complete())}/{len(good)} = "
        f"{_pct(len(figures.good_complete()), len(good))}** "
        f"(text PDFs only: {len(complete_readable)}/{len(readable)} = "
        f"{_pct(len(complete_readable), len(readable))}; target >= 95%)",
    ]
    statuses = Counter(o.status.value for o in good)
    lines.append(f"- good letters by outcome: {dict(sorted(statuses.items()))}")
    codes = Counter(c for o in good if o.status is not Status.COMPLETE for c in set(o.codes))
    lines.append(f"- why good letters were not complete (finding codes): {dict(codes)}")
    reasons: Counter[str] = Counter()
    for o in outs:
        if o.case.kind == "other":
            continue
        letter_states = o.states
        for aid, made in o.case.affirmations.items():
            if made == "made" and letter_states.get(aid) is AffirmationState.UNCLEAR:
                reasons[aid] += 1
    lines.append(f"- made but unclear, by affirmation: {dict(reasons)}")
    why: Counter[str] = Counter()
    for o in outs:
        for aid, made in o.case.affirmations.items():
            if made == "made" and o.states.get(aid) is AffirmationState.UNCLEAR:
                why[o.reasons.get(aid, "").split(":")[0]] += 1
    lines.append(f"- made but unclear, by reason: {dict(why.most_common())}")
    letters_as_other = [o for o in outs if o.case.kind != "other" and o.kind is DocumentKind.OTHER]
    others_as_letter = [o for o in outs if o.case.kind == "other" and o.kind is DocumentKind.LETTER]
    lines.append(
        f"- letters taken for other: {len(letters_as_other)}; look-alikes taken for the letter "
        f"(or maybe): {len(others_as_letter)}"
    )
    table: Counter[tuple[str, str]] = Counter()
    for o in outs:
        if o.case.kind == "other":
            continue
        for aid, made in o.case.affirmations.items():
            state = o.states.get(aid)
            table[(made, state.value if state else "no letter")] += 1
    lines.append(
        "- affirmations (label -> reader): "
        + ", ".join(f"{m} -> {s}: {n}" for (m, s), n in sorted(table.items()))
    )
    reads = sorted(o.read_seconds for o in outs)
    extracts = sorted(o.extract_seconds for o in outs if isinstance(o.case.pdf, bytes))
    if reads:
        median_read = reads[len(reads) // 2] * 1000
        line = f"- speed: letter reading median {median_read:.1f} ms per case"
        if extracts:
            median_extract = extracts[len(extracts) // 2] * 1000
            line += (
                f", PDF extraction (floor) {median_extract:.1f} ms, "
                f"ratio {median_read / median_extract:.2f}"
            )
        lines.append(line)
    problems = [
        o
        for o in outs
        if (o.case.verdict == "good" and o.status is not Status.COMPLETE)
        or (o.case.verdict != "good" and o.status is Status.COMPLETE)
    ]
    if show:
        held_out = figures.split.startswith("holdout")
        for o in problems:
            states = " ".join(f"{k[:5]}={v.value[:5]}" for k, v in o.states.items())
            lines.append(
                f"  - {o.case.id} [{o.case.verdict}] -> {o.status.value} ({o.kind.value}) "
                f"{states} told={o.told_missing} {_unquoted(o.reason, held_out)[:90]} "
                f"styles={','.join(o.case.styles)}"
            )
        # An affirmation read `found` that the letter does not make: unsafe even when
        # another affirmation keeps the request from `complete`.
        for o in outs:
            for aid, made in o.case.affirmations.items():
                if made == "not_made" and o.states.get(aid) is AffirmationState.FOUND:
                    lines.append(
                        f"  - not made, read found: {o.case.id} [{o.case.verdict}] {aid} "
                        f"styles={','.join(o.case.styles)}"
                    )
    lines.append("")
    return lines


def measure(split: str, rules: Rules) -> Figures:
    source: Iterable[Case] = own_cases() if split == "own" else corpus_cases(split)
    figures = Figures(split)
    for case in source:
        figures.outcomes.append(run_case(case, rules))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--split",
        default="all",
        choices=["dev", "holdout", "holdout2", "holdout3", "holdout4", "own", "all"],
    )
    parser.add_argument("--show", action="store_true", help="list each case that misses")
    args = parser.parse_args(argv)
    rules = load_rules()
    every = ["own", "dev", "holdout", "holdout2", "holdout3", "holdout4"]
    splits = every if args.split == "all" else [args.split]
    failed = False
    for split in splits:
        figures = measure(split, rules)
        print("\n".join(report(figures, args.show)))
        failed |= bool(figures.unsafe_complete() or figures.good_told_missing())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
