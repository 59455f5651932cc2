"""python manage.py import_bundle PATH — import one back-office bundle (a directory or a .zip)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from sync.models import ImportRun
from sync.services import bundle_import

EXIT_REFUSED = 2
EXIT_FAILED = 3


class ProgressBar:
    """One line per file, redrawn in place: ``ledger.csv  [#####.....]  48%``."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.current = ""
        self.last_draw = 0.0

    def __call__(self, name: str, done: int, total: int) -> None:
        now = time.monotonic()
        if name != self.current:
            if self.current:
                self.stream.write("\n")
            self.current = name
        elif now - self.last_draw < 0.1 and done < total:
            return
        self.last_draw = now
        share = done / total if total else 1.0
        filled = int(share * 30)
        self.stream.write(f"\r  {name:<20} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}")
        self.stream.flush()

    def finish(self) -> None:
        if self.current:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Wczytuje pakiet z systemu źródłowego (katalog albo .zip). Kod wyjścia 0: wczytany lub już wczytany."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--staging",
            action="store_true",
            help="Bez szybkiej ścieżki: wiersze czytane przez Pythona do tabel pośrednich (wolniej; te same wyniki).",
        )

    def handle(self, *args: Any, path: Path, staging: bool, **options: Any) -> None:
        out: TextIO = getattr(self.stdout, "_out", sys.stdout)  # the real stream behind OutputWrapper
        bar = ProgressBar(out) if out.isatty() else None
        run = bundle_import(path=path, trigger=ImportRun.Trigger.COMMAND, fast=not staging, progress=bar)
        if bar:
            bar.finish()
        self.stdout.write(run.message)
        if run.status == ImportRun.Status.REFUSED:
            for problem in run.problems.order_by("position")[:20]:
                self.stdout.write(f"  - {problem.as_text()}")
            if run.problem_count > 20:
                self.stdout.write(
                    "  "
                    + _("… i jeszcze %(n)s; pełna lista w panelu obsługi (import nr %(id)s).")
                    % {"n": run.problem_count - 20, "id": run.pk}
                )
            sys.exit(EXIT_REFUSED)
        if run.status == ImportRun.Status.FAILED:
            sys.exit(EXIT_FAILED)
        if run.status == ImportRun.Status.IMPORTED:
            self.stdout.write(_("Czas: %(seconds).1f s.") % {"seconds": run.duration})
