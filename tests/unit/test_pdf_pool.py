"""The sandboxed reader processes: bounds, recycling, parallel reads, read-ahead.

Real child processes throughout; the task given to `Sandboxed` is this module's
`behave`, which misbehaves in the way it is told to.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Any

import pytest

from intake.edges.bounds import Bounds, Done, Stopped
from intake.edges.pdf.derived import derive
from intake.edges.pdf.interface import PdfLimits
from intake.edges.pdf.pool import ReaderPool
from intake.edges.sandbox import Sandboxed, Zygote
from tests.unit.test_pdf import NEF_LINES, make_pdf

GENEROUS = Bounds(cpu_seconds=20, max_memory_bytes=512 * 1024 * 1024, timeout_seconds=60)


def behave(order: str) -> Any:
    """The task: do what `order` says, in the child."""
    if order == "pid":
        return os.getpid()
    if order == "descriptors":
        targets = []
        for fd in os.listdir("/proc/self/fd"):
            if int(fd) > 2:
                # The listing's own descriptor is closed by now: suppressed.
                with contextlib.suppress(OSError):
                    targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        return targets
    if order == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if order == "spin":
        while True:
            pass
    if order == "sleep":
        time.sleep(60)
    if order == "allocate":
        return len(bytearray(2 * 1024 * 1024 * 1024))
    if order == "raise":
        raise ValueError("a bug in the task")
    return order


@pytest.fixture(params=["interpreter", "zygote"])
def sandboxed(request: pytest.FixtureRequest) -> Any:
    # Every bound holds alike for a child in a fresh interpreter and one forked by a zygote.
    zygote = Zygote(BEHAVE) if request.param == "zygote" else None
    child = Sandboxed(BEHAVE, max_tasks=3, zygote=zygote)
    yield child
    child.close()
    if zygote is not None:
        zygote.close()


BEHAVE = "tests.unit.test_pdf_pool:behave"


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_zygote_forks_each_child_and_reaps_it() -> None:
    zygote = Zygote(BEHAVE)
    child = Sandboxed(BEHAVE, max_tasks=2, zygote=zygote)
    try:
        pids = [child.run("pid", GENEROUS) for _ in range(3)]
        values = [p.value for p in pids if isinstance(p, Done)]
        assert len(values) == 3 and values[0] == values[1] != values[2]
        assert zygote.pid is not None and _parent_of(values[2]) == zygote.pid
        assert _gone(values[0])  # replaced after two tasks, and reaped (no zombie left)
        assert child.run("segfault", GENEROUS) == Stopped("crash", "SIGSEGV")
        assert _gone(values[2])
        zygote_pid = zygote.pid
    finally:
        child.close()
        zygote.close()
    assert _gone(zygote_pid)


def test_a_zygote_found_gone_is_started_again() -> None:
    zygote = Zygote(BEHAVE)
    child = Sandboxed(BEHAVE, max_tasks=1, zygote=zygote)
    try:
        assert child.run("ok", GENEROUS) == Done("ok")
        first = zygote.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        os.waitpid(first, 0)
        assert child.run("ok", GENEROUS) == Done("ok")
        assert zygote.pid not in (None, first)
    finally:
        child.close()
        zygote.close()


def test_a_child_serves_many_tasks_then_is_replaced(sandboxed: Sandboxed) -> None:
    pids = [sandboxed.run("pid", GENEROUS) for _ in range(6)]
    assert all(isinstance(p, Done) for p in pids)
    values = [p.value for p in pids if isinstance(p, Done)]
    assert values[0] == values[1] == values[2] != os.getpid()
    assert values[3] == values[4] == values[5] != values[0]  # max_tasks=3: a new child


def test_the_child_keeps_no_descriptor_of_the_parent(sandboxed: Sandboxed) -> None:
    with open(__file__, "rb"):  # a descriptor the parent holds open during the fork
        outcome = sandboxed.run("descriptors", GENEROUS)
    assert isinstance(outcome, Done)
    # Beyond stdin, stdout and stderr: its pipe alone.
    assert not any(target.endswith("test_pdf_pool.py") for target in outcome.value)
    assert len(outcome.value) == 1 and outcome.value[0].startswith("socket:")


def test_a_crash_costs_only_its_task(sandboxed: Sandboxed) -> None:
    first = sandboxed.run("pid", GENEROUS)
    assert sandboxed.run("segfault", GENEROUS) == Stopped("crash", "SIGSEGV")
    after = sandboxed.run("pid", GENEROUS)
    assert isinstance(first, Done) and isinstance(after, Done)
    assert after.value != first.value


def test_cpu_time_is_bounded(sandboxed: Sandboxed) -> None:
    bounds = Bounds(cpu_seconds=1, max_memory_bytes=GENEROUS.max_memory_bytes, timeout_seconds=60)
    started = time.monotonic()
    assert sandboxed.run("spin", bounds) == Stopped("cpu")
    assert time.monotonic() - started < 30
    assert sandboxed.run("ok", GENEROUS) == Done("ok")


def test_wall_clock_is_bounded(sandboxed: Sandboxed) -> None:
    bounds = Bounds(cpu_seconds=20, max_memory_bytes=GENEROUS.max_memory_bytes, timeout_seconds=0.3)
    started = time.monotonic()
    assert sandboxed.run("sleep", bounds) == Stopped("timeout")
    assert time.monotonic() - started < 5
    assert sandboxed.run("ok", GENEROUS) == Done("ok")


def test_memory_is_bounded_and_the_child_replaced(sandboxed: Sandboxed) -> None:
    before = sandboxed.run("pid", GENEROUS)
    assert sandboxed.run("allocate", GENEROUS) == Stopped("memory")
    after = sandboxed.run("pid", GENEROUS)
    assert isinstance(before, Done) and isinstance(after, Done)
    assert after.value != before.value


def test_an_exception_in_the_task_is_reported_not_raised(sandboxed: Sandboxed) -> None:
    assert sandboxed.run("raise", GENEROUS) == Done(error="a bug in the task")


# ---------------------------------------------------------------------- the pool


@pytest.fixture
def pool() -> Any:
    readers = ReaderPool(workers=2, max_documents=50)
    yield readers
    readers.close()


def _nef(n: int) -> bytes:
    return make_pdf([[*NEF_LINES, f"Case Name: Debtor {n} LLC"]])


def test_pool_reads_in_order_on_two_processes(pool: ReaderPool) -> None:
    datas = [_nef(n) for n in range(8)]
    results = pool.read_all(datas)
    assert [f"Debtor {n} LLC" in r.text for n, r in enumerate(results)] == [True] * 8
    assert len(set(pool.reader_pids())) == 2
    assert os.getpid() not in pool.reader_pids()


def test_a_hostile_pdf_holds_one_reader_while_the_other_reads_on(pool: ReaderPool) -> None:
    from fixtures.pdfs import raw_pdf
    from tests.unit.test_pdf import text_stream

    stream = text_stream("Case Number: 1", compress=True, padding=150_000_000)
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"
    heavy = raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count 12 >>" % b" ".join([b"5 0 R"] * 12),
            b"<< >>",
            stream,
            page,
        ]
    )
    slow = pool.submit(heavy, PdfLimits(timeout_seconds=3))
    time.sleep(0.1)
    started = time.monotonic()
    quick = [pool.read(_nef(n)) for n in range(4)]
    assert all(r.ok for r in quick)
    assert time.monotonic() - started < 3  # read by the other process meanwhile
    stopped = slow.result()
    assert not stopped.ok and stopped.reason == "took longer than 3 s"
    assert pool.read(_nef(9)).ok  # the killed reader was replaced


def test_a_prefetched_read_is_taken_over_not_repeated(pool: ReaderPool) -> None:
    data = _nef(1)
    pool.prefetch(data)
    first = pool.submit(data)
    second = pool.submit(data)
    assert first is not second  # the prefetch is claimed once; the next is a new read
    assert first.result() == second.result()
    assert first.result().ok


def test_a_closed_pool_leaves_no_reader_behind() -> None:
    readers = ReaderPool(workers=2)
    readers.read_all([_nef(1), _nef(2)])
    pids = readers.reader_pids()
    zygote = readers._zygote.pid
    assert pids and zygote is not None
    readers.close()
    for pid in pids:  # forked by the zygote, reaped by it: no process, no zombie
        assert _gone(pid)
    with pytest.raises(ChildProcessError):
        os.waitpid(zygote, os.WNOHANG)


# ------------------------------------------------------------- derived reads


def derived(text: Any, context: dict[str, str]) -> Any:
    """A `Derive` function: what the reader process makes of the text it read."""
    order = context["order"]
    if order == "raise":
        raise ValueError("a bug in the derived function")
    if order == "spin":
        while True:
            pass
    return (os.getpid(), context["tag"], "Debtor 3 LLC" in text.text)


def test_a_derived_read_runs_the_function_in_the_reader_process(pool: ReaderPool) -> None:
    how = derive("tests.unit.test_pdf_pool:derived", {"order": "tag", "tag": "rules v1"})
    read = pool.submit_derived(_nef(3), PdfLimits(), how).result()
    assert read.text.ok and read.error is None
    pid, tag, found = read.value
    assert pid in pool.reader_pids() and pid != os.getpid()
    assert (tag, found) == ("rules v1", True)


def test_a_derived_function_that_raises_leaves_the_text_and_says_why(pool: ReaderPool) -> None:
    how = derive("tests.unit.test_pdf_pool:derived", {"order": "raise"})
    read = pool.submit_derived(_nef(1), PdfLimits(), how).result()
    assert read.text.ok and read.value is None
    assert read.error == "a bug in the derived function"


def test_a_derived_function_is_bounded_like_the_read(pool: ReaderPool) -> None:
    how = derive("tests.unit.test_pdf_pool:derived", {"order": "spin"})
    read = pool.submit_derived(_nef(1), PdfLimits(cpu_seconds=1), how).result()
    assert not read.text.ok and read.text.reason == "took longer than 1 s of CPU time"
    assert pool.read(_nef(2)).ok  # the stopped reader was replaced


def test_a_prefetch_is_taken_over_by_the_same_derive_only(pool: ReaderPool) -> None:
    data = _nef(4)
    first = derive("tests.unit.test_pdf_pool:derived", {"order": "tag", "tag": "a"})
    second = derive("tests.unit.test_pdf_pool:derived", {"order": "tag", "tag": "b"})
    pool.prefetch(data, PdfLimits(), first)
    other = pool.submit_derived(data, PdfLimits(), second).result()
    same = pool.submit_derived(data, PdfLimits(), first).result()
    assert other.value[1] == "b" and same.value[1] == "a"


def test_long_bytes_travel_beside_the_pickle_not_in_it() -> None:
    # An email or a PDF on its way to a child (an attachment on its way back) is sent
    # as it is: the pickle only names it, so the sender never holds a second copy.
    import threading
    from multiprocessing import Pipe

    from intake.edges.sandbox import receive, send

    big = os.urandom(3 * 1024 * 1024)
    ours, theirs = Pipe()
    sender = threading.Thread(target=send, args=(ours, ("payload", big, b"small")))
    sender.start()
    parts = [theirs.recv_bytes() for _ in range(3)]
    sender.join()
    assert int.from_bytes(parts[0], "big") == 1 and parts[1] == big
    assert len(parts[2]) < 200  # the pickle: a name for the blob, the small bytes inline

    sender = threading.Thread(target=send, args=(ours, ("payload", big, b"small")))
    sender.start()
    assert receive(theirs, deadline=time.monotonic() + 30) == ("payload", big, b"small")
    sender.join()


def test_a_zygote_whose_caller_leaves_before_its_answer_ends_quietly() -> None:
    # A Ctrl-C or kill ends the poll between its fork request and the zygote's answer:
    # the zygote must leave without a traceback on the terminal the poll shared with it.
    import json
    import socket
    import subprocess
    import sys

    from intake.edges import sandbox

    ours, theirs = socket.socketpair()
    zygote = subprocess.Popen(
        [sys.executable, "-c", sandbox._ZYGOTE, BEHAVE, str(theirs.fileno()), ""],
        pass_fds=(theirs.fileno(),),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, sandbox._PATH_ENV: json.dumps(sys.path)},
    )
    theirs.close()
    child_end, kept = socket.socketpair()
    socket.send_fds(ours, [sandbox._FORK + bytes(16)], [child_end.fileno()])
    ours.close()  # gone before the zygote has forked and answered
    child_end.close()
    kept.close()  # and so the child it forked sees its socket close, and leaves
    _, err = zygote.communicate(timeout=30)
    assert zygote.returncode == 0, err
    assert b"Traceback" not in err, err.decode()


def test_the_readers_zygote_compiles_the_letter_reader_on_a_letter_of_the_rules_own_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A reader forked after `preload` finds the letter's patterns compiled (~50 ms of CPU
    # its first letter would pay): the practice letter must read as the letter for that.
    from intake.core.documents import classify, statements
    from intake.core.model import DocumentKind
    from intake.edges.pdf import pool

    kinds: list[DocumentKind] = []
    real = classify.classify_text

    def classify_text(text: Any, rules: Any) -> Any:
        kind, facts = real(text, rules)
        kinds.append(kind)
        return kind, facts

    monkeypatch.setattr(classify, "classify_text", classify_text)
    statements._pattern.cache_clear()
    pool.preload()
    assert kinds == [DocumentKind.LETTER]
    assert statements._pattern.cache_info().currsize > 20


def doubled(order: str) -> str:
    """A second task, for a zygote serving two."""
    return order * 2


DOUBLED = "tests.unit.test_pdf_pool:doubled"


def test_one_zygote_forks_the_children_of_several_tasks_each_serving_its_own() -> None:
    zygote = Zygote((BEHAVE, DOUBLED))
    first = Sandboxed(BEHAVE, max_tasks=5, zygote=zygote)
    second = Sandboxed(DOUBLED, max_tasks=5, zygote=zygote)
    try:
        assert first.run("ab", GENEROUS) == Done("ab")
        assert second.run("ab", GENEROUS) == Done("abab")
        assert first.pid is not None and second.pid is not None
        assert _parent_of(first.pid) == _parent_of(second.pid) == zygote.pid
        assert second.run("segfault", GENEROUS) == Done("segfaultsegfault")
        assert first.run("segfault", GENEROUS) == Stopped("crash", "SIGSEGV")
        assert second.run("x", GENEROUS) == Done("xx")  # the crash cost its own child only
    finally:
        first.close()
        second.close()
        zygote.close()


def test_a_task_its_zygote_does_not_serve_runs_in_a_fresh_interpreter() -> None:
    zygote = Zygote(BEHAVE)
    child = Sandboxed(DOUBLED, max_tasks=5, zygote=zygote)
    try:
        assert child.run("ab", GENEROUS) == Done("abab")
        assert child.pid is not None and _parent_of(child.pid) == os.getpid()
    finally:
        child.close()
        zygote.close()


def test_the_mime_parse_is_forked_by_the_zygote_of_the_readers() -> None:
    from intake.edges.children import shared_zygote
    from intake.edges.mail import isolated
    from intake.edges.pdf.pool import shared_pool

    mail = b"From: Jane <jane@example-law.test>\r\nMessage-ID: <1@x>\r\nSubject: hi\r\n\r\nbody\r\n"
    try:
        envelope = isolated.parse_isolated(mail)
        assert envelope.sender_address == "jane@example-law.test"
        parser = isolated.parser_pid()
        assert parser is not None and _parent_of(parser) == shared_zygote().pid
        assert shared_pool()._zygote is shared_zygote()
    finally:
        isolated.close_parser()
