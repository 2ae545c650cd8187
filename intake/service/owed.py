"""Owed work, found and done before every poll (so at the daemon's start too).

A poll interrupted by SIGTERM, a lost mailbox or a kill has committed each message
whole, but what comes after the commits may be missing:
- the clerks' pages and packets of complete and needs-review requests (drawn after the
  poll), and summary emails queued without their bytes;
- temporary files of killed writers under the state folder (`documents/`, `failed/`,
  `summaries/`, the folder itself). The folder outbox cleans its own `tmp/` (see
  `intake.edges.mail.folder_sink`).
`catch_up` does both; it needs the state only, not the mailbox, so it runs even when the
mailbox cannot be reached.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from intake.edges.durable import remove_stray_temporaries
from intake.edges.store import Store
from intake.service.clerk_files import draw_owed
from intake.service.cycle import describe_error
from intake.service.enqueue import Outgoing


@dataclass(frozen=True)
class CaughtUp:
    strays_removed: int = 0
    summaries_rendered: int = 0
    pages_drawn: int = 0
    # Why the owed pages could not be drawn (they stay owed for the next poll).
    error: str | None = None

    def summary(self) -> str | None:
        """One line for the log, or None when nothing was owed."""
        parts = []
        if self.pages_drawn:
            parts.append(f"{self.pages_drawn} clerk page(s) drawn")
        if self.summaries_rendered:
            parts.append(f"{self.summaries_rendered} clerk summary email(s) rendered")
        if self.strays_removed:
            parts.append(f"{self.strays_removed} stray temporary file(s) removed")
        if self.error:
            parts.append(f"clerk pages not drawn: {self.error}")
        return "owed from before: " + ", ".join(parts) if parts else None


def catch_up(store: Store, outgoing: Outgoing | None, *, actor: str) -> CaughtUp:
    """Remove stray temporary files and draw what the clerks are owed; see the module doc."""
    folders = store.layout.folders_written_whole
    strays = sum(len(remove_stray_temporaries(folder)) for folder in folders)
    if outgoing is None:
        return CaughtUp(strays_removed=strays)
    try:
        rendered, pages = draw_owed(store, outgoing, actor=actor)
    except sqlite3.Error:
        raise  # the state itself: the poll reports it
    except Exception as exc:  # a page that cannot be drawn must not stop the poll
        return CaughtUp(strays_removed=strays, error=describe_error(exc))
    return CaughtUp(strays_removed=strays, summaries_rendered=rendered, pages_drawn=pages)
