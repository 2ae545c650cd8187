"""The outbox watched like the mailbox, with the real daemon and a real aiosmtpd that is
down at first: send failures are warnings, after N failed attempts one alert by the road
that works (the journal at error level, STATUS=, `intake status` exit 3), and the reply
leaves as soon as the server answers, whatever its back-off, followed by an all-clear."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from intake.edges.mail.maildir import deliver
from tests.emails import small_email
from tests.integration.smtp_server import Inbox, free_port
from tests.integration.test_daemon import PROJECT, start, workdir

pytestmark = pytest.mark.integration
__all__ = ["workdir"]


def test_an_smtp_outage_alerts_once_and_the_reply_leaves_when_the_server_is_back(
    workdir: Path,
) -> None:
    port = free_port()
    mail = workdir / "mail"
    deliver(mail, small_email(1, "jane@example-law.test"))
    config = (
        f'[source]\nkind = "maildir"\nmaildir = "{mail}"\n'
        f'[outbox]\nsink = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
        'security = "plain"\ntimeout_seconds = 3\n'
        "[alerts]\nafter_failures = 2\noperator_address = 'ops@example.org'\n"
    )
    daemon = start(workdir, config, daemon="poll_interval_seconds = 600\ndigest_cron = ''\n")
    daemon.read_until(lambda d: "READY=1" in d)
    alert = daemon.read_until(lambda d: "ALERT: 2 send attempts failed" in d, timeout=40)
    assert "outbox: 1 queued" in alert

    status = _status(workdir)
    assert status.returncode == 3, status.stdout + status.stderr
    assert "sending fails: 2 attempts in a row" in status.stdout

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    back = time.monotonic()
    try:
        daemon.read_until(lambda d: "outbox empty" in d, timeout=40)
        waited = time.monotonic() - back
        # The row's back-off is a minute and more; the probe sends within its 10 s.
        assert waited < 20
        daemon.process.send_signal(signal.SIGTERM)
        assert daemon.process.wait(timeout=15) == 0
    finally:
        controller.stop()
    assert len(inbox.to("jane@example-law.test")) == 1
    (clear,) = inbox.to("ops@example.org")
    assert "all clear" in str(clear["Subject"])
    log = daemon.stop_and_log()
    assert "<4>WARNING intake.service.send: reply to jane@example-law.test" in log
    assert "<3>ERROR intake.service.daemon: ALERT: 2 send attempts failed in a row" in log
    assert log.count("ALERT:") == 1  # once
    assert "all clear: the outbox sends again" in log
    after = _status(workdir)
    assert after.returncode == 0, after.stdout  # the alert has ended


def _status(workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake", "status", "--config", str(workdir / "intake.toml")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
