#!/usr/bin/env bash
# Command 2: the whole suite on real parts. Starts a throwaway PostgreSQL 15
# cluster and Redis on free ports in a temporary directory, runs ruff, mypy,
# makemigrations --check and pytest, and stops both servers on any exit.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/portal -x).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/system-packages.sh test
scripts/venv.sh dev
# axe-core for the accessibility walk (tests/e2e/test_accessibility_walk.py): the npm package
# pinned with its checksum in package-lock.json, installed into node_modules/ when missing or
# when the lock file changed; the tests themselves download nothing.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
py=.venv/bin/python
pgbin=/usr/lib/postgresql/15/bin

tmp=$(mktemp -d /tmp/ebok-test.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp/pg" "$tmp/sock"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$tmp/pg" "$tmp/sock"

cleanup() {
  status=$?
  as_pg "$pgbin/pg_ctl" -D "$tmp/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$tmp/redis.pid" ] && kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true
  pkill -f "celery -A portal worker.*$tmp" 2>/dev/null || true
  rm -rf "$tmp"
  echo "Czas całego przebiegu: $(( $(date +%s) - started )) s"
  exit $status
}
trap cleanup EXIT INT TERM

free_port() { $py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg_port=$(free_port)
redis_port=$(free_port)

as_pg "$pgbin/initdb" -D "$tmp/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$tmp/pg" -l "$tmp/pg/server.log" -w -o \
  "-p $pg_port -k $tmp/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres ebok
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize yes --pidfile "$tmp/redis.pid" --dir "$tmp" --logfile "$tmp/redis.log"

export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/ebok"
export CELERY_BROKER_URL="redis://127.0.0.1:$redis_port/0"
export CELERY_RESULT_BACKEND="redis://127.0.0.1:$redis_port/1"
export EBOK_TEST_TMP="$tmp"
export DEBUG=1 DEMO=1 DJANGO_ALLOW_ASYNC_UNSAFE=true
export PRIVATE_MEDIA_ROOT="$tmp/private"

echo "PostgreSQL 15 na porcie $pg_port, Redis na porcie $redis_port (katalog $tmp)"
$py -m ruff check .
$py -m ruff format --check .
scripts/mypy.sh
$py manage.py compilemessages -v0 --ignore=.venv
$py manage.py makemigrations --check --dry-run
$py -m pytest "$@"
