"""`intake requests summary` and `intake digest` rehearse the templates they render, as the
poll does at start: a template that compiles but cannot render is a configuration error
(exit 2) naming its file and line, before anything is written or queued (a real state
folder from a real poll, the shipped templates copied and broken as a court's edit would
break them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intake.commands.cli import main
from intake.core.replies.render import DEFAULT_TEMPLATES_DIR
from intake.edges.store import Store
from tests.unit.test_packets_on_demand import polled

CLERKS = '[clerks]\naddresses = ["desk@canb.example.gov"]\n'


def _broken(tmp_path: Path, config: Path, name: str, text: str, line: int = 4) -> Path:
    """The shipped set copied, `text` inserted at `line` of `name`; the config uses it."""
    folder = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_DIR, folder)
    path = folder / name
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(line - 1, text + "\n")
    path.write_text("".join(lines))
    with config.open("a") as settings:
        settings.write(f'[reply]\ntemplates_dir = "{folder}"\n')
    return path


def _outbox(state: Path) -> list[str]:
    with Store.open(state) as store:
        return [row.kind for row in store.outbox.all()]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# Each fails on every request, or only on a request or list this state does not hold yet
# (the poll's rehearsal, which the next poll runs, would refuse it all the same).
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("summary/request.html.j2", "{{ s.attorney_nmae }}"),
        (
            "summary/request.html.j2",
            '{% if s.status == "training_required" %}{{ s.no_such_field }}{% endif %}',
        ),
        (
            "summary/index.html.j2",
            "{% if rows | length > 2 %}{{ rows[2].no_such_field }}{% endif %}",
        ),
    ],
)
@pytest.mark.parametrize("send", [False, True])
def test_requests_summary_refuses_a_template_that_cannot_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, send: bool
) -> None:
    config, layout = polled(tmp_path, CLERKS)
    summaries = layout.root / "summaries"
    before, queued = _snapshot(summaries), _outbox(layout.root)
    path = _broken(tmp_path, config, name, text)
    capsys.readouterr()
    argv = ["requests", "summary", "1", *(["--send"] if send else [])]
    assert main([*argv, "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("intake requests: templates: "), err
    assert f"template {path}, line 4:" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    # Nothing half-written: the page, packet and index as the poll left them, nothing queued.
    assert _snapshot(summaries) == before
    assert _outbox(layout.root) == queued


def test_requests_summary_is_not_refused_for_a_reply_template_it_does_not_render(
    tmp_path: Path,
) -> None:
    config, layout = polled(tmp_path)
    _broken(tmp_path, config, "reply/complete.txt.j2", "{{ decision_windw }}")
    assert main(["requests", "summary", "1", "--config", str(config)]) == 0
    assert (layout.root / "summaries" / "request-1.pdf").is_file()


@pytest.mark.parametrize("name", ["summary/digest.txt.j2", "summary/digest.html.j2"])
@pytest.mark.parametrize("argv", [["digest", "--dry-run"], ["digest", "--no-send"]])
@pytest.mark.parametrize(
    "text",
    [
        "{{ groups[0].no_such_field }}",
        # Only for a day with requests of two statuses: this state has one request.
        "{% if groups | length > 1 %}{{ groups[1].no_such_field }}{% endif %}",
    ],
)
def test_digest_refuses_a_template_that_cannot_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, argv: list[str], text: str
) -> None:
    config, layout = polled(tmp_path, CLERKS)
    queued = _outbox(layout.root)
    path = _broken(tmp_path, config, name, text)
    capsys.readouterr()
    assert main([*argv, "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("intake digest: templates: "), err
    assert f"template {path}, line 4:" in err and "the digest" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert out == ""  # no half-printed digest
    assert _outbox(layout.root) == queued  # and none queued


def test_digest_is_not_refused_for_a_page_template_it_does_not_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, _ = polled(tmp_path)
    _broken(tmp_path, config, "summary/request.html.j2", "{{ s.attorney_nmae }}")
    capsys.readouterr()
    assert main(["digest", "--dry-run", "--config", str(config)]) == 0
    assert "digest for" in capsys.readouterr().out
