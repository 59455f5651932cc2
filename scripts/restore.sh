#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh (issue 13, item 18):
#   scripts/restore.sh BACKUP_DIR/<UTC time>
# Checks the SHA256SUMS, restores the database into the one of DATABASE_URL
# (pg_restore --clean --if-exists --no-owner, in one transaction: a failed restore changes
# nothing) and puts the files back: PRIVATE_MEDIA_ROOT, BUNDLE_ARCHIVE and PZ_KEY_DIR get
# exactly the backup's contents. Stop web, worker and beat first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/backup-common.sh
. "$root/scripts/backup-common.sh"

[ $# -eq 1 ] || die "użycie: scripts/restore.sh KATALOG_KOPII (np. /backups/20261203T023000Z)"
backup=$1
[ -f "$backup/SHA256SUMS" ] || die "$backup nie jest kompletną kopią (brak SHA256SUMS)"
db_url=$(libpq_url "$(setting DATABASE_URL "")")
private=$(setting PRIVATE_MEDIA_ROOT "$root/var/private")
archive=$(setting BUNDLE_ARCHIVE "$root/var/bundles/archive")
pz_keys=$(setting PZ_KEY_DIR "$root/var/profil_zaufany")
pg_restore=$(pg_program pg_restore)

echo "Sprawdzanie sum kontrolnych $backup…"
(cd "$backup" && sha256sum --quiet --strict -c SHA256SUMS) || die "sumy kontrolne kopii $backup się nie zgadzają"
for part in "$backup"/*.tar.gz; do
  tar -tzf "$part" >/dev/null || die "archiwum $part jest uszkodzone"
done

echo "Odtwarzanie bazy danych…"
"$pg_restore" --clean --if-exists --no-owner --single-transaction --exit-on-error \
  --dbname="$db_url" "$backup/database.dump" || die "pg_restore nie powiódł się; baza pozostała bez zmian"

# The folder itself stays (it may be a volume's mount point); its contents are replaced.
restore_files() {
  local part=$1 target=$2
  mkdir -p "$target" || die "nie można utworzyć katalogu $target"
  find "$target" -mindepth 1 -delete || die "nie udało się opróżnić $target"
  tar -xzf "$part" -C "$target" || die "nie udało się rozpakować $part do $target"
  echo "Odtworzono pliki: $target"
}
restore_files "$backup/private.tar.gz" "$private"
restore_files "$backup/archive.tar.gz" "$archive"
if [ -f "$backup/pz-keys.tar.gz" ]; then
  restore_files "$backup/pz-keys.tar.gz" "$pz_keys"
fi
echo "Kopia $backup odtworzona."
