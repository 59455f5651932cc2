"""Celery tasks of the money pages: thin, safe to run twice."""

from celery import shared_task

from billing import services


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=3600, max_retries=8)
def after_import(run_id: int | None = None) -> dict[str, int]:
    """Queued by the import when it commits (sync.services): e-mail new invoices and
    documents to consenting users. ``run_id`` names the import, for the worker's log."""
    return services.after_import()
