"""What many test modules share, made once per test session.

`fixture_emails`: the generated fixture emails (fixtures/eml), each parsed and its PDFs
read with the shipped rules at most once per session. Reading runs the sandboxed PDF
reader, the slow part of the suite; the modules that judge every fixture (the contract
check, the reply and summary wording) share these readings instead of each reading all
of them again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from intake.core.model import Document, Envelope
from intake.core.policy.rules import Rules, load_rules
from intake.edges.mail.message import parse_message
from intake.service.documents import read_documents

EML_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "eml"


@dataclass(frozen=True)
class ReadEmail:
    envelope: Envelope
    documents: tuple[Document, ...]


@dataclass
class FixtureEmails:
    """The fixture emails, read on first use and kept for the session."""

    rules: Rules
    folder: Path = EML_DIR
    _read: dict[str, ReadEmail] = field(default_factory=dict)

    def names(self) -> list[str]:
        return sorted(p.name for p in self.folder.glob("*.eml"))

    def read(self, name: str) -> ReadEmail:
        if name not in self._read:
            envelope = parse_message((self.folder / name).read_bytes())
            documents = tuple(read_documents(envelope, self.rules))
            self._read[name] = ReadEmail(envelope, documents)
        return self._read[name]


@pytest.fixture(scope="session", autouse=True)
def own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`intake check` keeps the loaded rules in the user's cache folder
    (intake/edges/rules_cache.py): the tests', and their commands', is a scratch one."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(folder))
    yield folder
    patch.undo()


@pytest.fixture(scope="session")
def fixture_emails() -> FixtureEmails:
    return FixtureEmails(load_rules())
