"""`intake requests decide`: a clerk settles what the machine could not.

The policy input (pure `assess` with decisions) and the command end to end over a real
Maildir, the state database and the folder outbox: the decision is kept with the
clerk's name and reason, the request is assessed again, the attorney's reply for the
new outcome is queued, and the audit, the page and the digest say who decided what.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import threading
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.commands import requests as requests_command
from intake.commands.cli import main
from intake.core.model import (
    Affirmation,
    AffirmationState,
    ClerkDecision,
    CourtType,
    DecisionKind,
    Document,
    DocumentKind,
    LetterFacts,
    NefCase,
    NefFacts,
    NoticeType,
    Status,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.edges.mail.maildir import deliver
from intake.edges.store import Store
from intake.service.polls import poll_lock

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
IDS = ("ecf_procedures", "local_rules", "qualification", "login_responsibility")


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


# ------------------------------------------------------------ the policy input, pure


def _nef(n: int, court: str = "cob", filer: str = "Jane Doe") -> Document:
    return Document(
        filename=f"NEF {n}.pdf",
        sha256=hashlib.sha256(f"nef{n}{court}".encode()).hexdigest(),
        size=100,
        kind=DocumentKind.NEF,
        nef=NefFacts(
            notice_type=NoticeType.ELECTRONIC_FILING,
            court_id=court,
            court_type=CourtType.BANKRUPTCY,
            cases=(NefCase(case_number=f"24-1{n:04d}", document_number=str(n)),),
            filer=filer,
            file_numbers=(f"{n}-0",),
        ),
    )


def _letter(unclear: str | None = None) -> Document:
    return Document(
        filename="letter.pdf",
        sha256=hashlib.sha256(f"letter{unclear}".encode()).hexdigest(),
        size=100,
        kind=DocumentKind.LETTER,
        letter=LetterFacts(
            attorney_name="Jane Doe",
            signed=True,
            affirmations=tuple(
                Affirmation(
                    id=a, state=AffirmationState.UNCLEAR if a == unclear else AffirmationState.FOUND
                )
                for a in IDS
            ),
        ),
    )


def _scan(name: str = "scan.pdf", salt: str = "") -> Document:
    return Document(
        filename=name,
        sha256=hashlib.sha256(f"scan{name}{salt}".encode()).hexdigest(),
        size=100,
        kind=DocumentKind.UNREADABLE,
        reason="no text layer (scanned image without OCR?)",
        page_count=1,
    )


def _decision(kind: DecisionKind, doc: Document, **more: str) -> ClerkDecision:
    return ClerkDecision(
        kind=kind,
        sha256=doc.sha256,
        filename=doc.filename,
        clerk="mgarcia",
        reason="read it",
        **more,
    )


def test_an_accepted_affirmation_settles_an_unclear_letter(rules: Rules) -> None:
    docs = [_letter(unclear="qualification"), *(_nef(n) for n in range(1, 7))]
    assert assess(docs, "Jane Doe", rules).status is Status.NEEDS_REVIEW
    accepted = _decision(DecisionKind.AFFIRMATION_ACCEPTED, docs[0], affirmation="qualification")
    after = assess(docs, "Jane Doe", rules, [accepted])
    assert after.status is Status.COMPLETE
    assert after.decisions == (accepted,)
    assert any(f.code == "clerk_decision" and "mgarcia" in f.message for f in after.findings)


def test_another_affirmation_accepted_does_not_settle_the_unclear_one(rules: Rules) -> None:
    docs = [_letter(unclear="qualification"), *(_nef(n) for n in range(1, 7))]
    other = _decision(DecisionKind.AFFIRMATION_ACCEPTED, docs[0], affirmation="local_rules")
    assert assess(docs, "Jane Doe", rules, [other]).status is Status.NEEDS_REVIEW


def test_a_scan_accepted_as_the_letter_completes_the_request(rules: Rules) -> None:
    docs = [_scan(), *(_nef(n) for n in range(1, 7))]
    assert assess(docs, "Jane Doe", rules).status is Status.NEEDS_REVIEW
    after = assess(docs, "Jane Doe", rules, [_decision(DecisionKind.LETTER_ACCEPTED, docs[0])])
    assert after.status is Status.COMPLETE and after.letter.value == "ok"
    assert after.attorney_name == "Jane Doe"


def test_counting_an_unreadable_print_and_not_counting_a_notice(rules: Rules) -> None:
    docs = [_letter(), *(_nef(n) for n in range(1, 6)), _scan("NEF 6 (scan).pdf")]
    assert assess(docs, "Jane Doe", rules).status is Status.NEEDS_REVIEW
    counted = _decision(DecisionKind.COUNTED, docs[6])
    after = assess(docs, "Jane Doe", rules, [counted])
    assert after.status is Status.COMPLETE and after.qualifying_nefs == 6
    verdict = after.verdict_for(6)
    assert verdict is not None and verdict.counts and verdict.decided_by == "mgarcia"
    # The clerk then finds notice 2 was filed by someone else: it does not count.
    not_counted = _decision(DecisionKind.NOT_COUNTED, docs[2])
    later = assess(docs, "Jane Doe", rules, [counted, not_counted])
    assert later.status is Status.INCOMPLETE and later.qualifying_nefs == 5
    assert any(f.code == "clerk_not_counted" and f.sha256 == docs[2].sha256 for f in later.findings)


def test_a_decision_never_applies_to_another_document(rules: Rules) -> None:
    # The same name, another file: the clerk read the first scan, not this one.
    first, second = _scan("NEF 6.pdf", "a"), _scan("NEF 6.pdf", "b")
    docs = [_letter(), *(_nef(n) for n in range(1, 6)), second]
    after = assess(docs, "Jane Doe", rules, [_decision(DecisionKind.COUNTED, first)])
    assert after.qualifying_nefs == 5 and after.status is Status.NEEDS_REVIEW
    assert after.decisions == ()  # it names no document of these


def test_the_latest_decision_on_a_notice_wins(rules: Rules) -> None:
    docs = [_letter(), *(_nef(n) for n in range(1, 7))]
    no = _decision(DecisionKind.NOT_COUNTED, docs[1])
    yes = _decision(DecisionKind.COUNTED, docs[1])
    assert assess(docs, "Jane Doe", rules, [no, yes]).qualifying_nefs == 6
    assert assess(docs, "Jane Doe", rules, [yes, no]).qualifying_nefs == 5


# ------------------------------------------------------------------ the command


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{tmp_path / "mail"}"\n'
        '[clerks]\nbase_url = "https://intake.canb.example/summaries"\n'
        'addresses = ["clerks@canb.example"]\n'
    )
    return path


def _poll(tmp_path: Path, config: Path, fixture: str, capsys: pytest.CaptureFixture[str]) -> None:
    deliver(tmp_path / "mail", (FIXTURES / fixture).read_bytes())
    assert main(["poll", "--once", "--config", str(config)]) == 0
    capsys.readouterr()


def _queued_replies(state: Path) -> list[email.message.EmailMessage]:
    with Store.open(state) as store:
        rows = [r for r in store.outbox.all() if r.kind == "reply"]
    return [email.message_from_bytes(r.raw or b"", policy=email.policy.default) for r in rows]


def test_a_clerk_accepts_a_scanned_letter_and_the_attorney_hears_it_is_complete(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _poll(tmp_path, config, "needs-review-image-letter.eml", capsys)
    before = _queued_replies(tmp_path / "state")
    assert len(before) == 1
    code = main(
        [
            "requests",
            "decide",
            "1",
            "--accept-letter",
            "1",
            "--by",
            "mgarcia",
            "--reason",
            "read the scan: signed, all four statements",
            "--config",
            str(config),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "now complete (was needs_review)" in out and "queued as outbox #" in out
    replies = _queued_replies(tmp_path / "state")
    assert len(replies) == 2
    body = replies[-1].get_body(("plain",))
    assert body is not None
    text = " ".join(body.get_content().split())
    assert "is complete" in text and "five to seven business days" in text
    assert "no text layer" not in text  # the attorney reads plain words
    # In reply to the attorney's email, as every reply is.
    original = email.message_from_bytes(
        (FIXTURES / "needs-review-image-letter.eml").read_bytes(), policy=email.policy.default
    )
    assert replies[-1]["In-Reply-To"] == original["Message-ID"]

    # The audit says who decided what, and why.
    assert main(["requests", "show", "1", "--config", str(config)]) == 0
    shown = capsys.readouterr().out
    assert "clerk:mgarcia clerk_decided" in shown and "read the scan" in shown
    assert "COMPLETE" in shown
    # The page and the digest too.
    page = (tmp_path / "state" / "summaries" / "request-1.html").read_text()
    assert "Clerks&#39; decisions" in page or "Clerks' decisions" in page
    assert "mgarcia" in page and "read the scan" in page
    assert main(["digest", "--dry-run", "--config", str(config)]) == 0
    digest = capsys.readouterr().out
    assert "decided: mgarcia: Signed letter (scan).pdf: accepted as the attorney's letter" in digest


def test_decisions_survive_the_next_email_of_the_request(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _poll(tmp_path, config, "needs-review-unreadable-nefs.eml", capsys)
    with Store.open(tmp_path / "state") as store:
        held = [d for d, _ in store.documents.of_request(1)]
        request = store.requests.get(1)
        assert request is not None
        status = request.status.value
    assert status == "needs_review"
    unreadable = [i + 1 for i, d in enumerate(held) if d.kind is DocumentKind.UNREADABLE]
    assert unreadable
    for number in unreadable:
        assert (
            main(
                [
                    "requests",
                    "decide",
                    "1",
                    "--count",
                    str(number),
                    "--reason",
                    "read the print",
                    "--config",
                    str(config),
                ]
            )
            == 0
        )
    capsys.readouterr()
    assert main(["requests", "show", "1", "--config", str(config)]) == 0
    assert "(decided by " in capsys.readouterr().out
    with Store.open(tmp_path / "state") as store:
        decided = store.assessments.latest(1)
    assert decided is not None and len(decided.decisions) == len(unreadable)
    # The attorney writes again: the request is assessed again and the clerk's
    # decisions still stand.
    original = email.message_from_bytes(
        (FIXTURES / "needs-review-unreadable-nefs.eml").read_bytes(), policy=email.policy.default
    )
    message = EmailMessage()
    message["From"] = original["From"]
    message["To"] = original["To"]
    message["Subject"] = "Re: " + str(original["Subject"])
    message["Message-ID"] = "<resent-1@example-law.test>"
    message.set_content("Did you get my notices?")
    deliver(tmp_path / "mail", bytes(message))
    assert main(["poll", "--once", "--config", str(config)]) == 0
    with Store.open(tmp_path / "state") as store:
        again = store.assessments.latest(1)
        count = store.assessments.count(1)
    assert again is not None and count >= 3
    assert again.decisions == decided.decisions
    assert again.qualifying_nefs == decided.qualifying_nefs


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["--count", "99"], 2, "no document 99"),
        (["--accept-affirmation", "qualifcation", "--document", "1"], 2, "no affirmation"),
        (["--accept-affirmation", "qualification"], 2, "the request has no letter"),
        (["--accept-letter", "2"], 2, "is nef, not a PDF that can be the letter"),
        (["--count", "2", "--notice", "3"], 2, "holds 1 notice(s), not 3"),
        (["--count", "2", "--reason", "  "], 2, "--reason must say why"),
    ],
)
def test_a_decision_that_does_not_fit_is_refused_and_changes_nothing(
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    words: str,
) -> None:
    _poll(tmp_path, config, "needs-review-image-letter.eml", capsys)
    reason = [] if "--reason" in argv else ["--reason", "x"]
    assert main(["requests", "decide", "1", *argv, *reason, "--config", str(config)]) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    with Store.open(tmp_path / "state") as store:
        assert store.decisions.of_request(1) == []
        assert store.assessments.count(1) == 1


def test_a_closed_request_takes_no_decision(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _poll(tmp_path, config, "needs-review-image-letter.eml", capsys)
    assert main(["requests", "close", "1", "--reason", "withdrawn", "--config", str(config)]) == 0
    argv = ["requests", "decide", "1", "--accept-letter", "1", "--reason", "x"]
    assert main([*argv, "--config", str(config)]) == 1
    assert "is closed" in capsys.readouterr().err


# ------------------------------------------------------------- under the poll lock


def test_a_decision_waits_for_a_running_poll_then_is_recorded(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A poll holds the lock for a while: the decision neither assesses nor draws the page
    # while it runs, and is recorded once it is over.
    _poll(tmp_path, config, "needs-review-image-letter.eml", capsys)
    state = tmp_path / "state"
    holding, release = threading.Event(), threading.Event()
    while_held: list[int] = []

    def poll() -> None:
        with poll_lock(state):
            holding.set()
            release.wait(30)

    def end_poll() -> None:
        with Store.open(state) as store:
            while_held.append(len(store.decisions.of_request(1)))
        release.set()

    poller = threading.Thread(target=poll)
    poller.start()
    assert holding.wait(30)
    threading.Timer(0.5, end_poll).start()
    argv = ["requests", "decide", "1", "--accept-letter", "1", "--reason", "read the scan"]
    code = main([*argv, "--config", str(config)])
    poller.join(30)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "a poll is running; waiting for it to end" in captured.err
    assert while_held == [0]  # nothing recorded while the poll ran
    with Store.open(state) as store:
        [decision] = store.decisions.of_request(1)
    assert decision.kind is DecisionKind.LETTER_ACCEPTED
    assert "read the scan" in (state / "summaries" / "request-1.html").read_text()


def test_a_decision_while_a_poll_keeps_running_records_nothing(
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _poll(tmp_path, config, "needs-review-image-letter.eml", capsys)
    monkeypatch.setattr(requests_command, "DECIDE_WAITS_FOR_POLL_SECONDS", 0.2)
    state = tmp_path / "state"
    page = state / "summaries" / "request-1.html"
    drawn = page.read_bytes()
    with poll_lock(state):
        argv = ["requests", "decide", "1", "--accept-letter", "1", "--reason", "x"]
        assert main([*argv, "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "another poll is running; nothing was recorded" in err and "Traceback" not in err
    with Store.open(state) as store:
        assert store.decisions.of_request(1) == []
        assert store.assessments.count(1) == 1
    assert page.read_bytes() == drawn
