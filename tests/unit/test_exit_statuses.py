"""Every exit status a command's help documents is the one it returns.

The documented statuses are read from each command's own `--help` (its "Exit status:"
paragraph), so a status added to a help without a case here, or a case without its line
in the help, fails `test_every_documented_status_has_a_case`. Each case then runs the
real command over real files in a temporary folder.
"""

from __future__ import annotations

import logging
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.commands.cli import build_parser, main
from intake.edges.mail.maildir import deliver
from intake.edges.store import Store
from tests.faults import reader_fails_on

INTAKE = Path(sys.executable).parent / "intake"
OWN = "ecf-training@canb.uscourts.gov"
SIGNALLED = {130, 143}  # Ctrl-C and SIGTERM in a poll: a subprocess test of their own


@pytest.fixture(autouse=True)
def root_logger_restored() -> Iterator[None]:
    """`intake run` in process sets up logging on the test's stderr: undo it after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _leaf_helps() -> dict[str, str]:
    """Each command's help text by its name ('requests close')."""
    helps: dict[str, str] = {}

    def walk(parser: object, name: str) -> None:
        actions = getattr(parser, "_subparsers", None)
        subs = [a for a in getattr(parser, "_actions", []) if hasattr(a, "choices")]
        children = [a.choices for a in subs if isinstance(a.choices, dict)]
        if actions is None or not children:
            helps[name] = parser.format_help()  # type: ignore[attr-defined]
            return
        for choices in children:
            for child, sub in choices.items():
                walk(sub, f"{name} {child}".strip())

    walk(build_parser(), "")
    return helps


def documented(help_text: str) -> set[int]:
    flat = " ".join(help_text.split())
    found = re.search(r"Exit status:(.*)", flat)
    assert found, "no 'Exit status:' paragraph"
    return {int(n) for n in re.findall(r"\b(\d{1,3})\b", found.group(1))}


# ------------------------------------------------------------------ the world


def _email(filename: str, sender: str = "jane@example.com") -> bytes:
    message = EmailMessage()
    message["From"] = f"Jane Doe <{sender}>"
    message["To"] = OWN
    message["Subject"] = "waiver"
    message["Message-ID"] = f"<{filename}.{sender}>"
    message.set_content("attached")
    message.add_attachment(b"not a pdf", maintype="application", subtype="pdf", filename=filename)
    return bytes(message)


class World:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.monkeypatch = monkeypatch
        self.config = root / "intake.toml"
        self.write()
        deliver(root / "mail", _email("letter.pdf"))

    def write(self, extra: str = "") -> Path:
        self.config.write_text(
            f'state_dir = "{self.root / "state"}"\n[source]\nmaildir = "{self.root / "mail"}"\n'
            + extra
        )
        return self.config

    def run(self, *argv: str) -> int:
        return main([*argv, "--config", str(self.config)])

    def polled(self, *, send: bool = True) -> World:
        assert self.run("poll", "--once", *(() if send else ("--no-send",))) == 0
        return self

    def bad_config(self) -> World:
        self.config.write_text("state_dir = [not toml")
        return self

    def smtp_down(self) -> World:
        self.write(
            '[clerks]\naddresses = ["clerk@example.org"]\n[outbox]\nsink = "smtp"\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {_closed_port()}\nsecurity = "plain"\n'
        )
        return self


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _failed_outbox_row(w: World) -> str:
    w.polled()
    with Store.open(w.root / "state") as store, store.transaction():
        row = store.outbox.all()[0]
        store.outbox.mark_failed(row.id, "550 no such user")
    return str(row.id)


def _still_failing(w: World) -> int:
    deliver(w.root / "mail", _email("boom.pdf"))
    reader_fails_on(w.monkeypatch, "boom.pdf")
    w.polled()
    return w.run("requests", "retry")


def _run_until_sigterm(w: World) -> int:
    w.write('[daemon]\npoll_interval_seconds = 3600\ndigest_cron = ""\n')
    daemon = subprocess.Popen(
        [str(INTAKE), "run", "--config", str(w.config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    database = w.root / "state" / "intake.sqlite3"
    while not database.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    daemon.send_signal(signal.SIGTERM)
    return daemon.wait(timeout=60)


def _failed_bytes_lost(w: World) -> int:
    deliver(w.root / "mail", _email("boom.pdf"))
    reader_fails_on(w.monkeypatch, "boom.pdf")
    w.polled()
    for kept in (w.root / "state" / "failed").glob("*.eml"):
        kept.unlink()  # the message can never be retried now
    return w.run("state", "check")


def _proc_mem() -> str:
    if not Path("/proc/self/mem").exists():
        pytest.skip("needs Linux's /proc/self/mem: a file that exists and cannot be read")
    return "/proc/self/mem"


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
FIXTURE = str(FIXTURES / "duplicates.eml")

Case = Callable[[World], int]
CASES: dict[tuple[str, int], Case] = {
    ("check", 0): lambda w: main(["check", FIXTURE]),
    ("check", 1): lambda w: main(["check", FIXTURE, _proc_mem()]),
    ("check", 2): lambda w: main(["check", str(w.root / "nothing.eml")]),
    ("poll", 0): lambda w: w.run("poll", "--once"),
    ("poll", 1): lambda w: (
        (w.root / "mail").rename(w.root / "away"),
        (w.root / "mail").write_text("a file, not a Maildir"),
        w.run("poll", "--once"),
    )[-1],
    ("poll", 2): lambda w: w.bad_config().run("poll", "--once"),
    ("run", 0): _run_until_sigterm,
    ("run", 2): lambda w: w.bad_config().run("run"),
    ("requests list", 0): lambda w: w.polled().run("requests", "list"),
    ("requests list", 1): lambda w: w.run("requests", "list"),
    ("requests show", 0): lambda w: w.polled().run("requests", "show", "1"),
    ("requests show", 1): lambda w: w.polled().run("requests", "show", "9"),
    ("requests close", 0): lambda w: w.polled().run("requests", "close", "1", "--reason", "ok"),
    ("requests close", 1): lambda w: w.polled().run("requests", "close", "9", "--reason", "x"),
    ("requests close", 2): lambda w: w.polled().run("requests", "close", "1", "--reason", " "),
    ("requests decide", 0): lambda w: (
        deliver(w.root / "mail", (FIXTURES / "needs-review-image-letter.eml").read_bytes()),
        w.polled(),
        w.run("requests", "decide", "2", "--accept-letter", "1", "--reason", "read the scan"),
    )[-1],
    ("requests decide", 1): lambda w: w.polled().run(
        "requests", "decide", "9", "--count", "1", "--reason", "x"
    ),
    ("requests decide", 2): lambda w: w.polled().run(
        "requests", "decide", "1", "--count", "1", "--reason", "a not_pdf is no notice"
    ),
    ("requests retry", 0): lambda w: w.polled().run("requests", "retry"),
    ("requests retry", 1): _still_failing,
    ("requests retry", 2): lambda w: w.bad_config().run("requests", "retry"),
    ("requests summary", 0): lambda w: w.polled().run("requests", "summary", "1"),
    ("requests summary", 1): lambda w: w.polled().run("requests", "summary", "9"),
    ("requests summary", 2): lambda w: w.polled().run("requests", "summary", "1", "--send"),
    ("outbox list", 0): lambda w: w.polled().run("outbox", "list"),
    ("outbox list", 1): lambda w: w.run("outbox", "list"),
    ("outbox send", 0): lambda w: w.polled().run("outbox", "send"),
    ("outbox send", 1): lambda w: w.polled(send=False).smtp_down().run("outbox", "send"),
    ("outbox requeue", 0): lambda w: w.run("outbox", "requeue", _failed_outbox_row(w)),
    ("outbox requeue", 1): lambda w: w.polled().run("outbox", "requeue", "99"),
    ("digest", 0): lambda w: w.polled().run("digest", "--dry-run"),
    ("digest", 1): lambda w: w.run("digest", "--dry-run"),
    ("digest", 2): lambda w: w.polled().run("digest"),
    ("status", 0): lambda w: w.polled().run("status"),
    ("status", 1): lambda w: w.run("status"),
    ("status", 2): lambda w: w.bad_config().run("status"),
    ("status", 3): lambda w: (
        w.polled(),
        (w.root / "mail").rename(w.root / "away"),
        (w.root / "mail").write_text("a file, not a Maildir"),
        w.run("poll", "--once"),
        w.run("status"),
    )[-1],
    ("state check", 0): lambda w: w.polled().run("state", "check"),
    ("state check", 1): lambda w: w.run("state", "check"),
    ("state check", 2): lambda w: w.bad_config().run("state", "check"),
    ("state check", 3): _failed_bytes_lost,
    ("config check", 0): lambda w: w.run("config", "check"),
    ("config check", 1): lambda w: (
        (w.root / "secret").write_text(""),
        w.write(
            f'kind = "imap"\n[source.imap]\nhost = "127.0.0.1"\nusername = "u"\n'
            f'password_file = "{w.root / "secret"}"\n'
        ),
        w.run("config", "check"),
    )[-1],
    ("config check", 2): lambda w: w.bad_config().run("config", "check"),
    ("config show", 0): lambda w: w.run("config", "show"),
    ("config show", 2): lambda w: w.bad_config().run("config", "show"),
}

# The two signals in a poll need their own process and session: that test lives with the
# other rough edges; here only its presence and its statuses are checked.
SIGNAL_TEST = Path(__file__).with_name("test_cli_rough_edges.py")


def test_every_documented_status_has_a_case() -> None:
    helps = _leaf_helps()
    assert len(helps) >= 15, sorted(helps)
    wanted = {(name, code) for name, text in helps.items() for code in documented(text)}
    signalled = {(name, code) for name, code in wanted if code in SIGNALLED}
    assert signalled <= {("poll", 130), ("poll", 143)}, signalled
    assert wanted - signalled == set(CASES), (
        f"documented without a case: {sorted(wanted - signalled - set(CASES))}; "
        f"cases not documented: {sorted(set(CASES) - wanted)}"
    )


def test_the_signalled_statuses_of_poll_are_tested() -> None:
    source = SIGNAL_TEST.read_text()
    assert "def test_ctrl_c_in_a_poll_keeps_what_was_done_and_says_so" in source
    assert '(signal.SIGINT, "Ctrl-C", 130), (signal.SIGTERM, "SIGTERM", 143)' in source


@pytest.mark.parametrize(("command", "status"), sorted(CASES), ids=lambda v: str(v))
def test_the_command_exits_with_the_status_its_help_documents(
    command: str,
    status: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("INTAKE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    code = CASES[(command, status)](World(tmp_path, monkeypatch))
    captured = capsys.readouterr()
    assert code == status, (command, captured.out[-800:], captured.err[-800:])
    assert "Traceback" not in captured.err


# ------------------------------------------------------- --config before the command


def test_config_before_the_command_is_the_same_as_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no config/intake.toml here: only --config finds the state
    w = World(tmp_path, monkeypatch).polled()
    capsys.readouterr()
    assert main(["--config", str(w.config), "status"]) == 0
    before = capsys.readouterr().out
    assert main(["status", "--config", str(w.config)]) == 0
    assert capsys.readouterr().out == before and "requests:   1 incomplete" in before
    assert main(["--config", str(w.config), "requests", "show", "1"]) == 0
    assert "Request 1:" in capsys.readouterr().out


def test_two_different_config_files_or_one_for_check_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", "a.toml", "status", "--config", "b.toml"]) == 2
    assert "two settings files given" in capsys.readouterr().err
    assert main(["--config", "a.toml", "check", FIXTURE]) == 2
    assert "reads no settings file" in capsys.readouterr().err
