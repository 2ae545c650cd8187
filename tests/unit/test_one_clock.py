"""One clock for people: every time a person reads is the court's, with its abbreviation;
machine formats stay ISO 8601 with the offset."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import json
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.commands.cli import main
from intake.core.clock import at_court, machine_time, parse_stamp, person_time
from intake.core.model import Envelope
from intake.core.policy.assess import assess
from intake.core.policy.rules import load_rules
from intake.core.replies.compose import compose_reply, to_email_message
from intake.edges.mail.maildir import deliver
from tests.court import reply_settings

COURT_TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d P[SD]T"
UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


@pytest.mark.parametrize(
    ("stamp", "zone", "shown"),
    [
        ("2026-11-21T07:30:00+00:00", "America/Los_Angeles", "2026-11-20 23:30 PST"),
        ("2026-07-04T19:05:00+00:00", "America/Los_Angeles", "2026-07-04 12:05 PDT"),
        ("2026-07-04T19:05:00+00:00", "America/New_York", "2026-07-04 15:05 EDT"),
        ("2026-01-10T12:00:00", "America/Chicago", "2026-01-10 06:00 CST"),  # naive = UTC
        ("2026-03-08T10:30:00+00:00", "America/Los_Angeles", "2026-03-08 03:30 PDT"),
    ],
)
def test_a_stored_stamp_reads_on_the_court_clock(stamp: str, zone: str, shown: str) -> None:
    assert person_time(stamp, zone) == shown


def test_none_and_unparsable_stamps_are_shown_not_hidden() -> None:
    assert person_time(None) == "-"
    assert person_time("") == "-"
    assert person_time("yesterday-ish") == "yesterday-ish"


def test_machine_time_is_iso_with_offset_and_round_trips() -> None:
    moment = dt.datetime(2026, 11, 20, 23, 30, tzinfo=at_court(dt.datetime.now(dt.UTC)).tzinfo)
    stamp = machine_time(moment)
    assert UTC_STAMP.fullmatch(stamp)
    assert parse_stamp(stamp) == moment


def test_the_replys_date_header_is_on_the_court_clock() -> None:
    rules = load_rules()
    now = dt.datetime(2026, 11, 21, 7, 30, tzinfo=dt.UTC)  # 23:30 the evening before, PST
    envelope = Envelope(
        message_id="<a1@example-law.test>",
        sender_address="jane@example-law.test",
        sender_name="Jane Doe",
        subject="waiver",
    )
    settings = reply_settings(rules)
    reply = compose_reply(
        assess([], "Jane Doe", rules),
        [],
        envelope,
        settings,
        message_id="<r1@canb.example.gov>",
        now=now,
    )
    header = str(to_email_message(reply)["Date"])
    assert header.endswith("-0800"), header
    assert "20 Nov 2026 23:30:00" in header
    assert email.utils.parsedate_to_datetime(header) == now  # the same instant


def _submission(sender: str, filename: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jane Doe <{sender}>"
    message["To"] = "ecf-training@canb.uscourts.gov"
    message["Subject"] = "waiver"
    message["Message-ID"] = f"<{filename}.{sender}>"
    message.set_content("attached")
    message.add_attachment(
        b"not really a pdf", maintype="application", subtype="pdf", filename=filename
    )
    return bytes(message)


@pytest.fixture
def polled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{tmp_path / "mail"}"\n'
    )
    deliver(tmp_path / "mail", _submission("jane@example.com", "letter.pdf"))
    assert main(["poll", "--once", "--config", str(config)]) == 0
    capsys.readouterr()
    return config


def test_requests_list_show_status_and_outbox_read_the_court_clock(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (
        ["requests", "list"],
        ["requests", "show", "1"],
        ["status"],
        ["outbox", "list"],
    ):
        assert main([*command, "--config", str(polled)]) == 0, command
        out = capsys.readouterr().out
        assert re.search(COURT_TIME, out), (command, out)
        assert not UTC_STAMP.search(out), (command, out)  # no second clock


def test_json_keeps_iso_8601_with_offset(polled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["requests", "show", "1", "--json", "--config", str(polled)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert UTC_STAMP.fullmatch(shown["created_at"])
    assert all(UTC_STAMP.fullmatch(m["received_at"]) for m in shown["messages"])
    assert main(["status", "--json", "--config", str(polled)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert UTC_STAMP.fullmatch(status["last_poll"]["finished_at"])


def test_the_configured_zone_is_the_one_shown(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with polled.open("a") as settings:
        settings.write('[reply]\ntime_zone = "America/New_York"\n')
    assert main(["requests", "list", "--config", str(polled)]) == 0
    assert re.search(r"\d\d:\d\d E[SD]T", capsys.readouterr().out)


def test_an_unknown_zone_is_a_configuration_error(
    polled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with polled.open("a") as settings:
        settings.write('[reply]\ntime_zone = "Pacific/Atlantis"\n')
    assert main(["requests", "list", "--config", str(polled)]) == 2
    err = capsys.readouterr().err
    assert "Pacific/Atlantis" in err and "Traceback" not in err
