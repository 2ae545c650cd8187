"""What a file is, decided by its bytes at offset 0 (issue 11 point 4)."""

from __future__ import annotations

import io
import zipfile

import pytest

from fixtures.docx import docx
from fixtures.images import LOGO_PNG, SCREENSHOT_JPEG
from fixtures.nefs import example_nef
from fixtures.pdfs import nef_pdf
from intake.core.documents.sniff import describe_bytes, is_pdf, pdf_start

PDF = nef_pdf(example_nef())


def zip_of(members: dict[str, bytes], *, stored: bool = True) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def test_a_pdf_is_a_pdf_at_offset_0_or_after_a_stray_text_line() -> None:
    assert pdf_start(PDF) == 0
    assert is_pdf(b"X-Mailer junk line\r\n" + PDF)
    assert is_pdf(b"\xef\xbb\xbf" + PDF)
    assert not is_pdf(b"x" * 1100 + PDF)  # too far in: readers refuse it
    assert not is_pdf(b"%PDF")


def test_an_uncompressed_zip_whose_first_member_is_a_pdf_is_a_zip() -> None:
    archive = zip_of({f"NEF {n}.pdf": PDF for n in range(1, 8)})
    assert b"%PDF-" in archive[:1024]  # what fooled the old test
    assert not is_pdf(archive)
    assert describe_bytes(archive) == "a ZIP archive holding 7 PDF files"


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"NEF 1.pdf": PDF}, "a ZIP archive holding 1 PDF file"),
        ({"a.pdf": PDF, "notes.txt": b"hi"}, "a ZIP archive holding 2 files, 1 of them a PDF"),
        ({"notes.txt": b"hi"}, "a ZIP archive holding 1 file, none of them a PDF"),
    ],
)
def test_a_zip_is_named_with_what_it_holds(members: dict[str, bytes], expected: str) -> None:
    assert describe_bytes(zip_of(members, stored=False)) == expected


def test_a_zip_bomb_is_described_without_being_inflated() -> None:
    # 200 MB of zeros in a few hundred kB: only the central directory is read.
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("huge.pdf", "w") as member,
    ):
        for _ in range(200):
            member.write(b"\0" * (1 << 20))
    assert describe_bytes(buf.getvalue()) == "a ZIP archive holding 1 PDF file"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (SCREENSHOT_JPEG, "a JPEG image"),
        (LOGO_PNG, "a PNG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + b"%PDF-1.4", "an old-style"),
        (b"", "an empty file"),
        (b"just some words\n", "a plain text file"),
        (b"<!DOCTYPE html><html><body>%PDF-</body></html>", "a web page"),
        (b"PK\x03\x04garbage", "a ZIP archive"),
    ],
)
def test_other_files_are_named_by_their_signature(data: bytes, expected: str) -> None:
    assert describe_bytes(data).startswith(expected)
    assert not is_pdf(data)


def test_a_word_file_is_a_word_document() -> None:
    assert describe_bytes(docx(["Letter of acknowledgment"])) == "a Word document (.docx)"


NEF_EMAIL = (
    b"Return-Path: <cmecf@cob.uscourts.gov>\r\nFrom: cmecf@cob.uscourts.gov\r\n"
    b"To: rdelgado@delgado-law.test\r\nSubject: 25-11001-TBM Motion to Extend Time\r\n"
    b"Content-Type: text/plain\r\n\r\nU.S. Bankruptcy Court\r\nDistrict of Colorado\r\n"
    b"Notice of Electronic Filing\r\n"
)


def test_an_email_file_is_an_email_and_a_notice_email_is_said_to_be_one() -> None:
    assert describe_bytes(NEF_EMAIL).startswith("an email message (a court's notice email")
    other = NEF_EMAIL.replace(b"cob.uscourts.gov", b"example.test").split(b"\r\n\r\n")[0]
    assert describe_bytes(other + b"\r\n\r\nSee you Tuesday.\r\n") == "an email message"
    assert not is_pdf(NEF_EMAIL)


def test_one_header_like_line_is_not_an_email() -> None:
    assert describe_bytes(b"Subject: my notes\nnothing else\n") == "a plain text file"
