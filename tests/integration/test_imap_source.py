"""ImapSource against a real Dovecot (see conftest.py): listing, fetching, actions, failures."""

from __future__ import annotations

import base64
import hashlib
import imaplib
import os
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from imap_tools import MailBoxUnencrypted

from intake.edges.mail.imap import ImapConfig, ImapSource, parse_bodies, plan_batches
from intake.edges.mail.source import SourceError
from tests.integration.dovecot import DovecotMailbox

pytestmark = pytest.mark.integration


def make_message(n: int, body: str = "Please find my NEFs attached.") -> bytes:
    return (
        f"From: Jane Doe <jane{n}@example-law.com>\r\n"
        f"To: training@canb.example\r\n"
        f"Subject: CM/ECF training waiver {n}\r\n"
        f"Message-ID: <waiver-{n}@example-law.com>\r\n"
        f"\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def sent_commands(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every IMAP command the client sends, as "NAME" or "UID SUBCOMMAND".

    Wraps imaplib's single send path; the real server still answers each command.
    """
    sent: list[str] = []
    original: Callable[..., Any] = imaplib.IMAP4._command  # type: ignore[attr-defined]

    def counting(self: imaplib.IMAP4, name: str, *args: Any) -> Any:
        sent.append(f"{name} {args[0]}".upper() if name == "UID" else name.upper())
        return original(self, name, *args)

    monkeypatch.setattr(imaplib.IMAP4, "_command", counting)
    yield sent


def test_new_mail_is_listed_and_fetched_whole_without_setting_seen(
    dovecot: DovecotMailbox,
) -> None:
    delivered = {dovecot.deliver(make_message(n)): make_message(n) for n in range(3)}

    with ImapSource(dovecot.imap_config()) as source:
        uids = source.uids_above(0)
        fetched = list(source.fetch(uids))

    assert uids == sorted(delivered)
    assert {m.ref.uid: m.data for m in fetched} == delivered
    assert {m.ref.uidvalidity for m in fetched} == {dovecot.uidvalidity()}
    assert all(m.ref.folder == "INBOX" for m in fetched)
    for uid in uids:
        assert "\\Seen" not in dovecot.flags(uid)


def test_uids_above_the_last_seen_returns_only_newer_mail(dovecot: DovecotMailbox) -> None:
    first = dovecot.deliver(make_message(1))
    second = dovecot.deliver(make_message(2))

    with ImapSource(dovecot.imap_config()) as source:
        assert source.uids_above(first) == [second]
        # "UID n:*" matches the highest UID even when it is below n: must be filtered.
        assert source.uids_above(second) == []
        assert source.uids_above(second + 100) == []
        assert list(source.fetch([])) == []


def test_a_message_expunged_between_search_and_fetch_is_skipped(dovecot: DovecotMailbox) -> None:
    gone, kept = dovecot.deliver(make_message(1)), dovecot.deliver(make_message(2))

    with ImapSource(dovecot.imap_config()) as source:
        uids = source.uids_above(0)
        dovecot.expunge(gone)  # another client deletes it meanwhile
        assert [m.ref.uid for m in source.fetch(uids)] == [kept]


def test_fetch_reads_in_bounded_batches(dovecot: DovecotMailbox, sent_commands: list[str]) -> None:
    uids = [dovecot.deliver(make_message(n)) for n in range(5)]

    with ImapSource(dovecot.imap_config(batch_size=2)) as source:
        sent_commands.clear()
        fetched = [m.ref.uid for m in source.fetch(uids)]

    assert fetched == uids
    # One size query, then ceil(5 / 2) = 3 body fetches.
    assert sent_commands.count("UID FETCH") == 4


def test_mark_processed_and_failed_move_to_folders_created_on_demand(
    dovecot: DovecotMailbox,
) -> None:
    done, bad, waiting = (dovecot.deliver(make_message(n)) for n in range(3))

    with ImapSource(dovecot.imap_config()) as source:
        source.mark_processed(done)
        source.mark_failed(bad)
        assert source.uids_above(0) == [waiting]

    assert dovecot.uids("INBOX") == [waiting]
    assert len(dovecot.uids("Processed")) == 1
    assert len(dovecot.uids("Failed")) == 1


def test_nested_processed_folder_gets_a_selectable_parent(dovecot: DovecotMailbox) -> None:
    uid = dovecot.deliver(make_message(1))

    # Non-ASCII on purpose: folder names travel as modified UTF-7.
    with ImapSource(dovecot.imap_config(processed_folder="Traités/Réussis")) as source:
        source.mark_processed(uid)

    assert len(dovecot.uids("Traités/Réussis")) == 1
    with MailBoxUnencrypted(dovecot.host, dovecot.port).login(
        dovecot.user, dovecot.password, initial_folder=None
    ) as box:
        parent = next(f for f in box.folder.list() if f.name == "Traités")
        assert "\\Noselect" not in parent.flags


def test_move_without_the_move_extension_copies_and_expunges_only_that_message(
    dovecot: DovecotMailbox,
) -> None:
    class NoMoveSource(ImapSource):
        """A server that lacks RFC 6851 MOVE, as older ones do."""

        def _server_capabilities(self) -> frozenset[str]:
            return frozenset({"IMAP4REV1", "UIDPLUS"})

    done, other = dovecot.deliver(make_message(1)), dovecot.deliver(make_message(2))
    with ImapSource(dovecot.imap_config()) as source:
        # Another client's deleted-but-not-expunged message must survive our move.
        source._ok(
            "flag",
            lambda: source._require_box().client.uid("STORE", str(other), "+FLAGS", r"(\Deleted)"),
        )

    with NoMoveSource(dovecot.imap_config()) as source:
        source.mark_processed(done)

    assert dovecot.uids("INBOX") == [other]
    assert len(dovecot.uids("Processed")) == 1


def test_marking_a_message_twice_is_harmless(dovecot: DovecotMailbox) -> None:
    uid = dovecot.deliver(make_message(1))

    for action in ("move", "keyword"):
        with ImapSource(dovecot.imap_config(processed_action=action)) as source:
            source.mark_processed(uid)
            source.mark_processed(uid)  # an owed action replayed after a crash

    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Processed")) == 1


def test_keyword_mode_sets_keywords_and_leaves_mail_in_place(dovecot: DovecotMailbox) -> None:
    done, bad = dovecot.deliver(make_message(1)), dovecot.deliver(make_message(2))

    with ImapSource(dovecot.imap_config(processed_action="keyword")) as source:
        source.mark_processed(done)
        source.mark_failed(bad)

    assert dovecot.uids("INBOX") == [done, bad]
    assert "$IntakeProcessed" in dovecot.flags(done)
    assert "$IntakeFailed" in dovecot.flags(bad)
    assert "\\Seen" not in dovecot.flags(done) | dovecot.flags(bad)


def test_uidvalidity_reset_is_visible_to_the_next_session(dovecot: DovecotMailbox) -> None:
    uid = dovecot.deliver(make_message(1))
    source = ImapSource(dovecot.imap_config())
    with source:
        before = source.uidvalidity()
    assert before == dovecot.uidvalidity()

    after = dovecot.reset_uidvalidity()

    with source:
        assert source.uidvalidity() == after != before
        [message] = source.fetch([uid])
        assert message.ref.uidvalidity == after


def test_search_falls_back_when_the_server_rejects_the_charset(
    dovecot: DovecotMailbox, sent_commands: list[str]
) -> None:
    uid = dovecot.deliver(make_message(1))

    with ImapSource(dovecot.imap_config(search_charset="X-NO-SUCH-CHARSET")) as source:
        assert source.uids_above(0) == [uid]
        assert source.uids_above(0) == [uid]

    # Rejected once, then remembered: three searches for two calls.
    assert sent_commands.count("UID SEARCH") == 3


def test_server_restart_mid_poll_raises_source_error_then_reconnect_works(
    dovecot: DovecotMailbox,
) -> None:
    uid = dovecot.deliver(make_message(1))
    source = ImapSource(dovecot.imap_config())

    with source:
        assert source.uids_above(0) == [uid]
        started = time.monotonic()
        dovecot.restart()
        assert time.monotonic() - started < 5
        with pytest.raises(SourceError, match=f"127.0.0.1:{dovecot.port}.*fetch"):
            list(source.fetch([uid]))
        with pytest.raises(SourceError, match="not connected"):
            source.uids_above(0)

    with ImapSource(dovecot.imap_config()) as fresh:
        assert [m.data for m in fresh.fetch([uid])] == [make_message(1)]


def test_a_server_that_stops_answering_times_out_into_a_source_error(
    dovecot: DovecotMailbox,
) -> None:
    uid = dovecot.deliver(make_message(1))

    with (
        ImapSource(dovecot.imap_config(timeout_seconds=0.5)) as source,
        dovecot.sessions_frozen(),
        pytest.raises(SourceError, match=r"UID SEARCH.*timed out"),
    ):
        source.uids_above(0)

    with ImapSource(dovecot.imap_config()) as fresh:
        assert fresh.uids_above(0) == [uid]


def test_a_server_that_never_greets_times_out_into_a_source_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        config = ImapConfig(
            host="127.0.0.1",
            port=port,
            security="plain",
            username="u",
            password="p",
            timeout_seconds=0.3,
        )
        with pytest.raises(SourceError, match=f"127.0.0.1:{port}: cannot connect.*timed out"):
            ImapSource(config).connect()


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_encrypted_connections_verify_the_server_certificate(
    dovecot: DovecotMailbox, security: str
) -> None:
    uid = dovecot.deliver(make_message(1))
    port = dovecot.tls_port if security == "tls" else dovecot.port
    trusted = dovecot.imap_config(security=security, port=port, tls_ca_file=dovecot.ca_file)
    untrusted = dovecot.imap_config(security=security, port=port)

    with ImapSource(trusted) as source:
        assert source.uids_above(0) == [uid]
    with pytest.raises(SourceError, match=f"cannot connect \\({security}\\).*CERTIFICATE_VERIFY"):
        ImapSource(untrusted).connect()


def test_unreachable_server_and_bad_password_give_clear_errors(dovecot: DovecotMailbox) -> None:
    wrong = "not-" + dovecot.password
    with pytest.raises(SourceError, match=f"login as '{dovecot.user}'") as bad_login:
        ImapSource(dovecot.imap_config(password=wrong)).connect()
    assert "AUTHENTICATIONFAILED" in str(bad_login.value)
    assert wrong not in str(bad_login.value)
    # A non-ASCII password goes by AUTHENTICATE PLAIN (LOGIN cannot carry it).
    with pytest.raises(SourceError, match="AUTHENTICATIONFAILED"):
        ImapSource(dovecot.imap_config(password="mot-de-passe-é")).connect()

    dovecot.stop()
    with pytest.raises(SourceError, match=f"127.0.0.1:{dovecot.port}: cannot connect"):
        ImapSource(dovecot.imap_config()).connect()


def test_a_50_mb_message_fetches_intact(dovecot: DovecotMailbox) -> None:
    payload = base64.encodebytes(os.urandom(37 * 1024 * 1024)).replace(b"\n", b"\r\n")
    message = (
        b"From: big@example-law.com\r\nSubject: scans\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + payload
    )
    assert len(message) > 50_000_000
    uid = dovecot.deliver(message)

    with ImapSource(dovecot.imap_config()) as source:
        [fetched] = source.fetch(source.uids_above(0))

    assert fetched.ref.uid == uid
    assert hashlib.sha256(fetched.data).digest() == hashlib.sha256(message).digest()


def test_polling_a_large_mailbox_with_nothing_new_costs_five_commands(
    dovecot: DovecotMailbox, sent_commands: list[str]
) -> None:
    count = dovecot.deliver_many(make_message(n, body="x" * 200) for n in range(10_000))

    with ImapSource(dovecot.imap_config()) as source:
        uids = source.uids_above(0)
    assert len(uids) == count == 10_000

    sent_commands.clear()
    with ImapSource(dovecot.imap_config()) as source:
        assert source.uids_above(uids[-1]) == []
        assert list(source.fetch([])) == []

    # imaplib itself asks CAPABILITY on connect; nothing grows with the mailbox.
    assert sent_commands == ["CAPABILITY", "LOGIN", "SELECT", "UID SEARCH", "LOGOUT"]


# ------------------------------------------------ configuration and pure helpers


def test_plain_imap_is_refused_to_a_remote_host() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ImapConfig(host="mail.example.org", username="u", password="p", security="plain")
    for host in ("127.0.0.1", "::1", "localhost"):
        assert ImapConfig(host=host, username="u", password="p", security="plain").port is None


def test_the_password_stays_out_of_the_config_repr() -> None:
    config = ImapConfig(host="mail.example.org", username="clerk", password="s3cret-Pw")
    assert "s3cret-Pw" not in repr(config)
    assert config.effective_port == 993


def test_batches_are_bounded_by_count_and_bytes() -> None:
    sizes = [(1, 10), (2, 10), (3, 10), (4, 500), (5, 10)]
    assert plan_batches(sizes, max_count=2, max_bytes=1000) == [[1, 2], [3, 4], [5]]
    assert plan_batches(sizes, max_count=50, max_bytes=100) == [[1, 2, 3], [4], [5]]
    assert plan_batches([], max_count=5, max_bytes=5) == []


def test_fetch_responses_are_read_whatever_the_item_order() -> None:
    data: list[bytes | tuple[bytes, bytes] | None] = [
        (b"1 (UID 7 BODY[] {3}", b"abc"),
        b")",
        b"2 (FLAGS (\\Seen))",  # unsolicited update: ignored
        (b"3 (BODY[] {2}", b"de"),
        b" UID 9)",  # some servers put the UID after the literal
    ]
    assert parse_bodies(data) == [(7, b"abc"), (9, b"de")]


def test_a_fetched_batch_lets_go_of_each_message_once_it_is_handed_on(
    dovecot: DovecotMailbox,
) -> None:
    # Three 4 MB messages come in one batch; the consumer drops each before the next.
    # Holding the whole batch to its end would keep all three alive at the third.
    size = 4 * 1024 * 1024
    for n in range(3):
        dovecot.deliver(make_message(n, body=("y" * 76 + "\r\n") * (size // 78)))
    with ImapSource(dovecot.imap_config(batch_size=10, batch_bytes=64 << 20)) as source:
        uids = source.uids_above(0)
        tracemalloc.start()
        try:
            messages = source.fetch(uids)
            held = []
            for _ in range(3):
                raw = next(messages)
                held.append(tracemalloc.get_traced_memory()[0])
                assert len(raw.data) > 0.9 * size
                del raw
            assert list(messages) == []
        finally:
            tracemalloc.stop()
    # At the third message, at most it and one other are still alive.
    assert held[2] < 2.5 * size, [f"{h / size:.1f}x" for h in held]
