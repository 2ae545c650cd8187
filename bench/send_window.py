"""The one window left for a second send: from the SMTP server's 250 to the commit.

    .venv/bin/python bench/send_window.py [--messages 200]

Sends N queued replies through `send_due` to a private aiosmtpd on loopback, with the
real SQLite store (WAL, synchronous=FULL), and times, for each message, the `accepted`
callback that `intake.edges.mail.smtp.send` calls as soon as the server has answered
250 to the DATA: marking the row sent and committing it. A process killed inside that
span sends the message again at the next round (same Message-ID); anywhere else it does
not. The floor printed beside it is a bare SQLite commit of one row on the same disk,
measured in the same run, and the ratio says how much of the window is more than that.
For comparison, the QUIT round trip (the window before this change) is timed too.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sqlite3
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller

from intake.edges.mail.smtp import SmtpConfig, SmtpSink
from intake.edges.store import Store
from intake.service.send import send_due
from tests.integration.smtp_server import free_port


class Accepting:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 accepted"


class TimedSink(SmtpSink):
    """The SMTP sink, timing the accepted callback (the window) of each message."""

    def __init__(self, config: SmtpConfig) -> None:
        super().__init__(config)
        self.windows: list[float] = []

    def send(self, message: EmailMessage, recipients: Any, accepted: Any = None) -> None:
        def timed() -> None:
            started = time.perf_counter()
            accepted()
            self.windows.append(time.perf_counter() - started)

        super().send(message, recipients, timed)


def _queue(store: Store, count: int) -> None:
    with store.transaction():
        for n in range(count):
            message = EmailMessage()
            message["From"] = "court@example.gov"
            message["To"] = f"a{n}@example-law.com"
            message["Subject"] = "Re: waiver"
            message["Message-ID"] = f"<bench-{n}@example.gov>"
            message.set_content("reply")
            store.outbox.enqueue(
                request_id=None,
                message_id=str(message["Message-ID"]),
                kind="reply",
                to_address=f"a{n}@example-law.com",
                subject="Re: waiver",
                body="reply",
                raw=bytes(message),
            )


def _commit_floor(folder: Path, count: int) -> list[float]:
    db = sqlite3.connect(folder / "floor.sqlite3", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    times = []
    for n in range(count):
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (v) VALUES (?)", (str(n),))
        db.execute("COMMIT")
        times.append(time.perf_counter() - started)
    return times


def _quit_round_trips(port: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        client = smtplib.SMTP("127.0.0.1", port, timeout=10)
        client.ehlo()
        started = time.perf_counter()
        client.quit()
        times.append(time.perf_counter() - started)
    return times


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(values) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    controller = Controller(Accepting(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory(dir="/tmp") as folder:
            with Store.open(Path(folder) / "state") as store:
                _queue(store, args.messages)
                sink = TimedSink(SmtpConfig(host="127.0.0.1", port=port, security="plain"))
                report = send_due(store, sink)
            assert len(report.sent) == args.messages, report.summary()
            floor = _commit_floor(Path(folder), args.messages)
        quits = _quit_round_trips(port, min(args.messages, 50))
    finally:
        controller.stop()
    ratio = statistics.median(sink.windows) / statistics.median(floor)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"window (250 to commit), {len(sink.windows)} messages: {_ms(sink.windows)}")
    print(f"floor (one bare SQLite commit, WAL, synchronous=FULL): {_ms(floor)}")
    print(f"ratio window/floor (p50): {ratio:.1f}")
    print(f"for comparison, the QUIT round trip (the old window's extra part): {_ms(quits)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
