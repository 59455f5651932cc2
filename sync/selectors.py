"""Reads about the exchange for other apps' pages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models.functions import Coalesce

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
    row = sql.fetch_one(f"SELECT {DATA_AS_OF_SQL}")
    return sql.as_datetime(row[0]) if row else None


def last_successful_import() -> ImportRun | None:
    """The imported run that finished last (a run whose finish was never recorded counts from its start)."""
    return (
        ImportRun.objects.filter(status=ImportRun.Status.IMPORTED)
        .order_by(Coalesce("finished_at", "started_at").desc(), "-id")
        .first()
    )


def import_finished_at(run: ImportRun) -> dt.datetime:
    return run.finished_at or run.started_at


def import_is_stale(run: ImportRun | None, *, now: dt.datetime) -> bool:
    """No bundle imported successfully for more than IMPORT_STALE_HOURS (or never): the
    portal shows old data, and staff are told (``sync.services.import_staleness_notify``)."""
    if run is None:
        return True
    return now - import_finished_at(run) > dt.timedelta(hours=settings.IMPORT_STALE_HOURS)
