"""Every generated fixture gets the full assessment its generator intended (fixtures/expected.json).

Each .eml goes through `intake check --json` exactly as a user runs it; each series (one
request over several emails) is read email by email and assessed as one request, as the
poll pipeline does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixtures.expected import differences, load
from intake.commands.cli import main
from intake.core.documents.classify import read_documents
from intake.core.model import Document
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.report import check_json
from intake.edges.mail.message import parse_message

EML_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
EXPECTED = load()
KNOWN_CODES = EXPECTED["finding_codes_known"]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="module")
def reported() -> dict[str, dict[str, Any]]:
    """`intake check --json fixtures/eml`, run once, by file name."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["check", "--json", str(EML_DIR)]) == 0
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    return {Path(o["source"]).name: o for o in objects}


def test_there_are_enough_fixtures() -> None:
    assert len(EXPECTED["submissions"]) >= 20
    statuses = {e["assessment"]["status"] for e in EXPECTED["submissions"]}
    statuses |= {s["assessment"]["status"] for s in EXPECTED["series"]}
    assert statuses == {"complete", "incomplete", "training_required", "needs_review"}


def test_every_fixture_file_is_expected(reported: dict[str, dict[str, Any]]) -> None:
    expected = {e["eml"] for e in EXPECTED["submissions"]}
    assert set(reported) == expected


@pytest.mark.parametrize("entry", EXPECTED["submissions"], ids=lambda e: e["eml"])
def test_fixture_assessment(entry: dict[str, Any], reported: dict[str, dict[str, Any]]) -> None:
    actual = reported[entry["eml"]]
    assert actual["sender"] == entry["sender"]
    assert differences(entry, actual, KNOWN_CODES) == []


@pytest.mark.parametrize("series", EXPECTED["series"], ids=lambda s: s["series"])
def test_series_assessment(series: dict[str, Any], rules: Rules) -> None:
    documents: list[Document] = []
    sender_name = None
    for name in series["files"]:
        envelope = parse_message((EML_DIR / name).read_bytes())
        assert envelope.sender_address == series["sender"]
        sender_name = sender_name or envelope.sender_name
        documents.extend(read_documents(envelope, rules))
    assessment = assess(documents, sender_name, rules)
    actual = check_json(series["series"], None, documents, assessment, rules)
    assert differences(series, actual, KNOWN_CODES) == []
