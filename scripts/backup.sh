#!/usr/bin/env bash
# Backup of everything the portal cannot get again (issue 13, item 18): the database
# (pg_dump -Fc), the private files (PRIVATE_MEDIA_ROOT: attachments, photos, documents,
# stored PDFs), the exchange archive (BUNDLE_ARCHIVE: any import can be replayed from it)
# and the Profil Zaufany keys (PZ_KEY_DIR, when present), into BACKUP_DIR/<UTC time>/ with
# SHA256SUMS. Then backups older than BACKUP_KEEP_DAYS (default 14) are deleted.
#
# A backup is written into a hidden folder and renamed to its final name only when
# complete: a folder named by its time is always a whole backup. Any failure stops with
# a message and a non-zero status; the old backups stay then.
# Restore: scripts/restore.sh BACKUP_DIR/<UTC time>.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/backup-common.sh
. "$root/scripts/backup-common.sh"

db_url=$(libpq_url "$(setting DATABASE_URL "")")
private=$(setting PRIVATE_MEDIA_ROOT "$root/var/private")
archive=$(setting BUNDLE_ARCHIVE "$root/var/bundles/archive")
pz_keys=$(setting PZ_KEY_DIR "$root/var/profil_zaufany")
backup_dir=$(setting BACKUP_DIR "$root/var/backups")
keep_days=$(setting BACKUP_KEEP_DAYS 14)
[[ $keep_days =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP_DAYS=$keep_days (podaj liczbę dni, co najmniej 1)"
[ -d "$private" ] || die "katalog plików prywatnych PRIVATE_MEDIA_ROOT=$private nie istnieje"
[ -d "$archive" ] || die "katalog archiwum pakietów BUNDLE_ARCHIVE=$archive nie istnieje"
pg_dump=$(pg_program pg_dump)

# Backups hold every tenant's personal data: readable by their owner only.
umask 077
mkdir -p "$backup_dir" || die "nie można utworzyć katalogu kopii BACKUP_DIR=$backup_dir"
# Two runs at once (a slow night and a manual run) would race for the same names.
exec 9>"$backup_dir/.lock"
flock -n 9 || die "inna kopia zapasowa właśnie trwa (blokada $backup_dir/.lock)"

# Names are to the second: a backup started right after another one waits for the next second.
stamp=$(date -u +%Y%m%dT%H%M%SZ)
while [ -e "$backup_dir/$stamp" ]; do
  sleep 1
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
done
final="$backup_dir/$stamp"
work=$(mktemp -d "$backup_dir/.niedokonczona-$stamp.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "Kopia zapasowa $stamp: baza danych…"
"$pg_dump" --format=custom --file="$work/database.dump" --dbname="$db_url" || die "pg_dump nie powiódł się"
echo "Kopia zapasowa $stamp: pliki prywatne ($private)…"
tar -czf "$work/private.tar.gz" -C "$private" . || die "nie udało się spakować $private"
echo "Kopia zapasowa $stamp: archiwum pakietów ($archive)…"
tar -czf "$work/archive.tar.gz" -C "$archive" . || die "nie udało się spakować $archive"
if [ -d "$pz_keys" ]; then
  tar -czf "$work/pz-keys.tar.gz" -C "$pz_keys" . || die "nie udało się spakować kluczy $pz_keys"
fi
(cd "$work" && sha256sum -- *.dump *.tar.gz >SHA256SUMS) || die "nie udało się policzyć sum kontrolnych"
sync -f "$work" 2>/dev/null || true
mv -T "$work" "$final" || die "nie udało się nadać kopii nazwy $final"
echo "Kopia zapasowa gotowa: $final ($(du -sh "$final" | cut -f1))"

# Retention, only after a good backup: a failing night never leaves fewer backups.
now=$(date -u +%s)
shopt -s nullglob
for old in "$backup_dir"/$BACKUP_NAME_GLOB; do
  name=${old##*/}
  if (( now - $(backup_epoch "$name") > keep_days * 86400 )); then
    rm -rf -- "$old" && echo "Usunięto kopię starszą niż $keep_days dni: $old"
  fi
done
# What a killed run left behind (kill -9 skips the trap).
for left in "$backup_dir"/.niedokonczona-*; do
  if [ -n "$(find "$left" -maxdepth 0 -mmin +1440)" ]; then
    rm -rf -- "$left" && echo "Usunięto niedokończoną kopię: $left"
  fi
done
