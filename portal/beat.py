"""Celery beat's scheduler with a heartbeat file, for the container's health check.

Beat answers no ping (only workers do), so a beat that hangs or lost its broker would
look alive. Every pass of its loop touches ``BEAT_HEARTBEAT_FILE``; the compose health
check fails when the file is older than three loop intervals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery.beat import PersistentScheduler
from django.conf import settings


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval: float = super().tick(*args, **kwargs)
        Path(settings.BEAT_HEARTBEAT_FILE).touch()
        return interval
