"""Benchmark of `intake poll --once` on a backlog, against the floor measured in the same run.

    .venv/bin/python bench/poll_throughput.py [--submissions 140] [--idle-messages 10000]
        [--sources maildir,imap] [--load-burners 10] [--record bench/README.md]

IMAP needs Dovecot (scripts/install-dovecot.sh) and root, like the integration tests,
whose server class it reuses (tests/integration/dovecot.py). Measures, on this machine:

1. the floor and the readers: the PDFs of N generated submissions (each an email with
   a letter and six browser-printed NEFs, varied in attorney, courts and notice
   format) read bare by pypdfium2 in this one process (THE FLOOR), by pypdfium2 in two
   worker processes, by pypdf and by pdfplumber in one process, and by intake's
   sandboxed reader pool (`read_pdfs_isolated`, one email's PDFs at a time);
2. the backlog through `intake poll --once` (the command itself, start-up included, in
   a fresh interpreter; SQLite state, replies into the folder outbox, the clerks'
   pages; with --clerks a clerks' address too, so that every complete request's PDF
   packet is drawn and mailed): over a Maildir, and over IMAP on loopback (a private Dovecot):
   requests per second, the ratio of the poll's time to the floor, the outcome of every
   request, and the peak memory of the poll process and of its reader processes;
3. an empty poll over M old messages behind the cursor: seconds and IMAP commands;
4. with --load-burners K: `read_pdf_isolated` on the same NEFs while K busy-loop
   processes compete for the CPUs, against its wall-clock backstop.

Prints a Markdown results section; --record FILE also writes it into FILE between the
markers `<!-- poll_throughput results -->` and `<!-- end poll_throughput results -->`.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import io
import json
import multiprocessing
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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from intake.core.policy.rules import load_rules  # noqa: E402
from intake.edges.mail.imap import ImapSource  # noqa: E402
from intake.edges.pdf.interface import PdfLimits  # noqa: E402
from intake.edges.pdf.reader import read_pdf_isolated, read_pdfs_isolated  # noqa: E402
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
WORDINGS: tuple[Wording, ...] = ("formal", "numbered", "paraphrased")


def make_submission(n: int, styles: Sequence[str] = ("browser",)) -> Submission:
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
        pdfs.append((f"NEF {i + 1}.pdf", nef_pdf(nef, styles[(n + i) % len(styles)])))
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


# ------------------------------------------------------------- floor and readers


def pdfium_text(data: bytes) -> int:
    """THE FLOOR's unit: bare pypdfium2 text extraction of every page; the characters read."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    chars = 0
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    return chars


def pypdf_text(data: bytes) -> int:
    import pypdf

    return sum(len(page.extract_text() or "") for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def pdfplumber_text(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return sum(len(page.extract_text() or "") for page in pdf.pages)


@dataclass
class Readers:
    documents: int
    pages: int
    floor: float  # seconds for all submissions: bare pypdfium2, one process
    pdfium_two: float  # pypdfium2 in two worker processes
    pypdf: float
    plumber: float  # scaled to all submissions from `plumber_sample`
    plumber_sample: int
    isolated: float  # read_pdfs_isolated, one submission's PDFs at a time
    isolated_unreadable: int


def run_readers(submissions: Sequence[Submission], plumber_sample: int) -> Readers:
    import pypdfium2 as pdfium

    documents = [data for s in submissions for _, data in s.pdfs]
    pages = sum(len(pdfium.PdfDocument(data)) for data in documents)
    pdfium_text(documents[0])  # warm

    def timed(function: Any, datas: Sequence[bytes]) -> float:
        started = time.perf_counter()
        for data in datas:
            function(data)
        return time.perf_counter() - started

    floor = timed(pdfium_text, documents)
    with multiprocessing.get_context("fork").Pool(2) as workers:
        workers.map(pdfium_text, documents[:4])
        started = time.perf_counter()
        workers.map(pdfium_text, documents, chunksize=4)
        pdfium_two = time.perf_counter() - started
    pypdf_seconds = timed(pypdf_text, documents)
    sample = [data for s in submissions[:plumber_sample] for _, data in s.pdfs]
    plumber = timed(pdfplumber_text, sample) * len(submissions) / max(1, plumber_sample)
    read_pdf_isolated(documents[0])  # the pool's processes start here
    unreadable = 0
    started = time.perf_counter()
    for submission in submissions:
        texts = read_pdfs_isolated([data for _, data in submission.pdfs])
        unreadable += sum(not text.ok for text in texts)
    isolated = time.perf_counter() - started
    return Readers(
        len(documents),
        pages,
        floor,
        pdfium_two,
        pypdf_seconds,
        plumber,
        min(plumber_sample, len(submissions)),
        isolated,
        unreadable,
    )


# ---------------------------------------------------------------- the poll itself

# `intake poll --once` exactly as the console script runs it, in a fresh interpreter,
# plus the peak memory of this process and of its reader processes at the end, and the
# CPU of all its children (readers, MIME parse, their zygote: each ended first, so counted).
POLL = """
import json, resource, sys
from intake.commands.cli import main
code = main(["poll", "--once", "--config", sys.argv[1]])
from intake.edges.pdf.pool import close_shared_pool
from intake.edges.mail.isolated import close_parser
from intake.edges.children import close_shared_zygote
close_shared_pool()
close_parser()  # the MIME child too: its CPU counts once it is reaped
close_shared_zygote()
kib = 1024
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"code": code,
           "cpu_self": me.ru_utime + me.ru_stime, "cpu_children": kids.ru_utime + kids.ru_stime,
           "maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib,
           "maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib},
          open(sys.argv[2], "w"))
"""


@dataclass
class Poll:
    source: str
    submissions: int
    message_bytes: int
    seconds: float  # the whole command, interpreter start to exit
    statuses: dict[str, int]
    maxrss_poll: int
    maxrss_readers: int
    summary_line: str
    cpu_poll: float  # CPU seconds of the poll process
    cpu_readers: float  # CPU seconds of its reader processes


def poll_command(source: str, config: Path, submissions: Sequence[Submission]) -> Poll:
    figures = config.parent / "figures.json"
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-c", POLL, str(config), str(figures)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"poll_throughput: intake poll --once failed:\n{run.stderr}")
    out = json.loads(figures.read_text())
    if out["code"] != 0:
        raise SystemExit(f"poll_throughput: intake poll --once exited {out['code']}:\n{run.stderr}")
    statuses: dict[str, int] = {}
    with Store.open(config.parent / "state") as store:
        for request in store.requests.all():
            statuses[request.status.value] = statuses.get(request.status.value, 0) + 1
    last = [line for line in run.stderr.splitlines() if "fetched" in line]
    return Poll(
        source,
        len(submissions),
        sum(len(s.eml) for s in submissions),
        seconds,
        statuses,
        out["maxrss_self"],
        out["maxrss_children"],
        last[-1].strip() if last else "",
        out["cpu_self"],
        out["cpu_children"],
    )


# With --clerks, the clerks get a summary (page and PDF packet) of every complete request.
CLERKS = '[clerks]\naddresses = ["clerks@canb.test"]\n'


def poll_maildir(submissions: Sequence[Submission], workdir: Path, clerks: bool) -> Poll:
    folder = workdir / "maildir-run"
    mail = folder / "mail"
    for sub in ("new", "cur", "tmp"):
        (mail / sub).mkdir(parents=True)
    for n, submission in enumerate(submissions):
        (mail / "new" / f"1700000000.M{n}P1.bench").write_bytes(submission.eml)
    config = folder / "intake.toml"
    config.write_text(
        f'state_dir = "{folder / "state"}"\nown_address = "{OWN}"\n'
        f'[source]\nkind = "maildir"\nmaildir = "{mail}"\n' + (CLERKS if clerks else "")
    )
    return poll_command("Maildir", config, submissions)


def poll_imap(server: Any, submissions: Sequence[Submission], workdir: Path, clerks: bool) -> Poll:
    folder = workdir / "imap-run"
    folder.mkdir()
    mailbox = server.new_mailbox()
    mailbox.deliver_many(s.eml for s in submissions)
    config = mailbox.write_intake_config(folder, own_address=OWN, timeout_seconds=60)
    config.write_text(config.read_text() + (CLERKS if clerks else ""))
    return poll_command("IMAP (Dovecot, loopback)", config, submissions)


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
    readers: Readers,
    polls: Sequence[Poll],
    idle: Idle | None,
    load: UnderLoad | None,
    clerks: bool = False,
) -> str:
    n = polls[0].submissions if polls else 0
    floor = readers.floor

    def row(label: str, seconds: float, bold: bool = False) -> str:
        per = seconds / n * 1000
        text = f"| {label} | {per:.0f} ms ({n / seconds:.1f} requests/s) | {seconds / floor:.1f}x |"
        return text.replace("| ", "| **", 1).replace(" |", "** |", 1) if bold else text

    lines = [
        f"#### Run of {info['date']}",
        "",
        f"Command: `{command}`",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in info.items() if k != "date"),
        "",
        f"Backlog: {n} requests (a letter and six browser-printed NEFs each:"
        f" {readers.documents} PDFs, {readers.pages:,} pages,"
        f" {polls[0].message_bytes / MIB:.1f} MiB of mail)."
        if polls
        else "",
        "",
        "| reader, same emails, same run | per request | vs the floor |",
        "|---|---:|---:|",
        row("bare pypdfium2, one process (the floor)", floor),
        row("pypdfium2 in two worker processes", readers.pdfium_two),
        row("pypdf, one process", readers.pypdf),
        row(
            f"pdfplumber, one process (first {readers.plumber_sample} requests)",
            readers.plumber,
        ),
        row("intake's sandboxed reader pool (one email's PDFs at a time)", readers.isolated),
        *(row(f"`intake poll --once`, whole, {p.source}", p.seconds, bold=True) for p in polls),
        "",
    ]
    for p in polls:
        outcome = ", ".join(f"{v} {k}" for k, v in sorted(p.statuses.items()))
        lines.append(
            f"- {p.source}: {p.seconds:.2f} s for {p.submissions} requests; outcome {outcome};"
            f" peak RSS {p.maxrss_poll / MIB:.0f} MiB for the poll process,"
            f" {p.maxrss_readers / MIB:.0f} MiB for the largest reader process;"
            f" CPU {p.cpu_poll / p.submissions * 1000:.0f} ms per request in the poll process,"
            f" {p.cpu_readers / p.submissions * 1000:.0f} ms in the readers;"
            f" `{p.summary_line}`"
        )
    if readers.isolated_unreadable:
        lines.append(f"- PDFs the sandboxed reader could not read: {readers.isolated_unreadable}")
    if idle is not None:
        lines.append(
            f"- empty poll over {idle.messages:,} old messages (IMAP), p50 / max:"
            f" {percentile(idle.seconds, 50) * 1000:.0f} / {max(idle.seconds) * 1000:.0f} ms,"
            f" {len(idle.commands)} IMAP commands: {' '.join(idle.commands)}"
        )
    lines.append(f"- load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    lines.append("- bytecode compiled (compileall) before the polls")
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
            f"| timed out (backstop {load.timeout:g} s) | {load.timed_out} |",
            f"| slowest call, share of the backstop | {worst / load.timeout:.1%} |",
            f"| wall-clock / reader CPU, p50 (when measurable) | {spread(stretch, 1, 1)} |",
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
    parser.add_argument("--submissions", type=int, default=140, help="backlog size (default 140)")
    parser.add_argument("--idle-messages", type=int, default=10_000, help="0: skip")
    parser.add_argument("--sources", default="maildir,imap", help="maildir, imap or both")
    parser.add_argument(
        "--clerks",
        action="store_true",
        help="a clerks' address: summary emails with PDF packets (default: pages only)",
    )
    parser.add_argument("--plumber-sample", type=int, default=20, help="requests pdfplumber reads")
    parser.add_argument(
        "--load-burners", type=int, default=0, help="busy loops for the under-load run (0: skip)"
    )
    parser.add_argument("--load-seconds", type=float, default=15.0)
    parser.add_argument("--record", type=Path, help="write the results into this Markdown file")
    args = parser.parse_args(argv)
    sources = [s.strip() for s in args.sources.split(",") if s.strip()]
    if args.submissions < 1 or not set(sources) <= {"maildir", "imap"}:
        parser.error("--submissions must be at least 1; --sources: maildir, imap")

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
    # As bench/startup.py: the project sets PYTHONDONTWRITEBYTECODE=1, so without this the
    # poll process would compile the package from source at each run (~0.15 s of CPU, ~1 ms
    # a request of 140), which an installed wheel never does.
    compileall.compile_dir(REPO / "intake", quiet=1)
    polls: list[Poll] = []
    idle: Idle | None = None
    with tempfile.TemporaryDirectory(prefix="poll-bench-") as scratch:
        workdir = Path(scratch)
        readers = run_readers(submissions, args.plumber_sample)
        print(f"floor: {readers.floor:.2f} s", file=sys.stderr)
        if "maildir" in sources:
            polls.append(poll_maildir(submissions, workdir, args.clerks))
            print(f"maildir poll: {polls[-1].seconds:.2f} s", file=sys.stderr)
        if "imap" in sources or args.idle_messages:
            with private_dovecot() as server:
                if "imap" in sources:
                    polls.append(poll_imap(server, submissions, workdir, args.clerks))
                    print(f"imap poll: {polls[-1].seconds:.2f} s", file=sys.stderr)
                if args.idle_messages:
                    idle = run_idle(server, args.idle_messages, workdir)
    load = None
    if args.load_burners:
        load = run_under_load(submissions, args.load_burners, args.load_seconds)
    section = report(command, info, readers, polls, idle, load, args.clerks)
    print(section)
    if args.record:
        record(args.record, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
