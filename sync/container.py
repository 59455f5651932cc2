"""The bundle container: a directory, or a .zip of that directory's contents, and its manifest.

Files are read as streams straight from the directory or the zip (nothing is
extracted), and no member whose path leaves the bundle's folder is accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import zipfile
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from django.utils.translation import gettext as _

from sync.problems import ProblemLog
from sync.schema import FILES, FORMAT

MANIFEST = "manifest.json"
SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")


class Container(ABC):
    """What both kinds of bundle (a folder, a zip) offer the reader."""

    name: str

    @abstractmethod
    def exists(self, member: str) -> bool: ...

    @abstractmethod
    def size(self, member: str) -> int: ...

    @abstractmethod
    def open(self, member: str) -> IO[bytes]: ...

    def close(self) -> None:
        return None


def member_is_safe(member: str) -> bool:
    """A relative path that stays inside the bundle's folder (no ``..``, no absolute path)."""
    if not member or "\\" in member or member.startswith("/") or "\x00" in member:
        return False
    if re.match(r"^[A-Za-z]:", member):
        return False
    parts = member.split("/")
    return ".." not in parts and posixpath.normpath(member) == member.rstrip("/")


class DirectoryContainer(Container):
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.name = root.name

    def _path(self, member: str) -> Path | None:
        if not member_is_safe(member):
            return None
        path = (self.root / member).resolve()
        # A symbolic link may point outside the folder as well.
        return path if path.is_relative_to(self.root) else None

    def exists(self, member: str) -> bool:
        path = self._path(member)
        return path is not None and path.is_file()

    def size(self, member: str) -> int:
        path = self._path(member)
        return path.stat().st_size if path else 0

    def open(self, member: str) -> IO[bytes]:
        path = self._path(member)
        if path is None:
            raise FileNotFoundError(member)
        return path.open("rb", buffering=0)


class ZipContainer(Container):
    def __init__(self, path: Path, zf: zipfile.ZipFile, prefix: str) -> None:
        self.zf = zf
        self.prefix = prefix
        self.name = path.name
        self.members = {info.filename[len(prefix) :]: info for info in zf.infolist() if not info.is_dir()}

    def exists(self, member: str) -> bool:
        return member_is_safe(member) and member in self.members

    def size(self, member: str) -> int:
        info = self.members.get(member)
        return info.file_size if info else 0

    def open(self, member: str) -> IO[bytes]:
        if not self.exists(member):
            raise FileNotFoundError(member)
        return self.zf.open(self.members[member])

    def close(self) -> None:
        self.zf.close()


def open_container(path: Path, problems: ProblemLog) -> Container | None:
    """The bundle at ``path`` (a directory or a .zip), or None with the reason in ``problems``."""
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            problems.add(MANIFEST, None, "", "", "no_manifest", _("Brak pliku manifest.json w katalogu pakietu."))
            return None
        return DirectoryContainer(path)
    if not path.is_file():
        problems.add("", None, "", str(path), "not_found", _("Nie ma takiego pliku ani katalogu."))
        return None
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        problems.add(
            path.name, None, "", "", "bad_zip", _("To nie jest poprawny plik .zip (%(error)s).") % {"error": exc}
        )
        return None
    unsafe = [info.filename for info in zf.infolist() if not member_is_safe(info.filename)]
    for name in unsafe:
        problems.add(
            path.name,
            None,
            "",
            name,
            "zip_path_escape",
            "Ścieżka w archiwum wychodzi poza katalog pakietu (np. „../” albo ścieżka bezwzględna); "
            "pakiet odrzucono bez rozpakowywania.",
        )
    if unsafe:
        zf.close()
        return None
    names = [info.filename for info in zf.infolist()]
    prefix = ""
    if MANIFEST not in names:
        # Tolerated: the zip of the folder itself (one top-level folder holding the manifest).
        tops = {name.split("/", 1)[0] for name in names}
        if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST}" in names:
            prefix = f"{next(iter(tops))}/"
        else:
            zf.close()
            problems.add(MANIFEST, None, "", "", "no_manifest", _("Brak pliku manifest.json w archiwum pakietu."))
            return None
    return ZipContainer(path, zf, prefix)


@dataclass
class ListedFile:
    rows: int
    sha256: str


@dataclass
class Manifest:
    format: str
    export_id: str
    sequence: int
    kind: str
    as_of: dt.datetime
    source: str
    files: dict[str, ListedFile] = field(default_factory=dict)

    @property
    def is_full(self) -> bool:
        return self.kind == "full"


def _line_of(text: str, key: str) -> int | None:
    """The line of the manifest where ``"key"`` first appears (for the report)."""
    needle = json.dumps(key)
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def read_manifest(container: Container, problems: ProblemLog) -> Manifest | None:
    """Parse and check manifest.json; every problem goes to ``problems``."""
    raw = container.open(MANIFEST).read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(MANIFEST, line, "", "", "bad_utf8", _("Nieprawidłowe kodowanie znaków (oczekiwano UTF-8)."))
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(
            MANIFEST,
            exc.lineno,
            "",
            "",
            "bad_json",
            _("Niepoprawny JSON: %(error)s (kolumna %(column)s).") % {"error": exc.msg, "column": exc.colno},
        )
        return None
    if not isinstance(data, dict):
        problems.add(MANIFEST, 1, "", "", "bad_json", _("Manifest musi być obiektem JSON."))
        return None

    def bad(key: str, value: object, code: str, reason: str) -> None:
        shown_value = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        problems.add(MANIFEST, _line_of(text, key), key, shown_value, code, reason)

    before = problems.count
    fmt = data.get("format")
    if fmt != FORMAT:
        bad(
            "format",
            fmt,
            "bad_format",
            _("Nieobsługiwany format pakietu; oczekiwano „%(format)s”.") % {"format": FORMAT},
        )
    export_id = data.get("export_id")
    if not isinstance(export_id, str) or not export_id.strip() or len(export_id) > 200:
        bad("export_id", export_id, "bad_export_id", _("Wymagany niepusty identyfikator eksportu (do 200 znaków)."))
    sequence = data.get("sequence")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
        bad("sequence", sequence, "bad_sequence", _("Numer kolejny eksportu musi być liczbą całkowitą ≥ 0."))
    kind = data.get("kind")
    if kind not in ("full", "delta"):
        bad("kind", kind, "bad_kind", _("Rodzaj pakietu musi być „full” albo „delta”."))
    as_of_raw = data.get("as_of")
    as_of = None
    if isinstance(as_of_raw, str):
        try:
            as_of = dt.datetime.fromisoformat(as_of_raw)
        except ValueError:
            as_of = None
    if as_of is None or as_of.tzinfo is None:
        bad(
            "as_of",
            as_of_raw,
            "bad_as_of",
            _("Wymagany znacznik czasu ISO 8601 ze strefą, np. 2026-11-20T23:00:00+01:00."),
        )
    source = data.get("source")
    if not isinstance(source, str) or not source.strip() or len(source) > 200:
        bad("source", source, "bad_source", _("Wymagana nazwa i wersja systemu źródłowego (do 200 znaków)."))
    files_raw = data.get("files")
    files: dict[str, ListedFile] = {}
    if not isinstance(files_raw, dict):
        bad("files", files_raw, "bad_files", _("Wymagany obiekt „files” z listą plików pakietu."))
    else:
        for name, entry in files_raw.items():
            if not member_is_safe(name):
                bad(name, name, "path_escape", _("Ścieżka pliku wychodzi poza katalog pakietu."))
                continue
            rows = entry.get("rows") if isinstance(entry, dict) else None
            sha = entry.get("sha256") if isinstance(entry, dict) else None
            is_csv = name.endswith(".csv")
            if is_csv and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 0):
                bad(name, rows, "bad_rows", _("Liczba wierszy pliku musi być liczbą całkowitą ≥ 0."))
                continue
            if not isinstance(sha, str) or not SHA256_RE.fullmatch(sha):
                bad(name, sha, "bad_sha256", _("Skrót SHA-256 pliku musi mieć 64 znaki szesnastkowe."))
                continue
            files[name] = ListedFile(rows=rows if isinstance(rows, int) else 0, sha256=sha.lower())
        if kind == "full" and "deletions.csv" in files:
            bad(
                "deletions.csv",
                "deletions.csv",
                "deletions_in_full",
                _("Plik deletions.csv jest dozwolony tylko w pakiecie „delta”; pakiet „full” zastępuje wszystko."),
            )
    if problems.count > before:
        return None
    # Each was checked above (a problem otherwise): the casts only tell the type checker.
    return Manifest(
        format=cast(str, fmt),
        export_id=cast(str, export_id),
        sequence=cast(int, sequence),
        kind=cast(str, kind),
        as_of=cast(dt.datetime, as_of),
        source=cast(str, source),
        files=files,
    )


def known_files(manifest: Manifest) -> list[str]:
    """Listed files the import reads, in dependency order."""
    return [stem for stem in FILES if f"{stem}.csv" in manifest.files]
