#!/usr/bin/env bash
# Runs every test, first installing whatever they need on a fresh machine (Debian-like):
# Chromium and Node/npm from apt when missing, the pinned Python test packages, the vendored web runtime.
# This is the README's test command; .ci/run calls it too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

missing=()
if [ -z "${TOKENSCOPE_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${missing[*]} with apt-get" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$PY" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
# Pyodide from npm, micropip/tzdata for Pyodide's Python, the core wheel: into web/vendor (git-ignored).
"$PY" serve.py --vendor-only

# No test may be skipped in CI except the real-log tests when ../shared is absent (a user's clone).
# First every test with msgspec, the optional decoder (issue 13), as installed above; then the tests whose lines the
# decoder reads (marked `decoder`: counting, hostile lines, fuzzing, the real logs, the golden outputs, ...) again on
# the standard-library path alone (TOKENSCOPE_DECODER=json), which must give the very same results (issue 31 item 7:
# the whole suite twice cost two and a half minutes for tests no decoder touches). The browser tests run once: the
# page's decoder is msgspec's WebAssembly wheel either way.
"$PY" -m pytest "$@"
TOKENSCOPE_DECODER=json "$PY" -m pytest "$@" -m decoder
