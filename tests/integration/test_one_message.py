"""A message is one message, and the journal says what became of each, against a real
Dovecot and aiosmtpd: a second delivery of an email with other headers (one more
Received: line, a rewritten Subject) is a duplicate that gets no second reply; the same
Message-ID with other documents is kept apart and shown to the clerk as a conflict."""

from __future__ import annotations

import logging

import pytest

from intake.core.policy.rules import Rules
from intake.edges.store import MessageStatus, Store
from intake.service.send import send_due
from tests.emails import small_email
from tests.integration.dovecot import DovecotMailbox
from tests.integration.smtp_server import Inbox
from tests.integration.test_replies_end_to_end import poll, rules, sink, store

pytestmark = pytest.mark.integration
__all__ = ["rules", "store"]  # fixtures used from the end-to-end module

JANE = "jane.doe@example-law.com"


def _redelivered(data: bytes) -> bytes:
    """The same email through a second path: a Received: line on top, a tagged Subject."""
    hop = b"Received: from relay2.example-law.com (relay2 [192.0.2.7]) by mx.court.test\r\n"
    return hop + data.replace(b"Subject: Waiver, part 1", b"Subject: [EXT] Waiver, part 1")


def test_a_second_delivery_with_other_headers_is_a_duplicate_with_one_reply(
    dovecot: DovecotMailbox,
    store: Store,
    rules: Rules,
    smtp: tuple[Inbox, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, port = smtp
    first = small_email(1, JANE)
    dovecot.deliver(first)
    dovecot.deliver(_redelivered(first))
    with caplog.at_level(logging.INFO, logger="intake.journal"):
        poll(dovecot, store, rules)
        send_due(store, sink(port))

    original, copy = store.messages.all()
    assert original.status is MessageStatus.PROCESSED
    assert copy.status is MessageStatus.DUPLICATE and copy.duplicate_of == original.id
    (audit,) = [a for a in store.audit.trail(f"message:{copy.id}") if a.action == "duplicate"]
    assert "the same Message-ID and the same documents (1); only the headers differ" in audit.detail
    (request,) = store.requests.all()
    assert store.assessments.count(request.id) == 1
    assert len(inbox.to(JANE)) == 1  # one reply, not two

    lines = [r.getMessage() for r in caplog.records if r.name == "intake.journal"]
    assert lines[0].startswith(f"email <part-1.{JANE}> from {JANE} (uid 1): processed into")
    assert "reply queued (outbox 1)" in lines[0]
    assert "duplicate of email 1, the same Message-ID and the same documents" in lines[1]
    assert lines[1].endswith("; no reply")
    assert lines[2].startswith(f"sent reply for request {request.id} to {JANE}")

    from intake.commands.requests import render_request

    shown = render_request(store, request, rules)
    replies = shown.index("Replies and summaries (1)")
    assert shown[replies + 1].startswith(f"  #1 reply   to {JANE}  sent ")


def test_the_same_message_id_with_other_documents_is_a_conflict_for_the_clerk(
    dovecot: DovecotMailbox,
    store: Store,
    rules: Rules,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = small_email(1, JANE)
    # Another email that reuses the Message-ID (a broken client, a forged resend).
    other = small_email(2, JANE).replace(f"<part-2.{JANE}>".encode(), f"<part-1.{JANE}>".encode())
    dovecot.deliver(first)
    dovecot.deliver(other)
    with caplog.at_level(logging.INFO, logger="intake.journal"):
        poll(dovecot, store, rules)

    one, two = store.messages.all()
    assert one.message_id == two.message_id
    assert (one.status, two.status) == (MessageStatus.PROCESSED, MessageStatus.PROCESSED)
    (request,) = store.requests.all()
    held = sorted(d.filename for d, _ in store.documents.of_request(request.id))
    assert held == ["p1.pdf", "p2.pdf"]  # its documents are kept, not dropped as a copy
    conflicts = [
        a for a in store.audit.trail(f"request:{request.id}") if a.action == "message_id_conflict"
    ]
    assert len(conflicts) == 1 and f'"earlier_message": {one.id}' in conflicts[0].detail

    from intake.commands.requests import render_request

    shown = "\n".join(render_request(store, request, rules))
    assert "Conflicts (1)" in shown
    assert f"email #{two.id} has the Message-ID <part-1.{JANE}> of email #{one.id}" in shown
    from intake.config import Settings
    from intake.service.clerk_files import render_summary
    from intake.service.enqueue import outgoing_from_settings

    outgoing = outgoing_from_settings(Settings(state_dir=store.state_dir), rules)
    page = render_summary(store, outgoing, request.id, now=store.now())
    assert page is not None
    assert f"Email #{two.id} has the Message-ID &lt;part-1.{JANE}&gt; of email #{one.id}" in (
        page.html
    )
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "CONFLICT: email 1 had this Message-ID with other documents" in warning.getMessage()
