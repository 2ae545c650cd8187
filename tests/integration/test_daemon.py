"""`intake run` as systemd runs it, without systemd: the test binds the notify socket.

Each test starts `python -m intake run` over a Maildir (or an IMAP port nobody listens
on), reads the datagrams systemd would, and signals the process as systemd would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.edges.mail.maildir import deliver
from tests.integration.dovecot import DovecotMailbox

PROJECT = Path(__file__).resolve().parents[2]
SECRET = "Sup3r-Secret-Pw-4711"


def _email(sender: str, filename: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jane Doe <{sender}>"
    message["To"] = "ecf-training@canb.uscourts.gov"
    message["Subject"] = "waiver"
    message["Message-ID"] = f"<{filename}.{sender}>"
    message.set_content("attached")
    data = b"not really a PDF: " + filename.encode()  # no PDF reader runs: fast
    message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return bytes(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Daemon:
    process: subprocess.Popen[bytes]
    sock: socket.socket
    state: Path
    log: Path
    received: list[tuple[float, str]] = field(default_factory=list)

    def read_until(self, wanted: Callable[[str], bool], timeout: float = 10.0) -> str:
        """Datagrams until one satisfies `wanted`; all are kept in `received`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                data = self.sock.recv(65536).decode()
            except TimeoutError:
                break
            self.received.append((time.monotonic(), data))
            if wanted(data):
                return data
        raise AssertionError(
            f"no such notification within {timeout}s; got {[d for _, d in self.received]}; "
            f"stderr so far: {self.stop_and_log()}"
        )

    def stop_and_log(self) -> str:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        return self.log.read_text(errors="replace")


@pytest.fixture
def workdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(dir="/tmp", prefix="intake-daemon-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


DB = "intake.sqlite3"
FAST = "poll_interval_seconds = 1\ndigest_cron = ''\n"


def start(
    workdir: Path,
    config: str,
    *,
    watchdog_usec: int = 1_000_000,
    extra: str = "",
    daemon: str = FAST,
) -> Daemon:
    path = workdir / "intake.toml"
    path.write_text(f'state_dir = "{workdir / "state"}"\n{extra}\n[daemon]\n{daemon}{config}')
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = str(workdir / "notify")
    with contextlib.suppress(FileNotFoundError):  # a daemon started before in this folder
        os.unlink(address)
    sock.bind(address)
    log = workdir / "stderr.log"
    stderr = log.open("wb")
    # As under systemd: $JOURNAL_STREAM names our stderr (device:inode), so no timestamps.
    status = os.fstat(stderr.fileno())
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INTAKE_", "NOTIFY_", "WATCHDOG_", "JOURNAL_"))
    }
    env |= {
        "NOTIFY_SOCKET": address,
        "WATCHDOG_USEC": str(watchdog_usec),
        "JOURNAL_STREAM": f"{status.st_dev}:{status.st_ino}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "intake", "run", "--config", str(path)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    stderr.close()
    return Daemon(process, sock, workdir / "state", log)


def _maildir_config(workdir: Path) -> str:
    mail = workdir / "mail"
    deliver(mail, _email("jane@example.com", "letter.pdf"))
    deliver(mail, _email("jane@example.com", "nef1.pdf"))
    return f'[source]\nkind = "maildir"\nmaildir = "{mail}"\n'


def test_ready_status_watchdog_and_a_clean_stop(workdir: Path) -> None:
    daemon = start(workdir, "", extra=_maildir_config(workdir))
    ready = daemon.read_until(lambda d: "READY=1" in d)
    assert "STATUS=polling every 1s" in ready
    status = daemon.read_until(lambda d: d.startswith("STATUS=last poll"))
    assert "2 fetched, 2 processed" in status
    # Pings at half of WATCHDOG_USEC (1 s): about every 0.5 s.
    daemon.read_until(lambda d: d == "WATCHDOG=1")
    first = daemon.received[-1][0]
    daemon.read_until(lambda d: d == "WATCHDOG=1")
    second = daemon.received[-1][0]
    assert 0.3 < second - first < 0.9

    daemon.process.send_signal(signal.SIGTERM)
    daemon.read_until(lambda d: d.startswith("STOPPING=1"))
    assert daemon.process.wait(timeout=10) == 0
    log = daemon.stop_and_log()
    assert "<6>INFO intake.service.daemon: poll: 2 fetched" in log
    assert "stopped" in log
    with sqlite3.connect(daemon.state / "intake.sqlite3") as db:
        polls = db.execute("SELECT ok, result FROM polls ORDER BY id").fetchall()
        requests = db.execute("SELECT count(*) FROM requests").fetchone()[0]
    assert polls[0] == (1, polls[0][1]) and "2 processed" in polls[0][1]
    assert requests == 1


def test_sighup_with_broken_rules_keeps_the_old_ones_and_says_why(workdir: Path) -> None:
    rules = workdir / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    daemon = start(workdir, "", extra=f'rules_dir = "{rules}"\n' + _maildir_config(workdir))
    daemon.read_until(lambda d: "READY=1" in d)
    daemon.read_until(lambda d: d.startswith("STATUS=last poll"))

    (rules / "nef.toml").write_text("required_count = [unclosed\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.read_until(lambda d: d == "RELOADING=1")
    after = daemon.read_until(lambda d: "READY=1" in d)
    assert "reload failed, running with the previous configuration" in after
    # Still polling with the old rules.
    deliver(workdir / "mail", _email("bob@example.com", "nef2.pdf"))
    daemon.read_until(lambda d: "1 fetched, 1 processed" in d)

    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=10) == 0
    log = daemon.stop_and_log()
    assert "reload failed, keeping the previous configuration" in log
    assert "nef.toml" in log


def test_failing_polls_raise_one_alert_and_status_shows_it(workdir: Path) -> None:
    password = workdir / "imap-password"
    password.write_text(SECRET)
    config = (
        "[source]\nkind = 'imap'\n[source.imap]\nhost = '127.0.0.1'\n"
        f"port = {_free_port()}\nsecurity = 'plain'\nusername = 'intake'\n"
        f"password_file = '{password}'\ntimeout_seconds = 2\n"
    )
    alerts = "[alerts]\nafter_failures = 2\noperator_address = 'ops@example.org'\n"
    daemon = start(workdir, config + alerts)
    daemon.read_until(lambda d: "READY=1" in d)
    first = daemon.read_until(lambda d: d.startswith("STATUS="))
    assert "FAILED: the mail source is unreachable" in first
    alert = daemon.read_until(lambda d: d.startswith("STATUS=ALERT"))
    assert "2 polls failed in a row" in alert
    daemon.read_until(lambda d: d.startswith("STATUS=ALERT: 4 polls failed"))

    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=10) == 0
    log = daemon.stop_and_log()
    assert SECRET not in log
    with sqlite3.connect(daemon.state / "intake.sqlite3") as db:
        rows = db.execute("SELECT to_address, subject, status FROM outbox WHERE kind = 'alert'")
        alerts_queued = rows.fetchall()
        failed_polls = db.execute("SELECT count(*) FROM polls WHERE ok = 0").fetchone()[0]
    assert len(alerts_queued) == 1
    to_address, subject, status = alerts_queued[0]
    assert to_address == "ops@example.org"
    assert "2 polls" in subject
    assert status == "sent"  # through the default sink, the outbox folder
    assert failed_polls >= 4
    assert len(list((daemon.state / "outbox").glob("*.eml"))) == 1


def test_a_broken_configuration_at_start_exits_2_and_says_where(workdir: Path) -> None:
    daemon = start(workdir, "poll_interval_seconds_typo = 3\n")
    assert daemon.process.wait(timeout=20) == 2
    log = daemon.stop_and_log()
    assert "cannot start" in log
    assert "daemon.poll_interval_seconds_typo: unknown key" in log
    daemon.sock.settimeout(0.1)
    with pytest.raises(TimeoutError):
        daemon.sock.recv(100)  # never READY


UNIT = PROJECT / "config" / "intake.service"


def _directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_asks_for_what_the_daemon_does() -> None:
    unit = _directives(UNIT.read_text())
    assert unit["Type"] == ["notify"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["DynamicUser"] == ["yes"]
    assert unit["StateDirectory"] == ["intake"]
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["PrivateTmp"] == ["yes"]
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["CapabilityBoundingSet"] == [""]
    # The default settings need no secret, so the unit starts as shipped: every credential
    # line is there to uncomment, none is active (a missing file would fail the unit).
    assert "LoadCredential" not in unit
    assert "#LoadCredential=imap-password:/etc/intake/imap-password" in UNIT.read_text()
    assert unit["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert unit["ExecStart"] == [
        "/opt/intake/.venv/bin/intake run --config /etc/intake/intake.toml"
    ]
    assert int(unit["WatchdogSec"][0]) > 0


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_verify_finds_nothing_to_say(workdir: Path) -> None:
    # verify checks that ExecStart exists: point it at this venv's intake.
    intake = Path(sys.executable).parent / "intake"
    text = UNIT.read_text().replace("/opt/intake/.venv/bin/intake", str(intake))
    unit = workdir / "intake.service"
    unit.write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # It exits 0 on unknown keys and bad values too: only silence means a clean unit.
    assert done.stderr.strip() == ""


def test_imap_idle_brings_new_mail_in_within_seconds(
    workdir: Path, dovecot: DovecotMailbox
) -> None:
    password = workdir / "imap-password"
    password.write_text(dovecot.password)
    config = (
        "[source]\nkind = 'imap'\n[source.imap]\n"
        f"host = '{dovecot.host}'\nport = {dovecot.port}\nsecurity = 'plain'\n"
        f"username = '{dovecot.user}'\npassword_file = '{password}'\n"
    )
    # A poll interval far longer than the test: only IDLE can bring the mail in.
    slow = "poll_interval_seconds = 600\ndigest_cron = ''\nidle = true\n"
    daemon = start(workdir, config, daemon=slow)
    daemon.read_until(lambda d: "READY=1" in d)
    daemon.read_until(lambda d: "0 fetched" in d)
    time.sleep(1.0)  # the IDLE session is up (it only reports mail that arrives during IDLE)
    delivered = time.monotonic()
    dovecot.deliver(_email("jane@example.com", "nef3.pdf"))
    daemon.read_until(lambda d: "1 fetched, 1 processed" in d, timeout=15)
    assert time.monotonic() - delivered < 10
    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=10) == 0
    assert "IDLE: new mail announced" in daemon.stop_and_log()


def test_sigterm_stops_a_long_poll_between_messages_and_the_next_start_takes_the_rest(
    workdir: Path,
) -> None:
    mail = workdir / "mail"
    count = 400
    for n in range(count):
        deliver(mail, _email(f"attorney{n}@example.com", f"nef{n}.pdf"))
    # 400 attorneys of one domain: the per-domain reply cap (50 a day) is turned off.
    config = (
        f'[source]\nkind = "maildir"\nmaildir = "{mail}"\n[reply]\ndaily_limit_per_domain = 0\n'
    )
    slow = "poll_interval_seconds = 600\ndigest_cron = ''\n"
    daemon = start(workdir, config, daemon=slow)
    daemon.read_until(lambda d: "READY=1" in d)
    database = daemon.state / "intake.sqlite3"
    _wait_for_rows(daemon, "messages", 5)  # the first poll is under way
    signalled = time.monotonic()
    daemon.process.send_signal(signal.SIGTERM)
    daemon.read_until(lambda d: d.startswith("STOPPING=1"))
    assert daemon.process.wait(timeout=60) == 0
    # Between two messages, not after the backlog (a few hundred took ~10 s here).
    assert time.monotonic() - signalled < 3
    with sqlite3.connect(database) as db:
        polls = db.execute("SELECT ok, result FROM polls").fetchall()
        handled = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    assert 0 < handled < count
    assert polls == [(1, polls[0][1])]
    assert f"stopped early: {count - handled} left for the next poll" in polls[0][1]
    log = daemon.stop_and_log()
    assert log.index("stopping:") < log.index("INFO intake.service.daemon: stopped")

    # The next start takes the rest: every email once, every reply once.
    again = start(workdir, config, daemon=slow)
    again.read_until(lambda d: "READY=1" in d)
    again.read_until(lambda d: f"{count - handled} fetched" in d, timeout=60)
    _wait_for_rows(again, "outbox WHERE status = 'sent'", count)
    again.process.send_signal(signal.SIGTERM)
    assert again.process.wait(timeout=10) == 0
    with sqlite3.connect(database) as db:
        uids = [u for (u,) in db.execute("SELECT uid FROM messages ORDER BY uid")]
        replies = db.execute(
            "SELECT count(*), count(DISTINCT request_id) FROM outbox WHERE kind = 'reply'"
        ).fetchone()
    assert uids == list(range(1, count + 1))
    assert replies == (count, count)
    assert len(list((daemon.state / "outbox").glob("*.eml"))) == count


def _wait_for_rows(daemon: Daemon, table: str, count: int, timeout: float = 30.0) -> None:
    """Until `table` holds `count` rows, reading the daemon's notifications meanwhile (a
    unix datagram socket queues ten: an unread one would block the daemon's pings)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(sqlite3.Error), sqlite3.connect(daemon.state / DB) as db:
            if db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= count:
                return
        daemon.sock.settimeout(0.05)
        with contextlib.suppress(TimeoutError):
            daemon.received.append((time.monotonic(), daemon.sock.recv(65536).decode()))
    raise AssertionError(f"{table} never held {count} rows")


def _drain(daemon: Daemon, seconds: float) -> None:
    """Wait `seconds` reading the daemon's notifications (ten unread ones block it)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        daemon.sock.settimeout(max(left, 0.001))
        with contextlib.suppress(TimeoutError):
            daemon.received.append((time.monotonic(), daemon.sock.recv(65536).decode()))


def test_imap_idle_catches_up_after_a_server_restart(
    workdir: Path, dovecot: DovecotMailbox
) -> None:
    password = workdir / "imap-password"
    password.write_text(dovecot.password)
    config = (
        "[source]\nkind = 'imap'\n[source.imap]\n"
        f"host = '{dovecot.host}'\nport = {dovecot.port}\nsecurity = 'plain'\n"
        f"username = '{dovecot.user}'\npassword_file = '{password}'\n"
    )
    # Only IDLE can bring the mail in before the 600 s interval poll.
    slow = "poll_interval_seconds = 600\ndigest_cron = ''\nidle = true\n"
    daemon = start(workdir, config, daemon=slow)
    daemon.read_until(lambda d: "READY=1" in d)
    daemon.read_until(lambda d: "0 fetched" in d)
    _drain(daemon, 1.0)  # the IDLE session is up
    # The mail arrives while the server is down: no IDLE session can announce it.
    dovecot.server.stop()
    dropped = dovecot.maildir / "new" / f"{int(time.time())}.M1P1.while-down"
    dropped.write_bytes(_email("jane@example.com", "nef9.pdf"))
    os.chown(dropped, 8, 8)
    _drain(daemon, 2.0)
    dovecot.server.start()
    back = time.monotonic()
    outbox = daemon.state / "outbox"
    while not list(outbox.glob("*.eml")) and time.monotonic() - back < 20:
        _drain(daemon, 0.05)
    delivery_to_reply = time.monotonic() - back
    assert list(outbox.glob("*.eml")), daemon.stop_and_log()
    assert delivery_to_reply < 10  # seconds, not the 600 s interval
    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=15) == 0
    log = daemon.stop_and_log()
    assert "IDLE: the session is back; polling now" in log
    assert "1 fetched, 1 processed" in log


def _dovecot_disconnects(dovecot: DovecotMailbox, count: int, timeout: float = 10.0) -> list[str]:
    """The user's 'Disconnected' lines in Dovecot's log, once there are `count` of them."""
    log = dovecot.server.root / "dovecot.log"
    deadline = time.monotonic() + timeout
    while True:
        lines = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if f"imap({dovecot.user})" in line and "Disconnected" in line
        ]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_sigterm_ends_the_idle_session_with_logout(workdir: Path, dovecot: DovecotMailbox) -> None:
    password = workdir / "imap-password"
    password.write_text(dovecot.password)
    config = (
        "[source]\nkind = 'imap'\n[source.imap]\n"
        f"host = '{dovecot.host}'\nport = {dovecot.port}\nsecurity = 'plain'\n"
        f"username = '{dovecot.user}'\npassword_file = '{password}'\n"
    )
    daemon = start(
        workdir, config, daemon="poll_interval_seconds = 600\ndigest_cron = ''\nidle = true\n"
    )
    daemon.read_until(lambda d: "READY=1" in d)
    daemon.read_until(lambda d: "0 fetched" in d)
    time.sleep(1.0)  # the IDLE session is up and waiting
    signalled = time.monotonic()
    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=10) == 0
    assert time.monotonic() - signalled < 5  # one stop tick plus DONE and LOGOUT
    log = daemon.stop_and_log()
    assert "IDLE: stopped" in log
    assert log.index("IDLE: stopped") < log.index("INFO intake.service.daemon: stopped")
    # Two sessions (the poll's, then IDLE's), and both said LOGOUT: Dovecot logs
    # "Logged out" for that, "Connection closed" for a session that just went away.
    disconnects = _dovecot_disconnects(dovecot, 2)
    assert len(disconnects) == 2, disconnects
    assert all("Logged out" in line for line in disconnects), disconnects


def test_sighup_refuses_a_template_that_compiles_but_cannot_render(workdir: Path) -> None:
    templates = workdir / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    extra = f'[reply]\ntemplates_dir = "{templates}"\n'
    daemon = start(workdir, "", extra=_maildir_config(workdir) + extra)
    daemon.read_until(lambda d: "READY=1" in d)
    daemon.read_until(lambda d: d.startswith("STATUS=last poll"))

    broken = templates / "reply" / "incomplete.txt.j2"
    lines = broken.read_text().splitlines(keepends=True)
    lines.insert(3, "{{ attorney_nmae }}\n")  # line 4: compiles, cannot render
    broken.write_text("".join(lines))
    daemon.process.send_signal(signal.SIGHUP)
    after = daemon.read_until(lambda d: "READY=1" in d and "reload" in d)
    assert "reload failed, running with the previous configuration" in after
    # Still answering with the previous set.
    deliver(workdir / "mail", _email("bob@example.com", "nef2.pdf"))
    daemon.read_until(lambda d: "1 fetched, 1 processed" in d)
    daemon.process.send_signal(signal.SIGTERM)
    assert daemon.process.wait(timeout=10) == 0
    log = daemon.stop_and_log()
    assert f"template {broken}, line 4: 'attorney_nmae' is undefined" in log
    with sqlite3.connect(daemon.state / DB) as db:
        replies = db.execute("SELECT count(*) FROM outbox WHERE kind = 'reply'").fetchone()[0]
    assert replies == 3  # the two first emails and bob's: none lost
