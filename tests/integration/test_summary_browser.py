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


# ------------------------------------------------- the page a clerk decides from


def _state_with_pages(folder: Path) -> tuple[Path, Path]:
    """A real state folder: three fixtures polled, a clerk's decision, every page written.
    Returns (the page of the decided request, the page of the letter missing a statement)."""
    from intake.commands.cli import main
    from intake.edges.mail.maildir import deliver

    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
    config = folder / "intake.toml"
    config.write_text(
        f'state_dir = "{folder / "state"}"\n[source]\nmaildir = "{folder / "mail"}"\n'
    )
    for name in ("needs-review-image-letter.eml", "incomplete-letter-missing-affirmation.eml"):
        deliver(folder / "mail", (fixtures / name).read_bytes())
    assert main(["poll", "--once", "--config", str(config)]) == 0
    argv = ["requests", "decide", "1", "--accept-letter", "1", "--by", "mgarcia"]
    assert main([*argv, "--reason", "read the scan: signed", "--config", str(config)]) == 0
    # No clerk receives packets here (no [clerks] address): the poll and the decision draw
    # the pages alone; the packets these pages link to are drawn on demand, as a clerk would.
    for request in ("1", "2"):
        assert main(["requests", "summary", request, "--config", str(config)]) == 0
    summaries = folder / "state" / "summaries"
    return summaries / "request-1.html", summaries / "request-2.html"


def _screenshot(browser: str, page: Path, shot: Path, profile: Path) -> None:
    done = subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}",
         "--window-size=1300,2400", page.as_uri()],
        capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL,
        env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": "disabled:"},
    )  # fmt: skip
    assert done.returncode == 0 and shot.stat().st_size > 10_000, done.stderr[-2000:]


def test_the_request_page_decides_in_a_browser() -> None:
    browser = chromium()
    folder = Path(tempfile.mkdtemp(prefix="intake-desk-", dir="/tmp"))
    shots = Path(os.environ.get("INTAKE_SCREENSHOTS", folder / "shots"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        decided, missing = _state_with_pages(folder)
        runs = [
            start(browser, p, folder / f"profile-{i}") for i, p in enumerate((decided, missing))
        ]
        (dom, console), (dom2, console2) = (finish(r) for r in runs)
        _screenshot(browser, decided, shots / "request-decided.png", folder / "profile-s1")
        _screenshot(
            browser, missing, shots / "request-missing-statement.png", folder / "profile-s2"
        )
        # Every link of the page leads to a file that is there (packet, original PDFs).
        for page, text in ((decided, dom), (missing, dom2)):
            links = re.findall(r'href="([^"]+)"', text)
            assert any(link.endswith(".pdf") and "documents/" in link for link in links)
            assert any(re.fullmatch(r"request-\d+\.pdf", link) for link in links)
            for link in links:
                assert (page.parent / link).resolve().is_file(), link
    finally:
        shutil.rmtree(folder / "state", ignore_errors=True)
    assert console == [] and console2 == []
    # Who decided what, and the decision window.
    assert "Clerks' decisions" in dom and "mgarcia" in dom and "read the scan: signed" in dom
    assert 'id="decide-by"' in dom and "Complete: ready for a decision" in dom
    # Per notice: the case name, the docket text (its start, the whole on expand), the
    # filer, the date, each clue with its page.
    assert 'class="case-name"' in dom and "Spokane Valley Orthodontics PLLC" in dom
    details = re.findall(r"<details><summary>(.*?)</summary>(.*?)</details>", dom, flags=re.S)
    assert details, "no docket text to expand"
    for excerpt, whole in details:
        assert excerpt.endswith("…") and whole.startswith(excerpt.removesuffix(" …"))
        assert len(whole) > len(excerpt)
    assert "page 1, stamp" in dom and "page 1, header" in dom
    # A statement not found: the letter's own text is there for the clerk to judge.
    assert "Nothing in the letter addresses it" in dom2
    assert 'class="letter-text"' in dom2 and "<pre>" in dom2
