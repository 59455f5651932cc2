#!/usr/bin/env bash
# Command 1: the portal with demo data on embedded defaults (SQLite, in-process
# tasks, e-mail to the console) at http://127.0.0.1:8000. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-packages.sh runtime || echo "(bez pakietów systemowych: PDF-y i tłumaczenia mogą nie działać)" >&2
scripts/venv.sh runtime
export DEBUG=${DEBUG:-1} DEMO=${DEMO:-1}
# The e-mails' and PDFs' links follow the address served (portal/settings.py, issue 14 item 24).
export HOST=${HOST:-127.0.0.1} PORT=${PORT:-8000}
mkdir -p var
py=.venv/bin/python
command -v msgfmt >/dev/null 2>&1 && $py manage.py compilemessages -v0 --ignore=.venv
$py manage.py migrate --no-input -v0
# Demo data arrive as the back-office's would: a generated bundle (40 units, 2 years,
# fixed seed) imported by the nightly import's command; a second run says "already imported".
demo=var/bundles/demo
[ -f "$demo/manifest.json" ] || $py manage.py generate_bundle "$demo" --units 40 --years 2 --seed 2026
$py manage.py import_bundle "$demo"
$py manage.py seed_demo
exec $py manage.py runserver "$HOST:$PORT"
