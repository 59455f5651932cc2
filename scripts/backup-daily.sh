#!/usr/bin/env bash
# The compose service `backup` runs this: scripts/backup.sh once a day at BACKUP_AT (UTC,
# default 03:30, after the nightly import), and once at start when the newest backup is
# older than 20 hours (a fresh install, or a container that was down). A failed backup is
# reported on stderr (the container's log) and tried again the next day; the service's
# health check looks for a backup younger than 26 hours.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/backup-common.sh
. "$root/scripts/backup-common.sh"

at=$(setting BACKUP_AT 03:30)
[[ $at =~ ^([01][0-9]|2[0-3]):[0-5][0-9]$ ]] || die "BACKUP_AT=$at (podaj godzinę UTC jako GG:MM, np. 03:30)"
backup_dir=$(setting BACKUP_DIR "$root/var/backups")

newest_is_recent() {
  local newest
  newest=$(find "$backup_dir" -mindepth 1 -maxdepth 1 -type d -name "$BACKUP_NAME_GLOB" 2>/dev/null | sort | tail -n 1)
  [ -n "$newest" ] && (($(date -u +%s) - $(backup_epoch "${newest##*/}") < 20 * 3600))
}

while true; do
  if ! newest_is_recent; then
    "$root/scripts/backup.sh" || echo "${0##*/}: kopia zapasowa nie powiodła się; następna próba jutro o $at UTC" >&2
  fi
  now=$(date -u +%s)
  next=$(date -u -d "today $at" +%s)
  ((next > now)) || next=$(date -u -d "tomorrow $at" +%s)
  sleep $((next - now))
done
