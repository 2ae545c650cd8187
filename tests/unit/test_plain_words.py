"""Attorneys read plain words, never the PDF reader's reasons: a reply about a PDF that
could not be read says what is wrong with it and what to send, in words; the clerk's
page and `intake check` keep the reader's own reason as evidence."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from intake.core.model import Document, DocumentKind, Envelope
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.compose import compose_reply
from intake.edges.pdf import judge
from tests.court import reply_settings

# Every reason the PDF reader gives (edges/pdf: judge, readers, pool), as it words them.
READER_REASONS = [
    judge.NEEDS_PASSWORD,
    "encrypted: cannot be decrypted (unsupported algorithm)",
    judge.NO_TEXT_LAYER,
    judge.NO_PAGES,
    judge.GARBLED,
    judge.NOT_A_PDF,
    judge.OUT_OF_MEMORY + " (limit 1024 MiB)",
    judge.CORRUPT + "xref table broken; startxref not found",
    "took longer than 20 s of CPU time",
    "the PDF reader failed: ValueError: bad stream",
    "the PDF reader crashed (signal 11)",
    "something no one has seen before",
]
# What a reader's reason is made of, and what an attorney must not read.
JARGON = (
    "by machine",
    "OCR",
    "text layer",
    "encrypted:",
    "xref",
    "ValueError",
    "signal 11",
    "CPU time",
    "MiB",
    "character map",
    "crashed",
    "%PDF",
    "PDF reader",
    "garbled text (",
)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _unreadable(reason: str) -> Document:
    return Document(
        filename="NEF 6.pdf",
        sha256=hashlib.sha256(reason.encode()).hexdigest(),
        size=1000,
        kind=DocumentKind.UNREADABLE,
        reason=reason,
    )


def _reply_text(rules: Rules, documents: list[Document]) -> str:
    settings = reply_settings(rules)
    envelope = Envelope(
        message_id="<a@example-law.test>",
        sender_address="jane@example-law.test",
        sender_name="Jane Doe",
        subject="waiver",
    )
    reply = compose_reply(
        assess(documents, "Jane Doe", rules),
        documents,
        envelope,
        settings,
        message_id="<r@canb.example.gov>",
        now=dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC),
        completed_at=dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC),
    )
    return " ".join(reply.text.split()) + "\n" + reply.html


@pytest.mark.parametrize("reason", READER_REASONS)
def test_a_reply_about_an_unreadable_pdf_speaks_plain_words(rules: Rules, reason: str) -> None:
    text = _reply_text(rules, [_unreadable(reason)])
    assert "We could not open NEF 6.pdf:" in text
    for word in JARGON:
        assert word not in text, (reason, word)
    if reason != judge.NO_PAGES:  # "no pages" is plain words already
        assert reason not in text


def test_each_reason_has_its_own_plain_words(rules: Rules) -> None:
    said = {
        reason: rules.word_for_attorney(assess([_unreadable(reason)], None, rules).findings[0])
        for reason in (judge.NEEDS_PASSWORD, judge.NO_TEXT_LAYER, judge.CORRUPT + "x")
    }
    assert "protected by a password" in said[judge.NEEDS_PASSWORD]
    assert "without a password" in said[judge.NEEDS_PASSWORD]  # and what to do
    assert "scanned image" in said[judge.NO_TEXT_LAYER]
    assert "damaged" in said[judge.CORRUPT + "x"]
    assert len(set(said.values())) == 3


def test_the_clerk_keeps_the_readers_reason_as_evidence(rules: Rules) -> None:
    finding = assess([_unreadable(judge.NO_TEXT_LAYER)], None, rules).findings[0]
    assert judge.NO_TEXT_LAYER in finding.message


def test_findings_reply_must_word_known_codes(rules: Rules) -> None:
    from intake.core.policy.rules import MessageWording as Messages

    data = rules.messages.model_dump()
    data["findings_reply"] = {"unreadabel": "typo"}
    with pytest.raises(ValueError, match="unreadabel"):
        Messages.model_validate(data)
