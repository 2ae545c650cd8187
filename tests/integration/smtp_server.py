"""The real SMTP server the integration tests send to: aiosmtpd on 127.0.0.1, on a free
port, with a handler that keeps what it accepts. One home for it, so that every test
that sends mail starts and stops the server the same way."""

from __future__ import annotations

import contextlib
import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, TypeVar

from aiosmtpd.controller import Controller

from tests.integration.dovecot import free_port

__all__ = ["Inbox", "free_port", "serving"]

Handler = TypeVar("Handler")


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.received if address in rcpts]


@contextlib.contextmanager
def serving(handler: Handler) -> Iterator[tuple[Handler, int]]:
    """aiosmtpd with `handler` on a free loopback port, for the `with` block."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
