"""The clerk's summary page in a real browser (Debian's headless Chromium): its content
after loading, and no console errors (a CSP violation or a script error would show).

Without Chromium the test is skipped with the reason, except under CI (CI=true), where
scripts/install-chromium.sh has installed it and a skip would hide a missing step.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from intake.core.model import (
    Affirmation,
    AffirmationState,
    CourtType,
    Document,
    DocumentKind,
    Evidence,
    LetterFacts,
    NefCase,
    NefFacts,
    NoticeType,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import load_rules
from intake.core.summary.pages import render_request_html
from intake.core.summary.view import RequestFacts, build_summary

pytestmark = pytest.mark.integration

HOSTILE = '<script>console.error("injected")</script><img src=x onerror=alert(1)>.pdf'
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic", "--enable-logging=stderr", "--v=0",
)  # fmt: skip
CONSOLE = re.compile(r":CONSOLE[:(]")


def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    reason = "chromium is not installed (run scripts/install-chromium.sh as root)"
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI must run the browser test, but {reason}", pytrace=False)
    pytest.skip(reason)


def start(browser: str, page: Path, profile: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        # No D-Bus here: without this Chromium spends seconds trying to reach one.
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": "disabled:"},
    )


def finish(process: subprocess.Popen[str]) -> tuple[str, list[str]]:
    try:
        dom, log = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    assert process.returncode == 0, log[-2000:]
    return dom, [line for line in log.splitlines() if CONSOLE.search(line)]


def nef(n: int, court: str, name: str | None = None) -> Document:
    return Document(
        filename=name or f"nef{n}.pdf",
        sha256=f"{n:064x}",
        size=1000,
        kind=DocumentKind.NEF,
        page_count=1,
        nef=NefFacts(
            notice_type=NoticeType.ELECTRONIC_FILING,
            court_id=court,
            court_type=CourtType.BANKRUPTCY,
            court_evidence=(Evidence(text=f"ecf.{court}.uscourts.gov", page=1, source="link"),),
            cases=(NefCase(case_number=f"24-3000{n}-MER", document_number=str(n + 10)),),
            filer="Doe, Jane",
            filed_on=dt.date(2024, 5, n),
        ),
    )


def summary_html() -> str:
    rules = load_rules()
    letter = Document(
        filename="letter.pdf",
        sha256="ab" * 32,
        size=900,
        kind=DocumentKind.LETTER,
        page_count=1,
        letter=LetterFacts(
            attorney_name="Jane A. Doe",
            signed=True,
            signature_evidence=Evidence(text="/s/ Jane A. Doe", page=1),
            affirmations=tuple(
                Affirmation(
                    id=a.id,
                    state=AffirmationState.FOUND,
                    evidence=Evidence(text=f"I affirm {a.id}.", page=1),
                )
                for a in rules.letter.affirmations
            ),
        ),
    )  # fmt: skip
    docs = [letter, *(nef(n, c) for n, c in enumerate(("cob", "nysb", "njb", "txnb"), 1))]
    docs.append(nef(5, "canb", name=HOSTILE))
    view = build_summary(
        RequestFacts(
            request_id="R-99",
            attorney_name="Jane Doe",
            attorney_address="jane.doe@example-law.com",
            opened_at=dt.datetime(2026, 11, 18, 17, 0, tzinfo=dt.UTC),
            updated_at=dt.datetime(2026, 11, 19, 17, 0, tzinfo=dt.UTC),
        ),
        assess(docs, "Jane Doe", rules),
        docs,
        generated_at=dt.datetime(2026, 11, 19, 18, 0, tzinfo=dt.UTC),
        rules=rules,
    )
    return render_request_html(view)


def test_summary_page_loads_cleanly_with_its_content() -> None:
    browser = chromium()
    folder = Path(tempfile.mkdtemp(prefix="intake-browser-", dir="/tmp"))
    try:
        page = folder / "summary.html"
        page.write_text(summary_html(), encoding="utf-8")
        # A control page whose console error must be seen, so that "no errors" means
        # something: both browsers run side by side to keep the test short.
        control = folder / "control.html"
        control.write_text('<!DOCTYPE html><p>x</p><script>console.error("control")</script>')
        running = start(browser, page, folder / "profile-a")
        control_run = start(browser, control, folder / "profile-b")
        dom, console = finish(running)
        _, control_console = finish(control_run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    assert any('"control"' in line for line in control_console), "console errors not visible"
    assert console == []
    assert 'id="verdict"' in dom and "Incomplete" in dom
    assert "Jane A. Doe" in dom and "jane.doe@example-law.com" in dom
    for n in range(1, 6):
        assert f"24-3000{n}-MER" in dom
    assert "4 of 6 required" in dom
    assert "/s/ Jane A. Doe" in dom and "page 1, link" in dom
    # The hostile file name is text on the page, not an element.
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;console.error" in dom
