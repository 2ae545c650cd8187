"""Every template rendered against sample situations, before a set is put to use. Pure.

A template can compile and still fail when it renders (a variable that does not exist,
a filter given the wrong type): with StrictUndefined that raises, and the reply would be
lost. So a set is rehearsed when it is loaded (at start, on SIGHUP, in `config check`):
each reply situation (complete, already complete, incomplete, training required, under
review, not a PDF, nothing usable), the clerk's page, the index and the digest are
rendered with made-up requests assessed by the court's own rules, and each failure is
reported as 'template FILE, line N: what'. A set with any failure is refused. A command
that renders only some of them (`intake requests summary`: the page and the index;
`intake digest`: the digest) rehearses those (`parts`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum

from intake.core.model import (
    Affirmation,
    AffirmationState,
    CourtType,
    Document,
    DocumentKind,
    Envelope,
    Evidence,
    LetterFacts,
    NefCase,
    NefFacts,
    NoticeType,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules
from intake.core.replies.compose import ReplyError, ReplySettings, compose_reply
from intake.core.replies.render import TemplateProblem, TemplateSet
from intake.core.summary.pages import IndexEntry, render_digest, render_index, render_request_html
from intake.core.summary.view import ConflictView, RequestFacts, build_summary

ATTORNEY = "Jane Q. Sample"
ADDRESS = "jane.sample@example-law.test"
NOW = dt.datetime(2026, 3, 4, 17, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Sample:
    name: str
    documents: tuple[Document, ...]
    follow_up: bool = False


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _nef(n: int, court: str = "txnb", filer: str = ATTORNEY) -> Document:
    facts = NefFacts(
        notice_type=NoticeType.ELECTRONIC_FILING,
        court_id=court,
        court_type=CourtType.BANKRUPTCY,
        court_name="Northern District of Texas",
        court_evidence=(Evidence(text="U.S. Bankruptcy Court", page=1, source="header"),),
        cases=(
            NefCase(
                case_number=f"24-3{n:04d}-sgj11", case_name="Sample LLC", document_number=str(n)
            ),
        ),
        filer=filer,
        filed_by=(filer,),
        filed_on=dt.date(2025, 1, 1 + n % 27),
        stamp_kind="bkecfStamp_ID",
        stamp_id="1000",
        file_numbers=(f"{5000 + n}-0",),
        pages=(1, 1),
    )
    return Document(
        filename=f"NEF {n}.pdf",
        sha256=_sha(f"nef {court} {n}"),
        size=3000 + n,
        kind=DocumentKind.NEF,
        page_count=1,
        nef=facts,
        nefs=(facts,),
    )


def _letter(rules: Rules) -> Document:
    said = Evidence(text="I have read and will comply with the procedures.", page=1)
    facts = LetterFacts(
        attorney_name=ATTORNEY,
        signed=True,
        signature_evidence=Evidence(text=f"/s/ {ATTORNEY}", page=1),
        affirmations=tuple(
            Affirmation(id=a.id, state=AffirmationState.FOUND, evidence=said)
            for a in rules.letter.affirmations
        ),
    )
    return Document(
        filename="letter.pdf",
        sha256=_sha("letter"),
        size=2500,
        kind=DocumentKind.LETTER,
        page_count=1,
        letter=facts,
    )


def _letter_and_notices(letter: Document, notices: tuple[Document, ...]) -> Document:
    """One PDF: the letter's page, then a page for each notice (lines for both kinds)."""
    facts = tuple(
        n.nef.model_copy(update={"pages": (page, page)})
        for page, n in enumerate(notices, start=2)
        if n.nef is not None
    )
    return Document(
        filename="request.pdf",
        sha256=_sha("letter and notices"),
        size=9000,
        kind=DocumentKind.NEF,
        page_count=len(facts) + 1,
        nef=facts[0] if facts else None,
        nefs=facts,
        letter=letter.letter,
    )


def _plain(name: str, kind: DocumentKind, reason: str) -> Document:
    return Document(filename=name, sha256=_sha(name), size=1234, kind=kind, reason=reason)


def samples(rules: Rules) -> list[Sample]:
    """Requests that lead to every reply situation, with documents of every kind."""
    letter = _letter(rules)
    enough = tuple(_nef(n) for n in range(1, rules.nef.required_nefs + 1))
    own = _nef(90, court=rules.nef.own_court)
    scan = _plain("scan.pdf", DocumentKind.UNREADABLE, "no text layer (a scan without OCR)")
    word = _plain("letter.docx", DocumentKind.NOT_PDF, "a Word document, not a PDF")
    other = _plain("notes.pdf", DocumentKind.OTHER, "neither a notice nor the letter")
    excluded = tuple(c.id for c in rules.nef.excluded_courts)
    training = tuple(_nef(70 + n, court=excluded[0]) for n in range(2)) if excluded else ()
    found = [
        Sample("complete", (letter, *enough)),
        Sample("already_complete", (letter, *enough, _nef(50)), follow_up=True),
        Sample("incomplete", (letter, enough[0], enough[0], own, other, word)),
        Sample("under_review", (letter, *enough[:-1], scan)),
        Sample("complete", (_letter_and_notices(letter, enough),)),
        Sample("not_pdf", (word,)),
        Sample("nothing_usable", ()),
    ]
    if training:
        found.append(Sample("training_required", training))
    return found


class Part(StrEnum):
    """What a set renders, rehearsed on its own for a command that renders only it."""

    REPLIES = "replies"
    PAGES = "pages"  # the clerk's page of a request (also the summary email's body)
    INDEX = "index"
    DIGEST = "digest"


def rehearse(
    templates: TemplateSet, settings: ReplySettings, parts: Collection[Part] = tuple(Part)
) -> list[str]:
    """Each template failure met rendering the samples for `parts` (default: all), as
    'template FILE, line N: what' (empty: the set renders every situation)."""
    rules = settings.rules
    problems: dict[str, None] = {}

    def attempt(part: Part, what: str, render: Callable[[], object]) -> None:
        if part not in parts:
            return
        try:
            render()
        except TemplateProblem as exc:
            problems[f"{exc} (rendering {what})"] = None
        except ReplyError as exc:
            problems[f"{exc} (rendering {what})"] = None

    envelope = Envelope(
        message_id="<sample@example-law.test>",
        sender_address=ADDRESS,
        sender_name=ATTORNEY,
        subject="CM/ECF training waiver",
    )
    entries = []
    for number, sample in enumerate(samples(rules), start=1):
        assessment = assess(sample.documents, ATTORNEY, rules)
        attempt(
            Part.REPLIES,
            f"the {sample.name} reply",
            functools.partial(
                compose_reply,
                assessment,
                sample.documents,
                envelope,
                settings,
                message_id=f"<sample-{sample.name}@example.test>",
                now=NOW,
                completed_at=NOW - dt.timedelta(days=1),
                templates=templates,
                follow_up_to=sample.documents[-1:] if sample.follow_up else None,
            ),
        )
        facts = RequestFacts(
            request_id=str(number),
            attorney_name=ATTORNEY,
            attorney_address=ADDRESS,
            opened_at=NOW - dt.timedelta(days=2),
            updated_at=NOW,
            completed_at=NOW if assessment.status.value == "complete" else None,
        )
        view = build_summary(
            facts,
            assessment,
            sample.documents,
            generated_at=NOW,
            rules=rules,
            time_zone=settings.time_zone,
        )
        if number == 1:  # one page shows the conflict section too
            view = dataclasses.replace(view, conflicts=(ConflictView(2, 1, "<a@b.test>"),))
        attempt(
            Part.PAGES,
            f"the clerk's page of a {sample.name} request",
            functools.partial(render_request_html, view, templates),
        )
        entries.append(
            IndexEntry(
                request_id=str(number),
                attorney=ATTORNEY,
                status=assessment.status.value,
                updated_at=NOW,
                link=f"request-{number}.html" if number % 2 else None,
            )
        )
    attempt(
        Part.INDEX,
        "the index",
        lambda: render_index(
            entries,
            rules=rules,
            generated_at=NOW,
            time_zone=settings.time_zone,
            templates=templates,
        ),
    )
    attempt(
        Part.DIGEST,
        "the digest",
        lambda: render_digest(
            entries,
            rules=rules,
            day=NOW.date(),
            court_name=settings.court_name,
            time_zone=settings.time_zone,
            templates=templates,
        ),
    )
    return list(problems)
