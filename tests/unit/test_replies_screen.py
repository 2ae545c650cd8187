"""The sender screen: ignore / record without reply / answer, and why (for the audit)."""

from __future__ import annotations

import pytest

from intake.core.model import Envelope
from intake.core.replies.screen import (
    ReplyCaps,
    Screening,
    SentToday,
    is_robot_address,
    screen,
    within_caps,
)
from intake.core.sender_check import GATE_OFF, SenderCheck

OWN = frozenset({"ecf-training@canb.example.gov"})


def envelope(
    sender: str | None = "jane.doe@example-law.com", subject: str = "Waiver", **headers: str
) -> Envelope:
    return Envelope(
        message_id="<m@x>",
        sender_address=sender,
        sender_name=None,
        subject=subject,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )


def test_an_ordinary_email_is_answered() -> None:
    verdict = screen(envelope(), own_addresses=OWN)
    assert verdict.action is Screening.ANSWER
    assert "jane.doe@example-law.com" in verdict.reason


@pytest.mark.parametrize(
    ("env", "words"),
    [
        (envelope(auto_submitted="auto-replied"), "Auto-Submitted"),
        (envelope(auto_submitted="auto-generated; owner-email=x@y"), "auto-generated"),
        (envelope(auto_submitted="auto-notified"), "auto-notified"),
        (envelope(x_autoreply="yes"), "X-Autoreply"),
        (envelope(x_autorespond="Vacation"), "X-Autorespond"),
        (envelope(x_loop="ecf-training@canb.example.gov"), "X-Loop"),
        (envelope(x_loop="Intake <ECF-Training@canb.example.gov>"), "X-Loop"),
        (envelope(precedence="bulk"), "Precedence: bulk"),
        (envelope(precedence="List"), "Precedence: list"),
        (envelope(precedence="junk"), "Precedence: junk"),
        (envelope(precedence="auto_reply"), "auto_reply"),
        (envelope(list_id="<lawyers.lists.example.org>"), "List-Id"),
        (envelope(list_post="<mailto:lawyers@lists.example.org>"), "mailing list"),
        (envelope(return_path="<>"), "Return-Path"),
        (envelope(return_path="< >"), "Return-Path"),
        (
            envelope(content_type="multipart/report; report-type=delivery-status; boundary=x"),
            "report",
        ),
        (
            envelope(content_type='multipart/report; report-type="disposition-notification"'),
            "report",
        ),
        (envelope(x_failed_recipients="someone@example.org"), "X-Failed-Recipients"),
        (envelope("MAILER-DAEMON@mx.example-law.com"), "robot"),
        (envelope("postmaster@example-law.com"), "robot"),
        (envelope("no-reply@example-law.com"), "robot"),
        (envelope("no_reply@example-law.com"), "robot"),
        (envelope("noreply+bounces@example-law.com"), "robot"),
        (envelope("do-not-reply@ecf.example.gov"), "robot"),
        (envelope("do_not_reply@ecf.example.gov"), "robot"),
        (envelope("ECF-Training@CANB.example.gov"), "our own address"),
        (envelope(None), "no sender"),
        (envelope(""), "no sender"),
        (envelope("jane doe@example-law.com"), "malformed"),
        (envelope(subject="Out of Office: CM/ECF waiver"), "subject"),
        (envelope(subject="Automatic reply: CM/ECF waiver"), "subject"),
        (envelope(subject="AUTO: Jane Doe is out of the office"), "subject"),
        (envelope(subject="Autosvar: waiver"), "subject"),
        (envelope(subject="Abwesenheitsnotiz: waiver"), "subject"),
        (envelope(subject="Réponse automatique : waiver"), "subject"),
        (envelope(subject="Undeliverable: Re: waiver"), "subject"),
        (envelope(subject="Delivery Status Notification (Failure)"), "subject"),
        (envelope(subject="Mail delivery failed: returning message to sender"), "subject"),
    ],
)
def test_mail_no_person_wrote_is_ignored_with_a_plain_reason(env: Envelope, words: str) -> None:
    verdict = screen(env, own_addresses=OWN)
    assert verdict.action is Screening.IGNORE
    assert verdict.reason.startswith("No reply: ")
    assert words in verdict.reason


@pytest.mark.parametrize(
    ("env", "words"),
    [
        (envelope(x_auto_response_suppress="All"), "X-Auto-Response-Suppress"),
        (envelope(x_auto_response_suppress="DR, OOF, AutoReply"), "X-Auto-Response-Suppress"),
        (envelope(list_unsubscribe="<mailto:u@example.org>"), "List-Unsubscribe"),
    ],
)
def test_mail_that_asks_for_no_answer_is_recorded_without_a_reply(
    env: Envelope, words: str
) -> None:
    verdict = screen(env, own_addresses=OWN)
    assert verdict.action is Screening.RECORD
    assert words in verdict.reason


@pytest.mark.parametrize("value", ["no", " No ", "no; comment", "No (a person wrote this)"])
def test_auto_submitted_no_is_a_person_whatever_follows(value: str) -> None:
    assert screen(envelope(auto_submitted=value), own_addresses=OWN).action is Screening.ANSWER


def test_a_subject_that_merely_mentions_an_office_is_answered() -> None:
    for subject in ("Re: waiver for my office", "Waiver - back in the office", "Automatic stay"):
        assert screen(envelope(subject=subject), own_addresses=OWN).action is Screening.ANSWER


def test_an_unverified_sender_is_recorded_when_the_check_is_on() -> None:
    failed = SenderCheck(gate_on=True, verified=False, summary="dmarc=fail")
    verdict = screen(envelope(), own_addresses=OWN, sender_check=failed)
    assert verdict.action is Screening.RECORD and "dmarc=fail" in verdict.reason
    passed = SenderCheck(gate_on=True, verified=True, summary="dmarc=pass")
    assert screen(envelope(), own_addresses=OWN, sender_check=passed).action is Screening.ANSWER
    assert screen(envelope(), own_addresses=OWN, sender_check=GATE_OFF).action is Screening.ANSWER


def test_an_automatic_email_is_ignored_even_from_a_verified_sender() -> None:
    passed = SenderCheck(gate_on=True, verified=True, summary="dmarc=pass")
    auto = envelope(auto_submitted="auto-replied")
    assert screen(auto, own_addresses=OWN, sender_check=passed).action is Screening.IGNORE


CAPS = ReplyCaps(per_address=3, per_domain=5, overall=10)


@pytest.mark.parametrize(
    ("sent", "allowed", "words"),
    [
        (SentToday(2, 4, 9), True, "Reply allowed"),
        (SentToday(3, 3, 3), False, "jane@example-law.com has already been sent 3"),
        (SentToday(0, 5, 5), False, "the domain example-law.com"),
        (SentToday(0, 0, 10), False, "all senders together"),
    ],
)
def test_the_caps_per_address_domain_and_overall(
    sent: SentToday, allowed: bool, words: str
) -> None:
    ok, why = within_caps("jane@example-law.com", sent, CAPS, authenticated_submission=False)
    assert ok is allowed and words in why


def test_an_authenticated_submission_is_answered_whatever_the_caps() -> None:
    ok, why = within_caps(
        "jane@example-law.com", SentToday(99, 99, 99), CAPS, authenticated_submission=True
    )
    assert ok and "authenticated" in why


def test_a_cap_of_zero_is_off() -> None:
    caps = ReplyCaps(per_address=3, per_domain=0, overall=0)
    assert within_caps("j@x.org", SentToday(0, 10**6, 10**6), caps, authenticated_submission=False)[
        0
    ]


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
