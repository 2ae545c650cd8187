"""Benchmark of one poll cycle against a private Dovecot: backlog, idle poll, and the floor.

    .venv/bin/python bench/poll_throughput.py --submissions 50 [--idle-messages 10000]
        [--load-burners 10] [--record bench/README.md]

Needs Dovecot (scripts/install-dovecot.sh) and root, like the integration tests, whose
server class it reuses (tests/integration/dovecot.py). Measures, on this machine:

1. a backlog: N generated submissions (each an email with a letter and six NEFs, varied
   in attorney, courts, print style and notice format) handled by ONE `poll_once` with a
   real SQLite store: throughput (submissions per second), the time each submission took
   (p50 / p90 / max), and peak memory of the poll process and of its PDF-reading
   children. The poll runs in a child process of its own, so that its peak RSS is not
   this script's (generating PDFs with reportlab) nor Dovecot's;
2. an empty poll over a mailbox of M old messages whose cursor is past them all: seconds
   and IMAP commands;
3. the floor: bare text extraction of the same PDFs, `read_pdf` in-process and
   `read_pdf_isolated` (a child process per document), per document and per submission;
4. with --load-burners K: `read_pdf_isolated` on the same NEFs while K busy-loop
   processes compete for the CPUs, against its wall-clock timeout.

Prints a Markdown results section; --record FILE also writes it into FILE between the
markers `<!-- poll_throughput results -->` and `<!-- end poll_throughput results -->`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Only what a daemon imports at module level: the poll worker (this file run with
# --worker) is measured for memory, and its PDF-reader children start as copies of it;
# reportlab and the fixtures' builders are imported only where submissions are made.
from intake.core.policy.rules import load_rules  # noqa: E402
from intake.edges.mail.imap import ImapConfig, ImapSource  # noqa: E402
from intake.edges.pdf.reader import PdfLimits, read_pdf, read_pdf_isolated  # noqa: E402
from intake.edges.store import Store  # noqa: E402
from intake.service.cycle import PollResult, poll_once  # noqa: E402

if TYPE_CHECKING:
    from fixtures.letters import Wording

OWN = "ecf-training@canb.uscourts.gov"
MARK_START = "<!-- poll_throughput results -->"
MARK_END = "<!-- end poll_throughput results -->"
KIB = 1024
MIB = 1024 * 1024


# ------------------------------------------------------------------ statistics


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def spread(values: Sequence[float], scale: float = 1.0, digits: int = 1) -> str:
    """ "p50 / p90 / max" of `values` times `scale`."""
    if not values:
        return "-"
    return " / ".join(f"{percentile(values, p) * scale:.{digits}f}" for p in (50, 90, 100))


# --------------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    """What the figures depend on; the load average is taken first, before any work."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram = f"{int(line.split()[1]) / MIB:.1f} GiB"
    dovecot = "not installed"
    if shutil.which("dovecot"):
        run = subprocess.run(["dovecot", "--version"], capture_output=True, text=True, check=False)
        dovecot = run.stdout.strip() or run.stderr.strip()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load average at start (1/5/15 min)": load,
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "RAM": ram,
        "Python": platform.python_version(),
        "Dovecot": dovecot,
        "kernel": platform.release(),
    }


# ----------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    attorney: str
    eml: bytes
    pdfs: tuple[tuple[str, bytes], ...]  # (file name, bytes): the letter, then the NEFs


FIRST = ("Maria", "James", "Aiko", "Oluwaseun", "Priya", "Tomasz", "Elena", "Marcus", "Ines")
LAST = ("Alvarez", "Chen", "Okafor", "Lindqvist", "Brennan", "Nakamura", "Haddad", "Kowalski")
COURTS = ("cob", "njb", "txnb", "nysb", "flsb", "waeb", "ctb", "ilnb", "azb", "mab", "nceb")
STYLES = ("browser", "outlook", "text")
WORDINGS: tuple[Wording, ...] = ("formal", "numbered", "paraphrased")


def make_submission(n: int) -> Submission:
    """The n-th generated submission: a letter and six NEFs from one attorney, by email."""
    from fixtures.letters import example_letter
    from fixtures.mime import Attach, Mail, build
    from fixtures.nefs import Person, bankruptcy_nef
    from fixtures.pdfs import letter_pdf, nef_pdf

    person = Person(
        FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)], f"{chr(65 + n % 26)}."
    )
    address = f"{person.first.lower()}.{person.last.lower()}{n}@example-law.test"
    letter = example_letter(person, wording=WORDINGS[n % len(WORDINGS)])
    pdfs = [("Letter of Acknowledgment.pdf", letter_pdf(letter))]
    for i in range(6):
        court = COURTS[(n + i) % len(COURTS)]
        nef = bankruptcy_nef(
            court,
            f"24-{10000 + 97 * n + i:05d}",
            f"Debtor {n}-{i} Holdings, LLC",
            str(11 + 3 * i + n % 40),
            person,
            dt.datetime(2024, 3 + i, 1 + (n + i) % 27, 9 + i, 5 * i),
            event=n + i,
            file_number=48_000_000 + 10 * n + i,
            source="plain" if (n + i) % 4 == 0 else "html",
        )
        pdfs.append((f"NEF {i + 1}.pdf", nef_pdf(nef, STYLES[(n + i) % len(STYLES)])))
    mail = Mail(
        sender_name=f"{person.first} {person.last}",
        sender_address=address,
        subject="CM/ECF training waiver request",
        date=dt.datetime(2025, 2, 3, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=n),
        message_id=f"bench-{n}@example-law.test",
        body="Please find attached my letter of acknowledgment and six NEFs.",
        attachments=tuple(Attach(data, name) for name, data in pdfs),
    )
    # IMAP servers store CRLF; the fixtures' writer uses LF as .eml files on disk do.
    eml = build(mail).replace(b"\n", b"\r\n")
    return Submission(address, eml, tuple(pdfs))


# ---------------------------------------------------------------------- Dovecot


@contextmanager
def private_dovecot() -> Iterator[Any]:
    from tests.integration.dovecot import DovecotServer, DovecotUnavailable

    try:
        server = DovecotServer()
    except DovecotUnavailable as exc:
        raise SystemExit(f"poll_throughput: {exc}") from exc
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


# ---------------------------------------------------------------------- backlog


@dataclass
class Backlog:
    submissions: int
    message_bytes: int
    wall_seconds: float  # connect, poll_once, logout
    poll_seconds: float  # poll_once alone
    per_submission: list[float]  # seconds each message took within the poll
    result: dict[str, Any]
    statuses: dict[str, int]
    maxrss_poll: int  # bytes
    maxrss_children: int  # bytes: the largest PDF-reading child
    imap_commands: int


def run_backlog(server: Any, submissions: Sequence[Submission], workdir: Path) -> Backlog:
    mailbox = server.new_mailbox()
    mailbox.deliver_many(s.eml for s in submissions)
    job = {
        "host": mailbox.host,
        "port": mailbox.port,
        "user": mailbox.user,
        "password": mailbox.password,
        "state_dir": str(workdir / "state"),
    }
    # A fresh interpreter: its peak RSS is the poll's own.
    run = subprocess.run(
        [sys.executable, __file__, "--worker"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if run.returncode != 0:
        raise SystemExit(f"poll_throughput: the poll worker failed:\n{run.stderr}")
    out = json.loads(run.stdout)
    return Backlog(
        submissions=len(submissions),
        message_bytes=sum(len(s.eml) for s in submissions),
        wall_seconds=out["wall"],
        poll_seconds=out["poll"],
        per_submission=out["per_submission"],
        result=out["result"],
        statuses=out["statuses"],
        maxrss_poll=out["maxrss_self"],
        maxrss_children=out["maxrss_children"],
        imap_commands=out["imap_commands"],
    )


def worker() -> None:
    """In the child: one poll_once over the backlog; figures as JSON on stdout."""
    from multiprocessing import forkserver

    from tests.integration.dovecot import imap_commands_sent

    job = json.loads(sys.stdin.read())
    config = ImapConfig(
        host=job["host"],
        port=job["port"],
        username=job["user"],
        password=job["password"],
        security="plain",
        timeout_seconds=60,
    )
    rules = load_rules()
    stamps: list[float] = []

    def progress(done: int, total: int) -> None:
        stamps.append(time.perf_counter())

    with Store.open(Path(job["state_dir"])) as store:
        started = time.perf_counter()
        with imap_commands_sent() as sent, ImapSource(config) as source:
            poll_started = time.perf_counter()
            result: PollResult = poll_once(source, store, rules, own_address=OWN, progress=progress)
            poll_seconds = time.perf_counter() - poll_started
        wall = time.perf_counter() - started
        statuses: dict[str, int] = {}
        for request in store.requests.all():
            statuses[request.status.value] = statuses.get(request.status.value, 0) + 1
    # RUSAGE_CHILDREN covers the reader children that were waited for: all of them when
    # read_pdf_isolated forks them itself. Should it use a fork server again, that server
    # is their parent: stop it (a private API, the only way) so that it is reaped and
    # its children's peak counts too.
    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KIB
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * KIB
    json.dump(
        {
            "wall": wall,
            "poll": poll_seconds,
            "per_submission": [b - a for a, b in itertools.pairwise(stamps)],
            "result": {
                "fetched": result.fetched,
                "processed": result.processed,
                "duplicates": result.duplicates,
                "failed": result.failed,
                "ignored": result.ignored,
            },
            "statuses": statuses,
            "maxrss_self": own,
            "maxrss_children": children,
            "imap_commands": len(sent),
        },
        sys.stdout,
    )


# ------------------------------------------------------------------- idle poll


@dataclass
class Idle:
    messages: int
    seconds: list[float]
    commands: list[str]


def old_message(n: int) -> bytes:
    return (
        f"From: Attorney {n} <attorney{n}@example-law.test>\r\nTo: {OWN}\r\n"
        f"Subject: CM/ECF training waiver {n}\r\nMessage-ID: <old-{n}@example-law.test>\r\n"
        f"\r\nMy documents were attached to my earlier email.\r\n"
    ).encode()


def run_idle(server: Any, count: int, workdir: Path, repeats: int = 7) -> Idle:
    """Polls of a mailbox whose `count` messages are all behind the cursor."""
    from tests.integration.dovecot import imap_commands_sent

    mailbox = server.new_mailbox()
    mailbox.deliver_many(old_message(n) for n in range(count))
    last = max(mailbox.uids())
    rules = load_rules()
    seconds: list[float] = []
    commands: list[str] = []
    with Store.open(workdir / "idle-state") as store:
        with store.transaction():
            store.cursors.advance("INBOX", mailbox.uidvalidity(), last)
        for _ in range(repeats):
            started = time.perf_counter()
            with (
                imap_commands_sent() as sent,
                ImapSource(mailbox.imap_config(timeout_seconds=60)) as source,
            ):
                result = poll_once(source, store, rules, own_address=OWN)
            seconds.append(time.perf_counter() - started)
            if result != PollResult():
                raise SystemExit(f"poll_throughput: the idle poll did something: {result}")
            commands = list(sent)
    return Idle(count, seconds, commands)


# ------------------------------------------------------------------------ floor


@dataclass
class Floor:
    in_process: list[float] = field(default_factory=list)  # seconds per document
    in_process_cpu: list[float] = field(default_factory=list)
    isolated: list[float] = field(default_factory=list)
    per_submission_in_process: list[float] = field(default_factory=list)
    per_submission_isolated: list[float] = field(default_factory=list)
    unreadable: int = 0


def run_floor(submissions: Sequence[Submission]) -> Floor:
    floor = Floor()
    read_pdf_isolated(submissions[0].pdfs[0][1])  # warm up (a fork server would start here)
    for submission in submissions:
        total_in, total_iso = 0.0, 0.0
        for _, data in submission.pdfs:
            cpu, started = time.process_time(), time.perf_counter()
            text = read_pdf(data)
            floor.in_process.append(time.perf_counter() - started)
            floor.in_process_cpu.append(time.process_time() - cpu)
            started = time.perf_counter()
            isolated = read_pdf_isolated(data)
            floor.isolated.append(time.perf_counter() - started)
            floor.unreadable += not (text.ok and isolated.ok)
            total_in += floor.in_process[-1]
            total_iso += floor.isolated[-1]
        floor.per_submission_in_process.append(total_in)
        floor.per_submission_isolated.append(total_iso)
    return floor


# ------------------------------------------------------------------ under load


@dataclass
class UnderLoad:
    burners: int
    load_before: str
    load_after: str
    isolated: list[float]  # wall-clock seconds per call
    child_cpu: list[float]  # CPU seconds of the reader child per call
    timed_out: int
    timeout: float


def run_under_load(submissions: Sequence[Submission], burners: int, seconds: float) -> UnderLoad:
    """`read_pdf_isolated` on the NEFs while `burners` busy loops compete for the CPUs."""
    documents = [data for s in submissions for _, data in s.pdfs]
    limits = PdfLimits()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(burners)]
    walls: list[float] = []
    cpus: list[float] = []
    timed_out = 0
    try:
        time.sleep(2)  # let the scheduler settle
        deadline = time.monotonic() + seconds
        index = 0
        while time.monotonic() < deadline:
            cpu, started = children_cpu(), time.perf_counter()
            text = read_pdf_isolated(documents[index % len(documents)], limits)
            walls.append(time.perf_counter() - started)
            cpus.append(children_cpu() - cpu)  # the reader child, reaped by the call
            timed_out += bool(text.reason and "took longer" in text.reason)
            index += 1
        load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    finally:
        for loop in loops:
            loop.kill()
        for loop in loops:
            loop.wait()
    return UnderLoad(
        burners, load_before, load_after, walls, cpus, timed_out, limits.timeout_seconds
    )


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ----------------------------------------------------------------------- report


def report(
    command: str,
    info: dict[str, str],
    backlog: Backlog,
    idle: Idle,
    floor: Floor,
    load: UnderLoad | None,
) -> str:
    n = backlog.submissions
    docs = len(floor.in_process)
    overhead = percentile(backlog.per_submission, 50) / percentile(
        floor.per_submission_isolated, 50
    )
    lines = [
        f"#### Run of {info['date']}",
        "",
        f"Command: `{command}`",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in info.items() if k != "date"),
        "",
        f"Backlog: {n} submissions (a letter and six NEFs each, {docs} PDFs,"
        f" {backlog.message_bytes / MIB:.1f} MiB of mail), one `poll_once`, SQLite state"
        f" (WAL, synchronous=FULL), messages moved to Processed. Outcome: "
        + ", ".join(f"{v} {k}" for k, v in sorted(backlog.statuses.items()))
        + f"; poll counts {backlog.result}.",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| backlog throughput | {n / backlog.wall_seconds:.2f} submissions/s"
        f" ({backlog.wall_seconds:.1f} s for {n}, login to logout) |",
        f"| time per submission, p50 / p90 / max | {spread(backlog.per_submission, 1000, 0)} ms |",
        f"| IMAP commands for the backlog | {backlog.imap_commands}"
        f" ({backlog.imap_commands / n:.1f} per submission) |",
        f"| peak RSS, poll process | {backlog.maxrss_poll / MIB:.0f} MiB |",
        f"| peak RSS, largest PDF-reader child | {backlog.maxrss_children / MIB:.0f} MiB |",
        f"| empty poll over {idle.messages:,} old messages, p50 / max |"
        f" {percentile(idle.seconds, 50) * 1000:.0f} / {max(idle.seconds) * 1000:.0f} ms,"
        f" {len(idle.commands)} IMAP commands: {' '.join(idle.commands)} |",
        f"| floor: `read_pdf` in-process per document, p50 / p90 / max |"
        f" {spread(floor.in_process, 1000)} ms (CPU {spread(floor.in_process_cpu, 1000)} ms) |",
        f"| floor: `read_pdf_isolated` per document, p50 / p90 / max |"
        f" {spread(floor.isolated, 1000)} ms |",
        f"| floor per submission (7 PDFs), in-process / isolated, p50 |"
        f" {percentile(floor.per_submission_in_process, 50) * 1000:.0f} /"
        f" {percentile(floor.per_submission_isolated, 50) * 1000:.0f} ms |",
        f"| poll time per submission over the isolated floor | {overhead:.2f}x (p50) |",
    ]
    if floor.unreadable:
        lines.append(f"| PDFs the floor could not read | {floor.unreadable} |")
    if load is not None:
        worst = max(load.isolated)
        stretch = [w / c for w, c in zip(load.isolated, load.child_cpu, strict=True) if c > 0]
        lines += [
            "",
            f"Under load: {load.burners} busy-loop processes on {info['CPUs (nproc)']} CPUs"
            f" (load average {load.load_before} before, {load.load_after} at the end),"
            f" {len(load.isolated)} calls of `read_pdf_isolated` on the same PDFs.",
            "",
            "| under load | value |",
            "| --- | --- |",
            f"| wall-clock per document, p50 / p90 / max | {spread(load.isolated, 1000)} ms |",
            f"| reader child's CPU per document, p50 / p90 / max |"
            f" {spread(load.child_cpu, 1000)} ms |",
            f"| wall-clock / CPU, p50 / p90 / max | {spread(stretch, 1, 1)} |",
            f"| timed out (timeout {load.timeout:g} s) | {load.timed_out} |",
            f"| slowest call, share of the timeout | {worst / load.timeout:.1%} |",
        ]
    return "\n".join(lines) + "\n"


def record(path: Path, section: str) -> None:
    """Put `section` between the markers of `path` (appended with them when absent)."""
    text = path.read_text() if path.exists() else ""
    block = f"{MARK_START}\n{section}{MARK_END}\n"
    if MARK_START in text and MARK_END in text:
        pattern = re.compile(re.escape(MARK_START) + r".*?" + re.escape(MARK_END) + r"\n?", re.S)
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block
    path.write_text(text)


# ------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--submissions", type=int, default=50, help="backlog size (default 50)")
    parser.add_argument("--idle-messages", type=int, default=10_000, help="default 10,000")
    parser.add_argument(
        "--load-burners", type=int, default=0, help="busy loops for the under-load run (0: skip)"
    )
    parser.add_argument("--load-seconds", type=float, default=15.0)
    parser.add_argument("--record", type=Path, help="write the results into this Markdown file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0
    if args.submissions < 1 or args.idle_messages < 1:
        parser.error("--submissions and --idle-messages must be at least 1")

    command = " ".join(
        [".venv/bin/python bench/poll_throughput.py", *map(shlex.quote, sys.argv[1:])]
    )
    info = machine()
    print(f"load average at start: {info['load average at start (1/5/15 min)']}", file=sys.stderr)
    started = time.perf_counter()
    submissions = [make_submission(n) for n in range(args.submissions)]
    print(
        f"generated {len(submissions)} submissions in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory(prefix="poll-bench-") as scratch, private_dovecot() as server:
        workdir = Path(scratch)
        backlog = run_backlog(server, submissions, workdir)
        print(f"backlog: {backlog.wall_seconds:.1f} s", file=sys.stderr)
        idle = run_idle(server, args.idle_messages, workdir)
    floor = run_floor(submissions)
    load = (
        run_under_load(submissions, args.load_burners, args.load_seconds)
        if args.load_burners
        else None
    )
    section = report(command, info, backlog, idle, floor, load)
    print(section)
    if args.record:
        record(args.record, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
