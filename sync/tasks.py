"""Celery tasks of the exchange: thin, they take a path and call a service."""

from typing import Any

from celery import shared_task

from sync import services
from sync.models import ImportRun


@shared_task(acks_late=True)  # type: ignore[untyped-decorator] # celery ships no type information
def import_bundle(path: str) -> int:
    """Import one bundle; returns the run's id. Safe to run twice (idempotent by export_id)."""
    return services.bundle_import(path=path, trigger=ImportRun.Trigger.TASK).pk


@shared_task(acks_late=True)  # type: ignore[untyped-decorator] # celery ships no type information
def bundles_nightly() -> dict[str, Any]:
    """Celery beat, every night (BUNDLE_NIGHTLY_AT): inbox → import → archive, then the outbound bundle."""
    return services.nightly()


@shared_task  # type: ignore[untyped-decorator] # celery ships no type information
def import_staleness_check() -> bool:
    """Celery beat, hourly: e-mail staff once when no bundle was imported for IMPORT_STALE_HOURS."""
    return services.import_staleness_notify()
