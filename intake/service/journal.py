"""One journal line per email and per reply sent: what an operator looks for first.

`journalctl -u intake | grep jane@example-law.com` answers "what happened to her email?":
each email handled by a poll (or a retry) gets one line with its sender, its
Message-ID, the outcome (processed into request N and its status, duplicate and why,
ignored and why, failed and why) and whether a reply was queued or why not; each reply
sent gets one line with its recipient, Message-ID and request. The lines are built from
what the state holds once the message's transaction committed (its row and its audit),
so they say what is durable, never what was only attempted.
"""

from __future__ import annotations

import json
import logging

from intake.edges.store import MessageStatus, OutboxRow, Store

log = logging.getLogger("intake.journal")

# Audit actions that say what became of a message's reply.
_REPLY_ACTIONS = ("reply_queued", "no_reply", "reply_failed")


def message_line(store: Store, message_row_id: int) -> tuple[int, str]:
    """(log level, line) for one recorded email; see the module doc."""
    row = store.messages.get(message_row_id)
    if row is None:
        return logging.ERROR, f"email {message_row_id}: not in the state database"
    who = row.sender or "an unknown sender"
    head = f"email {row.message_id or '(no Message-ID)'} from {who} (uid {row.uid}): "
    level = logging.INFO
    if row.status is MessageStatus.PROCESSED:
        request = store.requests.get(row.request_id) if row.request_id is not None else None
        state = f", now {request.status.value}" if request is not None else ""
        outcome = f"processed into request {row.request_id}{state}"
    elif row.status is MessageStatus.DUPLICATE:
        outcome = f"duplicate of email {row.duplicate_of}, {_duplicate_reason(store, row.id)}"
    elif row.status is MessageStatus.IGNORED:
        outcome = f"ignored: {row.error}"
    elif row.status is MessageStatus.FAILED:
        # A template that cannot render is the court's to fix, and every email meets it.
        level = logging.ERROR if reply_not_rendered(row.error) else logging.WARNING
        outcome = f"FAILED: {row.error}; kept for `intake requests retry`"
    else:
        outcome = row.status.value
    conflicts = _details(store, f"message:{row.id}", ("message_id_conflict",))
    if conflicts:
        level = max(level, logging.WARNING)
        earlier = conflicts[-1][1].get("earlier_message")
        outcome += (
            f" (CONFLICT: email {earlier} had this Message-ID with other documents; "
            "kept apart, shown to the clerk)"
        )
    reply, reply_level = _reply_note(store, row.id, row.status)
    return max(level, reply_level), head + outcome + reply


def reply_not_rendered(error: str | None) -> bool:
    """Whether a failed message's error is a template that could not render its reply
    (`describe_error` writes the exception's class first)."""
    return bool(error) and str(error).startswith("ReplyRenderError:")


def log_message(store: Store, message_row_id: int) -> None:
    level, line = message_line(store, message_row_id)
    log.log(level, "%s", line)


def sent_line(row: OutboxRow) -> str:
    what = row.kind if row.request_id is None else f"{row.kind} for request {row.request_id}"
    return f"sent {what} to {row.to_address} ({row.message_id}, outbox {row.id})"


def log_sent(row: OutboxRow) -> None:
    log.info("%s", sent_line(row))


def _details(
    store: Store, subject: str, actions: tuple[str, ...]
) -> list[tuple[str, dict[str, object]]]:
    found = []
    for entry in store.audit.trail(subject):
        if entry.action in actions:
            detail = json.loads(entry.detail or "{}")
            found.append((entry.action, detail if isinstance(detail, dict) else {}))
    return found


def _duplicate_reason(store: Store, message_row_id: int) -> str:
    for _, detail in _details(store, f"message:{message_row_id}", ("duplicate",)):
        reason = detail.get("reason")
        if isinstance(reason, str) and reason:
            return reason
    return "the same bytes"


def _reply_note(store: Store, message_row_id: int, status: MessageStatus) -> tuple[str, int]:
    if status in (MessageStatus.DUPLICATE, MessageStatus.FAILED):
        return "; no reply", logging.INFO
    notes = _details(store, f"message:{message_row_id}", _REPLY_ACTIONS)
    if not notes:
        return "; no reply", logging.INFO
    action, detail = notes[-1]
    if action == "reply_queued":
        return f"; reply queued (outbox {detail.get('outbox')})", logging.INFO
    if action == "reply_failed":
        return f"; NO REPLY, it could not be written: {detail.get('error')}", logging.ERROR
    reason = str(detail.get("reason") or "").removeprefix("No reply: ").rstrip(".")
    return f"; no reply: {reason}", logging.INFO
