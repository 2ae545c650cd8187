"""TEST HOOK: kill this process with SIGKILL at a named point (INTAKE_CRASH_AT).

Set INTAKE_CRASH_AT=<point> (or <point>:<n> for its n-th passage) to prove that a
process killed there loses nothing and repeats nothing; the poll's points are listed in
`intake.service.cycle.CRASH_POINTS`, the sender's in `intake.service.send.CRASH_POINTS`.
Unset in production: then this does nothing.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "INTAKE_CRASH_AT"
_hits: dict[str, int] = {}


def crash_point(name: str) -> None:
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= (int(nth) if nth.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)
