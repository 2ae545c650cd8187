"""An email's attachments read into `Document`s: the PDFs' text read in the sandboxed
reader pool (`intake.edges.pdf.reader`), then classified by the pure core
(`intake.core.documents.classify`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.core.documents.classify import document_of, needs_text, pdfs_to_read
from intake.core.model import Attachment, Document, Envelope
from intake.core.policy.rules import Rules
from intake.edges.pdf.reader import PdfLimits, read_pdf_isolated, read_pdfs_isolated


@dataclass(frozen=True)
class ReadOptions:
    pdf: PdfLimits = field(default_factory=PdfLimits)


def read_document(
    attachment: Attachment, rules: Rules, options: ReadOptions | None = None
) -> Document:
    """One attachment read and classified; its PDF read in a sandboxed reader process."""
    options = options or ReadOptions()
    text = read_pdf_isolated(attachment.data, options.pdf) if needs_text(attachment) else None
    return document_of(attachment, rules, text)


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
    return [document_of(a, rules, read.get(id(a))) for a in envelope.attachments]
