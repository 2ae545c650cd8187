"""The declared dependencies match the imports: every third-party module the package,
the tests or the fixture generators import belongs to a distribution pyproject.toml
declares (the package's own for intake/, the dev or ocr extras for the rest)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = {"intake", "tests", "fixtures", "bench"}


def _imports(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in LOCAL}


def _names(requirements: list[str]) -> set[str]:
    return {_normal(re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]) for r in requirements}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _distributions(module: str) -> set[str]:
    """The distributions that install `module`; a module not installed here (an optional
    extra such as tesserocr) is taken to be its own distribution's name."""
    installed = importlib.metadata.packages_distributions().get(module)
    return {_normal(d) for d in installed} if installed else {_normal(module)}


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = _names(PROJECT["dependencies"])
EXTRAS = set().union(*(_names(r) for r in PROJECT["optional-dependencies"].values()))


def test_every_module_the_package_imports_is_a_declared_dependency() -> None:
    undeclared = {
        module: sorted(_distributions(module))
        for module in _imports(ROOT / "intake")
        if not _distributions(module) & (RUNTIME | _names(PROJECT["optional-dependencies"]["ocr"]))
    }
    assert undeclared == {}


def test_every_module_the_tests_import_is_declared_somewhere() -> None:
    modules = _imports(ROOT / "tests") | _imports(ROOT / "fixtures")
    undeclared = sorted(m for m in modules if not _distributions(m) & (RUNTIME | EXTRAS))
    assert undeclared == []


def test_the_check_sees_a_direct_import() -> None:
    # pdfminer is imported by intake/edges/pdf/ (pdfplumber's own dependency, declared too).
    assert "pdfminer" in _imports(ROOT / "intake")
    assert "pdfminer-six" in RUNTIME
