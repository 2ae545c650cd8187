"""Header caps on the raw bytes, before any parser: bounded work whatever the headers."""

from __future__ import annotations

import time

from intake.edges.mail.header_caps import HeaderLimits, cap_headers
from intake.edges.mail.message import parse_message


def words(n: int) -> str:
    return " ".join(f"=?utf-8?q?w{i}?=" for i in range(n))


def test_an_ordinary_message_passes_through_unchanged() -> None:
    data = (
        b"From: Jane Doe <jane@law.example>\r\nSubject: =?utf-8?q?Caf=C3=A9?= waiver\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
        b'Content-Type: application/pdf; name="=?utf-8?q?L=C3=A9tter?=.pdf"\r\n\r\n%PDF-1.4\r\n'
        b"--B--\r\n"
    )
    assert cap_headers(data) == (data, [])


def test_too_many_encoded_words_keep_the_first_ones() -> None:
    data = f"From: j@law.example\r\nSubject: {words(5000)}\r\n\r\nbody\r\n".encode()
    capped, notes = cap_headers(data, HeaderLimits(max_encoded_words=10))
    assert capped.count(b"=?utf-8?q?") == 10
    assert capped.endswith(b"\r\n\r\nbody\r\n")
    assert any("Subject" in n and "encoded words" in n for n in notes)


def test_an_oversized_or_nested_from_keeps_its_address_only() -> None:
    nested = "(" * 30_000 + ")" * 30_000
    for header in (f"{words(20_000)} <jane@law.example>", f"{nested} jane@law.example"):
        data = f"From: {header}\r\nSubject: s\r\n\r\nb\r\n".encode()
        capped, notes = cap_headers(data)
        assert capped.startswith(b"From: jane@law.example\r\nSubject: s\r\n")
        assert any("From" in n for n in notes)


def test_part_headers_are_capped_too() -> None:
    data = (
        "From: j@law.example\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
        f'Content-Disposition: attachment; filename="{words(20_000)}"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4 data\r\n--B--\r\n"
    ).encode()
    capped, notes = cap_headers(data)
    assert len(capped) < 4_000 and b"%PDF-1.4 data" in capped
    assert any("Content-Disposition" in n for n in notes)


def test_a_long_header_is_cut_and_too_many_headers_are_dropped() -> None:
    limits = HeaderLimits(max_header_bytes=100, max_headers=5)
    data = b"From: j@law.example\r\nX-Long: " + b"a " * 500 + b"\r\n"
    data += b"".join(b"X-%d: v\r\n" % i for i in range(10)) + b"\r\nbody"
    capped, notes = cap_headers(data, limits)
    head = capped.split(b"\r\n\r\n")[0]
    assert len(head.split(b"\r\n")) == 5 and len(capped) < 300
    assert capped.endswith(b"\r\n\r\nbody")
    assert len(notes) == 2


def test_the_parser_reads_the_attacks_in_milliseconds_and_says_what_it_trimmed() -> None:
    attacks = [
        f"From: Jane <jane@law.example>\r\nSubject: {words(20_000)}\r\n\r\nb\r\n",
        f"From: {words(20_000)} <jane@law.example>\r\nSubject: s\r\n\r\nb\r\n",
        "From: " + "(" * 60_000 + ")" * 60_000 + " jane@law.example\r\n\r\nb\r\n",
    ]
    for text in attacks:
        started = time.process_time()
        envelope = parse_message(text.encode())
        assert time.process_time() - started < 2.0
        assert envelope.sender_address == "jane@law.example"
        assert envelope.problems
