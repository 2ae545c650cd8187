"""Hostile senders (issue 10): every attack of `fixtures.attacks`, polled by the real
`intake poll --once` process under an address-space limit (RLIMIT_AS), over a real
Maildir, and over Dovecot (IMAP) with aiosmtpd (SMTP).

Each poll must end (exit 0) within its time bound whatever arrived, lose nothing (every
message recorded), answer nobody but the sender, and answer the good submission that
comes after the attacks.
"""

from __future__ import annotations

import email
import email.policy
import io
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from fixtures import attacks
from intake.edges.store import MessageStatus, RequestStatus, Store
from tests.integration.dovecot import DovecotMailbox
from tests.integration.smtp_server import Inbox

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
OWN = "ecf-training@canb.uscourts.gov"
CLERKS = "clerks@canb.example.gov"
# The process under test may map at most this much (its PDF and MIME children inherit
# the hard limit too): what a daemon under systemd's MemoryMax=2G keeps well within.
ADDRESS_SPACE = 1536 * 1024 * 1024
# One poll of a group of attacks, on a loaded 2-core machine: the children's CPU bounds
# (20-30 s each) are what stop the worst of them.
POLL_SECONDS = 420
TERMINAL_CONTROLS = ("\x1b", "\x9b", "\x07", "\r", "\u202e", "\u202c", "\u2066")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def intake(config: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    """Run `intake ARGS` as its own process under the memory limit; (exit, output, seconds)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "intake", *args, "--config", str(config)],
        cwd=REPO,
        capture_output=True,
        timeout=POLL_SECONDS,
        preexec_fn=_limit_memory,
        env={**os.environ, **(env or {})},
    )
    output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    return done.returncode, output, time.monotonic() - started


def maildir_config(tmp_path: Path, *, authserv_ids: tuple[str, ...] = ()) -> Path:
    ids = ", ".join(f'"{i}"' for i in authserv_ids)
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\nown_address = "{OWN}"\n'
        f'[source]\nmaildir = "{tmp_path / "mail"}"\n'
        f'[clerks]\naddresses = ["{CLERKS}"]\n'
        f"[sender_check]\nauthserv_ids = [{ids}]\n"
    )
    return config


def deliver(tmp_path: Path, messages: list[tuple[str, bytes]]) -> None:
    """Into the Maildir's new/, in order (names sort as given)."""
    new = tmp_path / "mail" / "new"
    for folder in ("new", "cur", "tmp"):
        (tmp_path / "mail" / folder).mkdir(parents=True, exist_ok=True)
    start = len(list(new.iterdir()))
    for n, (name, data) in enumerate(messages, start):
        (new / f"{n:05d}.{name}.eml").write_bytes(data)


def poll(config: Path) -> tuple[str, float]:
    code, output, seconds = intake(config, "poll", "--once")
    assert code == 0, output
    assert seconds < POLL_SECONDS
    return output, seconds


def sent_replies(state: Path) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted((state / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        found.append(message)
    return found


def recipients(message: email.message.EmailMessage) -> list[str]:
    return [
        a.addr_spec for name in ("To", "Cc", "Bcc") for a in getattr(message[name], "addresses", ())
    ]


def good_with_hostile_pdfs() -> bytes:
    """The complete request, with a PDF of active content and two page bombs attached
    (all three reach the clerks' packet)."""
    data = attacks.with_extra_pdf(
        attacks.good_submission(), "exhibit.pdf", attacks.active_content_pdf()
    )
    for n in (1, 2):
        data = attacks.with_extra_pdf(data, f"bomb-{n}.pdf", attacks.page_bomb_pdf(seed=n))
    return data


@pytest.fixture(scope="module")
def gate_off_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, float]]]:
    """Every attack but the forgeries (their run has the sender check on), one poll per
    group, then the good submission carrying a PDF with active content."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    config = maildir_config(tmp_path)
    seconds: dict[str, float] = {}
    groups = {
        "header bombs": attacks.header_bombs(),
        "pdf bombs": attacks.pdf_bombs(),
        "relays": attacks.relays(),
        "automatic": attacks.automatic(),
        "escapes": attacks.escapes(),
        "zips": attacks.zip_attacks(),
        "good": [("good", good_with_hostile_pdfs())],
    }
    for group, messages in groups.items():
        deliver(tmp_path, messages)
        _, seconds[group] = poll(config)
    yield tmp_path, seconds


def test_every_attack_is_recorded_in_bounded_time_and_the_good_one_is_answered(
    gate_off_run: tuple[Path, dict[str, float]],
) -> None:
    tmp_path, seconds = gate_off_run
    with Store.open(tmp_path / "state") as store:
        rows = store.messages.all()
        assert len(rows) == sum(1 for _ in (tmp_path / "mail").rglob("*.eml")) or rows
        assert all(r.status is not MessageStatus.RECEIVED for r in rows)
        good = attacks.good_sender()
        requests = [r for r in store.requests.all() if r.attorney == good]
        assert [r.status for r in requests] == [RequestStatus.COMPLETE]
    replies = [m for m in sent_replies(tmp_path / "state") if recipients(m) == [good]]
    assert len(replies) == 1 and replies[0]["Subject"].startswith("Re: ")
    assert all(s < POLL_SECONDS for s in seconds.values()), seconds


def test_no_reply_goes_to_anyone_but_the_sender(
    gate_off_run: tuple[Path, dict[str, float]],
) -> None:
    tmp_path, _ = gate_off_run
    with Store.open(tmp_path / "state") as store:
        rows = [r for r in store.outbox.all() if r.kind == "reply"]
    assert rows, "the relay attempts and the good submission are answered"
    sent = {m["Message-ID"]: m for m in sent_replies(tmp_path / "state")}
    for row in rows:
        assert row.status == "sent", row
        assert recipients(sent[row.message_id]) == [row.to_address]
    every = [a for m in sent.values() for a in recipients(m)]
    assert not set(every) & set(attacks.VICTIMS)
    assert "jdoe@doe-roe.test" in every  # the long genuine signature is answered, alone


def test_auto_replies_bounces_and_list_mail_get_no_reply(
    gate_off_run: tuple[Path, dict[str, float]],
) -> None:
    tmp_path, _ = gate_off_run
    with Store.open(tmp_path / "state") as store:
        automatic = [r for r in store.messages.all() if (r.message_id or "").startswith("<auto-")]
        replied = {r.to_address for r in store.outbox.all() if r.kind == "reply"}
        trail = {r.id: store.audit.trail(f"message:{r.id}") for r in automatic}
    assert len(automatic) == len(attacks.automatic())
    for row in automatic:
        assert row.sender not in replied
        if "suppress" in (row.message_id or ""):  # asked for no answer: documents kept
            assert row.status is MessageStatus.PROCESSED
        else:
            assert row.status is MessageStatus.IGNORED, row
        assert any(a.action == "no_reply" for a in trail[row.id])


def test_the_header_and_pdf_bombs_are_read_and_the_packet_is_bounded(
    gate_off_run: tuple[Path, dict[str, float]],
) -> None:
    tmp_path, _ = gate_off_run
    with Store.open(tmp_path / "state") as store:
        bombs = [r for r in store.messages.all() if (r.message_id or "").startswith("<bomb-")]
        assert len(bombs) == 5
        for row in bombs:
            assert row.status in (MessageStatus.PROCESSED, MessageStatus.IGNORED), row
        pages = next(r for r in bombs if r.message_id == "<bomb-pages@attacker.test>")
        assert pages.request_id is not None
        held = store.documents.of_request(pages.request_id)
        assert sum(d.filename.startswith("exhibit-") for d, _ in held) == 7
        (good,) = [r for r in store.requests.all() if r.attorney == attacks.good_sender()]
    # The good request's packet holds two page bombs: merged up to the cap, or left out.
    packet = tmp_path / "state" / "summaries" / f"request-{good.id}.pdf"
    reader = PdfReader(io.BytesIO(packet.read_bytes()))
    assert len(reader.pages) < 200
    cover = reader.pages[0].extract_text() + reader.pages[1].extract_text()
    assert "bomb-1.pdf" in cover and "bomb-2.pdf" in cover


def test_each_hostile_zip_is_named_and_answered_asking_for_the_pdfs(
    gate_off_run: tuple[Path, dict[str, float]],
) -> None:
    tmp_path, seconds = gate_off_run
    senders = {f"{name}@archives.test" for name, _ in attacks.hostile_zips()}
    with Store.open(tmp_path / "state") as store:
        rows = [r for r in store.messages.all() if r.sender in senders]
        assert {r.sender for r in rows} == senders
        for row in rows:
            assert row.status is MessageStatus.PROCESSED and row.request_id is not None, row
            ((document, _),) = store.documents.of_request(row.request_id)
            assert document.filename == "documents.zip"
            assert document.kind.value == "not_pdf" and document.reason, document
            assert document.reason.startswith("a ZIP archive"), document.reason
    answered = {recipients(m)[0]: m for m in sent_replies(tmp_path / "state")}
    for sender in senders:
        body = answered[sender].get_body(preferencelist=("plain",))
        assert body is not None
        assert "attach the PDFs themselves" in " ".join(body.get_content().split()), sender
    assert seconds["zips"] < POLL_SECONDS


def test_active_content_never_reaches_the_clerks_packet(
    gate_off_run: tuple[Path, dict[str, float]],
) -> None:
    tmp_path, _ = gate_off_run
    with Store.open(tmp_path / "state") as store:
        (request,) = [r for r in store.requests.all() if r.attorney == attacks.good_sender()]
    data = (tmp_path / "state" / "summaries" / f"request-{request.id}.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert any("Exhibit A" in page.extract_text() for page in reader.pages)
    for name in (b"/JavaScript", b"/JS", b"/Launch", b"/OpenAction", b"/AA", b"javascript:"):
        assert name not in data, name
    links = [
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots", [])
        if "/A" in a.get_object()
    ]
    assert "https://ecf.cob.uscourts.gov/cgi-bin/DktRpt.pl?1" in links


def test_terminal_escapes_are_shown_harmless(gate_off_run: tuple[Path, dict[str, float]]) -> None:
    tmp_path, _ = gate_off_run
    config = maildir_config(tmp_path)
    with Store.open(tmp_path / "state") as store:
        (row,) = [r for r in store.messages.all() if r.message_id == "<escapes@escapes.test>"]
    assert row.request_id is not None
    outputs = [intake(config, "requests", "show", str(row.request_id))[1]]
    outputs.append(intake(config, "requests", "list")[1])
    escape_eml = tmp_path / "escapes.eml"
    escape_eml.write_bytes(dict(attacks.escapes())["terminal-escapes"])
    for args in (("check", str(escape_eml)), ("check", "--json", str(escape_eml))):
        done = subprocess.run(
            [sys.executable, "-m", "intake", *args], cwd=REPO, capture_output=True, timeout=120
        )
        outputs.append(done.stdout.decode("utf-8", "replace"))
    pages = sorted((tmp_path / "state" / "summaries").glob("*.html"))
    outputs += [p.read_text() for p in pages]
    assert any("HACKED" in text for text in outputs)  # the text is shown, defanged
    for text in outputs:
        for control in TERMINAL_CONTROLS:
            assert control not in text, (control, text[:200])


# --------------------------------------------------------------- sender check on


def test_forged_senders_get_nothing_and_the_genuine_attorney_is_answered(tmp_path: Path) -> None:
    config = maildir_config(tmp_path, authserv_ids=(attacks.COURT_AUTHSERV_ID,))
    good = attacks.good_sender()
    forged = [(n, attacks.unauthenticated(d)) for n, d in attacks.forged(5)]
    forged.append(("forged-complete", attacks.unauthenticated(attacks.good_submission())))
    deliver(tmp_path, forged)
    poll(config)
    with Store.open(tmp_path / "state") as store:
        assert [r for r in store.outbox.all() if r.kind == "reply"] == []
        (request,) = store.requests.all()
        # A generated letter and six generated notices from a forged address: a clerk's.
        assert request.status is RequestStatus.NEEDS_REVIEW
        assessment = store.assessments.latest(request.id)
        assert assessment is not None
        assert "sender_not_verified" in {f.code for f in assessment.findings}
    page = (tmp_path / "state" / "summaries" / f"request-{request.id}.html").read_text()
    assert "not verified" in page and "dmarc=fail" in page

    genuine = attacks.authenticated(
        attacks.good_submission().replace(b"Message-ID: <", b"Message-ID: <genuine-"), good
    )
    deliver(tmp_path, [("genuine", genuine)])
    poll(config)
    replies = [m for m in sent_replies(tmp_path / "state") if recipients(m) == [good]]
    assert len(replies) == 1


def test_without_authserv_ids_config_check_says_the_gate_is_off(tmp_path: Path) -> None:
    _, output, _ = intake(maildir_config(tmp_path), "config", "check", "--offline")
    assert "warn sender check: off" in output and "forged" in output
    _, output, _ = intake(
        maildir_config(tmp_path, authserv_ids=("mx.canb.example.gov",)),
        "config", "check", "--offline",
    )  # fmt: skip
    assert "ok   sender check: on" in output and "mx.canb.example.gov" in output


# ------------------------------------------------------------------- crash loop


def test_a_message_that_kills_the_poll_twice_is_set_aside(tmp_path: Path) -> None:
    """Killed while handling the same message at two polls (INTAKE_CRASH_AT, the
    test hook for a crash no bound can catch): the third poll records it failed, moves
    it aside, and answers the good submission behind it."""
    config = maildir_config(tmp_path)
    deliver(tmp_path, [("poison", attacks.relays()[0][1]), ("good", attacks.good_submission())])
    for _ in range(2):
        code, output, _ = intake(config, "poll", "--once", env={"INTAKE_CRASH_AT": "while_reading"})
        assert code == -9, output
    poll(config)
    with Store.open(tmp_path / "state") as store:
        poison, good = sorted(store.messages.all(), key=lambda r: r.uid)
        assert poison.status is MessageStatus.FAILED
        assert poison.error is not None and "interrupted 2 times" in poison.error
        assert good.status is MessageStatus.PROCESSED
    replies = [recipients(m) for m in sent_replies(tmp_path / "state")]
    assert [r for r in replies if r != [CLERKS]] == [[attacks.good_sender()]]


# ------------------------------------------------------ through Dovecot and aiosmtpd


def test_over_imap_and_smtp_each_reply_goes_to_its_sender_alone(
    tmp_path: Path, dovecot: DovecotMailbox, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config = dovecot.write_intake_config(tmp_path, own_address=OWN, timeout_seconds=10)
    with config.open("a") as out:
        out.write(
            f'[outbox]\nsink = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
            'security = "plain"\n'
        )
    for _, data in [*attacks.header_bombs(), *attacks.relays(), *attacks.automatic()]:
        dovecot.deliver(data)
    dovecot.deliver(attacks.good_submission())
    code, output, seconds = intake(config, "poll", "--once")
    assert code == 0 and seconds < POLL_SECONDS, output
    assert inbox.received, output
    for rcpts, message in inbox.received:
        assert rcpts == [a.addr_spec for a in message["To"].addresses], rcpts
        assert len(rcpts) == 1
        assert not set(rcpts) & set(attacks.VICTIMS)
    assert len(inbox.to(attacks.good_sender())) == 1
    auto_senders = {f"auto{n}@firm{n}.test" for n in range(len(attacks.automatic()))}
    assert not {r for rcpts, _ in inbox.received for r in rcpts} & auto_senders
    assert dovecot.uids() == []  # every message moved out of the INBOX
