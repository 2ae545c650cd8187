"""Loop prevention: who never gets an automatic reply, and why (for the audit log)."""

from __future__ import annotations

import pytest

from intake.core.model import Envelope
from intake.core.replies.loop import is_robot_address, should_reply

OWN = frozenset({"ecf-training@canb.example.gov"})


def envelope(sender: str | None = "jane.doe@example-law.com", **headers: str) -> Envelope:
    return Envelope(
        message_id="<m@x>",
        sender_address=sender,
        sender_name=None,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )


def decide(env: Envelope, sent_today: int = 0, limit: int = 3) -> tuple[bool, str]:
    return should_reply(env, own_addresses=OWN, sent_today=sent_today, daily_limit=limit)


def test_an_ordinary_email_gets_a_reply() -> None:
    ok, why = decide(envelope())
    assert ok
    assert "jane.doe@example-law.com" in why


@pytest.mark.parametrize(
    ("env", "words"),
    [
        (envelope(auto_submitted="auto-replied"), "Auto-Submitted"),
        (envelope(auto_submitted="auto-generated; owner-email=x@y"), "auto-generated"),
        (envelope(precedence="bulk"), "Precedence: bulk"),
        (envelope(precedence="List"), "Precedence: list"),
        (envelope(precedence="junk"), "Precedence: junk"),
        (envelope(list_id="<lawyers.lists.example.org>"), "List-Id"),
        (envelope(return_path="<>"), "Return-Path"),
        (envelope("MAILER-DAEMON@mx.example-law.com"), "robot"),
        (envelope("postmaster@example-law.com"), "robot"),
        (envelope("no-reply@example-law.com"), "robot"),
        (envelope("noreply+bounces@example-law.com"), "robot"),
        (envelope("do-not-reply@ecf.example.gov"), "robot"),
        (envelope("do_not_reply@ecf.example.gov"), "robot"),
        (envelope("ECF-Training@CANB.example.gov"), "our own address"),
        (envelope(None), "no sender"),
        (envelope(""), "no sender"),
        (envelope("jane doe@example-law.com"), "malformed"),
    ],
)
def test_no_reply_and_a_plain_reason(env: Envelope, words: str) -> None:
    ok, why = decide(env)
    assert not ok
    assert why.startswith("No reply: ")
    assert words in why


def test_auto_submitted_no_is_a_person() -> None:
    assert decide(envelope(auto_submitted="no"))[0]
    assert decide(envelope(auto_submitted=" No "))[0]


def test_the_daily_limit_per_sender() -> None:
    assert decide(envelope(), sent_today=2, limit=3)[0]
    ok, why = decide(envelope(), sent_today=3, limit=3)
    assert not ok
    assert "3 replies today" in why and "limit is 3" in why


@pytest.mark.parametrize(
    ("address", "robot"),
    [
        ("mailer-daemon@x.org", True),
        ("Mailer_Daemon@x.org", True),
        ("no.reply@x.org", True),
        ("donotreply@x.org", True),
        ("noreplyalerts@x.org", True),
        ("jane.noreply@x.org", False),
        ("reply@x.org", False),
        ("postmistress@x.org", False),
        ("norman@x.org", False),
    ],
)
def test_robot_addresses(address: str, robot: bool) -> None:
    assert is_robot_address(address) is robot
