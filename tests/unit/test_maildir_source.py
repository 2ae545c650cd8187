"""MaildirSource on a real Maildir in tmp_path: UIDs, actions, the sidecar uid list."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.edges.mail.maildir import (
    UIDLIST_NAME,
    MaildirSource,
    UidList,
    deliver,
    format_uidlist,
    parse_uidlist,
    seed_maildir,
)
from intake.edges.mail.source import SourceError


def message(n: int) -> bytes:
    return f"From: a{n}@example-law.com\r\nSubject: waiver {n}\r\n\r\nbody {n}\r\n".encode()


def test_a_missing_maildir_is_created_empty(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    with MaildirSource(root) as source:
        assert source.uids_above(0) == []
        assert source.uidvalidity() > 0
    assert all((root / sub).is_dir() for sub in ("cur", "new", "tmp"))


def test_uids_and_uidvalidity_are_stable_across_instances(tmp_path: Path) -> None:
    for n in range(3):
        deliver(tmp_path, message(n))

    with MaildirSource(tmp_path) as first:
        uids = first.uids_above(0)
        contents = {m.ref.uid: m.data for m in first.fetch(uids)}
        validity = first.uidvalidity()
    with MaildirSource(tmp_path) as second:
        assert second.uids_above(0) == uids == [1, 2, 3]
        assert {m.ref.uid: m.data for m in second.fetch(uids)} == contents
        assert second.uidvalidity() == validity

    assert sorted(contents.values()) == sorted(message(n) for n in range(3))


def test_fetch_leaves_files_unread_and_names_unchanged(tmp_path: Path) -> None:
    path = deliver(tmp_path, message(1))
    with MaildirSource(tmp_path) as source:
        [fetched] = source.fetch([1])
    assert fetched.ref.folder == "INBOX"
    assert path.exists()  # still in new/, no ":2,S" (Seen) added


def test_new_mail_after_processed_gets_a_fresh_uid(tmp_path: Path) -> None:
    deliver(tmp_path, message(1))
    deliver(tmp_path, message(2))
    with MaildirSource(tmp_path) as source:
        source.mark_processed(1)
        deliver(tmp_path, message(3))
        assert source.uids_above(0) == [2, 3]
        assert source.uids_above(2) == [3]
        [latest] = source.fetch([3])
    assert latest.data == message(3)


def test_uid_survives_the_move_to_cur_and_flag_changes(tmp_path: Path) -> None:
    path = deliver(tmp_path, message(1))
    with MaildirSource(tmp_path) as source:
        assert source.uids_above(0) == [1]
        path.rename(tmp_path / "cur" / f"{path.name}:2,S")
        assert source.uids_above(0) == [1]
        assert [m.data for m in source.fetch([1])] == [message(1)]


def test_mark_processed_and_failed_move_into_sub_maildirs(tmp_path: Path) -> None:
    done = deliver(tmp_path, message(1))
    (tmp_path / "cur" / f"{done.name}:2,F").write_bytes(done.read_bytes())
    done.unlink()
    failed = deliver(tmp_path, message(2))

    with MaildirSource(tmp_path) as source:
        source.mark_processed(1)
        source.mark_failed(2)
        source.mark_processed(1)  # already moved: nothing to do, no error
        assert source.uids_above(0) == []

    assert [p.name for p in (tmp_path / ".Processed" / "cur").iterdir()] == [f"{done.name}:2,F"]
    assert [p.name for p in (tmp_path / ".Failed" / "cur").iterdir()] == [f"{failed.name}:2,"]
    assert (tmp_path / ".Processed" / "maildirfolder").exists()
    with MaildirSource(tmp_path, "Processed", processed_folder="Archive") as processed:
        assert [m.data for m in processed.fetch(processed.uids_above(0))] == [message(1)]


def test_uid_list_survives_a_crash_mid_write(tmp_path: Path) -> None:
    for n in range(2):
        deliver(tmp_path, message(n))
    with MaildirSource(tmp_path) as source:
        validity = source.uidvalidity()
        assert source.uids_above(0) == [1, 2]
    # What a writer killed between write() and rename() leaves: a partial temp file.
    crashed = tmp_path / "intake-uidlist.tmp-4242"
    crashed.write_text("intake-uidlist v1 uidvalidity=99 next=7\n1 garb")
    deliver(tmp_path, message(3))

    with MaildirSource(tmp_path) as source:
        assert source.uids_above(0) == [1, 2, 3]
        assert source.uidvalidity() == validity
    assert not crashed.exists()


def test_an_unreadable_uid_list_is_rebuilt_with_a_higher_uidvalidity(tmp_path: Path) -> None:
    deliver(tmp_path, message(1))
    with MaildirSource(tmp_path) as source:
        validity = source.uidvalidity()
    listing = tmp_path / UIDLIST_NAME
    listing.write_text(listing.read_text()[:-5] + "\nnot a line\n")

    with MaildirSource(tmp_path) as source:
        assert source.uidvalidity() > validity
        assert source.uids_above(0) == [1]
        assert [m.ref.uidvalidity for m in source.fetch([1])] == [source.uidvalidity()]


def test_concurrent_pollers_never_give_two_messages_one_uid(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def deliver_and_list(offset: int) -> None:
        try:
            source = MaildirSource(tmp_path)
            for n in range(15):
                deliver(tmp_path, message(offset + n))
                source.uids_above(0)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliver_and_list, args=(k * 100,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    state = parse_uidlist((tmp_path / UIDLIST_NAME).read_text())
    assert sorted(state.uids.values()) == list(range(1, 46))
    assert state.next_uid == 46


def test_seed_maildir_delivers_files_and_folders_and_checks_first(tmp_path: Path) -> None:
    emls = tmp_path / "eml"
    emls.mkdir()
    for n in range(2):
        (emls / f"{n}.eml").write_bytes(message(n))
    (emls / "notes.txt").write_text("not mail")
    single = tmp_path / "one.eml"
    single.write_bytes(message(9))
    root = tmp_path / "maildir"

    with pytest.raises(FileNotFoundError, match=r"missing\.eml"):
        seed_maildir(root, [single, tmp_path / "missing.eml"])
    assert not (root / "new").exists() or not any((root / "new").iterdir())

    delivered = seed_maildir(root, [emls, single])
    assert [p.read_bytes() for p in delivered] == [message(0), message(1), message(9)]
    with MaildirSource(root) as source:
        assert len(source.uids_above(0)) == 3


def test_an_unusable_path_gives_a_source_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SourceError, match=r"Maildir .*file"):
        MaildirSource(blocker).uids_above(0)


def test_the_polled_folder_cannot_be_its_own_processed_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must differ"):
        MaildirSource(tmp_path, "Processed")


keys = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="\n\r :", exclude_categories=["Cs"]),
    min_size=1,
    max_size=30,
)


@given(st.integers(1, 2**32 - 1), st.lists(keys, unique=True, max_size=20))
def test_uid_list_text_round_trips(uidvalidity: int, names: list[str]) -> None:
    state = UidList(uidvalidity)
    for name in names:
        state.assign(name)
    assert parse_uidlist(format_uidlist(state)) == state
