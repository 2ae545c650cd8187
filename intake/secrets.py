"""The secrets read so far (passwords, tokens), so that no log line ever shows one.

Every layer that reads a secret registers it here (the OAuth edge, the configured source,
the SMTP sink); the log formatter (intake/service/logs.py) redacts them. It sits at the
package root, beside errors.py, so that an edge can register a secret without importing
the service layer.
"""

from __future__ import annotations

import threading

_MIN_SECRET = 4  # shorter values would redact ordinary words
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Never let `value` reach a log line (called wherever a secret is read)."""
    if value and len(value) >= _MIN_SECRET:
        with _secrets_lock:
            _secrets.add(value)


def known_secrets() -> list[str]:
    """Every registered secret, longest first (so that a secret inside another is not
    redacted half)."""
    with _secrets_lock:
        return sorted(_secrets, key=len, reverse=True)
