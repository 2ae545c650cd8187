"""`intake status` and `intake config check|show`, over a temp state folder and files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
from pathlib import Path

import pytest

from intake.commands.cli import main
from intake.edges.store import Store

PROJECT = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n{extra}\n[source]\nmaildir = "{tmp_path / "mail"}"\n'
    )
    return path


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_status_shows_the_last_poll_counts_and_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    started = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)
    with Store.open(tmp_path / "state") as store, store.transaction():
        store.polls.record(started, ok=True, result="3 fetched, 3 processed")
        store.polls.record(started, ok=False, result="failed", error="IMAP 127.0.0.1:1: refused")
        outbox_id = store.outbox.enqueue(
            request_id=None,
            message_id="<a@b>",
            kind="alert",
            to_address="ops@example.org",
            subject="s",
            body="b",
            raw=b"x",
        )
        store.outbox.mark_failed(outbox_id, "550 no such user")
    assert main(["status", "--config", str(config)]) == 3  # the last poll failed
    text = capsys.readouterr().out
    assert "FAILED: IMAP 127.0.0.1:1: refused" in text
    assert "outbox   #1 alert to ops@example.org  550 no such user" in text

    assert main(["status", "--json", "--config", str(config)]) == 3
    status = json.loads(capsys.readouterr().out)
    assert status["last_poll"]["ok"] is False
    assert status["outbox"] == {"failed": 1}
    assert [p["error"] for p in status["recent_failures"]["polls"]] == ["IMAP 127.0.0.1:1: refused"]


def test_status_shows_a_poll_made_by_poll_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    assert main(["poll", "--once", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["status", "--json", "--config", str(config)]) == 0
    poll = json.loads(capsys.readouterr().out)["last_poll"]
    assert poll["ok"] is True
    assert poll["result"].startswith("0 fetched, 0 processed")
    assert main(["status", "--config", str(config)]) == 0
    assert f"ok: {poll['result']}" in capsys.readouterr().out


def test_status_shows_a_failed_poll_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    (tmp_path / "pw").write_text("secret")
    config = _config(tmp_path)
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nkind = "imap"\n[source.imap]\n'
        f'host = "127.0.0.1"\nport = {port}\nsecurity = "plain"\nusername = "u"\n'
        f'password_file = "{tmp_path / "pw"}"\ntimeout_seconds = 2\n'
    )
    assert main(["poll", "--once", "--config", str(config)]) == 1
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 3  # the last poll failed
    text = capsys.readouterr().out
    assert "FAILED: the mail source is unreachable" in text
    assert str(port) in text and "secret" not in text


def test_status_without_a_state_database_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", "--config", str(_config(tmp_path))]) == 1
    assert "no state database here yet" in capsys.readouterr().err
    assert not (tmp_path / "state" / "intake.sqlite3").exists()


def test_config_check_passes_on_the_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check", "--config", str(_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "ok   rules:" in out
    assert "ok   templates:" in out
    assert "FAIL" not in out


def test_config_check_names_the_bad_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, "[daemon]\npoll_interval_seconds = 0\n")
    assert main(["config", "check", "--config", str(config)]) == 2
    out = capsys.readouterr().out
    assert "FAIL settings" in out
    assert "daemon.poll_interval_seconds" in out


def test_config_check_names_the_broken_rule_file_and_template_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT / "rules", rules)
    (rules / "letter.toml").write_text("this is = = not toml\n")
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT / "templates", templates)
    broken = templates / "reply" / "complete.txt.j2"
    broken.write_text("Dear {{ name\n\n{% if %}\n")
    config = _config(tmp_path, f'rules_dir = "{rules}"\n[reply]\ntemplates_dir = "{templates}"\n')
    assert main(["config", "check", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "FAIL rules:" in out and "letter.toml" in out
    assert f"FAIL templates: {broken}, line 3: expected token" in out


def test_config_check_tries_the_imap_login(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    secret = tmp_path / "pw"
    secret.write_text("Sup3r-Secret-Pw-99")
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nkind = "imap"\n[source.imap]\n'
        f'host = "127.0.0.1"\nport = {port}\nsecurity = "plain"\nusername = "u"\n'
        f'password_file = "{secret}"\ntimeout_seconds = 2\n'
    )
    assert main(["config", "check", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "ok   imap password: readable" in out
    assert f"FAIL imap login: IMAP 127.0.0.1:{port}: cannot connect" in out
    assert "Sup3r-Secret-Pw-99" not in out
    # Offline: files only, no login tried.
    assert main(["config", "check", "--offline", "--config", str(config)]) == 0
    secret.unlink()
    assert main(["config", "check", "--offline", "--config", str(config)]) == 1
    assert "FAIL imap credentials:" in capsys.readouterr().out


def test_config_check_tries_the_smtp_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    config = _config(
        tmp_path,
        f'[outbox]\nsink = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
        'security = "plain"\ntimeout_seconds = 2\n',
    )
    assert main(["config", "check", "--config", str(config)]) == 1
    assert f"FAIL smtp login: SMTP server 127.0.0.1:{port} cannot be reached" in (
        capsys.readouterr().out
    )


def test_config_show_prints_the_effective_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_DAEMON__POLL_INTERVAL_SECONDS", "42")
    assert main(["config", "show", "--config", str(_config(tmp_path))]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["daemon"]["poll_interval_seconds"] == 42
    assert "INTAKE_DAEMON__POLL_INTERVAL_SECONDS" in shown["origin"]


def test_config_check_reaches_a_live_smtp_relay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    port = _closed_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        config = _config(
            tmp_path,
            f'[outbox]\nsink = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
            'security = "plain"\n',
        )
        assert main(["config", "check", "--config", str(config)]) == 0
    finally:
        controller.stop()
    assert f"ok   smtp login: 127.0.0.1:{port} without login" in capsys.readouterr().out
