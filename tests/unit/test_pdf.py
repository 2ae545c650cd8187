"""Safe PDF text extraction: every PDF here is made by the test itself."""

from __future__ import annotations

import io
import os
import random
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from fixtures.pdfs import raw_pdf
from intake.core.model import PdfText
from intake.edges.pdf.reader import PdfLimits, is_pdf, read_pdf, read_pdf_isolated

NEF_LINES = (
    "U.S. Bankruptcy Court",
    "District of Colorado",
    "Notice of Electronic Filing",
    "Case Name: Delta, LLC",
    "Case Number: 23-14130-JGR",
    "Document Number: 27",
    "Electronic document Stamp: [STAMP bkecfStamp_ID=985638001 [Date=9/25/2023] "
    "[FileNumber=48774698-0]]",
)
DOC_LINK = "https://ecf.cob.uscourts.gov/doc1/038040602882?caseid=516007"


def make_pdf(
    pages: list[list[str]],
    links: dict[int, str] | None = None,
    images: bool = False,
) -> bytes:
    """A PDF as reportlab writes it: one list of lines per page; links by page index."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for index, lines in enumerate(pages):
        y = 720
        for line in lines:
            pdf.drawString(40, y, line)
            y -= 14
        if images:
            scan = Image.new("RGB", (300, 200), "white")
            pdf.drawImage(ImageReader(scan), 72, 300, 300, 200)
        if links and index in links:
            pdf.linkURL(links[index], (40, y - 4, 300, y + 10), relative=0)
            pdf.drawString(40, y, "Document 27")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def encrypt(data: bytes, user_password: str, algorithm: str = "AES-256") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def nef_pdf() -> bytes:
    return make_pdf([list(NEF_LINES), ["Notice will be electronically mailed to:"]])


def assemble_pdf(page_streams: list[bytes]) -> bytes:
    """A minimal PDF written object by object: one Helvetica page per content stream.

    Much faster than reportlab for thousands of pages, and it lets a test write a
    stream no PDF library would (a hostile one).
    """
    count = len(page_streams)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * index) for index in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, stream in enumerate(page_streams):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * index)
        )
        objects.append(stream)
    return raw_pdf(objects)


def text_stream(text: str, compress: bool = False, padding: int = 0) -> bytes:
    content = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode() + b" " * padding
    if not compress:
        return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
    packed = zlib.compress(content, 1)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    """2,000 pages, each saying its own number."""
    return assemble_pdf([text_stream(f"This is page {n} of a long file.") for n in range(1, 2001)])


@pytest.fixture(scope="module")
def heavy_pdf() -> bytes:
    return heavy_pdf_bytes()


def heavy_pdf_bytes() -> bytes:
    """Twelve pages sharing one content stream that inflates from ~150 kB to 150 MB of blanks.

    Reading it needs far more memory than its size suggests, and takes CPU time on
    every page: PDFium about 0.4 s a page (about 5 s in all), pypdf minutes.
    A hostile file in both senses, for every reader.
    """
    stream = text_stream("Case Number: 23-14130-JGR", compress=True, padding=150_000_000)
    pages = 12
    kids = b" ".join(b"%d 0 R" % (5 + index) for index in range(pages))
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            stream,
            *([page] * pages),
        ]
    )


# ------------------------------------------------------------------------- is_pdf


def test_is_pdf_decides_by_the_header_bytes(nef_pdf: bytes) -> None:
    assert is_pdf(nef_pdf)
    assert is_pdf(b"X-Mailer junk line\r\n" * 20 + nef_pdf)  # header within 1024 bytes
    assert not is_pdf(b"x" * 1100 + nef_pdf)  # too far in: readers would refuse it
    assert not is_pdf(b"")
    assert not is_pdf(b"PK\x03\x04" + b"\x00" * 2000 + b"%PDF-1.7")
    assert not is_pdf(b"%PDF")  # truncated header


# ----------------------------------------------------------------------- readable


def test_reads_text_and_pages(nef_pdf: bytes) -> None:
    result = read_pdf(nef_pdf)
    assert result.ok and result.reason is None
    assert result.page_count == 2
    assert [page.number for page in result.pages] == [1, 2]
    assert not result.pages_read_limited
    first = result.pages[0].text
    for line in ("Case Number: 23-14130-JGR", "Document Number: 27", "Notice of Electronic Filing"):
        assert line in first
    assert "[FileNumber=48774698-0]" in first
    assert "electronically mailed" in result.pages[1].text


def test_bytes_before_the_header_are_skipped(nef_pdf: bytes) -> None:
    result = read_pdf(b"Content-Transfer-Encoding: junk\n" + nef_pdf)
    assert result.ok
    assert "Case Number: 23-14130-JGR" in result.text


def test_link_annotations_come_back_with_their_page() -> None:
    data = make_pdf(
        [["Cover page without links, long enough to count as text."], list(NEF_LINES)],
        links={1: DOC_LINK},
    )
    result = read_pdf(data)
    assert result.ok
    assert result.pages[0].links == ()
    assert result.pages[1].links == (DOC_LINK,)
    assert result.links == (DOC_LINK,)


def test_pages_are_clipped_to_the_character_bound() -> None:
    data = make_pdf([["A" * 90] * 40])
    result = read_pdf(data, PdfLimits(max_chars_per_page=500))
    assert result.ok
    assert len(result.pages[0].text) == 500


def test_long_pdf_reads_only_the_first_pages(long_pdf: bytes) -> None:
    result = read_pdf(long_pdf)
    limits = PdfLimits()
    assert result.ok
    assert result.page_count == 2000
    assert result.pages_read_limited
    assert len(result.pages) == limits.max_pages_read
    last = result.pages[-1]
    assert last.number == limits.max_pages_read
    assert last.text.strip() == f"This is page {limits.max_pages_read} of a long file."


# --------------------------------------------------------------------- encryption


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_password_protected_pdf_is_unreadable(nef_pdf: bytes, algorithm: str) -> None:
    result = read_pdf(encrypt(nef_pdf, "s3cret", algorithm))
    assert not result.ok
    assert result.reason == "encrypted: needs a password"
    assert result.pages == ()


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_empty_password_pdf_is_read(nef_pdf: bytes, algorithm: str) -> None:
    """Viewers open these without asking, so the attorney sees an ordinary PDF."""
    result = read_pdf(encrypt(nef_pdf, "", algorithm))
    assert result.ok
    assert result.page_count == 2
    assert "Case Number: 23-14130-JGR" in result.text


def test_unknown_security_handler_is_unreadable(nef_pdf: bytes) -> None:
    encrypted = encrypt(nef_pdf, "")
    assert encrypted.count(b"/Filter /Standard") == 1
    # Same length, so every offset stays right: only the handler is unknown.
    foreign = encrypted.replace(b"/Filter /Standard", b"/Filter /FancyDRM")
    result = read_pdf(foreign)
    assert not result.ok
    assert result.reason is not None
    assert result.reason.startswith("encrypted: cannot be decrypted")


# ------------------------------------------------------------------------ damaged


def test_not_a_pdf() -> None:
    result = read_pdf(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert not result.ok
    assert result.reason is not None and result.reason.startswith("not a PDF")


def test_garbage_after_a_header_is_corrupt() -> None:
    noise = random.Random(7).randbytes(5000)
    result = read_pdf(b"%PDF-1.7\n" + noise)
    assert not result.ok
    assert result.reason is not None and result.reason.startswith("corrupt or truncated")


@pytest.mark.parametrize("kept", [0.2, 0.5, 0.8])
def test_truncated_pdf_never_raises(nef_pdf: bytes, kept: float) -> None:
    result = read_pdf(nef_pdf[: int(len(nef_pdf) * kept)])
    assert isinstance(result, PdfText)
    if result.ok:  # what was repaired must be the document's own text
        assert "U.S. Bankruptcy Court" in result.text
    else:
        assert result.reason is not None and result.reason.startswith("corrupt or truncated")


def test_lost_trailer_is_repaired(nef_pdf: bytes) -> None:
    """Cut inside the cross-reference table: the objects are all there, so it reads."""
    cut = nef_pdf[: nef_pdf.rindex(b"xref") + 40]
    result = read_pdf(cut)
    assert result.ok, result.reason
    assert "Case Number: 23-14130-JGR" in result.text


def test_image_only_scan_has_no_text_layer() -> None:
    result = read_pdf(make_pdf([[], []], images=True))
    assert not result.ok
    assert result.reason == "no text layer (scanned image without OCR?)"
    assert result.page_count == 2


def test_zero_pages() -> None:
    out = io.BytesIO()
    PdfWriter().write(out)
    result = read_pdf(out.getvalue())
    assert not result.ok
    assert result.reason == "no pages"


CONTROL_CODES = "".join(chr(code) for code in range(1, 31)) * 3  # what an unmapped font yields


def test_garbled_text_is_unreadable() -> None:
    result = read_pdf(assemble_pdf([text_stream(CONTROL_CODES)]))
    assert not result.ok
    assert result.reason == "garbled text (fonts without a character map?)"


def test_one_garbled_page_does_not_spoil_the_others() -> None:
    data = assemble_pdf(
        [text_stream("Case Number: 23-14130-JGR Document Number: 27"), text_stream(CONTROL_CODES)]
    )
    result = read_pdf(data)
    assert result.ok
    assert "Case Number: 23-14130-JGR" in result.pages[0].text


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same damaged files every run: no flaky hang in CI
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_damaged_bytes_never_raise(data: st.DataObject) -> None:
    original = make_pdf([list(NEF_LINES)])
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 20), label="flips")):
        position = data.draw(st.integers(0, len(damaged) - 1), label="position")
        damaged[position] = data.draw(st.integers(0, 255), label="byte")
    result = read_pdf(bytes(damaged))
    assert isinstance(result, PdfText)
    assert result.ok or result.reason


# ----------------------------------------------------------------------- isolated


def test_isolated_read_matches_the_plain_read(nef_pdf: bytes) -> None:
    data = make_pdf([list(NEF_LINES)], links={0: DOC_LINK})
    assert read_pdf_isolated(data) == read_pdf(data)
    assert read_pdf_isolated(b"not a pdf at all") == read_pdf(b"not a pdf at all")


def test_isolated_read_is_stopped_at_the_cpu_limit(heavy_pdf: bytes) -> None:
    # CPU time, not wall-clock time, decides "too expensive": the wall-clock backstop
    # stays at its default (minutes) here, so only the CPU limit can end this read.
    started = time.monotonic()
    result = read_pdf_isolated(heavy_pdf, PdfLimits(cpu_seconds=1))
    assert not result.ok
    assert result.reason == "took longer than 1 s of CPU time"
    assert time.monotonic() - started < PdfLimits().timeout_seconds


def test_isolated_read_is_stopped_at_the_timeout(heavy_pdf: bytes) -> None:
    # Reading this file takes seconds; the reader is killed at 0.5 s.
    started = time.monotonic()
    result = read_pdf_isolated(heavy_pdf, PdfLimits(timeout_seconds=0.5))
    elapsed = time.monotonic() - started
    assert not result.ok
    assert result.reason == "took longer than 0.5 s"
    assert elapsed < 8


def test_isolated_read_is_stopped_at_the_memory_cap(heavy_pdf: bytes) -> None:
    started = time.monotonic()
    result = read_pdf_isolated(heavy_pdf, PdfLimits(max_memory_bytes=64 * 1024 * 1024))
    assert not result.ok
    assert result.reason == "ran out of memory (limit 64 MiB)"
    # Without the cap this file runs into the timeout (previous test), not memory.
    assert time.monotonic() - started < PdfLimits().timeout_seconds


def test_isolated_read_leaves_no_child_behind(nef_pdf: bytes, heavy_pdf: bytes) -> None:
    read_pdf_isolated(nef_pdf)
    before = _forked_children()
    result = read_pdf_isolated(heavy_pdf, PdfLimits(timeout_seconds=0.3))
    assert result.reason == "took longer than 0.3 s"
    # A killed reader that was not reaped would linger here as a zombie.
    assert _forked_children() - before == set()


def _forked_children() -> set[int]:
    """Ids of this process's direct children that are forks of it (same program name).

    Only forks count: Dovecot or Chromium started by earlier tests in the same session
    are children too, and they start and end helpers of their own while we look.
    """
    own_name = _stat_fields(os.getpid())[0]
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields and int(fields[2]) == os.getpid() and fields[0] == own_name:
            found.add(int(entry))
    return found


def _stat_fields(pid: int) -> list[str]:
    """[name, state, parent id, ...] from /proc/PID/stat; empty if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:  # it ended while we looked
        return []
    name = text[text.index("(") + 1 : text.rindex(")")]
    return [name, *text.rsplit(")", 1)[1].split()]


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_pages_read"):
        PdfLimits(max_pages_read=0)


def _form_pdf(ticks: tuple[bool, ...], right: bool = False) -> bytes:
    """A form whose check boxes are drawn as squares (an X drawn in a ticked one) beside
    their lines, and a square bullet (smaller) that is no box."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    c.setFont("Helvetica", 11)
    y = 700.0
    for n, ticked in enumerate(ticks):
        bx, tx = (520.0, 72.0) if right else (72.0, 94.0)
        c.rect(bx, y - 1, 9, 9, stroke=1, fill=0)
        if ticked:
            c.line(bx + 2, y + 1, bx + 7, y + 6)
            c.line(bx + 2, y + 6, bx + 7, y + 1)
        c.drawString(tx, y, f"Statement number {n + 1} of the form.")
        y -= 24
    c.rect(72, y - 1, 4, 4, stroke=1, fill=1)  # a drawn square bullet
    c.drawString(94, y, "A bulleted line.")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize("right", [False, True])
def test_check_boxes_drawn_as_shapes_are_read_with_their_lines(right: bool) -> None:
    pdf = read_pdf(_form_pdf((True, False, True), right=right))
    boxes = [(b.ticked, b.line) for b in pdf.pages[0].boxes]
    assert boxes == [
        (True, "Statement number 1 of the form."),
        (False, "Statement number 2 of the form."),
        (True, "Statement number 3 of the form."),
    ]


def test_check_boxes_drawn_in_a_form_xobject_are_read() -> None:
    # A box drawn inside a form XObject (a template stamped on the page) is still a box:
    # the reader looks one level into the page's forms, without pypdfium2's helper objects.
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    c.setFont("Helvetica", 11)
    c.beginForm("boxes")
    c.rect(72, 699, 9, 9, stroke=1, fill=0)
    c.line(74, 701, 79, 706)
    c.rect(72, 675, 9, 9, stroke=1, fill=0)
    c.endForm()
    c.doForm("boxes")
    c.drawString(94, 700, "Statement number 1 of the form.")
    c.drawString(94, 676, "Statement number 2 of the form.")
    c.showPage()
    c.save()
    pdf = read_pdf(buf.getvalue())
    assert [(b.ticked, b.line) for b in pdf.pages[0].boxes] == [
        (True, "Statement number 1 of the form."),
        (False, "Statement number 2 of the form."),
    ]


@given(st.text())
def test_letters_and_digits_are_counted_as_the_pattern_counts_them(text: str) -> None:
    import re

    from intake.edges.pdf.judge import alnum_count

    assert alnum_count(text) == len(re.findall(r"[^\W_]", text))
    ascii_text = text.encode("ascii", "replace").decode()
    assert alnum_count(ascii_text) == len(re.findall(r"[^\W_]", ascii_text))
