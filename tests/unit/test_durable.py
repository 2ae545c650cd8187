"""Files written whole (intake.edges.durable), on a real file system."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from intake.edges.durable import write_all_once, write_atomically, write_once


def test_write_once_writes_a_new_file_and_keeps_an_existing_one(tmp_path: Path) -> None:
    path = tmp_path / "documents" / "abc.pdf"  # the folder is made on the way
    assert write_once(path, b"first") is True
    mtime = path.stat().st_mtime_ns
    assert write_once(path, b"first") is False  # the same bytes: kept, not rewritten
    assert path.stat().st_mtime_ns == mtime
    assert path.read_bytes() == b"first"
    assert sorted(p.name for p in path.parent.iterdir()) == ["abc.pdf"]  # no temp left


@pytest.mark.parametrize("durable", [True, False])
def test_write_atomically_replaces_the_whole_file(tmp_path: Path, durable: bool) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(b"old and longer than the new one")
    write_atomically(path, b"new", durable=durable)
    assert path.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_a_new_file_gets_the_mode_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "refresh-token.json"
    old_umask = os.umask(0o022)
    try:
        write_atomically(path, b"{}", mode=0o600)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_leaves_what_was_there_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "taken"
    path.mkdir()  # a folder where the file should go: the rename fails
    (path / "inside").write_bytes(b"kept")
    with pytest.raises(OSError):
        write_atomically(path, b"new")
    assert (path / "inside").read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def _dead_pid() -> int:
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stray_temporaries_of_dead_writers_go_and_live_ones_stay(tmp_path: Path) -> None:
    from intake.edges.durable import STRAY_AFTER_SECONDS, remove_stray_temporaries

    dead = tmp_path / f".a.pdf.{_dead_pid()}.tmp"
    mine = tmp_path / f".b.pdf.{os.getpid()}.tmp"
    live = tmp_path / f".c.pdf.{os.getppid()}.tmp"  # a live writer: our parent's pid
    old = tmp_path / f".d.pdf.{os.getppid()}.tmp"
    kept = [tmp_path / "a.pdf", tmp_path / ".hidden", tmp_path / "x.12.tmp"]
    for path in (dead, mine, live, old, *kept):
        path.write_bytes(b"x")
    hours_ago = os.stat(old).st_mtime - STRAY_AFTER_SECONDS - 10
    os.utime(old, (hours_ago, hours_ago))

    assert sorted(remove_stray_temporaries(tmp_path)) == sorted([dead, old])
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in (mine, live, *kept)}
    assert remove_stray_temporaries(tmp_path / "missing") == []


def test_write_all_once_writes_the_new_files_and_keeps_the_others(tmp_path: Path) -> None:
    kept = tmp_path / "documents" / "kept.pdf"
    write_once(kept, b"there before")
    files = [
        (tmp_path / "documents" / "a.pdf", b"A"),
        (kept, b"there before"),
        (tmp_path / "documents" / "a.pdf", b"the same name twice in one batch"),
        (tmp_path / "other" / "b.pdf", b"B"),
    ]
    assert write_all_once(files) == 2
    assert (tmp_path / "documents" / "a.pdf").read_bytes() == b"A"
    assert kept.read_bytes() == b"there before"
    assert (tmp_path / "other" / "b.pdf").read_bytes() == b"B"
    assert sorted(p.name for p in (tmp_path / "documents").iterdir()) == ["a.pdf", "kept.pdf"]
    assert write_all_once([]) == 0


def test_a_file_left_short_by_a_crash_is_written_again(tmp_path: Path) -> None:
    """A crash between the unsynced rename and the one sync can leave a content-addressed
    name holding nothing or part of its bytes; the next write of it mends the file
    instead of trusting its name."""
    empty = tmp_path / "documents" / "empty.pdf"
    short = tmp_path / "documents" / "short.pdf"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    short.write_bytes(b"%PDF-1.")
    whole = tmp_path / "documents" / "whole.pdf"
    whole.write_bytes(b"%PDF-1.7 whole")

    assert (
        write_all_once([(empty, b"%PDF-1.7 E"), (short, b"%PDF-1.7 S"), (whole, b"%PDF-1.7 whole")])
        == 2
    )
    assert empty.read_bytes() == b"%PDF-1.7 E"
    assert short.read_bytes() == b"%PDF-1.7 S"
    assert write_once(empty, b"%PDF-1.7 E") is False
    same_size = tmp_path / "documents" / "same-size.pdf"
    same_size.write_bytes(b"\0" * 10)
    assert write_once(same_size, b"%PDF-1.7 X") is True
    assert same_size.read_bytes() == b"%PDF-1.7 X"


def test_a_write_behind_has_its_files_in_place_and_says_when_they_are_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from intake.edges import durable

    kept = tmp_path / "documents" / "kept.pdf"
    write_once(kept, b"there before")
    release = threading.Event()
    synced: list[str] = []

    def slow_sync(folder: Path) -> bool:  # the disk flush, held until the test says
        release.wait(10)
        synced.append(threading.current_thread().name)
        return True

    monkeypatch.setattr(durable, "_sync_file_system", slow_sync)
    files = [(tmp_path / "documents" / "a.pdf", b"A"), (kept, b"there before")]
    future = durable.write_all_once_behind(files)
    # Written (unsynced) before it returns, the flush still running on its own thread.
    assert (tmp_path / "documents" / "a.pdf").read_bytes() == b"A"
    assert not future.done()
    release.set()
    assert future.result(10) == 1
    assert synced and synced[0] != threading.current_thread().name
    assert durable.write_all_once_behind([(kept, b"there before")]).result() == 0

    def failing_sync(folder: Path) -> bool:
        raise OSError("the disk is gone")

    monkeypatch.setattr(durable, "_sync_file_system", failing_sync)
    with pytest.raises(OSError, match="the disk is gone"):
        durable.write_all_once_behind([(tmp_path / "b.pdf", b"B")]).result(10)
