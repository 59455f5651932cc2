"""The database side of the import: staging tables and how rows get into them.

PostgreSQL: normalized rows go through ``COPY`` (text format), and in fast mode
the file's own records through ``COPY`` (CSV format, the server parses them),
into TEMP tables, or, on a first load into an empty table, straight into the
portal's table or a shadow of it (``Shadow``). SQLite (the embedded default):
``executemany`` into TEMP tables. Everything after loading (checks, merge) is
the same SQL on both (sync/checks.py, sync/merge.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from sync.reader import staging_columns
from sync.schema import FILES, Column, FileSpec

BATCH = 5000
QUEUE_FROM = 8 << 20  # files bigger than this are sent by a writer thread (the reader goes on meanwhile)
NULL_MARK = "\x00"  # stands for "no value" in rows bound for COPY; the reader refuses NUL in data

# The file's columns take their kind's types (sync/kinds.py); these are the reader's additions.
EXTRA_TYPES = {"stored_name": "text", "sha256": "text", "size": "bigint"}
# Back-office ids compare byte by byte, as the portal's columns holding them do (billing/fields.py):
# joins and the staging tables' unique indexes then skip the database locale's rules.
PG_BYTEWISE = 'COLLATE "C"'


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


def _queued_writer(cursor: Any) -> Any:
    """psycopg's writer thread (the reader goes on while the server takes the data), with a
    short queue: at most ~8 MB waiting, whatever the file's size."""

    from psycopg.copy import QueuedLibpqWriter

    writer = QueuedLibpqWriter(cursor)
    writer._queue = type(writer._queue)(maxsize=64)  # of ≤ 128 kB pieces (psycopg's default: 1024)
    return writer


class PgCsvSink:
    """A file's own CSV records → ``COPY table (columns) FROM STDIN (FORMAT csv)``: the server
    parses them (fast mode; the reader sends only records its pattern describes, or ones it
    rendered itself). A queue lets the reader match the next chunk while the server stores."""

    def __init__(
        self, cursor: Any, table: str, columns: Sequence[str], force_not_null: Sequence[str], *, queued: bool
    ) -> None:
        options = "FORMAT csv, DELIMITER ';'"
        if force_not_null:
            options += f", FORCE_NOT_NULL ({', '.join(force_not_null)})"
        self._context = cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})",
            **({"writer": _queued_writer(cursor)} if queued else {}),
        )
        self._copy = self._context.__enter__()

    def write(self, data: bytes) -> None:
        self._copy.write(data)

    def close(self) -> None:
        self._context.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
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


@dataclass
class Target:
    """Where one file's rows go: a table and its column for each of the file's columns.

    Staging tables (``b_<file>``) have the file's column names and ``_line``; the
    portal's own tables (first load) or a shadow table take ``columns`` and constant
    ``suffix`` columns. ``raw`` allows the file's own CSV records (fast mode, PostgreSQL).
    """

    db: Database
    table: str
    columns: dict[str, str]  # file column → table column, in the file spec's order
    line: bool = False  # the table has a _line column (staging)
    extra: tuple[str, ...] = ()  # columns the reader adds (documents: stored_name, sha256, size)
    suffix: tuple[tuple[str, str], ...] = ()  # constant columns the rows path sends
    raw: bool = False

    @property
    def null(self) -> str | None:
        return NULL_MARK if self.db.pg else None

    def rows(self) -> PgCopySink | SqliteSink:
        names = [*self.columns.values(), *self.extra, *(column for column, _ in self.suffix)]
        if not self.db.pg:  # SQLite always loads staging tables
            return SqliteSink(self.db.cursor, self.table, ["_line", *names])
        return PgCopySink(
            self.db.connection.connection.cursor(),
            self.table,
            ["_line", *names] if self.line else names,
            skip_line=not self.line,
            suffix=[value for _, value in self.suffix],
        )

    def csv(self, columns: list[str], force_not_null: list[str], *, size: int) -> PgCsvSink | None:
        if not (self.raw and self.db.pg) or self.extra:
            return None
        return PgCsvSink(
            self.db.connection.connection.cursor(),
            self.table,
            [self.columns[c] for c in columns],
            [self.columns[c] for c in force_not_null],
            queued=size > QUEUE_FROM,
        )


class Shadow:
    """A table loaded beside one of the portal's tables and put in its place at the end
    of the import's transaction (PostgreSQL).

    A fresh table (same columns, defaults, identity, checks, storage options) takes the
    rows with no index to keep up; the indexes and foreign keys are then built in bulk,
    far cheaper than row by row. ``swap()`` drops the old table and renames the shadow and
    its indexes, constraints and sequence to the old names, in the same transaction:
    readers see the old table until the commit (they wait only for the swap's own
    moments at the very end), and a killed import leaves the old table as it was.
    """

    def __init__(self, db: Database, table: str) -> None:
        self.db = db
        self.table = table
        self.name = f"{table}__new"
        self.renames: list[tuple[str, str, str]] = []  # (kind, temporary name, final name)
        self.identity: dict[str, int] = {}  # identity column → its first value

    @staticmethod
    def possible(db: Database, table: str) -> bool:
        """Only a plain table of ours that nothing else depends on: no foreign key points at it,
        no view, trigger, rule, row security, inheritance or partitioning, and no column taking
        its default from a sequence (the shadow would share it: identity columns have their own)."""
        if not db.pg:
            return False
        return bool(
            db.scalar(
                """
                SELECT c.relkind = 'r' AND NOT c.relrowsecurity AND NOT c.relhasrules
                   AND NOT c.relhassubclass AND NOT c.relispartition AND pg_has_role(c.relowner, 'USAGE')
                   AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal)
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.confrelid = c.oid AND f.conrelid <> c.oid)
                   AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
                   AND NOT EXISTS (SELECT 1 FROM pg_attrdef d WHERE d.adrelid = c.oid
                                   AND pg_get_expr(d.adbin, d.adrelid) LIKE '%%nextval(%%')
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                                   WHERE d.refobjid = c.oid AND d.classid = 'pg_rewrite'::regclass)
                FROM pg_class c WHERE c.oid = to_regclass(%s)
                """,
                [table],
            )
        )

    def create(self, defaults: dict[str, str], fillfactor: int = 0) -> None:
        """``defaults``: constants for columns the file does not carry; ``fillfactor``: room
        left on each page for updates in place (HOT), unless the table has its own setting."""
        db = self.db
        options = list(db.scalar("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [self.table]) or [])
        if fillfactor and not any(option.startswith("fillfactor=") for option in options):
            options.append(f"fillfactor={fillfactor}")
        with_options = f" WITH ({', '.join(options)})" if options else ""
        db.execute(
            f"CREATE TABLE {self.name} (LIKE {self.table} INCLUDING DEFAULTS INCLUDING IDENTITY "
            f"INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION){with_options}"
        )
        # Identity columns go on from the old table's sequence (ids only grow); a large
        # cache while loading saves a sequence update per row.
        for column, sequence in db.rows(
            "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attidentity <> '' AND NOT a.attisdropped",
            [self.table, self.table],
        ):
            last, called = db.rows(f"SELECT last_value, is_called FROM {sequence}")[0]
            start = int(last) + (1 if called else 0)
            db.execute(f"ALTER TABLE {self.name} ALTER COLUMN {column} SET CACHE 10000 RESTART WITH {start}")
            new_sequence = db.scalar("SELECT pg_get_serial_sequence(%s, %s)", [self.name, column])
            self.renames.append(("SEQUENCE", new_sequence, sequence))
            self.identity[column] = start
        for column, value in defaults.items():  # constants the file does not carry
            # Quoted here: DDL takes no bound parameters under server-side binding (settings).
            from psycopg import sql as psycopg_sql

            default = psycopg_sql.Literal(value).as_string()
            db.execute(f"ALTER TABLE {self.name} ALTER COLUMN {column} SET DEFAULT {default}")
        self.defaults = list(defaults)

    def build(self) -> None:
        """After loading: the old table's indexes, key and unique constraints and foreign keys,
        built in bulk (a duplicate key fails here), then statistics for the planner."""
        db = self.db
        for column in self.defaults:
            db.execute(f"ALTER TABLE {self.name} ALTER COLUMN {column} DROP DEFAULT")
        n = 0
        for name, definition in db.rows(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'x', 'f') ORDER BY contype DESC, conname",
            [self.table],
        ):
            n += 1
            temporary = f"{self.name}_c{n}"
            db.execute(f"ALTER TABLE {self.name} ADD CONSTRAINT {temporary} {definition}")
            self.renames.append(("CONSTRAINT", temporary, name))
        for name, definition in db.rows(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = "
            "i.indexrelid AND k.conrelid = i.indrelid) ORDER BY c.relname",
            [self.table],
        ):
            n += 1
            temporary = f"{self.name}_i{n}"
            head, _on, rest = definition.partition(" ON ")
            _table, _using, method = rest.partition(" USING ")
            unique = "UNIQUE " if head.startswith("CREATE UNIQUE") else ""
            db.execute(f"CREATE {unique}INDEX {temporary} ON {self.name} USING {method}")
            self.renames.append(("INDEX", temporary, name))
        for column, start in self.identity.items():  # the next id right after the rows loaded
            following = max(int(db.scalar(f"SELECT COALESCE(MAX({column}), 0) FROM {self.name}")) + 1, start)
            db.execute(f"ALTER TABLE {self.name} ALTER COLUMN {column} SET CACHE 1 RESTART WITH {following}")
        # Statistics for the plans of this import and the pages right after it, from a small
        # sample: autovacuum analyzes the table in full soon after the commit.
        db.execute("SET LOCAL default_statistics_target = 10")
        db.execute(f"ANALYZE {self.name}")
        db.execute("RESET default_statistics_target")

    def swap(self) -> None:
        db = self.db
        grants = db.rows(
            "SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END "
            "FROM pg_class c, aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee "
            "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
            [self.table],
        )
        db.execute(f"DROP TABLE {self.table}")
        db.execute(f"ALTER TABLE {self.name} RENAME TO {self.table}")
        for kind, temporary, final in self.renames:
            if kind == "CONSTRAINT":
                db.execute(f"ALTER TABLE {self.table} RENAME CONSTRAINT {temporary} TO {final}")
            else:
                db.execute(f"ALTER {kind} {temporary} RENAME TO {final.rsplit('.', 1)[-1]}")
        for privilege, grantee in grants:
            db.execute(f"GRANT {privilege} ON {self.table} TO {grantee}")


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
        return max(int(self.cursor.rowcount), 0)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, params)
        return list(self.cursor.fetchall())

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
        return column.rules.pg_type if self.pg else column.rules.sqlite_type

    def _collation(self, column: Column | str) -> str:
        if self.pg and isinstance(column, Column) and column.rules.bytewise:
            return f" {PG_BYTEWISE}"
        return ""

    def create_staging(self, spec: FileSpec) -> None:
        """``b_<file>``: the file's columns and its rows' ``_line`` (none for rows the server
        parsed, fast mode: sync/checks.py)."""
        names = staging_columns(spec)
        by_name = {c.name: c for c in spec.columns}
        types = {
            name: self._column_type(by_name.get(name, name)) + self._collation(by_name.get(name, name))
            for name in names
        }
        table = f"b_{spec.stem}"
        self.execute(f"CREATE TEMP TABLE {table} ({', '.join(f'{name} {types[name]}' for name in names)})")
        self.temp.append(("TABLE", table))

    def create_empty(self, spec: FileSpec) -> None:
        """``b_<file>`` for a file the bundle does not carry: a view with no rows (cheaper to
        create than a table; the checks and the merge only read it)."""
        names = staging_columns(spec)
        by_name = {c.name: c for c in spec.columns}
        columns = ", ".join(
            f"CAST(NULL AS {self._column_type(by_name.get(n, n))}){self._collation(by_name.get(n, n))} AS {n}"
            for n in names
        )
        self.execute(f"CREATE TEMP VIEW b_{spec.stem} AS SELECT {columns} WHERE 1 = 0")
        self.temp.append(("VIEW", f"b_{spec.stem}"))

    def create_direct_view(self, stem: str, table: str, copy_columns: Sequence[str]) -> None:
        """In the fast mode a file is loaded straight into its (empty) table; the checks see it
        through a view with the file's column names and no line numbers."""
        spec = FILES[stem]
        parts = ["CAST(NULL AS integer) AS _line"]
        parts += [f"{final} AS {col.name}" for final, col in zip(copy_columns, spec.columns, strict=True)]
        self.execute(f"CREATE TEMP VIEW b_{stem} AS SELECT {', '.join(parts)} FROM {table}")
        self.temp.append(("VIEW", f"b_{stem}"))

    def create_temp_keys(self, name: str) -> None:
        """``name``: a set of back-office ids (e.g. the rows a merge removes), read as
        ``SELECT k FROM name``: a view on one shared temp table (creating a table per set
        would cost more than most sets hold). ``add_keys`` fills it."""
        if not any(kind == "TABLE" and table == "x_keys" for kind, table in self.temp):
            text, key = ("text", f"text {PG_BYTEWISE}") if self.pg else ("TEXT", "TEXT")
            self.execute(f"CREATE TEMP TABLE x_keys (bag {text} NOT NULL, k {key} NOT NULL, PRIMARY KEY (bag, k))")
            self.temp.append(("TABLE", "x_keys"))
        self.execute(f"CREATE TEMP VIEW {name} AS SELECT k FROM x_keys WHERE bag = '{name}'")
        self.temp.append(("VIEW", name))

    def add_keys(self, name: str, select: str, params: Sequence[Any] = ()) -> int:
        """Adds the distinct ids that ``select`` (one column) yields to the set ``name``."""
        if not self.pg:  # (Python's sqlite3 counts rows only for statements that start with INSERT)
            return self.execute(f"INSERT OR IGNORE INTO x_keys (bag, k) SELECT '{name}', * FROM ({select})", params)
        return self.execute(
            f"WITH q(k) AS ({select}) INSERT INTO x_keys (bag, k) SELECT DISTINCT '{name}', k FROM q "
            "WHERE k IS NOT NULL",
            params,
        )

    def staging_target(self, spec: FileSpec, *, raw: bool = False) -> Target:
        extra = tuple(staging_columns(spec)[len(spec.columns) + 1 :])
        columns = {c.name: c.name for c in spec.columns}
        return Target(self, f"b_{spec.stem}", columns, line=True, extra=extra, raw=raw)

    def leading_index(self, table: str, column: str) -> bool:
        """Whether an index of ``table`` starts with ``column`` (PostgreSQL)."""
        return bool(
            self.scalar(
                "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = i.indkey[0] WHERE i.indrelid = %s::regclass AND a.attname = %s)",
                [table, column],
            )
        )

    def analyze(self, table: str, columns: Sequence[str] = ()) -> None:
        """Statistics for the planner on the columns the checks and the merge join on."""
        if self.pg:
            self.execute(f"ANALYZE {table}" + (f" ({', '.join(columns)})" if columns else ""))

    def drop_temp(self) -> None:
        """Drop the staging tables and views (a rolled-back import takes them with it)."""
        views = [name for kind, name in self.temp if kind == "VIEW"]
        tables = [name for kind, name in self.temp if kind == "TABLE"]
        if self.pg:
            statements = [f"DROP VIEW {', '.join(views)}"] if views else []
            statements += [f"DROP TABLE {', '.join(tables)}"] if tables else []
            if statements:
                self.execute("; ".join(statements))
        else:
            for name in views:
                self.execute(f"DROP VIEW {name}")  # SQLite drops one per statement
            for name in tables:
                self.execute(f"DROP TABLE {name}")
        self.temp = []
