"""Every reply an attorney can get from the fixtures, read as a mail client shows it.

Each fixture email (and each series, read as one request) is assessed and answered as
the pipeline would; a complete one is answered again as a follow-up (the 'already
complete' reply). Every text reply must fit a mail window (short lines, no stray blank
lines or spaces), no template syntax or internal code may reach the attorney, the HTML
must nest properly, and every reply that asks for more says how to send it.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from intake.core.model import Document, Envelope
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.compose import Reply, ReplySettings, compose_reply
from intake.core.replies.situation import DocumentLine, Outcome, Situation, without_repeated_reasons
from intake.core.replies.wrap import TEXT_WIDTH, wrap_text
from tests.conftest import FixtureEmails
from tests.court import reply_settings

EML_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
# Emails that get no reply at all (the pipeline drops them before composing).
NOT_ANSWERED = {"auto-reply.eml", "bounce.eml"}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _settings(rules: Rules) -> ReplySettings:
    return reply_settings(
        rules,
        from_address="ecf-training@canb.uscourts.gov",
        clerk_mailbox="ecf-training@canb.uscourts.gov",
    )


def _requests() -> dict[str, list[str]]:
    """Each single email alone, and each series (name-1, name-2...) as one request."""
    singles = sorted(p.name for p in EML_DIR.glob("*.eml") if not p.name.startswith("series-"))
    series: dict[str, list[str]] = {}
    for path in sorted(EML_DIR.glob("series-*.eml")):
        series.setdefault(path.name.rsplit("-", 1)[0], []).append(path.name)
    return {name: [name] for name in singles if name not in NOT_ANSWERED} | series


def _reply(
    rules: Rules,
    documents: list[Document],
    envelope: Envelope,
    follow_up_to: list[Document] | None = None,
) -> Reply:
    return compose_reply(
        assess(documents, envelope.sender_name, rules),
        documents,
        envelope,
        _settings(rules),
        message_id="<reply-1@canb.uscourts.gov>",
        now=NOW,
        completed_at=NOW,
        follow_up_to=follow_up_to,
    )


@pytest.fixture(scope="module")
def replies(rules: Rules, fixture_emails: FixtureEmails) -> dict[str, Reply]:
    """The reply to the last email of each request, and the follow-up reply of each
    complete one; PDFs are read once per session (tests/conftest.py)."""
    out: dict[str, Reply] = {}
    for name, files in _requests().items():
        documents: list[Document] = []
        envelope = None
        for file in files:
            read = fixture_emails.read(file)
            envelope = read.envelope
            documents.extend(read.documents)
        assert envelope is not None
        out[name] = reply = _reply(rules, documents, envelope)
        if reply.situation is Situation.COMPLETE:
            # The same documents again, as a follow-up: the 'already complete' reply.
            last = list(fixture_emails.read(files[-1]).documents)
            out[f"{name} (follow-up)"] = _reply(rules, documents, envelope, last)
            out[f"{name} (empty follow-up)"] = _reply(rules, documents, envelope, [])
    return out


def test_the_fixtures_cover_every_situation(replies: dict[str, Reply]) -> None:
    situations = {r.situation for r in replies.values()}
    assert situations >= set(Situation) - {Situation.NOT_PDF}


def test_no_text_line_is_longer_than_a_mail_window(replies: dict[str, Reply]) -> None:
    for name, reply in replies.items():
        for line in reply.text.splitlines():
            # A single word longer than the width (a long URL) may not be broken.
            assert len(line) <= TEXT_WIDTH or " " not in line.strip(), (name, line)


def test_no_stray_blank_lines_or_spaces_in_the_text(replies: dict[str, Reply]) -> None:
    for name, reply in replies.items():
        assert "\n\n\n" not in reply.text, name
        assert not reply.text.startswith("\n") and reply.text.endswith("\n"), name
        for line in reply.text.splitlines():
            assert line == line.rstrip(), (name, line)
            assert "  " not in line.strip(), (name, line)  # double space inside a line


def test_no_template_syntax_or_internal_codes_reach_the_attorney(
    replies: dict[str, Reply], rules: Rules
) -> None:
    codes = [code for code in rules.messages.findings if "_" in code]
    for name, reply in replies.items():
        for body in (reply.text, reply.html):
            for syntax in ("{{", "}}", "{%", "%}", "{#", "#}", "Undefined"):
                assert syntax not in body, (name, syntax)
            assert not re.search(r"\bNone\b(?! of)", body), name  # an unset value
            # A message whose field was not filled in shows as '{field}'.
            assert not re.search(r"\{[a-z_]+\}", body), name
            for code in codes:
                assert code not in body, (name, code)


def test_counts_read_right_in_the_singular_and_the_plural(replies: dict[str, Reply]) -> None:
    for name, reply in replies.items():
        text = " ".join(reply.text.split())
        assert not re.search(r"\b1 (Notices|documents|are required)\b", text), name
        assert not re.search(r"\b([02-9]|\d\d+) more qualifying Notice of\b", text), name
        assert "0 of the" not in text, name  # said as 'not received any' instead


def test_every_reply_that_asks_for_more_says_how_to_send_it(replies: dict[str, Reply]) -> None:
    asking = {Situation.INCOMPLETE, Situation.NOT_PDF, Situation.NOTHING_USABLE}
    for name, reply in replies.items():
        if reply.situation in asking:
            text = " ".join(reply.text.split())
            assert "reply to this email" in text.lower(), name
            assert "PDF" in text, name
        if reply.situation in asking | {Situation.UNDER_REVIEW}:
            assert "PACER" in reply.text, name


def test_a_missing_letter_is_asked_for_with_what_it_must_state(
    replies: dict[str, Reply], rules: Rules
) -> None:
    texts = [" ".join(r.text.split()) for r in replies.values()]
    asked = [t for t in texts if "The letter of acknowledgment is missing" in t]
    assert asked, "no fixture lacks the letter"
    for text in asked:
        for affirmation in rules.letter.affirmations:
            assert affirmation.description in text


def test_a_missing_statement_reads_as_a_sentence(replies: dict[str, Reply]) -> None:
    for name, reply in replies.items():
        text = " ".join(reply.text.split())
        # The descriptions are predicates: 'understands that...', 'is familiar with...'.
        assert not re.search(r"state that (understands|is|has|qualifies)\b", text), name
        assert "statement that understands" not in text, name


def test_a_reason_shared_by_several_documents_is_said_once(replies: dict[str, Reply]) -> None:
    caeb_only = " ".join(replies["training-required-caeb-only.eml"].text.split())
    assert caeb_only.count("uses its own e-Filing system") == 1
    assert caeb_only.count("The same reason as for") >= 2


_VOID = frozenset({"br", "hr", "meta", "img", "input", "link"})


class _Nesting(HTMLParser):
    """Every element closed, in order (void elements aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ul" and self.open and self.open[-1] == "p":
            self.problems.append("a list inside a paragraph")
        if tag not in _VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def test_the_html_nests_properly(replies: dict[str, Reply]) -> None:
    for name, reply in replies.items():
        parser = _Nesting()
        parser.feed(reply.html)
        parser.close()
        assert parser.problems == [] and parser.open == [], name


# ------------------------------------------------------------------- wrap_text


def test_wrap_hangs_list_items_and_reasons_under_their_text() -> None:
    words = " ".join(["word"] * 40)
    text = wrap_text(f"- {words}\n    {words}\n1. {words}\n", width=40)
    lines = text.splitlines()
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].startswith("- word") and lines[1].startswith("  word")
    reason = next(i for i, line in enumerate(lines) if line.startswith("    word"))
    assert lines[reason + 1].startswith("    word")
    numbered = next(i for i, line in enumerate(lines) if line.startswith("1. "))
    assert lines[numbered + 1].startswith("   word")


def test_wrap_never_breaks_a_url_or_a_case_number() -> None:
    url = "https://train.uscourts.gov/" + "x" * 80
    text = wrap_text(f"Register at {url} for 24-11562-TBM-long-case-number now.", width=30)
    assert url in text.splitlines()
    assert any("24-11562-TBM-long-case-number" in line for line in text.splitlines())


def test_wrap_keeps_a_short_quoted_phrase_on_one_line() -> None:
    text = wrap_text('Sign it with a signature line or "/s/ Your Name" please.', width=40)
    assert any('"/s/ Your Name"' in line for line in text.splitlines())
    assert "\x00" not in text


def test_wrap_tidies_blank_lines_and_trailing_spaces() -> None:
    assert wrap_text("\n\nDear Jane,  \n\n\n\nThank you.\n\n\n") == "Dear Jane,\n\nThank you.\n"


def _line(filename: str, reasons: tuple[str, ...]) -> DocumentLine:
    return DocumentLine(
        index=0, filename=filename, description="", outcome=Outcome.NOT_COUNTED, reasons=reasons
    )


def test_a_repeated_reason_points_back_to_the_first_document(rules: Rules) -> None:
    lines = without_repeated_reasons(
        [
            _line("a.pdf", ("a.pdf: filed in an excluded court.",)),
            _line("b.pdf", ("b.pdf: filed in an excluded court.",)),
            _line("c.pdf", ("c.pdf was filed by someone else.",)),
        ],
        rules,
    )
    assert lines[0].reasons == ("a.pdf: filed in an excluded court.",)
    assert lines[1].reasons == ("The same reason as for a.pdf, above.",)
    assert lines[2].reasons == ("c.pdf was filed by someone else.",)


def test_an_attachment_held_once_as_another_is_still_named(
    rules: Rules, fixture_emails: FixtureEmails
) -> None:
    read = fixture_emails.read("duplicates.eml")
    envelope = read.envelope
    unique: dict[str, Document] = {}
    for document in read.documents:
        unique.setdefault(document.sha256, document)  # the request holds each file once
    reply = _reply(rules, list(unique.values()), envelope)
    names = [a.filename for a in envelope.attachments]
    held = {d.filename for d in unique.values()}
    copies = [n for n in names if n not in held]
    assert copies, "the fixture sends one file twice under two names"
    text = " ".join(reply.text.split())
    for name in copies:
        assert f"{name}: the same file as" in text
        assert f"<strong>{name}</strong>: the same file as" in reply.html
