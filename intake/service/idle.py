"""IMAP IDLE in a thread: when the server announces new mail, the next poll comes now.

The IDLE session is its own IMAP connection; it never fetches or moves anything, so the
poll (one at a time, in the scheduler) stays the only writer. When IDLE fails (server
down, no IDLE capability) the watcher logs it and tries again later; the interval poll
goes on meanwhile, so IDLE only ever makes mail arrive sooner.

`stop()` ends the session cleanly: the IDLE wait looks at the stop event every
`STOP_TICK` seconds, then sends DONE and LOGOUT, and `stop` joins the thread with a
timeout. The thread stays a daemon thread only as the last resort for a server that
hangs while we say goodbye: the process then exits anyway, and the log says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from intake.edges.mail.imap import ImapSource
from intake.edges.mail.source import MailSource, SourceError

log = logging.getLogger(__name__)

# RFC 2177: re-issue IDLE well within 29 minutes; shorter chunks also notice stop sooner.
CHUNK_SECONDS = 60.0
RETRY_SECONDS = 60.0
# After a lost session the first retries come fast (a server restart takes a second or
# two), then the delay doubles up to RETRY_SECONDS.
FIRST_RETRY_SECONDS = 1.0
# How often a waiting IDLE looks at the stop event: the bound on how long a stop waits
# for the wait to end (DONE and LOGOUT then take a round trip each).
STOP_TICK = 0.5
STOP_TIMEOUT = 10.0


def retry_delay(failures: int, longest: float) -> float:
    """The wait before reconnecting after `failures` failed sessions in a row: 1 s, 2 s,
    4 s … up to `longest`."""
    exponent = min(max(failures - 1, 0), 16)
    return float(min(FIRST_RETRY_SECONDS * 2**exponent, longest))


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
        # A daemon thread only so that a server hanging on DONE/LOGOUT cannot hold the
        # exit past `stop`'s timeout; a normal stop ends the thread itself.
        self._thread = threading.Thread(target=self._run, name="imap-idle", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = STOP_TIMEOUT) -> bool:
        """End the IDLE session (DONE, LOGOUT) and the thread; False if it did not end in time."""
        self._stop.set()
        if not self._thread.is_alive():
            return True
        self._thread.join(timeout=timeout)
        if self._thread.is_alive():
            log.warning("IDLE: the session did not end within %gs; leaving it", timeout)
            return False
        log.info("IDLE: stopped")
        return True

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._watch(reconnect=failures > 0)
            except SourceError as exc:
                failures += 1
                delay = retry_delay(failures, self.retry)
                log.warning("IDLE: %s; again in %gs (the interval poll goes on)", exc, delay)
            except Exception:  # never let the thread die silently
                failures += 1
                delay = retry_delay(failures, self.retry)
                log.exception("IDLE failed; again in %gs", delay)
            else:
                failures, delay = 0, self.retry
            self._stop.wait(delay)

    def _watch(self, *, reconnect: bool) -> None:
        with self.open_source() as source:
            if not isinstance(source, ImapSource):
                log.info("IDLE: only for IMAP sources; the interval poll alone runs")
                self._stop.set()
                return
            log.info("IDLE: watching %s", source.where)
            if reconnect and source.offers_idle():
                # Mail that came while the session was down was announced to nobody.
                log.info("IDLE: the session is back; polling now for mail that came meanwhile")
                self.on_new_mail()
            while not self._stop.is_set():
                if source.idle_wait(self.chunk, stop=self._stop, tick=STOP_TICK):
                    if self._stop.is_set():
                        break  # stopping: the poll would not run anyway
                    log.info("IDLE: new mail announced; polling now")
                    self.on_new_mail()
