"""What needs the operator, read from the state: one line per problem.

`intake status` lists these under "needs attention" and exits 3 when there is any; the
daemon puts them in its STATUS= line (`systemctl status intake`), so an SMTP outage or a
template that cannot render shows where a failed poll does.
"""

from __future__ import annotations

import json
from typing import Any

from intake.edges.store import MessageStatus, Store
from intake.service.journal import reply_not_rendered


def problems(
    store: Store, last_poll: Any, failed_messages: list[Any], alert_after: int
) -> list[str]:
    """What needs the operator, one line each (the exit status is 3 when any)."""
    found = []
    alert = send_alert(store)
    if alert is not None:
        found.append(alert)
    if last_poll is not None and not last_poll.ok:
        found.append(f"the last poll failed: {last_poll.error}")
    unanswered = [m for m in failed_messages if reply_not_rendered(m.error)]
    if unanswered:
        found.append(
            f"{len(unanswered)} email(s) have no reply: a template could not render it "
            f"({unanswered[-1].error}); fix the template, reload, then `intake requests retry`"
        )
    queued = store.outbox.all(status="queued")
    stuck = [row for row in queued if row.attempts >= alert_after and row.last_error]
    if stuck:
        found.append(
            f"{len(stuck)} outgoing message(s) failed {alert_after} or more attempts "
            f"(last: {stuck[-1].last_error}); once the server answers, "
            "`intake outbox send --now`"
        )
    failed = store.outbox.all(status="failed")
    if failed:
        found.append(
            f"{len(failed)} outgoing message(s) failed for good (last: {failed[-1].last_error});"
            " see `intake outbox list --status failed`, then `intake outbox requeue ID`"
        )
    return found


# The daemon's notes of an outbox alert and of its end, in the audit trail.
OUTBOX_SUBJECT = "outbox"
SEND_ALERT = "send_alert"
SEND_ALL_CLEAR = "send_all_clear"


def send_alert(store: Store) -> str | None:
    """The daemon's outbox alert when no all-clear has followed it yet, in words."""
    trail = [
        row
        for row in store.audit.trail(OUTBOX_SUBJECT)
        if row.action in (SEND_ALERT, SEND_ALL_CLEAR)
    ]
    if not trail or trail[-1].action != SEND_ALERT:
        return None
    detail = json.loads(trail[-1].detail)
    return (
        f"sending fails: {detail.get('count')} attempts in a row since {trail[-1].at} "
        f"({detail.get('error')}); replies wait in the outbox and go out when the server "
        "answers (`intake outbox send --now` to try at once)"
    )


def current_problems(store: Store, alert_after: int) -> list[str]:
    """`problems` for the state as it is now."""
    polls = store.polls.recent(1)
    failed = store.messages.all(status=MessageStatus.FAILED)
    return problems(store, polls[0] if polls else None, failed, alert_after)


def outbox_state(store: Store) -> str:
    """The outbox in a few words, for STATUS=: what waits, and since how many tries."""
    queued = store.outbox.all(status="queued")
    if not queued:
        return "outbox empty"
    retrying = [row for row in queued if row.attempts]
    line = f"outbox: {len(queued)} queued"
    if retrying:
        line += (
            f", {len(retrying)} after failed attempts (up to {max(r.attempts for r in retrying)})"
        )
    return line
