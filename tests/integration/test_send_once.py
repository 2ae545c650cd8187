"""A reply is sent once, against a real aiosmtpd: two `intake outbox send` processes at
once never send one row twice; a sender killed while saying goodbye (QUIT) after the
server accepted a message does not send it again; and the one window left, a kill
between the server's 250 and the commit, resends with the same Message-ID."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from intake.edges.store import Store
from tests.integration.smtp_server import serving

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@dataclass
class SlowInbox:
    """Accepts every message after a short delay (so two senders interleave); with
    `kill_at_quit`, SIGKILLs that process when it says QUIT, after the 250 to DATA."""

    delay: float = 0.02
    kill_at_quit: int | None = None
    message_ids: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.message_ids.append(str(message["Message-ID"]))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        if self.kill_at_quit is not None:
            os.kill(self.kill_at_quit, signal.SIGKILL)
        return "221 Bye"


@pytest.fixture
def server() -> Iterator[tuple[SlowInbox, int]]:
    with serving(SlowInbox()) as running:
        yield running


def _queue(state: Path, count: int, first: int = 0) -> list[str]:
    ids = []
    with Store.open(state) as store, store.transaction():
        for n in range(first, first + count):
            message = EmailMessage()
            message["From"] = "ecf-training@canb.uscourts.gov"
            message["To"] = f"attorney{n}@example-law.com"
            message["Subject"] = f"Re: waiver {n}"
            message["Message-ID"] = f"<reply-{n}@canb.uscourts.gov>"
            message.set_content(f"reply {n}")
            store.outbox.enqueue(
                request_id=None,
                message_id=str(message["Message-ID"]),
                kind="reply",
                to_address=f"attorney{n}@example-law.com",
                subject=str(message["Subject"]),
                body=f"reply {n}",
                raw=bytes(message),
            )
            ids.append(str(message["Message-ID"]))
    return ids


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[outbox]\nsink = "smtp"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "plain"\n'
    )
    return path


def _sender(config: Path, crash_at: str | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    if crash_at:
        env["INTAKE_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "intake", "outbox", "send", "--config", str(config)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _statuses(state: Path) -> Counter[str]:
    with Store.open(state) as store:
        return Counter(row.status for row in store.outbox.all())


def test_two_senders_at_once_send_each_reply_once(
    tmp_path: Path, server: tuple[SlowInbox, int]
) -> None:
    inbox, port = server
    inbox.delay = 0.1  # 4 s for all: the two start-ups overlap even on a busy machine
    ids = _queue(tmp_path / "state", 40)
    config = _config(tmp_path, port)
    first, second = _sender(config), _sender(config)
    outputs = [p.communicate(timeout=120)[0] for p in (first, second)]
    assert sorted(inbox.message_ids) == sorted(ids), outputs  # each exactly once
    assert _statuses(tmp_path / "state") == Counter({"sent": 40})
    sent = [int(out.split("outbox: ")[1].split(" sent")[0]) for out in outputs]
    assert sum(sent) == 40
    assert min(sent) > 0, outputs  # both really sent: they ran side by side
    assert any("taken by another sender" in out for out in outputs), outputs


def test_a_sender_killed_at_quit_after_the_server_accepted_sends_nothing_again(
    tmp_path: Path, server: tuple[SlowInbox, int]
) -> None:
    inbox, port = server
    (message_id,) = _queue(tmp_path / "state", 1)
    config = _config(tmp_path, port)
    process = _sender(config)
    inbox.kill_at_quit = process.pid
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert inbox.message_ids == [message_id]
    assert _statuses(tmp_path / "state") == Counter({"sent": 1})  # before QUIT

    inbox.kill_at_quit = None
    again = _sender(config)
    again.communicate(timeout=60)
    assert again.returncode == 0
    assert inbox.message_ids == [message_id]  # not sent twice


def test_the_window_left_a_kill_between_the_250_and_the_commit_resends_once(
    tmp_path: Path, server: tuple[SlowInbox, int]
) -> None:
    inbox, port = server
    (message_id,) = _queue(tmp_path / "state", 1)
    config = _config(tmp_path, port)
    crashed = _sender(config, crash_at="after_accept")
    crashed.communicate(timeout=60)
    assert crashed.returncode == -signal.SIGKILL
    assert _statuses(tmp_path / "state") == Counter({"queued": 1})
    # The dead sender's claim is released at once (its pid is gone), not after CLAIM_FOR.
    again = _sender(config)
    again.communicate(timeout=60)
    assert again.returncode == 0
    assert inbox.message_ids == [message_id, message_id]  # the same Message-ID
    assert _statuses(tmp_path / "state") == Counter({"sent": 1})

    # Killed just after the commit (before QUIT): nothing is sent again.
    (second_id,) = _queue(tmp_path / "state", 1, first=1)
    killed = _sender(config, crash_at="after_mark_sent")
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL
    _sender(config).communicate(timeout=60)
    assert inbox.message_ids.count(second_id) == 1


def test_outbox_send_now_sends_what_waits_out_a_back_off(
    tmp_path: Path, server: tuple[SlowInbox, int]
) -> None:
    import datetime as dt

    inbox, port = server
    (message_id,) = _queue(tmp_path / "state", 1)
    with Store.open(tmp_path / "state") as store, store.transaction():
        later = store.now() + dt.timedelta(hours=1)
        store.outbox.mark_retry(1, "421 try again later", later)  # as after an outage
    config = _config(tmp_path, port)
    waiting = _sender(config)
    out, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 1 and inbox.message_ids == []
    assert "1 still queued (next attempt" in out
    now = subprocess.run(
        [sys.executable, "-m", "intake", "outbox", "send", "--now", "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert now.returncode == 0, now.stdout + now.stderr
    assert inbox.message_ids == [message_id]
    assert _statuses(tmp_path / "state") == Counter({"sent": 1})
