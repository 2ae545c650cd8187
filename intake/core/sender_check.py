"""Is the sender's address authenticated? Read from Authentication-Results (RFC 8601). Pure.

The court's own mail server checks SPF, DKIM and DMARC on arrival and records what it
found in an `Authentication-Results` header, naming itself by its `authserv-id`. Anyone
can write such a header into a message too, so only headers that carry one of the
configured authserv-ids count (RFC 8601 section 5: the server removes forged copies of
its own), and of those only the topmost, the one the last hop added.

The sender is verified when that header shows, for the domain of the From address:
- `dmarc=pass` with `header.from` that domain; or, when the server reports no DMARC
  verdict for it (the domain publishes no policy: `dmarc=none`, or no `dmarc` result):
- `dkim=pass` with `header.d` (or `header.i`) aligned with it; or
- `spf=pass` with `smtp.mailfrom` (or `smtp.helo` never: a host name proves nothing)
  aligned with it.
A `dmarc=fail` (or other non-pass verdict) for the From domain is final: the server
applied the domain's own policy, with its `adkim`/`aspf` modes, which this module does
not see (it reads no DNS). So a domain asking for strict alignment (`adkim=s`) is not
verified here by a relaxed match its policy refuses.

Aligned is relaxed DMARC alignment (RFC 7489 3.1, the default mode): the same
organizational domain. The organizational domain is found as RFC 7489 3.2 says: the
public suffix of the domain by the Public Suffix List, plus one more label
(`mail.example.co.uk` -> `example.co.uk`, `a.b.example.com` -> `example.com`). The
whole list counts, its private section included (RFC 7489 uses the list as published):
`alice.github.io` and `bob.github.io` are different owners' and do not align. A domain
that is itself a public suffix is its own organizational domain (it aligns only with
itself). The list is the one shipped inside the `publicsuffixlist` package, read once
from the package on first use; nothing is downloaded.

Without configured authserv-ids the check is off (`gate_on=False`): every sender counts
as it always did, and `intake config check` says so.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from publicsuffixlist import PublicSuffixList

_MAX_HEADER_CHARS = 8192
_NO_POLICY = frozenset({"none", "bestguesspass"})
_MAX_COMMENT_DEPTH = 8
_TOKEN = re.compile(r'(?:[^\s;"]|"(?:[^"\\]|\\.)*")+')


@dataclass(frozen=True)
class MethodResult:
    method: str  # "dmarc", "dkim", "spf", ...
    result: str  # "pass", "fail", "none", ...
    properties: dict[str, str]  # "header.from" -> "example.com"


@dataclass(frozen=True)
class SenderCheck:
    gate_on: bool
    verified: bool
    summary: str  # one line for the audit and the clerk's page
    results: tuple[str, ...] = ()  # the trusted header(s) as received

    @property
    def state(self) -> str:
        """'off' | 'verified' | 'not_verified', as stored and shown."""
        if not self.gate_on:
            return "off"
        return "verified" if self.verified else "not_verified"


GATE_OFF = SenderCheck(gate_on=False, verified=False, summary="sender check off")


def check_sender(
    from_address: str | None, headers: Sequence[str], authserv_ids: Collection[str]
) -> SenderCheck:
    """The verdict on `from_address` from the message's Authentication-Results headers."""
    trusted_ids = {i.strip().lower() for i in authserv_ids if i.strip()}
    if not trusted_ids:
        return GATE_OFF
    domain = (from_address or "").rpartition("@")[2].strip().lower()
    if not domain:
        return SenderCheck(True, False, "no sender address to authenticate")
    for header in headers:
        parsed = parse_authentication_results(header)
        if parsed is None or parsed[0] not in trusted_ids:
            continue
        authserv_id, results = parsed
        passing = _aligned_pass(results, domain)
        shown = "; ".join(_describe(r) for r in results) or "no results"
        if passing is not None:
            return SenderCheck(True, True, f"{passing} (by {authserv_id})", (header,))
        return SenderCheck(
            True, False, f"no aligned pass for {domain}: {shown} (by {authserv_id})", (header,)
        )
    ids = ", ".join(sorted(trusted_ids))
    return SenderCheck(True, False, f"no Authentication-Results from our mail server ({ids})")


def parse_authentication_results(header: str) -> tuple[str, list[MethodResult]] | None:
    """(authserv-id lower-cased, its method results), or None when the header is unusable."""
    text = _without_comments(header[:_MAX_HEADER_CHARS])
    if text is None:
        return None
    pieces = _split_semicolons(text)
    if not pieces:
        return None
    head = pieces[0].split()
    if not head:
        return None
    authserv_id = head[0].strip().lower()
    results: list[MethodResult] = []
    for piece in pieces[1:]:
        tokens = _TOKEN.findall(piece)
        if not tokens or "=" not in tokens[0]:
            continue  # "none" (no checks were made), or noise
        method, _, result = tokens[0].partition("=")
        properties: dict[str, str] = {}
        for token in tokens[1:]:
            key, eq, value = token.partition("=")
            if eq and "." in key:
                properties.setdefault(key.lower(), value.strip('"').strip().lower())
        results.append(MethodResult(method.split("/")[0].lower(), result.lower(), properties))
    return authserv_id, results


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    """The Public Suffix List shipped with the package (ICANN and private sections)."""
    return PublicSuffixList()


def organizational_domain(domain: str) -> str:
    """RFC 7489 3.2: the domain's public suffix plus one label; a public suffix itself
    (or a name the list cannot place) stands for itself."""
    name = ".".join(label for label in domain.lower().strip().strip(".").split(".") if label)
    if not name:
        return ""
    return _public_suffixes().privatesuffix(name) or name


def aligned(domain: str, other: str) -> bool:
    other = other.strip().lower().lstrip("@")
    other = other.rpartition("@")[2]
    return bool(other) and organizational_domain(domain) == organizational_domain(other)


def _aligned_pass(results: Sequence[MethodResult], domain: str) -> str | None:
    verdicts = [
        r.result
        for r in results
        if r.method == "dmarc" and r.properties.get("header.from") == domain
    ]
    if "pass" in verdicts:
        return f"dmarc=pass header.from={domain}"
    # "none": no policy published (Microsoft's "bestguesspass" says the same, with a
    # guess); anything else (fail, quarantine, temperror...) is the policy's refusal.
    if any(verdict not in _NO_POLICY for verdict in verdicts):
        return None
    for r in results:
        if r.method == "dkim" and r.result == "pass":
            signer = r.properties.get("header.d") or r.properties.get("header.i", "")
            if aligned(domain, signer):
                return f"dkim=pass header.d={signer}, aligned with {domain}"
    for r in results:
        if r.method == "spf" and r.result == "pass":
            mailfrom = r.properties.get("smtp.mailfrom", "")
            if aligned(domain, mailfrom):
                return f"spf=pass smtp.mailfrom={mailfrom}, aligned with {domain}"
    return None


def _describe(result: MethodResult) -> str:
    props = " ".join(f"{k}={v}" for k, v in result.properties.items())
    return f"{result.method}={result.result}" + (f" {props}" if props else "")


def _without_comments(text: str) -> str | None:
    """The header with its (nested) comments removed; None when nested too deeply."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            if depth == 0:
                out.append(ch)
            continue
        if quoted:
            quoted = ch != '"'
            out.append(ch)
            continue
        if ch == '"' and depth == 0:
            quoted = True
            out.append(ch)
        elif ch == "(":
            depth += 1
            if depth > _MAX_COMMENT_DEPTH:
                return None
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                out.append(" ")
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _split_semicolons(text: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            pieces.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current).strip())
    return [p for p in pieces if p]
