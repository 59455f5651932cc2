"""Plain SQL for the reads every tenant page repeats.

A tenant page runs a handful of small queries; composing them through the ORM costs
several times what the database spends answering them (a ``filter().first()`` is
about 0.4 ms of Python, the same query written out under 0.1 ms). The hot reads
(the unit of a URL with its sums, the ledger and invoice pages, the dashboard's
panels, the stored invoice PDF) are therefore written as SQL, and their rows turned
into model instances here, with the same conversions the ORM applies (SQLite hands dates and decimals
back as text and floats; PostgreSQL needs none). On PostgreSQL they are also prepared
statements (see ``_run()``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from portal.formats import CENT, ZERO

M = TypeVar("M", bound=Model)

if connection.vendor == "postgresql":
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
    from django.db.backends.utils import CursorWrapper

    class _PreparingCursor(ServerBindingCursor):
        """Parameters bound by the server, so that the query text is the same on every
        call, and prepared on its first execution."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

    class _LoggedCursor(CursorDebugWrapper):
        """Django's debug cursor (query log, ``CaptureQueriesContext``) for ``_PreparingCursor``:
        logs the query with its values filled in, as the ORM's queries are logged."""

        def execute(self, sql, params=None):
            logged = self.db.ops.compose_sql(sql, params) if params else sql
            with self.debug_sql(logged, params):
                return CursorWrapper.execute(self, sql, params)


def _run(sql: str, params: Sequence[Any], fetch: Callable[[Any], Any]) -> Any:
    """Run ``sql`` on a cursor whose queries PostgreSQL prepares once per connection
    (``DB_PREPARED_STATEMENTS``) and then only executes: no parsing and planning on each
    request. One such cursor serves all of a connection's reads (a new psycopg cursor per
    query costs as much as running a small prepared one). Wrapped like Django's cursors,
    so that its queries are logged and counted like any other. Django's own cursor when
    statements are not prepared (and on SQLite)."""
    if not settings.DB_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return fetch(cursor)
    # What BaseDatabaseWrapper.cursor() does, with a kept cursor of the server-side binding kind.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = getattr(connection, "_portal_prepared_cursor", None)
    if raw is None or raw.closed or raw.connection is not connection.connection:
        with connection.wrap_database_errors:
            raw = connection._portal_prepared_cursor = _PreparingCursor(connection.connection)
    cursor = _LoggedCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
    cursor.execute(sql, params)
    return fetch(cursor)


def fetch_one(sql: str, params: Sequence[Any] = ()) -> tuple | None:
    return _run(sql, params, lambda cursor: cursor.fetchone())


def fetch_all(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return _run(sql, params, lambda cursor: cursor.fetchall())


@cache
def _fields(model: type[Model]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    fields = model._meta.concrete_fields
    return tuple(f.attname for f in fields), tuple(f.column for f in fields)


@cache
def columns(model: type[Model], alias: str) -> str:
    """``alias.col1, alias.col2, …``: every concrete column of ``model``, in the order
    ``instance()`` expects them."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(column)}" for column in _fields(model)[1])


def width(model: type[Model]) -> int:
    """How many values of a row ``columns(model, …)`` selects."""
    return len(_fields(model)[0])


@cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[int, Any, list], ...]:
    """The ORM's value converters of each column that has any on this database."""
    result = []
    for position, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if found:
            result.append((position, expression, found))
    return tuple(result)


def instance(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from the values ``columns(model, …)`` selected, as the ORM builds it."""
    converters = _converters(model, connection.vendor)
    if converters:
        values = list(values)
        for position, expression, found in converters:
            for converter in found:
                values[position] = converter(values[position], expression, connection)
    return model.from_db(DEFAULT_DB_ALIAS, _fields(model)[0], values)


# Aggregates and expressions lose their column type, so SQLite returns them as text or floats.


def as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date(str(value))


def as_datetime(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = parse_datetime(str(value))
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def as_money(value: Any) -> Decimal:
    """A sum of money: two decimal places, 0.00 for no rows."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):  # PostgreSQL
        return value.quantize(CENT)
    return Decimal(str(value)).quantize(CENT)  # SQLite: a float or an int
