"""Readiness of a web process (issue 13, item 17): what it needs to serve a page.

Liveness needs nothing (the process answers); readiness checks the database, the
Celery broker (Redis, only when one is configured: without it tasks run in-process)
and that no migration is waiting. The compose health checks call both.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
PENDING = "pending"
SKIPPED = "skipped"

# Once every migration is applied it stays so for this process's code: loading the migration
# graph costs a few hundred milliseconds, too much for every health check.
_migrations_applied = False


def readiness() -> dict[str, str]:
    """Each check's answer: ``ok``, ``error`` (see the log), ``pending`` or ``skipped``."""
    checks = {"database": _database()}
    checks["redis"] = _redis() if settings.CELERY_BROKER_URL else SKIPPED
    checks["migrations"] = _migrations() if checks["database"] == OK else SKIPPED
    return checks


def is_ready(checks: dict[str, str]) -> bool:
    return all(answer in (OK, SKIPPED) for answer in checks.values())


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means "not ready"; the log says which
        logger.warning("readiness: the database does not answer", exc_info=True)
        return ERROR
    return OK


def broker_redis() -> redis.Redis:
    """A client of the broker's Redis with short timeouts (health checks and metrics wait on it)."""
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)


def _redis() -> str:
    try:
        client = broker_redis()
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        logger.warning("readiness: the Celery broker (Redis) does not answer", exc_info=True)
        return ERROR
    return OK


def _migrations() -> str:
    global _migrations_applied
    if _migrations_applied:
        return OK
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("readiness: the migration state cannot be read", exc_info=True)
        return ERROR
    if plan:
        logger.warning("readiness: %s migration(s) not applied", len(plan))
        return PENDING
    _migrations_applied = True
    return OK
