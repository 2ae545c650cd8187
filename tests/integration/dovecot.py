"""A private, real Dovecot IMAP server for integration tests.

`DovecotServer` runs `dovecot -F` with its own configuration in a `dc-XXXX` folder under
/dev/shm (or /tmp when that is small): plain IMAP on 127.0.0.1 and a free port, mail
stored as Debian's `mail` user, no auth penalty, MOVE and UIDPLUS in the greeting;
IMAPS and STARTTLS with a self-signed certificate made for the session.
`DovecotServer.new_mailbox()` adds a fresh user and returns a `DovecotMailbox`, the
object the `dovecot` fixture yields.

Requirements (scripts/install-dovecot.sh installs the package): the
`dovecot-imapd` package and root, since mail access runs as uid 8 (`mail`).
"""

from __future__ import annotations

import contextlib
import ctypes
import imaplib
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.edges.mail.imap import ImapConfig

MAIL_UID = 8  # Debian's `mail` user and group: Dovecot refuses to open mail as root.
MAIL_GID = 8
_START_TIMEOUT = 10.0


class DovecotUnavailable(Exception):
    """Dovecot cannot run here (not installed, or not root); the reason says which."""


def unavailable_reason() -> str | None:
    """Why a private Dovecot cannot run on this machine, or None when it can."""
    if shutil.which("dovecot") is None or shutil.which("doveadm") is None:
        return "dovecot is not installed (run scripts/install-dovecot.sh)"
    if os.geteuid() != 0:
        return "a private dovecot needs root (mail access runs as the `mail` user, uid 8)"
    return None


def _scratch_dir() -> str:
    """/dev/shm when it is a roomy tmpfs, else /tmp.

    Creating 10,000 message files on a busy disk took 25 s here, 0.3 s on tmpfs; but a
    container's /dev/shm may be 64 MB, too small for the 50 MB message test.
    """
    with contextlib.suppress(OSError):
        stats = os.statvfs("/dev/shm")
        if stats.f_bavail * stats.f_frsize >= 1024**3 and os.access("/dev/shm", os.W_OK):
            return "/dev/shm"
    return "/tmp"


def _make_certificate(cert: Path, key: Path) -> None:
    """A self-signed certificate for localhost and 127.0.0.1 (openssl comes with Dovecot)."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_uid = mail
mail_gid = mail
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
imap_capability = +MOVE UIDPLUS
# Any user name logs in with the session's password, so a test gets a fresh user
# without editing a file Dovecot may have cached (passwd-file reloads by mtime only).
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


class DovecotServer:
    """One private Dovecot process; start it once per test session.

    Attributes: `root` (its folder), `host`, `port` (plain IMAP, STARTTLS offered),
    `tls_port` (IMAPS), `ca_file` (the self-signed certificate to trust, for localhost
    and 127.0.0.1), `password` (every user's), `config_path`.
    Methods: `start()`, `stop()`, `restart()`, `sessions_frozen()` (a context manager),
    `new_mailbox()`, `doveadm(*args)`.
    """

    def __init__(self) -> None:
        reason = unavailable_reason()
        if reason:
            raise DovecotUnavailable(reason)
        # Not pytest's tmp_path: Dovecot's processes must enter the folder, and
        # base_dir's socket paths must stay under the 108-byte unix limit.
        self.root = Path(tempfile.mkdtemp(prefix="dc-", dir=_scratch_dir()))
        self.root.chmod(0o755)
        self.host = "127.0.0.1"
        self.port = free_port()
        self.tls_port = free_port()
        self.ca_file = self.root / "cert.pem"
        self.config_path = self.root / "dovecot.conf"
        self._process: subprocess.Popen[bytes] | None = None
        self._users = itertools.count(1)
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", MAIL_UID, MAIL_GID)
        self.password = secrets.token_urlsafe(12)
        _make_certificate(self.ca_file, self.root / "key.pem")
        self.config_path.write_text(
            _CONFIG.format(
                root=self.root,
                port=self.port,
                tls_port=self.tls_port,
                uid=MAIL_UID,
                gid=MAIL_GID,
                password=self.password,
            )
        )

    # ------------------------------------------------------------- process

    def start(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start; see {self.root / 'dovecot.log'}")
            with contextlib.suppress(OSError):
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on port {self.port} within {_START_TIMEOUT}s")

    def stop(self) -> None:
        """Stop Dovecot now, connected sessions included (well under a second).

        Left alone, Dovecot lets a connected imap process linger up to 10 s and its log
        process wait a few more; so while the master shuts down, every process below it
        (found by parent pid, again until the master is gone, since it may still be
        starting some) is killed. A connected client sees its connection drop at once.
        """
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        killed: set[int] = set()
        while process.poll() is None:
            for pid in _descendants(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                    killed.add(pid)
            if time.monotonic() > deadline:
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.02)
        # Orphans still holding the listening socket would delay the next start's bind.
        while any(_alive(pid) for pid in killed) and time.monotonic() < deadline:
            time.sleep(0.01)

    def restart(self) -> None:
        self.stop()
        self.start()

    @contextlib.contextmanager
    def sessions_frozen(self) -> Iterator[None]:
        """Inside the block, every connected imap session stops answering (SIGSTOP).

        The connections stay open, so a client waits until its socket timeout: the
        way to test a server that hangs. The sessions resume (SIGCONT) afterwards.
        """
        master = self._process.pid if self._process else None
        pids = [p for p in _descendants(master) if _command_name(p) == "imap"] if master else []
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # ---------------------------------------------------------------- users

    def new_mailbox(self) -> DovecotMailbox:
        """A fresh user with an empty INBOX (a fresh user per test keeps tests independent)."""
        user = f"user{next(self._users)}"
        maildir = self.root / "mail" / user
        for sub in ("", "cur", "new", "tmp"):
            (maildir / sub).mkdir(exist_ok=True)
            os.chown(maildir / sub, MAIL_UID, MAIL_GID)
        return DovecotMailbox(self, user, self.password, maildir)

    def doveadm(self, *args: str, stdin: bytes | None = None) -> str:
        result = subprocess.run(
            ["doveadm", "-c", str(self.config_path), *args],
            input=stdin,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"doveadm {' '.join(args)} failed ({result.returncode}): "
                f"{result.stderr.decode(errors='replace').strip()}"
            )
        return result.stdout.decode(errors="replace")


@dataclass
class DovecotMailbox:
    """One user's mailbox on the session's Dovecot: what the `dovecot` fixture yields.

    - `host`, `port`, `user`, `password`: log in with plain IMAP on loopback
      (STARTTLS is offered too); `tls_port` and `ca_file` for IMAPS.
    - `maildir`: the user's Maildir (INBOX at its root, folders as `.Name`).
    - `deliver(eml_bytes, folder="INBOX") -> int`: deliver as the MTA would
      (`doveadm save`); creates the folder if needed; returns the new message's UID.
    - `deliver_many(messages)`: write many messages straight into `new/` as the mail
      user, then let Dovecot index them (fast: 10,000 in a few seconds).
    - `uids(folder="INBOX") -> list[int]`: UIDs currently in a folder, ascending.
    - `flags(uid, folder="INBOX") -> set[str]`: a message's flags and keywords.
    - `expunge(uid, folder="INBOX")`: remove a message, as another client might.
    - `uidvalidity(folder="INBOX") -> int`.
    - `reset_uidvalidity(folder="INBOX") -> int`: set UIDVALIDITY to a new value
      (old + 1) as a server rebuild would; returns the new value.
    - `restart()`: restart the whole server now (connected clients lose their
      connection at once; well under 1 s); `stop()` / `start()`.
    - `sessions_frozen()`: a context manager inside which connected IMAP sessions
      stop answering (a hung server: clients hit their socket timeout).
    - `folders() -> list[str]`: the user's folders.
    - `imap_config(**overrides) -> ImapConfig`: intake's login to this mailbox (plain
      IMAP on loopback, 10 s timeout); `overrides` replace any field.
    - `write_intake_config(folder, own_address=…, timeout_seconds=…) -> Path`: an
      intake.toml polling this mailbox (state in `folder/state`, the password in a file).
    """

    server: DovecotServer
    user: str
    password: str
    maildir: Path

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def tls_port(self) -> int:
        return self.server.tls_port

    @property
    def ca_file(self) -> Path:
        return self.server.ca_file

    def imap_config(self, **overrides: Any) -> ImapConfig:
        settings: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": "plain",
            "username": self.user,
            "password": self.password,
            "timeout_seconds": 10.0,
        }
        return ImapConfig(**{**settings, **overrides})

    def write_intake_config(
        self, folder: Path, *, own_address: str, timeout_seconds: float
    ) -> Path:
        password = folder / "imap-password"
        password.write_text(self.password)
        config = folder / "intake.toml"
        config.write_text(
            f'state_dir = "{folder / "state"}"\n'
            f'own_address = "{own_address}"\n'
            "[source]\n"
            'kind = "imap"\n'
            "[source.imap]\n"
            f'host = "{self.host}"\n'
            f"port = {self.port}\n"
            'security = "plain"\n'
            f'username = "{self.user}"\n'
            f'password_file = "{password}"\n'
            f"timeout_seconds = {timeout_seconds}\n"
        )
        return config

    def deliver(self, eml_bytes: bytes, folder: str = "INBOX") -> int:
        if folder != "INBOX" and folder not in self.folders():
            self.server.doveadm("mailbox", "create", "-u", self.user, folder)
        self.server.doveadm("save", "-u", self.user, "-m", folder, stdin=eml_bytes)
        return max(self.uids(folder))

    def deliver_many(self, messages: Iterable[bytes]) -> int:
        """Drop messages into INBOX's `new/` and index them; returns how many."""
        new = self.maildir / "new"
        stamp = int(time.time())
        count = 0
        for count, data in enumerate(messages, start=1):
            name = new / f"{stamp}.M{count}P{os.getpid()}.intake-test"
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, data)
                os.fchown(fd, MAIL_UID, MAIL_GID)
            finally:
                os.close(fd)
        self.server.doveadm("force-resync", "-u", self.user, "INBOX")
        return count

    def uids(self, folder: str = "INBOX") -> list[int]:
        out = self.server.doveadm("search", "-u", self.user, "mailbox", folder, "ALL")
        return sorted(int(line.split()[1]) for line in out.splitlines() if line.strip())

    def expunge(self, uid: int, folder: str = "INBOX") -> None:
        """Remove a message at once, as another mail client might."""
        self.server.doveadm("expunge", "-u", self.user, "mailbox", folder, "uid", str(uid))

    def flags(self, uid: int, folder: str = "INBOX") -> set[str]:
        out = self.server.doveadm(
            "fetch", "-u", self.user, "flags", "mailbox", folder, "uid", str(uid)
        )
        text = out.strip()
        if not text:
            raise LookupError(f"no UID {uid} in {folder}")
        return set(text.removeprefix("flags:").split())

    def uidvalidity(self, folder: str = "INBOX") -> int:
        out = self.server.doveadm(
            "-f", "flow", "mailbox", "status", "-u", self.user, "uidvalidity", folder
        )
        return int(out.split("=", 1)[1])

    def reset_uidvalidity(self, folder: str = "INBOX") -> int:
        new = self.uidvalidity(folder) + 1
        self.server.doveadm(
            "mailbox", "update", "-u", self.user, "--uid-validity", str(new), folder
        )
        return new

    def folders(self) -> list[str]:
        out = self.server.doveadm("mailbox", "list", "-u", self.user)
        return [line.strip() for line in out.splitlines() if line.strip()]

    def restart(self) -> None:
        self.server.restart()

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server.start()

    def sessions_frozen(self) -> contextlib.AbstractContextManager[None]:
        return self.server.sessions_frozen()


@contextlib.contextmanager
def imap_commands_sent() -> Iterator[list[str]]:
    """Inside the block, every IMAP command any client sends, as "NAME" or "UID SUBCOMMAND".

    Wraps imaplib's single send path (`IMAP4._command`, which imap-tools uses too); the
    real server still answers each command. For tests and benchmarks that count what a
    poll costs: the list grows as commands go out.
    """
    sent: list[str] = []
    original: Callable[..., Any] = imaplib.IMAP4._command  # type: ignore[attr-defined]

    def counting(self: imaplib.IMAP4, name: str, *args: Any) -> Any:
        sent.append(f"{name} {args[0]}".upper() if name == "UID" else name.upper())
        return original(self, name, *args)

    imaplib.IMAP4._command = counting  # type: ignore[attr-defined]
    try:
        yield sent
    finally:
        imaplib.IMAP4._command = original  # type: ignore[attr-defined]


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the test process dies, even by kill -9,
    so an interrupted test run leaves no Dovecot behind (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, does not count)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _descendants(pid: int) -> list[int]:
    """Pids of every process below `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            # "pid (comm) state ppid ...": comm may hold spaces; split after its ")".
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found
