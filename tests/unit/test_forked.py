"""Bounded runs in forks of a single-threaded command (`intake.edges.forked`), and
`intake check` reading through them: the same bounds as the reader pool.

Each case runs in a fresh interpreter: a fork is allowed only while the process has one
thread, and this test session has others (the reader pool's feeders of earlier tests).
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.unit.test_pdf import NEF_LINES, heavy_pdf_bytes, make_pdf

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Runs the tasks named on the command line (each `order`, one fork each, at most
# PARALLEL at once) and prints their outcomes and what the parent saw.
PROBE = """
import json, os, sys, threading, time
from intake.edges import forked
from intake.edges.bounds import Bounds, Done
from tests.unit.test_forked import behave

bounds = Bounds(cpu_seconds=CPU, max_memory_bytes=MEMORY, timeout_seconds=TIMEOUT)
orders = sys.argv[1:]
started = time.monotonic()
with forked.allowed():
    jobs = [forked.Job(behave, order, bounds) for order in orders]
    outcomes = forked.finish(jobs, parallel=PARALLEL)
    usable_inside = forked.usable()
    thread = threading.Thread(target=time.sleep, args=(0.5,))
    thread.start()
    usable_with_a_thread = forked.usable()
    thread.join()
print(json.dumps({
    "outcomes": [
        {"kind": "done", "value": o.value, "error": o.error} if isinstance(o, Done)
        else {"kind": "stopped", "why": o.why, "detail": o.detail}
        for o in outcomes
    ],
    "seconds": time.monotonic() - started,
    "pid": os.getpid(),
    "usable_inside": usable_inside,
    "usable_with_a_thread": usable_with_a_thread,
    "usable_after": forked.usable(),
}))
"""

GENEROUS = {"CPU": 20, "MEMORY": 512 * 1024 * 1024, "TIMEOUT": 60, "PARALLEL": 2}


def behave(order: str) -> Any:
    """The task: do what `order` says, in the child."""
    if order == "pid":
        return os.getpid()
    if order == "descriptors":
        return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    if order == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if order == "spin":
        while True:
            pass
    if order == "sleep":
        time.sleep(60)
    if order.startswith("meet:"):
        _, folder, count, wait = order.split(":")
        return meet(pathlib.Path(folder), int(count), float(wait))
    if order == "allocate":
        return len(bytearray(2 * 1024 * 1024 * 1024))
    if order == "raise":
        raise ValueError("a bug in the task")
    if order == "big":
        return "x" * 3_000_000  # far more than a pipe holds: read while it is written
    if order == "unpicklable":
        return lambda: None
    if order == "print":
        print("the child's own output")
        return "printed"
    return order


def meet(folder: pathlib.Path, count: int, wait: float) -> int:
    """Wait until `count` tasks run at once (at most `wait` seconds, or until another saw
    them); the most this task saw running at once. No timing is assumed: a task is
    running from its file `running-PID` until it is renamed `done-PID`, before it ends."""
    me = folder / f"running-{os.getpid()}"
    me.touch()
    most = 0
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline and not (folder / "met").exists():
            most = max(most, len(list(folder.glob("running-*"))))
            if most >= count:
                (folder / "met").touch()
                break
            time.sleep(0.005)
        return most
    finally:
        me.rename(folder / f"done-{os.getpid()}")


def probe(*orders: str, **settings: float) -> dict[str, Any]:
    code = PROBE
    for name, value in {**GENEROUS, **settings}.items():
        code = code.replace(name, repr(value))
    out = subprocess.run(
        [sys.executable, "-c", code, *orders],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["stdout"] = out.stdout
    return result


def test_each_task_runs_in_a_child_of_its_own_and_answers_in_order() -> None:
    result = probe("pid", "pid", "hello", "pid")
    values = [o["value"] for o in result["outcomes"]]
    assert values[2] == "hello"
    pids = [values[0], values[1], values[3]]
    assert len(set(pids)) == 3 and result["pid"] not in pids


def test_forks_are_allowed_only_within_the_scope_and_without_threads() -> None:
    result = probe("pid")
    assert result["usable_inside"] is True
    assert result["usable_with_a_thread"] is False
    assert result["usable_after"] is False


def test_a_crash_costs_only_its_task() -> None:
    result = probe("pid", "segfault", "after")
    assert result["outcomes"][1] == {"kind": "stopped", "why": "crash", "detail": "SIGSEGV"}
    assert result["outcomes"][2]["value"] == "after"


def test_cpu_time_is_bounded() -> None:
    result = probe("spin", "after", CPU=1)
    assert result["outcomes"][0]["why"] == "cpu"
    assert result["outcomes"][1]["value"] == "after"
    assert result["seconds"] < 30


def test_wall_clock_is_bounded() -> None:
    result = probe("sleep", TIMEOUT=0.3)
    assert result["outcomes"] == [{"kind": "stopped", "why": "timeout", "detail": ""}]
    assert result["seconds"] < 5


def test_memory_is_bounded() -> None:
    result = probe("allocate", "after")
    assert result["outcomes"][0]["why"] == "memory"
    assert result["outcomes"][1]["value"] == "after"


def test_errors_and_answers_that_cannot_travel_are_reported_not_raised() -> None:
    result = probe("raise", "unpicklable")
    assert result["outcomes"][0] == {"kind": "done", "value": None, "error": "a bug in the task"}
    assert result["outcomes"][1]["kind"] == "done"
    assert "cannot be sent" in result["outcomes"][1]["error"]


def test_a_large_answer_comes_back_whole() -> None:
    assert probe("big")["outcomes"][0]["value"] == "x" * 3_000_000


def test_the_child_keeps_only_stdio_and_its_pipe_and_prints_nothing() -> None:
    result = probe("descriptors", "print")
    # 0-2 and the pipe; the listing's own descriptor of /proc/self/fd as well.
    assert len(result["outcomes"][0]["value"]) <= 5
    assert result["outcomes"][1]["value"] == "printed"
    assert "the child's own output" not in result["stdout"]


def test_at_most_parallel_children_run_at_once(tmp_path: pathlib.Path) -> None:
    # Each task counts the tasks running beside it (`meet`), rather than the test timing
    # naps: a busy machine stretches time, never the count.
    def most_at_once(parallel: int, wait: float) -> int:
        folder = tmp_path / f"parallel-{parallel}"
        folder.mkdir()
        order = f"meet:{folder}:3:{wait}"
        outcomes = probe(order, order, order, PARALLEL=parallel)["outcomes"]
        assert all(o["kind"] == "done" for o in outcomes), outcomes
        assert len(list(folder.glob("done-*"))) == 3
        return int(max(o["value"] for o in outcomes))

    # Three may run at once: they meet (each waits for the others as long as it takes).
    assert most_at_once(3, wait=50) == 3
    # Never more than allowed, however long each waits for a third.
    assert most_at_once(2, wait=0.5) <= 2
    assert most_at_once(1, wait=0.3) == 1


# ------------------------------------------------------- PDFs read by forks


@pytest.fixture(scope="module")
def heavy(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("heavy") / "heavy.pdf"
    path.write_bytes(heavy_pdf_bytes())
    return path


# `read_pdfs_isolated` within `forked.allowed()`, as `intake check` of a few files
# reads, in a fresh interpreter: the texts' kinds and reasons, and whether the reader
# pool was ever loaded.
READ = """
import json, sys
from intake.edges import forked
from intake.edges.pdf.reader import PdfLimits, read_pdfs_isolated

datas = [open(path, "rb").read() for path in sys.argv[1:]]
with forked.allowed():
    texts = read_pdfs_isolated(datas, PdfLimits(LIMITS))
print(json.dumps({
    "texts": [{"ok": t.ok, "reason": t.reason, "pages": t.page_count} for t in texts],
    "pool": "intake.edges.pdf.pool" in sys.modules,
}))
"""


def read_forked(*paths: pathlib.Path, limits: str = "") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", READ.replace("LIMITS", limits), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_pdfs_read_by_forks_are_bounded_in_cpu_time_like_the_pool(
    tmp_path: pathlib.Path, heavy: pathlib.Path
) -> None:
    nef = tmp_path / "nef.pdf"
    nef.write_bytes(make_pdf([list(NEF_LINES)]))
    result = read_forked(nef, heavy, nef, limits="cpu_seconds=1")
    assert result["pool"] is False
    first, hostile, again = result["texts"]
    assert first["ok"] and again["ok"] and first["pages"] == 1
    assert hostile == {"ok": False, "reason": "took longer than 1 s of CPU time", "pages": 0}


def test_pdfs_read_by_forks_are_bounded_in_memory_and_wall_clock(heavy: pathlib.Path) -> None:
    memory = read_forked(heavy, limits="max_memory_bytes=64 * 1024 * 1024")
    assert memory["texts"][0]["reason"] == "ran out of memory (limit 64 MiB)"
    started = time.monotonic()
    backstop = read_forked(heavy, limits="timeout_seconds=0.5")
    assert backstop["texts"][0]["reason"] == "took longer than 0.5 s"
    assert time.monotonic() - started < 30
