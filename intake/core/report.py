"""Assessments as the outside world reads them: SPEC 5's JSON object, and a table for people.

The one serializer of documents and assessments: `intake check --json` and
`intake requests show --json` both speak the contract's shape through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intake.core.model import (
    Assessment,
    Document,
    Envelope,
    Finding,
    NefCase,
    NefFacts,
    NefVerdict,
)
from intake.core.policy.rules import Rules
from intake.core.table import format_table, keep_together, wrap_line

# A terminal's width, or this when the output is not a terminal (a pipe, a file).
TABLE_WIDTH = 100


def _notice_json(
    doc: Document, nef: NefFacts, verdict: NefVerdict | None, number: int
) -> dict[str, Any]:
    facts = nef.model_dump(mode="json")
    facts["notice"] = number + 1
    facts["label"] = verdict.label if verdict and verdict.label else doc.filename
    facts["counts"] = bool(verdict and verdict.counts)
    facts["reasons"] = list(verdict.reasons) if verdict else []
    return facts


def _nefs_json(doc: Document, index: int, assessment: Assessment | None) -> list[dict[str, Any]]:
    """Every notice of the document, each with its own verdict (SPEC 5: `nefs`)."""
    verdicts = {v.notice: v for v in assessment.verdicts_for(index)} if assessment else {}
    return [_notice_json(doc, nef, verdicts.get(n), n) for n, nef in enumerate(doc.nefs)]


def _letter_json(doc: Document) -> dict[str, Any] | None:
    if doc.letter is None:
        return None
    facts = doc.letter.model_dump(mode="json")
    facts["missing"] = doc.letter.missing
    facts["unclear"] = doc.letter.unclear
    return facts


def document_json(doc: Document, index: int, assessment: Assessment | None) -> dict[str, Any]:
    """Document `index` of an assessed request (None: not assessed yet), SPEC 5's shape."""
    nefs = _nefs_json(doc, index, assessment)
    return {
        "filename": doc.filename,
        "sha256": doc.sha256,
        "size": doc.size,
        "kind": doc.kind.value,
        "reason": doc.reason,
        "page_count": doc.page_count,
        # The first notice in `nef`, all of them in `nefs` (SPEC 5).
        "nef": nefs[0] if nefs else None,
        "nefs": nefs,
        "letter": _letter_json(doc),
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    return finding.model_dump(mode="json")


def assessment_json(assessment: Assessment, rules: Rules) -> dict[str, Any]:
    return {
        "status": assessment.status.value,
        "qualifying_nefs": assessment.qualifying_nefs,
        "required_nefs": assessment.required_nefs,
        "letter": assessment.letter.value,
        "attorney_name": assessment.attorney_name,
        # What is still needed in words (the clerk's wording), and as codes with parameters.
        "missing": [rules.still_needed(m) for m in assessment.missing],
        "missing_items": [m.model_dump(mode="json") for m in assessment.missing],
        "findings": [finding_json(f) for f in assessment.findings],
    }


def check_json(
    source: str,
    envelope: Envelope | None,
    documents: Sequence[Document],
    assessment: Assessment,
    rules: Rules,
) -> dict[str, Any]:
    """One line of `intake check --json` (SPEC 5)."""
    return {
        "source": source,
        "sender": envelope.sender_address if envelope else None,
        "sender_name": envelope.sender_name if envelope else None,
        "subject": envelope.subject if envelope else None,
        "message_id": envelope.message_id if envelope else None,
        "problems": list(envelope.problems) if envelope else [],
        "documents": [document_json(d, i, assessment) for i, d in enumerate(documents)],
        "assessment": assessment_json(assessment, rules),
    }


# ------------------------------------------------------------------ the table


def _entry(case: NefCase) -> str:
    """'doc 27' or 'claim 3': a claim number is not a document number."""
    if case.document_number:
        return keep_together(f"doc {case.document_number}")
    if case.claim_number:
        return keep_together(f"claim {case.claim_number}")
    return "no entry number"


def _nef_cell(nef: NefFacts, verdict: NefVerdict | None) -> tuple[str, str, str]:
    cases = "; ".join(f"{c.case_number} {_entry(c)}" for c in nef.cases)
    filer = keep_together(f"by {nef.filer or '?'}")
    what = f"{nef.court_id or '?'} ({nef.court_type.value}) {cases} {filer}"
    if verdict and verdict.counts:
        return "NEF", what, "counts"
    return "NEF", what, "no: " + ", ".join(verdict.reasons if verdict else ())


def _rows(doc: Document, index: int, assessment: Assessment) -> list[tuple[str, str, str, str]]:
    """(file, kind, what it is, verdict): one row, or one per notice of a PDF of several."""
    if doc.nefs:
        verdicts = {v.notice: v for v in assessment.verdicts_for(index)}
        if len(doc.nefs) == 1:
            return [(doc.filename, *_nef_cell(doc.nefs[0], verdicts.get(0)))]
        return [
            (
                v.label if (v := verdicts.get(n)) else f"{doc.filename}, notice {n + 1}",
                *_nef_cell(nef, verdicts.get(n)),
            )
            for n, nef in enumerate(doc.nefs)
        ]
    if doc.letter is not None:
        letter = doc.letter
        name = keep_together(letter.attorney_name or "?")
        what = f"letter by {name}" + (" (signed)" if letter.signed else "")
        if not letter.own_letter:
            verdict = "not the attorney's own letter"
        elif not letter.certain:
            verdict = "may be the letter: a clerk reads it"
        else:
            states = [f"missing: {', '.join(letter.missing)}"] if letter.missing else []
            states += [f"unclear: {', '.join(letter.unclear)}"] if letter.unclear else []
            verdict = "; ".join(states) or "ok"
        return [(doc.filename, "letter", what, verdict)]
    return [(doc.filename, doc.kind.value, doc.reason or "", "-")]


def render_table(
    source: str,
    envelope: Envelope | None,
    documents: Sequence[Document],
    assessment: Assessment,
    rules: Rules,
    *,
    width: int = TABLE_WIDTH,
) -> str:
    """The assessment for a person, within `width` columns: cells wrap, nothing is cut."""
    lines = [wrap_line(source, width)]
    if envelope is not None:
        address = f"<{envelope.sender_address}>" if envelope.sender_address else "(no sender)"
        name = f"{keep_together(envelope.sender_name)} " if envelope.sender_name else ""
        sender = f"from {name}{address}  subject: {envelope.subject or '(none)'}"
        lines.append(wrap_line(sender, width, indent="  ", hanging="    "))
        lines.extend(wrap_line(p, width, indent="  ! ", hanging="    ") for p in envelope.problems)
    rows = [("#", "file", "kind", "what", "verdict")]
    for i, doc in enumerate(documents):
        rows.extend((str(i + 1), *row) for row in _rows(doc, i, assessment))
    if len(rows) == 1:
        lines.append("  (no attachments)")
    else:
        lines.append(format_table(rows, width, indent=2))
    a = assessment
    verdict_line = (
        f"=> {a.status.value.upper()}: {a.qualifying_nefs}/{a.required_nefs} NEFs count, "
        f"letter {a.letter.value}, attorney {keep_together(a.attorney_name or 'unknown')}"
    )
    lines.append(wrap_line(verdict_line, width, indent="  ", hanging="     "))
    lines.extend(
        wrap_line(
            f"{rules.still_needed(item)} still needed", width, indent="     - ", hanging="       "
        )
        for item in a.missing
    )
    lines.extend(
        wrap_line(f"[{f.code}] {f.message}", width, indent="     * ", hanging="       ")
        for f in a.findings
    )
    return "\n".join(lines)
