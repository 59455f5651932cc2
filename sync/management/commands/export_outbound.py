"""python manage.py export_outbound DIR — write an outbound bundle (tenant readings, consent changes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from sync.outbound import export_outbound


class Command(BaseCommand):
    help = "Zapisuje pakiet wychodzący dla systemu źródłowego (odczyty lokatorów, zmiany zgód) w katalogu DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        bundle = export_outbound(directory=directory)
        self.stdout.write(
            _("Zapisano %(path)s: odczyty lokatorów %(readings)s, zmiany zgód %(consents)s.")
            % {"path": bundle.path, "readings": bundle.readings, "consents": bundle.consents}
        )
