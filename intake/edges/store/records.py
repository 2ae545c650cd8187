"""Rows of the state database, as the rest of the program sees them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MessageStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"  # its documents were added to a request and assessed
    FAILED = "failed"  # parsing or reading raised: kept in state_dir/failed/ for a retry
    IGNORED = "ignored"  # from ourselves, an auto-responder, or without a sender
    DUPLICATE = "duplicate"  # the same bytes were already handled under another UID


class RequestStatus(StrEnum):
    OPEN = "open"  # created, not assessed yet
    INCOMPLETE = "incomplete"
    NEEDS_REVIEW = "needs_review"
    TRAINING_REQUIRED = "training_required"
    COMPLETE = "complete"
    CLOSED = "closed"


# A request stops accumulating documents once complete or closed by a clerk (SPEC 2, issue 3).
ACCUMULATING = frozenset(
    {
        RequestStatus.OPEN,
        RequestStatus.INCOMPLETE,
        RequestStatus.NEEDS_REVIEW,
        RequestStatus.TRAINING_REQUIRED,
    }
)


class MailboxAction(StrEnum):
    PROCESSED = "processed"
    FAILED = "failed"


@dataclass(frozen=True)
class MessageRow:
    id: int
    folder: str
    uidvalidity: int
    uid: int
    message_id: str | None
    sha256: str
    size: int
    sender: str | None
    subject: str | None
    status: MessageStatus
    error: str | None
    request_id: int | None
    duplicate_of: int | None
    mailbox_action: MailboxAction | None
    action_done_at: str | None
    received_at: str
    updated_at: str
    # What the email carried (see schema V5); None for rows recorded before it.
    documents_key: str | None = None
    sender_check: str | None = None  # 'off' | 'verified' | 'not_verified'
    sender_check_detail: str | None = None


@dataclass(frozen=True)
class RequestRow:
    id: int
    attorney: str
    attorney_name: str | None
    status: RequestStatus
    closed_reason: str | None
    created_at: str
    updated_at: str
    completed_at: str | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    subject: str
    detail: str


@dataclass(frozen=True)
class OutboxRow:
    id: int
    request_id: int | None
    message_id: str
    kind: str
    to_address: str
    subject: str
    body: str
    status: str
    attempts: int
    next_attempt_at: str | None
    sent_at: str | None
    created_at: str
    raw: bytes | None = None  # None: a clerk summary not rendered yet
    last_error: str | None = None
    # Which sender holds the row while sending it, and until when (see schema V5).
    claimed_by: str | None = None
    claimed_until: str | None = None


@dataclass(frozen=True)
class PollRow:
    id: int
    started_at: str
    finished_at: str
    ok: bool
    result: str
    error: str | None
