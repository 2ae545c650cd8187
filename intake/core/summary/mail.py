"""The clerks' emails: a request's summary (page + PDF packet) and the daily digest. Pure.

Like replies, they carry a Message-ID fixed by the caller (one per outbox row) and are
marked `Auto-Submitted: auto-generated`, so that no auto-responder answers them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage

from intake.core.replies.headers import OUTGOING_POLICY, clean_text, message_ids
from intake.core.summary.filenames import packet_filename
from intake.core.summary.packet_result import Packet
from intake.core.summary.pages import Digest
from intake.core.summary.view import SummaryView


def _base(
    *,
    from_address: str,
    to_addresses: Sequence[str],
    subject: str,
    message_id: str,
    date: dt.datetime,
) -> EmailMessage:
    ids = message_ids(message_id)
    if len(ids) != 1 or ids[0] != message_id.strip():
        raise ValueError(f"Message-ID {message_id!r} is not of the form <id@host>")
    if not to_addresses:
        raise ValueError("the clerks' address is not configured")
    message = EmailMessage(policy=OUTGOING_POLICY)
    message["From"] = Address(display_name="CM/ECF waiver intake", addr_spec=from_address)
    message["To"] = [Address(addr_spec=clean_text(a)) for a in to_addresses]
    message["Subject"] = clean_text(subject, limit=300)
    message["Date"] = email.utils.format_datetime(date)
    message["Message-ID"] = ids[0]
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    return message


def summary_message(
    view: SummaryView,
    html: str,
    packet: Packet,
    *,
    from_address: str,
    to_addresses: Sequence[str],
    message_id: str,
    date: dt.datetime,
) -> EmailMessage:
    """The summary of one request for the clerks: text, the HTML page, the PDF packet."""
    message = _base(
        from_address=from_address,
        to_addresses=to_addresses,
        subject=f"Waiver request {view.request_id}: {view.attorney_name} - {view.status_label}",
        message_id=message_id,
        date=date,
    )
    lines = [
        f"Request {view.request_id}: {view.status_label}",
        f"Attorney: {view.attorney_name} <{view.attorney_address}>",
        f"NEFs that count: {view.nef_tally}",
        f"Letter: {view.letter_status}",
        *(f"Still missing: {m}" for m in view.missing),
        "",
        "The attached PDF holds the summary, then the letter and the notices themselves.",
    ]
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative(html, subtype="html")
    message.add_attachment(
        packet.pdf,
        maintype="application",
        subtype="pdf",
        filename=packet_filename(view.request_id),
    )
    return message


def digest_message(
    digest: Digest,
    *,
    from_address: str,
    to_addresses: Sequence[str],
    message_id: str,
    date: dt.datetime,
) -> EmailMessage:
    message = _base(
        from_address=from_address,
        to_addresses=to_addresses,
        subject=digest.subject,
        message_id=message_id,
        date=date,
    )
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    return message
