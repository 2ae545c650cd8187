"""The facts the pure core passes around.

Every stage of the pipeline speaks in these types: the mail reader produces an
`Envelope` of `Attachment`s, the document readers turn each attachment into a
`Document` (with `NefFacts` or `LetterFacts`), and the policy turns the documents of
one request into an `Assessment` of `Finding`s. They are pydantic models so that the
JSON of `intake check --json` and the rows of the state database are the same shape.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    # Each model's validator is built when it is first used, not at import: a command
    # pays only for the models it makes (`intake check` of a notice makes no letter).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# --------------------------------------------------------------------------- mail


class Attachment(Frozen):
    """One part of an email that may be a document, as found in the MIME tree."""

    filename: str = Field(description="Decoded file name, or a made-up one when the part has none")
    declared_type: str = Field(description="The Content-Type the sender's client declared")
    data: bytes = Field(repr=False)
    size: int = Field(description="Size in bytes of the decoded part (before truncation)")
    truncated: bool = Field(
        default=False, description="True when the part exceeded the size bound and data is empty"
    )
    origin: str = Field(
        default="attachment",
        description="Where it sat: attachment | inline | forwarded | tnef",
    )


class Envelope(Frozen):
    """What the pipeline needs of one email: who, what about, and its attachments."""

    message_id: str | None
    sender_address: str | None = Field(description="Lower-cased bare address of From")
    sender_name: str | None = Field(description="Display name of From, decoded")
    reply_to: str | None = None
    subject: str = ""
    date: dt.datetime | None = None
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Selected headers, lower-cased names (auto-submitted, precedence, list-id…)",
    )
    attachments: tuple[Attachment, ...] = ()
    problems: tuple[str, ...] = Field(
        default=(), description="What was wrong with the message itself (defects, bad parts)"
    )
    authentication_results: tuple[str, ...] = Field(
        default=(),
        description="Every Authentication-Results header, topmost first (RFC 8601)",
    )


# ---------------------------------------------------------------------- documents


class DocumentKind(StrEnum):
    NEF = "nef"
    LETTER = "acknowledgment_letter"
    OTHER = "other"
    NOT_PDF = "not_pdf"
    UNREADABLE = "unreadable"


class CourtType(StrEnum):
    BANKRUPTCY = "bankruptcy"
    DISTRICT = "district"
    APPELLATE = "appellate"
    UNKNOWN = "unknown"


class NoticeType(StrEnum):
    ELECTRONIC_FILING = "electronic_filing"
    CASE_FILING = "case_filing"
    CLAIMS_FILING = "claims_filing"


class Evidence(Frozen):
    """A piece of text that a verdict rests on, and where it was found."""

    text: str
    page: int | None = Field(default=None, description="1-based page number, when known")
    source: str = Field(default="text", description="text | link | header | stamp | filename | ocr")
    confidence: float | None = Field(
        default=None, description="OCR's confidence in the page it was read from, 0-1 (ocr)"
    )


class DrawnBox(Frozen):
    """A check box drawn on the page as a shape (no glyph in the text), and the line of
    text it stands beside."""

    ticked: bool = Field(description="A mark (an X, a check, a fill) drawn inside it")
    line: str = Field(description="The start of the text line beside the box")
    # Where it sits and the words around it, so that the boxes of one row (a Yes and a No
    # column) are read together, each by its label (`letter_text._with_drawn_boxes`).
    left: float = Field(default=0.0, description="Its left edge, points from the page's left")
    top: float = Field(default=0.0, description="Its top edge, points from the page's bottom")
    row: str = Field(default="", description="The words of its text line, left to right")
    before: str = Field(default="", description="The word just before it on its line")
    after: str = Field(default="", description="The word just after it on its line")
    above: str = Field(default="", description="The words over it in its column (a header)")


class PageText(Frozen):
    number: int = Field(description="1-based")
    text: str
    links: tuple[str, ...] = Field(default=(), description="URIs of the page's link annotations")
    source: str = Field(default="text", description="text (the PDF's own text) | ocr")
    confidence: float | None = Field(
        default=None, description="OCR's confidence in this page's text, 0-1 (source ocr)"
    )
    word_confidences: tuple[float, ...] = Field(
        default=(),
        description="OCR's confidence in each word of `text` (its words split at white space, "
        "in order), 0-1; empty when not known",
    )
    inked_lines: tuple[int, ...] = Field(
        default=(),
        description="OCR: the lines of `text` (0-based, as split at line breaks) with a pen "
        "stroke over them, ink OCR read as no words",
    )
    boxes: tuple[DrawnBox, ...] = Field(
        default=(), description="Check boxes drawn as shapes, ticked or not, by their line"
    )


class PdfText(Frozen):
    """What could be read out of a PDF, bounded in pages and time."""

    ok: bool
    page_count: int = 0
    pages: tuple[PageText, ...] = ()
    reason: str | None = Field(default=None, description="Why it could not be read (ok=False)")
    pages_read_limited: bool = Field(
        default=False, description="True when only the first pages were read (very long PDFs)"
    )

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(link for p in self.pages for link in p.links)


class NefCase(Frozen):
    case_number: str
    case_name: str | None = None
    document_number: str | None = None
    claim_number: str | None = None


class NefFacts(Frozen):
    notice_type: NoticeType
    court_id: str | None
    court_type: CourtType
    court_name: str | None = Field(
        default=None, description="As printed, e.g. 'District of Colorado'"
    )
    court_evidence: tuple[Evidence, ...] = ()
    cases: tuple[NefCase, ...] = ()
    filer: str | None = Field(default=None, description="'received from' / 'entered by' name")
    filed_by: tuple[str, ...] = Field(default=(), description="'Filed by' names of the docket text")
    filed_on: dt.date | None = None
    docket_text: str | None = None
    stamp_kind: str | None = Field(default=None, description="e.g. bkecfStamp_ID, NYSBStamp_ID")
    stamp_id: str | None = None
    file_numbers: tuple[str, ...] = Field(default=(), description="FileNumber values of the stamps")
    pages: tuple[int, int] | None = Field(
        default=None, description="First and last page of the notice in its PDF (1-based)"
    )
    ocr_confidence: float | None = Field(
        default=None, description="Read by OCR: the lowest confidence of its pages, 0-1"
    )
    document_pages: tuple[int, int] | None = Field(
        default=None,
        description="Pages after the notice that hold the filed document printed with it",
    )


class AffirmationState(StrEnum):
    FOUND = "found"  # the statement is made; its sentence is the evidence
    MISSING = "missing"  # nothing in the letter addresses it
    UNCLEAR = "unclear"  # the letter touches it, but the statement cannot be confirmed


class Affirmation(Frozen):
    id: str
    state: AffirmationState
    evidence: Evidence | None = Field(default=None, description="The sentence(s) it rests on")
    candidates: tuple[Evidence, ...] = Field(
        default=(), description="Sentences that touch it without confirming it (unclear)"
    )
    reason: str | None = Field(default=None, description="Why it is unclear, in plain words")

    @model_validator(mode="before")
    @classmethod
    def _from_found(cls, data: Any) -> Any:
        # Facts stored before the three states had `found: bool`.
        if isinstance(data, dict) and "found" in data and "state" not in data:
            data = dict(data)
            data["state"] = AffirmationState.FOUND if data.pop("found") else "missing"
        return data

    @property
    def found(self) -> bool:
        return self.state is AffirmationState.FOUND


class FactState(StrEnum):
    """What the reader can say of the letter's signature and of its authorship."""

    FOUND = "found"  # signed by the attorney / the attorney's own letter
    UNCLEAR = "unclear"  # the text cannot confirm it either way: a clerk reads the letter
    ABSENT = "absent"  # surely not: no signature at all / written by someone else


class LetterFacts(Frozen):
    attorney_name: str | None
    signed: bool = Field(description="The signature is found (`signature` is found)")
    signature: FactState = Field(
        default=FactState.FOUND,
        description="found (a /s/ or typed name at the signature place), unclear (a pen "
        "signature the text cannot show, a name that does not read as one), absent (no "
        "signature place or name at all, a blank line, a placeholder)",
    )
    signature_reason: str | None = Field(
        default=None, description="Why the signature is unclear or absent, in plain words"
    )
    authorship: FactState = Field(
        default=FactState.FOUND,
        description="found (the attorney's own letter), unclear (someone else may have "
        "written it), absent (written on the attorney's behalf and signed by another person)",
    )
    authorship_reason: str | None = Field(
        default=None, description="Why the authorship is unclear or absent, in plain words"
    )
    signature_evidence: Evidence | None = None
    bar_number: str | None = None
    affirmations: tuple[Affirmation, ...] = ()
    own_letter: bool = Field(
        default=True, description="Written by the attorney who signs it (not on their behalf)"
    )
    writer: str | None = Field(
        default=None, description="Who wrote it when it is not the attorney's own letter"
    )
    own_letter_evidence: Evidence | None = None
    certain: bool = Field(
        default=True, description="False when the PDF may be the letter but may also not be"
    )
    recognition: str | None = Field(default=None, description="Why it was taken for the letter")
    scanned: bool = Field(
        default=False, description="Read by OCR: a handwritten signature leaves no text"
    )
    text: str | None = Field(
        default=None,
        description="The letter's text as read (bounded), for a clerk to judge a statement "
        "the machine did not find",
    )

    @model_validator(mode="before")
    @classmethod
    def _states_from_flags(cls, data: Any) -> Any:
        # Facts stored before the three states had only `signed` and `own_letter`.
        if isinstance(data, dict) and ("signature" not in data or "authorship" not in data):
            data = dict(data)
            if "signature" not in data:
                scanned = bool(data.get("scanned"))
                data["signature"] = (
                    FactState.FOUND
                    if data.get("signed")
                    else FactState.UNCLEAR
                    if scanned
                    else FactState.ABSENT
                )
            if "authorship" not in data:
                own = data.get("own_letter", True)
                data["authorship"] = FactState.FOUND if own else FactState.ABSENT
        return data

    @property
    def missing(self) -> list[str]:
        """Affirmation ids that nothing addresses, plus 'signature' when surely unsigned
        (SPEC 5): a signature the text cannot confirm is `unclear`, not missing."""
        out = [a.id for a in self.affirmations if a.state is AffirmationState.MISSING]
        if self.signature is FactState.ABSENT:
            out.append("signature")
        return out

    @property
    def unclear(self) -> list[str]:
        """Affirmation ids the letter touches without a statement that can be confirmed."""
        return [a.id for a in self.affirmations if a.state is AffirmationState.UNCLEAR]


class Document(Frozen):
    """One attachment, read: its identity, its kind, and the facts it holds."""

    filename: str
    sha256: str
    size: int
    kind: DocumentKind
    reason: str | None = Field(
        default=None, description="Why it is unreadable / not a PDF / other, in plain words"
    )
    page_count: int = 0
    oversize: bool = Field(default=False, description="Past the size bound: not read at all")
    nef: NefFacts | None = Field(default=None, description="The first (or only) notice")
    nefs: tuple[NefFacts, ...] = Field(
        default=(),
        description="Every notice the PDF holds, in order (SPEC 4.1: six NEFs in one file)",
    )
    letter: LetterFacts | None = None

    @model_validator(mode="before")
    @classmethod
    def _notices_from_nef(cls, data: Any) -> Any:
        """A document stored before PDFs could hold several notices has `nef` only."""
        if isinstance(data, dict) and data.get("nef") is not None and not data.get("nefs"):
            return {**data, "nefs": (data["nef"],)}
        return data


# ------------------------------------------------------------------------- policy


class Status(StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    TRAINING_REQUIRED = "training_required"
    NEEDS_REVIEW = "needs_review"


class LetterStatus(StrEnum):
    OK = "ok"
    MISSING = "missing"
    DEFICIENT = "deficient"
    UNCLEAR = "unclear"  # a clerk must read it: an affirmation unclear, or maybe not the letter


# The parameters a finding or a missing item is worded with (rules/messages.toml fields).
Params = dict[str, str | int]


class Finding(Frozen):
    """One thing the policy found, by its code and the facts it is worded with.

    `message` is the code's wording in `rules/messages.toml` filled with `params`, made
    once by the policy (`Rules.word`) so that every reader shows the same sentence.
    """

    code: str
    message: str
    params: Params = Field(default_factory=dict)
    document: str | None = Field(default=None, description="File name of the document concerned")
    sha256: str | None = None
    notice: int | None = Field(
        default=None, description="Which notice of the document (0 = its first), for NEF findings"
    )
    evidence: tuple[Evidence, ...] = ()


class NefVerdict(Frozen):
    """Whether one NEF counts toward the required number, and if not, why."""

    index: int = Field(description="Position of the document in the assessed list")
    sha256: str
    counts: bool
    reasons: tuple[str, ...] = ()
    notice: int = Field(default=0, description="Position of the notice in its document")
    label: str = Field(
        default="", description="How people are told which notice: 'NEFs.pdf, notice 3 of 6'"
    )
    decided_by: str | None = Field(default=None, description="The clerk who counted it, or not")


class MissingItem(Frozen):
    """One thing a request still needs, by its code (`MISSING_CODES` in policy/codes.py).

    Worded for the attorney (`[still_needed_reply]`) and for the clerk (`[still_needed]`)
    from rules/messages.toml by whoever shows it.
    """

    code: str
    params: Params = Field(default_factory=dict)


class DecisionKind(StrEnum):
    """What a clerk settled that the machine could not (`intake requests decide`)."""

    LETTER_ACCEPTED = "letter_accepted"  # this PDF is the attorney's letter, in order
    AFFIRMATION_ACCEPTED = "affirmation_accepted"  # the letter makes this statement
    COUNTED = "counted"  # this notice counts toward the six
    NOT_COUNTED = "not_counted"  # this notice does not count


class ClerkDecision(Frozen):
    """A clerk's decision about ONE document, by its SHA-256: an input of the policy.

    Applied only to the document it names (never to another with the same name or
    facts) and kept across every later assessment of its request."""

    kind: DecisionKind
    sha256: str
    filename: str = Field(description="The document's name when decided, for the audit")
    affirmation: str | None = Field(default=None, description="affirmation_accepted: its id")
    notice: int = Field(default=0, description="counted/not_counted: which notice (0 = first)")
    clerk: str
    reason: str
    at: str | None = Field(default=None, description="When (ISO 8601), as the store keeps it")


# How releases before typed missing items wrote them (policy/assess.py then).
_STORED_WORDS = {
    "the letter of acknowledgment": "letter",
    "the attorney's signature": "signature",
    "a readable attorney name in the signature": "attorney_name",
}


def _stored_item(words: str) -> MissingItem:
    """A missing item as an older release stored it, typed again."""
    if words in _STORED_WORDS:
        return MissingItem(code=_STORED_WORDS[words])
    if words.startswith("the statement that "):
        description = words.removeprefix("the statement that ")
        return MissingItem(code="affirmation", params={"id": "", "description": description})
    needed = words.split(" ", 1)[0]
    if needed.isdigit():
        count = int(needed)
        return MissingItem(code="nefs", params={"needed": count, "plural": "s" * (count > 1)})
    raise ValueError(f"a stored missing item intake cannot read: {words!r}")


class Assessment(Frozen):
    status: Status
    qualifying_nefs: int
    required_nefs: int
    letter: LetterStatus
    attorney_name: str | None
    findings: tuple[Finding, ...] = ()
    nef_verdicts: tuple[NefVerdict, ...] = ()
    missing: tuple[MissingItem, ...] = Field(default=(), description="What is still needed")
    decisions: tuple[ClerkDecision, ...] = Field(
        default=(), description="The clerks' decisions this assessment applied"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_stored_words(cls, data: Any) -> Any:
        # Assessments stored before missing items were typed listed them in English.
        if isinstance(data, dict) and any(isinstance(m, str) for m in data.get("missing", ())):
            data = dict(data)
            data["missing"] = [
                _stored_item(m) if isinstance(m, str) else m for m in data["missing"]
            ]
        return data

    def verdict_for(self, index: int) -> NefVerdict | None:
        """The verdict of the NEF at `index` in the assessed documents (of its first
        notice, when it holds several), if it is one."""
        return next((v for v in self.nef_verdicts if v.index == index and v.notice == 0), None)

    def verdicts_for(self, index: int) -> tuple[NefVerdict, ...]:
        """The verdict of every notice of the document at `index`, in order."""
        return tuple(v for v in self.nef_verdicts if v.index == index)
