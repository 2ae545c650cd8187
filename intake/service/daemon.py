"""`intake run`: the daemon. A scheduler does the work; the main thread talks to systemd.

Jobs (APScheduler 3, one worker thread, so one step runs at a time):
- poll: every `daemon.poll_interval_seconds` (first one at start). A poll that overruns
  its interval is not doubled (max_instances=1) and missed runs collapse into one
  (coalesce). After each poll the outbox is sent, so replies leave within the cycle.
- digest: on `daemon.digest_cron`, the clerks' digest.
- IMAP IDLE (optional, `daemon.idle`): a thread that waits for new mail and brings the
  next poll forward; the interval poll stays as the fallback. At shutdown it ends its
  session (DONE, LOGOUT) before the scheduler stops.

The main thread waits for signals and pings the watchdog while the daemon is healthy
(the scheduler runs and no step has been stuck past `daemon.stall_seconds`). SIGTERM or
SIGINT: STOPPING=1, the running step ends between two messages (each message before is
committed whole; the rest wait in the mailbox or the outbox for the next start), exit 0.
SIGHUP: configuration, rules and templates are read again; when any is wrong the old ones
stay, and the log says why (templates included: replies use the set compiled at the last
good load, never a file edited since).
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from intake.config import ConfigError, Settings
from intake.core.clock import person_time
from intake.edges.mail.source import MailSource, SourceError
from intake.edges.oauth import TokenSource
from intake.edges.pdf.ocr import ocr_status
from intake.edges.store import Store, StoreError, utc_now
from intake.secrets import register_secret
from intake.service.alerts import (
    ACTOR,
    FailureStreak,
    alert_message,
    all_clear_message,
    queue_alert,
)
from intake.service.clerk_files import queue_digest
from intake.service.cycle import ACTOR as POLL_ACTOR
from intake.service.cycle import finish_summaries, poll_once
from intake.service.enqueue import outgoing_from_settings
from intake.service.health import OUTBOX_SUBJECT, SEND_ALERT, SEND_ALL_CLEAR, outbox_state
from intake.service.logs import LogFormat, setup_logging
from intake.service.owed import catch_up
from intake.service.polls import PollBusy, poll_lock, record_poll
from intake.service.runtime import Runtime, RuntimeProblem, load_runtime
from intake.service.send import SendReport, probe_sink, send_due, sink_from_settings
from intake.service.sources import open_configured_source
from intake.service.systemd import Notifier

log = logging.getLogger(__name__)

POLL_JOB = "poll"
DIGEST_JOB = "digest"
PROBE_JOB = "outbox-probe"
# While sends fail, how often the server is asked whether it answers again.
PROBE_SECONDS = 10.0
# How often the main loop looks at signals when no watchdog asks for more.
TICK_SECONDS = 1.0

SourceOpener = Callable[[Runtime], MailSource]


@dataclass
class StepClock:
    """Which step runs and since when: the watchdog's measure of health.

    A step holds `between_steps` while it runs, so that a reload (configuration, rules,
    templates) happens only between steps: every reply of one poll is worded by one set.
    """

    name: str | None = None
    started: float | None = None
    between_steps: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, name: str) -> None:
        self.between_steps.acquire()
        self.name, self.started = name, time.monotonic()

    def end(self) -> None:
        self.name, self.started = None, None
        self.between_steps.release()

    def stalled(self, limit: float, now: float) -> bool:
        return self.started is not None and now - self.started > limit


def default_source(runtime: Runtime) -> MailSource:
    """The configured mailbox; with [oauth], an IMAP session logged in by XOAUTH2."""
    return open_configured_source(runtime.settings, runtime.tokens)


class Daemon:
    def __init__(
        self,
        config: Path | None,
        runtime: Runtime,
        *,
        notifier: Notifier | None = None,
        open_source: SourceOpener = default_source,
    ) -> None:
        self.config = config
        self.runtime = runtime
        self.notifier = notifier or Notifier()
        self.open_source = open_source
        self.streak = FailureStreak(runtime.settings.alerts.after_failures)
        self.send_streak = FailureStreak(
            runtime.settings.alerts.after_failures, what="send attempts"
        )
        # Why the last send round failed for the server's sake; None while it sends.
        self.outbox_down: str | None = None
        self.outbox_note: str | None = None
        self.last_poll = "no poll yet"
        self.reload_note: str | None = None
        self.step = StepClock()
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._poll_again = threading.Event()
        # Set while poll_and_send runs: mail announced then is polled by that same run.
        self._cycle_running = threading.Event()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._idle: Any = None
        self.log_overrides = LogOverrides()

    # ------------------------------------------------------------------ lifecycle

    def run(self) -> int:
        self._install_signals()
        self._schedule(self.runtime, first=True)
        self.scheduler.start()
        self._start_idle()
        settings = self.runtime.settings
        self.notifier.ready(f"polling every {settings.daemon.poll_interval_seconds:g}s")
        log.info(
            "started: %s, polling every %gs (configuration: %s)",
            settings.source.kind,
            settings.daemon.poll_interval_seconds,
            settings.origin,
        )
        ocr = ocr_status()
        if not ocr.available:  # said once: scans still work, as PDFs a clerk reads
            log.warning("OCR is off, scanned pages go to a clerk unread: %s", ocr.detail)
        self._main_loop()
        log.info("stopping: the running step ends after its current message")
        self.notifier.stopping("stopping: ending the running step after its current message")
        self._stop_idle()
        self.scheduler.shutdown(wait=True)
        log.info("stopped")
        self.notifier.close()
        return 0

    def _install_signals(self) -> None:
        def stop(signum: int, frame: FrameType | None) -> None:
            self._stop.set()

        def reload(signum: int, frame: FrameType | None) -> None:
            self.request_reload()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def _main_loop(self) -> None:
        ping_every = self.notifier.watchdog_seconds
        tick = min(TICK_SECONDS, ping_every) if ping_every else TICK_SECONDS
        next_ping = time.monotonic()
        while not self._stop.is_set():
            self._stop.wait(tick)
            self.reload_between_steps()
            now = time.monotonic()
            if ping_every and now >= next_ping:
                if self.healthy(now):
                    self.notifier.watchdog()
                else:
                    log.error(
                        "unhealthy (step %r running for %.0fs): no watchdog ping",
                        self.step.name,
                        now - (self.step.started or now),
                    )
                next_ping = now + ping_every

    def healthy(self, now: float) -> bool:
        limit = self.runtime.settings.daemon.stall_seconds
        return bool(self.scheduler.running) and not self.step.stalled(limit, now)

    # -------------------------------------------------------------------- reload

    def request_reload(self) -> None:
        """What SIGHUP does: the main loop reloads at its next tick between two steps."""
        self._reload.set()

    def reload_between_steps(self) -> None:
        """Reload if one was requested and no step runs; else leave it for a later tick.

        Never blocks: the main loop goes on pinging the watchdog during a long poll.
        """
        if self._reload.is_set() and self.step.between_steps.acquire(blocking=False):
            try:
                self._reload.clear()
                self.reload()
            finally:
                self.step.between_steps.release()

    def reload(self) -> None:
        self.notifier.reloading()
        try:
            runtime = load_runtime(self.config)
        except RuntimeProblem as exc:
            self.reload_note = "reload failed, running with the previous configuration"
            log.error("reload failed, keeping the previous configuration: %s", exc)
        else:
            if runtime.settings.daemon.idle != self.runtime.settings.daemon.idle:
                log.warning("daemon.idle changed: it takes effect at the next restart")
            self.runtime = runtime
            self.reload_note = None
            self.log_overrides.apply(runtime)
            self.streak.after_failures = runtime.settings.alerts.after_failures
            self.send_streak.after_failures = runtime.settings.alerts.after_failures
            self._schedule(runtime, first=False)
            log.info("reloaded the configuration, rules and templates from %s", self.config)
        # READY=1 ends the RELOADING=1 state whether or not the reload worked.
        self.notifier.ready(self.status_line())

    def _schedule(self, runtime: Runtime, *, first: bool) -> None:
        daemon = runtime.settings.daemon
        interval = IntervalTrigger(seconds=daemon.poll_interval_seconds)
        if first:
            self.scheduler.add_job(
                self.poll_and_send, interval, id=POLL_JOB, next_run_time=dt.datetime.now(dt.UTC)
            )
        else:
            self.scheduler.reschedule_job(POLL_JOB, trigger=interval)
        if self.scheduler.get_job(DIGEST_JOB):
            self.scheduler.remove_job(DIGEST_JOB)
        if daemon.digest_cron:
            trigger = CronTrigger.from_crontab(daemon.digest_cron, timezone=daemon.digest_time_zone)
            self.scheduler.add_job(self.send_digest, trigger, id=DIGEST_JOB)
        if first:
            probe = IntervalTrigger(seconds=PROBE_SECONDS)
            self.scheduler.add_job(self.probe_outbox, probe, id=PROBE_JOB)

    def poll_soon(self) -> None:
        """Bring the next poll forward (IDLE: new mail announced, or the session is back).

        Mail announced while a poll runs may have come after that poll's search: the
        running `poll_and_send` then polls again before it returns (the scheduler would
        skip a second instance of the job).
        """
        self._poll_again.set()
        if self._cycle_running.is_set():
            return
        job = self.scheduler.get_job(POLL_JOB)
        if job is not None:
            job.modify(next_run_time=dt.datetime.now(dt.UTC))

    def stopping(self) -> bool:
        """True once SIGTERM or SIGINT came: steps end between two messages."""
        return self._stop.is_set()

    # --------------------------------------------------------------------- steps

    def poll_and_send(self) -> None:
        self._cycle_running.set()
        try:
            while True:
                self._poll_again.clear()
                self.poll()
                self.send_outbox()
                if self.stopping() or not self._poll_again.is_set():
                    return
        finally:
            self._cycle_running.clear()

    def poll(self) -> None:
        runtime = self.runtime  # one reference for the whole step, whatever SIGHUP does
        settings = runtime.settings
        started = utc_now()
        self.step.begin(POLL_JOB)
        error: str | None = None
        sent: SendReport | None = None
        try:
            source = self.open_source(runtime)
            outgoing = outgoing_from_settings(settings, runtime.rules, runtime.templates)
            with poll_lock(settings.state_dir), Store.open(settings.state_dir) as store:
                # Before the mailbox: owed pages are drawn even when it cannot be reached.
                caught_up = catch_up(store, outgoing, actor=POLL_ACTOR).summary()
                if caught_up:
                    log.info("%s", caught_up)
                with source as connected:
                    result = poll_once(
                        connected,
                        store,
                        runtime.rules,
                        own_address=settings.own_address,
                        batch_size=settings.source.batch_size,
                        outgoing=outgoing,
                        stop=self.stopping,
                        authserv_ids=settings.sender_check.authserv_ids,
                        render_summaries=False,
                    )
                # The attorneys' replies go out first, then the clerks' pages are drawn
                # (their packets cost the most); `poll_and_send` sends those after.
                sent = self._send_round()
                if not self.stopping():
                    finish_summaries(store, outgoing, result)
            summary = result.summary()
        except PollBusy as exc:
            log.warning("poll skipped: %s", exc)
            return
        except SourceError as exc:
            error = f"the mail source is unreachable: {exc}"
            if runtime.tokens is not None:
                # A token revoked before its expiry would fail every poll until then.
                runtime.tokens.invalidate()
        except ConfigError as exc:
            error = f"configuration: {exc}"
        except (StoreError, sqlite3.Error) as exc:
            error = f"the state database failed: {exc}"
        except Exception as exc:  # a bug must not stop the daemon: log it, count it
            log.exception("poll failed unexpectedly")
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.step.end()
        if sent is not None:
            self._after_send(sent)
        if error is None:
            self._poll_succeeded(runtime, started, summary)
        else:
            self._poll_failed(runtime, started, error)
        self.notifier.status(self.status_line())

    def _poll_succeeded(self, runtime: Runtime, started: dt.datetime, summary: str) -> None:
        ended = copy.copy(self.streak)
        if self.streak.succeeded():
            log.warning("all clear: polling works again after %d failures", ended.count)
            self._notify(runtime, all_clear_message, ended)
        self.last_poll = f"last poll {_clock(started, runtime.settings.court_time_zone)}: {summary}"
        log.info("poll: %s", summary)
        self._record(runtime, started, ok=True, result=summary, error=None)

    def _poll_failed(self, runtime: Runtime, started: dt.datetime, error: str) -> None:
        alert_due = self.streak.failed(error, started)
        when = _clock(started, runtime.settings.court_time_zone)
        self.last_poll = f"last poll {when} FAILED: {error}"
        log.error("poll failed (%d in a row): %s", self.streak.count, error)
        self._record(runtime, started, ok=False, result="failed", error=error)
        if alert_due:
            self._alert(runtime)

    def _record(
        self, runtime: Runtime, started: dt.datetime, *, ok: bool, result: str, error: str | None
    ) -> None:
        record_poll(runtime.settings.state_dir, started, ok=ok, result=result, error=error)

    def _alert(self, runtime: Runtime) -> None:
        settings = runtime.settings
        to_address = settings.alerts.operator_address
        if not to_address:
            log.error(
                "%d polls failed in a row; no alerts.operator_address to tell", self.streak.count
            )
            return
        message = alert_message(
            self.streak,
            to_address=to_address,
            from_address=settings.reply.from_address or settings.own_address,
            now=utc_now(),
            time_zone=settings.court_time_zone,
        )
        try:
            with Store.open(settings.state_dir) as store:
                outbox_id = queue_alert(store, message)
        except (StoreError, sqlite3.Error) as exc:
            log.error("cannot queue the alert to %s: %s", to_address, exc)
            return
        log.warning("alert queued for %s (outbox %d)", to_address, outbox_id)

    def _notify(self, runtime: Runtime, build: Any, streak: FailureStreak) -> bool:
        """Queue an email to the operator (an all-clear); False when there is no one."""
        settings = runtime.settings
        if not settings.alerts.operator_address:
            return False
        message = build(
            streak,
            to_address=settings.alerts.operator_address,
            from_address=settings.reply.from_address or settings.own_address,
            now=utc_now(),
            time_zone=settings.court_time_zone,
        )
        try:
            with Store.open(settings.state_dir) as store:
                queue_alert(store, message)
        except (StoreError, sqlite3.Error) as exc:
            log.error("cannot queue the email to %s: %s", settings.alerts.operator_address, exc)
            return False
        return True

    def send_outbox(self, *, now: bool = False) -> None:
        """One send round; `now`: every queued message, whatever its back-off (the
        server answers again)."""
        self.step.begin("send")
        try:
            report = self._send_round(now=now)
        finally:
            self.step.end()
        if report is not None:
            self._after_send(report)

    def _send_round(self, *, now: bool = False) -> SendReport | None:
        """The sending itself, inside a step (its own, or the poll's before the clerks'
        pages); None when it could not run (logged)."""
        runtime = self.runtime
        try:
            return send_outbox_now(
                runtime.settings, tokens=runtime.tokens, stop=self.stopping, ignore_backoff=now
            )
        except (ConfigError, StoreError, sqlite3.Error) as exc:
            log.error("cannot send the outbox: %s", exc)
        except Exception:  # the next cycle tries again; a bug must not stop the daemon
            log.exception("sending the outbox failed")
        return None

    def _after_send(self, report: SendReport) -> None:
        """Outside any step (an all-clear may send again)."""
        if report.sent or report.retrying or report.failed:
            log.info("outbox: %s", report.summary())
        if report.failed:
            log.error("outbox: %d message(s) failed for good", len(report.failed))
        self._watch_sends(self.runtime, report)
        self.notifier.status(self.status_line())

    def _watch_sends(self, runtime: Runtime, report: SendReport) -> None:
        """The outbox watched like the mailbox: a round whose first try failed for the
        server's sake counts as a failed attempt; after `alerts.after_failures` in a row,
        one alert by the road that works (the journal at error level, STATUS=, `intake
        status`; the email road is the one failing); the first round that sends again
        ends it with an all-clear."""
        settings = runtime.settings
        self.outbox_note = self._outbox_state(settings)
        if report.retrying and not report.sent:
            self._send_failed(report.errors[-1] if report.errors else "sending failed")
            return
        if report.sent or report.failed:  # a round that tried nothing says nothing
            self.outbox_down = None
            ended = copy.copy(self.send_streak)
            if self.send_streak.succeeded():
                self._note_outbox(SEND_ALL_CLEAR, count=ended.count)
                log.warning(
                    "all clear: the outbox sends again after %d failed attempts", ended.count
                )
                if self._notify(runtime, all_clear_message, ended):
                    self.send_outbox()  # the all-clear itself goes out now

    def _send_failed(self, error: str) -> None:
        self.outbox_down = error
        if self.send_streak.failed(error, utc_now()):
            self._note_outbox(SEND_ALERT, count=self.send_streak.count, error=error)
            log.error(
                "ALERT: %d send attempts failed in a row: %s; replies wait in the outbox "
                "(`intake status`); they go out as soon as the server answers again",
                self.send_streak.count,
                error,
            )

    def _note_outbox(self, action: str, **detail: Any) -> None:
        """The outbox's alert (or its end) in the state, where `intake status` reads it."""
        try:
            with Store.open(self.runtime.settings.state_dir) as store, store.transaction():
                store.audit.record(ACTOR, action, OUTBOX_SUBJECT, **detail)
        except (StoreError, sqlite3.Error) as exc:
            log.error("cannot note the outbox's state: %s", exc)

    def _outbox_state(self, settings: Settings) -> str | None:
        try:
            with Store.open(settings.state_dir) as store:
                return outbox_state(store)
        except (StoreError, sqlite3.Error):
            return None

    def probe_outbox(self) -> None:
        """While sends fail: ask the server (without touching a row) whether it answers,
        and send at once, whatever the back-off, when it does."""
        if self.outbox_down is None or self.stopping():
            return
        runtime = self.runtime
        self.step.begin("probe")
        try:
            problem = probe_sink(runtime.settings, runtime.tokens)
        except ConfigError as exc:
            problem = str(exc)
        finally:
            self.step.end()
        if problem is None:
            log.info("outbox: the server answers again; sending now")
            self.send_outbox(now=True)
        else:
            self._send_failed(problem)
            self.notifier.status(self.status_line())

    def send_digest(self) -> None:
        self.step.begin(DIGEST_JOB)
        try:
            send_digest_now(self.runtime)
        except Exception:
            log.exception("the digest failed")
        finally:
            self.step.end()
        self.send_outbox()

    def status_line(self) -> str:
        parts = [self.streak.status_note() or self.last_poll]
        if self.reload_note:
            parts.append(self.reload_note)
        if self.outbox_note:
            parts.append(self.outbox_note)
        send_alert = self.send_streak.status_note()
        if send_alert:
            parts.append(send_alert)
        return "; ".join(parts)

    # ----------------------------------------------------------------------- IDLE

    def _start_idle(self) -> None:
        settings = self.runtime.settings
        if not (settings.daemon.idle and settings.source.kind == "imap"):
            return
        from intake.service.idle import IdleWatcher

        self._idle = IdleWatcher(lambda: self.open_source(self.runtime), self.poll_soon)
        self._idle.start()

    def _stop_idle(self) -> None:
        if self._idle is not None:
            self._idle.stop()


def send_outbox_now(
    settings: Settings,
    tokens: TokenSource | None = None,
    *,
    stop: Callable[[], bool] | None = None,
    ignore_backoff: bool = False,
) -> SendReport:
    """The outbox's due messages, through the configured sink (folder or SMTP).

    `tokens`: the IMAP login's token source, shared with an XOAUTH2 SMTP login; `stop`
    ends the round between two messages (see `send_due`).
    """
    smtp = settings.smtp
    if settings.outbox.wants_smtp and smtp is not None and smtp.auth == "password":
        register_secret(smtp.password())
    sink = sink_from_settings(settings, tokens)
    with Store.open(settings.state_dir) as store:
        return send_due(
            store,
            sink,
            max_attempts=settings.outbox.max_attempts,
            stop=stop,
            ignore_backoff=ignore_backoff,
        )


def send_digest_now(runtime: Runtime) -> int | None:
    """Queue the clerks' digest (the caller sends it); its outbox id, or None without clerks."""
    settings = runtime.settings
    if not settings.clerks.addresses:
        log.info("digest skipped: no clerks.addresses to send it to")
        return None
    outgoing = outgoing_from_settings(settings, runtime.rules, runtime.templates)
    with Store.open(settings.state_dir) as store:
        outbox_id = queue_digest(store, outgoing, now=store.now(), actor=ACTOR)
    log.info("digest queued (outbox %d)", outbox_id)
    return outbox_id


def _clock(moment: dt.datetime, time_zone: str) -> str:
    """`systemctl status` is read by a person: the court's clock, with its abbreviation."""
    return person_time(moment, time_zone)


def run_daemon(
    config: Path | None,
    *,
    log_format: LogFormat | None = None,
    log_level: str | None = None,
    notifier: Notifier | None = None,
) -> int:
    """Load, then run until SIGTERM; 2 when the first configuration is unusable.

    `log_format` and `log_level` (from the command line) win over the [logging] section.
    """
    setup_logging(log_level or "INFO", log_format or "text")
    try:
        runtime = load_runtime(config)
    except RuntimeProblem as exc:
        log.error("cannot start: %s", exc)
        return 2
    overrides = LogOverrides(log_format, log_level)
    overrides.apply(runtime)
    daemon = Daemon(config, runtime, notifier=notifier)
    daemon.log_overrides = overrides
    return daemon.run()


@dataclass(frozen=True)
class LogOverrides:
    log_format: LogFormat | None = None
    log_level: str | None = None

    def apply(self, runtime: Runtime) -> None:
        configured = runtime.settings.logging
        setup_logging(self.log_level or configured.level, self.log_format or configured.format)
