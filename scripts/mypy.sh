#!/usr/bin/env bash
# Type check: clean on the whole portal, strict on services, selectors and the sync
# (pyproject.toml [tool.mypy]). Arguments narrow it to files or folders.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- accounts billing meters tickets payments chat sync portal; fi
DEBUG=1 DEMO=1 exec .venv/bin/mypy "$@"
