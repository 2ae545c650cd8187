"""sd_notify without systemd: the test binds the socket systemd would."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.service.systemd import MAX_STATUS, Notifier, one_line, socket_address, watchdog_interval


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    folder = tempfile.mkdtemp(dir="/tmp")
    path = str(Path(folder) / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield sock, path
    sock.close()
    os.unlink(path)
    os.rmdir(folder)


def test_ready_status_watchdog_stopping_reach_the_socket(
    listener: tuple[socket.socket, str],
) -> None:
    sock, path = listener
    notifier = Notifier({"NOTIFY_SOCKET": path})
    assert notifier.ready("polling every 60s")
    assert sock.recv(4096) == b"READY=1\nSTATUS=polling every 60s"
    notifier.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    notifier.status("last poll:\n3 fetched")
    assert sock.recv(4096) == b"STATUS=last poll: 3 fetched"
    notifier.stopping()
    assert sock.recv(4096).startswith(b"STOPPING=1\n")
    notifier.close()


def test_abstract_namespace_socket() -> None:
    name = f"intake-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    try:
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ready("up")
        assert sock.recv(4096).startswith(b"READY=1")
    finally:
        sock.close()


def test_without_systemd_nothing_is_sent_and_nothing_fails() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert notifier.ready("up") is False
    assert notifier.watchdog_seconds is None


def test_a_vanished_socket_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": "/tmp/no-such-intake-socket"})
    assert notifier.watchdog() is False
    assert "cannot notify systemd" in caplog.text


def test_a_socket_nobody_reads_never_blocks_the_daemon(
    listener: tuple[socket.socket, str], caplog: pytest.LogCaptureFixture
) -> None:
    """The kernel queues a few datagrams for a reader that never reads (10 by default,
    net.unix.max_dgram_qlen); a blocking send past them would hang the daemon."""
    sock, path = listener
    notifier = Notifier({"NOTIFY_SOCKET": path})
    sent: list[bool] = []

    def ping() -> None:
        sent.extend(notifier.watchdog() for _ in range(200))

    pinger = threading.Thread(target=ping, daemon=True)
    pinger.start()
    pinger.join(timeout=20)
    assert not pinger.is_alive(), "a notification blocked"
    assert len(sent) == 200 and sent[0] and not all(sent)
    assert "cannot notify systemd" in caplog.text
    assert sock.recv(4096) == b"WATCHDOG=1"  # what was queued is still there
    notifier.close()


def test_socket_address() -> None:
    assert socket_address("@abc") == b"\0abc"
    assert socket_address("/run/systemd/notify") == "/run/systemd/notify"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"WATCHDOG_USEC": "30000000"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "123"}, 15.0),
        ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "999"}, None),  # another process's
        ({"WATCHDOG_USEC": "0"}, None),
        ({"WATCHDOG_USEC": "soon"}, None),
        ({}, None),
    ],
)
def test_watchdog_interval_is_half_of_watchdog_usec(
    environ: dict[str, str], expected: float | None
) -> None:
    assert watchdog_interval(environ, pid=123) == expected


def test_status_is_one_short_line() -> None:
    line = one_line("a\nb " + "x" * 500)
    assert "\n" not in line
    assert len(line) == MAX_STATUS
    assert line.startswith("a b x")


def test_notifications_that_keep_failing_are_logged_once_then_summed_up(
    listener: tuple[socket.socket, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A watchdog ticking every 15 s at a socket that refuses would log a warning at each
    tick: the first is logged, then a line every ten minutes says how many more failed,
    and a notification that goes again says so once."""
    now = [0.0]
    _, path = listener
    notifier = Notifier({"NOTIFY_SOCKET": path + ".gone"}, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="intake.service.systemd")

    def tick(count: int) -> None:
        for _ in range(count):
            assert notifier.watchdog() is False
            now[0] += 15

    tick(41)  # ten minutes of ticks, and the one at ten minutes
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.WARNING]
    first, summary = (r.getMessage() for r in caplog.records)
    assert "cannot notify systemd" in first and "No such file" in first
    assert "40 more notification(s) failed in the last 10 min" in summary
    caplog.clear()
    tick(39)  # not ten minutes since the summary yet
    assert caplog.records == []
    tick(1)
    [later] = caplog.records
    assert "40 more notification(s) failed" in later.getMessage()
    caplog.clear()
    notifier.address = path  # systemd reads again
    assert notifier.watchdog() is True
    [again] = caplog.records
    assert (
        again.levelno == logging.INFO
        and "works again (81 notification(s) failed)" in again.getMessage()
    )
    caplog.clear()
    notifier.address = path + ".gone"
    assert notifier.watchdog() is False  # a new run of failures: logged at once
    assert "cannot notify systemd" in caplog.records[0].getMessage()
    notifier.close()
