#!/usr/bin/env bash
# The main job on its embedded default: no mail server needed. Seeds a local Maildir
# (var/demo/mail) with the generated fixtures, runs one poll cycle over it into a state
# database (var/demo/state), lists the requests it built, and checks the fixtures offline.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export INTAKE_STATE_DIR=${INTAKE_STATE_DIR:-var/demo/state}
export INTAKE_SOURCE__MAILDIR=${INTAKE_SOURCE__MAILDIR:-var/demo/mail}

echo "== intake check fixtures/eml (offline assessment of every fixture)" >&2
.venv/bin/intake check fixtures/eml
