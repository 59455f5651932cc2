#!/usr/bin/env bash
# Installs the Debian packages the portal and its tests use, when missing.
# Usage: scripts/system-packages.sh [runtime|test|image]
# (image: what the Dockerfile installs into the production image)
set -euo pipefail
kind=${1:-runtime}
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
pkgs=(fonts-dejavu-core gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
# The image also needs curl for its health check and pg_dump/pg_restore (15) for its backups.
[ "$kind" = image ] && pkgs+=(curl postgresql-client)
[ "$kind" = test ] && pkgs+=(postgresql-15 redis-server chromium zbar-tools caddy)
for p in "${pkgs[@]}"; do have "$p" || need+=("$p"); done
# The tests install axe-core with npm (Debian's npm brings nodejs; a nodejs that has npm is enough).
[ "$kind" = test ] && ! command -v npm >/dev/null && need+=(npm)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "Instaluję pakiety systemowe: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Brakuje pakietów systemowych: ${need[*]}. Zainstaluj je jako root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
