"""Replies to attorneys: the situation chosen, the facts each reply states, the headers."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import itertools
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.core.model import (
    Affirmation,
    AffirmationState,
    Assessment,
    CourtType,
    Document,
    DocumentKind,
    Envelope,
    LetterFacts,
    NefCase,
    NefFacts,
    NoticeType,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.compose import (
    Reply,
    ReplyError,
    compose_reply,
    to_email_message,
)
from intake.core.replies.render import TemplateProblem, load_templates
from intake.core.replies.situation import Situation, choose_situation
from intake.service.send import parse_raw
from tests.court import reply_settings

ATTORNEY = "Jane A. Doe"
PACIFIC = ZoneInfo("America/Los_Angeles")
NOW = dt.datetime(2026, 11, 20, 23, 30, tzinfo=PACIFIC)  # late Friday night, before Thanksgiving
RULES = load_rules()
SETTINGS = reply_settings(RULES)
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def nef(court: str = "cob", filer: str = "Doe, Jane", name: str | None = None) -> Document:
    n = next(_serial)
    kind = CourtType.DISTRICT if court.endswith("d") else CourtType.BANKRUPTCY
    return Document(
        filename=name or f"nef{n}.pdf",
        sha256=_sha(f"nef{n}"),
        size=1000,
        kind=DocumentKind.NEF,
        nef=NefFacts(
            notice_type=NoticeType.ELECTRONIC_FILING,
            court_id=court,
            court_type=kind,
            cases=(NefCase(case_number=f"23-{10000 + n}-ABC", document_number=str(n)),),
            filer=filer,
            file_numbers=(f"{900000 + n}-0",),
        ),
    )


def letter(missing: tuple[str, ...] = (), signed: bool = True) -> Document:
    ids = ("ecf_procedures", "local_rules", "qualification", "login_responsibility")
    return Document(
        filename="letter.pdf",
        sha256=_sha(f"letter{next(_serial)}"),
        size=1000,
        kind=DocumentKind.LETTER,
        letter=LetterFacts(
            attorney_name=ATTORNEY,
            signed=signed,
            affirmations=tuple(
                Affirmation(
                    id=a, state=AffirmationState.MISSING if a in missing else AffirmationState.FOUND
                )
                for a in ids
            ),
        ),
    )


def other(kind: DocumentKind, name: str, reason: str) -> Document:
    return Document(
        filename=name, sha256=_sha(name + str(next(_serial))), size=10, kind=kind, reason=reason
    )


def envelope(**changes: object) -> Envelope:
    base = Envelope(
        message_id="<abc123@mail.example-law.com>",
        sender_address="jane.doe@example-law.com",
        sender_name="Jane Doe",
        subject="CM/ECF training waiver request",
        headers={"references": "<root@mail.example-law.com>"},
    )
    return base.model_copy(update=changes)


def reply_for(
    docs: list[Document], rules: Rules, env: Envelope | None = None
) -> tuple[Reply, Assessment]:
    assessment = assess(docs, "Jane Doe", rules)
    reply = compose_reply(
        assessment,
        docs,
        env or envelope(),
        SETTINGS,
        message_id="<reply-1@intake.canb.example.gov>",
        now=NOW,
        completed_at=NOW,
    )
    return reply, assessment


def flat(text: str) -> str:
    """The text reply with its line breaks undone (it is wrapped to short lines)."""
    return " ".join(text.split())


def both(reply: Reply) -> list[str]:
    return [flat(reply.text), reply.html]


# ----------------------------------------------------------------- situations


def test_complete_reply_states_counts_files_and_the_decision_window(rules: Rules) -> None:
    docs = [letter(), *(nef(court=c) for c in ("cob", "cacb", "nysb", "njb", "txnb", "ctb"))]
    reply, _ = reply_for(docs, rules)
    assert reply.situation is Situation.COMPLETE
    # Friday night 11-20 in California: 5 and 7 business days later, Thanksgiving skipped.
    for body in both(reply):
        assert "Monday, November 30, 2026" in body
        assert "Wednesday, December 2, 2026" in body
        assert "6 Notices of Electronic Filing that count" in body
        assert "five to seven business days" in body
        for doc in docs:
            assert doc.filename in body
        assert "PACER" in body
    assert flat(reply.text).count(": counts.") == 6


def test_incomplete_reply_says_what_counted_what_did_not_and_why_and_what_is_missing(
    rules: Rules,
) -> None:
    docs = [
        nef(court="cob"),
        nef(court="canb", name="own-court.pdf"),
        nef(court="cob", filer="Smith, John", name="someone-else.pdf"),
        other(DocumentKind.NOT_PDF, "letter.docx", "a Word document"),
    ]
    reply, assessment = reply_for(docs, rules)
    assert reply.situation is Situation.INCOMPLETE
    own_court = next(f.message for f in assessment.findings if f.code == "own_court")
    mismatch = next(f.message for f in assessment.findings if f.code == "filer_mismatch")
    not_pdf = next(f.message for f in assessment.findings if f.code == "not_pdf")
    for body in both(reply):
        assert "1 of the 6 required" in body
        for message in (own_court, mismatch, not_pdf):
            # The HTML escapes quotes and apostrophes; compare on the escaped form there.
            assert (message if body == flat(reply.text) else _escaped(message)) in body
        for item in assessment.missing:
            assert rules.still_needed(item, for_attorney=True) in body
        assert "5 more qualifying Notices of Electronic Filing" in body
        assert "your letter of acknowledgment, as described below" in body
    assert "someone-else.pdf (Notice of Electronic Filing): does not count." in flat(reply.text)


def test_a_deficient_letter_names_each_missing_statement(rules: Rules) -> None:
    docs = [letter(missing=("local_rules",), signed=False), nef()]
    reply, _ = reply_for(docs, rules)
    assert reply.situation is Situation.INCOMPLETE
    description = next(a.description for a in rules.letter.affirmations if a.id == "local_rules")
    assert description in flat(reply.text)
    assert "not signed" in flat(reply.text)
    assert "not yet in order" in flat(reply.text)


def test_training_required_reply_gives_the_registration_instructions(rules: Rules) -> None:
    docs = [letter(), nef(court="caeb", name="eastern1.pdf"), nef(court="caeb")]
    reply, _ = reply_for(docs, rules)
    assert reply.situation is Situation.TRAINING_REQUIRED
    for body in both(reply):
        assert SETTINGS.registration_url in body
        assert "Debtors Attorney" in body
        assert "Creditor" in body
        assert "eastern1.pdf" in body
        assert "Eastern District of California" in body


def test_not_pdf_reply_lists_the_files_and_the_instructions(rules: Rules) -> None:
    docs = [
        other(DocumentKind.NOT_PDF, "letter.docx", "a Word document"),
        other(DocumentKind.NOT_PDF, "nef-screenshot.png", "a PNG image"),
    ]
    reply, _ = reply_for(docs, rules)
    assert reply.situation is Situation.NOT_PDF
    for body in both(reply):
        assert "letter.docx" in body and "nef-screenshot.png" in body
        assert "a PNG image" in body
        assert "Six (6) Notices of Electronic Filing" in body
        assert "another district" in body
        assert "PACER" in body
        statement = RULES.letter.affirmations[0].description
        assert statement.replace("'", "&#39;") in body or statement in body


def test_an_email_with_nothing_usable_gets_the_instructions(rules: Rules) -> None:
    reply, _ = reply_for([], rules)
    assert reply.situation is Situation.NOTHING_USABLE
    for body in both(reply):
        assert "no attachments" in body
        assert "Six (6) Notices of Electronic Filing" in body
        assert "letter of acknowledgment" in body
        assert "PDF" in body
        assert "PACER" in body
        assert "What we received" not in body


def test_unreadable_documents_that_could_decide_go_to_review(rules: Rules) -> None:
    docs = [
        letter(),
        *(nef() for _ in range(5)),
        other(DocumentKind.UNREADABLE, "scan.pdf", "no text layer"),
    ]
    reply, assessment = reply_for(docs, rules)
    assert assessment.status.value == "needs_review"
    assert reply.situation is Situation.UNDER_REVIEW
    for body in both(reply):
        # Plain words for the attorney, not the reader's reason ("no text layer").
        assert "scan.pdf" in body and "scanned image" in body and "no text layer" not in body
        assert "clerk" in body


@pytest.mark.parametrize("situation", list(Situation))
def test_every_situation_has_both_templates(situation: Situation) -> None:
    root = Path(__file__).resolve().parents[2] / "templates" / "reply"
    assert (root / f"{situation.value}.txt.j2").is_file()
    assert (root / f"{situation.value}.html.j2").is_file()


def test_choose_situation_follows_the_status_before_the_kinds(rules: Rules) -> None:
    docs = [other(DocumentKind.OTHER, "brochure.pdf", "neither")]
    assert choose_situation(assess(docs, None, rules), docs) is Situation.NOTHING_USABLE
    docs.append(other(DocumentKind.NOT_PDF, "a.jpg", "a JPEG image"))
    assert choose_situation(assess(docs, None, rules), docs) is Situation.NOT_PDF
    docs.append(nef())
    assert choose_situation(assess(docs, None, rules), docs) is Situation.INCOMPLETE


# ------------------------------------------------------------------- templates


def test_a_template_naming_an_undefined_variable_fails(tmp_path: Path) -> None:
    (tmp_path / "reply").mkdir()
    (tmp_path / "reply" / "oops.txt.j2").write_text("Dear {{ attorny_name }},\n")
    with pytest.raises(TemplateProblem, match="attorny_name"):
        load_templates(tmp_path).render("reply/oops.txt.j2", {"attorney_name": "Jane"})


def test_a_broken_court_template_is_a_reply_error_naming_it(tmp_path: Path, rules: Rules) -> None:
    (tmp_path / "reply").mkdir()
    for suffix in ("txt", "html"):
        (tmp_path / "reply" / f"nothing_usable.{suffix}.j2").write_text("{{ court_nme }}")
    with pytest.raises(ReplyError, match="court_nme"):
        compose_reply(
            assess([], None, rules),
            [],
            envelope(),
            SETTINGS,
            message_id="<r@x.example>",
            now=NOW,
            templates=load_templates(tmp_path),
        )


def test_html_is_escaped_and_text_is_not(rules: Rules) -> None:
    hostile = other(DocumentKind.NOT_PDF, "<script>alert(1)</script>.doc", "a Word document")
    reply, _ = reply_for([hostile], rules, envelope(sender_name="<b>Jane</b>"))
    assert "<script>" not in reply.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.doc" in reply.html
    assert "<script>alert(1)</script>.doc" in flat(reply.text)


def test_complete_reply_needs_the_completion_time(rules: Rules) -> None:
    docs = [letter(), *(nef() for _ in range(6))]
    with pytest.raises(ReplyError, match="complete"):
        compose_reply(
            assess(docs, None, rules),
            docs,
            envelope(),
            SETTINGS,
            message_id="<r@x.example>",
            now=NOW,
        )


# --------------------------------------------------------------------- headers


def parsed(reply: Reply) -> EmailMessage:
    raw = to_email_message(reply).as_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_reply_threads_under_the_attorneys_email(rules: Rules) -> None:
    reply, _ = reply_for([], rules)
    message = parsed(reply)
    assert message["In-Reply-To"] == "<abc123@mail.example-law.com>"
    assert message["References"] == "<root@mail.example-law.com> <abc123@mail.example-law.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Message-ID"] == "<reply-1@intake.canb.example.gov>"
    assert message["Subject"] == "Re: CM/ECF training waiver request"
    assert message["To"].addresses[0].addr_spec == "jane.doe@example-law.com"
    assert message["From"].addresses[0].addr_spec == SETTINGS.from_address
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    text = message.get_body(("plain",))
    assert text is not None and "PACER" in text.get_content()


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        ("Re: Waiver", "Re: Waiver"),
        ("RE: re:  Waiver", "Re: Waiver"),
        ("Re[2]: Waiver", "Re: Waiver"),
        ("Waiver re: docs", "Re: Waiver re: docs"),
        ("", "Re: Your request for a waiver of the CM/ECF training"),
        ("Re:", "Re: Your request for a waiver of the CM/ECF training"),
    ],
)
def test_subject_keeps_theirs_without_stacking(theirs: str, ours: str, rules: Rules) -> None:
    reply, _ = reply_for([], rules, envelope(subject=theirs))
    assert parsed(reply)["Subject"] == ours


@pytest.mark.parametrize(
    "theirs",
    [
        "[EXT] " + "Request-for-waiver-of-CM-ECF-training-for-attorney-Jane-Quincy-Doe",
        "https://ecf.cob.uscourts.gov/cgi-bin/DktRpt.pl?123456789012345678901234567890 docs",
        "Waiver " + "x" * 72 + " and six notices",
        "Dispensa della formazione per l'avvocata Maria Pérez-Olmedo Castañeda " + "é" * 40,
        "CM/ECF training waiver request for Jane Q. Doe, Esq., of Doe, Roe & Associates "
        "LLP, with the letter of acknowledgment and six notices of electronic filing",
    ],
)
def test_a_long_subject_unfolds_as_it_was_written(theirs: str, rules: Rules) -> None:
    """Folded where it must be, unfolded without a leading space: as composed, and as a
    sink sends it after reading it back from the outbox (`parse_raw`)."""
    reply, _ = reply_for([], rules, envelope(subject=theirs))
    raw = to_email_message(reply).as_bytes()
    for sent in (raw, parse_raw(raw).as_bytes()):
        head = sent.split(b"\r\n\r\n", 1)[0]
        assert max(len(line) for line in head.split(b"\r\n")) <= 998
        message = email.message_from_bytes(sent, policy=email.policy.default)
        assert message["Subject"] == f"Re: {theirs}"


@pytest.mark.parametrize(
    "field",
    [
        {"subject": "Waiver\r\nBcc: victim@example.com"},
        {"subject": "=?utf-8?q?Waiver=0D=0ABcc:_victim@example.com?="},
        {"subject": "=?utf-8?b?V2FpdmVyDQpCY2M6IHZpY3RpbUBleGFtcGxlLmNvbQ==?="},
        {"sender_name": "Jane\r\nBcc: victim@example.com"},
        {"sender_name": "=?utf-8?q?Jane=0ABcc:_victim@example.com?="},
        {"message_id": "<a@b>\r\nBcc: victim@example.com"},
        {"headers": {"references": "<a@b>\r\nBcc: victim@example.com"}},
        {"subject": "Waiver\u2028Bcc: victim@example.com\x85X: y"},
    ],
)
def test_no_input_can_inject_a_header(field: dict[str, object], rules: Rules) -> None:
    reply, _ = reply_for([], rules, envelope(**field))
    raw = to_email_message(reply).as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    assert not any(line.lower().startswith(b"bcc:") for line in lines)
    assert not any(line.lower().startswith(b"x:") for line in lines)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["jane.doe@example-law.com"]


def test_a_sender_without_a_usable_address_is_a_clear_error(rules: Rules) -> None:
    for address in (None, "", "not an address", "a@b\r\nBcc: c@d"):
        with pytest.raises(ReplyError, match="address"):
            reply_for([], rules, envelope(sender_address=address))


def test_the_message_id_must_be_one_well_formed_id(rules: Rules) -> None:
    for bad in ("reply-1@x", "<a@b> <c@d>", "<a@b>\r\nBcc: c@d"):
        with pytest.raises(ReplyError, match="Message-ID"):
            compose_reply(
                assess([], None, rules), [], envelope(), SETTINGS, message_id=bad, now=NOW
            )


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def test_non_ascii_names_and_subjects_are_encoded_not_mangled(rules: Rules) -> None:
    env = envelope(sender_name="José Müller-Łukasz", subject="Solicitud de exención ✓")
    reply, _ = reply_for([], rules, env)
    raw = to_email_message(reply).as_bytes()
    assert all(byte < 128 for byte in raw.split(b"\r\n\r\n", 1)[0])  # headers stay 7-bit
    message = parsed(reply)
    assert message["Subject"] == "Re: Solicitud de exención ✓"
    assert message["To"].addresses[0].display_name == "José Müller-Łukasz"


_EXPECTED_HEADERS = {
    "from", "to", "subject", "date", "message-id", "in-reply-to", "references",
    "auto-submitted", "x-auto-response-suppress", "mime-version", "content-type",
}  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    subject=st.text(max_size=120),
    name=st.text(max_size=60),
    references=st.text(alphabet=st.sampled_from("<>@ab\r\n: "), max_size=60),
)
def test_any_subject_name_or_references_yield_only_our_headers(
    subject: str, name: str, references: str, rules: Rules
) -> None:
    env = envelope(subject=subject, sender_name=name, headers={"references": references})
    reply, _ = reply_for([], rules, env)
    message = parsed(reply)
    assert {k.lower() for k in message} == _EXPECTED_HEADERS
    assert [a.addr_spec for a in message["To"].addresses] == ["jane.doe@example-law.com"]
    assert message["Subject"].startswith("Re: ")
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]


@pytest.mark.parametrize(
    "display_name",
    [
        "Notice to <victim@example.org>, cc <other@example.net>, bcc <third@example.com>",
        "Jane Doe, Esq. | Partner | Doe & Roe LLP | 100 Main Street | Suite 2000 | Oakland CA",
        "undisclosed-recipients: victim@example.org;",
        '"Jane" <x@example.org>',
        "Doe, Jane",
    ],
)
def test_the_reply_is_addressed_to_the_sender_alone_whatever_the_display_name(
    rules: Rules, display_name: str
) -> None:
    reply, _ = reply_for([], rules, envelope(sender_name=display_name))
    message = to_email_message(reply)
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    addresses = parsed["To"].addresses
    assert [a.addr_spec for a in addresses] == ["jane.doe@example-law.com"]
    assert addresses[0].display_name == ""


def test_an_ordinary_display_name_is_kept_on_the_reply(rules: Rules) -> None:
    for name in ("Jane Doe", "José Ñúñez-García", "Mary O'Brien Jr."):
        reply, _ = reply_for([], rules, envelope(sender_name=name))
        parsed = email.message_from_bytes(
            to_email_message(reply).as_bytes(), policy=email.policy.default
        )
        assert parsed["To"].addresses[0].display_name == name
