"""Reads about the exchange for other apps' pages."""

from __future__ import annotations

import datetime as dt

from portal import sql
from sync.models import ImportRun


def data_as_of() -> dt.datetime | None:
    """B3: "the data is as of …": the back-office's ``as_of`` of the last imported bundle
    (the imported run that finished last). Tenant pages show it on every view: plain SQL (see ``portal.sql``)."""
    row = sql.fetch_one(
        f"SELECT r.as_of FROM {ImportRun._meta.db_table} r WHERE r.status = %s "  # noqa: S608 - constant SQL
        "ORDER BY r.finished_at DESC, r.id DESC LIMIT 1",
        [ImportRun.Status.IMPORTED.value],
    )
    return sql.as_datetime(row[0]) if row else None
