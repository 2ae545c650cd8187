"""An email after a request is complete joins that request; after a clerk closed it, a
new one opens. Real Maildir, real SQLite state, real fixture emails and PDFs."""

from __future__ import annotations

import datetime as dt
import email.policy
import json
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.config import ClerkConfig, ReplyConfig, Settings
from intake.core.model import DocumentKind
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.business_days import decision_window, local_date, long_date
from intake.edges.mail.maildir import MaildirSource, deliver
from intake.edges.store import OutboxRow, RequestRow, RequestStatus, Store
from intake.service.clerk_files import summary_paths
from intake.service.cycle import poll_once
from intake.service.enqueue import Outgoing, outgoing_from_settings
from intake.service.send import parse_raw
from tests.emails import OWN

EML = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
COMPLETE = EML / "complete-mixed-courts.eml"
SENDER = "mquintero@quintero-law.test"
CLERKS = "clerks@canb.example.gov"
# 10:00 in San Francisco on Friday 20 November 2026.
START = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[Store, Clock]]:
    clock = Clock(START)
    with Store.open(tmp_path / "state", clock=clock) as store:
        yield store, clock


def outgoing_for(store: Store, rules: Rules) -> Outgoing:
    settings = Settings(
        state_dir=store.state_dir,
        own_address=OWN,
        clerks=ClerkConfig(addresses=(CLERKS,)),
        reply=ReplyConfig(daily_limit_per_sender=5),
    )
    return outgoing_from_settings(settings, rules)


def poll(mail: Path, store: Store, rules: Rules) -> None:
    with MaildirSource(mail) as source:
        poll_once(source, store, rules, own_address=OWN, outgoing=outgoing_for(store, rules))


def complete_request(mail: Path, store: Store, rules: Rules) -> RequestRow:
    """Poll the complete fixture in: the one request it makes, complete."""
    deliver(mail, COMPLETE.read_bytes())
    poll(mail, store, rules)
    [request] = store.requests.all()
    assert request.status is RequestStatus.COMPLETE
    return request


def attachment(eml: Path, filename: str) -> bytes:
    message = message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    for part in message.iter_attachments():
        if part.get_filename() == filename:
            data = part.get_content()
            assert isinstance(data, bytes)
            return data
    raise AssertionError(f"{filename} not in {eml.name}")


def follow_up(n: int, attachments: dict[str, bytes], sender: str = SENDER) -> bytes:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = f"Marisol Quintero <{sender}>"
    message["To"] = OWN
    message["Subject"] = "Re: CM/ECF training waiver"
    message["Message-ID"] = f"<follow-up-{n}.{sender}>"
    message.set_content("Did you get my request? One more notice attached.")
    for filename, data in attachments.items():
        message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return bytes(message)


def replies(store: Store) -> list[OutboxRow]:
    return [r for r in store.outbox.all() if r.kind == "reply"]


def plain_text(row: OutboxRow) -> str:
    assert row.raw is not None
    body = parse_raw(row.raw).get_body(("plain",))
    assert body is not None
    # The text is wrapped to short lines: a phrase may run over a line break.
    return " ".join(str(body.get_content()).split())


def html_text(row: OutboxRow) -> str:
    assert row.raw is not None
    body = parse_raw(row.raw).get_body(("html",))
    assert body is not None
    return str(body.get_content())


def reply_situations(store: Store) -> list[str]:
    """The situation of each reply queued, in order (from the audit trail)."""
    return [
        json.loads(a.detail)["situation"] for a in store.audit.trail() if a.action == "reply_queued"
    ]


def audit_actions(store: Store) -> list[str]:
    return [a.action for a in store.audit.trail()]


def test_a_follow_up_after_complete_joins_the_request_and_stays_complete(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, clock = clocked
    mail = tmp_path / "mail"
    request = complete_request(mail, store, rules)
    assert request.status is RequestStatus.COMPLETE and request.completed_at is not None
    completed_at = dt.datetime.fromisoformat(request.completed_at)
    html_path, pdf_path = summary_paths(store.state_dir, request.id)
    pdf_before = pdf_path.read_bytes()

    # The next Wednesday: a duplicate NEF, a NEF from this court (never counts), and a
    # PDF nobody can read.
    clock.now = START + dt.timedelta(days=5)
    extra = {
        # Other bytes (a comment after %%EOF), the same filing: a duplicate by its facts.
        "NJ - Doc 45 again.pdf": attachment(COMPLETE, "NJ - Doc 45.pdf") + b"% again\n",
        "canb 24-30218.pdf": attachment(EML / "own-court.eml", "canb 24-30218.pdf"),
        "scan.pdf": b"%PDF-1.4\nnot really a PDF\n",
    }
    deliver(mail, follow_up(1, extra))
    poll(mail, store, rules)

    assert [r.id for r in store.requests.all()] == [request.id]
    after = store.requests.get(request.id)
    assert after is not None and after.status is RequestStatus.COMPLETE
    assert after.completed_at == request.completed_at
    held = [d for d, _ in store.documents.of_request(request.id)]
    assert len(held) == 7 + len(extra)
    kinds = {d.filename: d.kind for d in held}
    assert kinds["canb 24-30218.pdf"] is DocumentKind.NEF
    assert kinds["scan.pdf"] in {DocumentKind.UNREADABLE, DocumentKind.OTHER}
    latest = store.assessments.latest(request.id)
    assert latest is not None and latest.qualifying_nefs == 6
    codes = {(f.document, f.code) for f in latest.findings}
    assert ("NJ - Doc 45 again.pdf", "duplicate") in codes
    assert ("canb 24-30218.pdf", "own_court") in codes
    assert store.assessments.count(request.id) == 2

    actions = audit_actions(store)
    assert actions.count("follow_up_to_complete") == 1
    assert actions.count("request_opened") == 1
    assert [r.kind for r in store.outbox.all()].count("summary") == 1  # not queued again
    # The clerk's packet on disk now holds the follow-up's documents too.
    assert pdf_path.read_bytes() != pdf_before and html_path.is_file()
    assert "scan.pdf" in html_path.read_text()

    first, second = replies(store)
    situations = reply_situations(store)
    assert situations == ["complete", "already_complete"]
    time_zone = outgoing_for(store, rules).time_zone
    start, end = decision_window(completed_at, time_zone=time_zone)
    # From the completion, not from the follow-up (which would be a later window).
    later = decision_window(clock.now, time_zone=time_zone)
    assert later != (start, end)
    for body in (plain_text(second), html_text(second)):
        assert "already have everything" in body
        assert long_date(start) in body and long_date(end) in body
        assert f"since {long_date(local_date(completed_at, time_zone))}" in body
        for filename in extra:
            assert filename in body
        # The original documents are not listed again: only this email's.
        assert "waeb NEF.pdf" not in body
    assert long_date(start) in plain_text(first)


def test_a_follow_up_without_documents_still_gets_the_already_complete_reply(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, _ = clocked
    mail = tmp_path / "mail"
    deliver(mail, COMPLETE.read_bytes())
    deliver(mail, follow_up(2, {}))
    poll(mail, store, rules)
    [request] = store.requests.all()
    assert request.status is RequestStatus.COMPLETE
    second = replies(store)[1]
    text = plain_text(second)
    assert "already have everything" in text and "no documents" in text
    assert [r.kind for r in store.outbox.all()].count("summary") == 1


def test_a_follow_up_after_a_clerk_closed_the_request_opens_a_new_one(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, _ = clocked
    mail = tmp_path / "mail"
    request = complete_request(mail, store, rules)
    with store.transaction():
        store.requests.close(request.id, "decided: granted")

    nef = attachment(COMPLETE, "waeb NEF.pdf")
    deliver(mail, follow_up(3, {"waeb NEF.pdf": nef}))
    poll(mail, store, rules)

    requests = store.requests.all()
    assert len(requests) == 2
    new = next(r for r in requests if r.id != request.id)
    assert new.status is RequestStatus.INCOMPLETE
    assert [d.filename for d, _ in store.documents.of_request(new.id)] == ["waeb NEF.pdf"]
    assert "follow_up_to_complete" not in audit_actions(store)
    situations = reply_situations(store)
    assert situations == ["complete", "incomplete"]


def test_another_attorney_is_not_joined_to_a_complete_request(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, _ = clocked
    mail = tmp_path / "mail"
    deliver(mail, COMPLETE.read_bytes())
    deliver(mail, follow_up(4, {}, sender="someone.else@quintero-law.test"))
    poll(mail, store, rules)
    assert len(store.requests.all()) == 2
    assert "follow_up_to_complete" not in audit_actions(store)


def test_another_attorneys_letter_from_the_same_address_opens_a_request_of_its_own(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    # A paralegal sends one attorney's complete request, then a colleague's letter from
    # the same mailbox: that is a new applicant, not "already complete".
    store, _ = clocked
    mail = tmp_path / "mail"
    first = complete_request(mail, store, rules)
    colleague = attachment(EML / "complete-government-paraphrased.eml", "Fitzgerald letter.pdf")
    deliver(mail, follow_up(5, {"Fitzgerald letter.pdf": colleague}))
    poll(mail, store, rules)

    requests = store.requests.all()
    assert len(requests) == 2
    second = next(r for r in requests if r.id != first.id)
    first_now = store.requests.get(first.id)
    assert first_now is not None and first_now.status is RequestStatus.COMPLETE
    assert second.status is RequestStatus.INCOMPLETE
    assert [d.filename for d, _ in store.documents.of_request(second.id)] == [
        "Fitzgerald letter.pdf"
    ]
    latest = store.assessments.latest(second.id)
    assert latest is not None and latest.attorney_name == "Eleanor R. Fitzgerald"
    actions = audit_actions(store)
    assert "follow_up_to_complete" not in actions
    assert actions.count("other_attorney_same_address") == 1
    situations = reply_situations(store)
    assert situations == ["complete", "incomplete"]


def test_the_same_attorneys_corrected_letter_still_joins_the_complete_request(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, _ = clocked
    mail = tmp_path / "mail"
    complete_request(mail, store, rules)
    letter = attachment(COMPLETE, "Quintero - Letter of Acknowledgment.pdf")
    deliver(mail, follow_up(6, {"corrected letter.pdf": letter + b"% corrected\n"}))
    poll(mail, store, rules)
    [request] = store.requests.all()
    assert request.status is RequestStatus.COMPLETE
    assert "other_attorney_same_address" not in audit_actions(store)
    assert audit_actions(store).count("follow_up_to_complete") == 1


def test_a_follow_up_after_the_decision_window_does_not_promise_past_dates(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, clock = clocked
    mail = tmp_path / "mail"
    request = complete_request(mail, store, rules)
    assert request.completed_at is not None
    time_zone = outgoing_for(store, rules).time_zone
    start, end = decision_window(
        dt.datetime.fromisoformat(request.completed_at), time_zone=time_zone
    )

    clock.now = START + dt.timedelta(days=21)  # well past the seventh business day
    deliver(mail, follow_up(7, {}))
    poll(mail, store, rules)
    second = replies(store)[1]
    for body in (plain_text(second), html_text(second)):
        flat = " ".join(body.split())
        assert "We expect a decision" not in flat
        assert f"that time ran from {long_date(start)} to {long_date(end)}" in flat
        assert "the court will write to you with its decision" in flat
    assert "\n\n\n" not in plain_text(second)


def test_a_follow_up_within_the_decision_window_still_gives_it(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, clock = clocked
    mail = tmp_path / "mail"
    complete_request(mail, store, rules)
    clock.now = START + dt.timedelta(days=3)
    deliver(mail, follow_up(8, {}))
    poll(mail, store, rules)
    flat = " ".join(plain_text(replies(store)[1]).split())
    assert "We expect a decision between" in flat and "that time ran from" not in flat
