"""The commands around the outbox, run in-process over a Maildir and the folder sink:
`poll --once` (sends after polling, or not with --no-send), `outbox list|send|requeue`,
`requests summary ID [--send]`, `digest [--dry-run]`."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.commands.cli import main
from intake.edges.mail.maildir import deliver
from intake.edges.store import Store

OWN = "ecf-training@canb.uscourts.gov"
CLERKS = "clerks@canb.example.gov"


def small_email(n: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Attorney {n} <attorney{n}@example-law.com>"
    message["To"] = OWN
    message["Subject"] = f"Waiver {n}"
    message["Message-ID"] = f"<waiver-{n}@example-law.com>"
    message.set_content("Attached.")
    message.add_attachment(
        b"not really a pdf", maintype="application", subtype="pdf", filename="a.pdf"
    )
    return bytes(message)


def configure(tmp_path: Path, clerks: bool = True) -> Path:
    config = tmp_path / "intake.toml"
    lines = [f'state_dir = "{tmp_path / "state"}"', "[source]", f'maildir = "{tmp_path / "mail"}"']
    if clerks:
        lines += ["[clerks]", f'addresses = ["{CLERKS}"]']
    config.write_text("\n".join(lines) + "\n")
    for n in (1, 2):
        deliver(tmp_path / "mail", small_email(n))
    return config


def outbox_files(tmp_path: Path) -> list[EmailMessage]:
    files = sorted((tmp_path / "state" / "outbox").glob("*.eml"))
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    return [m for m in parsed if isinstance(m, EmailMessage)]


def test_poll_once_sends_the_replies_to_the_outbox_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(tmp_path)
    assert main(["poll", "--once", "--config", str(config)]) == 0
    assert "outbox: 2 sent" in capsys.readouterr().err
    sent = outbox_files(tmp_path)
    assert sorted(str(m["To"]) for m in sent) == [
        "Attorney 1 <attorney1@example-law.com>",
        "Attorney 2 <attorney2@example-law.com>",
    ]
    assert main(["outbox", "list", "--config", str(config)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and all(" sent " in line for line in listing)


def test_no_send_queues_and_outbox_send_sends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(tmp_path)
    assert main(["poll", "--once", "--no-send", "--config", str(config)]) == 0
    assert outbox_files(tmp_path) == []
    assert main(["outbox", "list", "--status", "queued", "--config", str(config)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main(["outbox", "send", "--config", str(config)]) == 0
    assert "2 sent" in capsys.readouterr().out
    assert len(outbox_files(tmp_path)) == 2
    assert main(["outbox", "requeue", "1", "--config", str(config)]) == 1
    assert "not a failed message" in capsys.readouterr().err


def test_requests_summary_writes_the_page_and_packet_and_queues_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(tmp_path)
    assert main(["poll", "--once", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["requests", "summary", "1", "--send", "--config", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    html, pdf = Path(out[-2]), Path(out[-1])
    assert html.suffix == ".html" and "attorney1@example-law.com" in html.read_text()
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "index.html" in {p.name for p in html.parent.iterdir()}
    with Store.open(tmp_path / "state") as store:
        summaries = [r for r in store.outbox.all() if r.kind == "summary"]
    assert len(summaries) == 1 and summaries[0].raw is not None
    assert summaries[0].to_address == CLERKS and summaries[0].status == "queued"
    assert main(["requests", "summary", "99", "--config", str(config)]) == 1


def test_digest_dry_run_prints_and_digest_sends_to_the_clerks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(tmp_path)
    assert main(["poll", "--once", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["digest", "--dry-run", "--config", str(config)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Subject: CM/ECF waiver requests") and "2 incomplete" in printed
    assert "Attorney 1" in printed and "Attorney 2" in printed
    assert main(["digest", "--config", str(config)]) == 0
    digests = [m for m in outbox_files(tmp_path) if str(m["To"]) == CLERKS]
    assert len(digests) == 1 and digests[0]["Auto-Submitted"] == "auto-generated"


def test_digest_without_a_clerks_address_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = configure(tmp_path, clerks=False)
    assert main(["poll", "--once", "--config", str(config)]) == 0
    assert main(["digest", "--config", str(config)]) == 2
    assert "no clerks' address" in capsys.readouterr().err
