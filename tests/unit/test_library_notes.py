"""What pypdf and pdfminer say about a damaged PDF is one line of intake's log, never their
own bare lines on the user's terminal (intake/edges/pdf/library_notes.py)."""

from __future__ import annotations

import contextlib
import logging
import pathlib
import subprocess
import sys
import warnings

import pytest

from intake.edges.pdf import library_notes, pypdf_reader
from intake.edges.pdf.reader import PdfLimits, read_pdf
from tests.unit.test_pdf import NEF_LINES, assemble_pdf, make_pdf, text_stream

ROOT = pathlib.Path(__file__).resolve().parents[2]
INTAKE = str(pathlib.Path(sys.executable).with_name("intake"))


# A one-page PDF without its end-of-file marker: pypdf says so, then gives up.
NO_EOF = assemble_pdf([text_stream("Case Number: 23-14130-JGR")]).replace(b"%%EOF", b"")


def test_what_pypdf_says_is_one_line_of_our_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with library_notes.collected("pypdf") as notes, contextlib.suppress(Exception):
        pypdf_reader.read(NO_EOF, PdfLimits())
    assert ("pypdf", "EOF marker not found") in notes
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
    [line] = [r for r in caplog.records if r.name == library_notes.__name__]
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith("the pypdf reader: ")
    assert "from pypdf while reading a PDF: " in line.getMessage()
    assert "EOF marker not found" in line.getMessage()
    # Afterwards the libraries log as before.
    assert logging.getLogger("pypdf").propagate and not logging.getLogger("pypdf").handlers


def test_notes_are_kept_whatever_level_the_library_was_set_to(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The clerks' packet quiets pypdf (core/summary/packet.py sets it to ERROR).
    caplog.set_level(logging.ERROR, logger="pypdf")
    with library_notes.collected("pypdf") as notes, contextlib.suppress(Exception):
        pypdf_reader.read(NO_EOF, PdfLimits())
    assert ("pypdf", "EOF marker not found") in notes
    assert logging.getLogger("pypdf").level == logging.ERROR


def test_no_reader_lets_a_library_log_on_its_own(caplog: pytest.LogCaptureFixture) -> None:
    data = make_pdf([list(NEF_LINES)])
    caplog.set_level(logging.DEBUG)
    for damaged in (NO_EOF, data[: len(data) // 2], data[: len(data) // 3]):
        read_pdf(damaged)
    assert [r for r in caplog.records if r.name.startswith(("pypdf", "pdfminer"))] == []
    ours = [r for r in caplog.records if r.name == library_notes.__name__]
    assert any("EOF marker not found" in r.getMessage() for r in ours)
    assert all(r.levelno == logging.INFO for r in ours)


def test_warnings_are_collected_too_and_a_long_list_is_cut(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    with library_notes.collected("a test") as notes:
        for n in range(5):
            logging.getLogger("pdfminer.pdfpage").warning("note %d", n)
        warnings.warn("a deprecated call", DeprecationWarning, stacklevel=1)
    assert len(notes) == 6
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("the a test reader: 6 note(s) from pdfminer, python while reading")
    assert "note 0; note 1; note 2 (and 3 more)" in line


@pytest.mark.parametrize(
    "fixture", ["incomplete-corrupt-pdf.eml", "complete-despite-unreadable-nef.eml"]
)
def test_intake_check_of_damaged_pdfs_prints_only_its_verdict(fixture: str) -> None:
    # Before, pypdf's own lines reached the terminal: "EOF marker not found",
    # "incorrect startxref pointer(4)", "parsing for Object Streams".
    done = subprocess.run(
        [INTAKE, "check", str(ROOT / "fixtures" / "eml" / fixture)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "=>" in done.stdout
