"""Reads about the exchange for other apps' pages."""

from __future__ import annotations

import datetime as dt

from portal import sql
from sync.models import ImportRun

# The back-office's ``as_of`` of the last imported bundle (the imported run that finished
# last), as an SQL expression: a tenant page's own query reads it as one more column.
DATA_AS_OF_SQL = (
    f"(SELECT r.as_of FROM {ImportRun._meta.db_table} r "  # noqa: S608 - constant SQL
    f"WHERE r.status = '{ImportRun.Status.IMPORTED.value}' ORDER BY r.finished_at DESC, r.id DESC LIMIT 1)"
)


def data_as_of() -> dt.datetime | None:
    """B3: "the data is as of …": the back-office's ``as_of`` of the last imported bundle."""
    return sql.as_datetime(sql.fetch_one(f"SELECT {DATA_AS_OF_SQL}")[0])
