"""Telling systemd how the daemon is: the sd_notify protocol, without a library.

A notification is one datagram of `KEY=value` lines sent to the unix socket named by
$NOTIFY_SOCKET (a leading `@` names the abstract namespace). Outside systemd the
variable is unset and every call does nothing, so the daemon runs the same by hand.
$WATCHDOG_USEC (with $WATCHDOG_PID, when set, naming this process) asks for WATCHDOG=1
at least that often; we ping at half the interval, as sd_watchdog_enabled(3) advises.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

# STATUS= is shown by `systemctl status`: one short line.
MAX_STATUS = 200
# While notifications keep failing (every watchdog tick, every status), the first failure
# is logged, then one line at most this often says how many more failed.
FAILURE_SUMMARY_SECONDS = 600.0


def socket_address(value: str) -> str | bytes:
    """$NOTIFY_SOCKET as a socket address: '@name' is the abstract name b'\\0name'."""
    if value.startswith("@"):
        return b"\0" + value[1:].encode()
    return value


def watchdog_interval(environ: Mapping[str, str], pid: int) -> float | None:
    """Seconds between WATCHDOG=1 pings (half of $WATCHDOG_USEC), or None when not asked."""
    owner = environ.get("WATCHDOG_PID")
    if owner and owner.strip() != str(pid):
        return None
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2 / 1_000_000 if usec > 0 else None


def one_line(text: str) -> str:
    """A STATUS= value: newlines would start a new KEY=value pair; keep it short."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_STATUS else flat[: MAX_STATUS - 1] + "…"


class Notifier:
    """Sends notifications to systemd; a no-op when not started by systemd."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        env = os.environ if environ is None else environ
        self.address = socket_address(env["NOTIFY_SOCKET"]) if env.get("NOTIFY_SOCKET") else None
        self.watchdog_seconds = watchdog_interval(env, os.getpid())
        self._socket: socket.socket | None = None
        self._clock = clock
        # Failures since the first of a run of them was logged (None: the last one went),
        # and since the last summary line.
        self._failed: int | None = None
        self._unsaid = 0
        self._said_at = 0.0

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *assignments: str) -> bool:
        """Send `KEY=value` lines in one datagram; False (logged) when it could not go."""
        if self.address is None:
            return False
        payload = "\n".join(assignments).encode("utf-8")
        try:
            if self._socket is None:
                self._socket = socket.socket(
                    socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
                )
            # Never wait: when systemd does not read (stopped, hung, or a test's socket
            # nobody drains) the socket's queue fills and a blocking send would stop the
            # daemon; a notification that cannot go now is dropped (the next one says more).
            self._socket.sendto(payload, socket.MSG_DONTWAIT, self.address)
        except OSError as exc:
            # systemd gone, a full queue, or a socket we may not write: the daemon keeps
            # working.
            self._failure(exc)
            return False
        if self._failed is not None:
            log.info(
                "notifying systemd at %s works again (%d notification(s) failed)",
                self.address,
                self._failed,
            )
            self._failed = None
        return True

    def _failure(self, exc: OSError) -> None:
        """The first failure of a run is logged; then, at most every
        FAILURE_SUMMARY_SECONDS, how many more failed (each watchdog tick would log one)."""
        now = self._clock()
        if self._failed is None:
            log.warning("cannot notify systemd at %s: %s", self.address, exc)
            self._failed, self._unsaid, self._said_at = 1, 0, now
            return
        self._failed += 1
        self._unsaid += 1
        if now - self._said_at >= FAILURE_SUMMARY_SECONDS:
            log.warning(
                "cannot notify systemd at %s: %d more notification(s) failed in the last "
                "%.0f min (the latest: %s)",
                self.address,
                self._unsaid,
                (now - self._said_at) / 60,
                exc,
            )
            self._unsaid, self._said_at = 0, now

    def ready(self, status: str) -> bool:
        return self.notify("READY=1", f"STATUS={one_line(status)}")

    def status(self, status: str) -> bool:
        return self.notify(f"STATUS={one_line(status)}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def reloading(self) -> bool:
        return self.notify("RELOADING=1")

    def stopping(self, status: str = "stopping") -> bool:
        return self.notify("STOPPING=1", f"STATUS={one_line(status)}")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
