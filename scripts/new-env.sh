#!/usr/bin/env bash
# Writes the production .env from .env.example: the site's domain everywhere it is named,
# a random SECRET_KEY, database password and metrics token. The values use only letters, digits,
# "-" and "_", so that docker compose and django-environ read them alike.
# Usage: scripts/new-env.sh DOMAIN [FILE]   (default FILE: .env; an existing file is kept)
set -euo pipefail
cd "$(dirname "$0")/.."
domain=${1:-}
target=${2:-.env}
if [[ ! $domain =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
  echo "Użycie: scripts/new-env.sh DOMENA [PLIK], np. scripts/new-env.sh ebok.sm-piast.pl" >&2
  exit 2
fi
if [ -e "$target" ]; then
  echo "$target już istnieje: nie nadpisuję go (usuń go albo podaj inny plik)." >&2
  exit 1
fi
secret_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')
db_password=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
metrics_token=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
umask 077
sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$secret_key|" \
    -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=$db_password|" \
    -e "s|^METRICS_TOKEN=.*|METRICS_TOKEN=$metrics_token|" \
    -e "s|ebok\.example\.pl|$domain|g" .env.example > "$target"
echo "Zapisano $target dla https://$domain/ (klucz, hasło bazy i token metryk wylosowane). Uzupełnij w nim EMAIL_URL, DEFAULT_FROM_EMAIL i STAFF_NOTIFY_EMAILS."
