"""`intake requests list|show|decide|close|retry|summary`: what the clerks and operators
look at, and the clerk's decisions."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from intake.commands.arguments import record_id
from intake.commands.common import (
    CommandError,
    UsageError,
    add_config_argument,
    load_command_templates,
    table_width,
)
from intake.commands.help_format import HelpFormatter
from intake.core.clock import COURT_TIME_ZONE
from intake.core.display import displayable_lines
from intake.errors import IntakeError

# Heavy modules are imported in the functions that use them: building the parser
# (every `intake` command, `intake --help`) must stay quick (see intake/commands/cli.py).
if TYPE_CHECKING:
    from intake.config import Settings
    from intake.core.model import Assessment, Document, Evidence, NefVerdict
    from intake.core.policy.rules import Rules
    from intake.edges.mail.source import MailSource
    from intake.edges.store import AuditRow, MessageRow, OutboxRow, RequestRow, Store
    from intake.service.reprocess import RetryResult

    # What each `requests` action is: it runs with the settings and an open store.
    Action = Callable[[argparse.Namespace, Settings, Store], int]

EPILOG = """\
examples:
  intake requests list                      every request, newest last
  intake requests list --status incomplete
  intake requests show 12                   its emails, documents, facts and findings
  intake requests decide 12 --accept-letter 1 --reason "read the scan: signed, in order"
  intake requests close 12 --reason "sent to the wrong court"
  intake requests retry                     read the failed messages again; those that
                                            now succeed leave the Failed folder
  intake requests summary 12 --send         its page and PDF packet, queued to the clerks

Exit status: 0 on success, 1 when the request does not exist or the state cannot be
used (for retry: also when a message still fails or the mailbox cannot be reached), 2
for a usage or configuration error.
"""


LIST_EPILOG = """\
examples:
  intake requests list
  intake requests list --status needs_review
  intake requests list --json | jq .id          one JSON object per line

Exit status: 0 (also when there are none), 1 when the state cannot be used.
"""

SHOW_EPILOG = """\
examples:
  intake requests show 12
  intake requests show 12 --json

Exit status: 0, 1 when there is no such request or the state cannot be used.
"""

DECIDE_EPILOG = """\
examples:
  intake requests show 12                     the documents, numbered, and what is unsure
  intake requests decide 12 --accept-letter 1 --reason "read the scan: signed, all four statements"
  intake requests decide 12 --accept-affirmation qualification --reason "admitted in N.D. Cal. 2019"
  intake requests decide 12 --count 5 --reason "read the print: cob, filed by her"
  intake requests decide 12 --count 3 --notice 2 --reason "..."   the 2nd notice of document 3
  intake requests decide 12 --not-count 4 --by jdoe --reason "filed by her paralegal"

One decision per command, about one document (its number in `intake requests show`):
it is kept with the clerk's name and reason, applies to that document only (by its
SHA-256) and stands in every later assessment of the request. The request is assessed
again at once; when what the attorney was told changes (status, notices that count,
letter), the reply for the new outcome is queued in the outbox as a poll would queue it.
The audit (`requests show`), the clerk's page and the digest show who decided what.
Runs under the poll lock: while a poll runs it waits for it (up to 2 minutes), so that
the poll neither assesses the request without the decision nor redraws its page after.

Exit status: 0 when recorded, 1 when there is no such request, it is closed, a poll
kept running, or the state cannot be used, 2 for a decision that does not fit (no such
document, notice or affirmation; a document that cannot be the letter or a notice; an
empty reason).
"""

CLOSE_EPILOG = """\
examples:
  intake requests close 12 --reason "decided: granted"
  intake requests close 12 --reason "sent to the wrong court" --by jdoe

Exit status: 0 when closed, 1 when there is no such request or it is already closed,
2 without a reason.
"""

RETRY_EPILOG = """\
example:
  intake requests retry

Runs under the poll lock (not while a poll runs). Exit status: 0 when every failed
message now succeeds (or there is none), 1 when one still fails, its bytes are missing,
or the mailbox cannot be reached to release it (run it again later); 2 for a
configuration, rules or template error.
"""

SUMMARY_EPILOG = """\
examples:
  intake requests summary 12                    write it; print the page and PDF paths
  intake requests summary 12 --send             and queue it to [clerks] addresses
  intake requests summary 12 --open             and open the page in a browser

Exit status: 0, 1 when there is no such request, it has no assessment yet, or the state
cannot be used; 2 with --send and no [clerks] addresses.
"""

REQUEST_ID = "the request's id (`intake requests list`)"

# The values of intake.edges.store.RequestStatus (a test keeps them equal), written out so that
# building the parser does not import the store.
REQUEST_STATUSES = ("open", "incomplete", "needs_review", "training_required", "complete", "closed")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "requests",
        help="list, show, close requests; retry failed messages",
        description="Look at the requests built from the attorneys' emails, close one, "
        "or read the messages that failed again.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser(
        "list",
        help="one line per request",
        description="One line per request, oldest first: its id, status, the attorney's "
        "address and name, how many documents it holds and how many NEFs count.",
        epilog=LIST_EPILOG,
        formatter_class=HelpFormatter,
    )
    listing.add_argument("--status", choices=REQUEST_STATUSES, help="only requests in this status")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    add_config_argument(listing)
    listing.set_defaults(func=_with_store(list_requests))

    show = actions.add_parser(
        "show",
        help="everything about one request",
        description="Every email, document, fact, finding and decision of one request.",
        epilog=SHOW_EPILOG,
        formatter_class=HelpFormatter,
    )
    show.add_argument("id", type=record_id, metavar="ID", help=REQUEST_ID)
    show.add_argument("--json", action="store_true", help="as one JSON object")
    add_config_argument(show)
    show.set_defaults(func=_with_store(show_request))

    decide = actions.add_parser(
        "decide",
        help="record a clerk's decision on one document (letter, statement, notice)",
        description="Settle what the machine could not: accept a letter or one of its "
        "statements, count a notice or not. The request is assessed again and the "
        "attorney told the new outcome.",
        epilog=DECIDE_EPILOG,
        formatter_class=HelpFormatter,
    )
    decide.add_argument("id", type=record_id, metavar="ID", help=REQUEST_ID)
    what = decide.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--accept-letter",
        type=record_id,
        metavar="DOC",
        help="document DOC is the attorney's letter, signed and in order",
    )
    what.add_argument(
        "--accept-affirmation",
        metavar="AFFIRMATION",
        help="the letter makes this statement (an id of rules/letter.toml, e.g. qualification)",
    )
    what.add_argument("--count", type=record_id, metavar="DOC", help="document DOC's notice counts")
    what.add_argument(
        "--not-count", type=record_id, metavar="DOC", help="document DOC's notice does not count"
    )
    decide.add_argument(
        "--document",
        type=record_id,
        metavar="DOC",
        help="with --accept-affirmation: the letter's number (default: the request's letter)",
    )
    decide.add_argument(
        "--notice",
        type=record_id,
        default=1,
        metavar="N",
        help="with --count/--not-count: which notice of a PDF holding several (default 1)",
    )
    decide.add_argument("--reason", required=True, help="why, in words kept with the decision")
    decide.add_argument("--by", default=None, help="the clerk deciding (default: the login name)")
    add_config_argument(decide)
    decide.set_defaults(func=_with_store(decide_request))

    close = actions.add_parser(
        "close",
        help="close a request (the attorney's next email opens a new one)",
        description="Close a request: it takes no more documents, and the attorney's next "
        "email opens a new one. The reason and who closed it go to the audit trail.",
        epilog=CLOSE_EPILOG,
        formatter_class=HelpFormatter,
    )
    close.add_argument("id", type=record_id, metavar="ID", help=REQUEST_ID)
    close.add_argument("--reason", required=True, help="why, in words kept in the audit trail")
    close.add_argument("--by", default=None, help="who closes it (default: the login name)")
    add_config_argument(close)
    close.set_defaults(func=_with_store(close_request))

    retry = actions.add_parser(
        "retry",
        help="process the failed messages again; release those that succeed from Failed",
        description="Read the messages that failed again (their bytes are kept in "
        "state_dir/failed/); those that now succeed join their requests, get their "
        "replies, and leave the mailbox's Failed folder (or lose the failed keyword).",
        epilog=RETRY_EPILOG,
        formatter_class=HelpFormatter,
    )
    add_config_argument(retry)
    retry.set_defaults(func=_with_store(retry_messages))

    summary = actions.add_parser(
        "summary",
        help="write the clerks' page and PDF packet of a request; print their paths",
        description="Write the clerks' summary of a request, whatever its status: an HTML "
        "page and a PDF packet (cover sheet, then the letter and NEFs) in "
        "state_dir/summaries/, and print their paths.",
        epilog=SUMMARY_EPILOG,
        formatter_class=HelpFormatter,
    )
    summary.add_argument("id", type=record_id, metavar="ID", help=REQUEST_ID)
    summary.add_argument(
        "--send", action="store_true", help="also queue it to the clerks' address (outbox)"
    )
    summary.add_argument("--open", action="store_true", help="open the page in a browser")
    add_config_argument(summary)
    summary.set_defaults(func=_with_store(summarize_request))


def _with_store(action: Action) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from intake.config import load_settings

        try:
            settings = load_settings(args.config)
            with _store(settings) as store:
                return action(args, settings, store)
        except IntakeError as exc:  # its kind says the exit status (intake/errors.py)
            print(f"intake requests: {exc}", file=sys.stderr)
            return exc.exit_status

    return run


@contextmanager
def _store(settings: Settings) -> Iterator[Store]:
    from pydantic import ValidationError

    from intake.commands.state_help import store_problem
    from intake.edges.store import Store, StoreError

    try:
        store = Store.open(settings.state_dir, create=False)
    except StoreError as exc:
        raise CommandError(store_problem(settings, exc)) from exc
    try:
        yield store
    except (sqlite3.Error, StoreError) as exc:
        # One line: a record that no longer parses carries pydantic's whole report.
        lines = str(exc).splitlines() or [""]
        hint = "; was the database written by another release of intake?" if lines[1:] else ""
        raise CommandError(f"{store.path}: {lines[0]}{hint}") from exc
    except ValidationError as exc:
        # A stored record this release's model cannot read: a database written by
        # another release, or edited by hand. Say so in one line, not pydantic's dump.
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the record)"
        raise CommandError(
            f"{store.path}: a stored {exc.title} does not match this release "
            f"({exc.error_count()} problem(s), first {where}: {first['msg']}); was the "
            "database written by another release of intake?"
        ) from exc
    finally:
        store.close()


# ---------------------------------------------------------------------- list


def list_requests(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from intake.core.clock import person_time
    from intake.edges.store import RequestStatus

    status = RequestStatus(args.status) if args.status else None
    requests = store.requests.all(status)
    if args.json:
        for request in requests:
            print(json.dumps(_request_json(store, request)))
        return 0
    if not requests:
        what = f"with status {status.value}" if status else "yet"
        print(f"no requests {what} (state: {store.path})")
        return 0
    rows: list[tuple[str, ...]] = [("ID", "STATUS", "ATTORNEY", "NAME", "DOCS", "NEFS", "UPDATED")]
    for request in requests:
        assessment = store.assessments.latest(request.id)
        nefs = f"{assessment.qualifying_nefs}/{assessment.required_nefs}" if assessment else "-"
        rows.append(
            (
                str(request.id),
                request.status.value,
                request.attorney,
                (assessment.attorney_name if assessment else None) or request.attorney_name or "",
                str(len(store.documents.of_request(request.id))),
                nefs,
                person_time(request.updated_at, settings.court_time_zone),
            )
        )
    from intake.core.table import format_table, keep_together

    # Names and times whole on their line; a long address wraps rather than being cut.
    shown = [(*row[:3], keep_together(row[3]), *row[4:6], keep_together(row[6])) for row in rows]
    print(format_table(shown, table_width(), indent=0))
    return 0


# ---------------------------------------------------------------------- show


def show_request(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from intake.core.policy.rules import load_rules

    request = store.requests.get(args.id)
    if request is None:
        raise CommandError(f"no request {args.id} (see `intake requests list`)")
    rules = load_rules(settings.rules_dir)
    if args.json:
        print(json.dumps(_request_json(store, request, rules), indent=2))
        return 0
    lines = render_request(store, request, rules, time_zone=settings.court_time_zone)
    print(displayable_lines("\n".join(lines)))
    return 0


def render_request(
    store: Store, request: RequestRow, rules: Rules, *, time_zone: str = COURT_TIME_ZONE
) -> list[str]:
    """Every message, document, fact and finding of one request, for a person to read
    (times on the court's clock)."""
    from intake.core.clock import person_time

    def at(stamp: str | None) -> str:
        return person_time(stamp, time_zone)

    lines = [
        f"Request {request.id}: {request.status.value.upper()}",
        f"  attorney   {request.attorney_name or '(name unknown)'} <{request.attorney}>",
        f"  opened     {at(request.created_at)}    updated {at(request.updated_at)}",
    ]
    if request.completed_at:
        lines.append(f"  complete   since {at(request.completed_at)}")
    if request.closed_reason:
        lines.append(f"  closed     {request.closed_reason}")

    messages = store.messages.all(request_id=request.id)
    lines += ["", f"Emails ({len(messages)})"]
    lines += [f"  {_message_line(m, at)}" for m in messages]

    held = store.documents.of_request(request.id)
    assessment = store.assessments.latest(request.id)
    lines += ["", f"Documents ({len(held)})"]
    for index, (document, message) in enumerate(held):
        verdicts = assessment.verdicts_for(index) if assessment else ()
        lines += _document_lines(index + 1, document, message, verdicts)

    lines += ["", "Assessment"]
    lines += _assessment_lines(assessment, rules) if assessment else ["  (not assessed yet)"]

    outgoing = store.outbox.all(request.id)
    lines += ["", f"Replies and summaries ({len(outgoing)})"]
    lines += [f"  {_outbox_line(row, at)}" for row in outgoing] or ["  (none queued)"]

    trail = store.audit.trail(f"request:{request.id}")
    conflicts = [row for row in trail if row.action == "message_id_conflict"]
    if conflicts:
        lines += ["", f"Conflicts ({len(conflicts)})"]
        for row in conflicts:
            detail = json.loads(row.detail)
            lines.append(
                f"  email #{detail.get('message')} has the Message-ID "
                f"{detail.get('message_id')} of email #{detail.get('earlier_message')} "
                "but other documents: kept as an email of its own, not merged; check "
                "which documents the attorney meant"
            )
    lines += ["", "History"]
    lines += [f"  {_audit_line(row, at)}" for row in trail]
    return lines


def _message_line(message: MessageRow, at: Callable[[str | None], str]) -> str:
    line = (
        f"#{message.id} {at(message.received_at)}  {message.status.value:<9}  "
        f"{message.folder} uid {message.uid}  {message.subject or '(no subject)'!r}"
    )
    if message.error:
        line += f"  - {message.error}"
    return line


def _outbox_line(row: OutboxRow, at: Callable[[str | None], str]) -> str:
    """One queued message and where it stands: sent (when), queued (next try), failed."""
    if row.status == "sent":
        state = f"sent {at(row.sent_at)}"
    elif row.status == "failed":
        state = f"FAILED after {row.attempts} attempt(s): {row.last_error}"
    elif row.raw is None:
        state = "queued, not rendered yet"
    elif row.attempts:
        state = (
            f"queued, {row.attempts} failed attempt(s), next {at(row.next_attempt_at)}: "
            f"{row.last_error}"
        )
    else:
        state = "queued, not sent yet"
    return f"#{row.id} {row.kind:<7} to {row.to_address}  {state}  {row.message_id}"


def _evidence(evidence: Evidence | None) -> str:
    if evidence is None:
        return ""
    page = f"p.{evidence.page} " if evidence.page else ""
    text = " ".join(evidence.text.split())
    return f"  [{page}{evidence.source}: {text[:80]!r}]"


def _document_lines(
    number: int, document: Document, message: int, verdicts: Sequence[NefVerdict]
) -> list[str]:
    lines = [
        f"  {number}. {document.filename}  ({document.kind.value}, {document.size} bytes, "
        f"{document.page_count} page(s), from email #{message})",
        f"     sha256 {document.sha256}",
    ]
    if document.reason:
        lines.append(f"     {document.reason}")
    by_notice = {v.notice: v for v in verdicts}
    notices = document.nefs or ((document.nef,) if document.nef else ())
    if not notices and verdicts:  # a print the machine could not read, judged by a clerk
        judged = verdicts[0]
        counts = "counts" if judged.counts else "does not count: " + ", ".join(judged.reasons)
        lines.append(f"     => {counts} (decided by {judged.decided_by or '?'})")
    for position, nef in enumerate(notices):
        court = nef.court_id or "unknown court"
        if len(notices) > 1:
            pages = f"pages {nef.pages[0]}-{nef.pages[1]}" if nef.pages else "pages unknown"
            lines.append(f"     notice {position + 1} of {len(notices)} ({pages})")
        lines.append(
            f"     NEF ({nef.notice_type.value}) from {court} ({nef.court_type.value})"
            + (f", {nef.court_name}" if nef.court_name else "")
        )
        lines += [f"       court evidence{_evidence(e)}" for e in nef.court_evidence]
        for case in nef.cases:
            if case.document_number:
                entry = f"document {case.document_number}"
            else:
                entry = f"claim {case.claim_number}" if case.claim_number else "no entry number"
            name = f" ({case.case_name})" if case.case_name else ""
            lines.append(f"       case {case.case_number}{name}, {entry}")
        lines.append(f"       filer {nef.filer or '?'}; filed by {', '.join(nef.filed_by) or '?'}")
        if nef.filed_on:
            lines.append(f"       filed on {nef.filed_on.isoformat()}")
        if nef.stamp_kind or nef.file_numbers:
            lines.append(
                f"       stamp {nef.stamp_kind or '?'} {nef.stamp_id or ''}"
                f" FileNumber {', '.join(nef.file_numbers) or '?'}"
            )
        if nef.document_pages:
            first, last = nef.document_pages
            lines.append(f"       followed by the filed document (pages {first}-{last})")
        verdict = by_notice.get(position)
        if verdict is not None:
            counts = "counts" if verdict.counts else "does not count: " + ", ".join(verdict.reasons)
            decided = f" (decided by {verdict.decided_by})" if verdict.decided_by else ""
            lines.append(f"       => {counts}{decided}")
    letter = document.letter
    if letter is not None:
        lines.append(
            f"     letter by {letter.attorney_name or '?'}, "
            + ("signed" if letter.signed else "NOT signed")
            + _evidence(letter.signature_evidence)
        )
        if letter.bar_number:
            lines.append(f"       bar number {letter.bar_number}")
        for affirmation in letter.affirmations:
            mark = {"found": "found  ", "unclear": "UNCLEAR"}.get(affirmation.state, "MISSING")
            lines.append(f"       {mark} {affirmation.id}{_evidence(affirmation.evidence)}")
    return lines


def _assessment_lines(assessment: Assessment, rules: Rules) -> list[str]:
    lines = [
        f"  {assessment.status.value.upper()}: {assessment.qualifying_nefs} of "
        f"{assessment.required_nefs} NEFs count, letter {assessment.letter.value}, "
        f"attorney {assessment.attorney_name or 'unknown'}"
    ]
    lines += [f"  still needed: {rules.still_needed(item)}" for item in assessment.missing]
    for finding in assessment.findings:
        about = f" ({finding.document})" if finding.document else ""
        lines.append(f"  * [{finding.code}] {finding.message}{about}")
        lines += [f"     {_evidence(e).strip()}" for e in finding.evidence]
    return lines


def _audit_line(row: AuditRow, at: Callable[[str | None], str]) -> str:
    detail = json.loads(row.detail)
    shown = ", ".join(f"{k}={v}" for k, v in detail.items() if v not in ([], None, ""))
    return f"{at(row.at)}  {row.actor:<10} {row.action}" + (f"  ({shown})" if shown else "")


def _request_json(store: Store, request: RequestRow, rules: Rules | None = None) -> dict[str, Any]:
    """A request as JSON: its row; with `rules`, in full, its documents and assessment in
    the shape of `intake check --json` (SPEC 5), its emails and its history."""
    from intake.core.report import assessment_json, document_json

    assessment = store.assessments.latest(request.id)
    out: dict[str, Any] = {
        "id": request.id,
        "status": request.status.value,
        "attorney": request.attorney,
        "attorney_name": request.attorney_name,
        "closed_reason": request.closed_reason,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
        "documents": len(store.documents.of_request(request.id)),
        "qualifying_nefs": assessment.qualifying_nefs if assessment else None,
    }
    if rules is not None:
        out["messages"] = [
            {
                "id": m.id,
                "uid": m.uid,
                "folder": m.folder,
                "message_id": m.message_id,
                "subject": m.subject,
                "status": m.status.value,
                "error": m.error,
                "received_at": m.received_at,
            }
            for m in store.messages.all(request_id=request.id)
        ]
        out["documents"] = [
            {**document_json(document, index, assessment), "message": message}
            for index, (document, message) in enumerate(store.documents.of_request(request.id))
        ]
        out["assessment"] = assessment_json(assessment, rules) if assessment else None
        out["replies"] = [
            {
                "outbox": row.id,
                "kind": row.kind,
                "to": row.to_address,
                "message_id": row.message_id,
                "status": row.status,
                "attempts": row.attempts,
                "sent_at": row.sent_at,
                "next_attempt_at": row.next_attempt_at,
                "last_error": row.last_error,
            }
            for row in store.outbox.all(request.id)
        ]
        out["history"] = [
            {"at": r.at, "actor": r.actor, "action": r.action, "detail": json.loads(r.detail)}
            for r in store.audit.trail(f"request:{request.id}")
        ]
    return out


# -------------------------------------------------------------------- decide


# How long a decision waits for a running poll to end (a backlog's poll takes minutes).
DECIDE_WAITS_FOR_POLL_SECONDS = 120.0


def decide_request(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from intake.service.polls import PollBusy, poll_lock

    reason = args.reason.strip()
    if not reason:
        raise UsageError("--reason must say why: it is kept with the decision")

    def waiting() -> None:
        print("intake requests decide: a poll is running; waiting for it to end", file=sys.stderr)

    # The poll's lock: a poll that read the request before the decision would store its
    # assessment without it, or draw the page as it was, after the decision's.
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(
                poll_lock(settings.state_dir, wait=DECIDE_WAITS_FOR_POLL_SECONDS, waiting=waiting)
            )
        except PollBusy as exc:
            raise CommandError(f"{exc}; nothing was recorded: try again when it is done") from exc
        except OSError as exc:  # the lock file, on a read-only state folder
            raise CommandError(f"{settings.state_dir}: cannot take the poll lock: {exc}") from exc
        return _decide(args, settings, store, reason)


def _decide(args: argparse.Namespace, settings: Settings, store: Store, reason: str) -> int:
    from intake.core.model import ClerkDecision, DecisionKind
    from intake.core.policy.rules import load_rules
    from intake.service.decide import choose_document, record_decision
    from intake.service.enqueue import outgoing_from_settings

    rules = load_rules(settings.rules_dir)
    outgoing = outgoing_from_settings(settings, rules, load_command_templates(settings))
    request = store.requests.get(args.id)
    if request is None:
        raise CommandError(f"no request {args.id} (see `intake requests list`)")
    if args.accept_letter is not None:
        kind, number = DecisionKind.LETTER_ACCEPTED, args.accept_letter
    elif args.accept_affirmation is not None:
        kind, number = DecisionKind.AFFIRMATION_ACCEPTED, args.document
    elif args.count is not None:
        kind, number = DecisionKind.COUNTED, args.count
    else:
        kind, number = DecisionKind.NOT_COUNTED, args.not_count
    documents = [d for d, _ in store.documents.of_request(request.id)]
    _, document = choose_document(documents, kind, number)
    decision = ClerkDecision(
        kind=kind,
        sha256=document.sha256,
        filename=document.filename,
        affirmation=args.accept_affirmation,
        notice=args.notice - 1,
        clerk=args.by or _login_name(),
        reason=reason,
    )
    decided = record_decision(store, rules, outgoing, request_id=request.id, decision=decision)
    after, before = decided.after, decided.before
    was = before.status.value if before else "not assessed"
    print(
        f"request {request.id}: {kind.value} for {document.filename} by {decision.clerk} "
        f"recorded; now {after.status.value} (was {was}), {after.qualifying_nefs} of "
        f"{after.required_nefs} NEFs count, letter {after.letter.value}"
    )
    if decided.reply_outbox is not None:
        print(f"reply to {request.attorney} queued as outbox #{decided.reply_outbox}")
    else:
        print("no reply queued (see `intake requests show` for why)")
    if decided.summary_outbox is not None:
        print(f"summary to the clerks queued as outbox #{decided.summary_outbox}")
    return 0


# --------------------------------------------------------------------- close


def close_request(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from intake.edges.store import RequestStatus

    reason = args.reason.strip()
    if not reason:
        raise UsageError("--reason must say why the request is closed")
    request = store.requests.get(args.id)
    if request is None:
        raise CommandError(f"no request {args.id} (see `intake requests list`)")
    if request.status is RequestStatus.CLOSED:
        raise CommandError(f"request {args.id} is already closed ({request.closed_reason})")
    clerk = args.by or _login_name()
    with store.transaction():
        store.requests.close(request.id, reason)
        store.audit.record(
            f"clerk:{clerk}",
            "request_closed",
            f"request:{request.id}",
            reason=reason,
            previous_status=request.status.value,
        )
    print(f"request {request.id} closed ({request.attorney}): {reason}")
    return 0


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


# --------------------------------------------------------------------- retry


def retry_messages(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    """Read the failed messages again, then take those that now succeed out of the
    mailbox's Failed folder. All of it under the poll lock: no poll interleaves."""
    from intake.core.policy.rules import load_rules
    from intake.service.clerk_files import render_owed_summaries
    from intake.service.enqueue import outgoing_from_settings
    from intake.service.polls import PollBusy, poll_lock
    from intake.service.reprocess import retry_failed

    rules = load_rules(settings.rules_dir)
    # The replies of the messages that now succeed are written with these templates:
    # all must compile first, as for a poll.
    outgoing = outgoing_from_settings(settings, rules, load_command_templates(settings))
    try:
        with poll_lock(settings.state_dir):
            result = retry_failed(
                store,
                rules,
                own_address=settings.own_address,
                outgoing=outgoing,
                authserv_ids=settings.sender_check.authserv_ids,
            )
            render_owed_summaries(store, outgoing, actor="retry")
            _print_retried(result, store)
            # The database work above is committed; the mailbox only follows it.
            released = _release_from_mailbox(settings, store)
    except PollBusy as exc:
        raise CommandError(f"{exc}; try again when it is done") from exc
    except OSError as exc:  # the lock file, on a read-only state folder
        raise CommandError(f"{settings.state_dir}: cannot take the poll lock: {exc}") from exc
    return 1 if result.still_failed or result.missing_bytes or not released else 0


def _print_retried(result: RetryResult, store: Store) -> None:
    if not result.retried and not result.missing_bytes:
        print("no failed messages to retry")
    else:
        print(
            f"retried {result.retried}: {result.processed} processed, {result.ignored} ignored, "
            f"{result.still_failed} still failing"
        )
    for message in result.missing_bytes:
        print(
            f"message #{message}: its saved bytes are missing from "
            f"{store.layout.failed_dir}; it cannot be retried",
            file=sys.stderr,
        )


def _release_from_mailbox(settings: Settings, store: Store) -> bool:
    """Release every message owed a release (this retry's, and any an earlier retry
    could not), printing each; False when the mailbox could not be reached."""
    from intake.config import ConfigError
    from intake.edges.mail.source import SourceError
    from intake.service.reprocess import owed_releases, release_each

    owed = owed_releases(store)
    if not owed:
        return True
    failed, release = _release_words(settings)
    released = settled = 0
    try:
        with _open_mailbox(settings) as source:
            for row, found in release_each(source, store, owed, actor="retry"):
                settled += 1
                released += found
                print(f"message #{row.id}: " + (release if found else f"no longer {failed}"))
    except (SourceError, ConfigError) as exc:
        print(f"mailbox: {released} message(s) released before the failure")
        print(
            f"intake requests: the mailbox could not be reached: {exc}; "
            f"{len(owed) - settled} message(s) stay {failed}; their requests are already "
            "updated (run `intake requests retry` again to release them)",
            file=sys.stderr,
        )
        return False
    print(f"mailbox: {released} message(s) released")
    return True


def _release_words(settings: Settings) -> tuple[str, str]:
    """Where a failed message sits, and what its release does, in the settings' terms."""
    imap = settings.source.imap if settings.source.kind == "imap" else None
    if imap is not None and imap.processed_action == "keyword":
        return (
            f"marked {imap.failed_keyword}",
            f"keyword {imap.failed_keyword} replaced by {imap.processed_keyword}",
        )
    # The Maildir source uses the default folder names (see service.sources.open_source).
    failed, processed = (
        (imap.failed_folder, imap.processed_folder) if imap else ("Failed", "Processed")
    )
    return f"in {failed!r}", f"moved from {failed!r} to {processed!r}"


def _open_mailbox(settings: Settings) -> MailSource:
    """The configured source, as the poll opens it; with [oauth], logged in by XOAUTH2."""
    from intake.edges.oauth import token_source
    from intake.service.sources import open_configured_source

    return open_configured_source(settings, token_source(settings))


# ------------------------------------------------------------------- summary


def summarize_request(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from intake.core.policy.rules import load_rules
    from intake.core.replies.rehearse import Part
    from intake.service.clerk_files import render_owed_summaries, render_summary, write_index
    from intake.service.enqueue import outgoing_from_settings, queue_summary

    rules = load_rules(settings.rules_dir)
    # The page (also the email's body) and the index are templates: rehearsed before
    # anything is written, so a broken one is a configuration error naming its file.
    templates = load_command_templates(settings, (rules, (Part.PAGES, Part.INDEX)))
    outgoing = outgoing_from_settings(settings, rules, templates)
    request = store.requests.get(args.id)
    if request is None:
        raise CommandError(f"no request {args.id} (see `intake requests list`)")
    if args.send:
        if not outgoing.clerk_addresses:
            raise UsageError(
                f"{settings.origin}: clerks.addresses: no clerks' address to send the "
                "summary to (set [clerks] addresses, or leave out --send)"
            )
        with store.transaction():
            outbox_id = queue_summary(
                store, outgoing, request_id=request.id, actor=f"clerk:{_login_name()}"
            )
        render_owed_summaries(store, outgoing, actor="requests")
        print(f"queued to {', '.join(outgoing.clerk_addresses)} as outbox #{outbox_id}")
    # Asked for: the packet is drawn even when the poll draws none (no clerk receives it).
    rendered = render_summary(store, outgoing, request.id, now=store.now(), packet=True)
    if rendered is None:
        raise CommandError(f"request {args.id} has no assessment yet: nothing to summarize")
    write_index(store, outgoing, now=store.now())
    print(rendered.html_path)
    print(rendered.pdf_path)
    if args.open:
        import webbrowser

        if not webbrowser.open(rendered.html_path.resolve().as_uri()):
            # A server has no browser: the page is written all the same; say so.
            print(
                f"intake requests: no browser to open it here; the page is {rendered.html_path}",
                file=sys.stderr,
            )
    return 0
