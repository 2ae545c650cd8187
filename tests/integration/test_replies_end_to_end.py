"""The whole path against real servers: mail in by IMAP (Dovecot), replies and clerk
summaries out by SMTP (aiosmtpd), through the poll and the send step.

- every fixture gets the reply its outcome calls for (threading, Auto-Submitted, facts);
  a follow-up that completes a request gets the complete reply; the clerks get the
  summary of each complete request with its PDF packet;
- SMTP down, then up: the queued replies go out once each;
- loop prevention: no reply to auto-replies, bounces, bulk or list mail, robots, ourselves.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import json
import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from intake.config import ClerkConfig, Settings
from intake.core.policy.rules import Rules, load_rules
from intake.edges.mail.imap import ImapSource
from intake.edges.mail.smtp import SmtpConfig, SmtpSink
from intake.edges.store import Store
from intake.service.cycle import poll_once
from intake.service.enqueue import outgoing_from_settings
from intake.service.send import send_due
from tests.emails import OWN, small_email
from tests.integration.dovecot import DovecotMailbox
from tests.integration.smtp_server import Inbox, free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EML = REPO / "fixtures" / "eml"
EXPECTED = json.loads((REPO / "fixtures" / "expected.json").read_text())
SUBMISSIONS = {s["eml"]: s for s in EXPECTED["submissions"]}
CLERKS = "clerks@canb.example.gov"
# The first words of each situation's reply (templates/reply/*.txt.j2).
OPENING = {
    "complete": "Your request for a waiver of the court's CM/ECF training is complete",
    "incomplete": "the request is not complete yet",
    "training_required": "the notices you sent do not qualify for the waiver",
    "needs_review": "a clerk will review them by hand",
    "not_pdf": "the attachments you sent are not PDFs",
    "nothing_usable": "we found no document for a waiver",
    "already_complete": "We already have everything we need for your request",
}
# The second email of a series completes the request.
SERIES_SECOND = {s["files"][-1]: s for s in EXPECTED["series"]}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state") as opened:
        yield opened


def sink(port: int) -> SmtpSink:
    return SmtpSink(SmtpConfig(host="127.0.0.1", port=port, security="plain", timeout=10))


def poll(mailbox: DovecotMailbox, store: Store, rules: Rules) -> None:
    settings = Settings(state_dir=store.state_dir, clerks=ClerkConfig(addresses=(CLERKS,)))
    with ImapSource(mailbox.imap_config()) as source:
        poll_once(
            source, store, rules, own_address=OWN, outgoing=outgoing_from_settings(settings, rules)
        )


def plain_text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return " ".join(str(body.get_content()).split())


def completed_before(name: str) -> bool:
    """Whether the same attorney sent a complete request earlier in the sorted delivery:
    then this email joins it (a follow-up to a complete request)."""
    sender = SUBMISSIONS[name]["sender"]
    return any(
        other < name and s["sender"] == sender and s["assessment"]["status"] == "complete"
        for other, s in SUBMISSIONS.items()
    )


def expected_opening(name: str) -> str:
    if name in SERIES_SECOND:
        return OPENING["complete"]
    if completed_before(name):
        return OPENING["already_complete"]
    submission = SUBMISSIONS[name]
    status = submission["assessment"]["status"]
    kinds = {d["kind"] for d in submission["documents"]}
    if status == "incomplete" and not kinds & {"nef", "acknowledgment_letter", "unreadable"}:
        return OPENING["not_pdf" if "not_pdf" in kinds else "nothing_usable"]
    return OPENING[status]


def test_every_fixture_gets_its_reply_and_the_clerks_their_summaries(
    dovecot: DovecotMailbox, smtp: tuple[Inbox, int], store: Store, rules: Rules
) -> None:
    inbox, port = smtp
    names = sorted(SUBMISSIONS)  # series-x-1 before series-x-2
    for name in names:
        dovecot.deliver((EML / name).read_bytes())
    poll(dovecot, store, rules)
    report = send_due(store, sink(port))
    assert report.failed == [] and report.retrying == []

    replies: dict[str, EmailMessage] = {}
    for rcpts, message in inbox.received:
        if CLERKS not in rcpts:
            assert message["In-Reply-To"] not in replies  # one reply per email
            replies[message["In-Reply-To"]] = message
    assert len(inbox.received) == len(report.sent)
    for name in names:
        submission = SUBMISSIONS[name]
        original = email.message_from_bytes((EML / name).read_bytes(), policy=email.policy.default)
        reply = replies.get(original["Message-ID"].strip())
        if not submission["reply_expected"]:
            assert reply is None, name
            continue
        assert reply is not None, name
        assert reply["To"].addresses[0].addr_spec == submission["sender"]
        their_subject = re.sub(
            r"^(?:re:\s*)+", "", " ".join(str(original["Subject"]).split()), flags=re.I
        )
        assert reply["Subject"] == f"Re: {their_subject}"
        assert reply["References"].split()[-1] == original["Message-ID"].strip()
        assert reply["Auto-Submitted"] == "auto-replied"
        text = plain_text(reply)
        assert expected_opening(name) in text, name
        if submission["assessment"]["status"] == "incomplete" and name not in SERIES_SECOND:
            a = submission["assessment"]
            if expected_opening(name) == OPENING["incomplete"]:
                if a["qualifying_nefs"]:
                    assert f"{a['qualifying_nefs']} of the {a['required_nefs']} required" in text
                else:  # said so, not as '0 of the 6'
                    none_yet = "No Notice of Electronic Filing counts yet"
                    assert f"{none_yet}; {a['required_nefs']} are required" in text
    expected_replies = sum(s["reply_expected"] for s in SUBMISSIONS.values())
    assert len(replies) == expected_replies

    # The clerks: one summary per complete or needs-review request, the packet attached.
    summaries = inbox.to(CLERKS)
    requests = store.requests.all()
    wanted = [r for r in requests if r.status.value in ("complete", "needs_review")]
    assert len(summaries) == len(wanted) > 0
    quintero = [m for m in summaries if "Marisol" in str(m["Subject"])]
    assert len(quintero) == 1 and "Complete" in str(quintero[0]["Subject"])
    pdfs = [p for p in quintero[0].iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    packet = PdfReader(io.BytesIO(pdfs[0].get_content()))
    cover = packet.pages[0].extract_text()
    assert "Quintero" in cover and "24-11562-TBM" in cover
    assert len(packet.pages) >= 8  # the cover, the letter and six NEFs

    # Sending again sends nothing.
    assert send_due(store, sink(port), now=store.now() + dt.timedelta(days=1)).sent == []
    assert len(inbox.received) == len(report.sent)


def test_smtp_down_then_up_sends_each_queued_reply_once(
    dovecot: DovecotMailbox, store: Store, rules: Rules
) -> None:
    for n in range(3):
        dovecot.deliver(small_email(n, sender=f"attorney{n}@example-law.com"))
    poll(dovecot, store, rules)
    port = free_port()  # nothing listens here yet: connection refused
    down = send_due(store, sink(port))
    assert down.sent == [] and len(down.retrying) == 1 and down.deferred == 2
    assert {r.status for r in store.outbox.all()} == {"queued"}

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        later = store.now() + dt.timedelta(minutes=2)
        up = send_due(store, sink(port), now=later)
        assert len(up.sent) == 3
        assert send_due(store, sink(port), now=later + dt.timedelta(hours=2)).sent == []
    finally:
        controller.stop()
    ids = [m["Message-ID"] for _, m in inbox.received]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert sorted(ids) == sorted(r.message_id for r in store.outbox.all())


def test_loop_prevention_cases_get_no_reply(
    dovecot: DovecotMailbox, smtp: tuple[Inbox, int], store: Store, rules: Rules
) -> None:
    inbox, port = smtp
    loops = [
        (EML / "auto-reply.eml").read_bytes(),
        (EML / "bounce.eml").read_bytes(),
        small_email(1, Precedence="bulk"),
        small_email(2, List_Id="<attorneys.lists.example-law.com>"),
        small_email(3, Auto_Submitted="auto-generated"),
        small_email(4, Return_Path="<>"),
        small_email(5, sender="no-reply@example-law.com"),
        small_email(6, sender=OWN),
    ]
    for data in loops:
        dovecot.deliver(data)
    poll(dovecot, store, rules)
    assert send_due(store, sink(port)).sent == []
    assert inbox.received == []
    no_reply = [a for a in store.audit.trail() if a.action == "no_reply"]
    assert len(no_reply) == len(loops)
