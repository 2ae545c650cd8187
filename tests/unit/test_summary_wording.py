"""The clerk's summary reads right: which kind of court, sizes, tallies, sentences."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from intake.core.model import Document
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.summary.pages import IndexEntry, render_digest, render_request_html
from intake.core.summary.view import RequestFacts, SummaryView, build_summary
from tests.conftest import FixtureEmails

EML_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


Summarize = Callable[..., SummaryView]


@pytest.fixture(scope="module")
def summary(rules: Rules, fixture_emails: FixtureEmails) -> Summarize:
    """The clerk's summary of a request made of fixture emails (read once per session)."""

    def summarize(*files: str) -> SummaryView:
        documents: list[Document] = []
        sender_name = None
        for name in files:
            read = fixture_emails.read(name)
            sender_name = sender_name or read.envelope.sender_name
            documents.extend(read.documents)
        facts = RequestFacts("7", sender_name, "a@example.test", opened_at=NOW, updated_at=NOW)
        return build_summary(
            facts,
            assess(documents, sender_name, rules),
            documents,
            generated_at=NOW,
            rules=rules,
        )

    return summarize


def _flat(page: str) -> str:
    """The page's visible text, on one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_district_court_notice_is_named_as_a_district_court(summary: Summarize) -> None:
    view = summary("not-bankruptcy-court.eml")
    courts = {row.court_id: row.court for row in view.nefs}
    # The notice prints 'California Northern District': the clerk must see which court.
    assert courts["cand"] == "U.S. District Court for the Northern District of California"
    assert all("Bankruptcy Court for the" in c for i, c in courts.items() if i.endswith("b"))


def test_more_than_enough_notices_read_as_a_tally(summary: Summarize) -> None:
    view = summary("court-mail-not-nefs.eml", "not-bankruptcy-court.eml")
    assert view.qualifying_nefs > view.required_nefs
    assert view.nef_tally == f"{view.qualifying_nefs} ({view.required_nefs} required)"
    few = summary("incomplete-five-nefs.eml")
    assert few.nef_tally == "5 of 6 required"
    assert "5 of 6 required" in _flat(render_request_html(few))


def test_the_page_says_sizes_in_kilobytes_and_codes_after_the_message(summary: Summarize) -> None:
    view = summary("own-court.eml")
    page = _flat(render_request_html(view))
    assert re.search(r"\b\d+\.\d kB\b", page)
    own = next(f for f in view.findings if f.code == "own_court")
    assert f"{own.message} [own_court]" in page


def test_a_missing_statement_reads_as_a_sentence_for_the_clerk(summary: Summarize) -> None:
    view = summary("incomplete-letter-missing-affirmation.eml")
    statements = [m for m in view.missing if m.startswith("the statement that")]
    assert statements and all(m.startswith("the statement that the attorney ") for m in statements)


def test_the_digest_text_has_no_double_colons_or_bare_numbers(rules: Rules) -> None:
    rows = [
        IndexEntry("12", "Jane Doe", "complete", NOW),
        IndexEntry("13", "Al Poe", "incomplete", NOW),
    ]
    text = render_digest(rows, rules=rules, day=NOW.date(), court_name="Court").text
    assert "Complete: ready for a decision (1)" in text
    assert "  - Request 12: Jane Doe\n" in text and "      updated " in text
    assert not re.search(r":\s*\d+\s*$", text, flags=re.M)
