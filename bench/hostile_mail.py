"""What hostile mail costs now, and what the bounded MIME parse costs ordinary mail.

    .venv/bin/python bench/hostile_mail.py [--record bench/hostile_mail.md]

1. Every attack of `fixtures/attacks.py`: wall and CPU time of `parse_isolated` (the
   capped parse in the bounded child, as the poll runs it), and the child's peak RSS.
2. The 32 fixtures: `parse_isolated` against the bare in-process `parse_message` of the
   same bytes (the floor), as a ratio measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fixtures import attacks  # noqa: E402
from intake.edges.mail.isolated import close_parser, parse_isolated  # noqa: E402
from intake.edges.mail.message import parse_message  # noqa: E402


def timed(call: object, *args: object) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    call(*args)  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", type=Path)
    args = parser.parse_args()
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
        "",
        "| attack | bytes | wall ms | parent CPU ms |",
        "|---|---|---|---|",
    ]
    for name, data in [*attacks.attacks(), ("good submission", attacks.good_submission())]:
        wall, cpu = timed(parse_isolated, data)
        lines.append(f"| {name} | {len(data)} | {wall * 1000:.0f} | {cpu * 1000:.0f} |")
    close_parser()
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines += ["", f"peak RSS of the parsing child: {child_rss:.0f} MiB", ""]

    floors, bounded = [], []
    for path in sorted((REPO / "fixtures" / "eml").glob("*.eml")):
        data = path.read_bytes()
        parse_isolated(data)  # the child warm, as in a poll
        floors.append(min(timed(parse_message, data)[0] for _ in range(3)))
        bounded.append(min(timed(parse_isolated, data)[0] for _ in range(3)))
    floor, isolated = statistics.median(floors), statistics.median(bounded)
    lines += [
        "| 32 fixtures, median per email | ms |",
        "|---|---|",
        f"| parse_message in process (floor) | {floor * 1000:.1f} |",
        f"| parse_isolated (bounded child) | {isolated * 1000:.1f} |",
        f"| ratio to the floor | {isolated / floor:.2f} |",
    ]
    text = "\n".join(lines)
    print(text)
    if args.record:
        args.record.write_text(
            "# hostile_mail\n\n`.venv/bin/python bench/hostile_mail.py --record "
            "bench/hostile_mail.md`\n\n" + text + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
