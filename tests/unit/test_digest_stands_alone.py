"""The digest and the index stand alone: per request its status, the NEFs that count,
the letter, complete since and decide by (the court's business days), what is missing;
and no link in an email that a mail client cannot follow (absolute from
`[clerks] base_url`, or none)."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.commands.cli import main
from intake.edges.mail.maildir import deliver

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
BASE = "https://intake.canb.example/summaries/"
SOME = ("complete-mixed-courts.eml", "incomplete-five-nefs.eml", "needs-review-image-letter.eml")


def _setup(tmp_path: Path, capsys: pytest.CaptureFixture[str], base: str | None) -> Path:
    config = tmp_path / "intake.toml"
    clerks = '[clerks]\naddresses = ["clerks@canb.example"]\n'
    if base:
        clerks += f'base_url = "{base.rstrip("/")}"\n'  # the trailing slash is added
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{tmp_path / "mail"}"\n' + clerks
    )
    for name in SOME:
        deliver(tmp_path / "mail", (FIXTURES / name).read_bytes())
    assert main(["poll", "--once", "--config", str(config)]) == 0
    assert main(["digest", "--config", str(config)]) == 0
    capsys.readouterr()
    return config


def _sent(tmp_path: Path, kind: str) -> list[EmailMessage]:
    out = []
    for path in sorted((tmp_path / "state" / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        subject = str(message["Subject"]).strip()  # a folded Subject starts with a space
        if kind == "digest" and subject.startswith("CM/ECF waiver requests"):
            out.append(message)
        if kind == "summary" and subject.startswith("Waiver request"):
            out.append(message)
    return out


def _html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return " ".join(str(part.get_content()).split())


def test_the_digest_says_what_a_clerk_decides_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _setup(tmp_path, capsys, BASE)
    (digest,) = _sent(tmp_path, "digest")
    text = _text(digest)
    assert "NEFs that count: 6 of 6; letter: in order" in text
    assert re.search(r"complete since \d{4}-\d\d-\d\d \d\d:\d\d P[SD]T; decide by \w+day, ", text)
    assert "NEFs that count: 5 of 6" in text and "still missing: 1 more qualifying" in text
    assert "Needs review by a clerk (1)" in text
    html = _html(digest)
    for words in ("NEFs that count", "Complete since", "Decide by", "Still missing"):
        assert words in html


def test_email_links_are_absolute_from_the_base_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _setup(tmp_path, capsys, BASE)
    messages = [*_sent(tmp_path, "digest"), *_sent(tmp_path, "summary")]
    assert len(messages) >= 3  # the digest and the summaries of complete / needs review
    hrefs = [h for m in messages for h in re.findall(r'href="([^"]*)"', _html(m))]
    assert hrefs and all(h.startswith(BASE) for h in hrefs), hrefs
    # The digest's link goes to a page that exists under the summaries folder.
    digest_hrefs = re.findall(r'href="([^"]*)"', _html(_sent(tmp_path, "digest")[0]))
    for href in digest_hrefs:
        assert (tmp_path / "state" / "summaries" / href.removeprefix(BASE)).exists()


def test_without_a_base_url_an_email_has_no_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _setup(tmp_path, capsys, None)
    messages = [*_sent(tmp_path, "digest"), *_sent(tmp_path, "summary")]
    assert messages
    for message in messages:
        assert "href=" not in _html(message)
    assert "set [clerks] base_url" in _html(_sent(tmp_path, "digest")[0])


def test_the_index_page_stands_alone_and_its_links_resolve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _setup(tmp_path, capsys, None)
    index = tmp_path / "state" / "summaries" / "index.html"
    page = index.read_text()
    for words in ("NEFs that count", "Letter", "Complete since", "Decide by", "Still missing"):
        assert words in page
    assert "6 of 6" in page and "5 of 6" in page and "1 more qualifying" in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs
    for href in hrefs:
        assert "://" not in href and (index.parent / href).exists()
    # The request page's own links (packet, original PDFs) resolve on disk too.
    request_page = index.parent / hrefs[0]
    links = re.findall(r'href="([^"]*)"', request_page.read_text())
    assert any(link.endswith(".pdf") and "../documents/" in link for link in links)
    for link in links:
        assert (request_page.parent / link).resolve().exists(), link


def test_a_base_url_that_is_not_absolute_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "intake.toml"
    config.write_text('[clerks]\nbase_url = "summaries/"\n')
    assert main(["config", "show", "--config", str(config)]) == 2
    assert "must be an absolute http(s) URL" in capsys.readouterr().err
