"""Sender authentication from Authentication-Results (RFC 8601): whose header counts, and
what an aligned pass is."""

from __future__ import annotations

import pytest

from intake.core.sender_check import (
    aligned,
    check_sender,
    organizational_domain,
    parse_authentication_results,
)

OURS = ("mx.canb.example.gov",)


def test_without_authserv_ids_the_check_is_off() -> None:
    check = check_sender("jane@law.example", ["mx.canb.example.gov; dmarc=fail"], ())
    assert not check.gate_on and check.state == "off"


@pytest.mark.parametrize(
    "header",
    [
        "mx.canb.example.gov; dmarc=pass (p=reject dis=none) header.from=law.example",
        "mx.canb.example.gov 1; dkim=pass (2048-bit key) header.d=law.example header.s=s1",
        "MX.CANB.EXAMPLE.GOV; dkim=pass header.i=@mail.law.example",
        "mx.canb.example.gov; spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=bounce@law.example",
        'mx.canb.example.gov; spf=none; dkim=pass header.d="law.example"; dmarc=none',
    ],
)
def test_an_aligned_pass_from_our_server_verifies(header: str) -> None:
    check = check_sender("jane@law.example", [header], OURS)
    assert check.gate_on and check.verified, check.summary
    assert check.results == (header,)


@pytest.mark.parametrize(
    "header",
    [
        "mx.canb.example.gov; dmarc=fail header.from=law.example",
        "mx.canb.example.gov; dkim=pass header.d=elsewhere.example",
        "mx.canb.example.gov; spf=pass smtp.mailfrom=x@elsewhere.example; dkim=fail",
        "mx.canb.example.gov; spf=pass smtp.helo=law.example",
        "mx.canb.example.gov; dmarc=pass header.from=other.example",
        "mx.canb.example.gov; none",
        "mx.canb.example.gov (((((((((((deep))))))))))); dmarc=pass header.from=law.example",
    ],
)
def test_no_aligned_pass_is_not_verified(header: str) -> None:
    check = check_sender("jane@law.example", [header], OURS)
    assert check.gate_on and not check.verified
    assert check.state == "not_verified"


def test_a_header_from_anyone_else_is_ignored() -> None:
    forged = "mx.attacker.example; dmarc=pass header.from=law.example"
    check = check_sender("jane@law.example", [forged], OURS)
    assert not check.verified and "no Authentication-Results from our mail server" in check.summary


def test_only_the_topmost_header_of_our_server_counts() -> None:
    """A copy with our id lower down was written before our server saw the message."""
    ours = "mx.canb.example.gov; dmarc=fail header.from=law.example"
    planted = "mx.canb.example.gov; dmarc=pass header.from=law.example"
    assert not check_sender("jane@law.example", [ours, planted], OURS).verified


def test_comments_and_quoted_values_are_read() -> None:
    parsed = parse_authentication_results(
        'mx.x (version 1.2; "quoted") ; dkim=pass (good (nested) key) header.d="a.example"'
    )
    assert parsed is not None
    authserv, results = parsed
    assert authserv == "mx.x"
    assert results[0].method == "dkim" and results[0].properties["header.d"] == "a.example"


@pytest.mark.parametrize(
    ("domain", "organizational"),
    [
        ("law.example", "law.example"),
        ("mail.law.example", "law.example"),
        ("a.b.firm.co.uk", "firm.co.uk"),
        ("firm.com.au", "firm.com.au"),
        ("mail.example.co.uk", "example.co.uk"),
        ("a.b.example.com", "example.com"),
        ("Mail.Example.COM.", "example.com"),
        # Where a last-labels rule goes wrong: suffixes of three labels, and wildcards.
        ("smtp.firm.pvt.k12.ma.us", "firm.pvt.k12.ma.us"),
        ("mx.city.kawasaki.jp", "city.kawasaki.jp"),
        ("a.b.c.d.kyoto.jp", "d.kyoto.jp"),
        ("mx.owner.city.nom.br", "owner.city.nom.br"),  # *.nom.br: city.nom.br is a suffix
        # The private section counts: each name under github.io is its owner's.
        ("www.alice.github.io", "alice.github.io"),
        ("alice.blogspot.com", "alice.blogspot.com"),
        # A public suffix itself stands for itself.
        ("co.uk", "co.uk"),
        ("github.io", "github.io"),
    ],
)
def test_organizational_domain(domain: str, organizational: str) -> None:
    assert organizational_domain(domain) == organizational


def test_relaxed_alignment() -> None:
    assert aligned("law.example", "mail.law.example")
    assert aligned("law.example", "@law.example")
    assert aligned("law.example", "bounces@news.law.example")
    assert not aligned("law.example", "law-example.com")
    assert not aligned("law.example", "")


@pytest.mark.parametrize(
    ("domain", "other"),
    [
        ("example.co.uk", "mail.example.co.uk"),
        ("example.com", "a.b.example.com"),
        ("news.example.com", "bounces.example.com"),
        ("alice.github.io", "mail.alice.github.io"),
    ],
)
def test_relaxed_alignment_by_the_public_suffix_list(domain: str, other: str) -> None:
    assert aligned(domain, other) and aligned(other, domain)


@pytest.mark.parametrize(
    ("domain", "other"),
    [
        ("example.co.uk", "evil.co.uk"),
        ("example.co.uk", "co.uk"),
        ("alice.github.io", "bob.github.io"),
        ("alice.github.io", "github.io"),
        ("firm.pvt.k12.ma.us", "other.pvt.k12.ma.us"),
        ("example.com", "example.com.evil.test"),
    ],
)
def test_no_alignment_across_a_public_suffix(domain: str, other: str) -> None:
    assert not aligned(domain, other) and not aligned(other, domain)


def test_a_dkim_pass_of_a_sibling_under_a_public_suffix_does_not_verify() -> None:
    header = (
        "mx.canb.example.gov; dkim=pass header.d=evil.co.uk; spf=pass smtp.mailfrom=x@evil.co.uk"
    )
    assert not check_sender("jane@example.co.uk", [header], OURS).verified
    subdomain = "mx.canb.example.gov; dkim=pass header.d=mail.example.co.uk"
    assert check_sender("jane@example.co.uk", [subdomain], OURS).verified


@pytest.mark.parametrize("verdict", ["fail", "quarantine", "temperror", "permerror"])
def test_the_domains_own_dmarc_verdict_is_final(verdict: str) -> None:
    """Strict alignment (adkim=s/aspf=s) lives in the domain's DMARC record, which our
    server applied: a relaxed DKIM match does not override its refusal."""
    header = (
        f"mx.canb.example.gov; dkim=pass header.d=mail.example.com; "
        f"dmarc={verdict} (p=reject adkim=s) header.from=example.com"
    )
    check = check_sender("jane@example.com", [header], OURS)
    assert not check.verified, check.summary


@pytest.mark.parametrize("verdict", ["none", "bestguesspass"])
def test_without_a_published_policy_an_aligned_dkim_pass_verifies(verdict: str) -> None:
    header = (
        f"mx.canb.example.gov; dkim=pass header.d=mail.example.com; "
        f"dmarc={verdict} header.from=example.com"
    )
    assert check_sender("jane@example.com", [header], OURS).verified
