"""Reads about the exchange for other apps' pages."""

from __future__ import annotations

import datetime as dt

from sync.models import ImportRun


def last_import() -> ImportRun | None:
    return ImportRun.objects.filter(status=ImportRun.Status.IMPORTED).order_by("-finished_at", "-pk").first()


def data_as_of() -> dt.datetime | None:
    """B3: "the data is as of …": the back-office's ``as_of`` of the last imported bundle."""
    run = last_import()
    return run.as_of if run else None
