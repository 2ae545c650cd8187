"""One error base: every error intake reports derives from IntakeError, whose kind says
the exit status the command line gives it."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import shutil
from pathlib import Path

import pytest

import intake
from intake.commands.cli import main
from intake.core.policy.rules import DEFAULT_RULES_DIR
from intake.errors import IntakeError, SetupError

# Exceptions that never reach a person: each is caught where it is raised.
INTERNAL = {
    # The PDF reader's verdict inside its sandboxed child, turned into a document kind.
    "intake.edges.pdf.judge.Unreadable",
    # A Maildir uid list that does not parse: the source rebuilds it and says so.
    "intake.edges.mail.maildir.UidListCorrupt",
    # SIGTERM during a poll, a KeyboardInterrupt on purpose: handled as Ctrl-C is.
    "intake.commands.common.Terminated",
}


@functools.cache
def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(intake.__path__, "intake."):
        if module_info.name.endswith("__main__"):
            continue  # running it is `intake` itself
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[f"{module.__name__}.{name}"] = value
    return found


def test_every_error_intake_reports_derives_from_the_one_base() -> None:
    classes = _exception_classes()
    assert "intake.config.ConfigError" in classes  # the walk found the package
    strays = sorted(
        name
        for name, cls in classes.items()
        if not issubclass(cls, IntakeError) and name not in INTERNAL
    )
    assert strays == []


def test_each_error_name_is_defined_once() -> None:
    names = [name.rpartition(".")[2] for name in _exception_classes()]
    assert sorted({n for n in names if names.count(n) > 1}) == []


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("intake.config.ConfigError", 2),
        ("intake.core.policy.rules.RulesError", 2),
        ("intake.commands.common.UsageError", 2),
        ("intake.core.replies.render.TemplateProblem", 2),
        ("intake.edges.store.connection.StoreError", 1),
        ("intake.edges.mail.source.SourceError", 1),
        ("intake.edges.mail.smtp.SendError", 1),
        ("intake.commands.common.CommandError", 1),
    ],
)
def test_the_kind_of_an_error_says_its_exit_status(name: str, status: int) -> None:
    cls = _exception_classes()[name]
    assert issubclass(cls, IntakeError)
    assert cls.exit_status == status
    assert issubclass(cls, SetupError) is (status == 2)


def test_a_broken_rules_folder_is_one_line_and_exit_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    nef = rules / "nef.toml"
    nef.write_text(nef.read_text().replace('own_court = "canb"', 'own_court = "cabn"'))
    eml = tmp_path / "a.eml"
    eml.write_bytes(b"From: a@b.example\r\nSubject: x\r\n\r\nhello\r\n")
    assert main(["check", "--rules", str(rules), str(eml)]) == 2
    err = capsys.readouterr().err
    assert "own_court" in err and "'cabn' is not a bankruptcy court id" in err
    assert "Traceback" not in err
