#!/usr/bin/env bash
# The main job on its embedded default: no mail server needed.
# Seeds a fresh local Maildir (var/demo/mail) with the generated fixtures, runs one poll
# cycle over it into a fresh state database (var/demo/state), lists the requests it
# built and shows one of them, checks two fixtures offline with `intake check`, and ends
# by saying where the replies, the clerks' pages and the state are, and how to look.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
DEMO="$PWD/var/demo"
CONFIG="$DEMO/intake.toml"
rm -rf "$DEMO"
mkdir -p "$DEMO"
# The demo's own settings file: every later `intake --config` sees the same state.
cat > "$CONFIG" <<TOML
# Written by scripts/demo.sh: the embedded defaults, with the demo's folders.
state_dir = "$DEMO/state"
[source]
maildir = "$DEMO/mail"
TOML

echo "== seeding $DEMO/mail with fixtures/eml/*.eml" >&2
.venv/bin/python -c '
import sys
from intake.edges.mail.maildir import seed_maildir
print(f"delivered {len(seed_maildir(sys.argv[1], [sys.argv[2]]))} messages", file=sys.stderr)
' "$DEMO/mail" fixtures/eml

echo "== intake poll --once" >&2
.venv/bin/intake --config "$CONFIG" poll --once
echo "== intake requests list" >&2
.venv/bin/intake --config "$CONFIG" requests list
echo "== intake requests show 1" >&2
.venv/bin/intake --config "$CONFIG" requests show 1
echo "== intake check (offline): one complete request, one with problems" >&2
.venv/bin/intake check fixtures/eml/complete-mixed-courts.eml fixtures/eml/duplicates.eml

STATE="$DEMO/state"
replies=$(find "$STATE/outbox" -name '*.eml' 2>/dev/null | wc -l)
pages=$(find "$STATE/summaries" -name '*.html' 2>/dev/null | wc -l)
cat <<TEXT

== where it all is
  replies to attorneys  $STATE/outbox/        ($replies .eml files, one per reply)
  clerks' pages         $STATE/summaries/index.html   ($pages pages, with PDF packets)
  state database        $STATE/intake.sqlite3
  settings              $CONFIG

== to look at them
  .venv/bin/intake --config $CONFIG status
  .venv/bin/intake --config $CONFIG requests list
  .venv/bin/intake --config $CONFIG requests show 3
  .venv/bin/intake --config $CONFIG outbox list
  xdg-open $STATE/summaries/index.html      (or open it in any browser)
  less $(find "$STATE/outbox" -name '*.eml' | sort | head -n 1)
TEXT
