"""Bundles the back-office sends back: a delta carrying readings (EXCHANGE_FORMAT.md)."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.sync.bundles import Bundle

READINGS_HEADER = ["reading_id", "meter_id", "read_on", "value", "source"]


def outbound_rows(folder: Path) -> list[list[str]]:
    with (folder / "readings.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def delta_with_readings(tmp_path: Path, rows: list[list[str]], *, export_id: str, sequence: int) -> Path:
    """A delta bundle of the back-office carrying ``rows`` of readings.csv and no deletions."""
    folder = tmp_path / export_id
    folder.mkdir()
    bundle = Bundle(folder)
    bundle.write_manifest(
        {
            "format": "ebok-bundle/1",
            "export_id": export_id,
            "sequence": sequence,
            "kind": "delta",
            "as_of": "2026-11-21T23:00:00+01:00",
            "source": "back-office testowy 1.0",
            "files": {},
        }
    )
    bundle.write("readings", READINGS_HEADER, rows)
    bundle.write("deletions", ["entity", "id"], [])
    return folder
