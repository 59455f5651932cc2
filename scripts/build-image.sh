#!/usr/bin/env bash
# The image's build step (Dockerfile): translations, static files, the folders of the
# volumes. The production-set test runs it too, in a copy of the tree made as `COPY . .`.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
srv=${EBOK_SRV:-/srv/ebok}
# DEBUG=1 only for these two commands: the settings load without the operator's secrets,
# which the image never holds. Nothing of it remains at run time.
DEBUG=1 "$python" manage.py compilemessages -v0 --ignore=.venv
DEBUG=1 STATIC_MANIFEST=1 "$python" manage.py collectstatic --no-input -v0
mkdir -p "$srv/private" "$srv/pz" "$srv/bundles/inbox" "$srv/bundles/archive" "$srv/bundles/outbox" "$srv/backups" var
# The processes run as "ebok" (uid 1000); the volumes are mounted over these folders.
if id ebok >/dev/null 2>&1; then chown -R ebok "$srv" var; fi
