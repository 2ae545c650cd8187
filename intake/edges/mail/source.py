"""Where mail comes from: one interface for the IMAP mailbox and a local Maildir.

The pipeline asks a source for the messages above its last-seen UID, reads them in
bounded batches, and only after the work is durable tells the source to apply the
mailbox action (move to a Processed folder, or set a keyword). A source never marks a
message read before that. When a failed message later succeeds (`intake requests
retry`), `release_failed` takes it out of Failed as if it had been processed at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from intake.errors import IntakeError


@dataclass(frozen=True)
class MessageRef:
    """Where one message sits: folder, UIDVALIDITY epoch and UID within it."""

    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class RawMessage:
    ref: MessageRef
    data: bytes


class SourceError(IntakeError):
    """The mailbox could not be reached or answered with an error; the poll may retry."""


class MailSource(Protocol):
    """A mailbox folder whose messages carry (uidvalidity, uid), as IMAP's do."""

    folder: str

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def uidvalidity(self) -> int:
        """The folder's current UIDVALIDITY; a change means every UID is new again."""
        ...

    def uids_above(self, last_seen: int) -> list[int]:
        """UIDs greater than `last_seen`, ascending. Cheap: no message is fetched."""
        ...

    def fetch(self, uids: Sequence[int]) -> Iterator[RawMessage]:
        """The full bytes of each message, without setting \\Seen."""
        ...

    def mark_processed(self, uid: int) -> None:
        """Apply the configured action for a message whose work is committed."""
        ...

    def mark_failed(self, uid: int) -> None:
        """Apply the configured action for a message that could not be processed."""
        ...

    def release_failed(self, sha256: str, message_id: str | None) -> bool:
        """Undo `mark_failed` for one message whose retry succeeded: from the failed
        folder into the processed one (or swap the failed keyword for the processed).

        The message is looked up by its Message-ID when it has one, and is always
        confirmed by the SHA-256 of its bytes. Returns False when no such message is
        (still) marked failed: releasing twice is harmless.
        """
        ...
