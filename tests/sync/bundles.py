"""Bundles for tests: a copy of the example bundle to edit, and a snapshot of the data."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

from accounts.models import UnitGrant, User
from billing.models import Building, Document, Invoice, InvoiceLine, LedgerEntry, Person, Title, Unit
from meters.models import Meter, Reading

EXAMPLE = Path(__file__).parent / "data" / "bundle-small"  # verbatim copy of shared/examples/bundle-small


class Bundle:
    """A bundle folder to edit: CSV rows in, manifest (rows, SHA-256) recomputed on ``save()``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def example(cls, tmp_path: Path, name: str = "bundle") -> Bundle:
        target = tmp_path / name
        shutil.copytree(EXAMPLE, target)
        return cls(target)

    @property
    def manifest(self) -> dict:
        return json.loads((self.path / "manifest.json").read_text("utf-8"))

    def write_manifest(self, data: dict) -> None:
        (self.path / "manifest.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")

    def set(self, **fields) -> Bundle:
        data = self.manifest
        data.update(fields)
        self.write_manifest(data)
        return self

    def rows(self, stem: str) -> tuple[list[str], list[list[str]]]:
        with (self.path / f"{stem}.csv").open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=";", quotechar='"')
            header = next(reader)
            return header, [row for row in reader if row]

    def write(self, stem: str, header: list[str], rows: list[list[str]]) -> Bundle:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        (self.path / f"{stem}.csv").write_text(out.getvalue(), "utf-8", newline="")
        self.list(f"{stem}.csv", rows=len(rows))
        return self

    def edit(self, stem: str, line: int, column: str, value: str) -> Bundle:
        """Set one field; ``line`` is the file's line number (the header is line 1)."""
        header, rows = self.rows(stem)
        rows[line - 2][header.index(column)] = value
        return self.write(stem, header, rows)

    def write_bytes(self, name: str, content: bytes, *, rows: int | None = None) -> Bundle:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        if rows is not None:
            self.list(name, rows=rows)
        return self

    def list(self, name: str, *, rows: int) -> Bundle:
        """List a file in the manifest with its real SHA-256 and the given row count."""
        data = self.manifest
        sha = hashlib.sha256((self.path / name).read_bytes()).hexdigest()
        data["files"][name] = {"rows": rows, "sha256": sha}
        self.write_manifest(data)
        return self

    def unlist(self, name: str) -> Bundle:
        data = self.manifest
        data["files"].pop(name, None)
        self.write_manifest(data)
        return self

    def as_delta(self, export_id: str, sequence: int) -> Bundle:
        return self.set(kind="delta", export_id=export_id, sequence=sequence)


MODELS = [Building, Unit, Person, Title, LedgerEntry, Invoice, InvoiceLine, Meter, Reading, Document, UnitGrant, User]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the data an import may touch, to compare before and after."""
    return {
        model._meta.label: [tuple(sorted(row.items())) for row in model.objects.order_by("pk").values()]
        for model in MODELS
    }
