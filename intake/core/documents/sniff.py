"""What a file is, by its bytes: whether it is a PDF, and if not, what to call it.

The type is decided at offset 0, where every format puts its signature: a ZIP archive
whose first member is a PDF carries "%PDF-" in its first kilobyte too, and is still a
ZIP. The one tolerance is the PDF reader's own: text before "%PDF-" (a mail gateway's
stray header line), which Acrobat and PDFium accept within the first 1024 bytes; binary
bytes there are another format's, never a PDF's.

A ZIP archive is named with what it holds, read from its central directory only, within
explicit caps (`zip_listing`: no member is decompressed, at most 1,000 entries and ~1 MB
examined, so a ZIP bomb or a directory declaring a million entries costs nothing here):
"a ZIP archive holding 7 PDF files". The PDFs inside are not read: SPEC 1 asks for
PDFs, and the reply asks for the PDFs themselves (README: why).
"""

from __future__ import annotations

import re

from intake.core.documents.zip_listing import MAX_ENTRIES, list_zip

PDF_HEADER = b"%PDF-"
HEADER_WINDOW = 1024  # where readers look for the header

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"RIFF", "a RIFF file (an image or a recording)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Microsoft Office document (.doc/.xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x78\x9f\x3e\x22", "a winmail.dat (TNEF) file"),
    (b"BM", "a bitmap image"),
)
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

_ZIP_KINDS = (
    ("word/", "a Word document (.docx)"),
    ("xl/", "an Excel workbook (.xlsx)"),
    ("ppt/", "a PowerPoint presentation (.pptx)"),
)

# The header fields that open an email saved as a file (.eml) or forwarded as one.
_MAIL_HEADER = re.compile(
    rb"^(?:Received|Return-Path|From|To|Cc|Date|Subject|Message-ID|MIME-Version|"
    rb"Content-Type|Delivered-To|Reply-To|X-[\w-]+|DKIM-Signature|Authentication-Results|"
    rb"Thread-Topic|Thread-Index|Sender|In-Reply-To|References)[ \t]*:",
    re.I | re.M,
)
_NOTICE_IN_MAIL = re.compile(
    rb"Notice\s+of\s+(?:Electronic(?:\s+Claims)?|Bankruptcy\s+Case)\s+Filing"
    rb"|uscourts\.gov|Activity\s+in\s+Case",
    re.I,
)


def pdf_start(data: bytes) -> int | None:
    """Where the PDF header is, when the bytes are a PDF; None when they are not."""
    at = data.find(PDF_HEADER, 0, HEADER_WINDOW)
    if at < 0:
        return None
    prefix = data[:at].removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is text too
    if any(prefix.startswith(magic) for magic, _ in _MAGIC) or prefix.startswith(_ZIP_SIGNATURES):
        return None
    # Only text may stand before the header, whole lines of it: a gateway's stray line.
    if prefix and not prefix.endswith((b"\n", b"\r")):
        return None
    if any(byte < 0x09 or 0x0D < byte < 0x20 or byte > 0x7E for byte in prefix):
        return None
    return at


def is_pdf(data: bytes) -> bool:
    """True when the bytes are a PDF (its header at offset 0, or after a line of text)."""
    return pdf_start(data) is not None


def _zip_kind(data: bytes) -> str:
    listing = list_zip(data)
    if listing.damaged:
        return "a ZIP archive that cannot be opened (damaged)"
    names = listing.names
    for prefix, kind in _ZIP_KINDS:
        if any(name.startswith(prefix) for name in names):
            return kind
    if "mimetype" in names:
        return "an OpenDocument file"
    files = [name for name in names if not name.endswith("/")]
    pdfs = [name for name in files if name.lower().endswith(".pdf")]
    if not listing.complete:
        # Only the first entries are examined: what they are, and that there are more.
        return f"a ZIP archive holding more than {MAX_ENTRIES:,} files"
    if not files:
        return "a ZIP archive (empty)"
    if len(pdfs) == len(files):
        return f"a ZIP archive holding {_count(len(pdfs), 'PDF file')}"
    if pdfs:
        return (
            f"a ZIP archive holding {_count(len(files), 'file')}, "
            f"{_count(len(pdfs), 'of them a PDF', 'of them PDFs')}"
        )
    return f"a ZIP archive holding {_count(len(files), 'file')}, none of them a PDF"


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"


def _looks_like_mail(data: bytes) -> bool:
    """Header lines first ("Name: value"), at least two of them known mail headers."""
    head = data[:8192].lstrip(b"\r\n")
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    if not block or not re.match(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:", block):
        return False
    return len(_MAIL_HEADER.findall(block)) >= 2


def describe_bytes(data: bytes) -> str:
    """A short phrase naming what the bytes look like ('a Word document (.docx)')."""
    if not data:
        return "an empty file"
    if data.startswith(_ZIP_SIGNATURES):
        return _zip_kind(data)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if _looks_like_mail(data):
        if _NOTICE_IN_MAIL.search(data[:200_000]):
            return "an email message (a court's notice email itself, not a PDF of it)"
        return "an email message"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "a file of an unrecognised type"
    return "a plain text file"
