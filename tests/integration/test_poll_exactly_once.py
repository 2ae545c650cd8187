"""Exactly-once polling against a real Dovecot: accumulation, resends, UIDVALIDITY, kill -9.

The crash tests run `python -m intake poll --once` as a child process with
INTAKE_CRASH_AT naming a point of the cycle (see `intake.service.cycle._crash_point`): the
child kills itself with SIGKILL there. A second poll without the crash must then leave
the state exactly as one uninterrupted poll would: each message recorded once, each
request holding the right documents and assessed once per email, every message moved
to Processed exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from intake.core.policy.rules import Rules, load_rules
from intake.edges.mail.imap import ImapSource
from intake.edges.mail.source import SourceError
from intake.edges.store import MessageStatus, Store
from intake.service.cycle import CRASH_POINTS, PollResult, poll_once
from tests.integration.dovecot import DovecotMailbox

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
OWN = "ecf-training@canb.uscourts.gov"
JANE = "jane.doe@example-law.com"
BOB = "bob.roe@example-law.com"


def email(sender: str, name: str, files: Sequence[str], *, message_id: str | None = None) -> bytes:
    message = EmailMessage(policy=SMTP)  # CRLF line ends, as mail servers store them
    message["From"] = f"{name} <{sender}>"
    message["To"] = OWN
    message["Subject"] = f"Training waiver: {', '.join(files)}"
    message["Message-ID"] = message_id or f"<{'.'.join(files)}.{sender}>"
    message.set_content("My documents are attached.")
    for filename in files:
        # Not a real PDF, so no PDF reader runs: the pipeline does not care what it is.
        data = b"scanned from the copier: " + filename.encode()  # no PDF reader runs: fast
        message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return bytes(message)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def poll(mailbox: DovecotMailbox, store: Store, rules: Rules, action: str = "move") -> PollResult:
    with ImapSource(mailbox.imap_config(processed_action=action)) as source:
        return poll_once(source, store, rules, own_address=OWN)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state") as opened:
        yield opened


def documents_of(store: Store, attorney: str) -> list[list[str]]:
    """File names held by each of the attorney's requests, oldest request first."""
    return [
        [d.filename for d, _ in store.documents.of_request(r.id)]
        for r in store.requests.all()
        if r.attorney == attorney
    ]


# ------------------------------------------------------------- in process


def test_several_emails_build_one_request_and_a_resend_counts_once(
    dovecot: DovecotMailbox, store: Store, rules: Rules
) -> None:
    # Series B of the fixtures: a letter and four NEFs, then three NEFs of which one
    # repeats a file of the first email; together complete.
    (series,) = [s for s in EXPECTED["series"] if s["series"] == "series-b"]
    first, second = ((FIXTURES / "eml" / name).read_bytes() for name in series["files"])
    dovecot.deliver(first)
    result = poll(dovecot, store, rules)
    assert (result.fetched, result.processed) == (1, 1)
    (request,) = store.requests.all()
    assert request.status.value == "incomplete"

    dovecot.deliver(second)
    dovecot.deliver(first)  # the first email again: same Message-ID, same bytes
    result = poll(dovecot, store, rules)
    assert (result.fetched, result.processed, result.duplicates) == (2, 1, 1)

    (request,) = store.requests.all()
    assert request.attorney == series["sender"]
    assert request.status.value == series["assessment"]["status"] == "complete"
    held = {d.sha256 for d, _ in store.documents.of_request(request.id)}
    assert held == {d["sha256"] for d in series["documents"]}
    assert store.assessments.count(request.id) == 2  # once per email, not for the resend
    assert dovecot.uids() == []
    assert len(dovecot.uids("Processed")) == 3


def test_a_uidvalidity_reset_processes_nothing_twice(
    dovecot: DovecotMailbox, store: Store, rules: Rules
) -> None:
    for files in (["a.pdf"], ["b.pdf"], ["c.pdf"]):
        dovecot.deliver(email(JANE, "Jane Doe", files))
    poll(dovecot, store, rules, action="keyword")  # messages stay in INBOX, flagged
    (request,) = store.requests.all()

    old = dovecot.uidvalidity()
    assert dovecot.reset_uidvalidity() != old
    dovecot.deliver(email(JANE, "Jane Doe", ["d.pdf"]))
    result = poll(dovecot, store, rules, action="keyword")

    assert result.uidvalidity_changed
    assert (result.fetched, result.processed, result.duplicates) == (4, 1, 3)
    assert documents_of(store, JANE) == [["a.pdf", "b.pdf", "c.pdf", "d.pdf"]]
    assert store.assessments.count(request.id) == 4
    for uid in dovecot.uids():
        assert "$IntakeProcessed" in dovecot.flags(uid)
    # A third poll under the new UIDVALIDITY fetches nothing.
    assert poll(dovecot, store, rules, action="keyword").fetched == 0


def test_a_server_restart_mid_poll_loses_nothing_and_repeats_nothing(
    dovecot: DovecotMailbox, store: Store, rules: Rules
) -> None:
    for files in (["a.pdf"], ["b.pdf"], ["c.pdf"], ["d.pdf"]):
        dovecot.deliver(email(JANE, "Jane Doe", files))

    def restart_after_two(done: int, total: int) -> None:
        if done == 2:
            dovecot.restart()  # the session drops at once

    with pytest.raises(SourceError), ImapSource(dovecot.imap_config()) as source:
        poll_once(source, store, rules, own_address=OWN, progress=restart_after_two)
    # The four came in one FETCH: the third was read from memory and committed, and
    # only its move met the dead connection, so its action is owed.
    assert len(store.messages.all()) == 3
    assert [m.uid for m in store.messages.pending_actions("INBOX", dovecot.uidvalidity())] == [3]

    result = poll(dovecot, store, rules)
    assert (result.actions_recovered, result.fetched, result.processed) == (1, 1, 1)
    assert documents_of(store, JANE) == [["a.pdf", "b.pdf", "c.pdf", "d.pdf"]]
    assert sorted(m.uid for m in store.messages.all()) == [1, 2, 3, 4]
    assert dovecot.uids() == [] and len(dovecot.uids("Processed")) == 4


# ------------------------------------------------------------- kill -9


def run_poll(config: Path, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env["PYTHONPATH"] = str(REPO)
    if crash_at:
        env["INTAKE_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "intake", "poll", "--once", "--config", str(config)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_killed_at_any_point_the_next_poll_finishes_exactly_once(
    dovecot: DovecotMailbox, tmp_path: Path, point: str
) -> None:
    resent = email(JANE, "Jane Doe", ["letter.pdf", "nef1.pdf"])
    dovecot.deliver(resent)
    dovecot.deliver(email(BOB, "Bob Roe", ["nef9.pdf"]))
    dovecot.deliver(email(JANE, "Jane Doe", ["nef2.pdf"]))
    dovecot.deliver(resent)
    config = dovecot.write_intake_config(tmp_path, own_address=OWN, timeout_seconds=10)

    # The second passage of the point: one message is wholly done before the crash.
    crashed = run_poll(config, crash_at=f"{point}:2")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    finished = run_poll(config)
    assert finished.returncode == 0, finished.stderr
    assert "poll:" in finished.stderr

    with Store.open(tmp_path / "state") as store:
        messages = store.messages.all()
        assert sorted(m.uid for m in messages) == [1, 2, 3, 4]
        statuses = sorted(m.status.value for m in messages)
        assert statuses == ["duplicate", "processed", "processed", "processed"]
        (duplicate,) = store.messages.all(status=MessageStatus.DUPLICATE)
        assert duplicate.uid == 4 and duplicate.duplicate_of == messages[0].id
        assert store.messages.pending_actions("INBOX", dovecot.uidvalidity()) == []

        assert documents_of(store, JANE) == [["letter.pdf", "nef1.pdf", "nef2.pdf"]]
        assert documents_of(store, BOB) == [["nef9.pdf"]]
        assessed = {r.attorney: store.assessments.count(r.id) for r in store.requests.all()}
        assert assessed == {JANE: 2, BOB: 1}
        audit_actions = [a.action for a in store.audit.trail()]
        assert audit_actions.count("assessed") == 3
        assert audit_actions.count("request_opened") == 2

    assert dovecot.uids() == []
    # Each message moved exactly once: four in Processed, no copies.
    assert len(dovecot.uids("Processed")) == 4
    assert "Failed" not in dovecot.folders()
