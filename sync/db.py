"""The database side of the import: staging tables and how rows get into them.

PostgreSQL: rows go through ``COPY`` (text format) into TEMP tables, or, on a
first load into an empty table, straight into the portal's table. SQLite (the
embedded default): ``executemany`` into TEMP tables. Everything after loading
(checks, merge) is the same SQL on both (sync/checks.py, sync/merge.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from sync.reader import staging_columns
from sync.schema import FILES, Column, FileSpec

BATCH = 5000
NULL_MARK = "\x00"  # stands for "no value" in rows bound for COPY; the reader refuses NUL in data

PG_TYPES = {
    "date": "date",
    "money": "numeric(12,2)",
    "area": "numeric(10,2)",
    "qty3": "numeric(14,3)",
    "count": "bigint",
    "posint": "bigint",
}
EXTRA_TYPES = {"stored_name": "text", "sha256": "text", "size": "bigint"}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class PgCopySink:
    """Rows → ``COPY table (columns) FROM STDIN`` in text format, in batches."""

    null = NULL_MARK

    def __init__(self, cursor: Any, table: str, columns: Sequence[str], *, skip_line: bool, suffix: Sequence[str] = ()):
        self._context = cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
        self._copy = self._context.__enter__()
        self._buffer: list[str] = []
        self._skip = 1 if skip_line else 0
        self._suffix = list(suffix)
        self._tabs = len(columns) - 1

    def write(self, row: list[str]) -> None:
        if self._skip:
            row = row[1:]
        if self._suffix:
            row = row + self._suffix
        line = "\t".join(row)
        if line.count("\t") != self._tabs or "\\" in line or "\n" in line or "\r" in line:
            line = "\t".join([_escape(v) for v in row])
        if NULL_MARK in line:
            line = line.replace(NULL_MARK, "\\N")
        self._buffer.append(line)
        if len(self._buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._buffer.append("")
            self._copy.write("\n".join(self._buffer))
            self._buffer = []

    def close(self) -> None:
        self.flush()
        self._context.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        self._buffer = []
        with contextlib.suppress(Exception):  # the transaction is rolled back anyway
            self._context.__exit__(type(exc), exc, exc.__traceback__)


class SqliteSink:
    null = None

    def __init__(self, cursor: Any, table: str, columns: Sequence[str]):
        self._cursor = cursor
        self._sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        self._buffer: list[list[Any]] = []

    def write(self, row: list[Any]) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self._cursor.executemany(self._sql, self._buffer)
            self._buffer = []

    def close(self) -> None:
        self.flush()

    def abort(self, exc: BaseException) -> None:
        self._buffer = []


class Database:
    """One connection's view for the import: SQL helpers that differ by vendor."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.cursor = connection.cursor()
        self.temp: list[tuple[str, str]] = []  # ("TABLE"|"VIEW", name) to drop at the end

    # --- plain SQL -----------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cursor.execute(sql, params)
        return max(self.cursor.rowcount, 0)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.cursor.execute(sql, params)
        row = self.cursor.fetchone()
        return row[0] if row else None

    def cents(self, expr: str) -> str:
        """An amount column as whole grosze (exact on both databases)."""
        if self.pg:
            return f"CAST(({expr}) * 100 AS bigint)"
        return f"CAST(ROUND(({expr}) * 100) AS INTEGER)"

    def datetime_param(self, value: Any) -> Any:
        return self.connection.ops.adapt_datetimefield_value(value)

    def table_is_empty(self, table: str) -> bool:
        return self.scalar(f"SELECT NOT EXISTS (SELECT 1 FROM {table})") in (True, 1)

    # --- staging -------------------------------------------------------------------------------
    def _column_type(self, column: Column | str) -> str:
        if isinstance(column, str):
            if column == "_line":
                return "integer" if self.pg else "INTEGER"
            return EXTRA_TYPES[column] if self.pg else ("INTEGER" if column == "size" else "TEXT")
        if self.pg:
            return PG_TYPES.get(column.kind, "text")
        return "INTEGER" if column.kind in ("count", "posint") else "TEXT"

    def create_staging(self, spec: FileSpec) -> None:
        names = staging_columns(spec)
        by_name = {c.name: c for c in spec.columns}
        columns = ", ".join(f"{name} {self._column_type(by_name.get(name, name))}" for name in names)
        table = f"b_{spec.stem}"
        self.execute(f"CREATE TEMP TABLE {table} ({columns})")
        self.temp.append(("TABLE", table))

    def create_direct_view(self, stem: str, table: str, copy_columns: Sequence[str]) -> None:
        """In the fast mode a file is loaded straight into its (empty) table; the checks see it
        through a view with the file's column names and no line numbers."""
        spec = FILES[stem]
        parts = ["CAST(NULL AS integer) AS _line"]
        parts += [f"{final} AS {col.name}" for final, col in zip(copy_columns, spec.columns, strict=True)]
        self.execute(f"CREATE TEMP VIEW b_{stem} AS SELECT {', '.join(parts)} FROM {table}")
        self.temp.append(("VIEW", f"b_{stem}"))

    def create_temp_keys(self, name: str) -> None:
        """A one-column temp table of back-office ids (e.g. the rows a merge removes)."""
        self.execute(f"CREATE TEMP TABLE {name} (k {'text' if self.pg else 'TEXT'} PRIMARY KEY)")
        self.temp.append(("TABLE", name))

    def staging_sink(self, spec: FileSpec) -> PgCopySink | SqliteSink:
        columns = staging_columns(spec)
        if self.pg:
            return PgCopySink(self.connection.connection.cursor(), f"b_{spec.stem}", columns, skip_line=False)
        return SqliteSink(self.cursor, f"b_{spec.stem}", columns)

    def direct_sink(self, table: str, columns: Sequence[str], suffix: Sequence[str] = ()) -> PgCopySink:
        return PgCopySink(self.connection.connection.cursor(), table, columns, skip_line=True, suffix=suffix)

    def analyze(self, table: str, columns: Sequence[str] = ()) -> None:
        """Statistics for the planner on the columns the checks and the merge join on."""
        if self.pg:
            self.execute(f"ANALYZE {table}" + (f" ({', '.join(columns)})" if columns else ""))

    def drop_temp(self) -> None:
        """Drop the staging tables and views (a rolled-back import takes them with it)."""
        views = [name for kind, name in self.temp if kind == "VIEW"]
        tables = [name for kind, name in self.temp if kind == "TABLE"]
        if views:
            self.execute(f"DROP VIEW {', '.join(views)}")
        if tables and self.pg:
            self.execute(f"DROP TABLE {', '.join(tables)}")
        for name in tables if not self.pg else []:
            self.execute(f"DROP TABLE {name}")  # SQLite drops one table per statement
        self.temp = []
