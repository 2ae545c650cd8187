"""Machine-readable everywhere an operator scripts, against a real Dovecot: `poll --json`,
`outbox list --json` and `state check` (integrity, orphaned files, owed work), each
exiting as its --help says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake.edges.store import MessageStatus, Store
from tests.emails import small_email
from tests.integration.dovecot import DovecotMailbox
from tests.integration.test_poll_exactly_once import OWN, REPO

pytestmark = pytest.mark.integration


def intake(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_poll_outbox_and_state_speak_json_and_exit_as_documented(
    dovecot: DovecotMailbox, tmp_path: Path
) -> None:
    config = dovecot.write_intake_config(tmp_path, own_address=OWN, timeout_seconds=5)
    dovecot.deliver(small_email(1, "jane@example-law.test"))
    dovecot.deliver(small_email(2, "bob@example-law.test"))

    polled = intake("poll", "--once", "--json", "--config", str(config))
    assert polled.returncode == 0, polled.stderr
    result = json.loads(polled.stdout)
    assert result["ok"] is True and result["exit"] == 0
    assert (result["fetched"], result["processed"], result["failed"]) == (2, 2, 0)
    assert result["requests_updated"] == [1, 2]
    assert result["outbox"]["sent"] == 2 and result["outbox"]["last_error"] is None
    assert "poll:" in polled.stderr  # the words stay on stderr

    listed = intake("outbox", "list", "--json", "--config", str(config))
    assert listed.returncode == 0
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["kind"], r["to"], r["status"]) for r in rows] == [
        ("reply", "jane@example-law.test", "sent"),
        ("reply", "bob@example-law.test", "sent"),
    ]
    assert all(r["message_id"].startswith("<") and r["claimed_by"] is None for r in rows)

    clean = intake("state", "check", "--json", "--config", str(config))
    assert clean.returncode == 0, clean.stdout
    assert json.loads(clean.stdout)["problems"] == []

    dovecot.server.stop()
    try:
        down = intake("poll", "--once", "--json", "--config", str(config))
    finally:
        dovecot.server.start()
    assert down.returncode == 1
    failure = json.loads(down.stdout)
    assert failure["ok"] is False and failure["exit"] == 1
    assert "mail source is unreachable" in failure["error"]

    # Damage the state as a stranger would: a stray PDF, a failed message's bytes lost.
    state = tmp_path / "state"
    orphan = state / "documents" / f"{'0' * 64}.pdf"
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"%PDF-1.4 nobody's")
    with Store.open(state) as store, store.transaction():
        store.messages.update(1, status=MessageStatus.FAILED, error="lost")
    broken = intake("state", "check", "--config", str(config))
    assert broken.returncode == 3, broken.stdout
    assert "a failed message's bytes are gone" in broken.stdout
    assert f"{orphan}: a kept PDF the state does not refer to" in broken.stdout
    assert "1 failed message(s) to retry" in broken.stdout

    help_text = intake("state", "check", "--help").stdout
    assert "0 when there is no problem" in help_text and "3 when there is a problem" in help_text
    missing = intake("state", "check", "--config", str(config), "--json")
    assert missing.returncode == 3
    other = tmp_path / "other.toml"
    other.write_text(f'state_dir = "{tmp_path / "nothing-here"}"\n')
    assert intake("state", "check", "--config", str(other)).returncode == 1
