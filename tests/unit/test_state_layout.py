"""One StateLayout names every path of the state folder: no module spells one itself, and
everything a poll leaves in the folder is at a path the layout names."""

from __future__ import annotations

import re
from pathlib import Path

from intake.commands.cli import main
from intake.edges.mail.maildir import deliver
from intake.edges.state_layout import StateLayout

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "eml"


def test_no_module_spells_a_path_of_the_state_folder() -> None:
    spelt = re.compile(r"state_dir\s*/\s*[\"']|[\"'](intake\.sqlite3|poll\.lock)[\"']")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "intake").rglob("*.py")
        if path.name != "state_layout.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if spelt.search(line)
    ]
    assert offenders == []


def test_a_poll_leaves_files_only_where_the_layout_says(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    deliver(mail, (FIXTURES / "complete-mixed-courts.eml").read_bytes())
    deliver(mail, b"From: a@example-law.test\r\nContent-Type: multipart/mixed\r\n\r\n" + b"\0" * 64)
    config = tmp_path / "intake.toml"
    # With a clerks' address, so that the poll draws the packet too.
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{mail}"\n'
        '[clerks]\naddresses = ["clerks@canb.test"]\n'
    )
    assert main(["poll", "--once", "--config", str(config)]) == 0
    layout = StateLayout(tmp_path / "state")
    named_files = {layout.database, layout.poll_lock, layout.index_page}
    named_dirs = {layout.documents_dir, layout.summaries_dir, layout.outbox_dir, layout.failed_dir}
    stray = []
    for path in layout.root.rglob("*"):
        if path.is_dir() or path in named_files or path.name.startswith(layout.DATABASE):
            continue  # the database's -wal and -shm files sit beside it
        if path.parent not in named_dirs:
            stray.append(path)
    assert stray == []
    assert any(layout.documents_dir.iterdir())  # the PDFs were kept where it says
    assert layout.summary_page(1).exists() and layout.summary_packet(1).exists()
