"""Problems found in a bundle: where (file, line, column), what (value) and why (Polish, for staff).

A refused bundle's report names every problem (rule 1). A broken bundle can
hold millions of them, so the log keeps the first few in memory and spills the
rest to a temporary file; they are stored on the import run after the data
transaction is rolled back.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

VALUE_MAX = 200


def shown(value: object) -> str:
    """A value as staff should see it: invalid UTF-8 bytes as \\xNN, cut to a sane length."""
    if value is None:
        return ""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def bundle_amount(cents: int) -> str:
    """An amount in grosze as the bundle writes it (``-1234,56``), for staff to find it there."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str
    value: str
    code: str
    reason: str

    def as_text(self) -> str:
        where = self.file or _("pakiet")
        if self.line:
            where += ", " + _("wiersz %(n)s") % {"n": self.line}
        if self.column:
            where += ", " + _("kolumna %(name)s") % {"name": self.column}
        value = " " + _("(wartość: „%(value)s”)") % {"value": self.value} if self.value else ""
        return f"{where}: {self.reason}{value}"


class ProblemLog:
    """Collects problems in the order found; spills to disk past ``keep`` of them."""

    def __init__(self, keep: int = 5000) -> None:
        self.keep = keep
        self._first: list[Problem] = []
        self._spill: IO[str] | None = None
        self.count = 0

    def add(self, file: str, line: int | None, column: str, value: object, code: str, reason: str) -> None:
        problem = Problem(file, line, column or "", shown(value), code, reason)
        self.count += 1
        if len(self._first) < self.keep:
            self._first.append(problem)
            return
        if self._spill is None:
            self._spill = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._spill.write(json.dumps(problem.__dict__, ensure_ascii=False) + "\n")

    def extend(self, problems: list[Problem]) -> None:
        for p in problems:
            self.add(p.file, p.line, p.column, p.value, p.code, p.reason)

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count

    @property
    def first(self) -> list[Problem]:
        return list(self._first)

    def __iter__(self) -> Iterator[Problem]:
        yield from self._first
        if self._spill is not None:
            self._spill.flush()
            self._spill.seek(0)
            for line in self._spill:
                yield Problem(**json.loads(line))

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None
