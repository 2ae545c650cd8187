"""fixtures.expected: the comparison of an `intake check --json` object with expected.json."""

from __future__ import annotations

import copy
from typing import Any

from fixtures.expected import differences, load, name_key, same_name, submission


def _as_reported(entry: dict[str, Any]) -> dict[str, Any]:
    """What a perfect `intake check --json` would print for an expected entry."""
    codes = entry["assessment"]["finding_codes"]
    return {
        "source": f"fixtures/eml/{entry.get('eml')}",
        "documents": copy.deepcopy(entry["documents"]),
        "assessment": {
            **{k: v for k, v in entry["assessment"].items() if not k.endswith("finding_codes")},
            "findings": [{"code": c, "message": c} for c in codes],
        },
    }


def test_names_compare_ignoring_order_case_initials_and_suffixes() -> None:
    assert same_name("Quintero, Marisol T.", "MARISOL QUINTERO")
    assert same_name("Harold J. Brandt Jr.", "Brandt, Harold")
    assert same_name("José Peña Ibáñez", "Peña Ibáñez, José")
    assert not same_name("Ingrid Solberg", "Curtis Yamamoto")
    assert name_key(None) is None


def test_a_perfect_report_has_no_differences() -> None:
    data = load()
    for entry in data["submissions"]:
        report = _as_reported(entry)
        assert differences(entry, report, data["finding_codes_known"]) == [], entry["eml"]


def test_each_kind_of_departure_is_reported() -> None:
    data = load()
    entry = submission("duplicates.eml", data)
    report = _as_reported(entry)
    report["assessment"]["status"] = "complete"
    report["assessment"]["findings"].append({"code": "letter_missing", "message": ""})
    dup = next(d for d in report["documents"] if d["kind"] == "nef" and not d["nef"]["counts"])
    dup["nef"]["reasons"] = []
    report["documents"].pop()
    found = differences(entry, report, data["finding_codes_known"])
    text = "\n".join(found)
    assert "assessment.status" in text
    assert "'letter_missing' reported, not expected" in text
    assert "nef.reasons" in text
    assert "documents: expected" in text
    assert "not among the documents reported" in text


def test_missing_expected_finding_is_reported() -> None:
    data = load()
    entry = submission("incomplete-letter-missing.eml", data)
    report = _as_reported(entry)
    report["assessment"]["findings"] = []
    assert differences(entry, report) == ["finding 'letter_missing' expected, not reported"]
