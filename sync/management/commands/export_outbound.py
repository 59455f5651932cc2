"""python manage.py export_outbound DIR — write an outbound bundle (tenant readings, consent changes)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from sync.outbound import export_outbound


class Command(BaseCommand):
    help = "Zapisuje pakiet wychodzący dla systemu źródłowego (odczyty lokatorów, zmiany zgód) w katalogu DIR."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options) -> None:
        bundle = export_outbound(directory=directory)
        self.stdout.write(
            f"Zapisano {bundle.path}: odczyty lokatorów {bundle.readings}, zmiany zgód {bundle.consents}."
        )
