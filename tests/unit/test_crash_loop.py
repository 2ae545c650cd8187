"""No crash loop: attempt marks, counted over polls, over a real SQLite store."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.core.policy.rules import Rules, load_rules
from intake.edges.store import MessageStatus, Store
from intake.service.cycle import MAX_INTERRUPTED, poll_once
from tests.unit.test_pipeline import OWN, ListSource, email


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state") as opened:
        yield opened


def test_a_message_interrupted_twice_is_failed_and_the_next_one_flows(
    store: Store, rules: Rules
) -> None:
    source = ListSource()
    poison = source.add(email("eve@example.org", "Eve", message_id="<poison@x>"))
    good = source.add(email())
    sha = hashlib.sha256(source.messages[poison]).hexdigest()
    for _ in range(MAX_INTERRUPTED):  # what two polls killed while reading it left behind
        store.attempts.begin("INBOX", 100, poison, sha)
    result = poll_once(source, store, rules, own_address=OWN)
    assert (result.failed, result.processed) == (1, 1)
    rows = {r.uid: r for r in store.messages.all()}
    assert rows[poison].status is MessageStatus.FAILED
    error = rows[poison].error
    assert error is not None and "interrupted 2 times" in error
    assert rows[good].status is MessageStatus.PROCESSED
    assert source.actions == [("failed", poison), ("processed", good)]
    assert (store.state_dir / "failed" / f"{sha}.eml").exists()  # kept for a retry


def test_one_interruption_is_forgiven_and_a_recorded_message_leaves_no_mark(
    store: Store, rules: Rules
) -> None:
    source = ListSource()
    uid = source.add(email())
    sha = hashlib.sha256(source.messages[uid]).hexdigest()
    assert store.attempts.begin("INBOX", 100, uid, sha) == 0
    result = poll_once(source, store, rules, own_address=OWN)
    assert result.processed == 1
    assert store.attempts.begin("INBOX", 100, uid, sha) == 0  # the mark went with the record


def test_other_bytes_under_the_same_uid_start_counting_afresh(store: Store) -> None:
    store.attempts.begin("INBOX", 1, 7, "a" * 64)
    assert store.attempts.begin("INBOX", 1, 7, "a" * 64) == 1
    assert store.attempts.begin("INBOX", 1, 7, "b" * 64) == 0
