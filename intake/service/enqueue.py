"""What the poll queues for sending, inside the transaction of each assessment.

`queue_reply` checks the day's reply caps (audited either way), composes the reply with a
Message-ID fixed now and inserts its full bytes in the outbox; `queue_summary` inserts
the clerks' summary row (its page and packet are rendered just after the commit, see
`intake.service.clerk_files`). Both run inside the message's transaction, so a crash keeps the
assessment and its outgoing mail together or loses both, and a retried poll never
queues them twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from intake.config import Settings
from intake.core.clock import parse_stamp
from intake.core.model import Assessment, Document, Envelope
from intake.core.policy.rules import Rules
from intake.core.replies.business_days import local_date
from intake.core.replies.compose import (
    ReplyError,
    ReplyRenderError,
    ReplySettings,
    compose_reply,
    to_email_message,
)
from intake.core.replies.render import TemplateSet, load_templates
from intake.core.replies.screen import ReplyCaps, SentToday, within_caps
from intake.edges.store import Store
from intake.service.runtime import templates_dir

REPLY = "reply"
SUMMARY = "summary"
DIGEST = "digest"


@dataclass(frozen=True)
class Outgoing:
    """Everything the poll needs to write replies and clerk summaries."""

    reply: ReplySettings
    own_addresses: tuple[str, ...]
    caps: ReplyCaps
    message_id_domain: str
    clerk_addresses: tuple[str, ...] = ()
    summaries: bool = True
    replies: bool = True
    # The court's templates, compiled whole (the runtime's set): replies and pages render with it.
    templates: TemplateSet | None = None
    # Where the clerks' pages are served ([clerks] base_url): links in emails; None: none.
    base_url: str | None = None

    @property
    def time_zone(self) -> str:
        return self.reply.time_zone

    @property
    def draws_packets(self) -> bool:
        """Whether a poll draws each summary's PDF packet: only when someone receives
        it (the clerks by email, or the served summaries folder of `base_url`). A packet
        costs more than the rest of a request's handling (bench/poll_throughput.py);
        otherwise `intake requests summary N` draws it when a clerk asks."""
        return bool(self.clerk_addresses) or self.base_url is not None


def outgoing_from_settings(
    settings: Settings, rules: Rules, templates: TemplateSet | None = None
) -> Outgoing:
    """What the poll needs to write; `templates`: the set the runtime compiled (default:
    the settings' folder, compiled now; TemplateProblem naming every broken file)."""
    reply = settings.reply
    if templates is None:
        templates = load_templates(templates_dir(settings))
    from_address = (reply.from_address or settings.own_address).strip().lower()
    return Outgoing(
        reply=reply_settings(settings, rules),
        own_addresses=tuple(dict.fromkeys([settings.own_address.lower(), from_address])),
        caps=ReplyCaps(
            per_address=reply.daily_limit_per_sender,
            per_domain=reply.daily_limit_per_domain,
            overall=reply.daily_limit_overall,
        ),
        message_id_domain=reply.message_id_domain or from_address.rpartition("@")[2],
        clerk_addresses=settings.clerks.addresses,
        summaries=settings.clerks.summaries,
        replies=reply.enabled,
        templates=templates,
        base_url=settings.clerks.base_url,
    )


def reply_settings(settings: Settings, rules: Rules) -> ReplySettings:
    """What replies are composed with, from the settings' [reply] section and the rules."""
    reply = settings.reply
    return ReplySettings(
        court_name=reply.court_name,
        from_address=(reply.from_address or settings.own_address).strip().lower(),
        clerk_mailbox=reply.questions_to or settings.own_address,
        registration_url=reply.registration_url,
        from_name=reply.from_name,
        time_zone=reply.time_zone,
        rules=rules,
    )


def new_message_id(domain: str) -> str:
    return make_msgid(domain=domain)


def court_day_start(now: dt.datetime, time_zone: str) -> dt.datetime:
    """Midnight at the court of the day `now` falls on (the per-day limit's day)."""
    day = local_date(now, time_zone)
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(time_zone))


def queue_reply(
    store: Store,
    outgoing: Outgoing,
    *,
    request_id: int,
    message_row_id: int,
    envelope: Envelope,
    assessment: Assessment,
    documents: Sequence[Document],
    actor: str,
    follow_up_to: Sequence[Document] | None = None,
    authenticated_submission: bool = False,
) -> int | None:
    """Inside a transaction: the reply to `envelope` in the outbox, or None (audited why).

    The sender screen has already said ANSWER (`intake.core.replies.screen`); what is
    left to decide here is the day's reply caps. `follow_up_to`: the email's own
    documents when it joined an already complete request (see `compose_reply`).
    `authenticated_submission`: documents from a sender the court's mail server
    authenticated, answered whatever the caps."""
    subject = f"message:{message_row_id}"
    if not outgoing.replies:
        store.audit.record(actor, "no_reply", subject, reason="No reply: replies are turned off.")
        return None
    now = store.now()
    sender = (envelope.sender_address or "").strip().lower()
    day = court_day_start(now, outgoing.time_zone)
    sent = SentToday(
        address=store.outbox.replies_since(sender, day),
        domain=store.outbox.replies_to_domain_since(sender.rpartition("@")[2], day),
        overall=store.outbox.replies_overall_since(day),
    )
    allowed, why = within_caps(
        sender, sent, outgoing.caps, authenticated_submission=authenticated_submission
    )
    if not allowed:
        store.audit.record(actor, "no_reply", subject, reason=why, request=request_id)
        return None
    request = store.requests.get(request_id)
    completed_at = parse_stamp(request.completed_at) if request else None
    try:
        reply = compose_reply(
            assessment,
            documents,
            envelope,
            outgoing.reply,
            message_id=new_message_id(outgoing.message_id_domain),
            now=now,
            completed_at=completed_at,
            templates=outgoing.templates,
            follow_up_to=follow_up_to,
        )
    except ReplyRenderError:
        # A template failed: this email must not count as answered. Raised through the
        # message's transaction, so nothing of it is kept and the poll records it failed
        # (its bytes kept for `intake requests retry` once the template is fixed).
        raise
    except ReplyError as exc:
        # The email cannot be answered (no usable address): the assessment stands, and
        # the operator sees why no reply went out.
        store.audit.record(actor, "reply_failed", subject, error=str(exc), request=request_id)
        return None
    outbox_id = store.outbox.enqueue(
        request_id=request_id,
        message_id=reply.message_id,
        kind=REPLY,
        to_address=reply.to,
        subject=reply.subject,
        body=reply.text,
        raw=to_email_message(reply).as_bytes(),
    )
    store.audit.record(
        actor,
        "reply_queued",
        subject,
        reason=why,
        request=request_id,
        outbox=outbox_id,
        situation=reply.situation.value,
        message_id=reply.message_id,
    )
    return outbox_id


def queue_summary(store: Store, outgoing: Outgoing, *, request_id: int, actor: str) -> int | None:
    """Inside a transaction: the clerks' summary row, its bytes rendered after the commit."""
    if not (outgoing.summaries and outgoing.clerk_addresses):
        return None
    message_id = new_message_id(outgoing.message_id_domain)
    outbox_id = store.outbox.enqueue(
        request_id=request_id,
        message_id=message_id,
        kind=SUMMARY,
        to_address=", ".join(outgoing.clerk_addresses),
        subject=f"Waiver request {request_id}",
        body="",
        raw=None,
    )
    store.audit.record(actor, "summary_queued", f"request:{request_id}", outbox=outbox_id)
    return outbox_id
