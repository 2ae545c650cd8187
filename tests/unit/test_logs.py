"""Log lines: one per event, journald-friendly, JSON on request, never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.secrets import register_secret
from intake.service.logs import REDACTED, redact, setup_logging


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _log(stream: io.StringIO, *, fmt: str = "text", journald: bool = False) -> logging.Logger:
    env = {"JOURNAL_STREAM": "8:1234"} if journald else {}
    setup_logging("DEBUG", fmt, stream=stream, environ=env)  # type: ignore[arg-type]
    return logging.getLogger("intake.test")


def test_text_by_hand_has_a_timestamp_and_the_level(root_restored: None) -> None:
    out = io.StringIO()
    _log(out).warning("mailbox %s unreachable", "INBOX")
    line = out.getvalue()
    assert line.count("\n") == 1
    assert line[:4].isdigit()  # ISO date first
    assert "WARNING intake.test: mailbox INBOX unreachable" in line


def test_under_journald_no_timestamp_and_a_syslog_priority(root_restored: None) -> None:
    out = io.StringIO()
    log = _log(out, journald=True)
    log.error("poll failed")
    log.info("poll ok")
    assert out.getvalue().splitlines() == [
        "<3>ERROR intake.test: poll failed",
        "<6>INFO intake.test: poll ok",
    ]


def test_a_traceback_stays_on_the_event_line(root_restored: None) -> None:
    out = io.StringIO()
    log = _log(out, journald=True)
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        log.exception("step failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert "step failed | Traceback (most recent call last): |" in lines[0]
    assert lines[0].endswith("ValueError: bad | thing")


def test_json_lines(root_restored: None) -> None:
    out = io.StringIO()
    _log(out, fmt="json").info("poll: %d fetched", 3)
    entry = json.loads(out.getvalue())
    assert entry["level"] == "info"
    assert entry["logger"] == "intake.test"
    assert entry["message"] == "poll: 3 fetched"
    assert entry["time"].endswith("+00:00")


def test_setup_twice_keeps_one_handler(root_restored: None) -> None:
    out = io.StringIO()
    _log(out)
    _log(out).info("once")
    assert out.getvalue().count("once") == 1


def test_registered_secrets_never_reach_a_line(root_restored: None) -> None:
    password = "s3cret-Pa55word"
    token = "ya29.a0AfH6SMBx-token-value"
    register_secret(password)
    register_secret(token)
    out = io.StringIO()
    log = _log(out)
    log.info("login with %s", password)
    log.warning("token is %r", {"t": token})
    try:
        raise RuntimeError(f"server said no to {password}")
    except RuntimeError:
        log.exception("login failed")
    text = out.getvalue()
    assert password not in text
    assert token not in text
    assert text.count(REDACTED) >= 3


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password=hunter22", "hunter22"),
        ('refresh_token": "1//0gabcdef"', "1//0gabcdef"),
        ("Authorization: Bearer eyJhbGciOi.abc.def", "eyJhbGciOi.abc.def"),
        ("client_secret=abc123xyz&grant_type=refresh_token", "abc123xyz"),
        ("> AUTHENTICATE XOAUTH2 dXNlcj1qb2UBYXV0aD1CZWFyZXIgdG9rAQE=", "dXNlcj1qb2UBYXV0aD"),
    ],
)
def test_secret_shaped_values_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert REDACTED in cleaned
    assert secret not in cleaned


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("smtp_password = hunter22", "hunter22"),
        ("client-secret: Zq9wX", "Zq9wX"),
        ("x-auth-token=abcd1234", "abcd1234"),
        ("{'password': 'Sup3r'}", "Sup3r"),
        ("the server said password: hunter2.", "hunter2"),
        ("token: ya29.a0AfH6SMBx", "ya29.a0AfH6SMBx"),
    ],
)
def test_secrets_in_other_shapes_are_redacted(text: str, secret: str) -> None:
    assert secret not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "credential imap-password: cannot read the file",
        "/etc/intake/imap-password: cannot be read (permission denied)",
        "smtp.password_file: /etc/intake/smtp-password: no such file",
        "password: cannot be empty",
        "a Bearer token is needed for XOAUTH2",
        "passwords: none configured",
        "bypass=1 compass=north",
        "set password_file, or install the credential smtp-password",
        "the refresh token: expired; sign in again",
    ],
)
def test_ordinary_words_near_secret_names_are_kept(text: str) -> None:
    assert redact(text) == text


def test_config_check_keeps_the_words_of_a_credential_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from intake.commands.cli import main

    secret = tmp_path / "imap-password"
    secret.write_text("")  # an empty secret file: config check says why, in words
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nkind = "imap"\n'
        f'[source.imap]\nhost = "127.0.0.1"\nusername = "u"\npassword_file = "{secret}"\n'
    )
    main(["config", "check", "--config", str(config)])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if str(secret) in line)
    assert REDACTED not in line, line


def test_short_values_are_not_registered() -> None:
    register_secret("ab")
    assert redact("a tab") == "a tab"


def test_an_inherited_journal_stream_that_is_not_ours_is_ignored(
    root_restored: None, tmp_path: Path
) -> None:
    with (tmp_path / "log").open("w") as stream:
        setup_logging("INFO", "text", stream=stream, environ={"JOURNAL_STREAM": "8:1"})
        logging.getLogger("intake.test").info("hello")
    line = (tmp_path / "log").read_text()
    assert line[:4].isdigit()  # a timestamp: stderr is a file here, not the journal
    assert "<6>" not in line
