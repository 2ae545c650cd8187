"""`read_documents`: each PDF classified in the reader process that read it gives the
same documents as reading and classifying here, and a reader's classification that
fails is run again here (so a bug in the core fails the message as it always did)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.core.documents.classify import document_of, needs_text, pdfs_to_read
from intake.core.policy.rules import Rules, load_rules
from intake.edges.mail.message import parse_message
from intake.edges.pdf.derived import Read
from intake.edges.pdf.reader import read_pdf
from intake.service import documents
from intake.service.documents import classifier, read_documents

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
EMAILS = sorted(FIXTURES.glob("*.eml"))[::4]  # a spread of kinds, courts and outcomes


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.mark.parametrize("path", EMAILS, ids=[p.stem for p in EMAILS])
def test_classified_in_the_reader_as_in_this_process(path: Path, rules: Rules) -> None:
    envelope = parse_message(path.read_bytes())
    here = [
        document_of(a, rules, read_pdf(a.data) if needs_text(a) else None)
        for a in envelope.attachments
    ]
    assert read_documents(envelope, rules) == here


def test_a_failed_classification_in_the_reader_is_run_again_here(rules: Rules) -> None:
    envelope = parse_message((FIXTURES / "complete-mixed-courts.eml").read_bytes())
    for attachment in pdfs_to_read(envelope):
        text = read_pdf(attachment.data)
        failed = Read(text, error="a bug in the core")  # what the reader sends back then
        assert documents._document(attachment, rules, failed) == document_of(
            attachment, rules, text
        )


def test_the_rules_are_pickled_once_per_rules_object(rules: Rules) -> None:
    assert classifier(rules) is classifier(rules)
    assert classifier(load_rules()).key == classifier(rules).key  # same rules, same key
