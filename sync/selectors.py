"""Reads about the exchange for other apps' pages."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models.functions import Coalesce

from sync.models import ImportRun


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
