#!/usr/bin/env bash
# The main job on its embedded default: no mail server needed.
# Seeds a fresh local Maildir (var/demo/mail) with the generated fixtures, runs one poll
# cycle over it into a fresh state database (var/demo/state), lists the requests it
# built and shows one of them, then checks two fixtures offline with `intake check`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export INTAKE_STATE_DIR=var/demo/state
export INTAKE_MAILDIR=var/demo/mail
rm -rf var/demo

echo "== seeding $INTAKE_MAILDIR with fixtures/eml/*.eml" >&2
.venv/bin/python -c '
import sys
from intake.edges.mail.maildir import seed_maildir
print(f"delivered {len(seed_maildir(sys.argv[1], [sys.argv[2]]))} messages", file=sys.stderr)
' "$INTAKE_MAILDIR" fixtures/eml

echo "== intake poll --once" >&2
.venv/bin/intake poll --once
echo "== intake requests list" >&2
.venv/bin/intake requests list
echo "== intake requests show 1" >&2
.venv/bin/intake requests show 1
echo "== intake check (offline): one complete request, one with problems" >&2
.venv/bin/intake check fixtures/eml/complete-mixed-courts.eml fixtures/eml/duplicates.eml
