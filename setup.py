"""Ships the top-level `rules/` and `templates/` inside the `intake` package of a wheel.

The project keeps the court's policy and wording at the top level, where a court finds
and edits them; an installed wheel has no top level, so the build copies both folders to
`intake/rules` and `intake/templates`, where `intake.shipped` finds them. Everything else
is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("rules", "templates")


class BuildWithData(build_py):  # type: ignore[misc]  # setuptools ships no stubs
    def run(self) -> None:
        super().run()
        here = Path(__file__).resolve().parent
        for name in SHIPPED:
            target = Path(self.build_lib) / "intake" / name
            shutil.copytree(
                here / name,
                target,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__"),
            )


setup(cmdclass={"build_py": BuildWithData})
