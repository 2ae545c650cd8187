"""MIME bytes → `Envelope`: the sender, the subject and every attachment. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from intake.model import Envelope


@dataclass(frozen=True)
class MessageLimits:
    max_attachment_bytes: int = 25 * 1024 * 1024
    max_attachments: int = 50


def parse_message(data: bytes, limits: MessageLimits | None = None) -> Envelope:
    """Read an email's bytes. Never raises for bad input: problems go to `Envelope.problems`."""
    raise NotImplementedError
