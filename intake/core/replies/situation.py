"""Which reply an assessed request calls for, and the lines it says about each document. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from intake.core.model import (
    Assessment,
    Document,
    DocumentKind,
    Finding,
    LetterStatus,
    NefVerdict,
    Status,
)
from intake.core.policy.codes import (
    DOCUMENT_CODES,
    LETTER_CODES,
    LETTER_DETAIL_CODES,
    LETTER_REVIEW_CODES,
)
from intake.core.policy.decisions import as_decided
from intake.core.policy.rules import Rules
from intake.core.replies.headers import clean_text


class Situation(StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    TRAINING_REQUIRED = "training_required"
    UNDER_REVIEW = "under_review"  # needs_review: a clerk reads what the machine could not
    NOT_PDF = "not_pdf"
    NOTHING_USABLE = "nothing_usable"
    # A follow-up email to a request that was already complete: nothing more is needed.
    ALREADY_COMPLETE = "already_complete"


_USABLE_KINDS = {DocumentKind.NEF, DocumentKind.LETTER, DocumentKind.UNREADABLE}


def choose_situation(
    assessment: Assessment, documents: Sequence[Document], *, follow_up: bool = False
) -> Situation:
    """The request's status decides, except when nothing received could ever count:
    then the attorney needs the instructions (and, for Word files or images, the word PDF).
    `follow_up`: the email joined a request that was complete before it arrived."""
    if assessment.status is Status.COMPLETE:
        return Situation.ALREADY_COMPLETE if follow_up else Situation.COMPLETE
    if assessment.status is Status.TRAINING_REQUIRED:
        return Situation.TRAINING_REQUIRED
    if assessment.status is Status.NEEDS_REVIEW:
        return Situation.UNDER_REVIEW
    if not any(d.kind in _USABLE_KINDS for d in documents):
        if any(d.kind is DocumentKind.NOT_PDF for d in documents):
            return Situation.NOT_PDF
        return Situation.NOTHING_USABLE
    return Situation.INCOMPLETE


# Finding codes that speak of one document as a whole, or of the letter.
_DOCUMENT_CODES = frozenset(DOCUMENT_CODES)
_LETTER_DETAIL_CODES = frozenset(LETTER_DETAIL_CODES)
_LETTER_CODES = frozenset(LETTER_CODES)
# Letter findings that send the letter to a clerk rather than back to the attorney.
_LETTER_REVIEW_CODES = frozenset(LETTER_REVIEW_CODES)


class Outcome(StrEnum):
    COUNTS = "counts"  # an NEF that counts toward the required number
    ACCEPTED = "accepted"  # the letter, found in order
    NOT_COUNTED = "not_counted"  # an NEF or letter with a problem
    NOT_USED = "not_used"  # anything else
    REVIEW = "review"  # the letter, to be read by a clerk: nothing is missing from it


@dataclass(frozen=True)
class DocumentLine:
    """What a reply or a summary says about one received document."""

    index: int
    filename: str
    description: str
    outcome: Outcome
    reasons: tuple[str, ...]
    # The document's kind ('nef', 'acknowledgment_letter', 'unreadable'...), so that a
    # template can word the outcome for it ("not in order" for a letter).
    kind: str = ""
    # Which notice of the document (0 = its first): a PDF holding several notices has a
    # line for each, named "NEFs (6).pdf, notice 3 of 6 (page 4)" in `filename`.
    notice: int = 0


def document_lines(
    assessment: Assessment,
    documents: Sequence[Document],
    rules: Rules,
    word: Callable[[Finding], str] | None = None,
) -> list[DocumentLine]:
    """One line per received document, with the plain-words reasons of its findings;
    `word` words a finding for the reader (`Rules.word_for_attorney` in replies), the
    finding's own message by default (the clerk's wording). What each document was taken
    for is worded by `rules` ([notice_names], [kind_names] of messages.toml)."""
    say = word or (lambda finding: finding.message)
    documents = as_decided(documents, assessment)
    unnamed = rules.view_word("unnamed_attachment")
    lines = []
    for index, doc in enumerate(documents):
        verdicts = assessment.verdicts_for(index)
        own = [f for f in assessment.findings if f.sha256 == doc.sha256]
        if doc.kind is DocumentKind.NEF and doc.letter is not None:
            # The letter printed into one PDF with the notices (its leading pages): said
            # as a letter on its own would be, before the notices that follow it.
            letter_findings = [f for f in own if f.notice is None and f.code in _LETTER_CODES]
            lines.append(_letter_line(assessment, doc, index, letter_findings, say, rules))
        if len(verdicts) > 1:
            lines.extend(_notice_lines(assessment, doc, index, verdicts, say, rules))
            continue
        if doc.kind is DocumentKind.LETTER:
            lines.append(_letter_line(assessment, doc, index, own, say, rules))
            continue
        description = rules.messages.kind_names[doc.kind.value]
        if doc.kind is DocumentKind.NEF and doc.nef is not None:
            description = rules.messages.notice_names[doc.nef.notice_type.value]
        verdict = verdicts[0] if verdicts else None
        if verdict is not None:
            codes = set(verdict.reasons)
            reasons = [say(f) for f in own if f.code in codes]
            outcome = Outcome.COUNTS if verdict.counts else Outcome.NOT_COUNTED
        else:
            reasons = [say(f) for f in own if f.code in _DOCUMENT_CODES]
            if not reasons and doc.reason:
                reasons = [doc.reason]
            outcome = Outcome.NOT_USED
        lines.append(_line(index, doc.filename, description, outcome, reasons, doc.kind, unnamed))
    return lines


def _line(
    index: int,
    filename: str,
    description: str,
    outcome: Outcome,
    reasons: Sequence[str],
    kind: DocumentKind,
    unnamed: str,
    notice: int = 0,
) -> DocumentLine:
    return DocumentLine(
        index=index,
        filename=clean_text(filename, limit=200) or unnamed,
        description=description,
        outcome=outcome,
        reasons=tuple(clean_text(r, limit=2000) for r in dict.fromkeys(reasons)),
        kind=kind.value,
        notice=notice,
    )


def _letter_line(
    assessment: Assessment,
    doc: Document,
    index: int,
    own: Sequence[Finding],
    say: Callable[[Finding], str],
    rules: Rules,
) -> DocumentLine:
    """The line of a letter, whether it came alone or opens a PDF of notices: accepted,
    to be read by a clerk (nothing is missing from it), or what it still lacks."""
    reasons = [say(f) for f in own if f.code in _LETTER_DETAIL_CODES]
    reasons = reasons or [say(f) for f in own if f.code == "letter_deficient"]
    codes = {f.code for f in own}
    accepted = not reasons and assessment.letter is LetterStatus.OK
    review = codes & _LETTER_REVIEW_CODES and not codes - _LETTER_REVIEW_CODES
    if accepted:
        outcome = Outcome.ACCEPTED
    elif review:
        outcome = Outcome.REVIEW
    else:
        outcome = Outcome.NOT_COUNTED
    description = rules.messages.kind_names[DocumentKind.LETTER.value]
    unnamed = rules.view_word("unnamed_attachment")
    return _line(index, doc.filename, description, outcome, reasons, DocumentKind.LETTER, unnamed)


def _notice_lines(
    assessment: Assessment,
    doc: Document,
    index: int,
    verdicts: Sequence[NefVerdict],
    say: Callable[[Finding], str],
    rules: Rules,
) -> list[DocumentLine]:
    """A line for each notice of a PDF that holds several, each with its own reasons."""
    lines = []
    for verdict in verdicts:
        own = [
            f
            for f in assessment.findings
            if f.sha256 == doc.sha256 and f.notice == verdict.notice and f.code in verdict.reasons
        ]
        nef = doc.nefs[verdict.notice] if verdict.notice < len(doc.nefs) else doc.nef
        description = (
            rules.messages.notice_names[nef.notice_type.value]
            if nef
            else rules.messages.kind_names[doc.kind.value]
        )
        lines.append(
            DocumentLine(
                index=index,
                filename=clean_text(verdict.label or doc.filename, limit=200),
                description=description,
                outcome=Outcome.COUNTS if verdict.counts else Outcome.NOT_COUNTED,
                reasons=tuple(clean_text(say(f), limit=2000) for f in own),
                kind=doc.kind.value,
                notice=verdict.notice,
            )
        )
    return lines


def without_repeated_reasons(lines: Sequence[DocumentLine], rules: Rules) -> list[DocumentLine]:
    """`lines` with a reason already given for an earlier document said in a few words
    ([view] same_reason of messages.toml).

    Six notices from an excluded court would otherwise each repeat the same paragraph;
    a reason is the same when it reads alike once each document's own name is set aside.
    """
    first_said: dict[str, str] = {}
    shortened = []
    for line in lines:
        reasons = []
        for reason in line.reasons:
            key = reason.replace(line.filename, "\0") if line.filename else reason
            earlier = first_said.setdefault(key, line.filename)
            same = earlier != line.filename
            said = rules.view_word("same_reason", document=earlier) if same else reason
            reasons.append(said)
        shortened.append(replace(line, reasons=tuple(reasons)))
    return shortened
