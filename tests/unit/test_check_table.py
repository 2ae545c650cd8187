"""`intake check` for a person: it reads well at 100 columns (wrapped, never cut; names
whole; claim numbers as "claim 3"), and `--request` assesses several files as one request."""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.commands.cli import main
from intake.core.table import format_table, keep_together

PROJECT = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT / "fixtures" / "eml"
EXPECTED = json.loads((PROJECT / "fixtures" / "expected.json").read_text())


# ------------------------------------------------------------------ the table, pure

words = st.text(alphabet="abcdefghij", min_size=1, max_size=10)
cells = st.lists(words, min_size=0, max_size=12).map(" ".join)


@given(st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=6), st.integers(40, 140))
def test_a_table_keeps_every_word_and_fits_when_the_words_do(
    rows: list[tuple[str, str, str]], width: int
) -> None:
    text = format_table(rows, width, indent=2)
    lines = text.splitlines()
    # Nothing is cut: every word of every cell is in the output, whole.
    assert sorted(text.split()) == sorted(w for row in rows for w in " ".join(row).split())
    # Words are at most 10 letters, three columns: they always fit in 40 columns.
    assert all(len(line) <= width for line in lines), (width, text)


def test_text_kept_together_is_never_split_and_reads_with_spaces() -> None:
    rows = [
        ("what", "verdict"),
        (f"njb 24-21707-MBK doc 27 {keep_together('by Bettina Lorenz')}", "ok"),
    ]
    text = format_table(rows, 30, indent=0)
    assert "by Bettina Lorenz" in text
    assert "\u00a0" not in text


# ------------------------------------------------------------ the command's output


def _table(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(["check", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


def test_every_fixture_reads_within_100_columns_with_names_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _table(capsys, str(FIXTURES))
    long = [line for line in out.splitlines() if len(line) > 100]
    assert not long, long
    flat_lines = out.splitlines()
    for expected in EXPECTED["submissions"]:
        name = expected["assessment"].get("attorney_name")
        if name:  # each name reads whole on one line somewhere (never "by Bettina Lor")
            assert any(name in line for line in flat_lines), name


def test_claim_numbers_read_as_claims_and_documents_as_documents(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _table(capsys, str(FIXTURES / "complete-claims-and-petitions.eml"))
    assert re.search(r"\bclaim 3\b", out) and re.search(r"\bdoc 1\b", out)
    assert not re.search(r"#\d", out)  # '#' is the row number, not an entry


def test_a_long_finding_wraps_under_its_bullet(capsys: pytest.CaptureFixture[str]) -> None:
    out = _table(capsys, str(FIXTURES / "duplicates.eml"))
    lines = out.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("     * [duplicate]")]
    assert starts
    whole = " ".join(
        part.strip()
        for part in lines[starts[0] : starts[0] + 3]
        if not part.startswith("     * [too")
    )
    assert "is the same filing as" in whole and "which is already counted." in whole


# ------------------------------------------------------------------ --request


def _pdfs_of(fixture: str, folder: Path) -> list[Path]:
    message = email.message_from_bytes(
        (FIXTURES / f"{fixture}.eml").read_bytes(), policy=email.policy.default
    )
    written = []
    for part in message.walk():
        name = part.get_filename()
        if name and name.lower().endswith(".pdf"):
            path = folder / name
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            path.write_bytes(payload)
            written.append(path)
    return written


def test_loose_pdfs_are_one_request_with_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdfs = _pdfs_of("series-a-1", tmp_path) + _pdfs_of("series-a-2", tmp_path)
    assert len(pdfs) == 7
    # Alone, each PDF is a request of its own: none is complete.
    separate = _table(capsys, "--json", *map(str, pdfs))
    statuses = [json.loads(line)["assessment"]["status"] for line in separate.splitlines()]
    assert len(statuses) == 7 and "complete" not in statuses
    # Together they are the complete request the two emails made.
    together = json.loads(_table(capsys, "--json", "--request", *map(str, pdfs)))
    assert together["assessment"]["status"] == "complete"
    assert together["assessment"]["qualifying_nefs"] == 6
    assert together["sources"] == [str(p) for p in pdfs]
    assert len(together["documents"]) == 7
    table = _table(capsys, "--request", *map(str, pdfs))
    assert "=> COMPLETE: 6/6 NEFs count, letter ok" in table
    assert table.count("request of 7 file(s)") == 1


@pytest.mark.parametrize("series", EXPECTED["series"], ids=lambda s: s["series"])
def test_the_emails_of_a_series_together_are_its_request(
    series: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(FIXTURES / name) for name in series["files"]]  # type: ignore[attr-defined]
    expected = series["assessment"]
    assert isinstance(expected, dict)
    together = json.loads(_table(capsys, "--json", "--request", *files))
    assert together["assessment"]["status"] == expected["status"]
    assert together["assessment"]["qualifying_nefs"] == expected["qualifying_nefs"]
    assert together["sender"] == series["sender"]
    # A folder given with --request is read as its files, together.
    folder = tmp_path / "emails"
    folder.mkdir()
    for path in files:
        (folder / Path(path).name).write_bytes(Path(path).read_bytes())
    from_folder = json.loads(_table(capsys, "--json", "--request", str(folder)))
    assert from_folder["assessment"] == together["assessment"]


def test_emails_from_two_senders_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    out = _table(
        capsys, "--request", str(FIXTURES / "series-a-1.eml"), str(FIXTURES / "own-court.eml")
    )
    assert "the emails come from 2 senders" in " ".join(out.split())


def test_the_same_pdf_twice_in_a_request_counts_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdfs = _pdfs_of("series-a-2", tmp_path)
    copy = tmp_path / "copy of NEF.pdf"
    copy.write_bytes(pdfs[0].read_bytes())
    checked = json.loads(_table(capsys, "--json", "--request", *map(str, pdfs), str(copy)))
    codes = [f["code"] for f in checked["assessment"]["findings"]]
    assert "duplicate" in codes
    assert checked["assessment"]["qualifying_nefs"] == len(pdfs)


def test_request_with_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--request", str(tmp_path / "nope.pdf")]) == 2
    assert "no such file" in capsys.readouterr().err
