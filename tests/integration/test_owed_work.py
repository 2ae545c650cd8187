"""Owed work found at start, against a real Dovecot: a poll killed after its commits
leaves the clerks' pages undrawn and temporary files behind; the next poll draws the
pages (even when the mailbox cannot be reached) and removes the strays."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from intake.core.clock import parse_stamp
from intake.edges.store import Store
from tests.integration.dovecot import DovecotMailbox
from tests.integration.test_poll_exactly_once import FIXTURES, OWN, run_poll

pytestmark = pytest.mark.integration

EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


def _complete_fixture() -> bytes:
    first = next(s for s in EXPECTED["submissions"] if s["assessment"]["status"] == "complete")
    return (FIXTURES / "eml" / str(first["eml"])).read_bytes()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_pages_owed_by_a_killed_poll_are_drawn_by_the_next_even_without_the_mailbox(
    dovecot: DovecotMailbox, tmp_path: Path
) -> None:
    dovecot.deliver(_complete_fixture())
    config = dovecot.write_intake_config(tmp_path, own_address=OWN, timeout_seconds=5)
    state = tmp_path / "state"
    # Killed once the message is committed and moved: its page was not drawn yet.
    crashed = run_poll(config, crash_at="after_action")
    assert crashed.returncode < 0, crashed.stderr
    with Store.open(state) as store:
        (request,) = store.requests.all()
        assert request.status.value == "complete"
    page = state / "summaries" / f"request-{request.id}.html"
    assert not page.exists()
    # Stamps are to the second, so a page drawn within the second of its request's
    # change is owed once more (`owed_pages`, by design). Draw it after that second, as
    # any restart slower than a second does: "nothing is drawn twice" is then exact.
    changed = parse_stamp(request.updated_at)
    assert changed is not None
    time.sleep(max(0.0, changed.timestamp() + 1.05 - time.time()))

    # Strays a killed writer left: in the outbox's tmp/ and among the kept documents.
    dead = _dead_pid()
    (state / "tmp").mkdir(exist_ok=True)
    stray_reply = state / "tmp" / f".x-1.eml.{dead}.tmp"
    stray_reply.write_bytes(b"half a reply")
    stray_pdf = state / "documents" / f".abc.pdf.{dead}.tmp"
    stray_pdf.write_bytes(b"%PDF-1.4 half")

    dovecot.server.stop()
    try:
        down = run_poll(config)
    finally:
        dovecot.server.start()
    assert down.returncode == 1, down.stderr  # the mailbox cannot be reached...
    assert "mail source is unreachable" in down.stderr
    assert page.exists()  # ...and the clerks' page is drawn anyway
    # No clerks' address: nobody receives a packet, so none is drawn (nor owed).
    assert not (state / "summaries" / f"request-{request.id}.pdf").exists()
    assert f"intake requests summary {request.id}" in page.read_text()
    assert "1 clerk page(s) drawn" in down.stderr
    assert not stray_reply.exists() and not stray_pdf.exists()
    assert "1 stray temporary file(s) removed" in down.stderr  # the outbox's own: by its sink

    again = run_poll(config)
    assert again.returncode == 0, again.stderr
    assert "owed from before" not in again.stderr  # nothing is drawn twice
    # The reply was written once, never as a hidden copy in the outbox itself.
    outbox = state / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 1
    assert [p.name for p in outbox.iterdir() if p.name.startswith(".")] == []
    assert list((state / "tmp").iterdir()) == []
