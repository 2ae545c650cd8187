"""The `intake` command line: one sub-command per module in `intake/commands/`."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import types
from collections.abc import Sequence
from pathlib import Path

from intake.commands.help_format import HelpFormatter
from intake.errors import IntakeError

# Each command's module (in intake/commands/) offers `register(subparsers)`, which adds
# its parser and sets `func` (args -> exit code) as the parser default. A command named
# on the command line registers alone (`intake check` loads no other command's module);
# the overview (`intake --help`, a misspelt command) registers them all, so a command
# module imports its heavy dependencies (PDF readers, the store, jinja2, apscheduler,
# IMAP) inside the functions that run it (tests/unit/test_cli_startup.py).
COMMANDS = {
    "check": "check",
    "poll": "poll",
    "requests": "requests",
    "run": "run",
    "digest": "digest",
    "outbox": "outbox",
    "status": "status",
    "state": "state",
    "config": "config_cmd",
}

DESCRIPTION = """\
Email intake for CM/ECF training-waiver requests (U.S. Bankruptcy Court, N.D. Cal.).

Reads the attorneys' emails, classifies each attachment (acknowledgment letter, Notice
of Electronic Filing, other), checks the request against the court's rules in rules/,
and tells the attorney and the clerks what counts and what is missing.
"""

EPILOG = """\
examples:
  intake check fixtures/eml/duplicates.eml     assess files offline (nothing stored or sent)
  intake config check --config /etc/intake/intake.toml
  intake poll --once                           one cycle over the mailbox, then send
  intake requests list                         what the attorneys sent, one line each
  intake status                                last poll, backlog, outbox, failures

Settings come from --config FILE, else $INTAKE_CONFIG, else config/intake.toml, else the
embedded default (Maildir ./var/mail, state in ./var/state); INTAKE_* variables override
single keys (INTAKE_STATE_DIR=/var/lib/intake is the systemd unit's state). Everything
intake knows is in state_dir: intake.sqlite3, failed/, documents/, summaries/, outbox/.

Exit status: 0 success, 1 a runtime failure (the mailbox, the state, a send), 2 a usage
or configuration error, 130 Ctrl-C (143 SIGTERM in a poll); `intake status` exits 3
when the last poll failed. `intake COMMAND --help` says more about each command.
"""


def _without_pydantic_plugins() -> None:
    """intake uses no pydantic plugin: pydantic is told so before it looks for one.

    At the first model it builds, pydantic looks for plugins in the entry points of every
    installed distribution (`pydantic.plugin._loader`, which imports importlib.metadata and
    with it email, zipfile and csv: ~13 ms of an `intake check` of one NEF, bench/startup.md).
    Its own switch, PYDANTIC_DISABLE_PLUGINS, skips the scan but not those imports. The
    loader is answered here with no plugins; a pydantic that no longer has that module
    simply never asks (tests/unit/test_cli_startup.py: no importlib.metadata in a check),
    and one that asks the loader for anything else gets the real module, not a crash.
    """
    name = "pydantic.plugin._loader"
    if name in sys.modules:
        return

    def real(attribute: str) -> object:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        del sys.modules[name]
        return getattr(importlib.import_module(name), attribute)

    loader = types.ModuleType(name, "No pydantic plugins: intake/commands/cli.py")
    loader.get_plugins = tuple  # type: ignore[attr-defined]  # () : no plugin
    loader.__getattr__ = real  # type: ignore[method-assign]  # PEP 562: any other name
    sys.modules[name] = loader


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of `command` alone when it is one of them."""
    parser = argparse.ArgumentParser(
        prog="intake",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    # --config before the command (`intake --config FILE status`) as well as after it. Its
    # own dest: a sub-command's default (None) would otherwise overwrite it.
    parser.add_argument(
        "--config",
        dest="global_config",
        type=Path,
        metavar="FILE",
        help="settings file, for every command (also accepted after the command)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [command] if command in COMMANDS else COMMANDS:
        importlib.import_module(f"intake.commands.{COMMANDS[name]}").register(sub)
    return parser


def named_command(argv: Sequence[str]) -> str | None:
    """The command word of `argv` (after the options before it), if there is one."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word
        elif word in ("-h", "--help", "--"):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """The command line's entry point (`argv` None: the process's own arguments)."""
    if argv is not None:
        return run_command(list(argv))
    try:
        return run_command(sys.argv[1:])
    finally:
        # The process ends next. What it made needs no cyclic collection: frozen, its
        # objects are not walked once more by the interpreter's last collection (~30 ms
        # of an `intake check`, bench/startup.md). Not for a caller that goes on.
        gc.freeze()


def run_command(argv: list[str]) -> int:
    _without_pydantic_plugins()
    parser = build_parser(named_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    problem = _take_global_config(args)
    if problem:
        print(f"intake {args.command}: {problem}", file=sys.stderr)
        return 2
    try:
        code: int = args.func(args)
    except BrokenPipeError:
        # The reader went away (`intake check ... | head`): nothing is wrong with the
        # input, so no traceback; point stdout at /dev/null so the exit flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("intake: interrupted", file=sys.stderr)
        return 130
    except IntakeError as exc:
        # Every error intake reports derives from IntakeError, and its kind says the
        # exit status (1 runtime failure, 2 usage or configuration): one line, no traceback.
        print(f"intake {args.command}: {exc}", file=sys.stderr)
        return exc.exit_status
    except OSError as exc:
        # The last line of defence: a file or folder the command could not use (a
        # read-only state folder, a permission) is a clear line, never a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"intake {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    return code


def _take_global_config(args: argparse.Namespace) -> str | None:
    """Give the command the --config written before it; a problem in words, or None."""
    given: Path | None = args.global_config
    if given is None:
        return None
    if not hasattr(args, "config"):
        return "this command reads no settings file (--config)"
    if args.config is not None and args.config != given:
        return f"two settings files given: --config {given} and --config {args.config}"
    args.config = given
    return None
