"""Templates are a set compiled whole: a bad edit reaches no reply, a reload swaps sets.

Jinja would re-read a changed file on its own; the daemon must not, or a template broken
on disk after a failed reload would still be used for the next reply.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest

from intake.core.model import Envelope
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.compose import compose_reply
from intake.core.replies.render import TemplateProblem, TemplateSet, load_templates
from intake.service.daemon import Daemon
from intake.service.runtime import load_runtime
from intake.service.systemd import Notifier
from tests.court import reply_settings

PROJECT = Path(__file__).resolve().parents[2]
TEMPLATE = "reply/nothing_usable.txt.j2"
OLD_WORDING = "It had no attachments"
NEW_WORDING = "Your email carried no waiver document"


def _reply_text(daemon: Daemon) -> str:
    """The text of a 'nothing usable' reply, rendered as the daemon's replies are."""
    return _nothing_usable(daemon.runtime.rules, daemon.runtime.templates)


def _nothing_usable(rules: Rules, templates: TemplateSet | None) -> str:
    settings = reply_settings(rules)
    reply = compose_reply(
        assess([], None, rules),
        [],
        Envelope(
            message_id="<a@example.com>",
            sender_address="jane@example.com",
            sender_name="Jane Doe",
            subject="waiver",
        ),
        settings,
        message_id="<r@intake.example.gov>",
        now=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
        templates=templates,
    )
    return reply.text


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", folder)
    return folder


def test_a_broken_template_keeps_the_old_set_until_a_good_reload(
    tmp_path: Path, templates: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{tmp_path / "mail"}"\n'
        f'[daemon]\ndigest_cron = ""\n[reply]\ntemplates_dir = "{templates}"\n'
    )
    daemon = Daemon(config, load_runtime(config), notifier=Notifier({}))
    daemon._schedule(daemon.runtime, first=True)
    daemon.scheduler.start(paused=True)  # reload reschedules; no job runs here
    try:
        _break_reload_and_fix(daemon, templates / TEMPLATE, caplog)
    finally:
        daemon.scheduler.shutdown(wait=False)


def _break_reload_and_fix(daemon: Daemon, path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert OLD_WORDING in _reply_text(daemon)

    good = path.read_text()
    path.write_text(good.replace(OLD_WORDING, NEW_WORDING) + "{% if %}\n")
    # The edit is on disk; without a reload nothing re-reads it.
    assert OLD_WORDING in _reply_text(daemon)
    with caplog.at_level(logging.ERROR, logger="intake.service.daemon"):
        daemon.reload()
    assert OLD_WORDING in _reply_text(daemon)
    assert NEW_WORDING not in _reply_text(daemon)
    assert "reload failed" in daemon.status_line()
    failure = " ".join(r.getMessage() for r in caplog.records)
    assert f"{path}, line" in failure

    path.write_text(good.replace(OLD_WORDING, NEW_WORDING))
    daemon.reload()
    text = _reply_text(daemon)
    assert NEW_WORDING in text and OLD_WORDING not in text
    assert daemon.reload_note is None


def test_loading_names_every_broken_file(templates: Path) -> None:
    (templates / "reply" / "complete.txt.j2").write_text("Dear {{ name\n")
    (templates / "summary" / "digest.txt.j2").write_text("{% for x in %}\n")
    with pytest.raises(TemplateProblem) as caught:
        load_templates(templates)
    message = str(caught.value)
    assert f"{templates / 'reply' / 'complete.txt.j2'}, line 1" in message
    assert f"{templates / 'summary' / 'digest.txt.j2'}, line 1" in message


def test_a_loaded_set_never_reads_the_disk_again(tmp_path: Path) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    (folder / "_sign.txt.j2").write_text("-- {{ who }}")
    (folder / "hello.txt.j2").write_text('Hello {{ who }}\n{% include "_sign.txt.j2" %}')
    loaded = load_templates(folder)
    (folder / "_sign.txt.j2").write_text("changed {% if %}")
    shutil.rmtree(folder)  # even a vanished folder changes nothing
    assert loaded.render("hello.txt.j2", {"who": "Ann"}) == "Hello Ann\n-- Ann"
    with pytest.raises(TemplateProblem, match="is missing"):
        loaded.render("nothing-here.txt.j2", {})


def test_two_template_sets_in_one_process_each_render_their_own(
    tmp_path: Path, templates: Path
) -> None:
    """The set is passed, not installed: a set loaded later (another court's folder, a
    reload) changes nothing for a caller holding the first."""
    other = tmp_path / "other"
    shutil.copytree(templates, other)
    edited = other / TEMPLATE
    edited.write_text(edited.read_text().replace(OLD_WORDING, NEW_WORDING))
    first, second = load_templates(templates), load_templates(other)
    rules = load_rules()
    texts = [_nothing_usable(rules, s) for s in (first, second)]
    assert OLD_WORDING in texts[0] and NEW_WORDING not in texts[0]
    assert NEW_WORDING in texts[1] and OLD_WORDING not in texts[1]
