"""An email's attachments read into `Document`s: the PDFs' text read in the sandboxed
reader pool (`intake.edges.pdf.reader`), then classified by the pure core
(`intake.core.documents.classify`).

`read_documents` has each PDF classified in the reader process that read it, on every
core at once (`CLASSIFY`, with the rules as its context): the poll's own process only
collects the facts. A classification that raised there is run again here, so that a
bug in the core fails the message as it always did.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from intake.core.documents.classify import Classified, document_of, needs_text, pdfs_to_read
from intake.core.model import Attachment, Document, Envelope
from intake.core.policy.rules import Rules
from intake.edges.pdf.derived import Derive, Read, derive
from intake.edges.pdf.reader import (
    PdfLimits,
    prefetch_pdfs,
    read_pdf_isolated,
    read_pdfs_derived,
)

# Run in the reader process on each readable text, with the rules as its context.
CLASSIFY = "intake.core.documents.classify:classify_text"


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

    Its PDFs are read (and classified) in parallel, each in a sandboxed reader process;
    what `prefetch_documents` started is taken over.
    """
    options = options or ReadOptions()
    wanted = pdfs_to_read(envelope)
    reads = read_pdfs_derived([a.data for a in wanted], options.pdf, classifier(rules))
    read = {id(attachment): r for attachment, r in zip(wanted, reads, strict=True)}
    return [_document(a, rules, read.get(id(a))) for a in envelope.attachments]


def prefetch_documents(
    attachments: Iterable[Attachment], rules: Rules, options: ReadOptions | None = None
) -> None:
    """Start reading (and classifying) these PDFs now, for a `read_documents` of the
    same email later (the poll's read-ahead)."""
    options = options or ReadOptions()
    prefetch_pdfs((a.data for a in attachments if needs_text(a)), options.pdf, classifier(rules))


def _document(attachment: Attachment, rules: Rules, read: Read | None) -> Document:
    if read is None:
        return document_of(attachment, rules, None)
    classified = _classified(read.value) if read.error is None else None
    return document_of(attachment, rules, read.text, classified)


def _classified(value: object) -> Classified | None:
    """The reader's classification, when it has the shape `classify_text` returns."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict):
        return value
    return None


# The rules pickled once per rules object (the daemon reloads them on SIGHUP).
_classifiers: dict[int, tuple[Rules, Derive]] = {}
_classifiers_lock = threading.Lock()


def classifier(rules: Rules) -> Derive:
    """`CLASSIFY` with these rules, for the reader processes."""
    with _classifiers_lock:
        known = _classifiers.get(id(rules))
        if known is not None and known[0] is rules:
            return known[1]
        how = derive(CLASSIFY, rules)
        if len(_classifiers) >= 4:
            _classifiers.clear()
        _classifiers[id(rules)] = (rules, how)
        return how
