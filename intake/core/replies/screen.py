"""The sender screen: what to do with an email before anything else. Pure.

One place, one answer for every email (RFC 3834 and the conventions mail systems use in
practice), with the reason that goes to the audit:

- `IGNORE`: no request, no reply. Mail from ourselves or naming us in X-Loop, bounces
  (empty Return-Path, delivery reports, MAILER-DAEMON), auto-replies (Auto-Submitted
  other than "no", X-Autoreply, X-Autorespond, Precedence auto_reply, "Out of Office:" /
  "Automatic reply:" subjects), list and bulk mail (List-Id, List-Post, Precedence
  bulk/list/junk), robot senders (no-reply, postmaster...), and mail with no usable
  sender. Answering any of these would start a loop or answer a machine.
- `RECORD`: the documents are kept and the request assessed, but no reply goes out:
  the sender asked for no automatic answers (X-Auto-Response-Suppress: All, OOF,
  AutoReply), the mail carries only a List-Unsubscribe, or (with the sender check on)
  the sender's address is not authenticated, so it may be forged.
- `ANSWER`: a person wrote; the reply caps (`within_caps`) still apply.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from intake.core.model import Envelope
from intake.core.sender_check import SenderCheck

ROBOT_LOCAL_PARTS = ("mailerdaemon", "postmaster", "noreply", "donotreply")
_SEPARATORS = re.compile(r"[-_.]")
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
# Subjects that auto-responders and bounce generators write (Exchange, Gmail, Apple,
# Postfix, qmail, Lotus), in the languages an attorney's mail system is likely to use.
_AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(?:"
    r"out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto(?:matic)?[\s-]*(?:reply|response)"
    r"|autoreply|auto:|autosvar|abwesenheitsnotiz|automatische\s+antwort"
    r"|r[ée]ponse\s+automatique|absence\s+du\s+bureau|respuesta\s+autom[áa]tica"
    r"|risposta\s+automatica|resposta\s+autom[áa]tica|vacation\s+reply|on\s+vacation"
    r"|undeliverable|undelivered\s+mail|delivery\s+status\s+notification"
    r"|delivery\s+(?:has\s+)?fail|mail\s+delivery\s+(?:failed|failure|system)"
    r"|returned\s+mail|failure\s+notice|non[\s-]*delivery|message\s+not\s+delivered"
    r")",
    re.IGNORECASE,
)
_SUPPRESS_TOKENS = frozenset({"all", "oof", "autoreply"})
_REPORT_TYPES = re.compile(
    r"^\s*multipart/report\b|report-type\s*=\s*\"?(?:delivery-status|disposition-notification)",
    re.IGNORECASE,
)


class Screening(StrEnum):
    IGNORE = "ignore"
    RECORD = "record"
    ANSWER = "answer"


@dataclass(frozen=True)
class Verdict:
    action: Screening
    reason: str  # for the audit: "No reply: ..." or "Reply allowed to ..."


def is_robot_address(address: str) -> bool:
    """MAILER-DAEMON, postmaster, no-reply, noreply, do-not-reply (and no_reply+tag...)."""
    local = address.rsplit("@", 1)[0].lower()
    local = _SEPARATORS.sub("", local.split("+", 1)[0])
    return local.startswith(ROBOT_LOCAL_PARTS)


_COMMENT = re.compile(r"\([^()]*\)")
_KEYWORD = re.compile(r"[A-Za-z0-9_-]+")


def _first_token(value: str) -> str:
    """The keyword of a structured header ("no" of "No (a person); comment"): RFC 3834
    allows comments and parameters around it."""
    for _ in range(4):  # nested comments, innermost first; the header is already capped
        value = _COMMENT.sub(" ", value)
    found = _KEYWORD.search(value.split(";", 1)[0])
    return found.group(0).lower() if found else ""


def screen(
    envelope: Envelope,
    *,
    own_addresses: Collection[str],
    sender_check: SenderCheck | None = None,
) -> Verdict:
    """What to do with `envelope`; see the module doc."""
    verdict = _automatic(envelope, {a.strip().lower() for a in own_addresses if a.strip()})
    if verdict is not None:
        return verdict
    headers = envelope.headers
    suppress = {t.strip().lower() for t in headers.get("x-auto-response-suppress", "").split(",")}
    if suppress & _SUPPRESS_TOKENS:
        shown = headers["x-auto-response-suppress"].strip()
        return Verdict(
            Screening.RECORD,
            f"No reply: the sender asked for no automatic replies "
            f"(X-Auto-Response-Suppress: {shown}).",
        )
    if headers.get("list-unsubscribe", "").strip():
        return Verdict(
            Screening.RECORD,
            "No reply: the email carries a List-Unsubscribe header (newsletter or bulk mail).",
        )
    if sender_check is not None and sender_check.gate_on and not sender_check.verified:
        return Verdict(
            Screening.RECORD,
            f"No reply: the sender is not verified, so the address may be forged "
            f"({sender_check.summary}).",
        )
    sender = (envelope.sender_address or "").strip().lower()
    return Verdict(Screening.ANSWER, f"Reply allowed to {sender}.")


def _automatic(envelope: Envelope, own: set[str]) -> Verdict | None:
    """The IGNORE answers: mail that no person wrote to us, or that would loop."""
    headers = envelope.headers
    sender = (envelope.sender_address or "").strip().lower()

    def ignore(reason: str) -> Verdict:
        return Verdict(Screening.IGNORE, f"No reply: {reason}.")

    if not sender or "@" not in sender:
        return ignore("the email has no sender address to answer")
    if any(ch.isspace() or ord(ch) < 32 for ch in sender):
        return ignore("the sender address is malformed")
    if sender in own:
        return ignore(f"the email comes from our own address ({sender})")
    loop = headers.get("x-loop", "").lower()
    if loop and any(address in loop for address in own):
        return ignore(f"the email has already passed through our mailbox (X-Loop: {loop})")
    auto = _first_token(headers.get("auto-submitted", ""))
    if auto and auto != "no":
        return ignore(f"the email is automatic (Auto-Submitted: {auto})")
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        value = headers.get(name, "").strip()
        if value and value.lower() not in ("no", "false", "0"):
            return ignore(f"the email is an automatic reply ({name.title()}: {value})")
    precedence = _first_token(headers.get("precedence", ""))
    if precedence in BULK_PRECEDENCE:
        return ignore(f"the email is bulk or list mail (Precedence: {precedence})")
    if precedence == "auto_reply":
        return ignore("the email is an automatic reply (Precedence: auto_reply)")
    if headers.get("list-id", "").strip() or headers.get("list-post", "").strip():
        return ignore("the email came through a mailing list (List-Id)")
    if headers.get("return-path", "").strip().replace(" ", "") == "<>":
        return ignore("the email is a bounce or notification (empty Return-Path)")
    if _REPORT_TYPES.search(headers.get("content-type", "")):
        return ignore("the email is a delivery or read report (multipart/report)")
    if headers.get("x-failed-recipients", "").strip():
        return ignore("the email is a bounce (X-Failed-Recipients)")
    if is_robot_address(sender):
        return ignore(f"the sender {sender} is a robot address that nobody reads")
    if _AUTOMATIC_SUBJECT.match(envelope.subject or ""):
        shown = envelope.subject.strip()[:60]
        return ignore(f"the subject says it is an automatic reply or a bounce ({shown!r})")
    return None


@dataclass(frozen=True)
class ReplyCaps:
    """How many replies may go out per court day (0 turns a cap off)."""

    per_address: int = 5
    per_domain: int = 50
    overall: int = 1000


@dataclass(frozen=True)
class SentToday:
    """Replies already queued today: to this address, to its domain, to anyone."""

    address: int
    domain: int
    overall: int


def within_caps(
    sender: str, sent: SentToday, caps: ReplyCaps, *, authenticated_submission: bool
) -> tuple[bool, str]:
    """Whether one more reply fits the day's caps, and the reason for the audit.

    The caps stop backscatter to forged addresses and any two auto-responders that slip
    through the screen. A submission (documents attached) from a sender the court's
    mail server authenticated is answered whatever the caps say: forged mail can then
    never use up a real attorney's replies.
    """
    if authenticated_submission:
        return True, f"Reply allowed to {sender} (authenticated submission: no cap applies)."
    domain = sender.rpartition("@")[2]
    for count, cap, what in (
        (sent.address, caps.per_address, sender),
        (sent.domain, caps.per_domain, f"the domain {domain}"),
        (sent.overall, caps.overall, "all senders together"),
    ):
        if cap and count >= cap:
            return False, (
                f"No reply: {what} has already been sent {count} replies today "
                f"(the limit is {cap})."
            )
    return True, f"Reply allowed to {sender}."
