"""python manage.py generate_bundle OUT --units N --years Y [--seed S] — a realistic valid bundle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sync.generator import generate_bundle, make_delta, zip_bundle


class Command(BaseCommand):
    help = (
        "Zapisuje realistyczny, poprawny pakiet (full) w katalogu OUT; z --delta-of tworzy pakiet delta "
        "zmieniający część wierszy pakietu pełnego."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path)
        parser.add_argument("--units", type=int, default=40)
        parser.add_argument("--years", type=int, default=2)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="RRRR-MM-DD (domyślnie dziś)")
        parser.add_argument("--sequence", type=int, default=None)
        parser.add_argument("--export-id", default=None)
        parser.add_argument("--documents", type=int, default=None, help="liczba listów PDF (domyślnie do 30)")
        parser.add_argument("--zip", action="store_true", help="zapisz też OUT.zip")
        parser.add_argument(
            "--delta-of", type=Path, default=None, help="katalog pakietu pełnego, z którego zrobić deltę"
        )
        parser.add_argument("--touch", type=float, default=0.01, help="udział zmienionych wierszy w delcie")

    def handle(self, *args: Any, out: Path, **o: Any) -> None:
        if o["units"] < 1 or o["years"] < 1:
            raise CommandError(_("--units i --years muszą być dodatnie."))
        if o["delta_of"]:
            path = make_delta(
                o["delta_of"], out, touch=o["touch"], seed=o["seed"], sequence=o["sequence"], export_id=o["export_id"]
            )
            if o["zip"]:
                path = zip_bundle(path)
        else:
            path = generate_bundle(
                out,
                units=o["units"],
                years=o["years"],
                seed=o["seed"],
                as_of=o["as_of"],
                sequence=o["sequence"] or 1,
                export_id=o["export_id"],
                documents=o["documents"],
                make_zip=o["zip"],
            )
        self.stdout.write(_("Zapisano pakiet: %(path)s") % {"path": path})
