"""The built wheel works on its own: installed (not editable) into a fresh venv, run from
a folder that has nothing of the project, it finds its shipped rules and templates.

The wheel is built and installed once per test session (about half a minute, most of it
pip installing the dependencies, from pip's cache when it has them); every test of this
module uses that one install. Without network and cache the tests are skipped with the
reason, and under CI (CI=true) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest

from intake.edges.mail.maildir import deliver

ROOT = Path(__file__).resolve().parents[2]
# What a build needs; nothing else of the checkout goes into the build folder.
BUILD_INPUTS = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "intake",
    "rules",
    "templates",
)
FIXTURE = ROOT / "fixtures" / "eml" / "incomplete-five-nefs.eml"

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Installed:
    intake: Path  # the venv's `intake` script
    python: Path
    wheel: Path


def _run(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "INTAKE_CONFIG"}}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _give_up(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI must run the wheel tests, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(path, source / name)
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(work / "dist"), str(source)],
        cwd=work,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("intake-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip = _run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", str(wheel)],
        cwd=work,
    )
    if pip.returncode != 0:
        _give_up(f"pip could not install the wheel's dependencies: {pip.stderr.strip()[-300:]}")
    return Installed(intake=env_dir / "bin" / "intake", python=python, wheel=wheel)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working folder with nothing of the project in it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_wheel_carries_the_rules_and_templates_inside_the_package(installed: Installed) -> None:
    import zipfile

    names = zipfile.ZipFile(installed.wheel).namelist()
    for shipped in ROOT.joinpath("rules").glob("*.toml"):
        assert f"intake/rules/{shipped.name}" in names
    for template in ROOT.joinpath("templates").rglob("*.j2"):
        assert f"intake/{template.relative_to(ROOT)}" in names
    assert not any(n.startswith(("rules/", "templates/")) for n in names)


def test_the_installed_package_is_not_the_checkout(installed: Installed, elsewhere: Path) -> None:
    where = _run([str(installed.python), "-c", "import intake; print(intake.__file__)"], elsewhere)
    assert where.returncode == 0, where.stderr
    assert "site-packages" in where.stdout and str(ROOT) not in where.stdout


def test_check_runs_from_an_unrelated_folder(installed: Installed, elsewhere: Path) -> None:
    shutil.copy2(FIXTURE, elsewhere / "request.eml")
    checked = _run([str(installed.intake), "check", "--json", "request.eml"], elsewhere)
    assert checked.returncode == 0, checked.stderr
    line = json.loads(checked.stdout)
    assert line["assessment"]["status"] == "incomplete"
    assert line["assessment"]["qualifying_nefs"] == 5
    # Worded from the shipped messages.toml, not left as a bare code.
    assert "1 more qualifying Notice of Electronic Filing" in line["assessment"]["missing"]
    assert all(" " in f["message"] for f in line["assessment"]["findings"])


def test_a_courts_own_rules_folder_still_overrides_the_shipped_one(
    installed: Installed, elsewhere: Path
) -> None:
    rules = elsewhere / "our-rules"
    shutil.copytree(ROOT / "rules", rules)
    nef = rules / "nef.toml"
    nef.write_text(nef.read_text().replace("required_nefs = 6", "required_nefs = 5"))
    shutil.copy2(FIXTURE, elsewhere / "request.eml")
    checked = _run(
        [str(installed.intake), "check", "--json", "--rules", str(rules), "request.eml"], elsewhere
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["assessment"]["required_nefs"] == 5


def test_a_poll_from_an_unrelated_folder_writes_the_reply_from_the_shipped_templates(
    installed: Installed, elsewhere: Path
) -> None:
    mail = elsewhere / "mail"
    deliver(mail, FIXTURE.read_bytes())
    (elsewhere / "intake.toml").write_text(
        f'state_dir = "{elsewhere / "state"}"\n[source]\nmaildir = "{mail}"\n'
    )
    polled = _run([str(installed.intake), "poll", "--once", "--config", "intake.toml"], elsewhere)
    assert polled.returncode == 0, polled.stderr
    replies = list((elsewhere / "state" / "outbox").rglob("*.eml"))
    assert len(replies) == 1, polled.stderr
    reply = message_from_bytes(replies[0].read_bytes(), policy=default)
    assert reply["Auto-Submitted"] == "auto-replied"
    assert isinstance(reply, EmailMessage)
    body = reply.get_body(preferencelist=("plain",))
    assert body is not None
    text = " ".join(body.get_content().split())
    # The incomplete reply's template, with the attorney's wording of what is missing.
    assert "1 more qualifying Notice of Electronic Filing" in text
