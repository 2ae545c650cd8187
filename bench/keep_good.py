"""Three figures issue 13 found good and asked to keep: a 2,000-page PDF decided quickly,
an empty poll over a big mailbox in a few IMAP commands, an idle daemon that costs
next to nothing. Each beside a floor measured in the same run.

    .venv/bin/python bench/keep_good.py [--runs 7] [--messages 10000] [--idle-seconds 60]
        [--record bench/keep_good.md]

1. `intake check` of a 2,000-page PDF (one line of text a page) as the shell runs it,
   against the floor: a process that starts this interpreter and reads the same PDF's
   first 12 pages with bare pypdfium2 (intake reads 12, `PdfLimits.max_pages_read`).
2. An empty poll (`poll_once` over IMAP) of a mailbox of `--messages` old messages, all
   behind the store's cursor: its time and its IMAP commands (bench/poll_throughput.py's
   `run_idle`, on a private Dovecot), against a bare imaplib session on the same server
   (LOGIN, SELECT, LOGOUT): the least a poll can do.
3. `intake run` (the daemon, IMAP IDLE on, nothing new in that mailbox) left alone for
   `--idle-seconds` after it has settled: the CPU time of the daemon and of its children,
   as a share of one core. No floor: a process that waits costs nothing.

Needs Dovecot and root, like the integration tests (`scripts/install-dovecot.sh`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import imaplib
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.poll_throughput import OWN, old_message, private_dovecot, run_idle  # noqa: E402
from fixtures.pdfs import raw_pdf  # noqa: E402
from intake.edges.store import Store  # noqa: E402

PYTHON = sys.executable
INTAKE = str(Path(PYTHON).with_name("intake"))
FLOOR = (
    "import sys, pypdfium2 as pdfium\n"
    "document = pdfium.PdfDocument(sys.argv[1])\n"
    "text = [document[i].get_textpage().get_text_range() for i in range(12)]\n"
    "document.close()\n"
)
TICK = os.sysconf("SC_CLK_TCK")


def long_pdf(pages: int = 2000) -> bytes:
    """`pages` pages, each two lines of a notice (as bench/pdf_extract.py's long PDF):
    enough text that no page is taken for a scan and sent to OCR."""
    kids = b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for n in range(pages):
        text = (
            b"BT /F1 10 Tf 40 740 Td (U.S. Bankruptcy Court) Tj 0 -13 Td (Case Number:"
            b" 23-14130-JGR Document Number: %d [STAMP bkecfStamp_ID=985638001"
            b" [Date=9/25/2023] [FileNumber=48774698-0]]) Tj ET" % (n + 1)
        )
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * n)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
    return raw_pdf(objects)


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def long_pdf_rows(folder: Path, runs: int) -> list[str]:
    path = folder / "long.pdf"
    path.write_bytes(long_pdf())
    check = [INTAKE, "check", "--json", str(path)]
    floor = [PYTHON, "-c", FLOOR, str(path)]
    decided = subprocess.run(check, cwd=REPO, check=True, capture_output=True, text=True)
    checks, floors = [], []
    for _ in range(runs):
        checks.append(wall(check))
        floors.append(wall(floor))
    median, base = statistics.median(checks), statistics.median(floors)
    kind = decided.stdout.split('"kind": "', 1)[1].split('"', 1)[0]
    return [
        f"- 2,000-page PDF ({path.stat().st_size // 1024} kB), `intake check --json`:"
        f" median {median * 1000:.0f} ms (fastest {min(checks) * 1000:.0f} ms), decided"
        f" `{kind}`; floor (interpreter + bare pypdfium2 of its first 12 pages)"
        f" {base * 1000:.0f} ms: {median / base:.1f}x",
    ]


def bare_session(mailbox: Any) -> float:
    started = time.perf_counter()
    client = imaplib.IMAP4(mailbox.host, mailbox.port)
    client.login(mailbox.user, mailbox.password)
    client.select("INBOX", readonly=True)
    client.logout()
    return time.perf_counter() - started


def old_mailbox(server: Any, count: int, state: Path) -> Any:
    """A mailbox of `count` old messages, and a store whose cursor is past them all."""
    mailbox = server.new_mailbox()
    mailbox.deliver_many(old_message(n) for n in range(count))
    with Store.open(state) as store, store.transaction():
        store.cursors.advance("INBOX", mailbox.uidvalidity(), max(mailbox.uids()))
    return mailbox


def cpu_ticks(pid: int) -> int:
    """User + system ticks of `pid` and of the children it has waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14))


def descendants(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found += [int(entry.name), *descendants(int(entry.name))]
    return found


def idle_daemon_row(mailbox: Any, folder: Path, seconds: float) -> str:
    settings = mailbox.write_intake_config(folder, own_address=OWN, timeout_seconds=30)
    with settings.open("a") as toml:
        toml.write("[daemon]\nidle = true\npoll_interval_seconds = 300\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    daemon = subprocess.Popen(
        [INTAKE, "run", "--config", str(settings)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(10)  # start-up and the first (empty) poll
        if daemon.poll() is not None:
            raise SystemExit(f"keep_good: intake run ended with {daemon.returncode}")
        pids = [daemon.pid, *descendants(daemon.pid)]
        before = {pid: cpu_ticks(pid) for pid in pids}
        started = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        used = sum(cpu_ticks(pid) - before[pid] for pid in pids if Path(f"/proc/{pid}").exists())
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(60)
    share = used / TICK / elapsed
    return (
        f"- idle daemon (`intake run`, IMAP IDLE on a mailbox of old messages, {len(pids)}"
        f" process(es)), {elapsed:.0f} s"
        f" alone: {used / TICK * 1000:.0f} ms of CPU, {share * 100:.2f}% of a core"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--record", type=Path, help="append the results to this Markdown file")
    args = parser.parse_args()
    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="keep-good-") as scratch:
        folder = Path(scratch)
        lines += long_pdf_rows(folder, args.runs)
        with private_dovecot() as server:
            idle = run_idle(server, args.messages, folder)
            daemon_folder = folder / "daemon"
            daemon_folder.mkdir()
            mailbox = old_mailbox(server, args.messages, daemon_folder / "state")
            bare = statistics.median(bare_session(mailbox) for _ in range(7))
            poll = statistics.median(idle.seconds)
            lines.append(
                f"- empty poll over {idle.messages:,} old messages: median"
                f" {poll * 1000:.0f} ms, {len(idle.commands)} IMAP commands"
                f" ({' '.join(idle.commands)}); floor (bare imaplib LOGIN, SELECT, LOGOUT)"
                f" {bare * 1000:.0f} ms: {poll / bare:.1f}x"
            )
            lines.append(idle_daemon_row(mailbox, daemon_folder, args.idle_seconds))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    text = "\n".join(
        [
            f"#### {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"- CPUs (nproc) {os.cpu_count()}; CPU `{cpu}`; Python {platform.python_version()}",
            f"- load average (1/5/15 min) at start: {load_at_start}; at end:"
            f" {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            *lines,
        ]
    )
    print(text)
    if args.record:
        with args.record.open("a") as out:
            out.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
