"""bench/nef_accuracy.py scores readings against the corpus's labels the way it says: a
perfect reading scores everything right, each kind of slip is counted once in its field,
and the older `nef`-only output shape is still understood."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fixtures.nef_corpus import NefCase, cases

BENCH = Path(__file__).resolve().parents[2] / "bench" / "nef_accuracy.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nef_accuracy", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["nef_accuracy"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def six() -> NefCase:
    return next(c for c in cases() if "six" in c.styles and not c.label.scanned)


def _perfect(case: NefCase) -> dict[str, Any]:
    nefs = [
        {
            "court_id": n.court_id,
            "court_type": n.court_type,
            "notice_type": n.notice_type,
            "cases": [
                {"case_number": c.case_number, "document_number": c.document_number,
                 "claim_number": c.claim_number}
                for c in n.cases
            ],
            # Same words, other order and case: still the same name.
            "filer": " ".join(reversed((n.filer or "").replace(",", "").split())).upper(),
            "pages": list(n.pages),
        }
        for n in case.label.notices
    ]  # fmt: skip
    return {"kind": case.label.kind, "nef": nefs[0] if nefs else None, "nefs": nefs}


def _wrong(outcome: Any) -> list[tuple[str, int | None]]:
    return [(name, n) for name, ok, _, _, n in outcome.checks if not ok]


def test_a_perfect_reading_scores_every_field(bench: ModuleType, six: NefCase) -> None:
    outcome = bench.assess(six, _perfect(six), 0.0, ocr=False)
    assert _wrong(outcome) == []
    assert sum(1 for name, *_ in outcome.checks if name == "filer") == len(six.label.notices)


def test_each_slip_is_counted_in_its_field(bench: ModuleType, six: NefCase) -> None:
    doc = _perfect(six)
    doc["nefs"][2]["filer"] = "CASE CLOSED"
    doc["nefs"][4]["cases"][0]["document_number"] = "999999"
    doc["nefs"][1]["pages"] = [9, 9]
    outcome = bench.assess(six, doc, 0.0, ocr=False)
    assert sorted(_wrong(outcome), key=str) == sorted(
        [("filer", 3), ("document/claim", 5), ("pages", 2)], key=str
    )


def test_a_missed_notice_counts_against_the_count_and_its_fields(
    bench: ModuleType, six: NefCase
) -> None:
    doc = _perfect(six)
    del doc["nefs"][3]
    wrong = _wrong(bench.assess(six, doc, 0.0, ocr=False))
    assert ("notice count", None) in wrong
    assert {n for _, n in wrong if n is not None} == {4}


def test_older_output_with_nef_only_is_read(bench: ModuleType) -> None:
    single = next(c for c in cases() if len(c.label.notices) == 1 and not c.label.scanned)
    doc = _perfect(single)
    del doc["nefs"]
    assert _wrong(bench.assess(single, doc, 0.0, ocr=False)) == []


def test_scans_are_expected_unreadable_without_ocr(bench: ModuleType) -> None:
    scan = next(c for c in cases() if c.label.scanned and c.label.kind == "nef")
    unreadable: dict[str, Any] = {"kind": "unreadable", "nef": None, "nefs": []}
    assert _wrong(bench.assess(scan, unreadable, 0.0, ocr=False)) == []
    assert ("kind", None) in _wrong(bench.assess(scan, unreadable, 0.0, ocr=True))
    assert _wrong(bench.assess(scan, _perfect(scan), 0.0, ocr=True)) == []


def test_keys(bench: ModuleType) -> None:
    assert bench.name_key("Ortega Salinas, Isabel") == bench.name_key("isabel ortega salinas")
    assert bench.name_key("García Márquez, José Luis") == bench.name_key("Jose Luis Garcia Marquez")
    assert bench.name_key("Whitfield, Marcus") != bench.name_key("Whitfield,")
    assert bench.case_key("MDL No. 3101") == bench.case_key("3101")
    assert bench.case_key("24-10118-CTG") == bench.case_key("24-10118-ctg")
    assert bench.case_key("24-10118-CTG") != bench.case_key("24-10118")
