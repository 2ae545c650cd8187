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
from intake.core.model import Document
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.report import check_json
from tests.conftest import FixtureEmails

EML_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
EXPECTED = load()
KNOWN_CODES = EXPECTED["finding_codes_known"]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="module")
def reported(rules: Rules, fixture_emails: FixtureEmails) -> dict[str, dict[str, Any]]:
    """What `intake check --json` says of each fixture, by file name, from the session's
    one reading of the fixtures (tests/conftest.py); the CLI's own output is compared
    with it below."""
    out = {}
    for name in fixture_emails.names():
        read = fixture_emails.read(name)
        documents = list(read.documents)
        assessment = assess(documents, read.envelope.sender_name, rules)
        out[name] = check_json(str(EML_DIR / name), read.envelope, documents, assessment, rules)
    printed: dict[str, dict[str, Any]] = json.loads(json.dumps(out))  # JSON types, as printed
    return printed


@pytest.mark.parametrize("name", ["duplicates.eml", "incomplete-five-nefs.eml"])
def test_the_cli_prints_what_the_report_says(
    name: str, reported: dict[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--json", str(EML_DIR / name)]) == 0
    assert json.loads(capsys.readouterr().out) == reported[name]


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
def test_series_assessment(
    series: dict[str, Any], rules: Rules, fixture_emails: FixtureEmails
) -> None:
    documents: list[Document] = []
    sender_name = None
    for name in series["files"]:
        read = fixture_emails.read(name)
        assert read.envelope.sender_address == series["sender"]
        sender_name = sender_name or read.envelope.sender_name
        documents.extend(read.documents)
    assessment = assess(documents, sender_name, rules)
    actual = check_json(series["series"], None, documents, assessment, rules)
    assert differences(series, actual, KNOWN_CODES) == []
