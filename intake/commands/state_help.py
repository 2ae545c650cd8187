"""What to tell an operator whose state database cannot be opened, beyond SQLite's words.

The two traps are a command run with other settings than the daemon's (`intake status`
as root without INTAKE_STATE_DIR, so it looks in ./var/state instead of /var/lib/intake)
and a state folder it cannot write to (SQLite writes beside a WAL database even to read
it, and then says only "unable to open database file").
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.config import Settings

# The state folder of the systemd unit (config/intake.service: StateDirectory=intake).
SERVICE_STATE_DIR = "/var/lib/intake"


def store_problem(settings: Settings, error: Exception) -> str:
    """`error` (from opening the state database), with what to check next."""
    from intake.edges.state_layout import StateLayout

    state_dir = settings.state_dir
    if not StateLayout(state_dir).database.is_file():
        return (
            f"{error}\n  state_dir {state_dir} comes from {settings.origin}: if the daemon "
            f"keeps its state elsewhere, say so with --config or INTAKE_STATE_DIR "
            f"(the systemd unit uses INTAKE_STATE_DIR={SERVICE_STATE_DIR}); "
            "a new state_dir gets its database from the first `intake poll --once`"
        )
    if not os.access(state_dir, os.W_OK):
        return (
            f"{error}\n  {state_dir} is not writable by this user (or is on a read-only "
            "disk): SQLite writes beside the database even to read it; run as the "
            "service's user (sudo), or copy the state folder somewhere writable"
        )
    return str(error)
