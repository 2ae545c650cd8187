"""Telling the operator once when polling keeps failing.

`FailureStreak` is the pure part: it counts consecutive failed polls and says when the
alert is due (exactly once per streak, when the count reaches `after_failures`) and what
STATUS= should say until a poll succeeds. `queue_alert` puts the email in the outbox,
so it leaves by the same road as every reply (and waits there if SMTP is down too).
"""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from intake.core.clock import COURT_TIME_ZONE, at_court, person_time
from intake.core.replies.headers import OUTGOING_POLICY
from intake.edges.store import Store

ALERT = "alert"
ACTOR = "daemon"


@dataclass
class FailureStreak:
    after_failures: int
    count: int = 0
    since: dt.datetime | None = None
    last_error: str | None = None
    alerted: bool = False
    # What fails, in STATUS= and the alerts: "polls", "send attempts".
    what: str = "polls"

    def failed(self, error: str, at: dt.datetime) -> bool:
        """Count one failed poll; True when the alert is due now (once per streak)."""
        self.count += 1
        self.last_error = error
        if self.since is None:
            self.since = at
        if self.count >= self.after_failures and not self.alerted:
            self.alerted = True
            return True
        return False

    def succeeded(self) -> bool:
        """A poll worked: the streak ends. True when it had raised an alert."""
        was_alerted = self.alerted
        self.count, self.since, self.last_error, self.alerted = 0, None, None, False
        return was_alerted

    def status_note(self) -> str | None:
        """What STATUS= shows while the streak lasts past the threshold."""
        if self.count < self.after_failures:
            return None
        return f"ALERT: {self.count} {self.what} failed in a row: {self.last_error}"


def alert_message(
    streak: FailureStreak,
    *,
    to_address: str,
    from_address: str,
    now: dt.datetime,
    time_zone: str = COURT_TIME_ZONE,
) -> EmailMessage:
    message = EmailMessage(policy=OUTGOING_POLICY)
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = f"intake: {streak.count} polls of the court mailbox failed in a row"
    message["Date"] = format_datetime(at_court(now, time_zone))
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    since = person_time(streak.since, time_zone) if streak.since else "?"
    message.set_content(
        f"The intake daemon on {socket.gethostname()} has failed {streak.count} polls in a "
        f"row, since {since}.\n\n"
        f"Last error:\n  {streak.last_error}\n\n"
        "No mail is being read until this is fixed. See `intake status` and\n"
        "`journalctl -u intake`; `intake config check` tries the logins and says what is\n"
        "wrong. This is the only alert for this run of failures: the next one comes after\n"
        "a poll has succeeded and polls fail again.\n"
    )
    return message


def all_clear_message(
    streak: FailureStreak,
    *,
    to_address: str,
    from_address: str,
    now: dt.datetime,
    time_zone: str = COURT_TIME_ZONE,
) -> EmailMessage:
    """The email that follows an alert once the thing works again (call before the
    streak is reset: it says how long it lasted)."""
    message = EmailMessage(policy=OUTGOING_POLICY)
    message["From"] = from_address
    message["To"] = to_address
    message["Subject"] = f"intake: all clear, {streak.what} work again"
    message["Date"] = format_datetime(at_court(now, time_zone))
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    since = person_time(streak.since, time_zone) if streak.since else "?"
    message.set_content(
        f"All clear: on {socket.gethostname()}, {streak.what} work again after "
        f"{streak.count} failed in a row since {since}.\n\n"
        f"The last error was:\n  {streak.last_error}\n\n"
        "Nothing is needed from you; `intake status` shows the state.\n"
    )
    return message


def queue_alert(store: Store, message: EmailMessage) -> int:
    """Put the alert in the outbox (its own transaction); returns the outbox id."""
    with store.transaction():
        outbox_id = store.outbox.enqueue(
            request_id=None,
            message_id=str(message["Message-ID"]),
            kind=ALERT,
            to_address=str(message["To"]),
            subject=str(message["Subject"]),
            body=str(message.get_content()),
            raw=message.as_bytes(),
        )
        store.audit.record(ACTOR, "alert_queued", f"outbox:{outbox_id}", to=str(message["To"]))
    return outbox_id
