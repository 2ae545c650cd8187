"""`intake state check`: is the state sound, and what does it still owe? Read only.

Three kinds of answer, each a list of lines:
- problems: SQLite's integrity and foreign-key checks; a failed message whose bytes are
  gone (it can never be retried); a document recorded without its PDF (the clerk's
  packet lacks it);
- orphans: files the state does not refer to (a PDF kept before a transaction that never
  committed, a failed message's bytes after its retry succeeded, a page of a request that
  does not exist), and stray temporary files of killed writers;
- owed: work the next poll does by itself (mailbox actions not applied yet, clerk pages
  not drawn, summary emails without bytes, messages queued in the outbox, claims held by
  a sender that is gone).
Problems make the check fail; orphans and owed work are reported for the operator.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from intake.edges.durable import process_alive
from intake.edges.store import MessageStatus, Store
from intake.service.clerk_files import owed_pages

_TEMPORARY = re.compile(r"^\..+\.(\d+)\.tmp$")
_PAGE = re.compile(r"^request-(\d+)\.(html|pdf)$")


@dataclass
class StateReport:
    problems: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    owed: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, list[str]]:
        return {"problems": self.problems, "orphans": self.orphans, "owed": self.owed}


def check_state(store: Store, outbox_folder: Path | None = None) -> StateReport:
    report = StateReport()
    report.problems += [f"database: {p}" for p in store.integrity_problems()]
    layout = store.layout
    documents, failed = store.referenced_hashes()
    _files(report, layout.documents_dir, ".pdf", documents, "kept PDF")
    _files(report, layout.failed_dir, ".eml", failed, "failed message's bytes")
    for sha in sorted(failed):
        if not layout.failed_message(sha).exists():
            report.problems.append(
                f"a failed message's bytes are gone ({layout.failed_message(sha)}): "
                "`intake requests retry` cannot read it again"
            )
    requests = {r.id for r in store.requests.all()}
    for path in _listing(layout.summaries_dir):
        match = _PAGE.match(path.name)
        if match and int(match[1]) not in requests:
            report.orphans.append(f"{path}: a page of request {match[1]}, which does not exist")
    folders = [layout.root, layout.documents_dir, layout.failed_dir, layout.summaries_dir]
    if outbox_folder is not None:
        folders.append(outbox_folder.parent / "tmp")
    for folder in folders:
        for path in _listing(folder):
            match = _TEMPORARY.match(path.name)
            if match and not process_alive(int(match[1])):
                report.orphans.append(f"{path}: a temporary file a killed writer left")
    _owed(report, store)
    return report


def _listing(folder: Path) -> list[Path]:
    try:
        return sorted(Path(entry.path) for entry in os.scandir(folder) if entry.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _files(report: StateReport, folder: Path, suffix: str, known: set[str], what: str) -> None:
    for path in _listing(folder):
        if path.suffix == suffix and not path.name.startswith(".") and path.stem not in known:
            report.orphans.append(f"{path}: a {what} the state does not refer to")


def _owed(report: StateReport, store: Store) -> None:
    pending = [
        m for m in store.messages.all() if m.mailbox_action is not None and m.action_done_at is None
    ]
    if pending:
        report.owed.append(
            f"{len(pending)} mailbox action(s) not applied yet (the next poll applies them)"
        )
    pages = owed_pages(store)
    if pages:
        shown = ", ".join(str(r) for r in pages[:10])
        report.owed.append(f"{len(pages)} clerk page(s) to draw (requests {shown})")
    unrendered = store.outbox.unrendered()
    if unrendered:
        report.owed.append(f"{len(unrendered)} clerk summary email(s) without their bytes")
    queued = store.outbox.all(status="queued")
    if queued:
        report.owed.append(f"{len(queued)} message(s) queued in the outbox")
    failed = store.messages.all(status=MessageStatus.FAILED)
    if failed:
        report.owed.append(f"{len(failed)} failed message(s) to retry (`intake requests retry`)")
    dead = [
        row
        for row in store.outbox.claimed(store.now())
        if (row.claimed_by or "").rpartition(":")[2].isdigit()
        and not process_alive(int((row.claimed_by or "").rpartition(":")[2]))
    ]
    if dead:
        report.owed.append(
            f"{len(dead)} outbox row(s) held by a sender that is gone (freed by the next send)"
        )
