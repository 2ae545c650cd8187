"""What a clerk's summary of one request shows, gathered from the assessment. Pure.

The HTML page and the PDF cover sheet are two renderings of this one view, so they
cannot disagree: the verdict, the attorney, a row per NEF (court, case, document number,
filer, date, counts or why not), every finding with the evidence it rests on (which
text matched, from which page), and the letter's affirmations with the matched sentences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from intake.core.clock import COURT_TIME_ZONE, person_time
from intake.core.documents.courts import short_court_name
from intake.core.model import Assessment, Document, DocumentKind, Evidence
from intake.core.policy.decisions import as_decided, decision_params
from intake.core.policy.rules import Rules
from intake.core.replies.headers import clean_text
from intake.core.replies.situation import DocumentLine, Outcome, document_lines

# Every word the view adds to the facts is from rules/messages.toml: [status_labels],
# [letter_labels], [kind_labels], [view] and [notice] (tests/unit/test_policy_wording.py).


@dataclass(frozen=True)
class PageLinks:
    """Where the page links to: its PDF packet and each original PDF, by SHA-256.
    Relative on disk (the page sits beside them), absolute from `[clerks] base_url` in
    an email, or none (an email without a base URL has no link that could work)."""

    packet: str | None = None
    originals: Mapping[str, str] = field(default_factory=dict)
    # False: no packet was drawn (nobody receives one); `intake requests summary` draws it.
    packet_drawn: bool = True


# A docket text longer than this shows its start; the whole text is one click away.
DOCKET_EXCERPT = 160


@dataclass(frozen=True)
class RequestFacts:
    """The request as the state database knows it (the caller fills this in)."""

    request_id: str
    attorney_name: str | None
    attorney_address: str | None
    opened_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None = None


@dataclass(frozen=True)
class EvidenceLine:
    text: str
    page: int | None
    source: str
    where: str  # "page 2", "page 1, ocr", "a clerk's decision"


@dataclass(frozen=True)
class NefRow:
    index: int
    filename: str
    court: str
    court_id: str
    cases: tuple[str, ...]
    document_numbers: tuple[str, ...]
    filer: str
    filed_on: str
    counts: bool
    reasons: tuple[str, ...]
    court_evidence: tuple[EvidenceLine, ...]
    case_names: tuple[str, ...] = ()
    docket_text: str | None = None
    docket_excerpt: str | None = None  # the start, when the whole is longer
    pages: str | None = None  # where the notice is in its PDF: "page 3", "pages 3-4"
    decided_by: str | None = None  # the clerk who counted it, or not
    link: str | None = None  # its original PDF


@dataclass(frozen=True)
class FindingView:
    code: str
    message: str
    document: str | None
    evidence: tuple[EvidenceLine, ...]


@dataclass(frozen=True)
class AffirmationView:
    id: str
    description: str
    found: bool
    evidence: EvidenceLine | None
    state: str = "found"  # found | missing | unclear
    # The sentences a clerk should read to settle an unclear affirmation.
    candidates: tuple[EvidenceLine, ...] = ()
    reason: str | None = None


@dataclass(frozen=True)
class LetterView:
    filename: str
    attorney_name: str
    signed: bool
    signature: EvidenceLine | None
    bar_number: str | None
    affirmations: tuple[AffirmationView, ...]
    own_letter: bool = True
    # found / unclear / absent, and why when not found (the clerk settles an unclear one).
    signature_state: str = "found"
    signature_reason: str | None = None
    authorship_state: str = "found"
    authorship_reason: str | None = None
    writer: str | None = None
    own_letter_evidence: EvidenceLine | None = None
    certain: bool = True
    recognition: str | None = None
    text: str | None = None  # the letter as read, for what the machine did not find
    link: str | None = None
    # accepted / review / not_counted, as the reply says it (Outcome of replies.situation).
    outcome: str = ""
    # The letter opens a PDF of notices (the letter and the NEFs printed into one file).
    opens_notices: bool = False

    @property
    def settled(self) -> bool:
        """Every statement found: nothing for the clerk to read in the letter's text."""
        return all(a.state == "found" for a in self.affirmations)


@dataclass(frozen=True)
class DocumentRow:
    index: int
    filename: str
    kind: str
    pages: int
    size: int
    sha256: str
    outcome: str
    note: str
    link: str | None = None  # the original PDF
    # The letter that opens a PDF of notices: its outcome (accepted / review / not_counted),
    # shown beside the notices' own, and what it lacks.
    letter_outcome: str | None = None
    letter_note: str = ""


@dataclass(frozen=True)
class DecisionView:
    """A clerk's decision, as the page and the digest show it."""

    clerk: str
    at: str
    document: str
    words: str
    reason: str


@dataclass(frozen=True)
class ConflictView:
    """An email that reuses an earlier email's Message-ID with other documents."""

    message: int
    earlier_message: int
    message_id: str


@dataclass(frozen=True)
class SummaryView:
    request_id: str
    status: str
    status_label: str
    attorney_name: str
    attorney_address: str
    letter_status: str
    qualifying_nefs: int
    required_nefs: int
    opened_at: str
    updated_at: str
    completed_at: str | None
    generated_at: str
    nefs: tuple[NefRow, ...]
    findings: tuple[FindingView, ...]
    letters: tuple[LetterView, ...]
    documents: tuple[DocumentRow, ...]
    missing: tuple[str, ...]
    packet_link: str | None = None
    packet_drawn: bool = True  # False: drawn on demand only (the page says how)
    decisions: tuple[DecisionView, ...] = ()
    decide_by: str | None = None  # the last day of the court's decision window
    # Emails of this request that reuse an earlier email's Message-ID with other
    # documents: kept apart, for the clerk to check (filled by the caller from the audit).
    conflicts: tuple[ConflictView, ...] = ()
    nef_tally: str = ""  # "4 of 6 required"; "10 (6 required)" when more than enough count


def _court_label(court_id: str | None, printed: str | None, rules: Rules) -> str:
    """The court's official name when its id is known, which says whether it is a
    bankruptcy or a district court; the notice's own header line ("California Northern
    District") names the district only."""
    return short_court_name(court_id) or printed or rules.view_word("unknown_court")


def _evidence(items: Sequence[Evidence], rules: Rules) -> tuple[EvidenceLine, ...]:
    return tuple(
        EvidenceLine(text=e.text, page=e.page, source=e.source, where=_where(e, rules))
        for e in items
    )


def _where(evidence: Evidence, rules: Rules) -> str:
    """Where the evidence was found: its page, and how it was read unless from the text."""
    if evidence.source == "clerk":
        return rules.view_word("clerk_evidence")
    page = evidence.page
    place = rules.pages_words((page, page)) if page else rules.view_word("page_unknown")
    if evidence.source == "text":
        return place
    return rules.view_word("evidence_place", place=place, source=evidence.source)


def _tally(counted: int, required: int, rules: Rules) -> str:
    key = "tally_more" if counted > required else "tally"
    return rules.view_word(key, counted=counted, required=required)


def _excerpt(text: str | None) -> tuple[str | None, str | None]:
    """(the whole docket text, its start when the whole is longer than an excerpt)."""
    if not text:
        return None, None
    whole = " ".join(text.split())
    if len(whole) <= DOCKET_EXCERPT:
        return whole, None
    cut = whole[:DOCKET_EXCERPT].rsplit(" ", 1)[0]
    return whole, cut + " …"


def _nef_rows(
    assessment: Assessment,
    documents: Sequence[Document],
    rules: Rules,
    links: PageLinks | None = None,
) -> tuple[NefRow, ...]:
    """A row for every notice: one per NEF, one per notice of a PDF that holds several."""
    links = links or PageLinks()
    unknown = rules.view_word("unknown")
    lines = {
        (line.index, line.notice): line
        for line in document_lines(assessment, documents, rules)
        if line.kind != DocumentKind.LETTER.value
        or documents[line.index].kind is DocumentKind.LETTER
    }
    rows = []
    for index, doc in enumerate(documents):
        if doc.kind is not DocumentKind.NEF:
            continue
        for verdict in assessment.verdicts_for(index):
            nef = doc.nefs[verdict.notice] if verdict.notice < len(doc.nefs) else doc.nef
            line = lines.get((index, verdict.notice))
            if nef is None or line is None:
                continue
            filers = list(dict.fromkeys(n for n in (nef.filer, *nef.filed_by) if n))
            docket, excerpt = _excerpt(nef.docket_text)
            rows.append(
                NefRow(
                    index=index,
                    filename=line.filename,
                    court=_court_label(nef.court_id, nef.court_name, rules),
                    court_id=nef.court_id or "?",
                    cases=tuple(c.case_number for c in nef.cases),
                    document_numbers=tuple(
                        c.document_number
                        or (
                            rules.view_word("claim", number=c.claim_number)
                            if c.claim_number
                            else "-"
                        )
                        for c in nef.cases
                    ),
                    filer=" / ".join(filers) or unknown,
                    filed_on=nef.filed_on.isoformat() if nef.filed_on else unknown,
                    counts=verdict.counts,
                    reasons=line.reasons,
                    court_evidence=_evidence(nef.court_evidence, rules),
                    case_names=tuple(c.case_name for c in nef.cases if c.case_name),
                    docket_text=docket,
                    docket_excerpt=excerpt,
                    pages=rules.pages_words(nef.pages) if nef.pages and len(doc.nefs) > 1 else None,
                    decided_by=verdict.decided_by,
                    link=links.originals.get(doc.sha256),
                )
            )
    return tuple(rows)


def _letters(
    documents: Sequence[Document],
    rules: Rules,
    links: PageLinks,
    lines: Sequence[tuple[DocumentLine, DocumentLine | None]],
) -> tuple[LetterView, ...]:
    """Every letter received: a letter on its own, or the one that opens a PDF of notices."""
    descriptions = {a.id: a.description for a in rules.letter.affirmations}
    views = []
    for doc, (line, opening) in zip(documents, lines, strict=True):
        letter = doc.letter
        if letter is None or doc.kind not in {DocumentKind.LETTER, DocumentKind.NEF}:
            continue
        letter_line = opening if doc.kind is DocumentKind.NEF else line
        if letter_line is None:
            continue
        views.append(
            LetterView(
                filename=clean_text(doc.filename, limit=200),
                attorney_name=letter.attorney_name or rules.view_word("not_readable"),
                signed=letter.signed,
                signature=_evidence([letter.signature_evidence], rules)[0]
                if letter.signature_evidence
                else None,
                bar_number=letter.bar_number,
                affirmations=tuple(
                    AffirmationView(
                        id=a.id,
                        description=descriptions.get(a.id, a.id.replace("_", " ")),
                        found=a.found,
                        evidence=_evidence([a.evidence], rules)[0] if a.evidence else None,
                        state=a.state.value,
                        candidates=_evidence(a.candidates, rules) if a.candidates else (),
                        reason=a.reason,
                    )
                    for a in letter.affirmations
                ),
                own_letter=letter.own_letter,
                signature_state=letter.signature.value,
                signature_reason=letter.signature_reason,
                authorship_state=letter.authorship.value,
                authorship_reason=letter.authorship_reason,
                writer=letter.writer,
                own_letter_evidence=_evidence([letter.own_letter_evidence], rules)[0]
                if letter.own_letter_evidence
                else None,
                certain=letter.certain,
                recognition=letter.recognition,
                text=letter.text,
                link=links.originals.get(doc.sha256),
                outcome=letter_line.outcome.value,
                opens_notices=doc.kind is DocumentKind.NEF,
            )
        )
    return tuple(views)


def _decisions(assessment: Assessment, rules: Rules, time_zone: str) -> tuple[DecisionView, ...]:
    descriptions = {a.id: a.description for a in rules.letter.affirmations}
    views = []
    for d in assessment.decisions:
        params = decision_params(d, descriptions)
        views.append(
            DecisionView(
                clerk=d.clerk,
                at=person_time(d.at, time_zone),
                document=d.filename,
                words=rules.decision_words(d.kind.value, params),
                reason=d.reason,
            )
        )
    return tuple(views)


def _one_line_each(
    lines: Sequence[DocumentLine], documents: Sequence[Document]
) -> list[tuple[DocumentLine, DocumentLine | None]]:
    """Each document's line, and the line of the letter that opens it when it is a PDF of
    notices (the letter and the NEFs in one file; None otherwise)."""
    out: list[tuple[DocumentLine, DocumentLine | None]] = []
    for index, doc in enumerate(documents):
        own = [line for line in lines if line.index == index]
        letter = None
        if doc.kind is DocumentKind.NEF:
            letter = next((line for line in own if line.kind == DocumentKind.LETTER.value), None)
            own = [line for line in own if line is not letter]
        if len(own) == 1:
            out.append((own[0], letter))
            continue
        counted = sum(line.outcome is Outcome.COUNTS for line in own)
        reasons = tuple(r for line in own for r in line.reasons)
        outcome = Outcome.COUNTS if counted == len(own) else Outcome.NOT_COUNTED
        merged = replace(own[0], filename=doc.filename, outcome=outcome, reasons=reasons)
        out.append((merged, letter))
    return out


def build_summary(
    request: RequestFacts,
    assessment: Assessment,
    documents: Sequence[Document],
    *,
    generated_at: dt.datetime,
    rules: Rules,
    time_zone: str = COURT_TIME_ZONE,
    links: PageLinks | None = None,
    decide_by: str | None = None,
) -> SummaryView:
    """The summary of one request; `rules` word what is still missing and the letter's
    affirmations; `links` go to the packet and the original PDFs (none by default)."""
    links = links or PageLinks()
    words = rules.messages
    unknown = rules.view_word("unknown")
    # As the policy judged them: a scan a clerk accepted shows as the letter.
    documents = as_decided(documents, assessment, [a.id for a in rules.letter.affirmations])
    # One line per document for its table (a PDF of several notices: its first notice's
    # line, named by the file, with every notice's reasons); the notices' own rows are `nefs`.
    lines = _one_line_each(document_lines(assessment, documents, rules), documents)
    return SummaryView(
        request_id=request.request_id,
        status=assessment.status.value,
        status_label=words.status_labels[assessment.status.value],
        attorney_name=assessment.attorney_name or request.attorney_name or unknown,
        attorney_address=request.attorney_address or unknown,
        letter_status=words.letter_labels[assessment.letter.value],
        qualifying_nefs=assessment.qualifying_nefs,
        required_nefs=assessment.required_nefs,
        opened_at=person_time(request.opened_at, time_zone),
        updated_at=person_time(request.updated_at, time_zone),
        completed_at=person_time(request.completed_at, time_zone) if request.completed_at else None,
        generated_at=person_time(generated_at, time_zone),
        nefs=_nef_rows(assessment, documents, rules, links),
        findings=tuple(
            FindingView(
                code=f.code,
                message=f.message,
                document=f.document,
                evidence=_evidence(f.evidence, rules),
            )
            for f in assessment.findings
        ),
        letters=_letters(documents, rules, links, lines),
        documents=tuple(
            DocumentRow(
                index=index,
                filename=line.filename,
                kind=words.kind_labels[doc.kind.value],
                pages=doc.page_count,
                size=doc.size,
                sha256=doc.sha256,
                outcome=line.outcome.value.replace("_", " "),
                note="; ".join(line.reasons) or (doc.reason or ""),
                link=links.originals.get(doc.sha256),
                letter_outcome=letter.outcome.value if letter else None,
                letter_note="; ".join(letter.reasons) if letter else "",
            )
            for index, (doc, (line, letter)) in enumerate(zip(documents, lines, strict=True))
        ),
        missing=tuple(rules.still_needed(m) for m in assessment.missing),
        packet_link=links.packet,
        packet_drawn=links.packet_drawn,
        decisions=_decisions(assessment, rules, time_zone),
        decide_by=decide_by,
        nef_tally=_tally(assessment.qualifying_nefs, assessment.required_nefs, rules),
    )
