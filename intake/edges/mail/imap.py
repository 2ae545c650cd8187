"""The court's IMAP mailbox as a `MailSource`, over imap-tools.

One `ImapSource` is one IMAP session: `with ImapSource(config) as source:` logs in and
selects the folder; leaving the block logs out. A poll with no new mail costs five
commands however large the mailbox: CAPABILITY (imaplib sends it on connect), LOGIN,
SELECT, UID SEARCH and LOGOUT. UIDVALIDITY comes from the SELECT response, and the
post-login capabilities (MOVE, UIDPLUS) from the LOGIN response.

Every failure (refused connection, timeout, dropped connection, an IMAP NO/BAD) becomes a
`SourceError` naming the server and what was being done. After a connection-level failure
the session is closed; open a new one (a new `with` block) to try again. The password is
never logged nor put in an error message.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import imaplib
import ipaddress
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError
from imap_tools.mailbox import BaseMailBox
from imap_tools.utils import encode_folder

from intake.edges.mail.source import MessageRef, RawMessage, SourceError

log = logging.getLogger(__name__)

Security = Literal["tls", "starttls", "plain"]
ProcessedAction = Literal["move", "keyword"]
T = TypeVar("T")
Response = tuple[str, list[Any]]  # imaplib's (status, data)

# RFC 3501: UIDs are non-zero 32-bit unsigned integers.
MAX_UID = 2**32 - 1

# How many UIDs go into one `UID FETCH ... (RFC822.SIZE)` when planning batches.
_SIZE_QUERY_CHUNK = 1000


@dataclass(frozen=True)
class ImapConfig:
    """How to reach the court's mailbox and what to do with handled messages.

    `password` is read by the caller from a file or a systemd credential; it is kept
    out of `repr` so that logging a config never shows it.
    """

    host: str
    username: str
    password: str = field(repr=False)
    port: int | None = None  # None: 993 for tls, 143 for starttls and plain
    security: Security = "tls"
    folder: str = "INBOX"
    processed_action: ProcessedAction = "move"
    # Top-level names work whatever the server's hierarchy separator is. A nested name
    # ("Intake/Processed") is fine too: missing parents are created first, so they do
    # not end up as \Noselect placeholders.
    processed_folder: str = "Processed"
    failed_folder: str = "Failed"
    processed_keyword: str = "$IntakeProcessed"
    failed_keyword: str = "$IntakeFailed"
    timeout_seconds: float = 60.0
    batch_size: int = 50
    # A batch also stops growing at this many bytes (one larger message goes alone).
    batch_bytes: int = 100 * 1024 * 1024
    # Sent as SEARCH CHARSET; when a server rejects it (Exchange, Yahoo: a BAD, or a NO
    # that names the charset) the search is retried, and later ones sent, without one.
    # None sends no CHARSET at all.
    search_charset: str | None = "UTF-8"
    # "xoauth2": `password` holds an OAuth2 access token (Microsoft 365, Gmail).
    auth: Literal["password", "xoauth2"] = "password"
    # Extra CA bundle for a court server with a private certificate authority.
    tls_ca_file: Path | None = None

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("IMAP host is empty")
        if self.security not in ("tls", "starttls", "plain"):
            raise ValueError(f"IMAP security must be tls, starttls or plain, not {self.security!r}")
        if self.security == "plain" and not is_loopback(self.host):
            raise ValueError(
                f"IMAP security 'plain' sends the password unencrypted and is allowed only "
                f"to a loopback host (127.0.0.1, ::1, localhost), not {self.host!r}; "
                f"use 'tls' or 'starttls'"
            )
        if self.port is not None and not 0 < self.port < 65536:
            raise ValueError(f"IMAP port must be 1-65535, not {self.port}")
        if self.processed_action not in ("move", "keyword"):
            raise ValueError(
                f"processed_action must be 'move' or 'keyword', not {self.processed_action!r}"
            )
        if self.processed_action == "move" and self.folder in (
            self.processed_folder,
            self.failed_folder,
        ):
            raise ValueError("the processed/failed folder must differ from the polled folder")
        for name in (self.processed_keyword, self.failed_keyword):
            if not _KEYWORD.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid IMAP keyword")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if self.batch_size < 1 or self.batch_bytes < 1:
            raise ValueError("batch_size and batch_bytes must be at least 1")

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 993 if self.security == "tls" else 143


# A Message-ID that goes into SEARCH as a quoted string as is: printable ASCII without
# the quoted-string specials. Any other is looked up by the hash of the bytes alone.
_SEARCHABLE_MESSAGE_ID = re.compile(r"[!#-\[\]-~]{1,900}")

# atom-chars of RFC 3501 (no specials, no wildcards, no backslash).
_KEYWORD = re.compile(r"[!#$&'+\-.0-9:;<=>?@A-Z^_`a-z|~]+")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plan_batches(
    sizes: Sequence[tuple[int, int]], max_count: int, max_bytes: int
) -> list[list[int]]:
    """Group (uid, size) pairs, in order, into batches bounded by count and bytes.

    A message larger than `max_bytes` forms a batch of its own, so nothing is skipped.
    """
    batches: list[list[int]] = []
    current: list[int] = []
    current_bytes = 0
    for uid, size in sizes:
        if current and (len(current) >= max_count or current_bytes + size > max_bytes):
            batches.append(current)
            current, current_bytes = [], 0
        current.append(uid)
        current_bytes += size
    if current:
        batches.append(current)
    return batches


def parse_search(data: Sequence[bytes | None]) -> list[int]:
    """UIDs from the untagged SEARCH lines of a UID SEARCH response."""
    return [int(token) for line in data if line for token in line.split()]


_UID_ITEM = re.compile(rb"UID (\d+)")
_SIZE_ITEM = re.compile(rb"RFC822\.SIZE (\d+)")


def parse_sizes(data: Sequence[bytes | tuple[bytes, bytes] | None]) -> list[tuple[int, int]]:
    """(uid, size) pairs from a `UID FETCH ... (UID RFC822.SIZE)` response."""
    pairs: list[tuple[int, int]] = []
    for item in data:
        if not isinstance(item, bytes):
            continue
        uid, size = _UID_ITEM.search(item), _SIZE_ITEM.search(item)
        if uid and size:
            pairs.append((int(uid.group(1)), int(size.group(1))))
    return pairs


def parse_bodies(data: Sequence[bytes | tuple[bytes, bytes] | None]) -> list[tuple[int, bytes]]:
    """(uid, full message) pairs from a `UID FETCH ... (UID BODY.PEEK[])` response.

    imaplib hands each message back as a (prefix, literal) tuple followed by the bytes
    that closed the response; the UID sits in the prefix on most servers, after the
    literal on some, so both are looked at. Unsolicited FLAGS updates are ignored.
    """
    found: list[tuple[int, bytes]] = []
    for index, item in enumerate(data):
        if not isinstance(item, tuple) or b"BODY[]" not in item[0]:
            continue
        prefix, body = item
        match = _UID_ITEM.search(prefix)
        if match is None and index + 1 < len(data):
            trailer = data[index + 1]
            match = _UID_ITEM.search(trailer) if isinstance(trailer, bytes) else None
        if match is not None:
            found.append((int(match.group(1)), body))
    return found


class ImapSource:
    """A folder of an IMAP mailbox; see the module docstring for the session rules."""

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.folder = config.folder
        self._box: BaseMailBox | None = None
        self._uidvalidity: int | None = None
        self._capabilities: frozenset[str] | None = None
        self._search_charset = config.search_charset
        self._folders_known: set[str] = set()

    # ------------------------------------------------------------------ session

    def __enter__(self) -> Self:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def where(self) -> str:
        return f"IMAP {self.config.host}:{self.config.effective_port}"

    @property
    def connected(self) -> bool:
        return self._box is not None

    def connect(self) -> None:
        """Open the session: connect, LOGIN, SELECT the folder."""
        self.close()
        config = self.config
        log.debug("connecting to %s as %s (%s)", self.where, config.username, config.security)
        try:
            box = self._open_mailbox()
        except (OSError, imaplib.IMAP4.error, ImapToolsError) as exc:
            raise SourceError(f"{self.where}: cannot connect ({config.security}): {exc}") from exc
        self._box = box
        try:
            # LOGIN takes ASCII only; AUTHENTICATE PLAIN carries UTF-8 credentials.
            login: Callable[..., BaseMailBox]
            if config.auth == "xoauth2":
                login = box.xoauth2
            elif (config.username + config.password).isascii():
                login = box.login
            else:
                login = box.login_utf8
            self._run(
                f"login as {config.username!r}",
                lambda: login(config.username, config.password, initial_folder=None),
            )
            # LOGIN's OK usually carries the post-login capabilities; SELECT would
            # flush them, so keep them now rather than ask again later.
            _, announced = box.client.response("CAPABILITY")
            if announced and isinstance(announced[-1], bytes):
                self._capabilities = _capability_set(announced[-1].decode(errors="replace"))
            self._select()
        except SourceError:
            self._drop()
            raise

    def close(self) -> None:
        """LOGOUT if the session is open; a failure to say goodbye is not an error."""
        box, self._box = self._box, None
        self._uidvalidity = None
        self._capabilities = None
        if box is None:
            return
        try:
            box.client.logout()
        except (OSError, imaplib.IMAP4.error, EOFError):
            log.debug("%s: logout failed; the connection had dropped", self.where)
        finally:
            _close_socket(box)

    def _open_mailbox(self) -> BaseMailBox:
        config, timeout = self.config, self.config.timeout_seconds
        port = config.effective_port
        if config.security == "plain":
            return MailBoxUnencrypted(config.host, port, timeout=timeout)
        context = ssl.create_default_context(
            cafile=str(config.tls_ca_file) if config.tls_ca_file else None
        )
        if config.security == "starttls":
            return MailBoxStartTls(config.host, port, timeout=timeout, ssl_context=context)
        return MailBox(config.host, port, timeout=timeout, ssl_context=context)

    def _select(self) -> None:
        box = self._require_box()
        self._ok(f"select folder {self.folder!r}", lambda: box.client.select(_quoted(self.folder)))
        _, values = box.client.response("UIDVALIDITY")
        self._uidvalidity = int(values[0]) if values and values[0] else None

    def _require_box(self) -> BaseMailBox:
        if self._box is None:
            raise SourceError(
                f"{self.where}: not connected (the session was closed or lost; open a new one)"
            )
        return self._box

    def _run(self, what: str, action: Callable[[], T]) -> T:
        """Run one IMAP exchange; turn any failure into a SourceError that says what failed.

        A dropped connection or a timeout closes the session, since the next command
        could not be trusted to line up with its answer.
        """
        try:
            return action()
        except imaplib.IMAP4.readonly as exc:  # a subclass of abort, but not a lost link
            raise SourceError(f"{self.where}: {what} failed, the folder is read-only") from exc
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            self._drop()
            reason = "timed out" if isinstance(exc, TimeoutError) else "connection lost"
            raise SourceError(f"{self.where}: {what} failed, {reason}: {exc}") from exc
        except (imaplib.IMAP4.error, ImapToolsError) as exc:
            raise SourceError(f"{self.where}: {what} failed: {exc}") from exc

    def _command(self, what: str, action: Callable[[], Response]) -> Response:
        """One raw imaplib command; a BAD answer comes back as ("BAD", [text])."""
        try:
            return self._run(what, action)
        except SourceError as exc:
            if self._box is None or not isinstance(exc.__cause__, imaplib.IMAP4.error):
                raise
            return "BAD", [str(exc.__cause__).encode()]

    def _ok(self, what: str, action: Callable[[], Response]) -> list[Any]:
        typ, data = self._command(what, action)
        if typ != "OK":
            raise SourceError(f"{self.where}: {what} failed: {typ} {_text(data)}")
        return data

    def _drop(self) -> None:
        box, self._box = self._box, None
        if box is not None:
            _close_socket(box)

    def offers_idle(self) -> bool:
        """Whether the server offers IDLE (RFC 2177), from its capabilities after login."""
        return "IDLE" in self._server_capabilities()

    def idle_wait(
        self, seconds: float, stop: threading.Event | None = None, tick: float = 1.0
    ) -> bool:
        """IMAP IDLE for up to `seconds`; True when the server announced new mail (EXISTS).

        For the daemon's IDLE thread, on a session of its own (not the poll's). With
        `stop`, the wait looks at it every `tick` seconds and, once set, ends the IDLE
        (DONE) at once, so the thread can LOGOUT and end within about a tick.
        """
        if not self.offers_idle():
            raise SourceError(f"{self.where} does not offer IDLE")
        box = self._require_box()
        deadline = time.monotonic() + seconds

        def watch() -> list[Any]:
            with box.idle as idle:  # IDLE now, DONE on the way out
                while stop is None or not stop.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return []
                    lines: list[Any] = idle.poll(timeout=min(tick, left) if stop else left)
                    if lines:
                        return lines
                    if _peer_closed(box.client.sock):
                        # imap-tools takes an EOF for "nothing yet": without this the
                        # wait would spin until its deadline on a dead connection.
                        raise EOFError("the server closed the connection during IDLE")
                return []

        responses = self._run("IDLE", watch)
        return any(b"EXISTS" in line for line in responses if isinstance(line, bytes))

    # --------------------------------------------------------------- MailSource

    def uidvalidity(self) -> int:
        if self._uidvalidity is None:
            box = self._require_box()
            status = self._run(
                f"status of {self.folder!r}",
                lambda: box.folder.status(self.folder, ["UIDVALIDITY"]),
            )
            self._uidvalidity = int(status["UIDVALIDITY"])
        return self._uidvalidity

    def uids_above(self, last_seen: int) -> list[int]:
        if last_seen >= MAX_UID:
            return []
        criteria = f"UID {max(last_seen, 0) + 1}:*"
        # "n:*" always matches the highest UID, even when it is below n.
        return sorted(uid for uid in parse_search(self._search(criteria)) if uid > last_seen)

    def _search(self, criteria: str, folder: str | None = None) -> list[Any]:
        """UID SEARCH in the selected folder (`folder` names it in errors: default the
        polled one)."""
        box = self._require_box()
        what = f"UID SEARCH {criteria} in {folder or self.folder!r}"
        charset = self._search_charset
        if charset is not None:
            typ, data = self._command(
                what, lambda: box.client.uid("SEARCH", "CHARSET", charset, criteria)
            )
            if typ == "OK":
                return data
            # NO [BADCHARSET] is the standard refusal; Exchange answers a bare BAD
            # ("Command Argument Error"). The criteria are ASCII, so no CHARSET is safe.
            if typ != "BAD" and "charset" not in _text(data).lower():
                raise SourceError(f"{self.where}: {what} failed: {typ} {_text(data)}")
            log.info("%s rejects SEARCH CHARSET %s; searching without one", self.where, charset)
            self._search_charset = None
        return self._ok(what, lambda: box.client.uid("SEARCH", criteria))

    def fetch(self, uids: Sequence[int]) -> Iterator[RawMessage]:
        """Full messages for `uids`, ascending, in batches bounded by count and bytes.

        BODY.PEEK[] leaves \\Seen alone. A UID that no longer exists (expunged by
        another client meanwhile) is simply not yielded.
        """
        wanted = sorted(set(uids))
        if not wanted:
            return
        uidvalidity = self.uidvalidity()
        sizes = self._sizes(wanted)
        for batch in plan_batches(sizes, self.config.batch_size, self.config.batch_bytes):
            # Popped, not iterated: once handed on, a message is held only by its consumer,
            # so a batch's bytes are let go one message at a time, not all at its end.
            pending = self._fetch_batch(batch)
            pending.reverse()
            while pending:
                uid, data = pending.pop()
                yield RawMessage(MessageRef(self.folder, uidvalidity, uid), data)
                del data

    def _sizes(self, uids: Sequence[int]) -> list[tuple[int, int]]:
        box = self._require_box()
        sizes: list[tuple[int, int]] = []
        for start in range(0, len(uids), _SIZE_QUERY_CHUNK):
            uid_set = _uid_set(uids[start : start + _SIZE_QUERY_CHUNK])
            data = self._ok(
                "fetch message sizes",
                functools.partial(box.client.uid, "FETCH", uid_set, "(UID RFC822.SIZE)"),
            )
            sizes.extend(parse_sizes(data))
        return sorted(sizes)

    def _fetch_batch(self, uids: Sequence[int]) -> list[tuple[int, bytes]]:
        box = self._require_box()
        uid_set = _uid_set(uids)
        what = f"fetch of {len(uids)} message(s), UIDs {uids[0]}..{uids[-1]}"
        data = self._ok(what, lambda: box.client.uid("FETCH", uid_set, "(UID BODY.PEEK[])"))
        found = dict(parse_bodies(data))
        return [(uid, found[uid]) for uid in uids if uid in found]

    def mark_processed(self, uid: int) -> None:
        config = self.config
        if config.processed_action == "move":
            self._move(uid, config.processed_folder)
        else:
            self._add_keyword(uid, config.processed_keyword)

    def mark_failed(self, uid: int) -> None:
        config = self.config
        if config.processed_action == "move":
            self._move(uid, config.failed_folder)
        else:
            self._add_keyword(uid, config.failed_keyword)

    def release_failed(self, sha256: str, message_id: str | None) -> bool:
        """See `MailSource.release_failed`. In move mode the failed folder is selected
        for the lookup and the polled folder selected again afterwards, so the session
        can poll on; in keyword mode the polled folder never changes."""
        config = self.config
        if config.processed_action == "keyword":
            found = self._find_copy(
                config.folder, f"KEYWORD {config.failed_keyword}", sha256, message_id
            )
            if found is None:
                return False
            # Processed first: a session lost in between leaves both keywords, and the
            # next release still finds it by the failed one.
            self._add_keyword(found, config.processed_keyword)
            self._remove_keyword(found, config.failed_keyword)
            return True
        try:
            if not self._select_if_exists(config.failed_folder):
                return False
            found = self._find_copy(config.failed_folder, "ALL", sha256, message_id)
            if found is None:
                return False
            self._move(found, config.processed_folder)
            return True
        finally:
            if self.connected:  # a failed SELECT leaves no folder selected either
                self._select()

    def _find_copy(
        self, folder: str, criteria: str, sha256: str, message_id: str | None
    ) -> int | None:
        """The UID, in the selected `folder`, of a message matching `criteria` whose
        bytes hash to `sha256`. The Message-ID narrows the search when it can be sent
        as a quoted string; without one every match is fetched, in bounded batches."""
        if message_id is not None and _SEARCHABLE_MESSAGE_ID.fullmatch(message_id):
            criteria = f'{criteria} HEADER Message-ID "{message_id}"'
        uids = sorted(parse_search(self._search(criteria, folder)))
        if not uids:
            return None
        sizes = self._sizes(uids)
        for batch in plan_batches(sizes, self.config.batch_size, self.config.batch_bytes):
            for uid, data in self._fetch_batch(batch):
                if hashlib.sha256(data).hexdigest() == sha256:
                    return uid
        return None

    def _select_if_exists(self, folder: str) -> bool:
        """SELECT another folder; False when it does not exist (nothing was ever put there)."""
        box = self._require_box()
        what = f"select folder {folder!r}"
        typ, data = self._command(what, lambda: box.client.select(_quoted(folder)))
        if typ == "OK":
            return True
        text = _text(data)
        if "NONEXISTENT" in text.upper() or "exist" in text.lower():
            return False
        raise SourceError(f"{self.where}: {what} failed: {typ} {text}")

    # ---------------------------------------------------------------- actions

    def _remove_keyword(self, uid: int, keyword: str) -> None:
        box = self._require_box()
        self._ok(
            f"remove keyword {keyword} from UID {uid}",
            lambda: box.client.uid("STORE", str(uid), "-FLAGS.SILENT", f"({keyword})"),
        )

    def _add_keyword(self, uid: int, keyword: str) -> None:
        box = self._require_box()
        self._ok(
            f"set keyword {keyword} on UID {uid}",
            lambda: box.client.uid("STORE", str(uid), "+FLAGS.SILENT", f"({keyword})"),
        )

    def _move(self, uid: int, destination: str) -> None:
        what = f"move UID {uid} to {destination!r}"
        typ, data = self._move_once(uid, destination, what)
        if typ != "OK" and destination not in self._folders_known:
            # Cheaper than asking first: the server answers NO [TRYCREATE] when missing.
            self._create_folder(destination)
            typ, data = self._move_once(uid, destination, what)
        if typ != "OK":
            raise SourceError(f"{self.where}: {what} failed: {typ} {_text(data)}")
        self._folders_known.add(destination)

    def _move_once(self, uid: int, destination: str, what: str) -> Response:
        box = self._require_box()
        target = _quoted(destination)
        if "MOVE" in self._server_capabilities():
            return self._command(what, lambda: box.client.uid("MOVE", str(uid), target))
        # RFC 6851's fallback: COPY, flag \\Deleted, then expunge only this UID when
        # UIDPLUS allows it (a plain EXPUNGE also removes other clients' deleted mail).
        result = self._command(what, lambda: box.client.uid("COPY", str(uid), target))
        if result[0] != "OK":
            return result
        self._ok(what, lambda: box.client.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)"))
        if "UIDPLUS" in self._server_capabilities():
            return self._command(what, lambda: box.client.uid("EXPUNGE", str(uid)))
        return self._command(what, box.client.expunge)

    def _create_folder(self, name: str) -> None:
        """CREATE `name` and, first, each missing parent (else it becomes \\Noselect)."""
        box = self._require_box()
        separator = self._separator()
        parts = name.split(separator) if separator else [name]
        for depth in range(1, len(parts) + 1):
            path = separator.join(parts[:depth])
            typ, data = self._command(
                f"create folder {path!r}", functools.partial(box.client.create, _quoted(path))
            )
            if typ != "OK" and depth == len(parts) and "exist" not in _text(data).lower():
                raise SourceError(f"{self.where}: cannot create folder {path!r}: {_text(data)}")

    def _separator(self) -> str:
        box = self._require_box()
        data = self._ok("list the hierarchy separator", lambda: box.client.list('""', '""'))
        first = data[0] if data else None
        match = re.search(rb'\) "(.)"', first) if isinstance(first, bytes) else None
        return match.group(1).decode() if match else ""

    def _server_capabilities(self) -> frozenset[str]:
        """Capabilities after login: from LOGIN's response code, else asked once."""
        if self._capabilities is None:
            box = self._require_box()
            data = self._ok("capability", box.client.capability)
            first = data[0] if data else None
            words = first.decode(errors="replace") if isinstance(first, bytes) else ""
            self._capabilities = _capability_set(words)
        return self._capabilities


def _peer_closed(sock: socket.socket) -> bool:
    """Whether the server has closed the connection (a FIN with nothing left to read).

    Peeks at the raw TCP stream through a duplicate of the descriptor, so it works
    under TLS too (an SSL socket refuses recv flags); never consumes a byte.
    """
    try:
        raw = socket.socket(fileno=os.dup(sock.fileno()))
    except OSError:
        return True
    with raw:  # closes the duplicate only
        try:
            return raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True


def _capability_set(words: str) -> frozenset[str]:
    return frozenset(word.upper() for word in words.split())


def _uid_set(uids: Sequence[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def _quoted(folder: str) -> str:
    """A folder name as IMAP modified UTF-7 in a quoted string (imaplib sends it as given)."""
    encoded: bytes = encode_folder(folder)
    return encoded.decode("ascii")


def _text(data: Sequence[object]) -> str:
    parts = [
        item.decode(errors="replace") if isinstance(item, bytes) else str(item)
        for item in data
        if item is not None
    ]
    return " ".join(parts) or "(no detail)"


def _close_socket(box: BaseMailBox) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        box.client.shutdown()
