"""Benchmark of the memory (and time) that reading one large email costs.

    .venv/bin/python bench/mime_memory.py [--sizes 10 25 50] [--label NAME] > /tmp/mime.md

Builds messages of about 10, 25 and 50 MB in three shapes and measures three calls on
each: `intake.edges.mail.message.parse_message` (MIME bytes to an Envelope),
`intake.service.cycle.read_message` (the same plus reading every attachment as a document,
what a poll does with each fetched message) and `intake.service.cycle.header_message_id`
(which the poll calls first, to recognise a copy of a message it already has).

Shapes:
- `one`: one base64 PDF as large as the message allows (at 50 MB it is past
  `MessageLimits.max_attachment_bytes`, 25 MiB, so it is sized but not decoded);
- `several`: PDFs of ~5 MB of mail each (2, 5 or 10 of them);
- `forwarded`: the `several` email forwarded as a message/rfc822 attachment.

Every PDF is a one-page PDF with an unreferenced stream of random bytes (incompressible,
like the scans attorneys send), so the document readers read it as an ordinary PDF.

Each measurement runs in a fresh interpreter that reads the message from a file, so its
figures are that call's alone: peak RSS of the whole process (VmHWM, see `status_kib`)
and RSS before the call, wall-clock time, and in a second fresh interpreter the
tracemalloc peak of the Python allocations made during the call (the input bytes,
allocated before, are not in it; the ratio "x size" adds them back: what the process
holds at the peak, in units of the message). `read_message` is what the poll process
does: the MIME parse runs in its bounded child (`parse_isolated`) and the PDFs in the
reader pool's processes; their peaks (VmHWM, read while they still run) are columns of
their own, not in the process's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fixtures.mime import Attach, Forwarded, Mail, build  # noqa: E402
from fixtures.pdfs import raw_pdf  # noqa: E402

MB = 1_000_000
MIB = 1024 * 1024
SHAPES = ("one", "several", "forwarded")
CALLS = ("parse_message", "read_message", "header_message_id")
PER_PDF_MAIL = 5 * MB  # mail bytes per PDF in the `several` shapes
BASE64_GROWTH = 77 / 57  # base64 lines of 76 characters and a newline per 57 bytes


# ------------------------------------------------------------------ messages


def padded_pdf(size: int) -> bytes:
    """A one-page PDF of about `size` bytes: a line of text and an unreferenced stream."""
    text = b"BT /F1 12 Tf 72 720 Td (Notice of Electronic Filing) Tj ET"
    filler = os.urandom(max(0, size - 600))
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
            b" /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(filler), filler),
        ]
    )


def mail(message_id: str, attachments: tuple[Attach | Forwarded, ...], crlf: bool = True) -> bytes:
    """The email; with CRLF line ends as IMAP serves it, or LF ones to forward it."""
    written = build(
        Mail(
            sender_name="Jane A. Doe",
            sender_address="jane.doe@example-law.test",
            subject="CM/ECF training waiver",
            date=dt.datetime(2025, 1, 15, 9, 30, tzinfo=dt.UTC),
            message_id=message_id,
            body="My letter and notices are attached.",
            attachments=attachments,
        )
    )
    return written.replace(b"\n", b"\r\n") if crlf else written


def pdfs_for(mail_bytes: int) -> tuple[Attach, ...]:
    count = max(1, round(mail_bytes / PER_PDF_MAIL))
    each = int(mail_bytes / count / BASE64_GROWTH)
    return tuple(Attach(padded_pdf(each), f"NEF {n + 1}.pdf") for n in range(count))


def message(shape: str, size_mb: int) -> bytes:
    size = size_mb * MB
    if shape == "one":
        pdf = padded_pdf(int(size / BASE64_GROWTH))
        return mail("one@example-law.test", (Attach(pdf, "scan.pdf"),))
    if shape == "several":
        return mail("several@example-law.test", pdfs_for(size))
    inner = mail("forwarded-inner@example-law.test", pdfs_for(size), crlf=False)
    return mail("forwarded@example-law.test", (Forwarded(inner, "Fwd NEFs.eml"),))


# ------------------------------------------------------------- measurement


def status_kib(field: str, pid: int | None = None) -> int:
    """A field of /proc/self/status (or of process `pid`) in bytes: VmRSS (now) or VmHWM
    (peak of this image).

    Not `ru_maxrss`: Linux carries it over exec from the parent's memory (subprocess
    starts children with vfork, so a child's `ru_maxrss` starts at its parent's peak,
    here the process that built the 50 MB messages). VmHWM starts afresh at exec.
    """
    with open(f"/proc/{pid or 'self'}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def child(call: str, path: Path, traced: bool) -> dict[str, float]:
    """Runs in a fresh interpreter: one call on the message in `path`."""
    from intake.core.model import Envelope
    from intake.core.policy.rules import load_rules
    from intake.edges.mail.message import parse_message
    from intake.service.cycle import header_message_id, read_message

    rules = load_rules()
    data = path.read_bytes()
    before = status_kib("VmRSS")
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    if call == "header_message_id":
        assert header_message_id(data)
        envelope = Envelope(message_id=None, sender_address=None, sender_name=None)
    elif call == "parse_message":
        envelope = parse_message(data)
        assert envelope.attachments, envelope.problems  # the message was read
    else:
        envelope = read_message(data, rules, ()).envelope
        assert envelope.attachments, envelope.problems
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    tracemalloc.stop()
    maxrss = status_kib("VmHWM")
    # The bounded children of `read_message` (the MIME parse, the PDF readers) are
    # long-lived: their own peaks are read while they still run.
    from intake.edges.mail import isolated
    from intake.edges.pdf import pool

    mime_child = isolated.parser_pid() if call == "read_message" else None
    readers = pool.shared_pool().reader_pids() if call == "read_message" else []
    return {
        "size": len(data),
        "seconds": seconds,
        "rss_before": before,
        "maxrss": maxrss,
        "traced_peak": peak,
        "attachments": len(envelope.attachments),
        "truncated": sum(a.truncated for a in envelope.attachments),
        "mime_child": status_kib("VmHWM", mime_child) if mime_child else 0,
        "reader": max((status_kib("VmHWM", pid) for pid in readers), default=0),
    }


def measure(call: str, path: Path, traced: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", call, str(path), "1" if traced else "0"],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


# ------------------------------------------------------------------ report


def machine() -> list[str]:
    cpu = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- CPUs (nproc) {os.cpu_count()}; CPU `{cpu}`; Python {platform.python_version()};"
        f" kernel {platform.release()}",
        f"- load average at start (1/5/15 min): {load}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50], metavar="MB")
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--calls", nargs="+", default=list(CALLS), choices=CALLS)
    parser.add_argument("--label", default="run", help="a heading for the table")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        call, path, traced = args.child
        print(json.dumps(child(call, Path(path), traced == "1")))
        return

    print(f"#### {args.label}: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print("\n".join(machine()) + "\n")
    print(
        "| shape | size | call | attachments (not decoded) | time | peak RSS | RSS growth"
        " | tracemalloc peak | peak x size | MIME child peak RSS | largest reader peak RSS |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="mime-memory-") as tmp:
        for size_mb in args.sizes:
            for shape in args.shapes:
                path = Path(tmp) / f"{shape}-{size_mb}.eml"
                path.write_bytes(message(shape, size_mb))
                for call in args.calls:
                    plain = measure(call, path, traced=False)
                    traced = measure(call, path, traced=True)
                    size = plain["size"]
                    growth = plain["maxrss"] - plain["rss_before"]
                    print(
                        f"| {shape} | {size / MB:.1f} MB | `{call}` |"
                        f" {plain['attachments']:.0f} ({plain['truncated']:.0f}) |"
                        f" {plain['seconds']:.2f} s | {plain['maxrss'] / MIB:.0f} MiB |"
                        f" {growth / MIB:.0f} MiB | {traced['traced_peak'] / MIB:.0f} MiB |"
                        f" {(traced['traced_peak'] + size) / size:.2f} |"
                        f" {_mib(plain['mime_child'])} | {_mib(plain['reader'])} |",
                        flush=True,
                    )
                path.unlink()


def _mib(size: float) -> str:
    return f"{size / MIB:.0f} MiB" if size else "-"


if __name__ == "__main__":
    main()
