"""Hostile ZIP archives (issue 10): each is named from its central directory within
explicit caps, in its own process under an address-space limit and a CPU limit, and
gets the advice to attach the PDFs themselves."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import attacks
from intake.core.documents.zip_listing import MAX_ENTRIES, MAX_NAME_BYTES, list_zip
from intake.core.policy.rules import Rules, load_rules

REPO = Path(__file__).resolve().parents[2]
# The process that reads the archive may map at most this much in all (the interpreter,
# pydantic and the rules included), and spend this much CPU time.
ADDRESS_SPACE = 768 * 1024 * 1024
CPU_SECONDS = 10
# What describing one archive may allocate at its peak (tracemalloc): the caps' ~1 MB
# examined and 1,000 short names, with room to spare (zipfile's listing of the
# million-entry directory took ~50 MB).
MAX_PEAK_KIB = 8 * 1024

_CHILD = """
import json, resource, sys, tracemalloc
from pathlib import Path
from intake.core.documents.classify import document_of
from intake.core.model import Attachment
from intake.core.policy.rules import load_rules
rules = load_rules()
data = Path(sys.argv[1]).read_bytes()
attachment = Attachment(filename="documents.zip", declared_type="application/pdf",
                        data=data, size=len(data))
before = resource.getrusage(resource.RUSAGE_SELF)
tracemalloc.start()
document = document_of(attachment, rules, None)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "kind": document.kind.value, "reason": document.reason, "peak_kib": peak // 1024,
    "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
}))
"""

ZIPS = dict(attacks.hostile_zips())
EXPECTED = {
    "zip-million-entries": f"a ZIP archive holding more than {MAX_ENTRIES:,} files",
    "zip-long-names": "a ZIP archive holding 64 PDF files",
    "zip-directory-outside": "a ZIP archive that cannot be opened (damaged)",
    "zip64-end-outside": "a ZIP archive that cannot be opened (damaged)",
    "zip-nested-20-deep": "a ZIP archive holding 1 file, none of them a PDF",
    "zip-bomb-16-gib": "a ZIP archive holding 1000 PDF files",
}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def test_every_hostile_archive_has_its_expectation() -> None:
    assert set(ZIPS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_zip_is_named_in_bounded_memory_and_asks_for_the_pdfs(
    name: str, rules: Rules, tmp_path: Path
) -> None:
    archive = tmp_path / f"{name}.zip"
    archive.write_bytes(ZIPS[name])
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(archive)],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        preexec_fn=_limits,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    result = json.loads(done.stdout)
    assert (result["kind"], result["reason"]) == ("not_pdf", EXPECTED[name])
    assert result["peak_kib"] < MAX_PEAK_KIB, result
    advice = rules.advice("not_pdf", result["reason"])
    assert advice is not None and "attach the PDFs themselves" in advice


def test_only_the_first_entries_and_the_ends_of_long_names_are_examined() -> None:
    many = list_zip(attacks.million_entry_zip(declared=1_000_000, present=5_000))
    assert (len(many.names), many.declared, many.complete) == (MAX_ENTRIES, 1_000_000, False)
    (name,) = list_zip(attacks.long_name_zip(count=1)).names
    assert len(name) <= MAX_NAME_BYTES + 3 and name.startswith("0000") and name.endswith(".pdf")


def test_an_ordinary_archive_is_listed_whole_also_after_prepended_bytes() -> None:
    members = [("NEF 1.pdf", b"%PDF-1.4\n"), ("docs/", b""), ("notes.txt", b"hi")]
    archive = attacks.stored_zip(members)
    listing = list_zip(archive)
    assert (listing.names, listing.complete) == (("NEF 1.pdf", "docs/", "notes.txt"), True)
    # A self-extracting archive: a program before it, the offsets counted without it.
    assert list_zip(b"MZ" + bytes(5000) + archive).names == listing.names


@pytest.mark.parametrize(
    "data",
    [b"PK\x05\x06", b"PK\x03\x04" + bytes(100), attacks.stored_zip([("a.pdf", b"x")])[:-5]],
)
def test_a_cut_or_empty_record_is_damaged_not_an_error(data: bytes) -> None:
    assert list_zip(data).damaged


def test_an_archive_of_exactly_65535_entries_needs_no_zip64_record() -> None:
    """0xFFFF entries in the classic record is also a plain count when no ZIP64 locator
    precedes it (only the first `MAX_ENTRIES` are examined)."""
    archive = attacks.stored_zip([(f"{n}.pdf", b"") for n in range(0xFFFF)])
    listing = list_zip(archive)
    assert (listing.damaged, listing.declared, len(listing.names)) == (False, 0xFFFF, MAX_ENTRIES)
