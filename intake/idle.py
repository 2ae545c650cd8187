"""IMAP IDLE in a thread: when the server announces new mail, the next poll comes now.

The IDLE session is its own IMAP connection; it never fetches or moves anything, so the
poll (one at a time, in the scheduler) stays the only writer. When IDLE fails (server
down, no IDLE capability) the watcher logs it and tries again later; the interval poll
goes on meanwhile, so IDLE only ever makes mail arrive sooner.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from intake.mail.imap import ImapSource
from intake.mail.source import MailSource, SourceError

log = logging.getLogger(__name__)

# RFC 2177: re-issue IDLE well within 29 minutes; shorter chunks also notice stop sooner.
CHUNK_SECONDS = 60.0
RETRY_SECONDS = 60.0


class IdleWatcher:
    def __init__(
        self,
        open_source: Callable[[], MailSource],
        on_new_mail: Callable[[], None],
        *,
        chunk: float = CHUNK_SECONDS,
        retry: float = RETRY_SECONDS,
    ) -> None:
        self.open_source = open_source
        self.on_new_mail = on_new_mail
        self.chunk = chunk
        self.retry = retry
        self._stop = threading.Event()
        # A daemon thread: at shutdown we do not wait out an IDLE chunk.
        self._thread = threading.Thread(target=self._run, name="imap-idle", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._watch()
            except SourceError as exc:
                log.warning("IDLE: %s; again in %gs (the interval poll goes on)", exc, self.retry)
            except Exception:  # never let the thread die silently
                log.exception("IDLE failed; again in %gs", self.retry)
            self._stop.wait(self.retry)

    def _watch(self) -> None:
        with self.open_source() as source:
            if not isinstance(source, ImapSource):
                log.info("IDLE: only for IMAP sources; the interval poll alone runs")
                self._stop.set()
                return
            log.info("IDLE: watching %s", source.where)
            while not self._stop.is_set():
                if source.idle_wait(self.chunk):
                    log.info("IDLE: new mail announced; polling now")
                    self.on_new_mail()
