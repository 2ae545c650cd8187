"""The send step over a real SQLite store: the folder sink, and a tiny sink that fails."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from intake.edges.mail.folder_sink import OutboxFolder
from intake.edges.mail.smtp import SendError
from intake.edges.store import Store
from intake.service.send import backoff, parse_raw, send_due

T0 = dt.datetime(2026, 11, 20, 17, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store.open(tmp_path / "state", clock=clock) as opened:
        yield opened


def queue(store: Store, n: int, *, raw: bool = True) -> int:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = "ecf-training@canb.example.gov"
    message["To"] = f"attorney{n}@example-law.com"
    message["Subject"] = f"Re: waiver {n}"
    message["Message-ID"] = f"<reply-{n}@canb.example.gov>"
    message.set_content(f"Reply number {n}.")
    with store.transaction():
        return store.outbox.enqueue(
            request_id=None,
            message_id=f"<reply-{n}@canb.example.gov>",
            kind="reply",
            to_address=f"attorney{n}@example-law.com",
            subject=f"Re: waiver {n}",
            body=f"Reply number {n}.",
            raw=message.as_bytes() if raw else None,
        )


class FlakySink:
    """Fails with the given errors first, then accepts; keeps what it accepted."""

    def __init__(self, *errors: SendError) -> None:
        self.errors = list(errors)
        self.tries = 0
        self.accepted: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    def send(self, message: EmailMessage, recipients: Sequence[str], accepted: Any = None) -> None:
        self.tries += 1
        self.recipients.append(list(recipients))
        if self.errors:
            raise self.errors.pop(0)
        self.accepted.append(message)


def test_backoff_doubles_from_a_minute_and_stops_at_an_hour() -> None:
    delays = [backoff(n) for n in range(1, 10)]
    assert delays[:4] == [dt.timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == dt.timedelta(hours=1)
    assert delays == sorted(delays)


def test_due_messages_go_to_the_folder_once(store: Store, tmp_path: Path) -> None:
    ids = [queue(store, 1), queue(store, 2)]
    folder = tmp_path / "outbox"
    report = send_due(store, OutboxFolder(folder), now=T0)
    assert report.sent == ids
    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2
    sent = [email.message_from_bytes(f.read_bytes()) for f in files]
    assert {m["Message-ID"] for m in sent} == {
        "<reply-1@canb.example.gov>",
        "<reply-2@canb.example.gov>",
    }
    assert all(row.status == "sent" and row.sent_at for row in store.outbox.all())

    again = send_due(store, OutboxFolder(folder), now=T0 + dt.timedelta(days=1))
    assert again.sent == []
    assert len(list(folder.glob("*.eml"))) == 2


def test_a_transient_failure_is_retried_after_the_backoff_and_sent_once(store: Store) -> None:
    row_id = queue(store, 1)
    sink = FlakySink(SendError(True, "451 try later"))

    first = send_due(store, sink, now=T0)
    assert first.retrying == [row_id] and not sink.accepted
    row = store.outbox.get(row_id)
    assert row is not None and row.status == "queued" and row.attempts == 1
    assert row.last_error == "451 try later"
    assert row.next_attempt_at == (T0 + dt.timedelta(minutes=1)).isoformat()

    too_early = send_due(store, sink, now=T0 + dt.timedelta(seconds=30))
    assert too_early.sent == [] and sink.tries == 1

    later = send_due(store, sink, now=T0 + dt.timedelta(minutes=1))
    assert later.sent == [row_id]
    assert [m["Message-ID"] for m in sink.accepted] == ["<reply-1@canb.example.gov>"]
    send_due(store, sink, now=T0 + dt.timedelta(hours=5))
    assert len(sink.accepted) == 1
    row = store.outbox.get(row_id)
    assert row is not None and row.status == "sent" and row.attempts == 2


def test_a_server_down_defers_the_rest_of_the_round(store: Store) -> None:
    ids = [queue(store, n) for n in (1, 2, 3)]
    sink = FlakySink(SendError(True, "connection refused"))
    report = send_due(store, sink, now=T0)
    assert report.retrying == [ids[0]] and report.deferred == 2 and sink.tries == 1
    # The others stay due and go out at the next round, before the first one's retry.
    report = send_due(store, sink, now=T0 + dt.timedelta(seconds=5))
    assert report.sent == ids[1:]


def test_a_permanent_failure_is_marked_failed_audited_and_not_retried(store: Store) -> None:
    bad, good = queue(store, 1), queue(store, 2)
    sink = FlakySink(SendError(False, "550 no such user"))
    report = send_due(store, sink, now=T0)
    assert report.failed == [bad] and report.sent == [good]
    row = store.outbox.get(bad)
    assert row is not None and row.status == "failed" and row.last_error == "550 no such user"
    audit = [a for a in store.audit.trail(f"outbox:{bad}") if a.action == "send_failed"]
    assert len(audit) == 1 and json.loads(audit[0].detail)["error"] == "550 no such user"
    send_due(store, sink, now=T0 + dt.timedelta(days=3))
    assert sink.tries == 2


def test_transient_failures_give_up_after_max_attempts(store: Store) -> None:
    row_id = queue(store, 1)
    sink = FlakySink(*(SendError(True, "timed out") for _ in range(5)))
    moment = T0
    for _ in range(3):
        send_due(store, sink, now=moment, max_attempts=3)
        moment += dt.timedelta(hours=2)
    row = store.outbox.get(row_id)
    assert row is not None and row.status == "failed" and row.attempts == 3
    assert sink.tries == 3


def test_a_summary_without_its_bytes_yet_is_not_sent(store: Store) -> None:
    queue(store, 1, raw=False)
    sink = FlakySink()
    assert send_due(store, sink, now=T0).sent == []
    assert sink.tries == 0


def test_a_send_repeated_after_a_crash_leaves_one_file(store: Store, tmp_path: Path) -> None:
    """The remaining window: accepted, then killed before the commit. The next round
    sends the same bytes again; the folder sink recognises the Message-ID."""
    row_id = queue(store, 1)
    folder = OutboxFolder(tmp_path / "outbox")
    row = store.outbox.get(row_id)
    assert row is not None and row.raw is not None
    folder.send(parse_raw(row.raw), [row.to_address])
    assert send_due(store, folder, now=T0).sent == [row_id]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_the_envelope_recipient_is_the_rows_address_whatever_the_to_header_says(
    store: Store,
) -> None:
    """A To header that lists victims (as a folded display name can) sends to nobody but
    the address the row was queued for."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = "ecf-training@canb.example.gov"
    message["To"] = "victim@example.org, other@example.net, attorney9@example-law.com"
    message["Message-ID"] = "<reply-9@canb.example.gov>"
    message.set_content("Reply.")
    with store.transaction():
        store.outbox.enqueue(
            request_id=None,
            message_id="<reply-9@canb.example.gov>",
            kind="reply",
            to_address="attorney9@example-law.com",
            subject="Re: waiver",
            body="Reply.",
            raw=message.as_bytes(),
        )
    sink = FlakySink()
    assert len(send_due(store, sink, now=T0).sent) == 1
    assert sink.recipients == [["attorney9@example-law.com"]]


@pytest.mark.parametrize(
    "to_address", ["", "Notice <victim@example.org>", "a@b.example, undisclosed:;", "no address"]
)
def test_a_row_without_a_usable_recipient_fails_and_the_rows_behind_it_go(
    store: Store, to_address: str
) -> None:
    message = EmailMessage(policy=email.policy.SMTP)
    message["Message-ID"] = "<odd@canb.example.gov>"
    message.set_content("Reply.")
    with store.transaction():
        bad = store.outbox.enqueue(
            request_id=None,
            message_id="<odd@canb.example.gov>",
            kind="reply",
            to_address=to_address,
            subject="Re: waiver",
            body="Reply.",
            raw=message.as_bytes(),
        )
    good = queue(store, 2)
    sink = FlakySink()
    report = send_due(store, sink, now=T0)
    assert report.failed == [bad] and report.sent == [good]
    row = store.outbox.get(bad)
    assert row is not None and row.status == "failed"
    assert row.last_error is not None and "no usable recipient" in row.last_error


def test_a_message_the_sink_cannot_write_fails_alone(store: Store) -> None:
    bad, good = queue(store, 1), queue(store, 2)

    class Refusing(FlakySink):
        def send(
            self, message: EmailMessage, recipients: Sequence[str], accepted: Any = None
        ) -> None:
            if "attorney1@" in recipients[0]:
                raise ValueError("invalid group syntax in To")
            super().send(message, recipients)

    report = send_due(store, Refusing(), now=T0)
    assert report.failed == [bad] and report.sent == [good]
