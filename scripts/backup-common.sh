# Shared by backup.sh, restore.sh and backup-daily.sh (sourced, not run): settings read the
# way the portal reads them, the PostgreSQL client programs, and one way to stop with a message.

# Stop with one line on stderr naming what failed; the exit status is non-zero.
die() {
  echo "${0##*/}: BŁĄD: $*" >&2
  exit 1
}

# A setting from the environment, else from the .env file beside manage.py (a line
# NAME=value, taken literally, as django-environ and compose read it), else the default.
setting() {
  local name=$1 default=$2 line
  if [ -n "${!name+x}" ] && [ -n "${!name}" ]; then
    printf '%s' "${!name}"
    return
  fi
  if [ -f "$root/.env" ] && line=$(grep -E "^$name=" "$root/.env" | tail -n 1) && [ -n "${line#*=}" ]; then
    printf '%s' "${line#*=}"
    return
  fi
  printf '%s' "$default"
}

# DATABASE_URL as libpq takes it: django-environ also accepts the schemes pgsql:// and psql://.
libpq_url() {
  local url=$1
  [ -n "$url" ] || die "brak DATABASE_URL (adres bazy PostgreSQL, np. postgres://ebok:hasło@postgres:5432/ebok)"
  case "$url" in
    postgres://* | postgresql://*) printf '%s' "$url" ;;
    pgsql://* | psql://* | postgis://*) printf 'postgresql://%s' "${url#*://}" ;;
    *) die "DATABASE_URL nie wskazuje bazy PostgreSQL (${url%%://*}://…); kopię robi się tylko z PostgreSQL" ;;
  esac
}

# pg_dump / pg_restore: from PATH (the image's postgresql-client), else Debian's server package.
pg_program() {
  local name=$1 found
  if found=$(command -v "$name"); then
    printf '%s' "$found"
    return
  fi
  for found in /usr/lib/postgresql/15/bin/"$name" /usr/lib/postgresql/*/bin/"$name"; do
    if [ -x "$found" ]; then
      printf '%s' "$found"
      return
    fi
  done
  die "nie znaleziono programu $name (zainstaluj postgresql-client w wersji serwera)"
}

# Names of complete backups: the UTC time they were started, e.g. 20261203T023000Z.
BACKUP_NAME_GLOB='[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z'

# Seconds since the epoch of a backup's name.
backup_epoch() {
  local n=$1
  date -u -d "${n:0:4}-${n:4:2}-${n:6:2} ${n:9:2}:${n:11:2}:${n:13:2}" +%s
}
