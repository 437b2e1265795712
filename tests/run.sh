#!/usr/bin/env bash
# Runs every test, installing first whatever the tests need on a fresh machine.
# This is the README's test command; .ci/run calls it too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
# No test may be skipped in CI except the real-log tests when ../shared is absent (a user's clone).
exec "$PY" -m pytest "$@"
