"""The clerks' files: original PDFs, each request's page and packet, the index page.

Kept under the state folder:
- `documents/<sha256>.pdf`: the bytes of every PDF received, written (atomically, once)
  before the transaction that records it; content-addressed, so a crash leaves at most
  an orphan file and a resend writes nothing;
- `summaries/request-<id>.html` and `.pdf`: the request's page and packet;
- `summaries/index.html`: every request with its status and links.

Rendering a packet takes a fraction of a second per request: it runs after the
message's transaction, never inside it. A clerk summary queued in that transaction has
no bytes yet; `render_owed_summaries` fills them in (and runs again after a crash).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.core.clock import at_court, parse_stamp
from intake.core.model import Document, DocumentKind, Envelope
from intake.core.policy.decisions import decision_params
from intake.core.replies.business_days import decision_window, local_date, long_date
from intake.core.summary.mail import digest_message, summary_message
from intake.core.summary.packet_result import Packet
from intake.core.summary.pages import (
    Digest,
    IndexEntry,
    render_digest,
    render_index,
    render_request_html,
)
from intake.core.summary.view import (
    ConflictView,
    PageLinks,
    RequestFacts,
    SummaryView,
    build_summary,
)
from intake.edges.bounds import Bounds, Done, Outcome, failure
from intake.edges.durable import write_all_once, write_all_once_behind, write_atomically
from intake.edges.sandbox import Sandboxed
from intake.edges.state_layout import StateLayout
from intake.edges.store import RequestRow, RequestStatus, Store
from intake.errors import IntakeError
from intake.service.enqueue import DIGEST, Outgoing, new_message_id

# Kinds a packet merges: the PDFs a clerk may want to read.
KEPT_KINDS = frozenset(
    {DocumentKind.NEF, DocumentKind.LETTER, DocumentKind.UNREADABLE, DocumentKind.OTHER}
)
SUMMARY_STATUSES = frozenset({RequestStatus.COMPLETE, RequestStatus.NEEDS_REVIEW})


def original_path(state_dir: Path, sha256: str) -> Path:
    return StateLayout(state_dir).original(sha256)


def save_originals(state_dir: Path, envelope: Envelope, documents: Sequence[Document]) -> int:
    """Keep the bytes of the email's PDFs (documents are read from attachments in order)."""
    # One disk flush for all of them (durable.write_all_once), not two per document.
    return write_all_once(_originals(state_dir, envelope, documents))


def save_originals_behind(
    state_dir: Path, envelope: Envelope, documents: Sequence[Document]
) -> Future[int]:
    """`save_originals` with its disk flush on a thread (`durable.write_all_once_behind`):
    the future's result once they are durable; wait for it before committing."""
    return write_all_once_behind(_originals(state_dir, envelope, documents))


def _originals(
    state_dir: Path, envelope: Envelope, documents: Sequence[Document]
) -> list[tuple[Path, bytes]]:
    if len(envelope.attachments) != len(documents):
        return []
    return [
        (original_path(state_dir, document.sha256), attachment.data)
        for attachment, document in zip(envelope.attachments, documents, strict=True)
        if document.kind in KEPT_KINDS and not attachment.truncated
    ]


def load_originals(state_dir: Path, documents: Iterable[Document]) -> dict[str, bytes]:
    """The kept bytes of these documents (a missing file: the packet notes it is absent)."""
    found: dict[str, bytes] = {}
    for document in documents:
        try:
            found[document.sha256] = original_path(state_dir, document.sha256).read_bytes()
        except OSError:
            continue
    return found


@dataclass(frozen=True)
class RenderedSummary:
    view: SummaryView
    html: str
    packet: Packet | None  # None: not drawn (nobody receives it; see `Outgoing.draws_packets`)
    html_path: Path
    pdf_path: Path
    email_html: str = ""  # the page as emailed: absolute links, or none


def summary_paths(state_dir: Path, request_id: int) -> tuple[Path, Path]:
    """The request's page and packet."""
    layout = StateLayout(state_dir)
    return layout.summary_page(request_id), layout.summary_packet(request_id)


def _facts(request: RequestRow) -> RequestFacts:
    opened = parse_stamp(request.created_at)
    updated = parse_stamp(request.updated_at)
    assert opened is not None and updated is not None
    return RequestFacts(
        request_id=str(request.id),
        attorney_name=request.attorney_name,
        attorney_address=request.attorney,
        opened_at=opened,
        updated_at=updated,
        completed_at=parse_stamp(request.completed_at),
    )


def _conflicts(store: Store, request_id: int) -> tuple[ConflictView, ...]:
    """The request's Message-ID conflicts, as the poll put them in its audit trail."""
    found = []
    for row in store.audit.trail(f"request:{request_id}"):
        if row.action != "message_id_conflict":
            continue
        detail = json.loads(row.detail)
        found.append(
            ConflictView(
                message=int(detail.get("message") or 0),
                earlier_message=int(detail.get("earlier_message") or 0),
                message_id=str(detail.get("message_id") or ""),
            )
        )
    return tuple(found)


def render_summary(
    store: Store,
    outgoing: Outgoing,
    request_id: int,
    *,
    now: dt.datetime,
    packet: bool | None = None,
    for_email: bool = False,
) -> RenderedSummary | None:
    """Render the request's page and packet and write both; None when not assessed yet.

    `packet`: draw the PDF packet (default: when someone receives it,
    `Outgoing.draws_packets`). A page drawn without one removes the packet an earlier
    drawing left, which no longer shows the request as it is. `for_email`: also the
    page as the clerks' email carries it (`email_html`)."""
    with_packet = outgoing.draws_packets if packet is None else packet
    request = store.requests.get(request_id)
    assessment = store.assessments.latest(request_id)
    if request is None or assessment is None:
        return None
    documents = [d for d, _ in store.documents.of_request(request_id)]
    html_path, pdf_path = summary_paths(store.state_dir, request_id)
    kept = [d.sha256 for d in documents if original_path(store.state_dir, d.sha256).exists()]
    facts = _facts(request)

    conflicts = _conflicts(store, request_id)

    def view_with(links: PageLinks) -> SummaryView:
        view = build_summary(
            facts,
            assessment,
            documents,
            generated_at=now,
            rules=outgoing.reply.rules,
            time_zone=outgoing.time_zone,
            links=links,
            decide_by=decide_by(request, outgoing),
        )
        return dataclasses.replace(view, conflicts=conflicts)

    # On disk the page sits beside its packet, and documents/ beside summaries/.
    packet_name = pdf_path.name if with_packet else None
    view = view_with(page_links(packet_name, kept, base=None))
    html = render_request_html(view, outgoing.templates)
    email_html = ""
    if for_email:
        # In an email a relative link goes nowhere: absolute from [clerks] base_url, or none.
        mailed = view_with(page_links(packet_name, kept, base=outgoing.base_url, relative=False))
        email_html = render_request_html(mailed, outgoing.templates)
    drawn = None
    if with_packet:
        drawn = build_packet_isolated(view, documents, load_originals(store.state_dir, documents))
    # Not synced: the state can always render them again (`intake requests summary`).
    # The packet first: a page newer than its request is what says "drawn" (owed_pages).
    if drawn is not None:
        write_atomically(pdf_path, drawn.pdf, durable=False)
    else:
        pdf_path.unlink(missing_ok=True)
    write_atomically(html_path, html.encode("utf-8"), durable=False)
    return RenderedSummary(view, html, drawn, html_path, pdf_path, email_html)


# Merging PDFs that came by email is pypdf work on attacker bytes: a kilobyte can
# declare 100,000 pages. Bounded like the MIME parse; the cover alone when it fails.
PACKET_TASK = "intake.core.summary.packet:packet_task"
PACKET_BOUNDS = Bounds(cpu_seconds=30.0, max_memory_bytes=768 * 1024 * 1024, timeout_seconds=120)
COVER_BOUNDS = Bounds(cpu_seconds=20.0, max_memory_bytes=512 * 1024 * 1024, timeout_seconds=60)


# One long-lived packet child, replaced after a stop or 50 packets (Sandboxed does that):
# a fresh interpreter per packet cost ~0.3-0.5 s of CPU each (reportlab and pypdf
# imported again), more than the rest of a backlogged request's handling.
_packets = Sandboxed(PACKET_TASK, max_tasks=50)
_packets_lock = threading.Lock()


def _run_packet(payload: tuple[Any, ...], bounds: Bounds) -> Outcome:
    with _packets_lock:  # one caller at a time (the daemon's steps, a command)
        return _packets.run(payload, bounds)


class PacketError(IntakeError):
    """Not even the packet's cover sheet could be made within its bounds."""


def build_packet_isolated(
    view: SummaryView, documents: Sequence[Document], originals: dict[str, bytes]
) -> Packet:
    """`build_packet` in a bounded child; when the documents make it fail, the cover
    alone (each document listed as left out, with the reason)."""
    outcome = _run_packet((view, documents, originals, None), PACKET_BOUNDS)
    if isinstance(outcome, Done) and isinstance(outcome.value, Packet):
        return outcome.value
    why = failure("merging the PDFs", outcome, PACKET_BOUNDS)
    reason = f"the packet could not be assembled ({why})"
    cover = _run_packet((view, documents, {}, reason), COVER_BOUNDS)
    if isinstance(cover, Done) and isinstance(cover.value, Packet):
        return cover.value
    raise PacketError(failure("the cover sheet", cover, COVER_BOUNDS) or "no cover sheet")


def page_links(
    packet_name: str | None, kept: Sequence[str], *, base: str | None, relative: bool = True
) -> PageLinks:
    """The packet's and the kept originals' links: relative to the page, absolute from
    `base` (the URL of the summaries folder), or none (`relative=False` without `base`).
    `packet_name` None: the packet was not drawn (the page says how to draw it)."""
    if base is None and not relative:
        return PageLinks(packet_drawn=packet_name is not None)
    prefix = base or ""
    return PageLinks(
        packet=None if packet_name is None else prefix + packet_name,
        packet_drawn=packet_name is not None,
        originals={sha: f"{prefix}../{StateLayout.DOCUMENTS}/{sha}.pdf" for sha in kept},
    )


def decide_by(request: RequestRow, outgoing: Outgoing) -> str | None:
    """The last day of the decision window promised to the attorney, once complete."""
    completed = parse_stamp(request.completed_at)
    if completed is None:
        return None
    first, last = outgoing.reply.decision_days
    window = decision_window(completed, time_zone=outgoing.time_zone, first=first, last=last)
    return long_date(window[1])


def index_rows(
    store: Store,
    outgoing: Outgoing,
    *,
    include_closed: bool = True,
    base: str | None = None,
    relative: bool = True,
) -> list[IndexEntry]:
    """Every request as the index and the digest list it, with what a clerk decides
    from (notices that count, the letter, complete since, decide by, what is missing,
    who decided what) and a link to its page if written: relative (the index beside
    the pages), absolute from `base`, or none (`relative=False` without `base`)."""
    rules = outgoing.reply.rules
    descriptions = {a.id: a.description for a in rules.letter.affirmations}
    rows = []
    for request in store.requests.all():
        if request.status is RequestStatus.CLOSED and not include_closed:
            continue
        html_path, _ = summary_paths(store.state_dir, request.id)
        updated = parse_stamp(request.updated_at)
        assert updated is not None
        link = None
        if html_path.exists() and (base or relative):
            link = (base or "") + html_path.name
        assessment = store.assessments.latest(request.id)
        rows.append(
            IndexEntry(
                request_id=str(request.id),
                attorney=request.attorney_name or request.attorney,
                status=request.status.value,
                updated_at=updated,
                link=link,
                nefs=f"{assessment.qualifying_nefs} of {assessment.required_nefs}"
                if assessment
                else "-",
                letter=rules.messages.letter_labels[assessment.letter.value] if assessment else "-",
                completed_at=parse_stamp(request.completed_at),
                decide_by=decide_by(request, outgoing),
                missing=tuple(rules.still_needed(m) for m in assessment.missing)
                if assessment
                else (),
                decisions=tuple(
                    f"{d.clerk}: {d.filename}: "
                    + rules.decision_words(d.kind.value, decision_params(d, descriptions))
                    for d in (assessment.decisions if assessment else ())
                ),
            )
        )
    return rows


def write_index(store: Store, outgoing: Outgoing, *, now: dt.datetime) -> Path:
    """The static index page of every request, linking the summaries that exist."""
    path = store.layout.index_page
    page = render_index(
        index_rows(store, outgoing),
        rules=outgoing.reply.rules,
        generated_at=now,
        time_zone=outgoing.time_zone,
        templates=outgoing.templates,
    )
    write_atomically(path, page.encode("utf-8"), durable=False)
    return path


# Rendering a summary is optional work: tried at this many polls, then the row is
# marked failed (with the reason, in `intake outbox list` and the audit) and left alone.
MAX_RENDER_ATTEMPTS = 3


def render_owed_summaries(store: Store, outgoing: Outgoing, *, actor: str) -> set[int]:
    """Give every queued clerk summary without bytes its page, packet and message;
    returns the requests rendered. One that fails is retried at the next calls, at
    most `MAX_RENDER_ATTEMPTS` times in all, then marked failed; the others go on."""
    rendered: set[int] = set()
    for row in store.outbox.unrendered():
        if row.request_id is None:
            continue
        now = store.now()
        try:
            # The email carries the packet, whatever the poll draws for the page.
            summary = render_summary(
                store, outgoing, row.request_id, now=now, packet=True, for_email=True
            )
        except sqlite3.Error:
            raise
        except Exception as exc:
            _render_failed(store, row.id, row.request_id, row.attempts + 1, exc, actor=actor)
            continue
        if summary is None or summary.packet is None:
            continue
        message = summary_message(
            summary.view,
            summary.email_html,
            summary.packet,
            from_address=outgoing.reply.from_address,
            to_addresses=[a.strip() for a in row.to_address.split(",")],
            message_id=row.message_id,
            date=at_court(now, outgoing.time_zone),
        )
        with store.transaction():
            store.outbox.set_message(
                row.id,
                subject=str(message["Subject"]),
                body=f"summary of request {row.request_id}: {summary.pdf_path}",
                raw=message.as_bytes(),
            )
            store.audit.record(
                actor, "summary_rendered", f"request:{row.request_id}", outbox=row.id
            )
        rendered.add(row.request_id)
    return rendered


def _render_failed(
    store: Store, outbox_id: int, request_id: int, attempts: int, exc: Exception, *, actor: str
) -> None:
    error = f"the summary could not be rendered: {type(exc).__name__}: {exc}"[:1000]
    with store.transaction():
        if attempts >= MAX_RENDER_ATTEMPTS:
            store.outbox.mark_failed(outbox_id, error)
            store.audit.record(
                actor, "summary_failed", f"request:{request_id}", outbox=outbox_id, error=error,
                attempts=attempts,
            )  # fmt: skip
        else:
            store.outbox.mark_retry(outbox_id, error, store.now())
            store.audit.record(
                actor, "summary_render_retry", f"request:{request_id}", outbox=outbox_id,
                error=error, attempts=attempts,
            )  # fmt: skip


def _draw_page(store: Store, outgoing: Outgoing, request_id: int, *, actor: str) -> None:
    """A request's page and packet, owed; one that keeps failing is tried at
    `MAX_RENDER_ATTEMPTS` polls after the request last changed, then left (audited)."""
    request = store.requests.get(request_id)
    if request is None:
        return
    failures = [
        a
        for a in store.audit.trail(f"request:{request_id}")
        if a.action == "summary_files_failed" and a.at >= request.updated_at
    ]
    if len(failures) >= MAX_RENDER_ATTEMPTS:
        return
    try:
        render_summary(store, outgoing, request_id, now=store.now())
    except sqlite3.Error:
        raise
    except Exception as exc:  # the page waits for the next poll, a bounded number of times
        with store.transaction():
            store.audit.record(
                actor, "summary_files_failed", f"request:{request_id}",
                error=f"{type(exc).__name__}: {exc}"[:1000], attempts=len(failures) + 1,
            )  # fmt: skip


def owed_pages(store: Store) -> list[int]:
    """Complete and needs-review requests whose page was never drawn, or whose page or
    packet was drawn before the request last changed (a poll interrupted before its
    pages)."""
    owed = []
    for status in sorted(SUMMARY_STATUSES, key=lambda s: s.value):
        for request in store.requests.all(status):
            updated = parse_stamp(request.updated_at)
            assert updated is not None
            page, packet = summary_paths(store.state_dir, request.id)
            try:
                drawn = page.stat().st_mtime
            except FileNotFoundError:
                owed.append(request.id)
                continue
            # No packet: none was drawn (nobody receives it, `Outgoing.draws_packets`).
            # One that is there must be as new as its request.
            with contextlib.suppress(FileNotFoundError):
                drawn = min(drawn, packet.stat().st_mtime)
            # The stamp is to the second: a page drawn within that second may be older.
            if drawn < updated.timestamp() + 1:
                owed.append(request.id)
    return sorted(owed)


def draw_owed(store: Store, outgoing: Outgoing, *, actor: str) -> tuple[int, int]:
    """Every clerk summary email and page still owed, and the index when any was drawn;
    (summary emails rendered, pages drawn)."""
    rendered = render_owed_summaries(store, outgoing, actor=actor)
    pages = [r for r in owed_pages(store) if r not in rendered]
    for request_id in pages:
        _draw_page(store, outgoing, request_id, actor=actor)
    index = store.layout.index_page
    if rendered or pages or not index.exists():
        write_index(store, outgoing, now=store.now())
    return len(rendered), len(pages) + len(rendered)


def refresh_summaries(
    store: Store, outgoing: Outgoing, request_ids: Iterable[int], *, actor: str
) -> int:
    """After a poll: owed summary emails, files of complete/needs-review requests, index."""
    request_ids = set(request_ids)
    rendered = render_owed_summaries(store, outgoing, actor=actor)
    for request_id in sorted(request_ids - rendered):
        request = store.requests.get(request_id)
        if request is not None and request.status in SUMMARY_STATUSES:
            _draw_page(store, outgoing, request_id, actor=actor)
    index = store.layout.index_page
    if rendered or request_ids or not index.exists():  # an idle poll rewrites nothing
        write_index(store, outgoing, now=store.now())
    return len(rendered)


def build_digest(store: Store, outgoing: Outgoing, *, now: dt.datetime) -> Digest:
    """The clerks' digest of the court day `now` falls on: every request not closed."""
    return render_digest(
        # An email: absolute links from [clerks] base_url, or none at all.
        index_rows(store, outgoing, include_closed=False, base=outgoing.base_url, relative=False),
        rules=outgoing.reply.rules,
        day=local_date(now, outgoing.time_zone),
        court_name=outgoing.reply.court_name,
        time_zone=outgoing.time_zone,
        templates=outgoing.templates,
    )


def queue_digest(
    store: Store, outgoing: Outgoing, *, now: dt.datetime, actor: str = "digest"
) -> int:
    """Queue the digest to the clerks (one transaction); returns its outbox id.
    Raises ValueError when no clerks' address is configured."""
    if not outgoing.clerk_addresses:
        raise ValueError("no clerks' address is configured ([clerks] addresses)")
    digest = build_digest(store, outgoing, now=now)
    message = digest_message(
        digest,
        from_address=outgoing.reply.from_address,
        to_addresses=outgoing.clerk_addresses,
        message_id=new_message_id(outgoing.message_id_domain),
        date=at_court(now, outgoing.time_zone),
    )
    with store.transaction():
        outbox_id = store.outbox.enqueue(
            request_id=None,
            message_id=str(message["Message-ID"]),
            kind=DIGEST,
            to_address=", ".join(outgoing.clerk_addresses),
            subject=digest.subject,
            body=digest.text,
            raw=message.as_bytes(),
        )
        store.audit.record(
            actor, "digest_queued", f"outbox:{outbox_id}", day=local_date(now, outgoing.time_zone)
        )
    return outbox_id
