"""What a command costs from the shell: `intake --help`, `intake check` of one NEF, of a
letter as JSON, of one email, against a floor measured in the same run.

    .venv/bin/python bench/startup.py [--runs 15] [--imports] [--record bench/startup.md]

Each command is run `--runs` times as a child process, interleaved (one of each in
turn, so a change of the machine's load falls on all of them alike); the table gives
the median and the fastest wall time, the median CPU time of the command and of the
processes it waited for, and the ratio of the median to the floor's median.

The floor, measured in the same run and the same way: a process that starts this
interpreter (`python -c pass`, with the venv's site as the command has) and reads the
same PDF's text with bare pypdfium2 (open, every page's text, close): what any Python
tool that reads the PDF pays at the least. `python -c pass` alone is a row too.

Bytecode: an installed wheel runs from compiled bytecode. The environment of this
project sets PYTHONDONTWRITEBYTECODE=1, so a changed module would be compiled from
source at every run (~1-5 ms each); the bench compiles the package first
(`compileall`, into the usual `__pycache__` folders) and says so.

`--imports` adds the heaviest imports of `intake check` of the NEF (`python -X
importtime`, the fastest of five runs per module, self and cumulative).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fixtures.letters import example_letter  # noqa: E402
from fixtures.nefs import example_nef  # noqa: E402
from fixtures.pdfs import letter_pdf, nef_pdf  # noqa: E402

PYTHON = sys.executable
INTAKE = str(Path(PYTHON).with_name("intake"))
FLOOR = (
    "import sys, pypdfium2 as pdfium\n"
    "document = pdfium.PdfDocument(sys.argv[1])\n"
    "text = [document[i].get_textpage().get_text_range() for i in range(len(document))]\n"
    "document.close()\n"
)


@dataclass
class Row:
    name: str
    argv: list[str]
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    outputs: set[int] = field(default_factory=set)


def run_once(row: Row) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(row.argv, capture_output=True, cwd=REPO, check=False)
    row.walls.append(time.perf_counter() - started)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    row.cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{row.name}: exit {done.returncode}\n{done.stderr.decode()}")
    row.outputs.add(len(done.stdout))


def machine() -> list[str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return [
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPUs (nproc) {os.cpu_count()}; CPU `{cpu}`; Python {platform.python_version()};"
        f" kernel {platform.release()}",
    ]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def heaviest_imports(argv: Sequence[str], count: int = 25) -> list[str]:
    """The modules with the largest cumulative import time (the fastest of five runs)."""
    best: dict[str, tuple[int, int, int]] = {}
    code = "import sys; from intake.commands.cli import main; main(sys.argv[1:])"
    for _ in range(5):
        done = subprocess.run(
            [PYTHON, "-X", "importtime", "-c", code, *argv],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=False,
        )
        for line in done.stderr.splitlines():
            found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if not found:
                continue
            own, total, depth, name = (
                int(found[1]),
                int(found[2]),
                len(found[3]),
                found[4],
            )
            if name not in best or total < best[name][1]:
                best[name] = (own, total, depth)
    top = sorted(best.items(), key=lambda item: -item[1][1])[:count]
    lines = ["| module | self ms | cumulative ms |", "| --- | ---: | ---: |"]
    for name, (own, total, depth) in top:
        lines.append(f"| {'. ' * (depth // 2)}`{name}` | {own / 1000:.1f} | {total / 1000:.1f} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--imports", action="store_true", help="the heaviest imports of check")
    parser.add_argument("--record", type=Path, help="append the results to this Markdown file")
    args = parser.parse_args()
    at_start = load()
    compileall.compile_dir(REPO / "intake", quiet=1)
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as scratch:
        folder = Path(scratch)
        nef, letter = folder / "nef.pdf", folder / "letter.pdf"
        nef.write_bytes(nef_pdf(example_nef()))
        letter.write_bytes(letter_pdf(example_letter()))
        eml = REPO / "fixtures" / "eml" / "complete-outlook-prints.eml"
        rows = [
            Row("`python -c pass`", [PYTHON, "-c", "pass"]),
            Row(
                "floor: interpreter + bare pypdfium2 text of the NEF",
                [PYTHON, "-c", FLOOR, str(nef)],
            ),
            Row("`intake --help`", [INTAKE, "--help"]),
            Row("`intake check` one NEF (PDF)", [INTAKE, "check", str(nef)]),
            Row("`intake check --json` the letter (PDF)", [INTAKE, "check", "--json", str(letter)]),
            Row(f"`intake check` one email ({eml.name}, 7 PDFs)", [INTAKE, "check", str(eml)]),
        ]
        for row in rows:  # a warm-up run each: the page cache, not the measure
            run_once(row)
            row.walls.clear()
            row.cpus.clear()
        for _ in range(args.runs):
            for row in rows:
                run_once(row)
        imports = heaviest_imports(["check", str(nef)]) if args.imports else []
    at_end = load()
    floor = statistics.median(rows[1].walls)
    lines = [
        f"#### {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {args.runs} runs each",
        "",
        *machine(),
        f"- load average (1/5/15 min) at start: {at_start}; at end: {at_end}",
        "- bytecode compiled (compileall) before the runs",
        "",
        "| command | median wall | fastest | median CPU | vs floor |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        median = statistics.median(row.walls)
        lines.append(
            f"| {row.name} | {median * 1000:.0f} ms | {min(row.walls) * 1000:.0f} ms |"
            f" {statistics.median(row.cpus) * 1000:.0f} ms | {median / floor:.2f}x |"
        )
    if imports:
        lines += ["", "Heaviest imports of `intake check` of the NEF (parent and child):", ""]
        lines += imports
    text = "\n".join(lines) + "\n"
    print(text)
    if args.record:
        with args.record.open("a") as out:
            out.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
