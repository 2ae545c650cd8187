"""Read a TOML file into a dict, every failure an error of the caller's type naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[Exception], what: str) -> dict[str, Any]:
    """The table in `path`; unreadable, not UTF-8 or not TOML raises `error` naming
    `path` (and, for an unreadable file, `what` it was meant to hold, e.g. "the rules")."""
    import tomllib  # not at import: rules taken from their cache are never parsed

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc
