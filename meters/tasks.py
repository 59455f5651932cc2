"""Thin tasks: they call a service; each is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from meters import photos, services


@shared_task
def reading_reminders_due() -> int:
    """Daily (Celery beat): reminders for the reading window open today, once per user and window."""
    return services.reading_reminders_send(today=timezone.localdate())


@shared_task
def photo_stash_purge() -> int:
    return photos.photo_stash_purge()
