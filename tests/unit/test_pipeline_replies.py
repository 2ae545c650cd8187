"""The poll queues the right reply, once, in the assessment's transaction; loops stop.

Each fixture of fixtures/expected.json is polled from a real Maildir into its own real
state database; the outbox rows, audit trail and clerk files are then checked against
the fixture's intended outcome.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from intake.config import ClerkConfig, ReplyConfig, Settings
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.business_days import decision_window, long_date
from intake.edges.mail.maildir import MaildirSource, deliver, seed_maildir
from intake.edges.store import OutboxRow, RequestStatus, Store
from intake.service.clerk_files import summary_paths
from intake.service.cycle import poll_once
from intake.service.enqueue import Outgoing, outgoing_from_settings
from intake.service.send import parse_raw
from tests.emails import OWN, small_email

REPO = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((REPO / "fixtures" / "expected.json").read_text())
SUBMISSIONS = {s["eml"]: s for s in EXPECTED["submissions"]}
CLERKS = "clerks@canb.example.gov"
SITUATION = {
    "complete": "complete",
    "training_required": "training_required",
    "needs_review": "under_review",
}
USABLE = {"nef", "acknowledgment_letter", "unreadable"}


def expected_situation(submission: dict[str, Any]) -> str:
    status = submission["assessment"]["status"]
    if status in SITUATION:
        return SITUATION[status]
    kinds = {d["kind"] for d in submission["documents"]}
    if kinds & USABLE:
        return "incomplete"
    return "not_pdf" if "not_pdf" in kinds else "nothing_usable"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def settings_for(state: Path, limit: int = 5) -> Settings:
    return Settings(
        state_dir=state,
        own_address=OWN,
        clerks=ClerkConfig(addresses=(CLERKS,)),
        reply=ReplyConfig(daily_limit_per_sender=limit),
    )


@dataclass
class Polled:
    store_dir: Path
    outbox: list[OutboxRow]
    audit: list[tuple[str, str, dict[str, Any]]]
    completed_at: dict[int, str | None]


def poll_files(root: Path, files: Sequence[Path], rules: Rules) -> Polled:
    settings = settings_for(root / "state")
    outgoing = outgoing_from_settings(settings, rules)
    seed_maildir(root / "mail", files)
    with MaildirSource(root / "mail") as source, Store.open(root / "state") as store:
        poll_once(source, store, rules, own_address=OWN, outgoing=outgoing)
        return Polled(
            store_dir=root / "state",
            outbox=store.outbox.all(),
            audit=[(a.action, a.subject, json.loads(a.detail)) for a in store.audit.trail()],
            completed_at={r.id: r.completed_at for r in store.requests.all()},
        )


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory, rules: Rules) -> dict[str, Polled]:
    """Every single-email fixture, each polled alone into its own state (PDFs read once)."""
    results = {}
    for name in SUBMISSIONS:
        if name.startswith("series-"):
            continue
        root = tmp_path_factory.mktemp(name.removesuffix(".eml"))
        results[name] = poll_files(root, [REPO / "fixtures" / "eml" / name], rules)
    return results


def replies(p: Polled) -> list[OutboxRow]:
    return [r for r in p.outbox if r.kind == "reply"]


def text_of(row: OutboxRow) -> tuple[EmailMessage, str]:
    assert row.raw is not None
    message = parse_raw(row.raw)
    body = message.get_body(("plain",))
    assert body is not None
    # The text is wrapped to short lines: a phrase may run over a line break.
    return message, " ".join(str(body.get_content()).split())


SINGLE = [n for n, s in SUBMISSIONS.items() if not n.startswith("series-")]


@pytest.mark.parametrize("name", SINGLE)
def test_each_fixture_gets_the_reply_its_outcome_calls_for(
    name: str, polled: dict[str, Polled]
) -> None:
    submission, result = SUBMISSIONS[name], polled[name]
    rows = replies(result)
    if not submission["reply_expected"]:
        assert rows == []
        reasons = [d["reason"] for action, _, d in result.audit if action == "no_reply"]
        assert len(reasons) == 1 and reasons[0].startswith("No reply")
        return
    assert len(rows) == 1, [a for a in result.audit if a[0] in ("no_reply", "reply_failed")]
    row = rows[0]
    queued = [d for action, _, d in result.audit if action == "reply_queued"]
    assert [q["situation"] for q in queued] == [expected_situation(submission)]
    assert row.status == "sent" or row.status == "queued"
    assert row.to_address == submission["sender"]

    message, text = text_of(row)
    original = email.message_from_bytes(
        (REPO / "fixtures" / "eml" / name).read_bytes(), policy=email.policy.default
    )
    assert message["Message-ID"] == row.message_id
    assert message["Message-ID"].endswith("@canb.uscourts.gov>")
    assert message["In-Reply-To"] == original["Message-ID"].strip()
    assert message["Subject"].startswith("Re: ")
    assert message["Auto-Submitted"] == "auto-replied"
    assessment = submission["assessment"]
    if assessment["status"] == "complete":
        assert f"{assessment['qualifying_nefs']} Notices of Electronic Filing that count" in text
        completed = result.completed_at[row.request_id or 0]
        assert completed is not None
        first, last = decision_window(dt.datetime.fromisoformat(completed))
        assert long_date(first) in text
        assert long_date(last) in text
    elif expected_situation(submission) == "incomplete" and assessment["qualifying_nefs"] == 0:
        assert "No Notice of Electronic Filing counts yet" in text
    elif expected_situation(submission) == "incomplete":
        assert (
            f"{assessment['qualifying_nefs']} of the {assessment['required_nefs']} required" in text
        )
    # The request holds each file once (a byte-identical copy is the same document).
    held = {d["sha256"]: d["filename"] for d in reversed(submission["documents"])}
    for filename in held.values():
        assert filename is None or filename in text  # None: the part had no name


@pytest.mark.parametrize("name", SINGLE)
def test_complete_and_review_requests_get_a_clerk_summary_with_the_pdfs(
    name: str, polled: dict[str, Polled]
) -> None:
    submission, result = SUBMISSIONS[name], polled[name]
    summaries = [r for r in result.outbox if r.kind == "summary"]
    if submission["assessment"]["status"] not in ("complete", "needs_review"):
        assert summaries == []
        return
    assert len(summaries) == 1
    row = summaries[0]
    assert row.to_address == CLERKS and row.raw is not None
    message = parse_raw(row.raw)
    assert message["Auto-Submitted"] == "auto-generated"
    attachments = [
        p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"
    ]
    assert len(attachments) == 1
    packet = PdfReader(io.BytesIO(attachments[0].get_payload(decode=True)))  # type: ignore[arg-type]
    html_path, pdf_path = summary_paths(result.store_dir, row.request_id or 0)
    assert html_path.is_file() and pdf_path.is_file()
    on_disk = PdfReader(pdf_path)
    assert len(on_disk.pages) == len(packet.pages)
    readable = [d for d in submission["documents"] if d["kind"] in ("nef", "acknowledgment_letter")]
    assert len(packet.pages) > len(readable)  # a cover, then at least a page per document
    index = (result.store_dir / "summaries" / "index.html").read_text()
    assert html_path.name in index


def test_a_follow_up_that_completes_a_request_gets_the_complete_reply(
    tmp_path: Path, rules: Rules
) -> None:
    files = [REPO / "fixtures" / "eml" / f for f in ("series-a-1.eml", "series-a-2.eml")]
    result = poll_files(tmp_path, files, rules)
    queued = [d["situation"] for action, _, d in result.audit if action == "reply_queued"]
    assert queued == ["incomplete", "complete"]
    assert len({r.request_id for r in replies(result)}) == 1
    assert [r.kind for r in result.outbox].count("summary") == 1


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[Store, Clock]]:
    # 10:00 in San Francisco on a Friday.
    clock = Clock(dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC))
    with Store.open(tmp_path / "state", clock=clock) as store:
        yield store, clock


def poll_maildir(mail: Path, store: Store, rules: Rules, outgoing: Outgoing) -> None:
    with MaildirSource(mail) as source:
        poll_once(source, store, rules, own_address=OWN, outgoing=outgoing)


def test_at_most_n_replies_per_sender_per_court_day(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, clock = clocked
    outgoing = outgoing_from_settings(settings_for(store.state_dir, limit=3), rules)
    mail = tmp_path / "mail"
    for n in range(5):
        deliver(mail, small_email(n))
    deliver(mail, small_email(9, sender="bob.roe@example-law.com"))
    poll_maildir(mail, store, rules, outgoing)
    to_jane = [r for r in store.outbox.all() if r.to_address == "jane.doe@example-law.com"]
    assert len(to_jane) == 3
    assert len([r for r in store.outbox.all() if r.to_address == "bob.roe@example-law.com"]) == 1
    limited = [a for a in store.audit.trail() if a.action == "no_reply"]
    assert len(limited) == 2 and all("limit is 3" in a.detail for a in limited)

    # 11:30 p.m. the same day at the court (07:30 UTC the next day): still limited.
    clock.now = dt.datetime(2026, 11, 21, 7, 30, tzinfo=dt.UTC)
    deliver(mail, small_email(5))
    poll_maildir(mail, store, rules, outgoing)
    assert len([r for r in store.outbox.all() if r.to_address == "jane.doe@example-law.com"]) == 3
    # The next morning at the court: a new day.
    clock.now = dt.datetime(2026, 11, 21, 17, 0, tzinfo=dt.UTC)
    deliver(mail, small_email(6))
    poll_maildir(mail, store, rules, outgoing)
    assert len([r for r in store.outbox.all() if r.to_address == "jane.doe@example-law.com"]) == 4


LOOPS = {
    "precedence bulk": {"Precedence": "bulk"},
    "list mail": {"List-Id": "<attorneys.lists.example-law.com>"},
    "auto-submitted": {"Auto-Submitted": "auto-generated"},
    "bounce": {"Return-Path": "<>"},
}


@pytest.mark.parametrize("case", sorted(LOOPS))
def test_loop_prevention_cases_get_no_reply(
    case: str, tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, _ = clocked
    outgoing = outgoing_from_settings(settings_for(store.state_dir), rules)
    deliver(tmp_path / "mail", small_email(1, **LOOPS[case]))
    poll_maildir(tmp_path / "mail", store, rules, outgoing)
    assert store.outbox.all() == []
    assert [a.action for a in store.audit.trail()].count("no_reply") == 1


@pytest.mark.parametrize(
    "sender", [OWN, "no-reply@example-law.com", "MAILER-DAEMON@mx.example.com"]
)
def test_robots_and_our_own_mailbox_get_no_reply(
    sender: str, tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, _ = clocked
    outgoing = outgoing_from_settings(settings_for(store.state_dir), rules)
    deliver(tmp_path / "mail", small_email(1, sender=sender))
    poll_maildir(tmp_path / "mail", store, rules, outgoing)
    assert store.outbox.all() == []
    assert [a.action for a in store.audit.trail()].count("no_reply") == 1


def test_completed_at_is_kept_from_the_first_completion(clocked: tuple[Store, Clock]) -> None:
    store, clock = clocked
    with store.transaction():
        request_id = store.requests.create("jane.doe@example-law.com", "Jane Doe")
        store.requests.update(request_id, status=RequestStatus.INCOMPLETE)
    request = store.requests.get(request_id)
    assert request is not None and request.completed_at is None
    first = clock.now
    with store.transaction():
        store.requests.update(request_id, status=RequestStatus.COMPLETE)
    clock.now = first + dt.timedelta(days=3)
    with store.transaction():
        store.requests.update(request_id, status=RequestStatus.NEEDS_REVIEW)
        store.requests.update(request_id, status=RequestStatus.COMPLETE)
    request = store.requests.get(request_id)
    assert request is not None and request.completed_at == first.isoformat()


def test_a_poll_without_outgoing_settings_queues_nothing(
    tmp_path: Path, clocked: tuple[Store, Clock], rules: Rules
) -> None:
    store, _ = clocked
    deliver(tmp_path / "mail", small_email(1))
    with MaildirSource(tmp_path / "mail") as source:
        poll_once(source, store, rules, own_address=OWN)
    assert store.outbox.all() == []


@pytest.mark.parametrize("point", ["before_commit:2", "after_commit:2"])
def test_a_poll_killed_mid_way_leaves_exactly_one_reply_per_email(
    point: str, tmp_path: Path
) -> None:
    """SIGKILL inside the second message's transaction, or just after its commit: the
    next poll neither loses that message's reply nor queues any reply twice."""
    for n in range(3):
        deliver(tmp_path / "mail", small_email(n, sender=f"attorney{n}@example-law.com"))
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{tmp_path / "mail"}"\n'
    )
    command = [
        sys.executable,
        "-m",
        "intake",
        "poll",
        "--once",
        "--no-send",
        "--config",
        str(config),
    ]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    killed = subprocess.run(
        command,
        env={**environment, "INTAKE_CRASH_AT": point},
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL
    finished = subprocess.run(command, env=environment, cwd=REPO, capture_output=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    with Store.open(tmp_path / "state") as store:
        replies = [r for r in store.outbox.all() if r.kind == "reply"]
        assert sorted(r.to_address for r in replies) == [
            f"attorney{n}@example-law.com" for n in range(3)
        ]
        assert len({r.message_id for r in replies}) == 3
