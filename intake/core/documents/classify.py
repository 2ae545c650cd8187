"""Attachment + its PDF's text → `Document`: decide its kind, read its facts.

Pure: the text comes in already read (`intake.service.documents` reads it in the
sandboxed reader pool), so this module decides on bytes and text alone.

The NEF test runs before the letter test: a notice is the more specific shape, and a
printed NEF mentions electronic filing often enough to look like a letter about it.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from intake.core.documents.nef import read_nefs
from intake.core.documents.sniff import describe_bytes, is_pdf
from intake.core.model import (
    Attachment,
    Document,
    DocumentKind,
    Envelope,
    Evidence,
    NefFacts,
    PdfText,
)
from intake.core.policy.rules import Rules

# The reason given for a scan whose text OCR could not read with confidence.
UNCLEAR_SCAN = "unclear scan: OCR could not read its text with confidence"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB"):
        if value < 1024:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def needs_text(attachment: Attachment) -> bool:
    """Whether `document_of` needs the attachment's PDF text: a PDF within the size bound."""
    return not attachment.truncated and is_pdf(attachment.data)


def pdfs_to_read(envelope: Envelope) -> list[Attachment]:
    """The attachments of an email whose text must be read: its PDFs within the size bound."""
    return [a for a in envelope.attachments if needs_text(a)]


# What `classify_text` decides: the kind and the facts read.
Classified = tuple[DocumentKind, dict[str, Any]]


def document_of(
    attachment: Attachment,
    rules: Rules,
    pdf: PdfText | None,
    classified: Classified | None = None,
) -> Document:
    """One attachment as a `Document`. Never raises for bad input: the kind and reason
    say what it is.

    `pdf` is its text, read by the caller when `needs_text(attachment)`, else None.
    `classified`: `classify_text(pdf, rules)` when the caller had it done already (the
    reader process that read the text does it).
    """

    def document(kind: DocumentKind, **facts: Any) -> Document:
        return Document(
            filename=attachment.filename,
            sha256=hashlib.sha256(attachment.data).hexdigest(),
            size=attachment.size,
            kind=kind,
            **facts,
        )

    if attachment.truncated:
        reason = f"{human_size(attachment.size)}, past the size limit"
        return document(DocumentKind.UNREADABLE, oversize=True, reason=reason)
    if not is_pdf(attachment.data):
        return document(DocumentKind.NOT_PDF, reason=describe_bytes(attachment.data))
    if pdf is None:
        raise ValueError(f"{attachment.filename}: a PDF's text must be read first")
    if not pdf.ok:
        reason = pdf.reason or "unreadable"
        return document(DocumentKind.UNREADABLE, reason=reason, page_count=pdf.page_count)
    kind, facts = classified if classified is not None else classify_text(pdf, rules)
    return document(kind, page_count=pdf.page_count, **facts)


def classify_text(pdf: PdfText, rules: Rules) -> Classified:
    """The kind of a readable PDF and the facts read from it."""
    ocr = {p.number: p.confidence or 0.0 for p in pdf.pages if p.source == "ocr"}
    if notices := read_nefs(pdf):
        # Several notices in one PDF are each read with their pages (SPEC 4.1); what
        # OCR read is marked as such, with the confidence of the page it came from.
        notices = tuple(_from_ocr(n, ocr) for n in notices)
        facts: dict[str, Any] = {"nef": notices[0], "nefs": notices}
        # The letter and the notices printed into one PDF: the pages before the first
        # notice are read as the letter, when they are one.
        first = notices[0].pages[0] if notices[0].pages else 1
        before = tuple(page for page in pdf.pages if page.number < first)
        if before:
            from intake.core.documents.letter import read_letter, recognise_letter

            leading = pdf.model_copy(update={"pages": before, "page_count": len(before)})
            recognised = recognise_letter(leading, rules.letter)
            if recognised.kind != "other":
                letter = read_letter(leading, rules.letter, recognised)
                facts["letter"] = marked_ocr(letter, ocr)
        return DocumentKind.NEF, facts
    # Loaded here, not with this module: the letter reader's patterns cost ~12 ms to
    # compile, which `intake check` of a notice alone (one that opens its PDF) never needs.
    from intake.core.documents.letter import read_letter, recognise_letter

    recognised = recognise_letter(pdf, rules.letter)
    if recognised.kind != "other":
        # A PDF that may be the letter is kept as one, marked uncertain: a clerk reads it.
        letter = read_letter(pdf, rules.letter, recognised)
        return DocumentKind.LETTER, {"letter": marked_ocr(letter, ocr)}
    if ocr and min(ocr.values()) < rules.nef.ocr_min_confidence:
        # A scan read too poorly to say what it is: a person must look (SPEC 4.1).
        confidence = round(min(ocr.values()) * 100)
        return DocumentKind.UNREADABLE, {"reason": f"{UNCLEAR_SCAN} ({confidence}% confidence)"}
    reason = (
        "neither a Notice of Electronic Filing nor the letter of acknowledgment: "
        + recognised.reason
    )
    return DocumentKind.OTHER, {"reason": reason}


def _from_ocr(nef: NefFacts, ocr: dict[int, float]) -> NefFacts:
    """The notice with its OCR evidence marked and its lowest OCR page confidence."""
    if not ocr:
        return nef
    first, last = nef.pages or (min(ocr), max(ocr))
    scanned = [confidence for page, confidence in ocr.items() if first <= page <= last]
    marked = marked_ocr(nef, ocr)
    return marked.model_copy(update={"ocr_confidence": min(scanned)}) if scanned else marked


M = TypeVar("M")


def marked_ocr(value: M, ocr: dict[int, float]) -> M:
    """`value` with every piece of evidence found on an OCR page marked `source="ocr"`
    with that page's confidence (the facts' own models, walked field by field)."""
    if not ocr:
        return value
    if isinstance(value, Evidence):
        confidence = ocr.get(value.page or 0)
        if confidence is None:
            return value
        return cast(M, value.model_copy(update={"source": "ocr", "confidence": confidence}))
    if isinstance(value, BaseModel):
        changed = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            new = marked_ocr(old, ocr)
            if new is not old:
                changed[name] = new
        return cast(M, value.model_copy(update=changed)) if changed else value
    if isinstance(value, tuple):
        items = tuple(marked_ocr(item, ocr) for item in value)
        same = all(a is b for a, b in zip(items, value, strict=True))
        return value if same else cast(M, items)
    return value
