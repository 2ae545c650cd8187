"""The committed fixtures are exactly what `python -m fixtures.generate` writes today,
and the hand-written expectations in them are consistent with each other."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from fixtures import catalog, generate
from fixtures.letters import example_letter
from fixtures.nefs import example_nef
from fixtures.pdfs import PrintStyle, letter_pdf, nef_pdf, scanned_pdf

FIXTURES = Path(generate.__file__).resolve().parent


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixtures")
    generate.write(out)
    return out


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    return data


def test_generated_files_match_committed_byte_for_byte(fresh: Path) -> None:
    made = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(FIXTURES)
        for p in [*FIXTURES.glob("eml/*.eml"), FIXTURES / "expected.json", FIXTURES / "README.md"]
    )
    assert made == committed, "run: .venv/bin/python -m fixtures.generate"
    stale = [
        str(rel) for rel in made if (fresh / rel).read_bytes() != (FIXTURES / rel).read_bytes()
    ]
    assert stale == [], f"stale fixtures {stale}; run: .venv/bin/python -m fixtures.generate"


def test_building_again_in_one_process_gives_the_same_bytes() -> None:
    # FileNumbers come from a sequence: reset() must make a second build identical.
    catalog.reset()
    first = catalog.duplicates().eml()
    catalog.reset()
    assert catalog.duplicates().eml() == first


def test_example_builders_render_readable_pdfs() -> None:
    for style in PrintStyle:
        text = _text(nef_pdf(example_nef("nysb"), style))
        assert "Southern District of New York" in text and "24-11562-TBM" in text
    letter = _text(letter_pdf(example_letter(signature="none")))
    assert "Waiver of CM/ECF Training" in letter and "/s/" not in letter
    assert _text(scanned_pdf(1)).strip() == ""


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_at_least_24_submissions_and_every_outcome(expected: dict[str, Any]) -> None:
    subs = expected["submissions"]
    assert len(subs) >= 24
    statuses = {s["assessment"]["status"] for s in subs}
    assert statuses == {"complete", "incomplete", "training_required", "needs_review"}


def test_every_nef_reason_and_document_kind_is_exercised(expected: dict[str, Any]) -> None:
    docs = [d for s in expected["submissions"] for d in s["documents"]]
    reasons = {r for d in docs if d["kind"] == "nef" for r in d["nef"]["reasons"]}
    assert reasons == {
        "not_bankruptcy_court",
        "own_court",
        "excluded_court",
        "duplicate",
        "filer_mismatch",
    }
    kinds = {d["kind"] for d in docs}
    assert kinds == {"nef", "acknowledgment_letter", "other", "not_pdf", "unreadable"}
    notices = {d["nef"]["notice_type"] for d in docs if d["kind"] == "nef"}
    assert notices == {"electronic_filing", "case_filing", "claims_filing"}


def _entries(expected: dict[str, Any]) -> list[dict[str, Any]]:
    return [*expected["submissions"], *expected["series"]]


def test_qualifying_count_agrees_with_the_documents(expected: dict[str, Any]) -> None:
    for entry in _entries(expected):
        # A PDF holding several notices counts each of them (`nefs`).
        counting = [
            n
            for d in entry["documents"]
            if d["kind"] == "nef"
            for n in d.get("nefs") or [d["nef"]]
            if n["counts"]
        ]
        name = entry.get("eml") or entry.get("series")
        assert entry["assessment"]["qualifying_nefs"] == len(counting), name


def test_a_counting_nef_has_no_reasons_and_a_failing_one_has_some(expected: dict[str, Any]) -> None:
    for entry in _entries(expected):
        for doc in entry["documents"]:
            if doc["kind"] == "nef":
                assert doc["nef"]["counts"] == (doc["nef"]["reasons"] == []), doc["filename"]


def test_status_follows_from_letter_and_count(expected: dict[str, Any]) -> None:
    """A check of the hand-written expectations against SPEC 4.4, outcome by outcome."""
    for entry in _entries(expected):
        a = entry["assessment"]
        name = entry.get("eml") or entry.get("series")
        unreadable = any(d["kind"] == "unreadable" for d in entry["documents"])
        enough = a["qualifying_nefs"] >= a["required_nefs"]
        if a["status"] == "complete":
            assert a["letter"] == "ok" and enough, name
        elif a["status"] == "needs_review":
            assert unreadable, name
        elif a["status"] == "training_required":
            nefs = [d for d in entry["documents"] if d["kind"] == "nef"]
            assert nefs and all(d["nef"]["reasons"] == ["excluded_court"] for d in nefs), name
        else:
            assert not (a["letter"] == "ok" and enough), name


def test_series_files_exist_and_are_listed_as_submissions(expected: dict[str, Any]) -> None:
    names = {s["eml"] for s in expected["submissions"]}
    for series in expected["series"]:
        assert len(series["files"]) >= 2
        for file in series["files"]:
            assert file in names
            assert (FIXTURES / "eml" / file).is_file()


def test_auto_replies_expect_no_reply(expected: dict[str, Any]) -> None:
    auto = [s for s in expected["submissions"] if s["auto_submitted"]]
    assert {s["eml"] for s in auto} >= {"auto-reply.eml", "bounce.eml"}
    assert all(not s["reply_expected"] for s in auto)
    raw = (FIXTURES / "eml" / "auto-reply.eml").read_bytes()
    assert b"\nAuto-Submitted: auto-replied\n" in raw
