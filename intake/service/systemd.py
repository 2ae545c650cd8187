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
from collections.abc import Mapping

log = logging.getLogger(__name__)

# STATUS= is shown by `systemctl status`: one short line.
MAX_STATUS = 200


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

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.address = socket_address(env["NOTIFY_SOCKET"]) if env.get("NOTIFY_SOCKET") else None
        self.watchdog_seconds = watchdog_interval(env, os.getpid())
        self._socket: socket.socket | None = None

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
            log.warning("cannot notify systemd at %s: %s", self.address, exc)
            return False
        return True

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
