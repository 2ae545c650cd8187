"""parse_message over CPython's own email test corpus: odd, old and broken real-world mail.

The corpus ships with CPython's test suite (Lib/test/test_email/data), which some
Python builds leave out; then these tests are skipped, saying so.
"""

from __future__ import annotations

import datetime as dt
import email
import pathlib

import pytest

from intake.core.model import Envelope
from intake.edges.mail.message import parse_message

CORPUS = pathlib.Path(email.__file__).parents[1] / "test" / "test_email" / "data"
FILES = sorted(p for p in CORPUS.glob("*") if p.is_file()) if CORPUS.is_dir() else []

pytestmark = pytest.mark.skipif(
    not FILES, reason=f"CPython's email test corpus is not installed (looked in {CORPUS})"
)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_message_reads_into_a_sensible_envelope(path: pathlib.Path) -> None:
    env = parse_message(path.read_bytes())
    assert isinstance(env, Envelope)
    assert env.sender_address is None or (
        "@" in env.sender_address and env.sender_address == env.sender_address.lower()
    )
    assert env.date is None or (isinstance(env.date, dt.datetime) and env.date.tzinfo is not None)
    for text in (env.subject, env.sender_name or "", *env.headers.values(), *env.problems):
        assert isinstance(text, str) and "\r" not in text and "\n" not in text
    for att in env.attachments:
        assert isinstance(att.data, bytes) and att.filename
        assert att.truncated or att.size == len(att.data)


def test_corpus_attachments_are_found() -> None:
    """Spot checks that the corpus's known attachments come out (not merely no crash)."""
    by_name = {p.name: p for p in FILES}
    if "msg_07.txt" not in by_name or "msg_22.txt" not in by_name:
        pytest.skip("the corpus lacks msg_07.txt / msg_22.txt")
    gif = parse_message(by_name["msg_07.txt"].read_bytes())
    assert [(a.filename, a.data[:4]) for a in gif.attachments] == [("dingusfish.gif", b"GIF8")]
    jpegs = parse_message(by_name["msg_22.txt"].read_bytes())
    assert [a.filename for a in jpegs.attachments] == ["wibble.JPG", "wibble2.JPG"]
