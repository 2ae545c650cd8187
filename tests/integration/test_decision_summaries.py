"""After a clerk's decision (`intake requests decide`), the clerks get what a poll that
changed the request gives them: a new summary email (when a clerks' address is
configured), sent through the real SMTP server (aiosmtpd), and the request's page on
disk drawn again, as decided. The commands run as a clerk runs them (`cli.main`) on a
real state folder over a Maildir.
"""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.commands.cli import main
from intake.edges.mail.maildir import deliver
from tests.integration.smtp_server import Inbox
from tests.integration.test_replies_end_to_end import plain_text

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
OWN = "ecf-training@canb.uscourts.gov"
CLERKS = "waivers-desk@canb.example.gov"


def _config(folder: Path, port: int, *, clerks: bool) -> Path:
    config = folder / "intake.toml"
    text = (
        f'state_dir = "{folder / "state"}"\nown_address = "{OWN}"\n'
        f'[source]\nmaildir = "{folder / "mail"}"\n'
        f'[outbox]\nsink = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
        'security = "plain"\n'
    )
    if clerks:
        text += f'[clerks]\naddresses = ["{CLERKS}"]\n'
    config.write_text(text)
    return config


def _run(config: Path, *argv: str) -> None:
    assert main([*argv, "--config", str(config)]) == 0


def _summaries(inbox: Inbox) -> list[EmailMessage]:
    return inbox.to(CLERKS)


def _html(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def test_a_decision_mails_the_clerks_a_new_summary_and_redraws_the_page(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config = _config(tmp_path, port, clerks=True)
    deliver(tmp_path / "mail", (FIXTURES / "needs-review-image-letter.eml").read_bytes())
    _run(config, "poll", "--once")
    first = _summaries(inbox)
    assert len(first) == 1, [m["Subject"] for _, m in inbox.received]
    assert "mgarcia" not in _html(first[0])
    page = tmp_path / "state" / "summaries" / "request-1.html"
    drawn_before = page.stat().st_mtime_ns
    os.utime(page, ns=(drawn_before - 10**9, drawn_before - 10**9))  # older than the decision

    argv = ("requests", "decide", "1", "--accept-letter", "1", "--by", "mgarcia")
    _run(config, *argv, "--reason", "read the scan: signed, every statement there")
    _run(config, "outbox", "send")

    summaries = _summaries(inbox)
    assert len(summaries) == 2
    second = summaries[1]
    assert second["Message-ID"] != first[0]["Message-ID"]
    # The new summary is the request as decided: complete, with who decided and why.
    mailed = _html(second)
    assert "mgarcia" in mailed and "read the scan: signed, every statement there" in mailed
    assert "Complete" in mailed
    assert any(part.get_content_type() == "application/pdf" for part in second.iter_attachments())
    # The page on disk was drawn again, as decided.
    assert page.stat().st_mtime_ns > drawn_before - 10**9
    on_disk = page.read_text()
    assert "mgarcia" in on_disk and "read the scan: signed, every statement there" in on_disk
    # The attorney got the new reply too (the decision changed the outcome).
    attorney = [m for rcpts, m in inbox.received if CLERKS not in rcpts]
    assert len(attorney) == 2
    assert "complete" in plain_text(attorney[-1])


def test_without_a_clerks_address_a_decision_mails_no_summary(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config = _config(tmp_path, port, clerks=False)
    deliver(tmp_path / "mail", (FIXTURES / "needs-review-image-letter.eml").read_bytes())
    _run(config, "poll", "--once")
    argv = ("requests", "decide", "1", "--accept-letter", "1", "--by", "mgarcia")
    _run(config, *argv, "--reason", "read the scan")
    _run(config, "outbox", "send")
    assert _summaries(inbox) == []
    assert len(inbox.received) == 2  # the two replies to the attorney, nothing else
    page = tmp_path / "state" / "summaries" / "request-1.html"
    assert "mgarcia" in page.read_text()
