"""Templates rendered against sample situations when loaded, and a reply that fails to
render leaving its email retryable (real SQLite store, real templates copied and broken
as a court's edit would break them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intake.config import Settings
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.compose import ReplySettings
from intake.core.replies.rehearse import rehearse
from intake.core.replies.render import DEFAULT_TEMPLATES_DIR, compile_templates
from intake.edges.store import MessageStatus, Store
from intake.service.cycle import poll_once
from intake.service.enqueue import outgoing_from_settings, reply_settings
from intake.service.reprocess import retry_failed
from tests.emails import OWN, small_email
from tests.unit.test_pipeline import ListSource


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_DIR, folder)
    return folder


def _insert(path: Path, line_no: int, text: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(line_no - 1, text + "\n")
    path.write_text("".join(lines))


def _settings(tmp_path: Path, rules: Rules) -> ReplySettings:
    return reply_settings(Settings(state_dir=tmp_path / "state"), rules)


def test_the_shipped_templates_render_every_situation(tmp_path: Path, rules: Rules) -> None:
    templates, problems = compile_templates(DEFAULT_TEMPLATES_DIR)
    assert problems == []
    assert rehearse(templates, _settings(tmp_path, rules)) == []


@pytest.mark.parametrize(
    ("name", "situation"),
    [
        ("reply/incomplete.txt.j2", "the incomplete reply"),
        ("reply/training_required.html.j2", "the training_required reply"),
        ("reply/already_complete.txt.j2", "the already_complete reply"),
        ("summary/request.html.j2", "the clerk's page"),
        ("summary/digest.txt.j2", "the digest"),
    ],
)
def test_a_template_that_compiles_but_cannot_render_is_refused_with_file_and_line(
    tmp_path: Path, rules: Rules, name: str, situation: str
) -> None:
    folder = _folder(tmp_path)
    _insert(folder / name, 4, "{{ attorney_nmae }}{{ s.no_such_field if s is defined }}")
    templates, problems = compile_templates(folder)
    assert problems == []  # it compiles
    found = rehearse(templates, _settings(tmp_path, rules))
    assert found, "the rehearsal must refuse it"
    assert any(f"template {folder / name}, line 4:" in p and situation in p for p in found), found


def test_load_runtime_and_config_check_refuse_it(tmp_path: Path) -> None:
    from intake.service.runtime import RuntimeProblem, load_runtime

    folder = _folder(tmp_path)
    _insert(folder / "reply/complete.txt.j2", 4, "{{ decision_windw }}")
    config = tmp_path / "intake.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n[reply]\ntemplates_dir = "{folder}"\n')
    with pytest.raises(RuntimeProblem) as caught:
        load_runtime(config)
    assert f"{folder / 'reply/complete.txt.j2'}, line 4" in str(caught.value)
    assert "decision_windw" in str(caught.value)


def test_a_reply_that_fails_to_render_leaves_its_email_retryable(
    tmp_path: Path, rules: Rules
) -> None:
    # A failure the samples cannot foresee: only for one sender's name.
    folder = _folder(tmp_path)
    broken = folder / "reply/not_pdf.txt.j2"
    _insert(broken, 4, '{% if "Zed" in attorney_name %}{{ zed_greeting }}{% endif %}')
    templates, problems = compile_templates(folder)
    assert problems == [] and rehearse(templates, _settings(tmp_path, rules)) == []
    settings = Settings(state_dir=tmp_path / "state")
    outgoing = outgoing_from_settings(settings, rules, templates)
    source = ListSource()
    source.add(small_email(1, "zed@example-law.test").replace(b"Jane Doe", b"Zed Zulu"))
    source.add(small_email(2, "amy@example-law.test"))
    with Store.open(tmp_path / "state") as store:
        result = poll_once(source, store, rules, own_address=OWN, outgoing=outgoing)
        assert (result.failed, result.processed) == (1, 1)
        zed, _ = store.messages.all()
        assert zed.status is MessageStatus.FAILED
        assert zed.error is not None and zed.error.startswith("ReplyRenderError:")
        assert f"{broken}, line 4" in zed.error
        assert [r.to_address for r in store.outbox.all()] == ["amy@example-law.test"]
        assert [a for _, a in source.actions] == [1, 2]

        from intake.commands.status import collect

        (problem,) = collect(store)["problems"]
        assert problem.startswith("1 email(s) have no reply: a template could not render it")

        # Fixed and retried: the email is answered, once.
        fixed, _ = compile_templates(DEFAULT_TEMPLATES_DIR)
        retried = retry_failed(
            store,
            rules,
            own_address=OWN,
            outgoing=outgoing_from_settings(settings, rules, fixed),
        )
        assert retried.processed == 1
        assert sorted(r.to_address for r in store.outbox.all()) == [
            "amy@example-law.test",
            "zed@example-law.test",
        ]
        assert collect(store)["problems"] == []
