"""The package root shows the layers, and imports only point down:
commands -> service -> edges -> core (config, errors, secrets, shipped: anyone's)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "intake"
ORDER = ["core", "edges", "service", "commands"]


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "intake" and parts[1] in ORDER else None


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _upward_imports() -> list[str]:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        own = relative.split("/")[0]
        if own not in ORDER:
            continue
        for module in _imports(path):
            target = _layer(module)
            upward = target is not None and ORDER.index(target) > ORDER.index(own)
            if upward:
                wrong.append(f"{relative} imports {module}")
    return wrong


def test_no_layer_imports_a_layer_above_it() -> None:
    assert _upward_imports() == []


@pytest.mark.parametrize("root_module", ["config.py", "errors.py", "secrets.py", "shipped.py"])
def test_the_root_modules_import_no_service_or_command(root_module: str) -> None:
    layers = {_layer(m) for m in _imports(PACKAGE / root_module)}
    assert not layers & {"service", "commands"}


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    edge = tmp_path / "x.py"
    edge.write_text("from intake.service.logs import redact\n")
    assert _layer(next(iter(_imports(edge)))) == "service"
