"""The daemon's steps in-process, over a Maildir: reload, digest, alert, watchdog health."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest

from intake.config import ConfigError, load_settings
from intake.edges.mail.maildir import deliver
from intake.edges.mail.source import MailSource
from intake.service.alerts import FailureStreak
from intake.service.daemon import POLL_JOB, Daemon, StepClock, default_source
from intake.service.runtime import Runtime, load_runtime
from intake.service.systemd import Notifier
from tests.emails import small_email


def _config(tmp_path: Path, daemon: str = "poll_interval_seconds = 5\n", extra: str = "") -> Path:
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n'
        f'[source]\nmaildir = "{tmp_path / "mail"}"\n'
        f"[daemon]\n{daemon}digest_cron = '0 7 * * mon-fri'\n{extra}"
    )
    return path


def _daemon(config: Path) -> Daemon:
    daemon = Daemon(config, load_runtime(config), notifier=Notifier({}))
    daemon._schedule(daemon.runtime, first=True)
    daemon.scheduler.start(paused=True)
    return daemon


def test_reload_applies_a_new_interval_and_a_broken_one_keeps_it(tmp_path: Path) -> None:
    config = _config(tmp_path)
    daemon = _daemon(config)
    try:
        _config(tmp_path, "poll_interval_seconds = 7\n")
        daemon.reload()
        job = daemon.scheduler.get_job(POLL_JOB)
        assert job.trigger.interval == dt.timedelta(seconds=7)
        assert daemon.reload_note is None

        _config(tmp_path, "poll_interval_seconds = -1\n")
        daemon.reload()
        assert daemon.scheduler.get_job(POLL_JOB).trigger.interval == dt.timedelta(seconds=7)
        assert daemon.runtime.settings.daemon.poll_interval_seconds == 7
        assert "reload failed" in daemon.status_line()
    finally:
        daemon.scheduler.shutdown(wait=False)


def test_a_reload_requested_during_a_poll_waits_for_the_poll_to_end(tmp_path: Path) -> None:
    # Otherwise one poll's replies could be worded by two template sets.
    config = _config(tmp_path)
    daemon = _daemon(config)
    opened, gate = threading.Event(), threading.Event()

    def slow_source(runtime: Runtime) -> MailSource:
        opened.set()
        assert gate.wait(10)
        return default_source(runtime)

    daemon.open_source = slow_source
    poll = threading.Thread(target=daemon.poll)
    try:
        poll.start()
        assert opened.wait(10)
        _config(tmp_path, "poll_interval_seconds = 7\n")
        daemon.request_reload()
        daemon.reload_between_steps()
        assert daemon.runtime.settings.daemon.poll_interval_seconds == 5
        gate.set()
        poll.join(10)
        assert ": 0 fetched" in daemon.last_poll
        daemon.reload_between_steps()
        assert daemon.runtime.settings.daemon.poll_interval_seconds == 7
        assert daemon.scheduler.get_job(POLL_JOB).trigger.interval == dt.timedelta(seconds=7)
    finally:
        gate.set()
        daemon.scheduler.shutdown(wait=False)


def test_the_digest_job_queues_and_sends_the_digest(tmp_path: Path) -> None:
    deliver(tmp_path / "mail", small_email(1))
    config = _config(tmp_path, extra="[clerks]\naddresses = ['clerks@example.org']\n")
    daemon = Daemon(config, load_runtime(config), notifier=Notifier({}))
    daemon.poll()
    daemon.send_digest()
    with sqlite3.connect(tmp_path / "state" / "intake.sqlite3") as db:
        rows = db.execute("SELECT to_address, status FROM outbox WHERE kind = 'digest'").fetchall()
    assert rows == [("clerks@example.org", "sent")]


def test_no_clerks_address_no_digest(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = _config(tmp_path)
    daemon = Daemon(config, load_runtime(config), notifier=Notifier({}))
    daemon.poll()
    caplog.set_level("INFO")
    daemon.send_digest()
    assert "digest skipped: no clerks.addresses" in caplog.text


def test_failure_streak_alerts_once_and_clears() -> None:
    at = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    streak = FailureStreak(after_failures=3)
    assert [streak.failed("refused", at) for _ in range(5)] == [False, False, True, False, False]
    assert streak.status_note() == "ALERT: 5 polls failed in a row: refused"
    assert streak.succeeded() is True
    assert streak.status_note() is None
    assert [streak.failed("timeout", at) for _ in range(3)] == [False, False, True]


def test_a_stalled_step_makes_the_daemon_unhealthy() -> None:
    clock = StepClock()
    assert not clock.stalled(60, now=1e9)
    clock.begin("poll")
    assert clock.started is not None
    assert not clock.stalled(60, now=clock.started + 59)
    assert clock.stalled(60, now=clock.started + 61)
    clock.end()
    assert not clock.stalled(60, now=1e9)


@pytest.mark.parametrize(
    ("cron", "zone", "says"),
    [
        ("61 7 * * *", "UTC", "higher than the maximum"),
        ("0 7 * *", "UTC", "Wrong number of fields"),
        ("0 7 * * *", "Mars/Base", "Mars/Base"),
    ],
)
def test_a_bad_digest_schedule_is_a_configuration_error(
    tmp_path: Path, cron: str, zone: str, says: str
) -> None:
    config = tmp_path / "intake.toml"
    config.write_text(f"[daemon]\ndigest_cron = '{cron}'\ndigest_time_zone = '{zone}'\n")
    with pytest.raises(ConfigError, match="daemon: digest_cron") as caught:
        load_settings(config, environ={})
    assert says in str(caught.value)


def test_idle_reconnects_fast_at_first_then_backs_off() -> None:
    from intake.service.idle import retry_delay

    assert [retry_delay(n, 60.0) for n in (1, 2, 3, 4, 7, 20)] == [1, 2, 4, 8, 60, 60]


def test_mail_announced_during_a_poll_gets_a_second_poll(tmp_path: Path) -> None:
    # The scheduler would skip a second instance of the running job: the running one
    # polls again instead, so mail announced after its search is not left for the
    # interval poll.
    config = _config(tmp_path)
    daemon = _daemon(config)
    polls: list[int] = []

    def poll() -> None:
        polls.append(len(polls))
        if len(polls) == 1:
            daemon.poll_soon()  # IDLE announces mail while this poll runs

    daemon.poll = poll  # type: ignore[method-assign]

    def no_send(*, now: bool = False) -> None:
        return None

    daemon.send_outbox = no_send  # type: ignore[method-assign]
    try:
        daemon.poll_and_send()
        assert polls == [0, 1]
    finally:
        daemon.scheduler.shutdown(wait=False)


def test_mail_announced_during_another_step_brings_the_poll_forward(tmp_path: Path) -> None:
    daemon = _daemon(_config(tmp_path, "poll_interval_seconds = 3600\n"))
    try:
        job = daemon.scheduler.get_job(POLL_JOB)
        job.modify(next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
        daemon.step.begin("digest")  # not a poll: nothing would poll again by itself
        daemon.poll_soon()
        daemon.step.end()
        due = daemon.scheduler.get_job(POLL_JOB).next_run_time
        assert due - dt.datetime.now(dt.UTC) < dt.timedelta(seconds=5)
    finally:
        daemon.scheduler.shutdown(wait=False)
