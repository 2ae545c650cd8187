"""The command line starts quickly: building the parser imports no heavy module, and a
command imports only what it uses. Each case runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

from intake.commands.requests import REQUEST_STATUSES
from intake.edges.store import RequestStatus

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Run `main(argv)` in a new interpreter and print which of the watched modules it loaded.
PROBE = """
import contextlib, io, json, sys
from intake.commands.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
watched = WATCHED
print(json.dumps({"code": code, "loaded": sorted(m for m in watched if m in sys.modules)}))
"""

HEAVY = [
    "pypdf",
    "pdfplumber",
    "jinja2",
    "apscheduler",
    "imap_tools",
    "pydantic",
    "intake.edges.store",
    "intake.service.cycle",
    "intake.service.daemon",
    "intake.config",
    "intake.edges.pdf.pool",
    "intake.edges.mail.message",
    "intake.core.documents.letter",
    "reportlab",
    "pdfminer",
    "holidays",
    "publicsuffixlist",
    "tnefparse",
    # pydantic's look-up of plugins (intake/commands/cli.py answers it: none)
    "importlib.metadata",
    # only to load rules that are not in the cache (intake/edges/rules_cache.py)
    "tomllib",
    "difflib",
    "logging",
    # the shipped rules and templates are found beside the package (intake/shipped.py)
    "importlib.resources",
]


def loaded_by(*argv: str, env: dict[str, str] | None = None) -> tuple[object, list[str]]:
    code = PROBE.replace("WATCHED", repr(HEAVY))
    out = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["code"], result["loaded"]


def test_help_imports_no_heavy_module() -> None:
    code, loaded = loaded_by("--help")
    assert code == 0
    assert loaded == []


def test_check_imports_neither_the_store_nor_the_daemon_nor_imap() -> None:
    eml = sorted((ROOT / "fixtures" / "eml").glob("*.eml"))[0]
    code, loaded = loaded_by("check", "--json", str(eml))
    assert code == 0
    assert "pydantic" in loaded  # it did read the email: the model is pydantic's
    unused = {
        "intake.edges.store",
        "intake.service.cycle",
        "intake.service.daemon",
        "apscheduler",
        "imap_tools",
    }
    assert not unused & set(loaded)


def test_check_of_a_few_files_starts_no_reader_process_and_a_pdf_no_mime_parser(
    tmp_path: pathlib.Path,
) -> None:
    # A few files are read in forks of the command (intake/edges/forked.py): the pool of
    # reader interpreters (~0.3 s of CPU each to start) is never loaded.
    from tests.unit.test_pdf import NEF_LINES, make_pdf

    pdf = tmp_path / "nef.pdf"
    pdf.write_bytes(make_pdf([list(NEF_LINES)]))
    code, loaded = loaded_by("check", str(pdf))
    assert code == 0
    assert "intake.edges.pdf.pool" not in loaded
    assert "intake.edges.mail.message" not in loaded
    assert "intake.core.documents.letter" not in loaded  # a notice alone needs no letter reader
    eml = sorted((ROOT / "fixtures" / "eml").glob("*.eml"))[0]
    code, loaded = loaded_by("check", str(eml), str(pdf))
    assert code == 0
    assert "intake.edges.mail.message" in loaded and "intake.edges.pdf.pool" not in loaded


# What no `intake check` uses: the daemon's scheduler and mailbox, the clerks' pages and
# packets (jinja2, reportlab), the other PDF libraries (the reading is PDFium's, in a
# fork), the calendar of holidays and the sender checks of replies, the state.
NEVER_FOR_CHECK = {
    "apscheduler",
    "imap_tools",
    "jinja2",
    "reportlab",
    "pypdf",
    "pdfplumber",
    "pdfminer",
    "holidays",
    "publicsuffixlist",
    "intake.config",
    "intake.edges.store",
    "intake.service.cycle",
    "intake.service.daemon",
    "importlib.resources",
}


def test_check_of_a_notice_a_letter_or_an_email_loads_only_what_it_uses(
    tmp_path: pathlib.Path,
) -> None:
    from fixtures.letters import example_letter
    from fixtures.pdfs import letter_pdf
    from tests.unit.test_pdf import NEF_LINES, make_pdf

    nef, letter = tmp_path / "nef.pdf", tmp_path / "letter.pdf"
    nef.write_bytes(make_pdf([list(NEF_LINES)]))
    letter.write_bytes(letter_pdf(example_letter()))
    eml = ROOT / "fixtures" / "eml" / "complete-outlook-prints.eml"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for argv in (["check", str(nef)], ["check", "--json", str(letter)], ["check", str(eml)]):
        for _ in ("loaded", "then kept"):  # the rules loaded and validated, then cached
            code, loaded = loaded_by(*argv, env=env)
            assert code == 0, argv
            assert not NEVER_FOR_CHECK & set(loaded), argv
    code, loaded = loaded_by("check", str(nef), env=env)
    assert "tnefparse" not in loaded and "intake.core.documents.letter" not in loaded
    # Its rules came from the cache: no TOML parsed, no pattern checked; and no look-up
    # of pydantic plugins.
    assert not {"tomllib", "difflib", "importlib.metadata"} & set(loaded)
    # Its read is in a fork: the command itself never logs (nor loads `logging`).
    assert "logging" not in loaded
    assert len(list((tmp_path / "cache" / "intake").iterdir())) == 1


def test_a_poll_that_draws_no_packet_loads_neither_reportlab_nor_pypdf(
    tmp_path: pathlib.Path,
) -> None:
    # The clerks' packet is drawn in its own child (clerk_files.PACKET_TASK), only when
    # someone receives it: the poll itself passes packets on, never draws one.
    mail = tmp_path / "mail"
    for sub in ("new", "cur", "tmp"):
        (mail / sub).mkdir(parents=True)
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\nown_address = "intake@court.test"\n'
        f'[source]\nkind = "maildir"\nmaildir = "{mail}"\n'
    )
    code, loaded = loaded_by("poll", "--once", "--config", str(config))
    assert code == 0
    assert "intake.service.cycle" in loaded  # it did poll
    assert not {"reportlab", "pypdf"} & set(loaded)


def test_a_named_command_loads_no_other_command_s_module() -> None:
    watched = [f"intake.commands.{name}" for name in ("check", "poll", "requests", "status")]
    for argv, expected in [
        (["check", "--help"], ["intake.commands.check"]),
        (["--config", "x.toml", "status", "--help"], ["intake.commands.status"]),
        (["--help"], watched),
    ]:
        code = PROBE.replace("WATCHED", repr(watched))
        out = subprocess.run(
            [sys.executable, "-c", code, *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        loaded = json.loads(out.stdout.strip().splitlines()[-1])["loaded"]
        assert loaded == expected


def test_check_of_many_files_reads_with_the_reader_pool() -> None:
    emls = sorted((ROOT / "fixtures" / "eml").glob("*.eml"))[:4]
    code, loaded = loaded_by("check", *map(str, emls))
    assert code == 0
    assert "intake.edges.pdf.pool" in loaded


def test_the_requests_parser_offers_every_request_status() -> None:
    assert set(REQUEST_STATUSES) == {s.value for s in RequestStatus}


def test_the_pydantic_plugin_stand_in_gives_the_real_loader_for_any_other_name() -> None:
    # A later pydantic that asks its loader for another function must get it, not an
    # AttributeError at the first model it builds.
    code = (
        "import sys\n"
        "from intake.commands.cli import _without_pydantic_plugins\n"
        "_without_pydantic_plugins()\n"
        "stand_in = sys.modules['pydantic.plugin._loader']\n"
        "assert stand_in.get_plugins() == ()\n"
        "assert 'importlib.metadata' not in sys.modules\n"
        "from pydantic.plugin._loader import get_plugins, _plugins\n"
        "assert isinstance(_plugins, (dict, type(None)))\n"
        "assert sys.modules['pydantic.plugin._loader'] is not stand_in\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
