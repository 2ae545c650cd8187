"""`intake poll --once` and `intake requests …` end to end, over a local Maildir."""

from __future__ import annotations

import json
import socket
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.commands.cli import main
from intake.commands.common import ProgressDisplay
from intake.edges.mail.maildir import deliver

OWN = "ecf-training@canb.uscourts.gov"


def _email(sender: str, name: str, filename: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = OWN
    message["Subject"] = "waiver"
    message["Message-ID"] = f"<{filename}.{sender}>"
    message.set_content("attached")
    data = b"scanned from the copier: " + filename.encode()  # no PDF reader runs: fast
    message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return bytes(message)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{tmp_path / "mail"}"\n'
    )
    deliver(tmp_path / "mail", _email("jane@example.com", "Jane Doe", "letter.pdf"))
    deliver(tmp_path / "mail", _email("jane@example.com", "Jane Doe", "nef1.pdf"))
    deliver(tmp_path / "mail", _email("bob@example.com", "Bob Roe", "nef9.pdf"))
    return path


def test_poll_then_list_show_and_close(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poll", "--once", "--config", str(config)]) == 0
    assert "3 fetched, 3 processed" in capsys.readouterr().err

    assert main(["requests", "list", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    assert "jane@example.com" in listing and "bob@example.com" in listing

    assert main(["requests", "show", "1", "--config", str(config)]) == 0
    shown = capsys.readouterr().out
    assert "Request 1:" in shown and "letter.pdf" in shown and "nef1.pdf" in shown
    assert "nef9.pdf" not in shown  # Bob's document belongs to Bob's request

    code = main(["requests", "close", "1", "--reason", "withdrawn", "--config", str(config)])
    assert code == 0
    capsys.readouterr()
    assert main(["requests", "list", "--status", "closed", "--config", str(config)]) == 0
    closed = capsys.readouterr().out.splitlines()
    assert len(closed) == 2 and "jane@example.com" in closed[1]
    assert main(["requests", "close", "1", "--reason", "again", "--config", str(config)]) == 1
    assert "already closed" in capsys.readouterr().err


def test_show_of_an_unknown_request_says_so(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poll", "--once", "--config", str(config)]) == 0
    assert main(["requests", "show", "99", "--config", str(config)]) == 1
    assert "no request 99" in capsys.readouterr().err


def test_requests_before_any_poll_do_not_create_state(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["requests", "list", "--config", str(config)]) == 1
    assert "no state database here yet" in capsys.readouterr().err
    assert not (tmp_path / "state").exists()


def test_an_unreachable_imap_server_is_a_clear_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    (tmp_path / "pw").write_text("secret")
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nkind = "imap"\n[source.imap]\n'
        f'host = "127.0.0.1"\nport = {port}\nsecurity = "plain"\nusername = "u"\n'
        f'password_file = "{tmp_path / "pw"}"\ntimeout_seconds = 2\n'
    )
    assert main(["poll", "--once", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "unreachable" in err and str(port) in err
    assert "secret" not in err


def test_poll_requires_once_for_now(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poll"]) == 2
    assert "--once" in capsys.readouterr().err


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.text = ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        return None


def test_progress_draws_a_bar_on_a_terminal_and_lines_elsewhere() -> None:
    tty, log = _Stream(True), _Stream(False)
    for stream in (tty, log):
        display = ProgressDisplay(stream)  # type: ignore[arg-type]
        for done in range(21):
            display(done, 20)
        display.finish()
    assert "\r[" in tty.text and "20/20 messages" in tty.text and tty.text.endswith("\n")
    lines = log.text.splitlines()
    assert lines[0] == "poll: 20 new messages" and lines[-1] == "poll: 20/20 messages"
    assert 5 <= len(lines) <= 12 and "\r" not in log.text


def test_no_progress_for_a_small_batch() -> None:
    stream = _Stream(False)
    display = ProgressDisplay(stream)  # type: ignore[arg-type]
    for done in range(3):
        display(done, 2)
    assert stream.text == ""


def test_requests_show_json_speaks_the_shape_of_check_json(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One serializer: a one-email request reads in `requests show --json` exactly as
    `intake check --json` reads that email (SPEC 5), plus where each document came from."""
    assert main(["poll", "--once", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["requests", "list", "--config", str(config), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    bob = next(row["id"] for row in rows if row["attorney"] == "bob@example.com")
    assert main(["requests", "show", str(bob), "--json", "--config", str(config)]) == 0
    shown = json.loads(capsys.readouterr().out)
    eml = tmp_path / "bob.eml"
    eml.write_bytes(_email("bob@example.com", "Bob Roe", "nef9.pdf"))
    assert main(["check", "--json", str(eml)]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert shown["assessment"] == checked["assessment"]
    assert set(shown["assessment"]) >= {"status", "qualifying_nefs", "letter", "findings"}
    assert [{k: v for k, v in d.items() if k != "message"} for d in shown["documents"]] == (
        checked["documents"]
    )
    assert all(isinstance(d["message"], int) for d in shown["documents"])
