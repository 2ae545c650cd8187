"""How much of an email is read: its own module, so that a command can state the
limits without loading the MIME parser (`intake check` of a lone PDF never parses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MessageLimits:
    max_attachment_bytes: int = 25 * 1024 * 1024
    max_attachments: int = 50
    max_depth: int = 30  # MIME nesting levels read (multiparts and forwarded messages)
    max_signature_image_bytes: int = 100 * 1024  # larger inline images may be scans
