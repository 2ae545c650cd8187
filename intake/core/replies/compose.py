"""An assessed request → the reply the attorney gets, as text and HTML. Pure.

The caller fixes the Message-ID (one per outbox row, so that sending twice is
recognisably the same message) and the clock (`now`, `completed_at`); everything else
comes from the assessment, the documents, the email being answered and the court's
settings. The wording lives in `templates/reply/`, one text and one HTML template per
situation.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from intake.core.clock import COURT_TIME_ZONE, at_court
from intake.core.model import Assessment, Document, DocumentKind, Envelope
from intake.core.policy.rules import Rules
from intake.core.replies.business_days import decision_window, local_date
from intake.core.replies.headers import (
    OUTGOING_POLICY,
    clean_text,
    message_ids,
    reply_subject,
    thread_references,
)
from intake.core.replies.render import TemplateSet, shipped_templates
from intake.core.replies.situation import (
    Outcome,
    Situation,
    choose_situation,
    document_lines,
    without_repeated_reasons,
)
from intake.core.replies.wrap import wrap_text
from intake.errors import IntakeError

AUTO_SUBMITTED = "auto-replied"
FALLBACK_SUBJECT = "Your request for a waiver of the CM/ECF training"


class ReplyError(IntakeError):
    """A reply cannot be written (no usable address, a bad Message-ID, a broken template)."""


class ReplyRenderError(ReplyError):
    """A template failed while the reply was rendered: the court's set is at fault, not
    the email, so the email must stay retryable (fix the template, reload, retry)."""


@dataclass(frozen=True)
class ReplySettings:
    court_name: str  # "U.S. Bankruptcy Court, Northern District of California"
    from_address: str  # the court's training mailbox, which replies come from
    clerk_mailbox: str  # where questions go (usually the same training mailbox)
    registration_url: str  # Train-PACER registration
    # The court's policy: the letter's statements, the excluded courts and the wording of
    # what is still needed all come from it.
    rules: Rules
    registration_text: str = (
        'Register at Train-PACER for the "Debtors Attorney" or the "Creditor\'s Attorney" course.'
    )
    from_name: str = "CM/ECF Training"
    time_zone: str = COURT_TIME_ZONE
    decision_days: tuple[int, int] = (5, 7)


@dataclass(frozen=True)
class Reply:
    situation: Situation
    from_address: str
    from_name: str
    to: str
    to_name: str
    subject: str
    message_id: str
    in_reply_to: str | None
    references: str
    date: dt.datetime
    text: str
    html: str
    auto_submitted: str = AUTO_SUBMITTED
    headers: dict[str, str] = field(default_factory=dict)


def _same_files(envelope: Envelope, documents: Sequence[Document]) -> list[dict[str, str]]:
    """The attachments of `envelope` that are byte for byte a document already listed
    under another name: the request holds each file once, so the reply lists each such
    copy apart, or the attorney would find one of their attachments missing."""
    names = {d.sha256: clean_text(d.filename, limit=200) for d in documents}
    listed = set(names.values())
    copies: dict[str, str] = {}
    for attachment in envelope.attachments:
        if attachment.truncated:
            continue
        original = names.get(hashlib.sha256(attachment.data).hexdigest())
        filename = clean_text(attachment.filename, limit=200)
        if original and filename and filename not in listed:
            copies.setdefault(filename, original)
    return [{"filename": f, "original": o} for f, o in copies.items()]


def _checked_address(value: str | None, what: str) -> str:
    address = clean_text(value, limit=320).lower()
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError) as exc:  # the stdlib raises both for bad specs
        raise ReplyError(f"{what} {value!r} is not a usable email address") from exc
    if not parsed.username or not parsed.domain:
        raise ReplyError(f"{what} {value!r} is not a usable email address")
    return address


def _context(
    assessment: Assessment,
    documents: Sequence[Document],
    envelope: Envelope,
    settings: ReplySettings,
    situation: Situation,
    completed_at: dt.datetime | None,
    this_email: frozenset[str],
    now: dt.datetime,
) -> dict[str, Any]:
    # Each list a reply shows says a repeated reason once, in full, where it first appears.
    # Worded for the attorney: plain words, never the PDF reader's reasons.
    rules = settings.rules
    every_line = document_lines(assessment, documents, rules, rules.word_for_attorney)
    lines = without_repeated_reasons(every_line, rules)
    window: tuple[dt.date, dt.date] | None = None
    completed_on: dt.date | None = None
    if situation in {Situation.COMPLETE, Situation.ALREADY_COMPLETE}:
        if completed_at is None:
            raise ReplyError("a complete reply needs the time the request became complete")
        first, last = settings.decision_days
        # Both replies promise the same window: it runs from the first completion.
        window = decision_window(completed_at, time_zone=settings.time_zone, first=first, last=last)
        completed_on = local_date(completed_at, settings.time_zone)
    return {
        "situation": situation.value,
        "court_name": clean_text(settings.court_name),
        "mailbox": settings.clerk_mailbox,
        "registration_url": settings.registration_url,
        "registration_text": settings.registration_text,
        "letter_affirmations": [a.description for a in settings.rules.letter.affirmations],
        "excluded_court_names": list(settings.rules.excluded_court_names),
        "attorney_name": clean_text(assessment.attorney_name or envelope.sender_name, limit=120),
        "their_subject": clean_text(envelope.subject),
        "required": assessment.required_nefs,
        "counted": assessment.qualifying_nefs,
        "letter_status": assessment.letter.value,
        # needs_review because a PDF could not be read (not only because of the letter).
        "unreadable_documents": any(d.kind is DocumentKind.UNREADABLE for d in documents),
        "documents": lines,
        "counted_documents": [d for d in lines if d.outcome is Outcome.COUNTS],
        "problem_documents": without_repeated_reasons(
            [d for d in every_line if d.outcome in {Outcome.NOT_COUNTED, Outcome.NOT_USED}], rules
        ),
        "missing": [
            clean_text(settings.rules.still_needed(m, for_attorney=True), limit=500)
            for m in assessment.missing
        ],
        "decision_days": settings.decision_days,
        "window_first": window[0] if window else None,
        "window_last": window[1] if window else None,
        # A follow-up after the window: its dates are history, not a promise.
        "window_passed": bool(window and local_date(now, settings.time_zone) > window[1]),
        "completed_on": completed_on,
        # Attachments of this email that are a listed document again, under another name.
        "same_files": _same_files(envelope, documents),
        # The lines of the documents that came with the email being answered.
        "added_documents": without_repeated_reasons(
            [d for d in every_line if documents[d.index].sha256 in this_email], rules
        ),
    }


def compose_reply(
    assessment: Assessment,
    documents: Sequence[Document],
    envelope: Envelope,
    settings: ReplySettings,
    *,
    message_id: str,
    now: dt.datetime,
    completed_at: dt.datetime | None = None,
    templates: TemplateSet | None = None,
    follow_up_to: Sequence[Document] | None = None,
) -> Reply:
    """The reply to `envelope`, the email being answered, for the request assessed.

    `follow_up_to`: the documents of `envelope` when it joined a request that was
    already complete (the reply then says so, and lists them), else None. `templates`:
    the court's template set (default: the shipped one).
    """
    templates = templates or shipped_templates()
    fixed_id = message_ids(message_id)
    if len(fixed_id) != 1 or fixed_id[0] != message_id.strip():
        raise ReplyError(f"Message-ID {message_id!r} is not of the form <id@host>")
    if now.tzinfo is None:
        raise ReplyError("the reply's date needs a time zone-aware datetime")
    to = _checked_address(envelope.sender_address, "the sender address")
    from_address = _checked_address(settings.from_address, "the court's from address")
    follow_up = follow_up_to is not None
    situation = choose_situation(assessment, documents, follow_up=follow_up)
    this_email = frozenset(d.sha256 for d in follow_up_to or ())
    context = _context(
        assessment, documents, envelope, settings, situation, completed_at, this_email, now
    )
    in_reply_to, references = thread_references(
        envelope.message_id, envelope.headers.get("references")
    )
    try:
        text = wrap_text(templates.render(f"reply/{situation.value}.txt.j2", context))
        html = templates.render(f"reply/{situation.value}.html.j2", context)
    except Exception as exc:  # TemplateProblem, or a court's template calling a bad filter
        raise ReplyRenderError(f"cannot write the {situation.value} reply: {exc}") from exc
    return Reply(
        situation=situation,
        from_address=from_address,
        from_name=clean_text(settings.from_name, limit=120),
        to=to,
        to_name=clean_text(envelope.sender_name, limit=120),
        subject=reply_subject(envelope.subject, FALLBACK_SUBJECT),
        message_id=fixed_id[0],
        in_reply_to=in_reply_to,
        references=references,
        # The Date: header on the court's clock (-0800, not +0000): the attorney's mail
        # client shows it in their own zone either way, a raw header reads as the court's.
        date=at_court(now, settings.time_zone),
        text=text,
        html=html,
    )


# A display name kept on the reply's To: letters (any script), digits, spaces and the
# marks of ordinary names. Anything else (",", "<", "@", ":", ";", quotes, a very long
# signature) could be folded by the email package into more addresses or a group: such a
# name is dropped, and the reply is addressed to the bare address.
_PLAIN_NAME = re.compile(r"[^\W_]+(?:[ .'\-]+[^\W_]+)*\.?")
_MAX_NAME_CHARS = 64


def recipient_name(name: str | None) -> str:
    """The sender's display name as the reply's To shows it, or "" when it is odd."""
    cleaned = clean_text(name, limit=500)
    if len(cleaned) > _MAX_NAME_CHARS or not _PLAIN_NAME.fullmatch(cleaned):
        return ""
    return cleaned


def to_email_message(reply: Reply) -> EmailMessage:
    """The reply as a multipart/alternative message (plain text first, then HTML)."""
    message = EmailMessage(policy=OUTGOING_POLICY)
    message["From"] = Address(
        display_name=clean_text(reply.from_name), addr_spec=clean_text(reply.from_address)
    )
    message["To"] = Address(
        display_name=recipient_name(reply.to_name), addr_spec=clean_text(reply.to)
    )
    message["Subject"] = clean_text(reply.subject, limit=300)
    message["Date"] = email.utils.format_datetime(reply.date)
    message["Message-ID"] = clean_text(reply.message_id)
    if reply.in_reply_to:
        message["In-Reply-To"] = clean_text(reply.in_reply_to)
    if reply.references:
        message["References"] = clean_text(reply.references, limit=20_000)
    # RFC 3834: mark the reply automatic, and ask Exchange not to auto-answer it.
    message["Auto-Submitted"] = clean_text(reply.auto_submitted)
    message["X-Auto-Response-Suppress"] = "All"
    for name, value in reply.headers.items():
        message[clean_text(name).replace(" ", "-")] = clean_text(value)
    message.set_content(reply.text)
    message.add_alternative(reply.html, subtype="html")
    return message
