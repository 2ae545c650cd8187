"""The one base of every error intake reports to a person, and the exit status it means.

Each module raises its own kind (a `ConfigError`, a `StoreError`, a `SendError`...), all
derived from `IntakeError`; the command line prints any of them that reaches it as one
line, `intake COMMAND: message`, and exits with the kind's `exit_status`:
1 a runtime failure (the mailbox, the state, a send), 2 a usage or configuration error.
"""

from __future__ import annotations

from typing import ClassVar

RUNTIME_FAILURE = 1
USAGE_ERROR = 2


class IntakeError(Exception):
    """Something intake cannot do, said in one line; never a traceback for the user."""

    exit_status: ClassVar[int] = RUNTIME_FAILURE


class SetupError(IntakeError):
    """What the operator or the user must fix first: the settings, the rules, the
    templates, the command's arguments."""

    exit_status: ClassVar[int] = USAGE_ERROR
