"""The shipped systemd unit starts with the default settings: it loads no credential
unconditionally (LoadCredential= fails the unit on a missing file), and each
credential line says when it is needed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from intake.config import ImapSettings, OAuthSettings, SmtpSettings

PROJECT = Path(__file__).resolve().parents[2]
UNIT = PROJECT / "config" / "intake.service"


def _lines() -> list[str]:
    return UNIT.read_text().splitlines()


def test_no_credential_is_loaded_unconditionally() -> None:
    active = [line for line in _lines() if re.match(r"\s*(LoadCredential|SetCredential)=", line)]
    assert active == [], active


def test_each_credential_the_settings_read_has_a_line_saying_when() -> None:
    names = {
        ImapSettings.model_fields["password_credential"].default,
        SmtpSettings.model_fields["password_credential"].default,
        OAuthSettings.model_fields["client_secret_credential"].default,
        OAuthSettings.model_fields["refresh_token_credential"].default,
    }
    lines = _lines()
    for name in names:
        where = [i for i, line in enumerate(lines) if line.startswith(f"#LoadCredential={name}:")]
        assert len(where) == 1, name
        # The comment above it names the settings that need it.
        above = lines[max(0, where[0] - 3) : where[0]]
        assert any(re.search(r"\[(source|smtp|outbox|oauth)\]", line) for line in above), name


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    # The unit names /opt/intake; point it at this checkout so that verify finds ExecStart.
    intake = Path(sys.executable).parent / "intake"
    unit = tmp_path / "intake.service"
    unit.write_text(UNIT.read_text().replace("/opt/intake/.venv/bin/intake", str(intake)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    problems = [line for line in done.stderr.splitlines() if "intake.service" in line]
    assert done.returncode == 0 and not problems, done.stderr
