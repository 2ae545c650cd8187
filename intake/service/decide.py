"""A clerk settles what the machine could not: `intake requests decide`.

One transaction records the decision (it names one document of the request, by its
hash), audits who decided what and why, assesses the request again with every decision
it holds, and, when the outcome for the attorney changed, queues the reply for the new
outcome through the usual outbox, in reply to the attorney's latest email. Then the
clerk-side output of a poll that changed the request: the clerks' summary email queued
and rendered (when a clerks' address is configured), the page and the index redrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from intake.core.model import (
    Assessment,
    ClerkDecision,
    DecisionKind,
    Document,
    DocumentKind,
    Envelope,
)
from intake.core.policy.assess import assess, best_letter
from intake.core.policy.rules import Rules
from intake.edges.store import MessageStatus, RequestStatus, Store
from intake.errors import IntakeError, SetupError
from intake.service.clerk_files import SUMMARY_STATUSES, refresh_summaries, render_summary
from intake.service.enqueue import Outgoing, queue_reply, queue_summary

# Kinds a clerk may take for the letter: a letter, a scan the machine could not read, a
# PDF it did not recognise.
LETTER_KINDS = frozenset({DocumentKind.LETTER, DocumentKind.UNREADABLE, DocumentKind.OTHER})
NOTICE_KINDS = frozenset({DocumentKind.NEF, DocumentKind.UNREADABLE, DocumentKind.OTHER})


class DecisionRefused(SetupError):
    """A decision that does not fit the request (exit status 2: the clerk asked wrongly)."""


@dataclass(frozen=True)
class Decided:
    decision: ClerkDecision
    before: Assessment | None
    after: Assessment
    reply_outbox: int | None
    # The clerks' summary of the request as decided (None: no clerks' address, or the
    # request is neither complete nor waiting for a review).
    summary_outbox: int | None = None


def choose_document(
    documents: Sequence[Document], kind: DecisionKind, number: int | None
) -> tuple[int, Document]:
    """The document (0-based index) a decision is about: the 1-based `number` of
    `intake requests show`, or, for an affirmation without one, the request's letter."""
    if number is None:
        if kind is not DecisionKind.AFFIRMATION_ACCEPTED:
            raise DecisionRefused("say which document: its number in `intake requests show`")
        chosen = best_letter(documents)
        if chosen is None:
            raise DecisionRefused("the request has no letter; name the document with --document")
        return documents.index(chosen[0]), chosen[0]
    if not 1 <= number <= len(documents):
        raise DecisionRefused(
            f"no document {number}: the request holds {len(documents)} (see `intake requests show`)"
        )
    return number - 1, documents[number - 1]


def check_fits(document: Document, decision: ClerkDecision, rules: Rules) -> None:
    """Refuse a decision that cannot apply to `document`, saying why."""
    name = document.filename
    if decision.kind is DecisionKind.LETTER_ACCEPTED and document.kind not in LETTER_KINDS:
        raise DecisionRefused(f"{name} is {document.kind.value}, not a PDF that can be the letter")
    if decision.kind is DecisionKind.AFFIRMATION_ACCEPTED:
        ids = [a.id for a in rules.letter.affirmations]
        if decision.affirmation not in ids:
            raise DecisionRefused(
                f"no affirmation {decision.affirmation!r} in the rules (one of: {', '.join(ids)})"
            )
        if document.kind is not DocumentKind.LETTER or document.letter is None:
            raise DecisionRefused(
                f"{name} is not read as a letter; accept it as the letter instead (--accept-letter)"
            )
    if decision.kind in (DecisionKind.COUNTED, DecisionKind.NOT_COUNTED):
        if document.kind not in NOTICE_KINDS:
            raise DecisionRefused(f"{name} is {document.kind.value}: it cannot be a notice")
        notices = max(len(document.nefs), 1)
        if not 0 <= decision.notice < notices:
            raise DecisionRefused(f"{name} holds {notices} notice(s), not {decision.notice + 1}")


def _latest_email(
    store: Store, request_id: int, attorney: str, name: str | None
) -> tuple[Envelope, int]:
    """The attorney's latest email of the request, as much of it as the reply needs."""
    rows = store.messages.all(request_id=request_id, status=MessageStatus.PROCESSED)
    if not rows:
        raise IntakeError(f"request {request_id} has no processed email to reply to")
    row = rows[-1]
    envelope = Envelope(
        message_id=row.message_id,
        sender_address=row.sender or attorney,
        sender_name=name,
        subject=row.subject or "",
    )
    return envelope, row.id


def _changed_for_the_attorney(before: Assessment | None, after: Assessment) -> bool:
    if before is None:
        return True
    facts = ("status", "qualifying_nefs", "letter")
    return any(getattr(before, f) != getattr(after, f) for f in facts)


def record_decision(
    store: Store,
    rules: Rules,
    outgoing: Outgoing | None,
    *,
    request_id: int,
    decision: ClerkDecision,
) -> Decided:
    """See the module doc. Raises IntakeError / DecisionRefused naming the problem."""
    request = store.requests.get(request_id)
    if request is None:
        raise IntakeError(f"no request {request_id} (see `intake requests list`)")
    if request.status is RequestStatus.CLOSED:
        raise IntakeError(f"request {request_id} is closed ({request.closed_reason})")
    held = [document for document, _ in store.documents.of_request(request_id)]
    if not any(d.sha256 == decision.sha256 for d in held):
        raise DecisionRefused(f"request {request_id} holds no document {decision.sha256[:16]}")
    check_fits(next(d for d in held if d.sha256 == decision.sha256), decision, rules)
    actor = f"clerk:{decision.clerk}"
    subject = f"request:{request_id}"
    with store.transaction():
        before = store.assessments.latest(request_id)
        recorded = store.decisions.add(request_id, decision)
        store.audit.record(
            actor,
            "clerk_decided",
            subject,
            decision=decision.kind.value,
            document=decision.filename,
            sha256=decision.sha256,
            affirmation=decision.affirmation,
            notice=decision.notice + 1,
            reason=decision.reason,
        )
        name = request.attorney_name
        after = assess(held, name, rules, store.decisions.of_request(request_id))
        store.assessments.add(request_id, after, None)
        store.requests.update(request_id, status=RequestStatus(after.status.value))
        store.audit.record(
            actor,
            "assessed",
            subject,
            status=after.status.value,
            qualifying_nefs=after.qualifying_nefs,
            letter=after.letter.value,
            documents=len(held),
            previous_status=before.status.value if before else None,
        )
        outbox_id = None
        if outgoing is not None and _changed_for_the_attorney(before, after):
            envelope, message_row_id = _latest_email(store, request_id, request.attorney, name)
            outbox_id = queue_reply(
                store,
                outgoing,
                request_id=request_id,
                message_row_id=message_row_id,
                envelope=envelope,
                assessment=after,
                documents=held,
                actor=actor,
            )
        elif outgoing is not None:
            store.audit.record(
                actor,
                "no_reply",
                subject,
                reason="No reply: the decision does not change what the attorney was told.",
            )
        summary_outbox = None
        status = RequestStatus(after.status.value)
        if outgoing is not None and status in SUMMARY_STATUSES:
            # The clerks get the request as decided, as after a poll that changed it.
            summary_outbox = queue_summary(store, outgoing, request_id=request_id, actor=actor)
    if outgoing is not None:
        # The poll's own path: the summary email queued above rendered (with the page
        # and packet on disk), the page of a complete / needs-review request, the index.
        refresh_summaries(store, outgoing, [request_id], actor=actor)
        if status not in SUMMARY_STATUSES:
            # A poll draws no page for it, but the page a clerk decided from would
            # still show the outcome before the decision.
            render_summary(store, outgoing, request_id, now=store.now())
    return Decided(recorded, before, after, outbox_id, summary_outbox)
