"""What several commands share: their errors, the --config option, the template set, a
progress display, and SIGTERM handled as Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from intake.errors import IntakeError, SetupError

if TYPE_CHECKING:
    from collections.abc import Collection

    from intake.config import Settings
    from intake.core.policy.rules import Rules
    from intake.core.replies.rehearse import Part
    from intake.core.replies.render import TemplateSet


class UsageError(SetupError):
    """The command was asked something it cannot do as asked (a path that does not
    exist, a missing --reason): `intake COMMAND: <message>`, exit status 2."""


class CommandError(IntakeError):
    """The command could not do its work (no such request, the state unusable):
    `intake COMMAND: <message>`, exit status 1."""


# Below this many new messages the cycle is quick: no progress display.
BACKLOG = 5


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="settings file (default: $INTAKE_CONFIG, else config/intake.toml, else built in)",
    )


def load_command_templates(
    settings: Settings, rehearsed: tuple[Rules, Collection[Part]] | None = None
) -> TemplateSet:
    """Every template of the settings' folder compiled, the set a command's replies,
    summaries and digest render with; ConfigError naming each broken file (and line)
    otherwise, before anything is written. `rehearsed`: (the rules, the parts the
    command renders), each rendered against the sample situations first, as the poll
    does at start, so a template that compiles but cannot render is refused too."""
    from intake.config import ConfigError
    from intake.core.replies.render import compile_templates
    from intake.service.runtime import rehearse_templates, templates_dir

    templates, problems = compile_templates(templates_dir(settings))
    if not problems and rehearsed is not None:
        rules, parts = rehearsed
        problems = rehearse_templates(templates, settings, rules, parts)
    if problems:
        raise ConfigError("templates: " + "; ".join(problems))
    return templates


class ProgressDisplay:
    """A progress bar on a terminal; a line every ~10% otherwise (logs, journald)."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.width = width
        self.started = time.monotonic()
        self._last_line = -1
        self._drawn = False
        # How far the poll got (None: it had not counted the new messages yet).
        self.done = 0
        self.total: int | None = None

    def progress(self) -> str:
        """How far the poll got, in words (for an interrupted poll)."""
        if self.total is None:
            return "before any new message was read"
        return f"{self.done} of {self.total} new message(s)"

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if total < BACKLOG:
            return
        if self.tty:
            filled = self.width * done // total
            bar = "#" * filled + "-" * (self.width - filled)
            rate = done / max(time.monotonic() - self.started, 1e-6)
            self.stream.write(f"\r[{bar}] {done}/{total} messages  {rate:.1f}/s ")
            self.stream.flush()
            self._drawn = True
            return
        step = max(total // 10, 1)
        if done == 0:
            self.stream.write(f"poll: {total} new messages\n")
        elif (done % step == 0 or done == total) and done != self._last_line:
            self.stream.write(f"poll: {done}/{total} messages\n")
            self._last_line = done
        self.stream.flush()

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


class Terminated(KeyboardInterrupt):
    """SIGTERM during a poll: handled as Ctrl-C is (see `run`)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def table_width() -> int:
    """The terminal's width (at least 60), or 100 when the output is not a terminal."""
    import shutil

    if not sys.stdout.isatty():
        return 100
    return max(60, shutil.get_terminal_size((100, 24)).columns)
