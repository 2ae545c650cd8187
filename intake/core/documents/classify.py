"""Attachment → `Document`: sniff the bytes, read the PDF's text, decide its kind, read its facts.

The NEF test runs before the letter test: a notice is the more specific shape, and a
printed NEF mentions electronic filing often enough to look like a letter about it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from intake.core.documents.letter import looks_like_letter, read_letter
from intake.core.documents.nef import read_nefs
from intake.core.documents.sniff import describe_bytes, is_pdf
from intake.core.model import Attachment, Document, DocumentKind, Envelope, PdfText
from intake.core.policy.rules import Rules
from intake.edges.pdf.reader import PdfLimits, read_pdf_isolated, read_pdfs_isolated


@dataclass(frozen=True)
class ReadOptions:
    pdf: PdfLimits = field(default_factory=PdfLimits)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB"):
        if value < 1024:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def read_document(
    attachment: Attachment,
    rules: Rules,
    options: ReadOptions | None = None,
    pdf: PdfText | None = None,
) -> Document:
    """Read one attachment. Never raises for bad input: the kind and reason say what it is.

    `pdf` is its text when already read (`read_documents` reads an email's PDFs at once).
    """
    options = options or ReadOptions()

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
        pdf = read_pdf_isolated(attachment.data, options.pdf)
    if not pdf.ok:
        reason = pdf.reason or "unreadable"
        return document(DocumentKind.UNREADABLE, reason=reason, page_count=pdf.page_count)
    kind, facts = classify_text(pdf, rules)
    return document(kind, page_count=pdf.page_count, **facts)


def classify_text(pdf: PdfText, rules: Rules) -> tuple[DocumentKind, dict[str, Any]]:
    """The kind of a readable PDF and the facts read from it."""
    if notices := read_nefs(pdf):
        # Several notices in one PDF are each read with their pages (SPEC 4.1).
        return DocumentKind.NEF, {"nef": notices[0], "nefs": notices}
    if looks_like_letter(pdf, rules.letter):
        return DocumentKind.LETTER, {"letter": read_letter(pdf, rules.letter)}
    reason = "neither a Notice of Electronic Filing nor a letter of acknowledgment"
    return DocumentKind.OTHER, {"reason": reason}


def read_documents(
    envelope: Envelope, rules: Rules, options: ReadOptions | None = None
) -> list[Document]:
    """Every attachment of an email, read, in the order the email carries them.

    Its PDFs are read in parallel, each in a sandboxed reader process.
    """
    options = options or ReadOptions()
    wanted = pdfs_to_read(envelope)
    texts = read_pdfs_isolated([a.data for a in wanted], options.pdf)
    read = {id(attachment): text for attachment, text in zip(wanted, texts, strict=True)}
    return [read_document(a, rules, options, read.get(id(a))) for a in envelope.attachments]


def pdfs_to_read(envelope: Envelope) -> list[Attachment]:
    """The attachments whose text `read_documents` reads: PDFs within the size bound."""
    return [a for a in envelope.attachments if not a.truncated and is_pdf(a.data)]
