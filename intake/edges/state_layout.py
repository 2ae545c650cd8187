"""Every path of the state folder, named once.

The state folder holds everything intake knows: the database, the bytes of messages that
failed (for `requests retry`), the kept PDFs of each request (for the clerks' packets),
the clerks' pages, the folder outbox by default, the poll lock and the OAuth token the
provider rotated in. Each module asks this layout for its path instead of spelling it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from intake.core.summary.filenames import packet_filename


@dataclass(frozen=True)
class StateLayout:
    root: Path

    DATABASE: ClassVar[str] = "intake.sqlite3"
    FAILED: ClassVar[str] = "failed"
    DOCUMENTS: ClassVar[str] = "documents"
    SUMMARIES: ClassVar[str] = "summaries"
    OUTBOX: ClassVar[str] = "outbox"
    INDEX: ClassVar[str] = "index.html"
    POLL_LOCK: ClassVar[str] = "poll.lock"
    ROTATED_TOKEN: ClassVar[str] = "oauth-refresh-token.json"

    @property
    def database(self) -> Path:
        return self.root / self.DATABASE

    @property
    def failed_dir(self) -> Path:
        """The bytes of each message that could not be handled, for `requests retry`."""
        return self.root / self.FAILED

    def failed_message(self, sha256: str) -> Path:
        return self.failed_dir / f"{sha256}.eml"

    @property
    def documents_dir(self) -> Path:
        """The PDFs the requests hold, by SHA-256, for the clerks' packets."""
        return self.root / self.DOCUMENTS

    def original(self, sha256: str) -> Path:
        return self.documents_dir / f"{sha256}.pdf"

    @property
    def summaries_dir(self) -> Path:
        """The clerks' pages: one HTML page and one PDF packet per request, and the index."""
        return self.root / self.SUMMARIES

    def summary_packet(self, request_id: int) -> Path:
        return self.summaries_dir / packet_filename(str(request_id))

    def summary_page(self, request_id: int) -> Path:
        return self.summary_packet(request_id).with_suffix(".html")

    @property
    def index_page(self) -> Path:
        return self.summaries_dir / self.INDEX

    @property
    def outbox_dir(self) -> Path:
        """The folder outbox, unless [outbox] folder names another."""
        return self.root / self.OUTBOX

    @property
    def poll_lock(self) -> Path:
        return self.root / self.POLL_LOCK

    @property
    def rotated_token(self) -> Path:
        return self.root / self.ROTATED_TOKEN

    @property
    def folders_written_whole(self) -> tuple[Path, ...]:
        """Where files are written through a temporary (a crash may leave one behind)."""
        return (self.root, self.documents_dir, self.failed_dir, self.summaries_dir)
