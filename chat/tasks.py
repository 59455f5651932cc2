from __future__ import annotations

import logging

from celery import shared_task

from chat import services

logger = logging.getLogger(__name__)


@shared_task
def retention_conversations() -> int:
    """Daily: conversations ended longer than CHAT_RETENTION_DAYS ago are deleted."""
    deleted = services.retention_conversations()
    logger.info("chat retention: %s conversations deleted", deleted)
    return deleted
