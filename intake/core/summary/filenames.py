"""The file name of a request's PDF packet: the email attachment and the file in the state
folder carry the same one. Pure, and light to import (the state layout uses it)."""

from __future__ import annotations

import re

_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def packet_filename(request_id: str) -> str:
    return f"request-{_FILE_UNSAFE.sub('_', request_id).strip('_') or 'unknown'}.pdf"
