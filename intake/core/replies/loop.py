"""Whether an email may be answered at all: no loops with robots, no floods. Pure.

The checks follow RFC 3834 (automatic responses) and what mail systems do in practice:
never answer an automatic message, a list or bulk message, a bounce, a robot sender or
ourselves; and answer one person at most a few times a day, so that two auto-responders
that slip through every other check still stop.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from intake.core.model import Envelope

ROBOT_LOCAL_PARTS = ("mailerdaemon", "postmaster", "noreply", "donotreply")
_SEPARATORS = re.compile(r"[-_.]")


def is_robot_address(address: str) -> bool:
    """MAILER-DAEMON, postmaster, no-reply, noreply, do-not-reply (and no_reply+tag...)."""
    local = address.rsplit("@", 1)[0].lower()
    local = _SEPARATORS.sub("", local.split("+", 1)[0])
    return local.startswith(ROBOT_LOCAL_PARTS)


def should_reply(
    envelope: Envelope,
    *,
    own_addresses: Collection[str],
    sent_today: int,
    daily_limit: int,
) -> tuple[bool, str]:
    """(True, why) when a reply may go out; (False, why) otherwise, in words for the audit log."""
    headers = {k.lower(): v for k, v in envelope.headers.items()}
    sender = (envelope.sender_address or "").strip().lower()
    if not sender or "@" not in sender:
        return False, "No reply: the email has no sender address to answer."
    if any(ch.isspace() or ord(ch) < 32 for ch in sender):
        return False, "No reply: the sender address is malformed."
    if sender in {a.strip().lower() for a in own_addresses}:
        return False, f"No reply: the email comes from our own address ({sender})."
    auto = headers.get("auto-submitted", "").split(";", 1)[0].strip().lower()
    if auto and auto != "no":
        return False, f"No reply: the email is automatic (Auto-Submitted: {auto})."
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in {"bulk", "list", "junk"}:
        return False, f"No reply: the email is bulk or list mail (Precedence: {precedence})."
    if headers.get("list-id", "").strip():
        return False, "No reply: the email came through a mailing list (List-Id)."
    if headers.get("return-path", "").strip() == "<>":
        return False, "No reply: the email is a bounce or notification (empty Return-Path)."
    if is_robot_address(sender):
        return False, f"No reply: the sender {sender} is a robot address that nobody reads."
    if sent_today >= daily_limit:
        return False, (
            f"No reply: {sender} has already been sent {sent_today} replies today "
            f"(the limit is {daily_limit})."
        )
    return True, f"Reply allowed to {sender}."
