"""Fixtures for real-server tests: a private Dovecot per session, a fresh user per test.

- `dovecot_server` (session): the running `DovecotServer` (see tests/integration/dovecot.py).
- `dovecot` (function): a `DovecotMailbox` for a new user with an empty INBOX; its
  docstring lists what it offers (host, port, user, password, deliver, deliver_many,
  uids, flags, expunge, uidvalidity, reset_uidvalidity, restart, stop, start, sessions_frozen,
  folders).
  The server is running again when each test starts, even if the previous one stopped it.

Without Dovecot (or without root) the tests are skipped with the reason; under CI
(CI=true), where .ci/run installs Dovecot first, they fail instead of passing silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.integration.dovecot import DovecotMailbox, DovecotServer, unavailable_reason
from tests.integration.smtp_server import Inbox, serving


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """The session's private Dovecot; skipped (or, under CI, failed) when it cannot run."""
    reason = unavailable_reason()
    if reason is not None:
        if _in_ci():
            pytest.fail(f"CI must run the Dovecot tests, but {reason}", pytrace=False)
        pytest.skip(reason)
    server = DovecotServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> DovecotMailbox:
    """A fresh user's empty mailbox on the running session Dovecot (see DovecotMailbox)."""
    dovecot_server.start()  # a no-op unless an earlier test stopped it
    return dovecot_server.new_mailbox()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it accepts, and its port."""
    with serving(Inbox()) as running:
        yield running
