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
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from portal.db_router import reading_alias
from portal.formats import CENT, ZERO

M = TypeVar("M", bound=Model)


def _execute(cursor: CursorWrapper, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql`` on Django's own cursor (logged and counted like any other query).

    On PostgreSQL the connection binds parameters on the server and psycopg prepares a
    query once it ran ``prepare_threshold`` times on the connection (both set in
    ``DATABASES["default"]["OPTIONS"]`` while ``DB_PREPARED_STATEMENTS`` is on): the
    query text is the same on every call, so PostgreSQL then only executes it, without
    parsing and planning it on each request."""
    cursor.execute(sql, params)


def fetch_one(sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    # The router's choice for this request (the read replica for a tenant page, else the primary).
    with connections[reading_alias()].cursor() as cursor:
        _execute(cursor, sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row


def fetch_all(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connections[reading_alias()].cursor() as cursor:
        _execute(cursor, sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


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
def _converters(model: type[Model], vendor: str) -> tuple[tuple[int, Any, list[Any]], ...]:
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
    parsed: dt.datetime | None = value
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def as_money(value: Any) -> Decimal:
    """A sum of money: two decimal places, 0.00 for no rows."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):  # PostgreSQL
        return value.quantize(CENT)
    return Decimal(str(value)).quantize(CENT)  # SQLite: a float or an int
