"""The clerks' HTML pages and digest: a request's summary, the index, the daily digest. Pure."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from intake.core.clock import COURT_TIME_ZONE, person_time
from intake.core.model import Status
from intake.core.policy.rules import Rules
from intake.core.replies.business_days import long_date
from intake.core.replies.render import TemplateSet, shipped_templates
from intake.core.summary.view import SummaryView

# Groups of the digest, most urgent first.
DIGEST_ORDER = (
    Status.NEEDS_REVIEW,
    Status.COMPLETE,
    Status.INCOMPLETE,
    Status.TRAINING_REQUIRED,
)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class IndexEntry:
    """One request in the index or the digest (the caller reads these from the store)."""

    request_id: str
    attorney: str
    status: str  # a Status value
    updated_at: dt.datetime
    link: str | None = None  # relative to the page ("request-42.html"), or absolute
    # What the clerk decides from, without opening the page:
    nefs: str = ""  # "4 of 6 count"
    letter: str = ""  # the letter's state in words
    completed_at: dt.datetime | None = None
    decide_by: str | None = None  # the decision window's last day, in words
    missing: tuple[str, ...] = ()  # what is still missing, in words
    decisions: tuple[str, ...] = ()  # who decided what ("mgarcia: NEF 6.pdf: counted")


@dataclass(frozen=True)
class _RowView:
    request_id: str
    attorney: str
    status: str
    status_label: str
    updated: str
    link: str | None
    nefs: str = ""
    letter: str = ""
    completed: str | None = None
    decide_by: str | None = None
    missing: tuple[str, ...] = ()
    decisions: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Group:
    status: str
    label: str
    rows: tuple[_RowView, ...]


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str


def safe_link(link: str | None) -> str | None:
    """Relative links and http(s) only: no javascript: or data: from a stored value."""
    if not link:
        return None
    if _SCHEME.match(link) and not link.lower().startswith(("http://", "https://")):
        return None
    return link


def _label(status: str, rules: Rules) -> str:
    """The status in words ([status_labels] of messages.toml); one it does not know as is."""
    return rules.messages.status_labels.get(status) or status.replace("_", " ")


def _rows(rows: Sequence[IndexEntry], rules: Rules, time_zone: str) -> list[_RowView]:
    return [
        _RowView(
            request_id=r.request_id,
            attorney=r.attorney,
            status=r.status,
            status_label=_label(r.status, rules),
            updated=person_time(r.updated_at, time_zone),
            link=safe_link(r.link),
            nefs=r.nefs,
            letter=r.letter,
            completed=person_time(r.completed_at, time_zone) if r.completed_at else None,
            decide_by=r.decide_by,
            missing=r.missing,
            decisions=r.decisions,
        )
        for r in rows
    ]


def render_request_html(view: SummaryView, templates: TemplateSet | None = None) -> str:
    return (templates or shipped_templates()).render("summary/request.html.j2", {"s": view})


def render_index(
    rows: Sequence[IndexEntry],
    *,
    rules: Rules,
    generated_at: dt.datetime,
    title: str = "CM/ECF training waiver requests",
    time_zone: str = COURT_TIME_ZONE,
    templates: TemplateSet | None = None,
) -> str:
    """The static index page: every request, most recently updated first."""
    ordered = sorted(rows, key=lambda r: r.updated_at, reverse=True)
    context = {
        "title": title,
        "rows": _rows(ordered, rules, time_zone),
        "generated_at": person_time(generated_at, time_zone),
    }
    return (templates or shipped_templates()).render("summary/index.html.j2", context)


def digest_groups(
    rows: Sequence[IndexEntry], rules: Rules, time_zone: str = COURT_TIME_ZONE
) -> list[_Group]:
    known = [s.value for s in DIGEST_ORDER]
    others = sorted({r.status for r in rows} - set(known))
    groups = []
    for status in [*known, *others]:
        members = sorted(
            (r for r in rows if r.status == status), key=lambda r: r.updated_at, reverse=True
        )
        if members:
            label = _label(status, rules)
            groups.append(_Group(status, label, tuple(_rows(members, rules, time_zone))))
    return groups


def render_digest(
    rows: Sequence[IndexEntry],
    *,
    rules: Rules,
    day: dt.date,
    court_name: str,
    time_zone: str = COURT_TIME_ZONE,
    templates: TemplateSet | None = None,
) -> Digest:
    """The clerks' daily digest of requests by status, as a subject, text and HTML."""
    groups = digest_groups(rows, rules, time_zone)
    context = {
        "day": day,
        "court_name": court_name,
        "groups": groups,
        "total": len(rows),
        "linked": any(r.link for r in rows),
    }
    templates = templates or shipped_templates()
    counts = ", ".join(f"{len(g.rows)} {g.label.split(':')[0].lower()}" for g in groups)
    subject = f"CM/ECF waiver requests, {long_date(day)}: {counts or 'none'}"
    return Digest(
        subject=subject,
        text=templates.render("summary/digest.txt.j2", context),
        html=templates.render("summary/digest.html.j2", context),
    )
