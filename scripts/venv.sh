#!/usr/bin/env bash
# Creates .venv with the machine's Python 3.11 and installs the pinned
# requirements; re-installs only when a requirements file changed.
# Usage: scripts/venv.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-runtime}
req=requirements.txt
[ "$kind" = dev ] && req=requirements-dev.txt
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip 2> >(grep -v "^WARNING: Location" >&2)
fi
stamp=.venv/.installed-$kind
digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  # (the machine's pip configuration warns about absent local mirrors: not ours to show)
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req" 2> >(grep -v "^WARNING: Location" >&2)
  echo "$digest" > "$stamp"
fi
