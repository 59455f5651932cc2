"""Creates the portal's key pairs for login.gov.pl (signing and encryption, EC P-256)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.profil_zaufany.conf import sp_key_paths
from accounts.profil_zaufany.crypto import generate_key_pair, write_key_pair


class Command(BaseCommand):
    help = (
        "Tworzy pary kluczy EC P-256 z certyfikatami do logowania przez login.gov.pl "
        "(podpis i szyfrowanie) w miejscach z ustawień PZ_SP_*_KEY/CERT (domyślnie PZ_KEY_DIR)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--common-name", default="", help="CN certyfikatów (domyślnie PZ_SP_ENTITY_ID).")
        parser.add_argument("--days", type=int, default=3 * 365, help="Ważność certyfikatów w dniach (domyślnie 1095).")
        parser.add_argument("--force", action="store_true", help="Zastąp istniejące klucze (stare przestaną działać!).")

    def handle(self, *args: Any, common_name: str, days: int, force: bool, **options: Any) -> None:
        paths = sp_key_paths()
        existing = [str(p) for p in paths.values() if p.exists()]
        if existing and not force:
            raise CommandError(
                "Klucze już istnieją: " + ", ".join(existing) + ". Użyj --force, aby je zastąpić "
                "(nowe certyfikaty trzeba wtedy ponownie zgłosić w login.gov.pl)."
            )
        cn = common_name or settings.PZ_SP_ENTITY_ID
        for use, label in (("signing", "podpis"), ("encryption", "szyfrowanie")):
            key_path, cert_path = Path(paths[f"{use}_key"]), Path(paths[f"{use}_cert"])
            key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            cert_path.parent.mkdir(parents=True, exist_ok=True)
            write_key_pair(generate_key_pair(f"{cn} ({label})", days=days), key_path, cert_path, overwrite=force)
            self.stdout.write(f"{label}: klucz {key_path} (0600), certyfikat {cert_path}")
        self.stdout.write(
            "Gotowe. Certyfikaty (nie klucze!) przekaż do login.gov.pl razem z metadanymi z /profil-zaufany/metadane/."
        )
